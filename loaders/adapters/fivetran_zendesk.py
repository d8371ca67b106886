"""Zendesk tables as Fivetran syncs them (one CSV or Parquet file per table in a folder), with
Fivetran's column names (fivetran/dbt_zendesk_source, macros/get_*_columns.sql).

Read: ticket (required), ticket_comment, ticket_field_history, ticket_tag, user, group,
organization, schedule, schedule_holiday, ticket_schedule. time_zone and daylight_time are not
needed: schedule zones are resolved with the IANA database (metrics.business_time.resolve_tz).

Definitions:
* Fivetran writes UTC; rows with `_fivetran_deleted` true are rejected (deleted in Zendesk).
* ticket_comment -> ticket_events: an end-user's comment is a customer_message, an agent's or
  admin's public comment an agent_reply, a private one an internal_note.
* ticket_field_history rows for status, priority, assignee_id and group_id -> status_change,
  priority_change, assignee_change, group_change (previous_value = the field's previous row);
  a change without a user is the system's.
* schedule (start_time/end_time = minutes from Sunday 00:00 local) -> schedules;
  schedule_holiday -> one schedule_holidays row per day from start_date to end_date;
  ticket_schedule -> ticket_schedules (valid from the row's created_at). As in dbt_zendesk, a
  ticket without a row at creation (within 5 s) follows the account's default schedule, the
  earliest-created one (``account_default_schedule``), until a row sets another: written once
  per source to default_schedules; a row within 5 s of creation is moved back to creation
  (``set_on_creation``).
* created_by_agent: the submitter is an agent/admin and not the requester (without the user
  table: the submitter is not the requester).
* team/agent/requester/customer are names when the group/user/organization tables are there,
  ids otherwise; customer_id = organization, else the requester.
* Batch.rows_in is the ticket table's rows; the other tables ride along (counts in the notes).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from loaders import mapping as mapping_mod
from loaders import parsing
from loaders.adapters import _ticket_common as tc
from loaders.adapters.zendesk import CHANNELS, STATUSES
from loaders.base import Adapter, Batch, LoadError, LoadOptions, Sample
from loaders.files import ROW, RawTable, read_table
from loaders.generic import load_with_mapping
from loaders.registry import register

TABLES = ("ticket", "ticket_comment", "ticket_field_history", "ticket_tag", "user", "group", "organization",
          "schedule", "schedule_holiday", "ticket_schedule", "time_zone", "daylight_time")
SUFFIXES = (".csv", ".parquet", ".tsv", ".ndjson", ".json")
TICKET_REQUIRED = {"id": "id (ticket id)", "created_at": "created_at", "status": "status"}
TICKET_COLUMNS = {  # canonical column -> Fivetran column
    "source_id": "id", "created_at": "created_at", "updated_at": "updated_at", "due_at": "due_at",
    "status": "status", "priority": "priority", "channel": "via_channel", "subject": "subject", "category": "type",
}
FIELD_EVENTS = {"status": "status_change", "priority": "priority_change", "assignee_id": "assignee_change",
                "group_id": "group_change"}
# Zendesk's own zone names, for when metrics.business_time is not importable.
_FALLBACK_ZONES = {"eastern time (us & canada)": "America/New_York", "central time (us & canada)": "America/Chicago",
                   "mountain time (us & canada)": "America/Denver", "pacific time (us & canada)": "America/Los_Angeles",
                   "london": "Europe/London", "berlin": "Europe/Berlin", "paris": "Europe/Paris",
                   "moscow": "Europe/Moscow", "utc": "UTC", "tokyo": "Asia/Tokyo", "sydney": "Australia/Sydney"}


def resolve_zone(name: str) -> str:
    try:
        from metrics.business_time import resolve_tz
    except ImportError:
        resolve_tz = None
    if resolve_tz is not None:
        return resolve_tz(name)
    key = str(name).strip().lower()
    if key in _FALLBACK_ZONES:
        return _FALLBACK_ZONES[key]
    import zoneinfo

    zoneinfo.ZoneInfo(name)  # raises for an unknown zone
    return name


# dbt_zendesk (int_zendesk__ticket_schedules): a ticket_schedule row at most this long after the
# ticket's creation is the schedule a trigger set on creation, so the default never applied.
TRIGGER_GRACE = dt.timedelta(seconds=5)


@dataclass(frozen=True)
class DefaultSchedule:
    """The account's default schedule: what tickets without a trigger-set schedule follow."""
    schedule_id: str
    name: str | None
    why: str


