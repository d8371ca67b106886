"""A median whose rows are few (under metrics.exact_quantile_max_rows) is still read from the ticket
sample when an exact answer would scan many rows (metrics.exact_quantile_max_scan_rows: the rows
of its date range, since only time is sorted) and the sample holds enough of the figure's rows
(metrics.approx_min_sample_rows); it is marked approximate with its interval. Otherwise exact.

The store: 200 solved tickets, one every 6 hours from 2024-03-01 00:00 (50 days: 4 a day), all
team Billing; the sample keeps about 10 % of them (rollups.SAMPLE_ALL_MAX lowered to 0 so that
this small store is sampled like a large one).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import metrics  # noqa: F401  (registers the post-load hooks)
from loaders.base import LoadOptions
from loaders.store import Store
from metrics import engine, rollups
from metrics.filters import Filters

IDS = ["resolution_median_minutes", "frt_median_minutes", "tickets"]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scan")
    lines = ["id,created,first response,solved,status,priority,channel,group,assignee,customer id,category,subject"]
    start = dt.datetime(2024, 3, 1)
    for i in range(200):
        created = start + dt.timedelta(hours=6 * i)
        reply = created + dt.timedelta(minutes=5 + i % 50)
        solved = created + dt.timedelta(minutes=10 + (i * 37) % 200)
        lines.append(f"{i},{created:%Y-%m-%d %H:%M},{reply:%Y-%m-%d %H:%M},{solved:%Y-%m-%d %H:%M},solved,normal,email,"
                     f"Billing,Anna,C{i % 9},refund,s{i}")
    path = folder / "tickets.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setattr(rollups, "SAMPLE_ALL_MAX", 0)  # sample 10 % as at more than 1M tickets
    try:
        store = Store(folder / "d.duckdb")
        [report] = store.load_files([path], LoadOptions(table="tickets", tz="UTC", source="test"), format="generic")
    finally:
        mp.undo()
    assert report.status == "loaded" and report.rows_loaded == 200, report.text()
    return store.path


@pytest.fixture
def settings(tmp_path, monkeypatch):
    def set_to(**values) -> None:
        path = tmp_path / "settings.toml"
        path.write_text("[metrics]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()), encoding="utf-8")
        monkeypatch.setenv("DESKSCOPE_SETTINGS", str(path))
    return set_to


def _exact(cur, column: str, where: str = "TRUE", params=()) -> float:
    return cur.execute(f"SELECT quantile_cont({column}, 0.5) FROM ticket_metrics WHERE {where}", list(params)).fetchone()[0]


def test_a_long_scan_reads_the_sample_a_short_one_the_rows(db, settings):
    cur = Store(db).cursor()
    try:
        sampled = cur.execute(f"SELECT count(*), quantile_cont(res, 0.5), quantile_cont(frt, 0.5) "
                              f"FROM {rollups.SAMPLE_TABLE}").fetchone()
        assert rollups.Rollups(cur, engine._settings()).sample_share() == rollups.SAMPLE_SHARE
        assert 5 <= sampled[0] <= 40  # about 10 % of 200 (a hash of the ids picks them)
        # 200 rows in range > 100 and 200 * 0.1 = 20 >= 2 sampled rows: the sample answers
        settings(exact_quantile_max_scan_rows=100, approx_min_sample_rows=2)
        k = engine.kpis(cur, Filters(), IDS)
        assert k["tickets"] == 200  # counts stay exact (cubes)
        assert k.approximate == {"resolution_median_minutes", "frt_median_minutes"}
        # the value is the median of every sampled row (share 0.1: the whole sample is read)
        assert k["resolution_median_minutes"] == pytest.approx(sampled[1])
        assert k["frt_median_minutes"] == pytest.approx(sampled[2])
        low, high = k.intervals["resolution_median_minutes"]
        assert low <= k["resolution_median_minutes"] <= high
        # March 1-10: 40 tickets in range <= 100 scanned rows: exact again
        march = Filters(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 3, 10))
        k = engine.kpis(cur, march, IDS)
        assert k["tickets"] == 40 and k.approximate == set()
        assert k["resolution_median_minutes"] == _exact(cur, "full_resolution_calendar_minutes",
                                                        "created_at < ?", [dt.datetime(2024, 3, 11)])
        # a long scan, but fewer sampled rows than approx_min_sample_rows (20 < 50): exact
        settings(exact_quantile_max_scan_rows=100, approx_min_sample_rows=50)
        k = engine.kpis(cur, Filters(), IDS)
        assert k.approximate == set()
        assert k["resolution_median_minutes"] == _exact(cur, "full_resolution_calendar_minutes")
        # the defaults (2,000,000 rows): a store this small is always exact
        settings(service_level_seconds=20)
        assert engine.kpis(cur, Filters(), IDS).approximate == set()
    finally:
        cur.close()


def test_a_weekly_series_reads_the_sample_for_full_weeks_and_the_rows_for_partial_ones(db, settings):
    """Weeks (from Monday) of the 200 tickets: Feb 26 holds Mar 1-3 (12 tickets: 12 x 0.1 = 1.2
    expected in the sample), the six full weeks 28 each (2.8), the last, Apr 15, Apr 15-19 (20: 2.0;
    the last ticket is created Apr 19 18:00). approx_min_group_sample_rows = 3: every week is exact;
    = 2: the full weeks read the sample and the first week (1.2 < 2) its own rows, in a short query."""
    cur = Store(db).cursor()
    try:
        exact = dict(cur.execute("SELECT date_trunc('week', created_at)::DATE, quantile_cont(full_resolution_calendar_minutes, 0.5) "
                                 "FROM ticket_metrics GROUP BY 1").fetchall())
        sampled = dict(cur.execute(f"SELECT date_trunc('week', created_at)::DATE, quantile_cont(res, 0.5) "
                                   f"FROM {rollups.SAMPLE_TABLE} GROUP BY 1").fetchall())
        assert len(exact) == 8  # Feb 26 ... Apr 15
        settings(exact_quantile_max_scan_rows=100, approx_min_group_sample_rows=3)
        frame = engine.timeseries(cur, Filters(), grain="week", ids=["resolution_median_minutes"])
        assert dict(frame.rows()) == pytest.approx(exact)
        settings(exact_quantile_max_scan_rows=100, approx_min_group_sample_rows=2)
        got = dict(engine.timeseries(cur, Filters(), grain="week", ids=["resolution_median_minutes"]).rows())
        first = dt.date(2024, 2, 26)
        assert got[first] == pytest.approx(exact[first])  # 12 * 0.1 < 2: exact
        for week in sorted(exact)[1:-1]:  # 28 * 0.1 >= 2: the sample's median of that week (None: none sampled)
            assert got[week] == pytest.approx(sampled.get(week)), week
    finally:
        cur.close()
