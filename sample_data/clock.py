"""Time helpers for the simulation: local wall clock <-> UTC, the business-hours calendar, and a
seasonal sampler. All times are int64 seconds since 1970-01-01 (UTC, or local wall clock where the
name says ``local``); vectorised over numpy arrays.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

TZ = "America/New_York"
DAY = 86_400
HOUR = 3_600
EPOCH = dt.date(1970, 1, 1)
OPEN_FROM_MIN = 9 * 60  # business hours 09:00-18:00 local, Monday-Friday, US holidays off
OPEN_MINUTES = 9 * 60

# Relative ticket volume per local hour (weekday / weekend-or-holiday) and per weekday (Mon..Sun).
TICKET_HOURS_WEEKDAY = [0.15, 0.10, 0.08, 0.08, 0.10, 0.20, 0.45, 0.90, 1.60, 2.30, 2.60, 2.60,
                        2.30, 2.40, 2.50, 2.30, 2.00, 1.60, 1.10, 0.80, 0.65, 0.50, 0.35, 0.22]
TICKET_HOURS_WEEKEND = [0.20, 0.15, 0.10, 0.10, 0.10, 0.15, 0.25, 0.40, 0.60, 0.80, 0.95, 1.00,
                        1.00, 0.95, 0.90, 0.85, 0.80, 0.75, 0.70, 0.60, 0.50, 0.40, 0.30, 0.25]
CALL_HOURS_WEEKDAY = [0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.15, 0.60, 1.80, 2.80, 3.00, 2.90,
                      2.40, 2.60, 2.80, 2.60, 2.20, 1.60, 0.90, 0.50, 0.25, 0.10, 0.05, 0.03]
CALL_HOURS_WEEKEND = [0.02, 0.01, 0.01, 0.01, 0.02, 0.03, 0.05, 0.15, 0.35, 0.55, 0.65, 0.65,
                      0.60, 0.55, 0.50, 0.45, 0.40, 0.30, 0.20, 0.12, 0.08, 0.05, 0.03, 0.02]
WEEKDAY_WEIGHT = np.array([1.00, 1.00, 0.97, 0.95, 0.88, 0.33, 0.28])
HOLIDAY_WEIGHT = 0.35


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def date_of(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def _as_datetime(sec: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(sec, dtype=np.int64) * 1_000_000).cast(pl.Datetime("us"))


def local_to_utc(local_sec: np.ndarray) -> np.ndarray:
    """Local wall-clock seconds -> UTC seconds. Ambiguous times (autumn) take the first
    occurrence; times in the spring-forward gap move an hour later, as a clock would."""
    s = _as_datetime(local_sec)
    zoned = s.dt.replace_time_zone(TZ, ambiguous="earliest", non_existent="null")
    later = s.dt.offset_by("1h").dt.replace_time_zone(TZ, ambiguous="earliest", non_existent="null")
    zoned = zoned.fill_null(later)
    return zoned.dt.convert_time_zone("UTC").dt.replace_time_zone(None).cast(pl.Int64).to_numpy() // 1_000_000


def utc_to_local(utc_sec: np.ndarray) -> np.ndarray:
    s = _as_datetime(utc_sec).dt.replace_time_zone("UTC").dt.convert_time_zone(TZ).dt.replace_time_zone(None)
    return s.cast(pl.Int64).to_numpy() // 1_000_000


class Calendar:
    """The default business schedule on a range of local days: Mon-Fri 09:00-18:00 America/New_York,
    US public holidays (the ``holidays`` package, as metrics/business_time.py uses) as whole days off.

    Business minutes between two instants are B(local(b)) - B(local(a)), where B counts business
    minutes on the local wall clock. That is exact across DST switches, because the switch hour
    (02:00) is never a business hour."""

    def __init__(self, first_day: int, last_day: int):
        import holidays

        self.first = first_day
        days = np.arange(first_day, last_day + 1, dtype=np.int64)
        years = list(range(date_of(first_day).year, date_of(last_day).year + 1))
        off = [day_number(d) for d in holidays.country_holidays("US", years=years)]
        self.holiday = np.isin(days, np.array(off, dtype=np.int64))
        self.weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        self.business = (self.weekday < 5) & ~self.holiday
        self.cum_before = np.concatenate([[0], np.cumsum(self.business * OPEN_MINUTES)])[:-1].astype(np.float64)
        self.business_days = days[self.business]
        self.day_weight = WEEKDAY_WEIGHT[self.weekday] * np.where(self.holiday, HOLIDAY_WEIGHT, 1.0)
        self.quiet = (self.weekday >= 5) | self.holiday

    def _split(self, local_sec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        day = local_sec // DAY
        index = day - self.first
        if index.size and (index.min() < 0 or index.max() >= self.business.size):
            raise ValueError("a simulated time falls outside the business calendar; widen Calendar's day range")
        return index, (local_sec - day * DAY) / 60.0

    def business_minutes_upto(self, local_sec: np.ndarray) -> np.ndarray:
        index, minute = self._split(local_sec)
        return self.cum_before[index] + self.business[index] * np.clip(minute - OPEN_FROM_MIN, 0, OPEN_MINUTES)

    def business_minutes(self, utc_from: np.ndarray, utc_to: np.ndarray) -> np.ndarray:
        return self.business_minutes_upto(utc_to_local(utc_to)) - self.business_minutes_upto(utc_to_local(utc_from))

    def in_hours(self, local_sec: np.ndarray) -> np.ndarray:
        index, minute = self._split(local_sec)
        return self.business[index] & (minute >= OPEN_FROM_MIN) & (minute < OPEN_FROM_MIN + OPEN_MINUTES)

    def seconds_to_open(self, local_sec: np.ndarray) -> np.ndarray:
        """Seconds until the schedule is next open (0 when it is open now)."""
        index, minute = self._split(local_sec)
        day = local_sec // DAY
        later_today = self.business[index] & (minute < OPEN_FROM_MIN)
        pos = np.minimum(np.searchsorted(self.business_days, day + 1), self.business_days.size - 1)
        open_at = np.where(later_today, day, self.business_days[pos]) * DAY + OPEN_FROM_MIN * 60
        return np.where(self.in_hours(local_sec), 0, open_at - local_sec)

    def sample(self, rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray,
               weekday_hours: list[float], weekend_hours: list[float]) -> np.ndarray:
        """One local time per row in [lo, hi), with weekday/holiday and hour-of-day seasonality
        (rejection sampling, vectorised; rows that keep failing fall back to uniform)."""
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.maximum(np.asarray(hi, dtype=np.int64), lo + 1)
        out = np.empty(lo.size, dtype=np.int64)
        cdf_week = np.cumsum(weekday_hours) / np.sum(weekday_hours)
        cdf_end = np.cumsum(weekend_hours) / np.sum(weekend_hours)
        todo = np.arange(lo.size)
        for _ in range(60):
            if todo.size == 0:
                break
            l, h = lo[todo], hi[todo]
            d0, d1 = l // DAY, (h - 1) // DAY
            day = d0 + (rng.random(todo.size) * (d1 - d0 + 1)).astype(np.int64)
            index = day - self.first
            u = rng.random(todo.size)
            hour = np.where(self.quiet[index], np.searchsorted(cdf_end, u), np.searchsorted(cdf_week, u))
            t = day * DAY + hour * HOUR + rng.integers(0, HOUR, todo.size)
            ok = (rng.random(todo.size) < self.day_weight[index]) & (t >= l) & (t < h)
            out[todo[ok]] = t[ok]
            todo = todo[~ok]
        if todo.size:
            out[todo] = lo[todo] + (rng.random(todo.size) * (hi[todo] - lo[todo])).astype(np.int64)
        return out
