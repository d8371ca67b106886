"""The DuckDB store: one file, many readers, one writer at a time, all-or-nothing loads.

DuckDB lets a read-write process lock every other process out, and read-only holders lock out
writers. So nobody ever opens the published file read-write:

* a writer takes ``flock(<db>.lock)`` (writers queue; readers never touch the lock), copies the
  published file to ``<db>.tmp-<pid>``, loads each file in its own transaction on the copy,
  re-sorts and rebuilds derived tables, checkpoints, closes, and ``os.replace()``s the copy over
  the published file. A failure before the replace deletes the copy: the published file is
  untouched, byte for byte.
* a reader attaches the published file read-only inside a private in-memory DuckDB (so DuckDB's
  per-path instance cache never hands back a stale file) and reopens when the file's inode
  changes. A reader holding an old inode does not block the writer, whose file is new.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import polars as pl

from loaders import journal, schema
from loaders.base import Adapter, Batch, LoadError, LoadOptions
from loaders.files import ROW

DEFAULT_WAIT_SECONDS = 120.0


class StoreBusy(Exception):
    """Another process held the database (or its writer lock) for longer than the wait allowed."""


def wait_seconds() -> float:
    """How long a reader or a writer waits for another process's load (settings store.wait_seconds)."""
    if os.environ.get("DESKSCOPE_WAIT_SECONDS"):
        return float(os.environ["DESKSCOPE_WAIT_SECONDS"])
    try:
        import config

        return float(config.get().get("store", {}).get("wait_seconds", DEFAULT_WAIT_SECONDS))
    except Exception:
        return DEFAULT_WAIT_SECONDS


def _say(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)

DEFAULT_DB = Path("data/deskscope.duckdb")
ALIAS = "ds"

# Derived tables (ticket_metrics, rollups) are rebuilt by hooks the metrics layer registers, so
# that loaders never import metrics. Each hook gets the writer's connection.
POST_LOAD_HOOKS: list[Callable[[duckdb.DuckDBPyConnection], None]] = []


def resolve_db_path(arg: str | os.PathLike | None = None) -> Path:
    """--db, then $DESKSCOPE_DB, then settings' [store] path, then data/deskscope.duckdb."""
    if arg:
        return Path(arg)
    if os.environ.get("DESKSCOPE_DB"):
        return Path(os.environ["DESKSCOPE_DB"])
    try:
        import config

        configured = config.get().get("store", {}).get("path")
        if configured:
            return Path(configured)
    except Exception:  # settings unreadable: fall back to the default rather than fail reads
        pass
    return DEFAULT_DB


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run a query and return every row as a polars frame (DuckDB 2.0 results have no .pl();
    fetching everything also leaves the connection free for the next statement)."""
    return con.sql(sql, params=params or None).pl()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    for table, cols in schema.TABLES.items():
        con.execute(schema.create_sql(table))
        existing = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema()",
            [table]).fetchall()}
        for c in cols:  # settle older databases onto the current column list
            if c.name not in existing:
                con.execute(f'ALTER TABLE {table} ADD COLUMN "{c.name}" {c.type}')
                if existing and (table, c.name) in schema.BACKFILL:
                    con.execute(schema.BACKFILL[(table, c.name)])


@dataclass
class LoadReport:
    file: str
    status: str  # loaded | skipped | failed
    loader: str = ""
    confidence: float = 0.0
    load_id: int | None = None
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    target_table: str = ""
    source: str = ""
    source_tz: str = ""
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    rejects_preview: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return self.__dict__.copy()

    def text(self) -> str:
        if self.status == "failed":
            return f"FAILED {self.error}"
        if self.status == "skipped":
            return f"{self.file}: already loaded (load #{self.load_id}); nothing added"
        lines = [f"{self.file}: {self.loader} (confidence {self.confidence:.0%}) -> {self.target_table}, source {self.source!r}, "
                 f"time zone {self.source_tz}",
                 f"  rows in {self.rows_in:,} = loaded {self.rows_loaded:,} + rejected {self.rows_rejected:,}"
                 f"; new {self.rows_inserted:,}, updated {self.rows_updated:,}; load #{self.load_id}"]
        if len(self.tables) > 1 or (self.tables and self.target_table not in self.tables):
            lines.append("  written: " + ", ".join(f"{t} {n:,}" for t, n in self.tables.items()))
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  warning: {w}" for w in self.warnings]
        for r in self.rejects_preview[:5]:
            lines.append(f"  rejected row {r['row_number']}: {r['reason']}")
        if self.rows_rejected > 5:
            lines.append(f"  ... {self.rows_rejected - 5:,} more rejected rows: `cli.py rejects {self.load_id}`")
        return "\n".join(lines)


class _NothingToPublish(Exception):
    """Raised inside a write session to discard the copy without an error."""


class _Readers:
    """Read-only connections per published file version, shared by the threads of a process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.current: dict[Path, tuple[tuple, duckdb.DuckDBPyConnection]] = {}
        self.retired: list[duckdb.DuckDBPyConnection] = []


