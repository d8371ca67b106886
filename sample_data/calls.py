"""Calls: arrivals, queue waits against caller patience, outcomes, talk/hold/wrap; the canonical
call frame with the Asterisk-only fields."""
from __future__ import annotations

import numpy as np
import polars as pl

from sample_data import initiatives as INITIATIVES
from sample_data import vocab as V
from sample_data.clock import CALL_HOURS_WEEKDAY, CALL_HOURS_WEEKEND, DAY, HOUR, Calendar, local_to_utc
from sample_data.contacts import ANONYMOUS, BACKGROUND, GOOD, NEGATIVE, UNKNOWN_CALLER_SHARE, plan_contacts
from sample_data.draw import agents, constant, in_order, labels, lognormal, pick, rng_for, timestamps


def simulate_calls(seed: int, c: dict, cal: Calendar, total: int, neg_owner: np.ndarray, first_day: int, end_day: int,
                   bound_utc: np.ndarray) -> dict:
    """Every call as numpy columns, sorted by queue time."""
    rng = rng_for(seed, 3)
    owner, kind, lo, hi = plan_contacts(rng, c, total, int(round(total * UNKNOWN_CALLER_SHARE)), neg_owner,
                                         first_day, end_day)
    n = owner.size
    queued_local = cal.sample(rng, lo, hi, CALL_HOURS_WEEKDAY, CALL_HOURS_WEEKEND)
    queued = local_to_utc(queued_local)
    queue = pick(rng, V.QUEUE_SHARE, n)
    team_choice = rng.random(n)
    team = np.select([queue == 0, queue == 1],
                     [np.where(team_choice < 0.5, V.TEAM_NAMES.index("Accounts"), V.TEAM_NAMES.index("Onboarding")),
                      np.full(n, V.TEAM_NAMES.index("Billing"))],
                     np.where(team_choice < 0.8, V.TEAM_NAMES.index("Technical"), V.TEAM_NAMES.index("Tier 2")))
    _, _, offsets, sizes = agents()
    agent = offsets[team] + (rng.random(n) * sizes[team]).astype(np.int64)

    day_index = queued_local // DAY - cal.first
    hour = (queued_local % DAY) // HOUR
    quiet = cal.quiet[day_index]
    staffed = ~quiet & (hour >= 8) & (hour < 20)
    peak = staffed & (((hour >= 10) & (hour < 12)) | ((hour >= 14) & (hour < 16)))
    median_wait = np.where(staffed, np.where(peak, 30.0, 10.0), 150.0) * np.where(cal.weekday[day_index] == 0, 1.3, 1.0)
    potential = lognormal(rng, median_wait, 1.0, n)
    patience = 320.0 * rng.weibull(1.6, n)  # rising hazard: the longer the wait, the likelier a hang-up
    short = rng.random(n) < 0.03
    patience = np.where(short, rng.integers(1, 5, n), patience)
    abandoned = patience < potential
    wait = np.where(abandoned, np.floor(patience), np.round(potential))
    u = rng.random(n)
    ordinary = (kind == BACKGROUND) | (kind == ANONYMOUS)
    disposition = np.where(ordinary & (u < 0.01), 2, np.where(ordinary & (u < 0.016), 3, 0))  # 0 ok, 2 busy, 3 failed
    is_good, is_neg = kind == GOOD, kind == NEGATIVE
    abandoned = np.where(is_good, False, np.where(is_neg, True, abandoned))
    wait = np.where(is_good, np.minimum(wait, rng.integers(2, 26, n)), np.where(is_neg, rng.integers(30, 301, n), wait))
    abandoned &= disposition == 0
    answered = (disposition == 0) & ~abandoned
    wait = np.where(disposition > 0, 0, np.maximum(wait, 0)).astype(np.int64)
    talk = np.where(answered, np.clip(np.round(lognormal(rng, 240, 0.6, n)), 15, 3600), 0).astype(np.int64)
    hold = np.where(answered & (rng.random(n) < 0.3), np.round(lognormal(rng, 50, 0.7, n)), 0).astype(np.int64)
    wrap = np.where(answered, np.round(lognormal(rng, 40, 0.5, n)), 0).astype(np.int64)
    # The initiative with a known effect (sample_data/initiatives.py): shorter calls in its scope from its start.
    treated = INITIATIVES.shortened_calls(np.where(owner >= 0, c["seg"][np.maximum(owner, 0)], -1), queued_local, answered, end_day)
    handle_without = (talk + hold + wrap)[treated].sum()
    talk, hold, wrap = (np.where(treated, np.round(x * INITIATIVES.HANDLE_FACTOR), x).astype(np.int64)
                        for x in (talk, hold, wrap))
    talk = np.where(answered, np.maximum(talk, 1), talk)
    effect = float((talk + hold + wrap)[treated].sum() / handle_without - 1) if handle_without else None
    ring = np.where(disposition > 0, rng.integers(0, 3, n), 0)
    answered_at = queued + wait
    ended = np.where(answered, answered_at + talk + hold, queued + wait + ring)
    resolved = answered & (rng.random(n) < np.where(wait > 60, 0.62, 0.74))
    pbx_answered = abandoned & (rng.random(n) < 0.25)  # Queue() answered by the PBX, no agent: CDR says ANSWERED
    return in_order(dict(owner=owner, kind=kind, queued=queued, queue=queue, team=team, agent=agent, wait=wait,
                          talk=talk, hold=hold, wrap=wrap, answered=answered, abandoned=abandoned, disposition=disposition,
                          answered_at=answered_at, ended=ended, resolved=resolved, pbx_answered=pbx_answered),
                     queued) | dict(n=n, rng=rng, initiative_effects={INITIATIVES.SPECS[0]["key"]: effect})


