"""Escalation after failed fixes: tickets reopened at least N times (``[escalation] failed_fixes``,
default 2: "escalate to an expert after two failed fixes") that were never moved to another group or
tier, against those that were, the time to escalation, and churn among their customers.

* a *failed fix* is a reopen after a solve (``ticket_metrics.reopens``);
* *escalated* = the ticket moved to another group: a ``group_change`` event whose previous group is
  known and differs (event exports: Fivetran Zendesk, Zendesk JSON with audits), or
  ``tickets.group_stations`` >= 2 (Zendesk CSV's "Group stations"). A source whose tickets carry
  neither has *no group history*: its tickets are counted as "cannot tell", never as not escalated;
* *time to escalation* = creation → the first group change, hours (event tickets only);
* *churn*: customers with at least one failed-fix ticket that was not escalated, customers whose
  failed-fix tickets were all escalated, and customers with tickets but none with N failed fixes;
  churned / customers with a Wilson 95% interval. An association, not the effect of escalating.
"""
from __future__ import annotations

from metrics.filters import Filters, MissingDimension
from metrics.operations import common as C

GROUPS = ("not_escalated", "escalated", "no_failed_fixes")


def _ticket_facts(con) -> str:
    """One row per ticket: reopens, whether its source records group moves, escalated, first move."""
    has_stations = C.table_exists(con, "tickets") and "group_stations" in C.columns(con, "tickets")
    stations = ("LEFT JOIN (SELECT source, source_id, group_stations FROM tickets) t "
                "ON t.source = f.source AND t.source_id = f.source_id") if has_stations else ""
    st = "t.group_stations" if has_stations else "NULL::INTEGER"
    if C.has_rows(con, "ticket_events"):
        moves = ("LEFT JOIN (SELECT source, ticket_id, min(event_at) AS first_move, count(*) AS moves FROM ticket_events "
                 "WHERE event_type = 'group_change' AND previous_value IS NOT NULL AND value IS DISTINCT FROM previous_value "
                 "GROUP BY ALL) m ON m.source = f.source AND m.ticket_id = f.source_id")
        history = ("LEFT JOIN (SELECT DISTINCT source FROM ticket_events WHERE event_type = 'group_change') h "
                   "ON h.source = f.source")
        first_move, moved, has_history = "m.first_move", "coalesce(m.moves, 0) > 0", "h.source IS NOT NULL"
    else:
        moves = history = ""
        first_move, moved, has_history = "NULL::TIMESTAMP", "false", "false"
    station_sources = (f"LEFT JOIN (SELECT DISTINCT source FROM tickets WHERE group_stations IS NOT NULL) hs "
                       f"ON hs.source = f.source") if has_stations else ""
    has_stations_history = "hs.source IS NOT NULL" if has_stations else "false"
    return (f"(SELECT f.*, ({has_history}) OR ({has_stations_history}) AS group_history, "
            f"({moved}) OR coalesce({st} >= 2, false) AS escalated, {first_move} AS first_move "
            f"FROM ticket_metrics f {stations} {moves} {history} {station_sources})")


