"""Business-hours time, set-based in DuckDB SQL.

How it works (``docs/business_hours.md`` explains it in plain words):

1. ``build_calendar`` expands every schedule version (rows of ``schedules``) into the business
   intervals it opens, in UTC, one row per local day: the weekly local intervals are cut at local
   midnight (holidays are whole local days), laid on each local day of the date range, converted
   to UTC with DuckDB's ICU ``timezone()`` (so every DST switch lands where the zone's rules put
   it), clipped to the version's ``valid_from``/``valid_until``, and holiday days are dropped.
   Each row carries the business time of the same schedule before it (``cum_before_us``).
2. ``business_calendar_hours`` indexes that per schedule and UTC hour: the business time before
   the hour and a 60-bit mask of its business minutes. The business time ``B(t)`` of a schedule
   before an instant ``t`` is an equality join on (schedule, hour) plus a ``bit_count``; the
   business time of ``[a, b)`` is ``B(b) - B(a)``. (Two ASOF joins on ``business_calendar`` give
   the same answer three times slower; due times still use them.)
3. ``business_minutes_sql`` cuts each input interval at the ticket's schedule changes
   (``ticket_schedules``), applies step 2 to each piece and adds the pieces up.

Everything is microseconds in BIGINT until the final division, so splitting an interval
anywhere gives parts that add up exactly to the whole.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo

import duckdb
import polars as pl

from loaders import schema

DEFAULT_SCHEDULE = "default"
CALENDAR_TABLE = "business_calendar"
COVERAGE_TABLE = "business_calendar_coverage"
HOURS_TABLE = "business_calendar_hours"
WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
MINUTES_PER_DAY = 24 * 60

# ---------------------------------------------------------------------------------------------
# Time-zone names
# ---------------------------------------------------------------------------------------------

# Rails' ActiveSupport::TimeZone::MAPPING: the names Zendesk uses for account, user and schedule
# time zones ("Eastern Time (US & Canada)"). Values are current IANA names of the place itself
# (Rails points "Astana" at Asia/Dhaka and "Abu Dhabi" at Asia/Muscat; here each city gets its own).
RAILS_TIME_ZONES: dict[str, str] = {
    "International Date Line West": "Etc/GMT+12",
    "Midway Island": "Pacific/Midway",
    "American Samoa": "Pacific/Pago_Pago",
    "Hawaii": "Pacific/Honolulu",
    "Alaska": "America/Juneau",
    "Pacific Time (US & Canada)": "America/Los_Angeles",
    "Tijuana": "America/Tijuana",
    "Mountain Time (US & Canada)": "America/Denver",
    "Arizona": "America/Phoenix",
    "Chihuahua": "America/Chihuahua",
    "Mazatlan": "America/Mazatlan",
    "Central Time (US & Canada)": "America/Chicago",
    "Saskatchewan": "America/Regina",
    "Guadalajara": "America/Mexico_City",
    "Mexico City": "America/Mexico_City",
    "Monterrey": "America/Monterrey",
    "Central America": "America/Guatemala",
    "Eastern Time (US & Canada)": "America/New_York",
    "Indiana (East)": "America/Indiana/Indianapolis",
    "Bogota": "America/Bogota",
    "Lima": "America/Lima",
    "Quito": "America/Lima",
    "Atlantic Time (Canada)": "America/Halifax",
    "Caracas": "America/Caracas",
    "La Paz": "America/La_Paz",
    "Santiago": "America/Santiago",
    "Newfoundland": "America/St_Johns",
    "Brasilia": "America/Sao_Paulo",
    "Buenos Aires": "America/Argentina/Buenos_Aires",
    "Montevideo": "America/Montevideo",
    "Georgetown": "America/Guyana",
    "Puerto Rico": "America/Puerto_Rico",
    "Greenland": "America/Nuuk",
    "Mid-Atlantic": "Atlantic/South_Georgia",
    "Azores": "Atlantic/Azores",
    "Cape Verde Is.": "Atlantic/Cape_Verde",
    "Dublin": "Europe/Dublin",
    "Edinburgh": "Europe/London",
    "Lisbon": "Europe/Lisbon",
    "London": "Europe/London",
    "Casablanca": "Africa/Casablanca",
    "Monrovia": "Africa/Monrovia",
    "UTC": "Etc/UTC",
    "Belgrade": "Europe/Belgrade",
    "Bratislava": "Europe/Bratislava",
    "Budapest": "Europe/Budapest",
    "Ljubljana": "Europe/Ljubljana",
    "Prague": "Europe/Prague",
    "Sarajevo": "Europe/Sarajevo",
    "Skopje": "Europe/Skopje",
    "Warsaw": "Europe/Warsaw",
    "Zagreb": "Europe/Zagreb",
    "Brussels": "Europe/Brussels",
    "Copenhagen": "Europe/Copenhagen",
    "Madrid": "Europe/Madrid",
    "Paris": "Europe/Paris",
    "Amsterdam": "Europe/Amsterdam",
    "Berlin": "Europe/Berlin",
    "Bern": "Europe/Zurich",
    "Zurich": "Europe/Zurich",
    "Rome": "Europe/Rome",
    "Stockholm": "Europe/Stockholm",
    "Vienna": "Europe/Vienna",
    "West Central Africa": "Africa/Algiers",
    "Bucharest": "Europe/Bucharest",
    "Cairo": "Africa/Cairo",
    "Helsinki": "Europe/Helsinki",
    "Kyiv": "Europe/Kyiv",
    "Riga": "Europe/Riga",
    "Sofia": "Europe/Sofia",
    "Tallinn": "Europe/Tallinn",
    "Vilnius": "Europe/Vilnius",
    "Athens": "Europe/Athens",
    "Istanbul": "Europe/Istanbul",
    "Minsk": "Europe/Minsk",
    "Jerusalem": "Asia/Jerusalem",
    "Harare": "Africa/Harare",
    "Pretoria": "Africa/Johannesburg",
    "Kaliningrad": "Europe/Kaliningrad",
    "Moscow": "Europe/Moscow",
    "St. Petersburg": "Europe/Moscow",
    "Volgograd": "Europe/Volgograd",
    "Samara": "Europe/Samara",
    "Kuwait": "Asia/Kuwait",
    "Riyadh": "Asia/Riyadh",
    "Nairobi": "Africa/Nairobi",
    "Baghdad": "Asia/Baghdad",
    "Tehran": "Asia/Tehran",
    "Abu Dhabi": "Asia/Dubai",
    "Muscat": "Asia/Muscat",
    "Baku": "Asia/Baku",
    "Tbilisi": "Asia/Tbilisi",
    "Yerevan": "Asia/Yerevan",
    "Kabul": "Asia/Kabul",
    "Ekaterinburg": "Asia/Yekaterinburg",
    "Islamabad": "Asia/Karachi",
    "Karachi": "Asia/Karachi",
    "Tashkent": "Asia/Tashkent",
    "Chennai": "Asia/Kolkata",
    "Kolkata": "Asia/Kolkata",
    "Mumbai": "Asia/Kolkata",
    "New Delhi": "Asia/Kolkata",
    "Kathmandu": "Asia/Kathmandu",
    "Astana": "Asia/Almaty",
    "Dhaka": "Asia/Dhaka",
    "Sri Jayawardenepura": "Asia/Colombo",
    "Almaty": "Asia/Almaty",
    "Novosibirsk": "Asia/Novosibirsk",
    "Rangoon": "Asia/Yangon",
    "Bangkok": "Asia/Bangkok",
    "Hanoi": "Asia/Bangkok",
    "Jakarta": "Asia/Jakarta",
    "Krasnoyarsk": "Asia/Krasnoyarsk",
    "Beijing": "Asia/Shanghai",
    "Chongqing": "Asia/Chongqing",
    "Hong Kong": "Asia/Hong_Kong",
    "Urumqi": "Asia/Urumqi",
    "Kuala Lumpur": "Asia/Kuala_Lumpur",
    "Singapore": "Asia/Singapore",
    "Taipei": "Asia/Taipei",
    "Perth": "Australia/Perth",
    "Irkutsk": "Asia/Irkutsk",
    "Ulaanbaatar": "Asia/Ulaanbaatar",
    "Seoul": "Asia/Seoul",
    "Osaka": "Asia/Tokyo",
    "Sapporo": "Asia/Tokyo",
    "Tokyo": "Asia/Tokyo",
    "Yakutsk": "Asia/Yakutsk",
    "Darwin": "Australia/Darwin",
    "Adelaide": "Australia/Adelaide",
    "Canberra": "Australia/Canberra",
    "Melbourne": "Australia/Melbourne",
    "Sydney": "Australia/Sydney",
    "Brisbane": "Australia/Brisbane",
    "Hobart": "Australia/Hobart",
    "Vladivostok": "Asia/Vladivostok",
    "Guam": "Pacific/Guam",
    "Port Moresby": "Pacific/Port_Moresby",
    "Magadan": "Asia/Magadan",
    "Srednekolymsk": "Asia/Srednekolymsk",
    "Solomon Is.": "Pacific/Guadalcanal",
    "New Caledonia": "Pacific/Noumea",
    "Fiji": "Pacific/Fiji",
    "Kamchatka": "Asia/Kamchatka",
    "Marshall Is.": "Pacific/Majuro",
    "Auckland": "Pacific/Auckland",
    "Wellington": "Pacific/Auckland",
    "Nuku'alofa": "Pacific/Tongatapu",
    "Tokelau Is.": "Pacific/Fakaofo",
    "Chatham Is.": "Pacific/Chatham",
    "Samoa": "Pacific/Apia",
}

# Windows time-zone ids (Exchange, Outlook, .NET, ServiceNow on Windows hosts), after the
# Unicode CLDR windowsZones table (territory "001").
WINDOWS_TIME_ZONES: dict[str, str] = {
    "Dateline Standard Time": "Etc/GMT+12",
    "UTC-11": "Etc/GMT+11",
    "Aleutian Standard Time": "America/Adak",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Marquesas Standard Time": "Pacific/Marquesas",
    "Alaskan Standard Time": "America/Anchorage",
    "UTC-09": "Etc/GMT+9",
    "Pacific Standard Time (Mexico)": "America/Tijuana",
    "UTC-08": "Etc/GMT+8",
    "Pacific Standard Time": "America/Los_Angeles",
    "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time (Mexico)": "America/Mazatlan",
    "Mountain Standard Time": "America/Denver",
    "Yukon Standard Time": "America/Whitehorse",
    "Central America Standard Time": "America/Guatemala",
    "Central Standard Time": "America/Chicago",
    "Easter Island Standard Time": "Pacific/Easter",
    "Central Standard Time (Mexico)": "America/Mexico_City",
    "Canada Central Standard Time": "America/Regina",
    "SA Pacific Standard Time": "America/Bogota",
    "Eastern Standard Time (Mexico)": "America/Cancun",
    "Eastern Standard Time": "America/New_York",
    "Haiti Standard Time": "America/Port-au-Prince",
    "Cuba Standard Time": "America/Havana",
    "US Eastern Standard Time": "America/Indiana/Indianapolis",
    "Turks And Caicos Standard Time": "America/Grand_Turk",
    "Paraguay Standard Time": "America/Asuncion",
    "Atlantic Standard Time": "America/Halifax",
    "Venezuela Standard Time": "America/Caracas",
    "Central Brazilian Standard Time": "America/Cuiaba",
    "SA Western Standard Time": "America/La_Paz",
    "Pacific SA Standard Time": "America/Santiago",
    "Newfoundland Standard Time": "America/St_Johns",
    "Tocantins Standard Time": "America/Araguaina",
    "E. South America Standard Time": "America/Sao_Paulo",
    "SA Eastern Standard Time": "America/Cayenne",
    "Argentina Standard Time": "America/Argentina/Buenos_Aires",
    "Greenland Standard Time": "America/Nuuk",
    "Montevideo Standard Time": "America/Montevideo",
    "Magallanes Standard Time": "America/Punta_Arenas",
    "Saint Pierre Standard Time": "America/Miquelon",
    "Bahia Standard Time": "America/Bahia",
    "UTC-02": "Etc/GMT+2",
    "Mid-Atlantic Standard Time": "Etc/GMT+2",
    "Azores Standard Time": "Atlantic/Azores",
    "Cape Verde Standard Time": "Atlantic/Cape_Verde",
    "Coordinated Universal Time": "Etc/UTC",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "Sao Tome Standard Time": "Africa/Sao_Tome",
    "Morocco Standard Time": "Africa/Casablanca",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest",
    "Romance Standard Time": "Europe/Paris",
    "Central European Standard Time": "Europe/Warsaw",
    "W. Central Africa Standard Time": "Africa/Lagos",
    "Jordan Standard Time": "Asia/Amman",
    "GTB Standard Time": "Europe/Bucharest",
    "Middle East Standard Time": "Asia/Beirut",
    "Egypt Standard Time": "Africa/Cairo",
    "E. Europe Standard Time": "Europe/Chisinau",
    "Syria Standard Time": "Asia/Damascus",
    "West Bank Standard Time": "Asia/Hebron",
    "South Africa Standard Time": "Africa/Johannesburg",
    "FLE Standard Time": "Europe/Kyiv",
    "Israel Standard Time": "Asia/Jerusalem",
    "South Sudan Standard Time": "Africa/Juba",
    "Kaliningrad Standard Time": "Europe/Kaliningrad",
    "Sudan Standard Time": "Africa/Khartoum",
    "Libya Standard Time": "Africa/Tripoli",
    "Namibia Standard Time": "Africa/Windhoek",
    "Arabic Standard Time": "Asia/Baghdad",
    "Turkey Standard Time": "Europe/Istanbul",
    "Arab Standard Time": "Asia/Riyadh",
    "Belarus Standard Time": "Europe/Minsk",
    "Russian Standard Time": "Europe/Moscow",
    "E. Africa Standard Time": "Africa/Nairobi",
    "Volgograd Standard Time": "Europe/Volgograd",
    "Iran Standard Time": "Asia/Tehran",
    "Arabian Standard Time": "Asia/Dubai",
    "Astrakhan Standard Time": "Europe/Astrakhan",
    "Azerbaijan Standard Time": "Asia/Baku",
    "Russia Time Zone 3": "Europe/Samara",
    "Mauritius Standard Time": "Indian/Mauritius",
    "Saratov Standard Time": "Europe/Saratov",
    "Georgian Standard Time": "Asia/Tbilisi",
    "Caucasus Standard Time": "Asia/Yerevan",
    "Afghanistan Standard Time": "Asia/Kabul",
    "West Asia Standard Time": "Asia/Tashkent",
    "Ekaterinburg Standard Time": "Asia/Yekaterinburg",
    "Pakistan Standard Time": "Asia/Karachi",
    "Qyzylorda Standard Time": "Asia/Qyzylorda",
    "India Standard Time": "Asia/Kolkata",
    "Sri Lanka Standard Time": "Asia/Colombo",
    "Nepal Standard Time": "Asia/Kathmandu",
    "Central Asia Standard Time": "Asia/Bishkek",
    "Bangladesh Standard Time": "Asia/Dhaka",
    "Omsk Standard Time": "Asia/Omsk",
    "Myanmar Standard Time": "Asia/Yangon",
    "SE Asia Standard Time": "Asia/Bangkok",
    "Altai Standard Time": "Asia/Barnaul",
    "W. Mongolia Standard Time": "Asia/Hovd",
    "North Asia Standard Time": "Asia/Krasnoyarsk",
    "N. Central Asia Standard Time": "Asia/Novosibirsk",
    "Tomsk Standard Time": "Asia/Tomsk",
    "China Standard Time": "Asia/Shanghai",
    "North Asia East Standard Time": "Asia/Irkutsk",
    "Singapore Standard Time": "Asia/Singapore",
    "W. Australia Standard Time": "Australia/Perth",
    "Taipei Standard Time": "Asia/Taipei",
    "Ulaanbaatar Standard Time": "Asia/Ulaanbaatar",
    "Aus Central W. Standard Time": "Australia/Eucla",
    "Transbaikal Standard Time": "Asia/Chita",
    "Tokyo Standard Time": "Asia/Tokyo",
    "North Korea Standard Time": "Asia/Pyongyang",
    "Korea Standard Time": "Asia/Seoul",
    "Yakutsk Standard Time": "Asia/Yakutsk",
    "Cen. Australia Standard Time": "Australia/Adelaide",
    "AUS Central Standard Time": "Australia/Darwin",
    "E. Australia Standard Time": "Australia/Brisbane",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "West Pacific Standard Time": "Pacific/Port_Moresby",
    "Tasmania Standard Time": "Australia/Hobart",
    "Vladivostok Standard Time": "Asia/Vladivostok",
    "Lord Howe Standard Time": "Australia/Lord_Howe",
    "Bougainville Standard Time": "Pacific/Bougainville",
    "Russia Time Zone 10": "Asia/Srednekolymsk",
    "Magadan Standard Time": "Asia/Magadan",
    "Norfolk Standard Time": "Pacific/Norfolk",
    "Sakhalin Standard Time": "Asia/Sakhalin",
    "Central Pacific Standard Time": "Pacific/Guadalcanal",
    "Russia Time Zone 11": "Asia/Kamchatka",
    "New Zealand Standard Time": "Pacific/Auckland",
    "UTC+12": "Etc/GMT-12",
    "Fiji Standard Time": "Pacific/Fiji",
    "Chatham Islands Standard Time": "Pacific/Chatham",
    "UTC+13": "Etc/GMT-13",
    "Tonga Standard Time": "Pacific/Tongatapu",
    "Samoa Standard Time": "Pacific/Apia",
    "Line Islands Standard Time": "Pacific/Kiritimati",
}

# Zendesk's UI and Windows display names put the offset in front: "(GMT-05:00) Eastern Time
# (US & Canada)". The offset is only the standard one, so it is dropped and the name resolved.
_OFFSET_PREFIX = re.compile(r"^\(\s*(?:GMT|UTC)\s*(?:[+-]\s*\d{1,2}(?::?\d{2})?)?\s*\)\s*", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _names_by_lower_case() -> dict[str, str]:
    known: dict[str, str] = {}
    # Windows first so that a Rails name wins where both spell the same; an IANA name last, so
    # that it always resolves to itself ("UTC" stays "UTC").
    for table in (WINDOWS_TIME_ZONES, RAILS_TIME_ZONES):
        for alias, iana in table.items():
            known[alias.lower()] = iana
    for name in zoneinfo.available_timezones() - {"localtime"}:  # "localtime" is this machine's zone
        known[name.lower()] = name
    return known


def resolve_tz(name: str) -> str:
    """The IANA name for an IANA, Zendesk/Rails or Windows time-zone name (case-insensitive).

    A display name with the offset in front, "(GMT-05:00) Eastern Time (US & Canada)" or
    "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", resolves by its first city.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            f"time zone {name!r} is empty: give an IANA name such as 'America/New_York', a Zendesk "
            "name such as 'Eastern Time (US & Canada)' or a Windows name such as 'Eastern Standard Time'")
    known = _names_by_lower_case()
    cleaned = _OFFSET_PREFIX.sub("", " ".join(name.split())).lower()
    iana = known.get(cleaned) or known.get(cleaned.split(",")[0].strip())
    if iana is None:
        raise ValueError(
            f"unknown time zone {name!r}: give an IANA name such as 'America/New_York' or "
            "'Europe/Moscow', a Zendesk name such as 'Eastern Time (US & Canada)' or 'Moscow', or a "
            "Windows name such as 'Eastern Standard Time' (docs/business_hours.md lists the accepted names)")
    return iana


