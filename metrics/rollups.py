"""Rollups: cubes of the additive aggregates, exact for any combination of filters, and a uniform
sample of the tickets for approximate quantiles. Built in full by ``build_rollups(con)`` and kept
current by every load through ``metrics/incremental.py`` (a load adds correction rows: the new
rows' contributions minus the replaced rows' old ones).

Cubes (``cube_<fact>_<cuboid>_<grain>``): one row per local day (grain ``day``) or month (grain
``month``, ``day`` = the month's first day) and combination of dimension values, one column per
aggregate of the fact (``Fact.aggs``; tickets add the measures' population counts ``qn_*``, the
default distribution buckets ``dist_*`` and the backlog's daily entries ``bl_in`` and exits
``bl_out``). Four cuboids per fact (three without agents):

* ``base``: every low-cardinality dimension of the fact (team, channel, priority, category,
  segment, source; calls: team, queue, segment, source), sorted by time;
* ``agent_day``: the agent with the dimensions managers combine it with (team, channel, priority,
  category; calls: team, queue) per day, sorted by agent then day: an agent filter over any date
  range, a weekly series or a backlog ending mid-month reads only its agents' blocks;
* ``agent``: every low-cardinality dimension plus the agent, per month, sorted by agent then time
  (an agent filter with a segment or source filter);
* ``tag``: the same plus the ticket's *tag set* (its distinct tags, sorted, space-separated),
  sorted by tag set: a tag filter keeps the tag sets holding any of its tags, so a ticket with
  two chosen tags counts once, and a breakdown by tag unnests the tag sets.

A filter state with an agent *and* a tag filter, or a dimension a cube lacks, is answered from
raw rows. A date range is read from the month cube for its whole months and from the day cube for
the days at its edges. Counts, sums and rates read from cubes equal the raw-row answers exactly.

Quantiles: exact (raw rows) when the rows behind the figure are few
(``metrics.exact_quantile_max_rows``) and the rows an exact answer scans (every row of the date
range: ``metrics.exact_quantile_max_scan_rows``) are few too or the sample holds too few of them
(``metrics.approx_min_sample_rows``); otherwise approximate from ``sample_tickets``, the tickets
whose number ``u`` (md5 of source and source_id, the same on DuckDB and Spark) is below ``SAMPLE_SHARE``, sorted by ``u``: a query reads
the first ``r`` of it (``u < r``), enough rows for the figure, and reports the 95 % confidence
interval of the quantile from the order statistics (``Figures.approximate``).

``rollup_meta``: per fact, the settings fingerprint and version the cubes were built with and a
stamp of the data (loads bookkeeping, ``ticket_metrics_info.built_at``); a cube whose fingerprint
or stamp differ is not used (raw rows answer).
"""
from __future__ import annotations

import calendar
import datetime as dt
import json
import math
import time
from dataclasses import dataclass

from metrics import clock
from metrics.facts import Fact, TableCounts, agg_select, fetch_dicts, table_exists, table_has_rows
from metrics.filters import DIMENSIONS, SEGMENT_MAP_SQL, Filters

VERSION = 5  # 5: the agent_day cuboid; 4: survey cubes by their own segment (brand, wave, sheet), undated responses
META = "rollup_meta"
SAMPLE_TABLE = "sample_tickets"
SAMPLE_SHARE = 0.1  # the sample holds 10 % of the tickets ...
SAMPLE_ALL_MAX = 1_000_000  # ... or all of them while there are at most this many (decided at a full build)
GRAINS = ("day", "month")
HIGH_CARDINALITY = ("agent", "tag")
Z95 = 1.959963984540054
# Rows behind an approximate quantile: enough for a confidence interval of about +-0.4 percentile
# points on a median (m = 60k), never more than the sample holds.
SAMPLE_TARGET_ROWS = 60_000
GROUP_TARGET_ROWS = 4_000  # per group of a breakdown or a series (about +-1.5 points)
EXACT_MAX_ROWS = 200_000
# An exact quantile scans every row of its date range (only time is sorted): above this many, the
# sample answers when it holds at least APPROX_MIN_SAMPLE_ROWS of the figure's rows (about +-2.2
# percentile points on a median), so a narrow filter at 10M tickets does not read 10M rows.
EXACT_MAX_SCAN_ROWS = 2_000_000
APPROX_MIN_SAMPLE_ROWS = 2_000
APPROX_MIN_GROUP_SAMPLE_ROWS = 500  # per group of a breakdown or series: about +-4.4 points


def _facts():
    from metrics.calls import CALLS
    from metrics.satisfaction import SURVEYS, TICKET_SAT
    from metrics.service import TICKETS

    return (TICKETS, TICKET_SAT, SURVEYS, CALLS)


def _settings(settings: dict | None) -> dict:
    if settings is not None:
        return settings
    import config

    return config.get().get("metrics", {})


def exact_max_rows(settings: dict) -> int:
    return int(settings.get("exact_quantile_max_rows", EXACT_MAX_ROWS))


def exact_max_scan_rows(settings: dict) -> int:
    return int(settings.get("exact_quantile_max_scan_rows", EXACT_MAX_SCAN_ROWS))


