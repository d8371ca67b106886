"""One streaming pass over a delimited text file that decides, record by record, what the
table reader may trust.

The rules (docs/plausibility.md) hold whatever parses the rows afterwards:

* **Encoding per line.** A file that is UTF-8 throughout is read as UTF-8. Otherwise every line
  is decoded on its own: as UTF-8 when it is valid UTF-8, else in the code page that fits the
  file's other non-UTF-8 lines (cp1251, cp1252 or KOI8-R, ``parsing._guess_code_page``). A line
  that fits none is rejected with its number, never turned into mojibake.
* **Shape per record.** Every record must have as many fields as the header. A record with
  fewer (or more) fields is rejected with its line number; one record never changes how the
  others are read. Extra fields that are all empty (``a,b,c,,``) are dropped and reported.
* **Bytes that are not text.** A record holding NUL bytes is rejected; a byte-order mark in
  the middle of the file (files joined with ``cat``) is removed and reported, and a repeat of
  the header line is rejected as such.
* **Value size.** A value longer than ``loading.max_value_chars`` rejects its record.

Memory: the pass reads line by line (one record at a time); it keeps only the problems it found
and, when the file needs repairs, writes the accepted records to a clean UTF-8 copy that the
table reader then reads instead of the original.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from loaders import parsing

CHUNK = 1 << 20
RAW_KEEP = 2000  # characters of a rejected record kept in rejects.raw
DEFAULT_MAX_VALUE_CHARS = 10_000_000
_BOM = codecs.BOM_UTF8
# Widest file DuckDB checks: its strict reader keeps vectors per column and one query spells every
# column, so a 10,000-column file made DuckDB map ~600 MB (a load under a 2 GiB address-space limit
# then failed in Polars); the Python record pass reads wide, short files just as well.
DUCKDB_CHECK_MAX_COLUMNS = 1000
DUCKDB_CHECK_MAX_LINE = 2_097_152  # its max_line_size: a longer line fails the check after it mapped buffers for it


def max_value_chars() -> int:
    try:
        import config

        return int(config.get().get("loading", {}).get("max_value_chars", DEFAULT_MAX_VALUE_CHARS))
    except Exception:
        return DEFAULT_MAX_VALUE_CHARS


@dataclass
class ByteScan:
    """What a quick binary scan of the whole file found."""

    utf8: bool = True  # every byte sequence is valid UTF-8
    utf16: bool = False
    bom: bool = False  # UTF-8 BOM at the start
    nul: bool = False  # NUL bytes somewhere
    inner_bom: bool = False  # a UTF-8 BOM after the start
    code_page: str = ""  # for the lines that are not UTF-8
    foreign_sample: bytes = b""
    quotes: int = 0  # '"' characters: an odd count means a quote is left open somewhere
    longest_line: int = 0  # bytes, exact only for lines longer than a scan chunk (shorter ones may count less)
    blank_line: bool = False  # an empty line before the end (a blank spreadsheet row, or inside a quoted value)

    @property
    def clean(self) -> bool:
        return self.utf8 and not self.nul and not self.inner_bom and not self.utf16


def scan_bytes(path: Path, check_utf8: bool = True) -> ByteScan:
    """Chunked: C-speed checks on clean chunks; only a chunk that fails UTF-8 is split into lines.
    ``check_utf8=False`` counts only (NUL, inner BOM, quotes): for a caller whose reader rejects
    invalid UTF-8 itself."""
    out = ByteScan()
    sample = bytearray()
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            out.utf16 = True
            out.utf8 = False
            return out
        out.bom = head.startswith(_BOM)
        fh.seek(len(_BOM) if out.bom else 0)
        if not check_utf8:  # counts only: big chunks, no line alignment (a BOM split across two is caught)
            tail, run = b"", 0
            for chunk in iter(lambda: fh.read(8 * CHUNK), b""):
                out.quotes += chunk.count(b'"')
                out.nul = out.nul or b"\x00" in chunk
                out.inner_bom = out.inner_bom or _BOM in tail + chunk[:2] or _BOM in chunk
                tail = chunk[-2:]
                # Lines longer than a chunk (the only ones that can pass the value limit unseen).
                first = chunk.find(b"\n")
                if first < 0:
                    run += len(chunk)
                else:
                    out.longest_line = max(out.longest_line, run + first)
                    run = len(chunk) - chunk.rfind(b"\n") - 1
            out.longest_line = max(out.longest_line, run)
            return out
        carry, seen, pending, run = b"", False, False, 0
        while True:
            chunk = fh.read(CHUNK)
            data = carry + chunk
            if not chunk:
                carry, whole = b"", data
                out.longest_line = max(out.longest_line, run + len(data))
            else:
                cut = data.rfind(b"\n") + 1
                if cut == 0 and len(data) < 64 * CHUNK:  # a long line: wait for its end (bounded)
                    carry = data
                    continue
                whole, carry = (data[:cut], data[cut:]) if cut else (data, b"")
                # a line longer than a chunk starts in the carry: its length is where data's first line ends
                if cut:
                    out.longest_line, run = max(out.longest_line, run + data.find(b"\n")), 0
                else:  # 64 chunks without a line end: passed on unaligned, the line goes on
                    run += len(data)
            if whole:
                # blank lines at the very end are harmless; one followed by more data is not
                inner = whole.rstrip(b"\r\n")
                if inner:
                    out.blank_line = (out.blank_line or pending or b"\n\n" in inner or b"\n\r\n" in inner
                                      or (seen and inner[:1] in (b"\n", b"\r")))
                    seen = True
                    ending = whole[len(inner):]
                    pending = ending.count(b"\n") > 1
                else:
                    pending = pending or seen
                out.quotes += whole.count(b'"')
                out.nul = out.nul or b"\x00" in whole
                out.inner_bom = out.inner_bom or _BOM in whole
                try:
                    whole.decode("utf-8")
                except UnicodeDecodeError:
                    out.utf8 = False
                    if len(sample) < 200_000:
                        for line in whole.split(b"\n"):
                            try:
                                line.decode("utf-8")
                            except UnicodeDecodeError:
                                sample += line + b"\n"
            if not chunk:
                break
    if not out.utf8:
        out.foreign_sample = bytes(sample)
        out.code_page = parsing._guess_code_page(out.foreign_sample)
    return out


class _Lines:
    """Decoded lines of a file that is not clean UTF-8, noting each line's problem."""

    def __init__(self, path: Path, scan: ByteScan):
        self.path, self.scan = path, scan
        self.problems: dict[int, str] = {}  # physical line -> why its record is rejected
        self.bom_lines: list[int] = []
        self.code_page_lines = 0
        self.utf8_lines = 0  # non-ASCII lines read as UTF-8

    def __iter__(self) -> Iterator[str]:
        if self.scan.utf16:
            with open(self.path, encoding="utf-16", errors="replace", newline="") as fh:
                yield from fh
            return
        enc = self.scan.code_page or "cp1252"
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if number == 1 and raw.startswith(_BOM):
                    raw = raw[len(_BOM):]
                if _BOM in raw:
                    raw = raw.replace(_BOM, b"")
                    self.bom_lines.append(number)
                if b"\x00" in raw:
                    raw = raw.replace(b"\x00", b"")
                    self.problems[number] = "contains NUL bytes (binary data, not text)"
                try:
                    text = raw.decode("utf-8")
                    if not raw.isascii():
                        self.utf8_lines += 1
                except UnicodeDecodeError:
                    try:
                        text = raw.decode(enc)
                        self.code_page_lines += 1
                    except UnicodeDecodeError as exc:
                        text = raw.decode(enc, errors="replace")
                        self.problems.setdefault(
                            number, f"is neither UTF-8 nor {enc} (byte {raw[exc.start:exc.start + 1]!r} at position "
                                    f"{exc.start + 1})")
                yield text


