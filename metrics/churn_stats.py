"""The statistics of the churn modules: proportions with Wilson intervals, risk differences with
Newcombe's and Mantel-Haenszel's intervals, and a rate per customer-month. Closed-form, so the
same data always gives the same answer (docs/churn.md says why these methods)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)


@dataclass
class Interval:
    estimate: float | None
    low: float | None = None
    high: float | None = None

    def scaled(self, factor: float | None) -> "Interval":
        if factor is None:
            return Interval(None)
        return Interval(*(None if v is None else v * factor for v in (self.estimate, self.low, self.high)))


@dataclass
class Rate:
    """Churned out of customers, with a Wilson 95% interval."""
    label: str
    customers: int
    churned: int
    rate: Interval


def wilson(churned: int, customers: int, z: float = Z95) -> Interval:
    """Wilson score interval for a proportion (good at small counts and rates near 0 or 1)."""
    if customers <= 0:
        return Interval(None)
    p = churned / customers
    denom = 1 + z * z / customers
    centre = (p + z * z / (2 * customers)) / denom
    half = z * math.sqrt(p * (1 - p) / customers + z * z / (4 * customers * customers)) / denom
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def newcombe(a: int, n1: int, c: int, n0: int, z: float = Z95) -> Interval:
    """Risk difference a/n1 - c/n0 with Newcombe's hybrid score interval (method 10, 1998)."""
    if n1 <= 0 or n0 <= 0:
        return Interval(None)
    r1, r0 = wilson(a, n1, z), wilson(c, n0, z)
    d = r1.estimate - r0.estimate
    low = d - math.sqrt((r1.estimate - r1.low) ** 2 + (r0.high - r0.estimate) ** 2)
    high = d + math.sqrt((r1.high - r1.estimate) ** 2 + (r0.estimate - r0.low) ** 2)
    return Interval(d, low, high)


def mantel_haenszel_rd(tables: list[tuple[int, int, int, int]], z: float = Z95) -> Interval:
    """Mantel-Haenszel common risk difference over strata (a, n1, c, n0) with Sato's (1989)
    variance, which stays valid with many small strata. The interval solves
    (d - theta)^2 = z^2 (theta P + Q) / W^2 for theta (the 'Sato0' form in epiR), so the
    variance is taken at the boundary rather than at the estimate."""
    used = [(a, n1, c, n0) for a, n1, c, n0 in tables if n1 > 0 and n0 > 0]
    if not used:
        return Interval(None)
    w = sum(n1 * n0 / (n1 + n0) for a, n1, c, n0 in used)
    d = sum((a * n0 - c * n1) / (n1 + n0) for a, n1, c, n0 in used) / w
    p = sum((n1 * n1 * c - n0 * n0 * a + 0.5 * n1 * n0 * (n0 - n1)) / (n1 + n0) ** 2 for a, n1, c, n0 in used)
    q = sum((a * (n0 - c) + c * (n1 - a)) / (2 * (n1 + n0)) for a, n1, c, n0 in used)
    mid = d + 0.5 * z * z * p / (w * w)
    spread = mid * mid - d * d + z * z * q / (w * w)
    half = math.sqrt(max(spread, 0.0))
    return Interval(d, max(-1.0, mid - half), min(1.0, mid + half))




def poisson_rate(events: int, exposure: float, z: float = Z95) -> Interval:
    """Events per unit of exposure (churned per customer-month) with a 95% interval from the
    log-normal approximation exp(log(rate) +/- z / sqrt(events)); the upper end for 0 events is
    the exact one, -log(0.025) / exposure."""
    if exposure <= 0:
        return Interval(None)
    if events <= 0:
        return Interval(0.0, 0.0, -math.log(0.025) / exposure)
    rate = events / exposure
    spread = z / math.sqrt(events)
    return Interval(rate, rate * math.exp(-spread), rate * math.exp(spread))
