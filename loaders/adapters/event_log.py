"""Generic ticket event logs: one row per status change or activity, several rows per ticket
(process-mining exports such as the BPI Challenge 2013 Volvo incident log, XES-style CSVs with
`case:concept:name, time:timestamp, concept:name, org:resource`, helpdesk audit trails).

Recognised by shape, not by vendor: a ticket id column whose values repeat, a timestamp column
and a status/activity column (names from ROLES below, case and punctuation ignored).

Definitions:
* Every row -> a status_change event (value = the normalised status: a sub-status such as
  `Resolved` or `Wait - User` wins over its parent status, see EVENT_STATUSES; actor = the
  resource/user column, role agent).
* One ticket per case: created_at = its first event; first_solved_at = the first event whose
  status means solved or closed, solved_at = the last such; closed_at = the last `closed`
  event; status, agent, team, priority and category from the case's last row that has them.
* rows_in counts event rows; a row without a case id or a readable time is rejected.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from loaders import mapping as mapping_mod
from loaders import parsing
from loaders.adapters import _ticket_common as tc
from loaders.base import Adapter, Batch, LoadOptions, Rejects, Sample
from loaders.files import EXCEL_SUFFIXES, ROW, read_table
from loaders.registry import register

ROLES: dict[str, list[str]] = {
    "case": ["SR Number", "case:concept:name", "Case ID", "CaseID", "Case", "Ticket ID", "Ticket", "Incident ID",
             "Incident", "Request ID", "Issue ID", "Issue key", "number", "Ticket number"],
    "time": ["Change Date+Time", "time:timestamp", "Timestamp", "Complete Timestamp", "Event time", "Changed at",
             "Updated at", "sys_updated_at", "Date", "Time", "Start Timestamp"],
    "status": ["Status", "State", "incident_state", "concept:name", "Activity", "Event", "Action"],
    "sub_status": ["Sub Status", "Substatus", "Sub-status", "lifecycle:transition"],
    "actor": ["Resource", "org:resource", "User", "Actor", "Agent", "Changed by", "Updated by", "sys_updated_by"],
    "team": ["Involved ST", "org:group", "Group", "Team", "Queue", "Assignment group"],
    "priority": ["SR Latest Impact", "Impact", "Priority", "Severity"],
    "category": ["Product", "Category", "Service"],
}
# Process-log words on top of loaders/vocab.py (BPI 2013: Accepted/In Progress, Queued/Awaiting
# Assignment, Accepted/Wait - User, Completed/Resolved, Completed/Closed, ...).
EVENT_STATUSES = {
    "Accepted": "open", "In Progress": "open", "Reopened": "open", "Re-opened": "open", "Queued": "open", "Awaiting Assignment": "open", "Assigned": "open",
    "Wait": "pending", "Wait - User": "pending", "Wait - Customer": "pending",
    "Wait - Implementation": "on_hold", "Wait - Vendor": "on_hold",
    "Completed": "solved", "Complete": "solved", "Resolved": "solved", "Closed": "closed", "Cancelled": "closed",
    "Canceled": "closed",
}
_KNOWN = set(tc.vocab.VALUES["status"].values()) | {"new", "open", "pending", "on_hold", "solved", "closed"}


def _sample_rows(sample: Sample, limit: int = 400) -> list[dict[str, str]]:
    """The first rows as text, to look at the file's shape."""
    if sample.suffix in EXCEL_SUFFIXES:
        try:
            import fastexcel

            frame = fastexcel.read_excel(str(sample.path)).load_sheet(0, n_rows=limit).to_polars()
        except Exception:  # an unreadable workbook: detection simply finds nothing
            return []
        return frame.select(pl.all().cast(pl.String)).to_dicts()
    if not sample.text or sample.suffix in ("parquet", "json", "ndjson"):
        return []
    lines = sample.text.splitlines()[: limit + 1]
    delimiter = parsing.sniff_delimiter("\n".join(lines[:60]))
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    try:
        return [r for r in reader][:limit]
    except csv.Error:
        return []


