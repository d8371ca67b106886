"""Customers: segment, plan, revenue, the injected exposure K and churn with its cause."""
from __future__ import annotations

import numpy as np
import polars as pl

from sample_data import vocab as V
from sample_data.draw import constant, labels, lognormal, pick, rng_for


def simulate_customers(seed: int, n: int, churn_effect: float, end_day: int, first_day: int) -> dict:
    """Customer columns as numpy arrays, including K (injected negatives), churn and its cause."""
    rng = rng_for(seed, 1)
    seg = pick(rng, V.SEGMENT_SHARE, n)
    plan_cdf = np.cumsum(np.array(V.PLAN_GIVEN_SEGMENT), axis=1)[seg]
    plan = np.minimum((rng.random(n)[:, None] > plan_cdf).sum(axis=1), 2)
    exp_cdf = np.cumsum(np.array(V.EXPOSURE_DIST), axis=1)[plan]
    k = (rng.random(n)[:, None] > exp_cdf).sum(axis=1)
    k = np.minimum(k, len(V.EXPOSURE_DIST[0]) - 1)
    base = np.array(V.BASE_CHURN)[plan]
    dose = np.array([0.0] + [V.DOSE_EXTRA[min(i, 3)] for i in range(1, len(V.EXPOSURE_DIST[0]))])
    extra = churn_effect * dose[k]
    extra = np.minimum(base + extra, 0.95) - base
    u = rng.random(n)
    churned = u < base + extra
    # 1 = would have churned anyway (u < base); 2 = churned because of support (base <= u < base + extra)
    cause = np.where(~churned, 0, np.where(u < base, 1, 2))
    churn_day = end_day - rng.integers(3, 366, n)
    outcome = np.where(churned, churn_day, end_day)
    old = rng.random(n) < 0.55
    new_start = first_day + (rng.random(n) * (outcome - 120 - first_day + 1)).astype(np.int64)
    start = np.where(old, first_day - rng.integers(1, 3 * 365, n), new_start)
    weight = rng.gamma(2.0, 0.5, n) * np.array(V.SEGMENT_ACTIVITY)[seg]
    quality = np.exp(rng.normal(0.0, 0.3, n))  # > 1: this customer's ordinary tickets wait longer
    monthly = np.round(lognormal(rng, np.array(V.PLAN_MONTHLY_MEDIAN)[plan], 0.4, n))
    people = np.minimum(1 + rng.poisson(np.array([0.5, 1.5, 3.0])[seg]), 8)
    name_a = rng.integers(0, len(V.COMPANY_WORDS_1), n)
    name_b = rng.integers(0, len(V.COMPANY_WORDS_2), n)
    name_c = rng.integers(0, len(V.COMPANY_SUFFIX), n)
    # Stated reasons: support-caused churners mostly name support; the others name something else.
    support_cat = pick(rng, [0.6, 0.4], n)
    other_cat = pick(rng, [0.35, 0.30, 0.20, 0.15], n)
    reason_pick = rng.random(n)
    stated = rng.random(n) >= 0.08  # some churners give no reason
    return dict(n=n, seg=seg, plan=plan, k=k, base=base, extra=extra, churned=churned, cause=cause,
                outcome=outcome, start=start, weight=weight, quality=quality, monthly=monthly, people=people,
                name_a=name_a, name_b=name_b, name_c=name_c, support_cat=support_cat, other_cat=other_cat,
                reason_pick=reason_pick, stated=stated)


def stated_reasons(c: dict) -> tuple[list, list]:
    categories, reasons = [], []
    support_names = list(V.CHURN_REASONS_SUPPORT)
    other_names = list(V.CHURN_REASONS_OTHER)
    for cause, s_cat, o_cat, pick, stated in zip(c["cause"].tolist(), c["support_cat"].tolist(),
                                                  c["other_cat"].tolist(), c["reason_pick"].tolist(),
                                                  c["stated"].tolist()):
        # One loop over customers (tickets/12 of them), only to pick strings.
        if cause == 0 or not stated:
            categories.append(None)
            reasons.append(None)
            continue
        cat = support_names[s_cat] if cause == 2 else other_names[o_cat]
        options = (V.CHURN_REASONS_SUPPORT if cause == 2 else V.CHURN_REASONS_OTHER)[cat]
        categories.append(cat)
        reasons.append(options[int(pick * len(options))])
    return categories, reasons


def customer_frame(c: dict, customer_ids: pl.Series, end_day: int) -> pl.DataFrame:
    categories, reasons = stated_reasons(c)
    names = (labels(c["name_a"], V.COMPANY_WORDS_1) + " " + labels(c["name_b"], V.COMPANY_WORDS_2) + " "
             + labels(c["name_c"], V.COMPANY_SUFFIX))
    until = np.where(c["churned"], c["outcome"], end_day)
    months = np.maximum((until - c["start"]) / 30.4375, 0)
    churned = c["churned"]
    return pl.DataFrame({
        "source": constant("crm", c["n"], pl.String),
        "source_id": customer_ids,
        "name": names,
        "segment": labels(c["seg"], V.SEGMENTS),
        "plan": labels(c["plan"], V.PLANS),
        "started_at": pl.Series(c["start"].astype(np.int32)).cast(pl.Date),
        "churned_at": pl.Series(c["outcome"].astype(np.int32)).cast(pl.Date).set(pl.Series(~churned), None),
        "churned": pl.Series(churned),
        "churn_category": pl.Series(categories, dtype=pl.String),
        "churn_reason": pl.Series(reasons, dtype=pl.String),
        "monthly_revenue": c["monthly"].astype(np.float64),
        "total_revenue": np.round(c["monthly"] * months, 2),
        "currency": pl.Series(["USD"] * c["n"], dtype=pl.String),
    })