_READERS = _Readers()


class Store:
    def __init__(self, path: str | os.PathLike | None = None, wait: float | None = None,
                 on_wait: Callable[[str], None] | None = None):
        self.path = resolve_db_path(path).absolute()
        self.wait_seconds = wait_seconds() if wait is None else float(wait)
        self.on_wait = on_wait or _say

    # ---------------------------------------------------------------- reading
    def _identity(self) -> tuple | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def version(self) -> tuple | None:
        """Changes whenever a writer publishes; use it as a cache key."""
        return self._identity()

    def exists(self) -> bool:
        return self.path.exists()

    def ensure(self) -> None:
        """Create an empty database with the schema if there is none."""
        if not self.path.exists():
            with self.writer():
                pass

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the newest published version (shared; use .cursor() per thread)."""
        self.ensure()
        with _READERS.lock:
            ident = self._identity()
            cached = _READERS.current.get(self.path)
            if cached and cached[0] == ident:
                return cached[1]
            con = duckdb.connect(":memory:")
            deadline, told = time.monotonic() + self.wait_seconds, False
            while True:
                try:
                    con.execute(f"ATTACH ? AS {ALIAS} (READ_ONLY)", [str(self.path)])
                    break
                except duckdb.IOException as exc:
                    # Another process opened the published file read-write (an older Deskscope, a
                    # DuckDB shell): wait for it, saying so once.
                    if time.monotonic() >= deadline:
                        con.close()
                        raise StoreBusy(
                            f"{self.path}: another process holds the database for writing (a load or a DuckDB shell) "
                            f"and did not finish within {self.wait_seconds:g} s; try again when it is done, or wait "
                            f"longer with store.wait_seconds in the settings ({str(exc).splitlines()[0][:160]})") from exc
                    if not told:
                        self.on_wait(f"{self.path}: another process is writing the database (a load is running); "
                                     f"waiting up to {self.wait_seconds:g} s ...")
                        told = True
                    time.sleep(0.2)
            con.execute(f"USE {ALIAS}")
            if cached:
                # Another thread may still be reading the old version; close it one version later.
                for old in _READERS.retired:
                    with contextlib.suppress(Exception):
                        old.close()
                _READERS.retired = [cached[1]]
            _READERS.current[self.path] = (ident, con)
            return con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A thread's own cursor on the newest version."""
        cur = self.reader().cursor()
        cur.execute(f"USE {ALIAS}")
        return cur

    def query(self, sql: str, params: list | None = None) -> pl.DataFrame:
        cur = self.cursor()
        try:
            return fetch_frame(cur, sql, params)
        finally:
            cur.close()

    # ---------------------------------------------------------------- writing
    @contextlib.contextmanager
    def writer(self, rebuild: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection on a private copy, published atomically on success."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+") as lock_fh:
            self._lock(lock_fh)
            try:
                self._clean_stale_temps()
                tmp = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
                for leftover in (tmp, Path(str(tmp) + ".wal")):
                    leftover.unlink(missing_ok=True)
                if self.path.exists():
                    shutil.copyfile(self.path, tmp)
                con = duckdb.connect(str(tmp))
                try:
                    init_schema(con)
                    yield con
                    if rebuild:
                        self._finish(con)
                    con.execute("CHECKPOINT")
                    con.close()
                    with open(tmp, "rb+") as fh:
                        os.fsync(fh.fileno())
                    os.replace(tmp, self.path)
                    _fsync_dir(self.path.parent)
                except BaseException:
                    with contextlib.suppress(Exception):
                        con.close()
                    raise
                finally:
                    tmp.unlink(missing_ok=True)
                    Path(str(tmp) + ".wal").unlink(missing_ok=True)
            finally:
                fcntl.flock(lock_fh, fcntl.LOCK_UN)

    def _lock(self, lock_fh) -> None:
        """Take the writer lock, waiting up to ``wait_seconds`` for another writer (saying so once)."""
        deadline, told = time.monotonic() + self.wait_seconds, False
        while True:
            try:
                fcntl.flock(lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusy(f"{self.path}: another load ({_holder(lock_fh)}) has been writing the database for "
                                    f"more than {self.wait_seconds:g} s; nothing was loaded: run the load again when it "
                                    f"is done, or wait longer with store.wait_seconds in the settings") from None
                if not told:
                    self.on_wait(f"{self.path}: another load ({_holder(lock_fh)}) is writing the database; "
                                 f"waiting up to {self.wait_seconds:g} s for it to finish ...")
                    told = True
                time.sleep(0.2)
        with contextlib.suppress(OSError):  # who holds the lock, for the next writer's message
            lock_fh.seek(0)
            lock_fh.truncate()
            lock_fh.write(json.dumps({"pid": os.getpid(), "since": _utcnow().isoformat(timespec="seconds")}))
            lock_fh.flush()

    def _clean_stale_temps(self) -> None:
        for p in self.path.parent.glob(self.path.name + ".tmp-*"):
            try:
                pid = int(p.name.split(".tmp-")[1].split("-")[0].split(".")[0])
            except (IndexError, ValueError):
                continue
            if pid == os.getpid() or not _pid_alive(pid):
                p.unlink(missing_ok=True)

    def _finish(self, con: duckdb.DuckDBPyConnection) -> None:
        """Keep tables sorted (filtered queries skip blocks) and rebuild derived tables."""
        for table, order in schema.SORT_KEYS.items():
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} ORDER BY {order}")
        for hook in POST_LOAD_HOOKS:
            hook(con)

    # ---------------------------------------------------------------- loading
    def load_files(self, paths: list[Path], options: LoadOptions | None = None, format: str | None = None,
                   on_progress: Callable[[int, int, str], None] | None = None) -> list[LoadReport]:
        """Load several files in one write session; each file is all-or-nothing on its own."""
        from loaders import registry

        from loaders.files import preflight

        options = options or LoadOptions()
        reports: list[LoadReport] = []
        prepared: list[tuple[Path, str, Adapter | None, float, str]] = []
        for p in paths:
            p = Path(p)
            started = _utcnow()
            if not p.exists():
                reports.append(self._failed(p, None, LoadReport(p.name, "failed", error=f"{p}: no such file or folder; check the path"),
                                            started))
                continue
            digest = None
            try:
                digest = sha256_file(p) if p.is_file() else _dir_digest(p)  # on record even when refused
                preflight(p)
                adapter, confidence, why = registry.choose(p, format, mapping=options.mapping)
            except LoadError as exc:
                reports.append(self._failed(p, digest, LoadReport(p.name, "failed", error=str(exc)), started))
                continue
            except OSError as exc:
                reports.append(self._failed(p, digest, LoadReport(p.name, "failed", error=f"{p}: cannot be read: "
                                                                   f"{exc.strerror or exc}; check the path and its permissions"), started))
                continue
            prepared.append((p, digest, adapter, confidence, why))
        if not prepared:
            return reports
        done = len(reports)
        try:
            with self.writer() as con:
                for i, (p, digest, adapter, confidence, why) in enumerate(prepared):
                    if on_progress:
                        on_progress(i, len(prepared), p.name)
                    started = _utcnow()
                    report = self._load_one(con, p, digest, adapter, confidence, why, options)
                    if report.status != "loaded":
                        self._failed(p, digest, report, started)
                    reports.append(report)
                if not any(r.status == "loaded" for r in reports):
                    raise _NothingToPublish  # leave the published file byte-for-byte as it was
        except _NothingToPublish:
            pass
        except StoreBusy as exc:
            for p, digest, adapter, confidence, why in prepared:
                self._failed(p, digest, LoadReport(p.name, "failed", loader=adapter.name, error=str(exc)), _utcnow())
            raise
        except BaseException as exc:
            # Publishing failed after the files were read (derived tables, disk full, interrupted):
            # the published file is untouched; what was reported as loaded was not.
            if not isinstance(exc, Exception):
                raise
            for r in reports[done:]:
                if r.status == "loaded":
                    r.status, r.error = "failed", (f"{r.file}: read, but the database could not be updated "
                                                   f"({type(exc).__name__}: {exc}); the database is unchanged")
                    r.load_id = None
                    self._failed(Path(r.file), None, r, _utcnow())
            raise
        if on_progress:
            on_progress(len(prepared), len(prepared), "")
        return reports

    def _failed(self, path: Path, digest: str | None, report: "LoadReport", started) -> "LoadReport":
        """Put an attempt that wrote nothing on record (loaders/journal.py) and return its report."""
        size = None
        with contextlib.suppress(OSError):
            size = _size(path) if path.exists() else None
        journal.record(self.path, status=report.status, file_name=path.name, file_path=str(path.absolute()), sha256=digest,
                       file_bytes=size, loader=report.loader, reason=report.error, rows_in=report.rows_in or None,
                       started_at=started.isoformat(timespec="microseconds"),
                       skipped_as=report.load_id if report.status == "skipped" else None)
        return report

    def _load_one(self, con, path: Path, digest: str, adapter: Adapter, confidence: float, why: str,
                  options: LoadOptions) -> LoadReport:
        previous = con.execute("SELECT load_id FROM loads WHERE sha256 = ? AND loader = ? AND coalesce(status, 'loaded') = 'loaded' "
                               "ORDER BY load_id DESC LIMIT 1", [digest, adapter.name]).fetchall()
        previous = previous[0] if previous else None
        if previous:
            return LoadReport(path.name, "skipped", loader=adapter.name, confidence=confidence, load_id=previous[0])
        started = _utcnow()
        from loaders.files import collecting_read_issues

        try:
            with collecting_read_issues() as issues:
                batch = adapter.load(path, options)
            _add_read_issues(batch, issues)
            from loaders.mapping import enforce_date_window

            enforce_date_window(batch)  # whatever built the batch: no year-9999 date reaches the tables
        except LoadError as exc:
            return LoadReport(path.name, "failed", loader=adapter.name, confidence=confidence, error=str(exc))
        except Exception as exc:  # an adapter bug must not take the other files down
            return LoadReport(path.name, "failed", loader=adapter.name, confidence=confidence,
                              error=f"{path.name}: {adapter.title or adapter.name} could not read it: {type(exc).__name__}: {exc}. "
                                    f"If the format was misrecognised, pass --format; `cli.py formats` lists them.")
        if batch.rows_in == 0:
            return LoadReport(path.name, "failed", loader=adapter.name, confidence=confidence,
                              error=f"{path.name}: no data rows (a header and nothing under it); nothing was loaded: "
                                    f"export the data again, and check the export's date range or filter")
        if options.pseudonymize:
            from loaders import pseudonymize

            batch = pseudonymize.apply(batch)
        con.execute("BEGIN TRANSACTION")
        try:
            report = self._write_batch(con, path, digest, adapter, confidence, why, batch, started)
            con.execute("COMMIT")
            return report
        except Exception as exc:
            con.execute("ROLLBACK")
            return LoadReport(path.name, "failed", loader=adapter.name, confidence=confidence,
                              error=f"{path.name}: could not be written ({type(exc).__name__}: {exc}); the database is unchanged")

    def _write_batch(self, con, path, digest, adapter, confidence, why, batch: Batch, started) -> LoadReport:
        load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchall()[0][0]
        source = batch.source
        written: dict[str, int] = {}
        inserted = updated = 0
        for table, frame in batch.tables.items():
            if frame is None:
                continue
            frame = _conform(frame, table, source, batch.source_tz, load_id)
            con.register("incoming", frame.to_arrow())
            try:
                key = schema.KEYS.get(table)
                cols = ", ".join(f'"{c}"' for c in schema.column_names(table))
                if key:
                    cond = " AND ".join(f't."{k}" = i."{k}"' for k in key)
                    if table == batch.target_table:
                        updated = con.execute(
                            f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(key)} FROM incoming) i "
                            f"WHERE EXISTS (SELECT 1 FROM {table} t WHERE {cond})").fetchall()[0][0]
                    con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM incoming i WHERE {cond})")
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
            finally:
                con.unregister("incoming")
            written[table] = frame.height
        target_rows = written.get(batch.target_table, 0)
        inserted = target_rows - updated
        rejects = batch.rejects.frame()
        if rejects.height:
            rejects = rejects.with_columns(pl.lit(load_id, pl.Int64).alias("load_id"), pl.lit(path.name).alias("file_name"))
            rejects = rejects.select(schema.column_names("rejects"))
            con.register("incoming_rejects", rejects.to_arrow())
            con.execute("INSERT INTO rejects SELECT * FROM incoming_rejects")
            con.unregister("incoming_rejects")
        rows_loaded = batch.rows_in - len(batch.rejects)
        notes = ([why] if why else []) + batch.notes
        con.execute(
            "INSERT INTO loads (load_id, file_name, file_path, sha256, file_bytes, loader, confidence, target_table, source, "
            "source_tz, rows_in, rows_loaded, rows_rejected, rows_inserted, rows_updated, warnings, mapping, started_at, "
            "finished_at, status, tables) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?)",
            [load_id, path.name, str(path.absolute()), digest, _size(path), adapter.name, confidence, batch.target_table,
             source, batch.source_tz, batch.rows_in, rows_loaded, len(batch.rejects), inserted, updated,
             "\n".join(batch.warnings), json.dumps(batch.mapping, ensure_ascii=False) if batch.mapping else None,
             started, _utcnow(), json.dumps(written)])
        return LoadReport(path.name, "loaded", loader=adapter.name, confidence=confidence, load_id=load_id,
                          rows_in=batch.rows_in, rows_loaded=rows_loaded, rows_rejected=len(batch.rejects),
                          rows_inserted=inserted, rows_updated=updated, tables=written, target_table=batch.target_table,
                          source=source, source_tz=batch.source_tz, warnings=batch.warnings, notes=notes,
                          rejects_preview=batch.rejects.rows[:20])

    def remove_load(self, load_id: int) -> dict[str, int]:
        """Delete every row a load wrote (rows it replaced from older loads are not restored)."""
        removed: dict[str, int] = {}
        with self.writer() as con:
            row = con.execute("SELECT status FROM loads WHERE load_id = ?", [load_id]).fetchall()
            if not row:
                raise LoadError(f"load #{load_id}", ["no such load"], fix="`cli.py loads` lists the loads")
            for table in list(schema.DATA_TABLES) + ["schedules", "schedule_holidays", "ticket_schedules", "default_schedules"]:
                n = con.execute(f"SELECT count(*) FROM {table} WHERE load_id = ?", [load_id]).fetchall()[0][0]
                con.execute(f"DELETE FROM {table} WHERE load_id = ?", [load_id])
                if n:
                    removed[table] = n
            con.execute("DELETE FROM rejects WHERE load_id = ?", [load_id])
            con.execute("UPDATE loads SET status = 'removed' WHERE load_id = ?", [load_id])
        return removed

    def loads(self) -> pl.DataFrame:
        """Every load attempt: the ``loads`` table and the journal of attempts that wrote nothing
        (failed or skipped, ``attempt_id`` F1, F2, ..., ``load_id`` empty), oldest first."""
        written = self.query("SELECT * FROM loads ORDER BY load_id") if self.path.exists() else pl.DataFrame()
        attempts = journal.read(self.path)
        if not attempts:
            return written.with_columns(pl.lit(None, pl.String).alias("attempt_id"), pl.lit(None, pl.String).alias("reason")) \
                if written.width else written
        extra = pl.DataFrame(attempts, schema={"attempt_id": pl.String, "status": pl.String, "file_name": pl.String,
                                               "file_path": pl.String, "sha256": pl.String, "file_bytes": pl.Int64,
                                               "loader": pl.String, "reason": pl.String, "started_at": pl.String,
                                               "finished_at": pl.String, "rows_in": pl.Int64, "skipped_as": pl.Int64},
                             orient="row")
        extra = extra.with_columns(pl.col("started_at", "finished_at").str.to_datetime(strict=False, time_unit="us"),
                                   pl.col("loader").replace("", None))
        if written.width == 0:
            written = pl.DataFrame(schema={"load_id": pl.Int64})
        out = pl.concat([written.with_columns(pl.lit(None, pl.String).alias("attempt_id"),
                                              pl.lit(None, pl.String).alias("reason")), extra], how="diagonal_relaxed")
        return out.sort("finished_at", nulls_last=True, maintain_order=True)

    def rejects(self, load_id: int | None = None) -> pl.DataFrame:
        if load_id is None:
            return self.query("SELECT * FROM rejects ORDER BY load_id, row_number")
        return self.query("SELECT * FROM rejects WHERE load_id = ? ORDER BY row_number", [load_id])


