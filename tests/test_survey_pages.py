"""A client folder holding only an undated survey workbook and a customer list (no tickets, no
calls): the Satisfaction page, the snapshot and the audit, in English and Russian. Every
satisfaction section shows numbers or says in one sentence why it cannot.

The workbook (tests/test_surveys.py builds the same one): sheet Aeroflot, NPS answers
10 9 9 8 7 6 3 0 10 5 -> 4 promoters, 4 detractors of 10 -> NPS 0; sheet S7, 10 10 9 8 2 7 -> 3
promoters, 1 detractor of 6 -> NPS 33.3; together 7 and 5 of 16 -> NPS 12.5. No CSAT or CES question.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from loaders.base import LoadOptions
from loaders.store import Store
from tests.test_pages import app, assert_clean, open_page, shown_frame_with, texts
from tests.test_surveys import airline_workbook
from ui import i18n
from ui.safe import shown

CUSTOMERS = ("Customer ID,Name,Segment,Plan,Start Date,Status,Churn Date,Churn Category,Churn Reason,Monthly Revenue\n"
             "A1,Acme,SMB,Basic,2023-01-15,Active,,,,99\nA2,Beta,Enterprise,Pro,2022-06-01,Churned,2024-02-10,"
             "Dissatisfaction,Slow support replies,1500\nA3,Gamma,SMB,Basic,2023-05-01,Active,,,,120\n")


@pytest.fixture(scope="module")
def client_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("client")
    airline_workbook(folder / "nps_by_airline.xlsx")
    (folder / "customers.csv").write_text(CUSTOMERS)
    return folder


@pytest.fixture(scope="module")
def client_db(client_folder, tmp_path_factory) -> Path:
    import metrics  # noqa: F401

    store = Store(tmp_path_factory.mktemp("clientdb") / "c.duckdb")
    reports = store.load_files(sorted(client_folder.iterdir()), LoadOptions())
    assert [r.status for r in reports] == ["loaded", "loaded"], [r.text() for r in reports]
    return store.path


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_satisfaction_page_on_an_undated_survey_without_tickets(monkeypatch, client_db, lang):
    at = app(monkeypatch, client_db, {"lang": lang} if lang == "ru" else None)
    at.run()
    open_page(at, "satisfaction")
    assert_clean(at, "satisfaction")
    body = shown(texts(at) + "\n" + "\n".join(f"{m.label} {m.value} {m.delta}" for m in at.metric))  # as read (ui.safe.plain)
    if lang == "en":
        assert "NPS +12.5" in body  # 7 promoters - 5 detractors of 16
        assert "NPS responses 16" in body
        assert "CSAT — no CSAT responses loaded" in body and "CES — no CES responses loaded" in body
        assert "CSAT response rate — needs tickets: none loaded" in body
        assert "16 responses have no date: they count in these all-time figures and in the table by segment" in body
        assert "No trend: none of the 16 responses has a date" in body
        assert "No CSAT, CES responses for these filters, so no CSAT, CES columns." in body
        assert "no tickets loaded" not in body  # the tiles say it; no duplicate caption
    else:
        assert "NPS +12,5" in body
        assert "ответов CSAT не загружено" in body and "нет обращений" in body
        assert "Ответов без даты: 16. Они учтены в этих показателях за всё время" in body
        assert "Динамики нет: ни у одного ответа нет даты (ответов: 16" in body
    # the tables as shown: column names and cells in the reader's language (ui.components.table)
    nps, responses = i18n.metric_name("nps", lang), i18n.metric_name("nps_responses", lang)
    table = shown_frame_with(at, responses)
    rows = {r[table.columns[0]]: r for r in table.to_dict("records")}
    assert set(rows) == {"Aeroflot", "S7"}
    assert rows["Aeroflot"][nps] == ("0.0" if lang == "en" else "0,0") and rows["Aeroflot"][responses] == "10"
    assert rows["S7"][nps] == ("+33.3" if lang == "en" else "+33,3")  # 100 x (3 - 1) / 6
    assert rows["S7"][responses] == "6"
    assert rows["S7"][i18n.t("sat.small_col", lang)] == "NPS"  # 6 < metrics.survey_small_segment (30)
    # NPS intervals are signed like the score beside them: "−45.3 … +45.3", never "-45.3 … 45.3"
    low, high = rows["Aeroflot"][i18n.t("sat.ci", lang, kind="NPS")].split(" … ")
    assert low.startswith("\N{MINUS SIGN}") and high.startswith("+"), (low, high)
    # the comments table shows no column every comment leaves empty (no agent, team, channel, ticket here)
    when, kind, score, segment, comment = (i18n.t(k, lang) for k in ("sat.when", "sat.kind", "sat.score", "dim.segment",
                                                                        "sat.comments"))
    comments = shown_frame_with(at, comment)
    assert list(comments.columns) == [when, kind, score, segment, comment]
    assert set(comments[kind]) == {"NPS"}
    # Aeroflot's comments: "more legroom" on its 4 answers of 6 or less (6, 3, 0, 5)
    assert len(comments) == 4 and set(comments[segment]) == {"Aeroflot"}
    assert sorted(comments[score]) == ["0", "3", "5", "6"] and set(comments[comment]) == {"more legroom"}


def test_dated_csat_beside_undated_nps(monkeypatch, tmp_path):
    """A dated CSAT sheet beside the undated NPS workbook: the CSAT trend is drawn, NPS says in one
    sentence why it has none, and a segment without an answer of a kind shows a dash, not None."""
    import metrics  # noqa: F401

    book = airline_workbook(tmp_path / "nps_by_airline.xlsx")
    csat = tmp_path / "csat.csv"
    # 4 dated answers, no segment: 5 4 2 5 -> satisfied (4-5) 3 of 4 = 75.0%
    csat.write_text("Response ID,Date,How satisfied were you with our support?\n"
                    "c1,2024-03-01,5\nc2,2024-03-02,4\nc3,2024-03-09,2\nc4,2024-03-10,5\n")
    store = Store(tmp_path / "c.duckdb")
    reports = store.load_files([book, csat], LoadOptions())
    assert [r.status for r in reports] == ["loaded", "loaded"], [r.text() for r in reports]
    # all time: the dashboard opens on the last 30 days, whose date filter leaves every undated answer out
    at = app(monkeypatch, store.path, {"period": "all-time"})
    at.run()
    open_page(at, "satisfaction")
    assert_clean(at, "satisfaction")
    body = texts(at)
    assert "No trend: none of the NPS responses for these filters has a date." in body
    assert "16 responses have no date and are not in this trend." in body
    csat, nps, csat_n = (i18n.metric_name(m, "en") for m in ("csat", "nps", "csat_responses"))
    table = shown_frame_with(at, i18n.metric_name("nps_responses", "en"))
    rows = {r[table.columns[0]]: r for r in table.to_dict("records")}
    assert set(rows) == {"Aeroflot", "S7", "(not set)"}
    # a segment without an answer of a kind: a blank cell (never "None"), and 0 responses
    assert (rows["(not set)"][csat], rows["(not set)"][nps], rows["(not set)"][csat_n]) == ("75.0%", "", "4")
    assert (rows["S7"][csat], rows["S7"][nps], rows["S7"][csat_n]) == ("", "+33.3", "0")


@pytest.mark.parametrize("page", ["overview", "churn", "tickets", "agents"])
def test_other_pages_render_on_the_same_folder(monkeypatch, client_db, page):
    for lang in ("en", "ru"):
        at = app(monkeypatch, client_db, {"lang": lang} if lang == "ru" else None)
        at.run()
        open_page(at, page)
        assert_clean(at, f"{page} ({lang})")


def test_a_date_filter_says_how_many_undated_responses_it_leaves_out(monkeypatch, client_db):
    at = app(monkeypatch, client_db, {"date_from": "2024-01-01", "date_to": "2024-12-31"})
    at.run()
    open_page(at, "satisfaction")
    assert_clean(at, "satisfaction")
    assert "16 responses have no date: the date filter leaves them out of every figure on this page" in texts(at)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_snapshot_on_the_folder_says_what_the_period_cannot_show(client_db, tmp_path, lang):
    from reports.snapshot import Period, write_snapshot

    store = Store(client_db)
    cur = store.cursor()
    folder, _ = write_snapshot(cur, Period("2024-W10", dt.date(2024, 3, 4), dt.date(2024, 3, 10)), tmp_path, lang=lang)
    cur.close()
    html = (folder / "index.html").read_text(encoding="utf-8")
    import json

    data = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    sat = data["satisfaction"]
    assert (sat["responses"], sat["undated"], sat["kinds"]["nps"]["n"]) == (16, 16, 16)
    assert sat["kinds"]["nps"]["value"] == pytest.approx(12.5) and sat["kinds"]["csat"] is None
    assert sat["in_period"] == {"csat": 0, "nps": 0, "ces": 0}
    assert {s["segment"]: s["kinds"]["nps"]["n"] for s in sat["segments"]} == {"Aeroflot": 10, "S7": 6}
    if lang == "en":
        assert "Satisfaction: all responses" in html
        assert "None of the NPS responses is dated in this period, so the period&#x27;s NPS tiles above are empty" in html
        assert "no CSAT responses were loaded" in html and "no CES responses were loaded" in html
        assert "16 of these answers have no date: they count in these figures and by segment, never in a " \
               "period&#x27;s figures or trend." in html
        assert "<td class=\"\">S7</td><td class=\"num\">+33.3</td>" in html  # NPS signed, as on the page
        # no dated row at all: the weekly section says so in one sentence instead of standing empty
        assert "Nothing to draw: none of these twelve weeks holds a dated ticket, call or survey response." in html
    else:
        assert "Удовлетворённость: все ответы" in html and "ответов CSAT не загружено" in html
        assert "<td class=\"\">S7</td><td class=\"num\">+33,3</td>" in html
        assert "Рисовать нечего" in html


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_audit_on_the_folder_has_a_satisfaction_section(client_folder, tmp_path, lang):
    from reports.audit import run_audit

    out = tmp_path / f"audit-{lang}.html"
    result = run_audit([client_folder], out, lang=lang)
    assert result.exit_code in (0, 1), result.messages
    html = out.read_text(encoding="utf-8")
    sat = result.data["satisfaction"]
    assert (sat["responses"], sat["undated"]) == (16, 16) and sat["kinds"]["nps"]["value"] == pytest.approx(12.5)
    assert 'id="satisfaction"' in html and "Traceback" not in html and "BinderException" not in html
    # no tickets, no calls: the reply-targets section says so instead of standing empty
    assert "</h3><p class=\"muted\">" in html.split('id="reply-targets">', 1)[1][:200]
    assert "no tickets or calls loaded" in html.split('id="reply-targets">', 1)[1][:300]
    if lang == "en":
        assert "no dates: all 16 rows are undated" in html  # what was received: the survey table has no period
        assert "<td class=\"\">Aeroflot</td><td class=\"num\">0.0</td>" in html
    else:
        assert "без дат (строк без даты: 16)" in html
        assert "<td class=\"\">Aeroflot</td><td class=\"num\">0,0</td>" in html
