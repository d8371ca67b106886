"""Support signals held as columns of the customer list itself: a count of contacts with support,
a complaint flag, a satisfaction score (``docs/churn.md``, "Support columns inside the list").

From the list alone, over the customers whose outcome is known (joiners counted apart):
* churn by number of contacts (0, 1, 2, 3, 4, 5+), by complaint flag, by satisfaction score, and by
  number of bad experiences (a complaint, a low score) when the list has both, each group with
  customers, churned, rate and Wilson interval, and its excess over the unexposed group
  (Newcombe interval);
* per signal, the exposed vs unexposed comparison (contacted at least once / complained / low
  score), the attributable churned customers (excess x exposed) and what they cost a month and
  over the horizon: the mean monthly charge of the exposed churners when the list has charges,
  else the calculator's ARPU (``revenue_basis`` says which);
* the list's curve beside the industry figures (58% after one bad experience, 61-67% after two);
* a leakage caution where a signal tells churn almost perfectly (``churn.leakage_accuracy``).

A low score uses the survey CSAT threshold: rescaled to 1-5 it is at or below
``churn.negative.bad_csat_max``; a likelihood-to-recommend answer rescaled to 0-10 is low at 6 or below.
"""
from __future__ import annotations

import polars as pl

from metrics.churn_stats import newcombe, wilson

CONTACT_BUCKETS = ("0", "1", "2", "3", "4", "5+")
INDUSTRY = [
    {"id": "after_one", "bad_experiences": 1, "rate": 0.58, "low": 0.58, "high": 0.58, "source": "HubSpot",
     "claim": "58% stop buying after one bad support experience"},
    {"id": "after_two", "bad_experiences": 2, "rate": 0.64, "low": 0.61, "high": 0.67, "source": "Microsoft, PwC",
     "claim": "61-67% leave after two bad experiences"},
]
SIGNALS = ("complaint", "satisfaction", "contacts")  # the headline signal: the first the list has


def _rate(label: str, group: pl.DataFrame) -> dict:
    n, k = group.height, int(group.get_column("is_churned").sum())
    return {"label": label, "customers": n, "churned": k, "rate": wilson(k, n).__dict__}


def _with_excess(groups: list[dict], reference: dict) -> list[dict]:
    """Each group's excess churn over the reference group, with Newcombe's interval."""
    for g in groups:
        if g is reference or not g["customers"] or not reference["customers"]:
            g["excess"] = None
            continue
        g["excess"] = newcombe(g["churned"], g["customers"], reference["churned"], reference["customers"]).__dict__
    return groups


def low_score_expr(bad_csat_max: float) -> pl.Expr:
    """True when the in-list score is low: CSAT rescaled to 1-5 at or below bad_csat_max; NPS rescaled
    to 0-10 at or below 6. NULL when the score is missing."""
    lo, hi, score = pl.col("satisfaction_scale_min"), pl.col("satisfaction_scale_max"), pl.col("satisfaction_score")
    csat = 1 + 4 * (score - lo.fill_null(1)) / (hi.fill_null(5) - lo.fill_null(1))
    nps = 10 * (score - lo.fill_null(0)) / (hi.fill_null(10) - lo.fill_null(0))
    return (pl.when(score.is_null()).then(None)
            .when(pl.col("satisfaction_kind") == "nps").then(nps <= 6)
            .otherwise(csat <= bad_csat_max))


def _comparison(frame: pl.DataFrame, exposed: pl.Expr, label: str, revenue: dict, horizon: float,
                leakage_accuracy: float) -> dict:
    exp, unexp = frame.filter(exposed), frame.filter(~exposed)
    a, n1 = int(exp.get_column("is_churned").sum()), exp.height
    c, n0 = int(unexp.get_column("is_churned").sum()), unexp.height
    excess = newcombe(a, n1, c, n0)
    out = {"exposed_label": label, "exposed": _rate("exposed", exp), "unexposed": _rate("unexposed", unexp),
           "excess": excess.__dict__, "attributable_churned": excess.scaled(n1).__dict__}
    # Money: the exposed churners' own charges when the list has them, else the calculator's ARPU.
    charges = exp.filter(pl.col("is_churned") & (pl.col("monthly_revenue") >= 0)).get_column("monthly_revenue")
    if charges.len():
        each, basis, basis_n = float(charges.mean()), "list", charges.len()
    elif revenue["list_arpu"] is not None:
        each, basis, basis_n = revenue["list_arpu"], "list_arpu", revenue["list_arpu_customers"]
    else:
        each, basis, basis_n = revenue["calculator_arpu"], "calculator", 0
    out["revenue_each_monthly"] = each
    out["revenue_basis"] = basis
    out["revenue_basis_customers"] = basis_n
    out["cost_monthly"] = excess.scaled(n1 * each).__dict__ if each is not None else None
    out["cost_horizon"] = excess.scaled(n1 * each * horizon).__dict__ if each is not None else None
    out["horizon_months"] = horizon
    # Leakage: the signal sorts churners from stayers almost perfectly (either way round).
    total = n1 + n0
    accuracy = (a + (n0 - c)) / total if total else None
    best = max(accuracy, 1 - accuracy) if accuracy is not None else None
    out["accuracy"] = best
    out["leakage_caution"] = bool(best is not None and n1 and n0 and best >= leakage_accuracy)
    return out


