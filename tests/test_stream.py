"""Streamed loads (loaders/stream.py): a large text file typed batch by batch must give exactly what
the whole-file load gives (rows, values, derived tables, rejects with their row numbers, the
row counts of the report); a file DuckDB cannot read as is falls back to the whole-file reader."""
from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import metrics  # noqa: F401  registers the derived tables (ticket_metrics, rollups) with the store
from loaders import stream
from loaders.base import LoadOptions
from loaders.store import Store

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    """A generated Zendesk export of 3,000 tickets, with two extra rows appended at the end: a
    later version of the first ticket (status changed: a duplicate id, the later row wins) and a
    ticket whose creation date is not a date (a bad value: the row is rejected, as whole)."""
    from sample_data.generate import generate

    out = tmp_path_factory.mktemp("world")
    generate(out, seed=7, tickets=3000, formats=False)
    path = out / "zendesk_tickets.csv"
    frame = pl.read_csv(path, infer_schema=False)
    first = frame.head(1).with_columns(pl.lit("Closed").alias("Status"))
    bad = frame.slice(1, 1).with_columns(pl.lit("99999999").alias("ID"), pl.lit("not a date").alias("Created at"))
    pl.concat([frame, first, bad]).write_csv(path)
    return path


def _load(tmp_path: Path, name: str, path: Path, monkeypatch, streamed: bool, batch: int = 700):
    monkeypatch.setattr(stream, "stream_min_bytes", lambda: 0 if streamed else float("inf"))
    monkeypatch.setattr(stream, "batch_rows", lambda: batch)
    store = Store(tmp_path / f"{name}.duckdb")
    seen = []
    [report] = store.load_files([path], LoadOptions(tz="America/New_York"),
                                on_rows=lambda f, done, total: seen.append((f, done, total)))
    return store, report, seen


def _table(store: Store, sql: str) -> pl.DataFrame:
    return store.query(sql)


def test_streamed_load_equals_whole_file_load(tmp_path, export, monkeypatch):
    whole, r1, seen1 = _load(tmp_path, "whole", export, monkeypatch, streamed=False)
    part, r2, seen2 = _load(tmp_path, "part", export, monkeypatch, streamed=True)
    assert r1.status == r2.status == "loaded"
    assert seen1 == []  # a file read whole reports no rows-read progress
    # 3,002 data rows: 3,000 + the later version of ticket 1 + the bad one; 5 batches of 700 rows
    assert seen2[0] == (export.name, 0, 3002) and seen2[-1] == (export.name, 3002, 3002)
    assert [done for _, done, _ in seen2[1:]] == [700, 1400, 2100, 2800, 3002]
    for key in ("rows_in", "rows_loaded", "rows_rejected", "rows_inserted", "rows_updated", "tables", "target_table"):
        assert getattr(r1, key) == getattr(r2, key), key
    # hand count: the duplicate (row 2, replaced by row 3002) and the undated row 3003 are rejected
    assert r2.rows_in == 3002 and r2.rows_rejected == 2 and r2.rows_loaded == 3000
    order = "ORDER BY source, source_id"
    for table in ("tickets", "ticket_metrics"):
        sql = f"SELECT * EXCLUDE (load_id) FROM {table} {order}" if table == "tickets" else f"SELECT * FROM {table} {order}"
        a, b = _table(whole, sql), _table(part, sql)
        assert a.height == b.height == 3000  # 3,000 tickets: the later ticket 1 replaced the first
        assert a.equals(b), table
    # the later row of ticket 1 won in both
    first_id = pl.read_csv(export, infer_schema=False, n_rows=1)["ID"][0]
    assert _table(part, f"SELECT status FROM tickets WHERE source_id = '{first_id}'")["status"].to_list() == ["closed"]
    sql = "SELECT row_number, column_name, value, reason, raw FROM rejects ORDER BY row_number"
    ra, rb = _table(whole, sql), _table(part, sql)
    # a bad value's reason quotes one of the column's good values as an example: the batch's own
    # (whole-file: the file's first); everything else is the same
    example = pl.col("reason").str.replace(r"\(e\.g\. '[^']*'\)", "(e.g. …)")
    assert ra.with_columns(example).equals(rb.with_columns(example))
    assert ra.drop("reason").equals(rb.drop("reason"))
    assert rb["row_number"].to_list() == [2, 3003]
    assert "streamed" not in " ".join(r1.notes) and any("in batches of 700" in n for n in r2.notes)


