"""Tickets: attributes, reply/resolution times, reopens, status at export, satisfaction; and the
canonical ticket frame with the Zendesk-only fields."""
from __future__ import annotations

import numpy as np
import polars as pl

from sample_data import vocab as V
from sample_data.clock import DAY, TICKET_HOURS_WEEKDAY, TICKET_HOURS_WEEKEND, Calendar, local_to_utc, utc_to_local
from sample_data.contacts import BACKGROUND, GOOD, NEGATIVE, NO_ORG_SHARE, plan_contacts
from sample_data.draw import agents, constant, in_order, labels, lognormal, pick, rng_for, timestamps


def simulate_tickets(seed: int, c: dict, cal: Calendar, r: dict, total: int, neg_owner: np.ndarray, first_day: int,
                     end_day: int, export_utc: int, bound_utc: np.ndarray, background_end_utc: np.ndarray) -> dict:
    """Every ticket's attributes and timeline as numpy columns, sorted by creation time."""
    rng = rng_for(seed, 2)
    owner, kind, lo, hi = plan_contacts(rng, c, total, int(round(total * NO_ORG_SHARE)), neg_owner, first_day, end_day)
    n = owner.size
    created_local = cal.sample(rng, lo, hi, TICKET_HOURS_WEEKDAY, TICKET_HOURS_WEEKEND)
    created = local_to_utc(created_local)
    o = np.where(owner >= 0, owner, 0)
    is_neg, is_good = kind == NEGATIVE, kind == GOOD

    cat = pick(rng, [V.CATEGORIES[k]["share"] for k in V.CATEGORY_NAMES], n)
    team = np.array([V.TEAM_NAMES.index(V.CATEGORIES[k]["team"]) for k in V.CATEGORY_NAMES])[cat]
    u = rng.random(n)
    for name, share in V.ESCALATE_TO_TIER2.items():
        team = np.where((cat == V.CATEGORY_NAMES.index(name)) & (u < share), V.TEAM_NAMES.index("Tier 2"), team)
    team = np.where((cat == V.CATEGORY_NAMES.index("how-to")) & (u > 0.7), V.TEAM_NAMES.index("Technical"), team)
    agent_names, _, offsets, sizes = agents()
    agent = offsets[team] + (rng.random(n) * sizes[team]).astype(np.int64)
    channel = pick(rng, V.CHANNEL_SHARE, n)
    priority = pick(rng, V.PRIORITY_SHARE, n)
    # Injected negatives: priorities whose first-reply target a 12.5 h reply always breaches.
    priority = np.where(is_neg & (priority >= 3), pick(rng, [0.1, 0.3, 0.6], n), priority)
    by_agent = rng.random(n) < 0.04
    channel = np.where(by_agent, np.where(rng.random(n) < 0.6, V.CHANNELS.index("phone"), 0), channel)

    slowness = np.array([V.TEAM_SLOWNESS[t] for t in V.TEAM_NAMES])[team]
    luck = np.where(owner >= 0, c["quality"][o], 1.2)
    speed = np.array([V.PRIORITY_SPEED[p] for p in V.PRIORITIES])[priority]
    reply_median = np.array([V.CHANNEL_REPLY_MINUTES[ch] for ch in V.CHANNELS])[channel] * speed * slowness * luck
    frt = lognormal(rng, reply_median, 1.0, n)
    # Off hours, most tickets wait for the next opening, then for the morning queue.
    covered = rng.random(n) < np.where((channel == V.CHANNELS.index("chat")) | (priority == 0), 0.75, 0.5)
    waiting = ~cal.in_hours(created_local) & ~covered
    frt = np.where(waiting, cal.seconds_to_open(created_local) / 60 + lognormal(rng, 50 * slowness, 0.9, n), frt)
    solve = lognormal(rng, np.array([V.CATEGORIES[k]["solve_hours"] for k in V.CATEGORY_NAMES])[cat] * 60
                       * speed * slowness * luck, 0.9, n)
    p_reopen = np.array([V.CATEGORIES[k]["reopen"] for k in V.CATEGORY_NAMES])[cat] * np.where(slowness > 1.5, 1.4, 0.95)
    reopens = np.where(rng.random(n) < p_reopen, 1 + (rng.random(n) < 0.2) + (rng.random(n) < 0.04), 0)
    reopen_time = np.where(reopens > 0, lognormal(rng, 20 * 60, 0.9, n) * reopens, 0.0)

    # Good contacts in the window: within every SLA target, no slow reply, no reopen, solved before D.
    fr_target = np.array([r["targets"][p][0] for p in V.PRIORITIES])[priority]
    res_target = np.array([r["targets"][p][1] for p in V.PRIORITIES])[priority]
    room = np.minimum(0.9 * res_target, (bound_utc[o] - created) / 60 - 5)
    fr_cap = np.minimum(0.9 * np.minimum(fr_target, r["slow_minutes"]), 0.5 * room)
    frt = np.where(is_good & (frt > fr_cap), fr_cap * rng.uniform(0.05, 1.0, n), frt)
    solve = np.where(is_good & (frt + solve > room), (room - frt) * rng.uniform(0.2, 1.0, n), solve)
    reopens = np.where(is_good, 0, reopens)
    reopen_time = np.where(is_good, 0.0, reopen_time)
    # Injected negatives, each unmistakable on its own: a slow first reply (> 12 h, which also breaches
    # every first-reply target), a reopen, or a resolution 1.2-2x past its target (first solve).
    # (Late resolutions only for urgent/high: a Normal 3-day target would run past the outcome date.)
    how = rng.random(n)
    late = is_neg & (how >= 0.6) & (priority <= 1)
    slow = is_neg & ((how < 0.4) | (how >= 0.6) & ~late)
    reopened = is_neg & (((how >= 0.4) & (how < 0.6)) | slow & (rng.random(n) < 0.1))
    frt = np.where(slow, rng.uniform(r["slow_minutes"] + 30, 2400, n),
                   np.where(is_neg, fr_target * rng.uniform(0.05, 0.8, n), frt))
    solve = np.where(late, res_target * rng.uniform(1.2, 2.0, n) - frt,
                     np.where(is_neg, np.minimum(solve, 0.8 * res_target - frt).clip(min=30), solve))
    solve = np.where(is_neg, np.minimum(solve, 4000 - frt), solve)  # everything done within ~3 days
    reopens = np.where(reopened, 1 + (rng.random(n) < 0.2), np.where(is_neg, 0, reopens))
    reopen_time = np.where(reopened, rng.uniform(60, 1300, n), np.where(is_neg, 0.0, reopen_time))
    full = frt + solve + reopen_time
    # Ordinary customer tickets finish before D - 93 days (outside any window).
    cap = np.where(kind == BACKGROUND, (background_end_utc[o] - created) / 60 - 1, np.inf)
    scale = np.where(full > cap, cap / full, 1.0)
    frt, solve, reopen_time = frt * scale, solve * scale, reopen_time * scale
    frt = np.maximum(frt, 0.5)

    fr_at = created + np.round(frt * 60).astype(np.int64)
    first_solved_at = fr_at + np.round(solve * 60).astype(np.int64)
    solved_at = first_solved_at + np.round(reopen_time * 60).astype(np.int64)
    # Backlog: some injected negatives of customers who stay are still open and unreplied at export
    # (an active first-reply breach; created >= 4 days before the export).
    unreplied = is_neg & ~c["churned"][o] & (created_local >= (end_day - 20) * DAY) & (rng.random(n) < 0.5)
    replied = (fr_at < export_utc) & ~unreplied
    first_solved = replied & (first_solved_at < export_utc)
    solved = replied & (solved_at < export_utc)
    reopens = np.where(first_solved, np.where(solved, reopens, np.maximum(reopens, 1)), 0)
    closed = solved & (solved_at + 4 * DAY < export_utc)

    # Status at export.
    u = rng.random(n)
    open_status = np.where(~replied, np.where((u < 0.5) & ~by_agent, 0, 1), np.where(u < 0.45, 1, np.where(u < 0.85, 2, 3)))
    status = np.where(closed, 5, np.where(solved, 4, open_status))  # New Open Pending On-hold Solved Closed
    assigned = status != 0

    one_touch = rng.random(n) < 0.45
    extra_replies = rng.poisson(np.where(cat == V.CATEGORY_NAMES.index("bug"), 2.0, 0.8), n)
    replies = np.where(replied, 1 + reopens + np.where(one_touch, 0, extra_replies), 0)

    frt_h, full_h = frt / 60, (frt + solve + reopen_time) / 60
    p_bad = 1 / (1 + np.exp(-(0.5 * np.log1p(frt_h) + 0.35 * np.log1p(full_h) + 1.2 * (reopens > 0) - 2.6)))
    offered = solved & (channel != V.CHANNELS.index("api")) & (rng.random(n) < 0.75)
    rated = offered & (rng.random(n) < 0.3)
    bad = rated & (rng.random(n) < np.where(is_neg, 0.75, p_bad)) & ~is_good
    satisfaction = np.where(~offered, 3, np.where(~rated, 2, np.where(bad, 1, 0)))  # good bad offered unoffered

    columns = dict(owner=owner, kind=kind, created=created, created_local=created_local, cat=cat, team=team,
                   agent=agent, channel=channel, priority=priority, by_agent=by_agent, fr_at=fr_at,
                   first_solved_at=first_solved_at, solved_at=solved_at, replied=replied, first_solved=first_solved,
                   solved=solved, closed=closed, status=status, assigned=assigned, reopens=reopens, replies=replies,
                   satisfaction=satisfaction, frt=frt)
    return in_order(columns, created) | dict(n=n, rng=rng, agent_names=agent_names)