def analyse(customers: pl.DataFrame, settings: dict, fallback_arpu: float | None) -> dict:
    """The in-list support figures of the latest customer rows (JSON-safe)."""
    churn = settings.get("churn") or {}
    negative = churn.get("negative") or {}
    bad_max = float(negative.get("bad_csat_max", 2))
    horizon = float(churn.get("horizon_months", 12))
    leakage = float(churn.get("leakage_accuracy", 0.95))
    frame = (customers.filter(pl.col("churned").is_not_null())
             .filter(pl.col("churned") | ~pl.col("joined").fill_null(False))
             .with_columns(pl.col("churned").alias("is_churned"), low_score_expr(bad_max).alias("low_score")))
    present = {
        "contacts": bool(frame.get_column("support_contacts").is_not_null().any()),
        "complaint": bool(frame.get_column("complained").is_not_null().any()),
        "satisfaction": bool(frame.get_column("satisfaction_score").is_not_null().any()),
    }
    out: dict = {"available": any(present.values()), "signals": [s for s in SIGNALS if present[s]],
                 "customers": frame.height, "industry": INDUSTRY, "bad_csat_max": bad_max, "horizon_months": horizon,
                 "leakage_accuracy": leakage}
    if not out["available"]:
        return out
    list_revenue = frame.filter(pl.col("monthly_revenue") >= 0).get_column("monthly_revenue")
    revenue = {"list_arpu": float(list_revenue.mean()) if list_revenue.len() else None,
               "list_arpu_customers": list_revenue.len(), "calculator_arpu": fallback_arpu}

    if present["contacts"]:
        known = frame.filter(pl.col("support_contacts").is_not_null())
        bucket = pl.col("support_contacts").clip(upper_bound=5)
        groups = [_rate(label, known.filter(bucket == i)) for i, label in enumerate(CONTACT_BUCKETS)]
        out["contacts"] = {
            "buckets": _with_excess(groups, groups[0]),
            "missing": frame.height - known.height,
            "comparison": _comparison(known, pl.col("support_contacts") >= 1, "1+", revenue, horizon, leakage),
            "after_one": groups[1]["rate"]["estimate"],
            "after_two_plus": _rate("2+", known.filter(bucket >= 2))["rate"]["estimate"],
        }
    if present["complaint"]:
        known = frame.filter(pl.col("complained").is_not_null())
        groups = [_rate("no", known.filter(~pl.col("complained"))), _rate("yes", known.filter(pl.col("complained")))]
        out["complaint"] = {
            "groups": _with_excess(groups, groups[0]),
            "missing": frame.height - known.height,
            "comparison": _comparison(known, pl.col("complained"), "complained", revenue, horizon, leakage),
        }
    if present["satisfaction"]:
        known = frame.filter(pl.col("low_score").is_not_null())
        scores = sorted(known.get_column("satisfaction_score").unique().to_list())
        groups = []
        for score in scores:
            group = known.filter(pl.col("satisfaction_score") == score)
            item = _rate(f"{score:g}", group)
            item["score"] = score
            item["low"] = bool(group.get_column("low_score").any())
            groups.append(item)
        not_low = known.filter(~pl.col("low_score"))
        reference = _rate("not low", not_low)
        for g in groups:
            g["excess"] = (newcombe(g["churned"], g["customers"], reference["churned"], reference["customers"]).__dict__
                           if g["low"] and reference["customers"] else None)
        first = known.select("satisfaction_kind", "satisfaction_scale_min", "satisfaction_scale_max").row(0)
        out["satisfaction"] = {
            "scores": groups,
            "kind": first[0], "scale_min": first[1], "scale_max": first[2],
            "missing": frame.height - known.height,
            "comparison": _comparison(known, pl.col("low_score"), "low score", revenue, horizon, leakage),
        }
    # Bad experiences: a complaint and a low score each count once (shown when the list has both).
    if present["complaint"] and present["satisfaction"]:
        known = frame.filter(pl.col("complained").is_not_null() & pl.col("low_score").is_not_null())
        count = pl.col("complained").cast(pl.Int32) + pl.col("low_score").cast(pl.Int32)
        groups = [_rate(label, known.filter(count == i)) for i, label in enumerate(("0", "1", "2"))]
        out["bad_experiences"] = {
            "groups": _with_excess(groups, groups[0]),
            "missing": frame.height - known.height,
            "comparison": _comparison(known, count >= 1, "1+", revenue, horizon, leakage),
            "after_one": groups[1]["rate"]["estimate"],
            "after_two_plus": groups[2]["rate"]["estimate"],
        }
    headline = next(s for s in SIGNALS if present[s])
    out["headline"] = headline
    out["leakage"] = [s for s in ("contacts", "complaint", "satisfaction", "bad_experiences")
                      if s in out and out[s]["comparison"]["leakage_caution"]]
    return out