def call_frame(k: dict, c: dict, customer_ids: pl.Series, quality: np.ndarray) -> pl.DataFrame:
    n, rng = k["n"], k["rng"]
    o = np.where(k["owner"] >= 0, k["owner"], 0)
    has_customer = k["owner"] >= 0
    agent_names, _, _, _ = agents()
    peers = [name.split()[0].lower() for name in agent_names]
    outcome = np.where(k["answered"], 0, np.where(k["abandoned"], 1, k["disposition"]))
    phone_area = rng.integers(201, 990, n)
    phone_line = np.where(has_customer, (o * 7919 + 1_000_003) % 9_000_000 + 1_000_000, rng.integers(1_000_000, 9_999_999, n))
    caller_area = np.where(has_customer, 200 + (o * 31) % 780, phone_area)
    caller = pl.lit("1") + pl.Series(caller_area).cast(pl.String) + pl.Series(phone_line).cast(pl.String)
    caller = pl.select(caller).to_series()
    cust_id = pl.select(pl.when(pl.Series(has_customer)).then(customer_ids.gather(o)).otherwise(None)).to_series()
    return pl.DataFrame({
        "source": constant("asterisk", n, pl.String),
        "queued_at": timestamps(k["queued"]),
        "answered_at": timestamps(k["answered_at"], k["answered"]),
        "ended_at": timestamps(k["ended"]),
        "wait_seconds": k["wait"].astype(np.float64),
        "talk_seconds": k["talk"].astype(np.float64),
        "hold_seconds": pl.Series(k["hold"].astype(np.float64)).set(pl.Series(~k["answered"]), None),
        "wrap_seconds": pl.Series(k["wrap"].astype(np.float64)).set(pl.Series(~k["answered"]), None),
        "direction": constant("inbound", n, pl.String),
        "outcome": labels(outcome, ["answered", "abandoned", "busy", "failed"]),
        "queue": labels(k["queue"], V.QUEUES),
        "agent": pl.select(pl.when(pl.Series(k["answered"])).then(labels(k["agent"], peers)).otherwise(None)).to_series(),
        "team": pl.select(pl.when(pl.Series(k["answered"])).then(labels(k["team"], V.TEAM_NAMES)).otherwise(None)).to_series(),
        "customer_id": cust_id,
        "caller": caller,
        "resolved": pl.select(pl.when(pl.Series(k["answered"])).then(pl.Series(k["resolved"])).otherwise(None)).to_series(),
        "satisfaction": pl.Series([None] * n, dtype=pl.Float64),
        "vendor_outcome": labels(np.where(k["pbx_answered"], 0, np.where(outcome == 1, 1, np.where(outcome == 0, 0, outcome))),
                                   ["ANSWERED", "NO ANSWER", "BUSY", "FAILED"]),
        "_kind": k["kind"],
        "_owner": k["owner"],
        "_agent_full": labels(k["agent"], agent_names),
        "_pbx_answered": k["pbx_answered"],
        "_person": np.where(has_customer, o * 8 + (rng.random(n) * c["people"][o]).astype(np.int64), -1 - rng.integers(0, 5000, n)),
        "_luck": np.where(has_customer, quality[o], 1.0),
    })


def with_call_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """Asterisk uniqueid: epoch seconds of the call start '.' a running channel counter."""
    n = frame.height
    epoch = frame["queued_at"].cast(pl.Int64) // 1_000_000
    return frame.with_columns((epoch.cast(pl.String) + "." + pl.int_range(1, n + 1, dtype=pl.Int64, eager=True)
                               .cast(pl.String)).alias("source_id"))


def attach_call_csat(calls: pl.DataFrame, surveys: pl.DataFrame) -> pl.DataFrame:
    """The post-call CSAT score also goes on its call row (calls.satisfaction)."""
    scores = surveys.filter(pl.col("_call").is_not_null()).select(pl.col("_call").alias("source_id"),
                                                                   pl.col("score").alias("_csat"))
    return (calls.join(scores, on="source_id", how="left", maintain_order="left")
            .with_columns(pl.col("_csat").alias("satisfaction")).drop("_csat"))
