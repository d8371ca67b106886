"""The dashboard through Streamlit's AppTest: every page on an empty and on a small loaded
database, filters in the URL, the language switch, caching, safe downloads and locale formats."""
from __future__ import annotations

import datetime as dt
import re
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from loaders.base import LoadOptions
from loaders.store import Store
from ui import components, i18n
from ui.safe import shown

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ["overview", "tickets", "calls", "satisfaction", "agents", "churn", "data", "settings", "snapshots"]
ANALYSIS = PAGES[:6]
TIMEOUT = 120


# ---------------------------------------------------------------- a small, hand-made database
def _tickets_csv() -> str:
    """60 tickets, one a day from 2024-03-01; teams alternate Billing/Tech (30 each)."""
    lines = ["id,created,first response,solved,status,priority,channel,group,assignee,customer id,category,subject"]
    start = dt.datetime(2024, 3, 1, 9, 0)
    for i in range(60):
        created = start + dt.timedelta(days=i)
        reply = created + dt.timedelta(minutes=30 * (i % 10 + 1))
        solved = created + dt.timedelta(hours=4 + i % 30) if i % 4 else None
        lines.append(",".join([
            str(1000 + i), f"{created:%Y-%m-%d %H:%M}", f"{reply:%Y-%m-%d %H:%M}",
            f"{solved:%Y-%m-%d %H:%M}" if solved else "", "solved" if solved else "open",
            ["urgent", "high", "normal", "low"][i % 4], ["email", "chat", "phone"][i % 3],
            ["Billing", "Tech"][i % 2], ["Anna", "Boris", "Vera"][i % 3], f"C{i % 15}",
            ["refund", "login", "bug"][i % 3], "=cmd|' /C calc'!A0" if i == 7 else f"Question {i}"]))
    return "\n".join(lines) + "\n"


def _calls_csv() -> str:
    lines = ["call id,start time,answered at,end time,wait time,talk time,queue,agent,customer id,outcome"]
    start = dt.datetime(2024, 3, 1, 10, 0)
    for i in range(40):
        queued = start + dt.timedelta(days=i, hours=i % 8)
        abandoned = i % 5 == 0
        wait = 15 + i * 3
        answered = None if abandoned else queued + dt.timedelta(seconds=wait)
        ended = (answered or queued + dt.timedelta(seconds=wait)) + dt.timedelta(seconds=0 if abandoned else 240)
        lines.append(",".join([f"K{i}", f"{queued:%Y-%m-%d %H:%M:%S}", f"{answered:%Y-%m-%d %H:%M:%S}" if answered else "",
                               f"{ended:%Y-%m-%d %H:%M:%S}", str(wait), "0" if abandoned else "240",
                               ["Sales", "Support"][i % 2], "" if abandoned else ["Anna", "Boris"][i % 2], f"C{i % 15}",
                               "abandoned" if abandoned else "answered"]))
    return "\n".join(lines) + "\n"


def _surveys_csv() -> str:
    lines = ["response id,submitted at,score,survey type,ticket id,customer id,agent,team,channel,comment"]
    for i in range(30):
        kind = "csat" if i % 2 == 0 else "nps"
        score = (i % 5) + 1 if kind == "csat" else i % 11
        comment = {3: '"slow answer, very unhappy"', 4: "=HYPERLINK(\"http://x\")", 10: "great help"}.get(i, "")
        lines.append(",".join([f"S{i}", f"2024-03-{i + 1:02d} 12:00", str(score), kind, str(1000 + i), f"C{i % 15}",
                               ["Anna", "Boris", "Vera"][i % 3], ["Billing", "Tech"][i % 2], "email", comment]))
    return "\n".join(lines) + "\n"