def approx_min_sample_rows(settings: dict, grouped: bool = False) -> int:
    """Per figure; per row of a breakdown or series (a trend point, a table row) fewer suffice."""
    if grouped:
        return int(settings.get("approx_min_group_sample_rows", APPROX_MIN_GROUP_SAMPLE_ROWS))
    return int(settings.get("approx_min_sample_rows", APPROX_MIN_SAMPLE_ROWS))


def rows_in_range(con, fact: Fact, filters: Filters) -> int:
    """Rows of the fact in the filters' date range whatever the other filters: what an exact
    quantile reads (the table is sorted by time, so blocks outside the range are skipped; the
    dimension filters skip none). From the base cuboid: a few thousand rows at any size."""
    plan = Plan(cuboids(fact)[0])
    got = aggregates(con, fact, Filters(date_from=filters.date_from, date_to=filters.date_to), plan, names=["rows_"])
    return int((got.get(None) or {}).get("rows_") or 0)


# ---------------------------------------------------------------- cuboids
@dataclass(frozen=True)
class Cuboid:
    name: str  # base | agent | tag
    dims: tuple[str, ...]  # dimension names (tag is stored as the column ``tagset``)
    lead: str | None  # the dimension the table is sorted by before the day
    grains: tuple[str, ...] = ("day", "month")  # agent and tag: months only (their days are raw rows); agent_day: days

    def columns(self) -> list[str]:
        return [_col(d) for d in self.dims]


def _col(dim: str) -> str:
    return "tagset" if dim == "tag" else dim


def low_dims(fact: Fact) -> tuple[str, ...]:
    dims = [d for d in fact.dims if d not in HIGH_CARDINALITY]
    if fact.name == "calls" and "queue" not in dims:
        dims.append("queue")
    return tuple(dims)


AGENT_DAY_SKIPS = ("segment", "source")  # dimensions the agent_day cuboid leaves out (each multiplies it)


def cuboids(fact: Fact) -> list[Cuboid]:
    """In the order ``key_for`` tries them: the first holding every filtered dimension answers."""
    low = low_dims(fact)
    out = [Cuboid("base", low, None)]
    if "agent" in fact.dims:
        # agents by day with the dimensions managers combine them with (not segment or source: with
        # them the cuboid would hold about as many rows as tickets); sorted by agent then day, so an
        # agent filter over any range, a weekly series or a mid-month backlog reads few blocks
        out.append(Cuboid("agent_day", ("agent",) + tuple(d for d in low if d not in AGENT_DAY_SKIPS), "agent",
                          ("day",)))
        out.append(Cuboid("agent", ("agent",) + low, "agent", ("month",)))
    if "tag" in fact.dims:
        out.append(Cuboid("tag", ("tag",) + low, "tag", ("month",)))
    return out


def cube_table(fact: Fact) -> str:
    return f"cube_{fact.name}"


def cube_columns(fact: Fact) -> tuple[str, ...]:
    """The group columns of a fact's cube: cuboid, grain, day and every dimension column."""
    return ("cuboid", "grain", "day") + tuple(_col(d) for d in all_dims(fact))


def cube_order(fact: Fact) -> str:
    """Cuboid and grain first (a query reads one of them); then the agent cuboid by agent, the tag
    cuboid by tag set, each by day (NULLs of the other cuboids' lead columns sort together)."""
    leads = [_col(c.lead) for c in cuboids(fact) if c.lead]
    return ", ".join(["cuboid", "grain"] + leads + ["day"])


def cube_tables() -> dict[str, tuple[tuple[str, ...], str]]:
    """Every cube table: its group columns and sort order (the store re-aggregates them)."""
    return {cube_table(f): (cube_columns(f), cube_order(f)) for f in _facts()}


def rollup_table(fact: Fact) -> str:  # kept for callers that name the table
    return cube_table(fact)


# ---------------------------------------------------------------- what a fact row contributes
TAGSET_SQL = ("nullif(array_to_string(list_sort(list_distinct(list_filter(string_split(coalesce({col}, ''), ' '), "
              "lambda x: x <> ''))), ' '), '')")


def _value_sql(fact: Fact, dim: str) -> str:
    if dim == "segment" and "segment" not in fact.direct_dims:
        return "_seg.segment"
    if dim == "tag":
        return TAGSET_SQL.format(col=f"f.{fact.dims['tag']}")
    if dim == "queue" and "queue" not in fact.dims:
        return "CAST(f.queue AS VARCHAR)"
    return f"CAST(f.{fact.dims[dim]} AS VARCHAR)"


def _segment_join(fact: Fact) -> str:
    if "segment" not in fact.dims or "segment" in fact.direct_dims:  # survey facts carry their own
        return ""
    return f" LEFT JOIN {SEGMENT_MAP_SQL} _seg ON _seg.customer_id = f.{fact.dims['segment']}"


def extra_columns(fact: Fact) -> list[tuple[str, str]]:
    """(name, SQL over the fact's row) computed once per row before aggregating: each measure's value."""
    return [(f"_m_{m.name}", m.sql) for m in fact.measures]


def extra_aggs(fact: Fact) -> list[tuple[str, str]]:
    """(name, SQL) of the aggregates cubes keep beyond the fact's own: every row (the data's span
    reads it) and the population of each quantile measure (exact or sampled: see sample_quantiles)."""
    out = [("rows_", "count(*)")]
    for m in fact.measures:
        out.append((f"qn_{m.name}", f"count(f._m_{m.name})"))
    return out


