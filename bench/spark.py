#!/usr/bin/env python3
"""Benchmark: the derived tables (ticket_metrics, SLA outcomes, survey facts, rollups) built by
``cli.py build`` on Spark ``local[2]`` against the same build on DuckDB, same machine, same rows.

    .venv/bin/python bench/spark.py [--sizes 100k 1M 10M] [--runs 3] [--dir /path/for/parquet]

For each size: synthetic canonical tables (``bench/synthetic.py``: tickets, calls = tickets / 3,
surveys = tickets / 10, customers) written once as Parquet (the input contract); then, in a
fresh process each, ``metrics.build.build(input, output, engine)`` for ``duckdb`` and ``spark``
(the whole ``cli.py build``: reading Parquet, every post-load hook, writing the results as
Parquet). Timed: wall-clock of the build call (the Spark session's start is timed apart);
memory: the peak resident set of the process and all its children (the JVM), sampled every
0.2 s from /proc. The floor is one hand-written DuckDB query over the same Parquet rows
(tickets per day with the median and p90 calendar first-reply minutes). Figures are the median
of ``--runs`` runs; the machine is shared, so they move by tens of percent between runs.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every descendant."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def measured(cmd: list[str]) -> tuple[dict, int]:
    """Run ``cmd`` (prints one JSON line last); returns (that JSON, peak tree RSS in bytes)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate()
    thread.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1]), peak[0]


def child(engine: str, input_dir: str, output_dir: str) -> None:
    """One build in this process; prints {seconds, start, derived rows}."""
    from metrics import build, execution

    t0 = time.perf_counter()
    if engine == "spark":
        execution.spark_session("local[2]", {"spark.driver.memory": os.environ.get("BENCH_SPARK_MEMORY", "6g")})
    start = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = build.build(Path(input_dir), Path(output_dir), engine=engine, master="local[2]")
    print(json.dumps({"seconds": time.perf_counter() - t0, "start": start, "steps": report.seconds,
                      "ticket_metrics": report.derived.get("ticket_metrics")}))


def floor(input_dir: Path) -> float:
    import duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute("""SELECT CAST(created_at AS DATE) AS day, count(*),
        quantile_cont(date_diff('second', created_at, first_response_at) / 60.0, [0.5, 0.9])
        FROM read_parquet(?) GROUP BY ALL""", [str(input_dir / "tickets" / "*.parquet")]).fetchall()
    return time.perf_counter() - t0


def prepare(n: int, folder: Path) -> None:
    import duckdb

    from loaders import parquet

    sys.path.insert(0, str(ROOT / "bench"))
    import synthetic

    if (folder / "_deskscope.json").exists():
        return
    con = duckdb.connect()
    synthetic.generate(con, tickets=n)
    parquet.export_tables(con, folder)
    con.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="+", default=["100k", "1M", "10M"], choices=list(SIZES))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    ap.add_argument("--dir", default=str(ROOT / "bench" / "results" / "spark"))
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    base = Path(args.dir)
    rows = []
    for size in args.sizes:
        n = SIZES[size]
        data = base / f"input-{size}"
        t0 = time.perf_counter()
        prepare(n, data)
        print(f"{size}: input ready in {time.perf_counter() - t0:.0f} s ({data})", flush=True)
        floors = [floor(data) for _ in range(max(args.runs, 3))]
        result = {"size": size, "tickets": n, "floor_s": statistics.median(floors)}
        for engine in args.engines:
            secs, peaks, starts = [], [], []
            for run in range(args.runs):
                info, peak = measured([sys.executable, __file__, "--child", engine, str(data), str(base / f"out-{size}-{engine}")])
                secs.append(info["seconds"])
                peaks.append(peak)
                starts.append(info["start"])
                print(f"  {engine} run {run + 1}: {info['seconds']:.1f} s (+{info['start']:.1f} s session start), "
                      f"peak {peak / 2**30:.2f} GiB, steps {info['steps']}", flush=True)
            result[engine] = {"seconds": statistics.median(secs), "peak_gib": max(peaks) / 2**30,
                              "session_start_s": statistics.median(starts), "runs": len(secs)}
        if "duckdb" in result and "spark" in result:
            result["spark_over_duckdb"] = result["spark"]["seconds"] / result["duckdb"]["seconds"]
        rows.append(result)
        print(json.dumps(result), flush=True)
    print("| tickets | DuckDB build | Spark local[2] build | Spark / DuckDB | peak memory DuckDB | peak memory Spark "
          "(driver + JVM) | floor query |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        d, s = r.get("duckdb", {}), r.get("spark", {})
        print(f"| {r['tickets']:,} | {d.get('seconds', float('nan')):.1f} s | {s.get('seconds', float('nan')):.1f} s | "
              f"{r.get('spark_over_duckdb', float('nan')):.1f}x | {d.get('peak_gib', float('nan')):.2f} GiB | "
              f"{s.get('peak_gib', float('nan')):.2f} GiB | {r['floor_s'] * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