def _customers_csv() -> str:
    lines = ["customer id,name,segment,start date,churn date,churned,churn reason,monthly revenue"]
    for i in range(15):
        churned = i % 3 == 0
        lines.append(",".join([f"C{i}", f"Customer {i}", ["SMB", "Enterprise"][i % 2], "2023-01-01",
                               "2024-04-20" if churned else "", "yes" if churned else "no",
                               "slow support response" if i == 0 else ("price" if churned else ""), str(100 + 10 * i)]))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory) -> Path:
    try:
        import metrics  # noqa: F401  derived tables (ticket_metrics) are built by its hooks
    except ModuleNotFoundError:
        pass
    folder = tmp_path_factory.mktemp("loaded")
    store = Store(folder / "d.duckdb")
    for name, text, table in (("tickets.csv", _tickets_csv(), "tickets"), ("calls.csv", _calls_csv(), "calls"),
                              ("surveys.csv", _surveys_csv(), "surveys"), ("customers.csv", _customers_csv(), "customers")):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        [report] = store.load_files([path], LoadOptions(table=table, tz="UTC", source="test"), format="generic")
        assert report.status == "loaded", report.text()
        assert report.rows_rejected == 0, report.text()
    return store.path


@pytest.fixture
def empty_db(tmp_path) -> Path:
    return tmp_path / "empty.duckdb"


def app(monkeypatch, db: Path, query: dict | None = None) -> AppTest:
    monkeypatch.setenv("DESKSCOPE_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py")
    return at.run()


def texts(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "subheader", "header"):
        parts += [shown(e.value) for e in getattr(at, kind)]
    parts += [shown(m.label) + " " + shown(m.value) for m in at.metric]
    return "\n".join(parts)


def frame_with(at: AppTest, column: str):
    """The (first) dataframe on the page that has ``column`` (plain dataframes carry no key)."""
    for element in at.dataframe:
        if column in element.value.columns:
            return element.value
    raise AssertionError(f"no dataframe with a {column!r} column")


def shown_frame_with(at: AppTest, label: str):
    """The texts shown by the (first) table on the page with a column headed ``label`` (tables drawn
    by ui.components.table carry human column names in the session's language and format their
    cells with a Styler): a pandas frame of strings under those headers, blanks as ""."""
    import pyarrow as pa

    for element in at.dataframe:
        if label in element.value.columns:
            raw = element.proto.arrow_data.styler.display_values
            assert raw, f"the table with {label!r} is not formatted by ui.components.table"
            shown = pa.ipc.open_stream(raw).read_all().to_pandas()
            shown.columns = list(element.value.columns)
            return shown.fillna("").astype(str)
    raise AssertionError(f"no dataframe with a {label!r} column")


def assert_clean(at: AppTest, page: str) -> None:
    assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
    assert not at.error, f"{page}: {[e.value for e in at.error]}"
    assert "Traceback" not in texts(at)


# ---------------------------------------------------------------- every page renders
@pytest.mark.parametrize("page", PAGES)
def test_page_on_empty_db(monkeypatch, empty_db, page):
    at = app(monkeypatch, empty_db)
    at.run()
    open_page(at, page)
    assert_clean(at, page)
    if page in ANALYSIS and page != "churn":
        # The empty state says what to load and links to Data (or says metrics are missing).
        body = texts(at)
        assert "go to Data" in body or "metrics module" in body
    if page == "data":
        assert "Nothing loaded yet" in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_page_on_loaded_db(monkeypatch, loaded_db, page):
    at = app(monkeypatch, loaded_db)
    at.run()
    open_page(at, page)
    assert_clean(at, page)
    assert "No tickets loaded yet" not in texts(at)


def test_status_line_counts_rows(monkeypatch, loaded_db):
    at = app(monkeypatch, loaded_db).run()
    # 60 tickets, 40 calls, 30 surveys, 15 customers were written by the fixture.
    status = " ".join(shown(c.value) for c in at.sidebar.caption)
    assert "60 tickets" in status and "40 calls" in status and "30 surveys" in status and "15 customers" in status


# ---------------------------------------------------------------- filters and the URL
def test_filter_change_updates_url(monkeypatch, loaded_db):
    at = app(monkeypatch, loaded_db).run()
    team = at.multiselect(key="flt_team")
    assert set(team.options) >= {"Billing", "Tech"}
    team.select("Billing")
    at.run()
    assert_clean(at, "overview")
    assert at.query_params.get("team") in (["Billing"], "Billing")
    # The default period stays relative in the URL.
    assert at.query_params.get("period") in (["last-30-days"], "last-30-days")
    assert "date_from" not in at.query_params
    # Choosing every team (the fixture has two) is no filter at all: the widget says "All", the URL drops it.
    at.multiselect(key="flt_team").select("Tech")
    at.run()
    assert "team" not in at.query_params
    assert at.multiselect(key="flt_team").value == []


