"""What the merge of the delta store (issues 18/23) with surveys, churn lists and team scope (issue
15) must keep: survey responses with their own segment and undated ones, customer lists, and a
reader's team scope, through incremental loads, the cubes and the ticket sample."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from loaders.base import LoadOptions
from loaders.store import Store

pytestmark = pytest.mark.slow

TICKETS = """id,created,status,priority,group,assignee,customer,solved,first reply at
1,2024-03-04 09:00,solved,urgent,Billing,Anna,C1,2024-03-04 12:00,2024-03-04 09:30
2,2024-03-04 10:00,solved,low,Billing,Boris,C2,2024-03-05 10:00,2024-03-04 10:40
3,2024-03-05 11:30,open,normal,Tech,Vera,C1,,
4,2024-03-06 09:00,solved,high,Tech,Vera,C3,2024-03-06 12:00,2024-03-06 09:05
5,2024-03-07 09:00,solved,normal,Billing,Anna,C3,2024-03-08 09:00,2024-03-07 11:00
"""
# Ticket 6 (Tech) is new; ticket 2 moves to Tech and to another day.
TICKETS_2 = """id,created,status,priority,group,assignee,customer,solved,first reply at
6,2024-03-08 08:00,solved,low,Tech,Vera,C2,2024-03-08 10:00,2024-03-08 08:20
2,2024-03-06 10:00,solved,low,Tech,Boris,C2,2024-03-07 10:00,2024-03-06 10:50
"""
CUSTOMERS = """Customer ID,Segment,Status
C1,Enterprise,Active
C2,SMB,Active
C3,SMB,Active
"""
# r1 and r3 state their brand; r2 and r4 take their customer's segment; r3 and r4 are undated.
SURVEYS = """Response ID,Date,Customer ID,Customer Segment,How satisfied were you with our support?
r1,2024-03-04,C1,Brand A,5
r2,2024-03-05,C2,,2
r3,,C3,Brand A,4
r4,,C1,,1
"""
IDS = ["tickets", "resolution_median_minutes", "backlog", "frt_median_minutes", "frt_p90_minutes", "csat", "csat_responses",
       "survey_undated"]


@pytest.fixture()
def delta_settings(tmp_path, monkeypatch):
    path = tmp_path / "settings.toml"
    # every load after the first is incremental; every quantile is read from the ticket sample
    path.write_text("[store]\ndelta_min_mb = 0\ncompact_share = 0\n\n[metrics]\nexact_quantile_max_rows = 0\n")
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(path))
    import metrics  # noqa: F401  registers the derived tables with the store
    return path


def _load(store: Store, path: Path, text: str, table: str | None = None):
    path.write_text(text, encoding="utf-8")
    [report] = store.load_files([path], LoadOptions(table=table, source="hd", tz="UTC"))
    assert report.status == "loaded", report.text()
    return report


def _files(store: Store) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(store.path.parent.glob("d.duckdb*"))
            if not p.name.endswith((".lock", ".jsonl"))}  # the journal records the failure: not the database


def test_surveys_with_their_own_segment_and_undated_ones_through_delta_loads(tmp_path, delta_settings):
    from test_incremental import assert_same_as_full_rebuild

    from metrics import engine
    from metrics.filters import Filters

    store = Store(tmp_path / "d.duckdb")
    _load(store, tmp_path / "t1.csv", TICKETS, "tickets")
    _load(store, tmp_path / "customers.csv", CUSTOMERS)
    _load(store, tmp_path / "surveys.csv", SURVEYS)
    assert store.manifest().delta is not None  # the customers and the surveys went into a delta
    assert store.query("SELECT source_id, segment FROM survey_facts ORDER BY 1").rows() == [
        ("r1", "Brand A"), ("r2", "SMB"), ("r3", "Brand A"), ("r4", "Enterprise")]
    assert_same_as_full_rebuild(store, tmp_path, "surveys")
    cur = store.cursor()
    # hand count: satisfied (4 or 5 of 5) are r1 and r3; Brand A holds r1, r3 (both satisfied, r3 undated)
    k = engine.kpis(cur, Filters(segment=["Brand A"]), ["csat", "csat_responses", "survey_undated"])
    assert (k["csat"], k["csat_responses"], k["survey_undated"], k.plan["surveys"]) == (1.0, 2, 1, "rollup")
    k = engine.kpis(cur, Filters(date_from="2024-03-01", date_to="2024-03-31"), ["csat_responses"])
    assert (k["csat_responses"], k.undated_left_out) == (2, 2)  # r3 and r4 have no date
    cur.close()
    # C2 becomes Enterprise: r2 (no segment of its own) moves with it; r1 and r3 keep their brand
    _load(store, tmp_path / "customers2.csv", "Customer ID,Segment,Status\nC2,Enterprise,Active\n")
    assert store.query("SELECT source_id, segment FROM survey_facts ORDER BY 1").rows() == [
        ("r1", "Brand A"), ("r2", "Enterprise"), ("r3", "Brand A"), ("r4", "Enterprise")]
    cur = store.cursor()
    k = engine.kpis(cur, Filters(segment=["Enterprise"]), ["csat_responses"])
    assert (k["csat_responses"], k.plan["surveys"]) == (2, "rollup")
    cur.close()
    assert_same_as_full_rebuild(store, tmp_path, "segment-moved")


def test_a_scoped_reader_gets_the_team_alone_from_cubes_and_sample(tmp_path, delta_settings):
    from metrics import engine, scope
    from metrics.filters import Filters

    store = Store(tmp_path / "d.duckdb")
    _load(store, tmp_path / "t1.csv", TICKETS, "tickets")
    _load(store, tmp_path / "t2.csv", TICKETS_2, "tickets")  # an incremental load: cubes hold correction rows
    assert store.manifest().delta is not None
    cur = store.cursor()
    billing = engine.kpis(cur, Filters(scope=("Billing",)), IDS)
    alone = engine.kpis(cur, Filters(team=("Billing",)), IDS)
    # hand count: Billing keeps tickets 1 and 5 (2 moved to Tech), both solved (after 180 and 1,440
    # minutes: median 810); first replies after 30 and 120 minutes: median 75
    assert (billing["tickets"], billing["resolution_median_minutes"], billing["backlog"]) == (2, 810, 0)
    assert billing["frt_median_minutes"] == pytest.approx(75.0)
    assert billing.plan["tickets"] == "rollup" and "frt_median_minutes" in billing.approximate  # cubes + sample
    assert dict(billing) == pytest.approx(dict(alone), nan_ok=True)
    # the same from raw rows: the scoped views of metrics/scope.py use no cube (their rollup_meta is empty)
    raw_cur = scope.restrict(store.cursor(), Filters(scope=("Billing",)))
    raw = engine.kpis(raw_cur, Filters(scope=("Billing",)), IDS)
    assert raw.plan["tickets"] == "raw" and dict(raw) == pytest.approx(dict(billing), nan_ok=True)
    raw_cur.close()
    # a team filter inside the scope narrows it; one outside it matches nothing, never widens it
    both = Filters(scope=("Billing", "Tech"))
    tech = engine.kpis(cur, both.replace(team=("Tech",)), IDS)
    # Tech: 3 (open, no reply), 4 (reply 5 min, solved 180), 6 (20, 120), 2 (50, 1,440): 4 tickets,
    # 1 open; medians 20 and 180
    assert (tech["tickets"], tech["resolution_median_minutes"], tech["backlog"]) == (4, 180, 1)
    assert tech["frt_median_minutes"] == pytest.approx(20.0)
    assert dict(tech) == pytest.approx(dict(engine.kpis(cur, Filters(team=("Tech",)), IDS)), nan_ok=True)
    forged = engine.kpis(cur, Filters(scope=("Billing",), team=("Tech",)), ["tickets", "frt_median_minutes"])
    assert (forged["tickets"], forged["frt_median_minutes"]) == (0, None)
    # breakdowns and trends of a scoped reader: only their team's agents and tickets
    by_agent = engine.breakdown(cur, Filters(scope=("Billing",)), "agent", ["tickets", "frt_median_minutes"])
    assert dict(zip(by_agent.get_column("agent"), by_agent.get_column("tickets"))) == {"Anna": 2}
    series = engine.timeseries(cur, Filters(scope=("Billing",)), "day", ["tickets"])
    assert series.get_column("tickets").sum() == 2
    assert engine.dimension_values(cur, "agent", Filters(scope=("Billing",))) == ["Anna"]
    cur.close()


def test_a_failed_delta_load_leaves_every_file_as_it_was(tmp_path, delta_settings, monkeypatch):
    from metrics import incremental

    store = Store(tmp_path / "d.duckdb")
    _load(store, tmp_path / "t1.csv", TICKETS, "tickets")
    _load(store, tmp_path / "customers.csv", CUSTOMERS)
    _load(store, tmp_path / "surveys.csv", SURVEYS)
    before = _files(store)
    rows_before = store.query("SELECT count(*) FROM survey_facts").item()

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    # the survey facts of new responses fail half-way through the load's derived tables
    monkeypatch.setattr(incremental.Incremental, "_survey_facts", broken)
    new = tmp_path / "surveys2.csv"
    new.write_text("Response ID,Date,Customer ID,Customer Segment,How satisfied were you with our support?\n"
                   "r5,2024-03-09,C2,Brand B,5\n", encoding="utf-8")
    try:
        reports = store.load_files([new], LoadOptions(source="hd", tz="UTC"))
    except OSError:
        reports = []
    assert all(r.status != "loaded" for r in reports), [r.text() for r in reports]
    assert _files(store) == before  # base, delta and manifest byte for byte
    assert store.query("SELECT count(*) FROM survey_facts").item() == rows_before
