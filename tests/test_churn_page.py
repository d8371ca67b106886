"""The Churn page (AppTest) on client folders that hold only a churn list (and a survey sheet): every
churn section shows numbers or says in one sentence why it cannot, in English and Russian, and a
stated reason can be moved to another class from the page."""
from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from loaders.base import LoadOptions
from loaders.store import Store
from ui.safe import shown

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "fixtures" / "churn"
AS_OF = dt.date(2024, 6, 30)


def _db(folder: Path, *paths: Path) -> Path:
    store = Store(folder / "d.duckdb")
    for r in store.load_files(list(paths), LoadOptions(as_of=AS_OF)):
        assert r.status == "loaded", r.text()
    return store.path


@pytest.fixture(scope="module")
def in_list_db(tmp_path_factory) -> Path:
    """Only an anonymous churn list with complaint, satisfaction and contact columns."""
    return _db(tmp_path_factory.mktemp("inlist"), FIX / "complaint_satisfaction.csv")


@pytest.fixture(scope="module")
def list_and_survey_db(tmp_path_factory) -> Path:
    """A churn list with stated reasons and a survey sheet for its customers: no tickets at all."""
    folder = tmp_path_factory.mktemp("client")
    survey = folder / "survey.csv"
    survey.write_text("Customer ID,Date,How satisfied were you with our support?\n"
                      "C01,2024-05-01,1\nC04,2024-05-02,2\nC08,2024-05-03,1\nC11,2024-05-04,2\nC02,2024-05-05,5\n",
                      encoding="utf-8")
    return _db(folder, FIX / "status_reasons.csv", survey)


def run_churn(monkeypatch, db: Path, lang: str, settings: Path) -> AppTest:
    monkeypatch.setenv("DESKSCOPE_DB", str(db))
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(settings))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/churn.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def page_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "subheader", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


SECTIONS = {"en": ["The customer list", "Support columns inside the list", "Exposed vs unexposed customers",
                   "Stated churn reasons"],
            "ru": ["Список клиентов", "Поддержка в столбцах самого списка", "Клиенты с негативным опытом и без",
                   "Названные причины ухода"]}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_in_list_churn_page_shows_dose_response_and_money(monkeypatch, in_list_db, tmp_path, lang):
    at = run_churn(monkeypatch, in_list_db, lang, tmp_path / "settings.toml")
    subheaders = [str(s.value) for s in at.subheader]
    for title in SECTIONS[lang]:
        assert any(title in s for s in subheaders), (title, subheaders)
    text = page_text(at)
    # the dose-response charts (complaint, satisfaction, bad experiences) and the loaded-data ones absent
    assert len(at.get("plotly_chart")) >= 3
    cost = "What the excess costs a month" if lang == "en" else "Во что обходится превышение в месяц"
    costs = [m.value for m in at.metric if m.label == cost]
    # one tile per signal: bad experiences, complaint, low score (tests/test_churn_lists.py hand counts):
    # complaint (4/5 - 2/11) x 5 x 20.00 = 61.82; low score (5/7 - 1/9) x 7 x 22.50 = 95.00 a month
    assert len(costs) == 3, costs
    assert costs[1:] == (["$62", "$95"] if lang == "en" else ["62 $", "95 $"]), costs
    # no loaded support data: one sentence, not zeros
    assert ("only from the list's own support columns" if lang == "en" else "только по столбцам самого списка") in text
    # no reason column: one sentence
    assert ("no churn reason or category column" if lang == "en" else "нет столбца с причиной") in text
    # the calculator's assumed inputs say where they come from in the page's language
    sources = shown(" ".join(str(v) for table in at.table for v in table.value.iloc[:, -1]))  # cells as read (plain_table)
    assert ("assumed: 1 customer in 5" in sources) == (lang == "en"), sources
    assert ("допущение: у 1 клиента из 5" in sources) == (lang == "ru"), sources


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_list_and_survey_churn_page(monkeypatch, list_and_survey_db, tmp_path, lang):
    at = run_churn(monkeypatch, list_and_survey_db, lang, tmp_path / "settings.toml")
    text = page_text(at)
    metrics = {m.label: m.value for m in at.metric}
    rate = "Churn rate" if lang == "en" else "Доля оттока"
    # 9 churned of 13 compared (C05 joined, counted apart)
    assert metrics[rate] == ("69.2%" if lang == "en" else "69,2\u00a0%")
    # the list has no support columns: said in one sentence
    assert ("has no support columns" if lang == "en" else "нет столбцов о поддержке") in text
    # stated reasons by class: support 3, possibly 2, other 4
    classes = ("Support", "Possibly support", "Other") if lang == "en" else ("Поддержка", "Возможно, поддержка", "Другое")
    assert [metrics[c] for c in classes] == ["3", "2", "4"]
    assert any("Limited range of services" in str(df.value.to_dict()) for df in at.dataframe)


def test_moving_a_reason_from_the_page(monkeypatch, list_and_survey_db, tmp_path):
    settings = tmp_path / "settings.toml"
    at = run_churn(monkeypatch, list_and_survey_db, "en", settings)
    at.selectbox(key="ch_move_value").set_value("Service dissatisfaction")
    at.selectbox(key="ch_move_class").set_value("support")
    at.button(key="ch_move_save").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    saved = tomllib.loads(settings.read_text(encoding="utf-8"))
    assert saved["churn"]["reasons"]["as_support"] == ["Service dissatisfaction"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Support"] == "4" and metrics["Possibly support"] == "1"
