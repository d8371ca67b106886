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


def _as_of_case(con) -> tuple[str, list]:
    """Each row's as_of (its source's "now": ticket_metrics_info.as_of, else the source's latest
    timestamp) as a CASE over its source with bound values: a handful of sources, so no join per row."""
    if C.table_exists(con, "ticket_metrics_info"):
        relation = C.as_of_sql()
    else:
        relation = ("(SELECT source, max(greatest(created_at, solved_at, first_reply_at)) AS as_of "
                    "FROM ticket_metrics GROUP BY source)")
    found = [(src, at) for src, at in con.execute(f"SELECT source, as_of FROM {relation}").fetchall()
             if src is not None and at is not None]
    if not found:
        return "NULL::TIMESTAMP", []
    return ("CASE f.source " + " ".join("WHEN ? THEN ?::TIMESTAMP" for _ in found) + " END",
            [v for pair in found for v in pair])


def _target_case(targets: dict[str, float]) -> tuple[str, list]:
    """Each row's target (minutes) by its lower-cased channel, as a CASE with bound values."""
    if not targets:
        return "NULL::DOUBLE", []
    return ("CASE lower(f.channel) " + " ".join("WHEN ? THEN ?::DOUBLE" for _ in targets) + " END",
            [v for k, t in targets.items() for v in (k, float(t))])


def _scan(con, filters: Filters, targets: dict[str, float], hours: float, grain: str | None) -> dict:
    """One pass over the filtered tickets for both the per-channel rows and the unanswered trend
    (at 10M tickets each pass costs about a second: the rows, their age at the source's "now" and
    the predicates are computed once, then grouped twice)."""
    where, params = C.ticket_where(filters)
    target, tparams = _target_case(targets)
    as_of, aparams = _as_of_case(con)
    limit = float(hours) * 60
    first, last = C.span(con, "ticket_metrics", "created_at")
    grain = grain or C.grain_for(filters, first, last)
    period = clock.trunc_sql(grain, "f.created_at")
    rows = C.rows(con, f"""
        WITH r AS MATERIALIZED (
            SELECT lower(f.channel) AS channel, {target} AS target, {period} AS period, {REPLIED} AS replied,
                   {OPEN_UNREPLIED} AS open_unreplied, f.first_reply_calendar_minutes AS minutes,
                   epoch(coalesce({as_of}, f.created_at) - f.created_at) / 60.0 AS age
            FROM ticket_metrics f WHERE {where})
        SELECT 'channel' AS part, channel, any_value(target) AS target, count(*) AS tickets,
               count(*) FILTER (WHERE replied OR open_unreplied) AS needing_reply,
               median(minutes) FILTER (WHERE replied) AS median_minutes,
               count(*) FILTER (WHERE replied OR (open_unreplied AND age >= target)) AS decided,
               count(*) FILTER (WHERE replied AND minutes <= target) AS within,
               count(*) FILTER (WHERE open_unreplied AND age < target) AS pending
        FROM r GROUP BY channel
        UNION ALL BY NAME
        SELECT 'period' AS part, period,
               count(*) FILTER (WHERE (replied AND minutes > ?) OR (open_unreplied AND age >= ?)) AS late,
               count(*) FILTER (WHERE replied OR (open_unreplied AND age >= ?)) AS decided,
               count(*) FILTER (WHERE open_unreplied AND age >= ?) AS open_now
        FROM r GROUP BY period""", tparams + aparams + params + [limit, limit, limit, limit])
    channels = sorted((r for r in rows if r["part"] == "channel"),
                      key=lambda r: (-int(r["tickets"]), r["channel"] is None, r["channel"] or ""))
    trend = sorted((r for r in rows if r["part"] == "period"), key=lambda r: (r["period"] is None, r["period"]))
    return {"channels": channels, "trend": trend, "grain": grain}


def _channel_rows(con, filters: Filters, targets: dict[str, float], scanned: dict | None = None) -> list[dict]:
    found = (scanned or _scan(con, filters, targets, 24, None))["channels"]
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


def _unanswered_scan(con, filters: Filters, hours: float, grain: str | None) -> dict:
    """The unanswered trend alone (what the Overview shows): no per-channel medians or targets, no
    materialised rows; an open row's age is compared with the limit only for the open, unreplied
    rows. Same counts as ``_scan``'s trend (tests/test_operations.py); at 10M tickets with team x2
    + channel x2 + priority over 23 months, 0.11 s against 0.29 s for ``_scan``."""
    where, params = C.ticket_where(filters)
    as_of, aparams = _as_of_case(con)
    limit = float(hours) * 60
    first, last = C.span(con, "ticket_metrics", "created_at")
    grain = grain or C.grain_for(filters, first, last)
    period = clock.trunc_sql(grain, "f.created_at")
    # aged: open and unreplied for at least the limit at its source's "now" (no "now": age 0)
    aged = (f"{OPEN_UNREPLIED} AND epoch(coalesce({as_of}, f.created_at) - f.created_at) / 60.0 >= ?")
    rows = C.rows(con, f"""
        SELECT {period} AS period,
               count(*) FILTER (WHERE {REPLIED} AND f.first_reply_calendar_minutes > ?) AS late_replied,
               count(*) FILTER (WHERE {REPLIED}) AS replied,
               count(*) FILTER (WHERE {aged}) AS open_now
        FROM ticket_metrics f WHERE {where} GROUP BY ALL""",
                  [limit] + aparams + [limit] + params)
    trend = [{"period": r["period"], "late": int(r["late_replied"]) + int(r["open_now"]),
              "decided": int(r["replied"]) + int(r["open_now"]), "open_now": int(r["open_now"])} for r in rows]
    trend.sort(key=lambda r: (r["period"] is None, r["period"]))
    return {"channels": [], "trend": trend, "grain": grain}


def unanswered(con, filters: Filters | None = None, hours: float = 24, grain: str | None = None,
               scanned: dict | None = None) -> dict:
    """Tickets still unanswered after ``hours``: count, share of the decided, and the trend by period
    (``scanned``: ``_scan``'s result for the same filters, hours and grain, when the caller has it)."""
    filters = filters or Filters()
    scanned = scanned or _unanswered_scan(con, filters, hours, grain)
    trend = scanned["trend"]
    total_late = sum(int(r["late"]) for r in trend)
    total_decided = sum(int(r["decided"]) for r in trend)
    return {"hours": float(hours), "count": total_late, "decided": total_decided,
            "rate": C.ratio(total_late, total_decided), "rate_ci": C.wilson(total_late, total_decided),
            "open_now": sum(int(r["open_now"]) for r in trend), "grain": scanned["grain"],
            "trend": [{"period": r["period"], "count": int(r["late"]), "decided": int(r["decided"]),
                       "rate": C.ratio(int(r["late"]), int(r["decided"]))} for r in trend]}


def unanswered_only(con, filters: Filters | None = None, settings: dict | None = None) -> dict:
    """What the Overview shows: ``analyse``'s ``unanswered`` alone (one lean pass; None without tickets)."""
    filters = filters or Filters()
    s = C.settings_for("reply_targets", settings)
    if not C.has_rows(con, "ticket_metrics"):
        return {"unanswered": None}
    try:
        return C.json_safe({"unanswered": unanswered(con, filters, s["unanswered_hours"])})
    except MissingDimension:  # tickets have every filter dimension; kept for safety
        return {"unanswered": None}


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
            scanned = _scan(con, filters, targets, s["unanswered_hours"], grain)  # one pass for both
            out["channels"] = _channel_rows(con, filters, targets, scanned)
            out["unanswered"] = unanswered(con, filters, s["unanswered_hours"], grain, scanned)
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
