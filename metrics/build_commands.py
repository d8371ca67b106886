"""``cli.py build`` and ``cli.py export-parquet``: the derived tables built past one machine.

    python cli.py export-parquet OUT_DIR                      # canonical tables of the local database
    python cli.py build --engine spark --input DIR --output DIR [--master URL] [--conf KEY=VALUE ...]
    python cli.py load RESULTS_DIR                            # install the results locally

docs/scale-out.md is the recipe (spark-submit, Databricks); docs/schema.md ("Parquet") the contract.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def add_commands(add) -> None:
    from metrics.execution import ENGINES

    p = add("export-parquet", cmd_export, "Write the canonical tables of the local database as Parquet, one folder "
            "per table (the input of `build`; docs/schema.md, Parquet).")
    p.add_argument("out", metavar="OUT_DIR")
    p.add_argument("--json", action="store_true")

    p = add("build", cmd_build, "Build ticket_metrics, SLA outcomes and the rollups from canonical tables held as "
            "Parquet, on Spark (or DuckDB), and write them as Parquet for `load` (docs/scale-out.md).")
    p.add_argument("--engine", choices=ENGINES, default="spark", help="where the SQL runs (default spark)")
    p.add_argument("--input", required=True, metavar="DIR", help="one folder per canonical table (export-parquet's layout)")
    p.add_argument("--output", required=True, metavar="DIR", help="result folder (replaced when the build succeeds)")
    p.add_argument("--master", help="Spark master URL (default: spark-submit's, else local[*])")
    p.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="extra Spark setting (repeatable)")
    p.add_argument("--json", action="store_true")


def _conf(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--conf {pair!r}: write KEY=VALUE, e.g. spark.executor.memory=8g")
        out[key.strip()] = value.strip()
    return out


def cmd_export(args) -> int:
    from loaders import parquet
    from loaders.store import Store

    store = Store(getattr(args, "db", None))
    if not store.exists():
        print(f"error: no database at {store.path}; load data first (`cli.py load FILE` or `cli.py demo`)", file=sys.stderr)
        return 1
    cur = store.cursor()
    try:
        rows = parquet.export_tables(cur, Path(args.out))
    finally:
        cur.close()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{args.out}: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    return 0


def cmd_build(args) -> int:
    from metrics import execution
    from metrics.build import build

    try:
        conf = _conf(args.conf)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not Path(args.input).is_dir():
        print(f"error: --input {args.input}: no such folder; give the folder with one sub-folder per canonical table "
              f"(`cli.py export-parquet DIR` writes one)", file=sys.stderr)
        return 2
    if args.engine == "spark":
        ok, why = execution.java_status()
        if not ok:
            print(f"error: Spark cannot start: {why}", file=sys.stderr)
            return 1
    report = build(Path(args.input), Path(args.output), engine=args.engine, master=args.master, conf=conf)
    if args.json:
        print(json.dumps(report.__dict__, indent=2, default=str))
    else:
        print(report.text())
        print(f"next: python cli.py load {args.output}")
    return 0
