"""Property test: random CSV and XLSX files in the shapes the adapters read (a ticket export, a
call log), with ragged rows, hostile text, bad and implausible dates, missing and repeated ids.
Whatever the file: no exception escapes, rows in = loaded + rejected, every data record written
is counted once, and loading the same content again (a new copy, so not skipped) changes nothing."""
from __future__ import annotations

import csv
import io
import string

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.base import LoadOptions
from loaders.store import Store

TEXT = st.text(alphabet=string.ascii_letters + string.digits + " ,;\"'\n\t<>=+-@éЖ€\u00a0", max_size=20)
DATE = st.one_of(st.just("2024-03-04 10:00"), st.just("04.03.2024 10:00"), st.just("2024-03-04T10:00:00Z"),
                 st.just("9999-12-31 00:00"), st.just("0001-01-01 00:00"), st.just(""), st.just("not a date"),
                 st.integers(1, 28).map(lambda d: f"2024-02-{d:02d} {d % 24:02d}:15"))
SHAPES = {
    "tickets": (["id", "created", "status", "priority", "subject"],
                lambda: st.tuples(st.one_of(st.integers(1, 30).map(str), st.just("")), DATE,
                                  st.sampled_from(["open", "solved", "pending", "Closed", "???"]),
                                  st.sampled_from(["low", "high", "urgent", ""]), TEXT)),
    "calls": (["call id", "start time", "answered", "wait seconds", "talk seconds", "agent"],
              lambda: st.tuples(st.integers(1, 30).map(str), DATE, st.sampled_from(["yes", "no", ""]),
                                st.one_of(st.integers(-5, 600).map(str), st.just("n/a")),
                                st.one_of(st.integers(0, 3000).map(str), TEXT), TEXT)),
}
# A row's shape: as written, one field short, one extra field, or an extra empty field.
RAGGED = st.sampled_from(["ok", "ok", "ok", "short", "long", "empty_extra"])


def _csv_bytes(header, rows, shapes) -> tuple[bytes, int]:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    records = 0
    for row, shape in zip(rows, shapes):
        fields = list(row)
        if shape == "short":
            fields = fields[:-1]
        elif shape == "long":
            fields = fields + ["extra"]
        elif shape == "empty_extra":
            fields = fields + [""]
        if not any(f.strip() for f in fields):
            continue  # an all-blank row is no record (a blank line)
        w.writerow(fields)
        records += 1
    return out.getvalue().encode("utf-8"), records


def _xlsx_bytes(header, rows) -> tuple[bytes, int]:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Data")
    ws.write_row(0, 0, header)
    records = 0
    for row in rows:
        if not any(v.strip() for v in row):
            continue
        records += 1
        for c, v in enumerate(row):
            if v != "":
                ws.write_string(records, c, v)
    wb.close()
    return buf.getvalue(), records


@st.composite
def files(draw):
    kind = draw(st.sampled_from(sorted(SHAPES)))
    header, row = SHAPES[kind]
    rows = draw(st.lists(row(), min_size=1, max_size=25))
    fmt = draw(st.sampled_from(["csv", "csv", "xlsx"]))
    if fmt == "csv":
        data, records = _csv_bytes(header, rows, draw(st.lists(RAGGED, min_size=len(rows), max_size=len(rows))))
    else:
        data, records = _xlsx_bytes(header, rows)
    return kind, fmt, data, records


def _snapshot(store: Store, table: str) -> pl.DataFrame:
    cols = "source, source_id, created_at, status, subject" if table == "tickets" else \
        "source, source_id, queued_at, outcome, wait_seconds, talk_seconds, agent"
    if not store.exists():
        return pl.DataFrame()
    return store.query(f"SELECT {cols} FROM {table} ORDER BY ALL")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=files())
def test_any_file_counts_every_row_and_reloads_idempotently(tmp_path_factory, case):
    kind, fmt, data, records = case
    folder = tmp_path_factory.mktemp("prop")
    store = Store(folder / "p.duckdb", wait=5)
    first = folder / f"export.{fmt}"
    first.write_bytes(data)
    options = LoadOptions(source="prop", table=kind, tz="UTC")
    [report] = store.load_files([first], options)
    assert report.status in ("loaded", "failed"), report
    if report.status == "failed":
        assert report.error and "Traceback" not in report.error
        assert not store.exists() or store.query("SELECT count(*) FROM loads").item() == 0
        return
    assert report.rows_in == report.rows_loaded + report.rows_rejected
    assert report.rows_in == records, (report.rows_in, records, report.text())
    before = _snapshot(store, kind)
    # The same content under another name (a different file as far as the store knows; a trailing
    # newline for CSV so that the checksum differs): nothing may change.
    again = folder / f"again.{fmt}"
    again.write_bytes(data + (b"\n" if fmt == "csv" else b""))
    [second] = store.load_files([again], options)
    assert second.status in ("loaded", "skipped"), second.text()
    assert (second.rows_loaded, second.rows_rejected) == (report.rows_loaded, report.rows_rejected) or second.status == "skipped"
    assert _snapshot(store, kind).equals(before)
