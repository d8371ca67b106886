"""Call, survey and customer adapters on tiny fixtures with exact vendor headers
(tests/fixtures/contacts/), values computed by hand.

telecom_churn.csv (the churn helper uses it; IBM/Maven telco shape: Customer Status, Churn
Category, Churn Reason, Monthly Charge, Total Revenue), 12 customers:
  churned (Customer Status = Churned): 0001, 0003, 0004, 0006, 0007, 0008, 0010, 0011 -> 8
  not churned: 0002, 0009, 0012 (Stayed) + 0005 (Joined) -> 4
  churned whose stated reason is about support staff (narrow: "Attitude of support person",
  "Poor expertise of phone support", "Poor expertise of online support"):
    0001 (Attitude / Attitude of support person)          70.00
    0004 (Dissatisfaction / Poor expertise of phone support) 45.25
    0007 (Dissatisfaction / Poor expertise of online support) 60.10
    -> 3 customers, monthly revenue 70.00 + 45.25 + 60.10 = 175.35
  broad (category Attitude, or a reason above): + 0008 (Attitude / Attitude of service
    provider, 75.00) -> 4 customers, 175.35 + 75.00 = 250.35
  all churned monthly revenue: 70.00 + 89.90 + 45.25 + 99.00 + 60.10 + 75.00 + 50.00 + 65.40 = 554.65
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest

from loaders import registry
from loaders.base import LoadError, LoadOptions
from loaders.store import Store

T = dt.datetime
FIX = Path(__file__).parent / "fixtures" / "contacts"
SUPPORT_REASONS = ("Attitude of support person", "Poor expertise of phone support", "Poor expertise of online support")


def load(path: Path, fmt: str | None = None, **opts):
    adapter, _, _ = registry.choose(path, fmt)
    return adapter.load(path, LoadOptions(**opts))


def outcomes(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame.group_by("outcome").len().iter_rows())


def by_id(frame: pl.DataFrame, ident: str) -> dict:
    return frame.filter(pl.col("source_id") == ident).row(0, named=True)


def year_before(day: dt.date) -> dt.date:
    """The same calendar day a year earlier (29 February -> 28 February)."""
    return day.replace(year=day.year - 1, day=min(day.day, 28) if (day.month, day.day) == (2, 29) else day.day)


def store_load(tmp_path, paths, **opts):
    store = Store(tmp_path / "t.duckdb")
    reports = store.load_files(paths, LoadOptions(**opts))
    for r in reports:
        assert r.status == "loaded", r.error
        assert r.rows_in == r.rows_loaded + r.rows_rejected
    return store, reports


# ----------------------------------------------------------------------------- detection
@pytest.mark.parametrize("file_name,expected", [
    ("asterisk_Master.csv", "asterisk_cdr"),
    ("twilio_calls.csv", "twilio_calls"),
    ("aircall_calls.csv", "aircall_calls"),
    ("call_sheet.xlsx", "call_sheet"),
    ("survey_responses.csv", "survey_sheet"),
    ("nps_sheet.csv", "survey_sheet"),
    ("survey_workbook.xlsx", "survey_sheet"),
    ("delighted_responses.csv", "delighted"),
    ("surveymonkey_csat.csv", "surveymonkey"),
    ("typeform_ces.csv", "typeform"),
    ("customers.csv", "crm_customers"),
    ("telecom_churn.csv", "crm_customers"),
    ("bank_churn.csv", "crm_customers"),
])
def test_detection_picks_the_adapter_without_format(file_name, expected):
    adapter, score, why = registry.choose(FIX / file_name)
    assert adapter.name == expected, why
    assert score >= 0.55


# ----------------------------------------------------------------------------- Asterisk
def test_asterisk_master_csv_end_to_end(tmp_path):
    store, [r] = store_load(tmp_path, [FIX / "asterisk_Master.csv"], tz="Europe/Moscow")
    assert (r.loader, r.rows_in, r.rows_loaded, r.rows_rejected) == ("asterisk_cdr", 9, 9, 0)
    calls = store.query("SELECT * FROM calls WHERE source = 'asterisk'")
    # rows 1,7,8 ANSWERED with an agent; 2 NO ANSWER in a queue + 6 Queue() answered by the PBX
    # with no dstchannel -> abandoned; 3 BUSY; 4 FAILED + 5 CONGESTION -> failed; 9 NO ANSWER internal -> missed
    assert outcomes(calls) == {"answered": 3, "abandoned": 2, "busy": 1, "failed": 2, "missed": 1}
    first = by_id(calls, "1709535600.1")
    # Moscow is UTC+3 all year: 10:00:00 local -> 07:00:00 UTC; answer 10:00:25 -> 07:00:25
    assert first["queued_at"] == T(2024, 3, 4, 7, 0, 0) and first["answered_at"] == T(2024, 3, 4, 7, 0, 25)
    assert first["wait_seconds"] == 25  # 10:00:25 - 10:00:00
    assert first["talk_seconds"] == 300  # billsec
    assert (first["agent"], first["queue"], first["customer_id"], first["direction"]) == ("anna", "support", "A100", "inbound")
    assert first["source_tz"] == "Europe/Moscow" and first["vendor_outcome"] == "ANSWERED"
    no_agent = by_id(calls, "1709538600.6")
    assert (no_agent["outcome"], no_agent["wait_seconds"], no_agent["answered_at"]) == ("abandoned", 62, None)  # duration
    abandoned = by_id(calls, "1709536200.2")
    assert abandoned["wait_seconds"] == 40 and abandoned["agent"] is None  # duration of an unanswered call
    local_channel = by_id(calls, "1709539800.8")
    assert (local_channel["agent"], local_channel["queue"], local_channel["wait_seconds"]) == ("103", "sales", 45)
    internal = by_id(calls, "1709539200.7")
    assert (internal["agent"], internal["direction"], internal["wait_seconds"]) == ("102", "internal", 8)
    assert (by_id(calls, "1709536800.3")["direction"], by_id(calls, "1709540400.9")["outcome"]) == ("outbound", "missed")


def test_asterisk_bad_timestamp_rejected_with_line_number(tmp_path):
    store, [r] = store_load(tmp_path, [FIX / "asterisk_bad_timestamp.csv"], tz="Europe/Moscow")
    assert (r.rows_in, r.rows_loaded, r.rows_rejected) == (3, 2, 1)
    [rej] = store.rejects(r.load_id).rows(named=True)
    assert rej["row_number"] == 2  # headerless: the second line of the file
    assert rej["column_name"] == "start" and rej["value"] == "2024-13-45 99:00:00"
    assert "field 10 'start'" in rej["reason"] and "not readable" in rej["reason"]  # start is the 10th field of cdr_csv


def _write_rows(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL if header is None else csv.QUOTE_MINIMAL, lineterminator="\n")
        if header:
            w.writerow(header)
        w.writerows(rows)
    return path


def test_asterisk_cdr_custom_sample_layout_and_dst(tmp_path):
    # cdr_custom.conf.sample order: clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, start,
    # answer, end, duration, billsec, disposition, amaflags, accountcode, uniqueid, userfield, sequence
    rows = [['"Ann" <100>', "100", "200", "from-pstn", "SIP/t-1", "SIP/dana-000000ab", "Queue", "billing", "2024-03-11 09:00:00",
             "2024-03-11 09:00:12", "2024-03-11 09:03:12", "192", "180", "ANSWERED", "DOCUMENTATION", "A7", "1710162000.5", "", "3"],
            ['"Bob" <101>', "101", "200", "from-pstn", "SIP/t-2", "", "Queue", "billing", "2024-03-11 09:10:00",
             "", "2024-03-11 09:10:30", "30", "0", "NO ANSWER", "DOCUMENTATION", "A8", "1710162600.6", "", "4"]]
    b = load(_write_rows(tmp_path / "Master.csv", rows), tz="America/New_York")
    calls = b.tables["calls"]
    assert any("cdr_custom" in n for n in b.notes)
    # New York switched to EDT (UTC-4) on 2024-03-10: 09:00:00 local -> 13:00:00 UTC
    first = by_id(calls, "1710162000.5-3")  # uniqueid-sequence
    assert (first["queued_at"], first["wait_seconds"], first["agent"], first["customer_id"]) == (T(2024, 3, 11, 13, 0), 12, "dana", "A7")
    assert by_id(calls, "1710162600.6-4")["outcome"] == "abandoned"


def test_asterisk_short_custom_layout_unknown_direction(tmp_path):
    # clid, src, dst, start, answer, end, duration, billsec, disposition, uniqueid: no context, no app
    rows = [['"" <555>', "555", "700", "2024-03-04 10:00:00", "", "2024-03-04 10:00:07", "7", "0", "NO ANSWER", "9.1"],
            ['"" <556>', "556", "700", "2024-03-04 10:01:00", "2024-03-04 10:01:03", "2024-03-04 10:02:03", "63", "60",
             "ANSWERED", "9.2"]]
    b = load(_write_rows(tmp_path / "Master.csv", rows), tz="UTC")
    calls = b.tables["calls"]
    assert any("cdr_custom_short" in n for n in b.notes)
    # direction unknown: a caller hanging up counts as abandoned (missed only for known outbound/internal calls)
    assert (by_id(calls, "9.1")["outcome"], by_id(calls, "9.1")["direction"], by_id(calls, "9.1")["wait_seconds"]) == ("abandoned", None, 7)
    assert (by_id(calls, "9.2")["outcome"], by_id(calls, "9.2")["wait_seconds"]) == ("answered", 3)  # 10:01:03 - 10:01:00


def test_asterisk_headered_cdr_table_without_answer_column(tmp_path):
    header = ["calldate", "clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "duration",
              "billsec", "disposition", "amaflags", "accountcode", "uniqueid", "userfield"]
    rows = [["2024-03-04 10:00:00", "x", "100", "200", "from-pstn", "SIP/t-1", "SIP/eli-0000aa", "Dial", "SIP/eli", "70", "50",
             "ANSWERED", "3", "", "1.1", ""]]
    b = load(_write_rows(tmp_path / "cdr.csv", rows, header), tz="UTC")
    call = b.tables["calls"].row(0, named=True)
    # answer = calldate + (duration - billsec) = 10:00:00 + 20 s
    assert (call["answered_at"], call["wait_seconds"], call["talk_seconds"], call["agent"]) == (T(2024, 3, 4, 10, 0, 20), 20, 50, "eli")


# ----------------------------------------------------------------------------- Twilio
def test_twilio_call_log():
    b = load(FIX / "twilio_calls.csv", tz="Europe/Moscow")  # --tz is ignored: Twilio writes UTC
    calls = b.tables["calls"]
    assert (b.rows_in, len(b.rejects)) == (9, 1)
    assert b.rejects.rows[0]["row_number"] == 10 and b.rejects.rows[0]["value"] == "in-progress"
    # completed x2 (CA0001 + its <Dial> leg CA0002), no-answer inbound + canceled -> abandoned,
    # busy, no-answer outbound -> missed, completed by machine_start -> voicemail, failed
    assert outcomes(calls) == {"answered": 2, "abandoned": 2, "busy": 1, "missed": 1, "voicemail": 1, "failed": 1}
    parent, leg = by_id(calls, "CA0001"), by_id(calls, "CA0002")
    assert (parent["agent"], parent["talk_seconds"], parent["wait_seconds"], parent["direction"]) == ("anna", 300, None, "inbound")
    assert leg["direction"] == "internal"
    # "Mon, 04 Mar 2024 13:30:00 +0300" -> 10:30:00 UTC; busy ring 13:30:12 - 13:30:00 = 12 s
    busy = by_id(calls, "CA0005")
    assert (busy["queued_at"], busy["wait_seconds"], busy["outcome"]) == (T(2024, 3, 4, 10, 30), 12, "busy")
    assert by_id(calls, "CA0003")["wait_seconds"] == 30  # 10:10:30 - 10:10:00


# ----------------------------------------------------------------------------- Aircall
def test_aircall_calls():
    b = load(FIX / "aircall_calls.csv", tz="Europe/Moscow")
    calls = b.tables["calls"]
    assert (b.rows_in, len(b.rejects)) == (8, 0)
    # 9001/9007 answered; short_abandoned + abandoned_in_ivr -> abandoned; agents_did_not_answer,
    # out_of_opening_hours, unanswered outbound -> missed; 9006 left a voicemail
    assert outcomes(calls) == {"answered": 2, "abandoned": 2, "missed": 3, "voicemail": 1}
    first = by_id(calls, "9001")
    # epoch 1709546400 = 19786 days * 86400 (2024-03-04 00:00 UTC) + 36000 s -> 10:00:00 UTC, whatever --tz says
    assert first["queued_at"] == T(2024, 3, 4, 10, 0)
    assert (first["wait_seconds"], first["talk_seconds"], first["agent"], first["queue"]) == (20, 300, "Anna Petrova", "Support FR")
    short = by_id(calls, "9002")
    assert (short["outcome"], short["wait_seconds"], short["vendor_outcome"]) == ("abandoned", 4, "short_abandoned")  # 1709547004 - 1709547000
    assert by_id(calls, "9008")["agent"] == "Boris Ivanov"  # outbound: the user who made it


def test_api_json_shapes(tmp_path):
    """Twilio's and Aircall's API pages saved as JSON (snake_case keys, nested user/number)."""
    twilio = tmp_path / "twilio.json"
    twilio.write_text('{"calls": [{"sid": "CA1", "parent_call_sid": null, "account_sid": "AC1", "to": "+1500", '
                      '"from": "+1415", "phone_number_sid": "PN1", "status": "canceled", "direction": "inbound", '
                      '"start_time": "Mon, 04 Mar 2024 11:00:00 +0000", "end_time": "Mon, 04 Mar 2024 11:00:09 +0000", '
                      '"duration": "0", "answered_by": null}], "page": 0}')
    call = load(twilio).tables["calls"].row(0, named=True)
    assert (call["outcome"], call["wait_seconds"], call["queued_at"]) == ("abandoned", 9, T(2024, 3, 4, 11, 0))  # 11:00:09 - 11:00:00
    aircall = tmp_path / "aircall.json"
    aircall.write_text('{"calls": [{"id": 1, "direction": "inbound", "status": "done", "missed_call_reason": null, '
                       '"started_at": 1709546400, "answered_at": 1709546410, "ended_at": 1709546500, "duration": 100, '
                       '"raw_digits": "+33 1", "user": {"id": 5, "name": "Anna"}, "number": {"id": 9, "name": "Support"}}], '
                       '"meta": {"count": 1}}')
    call = load(aircall).tables["calls"].row(0, named=True)
    # answered 10 s after the start, ended 90 s after the answer (1709546500 - 1709546410)
    assert (call["agent"], call["queue"], call["wait_seconds"], call["talk_seconds"]) == ("Anna", "Support", 10, 90)


# ----------------------------------------------------------------------------- call sheet
def test_call_sheet_xlsx_with_excel_times():
    b = load(FIX / "call_sheet.xlsx", tz="Europe/Moscow")
    calls = b.tables["calls"]
    assert outcomes(calls) == {"answered": 3, "abandoned": 2}
    first = by_id(calls, "ID0001")
    # "13/03/2024" (day 13 > 12: day-first) + Excel time 09:12:58 Moscow -> 06:12:58 UTC
    assert first["queued_at"] == T(2024, 3, 13, 6, 12, 58)
    assert (first["wait_seconds"], first["talk_seconds"]) == (109, 143)  # AvgTalkDuration 00:02:23 = 143 s
    assert (first["resolved"], first["satisfaction"], first["queue"], first["agent"]) == (True, 3, "Contract related", "Diane")
    assert by_id(calls, "ID0003")["talk_seconds"] is None


def test_call_sheet_junk_rows_rejected_with_row_numbers(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("Call Id,Agent,Date,Time,Answered (Y/N),Speed of answer in seconds,AvgTalkDuration\n"
                    "1,Ann,2024-03-04,09:00:00,Y,12,02:30\n"
                    "2,Bob,yesterday,09:05:00,Y,5,01:00\n"
                    "3,Cy,2024-03-04,09:10:00,maybe,,\n"
                    "4,Di,2024-03-04,09:15:00,N,,\n")
    b = load(path, tz="UTC")
    assert (b.rows_in, len(b.rejects), b.tables["calls"].height) == (4, 2, 2)
    reasons = {r["row_number"]: r["reason"] for r in b.rejects.rows}
    assert set(reasons) == {3, 4}  # header is row 1
    assert "queued_at" in reasons[3] and "Y/N" in reasons[4]
    assert by_id(b.tables["calls"], "1")["talk_seconds"] == 150  # 02:30


@pytest.mark.parametrize("fmt,text,missing", [
    ("twilio_calls", "Sid,StartTime,From,To,Duration\nCA1,2024-03-04 10:00:00,+1,+2,5\n", ["Status", "Direction"]),
    ("call_sheet", "Agent,Answered (Y/N),Speed of answer in seconds\nAnn,Y,5\n", ["date"]),
    ("aircall_calls", "id,missed_call_reason\n1,short_abandoned\n", ["started_at", "direction"]),
    # A list without an id loads with row ids (tests/test_churn_lists.py); without any churn column it cannot.
    ("crm_customers", "Name,Plan\nAcme,Basic\n", ["customer id", "churn flag, status or churn date"]),
])
def test_missing_columns_fail_with_every_problem_and_the_columns_found(tmp_path, fmt, text, missing):
    path = tmp_path / "x.csv"
    path.write_text(text)
    with pytest.raises(LoadError) as err:
        load(path, fmt)
    message = str(err.value)
    for what in missing:
        assert what in message
    assert "columns found: " + text.split("\n")[0].replace(",", ", ") in message


def test_headerless_file_that_is_no_cdr_fails_clearly(tmp_path):
    path = _write_rows(tmp_path / "Master.csv", [["a", "b", "c", "d", "e", "f", "g"]] * 3)
    with pytest.raises(LoadError, match="disposition"):
        load(path, "asterisk_cdr")


# ----------------------------------------------------------------------------- surveys
def test_generator_survey_file_end_to_end(tmp_path):
    store, [r] = store_load(tmp_path, [FIX / "survey_responses.csv"], tz="Europe/Moscow")
    assert (r.loader, r.rows_in, r.rows_loaded) == ("survey_sheet", 7, 7)
    rows = store.query("SELECT source_id, kind, score, scale_min, scale_max, responded_at FROM surveys ORDER BY source_id").rows()
    kinds = {sid: (kind, lo, hi) for sid, kind, _, lo, hi, _ in rows}
    assert kinds["R1"] == ("csat", 1, 5) and kinds["R3"] == ("nps", 0, 10) and kinds["R6"] == ("ces", 1, 7)
    # "Z" means UTC: --tz Moscow does not shift 2024-03-07T23:59:59Z
    assert rows[-1][0] == "R7" and rows[-1][5] == T(2024, 3, 7, 23, 59, 59)
    # NPS from the loaded rows: 9, 6, 10 -> promoters 2, detractors 1 of 3 -> (2 - 1) / 3 * 100 = 33.3
    nps = store.query("SELECT 100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6)) / count(*) "
                      "FROM surveys WHERE kind = 'nps'").item()
    assert nps == pytest.approx(33.33, abs=0.01)
    assert store.query("SELECT avg(score) FROM surveys WHERE kind = 'ces'").item() == 4.5  # (6 + 3) / 2


def test_survey_rows_with_unknown_kind_or_bad_date_are_rejected(tmp_path):
    path = tmp_path / "survey_responses.csv"
    path.write_text((FIX / "survey_responses.csv").read_text().splitlines()[0] + "\n"
                    "X1,Poll,Which colour?,3,2024-03-04T10:00:00Z,,,,,,\n"
                    "X2,CSAT,How satisfied?,4,last tuesday,,,,,,\n"
                    "X3,CSAT,How satisfied?,4,2024-03-04T10:00:00Z,,,,,,\n")
    b = load(path)
    assert (b.rows_in, len(b.rejects), b.tables["surveys"].height) == (3, 2, 1)
    reasons = {r["row_number"]: r["reason"] for r in b.rejects.rows}
    assert "Poll" in reasons[2] and "CSAT, NPS or CES" in reasons[2]
    assert "responded_at" in reasons[3]


def test_wide_nps_sheet_infers_kind_and_comment():
    b = load(FIX / "nps_sheet.csv", tz="Europe/Moscow")
    surveys = b.tables["surveys"]
    assert (b.rows_in, len(b.rejects), surveys.height) == (4, 1, 3)
    assert b.rejects.rows[0]["row_number"] == 5  # P004 gave no score
    assert set(surveys["kind"]) == {"nps"} and set(surveys["scale_max"]) == {10.0}
    p001 = surveys.filter(pl.col("customer_id") == "P001").row(0, named=True)
    # 04.03.2024 10:00 Moscow -> 07:00 UTC
    assert (p001["score"], p001["comment"], p001["responded_at"]) == (10, "Fast answers", T(2024, 3, 4, 7, 0))
    assert any("NPS (from the question) on 0-10 (the standard scale)" in n for n in b.notes), b.notes


def test_score_column_without_question_gets_kind_from_values(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("id,date,score\n1,2024-03-04,4\n2,2024-03-04,7\n3,2024-03-05,2\n4,2024-03-05,6\n5,2024-03-05,6\n")
    b = load(path, "survey_sheet")
    # 3 of 5 answers (6, 6, 7: two distinct values) lie beyond 1-5 and none beyond 7 -> CES on 1-7,
    # and the report says it was inferred (a single 7 among 1-5 answers would be a stray value instead)
    assert set(b.tables["surveys"]["kind"]) == {"ces"} and b.tables["surveys"].height == 5
    assert any("CES (from the answers: check it) on 1-7" in n for n in b.notes), b.notes


def test_bare_score_column_takes_the_kind_from_the_sheet_name(tmp_path):
    import xlsxwriter

    path = tmp_path / "feedback.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for sheet, scores in (("NPS", [10, 3]), ("CES", [2, 5, 6])):
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, ["Date", "Score"])
        for i, score in enumerate(scores, 1):
            ws.write_row(i, 0, [f"2024-03-0{i}", score])
    wb.close()
    b = load(path, "survey_sheet")
    # NPS 10, 3 would read as NPS from the values too; CES 2, 5, 6 would guess CES: the sheet name decides both
    assert dict(b.tables["surveys"].group_by("kind").len().iter_rows()) == {"nps": 2, "ces": 3}
    assert b.rows_in == 5 and any("from the sheet name" in n for n in b.notes)


def test_workbook_loads_every_sheet_with_data():
    b = load(FIX / "survey_workbook.xlsx", tz="Europe/Moscow")
    surveys = b.tables["surveys"]
    assert b.rows_in == 3 + 2  # CSAT sheet + NPS sheet; the empty Notes sheet adds nothing
    assert dict(surveys.group_by("kind").len().iter_rows()) == {"csat": 3, "nps": 2}
    assert surveys["source_id"].str.starts_with("CSAT:").sum() == 3


def test_delighted_nps():
    b = load(FIX / "delighted_responses.csv", tz="Europe/Moscow")
    s = b.tables["surveys"]
    assert (b.rows_in, len(b.rejects)) == (5, 0)
    assert set(s["kind"]) == {"nps"} and (s["scale_min"].min(), s["scale_max"].max()) == (0, 10)
    r1004 = by_id(s, "1004")
    # 2024-03-05 23:30:00 -0800 -> 2024-03-06 07:30:00 UTC
    assert (r1004["responded_at"], r1004["customer_id"], r1004["ticket_id"]) == (T(2024, 3, 6, 7, 30), "P103", "T102")
    # scores 10, 6, 8, 0, 9: promoters 2 (10, 9), detractors 2 (6, 0) -> NPS 0
    promoters, detractors = (s["score"] >= 9).sum(), (s["score"] <= 6).sum()
    assert (promoters, detractors) == (2, 2)


def test_surveymonkey_two_header_rows_and_labels():
    b = load(FIX / "surveymonkey_csat.csv", tz="America/New_York")
    s = b.tables["surveys"]
    # 5 respondents: 114004 answered no score question (rejected, file line 6);
    # 114001, 114002, 114005 answered 3 questions, 114003 one -> 3 * 3 + 1 = 10 rows
    assert (b.rows_in, len(b.rejects), s.height) == (5, 1, 10)
    assert b.rejects.rows[0]["row_number"] == 6
    first = by_id(s, "114001:1")
    # "Very satisfied" -> 5; End Date 03/04/2024 10:01:00 AM EST (UTC-5, before the 10 March DST switch) -> 15:01 UTC
    assert (first["score"], first["kind"], first["responded_at"]) == (5, "csat", T(2024, 3, 4, 15, 1))
    assert first["comment"] == "Quick and friendly" and by_id(s, "114001:2")["comment"] is None
    assert by_id(s, "114002:1")["score"] == 2  # Dissatisfied
    assert by_id(s, "114005:1")["customer_id"] == "eve@example.com"  # no Custom Data 1: the e-mail
    first_question = s.filter(pl.col("source_id").str.ends_with(":1"))
    assert (first_question["score"] >= 4).sum() == 2  # satisfied (4-5): 114001 (5), 114005 (4) of 4 answers


def test_typeform_ces():
    b = load(FIX / "typeform_ces.csv", tz="Europe/Moscow")
    s = b.tables["surveys"]
    assert (b.rows_in, len(b.rejects), s.height) == (4, 1, 3)
    assert b.rejects.rows[0]["row_number"] == 5  # the partial response has no Submit Date
    assert set(s["kind"]) == {"ces"} and s["score"].mean() == 5  # (6 + 2 + 7) / 3
    assert by_id(s, "abc1")["responded_at"] == T(2024, 3, 4, 10, 1, 30)  # (UTC) header: --tz ignored
    assert by_id(s, "abc2")["comment"] == "Took three calls" and by_id(s, "abc2")["customer_id"] == "P301"


# ----------------------------------------------------------------------------- customers
def test_generator_customers_end_to_end(tmp_path):
    store, [r] = store_load(tmp_path, [FIX / "customers.csv"])
    assert (r.loader, r.rows_in, r.rows_loaded, r.rows_rejected) == ("crm_customers", 5, 5, 0)
    rows = store.query("SELECT source_id, churned, churned_at, churn_category, monthly_revenue, started_at "
                       "FROM customers ORDER BY source_id").rows()
    assert rows[1] == ("C002", True, dt.date(2024, 2, 10), "Dissatisfaction", 1500.0, dt.date(2022, 6, 1))
    assert [x[1] for x in rows] == [False, True, True, False, False]
    assert rows[4][5] is None and any("'Start Date'" in w for w in r.warnings)  # "not a date" left empty, warned


def test_telecom_churn_shape_hand_counts():
    b = load(FIX / "telecom_churn.csv")
    c = b.tables["customers"]
    assert (b.rows_in, len(b.rejects)) == (12, 0)
    churned = c.filter(pl.col("churned"))
    assert churned.height == 8 and c.filter(~pl.col("churned")).height == 4
    assert churned["monthly_revenue"].sum() == pytest.approx(554.65)
    support = churned.filter(pl.col("churn_reason").is_in(SUPPORT_REASONS))
    assert sorted(support["source_id"]) == ["0001-AAAA", "0004-DDDD", "0007-GGGG"]
    assert support["monthly_revenue"].sum() == pytest.approx(175.35)
    broad = churned.filter(pl.col("churn_reason").is_in(SUPPORT_REASONS) | (pl.col("churn_category") == "Attitude"))
    assert broad.height == 4 and broad["monthly_revenue"].sum() == pytest.approx(250.35)
    first = by_id(c, "0001-AAAA")
    assert (first["plan"], first["total_revenue"]) == ("Month-to-Month", 900.50)  # Total Revenue beats Total Charges
    # no start date: as-of (the file's modification date) minus Tenure in Months (12)
    assert first["started_at"] == year_before(file_date(FIX / "telecom_churn.csv"))
    assert first["as_of"] == file_date(FIX / "telecom_churn.csv") and first["started_estimated"]
    assert any("estimated" in n for n in b.notes)


def file_date(path) -> dt.date:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).date()


def test_bank_churn_shape_exited_and_tenure_in_years():
    c = load(FIX / "bank_churn.csv").tables["customers"]
    assert dict(zip(c["source_id"], c["churned"])) == {"15634602": True, "15647311": False, "15619304": True}
    hill = by_id(c, "15647311")  # Tenure 1 (years) -> a year before the as-of date (the file's date)
    assert hill["name"] == "Hill" and hill["started_at"] == year_before(file_date(FIX / "bank_churn.csv"))
    assert hill["tenure_months"] == 12


def test_russian_customer_sheet_in_cp1251(tmp_path):
    path = tmp_path / "клиенты.csv"
    path.write_bytes(("ID клиента;Клиент;Дата подключения;Статус;Дата отключения;Причина ухода;Абонентская плата\n"
                      "К1;ООО Ромашка;01.02.2023;Активен;;;1 200,50\n"
                      "К2;ИП Петров;15.06.2023;Ушёл;20.01.2024;Долго отвечали в поддержке;990,00\n").encode("cp1251"))
    adapter, _, _ = registry.choose(path)
    assert adapter.name == "crm_customers"
    c = adapter.load(path, LoadOptions()).tables["customers"]
    assert c.select("source_id", "churned", "churned_at", "monthly_revenue").rows() == [
        ("К1", False, None, 1200.5), ("К2", True, dt.date(2024, 1, 20), 990.0)]


def test_unknown_status_values_are_left_empty_with_a_warning(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text("Customer ID,Customer Status,Monthly Charge\nA,Churned,10\nB,Suspended,20\n")
    b = load(path)
    assert dict(zip(b.tables["customers"]["source_id"], b.tables["customers"]["churned"])) == {"A": True, "B": None}
    assert any("suspended" in w for w in b.warnings)


# ----------------------------------------------------------------------------- sample exports
def test_sample_contact_exports_load_without_rejects(tmp_path):
    from sample_data.contact_exports import write_all

    write_all(tmp_path / "a", seed=3)
    write_all(tmp_path / "b", seed=3)
    expected = {"twilio_calls.csv": "twilio_calls", "aircall_calls.csv": "aircall_calls", "call_sheet.xlsx": "call_sheet",
                "delighted_nps.csv": "delighted", "surveymonkey_csat.csv": "surveymonkey", "typeform_ces.csv": "typeform"}
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(expected)
    for name, adapter_name in expected.items():
        path = tmp_path / "a" / name
        assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256((tmp_path / "b" / name).read_bytes()).digest()
        adapter, _, _ = registry.choose(path)
        assert adapter.name == adapter_name
        b = adapter.load(path, LoadOptions(tz="UTC"))
        assert len(b.rejects) == 0, (name, b.rejects.rows[:3])
        assert 200 <= b.rows_in <= 800, name
        table = b.tables[b.target_table]
        if "customer_id" in table.columns:
            assert not table["customer_id"].drop_nulls().str.starts_with("C").any(), name


def test_twilio_answered_calls_have_no_made_up_wait(tmp_path):
    """Twilio records no queue wait nor answer time: its answered call is left out of ASA and of
    service level, not counted as a 0 s wait. By hand, inbound calls of the fixture:
    CA0001 answered (wait unknown), CA0003 no-answer (30 s wait -> abandoned), CA0004 canceled
    after 4 s (a short abandon under 5 s); CA0009 in progress is rejected; the rest are outbound
    or the internal <Dial> leg. Offered 2, answered 1, abandoned 1, short 1; ASA none; service
    level none: no answered Twilio call has a wait, so judging only CA0003 would report 0 %.
    Loaded beside an Asterisk CDR, service level is the Asterisk figure alone."""
    from metrics import engine
    from metrics.filters import Filters

    store = Store(tmp_path / "d.duckdb")
    [report] = store.load_files([FIX / "twilio_calls.csv"], LoadOptions(tz="UTC"))
    assert report.rows_loaded == 8, report.text()
    con = store.reader()  # shared: not closed here
    assert con.execute("SELECT count(*) FROM calls WHERE answered_at IS NOT NULL").fetchone()[0] == 0
    k = engine.kpis(con, Filters(), ["calls_offered", "calls_answered", "calls_abandoned", "short_abandons",
                                     "answer_rate", "asa_seconds", "service_level"])
    assert (k["calls_offered"], k["calls_answered"], k["calls_abandoned"], k["short_abandons"]) == (2, 1, 1, 1)
    assert k["answer_rate"] == 0.5
    assert k["asa_seconds"] is None
    assert k["service_level"] is None
    assert engine.drill(con, Filters(), where="outside_service_level").height == 0
    # Beside an Asterisk CDR (inbound: answered after 25 s and 45 s, abandoned after 40 s and 62 s),
    # the calls outside service level are those four, not CA0003 as well.
    store.load_files([FIX / "asterisk_Master.csv"], LoadOptions(tz="Europe/Moscow"))
    con = store.reader()
    outside = engine.drill(con, Filters(), where="outside_service_level")
    k = engine.kpis(con, Filters(), ["service_level", "calls_offered"])
    assert sorted(outside["source"].to_list()) == ["asterisk"] * 4
    assert (k["service_level"], k["calls_offered"]) == (0.0, 6)
