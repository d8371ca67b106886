"""Surveys: CSAT after calls, CES after tickets, NPS about quarterly, the injected detractors, comments."""
from __future__ import annotations

import numpy as np
import polars as pl

from sample_data import vocab as V
from sample_data.clock import DAY, HOUR, TICKET_HOURS_WEEKDAY, TICKET_HOURS_WEEKEND, Calendar, local_to_utc
from sample_data.contacts import BACKGROUND_BEFORE, BOUND_HOURS_BEFORE, GOOD, NEGATIVE_FROM, NEGATIVE_TO
from sample_data.draw import constant, labels, lognormal, pick, rng_for


def _comments(rng, score01: np.ndarray) -> pl.Series:
    """Some responses carry a comment matching their score; a few are Russian, some span two lines."""
    n = score01.size
    sentiment = np.where(score01 < 0.45, 0, np.where(score01 < 0.75, 1, 2))
    names = ["negative", "neutral", "positive"]
    flat, offsets, sizes = [], [], []
    for lang in (V.PHRASES, V.PHRASES_RU):
        for s in names:
            offsets.append(len(flat))
            sizes.append(len(lang[s]))
            flat += lang[s]
    offsets, sizes = np.array(offsets), np.array(sizes)
    russian = (rng.random(n) < 0.06).astype(np.int64)
    group = russian * 3 + sentiment
    first = offsets[group] + (rng.random(n) * sizes[group]).astype(np.int64)
    second = offsets[group] + (rng.random(n) * sizes[group]).astype(np.int64)
    joiner = np.where(rng.random(n) < 0.4, "\n", ", ")
    two = (rng.random(n) < 0.25) & (second != first)
    has = rng.random(n) < np.where(sentiment == 0, 0.5, 0.25)
    text = labels(first, flat)
    text = pl.select(pl.when(pl.Series(two)).then(text + pl.Series(joiner) + labels(second, flat)).otherwise(text)).to_series()
    return pl.select(pl.when(pl.Series(has)).then(text).otherwise(None)).to_series()


