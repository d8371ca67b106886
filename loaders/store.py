"""The DuckDB store: one writer at a time, readers never blocked, a small load costs what it loads.

DuckDB lets a read-write process lock every other process out, and read-only holders lock out
writers. So nobody ever opens a published file read-write. The database is a *generation*: an
immutable **base** file (``<db>``) plus, once the base is large, a small **delta** file
(``<db>.delta-<generation>``), named together in ``<db>.manifest`` (docs/decisions.md, "Store").

* A **delta** holds, for every large table ``T`` a load touched, the new and replacing rows
  (``T__new``), the row ids of the base rows they hide (``T__dead``) and a view ``T`` that unions
  the two; additive tables (the rollup cubes) only get correction rows; small tables are copied
  whole. Readers attach base and delta read-only and ``USE`` the delta: every query sees one
  consistent generation through the views, the same SQL as on a single file.
* A **load** copies the current delta (small) to a new delta file, writes the load and the
  derived rows of just the affected tickets, customers and days into it (``INCREMENTAL`` hooks),
  checkpoints, closes, and publishes by replacing the manifest atomically. The base is never
  copied. A failure, or kill -9, before the manifest is replaced leaves the old generation.
* A **full write** (the first load, a small database, a settings change, ``recompute``,
  ``compact``, ``writer()``) builds a new base file beside the old one (copy or rewrite), runs
  the full ``POST_LOAD_HOOKS``, and ``os.replace()``s it over ``<db>``; the manifest then names
  it alone. A base newer than the manifest it is found with wins (a crash between the two
  replaces): it already holds everything the manifest's delta held.
* A writer takes ``flock(<db>.lock)``: writers queue; readers never touch the lock.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
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

STREAM_STAGE = "_stage"  # loaders.stream.STAGE
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
BASE, DELTA = "b", "d"  # catalog aliases every connection uses (delta views name them)
META = "_store_meta"

# Derived tables (ticket_metrics, rollups) are rebuilt in full by hooks the metrics layer registers,
# so that loaders never import metrics. Each hook gets a connection on the new base.
POST_LOAD_HOOKS: list[Callable[[duckdb.DuckDBPyConnection], None]] = []
# Incremental replacements of full hooks (keyed by the full hook's module.qualname): objects with
# ``before(session, changes) -> state`` (called before the load's rows are written) and
# ``after(session, changes, state)`` (after). A delta session runs these instead of the full hooks.
INCREMENTAL: dict[str, object] = {}
# Large derived tables kept as new rows + dead row ids in a delta (name -> key columns), additive
# tables kept as correction rows (name -> (group columns, sort)), and the order tables are kept in.
DERIVED_KEYS: dict[str, tuple[str, ...]] = {}
ADDITIVE: dict[str, tuple[tuple[str, ...], str]] = {}
TABLE_ORDER: dict[str, str] = dict(schema.SORT_KEYS)
# What the derived tables depend on besides the data (settings): a different value forces a full rebuild.
FINGERPRINT: list[Callable[[], str]] = []
# Tables every ticket's business minutes depend on: a load or removal of them rebuilds everything.
SCHEDULE_TABLES = ("schedules", "schedule_holidays", "default_schedules")
MERGE_TABLES: dict[str, tuple[str, ...] | None] = {**{t: tuple(k) for t, k in schema.KEYS.items()
                                                     if t not in SCHEDULE_TABLES},
                                                  "rejects": ("load_id",)}


class NeedsFullRebuild(Exception):
    """Raised inside a delta session when a change affects every derived row (schedules)."""


def register_incremental(full_hook: Callable, incremental: object) -> None:
    INCREMENTAL[_hook_name(full_hook)] = incremental


def _hook_name(hook) -> str:
    return f"{getattr(hook, '__module__', '')}.{getattr(hook, '__qualname__', '')}"


# Names of the full builders for progress messages (the Data page's Recompute).
_STEP_NAMES = {"metrics.derive.build": "ticket_metrics and SLA outcomes", "metrics.rollups.build_rollups": "rollup cubes"}


def resolve_db_path(arg: str | os.PathLike | None = None) -> Path:
    """--db, then $DESKSCOPE_DB, then settings' [store] path, then data/deskscope.duckdb."""
    if arg:
        return Path(arg)
    if os.environ.get("DESKSCOPE_DB"):
        return Path(os.environ["DESKSCOPE_DB"])
    configured = store_settings().get("path")
    return Path(configured) if configured else DEFAULT_DB


def store_settings() -> dict:
    try:
        import config

        return dict(config.get().get("store", {}))
    except Exception:  # settings unreadable: defaults rather than failed reads
        return {}


def configure(con: duckdb.DuckDBPyConnection, role: str = "reader") -> None:
    """DuckDB's memory limit, threads and spill folder from settings ([store]): the dashboard and
    the loaders keep to a budget whatever the data size."""
    s = store_settings()
    limit = s.get("reader_memory_limit" if role == "reader" else "memory_limit")
    threads = s.get("threads")
    with contextlib.suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = false")  # never DuckDB's own bar on stdout (JSON output, pages)
        if limit:
            if role == "writer":  # the load's whole budget: DuckDB three quarters, the batch being typed the rest
                con.execute(f"SET memory_limit = '{int(_size_bytes(limit) * WRITER_DUCKDB_SHARE) // 2**20}MiB'")
            else:
                con.execute(f"SET memory_limit = '{_size_setting(limit)}'")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        if role == "writer" and s.get("temp_directory"):
            con.execute("SET temp_directory = '" + str(s["temp_directory"]).replace("'", "''") + "'")
        if role == "writer":
            con.execute("SET preserve_insertion_order = false")


WRITER_DUCKDB_SHARE = 0.75


def _size_bytes(value) -> int:
    """'2GB' -> 2 * 1000**3, '512MiB' -> 512 * 2**20 (DuckDB's reading of sizes)."""
    import re as _re

    m = _re.fullmatch(r"\s*([0-9.]+)\s*([KMGT]?)(I?)B?\s*", _size_setting(value).upper())
    if not m:
        raise ValueError(f"store memory setting {value!r} is not a size like '2GB' or '512MB'")
    base = 1024 if m.group(3) else 1000
    return int(float(m.group(1)) * base ** " KMGT".index(m.group(2) or " "))


def _size_setting(value) -> str:
    text = str(value).strip()
    if not text or any(c not in "0123456789. KMGTBkmgtbi" for c in text):
        raise ValueError(f"store memory setting {value!r} is not a size like '2GB' or '512MB'")
    return text


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
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema() "
            "AND table_catalog = current_database()", [table]).fetchall()}
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
    seconds: float = 0.0

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
    """Raised inside a write session to discard it without an error."""


# ---------------------------------------------------------------------------------------------
# Generations: the manifest, the base and its delta
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Manifest:
    generation: int = 0
    base_generation: int = 0
    delta: str | None = None  # file name beside the base

    def to_json(self) -> str:
        return json.dumps({"generation": self.generation, "base_generation": self.base_generation, "delta": self.delta})


def _read_meta(con, catalog: str) -> dict[str, str]:
    try:
        return dict(con.execute(f"SELECT key, value FROM {catalog}.main.{META}").fetchall())
    except duckdb.CatalogException:
        return {}