def test_url_opens_the_same_view(monkeypatch, loaded_db):
    at = app(monkeypatch, loaded_db, {"team": "Tech", "date_from": "2024-03-01", "date_to": "2024-03-31"}).run()
    assert_clean(at, "overview")
    assert at.multiselect(key="flt_team").value == ["Tech"]
    assert at.selectbox(key="flt_preset").value == "custom"
    assert tuple(at.date_input(key="flt_dates").value) == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert at.query_params.get("team") in (["Tech"], "Tech")


def test_filtered_ticket_count(monkeypatch, loaded_db):
    pytest.importorskip("metrics.engine")
    at = app(monkeypatch, loaded_db, {"team": "Tech", "date_from": "2024-03-01", "date_to": "2024-03-31"}).run()
    # March 2024: tickets i = 0..30 (created 2024-03-01 + i days); Tech is odd i: 1, 3, ..., 29 -> 15 tickets.
    tickets = next(m for m in at.metric if m.label == i18n.metric_name("tickets"))
    assert tickets.value == "15"


def test_overview_does_not_compare_counts_with_a_period_before_the_data(monkeypatch, loaded_db):
    pytest.importorskip("metrics.engine")
    # Mar 11 - Apr 9 (30 days) against Feb 10 - Mar 10, of which the data (from 2024-03-01) cover 10 days:
    # 30 tickets vs 10 would read "+200%". Counts get no change; a rate (per ticket) keeps its comparison.
    at = app(monkeypatch, loaded_db, {"date_from": "2024-03-11", "date_to": "2024-04-09"}).run()
    assert_clean(at, "overview")
    tickets = next(m for m in at.metric if m.label == i18n.metric_name("tickets"))
    assert tickets.value == "30" and not tickets.delta, tickets.delta
    breach = next(m for m in at.metric if m.label == i18n.metric_name("sla_breach_rate"))
    assert breach.delta, "a rate is still compared with the days the data cover"
    body = texts(at)
    assert "The previous period (Feb 10, 2024 – Mar 10, 2024) begins before the first record of" in body, body
    assert "tickets (Mar 1, 2024)" in body


def test_no_query_on_unchanged_rerun(monkeypatch, loaded_db):
    engine = pytest.importorskip("metrics.engine")
    calls = []
    for name in ("kpis", "compare", "timeseries", "breakdown", "drill"):
        original = getattr(engine, name)

        def counting(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(engine, name, counting)
    at = app(monkeypatch, loaded_db, {"team": "Billing", "date_from": "2024-03-05"}).run()
    assert_clean(at, "overview")
    first = len(calls)
    at.run()  # nothing changed
    assert len(calls) == first, f"rerun queried again: {calls[first:]}"


# ---------------------------------------------------------------- language
def test_language_switch_shows_russian(monkeypatch, loaded_db):
    at = app(monkeypatch, loaded_db).run()
    at.button_group(key="lang").set_value("ru") if hasattr(at, "button_group") else None
    at.run()
    assert_clean(at, "overview")
    body = texts(at)
    assert "Обзор" in body
    assert at.query_params.get("lang") in (["ru"], "ru")
    open_page(at, "data")
    assert "История загрузок" in texts(at)


def test_every_string_has_both_languages():
    import string

    fields = lambda text: sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)  # noqa: E731
    for key, entry in i18n.STRINGS.items():
        assert entry.get("en") and entry.get("ru"), f"{key} lacks a language"
        en, ru = entry["en"], entry["ru"]
        if isinstance(en, dict):  # plural forms: CLDR categories of each language, "other" always
            assert "other" in en and "other" in ru and {"one", "few", "many"} <= set(ru), f"{key}: plural forms"
            # a form may leave the count out ("the day before"); no form brings a placeholder the other lacks
            assert set().union(*map(fields, en.values())) == set().union(*map(fields, ru.values())), key
            continue
        assert fields(en) == fields(ru), f"{key}: placeholders differ"


