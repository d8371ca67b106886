"""Zendesk tickets without a ticket_schedule row follow the account's default schedule, which
fivetran/dbt_zendesk takes to be the earliest-created one (int_zendesk__ticket_schedules).

The folder written below, in Fivetran's table shapes:

schedule (row order as written; weekly intervals Mon-Fri):
  360002 "New York office"  Eastern Time (US & Canada) 09:00-18:00  created 2021-05-10 12:00 UTC
  360007 "London support"   London                     08:00-16:00  created 2020-01-15 09:00 UTC  <- earliest
  360001 "Old 24/7"         UTC, all week                           created 2019-01-01, _fivetran_deleted
So the default is 360007: not the first row, not the lowest id, not the deleted one, and not the
settings default (Mon-Fri 09:00-18:00 America/New_York).

In the week of Monday 2024-03-04 New York is UTC-5 (its hours are 14:00-23:00 UTC) and London is
UTC+0 (08:00-16:00 UTC).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

import metrics  # noqa: F401  (registers the post-load hooks)
from loaders.adapters.fivetran_zendesk import account_default_schedule, set_on_creation
from loaders.base import LoadOptions
from loaders.store import Store

T = dt.datetime
DAYS = range(1, 6)  # Monday..Friday, minutes from Sunday 00:00 = day * 1440


def _csv(path: Path, header: str, rows: list[str]) -> None:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def _ts(value: T) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}.000000 UTC"


def write_folder(folder: Path, deleted_flag: str = "true", schedules: bool = True) -> Path:
    folder.mkdir()
    # (ticket, created, first public agent reply, solved)
    tickets = [
        ("2001", T(2024, 3, 4, 7, 0), T(2024, 3, 4, 10, 30), T(2024, 3, 4, 15, 0)),
        ("2002", T(2024, 3, 4, 12, 0), T(2024, 3, 4, 15, 0), T(2024, 3, 4, 17, 30)),
        ("2003", T(2024, 3, 4, 9, 0), T(2024, 3, 4, 15, 0), T(2024, 3, 4, 16, 30)),
    ]
    _csv(folder / "ticket.csv", "_fivetran_deleted,id,created_at,status,requester_id,submitter_id,assignee_id,via_channel",
         [f"false,{i},{_ts(c)},solved,601,601,501,email" for i, c, _, _ in tickets])
    _csv(folder / "user.csv", "id,name,email,role", ["501,Maria Lopez,maria@desk.test,agent", "601,Ann Lee,ann@acme.test,end-user"])
    comments, history = [], []
    for n, (i, created, reply, solved) in enumerate(tickets):
        comments += [f"{10 * n + 1},{i},{_ts(created)},true,601", f"{10 * n + 2},{i},{_ts(reply)},true,501"]
        history += [f"{i},status,{_ts(created)},new,", f"{i},status,{_ts(solved)},solved,501"]
    _csv(folder / "ticket_comment.csv", "id,ticket_id,created,public,user_id", comments)
    _csv(folder / "ticket_field_history.csv", "ticket_id,field_name,updated,value,user_id", history)
    if schedules:
        rows = []
        for sid, name, zone, start, end, created, deleted in (
                ("360002", "New York office", "Eastern Time (US & Canada)", 540, 1080, T(2021, 5, 10, 12), "false"),
                ("360007", "London support", "London", 480, 960, T(2020, 1, 15, 9), "false"),
                ("360001", "Old 24/7", "UTC", None, None, T(2019, 1, 1), deleted_flag)):
            spans = [(0, 10080)] if start is None else [(d * 1440 + start, d * 1440 + end) for d in DAYS]
            rows += [f"{deleted},{_ts(created)},{e},{sid},\"{name}\",{s},\"{zone}\"" for s, e in spans]
        _csv(folder / "schedule.csv", "_fivetran_deleted,created_at,end_time,id,name,start_time,time_zone", rows)
    # 2001: no row. 2002: a trigger set New York 3 s after creation (within dbt's 5 s: on creation).
    # 2003: moved to New York at 11:00 UTC, two hours after creation.
    _csv(folder / "ticket_schedule.csv", "created_at,schedule_id,ticket_id",
         [f"{_ts(T(2024, 3, 4, 12, 0, 3))},360002,2002", f"{_ts(T(2024, 3, 4, 11, 0))},360002,2003"])
    return folder


def load(tmp_path: Path, **kw):
    store = Store(tmp_path / "d.duckdb")
    [report] = store.load_files([write_folder(tmp_path / "zendesk", **kw)], LoadOptions(), format="zendesk_fivetran")
    assert report.status == "loaded", report.error
    rows = store.query("SELECT source_id, first_reply_calendar_minutes, first_reply_business_minutes, "
                       "full_resolution_calendar_minutes, full_resolution_business_minutes, created_in_business_hours "
                       "FROM ticket_metrics ORDER BY source_id").rows()
    return store, report, {r[0]: r[1:] for r in rows}


def test_tickets_without_a_schedule_row_follow_the_earliest_created_schedule(tmp_path):
    store, report, m = load(tmp_path)
    # 2001, London 08:00-16:00 UTC all along. Created 07:00, replied 10:30, solved 15:00 UTC:
    #   first reply  08:00-10:30 = 150 business min (calendar 07:00-10:30 = 210)
    #   resolution   08:00-15:00 = 420 business min (calendar 480)
    #   created 07:00, before London opens -> not in business hours
    #   (the settings default, New York 14:00-23:00 UTC, would give 0 and 60; the deleted 24/7
    #   schedule 210 and 480)
    assert m["2001"][:4] == (210.0, pytest.approx(150), 480.0, pytest.approx(420))
    assert m["2001"][4] is False
    # 2002, New York set 3 s after creation: New York from creation (12:00 UTC) on.
    #   first reply  12:00-15:00 -> New York opens 14:00: 60 (London would give 180)
    #   resolution   12:00-17:30 -> 14:00-17:30 = 210
    #   created 12:00 UTC = 07:00 EST -> not in business hours (under London it would be)
    #   exactly 60: the 3 s before the trigger's row are New York's too, not London's (+0.05)
    assert m["2002"][:4] == (180.0, pytest.approx(60, abs=1e-9), 330.0, pytest.approx(210, abs=1e-9))
    assert m["2002"][4] is False
    # 2003, London from creation (09:00 UTC) until the move at 11:00, New York after:
    #   first reply  London 09:00-11:00 = 120 + New York 11:00-15:00 -> 14:00-15:00 = 60 -> 180
    #   resolution   London 120 + New York 14:00-16:30 = 150 -> 270 (calendar 09:00-16:30 = 450)
    #   created 09:00 UTC under London -> in business hours (New York would say no)
    assert m["2003"][:4] == (360.0, pytest.approx(180), 450.0, pytest.approx(270))
    assert m["2003"][4] is True
    # the load summary names the default and how many tickets follow it from creation
    note = next(n for n in report.notes if n.startswith("default schedule"))
    assert "360007 'London support'" in note and "created 2020-01-15 09:00:00 UTC" in note
    assert "2 of 3 tickets" in note, note  # 2001 and 2003; 2002's schedule was set on creation
    assert "default schedule: 360007" in report.text()
    # what is stored: the account default once for the source, and the trigger-set rows, 2002's
    # moved back to its creation
    assert store.query("SELECT source, schedule_id FROM default_schedules").rows() == [("zendesk", "360007")]
    assert store.query("SELECT ticket_id, schedule_id, valid_from FROM ticket_schedules ORDER BY ticket_id, valid_from").rows() == [
        ("2002", "360002", T(2024, 3, 4, 12)), ("2003", "360002", T(2024, 3, 4, 11))]


def test_other_sources_keep_the_settings_default(tmp_path):
    """A Freshdesk-like sheet loaded beside the Fivetran folder still follows [business_hours]."""
    store, _, _ = load(tmp_path)
    sheet = tmp_path / "other.csv"
    # created Mon 2024-03-04 07:00 UTC, replied 10:30 UTC: New York (settings) opens 14:00 UTC -> 0
    # business minutes (London, the Zendesk account's default, would give 150)
    sheet.write_text("id,created,first response,status\n9,2024-03-04 07:00,2024-03-04 10:30,open\n", encoding="utf-8")
    [report] = store.load_files([sheet], LoadOptions(table="tickets", tz="UTC", source="other"), format="generic")
    assert report.status == "loaded", report.text()
    assert store.query("SELECT first_reply_business_minutes FROM ticket_metrics WHERE source = 'other'").rows() == [(0.0,)]


def test_removing_the_load_removes_its_default(tmp_path):
    store, report, _ = load(tmp_path)
    store.remove_load(report.load_id)
    assert store.query("SELECT count(*) FROM default_schedules").rows() == [(0,)]


def test_without_a_schedule_table_the_settings_default_applies_and_the_summary_says_so(tmp_path):
    _, report, m = load(tmp_path, schedules=False)
    # 2001 on the settings default, New York 14:00-23:00 UTC: reply at 10:30 -> 0; solved 15:00 -> 60
    assert m["2001"][1:4:2] == (pytest.approx(0), pytest.approx(60))
    # 2003 points at 360002, which the folder does not define: unknown, not 0
    assert m["2003"][1] is None
    assert any("no schedule table" in n and "[business_hours]" in n for n in report.notes)


def test_a_deleted_schedule_is_never_the_default(tmp_path):
    # the same folder with the 24/7 schedule not deleted: created 2019, it becomes the default
    _, report, m = load(tmp_path, deleted_flag="false")
    assert m["2001"][1] == pytest.approx(210)  # 24/7: business = calendar
    assert any("default schedule: 360001 'Old 24/7'" in n for n in report.notes)


def _schedule_rows(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"id": pl.String, "name": pl.String, "created_at": pl.String}, orient="row")


def test_ties_go_to_the_lowest_id_compared_as_numbers():
    # 99 and 100 created at the same instant: 99 is the lower id (as text "100" < "99")
    d = account_default_schedule(_schedule_rows(("100", "B", "2020-01-01 00:00:00 UTC"), ("99", "A", "2020-01-01 00:00:00 UTC"),
                                                 ("5", "C", "2021-01-01 00:00:00 UTC")))
    assert (d.schedule_id, d.name) == ("99", "A")
    assert "the same instant as 100" in d.why


def test_missing_created_at_sorts_last_and_no_created_at_takes_the_lowest_id():
    d = account_default_schedule(_schedule_rows(("7", "A", None), ("12", "B", "2022-06-01 10:00:00 UTC")))
    assert d.schedule_id == "12"
    d = account_default_schedule(pl.DataFrame({"id": ["30", "4", "4"], "name": ["X", "Y", "Y"]}))
    assert d.schedule_id == "4" and "no created_at" in d.why
    assert account_default_schedule(pl.DataFrame({"id": [None], "name": ["X"]}, schema={"id": pl.String, "name": pl.String})) is None


def test_five_second_rule_at_its_edges():
    tickets = pl.DataFrame({"source_id": ["1", "2", "3", "4"], "created_at": [T(2024, 1, 1, 10)] * 4})
    assigned = pl.DataFrame({"ticket_id": ["1", "1", "2", "3"], "schedule_id": ["s", "t", "s", "s"],
                             "valid_from": [T(2024, 1, 1, 10, 0, 5), T(2024, 1, 1, 10, 0, 4),
                                            T(2024, 1, 1, 10, 0, 5, 1), T(2024, 1, 1, 9, 59, 59)]})
    out, defaulted = set_on_creation(assigned, tickets, "d")
    # 1: rows 4 s and 5 s after creation -> set on creation; the first (t) moves back to creation,
    #    s still follows at +5 s. 2: 5.000001 s -> not on creation: the default until then (no row
    #    needed: the default fills the time before a ticket's first row). 3: a row before creation
    #    is no trigger on creation -> as in dbt, the default takes over at creation: an explicit
    #    row. 4: no rows at all -> the default, no row needed.
    assert defaulted == 3
    assert out.rows() == [("1", "t", T(2024, 1, 1, 10)), ("1", "s", T(2024, 1, 1, 10, 0, 5)),
                          ("2", "s", T(2024, 1, 1, 10, 0, 5, 1)),
                          ("3", "s", T(2024, 1, 1, 9, 59, 59)), ("3", "d", T(2024, 1, 1, 10))]
