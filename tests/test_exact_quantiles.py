"""Medians and percentiles are exact whenever the rows behind them are few
(metrics.exact_quantile_max_rows); above it they come from the uniform ticket sample and say so:
"≈" on the page and in reports, "approximate": true in JSON, with a 95 % confidence interval.

The store: three solved tickets created in March 2024, resolved after 0, 60 and 120 minutes,
first replies after 15, 30 and 45 minutes, all in team Billing.

Exact (quantile_cont): the median of 0, 60, 120 is 60; of 15, 30, 45 it is 30.
From the sample: a store this small keeps all its tickets in the sample (rollups.SAMPLE_ALL_MAX),
so with the threshold lowered to 2 the sample path reads the same three rows: 60 and 30, marked
approximate, with the interval of ranks 0.5 -+ 1.96 * sqrt(0.5 * 0.5 / 3) = 0.5 -+ 0.566, i.e.
quantiles 0 and 1 of the rows read: 0 to 120 minutes (15 to 45 for the first reply).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import metrics  # noqa: F401  (registers the post-load hooks: ticket_metrics and rollups)
from loaders.base import LoadOptions
from loaders.store import Store
from metrics import engine
from metrics.filters import Filters
from metrics.registry import METRICS

ROOT = Path(__file__).resolve().parents[1]
HIST_60 = 60.0  # the sample's median (all three rows: see above)
HIST_30 = 30.0
# every median and p90 of a duration (the backlog's age is always computed from raw rows)
QUANTILES = {"frt_median_minutes", "frt_p90_minutes", "frt_business_median_minutes", "frt_business_p90_minutes",
             "resolution_median_minutes", "resolution_p90_minutes", "resolution_business_median_minutes"}


def test_the_quantile_list_above_is_the_engine_s():
    assert QUANTILES == {m for m in engine.FORMULAS if engine.can_be_approximate(m)}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("quantiles")
    tickets = folder / "tickets.csv"
    tickets.write_text(
        "id,created,first response,solved,status,priority,channel,group,assignee,customer id,category,subject\n"
        "1,2024-03-04 10:00,2024-03-04 10:15,2024-03-04 10:00,solved,normal,email,Billing,Anna,C1,refund,a\n"
        "2,2024-03-05 10:00,2024-03-05 10:30,2024-03-05 11:00,solved,normal,email,Billing,Anna,C2,refund,b\n"
        "3,2024-03-06 10:00,2024-03-06 10:45,2024-03-06 12:00,solved,normal,email,Billing,Boris,C3,refund,c\n",
        encoding="utf-8")
    store = Store(folder / "d.duckdb")
    [report] = store.load_files([tickets], LoadOptions(table="tickets", tz="UTC", source="test"), format="generic")
    assert report.status == "loaded" and report.rows_loaded == 3, report.text()
    return store.path


@pytest.fixture
def threshold(tmp_path, monkeypatch):
    """Settings with metrics.exact_quantile_max_rows set to the value given."""
    def set_to(rows: int) -> Path:
        path = tmp_path / f"settings-{rows}.toml"
        path.write_text(f"[metrics]\nexact_quantile_max_rows = {rows}\n", encoding="utf-8")
        monkeypatch.setenv("DESKSCOPE_SETTINGS", str(path))
        return path
    return set_to


def _cli(*args: str) -> str:
    p = subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 0, p.stderr
    return p.stdout


# ---------------------------------------------------------------- exact when the rows are few
def test_three_tickets_give_the_exact_median(db, threshold):
    threshold(200_000)
    cur = Store(db).cursor()
    try:
        k = engine.kpis(cur, Filters(), ["resolution_median_minutes", "frt_median_minutes", "tickets"])
        assert k.plan["tickets"] == "rollup"  # the rollups answer the counts; the quantiles are exact anyway
        assert (k["resolution_median_minutes"], k["frt_median_minutes"]) == (60.0, 30.0)
        assert k.approximate == set()
        c = engine.compare(cur, Filters(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 3, 31)),
                           ["resolution_median_minutes"])
        assert c["resolution_median_minutes"]["current"] == 60.0
        assert c["resolution_median_minutes"]["approximate"] is False
    finally:
        cur.close()
    out = json.loads(_cli("metrics", "--db", str(db), "--json", "--metric", "resolution_median_minutes"))
    assert out["resolution_median_minutes"] == 60.0 and out["_approximate"] == {}
    assert "≈" not in _cli("metrics", "--db", str(db))


# ---------------------------------------------------------------- approximate above the threshold
def test_above_the_threshold_the_sample_answers_and_is_marked(db, threshold):
    threshold(2)  # 3 rows behind each quantile > 2
    cur = Store(db).cursor()
    try:
        k = engine.kpis(cur, Filters(), ["resolution_median_minutes", "frt_median_minutes", "tickets", "sla_breach_rate"])
        assert k["resolution_median_minutes"] == pytest.approx(HIST_60, abs=1e-9)
        assert k["frt_median_minutes"] == pytest.approx(HIST_30, abs=1e-9)
        assert k.approximate == {"resolution_median_minutes", "frt_median_minutes"}  # counts and rates stay exact
        assert k.intervals == {"resolution_median_minutes": (0.0, 120.0), "frt_median_minutes": (15.0, 45.0)}
        frame = engine.breakdown(cur, Filters(), "team", ["tickets", "resolution_median_minutes"])
        assert frame.select("team", "approximate").rows() == [("Billing", True)]
        # with the default threshold the same query is exact, unmarked
        threshold(200_000)
        k = engine.kpis(cur, Filters(date_from=dt.date(2024, 3, 4), date_to=dt.date(2024, 3, 20)), ["resolution_median_minutes"])
        assert (k["resolution_median_minutes"], k.approximate) == (60.0, set())
        threshold(2)
    finally:
        cur.close()
    out = json.loads(_cli("metrics", "--db", str(db), "--json", "--metric", "resolution_median_minutes,tickets"))
    # the value keeps its place and type; the mark sits beside it
    assert out["resolution_median_minutes"] == pytest.approx(HIST_60, abs=1e-9) and out["tickets"] == 3
    assert out["_approximate"] == {"resolution_median_minutes": True}
    rows = json.loads(_cli("metrics", "--db", str(db), "--json", "--by", "team", "--metric", "resolution_median_minutes"))
    assert [(r["team"], r["approximate"]) for r in rows] == [("Billing", True)]
    text = _cli("metrics", "--db", str(db), "--metric", "resolution_median_minutes,tickets")
    assert "≈ approximate" in text and "95% interval" in text
    assert "≈ 3" not in text


def _app(monkeypatch, db: Path, lang: str = "en"):
    from streamlit.testing.v1 import AppTest

    from ui import data

    # ui.data's cache keys leave the settings out (a parameter named _settings is not hashed):
    # forget what an earlier test with another threshold computed
    data.clear()
    monkeypatch.setenv("DESKSCOPE_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = lang
    # all time: the dashboard opens on the last 30 days, which hold no whole month, and a range
    # without a whole month reads raw rows (exact by design), so the rollup's histograms never answer
    at.query_params["period"] = "all-time"
    at.run()
    return at


def _tile(at, metric_id: str, lang: str = "en") -> str:
    from ui import i18n

    [value] = [m.value for m in at.metric if m.label == i18n.metric_name(metric_id, lang)]
    return value


def _column_cells(table_element, column: str) -> list[str]:
    """The texts a table shows in a column (the display values of its Styler, ui.components.table),
    the column named as the page names it."""
    import pyarrow as pa

    position = list(table_element.value.columns).index(column)
    raw = table_element.proto.arrow_data.styler.display_values
    assert raw, "the table is not formatted by ui.components.table"
    return [str(v) for v in pa.ipc.open_stream(raw).read_all().to_pandas().iloc[:, position]]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_pages_mark_approximate_figures(db, threshold, monkeypatch, lang):
    threshold(2)
    at = _app(monkeypatch, db, lang)
    at.switch_page("pages/tickets.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # 59.58984 min, shown as a duration with the mark before it
    resolution = _tile(at, "resolution_median_minutes", lang)
    assert resolution.startswith("≈ "), resolution
    assert not _tile(at, "reopen_rate", lang).startswith("≈")  # a rate: exact, unmarked
    note = "approximate" if lang == "en" else "приблизительно"
    assert any(note in str(c.value) for c in at.caption), [c.value for c in at.caption]
    # the agents table: each agent's median rests on its own rows (Anna 2, Boris 1), exact at a
    # threshold of 2; at 1, Anna's is approximate and the median column carries the mark (its
    # number format)
    threshold(1)
    at = _app(monkeypatch, db, lang)
    at.switch_page("pages/agents.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    from ui import i18n

    median, breach = (i18n.metric_name(m, lang) for m in ("resolution_median_minutes", "sla_breach_rate"))
    [table] = [d for d in at.dataframe if median in d.value.columns]
    medians = _column_cells(table, median)  # Anna (0 and 60 min) and Boris (120 min): both shown
    assert len([v for v in medians if v]) == 2 and all(v.startswith("≈ ") for v in medians if v), medians
    breaches = _column_cells(table, breach)
    assert breaches and not any(v.startswith("≈") for v in breaches), breaches
    assert any(note in str(c.value) for c in at.caption)


def test_pages_show_no_mark_when_exact(db, threshold, monkeypatch):
    threshold(200_000)
    at = _app(monkeypatch, db)
    at.switch_page("pages/tickets.py")
    at.run()
    assert not at.exception
    from ui import i18n

    assert _tile(at, "resolution_median_minutes") == i18n.metric_value("resolution_median_minutes", 60.0, "en")
    assert not any("approximate" in str(c.value) for c in at.caption)


# ---------------------------------------------------------------- reports
def test_snapshot_marks_approximate_figures(db, threshold, tmp_path):
    import datetime as dt

    from reports import snapshot

    threshold(2)
    cur = Store(db).cursor()
    try:
        folder, _ = snapshot.write_snapshot(cur, snapshot.Period("2024-03", dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
                                            tmp_path / "snaps")
    finally:
        cur.close()
    data = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    assert data["kpis"]["resolution_median_minutes"] == pytest.approx(HIST_60, abs=1e-9)
    assert set(data["approximate"]) == {m for m in QUANTILES if data["kpis"][m] is not None}
    assert "resolution_median_minutes" in data["approximate"] and "tickets" not in data["approximate"]
    assert data["changes"]["resolution_median_minutes"]["approximate"] is True
    assert data["changes"]["tickets"]["approximate"] is False
    rows = {r["metric_id"]: r for r in csv.DictReader(io.StringIO((folder / "kpis.csv").read_text(encoding="utf-8")))}
    assert (rows["resolution_median_minutes"]["approximate"], rows["tickets"]["approximate"]) == ("True", "False")
    html = (folder / "index.html").read_text(encoding="utf-8")
    # the tile: the mark right before the value as reports format it, and a note saying what it means
    from reports.text import fmt_value

    shown = fmt_value(HIST_60, "minutes", "en")
    assert f'<div class="v">≈ {shown}</div>' in html, shown
    assert f'<div class="v">3</div>' in html  # the ticket count: no mark
    assert "approximate: a median or percentile" in html


def test_snapshot_without_approximate_figures_has_no_mark(db, threshold, tmp_path):
    import datetime as dt

    from reports import snapshot

    threshold(200_000)
    cur = Store(db).cursor()
    try:
        folder, _ = snapshot.write_snapshot(cur, snapshot.Period("2024-03", dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
                                            tmp_path / "snaps")
    finally:
        cur.close()
    data = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    assert data["kpis"]["resolution_median_minutes"] == 60.0 and data["approximate"] == []
    assert "≈" not in (folder / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_audit_marks_approximate_figures(db, threshold, lang):
    """The audit's report on a store whose rollups answer (the dashboard's database)."""
    from reports.audit import gather, render
    from reports.text import fmt_value

    threshold(2)
    cur = Store(db).cursor()
    try:
        data = gather(cur, lang)
    finally:
        cur.close()
    assert data["kpis"]["resolution_median_minutes"] == pytest.approx(HIST_60, abs=1e-9)
    assert set(data["kpis_approximate"]) == {m for m in QUANTILES if data["kpis"][m] is not None}
    html = render(data, [], lang, "USD", False)
    label = METRICS["resolution_median_minutes"].label(lang)
    assert f'<td class="">{label}</td><td class="num">≈ {fmt_value(HIST_60, "minutes", lang)}</td>' in html
    label = METRICS["tickets"].label(lang)
    assert f'<td class="">{label}</td><td class="num">3</td>' in html  # a count: exact, unmarked
    assert ("approximate: a median" if lang == "en" else "приблизительно: медиана") in html


def test_an_audit_of_files_is_exact(db, threshold, tmp_path):
    """cli.py audit loads the files into a throwaway database without rollups: every quantile is
    exact there, whatever the threshold, and nothing is marked."""
    from reports.audit import run_audit

    threshold(2)
    result = run_audit([Path(db).parent / "tickets.csv"], tmp_path / "audit.html")
    assert result.data["kpis"]["resolution_median_minutes"] == 60.0
    assert result.data["kpis_approximate"] == []
    assert "≈" not in (tmp_path / "audit.html").read_text(encoding="utf-8")