def test_locale_formats():
    # Babel/CLDR: en groups with ",", ru with a no-break space and a decimal comma; ru percent
    # and currency put a no-break space before the sign.
    assert i18n.number(1234567.891, 2, "en") == "1,234,567.89"
    assert i18n.number(1234567.891, 2, "ru") == "1\u00a0234\u00a0567,89"
    assert i18n.percent(0.1234, 1, "en") == "12.3%"
    assert i18n.percent(0.1234, 1, "ru") == "12,3\u00a0%"
    assert i18n.money(1500, "USD", "en") == "$1,500"
    assert i18n.money(2_500_000, "RUB", "ru") == "2,5\u00a0млн\u00a0₽"
    # Three significant digits in compact money: 1,970,000 -> 1.97M; 999,999 rounds up to 1M, not "1000K".
    assert i18n.money(1_970_000, "USD", "en") == "$1.97M"
    assert i18n.money(1_970_000, "RUB", "ru") == "1,97\u00a0млн\u00a0₽"
    assert i18n.compact(999_999, "en") == "1M"
    assert i18n.date(dt.date(2025, 3, 5), "en") == "Mar 5, 2025"
    assert i18n.date(dt.date(2025, 3, 5), "ru") == "05.03.2025"
    # 150 minutes = 2.5 hours; 4320 minutes = 3 days; 34 s stays in seconds (CLDR short units).
    assert i18n.duration_minutes(150, "en") == "2.5\u00a0hr"
    assert i18n.duration_minutes(4320, "ru") == "3,0\u00a0дн."
    assert i18n.duration_seconds(34, "ru") == "34\u00a0с"
    assert i18n.number(None, lang="ru") == "н/д"
    # Whole customers: 99.6 -> 100.
    assert i18n.integer(99.6, "en") == "100"


def test_change_arrows_follow_the_sign_and_colours_follow_better():
    # SLA breach rate 13.8% -> 8.8%: a fall of 5.0 points, lower is better: down arrow, green.
    assert i18n.metric_delta("sla_breach_rate", 0.088, 0.138, "en") == "\u22125.0\u00a0pp"
    assert i18n.delta_style("sla_breach_rate", 0.088, 0.138) == ("down", "green")
    assert i18n.delta_style("sla_breach_rate", 0.138, 0.088) == ("up", "red")
    # First reply median 100 -> 82.2 min: -17.8%, lower is better.
    assert i18n.metric_delta("frt_median_minutes", 82.2, 100, "en") == "\u221217.8%"
    assert i18n.delta_style("frt_median_minutes", 82.2, 100) == ("down", "green")
    # CSAT 80% -> 75%: a fall of a higher-is-better rate is red.
    assert i18n.delta_style("csat", 0.75, 0.80) == ("down", "red")
    assert i18n.delta_style("csat", 0.85, 0.80) == ("up", "green")
    # Ticket volume has no better direction: the arrow still follows the sign, the colour is grey.
    assert i18n.delta_style("tickets", 90, 100) == ("down", "gray")
    assert i18n.delta_style("tickets", 100, 100) == ("off", "gray")
    # A change the tile writes as zero gets no arrow: 92.91% -> 92.90% reads "0.0 pp" (was a red
    # down arrow beside "0.0 pp" on the Tickets page at 10M tickets)
    shown = i18n.metric_delta("csat", 0.92900, 0.92912, "en")
    assert shown == "0.0\u00a0pp", shown
    assert i18n.delta_style("csat", 0.92900, 0.92912, shown) == ("off", "gray")
    assert i18n.delta_style("csat", 0.92900, 0.92912) == ("down", "red")  # the sign alone
    shown = i18n.metric_delta("csat", 0.929, 0.92, "ru")
    assert i18n.delta_style("csat", 0.929, 0.92, shown) == ("up", "green"), shown
    assert i18n.metric_delta("tickets", 110, 100, "ru") == "+10,0\u00a0%"


