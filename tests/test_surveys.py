"""Surveys as they come (issue 13 §1, issue 14 "survey scales", issue 22 §§2-3): undated sheets
with the question as header, one sheet per segment, scales from the question and the bulk of the
answers, ratings inside ticket exports, headers carrying their entity's name, and the message for
a file nothing recognises. Every figure is counted by hand in the comments."""
from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import duckdb
import polars as pl
import pytest

from loaders import registry
from loaders.base import LoadError, LoadOptions
from loaders.store import Store
from loaders.survey_values import choose_scale, is_bulk, kind_of, stated_scale

T = dt.datetime
Z95 = 1.959963984540054


def load(path: Path, fmt: str | None = None, **opts):
    adapter, _, _ = registry.choose(path, fmt)
    return adapter.load(path, LoadOptions(**opts))


def store_load(tmp_path, paths, **opts) -> tuple[Store, list]:
    import metrics  # noqa: F401  (derived tables and rollups are built on every write)

    store = Store(tmp_path / "t.duckdb")
    reports = store.load_files(paths, LoadOptions(**opts))
    for r in reports:
        assert r.status == "loaded", r.error
        assert r.rows_in == r.rows_loaded + r.rows_rejected
    return store, reports


def cli(capsys, *argv) -> tuple[int, str]:
    import cli as cli_mod

    code = cli_mod.main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def nps_interval(p: int, d: int, n: int) -> tuple[float, float]:
    """The docs' normal-approximation interval, written out independently of metrics/satisfaction.py."""
    ps, ds = p / n, d / n
    half = Z95 * math.sqrt((ps + ds - (ps - ds) ** 2) / n)
    return max(-100.0, 100 * (ps - ds - half)), min(100.0, 100 * (ps - ds + half))


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is not None:
                    ws.write(i, j, value)
    wb.close()
    return path


# ----------------------------------------------------------------------------- the two-sheet workbook
AEROFLOT = "How likely are you to recommend Aeroflot to a friend or colleague?"
S7 = "How likely are you to recommend S7 Airlines to a friend or colleague?"
# Aeroflot: 10 9 9 8 7 6 3 0 10 5 (and one blank answer)
#   promoters (9-10): 10, 9, 9, 10 = 4; detractors (0-6): 6, 3, 0, 5 = 4; passives 8, 7; n = 10 -> NPS 0
# S7: 10 10 9 8 2 7 -> promoters 3, detractors 1 (2), n = 6 -> NPS 100 x 2/6 = 33.3
# Both: promoters 7, detractors 5, n = 16 -> NPS 100 x 2/16 = 12.5
AEROFLOT_SCORES = [10, 9, 9, 8, 7, 6, 3, 0, 10, 5]
S7_SCORES = [10, 10, 9, 8, 2, 7]


def airline_workbook(path: Path) -> Path:
    aeroflot = [["Respondent", AEROFLOT, "What could we do better?"]]
    aeroflot += [[f"A{i}", s, "more legroom" if s <= 6 else None] for i, s in enumerate(AEROFLOT_SCORES, 1)]
    aeroflot.append(["A11", None, "no answer to the question"])  # answered nothing: rejected, not a response
    s7 = [["Respondent", S7, "What could we do better?"]] + [[f"B{i}", s, None] for i, s in enumerate(S7_SCORES, 1)]
    notes = [["Field", "Meaning"], ["Respondent", "panel id"]]
    return write_xlsx(path, {"Aeroflot": aeroflot, "S7": s7, "Notes": notes, "Spare": []})


