"""The KPI engine: figures for a filter state, compared with the previous period, broken down by a
dimension, over time, and the rows behind a figure. The CLI, the pages and the reports call these.

Every figure comes from its fact's additive aggregates and quantiles (metrics/facts.py), read
from the rollups when they can answer the filter state and from raw rows otherwise (rollups.key_for);
both give the same counts and rates, and quantiles within 1%. Missing data gives None, never 0:
no rows loaded in a table, or a filter on a dimension the table lacks (a note says which).
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

import polars as pl

from loaders.store import fetch_frame

from metrics import calls as calls_mod
from metrics import clock, rollups
from metrics import satisfaction, service
from metrics.facts import (Fact, agg_select, evaluate, fetch_dicts, group_source, raw_aggregates, raw_quantiles,
                           TableCounts, table_exists)
from metrics.filters import DIMENSIONS, BREAKDOWN_ONLY, Filters, MissingDimension
from metrics.registry import METRICS

FORMULAS = {**service.FORMULAS, **satisfaction.FORMULAS, **calls_mod.FORMULAS}
FACTS: dict[str, Fact] = {f.name: f for f in (service.TICKETS, satisfaction.TICKET_SAT, satisfaction.SURVEYS,
                                                calls_mod.CALLS)}
TABLE_WORDS = {"tickets": "tickets", "ticket_sat": "tickets", "surveys": "surveys", "calls": "calls"}
GRAINS = ("day", "week", "month")
BREAKDOWN_DIMENSIONS = DIMENSIONS + BREAKDOWN_ONLY
TIMESERIES_BACKLOG_AGE_MAX_PERIODS = 120  # one raw query per period; longer series leave it None


class Figures(dict):
    """metric id -> value (a plain dict to callers), with ``notes`` (why some figures are None),
    ``flags`` (e.g. nps_small_sample), ``parts`` (numerator, denominator of each rate, for tests of
    significance), ``plan`` (rollup or raw rows, per fact), ``approximate`` (the ids whose value is a
    quantile read from the ticket sample rather than from every row behind it; see ``_quantiles``)
    and ``intervals`` (id -> (low, high), the 95 % confidence interval of each approximate value)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []
        self.flags: dict[str, bool] = {}
        self.parts: dict[str, tuple] = {}
        self.plan: dict[str, str] = {}
        self.approximate: set[str] = set()
        self.approximate_groups: dict = {}  # group -> ids (breakdowns, series)
        self.intervals: dict[str, tuple] = {}  # id -> (low, high) of an approximate value
        self.group_intervals: dict = {}  # group -> {id: (low, high)}
        self.sampled: dict = {}  # fact -> {group: {(measure, q): (low, high)}}
        self.undated_left_out: int = 0  # survey responses without a date that a date filter leaves out


def _settings() -> dict:
    import config

    return config.get().get("metrics", {})