@dataclass
class TextPass:
    """What the pass decided about a text file."""

    header: list[str]  # the header record as read (before dedupe), [] for headerless files
    header_records: list[list[str]]  # the first ``header_rows`` records
    width: int  # fields every data record has in the table reader's input
    records: int  # data records (blank ones included, as spreadsheet rows)
    encoding: str
    source: Path  # what the table reader should read: the original or a clean copy
    clean_copy: bool  # True: ``source`` is a UTF-8 copy with a leading __row__ column
    rejected: list[dict] = field(default_factory=list)  # row_number, column_name, value, reason, raw
    warnings: list[str] = field(default_factory=list)
    repaired: int = 0  # rows repaired or padded: the original cannot be read as is

    def cleanup(self) -> None:
        if self.clean_copy:
            with contextlib.suppress(OSError):
                os.unlink(self.source)
            self.clean_copy = False


def _lines_word(lines: list[int], total: int) -> str:
    shown = ", ".join(str(n) for n in lines[:10])
    return shown + (f" and {total - 10:,} more" if total > 10 else "")


def _where(row: int, line: int) -> str:
    return f"row {row}" if row == line else f"row {row} (line {line})"


def _typical_width(path: Path, scan: ByteScan, delimiter: str, skip_rows: int) -> int:
    """The most common field count of the first 1,000 records after ``skip_rows``: a headerless
    file's width, and the width of a file whose header names more columns than its rows fill."""
    widths: dict[int, int] = {}
    source = open(path, encoding="utf-8-sig", newline="") if scan.clean else None
    try:
        it = source if source is not None else iter(_Lines(path, scan))
        for i, rec in enumerate(csv.reader(it, delimiter=delimiter)):
            if i >= 1000 + skip_rows:
                break
            if i >= skip_rows and rec:
                widths[len(rec)] = widths.get(len(rec), 0) + 1
    except csv.Error:
        pass
    finally:
        if source is not None:
            source.close()
    return max(widths, key=lambda w: (widths[w], w)) if widths else 0


