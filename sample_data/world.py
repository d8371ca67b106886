"""The simulated support world: customers, tickets, calls and surveys over two years, with a known,
injected effect of bad support on churn (``sample_data/README.md`` explains the design).

Everything is vectorised numpy/polars (no Python loop over rows), so 1M tickets take seconds.
Every random stream is seeded from ``(seed, part)``, so the same seed always gives the same world.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from sample_data import vocab as V
from sample_data.calls import attach_call_csat, call_frame, simulate_calls, with_call_ids
from sample_data.clock import DAY, HOUR, TZ, Calendar, day_number, local_to_utc
from sample_data.contacts import BACKGROUND_BEFORE, BOUND_HOURS_BEFORE, CALLS_PER_TICKET, NEGATIVE_KIND_SHARE
from sample_data.customers import customer_frame, simulate_customers
from sample_data.draw import labels, pick, rng_for
from sample_data.initiatives import truth as initiative_truth
from sample_data.surveys import simulate_surveys
from sample_data.tickets import simulate_tickets, ticket_frame
from sample_data.truth import build_truth

SETTINGS_FILE = Path(__file__).resolve().parents[1] / "settings.default.toml"


@dataclass
class World:
    tickets: pl.DataFrame
    calls: pl.DataFrame
    surveys: pl.DataFrame
    customers: pl.DataFrame
    truth: dict
    # One row per customer: outcome date, injected negatives K, churn and its cause ('base'/'support').
    exposure: pl.DataFrame = field(default_factory=pl.DataFrame)
    # Export-only fields (requester, stations, Asterisk channels ...) keyed by source_id.
    ticket_details: pl.DataFrame = field(default_factory=pl.DataFrame)
    call_details: pl.DataFrame = field(default_factory=pl.DataFrame)


# ---------------------------------------------------------------------------------------------
# Settings the world must agree with: SLA targets and the negative-experience thresholds
# ---------------------------------------------------------------------------------------------

def rules(settings: dict | None = None) -> dict:
    """SLA targets per priority (calendar minutes) and churn thresholds from settings.default.toml."""
    if settings is None:
        with open(SETTINGS_FILE, "rb") as fh:
            settings = tomllib.load(fh)
    targets: dict[str, tuple[float, float]] = {}
    for policy in settings.get("sla", {}).get("policies", []):
        cond = policy.get("conditions", {})
        if set(cond) - {"priority"} or policy.get("business"):
            raise ValueError(f"sample_data: SLA policy {policy.get('name')!r} uses conditions other than priority or "
                             "business hours; the generator only follows calendar-minute priority policies")
        values = cond.get("priority", [])
        for value in [values] if isinstance(values, str) else values:
            targets.setdefault(value, (float(policy["first_reply_minutes"]), float(policy["resolution_minutes"])))
    missing = [p for p in V.PRIORITIES if p not in targets]
    if missing:
        raise ValueError(f"sample_data: no SLA policy matches priority {missing}; add one to settings.default.toml")
    churn = settings.get("churn", {})
    negative = churn.get("negative", {})
    return {
        "targets": targets,
        "window_days": int(churn.get("window_days", 90)),
        "slow_minutes": float(negative.get("slow_first_reply_hours", 12)) * 60,
        "bad_csat_max": float(negative.get("bad_csat_max", 2)),
        "short_abandon_seconds": float(settings.get("metrics", {}).get("short_abandon_seconds", 5)),
    }


def simulate(seed: int = 42, tickets: int = 50_000, churn_effect: float = 0.2, end: dt.date = dt.date(2026, 11, 22),
             years: int = 2) -> World:
    """A deterministic support world of `tickets` tickets over `years` years ending `end` (the export is
    taken at `end` 00:00 America/New_York). See sample_data/README.md."""
    if tickets < 200:
        raise ValueError(f"sample_data.simulate: tickets={tickets} is too small for a meaningful world; use 200 or more")
    if not 0 <= churn_effect <= 0.6:
        raise ValueError(f"sample_data.simulate: churn_effect={churn_effect} must be between 0 and 0.6")
    r = rules()
    end_day = day_number(end)
    first_day = end_day - 365 * years
    export_utc = int(local_to_utc(np.array([end_day * DAY]))[0])
    cal = Calendar(first_day - 5, end_day + 120)

    n_customers = max(30, int(round(tickets / 12)))
    c = simulate_customers(seed, n_customers, churn_effect, end_day, first_day)
    width = max(5, len(str(n_customers)))
    customer_ids = pl.select(pl.lit("C") + pl.int_range(1, n_customers + 1, dtype=pl.Int64).cast(pl.String)
                             .str.zfill(width)).to_series()
    bound_utc = local_to_utc(c["outcome"] * DAY - BOUND_HOURS_BEFORE * HOUR)
    background_end_utc = local_to_utc((c["outcome"] - BACKGROUND_BEFORE + 1) * DAY)

    # Split each customer's K negative experiences into bad tickets, abandoned calls and NPS detractors.
    neg_owner = np.repeat(np.arange(n_customers), c["k"])
    neg_kind = pick(rng_for(seed, 5), NEGATIVE_KIND_SHARE, neg_owner.size)
    t = simulate_tickets(seed, c, cal, r, tickets, neg_owner[neg_kind == 0], first_day, end_day, export_utc,
                         bound_utc, background_end_utc)
    ticket_rows = ticket_frame(t, c, cal, customer_ids, export_utc)
    del t  # the numpy columns are in the frame now; at 10M tickets they are gigabytes
    k = simulate_calls(seed, c, cal, int(round(tickets * CALLS_PER_TICKET)), neg_owner[neg_kind == 1], first_day,
                       end_day, bound_utc)
    initiative_effects = k["initiative_effects"]
    call_rows = with_call_ids(call_frame(k, c, customer_ids, c["quality"]))
    del k
    survey_rows = simulate_surveys(seed, c, r, ticket_rows, call_rows, neg_owner[neg_kind == 2], cal, first_day, end_day,
                                   export_utc, bound_utc, customer_ids)
    call_rows = attach_call_csat(call_rows, survey_rows)
    customers = customer_frame(c, customer_ids, end_day)
    exposure = pl.DataFrame({
        "customer_id": customer_ids,
        "plan": labels(c["plan"], V.PLANS),
        "outcome_date": pl.Series(c["outcome"].astype(np.int32)).cast(pl.Date),
        "negatives": c["k"].astype(np.int64),
        "negative_tickets": np.bincount(neg_owner[neg_kind == 0], minlength=n_customers),
        "negative_calls": np.bincount(neg_owner[neg_kind == 1], minlength=n_customers),
        "negative_nps": np.bincount(neg_owner[neg_kind == 2], minlength=n_customers),
        "churned": c["churned"],
        "churn_cause": labels(c["cause"], [None, "base", "support"]),
    })
    canonical = _canonical({"tickets": ticket_rows, "calls": call_rows, "surveys": survey_rows, "customers": customers})
    customers = canonical["customers"]
    truth = build_truth(seed=seed, tickets_requested=tickets, churn_effect=churn_effect, end=end, years=years,
                        export_utc=export_utc, rules=r, tickets=canonical["tickets"], calls=canonical["calls"],
                        surveys=canonical["surveys"], customers=customers, exposure=exposure, c=c)
    truth["initiatives"] = initiative_truth(end, initiative_effects)
    return World(tickets=canonical["tickets"], calls=canonical["calls"], surveys=canonical["surveys"],
                 customers=customers, truth=truth, exposure=exposure,
                 ticket_details=ticket_rows.select("source_id", pl.selectors.starts_with("_")),
                 call_details=call_rows.select("source_id", pl.selectors.starts_with("_")))


def _canonical(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Exactly the canonical columns of loaders/schema.py, typed; source_tz is the zone the exports
    are written in, load_id NULL (no load wrote these rows)."""
    from loaders import schema

    out = {}
    for name, frame in frames.items():
        dtypes = schema.polars_schema(name)
        fill = {"source_tz": pl.lit(TZ)}
        out[name] = frame.select([(pl.col(col) if col in frame.columns else fill.get(col, pl.lit(None)))
                                  .cast(dtypes[col]).alias(col) for col in schema.column_names(name)])
    return out
