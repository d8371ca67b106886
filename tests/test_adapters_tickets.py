"""Ticket adapters on tiny fixtures with the vendors' exact headers (tests/fixtures/tickets/),
values computed by hand, plus the real public files in ../shared/datasets.

Time arithmetic used below:
* America/New_York is UTC-5 (EST) until 2024-03-10 02:00 and UTC-4 (EDT) after it.
* Europe/Berlin is UTC+1 (CET) in February.
* Values with an offset (`Z`, `+01:00`) keep it whatever --tz says.
"""
from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from loaders import registry
from loaders.base import LoadError, LoadOptions
from loaders.store import Store
from tests.conftest import SHARED_DATASETS

T = dt.datetime
FIX = Path(__file__).parent / "fixtures" / "tickets"
NY = "America/New_York"


def load(path: Path, fmt: str | None = None, **opts):
    adapter, _, _ = registry.choose(path, fmt)
    return adapter.load(path, LoadOptions(**opts))


def row(frame: pl.DataFrame, key: str, value) -> dict:
    rows = frame.filter(pl.col(key) == value).to_dicts()
    assert len(rows) == 1, f"{key}={value!r}: {len(rows)} rows"
    return rows[0]


def rewrite_header(src: Path, dst: Path, change) -> Path:
    """Copy a CSV fixture with its header row changed by ``change(list) -> list``."""
    with open(src, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[0] = change(rows[0])
    with open(dst, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return dst


# ------------------------------------------------------------------------------------ detection
@pytest.mark.parametrize("name, expected", [
    ("zendesk_export.csv", "zendesk_csv"),
    ("zendesk_tickets.ndjson", "zendesk_json"),
    ("zendesk_incremental_page.json", "zendesk_json"),
    ("fivetran_zendesk", "zendesk_fivetran"),
    ("freshdesk_tickets.csv", "freshdesk"),
    ("freshservice_tickets.csv", "freshdesk"),
    ("jira_export.csv", "jira"),
    ("servicenow_event_log.csv", "servicenow"),
    ("servicenow_incidents_list.csv", "servicenow"),
    ("event_log.csv", "event_log"),
])
def test_each_fixture_is_recognised_without_a_format(name, expected):
    adapter, confidence, why = registry.choose(FIX / name)
    assert adapter.name == expected, why
    assert confidence >= 0.7
    assert adapter.family == "tickets" and adapter.title and adapter.accepts
    assert why.startswith("recognised as")


def test_event_log_does_not_claim_one_row_per_ticket_exports():
    # Zendesk/Freshdesk/Jira exports have a unique id per row: not an event log.
    for name in ("zendesk_export.csv", "freshdesk_tickets.csv", "jira_export.csv", "servicenow_incidents_list.csv"):
        scores = {a.name: s for a, s, _ in registry.detect(FIX / name)}
        assert "event_log" not in scores, name


# ----------------------------------------------------------------------------------- Zendesk CSV
def test_zendesk_csv_values():
    b = load(FIX / "zendesk_export.csv", tz=NY)
    t = b.tables["tickets"]
    assert b.rows_in == 5 and t.height == 3 and b.rows_loaded == 3
    assert b.source == "zendesk" and b.source_tz == NY and b.warnings == []
    a = row(t, "source_id", "101")
    # 2024-03-05 09:15 EST (UTC-5) = 14:15 UTC; solved 17:45 EST = 22:45 UTC
    assert a["created_at"] == T(2024, 3, 5, 14, 15) and a["solved_at"] == T(2024, 3, 5, 22, 45)
    # first reply = created + 45 min "First reply time in minutes" = 15:00 UTC
    assert a["first_response_at"] == T(2024, 3, 5, 15, 0)
    assert (a["status"], a["priority"], a["channel"], a["team"], a["agent"]) == ("solved", "high", "web", "Billing", "Maria Lopez")
    assert (a["customer_id"], a["category"], a["tags"], a["requester"]) == ("Acme", "billing", "billing invoice", "ann@acme.test")
    assert (a["reopens"], a["replies"], a["created_by_agent"]) == (0, 2, False)
    assert (a["vendor_first_reply_minutes"], a["vendor_first_reply_business_minutes"]) == (45.0, 45.0)
    assert (a["vendor_first_resolution_minutes"], a["vendor_first_resolution_business_minutes"]) == (510.0, 486.0)
    assert (a["vendor_full_resolution_minutes"], a["vendor_full_resolution_business_minutes"]) == (510.0, 486.0)
    assert (a["vendor_agent_wait_minutes"], a["vendor_requester_wait_minutes"], a["vendor_on_hold_minutes"]) == (120.0, 390.0, 0.0)
    b2 = row(t, "source_id", "102")
    # 2024-03-11 08:00 is after the DST switch: EDT (UTC-4) -> 12:00 UTC
    assert b2["created_at"] == T(2024, 3, 11, 12, 0)
    # no Organization: the requester id; Submitter James Carter assigns ticket 103 -> an agent
    assert (b2["customer_id"], b2["created_by_agent"], b2["channel"], b2["priority"]) == ("9002", True, "phone", None)
    assert b2["first_response_at"] is None and b2["category"] == "Incident"  # no Category: Ticket type
    c = row(t, "source_id", "103")
    # 2024-07-01 23:30 EDT = 2024-07-02 03:30 UTC; + 90 min = 05:00
    assert c["created_at"] == T(2024, 7, 2, 3, 30) and c["first_response_at"] == T(2024, 7, 2, 5, 0)
    assert (c["status"], c["priority"], c["tags"]) == ("pending", "urgent", "bug export")


def test_zendesk_csv_satisfaction_becomes_csat_rows():
    s = load(FIX / "zendesk_export.csv", tz=NY).tables["surveys"].sort("ticket_id")
    # Good -> 1, Bad -> 0 on 0..1; Offered (ticket 102) is not a rating
    assert s.get_column("ticket_id").to_list() == ["101", "103"]
    assert s.get_column("score").to_list() == [1.0, 0.0]
    assert set(s.get_column("kind")) == {"csat"} and set(s.get_column("scale_max")) == {1.0}
    # answered at Updated at: 2024-03-06 10:00 EST = 15:00 UTC
    first = s.row(0, named=True)
    assert first["responded_at"] == T(2024, 3, 6, 15, 0)
    assert (first["customer_id"], first["agent"], first["team"], first["channel"]) == ("Acme", "Maria Lopez", "Billing", "web")


def test_zendesk_csv_junk_rows_rejected_with_row_numbers():
    b = load(FIX / "zendesk_export.csv", tz=NY)
    rejects = {r["row_number"]: r for r in b.rejects.rows}
    # header = row 1; the empty ID is row 5, "yesterday" as Created at is row 6
    assert set(rejects) == {5, 6}
    assert rejects[5]["column_name"] == "ID" and "empty" in rejects[5]["reason"]
    assert rejects[6]["column_name"] == "Created at" and rejects[6]["value"] == "yesterday"
    assert b.rows_in == b.rows_loaded + len(b.rejects)


def test_zendesk_csv_without_tz_warns_that_the_zone_was_assumed():
    b = load(FIX / "zendesk_export.csv")
    assert b.source_tz == "UTC"
    assert any("--tz" in w and "UTC" in w for w in b.warnings)
    assert row(b.tables["tickets"], "source_id", "101")["created_at"] == T(2024, 3, 5, 9, 15)


def test_zendesk_csv_header_variants(tmp_path):
    # Case differences and a custom "Category [list]" field still load.
    def variant(header):
        return [("Category [list]" if h == "Category" else h.lower()) for h in header] + ["Field [Plan]"]
    p = rewrite_header(FIX / "zendesk_export.csv", tmp_path / "export.csv", variant)
    assert registry.choose(p)[0].name == "zendesk_csv"
    t = load(p, tz=NY).tables["tickets"]
    a = row(t, "source_id", "101")
    assert a["created_at"] == T(2024, 3, 5, 14, 15) and a["category"] == "billing" and a["vendor_first_reply_minutes"] == 45.0


def test_zendesk_csv_missing_required_column_lists_problems_and_columns(tmp_path):
    p = rewrite_header(FIX / "zendesk_export.csv", tmp_path / "renamed.csv",
                       lambda h: ["Creation date" if c == "Created at" else "State" if c == "Status" else c for c in h])
    with pytest.raises(LoadError) as err:
        load(p, "zendesk_csv", tz=NY)
    assert err.value.problems == ["no Created at column", "no Status column"]
    assert "Creation date" in err.value.found and "ID" in err.value.found
    assert "fix:" in str(err.value)


# ---------------------------------------------------------------------------------- Zendesk JSON
def test_zendesk_ndjson_tickets_metrics_and_comments():
    b = load(FIX / "zendesk_tickets.ndjson", tz=NY)
    t = b.tables["tickets"]
    assert (b.rows_in, t.height) == (3, 2)
    assert [r["row_number"] for r in b.rejects.rows] == [3]  # line 3: created_at "garbage"
    a = row(t, "source_id", "301")
    # ISO `Z` times are UTC whatever --tz says
    assert a["created_at"] == T(2024, 3, 5, 14, 0) and a["solved_at"] == T(2024, 3, 5, 18, 0)
    assert a["first_response_at"] == T(2024, 3, 5, 14, 30)  # + reply_time_in_minutes.calendar 30
    assert (a["vendor_first_reply_minutes"], a["vendor_full_resolution_business_minutes"]) == (30.0, 240.0)
    assert (a["channel"], a["customer_id"], a["agent"], a["team"], a["tags"]) == ("email", "81", "501", "71", "billing invoice")
    c = row(t, "source_id", "302")
    # 2024-03-06T09:00:00+01:00 = 08:00 UTC; submitter 502 is the assignee -> agent-created; no org -> requester
    assert c["created_at"] == T(2024, 3, 6, 8, 0)
    assert (c["created_by_agent"], c["customer_id"], c["channel"]) == (True, "7002", "phone")
    ev = b.tables["ticket_events"].sort("ticket_id", "event_at")
    kinds = ev.filter(pl.col("ticket_id") == "301").get_column("event_type").to_list()
    assert kinds == ["customer_message", "internal_note", "agent_reply"]
    e302 = ev.filter(pl.col("ticket_id") == "302")
    assert e302.get_column("event_type").to_list() == ["agent_reply", "customer_message"]
    assert e302.get_column("event_at").to_list() == [T(2024, 3, 6, 8, 0), T(2024, 3, 6, 9, 0)]
    s = b.tables["surveys"]
    assert s.select("ticket_id", "score", "comment").rows() == [("301", 1.0, "Quick!")]


def test_zendesk_api_page_with_side_loads_and_audits():
    b = load(FIX / "zendesk_incremental_page.json", tz=NY)
    a = row(b.tables["tickets"], "source_id", "401")
    # names from the side-loaded users, groups and organizations
    assert (a["agent"], a["team"], a["customer_id"], a["requester"]) == ("Maria Lopez", "Technical", "Umbrella", "zoe@umbrella.test")
    assert a["created_by_agent"] is False  # submitter Zoe is an end-user
    ev = b.tables["ticket_events"].sort("event_at", "seq")
    got = ev.select("event_at", "seq", "event_type", "actor_role", "value").rows()
    assert got == [
        (T(2024, 4, 2, 10, 0), 0, "status_change", "customer", "new"),
        (T(2024, 4, 2, 10, 0), 1, "customer_message", "customer", None),
        (T(2024, 4, 2, 10, 30), 0, "internal_note", "agent", None),
        (T(2024, 4, 2, 11, 0), 0, "agent_reply", "agent", None),
        (T(2024, 4, 2, 11, 0), 1, "status_change", "agent", "pending"),
        (T(2024, 4, 2, 12, 0), 0, "status_change", "system", "solved"),  # author -1: Zendesk itself
    ]
    assert b.tables["surveys"].select("score", "comment").rows() == [(0.0, "Too slow")]


# -------------------------------------------------------------------------------------- Fivetran
def test_fivetran_folder():
    b = load(FIX / "fivetran_zendesk")
    t = b.tables["tickets"]
    # rows_in = ticket table rows (3); ticket 1003 is _fivetran_deleted -> rejected
    assert (b.rows_in, t.height, b.source_tz) == (3, 2, "UTC")
    assert [(r["row_number"], r["column_name"]) for r in b.rejects.rows] == [(4, "_fivetran_deleted")]
    a = row(t, "source_id", "1001")
    assert (a["team"], a["agent"], a["customer_id"], a["requester"]) == ("Technical", "Maria Lopez", "Acme", "ann@acme.test")
    assert (a["status"], a["channel"], a["category"], a["created_by_agent"]) == ("solved", "email", "incident", False)
    # status history: solved at 2024-03-04 15:30, reopened, solved again 2024-03-05 16:00
    assert (a["first_solved_at"], a["solved_at"]) == (T(2024, 3, 4, 15, 30), T(2024, 3, 5, 16, 0))
    c = row(t, "source_id", "1002")
    # submitter 502 is an admin, not the requester 602; voice -> phone; no organization -> requester id
    assert (c["created_by_agent"], c["channel"], c["customer_id"]) == (True, "phone", "602")
    ev = b.tables["ticket_events"]
    e = ev.filter(pl.col("ticket_id") == "1001").sort("event_at", "seq")
    messages = e.filter(pl.col("event_type").is_in(["customer_message", "agent_reply", "internal_note"]))
    assert messages.select("event_type", "actor", "is_public").rows() == [
        ("customer_message", "Ann Lee", True), ("internal_note", "Maria Lopez", False),
        ("agent_reply", "Maria Lopez", True), ("customer_message", "Ann Lee", True)]
    status = e.filter(pl.col("event_type") == "status_change")
    assert status.select("value", "previous_value").rows() == [
        ("new", None), ("pending", "new"), ("solved", "pending"), ("open", "solved"), ("solved", "open")]
    assignee = e.filter(pl.col("event_type") == "assignee_change").row(0, named=True)
    assert (assignee["value"], assignee["actor_role"]) == ("Maria Lopez", "system")  # no user_id: a trigger
    # 4 comments + 5 status + 1 assignee on 1001, 1 comment + 1 status on 1002; custom_field_123 ignored
    assert ev.height == 12


def test_fivetran_schedules_holidays_and_ticket_schedules():
    b = load(FIX / "fivetran_zendesk")
    s = b.tables["schedules"].sort("start_minute")
    # Monday 09:00-18:00 = 1440+540 .. 1440+1080; Tuesday = 2880+540 .. 2880+1080
    assert s.select("schedule_id", "time_zone", "start_minute", "end_minute").rows() == [
        ("360001", "America/New_York", 1980, 2520), ("360001", "America/New_York", 3420, 3960)]
    h = b.tables["schedule_holidays"]
    assert h.get_column("holiday_date").to_list() == [dt.date(2024, 12, 24), dt.date(2024, 12, 25), dt.date(2024, 12, 26)]
    ts = b.tables["ticket_schedules"].sort("ticket_id")
    assert ts.select("ticket_id", "schedule_id", "valid_from").rows() == [
        ("1001", "360001", T(2024, 3, 4, 14, 0)), ("1002", "360001", T(2024, 3, 5, 9, 30))]
    assert any("2 weekly intervals" in n and "3 holiday days" in n for n in b.notes)


def test_fivetran_folder_without_ticket_table(tmp_path):
    shutil.copy(FIX / "fivetran_zendesk" / "user.csv", tmp_path / "user.csv")
    with pytest.raises(LoadError) as err:
        load(tmp_path, "zendesk_fivetran")
    assert "no ticket table" in err.value.problems[0] and err.value.found == ["user.csv"]


# ------------------------------------------------------------------------------------- Freshdesk
def test_freshdesk_values_and_vendor_columns():
    b = load(FIX / "freshdesk_tickets.csv")
    assert b.source == "freshdesk" and any("read as UTC" in w for w in b.warnings)
    t = b.tables["tickets"]
    a = row(t, "source_id", "201")
    assert (a["created_at"], a["first_response_at"]) == (T(2024, 3, 5, 9, 0), T(2024, 3, 5, 9, 40))
    assert (a["solved_at"], a["closed_at"]) == (T(2024, 3, 5, 12, 30), T(2024, 3, 7, 12, 30))
    # 00:40:00 -> 40 min; 03:30:00 -> 3.5 h * 60 = 210 min (business hours, see the module doc)
    assert (a["vendor_first_reply_business_minutes"], a["vendor_full_resolution_business_minutes"]) == (40.0, 210.0)
    assert a["vendor_made_sla"] is True  # both statuses "Within SLA"
    assert (a["status"], a["priority"], a["customer_id"], a["tags"], a["replies"]) == ("closed", "high", "Initech", "login sso", 2)
    c = row(t, "source_id", "202")
    # decimal hours 3.25 -> 195 min; "SLA Violated" -> False; Outbound Email -> agent-created
    assert c["vendor_first_reply_business_minutes"] == 195.0 and c["vendor_full_resolution_business_minutes"] is None
    assert (c["vendor_made_sla"], c["created_by_agent"], c["channel"], c["customer_id"]) == (False, True, "email", "88002")
    s = b.tables["surveys"]
    assert s.select("ticket_id", "score", "scale_min", "scale_max").rows() == [("201", 3.0, 1.0, 3.0)]  # Awesome


def test_freshservice_title_case_headers():
    b = load(FIX / "freshservice_tickets.csv", tz="Europe/London")
    assert b.source == "freshservice"
    a = row(b.tables["tickets"], "source_id", "SR-11")
    # June: BST (UTC+1): 10:00 -> 09:00 UTC; 0.5 h -> 30 min; 06:00:00 -> 360 min
    assert a["created_at"] == T(2024, 6, 3, 9, 0)
    assert (a["vendor_first_reply_business_minutes"], a["vendor_full_resolution_business_minutes"]) == (30.0, 360.0)
    assert (a["customer_id"], a["category"], a["channel"], a["requester"]) == ("Wayne Corp", "Hardware", "web", "rita@wayne.test")


# ------------------------------------------------------------------------------------------ Jira
def test_jira_values_comments_and_sla():
    b = load(FIX / "jira_export.csv", tz="Europe/Berlin")
    t = b.tables["tickets"]
    assert (b.rows_in, t.height) == (3, 2)
    assert [(r["row_number"], r["column_name"]) for r in b.rejects.rows] == [(4, "Created")]
    a = row(t, "source_id", "HELP-12")
    # 25/Feb/26 10:17 PM CET (UTC+1) = 21:17 UTC; resolved 26/Feb/26 9:00 AM = 08:00 UTC
    assert (a["created_at"], a["solved_at"]) == (T(2026, 2, 25, 21, 17), T(2026, 2, 26, 8, 0))
    assert (a["status"], a["priority"], a["customer_id"], a["tags"]) == ("solved", "high", "Acme", "vpn network")
    assert a["category"] == "Report a system problem" and a["vendor_made_sla"] is False  # Time to resolution -02:10
    assert a["created_by_agent"] is False  # Creator = Reporter: the customer raised it
    c = row(t, "source_id", "HELP-13")
    # Waiting for support -> open; Medium -> normal; no organisation -> the reporter; 05:00 left -> made
    assert (c["status"], c["priority"], c["customer_id"], c["vendor_made_sla"]) == ("open", "normal", "Bob Stone", True)
    ev = b.tables["ticket_events"].sort("event_at")
    assert ev.select("event_at", "event_type", "actor").rows() == [
        (T(2026, 2, 25, 21, 20), "customer_message", "712020:aa11"),  # the reporter's account id
        (T(2026, 2, 25, 21, 50), "agent_reply", "5b10ac8d82e05b22cc7d4ef5"),
        (T(2026, 2, 26, 7, 55), "agent_reply", "5b10ac8d82e05b22cc7d4ef5")]
    s = b.tables["surveys"].row(0, named=True)
    # rating 4 on 1-5, given 26/Feb/26 11:00 AM CET = 10:00 UTC
    assert (s["ticket_id"], s["score"], s["scale_min"], s["scale_max"], s["responded_at"]) == (
        "HELP-12", 4.0, 1.0, 5.0, T(2026, 2, 26, 10, 0))


def test_jira_missing_issue_key(tmp_path):
    p = rewrite_header(FIX / "jira_export.csv", tmp_path / "jira.csv",
                       lambda h: ["Key id" if c == "Issue key" else c for c in h])
    with pytest.raises(LoadError) as err:
        load(p, "jira", tz="UTC")
    assert err.value.problems == ["no Issue key column"] and "Key id" in err.value.found


# ------------------------------------------------------------------------------------ ServiceNow
def test_servicenow_event_log_collapses_to_incidents():
    b = load(FIX / "servicenow_event_log.csv")
    t = b.tables["tickets"]
    # 8 update rows: 1 junk state (-100, row 8) rejected; 7 loaded into 2 incidents
    assert (b.rows_in, len(b.rejects), b.rows_loaded, t.height) == (8, 1, 7, 2)
    assert b.rejects.rows[0]["row_number"] == 8 and b.rejects.rows[0]["value"] == "-100"
    assert any("8 update rows -> 2 incidents" in n for n in b.notes)
    a = row(t, "source_id", "INC0000001")
    # the highest sys_mod_count (3, Closed) wins although the Resolved row comes after it in the file
    assert (a["status"], a["updated_at"]) == ("closed", T(2016, 3, 19, 10, 0))
    assert (a["created_at"], a["solved_at"], a["closed_at"]) == (T(2016, 3, 5, 8, 55), T(2016, 3, 14, 10, 0), T(2016, 3, 19, 10, 0))
    assert (a["priority"], a["channel"], a["team"], a["agent"], a["customer_id"]) == ("high", "phone", "Group 3", "Resolver 2", "Caller 7")
    assert (a["vendor_made_sla"], a["reopens"]) == (True, 0)
    c = row(t, "source_id", "INC0000002")
    assert (c["status"], c["priority"], c["channel"], c["vendor_made_sla"]) == ("pending", "urgent", "email", False)
    assert c["solved_at"] is None
    ev = b.tables["ticket_events"].filter(pl.col("ticket_id") == "INC0000001").sort("event_at")
    assert ev.select("event_at", "value", "actor").rows() == [
        (T(2016, 3, 5, 9, 0), "new", "Updated by 11"), (T(2016, 3, 5, 9, 30), "open", "Updated by 12"),
        (T(2016, 3, 14, 10, 0), "solved", "Updated by 12"), (T(2016, 3, 19, 10, 0), "closed", "Updated by 13")]
    assert b.tables["ticket_events"].height == 7


def test_servicenow_plain_export_has_no_events():
    b = load(FIX / "servicenow_incidents_list.csv", tz="Europe/London")
    t = b.tables["tickets"]
    assert (b.rows_in, t.height, len(b.rejects)) == (3, 3, 0) and "ticket_events" not in b.tables
    a = row(t, "source_id", "INC0010001")
    # March 5th: GMT = UTC
    assert (a["created_at"], a["solved_at"], a["subject"]) == (T(2024, 3, 5, 9, 15), T(2024, 3, 5, 11, 45), "Email not syncing")
    assert (a["status"], a["priority"], a["channel"]) == ("solved", "normal", "web")  # Resolved, 3 - Moderate, Self-service
    b2 = row(t, "source_id", "INC0010002")
    assert (b2["status"], b2["priority"], b2["reopens"], b2["vendor_made_sla"]) == ("open", "urgent", 1, False)


# ------------------------------------------------------------------------------------- event log
def test_generic_event_log():
    b = load(FIX / "event_log.csv")
    t = b.tables["tickets"]
    # 9 rows: no case id (row 9) and no time (row 10) rejected; 7 events, 2 cases
    assert (b.rows_in, len(b.rejects), t.height, b.tables["ticket_events"].height) == (9, 2, 2, 7)
    assert sorted(r["row_number"] for r in b.rejects.rows) == [9, 10]
    a = row(t, "source_id", "A1")
    # first event 09:00; first solved-like event = Resolved 12:00; last = Closed next day 11:00
    assert (a["created_at"], a["first_solved_at"], a["solved_at"], a["closed_at"]) == (
        T(2024, 5, 1, 9, 0), T(2024, 5, 1, 12, 0), T(2024, 5, 2, 11, 0), T(2024, 5, 2, 11, 0))
    assert (a["status"], a["agent"], a["team"]) == ("closed", "bob", "L2")
    c = row(t, "source_id", "B7")
    assert (c["status"], c["first_solved_at"], c["agent"]) == ("pending", None, "carol")
    values = b.tables["ticket_events"].filter(pl.col("ticket_id") == "A1").sort("event_at").get_column("value").to_list()
    assert values == ["open", "open", "solved", "open", "closed"]  # Reopened -> open


# ---------------------------------------------------------------------------------- end to end
def test_store_zendesk_csv_end_to_end(tmp_path):
    store = Store(tmp_path / "t.duckdb")
    [r] = store.load_files([FIX / "zendesk_export.csv"], LoadOptions(tz=NY))
    assert r.status == "loaded", r.error
    assert (r.loader, r.rows_in, r.rows_loaded, r.rows_rejected) == ("zendesk_csv", 5, 3, 2)
    assert r.rows_in == r.rows_loaded + r.rows_rejected
    assert r.tables == {"tickets": 3, "surveys": 2}
    loads = store.loads()
    assert loads.select("loader", "rows_in", "rows_loaded", "rows_rejected").rows() == [("zendesk_csv", 5, 3, 2)]
    assert store.rejects(r.load_id).get_column("row_number").to_list() == [5, 6]
    assert store.query("SELECT created_at FROM tickets WHERE source_id = '101'").item() == T(2024, 3, 5, 14, 15)
    assert store.query("SELECT count(*) FROM surveys WHERE source = 'zendesk' AND kind = 'csat'").item() == 2


def test_store_servicenow_fixture_end_to_end(tmp_path):
    store = Store(tmp_path / "t.duckdb")
    [r] = store.load_files([FIX / "servicenow_event_log.csv"])
    assert r.status == "loaded", r.error
    assert (r.rows_in, r.rows_loaded, r.rows_rejected, r.tables) == (8, 7, 1, {"ticket_events": 7, "tickets": 2})
    assert store.query("SELECT count(*) FROM tickets WHERE source = 'servicenow'").item() == 2


# ------------------------------------------------------------------------------- sample data
def test_sample_ticket_exports_load_without_rejects(tmp_path):
    from sample_data import ticket_exports

    ticket_exports.write_all(tmp_path, seed=7)
    expected = {"freshdesk_tickets.csv": ("freshdesk", 400), "jira_export.csv": ("jira", 300),
                "servicenow_incidents.csv": ("servicenow", 350), "zendesk_tickets.ndjson": ("zendesk_json", 500),
                "fivetran_zendesk": ("zendesk_fivetran", 300)}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)
    for name, (adapter, tickets) in expected.items():
        b = load(tmp_path / name, tz=NY)
        assert registry.choose(tmp_path / name)[0].name == adapter
        assert len(b.rejects) == 0, (name, b.rejects.rows[:3])
        assert b.tables["tickets"].height == tickets, name
        customers = b.tables["tickets"].get_column("customer_id").drop_nulls()
        assert not customers.str.starts_with("C").any(), name
    # deterministic for a seed
    again = tmp_path / "again"
    ticket_exports.write_all(again, seed=7)
    assert (again / "jira_export.csv").read_bytes() == (tmp_path / "jira_export.csv").read_bytes()


# ------------------------------------------------------------------------------ the real files
@pytest.mark.shared
@pytest.mark.skipif(not SHARED_DATASETS.exists(), reason="../shared/datasets is absent")
def test_real_servicenow_log_loads_unasked():
    path = SHARED_DATASETS / "servicenow_incident_event_log.csv"
    adapter, confidence, _ = registry.choose(path)
    assert adapter.name == "servicenow" and confidence >= 0.9
    b = adapter.load(path, LoadOptions())
    t = b.tables["tickets"]
    # SOURCES.md: 119,998 events for 20,769 incidents; incident_state -100 in 2 rows
    assert (b.rows_in, len(b.rejects), t.height) == (119_998, 2, 20_769)
    # made_sla on each incident's last event: true 12,595, false 8,174 (SOURCES.md)
    assert t.get_column("vendor_made_sla").sum() == 12_595
    assert (~t.get_column("vendor_made_sla")).sum() == 8_174
    # 29/2/2016 01:16 is day-first (a leap day)
    assert row(t, "source_id", "INC0000045")["created_at"] == T(2016, 2, 29, 1, 16)
    assert b.tables["ticket_events"].height == 119_996


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_DATASETS.exists(), reason="../shared/datasets is absent")
def test_real_bpi2013_log_loads_unasked():
    path = SHARED_DATASETS / "bpi2013_volvo_incidents.csv"
    adapter, _, _ = registry.choose(path)
    assert adapter.name == "event_log"
    b = adapter.load(path, LoadOptions())
    # SOURCES.md: 65,533 events for 7,554 service requests
    assert (b.rows_in, len(b.rejects), b.tables["tickets"].height) == (65_533, 0, 7_554)
    # 2010-03-31T15:59:42+01:00 = 14:59:42 UTC, the first event of 1-364285768
    assert row(b.tables["tickets"], "source_id", "1-364285768")["created_at"] == T(2010, 3, 31, 14, 59, 42)


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATASETS.exists(), reason="../shared/datasets is absent")
def test_real_servicenow_log_through_the_store(tmp_path):
    store = Store(tmp_path / "t.duckdb")
    [r] = store.load_files([SHARED_DATASETS / "servicenow_incident_event_log.csv"])
    assert r.status == "loaded", r.error
    assert (r.rows_in, r.rows_loaded, r.rows_rejected) == (119_998, 119_996, 2)
    assert r.tables["tickets"] == 20_769
    assert any("119,998 update rows -> 20,769 incidents" in n for n in r.notes)
    assert store.query("SELECT count(DISTINCT source_id) FROM tickets").item() == 20_769