def test_undated_two_sheet_workbook_gives_nps_per_sheet_and_overall(tmp_path, capsys):
    book = airline_workbook(tmp_path / "airlines.xlsx")
    store, [r] = store_load(tmp_path, [book])
    assert r.loader == "survey_sheet"
    assert (r.rows_in, r.rows_loaded, r.rows_rejected) == (11 + 6, 16, 1)
    summary = r.text()
    # the sheet names are the segments, said in the summary; the other sheets are named, never skipped silently
    assert "each sheet's name is the segment of its responses: 'Aeroflot' (10 responses), 'S7' (6 responses)" in summary
    assert "sheet 'Notes' is not a survey: its columns (Field, Meaning)" in summary
    assert "sheet 'Spare' is empty" in summary
    assert "no response date column: 10 answer(s) loaded undated" in summary
    assert "rejected row 12: sheet 'Aeroflot': no readable score" in summary
    rows = store.query("SELECT segment, count(*) n, count(responded_at) dated FROM surveys GROUP BY 1 ORDER BY 1").rows()
    assert rows == [("Aeroflot", 10, 0), ("S7", 6, 0)]

    code, out = cli(capsys, "--db", str(store.path), "metrics", "--metric", "nps", "--by", "segment", "--json")
    assert code == 0
    by = {row["segment"]: row for row in json.loads(out)}
    assert set(by) == {"Aeroflot", "S7"}
    assert by["Aeroflot"]["nps"] == pytest.approx(0.0) and by["Aeroflot"]["nps_responses"] == 10
    assert by["S7"]["nps"] == pytest.approx(100 * 2 / 6) and by["S7"]["nps_responses"] == 6
    lo, hi = nps_interval(3, 1, 6)
    assert (by["S7"]["nps_low"], by["S7"]["nps_high"]) == (pytest.approx(lo), pytest.approx(hi))
    lo, hi = nps_interval(4, 4, 10)
    assert (by["Aeroflot"]["nps_low"], by["Aeroflot"]["nps_high"]) == (pytest.approx(lo), pytest.approx(hi))
    # 10 and 6 responses are below metrics.survey_small_segment (30): flagged, shown
    assert by["Aeroflot"]["small_sample"] is True and by["S7"]["n"] == 6
    assert list(by["S7"]) == ["segment", "nps", "nps_low", "nps_high", "nps_responses", "n", "small_sample"]

    code, out = cli(capsys, "--db", str(store.path), "metrics", "--metric", "nps,nps_responses,survey_undated", "--json")
    overall = json.loads(out)
    assert overall["nps"] == pytest.approx(12.5) and overall["nps_responses"] == 16 and overall["survey_undated"] == 16

    # a segment filter picks one sheet; a date filter leaves every undated response out and says how many
    code, out = cli(capsys, "--db", str(store.path), "metrics", "--metric", "nps", "--filter", "segment=S7", "--json")
    assert json.loads(out)["nps"] == pytest.approx(100 * 2 / 6)
    code, out = cli(capsys, "--db", str(store.path), "metrics", "--metric", "nps", "--from", "2024-01-01", "--json")
    dated = json.loads(out)
    assert dated["nps"] is None
    assert "16 survey response(s) have no date: the date filter leaves them out (they count in all-time figures)" \
        in dated["_notes"]


def test_undated_and_dated_responses_rollups_and_raw_rows_agree(tmp_path):
    from metrics import engine
    from metrics.filters import Filters

    path = tmp_path / "csat.csv"
    # 6 responses: 4 dated in March 2024 (5, 4, 2, 5), 2 undated (1, 4).
    # all time: satisfied 5, 4, 5, 4 = 4 of 6; March: 3 of 4; undated: 1 of 2
    path.write_text("Response ID,Date,How satisfied were you with our support?\n"
                    "1,2024-03-04,5\n2,2024-03-05,4\n3,2024-03-20,2\n4,2024-03-21,5\n5,,1\n6,,4\n")
    store, [r] = store_load(tmp_path, [path])
    assert "2 answer(s) have no date: loaded undated" in r.text()
    cur = store.cursor()
    all_time = engine.kpis(cur, Filters(), ["csat", "csat_responses", "survey_undated"])
    assert all_time.plan["surveys"] == "rollup"  # the undated rows live in rollup rows whose day is NULL
    assert (all_time["csat"], all_time["csat_responses"], all_time["survey_undated"]) == (pytest.approx(4 / 6), 6, 2)
    march = engine.kpis(cur, Filters(date_from="2024-03-01", date_to="2024-03-31"), ["csat", "csat_responses"])
    assert (march["csat"], march["csat_responses"], march.undated_left_out) == (pytest.approx(3 / 4), 4, 2)
    # the same figures from raw rows (two dimensions filtered: no rollup answers)
    raw = engine.kpis(cur, Filters(source=("csat",), segment=()), ["csat", "csat_responses"])
    assert (raw["csat"], raw["csat_responses"]) == (pytest.approx(4 / 6), 6)
    # trends leave undated responses out: two weeks of March hold 2 + 2 responses
    series = engine.timeseries(cur, Filters(date_from="2024-03-04", date_to="2024-03-24"), "week",
                               ["csat_responses"])
    assert series.get_column("csat_responses").to_list() == [2.0, None, 2.0]
    assert engine.undated_responses(cur, Filters(date_from="2024-03-01")) == 2
    cur.close()


