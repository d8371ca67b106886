"""The machinery shared by every fact table: additive aggregates, formulas, quantile histograms,
and the raw-row query builder.

A *fact* is one relation (ticket_metrics, tickets, calls, survey facts) with a date column, the
dimensions it can be filtered and grouped by, and a list of *additive aggregates* (counts, sums,
mins, maxes). Every metric is a *formula* over those aggregates (ratio, mean, count) or a
quantile of a *measure*. Because the aggregates are additive, the rollups (metrics/rollups.py)
store them per day x dimension value and sum them at query time: counts and rates from rollups
equal the raw-row answers exactly. Quantiles come from log-scale histograms (``BIN_RATIO``) in
the rollups, or exact ``quantile_cont`` on raw rows.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

from metrics import clock
from metrics.filters import SEGMENT_MAP_SQL, Filters

# ---------------------------------------------------------------- histogram bins
# Bin k >= 0 holds [V0 * r^k, V0 * r^(k+1)); its representative is the geometric middle, so any
# value is within sqrt(r) - 1 = 0.75% of its bin's representative. Bin -1 holds [0, V0) and stands
# for 0 (below 0.06 s). Negative durations are bad data and excluded everywhere.
BIN_RATIO = 1.015
V0 = 0.001  # minutes
ZERO_BIN = -1
_LOG_R = math.log(BIN_RATIO)


def bin_sql(expr: str) -> str:
    return (f"CASE WHEN ({expr}) IS NULL OR ({expr}) < 0 THEN NULL WHEN ({expr}) < {V0} THEN {ZERO_BIN} "
            f"ELSE floor(ln(({expr}) / {V0}) / {_LOG_R!r})::INTEGER END")


def bin_value(k: int) -> float:
    if k == ZERO_BIN:
        return 0.0
    return V0 * BIN_RATIO ** (k + 0.5)


def hist_quantile(bins: list[tuple[int, int]], q: float) -> float | None:
    """quantile_cont's definition (rank (n-1)q, linear between neighbours) on a histogram whose
    (bin, count) pairs are sorted by bin."""
    cumulative, n = [], 0
    for _, c in bins:
        n += c
        cumulative.append(n)
    if n == 0:
        return None
    h = (n - 1) * q
    lo_rank = math.floor(h)
    frac = h - lo_rank

    def at(rank: int) -> float:
        return bin_value(bins[bisect.bisect_right(cumulative, rank)][0])

    lo = at(lo_rank)
    if frac == 0:
        return lo
    return lo + frac * (at(min(lo_rank + 1, n - 1)) - lo)


# ---------------------------------------------------------------- declarations
@dataclass(frozen=True)
class Agg:
    name: str
    sql: str  # an aggregate over the fact's rows (alias f), may contain ? (see params)
    merge: str = "sum"  # how rollup rows combine: sum | min | max
    params: Callable[[dict], list] | None = None  # settings -> values for the ?s, in order


@dataclass(frozen=True)
class Measure:
    """A duration whose quantiles are reported (NULL when the row is not in its population)."""
    name: str
    sql: str


@dataclass(frozen=True)
class Fact:
    name: str
    table: str  # the table that must exist and hold rows for the fact's figures to exist
    relation: Callable[[object], str]  # con -> SQL relation (table name or subquery)
    date_column: str
    dims: Mapping[str, str]  # dimension -> column of the relation (tag: the space-separated tags column)
    aggs: tuple[Agg, ...]
    measures: tuple[Measure, ...] = ()
    base_where: str = "TRUE"  # rows the fact is about (e.g. inbound calls)
    settings_keys: tuple[str, ...] = ()  # metrics.* settings the aggregates depend on
    # Dimensions whose column holds the value itself. By default ``segment`` names a customer id
    # column and the value is that customer's segment; survey facts carry their own segment.
    direct_dims: tuple[str, ...] = ()

    def agg(self, name: str) -> Agg:
        for a in self.aggs:
            if a.name == name:
                return a
        raise KeyError(name)

    def fingerprint(self, settings: dict) -> dict:
        """What a stored rollup depends on: the settings it used and the SQL of its aggregates and
        measures (a changed definition makes an old rollup stale, not wrong)."""
        import hashlib

        sql = "\n".join([self.base_where, *(f"{a.name}={a.sql}|{a.merge}" for a in self.aggs),
                          *(f"{m.name}={m.sql}" for m in self.measures), *sorted(f"{k}={v}" for k, v in self.dims.items())])
        return {**{k: settings.get(k) for k in self.settings_keys}, "report_timezone": clock.report_tz(settings),
                "definitions": hashlib.sha256(sql.encode("utf-8")).hexdigest()[:16]}


@dataclass(frozen=True)
class Formula:
    """How a metric comes from its fact's aggregates.

    kind: count (args: agg), ratio (num, den), mean (sum, n), quantile (measure, q), custom (fn).
    ``require``: an aggregate that must be > 0 for the figure to exist (e.g. rows with SLA data).
    """
    fact: str
    kind: str
    args: tuple = ()
    fn: Callable[[dict, dict], object] | None = None
    require: str | None = None
    scale: float = 1.0


def evaluate(formula: Formula, aggs: Mapping[str, object], quantiles: Mapping[tuple, object]):
    if formula.require and not (aggs.get(formula.require) or 0) > 0:
        return None
    kind = formula.kind
    if kind == "count":
        v = aggs.get(formula.args[0])
        return None if v is None else int(v)
    if kind == "ratio":
        num, den = aggs.get(formula.args[0]), aggs.get(formula.args[1])
        if not den:
            return None
        return (num or 0) / den * formula.scale
    if kind == "mean":
        total, n = aggs.get(formula.args[0]), aggs.get(formula.args[1])
        if not n:
            return None
        return (total or 0) / n
    if kind == "quantile":
        return quantiles.get(tuple(formula.args))
    if kind == "custom":
        return formula.fn(aggs, quantiles)
    raise ValueError(f"unknown formula kind {kind!r}")


# ---------------------------------------------------------------- raw-row SQL
def group_source(fact: Fact, con, by: str | None, filters: Filters, extra_where: str = "TRUE",
                 extra_params: list | None = None, dates: bool = True) -> tuple[str, list, str | None]:
    """``FROM ... WHERE ...`` over the fact's raw rows for a filter state, and the SQL of the group
    value (None when not grouped). Raises filters.MissingDimension for a dimension the fact lacks."""
    where, params = filters.where(fact.dims, f"f.{fact.date_column}", dates=dates, direct=fact.direct_dims)
    relation = fact.relation(con)
    group = None
    joins = ""
    inner_where = f"({fact.base_where}) AND ({where}) AND ({extra_where})"
    all_params = list(params) + list(extra_params or [])
    if by is None:
        return f"FROM {relation} f WHERE {inner_where}", all_params, None
    if by in ("day", "week", "month"):
        group = clock.trunc_sql(by, f"f.{fact.date_column}")
    elif by == "tag":
        column = fact.dims.get("tag")
        if column is None:
            from metrics.filters import MissingDimension

            raise MissingDimension("tag")
        # One row per (row, distinct tag): a ticket tagged "a b" counts once under a and once under b.
        sub = (f"(SELECT f.*, unnest(list_filter(list_distinct(string_split(coalesce(f.{column}, ''), ' ')), "
               f"lambda x: x <> '')) AS _group FROM {relation} f WHERE {inner_where})")
        return f"FROM {sub} f", all_params, "f._group"
    elif by == "segment" and "segment" not in fact.direct_dims:
        column = fact.dims.get("segment")
        if column is None:
            from metrics.filters import MissingDimension

            raise MissingDimension("segment")
        joins = f" LEFT JOIN {SEGMENT_MAP_SQL} _seg ON _seg.customer_id = f.{column}"
        group = "_seg.segment"
    else:
        column = fact.dims.get(by)
        if column is None:
            from metrics.filters import MissingDimension

            raise MissingDimension(by)
        group = f"f.{column}"
    return f"FROM {relation} f{joins} WHERE {inner_where}", all_params, group


def agg_select(fact: Fact, settings: dict, names: list[str] | None = None) -> tuple[str, list]:
    """The SELECT list of the fact's aggregates (``expr AS name``) and the parameters they bind."""
    parts, params = [], []
    for a in fact.aggs:
        if names is not None and a.name not in names:
            continue
        parts.append(f"{a.sql} AS {a.name}")
        if a.params:
            params.extend(a.params(settings))
    return ", ".join(parts), params


