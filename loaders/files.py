"""Read any tabular file into an all-text frame: CSV/TSV (any delimiter, encoding), XLSX,
JSON, NDJSON and Parquet.

Values stay text (or the XLSX/Parquet cell type) here; typing happens in ``loaders/mapping.py``
so that one bad cell rejects one row, not the file. Every frame carries ``__row__``: the row's
number as a spreadsheet would show it (the header is row 1, the first data row is row 2; for
headerless files the first data row is row 1).
"""
from __future__ import annotations

import codecs
import contextlib
import contextvars
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import polars as pl

from loaders import parsing, textread

ROW = "__row__"
TEXT_SUFFIXES = {"csv", "tsv", "txt", "tab", "dat"}
EXCEL_SUFFIXES = {"xlsx", "xlsm", "xls", "xlsb", "ods"}
HEAD_BYTES = 64 * 1024
# fastexcel logs "Could not determine dtype for column N, falling back to string" for every empty
# column (a comment column nobody filled): Python's last-resort handler printed it on the CLI.
logging.getLogger("fastexcel").setLevel(logging.ERROR)


@dataclass
class RawTable:
    frame: pl.DataFrame  # source columns (deduplicated names) + ROW
    headers: list[str]  # column names as deduplicated (in file order)
    file_name: str
    encoding: str = ""
    delimiter: str = ""
    sheet: str | None = None
    warnings: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)  # rows the reader left out (Rejects.add's fields)

    @property
    def rows(self) -> int:
        """Rows read and kept (rows the reader rejected are not counted here)."""
        return self.frame.height


def read_head(path: Path) -> tuple[str, str]:
    """The decoded first bytes of a text file (gzipped or not) and the encoding they were read in."""
    with open(path, "rb") as fh:
        data = fh.read(HEAD_BYTES)
    if data[:2] == b"\x1f\x8b":  # a gzipped export (`x.csv.gz`): its text is what detection reads
        import gzip

        with gzip.open(path, "rb") as fh:
            data = fh.read(HEAD_BYTES)
    # A multi-byte character may be cut at the end of the sample: drop the partial line.
    if len(data) == HEAD_BYTES and b"\n" in data:
        data = data[: data.rfind(b"\n") + 1]
    return parsing.decode_bytes(data)


def _split_header(head_text: str, delimiter: str) -> list[str]:
    import csv

    reader = csv.reader(io.StringIO(head_text), delimiter=delimiter)
    for row in reader:
        return row
    return []


# ----------------------------------------------------------------------------- read issues
# Rows a reader leaves out (ragged, undecodable, NUL bytes, unreadable JSON lines) are rejects
# of the load like any other. Adapters build their Batch from the RawTable's good rows; the store
# collects these here and adds them to the batch, so no adapter has to know (loaders/store.py).
_ISSUES: contextvars.ContextVar[dict | None] = contextvars.ContextVar("deskscope_read_issues", default=None)


@contextlib.contextmanager
def collecting_read_issues() -> Iterator[dict]:
    """Collect, per file read, the rows the reader rejected and its warnings."""
    issues: dict = {}
    token = _ISSUES.set(issues)
    try:
        yield issues
    finally:
        _ISSUES.reset(token)


def _note_issues(path: Path, part: str, rejected: list[dict], warnings: list[str]) -> None:
    issues = _ISSUES.get()
    if issues is not None:
        issues[(str(Path(path).absolute()), part)] = (rejected, warnings)  # a re-read replaces, never doubles