def test_gzipped_export_streams_whatever_its_size(tmp_path, export, monkeypatch):
    gz = tmp_path / "zendesk_tickets.csv.gz"
    with open(export, "rb") as src, gzip.open(gz, "wb") as dst:
        dst.write(src.read())
    monkeypatch.setattr(stream, "batch_rows", lambda: 1000)
    store = Store(tmp_path / "gz.duckdb")
    [report] = store.load_files([gz], LoadOptions(tz="America/New_York"))
    assert report.status == "loaded" and report.loader == "zendesk_csv", report.text()
    assert (report.rows_in, report.rows_loaded, report.rows_rejected) == (3002, 3000, 2)


def test_a_file_duckdb_cannot_read_as_is_falls_back_and_names_the_row(tmp_path, export, monkeypatch):
    lines = export.read_bytes().split(b"\n")
    lines[10] = lines[10].rsplit(b",", 3)[0]  # row 11 (line 11) loses its last three fields
    lines[20] = lines[20].replace(b",", "Пётр,".encode("cp1251"), 1)  # line 21 in another code page
    ragged = tmp_path / "ragged.csv"
    ragged.write_bytes(b"\n".join(lines))
    _, whole, _ = _load(tmp_path, "w", ragged, monkeypatch, streamed=False)
    store, report, _ = _load(tmp_path, "s", ragged, monkeypatch, streamed=True)
    assert report.status == whole.status == "loaded"
    assert (report.rows_in, report.rows_loaded, report.rows_rejected) == (whole.rows_in, whole.rows_loaded,
                                                                         whole.rows_rejected)
    rejected = store.query("SELECT row_number, reason FROM rejects ORDER BY row_number")
    assert 11 in rejected["row_number"].to_list()  # the short row, named by the careful reader
    assert any("read whole" in n for n in report.notes)