# ---------------------------------------------------------------- drill-down and safe exports
def test_drill_down_shows_rows(monkeypatch, loaded_db):
    pytest.importorskip("metrics.engine")
    at = app(monkeypatch, loaded_db, {"team": "Billing", "period": "all-time"}).run()
    at.button(key="ov_drill_toggle").click()
    at.run()
    assert_clean(at, "overview")
    frame = frame_with(at, "Ticket")  # human column names
    # Billing is even i: 30 tickets.
    assert len(frame) == 30
    assert "source_id" not in frame.columns and "Created" in frame.columns


def test_neutralise_prefixes_formula_cells():
    frame = pl.DataFrame({"text": ["=1+1", "+SUM(A1)", "-2", "@A1", "\tx", "\ry", "safe", None, "a=b"],
                          "n": [1, 2, 3, 4, 5, 6, 7, 8, -9]})
    safe = components.neutralise(frame)
    assert safe["text"].to_list() == ["'=1+1", "'+SUM(A1)", "'-2", "'@A1", "'\tx", "'\ry", "safe", None, "a=b"]
    assert safe["n"].to_list() == frame["n"].to_list()  # numbers are numbers, not formulas


def test_csv_and_xlsx_exports_carry_no_formula():
    frame = pl.DataFrame({"subject": ["=HYPERLINK(\"http://evil\")", "ok"], "when": [dt.datetime(2024, 3, 1, 9), None]})
    csv = components.csv_bytes(frame).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and "\n=" not in csv
    xlsx = components.xlsx_bytes(frame)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet
    assert "&apos;=HYPERLINK" in strings or "'=HYPERLINK" in strings
    back = pl.read_excel(io.BytesIO(xlsx))
    assert back["subject"].to_list()[0].startswith("'=")


# ---------------------------------------------------------------- Data page: upload and load
def test_upload_and_load_through_data_page(monkeypatch, tmp_path):
    db = tmp_path / "up.duckdb"
    at = app(monkeypatch, db).run()
    open_page(at, "data")
    text = "id,created,status,priority,group,assignee\n1,2024-03-04 09:00,open,high,Billing,Anna\n2,2024-03-04 10:00,solved,low,Tech,Boris\n"
    at.file_uploader(key="data_upload").set_value(("tickets.csv", text.encode(), "text/csv"))
    at.run()
    assert_clean(at, "data")
    # Detection picks some format; override it with the generic one and its suggested mapping.
    at.selectbox(key="data_fmt_0").set_value("generic")
    at.run()
    assert_clean(at, "data")
    mapping = at.dataframe(key="data_map_0_tickets").value
    assert dict(zip(mapping["canonical"], mapping["header"]))["created_at"] == "created"
    at.button(key="data_load").click()
    at.run()
    assert_clean(at, "data")
    history = frame_with(at, "Loaded")  # the load history with human column names
    assert list(history["Loaded"]) == [2]
    assert "2 tickets" in " ".join(shown(c.value) for c in at.sidebar.caption)


# ---------------------------------------------------------------- partial data and failures
@pytest.fixture(scope="module")
def tickets_only_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tickets_only")
    path = folder / "tickets.csv"
    path.write_text(_tickets_csv(), encoding="utf-8")
    store = Store(folder / "d.duckdb")
    [report] = store.load_files([path], LoadOptions(table="tickets", tz="UTC", source="test"), format="generic")
    assert report.status == "loaded", report.text()
    return store.path


def test_tickets_without_calls_say_so(monkeypatch, tickets_only_db):
    pytest.importorskip("metrics.engine")
    at = app(monkeypatch, tickets_only_db).run()
    assert_clean(at, "overview")
    calls_tile = next(m for m in at.metric if m.label == i18n.metric_name("calls_offered"))
    assert calls_tile.value == "—"  # not 0: there is no call data at all
    assert "no calls loaded" in texts(at)
    open_page(at, "calls")
    assert_clean(at, "calls")
    assert "No calls loaded" in texts(at) and "go to Data" not in texts(at)


def test_a_failing_query_is_an_error_box_not_a_traceback(monkeypatch, loaded_db):
    engine = pytest.importorskip("metrics.engine")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(engine, "compare", broken)
    at = app(monkeypatch, loaded_db, {"team": "Tech", "date_from": "2024-04-02"}).run()  # a filter state not cached yet
    assert not at.exception
    assert any("disk on fire" in shown(e.value) and "Try widening" in e.value for e in at.error)