# ----------------------------------------------------------------------------- question text
@pytest.mark.parametrize("question,kind", [
    ("How likely are you to recommend Acme to a friend or colleague?", "nps"),
    ("How likely is it that you would recommend our company to a friend or colleague?", "nps"),
    ("Would you recommend Pepsi to your friends?", "nps"),
    ("On a scale of 0 to 10, how likely are you to recommend us?", "nps"),
    ("How likely would you be to reccomend our app?", "nps"),
    ("Likelihood to recommend", "nps"),
    ("Насколько вероятно, что вы порекомендуете нас друзьям или коллегам?", "nps"),
    ("Какова вероятность того, что вы порекомендуете Сбербанк знакомым?", "nps"),
    ("Готовы ли вы рекомендовать нашу компанию?", "nps"),
    ("Оцените вероятность рекомендации", "nps"),
    ("How satisfied were you with our support?", "csat"),
    ("Overall, how satisfied are you with Acme?", "csat"),
    ("How would you rate the service you received?", "csat"),
    ("Please rate your experience", "csat"),
    ("Customer Satisfaction Rating", "csat"),
    ("Оцените качество обслуживания", "csat"),
    ("Насколько вы довольны работой оператора?", "csat"),
    ("Насколько вы удовлетворены решением вопроса?", "csat"),
    ("How easy was it to get your issue resolved?", "ces"),
    ("Acme made it easy for me to handle my issue", "ces"),
    ("How much effort did you personally have to put forth to handle your request?", "ces"),
    ("Насколько легко было решить ваш вопрос?", "ces"),
    ("Оцените, насколько легко было получить помощь", "ces"),
    ("Сколько усилий вам пришлось приложить?", "ces"),
    ("Respondent ID", None), ("Date", None), ("Region", None), ("Регион", None), ("Комментарий", None),
])
def test_question_text_names_the_kind(question, kind):
    assert kind_of(question) == kind


@pytest.mark.parametrize("question,scale", [
    ("On a scale of 0 to 10, how likely are you to recommend us?", (0, 10)),
    ("Оцените по шкале от 1 до 10", (1, 10)),
    ("Satisfaction (1 = very dissatisfied, 5 = very satisfied)", (1, 5)),
    ("How easy was it (1-7)?", (1, 7)),
    ("How likely are you to recommend us in the next 12 months?", None),
])
def test_a_question_can_state_its_scale(question, scale):
    assert stated_scale(question) == scale


def test_russian_question_sheet_with_semicolons(tmp_path):
    path = tmp_path / "опрос.csv"
    path.write_text("Респондент;Регион;Насколько вероятно, что вы порекомендуете МТС друзьям или коллегам?;"
                    "Оцените качество обслуживания по шкале от 1 до 5;Насколько легко было решить ваш вопрос?;"
                    "Почему вы поставили такую оценку?\n"
                    "1;Москва;10;5;7;всё быстро\n2;Москва;9;4;6;\n3;Казань;4;2;3;долго ждал\n", encoding="utf-8")
    b = load(path)
    s = b.tables["surveys"]
    # NPS 10, 9, 4 -> promoters 2, detractors 1; CSAT 5, 4, 2 -> satisfied 2 of 3; CES 7, 6, 3 -> mean 16/3
    kinds = {k: sorted(v) for k, v in s.group_by("kind").agg(pl.col("score")).iter_rows()}
    assert kinds == {"nps": [4.0, 9.0, 10.0], "csat": [2.0, 4.0, 5.0], "ces": [3.0, 6.0, 7.0]}
    assert set(s.filter(pl.col("kind") == "csat")["scale_max"]) == {5.0}
    assert dict(s.group_by("segment").len().iter_rows()) == {"Москва": 6, "Казань": 3}  # the region column
    assert s.filter(pl.col("comment").is_not_null()).height == 2  # one comment per respondent, the "why?" column
    assert any("CSAT (from the question) on 1-5 (stated in the question)" in n for n in b.notes), b.notes


def test_a_churn_list_or_ticket_export_is_not_taken_for_a_survey(tmp_path):
    from loaders.adapters.surveys import SurveySheetAdapter
    from loaders.files import sample

    churn = tmp_path / "churn.csv"
    churn.write_text("Customer ID,Tenure,Churn,How satisfied were you with our support?\n1,12,Yes,2\n")
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("Ticket ID,Ticket Status,Ticket Priority,Created At,Customer Satisfaction Rating\n1,Open,Low,2024-03-01,4\n")
    assert SurveySheetAdapter().detect(sample(churn)) == 0
    assert SurveySheetAdapter().detect(sample(tickets)) == 0


# ----------------------------------------------------------------------------- scales (issue 14)
NPS_Q = "How likely are you to recommend us to a friend or colleague?"
CSAT_Q = "How satisfied were you with our support?"


def sheet(tmp_path, question: str, answers: list, name: str = "answers.csv") -> Path:
    path = tmp_path / name
    rows = [f"{i},{a}" for i, a in enumerate(answers, 1)]
    path.write_text(f"Respondent,{question}\n" + "\n".join(rows) + "\n")
    return path