# ---------------------------------------------------------------------------------------------
# The default schedule, from settings
# ---------------------------------------------------------------------------------------------

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _parse_day(day: str, value, problems: list[str]) -> list[tuple[int, int]]:
    """Minutes from local midnight for one day's "HH:MM-HH:MM" list."""
    key = f"business_hours.{day}"
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        problems.append(f'{key}: expected a list such as ["09:00-18:00"], got {value!r}')
        return []
    spans = []
    for text in value:
        match = _HOURS.match(text) if isinstance(text, str) else None
        if not match:
            problems.append(f'{key}: {text!r} is not "HH:MM-HH:MM"; write it like "09:00-18:00"')
            continue
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or start > MINUTES_PER_DAY or end > MINUTES_PER_DAY:
            problems.append(f"{key}: {text!r} is not a time of day; hours run 00:00-24:00 "
                            "(use 24:00 for the end of the day)")
            continue
        if end <= start:
            problems.append(f"{key}: {text!r} ends before it starts; intervals cannot cross midnight, "
                            f"split it into two days (e.g. \"22:00-24:00\" and \"00:00-02:00\" the next day)")
            continue
        spans.append((start, end))
    spans.sort()
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        if s2 < e1:
            problems.append(f"{key}: intervals {_hhmm(s1)}-{_hhmm(e1)} and {_hhmm(s2)}-{_hhmm(e2)} overlap; "
                            "merge them into one or make them touch end to start")
    return spans


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _country_holidays(code: str, years: range, problems: list[str]) -> list[tuple[dt.date, str]]:
    import holidays

    country, _, subdivision = code.strip().partition("-")
    try:
        calendar = holidays.country_holidays(country.upper(), subdiv=subdivision or None, years=list(years))
    except (NotImplementedError, KeyError, ValueError) as exc:
        problems.append(f"business_hours.holiday_country: {code!r} is not a country the holidays package "
                        f"knows ({exc}); use an ISO 3166 code such as \"US\", \"RU\", \"DE\" "
                        "(optionally with a subdivision, \"US-CA\"), or \"\" for none")
        return []
    return sorted(calendar.items())