def _tables(con, catalog: str) -> dict[str, str]:
    """name -> 'table' | 'view' of one attached catalog's main schema."""
    rows = con.execute("SELECT table_name, table_type FROM information_schema.tables WHERE table_catalog = ? "
                       "AND table_schema = 'main'", [catalog]).fetchall()
    return {name: ("view" if kind == "VIEW" else "table") for name, kind in rows}


class _Readers:
    """Read-only connections per published generation, shared by the threads of a process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.current: dict[Path, tuple[tuple, duckdb.DuckDBPyConnection, str]] = {}
        self.retired: dict[Path, list[duckdb.DuckDBPyConnection]] = {}


_READERS = _Readers()


class Store:
    def __init__(self, path: str | os.PathLike | None = None, wait: float | None = None,
                 on_wait: Callable[[str], None] | None = None):
        self.path = resolve_db_path(path).absolute()
        self.wait_seconds = wait_seconds() if wait is None else float(wait)
        self.on_wait = on_wait or _say

    # ---------------------------------------------------------------- files
    @property
    def manifest_path(self) -> Path:
        return self.path.with_name(self.path.name + ".manifest")

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def delta_path(self, generation: int) -> Path:
        return self.path.with_name(f"{self.path.name}.delta-{generation:08d}")

    def manifest(self) -> Manifest | None:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, OSError):  # a torn manifest cannot happen (atomic replace); unreadable: base alone
            return None
        return Manifest(int(data.get("generation", 0)), int(data.get("base_generation", 0)), data.get("delta"))

    def _write_manifest(self, manifest: Manifest) -> None:
        tmp = self.manifest_path.with_name(f"{self.manifest_path.name}.tmp-{os.getpid()}")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(manifest.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.manifest_path)
        _fsync_dir(self.path.parent)

    def _identity(self) -> tuple | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        try:
            mt = os.stat(self.manifest_path)
            man = (mt.st_ino, mt.st_mtime_ns, mt.st_size)
        except FileNotFoundError:
            man = None
        return (st.st_ino, st.st_mtime_ns, st.st_size, man)

    def version(self) -> tuple | None:
        """Changes whenever a writer publishes; use it as a cache key (two os.stat calls)."""
        return self._identity()

    def exists(self) -> bool:
        return self.path.exists()

    def ensure(self) -> None:
        """Create an empty database with the schema if there is none."""
        if not self.path.exists():
            with self.writer():
                pass

    def size_bytes(self) -> dict[str, int]:
        """Bytes on disk: the base and the current delta."""
        m = self.manifest()
        base = self.path.stat().st_size if self.path.exists() else 0
        delta = 0
        if m and m.delta and (self.path.parent / m.delta).exists():
            delta = (self.path.parent / m.delta).stat().st_size
        return {"base": base, "delta": delta}

    # ---------------------------------------------------------------- reading
    def _open_generation(self, con: duckdb.DuckDBPyConnection) -> tuple[int, str | None]:
        """Attach the published base (and delta) read-only on ``con``; returns (generation, delta name)."""
        deadline, told = time.monotonic() + self.wait_seconds, False
        for attempt in range(200):
            manifest = self.manifest()
            try:
                con.execute(f"ATTACH ? AS {BASE} (READ_ONLY)", [str(self.path)])
            except duckdb.IOException as exc:
                # Another process opened the published file read-write (an older Deskscope, a
                # DuckDB shell): wait for it, saying so once.
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        f"{self.path}: another process holds the database for writing (a load or a DuckDB shell) "
                        f"and did not finish within {self.wait_seconds:g} s; try again when it is done, or wait "
                        f"longer with store.wait_seconds in the settings ({str(exc).splitlines()[0][:160]})") from exc
                if not told:
                    self.on_wait(f"{self.path}: another process is writing the database (a load is running); "
                                 f"waiting up to {self.wait_seconds:g} s ...")
                    told = True
                time.sleep(0.2)
                continue
            base_gen = int(_read_meta(con, BASE).get("base_generation", 0))
            if manifest is None or not manifest.delta or base_gen > manifest.base_generation:
                # no delta, or a base published after this manifest (it holds the delta's rows)
                con.execute(f"USE {BASE}")
                return max(base_gen, manifest.generation if manifest else 0), None
            if base_gen == manifest.base_generation:
                try:
                    con.execute(f"ATTACH ? AS {DELTA} (READ_ONLY)", [str(self.path.parent / manifest.delta)])
                    meta = _read_meta(con, DELTA)
                    if (int(meta.get("base_generation", -1)) == base_gen
                            and int(meta.get("generation", -1)) == manifest.generation):
                        con.execute(f"USE {DELTA}")
                        return manifest.generation, manifest.delta
                    con.execute(f"DETACH {DELTA}")
                except duckdb.Error:  # replaced or removed while we looked: read the manifest again
                    with contextlib.suppress(duckdb.Error):
                        con.execute(f"DETACH {DELTA}")
            con.execute(f"DETACH {BASE}")
            time.sleep(0.02)
        raise RuntimeError(f"{self.path}: the manifest kept changing while opening it; try again")

    def _reader(self) -> tuple[duckdb.DuckDBPyConnection, str]:
        self.ensure()
        with _READERS.lock:
            ident = self._identity()
            cached = _READERS.current.get(self.path)
            if cached and cached[0] == ident:
                return cached[1], cached[2]
            con = duckdb.connect(":memory:")
            configure(con, "reader")
            try:
                _, delta = self._open_generation(con)
            except BaseException:
                con.close()
                raise
            catalog = DELTA if delta else BASE
            if cached:
                # Another thread may still be reading the old generation; close it one generation later.
                for old in _READERS.retired.get(self.path, []):
                    with contextlib.suppress(Exception):
                        old.close()
                _READERS.retired[self.path] = [cached[1]]
            _READERS.current[self.path] = (ident, con, catalog)
            return con, catalog

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the newest published generation (shared; use .cursor() per thread)."""
        return self._reader()[0]

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A thread's own cursor on the newest generation."""
        reader, catalog = self._reader()
        cur = reader.cursor()
        cur.execute(f"USE {catalog}")
        return cur

    def query(self, sql: str, params: list | None = None) -> pl.DataFrame:
        cur = self.cursor()
        try:
            return fetch_frame(cur, sql, params)
        finally:
            cur.close()

    # ---------------------------------------------------------------- writing
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+") as lock_fh:
            self._lock(lock_fh)
            try:
                self._meta_cache = None
                self._clean_stale_files()
                yield
            finally:
                self._meta_cache = None
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

    def _base_meta(self) -> dict[str, str]:
        """The published base's bookkeeping (read once per write: only writers replace the base)."""
        cached = getattr(self, "_meta_cache", None)
        if cached is not None:
            return cached
        meta: dict[str, str] = {}
        if self.path.exists():
            con = duckdb.connect(":memory:")
            try:
                con.execute(f"ATTACH ? AS {BASE} (READ_ONLY)", [str(self.path)])
                meta = _read_meta(con, BASE)
            finally:
                con.close()
        self._meta_cache = meta
        return meta

    @contextlib.contextmanager
    def writer(self, rebuild: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection on a new base (a copy with any delta folded in), published
        atomically on success; ``rebuild`` re-sorts and rebuilds every derived table in full."""
        with self._locked():
            with self._full_session(rebuild=rebuild) as session:
                yield session.con

    def recompute(self, on_phase: Callable[[str, int, int], None] | None = None) -> None:
        """Rebuild every derived table in full with the settings in force (a new base);
        ``on_phase(step, i, n)`` before each step (tables re-sorted, each derived-table builder)."""
        self._on_phase = on_phase
        try:
            with self.writer():
                pass
        finally:
            self._on_phase = None

    def compact(self) -> dict:
        """Fold the delta into a new, sorted base (rewritten, not copied): what loads leave behind
        as deltas grows. Returns sizes before and after."""
        before = self.size_bytes()
        with self._locked():
            with self._full_session(rebuild=False, rewrite=True):
                pass
        return {"before": before, "after": self.size_bytes()}

    def _maybe_compact(self) -> bool:
        """Fold the delta into a new base once it passes ``store.compact_share`` of the base (under
        the writer lock, after the load was published: readers already see it)."""
        share = float(store_settings().get("compact_share", 0.25) or 0)
        sizes = self.size_bytes()
        if share <= 0 or not sizes["delta"] or sizes["delta"] < share * sizes["base"]:
            return False
        self._meta_cache = None
        with self._full_session(rebuild=False, rewrite=True):
            pass
        return True

    def _clean_stale_files(self) -> None:
        """Files a killed writer left (temporary bases, unpublished deltas, WALs)."""
        for p in self.path.parent.glob(self.path.name + ".tmp-*"):
            try:
                pid = int(p.name.split(".tmp-")[1].split("-")[0].split(".")[0])
            except (IndexError, ValueError):
                continue
            if pid == os.getpid() or not _pid_alive(pid):
                p.unlink(missing_ok=True)
        manifest = self.manifest()
        keep = manifest.delta if manifest else None
        for p in self.path.parent.glob(self.path.name + ".delta-*"):
            name = p.name[:-4] if p.name.endswith(".wal") else p.name
            if name == keep:
                if p.name.endswith(".wal"):
                    p.unlink(missing_ok=True)  # a published delta was checkpointed and closed
                continue
            p.unlink(missing_ok=True)
        if manifest and manifest.delta and self.path.exists():
            # a base newer than the manifest (killed between the two replaces): it wins
            base_gen = int(self._base_meta().get("base_generation", 0))
            if base_gen > manifest.base_generation:
                self._write_manifest(Manifest(base_gen, base_gen, None))
                (self.path.parent / manifest.delta).unlink(missing_ok=True)

    def _current(self) -> tuple[Manifest, int]:
        """The manifest in force (recovered) and the base's generation."""
        manifest = self.manifest() or Manifest()
        base_gen = int(self._base_meta().get("base_generation", 0))
        if base_gen > manifest.base_generation or not manifest.delta:
            manifest = Manifest(max(base_gen, manifest.generation), base_gen, None)
        return manifest, base_gen

    @contextlib.contextmanager
    def _full_session(self, rebuild: bool = True, rewrite: bool = False) -> Iterator["_Session"]:
        manifest, _ = self._current()
        tmp = self.path.with_name(f"{self.path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            leftover.unlink(missing_ok=True)
        generation = manifest.generation + 1
        try:
            if rewrite and manifest.delta:
                _rewrite(self.path, self.path.parent / manifest.delta, tmp)
            elif self.path.exists():
                shutil.copyfile(self.path, tmp)
            con = duckdb.connect(str(tmp))
            try:
                configure(con, "writer")
                if not rewrite and manifest.delta:
                    _fold(con, self.path.parent / manifest.delta)
                init_schema(con)
                session = _Session(self, con, "full", generation)
                yield session
                if rebuild:
                    self._sorted = session.sorted_tables  # (an override of _finish may take only con)
                    try:
                        self._finish(con)
                    finally:
                        self._sorted = set()
                _set_meta(con, None, {"base_generation": generation, "generation": generation,
                                        "fingerprint": current_fingerprint()})
                con.execute("CHECKPOINT")
                con.close()
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
                _fsync_dir(self.path.parent)
                self._write_manifest(Manifest(generation, generation, None))
                if manifest.delta:
                    (self.path.parent / manifest.delta).unlink(missing_ok=True)
            except BaseException:
                with contextlib.suppress(Exception):
                    con.close()
                raise
        finally:
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)

    @contextlib.contextmanager
    def _delta_session(self) -> Iterator["_Session"]:
        manifest, base_gen = self._current()
        generation = manifest.generation + 1
        target = self.delta_path(generation)
        for leftover in (target, Path(str(target) + ".wal")):
            leftover.unlink(missing_ok=True)
        try:
            if manifest.delta:
                shutil.copyfile(self.path.parent / manifest.delta, target)
            con = duckdb.connect(":memory:")
            try:
                configure(con, "writer")
                con.execute(f"ATTACH ? AS {BASE} (READ_ONLY)", [str(self.path)])
                con.execute(f"ATTACH ? AS {DELTA}", [str(target)])
                con.execute(f"USE {DELTA}")
                session = _Session(self, con, "delta", generation)
                session.start_delta(fresh=not manifest.delta)
                yield session
                session.finish_delta()
                _set_meta(con, DELTA, {"base_generation": base_gen, "generation": generation})
                con.execute("CHECKPOINT")
                con.close()
                with open(target, "rb+") as fh:
                    os.fsync(fh.fileno())
                self._write_manifest(Manifest(generation, base_gen, target.name))
                if manifest.delta:
                    (self.path.parent / manifest.delta).unlink(missing_ok=True)
            except BaseException:
                with contextlib.suppress(Exception):
                    con.close()
                raise
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        finally:
            Path(str(target) + ".wal").unlink(missing_ok=True)

    def _session_kind(self, force_full: bool = False) -> str:
        """'delta' when the base is large enough that copying it would cost more than the load."""
        if force_full or not self.path.exists():
            return "full"
        s = store_settings()
        threshold = float(s.get("delta_min_mb", 64)) * 1e6
        if self.path.stat().st_size < threshold:
            return "full"
        recorded = self._base_meta().get("fingerprint")
        if recorded != current_fingerprint():
            return "full"  # settings the derived tables depend on changed: rebuild them all
        return "delta"

    @contextlib.contextmanager
    def _write_session(self, force_full: bool = False) -> Iterator["_Session"]:
        kind = self._session_kind(force_full)
        if kind == "full":
            with self._full_session() as session:
                yield session
        else:
            with self._delta_session() as session:
                yield session

    def _finish(self, con: duckdb.DuckDBPyConnection) -> None:
        """Keep tables sorted (filtered queries skip blocks) and rebuild derived tables (tables this
        write filled, in order, from empty are sorted already)."""
        steps = [(f"sorting {table}", table) for table in schema.SORT_KEYS if table not in getattr(self, "_sorted", set())]
        steps += [(_STEP_NAMES.get(_hook_name(hook), getattr(hook, "__qualname__", "derived tables")), hook)
                  for hook in POST_LOAD_HOOKS]
        on_phase = getattr(self, "_on_phase", None)
        for i, (label, what) in enumerate(steps):
            if on_phase:
                on_phase(label, i, len(steps))
            if isinstance(what, str):
                con.execute(f"CREATE OR REPLACE TABLE {what} AS SELECT * FROM {what} ORDER BY {schema.SORT_KEYS[what]}")
            else:
                what(con)
        if on_phase:
            on_phase("done", len(steps), len(steps))

    # ---------------------------------------------------------------- loading
    def load_files(self, paths: list[Path], options: LoadOptions | None = None, format: str | None = None,
                   on_progress: Callable[[int, int, str], None] | None = None,
                   on_rows: Callable[[str, int, int], None] | None = None) -> list[LoadReport]:
        """Load several files in one write session; each file is all-or-nothing on its own.
        ``on_progress(i, n, file)`` before each file; ``on_rows(file, rows typed, rows in the file)``
        as a large file is typed batch by batch (loaders/stream.py)."""
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
        early = list(reports)
        for force_full in (False, True):
            reports = list(early)
            failed: list[tuple[Path, str, LoadReport, object]] = []
            try:
                with self._locked():
                    try:
                        with self._write_session(force_full) as session:
                            session.on_rows = on_rows
                            for i, (p, digest, adapter, confidence, why) in enumerate(prepared):
                                if on_progress:
                                    on_progress(i, len(prepared), p.name)
                                started = _utcnow()
                                report = session.load_one(p, digest, adapter, confidence, why, options)
                                if report.status != "loaded":
                                    failed.append((p, digest, report, started))
                                reports.append(report)
                            if not any(r.status == "loaded" for r in reports):
                                raise _NothingToPublish  # leave the published files byte-for-byte as they were
                    except (_NothingToPublish, NeedsFullRebuild, StoreBusy):
                        raise
                    except Exception as exc:
                        # Publishing failed after the files were read (derived tables, disk full):
                        # the published files are untouched; what was reported as loaded was not.
                        for r in reports[len(early):]:
                            if r.status == "loaded":
                                r.status, r.error = "failed", (f"{r.file}: read, but the database could not be updated "
                                                               f"({type(exc).__name__}: {exc}); the database is unchanged")
                                r.load_id = None
                                failed.append((Path(r.file), None, r, _utcnow()))
                        raise
                    for item in failed:  # published: the attempts that wrote nothing go on record
                        self._failed(*item)
                    failed = []
                    try:
                        self._maybe_compact()
                    except Exception as exc:  # the load is published; compaction can run later
                        _say(f"{self.path}: the load is saved, but folding the delta into the base failed "
                             f"({type(exc).__name__}: {exc}); run `cli.py compact` later")
                break
            except _NothingToPublish:
                for item in failed:
                    self._failed(*item)
                break
            except NeedsFullRebuild:
                continue  # schedules changed: every derived row changes; do it as a full write
            except StoreBusy as exc:
                for p, digest, adapter, confidence, why in prepared:
                    self._failed(p, digest, LoadReport(p.name, "failed", loader=adapter.name, error=str(exc)), _utcnow())
                raise
            except Exception:
                for item in failed:
                    self._failed(*item)
                raise
        if on_progress:
            on_progress(len(prepared), len(prepared), "")
        return reports

    def remove_load(self, load_id: int) -> dict[str, int]:
        """Delete every row a load wrote (rows it replaced from older loads are not restored)."""
        for force_full in (False, True):
            try:
                with self._locked():
                    with self._write_session(force_full) as session:
                        return session.remove_load(load_id)
            except NeedsFullRebuild:
                continue
        raise AssertionError("unreachable")

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

    def loads(self) -> pl.DataFrame:
        """Every load attempt: the ``loads`` table and the journal of attempts that wrote nothing
        (failed or skipped, ``attempt_id`` F1, F2, ..., ``load_id`` empty), oldest first."""
        written = self.query("SELECT * FROM loads ORDER BY load_id") if self.exists() else pl.DataFrame()
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


def current_fingerprint() -> str:
    return "|".join(fn() for fn in FINGERPRINT)


def _set_meta(con, catalog: str | None, values: dict) -> None:
    catalog = catalog or con.execute("SELECT current_database()").fetchone()[0]
    con.execute(f"CREATE TABLE IF NOT EXISTS {catalog}.main.{META} (key VARCHAR, value VARCHAR)")
    for key, value in values.items():
        con.execute(f"DELETE FROM {catalog}.main.{META} WHERE key = ?", [key])
        con.execute(f"INSERT INTO {catalog}.main.{META} VALUES (?, ?)", [key, str(value)])


def _fold(con: duckdb.DuckDBPyConnection, delta: Path) -> None:
    """Apply a delta to a copy of its base in place: dead rows deleted, new rows inserted, small
    tables replaced, additive tables re-aggregated."""
    con.execute(f"ATTACH ? AS _old (READ_ONLY)", [str(delta)])
    try:
        old = _tables(con, "_old")
        here = _tables(con, con.execute("SELECT current_database()").fetchone()[0])
        for name, kind in old.items():
            if kind == "view" or name == META or name.endswith("__dead"):
                continue
            if name.endswith("__new"):
                table = name[: -len("__new")]
                if table not in here:
                    con.execute(f"CREATE TABLE {table} AS SELECT * FROM _old.main.{name} LIMIT 0")
                if f"{table}__dead" in old:
                    con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rid FROM _old.main.{table}__dead)")
                _align_columns(con, table, f"_old.main.{name}")
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _old.main.{name}")
                if table in ADDITIVE:
                    _reaggregate(con, table)
            else:
                con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _old.main.{name}")
        for table, order in TABLE_ORDER.items():
            if f"{table}__new" in old and table in _tables(con, con.execute("SELECT current_database()").fetchone()[0]):
                con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} ORDER BY {order}")
    finally:
        con.execute("DETACH _old")


