"""Incremental loads (a base file + a small delta per generation): the derived tables a sequence of
loads leaves behind equal a full rebuild of the same raw rows, whatever the loads change
(tickets moving between days, SLA outcomes changing, customers changing segment, removals);
loads leave the base file untouched; readers and kill -9 see only whole generations."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from loaders.base import LoadOptions
from loaders.store import ADDITIVE, Store, _reaggregate_sql

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
pytestmark = pytest.mark.slow


@pytest.fixture()
def delta_settings(tmp_path, monkeypatch):
    """Settings that make every load after the first one incremental (no size threshold)."""
    path = tmp_path / "settings.toml"
    path.write_text("[store]\ndelta_min_mb = 0\ncompact_share = 0\n")
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(path))
    import metrics  # noqa: F401  registers the derived tables with the store
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(store: Store) -> dict[str, pl.DataFrame]:
    """Every derived table in a comparable form: keyed tables sorted, cubes summed per cell."""
    cur = store.cursor()
    out = {}
    for table, key in (("ticket_metrics", "source, source_id"), ("survey_facts", "source, source_id"),
                       ("sample_tickets", "source, source_id"), ("ticket_metrics_info", "source")):
        cols = "source, as_of, tickets" if table == "ticket_metrics_info" else "*"
        out[table] = cur.sql(f"SELECT {cols} FROM {table} ORDER BY {key}").pl()
    tables = {r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for name, (cols, _) in ADDITIVE.items():
        if name in tables:
            out[name] = cur.sql(f"SELECT * FROM ({_reaggregate_sql(cur, name, cols)}) ORDER BY ALL").pl()
    cur.close()
    return out


def full_rebuild_of(store: Store, where: Path) -> Store:
    """A copy of the store's files, every derived table rebuilt from its raw rows."""
    where.mkdir(parents=True, exist_ok=True)
    for p in store.path.parent.glob(store.path.name + "*"):
        if not p.name.endswith(".lock"):
            shutil.copyfile(p, where / p.name)
    copy = Store(where / store.path.name)
    copy.recompute()
    return copy


def assert_same_as_full_rebuild(store: Store, tmp_path: Path, label: str) -> None:
    got = snapshot(store)
    want = snapshot(full_rebuild_of(store, tmp_path / f"full-{label}"))
    assert set(got) == set(want), label
    for name in want:
        a, b = got[name], want[name]
        assert a.columns == b.columns, (label, name)
        assert_frame_equal(a, b, check_dtypes=False, abs_tol=1e-6, rel_tol=1e-9)


# ----------------------------------------------------------------------------------- hand-made tickets
HEADER = "id,created,status,priority,group,assignee,customer,solved,first reply at\n"


def write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def load(store: Store, path: Path, table: str = "tickets"):
    [report] = store.load_files([path], LoadOptions(table=table, source="hd"))
    assert report.status == "loaded", report.text()
    return report