def agg_names(fact: Fact) -> list[str]:
    names = [a.name for a in fact.aggs] + [n for n, _ in extra_aggs(fact)]
    if fact.name == "tickets":
        names += ["bl_in", "bl_out"]
    return names


def all_dims(fact: Fact) -> tuple[str, ...]:
    """The dimensions of the finest cuboid: every cuboid's dimensions together."""
    out: list[str] = []
    for cub in cuboids(fact):
        for d in cub.dims:
            if d not in out:
                out.append(d)
    return tuple(out)


def contribution_sql(fact: Fact, con, settings: dict, scope: str | None = None,
                     keys: tuple[str, ...] = ("source", "source_id"), dims: tuple[str, ...] | None = None,
                     month: bool = False, time_range: tuple | None = None) -> tuple[str, list]:
    """SELECT day, <dimension columns>, <aggregates> over the fact's rows (those whose ``keys`` are
    in relation ``scope``, or all), grouped by local day (or month) and ``dims`` (default: every
    cube dimension): what these rows add to the cubes (``cube_sql`` sums them into the cuboids).
    ``time_range`` (lo, hi): every row of the scope has its ``date_column`` within it (bound values:
    the table is sorted by time, so a scan of a few new tickets skips every other block; without
    it the semi-join reads the whole table: 1.5 s per contribution at 10M tickets)."""
    tz = clock.report_tz(settings)
    relation = fact.relation(con)
    select, params = agg_select(fact, settings)
    extras = extra_aggs(fact)
    select += ", " + ", ".join(f"{sql} AS {name}" for name, sql in extras)
    where = f"({fact.base_where})"
    where_params: list = []
    if scope is not None:
        where += " AND EXISTS (SELECT 1 FROM " + scope + " _s WHERE " + " AND ".join(
            f"_s.{k} = f.{k}" for k in keys) + ")"
    if time_range is not None:
        where += f" AND f.{fact.date_column} >= ? AND f.{fact.date_column} <= ?"
        where_params = [time_range[0], time_range[1]]
    dims_list = all_dims(fact) if dims is None else dims
    inner_dims = ", ".join(f"{_value_sql(fact, d)} AS _d_{_col(d)}" for d in dims_list)
    cols = ", ".join(f"f._d_{_col(d)} AS {_col(d)}" for d in dims_list)
    join = _segment_join(fact)
    day = clock.trunc_sql("month", f"f.{fact.date_column}", tz) if month else clock.day_sql(f"f.{fact.date_column}", tz)
    computed = "".join(f", {sql} AS {name}" for name, sql in extra_columns(fact))
    # one pass computes the dimension values and measures of each row; the aggregates read them
    rows = f"(SELECT f.*, {day} AS _day, {inner_dims}{computed} FROM {relation} f{join} WHERE {where}) f"
    if fact.name != "tickets":
        return f"SELECT f._day AS day, {cols}, {select} FROM {rows} GROUP BY ALL", list(params) + where_params
    from metrics.service import CLOSED_AT, CLOSED_TIMED, OPEN

    closed = clock.trunc_sql("month", CLOSED_AT, tz) if month else clock.day_sql(CLOSED_AT, tz)
    names = [a.name for a in fact.aggs] + [n for n, _ in extras]
    created = (f"SELECT f._day AS day, {cols}, {select}, count(*) FILTER (WHERE {OPEN} OR f.solved_at IS NOT NULL) AS bl_in, "
               f"0::BIGINT AS bl_out FROM {rows} GROUP BY ALL")
    zeros = ", ".join(f"0::BIGINT AS {n}" for n in names)
    dim_values = ", ".join(f"{_value_sql(fact, d)} AS {_col(d)}" for d in dims_list)
    exits = (f"SELECT {closed} AS day, {dim_values}, {zeros}, 0::BIGINT AS bl_in, count(*) AS bl_out "
             f"FROM {relation} f{join} WHERE {where} AND ({CLOSED_TIMED}) GROUP BY ALL")
    return f"{created} UNION ALL BY NAME {exits}", list(params) + where_params + where_params


