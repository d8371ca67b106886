"""The Churn page in a real browser on a folder that holds only a churn list (no tickets at all):
the list's own support columns give the dose-response charts and the money, in English and
Russian. Screenshots: tests/browser/screenshots/churn-list-{en,ru}.png (look at them)."""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import _need_chromium, start_server
from tests.browser.test_browser import assert_no_traceback, shoot, wait_idle

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "churn"


@pytest.fixture(scope="module")
def churn_list_server(tmp_path_factory):
    _need_chromium()
    from loaders.base import LoadOptions
    from loaders.store import Store

    folder = tmp_path_factory.mktemp("churn-list")
    store = Store(folder / "list.duckdb")
    for r in store.load_files([FIX / "complaint_satisfaction.csv", FIX / "anonymous_service_calls.csv"],
                              LoadOptions(as_of=dt.date(2024, 6, 30))):
        assert r.status == "loaded", r.text()
    proc, url = start_server(store.path, folder / "settings.toml", folder / "streamlit.log")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.parametrize("lang, title, section, cost", [
    ("en", "Churn & revenue", "Support columns inside the list", "What the excess costs a month"),
    ("ru", "Отток и выручка", "Поддержка в столбцах самого списка", "Во что обходится превышение в месяц"),
])
def test_churn_page_from_the_list_alone(churn_list_server, page, screenshots, lang, title, section, cost):
    page.goto(f"{churn_list_server}/churn?lang={lang}")
    wait_idle(page, timeout=180)
    assert page.locator("h1").first.inner_text().strip() == title
    assert_no_traceback(page, f"churn {lang}")
    main = page.locator('[data-testid="stMain"]')
    assert section in main.inner_text()
    # contacts, bad experiences, complaint and satisfaction charts, drawn by Plotly
    page.locator(".js-plotly-plot").nth(3).wait_for(timeout=60000)
    assert page.locator(".js-plotly-plot").count() >= 4
    costs = page.locator('[data-testid="stMetric"]').filter(has_text=cost)
    assert costs.count() >= 3
    shoot(page, screenshots / f"churn-list-{lang}.png")