def test_tickets_moving_days_changing_sla_and_repeat_contacts(tmp_path, delta_settings):
    store = Store(tmp_path / "d.duckdb")
    load(store, write(tmp_path / "t1.csv", [
        "1,2024-03-04 09:00,open,urgent,Billing,Anna,C1,,",
        "2,2024-03-04 10:00,solved,low,Billing,Boris,C2,2024-03-05 10:00,2024-03-04 10:30",
        "3,2024-03-05 11:30,new,normal,Tech,Anna,C1,,",
        "5,2024-03-08 09:00,solved,high,Tech,Vera,C3,2024-03-08 12:00,2024-03-08 09:05",
    ]))
    base = sha(store.path)
    assert store.manifest().delta is None  # the first load writes a base
    # ticket 2 moves to another day and reopens; 1 is solved late (its urgent SLA breached, not active);
    # 6 is a new ticket of C1 (a repeat contact of 3); the data now ends later: open tickets age
    report = load(store, write(tmp_path / "t2.csv", [
        "2,2024-03-06 10:00,open,low,Billing,Boris,C2,,2024-03-06 11:00",
        "1,2024-03-04 09:00,solved,urgent,Billing,Anna,C1,2024-03-04 20:00,2024-03-04 19:00",
        "6,2024-03-09 08:15,new,urgent,Tech,Vera,C1,,",
    ]))
    assert (report.rows_inserted, report.rows_updated) == (1, 2)
    assert sha(store.path) == base  # an incremental load never writes the base
    assert store.manifest().delta is not None
    rows = store.query("SELECT source_id, created_at::DATE AS day, is_open, repeat_contact, sla_first_reply_status, "
                       "sla_resolution_status FROM ticket_metrics ORDER BY source_id::INT").rows()
    # hand check (default policies): 1 (urgent: 60 / 480 min) replied after 600 min: breached; resolved
    # after 660: breached. 2 (low: 1440 / 10080) replied after 60: achieved; open for 4215 min at the
    # data's end (2024-03-09 08:15): active. 3 (normal: 480 / 4320) open and unreplied for 5565 min:
    # both active_breach. 6 is C1's ticket 4 days after 3 (within 7): a repeat contact; created at the end.
    assert rows == [
        ("1", dt.date(2024, 3, 4), False, False, "breached", "breached"),
        ("2", dt.date(2024, 3, 6), True, False, "achieved", "active"),
        ("3", dt.date(2024, 3, 5), True, True, "active_breach", "active_breach"),
        ("5", dt.date(2024, 3, 8), False, False, "achieved", "achieved"),
        ("6", dt.date(2024, 3, 9), True, True, "active", "active"),
    ]
    from metrics import engine
    from metrics.filters import Filters

    cur = store.cursor()
    k = engine.kpis(cur, Filters(date_from="2024-03-04", date_to="2024-03-04"), ["tickets", "backlog"])
    assert (k["tickets"], k["backlog"], k.plan["tickets"]) == (1, 0, "rollup")  # 2 left the 4th; 1 was solved that day
    k = engine.kpis(cur, Filters(team=["Tech"], priority=["urgent", "normal"]), ["tickets", "sla_active_breaches"])
    assert (k["tickets"], k["sla_active_breaches"]) == (2, 1)  # tickets 3 and 6; only 3 is past a target
    assert_same_as_full_rebuild(store, tmp_path, "moves")
    before = snapshot(store)
    compacted = Store(tmp_path / "c" / "d.duckdb")
    (tmp_path / "c").mkdir()
    for p in store.path.parent.glob("d.duckdb*"):
        shutil.copyfile(p, tmp_path / "c" / p.name)
    sizes = compacted.compact()  # the delta folded into a new base: the same tables, one file
    assert compacted.manifest().delta is None and sizes["after"]["delta"] == 0
    after = snapshot(compacted)
    for name in before:
        assert_frame_equal(before[name], after[name], check_dtypes=False, abs_tol=1e-9)
    store.remove_load(2)
    assert sha(store.path) == base
    # load 2's rows go (1 and 2 as it re-sent them, 6); rows it replaced are not restored: 3 and 5 stay
    assert store.query("SELECT source_id FROM ticket_metrics ORDER BY 1").get_column("source_id").to_list() == ["3", "5"]
    assert_same_as_full_rebuild(store, tmp_path, "removed")


def _zendesk_rows(world: Path) -> pl.DataFrame:
    return pl.read_csv(world / "zendesk_tickets.csv", infer_schema=False)


