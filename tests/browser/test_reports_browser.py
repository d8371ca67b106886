"""Snapshots and audits as a reader opens them: file:// in Debian's headless Chromium, offline.

Reuses the browser fixtures of conftest.py (the sample database `cli.py demo` builds, Chromium
via Playwright); writes screenshots to tests/browser/screenshots/report-*.png.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser.conftest import cli

TZ = "America/New_York"


@pytest.fixture(scope="session")
def report_files(sample_db, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("report-browser")
    snaps = out / "snapshots"
    for args in (["--period", "last-week", "--as-of", "2026-11-11"], ["--period", "last-week", "--as-of", "2026-11-18"],
                 ["--period", "last-week", "--as-of", "2026-11-25"]):
        done = cli("snapshot", *args, "--out", str(snaps), db=sample_db)
        assert done.returncode == 0, done.stdout + done.stderr
    exports = sample_db.parent / "exports"
    folder = out / "client"
    folder.mkdir()
    for name in ("zendesk_tickets.csv", "asterisk_Master.csv", "survey_responses.csv", "customers.csv"):
        shutil.copy(exports / name, folder / name)
    audits = {}
    for lang in ("en", "ru"):
        target = out / f"audit-{lang}.html"
        done = cli("audit", str(folder), "--out", str(target), "--lang", lang, "--tz", TZ,
                   *(["--pdf"] if lang == "en" else []), db=sample_db)
        assert done.returncode == 0, done.stdout + done.stderr
        audits[lang] = target
    return {"snapshots": snaps, "week": snaps / "2026-W47", "audit": audits}


def _offline(page):
    """Fail on any request that is not the file itself (a self-contained page makes none)."""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    return requests


def test_snapshot_index_in_the_browser(page, report_files, screenshots):
    requests = _offline(page)
    page.goto(report_files["snapshots"].joinpath("index.html").as_uri())
    assert page.title() == "Support snapshots"
    body = page.inner_text("body")
    assert "Weekly snapshots" in body and "All snapshots" in body
    for week in ("2026-W45", "2026-W46", "2026-W47"):
        assert week in body
    assert page.locator("svg.chart").count() >= 4
    assert all(u.startswith("file://") for u in requests), requests
    page.screenshot(path=str(screenshots / "report-snapshot-index.png"), full_page=True)
    with page.expect_navigation():
        page.click("a:has-text('2026-W47')")
    assert page.title() == "Support snapshot 2026-W47"


def test_snapshot_page_in_the_browser(page, report_files, screenshots):
    requests = _offline(page)
    page.goto(report_files["week"].joinpath("index.html").as_uri())
    body = page.inner_text("body")
    for text in ("Key figures", "What changed", "Real moves (beyond noise)", "Money: churn attributable to support",
                 "Trend", "Tickets", "First reply time (median)"):
        assert text in body, text
    assert page.locator(".tile").count() >= 10
    assert page.locator("svg.chart").count() >= 4
    # Nothing overflows the page horizontally.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert all(u.startswith("file://") for u in requests), requests
    page.screenshot(path=str(screenshots / "report-snapshot.png"), full_page=True)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_audit_in_the_browser(page, report_files, screenshots, lang):
    requests = _offline(page)
    page.goto(report_files["audit"][lang].as_uri())
    body = page.inner_text("body")
    expected = {"en": ("Service audit", "What was received", "Data quality", "KPIs against benchmarks",
                       "Findings, ranked by money at stake", "Recommendation", "Churn-cost estimate", "Assumptions"),
                "ru": ("Аудит сервиса", "Что получено", "Качество данных", "Выводы по убыванию суммы под риском",
                       "Рекомендация", "Оценка потерь от оттока", "Допущения")}[lang]
    for text in expected:
        assert text in body, text
    assert page.locator(".finding").count() >= 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert all(u.startswith("file://") for u in requests), requests
    page.screenshot(path=str(screenshots / f"report-audit-{lang}.png"), full_page=True)
    if lang == "en":
        pdf = report_files["audit"]["en"].with_suffix(".pdf")
        assert pdf.read_bytes()[:5] == b"%PDF-"


def test_snapshots_page_of_the_dashboard(server, page, report_files, settings_file, screenshots):
    """The dashboard's Snapshots page pointed at the snapshots written above: the newest opens in
    place (its own HTML inside the page) and two are compared."""
    from tests.browser.test_browser import assert_no_traceback, shoot, wait_idle

    text = settings_file.read_text(encoding="utf-8") if settings_file.exists() else ""
    assert "[snapshots]" not in text
    settings_file.write_text(text + f'\n[snapshots]\ndir = "{report_files["snapshots"].as_posix()}"\n', encoding="utf-8")
    page.goto(server["url"] + "/snapshots")
    wait_idle(page)
    assert_no_traceback(page, "snapshots")
    frame = page.frame_locator('[data-testid="stMain"] iframe').first
    frame.locator("h1").wait_for(timeout=30000)
    assert frame.locator("h1").inner_text().strip() == "Support snapshot 2026-W47"
    assert frame.locator(".tile").count() >= 10
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "Compare" in main or "compare" in main, main[:1500]
    assert page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').count() == 3
    page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').first.wait_for(timeout=30000)
    shoot(page, screenshots / "snapshots-open.png")
