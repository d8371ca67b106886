#!/usr/bin/env python3
"""The dashboard in a real browser on a large store: the Overview's redraw after a second filter,
every page with combined filters, and the Streamlit server's peak resident memory meanwhile.

    .venv/bin/python bench/browser_query.py --db PATH [--shots DIR]

Starts ``streamlit run app.py`` on the store (as tests/browser does), then in Debian's headless
Chromium (Playwright; never a downloaded browser):

1. **Overview, two filters, cold**: open the Overview, pick a team, then a channel; timed from the
   click on the channel to the app idle again with the Tickets tile changed. Three different
   (team, channel) pairs, each a filter state the server has not seen yet. Then the same three from
   new sessions (**warm**: results cached per filter state in ui/data.py).
2. **Every page with combined filters**: each page opened by URL with team x2 + channel x2 +
   priority x1 and a date range (a filter state not seen before on that page), timed from the
   navigation to the app idle; Overview, Tickets and Churn are the targets of issue 18.
3. **Server memory**: the streamlit process's peak resident set (``VmHWM`` in /proc) after all of
   it, and its resident set right after start.

The floor (the engine call alone, ``metrics.engine.kpis`` on the Overview set, same filter state)
is measured in the same run on a fresh cursor, so the ratio shows what Streamlit and the browser add.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402
from tests.browser.test_browser import assert_no_traceback, choose, tile_value, wait_idle  # noqa: E402

PAGES = ["overview", "tickets", "calls", "satisfaction", "agents", "churn", "contacts", "initiatives", "data",
         "settings", "snapshots"]


def sidebar_filter(page, label: str):
    return page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text=label).first


def proc_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def dims(db: Path) -> tuple[dict, Path, object]:
    from loaders.store import Store
    from metrics import engine

    cur = Store(db).cursor()
    out = {d: sorted(str(v) for v in engine.dimension_values(cur, d)) for d in ("team", "channel", "priority")}
    lo, hi = cur.execute("SELECT min(created_at)::DATE, max(created_at)::DATE FROM ticket_metrics").fetchone()
    out["range"] = (lo + dt.timedelta(days=33), hi - dt.timedelta(days=12))
    return out, db, cur


def floor_s(cur, f) -> float:
    from metrics import engine
    from metrics.registry import OVERVIEW

    times = []
    for _ in range(4):
        t0 = time.perf_counter()
        engine.kpis(cur, f, OVERVIEW)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--shots", type=Path, help="save a screenshot of every page here")
    args = ap.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    from metrics.filters import Filters

    values, db, cur = dims(args.db.absolute())
    teams, channels, prios = values["team"], values["channel"], values["priority"]
    pairs = [(teams[i % len(teams)], channels[(i * 2) % len(channels)]) for i in range(3)]
    work = Path(tempfile.mkdtemp(prefix="deskscope-bench-"))
    proc, url = start_server(db, work / "settings.toml", work / "streamlit.log")
    started_kb = proc_kb(proc.pid, "VmRSS")
    cold, warm, pages = [], [], {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            first = browser.new_page(viewport={"width": 1440, "height": 1000})
            t0 = time.perf_counter()
            first.goto(url + "/")
            first_load = wait_idle(first, timeout=600) - t0
            first.close()
            print(f"first Overview after server start: {first_load:.2f} s", flush=True)
            for label, out in (("cold", cold), ("warm", warm)):
                for team, channel in pairs:
                    page = browser.new_page(viewport={"width": 1440, "height": 1000})
                    page.set_default_timeout(300_000)  # a shared, loaded machine: be patient, then time
                    page.goto(url + "/")
                    wait_idle(page, timeout=600)
                    sidebar_filter(page, "Team").wait_for()
                    choose(page, "Team", team)
                    wait_idle(page, timeout=600)
                    sidebar_filter(page, "Channel").wait_for()
                    before = tile_value(page, "Tickets")
                    clicked = choose(page, "Channel", channel)
                    page.wait_for_function(
                        "b => document.querySelector('[data-testid=\"stMetricValue\"]').innerText !== b",
                        arg=before, timeout=600000)
                    out.append(wait_idle(page, timeout=600, settle=3) - clicked)
                    assert_no_traceback(page, f"overview {team} + {channel}")
                    page.close()
                    print(f"  {label:<4} {team} + {channel}: {out[-1]:.2f} s", flush=True)
            lo, hi = values["range"]
            query = {"team": ",".join(teams[1:3]), "channel": ",".join(channels[1:3]), "priority": prios[0],
                     "date_from": lo.isoformat(), "date_to": hi.isoformat()}
            for name in PAGES:
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                t0 = time.perf_counter()
                page.goto(f"{url}/{'' if name == 'overview' else name}?{urllib.parse.urlencode(query)}")
                pages[name] = wait_idle(page, timeout=600, settle=3) - t0
                assert_no_traceback(page, name)
                if args.shots:
                    args.shots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(args.shots / f"{name}.png"), full_page=True)
                page.close()
                print(f"  page {name:<13} {pages[name]:.2f} s", flush=True)
            browser.close()
        peak_kb = proc_kb(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    f = Filters(team=(pairs[0][0],), channel=(pairs[0][1],))
    floor = floor_s(cur, f)
    print(f"\n{args.db.name}: Overview redraw after the second filter: cold median {statistics.median(cold):.2f} s "
          f"{[round(x, 2) for x in cold]}, warm median {statistics.median(warm):.2f} s {[round(x, 2) for x in warm]}; "
          f"engine call alone {floor:.3f} s")
    print("pages with team x2 + channel x2 + priority + range: "
          + ", ".join(f"{k} {v:.2f} s" for k, v in pages.items()))
    print(f"streamlit server: {started_kb / 1024:.0f} MB after start, peak {peak_kb / 1024:.0f} MB resident")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
