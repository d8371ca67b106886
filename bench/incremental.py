#!/usr/bin/env python3
"""A cron load costs what it loads (issue 18): 1,000 new tickets into a large database against the
same 1,000 into an empty one, in the same run; the peak extra disk of the load; optionally a reader
process looping over the KPI queries during 20 consecutive loads. The new tickets are those an hourly
cron export brings (created in the hour after the database's latest ticket; ``--spread``: created over
two years, as the generator writes them).

    .venv/bin/python bench/ingest.py --tickets 1000000 --runs 1 --keep DIR   # builds DIR/load.duckdb
    .venv/bin/python bench/incremental.py --db DIR/load.duckdb [--runs 3] [--reader-loads 20]

Each load is `cli.py load` in a fresh process (its wall time, start to exit: imports included, the
same in both). The new tickets are the sample generator's (a 1,000-ticket world per run, its ids
moved past every id of the database so that they are new), one file per run: the large database
grows by 1,000 tickets each run. The empty database is a new one each run. Peak extra disk: the
largest size of the database's files (base, delta, manifest, WAL, spill) during the load minus
their size before. Targets: large / empty at most 3x, peak extra disk at most 10% of the database.

The reader (``--reader-loads N``): a process opens the store and computes the Overview KPIs (all
tickets; team + priority filtered) in a loop while N loads run one after another; every answer
must equal the totals before or after some load (never half-applied) and it must see no error.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

from common import PY, ROOT, SCRATCH, fmt_s, folder_bytes, machine, median, run_measured  # noqa: E402

KPI_IDS = ["tickets", "backlog", "frt_median_minutes", "sla_breach_rate", "reopen_rate"]

READER = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {root!r})
    import metrics
    from loaders.store import Store
    from metrics import engine
    from metrics.filters import Filters
    store = Store({db!r})
    seen, errors = [], []
    stop = {stop!r}
    import os
    print("reader ready", file=sys.stderr, flush=True)
    while not os.path.exists(stop):
        try:
            cur = store.cursor()
            t0 = time.perf_counter()
            k = engine.kpis(cur, Filters(), {ids!r})
            t = engine.kpis(cur, Filters(team=["Tier 2"], priority=["high", "urgent"]), ["tickets"])
            n = cur.execute("SELECT count(*) FROM tickets").fetchone()[0]
            cur.close()
            seen.append([n, k["tickets"], t["tickets"], time.perf_counter() - t0])
        except Exception as exc:
            errors.append(repr(exc))
        time.sleep(0.2)
    print(json.dumps({{"seen": seen, "errors": errors}}))
""")


TZ = "America/New_York"  # the exports' zone: every load passes --tz TZ
TIMES = ("Created at", "Updated at", "Assigned at", "Due date", "Initially assigned at", "Solved at")


