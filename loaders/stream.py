"""Loads that stream: a large delimited text file read in bounded memory, whatever its size.

DuckDB reads the file itself (``read_csv``, every value as text, strict: a row with a wrong number
of fields stops it) into a staging table, spilling to disk past ``store.memory_limit``; the
adapter then types it batch by batch (``loading.batch_rows`` rows, the same Polars code as a
whole-file load) and the store appends each batch to the load's incoming table. What the
whole-file path decides from the whole file is decided from the whole staging table before the
first batch: the header, the day/month order of every date column (from the values that decide it,
found by DuckDB), the Zendesk submitter's agents; duplicate ids are found across batches by the
store. A file DuckDB cannot read this way (another encoding, ragged rows, an open quote) is read
the careful whole-file way (``loaders/files.py``), which names every bad row.

An adapter streams when it has ``load_stream(path, options, staged) -> Iterator[Batch]``; the
store streams a file when ``can_stream`` says so (``loading.stream_min_mb``). XLSX, JSON and
folders never stream: the load summary says so for files above that size.
"""
from __future__ import annotations

import contextlib
import gzip
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import polars as pl

from loaders import parsing
from loaders.files import ROW, RawTable

TEXT_SUFFIXES = {"csv", "tsv", "txt", "tab", "dat"}
DEFAULT_BATCH_ROWS = 200_000
DEFAULT_STREAM_MIN_MB = 64
STAGE = "_stage"


def _loading_settings() -> dict:
    try:
        import config

        return dict(config.get().get("loading", {}))
    except Exception:
        return {}


def batch_rows() -> int:
    return max(1000, int(_loading_settings().get("batch_rows", DEFAULT_BATCH_ROWS)))


def stream_min_bytes() -> float:
    return float(_loading_settings().get("stream_min_mb", DEFAULT_STREAM_MIN_MB)) * 1e6


def text_suffix(path: Path) -> str:
    """The suffix that says what a file holds (``x.csv.gz`` -> ``csv``)."""
    suffixes = [s.lower().lstrip(".") for s in path.suffixes]
    if suffixes and suffixes[-1] == "gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def head_bytes(path: Path, size: int) -> bytes:
    """The first bytes of a file, decompressed when it is gzipped."""
    if is_gzip(path):
        with gzip.open(path, "rb") as fh:
            return fh.read(size)
    with open(path, "rb") as fh:
        return fh.read(size)


def can_stream(path: Path, adapter) -> bool:
    """Whether the store should load ``path`` in batches: a delimited text file the adapter can
    type batch by batch, large enough (or gzipped: the whole-file readers cannot read it)."""
    if not path.is_file() or not hasattr(adapter, "load_stream"):
        return False
    if text_suffix(path) not in TEXT_SUFFIXES:
        return False
    return is_gzip(path) or path.stat().st_size >= stream_min_bytes()


class CannotStream(Exception):
    """The file is not one DuckDB reads as is: the whole-file reader takes it (and names the rows)."""


@dataclass
class Staged:
    """A delimited text file in a staging table (every value text, ``rowid`` = file order)."""

    con: duckdb.DuckDBPyConnection
    path: Path
    headers: list[str]
    delimiter: str
    rows: int
    encoding: str = "utf-8"
    first_rowid: int = 0  # rows written inside a transaction get row ids from an offset: file order is rowid - this
    seconds: float = 0.0
    on_rows: Callable[[int, int], None] | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return self.path.name

    def batches(self, size: int | None = None) -> Iterator[RawTable]:
        """The rows in file order, ``size`` at a time, as the whole-file reader would give them
        (``__row__`` = spreadsheet row number: the header is row 1)."""
        size = size or batch_rows()
        cols = ", ".join(f'"{_q(h)}"' for h in self.headers)
        done = 0
        base = self.first_rowid
        for start in range(0, self.rows, size):
            frame = self.con.sql(f"SELECT {cols}, (rowid - {base} + 2)::BIGINT AS {ROW} FROM {STAGE} "
                                 f"WHERE rowid >= {base + start} AND rowid < {base + start + size} ORDER BY rowid").pl()
            # every-empty rows are dropped (trailing blank lines), as the whole-file reader does
            if self.headers:
                frame = frame.filter(~pl.all_horizontal([(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == ""))
                                                         for c in self.headers]))
            done = min(self.rows, start + size)
            yield RawTable(frame, list(self.headers), self.file_name, encoding=self.encoding, delimiter=self.delimiter)
            if self.on_rows:
                self.on_rows(done, self.rows)

    def distinct(self, header: str) -> list[str]:
        """Every distinct non-empty value of a column."""
        rows = self.con.execute(f'SELECT DISTINCT trim("{_q(header)}") FROM {STAGE} WHERE nullif(trim("{_q(header)}"), \'\') '
                                f'IS NOT NULL').fetchall()
        return [r[0] for r in rows]

    def sample(self, header: str, n: int = 200) -> pl.Series:
        """The first ``n`` values of a column (what the whole-file path samples)."""
        rows = self.con.execute(f'SELECT "{_q(header)}" FROM {STAGE} ORDER BY rowid LIMIT {int(n)}').fetchall()
        return pl.Series(header, [r[0] for r in rows], dtype=pl.String)

    def date_order(self, headers: list[str], given: str | None) -> str | None:
        """The day/month order the whole file shows (parsing._day_month_order on the values that
        decide it: those with the largest first and second components, two whose components
        differ, one with AM/PM). Raises AmbiguousDateOrder as the whole-file load would."""
        if given:
            return given
        decided = None
        slash = parsing._SLASH_RE.replace("\\b", "")
        for header in headers:
            col = f'trim("{_q(header)}")'
            f1 = f"TRY_CAST(regexp_extract({col}, '{slash}', 1) AS INTEGER)"
            f2 = f"TRY_CAST(regexp_extract({col}, '{slash}', 2) AS INTEGER)"
            row = self.con.execute(f"""
                SELECT max_by({col}, {f1}, 3), max_by({col}, {f2}, 3),
                       list({col} ORDER BY rowid) FILTER (WHERE {f1} <> {f2})[1:2],
                       any_value({col}) FILTER (WHERE regexp_matches({col}, '(?i)\\b[AP]M$'))
                FROM {STAGE} WHERE {f1} IS NOT NULL""").fetchall()
            row = row[0] if row else None
            if row is None or row[0] is None:
                continue
            values = [v for part in row[:3] for v in (part or [])] + ([row[3]] if row[3] else [])
            order = parsing._day_month_order(parsing._normalise_text(pl.Series(header, values, dtype=pl.String)), None)
            decided = decided or order
        return decided


