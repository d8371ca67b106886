"""Value parsing on its own: encodings, delimiters, numbers, booleans, durations, dates."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, strategies as st

from loaders import parsing

T = dt.datetime


@pytest.mark.parametrize("text,encoding", [
    ("Номер заявки;Статус;Счёт выставлен", "cp1251"),
    ("Café crème – €12 refund; Straße", "cp1252"),
    ("Номер заявки;Статус", "utf-8"),
])
def test_decode_bytes_finds_the_code_page(text, encoding):
    decoded, found = parsing.decode_bytes(text.encode(encoding))
    assert decoded == text and found.replace("-", "") == encoding.replace("-", "")


def test_decode_bytes_strips_the_bom():
    assert parsing.decode_bytes(b"\xef\xbb\xbfID,x") == ("ID,x", "utf-8-sig")


@pytest.mark.parametrize("text,delimiter", [
    ("a,b,c\n1,2,3\n", ","),
    ("a;b;c\n1,5;2,25;3\n", ";"),  # decimal commas do not fool it
    ("a\tb\tc\n1\t2\t3\n", "\t"),
    ('a,b\n"x;y;z",2\n', ","),  # delimiters inside quotes do not count
])
def test_sniff_delimiter(text, delimiter):
    assert parsing.sniff_delimiter(text) == delimiter


def test_dedupe_headers():
    assert parsing.dedupe_headers(["Comment", "Comment", "", " Comment "]) == ["Comment", "Comment (2)", "column_3", "Comment (3)"]


def test_missing_tokens():
    s = pl.Series(["?", "N/A", "-", "", "  ", "none", "x"])
    assert parsing.null_missing(s).to_list() == [None] * 6 + ["x"]


def test_numbers():
    values, failed = parsing.parse_number(pl.Series(["1 234,50", "1.234,50", "1,234.50", "12,5", "$12", "(3.5)", "15%", "abc", "?"]))
    assert values.to_list() == [1234.5, 1234.5, 1234.5, 12.5, 12.0, -3.5, 15.0, None, None]
    assert failed.to_list() == [False] * 7 + [True, False]  # '?' is missing, not bad


def test_ints_reject_fractions():
    values, failed = parsing.parse_int(pl.Series(["3", "3.0", "3.5"]))
    assert values.to_list() == [3, 3, None] and failed.to_list() == [False, False, True]


def test_booleans_english_and_russian():
    values, failed = parsing.parse_bool(pl.Series(["Y", "no", "Да", "нет", "1", "maybe"]))
    assert values.to_list() == [True, False, True, False, True, None]
    assert failed.to_list() == [False] * 5 + [True]


def test_durations():
    values, _ = parsing.parse_duration_seconds(pl.Series(["01:02:03", "02:30", "1h 2m", "2 min", "45", "1,5"]))
    assert values.to_list() == [3723.0, 150.0, 3720.0, 120.0, 45.0, 1.5]
    # An Excel time value (a fraction of a day): 0.5 = 12 h
    values, _ = parsing.parse_duration_seconds(pl.Series([0.5, 30.0]))
    assert values.to_list() == [43200.0, 30.0]


@pytest.mark.parametrize("values,tz,order,expected", [
    (["2024-03-04 14:00"], "UTC", None, [T(2024, 3, 4, 14)]),
    (["2024-03-04T14:00:00+03:00"], "America/New_York", None, [T(2024, 3, 4, 11)]),
    (["2024-03-04T14:00:00.250Z"], "UTC", None, [T(2024, 3, 4, 14, 0, 0, 250000)]),
    (["04.03.2024 14:00"], "Europe/Moscow", None, [T(2024, 3, 4, 11)]),  # MSK = UTC+3
    (["25/Feb/26 10:17 PM"], "UTC", None, [T(2026, 2, 25, 22, 17)]),  # Jira
    (["29/2/2016 01:16", "1/3/2016 11:00"], "UTC", None, [T(2016, 2, 29, 1, 16), T(2016, 3, 1, 11)]),
    (["12/25/2013 11:59:08 PM", "12/26/2013 12:00:00 AM"], "UTC", None, [T(2013, 12, 25, 23, 59, 8), T(2013, 12, 26)]),
    (["4/3/2024 14:00"], "UTC", "mdy", [T(2024, 4, 3, 14)]),
    (["45355.75"], "UTC", None, [T(2024, 3, 4, 18)]),  # Excel serial stored as text
    (["1700000000"], "Europe/Moscow", None, [T(2023, 11, 14, 22, 13, 20)]),  # epoch seconds are UTC
    # New York 2024-03-10 01:30 EST (UTC-5) and 03:30 EDT (UTC-4): one DST switch apart
    (["2024-03-10 01:30", "2024-03-10 03:30"], "America/New_York", None, [T(2024, 3, 10, 6, 30), T(2024, 3, 10, 7, 30)]),
])
def test_datetimes(values, tz, order, expected):
    out, failed, _ = parsing.parse_datetime(pl.Series("x", values), tz=tz, date_order=order)
    assert out.to_list() == expected and not failed.any()


def test_ambiguous_order_raises_with_examples():
    with pytest.raises(parsing.AmbiguousDateOrder, match="4/3/2024"):
        parsing.parse_datetime(pl.Series("x", ["4/3/2024 14:00", "5/3/2024 09:00"]))


def test_same_day_and_month_is_not_ambiguous():
    out, _, _ = parsing.parse_datetime(pl.Series("x", ["5/5/2024 10:00"]))
    assert out.to_list() == [T(2024, 5, 5, 10)]


def test_unreadable_values_are_flagged_not_dropped_silently():
    out, failed, _ = parsing.parse_datetime(pl.Series("x", ["2024-03-04 14:00", "soon", None, "?"]))
    assert out.to_list() == [T(2024, 3, 4, 14), None, None, None]
    assert failed.to_list() == [False, True, False, False]


@given(st.datetimes(min_value=T(1990, 1, 1), max_value=T(2090, 1, 1)).map(lambda d: d.replace(microsecond=0)))
def test_iso_round_trip(value):
    out, failed, _ = parsing.parse_datetime(pl.Series("x", [value.isoformat(sep=" ")]))
    assert out.to_list() == [value] and not failed.any()


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False))
def test_decimal_comma_round_trip(value):
    text = f"{value:,.2f}".replace(",", " ").replace(".", ",")  # '1 234,50'
    out, failed = parsing.parse_number(pl.Series([text]))
    assert out.to_list() == [float(value)] and not failed.any()


# ----------------------------------------------------------------------------- DST edges
# America/New_York: 2024-03-10 02:00 EST -> 03:00 EDT (02:00-02:59 never happens);
# 2024-11-03 02:00 EDT -> 01:00 EST (01:00-01:59 happens twice).
def test_local_time_in_the_spring_forward_gap_moves_forward_by_the_gap():
    dst: dict = {}
    out, failed, _ = parsing.parse_datetime(pl.Series("x", ["2024-03-10 02:30", "2024-03-10 01:59", "2024-03-10 03:00"]),
                                            tz="America/New_York", dst=dst)
    # 02:30 does not exist: read as 03:30 EDT = 07:30 UTC (the wall clock moved on by the 1 h gap),
    # the same instant as 02:30 EST. 01:59 EST = 06:59 UTC; 03:00 EDT = 07:00 UTC.
    assert out.to_list() == [T(2024, 3, 10, 7, 30), T(2024, 3, 10, 6, 59), T(2024, 3, 10, 7, 0)]
    assert not failed.any()
    assert dst["gap"].to_list() == [True, False, False] and not dst["ambiguous"].any()


def test_ambiguous_fall_back_time_takes_the_earlier_instant_and_is_flagged():
    dst: dict = {}
    out, failed, _ = parsing.parse_datetime(pl.Series("x", ["2024-11-03 01:30", "2024-11-03 02:30"]),
                                            tz="America/New_York", dst=dst)
    # 01:30 happens at EDT (UTC-4) and again at EST (UTC-5): the earlier is 05:30 UTC. 02:30 EST = 07:30 UTC.
    assert out.to_list() == [T(2024, 11, 3, 5, 30), T(2024, 11, 3, 7, 30)]
    assert not failed.any()
    assert dst["ambiguous"].to_list() == [True, False] and not dst["gap"].any()


def test_dst_gap_in_datetime_cells_and_excel_serials():
    # An XLSX datetime cell and an Excel serial are local times too.
    dst: dict = {}
    cells = pl.Series("x", [T(2024, 3, 10, 2, 30), None])
    out, failed, _ = parsing.parse_datetime(cells, tz="America/New_York", dst=dst)
    assert out.to_list() == [T(2024, 3, 10, 7, 30), None] and not failed.any()
    assert dst["gap"].to_list() == [True, False]
    dst = {}
    # Excel serial 45361 = 2024-03-10; + 0.09375 d = 02:15 local, in the gap: 03:15 EDT = 07:15 UTC
    out, failed, _ = parsing.parse_datetime(pl.Series("x", ["45361.09375", "2024-03-10 04:00"]), tz="America/New_York", dst=dst)
    assert out.to_list() == [T(2024, 3, 10, 7, 15), T(2024, 3, 10, 8, 0)] and not failed.any()
    assert dst["gap"].to_list() == [True, False]


def test_gap_and_fold_in_zones_without_dst_change_nothing():
    dst: dict = {}
    out, _, _ = parsing.parse_datetime(pl.Series("x", ["2024-03-10 02:30"]), tz="Europe/Moscow", dst=dst)
    assert out.to_list() == [T(2024, 3, 9, 23, 30)]
    assert not dst["gap"].any() and not dst["ambiguous"].any()


# ----------------------------------------------------------------------------- RFC 2822
@pytest.mark.parametrize("value,expected", [
    ("Tue, 31 Aug 2010 20:36:28 +0000", T(2010, 8, 31, 20, 36, 28)),  # Twilio's API dates
    ("Wed, 1 Sep 2010 08:05:00 -0500", T(2010, 9, 1, 13, 5)),
    ("31 Aug 2010 20:36:28 +0200", T(2010, 8, 31, 18, 36, 28)),  # weekday is optional
    ("Tue, 31 Aug 2010 20:36:28 GMT", T(2010, 8, 31, 20, 36, 28)),
])
def test_rfc2822_dates(value, expected):
    # The offset wins over tz, like any value with an offset.
    out, failed, fmt = parsing.parse_datetime(pl.Series("x", [value]), tz="Europe/Moscow")
    assert out.to_list() == [expected] and not failed.any()


# ----------------------------------------------------------------------------- Excel time cells
def test_excel_time_cells_read_as_1899_datetimes_are_durations():
    # fastexcel reads an hh:mm:ss cell as 1899-12-31 hh:mm:ss, openpyxl-style readers as 1899-12-30:
    # either way it is a time of day, i.e. a duration under 24 h.
    cells = pl.Series("wait", [T(1899, 12, 30, 0, 3, 15), T(1899, 12, 31, 1, 0, 0), T(1899, 12, 31), None])
    values, failed = parsing.parse_duration_seconds(cells)
    assert values.to_list() == [195.0, 3600.0, 0.0, None] and not failed.any()


def test_excel_durations_over_a_day_and_real_dates_in_a_duration_column():
    # [h]:mm:ss 26:00:00 = serial 1.0833 -> 1900-01-01 02:00 (serial 1 = 1900-01-01): 26 h.
    # A calendar date in a duration column is not a duration: flagged, not read as 124 years.
    cells = pl.Series("talk", [T(1900, 1, 1, 2, 0), T(2024, 3, 1, 10, 0)])
    values, failed = parsing.parse_duration_seconds(cells)
    assert values.to_list() == [26 * 3600.0, None]
    assert failed.to_list() == [False, True]


def test_excel_time_cell_through_fastexcel(tmp_path):
    import xlsxwriter

    from loaders.files import read_table

    path = tmp_path / "calls.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    fmt = wb.add_format({"num_format": "hh:mm:ss"})
    ws.write_row(0, 0, ["wait"])
    ws.write_datetime(1, 0, dt.time(0, 3, 15), fmt)
    ws.write_datetime(2, 0, dt.time(13, 0, 0), fmt)
    wb.close()
    raw = read_table(path)
    values, failed = parsing.parse_duration_seconds(raw.frame.get_column("wait"))
    assert values.to_list() == [195.0, 13 * 3600.0] and not failed.any()
