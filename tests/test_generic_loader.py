"""The generic loader on real files: every encoding, delimiter and date shape the foundation
issue lists, written to disk and loaded through the store."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from loaders.base import LoadError, LoadOptions
from loaders.mapping import suggest
from loaders.store import Store

T = dt.datetime


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def load_one(tmp_path, path, **opts):
    store = Store(tmp_path / "d.duckdb")
    opts.setdefault("source", "test")
    [report] = store.load_files([path], LoadOptions(**opts))
    return store, report


def created(store, order="source_id"):
    return store.query(f"SELECT source_id, created_at FROM tickets ORDER BY {order}").rows()


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("cp1251", False)])
def test_russian_headers_in_each_encoding(tmp_path, encoding, bom):
    text = ("Номер заявки;Дата создания;Статус;Приоритет;Исполнитель;Тема\n"
            "101;04.03.2024 14:00;Открыта;Высокий;Иванов;Не работает вход\n"
            "102;05.03.2024 09:30;Закрыта;Низкий;Петрова;Счёт\n")
    data = text.encode(encoding)
    path = tmp_path / "заявки.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    store, r = load_one(tmp_path, path, tz="Europe/Moscow")
    assert r.status == "loaded", r.error
    assert r.target_table == "tickets" and r.rows_loaded == 2
    rows = store.query("SELECT source_id, created_at, status, priority, agent, subject FROM tickets ORDER BY 1").rows()
    assert rows == [("101", T(2024, 3, 4, 11, 0), "open", "high", "Иванов", "Не работает вход"),
                    ("102", T(2024, 3, 5, 6, 30), "closed", "low", "Петрова", "Счёт")]


def test_cp1252_western_text_and_tab_delimiter(tmp_path):
    text = "Ticket ID\tCreated\tStatus\tSubject\n7\t2024-03-04 14:00\tOpen\tCafé crème – €12 refund\n"
    store, r = load_one(tmp_path, write(tmp_path / "t.tsv", text, "cp1252"))
    assert r.status == "loaded", r.error
    assert store.query("SELECT subject FROM tickets").item() == "Café crème – €12 refund"


def test_semicolon_decimal_comma_customers(tmp_path):
    text = ("Customer ID;Name;Start date;Churn date;Monthly revenue;Total revenue\n"
            "C1;Acme;01.02.2023;;1 234,50;12 345,00\n"
            "C2;Beta;15.06.2023;20.01.2024;99,90;699,30\n")
    store, r = load_one(tmp_path, write(tmp_path / "crm.csv", text), table="customers")
    assert r.status == "loaded", r.error
    rows = store.query("SELECT source_id, started_at, churned_at, monthly_revenue, total_revenue FROM customers ORDER BY 1").rows()
    assert rows == [("C1", dt.date(2023, 2, 1), None, 1234.5, 12345.0),
                    ("C2", dt.date(2023, 6, 15), dt.date(2024, 1, 20), 99.9, 699.3)]


@pytest.mark.parametrize("value,tz,date_order,expected", [
    ("2024-03-04 14:00", "UTC", None, T(2024, 3, 4, 14, 0)),
    ("2024-03-04T14:00:00+03:00", "UTC", None, T(2024, 3, 4, 11, 0)),
    ("2024-03-04T14:00:00Z", "Europe/Moscow", None, T(2024, 3, 4, 14, 0)),  # an offset beats --tz
    ("04.03.2024 14:00", "UTC", None, T(2024, 3, 4, 14, 0)),
    ("4/3/2024 14:00", "UTC", "dmy", T(2024, 3, 4, 14, 0)),
    ("03/04/2024 02:00:00 PM", "UTC", None, T(2024, 3, 4, 14, 0)),
    ("03/04/2024 02:00:00 PM", "America/New_York", None, T(2024, 3, 4, 19, 0)),
])
def test_date_shapes(tmp_path, value, tz, date_order, expected):
    path = write(tmp_path / "t.csv", f"id,created\n1,{value}\n")
    store, r = load_one(tmp_path, path, table="tickets", tz=tz, date_order=date_order)
    assert r.status == "loaded", r.error
    assert created(store) == [("1", expected)]


def test_day_first_detected_from_the_data(tmp_path):
    path = write(tmp_path / "t.csv", "id,created\n1,4/3/2024 14:00\n2,13/3/2024 09:00\n")
    store, r = load_one(tmp_path, path, table="tickets")
    assert r.status == "loaded", r.error
    assert created(store) == [("1", T(2024, 3, 4, 14, 0)), ("2", T(2024, 3, 13, 9, 0))]


def test_ambiguous_day_month_is_asked_not_guessed(tmp_path):
    path = write(tmp_path / "t.csv", "id,created\n1,4/3/2024 14:00\n2,5/3/2024 09:00\n")
    store, r = load_one(tmp_path, path, table="tickets")
    assert r.status == "failed"
    assert "created" in r.error and "--date-order" in r.error
    assert store.query("SELECT count(*) FROM tickets").item() == 0


def test_excel_serial_and_text_dates_in_xlsx(tmp_path):
    import xlsxwriter

    path = tmp_path / "calls.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Calls")
    ws.write_row(0, 0, ["Call ID", "Start time", "Agent", "Answered", "Speed of answer", "Talk duration"])
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.write_number(1, 0, 1)
    ws.write_datetime(1, 1, T(2024, 3, 4, 14, 0), date_fmt)  # a real Excel date cell
    ws.write_row(1, 2, ["Anna", "Y", 12, 300])
    ws.write_number(2, 0, 2)
    ws.write_string(2, 1, "04.03.2024 15:30")  # a date stored as text
    ws.write_row(2, 2, ["Boris", "N", 40, 0])
    ws.write_number(3, 0, 3)
    ws.write_number(3, 1, 45355.75)  # an Excel serial number without a date format
    ws.write_row(3, 2, ["Anna", "Y", 5, 120])
    wb.close()
    store, r = load_one(tmp_path, path, table="calls")
    assert r.status == "loaded", r.error
    rows = store.query("SELECT source_id, queued_at, outcome, wait_seconds, talk_seconds FROM calls ORDER BY 1").rows()
    assert rows == [("1", T(2024, 3, 4, 14, 0), "answered", 12.0, 300.0),
                    ("2", T(2024, 3, 4, 15, 30), "abandoned", 40.0, 0.0),
                    ("3", T(2024, 3, 4, 18, 0), "answered", 5.0, 120.0)]


def test_embedded_newlines_missing_tokens_repeated_headers(tmp_path):
    text = ('id,created,subject,Comment,Comment,priority,team\n'
            '1,2024-03-04 14:00,"Printer\nstill broken, again",first,second,?,N/A\n'
            '2,2024-03-04 15:00,"Quote ""urgent""",,,-,Tech\n')
    store, r = load_one(tmp_path, write(tmp_path / "t.csv", text), table="tickets")
    assert r.status == "loaded", r.error
    rows = store.query("SELECT source_id, subject, priority, team FROM tickets ORDER BY 1").rows()
    assert rows == [("1", "Printer\nstill broken, again", None, None), ("2", 'Quote "urgent"', None, "Tech")]


