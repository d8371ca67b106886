#!/usr/bin/env python3
"""Benchmark: the Overview KPIs for filter states combining two and three dimensions (several values
each, a date range cutting months), warm and on the first query of a new process, against the floor.

    .venv/bin/python bench/query.py --db PATH [--runs 7] [--first-runs 3] [--json out.json]

``--db``: a store holding tickets, ticket_metrics, calls, surveys and the rollups (e.g. a
``bench/synthetic.py`` database after ``metrics.rollups.build_rollups``, or ``cli.py demo``'s).

* **warm**: ``metrics.engine.kpis(cursor, filters, OVERVIEW)`` (the Overview's 15 figures) on a
  cursor opened the way the app opens it (``loaders.store.Store(path).cursor()``), median of
  ``--runs`` runs after one warm-up run of the same state; and the Overview page's whole data
  (``engine.compare`` + ``engine.timeseries`` by week) the same way;
* **first**: a new Python process opens the store, runs the dashboard's warm-up
  (``ui.data.warm_up``, as ``app.py`` does at server start) and then times its very first Overview
  query for the state; also without the warm-up. Median of ``--first-runs`` processes per state;
* **floor**: one hand-written DuckDB query computing the same 15 figures from the raw rows
  (``ticket_metrics``, ``survey_facts``, ``calls``, exact quantiles; bench/metrics.py's FLOOR_SQL
  with the filters' where-clauses), median of ``--runs`` runs, in the same run.

Before timing, the engine's counts, rates and exact quantiles are checked equal to the floor's;
for each approximate quantile the line says whether the exact value lies inside its 95 % interval
(about one figure in 20 may not: that is what 95 % means).
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from metrics import engine  # noqa: E402
from metrics.calls import CALLS  # noqa: E402
from metrics.filters import Filters, MissingDimension  # noqa: E402
from metrics.registry import OVERVIEW  # noqa: E402
from metrics.satisfaction import SURVEYS  # noqa: E402
from metrics.service import TICKETS  # noqa: E402


def values(cur, dim: str, n: int) -> tuple[str, ...]:
    got = sorted(str(v) for v in engine.dimension_values(cur, dim))
    if len(got) < n:
        raise SystemExit(f"the database has {len(got)} values of {dim}; the cases need {n}")
    # spread over the list (not just the first ones: their blocks may sit together)
    step = max(1, len(got) // n)
    return tuple(got[i * step] for i in range(n))


def cases(cur) -> list[tuple[str, Filters]]:
    lo, hi = cur.execute("SELECT min(created_at)::DATE, max(created_at)::DATE FROM ticket_metrics").fetchone()
    # a range that cuts a month at both ends (day cube or raw rows for the edges)
    frm, to = lo + dt.timedelta(days=40), hi - dt.timedelta(days=25)
    team, agent = values(cur, "team", 2), values(cur, "agent", 3)
    channel, priority, category = values(cur, "channel", 2), values(cur, "priority", 2), values(cur, "category", 3)
    return [
        ("2 dims: team x2 + channel x2, range", Filters(date_from=frm, date_to=to, team=team, channel=channel)),
        ("2 dims: agent x3 + priority x2, range", Filters(date_from=frm, date_to=to, agent=agent, priority=priority)),
        ("3 dims: team x2 + channel x2 + priority x2, range",
         Filters(date_from=frm, date_to=to, team=team, channel=channel, priority=priority)),
        ("3 dims: agent x3 + priority x2 + category x3, range",
         Filters(date_from=frm, date_to=to, agent=agent, priority=priority, category=category)),
        ("3 dims: team x2 + channel x2 + category x3, all time",
         Filters(team=team, channel=channel, category=category)),
    ]


# ---------------------------------------------------------------- the floor
def floor_query(f: Filters) -> tuple[str, list]:
    from metrics import clock

    import importlib.util

    # bench/metrics.py's query, its wheres filled in here (loaded by path: "metrics" is the package)
    spec = importlib.util.spec_from_file_location("bench_metrics", HERE / "metrics.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    FLOOR_SQL = mod.FLOOR_SQL

    def where(fact, column, dates=True):
        try:
            return f.where(fact.dims, column, dates=dates)
        except MissingDimension:
            return "FALSE", []

    t, tp = where(TICKETS, "created_at")
    b, bp = where(TICKETS, "created_at", dates=False)
    s, sp = where(SURVEYS, "responded_at")
    c, cp = where(CALLS, "queued_at")
    end = clock.utc_end(f.date_to, clock.report_tz()) if f.date_to else dt.datetime(9999, 1, 1)
    sql = FLOOR_SQL.format(t_where=t, b_where=b, s_where=s, c_where=c)
    return sql, tp + bp + [end, end] + sp + cp


def floor(cur, f: Filters) -> dict:
    sql, params = floor_query(f)
    res = cur.execute(sql, params)
    names = [d[0] for d in res.description]
    r = dict(zip(names, res.fetchall()[0]))
    return {"tickets": r["tickets"], "backlog": r["backlog"], "frt_median_minutes": r["frt"][0] if r["frt"] else None,
            "frt_p90_minutes": r["frt"][1] if r["frt"] else None, "frt_business_median_minutes": r["frt_b"],
            "resolution_median_minutes": r["res"], "sla_breach_rate": r["sla"], "reopen_rate": r["reopen"],
            "one_touch_rate": r["one_touch"], "csat": r["csat"], "nps": r["nps"], "asa_seconds": r["asa"],
            "abandonment_rate": r["abandonment"], "service_level": r["service_level"], "aht_seconds": r["aht"]}


def check(figures, reference: dict) -> str:
    """Counts and rates equal; exact quantiles equal; approximate ones' exact value inside the interval."""
    notes = []
    for k, ref in reference.items():
        got = figures.get(k)
        if ref is None or got is None:
            if (ref is None) != (got is None):
                raise AssertionError(f"{k}: engine {got} vs floor {ref}")
            continue
        if k in figures.approximate:
            low, high = figures.intervals.get(k, (None, None))
            if low is None:
                raise AssertionError(f"{k}: approximate without an interval")
            # a 95 % interval misses the exact value about once in 20 figures: counted, not raised
            inside = low - 1e-9 <= ref <= high + 1e-9
            notes.append(f"{k} ≈{got:.1f} [{low:.1f}, {high:.1f}] exact {ref:.1f}{'' if inside else ' OUTSIDE'}")
        elif abs(got - ref) > 1e-6 * max(1.0, abs(ref)):
            raise AssertionError(f"{k}: engine {got} vs floor {ref}")
    return "; ".join(notes) or "all exact"


