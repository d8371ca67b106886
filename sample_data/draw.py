"""Small vectorised drawing helpers shared by the simulation modules."""
from __future__ import annotations

import numpy as np
import polars as pl

from sample_data import vocab as V


def rng_for(seed: int, part: int) -> np.random.Generator:
    return np.random.default_rng([seed, part])


def pick(rng: np.random.Generator, shares, size: int) -> np.ndarray:
    cdf = np.cumsum(shares) / np.sum(shares)
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(cdf) - 1)


def lognormal(rng, median, sigma, size) -> np.ndarray:
    return np.asarray(median) * np.exp(rng.normal(0.0, sigma, size))


def labels(values: np.ndarray, names: list) -> pl.Series:
    """Map integer codes to names (vectorised)."""
    return pl.Series(list(names), dtype=pl.String).gather(np.asarray(values, dtype=np.int64))


def constant(value, n: int, dtype) -> pl.Series:
    return pl.repeat(value, n, dtype=dtype, eager=True)


def timestamps(utc_sec: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(utc_sec, dtype=np.int64) * 1_000_000).cast(pl.Datetime("us"))
    if valid is not None:
        s = pl.select(pl.when(pl.Series(valid)).then(s).otherwise(None)).to_series()
    return s


def in_order(columns: dict[str, np.ndarray], key: np.ndarray) -> dict[str, np.ndarray]:
    """Every array reordered by `key` (stable): rows go out sorted by time, ids follow that order.
    Sorting the numpy arrays is far cheaper than sorting the finished frame with its strings."""
    order = np.argsort(key, kind="stable")
    return {name: values[order] for name, values in columns.items()}


def agents() -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    names, teams = [], []
    for team, members in V.TEAMS.items():
        names += members
        teams += [team] * len(members)
    offsets = np.cumsum([0] + [len(m) for m in V.TEAMS.values()])[:-1]
    sizes = np.array([len(m) for m in V.TEAMS.values()])
    return names, teams, offsets, sizes
