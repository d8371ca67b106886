"""Rollups: the additive aggregates per day x dimension value, and log-scale histograms of the
durations per month x dimension value, built at load time so that KPIs at 10M tickets take
milliseconds instead of seconds.

Tables (rebuilt by ``build_rollups(con)`` after ``ticket_metrics``):

* ``rollup_<fact>`` (day, dim, value, one column per aggregate of the fact; tickets add
  ``bl_in``/``bl_out``, the backlog's daily entries and exits). ``dim`` is ``_all`` (every row,
  value NULL) or a dimension name; a ticket appears once per dimension (once per distinct tag).
* ``rollup_tickets_hist`` (month, dim, value, measure, bin, n): duration histograms with bins
  ``facts.BIN_RATIO`` wide, so a quantile read from them is within 0.75% of the exact one.
* ``survey_facts``: surveys with their linked ticket's dimensions (metrics/satisfaction.py).
* ``rollup_meta``: per fact, the row count, the settings the rollup was built with and a stamp of
  the data it was built from (the ``loads`` bookkeeping and ``ticket_metrics_info.built_at``); a
  rollup whose table, settings or stamp differ is not used (raw rows answer instead), so a
  ``ticket_metrics`` rebuilt without its rollups (e.g. ``derive.build`` with other SLA policies)
  never answers from stale sums. Every store write rebuilds both (``metrics.HOOKS``).

What a rollup answers: filter states with at most one filtered dimension (several values of it are
summed: they are disjoint, except tags, so several tags go to raw rows), any date range (days are
exact), breakdowns by the filtered dimension or with no dimension filter, and timeseries. Counts and
rates are sums, so they equal the raw answers exactly. Quantiles merge the whole months inside the
range with the partial months at its edges binned from raw rows; a range with no whole month uses
exact quantiles on raw rows.
"""
from __future__ import annotations

import calendar
import datetime as dt
import json
import time

from metrics import clock
from metrics.facts import Fact, TableCounts, agg_select, bin_sql, fetch_dicts, group_source, table_exists
from metrics.filters import SEGMENT_MAP_SQL, Filters

VERSION = 2
META = "rollup_meta"


def rollup_table(fact: Fact) -> str:
    return f"rollup_{fact.name}"


def hist_table(fact: Fact) -> str:
    return f"rollup_{fact.name}_hist"


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


# ---------------------------------------------------------------- building
def _value_sql(fact: Fact, dim: str) -> tuple[str, str]:
    """(join, value expression) for one rollup dimension."""
    if dim == "_all":
        return "", "NULL::VARCHAR"
    if dim == "segment" and "segment" not in fact.direct_dims:
        return f" LEFT JOIN {SEGMENT_MAP_SQL} _seg ON _seg.customer_id = f.{fact.dims['segment']}", "_seg.segment"
    return "", f"CAST(f.{fact.dims[dim]} AS VARCHAR)"


def _rows_per_dim(fact: Fact, con, dim: str, select_rest: str, where_extra: str = "TRUE", day: str | None = None,
                  tz: str = "UTC") -> str:
    """A SELECT yielding (local day, dim, value, <select_rest>) grouped, for one dimension."""
    relation = fact.relation(con)
    day = day or clock.day_sql(f"f.{fact.date_column}", tz)
    where = f"({fact.base_where}) AND ({where_extra})"
    if dim == "tag":
        col = fact.dims["tag"]
        inner = (f"(SELECT f.*, unnest(list_filter(list_distinct(string_split(coalesce(f.{col}, ''), ' ')), "
                 f"lambda x: x <> '')) AS _tag FROM {relation} f WHERE {where})")
        return f"SELECT {day} AS day, 'tag' AS dim, f._tag AS value, {select_rest} FROM {inner} f GROUP BY ALL"
    join, value = _value_sql(fact, dim)
    return f"SELECT {day} AS day, '{dim}' AS dim, {value} AS value, {select_rest} FROM {relation} f{join} WHERE {where} GROUP BY ALL"


def _dims(fact: Fact) -> list[str]:
    return ["_all"] + list(fact.dims)