# ---------------------------------------------------------------- timing
def median_ms(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def page_data(cur, f: Filters):
    from metrics.registry import OVERVIEW as ids

    engine.compare(cur, f, ids=list(ids))
    engine.timeseries(cur, f, grain="week", ids=list(ids))


def child(db: str, index: int, warm: bool) -> dict:
    """One new process: open the store as the app does, warm up (or not), time the first query."""
    os.environ["DESKSCOPE_DB"] = db
    t0 = time.perf_counter()
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from ui import data

    warm_s = None
    if warm:
        thread = data.warm_up()
        if thread is not None:
            thread.join()
        warm_s = time.perf_counter() - t0
    cur = data.store().cursor()
    label, f = cases(cur)[index]
    t1 = time.perf_counter()
    engine.kpis(cur, f, OVERVIEW)
    first = time.perf_counter() - t1
    return {"case": label, "first_ms": first * 1000, "warm_up_s": warm_s}


def run_child(db: str, index: int, warm: bool) -> dict:
    done = subprocess.run([sys.executable, __file__, "--db", db, "--child", str(index)] + (["--warm"] if warm else []),
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--first-runs", type=int, default=3)
    ap.add_argument("--only", type=int, nargs="*", help="case numbers (0-based)")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    db = str(Path(args.db).absolute())
    if args.child is not None:
        print(json.dumps(child(db, args.child, args.warm)))
        return 0
    from loaders.store import Store

    cur = Store(db).cursor()
    tickets = cur.execute("SELECT count(*) FROM ticket_metrics").fetchone()[0]
    all_cases = cases(cur)
    rows = []
    for i, (label, f) in enumerate(all_cases):
        if args.only and i not in args.only:
            continue
        figures = engine.kpis(cur, f, OVERVIEW)
        checked = check(figures, floor(cur, f))
        plan = ",".join(f"{k}:{v}" for k, v in sorted(figures.plan.items()))
        firsts = [run_child(db, i, True) for _ in range(args.first_runs)]
        colds = [run_child(db, i, False) for _ in range(args.first_runs)]
        row = {"case": label, "tickets": tickets, "plan": plan, "check": checked,
               "warm_ms": median_ms(lambda: engine.kpis(cur, f, OVERVIEW), args.runs),
               "page_ms": median_ms(lambda: page_data(cur, f), max(3, args.runs // 2)),
               "floor_ms": median_ms(lambda: floor(cur, f), args.runs),
               "first_ms": statistics.median(r["first_ms"] for r in firsts),
               "first_runs": [round(r["first_ms"]) for r in firsts],
               "warm_up_s": statistics.median(r["warm_up_s"] for r in firsts),
               "cold_ms": statistics.median(r["first_ms"] for r in colds),
               "cold_runs": [round(r["first_ms"]) for r in colds]}
        rows.append(row)
        print(f"[{tickets:,}] {label}: warm {row['warm_ms']:.0f} ms, first after warm-up {row['first_ms']:.0f} ms "
              f"{row['first_runs']} (warm-up {row['warm_up_s']:.1f} s), first without warm-up {row['cold_ms']:.0f} ms "
              f"{row['cold_runs']}, page data {row['page_ms']:.0f} ms, floor {row['floor_ms']:.0f} ms; {plan}; {checked}",
              flush=True)
    info = {"machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}",
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="minutes"),
            "load_average": os.getloadavg(), "peak_rss_mb": rss_mb(), "rows": rows}
    print(f"load average {info['load_average']}, this process peaked at {info['peak_rss_mb']:.0f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(info, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
