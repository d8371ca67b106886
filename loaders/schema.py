"""The canonical tables: one typed column list per table, declared once.

Every loader maps its source into these tables; a column the source lacks becomes a typed
NULL. Timestamps are naive ``TIMESTAMP`` values holding UTC; the zone the source was read in is
kept in ``source_tz``. Each row remembers the load that wrote it (``load_id``).

Row identity: ``(source, source_id)`` for tickets, calls, surveys and customers. A newer export
of the same source replaces rows with the same ``source_id`` (see ``loaders/store.py``).
``docs/schema.md`` documents every column; ``tests/test_docs.py`` fails when one is missing.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a DuckDB type
    description: str
    required: bool = False  # a mapping must provide it (or the adapter derives it)


def _c(name: str, type_: str, description: str, required: bool = False) -> Column:
    return Column(name, type_, description, required)


# Columns every canonical data table starts with.
_IDENTITY = [
    _c("source", "VARCHAR", "Name of the system/export the row came from (e.g. `zendesk`, `acme-crm`).", True),
    _c("source_id", "VARCHAR", "The row's id in its source system; unique within `source`.", True),
]
_BOOKKEEPING = [
    _c("source_tz", "VARCHAR", "IANA time zone the source's local timestamps were read in."),
    _c("load_id", "BIGINT", "The load (`loads.load_id`) that last wrote this row."),
]

TICKETS = _IDENTITY + [
    _c("created_at", "TIMESTAMP", "When the ticket was created (UTC).", True),
    _c("updated_at", "TIMESTAMP", "Last update (UTC)."),
    _c("first_response_at", "TIMESTAMP", "First public agent reply (UTC), when the export has it."),
    _c("first_solved_at", "TIMESTAMP", "First time the ticket was solved/resolved (UTC)."),
    _c("solved_at", "TIMESTAMP", "Last time the ticket was solved/resolved (UTC)."),
    _c("closed_at", "TIMESTAMP", "When the ticket was closed (UTC)."),
    _c("due_at", "TIMESTAMP", "The vendor's own due date/SLA target time (UTC)."),
    _c("status", "VARCHAR", "Normalised status: new, open, pending, on_hold, solved, closed, or the source value lower-cased."),
    _c("priority", "VARCHAR", "Normalised priority: urgent, high, normal, low, or the source value."),
    _c("channel", "VARCHAR", "Channel: email, web, phone, chat, api, social, ... (lower case)."),
    _c("team", "VARCHAR", "Team/group the ticket is assigned to."),
    _c("agent", "VARCHAR", "Assignee (agent name or id)."),
    _c("requester", "VARCHAR", "Requester name or e-mail."),
    _c("customer_id", "VARCHAR", "Customer id linking to `customers.source_id` (account/organisation or requester id)."),
    _c("category", "VARCHAR", "Category, type or topic."),
    _c("tags", "VARCHAR", "Tags, separated by single spaces."),
    _c("subject", "VARCHAR", "Subject line (free text; escaped in every HTML output)."),
    _c("description", "VARCHAR", "Description or first message of the ticket, when the export has it (free text; escaped "
                                 "in every HTML output)."),
    _c("created_by_agent", "BOOLEAN", "The ticket was opened by an agent (first reply counts from the next public agent reply)."),
    _c("reopens", "INTEGER", "Number of solved→open transitions, from the export or the events."),
    _c("replies", "INTEGER", "Public agent replies, from the export or the events."),
    _c("group_stations", "INTEGER", "Groups the ticket passed through (Zendesk `Group stations`); 2 or more = it was moved to another group (escalated)."),
    _c("satisfaction", "VARCHAR", "Ticket satisfaction rating as exported: good, bad, offered, unoffered, or a score."),
    _c("sla_policy", "VARCHAR", "The vendor's SLA policy name, when exported."),
    _c("vendor_first_reply_minutes", "DOUBLE", "Vendor's precomputed first reply time, calendar minutes (kept for reconciliation)."),
    _c("vendor_first_reply_business_minutes", "DOUBLE", "Vendor's precomputed first reply time, business minutes."),
    _c("vendor_first_resolution_minutes", "DOUBLE", "Vendor's precomputed first resolution time, calendar minutes."),
    _c("vendor_first_resolution_business_minutes", "DOUBLE", "Vendor's precomputed first resolution time, business minutes."),
    _c("vendor_full_resolution_minutes", "DOUBLE", "Vendor's precomputed full resolution time, calendar minutes."),
    _c("vendor_full_resolution_business_minutes", "DOUBLE", "Vendor's precomputed full resolution time, business minutes."),
    _c("vendor_requester_wait_minutes", "DOUBLE", "Vendor's precomputed requester wait time, calendar minutes."),
    _c("vendor_agent_wait_minutes", "DOUBLE", "Vendor's precomputed agent wait time, calendar minutes."),
    _c("vendor_on_hold_minutes", "DOUBLE", "Vendor's precomputed on-hold time, calendar minutes."),
    _c("vendor_made_sla", "BOOLEAN", "Vendor's own SLA verdict (e.g. ServiceNow `made_sla`)."),
] + _BOOKKEEPING

TICKET_EVENTS = [
    _c("source", "VARCHAR", "Source of the ticket the event belongs to.", True),
    _c("ticket_id", "VARCHAR", "`tickets.source_id` of the ticket.", True),
    _c("event_at", "TIMESTAMP", "When it happened (UTC).", True),
    _c("seq", "INTEGER", "Order of events with the same timestamp (0, 1, ...)."),
    _c("event_type", "VARCHAR", "created, customer_message, agent_reply, internal_note, status_change, priority_change, assignee_change, group_change, other.", True),
    _c("actor", "VARCHAR", "Who did it (name or id)."),
    _c("actor_role", "VARCHAR", "customer, agent, system (automations, triggers, bots)."),
    _c("is_public", "BOOLEAN", "Visible to the requester (internal notes are not)."),
    _c("value", "VARCHAR", "New value for a change (status, priority, assignee, group) or the activity name."),
    _c("previous_value", "VARCHAR", "Previous value for a change, when known."),
] + _BOOKKEEPING

CALLS = _IDENTITY + [
    _c("queued_at", "TIMESTAMP", "When the call started ringing/queued (UTC).", True),
    _c("answered_at", "TIMESTAMP", "When an agent answered (UTC); NULL if unanswered or not recorded (Twilio)."),
    _c("ended_at", "TIMESTAMP", "When the call ended (UTC)."),
    _c("wait_seconds", "DOUBLE", "Seconds in queue before answer or hang-up."),
    _c("talk_seconds", "DOUBLE", "Talk seconds (billsec)."),
    _c("hold_seconds", "DOUBLE", "Hold seconds."),
    _c("wrap_seconds", "DOUBLE", "After-call work (wrap-up) seconds."),
    _c("direction", "VARCHAR", "inbound, outbound, internal."),
    _c("outcome", "VARCHAR", "answered, abandoned, missed, voicemail, busy, failed.", True),
    _c("queue", "VARCHAR", "Queue, line or number called."),
    _c("agent", "VARCHAR", "Agent who answered."),
    _c("team", "VARCHAR", "Team of the agent or queue."),
    _c("customer_id", "VARCHAR", "Customer id linking to `customers.source_id`."),
    _c("caller", "VARCHAR", "Caller number or name."),
    _c("resolved", "BOOLEAN", "Resolved on this call (first-contact resolution), when the data has it."),
    _c("satisfaction", "DOUBLE", "Post-call satisfaction score, when the data has it."),
    _c("vendor_outcome", "VARCHAR", "The outcome/disposition exactly as exported."),
] + _BOOKKEEPING

SURVEYS = _IDENTITY + [
    _c("responded_at", "TIMESTAMP", "When the response was given (UTC); NULL when the export has no date (an undated "
                                    "response counts in all-time and per-segment figures, never in trends or date filters)."),
    _c("kind", "VARCHAR", "csat, nps or ces.", True),
    _c("score", "DOUBLE", "Numeric score on the scale (good=1/bad=0 for good/bad CSAT)."),
    _c("scale_min", "DOUBLE", "Lowest possible score (1 for CSAT 1-5, 0 for NPS)."),
    _c("scale_max", "DOUBLE", "Highest possible score (5, 10, 7, ...)."),
    _c("ticket_id", "VARCHAR", "`tickets.source_id` the response rates, when linked."),
    _c("customer_id", "VARCHAR", "Customer id linking to `customers.source_id`."),
    _c("agent", "VARCHAR", "Agent rated."),
    _c("team", "VARCHAR", "Team rated."),
    _c("channel", "VARCHAR", "Channel of the rated contact."),
    _c("comment", "VARCHAR", "Verbatim comment (free text; escaped in every HTML output)."),
    _c("segment", "VARCHAR", "What the response belongs to as the file states it: brand, product, airline, region, wave, "
                             "or the name of the workbook sheet it came from (NULL: the customer's segment applies)."),
    _c("origin", "VARCHAR", "Where the response was read: `survey` (a survey export) or `ticket` (the rating column of a "
                            "ticket export; `ticket_id` names the rated ticket)."),
] + _BOOKKEEPING

CUSTOMERS = _IDENTITY + [
    _c("name", "VARCHAR", "Customer or account name."),
    _c("segment", "VARCHAR", "Segment (SMB, mid-market, enterprise, ...)."),
    _c("plan", "VARCHAR", "Plan or product tier."),
    _c("started_at", "DATE", "Customer since."),
    _c("churned_at", "DATE", "Churn date; NULL while active."),
    _c("churned", "BOOLEAN", "Churned flag (from a status/flag column or a churn date)."),
    _c("churn_category", "VARCHAR", "Churn category as stated (e.g. Competitor, Attitude, Dissatisfaction)."),
    _c("churn_reason", "VARCHAR", "Churn reason as stated (free text)."),
    _c("monthly_revenue", "DOUBLE", "Monthly recurring revenue."),
    _c("total_revenue", "DOUBLE", "Total revenue to date."),
    _c("currency", "VARCHAR", "ISO currency code of the revenue columns."),
    # A list without dates is a snapshot at an as-of date (docs/churn.md, "Snapshot lists").
    _c("as_of", "DATE", "Date the list describes (the snapshot date): --as-of, else the file's modification date."),
    _c("tenure_months", "DOUBLE", "Tenure as exported, converted to months (days / 30.4375, years x 12)."),
    _c("started_estimated", "BOOLEAN", "started_at was estimated as as_of minus the tenure (the list has no start date)."),
    _c("joined", "BOOLEAN", "Joined during the period (a 'Joined'/'New' status, or tenure 0) and did not churn: counted apart."),
    _c("id_from_row", "BOOLEAN", "The list has no customer id: source_id is the file name and spreadsheet row number."),
    # Support history held as columns of the list itself (docs/churn.md, "Support columns inside the list").
    _c("support_contacts", "INTEGER", "Contacts with customer service / support as counted in the list (e.g. Customer service calls)."),
    _c("complained", "BOOLEAN", "The list's complaint flag (Complain, Complaint, Жалоба)."),
    _c("satisfaction_score", "DOUBLE", "The list's satisfaction score or last-survey answer, on its own scale."),
    _c("satisfaction_scale_min", "DOUBLE", "Lowest possible satisfaction_score (1 for 1-5, 0 for 0-10)."),
    _c("satisfaction_scale_max", "DOUBLE", "Highest possible satisfaction_score (5, 10, ...)."),
    _c("satisfaction_kind", "VARCHAR", "csat (a satisfaction score) or nps (a likelihood-to-recommend answer)."),
] + _BOOKKEEPING

# Business-hours calendars (from Zendesk/Fivetran schedules or settings).
SCHEDULES = [
    _c("schedule_id", "VARCHAR", "Schedule id.", True),
    _c("name", "VARCHAR", "Schedule name."),
    _c("time_zone", "VARCHAR", "IANA time zone of the schedule.", True),
    _c("start_minute", "INTEGER", "Interval start, minutes from Sunday 00:00 local time (0..10080).", True),
    _c("end_minute", "INTEGER", "Interval end, minutes from Sunday 00:00 local time (exclusive).", True),
    _c("valid_from", "TIMESTAMP", "First UTC instant this version of the schedule applies (NULL = always)."),
    _c("valid_until", "TIMESTAMP", "First UTC instant it no longer applies (NULL = still applies)."),
    _c("load_id", "BIGINT", "The load that wrote it."),
]
SCHEDULE_HOLIDAYS = [
    _c("schedule_id", "VARCHAR", "Schedule id.", True),
    _c("holiday_date", "DATE", "A whole local day without business hours.", True),
    _c("name", "VARCHAR", "Holiday name."),
    _c("load_id", "BIGINT", "The load that wrote it."),
]
TICKET_SCHEDULES = [
    _c("source", "VARCHAR", "Ticket source.", True),
    _c("ticket_id", "VARCHAR", "`tickets.source_id`.", True),
    _c("schedule_id", "VARCHAR", "Schedule that applies from `valid_from`.", True),
    _c("valid_from", "TIMESTAMP", "UTC instant from which this schedule applies to the ticket.", True),
    _c("load_id", "BIGINT", "The load that wrote it."),
]
DEFAULT_SCHEDULES = [
    _c("source", "VARCHAR", "Ticket source.", True),
    _c("schedule_id", "VARCHAR", "The account's default schedule: what the source's tickets follow where "
                                 "`ticket_schedules` sets none (instead of the settings' `default`).", True),
    _c("load_id", "BIGINT", "The load that wrote it."),
]

LOADS = [
    _c("load_id", "BIGINT", "Load number, increasing.", True),
    _c("file_name", "VARCHAR", "File name as given."),
    _c("file_path", "VARCHAR", "Absolute path at load time."),
    _c("sha256", "VARCHAR", "SHA-256 of the file's bytes."),
    _c("file_bytes", "BIGINT", "File size."),
    _c("loader", "VARCHAR", "Adapter (format) used."),
    _c("confidence", "DOUBLE", "How sure detection was (0-1); 1 when the format was given."),
    _c("target_table", "VARCHAR", "Main canonical table written."),
    _c("source", "VARCHAR", "Source name rows were written under."),
    _c("source_tz", "VARCHAR", "Time zone local timestamps were read in."),
    _c("rows_in", "BIGINT", "Data rows read from the file (= rows_loaded + rows_rejected)."),
    _c("rows_loaded", "BIGINT", "Rows accepted (inserted or updated)."),
    _c("rows_rejected", "BIGINT", "Rows rejected (kept in `rejects`)."),
    _c("rows_inserted", "BIGINT", "Accepted rows that were new."),
    _c("rows_updated", "BIGINT", "Accepted rows that replaced a row from an earlier export."),
    _c("warnings", "VARCHAR", "Warnings, one per line."),
    _c("mapping", "VARCHAR", "The column mapping used, as JSON."),
    _c("started_at", "TIMESTAMP", "Load start (UTC)."),
    _c("finished_at", "TIMESTAMP", "Load end (UTC)."),
    _c("status", "VARCHAR", "loaded, or removed once `cli.py remove-load` deleted its rows."),
    _c("tables", "VARCHAR", "Rows written per canonical table, as JSON."),
]
REJECTS = [
    _c("load_id", "BIGINT", "The load.", True),
    _c("file_name", "VARCHAR", "File name."),
    _c("row_number", "BIGINT", "1-based line/row number in the file (header = row 1 for CSV/XLSX)."),
    _c("column_name", "VARCHAR", "Column at fault (source header), when one is."),
    _c("value", "VARCHAR", "The offending value."),
    _c("reason", "VARCHAR", "Why the row was rejected, and the fix."),
    _c("raw", "VARCHAR", "The whole source row as JSON."),
]

TABLES: dict[str, list[Column]] = {
    "tickets": TICKETS,
    "ticket_events": TICKET_EVENTS,
    "calls": CALLS,
    "surveys": SURVEYS,
    "customers": CUSTOMERS,
    "schedules": SCHEDULES,
    "schedule_holidays": SCHEDULE_HOLIDAYS,
    "ticket_schedules": TICKET_SCHEDULES,
    "default_schedules": DEFAULT_SCHEDULES,
    "loads": LOADS,
    "rejects": REJECTS,
}
# Filling a column that an older database gains (``loaders/store.init_schema``): SQL run once, when the
# column is added, so rows loaded before it existed read as if loaded now.
BACKFILL: dict[tuple[str, str], str] = {
    # Survey rows an older Deskscope wrote while loading a ticket export came from its rating column.
    ("surveys", "origin"): "UPDATE surveys SET origin = CASE WHEN load_id IN (SELECT load_id FROM loads WHERE "
                           "target_table = 'tickets') THEN 'ticket' ELSE 'survey' END",
}
# Tables a user loads files into (the others are bookkeeping or calendars).
DATA_TABLES = ("tickets", "ticket_events", "calls", "surveys", "customers")
# Sort order kept on disk: filtered queries skip blocks.
SORT_KEYS = {
    "tickets": "created_at",
    "ticket_events": "source, ticket_id, event_at, seq",
    "calls": "queued_at",
    "surveys": "responded_at",
}
# What identifies a row for upserts.
KEYS = {
    "tickets": ("source", "source_id"),
    "calls": ("source", "source_id"),
    "surveys": ("source", "source_id"),
    "customers": ("source", "source_id"),
    # Events are replaced per ticket: a newer export re-sends a ticket's whole history.
    "ticket_events": ("source", "ticket_id"),
    "ticket_schedules": ("source", "ticket_id"),
    "default_schedules": ("source",),
    "schedules": ("schedule_id",),
    "schedule_holidays": ("schedule_id",),
}


def columns(table: str) -> list[Column]:
    return TABLES[table]


def column_names(table: str) -> list[str]:
    return [c.name for c in TABLES[table]]


def required_columns(table: str) -> list[str]:
    return [c.name for c in TABLES[table] if c.required]


def create_sql(table: str) -> str:
    cols = ", ".join(f'"{c.name}" {c.type}' for c in TABLES[table])
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"


def polars_schema(table: str) -> dict:
    """The polars dtypes matching a table's DuckDB types."""
    import polars as pl

    kinds = {
        "VARCHAR": pl.String,
        "TIMESTAMP": pl.Datetime("us"),
        "DATE": pl.Date,
        "DOUBLE": pl.Float64,
        "INTEGER": pl.Int32,
        "BIGINT": pl.Int64,
        "BOOLEAN": pl.Boolean,
    }
    return {c.name: kinds[c.type] for c in TABLES[table]}