def test_cli_load_shows_rows_read_rate_and_time_left(tmp_path, export):
    settings = tmp_path / "settings.toml"
    settings.write_text("[loading]\nstream_min_mb = 0\nbatch_rows = 1000\n")
    env = {**os.environ, "DESKSCOPE_SETTINGS": str(settings)}
    out = subprocess.run([PY, str(ROOT / "cli.py"), "--db", str(tmp_path / "c.duckdb"), "load", str(export),
                          "--tz", "America/New_York", "--progress"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode in (0, 1), out.stderr
    assert "rows read" in out.stderr and "left" in out.stderr and "rows/s" in out.stderr, out.stderr
    assert "3.00k/3.00k rows read" in out.stderr or "3002/3002" in out.stderr or "3.0k/3.0k" in out.stderr, out.stderr
    assert "rows in 3,002 = loaded 3,000 + rejected 2" in out.stdout
    # --json: no bar mixed into the output, which stays valid JSON
    out = subprocess.run([PY, str(ROOT / "cli.py"), "--db", str(tmp_path / "j.duckdb"), "load", str(export),
                          "--tz", "America/New_York", "--json"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert json.loads(out.stdout)[0]["rows_loaded"] == 3000


def test_a_large_xlsx_is_read_whole_and_the_summary_says_so(tmp_path, monkeypatch):
    """XLSX cannot be read in batches: above loading.stream_min_mb the load summary says so."""
    book = ROOT / "tests" / "badinput" / "files" / "xlsx_ok.xlsx"
    monkeypatch.setattr(stream, "stream_min_bytes", lambda: 1000)  # the workbook is ~5.5 KB: "large"
    [report] = Store(tmp_path / "x.duckdb").load_files([book], LoadOptions(table="tickets", source="hd"))
    assert report.status == "loaded", report.text()
    assert any(n.startswith("read whole into memory") and "XLSX files are not read in batches" in n for n in report.notes)
    monkeypatch.setattr(stream, "stream_min_bytes", lambda: 1e9)
    [small] = Store(tmp_path / "y.duckdb").load_files([book], LoadOptions(table="tickets", source="hd"))
    assert not any("read whole" in n for n in small.notes)


def test_a_load_keeps_to_its_memory_budget_duckdb_gets_three_quarters(monkeypatch):
    """store.memory_limit is the load's whole budget: DuckDB gets 3/4 (it spills past it), the
    batch being typed the rest; readers get reader_memory_limit as it is."""
    import duckdb

    from loaders import store as store_mod

    monkeypatch.setattr(store_mod, "store_settings", lambda: {"memory_limit": "4GiB", "reader_memory_limit": "1GiB"})
    writer, reader = duckdb.connect(), duckdb.connect()
    store_mod.configure(writer, "writer")
    store_mod.configure(reader, "reader")
    limit = "SELECT current_setting('memory_limit')"
    assert writer.execute(limit).fetchone()[0] == "3.0 GiB"  # 4 GiB * 3/4
    assert reader.execute(limit).fetchone()[0] == "1.0 GiB"
    assert store_mod._size_bytes("2GB") == 2_000_000_000 and store_mod._size_bytes("512MiB") == 512 * 2**20


def test_warnings_of_all_batches_read_as_one_files():
    """Per-column counts are summed over the batches (the first batch's examples kept): 10 + 5
    ambiguous local times, 3 + 4 unreadable values; the same warning twice is said once."""
    twice = ("column 'Created at' (created_at): {n} local time(s) occur twice in America/New_York (clocks go back "
             "there); the earlier one (still daylight time) was used, e.g. rows {rows} values ['2026-11-01 01:04:49']")
    bad = "column 'Priority' (priority): {n} value(s) are not one of low, high and were left empty, e.g. {e}"
    merged = stream.merge_warnings([twice.format(n=10, rows=[5]), bad.format(n=3, e="'x'"), "a note", "a note",
                                    twice.format(n=5, rows=[900]), bad.format(n=4, e="'y'")])
    assert merged == [twice.format(n=15, rows=[5]), bad.format(n=7, e="'x'"), "a note"]


def test_a_line_too_long_for_duckdb_falls_back_to_the_whole_file_read(tmp_path, export, monkeypatch):
    """DuckDB's read_csv refuses a line over its max_line_size (2 MiB) inside the load's
    transaction: the fallback must roll back and read the file whole, not fail on the aborted
    transaction ("could not be written ... Current transaction is aborted", as the bad-input case
    line_200mb did). Row 6 gets a 3,000,000-character subject: under loading.max_value_chars
    (10,000,000), so it loads: 3,002 rows in, 3,000 loaded, 2 rejected as without it."""
    frame = pl.read_csv(export, infer_schema=False)
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("x" * 3_000_000))
                               .otherwise(pl.col("Subject")).alias("Subject"))
    long = tmp_path / "long_line.csv"
    frame.write_csv(long)
    store, report, _ = _load(tmp_path, "s", long, monkeypatch, streamed=True)
    assert report.status == "loaded", report.text()
    assert (report.rows_in, report.rows_loaded, report.rows_rejected) == (3002, 3000, 2)
    assert any("read whole" in n for n in report.notes), report.notes
    assert store.query("SELECT max(length(subject)) AS n FROM tickets")["n"][0] == 3_000_000


def test_batches_are_appended_outside_a_transaction_and_a_failed_file_leaves_no_temp_tables(tmp_path, export,
                                                                                           monkeypatch):
    """DuckDB holds rows appended inside an open transaction outside its memory limit until the
    commit (about 650 bytes a row: the 10M-ticket load peaked at 6.3 GB with its 1.5 GB limit), so
    the staging table and the typed batches are written in autocommit, each statement its own
    transaction (two txid_current() in a row differ), and only the publishing step runs in one.
    A file that fails after some batches leaves no temporary table behind: the next file of the
    same session does not inherit its rows."""
    from loaders import store as store_mod

    inside = []
    real = store_mod._Session._stage_batch

    def spy(self, batch, load_id, append=False, keep_rows=False):
        a = self.con.execute("SELECT txid_current()").fetchall()[0][0]
        b = self.con.execute("SELECT txid_current()").fetchall()[0][0]
        inside.append(a == b)
        return real(self, batch, load_id, append=append, keep_rows=keep_rows)

    monkeypatch.setattr(store_mod._Session, "_stage_batch", spy)
    store, report, _ = _load(tmp_path, "s", export, monkeypatch, streamed=True)
    assert report.status == "loaded", report.text()
    assert len(inside) == 5 and not any(inside), inside  # 3,002 rows in batches of 700

    # a second store: the first file fails in its third batch, the second file is the same export
    calls = {"n": 0}

    def failing(self, batch, load_id, append=False, keep_rows=False):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk gone")
        return real(self, batch, load_id, append=append, keep_rows=keep_rows)

    monkeypatch.setattr(store_mod._Session, "_stage_batch", failing)
    monkeypatch.setattr(stream, "stream_min_bytes", lambda: 0)
    monkeypatch.setattr(stream, "batch_rows", lambda: 700)
    copy = tmp_path / "again.csv"
    copy.write_bytes(export.read_bytes())
    two = Store(tmp_path / "two.duckdb")
    first, second = two.load_files([export, copy], LoadOptions(tz="America/New_York"))
    assert first.status == "failed" and "disk gone" in first.text(), first.text()
    assert second.status == "loaded", second.text()
    assert (second.rows_in, second.rows_loaded, second.rows_rejected) == (3002, 3000, 2)
    assert two.query("SELECT count(*) AS n FROM tickets")["n"][0] == 3000
