"""Bad input in a real browser: a failed load attempt in the Data page's history (with its
reason), tickets with negative durations listed, and the Overview saying how many were left out."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import _need_chromium, start_server
from tests.browser.test_browser import assert_no_traceback, shoot, wait_idle

FILES = Path(__file__).resolve().parents[1] / "badinput" / "files"


@pytest.fixture(scope="module")
def bad_server(tmp_path_factory):
    _need_chromium()
    import metrics  # noqa: F401
    from loaders.base import LoadOptions
    from loaders.store import Store

    folder = tmp_path_factory.mktemp("badinput_browser")
    db = folder / "bad.duckdb"
    store = Store(db)
    [ok] = store.load_files([FILES / "solved_before_created.csv"], LoadOptions(source="demo", tz="UTC"))
    assert ok.status == "loaded", ok.error
    [bad] = store.load_files([FILES / "xlsx_password.xlsx"], LoadOptions(source="demo"))
    assert bad.status == "failed"
    settings = folder / "settings.toml"
    proc, url = start_server(db, settings, folder / "streamlit.log")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_failed_attempt_and_negative_durations_are_shown(bad_server, page, screenshots):
    page.goto(bad_server + "/data")
    wait_idle(page)
    assert_no_traceback(page, "data")
    main = page.locator('[data-testid="stMain"]')
    page.get_by_text("1 load attempt(s) failed and changed nothing: why").click()
    page.wait_for_timeout(500)
    assert "password-protected" in main.inner_text()
    page.get_by_text("Tickets with a reply or solve before their creation (1)").click()
    page.wait_for_timeout(500)
    shoot(page, screenshots / "badinput_data.png")
    page.goto(bad_server + "/")
    wait_idle(page)
    assert_no_traceback(page, "overview")
    assert "1 left out: stamped before creation (Resolution time (median))" in main.inner_text()
    shoot(page, screenshots / "badinput_overview.png")
