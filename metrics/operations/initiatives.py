"""Service initiatives and their measured effect.

The register is ``[[initiatives]]`` in the settings (the Settings page writes it)::

    [[initiatives]]
    name = "Chatbot answers first on chat"
    start = "2026-03-01"            # the first day the change was live
    end = "2026-08-31"              # optional: when it stopped (else it is still running)
    scope = { channel = "chat" }    # the filter dimensions and values of the URL filters
    metric = "operator_load"        # a registry metric id, or operator_load
    target_change = -0.40           # relative: -0.40 = down by 40%
    owner = "Head of support"

For each initiative (docs/metrics.md, "Initiatives", has every rule):

* the *after* window runs from ``start`` to ``end`` (or the end of the data); the *before* window
  has the same length: the same weeks a year earlier (364 days, so weekdays align) when the data
  reach back that far, which removes seasonality, else the days just before the start;
* the metric is computed in scope (the scope's filter) and, for a difference-in-differences, on the
  out-of-scope rows of the same table: the relative change in scope divided by the relative change
  out of scope, which removes what moved everything (growth, a holiday, a product incident);
* the 95% interval comes from a bootstrap over days (each window's days resampled with
  replacement, in-scope and out-of-scope together, ``bootstrap`` replicates with a fixed seed);
* verdict: *met* when the change reached the target and its interval excludes no change; *not met*
  when the interval excludes the target; *too early* when the after window is shorter than
  ``min_days`` (28), has fewer than ``min_units`` (30) tickets/calls/responses, or the interval is
  still too wide to decide (with the days needed); *not measurable* (with why) otherwise;
* where the metric is a share of negative support experiences that feed churn (SLA breaches,
  reopens, abandoned calls, repeat contacts, replies later than 12 h), the money effect: negative
  experiences avoided a year × excess churn per negatively touched customer × monthly revenue of a
  lost customer × ``churn.horizon_months`` (metrics/churn.py's measured figures).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from metrics import calls as calls_mod
from metrics import clock
from metrics import satisfaction as sat
from metrics import service
from metrics.facts import Fact, Formula, agg_select, evaluate
from metrics.filters import DIMENSIONS, FilterError, Filters, MissingDimension, parse_date
from metrics.operations import common as C

OPERATOR_LOAD = "operator_load"
SEASON_DAYS = 364  # 52 weeks: the same weekdays a year earlier
FORMULAS: dict[str, Formula] = {**service.FORMULAS, **sat.FORMULAS, **calls_mod.FORMULAS}
FACTS: dict[str, Fact] = {f.name: f for f in (service.TICKETS, sat.TICKET_SAT, sat.SURVEYS, calls_mod.CALLS)}
NOT_WINDOWED = {"backlog": "the backlog is a stock measured at one moment, not over a window",
                "backlog_age_median_hours": "the backlog's age is measured at one moment, not over a window",
                "nps_low": "an interval bound is not a figure of its own", "nps_high": "an interval bound is not a figure of its own",
                "sla_active_breaches": "active breaches are a count at the export's moment, not over a window"}
UNITS = {"nps": "nps_n", "ces": "ces_n"}
# Metrics that are themselves a share of negative experiences feeding churn (metrics/churn.py's kinds).
NEGATIVE_SHARES = {"sla_breach_rate": "sla_breach", "sla_first_reply_breach_rate": "sla_breach",
                   "sla_next_reply_breach_rate": "sla_breach", "sla_resolution_breach_rate": "sla_breach",
                   "reopen_rate": "reopened", "abandonment_rate": "abandoned_call",
                   "repeat_contact_rate": "repeat_contact"}
# ...or its complement (a reply within 12 h is the opposite of a slow first reply).
POSITIVE_SHARES = {"replied_within_12h": "slow_first_reply"}
VERDICTS = ("met", "not_met", "too_early", "not_measurable")


# ---------------------------------------------------------------- the register
@dataclass
class Initiative:
    name: str
    start: dt.date
    metric: str
    target_change: float
    end: dt.date | None = None
    scope: dict = field(default_factory=dict)
    owner: str = ""

    def filters(self) -> Filters:
        return Filters(**{k: (v if isinstance(v, (list, tuple)) else [v]) for k, v in self.scope.items()})

    def to_dict(self) -> dict:
        return {"name": self.name, "start": self.start.isoformat(), "end": self.end.isoformat() if self.end else None,
                "scope": dict(self.scope), "metric": self.metric, "target_change": self.target_change, "owner": self.owner}


def known_metrics() -> list[str]:
    return [m for m in FORMULAS if m not in NOT_WINDOWED] + [OPERATOR_LOAD]


def parse(items, where: str = "settings [[initiatives]]") -> tuple[list[Initiative], list[str]]:
    """The register from the settings' list of tables; every problem listed with its fix."""
    out, problems = [], []
    for i, raw in enumerate(items or [], start=1):
        label = f"{where} #{i}"
        if not isinstance(raw, dict):
            problems.append(f"{label}: each initiative is a table ([[initiatives]] with name, start, metric, ...)")
            continue
        name = str(raw.get("name") or "").strip()
        label = f"{label} ({name})" if name else label
        if not name:
            problems.append(f"{label}: give it a name (name = \"Chatbot on chat\")")
        try:
            start = parse_date(raw.get("start"), "start")
        except FilterError as exc:
            problems.append(f"{label}: {exc}")
            start = None
        if start is None and not any(p.startswith(label) and "start" in p for p in problems):
            problems.append(f"{label}: start is missing; write the first day it was live as \"YYYY-MM-DD\"")
        end = None
        try:
            end = parse_date(raw.get("end") or None, "end")
        except FilterError as exc:
            problems.append(f"{label}: {exc}")
        if start and end and end < start:
            problems.append(f"{label}: end {end} is before start {start}; swap them or leave end out")
        metric = str(raw.get("metric") or "").strip()
        if metric in NOT_WINDOWED:
            problems.append(f"{label}: metric {metric!r} cannot be compared over windows ({NOT_WINDOWED[metric]}); "
                            "choose another")
        elif metric not in known_metrics():
            problems.append(f"{label}: metric {metric!r} is not a metric id; use one of {', '.join(known_metrics())}")
        target = raw.get("target_change")
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not math.isfinite(float(target)) \
                or float(target) == 0 or float(target) <= -1:
            problems.append(f"{label}: target_change must be a relative change other than 0 and above -1 "
                            f"(e.g. -0.40 for down by 40%), not {target!r}")
        scope = raw.get("scope") or {}
        if not isinstance(scope, dict):
            problems.append(f"{label}: scope must be a table such as {{ channel = \"chat\" }}")
            scope = {}
        for dim, value in scope.items():
            if dim not in DIMENSIONS:
                problems.append(f"{label}: scope {dim!r} is not a filter dimension; use {', '.join(DIMENSIONS)}")
            values = value if isinstance(value, list) else [value]
            if not values or any(not isinstance(v, str) or not v.strip() for v in values):
                problems.append(f"{label}: scope {dim} must be a value or a list of values (text), not {value!r}")
        if not any(p.startswith(label) for p in problems):
            out.append(Initiative(name=name, start=start, end=end, metric=metric, target_change=float(target),
                                  scope={k: v for k, v in scope.items()}, owner=str(raw.get("owner") or "")))
    return out, problems


