"""The Satisfaction page in Chromium on a client folder that holds only an undated two-sheet survey
workbook and a customer list (no tickets): the figures, the sentence for each missing one, the
table by segment, in English and Russian; screenshots in tests/browser/screenshots/ (look at them)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import _need_chromium, start_server
from tests.browser.test_browser import assert_no_traceback, shoot, tile_value, wait_idle
from tests.test_survey_pages import CUSTOMERS
from tests.test_surveys import airline_workbook


@pytest.fixture(scope="module")
def survey_server(tmp_path_factory, settings_file):
    _need_chromium()
    import metrics  # noqa: F401
    from loaders.base import LoadOptions
    from loaders.store import Store

    folder = tmp_path_factory.mktemp("client")
    airline_workbook(folder / "nps_by_airline.xlsx")
    (folder / "customers.csv").write_text(CUSTOMERS)
    store = Store(folder / "c.duckdb")
    reports = store.load_files([folder / "nps_by_airline.xlsx", folder / "customers.csv"], LoadOptions())
    assert all(r.status == "loaded" for r in reports), [r.text() for r in reports]
    proc, url = start_server(store.path, settings_file, folder / "streamlit.log")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.parametrize("lang,title,undated", [
    ("en", "Satisfaction", "16 responses have no date"),
    ("ru", "Удовлетворённость", "Ответов без даты: 16"),
])
def test_satisfaction_page_on_undated_surveys(survey_server, page, screenshots, lang, title, undated):
    page.goto(f"{survey_server}/satisfaction" + ("?lang=ru" if lang == "ru" else ""))
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() == title
    assert_no_traceback(page, f"satisfaction {lang}")
    assert tile_value(page, "NPS") == ("+12.5" if lang == "en" else "+12,5")  # 7 - 5 of 16
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert undated in main
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=30000)
    shoot(page, screenshots / f"satisfaction-undated-{lang}.png")
