"""Business-hours time (metrics/business_time.py) against hand-computed answers.

The default schedule in these tests is the shipped one: America/New_York, Monday-Friday
09:00-18:00, US public holidays. New York is UTC-5 (EST) until 2024-03-10 02:00 and from
2024-11-03 02:00, UTC-4 (EDT) between. All timestamps given to the SQL are naive UTC.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from metrics import business_time as bt

DEFAULT_BH = {
    "time_zone": "America/New_York",
    "monday": ["09:00-18:00"], "tuesday": ["09:00-18:00"], "wednesday": ["09:00-18:00"],
    "thursday": ["09:00-18:00"], "friday": ["09:00-18:00"], "saturday": [], "sunday": [],
    "holiday_country": "US", "holidays": [],
}
YEARS = range(2023, 2026)
T = dt.datetime


def new_store(bh: dict = DEFAULT_BH) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    bt.ensure_default_schedule(con, bh, YEARS)
    return con


def add_schedule(con, schedule_id, time_zone, spans, valid_from=None, valid_until=None):
    """spans: (weekday 0=Sunday, "HH:MM", "HH:MM") in local time."""
    for day, start, end in spans:
        h1, m1 = map(int, start.split(":"))
        h2, m2 = map(int, end.split(":"))
        con.execute("INSERT INTO schedules (schedule_id, name, time_zone, start_minute, end_minute, valid_from, valid_until) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [schedule_id, schedule_id, time_zone, day * 1440 + h1 * 60 + m1, day * 1440 + h2 * 60 + m2,
                     valid_from, valid_until])


def business_minutes(con, intervals, build=True) -> list:
    """intervals: (start_at, end_at) or (ticket_id, start_at, end_at); answers in input order."""
    if build:
        bt.build_calendar(con, dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    con.execute("CREATE OR REPLACE TEMP TABLE iv (k INTEGER, source VARCHAR, ticket_id VARCHAR, "
                "start_at TIMESTAMP, end_at TIMESTAMP)")
    rows = []
    for k, row in enumerate(intervals):
        ticket, start, end = row if len(row) == 3 else ("t0", *row)
        rows.append([k, "zendesk", ticket, start, end])
    if rows:
        con.executemany("INSERT INTO iv VALUES (?, ?, ?, ?, ?)", rows)
    result = dict(con.execute(bt.business_minutes_sql("iv")).fetchall())
    assert len(result) == len(rows)  # one row per input interval
    return [result[k] for k in range(len(rows))]


def one(con, start, end, ticket="t0"):
    return business_minutes(con, [(ticket, start, end)])[0]


# --- the default New York schedule --------------------------------------------------------------

def test_same_day_inside_hours():
    # Tue 2024-03-05 10:00-12:30 EST = 15:00-17:30 UTC: 150 minutes, all inside 09:00-18:00
    assert one(new_store(), T(2024, 3, 5, 15, 0), T(2024, 3, 5, 17, 30)) == 150


def test_spanning_a_night():
    # Tue 2024-03-05 16:30 EST (21:30 UTC) -> Wed 09:45 EST (14:45 UTC): 16:30-18:00 = 90 + 09:00-09:45 = 45
    assert one(new_store(), T(2024, 3, 5, 21, 30), T(2024, 3, 6, 14, 45)) == 135


def test_friday_evening_to_monday_morning():
    # Fri 2024-02-09 17:00 EST (22:00 UTC) -> Mon 2024-02-12 10:00 EST (15:00 UTC): 60 + 60
    assert one(new_store(), T(2024, 2, 9, 22), T(2024, 2, 12, 15)) == 120


def test_created_on_saturday():
    # Sat 2024-02-10 12:00 EST (17:00 UTC) -> Mon 2024-02-12 09:30 EST (14:30 UTC): only Monday's 30
    assert one(new_store(), T(2024, 2, 10, 17), T(2024, 2, 12, 14, 30)) == 30


def test_created_on_a_us_holiday():
    # Thu 2024-07-04 (Independence Day) 10:00 EDT (14:00 UTC) -> Fri 2024-07-05 10:00 EDT: 0 + 60
    assert one(new_store(), T(2024, 7, 4, 14), T(2024, 7, 5, 14)) == 60


def test_custom_holiday_from_settings():
    con = new_store({**DEFAULT_BH, "holidays": ["2024-07-05"]})
    # Thu 07-04 (US holiday) and Fri 07-05 (custom) are off; Mon 2024-07-08 09:00-10:00 EDT = 60
    got = business_minutes(con, [(T(2024, 7, 4, 14), T(2024, 7, 5, 14)), (T(2024, 7, 4, 14), T(2024, 7, 8, 14))])
    assert got == [0, 60]


def test_spring_forward_inside_the_interval():
    con = new_store()
    start, end = T(2024, 3, 8, 22), T(2024, 3, 11, 14)  # Fri 17:00 EST -> Mon 10:00 EDT
    # business: Fri 17:00-18:00 = 60, Mon 09:00-10:00 = 60
    assert one(con, start, end) == 120
    # calendar: Fri 22:00 UTC -> Mon 14:00 UTC = 2 days 16 h = 64 h = 3840 min, one hour less than
    # the 65 h (3900 min) the wall clock shows from Fri 17:00 to Mon 10:00
    calendar = (end - start).total_seconds() / 60
    assert calendar == 3840 and calendar == 3900 - 60


def test_fall_back_inside_the_interval():
    con = new_store()
    start, end = T(2024, 11, 1, 21), T(2024, 11, 4, 15)  # Fri 17:00 EDT -> Mon 10:00 EST
    assert one(con, start, end) == 120  # 60 + 60
    # calendar: Fri 21:00 UTC -> Mon 15:00 UTC = 66 h = 3960 min = wall clock 65 h + 60
    assert (end - start).total_seconds() / 60 == 3900 + 60


def test_working_hours_move_in_utc_with_dst():
    con = new_store()
    # 13:00-14:00 UTC is 08:00-09:00 EST (closed) on Fri 2024-03-08 but 09:00-10:00 EDT (open) on Mon 03-11
    assert business_minutes(con, [(T(2024, 3, 8, 13), T(2024, 3, 8, 14)),
                                  (T(2024, 3, 11, 13), T(2024, 3, 11, 14))]) == [0, 60]


def test_null_and_backwards_intervals():
    con = new_store()
    got = business_minutes(con, [(None, T(2024, 3, 5, 15)), (T(2024, 3, 5, 15), None),
                                 (T(2024, 3, 5, 15), T(2024, 3, 5, 15)), (T(2024, 3, 5, 16), T(2024, 3, 5, 15))])
    assert got[0] is None and got[1] is None
    assert got[2] == 0 and got[3] == 0


def test_outside_the_calendar_is_null_not_zero():
    con = new_store()
    # the calendar covers 2023-01-01..2025-12-31; an end in 2027 cannot be known
    assert one(con, T(2025, 12, 30, 15), T(2027, 1, 5, 15)) is None


# --- other schedules ------------------------------------------------------------------------------

def test_24_7_schedule_equals_calendar_minutes_across_dst():
    con = new_store()
    add_schedule(con, "always", "America/New_York", [(d, "00:00", "24:00") for d in range(7)])
    con.execute("INSERT INTO ticket_schedules (source, ticket_id, schedule_id, valid_from) "
                "VALUES ('zendesk', 'a', 'always', TIMESTAMP '2024-01-01')")
    # Sat 2024-03-09 00:00 EST (05:00 UTC) -> Mon 2024-03-11 00:00 EDT (04:00 UTC): 47 h = 2820 min
    assert one(con, T(2024, 3, 9, 5), T(2024, 3, 11, 4), ticket="a") == 2820


def test_moscow_schedule_with_russian_holidays():
    bh = {**DEFAULT_BH, "time_zone": "Moscow", "holiday_country": "RU"}  # Zendesk's name for Europe/Moscow
    schedules, holidays_frame = bt.schedule_frames_from_settings(bh, YEARS)
    assert schedules["time_zone"].unique().to_list() == ["Europe/Moscow"]
    days = set(holidays_frame["holiday_date"].to_list())
    assert {dt.date(2024, 3, 8), dt.date(2024, 1, 8), dt.date(2024, 1, 2)} <= days
    con = new_store(bh)
    got = business_minutes(con, [
        # Moscow is UTC+3 all year. Thu 2024-03-07 17:00 MSK (14:00 UTC) -> Mon 03-11 10:00 MSK (07:00 UTC):
        # Thu 17:00-18:00 = 60, Fri 03-08 Women's Day = 0, Mon 09:00-10:00 = 60
        (T(2024, 3, 7, 14), T(2024, 3, 11, 7)),
        # Fri 2023-12-29 17:00 MSK -> Tue 2024-01-09 10:00 MSK: 60 + New Year holidays 01-01..01-08 + 60
        (T(2023, 12, 29, 14), T(2024, 1, 9, 7)),
    ])
    assert got == [120, 120]


def test_ticket_moved_between_schedules():
    con = new_store()
    # schedule B: London, Monday-Friday 09:00-17:00 (GMT = UTC in February)
    add_schedule(con, "london", "Europe/London", [(d, "09:00", "17:00") for d in range(1, 6)])
    con.execute("INSERT INTO ticket_schedules (source, ticket_id, schedule_id, valid_from) VALUES "
                "('zendesk', 'moved', 'default', TIMESTAMP '2024-02-05 00:00'), "
                "('zendesk', 'moved', 'london', TIMESTAMP '2024-02-06 12:00')")
    start, end = T(2024, 2, 5, 15), T(2024, 2, 7, 10)  # Mon 10:00 EST -> Wed 10:00 GMT
    got = business_minutes(con, [("moved", start, end), ("stayed", start, end)])
    # moved: under New York until Tue 12:00 UTC: Mon 10:00-18:00 EST = 480 (Tue 12:00 UTC = 07:00 EST: 0)
    #        under London from Tue 12:00 UTC: Tue 12:00-17:00 = 300, Wed 09:00-10:00 = 60  -> 840
    # stayed (no ticket_schedules rows, so 'default'): Mon 480 + Tue 09:00-18:00 EST 540
    #        + Wed until 10:00 UTC = 05:00 EST 0 -> 1020
    assert got == [840, 1020]


def test_default_schedule_applies_before_the_first_ticket_schedule():
    con = new_store()
    add_schedule(con, "london", "Europe/London", [(d, "09:00", "17:00") for d in range(1, 6)])
    con.execute("INSERT INTO ticket_schedules (source, ticket_id, schedule_id, valid_from) "
                "VALUES ('zendesk', 'late', 'london', TIMESTAMP '2024-02-05 12:00')")
    # Mon 2024-02-05 10:00-14:00 UTC: until 12:00 the default New York schedule (05:00-07:00 EST: 0),
    # then London (12:00-14:00 GMT: 120)
    assert one(con, T(2024, 2, 5, 10), T(2024, 2, 5, 14), ticket="late") == 120


def test_schedule_version_change():
    con = new_store()
    switch = T(2024, 2, 7)  # Wed 00:00 UTC
    add_schedule(con, "v", "UTC", [(d, "09:00", "17:00") for d in range(1, 6)], valid_until=switch)
    add_schedule(con, "v", "UTC", [(d, "10:00", "12:00") for d in range(1, 6)], valid_from=switch)
    con.execute("INSERT INTO ticket_schedules (source, ticket_id, schedule_id, valid_from) "
                "VALUES ('zendesk', 'v', 'v', TIMESTAMP '2024-01-01')")
    # Mon 2024-02-05 00:00 -> Fri 2024-02-09 00:00 UTC: Mon 480 + Tue 480 (old) + Wed 120 + Thu 120 (new)
    assert one(con, T(2024, 2, 5), T(2024, 2, 9), ticket="v") == 1200


def test_unknown_schedule_is_null():
    con = new_store()
    con.execute("INSERT INTO ticket_schedules (source, ticket_id, schedule_id, valid_from) "
                "VALUES ('zendesk', 'x', 'no-such-schedule', TIMESTAMP '2024-01-01')")
    assert one(con, T(2024, 2, 5, 15), T(2024, 2, 5, 16), ticket="x") is None


# --- due times --------------------------------------------------------------------------------------

def test_add_business_minutes():
    con = new_store()
    bt.build_calendar(con, dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    rows = con.execute("SELECT * FROM " + "(" + bt.add_business_minutes_sql(
        "(SELECT * FROM (VALUES (1, 'default', TIMESTAMP '2024-02-09 22:00', 120),"
        " (2, 'default', TIMESTAMP '2024-02-09 22:00', 60),"
        " (3, 'default', TIMESTAMP '2024-02-10 17:00', 30),"
        " (4, 'default', TIMESTAMP '2024-02-09 22:00', 0)) t(k, schedule_id, start_at, minutes))") + ") ORDER BY k").fetchall()
    assert rows == [
        (1, T(2024, 2, 12, 15)),  # Fri 17:00 EST + 60 -> Fri 18:00, + 60 -> Mon 10:00 EST = 15:00 UTC
        (2, T(2024, 2, 9, 23)),   # Fri 17:00 + 60 = Fri 18:00 EST = 23:00 UTC (the end of the day, not Monday)
        (3, T(2024, 2, 12, 14, 30)),  # Saturday noon + 30 -> Mon 09:30 EST
        (4, T(2024, 2, 9, 22)),   # + 0 -> the start itself
    ]


# --- time-zone names --------------------------------------------------------------------------------

@pytest.mark.parametrize("name, iana", [
    ("Eastern Time (US & Canada)", "America/New_York"),
    ("Pacific Time (US & Canada)", "America/Los_Angeles"),
    ("Central Time (US & Canada)", "America/Chicago"),
    ("Moscow", "Europe/Moscow"), ("London", "Europe/London"), ("Berlin", "Europe/Berlin"),
    ("Kyiv", "Europe/Kyiv"), ("Tokyo", "Asia/Tokyo"), ("Sydney", "Australia/Sydney"),
    ("Eastern Standard Time", "America/New_York"), ("Russian Standard Time", "Europe/Moscow"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("(GMT-05:00) Eastern Time (US & Canada)", "America/New_York"),
    ("(UTC+03:00) Moscow, St. Petersburg", "Europe/Moscow"),
    ("Europe/Moscow", "Europe/Moscow"), ("america/new_york", "America/New_York"), ("UTC", "UTC"),
])
def test_resolve_tz(name, iana):
    assert bt.resolve_tz(name) == iana


def test_unknown_time_zone_names_the_value_and_the_fix():
    with pytest.raises(ValueError, match=r"'Mars/Olympus'.*America/New_York"):
        bt.resolve_tz("Mars/Olympus")


def test_every_mapped_zone_is_known_to_duckdb():
    names = {r[0] for r in duckdb.sql("SELECT name FROM pg_timezone_names()").fetchall()}
    mapped = set(bt.RAILS_TIME_ZONES.values()) | set(bt.WINDOWS_TIME_ZONES.values())
    assert mapped - names == set()
    assert mapped - zoneinfo.available_timezones() == set()


# --- settings ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("monday, fragment", [
    (["25:00-26:00"], "business_hours.monday: '25:00-26:00' is not a time of day"),
    (["18:00-09:00"], "business_hours.monday: '18:00-09:00' ends before it starts"),
    (["09:00-12:00", "11:00-13:00"], "business_hours.monday: intervals 09:00-12:00 and 11:00-13:00 overlap"),
    (["9 to 5"], 'business_hours.monday: \'9 to 5\' is not "HH:MM-HH:MM"'),
])
def test_bad_hours_are_rejected_with_the_key_and_fix(monday, fragment):
    with pytest.raises(ValueError) as caught:
        bt.schedule_frames_from_settings({**DEFAULT_BH, "monday": monday}, YEARS)
    assert fragment in str(caught.value)


def test_a_week_without_hours_is_rejected():
    closed = {**DEFAULT_BH, **{day: [] for day in bt.WEEKDAYS}}
    with pytest.raises(ValueError, match="no working hours on any day"):
        bt.schedule_frames_from_settings(closed, YEARS)


def test_every_settings_problem_is_reported_at_once():
    bad = {**DEFAULT_BH, "time_zone": "Nowhere", "tuesday": ["25:00-26:00"], "holidays": ["2024-13-01"],
           "holiday_country": "XX"}
    with pytest.raises(ValueError) as caught:
        bt.schedule_frames_from_settings(bad, YEARS)
    text = str(caught.value)
    for key in ("business_hours.time_zone", "business_hours.tuesday", "business_hours.holidays",
                "business_hours.holiday_country"):
        assert key in text


def test_settings_frames():
    bh = {**DEFAULT_BH, "saturday": ["10:00-12:00", "13:00-14:00"], "holidays": ["2024-12-24"]}
    schedules, holidays_frame = bt.schedule_frames_from_settings(bh, range(2024, 2025))
    # Monday 09:00 = 1 day * 1440 + 540 = 1980; Saturday 10:00 = 6 * 1440 + 600 = 9240
    spans = sorted(zip(schedules["start_minute"], schedules["end_minute"]))
    assert spans[0] == (1980, 2520) and (9240, 9360) in spans and (9420, 9480) in spans
    assert len(spans) == 7
    assert set(schedules["schedule_id"]) == {"default"}
    # 11 US federal holidays in 2024 + Christmas Eve from settings
    assert holidays_frame.height == 12 and dt.date(2024, 12, 24) in holidays_frame["holiday_date"].to_list()


def test_ensure_default_schedule_replaces_only_the_default():
    con = duckdb.connect()
    bt.ensure_default_schedule(con, DEFAULT_BH, YEARS)
    add_schedule(con, "other", "UTC", [(1, "09:00", "10:00")])
    bt.ensure_default_schedule(con, {**DEFAULT_BH, "monday": []}, YEARS)
    counts = dict(con.execute("SELECT schedule_id, count(*) FROM schedules GROUP BY ALL").fetchall())
    assert counts == {"default": 4, "other": 1}  # Tue-Fri left in the default; 'other' untouched


# --- invariants ----------------------------------------------------------------------------------------

MOMENTS = st.datetimes(min_value=T(2023, 6, 1), max_value=T(2025, 6, 1))


@pytest.fixture(scope="module")
def calendar_store():
    con = new_store()
    add_schedule(con, "always", "Europe/Berlin", [(d, "00:00", "24:00") for d in range(7)])
    con.execute("INSERT INTO ticket_schedules (source, ticket_id, schedule_id, valid_from) "
                "VALUES ('zendesk', 'always', 'always', TIMESTAMP '2023-01-01')")  # before every MOMENT
    bt.build_calendar(con, dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    return con


def reference_minutes(start: dt.datetime, end: dt.datetime) -> float:
    """Independent check: New York 09:00-18:00 on US working days, walked day by day in Python."""
    import holidays

    ny, utc = zoneinfo.ZoneInfo("America/New_York"), dt.timezone.utc
    days_off = holidays.country_holidays("US", years=list(YEARS))
    a, b = start.replace(tzinfo=utc), end.replace(tzinfo=utc)
    total = 0.0
    day = a.astimezone(ny).date() - dt.timedelta(days=1)
    while day <= b.astimezone(ny).date():
        if day.weekday() < 5 and day not in days_off:
            open_ = dt.datetime.combine(day, dt.time(9), ny).astimezone(utc)
            close = dt.datetime.combine(day, dt.time(18), ny).astimezone(utc)
            total += max(0.0, (min(b, close) - max(a, open_)).total_seconds() / 60)
        day += dt.timedelta(days=1)
    return total


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(MOMENTS, MOMENTS, st.floats(0, 1)), min_size=1, max_size=20))
def test_invariants(calendar_store, triples):
    intervals, split = [], []
    for a, b, f in triples:
        start, end = min(a, b), max(a, b)
        middle = start + (end - start) * f
        intervals.append((start, end))
        split += [(start, middle), (middle, end)]
    got = business_minutes(calendar_store, intervals + split + [("always", s, e) for s, e in intervals], build=False)
    n = len(intervals)
    whole, parts, always = got[:n], got[n:3 * n], got[3 * n:]
    for i, (start, end) in enumerate(intervals):
        calendar = (end - start).total_seconds() / 60
        assert 0 <= whole[i] <= calendar + 1e-9
        assert whole[i] == pytest.approx(parts[2 * i] + parts[2 * i + 1], abs=1e-6)  # additive
        assert whole[i] == pytest.approx(reference_minutes(start, end), abs=1e-6)
        assert always[i] == pytest.approx(calendar, abs=1e-6)  # 24/7 = calendar time


def test_in_business_hours():
    con = new_store()
    bt.build_calendar(con, dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    rows = dict(con.execute(bt.in_business_hours_sql(
        "(SELECT * FROM (VALUES (1, 'zendesk', 't', TIMESTAMP '2024-03-05 14:00'),"  # 09:00 EST Tue: open
        " (2, 'zendesk', 't', TIMESTAMP '2024-03-05 13:59:59'),"  # 08:59:59 EST: closed
        " (3, 'zendesk', 't', TIMESTAMP '2024-03-05 23:00'),"  # 18:00 EST: closed (the end is exclusive)
        " (4, 'zendesk', 't', TIMESTAMP '2024-07-04 15:00'),"  # 11:00 EDT on Independence Day: closed
        " (5, 'zendesk', 't', NULL)) t(k, source, ticket_id, instant))")).fetchall())
    assert rows == {1: True, 2: False, 3: False, 4: False, 5: None}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(MOMENTS, st.integers(1, 5000)), min_size=1, max_size=20))
def test_due_time_is_the_inverse_of_business_minutes(calendar_store, starts):
    # add_business_minutes walks business_calendar with ASOF joins; business_minutes uses the hour
    # index: N business minutes after s, the business minutes of [s, due) must be N again
    con = calendar_store
    con.execute("CREATE OR REPLACE TEMP TABLE st (k INTEGER, schedule_id VARCHAR, start_at TIMESTAMP, minutes INTEGER)")
    con.executemany("INSERT INTO st VALUES (?, 'default', ?, ?)", [[k, s, n] for k, (s, n) in enumerate(starts)])
    due = dict(con.execute(bt.add_business_minutes_sql("st")).fetchall())
    got = business_minutes(con, [(s, due[k]) for k, (s, _) in enumerate(starts)], build=False)
    for k, (start, minutes) in enumerate(starts):
        assert due[k] > start
        assert got[k] == pytest.approx(minutes, abs=1e-6)


def test_every_accepted_zone_name_is_documented():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "business_hours.md").read_text(encoding="utf-8")
    missing = [name for name in (*bt.RAILS_TIME_ZONES, *bt.WINDOWS_TIME_ZONES) if f"| {name} |" not in text]
    assert missing == [], f"add these names to docs/business_hours.md's appendix: {missing}"