def register(settings: dict | None = None) -> tuple[list[Initiative], list[str]]:
    if settings is None:
        import config

        settings = config.get()
    return parse((settings or {}).get("initiatives") or [])


# ---------------------------------------------------------------- per-day data
@dataclass
class Daily:
    """One side (in or out of scope) of the data, per local day: additive aggregates, or values."""
    days: list  # sorted dates with rows
    aggs: dict  # name -> np.array over days (additive)
    values: dict = field(default_factory=dict)  # day -> np.array of a measure (quantile metrics)


def _scope_clause(fact_dims: dict, scope: Filters, alias: str = "f") -> tuple[str, list]:
    dims = {k: f"{alias}.{v}" for k, v in fact_dims.items()}
    clause, params = scope.where(dims, None, dates=False)
    return f"coalesce(({clause}), false)", params


def _fact_daily(con, metric: str, scope: Filters, lo: dt.date, hi: dt.date, settings: dict) -> tuple[dict, str]:
    """{True: Daily in scope, False: Daily out of scope} over [lo, hi]; and the unit word."""
    formula = FORMULAS[metric]
    fact = FACTS[formula.fact]
    s_clause, s_params = _scope_clause(fact.dims, scope)
    day = clock.day_sql(f"f.{fact.date_column}")
    bounds = [clock.utc_start(lo), clock.utc_end(hi)]
    base = (f"FROM {fact.relation(con)} f WHERE ({fact.base_where}) AND f.{fact.date_column} >= ? "
            f"AND f.{fact.date_column} < ?")
    out = {}
    if formula.kind == "quantile":
        measure = {m.name: m for m in fact.measures}[formula.args[0]]
        found = con.execute(f"SELECT {day} AS d, {s_clause} AS s, {measure.sql} AS v {base} AND ({measure.sql}) IS NOT NULL "
                            "ORDER BY d", s_params + bounds).fetchall()
        for side in (True, False):
            per_day: dict = {}
            for d, s, v in found:
                if s == side:
                    per_day.setdefault(d, []).append(float(v))
            days = sorted(per_day)
            out[side] = Daily(days, {"n": np.array([len(per_day[d]) for d in days], dtype=float)},
                              {d: np.array(per_day[d]) for d in days})
        return out, "rows"
    select, a_params = agg_select(fact, settings)
    found = C.rows(con, f"SELECT {day} AS d, {s_clause} AS s, {select} {base} GROUP BY ALL ORDER BY d",
                   s_params + a_params + bounds)
    names = [a.name for a in fact.aggs]
    for side in (True, False):
        part = [r for r in found if r["s"] == side]
        out[side] = Daily([r["d"] for r in part],
                          {n: np.array([float(r[n] or 0) for r in part], dtype=float) for n in names})
    return out, fact.table