def test_one_nps_answer_of_11_does_not_rescale_the_file(tmp_path):
    store, [r] = store_load(tmp_path, [sheet(tmp_path, NPS_Q, [10, 9, 8, 6, 11, 3, 10])])
    # 11 is rejected as a row; the rest on 0-10: promoters 10, 9, 10 = 3, detractors 6, 3 = 2 of 6 -> +16.7
    # (before: the 11 moved the scale to 0-100 and every answer became a detractor: NPS -100)
    assert (r.rows_in, r.rows_loaded, r.rows_rejected) == (7, 6, 1)
    [reject] = store.rejects(r.load_id).to_dicts()
    assert reject["row_number"] == 6 and reject["value"] == "11"
    assert reject["reason"] == (f"column {NPS_Q!r}: '11' is outside the NPS scale 0-10 (that the file's other answers "
                                f"use); correct the answer or delete the row")
    assert store.query("SELECT DISTINCT scale_min, scale_max FROM surveys").rows() == [(0.0, 10.0)]
    from metrics import engine

    assert engine.kpis(store.cursor(), None, ["nps"])["nps"] == pytest.approx(100 * (3 - 2) / 6)


@pytest.mark.parametrize("outlier,reason", [
    ("7", "'7' is outside the CSAT scale 1-5"),
    ("-3", "'-3' is outside the CSAT scale 1-5"),
    ("1e400", "'1e400' is not a finite number, so not a CSAT answer"),
])
def test_a_stray_csat_answer_does_not_widen_a_1_to_5_scale(tmp_path, outlier, reason):
    b = load(sheet(tmp_path, CSAT_Q, [5, 4, outlier, 2, 5]))
    s = b.tables["surveys"]
    # the four answers 5, 4, 2, 5 stay on 1-5 (3 of them satisfied); the stray one is a rejected row
    assert (b.rows_in, len(b.rejects), s.height) == (5, 1, 4)
    assert set(zip(s["scale_min"], s["scale_max"])) == {(1.0, 5.0)}
    assert b.rejects.rows[0]["row_number"] == 4 and reason in b.rejects.rows[0]["reason"]
    assert s.filter(pl.col("score") >= 4).height == 3


def test_a_real_1_to_10_csat_sheet_keeps_its_scale(tmp_path):
    b = load(sheet(tmp_path, CSAT_Q, [9, 10, 7, 3, 8, 6]))
    s = b.tables["surveys"]
    # 5 of 6 answers lie beyond 5 and 3 of 6 beyond 7, over several values: the bulk is on 1-10
    assert (len(b.rejects), set(s["scale_max"]), set(s["scale_min"])) == (0, {10.0}, {1.0})
    assert any("CSAT (from the question) on 1-10 (from the bulk of the answers)" in n for n in b.notes), b.notes


def test_the_question_states_the_scale(tmp_path):
    b = load(sheet(tmp_path, "How satisfied were you with our support (0-10)?", [0, 4, 10, 12]))
    s = b.tables["surveys"]
    assert set(zip(s["scale_min"], s["scale_max"])) == {(0.0, 10.0)} and s.height == 3
    assert "outside the CSAT scale 0-10 (stated by the question)" in b.rejects.rows[0]["reason"]


def test_bulk_rule():
    # one stray value below half of the answers is a typo; two values over a fifth, or half, are a scale
    assert not is_bulk(outside=1, distinct_outside=1, total=3)
    assert is_bulk(outside=2, distinct_outside=2, total=9)
    assert is_bulk(outside=5, distinct_outside=1, total=10)
    assert choose_scale("nps", pl.Series([11.0] * 9 + [3.0])).describe() == "0-10"  # NPS has one scale


def test_long_sheet_and_mapped_sheet_reject_out_of_scale_answers(tmp_path):
    long = tmp_path / "long.csv"
    long.write_text("Response ID,Survey,Score,Submitted At\n1,CSAT,5,2024-03-01\n2,CSAT,6,2024-03-01\n"
                    "3,CSAT,4,2024-03-02\n4,NPS,10,2024-03-02\n5,NPS,11,\n6,NPS,0,\n")
    b = load(long)
    # CSAT 5, 4 stay (6 rejected); NPS 10, 0 stay (11 rejected); row 7 has no date: undated, not rejected
    assert (b.rows_in, len(b.rejects)) == (6, 2)
    assert sorted(r["row_number"] for r in b.rejects.rows) == [3, 6]
    s = b.tables["surveys"]
    assert s.filter(pl.col("responded_at").is_null()).get_column("source_id").to_list() == ["6"]

    mapped = tmp_path / "mapped.csv"
    mapped.write_text("When,Stars\n2024-03-01,5\n2024-03-02,4\n2024-03-03,9\n,2\n")
    b = load(mapped, mapping={"table": "surveys", "columns": {"score": "Stars", "responded_at": "When"},
                              "constants": {"kind": "csat"}})
    s = b.tables["surveys"]
    assert (b.rows_in, len(b.rejects), s.height) == (4, 1, 3)
    assert set(s["kind"]) == {"csat"} and set(s["scale_max"]) == {5.0} and s["responded_at"].null_count() == 1
    assert s["source_id"].to_list() == ["row 2", "row 3", "row 5"]  # no id column: the row numbers