def ticket_frame(t: dict, c: dict, cal: Calendar, customer_ids: pl.Series, export_utc: int) -> pl.DataFrame:
    """Canonical ticket columns plus the export-only ones (prefixed ``_``); ids 1001.. in time order."""
    rng, n = t["rng"], t["n"]
    o = np.where(t["owner"] >= 0, t["owner"], 0)
    has_customer = t["owner"] >= 0
    created, fr_at, first_solved_at, solved_at = t["created"], t["fr_at"], t["first_solved_at"], t["solved_at"]
    closed_at = solved_at + 4 * DAY
    # Zendesk's own minute columns (integers, as the export shows them).
    cal_fr = (fr_at - created) / 60
    cal_first = (first_solved_at - created) / 60
    cal_full = (solved_at - created) / 60
    start = cal.business_minutes_upto(utc_to_local(created))

    def business(until, valid):
        return cal.business_minutes_upto(utc_to_local(np.where(valid, until, created))) - start

    bus_fr = business(fr_at, t["replied"])
    bus_first = business(first_solved_at, t["first_solved"])
    bus_full = business(solved_at, t["solved"])
    after_reply = np.maximum(cal_full - cal_fr, 0)
    requester_wait = cal_fr + 0.35 * after_reply
    agent_wait = 0.45 * after_reply
    hold_share = np.where((t["team"] == V.TEAM_NAMES.index("Tier 2")) | (t["cat"] == V.CATEGORY_NAMES.index("bug")), 0.15, 0.0)
    on_hold = hold_share * after_reply
    ratio = np.where(cal_full > 0, bus_full / np.maximum(cal_full, 1e-9), 0)
    assign_delay = np.minimum(np.maximum(cal_fr * 0.5, 0.5), lognormal(rng, 10, 1.0, n)) * 60
    assigned_at = created + np.round(assign_delay).astype(np.int64)
    updated_at = np.where(t["closed"], closed_at, np.where(t["solved"], solved_at,
                          np.where(t["first_solved"], first_solved_at + 3600, np.where(t["replied"], fr_at, assigned_at))))
    updated_at = np.minimum(updated_at, export_utc - 60)

    cat_names = V.CATEGORY_NAMES
    subjects_flat = [s for k in cat_names for s in V.CATEGORIES[k]["subjects"]]
    sub_offsets = np.cumsum([0] + [len(V.CATEGORIES[k]["subjects"]) for k in cat_names])[:-1]
    sub_sizes = np.array([len(V.CATEGORIES[k]["subjects"]) for k in cat_names])
    subject_idx = sub_offsets[t["cat"]] + (rng.random(n) * sub_sizes[t["cat"]]).astype(np.int64)
    subject = labels(subject_idx, subjects_flat).str.replace("{n}", pl.Series(rng.integers(1000, 99999, n)).cast(pl.String), literal=True)
    extra_tag = rng.integers(0, len(V.EXTRA_TAGS), n)
    tag_extra = pl.select(pl.when(pl.Series(rng.random(n) < 0.3)).then(labels(extra_tag, V.EXTRA_TAGS))
                          .otherwise(None)).to_series()
    vip = pl.select(pl.when(pl.Series(has_customer & (c["seg"][o] == 2))).then(pl.lit("vip")).otherwise(None)).to_series()
    tags = pl.select(pl.concat_str([labels(t["cat"], [k.replace("-", "_") for k in cat_names]), tag_extra, vip],
                                   separator=" ", ignore_nulls=True)).to_series()
    agent_name = labels(t["agent"], t["agent_names"])
    team_name = labels(t["team"], V.TEAM_NAMES)
    priority_name = labels(t["priority"], V.PRIORITIES)
    status_name = labels(t["status"], ["new", "open", "pending", "on_hold", "solved", "closed"])
    sat_name = labels(t["satisfaction"], ["good", "bad", "offered", "unoffered"])

    def minutes(values, valid):
        return pl.Series(np.round(values)).cast(pl.Float64).set(pl.Series(~valid), None) if n else pl.Series([], dtype=pl.Float64)

    replied, first_solved, solved = t["replied"], t["first_solved"], t["solved"]
    cust_id = pl.select(pl.when(pl.Series(has_customer)).then(customer_ids.gather(o)).otherwise(None)).to_series()
    frame = pl.DataFrame({
        "source": constant("zendesk", n, pl.String),
        "created_at": timestamps(created),
        "updated_at": timestamps(updated_at),
        "first_response_at": timestamps(fr_at, replied),
        "first_solved_at": timestamps(first_solved_at, first_solved),
        "solved_at": timestamps(solved_at, solved),
        "closed_at": timestamps(closed_at, t["closed"]),
        "due_at": constant(None, n, pl.Datetime("us")),
        "status": status_name,
        "priority": pl.select(pl.when(priority_name == "").then(None).otherwise(priority_name)).to_series(),
        "channel": labels(t["channel"], V.CHANNELS),
        "team": team_name,
        "agent": pl.select(pl.when(pl.Series(t["assigned"])).then(agent_name).otherwise(None)).to_series(),
        "customer_id": cust_id,
        "category": labels(t["cat"], cat_names),
        "tags": tags,
        "subject": subject,
        "created_by_agent": pl.Series(t["by_agent"]),
        "reopens": pl.Series(t["reopens"]).cast(pl.Int32),
        "replies": pl.Series(t["replies"]).cast(pl.Int32),
        "satisfaction": sat_name,
        "sla_policy": constant(None, n, pl.String),
        "vendor_first_reply_minutes": minutes(cal_fr, replied),
        "vendor_first_reply_business_minutes": minutes(bus_fr, replied),
        "vendor_first_resolution_minutes": minutes(cal_first, first_solved),
        "vendor_first_resolution_business_minutes": minutes(bus_first, first_solved),
        "vendor_full_resolution_minutes": minutes(cal_full, solved),
        "vendor_full_resolution_business_minutes": minutes(bus_full, solved),
        "vendor_requester_wait_minutes": minutes(requester_wait, solved),
        "vendor_agent_wait_minutes": minutes(agent_wait, solved),
        "vendor_on_hold_minutes": minutes(on_hold, solved),
        "vendor_made_sla": constant(None, n, pl.Boolean),
        # export-only
        "_kind": t["kind"],
        "_owner": t["owner"],
        "_assigned_at": timestamps(assigned_at, t["assigned"]),
        "_requester_wait_business": minutes(requester_wait * ratio, solved),
        "_agent_wait_business": minutes(agent_wait * ratio, solved),
        "_on_hold_business": minutes(on_hold * ratio, solved),
        "_group_stations": 1 + (t["team"] == V.TEAM_NAMES.index("Tier 2")).astype(np.int64),
        "_assignee_stations": 1 + (t["team"] == V.TEAM_NAMES.index("Tier 2")).astype(np.int64)
        + ((t["reopens"] > 0) & (rng.random(n) < 0.3)).astype(np.int64),
        "_person": np.where(has_customer, o * 8 + (rng.random(n) * c["people"][o]).astype(np.int64),
                            -1 - rng.integers(0, max(50, n // 40), n)),
        "_ticket_type": pl.select(pl.when(pl.Series(rng.random(n) < 0.1)).then(None)
                                  .otherwise(labels(t["cat"], [V.CATEGORIES[k]["type"] for k in cat_names]))).to_series(),
    })
    frame = frame.with_columns(pl.int_range(1001, 1001 + n, dtype=pl.Int64).cast(pl.String).alias("source_id"))
    return frame
