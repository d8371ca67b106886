"""export-parquet -> build -> load: the derived tables built from Parquet on DuckDB and on Spark,
compared row by row and KPI by KPI with the store's own, and the installed results read by the
pages, a snapshot and the KPI command without recomputing anything.

The Spark test needs Java (tests/conftest.py skips it with the reason otherwise); the rest runs
on DuckDB alone.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, db=None):
    cmd = [sys.executable, str(ROOT / "cli.py"), *args] + (["--db", str(db)] if db else [])
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A store loaded through the real loaders from the sample generator (events, surveys, calls,
    customers) and its canonical tables exported as Parquet."""
    import metrics  # noqa: F401  registers the derived-table hooks
    from loaders import parquet
    from loaders.base import LoadOptions
    from loaders.store import Store
    from sample_data.generate import generate

    out = tmp_path_factory.mktemp("spark-sample")
    generate(out / "exports", seed=11, tickets=300)
    tz = json.loads((out / "exports" / "truth.json").read_text()).get("timezone")
    def exports(folder):  # as `cli.py demo --all-formats` picks them (the Zendesk JSON brings events)
        return sorted(p for p in folder.iterdir() if p.name != "truth.json" and not p.name.startswith(".")
                      and not p.name.lower().endswith((".md", ".txt")) and (p.is_file() or p.name != "formats"))

    files = exports(out / "exports") + exports(out / "exports" / "formats")
    store = Store(out / "local.duckdb")
    reports = store.load_files(files, LoadOptions(tz=tz))
    assert all(r.status == "loaded" for r in reports), [r.text() for r in reports]
    cur = store.cursor()
    rows = parquet.export_tables(cur, out / "canonical")
    cur.close()
    assert rows["tickets"] > 250 and rows["ticket_events"] > 0
    return out, store


def _kpis(con) -> dict:
    from metrics import engine
    from metrics.filters import Filters

    return dict(engine.kpis(con, Filters(), None))


def assert_same_kpis(a: dict, b: dict) -> None:
    """Counts exactly; rates, means and quantiles to 1e-9 relative (docs/scale-out.md, Parity)."""
    assert a.keys() == b.keys()
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, float) and isinstance(y, (int, float)) and not (x is None or y is None):
            assert (math.isnan(x) and math.isnan(y)) or y == pytest.approx(x, rel=1e-9, abs=1e-12), k
        else:
            assert x == y, k


def _table(folder: Path, table: str) -> pl.DataFrame:
    frame = pl.read_parquet(folder / table / "*.parquet")
    return frame.sort(frame.columns, nulls_last=True)


def assert_same_tables(a: Path, b: Path, tables) -> None:
    for table in tables:
        x, y = _table(a, table), _table(b, table)
        assert x.columns == y.columns and x.height == y.height, table
        for column in x.columns:
            left, right = x[column], y[column]
            if left.dtype.is_float() or right.dtype.is_float():
                left, right = left.cast(pl.Float64), right.cast(pl.Float64)
                bad = ((left - right).abs() > 1e-9 * (left.abs() + 1)).fill_null(False) | (left.is_null() != right.is_null())
                assert not bad.any(), (table, column)
            else:
                assert left.cast(pl.String).to_list() == right.cast(pl.String).to_list(), (table, column)


def test_export_build_load_on_duckdb(sample, tmp_path, monkeypatch):
    out, store = sample
    results = tmp_path / "results"
    code, stdout, err = cli("build", "--engine", "duckdb", "--input", str(out / "canonical"), "--output", str(results))
    assert code == 0, err
    assert "ticket_metrics" in stdout and (results / "ticket_metrics").is_dir()
    manifest = json.loads((results / "_deskscope.json").read_text())
    assert manifest["kind"] == "results" and manifest["derived"]["ticket_metrics"] == manifest["canonical"]["tickets"]
    # the derived tables equal the store's own (built by the same hooks after each load)
    cur = store.cursor()
    local = {t: cur.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in manifest["derived"]}
    before = _kpis(cur)
    cur.close()
    assert local == manifest["derived"]

    db = tmp_path / "installed.duckdb"
    code, stdout, err = cli("load", str(results), db=db)
    assert code == 0, err
    assert "nothing recomputed" in stdout
    from loaders.store import Store

    installed = Store(db)
    cur = installed.cursor()
    assert_same_kpis(before, _kpis(cur))
    from metrics.engine import _context
    from metrics.service import TICKETS

    assert _context(cur).rolls.usable(TICKETS)  # the rollups answer, as in the store that built them
    cur.close()

    # every page renders on the installed results, and a snapshot is written from them
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DESKSCOPE_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    for page in ("overview", "tickets", "calls", "satisfaction", "agents", "churn", "data"):
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception and not at.error, (page, [e.value for e in at.exception], [e.value for e in at.error])
    code, stdout, err = cli("snapshot", "--period", "2020-01-01..2030-12-31", "--out", str(tmp_path / "snap"), db=db)
    assert code == 0, err
    assert any((tmp_path / "snap").rglob("*.html"))
    # the audit report straight from the result folder: the loads it was built from are listed
    code, stdout, err = cli("audit", str(results), "--out", str(tmp_path / "audit.html"))
    assert code in (0, 1), err  # 1: the sample's own loads rejected some rows
    html = (tmp_path / "audit.html").read_text()
    assert "zendesk_tickets.ndjson" in html and "Traceback" not in html


def test_bad_input_folder_names_table_column_and_fix(tmp_path):
    bad = tmp_path / "canonical"
    (bad / "tickets").mkdir(parents=True)
    pl.DataFrame({"source": ["z"], "source_id": ["1"], "created_at": ["yesterday"]}).write_parquet(
        bad / "tickets" / "part-0.parquet")
    code, _, err = cli("build", "--engine", "duckdb", "--input", str(bad), "--output", str(tmp_path / "out"))
    assert code == 1
    assert "tickets.created_at" in err and "VARCHAR" in err.upper() and "TIMESTAMP" in err and "fix:" in err
    assert not (tmp_path / "out").exists()
    code, _, err = cli("build", "--engine", "duckdb", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "o"))
    assert code == 2 and "export-parquet" in err


@pytest.mark.slow
@pytest.mark.timeout(2400)  # some 500 small Spark jobs: minutes on an idle 2-core runner, more on a loaded one
def test_spark_build_equals_duckdb(sample, tmp_path, spark_session):
    from metrics import build

    out, store = sample
    duck = build.build(out / "canonical", tmp_path / "duckdb", engine="duckdb")
    spark = build.build(out / "canonical", tmp_path / "spark", engine="spark", master="local[2]")
    assert spark.derived == duck.derived
    assert_same_tables(tmp_path / "duckdb", tmp_path / "spark", sorted(set(duck.derived) - {"ticket_metrics_info",
                                                                                          "rollup_meta"}))
    # installed locally, the Spark results answer every KPI as the store's own derived tables do
    from loaders.store import Store

    installed = Store(tmp_path / "installed.duckdb")
    build.install(installed, tmp_path / "spark")
    cur, local = installed.cursor(), store.cursor()
    assert_same_kpis(_kpis(local), _kpis(cur))
    cur.close()
    local.close()