def test_an_unreadable_date_rejects_the_row_a_blank_one_loads_undated(tmp_path):
    path = tmp_path / "nps.csv"
    path.write_text(f"Respondent,Date,{NPS_Q}\n1,2024-03-01,9\n2,someday,7\n3,,10\n")
    b = load(path)
    assert (b.rows_in, len(b.rejects), b.tables["surveys"].height) == (3, 1, 2)
    assert b.rejects.rows[0]["reason"].startswith("column 'Date' (responded_at): 'someday' is not readable as a date/time")
    assert "empty the cell to load the response without a date" in b.rejects.rows[0]["reason"]


# ----------------------------------------------------------------------------- older databases
def test_an_older_database_gains_segment_and_origin(tmp_path):
    """A database written before surveys had segment/origin: the next write adds them and fills origin
    from the load that wrote each row (ticket exports -> 'ticket')."""
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE surveys (source VARCHAR, source_id VARCHAR, responded_at TIMESTAMP, kind VARCHAR, "
                "score DOUBLE, scale_min DOUBLE, scale_max DOUBLE, ticket_id VARCHAR, customer_id VARCHAR, agent VARCHAR, "
                "team VARCHAR, channel VARCHAR, comment VARCHAR, source_tz VARCHAR, load_id BIGINT)")
    con.execute("CREATE TABLE loads (load_id BIGINT, target_table VARCHAR, status VARCHAR)")
    con.execute("INSERT INTO loads VALUES (1, 'tickets', 'loaded'), (2, 'surveys', 'loaded')")
    con.execute("INSERT INTO surveys (source, source_id, kind, score, load_id) VALUES "
                "('zendesk', '7-csat', 'csat', 1, 1), ('sheet', 'r1', 'nps', 9, 2)")
    con.close()
    store = Store(db)
    with store.writer():
        pass
    assert store.query("SELECT source_id, origin, segment FROM surveys ORDER BY source_id").rows() == [
        ("7-csat", "ticket", None), ("r1", "survey", None)]


# ----------------------------------------------------------------------------- ratings in ticket exports
TICKETS = """Ticket ID,Customer Name,Customer Email,Customer Age,Product Purchased,Ticket Type,Ticket Subject,Ticket Description,Ticket Status,Ticket Priority,Ticket Channel,Created At,Resolved At,Customer Satisfaction Rating
101,Ann Lee,ann@example.com,34,GoPro Hero,Technical issue,Product setup,I cannot pair the camera,Closed,High,Email,2024-03-01 09:00,2024-03-01 15:00,5
102,Bob Ray,bob@example.com,51,LG TV,Billing inquiry,Refund request,Charged twice,Closed,Low,Phone,2024-03-02 10:00,2024-03-03 10:00,2
103,Cid Moe,cid@example.com,22,Xbox,Refund request,Battery life,It dies in an hour,Open,Critical,Chat,2024-03-03 11:00,,
104,Dee Fox,dee@example.com,45,Dell XPS,Technical issue,Network problem,Wifi drops,Pending,Medium,Social media,2024-03-04 12:00,,
105,Eve Kim,eve@example.com,29,iPhone,Product inquiry,Account access,Cannot log in,Closed,Medium,Email,2024-03-05 08:00,2024-03-05 09:30,4
106,Fay Ng,fay@example.com,38,Kindle,Technical issue,Display issue,Screen flickers,Closed,Low,Chat,2024-03-06 14:00,,3
107,Gus Oh,gus@example.com,61,Nikon D,Billing inquiry,Payment failed,Card declined,Closed,High,Email,2024-03-07 10:00,2024-03-07 12:00,1
"""


def test_ticket_export_with_ticket_headers_and_a_rating_loads_without_a_mapping(tmp_path, capsys):
    path = tmp_path / "support_tickets.csv"
    path.write_text(TICKETS)
    store, [r] = store_load(tmp_path, [path])
    assert (r.loader, r.target_table, r.rows_loaded, r.tables) == ("generic", "tickets", 7, {"tickets": 7, "surveys": 5})
    assert "5 of 7 tickets carry a rating in 'Customer Satisfaction Rating': loaded as CSAT responses linked to their " \
           "ticket (CSAT on 1-5 (the standard scale); answered at the ticket's solve time, 1 without one are undated)" \
        in r.text()
    t = store.query("SELECT source_id, priority, channel, subject, category, status, description FROM tickets "
                    "WHERE source_id = '101'").row(0, named=True)
    assert t == {"source_id": "101", "priority": "high", "channel": "email", "subject": "Product setup",
                 "category": "Technical issue", "status": "closed", "description": "I cannot pair the camera"}
    s = store.query("SELECT ticket_id, score, responded_at, origin FROM surveys ORDER BY ticket_id").rows()
    assert s == [("101", 5.0, T(2024, 3, 1, 15), "ticket"), ("102", 2.0, T(2024, 3, 3, 10), "ticket"),
                 ("105", 4.0, T(2024, 3, 5, 9, 30), "ticket"), ("106", 3.0, None, "ticket"),
                 ("107", 1.0, T(2024, 3, 7, 12), "ticket")]
    # CSAT over the 5 rated tickets: 5 and 4 are satisfied -> 2 / 5 = 40%; 2 unrated tickets count nowhere
    code, out = cli(capsys, "--db", str(store.path), "metrics", "--metric",
                    "csat,csat_responses,csat_rated_tickets,csat_response_rate", "--json")
    figures = json.loads(out)
    assert (figures["csat"], figures["csat_responses"], figures["csat_rated_tickets"]) == (pytest.approx(0.4), 5, 5)
    # the export cannot tell an unanswered survey from one never sent: no response rate, not 100%
    assert figures["csat_response_rate"] is None


