"""Channel switches: customers who came back through another channel within N days (they had to
explain again), their share and trend, the channel pairs, and the churn of customers who switched
against those who did not.

* a *contact* is a ticket (its channel) or an inbound call (channel ``phone``) with a customer id;
* a *repeat contact* came from the same customer within ``[channel_switches] days`` (default 7)
  after their previous contact, strictly later (contacts at the same instant are not repeats of
  each other), whatever that previous contact's date (the date filter picks the repeat contacts);
* a *channel switch* is a repeat contact in another channel than the previous contact (both known);
* shares: switches / contacts and switches / repeat contacts; by period of the repeat contact;
* churn: customers with at least one switch in the period against customers with contacts and no
  switch (churned / customers, Wilson 95% interval): an association, not an effect;
* *answered in another channel*: a ticket that did not arrive by phone, answered by an answered
  outbound call to the same customer between its creation and its (last) solve, or within ``days``
  of its creation while unsolved. The canonical events carry no channel per message, so a reply by
  e-mail to a chat, say, cannot be seen; the call log is the one other channel that shows. Without
  outbound calls to customers in it, not measurable (said in ``not_measurable``), never 0.

Filters apply to the repeat contact: a call counts as channel ``phone`` and has no priority,
category or tags (so those filters leave calls out).
"""
from __future__ import annotations

from metrics import calls as calls_mod
from metrics import clock
from metrics.filters import Filters, MissingDimension
from metrics.operations import common as C

CONTACT_DIMS = {"team": "f.team", "agent": "f.agent", "channel": "f.channel", "priority": "f.priority",
                "category": "f.category", "tag": "f.tags", "segment": "f.customer_id", "source": "f.source"}
NO_OUTBOUND = ("the ticket events carry no channel per message and the call log holds no answered outbound calls to "
               "customers (the one other way it shows), so a contact answered in another channel than it arrived in "
               "cannot be seen")


def contacts_sql(con) -> str:
    parts = []
    if C.has_rows(con, "ticket_metrics"):
        parts.append("SELECT 'ticket' AS kind, source, source_id, customer_id, created_at AS contact_at, lower(channel) AS channel, "
                     "team, agent, priority, category, tags FROM ticket_metrics WHERE customer_id IS NOT NULL")
    if C.has_rows(con, "calls"):
        inbound = calls_mod.INBOUND.replace("f.", "")
        parts.append("SELECT 'call', source, source_id, customer_id, queued_at, 'phone', team, agent, NULL, NULL, NULL "
                     f"FROM calls WHERE customer_id IS NOT NULL AND {inbound}")
    return " UNION ALL ".join(parts)


def analyse(con, filters: Filters | None = None, settings: dict | None = None, grain: str | None = None) -> dict:
    filters = filters or Filters()
    days = int(C.settings_for("channel_switches", settings)["days"])
    source = contacts_sql(con)
    if not source:
        return C.unavailable("no tickets or calls loaded", days=days)
    try:
        where, params = C.where(filters, CONTACT_DIMS, "f.contact_at")
    except MissingDimension as exc:
        return C.unavailable(C.missing_note("contacts", exc.dim), days=days)
    first, last = C.span(con, "ticket_metrics", "created_at")
    grain = grain or C.grain_for(filters, first, last)
    repeat = "(f.prev_at IS NOT NULL AND f.contact_at > f.prev_at AND f.contact_at <= f.prev_at + to_days(?))"
    switch = f"({repeat} AND f.channel IS NOT NULL AND f.prev_channel IS NOT NULL AND f.channel <> f.prev_channel)"
    seq = (f"(SELECT *, lag(contact_at) OVER w AS prev_at, lag(channel) OVER w AS prev_channel FROM ({source}) c "
           "WINDOW w AS (PARTITION BY customer_id ORDER BY contact_at, kind, source, source_id))")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ops_contacts AS SELECT f.*, {repeat} AS is_repeat, {switch} AS is_switch "
                f"FROM {seq} f WHERE {where}", [days, days] + params)
    try:
        out = _figures(con, days, grain)
    finally:
        con.execute("DROP TABLE IF EXISTS _ops_contacts")
    if not C.has_rows(con, "calls"):
        out["notes"].append("no calls loaded: switches to and from the phone are not seen")
    answered = answered_elsewhere(con, filters, days)
    if answered is None:  # no tickets: nothing arrived to be answered elsewhere
        pass
    elif isinstance(answered, str):
        out["not_measurable"]["answered_in_another_channel"] = answered
    else:
        out["answered_in_another_channel"] = answered
        out["answered_in_another_channel_rate"] = answered["rate"]
    return C.json_safe(out)


