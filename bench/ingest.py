#!/usr/bin/env python3
"""Full ingest of a Zendesk ticket export: `cli.py load` (streamed in batches, derived tables
included) against the floor, DuckDB's own `read_csv` of the same file into a table, in the same run.

    .venv/bin/python bench/ingest.py --tickets 10000000 [--runs 3] [--gzip]

The export is the sample generator's (`python -m sample_data.generate --only tickets`, written in
chunks of 1M tickets: bounded memory), kept in bench/results (or $DESKSCOPE_BENCH_DIR) for the next
run. Each run is a fresh process on an empty database: its wall time (process start to exit) and
its peak resident memory (the process tree, sampled every 0.1 s from /proc). The floor is the same
for a one-statement script (`CREATE TABLE t AS SELECT * FROM read_csv(file)`, DuckDB's type
detection on). Targets (issues 18 and 23): the load within 1.5x of the floor at 10M; peak memory
at most 2.5 GB at 10M and at 100M. The databases are deleted after each run (disk).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

from common import PY, ROOT, SCRATCH, export_file, fmt_gb, fmt_s, machine, median, run_measured, world  # noqa: E402

FLOOR = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[2])
con.execute("SET threads = 2")
con.execute("SET enable_progress_bar = false")
t = time.perf_counter()
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [sys.argv[1]])
con.execute("CHECKPOINT")
print(time.perf_counter() - t, con.execute("SELECT count(*) FROM t").fetchall()[0][0])
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--gzip", action="store_true", help="a gzipped export (what a 100M export needs on disk)")
    parser.add_argument("--file", type=Path, help="load this export instead of generating one")
    parser.add_argument("--keep", type=Path, help="keep the last run's database here (for bench/incremental.py)")
    args = parser.parse_args(argv)
    print(machine(), flush=True)
    path = args.file or export_file(world(args.tickets, gzip=args.gzip))
    work = SCRATCH / f"ingest_{args.tickets}"
    work.mkdir(parents=True, exist_ok=True)
    size = path.stat().st_size
    print(f"export: {path} ({size / 1e9:.2f} GB)", flush=True)
    floors, loads = [], []
    for run in range(args.runs):
        db = work / "floor.duckdb"
        db.unlink(missing_ok=True)
        r = run_measured([PY, "-c", FLOOR, str(path), str(db)])
        assert r["returncode"] == 0, r["stderr"][-2000:]
        statement, rows = r["stdout"].split()
        floors.append({"seconds": r["seconds"], "statement": float(statement), "rows": int(rows), "peak_rss": r["peak_rss"],
                       "db_bytes": db.stat().st_size})
        db.unlink(missing_ok=True)
        print(f"floor run {run + 1}: {fmt_s(r['seconds'])} (statement {float(statement):.1f} s), "
              f"{fmt_gb(r['peak_rss'])} peak", flush=True)
        db = work / "load.duckdb"
        for p in work.glob("load.duckdb*"):
            p.unlink()
        r = run_measured([PY, str(ROOT / "cli.py"), "--db", str(db), "load", str(path), "--tz", "America/New_York",
                          "--json"], watch_dir=work, prefix="load.duckdb")
        assert r["returncode"] in (0, 1), r["stderr"][-3000:]
        report = json.loads(r["stdout"])[0]
        loads.append({"seconds": r["seconds"], "peak_rss": r["peak_rss"], "rows_loaded": report["rows_loaded"],
                      "rows_rejected": report["rows_rejected"], "db_bytes": sum(p.stat().st_size for p in work.glob("load.duckdb*")),
                      "peak_disk": r["peak_disk"], "notes": report["notes"][-1:]})
        print(f"load run {run + 1}: {fmt_s(r['seconds'])}, {fmt_gb(r['peak_rss'])} peak, "
              f"{report['rows_loaded']:,} rows loaded, database {loads[-1]['db_bytes'] / 1e9:.2f} GB, "
              f"peak disk {loads[-1]['peak_disk'] / 1e9:.2f} GB", flush=True)
        if args.keep and run == args.runs - 1:
            args.keep.mkdir(parents=True, exist_ok=True)
            for p in work.glob("load.duckdb*"):
                if p.name != "load.duckdb.lock":
                    shutil.move(str(p), str(args.keep / p.name))
        for p in work.glob("load.duckdb*"):
            p.unlink()
    floor_s = median([f["seconds"] for f in floors])
    load_s = median([x["seconds"] for x in loads])
    peak = max(x["peak_rss"] for x in loads)
    result = {"tickets": args.tickets, "file": str(path), "file_bytes": size, "runs": args.runs, "machine": machine(),
              "floor": floors, "load": loads, "floor_median_s": floor_s, "load_median_s": load_s,
              "ratio": load_s / floor_s, "peak_rss_max": peak}
    out = SCRATCH / f"ingest_{args.tickets}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"\n| tickets | export | floor: read_csv into a table | cli.py load (derived tables included) | load / floor | "
          f"peak memory of the load |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.tickets:,} | {size / 1e9:.2f} GB | {fmt_s(floor_s)} | {fmt_s(load_s)} | {load_s / floor_s:.2f}x | "
          f"{fmt_gb(peak)} |")
    print(f"(median of {args.runs} run(s); results in {out})")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
