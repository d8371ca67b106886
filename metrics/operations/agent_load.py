"""Agent load and burnout signals: tickets and calls handled per agent per day, after-hours work,
the weekly load trend, load concentration and the share of agents at the CSAT target.

Definitions (docs/metrics.md, "Agent load"):

* a *handled item* is a ticket with an assignee, on the local day of its first public reply (or,
  solved without a reply, of its first solve), or an answered call with an agent, on the day it
  was answered. The date filter applies to that day (the handling), not to the creation;
* an *agent* is one name across tickets, calls and surveys: names differing only in case are one,
  and ``[agent_load.aliases]`` joins a phone system's "mark" to the helpdesk's "Mark Evans"
  (``common.agent_names``; a note says when tickets and calls share no agent name);
* an *agent-day* is a day on which the agent handled at least one item; the load is items per
  agent-day (``operator_load``): it follows the work, not a rota the exports do not hold;
* *after hours*: handled outside the default business-hours schedule (``[business_hours]`` as the
  ``schedules`` table holds it: weekly local intervals in its zone, holidays as whole local days);
* *concentration*: the share of all items handled by the busiest ``top_share`` (20%) of agents,
  rounded up to whole agents;
* *at the CSAT target*: agents with at least ``csat_min_responses`` rated CSAT responses whose
  CSAT (the engine's definition) is at or above ``csat_target`` (90%, a common bonus rule);
* *burnout signals*, per agent, over the last four weeks of the period: load at least
  ``overload_ratio`` (1.25) times the median agent's; after-hours share at or above both
  ``after_hours_warning`` (20%) and 1.5 times the median agent's; load up by 20% or more on the four
  weeks before.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import statistics

from metrics import clock
from metrics import satisfaction as sat
from metrics.filters import Filters, MissingDimension
from metrics.operations import common as C

TICKET_AT = "coalesce(f.first_reply_at, f.first_solved_at, f.solved_at)"
CALL_AT = "coalesce(f.answered_at, f.queued_at)"
SURVEY_DIMS = {"team": "team", "agent": "agent", "channel": "channel", "priority": "priority", "category": "category",
               "tag": "tags", "segment": "customer_id", "source": "source"}
RISING = 0.20
MIN_BEFORE_DAYS = 5


def items_sql(con, filters: Filters, notes: list[str]) -> tuple[str, list]:
    """SELECT agent, team, at, kind over handled tickets and calls (filters applied to the handling time),
    each agent under one name (``common.agent_names`` made the table)."""
    parts, params = [], []
    if C.has_rows(con, "ticket_metrics"):
        where, p = C.where(filters, {k: f"f.{v}" for k, v in C.TICKET_DIMS.items()}, TICKET_AT)
        parts.append(f"SELECT f.agent, f.team, {TICKET_AT} AS at, 'ticket' AS kind FROM {C.agent_relation('ticket_metrics')} f "
                     f"WHERE f.agent IS NOT NULL AND {TICKET_AT} IS NOT NULL AND ({where})")
        params += p
    if C.has_rows(con, "calls"):
        try:
            where, p = C.where(filters, {k: f"f.{v}" for k, v in C.CALL_DIMS.items()}, CALL_AT)
            parts.append(f"SELECT f.agent, f.team, {CALL_AT} AS at, 'call' AS kind FROM {C.agent_relation('calls')} f "
                         f"WHERE f.agent IS NOT NULL AND lower(f.outcome) = 'answered' AND ({where})")
            params += p
        except MissingDimension as exc:
            notes.append(C.missing_note("calls", exc.dim) + " (the load counts tickets only)")
    if not parts:
        return "", []
    return " UNION ALL ".join(parts), params


def _in_hours_sql(con) -> str | None:
    """SQL of whether a handled item (``i.at``, UTC) fell inside the default schedule's business hours:
    its weekly local intervals (``schedules``, minutes from Sunday 00:00 in the schedule's zone, the
    version valid then) on a local day that is not a holiday (``schedule_holidays``). None without a
    default schedule."""
    if not C.has_rows(con, "schedules") or not con.execute(
            "SELECT count(*) FROM schedules WHERE schedule_id = 'default'").fetchall()[0][0]:
        return None
    local = "timezone(s.time_zone, timezone('UTC', i.at))"
    holidays = ("AND NOT EXISTS (SELECT 1 FROM schedule_holidays h WHERE h.schedule_id = s.schedule_id "
                f"AND h.holiday_date = CAST({local} AS DATE))") if C.table_exists(con, "schedule_holidays") else ""
    return (f"EXISTS (SELECT 1 FROM schedules s WHERE s.schedule_id = 'default' "
            f"AND (s.valid_from IS NULL OR i.at >= s.valid_from) AND (s.valid_until IS NULL OR i.at < s.valid_until) "
            f"AND dayofweek({local}) * 1440 + hour({local}) * 60 + minute({local}) >= s.start_minute "
            f"AND dayofweek({local}) * 1440 + hour({local}) * 60 + minute({local}) < s.end_minute {holidays})")


def analyse(con, filters: Filters | None = None, settings: dict | None = None, grain: str = "week") -> dict:
    filters = filters or Filters()
    s = C.settings_for("agent_load", settings)
    notes: list[str] = C.agent_names(con, settings)
    filters = C.agent_filters(con, filters)
    source, params = items_sql(con, filters, notes)
    if not source:
        C.drop_agent_names(con)
        return C.unavailable("no tickets or calls loaded")
    day = clock.day_sql("i.at")
    in_hours = _in_hours_sql(con)
    con.execute("CREATE OR REPLACE TEMP TABLE _ops_items AS SELECT i.agent, any_value(i.team) OVER (PARTITION BY i.agent) AS team, "
                f"i.at, i.kind, {day} AS day, {in_hours or 'NULL::BOOLEAN'} AS in_hours FROM ({source}) i", params)
    try:
        return C.json_safe(_figures(con, filters, s, settings, notes, grain, in_hours is not None))
    finally:
        con.execute("DROP TABLE IF EXISTS _ops_items")
        C.drop_agent_names(con)


def _figures(con, filters, s, settings, notes, grain, judged_hours) -> dict:
    totals = C.rows(con, "SELECT count(*) AS items, count(*) FILTER (WHERE kind = 'ticket') AS tickets, "
                         "count(*) FILTER (WHERE kind = 'call') AS calls, count(DISTINCT (agent, day)) AS agent_days, "
                         "count(DISTINCT agent) AS agents, count(in_hours) AS judged, "
                         "count(*) FILTER (WHERE in_hours = false) AS after_hours, min(day) AS first, max(day) AS last "
                         "FROM _ops_items")[0]
    out = C.result(items=int(totals["items"]), tickets=int(totals["tickets"]), calls=int(totals["calls"]),
                   agents=int(totals["agents"]), agent_days=int(totals["agent_days"]), first_day=totals["first"],
                   last_day=totals["last"], operator_load=C.ratio(totals["items"], totals["agent_days"]),
                   after_hours_share=None, load_top_share=None, top_share=float(s["top_share"]), top_agents=None,
                   csat_target=float(s["csat_target"]), csat_min_responses=int(s["csat_min_responses"]),
                   agents_at_csat_target_share=None, agents_judged_on_csat=0, trend=[],
                   signals=[], grain=grain)
    out["notes"] += notes
    if not totals["items"]:
        out["not_measurable"]["operator_load"] = "no handled tickets or calls with an agent in this period"
        return out
    if judged_hours and totals["judged"]:
        out["after_hours_share"] = C.ratio(int(totals["after_hours"]), int(totals["judged"]))
    else:
        out["not_measurable"]["after_hours_share"] = ("no default business-hours schedule in the database (it is written "
                                                      "from [business_hours] when tickets are loaded)")
    per_agent = C.rows(con, """
        SELECT agent, any_value(team) AS team, count(*) AS items, count(*) FILTER (WHERE kind = 'ticket') AS tickets,
               count(*) FILTER (WHERE kind = 'call') AS calls, count(DISTINCT day) AS days,
               count(in_hours) AS judged, count(*) FILTER (WHERE in_hours = false) AS after_hours,
               count(DISTINCT day) FILTER (WHERE isodow(day) >= 6) AS weekend_days
        FROM _ops_items GROUP BY agent ORDER BY items DESC, agent""")
    # the last four weeks of the period and the four before: the burnout signals' windows. The four
    # weeks before are read whatever the period's start (a 30-day period holds only two days of
    # them, and a weekend's two days made every agent's load "rising"); the other filters apply.
    last = totals["last"]
    recent_from, before_from = last - dt.timedelta(days=27), last - dt.timedelta(days=55)
    wide, wide_params = items_sql(con, dataclasses.replace(filters, date_from=before_from, date_to=last), [])
    day = clock.day_sql("i.at")
    windows = {r["agent"]: r for r in C.rows(con, f"""
        WITH w AS (SELECT i.agent, {day} AS day FROM ({wide}) i)
        SELECT agent, count(*) FILTER (WHERE day >= ?) AS recent_items, count(DISTINCT day) FILTER (WHERE day >= ?) AS recent_days,
               count(*) FILTER (WHERE day >= ? AND day < ?) AS before_items,
               count(DISTINCT day) FILTER (WHERE day >= ? AND day < ?) AS before_days
        FROM w WHERE day BETWEEN ? AND ? GROUP BY agent""",
        [*wide_params, recent_from, recent_from, before_from, recent_from, before_from, recent_from, before_from, last])}
    csat = _agent_csat(con, filters, settings)
    if isinstance(csat, str):
        out["not_measurable"]["agents_at_csat_target_share"] = csat
        csat = {}
    agents = []
    for r in per_agent:
        w = windows.get(r["agent"], {})
        recent = C.ratio(w.get("recent_items"), w.get("recent_days"))
        # "rising" needs a week's worth of handling days before: a load over two days says nothing
        before = C.ratio(w.get("before_items"), w.get("before_days")) if (w.get("before_days") or 0) >= MIN_BEFORE_DAYS else None
        c = csat.get(r["agent"]) or {}
        agents.append({"agent": r["agent"], "team": r["team"], "items": int(r["items"]), "tickets": int(r["tickets"]),
                       "calls": int(r["calls"]), "days": int(r["days"]), "load": C.ratio(r["items"], r["days"]),
                       "recent_load": recent, "previous_load": before,
                       "after_hours_share": C.ratio(int(r["after_hours"]), int(r["judged"])) if r["judged"] else None,
                       "weekend_days": int(r["weekend_days"]), "csat": c.get("csat"), "csat_responses": c.get("n", 0),
                       "signals": []})
    total = sum(a["items"] for a in agents)
    k = max(1, math.ceil(float(s["top_share"]) * len(agents) - 1e-9))
    out["top_agents"] = k
    out["load_top_share"] = C.ratio(sum(a["items"] for a in agents[:k]), total)
    recent_loads = [a["recent_load"] for a in agents if a["recent_load"] is not None]
    median_recent = statistics.median(recent_loads) if recent_loads else None
    out["median_recent_load"] = median_recent
    shares = [a["after_hours_share"] for a in agents if a["after_hours_share"] is not None]
    # an agent stands out when working after hours more than the warning AND half as much again as the
    # median agent: when everyone works evenings, the overall share says so, not 60 identical flags
    late_bar = max(float(s["after_hours_warning"]), 1.5 * statistics.median(shares)) if shares else None
    out["after_hours_bar"] = late_bar
    for a in agents:
        if median_recent and a["recent_load"] is not None and a["recent_load"] >= float(s["overload_ratio"]) * median_recent:
            a["signals"].append("overload")
        if a["after_hours_share"] is not None and late_bar is not None and a["after_hours_share"] >= late_bar:
            a["signals"].append("after_hours")
        if a["recent_load"] is not None and a["previous_load"] and a["recent_load"] >= (1 + RISING) * a["previous_load"]:
            a["signals"].append("rising")
    out["signals"] = [{"agent": a["agent"], "team": a["team"], "signals": a["signals"]} for a in agents if a["signals"]]
    judged = [a for a in agents if a["csat"] is not None and a["csat_responses"] >= int(s["csat_min_responses"])]
    out["agents_judged_on_csat"] = len(judged)
    if judged:
        at = sum(1 for a in judged if a["csat"] >= float(s["csat_target"]) - 1e-12)
        out["agents_at_csat_target"] = at
        out["agents_at_csat_target_share"] = at / len(judged)
    elif "agents_at_csat_target_share" not in out["not_measurable"]:
        out["not_measurable"]["agents_at_csat_target_share"] = (
            f"no agent has {int(s['csat_min_responses'])} or more rated CSAT responses in this period "
            "(agent/agent_load.csat_min_responses)")
    out["agent_rows"] = agents
    out["trend"] = [{"period": r["period"], "items": int(r["items"]), "agent_days": int(r["agent_days"]),
                     "agents": int(r["agents"]), "load": C.ratio(r["items"], r["agent_days"])}
                    for r in C.rows(con, "SELECT date_trunc(?, day)::DATE AS period, count(*) AS items, "
                                         "count(DISTINCT (agent, day)) AS agent_days, count(DISTINCT agent) AS agents "
                                         "FROM _ops_items GROUP BY ALL ORDER BY period", [grain])]
    return out


def _agent_csat(con, filters: Filters, settings: dict | None) -> dict | str:
    """{agent: {"csat", "n"}} over rated CSAT responses in the period, or why it cannot be measured."""
    if not C.has_rows(con, "surveys"):
        return "no survey responses loaded"
    try:
        where, params = C.where(filters, {k: f"f.{v}" for k, v in SURVEY_DIMS.items()}, "f.responded_at")
    except MissingDimension as exc:
        return C.missing_note("surveys", exc.dim)
    satisfied_min = float(C.metrics_settings(settings).get("csat_satisfied_min", 4))
    found = C.rows(con, f"SELECT f.agent, count(*) AS n, count(*) FILTER (WHERE {sat.SATISFIED}) AS satisfied "
                        f"FROM {C.agent_relation(sat.survey_relation(con))} f WHERE {sat.IS_CSAT} AND f.agent IS NOT NULL AND ({where}) "
                        "GROUP BY ALL", [satisfied_min] + params)
    if not found:
        return "no rated CSAT response names an agent in this period"
    return {r["agent"]: {"n": int(r["n"]), "csat": C.ratio(int(r["satisfied"]), int(r["n"]))} for r in found}
