#!/usr/bin/env python3
"""Benchmark: the Overview KPI set at 1M and 10M tickets, through the engine (rollups) against
the floor (one hand-written DuckDB query over the same raw rows, exact quantiles) and idiomatic
pandas on the same rows.

    .venv/bin/python bench/metrics.py [--sizes 1M 10M] [--runs 7] [--keep] [--dir bench/results] [--no-write]

Data: bench/synthetic.py writes canonical tables and ticket_metrics straight into a DuckDB file
(about 2 years of tickets, 8 teams x 8 agents, calls = tickets / 3, surveys = tickets / 10);
``--derive`` builds ticket_metrics with metrics/derive.py instead (slower: business hours).
Results go to bench/README.md and the "Speed" section of docs/metrics.md unless --no-write.
Timings are the median of --runs runs (at least 5) after one warm-up run, on a read-only
connection opened the way the app opens it (loaders.store.Store(path).cursor()).
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import duckdb  # noqa: E402

from metrics import engine, rollups  # noqa: E402
from metrics.filters import Filters  # noqa: E402
from metrics.registry import OVERVIEW  # noqa: E402

TEAM = "Team 1"

# ---------------------------------------------------------------- the floor: one query, exact
FLOOR_SQL = """
WITH t AS (
  SELECT count(*) AS tickets,
    count(*) FILTER (WHERE is_open IS TRUE) AS backlog_created,
    quantile_cont(first_reply_calendar_minutes, [0.5, 0.9]) FILTER (WHERE first_reply_calendar_minutes >= 0) AS frt,
    quantile_cont(first_reply_business_minutes, 0.5) FILTER (WHERE first_reply_business_minutes >= 0) AS frt_b,
    quantile_cont(full_resolution_calendar_minutes, 0.5)
      FILTER (WHERE is_open IS NOT TRUE AND full_resolution_calendar_minutes >= 0) AS res,
    (count(*) FILTER (WHERE sla_first_reply_status = 'breached') + count(*) FILTER (WHERE sla_next_reply_status = 'breached')
     + count(*) FILTER (WHERE sla_resolution_status = 'breached')) /
    nullif(count(*) FILTER (WHERE sla_first_reply_status IN ('achieved', 'breached'))
     + count(*) FILTER (WHERE sla_next_reply_status IN ('achieved', 'breached'))
     + count(*) FILTER (WHERE sla_resolution_status IN ('achieved', 'breached')), 0) AS sla,
    count(*) FILTER (WHERE (first_solved_at IS NOT NULL OR solved_at IS NOT NULL OR is_open IS NOT TRUE) AND reopens > 0) /
    nullif(count(*) FILTER (WHERE (first_solved_at IS NOT NULL OR solved_at IS NOT NULL OR is_open IS NOT TRUE)
                              AND reopens IS NOT NULL), 0) AS reopen,
    count(*) FILTER (WHERE one_touch) / nullif(count(one_touch), 0) AS one_touch
  FROM ticket_metrics WHERE {t_where}),
b AS (SELECT count(*) AS backlog FROM ticket_metrics
      WHERE {b_where} AND created_at < ? AND (is_open IS TRUE OR solved_at >= ?)),
s AS (
  SELECT count(*) FILTER (WHERE kind = 'csat' AND 4 * (score - coalesce(scale_min, 1)) >= 3 * (coalesce(scale_max, 5) - coalesce(scale_min, 1)))
         / nullif(count(*) FILTER (WHERE kind = 'csat' AND score IS NOT NULL), 0) AS csat,
    100.0 * (count(*) FILTER (WHERE kind = 'nps' AND 10 * (score - coalesce(scale_min, 0)) >= 9 * (coalesce(scale_max, 10) - coalesce(scale_min, 0)))
           - count(*) FILTER (WHERE kind = 'nps' AND 10 * (score - coalesce(scale_min, 0)) <= 6 * (coalesce(scale_max, 10) - coalesce(scale_min, 0))))
         / nullif(count(*) FILTER (WHERE kind = 'nps' AND score IS NOT NULL), 0) AS nps
  FROM survey_facts WHERE {s_where}),
c AS (
  SELECT avg(wait_seconds) FILTER (WHERE outcome = 'answered') AS asa,
    count(*) FILTER (WHERE outcome IN ('abandoned', 'missed') AND NOT coalesce(wait_seconds < 5, false)) /
      nullif(count(*) FILTER (WHERE NOT coalesce(outcome IN ('abandoned', 'missed') AND wait_seconds < 5, false)), 0) AS abandonment,
    count(*) FILTER (WHERE outcome = 'answered' AND wait_seconds <= 20) /
      nullif(count(*) FILTER (WHERE NOT coalesce(outcome IN ('abandoned', 'missed') AND wait_seconds < 5, false)), 0) AS service_level,
    avg(talk_seconds + coalesce(hold_seconds, 0) + coalesce(wrap_seconds, 0)) FILTER (WHERE outcome = 'answered' AND talk_seconds IS NOT NULL) AS aht
  FROM calls WHERE coalesce(direction, 'inbound') = 'inbound' AND {c_where})
