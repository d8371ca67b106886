"""Survey metrics (CSAT, NPS, CES) over survey facts, and the CSAT response rate over tickets.

Survey facts are the survey rows with the linked ticket's dimensions filled in: a survey's own
team/agent/channel/customer win, the ticket (``surveys.ticket_id`` = ``ticket_metrics.source_id``)
supplies the rest and the priority, category and tags a survey row never has. So CSAT can be
filtered and broken down by category; surveys without a linked ticket drop out under a
priority/category/tag filter. ``survey_facts`` is built with the rollups; without it the same
SELECT runs as a subquery.

Scales: a score's *position* on its scale, (score - min) / (max - min), decides. CSAT counts as
satisfied at position >= (csat_satisfied_min - 1) / 4 (4-5 on 1-5, "good" = 1 on 0-1, 6-7 on 1-7);
NPS promoters at position >= 0.9 and detractors at <= 0.6 (9-10 and 0-6 on 0-10). A missing scale
is taken as CSAT 1-5, NPS 0-10, CES 1-7. Comparisons are written multiplied out, in integers where
the scores are, so 4 on 1-5 is exactly satisfied.
"""
from __future__ import annotations

import math

from metrics.facts import Agg, Fact, Formula, table_exists

CSAT_LO, CSAT_HI = "coalesce(f.scale_min, 1)", "coalesce(f.scale_max, 5)"
NPS_LO, NPS_HI = "coalesce(f.scale_min, 0)", "coalesce(f.scale_max, 10)"
CES_LO, CES_HI = "coalesce(f.scale_min, 1)", "coalesce(f.scale_max, 7)"
IS_CSAT = "f.kind = 'csat' AND f.score IS NOT NULL"
IS_NPS = "f.kind = 'nps' AND f.score IS NOT NULL"
IS_CES = f"f.kind = 'ces' AND f.score IS NOT NULL AND {CES_HI} > {CES_LO}"
SATISFIED = f"4 * (f.score - {CSAT_LO}) >= (? - 1) * ({CSAT_HI} - {CSAT_LO})"
PROMOTER = f"10 * (f.score - {NPS_LO}) >= 9 * ({NPS_HI} - {NPS_LO})"
DETRACTOR = f"10 * (f.score - {NPS_LO}) <= 6 * ({NPS_HI} - {NPS_LO})"

SURVEY_FACTS_SQL = """
SELECT s.source, s.source_id, s.responded_at, s.kind, s.score, s.scale_min, s.scale_max, s.ticket_id,
       coalesce(s.customer_id, t.customer_id) AS customer_id, coalesce(s.agent, t.agent) AS agent,
       coalesce(s.team, t.team) AS team, coalesce(s.channel, t.channel) AS channel,
       t.priority, t.category, t.tags, t.source AS ticket_source, s.comment
FROM surveys s
LEFT JOIN (SELECT source_id, any_value(customer_id) AS customer_id, any_value(agent) AS agent,
                  any_value(team) AS team, any_value(channel) AS channel, any_value(priority) AS priority,
                  any_value(category) AS category, any_value(tags) AS tags, any_value(source) AS source
           FROM ticket_metrics WHERE source_id IN (SELECT ticket_id FROM surveys WHERE ticket_id IS NOT NULL)
           GROUP BY source_id) t ON t.source_id = s.ticket_id
"""
SURVEY_FACTS_NO_TICKETS_SQL = """
SELECT s.source, s.source_id, s.responded_at, s.kind, s.score, s.scale_min, s.scale_max, s.ticket_id,
       s.customer_id, s.agent, s.team, s.channel, NULL::VARCHAR AS priority, NULL::VARCHAR AS category,
       NULL::VARCHAR AS tags, NULL::VARCHAR AS ticket_source, s.comment
FROM surveys s
"""


def survey_facts_sql(con) -> str:
    return SURVEY_FACTS_SQL if table_exists(con, "ticket_metrics") else SURVEY_FACTS_NO_TICKETS_SQL


def survey_relation(con) -> str:
    if table_exists(con, "survey_facts"):
        return "survey_facts"
    return f"({survey_facts_sql(con)})"