def _load_daily(con, scope: Filters, lo: dt.date, hi: dt.date) -> dict:
    """operator_load per day: handled tickets and calls (see metrics/operations/agent_load.py) and agent-days."""
    parts, params = [], []
    if C.has_rows(con, "ticket_metrics"):
        at = "coalesce(f.first_reply_at, f.first_solved_at, f.solved_at)"
        parts.append(f"SELECT f.agent, {at} AS handled_at, f.team, lower(f.channel) AS channel, f.priority, f.category, "
                     f"f.tags, f.customer_id, f.source FROM {C.agent_relation('ticket_metrics')} f WHERE f.agent IS NOT NULL AND {at} IS NOT NULL")
    if C.has_rows(con, "calls"):
        parts.append("SELECT f.agent, coalesce(f.answered_at, f.queued_at), f.team, 'phone', NULL, NULL, NULL, f.customer_id, "
                     f"f.source FROM {C.agent_relation('calls')} f WHERE f.agent IS NOT NULL AND lower(f.outcome) = 'answered'")
    out = {}
    if not parts:
        return {True: Daily([], {"items": np.array([]), "agent_days": np.array([])}),
                False: Daily([], {"items": np.array([]), "agent_days": np.array([])})}
    dims = {k: k for k in ("team", "agent", "channel", "priority", "category", "source")}
    dims.update({"tag": "tags", "segment": "customer_id"})
    s_clause, s_params = _scope_clause(dims, scope)
    day = clock.day_sql("f.handled_at")
    found = C.rows(con, f"SELECT {day} AS d, {s_clause} AS s, count(*) AS items, count(DISTINCT f.agent) AS agent_days "
                        f"FROM ({' UNION ALL '.join(parts)}) f WHERE f.handled_at >= ? AND f.handled_at < ? "
                        "GROUP BY ALL ORDER BY d", params + s_params + [clock.utc_start(lo), clock.utc_end(hi)])
    for side in (True, False):
        part = [r for r in found if r["s"] == side]
        out[side] = Daily([r["d"] for r in part], {"items": np.array([float(r["items"]) for r in part]),
                                                  "agent_days": np.array([float(r["agent_days"]) for r in part])})
    return out


