"""Ticket metrics: the ``tickets`` fact over ``ticket_metrics`` (one row per ticket, built by
metrics/derive.py) and the formulas of every ticket KPI.

Populations (docs/metrics.md explains each choice):
* every figure is about tickets *created* in the period (the filter's date range on created_at),
  except the backlog, which is measured at the period's end whatever its start;
* durations below 0 (clock skew, bad data) are left out of every duration figure;
* "open" is ``is_open IS TRUE``; a ticket whose ``is_open`` is NULL counts as not open.
"""
from __future__ import annotations

import datetime as dt

from metrics import clock
from metrics.facts import Agg, Fact, Formula, Measure, fetch_dicts, group_source
from metrics.filters import Filters

OPEN = "f.is_open IS TRUE"
NOT_OPEN = "f.is_open IS NOT TRUE"
REPLIED = "f.first_reply_calendar_minutes >= 0"
SOLVED_EVER = f"(f.first_solved_at IS NOT NULL OR f.solved_at IS NOT NULL OR {NOT_OPEN})"
SLA_TARGETS = ("first_reply", "next_reply", "resolution")
# Closed tickets with a solve time leave the backlog on the day they were solved (never before the
# day they were created, should the data say otherwise).
CLOSED_TIMED = f"{NOT_OPEN} AND f.solved_at IS NOT NULL"
CLOSED_AT = "greatest(f.created_at, f.solved_at)"


# Default edges (minutes) of the duration distributions: the targets support teams talk in.
DISTRIBUTION_EDGES = (0, 15, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 10080)


def closed_day(tz: str | None = None) -> str:
    """SQL of the (local) day a closed ticket leaves the backlog."""
    return clock.day_sql(CLOSED_AT, tz)


def _sla_count(status: str, targets=SLA_TARGETS) -> str:
    return " + ".join(f"count(*) FILTER (WHERE f.sla_{t}_status = '{status}')" for t in targets)


def _targets(settings: dict) -> list:
    given = list(settings.get("reply_targets_minutes") or [])
    return given + [60, 720][len(given):]


AGGS = (
    Agg("n_tickets", "count(*)"),
    Agg("frt_n", f"count(*) FILTER (WHERE {REPLIED})"),
    Agg("frt_sum", f"sum(f.first_reply_calendar_minutes) FILTER (WHERE {REPLIED})"),
    Agg("reply_needed", f"count(*) FILTER (WHERE {REPLIED} OR ({OPEN} AND f.first_reply_at IS NULL))"),
    Agg("within_1", f"count(*) FILTER (WHERE {REPLIED} AND f.first_reply_calendar_minutes <= ?)",
        params=lambda s: [float(_targets(s)[0])]),
    Agg("within_2", f"count(*) FILTER (WHERE {REPLIED} AND f.first_reply_calendar_minutes <= ?)",
        params=lambda s: [float(_targets(s)[1])]),
    Agg("sla_achieved", _sla_count("achieved")),
    Agg("sla_breached", _sla_count("breached")),
    Agg("sla_completed", _sla_count("achieved") + " + " + _sla_count("breached")),
    *[Agg(f"sla_{t}_breached", _sla_count("breached", (t,))) for t in SLA_TARGETS],
    *[Agg(f"sla_{t}_completed", _sla_count("achieved", (t,)) + " + " + _sla_count("breached", (t,)))
      for t in SLA_TARGETS],
    Agg("sla_with_target", "count(*) FILTER (WHERE " + " OR ".join(f"f.sla_{t}_status IS NOT NULL" for t in SLA_TARGETS) + ")"),
    Agg("sla_active", "count(*) FILTER (WHERE " + " OR ".join(f"f.sla_{t}_status = 'active_breach'" for t in SLA_TARGETS) + ")"),
    Agg("reopen_den", f"count(*) FILTER (WHERE {SOLVED_EVER} AND f.reopens IS NOT NULL)"),
    Agg("reopen_num", f"count(*) FILTER (WHERE {SOLVED_EVER} AND f.reopens > 0)"),
    Agg("one_touch_den", "count(f.one_touch)"),
    Agg("one_touch_num", "count(*) FILTER (WHERE f.one_touch)"),
    Agg("repeat_den", "count(f.repeat_contact)"),
    Agg("repeat_num", "count(*) FILTER (WHERE f.repeat_contact)"),
    Agg("replies_n", f"count(f.agent_replies) FILTER (WHERE {NOT_OPEN})"),
    Agg("replies_sum", f"sum(f.agent_replies) FILTER (WHERE {NOT_OPEN})"),
    # Negative durations (reply or solve stamped before creation): left out of the figures above.
    Agg("frt_left_out", "count(*) FILTER (WHERE f.negative_duration LIKE '%first_reply%')"),
    Agg("res_left_out", f"count(*) FILTER (WHERE {NOT_OPEN} AND f.negative_duration LIKE '%resolution%')"),
)