def build_fact(con, fact: Fact, settings: dict) -> None:
    tz = clock.report_tz(settings)  # rollup days are local days (the fingerprint records the zone)
    select, params = agg_select(fact, settings)
    parts, all_params = [], []
    tickets = fact.name == "tickets"
    if tickets:
        from metrics.service import CLOSED_TIMED, OPEN, closed_day

        select += f", count(*) FILTER (WHERE {OPEN} OR f.solved_at IS NOT NULL) AS bl_in, NULL::BIGINT AS bl_out"
    for dim in _dims(fact):
        parts.append(_rows_per_dim(fact, con, dim, select, tz=tz))
        all_params += params
        if tickets:
            parts.append(_rows_per_dim(fact, con, dim, "count(*) AS bl_out", CLOSED_TIMED, day=closed_day(tz)))
    table = rollup_table(fact)
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM ("
                + " UNION ALL BY NAME ".join(parts) + ") ORDER BY dim, value, day", all_params)
    if fact.measures:
        structs = ", ".join(f"{{'measure': '{m.name}', 'bin': {bin_sql(m.sql)}}}" for m in fact.measures)
        hparts = []
        for dim in _dims(fact):
            month = clock.trunc_sql("month", f"f.{fact.date_column}", tz)
            if dim == "tag":
                col = fact.dims["tag"]
                inner = (f"(SELECT f.*, unnest(list_filter(list_distinct(string_split(coalesce(f.{col}, ''), ' ')), "
                         f"lambda x: x <> '')) AS _tag FROM {fact.relation(con)} f WHERE {fact.base_where})")
                src, value = f"{inner} f", "f._tag"
            else:
                join, value = _value_sql(fact, dim)
                src = f"{fact.relation(con)} f{join} WHERE {fact.base_where}"
            hparts.append(f"SELECT month, '{dim}' AS dim, value, m.measure AS measure, m.bin AS bin, count(*) AS n FROM "
                          f"(SELECT {month} AS month, {value} AS value, unnest([{structs}]) AS m FROM {src}) "
                          f"WHERE m.bin IS NOT NULL GROUP BY ALL")
        con.execute(f"CREATE OR REPLACE TABLE {hist_table(fact)} AS SELECT * FROM ("
                    + " UNION ALL ".join(hparts) + ") ORDER BY dim, value, measure, month, bin")


def build_rollups(con, settings: dict | None = None) -> dict:
    """Rebuild survey_facts and every rollup from the current tables; returns seconds per fact.
    Call it after ticket_metrics is rebuilt (a store post-load hook)."""
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
        if not table_exists(con, fact.table):
            for t in (rollup_table(fact), hist_table(fact)):
                con.execute(f"DROP TABLE IF EXISTS {t}")
            continue
        build_fact(con, fact, settings)
        meta[fact.name] = {"rows": _row_count(con, fact.table), "fingerprint": fact.fingerprint(settings),
                           "version": VERSION}
        timings[fact.name] = time.perf_counter() - t0
    stamp = data_stamp(con, TableCounts(con))
    for info in meta.values():
        info["stamp"] = stamp
    con.execute(f"CREATE OR REPLACE TABLE {META} (fact VARCHAR, info VARCHAR)")
    for name, info in meta.items():
        con.execute(f"INSERT INTO {META} VALUES (?, ?)", [name, json.dumps(info, sort_keys=True)])
    return timings


