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
from metrics.filters import SEGMENT_MAP_SQL

CSAT_LO, CSAT_HI = "coalesce(f.scale_min, 1)", "coalesce(f.scale_max, 5)"
NPS_LO, NPS_HI = "coalesce(f.scale_min, 0)", "coalesce(f.scale_max, 10)"
CES_LO, CES_HI = "coalesce(f.scale_min, 1)", "coalesce(f.scale_max, 7)"
IS_CSAT = "f.kind = 'csat' AND f.score IS NOT NULL"
IS_NPS = "f.kind = 'nps' AND f.score IS NOT NULL"
IS_CES = f"f.kind = 'ces' AND f.score IS NOT NULL AND {CES_HI} > {CES_LO}"
SATISFIED = f"4 * (f.score - {CSAT_LO}) >= (? - 1) * ({CSAT_HI} - {CSAT_LO})"
PROMOTER = f"10 * (f.score - {NPS_LO}) >= 9 * ({NPS_HI} - {NPS_LO})"
DETRACTOR = f"10 * (f.score - {NPS_LO}) <= 6 * ({NPS_HI} - {NPS_LO})"

# A survey's segment: its own (brand, region, wave, workbook sheet), else its customer's.
SURVEY_FACTS_SQL = """
SELECT s.source, s.source_id, s.responded_at, s.kind, s.score, s.scale_min, s.scale_max, s.ticket_id,
       coalesce(s.customer_id, t.customer_id) AS customer_id, coalesce(s.agent, t.agent) AS agent,
       coalesce(s.team, t.team) AS team, coalesce(s.channel, t.channel) AS channel,
       t.priority, t.category, t.tags, t.source AS ticket_source, s.comment,
       coalesce(s.segment, _seg.segment) AS segment, s.origin
FROM surveys s
LEFT JOIN (SELECT source_id, any_value(customer_id) AS customer_id, any_value(agent) AS agent,
                  any_value(team) AS team, any_value(channel) AS channel, any_value(priority) AS priority,
                  any_value(category) AS category, any_value(tags) AS tags, any_value(source) AS source
           FROM ticket_metrics WHERE source_id IN (SELECT ticket_id FROM surveys WHERE ticket_id IS NOT NULL)
           GROUP BY source_id) t ON t.source_id = s.ticket_id
LEFT JOIN {segments} _seg ON _seg.customer_id = coalesce(s.customer_id, t.customer_id)
"""
SURVEY_FACTS_NO_TICKETS_SQL = """
SELECT s.source, s.source_id, s.responded_at, s.kind, s.score, s.scale_min, s.scale_max, s.ticket_id,
       s.customer_id, s.agent, s.team, s.channel, NULL::VARCHAR AS priority, NULL::VARCHAR AS category,
       NULL::VARCHAR AS tags, NULL::VARCHAR AS ticket_source, s.comment,
       coalesce(s.segment, _seg.segment) AS segment, s.origin
FROM surveys s
LEFT JOIN {segments} _seg ON _seg.customer_id = s.customer_id
"""
_NO_SEGMENTS = "(SELECT NULL::VARCHAR AS customer_id, NULL::VARCHAR AS segment WHERE false)"


def survey_facts_sql(con) -> str:
    sql = SURVEY_FACTS_SQL if table_exists(con, "ticket_metrics") else SURVEY_FACTS_NO_TICKETS_SQL
    return sql.format(segments=SEGMENT_MAP_SQL if table_exists(con, "customers") else _NO_SEGMENTS)


def survey_relation(con) -> str:
    if table_exists(con, "survey_facts") and _has_segment(con):
        return "survey_facts"
    return f"({survey_facts_sql(con)})"


def _has_segment(con) -> bool:
    """survey_facts built by an older Deskscope lack segment/origin: the raw SELECT answers then."""
    return bool(con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'survey_facts' AND column_name = "
                            "'origin' AND database_name = current_database() AND schema_name = current_schema()"
                            ).fetchall()[0][0])


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
    Agg("ces_pos_sq", f"sum(power((f.score - {CES_LO}) / ({CES_HI} - {CES_LO}), 2)) FILTER (WHERE {IS_CES})"),
    # CSAT responses read from a ticket export's rating column: one per rated ticket.
    Agg("csat_ticket_n", f"count(*) FILTER (WHERE {IS_CSAT} AND f.origin = 'ticket')"),
    Agg("undated_n", "count(*) FILTER (WHERE f.responded_at IS NULL)"),
)