def test_suggest_maps_every_column_it_can_and_comments_the_rest(tmp_path, capsys):
    path = tmp_path / "support_tickets.csv"
    path.write_text(TICKETS)
    code, out = cli(capsys, "suggest", str(path))
    assert code == 0
    for line in ('source_id = "Ticket ID"', 'priority = "Ticket Priority"', 'channel = "Ticket Channel"',
                 'subject = "Ticket Subject"', 'category = "Ticket Type"', 'status = "Ticket Status"',
                 'description = "Ticket Description"', 'satisfaction = "Customer Satisfaction Rating"',
                 'created_at = "Created At"', 'solved_at = "Resolved At"', 'requester = "Customer Email"'):
        assert f"\n{line}\n" in out, out
    assert "# not mapped (3); to load one, remove the '# ' before its line:" in out
    assert ('# requester = "Customer Name"   # best guess, like \'customer name\'; requester is mapped to another '
            'column above') in out
    assert '# "Customer Age": no column of tickets holds this; it is not loaded' in out
    assert '# "Product Purchased": looks like customers.plan' in out
    # the suggestion is valid TOML a user can pass straight to --mapping
    import tomllib

    mapping = tomllib.loads(out)
    assert mapping["table"] == "tickets" and len(mapping["columns"]) == 11


def test_russian_headers_with_their_entity_read_as_the_column_they_name(tmp_path):
    from loaders.mapping import suggest

    table, columns, coverage = suggest(["Номер заявки", "Дата создания заявки", "Статус заявки", "Приоритет обращения",
                                        "Тема обращения", "Канал обращения", "Оценка клиента"])
    assert (table, coverage) == ("tickets", 1.0)
    assert columns == {"source_id": "Номер заявки", "created_at": "Дата создания заявки", "status": "Статус заявки",
                       "priority": "Приоритет обращения", "subject": "Тема обращения", "channel": "Канал обращения",
                       "satisfaction": "Оценка клиента"}


def test_survey_prefixed_headers_and_a_customer_segment(tmp_path, capsys):
    # "Survey Date", "Survey Type", "Survey Score"; "Customer Segment" is the responses' segment
    path = tmp_path / "survey_export.csv"
    path.write_text("Survey ID,Survey Date,Survey Type,Survey Score,Customer ID,Customer Segment\n"
                    "s1,2024-02-01,NPS,9,c1,SMB\ns2,2024-02-02,NPS,2,c2,SMB\ns3,2024-02-03,NPS,10,c3,SMB\n"
                    "s4,2024-02-03,CSAT,4,c4,Enterprise\ns5,,CSAT,2,c5,Enterprise\n")
    store, [r] = store_load(tmp_path, [path])
    assert (r.loader, r.rows_loaded) == ("survey_sheet", 5)
    code, out = cli(capsys, "--db", str(store.path), "metrics", "--metric", "nps,csat", "--by", "segment", "--json")
    rows = {row["segment"]: row for row in json.loads(out)}
    assert set(rows) == {"SMB", "Enterprise"}
    # SMB: NPS answers 9, 2, 10 -> 2 promoters, 1 detractor of 3 = +33.3; Enterprise: CSAT 4, 2 -> 1 of 2 = 50%
    assert rows["SMB"]["nps"] == pytest.approx(100 / 3) and rows["SMB"]["nps_responses"] == 3
    assert rows["Enterprise"]["csat"] == pytest.approx(0.5) and rows["Enterprise"]["csat_responses"] == 2
    # asked for CSAT alone, SMB (no CSAT answer) is no row at all, not a "small sample" of 0
    code, out = cli(capsys, "--db", str(store.path), "metrics", "--metric", "csat", "--by", "segment", "--json")
    assert [(row["segment"], row["csat_responses"]) for row in json.loads(out)] == [("Enterprise", 2)]
    code, out = cli(capsys, "--db", str(store.path), "metrics", "--metric", "csat", "--by", "segment")
    assert "Enterprise" in out and "SMB" not in out
    code, toml = cli(capsys, "suggest", str(path))
    assert 'segment = "Customer Segment"' in toml and 'score = "Survey Score"' in toml and 'kind = "Survey Type"' in toml


