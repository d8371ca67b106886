"""The churn sections of the audit and the snapshot on client folders holding only a churn list (and
an undated-style survey sheet): every section shows numbers or says in one sentence why it cannot,
in English and Russian; the in-list dose-response chart and its money are there."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from html import unescape
from pathlib import Path

import pytest

FIX = Path(__file__).parent / "fixtures" / "churn"
AS_OF = dt.date(2024, 6, 30)


def client_folder(tmp_path: Path, *names: str, survey: bool = False) -> Path:
    folder = tmp_path / "client"
    folder.mkdir()
    for n in names:
        shutil.copy(FIX / n, folder / n)
    if survey:
        # A survey sheet for the list's customers, the question as the header.
        (folder / "survey.csv").write_text(
            "Customer ID,Date,How satisfied were you with our support?\n"
            "C01,2024-05-01,1\nC04,2024-05-02,2\nC08,2024-05-03,1\nC11,2024-05-04,2\nC02,2024-05-05,5\n", encoding="utf-8")
    return folder


def sections(html: str) -> dict[str, str]:
    """h3 title -> the HTML up to the next h3/h2 inside the customers-and-churn section."""
    start = html.index('<h2 id="customers">')
    end = html.index('<h2 id="churn">')
    part = html[start:end]
    found = re.findall(r"<h3>(.*?)</h3>(.*?)(?=<h3>|$)", part, re.S)
    return {title: body for title, body in found}


def _has_numbers_or_a_sentence(body: str) -> bool:
    text = re.sub(r"<[^>]+>", " ", body)
    return bool(re.search(r"\d", text)) and len(text.split()) >= 6


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_audit_on_a_churn_list_and_a_survey_sheet(tmp_path, lang):
    from reports.audit import run_audit

    folder = client_folder(tmp_path, "status_reasons.csv", survey=True)
    out = tmp_path / f"audit-{lang}.html"
    result = run_audit([folder], out, lang=lang, as_of=AS_OF)
    assert result.exit_code == 0, result.messages
    html = out.read_text(encoding="utf-8")
    found = sections(html)
    titles = (["The customer list", "Support columns inside the list", "Churn attributable to support (loaded tickets, calls, surveys)",
               "Stated churn reasons"] if lang == "en" else
              ["Список клиентов", "Поддержка в столбцах самого списка", "Отток из-за поддержки (загруженные обращения, звонки, опросы)",
               "Названные причины ухода"])
    assert list(found) == titles
    for title, body in found.items():
        assert _has_numbers_or_a_sentence(body) or "<p>" in body, (title, body[:300])
    # churn rate 9 / 13 = 69.2%; lost monthly revenue 70 + 89.90 + 45.25 + 99 + 60.10 + 75 + 50 + 35 = 524.25
    assert "69.2%" in html or "69,2%" in html
    assert "$524" in html or "524\u00a0$" in html
    # the list has no support columns: one sentence
    assert ("has no support columns" if lang == "en" else "нет столбцов о поддержке") in found[titles[1]]
    # stated reasons with the values each class holds
    assert "Limited range of services" in found[titles[3]] and "Attitude of support person" in found[titles[3]]
    assert "Traceback" not in html


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_audit_on_an_anonymous_list_shows_the_dose_response_and_the_money(tmp_path, lang):
    from reports.audit import run_audit

    folder = client_folder(tmp_path, "anonymous_service_calls.csv")
    out = tmp_path / f"audit-{lang}.html"
    result = run_audit([folder], out, lang=lang, as_of=AS_OF)
    assert result.exit_code == 0, result.messages
    html = out.read_text(encoding="utf-8")
    found = sections(html)
    in_list = list(found.values())[1]
    assert in_list.count('<svg class="chart"') == 1  # churn by number of support contacts
    assert ("58%: after one" if lang == "en" else "58%: после одного") in in_list
    # per-bucket rows (hand count in tests/test_churn_lists.py): 0: 5 customers, 1 churned; 4: 3, 2
    assert re.search(r"<td class=\"\">0</td><td class=\"num\">5</td><td class=\"num\">1</td>", in_list)
    assert re.search(r"<td class=\"\">4</td><td class=\"num\">3</td><td class=\"num\">2</td>", in_list)
    # money: 2.6 attributable x 100 (the calculator's ARPU, said) = 260 a month
    assert "$260" in in_list or "260\u00a0$" in in_list
    assert ("the calculator's ARPU" if lang == "en" else "ARPU калькулятора") in unescape(in_list)
    # no id: nothing can join, said in one sentence
    measured = list(found.values())[2]
    assert ("only from the list's own support columns" if lang == "en" else "только по столбцам самого списка") in unescape(measured)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_snapshot_on_a_churn_list_and_a_survey_sheet(tmp_path, lang):
    from loaders.base import LoadOptions
    from loaders.store import Store
    from reports.snapshot import parse_period, write_snapshot

    folder = client_folder(tmp_path, "status_reasons.csv", survey=True)
    store = Store(tmp_path / "db.duckdb")
    for r in store.load_files(sorted(folder.iterdir()), LoadOptions(as_of=AS_OF)):
        assert r.status == "loaded", r.text()
    cur = store.cursor()
    target, _ = write_snapshot(cur, parse_period("2024-06-01..2024-06-30"), tmp_path / "snaps", lang, "USD")
    cur.close()
    html = (target / "index.html").read_text(encoding="utf-8")
    assert ("Customers and churn" if lang == "en" else "Клиенты и отток") in html
    assert "69.2%" in html or "69,2%" in html
    assert "Attitude of support person" in html
    data = json.loads((target / "kpis.json").read_text(encoding="utf-8"))
    snap = data["money"]["customer_list"]["snapshot"]
    assert (snap["compared"], snap["churned"]) == (13, 9)
    assert snap["lost_monthly_revenue"] == pytest.approx(524.25)
