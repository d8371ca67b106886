"""truth.json: what the generator injected and the headline figures computed straight from the world
frames, so tests can check that loaders, metrics and the churn module recover them.

Every figure here is computed from the world's own frames (not from loaded files); where a metric
needs a convention, the convention is written beside it in ``definitions``."""
from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from sample_data import vocab as V
from sample_data.clock import TZ


def _r(x, digits: int = 6):
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) else round(x, digits)


def _minutes(later: pl.Series, earlier: pl.Series) -> np.ndarray:
    return ((later - earlier).dt.total_seconds() / 60).to_numpy()


def _quantile(values: np.ndarray, q: float):
    return _r(np.quantile(values, q)) if values.size else None


def sla_outcomes(tickets: pl.DataFrame, rules: dict, as_of: dt.datetime) -> pl.DataFrame:
    """Per ticket: first-reply and resolution SLA status under the default policies (calendar
    minutes; blank priority = the Normal policy): achieved, breached, active, active_breach."""
    targets = rules["targets"]
    prio = tickets["priority"].fill_null("")
    fr_t = prio.replace_strict({p: targets[p][0] for p in targets}, return_dtype=pl.Float64)
    res_t = prio.replace_strict({p: targets[p][1] for p in targets}, return_dtype=pl.Float64)
    created = tickets["created_at"]
    now = pl.Series([as_of] * tickets.height, dtype=pl.Datetime("us"))
    fr_done = tickets["first_response_at"].is_not_null()
    res_done = tickets["solved_at"].is_not_null()
    fr_elapsed = pl.Series(_minutes(tickets["first_response_at"].fill_null(now), created))
    res_elapsed = pl.Series(_minutes(tickets["solved_at"].fill_null(now), created))

    def status(done, elapsed, target):
        return pl.select(pl.when(pl.lit(done)).then(pl.when(elapsed <= target).then(pl.lit("achieved")).otherwise(pl.lit("breached")))
                         .otherwise(pl.when(elapsed <= target).then(pl.lit("active")).otherwise(pl.lit("active_breach")))).to_series()

    return pl.DataFrame({"first_reply": status(fr_done, fr_elapsed, fr_t), "resolution": status(res_done, res_elapsed, res_t)})


def build_truth(*, seed, tickets_requested, churn_effect, end, years, export_utc, rules, tickets, calls, surveys,
                customers, exposure, c) -> dict:
    export_at = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(export_utc))
    return {
        "seed": seed,
        "tickets_requested": tickets_requested,
        "churn_effect": churn_effect,
        "timezone": TZ,
        "observation_start": (end - dt.timedelta(days=365 * years)).isoformat(),
        "observation_end": end.isoformat(),
        "export_at_utc": export_at.isoformat(sep=" "),
        "window_days": rules["window_days"],
        "counts": {
            "tickets": tickets.height,
            "calls": calls.height,
            "surveys": surveys.height,
            "customers": customers.height,
            "surveys_by_kind": {k: int(n) for k, n in surveys.group_by("kind").len().sort("kind").iter_rows()},
            "tickets_without_customer": int(tickets["customer_id"].null_count()),
            "calls_without_customer": int(calls["customer_id"].null_count()),
        },
        "churn": _churn(exposure, customers, c, churn_effect),
        "kpis": _kpis(tickets, calls, surveys, rules, export_at),
        "definitions": {
            "export": "the exports are taken at observation_end 00:00 America/New_York (export_at_utc); "
                      "tickets not solved by then are open",
            "negative_experience": "a contact in the window with: an SLA breach (default policies, calendar minutes, "
                                   "active breaches at export included), first reply > 12 h, a reopen, satisfaction "
                                   "'bad', CSAT <= 2, NPS <= 6, or an abandoned call (wait >= 5 s); one contact counts once",
            "window": "the 90 days before the outcome date: a churner's churn date, a stayer's observation_end",
            "true_attributable_churned": "customers whose churn draw fell in [base, base + extra): they churned "
                                         "because of the injected support effect",
            "medians": "numpy linear-interpolated quantiles over exact seconds/60",
            "offered_calls": "answered + abandoned (busy/failed never reached the queue)",
            "abandonment_rate": "abandoned excluding short abandons (wait < 5 s) / offered excluding short abandons",
            "service_level": "answered within 20 s / offered excluding short abandons",
            "aht_seconds": "talk + hold + wrap per answered call (world truth); Asterisk CDRs carry only billsec "
                           "(talk + hold), see asterisk_billsec_mean",
        },
    }