# ---------------------------------------------------------------------------------- overrides
def test_a_given_mapping_overrides_the_vendor_map():
    mapping = {"table": "tickets", "source": "my_zendesk", "columns": {"source_id": "ID", "created_at": "Created at",
                                                                      "status": "Status"}}
    b = load(FIX / "zendesk_export.csv", tz="UTC", mapping=mapping)
    t = b.tables["tickets"]
    assert b.source == "my_zendesk" and "surveys" not in b.tables
    assert set(t.columns) >= {"source_id", "created_at", "status"} and "vendor_first_reply_minutes" not in t.columns
    assert any("mapping was given" in n for n in b.notes)


def test_format_can_be_forced():
    # The user says what it is: the Zendesk CSV adapter reads a file detection would also pick.
    adapter, confidence, why = registry.choose(FIX / "zendesk_export.csv", "zendesk_csv")
    assert (adapter.name, confidence, why) == ("zendesk_csv", 1.0, "format zendesk_csv as given")


def test_fivetran_parquet_with_warehouse_upper_case_names(tmp_path):
    folder = tmp_path / "zendesk"
    folder.mkdir()
    for f in (FIX / "fivetran_zendesk").iterdir():
        frame = pl.read_csv(f, infer_schema=False)
        # typed columns as a warehouse unload writes them: ids as integers, times as UTC timestamps
        casts = [pl.col(c).str.strip_suffix(" UTC").str.to_datetime("%Y-%m-%d %H:%M:%S%.f").dt.replace_time_zone("UTC")
                 for c in frame.columns if frame.get_column(c).drop_nulls().str.ends_with(" UTC").all()
                 and frame.get_column(c).drop_nulls().len()]
        casts += [pl.col(c).cast(pl.Int64) for c in ("id", "ticket_id", "user_id") if c in frame.columns]
        frame.with_columns(casts).rename(str.upper).write_parquet(folder / f"{f.stem.upper()}.parquet")
    b = load(folder)
    assert {k: v.height for k, v in b.tables.items()} == {
        "tickets": 2, "ticket_events": 12, "schedules": 2, "schedule_holidays": 3, "ticket_schedules": 2,
        "default_schedules": 1}
    a = row(b.tables["tickets"], "source_id", "1001")
    assert (a["created_at"], a["solved_at"], a["agent"]) == (T(2024, 3, 4, 14, 0), T(2024, 3, 5, 16, 0), "Maria Lopez")


def test_large_ndjson_detected_from_its_first_line(tmp_path):
    from loaders.adapters.zendesk import ZendeskJsonAdapter
    from loaders.files import sample

    s = sample(FIX / "zendesk_tickets.ndjson")
    s.headers = []  # what the sampler gives for a file too big to flatten
    assert ZendeskJsonAdapter().detect(s) >= 0.9
