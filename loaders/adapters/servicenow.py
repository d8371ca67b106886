"""ServiceNow incidents: the incident table exported as CSV/XLSX (one row per incident, field
names like `number, opened_at, state, ...` or their labels `Number, Opened, State, ...`) and the
incident event log (one row per update: `number, incident_state, ..., sys_mod_count, ...,
sys_updated_at, ...`; e.g. the UCI "Incident management process enriched event log").

Definitions:
* An event log is collapsed to one ticket per `number`: the incident's last update (highest
  sys_mod_count, then latest sys_updated_at, then the later row) gives every field. Its rows are
  all loaded (rows_in counts file rows), and every row also becomes a status_change event
  (value = the normalised incident_state, at sys_updated_at, by sys_updated_by) so first and
  last resolution, reopens and waits come from the history.
* A row whose incident_state is not a state (`-100` in the UCI log) is rejected; the incident's
  other rows still make the ticket.
* created_at = opened_at; solved_at = resolved_at; closed_at; updated_at = sys_updated_at (or
  sys_updated_on); vendor_made_sla = made_sla; reopens = reopen_count; team = assignment_group;
  agent = assigned_to; customer_id and requester = caller_id; channel = contact_type;
  category; subject = short_description.
* Priorities `1 - Critical`..`5 - Planning` -> urgent, high, normal, low, low. States: Active /
  In Progress -> open, Awaiting User Info -> pending, Awaiting Problem/Vendor/Evidence and On
  Hold -> on_hold, Resolved -> solved, Closed/Canceled -> closed.
* `?` and blanks are missing; times are local (--tz, default settings, with a warning) and
  day-first when the data says so (`29/2/2016 01:16`).
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from loaders import mapping as mapping_mod
from loaders import parsing
from loaders.adapters import _ticket_common as tc
from loaders.base import Adapter, Batch, LoadOptions, Rejects, Sample
from loaders.files import ROW, read_table
from loaders.registry import register

COLUMNS: dict[str, list[str]] = {
    "source_id": ["number", "Number"],
    "created_at": ["opened_at", "Opened", "sys_created_on", "sys_created_at", "Created"],
    "updated_at": ["sys_updated_at", "sys_updated_on", "Updated"],
    "solved_at": ["resolved_at", "Resolved"],
    "closed_at": ["closed_at", "Closed"],
    "due_at": ["due_date", "Due date"],
    "status": ["incident_state", "state", "State", "Incident state"],
    "priority": ["priority", "Priority"],
    "channel": ["contact_type", "Contact type", "Channel"],
    "team": ["assignment_group", "Assignment group"],
    "agent": ["assigned_to", "Assigned to"],
    "requester": ["caller_id", "Caller"],
    "customer_id": ["caller_id", "Caller"],
    "category": ["category", "Category"],
    "subject": ["short_description", "Short description"],
    "reopens": ["reopen_count", "Reopen count"],
    "vendor_made_sla": ["made_sla", "Made SLA"],
}
EXTRA: dict[str, list[str]] = {
    "mod_count": ["sys_mod_count", "Updates"],
    "updated_by": ["sys_updated_by", "Updated by"],
}
REQUIRED = {"source_id": "number", "created_at": "opened_at", "status": "incident_state or state"}
SIGNATURE = {"number", "incident_state", "state", "opened_at", "sys_updated_at", "sys_updated_on", "sys_updated_by",
             "sys_mod_count", "made_sla", "caller_id", "assignment_group", "assigned_to", "contact_type",
             "reassignment_count", "reopen_count", "u_symptom", "cmdb_ci", "resolved_at", "closed_code", "short_description",
             "impact", "urgency"}
LABEL_SIGNATURE = {"number", "opened", "short description", "caller", "state", "assignment group", "assigned to",
                   "priority", "category", "updated"}
STATUSES = {"Active": "open", "In Progress": "open", "Awaiting User Info": "pending", "Awaiting Caller": "pending",
            "Awaiting Problem": "on_hold", "Awaiting Vendor": "on_hold", "Awaiting Evidence": "on_hold",
            "Awaiting Change": "on_hold", "On Hold": "on_hold", "Resolved": "solved", "Closed": "closed",
            "Canceled": "closed", "Cancelled": "closed", "New": "new"}
CHANNELS = {"Self-service": "web", "Self service": "web", "Walk-in": "phone", "Virtual Agent": "chat", "IVR": "phone"}
# The incident table's state codes, when exported as values instead of labels.
NUMERIC_STATES = {"1": "new", "2": "open", "3": "on_hold", "6": "solved", "7": "closed", "8": "closed"}
STATUSES.update(NUMERIC_STATES)


@register
class ServiceNowAdapter(Adapter):
    name = "servicenow"
    title = "ServiceNow incidents (export or event log)"
    family = "tickets"
    accepts = "ServiceNow incident exports (number, opened_at, state, ...) and incident event logs (one row per update)"

    def _score(self, sample: Sample) -> tuple[float, str]:
        if sample.is_dir:
            return 0.0, ""
        found = sample.header_set
        fields = SIGNATURE & found
        if "number" in found and "opened_at" in found and ({"incident_state", "state"} & found) and len(fields) >= 5:
            log = "sys_mod_count" in found or "sys_updated_at" in found
            return (0.98 if len(fields) >= 8 else 0.9), (
                f"ServiceNow incident {'event log' if log else 'export'} fields ({', '.join(sorted(fields)[:5])}, ...)")
        labels = LABEL_SIGNATURE & found
        if {"number", "opened", "state"} <= found and len(labels) >= 6:
            return 0.85, f"ServiceNow incident list labels ({', '.join(sorted(labels)[:5])}, ...)"
        return 0.0, ""

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not a ServiceNow incident file"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        if (given := tc.with_given_mapping(path, options)) is not None:
            return given
        raw = read_table(path, sheet=options.sheet)
        col = tc.pick_columns(raw.headers, {**COLUMNS, **EXTRA})
        if "customer_id" not in col and "requester" in col:
            col["customer_id"] = col["requester"]  # one header, two canonical columns
        tc.require(path.name, raw.headers, col, REQUIRED,
                   fix="export the incident table with its field names (number, opened_at, state, ...), "
                       "or load the file with a column mapping (--format generic --mapping MAP.toml)")
        rejects = Rejects()
        # Junk states are rejected before typing (the incident's other rows still count).
        state = tc.text_col(raw, col["status"])
        unknown = (state.str.contains(r"^-?\d+$") & ~state.is_in(list(NUMERIC_STATES))).fill_null(False)
        if bool(unknown.any()):
            bad = raw.frame.filter(unknown)
            for rec in bad.iter_rows(named=True):
                row = rec.pop(ROW)
                rejects.add(row, f"{col['status']} {rec[col['status']]!r} is not an incident state; this update row is "
                                 "left out (the incident's other rows are kept)",
                            column=col["status"], value=rec[col["status"]], raw=rec)
        rows_in = raw.rows
        raw.frame = raw.frame.filter(~unknown)
        tz, warnings = tc.account_tz(options, "ServiceNow", raw.frame.get_column(col["created_at"]))
        columns = {c: col[c] for c in COLUMNS if c in col}
        mod_count = (tc.add_raw(raw, "_x_mod", parsing.parse_int(raw.frame.get_column(col["mod_count"]))[0].cast(pl.String))
                     if "mod_count" in col else None)
        mapping = {"table": "tickets", "columns": columns, "timezone": tz,
                   "values": {"status": STATUSES, "channel": CHANNELS}}
        frame, rejects, map_warnings = mapping_mod.apply(raw, mapping, tz=tz, date_order=options.date_order, rejects=rejects)
        frame = tc.with_raw(frame, raw, {"_x_mod": mod_count, "_x_by": col.get("updated_by")})
        # Several rows per number: an event log (a plain export has one row per incident).
        is_log = frame.height > frame.get_column("source_id").n_unique()
        notes: list[str] = []
        tables: dict[str, pl.DataFrame] = {}
        if is_log:
            order = [c for c in ("_x_mod", "updated_at") if c in frame.columns]
            frame = frame.with_columns(pl.col("_x_mod").cast(pl.Int64, strict=False)) if "_x_mod" in frame.columns else frame
            ordered = frame.sort(["source_id"] + order + [ROW], nulls_last=False)
            tickets = ordered.group_by("source_id", maintain_order=True).last()
            ev_time = "updated_at" if "updated_at" in frame.columns else "created_at"
            events = ordered.select(
                pl.col("source_id").alias("ticket_id"), pl.col(ev_time).alias("event_at"),
                pl.lit("status_change").alias("event_type"),
                (pl.col("_x_by") if "_x_by" in ordered.columns else pl.lit(None, pl.String)).alias("actor"),
                pl.lit("agent").alias("actor_role"), pl.col("status").alias("value"),
            ).sort("ticket_id", "event_at", maintain_order=True)
            tables["ticket_events"] = tc.events(events)
            notes.append(f"{rows_in:,} update rows -> {tickets.height:,} incidents "
                         f"({events.height:,} status changes kept as events)")
        else:
            tickets = mapping_mod.dedupe_ids(frame, raw, rejects)
            notes.append(f"{tickets.height:,} incidents, one row each")
        tables["tickets"] = tickets.drop([c for c in tickets.columns if c.startswith("_x_")])
        if "vendor_made_sla" in tickets.columns:
            made = tickets.get_column("vendor_made_sla")
            notes.append(f"ServiceNow's made_sla kept in vendor_made_sla: true {int(made.sum() or 0):,}, "
                         f"false {int((~made).sum() or 0):,}")
        batch = Batch(tables=tables, rows_in=rows_in, rejects=rejects, warnings=warnings + raw.warnings + map_warnings,
                      target_table="tickets", source=options.source or "servicenow", source_tz=tz, mapping=mapping,
                      notes=notes)
        tc.drop_helpers(raw, batch)
        return batch
