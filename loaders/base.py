"""What every format adapter is: a name, a ``detect()`` and a ``load()``.

An adapter turns one file (or folder) into canonical frames (``loaders/schema.py``) plus the
rows it rejected. It never touches the database: ``loaders/store.py`` writes what it returns,
all or nothing. Built-in adapters register themselves in ``loaders/registry.py`` exactly as a
third-party one would.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import polars as pl


class LoadError(Exception):
    """A file that cannot be loaded at all. The message lists every problem and the fix."""

    def __init__(self, file_name: str, problems: list[str], fix: str = "", found: list[str] | None = None,
                 headline: str | None = None):
        self.file_name = file_name
        self.problems = problems
        self.fix = fix
        self.found = found
        lines = [f"{file_name}: cannot load " + (headline or f"({len(problems)} problem{'s' if len(problems) != 1 else ''})")]
        lines += [f"  - {p}" for p in problems]
        if found is not None:
            lines.append(f"  columns found: {', '.join(found) if found else '(none)'}")
        if fix:
            lines.append(f"  fix: {fix}")
        super().__init__("\n".join(lines))


@dataclass
class LoadOptions:
    """What the user told us about a file; everything optional."""

    source: str | None = None  # source name rows are stored under (default: the adapter's)
    tz: str | None = None  # zone of offset-less timestamps (default: settings, then UTC)
    date_order: str | None = None  # 'dmy' or 'mdy' when the data cannot tell
    mapping: dict[str, Any] | None = None  # a column mapping (loaders/mapping.py)
    table: str | None = None  # target table for the generic adapter
    sheet: str | None = None  # XLSX sheet (default: every sheet with data / the first)
    pseudonymize: bool = False
    as_of: dt.date | None = None  # the date a customer list without dates describes (default: the file's date)
    tenure_unit: str | None = None  # 'days', 'months' or 'years' when a customer list's tenure unit is known


@dataclass
class Rejects:
    """Rejected source rows, kept with the reason."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row_number: int | None, reason: str, column: str | None = None, value: Any = None,
            raw: dict[str, Any] | None = None) -> None:
        self.rows.append({
            "row_number": row_number,
            "column_name": column,
            "value": None if value is None else str(value),
            "reason": reason,
            "raw": json.dumps(raw, ensure_ascii=False, default=str) if raw is not None else None,
        })

    def extend_frame(self, frame: pl.DataFrame) -> None:
        """Add rejects given as a frame with the same columns as ``add``'s arguments."""
        self.rows.extend(frame.to_dicts())

    def __len__(self) -> int:
        return len(self.rows)

    def frame(self) -> pl.DataFrame:
        schema = {"row_number": pl.Int64, "column_name": pl.String, "value": pl.String,
                  "reason": pl.String, "raw": pl.String}
        return pl.DataFrame(self.rows, schema=schema, orient="row") if self.rows else pl.DataFrame(schema=schema)


@dataclass
class Batch:
    """What ``Adapter.load`` returns: canonical frames and the rows that could not be used."""

    tables: dict[str, pl.DataFrame]  # canonical table name -> frame with a subset of its columns
    rows_in: int  # data rows read from the file
    rejects: Rejects = field(default_factory=Rejects)
    warnings: list[str] = field(default_factory=list)
    target_table: str = ""  # the main table (tickets, calls, ...)
    source: str = ""
    source_tz: str = "UTC"
    mapping: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)  # what was recognised, for the load report

    @property
    def rows_loaded(self) -> int:
        return self.rows_in - len(self.rejects)


@dataclass
class Sample:
    """The first bytes and header of a file, what ``detect()`` looks at."""

    path: Path
    name: str  # lower-case file name
    suffix: str  # lower-case extension without the dot ('' for a folder)
    is_dir: bool
    text: str  # decoded head (first ~64 KiB) for text files, '' otherwise
    headers: list[str]  # header row of the first table ([] when headerless/unknown)
    sheets: dict[str, list[str]]  # XLSX: sheet name -> header row
    children: list[str]  # folder: lower-case file names inside

    @property
    def header_set(self) -> set[str]:
        return {h.strip().lower() for h in self.headers}


class Adapter:
    """Base class for a format adapter."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""  # human name, e.g. "Zendesk ticket export (CSV)"
    family: ClassVar[str] = ""  # tickets, calls, surveys, customers, events
    accepts: ClassVar[str] = ""  # which files, in one line (README / `cli.py formats`)

    def detect(self, sample: Sample) -> float:
        """How sure (0..1) we are this file is in our format."""
        raise NotImplementedError

    def load(self, path: Path, options: LoadOptions) -> Batch:
        raise NotImplementedError

    def explain(self, sample: Sample) -> str:
        """Why detect() said what it said (shown to the user)."""
        return self.title


def header_match(sample: Sample, required: set[str], optional: set[str] = frozenset()) -> float:
    """Share of a vendor's signature headers present: required ones weigh double."""
    found = sample.header_set
    req = {h.lower() for h in required}
    opt = {h.lower() for h in optional}
    if not req:
        return 0.0
    req_hit = len(req & found) / len(req)
    if req_hit < 1.0:
        return round(0.6 * req_hit, 3) if req_hit >= 0.5 else 0.0
    opt_hit = len(opt & found) / len(opt) if opt else 1.0
    return round(0.8 + 0.2 * opt_hit, 3)
