"""ui/data.py's caches: results are keyed by a hash of the settings' content, so a settings change
recomputes (st.cache_data ignores arguments whose name starts with an underscore: the settings
used to be passed as ``_settings`` and a changed threshold kept showing the old figure)."""
from __future__ import annotations

from pathlib import Path

import pytest

from loaders.base import LoadOptions
from loaders.store import Store

# Four answered inbound calls waiting 10, 25, 40 and 70 seconds (none abandoned: all are offered).
CALLS = """call id,start time,answered at,end time,wait time,talk time,queue,agent,customer id,outcome
K1,2024-03-01 10:00:00,2024-03-01 10:00:10,2024-03-01 10:04:10,10,240,Support,Anna,C1,answered
K2,2024-03-02 10:00:00,2024-03-02 10:00:25,2024-03-02 10:04:25,25,240,Support,Anna,C2,answered
K3,2024-03-03 10:00:00,2024-03-03 10:00:40,2024-03-03 10:04:40,40,240,Support,Boris,C3,answered
K4,2024-03-04 10:00:00,2024-03-04 10:01:10,2024-03-04 10:05:10,70,240,Support,Boris,C4,answered
"""


@pytest.fixture
def calls_db(tmp_path, monkeypatch) -> Path:
    import metrics  # noqa: F401  registers the derived-table hooks

    path = tmp_path / "calls.csv"
    path.write_text(CALLS, encoding="utf-8")
    store = Store(tmp_path / "d.duckdb")
    [report] = store.load_files([path], LoadOptions(table="calls", tz="UTC", source="test"), format="generic")
    assert report.status == "loaded" and report.rows_rejected == 0, report.text()
    monkeypatch.setenv("DESKSCOPE_DB", str(store.path))
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(tmp_path / "settings.toml"))
    return store.path


def test_a_settings_change_recomputes_cached_results(calls_db, tmp_path):
    from ui import data

    data.clear()
    every_team = ((data.SCOPE_PARAM, None),)  # a filter key as ui.filters.key gives it (no filter, no scope)
    settings = tmp_path / "settings.toml"
    before = data.settings_stamp()
    # default service_level_seconds = 20: only the 10 s wait is within it -> 1 of 4 offered calls
    assert data.kpis(every_team, ("service_level",))["service_level"] == pytest.approx(0.25)
    settings.write_text("[metrics]\nservice_level_seconds = 30\n", encoding="utf-8")
    changed = data.settings_stamp()
    assert changed != before
    # 30 s: the 10 s and 25 s waits -> 2 of 4 (a cached 0.25 here was the bug)
    assert data.kpis(every_team, ("service_level",))["service_level"] == pytest.approx(0.5)
    # the same content written again (new mtime) keeps the fingerprint: no needless recompute
    settings.write_text("[metrics]\nservice_level_seconds = 30\n", encoding="utf-8")
    assert data.settings_stamp() == changed
    settings.unlink()
    assert data.settings_stamp() == before
    assert data.kpis(every_team, ("service_level",))["service_level"] == pytest.approx(0.25)


def test_cached_functions_hash_every_argument():
    """No cached function of ui/data.py takes an argument st.cache_data would skip (``_name``)."""
    import inspect

    from ui import data

    skipped = []
    for name, fn in vars(data).items():
        wrapped = getattr(fn, "__wrapped__", None)
        if wrapped is None or not callable(fn):
            continue
        skipped += [f"{name}({p})" for p in inspect.signature(wrapped).parameters if p.startswith("_")]
    assert not skipped, f"st.cache_data ignores these arguments: {skipped}"


def test_prefetch_computes_each_result_once_and_leaves_failures_to_the_page():
    """ui.data.prefetch starts cached functions in threads; the page's own call of the same result
    waits for the thread (st.cache_data's lock per result) instead of computing it again, and a
    failure in a thread is not raised there (the page's call meets it)."""
    import threading
    import time

    import streamlit as st

    from ui import data

    calls = []
    gate = threading.Event()

    @st.cache_data(show_spinner=False)
    def slow(x: int) -> int:
        calls.append(x)
        gate.wait(5)
        return x * 2

    def boom() -> None:
        raise RuntimeError("disk gone")

    threads = data.prefetch((slow, (21,)), (boom, ()))
    deadline = time.perf_counter() + 5
    while not calls and time.perf_counter() < deadline:  # the thread holds the result's lock
        time.sleep(0.01)
    assert calls == [21]
    threading.Timer(0.2, gate.set).start()
    assert slow(21) == 42  # waited for the thread's result
    for t in threads:
        t.join(5)
    assert calls == [21] and not any(t.is_alive() for t in threads)