def read_pass(path: Path, delimiter: str, has_header: bool = True, skip_rows: int = 0,
              header_rows: int = 1, file_name: str | None = None, force_copy: bool = False) -> TextPass:
    """Read every record once; return the header, the expected width, the rejected records and
    the file the table reader should read (a clean copy when anything had to be left out)."""
    file_name = file_name or path.name
    scan = scan_bytes(path)
    limit = max_value_chars()
    if scan.clean and has_header and header_rows == 1 and not skip_rows and not force_copy and len(delimiter) == 1 \
            and scan.longest_line < DUCKDB_CHECK_MAX_LINE:
        fast = _checked_by_duckdb(path, scan, delimiter, limit)
        if fast is not None:
            return fast
    csv.field_size_limit(max(limit, 1024))
    typical = _typical_width(path, scan, delimiter, skip_rows + (header_rows if has_header else 0))
    width = None if has_header else typical
    lines = None if scan.clean else _Lines(path, scan)
    encoding = ("utf-8-sig" if scan.bom else "utf-8") if scan.clean else ""

    def run(write: bool) -> TextPass:
        if lines is None:
            with open(path, encoding=encoding, newline="") as fh:
                return _records(fh, None, delimiter, has_header, skip_rows, header_rows, limit, file_name, path,
                                write, width, typical)
        return _records(iter(lines), lines, delimiter, has_header, skip_rows, header_rows, limit, file_name, path,
                        write, width, typical)

    # A clean UTF-8 file is only counted; any other is decoded line by line into a UTF-8 copy.
    result = run(write=lines is not None)
    if lines is not None:
        if scan.utf16:
            encoding = "utf-16"
        elif lines.utf8_lines and lines.code_page_lines:
            encoding = f"utf-8 + {scan.code_page}"
            result.warnings.append(
                f"{file_name}: the file mixes encodings: {lines.utf8_lines:,} line(s) are UTF-8 and "
                f"{lines.code_page_lines:,} are {scan.code_page}; each line was read in the encoding it is written in")
        elif lines.code_page_lines:
            encoding = scan.code_page
        else:
            encoding = "utf-8"
        if lines.bom_lines:
            result.warnings.append(
                f"{file_name}: byte-order marks inside the file on line(s) "
                f"{_lines_word(lines.bom_lines, len(lines.bom_lines))} were removed (several files joined into one?)")
    elif result.rejected or result.repaired or force_copy:
        # Something must be left out or repaired: write the accepted records to a clean copy.
        again = run(write=True)
        result.source, result.clean_copy = again.source, True
    result.encoding = encoding
    return result


