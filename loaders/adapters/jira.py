"""Jira Service Management issue exports (Filters > Export > CSV, all fields): ``Summary, Issue
key, Issue id, Issue Type, Status, ..., Priority, Resolution, Assignee, Reporter, Created,
Updated, Resolved, ..., Labels, Labels, Comment, Comment, ..., Custom field (Request Type), ...``
Repeated names arrive deduplicated as `Comment`, `Comment (2)`, ... (loaders/files.py).

Definitions:
* Dates like `25/Feb/26 10:17 PM` (the export's default) or `2026-02-25 22:17`, in the
  exporting user's time zone: read in --tz (default: settings, with a warning).
* source_id = Issue key; solved_at = Resolved; customer_id = Custom field (Organizations),
  else the reporter; category = Custom field (Request Type), else Issue Type; tags = every
  Labels column; first_response_at = Custom field ([CHART] Date of First Response).
* The SLA fields (Custom field (Time to first response) / (Time to resolution)) hold the time
  left to the goal as `HH:MM`, negative once breached: vendor_made_sla is false when either is
  negative, true when those present are not negative.
* created_by_agent: the Creator is not the Reporter (an agent raised it for the customer);
  otherwise the reporter opened it with the request itself, so the first agent comment is
  the first reply.
* Comments `25/Feb/26 10:17 PM;author;text` -> ticket_events: written by the reporter ->
  customer_message, by anyone else -> agent_reply (the CSV cannot tell internal notes apart).
* Satisfaction rating (1-5) -> a CSAT survey row, answered at Custom field (Satisfaction date)
  or else the resolution time.
"""
from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from loaders import parsing
from loaders.adapters import _ticket_common as tc
from loaders.base import Adapter, Batch, LoadError, LoadOptions, Sample, header_match
from loaders.files import read_table
from loaders.generic import load_with_mapping
from loaders.registry import register

COLUMNS: dict[str, list[str]] = {
    "source_id": ["Issue key", "Key"],
    "subject": ["Summary"],
    "status": ["Status"],
    "priority": ["Priority"],
    "agent": ["Assignee"],
    "created_at": ["Created"],
    "updated_at": ["Updated"],
    "solved_at": ["Resolved", "Resolution date"],
    "due_at": ["Due date", "Due Date"],
    "first_response_at": ["Custom field ([CHART] Date of First Response)"],
    "satisfaction": ["Satisfaction rating", "Custom field (Satisfaction rating)", "Satisfaction"],
    "team": ["Custom field (Team)", "Team"],
    "channel": ["Custom field (Source)", "Custom field (Request channel)", "Request channel"],
}
EXTRA: dict[str, list[str]] = {
    "reporter": ["Reporter"],
    "reporter_id": ["Reporter Id", "Reporter ID"],
    "creator": ["Creator"],
    "creator_id": ["Creator Id", "Creator ID"],
    "organizations": ["Custom field (Organizations)", "Organizations"],
    "request_type": ["Custom field (Request Type)", "Request Type", "Customer Request Type"],
    "issue_type": ["Issue Type"],
    "issue_id": ["Issue id"],
    "ttfr": ["Custom field (Time to first response)", "Time to first response"],
    "ttr": ["Custom field (Time to resolution)", "Time to resolution"],
    "satisfaction_date": ["Custom field (Satisfaction date)", "Satisfaction date"],
}
REQUIRED = {"source_id": "Issue key", "created_at": "Created", "status": "Status"}
SIGNATURE = {"issue key", "issue id", "issue type", "project key", "project name", "reporter", "resolution", "resolved",
             "custom field (request type)", "custom field (time to first response)", "custom field (time to resolution)",
             "custom field (organizations)", "watchers", "labels", "comment", "status category", "sprint"}
STATUSES = {"Waiting for support": "open", "Waiting for customer": "pending", "Escalated": "open",
            "Work in progress": "open", "Canceled": "closed", "Cancelled": "closed", "Won't Do": "closed",
            "To Do": "open", "Open": "open", "Reopened": "open", "Pending": "pending"}