def test_repeated_headers_are_kept_apart(tmp_path):
    from loaders.files import read_table

    raw = read_table(write(tmp_path / "j.csv", "Summary,Comment,Comment,Comment\nx,a,b,c\n"))
    assert raw.headers == ["Summary", "Comment", "Comment (2)", "Comment (3)"]
    assert raw.frame.select("Comment (3)").item() == "c"


def test_missing_columns_one_message_with_everything(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('table = "tickets"\n[columns]\nsource_id = "Ticket"\ncreated_at = "Opened"\nteam = "Grup"\n')
    path = write(tmp_path / "t.csv", "Ticket ID,Created,Group\n1,2024-03-04 14:00,Tech\n")
    store = Store(tmp_path / "d.duckdb")
    from loaders.mapping import read_mapping

    [r] = store.load_files([path], LoadOptions(mapping=read_mapping(mapping)))
    assert r.status == "failed"
    for needle in ("'Ticket'", "'Opened'", "'Grup'", "columns found: Ticket ID, Created, Group", "fix:"):
        assert needle in r.error, r.error
    assert r.error.count("\n  - ") == 3  # every problem listed at once


def test_mapping_file_with_constants_and_value_maps(tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('table = "tickets"\nsource = "legacy"\ntimezone = "Europe/Berlin"\n'
                       '[columns]\nsource_id = "Ref"\ncreated_at = "Opened"\nstatus = "State"\n'
                       '[constants]\nchannel = "email"\n[values.status]\n"Awaiting Reply" = "pending"\n')
    path = write(tmp_path / "t.csv", "Ref,Opened,State\nA-1,2024-07-01 10:00,Awaiting Reply\nA-2,2024-07-01 11:00,Done\n")
    store = Store(tmp_path / "d.duckdb")
    from loaders.mapping import read_mapping

    [r] = store.load_files([path], LoadOptions(mapping=read_mapping(mapping)))
    assert r.status == "loaded", r.error
    assert r.source == "legacy"
    rows = store.query("SELECT source, source_id, created_at, status, channel, source_tz FROM tickets ORDER BY 2").rows()
    assert rows == [("legacy", "A-1", T(2024, 7, 1, 8, 0), "pending", "email", "Europe/Berlin"),
                    ("legacy", "A-2", T(2024, 7, 1, 9, 0), "solved", "email", "Europe/Berlin")]


def test_json_ndjson_parquet(tmp_path):
    records = [{"id": 1, "created_at": "2024-03-04T14:00:00Z", "status": "open", "via": {"channel": "web"}},
               {"id": 2, "created_at": "2024-03-05T09:00:00Z", "status": "solved", "via": {"channel": "email"}}]
    j = tmp_path / "t.json"
    j.write_text(json.dumps({"tickets": records}))
    nd = tmp_path / "t.ndjson"
    nd.write_text("\n".join(json.dumps(r) for r in records))
    pq = tmp_path / "t.parquet"
    pl.DataFrame({"id": ["1", "2"], "created_at": ["2024-03-04 14:00", "2024-03-05 09:00"], "status": ["open", "solved"]}).write_parquet(pq)
    for path in (j, nd, pq):
        store = Store(tmp_path / f"{path.suffix}.duckdb")
        [r] = store.load_files([path], LoadOptions(table="tickets", source="t"))
        assert r.status == "loaded", r.error
        assert store.query("SELECT source_id, created_at, status FROM tickets ORDER BY 1").rows() == [
            ("1", T(2024, 3, 4, 14, 0), "open"), ("2", T(2024, 3, 5, 9, 0), "solved")]


def test_suggest_english_and_russian():
    table, cols, coverage = suggest(["Ticket ID", "Created at", "Assignee", "Group", "Priority"])
    assert (table, coverage) == ("tickets", 1.0)
    assert cols == {"source_id": "Ticket ID", "created_at": "Created at", "agent": "Assignee", "team": "Group", "priority": "Priority"}
    table, cols, coverage = suggest(["ID клиента", "Дата подключения", "Дата ухода", "Абонентская плата"])
    assert table == "customers" and cols["churned_at"] == "Дата ухода" and cols["monthly_revenue"] == "Абонентская плата"


def test_unparseable_optional_value_is_a_warning_not_a_reject(tmp_path):
    text = "id,created,solved\n1,2024-03-04 14:00,2024-03-04 16:00\n2,2024-03-04 15:00,soon\n"
    store, r = load_one(tmp_path, write(tmp_path / "t.csv", text), table="tickets")
    assert r.status == "loaded" and r.rows_rejected == 0
    assert any("'solved'" in w and "rows [3]" in w for w in r.warnings), r.warnings
    assert store.query("SELECT source_id, solved_at FROM tickets ORDER BY 1").rows() == [("1", T(2024, 3, 4, 16, 0)), ("2", None)]


def test_dst_gap_and_fold_are_loaded_and_warned_about(tmp_path):
    # America/New_York: 2024-03-10 02:30 does not exist (02:00 EST -> 03:00 EDT); 2024-11-03 01:30
    # happens twice (01:59 EDT -> 01:00 EST). Neither row may be lost.
    text = "id,created\n1,2024-03-10 02:30\n2,2024-11-03 01:30\n3,2024-06-01 12:00\n"
    store, r = load_one(tmp_path, write(tmp_path / "t.csv", text), table="tickets", tz="America/New_York")
    assert r.status == "loaded" and (r.rows_loaded, r.rows_rejected) == (3, 0), r.error
    # 02:30 read with the EST offset = 07:30 UTC = 03:30 EDT; 01:30 EDT (the earlier) = 05:30 UTC; 12:00 EDT = 16:00 UTC
    assert created(store) == [("1", T(2024, 3, 10, 7, 30)), ("2", T(2024, 11, 3, 5, 30)), ("3", T(2024, 6, 1, 16, 0))]
    gap = [w for w in r.warnings if "do not exist" in w]
    fold = [w for w in r.warnings if "occur twice" in w]
    assert len(gap) == 1 and "'created'" in gap[0] and "rows [2]" in gap[0] and "1 local time" in gap[0], r.warnings
    assert len(fold) == 1 and "rows [3]" in fold[0] and "earlier" in fold[0], r.warnings


def test_explicit_mapping_without_format_uses_the_generic_loader(tmp_path):
    # Headers a vendor adapter recognises (Twilio's call log), but the user gave a mapping:
    # the mapping decides, not detection.
    from loaders import registry

    text = ("Sid,From,To,Direction,Status,StartTime,EndTime,Duration,Price\n"
            "CA1,+100,+200,inbound,completed,\"Tue, 31 Aug 2010 20:36:28 +0000\",\"Tue, 31 Aug 2010 20:37:28 +0000\",60,-0.02\n")
    path = write(tmp_path / "calls.csv", text)
    assert registry.choose(path)[0].name == "twilio_calls"
    mapping = {"table": "calls", "source": "mine",
               "columns": {"source_id": "Sid", "queued_at": "StartTime", "ended_at": "EndTime", "talk_seconds": "Duration"},
               "constants": {"outcome": "answered"}}
    adapter, confidence, why = registry.choose(path, mapping=mapping)
    assert adapter.name == "generic" and confidence == 1.0 and "mapping" in why
    store, r = load_one(tmp_path, path, mapping=mapping, source=None)
    assert r.status == "loaded" and r.loader == "generic", r.error
    assert r.source == "mine" and r.rows_loaded == 1
    # RFC 2822 through the generic path too
    assert store.query("SELECT source_id, queued_at, outcome FROM calls").rows() == [("CA1", T(2010, 8, 31, 20, 36, 28), "answered")]
    # --format still wins over the mapping's implied generic loader
    assert registry.choose(path, "twilio_calls", mapping=mapping)[0].name == "twilio_calls"


def test_call_outcome_derived_when_the_file_has_none(tmp_path):
    text = ("call id,start,answered at,talk seconds,direction\n"
            "1,2024-03-04 10:00:00,2024-03-04 10:00:20,120,inbound\n"   # answer time -> answered
            "2,2024-03-04 11:00:00,,0,inbound\n"                        # no answer, no talk -> abandoned
            "3,2024-03-04 12:00:00,,0,outbound\n"                       # our call nobody took -> missed
            "4,2024-03-04 13:00:00,,45,\n")                             # talk time without answer time -> answered
    mapping = {"table": "calls", "columns": {"source_id": "call id", "queued_at": "start", "answered_at": "answered at",
                                             "talk_seconds": "talk seconds", "direction": "direction"}}
    store, r = load_one(tmp_path, write(tmp_path / "calls.csv", text), mapping=mapping)
    assert r.status == "loaded" and r.rows_loaded == 4, r.error
    assert store.query("SELECT source_id, outcome FROM calls ORDER BY 1").rows() == [
        ("1", "answered"), ("2", "abandoned"), ("3", "missed"), ("4", "answered")]
    assert any("no outcome column" in w for w in r.warnings)


def test_call_mapping_with_only_a_wait_cannot_tell_the_outcome(tmp_path):
    text = "call id,start,wait\n1,2024-03-04 10:00:00,20\n"
    mapping = {"table": "calls", "columns": {"source_id": "call id", "queued_at": "start", "wait_seconds": "wait"}}
    store, r = load_one(tmp_path, write(tmp_path / "calls.csv", text), mapping=mapping)
    assert r.status == "failed" and "'outcome'" in r.error and "not mapped" in r.error