def _rewrite(base: Path, delta: Path, target: Path) -> None:
    """A new, compact base from a base and its delta: every table written once, sorted."""
    con = duckdb.connect(":memory:")
    try:
        configure(con, "writer")
        con.execute(f"ATTACH ? AS {BASE} (READ_ONLY)", [str(base)])
        con.execute(f"ATTACH ? AS {DELTA} (READ_ONLY)", [str(delta)])
        con.execute("ATTACH ? AS n", [str(target)])
        names = {**{n: k for n, k in _tables(con, BASE).items()}, **_tables(con, DELTA)}
        for name, kind in names.items():
            if name.endswith(("__new", "__dead")) or name == META:
                continue
            src = f"{DELTA}.main.{name}" if name in _tables(con, DELTA) else f"{BASE}.main.{name}"
            if name in ADDITIVE:
                cols, order = ADDITIVE[name]
                con.execute(f"CREATE TABLE n.main.{name} AS {_reaggregate_sql(con, src, cols)} ORDER BY {order}")
            elif name in TABLE_ORDER:
                con.execute(f"CREATE TABLE n.main.{name} AS SELECT * FROM {src} ORDER BY {TABLE_ORDER[name]}")
            else:
                con.execute(f"CREATE TABLE n.main.{name} AS SELECT * FROM {src}")
        con.execute("CHECKPOINT n")
    finally:
        con.close()