SURVEY_AGGS = (
    Agg("csat_n", f"count(*) FILTER (WHERE {IS_CSAT})"),
    Agg("csat_sat", f"count(*) FILTER (WHERE {IS_CSAT} AND {SATISFIED})",
        params=lambda s: [float(s.get("csat_satisfied_min", 4))]),
    Agg("nps_n", f"count(*) FILTER (WHERE {IS_NPS})"),
    Agg("nps_prom", f"count(*) FILTER (WHERE {IS_NPS} AND {PROMOTER})"),
    Agg("nps_det", f"count(*) FILTER (WHERE {IS_NPS} AND {DETRACTOR})"),
    Agg("ces_n", f"count(*) FILTER (WHERE {IS_CES})"),
    Agg("ces_pos_sum", f"sum((f.score - {CES_LO}) / ({CES_HI} - {CES_LO})) FILTER (WHERE {IS_CES})"),
    # Whether every CES response shares one scale (then the mean is shown on it): all n bounds are
    # equal exactly when n * sum(x^2) = sum(x)^2. Sums, so that cubes add and subtract them.
    Agg("ces_lo_sum", f"sum({CES_LO}) FILTER (WHERE {IS_CES})"),
    Agg("ces_lo_sq", f"sum({CES_LO} * {CES_LO}) FILTER (WHERE {IS_CES})"),
    Agg("ces_hi_sum", f"sum({CES_HI}) FILTER (WHERE {IS_CES})"),
    Agg("ces_hi_sq", f"sum({CES_HI} * {CES_HI}) FILTER (WHERE {IS_CES})"),
)

ALL_DIMS = {"team": "team", "agent": "agent", "channel": "channel", "priority": "priority", "category": "category",
            "tag": "tags", "segment": "customer_id", "source": "source"}

SURVEYS = Fact(name="surveys", table="surveys", relation=survey_relation, date_column="responded_at",
               dims=ALL_DIMS, aggs=SURVEY_AGGS, settings_keys=("csat_satisfied_min",))

# tickets.satisfaction says whether a survey was offered and answered (Zendesk: offered, unoffered,
# good, bad); other exports leave it NULL and the response rate is None.
OFFERED = "f.satisfaction IS NOT NULL AND lower(f.satisfaction) NOT IN ('unoffered', '')"
TICKET_SAT = Fact(name="ticket_sat", table="tickets", relation=lambda con: "tickets", date_column="created_at",
                  dims=ALL_DIMS, aggs=(
                      Agg("sat_offered", f"count(*) FILTER (WHERE {OFFERED})"),
                      Agg("sat_rated", f"count(*) FILTER (WHERE {OFFERED} AND lower(f.satisfaction) <> 'offered')"),
                  ))

Z95 = 1.959963984540054


def nps_parts(aggs: dict) -> tuple[float, float, int] | None:
    n = aggs.get("nps_n") or 0
    if not n:
        return None
    return (aggs.get("nps_prom") or 0) / n, (aggs.get("nps_det") or 0) / n, n


def nps_value(aggs: dict, _q=None):
    parts = nps_parts(aggs)
    return None if parts is None else 100.0 * (parts[0] - parts[1])


def nps_variance(p: float, d: float, n: int) -> float:
    """Variance of p - d (a promoter scores +1, a passive 0, a detractor -1): (p + d - (p - d)^2) / n."""
    return max(p + d - (p - d) ** 2, 0.0) / n


def nps_interval(aggs: dict) -> tuple[float, float] | None:
    parts = nps_parts(aggs)
    if parts is None:
        return None
    p, d, n = parts
    half = Z95 * math.sqrt(nps_variance(p, d, n))
    centre = p - d
    return max(-100.0, 100.0 * (centre - half)), min(100.0, 100.0 * (centre + half))


def _ces(aggs: dict, _q=None):
    n = aggs.get("ces_n") or 0
    if not n:
        return None
    mean_position = (aggs.get("ces_pos_sum") or 0) / n
    lo_sum, hi_sum = aggs.get("ces_lo_sum"), aggs.get("ces_hi_sum")
    if lo_sum is not None and hi_sum is not None and n * (aggs.get("ces_lo_sq") or 0) == lo_sum * lo_sum \
            and n * (aggs.get("ces_hi_sq") or 0) == hi_sum * hi_sum:
        lo, hi = lo_sum / n, hi_sum / n
        return lo + mean_position * (hi - lo)  # one scale: the mean on it
    return 1 + 6 * mean_position  # mixed scales: rescaled to 1-7


FORMULAS: dict[str, Formula] = {
    "csat": Formula("surveys", "ratio", ("csat_sat", "csat_n")),
    "csat_responses": Formula("surveys", "count", ("csat_n",)),
    "csat_response_rate": Formula("ticket_sat", "ratio", ("sat_rated", "sat_offered")),
    "nps": Formula("surveys", "custom", fn=nps_value),
    "nps_low": Formula("surveys", "custom", fn=lambda a, q: (nps_interval(a) or (None, None))[0]),
    "nps_high": Formula("surveys", "custom", fn=lambda a, q: (nps_interval(a) or (None, None))[1]),
    "nps_responses": Formula("surveys", "count", ("nps_n",)),
    "ces": Formula("surveys", "custom", fn=_ces),
    "ces_responses": Formula("surveys", "count", ("ces_n",)),
}