def _q(name: str) -> str:
    return name.replace('"', '""')


def stage(con: duckdb.DuckDBPyConnection, path: Path, has_header: bool = True,
          on_rows: Callable[[int, int], None] | None = None) -> Staged:
    """Read ``path`` into the staging table. Raises CannotStream when DuckDB cannot read it as is
    (the careful whole-file reader then reads it)."""
    started = time.perf_counter()
    head = head_bytes(path, 256 * 1024)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not a multi-byte character cut at the end of the sample
            raise CannotStream(f"{path.name}: not UTF-8") from None
        text = head[: exc.start].decode("utf-8")
    if "\x00" in text:
        raise CannotStream(f"{path.name}: NUL bytes")
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    delimiter = "\t" if text_suffix(path) == "tsv" else parsing.sniff_delimiter("\n".join(lines[:60]))
    import csv
    import io

    header_row = next(csv.reader(io.StringIO("\n".join(lines[:5])), delimiter=delimiter), []) if has_header else []
    if not header_row:
        raise CannotStream(f"{path.name}: no header row")
    headers = parsing.dedupe_headers([h for h in header_row])
    con.execute(f"DROP TABLE IF EXISTS {STAGE}")
    columns = ", ".join("'" + h.replace("'", "''") + "': 'VARCHAR'" for h in headers)
    # file order is the staging table's row order (rowid): the row numbers of rejects come from it
    con.execute("SET preserve_insertion_order = true")
    try:
        # an empty field stays '' (as the whole-file reader reads it): no text is read as NULL
        con.execute(f"""CREATE TEMP TABLE {STAGE} AS SELECT * FROM read_csv(?, header = true, delim = ?, quote = '"',
                        escape = '"', all_varchar = true, strict_mode = true, null_padding = false, auto_detect = false,
                        nullstr = '{chr(1)}', columns = {{{columns}}})""", [str(path), delimiter])
    except duckdb.Error as exc:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {STAGE}")
        raise CannotStream(f"{path.name}: {str(exc).splitlines()[0][:200]}") from None
    finally:
        # after a failed read the transaction is aborted and refuses even SET: the caller rolls
        # back and sets it again (an error here would hide CannotStream, and the whole-file read)
        with contextlib.suppress(duckdb.Error):
            con.execute("SET preserve_insertion_order = false")
    rows, first = con.execute(f"SELECT count(*), coalesce(min(rowid), 0) FROM {STAGE}").fetchall()[0]
    staged = Staged(con, path, headers, delimiter, rows, first_rowid=first, seconds=time.perf_counter() - started,
                    on_rows=on_rows)
    if on_rows:
        on_rows(0, rows)
    return staged


def drop(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        con.execute(f"DROP TABLE IF EXISTS {STAGE}")


# ---------------------------------------------------------------------------------------------
# One batch's warnings, merged over batches
# ---------------------------------------------------------------------------------------------
_NOTE_COUNT = re.compile(r"^(\d[\d,]*) (.*)$")


def merge_notes(notes: list[str]) -> list[str]:
    """Notes of all batches as one file's: "N things ..." notes summed, the others once."""
    out: list[str] = []
    sums: dict[str, list] = {}
    for note in notes:
        m = _NOTE_COUNT.match(note)
        if m:
            if m.group(2) in sums:
                sums[m.group(2)][0] += int(m.group(1).replace(",", ""))
                continue
            sums[m.group(2)] = [int(m.group(1).replace(",", "")), len(out)]
            out.append(note)
        elif note not in out:
            out.append(note)
    for text, (n, i) in sums.items():
        out[i] = f"{n:,} {text}"
    return out


_PER_COLUMN = re.compile(r"^(column '.*?' \(\w+\)): (\d[\d,]*) (.*?)(, e\.g\. .*)$")


def merge_warnings(warnings: list[str]) -> list[str]:
    """Warnings of all batches as one file's: a count per column ("column 'X' (x): N value(s) ...,
    e.g. ..."; local times that do not exist or occur twice) summed, the first batch's examples
    kept; the same warning once."""
    out: list[str] = []
    counted: dict[tuple, list] = {}
    for w in warnings:
        m = _PER_COLUMN.match(w)
        if m:
            key = (m.group(1), m.group(3))
            if key in counted:
                counted[key][0] += int(m.group(2).replace(",", ""))
                continue
            counted[key] = [int(m.group(2).replace(",", "")), m.group(4), len(out)]
            out.append(w)
        elif w not in out:
            out.append(w)
    for (prefix, what), (n, examples, i) in counted.items():
        out[i] = f"{prefix}: {n} {what}{examples}"
    return out