def _add_read_issues(batch: Batch, issues: dict) -> None:
    """Rows the file readers left out (ragged, undecodable, bad JSON lines) join the batch's
    rejects, so rows in = loaded + rejected holds for every adapter."""
    for rejected, warnings in issues.values():
        batch.rejects.rows.extend(rejected)
        batch.rows_in += len(rejected)
        batch.warnings.extend(w for w in warnings if w not in batch.warnings)


def _conform(frame: pl.DataFrame, table: str, source: str, source_tz: str, load_id: int) -> pl.DataFrame:
    """Canonical columns, types and order; bookkeeping columns filled."""
    frame = frame.drop([c for c in frame.columns if c == ROW])
    fill = {"load_id": pl.lit(load_id, pl.Int64)}
    if "source" in schema.column_names(table):
        fill["source"] = pl.col("source").fill_null(source) if "source" in frame.columns else pl.lit(source)
    if "source_tz" in schema.column_names(table):
        fill["source_tz"] = pl.col("source_tz").fill_null(source_tz) if "source_tz" in frame.columns else pl.lit(source_tz)
    frame = frame.with_columns(**fill)
    types = schema.polars_schema(table)
    return frame.select([pl.col(n).cast(t) if n in frame.columns else pl.lit(None, t).alias(n) for n, t in types.items()])


def _size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _dir_digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(path).as_posix().encode())
            h.update(sha256_file(p).encode())
    return h.hexdigest()


def _holder(lock_fh) -> str:
    try:
        lock_fh.seek(0)
        info = json.loads(lock_fh.read() or "{}")
        return f"process {info['pid']}, since {info['since']} UTC"
    except Exception:
        return "another process"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