def test_call_sheet_reads_call_prefixed_headers():
    from loaders.adapters.call_sheet import _roles

    roles = _roles(["Call ID", "Agent", "Call Date", "Answered (Y/N)", "Call Duration", "Speed of answer in seconds"])
    assert (roles["talk"], roles["date"], roles["id"]) == ("Call Duration", "Call Date", "Call ID")


def test_a_ticket_export_with_only_created_and_solved_dates_is_tickets_not_a_survey(tmp_path):
    # Ticket ID, Created At, Solved At and a rating: no survey export carries a solve time, so the
    # survey reader steps aside and the generic reader loads tickets, the ratings as CSAT.
    path = tmp_path / "export.csv"
    path.write_text("Ticket ID,Created At,Solved At,Customer Satisfaction Rating\n"
                    "1,2024-01-01 10:00,2024-01-01 11:00,5\n2,2024-01-02 10:00,2024-01-02 11:00,4\n"
                    "3,2024-01-03 10:00,2024-01-03 11:00,1\n4,2024-01-04 10:00,2024-01-04 12:00,9\n"
                    "5,2024-01-05 10:00,2024-01-05 12:00,3\n")
    store, [r] = store_load(tmp_path, [path])
    assert (r.loader, r.target_table, r.rows_loaded, r.rows_rejected) == ("generic", "tickets", 5, 0)
    # 9 is outside 1-5 (the bulk: 5, 4, 1, 3): that ticket loads, its rating does not
    assert r.tables == {"tickets": 5, "surveys": 4}
    assert "rows [5] values ['9']" in r.text()
    # CSAT over 5, 4, 1, 3: satisfied (4-5) 2 of 4 = 50%
    rows = store.query("SELECT count(*), avg(CASE WHEN score >= 4 THEN 1.0 ELSE 0 END) FROM surveys").row(0)
    assert rows == (4, 0.5)


def test_a_ticket_export_mapped_to_surveys_rejects_unrated_tickets(tmp_path, capsys):
    # The Kaggle-style export has no creation date, so it loads only through `suggest --table surveys`.
    path = tmp_path / "support_tickets.csv"
    # TICKETS without its Created At and Resolved At columns (the 12th and 13th)
    lines = TICKETS.strip().splitlines()
    body = [",".join(c for i, c in enumerate(line.split(",")) if i not in (11, 12)) for line in lines]
    path.write_text("\n".join(body) + "\n")
    with pytest.raises(LoadError) as info:
        load(path)
    text = str(info.value)
    assert ("this file looks like a ticket export (status, priority, subject ...) with a rating column, so it is not "
            "read as a survey; to load 'Customer Satisfaction Rating' as survey answers linked to their ticket: "
            "`cli.py suggest support_tickets.csv --table surveys > map.toml` prints that mapping") in text
    code, toml = cli(capsys, "suggest", str(path), "--table", "surveys")
    (tmp_path / "map.toml").write_text(toml)
    store = Store(tmp_path / "t.duckdb")
    import tomllib

    [r] = store.load_files([path], LoadOptions(mapping=tomllib.loads(toml)))
    # 7 tickets, rated 5, 2, -, -, 4, 3, 1: 5 responses, the 2 unrated rows (103, 104) rejected with their reason
    assert (r.rows_in, r.rows_loaded, r.rows_rejected) == (7, 5, 2)
    assert "rejected row 4: column 'Customer Satisfaction Rating' is empty: an unanswered survey is not a response" \
        in r.text()
    assert store.query("SELECT ticket_id, score FROM surveys ORDER BY ticket_id").rows() == [
        ("101", 5.0), ("102", 2.0), ("105", 4.0), ("106", 3.0), ("107", 1.0)]


def test_data_page_mapping_editor_maps_a_rating_or_question_as_the_score():
    # The Data page's editor, switched to "surveys", starts from what `suggest --table surveys` maps:
    # the rating column (or the question header) as the score, the ticket id as the link
    from ui import data

    headers = [h for h in TICKETS.splitlines()[0].split(",") if h not in ("Created At", "Resolved At")]
    assert data.suggest(headers, "surveys") == {"ticket_id": "Ticket ID", "score": "Customer Satisfaction Rating"}
    assert data.suggest(["Respondent", NPS_Q], "surveys")["score"] == NPS_Q


def test_an_empty_comment_column_in_a_workbook_logs_nothing(tmp_path, caplog):
    # fastexcel logged "Could not determine dtype for column 2" for an empty column on every load,
    # which Python's last-resort handler printed on the CLI's stderr
    import logging

    caplog.set_level(logging.DEBUG)
    book = write_xlsx(tmp_path / "nps.xlsx", {"A": [["Respondent", NPS_Q, "Why?"], ["r1", 9, None], ["r2", 3, None]]})
    store_load(tmp_path, [book])
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("fastexcel") and r.levelno >= logging.WARNING]