def _churn(exposure: pl.DataFrame, customers: pl.DataFrame, c: dict, churn_effect: float) -> dict:
    k = exposure["negatives"].to_numpy()
    churned = exposure["churned"].to_numpy()
    cause = exposure["churn_cause"].to_numpy()
    exposed = k > 0
    support = cause == "support"

    def block(mask) -> dict:
        e, ch = exposed & mask, churned & mask
        return {"customers": int(mask.sum()), "exposed": int(e.sum()), "churned": int(ch.sum()),
                "churned_exposed": int((ch & e).sum()), "churned_unexposed": int((ch & ~e).sum()),
                "true_attributable_churned": int((support & mask).sum())}

    everyone = np.ones(k.size, dtype=bool)
    out = block(everyone)
    n_exp, n_unexp = out["exposed"], out["customers"] - out["exposed"]
    rate_exp = out["churned_exposed"] / n_exp if n_exp else None
    rate_unexp = out["churned_unexposed"] / n_unexp if n_unexp else None
    excess = rate_exp - rate_unexp if rate_exp is not None and rate_unexp is not None else None
    plans = exposure["plan"].to_numpy()
    out.update({
        "unexposed": n_unexp,
        "churn_rate_exposed": _r(rate_exp),
        "churn_rate_unexposed": _r(rate_unexp),
        "crude_excess_rate": _r(excess),
        "crude_attributable_estimate": _r(excess * n_exp) if excess is not None else None,
        # Expected number of support-caused churners given the injected probabilities (sum of extra).
        "expected_attributable": _r(float(c["extra"][exposed].sum())),
        "by_negatives": [
            {"negatives": label, "customers": int(m.sum()), "churned": int((churned & m).sum()),
             "true_attributable_churned": int((support & m).sum())}
            for label, m in (("0", k == 0), ("1", k == 1), ("2", k == 2), ("3+", k >= 3))],
        "by_plan": {plan: block(plans == plan) for plan in V.PLANS},
        "injected": {
            "base_churn_by_plan": dict(zip(V.PLANS, V.BASE_CHURN)),
            "churn_effect": _r(churn_effect),
            "extra_churn_multiplier_by_negatives": {("3+" if n == 3 else str(n)): m for n, m in V.DOSE_EXTRA.items()},
            "exposure_distribution_by_plan": {p: dict(zip(["0", "1", "2", "3", "4"], d))
                                              for p, d in zip(V.PLANS, V.EXPOSURE_DIST)},
            "negative_kinds": {"tickets": int(exposure["negative_tickets"].sum()),
                               "abandoned_calls": int(exposure["negative_calls"].sum()),
                               "nps_detractors": int(exposure["negative_nps"].sum())},
        },
        "stated_reasons": _reasons(customers, exposure),
    })
    return out


def _reasons(customers: pl.DataFrame, exposure: pl.DataFrame) -> dict:
    frame = customers.select("churned", "churn_category", "churn_reason").with_columns(exposure["churn_cause"])
    churned = frame.filter(pl.col("churned"))

    def counts(f: pl.DataFrame, col: str) -> dict:
        return {str(v): int(n) for v, n in f.group_by(col).len().sort(col, nulls_last=True).iter_rows()}

    return {
        "by_category": counts(churned, "churn_category"),
        "by_reason": counts(churned, "churn_reason"),
        "support_caused_by_category": counts(churned.filter(pl.col("churn_cause") == "support"), "churn_category"),
        "no_reason_given": int(churned["churn_reason"].null_count()),
    }