def _checked_by_duckdb(path: Path, scan: ByteScan, delimiter: str, limit: int) -> TextPass | None:
    """The record pass's verdict on a clean UTF-8 file, reached by DuckDB's strict CSV reader
    (vectorised, in parallel) instead of a Python loop: every record has exactly the header's
    fields, no quote is left open, no record repeats the header, no value passes ``limit``.
    None when any of that fails (or DuckDB cannot tell): the record pass then reads the file and
    names each bad record. A clean file needs no copy, so the verdict is its header and its count
    of records (the table reader checks that count against its own)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh, delimiter=delimiter, quotechar='"', strict=True), None)
    except (csv.Error, UnicodeDecodeError, OSError):
        return None
    if not header or not header[-1].strip():  # `a,b,c,`: rows may stop early; the pass decides
        return None
    if scan.blank_line:  # blank lines are spreadsheet rows to the pass: it numbers the rows
        return None
    if len(header) > DUCKDB_CHECK_MAX_COLUMNS:
        return None
    import duckdb

    names = [f"c{i}" for i in range(len(header))]
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    # A line longer than DuckDB's max_line_size fails the read (the pass then reads the file): a
    # value over ``limit`` needs a look at each value only when the limit is below that size.
    line_limit = DUCKDB_CHECK_MAX_LINE
    longest = ("greatest(" + ", ".join(f"length({n})" for n in names) + ")") if len(names) > 1 else f"length({names[0]})"
    longest = f"coalesce(max({longest}), 0)" if limit < line_limit else "0"
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar = false")
        with contextlib.suppress(Exception):
            import config

            threads = config.get().get("store", {}).get("threads")
            if threads:
                con.execute(f"SET threads = {int(threads)}")
        # records whose first value is the header's first name: each is checked whole below
        row = con.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE trim(c0) = ?), {longest}
                FROM read_csv(?, header = true, delim = ?, quote = '"', escape = '"', all_varchar = true,
                              strict_mode = true, null_padding = false, auto_detect = false, nullstr = '{chr(1)}',
                              max_line_size = {line_limit}, columns = {columns})""",
            [header[0].strip(), str(path), delimiter]).fetchone()
        records, first_like_header, longest_value = row
        if first_like_header:
            same = " AND ".join(f"trim({n}) = ?" for n in names)
            repeats = con.execute(
                f"""SELECT count(*) FROM read_csv(?, header = true, delim = ?, quote = '"', escape = '"', all_varchar = true,
                              strict_mode = true, null_padding = false, auto_detect = false, nullstr = '{chr(1)}',
                              max_line_size = {line_limit}, columns = {columns}) WHERE {same}""",
                [str(path), delimiter] + [h.strip() for h in header]).fetchone()[0]
            if repeats:
                return None
    except Exception:  # a ragged record, an open quote, anything DuckDB refuses: the record pass names it
        return None
    finally:
        con.close()
    if longest_value > limit:
        return None
    return TextPass(list(header), [list(header)], len(header), int(records), "utf-8-sig" if scan.bom else "utf-8",
                    path, False)


