"""First reply within a target per channel, and tickets still unanswered after 24 hours.

Targets are settings (``[reply_targets]``): calendar minutes per ticket channel
(``[reply_targets.minutes]``, defaults chat 5, email 1440) and, for the phone, calls answered within
``phone_answer_seconds`` (20). Calendar time: the customer waits by the clock, not by the rota.

Per ticket channel with a target T, over tickets created in the period:

* *decided* = tickets with a first public agent reply, plus open tickets without one that are
  already older than T at the export's "now" (``ticket_metrics_info.as_of`` of their source);
* *within* = replied within T (first_reply_calendar_minutes <= T);
* *pending* = open, unreplied and younger than T: not yet decided, left out of the rate;
* rate = within / decided. Tickets solved without any reply did not need one and are left out.

Phone: inbound calls offered (short abandons excluded) answered within the seconds target, over the
offered calls whose wait is known (the service-level population of metrics/calls.py).

Still unanswered after H hours (``unanswered_hours``, 24): tickets that needed a reply and either got
it later than H hours or are open without one and older than H hours; over the tickets decided at H
(replied, or open and unreplied for more than H hours). Its trend is by creation period.
"""
from __future__ import annotations

from metrics import calls as calls_mod
from metrics import clock
from metrics.filters import Filters, MissingDimension
from metrics.operations import common as C

REPLIED = "f.first_reply_calendar_minutes >= 0"
OPEN_UNREPLIED = "(f.is_open IS TRUE AND f.first_reply_at IS NULL)"
AGE_MINUTES = "epoch(coalesce(n.as_of, f.created_at) - f.created_at) / 60.0"


def _ticket_source(con) -> str:
    """ticket_metrics with each row's as_of (the source's 'now')."""
    if C.table_exists(con, "ticket_metrics_info"):
        return f"ticket_metrics f LEFT JOIN {C.as_of_sql()} n ON n.source = f.source"
    return ("ticket_metrics f LEFT JOIN (SELECT source, max(greatest(created_at, solved_at, first_reply_at)) AS as_of "
            "FROM ticket_metrics GROUP BY source) n ON n.source = f.source")


def _targets_relation(targets: dict[str, float]) -> tuple[str, list]:
    """The targets as a relation (channel, target) with bound values."""
    if not targets:
        return "(SELECT NULL::VARCHAR AS channel, NULL::DOUBLE AS target WHERE false)", []
    marks = ", ".join("(?, ?)" for _ in targets)
    params = [v for k, t in targets.items() for v in (k, float(t))]
    return f"(SELECT * FROM (VALUES {marks}) t(channel, target))", params


def _channel_rows(con, filters: Filters, targets: dict[str, float]) -> list[dict]:
    where, params = C.ticket_where(filters)
    relation, tparams = _targets_relation(targets)
    found = C.rows(con, f"""
        SELECT lower(f.channel) AS channel, any_value(t.target) AS target, count(*) AS tickets,
               count(*) FILTER (WHERE {REPLIED} OR {OPEN_UNREPLIED}) AS needing_reply,
               median(f.first_reply_calendar_minutes) FILTER (WHERE {REPLIED}) AS median_minutes,
               count(*) FILTER (WHERE {REPLIED} OR ({OPEN_UNREPLIED} AND {AGE_MINUTES} >= t.target)) AS decided,
               count(*) FILTER (WHERE {REPLIED} AND f.first_reply_calendar_minutes <= t.target) AS within,
               count(*) FILTER (WHERE {OPEN_UNREPLIED} AND {AGE_MINUTES} < t.target) AS pending
        FROM {_ticket_source(con)} LEFT JOIN {relation} t ON t.channel = lower(f.channel)
        WHERE {where}
        GROUP BY ALL ORDER BY tickets DESC, channel""", tparams + params)
    out = []
    for r in found:
        target = r["target"]
        row = {"channel": r["channel"], "from": "tickets", "target_minutes": target, "target_seconds": None,
               "tickets": int(r["tickets"]), "needing_reply": int(r["needing_reply"]),
               "median_first_reply_minutes": r["median_minutes"], "decided": None, "within": None, "pending": None,
               "rate": None, "rate_ci": None}
        if target is not None:
            decided, within = int(r["decided"]), int(r["within"])
            row.update(decided=decided, within=within, pending=int(r["pending"]),
                       rate=C.ratio(within, decided), rate_ci=C.wilson(within, decided))
        out.append(row)
    return out


def _phone_row(con, filters: Filters, seconds: float, short_abandon: float) -> dict:
    where, params = C.call_where(filters)
    wait = calls_mod.WAIT
    sql = f"""
        SELECT count(*) FILTER (WHERE NOT coalesce({calls_mod.SHORT}, false)) AS offered,
               count(*) FILTER (WHERE {calls_mod.SL_JUDGEABLE}) AS decided,
               count(*) FILTER (WHERE {calls_mod.ANSWERED} AND {wait} <= ? AND {calls_mod.SL_JUDGEABLE}) AS within,
               median({wait}) FILTER (WHERE {calls_mod.ANSWERED}) AS median_wait
        FROM calls f WHERE ({calls_mod.INBOUND}) AND ({where})"""
    r = C.rows(con, sql, [short_abandon, short_abandon, float(seconds), short_abandon] + params)[0]
    decided, within = int(r["decided"] or 0), int(r["within"] or 0)
    return {"channel": "phone", "from": "calls", "target_minutes": None, "target_seconds": float(seconds),
            "tickets": None, "calls_offered": int(r["offered"] or 0), "needing_reply": int(r["offered"] or 0),
            "median_wait_seconds": r["median_wait"], "median_first_reply_minutes": None, "decided": decided,
            "within": within, "pending": 0, "rate": C.ratio(within, decided), "rate_ci": C.wilson(within, decided)}


