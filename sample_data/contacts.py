"""Who contacts support when: each customer's contacts are laid out relative to its outcome date D,
so that the injected negatives are the only negative experiences in the churn window."""
from __future__ import annotations

import numpy as np

from sample_data.clock import DAY, HOUR

# Where a customer's contacts may fall, in days before its outcome date D (churn date, or `end`).
# The churn module counts negatives in the 90 days before D; margins keep every contact clearly
# inside or outside that window whatever the boundary convention (dates vs timestamps, UTC vs local).
BACKGROUND_BEFORE = 94    # ordinary (random) contacts: created before D - 94 days, finished before D - 93
GOOD_FROM = BACKGROUND_BEFORE  # good contacts: from D - 94 days until 19:00 local the day before D
NEGATIVE_FROM, NEGATIVE_TO = 87, 4  # the K injected negative experiences: D - 87 .. D - 4 days
BOUND_HOURS_BEFORE = 5    # nothing of a customer at or after 19:00 local the day before D (<= D 00:00 UTC)
NO_ORG_SHARE = 0.05       # tickets from requesters without an organisation (customer_id NULL)
CALLS_PER_TICKET = 0.45
UNKNOWN_CALLER_SHARE = 0.08
NEGATIVE_KIND_SHARE = [0.80, 0.10, 0.10]  # a negative experience is a bad ticket / abandoned call / NPS detractor

BACKGROUND, GOOD, NEGATIVE, ANONYMOUS = 0, 1, 2, 3


def plan_contacts(rng, c: dict, total: int, anonymous: int, negatives_owner: np.ndarray, first_day: int,
                  end_day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Owner (customer index or -1), kind, and [lo, hi) local-time bounds for `total` contacts."""
    begin = np.maximum(c["start"], first_day)
    bg_days = (c["outcome"] - BACKGROUND_BEFORE - begin).clip(min=1)
    good_days = GOOD_FROM - 1
    customer_total = total - anonymous
    rate = customer_total / float(np.sum(c["weight"] * (bg_days + good_days)))
    # The injected negatives replace some of the good contacts (volume stays level near the end).
    expected_good = rate * c["weight"] * good_days
    negatives_each = np.bincount(negatives_owner, minlength=c["n"])
    n_good = rng.poisson(np.maximum(expected_good - negatives_each, 0.2 * expected_good))
    room = customer_total - negatives_owner.size
    if n_good.sum() > 0.9 * room:  # tiny worlds: keep some ordinary contacts
        n_good = np.floor(n_good * max(0.0, 0.9 * room) / n_good.sum()).astype(np.int64)
    n_bg = max(0, room - int(n_good.sum()))
    p = c["weight"] * bg_days
    bg_counts = rng.multinomial(n_bg, p / p.sum())
    idx = np.arange(c["n"])
    owner = np.concatenate([np.repeat(idx, bg_counts), np.repeat(idx, n_good), negatives_owner,
                            np.full(anonymous, -1, dtype=np.int64)])
    kind = np.concatenate([np.full(n_bg, BACKGROUND), np.full(n_good.sum(), GOOD),
                           np.full(negatives_owner.size, NEGATIVE), np.full(anonymous, ANONYMOUS)])
    o = np.where(owner >= 0, owner, 0)
    outcome = c["outcome"][o]
    bound = outcome * DAY - BOUND_HOURS_BEFORE * HOUR
    lo = np.select([kind == BACKGROUND, kind == GOOD, kind == NEGATIVE],
                   [begin[o] * DAY, (outcome - GOOD_FROM) * DAY, (outcome - NEGATIVE_FROM) * DAY], first_day * DAY)
    hi = np.select([kind == BACKGROUND, kind == GOOD, kind == NEGATIVE],
                   [(outcome - BACKGROUND_BEFORE) * DAY, bound - 2 * HOUR, (outcome - NEGATIVE_TO) * DAY],
                   end_day * DAY - 2 * HOUR)
    return owner, kind, lo, hi
