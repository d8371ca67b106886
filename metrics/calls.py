"""Call-centre metrics over ``calls``: inbound calls only (direction inbound, or unknown).

* wait = ``wait_seconds``, else answered minus queued, else (an unanswered call) ended minus
  queued; an answered call with neither has no wait: it is left out of ASA and of service level
  (numerator and denominator), not counted as a 0 s wait;
* a source none of whose answered calls has a wait (Twilio records no queue wait nor answer
  time) is left out of service level altogether: judging only its abandoned calls would report
  0 % for a line that may answer every call at once;
* abandoned = outcome ``abandoned`` or ``missed``; a short abandon is one whose wait is below
  ``metrics.short_abandon_seconds``: excluded from offered and reported apart;
* offered = inbound calls minus short abandons (voicemail, busy and failed calls are offered but
  neither answered nor abandoned);
* answered = outcome ``answered``.

Calls have team, agent, queue, customer (segment) and source; a channel, priority, category or
tag filter makes every call figure None (see metrics/filters.py).
"""
from __future__ import annotations

from metrics.facts import Agg, Fact, Formula

def wait_sql(alias: str = "f.") -> str:
    """The wait of a call in seconds (see the module docstring); ``alias`` prefixes the columns."""
    a = alias
    return (f"(CASE WHEN {a}wait_seconds IS NOT NULL THEN {a}wait_seconds "
            f"WHEN {a}answered_at IS NOT NULL THEN date_diff('millisecond', {a}queued_at, {a}answered_at) / 1000.0 "
            f"WHEN lower({a}outcome) = 'answered' THEN NULL "
            f"ELSE date_diff('millisecond', {a}queued_at, {a}ended_at) / 1000.0 END)")


WAIT = wait_sql()
ABANDON_LIKE = "lower(f.outcome) IN ('abandoned', 'missed')"
SHORT = f"{ABANDON_LIKE} AND {WAIT} < ?"
ANSWERED = "lower(f.outcome) = 'answered'"
INBOUND = "coalesce(lower(f.direction), 'inbound') = 'inbound'"
# sources whose answered calls carry no wait at all (see the module docstring)
NO_WAIT_SOURCES = ("(SELECT source FROM calls WHERE lower(outcome) = 'answered' GROUP BY source "
                   "HAVING count(wait_seconds) = 0 AND count(answered_at) = 0)")
SL_JUDGEABLE = (f"NOT coalesce({SHORT}, false) AND NOT ({ANSWERED} AND {WAIT} IS NULL) "
                f"AND coalesce(f.source NOT IN {NO_WAIT_SOURCES}, true)")


def _short(s: dict) -> list:
    return [float(s.get("short_abandon_seconds", 5))]


AGGS = (
    Agg("inbound", "count(*)"),
    Agg("short", f"count(*) FILTER (WHERE {SHORT})", params=_short),
    Agg("offered", f"count(*) FILTER (WHERE NOT coalesce({SHORT}, false))", params=_short),
    Agg("answered", f"count(*) FILTER (WHERE {ANSWERED})"),
    Agg("abandoned", f"count(*) FILTER (WHERE {ABANDON_LIKE} AND NOT coalesce({WAIT} < ?, false))", params=_short),
    Agg("asa_n", f"count({WAIT}) FILTER (WHERE {ANSWERED})"),
    Agg("asa_sum", f"sum({WAIT}) FILTER (WHERE {ANSWERED})"),
    Agg("sl_within", f"count(*) FILTER (WHERE {ANSWERED} AND {WAIT} <= ? AND {SL_JUDGEABLE})",
        params=lambda s: [float(s.get("service_level_seconds", 20))] + _short(s)),
    # offered, less the calls whose wait cannot be judged either way
    Agg("sl_den", f"count(*) FILTER (WHERE {SL_JUDGEABLE})", params=_short),
    Agg("aht_n", f"count(*) FILTER (WHERE {ANSWERED} AND f.talk_seconds IS NOT NULL)"),
    Agg("aht_sum", f"sum(f.talk_seconds + coalesce(f.hold_seconds, 0) + coalesce(f.wrap_seconds, 0)) "
                   f"FILTER (WHERE {ANSWERED} AND f.talk_seconds IS NOT NULL)"),
    Agg("fcr_den", f"count(f.resolved) FILTER (WHERE {ANSWERED})"),
    Agg("fcr_num", f"count(*) FILTER (WHERE {ANSWERED} AND f.resolved)"),
)

DIMS = {"team": "team", "agent": "agent", "queue": "queue", "segment": "customer_id", "source": "source"}

CALLS = Fact(name="calls", table="calls", relation=lambda con: "calls", date_column="queued_at", dims=DIMS, aggs=AGGS,
             base_where=INBOUND, settings_keys=("short_abandon_seconds", "service_level_seconds"))

F = "calls"
FORMULAS: dict[str, Formula] = {
    "calls_offered": Formula(F, "count", ("offered",)),
    "calls_answered": Formula(F, "count", ("answered",)),
    "calls_abandoned": Formula(F, "count", ("abandoned",)),
    "short_abandons": Formula(F, "count", ("short",)),
    "answer_rate": Formula(F, "ratio", ("answered", "offered")),
    "abandonment_rate": Formula(F, "ratio", ("abandoned", "offered")),
    "asa_seconds": Formula(F, "mean", ("asa_sum", "asa_n")),
    "service_level": Formula(F, "ratio", ("sl_within", "sl_den")),
    "aht_seconds": Formula(F, "mean", ("aht_sum", "aht_n")),
    "fcr_rate": Formula(F, "ratio", ("fcr_num", "fcr_den")),
}