def answered_elsewhere(con, filters: Filters, days: int) -> dict | str | None:
    """Tickets created in the period that did not arrive by phone, and of them those answered by an
    answered outbound call to the same customer while open (creation to last solve; unsolved: within
    ``days``); or why it cannot be seen."""
    if not C.has_rows(con, "ticket_metrics"):
        return None
    if not C.has_rows(con, "calls") or not con.execute(
            "SELECT count(*) FROM calls WHERE lower(direction) = 'outbound' AND lower(outcome) = 'answered' "
            "AND customer_id IS NOT NULL").fetchall()[0][0]:
        return NO_OUTBOUND
    where, params = C.ticket_where(filters)
    t = C.rows(con, f"""
        SELECT count(*) AS tickets, count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM calls c WHERE c.customer_id = f.customer_id AND lower(c.direction) = 'outbound'
                   AND lower(c.outcome) = 'answered' AND c.queued_at >= f.created_at
                   AND c.queued_at <= coalesce(f.solved_at, f.created_at + to_days(?)))) AS answered
        FROM ticket_metrics f
        WHERE f.customer_id IS NOT NULL AND coalesce(lower(f.channel), '') NOT IN ('phone', 'voice') AND ({where})""",
                [days] + params)[0]
    n, k = int(t["tickets"]), int(t["answered"])
    return {"tickets": n, "answered_by_phone": k, "rate": C.ratio(k, n), "rate_ci": C.wilson(k, n),
            "by": "an answered outbound call to the customer while the ticket was open"}


def _figures(con, days: int, grain: str) -> dict:
    t = C.rows(con, "SELECT count(*) AS contacts, count(*) FILTER (WHERE is_repeat) AS repeats, "
                    "count(*) FILTER (WHERE is_switch) AS switches, count(DISTINCT customer_id) AS customers, "
                    "count(DISTINCT customer_id) FILTER (WHERE is_switch) AS switchers, "
                    "count(*) FILTER (WHERE kind = 'call') AS calls FROM _ops_contacts")[0]
    contacts, repeats, switches = int(t["contacts"]), int(t["repeats"]), int(t["switches"])
    out = C.result(days=days, contacts=contacts, calls=int(t["calls"]), repeat_contacts=repeats, switches=switches,
                   channel_switch_rate=C.ratio(switches, contacts), channel_switch_rate_ci=C.wilson(switches, contacts),
                   cross_channel_repeat_share=C.ratio(switches, repeats), customers=int(t["customers"]),
                   switching_customers=int(t["switchers"]),
                   switching_customer_share=C.ratio(int(t["switchers"]), int(t["customers"])), pairs=[], trend=[],
                   grain=grain, churn=None)
    if not contacts:
        out["not_measurable"]["channel_switch_rate"] = "no contact with a customer id in this period"
        return out
    out["pairs"] = [{"from": r["prev_channel"], "to": r["channel"], "switches": int(r["n"]),
                     "share": C.ratio(int(r["n"]), switches)}
                    for r in C.rows(con, "SELECT prev_channel, channel, count(*) AS n FROM _ops_contacts WHERE is_switch "
                                         "GROUP BY ALL ORDER BY n DESC, prev_channel, channel LIMIT 12")]
    period = clock.trunc_sql(grain, "contact_at")
    out["trend"] = [{"period": r["period"], "contacts": int(r["contacts"]), "switches": int(r["switches"]),
                     "rate": C.ratio(int(r["switches"]), int(r["contacts"]))}
                    for r in C.rows(con, f"SELECT {period} AS period, count(*) AS contacts, "
                                         "count(*) FILTER (WHERE is_switch) AS switches FROM _ops_contacts "
                                         "GROUP BY ALL ORDER BY period")]
    usable, why = C.customers_usable(con)
    if usable:
        out["churn"] = C.churn_by_group(
            con, "(SELECT customer_id, CASE WHEN bool_or(is_switch) THEN 'switched' ELSE 'did_not_switch' END AS grp "
                 "FROM _ops_contacts GROUP BY customer_id)", [], ["switched", "did_not_switch"])
    else:
        out["not_measurable"]["churn"] = why
    return out
