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