# ----------------------------------------------------------------------------- nothing recognises a file
def test_unrecognised_file_lists_what_each_format_needs_and_a_ready_mapping(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Order No,Order Date,Amount,Buyer\n1,2024-03-01,10,x\n")
    with pytest.raises(LoadError) as info:
        load(path)
    text = str(info.value)
    assert text.startswith("orders.csv: cannot load as it is: no format recognised it; what each kind of file needs")
    for line in ("as tickets: needs an id and a creation date", "as calls: needs a start time",
                 "as surveys: needs a score column", "as customers: needs an id and a churn flag"):
        assert line in text
    assert "missing here: a score column or a column headed by a CSAT/NPS/CES question" in text
    assert "fix: save this suggested mapping as map.toml (`cli.py suggest orders.csv > map.toml` prints it)" in text
    assert '    table = "' in text and "    [columns]" in text  # the mapping itself, ready to save
    assert "rename" not in text


# ----------------------------------------------------------------------------- intervals by segment
def test_csat_and_ces_intervals_and_small_flags_per_score(tmp_path):
    from metrics import engine
    from metrics.filters import Filters

    path = tmp_path / "опрос.csv"
    path.write_text("Респондент;Регион;Оцените качество обслуживания;Насколько легко было решить ваш вопрос?\n"
                    "1;Москва;5;7\n2;Москва;4;6\n3;Москва;2;3\n4;Казань;1;\n5;Казань;5;\n", encoding="utf-8")
    store, _ = store_load(tmp_path, [path])
    cur = store.cursor()
    frame = engine.breakdown(cur, Filters(), "segment", ["csat", "ces"])
    rows = {r["segment"]: r for r in frame.to_dicts()}
    moscow = rows["Москва"]
    # CSAT in Moscow: 5, 4, 2 -> 2 of 3 satisfied; Wilson 95%: (p + z²/2n ± z·√(p(1-p)/n + z²/4n²)) / (1 + z²/n)
    p, n, z2 = 2 / 3, 3, Z95 ** 2
    centre, half = (p + z2 / (2 * n)) / (1 + z2 / n), Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    assert moscow["csat"] == pytest.approx(2 / 3)
    assert (moscow["csat_low"], moscow["csat_high"]) == (pytest.approx(centre - half), pytest.approx(centre + half))
    # CES 7, 6, 3 on 1-7: mean 16/3; sample sd √((1.667² + 0.667² + 2.333²) / 2) = √(13/3); the upper end
    # (mean + 1.96 se = 7.69) stops at the scale's top, 7
    sd = math.sqrt(((7 - 16 / 3) ** 2 + (6 - 16 / 3) ** 2 + (3 - 16 / 3) ** 2) / 2)
    assert moscow["ces"] == pytest.approx(16 / 3)
    assert moscow["ces_low"] == pytest.approx(16 / 3 - Z95 * sd / math.sqrt(3)) and moscow["ces_high"] == pytest.approx(7)
    # Kazan: CSAT 1, 5 -> 1 of 2; no CES answer: no CES figure, no interval; every score flagged small (< 30)
    kazan = rows["Казань"]
    assert (kazan["csat"], kazan["csat_responses"], kazan["ces"], kazan["ces_low"]) == (0.5, 2, None, None)
    assert (moscow["csat_small_sample"], moscow["ces_small_sample"], kazan["ces_small_sample"]) == (True, True, True)
    # the textbook value for 2 of 5 (the ticket test's CSAT): 11.8% … 76.9%
    from metrics.satisfaction import wilson_interval

    lo, hi = wilson_interval(2, 5)
    assert (round(lo, 4), round(hi, 4)) == (0.1176, 0.7693)
    cur.close()


def test_suggest_on_a_question_sheet_maps_the_question_as_the_score(tmp_path, capsys):
    import tomllib

    path = tmp_path / "q.csv"
    path.write_text(f"Respondent,Brand,{NPS_Q},Why?\n1,A,9,good\n2,B,4,slow\n")
    code, out = cli(capsys, "suggest", str(path))
    mapping = tomllib.loads(out)
    assert mapping["table"] == "surveys" and mapping["constants"] == {"kind": "nps"}
    assert mapping["columns"] == {"source_id": "Respondent", "comment": "Why?", "segment": "Brand", "score": NPS_Q}
    # and the mapping loads: NPS 9 and 4 on 0-10, segments A and B
    b = load(path, mapping=mapping)
    s = b.tables["surveys"]
    assert s.select("source_id", "segment", "kind", "score", "scale_max").rows() == [
        ("1", "A", "nps", 9.0, 10.0), ("2", "B", "nps", 4.0, 10.0)]
