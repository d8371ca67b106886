"""Two service initiatives in the simulated world: one with a known, injected effect and one with none
(``truth["initiatives"]``; ``cli.py demo`` registers them in the settings so the dashboard shows them).

* **Enterprise call scripts** (scope segment = Enterprise, metric aht_seconds, target -15%): from its
  start, the talk, hold and wrap-up seconds of every answered call of an Enterprise customer are multiplied by
  ``HANDLE_FACTOR`` (0.75). No random draw is added, so every other value of the world stays as it
  was. The *realised* effect on the treated calls is recorded: their handle time / the same calls'
  handle time without the scripts - 1 (-25% up to the rounding to whole seconds). Handle times do
  not depend on the churn design, so in-scope and out-of-scope calls share their trend (what a
  difference-in-differences assumes). The scope is a segment because the call exports name the
  customer (Asterisk's accountcode) but not the agent's team. A reopen fix was tried first and dropped: the churn design
  (good contacts without reopens, injected negatives with more of them, both crowding into the second
  year) changes the reopen rate of high-reopen categories more than the others', a trend the
  comparison cannot remove (about -13% on billing with no fix at all).
* **Mid-market hold music** (scope segment = Mid-market, metric aht_seconds, target -20%, from 356 to
  236 days before the end): nothing is injected; its true effect is 0. It ends the day before the
  call scripts start, so the scripts' shorter Enterprise calls (out of its scope: its control) do not
  fall in its windows. (A no-effect initiative on tickets' replies within 1 h was tried first: the
  churn design's good and bad contacts, crowding into the second year, move that share differently
  per team, so its interval held 0 in only 33 of 40 worlds.)

Both lie a fixed number of days before the world's end, so the after windows are long enough to judge
and the same weeks a year earlier lie inside the two-year observation.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from sample_data import vocab as V
from sample_data.clock import DAY

HANDLE_FACTOR = 0.75

SPECS = [
    {"key": "enterprise_call_scripts", "name": "Demo: Enterprise call scripts", "days_before_end": 235,
     "scope": {"segment": "Enterprise"}, "metric": "aht_seconds", "target_change": -0.15, "owner": "Key accounts lead",
     "injected_effect": HANDLE_FACTOR - 1},
    {"key": "midmarket_hold_music", "name": "Demo: Mid-market hold music", "days_before_end": 356, "ended_days_before_end": 236,
     "scope": {"segment": "Mid-market"}, "metric": "aht_seconds", "target_change": -0.20, "owner": "Call centre manager",
     "injected_effect": 0.0},
]


def registered(end: dt.date) -> list[dict]:
    """The initiatives as ``[[initiatives]]`` tables (what settings.toml holds)."""
    out = []
    for s in SPECS:
        item = {"name": s["name"], "start": (end - dt.timedelta(days=s["days_before_end"])).isoformat()}
        if s.get("ended_days_before_end"):
            item["end"] = (end - dt.timedelta(days=s["ended_days_before_end"])).isoformat()
        out.append({**item, "scope": dict(s["scope"]), "metric": s["metric"], "target_change": s["target_change"],
                    "owner": s["owner"]})
    return out


def shortened_calls(segment: np.ndarray, queued_local: np.ndarray, answered: np.ndarray, end_day: int) -> np.ndarray:
    """The calls the scripts shorten: answered calls of the scope's segment (the caller's customer; -1 =
    unknown caller), queued (local time) on or after the start."""
    spec = SPECS[0]
    start = (end_day - spec["days_before_end"]) * DAY
    return answered & (segment == V.SEGMENTS.index(spec["scope"]["segment"])) & (queued_local >= start)


def truth(end: dt.date, realised: dict[str, float | None]) -> list[dict]:
    out = []
    for spec, item in zip(SPECS, registered(end)):
        out.append({**item, "injected_effect": spec["injected_effect"],
                    "true_effect": realised.get(spec["key"], spec["injected_effect"])})
    return out


def register_demo(truth: dict) -> str | None:
    """Put the sample's initiatives into the user's settings when they register none, so the demo's
    Initiatives page has something to measure, and the sample PBX's agent names (SIP peers: the
    lower-case first name, sample_data/calls.py) as aliases of the helpdesk's full names when no
    aliases are set, so the demo's agent load counts each agent once; returns what was done (None:
    left alone)."""
    import config

    from sample_data.draw import agents

    done = []
    items = [{k: v for k, v in i.items() if k not in ("injected_effect", "true_effect")}
             for i in truth.get("initiatives") or []]
    if items and not config.get().get("initiatives"):
        path = config.save({"initiatives": items})
        done.append(f"registered the sample's {len(items)} initiatives in {path} (one with an injected effect, one without); "
                    "remove them on the Settings page when you load your own data")
    if not (config.get().get("agent_load") or {}).get("aliases"):
        aliases = {name.split()[0].lower(): name for name in agents()[0]}
        path = config.save({"agent_load": {"aliases": aliases}})
        done.append(f"named the sample phone system's {len(aliases)} agents (e.g. {next(iter(aliases))}) as the helpdesk "
                    f"does in [agent_load.aliases] of {path}, so each agent is counted once; remove that table when you "
                    "load your own data")
    return "\n".join(done) or None