def _stamp(value: str | None, days: int) -> str | None:
    if value is None or value == "":
        return value
    return (dt.datetime.fromisoformat(value) + dt.timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    from sample_data.generate import generate

    out = tmp_path_factory.mktemp("world")
    generate(out, seed=11, tickets=2500)
    return out


def test_sample_world_loaded_in_steps_equals_a_full_rebuild(tmp_path, delta_settings, world):
    """The demo world loaded as a cron would: the first weeks, then the rest (as_of moves), then a
    re-export of changed tickets, then a customer list with new segments and churn, then removals."""
    tz = "America/New_York"
    opts = LoadOptions(tz=tz)
    tickets = _zendesk_rows(world)
    created = tickets.get_column("Created at").sort()
    cut = created[int(len(created) * 0.8)]
    first, rest = tickets.filter(pl.col("Created at") < cut), tickets.filter(pl.col("Created at") >= cut)
    first.write_csv(tmp_path / "zendesk_first.csv")
    rest.write_csv(tmp_path / "zendesk_rest.csv")
    store = Store(tmp_path / "d.duckdb")
    reports = store.load_files([tmp_path / "zendesk_first.csv", world / "customers.csv", world / "survey_responses.csv",
                                world / "asterisk_Master.csv"], opts)
    assert all(r.status == "loaded" for r in reports), [r.text() for r in reports]
    base = sha(store.path)
    [r] = store.load_files([tmp_path / "zendesk_rest.csv"], opts)
    assert r.status == "loaded" and r.rows_inserted == rest.height
    assert_same_as_full_rebuild(store, tmp_path, "rest")

    # a re-export of 150 tickets: 50 move a day later, 50 open ones get solved, 50 change priority
    rng = random.Random(5)
    ids = tickets.get_column("ID").to_list()
    open_ids = tickets.filter(pl.col("Status").is_in(["Open", "New", "Pending", "Hold"])).get_column("ID").to_list()
    solved = rng.sample(open_ids, min(50, len(open_ids)))
    others = [i for i in ids if i not in set(solved)]
    moved, reprioritised = rng.sample(others, 50), rng.sample(others, 50)
    changed = tickets.filter(pl.col("ID").is_in(moved + solved + reprioritised)).with_columns(
        pl.when(pl.col("ID").is_in(moved)).then(pl.col("Created at").map_elements(lambda v: _stamp(v, 1), return_dtype=pl.String))
        .otherwise(pl.col("Created at")).alias("Created at"),
        pl.when(pl.col("ID").is_in(solved)).then(pl.lit("Solved")).otherwise(pl.col("Status")).alias("Status"),
        pl.when(pl.col("ID").is_in(solved)).then(pl.col("Updated at")).otherwise(pl.col("Solved at")).alias("Solved at"),
        pl.when(pl.col("ID").is_in(reprioritised)).then(
            pl.when(pl.col("Priority") == "Urgent").then(pl.lit("Low")).otherwise(pl.lit("Urgent")))
        .otherwise(pl.col("Priority")).alias("Priority"),
    )
    changed.write_csv(tmp_path / "zendesk_changes.csv")
    [r] = store.load_files([tmp_path / "zendesk_changes.csv"], opts)
    assert r.status == "loaded" and r.rows_updated == changed.height, r.text()
    assert sha(store.path) == base
    assert_same_as_full_rebuild(store, tmp_path, "changes")

    # customers: 30 change segment, 10 churn (their exposure and the segment cells move)
    customers = pl.read_csv(world / "customers.csv", infer_schema=False)
    picked = customers.sample(40, seed=3).get_column("Customer ID").to_list()
    flip = {"SMB": "Enterprise", "Mid-market": "SMB", "Enterprise": "Mid-market"}
    updated = customers.filter(pl.col("Customer ID").is_in(picked)).with_columns(
        pl.when(pl.col("Customer ID").is_in(picked[:30])).then(pl.col("Segment").replace(flip)).otherwise(pl.col("Segment"))
        .alias("Segment"),
        pl.when(pl.col("Customer ID").is_in(picked[30:])).then(pl.lit("Churned")).otherwise(pl.col("Status")).alias("Status"),
        pl.when(pl.col("Customer ID").is_in(picked[30:])).then(pl.lit("2026-11-01")).otherwise(pl.col("Churn Date"))
        .alias("Churn Date"),
    )
    updated.write_csv(tmp_path / "customers_update.csv")
    [r] = store.load_files([tmp_path / "customers_update.csv"], opts)
    assert r.status == "loaded" and r.rows_updated == 40, r.text()
    assert_same_as_full_rebuild(store, tmp_path, "customers")
    from metrics import churn, engine
    from metrics.filters import Filters

    full = full_rebuild_of(store, tmp_path / "full-churn")
    a, b = store.cursor(), full.cursor()
    assert churn.analyse(a).to_dict() == churn.analyse(b).to_dict()
    for f in (Filters(segment=["Enterprise"], team=["Billing", "Technical"]),
              Filters(agent=[tickets.get_column("Assignee")[0]], priority=["Urgent", "urgent"], date_from="2025-06-01"),
              Filters(tag=["billing", "bug"], channel=["email", "web"])):
        assert dict(engine.kpis(a, f)) == pytest.approx(dict(engine.kpis(b, f)), nan_ok=True), f.describe()

    # removing the re-export and the customer update puts everything back as a full rebuild would
    store.remove_load(r.load_id)
    store.remove_load(r.load_id - 1)
    assert sha(store.path) == base
    assert_same_as_full_rebuild(store, tmp_path, "removed")


# ----------------------------------------------------------------------------------- readers and kill -9
def _batches(tmp_path: Path, n: int) -> list[Path]:
    """n small exports: each adds 5 tickets and re-sends 2 earlier ones changed."""
    files = []
    for i in range(n):
        rows = []
        for j in range(5):
            k = i * 5 + j + 1
            day = dt.datetime(2024, 1, 1) + dt.timedelta(hours=7 * k)
            rows.append(f"{k},{day:%Y-%m-%d %H:%M},open,{['low', 'normal', 'high', 'urgent'][k % 4]},"
                        f"{['Billing', 'Tech'][k % 2]},A{k % 3},C{k % 4},,")
        for k in (i * 5 - 3, i * 5 - 1):
            if k > 0:
                day = dt.datetime(2024, 1, 1) + dt.timedelta(hours=7 * k)
                solved = day + dt.timedelta(hours=3 + i)
                rows.append(f"{k},{day:%Y-%m-%d %H:%M},solved,high,Tech,A{k % 3},C{k % 4},{solved:%Y-%m-%d %H:%M},"
                            f"{day + dt.timedelta(minutes=30 * (i + 1)):%Y-%m-%d %H:%M}")
        files.append(write(tmp_path / f"batch_{i:02d}.csv", rows))
    return files


KPI_IDS = ["tickets", "backlog", "frt_median_minutes", "sla_breach_rate", "sla_active_breaches", "reopen_rate"]
READER = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {root!r})
    import metrics
    from loaders.store import Store
    from metrics import engine
    from metrics.filters import Filters
    store = Store({db!r})
    seen, errors, deadline = [], [], time.time() + {seconds}
    print("reader ready", file=sys.stderr, flush=True)
    while time.time() < deadline:
        try:
            cur = store.cursor()
            k = engine.kpis(cur, Filters(), {ids!r})
            t = engine.kpis(cur, Filters(team=["Tech"], priority=["high", "urgent"]), ["tickets", "sla_breach_rate"])
            cur.close()
            seen.append([k[i] for i in {ids!r}] + [t["tickets"], t["sla_breach_rate"]])
            if seen[-1][0] == {last}:
                break
        except Exception as exc:
            errors.append(repr(exc))
    print(json.dumps({{"seen": seen, "errors": errors}}))
