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
from metrics import rollups
from metrics import satisfaction, service
from metrics.facts import (Fact, evaluate, fetch_dicts, group_source, hist_quantile, raw_aggregates, raw_quantiles,
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
    significance) and ``plan`` (rollup or raw rows, per fact)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notes: list[str] = []
        self.flags: dict[str, bool] = {}
        self.parts: dict[str, tuple] = {}
        self.plan: dict[str, str] = {}


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
        return bool(self.counts.rows(table))


def _context(con) -> _Context:
    settings = _settings()
    counts = TableCounts(con)
    return _Context(con, settings, rollups.Rollups(con, settings, counts), counts)


def _missing_note(fact: Fact, dims: list[str]) -> str:
    return (f"{TABLE_WORDS[fact.name]} have no {' or '.join(dims)}: their figures are not shown while that "
            f"{'filter is' if len(dims) == 1 else 'filters are'} on")


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
    if wanted_q:
        hist = rollups.histograms(con, fact, filters, key, list(wanted_q), by) if key else None
        if hist is not None:
            for grp, per_measure in hist.items():
                for measure, qs in wanted_q.items():
                    for q in qs:
                        quantiles[grp][(measure, q)] = hist_quantile(per_measure.get(measure, []), q)
        else:
            quantiles.update(raw_quantiles(con, fact, filters, dict(wanted_q), by))
    if fact.name == "tickets" and by not in GRAINS:
        if "backlog" in mids:
            counts = rollups.backlog(con, fact, filters, key, by) if key else service.backlog_raw(con, filters, by)
            for grp in set(aggs) | set(counts):
                aggs.setdefault(grp, {})["backlog"] = counts.get(grp, 0)
        if "backlog_age_median_hours" in mids:
            for grp, v in service.backlog_age_raw(con, filters, by).items():
                quantiles[grp][("backlog_age", 0.5)] = v
    return {g: (aggs.get(g, {}), quantiles.get(g, {})) for g in set(aggs) | set(quantiles)}


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
        for grp, (aggs, qs) in groups.items():
            for mid in mids:
                formula = FORMULAS[mid]
                out[grp][mid] = evaluate(formula, aggs, qs)
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
    groups = _evaluate_groups(_context(con), filters, ids, None, figures)
    for mid in ids:
        figures[mid] = groups[None].get(mid)
    return figures


def notes(con, filters: Filters, ids=None) -> list[str]:
    """Why figures are None for this filter state (no rows loaded, a dimension a table lacks)."""
    return kpis(con, filters, ids).notes


