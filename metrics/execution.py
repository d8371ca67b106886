"""One execution layer: the metric SQL, written once in DuckDB's dialect, run on DuckDB or on
Apache Spark.

``connect(engine)`` is the one entry point. It returns a connection with DuckDB's own calling
convention, so that ``metrics/derive.py``, ``metrics/rollups.py`` and ``metrics/engine.py`` run
unchanged on either engine (they never ask which one they have):

* ``execute(sql, params)`` -> a result with ``fetchall()``, ``fetchone()``, ``description``,
  ``pl()``; ``sql(sql, params)`` the same; ``executemany``; ``register(name, arrow)`` /
  ``unregister``; ``cursor()``; ``close()``;
* ``attach_parquet(view, folder)`` and ``write_parquet(table, folder)`` for the Parquet
  contract (``loaders/parquet.py``).

On DuckDB every call goes straight to DuckDB. On Spark each statement is translated
(``metrics/dialect.py``: SQLGlot plus tested rewrites) and DuckDB's table semantics are
emulated on session-private temporary views: ``CREATE TABLE ... AS`` materialises its result
(``localCheckpoint``: later statements read a snapshot, as in DuckDB; a non-deterministic
column, such as the id ``row_number() OVER ()`` becomes, keeps its values), ``INSERT`` and
``DELETE`` replace the view with the new snapshot, ``DROP`` drops it, and DuckDB's catalog
functions (``duckdb_tables()``, ``information_schema.columns``, ``pg_timezone_names()``) read
views kept from Spark's catalog. A missing table raises ``duckdb.CatalogException`` on both.

Spark sessions run in UTC (``spark.sql.session.timeZone``) with ANSI mode on, whatever the
cluster's defaults: canonical timestamps are naive UTC, as in DuckDB.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from metrics import dialect

ENGINES = ("duckdb", "spark")
ENABLE_SPARK = ("Spark needs Java 17 or newer and pyspark: `apt-get install -y openjdk-17-jre-headless` "
                "(as root; `make test` does it) and `pip install -r requirements.txt`")


class ExecutionError(RuntimeError):
    """A statement Spark refused, with the DuckDB statement and its translation."""


def connect(engine: str = "duckdb", *, master: str | None = None, database: str = ":memory:",
            conf: dict | None = None):
    """A connection running DuckDB-dialect SQL on ``engine`` ("duckdb" or "spark").

    duckdb: ``database`` is a file or ":memory:". spark: ``master`` is a Spark master URL
    (``local[*]`` when neither it nor spark-submit sets one); ``conf`` extra Spark settings."""
    if engine == "duckdb":
        con = duckdb.connect(database)
        con.execute("SET TimeZone = 'UTC'")  # TIMESTAMPTZ Parquet columns cast to naive UTC
        return DuckDBConnection(con)
    if engine == "spark":
        return SparkConnection(spark_session(master, conf))
    raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")


# ---------------------------------------------------------------- DuckDB
class DuckDBConnection:
    """DuckDB as it is, plus the Parquet calls the Spark connection has too."""

    engine = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con = con

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql: str, params=None):
        return self._con.execute(sql, params)

    def attach_parquet(self, view: str, folder: Path) -> list[tuple[str, str]]:
        """A view over every Parquet file under ``folder``; returns its (column, type) pairs."""
        from loaders.parquet import attach

        return attach(self._con, view, folder)

    def write_parquet(self, table: str, folder: Path, order_by: str | None = None) -> int:
        """``table`` as Parquet files in ``folder`` (created; replaced if it exists)."""
        folder = Path(folder)
        _empty_folder(folder)
        rel = self._con.table(table)
        if order_by:
            rel = rel.order(order_by)
        rel.write_parquet(str(folder / "part-00000.parquet"), compression="zstd")
        return self._con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]

    def close(self) -> None:
        self._con.close()


def _empty_folder(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


# ---------------------------------------------------------------- Spark
_SESSION = None


def java_status() -> tuple[bool, str]:
    """(usable, why not): Spark 4 needs Java 17+ and pyspark."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False, "pyspark is not installed. " + ENABLE_SPARK
    java = shutil.which("java") or (os.path.join(os.environ["JAVA_HOME"], "bin", "java")
                                    if os.environ.get("JAVA_HOME") else None)
    if not java or not os.path.exists(java):
        return False, "no Java found. " + ENABLE_SPARK
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"`java -version` failed ({exc}). " + ENABLE_SPARK
    match = re.search(r'version "(\d+)', out)
    if not match or int(match.group(1)) < 17:
        return False, f"Java 17 or newer is needed, found {out.splitlines()[0] if out else 'nothing'}. " + ENABLE_SPARK
    return True, ""


