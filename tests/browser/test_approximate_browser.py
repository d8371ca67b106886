"""Approximate figures in a real browser: with metrics.exact_quantile_max_rows lowered below the
rows behind them, the medians come from the ticket sample and the page says so ("≈" on the
tiles, a note beside them, "≈" in the Agents table's median cells). The threshold applies per
figure, and per row of a breakdown: 1 puts the 3 tickets' medians and Anna's 2 (Agents table) above it. Screenshots land in
tests/browser/screenshots/approximate-*.png (look at them)."""
from __future__ import annotations

import pytest

from loaders.base import LoadOptions
from loaders.store import Store
from tests.browser.conftest import _need_chromium, start_server
from tests.browser.test_browser import assert_no_traceback, shoot, tile_value, wait_idle

TICKETS = ("id,created,first response,solved,status,priority,channel,group,assignee,customer id,category,subject\n"
           + "".join(f"{i},2024-03-{4 + i:02d} 10:00,2024-03-{4 + i:02d} 10:{15 * (i + 1)},2024-03-{4 + i:02d} {10 + i}:00,"
                     f"solved,normal,email,Billing,{'Anna' if i < 2 else 'Boris'},C{i},refund,t{i}\n" for i in range(3)))


@pytest.fixture(scope="module")
def approximate_server(tmp_path_factory):
    _need_chromium()
    import metrics  # noqa: F401  (derived tables and rollups are built on load)

    folder = tmp_path_factory.mktemp("approximate")
    csv = folder / "tickets.csv"
    csv.write_text(TICKETS, encoding="utf-8")
    store = Store(folder / "d.duckdb")
    [report] = store.load_files([csv], LoadOptions(table="tickets", tz="UTC", source="test"), format="generic")
    assert report.status == "loaded", report.text()
    settings = folder / "settings.toml"
    settings.write_text("[metrics]\nexact_quantile_max_rows = 1\n", encoding="utf-8")
    proc, url = start_server(store.path, settings, folder / "streamlit.log")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_approximate_medians_are_marked(approximate_server, page, screenshots):
    page.goto(f"{approximate_server}/tickets?period=all-time")  # a 30-day period holds no whole month: exact
    wait_idle(page)
    assert_no_traceback(page, "tickets")
    # resolved after 0, 60 and 120 min: a store this small keeps all 3 in the sample: "≈ 60 min"
    assert tile_value(page, "Resolution time (median)").startswith("≈ ")
    assert not tile_value(page, "Reopen rate").startswith("≈")
    assert page.get_by_text("≈ approximate: read from a uniform sample of the tickets", exact=False).count() > 0
    shoot(page, screenshots / "approximate-tickets.png")
    page.goto(f"{approximate_server}/agents?period=all-time")
    wait_idle(page)
    assert_no_traceback(page, "agents")
    assert page.get_by_text("≈ approximate", exact=False).count() > 0
    shoot(page, screenshots / "approximate-agents.png")
