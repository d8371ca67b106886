"""Aircall calls: the Call object of the public API as CSV/JSON (id, direction, status,
missed_call_reason, started_at, answered_at, ended_at, duration, raw_digits, user, number,
tags, ...; nested JSON arrives as user.name, number.name) and the Analytics+ call export
(Call ID (internal), Call direction, Answered, Unanswered Call Reason, ...). Epoch seconds
(the API) are UTC; text times without an offset are local to ``--tz``.

Definitions:
* answered: an answer time (else the Answered Yes/No column, else status/call type).
* outcome of an unanswered call from Aircall's missed call reason: short_abandoned,
  abandoned_in_ivr, abandoned_in_classic, abandoned -> abandoned; out_of_opening_hours,
  no_available_agent, agents_did_not_answer -> missed; a voicemail left -> voicemail;
  an unanswered outbound call -> missed.
* wait_seconds: answered_at - started_at; for an unanswered call ended_at - started_at (the
  whole ring), so a short_abandoned call has a wait under Aircall's 10 s threshold.
* talk_seconds: the in-call duration when exported, else ended_at - answered_at.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from loaders.adapters import _contact_maps as maps
from loaders.adapters._contact_common import (duration_seconds, finish, pick_columns, require, seconds_between,
                                              squash, squashed_headers, text, with_raw)
from loaders.base import Adapter, Batch, LoadOptions, Sample
from loaders.files import read_table
from loaders.generic import load_with_mapping
from loaders.parsing import parse_bool
from loaders.registry import register


@register
class AircallCallsAdapter(Adapter):
    name = "aircall_calls"
    title = "Aircall call export (CSV/JSON)"
    family = "calls"
    accepts = "Aircall calls: id, direction, status, missed_call_reason, started_at, answered_at, ended_at, duration, user, ..."

    def _score(self, sample: Sample) -> tuple[float, str]:
        found = squashed_headers(sample.headers)
        has_reason = bool({"missedcallreason", "unansweredcallreason"} & found)
        has_direction = bool({"direction", "calldirection"} & found)
        has_start = bool({"startedat", "datetimeutc", "datetime", "starttime", "date"} & found)
        if has_reason and has_direction and has_start:
            return 0.95, "Aircall columns: missed call reason, direction, start time"
        if {"startedat", "answeredat", "endedat", "direction", "rawdigits"} <= found:
            return 0.9, "Aircall API call fields started_at, answered_at, ended_at, raw_digits"
        return 0.0, ""

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not an Aircall export"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        raw = read_table(path, sheet=options.sheet)
        col = pick_columns(raw.headers, maps.AIRCALL_COLUMNS)
        require(path.name, raw.headers, col, {"id": "id (call id)", "start": "started_at", "direction": "direction"},
                fix="export calls with their id, direction and start time, or load the file with a column mapping")
        if not ({"answer", "answered", "status", "reason"} & set(col)):
            require(path.name, raw.headers, col, {"answer": "answered_at (or Answered / status / missed_call_reason)"},
                    fix="an Aircall export needs a column telling answered calls apart")
        columns = {"source_id": col["id"], "queued_at": col["start"], "direction": col["direction"]}
        for canonical, role in (("answered_at", "answer"), ("ended_at", "end"), ("agent", "user"), ("queue", "line"),
                                ("caller", "caller"), ("customer_id", "customer"), ("team", "team")):
            if role in col:
                columns[canonical] = col[role]
        # The outcome is derived below; the constant only satisfies the mapping's required-column check.
        mapping = {"table": "calls", "columns": columns, "constants": {"outcome": "derived below"}}
        if squash(col["start"]).endswith("utc"):  # "Datetime (UTC)": the header says the zone
            options = dataclasses.replace(options, tz="UTC")
        batch = load_with_mapping(path, options, mapping, default_source="aircall", raw=raw,
                                  notes=["Aircall columns: " + ", ".join(f"{k}={v!r}" for k, v in col.items())])
        return self._derive(batch, raw, col)

    def _derive(self, batch: Batch, raw, col: dict[str, str]) -> Batch:
        extra = {f"_x_{r}": col[r] for r in ("status", "answered", "reason", "voicemail", "duration", "in_call", "waiting",
                                              "tags") if r in col}
        frame = with_raw(batch.tables["calls"], raw, extra)
        n = frame.height

        def column(name: str) -> pl.Series:
            return frame.get_column(name) if name in frame.columns else pl.Series(name, [None] * n, dtype=pl.String)

        status = text(column("_x_status")).str.to_lowercase().str.replace_all("_", " ")
        reason = text(column("_x_reason")).str.to_lowercase()
        answered_flag = parse_bool(column("_x_answered"))[0] if "_x_answered" in frame.columns else pl.Series([None] * n, dtype=pl.Boolean)
        has_answer_time = frame.get_column("answered_at").is_not_null() if "answered_at" in frame.columns \
            else pl.Series([False] * n)
        status_says = status.replace_strict(maps.AIRCALL_STATUSES, default=None, return_dtype=pl.String)
        answered = pl.select(pl.when(has_answer_time).then(True)
                             .when(answered_flag.is_not_null()).then(answered_flag)
                             .otherwise(status_says == "answered").fill_null(False)).to_series()
        voicemail = text(column("_x_voicemail")).is_not_null() | (status_says == "voicemail").fill_null(False)
        by_reason = reason.replace_strict(maps.AIRCALL_REASONS, default=None, return_dtype=pl.String)
        seconds = {k: duration_seconds(column(f"_x_{k}"))[0] if f"_x_{k}" in frame.columns
                   else pl.Series([None] * n, dtype=pl.Float64) for k in ("duration", "in_call", "waiting")}
        frame = frame.with_columns(answered.alias("_x_ans"), voicemail.alias("_x_vm"), by_reason.alias("_x_by_reason"),
                                   status_says.alias("_x_status_says"), reason.alias("_x_reason_n"),
                                   seconds["duration"].alias("_x_dur"), seconds["in_call"].alias("_x_incall"),
                                   seconds["waiting"].alias("_x_wait"))
        outbound = pl.col("direction") == "outbound"
        outcome = (pl.when(pl.col("_x_ans")).then(pl.lit("answered"))
                   .when(pl.col("_x_vm")).then(pl.lit("voicemail"))
                   .when(outbound).then(pl.lit("missed"))
                   .when(pl.col("_x_by_reason").is_not_null()).then(pl.col("_x_by_reason"))
                   .when(pl.col("_x_status_says").is_in(["abandoned", "missed"])).then(pl.col("_x_status_says"))
                   .otherwise(pl.lit("missed")))
        ended = pl.col("ended_at") if "ended_at" in frame.columns else pl.lit(None, pl.Datetime("us"))
        answered_at = pl.col("answered_at") if "answered_at" in frame.columns else pl.lit(None, pl.Datetime("us"))
        frame = frame.with_columns(ended.alias("ended_at"), answered_at.alias("answered_at"))
        ring = seconds_between("ended_at", "queued_at")
        frame = frame.with_columns(
            outcome.alias("outcome"),
            pl.when(pl.col("_x_ans")).then(pl.coalesce(seconds_between("answered_at", "queued_at"), pl.col("_x_wait")))
            .otherwise(pl.coalesce(ring, pl.col("_x_dur"), pl.col("_x_wait"))).alias("wait_seconds"),
            pl.when(pl.col("_x_ans")).then(pl.coalesce(pl.col("_x_incall"), seconds_between("ended_at", "answered_at"),
                                                       pl.col("_x_dur") - pl.col("_x_wait")))
            .otherwise(0.0).alias("talk_seconds"),
            pl.coalesce(pl.col("_x_reason_n"), pl.col("_x_status_says"), pl.lit(None, pl.String)).alias("vendor_outcome"),
        )
        if "agent" in frame.columns:  # the user who took (or made) the call; a missed call has none
            frame = frame.with_columns(pl.when(pl.col("_x_ans") | outbound).then(pl.col("agent")).otherwise(None).alias("agent"))
        counts = frame.group_by("outcome").len().sort("outcome")
        batch.notes.append("outcomes: " + ", ".join(f"{o} {n:,}" for o, n in counts.iter_rows()))
        short = int(frame.select((pl.col("_x_reason_n") == "short_abandoned").sum()).item() or 0)
        if short:
            batch.notes.append(f"{short:,} short_abandoned call(s) (caller hung up within Aircall's 10 s) counted as abandoned; "
                               f"the short-abandon threshold (settings) decides whether they count against abandonment")
        return finish(batch, "calls", frame)
