"""The Parquet contract: the canonical tables as Parquet files, one folder per table.

``<folder>/<table>/*.parquet`` (any number of files, any sub-folders; a single
``<folder>/<table>.parquet`` file is accepted too), with the columns and types of
``loaders/schema.py`` (docs/schema.md, "Parquet"). This is what ``cli.py export-parquet`` writes
out of a local database and what ``cli.py build --input`` reads, on DuckDB or on Spark.

Reading is lenient where nothing is lost and strict where something would be: a missing
optional column becomes a typed NULL, a missing table an empty one, an extra column is ignored
(and named); a missing required column, or a column whose Parquet type cannot hold the
canonical one, is an error that names the table, the column, what was found and the fix, every
problem at once, before anything is computed.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from loaders import schema
from loaders.base import LoadError

MANIFEST = "_deskscope.json"
# What a Parquet type may be for each canonical type (lower-case DuckDB or Spark type names).
_COMPATIBLE = {
    "VARCHAR": r"varchar|string|text|char.*|enum.*",
    "TIMESTAMP": r"timestamp.*|datetime.*|date",
    "DATE": r"date|timestamp.*",
    "DOUBLE": r"double|float.*|real|decimal.*|numeric.*|(tiny|small|big|hug|u)?int.*|long|short|byte|(u)?bigint|(u)?smallint|(u)?tinyint",
    "INTEGER": r"(tiny|small|u)?int.*|short|byte|integer|(u)?smallint|(u)?tinyint|bigint|long|decimal\(\d+,\s*0\)",
    "BIGINT": r"(tiny|small|big|u)?int.*|short|byte|long|integer|(u)?bigint|(u)?smallint|(u)?tinyint|decimal\(\d+,\s*0\)",
    "BOOLEAN": r"bool(ean)?",
}


@dataclass
class InputReport:
    folder: str
    rows: dict[str, int] = field(default_factory=dict)  # tables found -> rows
    missing: list[str] = field(default_factory=list)  # canonical tables not in the folder (empty)
    notes: list[str] = field(default_factory=list)


def table_path(folder: Path, table: str) -> Path | None:
    folder = Path(folder)
    for candidate in (folder / table, folder / f"{table}.parquet"):
        if candidate.is_file() or (candidate.is_dir() and any(candidate.rglob("*.parquet"))):
            return candidate
    return None


def compatible(canonical: str, found: str) -> bool:
    return re.fullmatch(_COMPATIBLE[canonical], found.strip().lower()) is not None


def attach(con, view: str, path: Path) -> list[tuple[str, str]]:
    """A view ``view`` over the Parquet file(s) at ``path``; returns its (column, type) pairs. On an
    execution connection (``metrics.execution``) the connection's own reader; on a plain DuckDB
    connection the relation API (the path is never formatted into SQL)."""
    if hasattr(con, "attach_parquet"):
        return con.attach_parquet(view, path)
    path = Path(path)
    rel = con.read_parquet(str(path / "**" / "*.parquet") if path.is_dir() else str(path), hive_partitioning=False)
    rel.create_view(view, replace=True)
    return list(zip(rel.columns, (str(t) for t in rel.types)))


def read_tables(con, folder: Path, tables=None) -> InputReport:
    """Create the canonical ``tables`` (default: all) on an execution connection from the Parquet
    files under ``folder``, cast to the contract. Raises LoadError listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LoadError(str(folder), ["no such folder"], fix="give the folder that holds one sub-folder per "
                                                             "table (tickets/, ticket_events/, ...)")
    report = InputReport(str(folder))
    problems: list[str] = []
    selects: dict[str, str] = {}
    for table in tables or schema.TABLES:
        path = table_path(folder, table)
        if path is None:
            report.missing.append(table)
            continue
        view = f"_parquet_{table}"
        found = {name: type_ for name, type_ in attach(con, view, path)}
        lower = {name.lower(): name for name in found}
        cols = []
        for c in schema.columns(table):
            name = lower.get(c.name.lower())
            if name is None:
                if c.required:
                    problems.append(f"{table}.{c.name}: required column missing from {path}; add it "
                                    f"({c.type}: {c.description})")
                cols.append(f'CAST(NULL AS {c.type}) AS "{c.name}"')
            elif not compatible(c.type, found[name]):
                problems.append(f"{table}.{c.name}: the Parquet files hold {found[name]}, the contract says {c.type} "
                                f"({c.description}); write the column as {c.type} (docs/schema.md, Parquet)")
            else:
                cols.append(f'CAST("{name}" AS {c.type}) AS "{c.name}"')
        extra = sorted(set(found) - {lower.get(c.name.lower()) for c in schema.columns(table)})
        if extra:
            report.notes.append(f"{table}: column(s) {', '.join(extra)} are not in the contract and were ignored")
        selects[table] = f"SELECT {', '.join(cols)} FROM {view}"
    if problems:
        raise LoadError(str(folder), problems, fix="correct the Parquet files (docs/schema.md lists every column)")
    if not any(t in selects for t in schema.DATA_TABLES):
        raise LoadError(str(folder), [f"no canonical table found (looked for {', '.join(f'{t}/' for t in schema.DATA_TABLES)})"],
                        fix="point --input at the folder `cli.py export-parquet` wrote, or lay your lake's tables "
                            "out as one folder per table")
    for table in tables or schema.TABLES:
        if table in selects:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {selects[table]}")
            con.execute(f"DROP VIEW IF EXISTS _parquet_{table}")
        else:
            con.execute(schema.create_sql(table))
    found = list(selects)
    counts = con.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in found)).fetchall()[0]
    report.rows = dict(zip(found, (int(n) for n in counts)))
    return report


def export_tables(con, out: Path, tables=None) -> dict[str, int]:
    """Write the canonical ``tables`` (default: all) of a DuckDB connection as Parquet, one folder
    per table, with a manifest. Returns rows per table."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    for table in tables or schema.TABLES:
        order = schema.SORT_KEYS.get(table)
        columns = ", ".join(f'"{c}"' for c in schema.column_names(table))
        folder = out / table
        if folder.exists():
            for old in folder.glob("*.parquet"):
                old.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        rel = con.sql(f"SELECT {columns} FROM {table}" + (f" ORDER BY {order}" if order else ""))
        rel.write_parquet(str(folder / "part-00000.parquet"), compression="zstd")
        rows[table] = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    write_manifest(out, {"kind": "canonical", "tables": rows})
    return rows


def write_manifest(folder: Path, content: dict) -> None:
    content = {"deskscope": 1, "written_at": dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
               **content}
    (Path(folder) / MANIFEST).write_text(json.dumps(content, indent=2, sort_keys=True, default=str) + "\n")


def read_manifest(folder: Path) -> dict | None:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
