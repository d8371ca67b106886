#!/usr/bin/env python3
"""Benchmark: ``cli.py audit`` on a client export of 1,000,000 tickets (target: under 60 s on a
2-core machine).

    .venv/bin/python bench/audit.py [--tickets 1000000] [--runs 3] [--dir bench/results/audit-1M]

The export is written once by the sample generator (``sample_data.world.simulate`` and
``sample_data.writers.write_all``: a Zendesk ticket CSV, an Asterisk Master.csv, a survey sheet
and a customer list, the shapes a consultant receives) and reused while its ``truth.json`` says
the same size. Each run is the whole command a consultant types, in a fresh process:
detection, loading into a temporary database (ticket_metrics, rollups), the quality checks,
the KPIs, the findings, the churn analysis and the HTML report. Prints each run (wall clock and CPU seconds, and the
load average before it: the figure is only meaningful on an otherwise idle machine) and the
median wall-clock time.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT)]

TARGET_SECONDS = 60.0


def ensure_export(folder: Path, tickets: int, seed: int = 7) -> Path:
    truth = folder / "truth.json"
    if truth.exists() and json.loads(truth.read_text()).get("tickets_requested") == tickets:
        return folder
    from sample_data.world import simulate
    from sample_data.writers import write_all

    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"writing a {tickets:,}-ticket export into {folder} (once) ...", flush=True)
    world = simulate(seed=seed, tickets=tickets)
    write_all(world, folder)
    truth.write_text(json.dumps(world.truth, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"  done in {time.perf_counter() - started:.0f} s: "
          + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in sorted(folder.iterdir()) if p.suffix != ".json"),
          flush=True)
    return folder


def run_once(folder: Path, out: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall-clock seconds, CPU seconds (user + system) of the audit process, and its result."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "audit", str(folder), "--out", str(out),
                           "--tz", "America/New_York"], cwd=ROOT, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=HERE / "results" / "audit-export")
    args = ap.parse_args(argv)
    folder = ensure_export(args.dir, args.tickets)
    out = args.dir.parent / "audit-bench.html"
    times = []
    for i in range(args.runs):
        load = os.getloadavg()[0]
        seconds, cpu, done = run_once(folder, out)
        if done.returncode not in (0, 1) or not out.exists():
            print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
            print(f"run {i + 1}: audit failed with exit {done.returncode}")
            return 1
        times.append(seconds)
        print(f"run {i + 1}: {seconds:.1f} s wall, {cpu:.1f} s CPU (load average {load:.1f} before it; "
              f"exit {done.returncode}, report {out.stat().st_size / 1e3:.0f} kB)", flush=True)
    median = statistics.median(times)
    verdict = "OK" if median < TARGET_SECONDS else "TOO SLOW"
    print(f"audit of {args.tickets:,} tickets: median {median:.1f} s of {len(times)} run(s) "
          f"(target < {TARGET_SECONDS:.0f} s): {verdict}")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
