"""Freshdesk and Freshservice ticket exports (Tickets > Export, CSV or XLSX):
``Ticket ID, Subject, Description, Status, Priority, Source, Type, Agent, Group, Created time,
Due by Time, Resolved time, Closed time, Last update time, Initial response time, Time tracked,
First response time (in hrs), Resolution time (in hrs), Agent interactions, Customer
interactions, Resolution status, First response status, Tags, Survey results, ...``
(Freshservice writes the same columns in Title Case, `Requester Name`, `Survey Result`, ...).

Definitions:
* Times are the helpdesk's local time: read in --tz (default: settings, with a warning).
* "Initial response time" is the first agent response (a timestamp) -> first_response_at.
* "First response time (in hrs)" and "Resolution time (in hrs)" are Freshdesk's business-hours
  durations (its export code names them first_res_time_bhrs / resolution_time_bhrs), written
  as `HH:MM:SS` or decimal hours: kept as minutes in vendor_first_reply_business_minutes and
  vendor_full_resolution_business_minutes.
* vendor_made_sla: false when "First response status" or "Resolution status" says
  `SLA Violated`, true when the statuses present all say `Within SLA`, empty otherwise.
* "Agent interactions" -> replies. Source `Outbound Email` -> created_by_agent.
* customer_id = Company Name (Freshservice: Company), else Contact ID, else the requester's
  e-mail. "Survey results" ratings become CSAT survey rows (Awesome/Neutral/Not Good = 3/2/1
  on 1..3).
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from loaders.adapters import _ticket_common as tc
from loaders.base import Adapter, Batch, LoadOptions, Sample, header_match
from loaders.files import read_table
from loaders.generic import load_with_mapping
from loaders.registry import register

COLUMNS: dict[str, list[str]] = {
    "source_id": ["Ticket ID", "Ticket Id", "Display ID"],
    "subject": ["Subject"],
    "status": ["Status"],
    "priority": ["Priority"],
    "channel": ["Source"],
    "team": ["Group"],
    "agent": ["Agent"],
    "created_at": ["Created time", "Created Time", "Created at"],
    "due_at": ["Due by Time", "Due by time", "Due By"],
    "solved_at": ["Resolved time", "Resolved Time"],
    "closed_at": ["Closed time", "Closed Time"],
    "updated_at": ["Last update time", "Last Updated Time", "Last updated time"],
    "first_response_at": ["Initial response time", "Initial Response Time"],
    "replies": ["Agent interactions", "Agent Interactions"],
    "tags": ["Tags"],
    "satisfaction": ["Survey results", "Survey Result", "Survey Results"],
}
EXTRA: dict[str, list[str]] = {
    "first_response_hours": ["First response time (in hrs)", "First Response Time (in Hrs)"],
    "resolution_hours": ["Resolution time (in hrs)", "Resolution Time (in Hrs)"],
    "first_response_status": ["First response status", "First Response Status"],
    "resolution_status": ["Resolution status", "Resolution Status"],
    "company": ["Company Name", "Company", "Company name"],
    "contact_id": ["Contact ID", "Contact Id", "Requester ID"],
    "email": ["Email", "Requester Email", "Contact email"],
    "name": ["Full name", "Requester Name", "Contact name"],
    "type": ["Type"],
    "category": ["Category"],
}
REQUIRED = {"source_id": "Ticket ID", "created_at": "Created time", "status": "Status"}
# Headers only a Freshdesk/Freshservice export has. "Resolved time", "Closed time", "Last update
# time" are left out on purpose: any home-made sheet may use them.
SIGNATURE = {"first response time (in hrs)", "resolution time (in hrs)", "agent interactions", "customer interactions",
             "resolution status", "first response status", "due by time", "initial response time", "time tracked",
             "survey results", "survey result"}
# Detection needs the export's own id and creation headers ("Ticket ID"/"Ticket Id" and "Created time")
# plus at least two SIGNATURE headers; anything less is left to the generic loader.
DETECT_REQUIRED = {"ticket id", "created time", "status"}
FRESHSERVICE_HINTS = {"requester name", "requester email", "urgency", "impact", "last updated time", "survey result"}
CHANNELS = {"Portal": "web", "Feedback Widget": "web", "Feedback widget": "web", "Outbound Email": "email",
            "Mobihelp": "chat", "WhatsApp": "chat", "Forum": "web", "Ecommerce": "web", "Bot": "chat"}
STATUSES = {"Waiting on Customer": "pending", "Waiting on Third Party": "on_hold", "Awaiting Approval": "pending"}
SLA_MET, SLA_MISSED = "within sla", "sla violated"


def _made_sla(*statuses: pl.Series) -> pl.Series:
    lower = [s.str.to_lowercase() for s in statuses]
    missed = pl.select(pl.any_horizontal([(s == SLA_MISSED).fill_null(False) for s in lower])).to_series()
    any_met = pl.select(pl.any_horizontal([(s == SLA_MET).fill_null(False) for s in lower])).to_series()
    return pl.select(pl.when(missed).then(False).when(any_met).then(True).otherwise(None)).to_series()


@register
class FreshdeskAdapter(Adapter):
    name = "freshdesk"
    title = "Freshdesk / Freshservice ticket export (CSV/XLSX)"
    family = "tickets"
    accepts = "Freshdesk or Freshservice ticket exports: Ticket ID, Status, ..., Created time, ..., First response time (in hrs), ..."

    def _score(self, sample: Sample) -> tuple[float, str]:
        if sample.is_dir:
            return 0.0, ""
        found = sorted(sample.header_set & SIGNATURE)
        if not DETECT_REQUIRED <= sample.header_set or len(found) < 2:
            return 0.0, ""  # generic names (id, created, status, resolved time ...): the generic loader's file
        score = header_match(sample, DETECT_REQUIRED, SIGNATURE)
        product = "Freshservice" if len(sample.header_set & FRESHSERVICE_HINTS) >= 2 else "Freshdesk"
        return score, (f"{product} export headers (Ticket ID, Created time, Status + {len(found)} Freshdesk columns "
                       f"such as {', '.join(found[:3])})")

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not a Freshdesk export"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        if (given := tc.with_given_mapping(path, options)) is not None:
            return given
        raw = read_table(path, sheet=options.sheet)
        col = tc.pick_columns(raw.headers, {**COLUMNS, **EXTRA})
        tc.require(path.name, raw.headers, col, REQUIRED,
                   fix="export the tickets with Freshdesk's default columns (Ticket ID, Status, Created time), "
                       "or load the file with a column mapping (--format generic --mapping MAP.toml)")
        freshservice = len({h.lower() for h in raw.headers} & FRESHSERVICE_HINTS) >= 2
        columns = {c: col[c] for c in COLUMNS if c in col}
        customer = (tc.text_col(raw, col.get("company")).fill_null(tc.text_col(raw, col.get("contact_id")))
                    .fill_null(tc.text_col(raw, col.get("email"))))
        columns["customer_id"] = tc.add_raw(raw, "_x_customer", customer)
        columns["requester"] = tc.add_raw(raw, "_x_requester", tc.text_col(raw, col.get("email")).fill_null(tc.text_col(raw, col.get("name"))))
        # Freshservice has Category; Freshdesk's Type is its category of a ticket.
        columns["category"] = tc.add_raw(raw, "_x_category", tc.text_col(raw, col.get("category")).fill_null(tc.text_col(raw, col.get("type"))))
        if "first_response_hours" in col:
            minutes, _ = tc.minutes_from_hours_text(raw.frame.get_column(col["first_response_hours"]))
            columns["vendor_first_reply_business_minutes"] = tc.add_raw(raw, "_x_frt", minutes.cast(pl.String))
        if "resolution_hours" in col:
            minutes, _ = tc.minutes_from_hours_text(raw.frame.get_column(col["resolution_hours"]))
            columns["vendor_full_resolution_business_minutes"] = tc.add_raw(raw, "_x_res", minutes.cast(pl.String))
        if "first_response_status" in col or "resolution_status" in col:
            made = _made_sla(tc.text_col(raw, col.get("first_response_status")), tc.text_col(raw, col.get("resolution_status")))
            columns["vendor_made_sla"] = tc.add_raw(raw, "_x_sla", made.cast(pl.String))
        if "channel" in col:
            outbound = tc.text_col(raw, col["channel"]).str.to_lowercase() == "outbound email"
            columns["created_by_agent"] = tc.add_raw(raw, "_x_by_agent", outbound.cast(pl.String))
        product = "Freshservice" if freshservice else "Freshdesk"
        tz, warnings = tc.account_tz(options, product, raw.frame.get_column(col["created_at"]))
        mapping = {"table": "tickets", "columns": columns, "timezone": tz,
                   "values": {"channel": CHANNELS, "status": STATUSES}}
        batch = load_with_mapping(path, options, mapping, default_source=product.lower(), raw=raw,
                                  notes=[f"{product} export; first response / resolution hours kept as business minutes "
                                         "in vendor_* columns, SLA statuses in vendor_made_sla"])
        batch.warnings = warnings + batch.warnings
        t = batch.tables["tickets"]
        if "tags" in t.columns:
            t = t.with_columns(pl.col("tags").str.replace_all(r"[,\s]+", " ").str.strip_chars())
        batch.tables["tickets"] = t
        if "satisfaction" in t.columns:
            responded = "updated_at" if "updated_at" in t.columns else "created_at"
            surveys = tc.surveys_from_tickets(t, responded, numeric_scale=(1.0, 5.0))
            if surveys.height:
                batch.tables["surveys"] = surveys
                batch.notes.append(f"{surveys.height:,} survey results also loaded as CSAT responses")
        tc.drop_helpers(raw, batch)
        return batch