def data_span(con) -> tuple[dt.date | None, dt.date | None]:
    """First and last date of tickets, calls and surveys together."""
    firsts, lasts = [], []
    for table, column in (("tickets", "created_at"), ("calls", "queued_at"), ("surveys", "responded_at")):
        if table_exists(con, table):
            lo, hi = con.execute(f"SELECT min({column})::DATE, max({column})::DATE FROM {table}").fetchall()[0]
            if lo is not None:
                firsts.append(lo)
                lasts.append(hi)
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)


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
    difference, everything else when it moved by 10% or more."""
    filters = filters or Filters()
    ids = _check_ids(ids)
    current = kpis(con, filters, ids)
    previous_filters = None
    if filters.date_from or filters.date_to:
        previous_filters = close_range(con, filters).previous()
    previous = kpis(con, previous_filters, ids) if previous_filters else Figures({i: None for i in ids})
    out = {}
    for mid in ids:
        c, p = current.get(mid), previous.get(mid)
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
                    "significant": bool(significant), "p_value": p_value}
    out_meta = {"filters": filters, "previous_filters": previous_filters, "notes": current.notes}
    return _CompareResult(out, out_meta)


class _CompareResult(dict):
    def __init__(self, data: dict, meta: dict):
        super().__init__(data)
        self.meta = meta


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
    metrics.small_sample: show, don't rank). Rows sorted by n, largest first."""
    filters = filters or Filters()
    if by not in BREAKDOWN_DIMENSIONS:
        raise ValueError(f"cannot break down by {by!r}; valid: {', '.join(BREAKDOWN_DIMENSIONS)}")
    ids = _check_ids(ids)
    ctx = _context(con)
    n_id = _primary_n_id(ctx, by)
    wanted = ids if n_id in ids else ids + [n_id]
    figures = Figures()
    groups = _evaluate_groups(ctx, filters, wanted, by, figures)
    small = int(ctx.settings.get("small_sample", 20))
    rows = []
    for grp, values in groups.items():
        n = values.get(n_id)
        row = {by: None if grp is None else str(grp)}
        row.update({mid: _num(values.get(mid)) for mid in ids})
        row["n"] = int(n or 0)
        row["small_sample"] = (n or 0) < small
        rows.append(row)
    schema = {by: pl.String, **{mid: pl.Float64 for mid in ids}, "n": pl.Int64, "small_sample": pl.Boolean}
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
    "outside_service_level": Drill("calls", f"NOT coalesce({calls_mod.SHORT}, false) AND NOT coalesce("
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
def dimension_values(con, dim: str) -> list[str]:
    """The values a filter or breakdown can take, sorted; [] when there are none (or no data)."""
    if dim not in BREAKDOWN_DIMENSIONS:
        raise ValueError(f"unknown dimension {dim!r}; valid: {', '.join(BREAKDOWN_DIMENSIONS)}")
    if dim == "segment":
        sources = [("customers", "SELECT DISTINCT segment AS v FROM customers")]
    elif dim == "tag":
        sources = [("ticket_metrics", "SELECT DISTINCT unnest(string_split(tags, ' ')) AS v FROM ticket_metrics "
                                      "WHERE tags IS NOT NULL")]
    else:
        sources = []
        own_survey_columns = {"team": "team", "agent": "agent", "channel": "channel", "source": "source"}
        for dims, table in ((service.DIMS, "ticket_metrics"), (calls_mod.DIMS, "calls"), (own_survey_columns, "surveys")):
            column = dims.get(dim)
            if column and table_exists(con, table):
                sources.append((table, f"SELECT DISTINCT CAST({column} AS VARCHAR) AS v FROM {table}"))
    values: set[str] = set()
    settings = None
    for table, sql in sources:
        if not table_exists(con, table):
            continue
        rollup = {"ticket_metrics": service.TICKETS, "calls": calls_mod.CALLS}.get(table)
        if rollup is not None:
            settings = settings or _settings()
            if rollups.Rollups(con, settings).usable(rollup) and (dim in rollup.dims):
                sql = f"SELECT DISTINCT value AS v FROM {rollups.rollup_table(rollup)} WHERE dim = ?"
                values.update(r[0] for r in con.execute(sql, [dim]).fetchall() if r[0] not in (None, ""))
                continue
        values.update(r[0] for r in con.execute(sql).fetchall() if r[0] not in (None, ""))
    return sorted(values)


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
            first, last = con.execute(f"SELECT min({column})::DATE, max({column})::DATE FROM {table}").fetchall()[0]
        tables[table] = {"rows": int(rows), "first": first, "last": last}
    last_load = None
    if table_exists(con, "loads"):
        last_load = con.execute("SELECT max(finished_at) FROM loads WHERE coalesce(status, 'loaded') = 'loaded'").fetchall()[0][0]
    rolls = rollups.Rollups(con, _settings())
    first, last = data_span(con)
    return {"tables": tables, "first": first, "last": last, "last_load": last_load,
            "rollups": {name: rolls.usable(f) for name, f in FACTS.items()}}


__all__ = ["kpis", "compare", "breakdown", "timeseries", "drill", "dimension_values", "data_status", "notes",
           "Figures", "DRILLS", "fetch_dicts"]