FLOAT_ZERO = 1e-9  # a sum of doubles that nets to zero keeps rounding residue (e.g. -2.2e-16)


def _reaggregate_sql(con, relation: str, group_cols: tuple[str, ...]) -> str:
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {relation})").fetchall())
    measures = [c for c in types if c not in group_cols]
    keys = ", ".join(f'"{c}"' for c in group_cols)
    sums = ", ".join(f'sum("{c}") AS "{c}"' for c in measures)
    # a cell whose contributions cancel is dropped, floating-point residue included
    nonzero = " OR ".join(f'abs(sum("{c}")) > {FLOAT_ZERO}' if types[c] in ("DOUBLE", "FLOAT") else f'sum("{c}") <> 0'
                          for c in measures) or "TRUE"
    return f"SELECT {keys}, {sums} FROM {relation} GROUP BY ALL HAVING {nonzero}"


def _reaggregate(con, table: str) -> None:
    cols, order = ADDITIVE[table]
    con.execute(f"CREATE OR REPLACE TABLE {table} AS {_reaggregate_sql(con, table, cols)} ORDER BY {order}")


def _align_columns(con, table: str, source: str) -> None:
    """Add to ``table`` the columns ``source`` has and it lacks (a newer schema)."""
    have = {r[0] for r in con.execute(f"SELECT * FROM {table} LIMIT 0").description}
    for name, type_ in con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {source})").fetchall():
        if name not in have:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{name}" {type_}')


