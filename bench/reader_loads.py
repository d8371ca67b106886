#!/usr/bin/env python3
"""A reader process looping over the Overview's KPI queries while this process runs consecutive
small loads into a large store: it must see no error and only whole generations.

    .venv/bin/python bench/reader_loads.py --db COPY.duckdb [--loads 20] [--tickets 1000]

``--db`` is modified (loads are added): pass a copy. Each load is a CSV of ``--tickets`` new
tickets (generic format, source ``bench``) spread over the store's last 30 days. After each load
this process records the published answers (``engine.kpis`` unfiltered on the Overview set and
team + channel filtered); the reader (a separate process, ``Store(db).cursor()`` per loop, as the
dashboard) records everything it sees. Every answer the reader saw must equal the state before
the first load or after one of the loads (never a half-applied one), in order; errors must be 0.
tests/test_incremental.py checks the same at small scale; this is the 10M figure.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

IDS = ["tickets", "backlog", "frt_median_minutes", "sla_breach_rate", "reopen_rate", "csat"]

READER = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {root!r})
    import metrics
    from loaders.store import Store
    from metrics import engine
    from metrics.filters import Filters
    store = Store({db!r})
    seen, errors, stop = [], [], {stop!r}
    import os
    print("reader ready", file=sys.stderr, flush=True)
    while not os.path.exists(stop):
        try:
            cur = store.cursor()
            k = engine.kpis(cur, Filters(), {ids!r})
            t = engine.kpis(cur, Filters(team=[{team!r}], channel=[{channel!r}]), ["tickets", "sla_breach_rate"])
            cur.close()
            seen.append([k[i] for i in {ids!r}] + [t["tickets"], t["sla_breach_rate"]])
        except Exception as exc:
            errors.append(repr(exc))
    print(json.dumps({{"seen": seen, "errors": errors}}))
""")


def answer(store, team: str, channel: str) -> list:
    from metrics import engine
    from metrics.filters import Filters

    cur = store.cursor()
    try:
        k = engine.kpis(cur, Filters(), IDS)
        t = engine.kpis(cur, Filters(team=[team], channel=[channel]), ["tickets", "sla_breach_rate"])
        return [k[i] for i in IDS] + [t["tickets"], t["sla_breach_rate"]]
    finally:
        cur.close()


def same(a: list, b: list) -> bool:
    return all((x is None and y is None) or (x is not None and y is not None and abs(x - y) <= 1e-9 * max(1, abs(y)))
               for x, y in zip(a, b))


def batch(path: Path, i: int, n: int, last: dt.datetime, team: str, channel: str) -> Path:
    lines = ["id,created,first response,solved,status,priority,channel,group,assignee,customer id,category,subject"]
    for j in range(n):
        created = last - dt.timedelta(days=30) + dt.timedelta(minutes=(i * n + j) * 7 % (30 * 24 * 60))
        reply = created + dt.timedelta(minutes=5 + j % 300)
        solved = created + dt.timedelta(hours=1 + j % 48) if j % 3 else None
        solved_text = f"{solved:%Y-%m-%d %H:%M}" if solved else ""
        lines.append(f"bench-{i}-{j},{created:%Y-%m-%d %H:%M},{reply:%Y-%m-%d %H:%M},"
                     f"{solved_text},{'solved' if solved else 'open'},"
                     f"{['low', 'normal', 'high', 'urgent'][j % 4]},{channel if j % 2 else 'email'},"
                     f"{team if j % 3 else 'Team 1'},Agent {j % 8}-{j % 8},C{j % 5000},Category {j % 12},bench {j}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--loads", type=int, default=20)
    ap.add_argument("--tickets", type=int, default=1000)
    args = ap.parse_args(argv)
    import metrics  # noqa: F401  the derived-table hooks
    from loaders.base import LoadOptions
    from loaders.store import Store

    store = Store(args.db.absolute())
    cur = store.cursor()
    last = cur.execute("SELECT max(created_at) FROM tickets").fetchone()[0]
    team, channel = cur.execute("SELECT team, channel FROM tickets WHERE team IS NOT NULL AND channel IS NOT NULL "
                                "LIMIT 1").fetchone()
    cur.close()
    work = Path(tempfile.mkdtemp(prefix="deskscope-readers-"))
    files = [batch(work / f"batch_{i:02d}.csv", i, args.tickets, last, team, channel) for i in range(args.loads)]
    states = [answer(store, team, channel)]
    stop = work / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER.format(root=str(ROOT), db=str(store.path), stop=str(stop),
                                                                   ids=IDS, team=team, channel=channel)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    while "reader ready" not in reader.stderr.readline():
        pass
    seconds = []
    for i, f in enumerate(files):
        t0 = time.perf_counter()
        [report] = store.load_files([f], LoadOptions(table="tickets", tz="UTC", source="bench"), format="generic")
        seconds.append(time.perf_counter() - t0)
        if report.status != "loaded":
            raise SystemExit(report.text())
        states.append(answer(store, team, channel))
        print(f"load {i + 1}: {seconds[-1]:.1f} s, tickets {states[-1][0]:,}", flush=True)
    time.sleep(2)
    stop.write_text("")
    out, err = reader.communicate(timeout=600)
    result = json.loads(out.strip().splitlines()[-1])
    seen = result["seen"]
    order = []
    unmatched = 0
    for s in seen:
        hit = next((i for i, st in enumerate(states) if same(s, st)), None)
        if hit is None:
            unmatched += 1
        else:
            order.append(hit)
    print(f"\n{args.loads} loads of {args.tickets:,} tickets into {states[0][0]:,}: median {statistics.median(seconds):.1f} s "
          f"per load; reader: {len(seen)} answers, {len(result['errors'])} errors, {unmatched} not a whole "
          f"generation, generations seen {sorted(set(order))}, in order: {order == sorted(order)}")
    if result["errors"]:
        print("first errors:", result["errors"][:3])
    return 0 if not result["errors"] and not unmatched and order == sorted(order) else 1


if __name__ == "__main__":
    raise SystemExit(main())