def _id_order(schedule_id: str) -> tuple:
    """Zendesk ids are integers given in creation order: compare them as numbers."""
    return (0, int(schedule_id), "") if schedule_id.isdigit() else (1, 0, schedule_id)


def account_default_schedule(sched: pl.DataFrame) -> DefaultSchedule | None:
    """The schedule fivetran/dbt_zendesk takes for the account's default: the one created first,
    i.e. the smallest `created_at` (when the schedule was created in Zendesk; every weekly-interval
    row of a schedule carries the same value) among rows not `_fivetran_deleted` (`sched` comes
    without them). dbt's `row_number() over (order by created_at)` leaves ties and NULLs to the
    warehouse; here a missing created_at sorts last and a tie goes to the lowest id, which Zendesk
    hands out in creation order. Without a created_at column the lowest id is taken for the same reason."""
    sched = sched.filter(pl.col("id").is_not_null())
    if not sched.height:
        return None
    has_created = "created_at" in sched.columns
    created = tc.parse_times(sched.get_column("created_at"), "UTC")[0] if has_created else \
        pl.Series([None] * sched.height, dtype=pl.Datetime("us"))
    names = sched.get_column("name") if "name" in sched.columns else pl.Series([None] * sched.height, dtype=pl.String)
    per = (pl.DataFrame({"id": sched.get_column("id"), "name": names, "created": created})
           .group_by("id").agg(pl.col("created").min(), pl.col("name").drop_nulls().first()))
    rows = sorted(per.iter_rows(named=True), key=lambda r: (r["created"] is None, r["created"] or dt.datetime.min,
                                                            _id_order(r["id"])))
    first = rows[0]
    if first["created"] is None:
        why = ("the schedule table has no created_at: " if not has_created else "no schedule has a created_at: ") + \
              "the lowest id, as Zendesk numbers schedules in creation order"
    else:
        why = f"created {first['created']:%Y-%m-%d %H:%M:%S} UTC"
        tied = [r["id"] for r in rows[1:] if r["created"] == first["created"]]
        if tied:
            why += f", the same instant as {', '.join(tied)}: the lowest id is taken"
    return DefaultSchedule(str(first["id"]), first["name"], why)


def set_on_creation(assigned: pl.DataFrame, tickets: pl.DataFrame, default_id: str) -> tuple[pl.DataFrame, int]:
    """dbt_zendesk's rule for the account default (int_zendesk__ticket_schedules): it applies from a
    ticket's creation unless a ticket_schedule row comes within TRIGGER_GRACE after it (a trigger
    set that schedule on creation). Such a row is moved back to created_at, so no second of the
    ticket is left to the default (dbt leaves those seconds without a schedule). Elsewhere the
    default needs no row (business time falls back to default_schedules before a ticket's first
    row), except for a ticket with a row stamped before its creation (clock skew): as in dbt, the
    default takes over at creation, so that row (default, created_at) is written. Returns the rows
    and how many tickets follow the default from creation."""
    created = tickets.select(pl.col("source_id").alias("ticket_id"), pl.col("created_at").cast(pl.Datetime("us")).alias("__created")
                             ).filter(pl.col("ticket_id").is_not_null() & pl.col("__created").is_not_null()
                                      ).unique("ticket_id", keep="first")
    rows = assigned.with_row_index("__i").join(created, on="ticket_id", how="left")
    on_creation = (rows.filter((pl.col("valid_from") >= pl.col("__created"))
                               & (pl.col("valid_from") <= pl.col("__created") + TRIGGER_GRACE))
                   .sort("ticket_id", "valid_from", "schedule_id").unique("ticket_id", keep="first"))
    moved = on_creation.get_column("__i").implode()
    rows = rows.with_columns(pl.when(pl.col("__i").is_in(moved)).then(pl.col("__created"))
                             .otherwise(pl.col("valid_from")).alias("valid_from"))
    early = (rows.filter((pl.col("valid_from") < pl.col("__created"))
                         & ~pl.col("ticket_id").is_in(on_creation.get_column("ticket_id").implode()))
             .unique("ticket_id").select("ticket_id", pl.lit(default_id, pl.String).alias("schedule_id"),
                                         pl.col("__created").alias("valid_from")))
    out = pl.concat([rows.select("ticket_id", "schedule_id", "valid_from"), early])
    return out.sort("ticket_id", "valid_from", "schedule_id"), created.height - on_creation.height