@register
class EventLogAdapter(Adapter):
    name = "event_log"
    title = "Ticket event log (one row per status change)"
    family = "tickets"
    accepts = "any CSV/XLSX event log with a repeating ticket id, a timestamp and a status/activity column (e.g. BPI 2013)"

    def _score(self, sample: Sample) -> tuple[float, str]:
        if sample.is_dir or not sample.headers:
            return 0.0, ""
        col = tc.pick_columns(sample.headers, {k: ROLES[k] for k in ("case", "time", "status", "actor")})
        if not {"case", "time", "status"} <= set(col):
            return 0.0, ""
        rows = _sample_rows(sample)
        why = f"an event log: case {col['case']!r}, time {col['time']!r}, status {col['status']!r}"
        if not rows:
            return 0.0, ""
        ids = [r.get(col["case"]) for r in rows if r.get(col["case"])]
        repeats = len(ids) - len(set(ids))
        if not ids or repeats < max(1, len(ids) // 10):
            return 0.0, ""  # one row per ticket: a ticket export, not an event log
        times = pl.Series([r.get(col["time"]) for r in rows], dtype=pl.String)
        try:
            parsed, failed, _ = parsing.parse_datetime(times, tz="UTC")
        except parsing.AmbiguousDateOrder:
            parsed, failed = times, pl.Series([False] * len(times))
        if int(failed.sum()) > len(rows) // 10:
            return 0.0, ""
        return (0.8 if "actor" in col else 0.7), why + f" ({len(set(ids))} cases in the first {len(ids)} rows)"

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not an event log"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        if (given := tc.with_given_mapping(path, options)) is not None:
            return given
        raw = read_table(path, sheet=options.sheet)
        col = tc.pick_columns(raw.headers, ROLES)
        tc.require(path.name, raw.headers, col, {"case": "ticket/case id", "time": "timestamp", "status": "status or activity"},
                   fix="name the columns (e.g. Case ID, Timestamp, Status) or load the file with a column mapping "
                       "(--format generic --table ticket_events --mapping MAP.toml)")
        status = tc.canonical_status(tc.text_col(raw, col["status"]), EVENT_STATUSES)
        if "sub_status" in col:
            sub = tc.canonical_status(tc.text_col(raw, col["sub_status"]), EVENT_STATUSES)
            status = pl.select(pl.when(sub.is_in(list(_KNOWN))).then(sub).otherwise(status)).to_series()
        columns = {"ticket_id": col["case"], "event_at": col["time"], "value": tc.add_raw(raw, "_x_value", status)}
        if "actor" in col:
            columns["actor"] = col["actor"]
        tz, warnings = tc.account_tz(options, "The event log", raw.frame.get_column(col["time"]))
        mapping = {"table": "ticket_events", "columns": columns, "timezone": tz,
                   "constants": {"event_type": "status_change", "actor_role": "agent"}}
        rejects = Rejects()
        events, rejects, map_warnings = mapping_mod.apply(raw, mapping, tz=tz, date_order=options.date_order, rejects=rejects)
        extras = {f"_x_{k}": col.get(k) for k in ("team", "priority", "category")}
        events = tc.with_raw(events, raw, extras)
        for name in extras:
            if name in events.columns:
                events = events.with_columns(parsing.null_missing(events.get_column(name)).alias(name))
            else:
                events = events.with_columns(pl.lit(None, pl.String).alias(name))
        events = events.sort("ticket_id", "event_at", ROW)
        solved = pl.col("value").is_in(list(tc.SOLVED))
        tickets = events.group_by("ticket_id", maintain_order=True).agg(
            pl.col("event_at").min().alias("created_at"),
            pl.col("event_at").max().alias("updated_at"),
            pl.col("event_at").filter(solved).min().alias("first_solved_at"),
            pl.col("event_at").filter(solved).max().alias("solved_at"),
            pl.col("event_at").filter(pl.col("value") == "closed").max().alias("closed_at"),
            pl.col("value").drop_nulls().last().alias("status"),
            (pl.col("actor").drop_nulls().last() if "actor" in events.columns else pl.lit(None, pl.String)).alias("agent"),
            pl.col("_x_team").drop_nulls().last().alias("team"),
            pl.col("_x_priority").drop_nulls().last().alias("_x_priority"),
            pl.col("_x_category").drop_nulls().last().alias("category"),
        ).rename({"ticket_id": "source_id"})
        tickets = tickets.with_columns(_priority(tickets.get_column("_x_priority")).alias("priority")).drop("_x_priority")
        ev = events.select("ticket_id", "event_at", "event_type", "actor", "actor_role", "value") \
            if "actor" in events.columns else events.select("ticket_id", "event_at", "event_type", "actor_role", "value")
        n_cases = tickets.height
        notes = [f"{raw.rows:,} event rows -> {n_cases:,} tickets (one per {col['case']!r}); "
                 f"status from {col['status']!r}" + (f" and {col['sub_status']!r}" if "sub_status" in col else "")]
        return Batch(tables={"tickets": mapping_mod.finish(tickets, "tickets"), "ticket_events": tc.events(ev)},
                     rows_in=raw.rows, rejects=rejects, warnings=warnings + raw.warnings + map_warnings,
                     target_table="tickets", source=options.source or Path(path).stem.lower(), source_tz=tz,
                     mapping=mapping, notes=notes)


def _priority(values: pl.Series) -> pl.Series:
    """Impact/priority words through the shared vocabulary (Major -> high, Medium -> normal, ...)."""
    table = dict(tc.vocab.VALUES["priority"])
    norm = values.cast(pl.String).str.to_lowercase().str.replace_all(r"[^0-9a-z]+", " ").str.strip_chars()
    return norm.replace_strict(table, default=None, return_dtype=pl.String).fill_null(norm)