CHANNELS = {"Portal": "web", "Customer portal": "web", "Jira": "api", "Widget": "web"}
_COMMENT = re.compile(r"^Comment( \(\d+\))?$", re.IGNORECASE)
_LABELS = re.compile(r"^Labels( \(\d+\))?$", re.IGNORECASE)


def _comment_events(raw, key_col: str, reporter_cols: list[str], tz: str, date_order: str | None) -> tuple[pl.DataFrame, int]:
    """Every `Comment` cell -> (ticket_id, event_at, author, role); the number of cells skipped."""
    comment_cols = [h for h in raw.headers if _COMMENT.match(h)]
    if not comment_cols:
        return tc.empty_events(), 0
    long = raw.frame.select([pl.col(key_col).alias("ticket_id")] + [pl.col(c) for c in reporter_cols]
                            + [pl.concat_list([pl.col(c) for c in comment_cols]).alias("c")]).explode("c")
    long = long.filter(pl.col("c").is_not_null() & (pl.col("c").str.strip_chars() != ""))
    parts = long.get_column("c").str.extract_groups(r"(?s)^([^;]*);([^;]*);(.*)$")
    long = long.with_columns(parts.struct.field("1").str.strip_chars().alias("at"),
                             parts.struct.field("2").str.strip_chars().alias("author"))
    at, failed, _ = parsing.parse_datetime(long.get_column("at"), tz=tz, date_order=date_order)
    skipped = int((at.is_null()).sum())
    long = long.with_columns(at.alias("event_at"))
    is_reporter = pl.lit(False)
    for c in reporter_cols:
        is_reporter = is_reporter | (pl.col("author") == pl.col(c)).fill_null(False)
    ev = long.select(
        pl.col("ticket_id"), pl.col("event_at"),
        pl.when(is_reporter).then(pl.lit("customer_message")).otherwise(pl.lit("agent_reply")).alias("event_type"),
        pl.col("author").alias("actor"),
        pl.when(is_reporter).then(pl.lit("customer")).otherwise(pl.lit("agent")).alias("actor_role"),
        pl.lit(True).alias("is_public"),
    ).sort("ticket_id", "event_at", maintain_order=True)
    return ev, skipped