def analyse(con, filters: Filters | None = None, settings: dict | None = None) -> dict:
    filters = filters or Filters()
    n = int(C.settings_for("escalation", settings)["failed_fixes"])
    if not C.has_rows(con, "ticket_metrics"):
        return C.unavailable("no tickets loaded", failed_fixes=n)
    try:
        where, params = C.ticket_where(filters)
    except MissingDimension as exc:  # tickets have every dimension
        return C.unavailable(C.missing_note("tickets", exc.dim), failed_fixes=n)
    facts = _ticket_facts(con)
    failed = "coalesce(f.reopens, 0) >= ?"
    r = C.rows(con, f"""
        SELECT count(*) AS tickets, count(f.reopens) AS with_reopens,
               count(*) FILTER (WHERE {failed}) AS failed_fix,
               count(*) FILTER (WHERE {failed} AND f.group_history AND f.escalated) AS escalated,
               count(*) FILTER (WHERE {failed} AND f.group_history AND NOT f.escalated) AS not_escalated,
               count(*) FILTER (WHERE {failed} AND NOT f.group_history) AS cannot_tell,
               count(*) FILTER (WHERE f.reopens = 1) AS one_failed_fix,
               quantile_cont(epoch(f.first_move - f.created_at) / 3600.0, [0.5, 0.9])
                   FILTER (WHERE {failed} AND f.first_move >= f.created_at) AS move_hours,
               count(*) FILTER (WHERE {failed} AND f.first_move >= f.created_at) AS timed
        FROM {facts} f WHERE {where}""", [n] * 6 + params)[0]
    judged = int(r["escalated"]) + int(r["not_escalated"])
    out = C.result(failed_fixes=n, tickets=int(r["tickets"]), failed_fix_tickets=int(r["failed_fix"]),
                   one_failed_fix_tickets=int(r["one_failed_fix"]),
                   failed_fix_rate=C.ratio(int(r["failed_fix"]), int(r["with_reopens"])),
                   escalated=int(r["escalated"]), not_escalated=int(r["not_escalated"]), cannot_tell=int(r["cannot_tell"]),
                   unescalated_share=C.ratio(int(r["not_escalated"]), judged),
                   unescalated_share_ci=C.wilson(int(r["not_escalated"]), judged),
                   time_to_escalation_median_hours=None, time_to_escalation_p90_hours=None,
                   time_to_escalation_tickets=int(r["timed"]), by_team=[], churn=None)
    if not r["with_reopens"]:
        out["not_measurable"]["failed_fix_tickets"] = "the export records no reopens (no reopen count, no status history)"
    if int(r["cannot_tell"]) and not judged:
        out["not_measurable"]["unescalated_share"] = (
            "the export holds no group history (no group-change events and no "
            "'Group stations' column), so a move to another group cannot be seen")
    elif int(r["cannot_tell"]):
        out["notes"].append(f"{int(r['cannot_tell']):,} failed-fix tickets come from sources without a group history: "
                            "left out of the escalated / not escalated split")
    if r["move_hours"] and r["timed"]:
        out["time_to_escalation_median_hours"], out["time_to_escalation_p90_hours"] = r["move_hours"]
    elif judged:
        out["not_measurable"]["time_to_escalation_median_hours"] = (
            "the group moves carry no time (only a count such as 'Group stations'; "
            "an export with ticket events has them)")
    out["by_team"] = [{"team": t["team"], "failed_fix": int(t["failed_fix"]), "escalated": int(t["escalated"]),
                       "not_escalated": int(t["not_escalated"]),
                       "unescalated_share": C.ratio(int(t["not_escalated"]), int(t["escalated"]) + int(t["not_escalated"]))}
                      for t in C.rows(con, f"""
        SELECT f.team, count(*) AS failed_fix, count(*) FILTER (WHERE f.group_history AND f.escalated) AS escalated,
               count(*) FILTER (WHERE f.group_history AND NOT f.escalated) AS not_escalated
        FROM {facts} f WHERE {failed} AND {where} GROUP BY ALL ORDER BY not_escalated DESC, failed_fix DESC, team""",
                                      [n] + params)]
    usable, why = C.customers_usable(con)
    if not usable:
        out["not_measurable"]["churn"] = why
    else:
        relation = (f"(SELECT f.customer_id, CASE WHEN bool_or({failed} AND f.group_history AND NOT f.escalated) "
                    f"THEN 'not_escalated' WHEN bool_or({failed} AND f.group_history) THEN 'escalated' "
                    f"WHEN bool_or({failed}) THEN NULL ELSE 'no_failed_fixes' END AS grp "
                    f"FROM {facts} f WHERE f.customer_id IS NOT NULL AND {where} GROUP BY f.customer_id)")
        out["churn"] = C.churn_by_group(con, f"(SELECT * FROM {relation} WHERE grp IS NOT NULL)", [n, n, n] + params,
                                        list(GROUPS))
    return C.json_safe(out)