def fetch_dicts(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def raw_aggregates(con, fact: Fact, filters: Filters, settings: dict, by: str | None = None) -> dict:
    """{group value (None when ungrouped): {agg: value}} from raw rows."""
    select, sparams = agg_select(fact, settings)
    source, wparams, group = group_source(fact, con, by, filters)
    if group is None:
        rows = fetch_dicts(con, f"SELECT {select} {source}", sparams + wparams)
        return {None: rows[0]}
    rows = fetch_dicts(con, f"SELECT {group} AS _g, {select} {source} GROUP BY ALL", sparams + wparams)
    return {r.pop("_g"): r for r in rows}


def raw_quantiles(con, fact: Fact, filters: Filters, wanted: dict[str, tuple[float, ...]],
                  by: str | None = None) -> dict:
    """{group: {(measure, q): exact quantile_cont}} from raw rows."""
    if not wanted:
        return {}
    measures = {m.name: m for m in fact.measures}
    parts = []
    for name, qs in wanted.items():
        qlist = ", ".join(repr(float(q)) for q in qs)
        parts.append(f"quantile_cont({measures[name].sql}, [{qlist}]) AS {name}")
    source, params, group = group_source(fact, con, by, filters)
    if group is None:
        rows = fetch_dicts(con, f"SELECT {', '.join(parts)} {source}", params)
        rows[0]["_g"] = None
    else:
        rows = fetch_dicts(con, f"SELECT {group} AS _g, {', '.join(parts)} {source} GROUP BY ALL", params)
    out: dict = {}
    for r in rows:
        g = r.pop("_g")
        values = {}
        for name, qs in wanted.items():
            got = r.get(name)
            for i, q in enumerate(qs):
                values[(name, q)] = None if got is None else got[i]
        out[g] = values
    return out


def table_has_rows(con, table: str) -> bool:
    try:
        return bool(con.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchall()[0][0])
    except Exception:  # the table does not exist (yet)
        return False


def table_exists(con, table: str) -> bool:
    """A table, or a view (a store generation with a delta reads tables through views)."""
    row = con.execute("SELECT (SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND database_name = current_database() "
                      "AND schema_name = current_schema()) + (SELECT count(*) FROM duckdb_views() WHERE view_name = ? "
                      "AND database_name = current_database() AND schema_name = current_schema())",
                      [table, table]).fetchall()[0]
    return bool(row[0])


class TableCounts:
    """Which tables a call needs exist and hold rows, fetched together (one small query per engine
    call: ``EXISTS`` stops at the first row, so it is cheap at any size and through a delta's
    views). ``rows()`` counts exactly, on demand. None = no such table."""

    TABLES = ("ticket_metrics", "tickets", "calls", "surveys", "survey_facts", "rollup_meta", "loads",
              "ticket_metrics_info")

    def __init__(self, con):
        self.con = con
        self._present: dict[str, bool | None] | None = None
        self._existing: set[str] = set()
        self._counts: dict[str, int | None] = {}

    def _load(self) -> dict:
        if self._present is None:
            # every table and view of the catalog at once: the other tables a call asks about (the
            # cubes, the sample) are answered from this set, not one catalog query each (about
            # 3 ms apiece through a delta's attached catalog: a tenth of a KPI call at 10M)
            self._existing = {r[0] for r in self.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "AND schema_name = current_schema() UNION ALL SELECT view_name FROM duckdb_views() "
                "WHERE database_name = current_database() AND schema_name = current_schema()").fetchall()}
            present = [t for t in self.TABLES if t in self._existing]
            found: dict[str, bool | None] = {t: None for t in self.TABLES}
            if present:
                row = self.con.execute("SELECT " + ", ".join(f"EXISTS (SELECT 1 FROM {t})" for t in present)).fetchall()[0]
                found.update(dict(zip(present, (bool(v) for v in row))))
            self._present = found
        return self._present

    def has_rows(self, table: str) -> bool:
        found = self._load()
        if table not in found:
            found[table] = table_has_rows(self.con, table) if table in self._existing else None
        return bool(found[table])

    def rows(self, table: str) -> int | None:
        if table not in self._counts:
            self._load()
            self._counts[table] = (self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
                                   if table in self._existing else None)
        return self._counts[table]

    def exists(self, table: str) -> bool:
        found = self._load()
        if table in found:
            return found[table] is not None
        return table in self._existing


@dataclass
class Wanted:
    """What one query needs from one fact: aggregates and quantiles (measure -> qs)."""
    aggs: set = field(default_factory=set)
    quantiles: dict = field(default_factory=dict)