def _span(con, metric: str) -> tuple[dt.date | None, dt.date | None]:
    if metric == OPERATOR_LOAD:
        spans = [C.span(con, "ticket_metrics", "created_at"), C.span(con, "calls", "queued_at")]
    else:
        fact = FACTS[FORMULAS[metric].fact]
        spans = [C.span(con, fact.table, fact.date_column)]
    spans = [s for s in spans if s[0] is not None]
    if not spans:
        return None, None
    return min(s[0] for s in spans), max(s[1] for s in spans)


# ---------------------------------------------------------------- values and the bootstrap
def _window(daily: Daily, lo: dt.date, hi: dt.date) -> Daily:
    keep = [i for i, d in enumerate(daily.days) if lo <= d <= hi]
    return Daily([daily.days[i] for i in keep], {k: v[keep] for k, v in daily.aggs.items()},
                 {d: daily.values[d] for d in (daily.days[i] for i in keep)} if daily.values else {})


def _value(metric: str, aggs: dict, length: int, values: np.ndarray | None = None):
    """The metric over summed aggregates (count metrics per day of the window)."""
    if metric == OPERATOR_LOAD:
        return C.ratio(aggs.get("items"), aggs.get("agent_days"))
    formula = FORMULAS[metric]
    if formula.kind == "quantile":
        if values is None or not len(values):
            return None
        return float(np.quantile(values, formula.args[1]))  # numpy's default = quantile_cont
    v = evaluate(formula, aggs, {})
    if v is None:
        return None
    return v / length if formula.kind == "count" else float(v)


def _units(metric: str, w: Daily) -> int:
    if metric == OPERATOR_LOAD:
        return int(w.aggs["items"].sum()) if len(w.days) else 0
    formula = FORMULAS[metric]
    if formula.kind == "quantile":
        return int(w.aggs["n"].sum()) if len(w.days) else 0
    name = UNITS.get(metric) or (formula.args[1] if formula.kind in ("ratio", "mean") else formula.args[0])
    return int(w.aggs[name].sum()) if name in w.aggs and len(w.days) else 0


def _point(metric: str, w: Daily, length: int):
    values = np.concatenate([w.values[d] for d in w.days]) if w.values and w.days else None
    return _value(metric, {k: float(v.sum()) for k, v in w.aggs.items()}, length, values)


def _replicates(metric: str, w: Daily, length: int, picks: np.ndarray) -> np.ndarray:
    """The metric on each bootstrap replicate: ``picks`` (R x length) indexes the window's calendar
    days (a day without rows adds nothing)."""
    reps = picks.shape[0]
    if not w.days:
        return np.full(reps, np.nan)
    position = {d: i for i, d in enumerate(w.days)}
    out = np.full(reps, np.nan)
    if w.values:
        arrays = [w.values[d] for d in w.days]
        for r in range(reps):
            chosen = [arrays[position[d]] for d in picks[r] if d in position]
            if chosen:
                out[r] = _value(metric, {}, length, np.concatenate(chosen))
        return out
    names = list(w.aggs)
    matrix = np.stack([w.aggs[n] for n in names], axis=1)  # days x aggs
    index = np.array([[position.get(d, -1) for d in row] for row in picks])
    padded = np.vstack([matrix, np.zeros((1, len(names)))])  # -1 picks the zero row
    sums = padded[index].sum(axis=1)  # R x aggs
    for r in range(reps):
        v = _value(metric, dict(zip(names, sums[r])), length)
        out[r] = np.nan if v is None else v
    return out


def _calendar(lo: dt.date, hi: dt.date) -> list:
    return [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]