# ---------------------------------------------------------------- settings
def test_settings_are_validated_and_saved(monkeypatch, tmp_path):
    import tomllib

    settings = tmp_path / "settings.toml"
    monkeypatch.setenv("DESKSCOPE_SETTINGS", str(settings))
    at = app(monkeypatch, tmp_path / "s.duckdb").run()
    open_page(at, "settings")
    assert_clean(at, "settings")
    # A bad zone and a bad interval: nothing is saved and both problems are listed at once.
    at.text_input(key="set_tz").set_value("Mars/Olympus")
    at.text_input(key="set_monday").set_value("18:00-09:00")
    at.text_input(key="set_reporttz").set_value("Europe/Atlantis")
    at.button(key="set_save").click()
    at.run()
    assert not settings.exists()
    problem = " ".join(shown(e.value) for e in at.error)
    assert "Mars/Olympus" in problem and "18:00-09:00" in problem and "Europe/Atlantis" in problem
    at.text_input(key="set_tz").set_value("Europe/Moscow")
    at.text_input(key="set_monday").set_value("10:00-19:00")
    at.number_input(key="set_csat").set_value(5)
    at.text_input(key="set_reporttz").set_value("America/New_York")
    at.button(key="set_save").click()
    at.run()
    assert_clean(at, "settings")
    saved = tomllib.loads(settings.read_text(encoding="utf-8"))
    assert saved["business_hours"]["time_zone"] == "Europe/Moscow"
    assert saved["business_hours"]["monday"] == ["10:00-19:00"]
    assert saved["metrics"]["csat_satisfied_min"] == 5
    assert saved["metrics"]["report_timezone"] == "America/New_York"
    assert [p["name"] for p in saved["sla"]["policies"]] == ["Urgent", "High", "Normal", "Low"]


def test_remove_a_load_from_the_data_page(monkeypatch, tmp_path):
    db = tmp_path / "rm.duckdb"
    path = tmp_path / "tickets.csv"
    path.write_text(_tickets_csv(), encoding="utf-8")
    Store(db).load_files([path], LoadOptions(table="tickets", tz="UTC", source="test"), format="generic")
    at = app(monkeypatch, db).run()
    open_page(at, "data")
    assert at.button(key="data_rm").disabled  # until the removal is confirmed
    at.checkbox(key="data_rm_sure").check()
    at.run()
    at.button(key="data_rm").click()
    at.run()
    assert_clean(at, "data")
    assert any("Load #1 removed: tickets 60" in shown(s.value) for s in at.success)
    assert list(frame_with(at, "Loaded")["Status"]) == ["removed"]
    assert "No data loaded yet" in " ".join(shown(c.value) for c in at.sidebar.caption)


def test_every_calculator_input_and_result_has_a_label():
    """The calculator table labels each input and result by ``calc.<name>``: a new field without a
    string would show its raw key on the Churn page."""
    import dataclasses

    from metrics import calculator
    from ui import i18n

    from pages import churn

    names = {f.name for f in dataclasses.fields(calculator.Inputs) if f.name != "measured"} | {n for n, _ in churn.OUTPUTS}
    missing = sorted(n for n in names if f"calc.{n}" not in i18n.STRINGS)
    assert not missing, missing


def test_churn_calculator_says_where_each_input_comes_from(monkeypatch, loaded_db):
    """Measured on the data (15 customers in the fixture), taken from the settings file
    (currency, gross margin) or a published benchmark (the acquisition multiple)."""
    at = app(monkeypatch, loaded_db)
    at.run()
    open_page(at, "churn")
    assert_clean(at, "churn")
    [inputs] = [tb.value for tb in at.table if "Source or assumption" in tb.value.columns]
    # st.table renders cells as Markdown: Deskscope passes them through ui.safe.plain_table
    origin = {shown(k): shown(v) for k, v in zip(inputs["Input"], inputs["From"])}
    value = {shown(k): shown(v) for k, v in zip(inputs["Input"], inputs["Value"])}
    # every customer of the fixture had a negative experience, so nobody can be compared: the
    # counts are measured, the churn rates stay benchmarks
    assert (value["Customers"], origin["Customers"]) == ("15", "measured (your data)"), texts(at)[:3000]
    assert origin["Customers with a negative experience"] == "measured (your data)" and value["Customers with a negative experience"] == "100.0%"
    assert origin["Churn after one bad experience"] == "benchmark"
    assert origin["Currency"] == "settings" and origin["Gross margin"] == "settings"
    assert origin["Acquisition cost (x retention cost)"] == "benchmark"