def table_files(folder: Path) -> dict[str, Path]:
    """Fivetran table name -> its file in the folder (`ticket.csv`, `ZENDESK_TICKET.parquet`, ...)."""
    found: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.suffix.lower() not in SUFFIXES:
            continue
        stem = p.stem.lower()
        for prefix in ("zendesk__", "zendesk_", "zendesk."):
            if stem.startswith(prefix):
                stem = stem[len(prefix):]
        if stem in TABLES and stem not in found:
            found[stem] = p
    return found


def _lower_headers(raw: RawTable) -> RawTable:
    """Warehouse exports often upper-case column names (Snowflake): Fivetran's are lower-case."""
    renamed = {c: c.lower() for c in raw.frame.columns if c != ROW and c != c.lower()}
    if renamed:
        raw.frame = raw.frame.rename(renamed)
        raw.headers = [renamed.get(h, h) for h in raw.headers]
    return raw


def _read(files: dict[str, Path], table: str) -> pl.DataFrame | None:
    """A side table as text, deleted rows dropped."""
    if table not in files:
        return None
    frame = _lower_headers(read_table(files[table])).frame
    frame = frame.select([pl.col(ROW)] + [parsing.null_missing(frame.get_column(c)).alias(c)
                                          for c in frame.columns if c != ROW])
    if "_fivetran_deleted" in frame.columns:
        deleted, _ = parsing.parse_bool(frame.get_column("_fivetran_deleted"))
        frame = frame.filter(~deleted.fill_null(False))
    return frame


def _lookup(frame: pl.DataFrame | None, key: str, value: str) -> dict[str, str]:
    if frame is None or key not in frame.columns or value not in frame.columns:
        return {}
    return {k: v for k, v in frame.select(key, value).iter_rows() if k is not None and v is not None}