def cube_sql(fact: Fact, relation: str, cubs: list[Cuboid] | None = None, grains: tuple[str, ...] = GRAINS) -> str:
    """The cuboids' rows summed from finer contributions (``relation``: rows by local day, or by
    month when ``grains`` is just month) in one GROUPING SETS pass: the rows of the fact's cube."""
    cubs = cuboids(fact) if cubs is None else cubs
    dims = [_col(d) for d in all_dims(fact)]
    present = set()
    sets = []
    for cub in cubs:
        for grain in cub.grains:
            if grain in grains:
                sets.append("(" + ", ".join([grain] + cub.columns()) + ")")
                present.update(cub.columns())
    # a cuboid is told by its lead column and its grain (agent and agent_day share the lead)
    whens = [f"WHEN grouping({_col(c.lead)}) = 0 AND grouping({g}) = 0 THEN '{c.name}'"
             for c in cubs if c.lead for g in c.grains if g in grains]
    cuboid_case = "CASE " + " ".join(whens) + " ELSE 'base' END" if whens else "'base'"
    sums = ", ".join(f"coalesce(sum({n}), 0)::{_agg_type(fact, n)} AS {n}" for n in agg_names(fact))
    cols = ", ".join(d if d in present else f"NULL::VARCHAR AS {d}" for d in dims)
    used = {g for c in cubs for g in c.grains if g in grains}
    if used == {"day", "month"}:
        grain_case, day_col = "CASE WHEN grouping(day) = 0 THEN 'day' ELSE 'month' END", "coalesce(day, month)::DATE"
    elif used == {"day"}:
        grain_case, day_col = "'day'", "day::DATE"
    else:
        grain_case, day_col = "'month'", "month"
    month_src = "date_trunc('month', day)::DATE" if "day" in grains else "day"
    return (f"SELECT {cuboid_case} AS cuboid, {grain_case} AS grain, {day_col} AS day, {cols}, {sums} "
            f"FROM (SELECT *, {month_src} AS month FROM {relation}) "
            f"GROUP BY GROUPING SETS ({', '.join(sets)})")


def _agg_type(fact: Fact, name: str) -> str:
    """Counts stay integers (exact at any size); sums of durations and scores are doubles."""
    for a in fact.aggs:
        if a.name == name:
            return "DOUBLE" if "sum(" in a.sql else "BIGINT"
    return "BIGINT"


# ---------------------------------------------------------------- the sample
def sample_u_sql(alias: str = "f") -> str:
    """A uniform number in [0, 1) from the ticket's identity (same ticket, same number, on every
    engine): the first 32 bits of md5(source, unit separator, source_id) over 2**32. (DuckDB's and
    Spark's hash() differ, and Spark's can be negative; md5 and a hex cast are the same on both:
    metrics/dialect.py turns ``CAST('0x' || ... AS BIGINT)`` into Spark's conv().)"""
    key = f"{alias}.source || chr(31) || {alias}.source_id"
    return f"(CAST('0x' || substr(md5({key}), 1, 8) AS BIGINT) / 4294967296.0)"


def sample_sql(con, settings: dict, scope: str | None = None, share: float = SAMPLE_SHARE,
               time_range: bool = False) -> str:
    """The sampled tickets (of ``scope``, or all). ``time_range``: the query takes two bound values,
    lo and hi of the scope's creation times (the scan then skips the other blocks: without them
    every ticket's md5 is computed)."""
    from metrics.service import MEASURES, TICKETS

    measures = ", ".join(f"({m.sql}) AS {m.name}" for m in MEASURES)
    where = f"{sample_u_sql()} < {float(share)!r}"
    if scope is not None:
        where += f" AND EXISTS (SELECT 1 FROM {scope} _s WHERE _s.source = f.source AND _s.source_id = f.source_id)"
    if time_range:
        where = f"f.created_at >= ? AND f.created_at <= ? AND {where}"
    return (f"SELECT {sample_u_sql()} AS u, f.source, f.source_id, f.created_at, CAST(f.team AS VARCHAR) AS team, "
            f"CAST(f.agent AS VARCHAR) AS agent, CAST(f.channel AS VARCHAR) AS channel, "
            f"CAST(f.priority AS VARCHAR) AS priority, CAST(f.category AS VARCHAR) AS category, f.tags, "
            f"_seg.segment, {measures} FROM {TICKETS.relation(con)} f{_segment_join(TICKETS)} WHERE {where}")


# ---------------------------------------------------------------- building in full
def build_fact(con, fact: Fact, settings: dict) -> None:
    """The fact's cube from all its rows: the base cuboid from rows per day (then days and months),
    the agent and tag cuboids from rows per month (fewer groups than per day at any size)."""
    cubs = cuboids(fact)
    base = cubs[0]
    daily = [c for c in cubs[1:] if "day" in c.grains]
    high = [c for c in cubs[1:] if "day" not in c.grains]
    sql, params = contribution_sql(fact, con, settings, dims=base.dims)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cube_days AS {sql}", params)
    parts = [f"SELECT * FROM ({cube_sql(fact, '_cube_days', [base])})"]
    for i, cub in enumerate(daily):
        sql, params = contribution_sql(fact, con, settings, dims=cub.dims)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _cube_days_{i} AS {sql}", params)
        parts.append(f"SELECT * FROM ({cube_sql(fact, f'_cube_days_{i}', [cub])})")
    if high:
        dims = tuple(d for d in all_dims(fact))
        sql, params = contribution_sql(fact, con, settings, dims=dims, month=True)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _cube_months AS {sql}", params)
        parts.append(f"SELECT * FROM ({cube_sql(fact, '_cube_months', high, grains=('month',))})")
    con.execute(f"CREATE OR REPLACE TABLE {cube_table(fact)} AS SELECT * FROM ("
                + " UNION ALL BY NAME ".join(parts) + f") ORDER BY {cube_order(fact)}")
    con.execute("DROP TABLE IF EXISTS _cube_days")
    for i in range(len(daily)):
        con.execute(f"DROP TABLE IF EXISTS _cube_days_{i}")
    con.execute("DROP TABLE IF EXISTS _cube_months")