# ---------------------------------------------------------------------------------------------
# A write session: the same operations on a new base (physical tables) or a delta (views)
# ---------------------------------------------------------------------------------------------
@dataclass
class Changes:
    """What one load or removal changes, for the derived-table hooks: per canonical table, a temp
    table of the incoming rows (``incoming``) and a temp table of the keys being removed
    (``removed``; a removal's rows are gone once the hooks' ``after`` runs)."""
    incoming: dict[str, str] = field(default_factory=dict)
    removed: dict[str, str] = field(default_factory=dict)

    def tables(self) -> set[str]:
        return set(self.incoming) | set(self.removed)


class _Session:
    def __init__(self, store: Store, con: duckdb.DuckDBPyConnection, kind: str, generation: int):
        self.store = store
        self.con = con
        self.kind = kind  # full | delta
        self.generation = generation
        self.seconds: dict[str, float] = {}
        self._catalogs: dict[str, dict[str, str]] = {}
        self.on_rows: Callable[[str, int, int], None] | None = None  # (file, rows done, rows in the file)
        self.notes: dict[str, list[str]] = {}
        self.sorted_tables: set[str] = set()  # tables this full session wrote once, in order, into an empty table
        self._touched: set[str] = set()

    def _had_rows(self, table: str) -> bool:
        """Whether a table held rows before this session first wrote it."""
        if table in self._touched:
            return True
        self._touched.add(table)
        return bool(self.con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)").fetchall()[0][0])

    def tables(self, catalog: str) -> dict[str, str]:
        """The tables and views of an attached catalog (cached: call ``forget()`` after creating or
        dropping tables in the delta outside the session's own methods)."""
        if catalog not in self._catalogs:
            self._catalogs[catalog] = _tables(self.con, catalog)
        return self._catalogs[catalog]

    def forget(self) -> None:
        self._catalogs.pop(DELTA, None)

    # ------------------------------------------------------------ delta bookkeeping
    def start_delta(self, fresh: bool) -> None:
        """A fresh delta gets a copy of every small base table (those are replaced whole)."""
        con = self.con
        if fresh:
            for name, kind in self.tables(BASE).items():
                if kind == "table" and name != META and name not in MERGE_TABLES and name not in DERIVED_KEYS \
                        and name not in ADDITIVE:
                    con.execute(f"CREATE TABLE {DELTA}.main.{name} AS SELECT * FROM {BASE}.main.{name}")
            self.forget()
            for table in list(MERGE_TABLES) + list(DERIVED_KEYS) + list(ADDITIVE):
                if table in self.tables(BASE):
                    self._refresh_view(table)
        for table in schema.TABLES:  # tables a newer Deskscope added
            if table not in self.tables(DELTA) and table not in self.tables(BASE):
                con.execute(f"CREATE TABLE {DELTA}.main.{table}__new AS SELECT * FROM ({_empty_select(table)})")
                self.forget()
                self._refresh_view(table)

    def finish_delta(self) -> None:
        con = self.con
        names = self.tables(DELTA)
        for table in ADDITIVE:
            if f"{table}__new" in names:
                cols, order = ADDITIVE[table]
                con.execute(f"CREATE OR REPLACE TABLE {DELTA}.main.{table}__new AS "
                            f"{_reaggregate_sql(con, f'{DELTA}.main.{table}__new', cols)} ORDER BY {order}")
                self._refresh_view(table)

    def _ensure_merge(self, table: str) -> None:
        """The delta structures of a large table: new rows, dead base row ids, the union view."""
        con = self.con
        names = self.tables(DELTA)
        if f"{table}__new" in names:
            return
        if table in self.tables(BASE):
            con.execute(f"CREATE TABLE {DELTA}.main.{table}__new AS SELECT * FROM {BASE}.main.{table} LIMIT 0")
        elif table in schema.TABLES:
            con.execute(f"CREATE TABLE {DELTA}.main.{table}__new AS SELECT * FROM ({_empty_select(table)})")
        else:
            raise LookupError(f"{table}: no such table to update; build it in full first")
        if table not in ADDITIVE:
            con.execute(f"CREATE TABLE IF NOT EXISTS {DELTA}.main.{table}__dead (rid BIGINT)")
        self.forget()
        self._refresh_view(table)

    def _refresh_view(self, table: str) -> None:
        con = self.con
        names = self.tables(DELTA)
        in_base = table in self.tables(BASE)
        parts = []
        if in_base:
            if f"{table}__dead" in names:
                parts.append(f"SELECT _b.* FROM {BASE}.main.{table} _b ANTI JOIN {DELTA}.main.{table}__dead _x "
                             f"ON _b.rowid = _x.rid")
            else:
                parts.append(f"SELECT * FROM {BASE}.main.{table}")
        if f"{table}__new" in names:
            parts.append(f"SELECT * FROM {DELTA}.main.{table}__new")
        if not parts:
            return
        if names.get(table) == "table":
            con.execute(f"DROP TABLE {DELTA}.main.{table}")
        con.execute(f"CREATE OR REPLACE VIEW {DELTA}.main.{table} AS " + " UNION ALL BY NAME ".join(parts))
        self.forget()

    # ------------------------------------------------------------ primitives (hooks use these)
    def is_merge(self, table: str) -> bool:
        """Large tables of a delta session: written as new rows + dead base row ids. A table the
        delta holds whole (small tables, or one created during this generation) is written in place."""
        if self.kind != "delta" or not (table in MERGE_TABLES or table in DERIVED_KEYS or table in ADDITIVE):
            return False
        return self.tables(DELTA).get(table) != "table"

    def add_columns(self, table: str, columns: list[tuple[str, str]]) -> None:
        """Columns a newer schema has: added to the writable part of the table."""
        target = f"{DELTA}.main.{table}__new" if self.is_merge(table) else table
        if self.is_merge(table):
            self._ensure_merge(table)
        have = {r[0] for r in self.con.execute(f"SELECT * FROM {target} LIMIT 0").description}
        for name, type_ in columns:
            if name not in have:
                self.con.execute(f'ALTER TABLE {target} ADD COLUMN "{name}" {type_}')
        if self.is_merge(table):
            self._refresh_view(table)

    def replace(self, table: str, keys: tuple[str, ...], scope: str, rows: str | None, params: list | None = None,
                narrow: tuple | None = None) -> None:
        """Rows of ``table`` whose ``keys`` appear in relation ``scope`` are replaced by the rows of
        the query ``rows`` (None: only deleted). ``narrow`` (column, lo, hi): every replaced row has
        that column within [lo, hi] (the base is then searched only there: it is sorted by time)."""
        con = self.con
        cond = " AND ".join(f't."{k}" IS NOT DISTINCT FROM s."{k}"' for k in keys)
        match = f"EXISTS (SELECT 1 FROM {scope} s WHERE {cond})"
        bound: list = []
        if narrow is not None:
            column, lo, hi = narrow
            match += f' AND t."{column}" >= ? AND t."{column}" <= ?'
            bound = [lo, hi]
        if not self.is_merge(table):
            con.execute(f"DELETE FROM {table} t WHERE {match}", bound)
            if rows is not None:
                con.execute(f"INSERT INTO {table} BY NAME {rows}", params or [])
            return
        self._ensure_merge(table)
        if table in self.tables(BASE):
            con.execute(f"INSERT INTO {DELTA}.main.{table}__dead SELECT t.rowid FROM {BASE}.main.{table} t "
                        f"WHERE {match} AND t.rowid NOT IN (SELECT rid FROM {DELTA}.main.{table}__dead)", bound)
        con.execute(f"DELETE FROM {DELTA}.main.{table}__new t WHERE {match}", bound)
        if rows is not None:
            con.execute(f"INSERT INTO {DELTA}.main.{table}__new BY NAME {rows}", params or [])

    def delete_where(self, table: str, where: str, params: list | None = None) -> int:
        """Delete rows matching a predicate (over the table's columns, alias t); returns how many."""
        con = self.con
        n = con.execute(f"SELECT count(*) FROM {table} t WHERE {where}", params or []).fetchone()[0]
        if not n:
            return 0
        if not self.is_merge(table):
            con.execute(f"DELETE FROM {table} t WHERE {where}", params or [])
            return n
        self._ensure_merge(table)
        if table in self.tables(BASE):
            con.execute(f"INSERT INTO {DELTA}.main.{table}__dead SELECT t.rowid FROM {BASE}.main.{table} t "
                        f"WHERE ({where}) AND t.rowid NOT IN (SELECT rid FROM {DELTA}.main.{table}__dead)",
                        params or [])
        con.execute(f"DELETE FROM {DELTA}.main.{table}__new t WHERE {where}", params or [])
        return n

    def append(self, table: str, rows: str, params: list | None = None) -> None:
        """Insert rows (an additive table: correction rows that readers sum)."""
        if self.is_merge(table):
            self._ensure_merge(table)
            self.con.execute(f"INSERT INTO {DELTA}.main.{table}__new BY NAME {rows}", params or [])
        else:
            self.con.execute(f"INSERT INTO {table} BY NAME {rows}", params or [])

    def replace_table(self, table: str, rows: str, params: list | None = None) -> None:
        """A small table replaced whole."""
        self.con.execute(f"CREATE OR REPLACE TABLE {table} AS {rows}", params or [])

    def timed(self, name: str):
        session = self

        class _T:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                session.seconds[name] = session.seconds.get(name, 0.0) + time.perf_counter() - self.t0

        return _T()

    # ------------------------------------------------------------ hooks
    def _incremental_hooks(self) -> list:
        seen, out = set(), []
        for hook in POST_LOAD_HOOKS:
            inc = INCREMENTAL.get(_hook_name(hook))
            if inc is None:
                out.append(("full", hook))
            elif id(inc) not in seen:
                seen.add(id(inc))
                out.append(("incremental", inc))
        return out

    def _apply(self, changes: Changes, write: Callable[[], None]) -> None:
        """Write raw rows; in a delta session, around them the incremental derived updates."""
        if self.kind != "delta":
            write()
            return
        hooks = self._incremental_hooks()
        states = []
        for kind, hook in hooks:
            if kind == "incremental":
                states.append(hook.before(self, changes))
        write()
        i = 0
        for kind, hook in hooks:
            if kind == "incremental":
                hook.after(self, changes, states[i])
                i += 1
            else:
                hook(self.con)

    # ------------------------------------------------------------ loads
    def load_one(self, path: Path, digest: str, adapter: Adapter, confidence: float, why: str,
                 options: LoadOptions) -> LoadReport:
        con = self.con
        previous = con.execute("SELECT load_id FROM loads WHERE sha256 = ? AND loader = ? AND coalesce(status, 'loaded') = 'loaded' "
                               "ORDER BY load_id DESC LIMIT 1", [digest, adapter.name]).fetchall()
        if previous:
            return LoadReport(path.name, "skipped", loader=adapter.name, confidence=confidence, load_id=previous[0][0])
        started = _utcnow()
        t0 = time.perf_counter()
        from loaders import stream

        if stream.can_stream(path, adapter):
            report = self._load_streamed(path, digest, adapter, confidence, why, options, started)
            if report is not None:
                report.seconds = time.perf_counter() - t0
                return report
        from loaders.files import collecting_read_issues
        from loaders.mapping import enforce_date_window

        try:
            with collecting_read_issues() as issues:
                batch = adapter.load(path, options)
            _add_read_issues(batch, issues)
            enforce_date_window(batch)  # whatever built the batch: no year-9999 date reaches the tables
        except LoadError as exc:
            return LoadReport(path.name, "failed", loader=adapter.name, confidence=confidence, error=str(exc))
        except Exception as exc:  # an adapter bug must not take the other files down
            return self._adapter_failed(path, adapter, confidence, exc)
        if batch.rows_in == 0:
            return _no_rows(path, adapter, confidence)
        if options.pseudonymize:
            from loaders import pseudonymize

            batch = pseudonymize.apply(batch)
        if self.kind == "delta" and any(t in batch.tables and batch.tables[t] is not None for t in SCHEDULE_TABLES):
            raise NeedsFullRebuild
        batch.notes += self.notes.pop(path.name, [])
        if path.is_file() and path.stat().st_size >= stream.stream_min_bytes() and not stream.can_stream(path, adapter):
            kind = stream.text_suffix(path).upper() or "these"
            batch.notes.append(f"read whole into memory ({path.stat().st_size / 1e6:,.1f} MB): {kind} files are not read "
                               f"in batches, so the load's memory grows with the file; export CSV for a load in "
                               f"bounded memory")
        con.execute("BEGIN TRANSACTION")
        try:
            load_id = self._next_load_id()
            changes, written = self._stage_batch(batch, load_id)
            report = self._finish_load(path, digest, adapter, confidence, why, batch, started, load_id, changes, written)
            con.execute("COMMIT")
            report.seconds = time.perf_counter() - t0
            return report
        except NeedsFullRebuild:
            con.execute("ROLLBACK")
            raise
        except Exception as exc:
            con.execute("ROLLBACK")
            return self._write_failed(path, adapter, confidence, exc)

    @staticmethod
    def _adapter_failed(path: Path, adapter: Adapter, confidence: float, exc: Exception) -> LoadReport:
        return LoadReport(path.name, "failed", loader=adapter.name, confidence=confidence,
                          error=f"{path.name}: {adapter.title or adapter.name} could not read it: {type(exc).__name__}: {exc}. "
                                f"If the format was misrecognised, pass --format; `cli.py formats` lists them.")

    @staticmethod
    def _write_failed(path: Path, adapter: Adapter, confidence: float, exc: Exception) -> LoadReport:
        return LoadReport(path.name, "failed", loader=adapter.name, confidence=confidence,
                          error=f"{path.name}: could not be written ({type(exc).__name__}: {exc}); the database is unchanged")

    def _next_load_id(self) -> int:
        return self.con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchall()[0][0]

    def _stage_batch(self, batch: Batch, load_id: int, append: bool = False, keep_rows: bool = False
                     ) -> tuple[Changes, dict[str, int]]:
        """The batch's canonical frames into temporary tables ``_in_<table>`` (appended to them when
        ``append``; ``keep_rows``: with the file's row number, for duplicates found across batches)."""
        con = self.con
        changes, written = Changes(), {}
        for table, frame in batch.tables.items():
            if frame is None:
                continue
            rows = frame.get_column(ROW) if keep_rows and ROW in frame.columns else None
            frame = _conform(frame, table, batch.source, batch.source_tz, load_id)
            if keep_rows:
                frame = frame.with_columns((rows if rows is not None else pl.lit(None, pl.Int64)).alias(ROW))
            name = f"_in_{table}"
            con.register("_incoming_frame", frame.to_arrow())
            try:
                exists = append and con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                                                [name]).fetchone()[0]
                if exists:
                    con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _incoming_frame")
                else:
                    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _incoming_frame")
            finally:
                con.unregister("_incoming_frame")
            changes.incoming[table] = name
            written[table] = frame.height
        return changes, written

    def _load_streamed(self, path: Path, digest: str, adapter: Adapter, confidence: float, why: str,
                       options: LoadOptions, started) -> LoadReport | None:
        """A large text file in batches (loaders/stream.py); None when it must be read whole."""
        from loaders import stream
        from loaders.base import Rejects

        con = self.con
        on_rows = self.on_rows
        # The staging table and the typed batches are temporary tables written *outside* a
        # transaction: appends inside one are held by DuckDB outside its memory limit until the
        # commit (about 650 bytes a row: 6.3 GB at 10M tickets), while temporary tables written in
        # autocommit spill to disk past it. The transaction covers what publishes: the duplicates
        # across batches and the write into the store's tables. Nothing outside the session's own
        # file changes before that, so a failure only has to drop the temporary tables.
        _drop_incoming(con)
        try:
            try:
                staged = stream.stage(con, path, on_rows=(lambda done, total: on_rows(path.name, done, total))
                                      if on_rows else None)
            except stream.CannotStream as exc:
                con.execute("SET preserve_insertion_order = false")  # the writer's setting (configure)
                self.notes.setdefault(path.name, []).append(f"read whole, not in batches ({exc})")
                return None
            load_id = self._next_load_id()
            summary = Batch(tables={}, rows_in=0, rejects=Rejects())
            changes, written = Changes(), {}
            from loaders.mapping import enforce_date_window

            try:
                for batch in adapter.load_stream(path, options, staged):
                    enforce_date_window(batch)
                    if options.pseudonymize:
                        from loaders import pseudonymize

                        batch = pseudonymize.apply(batch)
                    if self.kind == "delta" and any(batch.tables.get(t) is not None for t in SCHEDULE_TABLES):
                        raise NeedsFullRebuild
                    part, counts = self._stage_batch(batch, load_id, append=True, keep_rows=True)
                    changes.incoming.update(part.incoming)
                    for table, n in counts.items():
                        written[table] = written.get(table, 0) + n
                    summary.rows_in += batch.rows_in
                    summary.rejects.rows.extend(batch.rejects.rows)
                    summary.warnings += batch.warnings
                    summary.notes += batch.notes
                    summary.target_table, summary.source = batch.target_table, batch.source
                    summary.source_tz, summary.mapping = batch.source_tz, batch.mapping
            except LoadError as exc:
                return LoadReport(path.name, "failed", loader=adapter.name, confidence=confidence, error=str(exc))
            except NeedsFullRebuild:
                raise
            except Exception as exc:  # an adapter bug must not take the other files down
                return self._adapter_failed(path, adapter, confidence, exc)
            if summary.rows_in == 0:
                return _no_rows(path, adapter, confidence)
            summary.warnings = stream.merge_warnings(summary.warnings)
            summary.notes = [n for n in stream.merge_notes(summary.notes) if not n.startswith("read ")] + [
                f"read {summary.rows_in:,} rows in batches of {stream.batch_rows():,} (utf-8, delimiter {staged.delimiter!r}; "
                f"DuckDB read the file in {staged.seconds:.1f} s)"]
            con.execute("BEGIN TRANSACTION")
            try:
                self._dedupe_streamed(changes, written, summary, staged)
                for table, n in written.items():  # a note counting rows of a table: after duplicates went
                    summary.notes = [re.sub(r"^\d[\d,]* (satisfaction ratings .* survey responses)$", f"{n:,} \\1", note)
                                     if table == "surveys" else note for note in summary.notes]
                stream.drop(con)
                report = self._finish_load(path, digest, adapter, confidence, why, summary, started, load_id, changes,
                                           written)
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    con.execute("ROLLBACK")
                raise
            return report
        except NeedsFullRebuild:
            raise
        except Exception as exc:
            return self._write_failed(path, adapter, confidence, exc)
        finally:
            _drop_incoming(con)

    def _dedupe_streamed(self, changes: Changes, written: dict, summary: Batch, staged) -> None:
        """Rows whose id came again later in the file: the later row replaces them (as
        mapping.dedupe_ids does for a file read whole), across every batch."""
        con = self.con
        for table, name in changes.incoming.items():
            key = schema.KEYS.get(table)
            if not key or table == "ticket_events":
                con.execute(f"ALTER TABLE {name} DROP COLUMN {ROW}")
                continue
            cols = ", ".join(key)
            if table == summary.target_table:
                dupes = con.execute(f"""SELECT i.{ROW}, i.source_id, d.keep FROM {name} i
                    JOIN (SELECT {cols}, max({ROW}) AS keep FROM {name} GROUP BY {cols} HAVING count(*) > 1) d
                      USING ({cols})
                    WHERE i.{ROW} <> d.keep ORDER BY i.{ROW}""").fetchall()
                headers = [h for h in staged.headers]
                for row_no, ident, keep in dupes:
                    raw = con.execute(f"SELECT * FROM {STREAM_STAGE} WHERE rowid = ?",
                                      [staged.first_rowid + row_no - 2]).fetchall()
                    raw = raw[0] if raw else None
                    rec = dict(zip(headers, raw)) if raw else None
                    summary.rejects.add(row_no, f"duplicate id {ident!r}: row {keep} has the same id and replaces this row",
                                        column=None, value=ident, raw=rec)
                if dupes:
                    con.execute(f"""DELETE FROM {name} i WHERE {ROW} <> (SELECT max({ROW}) FROM {name} j
                                    WHERE {' AND '.join(f'j.{k} = i.{k}' for k in key)})""")
            else:  # rows another table got from the target's rows: the last one per id
                con.execute(f"""DELETE FROM {name} i WHERE i.rowid <> (SELECT max(j.rowid) FROM {name} j
                                WHERE {' AND '.join(f'j.{k} IS NOT DISTINCT FROM i.{k}' for k in key)})""")
            con.execute(f"ALTER TABLE {name} DROP COLUMN {ROW}")
            written[table] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]

    def _finish_load(self, path, digest, adapter, confidence, why, batch: Batch, started, load_id: int,
                     changes: Changes, written: dict[str, int]) -> LoadReport:
        con = self.con
        source = batch.source
        updated = 0
        target_key = schema.KEYS.get(batch.target_table)
        if batch.target_table in changes.incoming and target_key:
            cond = " AND ".join(f't."{k}" = i."{k}"' for k in target_key)
            updated = con.execute(
                f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(target_key)} FROM {changes.incoming[batch.target_table]}) i "
                f"WHERE EXISTS (SELECT 1 FROM {batch.target_table} t WHERE {cond})").fetchall()[0][0]

        def write() -> None:
            for table, name in changes.incoming.items():
                key = schema.KEYS.get(table)
                cols = ", ".join(f'"{c}"' for c in schema.column_names(table))
                self._conform_table(table)
                order = f" ORDER BY {schema.SORT_KEYS[table]}" if table in schema.SORT_KEYS else ""
                if self.kind == "full" and not self._had_rows(table):
                    self.sorted_tables.add(table)  # written once, in order: no re-sort at the end
                else:
                    self.sorted_tables.discard(table)
                if key:
                    self.replace(table, tuple(key), f"(SELECT DISTINCT {', '.join(key)} FROM {name})",
                                 f"SELECT {cols} FROM {name}{order}")
                else:
                    self.append(table, f"SELECT {cols} FROM {name}{order}")

        inserted = written.get(batch.target_table, 0) - updated
        rows_loaded = batch.rows_in - len(batch.rejects)
        notes = ([why] if why else []) + batch.notes
        # the bookkeeping row first: derived tables stamp themselves with the loads they reflect
        con.execute(
            "INSERT INTO loads (load_id, file_name, file_path, sha256, file_bytes, loader, confidence, target_table, source, "
            "source_tz, rows_in, rows_loaded, rows_rejected, rows_inserted, rows_updated, warnings, mapping, started_at, "
            "finished_at, status, tables) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?)",
            [load_id, path.name, str(path.absolute()), digest, _size(path), adapter.name, confidence, batch.target_table,
             source, batch.source_tz, batch.rows_in, rows_loaded, len(batch.rejects), inserted, updated,
             "\n".join(batch.warnings), json.dumps(batch.mapping, ensure_ascii=False) if batch.mapping else None,
             started, _utcnow(), json.dumps(written)])
        rejects = batch.rejects.frame()
        if rejects.height:
            rejects = rejects.with_columns(pl.lit(load_id, pl.Int64).alias("load_id"), pl.lit(path.name).alias("file_name"))
            rejects = rejects.select(schema.column_names("rejects"))
            con.register("incoming_rejects", rejects.to_arrow())
            try:
                self.append("rejects", "SELECT * FROM incoming_rejects")
            finally:
                con.unregister("incoming_rejects")
        with self.timed("write"):
            self._apply(changes, write)
        con.execute("UPDATE loads SET finished_at = ? WHERE load_id = ?", [_utcnow(), load_id])
        for name in changes.incoming.values():
            con.execute(f"DROP TABLE IF EXISTS {name}")
        return LoadReport(path.name, "loaded", loader=adapter.name, confidence=confidence, load_id=load_id,
                          rows_in=batch.rows_in, rows_loaded=rows_loaded, rows_rejected=len(batch.rejects),
                          rows_inserted=inserted, rows_updated=updated, tables=written, target_table=batch.target_table,
                          source=source, source_tz=batch.source_tz, warnings=batch.warnings, notes=notes,
                          rejects_preview=batch.rejects.rows[:20])

    def _conform_table(self, table: str) -> None:
        """A table written by an older Deskscope gets the columns the schema added since."""
        if self.is_merge(table):
            self._ensure_merge(table)
            have = {r[0] for r in self.con.execute(f"SELECT * FROM {DELTA}.main.{table}__new LIMIT 0").description}
            missing = [(c.name, c.type) for c in schema.TABLES[table] if c.name not in have]
            if missing:
                self.add_columns(table, missing)

    def remove_load(self, load_id: int) -> dict[str, int]:
        con = self.con
        row = con.execute("SELECT status FROM loads WHERE load_id = ?", [load_id]).fetchall()
        if not row:
            raise LoadError(f"load #{load_id}", ["no such load"], fix="`cli.py loads` lists the loads")
        removed: dict[str, int] = {}
        changes = Changes()
        tables = list(schema.DATA_TABLES) + ["schedules", "schedule_holidays", "ticket_schedules", "default_schedules"]
        for table in tables:
            key = schema.KEYS.get(table)
            n = con.execute(f"SELECT count(*) FROM {table} WHERE load_id = ?", [load_id]).fetchall()[0][0]
            if n:
                removed[table] = n
                if table in SCHEDULE_TABLES and self.kind == "delta":
                    raise NeedsFullRebuild
                if key:
                    name = f"_rm_{table}"
                    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT DISTINCT {', '.join(key)} FROM {table} "
                                f"WHERE load_id = ?", [load_id])
                    changes.removed[table] = name

        def write() -> None:
            for table in tables:
                if table in removed:
                    self.delete_where(table, "t.load_id = ?", [load_id])

        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("UPDATE loads SET status = 'removed' WHERE load_id = ?", [load_id])
            self._apply(changes, write)
            self.delete_where("rejects", "t.load_id = ?", [load_id])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return removed