""")


def _expected_states(tmp_path: Path, files: list[Path]) -> list[list]:
    """The KPI answers after 0, 1, ..., n loads (a store loaded without interruptions)."""
    from metrics import engine
    from metrics.filters import Filters

    ref = Store(tmp_path / "ref" / "d.duckdb")
    ref.ensure()
    states = []

    def answer():
        cur = ref.cursor()
        k = engine.kpis(cur, Filters(), KPI_IDS)
        t = engine.kpis(cur, Filters(team=["Tech"], priority=["high", "urgent"]), ["tickets", "sla_breach_rate"])
        return [k[i] for i in KPI_IDS] + [t["tickets"], t["sla_breach_rate"]]

    states.append(answer())
    for f in files:
        load(ref, f)
        states.append(answer())
    return states


def _same(a: list, b: list) -> bool:
    return all((x is None and y is None) or (x is not None and y is not None and abs(x - y) < 1e-9) for x, y in zip(a, b))


@pytest.mark.timeout(3600)
def test_a_reader_during_20_loads_sees_only_whole_generations(tmp_path, delta_settings):
    files = _batches(tmp_path, 20)
    states = _expected_states(tmp_path, files)
    store = Store(tmp_path / "d.duckdb")
    store.ensure()
    env = {**os.environ, "DESKSCOPE_SETTINGS": str(delta_settings)}
    reader = subprocess.Popen([PY, "-c", READER.format(root=str(ROOT), db=str(store.path), seconds=900, ids=KPI_IDS,
                                                       last=states[-1][0])],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    for f in files:  # 20 consecutive loads, in this process, while the reader process reads
        load(store, f)
    out, err = reader.communicate(timeout=900)
    import json

    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == [], result["errors"][:3]
    seen = result["seen"]
    assert len(seen) > 20
    unmatched = [s for s in seen if not any(_same(s, st) for st in states)]
    assert unmatched == []  # every answer is the state before or after some load: never half-applied
    matched = {next(i for i, st in enumerate(states) if _same(s, st)) for s in seen}
    assert max(matched) == 20
    assert sorted(matched) == sorted(set(matched)) and min(matched) >= 0
    # the reader never went back in time
    order = [next(i for i, st in enumerate(states) if _same(s, st)) for s in seen]
    assert order == sorted(order)


WORKER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    import metrics
    from loaders.base import LoadOptions
    from loaders.store import Store
    store = Store({db!r})
    print("ready", flush=True)  # imports done: the kill below lands among the loads, not the imports
    for f in {files!r}:
        store.load_files([f], LoadOptions(table="tickets", source="hd"))
    print("done")
""")