ALL_DIMS = {"team": "team", "agent": "agent", "channel": "channel", "priority": "priority", "category": "category",
            "tag": "tags", "segment": "customer_id", "source": "source"}

SURVEY_DIMS = {**ALL_DIMS, "segment": "segment"}
SURVEYS = Fact(name="surveys", table="surveys", relation=survey_relation, date_column="responded_at",
               dims=SURVEY_DIMS, aggs=SURVEY_AGGS, settings_keys=("csat_satisfied_min",), direct_dims=("segment",))

# tickets.satisfaction says whether a survey was offered and answered in Zendesk's words: offered
# (sent, unanswered), unoffered, good, bad. Offered = offered, good or bad; rated = good or bad.
# Exports that hold only the answers (Freshdesk's faces, a rating column empty when unrated) cannot
# tell an unanswered survey from one never sent: their tickets count in neither, and the rate is
# None rather than 100%.
OFFERED = "lower(f.satisfaction) IN ('offered', 'good', 'bad')"
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


def wilson_interval(successes: float, n: float) -> tuple[float, float] | None:
    """95% Wilson score interval of a proportion (keeps inside 0-1 and behaves at small n)."""
    if not n:
        return None
    p = successes / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def csat_interval(aggs: dict) -> tuple[float, float] | None:
    return wilson_interval(aggs.get("csat_sat") or 0, aggs.get("csat_n") or 0)


def _ces_scale(aggs: dict) -> tuple[float, float]:
    """The CES responses' one scale, or 1-7 when they mix scales. All n bounds are equal exactly
    when n * sum(x^2) = sum(x)^2 (sums, so that cubes add and subtract them)."""
    n = aggs.get("ces_n") or 0
    lo_sum, hi_sum = aggs.get("ces_lo_sum"), aggs.get("ces_hi_sum")
    if n and lo_sum is not None and hi_sum is not None and _same(n, lo_sum, aggs.get("ces_lo_sq")) \
            and _same(n, hi_sum, aggs.get("ces_hi_sq")):
        return lo_sum / n, hi_sum / n  # one scale: figures on it
    return 1.0, 7.0  # mixed scales: rescaled to 1-7


def _same(n: float, total: float, squares: float | None) -> bool:
    """Every one of n values equal, from their sum and sum of squares (to rounding: sums of doubles)."""
    return math.isclose(n * (squares or 0), total * total, rel_tol=1e-12, abs_tol=1e-9)


def ces_interval(aggs: dict) -> tuple[float, float] | None:
    """Mean ± 1.96 standard errors (sample standard deviation of the positions), on the CES scale;
    None below two responses."""
    n = aggs.get("ces_n") or 0
    if n < 2:
        return None
    mean = (aggs.get("ces_pos_sum") or 0) / n
    var = max(((aggs.get("ces_pos_sq") or 0) - n * mean * mean) / (n - 1), 0.0)
    half = Z95 * math.sqrt(var / n)
    lo, hi = _ces_scale(aggs)
    return lo + max(mean - half, 0.0) * (hi - lo), lo + min(mean + half, 1.0) * (hi - lo)


def _ces(aggs: dict, _q=None):
    n = aggs.get("ces_n") or 0
    if not n:
        return None
    lo, hi = _ces_scale(aggs)
    return lo + (aggs.get("ces_pos_sum") or 0) / n * (hi - lo)


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
    "csat_low": Formula("surveys", "custom", fn=lambda a, q: (csat_interval(a) or (None, None))[0]),
    "csat_high": Formula("surveys", "custom", fn=lambda a, q: (csat_interval(a) or (None, None))[1]),
    "ces_low": Formula("surveys", "custom", fn=lambda a, q: (ces_interval(a) or (None, None))[0]),
    "ces_high": Formula("surveys", "custom", fn=lambda a, q: (ces_interval(a) or (None, None))[1]),
    "csat_rated_tickets": Formula("surveys", "count", ("csat_ticket_n",)),
    "survey_undated": Formula("surveys", "count", ("undated_n",)),
}
# A score metric's companions in a breakdown: its interval and its sample size.
COMPANIONS = {"csat": ("csat_low", "csat_high", "csat_responses"), "nps": ("nps_low", "nps_high", "nps_responses"),
              "ces": ("ces_low", "ces_high", "ces_responses")}