def unanswered(con, filters: Filters | None = None, hours: float = 24, grain: str | None = None) -> dict:
    """Tickets still unanswered after ``hours``: count, share of the decided, and the trend by period."""
    filters = filters or Filters()
    limit = float(hours) * 60
    where, params = C.ticket_where(filters)
    late = f"(({REPLIED} AND f.first_reply_calendar_minutes > ?) OR ({OPEN_UNREPLIED} AND {AGE_MINUTES} >= ?))"
    decided = f"({REPLIED} OR ({OPEN_UNREPLIED} AND {AGE_MINUTES} >= ?))"
    first, last = C.span(con, "ticket_metrics", "created_at")
    grain = grain or C.grain_for(filters, first, last)
    period = clock.trunc_sql(grain, "f.created_at")
    trend = C.rows(con, f"""
        SELECT {period} AS period, count(*) FILTER (WHERE {late}) AS late, count(*) FILTER (WHERE {decided}) AS decided,
               count(*) FILTER (WHERE {OPEN_UNREPLIED} AND {AGE_MINUTES} >= ?) AS open_now
        FROM {_ticket_source(con)} WHERE {where} GROUP BY ALL ORDER BY period""",
                   [limit, limit, limit, limit] + params)
    total_late = sum(int(r["late"]) for r in trend)
    total_decided = sum(int(r["decided"]) for r in trend)
    return {"hours": float(hours), "count": total_late, "decided": total_decided,
            "rate": C.ratio(total_late, total_decided), "rate_ci": C.wilson(total_late, total_decided),
            "open_now": sum(int(r["open_now"]) for r in trend), "grain": grain,
            "trend": [{"period": r["period"], "count": int(r["late"]), "decided": int(r["decided"]),
                       "rate": C.ratio(int(r["late"]), int(r["decided"]))} for r in trend]}


def analyse(con, filters: Filters | None = None, settings: dict | None = None, grain: str | None = None) -> dict:
    """Replied within target per channel (tickets and calls) and still unanswered after 24 h."""
    filters = filters or Filters()
    s = C.settings_for("reply_targets", settings)
    targets = {str(k).lower(): float(v) for k, v in (s.get("minutes") or {}).items() if v is not None}
    short_abandon = float(C.metrics_settings(settings).get("short_abandon_seconds", 5))
    out = C.result(targets_minutes=targets, phone_answer_seconds=float(s["phone_answer_seconds"]),
                   unanswered_hours=float(s["unanswered_hours"]), channels=[], replied_within_target=None,
                   phone_answered_within_target=None, unanswered=None)
    have_tickets = C.has_rows(con, "ticket_metrics")
    have_calls = C.has_rows(con, "calls")
    if not have_tickets and not have_calls:
        return C.unavailable("no tickets or calls loaded", **{k: v for k, v in out.items() if k not in ("available",)})
    if have_tickets:
        try:
            out["channels"] = _channel_rows(con, filters, targets)
            out["unanswered"] = unanswered(con, filters, s["unanswered_hours"], grain)
        except MissingDimension as exc:  # tickets have every filter dimension; kept for safety
            out["notes"].append(C.missing_note("tickets", exc.dim))
        with_target = [r for r in out["channels"] if r["decided"] is not None]
        if with_target:
            within = sum(r["within"] for r in with_target)
            decided = sum(r["decided"] for r in with_target)
            out["replied_within_target"] = C.ratio(within, decided)
        else:
            out["not_measurable"]["replied_within_target"] = (
                "no ticket channel in the data has a target in [reply_targets.minutes] "
                f"(channels seen: {', '.join(sorted(str(r['channel']) for r in out['channels'])) or 'none'})")
    else:
        out["not_measurable"]["replied_within_target"] = "no tickets loaded"
        out["not_measurable"]["unanswered"] = "no tickets loaded"
    if have_calls:
        try:
            phone = _phone_row(con, filters, s["phone_answer_seconds"], short_abandon)
            replaced = [r for r in out["channels"] if r["channel"] == "phone" and r["target_minutes"] is None]
            out["channels"] = [r for r in out["channels"] if r not in replaced]
            if replaced and replaced[0]["tickets"]:
                out["phone_tickets_not_judged"] = replaced[0]["tickets"]
                out["notes"].append(f"{replaced[0]['tickets']} ticket(s) of channel phone (voicemails, callbacks, calls "
                                    "logged as tickets) are not judged: the phone target is the calls' answer time; "
                                    "reply_targets.minutes.phone would judge them as tickets too")
            out["channels"].append(phone)
            out["phone_answered_within_target"] = phone["rate"]
        except MissingDimension as exc:
            out["not_measurable"]["phone_answered_within_target"] = C.missing_note("calls", exc.dim)
            out["notes"].append(C.missing_note("calls", exc.dim))
    else:
        out["not_measurable"]["phone_answered_within_target"] = "no calls loaded: the phone target is measured on a call log"
    untargeted = [str(r["channel"]) for r in out["channels"] if r["target_minutes"] is None and r.get("from") == "tickets"]
    if untargeted:
        out["notes"].append("no first-reply target set for channel(s) " + ", ".join(untargeted)
                            + ": add them to [reply_targets.minutes] in the settings")
    return C.json_safe(out)