def drop_fact(con, fact: Fact) -> None:
    con.execute(f"DROP TABLE IF EXISTS {cube_table(fact)}")


def build_rollups(con, settings: dict | None = None) -> dict:
    """Rebuild survey_facts, every cube and the ticket sample from the current tables; returns
    seconds per fact. Call it after ticket_metrics is rebuilt (a store post-load hook)."""
    settings = _settings(settings)
    timings = {}
    started = time.perf_counter()
    if table_exists(con, "surveys"):
        from metrics.satisfaction import survey_facts_sql

        con.execute(f"CREATE OR REPLACE TABLE survey_facts AS SELECT * FROM ({survey_facts_sql(con)}) "
                    f"ORDER BY responded_at")
    timings["survey_facts"] = time.perf_counter() - started
    meta = {}
    for fact in _facts():
        t0 = time.perf_counter()
        if not table_exists(con, fact.table) or not table_has_rows(con, fact.table):
            drop_fact(con, fact)  # no rows: nothing to sum (raw rows say "none loaded")
            continue
        build_fact(con, fact, settings)
        meta[fact.name] = {"fingerprint": fact.fingerprint(settings), "version": VERSION,
                           "rows": con.execute(f"SELECT count(*) FROM {fact.table}").fetchone()[0]}
        timings[fact.name] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if table_exists(con, "ticket_metrics"):
        tickets = con.execute("SELECT count(*) FROM ticket_metrics").fetchone()[0]
        share = 1.0 if tickets <= SAMPLE_ALL_MAX else SAMPLE_SHARE
        con.execute(f"CREATE OR REPLACE TABLE {SAMPLE_TABLE} AS SELECT * FROM ({sample_sql(con, settings, share=share)}) "
                    f"ORDER BY u")
        meta["sample"] = {"share": share, "version": VERSION}
    else:
        con.execute(f"DROP TABLE IF EXISTS {SAMPLE_TABLE}")
    timings["sample"] = time.perf_counter() - t0
    write_meta(con, meta)
    return timings


def write_meta(con, meta: dict) -> None:
    stamp = data_stamp(con, TableCounts(con))
    con.execute(f"CREATE OR REPLACE TABLE {META} (fact VARCHAR, info VARCHAR)")
    for name, info in meta.items():
        info = dict(info, stamp=stamp)
        con.execute(f"INSERT INTO {META} VALUES (?, ?)", [name, json.dumps(info, sort_keys=True)])


def read_meta(con) -> dict:
    if not table_exists(con, META):
        return {}
    return {name: json.loads(info) for name, info in con.execute(f"SELECT fact, info FROM {META}").fetchall()}


def data_stamp(con, counts: TableCounts) -> list:
    """What the rollups were built from, beyond the settings: the loads bookkeeping (count, last id,
    removed) and when ticket_metrics was last derived. Changes on every load, removal or rebuild."""
    parts = []
    if counts.exists("loads"):
        parts.append("(SELECT [count(*), coalesce(max(load_id), 0), count(*) FILTER (WHERE status = 'removed')]::VARCHAR "
                     "FROM loads)")
    if counts.exists("ticket_metrics_info"):
        parts.append("(SELECT max(built_at)::VARCHAR FROM ticket_metrics_info)")
    if not parts:
        return []
    return list(con.execute("SELECT " + ", ".join(parts)).fetchall()[0])


# ---------------------------------------------------------------- reading
class Rollups:
    """Which rollups are usable on this connection, checked once per engine call."""

    def __init__(self, con, settings: dict, counts: TableCounts | None = None):
        self.con = con
        self.settings = settings
        self.counts = counts or TableCounts(con)
        self.meta: dict[str, dict] = {}
        if self.counts.exists(META):  # never built (tests, an older file): raw rows answer
            for name, info in con.execute(f"SELECT fact, info FROM {META}").fetchall():
                self.meta[name] = json.loads(info)
        self._fresh: dict[str, bool] = {}
        self._stamp: list | None = None

    def stamp(self) -> list:
        if self._stamp is None:
            self._stamp = data_stamp(self.con, self.counts)
        return self._stamp

    def usable(self, fact: Fact) -> bool:
        if fact.name not in self._fresh:
            info = self.meta.get(fact.name)
            ok = bool(info) and info.get("version") == VERSION and info.get("fingerprint") == _jsonable(
                fact.fingerprint(self.settings))
            if ok:
                ok = info.get("stamp") == self.stamp() and self.counts.exists(cube_table(fact))
            if ok and info.get("rows") is not None and _is_table(self.con, fact.table):
                # a full build recorded its row count: a table changed behind its back is stale
                # (an incremental load keeps the cubes current and records none)
                ok = self.counts.rows(fact.table) == info["rows"]
            self._fresh[fact.name] = ok
        return self._fresh[fact.name]

    def sample_usable(self) -> bool:
        from metrics.service import TICKETS

        return self.usable(TICKETS) and self.counts.exists(SAMPLE_TABLE) and "sample" in self.meta

    def sample_share(self) -> float:
        """The share of the tickets the sample holds (1.0: all of them, a small store)."""
        return float((self.meta.get("sample") or {}).get("share", SAMPLE_SHARE))


def _is_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND database_name = current_database() "
                            "AND schema_name = current_schema()", [name]).fetchone()[0])


