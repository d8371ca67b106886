"""Twilio call logs: the console's CSV download or the Call resource listed as CSV/JSON
(``Sid, ParentCallSid, DateCreated, ..., StartTime, EndTime, Duration, ..., Direction,
AnsweredBy, ...``; snake_case names work too). Twilio dates are UTC (RFC 2822 or ISO).

Definitions:
* outcome: completed -> answered (voicemail when AnsweredBy says a machine or fax answered);
  busy -> busy; failed -> failed; canceled -> abandoned; no-answer -> abandoned on an inbound
  call, missed on an outbound one. Calls still queued/ringing/in-progress are rejected.
* talk_seconds: Duration of a completed call (Twilio counts from when it answered, so IVR and
  hold time are included). wait_seconds: EndTime - StartTime of an unanswered call; Twilio
  records no queue wait for answered calls, so ASA is not computed from this file.
* A <Dial> child leg (ParentCallSid of a call in the file) is stored with direction
  ``internal`` so it is not counted as a second call; the client/SIP user it reached becomes
  the parent call's agent.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from loaders.adapters import _contact_maps as maps
from loaders.adapters._contact_common import (add_raw_column, finish, pick_columns, reject_where, require,
                                              rfc2822_to_iso, seconds_between, squashed_headers, text, with_raw)
from loaders.base import Adapter, Batch, LoadOptions, Sample
from loaders.files import read_table
from loaders.generic import load_with_mapping
from loaders.registry import register


def _user_of(address: pl.Expr) -> pl.Expr:
    """`client:anna` -> `anna`; `sip:anna@example.sip.twilio.com` -> `anna`; a number stays a number."""
    return address.str.replace(r"^(client|sip):", "").str.replace(r"@.*$", "")


@register
class TwilioCallsAdapter(Adapter):
    name = "twilio_calls"
    title = "Twilio call log (CSV/JSON)"
    family = "calls"
    accepts = "Twilio Call resource exports: Sid, ParentCallSid, StartTime, EndTime, Duration, Status, Direction, ..."

    def _score(self, sample: Sample) -> tuple[float, str]:
        found = squashed_headers(sample.headers)
        core = {"status", "direction", "from", "to"} <= found and bool({"sid", "callsid"} & found) \
            and bool({"starttime", "datecreated"} & found)
        if not core:
            return 0.0, ""
        signature = maps.TWILIO_SIGNATURE & found
        score = 0.95 if len(signature) >= 2 else 0.85 if signature else 0.6
        return score, f"Twilio call columns (Sid, StartTime, Status, Direction, From, To + {', '.join(sorted(signature)) or 'none'})"

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not a Twilio call log"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        raw = read_table(path, sheet=options.sheet)
        col = pick_columns(raw.headers, maps.TWILIO_COLUMNS)
        require(path.name, raw.headers, col, {"sid": "Sid", "start": "StartTime", "status": "Status",
                                              "direction": "Direction", "duration": "Duration"},
                fix="export the call log with its standard columns, or load it with a column mapping (--format generic)")
        add_raw_column(raw, "_x_start", rfc2822_to_iso(raw.frame.get_column(col["start"])))
        columns = {"source_id": col["sid"], "queued_at": "_x_start", "talk_seconds": col["duration"],
                   "vendor_outcome": col["status"], "direction": col["direction"]}
        if "end" in col:
            add_raw_column(raw, "_x_end", rfc2822_to_iso(raw.frame.get_column(col["end"])))
            columns["ended_at"] = "_x_end"
        if "from" in col:
            columns["caller"] = col["from"]
        if "to" in col:
            columns["queue"] = col["to"]
        mapping = {"table": "calls", "columns": columns}
        options = dataclasses.replace(options, tz="UTC")  # Twilio writes UTC
        batch = load_with_mapping(path, options, mapping, default_source="twilio", raw=raw,
                                  notes=["Twilio times are UTC; Duration counts from when Twilio answered"])
        return self._derive(batch, raw, col)

    def _derive(self, batch: Batch, raw, col: dict[str, str]) -> Batch:
        frame = with_raw(batch.tables["calls"], raw, {f"_x_{r}": col[r] for r in ("parent", "answered_by", "direction", "to")
                                                      if r in col})
        for name in ("_x_parent", "_x_answered_by", "_x_direction", "_x_to"):
            frame = frame.with_columns(text(frame.get_column(name)).str.to_lowercase().alias(name) if name in frame.columns
                                       else pl.lit(None, pl.String).alias(name))
        status = pl.col("vendor_outcome").str.to_lowercase()
        inbound = pl.col("direction") == "inbound"
        machine = pl.col("_x_answered_by").is_in(list(maps.TWILIO_MACHINE)).fill_null(False)
        outcome = (pl.when((status == "completed") & machine).then(pl.lit("voicemail"))
                   .when(status == "no-answer").then(pl.when(inbound).then(pl.lit("abandoned")).otherwise(pl.lit("missed")))
                   .otherwise(status.replace_strict(maps.TWILIO_OUTCOMES, default=None, return_dtype=pl.String)))
        answered = status == "completed"
        frame = frame.with_columns(outcome.alias("outcome"), answered.alias("_x_answered"))
        frame = reject_where(frame, frame.get_column("outcome").is_null(),
                             frame.select(pl.format("status {} is not a finished call (completed, busy, failed, no-answer, "
                                                    "canceled); export again once the call has ended",
                                                    pl.col("vendor_outcome"))).to_series(),
                             raw, batch.rejects, column=col["status"], values=frame.get_column("vendor_outcome"))
        frame = frame.with_columns(
            pl.lit(None).cast(frame.schema["queued_at"]).alias("answered_at"),  # Twilio does not record when an agent answered
            pl.when(pl.col("_x_answered")).then(pl.col("talk_seconds")).otherwise(0.0).alias("talk_seconds"),
            pl.when(pl.col("_x_answered")).then(None).otherwise(
                pl.coalesce(seconds_between("ended_at", "queued_at"), pl.lit(0.0)) if "ended_at" in frame.columns
                else pl.lit(None, pl.Float64)).alias("wait_seconds"),
        )
        # <Dial> legs of a call in this file: not a second call; the user they reached is the agent.
        parents = set(frame.get_column("source_id").str.to_lowercase().to_list())
        is_leg = pl.col("_x_parent").is_in(list(parents)).fill_null(False)
        legs = frame.filter(is_leg & pl.col("_x_answered")).select(
            pl.col("_x_parent").alias("_x_sid"), _user_of(pl.col("_x_to")).alias("_x_leg_agent")).unique("_x_sid", keep="last")
        frame = (frame.with_columns(pl.col("source_id").str.to_lowercase().alias("_x_sid"))
                 .join(legs, on="_x_sid", how="left")
                 .with_columns(pl.when(is_leg).then(pl.lit("internal")).otherwise(pl.col("direction")).alias("direction"),
                               pl.when(pl.col("_x_answered") & ~is_leg).then(pl.col("_x_leg_agent")).otherwise(None)
                               .alias("agent")))
        n_legs = int(frame.select(is_leg.sum()).item())
        if n_legs:
            batch.notes.append(f"{n_legs:,} <Dial> child leg(s) stored with direction 'internal'; their callee is the parent's agent")
        counts = frame.group_by("outcome").len().sort("outcome")
        batch.notes.append("outcomes: " + ", ".join(f"{o} {n:,}" for o, n in counts.iter_rows()))
        batch.notes.append("Twilio exports no queue wait: wait_seconds is empty for answered calls (ASA not computed)")
        return finish(batch, "calls", frame)
