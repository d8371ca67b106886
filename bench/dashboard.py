"""How long the Overview takes to redraw in a real browser after a filter change, at 1M tickets.

    .venv/bin/python bench/dashboard.py [--db bench/results/dashboard_1000000.duckdb] [--tickets 1000000]

Builds the database with `cli.py demo --tickets N` through the real loaders when it does not
exist (about 10 minutes at 1M on this 2-core machine), starts `streamlit run` on a free port,
drives Debian's Chromium with Playwright and times, for the three largest teams: the instant of
the click on the team in the sidebar filter -> the app idle again with the Tickets tile changed.
Each team is timed cold (first time this filter state is seen by the server process) and warm
(the same filter state again, from a new session: results cached per filter state). The floor is
the engine call alone for the same filter state (`metrics.engine.kpis` on the Overview set),
measured in the same run, so the ratio shows what the browser and Streamlit add.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402
from tests.browser.test_browser import choose, tile_value, wait_idle  # noqa: E402


def build(db: Path, tickets: int) -> None:
    if db.exists():
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    print(f"building {db} with {tickets:,} tickets through the real loaders ...", flush=True)
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--db", str(db), "demo", "--tickets", str(tickets),
                           "--out", str(db.parent / f"sample_{tickets}")], cwd=ROOT)
    if done.returncode not in (0, 1):
        raise SystemExit(f"cli.py demo failed with exit code {done.returncode}")


def teams(db: Path, n: int = 3) -> list[str]:
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--db", str(db), "metrics", "--json", "--by", "team"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    rows = json.loads(done.stdout)
    rows = rows.get("rows", rows) if isinstance(rows, dict) else rows
    rows = [r for r in rows if r.get("team") not in (None, "")]
    rows.sort(key=lambda r: -(r.get("tickets") or 0))
    return [str(r["team"]) for r in rows[:n]]


def engine_floor(db: Path, team: str, runs: int = 5) -> float:
    """Median seconds of the Overview KPI call itself for the team filter, on a fresh connection."""
    from loaders.store import Store
    from metrics import engine
    from metrics.filters import Filters
    from metrics.registry import OVERVIEW

    cur = Store(db).cursor()
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        engine.kpis(cur, Filters(team=[team]), OVERVIEW)
        times.append(time.perf_counter() - start)
    cur.close()
    return statistics.median(times[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args(argv)
    db = args.db or ROOT / "bench" / "results" / f"dashboard_{args.tickets}.duckdb"
    build(db, args.tickets)
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    chosen = teams(db)
    work = Path(tempfile.mkdtemp(prefix="deskscope-bench-"))
    proc, url = start_server(db, work / "settings.toml", work / "streamlit.log")
    cold, warm = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for label, out in (("cold", cold), ("warm", warm)):
                for team in chosen:
                    page = browser.new_page(viewport={"width": 1440, "height": 1000})
                    page.goto(url + "/")
                    wait_idle(page, timeout=600)
                    before = tile_value(page, "Tickets")
                    clicked = choose(page, "Team", team)
                    page.wait_for_function(
                        "b => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== b",
                        arg=before, timeout=120000)
                    out.append(wait_idle(page, settle=3) - clicked)
                    page.close()
                    print(f"  {label:<4} {team:<16} {out[-1]:.2f} s", flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    floor = statistics.median(engine_floor(db, team) for team in chosen)
    print(f"\nOverview redraw after a team filter change, {args.tickets:,} tickets ({db.name}):")
    print(f"  cold (first time this filter state is seen): median {statistics.median(cold):.2f} s  {[round(x, 2) for x in cold]}")
    print(f"  warm (same filter state, new session):       median {statistics.median(warm):.2f} s  {[round(x, 2) for x in warm]}")
    print(f"  engine call alone (floor):                   median {floor:.3f} s; cold/floor = {statistics.median(cold) / floor:.1f}x")
    print("  target: under 1 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
