"""The rows behind one number: exactly the rows a card counts, for its filter state.

A count (tickets, backlog, calls abandoned) lists the rows it counts; a rate lists its
denominator and says which of them are the numerator (a breach rate lists SLA *targets*, one row
per completed target of a ticket, since that is what the rate divides); a median or mean lists
the rows it is taken over. ``rows(con, filters, metric_id)`` returns the first ``limit`` rows,
their total (equal to the number on the card for counts and to the denominator for rates) and the
numerator, all under the same definitions as metrics/service.py, calls.py and satisfaction.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from loaders.store import fetch_frame
from metrics import calls as calls_mod
from metrics import engine, satisfaction, service
from metrics.facts import group_source, table_exists
from metrics.filters import Filters, MissingDimension

TARGETS = ("first_reply", "next_reply", "resolution")
REPLY_NEEDED = f"({service.REPLIED} OR ({service.OPEN} AND f.first_reply_at IS NULL))"
_SHORT = lambda s: [float(s.get("short_abandon_seconds", 5))]  # noqa: E731


@dataclass(frozen=True)
class Rows:
    kind: str                      # tickets | calls | surveys | sla_targets
    population: str | None         # an engine.DRILLS name, or SQL over alias f
    numerator: str | None = None   # SQL over alias f: which rows are the rate's numerator
    num_params: object = None      # settings -> params of the numerator
    pop_params: object = None      # settings -> params of a population written here (not an engine.DRILLS name)
    order: str | None = None       # ORDER BY (default: newest first)
    targets: tuple = ()            # sla_targets: which targets


def _sat(s):
    return [float(s.get("csat_satisfied_min", 4))]


METRIC_ROWS: dict[str, Rows] = {
    "tickets": Rows("tickets", None),
    "backlog": Rows("tickets", "backlog"),
    "backlog_age_median_hours": Rows("tickets", "backlog"),
    **{m: Rows("tickets", service.REPLIED, order="f.first_reply_calendar_minutes DESC")
       for m in ("frt_median_minutes", "frt_p90_minutes", "frt_mean_minutes")},
    **{m: Rows("tickets", "f.first_reply_business_minutes >= 0", order="f.first_reply_business_minutes DESC")
       for m in ("frt_business_median_minutes", "frt_business_p90_minutes")},
    "replied_within_1h": Rows("tickets", REPLY_NEEDED, f"{service.REPLIED} AND f.first_reply_calendar_minutes <= ?",
                              lambda s: [float(service._targets(s)[0])]),
    "replied_within_12h": Rows("tickets", REPLY_NEEDED, f"{service.REPLIED} AND f.first_reply_calendar_minutes <= ?",
                               lambda s: [float(service._targets(s)[1])]),
    **{m: Rows("tickets", f"{service.NOT_OPEN} AND f.full_resolution_calendar_minutes >= 0",
               order="f.full_resolution_calendar_minutes DESC")
       for m in ("resolution_median_minutes", "resolution_p90_minutes")},
    "resolution_business_median_minutes": Rows("tickets", f"{service.NOT_OPEN} AND f.full_resolution_business_minutes >= 0",
                                               order="f.full_resolution_business_minutes DESC"),
    "sla_breach_rate": Rows("sla_targets", None, "status = 'breached'", targets=TARGETS),
    **{f"sla_{t}_breach_rate": Rows("sla_targets", None, "status = 'breached'", targets=(t,)) for t in TARGETS},
    "sla_active_breaches": Rows("tickets", "sla_active_breach"),
    "reopen_rate": Rows("tickets", f"{service.SOLVED_EVER} AND f.reopens IS NOT NULL", "f.reopens > 0"),
    "one_touch_rate": Rows("tickets", "f.one_touch IS NOT NULL", "f.one_touch"),
    "repeat_contact_rate": Rows("tickets", "f.repeat_contact IS NOT NULL", "f.repeat_contact"),
    "replies_per_ticket": Rows("tickets", f"{service.NOT_OPEN} AND f.agent_replies IS NOT NULL"),
    "csat": Rows("surveys", "csat", satisfaction.SATISFIED, _sat),
    "csat_responses": Rows("surveys", "csat"),
    "nps": Rows("surveys", "nps", satisfaction.PROMOTER),
    "nps_responses": Rows("surveys", "nps"),
    "ces": Rows("surveys", "ces"),
    "ces_responses": Rows("surveys", "ces"),
    "calls_offered": Rows("calls", f"NOT coalesce({calls_mod.SHORT}, false)", pop_params=_SHORT),
    "calls_answered": Rows("calls", "answered"),
    "calls_abandoned": Rows("calls", "abandoned"),
    "short_abandons": Rows("calls", "short_abandon"),
    "answer_rate": Rows("calls", f"NOT coalesce({calls_mod.SHORT}, false)", calls_mod.ANSWERED, pop_params=_SHORT),
    "abandonment_rate": Rows("calls", f"NOT coalesce({calls_mod.SHORT}, false)",
                             f"{calls_mod.ABANDON_LIKE} AND NOT coalesce({calls_mod.WAIT} < ?, false)", _SHORT, _SHORT),
    "asa_seconds": Rows("calls", f"{calls_mod.ANSWERED} AND {calls_mod.WAIT} IS NOT NULL"),
    "service_level": Rows("calls", calls_mod.SL_JUDGEABLE, f"{calls_mod.ANSWERED} AND {calls_mod.WAIT} <= ?",
                          lambda s: [float(s.get("service_level_seconds", 20))], _SHORT),
    "aht_seconds": Rows("calls", f"{calls_mod.ANSWERED} AND f.talk_seconds IS NOT NULL"),
    "fcr_rate": Rows("calls", f"{calls_mod.ANSWERED} AND f.resolved IS NOT NULL", "f.resolved"),
}


def supported(metric_id: str) -> bool:
    return metric_id in METRIC_ROWS


def _predicate(spec: Rows, settings: dict, filters: Filters) -> tuple[str, list, bool]:
    """(population SQL, its params, whether the date filter applies)."""
    if spec.population is None:
        return "TRUE", [], True
    if spec.population == "backlog":
        end = service.period_end(filters)
        if end is None:
            return service.OPEN, [], False
        return f"f.created_at < ? AND ({service.OPEN} OR f.solved_at >= ?)", [end, end], False
    if spec.population in engine.DRILLS:
        d = engine.DRILLS[spec.population]
        return d.sql, (d.params(settings) if d.params else []), True
    return spec.population, (spec.pop_params(settings) if spec.pop_params else []), True


def _targets_sql(source: str, targets: tuple) -> str:
    parts = [f"SELECT f.source, f.source_id, f.created_at, f.priority, f.team, f.agent, f.sla_policy, "
             f"'{t}' AS sla_target, f.sla_{t}_target_minutes AS target_minutes, "
             f"f.sla_{t}_elapsed_minutes AS elapsed_minutes, f.sla_{t}_status AS status {source}" for t in targets]
    return "SELECT * FROM (" + " UNION ALL ".join(parts) + ") WHERE status IN ('achieved', 'breached')"


def rows(con, filters: Filters | None, metric_id: str, limit: int = 1000) -> dict:
    """{"frame", "total", "numerator", "kind"} for the card of ``metric_id`` (see the module doc);
    an empty frame and total 0 when the table is missing or a filter names a dimension it lacks."""
    settings = engine._settings()
    filters = filters or Filters()
    spec = METRIC_ROWS[metric_id]
    fact = service.TICKETS if spec.kind in ("tickets", "sla_targets") else engine.KIND_FACTS[spec.kind]
    empty = {"frame": pl.DataFrame(), "total": 0, "numerator": None, "kind": spec.kind}
    if not table_exists(con, fact.table):
        return empty
    population, pop_params, dates = _predicate(spec, settings, filters)
    num_params = spec.num_params(settings) if spec.num_params else []
    try:
        source, params, _ = group_source(fact, con, None, filters, extra_where=population, extra_params=pop_params,
                                         dates=dates)
    except MissingDimension:
        return empty
    if spec.kind == "sla_targets":
        base = _targets_sql(source, spec.targets)
        base_params = params * len(spec.targets)
        total, numerator = con.execute(f"SELECT count(*), count(*) FILTER (WHERE {spec.numerator}) FROM ({base})",
                                       base_params).fetchall()[0]
        frame = fetch_frame(con, f"SELECT *, status = 'breached' AS in_numerator FROM ({base}) "
                                 "ORDER BY created_at DESC, source_id, sla_target LIMIT ?", base_params + [int(limit)])
        return {"frame": frame, "total": int(total), "numerator": int(numerator), "kind": spec.kind}
    numerator_sql = f"coalesce(({spec.numerator}), false)" if spec.numerator else None
    counts = con.execute(f"SELECT count(*){', count(*) FILTER (WHERE ' + numerator_sql + ')' if numerator_sql else ''} "
                         f"{source}", (num_params if numerator_sql else []) + params).fetchall()[0]
    select = "f.*" + (f", {numerator_sql} AS in_numerator" if numerator_sql else "")
    order = spec.order or f"f.{fact.date_column} DESC"
    frame = fetch_frame(con, f"SELECT {select} {source} ORDER BY {order} NULLS LAST, f.source_id LIMIT ?",
                        (num_params if numerator_sql else []) + params + [int(limit)])
    return {"frame": frame, "total": int(counts[0]), "numerator": int(counts[1]) if numerator_sql else None,
            "kind": spec.kind}