# ---------------------------------------------------------------- one initiative
def measure(con, item: Initiative, settings: dict | None = None, as_of: dt.date | None = None) -> dict:
    """The effect of one initiative (see the module docstring); never raises on thin data."""
    s = C.settings_for("initiative_measurement", settings)
    msettings = C.metrics_settings(settings)
    out = {**item.to_dict(), "before": None, "after": None, "change": None, "ci_low": None, "ci_high": None,
           "simple_change": None, "control": None, "method": None, "basis": None, "windows": None,
           "units_before": None, "units_after": None, "verdict": "not_measurable", "reason": None,
           "days_needed": None, "money": None, "notes": []}
    first, last = _span(con, item.metric)
    if first is None:
        out["reason"] = "no data loaded for this metric"
        return C.json_safe(out)
    last = min(last, as_of) if as_of else last
    after_lo = item.start
    after_hi = min(item.end, last) if item.end else last
    if after_hi < after_lo:
        out.update(verdict="too_early", reason=f"no data after the start yet (the data end on {last})",
                   days_needed=int(s["min_days"]))
        return C.json_safe(out)
    length = (after_hi - after_lo).days + 1
    seasonal_lo = after_lo - dt.timedelta(days=SEASON_DAYS)
    if seasonal_lo >= first:
        before_lo, before_hi = seasonal_lo, after_hi - dt.timedelta(days=SEASON_DAYS)
        basis = "same_weeks_last_year"
    else:
        available = (after_lo - first).days
        if available <= 0:
            out["reason"] = f"no data before the start ({item.start}): the data begin on {first}"
            return C.json_safe(out)
        if available < length:  # equal windows: shorten the after window to what the before can match
            out["notes"].append(f"only {available} days of data before the start: both windows are {available} days")
            length = available
            after_hi = after_lo + dt.timedelta(days=length - 1)
        before_lo, before_hi = after_lo - dt.timedelta(days=length), after_lo - dt.timedelta(days=1)
        basis = "days_before"
    out["basis"] = basis
    out["windows"] = {"before": [before_lo, before_hi], "after": [after_lo, after_hi], "days": length}
    scope = item.filters()
    try:
        if item.metric == OPERATOR_LOAD:
            C.agent_names(con, settings)  # one name per agent across tickets and calls (agent_load's rule)
            try:
                daily, unit = _load_daily(con, scope, before_lo, after_hi), "items"
            finally:
                C.drop_agent_names(con)
        else:
            daily, unit = _fact_daily(con, item.metric, scope, before_lo, after_hi, msettings)
    except MissingDimension as exc:
        table = FACTS[FORMULAS[item.metric].fact].table if item.metric in FORMULAS else "rows"
        out["reason"] = f"{table} have no {exc.dim}, so the scope cannot be applied to {item.metric}"
        return C.json_safe(out)
    windows = {(side, which): _window(daily[side], lo, hi) for side in (True, False)
               for which, (lo, hi) in (("before", (before_lo, before_hi)), ("after", (after_lo, after_hi)))}
    points = {k: _point(item.metric, w, length) for k, w in windows.items()}
    units = {k: _units(item.metric, w) for k, w in windows.items()}
    out.update(before=points[(True, "before")], after=points[(True, "after")], units_before=units[(True, "before")],
               units_after=units[(True, "after")], unit=unit)
    if units[(True, "before")] == 0 or points[(True, "before")] is None:
        out["reason"] = "no in-scope data in the before window: the scope matches nothing then"
        return C.json_safe(out)
    if points[(True, "before")] <= 0:
        out["reason"] = (f"the before value is {points[(True, 'before')]:g}: a relative change is undefined; "
                         "choose a metric with a positive baseline")
        return C.json_safe(out)
    min_days, min_units = int(s["min_days"]), int(s["min_units"])
    if length < min_days or units[(True, "after")] < min_units:
        need_days = max(min_days - length, 0)
        if units[(True, "after")] < min_units:
            rate = units[(True, "after")] / length if units[(True, "after")] else 0
            need_days = max(need_days, math.ceil(min_units / rate) - length if rate else min_days)
        out.update(verdict="too_early", days_needed=int(need_days),
                   reason=f"the after window has {length} days and {units[(True, 'after')]} {unit}: at least {min_days} days "
                          f"and {min_units} {unit} are needed")
        if points[(True, "after")] is not None:
            out["simple_change"] = points[(True, "after")] / points[(True, "before")] - 1
        return C.json_safe(out)
    if points[(True, "after")] is None:
        out["reason"] = "the metric has no value in the after window"
        return C.json_safe(out)
    simple = points[(True, "after")] / points[(True, "before")] - 1
    out["simple_change"] = simple
    control_ok = (units[(False, "before")] >= min_units and units[(False, "after")] >= min_units
                  and (points[(False, "before")] or 0) > 0 and (points[(False, "after")] or 0) > 0)
    # the bootstrap: days of each window resampled with replacement, in and out of scope together
    rng = np.random.default_rng(int(s["seed"]))
    reps = int(s["bootstrap"]) if not windows[(True, "after")].values else min(int(s["bootstrap"]), 400)
    cal = {w: np.array(_calendar(lo, hi), dtype=object) for w, (lo, hi) in
           (("before", (before_lo, before_hi)), ("after", (after_lo, after_hi)))}
    picks = {w: cal[w][rng.integers(0, length, size=(reps, length))] for w in cal}
    rep = {k: _replicates(item.metric, windows[k], length, picks[k[1]]) for k in windows
           if k[0] or control_ok}
    additive = _additive(item.metric)
    with np.errstate(divide="ignore", invalid="ignore"):
        if control_ok:
            # what the in-scope metric would have been after without the initiative: its before value
            # moved as the out-of-scope one moved (by points for shares, by a factor otherwise)
            change = _did(points[(True, "before")], points[(True, "after")], points[(False, "before")],
                          points[(False, "after")], additive)
            stats = _did(rep[(True, "before")], rep[(True, "after")], rep[(False, "before")], rep[(False, "after")],
                         additive)
            out["control"] = {"before": points[(False, "before")], "after": points[(False, "after")],
                              "change": points[(False, "after")] / points[(False, "before")] - 1,
                              "units_before": units[(False, "before")], "units_after": units[(False, "after")]}
            out["method"] = "difference_in_differences"
            out["trend_model"] = "additive" if additive else "multiplicative"
            if change is None or not np.isfinite(change):
                out["reason"] = ("the out-of-scope change leaves no positive counterfactual for the in-scope value "
                                 "(the control moved more than the whole baseline)")
                return C.json_safe(out)
        else:
            change, stats = simple, rep[(True, "after")] / rep[(True, "before")] - 1
            out["method"] = "before_after"
            out["notes"].append("no out-of-scope data to compare with: the change is before/after only, so anything "
                                "that moved everything at the same time is in it")
    stats = stats[np.isfinite(stats)]
    out["change"] = change
    if len(stats) < 0.9 * reps:
        out.update(verdict="not_measurable", reason="the interval cannot be computed: too many resampled windows "
                                                   "have no value (a very sparse metric)")
        return C.json_safe(out)
    low, high = (float(v) for v in np.quantile(stats, [0.025, 0.975]))
    out.update(ci_low=low, ci_high=high)
    out.update(_verdict(change, low, high, item.target_change, length))
    out["money"] = _money(con, item, out, settings, length)
    return C.json_safe(out)