def schedule_frames_from_settings(bh: dict, years: range) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The settings' [business_hours] section -> (schedules rows, schedule_holidays rows) of the
    'default' schedule. Raises ValueError listing every problem, each with its fix."""
    problems: list[str] = []
    time_zone = None
    try:
        time_zone = resolve_tz(bh.get("time_zone", ""))
    except ValueError as exc:
        problems.append(f"business_hours.time_zone: {exc}")

    unknown_keys = set(bh) - set(WEEKDAYS) - {"time_zone", "holiday_country", "holidays"}
    if unknown_keys:
        problems.append(f"business_hours: unknown key(s) {', '.join(sorted(unknown_keys))}; "
                        f"the keys are time_zone, {', '.join(WEEKDAYS[1:] + WEEKDAYS[:1])}, holiday_country, holidays")

    rows = []
    problems_before_days = len(problems)
    for index, day in enumerate(WEEKDAYS):  # Sunday = day 0, as in Zendesk schedules
        for start, end in _parse_day(day, bh.get(day, []), problems):
            rows.append({"start_minute": index * MINUTES_PER_DAY + start, "end_minute": index * MINUTES_PER_DAY + end})

    if not rows and len(problems) == problems_before_days:  # (a day with bad hours says so itself)
        problems.append('business_hours: no working hours on any day; give at least one, e.g. monday = ["09:00-18:00"] '
                        '(a 24/7 operation: every day = ["00:00-24:00"])')

    holiday_rows: dict[dt.date, str] = {}
    country = bh.get("holiday_country") or ""
    if not isinstance(country, str):
        problems.append(f"business_hours.holiday_country: expected a country code such as \"US\", got {country!r}")
    elif country.strip():
        for day, name in _country_holidays(country, years, problems):
            holiday_rows[day] = name
    extra = bh.get("holidays") or []
    if not isinstance(extra, list):
        problems.append(f'business_hours.holidays: expected a list such as ["2024-12-24"], got {extra!r}')
        extra = []
    for text in extra:
        try:
            day = text if isinstance(text, dt.date) else dt.date.fromisoformat(str(text).strip())
        except ValueError:
            problems.append(f'business_hours.holidays: {text!r} is not a date; write it as "YYYY-MM-DD"')
            continue
        holiday_rows.setdefault(day, "Holiday (settings)")

    if problems:
        raise ValueError("settings [business_hours] has problems:\n- " + "\n- ".join(problems))

    schedules = pl.DataFrame(
        [{"schedule_id": DEFAULT_SCHEDULE, "name": "Default (settings)", "time_zone": time_zone,
          "valid_from": None, "valid_until": None, "load_id": None, **r} for r in rows],
        schema=schema.polars_schema("schedules"),
    ).select(schema.column_names("schedules"))
    holidays_frame = pl.DataFrame(
        [{"schedule_id": DEFAULT_SCHEDULE, "holiday_date": day, "name": name, "load_id": None}
         for day, name in sorted(holiday_rows.items())],
        schema=schema.polars_schema("schedule_holidays"),
    ).select(schema.column_names("schedule_holidays"))
    return schedules, holidays_frame


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("schedules", "schedule_holidays", "ticket_schedules", "default_schedules"):
        con.execute(schema.create_sql(table))


def ensure_default_schedule(con: duckdb.DuckDBPyConnection, bh: dict, years: range) -> None:
    """Replace the 'default' schedule (and its holidays) with the one the settings describe."""
    schedules, holidays_frame = schedule_frames_from_settings(bh, years)  # validate before deleting
    ensure_tables(con)
    for table, frame in (("schedules", schedules), ("schedule_holidays", holidays_frame)):
        con.execute(f"DELETE FROM {table} WHERE schedule_id = ?", [DEFAULT_SCHEDULE])
        if frame.height:
            view = f"_deskscope_new_{table}"
            con.register(view, frame.to_arrow())
            try:
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {view}")
            finally:
                con.unregister(view)


# ---------------------------------------------------------------------------------------------
# The calendar: business intervals in UTC, and an hour index over them
# ---------------------------------------------------------------------------------------------

US_PER_MINUTE = 60_000_000
US_PER_HOUR = 3_600_000_000
_FAR_PAST, _FAR_FUTURE = -(2**62), 2**62  # minutes; stand for an open valid_from / valid_until

# Every local day of the range is laid out with two spare days on each side, so that every UTC
# instant of [date_from 00:00, date_to + 1 day 00:00] is covered whatever the zone's offset.
# Times are whole UTC minutes (epoch minutes) from here on: zone offsets are whole minutes, and
# version switches are rounded to the nearest minute.
_BUILD_INTERVALS = f"""
CREATE OR REPLACE TABLE {CALENDAR_TABLE} AS
WITH versions AS (
    SELECT schedule_id, time_zone, start_minute, end_minute,
           coalesce((epoch_us(valid_from) + {US_PER_MINUTE // 2}) // {US_PER_MINUTE}, {_FAR_PAST}) AS version_from,
           coalesce((epoch_us(valid_until) + {US_PER_MINUTE // 2}) // {US_PER_MINUTE}, {_FAR_FUTURE}) AS version_until
    FROM schedules
    WHERE end_minute > start_minute AND time_zone IS NOT NULL
),
-- holidays are whole local days: cut each weekly interval at local midnight
day_pieces AS (
    SELECT v.*, d.weekday,
           greatest(v.start_minute, d.weekday * {MINUTES_PER_DAY}) - d.weekday * {MINUTES_PER_DAY} AS from_minute,
           least(v.end_minute, (d.weekday + 1) * {MINUTES_PER_DAY}) - d.weekday * {MINUTES_PER_DAY} AS until_minute
    FROM versions v
    JOIN (SELECT range AS weekday FROM range(7)) d
      ON v.start_minute < (d.weekday + 1) * {MINUTES_PER_DAY} AND v.end_minute > d.weekday * {MINUTES_PER_DAY}
),
local_days AS (
    SELECT CAST(day AS DATE) AS local_day, dayofweek(day) AS weekday
    FROM range(CAST(? AS DATE) - INTERVAL 2 DAY, CAST(? AS DATE) + INTERVAL 3 DAY, INTERVAL 1 DAY) t(day)
),
local_pieces AS (
    SELECT p.schedule_id, p.time_zone, p.version_from, p.version_until,
           CAST(d.local_day AS TIMESTAMP) + p.from_minute * INTERVAL 1 MINUTE AS local_start,
           CAST(d.local_day AS TIMESTAMP) + p.until_minute * INTERVAL 1 MINUTE AS local_end
    FROM day_pieces p
    JOIN local_days d ON d.weekday = p.weekday
    WHERE NOT EXISTS (SELECT 1 FROM schedule_holidays h
                      WHERE h.schedule_id = p.schedule_id AND h.holiday_date = d.local_day)
),
-- local wall-clock time -> UTC by the zone's own rules (ICU), then clipped to the version
utc_pieces AS (
    SELECT schedule_id,
           greatest((epoch_us(timezone('UTC', timezone(time_zone, local_start))) + {US_PER_MINUTE // 2})
                    // {US_PER_MINUTE}, version_from) AS start_min,
           least((epoch_us(timezone('UTC', timezone(time_zone, local_end))) + {US_PER_MINUTE // 2})
                 // {US_PER_MINUTE}, version_until) AS end_min
    FROM local_pieces
),
-- overlapping versions, or local times a DST switch repeats, must not count twice
non_overlapping AS (
    SELECT schedule_id, end_min,
           greatest(start_min, coalesce(max(end_min) OVER (
               PARTITION BY schedule_id ORDER BY start_min, end_min
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), start_min)) AS start_min
    FROM utc_pieces
)
SELECT schedule_id,
       make_timestamp(start_min * {US_PER_MINUTE}) AS start_utc,
       make_timestamp(end_min * {US_PER_MINUTE}) AS end_utc,
       (end_min - start_min) * {US_PER_MINUTE} AS length_us,
       CAST(coalesce(sum(end_min - start_min) OVER (PARTITION BY schedule_id ORDER BY start_min
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) * {US_PER_MINUTE} AS BIGINT) AS cum_before_us
FROM non_overlapping
WHERE end_min > start_min
ORDER BY schedule_id, start_min
"""

# One row per schedule and UTC hour of the covered range (dense, so a lookup is an equality
# join): the business time before the hour, and which of its 60 minutes are business minutes
# (bit m = minute m). Business time before an instant t is then
#   cum_before_us + 60 s * (business minutes of the hour before t's minute)
#                 + (t's own minute is business) * (t's microseconds into that minute).
_BUILD_HOURS = f"""
CREATE OR REPLACE TABLE {HOURS_TABLE} AS
WITH minutes AS (
    SELECT schedule_id, epoch_us(start_utc) // {US_PER_MINUTE} AS start_min,
           epoch_us(end_utc) // {US_PER_MINUTE} AS end_min
    FROM {CALENDAR_TABLE}
),
piece_hours AS (
    SELECT schedule_id, start_min, end_min, unnest(range(start_min // 60, (end_min - 1) // 60 + 1)) AS hour
    FROM minutes
),
masks AS (
    SELECT schedule_id, hour,
           bit_or(((CAST(1 AS BIGINT) << CAST(least(end_min, hour * 60 + 60) - hour * 60 AS INTEGER)) - 1)
                - ((CAST(1 AS BIGINT) << CAST(greatest(start_min, hour * 60) - hour * 60 AS INTEGER)) - 1)) AS minute_mask
    FROM piece_hours
    GROUP BY ALL
),
hours AS (
    SELECT s.schedule_id, h.range AS hour
    FROM (SELECT DISTINCT schedule_id FROM schedules) s, range(?, ?) h
)
SELECT hours.schedule_id, hours.hour,
       CAST(coalesce(sum(bit_count(coalesce(masks.minute_mask, 0))) OVER (
           PARTITION BY hours.schedule_id ORDER BY hours.hour
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) * {US_PER_MINUTE} AS BIGINT) AS cum_before_us,
       coalesce(masks.minute_mask, 0) AS minute_mask
FROM hours
LEFT JOIN masks USING (schedule_id, hour)
ORDER BY hours.schedule_id, hours.hour
"""

_BUILD_COVERAGE = f"""
CREATE OR REPLACE TABLE {COVERAGE_TABLE} AS
SELECT DISTINCT schedule_id,
       CAST(CAST(? AS DATE) AS TIMESTAMP) AS covers_from,
       CAST(CAST(? AS DATE) + INTERVAL 1 DAY AS TIMESTAMP) AS covers_until
FROM schedules
"""


def build_calendar(con: duckdb.DuckDBPyConnection, date_from: dt.date, date_to: dt.date) -> None:
    """(Re)build the calendar tables for UTC instants from ``date_from`` 00:00 to ``date_to``
    24:00. Instants outside the range get NULL business minutes, never a wrong number."""
    if date_to < date_from:
        raise ValueError(f"build_calendar: date_to {date_to} is before date_from {date_from}; swap them")
    # the hour index counts hours since 1970 with truncating division: earlier instants stay NULL
    date_from = max(date_from, dt.date(1970, 1, 2))
    date_to = max(date_to, date_from)
    ensure_tables(con)
    bad_zones = [zone for (zone,) in con.execute(
        "SELECT DISTINCT time_zone FROM schedules WHERE time_zone IS NOT NULL "
        "AND time_zone NOT IN (SELECT name FROM pg_timezone_names()) ORDER BY 1").fetchall()]
    if bad_zones:
        raise ValueError(f"schedules.time_zone: unknown zone(s) {', '.join(map(repr, bad_zones))}; "
                         "store IANA names (resolve_tz() converts Zendesk and Windows names)")
    epoch = dt.date(1970, 1, 1)
    first_hour = (date_from - epoch).days * 24
    last_hour = (date_to - epoch).days * 24 + 24  # the hour starting at date_to + 1 day 00:00
    con.execute(_BUILD_INTERVALS, [date_from, date_to])
    con.execute(_BUILD_HOURS, [first_hour, last_hour + 1])
    con.execute(_BUILD_COVERAGE, [date_from, date_to])


def calendar_range(con: duckdb.DuckDBPyConnection) -> tuple[dt.datetime, dt.datetime] | None:
    """The UTC range the calendar covers, or None when it has not been built."""
    try:
        row = con.execute(f"SELECT min(covers_from), max(covers_until) FROM {COVERAGE_TABLE}").fetchone()
    except duckdb.CatalogException:
        return None
    return None if row is None or row[0] is None else (row[0], row[1])


def ensure_calendar(con: duckdb.DuckDBPyConnection, date_from: dt.date, date_to: dt.date) -> None:
    """Build the calendar unless it already covers [date_from, date_to]."""
    covered = calendar_range(con)
    if covered is None or covered[0].date() > date_from or covered[1].date() <= date_to:
        build_calendar(con, date_from, date_to)


# ---------------------------------------------------------------------------------------------
# Business minutes of many intervals at once
# ---------------------------------------------------------------------------------------------

def _business_before(alias: str, instant: str) -> str:
    """SQL for the business microseconds before ``instant`` from the hour row ``alias``."""
    in_hour = f"(epoch_us({instant}) - {alias}.hour * {US_PER_HOUR})"
    minute = f"CAST({in_hour} // {US_PER_MINUTE} AS INTEGER)"
    return (f"{alias}.cum_before_us"
            f" + CAST(bit_count({alias}.minute_mask & ((CAST(1 AS BIGINT) << {minute}) - 1)) AS BIGINT) * {US_PER_MINUTE}"
            f" + (({alias}.minute_mask >> {minute}) & 1) * ({in_hour} % {US_PER_MINUTE})")


def business_minutes_sql(intervals: str) -> str:
    """SQL returning (k, business_minutes DOUBLE), one row per row of ``intervals``.

    ``intervals``: a relation name or a parenthesised subquery with columns
    (k, source, ticket_id, start_at, end_at), UTC naive TIMESTAMPs, k unique.
    Needs the calendar (``build_calendar``), ``ticket_schedules`` and ``default_schedules``.
    NULL when an end is NULL, when the schedule is unknown or when the calendar does not cover
    the interval; 0 when end_at <= start_at.
    """
    return f"""
WITH iv AS (
    -- where no ticket schedule applies: the source's own default (default_schedules, e.g. a
    -- Zendesk account's), else the settings' default
    SELECT i.k, i.source, i.ticket_id, i.start_at, i.end_at, coalesce(d.schedule_id, '{DEFAULT_SCHEDULE}') AS default_id
    FROM {intervals} i
    LEFT JOIN default_schedules d ON d.source = i.source
),
-- a ticket's schedules, each until the next; before the first one the default schedule applies
-- (Zendesk's ticket_schedule only records the schedules triggers set; schedule_id NULL = default)
ticket_segments AS (
    SELECT source, ticket_id, schedule_id, valid_from AS segment_from,
           lead(valid_from) OVER (PARTITION BY source, ticket_id ORDER BY valid_from, schedule_id) AS segment_until
    FROM ticket_schedules
    UNION ALL
    SELECT source, ticket_id, NULL, NULL, min(valid_from)
    FROM ticket_schedules
    GROUP BY source, ticket_id
),
pieces AS (
    SELECT iv.k, iv.start_at, iv.end_at,
           coalesce(ts.schedule_id, iv.default_id) AS schedule_id,
           CASE WHEN iv.end_at > iv.start_at THEN greatest(iv.start_at, ts.segment_from) END AS piece_start,
           CASE WHEN iv.end_at > iv.start_at THEN least(iv.end_at, ts.segment_until) END AS piece_end
    FROM iv
    LEFT JOIN ticket_segments ts
      ON iv.end_at > iv.start_at
     AND ts.source = iv.source AND ts.ticket_id = iv.ticket_id
     AND (ts.segment_from IS NULL OR ts.segment_from < iv.end_at)
     AND (ts.segment_until IS NULL OR ts.segment_until > iv.start_at)
),
measured AS (
    SELECT p.k, p.start_at, p.end_at,
           {_business_before('hs', 'p.piece_start')} AS before_start_us,
           {_business_before('he', 'p.piece_end')} AS before_end_us
    FROM pieces p
    LEFT JOIN {HOURS_TABLE} hs
      ON hs.schedule_id = p.schedule_id AND hs.hour = epoch_us(p.piece_start) // {US_PER_HOUR}
    LEFT JOIN {HOURS_TABLE} he
      ON he.schedule_id = p.schedule_id AND he.hour = epoch_us(p.piece_end) // {US_PER_HOUR}
)
SELECT k,
       CASE
           WHEN any_value(start_at) IS NULL OR any_value(end_at) IS NULL THEN NULL
           WHEN any_value(end_at) <= any_value(start_at) THEN 0.0
           -- an instant outside the calendar, or a schedule it does not know: unknown, not 0
           WHEN count(before_start_us) < count(*) OR count(before_end_us) < count(*) THEN NULL
           ELSE sum(before_end_us - before_start_us) / {float(US_PER_MINUTE)}
       END AS business_minutes
FROM measured
GROUP BY k
"""


def add_business_minutes_sql(starts: str) -> str:
    """SQL returning (k, due_at TIMESTAMP): the instant ``minutes`` business minutes after
    ``start_at`` under schedule ``schedule_id`` (an SLA due time).

    ``starts``: a relation name or parenthesised subquery with columns
    (k, schedule_id, start_at, minutes). minutes = 0 gives start_at; NULL when an input is NULL,
    minutes is negative, or the due time falls outside the calendar.
    """
    return f"""
WITH st AS (
    SELECT k, schedule_id, start_at, CAST(round(CAST(minutes AS DOUBLE) * {US_PER_MINUTE}) AS BIGINT) AS wanted_us
    FROM {starts}
),
-- business time before start_at, counted in {CALENDAR_TABLE}'s own running total
located AS (
    SELECT st.*,
           c.cum_before_us + least(greatest(epoch_us(st.start_at) - epoch_us(c.start_utc), 0), c.length_us)
               + st.wanted_us AS target_us
    FROM st
    ASOF LEFT JOIN {CALENDAR_TABLE} c
      ON c.schedule_id = st.schedule_id AND st.start_at >= c.start_utc
),
-- the business interval in which the running total reaches the target
reached AS (
    SELECT l.*,
           CASE WHEN l.target_us <= c.cum_before_us + c.length_us
                THEN make_timestamp(epoch_us(c.start_utc) + (l.target_us - c.cum_before_us)) END AS due_candidate
    FROM located l
    ASOF LEFT JOIN {CALENDAR_TABLE} c
      ON c.schedule_id = l.schedule_id AND l.target_us > c.cum_before_us
)
SELECT r.k,
       CASE
           WHEN r.start_at IS NULL OR r.wanted_us IS NULL OR r.wanted_us < 0 THEN NULL
           WHEN r.wanted_us = 0 THEN r.start_at
           WHEN cov.schedule_id IS NULL OR r.start_at < cov.covers_from OR r.due_candidate IS NULL
                OR r.due_candidate > cov.covers_until THEN NULL
           ELSE greatest(r.due_candidate, r.start_at)
       END AS due_at
FROM reached r
LEFT JOIN {COVERAGE_TABLE} cov ON cov.schedule_id = r.schedule_id
"""


def in_business_hours_sql(instants: str) -> str:
    """SQL returning (k, in_business_hours BOOLEAN): whether ``instant`` falls inside the
    business hours of the ticket's schedule (e.g. "created in business hours").

    ``instants``: a relation name or parenthesised subquery with columns (k, source, ticket_id, instant).
    """
    one_microsecond = (f"(SELECT k, source, ticket_id, instant AS start_at, instant + INTERVAL 1 MICROSECOND AS end_at "
                       f"FROM {instants})")
    return f"SELECT k, business_minutes > 0 AS in_business_hours FROM ({business_minutes_sql(one_microsecond)})"