def _kpis(tickets: pl.DataFrame, calls: pl.DataFrame, surveys: pl.DataFrame, rules: dict, export_at: dt.datetime) -> dict:
    tickets = tickets.select("created_at", "first_response_at", "solved_at", "status", "satisfaction", "reopens",
                             "replies", "priority", "channel", "team", "vendor_first_reply_business_minutes")
    replied = tickets.filter(pl.col("first_response_at").is_not_null())
    frt = _minutes(replied["first_response_at"], replied["created_at"])
    solved = tickets.filter(pl.col("solved_at").is_not_null())
    full = _minutes(solved["solved_at"], solved["created_at"])
    sla = sla_outcomes(tickets, rules, export_at)
    any_breach = (sla["first_reply"].is_in(["breached", "active_breach"]) | sla["resolution"].is_in(["breached", "active_breach"]))
    status = tickets["status"]
    sat = tickets["satisfaction"]

    answered = calls.filter(pl.col("outcome") == "answered")
    abandoned = calls.filter(pl.col("outcome") == "abandoned")
    short = abandoned.filter(pl.col("wait_seconds") < rules["short_abandon_seconds"]).height
    offered = answered.height + abandoned.height
    offered_ex_short = offered - short
    within_20 = answered.filter(pl.col("wait_seconds") <= 20).height
    aht = (answered["talk_seconds"] + answered["hold_seconds"].fill_null(0) + answered["wrap_seconds"].fill_null(0)).to_numpy()

    csat = surveys.filter(pl.col("kind") == "csat")["score"].to_numpy()
    nps = surveys.filter(pl.col("kind") == "nps")["score"].to_numpy()
    ces = surveys.filter(pl.col("kind") == "ces")["score"].to_numpy()
    return {
        "tickets": tickets.height,
        "backlog": int((~status.is_in(["solved", "closed"])).sum()),
        "backlog_by_status": {s: int(n) for s, n in tickets.group_by("status").len().sort("status").iter_rows()},
        "solved": solved.height,
        "replied": replied.height,
        "frt_median_minutes": _quantile(frt, 0.5),
        "frt_p90_minutes": _quantile(frt, 0.9),
        "frt_mean_minutes": _r(frt.mean()) if frt.size else None,
        "frt_business_median_minutes": _quantile(replied["vendor_first_reply_business_minutes"].to_numpy(), 0.5),
        "replied_within_1h": int((frt <= 60).sum()),
        "replied_within_12h": int((frt <= 720).sum()),
        "resolution_median_minutes": _quantile(full, 0.5),
        "resolution_p90_minutes": _quantile(full, 0.9),
        "reopened_tickets": int((tickets["reopens"] > 0).sum()),
        "reopen_rate_of_solved": _r((solved["reopens"] > 0).mean()) if solved.height else None,
        "one_touch_solved": int((solved["replies"] <= 1).sum()),
        "replies_per_ticket": _r(tickets["replies"].mean()),
        "sla": {
            "first_reply": {s: int(n) for s, n in sla.group_by("first_reply").len().sort("first_reply").iter_rows()},
            "resolution": {s: int(n) for s, n in sla.group_by("resolution").len().sort("resolution").iter_rows()},
            "tickets_with_breach": int(any_breach.sum()),
            "tickets_with_active_breach": int(((sla["first_reply"] == "active_breach")
                                               | (sla["resolution"] == "active_breach")).sum()),
        },
        "satisfaction": {s: int(n) for s, n in sat.value_counts().sort("satisfaction").iter_rows()},
        "tickets_by_channel": {s: int(n) for s, n in tickets.group_by("channel").len().sort("channel").iter_rows()},
        "tickets_by_team": {s: int(n) for s, n in tickets.group_by("team").len().sort("team").iter_rows()},
        "calls_total": calls.height,
        "calls_offered": offered,
        "calls_answered": answered.height,
        "calls_abandoned": abandoned.height,
        "short_abandons": short,
        "calls_busy": int((calls["outcome"] == "busy").sum()),
        "calls_failed": int((calls["outcome"] == "failed").sum()),
        "answer_rate": _r(answered.height / offered) if offered else None,
        "abandonment_rate": _r((abandoned.height - short) / offered_ex_short) if offered_ex_short else None,
        "asa_seconds": _r(answered["wait_seconds"].mean()),
        "service_level": _r(within_20 / offered_ex_short) if offered_ex_short else None,
        "aht_seconds": _r(aht.mean()) if aht.size else None,
        "asterisk_billsec_mean": _r((answered["talk_seconds"] + answered["hold_seconds"].fill_null(0)).mean()),
        "csat_responses": int(csat.size),
        "csat": _r((csat >= 4).mean()) if csat.size else None,
        "nps_responses": int(nps.size),
        "nps": _r(100 * ((nps >= 9).mean() - (nps <= 6).mean())) if nps.size else None,
        "ces_responses": int(ces.size),
        "ces": _r(ces.mean()) if ces.size else None,
    }