def test_partial_periods_are_the_ones_reaching_outside_the_data():
    """Data from Wed 2024-11-20 to Fri 2026-11-20: by hand, the month of November 2024 starts
    before it and November 2026 ends after it; the week of Mon 2024-11-18 starts before it, the
    week of Mon 2026-11-16 ends Sun 2026-11-22, after it; whole periods between are not partial."""
    first, last = dt.date(2024, 11, 20), dt.date(2026, 11, 20)
    months = [dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
    assert components.partial_periods(months, "month", first, last) == [True, False, False, True]
    weeks = [dt.datetime(2024, 11, 18), dt.datetime(2024, 11, 25), dt.datetime(2026, 11, 9), dt.datetime(2026, 11, 16)]
    assert components.partial_periods(weeks, "week", first, last) == [True, False, False, True]
    assert components.partial_periods([dt.date(2024, 11, 20), dt.date(2026, 11, 20)], "day", first, last) == [False, False]
    # December's end: the month arithmetic must not spill into the wrong year
    assert components.partial_periods([dt.date(2025, 12, 1)], "month", first, dt.date(2025, 12, 31)) == [False]
    assert components.partial_periods([dt.date(2025, 12, 1)], "month", first, dt.date(2025, 12, 30)) == [True]


def test_overview_trend_says_which_periods_are_partial(monkeypatch, loaded_db):
    """Filter Feb-Jun 2024 (weekly trend) over tickets of 2024-03-01 .. 2024-04-29: the first and
    last weeks are partial, and the caption names the days the data really covers."""
    at = app(monkeypatch, loaded_db, {"date_from": "2024-02-01", "date_to": "2024-06-30"}).run()
    captions = " ".join(shown(c.value) for c in at.caption)
    assert "Hollow points are partial periods" in captions, captions
    assert f"from {i18n.date(dt.date(2024, 3, 1))} to {i18n.date(dt.date(2024, 4, 29))}" in captions, captions
    whole = app(monkeypatch, loaded_db).run()  # daily trend over whole days: nothing partial
    assert "Hollow points" not in " ".join(c.value for c in whole.caption)

def _display_values(element):
    """The texts a Styler-formatted table shows (its display values), as a pandas frame."""
    import pyarrow as pa

    raw = element.proto.arrow_data.styler.display_values
    return pa.ipc.open_stream(raw).read_all().to_pandas() if raw else None


def test_tables_show_numbers_as_the_cards_do(monkeypatch, loaded_db):
    # Tickets & SLA, SLA outcomes by priority (all time): the breach rate with one decimal and a
    # percent sign, counts with separators, column names in words; a missing value is blank.
    at = app(monkeypatch, loaded_db, {"period": "all-time"}).run()
    open_page(at, "tickets")
    assert_clean(at, "tickets")
    [table] = [d for d in at.dataframe if "Priority" in d.value.columns and "SLA breach rate" in d.value.columns]
    shown = _display_values(table)
    assert list(table.value.columns)[:3] == ["Priority", "Tickets", "SLA breach rate"]
    assert all(re.fullmatch(r"\d+\.\d%", v) for v in shown.iloc[:, 2] if v), list(shown.iloc[:, 2])
    assert table.proto.placeholder == ""
    # Thousands separators and Russian formats come from formatting.py.
    assert components._cell_formatter("count", "en")(12345) == "12,345"
    assert components._cell_formatter("count", "ru")(12345) == "12\u00a0345"
    assert components._cell_formatter("minutes", "ru")(150) == "2,5\u00a0ч"
    assert components._cell_formatter("fraction", "en")(None) == ""