def _records(source: Iterator[str], lines: _Lines | None, delimiter: str, has_header: bool, skip_rows: int,
             header_rows: int, limit: int, file_name: str, path: Path, write: bool, width: int | None,
             typical: int) -> TextPass:
    # strict: a quote left open must not swallow the rest of the file as one value.
    reader = csv.reader(source, delimiter=delimiter, quotechar='"', strict=True)
    out_fh = writer = None
    tmp_path = path
    rejected: list[dict] = []
    warnings: list[str] = []
    header_records: list[list[str]] = []
    repaired_lines: list[int] = []
    repaired = padded = 0
    records = skipped = last_line = 0
    header: list[str] = []
    header_line: list[str] | None = None
    first_row = 1 + skip_rows + (header_rows if has_header else 0)  # spreadsheet row of the first data record
    expected = width or 0  # fields a data record must have
    shortest = expected  # fewer is fine only when the header ends in blank names (`a,b,c,`)

    def start_copy() -> None:
        nonlocal out_fh, writer, tmp_path
        fd, tmp = tempfile.mkstemp(prefix="deskscope-read-", suffix=".csv")
        tmp_path = Path(tmp)
        out_fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        writer = csv.writer(out_fh, lineterminator="\n")
        writer.writerow(["__row__"] + [f"c{i}" for i in range(max(expected, 1))])

    def reject(row: int, reason: str, fields: list[str] | None) -> None:
        raw = None
        if fields is not None:
            joined = delimiter.join(fields)
            raw = joined[:RAW_KEEP] + (f"… ({len(joined):,} characters)" if len(joined) > RAW_KEEP else "")
        rejected.append({"row_number": row, "column_name": None, "value": None, "reason": reason,
                         "raw": None if raw is None else json.dumps({"line": raw}, ensure_ascii=False)})

    if write and not has_header:
        start_copy()
    try:
        while True:
            try:
                rec, error = next(reader), None
            except StopIteration:
                break
            except csv.Error as exc:
                rec, error = None, str(exc)
            start, last_line = last_line + 1, reader.line_num
            if skipped < skip_rows:
                skipped += 1
                continue
            if has_header and len(header_records) < header_rows:
                if rec is None:
                    continue
                header_records.append(rec)
                if len(header_records) == 1:
                    header = list(rec)
                    if header and header[0].startswith("\ufeff"):
                        header[0] = header[0].lstrip("\ufeff")
                    header_line = [h.strip() for h in header]
                    expected = len(header)
                    shortest = expected
                    while shortest > 1 and not header[shortest - 1].strip():
                        shortest -= 1  # `a,b,c,`: rows may stop before the blank names
                    if write:
                        start_copy()
                continue
            row = first_row + records
            records += 1
            if error is not None:
                if "field larger than field limit" in error:
                    reason = (f"{_where(row, start)}: a value is longer than {limit:,} characters, the most Deskscope "
                              f"reads in one cell (setting loading.max_value_chars); the row was left out: shorten the "
                              f"value, or raise the setting")
                elif "unexpected end of data" in error:
                    reason = (f"{_where(row, start)}: a quote opened on line {start} is never closed, so lines {start} to "
                              f"{last_line} (the end of the file) would be one value; the row and the lines after it "
                              f"were left out: close the quote (or double it, \"\", inside a value) and load again")
                else:
                    reason = (f"{_where(row, start)} cannot be read ({error}); the row was left out: check the quotes on "
                              f"line {last_line} (a quote inside a value is written twice, \"\")")
                reject(row, reason, None)
                continue
            if not rec:  # a blank line: a spreadsheet shows an empty row
                continue
            if lines is not None and lines.problems:  # filled as the lines are read
                bad = next((n for n in range(start, last_line + 1) if n in lines.problems), None)
                if bad is not None:
                    reject(row, f"{_where(row, bad)}: line {bad} {lines.problems[bad]}; the row was left out: "
                                f"correct the line in the file (or save the file again as UTF-8) and load again", rec)
                    continue
            if header_line and rec[0].strip() == header_line[0] and [f.strip() for f in rec] == header_line:
                reject(row, f"{_where(row, start)} repeats the header line (several files joined into one?); "
                            f"it is not data and was left out", rec)
                continue
            n = len(rec)
            if n == expected:
                if writer is not None:
                    writer.writerow([row] + rec)
                continue
            if n > expected and not any(f.strip() for f in rec[expected:]):
                rec = rec[:expected]
                repaired += 1
                if len(repaired_lines) < 10:
                    repaired_lines.append(start)
            elif n > expected or (n < shortest and n != typical):
                what = "fewer" if n < expected else "more"
                reject(row, f"{_where(row, start)} has {n} field{'s' if n != 1 else ''} where the "
                            f"{'header has' if has_header else 'other rows have'} {expected}: {what} values than columns, "
                            f"so no value can be trusted to sit in its column (a missing or extra delimiter, or an "
                            f"unclosed quote); the row was left out: correct it in the file and load again", rec)
                continue
            if n < expected:
                padded += 1
            if writer is not None:
                writer.writerow([row] + rec + [""] * (expected - len(rec)))
    finally:
        if out_fh is not None:
            out_fh.close()
    missing = [h for h in header[typical:] if h.strip()] if has_header else []
    if padded and missing:
        warnings.append(f"{file_name}: {padded:,} row(s) stop before the last column(s) the header names"
                        + f" ({', '.join(repr(h) for h in missing[:5])})"
                        + "; those columns were read as empty")
    if repaired:
        warnings.append(f"{file_name}: {repaired:,} row(s) end with extra empty fields (line(s) "
                        f"{_lines_word(repaired_lines, repaired)}); they were read without them")
    if write and writer is None:  # not even a header: an empty copy
        start_copy()
        out_fh.close()
    return TextPass(header, header_records, expected, records, "", tmp_path, write, rejected, warnings,
                    repaired + padded)