SELECT * FROM t, b, s, c
"""


def floor(con, f: Filters, end: dt.datetime) -> dict:
    date = "{col} >= ? AND {col} < ?"
    team = "team = ?"
    if f.team:
        lo = dt.datetime.combine(f.date_from, dt.time())
        hi = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time())
        wheres = {"t_where": f"{date.format(col='created_at')} AND {team}", "b_where": team,
                  "s_where": f"{date.format(col='responded_at')} AND {team}",
                  "c_where": f"{date.format(col='queued_at')} AND {team}"}
        params = [lo, hi, f.team[0], f.team[0], end, end, lo, hi, f.team[0], lo, hi, f.team[0]]
    else:
        wheres = {k: "TRUE" for k in ("t_where", "b_where", "s_where", "c_where")}
        params = [end, end]
    row = con.execute(FLOOR_SQL.format(**wheres), params)
    names = [d[0] for d in row.description]
    r = dict(zip(names, row.fetchall()[0]))
    return {"tickets": r["tickets"], "backlog": r["backlog"], "frt_median_minutes": r["frt"][0] if r["frt"] else None,
            "frt_p90_minutes": r["frt"][1] if r["frt"] else None, "frt_business_median_minutes": r["frt_b"],
            "resolution_median_minutes": r["res"], "sla_breach_rate": r["sla"], "reopen_rate": r["reopen"],
            "one_touch_rate": r["one_touch"], "csat": r["csat"], "nps": r["nps"], "asa_seconds": r["asa"],
            "abandonment_rate": r["abandonment"], "service_level": r["service_level"], "aht_seconds": r["aht"]}


# ---------------------------------------------------------------- idiomatic pandas
def pandas_frames(con):
    tm = con.sql("SELECT created_at, team, is_open, solved_at, first_solved_at, first_reply_calendar_minutes, "
                 "first_reply_business_minutes, full_resolution_calendar_minutes, sla_first_reply_status, "
                 "sla_next_reply_status, sla_resolution_status, reopens, one_touch FROM ticket_metrics").df()
    sv = con.sql("SELECT responded_at, team, kind, score, scale_min, scale_max FROM survey_facts").df()
    calls = con.sql("SELECT queued_at, team, direction, outcome, wait_seconds, talk_seconds, hold_seconds, wrap_seconds "
                    "FROM calls").df()
    return tm, sv, calls


def pandas_kpis(frames, f: Filters, end):
    import pandas as pd

    tm, sv, calls = frames
    backlog_rows = tm
    if f.team:
        lo, hi = pd.Timestamp(f.date_from), pd.Timestamp(f.date_to + dt.timedelta(days=1))
        backlog_rows = tm[tm.team == f.team[0]]
        tm = backlog_rows[(backlog_rows.created_at >= lo) & (backlog_rows.created_at < hi)]
        sv = sv[(sv.team == f.team[0]) & (sv.responded_at >= lo) & (sv.responded_at < hi)]
        calls = calls[(calls.team == f.team[0]) & (calls.queued_at >= lo) & (calls.queued_at < hi)]
    out = {"tickets": len(tm)}
    end = pd.Timestamp(end)
    is_open = tm.is_open.fillna(False).astype(bool)
    bl_open = backlog_rows.is_open.fillna(False).astype(bool)
    out["backlog"] = int(((backlog_rows.created_at < end) & (bl_open | (backlog_rows.solved_at >= end))).sum())
    frt = tm.first_reply_calendar_minutes[tm.first_reply_calendar_minutes >= 0]
    out["frt_median_minutes"] = frt.median()
    out["frt_p90_minutes"] = frt.quantile(0.9)
    frt_b = tm.first_reply_business_minutes
    out["frt_business_median_minutes"] = frt_b[frt_b >= 0].median()
    res = tm.full_resolution_calendar_minutes
    out["resolution_median_minutes"] = res[~is_open & (res >= 0)].median()
    statuses = tm[["sla_first_reply_status", "sla_next_reply_status", "sla_resolution_status"]]
    breached = int((statuses == "breached").to_numpy().sum())
    completed = breached + int((statuses == "achieved").to_numpy().sum())
    out["sla_breach_rate"] = breached / completed if completed else None
    solved_ever = tm.first_solved_at.notna() | tm.solved_at.notna() | ~is_open
    known = solved_ever & tm.reopens.notna()
    out["reopen_rate"] = (tm.reopens[known] > 0).mean() if known.any() else None
    ot = tm.one_touch.dropna().astype(bool)
    out["one_touch_rate"] = ot.mean() if len(ot) else None
    csat = sv[(sv.kind == "csat") & sv.score.notna()]
    lo_, hi_ = csat.scale_min.fillna(1), csat.scale_max.fillna(5)
    out["csat"] = (4 * (csat.score - lo_) >= 3 * (hi_ - lo_)).mean() if len(csat) else None
    nps = sv[(sv.kind == "nps") & sv.score.notna()]
    pos = (nps.score - nps.scale_min.fillna(0)) / (nps.scale_max.fillna(10) - nps.scale_min.fillna(0))
    out["nps"] = 100.0 * ((pos >= 0.9).mean() - (pos <= 0.6).mean()) if len(nps) else None
    inbound = calls[calls.direction.fillna("inbound") == "inbound"]
    abandon_like = inbound.outcome.isin(["abandoned", "missed"])
    short = abandon_like & (inbound.wait_seconds < 5)
    offered = int((~short).sum())
    answered = inbound.outcome == "answered"
    out["asa_seconds"] = inbound.wait_seconds[answered].mean()
    out["abandonment_rate"] = (abandon_like & ~short).sum() / offered if offered else None
    out["service_level"] = (answered & (inbound.wait_seconds <= 20)).sum() / offered if offered else None
    handled = inbound[answered & inbound.talk_seconds.notna()]
    out["aht_seconds"] = (handled.talk_seconds + handled.hold_seconds.fillna(0) + handled.wrap_seconds.fillna(0)).mean()
    return out


# ---------------------------------------------------------------- running
def median_ms(fn, runs: int) -> float:
    fn()  # warm-up: caches, first-touch of the file
    times = []
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def build(path: Path, n: int, use_derive: bool) -> dict:
    from synthetic import generate

    for p in (path, Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    t0 = time.perf_counter()
    generate(con, tickets=n)
    gen = time.perf_counter() - t0
    derive_s = None
    if use_derive:
        from metrics import derive

        con.execute("DROP TABLE ticket_metrics")
        t0 = time.perf_counter()
        derive.build(con)
        derive_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    steps = rollups.build_rollups(con)
    roll = time.perf_counter() - t0
    con.execute("CHECKPOINT")
    con.close()
    return {"generate_s": gen, "derive_s": derive_s, "rollups_s": roll, "rollup_steps": steps}


def check(engine_vals: dict, reference: dict) -> float:
    """Largest relative difference between the engine and the floor over the Overview set."""
    worst = 0.0
    for k, ref in reference.items():
        got = engine_vals.get(k)
        if ref is None or got is None:
            if (ref is None) != (got is None):
                raise AssertionError(f"{k}: engine {got} vs floor {ref}")
            continue
        diff = abs(got - ref) / abs(ref) if ref else abs(got)
        worst = max(worst, diff)
    if worst > 0.01:
        raise AssertionError(f"engine differs from the floor by {worst:.2%}")
    return worst


def bench_size(n: int, args) -> list[dict]:
    from loaders.store import Store

    path = Path(args.dir) / f"bench_{n}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if args.reuse and path.exists():
        info = {"generate_s": None, "derive_s": None, "rollups_s": None}
    else:
        print(f"[{n:,}] generating and building rollups in {path} ...", flush=True)
        info = build(path, n, args.derive)
        print(f"[{n:,}] generated in {info['generate_s']:.1f} s, rollups in {info['rollups_s']:.1f} s "
              f"{ {k: round(v, 1) for k, v in info['rollup_steps'].items()} }", flush=True)
    if args.reuse:
        con = duckdb.connect(str(path))
        if not all(rollups.Rollups(con, engine._settings()).usable(f) for f in engine.FACTS.values()):
            print(f"[{n:,}] rollups missing or stale: rebuilding them", flush=True)
            t0 = time.perf_counter()
            info["rollup_steps"] = rollups.build_rollups(con)
            info["rollups_s"] = time.perf_counter() - t0
            con.execute("CHECKPOINT")
        con.close()
    store = Store(path)
    cur = store.cursor()
    last = cur.execute("SELECT max(created_at)::DATE FROM ticket_metrics").fetchall()[0][0]
    end_all = cur.execute("SELECT greatest(max(created_at), max(solved_at)) FROM ticket_metrics").fetchall()[0][0]
    cases = [("unfiltered", Filters()),
             (f"{TEAM} + last 30 days", Filters(team=(TEAM,), date_from=last - dt.timedelta(days=29), date_to=last))]
    frames = pandas_frames(cur) if not args.no_pandas else None
    rows = []
    for label, f in cases:
        # The backlog is measured at the period's end: "now" (far future) when open-ended.
        end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time()) if f.date_to else dt.datetime(9999, 1, 1)
        values = engine.kpis(cur, f, OVERVIEW)
        worst = check(values, floor(cur, f, end))
        e_ms = median_ms(lambda: engine.kpis(cur, f, OVERVIEW), args.runs)
        f_ms = median_ms(lambda: floor(cur, f, end), args.runs)
        p_ms = median_ms(lambda: pandas_kpis(frames, f, end), args.runs) if frames else None
        rows.append({"n": n, "case": label, "engine_ms": e_ms, "floor_ms": f_ms, "pandas_ms": p_ms, "worst": worst,
                     "plan": ",".join(sorted(set(values.plan.values())))})
        print(f"[{n:,}] {label}: engine {e_ms:.1f} ms ({rows[-1]['plan']}), floor {f_ms:.1f} ms, "
              f"pandas {p_ms and round(p_ms, 1)} ms, max deviation {worst:.3%}", flush=True)
    rows[0]["build"] = info
    cur.close()
    del frames
    if not args.keep:
        path.unlink(missing_ok=True)
    return rows


def markdown(rows: list[dict]) -> str:
    lines = ["| tickets | filter state | engine (rollups) | floor: one exact DuckDB query | pandas | engine / floor | pandas / floor | largest deviation |",
             "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        pandas = f"{r['pandas_ms']:,.0f} ms" if r["pandas_ms"] else "—"
        pratio = f"{r['pandas_ms'] / r['floor_ms']:.2f}x" if r["pandas_ms"] else "—"
        lines.append(f"| {r['n']:,} | {r['case']} | {r['engine_ms']:,.1f} ms | {r['floor_ms']:,.0f} ms | {pandas} | "
                     f"{r['engine_ms'] / r['floor_ms']:.3f}x | {pratio} | {r['worst']:.2%} |")
    builds = [r for r in rows if r.get("build") and r["build"].get("rollups_s")]
    if builds:
        lines.append("")
        lines.append("Rollup build at load time: " + "; ".join(
            f"{r['n']:,} tickets {r['build']['rollups_s']:.0f} s" for r in builds) + ".")
    return "\n".join(lines)


def machine() -> str:
    import duckdb as d

    return (f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, DuckDB {d.__version__}, "
            f"{dt.date.today().isoformat()}")


def write_results(table: str) -> None:
    readme = HERE / "README.md"
    body = readme.read_text() if readme.exists() else ""
    block = f"<!-- results:start -->\n{table}\n\nMeasured on {machine()}.\n<!-- results:end -->"
    if "<!-- results:start -->" in body:
        body = re.sub(r"<!-- results:start -->.*?<!-- results:end -->", lambda m: block, body, flags=re.S)
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    readme.write_text(body)
    docs = ROOT / "docs" / "metrics.md"
    if docs.exists():
        text = docs.read_text()
        block = f"<!-- speed:start -->\n{table}\n\nMeasured on {machine()} with `bench/metrics.py`.\n<!-- speed:end -->"
        if "<!-- speed:start -->" in text:
            text = re.sub(r"<!-- speed:start -->.*?<!-- speed:end -->", lambda m: block, text, flags=re.S)
            docs.write_text(text)


def parse_size(text: str) -> int:
    text = text.strip().upper().replace("_", "")
    mult = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text[:-1] if text[-1] in "KM" else text) * mult)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["1M", "10M"], help="ticket counts, e.g. 1M 10M 200K")
    ap.add_argument("--runs", type=int, default=7, help="timed runs per figure (median; at least 5)")
    ap.add_argument("--dir", default=str(HERE / "results"), help="where the benchmark databases go")
    ap.add_argument("--keep", action="store_true", help="keep the databases (reuse them with --reuse)")
    ap.add_argument("--reuse", action="store_true", help="reuse a database kept by an earlier --keep run")
    ap.add_argument("--derive", action="store_true", help="build ticket_metrics with metrics/derive.py")
    ap.add_argument("--no-pandas", action="store_true", help="skip the pandas comparison")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/README.md and docs alone")
    args = ap.parse_args(argv)
    args.runs = max(args.runs, 5)
    rows = []
    for size in args.sizes:
        rows += bench_size(parse_size(size), args)
    table = markdown(rows)
    print()
    print(table)
    if not args.no_write:
        write_results(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