MEASURES = (
    Measure("frt", f"CASE WHEN {REPLIED} THEN f.first_reply_calendar_minutes END"),
    Measure("frt_b", "CASE WHEN f.first_reply_business_minutes >= 0 THEN f.first_reply_business_minutes END"),
    Measure("res", f"CASE WHEN {NOT_OPEN} AND f.full_resolution_calendar_minutes >= 0 "
                   f"THEN f.full_resolution_calendar_minutes END"),
    Measure("res_b", f"CASE WHEN {NOT_OPEN} AND f.full_resolution_business_minutes >= 0 "
                     f"THEN f.full_resolution_business_minutes END"),
)

DIMS = {"team": "team", "agent": "agent", "channel": "channel", "priority": "priority", "category": "category",
        "tag": "tags", "segment": "customer_id", "source": "source"}

TICKETS = Fact(name="tickets", table="ticket_metrics", relation=lambda con: "ticket_metrics", date_column="created_at",
               dims=DIMS, aggs=AGGS, measures=MEASURES, settings_keys=("reply_targets_minutes",))

F = "tickets"
FORMULAS: dict[str, Formula] = {
    "tickets": Formula(F, "count", ("n_tickets",)),
    "backlog": Formula(F, "count", ("backlog",)),
    "backlog_age_median_hours": Formula(F, "quantile", ("backlog_age", 0.5)),
    "frt_median_minutes": Formula(F, "quantile", ("frt", 0.5)),
    "frt_p90_minutes": Formula(F, "quantile", ("frt", 0.9)),
    "frt_mean_minutes": Formula(F, "mean", ("frt_sum", "frt_n")),
    "frt_business_median_minutes": Formula(F, "quantile", ("frt_b", 0.5)),
    "frt_business_p90_minutes": Formula(F, "quantile", ("frt_b", 0.9)),
    "replied_within_1h": Formula(F, "ratio", ("within_1", "reply_needed")),
    "replied_within_12h": Formula(F, "ratio", ("within_2", "reply_needed")),
    "resolution_median_minutes": Formula(F, "quantile", ("res", 0.5)),
    "resolution_p90_minutes": Formula(F, "quantile", ("res", 0.9)),
    "resolution_business_median_minutes": Formula(F, "quantile", ("res_b", 0.5)),
    "sla_breach_rate": Formula(F, "ratio", ("sla_breached", "sla_completed")),
    "sla_first_reply_breach_rate": Formula(F, "ratio", ("sla_first_reply_breached", "sla_first_reply_completed")),
    "sla_next_reply_breach_rate": Formula(F, "ratio", ("sla_next_reply_breached", "sla_next_reply_completed")),
    "sla_resolution_breach_rate": Formula(F, "ratio", ("sla_resolution_breached", "sla_resolution_completed")),
    "sla_active_breaches": Formula(F, "count", ("sla_active",), require="sla_with_target"),
    "reopen_rate": Formula(F, "ratio", ("reopen_num", "reopen_den")),
    "one_touch_rate": Formula(F, "ratio", ("one_touch_num", "one_touch_den")),
    "repeat_contact_rate": Formula(F, "ratio", ("repeat_num", "repeat_den")),
    "replies_per_ticket": Formula(F, "mean", ("replies_sum", "replies_n")),
    "frt_left_out": Formula(F, "count", ("frt_left_out",)),
    "resolution_left_out": Formula(F, "count", ("res_left_out",)),
}
# Figures that need their own query (measured at the period's end, not over created tickets).
BACKLOG_IDS = ("backlog", "backlog_age_median_hours")


