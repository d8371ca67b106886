"""The derived tables (ticket_metrics, SLA outcomes, survey facts, rollups) built from canonical
tables held as Parquet, on DuckDB or on Spark, and written out as Parquet.

    cli.py build --engine spark --input CANONICAL_DIR --output RESULTS_DIR [--master URL]

The build runs exactly what the store runs after a load: ``metrics.HOOKS`` (the same functions,
issuing the same DuckDB-dialect statements) on a connection from ``metrics.execution``. Nothing
here knows a metric. The result folder holds one sub-folder per table (the derived tables the
hooks created and the canonical tables, cast to the contract) plus ``_deskscope.json`` (kind
``results``); ``cli.py load RESULTS_DIR`` installs it into a local database so that every page,
snapshot and audit reads the results without recomputing them (docs/scale-out.md).
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from loaders import parquet, schema

RESULTS_KIND = "results"


@dataclass
class BuildReport:
    engine: str
    input: str
    output: str
    rows_in: dict[str, int] = field(default_factory=dict)  # canonical tables read
    derived: dict[str, int] = field(default_factory=dict)  # derived tables written
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def text(self) -> str:
        lines = [f"{self.engine}: built {len(self.derived)} derived tables from {self.input} into {self.output}"]
        lines.append("  read: " + ", ".join(f"{t} {n:,}" for t, n in self.rows_in.items()))
        if self.missing:
            lines.append("  not in the input (empty): " + ", ".join(self.missing))
        lines.append("  wrote: " + ", ".join(f"{t} {n:,}" for t, n in self.derived.items()))
        lines.append("  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in self.seconds.items()))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def derive_all(con) -> None:
    """Run the store's post-load hooks (ticket_metrics, then rollups) on an execution connection,
    with the settings in force (as the store does)."""
    import metrics

    for hook in metrics.HOOKS:
        hook(con)


def derived_tables(con) -> list[str]:
    """Tables the hooks left behind: everything but the canonical tables and private temporaries."""
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()]
    return [n for n in names if n not in schema.TABLES and not n.startswith("_")]


def build(input_folder: Path, output_folder: Path, engine: str = "spark", master: str | None = None,
          conf: dict | None = None) -> BuildReport:
    """Read ``input_folder`` (the Parquet contract), build every derived table on ``engine``, write
    the results to ``output_folder`` (replaced only once everything is written)."""
    from metrics import execution

    output_folder = Path(output_folder)
    report = BuildReport(engine, str(input_folder), str(output_folder))
    t0 = time.perf_counter()
    con = execution.connect(engine, master=master, conf=conf)
    try:
        report.seconds["start"] = time.perf_counter() - t0
        t = time.perf_counter()
        read = parquet.read_tables(con, input_folder)
        report.rows_in, report.missing, report.notes = read.rows, read.missing, list(read.notes)
        report.seconds["read"] = time.perf_counter() - t
        t = time.perf_counter()
        derive_all(con)
        report.seconds["derive"] = time.perf_counter() - t
        t = time.perf_counter()
        staging = output_folder.with_name(output_folder.name + ".partial")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        for table in derived_tables(con):
            report.derived[table] = con.write_parquet(table, staging / table)
        for table in schema.TABLES:
            con.write_parquet(table, staging / table, order_by=schema.SORT_KEYS.get(table))
        parquet.write_manifest(staging, {"kind": RESULTS_KIND, "engine": engine, "input": str(input_folder),
                                         "derived": report.derived, "canonical": report.rows_in,
                                         "settings": settings_fingerprint()})
        if output_folder.exists():
            if parquet.read_manifest(output_folder) is None and any(output_folder.iterdir()):
                shutil.rmtree(staging)
                raise ValueError(f"--output {output_folder} exists and is not a Deskscope result folder; "
                                 f"give a new or empty folder (nothing was written)")
            shutil.rmtree(output_folder)
        staging.rename(output_folder)
        report.seconds["write"] = time.perf_counter() - t
    finally:
        con.close()
    return report


def settings_fingerprint() -> dict:
    """The settings the derived tables depend on besides the data (SLA policies, business hours,
    metric settings), as the build saw them: ``cli.py load`` warns when the local ones differ."""
    import json

    import config

    s = config.get()
    return json.loads(json.dumps({k: s.get(k) for k in ("sla", "business_hours", "metrics") if k in s},
                                 sort_keys=True, default=str))


@dataclass
class InstallReport:
    folder: str
    tables: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"{self.folder}: results installed ({len(self.tables)} tables; nothing recomputed)",
                 "  " + ", ".join(f"{t} {n:,}" for t, n in self.tables.items())]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def is_results(folder: Path) -> bool:
    manifest = parquet.read_manifest(folder) if Path(folder).is_dir() else None
    return bool(manifest) and manifest.get("kind") == RESULTS_KIND


def install(store, folder: Path) -> InstallReport:
    """Replace the store's tables with a built result folder, all at once (a failure leaves the
    database as it was), without running the post-load hooks: the derived tables are the build's.
    The rollups' data stamp is renewed for the installed tables (they were built together)."""
    import json

    from metrics import rollups
    from metrics.facts import TableCounts

    folder = Path(folder)
    manifest = parquet.read_manifest(folder) or {}
    report = InstallReport(str(folder))
    derived = list(manifest.get("derived") or {})
    missing = [t for t in derived if parquet.table_path(folder, t) is None]
    if missing:
        from loaders.base import LoadError

        raise LoadError(str(folder), [f"{t}/: listed in {parquet.MANIFEST} but not in the folder" for t in missing],
                        fix="copy the whole folder `cli.py build` wrote, or build again")
    with store.writer(rebuild=False) as con:
        read = parquet.read_tables(con, folder)
        report.tables.update(read.rows)
        for table in derived:
            parquet.attach(con, "_results_view", parquet.table_path(folder, table))
            con.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM _results_view')
            con.execute("DROP VIEW IF EXISTS _results_view")
            report.tables[table] = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
        if rollups.META in report.tables:
            stamp = rollups.data_stamp(con, TableCounts(con))
            rows = con.execute(f"SELECT fact, info FROM {rollups.META}").fetchall()
            con.execute(f"DELETE FROM {rollups.META}")
            for fact, info in rows:
                con.execute(f"INSERT INTO {rollups.META} VALUES (?, ?)", [fact, json.dumps(
                    {**json.loads(info), "stamp": stamp}, sort_keys=True)])
    if manifest.get("settings") is not None and manifest["settings"] != settings_fingerprint():
        report.notes.append("the build ran with other settings (SLA policies, business hours or [metrics]) than these: "
                            "the figures follow the build's; `cli.py recompute` would recompute them here from the "
                            "raw rows with the local settings")
    report.notes += [f"built on {manifest.get('engine', '?')} from {manifest.get('input', '?')} "
                     f"at {manifest.get('written_at', '?')} UTC"]
    return report
