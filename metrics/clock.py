"""The reporting clock: the days, weeks and months reports are cut into.

Timestamps are stored in UTC. A day of the reports is a local day of ``metrics.report_timezone``
(default ``UTC``): with ``America/New_York``, "2026-11-02" is the 24 (or 23, 25) hours from New
York midnight, and a ticket created at 02:00 UTC on the 3rd belongs to the 2nd. Date filters turn
into UTC bounds here (so filtered queries still skip blocks of the creation-time-sorted tables),
and grouping by day, week or month groups local days.

The zone is checked against the IANA database and written into the SQL as a literal (a setting,
not user data, and only a valid zone name passes); ``UTC`` adds no conversion at all.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = "UTC"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-/]*$")


@lru_cache(maxsize=64)
def check(name: str | None) -> str:
    """A valid IANA zone name (``UTC`` for empty); ValueError with the fix otherwise."""
    name = (name or "").strip() or UTC
    if name in ("UTC", "Etc/UTC", "Z", "GMT", "Etc/GMT"):
        return UTC
    if not _NAME.match(name):
        raise ValueError(f"metrics.report_timezone {name!r} is not a time zone name; use an IANA name such as Europe/Moscow")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"metrics.report_timezone {name!r} is not a known time zone; use an IANA name such as "
                         "America/New_York") from None
    return name


def report_tz(settings: dict | None = None) -> str:
    """The zone in force: ``settings`` is the [metrics] section (read from the settings file when None)."""
    if settings is None:
        try:
            import config

            settings = config.get().get("metrics", {})
        except Exception:  # the metrics work without any settings file
            settings = {}
    return check(settings.get("report_timezone"))


def local_sql(column: str, tz: str | None = None) -> str:
    """SQL of the local wall-clock time of a UTC ``column``."""
    tz = check(tz) if tz is not None else report_tz()
    if tz == UTC:
        return column
    return f"timezone('{tz}', timezone('UTC', {column}))"


def day_sql(column: str, tz: str | None = None) -> str:
    """SQL of the local day (DATE) of a UTC ``column``."""
    return f"({local_sql(column, tz)})::DATE"


def trunc_sql(unit: str, column: str, tz: str | None = None) -> str:
    """SQL of the first local day of the ``unit`` (day, week, month) holding a UTC ``column``."""
    return f"date_trunc('{unit}', {local_sql(column, tz)})::DATE"


def utc_start(day: dt.date, tz: str | None = None) -> dt.datetime:
    """The naive UTC instant at which local ``day`` begins."""
    tz = check(tz) if tz is not None else report_tz()
    midnight = dt.datetime.combine(day, dt.time())
    if tz == UTC:
        return midnight
    # fold=0: a midnight that a DST switch skips maps to the first valid time after it (the
    # earlier offset), and a midnight that occurs twice to its first occurrence.
    utc = midnight.replace(tzinfo=ZoneInfo(tz)).astimezone(dt.timezone.utc)
    return utc.replace(tzinfo=None)


def utc_end(day: dt.date, tz: str | None = None) -> dt.datetime:
    """The naive UTC instant at which local ``day`` ends (exclusive)."""
    return utc_start(day + dt.timedelta(days=1), tz)