def simulate_surveys(seed: int, c: dict, r: dict, tickets: pl.DataFrame, calls: pl.DataFrame,
                     neg_nps_owner: np.ndarray, cal: Calendar, first_day: int, end_day: int, export_utc: int,
                     bound_utc: np.ndarray, customer_ids: pl.Series) -> pl.DataFrame:
    """Survey rows in canonical columns (plus ``_owner`` and ``_call``), sorted by response time."""
    rng = rng_for(seed, 4)
    us = 1_000_000
    parts = []

    # CSAT 1-5 after some answered calls; worse after long waits.
    answered = calls.select("source_id", "ended_at", "_owner", "_kind", "wait_seconds", "hold_seconds", "resolved",
                            "_luck", "_agent_full", "team", "outcome").filter(pl.col("outcome") == "answered")
    m = answered.height
    take = rng.random(m) < 0.18
    ended = answered["ended_at"].cast(pl.Int64).to_numpy() // us
    responded = ended + 60 + np.minimum(lognormal(rng, 1200, 0.8, m), 86_400).astype(np.int64)
    owner = answered["_owner"].to_numpy()
    o = np.where(owner >= 0, owner, 0)
    limit = np.where(owner >= 0, np.minimum(bound_utc[o], export_utc), export_utc)
    take &= responded < limit
    wait = answered["wait_seconds"].to_numpy()
    z = (1.5 - 0.55 * np.log1p(wait / 30) - 0.3 * (answered["hold_seconds"].fill_null(0).to_numpy() > 0)
         + 0.5 * answered["resolved"].fill_null(False).to_numpy() - 0.8 * np.log(answered["_luck"].to_numpy())
         + rng.normal(0, 0.9, m))
    score = 1 + np.searchsorted([-1.2, -0.5, 0.3, 1.0], z)
    in_window = (owner >= 0) & (answered["_kind"].to_numpy() == GOOD)
    score = np.where(in_window & (score <= r["bad_csat_max"]), rng.integers(3, 6, m), score)
    parts.append(pl.DataFrame({
        "responded": responded, "kind": "csat", "score": score.astype(np.float64), "scale_min": 1.0, "scale_max": 5.0,
        "ticket_id": constant(None, m, pl.String), "owner": owner, "agent": answered["_agent_full"],
        "team": answered["team"], "channel": "phone", "_call": answered["source_id"]}).filter(pl.Series(take)))

    # CES 1-7 after some solved tickets; easier when fast and not reopened.
    solved = tickets.select("source_id", "solved_at", "_owner", "vendor_first_reply_minutes", "vendor_full_resolution_minutes",
                            "reopens", "agent", "team", "channel").filter(pl.col("solved_at").is_not_null())
    m = solved.height
    take = rng.random(m) < 0.12
    responded = (solved["solved_at"].cast(pl.Int64).to_numpy() // us + 600
                 + np.minimum(lognormal(rng, 3 * 3600, 1.0, m), 5 * 86_400).astype(np.int64))
    owner = solved["_owner"].to_numpy()
    o = np.where(owner >= 0, owner, 0)
    limit = np.where(owner >= 0, np.minimum(bound_utc[o], export_utc), export_utc)
    take &= responded < limit
    frt_h = solved["vendor_first_reply_minutes"].fill_null(0).to_numpy() / 60
    res_h = solved["vendor_full_resolution_minutes"].fill_null(0).to_numpy() / 60
    ease = 6.6 - 0.35 * np.log1p(frt_h) - 0.3 * np.log1p(res_h) - 1.0 * (solved["reopens"].to_numpy() > 0) + rng.normal(0, 1.1, m)
    score = np.clip(np.round(ease), 1, 7)
    parts.append(pl.DataFrame({
        "responded": responded, "kind": "ces", "score": score, "scale_min": 1.0, "scale_max": 7.0,
        "ticket_id": solved["source_id"], "owner": owner, "agent": solved["agent"], "team": solved["team"],
        "channel": solved["channel"]}).filter(pl.Series(take)))

    # NPS 0-10 about quarterly per customer (~20% answer); never a detractor near the outcome date
    # except the injected ones.
    quarters = int(round((end_day - first_day) / 91.25))
    n = c["n"]
    owner = np.repeat(np.arange(n), quarters)
    quarter = np.tile(np.arange(quarters), n)
    offset = rng.integers(0, 91, n)[owner]
    sent = (first_day + (quarter * 91.25).astype(np.int64) + offset) * DAY + 10 * HOUR
    local = sent + (lognormal(rng, 1.5 * DAY, 1.0, owner.size)).astype(np.int64)
    outcome = c["outcome"][owner]
    take = ((rng.random(owner.size) < 0.2) & (local >= np.maximum(c["start"][owner], first_day) * DAY)
            & (local < outcome * DAY - BOUND_HOURS_BEFORE * HOUR) & (local < end_day * DAY))
    owner, local, outcome = owner[take], local[take], outcome[take]
    m = owner.size
    mean = 8.3 + np.array([-0.6, 0.0, 0.4])[c["plan"][owner]] - 2.0 * np.log(c["quality"][owner])
    score = np.clip(np.round(mean + rng.normal(0, 1.7, m)), 0, 10)
    near = local >= (outcome - BACKGROUND_BEFORE) * DAY
    score = np.where(near & (score <= 6), rng.integers(7, 11, m), score)
    # The injected detractors.
    k = neg_nps_owner.size
    neg_out = c["outcome"][neg_nps_owner]
    neg_local = cal.sample(rng, (neg_out - NEGATIVE_FROM) * DAY, (neg_out - NEGATIVE_TO) * DAY,
                           TICKET_HOURS_WEEKDAY, TICKET_HOURS_WEEKEND)
    neg_score = pick(rng, [0.04, 0.03, 0.05, 0.08, 0.12, 0.28, 0.40], k).astype(np.float64)
    owner = np.concatenate([owner, neg_nps_owner])
    local = np.concatenate([local, neg_local])
    score = np.concatenate([score, neg_score])
    m = owner.size
    parts.append(pl.DataFrame({
        "responded": local_to_utc(local), "kind": "nps", "score": score, "scale_min": 0.0, "scale_max": 10.0,
        "ticket_id": constant(None, m, pl.String), "owner": owner,
        "agent": constant(None, m, pl.String), "team": constant(None, m, pl.String),
        "channel": "email"}))

    frame = pl.concat([p.with_columns(pl.col("responded").cast(pl.Int64), pl.col("owner").cast(pl.Int64),
                                      pl.col("kind").cast(pl.String), pl.col("channel").cast(pl.String),
                                      (pl.col("_call") if "_call" in p.columns else pl.lit(None)).cast(pl.String).alias("_call"))
                       for p in parts], how="vertical")
    frame = frame.with_row_index("_order").sort(["responded", "_order"])
    m = frame.height
    score01 = ((frame["score"] - frame["scale_min"]) / (frame["scale_max"] - frame["scale_min"])).to_numpy()
    o = frame["owner"].to_numpy()
    has_customer = o >= 0
    return frame.select(
        pl.lit("survey_responses").alias("source"),
        (pl.lit("R") + pl.int_range(1, m + 1, dtype=pl.Int64).cast(pl.String).str.zfill(7)).alias("source_id"),
        (pl.col("responded") * us).cast(pl.Datetime("us")).alias("responded_at"),
        "kind", "score", "scale_min", "scale_max", "ticket_id",
        pl.when(pl.Series(has_customer)).then(customer_ids.gather(np.where(has_customer, o, 0))).otherwise(None)
        .alias("customer_id"),
        "agent", "team", "channel",
        _comments(rng, score01).alias("comment"),
        pl.col("owner").alias("_owner"),
        pl.col("_call"),
    )