def _additive(metric: str) -> bool:
    """Shares move by points (an additive common trend); counts, durations and loads by a factor."""
    from metrics.registry import ALL

    return metric in ALL and ALL[metric].unit == "fraction"


def _did(before_in, after_in, before_out, after_out, additive: bool):
    """Relative effect in scope: after / counterfactual - 1, the counterfactual being the in-scope
    before value moved as the out-of-scope value moved. Works on numbers and numpy arrays; a
    counterfactual at or below 0 gives NaN (None for numbers)."""
    if additive:
        counterfactual = before_in + (after_out - before_out)
    else:
        counterfactual = before_in * (after_out / before_out)
    if isinstance(counterfactual, np.ndarray):
        counterfactual = np.where(counterfactual > 0, counterfactual, np.nan)
        return after_in / counterfactual - 1
    return None if counterfactual <= 0 else after_in / counterfactual - 1


def _verdict(change: float, low: float, high: float, target: float, length: int) -> dict:
    """met / not met / too early, with the days still needed when undecided."""
    down = target < 0
    reached = change <= target if down else change >= target
    real = high < 0 if down else low > 0
    excluded = low > target if down else high < target
    if reached and real:
        return {"verdict": "met", "reason": "the change reached the target and its interval excludes no change"}
    if excluded:
        return {"verdict": "not_met", "reason": "the interval excludes the target: the effect is smaller than hoped"
                                                + ("" if real else " (and may be none at all)")}
    half = (high - low) / 2
    need = abs(change) if reached else abs(change - target)
    days = None
    if half > 0 and need > 1e-9:
        days = max(1, math.ceil(length * (half / need) ** 2) - length)
    return {"verdict": "too_early", "days_needed": days,
            "reason": "the interval is still too wide to tell whether the target is met"
                      + (f": about {days} more days of data are needed" if days else "")}


