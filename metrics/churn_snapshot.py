"""A customer list read as a snapshot: churn rate, revenue lost and already earned, monthly churn
from tenure, and LTV, with every input shown (``docs/churn.md``, "Snapshot lists").

A snapshot (one row per customer, a churn flag, tenure, charges, no dates) says who had left by
its as-of date and how long each customer stayed, but not when anyone left. So it supports rates,
revenue and LTV, not timing.

Definitions:
* compared customers = customers whose outcome is known (a churn flag or date), less those who
  joined during the period (a "Joined" status or tenure 0; counted apart);
* churn rate = churned / compared, Wilson 95% interval;
* lost monthly revenue = sum of the churned customers' monthly charge; revenue already earned
  from them = sum of their total charges (negative and blank values left out, and counted);
* monthly churn (hazard) = churned / customer-months observed, where every customer with a known
  outcome and a tenure contributes their tenure in months (churners up to when they left);
  the constant-hazard (exponential) estimate, with a Poisson interval. It assumes the list holds
  every customer who left during the tenure it covers; a dated list instead takes the monthly
  churn of its churn period (metrics/churn.py), so the page shows one figure;
* ARPU = mean monthly charge (0 or more) of every customer in the list; LTV = ARPU x gross
  margin / monthly churn (gross profit over the expected lifetime of 1 / monthly churn months).
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.churn_stats import poisson_rate, wilson

DAYS_PER_MONTH = 365.25 / 12


def _money(frame: pl.DataFrame, column: str) -> tuple[float, int, int, int]:
    """(sum of values >= 0, rows summed, negative rows, blank rows)."""
    values = frame.get_column(column)
    kept = values.filter(values >= 0)
    return float(kept.sum() or 0.0), kept.len(), int((values < 0).sum()), int(values.is_null().sum())


def tenure_months(customers: pl.DataFrame, end: dt.date | None) -> pl.Series:
    """Tenure in months: as exported, else from the start date to the churn date or the list's as-of
    date (``end`` when the list has none)."""
    until = pl.coalesce(pl.col("churned_at"), pl.col("as_of"), pl.lit(end, pl.Date))
    from_dates = (until - pl.col("started_at")).dt.total_days() / DAYS_PER_MONTH
    return customers.select(pl.coalesce(pl.col("tenure_months"), pl.when(from_dates >= 0).then(from_dates))
                            .alias("tenure")).to_series()


def figures(customers: pl.DataFrame, settings: dict, end: dt.date | None, fallback_arpu: float | None) -> dict:
    """The snapshot figures of a customer list (latest row per customer), JSON-safe."""
    churn = settings.get("churn") or {}
    margin = float(churn.get("gross_margin", 0.7))
    frame = customers.with_columns(tenure_months(customers, end).alias("tenure"),
                                   pl.col("churned").fill_null(False).alias("is_churned"))
    known = frame.filter(pl.col("churned").is_not_null())
    joined = known.filter(~pl.col("is_churned") & pl.col("joined").fill_null(False))
    compared = known.filter(pl.col("is_churned") | ~pl.col("joined").fill_null(False))
    churned = compared.filter(pl.col("is_churned"))
    k, n = churned.height, compared.height
    as_of_values = sorted({d for d in customers.get_column("as_of").drop_nulls().to_list()})
    as_of = as_of_values[-1] if as_of_values else end
    out: dict = {
        "available": n > 0,
        "as_of": as_of.isoformat() if as_of else None,
        "as_of_dates": len(as_of_values),
        "as_of_basis": "list" if as_of_values else ("data" if end else None),
        "customers": customers.height,
        "outcome_unknown": customers.height - known.height,
        "joined": joined.height,
        "compared": n,
        "churned": k,
        "stayed": n - k,
        "churn_rate": wilson(k, n).__dict__,
        "dated_churners": int(churned.get_column("churned_at").is_not_null().sum()),
        "estimated_starts": int(customers.get_column("started_estimated").fill_null(False).sum()),
        "ids_from_rows": int(customers.get_column("id_from_row").fill_null(False).sum()),
        "gross_margin": margin,
    }
    has_monthly = bool(customers.get_column("monthly_revenue").is_not_null().any())
    lost, lost_n, lost_negative, lost_blank = _money(churned, "monthly_revenue")
    out["monthly_revenue_column"] = has_monthly
    out["lost_monthly_revenue"] = lost if has_monthly else None
    out["lost_monthly_revenue_customers"] = lost_n
    out["churned_negative_monthly"] = lost_negative
    out["churned_blank_monthly"] = lost_blank
    has_total = bool(customers.get_column("total_revenue").is_not_null().any())
    earned, earned_n, earned_negative, earned_blank = _money(churned, "total_revenue")
    out["total_revenue_column"] = has_total
    out["earned_from_churned"] = earned if has_total else None
    out["earned_customers"] = earned_n
    out["churned_negative_total"] = earned_negative
    out["churned_blank_total"] = earned_blank
    _, _, negative_all, _ = _money(customers, "monthly_revenue")
    out["negative_monthly_customers"] = negative_all

    # Monthly churn from tenure: every customer with a known outcome and a tenure is observed for
    # their tenure; churners leave at the end of theirs.
    observed = known.filter(pl.col("tenure").is_not_null() & pl.col("tenure").is_not_nan())
    months = float(observed.get_column("tenure").sum() or 0.0)
    events = int(observed.get_column("is_churned").sum())
    out["tenure_customers"] = observed.height
    out["tenure_missing"] = known.height - observed.height

    revenue = customers.filter(pl.col("monthly_revenue") >= 0).get_column("monthly_revenue")
    if revenue.len():
        arpu, basis, arpu_n = float(revenue.mean()), "list", revenue.len()
    else:
        arpu, basis, arpu_n = fallback_arpu, "calculator", 0
    out["arpu"] = arpu
    out["arpu_customers"] = arpu_n
    out["arpu_basis"] = basis
    return with_monthly_churn(out, events, months, "tenure")


def with_monthly_churn(out: dict, events: int, months: float, basis: str) -> dict:
    """Monthly churn = events / customer-months (Poisson interval) and the LTV it gives, with their
    formulas. ``basis``: 'tenure' (every customer's tenure: a snapshot) or 'period' (customer-months
    at risk in the churn period of a dated list, as metrics/churn.py counts them)."""
    hazard = poisson_rate(events, months)
    where = "observed" if basis == "tenure" else "at risk in the churn period"
    out["monthly_churn_basis"] = basis
    out["customer_months"] = months
    out["hazard_churned"] = events
    out["monthly_churn"] = hazard.__dict__
    out["monthly_churn_formula"] = (f"{events:,} churned / {months:,.1f} customer-months {where} = "
                                    f"{hazard.estimate:.4%} a month" if hazard.estimate is not None else None)
    out["expected_lifetime_months"] = 1 / hazard.estimate if hazard.estimate else None
    arpu, margin = out["arpu"], out["gross_margin"]
    ltv = arpu * margin / hazard.estimate if arpu is not None and hazard.estimate else None
    out["ltv"] = ltv
    out["ltv_interval"] = ({"estimate": ltv, "low": arpu * margin / hazard.high if hazard.high else None,
                            "high": arpu * margin / hazard.low if hazard.low else None} if ltv is not None else None)
    out["ltv_formula"] = (f"ARPU {arpu:,.2f} x gross margin {margin:.0%} / monthly churn {hazard.estimate:.4%} = {ltv:,.2f}"
                          if ltv is not None else None)
    return out
