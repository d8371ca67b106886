"""Zendesk Support ticket exports: the CSV export (Admin > Reports > Export, or the same columns
from Explore) and the JSON/NDJSON shape of the Incremental Ticket Export API.

Definitions (docs/ticket_metrics.md has the metric side):
* Times in the CSV are the account's local time: read in --tz (default: settings
  loading.default_timezone, with a warning). The API's times are UTC (`...Z`).
* customer_id = the organization (name in the CSV, name or id in JSON), else the requester id.
* The vendor's own minute columns (first reply, first/full resolution, calendar and business,
  agent/requester wait, on hold) are kept in `vendor_*` columns for reconciliation;
  first_response_at = created_at + "First reply time in minutes" when the export has it.
* created_by_agent: the submitter is an agent: equal to the assignee or one of the file's
  assignees (CSV), or a user whose role is agent/admin (JSON with side-loaded users).
* "Satisfaction Score" Good/Bad also becomes a `surveys` row (csat, 1/0 on 0..1, answered at
  the ticket's last update) so CSAT works from a Zendesk export alone; Offered/Unoffered do not.
* JSON comments/audits become ticket_events: an end-user's comment is a customer_message, an
  agent's public comment an agent_reply, a private one an internal_note; author -1 is Zendesk
  itself (system). Without side-loaded users, the requester is the customer and anyone who is
  an assignee somewhere in the file is an agent; other authors count as customers.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from loaders import parsing
from loaders.adapters import _ticket_common as tc
from loaders.base import Adapter, Batch, LoadError, LoadOptions, Sample, header_match
from loaders.files import ROW, RawTable, read_table
from loaders.generic import load_with_mapping
from loaders.registry import register

# role -> accepted headers, first match wins (case and punctuation do not matter).
CSV_COLUMNS: dict[str, list[str]] = {
    "source_id": ["Id", "Ticket ID"],
    "created_at": ["Created at", "Ticket created - Timestamp"],
    "updated_at": ["Updated at", "Ticket updated - Timestamp"],
    "solved_at": ["Solved at", "Ticket solved - Timestamp"],
    "due_at": ["Due date", "Due at"],
    "status": ["Status", "Ticket status"],
    "priority": ["Priority", "Ticket priority"],
    "channel": ["Via", "Ticket channel"],
    "team": ["Group", "Ticket group"],
    "agent": ["Assignee", "Assignee name"],
    "requester": ["Requester email", "Requester"],
    "subject": ["Subject", "Ticket subject"],
    "tags": ["Tags", "Ticket tags"],
    "reopens": ["Reopens"],
    "replies": ["Replies"],
    "group_stations": ["Group stations"],
    "satisfaction": ["Satisfaction Score", "Ticket satisfaction rating"],
    "vendor_first_reply_minutes": ["First reply time in minutes"],
    "vendor_first_reply_business_minutes": ["First reply time in minutes within business hours"],
    "vendor_first_resolution_minutes": ["First resolution time in minutes"],
    "vendor_first_resolution_business_minutes": ["First resolution time in minutes within business hours"],
    "vendor_full_resolution_minutes": ["Full resolution time in minutes"],
    "vendor_full_resolution_business_minutes": ["Full resolution time in minutes within business hours"],
    "vendor_agent_wait_minutes": ["Agent wait time in minutes"],
    "vendor_requester_wait_minutes": ["Requester wait time in minutes"],
    "vendor_on_hold_minutes": ["On hold time in minutes"],
}
# Helper roles (not canonical columns).
CSV_EXTRA: dict[str, list[str]] = {
    "organization": ["Organization", "Organization name"],
    "requester_id": ["Requester id", "Requester ID"],
    "submitter": ["Submitter", "Submitter name"],
    "category": ["Category", "Category [list]", "Ticket category", "Ticket Category [list]"],
    "ticket_type": ["Ticket type", "Type"],
}
CSV_REQUIRED = {"source_id": "Id (ticket id)", "created_at": "Created at", "status": "Status"}
CSV_SIGNATURE = {"summation column", "requester id", "requester external id", "group stations", "assignee stations",
                 "reopens", "replies", "first reply time in minutes", "first reply time in minutes within business hours",
                 "full resolution time in minutes", "ticket type", "initially assigned at", "solved at",
                 "satisfaction score", "assigned at", "submitter"}

# Zendesk's Via / via.channel values on top of loaders/vocab.py.
CHANNELS = {
    "Web Form": "web", "Web form": "web", "web": "web", "Web Widget": "web", "Help Center": "web", "Web service": "api",
    "Email": "email", "Mail": "email", "email": "email", "Forwarded email": "email",
    "Phone call (inbound)": "phone", "Phone call (outbound)": "phone", "Voicemail": "phone", "voice": "phone",
    "Chat": "chat", "chat": "chat", "Messaging": "chat", "native_messaging": "chat", "Mobile SDK": "chat", "mobile_sdk": "chat",
    "API": "api", "api": "api", "Closed ticket": "followup", "closed_ticket": "followup",
    "Twitter": "social", "Facebook": "social", "twitter": "social", "facebook": "social",
}
STATUSES = {"hold": "on_hold", "on-hold": "on_hold", "deleted": "closed"}


def _created_by_agent(submitter: pl.Series, assignee: pl.Series, agents: set | None = None) -> pl.Series:
    """The submitter is an agent when they are the assignee or assigned some ticket in the file
    (``agents``: the file's assignees, when ``assignee`` holds only part of the file)."""
    agents = set(assignee.drop_nulls().to_list()) if agents is None else agents
    return pl.select(
        pl.when(submitter.is_null()).then(None)
        .otherwise((submitter == assignee).fill_null(False) | submitter.is_in(list(agents)))
    ).to_series().alias("created_by_agent")


def _finish_tickets(batch: Batch, submitter: str | None = None) -> Batch:
    """first_response_at from the vendor's first-reply minutes; CSAT rows from the rating."""
    t = batch.tables["tickets"]
    if "vendor_first_reply_minutes" in t.columns:
        t = t.with_columns(
            pl.coalesce(pl.col("first_response_at") if "first_response_at" in t.columns else pl.lit(None, pl.Datetime("us")),
                        pl.col("created_at") + pl.duration(seconds=(pl.col("vendor_first_reply_minutes") * 60).round(0).cast(pl.Int64)))
            .alias("first_response_at"))
    if "tags" in t.columns:
        t = t.with_columns(pl.col("tags").str.replace_all(r"[,\s]+", " ").str.strip_chars())
    if "satisfaction" in t.columns:
        t = t.with_columns(pl.col("satisfaction").str.to_lowercase())
        responded = "updated_at" if "updated_at" in t.columns else "created_at"
        surveys = tc.surveys_from_tickets(t, responded)
        if surveys.height:
            batch.tables["surveys"] = surveys
            batch.notes.append(f"{surveys.height:,} satisfaction ratings (good/bad) also loaded as CSAT survey responses")
    batch.tables["tickets"] = t
    return batch


@register
class ZendeskCsvAdapter(Adapter):
    name = "zendesk_csv"
    title = "Zendesk ticket export (CSV/XLSX)"
    family = "tickets"
    accepts = "Zendesk Support CSV export: Id, Requester, ..., Created at, ..., First reply time in minutes, ..."

    def _score(self, sample: Sample) -> tuple[float, str]:
        if sample.is_dir or sample.suffix in ("json", "ndjson", "jsonl", "parquet"):
            return 0.0, ""
        score = header_match(sample, {"id", "created at", "status", "via"}, CSV_SIGNATURE)
        found = sorted(sample.header_set & CSV_SIGNATURE)
        if len(found) < 2:
            return 0.0, ""  # generic names only (id, created at, status): the generic loader's file
        return score, f"Zendesk export headers (Id, Created at, Status, Via + {len(found)} Zendesk columns such as {', '.join(found[:3]) or 'none'})"

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not a Zendesk ticket export"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        if (given := tc.with_given_mapping(path, options)) is not None:
            return given
        raw = read_table(path, sheet=options.sheet)
        col = self._columns(path, raw.headers)
        tz, warnings = tc.account_tz(options, "Zendesk", raw.frame.get_column(col["created_at"]))
        return self._load_raw(path, options, raw, col, tz, warnings)

    def load_stream(self, path: Path, options: LoadOptions, staged):
        """The file's batches (loaders/stream.py): what the whole-file load reads off the whole file
        (the assignees, the day/month order, the account zone's sample) is read off the staging
        table first; duplicate ids across batches are the store's to find."""
        from dataclasses import replace

        if options.mapping:
            from loaders.generic import GenericAdapter

            yield from GenericAdapter().load_stream(path, options, staged)
            return
        col = self._columns(path, staged.headers)
        tz, warnings = tc.account_tz(options, "Zendesk", staged.sample(col["created_at"]))
        agents = set(staged.distinct(col["agent"])) if "submitter" in col and "agent" in col else None
        dates = [h for c, h in col.items() if c in ("created_at", "updated_at", "solved_at", "due_at")]
        options = replace(options, date_order=staged.date_order(dates, options.date_order))
        for i, raw in enumerate(staged.batches()):
            yield self._load_raw(path, options, raw, col, tz, warnings if i == 0 else [], agents=agents, dedupe=False)

    def _columns(self, path: Path, headers: list[str]) -> dict[str, str]:
        col = tc.pick_columns(headers, {**CSV_COLUMNS, **CSV_EXTRA})
        tc.require(path.name, headers, col, CSV_REQUIRED,
                   fix="export the tickets again with Zendesk's standard columns (Id, Created at, Status), "
                       "or load the file with a column mapping (--format generic --mapping MAP.toml)")
        return col

    def _load_raw(self, path: Path, options: LoadOptions, raw: RawTable, col: dict, tz: str, warnings: list[str],
                  agents: set | None = None, dedupe: bool = True) -> Batch:
        columns = {c: col[c] for c in CSV_COLUMNS if c in col}
        customer = tc.text_col(raw, col.get("organization")).fill_null(tc.text_col(raw, col.get("requester_id")))
        columns["customer_id"] = tc.add_raw(raw, "_x_customer", customer)
        category = tc.text_col(raw, col.get("category")).fill_null(tc.text_col(raw, col.get("ticket_type")))
        columns["category"] = tc.add_raw(raw, "_x_category", category)
        if "submitter" in col and "agent" in col:
            flag = _created_by_agent(tc.text_col(raw, col["submitter"]), tc.text_col(raw, col["agent"]), agents)
            columns["created_by_agent"] = tc.add_raw(raw, "_x_by_agent", flag.cast(pl.String))
        mapping = {"table": "tickets", "columns": columns, "timezone": tz,
                   "values": {"channel": CHANNELS, "status": STATUSES}}
        kept = sorted(c for c in columns if c.startswith("vendor_"))
        batch = load_with_mapping(path, options, mapping, default_source="zendesk", raw=raw,
                                  notes=[f"Zendesk's own metrics kept for reconciliation: {', '.join(kept) or 'none in this export'}"],
                                  dedupe=dedupe)
        batch.warnings = list(warnings) + batch.warnings
        batch = _finish_tickets(batch)
        tc.drop_helpers(raw, batch)
        return batch


# ----------------------------------------------------------------------------------------- JSON
JSON_FIELDS = {  # raw column -> path in a ticket object
    "id": ("id",), "created_at": ("created_at",), "updated_at": ("updated_at",), "due_at": ("due_at",),
    "status": ("status",), "priority": ("priority",), "type": ("type",), "subject": ("subject",),
    "via.channel": ("via", "channel"), "group_id": ("group_id",), "assignee_id": ("assignee_id",),
    "requester_id": ("requester_id",), "submitter_id": ("submitter_id",), "organization_id": ("organization_id",),
    "satisfaction_rating.score": ("satisfaction_rating", "score"),
    "satisfaction_rating.comment": ("satisfaction_rating", "comment"),
    "metric_set.solved_at": ("metric_set", "solved_at"),
    "metric_set.reopens": ("metric_set", "reopens"), "metric_set.replies": ("metric_set", "replies"),
    "metric_set.group_stations": ("metric_set", "group_stations"),
    "metric_set.reply_time_in_minutes.calendar": ("metric_set", "reply_time_in_minutes", "calendar"),
    "metric_set.reply_time_in_minutes.business": ("metric_set", "reply_time_in_minutes", "business"),
    "metric_set.first_resolution_time_in_minutes.calendar": ("metric_set", "first_resolution_time_in_minutes", "calendar"),
    "metric_set.first_resolution_time_in_minutes.business": ("metric_set", "first_resolution_time_in_minutes", "business"),
    "metric_set.full_resolution_time_in_minutes.calendar": ("metric_set", "full_resolution_time_in_minutes", "calendar"),
    "metric_set.full_resolution_time_in_minutes.business": ("metric_set", "full_resolution_time_in_minutes", "business"),
    "metric_set.agent_wait_time_in_minutes.calendar": ("metric_set", "agent_wait_time_in_minutes", "calendar"),
    "metric_set.requester_wait_time_in_minutes.calendar": ("metric_set", "requester_wait_time_in_minutes", "calendar"),
    "metric_set.on_hold_time_in_minutes.calendar": ("metric_set", "on_hold_time_in_minutes", "calendar"),
}
JSON_COLUMNS = {  # canonical column -> raw column
    "source_id": "id", "created_at": "created_at", "updated_at": "updated_at", "due_at": "due_at",
    "status": "status", "priority": "priority", "channel": "via.channel", "subject": "subject",
    "satisfaction": "satisfaction_rating.score", "solved_at": "metric_set.solved_at",
    "reopens": "metric_set.reopens", "replies": "metric_set.replies", "group_stations": "metric_set.group_stations",
    "vendor_first_reply_minutes": "metric_set.reply_time_in_minutes.calendar",
    "vendor_first_reply_business_minutes": "metric_set.reply_time_in_minutes.business",
    "vendor_first_resolution_minutes": "metric_set.first_resolution_time_in_minutes.calendar",
    "vendor_first_resolution_business_minutes": "metric_set.first_resolution_time_in_minutes.business",
    "vendor_full_resolution_minutes": "metric_set.full_resolution_time_in_minutes.calendar",
    "vendor_full_resolution_business_minutes": "metric_set.full_resolution_time_in_minutes.business",
    "vendor_agent_wait_minutes": "metric_set.agent_wait_time_in_minutes.calendar",
    "vendor_requester_wait_minutes": "metric_set.requester_wait_time_in_minutes.calendar",
    "vendor_on_hold_minutes": "metric_set.on_hold_time_in_minutes.calendar",
}
JSON_SIGNATURE = {"via.channel", "requester_id", "submitter_id", "assignee_id", "group_id", "organization_id",
                  "satisfaction_rating.score", "has_incidents", "ticket_form_id", "brand_id"}
FIELD_EVENTS = {"status": "status_change", "priority": "priority_change", "assignee_id": "assignee_change",
                "group_id": "group_change"}
AGENT_ROLES = {"agent", "admin"}


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_zendesk_json(path: Path) -> tuple[list[tuple[int, dict]], dict[str, dict], dict[str, str], dict[str, str]]:
    """(row number, ticket) pairs and side-loaded users / group names / organization names.

    Accepts an API page ({"tickets": [...], "users": [...], ...}), an array of tickets, or
    NDJSON with one ticket (or one page, or one side-loaded user) per line."""
    text, _ = parsing.decode_bytes(path.read_bytes())
    text = text.strip()
    tickets: list[tuple[int, dict]] = []
    users: dict[str, dict] = {}
    groups: dict[str, str] = {}
    orgs: dict[str, str] = {}

    def take(obj: Any, row: int) -> None:
        if not isinstance(obj, dict):
            return
        if isinstance(obj.get("tickets"), list) or isinstance(obj.get("users"), list):
            for i, t in enumerate(obj.get("tickets") or []):
                if isinstance(t, dict):
                    tickets.append((row + i, t))
            for u in obj.get("users") or []:
                users[str(u.get("id"))] = u
            for g in obj.get("groups") or []:
                groups[str(g.get("id"))] = g.get("name")
            for o in obj.get("organizations") or []:
                orgs[str(o.get("id"))] = o.get("name")
            return
        if "ticket" in obj and isinstance(obj["ticket"], dict):
            tickets.append((row, obj["ticket"]))
        elif "role" in obj and "status" not in obj:
            users[str(obj.get("id"))] = obj
        else:
            tickets.append((row, obj))

    if not text:
        return tickets, users, groups, orgs
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    take(json.loads(line), number)
                except json.JSONDecodeError as exc:
                    raise LoadError(path.name, [f"line {number} is not JSON ({exc.msg})"],
                                    fix="export again; each line of an NDJSON file must be one JSON object") from exc
        return tickets, users, groups, orgs
    if isinstance(data, list):
        for i, obj in enumerate(data, start=1):
            take(obj, i)
    else:
        take(data, 1)
    return tickets, users, groups, orgs


def _user_name(users: dict[str, dict], user_id: Any) -> str | None:
    if user_id is None:
        return None
    if str(user_id) == "-1":
        return "Zendesk"  # the system user (triggers, automations)
    u = users.get(str(user_id))
    return (u.get("name") or u.get("email") or str(user_id)) if u else str(user_id)


def _events_from_json(tickets: list[tuple[int, dict]], users: dict[str, dict], groups: dict[str, str]) -> pl.DataFrame:
    agent_ids = {str(t.get("assignee_id")) for _, t in tickets if t.get("assignee_id") is not None}

    def role_of(author: Any, requester: Any) -> str:
        if author is None:
            return "system"
        if str(author) == "-1":
            return "system"
        u = users.get(str(author))
        if u:
            return "agent" if u.get("role") in AGENT_ROLES else "customer"
        if requester is not None and str(author) == str(requester):
            return "customer"
        return "agent" if str(author) in agent_ids else "customer"

    def message(ticket_id, at, author, requester, public) -> dict:
        role = role_of(author, requester)
        public = True if public is None else bool(public)
        kind = ("customer_message" if role == "customer" else
                "other" if role == "system" else "agent_reply" if public else "internal_note")
        return {"ticket_id": ticket_id, "event_at": at, "event_type": kind, "actor": _user_name(users, author),
                "actor_role": role, "is_public": public, "value": None, "previous_value": None}

    def shown(field: str, value: Any) -> str | None:
        if value is None:
            return None
        if field == "assignee_id":
            return _user_name(users, value)
        if field == "group_id":
            return groups.get(str(value), str(value))
        return _text(value)

    rows: list[dict] = []
    for _, t in tickets:
        tid, requester = _text(t.get("id")), t.get("requester_id")
        audits = t.get("audits") if isinstance(t.get("audits"), list) else None
        if audits:
            for audit in audits:
                at, author = audit.get("created_at"), audit.get("author_id")
                for ev in audit.get("events") or []:
                    kind = ev.get("type")
                    if kind in ("Comment", "VoiceComment"):
                        rows.append(message(tid, ev.get("created_at") or at, ev.get("author_id", author), requester,
                                            ev.get("public")))
                    elif kind in ("Create", "Change") and ev.get("field_name") in FIELD_EVENTS:
                        field = ev["field_name"]
                        role = role_of(author, requester)
                        rows.append({"ticket_id": tid, "event_at": at, "event_type": FIELD_EVENTS[field],
                                     "actor": _user_name(users, author), "actor_role": role, "is_public": None,
                                     "value": shown(field, ev.get("value")),
                                     "previous_value": shown(field, ev.get("previous_value"))})
        for c in t.get("comments") or [] if not audits else []:
            rows.append(message(tid, c.get("created_at"), c.get("author_id"), requester, c.get("public")))
    if not rows:
        return tc.empty_events()
    frame = pl.DataFrame(rows, schema={"ticket_id": pl.String, "event_at": pl.String, "event_type": pl.String,
                                       "actor": pl.String, "actor_role": pl.String, "is_public": pl.Boolean,
                                       "value": pl.String, "previous_value": pl.String}, orient="row")
    at, _ = tc.parse_times(frame.get_column("event_at"), "UTC")
    return frame.with_columns(at.alias("event_at"))


def _first_line_keys(text: str) -> set[str]:
    """Keys of the first NDJSON object (files too big for the sampler to flatten)."""
    try:
        first = json.loads(text.lstrip().splitlines()[0])
    except (ValueError, IndexError):
        return set()
    if not isinstance(first, dict):
        return set()
    keys = set(first)
    keys |= {f"{k}.{sub}" for k, v in first.items() if isinstance(v, dict) for sub in v}
    return {k.lower() for k in keys}


@register
class ZendeskJsonAdapter(Adapter):
    name = "zendesk_json"
    title = "Zendesk tickets (API JSON / NDJSON)"
    family = "tickets"
    accepts = "Zendesk Incremental Ticket Export API pages, ticket arrays or NDJSON (id, created_at, via.channel, ...)"

    def _score(self, sample: Sample) -> tuple[float, str]:
        if sample.is_dir or not sample.text.lstrip().startswith(("{", "[")):
            return 0.0, ""
        found = sample.header_set or _first_line_keys(sample.text)
        if not {"id", "created_at", "status"} <= found:
            if '"tickets"' in sample.text[:2000] and '"via"' in sample.text:
                return 0.9, "a Zendesk API page holding tickets"
            return 0.0, ""
        signature = JSON_SIGNATURE & found
        if len(signature) < 2:
            return 0.0, ""
        score = 0.97 if ".zendesk.com/api" in sample.text else 0.9 if len(signature) >= 4 else 0.75
        return score, f"Zendesk ticket objects (id, created_at, status + {', '.join(sorted(signature)[:4])})"

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not Zendesk ticket JSON"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        if (given := tc.with_given_mapping(path, options)) is not None:
            return given
        tickets, users, groups, orgs = read_zendesk_json(path)
        if not tickets:
            raise LoadError(path.name, ["no ticket objects found"],
                            fix="export tickets with the Incremental Ticket Export API (one page per file, an array, or NDJSON)")
        columns: dict[str, list] = {name: [_text(_get(t, p)) for _, t in tickets] for name, p in JSON_FIELDS.items()}
        columns["tags"] = [_text(t.get("tags")) for _, t in tickets]
        columns["_x_team"] = [groups.get(str(t.get("group_id")), _text(t.get("group_id"))) if t.get("group_id") is not None
                              else None for _, t in tickets]
        columns["_x_agent"] = [_user_name(users, t.get("assignee_id")) for _, t in tickets]
        columns["_x_requester"] = [(users.get(str(t.get("requester_id"))) or {}).get("email") or _text(t.get("requester_id"))
                                   for _, t in tickets]
        columns["_x_customer"] = [orgs.get(str(t.get("organization_id")), _text(t.get("organization_id")))
                                  if t.get("organization_id") is not None else _text(t.get("requester_id"))
                                  for _, t in tickets]
        agent_ids = {str(t.get("assignee_id")) for _, t in tickets if t.get("assignee_id") is not None}

        def by_agent(t: dict) -> str | None:
            sub, req = t.get("submitter_id"), t.get("requester_id")
            if sub is None:
                return None
            u = users.get(str(sub))
            if u:
                return "true" if u.get("role") in AGENT_ROLES else "false"
            return "true" if str(sub) != str(req) and str(sub) in agent_ids else "false"

        columns["_x_by_agent"] = [by_agent(t) for _, t in tickets]
        frame = pl.DataFrame(columns, schema={n: pl.String for n in columns})
        frame = frame.with_columns(pl.Series(ROW, [row for row, _ in tickets], dtype=pl.Int64))
        raw = RawTable(frame, list(columns), path.name, encoding="json")
        mapping_columns = {c: h for c, h in JSON_COLUMNS.items() if frame.get_column(h).is_not_null().any()
                           or c in ("source_id", "created_at", "status")}
        mapping_columns.update({"tags": "tags", "team": "_x_team", "agent": "_x_agent", "requester": "_x_requester",
                                "customer_id": "_x_customer", "created_by_agent": "_x_by_agent", "category": "type"})
        mapping = {"table": "tickets", "columns": mapping_columns, "timezone": options.tz or "UTC",
                   "values": {"channel": CHANNELS, "status": STATUSES}}
        batch = load_with_mapping(path, options, mapping, default_source="zendesk", raw=raw,
                                  notes=[f"{len(tickets):,} ticket objects; side-loaded: {len(users):,} users, "
                                         f"{len(groups):,} groups, {len(orgs):,} organizations"])
        batch.notes = [n for n in batch.notes if not n.startswith("read ")]
        t = batch.tables["tickets"]
        comments = frame.select("id", "satisfaction_rating.comment").rename({"id": "source_id", "satisfaction_rating.comment": "_c"})
        batch = _finish_tickets(batch)
        if "surveys" in batch.tables:
            s = batch.tables["surveys"].drop("comment").join(comments.unique("source_id", keep="last"),
                                                             left_on="ticket_id", right_on="source_id", how="left")
            batch.tables["surveys"] = s.rename({"_c": "comment"})
        kept = set(t.get_column("source_id").to_list())
        ev = _events_from_json([(r, tk) for r, tk in tickets if _text(tk.get("id")) in kept], users, groups)
        if ev.height:
            batch.tables["ticket_events"] = tc.events(ev)
            counts = ev.group_by("event_type").len().sort("event_type")
            batch.notes.append("events: " + ", ".join(f"{k} {n:,}" for k, n in counts.iter_rows()))
        tc.drop_helpers(raw, batch)
        return batch