@pytest.mark.timeout(3600)
def test_kill_9_at_random_moments_of_incremental_loads(tmp_path, delta_settings):
    """20 loads killed at random moments: every time, the store opens on a whole generation (the
    answers of some number of completed loads), and a later run finishes the rest. The kill comes
    0-3 s after the worker's imports, so it lands among the loads (in one, its derived-table update,
    its publication, or between two), never while Python is still importing."""
    files = _batches(tmp_path, 24)
    states = _expected_states(tmp_path, files)
    store = Store(tmp_path / "d.duckdb")
    load(store, files[0])  # a base; every later load writes a delta
    env = {**os.environ, "DESKSCOPE_SETTINGS": str(delta_settings)}
    rng = random.Random(18)
    from metrics import engine
    from metrics.filters import Filters

    kills = 0
    reached = 1
    while kills < 20:
        remaining = [str(f) for f in files[reached:]]
        worker = subprocess.Popen([PY, "-c", WORKER.format(root=str(ROOT), db=str(store.path), files=remaining)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert worker.stdout.readline().strip() == "ready", worker.communicate(timeout=120)
        time.sleep(rng.uniform(0.0, 3.0))  # a small load takes well under a second: most kills land mid-load
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            kills += 1
        worker.communicate(timeout=120)
        fresh = Store(store.path)  # a new process would open it so
        cur = fresh.cursor()
        k = engine.kpis(cur, Filters(), KPI_IDS)
        t = engine.kpis(cur, Filters(team=["Tech"], priority=["high", "urgent"]), ["tickets", "sla_breach_rate"])
        answer = [k[i] for i in KPI_IDS] + [t["tickets"], t["sla_breach_rate"]]
        at = [i for i, st in enumerate(states) if _same(answer, st)]
        assert at, f"after kill {kills}: {answer} is no whole generation"
        loads = cur.execute("SELECT count(*), count(DISTINCT file_name) FROM loads").fetchone()
        assert loads[0] == loads[1] == at[-1] if at[-1] else True
        assert cur.execute("SELECT count(*) FROM ticket_metrics").fetchone()[0] == \
            cur.execute("SELECT count(*) FROM tickets").fetchone()[0]
        cur.close()
        reached = max(reached, loads[0])
        if reached >= len(files):
            reached = 1  # start over on a fresh store: more kills to go
            shutil.rmtree(tmp_path / "again", ignore_errors=True)
            (tmp_path / "again").mkdir()
            store = Store(tmp_path / "again" / "d.duckdb")
            load(store, files[0])
    leftovers = [p.name for p in store.path.parent.iterdir() if ".tmp-" in p.name]
    Store(store.path).load_files([files[-1]], LoadOptions(table="tickets", source="hd"))  # a writer cleans up
    assert not [p.name for p in store.path.parent.iterdir() if ".tmp-" in p.name or p.name.endswith(".wal")], leftovers


def test_team_spellings_merge_on_a_delta_store(tmp_path, delta_settings):
    """metrics/values.py on the delta store: a load that brings a new spelling of a team is redone as
    a full write (the base is rewritten with the merged spelling); a load that brings none stays a delta."""
    store = Store(tmp_path / "d.duckdb")
    load(store, write(tmp_path / "t1.csv", [
        "1,2024-03-04 09:00,open,urgent,Billing,Anna,C1,,",
        "2,2024-03-04 10:00,solved,low,Billing,Boris,C2,2024-03-05 10:00,2024-03-04 10:30",
        "3,2024-03-05 11:30,new,normal,Tech,Anna,C1,,",
    ]))
    load(store, write(tmp_path / "t2.csv", ["4,2024-03-06 10:00,new,low,Tech,Vera,C3,,"]))
    assert store.manifest().delta is not None  # no spelling to merge: a delta write
    base = sha(store.path)
    load(store, write(tmp_path / "t3.csv", ["5,2024-03-07 10:00,new,low,billing,Vera,C3,,"]))
    # 'billing' (1 row) and 'Billing' (2 rows) are one team, spelled as the most frequent: a full write
    assert store.manifest().delta is None and sha(store.path) != base
    teams = store.query("SELECT team, count(*) AS n FROM tickets GROUP BY team ORDER BY team").rows()
    assert teams == [("Billing", 3), ("Tech", 2)]
    merges = store.query("SELECT dimension, loaded, shown, rows FROM value_merges").rows()
    assert merges == [("team", "billing", "Billing", 1)]
    load(store, write(tmp_path / "t4.csv", ["6,2024-03-08 10:00,new,low,Billing,Vera,C3,,"]))
    assert store.manifest().delta is not None  # spelled as kept: a delta write again
    assert_same_as_full_rebuild(store, tmp_path, "values")
