"""The dashboard shows what bad input did: failed load attempts in the Data page's history (the
database unchanged, the journal on record), tickets with negative durations listed, and the
Overview's duration tiles saying how many tickets were left out."""
from __future__ import annotations

from pathlib import Path

import metrics  # noqa: F401  derived tables on load
from loaders.base import LoadOptions
from loaders.store import Store
from tests.test_pages import app, assert_clean, frame_with, open_page, texts

FILES = Path(__file__).parent / "badinput" / "files"


def _loaded(tmp_path) -> Path:
    db = tmp_path / "p.duckdb"
    store = Store(db)
    # 5 tickets; ticket 5 is solved an hour before it was created (hand count: 1 left out).
    [ok] = store.load_files([FILES / "solved_before_created.csv"], LoadOptions(source="p", tz="UTC"))
    assert ok.status == "loaded", ok.error
    [bad] = store.load_files([FILES / "xlsx_password.xlsx"], LoadOptions(source="p"))
    assert bad.status == "failed"
    return db


def test_data_page_lists_failed_attempts_and_negative_durations(monkeypatch, tmp_path):
    at = app(monkeypatch, _loaded(tmp_path)).run()
    open_page(at, "data")
    assert_clean(at, "data")
    history = frame_with(at, "attempt_id")
    failed = history.loc[history["status"] == "failed"]
    assert list(failed["file_name"]) == ["xlsx_password.xlsx"] and list(failed["attempt_id"]) == ["F1"]
    assert "password-protected" in failed["reason"].iloc[0]
    assert "1 load attempt(s) failed and changed nothing: why" in [e.label for e in at.expander]
    negative = frame_with(at, "before_creation")
    assert list(negative["source_id"]) == ["5"] and list(negative["before_creation"]) == ["solve"]


def test_overview_says_how_many_durations_were_left_out(monkeypatch, tmp_path):
    at = app(monkeypatch, _loaded(tmp_path)).run()
    open_page(at, "overview")
    assert_clean(at, "overview")
    assert "1 left out: stamped before creation (Resolution time (median))" in texts(at)
