"""The load journal: every load attempt that did not write to the database, on record.

A failed load must leave the database byte for byte as it was, so its record cannot live in
the database. It goes to ``<db>.loads.jsonl`` beside it instead: one JSON object per line,
appended with ``O_APPEND`` and fsynced, never rewritten. ``Store.loads()`` (and so
``cli.py loads`` and the Data page) shows these lines beside the ``loads`` table.

Each line: ``attempt_id`` (``F1``, ``F2``, ... per journal), ``status`` (``failed`` or
``skipped``), ``file_name``, ``file_path``, ``sha256``, ``file_bytes``, ``loader`` (the format,
when one was chosen), ``reason``, ``started_at`` / ``finished_at`` (UTC, ISO 8601),
``rows_in`` (rows read before the failure, when known), ``skipped_as`` (the load that already
holds the file, for ``skipped``). A line cut short by a crash is ignored when read.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

FIELDS = ("attempt_id", "status", "file_name", "file_path", "sha256", "file_bytes", "loader", "reason",
          "started_at", "finished_at", "rows_in", "skipped_as")


def journal_path(db_path: str | os.PathLike) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".loads.jsonl")


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def record(db_path: str | os.PathLike, *, status: str, file_name: str, reason: str = "", file_path: str = "",
           sha256: str | None = None, file_bytes: int | None = None, loader: str = "", started_at: str | None = None,
           rows_in: int | None = None, skipped_as: int | None = None) -> dict:
    """Append one attempt (fsynced). Never raises: a full disk must not hide the load's own error."""
    path = journal_path(db_path)
    entry = {"attempt_id": None, "status": status, "file_name": file_name, "file_path": file_path, "sha256": sha256,
             "file_bytes": file_bytes, "loader": loader, "reason": reason, "started_at": started_at or _now(),
             "finished_at": _now(), "rows_in": rows_in, "skipped_as": skipped_as}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        entry["attempt_id"] = f"F{len(read(db_path)) + 1}"
        line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
    return entry


def read(db_path: str | os.PathLike) -> list[dict]:
    """Every complete line of the journal, oldest first."""
    path = journal_path(db_path)
    try:
        data = path.read_bytes()
    except OSError:
        return []
    out = []
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:  # a line cut short by a crash
            continue
        if isinstance(entry, dict):
            out.append({k: entry.get(k) for k in FIELDS})
    return out
