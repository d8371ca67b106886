"""Two service initiatives in the simulated world: one with a known, injected effect and one with none
(``truth["initiatives"]``; ``cli.py demo`` registers them in the settings so the dashboard shows them).

* **Billing knowledge-base fix** (scope category = billing, metric reopen_rate, target -25%): from its
  start, every reopen of an ordinary billing ticket is removed with probability ``REOPEN_CUT`` (70%),
  drawn from a random stream of its own, so every other draw of the world stays as it was. The
  injected negatives of the churn design keep their reopens (the churn truth is unchanged). The
  *realised* effect is recorded: reopened tickets in scope after the start / the same tickets'
  reopens without the fix - 1 (well under -70%: the injected negatives and the tickets reopened and still open are untouched).
* **Technical reply macros** (scope team = Technical, metric replied_within_1h, target +15%): nothing
  is injected; its true effect is 0.

Both start a fixed number of days before the world's end, so the after window is long enough to
judge and the same weeks a year earlier lie inside the two-year observation.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from sample_data.draw import rng_for

REOPEN_CUT = 0.70
STREAM = 16  # rng_for(seed, STREAM): the effect's own random stream

SPECS = [
    {"key": "billing_kb", "name": "Demo: billing knowledge-base fix", "days_before_end": 235,
     "scope": {"category": "billing"}, "metric": "reopen_rate", "target_change": -0.25, "owner": "Billing team lead",
     "injected_effect": -REOPEN_CUT},
    {"key": "technical_macros", "name": "Demo: Technical reply macros", "days_before_end": 175,
     "scope": {"team": "Technical"}, "metric": "replied_within_1h", "target_change": 0.15, "owner": "Technical team lead",
     "injected_effect": 0.0},
]


def registered(end: dt.date) -> list[dict]:
    """The initiatives as ``[[initiatives]]`` tables (what settings.toml holds)."""
    return [{"name": s["name"], "start": (end - dt.timedelta(days=s["days_before_end"])).isoformat(), "scope": dict(s["scope"]),
             "metric": s["metric"], "target_change": s["target_change"], "owner": s["owner"]} for s in SPECS]


def cut_reopens(seed: int, start_local: int, created_local: np.ndarray, in_scope: np.ndarray, ordinary: np.ndarray,
                reopens: np.ndarray) -> np.ndarray:
    """Which tickets lose their reopen(s) to the fix: in scope, created (local time) on or after the
    start, ordinary (not an injected negative), reopened, and drawn with probability REOPEN_CUT."""
    u = rng_for(seed, STREAM).random(created_local.size)
    return in_scope & ordinary & (created_local >= start_local) & (reopens > 0) & (u < REOPEN_CUT)


def truth(end: dt.date, realised: dict[str, float | None]) -> list[dict]:
    out = []
    for spec, item in zip(SPECS, registered(end)):
        out.append({**item, "injected_effect": spec["injected_effect"],
                    "true_effect": realised.get(spec["key"], spec["injected_effect"])})
    return out