def _empty_select(table: str) -> str:
    cols = ", ".join(f'NULL::{c.type} AS "{c.name}"' for c in schema.TABLES[table])
    return f"SELECT {cols} LIMIT 0"


def _drop_incoming(con: duckdb.DuckDBPyConnection) -> None:
    """A streamed load's temporary tables (the staging table, the typed batches), if any."""
    from loaders import stream

    with contextlib.suppress(duckdb.Error):
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary AND "
                                           "(table_name = ? OR starts_with(table_name, '_in_'))",
                                           [stream.STAGE]).fetchall()]
        for name in names:
            con.execute(f'DROP TABLE IF EXISTS "{name}"')


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


def _no_rows(path: Path, adapter: Adapter, confidence: float) -> "LoadReport":
    return LoadReport(path.name, "failed", loader=adapter.name, confidence=confidence,
                      error=f"{path.name}: no data rows (a header and nothing under it); nothing was loaded: "
                            f"export the data again, and check the export's date range or filter")


def _holder(lock_fh) -> str:
    try:
        lock_fh.seek(0)
        info = json.loads(lock_fh.read() or "{}")
        return f"process {info['pid']}, since {info['since']} UTC"
    except Exception:
        return "another process"


def _add_read_issues(batch: Batch, issues: dict) -> None:
    """Rows the file readers left out (ragged, undecodable, bad JSON lines) join the batch's
    rejects, so rows in = loaded + rejected holds for every adapter."""
    for rejected, warnings in issues.values():
        batch.rejects.rows.extend(rejected)
        batch.rows_in += len(rejected)
        batch.warnings.extend(w for w in warnings if w not in batch.warnings)


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