def _check_ids(ids) -> list[str]:
    if ids is None:
        return list(METRICS)
    ids = list(ids)
    unknown = [i for i in ids if i not in FORMULAS]
    if unknown:
        raise KeyError(f"unknown metric id(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
    return ids


class Unavailable(Exception):
    pass


@dataclass
class _Context:
    con: object
    settings: dict
    rolls: rollups.Rollups
    counts: TableCounts

    def rows_in(self, table: str) -> bool:
        return self.counts.has_rows(table)


def _context(con) -> _Context:
    settings = _settings()
    counts = TableCounts(con)
    return _Context(con, settings, rollups.Rollups(con, settings, counts), counts)


def _missing_note(fact: Fact, dims: list[str]) -> str:
    return (f"{TABLE_WORDS[fact.name]} have no {' or '.join(dims)}: their figures are not shown while "
            f"{'that filter is' if len(dims) == 1 else 'those filters are'} on")


def _fact_groups(ctx: _Context, fact: Fact, filters: Filters, mids: list[str], by: str | None, figures: Figures):
    """{group: (aggs, quantiles)} for one fact, or raises Unavailable(note)."""
    con = ctx.con
    if not ctx.rows_in(fact.table):
        raise Unavailable(f"no {TABLE_WORDS[fact.name]} loaded")
    missing = [d for d in filters.active_dimensions() if d not in fact.dims]
    if by is not None and by not in GRAINS and by not in fact.dims:
        missing.append(by)
    if missing:
        raise Unavailable(_missing_note(fact, missing))
    formulas = {m: FORMULAS[m] for m in mids}
    wanted_q: dict[str, tuple] = defaultdict(tuple)
    for mid, f in formulas.items():
        if f.kind == "quantile" and mid not in service.BACKLOG_IDS:
            measure, q = f.args
            if q not in wanted_q[measure]:
                wanted_q[measure] += (q,)
    key = rollups.key_for(fact, filters, by) if ctx.rolls.usable(fact) else None
    figures.plan[fact.name] = "rollup" if key else "raw"
    if key:
        aggs = rollups.aggregates(con, fact, filters, key, by)
    else:
        aggs = raw_aggregates(con, fact, filters, ctx.settings, by)
    quantiles: dict = defaultdict(dict)
    approx: dict = {}
    if wanted_q:
        quantiles, approx = _quantiles(ctx, fact, filters, dict(wanted_q), by, aggs if key else None)
    figures.sampled.setdefault(fact.name, {}).update(approx)
    if fact.name == "tickets" and by not in GRAINS:
        if "backlog" in mids:
            counts = rollups.backlog(con, fact, filters, key, by) if key else service.backlog_raw(con, filters, by)
            for grp in set(aggs) | set(counts):
                aggs.setdefault(grp, {})["backlog"] = counts.get(grp, 0)
        if "backlog_age_median_hours" in mids:
            for grp, v in service.backlog_age_raw(con, filters, by).items():
                quantiles[grp][("backlog_age", 0.5)] = v
    return {g: (aggs.get(g, {}), quantiles.get(g, {})) for g in set(aggs) | set(quantiles)}


EXACT_QUANTILE_MAX_ROWS = rollups.EXACT_MAX_ROWS  # settings: metrics.exact_quantile_max_rows


def can_be_approximate(metric_id: str) -> bool:
    """A quantile the ticket sample may answer (the backlog's age is always exact)."""
    formula = FORMULAS.get(metric_id)
    return formula is not None and formula.kind == "quantile" and metric_id not in service.BACKLOG_IDS


def _quantiles(ctx: _Context, fact: Fact, filters: Filters, wanted: dict, by: str | None, aggs: dict | None):
    """({group: {(measure, q): value}}, {group: {(measure, q): (low, high)}}): exact quantiles from raw
    rows where the rows behind a figure are few (metrics.exact_quantile_max_rows) and reading them is
    cheap (at most metrics.exact_quantile_max_scan_rows rows in the date range, or fewer than
    metrics.approx_min_sample_rows of them in the sample), approximate ones from the ticket sample
    otherwise (their 95 % confidence interval in the second dict)."""
    con = ctx.con
    limit = rollups.exact_max_rows(ctx.settings)
    big: dict = {}
    if aggs is not None and fact.name == "tickets" and ctx.rolls.sample_usable():
        share = ctx.rolls.sample_share()
        min_sample = rollups.approx_min_sample_rows(ctx.settings, grouped=by is not None)
        scan: int | None = None  # raw rows an exact answer would read (computed when needed)
        for grp, values in aggs.items():
            per = {m: int(values.get(f"qn_{m}") or 0) for m in wanted}
            if any(n > limit for n in per.values()):
                big[grp] = per
            elif share < 1.0 and all(n * share >= min_sample for n in per.values()):
                # few rows behind the figure, but an exact answer scans every row of the date range:
                # when that is many and the sample holds enough of them, the sample answers (≈)
                if scan is None:
                    scan = rollups.rows_in_range(con, fact, filters)
                if scan > rollups.exact_max_scan_rows(ctx.settings):
                    big[grp] = per
    out: dict = defaultdict(dict)
    bounds: dict = {}
    small = None if aggs is None else [g for g in aggs if g not in big]
    if aggs is None or small:
        # the small groups exactly: one query over their span, or, for a few periods of a series
        # (the partial first and last weeks), one short query each rather than the whole range
        parts = [[g] for g in small] if big and by in GRAINS and len(small) <= 4 else [small]
        for part in parts:
            narrowed = _narrow_to(filters, by, part) if big else filters
            for grp, values in raw_quantiles(con, fact, narrowed, wanted, by).items():
                if grp not in big:
                    out[grp].update(values)
    if big:
        values, bounds = rollups.sample_quantiles(con, filters, wanted, big, by, ctx.rolls.sample_share())
        for grp, per in values.items():
            out[grp].update(per)
    return out, bounds


def _narrow_to(filters: Filters, by: str | None, groups: list) -> Filters:
    """The filters restricted to some groups of a grouping (exact quantiles for the small groups
    only); unchanged when the groups cannot be written as a filter."""
    if by is None or not groups or any(g is None for g in groups):
        return filters
    if by in GRAINS:
        first, last = min(groups), max(groups)
        end = _next_period(last, by) - dt.timedelta(days=1)
        lo = max(first, filters.date_from) if filters.date_from else first
        hi = min(end, filters.date_to) if filters.date_to else end
        return filters.replace(date_from=lo, date_to=hi)
    if by in DIMENSIONS:
        current = set(getattr(filters, by))
        keep = [str(g) for g in groups if not current or str(g) in current]
        return filters.replace(**{by: tuple(keep)}) if keep else filters
    return filters


def _evaluate_groups(ctx: _Context, filters: Filters, ids: list[str], by: str | None, figures: Figures) -> dict:
    """{group: {metric id: value}} for every requested id; parts and flags noted on ``figures``."""
    by_fact: dict[str, list[str]] = defaultdict(list)
    for mid in ids:
        by_fact[FORMULAS[mid].fact].append(mid)
    out: dict = defaultdict(dict)
    unavailable: dict[str, list[str]] = {}
    for fact_name, mids in by_fact.items():
        fact = FACTS[fact_name]
        try:
            groups = _fact_groups(ctx, fact, filters, mids, by, figures)
        except Unavailable as exc:
            if str(exc) not in figures.notes:
                figures.notes.append(str(exc))
            unavailable[fact_name] = mids
            continue
        sampled = figures.sampled.get(fact_name, {})
        for grp, (aggs, qs) in groups.items():
            for mid in mids:
                formula = FORMULAS[mid]
                out[grp][mid] = evaluate(formula, aggs, qs)
                if can_be_approximate(mid) and out[grp][mid] is not None and tuple(formula.args) in sampled.get(grp, {}):
                    figures.approximate_groups.setdefault(grp, set()).add(mid)
                    figures.group_intervals.setdefault(grp, {})[mid] = sampled[grp][tuple(formula.args)]
                if by is None and formula.kind == "ratio":
                    figures.parts[mid] = (aggs.get(formula.args[0]) or 0, aggs.get(formula.args[1]) or 0)
            if by is None and fact_name == "surveys":
                n = aggs.get("nps_n") or 0
                figures.parts["nps"] = (aggs.get("nps_prom") or 0, aggs.get("nps_det") or 0, n)
                figures.flags["nps_small_sample"] = 0 < n < int(ctx.settings.get("nps_small_sample", 30))
    if by is None:
        out.setdefault(None, {})
    for grp in out:
        for mids in unavailable.values():
            for mid in mids:
                out[grp][mid] = None
    return out


# ---------------------------------------------------------------- public API
def kpis(con, filters: Filters | None = None, ids=None) -> Figures:
    """{metric id: value or None} for the filter state (see docs/metrics.md for each definition)."""
    filters = filters or Filters()
    ids = _check_ids(ids)
    figures = Figures()
    ctx = _context(con)
    groups = _evaluate_groups(ctx, filters, ids, None, figures)
    for mid in ids:
        figures[mid] = groups[None].get(mid)
    figures.approximate = set(figures.approximate_groups.get(None, ()))
    figures.intervals = dict(figures.group_intervals.get(None, {}))
    _undated_note(ctx, filters, ids, figures)
    return figures


def _undated_note(ctx: _Context, filters: Filters, ids: list[str], figures: Figures) -> None:
    """A date filter leaves undated survey responses out: count them (with the same dimension
    filters) and say so, once, on the figures."""
    if not (filters.date_from or filters.date_to) or not ctx.rows_in("surveys"):
        return
    if not any(FORMULAS[m].fact == "surveys" for m in ids):
        return
    try:
        if ctx.rolls.usable(satisfaction.SURVEYS) and not _any_undated(ctx):
            return  # no undated response at all: none matches the filters either
        n = _evaluate_groups(ctx, filters.without_dates(), ["survey_undated"], None, Figures())[None].get("survey_undated")
    except Exception:  # never let the note take the figures down
        return
    if n:
        figures.undated_left_out = int(n)
        figures.notes.append(f"{int(n):,} survey response(s) have no date: the date filter leaves them out "
                             f"(they count in all-time figures)")


def _any_undated(ctx: _Context) -> bool:
    """Whether the survey cube holds any undated response (their rows have no day and sort last:
    a few blocks), so that the note's filtered count runs only when it can find one."""
    table = rollups.cube_table(satisfaction.SURVEYS)
    n = ctx.con.execute(f"SELECT coalesce(sum(undated_n), 0) FROM {table} WHERE cuboid = 'base' AND grain = 'month' "
                        f"AND day IS NULL").fetchone()[0]
    return bool(n)


def undated_responses(con, filters: Filters | None = None) -> int:
    """Survey responses without a date that match the filters' dimensions (dates do not apply)."""
    filters = (filters or Filters()).without_dates()
    if not table_exists(con, "surveys"):
        return 0
    value = kpis(con, filters, ["survey_undated"]).get("survey_undated")
    return int(value or 0)


def notes(con, filters: Filters, ids=None) -> list[str]:
    """Why figures are None for this filter state (no rows loaded, a dimension a table lacks).
    The notes are per fact, not per figure: without ``ids``, one count or rate of each fact asks
    (no quantile, no backlog: at 10M tickets those cost raw scans the notes do not need)."""
    return kpis(con, filters, _note_ids() if ids is None else ids).notes


def _note_ids() -> list[str]:
    """The first count or rate of each fact in the registry (every fact's notes, cheaply)."""
    out: dict[str, str] = {}
    for mid in METRICS:
        formula = FORMULAS[mid]
        if formula.kind in ("count", "ratio") and mid not in service.BACKLOG_IDS:
            out.setdefault(formula.fact, mid)
    return list(out.values())


def table_spans(con) -> dict[str, tuple[dt.date, dt.date]]:
    """First and last local date of each loaded table among tickets, calls and surveys (tables
    without rows are left out)."""
    spans = {}
    rolls = rollups.Rollups(con, _settings())
    for table, column in (("tickets", "created_at"), ("calls", "queued_at"), ("surveys", "responded_at")):
        fact = {"tickets": service.TICKETS, "surveys": satisfaction.SURVEYS}.get(table)
        if fact is not None and rolls.usable(fact):  # the cubes know it without reading every row
            lo, hi = rollups.span(con, fact)
        elif table_exists(con, table):
            lo, hi = con.execute(f"SELECT {clock.day_sql(f'min({column})')}, {clock.day_sql(f'max({column})')} FROM {table}").fetchall()[0]
        else:
            continue
        if lo is not None:
            spans[table] = (lo, hi)
    return spans


def data_span(con) -> tuple[dt.date | None, dt.date | None]:
    """First and last date of tickets, calls and surveys together."""
    spans = table_spans(con).values()
    return (min(lo for lo, _ in spans) if spans else None, max(hi for _, hi in spans) if spans else None)


def close_range(con, filters: Filters) -> Filters:
    """The filters with an open end of the date range closed at the data's first/last date."""
    if filters.date_from and filters.date_to:
        return filters
    first, last = data_span(con)
    return filters.replace(date_from=filters.date_from or first, date_to=filters.date_to or last)


Z_CRITICAL = 0.05
RELATIVE_THRESHOLD = 0.10


def two_proportion_p(x1: float, n1: float, x2: float, n2: float) -> float | None:
    """Two-sided p-value of a pooled two-proportion z-test."""
    if not n1 or not n2:
        return None
    p = (x1 + x2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0 if x1 / n1 == x2 / n2 else 0.0
    z = (x1 / n1 - x2 / n2) / se
    return math.erfc(abs(z) / math.sqrt(2))


def nps_difference_p(cur: tuple, prev: tuple) -> float | None:
    (p1, d1, n1), (p2, d2, n2) = cur, prev
    if not n1 or not n2:
        return None
    a = (p1 - d1) / n1
    b = (p2 - d2) / n2
    var = satisfaction.nps_variance(p1 / n1, d1 / n1, n1) + satisfaction.nps_variance(p2 / n2, d2 / n2, n2)
    if var == 0:
        return 1.0 if a == b else 0.0
    return math.erfc(abs(a - b) / math.sqrt(var) / math.sqrt(2))


def compare(con, filters: Filters | None = None, ids=None) -> dict:
    """{metric id: {"current", "previous", "change", "relative", "significant", "p_value"}}: the period
    against the one of the same length just before it (open ends are closed at the data's span;
    "all time" has no previous period). ``change`` is current - previous (fraction points for
    rates); ``significant``: rates by a two-proportion z-test (p < 0.05), NPS by a z-test on the
    difference, everything else when it moved by 10% or more. ``approximate`` /
    ``previous_approximate``: the value is a quantile read from the ticket sample (Figures.approximate);
    ``interval``: its 95 % confidence interval (low, high), None when exact."""
    filters = filters or Filters()
    ids = _check_ids(ids)
    current = kpis(con, filters, ids)
    previous_filters = None
    if filters.date_from or filters.date_to:
        previous_filters = close_range(con, filters).previous()
    previous = kpis(con, previous_filters, ids) if previous_filters else Figures({i: None for i in ids})
    cut_short = _previous_before_data(con, previous_filters) if previous_filters else {}
    notes = list(current.notes)
    if cut_short:
        notes.append(f"the previous period ({previous_filters.date_from} to {previous_filters.date_to}) starts before the "
                     "first record of " + ", ".join(f"{t} ({d})" for t, d in sorted(cut_short.items()))
                     + ": their counts and the backlog's age are not compared")
    out = {}
    for mid in ids:
        c, p = current.get(mid), previous.get(mid)
        if p is not None and _table_of(mid) in cut_short and _is_stock_or_count(mid):
            p = None  # a count over a period the data only partly covers is not a previous value
        change = None if c is None or p is None else c - p
        relative = None if change is None or p == 0 else change / abs(p)
        p_value = None
        if change is not None:
            if mid in current.parts and mid in previous.parts and FORMULAS[mid].kind == "ratio":
                p_value = two_proportion_p(*current.parts[mid], *previous.parts[mid])
            elif mid == "nps" and "nps" in current.parts and "nps" in previous.parts:
                p_value = nps_difference_p(current.parts["nps"], previous.parts["nps"])
        if p_value is not None:
            significant = p_value < Z_CRITICAL
        elif change is None:
            significant = False
        elif p == 0:
            significant = c != 0
        else:
            significant = abs(relative) >= RELATIVE_THRESHOLD
        out[mid] = {"current": c, "previous": p, "change": change, "relative": relative,
                    "significant": bool(significant), "p_value": p_value,
                    "approximate": mid in current.approximate, "previous_approximate": mid in previous.approximate,
                    "interval": current.intervals.get(mid)}
    out_meta = {"filters": filters, "previous_filters": previous_filters, "notes": notes,
                "previous_before_data": {t: d.isoformat() for t, d in cut_short.items()}}
    return _CompareResult(out, out_meta)


# Figures that grow with the days a period holds data (counts) or with the history before its end
# (the backlog, its age): compared only when the data cover the whole previous period.
STOCKS = {"backlog_age_median_hours"}
FACT_TABLE = {"tickets": "tickets", "ticket_sat": "tickets", "calls": "calls", "surveys": "surveys"}


def _table_of(mid: str) -> str | None:
    return FACT_TABLE.get(FORMULAS[mid].fact) if mid in FORMULAS else None


def _is_stock_or_count(mid: str) -> bool:
    return mid in STOCKS or (mid in FORMULAS and FORMULAS[mid].kind == "count")


def _previous_before_data(con, previous_filters: Filters) -> dict[str, dt.date]:
    """{table: its first date} for each loaded table whose rows begin after the previous period
    begins: that period is only partly covered, so its counts are not comparable. The
    comparison of rates, means and quantiles stands (they are per row)."""
    if previous_filters.date_from is None:
        return {}
    try:
        spans = table_spans(con)
    except Exception:  # never let the guard take the figures down
        return {}
    return {t: lo for t, (lo, _) in spans.items() if lo > previous_filters.date_from}


class _CompareResult(dict):
    def __init__(self, data: dict, meta: dict):
        super().__init__(data)
        self.meta = meta


def _survey_only(ids: list[str]) -> bool:
    return bool(ids) and all(FORMULAS[m].fact == "surveys" for m in ids)


def _primary_n_id(ctx: _Context, by: str) -> str:
    if by == "queue":
        return "calls_offered"
    if ctx.rows_in("ticket_metrics"):
        return "tickets"
    if by in calls_mod.DIMS and ctx.rows_in("calls"):
        return "calls_offered"
    return "csat_responses"


def breakdown(con, filters: Filters | None, by: str, ids=None) -> pl.DataFrame:
    """One row per value of ``by``: column ``by``, one column per metric id, ``n`` (tickets, or calls
    offered for queue, the size the small-sample flag looks at) and ``small_sample`` (n below
    metrics.small_sample: show, don't rank); when a quantile metric (a median, a p90) is asked
    for, ``approximate``: the row's quantiles were read from the ticket sample (Figures.approximate).
    Rows sorted by n, largest first.

    When every id is a survey metric, each score (csat, nps, ces) comes with its 95% interval and
    its responses (``nps_low``, ``nps_high``, ``nps_responses``, ...), ``n`` is the first score's
    responses and ``small_sample`` flags rows below metrics.survey_small_segment."""
    filters = filters or Filters()
    if by not in BREAKDOWN_DIMENSIONS:
        raise ValueError(f"cannot break down by {by!r}; valid: {', '.join(BREAKDOWN_DIMENSIONS)}")
    ids = _check_ids(ids)
    ctx = _context(con)
    n_id = _primary_n_id(ctx, by)
    small = int(ctx.settings.get("small_sample", 20))
    if _survey_only(ids):
        # Survey scores come with their interval and sample size; n is the first score's responses
        # and a row with fewer than metrics.survey_small_segment of them is flagged (shown, not ranked).
        ids = list(dict.fromkeys(x for m in ids for x in ((m,) + satisfaction.COMPANIONS.get(m, ()))))
        scores = [m for m in ids if m in satisfaction.COMPANIONS]
        n_id = satisfaction.COMPANIONS[scores[0]][2] if scores else ids[0]
        small = int(ctx.settings.get("survey_small_segment", 30))
    wanted = ids if n_id in ids else ids + [n_id]
    figures = Figures()
    groups = _evaluate_groups(ctx, filters, wanted, by, figures)
    quantiles = any(can_be_approximate(mid) for mid in ids)
    # With several scores, each is flagged on its own responses (a segment may have 200 CSAT and 12 NPS).
    per_score = [m for m in ids if m in satisfaction.COMPANIONS] if _survey_only(ids) else []
    per_score = per_score if len(per_score) > 1 else []
    rows = []
    for grp, values in groups.items():
        n = values.get(n_id)
        row = {by: None if grp is None else str(grp)}
        row.update({mid: _num(values.get(mid)) for mid in ids})
        row["n"] = int(n or 0)
        row["small_sample"] = (n or 0) < small
        if quantiles:
            row["approximate"] = bool(figures.approximate_groups.get(grp))
        for m in per_score:
            row[f"{m}_small_sample"] = (values.get(satisfaction.COMPANIONS[m][2]) or 0) < small
        rows.append(row)
    schema = {by: pl.String, **{mid: pl.Float64 for mid in ids}, "n": pl.Int64, "small_sample": pl.Boolean,
              **{f"{m}_small_sample": pl.Boolean for m in per_score}}
    if quantiles:
        schema["approximate"] = pl.Boolean
    frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    return frame.sort(["n", by], descending=[True, False], nulls_last=True)


def _num(v):
    return None if v is None else float(v)


def _period_start(d: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return d
    if grain == "week":
        return d - dt.timedelta(days=d.weekday())
    return d.replace(day=1)


def _next_period(d: dt.date, grain: str) -> dt.date:
    if grain == "day":
        return d + dt.timedelta(days=1)
    if grain == "week":
        return d + dt.timedelta(days=7)
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def timeseries(con, filters: Filters | None = None, grain: str = "day", ids=None) -> pl.DataFrame:
    """Column ``period`` (the period's first day) and one column per metric id, one row per period of
    the range (open ends: the data's span); a period without data has None. The backlog is at each
    period's end (or the range's end, for the last period)."""
    filters = filters or Filters()
    if grain not in GRAINS:
        raise ValueError(f"grain {grain!r} is not one of {', '.join(GRAINS)}")
    ids = _check_ids(ids)
    ctx = _context(con)
    closed = close_range(con, filters)
    schema = {"period": pl.Date, **{mid: pl.Float64 for mid in ids}}
    if closed.date_from is None or closed.date_to is None:
        return pl.DataFrame(schema=schema)
    figures = Figures()
    plain = [m for m in ids if m not in service.BACKLOG_IDS]
    groups = _evaluate_groups(ctx, filters, plain, grain, figures) if plain else {}
    periods = []
    d = _period_start(closed.date_from, grain)
    while d <= closed.date_to:
        periods.append(d)
        d = _next_period(d, grain)
    backlog_by_period = _timeseries_backlog(ctx, filters, closed, periods, grain, ids)
    rows = []
    for p in periods:
        values = groups.get(p, {})
        row = {"period": p, **{mid: _num(values.get(mid)) for mid in plain}}
        row.update(backlog_by_period.get(p, {}))
        rows.append(row)
    return pl.DataFrame(rows, schema=schema, orient="row").select(list(schema))


def _timeseries_backlog(ctx: _Context, filters: Filters, closed: Filters, periods: list, grain: str, ids) -> dict:
    out: dict = defaultdict(dict)
    wanted = [m for m in ids if m in service.BACKLOG_IDS]
    if not wanted or not ctx.rows_in("ticket_metrics"):
        return out
    if [d for d in filters.active_dimensions() if d not in service.DIMS]:
        return out
    fact = service.TICKETS
    if "backlog" in wanted:
        key = rollups.key_for(fact, filters, None) if ctx.rolls.usable(fact) else None
        deltas = rollups.backlog_deltas(ctx.con, fact, filters, key) if key else service.backlog_deltas_raw(ctx.con, filters)
        running, i = 0, 0
        for p in periods:
            end = min(_next_period(p, grain) - dt.timedelta(days=1), closed.date_to)
            while i < len(deltas) and deltas[i][1] <= end:
                running += deltas[i][2]
                i += 1
            out[p]["backlog"] = float(running)
    if "backlog_age_median_hours" in wanted and len(periods) <= TIMESERIES_BACKLOG_AGE_MAX_PERIODS:
        for p in periods:
            end = min(_next_period(p, grain) - dt.timedelta(days=1), closed.date_to)
            v = service.backlog_age_raw(ctx.con, filters.replace(date_from=None, date_to=end)).get(None)
            out[p]["backlog_age_median_hours"] = _num(v)
    return out


# ---------------------------------------------------------------- drill-down
@dataclass(frozen=True)
class Drill:
    kind: str
    sql: str
    explains: str
    params: object = None  # settings -> list


def _target(i):
    return lambda s: [float(service._targets(s)[i])]


DRILLS: dict[str, Drill] = {
    # tickets (created in the period)
    "open": Drill("tickets", service.OPEN, "open tickets created in the period"),
    "backlog": Drill("tickets", "", "tickets open at the end of the period (backlog)"),
    "unreplied": Drill("tickets", f"{service.OPEN} AND f.first_reply_at IS NULL", "open tickets without a reply"),
    "replied": Drill("tickets", service.REPLIED, "tickets behind the first reply time figures"),
    "late_reply_1h": Drill("tickets", f"({service.REPLIED} OR ({service.OPEN} AND f.first_reply_at IS NULL)) AND "
                                      f"NOT coalesce(f.first_reply_calendar_minutes <= ?, false)",
                           "tickets counted against replied_within_1h", _target(0)),
    "late_reply_12h": Drill("tickets", f"({service.REPLIED} OR ({service.OPEN} AND f.first_reply_at IS NULL)) AND "
                                       f"NOT coalesce(f.first_reply_calendar_minutes <= ?, false)",
                            "tickets counted against replied_within_12h", _target(1)),
    "solved": Drill("tickets", f"{service.NOT_OPEN} AND f.full_resolution_calendar_minutes >= 0",
                    "solved tickets behind the resolution time figures"),
    "sla_breached": Drill("tickets", " OR ".join(f"f.sla_{t}_status = 'breached'" for t in service.SLA_TARGETS),
                          "tickets with at least one breached (completed) SLA target"),
    "sla_active_breach": Drill("tickets", " OR ".join(f"f.sla_{t}_status = 'active_breach'" for t in service.SLA_TARGETS),
                               "open tickets past an SLA target (sla_active_breaches)"),
    "reopened": Drill("tickets", f"{service.SOLVED_EVER} AND f.reopens > 0", "reopened tickets (reopen_rate numerator)"),
    "one_touch": Drill("tickets", "f.one_touch", "one-touch tickets"),
    "not_one_touch": Drill("tickets", "NOT f.one_touch", "solved tickets that took more than one reply"),
    "repeat_contact": Drill("tickets", "f.repeat_contact", "repeat contacts"),
    # calls (inbound, queued in the period)
    "answered": Drill("calls", calls_mod.ANSWERED, "answered calls"),
    "abandoned": Drill("calls", f"{calls_mod.ABANDON_LIKE} AND NOT coalesce({calls_mod.WAIT} < ?, false)",
                       "abandoned calls (short abandons excluded)",
                       lambda s: [float(s.get("short_abandon_seconds", 5))]),
    "short_abandon": Drill("calls", calls_mod.SHORT, "short abandons", lambda s: [float(s.get("short_abandon_seconds", 5))]),
    "outside_service_level": Drill("calls", f"{calls_mod.SL_JUDGEABLE} AND NOT coalesce("
                                            f"{calls_mod.ANSWERED} AND {calls_mod.WAIT} <= ?, false)",
                                   "offered calls not answered within the service level",
                                   lambda s: [float(s.get("short_abandon_seconds", 5)),
                                              float(s.get("service_level_seconds", 20))]),
    # surveys (responded in the period)
    "csat": Drill("surveys", satisfaction.IS_CSAT, "rated CSAT responses"),
    "bad_csat": Drill("surveys", f"{satisfaction.IS_CSAT} AND NOT ({satisfaction.SATISFIED})",
                      "CSAT responses not counted as satisfied", lambda s: [float(s.get("csat_satisfied_min", 4))]),
    "satisfied": Drill("surveys", f"{satisfaction.IS_CSAT} AND {satisfaction.SATISFIED}", "satisfied CSAT responses",
                       lambda s: [float(s.get("csat_satisfied_min", 4))]),
    "nps": Drill("surveys", satisfaction.IS_NPS, "NPS responses"),
    "detractor": Drill("surveys", f"{satisfaction.IS_NPS} AND {satisfaction.DETRACTOR}", "NPS detractors (0-6)"),
    "promoter": Drill("surveys", f"{satisfaction.IS_NPS} AND {satisfaction.PROMOTER}", "NPS promoters (9-10)"),
    "ces": Drill("surveys", satisfaction.IS_CES, "CES responses"),
}
KIND_FACTS = {"tickets": service.TICKETS, "calls": calls_mod.CALLS, "surveys": satisfaction.SURVEYS}


def drill(con, filters: Filters | None = None, kind: str = "tickets", where: str | None = None,
          limit: int = 5000) -> pl.DataFrame:
    """The rows behind a figure: ``kind`` rows matching the filters and the named predicate
    ``where`` (see DRILLS), newest first, at most ``limit``. A predicate implies its kind."""
    filters = filters or Filters()
    if where is not None:
        if where not in DRILLS:
            raise ValueError(f"unknown drill predicate {where!r}; valid: {', '.join(DRILLS)}")
        kind = DRILLS[where].kind
    if kind not in KIND_FACTS:
        raise ValueError(f"unknown drill kind {kind!r}; valid: {', '.join(KIND_FACTS)}")
    fact = KIND_FACTS[kind]
    if not table_exists(con, fact.table):
        return pl.DataFrame()
    settings = _settings()
    predicate, params, dates = "TRUE", [], True
    if where == "backlog":
        end = service.period_end(filters)
        if end is None:
            predicate = service.OPEN
        else:
            predicate, params = f"f.created_at < ? AND ({service.OPEN} OR f.solved_at >= ?)", [end, end]
        dates = False
    elif where is not None:
        d = DRILLS[where]
        predicate, params = d.sql, (d.params(settings) if d.params else [])
    try:
        source, all_params, _ = group_source(fact, con, None, filters, extra_where=predicate, extra_params=params,
                                             dates=dates)
    except MissingDimension:
        return pl.DataFrame()
    sql = f"SELECT f.* {source} ORDER BY f.{fact.date_column} DESC, f.source_id LIMIT ?"
    return fetch_frame(con, sql, all_params + [int(limit)])


# ---------------------------------------------------------------- lookups
def dimension_values(con, dim: str, filters: Filters | None = None) -> list[str]:
    """The values a filter or breakdown can take, sorted; [] when there are none (or no data).

    Gathered from every table that has the dimension's column (ticket_metrics, calls, and the
    survey facts, whose priority, category and tags come from the linked ticket), read from the
    rollups where they are fresh; a table without the column is skipped, never an error. Only
    ``filters.scope`` of ``filters`` is used: a reader limited to some teams is offered only the
    values found in their rows (no other team's agents, categories or customer segments)."""
    if dim not in BREAKDOWN_DIMENSIONS:
        raise ValueError(f"unknown dimension {dim!r}; valid: {', '.join(BREAKDOWN_DIMENSIONS)}")
    if filters is not None and filters.scope is not None:
        return _scoped_dimension_values(con, dim, Filters(scope=filters.scope))
    counts = TableCounts(con)
    if dim == "segment":
        values: set[str] = set()
        if counts.exists("customers") and "segment" in _columns(con, "customers"):
            values.update(r[0] for r in con.execute("SELECT DISTINCT segment FROM customers").fetchall())
        if counts.exists("surveys") and "segment" in _columns(con, "surveys"):  # brands, waves, sheets
            values.update(r[0] for r in con.execute("SELECT DISTINCT segment FROM surveys").fetchall())
        return sorted(v for v in values if v not in (None, ""))
    column = "tags" if dim == "tag" else dim
    survey_table = "survey_facts" if counts.exists("survey_facts") else "surveys"
    rolls = None
    values: set[str] = set()
    for table, fact in (("ticket_metrics", service.TICKETS), ("calls", calls_mod.CALLS),
                        (survey_table, satisfaction.SURVEYS)):
        if not counts.exists(table) or column not in _columns(con, table):
            continue
        rolls = rolls or rollups.Rollups(con, _settings(), counts)
        if dim in fact.dims and fact.dims[dim] == column and rolls.usable(fact) \
                and rollups.key_for(fact, Filters(), dim) is not None:
            rows = [(v,) for v in rollups.dimension_values(con, fact, dim)]
        elif dim == "tag":
            rows = con.execute(f"SELECT DISTINCT unnest(string_split({column}, ' ')) FROM {table} "
                               f"WHERE {column} IS NOT NULL").fetchall()
        else:
            rows = con.execute(f"SELECT DISTINCT CAST({column} AS VARCHAR) FROM {table}").fetchall()
        values.update(r[0] for r in rows if r[0] not in (None, ""))
    return sorted(values)


def _scoped_dimension_values(con, dim: str, scope: Filters) -> list[str]:
    """dimension_values over the rows of the reader's teams only (raw rows: rollups are not per team)."""
    values: set[str] = set()
    if dim == "segment":
        from metrics import scope as scope_mod

        customers = scope_mod.customer_ids_sql(con, scope)
        if customers is None or not table_exists(con, "customers") or "segment" not in _columns(con, "customers"):
            return []
        sql, params = customers
        rows = con.execute(f"SELECT DISTINCT segment FROM customers WHERE source_id IN ({sql})", params).fetchall()
        return sorted(r[0] for r in rows if r[0] not in (None, ""))
    for fact in (service.TICKETS, calls_mod.CALLS, satisfaction.SURVEYS):
        column = fact.dims.get(dim)
        if column is None or not table_exists(con, fact.table):
            continue
        try:
            source, params, _ = group_source(fact, con, None, scope, dates=False)
        except MissingDimension:
            continue
        if dim == "tag":
            sql = f"SELECT DISTINCT unnest(string_split(f.{column}, ' ')) {source} AND f.{column} IS NOT NULL"
        else:
            sql = f"SELECT DISTINCT CAST(f.{column} AS VARCHAR) {source}"
        values.update(r[0] for r in con.execute(sql, params).fetchall() if r[0] not in (None, ""))
    return sorted(values)


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND database_name = current_database() "
        "AND schema_name = current_schema()", [table]).fetchall()}

# ---------------------------------------------------------------- chart data for the dashboard
def _frame(rows, schema) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


DISTRIBUTION_EDGES = service.DISTRIBUTION_EDGES  # default edges (minutes) of distribution()
DISTRIBUTION_MEASURES = {("frt", False): "frt", ("frt", True): "frt_b", ("resolution", False): "res",
                         ("resolution", True): "res_b"}
AGE_BUCKETS = (("<1d", 0, 24), ("1-3d", 24, 72), ("3-7d", 72, 168), ("7-30d", 168, 720), (">30d", 720, None))
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _minutes_label(m: float) -> str:
    if m >= 1440 and m % 1440 == 0:
        return f"{m / 1440:g} d"
    if m >= 60 and m % 60 == 0:
        return f"{m / 60:g} h"
    return f"{m:g} min"


def _bucket_case(expr: str, edges: list[float]) -> tuple[str, list]:
    """``CASE`` giving the index of the half-open bin [edge_i, edge_i+1) ``expr`` falls in (the last
    bin is open-ended); the edges are bound parameters."""
    whens, params = [], []
    for i in range(1, len(edges)):
        whens.append(f"WHEN {expr} < ? THEN {i - 1}")
        params.append(float(edges[i]))
    return f"CASE {' '.join(whens)} ELSE {len(edges) - 1} END", params


def distribution(con, filters: Filters | None = None, metric: str = "frt", business: bool = False,
                 bins=None) -> pl.DataFrame:
    """Histogram of first reply (``metric="frt"``) or full resolution (``"resolution"``) minutes,
    calendar or ``business``, over the tickets behind the median/p90 figures of the filter state
    (the same populations: replied tickets; solved tickets).

    ``bins``: None for DISTRIBUTION_EDGES; a list of edges in minutes (ascending, the first is the
    lowest value counted, usually 0); or an int n for n equal-width bins from 0 to the 99th
    percentile. Bins are half-open [lower, upper); the last is open-ended (upper None). One row per
    bin, empty bins included: ``bin`` (0-based), ``lower_minutes``, ``upper_minutes``, ``label``,
    ``tickets``, ``share`` (of the tickets counted; None when there are none). Empty frame when
    no tickets are loaded or a filter names a dimension tickets lack."""
    filters = filters or Filters()
    if metric not in ("frt", "resolution"):
        raise ValueError(f"metric {metric!r} is not one of frt, resolution")
    measure = {m.name: m for m in service.MEASURES}[DISTRIBUTION_MEASURES[(metric, bool(business))]]
    schema = {"bin": pl.Int64, "lower_minutes": pl.Float64, "upper_minutes": pl.Float64, "label": pl.String,
              "tickets": pl.Int64, "share": pl.Float64}
    if not table_exists(con, "ticket_metrics"):
        return _frame([], schema)
    try:
        source, params, _ = group_source(service.TICKETS, con, None, filters)
    except MissingDimension:
        return _frame([], schema)
    if isinstance(bins, int) and not isinstance(bins, bool):
        if bins < 1:
            raise ValueError(f"bins must be >= 1, got {bins}")
        top = con.execute(f"SELECT quantile_cont({measure.sql}, 0.99) {source}", params).fetchall()[0][0]
        top = float(top) if top else 1.0
        edges = [top * i / bins for i in range(bins + 1)]
    else:
        edges = [float(e) for e in (DISTRIBUTION_EDGES if bins is None else bins)]
        if len(edges) < 1 or any(b <= a for a, b in zip(edges, edges[1:])):
            raise ValueError(f"bins must be ascending edges in minutes, got {bins!r}")
    case, case_params = _bucket_case("_v", edges)
    rows = con.execute(f"SELECT {case} AS b, count(*) FROM (SELECT {measure.sql} AS _v {source}) "
                       f"WHERE _v >= ? GROUP BY ALL", case_params + params + [edges[0]]).fetchall()
    counts = {int(b): int(n) for b, n in rows}
    total = sum(counts.values())
    out = []
    for i, lo in enumerate(edges):
        hi = edges[i + 1] if i + 1 < len(edges) else None
        label = f"{_minutes_label(lo)}–{_minutes_label(hi)}" if hi is not None else f"≥ {_minutes_label(lo)}"
        n = counts.get(i, 0)
        out.append({"bin": i, "lower_minutes": lo, "upper_minutes": hi, "label": label, "tickets": n,
                    "share": n / total if total else None})
    return _frame(out, schema)


def backlog_aging(con, filters: Filters | None = None) -> pl.DataFrame:
    """The backlog at the period's end (the ``backlog`` figure's tickets: created before the end and
    open then; the end is date_to, or the latest timestamp in the data when open-ended) by age
    bucket and priority. Age = end - created_at; buckets AGE_BUCKETS are half-open in hours:
    <1d [0, 24), 1-3d [24, 72), 3-7d [72, 168), 7-30d [168, 720), >30d [720, ∞).

    Long format, every bucket x priority present (zeros included): ``age_bucket``, ``bucket``
    (0-based order), ``priority`` (None: no priority), ``tickets``. Dimension filters apply; the
    period's start does not. Empty frame without tickets or with a filter tickets lack."""
    filters = filters or Filters()
    schema = {"age_bucket": pl.String, "bucket": pl.Int64, "priority": pl.String, "tickets": pl.Int64}
    if not table_exists(con, "ticket_metrics"):
        return _frame([], schema)
    end = service.period_end(filters) or service.data_end(con)
    if end is None:
        return _frame([], schema)
    if filters.date_to is None:  # open-ended: the tickets open now, as the backlog figure counts them
        cond, cond_params = service.OPEN, []
    else:
        cond, cond_params = f"f.created_at < ? AND ({service.OPEN} OR f.solved_at >= ?)", [end, end]
    try:
        source, params, _ = group_source(service.TICKETS, con, None, filters, extra_where=cond,
                                         extra_params=cond_params, dates=False)
    except MissingDimension:
        return _frame([], schema)
    case, case_params = _bucket_case("_age", [lo for _, lo, _ in AGE_BUCKETS])
    rows = con.execute(f"SELECT {case} AS b, _p, count(*) FROM (SELECT epoch(?::TIMESTAMP - f.created_at) / 3600.0 AS _age, "
                       f"f.priority AS _p {source}) GROUP BY ALL", case_params + [end] + params).fetchall()
    counts = {(int(b), p): int(n) for b, p, n in rows}
    priorities = sorted({p for _, p in counts}, key=lambda p: (p is None, _priority_rank(p), p or ""))
    out = [{"age_bucket": label, "bucket": i, "priority": p, "tickets": counts.get((i, p), 0)}
           for i, (label, _, _) in enumerate(AGE_BUCKETS) for p in priorities]
    return _frame(out, schema)


def _priority_rank(p) -> int:
    order = ("urgent", "high", "normal", "medium", "low")
    return order.index(p.lower()) if isinstance(p, str) and p.lower() in order else len(order)


def _local_tz(tz: str | None) -> str:
    if tz:
        return tz
    import config

    return (config.get().get("business_hours") or {}).get("time_zone") or "UTC"


def hour_of_week(con, filters: Filters | None = None, tz: str | None = None) -> pl.DataFrame:
    """Inbound calls by local weekday x hour of the call's queue time: ``weekday`` (0 = Monday),
    ``day`` (Mon..Sun), ``hour`` (0-23), ``calls_offered``, ``calls_answered``, ``answer_rate``
    (answered / offered; None where none were offered), with the calls_offered / calls_answered
    definitions of the KPIs (short abandons excluded). Local time: ``tz`` when given, else each
    call's ``source_tz`` (the zone its export was read in), else business_hours.time_zone.
    All 168 cells, zeros included; an empty frame without calls or with a filter calls lack."""
    filters = filters or Filters()
    schema = {"weekday": pl.Int64, "day": pl.String, "hour": pl.Int64, "calls_offered": pl.Int64,
              "calls_answered": pl.Int64, "answer_rate": pl.Float64}
    if not table_exists(con, "calls"):
        return _frame([], schema)
    fact = calls_mod.CALLS
    try:
        source, params, _ = group_source(fact, con, None, filters)
    except MissingDimension:
        return _frame([], schema)
    select, sparams = agg_select(fact, _settings(), ["offered", "answered"])
    zone = "?" if tz else "coalesce(f.source_tz, ?)"
    local = f"timezone({zone}, timezone('UTC', f.queued_at))"
    rows = con.execute(f"SELECT isodow({local}) - 1 AS wd, hour({local}) AS h, {select} {source} GROUP BY ALL",
                       [_local_tz(tz), _local_tz(tz)] + sparams + params).fetchall()
    cells = {(int(wd), int(h)): (int(o or 0), int(a or 0)) for wd, h, o, a in rows}
    out = []
    for wd in range(7):
        for h in range(24):
            offered, answered = cells.get((wd, h), (0, 0))
            out.append({"weekday": wd, "day": WEEKDAYS[wd], "hour": h, "calls_offered": offered,
                        "calls_answered": answered, "answer_rate": answered / offered if offered else None})
    return _frame(out, schema)


def data_status(con) -> dict:
    """Rows, first and last date per table, the last load time, and whether rollups are in use."""
    tables = {}
    for table, column in (("tickets", "created_at"), ("ticket_events", "event_at"), ("ticket_metrics", "created_at"),
                          ("calls", "queued_at"), ("surveys", "responded_at"), ("customers", None)):
        if not table_exists(con, table):
            tables[table] = {"rows": 0, "first": None, "last": None}
            continue
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        first = last = None
        if column and rows:
            first, last = con.execute(f"SELECT {clock.day_sql(f'min({column})')}, {clock.day_sql(f'max({column})')} FROM {table}").fetchall()[0]
        tables[table] = {"rows": int(rows), "first": first, "last": last}
    last_load = None
    if table_exists(con, "loads"):
        last_load = con.execute("SELECT max(finished_at) FROM loads WHERE coalesce(status, 'loaded') = 'loaded'").fetchall()[0][0]
    rolls = rollups.Rollups(con, _settings())
    first, last = data_span(con)
    return {"tables": tables, "first": first, "last": last, "last_load": last_load,
            "rollups": {name: rolls.usable(f) for name, f in FACTS.items()}}


__all__ = ["kpis", "compare", "breakdown", "timeseries", "drill", "dimension_values", "data_status", "notes",
           "undated_responses",
           "distribution", "backlog_aging", "hour_of_week",
           "Figures", "DRILLS", "fetch_dicts"]