# ---------------------------------------------------------------- backlog from raw rows
def period_end(filters: Filters) -> dt.datetime | None:
    """The exclusive end instant of the period (midnight after date_to), None when open-ended."""
    return clock.utc_end(filters.date_to) if filters.date_to else None


def backlog_raw(con, filters: Filters, by: str | None = None) -> dict:
    """{group: tickets open at the period's end}: created before the end and open now, or solved
    after the end. Dimension filters apply; the period's start does not."""
    end = period_end(filters)
    if end is None:
        cond, params = OPEN, []
    else:
        cond, params = f"f.created_at < ? AND ({OPEN} OR f.solved_at >= ?)", [end, end]
    source, wparams, group = group_source(TICKETS, con, by, filters, extra_where=cond, extra_params=params, dates=False)
    g = group or "NULL"
    rows = fetch_dicts(con, f"SELECT {g} AS _g, count(*) AS n {source} GROUP BY ALL", wparams)
    return {r["_g"]: r["n"] for r in rows}


def backlog_deltas_raw(con, filters: Filters, by: str | None = None) -> list[tuple]:
    """(group, day, change of the backlog on that day) over all days: tickets that will be in it
    enter on their creation day, closed tickets leave on their solve day. The running sum up to a day
    is the backlog at that day's end."""
    source_in, p_in, group = group_source(TICKETS, con, by, filters, extra_where=f"{OPEN} OR f.solved_at IS NOT NULL",
                                          dates=False)
    source_out, p_out, _ = group_source(TICKETS, con, by, filters, extra_where=CLOSED_TIMED, dates=False)
    g = group or "NULL"
    sql = (f"SELECT _g, day, sum(n) AS n FROM ("
           f"SELECT {g} AS _g, {clock.day_sql('f.created_at')} AS day, count(*) AS n {source_in} GROUP BY ALL "
           f"UNION ALL SELECT {g} AS _g, {closed_day()} AS day, -count(*) AS n {source_out} GROUP BY ALL"
           f") GROUP BY ALL ORDER BY day")
    return [(r["_g"], r["day"], r["n"]) for r in fetch_dicts(con, sql, p_in + p_out)]


def data_end(con) -> dt.datetime | None:
    """The latest timestamp in ticket_metrics: 'now' for an export (the backlog's age is measured
    at it when the period is open-ended)."""
    row = con.execute("SELECT greatest(max(created_at), max(solved_at)) FROM ticket_metrics").fetchall()[0]
    return row[0] if row else None


def backlog_age_raw(con, filters: Filters, by: str | None = None, q: float = 0.5) -> dict:
    """{group: median age in hours of the backlog at the period's end}."""
    end = period_end(filters) or data_end(con)
    if end is None:
        return {}
    cond, params = f"f.created_at < ? AND ({OPEN} OR f.solved_at >= ?)", [end, end]
    source, wparams, group = group_source(TICKETS, con, by, filters, extra_where=cond, extra_params=params, dates=False)
    g = group or "NULL"
    rows = fetch_dicts(con, f"SELECT {g} AS _g, quantile_cont(epoch(?::TIMESTAMP - f.created_at) / 3600.0, {q!r}) AS v "
                            f"{source} GROUP BY ALL", [end] + wparams)
    return {r["_g"]: r["v"] for r in rows}