def spark_session(master: str | None = None, conf: dict | None = None):
    """The process's Spark session (started once; spark-submit's own settings are kept)."""
    global _SESSION
    ok, why = java_status()
    if not ok:
        raise RuntimeError(why)
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    if _SESSION is None:
        builder = SparkSession.builder.appName("deskscope")
        configured = SparkConf().get("spark.master", None)  # set by spark-submit or the environment
        local = (master or configured or "local[*]").startswith("local")
        if master or not configured:
            builder = builder.master(master or "local[*]")
        if local:  # a laptop or CI: no UI, no network, a few partitions instead of 200
            # the local executor fetches large task results from its own block manager: over loopback
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            # Python workers (createDataFrame) run this interpreter, not whatever python3 is first on PATH
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
            import tempfile

            builder = (builder.config("spark.ui.enabled", "false")
                       .config("spark.ui.showConsoleProgress", "false")
                       # no spark-warehouse/ or metastore_db/ left in the working directory
                       .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="deskscope-spark-"))
                       .config("spark.driver.bindAddress", "127.0.0.1")
                       .config("spark.driver.host", "127.0.0.1")
                       .config("spark.sql.shuffle.partitions", "8")
                       .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC -Dlog4j2.configurationFile="
                               + (Path(__file__).with_name("spark-log4j2.properties")).as_uri()))
            import warnings

            warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        for key, value in (conf or {}).items():
            builder = builder.config(key, value)
        _SESSION = builder.getOrCreate()
        _SESSION.sparkContext.setLogLevel("ERROR")
        try:  # a refused statement raises ExecutionError with both SQLs; no second copy as a JSON log line
            jvm = _SESSION.sparkContext._jvm
            jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
                "SQLQueryContextLogger", jvm.org.apache.logging.log4j.Level.OFF)
        except Exception:
            pass
        try:  # ... nor from PySpark's Python side (a JSON traceback on stderr for every refused statement)
            import logging

            from pyspark.logger import PySparkLogger

            PySparkLogger.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL + 1)
        except Exception:
            pass
    return _SESSION


class SparkResult:
    """A query's rows, fetched at once (as DuckDB's execute does)."""

    def __init__(self, table: pa.Table, description: list[tuple]):
        self._table = table
        self.description = description
        self._rows: list[tuple] | None = None
        self._next = 0

    def _all(self) -> list[tuple]:
        if self._rows is None:
            columns = [self._table.column(i).to_pylist() for i in range(self._table.num_columns)]
            self._rows = list(zip(*columns)) if columns else []
        return self._rows

    def fetchall(self) -> list[tuple]:
        rows = self._all()[self._next:]
        self._next = len(self._all())
        return rows

    def fetchone(self):
        rows = self._all()
        if self._next >= len(rows):
            return None
        self._next += 1
        return rows[self._next - 1]

    def arrow(self) -> pa.Table:
        return self._table

    def pl(self) -> pl.DataFrame:
        return pl.from_arrow(self._table) if self._table.num_columns else pl.DataFrame()


