"""Read any tabular file into an all-text frame: CSV/TSV (any delimiter, encoding), XLSX,
JSON, NDJSON and Parquet.

Values stay text (or the XLSX/Parquet cell type) here; typing happens in ``loaders/mapping.py``
so that one bad cell rejects one row, not the file. Every frame carries ``__row__``: the row's
number as a spreadsheet would show it (the header is row 1, the first data row is row 2; for
headerless files the first data row is row 1).
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from loaders import parsing

ROW = "__row__"
TEXT_SUFFIXES = {"csv", "tsv", "txt", "tab", "dat"}
EXCEL_SUFFIXES = {"xlsx", "xlsm", "xls", "xlsb", "ods"}
HEAD_BYTES = 64 * 1024


@dataclass
class RawTable:
    frame: pl.DataFrame  # source columns (deduplicated names) + ROW
    headers: list[str]  # column names as deduplicated (in file order)
    file_name: str
    encoding: str = ""
    delimiter: str = ""
    sheet: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
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


def _text_bytes(path: Path) -> tuple[bytes | Path, str]:
    """What polars should read (the path itself when it is UTF-8) and the encoding."""
    _, encoding = read_head(path)
    if encoding.replace("-", "").lower() in ("utf8", "ascii"):
        return path, "utf-8"
    text, encoding = parsing.decode_bytes(path.read_bytes())
    return text.encode("utf-8"), encoding


def _split_header(head_text: str, delimiter: str) -> list[str]:
    import csv

    reader = csv.reader(io.StringIO(head_text), delimiter=delimiter)
    for row in reader:
        return row
    return []


def read_text_table(path: Path, has_header: bool = True, delimiter: str | None = None,
                    skip_rows: int = 0, header_rows: int = 1) -> RawTable:
    """Read a delimited text file with every value as text.

    ``header_rows=2`` joins two header rows (SurveyMonkey) as 'first / second'.
    """
    head, _ = read_head(path)
    head = head.lstrip("\ufeff")
    lines = head.splitlines()[skip_rows:]
    delimiter = delimiter or parsing.sniff_delimiter("\n".join(lines[:60]))
    source, encoding = _text_bytes(path)
    raw_header: list[str] = []
    if has_header:
        raw_header = _split_header("\n".join(lines[:header_rows * 5]), delimiter)
        if header_rows == 2:
            import csv
            rows = list(csv.reader(io.StringIO("\n".join(lines[:20])), delimiter=delimiter))
            second = rows[1] if len(rows) > 1 else []
            first_filled, merged = "", []
            for i, name in enumerate(raw_header):
                first_filled = name.strip() or first_filled
                sub = second[i].strip() if i < len(second) else ""
                merged.append(f"{first_filled} / {sub}" if sub and sub.lower() not in ("response", first_filled.lower()) else (first_filled or sub))
            raw_header = merged
    try:
        frame = pl.read_csv(
            source,
            separator=delimiter,
            has_header=False,
            skip_rows=skip_rows + (header_rows if has_header else 0),
            infer_schema=False,
            quote_char='"',
            empty_string_is_null=False,
            truncate_ragged_lines=True,
            raise_if_empty=False,
            encoding="utf8-lossy",
        )
    except pl.exceptions.NoDataError:
        frame = pl.DataFrame()
    width = max(frame.width, len(raw_header))
    names = parsing.dedupe_headers((raw_header + [""] * width)[:width]) if has_header else [f"column_{i + 1}" for i in range(width)]
    if frame.width < width:  # header wider than every data row (or no data rows)
        for i in range(frame.width, width):
            frame = frame.with_columns(pl.lit(None, pl.String).alias(f"__pad{i}"))
    frame.columns = names
    first_row = 2 + skip_rows + (header_rows - 1) if has_header else 1 + skip_rows
    frame = frame.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
    # Drop rows that are entirely empty (trailing blank lines, spreadsheet padding).
    data_cols = [c for c in frame.columns if c != ROW]
    if data_cols:
        frame = frame.filter(~pl.all_horizontal([(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")) for c in data_cols]))
    return RawTable(frame, names, path.name, encoding=encoding, delimiter=delimiter)


def excel_sheets(path: Path) -> list[str]:
    import fastexcel

    return list(fastexcel.read_excel(str(path)).sheet_names)


def read_excel_table(path: Path, sheet: str | int = 0, header_row: int = 0) -> RawTable:
    """One worksheet; cells keep their type (dates stay dates, numbers stay numbers)."""
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    sh = reader.load_sheet(sheet, header_row=header_row)
    frame = sh.to_polars()
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


def json_records(path: Path) -> tuple[list[dict], str]:
    """Records from JSON (an array, or an object holding one array) or NDJSON."""
    text, _ = parsing.decode_bytes(path.read_bytes())
    text = text.strip()
    if not text:
        return [], "json"
    if text.startswith("["):
        return json.loads(text), "json"
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()], "ndjson"
    if isinstance(data, dict):
        arrays = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if arrays:
            return max(arrays, key=len), "json"
        return [data], "json"
    return list(data), "json"


def read_json_table(path: Path) -> RawTable:
    records, kind = json_records(path)
    flat = [_flatten(r) if isinstance(r, dict) else {"value": r} for r in records]
    names: list[str] = []
    for row in flat:
        for k in row:
            if k not in names:
                names.append(k)
    columns = {n: [None if (v := row.get(n)) is None else str(v) for row in flat] for n in names}
    frame = pl.DataFrame(columns, schema={n: pl.String for n in names})
    frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    return RawTable(frame, names, path.name, encoding=kind)


def read_parquet_table(path: Path) -> RawTable:
    frame = pl.read_parquet(path)
    names = list(frame.columns)
    frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    return RawTable(frame, names, path.name, encoding="parquet")


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