def _money(con, item: Initiative, out: dict, settings: dict | None, length: int) -> dict | None:
    """Revenue kept a year when the metric is a share of churn-feeding negative experiences."""
    kind = NEGATIVE_SHARES.get(item.metric) or POSITIVE_SHARES.get(item.metric)
    if kind is None:
        return None
    sign = -1.0 if item.metric in POSITIVE_SHARES else 1.0
    before = out["before"] if sign > 0 else 1 - out["before"]
    # negative share after, as the measured (difference-in-differences) change implies
    expected_after = out["before"] * (1 + out["change"])
    after = expected_after if sign > 0 else 1 - expected_after
    per_year = (out["units_after"] or 0) * 365.0 / length
    avoided = (before - after) * per_year
    try:
        from metrics import churn

        analysis = churn.analyse(con, settings)
    except Exception as exc:  # the money effect is a bonus: never sink the verdict
        return {"available": False, "kind": kind, "negatives_avoided_per_year": avoided,
                "message": f"churn analysis failed: {type(exc).__name__}: {exc}"}
    est = analysis.estimate if analysis.available else None
    if est is None or est.excess.estimate is None:
        return {"available": False, "kind": kind, "negatives_avoided_per_year": avoided,
                "message": analysis.message or "the churn analysis has no measured excess churn"}
    money = analysis.money or {}
    monthly = money.get("exposed_churned_mean_monthly_revenue") or money.get("arpu_monthly")
    horizon = money.get("horizon_months") or C.churn_settings(settings).get("horizon_months", 12)
    excess = max(float(est.excess.estimate), 0.0)
    kept = avoided * excess
    # a change the wrong way (more negative experiences) loses customers: "kept" is then negative, and
    # ``direction`` says "lost" so that no page reads "-100 customers kept"
    return {"available": monthly is not None, "kind": kind, "negatives_avoided_per_year": avoided,
            "direction": "kept" if kept >= 0 else "lost",
            "excess_churn": excess, "customers_kept_per_year": kept, "monthly_revenue": monthly,
            "horizon_months": horizon, "currency": analysis.currency,
            "revenue_kept": kept * monthly * horizon if monthly is not None else None,
            "assumption": "one negative experience avoided = one customer less exposed (an upper bound when customers "
                          "have several)"}


# ---------------------------------------------------------------- the register, measured
def analyse(con, filters: Filters | None = None, settings: dict | None = None, as_of: dt.date | None = None,
            since: dt.date | None = None) -> dict:
    """Every initiative in the settings, measured. ``filters`` do not apply (each initiative has its
    own scope and windows); ``since`` keeps initiatives that started on or after it (the audit's
    last 12 months)."""
    items, problems = register(settings)
    out = C.result(initiatives=[], problems=problems, counts={v: 0 for v in VERDICTS})
    if filters is not None and (filters.active_dimensions() or filters.date_from or filters.date_to):
        out["notes"].append("the filters do not apply: each initiative is measured on its own scope and windows")
    if not items:
        out["available"] = False
        out["message"] = ("no initiatives registered: add [[initiatives]] tables to the settings file "
                          "(or use the Settings page)") if not problems else "every initiative has a problem: see problems"
        return C.json_safe(out)
    for item in items:
        if since and item.start < since:
            continue
        result = measure(con, item, settings, as_of)
        out["initiatives"].append(result)
        out["counts"][result["verdict"]] += 1
    return C.json_safe(out)
