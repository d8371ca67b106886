"""Filters: URL params both ways, the CLI's DIM=VALUE pairs, periods, and the SQL they produce
(bound parameters only, inclusive dates, each dimension)."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import given, settings, strategies as st

from metrics.filters import DIMENSIONS, FilterError, Filters, MissingDimension


def test_params_round_trip_and_escaping():
    f = Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31), team=["Billing", "Sales, EMEA"],
                tag="vip")
    params = f.to_params()
    assert params == {"date_from": "2025-01-01", "date_to": "2025-01-31", "team": "Billing,Sales\\, EMEA", "tag": "vip"}
    assert Filters.from_params(params) == f
    assert Filters.from_params({"team": ["A,B"], "page": "overview"}).team == ("A", "B")  # unknown keys ignored


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1).map(str.strip)
                .filter(bool), max_size=4))
@settings(max_examples=200, deadline=None)
def test_params_round_trip_any_text(values):
    f = Filters(agent=tuple(values))
    assert Filters.from_params(f.to_params()) == f


def test_bad_dates_and_order():
    with pytest.raises(FilterError, match="YYYY-MM-DD"):
        Filters.from_params({"date_from": "31.01.2025"})
    with pytest.raises(FilterError, match="after"):
        Filters(date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 1, 1))


def test_cli_pairs():
    f = Filters.parse_pairs(["team=A", "team=B", "channel=email,chat"], "2025-01-01", None)
    assert f.team == ("A", "B") and f.channel == ("email", "chat") and f.date_from == dt.date(2025, 1, 1)
    with pytest.raises(FilterError) as exc:
        Filters.parse_pairs(["colour=red"])
    assert all(d in str(exc.value) for d in DIMENSIONS)
    with pytest.raises(FilterError, match="DIM=VALUE"):
        Filters.parse_pairs(["team"])


def test_previous_and_describe():
    f = Filters(date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 7), team=("A",))
    p = f.previous()  # 7 days just before
    assert (p.date_from, p.date_to, p.team) == (dt.date(2025, 2, 22), dt.date(2025, 2, 28), ("A",))
    assert Filters(date_from=dt.date(2025, 3, 1)).previous() is None
    assert f.describe() == "2025-03-01 to 2025-03-07; team = A"
    assert Filters().describe() == "all dates"


@pytest.fixture()
def con():
    c = duckdb.connect()
    c.execute("CREATE TABLE t (id INT, created_at TIMESTAMP, team VARCHAR, agent VARCHAR, tags VARCHAR, customer_id VARCHAR)")
    c.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", [
        (1, dt.datetime(2025, 1, 31, 23, 59, 59), "A", "O'Brien", "vip billing", "C1"),
        (2, dt.datetime(2025, 2, 1, 0, 0, 0), "B", "ann", "vipx", "C2"),
        (3, dt.datetime(2025, 1, 1, 0, 0, 0), None, "ann", None, "C9"),
    ])
    c.execute("CREATE TABLE customers (source_id VARCHAR, segment VARCHAR)")
    c.executemany("INSERT INTO customers VALUES (?, ?)", [("C1", "SMB"), ("C2", "Enterprise"), ("C1", "Enterprise")])
    return c


DIMS = {"team": "team", "agent": "agent", "tag": "tags", "segment": "customer_id"}


def ids(con, f: Filters) -> list[int]:
    where, params = f.where(DIMS, "created_at")
    return sorted(r[0] for r in con.execute(f"SELECT id FROM t WHERE {where}", params).fetchall())


def test_where_binds_values_and_dates_are_inclusive(con):
    f = Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31), agent=("O'Brien",))
    where, params = f.where(DIMS, "created_at")
    assert "O'Brien" not in where and "2025" not in where and where.count("?") == len(params)
    assert ids(con, f) == [1]
    # Jan 31 23:59:59 is in January; Feb 1 00:00 is not.
    assert ids(con, Filters(date_from=dt.date(2025, 1, 31), date_to=dt.date(2025, 1, 31))) == [1]
    assert ids(con, Filters(date_from=dt.date(2025, 2, 1))) == [2]
    assert ids(con, Filters(date_to=dt.date(2025, 1, 1))) == [3]


def test_where_each_dimension(con):
    assert ids(con, Filters(team=("A", "B"))) == [1, 2]
    assert ids(con, Filters(agent=("ann",), team=("B",))) == [2]
    assert ids(con, Filters(tag=("vip",))) == [1]  # whole tags only: "vipx" is another tag
    assert ids(con, Filters(tag=("billing", "vipx"))) == [1, 2]
    # C1 appears in two customer sources: it takes the first segment alphabetically (Enterprise).
    assert ids(con, Filters(segment=("Enterprise",))) == [1, 2]
    assert ids(con, Filters(segment=("SMB",))) == []
    with pytest.raises(MissingDimension) as exc:
        Filters(channel=("email",)).where(DIMS, "created_at")
    assert exc.value.dim == "channel"
    assert Filters().where(DIMS, "created_at") == ("TRUE", [])
