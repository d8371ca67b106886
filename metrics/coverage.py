"""What an export can measure: a metric whose inputs the data does not hold at all is "not
measurable from this export", never 0.

An event log with status changes only (the public ServiceNow incident log) has no agent
replies: "replied within 12 h" would come out as 0% of the one open ticket, and median first
reply as nothing. ``unmeasurable(con)`` names every such metric with the reason, from a few
counts over the whole tables (filters do not matter: a filter that leaves nothing is an empty
period, not a gap in the export). Pages show the reason instead of the value; the audit lists
them under data gaps and never turns them into a finding.
"""
from __future__ import annotations

from metrics.facts import table_exists

REASONS = {
    "no_replies": {"en": "the export records no agent replies (no first-reply time and no reply events)",
                   "ru": "в выгрузке нет ответов агентов (ни времени первого ответа, ни событий ответа)"},
    "no_solved": {"en": "the export records no solve or resolution times",
                  "ru": "в выгрузке нет времени решения"},
    "no_reopens": {"en": "the export has neither reopen counts nor a status history",
                   "ru": "в выгрузке нет ни числа переоткрытий, ни истории статусов"},
    "no_reply_counts": {"en": "the export does not count agent replies per ticket",
                        "ru": "в выгрузке нет числа ответов агента на обращение"},
    "no_customers": {"en": "the tickets carry no customer id", "ru": "у обращений нет идентификатора клиента"},
    "no_waits": {"en": "the call log records no queue waits", "ru": "в журнале звонков нет времени ожидания"},
    "no_talk": {"en": "the call log records no talk time", "ru": "в журнале звонков нет времени разговора"},
    "no_resolved_flag": {"en": "the call log does not say which calls were resolved",
                         "ru": "в журнале звонков нет отметки о решении вопроса"},
}

REPLY_METRICS = ("frt_median_minutes", "frt_p90_minutes", "frt_mean_minutes", "frt_business_median_minutes",
                 "frt_business_p90_minutes", "replied_within_1h", "replied_within_12h", "sla_first_reply_breach_rate",
                 "sla_next_reply_breach_rate")
RESOLUTION_METRICS = ("resolution_median_minutes", "resolution_p90_minutes", "resolution_business_median_minutes")


def _one(con, sql: str) -> tuple:
    rows = con.execute(sql).fetchall()
    return rows[0] if rows else ()


def unmeasurable(con) -> dict[str, str]:
    """{metric id: reason key (see REASONS)} for every metric the loaded data cannot support.
    A table with no rows at all is not listed: "no calls loaded" is said elsewhere."""
    out: dict[str, str] = {}
    if table_exists(con, "ticket_metrics"):
        n, replied, solved, reopens, counts, customers = _one(con, """
            SELECT count(*), count(first_reply_calendar_minutes), count(full_resolution_calendar_minutes),
                   count(reopens), count(agent_replies), count(customer_id) FROM ticket_metrics""")
        if n:
            if not replied:
                out.update({m: "no_replies" for m in REPLY_METRICS})
            if not solved:
                out.update({m: "no_solved" for m in RESOLUTION_METRICS})
            if not reopens:
                out["reopen_rate"] = "no_reopens"
            if not counts:
                out.update({m: "no_reply_counts" for m in ("one_touch_rate", "replies_per_ticket")})
            if not customers:
                out["repeat_contact_rate"] = "no_customers"
    if table_exists(con, "calls"):
        n, waits, talk, resolved = _one(con, "SELECT count(*), count(wait_seconds) + count(answered_at), "
                                             "count(talk_seconds), count(resolved) FROM calls")
        if n:
            if not waits:
                out.update({m: "no_waits" for m in ("asa_seconds", "service_level")})
            if not talk:
                out["aht_seconds"] = "no_talk"
            if not resolved:
                out["fcr_rate"] = "no_resolved_flag"
    return out


def reason(key: str, lang: str = "en") -> str:
    entry = REASONS.get(key) or {"en": key}
    return entry.get(lang) or entry["en"]