def read_text_table(path: Path, has_header: bool = True, delimiter: str | None = None,
                    skip_rows: int = 0, header_rows: int = 1) -> RawTable:
    """Read a delimited text file with every value as text.

    ``header_rows=2`` joins two header rows (SurveyMonkey) as 'first / second'. Records whose
    field count differs from the header's, lines in no known encoding, NUL bytes and values
    over the size limit are left out as rejected rows (``loaders/textread.py``).
    """
    head, _ = read_head(path)
    head = head.lstrip("\ufeff")
    lines = head.splitlines()[skip_rows:]
    delimiter = delimiter or parsing.sniff_delimiter("\n".join(lines[:60]))
    scan = textread.read_pass(path, delimiter, has_header=has_header, skip_rows=skip_rows, header_rows=header_rows)
    try:
        frame = _read_pass_frame(path, scan, has_header, skip_rows, header_rows, delimiter)
        if frame is None:  # polars and the pass disagree on the records: read the pass's own copy
            scan.cleanup()
            scan = textread.read_pass(path, delimiter, has_header=has_header, skip_rows=skip_rows,
                                      header_rows=header_rows, force_copy=True)
            frame = _read_pass_frame(path, scan, has_header, skip_rows, header_rows, delimiter)
    finally:
        scan.cleanup()
    raw_header: list[str] = []
    if has_header:
        raw_header = list(scan.header)
        if header_rows == 2:
            second = scan.header_records[1] if len(scan.header_records) > 1 else []
            first_filled, merged = "", []
            for i, name in enumerate(raw_header):
                first_filled = name.strip() or first_filled
                sub = second[i].strip() if i < len(second) else ""
                merged.append(f"{first_filled} / {sub}" if sub and sub.lower() not in ("response", first_filled.lower()) else (first_filled or sub))
            raw_header = merged
    data = [c for c in frame.columns if c != ROW]
    width = max(len(data), len(raw_header), scan.width)
    names = parsing.dedupe_headers((raw_header + [""] * width)[:width]) if has_header else [f"column_{i + 1}" for i in range(width)]
    for i in range(len(data), width):  # header wider than every data row (or no data rows)
        frame = frame.with_columns(pl.lit(None, pl.String).alias(f"__pad{i}"))
        data.append(f"__pad{i}")
    frame = frame.select([pl.col(c).alias(n) for c, n in zip(data, names)] + [pl.col(ROW)])
    # Drop rows that are entirely empty (trailing blank lines, spreadsheet padding).
    if names:
        frame = frame.filter(~pl.all_horizontal([(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")) for c in names]))
    _note_issues(path, f"text:{skip_rows}:{header_rows}", scan.rejected, scan.warnings)
    return RawTable(frame, names, path.name, encoding=scan.encoding, delimiter=delimiter, warnings=list(scan.warnings),
                    rejected=list(scan.rejected))


def _read_pass_frame(path: Path, scan, has_header: bool, skip_rows: int, header_rows: int,
                     delimiter: str) -> pl.DataFrame | None:
    """The data records as text columns + ROW; None when polars reads the original file into a
    different number of records than the pass counted (the caller then reads the pass's copy)."""
    if scan.clean_copy:
        frame = pl.read_csv(scan.source, has_header=True, infer_schema=False, quote_char='"',
                            empty_string_is_null=False, raise_if_empty=False, glob=False)
        if frame.width == 0:
            return pl.DataFrame({ROW: pl.Series([], dtype=pl.Int64)})
        return frame.with_columns(pl.col("__row__").cast(pl.Int64).alias(ROW)).select(
            [c for c in frame.columns if c != "__row__"] + [ROW])
    try:
        frame = pl.read_csv(
            path,
            separator=delimiter,
            has_header=False,
            skip_rows=skip_rows + (header_rows if has_header else 0),
            infer_schema=False,
            quote_char='"',
            empty_string_is_null=False,
            raise_if_empty=False,
            encoding="utf8-lossy",
            glob=False,
        )
    except pl.exceptions.NoDataError:
        frame = pl.DataFrame()
    except pl.exceptions.PolarsError:
        return None
    # polars may leave out a last blank line the pass counted as an (empty) record.
    if not (0 <= scan.records - frame.height <= 1) or frame.width not in (scan.width, 0):
        return None
    first_row = 2 + skip_rows + (header_rows - 1) if has_header else 1 + skip_rows
    return frame.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))


def excel_sheets(path: Path) -> list[str]:
    import fastexcel

    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:
        raise _workbook_error(path, exc) from exc


def _workbook_error(path: Path, exc: Exception):
    from loaders.base import LoadError

    return LoadError(path.name, [f"the workbook cannot be opened ({type(exc).__name__}: {str(exc)[:200]})"],
                     fix="open it in Excel or LibreOffice and save it again as .xlsx, or export the sheet as CSV")


def read_excel_table(path: Path, sheet: str | int = 0, header_row: int = 0) -> RawTable:
    """One worksheet; cells keep their type (dates stay dates, numbers stay numbers)."""
    import fastexcel

    from loaders.base import LoadError

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:
        raise _workbook_error(path, exc) from exc
    names_in_book = list(reader.sheet_names)
    if isinstance(sheet, str) and sheet not in names_in_book:
        close = [n for n in names_in_book if n.strip().lower() == sheet.strip().lower()]
        raise LoadError(path.name, [f"there is no sheet {sheet!r} in the workbook"
                                    + (f" (did you mean {close[0]!r}?)" if close else "")],
                        fix=f"pass --sheet with one of: {', '.join(repr(n) for n in names_in_book) or '(no sheets)'}")
    if not names_in_book:
        raise LoadError(path.name, ["the workbook has no sheets"], fix="export the data again")
    try:
        sh = reader.load_sheet(sheet, header_row=header_row)
        frame = sh.to_polars()
    except Exception as exc:
        raise LoadError(path.name, [f"sheet {sheet if isinstance(sheet, str) else names_in_book[sheet]!r} cannot be read "
                                    f"({type(exc).__name__}: {str(exc)[:200]})"],
                        fix="check that the sheet holds one table with a header row, or export it as CSV") from exc
    names = parsing.dedupe_headers([str(c) for c in frame.columns])
    frame.columns = names
    # Mixed-type columns arrive as String or Object-ish; cast whatever is not a date/number to text.
    casts = []
    for name, dtype in frame.schema.items():
        if dtype in (pl.String, pl.Float64, pl.Int64, pl.Datetime, pl.Date, pl.Boolean, pl.Duration) or isinstance(dtype, pl.Datetime):
            continue
        casts.append(pl.col(name).cast(pl.String))
    if casts:
        frame = frame.with_columns(casts)
    frame = frame.with_row_index(ROW, offset=header_row + 2).with_columns(pl.col(ROW).cast(pl.Int64))
    data_cols = [c for c in frame.columns if c != ROW]
    if data_cols:
        frame = frame.filter(~pl.all_horizontal([pl.col(c).is_null() for c in data_cols]))
    return RawTable(frame, names, path.name, sheet=str(sh.name))


def _flatten(record: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = " ".join(str(v) for v in value) if all(not isinstance(v, (dict, list)) for v in value) else json.dumps(value, ensure_ascii=False)
        else:
            out[name] = value
    return out


def _json_problem(path: Path, exc: json.JSONDecodeError, what: str = "JSON"):
    from loaders.base import LoadError

    return LoadError(path.name, [f"not valid {what}: {exc.msg} at line {exc.lineno}, column {exc.colno}"],
                     fix="export the file again, or repair it at that position (a JSON validator shows the spot)")


def json_records_with_issues(path: Path) -> tuple[list, str, list[dict]]:
    """Records from JSON (an array, or an object holding one array of records) or NDJSON, and
    the NDJSON lines that are not JSON (rejected with their line numbers)."""
    from loaders.base import LoadError

    text, _ = parsing.decode_bytes(path.read_bytes())
    text = text.lstrip("\ufeff").strip()
    if not text:
        return [], "json", []
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _json_problem(path, exc) from exc
        return data, "json", []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as whole_error:
        # NDJSON: one record per line; a line that is not JSON is rejected, the others load.
        records: list = []
        bad: list[dict] = []
        first_ok = None
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                records.append((number, json.loads(line)))
                first_ok = first_ok or number
            except json.JSONDecodeError as exc:
                bad.append({"row_number": number, "column_name": None, "value": None,
                            "reason": f"line {number} is not valid JSON ({exc.msg} at column {exc.colno}); the line was "
                                      f"left out: repair it in the file and load again",
                            "raw": json.dumps({"line": line[:2000]}, ensure_ascii=False)})
        if not records or len(bad) > len(records):
            raise _json_problem(path, whole_error, "JSON or NDJSON") from whole_error
        return records, "ndjson", bad
    if isinstance(data, dict):
        arrays = {k: v for k, v in data.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
        if arrays:
            return max(arrays.values(), key=len), "json", []
        keys = ", ".join(repr(k) for k in list(data)[:8])
        raise LoadError(path.name, [f"the file is one JSON object (keys {keys}), not a list of records"],
                        fix='export the records as a JSON array ([{...}, {...}]), as one object per line (NDJSON), '
                            'or as an object holding such an array ({"tickets": [{...}, ...]})')
    if not isinstance(data, list):
        raise LoadError(path.name, [f"the file holds a single JSON {type(data).__name__}, not a list of records"],
                        fix="export the records as a JSON array or as NDJSON (one object per line)")
    return data, "json", []


def json_records(path: Path) -> tuple[list[dict], str]:
    """Records from JSON or NDJSON (lines that are not JSON left out)."""
    records, kind, _ = json_records_with_issues(path)
    return [r[1] if kind == "ndjson" else r for r in records], kind


def read_json_table(path: Path) -> RawTable:
    records, kind, bad = json_records_with_issues(path)
    if kind == "ndjson":
        numbers = [n for n, _ in records]
        records = [r for _, r in records]
    else:
        numbers = list(range(1, len(records) + 1))
    flat = [_flatten(r) if isinstance(r, dict) else {"value": r} for r in records]
    names: list[str] = []
    seen: set[str] = set()
    for row in flat:
        for k in row:
            if k not in seen:
                seen.add(k)
                names.append(k)
    limit = textread.max_value_chars()
    keep = []
    for number, row in zip(numbers, flat):
        long = next((k for k, v in row.items() if v is not None and len(str(v)) > limit), None)
        if long is not None:
            bad.append({"row_number": number, "column_name": long, "value": None,
                        "reason": f"record {number}: the value of {long!r} is longer than {limit:,} characters, the most "
                                  f"Deskscope reads in one cell (setting loading.max_value_chars); the record was left out",
                        "raw": None})
            continue
        keep.append((number, row))
    columns = {n: [None if (v := row.get(n)) is None else str(v) for _, row in keep] for n in names}
    frame = pl.DataFrame(columns, schema={n: pl.String for n in names})
    frame = frame.with_columns(pl.Series(ROW, [n for n, _ in keep], dtype=pl.Int64))
    bad.sort(key=lambda r: r["row_number"])
    _note_issues(path, "json", bad, [])
    return RawTable(frame, names, path.name, encoding=kind, rejected=bad)


def read_parquet_table(path: Path) -> RawTable:
    try:
        frame = pl.read_parquet(path, glob=False)
    except Exception as exc:
        from loaders.base import LoadError

        raise LoadError(path.name, [f"the Parquet file cannot be read ({type(exc).__name__}: {str(exc)[:200]})"],
                        fix="write the file again; it may be incomplete") from exc
    names = list(frame.columns)
    frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    return RawTable(frame, names, path.name, encoding="parquet")


# ----------------------------------------------------------------------------- preflight
# Signatures of files that are not text tables, whatever their name says.
_MAGIC = [
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 compound file (an old .xls workbook or an encrypted .xlsx)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"PAR1", "a Parquet file"),
    (b"SQLite format 3", "an SQLite database"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "a program (ELF)"),
]


def preflight(path: Path) -> None:
    """Refuse, with the reason and the fix, a file that no reader can make sense of: empty,
    binary under a text name, password-protected or damaged workbooks."""
    from loaders.base import LoadError

    path = Path(path)
    if path.is_dir():
        return
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise LoadError(path.name, [f"cannot be read: {exc.strerror or exc}"], fix="check the path and its permissions") from exc
    if not path.is_file():
        raise LoadError(path.name, ["is not a regular file (a device, pipe or socket)"], fix="pass a file")
    if size == 0:
        raise LoadError(path.name, ["the file is empty (0 bytes)"], fix="export the data again; nothing was loaded")
    suffix = path.suffix.lower().lstrip(".")
    kind = next((what for magic, what in _MAGIC if head.startswith(magic)), None)
    if suffix in EXCEL_SUFFIXES:
        if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") and "EncryptedPackage".encode("utf-16-le") in _ole_names(path):
            raise LoadError(path.name, ["the workbook is password-protected (encrypted); it cannot be read without the password"],
                            fix="open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with "
                                "Password, clear it), save, and load again")
        if head.startswith(b"PK\x03\x04") and suffix in ("xlsx", "xlsm", "ods"):
            import zipfile

            try:
                with zipfile.ZipFile(path) as zf:
                    broken = zf.testzip()
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise LoadError(path.name, [f"the workbook is damaged or incomplete ({exc})"],
                                fix="download or export it again (a copy cut short cannot be read)") from exc
            if broken:
                raise LoadError(path.name, [f"the workbook is damaged: part {broken!r} fails its checksum"],
                                fix="download or export it again")
        elif suffix in ("xlsx", "xlsm") and kind is None:
            raise LoadError(path.name, ["is not a workbook (an .xlsx file is a ZIP archive; this one is not)"],
                            fix="check the file; if it is text, rename it .csv")
        return
    if suffix in ("parquet", "pq"):
        if not head.startswith(b"PAR1"):
            raise LoadError(path.name, ["is not a Parquet file (it does not start with PAR1)"], fix="check the file")
        try:
            pl.read_parquet_schema(path)
        except Exception as exc:
            raise LoadError(path.name, [f"the Parquet file cannot be read ({type(exc).__name__}: {str(exc)[:200]})"],
                            fix="write the file again; it may be incomplete") from exc
        return
    stripped = head.lstrip(b"\xef\xbb\xbf \r\n\t")
    if (suffix in ("json", "ndjson", "jsonl") or stripped.startswith((b"{", b"["))) and size < 200_000_000:
        json_records_with_issues(path)  # a file that is not JSON, or not a list of records, says so here
        return
    if suffix == "gz" and head.startswith(b"\x1f\x8b") and len(path.suffixes) >= 2 \
            and path.suffixes[-2].lower().lstrip(".") in TEXT_SUFFIXES:
        return  # a gzipped text export (x.csv.gz): DuckDB streams it (loaders/stream.py)
    if kind is not None and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        hint = " (rename it to .xlsx)" if kind.startswith("a ZIP") else ""
        raise LoadError(path.name, [f"is {kind}, not a text table, although its name ends in .{suffix or '(none)'}"],
                        fix=f"load the original export{hint}, or export the data as CSV")
    if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        control = sum(1 for b in head if b < 9 or 13 < b < 32)
        if head and control / len(head) > 0.10:
            raise LoadError(path.name, [f"is binary data, not text ({control / len(head):.0%} of its first "
                                        f"{len(head):,} bytes are control characters)"],
                            fix="export the data as CSV, XLSX or JSON and load that")


def _ole_names(path: Path) -> bytes:
    """The first 64 KiB of an OLE2 file: directory entry names live there in small files."""
    with open(path, "rb") as fh:
        return fh.read(1 << 16)


def read_table(path: Path, sheet: str | None = None, has_header: bool = True) -> RawTable:
    """Any supported tabular file, chosen by extension (then by content for .txt/.dat)."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix in EXCEL_SUFFIXES:
        return read_excel_table(path, sheet if sheet is not None else 0)
    if suffix in ("json", "ndjson", "jsonl"):
        return read_json_table(path)
    if suffix in ("parquet", "pq"):
        return read_parquet_table(path)
    head, _ = read_head(path)
    if head.lstrip("\ufeff \r\n\t").startswith(("{", "[")):
        return read_json_table(path)
    return read_text_table(path, has_header=has_header, delimiter="\t" if suffix == "tsv" else None)


def sample(path: Path) -> "Sample":
    """What detection looks at: name, head text, header row, sheets, folder contents."""
    from loaders.base import Sample

    path = Path(path)
    if path.is_dir():
        children = sorted(p.name.lower() for p in path.iterdir())
        return Sample(path, path.name.lower(), "", True, "", [], {}, children)
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "gz" and len(path.suffixes) > 1:  # x.csv.gz: a compressed csv
        suffix = path.suffixes[-2].lower().lstrip(".")
    text, headers, sheets = "", [], {}
    if suffix in EXCEL_SUFFIXES:
        try:
            import fastexcel

            reader = fastexcel.read_excel(str(path))
            for name in reader.sheet_names:
                sh = reader.load_sheet(name, n_rows=5)
                sheets[name] = [str(c) for c in sh.to_polars().columns]
            headers = next(iter(sheets.values()), [])
        except Exception:  # unreadable workbook: detection simply finds nothing
            pass
    elif suffix in ("parquet", "pq"):
        try:
            headers = list(pl.read_parquet_schema(path).keys())
        except Exception:
            pass
    else:
        try:
            text, _ = read_head(path)
            text = text.lstrip("\ufeff")
        except OSError:
            text = ""
        stripped = text.lstrip()
        if stripped.startswith(("{", "[")):
            try:
                records, _ = json_records(path) if path.stat().st_size < 50_000_000 else ([], "")
                keys: list[str] = []
                for r in records[:50]:
                    if isinstance(r, dict):
                        for k in _flatten(r):
                            if k not in keys:
                                keys.append(k)
                headers = keys
            except Exception:
                headers = []
        elif text:
            delimiter = "\t" if suffix == "tsv" else parsing.sniff_delimiter("\n".join(text.splitlines()[:60]))
            headers = [h.strip().lstrip("\ufeff") for h in _split_header(text, delimiter)]
    return Sample(path, path.name.lower(), suffix, False, text, headers, sheets, [])