def _need(frame: pl.DataFrame, table: str, path: Path, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LoadError(f"{path.name}/{table}", [f"no {c!r} column in the {table} table" for c in missing],
                        found=[c for c in frame.columns if c != ROW],
                        fix="export the table with Fivetran's column names (see fivetran/dbt_zendesk_source macros/get_*_columns.sql)")


@register
class FivetranZendeskAdapter(Adapter):
    name = "zendesk_fivetran"
    title = "Zendesk tables synced by Fivetran (folder)"
    family = "tickets"
    accepts = "a folder of Fivetran Zendesk tables: ticket, ticket_comment, ticket_field_history, user, group, schedule, ... (.csv/.parquet)"

    def _score(self, sample: Sample) -> tuple[float, str]:
        if not sample.is_dir:
            return 0.0, ""
        stems = set()
        for child in sample.children:
            stem, _, suffix = child.rpartition(".")
            stem = stem.removeprefix("zendesk__").removeprefix("zendesk_")
            if f".{suffix}" in SUFFIXES and stem in TABLES:
                stems.add(stem)
        if "ticket" not in stems:
            return 0.0, ""
        others = sorted(stems - {"ticket"})
        score = 0.97 if len(others) >= 2 else 0.85 if others else 0.7
        return score, f"a folder with Fivetran's Zendesk tables: ticket + {', '.join(others) or 'nothing else'}"

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not a Fivetran Zendesk folder"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        path = Path(path)
        if not path.is_dir():
            raise LoadError(path.name, ["zendesk_fivetran reads a folder of tables, not a single file"],
                            fix="pass the folder holding ticket.csv, ticket_comment.csv, ...")
        files = table_files(path)
        if "ticket" not in files:
            raise LoadError(path.name, ["no ticket table (ticket.csv or ticket.parquet) in the folder"],
                            found=sorted(p.name for p in path.iterdir()),
                            fix="add the ticket table Fivetran synced (the other tables are optional)")
        raw = _lower_headers(read_table(files["ticket"]))
        missing = [f"no {what!r} column in the ticket table" for c, what in TICKET_REQUIRED.items() if c not in raw.headers]
        if missing:
            raise LoadError(f"{path.name}/{files['ticket'].name}", missing, found=raw.headers,
                            fix="export the ticket table with Fivetran's column names (id, created_at, status, ...)")
        users = _read(files, "user")
        groups = _read(files, "group")
        orgs = _read(files, "organization")
        user_name = _lookup(users, "id", "name")
        user_email = _lookup(users, "id", "email")
        user_role = _lookup(users, "id", "role")
        group_name = _lookup(groups, "id", "name")
        org_name = _lookup(orgs, "id", "name")

        def named(column: str, names: dict[str, str]) -> pl.Series:
            ids = tc.text_col(raw, column)
            return ids.replace_strict(names, default=ids, return_dtype=pl.String) if names else ids

        columns = {c: h for c, h in TICKET_COLUMNS.items() if h in raw.headers}
        columns["team"] = tc.add_raw(raw, "_x_team", named("group_id", group_name))
        columns["agent"] = tc.add_raw(raw, "_x_agent", named("assignee_id", user_name))
        columns["requester"] = tc.add_raw(raw, "_x_requester", named("requester_id", user_email or user_name))
        customer = named("organization_id", org_name).fill_null(tc.text_col(raw, "requester_id"))
        columns["customer_id"] = tc.add_raw(raw, "_x_customer", customer)
        submitter, requester = tc.text_col(raw, "submitter_id"), tc.text_col(raw, "requester_id")
        if user_role and "submitter_id" in raw.headers:
            role = submitter.replace_strict(user_role, default=None, return_dtype=pl.String)
            by_agent = pl.select(pl.when(submitter.is_null()).then(None)
                                 .otherwise(role.is_in(["agent", "admin"]).fill_null(False) & (submitter != requester).fill_null(True))
                                 ).to_series()
            columns["created_by_agent"] = tc.add_raw(raw, "_x_by_agent", by_agent.cast(pl.String))
        elif "submitter_id" in raw.headers and "requester_id" in raw.headers:
            # No user table: someone other than the requester submitted it (an agent, as a rule).
            by_agent = pl.select(pl.when(submitter.is_null() | requester.is_null()).then(None)
                                 .otherwise(submitter != requester)).to_series()
            columns["created_by_agent"] = tc.add_raw(raw, "_x_by_agent", by_agent.cast(pl.String))
        tags = _read(files, "ticket_tag")
        if tags is not None and {"ticket_id", "tag"} <= set(tags.columns):
            joined = tags.group_by("ticket_id", maintain_order=True).agg(pl.col("tag").drop_nulls().str.join(" "))
            tag_map = dict(joined.iter_rows())
            columns["tags"] = tc.add_raw(raw, "_x_tags", tc.text_col(raw, "id").replace_strict(tag_map, default=None,
                                                                                              return_dtype=pl.String))
        mapping = {"table": "tickets", "columns": columns, "timezone": "UTC",
                   "values": {"channel": CHANNELS, "status": STATUSES}}
        opts = LoadOptions(**{**options.__dict__, "tz": "UTC"})  # Fivetran writes UTC
        batch = load_with_mapping(files["ticket"], opts, mapping, default_source="zendesk", raw=raw)
        batch.notes = [n for n in batch.notes if not n.startswith("read ")]
        batch.notes.append(f"ticket table: {raw.rows:,} rows; tables found: {', '.join(sorted(files))}")
        if "_fivetran_deleted" in raw.headers:
            # Deleted in Zendesk: read, not loaded (a reject, so rows in = loaded + rejected).
            deleted, _ = parsing.parse_bool(raw.frame.get_column("_fivetran_deleted"))
            gone = raw.frame.filter(deleted.fill_null(False))
            rows = set(gone.get_column(ROW).to_list())
            t = batch.tables["tickets"]
            batch.tables["tickets"] = t.filter(~pl.col(ROW).is_in(list(rows)))
            already = {r["row_number"] for r in batch.rejects.rows}
            for rec in gone.iter_rows(named=True):
                number = rec.pop(ROW)
                if number not in already:
                    batch.rejects.add(number, "deleted in Zendesk (_fivetran_deleted is true); nothing to load",
                                      column="_fivetran_deleted", value=rec.get("_fivetran_deleted"),
                                      raw={k: v for k, v in rec.items() if not k.startswith("_x_")})
        kept = set(batch.tables["tickets"].get_column("source_id").to_list())

        events = []
        comments = _read(files, "ticket_comment")
        if comments is not None:
            _need(comments, "ticket_comment", path, ["ticket_id", "created", "public", "user_id"])
            events.append(self._comment_events(comments, user_name, user_role, raw))
        history = _read(files, "ticket_field_history")
        if history is not None:
            _need(history, "ticket_field_history", path, ["ticket_id", "field_name", "updated", "value"])
            events.append(self._history_events(history, user_name, user_role, group_name))
        if events:
            ev = pl.concat(events, how="diagonal_relaxed")
            ev = ev.filter(pl.col("ticket_id").is_in(list(kept)))
            at, bad = tc.parse_times(ev.get_column("event_at"), "UTC")
            ev = ev.with_columns(at.alias("event_at")).sort("ticket_id", "event_at", "__order").drop("__order")
            if bad:
                batch.warnings.append(f"{bad:,} comment/history rows have an unreadable time and were left out")
            batch.tables["ticket_events"] = tc.events(ev)
            counts = ev.group_by("event_type").len().sort("event_type")
            batch.notes.append("events: " + ", ".join(f"{k} {n:,}" for k, n in counts.iter_rows()))
            t = batch.tables["tickets"]
            solved = (ev.filter((pl.col("event_type") == "status_change") & pl.col("value").is_in(["solved", "closed"]))
                      .group_by("ticket_id").agg(pl.col("event_at").min().alias("_x_first"), pl.col("event_at").max().alias("_x_last")))
            t = t.join(solved, left_on="source_id", right_on="ticket_id", how="left")
            t = t.with_columns(pl.col("_x_first").alias("first_solved_at"), pl.col("_x_last").alias("solved_at"))
            batch.tables["tickets"] = t
        self._schedules(files, path, batch, kept, batch.tables["tickets"])
        tc.drop_helpers(raw, batch)
        return batch

    @staticmethod
    def _role(user_ids: pl.Series, user_role: dict[str, str], requester: dict[str, str], ticket_ids: pl.Series) -> pl.Series:
        """customer / agent / system for each author."""
        role = user_ids.replace_strict(user_role, default=None, return_dtype=pl.String) if user_role else \
            pl.Series([None] * len(user_ids), dtype=pl.String)
        req = ticket_ids.replace_strict(requester, default=None, return_dtype=pl.String)
        return pl.select(
            pl.when(user_ids.is_null()).then(pl.lit("system"))
            .when(role.is_in(["agent", "admin"])).then(pl.lit("agent"))
            .when(role.is_not_null()).then(pl.lit("customer"))
            .when(user_ids == req).then(pl.lit("customer"))
            .otherwise(pl.lit("agent"))
        ).to_series()

    def _comment_events(self, comments: pl.DataFrame, user_name, user_role, raw: RawTable) -> pl.DataFrame:
        requester = dict(raw.frame.select(pl.col("id").cast(pl.String), pl.col("requester_id").cast(pl.String)).iter_rows()) \
            if "requester_id" in raw.frame.columns else {}
        public, _ = parsing.parse_bool(comments.get_column("public"))
        public = public.fill_null(True)
        role = self._role(comments.get_column("user_id"), user_role, requester, comments.get_column("ticket_id"))
        kind = pl.select(pl.when(role == "customer").then(pl.lit("customer_message"))
                         .when(role == "system").then(pl.lit("other"))
                         .when(public).then(pl.lit("agent_reply")).otherwise(pl.lit("internal_note"))).to_series()
        actor = comments.get_column("user_id")
        return pl.DataFrame({
            "ticket_id": comments.get_column("ticket_id"), "event_at": comments.get_column("created"),
            "event_type": kind, "actor": actor.replace_strict(user_name, default=actor, return_dtype=pl.String) if user_name else actor,
            "actor_role": role, "is_public": public,
            "__order": comments.get_column(ROW) * 2,
        })

    def _history_events(self, history: pl.DataFrame, user_name, user_role, group_name) -> pl.DataFrame:
        h = history.filter(pl.col("field_name").is_in(list(FIELD_EVENTS)))
        h = h.with_row_index("__i")
        at, _ = tc.parse_times(h.get_column("updated"), "UTC")
        h = h.with_columns(at.alias("__at")).sort("ticket_id", "field_name", "__at", "__i")
        h = h.with_columns(pl.col("value").shift(1).over("ticket_id", "field_name").alias("previous_value"))
        value, previous = h.get_column("value"), h.get_column("previous_value")
        field = h.get_column("field_name")

        def shown(series: pl.Series) -> pl.Series:
            as_user = series.replace_strict(user_name, default=series, return_dtype=pl.String) if user_name else series
            as_group = series.replace_strict(group_name, default=series, return_dtype=pl.String) if group_name else series
            as_status = tc.canonical_status(series, STATUSES)
            return pl.select(pl.when(field == "assignee_id").then(as_user).when(field == "group_id").then(as_group)
                             .when(field == "status").then(as_status).otherwise(series.str.to_lowercase())).to_series()

        user_ids = h.get_column("user_id") if "user_id" in h.columns else pl.Series([None] * h.height, dtype=pl.String)
        role = pl.select(pl.when(user_ids.is_null()).then(pl.lit("system"))
                         .when(user_ids.replace_strict(user_role, default=None, return_dtype=pl.String).is_in(["end-user"]))
                         .then(pl.lit("customer")).otherwise(pl.lit("agent"))).to_series() if user_role else \
            pl.select(pl.when(user_ids.is_null()).then(pl.lit("system")).otherwise(pl.lit("agent"))).to_series()
        return pl.DataFrame({
            "ticket_id": h.get_column("ticket_id"), "event_at": h.get_column("updated"),
            "event_type": field.replace_strict(FIELD_EVENTS, return_dtype=pl.String),
            "actor": user_ids.replace_strict(user_name, default=user_ids, return_dtype=pl.String) if user_name else user_ids,
            "actor_role": role, "value": shown(value), "previous_value": shown(previous),
            # a status change and a comment at the same second: the change first
            "__order": h.get_column(ROW) * 2 - 1,
        })

    def _schedules(self, files: dict[str, Path], path: Path, batch: Batch, kept: set[str], tickets: pl.DataFrame) -> None:
        sched = _read(files, "schedule")
        notes = []
        default = None
        if sched is not None and sched.height:
            _need(sched, "schedule", path, ["id", "start_time", "end_time", "time_zone"])
            zones, problems = {}, []
            for name in sched.get_column("time_zone").drop_nulls().unique().to_list():
                try:
                    zones[name] = resolve_zone(name)
                except Exception as exc:  # every unknown zone name is listed together below
                    problems.append(f"schedule time_zone {name!r}: {exc}")
            if problems:
                raise LoadError(f"{path.name}/{files['schedule'].name}", problems,
                                fix="use Zendesk's zone names (e.g. 'Eastern Time (US & Canada)') or IANA names")
            start, _ = parsing.parse_int(sched.get_column("start_time"))
            end, _ = parsing.parse_int(sched.get_column("end_time"))
            frame = pl.DataFrame({
                "schedule_id": sched.get_column("id"),
                "name": sched.get_column("name") if "name" in sched.columns else pl.Series([None] * sched.height, dtype=pl.String),
                "time_zone": sched.get_column("time_zone").replace_strict(zones, default=None, return_dtype=pl.String),
                "start_minute": start.cast(pl.Int32), "end_minute": end.cast(pl.Int32),
            }).filter(pl.col("start_minute").is_not_null() & pl.col("end_minute").is_not_null())
            batch.tables["schedules"] = mapping_mod.finish(frame, "schedules").drop(ROW, strict=False)
            notes.append(f"{frame.get_column('schedule_id').n_unique():,} schedules ({frame.height:,} weekly intervals)")
            default = account_default_schedule(sched.filter(pl.col("id").is_in(frame.get_column("schedule_id").implode())))
        hol = _read(files, "schedule_holiday")
        if hol is not None and hol.height:
            _need(hol, "schedule_holiday", path, ["schedule_id", "start_date", "end_date"])
            first, _, _ = parsing.parse_date(hol.get_column("start_date"))
            last, _, _ = parsing.parse_date(hol.get_column("end_date"))
            rows = []
            names = hol.get_column("name").to_list() if "name" in hol.columns else [None] * hol.height
            for sid, a, b, name in zip(hol.get_column("schedule_id").to_list(), first.to_list(), last.to_list(), names):
                if sid is None or a is None:
                    continue
                b = b or a
                for i in range((b - a).days + 1):
                    rows.append({"schedule_id": sid, "holiday_date": a + dt.timedelta(days=i), "name": name})
            frame = pl.DataFrame(rows, schema={"schedule_id": pl.String, "holiday_date": pl.Date, "name": pl.String})
            batch.tables["schedule_holidays"] = mapping_mod.finish(frame.unique(["schedule_id", "holiday_date"], maintain_order=True),
                                                                   "schedule_holidays").drop(ROW, strict=False)
            notes.append(f"{len(rows):,} holiday days")
        ts = _read(files, "ticket_schedule")
        assigned = pl.DataFrame(schema={"ticket_id": pl.String, "schedule_id": pl.String, "valid_from": pl.Datetime("us")})
        if ts is not None and ts.height:
            _need(ts, "ticket_schedule", path, ["ticket_id", "schedule_id", "created_at"])
            at, _ = tc.parse_times(ts.get_column("created_at"), "UTC")
            assigned = pl.DataFrame({"ticket_id": ts.get_column("ticket_id"), "schedule_id": ts.get_column("schedule_id"),
                                     "valid_from": at.cast(pl.Datetime("us"))}
                                    ).filter(pl.col("ticket_id").is_in(list(kept)) & pl.col("valid_from").is_not_null())
            notes.append(f"{assigned.height:,} ticket schedule assignments")
        if default is not None:
            assigned, defaulted = set_on_creation(assigned, tickets, default.schedule_id)
            batch.tables["default_schedules"] = pl.DataFrame({"schedule_id": [default.schedule_id]})
            said = (f"default schedule: {default.schedule_id}" + (f" {default.name!r}" if default.name else "")
                    + f", the account's earliest-created schedule ({default.why}); {defaulted:,} of {tickets.height:,} "
                    "tickets have no ticket_schedule row at creation and follow it until a trigger sets another")
        else:
            said = ("default schedule: the folder has no schedule table (or only deleted rows), so tickets without a "
                    "ticket_schedule row, and the time before their first one, follow [business_hours] in the settings")
        if assigned.height:
            batch.tables["ticket_schedules"] = mapping_mod.finish(assigned, "ticket_schedules").drop(ROW, strict=False)
        if notes:
            batch.notes.append("business hours: " + ", ".join(notes))
        batch.notes.append(said)