def _jsonable(value):
    return json.loads(json.dumps(value, sort_keys=True))


@dataclass(frozen=True)
class Plan:
    """Which cuboid answers a filter state (and grouping)."""
    cuboid: Cuboid


def key_for(fact: Fact, filters: Filters, by: str | None) -> Plan | None:
    """The cuboid answering a filter state grouped by ``by``, or None when raw rows must."""
    active = filters.active_dimensions()
    if any(not filters.values(d) for d in active):
        return None  # a team filter outside the reader's scope: raw rows answer (nothing matches)
    needed = set(active) | ({by} if by not in (None, "day", "week", "month") else set())
    for cub in cuboids(fact):
        if needed <= set(cub.dims) and (by not in ("day", "week") or "day" in cub.grains):
            return Plan(cub)
    return None


def _dims_where(fact: Fact, filters: Filters, alias: str = "", tag_column: str = "tagset") -> tuple[list[str], list]:
    clauses, params = [], []
    for dim in DIMENSIONS:
        # filters.values: a team filter narrowed to the reader's scope, or the scope alone
        values = list(filters.values(dim) or ())
        if not values:
            if filters.values(dim) is not None:
                clauses.append("FALSE")  # a team filter wholly outside the scope: nothing matches
            continue
        if dim == "tag":
            clauses.append(f"list_has_any(string_split(coalesce({alias}{tag_column}, ''), ' '), ?::VARCHAR[])")
            params.append(values)
        else:
            clauses.append(f"{alias}{_col(dim)} IN ({', '.join('?' for _ in values)})")
            params += values
    return clauses, params


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _next_month(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_split(date_from: dt.date | None, date_to: dt.date | None):
    """(first whole month, last whole month, edge ranges) of a date range; (None, None, ...) bounds
    mean unbounded. Returns None when the range holds no whole month."""
    first = None if date_from is None else (date_from if date_from.day == 1 else _next_month(date_from))
    if date_to is None:
        last = None
    elif date_to.day == calendar.monthrange(date_to.year, date_to.month)[1]:
        last = _month_start(date_to)
    else:
        last = _month_start(date_to) - dt.timedelta(days=1)
        last = _month_start(last)
    if first is not None and last is not None and first > last:
        return None
    edges = []
    if date_from is not None and first != date_from:
        edges.append((date_from, first - dt.timedelta(days=1)))
    if date_to is not None:
        last_day = _next_month(last) - dt.timedelta(days=1)
        if last_day != date_to:
            edges.append((last_day + dt.timedelta(days=1), date_to))
    return first, last, edges


def _ranges(date_from, date_to, by: str | None) -> list[tuple[str, dt.date | None, dt.date | None]]:
    """(grain, from, to) pieces of a date range: whole months from the month cube, the rest from
    the day cube. Grouping by day or week needs days."""
    if by in ("day", "week"):
        return [("day", date_from, date_to)]
    split = month_split(date_from, date_to)
    if split is None:
        return [("day", date_from, date_to)]
    first, last, edges = split
    last_end = None if last is None else _next_month(last) - dt.timedelta(days=1)
    return [("month", first, last_end)] + [("day", lo, hi) for lo, hi in edges]


def _pieces(plan: Plan, date_from, date_to, by: str | None):
    """_ranges for a cuboid; one kept only per day (agent_day) reads its days for the whole range."""
    if "month" not in plan.cuboid.grains:
        return [("day", date_from, date_to)]
    return _ranges(date_from, date_to, by)


def _union(fact: Fact, plan: Plan, filters: Filters, columns: list[str], pieces, extra: list[str] | None = None):
    """SQL of the cube rows of every piece (one SELECT per piece, UNION ALL) and its parameters."""
    dims_clauses, dims_params = _dims_where(fact, filters)
    sqls, params = [], []
    for grain, lo, hi in pieces:
        clauses = ["cuboid = ?", "grain = ?"] + list(dims_clauses) + list(extra or [])
        p = [plan.cuboid.name, grain] + list(dims_params)
        if lo is not None:
            clauses.append("day >= ?")
            p.append(lo)
        if hi is not None:
            clauses.append("day <= ?")
            p.append(hi)
        sqls.append(f"SELECT {', '.join(columns)} FROM {cube_table(fact)} WHERE {' AND '.join(clauses)}")
        params += p
    return " UNION ALL ".join(sqls), params


def _group_expr(by: str | None) -> str | None:
    if by is None:
        return None
    if by in ("day", "week", "month"):
        return f"date_trunc('{by}', day)::DATE"
    if by == "tag":
        return "_tag"
    return _col(by)


def aggregates(con, fact: Fact, filters: Filters, plan: Plan, by: str | None = None, names: list[str] | None = None) -> dict:
    """{group: {agg: value}} summed from the cubes (same shape as facts.raw_aggregates, plus the
    extra aggregates); the days of a range at the edges of its months come from the day cube, or
    from raw rows for a cuboid kept per month (agent, tag)."""
    names = names or ([a.name for a in fact.aggs] + [n for n, _ in extra_aggs(fact)])
    pieces = _pieces(plan, filters.date_from, filters.date_to, by)
    in_cube = [p for p in pieces if p[0] in plan.cuboid.grains]
    raw = [p for p in pieces if p[0] not in plan.cuboid.grains]
    out: dict = {}
    if in_cube or not raw:
        cols = ["day"] + plan.cuboid.columns() + names
        inner, params = _union(fact, plan, filters, cols, in_cube)
        sums = ", ".join(f"coalesce(sum({n}), 0) AS {n}" for n in names)
        if by == "tag":
            inner = f"SELECT *, unnest(string_split(tagset, ' ')) AS _tag FROM ({inner}) WHERE tagset IS NOT NULL"
        group = _group_expr(by)
        if group is None:
            out = {None: fetch_dicts(con, f"SELECT {sums} FROM ({inner})", params)[0]}
        else:
            # a group whose rows all moved away (an incremental load's correction rows net to zero)
            # is no group: raw rows would not list it either
            having = " HAVING sum(rows_) <> 0" if "rows_" in names else ""
            rows = fetch_dicts(con, f"SELECT {group} AS _g, {sums} FROM ({inner}) GROUP BY ALL{having}", params)
            out = {r.pop("_g"): r for r in rows}
    for _, lo, hi in raw:
        for grp, values in raw_sums(con, fact, filters.replace(date_from=lo, date_to=hi), _settings(None), by,
                                    names).items():
            target = out.setdefault(grp, {n: 0 for n in names})
            for n in names:
                target[n] = (target.get(n) or 0) + (values.get(n) or 0)
    return out


def raw_sums(con, fact: Fact, filters: Filters, settings: dict, by: str | None, names: list[str]) -> dict:
    """The cube's aggregates computed from raw rows for a filter state: {group: {agg: value}}."""
    from metrics.facts import group_source

    select, params = agg_select(fact, settings)
    extras = {"rows_": "count(*)", **{f"qn_{m.name}": f"count({m.sql})" for m in fact.measures}}
    select += ", " + ", ".join(f"{sql} AS {name}" for name, sql in extras.items())
    source, wparams, group = group_source(fact, con, by, filters)
    if group is None:
        rows = fetch_dicts(con, f"SELECT {select} {source}", params + wparams)
        return {None: rows[0]}
    rows = fetch_dicts(con, f"SELECT {group} AS _g, {select} {source} GROUP BY ALL", params + wparams)
    return {r.pop("_g"): r for r in rows}


def backlog(con, fact: Fact, filters: Filters, plan: Plan, by: str | None = None) -> dict:
    """{group: backlog at the period's end}: entries minus exits up to date_to (all days when open)."""
    pieces = _pieces(plan, None, filters.date_to, None)
    if any(grain not in plan.cuboid.grains for grain, _, _ in pieces):
        # a cuboid kept per month (agent, tag) answers a period ending with a month (or open);
        # other ends need days, which it lacks: count the backlog from raw rows
        from metrics.service import backlog_raw

        return backlog_raw(con, filters, by)
    cols = ["day"] + plan.cuboid.columns() + ["bl_in", "bl_out"]
    inner, params = _union(fact, plan, filters, cols, pieces)
    if by == "tag":
        inner = f"SELECT *, unnest(string_split(tagset, ' ')) AS _tag FROM ({inner}) WHERE tagset IS NOT NULL"
    group = _group_expr(by) if by not in ("day", "week", "month") else None
    g = group or "NULL"
    rows = fetch_dicts(con, f"SELECT {g} AS _g, coalesce(sum(bl_in), 0) - coalesce(sum(bl_out), 0) AS n "
                            f"FROM ({inner}) GROUP BY ALL", params)
    return {r["_g"]: int(r["n"]) for r in rows}


def backlog_deltas(con, fact: Fact, filters: Filters, plan: Plan) -> list[tuple]:
    if "day" not in plan.cuboid.grains:
        from metrics.service import backlog_deltas_raw

        return backlog_deltas_raw(con, filters)
    inner, params = _union(fact, plan, filters, ["day", "bl_in", "bl_out"], [("day", None, None)],
                           extra=["(bl_in <> 0 OR bl_out <> 0)"])
    rows = con.execute(f"SELECT day, coalesce(sum(bl_in), 0) - coalesce(sum(bl_out), 0) FROM ({inner}) "
                       f"GROUP BY day ORDER BY day", params).fetchall()
    return [(None, d, int(n)) for d, n in rows]


def dimension_values(con, fact: Fact, dim: str) -> list[str]:
    """Values of a dimension that rows still have (correction rows may leave zero rows behind)."""
    plan = next((Plan(c) for c in cuboids(fact) if dim in c.dims and "month" in c.grains), None)
    if plan is None:
        return []
    table = cube_table(fact)
    first = "rows_"
    where = "cuboid = ? AND grain = 'month'"
    if dim == "tag":
        sql = (f"SELECT DISTINCT unnest(string_split(tagset, ' ')) FROM (SELECT tagset FROM {table} "
               f"WHERE {where} AND tagset IS NOT NULL GROUP BY tagset HAVING sum({first}) <> 0)")
    else:
        sql = f"SELECT {_col(dim)} FROM {table} WHERE {where} GROUP BY 1 HAVING sum({first}) <> 0"
    return [r[0] for r in con.execute(sql, [plan.cuboid.name]).fetchall()]


def span(con, fact: Fact) -> tuple[dt.date | None, dt.date | None]:
    """First and last local day holding rows of the fact: the month cube finds the months, the day
    cube (sorted by day: blocks skipped) the days inside them."""
    table = cube_table(fact)
    lo_m, hi_m = con.execute(f"SELECT min(day), max(day) FROM (SELECT day FROM {table} WHERE cuboid = 'base' "
                             f"AND grain = 'month' AND day IS NOT NULL GROUP BY day HAVING sum(rows_) <> 0)").fetchone()
    if lo_m is None:
        return None, None
    # a month's rows may net to zero on some days (a ticket moved away): look for the days with rows
    lo, hi = con.execute(f"""SELECT (SELECT min(day) FROM (SELECT day FROM {table} WHERE cuboid = 'base' AND grain = 'day'
                                     AND day >= ? AND day < ? GROUP BY day HAVING sum(rows_) <> 0)),
                                    (SELECT max(day) FROM (SELECT day FROM {table} WHERE cuboid = 'base' AND grain = 'day'
                                     AND day >= ? AND day < ? GROUP BY day HAVING sum(rows_) <> 0))""",
                         [lo_m, _next_month(lo_m), hi_m, _next_month(hi_m)]).fetchone()
    return lo, hi


# ---------------------------------------------------------------- approximate quantiles
SAMPLE_DIMS = {"team": "team", "agent": "agent", "channel": "channel", "priority": "priority", "category": "category",
               "tag": "tags", "segment": "segment", "source": "source"}


def sample_quantiles(con, filters: Filters, wanted: dict[str, tuple[float, ...]], population: dict,
                     by: str | None = None, sample_share: float = SAMPLE_SHARE) -> tuple[dict, dict]:
    """Quantiles from the ticket sample: ({group: {(measure, q): value}}, {group: {(measure, q): (low, high)}}).

    ``population``: {group: {measure: rows behind the figure}} (exact counts from the cubes) for the
    groups to answer; the share of the sample read is the smallest that gives each of them about
    ``SAMPLE_TARGET_ROWS`` (ungrouped) or ``GROUP_TARGET_ROWS`` rows. ``low``/``high``: the 95 %
    confidence interval of the quantile from the order statistics of the rows read (ranks
    q +- 1.96 sqrt(q(1 - q)/m), m = the expected rows read)."""
    if not wanted or not population:
        return {}, {}
    target = SAMPLE_TARGET_ROWS if by is None else GROUP_TARGET_ROWS
    smallest = min((n for per in population.values() for n in per.values() if n), default=0)
    if not smallest:
        return {}, {}
    share = min(sample_share, max(target / smallest, 1e-4))
    # the dimensions (and the reader's scope) are _dims_where's; here only the dates
    date_where, date_params = filters.replace(scope=None).where({}, "f.created_at", skip=DIMENSIONS)
    dims_clauses, dims_params = _dims_where(None, filters, alias="f.", tag_column="tags")
    clauses = [f"f.u < {share!r}"] + ([date_where] if date_where != "TRUE" else []) + dims_clauses
    group = None
    source = f"{SAMPLE_TABLE} f"
    if by in ("day", "week", "month"):
        group = clock.trunc_sql(by, "f.created_at")
    elif by == "tag":
        source = ("(SELECT f.*, unnest(list_filter(list_distinct(string_split(coalesce(f.tags, ''), ' ')), "
                  f"lambda x: x <> '')) AS _tag FROM {SAMPLE_TABLE} f) f")
        group = "f._tag"
    elif by is not None:
        group = f"f.{SAMPLE_DIMS[by]}"
    # the ranks each group needs: q and the bounds of its interval
    ranks: dict[str, set] = {}
    spans: dict = {}
    for g_, per in population.items():
        for measure, qs in wanted.items():
            m = share * (per.get(measure) or 0)
            for q in qs:
                half = Z95 * math.sqrt(q * (1 - q) / m) if m >= 1 else 1.0
                lo, hi = round(max(0.0, q - half), 6), round(min(1.0, q + half), 6)
                spans[(g_, measure, q)] = (lo, hi)
                ranks.setdefault(measure, set()).update((float(q), lo, hi))
    order = {measure: sorted(r) for measure, r in ranks.items()}
    parts = [f"quantile_cont(f.{measure}, [{', '.join(repr(x) for x in rs)}]) AS r_{measure}"
             for measure, rs in order.items()]
    g = group or "NULL"
    sql = f"SELECT {g} AS _g, {', '.join(parts)} FROM {source} WHERE {' AND '.join(clauses)} GROUP BY ALL"
    values: dict = {}
    bounds: dict = {}
    for r in fetch_dicts(con, sql, date_params + dims_params):
        g_ = r["_g"]
        if g_ not in population:
            continue
        for measure, qs in wanted.items():
            arr = r.get(f"r_{measure}")
            if arr is None:
                continue
            at = dict(zip(order[measure], arr))
            for q in qs:
                lo, hi = spans[(g_, measure, q)]
                values.setdefault(g_, {})[(measure, q)] = at.get(float(q))
                bounds.setdefault(g_, {})[(measure, q)] = (at.get(lo), at.get(hi))
    return values, bounds