def data_stamp(con, counts: TableCounts) -> list:
    """What the rollups were built from, beyond row counts: the loads bookkeeping (count, last id,
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


def _row_count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


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
                ok = self.counts.rows(fact.table) == info.get("rows") and info.get("stamp") == self.stamp()
            self._fresh[fact.name] = ok
        return self._fresh[fact.name]


def _jsonable(value):
    return json.loads(json.dumps(value, sort_keys=True))


def key_for(fact: Fact, filters: Filters, by: str | None) -> tuple[str, tuple | None] | None:
    """The rollup rows answering a filter state (and grouping), or None when raw rows must.

    Returns (dim, values): ``dim`` the rollup dimension to read, ``values`` the values to keep
    (None = all)."""
    active = filters.active_dimensions()
    if any(not filters.values(d) for d in active):
        return None  # a team filter outside the reader's scope: raw rows answer (nothing matches)
    if by in (None, "day", "week", "month"):
        if not active:
            return "_all", None
        if len(active) == 1:
            dim = active[0]
            values = filters.values(dim)
            if dim == "tag" and len(values) > 1:
                return None  # a ticket with both tags would count twice
            return dim, values
        return None
    if by not in fact.dims:
        return None
    if not active:
        return by, None
    if active == [by]:
        return by, filters.values(by)
    return None


def _key_where(dim: str, values, filters: Filters, day_col: str = "day", dates: bool = True,
               until: dt.date | None = None) -> tuple[str, list]:
    clauses, params = ["dim = ?"], [dim]
    if values:
        clauses.append(f"value IN ({', '.join('?' for _ in values)})")
        params += list(values)
    if dates:
        if filters.date_from:
            clauses.append(f"{day_col} >= ?")
            params.append(filters.date_from)
        if filters.date_to:
            clauses.append(f"{day_col} <= ?")
            params.append(filters.date_to)
    if until is not None:
        clauses.append(f"{day_col} <= ?")
        params.append(until)
    return " AND ".join(clauses), params


def _group_sql(by: str | None, day_col: str = "day") -> str | None:
    if by is None:
        return None
    if by in ("day", "week", "month"):
        return f"date_trunc('{by}', {day_col})::DATE"
    return "value"


def aggregates(con, fact: Fact, filters: Filters, key, by: str | None = None) -> dict:
    """{group: {agg: value}} summed from the rollup (same shape as facts.raw_aggregates)."""
    dim, values = key
    cols = []
    for a in fact.aggs:
        if a.merge == "sum":
            cols.append(f"coalesce(sum({a.name}), 0) AS {a.name}")
        else:
            cols.append(f"{a.merge}({a.name}) AS {a.name}")
    where, params = _key_where(dim, values, filters)
    if fact.name == "tickets":
        where += " AND bl_out IS NULL"  # rows holding only the backlog's exits
    group = _group_sql(by)
    if group is None:
        rows = fetch_dicts(con, f"SELECT {', '.join(cols)} FROM {rollup_table(fact)} WHERE {where}", params)
        return {None: rows[0]}
    rows = fetch_dicts(con, f"SELECT {group} AS _g, {', '.join(cols)} FROM {rollup_table(fact)} WHERE {where} "
                            f"GROUP BY ALL", params)
    return {r.pop("_g"): r for r in rows}


def backlog(con, fact: Fact, filters: Filters, key, by: str | None = None) -> dict:
    """{group: backlog at the period's end}: entries minus exits up to date_to (all days when open)."""
    dim, values = key
    where, params = _key_where(dim, values, filters, dates=False, until=filters.date_to)
    group = _group_sql(by) if by not in ("day", "week", "month") else None
    g = group or "NULL"
    rows = fetch_dicts(con, f"SELECT {g} AS _g, coalesce(sum(bl_in), 0) - coalesce(sum(bl_out), 0) AS n "
                            f"FROM {rollup_table(fact)} WHERE {where} GROUP BY ALL", params)
    return {r["_g"]: int(r["n"]) for r in rows}


def backlog_deltas(con, fact: Fact, filters: Filters, key) -> list[tuple]:
    dim, values = key
    where, params = _key_where(dim, values, filters, dates=False)
    rows = con.execute(f"SELECT day, coalesce(sum(bl_in), 0) - coalesce(sum(bl_out), 0) FROM {rollup_table(fact)} "
                       f"WHERE {where} GROUP BY day ORDER BY day", params).fetchall()
    return [(None, d, int(n)) for d, n in rows]


# ---------------------------------------------------------------- quantiles
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


def histograms(con, fact: Fact, filters: Filters, key, measures: list[str], by: str | None = None) -> dict | None:
    """{group: {measure: [(bin, n), ...] sorted}} from whole months of the rollup plus the partial
    months at the edges binned from raw rows; None when the range holds no whole month (exact raw
    quantiles are then cheap and better)."""
    if by in ("day", "week"):
        return None
    split = month_split(filters.date_from, filters.date_to)
    if split is None:
        return None
    first, last, edges = split
    dim, values = key
    clauses, params = ["dim = ?"], [dim]
    if values:
        clauses.append(f"value IN ({', '.join('?' for _ in values)})")
        params += list(values)
    clauses.append(f"measure IN ({', '.join('?' for _ in measures)})")
    params += measures
    if first is not None:
        clauses.append("month >= ?")
        params.append(first)
    if last is not None:
        clauses.append("month <= ?")
        params.append(last)
    group = "month" if by == "month" else _group_sql(by)
    g = group or "NULL"
    rows = con.execute(f"SELECT {g} AS _g, measure, bin, sum(n) FROM {hist_table(fact)} WHERE {' AND '.join(clauses)} "
                       f"GROUP BY ALL", params).fetchall()
    counts: dict = {}
    for grp, measure, b, n in rows:
        key_ = (grp, measure)
        counts.setdefault(key_, {})
        counts[key_][b] = counts[key_].get(b, 0) + int(n)
    raw_by = "month" if by == "month" else by
    for lo, hi in edges:
        for (grp, measure, b, n) in raw_bins(con, fact, filters.replace(date_from=lo, date_to=hi), measures, raw_by):
            key_ = (grp, measure)
            counts.setdefault(key_, {})
            counts[key_][b] = counts[key_].get(b, 0) + int(n)
    out: dict = {}
    for (grp, measure), bins in counts.items():
        out.setdefault(grp, {})[measure] = sorted(bins.items())
    return out


def raw_bins(con, fact: Fact, filters: Filters, measures: list[str], by: str | None = None) -> list[tuple]:
    """(group, measure, bin, n) from raw rows, binned as the rollup bins."""
    wanted = [m for m in fact.measures if m.name in measures]
    structs = ", ".join(f"{{'measure': '{m.name}', 'bin': {bin_sql(m.sql)}}}" for m in wanted)
    source, params, group = group_source(fact, con, by, filters)
    g = group or "NULL"
    sql = (f"SELECT _g, m.measure, m.bin, count(*) FROM (SELECT {g} AS _g, unnest([{structs}]) AS m {source}) "
           f"WHERE m.bin IS NOT NULL GROUP BY ALL")
    return con.execute(sql, params).fetchall()
