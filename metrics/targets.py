"""KPI targets and the state of a figure against its target: good, watch or bad.

Targets are settings (``[targets]``: metric id = goal, in the metric's own unit: a fraction for
rates, minutes, seconds, NPS points); the service-level goal is ``metrics.service_level_target``,
the one the Calls page already shows. A figure meets its target (good), misses it by no more than
``targets.watch_margin`` of the target (watch), or misses it by more (bad); the direction comes
from the metric's declared ``better``.
"""
from __future__ import annotations

from metrics.registry import METRICS

STATES = ("good", "watch", "bad")


def targets(settings: dict) -> dict[str, float]:
    """{metric id: target} for every metric with a goal in the settings."""
    table = dict(settings.get("targets") or {})
    table.pop("watch_margin", None)
    out = {k: float(v) for k, v in table.items() if k in METRICS and isinstance(v, (int, float))}
    level = (settings.get("metrics") or {}).get("service_level_target")
    if level is not None:
        out.setdefault("service_level", float(level))
    return out


def margin(settings: dict) -> float:
    return float((settings.get("targets") or {}).get("watch_margin", 0.1))


def state(metric_id: str, value: float | None, target: float | None, watch_margin: float = 0.1) -> str | None:
    """good / watch / bad, or None when there is no value, no target or no better direction."""
    better = getattr(METRICS.get(metric_id), "better", None)
    if value is None or target is None or better not in ("higher", "lower"):
        return None
    slack = abs(target) * watch_margin
    if better == "lower":
        return "good" if value <= target else "watch" if value <= target + slack else "bad"
    return "good" if value >= target else "watch" if value >= target - slack else "bad"