class SparkConnection:
    """DuckDB-dialect statements on Spark, with DuckDB's table semantics emulated (see module doc)."""

    engine = "spark"

    def __init__(self, spark):
        self.spark = spark.newSession()  # private temporary views; the SparkContext is shared
        for key, value in (("spark.sql.session.timeZone", "UTC"), ("spark.sql.ansi.enabled", "true")):
            self.spark.conf.set(key, value)
        self._frames: dict[str, object] = {}  # view name -> the DataFrame behind it
        self._rowids: set[str] = set()  # tables given DuckDB's rowid (a real column here)
        self._timezones = None

    # ------------------------------------------------------------ DuckDB's API
    def execute(self, sql: str, params=None) -> SparkResult | "SparkConnection":
        return self._run(dialect.translate(sql, params, self._columns_of), sql)

    def sql(self, sql: str, params=None):
        return self.execute(sql, params)

    def executemany(self, sql: str, rows) -> None:
        self._run(dialect.translate_many(sql, list(rows), self._columns_of), sql)

    def register(self, name: str, data) -> None:
        """A temporary view of an Arrow table or a polars/pandas frame (as duckdb's register)."""
        if isinstance(data, pl.DataFrame):
            data = data.to_arrow()
        self._replace(name, self.spark.createDataFrame(data), materialise=False)

    def unregister(self, name: str) -> None:
        self._drop(name)

    def cursor(self) -> "SparkConnection":
        return self

    def close(self) -> None:
        for name in list(self._frames):
            self._drop(name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ Parquet
    def attach_parquet(self, view: str, folder: Path) -> list[tuple[str, str]]:
        df = self.spark.read.option("recursiveFileLookup", "true").parquet(str(folder))
        self._replace(view, df, materialise=False)
        return [(f.name, f.dataType.simpleString()) for f in df.schema.fields]

    def write_parquet(self, table: str, folder: Path, order_by: str | None = None) -> int:
        from pyspark.sql import functions as F
        from pyspark.sql.types import TimestampType

        df = self._frame(table)
        if table in self._rowids:
            df = df.drop("rowid")
        # naive UTC timestamps, as DuckDB writes them (a TIMESTAMP WITH TIME ZONE would not round-trip)
        df = df.select([F.col(f"`{f.name}`").cast("timestamp_ntz").alias(f.name) if isinstance(f.dataType, TimestampType)
                        else F.col(f"`{f.name}`") for f in df.schema.fields])
        if order_by:
            df = df.orderBy(*[c.strip() for c in order_by.split(",")])
        df.write.mode("overwrite").option("compression", "zstd").parquet(str(folder))
        return df.count()

    # ------------------------------------------------------------ statements
    def _run(self, st: dialect.Statement, original: str):
        try:
            return self._dispatch(st)
        except (duckdb.Error, dialect.Unsupported):
            raise
        except Exception as exc:
            if _not_found(exc):
                raise duckdb.CatalogException(f"Catalog Error: {_first_line(exc)}") from None
            raise ExecutionError(f"Spark refused a statement: {_first_line(exc)}\n-- DuckDB:\n{original.strip()}\n"
                                 f"-- Spark:\n{st.sql}") from exc

    def _dispatch(self, st: dialect.Statement):
        for view in st.catalog:
            self._refresh_catalog(view)
        for table in st.rowid_tables & set(self._frames):
            self._add_rowid(table)
        kind = st.kind
        if kind == "noop":
            return SparkResult(pa.table({}), [])
        if kind == "query":
            return self._fetch(self._query(st))
        if kind == "create":
            if st.target in self._frames and st.if_not_exists:
                return self
            if st.target in self._frames and not st.replace:
                raise duckdb.CatalogException(f'Catalog Error: Table with name "{st.target}" already exists!')
            ddl = ", ".join(f"`{name}` {type_}" for name, type_ in st.columns)
            self._replace(st.target, self.spark.createDataFrame([], ddl), materialise=False)
            return self
        if kind == "create_as":
            if st.target in self._frames and st.if_not_exists:
                return self
            if st.target in self._frames and not st.replace:
                raise duckdb.CatalogException(f'Catalog Error: Table with name "{st.target}" already exists!')
            self._replace(st.target, self._query(st))
            self._rowids.discard(st.target)
            return self
        if kind == "insert":
            self._replace(st.target, self._frame(st.target).unionByName(self._aligned(st)))
            return self
        if kind == "delete":
            self._replace(st.target, self._query(st))
            return self
        if kind == "drop":
            if st.target not in self._frames and not st.if_exists:
                raise duckdb.CatalogException(f"Catalog Error: Table with name {st.target} does not exist!")
            self._drop(st.target)
            return self
        if kind == "alter_add":
            from pyspark.sql import functions as F

            df = self._frame(st.target)
            for name, type_ in st.columns:
                df = df.withColumn(name, F.lit(None).cast(type_))
            self._replace(st.target, df)
            return self
        raise dialect.Unsupported(f"statement kind {kind}")

    def _query(self, st: dialect.Statement):
        return self.spark.sql(st.sql, args=_spark_args(st.params))

    def _aligned(self, st: dialect.Statement):
        """The INSERT's rows with the target's columns, in its order and types."""
        from pyspark.sql import functions as F

        target = self._frame(st.target).schema
        new = self._query(st)
        names = [f.name for f in target.fields]
        if st.by_name:
            given = {c: c for c in new.columns}
        elif st.insert_columns:
            given = dict(zip(st.insert_columns, new.columns))
        else:
            if len(new.columns) > len(names):
                raise duckdb.BinderException(f"Binder Error: table {st.target} has {len(names)} columns but "
                                             f"{len(new.columns)} values were supplied")
            given = dict(zip(names, new.columns))
        return new.select([(F.col(f"`{given[f.name]}`") if f.name in given else F.lit(None)).cast(f.dataType).alias(f.name)
                           for f in target.fields])

    def _fetch(self, df) -> SparkResult:
        table = df.toArrow()
        table = pa.table([_naive(c) for c in table.columns], names=table.column_names) if table.num_columns else table
        description = [(f.name, f.dataType.simpleString(), None, None, None, None, None) for f in df.schema.fields]
        return SparkResult(table, description)

    def _columns_of(self, sql: str, params: dict) -> list[str]:
        return self.spark.sql(sql, args=_spark_args(params)).columns

    # ------------------------------------------------------------ tables as views
    def _frame(self, name: str):
        if name not in self._frames:
            raise duckdb.CatalogException(f"Catalog Error: Table with name {name} does not exist!")
        return self._frames[name]

    def _replace(self, name: str, df, materialise: bool = True) -> None:
        if materialise:
            df = _ntz(df).localCheckpoint(eager=True)
        old = self._frames.get(name)
        df.createOrReplaceTempView(name)
        self._frames[name] = df
        if old is not None and old is not df:
            _release(old)

    def _drop(self, name: str) -> None:
        self._rowids.discard(name)
        old = self._frames.pop(name, None)
        self.spark.catalog.dropTempView(name)
        if old is not None:
            _release(old)

    def _add_rowid(self, table: str) -> None:
        """DuckDB's rowid pseudo-column, added (and the table materialised, so that it keeps its
        values) the first time a statement reads it: a unique id, not a position."""
        from pyspark.sql import functions as F

        df = self._frame(table)
        if "rowid" not in df.columns:
            self._replace(table, df.withColumn("rowid", F.monotonically_increasing_id()))
            self._rowids.add(table)

    def _refresh_catalog(self, view: str) -> None:
        current = self.spark.sql("SELECT current_database(), current_schema()").first()
        if view == "_ds_catalog_timezones":
            if self._timezones is None:
                zones = self.spark.sparkContext._jvm.java.time.ZoneId.getAvailableZoneIds()
                self._timezones = sorted(set(zones) | {"UTC"})
            self._replace(view, self.spark.createDataFrame([(z,) for z in self._timezones], "name STRING"),
                          materialise=False)
            return
        if view == "_ds_catalog_views":  # the store's delta views do not exist here: every relation is a table
            self._replace(view, self.spark.createDataFrame(
                [], "database_name STRING, schema_name STRING, view_name STRING"), materialise=False)
            return
        tables, columns = [], []
        for name, df in self._frames.items():
            if name.startswith("_ds_catalog_"):
                continue
            tables.append((current[0], current[1], current[1], name))
            for i, f in enumerate(df.schema.fields):
                columns.append((current[0], current[1], current[1], name, f.name, f.dataType.simpleString(), i + 1))
        if view == "_ds_catalog_tables":
            self._replace(view, self.spark.createDataFrame(
                tables, "database_name STRING, schema_name STRING, table_schema STRING, table_name STRING"), False)
        else:
            self._replace(view, self.spark.createDataFrame(
                columns, "database_name STRING, schema_name STRING, table_schema STRING, table_name STRING, "
                         "column_name STRING, data_type STRING, column_index INT"), False)


def _ntz(df):
    """Timestamps as TIMESTAMP_NTZ (DuckDB's TIMESTAMP): UTC sessions keep the wall clock."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    if not any(isinstance(f.dataType, TimestampType) for f in df.schema.fields):
        return df
    return df.select([F.col(f"`{f.name}`").cast("timestamp_ntz").alias(f.name) if isinstance(f.dataType, TimestampType)
                      else F.col(f"`{f.name}`") for f in df.schema.fields])


def _release(df) -> None:
    """Free a materialised snapshot's blocks (localCheckpoint keeps them until released)."""
    try:
        plan = df._jdf.queryExecution().analyzed()
        if plan.getClass().getSimpleName() == "LogicalRDD":
            plan.rdd().unpersist(False)
    except Exception:  # best effort: an unreleased snapshot only costs memory until the session ends
        pass


def _spark_args(params: dict) -> dict:
    from pyspark.sql import functions as F

    def one(v):
        if isinstance(v, dt.datetime):
            # a naive datetime is UTC here; PySpark would read it in the process's local zone
            return v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)
        if isinstance(v, (list, tuple)):
            return F.array(*[F.lit(one(x)) for x in v])
        return v

    return {k: one(v) for k, v in params.items()}


def _naive(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        return column.cast(pa.timestamp(column.type.unit))  # Spark's session zone is UTC
    return column


def _not_found(exc: Exception) -> bool:
    condition = getattr(exc, "getCondition", lambda: None)() if hasattr(exc, "getCondition") else None
    return condition in ("TABLE_OR_VIEW_NOT_FOUND", "UNRESOLVED_ROUTINE") or "TABLE_OR_VIEW_NOT_FOUND" in str(exc)[:300]


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:500] if str(exc).strip() else type(exc).__name__
