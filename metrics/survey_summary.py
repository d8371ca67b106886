"""What the reports say about satisfaction, as plain data: CSAT, NPS and CES with their 95%
intervals and sample sizes over all responses (dated or not), by segment with small segments
flagged, how many responses have no date and how many ratings came from ticket exports.

A snapshot covers one period; undated survey responses can never fall into one, so it shows this
all-time summary beside the period's figures, and says why a period figure is missing. The audit
shows it as its satisfaction section. Every number comes from ``metrics.engine`` (the same
definitions as the dashboard and ``cli.py metrics``).
"""
from __future__ import annotations

from metrics import engine
from metrics.filters import Filters
from metrics.satisfaction import COMPANIONS

SCORES = ("csat", "nps", "ces")
IDS = ["csat", "csat_low", "csat_high", "csat_responses", "nps", "nps_low", "nps_high", "nps_responses", "ces",
       "ces_low", "ces_high", "ces_responses", "csat_rated_tickets", "survey_undated"]


def summary(con, filters: Filters | None = None, period: Filters | None = None) -> dict:
    """{"responses", "undated", "rated_tickets", "kinds": {kind: {...} | None}, "segments": [...],
    "small_min", "in_period": {kind: n} | None}.

    ``filters``: dimension filters (their dates are ignored: undated responses have none).
    ``period``: a date range whose responses per kind are counted too (the snapshot's period),
    so a report can say "no NPS response is dated in this period".
    """
    import config

    filters = (filters or Filters()).without_dates()
    settings = config.get().get("metrics", {})
    small = int(settings.get("survey_small_segment", 30))
    out: dict = {"responses": 0, "undated": 0, "rated_tickets": 0, "kinds": {}, "segments": [], "small_min": small,
                 "in_period": None}
    from metrics.facts import table_exists

    if not table_exists(con, "surveys"):
        out["kinds"] = {k: None for k in SCORES}
        return out
    figures = engine.kpis(con, filters, IDS)
    out["undated"] = int(figures.get("survey_undated") or 0)
    out["rated_tickets"] = int(figures.get("csat_rated_tickets") or 0)
    for kind in SCORES:
        low, high, n_id = COMPANIONS[kind]
        n = int(figures.get(n_id) or 0)
        out["responses"] += n
        out["kinds"][kind] = None if not n else {
            "value": figures.get(kind), "low": figures.get(low), "high": figures.get(high), "n": n,
            "small": n < small}
    present = [k for k in SCORES if out["kinds"][k]]
    if present and engine.dimension_values(con, "segment"):
        frame = engine.breakdown(con, filters, "segment", present)
        for row in frame.to_dicts():
            seg = {"segment": row["segment"], "kinds": {}}
            for kind in present:
                low, high, n_id = COMPANIONS[kind]
                n = int(row.get(n_id) or 0)
                seg["kinds"][kind] = None if not n else {"value": row.get(kind), "low": row.get(low), "high": row.get(high),
                                                         "n": n, "small": n < small}
            out["segments"].append(seg)
    if period is not None and (period.date_from or period.date_to):
        dated = engine.kpis(con, period, [COMPANIONS[k][2] for k in SCORES])
        out["in_period"] = {k: int(dated.get(COMPANIONS[k][2]) or 0) for k in SCORES}
    return out
