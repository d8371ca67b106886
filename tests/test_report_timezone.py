"""Reporting days in metrics.report_timezone: filters, day series, backlog and rollups agree with
days counted by hand on New York's clock (UTC-5 in winter, UTC-4 from 2026-03-08 02:00)."""
from __future__ import annotations

import datetime as dt

import pytest

from loaders.base import LoadOptions
from loaders.store import Store
from metrics import clock, engine
from metrics.filters import Filters

D = dt.date
# created (UTC), solved (UTC or empty). New York local day of creation, by hand:
TICKETS = [
    ("1", "2026-03-03 02:00", "2026-03-03 03:00"),  # Mar 2 21:00 EST -> Mar 2; solved Mar 2 22:00
    ("2", "2026-03-03 04:59", ""),                  # Mar 2 23:59 EST -> Mar 2; open
    ("3", "2026-03-03 05:00", "2026-03-04 04:30"),  # Mar 3 00:00 EST -> Mar 3; solved Mar 3 23:30
    ("4", "2026-03-03 23:00", ""),                  # Mar 3 18:00 EST -> Mar 3; open
    ("5", "2026-03-04 06:00", "2026-03-04 07:00"),  # Mar 4 01:00 EST -> Mar 4
    ("6", "2026-03-09 03:30", ""),                  # Mar 8 23:30 EDT (after the switch) -> Mar 8; open
    ("7", "2026-03-09 04:00", ""),                  # Mar 9 00:00 EDT -> Mar 9; open
]
# the same rows on UTC days: Mar 3: 1-4, Mar 4: 5, Mar 9: 6, 7


def _settings(tmp_path, tz: str):
    path = tmp_path / f"settings-{tz.replace('/', '_')}.toml"
    path.write_text(f'[metrics]\nreport_timezone = "{tz}"\n', encoding="utf-8")
    return path


@pytest.fixture
def ny_store(tmp_path, monkeypatch):
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(_settings(tmp_path, "America/New_York")))
    csv = tmp_path / "tickets.csv"
    csv.write_text("id,created,solved,status\n" + "".join(
        f"{i},{c},{s},{'solved' if s else 'open'}\n" for i, c, s in TICKETS), encoding="utf-8")
    store = Store(tmp_path / "d.duckdb")
    [report] = store.load_files([csv], LoadOptions(table="tickets", tz="UTC", source="t"), format="generic")
    assert report.rows_loaded == 7, report.text()
    return store


def test_local_day_bounds():
    assert clock.utc_start(D(2026, 3, 2), "America/New_York") == dt.datetime(2026, 3, 2, 5)
    # the 23-hour day of the spring switch
    assert clock.utc_start(D(2026, 3, 8), "America/New_York") == dt.datetime(2026, 3, 8, 5)
    assert clock.utc_end(D(2026, 3, 8), "America/New_York") == dt.datetime(2026, 3, 9, 4)
    assert clock.utc_start(D(2026, 1, 1), "Europe/Moscow") == dt.datetime(2025, 12, 31, 21)
    assert clock.utc_start(D(2026, 1, 1), "UTC") == dt.datetime(2026, 1, 1)
    assert clock.local_sql("f.created_at", "UTC") == "f.created_at"
    for bad in ("Mars/Olympus", "UTC'; DROP TABLE tickets; --"):
        with pytest.raises(ValueError, match="report_timezone"):
            clock.check(bad)


@pytest.mark.parametrize("day, expected", [(D(2026, 3, 2), 2), (D(2026, 3, 3), 2), (D(2026, 3, 4), 1),
                                           (D(2026, 3, 8), 1), (D(2026, 3, 9), 1)])
def test_a_day_filter_counts_new_york_days(ny_store, day, expected):
    with ny_store.reader() as con:
        k = engine.kpis(con, Filters(date_from=day, date_to=day), ["tickets"])
    assert k["tickets"] == expected
    assert k.plan["tickets"] == "rollup"  # built at load time on the same clock


def test_day_series_and_backlog_on_new_york_days(ny_store):
    with ny_store.reader() as con:
        series = engine.timeseries(con, Filters(date_from=D(2026, 3, 2), date_to=D(2026, 3, 4)), "day",
                                   ["tickets", "backlog"])
        span = engine.data_span(con)
    assert span == (D(2026, 3, 2), D(2026, 3, 9))
    rows = {r["period"]: r for r in series.iter_rows(named=True)}
    assert {d: rows[d]["tickets"] for d in rows} == {D(2026, 3, 2): 2, D(2026, 3, 3): 2, D(2026, 3, 4): 1}
    # backlog at each local day's end: Mar 2: 1 solved 22:00, 2 open -> {2}; Mar 3: + 3 (solved
    # 23:30, gone), + 4 -> {2, 4}; Mar 4: 5 created and solved the same day -> {2, 4}
    assert {d: rows[d]["backlog"] for d in rows} == {D(2026, 3, 2): 1, D(2026, 3, 3): 2, D(2026, 3, 4): 2}


def test_another_zone_makes_the_rollups_stale_not_wrong(ny_store, tmp_path, monkeypatch):
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(_settings(tmp_path, "UTC")))
    with ny_store.reader() as con:
        k = engine.kpis(con, Filters(date_from=D(2026, 3, 3), date_to=D(2026, 3, 3)), ["tickets"])
        assert (k["tickets"], k.plan["tickets"]) == (4, "raw")
        series = engine.timeseries(con, Filters(date_from=D(2026, 3, 2), date_to=D(2026, 3, 4)), "day", ["tickets"])
    assert dict(zip(series["period"], series["tickets"])) == {D(2026, 3, 2): None, D(2026, 3, 3): 4, D(2026, 3, 4): 1}


def test_cli_recompute_rebuilds_the_rollups_for_a_new_zone(ny_store, tmp_path, monkeypatch):
    """After the zone changes, `cli.py recompute` makes the rollups answer again (on UTC days)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    utc = _settings(tmp_path, "UTC")
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(utc))
    with ny_store.reader() as con:
        assert engine.kpis(con, Filters(), ["tickets"]).plan["tickets"] == "raw"
    done = subprocess.run([sys.executable, str(root / "cli.py"), "--db", str(ny_store.path), "recompute"], cwd=root,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "DESKSCOPE_SETTINGS": str(utc)})
    assert done.returncode == 0, done.stderr
    assert "recomputed" in done.stdout
    with ny_store.reader() as con:
        k = engine.kpis(con, Filters(date_from=D(2026, 3, 3), date_to=D(2026, 3, 3)), ["tickets"])
    assert (k["tickets"], k.plan["tickets"]) == (4, "rollup")
    missing = subprocess.run([sys.executable, str(root / "cli.py"), "--db", str(tmp_path / "none.duckdb"), "recompute"],
                             cwd=root, capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "load files first" in missing.stderr