def new_tickets(folder: Path, run: int, offset: int, n: int, after=None) -> Path:
    """A Zendesk export of ``n`` new tickets (the generator's, ids moved up by ``offset``).
    ``after`` (a datetime): what an hourly cron export brings, the tickets created in the hour after
    it: each ticket's times are moved by one amount (its own durations kept) so that its creation
    falls in that hour, in file order. Without it, the generator's two years of creation times."""
    import polars as pl

    from sample_data.generate import generate

    world = folder / f"new_{run}"
    if not (world / "zendesk_tickets.csv").exists():
        generate(world, seed=900 + run, tickets=n, formats=False)
    frame = pl.read_csv(world / "zendesk_tickets.csv", infer_schema=False)
    frame = frame.with_columns((pl.col("ID").cast(pl.Int64) + offset).cast(pl.String).alias("ID"))
    if after is not None:
        fmt = "%Y-%m-%d %H:%M:%S"
        created = pl.col("Created at").str.to_datetime(fmt)
        target = pl.lit(after) + pl.duration(seconds=pl.int_range(pl.len()) * 3600 // pl.len() + 1)
        shift = (target - created).alias("_shift")
        frame = frame.with_columns(shift).with_columns(
            [(pl.col(c).str.to_datetime(fmt, strict=False) + pl.col("_shift")).dt.strftime(fmt).alias(c)
             for c in TIMES if c in frame.columns]).drop("_shift")
    out = folder / f"new_tickets_{run:02d}{'_hour' if after is not None else ''}.csv"
    frame.write_csv(out)
    return out


def latest_created(db: Path):
    """The database's latest ticket creation, as a local time of the exports' zone (TZ; the store
    keeps UTC): the hour after it is the next cron export's."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from loaders.store import Store

    cur = Store(db).cursor()
    try:
        utc = cur.execute("SELECT max(created_at) FROM tickets").fetchall()[0][0]
    finally:
        cur.close()
    return utc.replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(TZ)).replace(tzinfo=None)


def db_bytes(db: Path) -> int:
    return folder_bytes(db.parent, db.name)


def load(db: Path, path: Path) -> dict:
    r = run_measured([PY, str(ROOT / "cli.py"), "--db", str(db), "load", str(path), "--tz", TZ, "--json"],
                     watch_dir=db.parent, prefix=db.name)
    assert r["returncode"] in (0, 1), r["stderr"][-3000:]
    report = json.loads(r["stdout"])[0]
    assert report["status"] == "loaded", report
    return {"seconds": r["seconds"], "peak_rss": r["peak_rss"], "peak_disk": r["peak_disk"],
            "rows_inserted": report["rows_inserted"], "derive_seconds": report.get("seconds")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a database built by `cli.py load` (bench/ingest.py --keep)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--reader-loads", type=int, default=0, help="then N loads with a reader process looping")
    parser.add_argument("--spread", action="store_true",
                        help="new tickets created over the generator's two years (default: in the hour after the "
                             "database's latest ticket, what an hourly cron export brings)")
    args = parser.parse_args(argv)
    print(machine(), flush=True)
    work = SCRATCH / f"incremental_{args.db.parent.name}"
    work.mkdir(parents=True, exist_ok=True)
    import duckdb

    from loaders.store import Store

    con = Store(args.db).cursor()
    total, top = con.execute("SELECT count(*), max(TRY_CAST(source_id AS BIGINT)) FROM tickets").fetchone()
    con.close()
    print(f"database: {args.db} ({db_bytes(args.db) / 1e9:.2f} GB, {total:,} tickets)", flush=True)
    offset = (int(top or 0) // 1_000_000 + 100) * 1_000_000
    big, empty = [], []
    for run in range(args.runs):
        path = new_tickets(work, run, offset + run * 10 * args.tickets, args.tickets,
                           None if args.spread else latest_created(args.db))
        fresh = work / "empty"
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir()
        e = load(fresh / "d.duckdb", path)
        empty.append(e)
        before = db_bytes(args.db)
        b = load(args.db, path)
        b["extra_disk"] = b["peak_disk"] - before
        b["db_bytes"] = before
        big.append(b)
        print(f"run {run + 1}: empty {fmt_s(e['seconds'])}, large {fmt_s(b['seconds'])} "
              f"({b['rows_inserted']:,} new), peak extra disk {b['extra_disk'] / 1e6:,.1f} MB "
              f"({b['extra_disk'] / before:.1%} of {before / 1e9:.2f} GB)", flush=True)
    result = {"db": str(args.db), "tickets_in_db": total, "runs": args.runs, "machine": machine(), "empty": empty,
              "large": big, "empty_median_s": median([x["seconds"] for x in empty]),
              "large_median_s": median([x["seconds"] for x in big])}
    result["ratio"] = result["large_median_s"] / result["empty_median_s"]
    result["extra_disk_share_max"] = max(x["extra_disk"] / x["db_bytes"] for x in big)
    print(f"\n| database | 1,000 new tickets into it | into an empty one | ratio | peak extra disk |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {total:,} tickets ({big[0]['db_bytes'] / 1e9:.2f} GB) | {fmt_s(result['large_median_s'])} | "
          f"{fmt_s(result['empty_median_s'])} | {result['ratio']:.2f}x | "
          f"{max(x['extra_disk'] for x in big) / 1e6:,.0f} MB ({result['extra_disk_share_max']:.1%}) |")
    if args.reader_loads:
        stop = work / "stop"
        stop.unlink(missing_ok=True)
        reader = subprocess.Popen([PY, "-c", READER.format(root=str(ROOT), db=str(args.db), stop=str(stop), ids=KPI_IDS)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while "ready" not in reader.stderr.readline():
            pass
        counts = [db_count(args.db)]
        started = time.perf_counter()
        for i in range(args.reader_loads):
            path = new_tickets(work, 100 + i, offset + (args.runs + i + 1) * 10 * args.tickets, args.tickets,
                               None if args.spread else latest_created(args.db))
            load(args.db, path)
            counts.append(db_count(args.db))
        stop.write_text("stop")
        out, _ = reader.communicate(timeout=600)
        seen = json.loads(out.strip().splitlines()[-1])
        states = set(counts)
        wrong = [s for s in seen["seen"] if s[0] not in states or s[1] != s[0]]
        back = sum(1 for a, b in zip(seen["seen"], seen["seen"][1:]) if b[0] < a[0])
        result["reader"] = {"loads": args.reader_loads, "queries": len(seen["seen"]), "errors": seen["errors"][:5],
                            "error_count": len(seen["errors"]), "not_a_whole_state": len(wrong), "went_back": back,
                            "states_seen": len({s[0] for s in seen["seen"]}), "seconds": time.perf_counter() - started,
                            "query_median_s": median([s[3] for s in seen["seen"]]) if seen["seen"] else None}
        print(f"reader during {args.reader_loads} loads: {len(seen['seen'])} KPI queries, {len(seen['errors'])} errors, "
              f"{len(wrong)} answers that were no whole state, {back} went back in time, "
              f"{result['reader']['states_seen']} of {len(states)} states seen", flush=True)
    out = SCRATCH / f"incremental_{total}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"(median of {args.runs} run(s); results in {out})")
    return 0


def db_count(db: Path) -> int:
    from loaders.store import Store

    cur = Store(db).cursor()
    try:
        return cur.execute("SELECT count(*) FROM tickets").fetchone()[0]
    finally:
        cur.close()


if __name__ == "__main__":
    raise SystemExit(main())