@register
class JiraAdapter(Adapter):
    name = "jira"
    title = "Jira Service Management issue export (CSV)"
    family = "tickets"
    accepts = "Jira CSV exports (all fields): Summary, Issue key, Issue id, Status, Created, Resolved, Comment, Comment, ..."

    def _score(self, sample: Sample) -> tuple[float, str]:
        if sample.is_dir:
            return 0.0, ""
        score = header_match(sample, {"issue key", "summary", "status", "created"}, SIGNATURE)
        found = sorted(sample.header_set & SIGNATURE)
        if len(found) < 2:
            return 0.0, ""  # generic names only (summary, status, created): the generic loader's file
        jsm = any(h.startswith("custom field (") for h in sample.header_set)
        return score, f"Jira export headers (Issue key, Summary, Status, Created + {len(found)} more{', Service Management custom fields' if jsm else ''})"

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not a Jira export"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        if (given := tc.with_given_mapping(path, options)) is not None:
            return given
        raw = read_table(path, sheet=options.sheet)
        col = tc.pick_columns(raw.headers, {**COLUMNS, **EXTRA})
        tc.require(path.name, raw.headers, col, REQUIRED,
                   fix="export from Jira with Export > CSV (all fields), or load the file with a column mapping")
        columns = {c: col[c] for c in COLUMNS if c in col}
        reporter = tc.text_col(raw, col.get("reporter"))
        columns["requester"] = tc.add_raw(raw, "_x_requester", reporter)
        # An agent who raises a request for a customer is its Creator, the customer its Reporter.
        creator = tc.text_col(raw, col.get("creator_id")).fill_null(tc.text_col(raw, col.get("creator")))
        reporter_key = tc.text_col(raw, col.get("reporter_id")) if "creator_id" in col else reporter
        by_agent = pl.select(pl.when(creator.is_null() | reporter_key.is_null()).then(False)
                             .otherwise(creator != reporter_key)).to_series()
        columns["created_by_agent"] = tc.add_raw(raw, "_x_by_agent", by_agent.cast(pl.String))
        columns["customer_id"] = tc.add_raw(raw, "_x_customer", tc.text_col(raw, col.get("organizations")).fill_null(reporter))
        columns["category"] = tc.add_raw(raw, "_x_category", tc.text_col(raw, col.get("request_type"))
                                         .fill_null(tc.text_col(raw, col.get("issue_type"))))
        labels = [h for h in raw.headers if _LABELS.match(h)]
        if labels:
            joined = pl.select(pl.concat_str([parsing.null_missing(raw.frame.get_column(h)) for h in labels],
                                             separator=" ", ignore_nulls=True)).to_series()
            columns["tags"] = tc.add_raw(raw, "_x_tags", joined.str.replace_all(r"\s+", " ").str.strip_chars())
        sla_cols = [col[k] for k in ("ttfr", "ttr") if k in col]
        if sla_cols:
            minutes = [tc.minutes_from_hours_text(raw.frame.get_column(c))[0] for c in sla_cols]
            breached = pl.select(pl.any_horizontal([(m < 0).fill_null(False) for m in minutes])).to_series()
            present = pl.select(pl.any_horizontal([m.is_not_null() for m in minutes])).to_series()
            made = pl.select(pl.when(breached).then(False).when(present).then(True).otherwise(None)).to_series()
            columns["vendor_made_sla"] = tc.add_raw(raw, "_x_sla", made.cast(pl.String))
        tz, warnings = tc.account_tz(options, "Jira", raw.frame.get_column(col["created_at"]))
        mapping = {"table": "tickets", "columns": columns, "timezone": tz,
                   "values": {"status": STATUSES, "channel": CHANNELS}}
        batch = load_with_mapping(path, options, mapping, default_source="jira", raw=raw)
        batch.warnings = warnings + batch.warnings
        t = batch.tables["tickets"]
        kept = t.get_column("source_id").to_list()
        reporter_cols = [col[k] for k in ("reporter", "reporter_id") if k in col]
        try:
            ev, skipped = _comment_events(raw, col["source_id"], reporter_cols, tz, options.date_order)
        except parsing.AmbiguousDateOrder as exc:
            raise LoadError(path.name, [f"comment dates: {exc}"], fix="pass --date-order dmy or --date-order mdy") from exc
        ev = ev.filter(pl.col("ticket_id").is_in(kept))
        if ev.height:
            batch.tables["ticket_events"] = tc.events(ev)
            batch.notes.append(f"{ev.height:,} comments loaded as events (reporter -> customer_message, others -> agent_reply)")
        if skipped:
            batch.warnings.append(f"{skipped:,} comments have no readable date (`date;author;text`) and were left out")
        if "satisfaction" in t.columns:
            if "satisfaction_date" in col:
                when, _ = tc.parse_times(tc.with_raw(t, raw, {"_x_sd": col["satisfaction_date"]}).get_column("_x_sd"), tz,
                                         options.date_order)
                t = t.with_columns(when.alias("_x_responded"))
            else:
                t = t.with_columns(pl.lit(None, pl.Datetime("us")).alias("_x_responded"))
            t = t.with_columns(pl.coalesce("_x_responded", *(c for c in ("solved_at", "updated_at") if c in t.columns))
                               .alias("_x_responded"))
            surveys = tc.surveys_from_tickets(t, "_x_responded", numeric_scale=(1.0, 5.0))
            if surveys.height:
                batch.tables["surveys"] = surveys
                batch.notes.append(f"{surveys.height:,} satisfaction ratings also loaded as CSAT responses (1-5)")
        batch.tables["tickets"] = t
        tc.drop_helpers(raw, batch)
        return batch
