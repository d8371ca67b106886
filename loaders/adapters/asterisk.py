"""Asterisk CDR files: the headerless, positional Master.csv of cdr_csv / cdr_custom, and
headered CDR dumps (the `cdr` database table, CDR viewers).

The layout is recognised from the content: which field holds a disposition (ANSWERED, NO
ANSWER, BUSY, FAILED, CONGESTION) and where the start timestamp is; the known layouts live in
``_contact_maps.ASTERISK_LAYOUTS``. Timestamps are local time in ``--tz``.

Definitions (docs/schema.md, calls):
* answered: disposition ANSWERED with an answer time; a Queue() call the PBX answered but no
  agent took (empty dstchannel) is *not* answered.
* outcome: NO ANSWER (or the queue case above) is ``abandoned``, or ``missed`` when the call is
  known to be outbound/internal (dialplan context); BUSY -> busy; FAILED/CONGESTION -> failed.
* direction: inbound for Queue() calls and inbound contexts (from-pstn, from-trunk, ...),
  outbound/internal for from-internal & co. by the length of the number dialled, else empty.
* wait_seconds: answer - start (or duration - billsec) when answered; duration when not.
* talk_seconds: billsec. queue: Queue()'s first argument, else the dialplan context.
* agent: from dstchannel (``SIP/anna-00000a1f`` -> ``anna``, ``Local/101@from-queue-...;1`` -> ``101``).
* customer_id: accountcode. source_id: uniqueid (with sequence when exported), else a row hash.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import polars as pl

from loaders.adapters import _contact_maps as maps
from loaders.adapters._contact_common import (add_raw_column, finish, pick_columns, reject_where, seconds_between, text,
                                              with_raw)
from loaders.base import Adapter, Batch, LoadError, LoadOptions, Sample
from loaders.files import ROW, read_text_table
from loaders.files import sample as take_sample
from loaders.generic import load_with_mapping
from loaders.registry import register

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_UNIQUEID = re.compile(r"^\d{9,}\.\d+$")


def _share(rows: list[list[str]], i: int, test) -> float:
    return sum(1 for r in rows if i < len(r) and test(r[i].strip())) / max(len(rows), 1)


def infer_layout(rows: list[list[str]]) -> tuple[str, list[str]] | None:
    """(layout name, column names) for headerless CDR rows, or None when they are not CDRs."""
    rows = [r for r in rows if any(v.strip() for v in r)]
    if not rows:
        return None
    width = Counter(len(r) for r in rows).most_common(1)[0][0]
    rows = [r for r in rows if len(r) == width]
    if width < 6:
        return None
    disposition = [_share(rows, i, lambda v: v.upper() in maps.ASTERISK_DISPOSITIONS) for i in range(width)]
    d = max(range(width), key=disposition.__getitem__)
    if disposition[d] < 0.8:
        return None
    stamps = [_share(rows, i, lambda v: bool(_TIMESTAMP.match(v))) for i in range(width)]
    for name, columns in maps.ASTERISK_LAYOUTS.items():
        if columns.index("disposition") != d or stamps[columns.index("start")] < 0.8:
            continue
        names = columns[:width] + [f"extra_{i + 1}" for i in range(len(columns), width)]
        if name == "cdr_csv" and width == 17 and _share(rows, 16, lambda v: bool(_UNIQUEID.match(v))) < 0.5:
            names[16] = "userfield"  # loguserfield on, loguniqueid off
        return name, names
    start = d - 5  # start, answer, end, duration, billsec, disposition: the fixed core of every layout
    if start >= 0 and stamps[start] >= 0.8:
        names = [f"field_{i + 1}" for i in range(width)]
        names[start:d + 1] = ["start", "answer", "end", "duration", "billsec", "disposition"]
        return "inferred", names
    return None


def _head_rows(sample_text: str, limit: int = 60) -> list[list[str]]:
    lines = [ln for ln in sample_text.splitlines() if ln.strip()][:limit]
    return list(csv.reader(io.StringIO("\n".join(lines))))


def _headered(headers: list[str]) -> dict[str, str] | None:
    found = pick_columns(headers, maps.ASTERISK_HEADER_ALIASES)
    if {"start", "disposition", "billsec", "duration"} <= set(found):
        return found
    return None


def agent_from_channel(channel: pl.Expr) -> pl.Expr:
    """`SIP/anna-00000a1f` -> `anna`; `PJSIP/101-0000001a` -> `101`; `Local/101@from-queue-00000001;1` -> `101`."""
    peer = channel.str.replace(r"^[A-Za-z0-9_]+/", "")
    local = peer.str.extract(r"^([^@]+)@", 1)
    plain = peer.str.replace(r";\d+$", "").str.replace(r"-[0-9a-fA-F]{6,}$", "")
    return pl.when(local.is_not_null()).then(local).otherwise(plain)


@register
class AsteriskCdrAdapter(Adapter):
    name = "asterisk_cdr"
    title = "Asterisk CDR (Master.csv)"
    family = "calls"
    accepts = "Asterisk cdr_csv/cdr_custom Master.csv (headerless, positional) or a headered CDR table dump"

    def _recognise(self, sample: Sample) -> tuple[float, str]:
        if sample.is_dir or sample.suffix not in ("csv", "txt", "dat", ""):
            return 0.0, ""
        if _headered(sample.headers):
            return 0.9, "CDR columns start, billsec, duration, disposition in the header"
        layout = infer_layout(_head_rows(sample.text))
        if layout is None:
            return 0.0, ""
        name, columns = layout
        if name == "inferred":
            return 0.85, f"headerless rows with a disposition in field {columns.index('disposition') + 1} after start/answer/end"
        return 0.97, f"headerless {len(columns)}-field rows in the {name} order (disposition in field {columns.index('disposition') + 1})"

    def detect(self, sample: Sample) -> float:
        return self._recognise(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._recognise(sample)[1] or "not an Asterisk CDR"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        col = _headered(take_sample(path).headers)
        headered = col is not None
        notes: list[str] = []
        if col:
            raw = read_text_table(path, has_header=True)
            notes.append("headered CDR table: columns " + ", ".join(f"{k}={v!r}" for k, v in col.items()))
        else:
            raw = read_text_table(path, has_header=False)
            sample_rows = [[("" if v is None else str(v)) for v in r] for r in raw.frame.drop(ROW).head(200).iter_rows()]
            layout = infer_layout(sample_rows)
            if layout is None:
                raise LoadError(path.name, ["no field holds a CDR disposition (ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION) "
                                            "in at least 80% of the first rows, or no start timestamp (YYYY-MM-DD HH:MM:SS) "
                                            "five fields before it"],
                                fix="check this is an Asterisk Master.csv; for another CDR layout write a column mapping "
                                    "(docs/mapping.md) and pass --format generic --mapping MAP.toml",
                                found=[str(v) for v in (sample_rows[0] if sample_rows else [])])
            layout_name, names = layout
            positional = [c for c in raw.frame.columns if c != ROW]
            names = names[:len(positional)] + [f"extra_{i + 1}" for i in range(len(names), len(positional))]
            raw.frame = raw.frame.rename(dict(zip(positional, names)))
            raw.headers = names
            col = {n: n for n in names}
            notes.append(f"Asterisk CDR layout {layout_name} ({len(names)} fields: {', '.join(names)})")
        ident = self._ids(raw, col)
        add_raw_column(raw, "_x_id", ident)
        columns = {"source_id": "_x_id", "queued_at": col["start"], "talk_seconds": col["billsec"],
                   "vendor_outcome": col["disposition"]}
        for canonical, role in (("answered_at", "answer"), ("ended_at", "end"), ("customer_id", "accountcode"),
                                ("caller", "src")):
            if role in col:
                columns[canonical] = col[role]
        if "caller" not in columns and "clid" in col:
            columns["caller"] = col["clid"]
        mapping = {"table": "calls", "columns": columns}
        batch = load_with_mapping(path, options, mapping, default_source="asterisk", raw=raw, notes=notes)
        if not headered:  # a headerless file has no column names to point at: name the field position
            for r in batch.rejects.rows:
                for i, name in enumerate(raw.headers):
                    r["reason"] = r["reason"].replace(f"'{name}' (", f"field {i + 1} '{name}' (")
        return self._derive(batch, raw, col)

    @staticmethod
    def _ids(raw, col: dict[str, str]) -> pl.Series:
        """uniqueid (+ sequence when exported, since forked CDRs share a uniqueid); else a row hash."""
        n = raw.frame.height
        row_hash = raw.frame.select(pl.concat_str([pl.col(h).cast(pl.String).fill_null("") for h in raw.headers],
                                                  separator="\x1f").hash(seed=7).cast(pl.String)).to_series()
        if "uniqueid" not in col:
            return row_hash
        uid = text(raw.frame.get_column(col["uniqueid"]))
        if "sequence" in col:
            seq = text(raw.frame.get_column(col["sequence"]))
            uid = pl.select(pl.when(seq.is_not_null()).then(pl.concat_str([pl.lit(uid), pl.lit("-"), pl.lit(seq)]))
                            .otherwise(pl.lit(uid))).to_series()
        return pl.select(pl.lit(uid).fill_null(pl.lit(row_hash))).to_series() if n else uid

    def _derive(self, batch: Batch, raw, col: dict[str, str]) -> Batch:
        frame = batch.tables["calls"]
        extra = {f"_x_{role}": col[role] for role in ("lastapp", "lastdata", "dcontext", "dstchannel", "duration", "dst",
                                                     "answer", "end") if role in col}
        frame = with_raw(frame, raw, extra)
        for role in ("lastapp", "lastdata", "dcontext", "dstchannel", "dst", "answer", "end"):
            name = f"_x_{role}"
            frame = frame.with_columns(text(frame.get_column(name)).alias(name) if name in frame.columns
                                       else pl.lit(None, pl.String).alias(name))
        # An answer or end time that is present but unreadable changes the outcome: reject, not guess.
        for role, canonical in (("answer", "answered_at"), ("end", "ended_at")):
            if role in col:
                bad = frame.get_column(f"_x_{role}").is_not_null() & frame.get_column(canonical).is_null()
                frame = reject_where(frame, bad, f"{role} time is not a date/time (expected YYYY-MM-DD HH:MM:SS); "
                                                 f"fix the value or remove the row", raw, batch.rejects,
                                     column=col[role], values=frame.get_column(f"_x_{role}"))
                batch.warnings = [w for w in batch.warnings if not w.startswith(f"column {col[role]!r}")]
        from loaders.parsing import parse_number

        duration = parse_number(frame.get_column("_x_duration"))[0] if "_x_duration" in frame.columns \
            else pl.Series([None] * frame.height, dtype=pl.Float64)
        frame = frame.with_columns(duration.alias("_x_duration_s"))
        if "ended_at" not in frame.columns:  # the cdr table has no end: start + duration
            frame = frame.with_columns((pl.col("queued_at") + pl.duration(
                microseconds=(pl.col("_x_duration_s") * 1e6).cast(pl.Int64))).alias("ended_at"))
        app = pl.col("_x_lastapp").str.to_lowercase()
        disp = pl.col("vendor_outcome").str.to_uppercase().str.strip_chars()
        context = pl.col("_x_dcontext").str.to_lowercase().fill_null("")
        dst_digits = pl.col("_x_dst").fill_null("").str.replace_all(r"\D", "").str.len_chars()
        is_queue = (app == "queue").fill_null(False)
        inbound = is_queue | context.str.contains(maps.ASTERISK_INBOUND_CONTEXT)
        direction = (pl.when(inbound).then(pl.lit("inbound"))
                     .when(context.str.contains(maps.ASTERISK_OUTBOUND_CONTEXT) & (dst_digits >= 7)).then(pl.lit("outbound"))
                     .when(context.str.contains("from-internal") & (dst_digits.is_between(1, 6))).then(pl.lit("internal"))
                     .otherwise(pl.lit(None, pl.String)))
        queue_no_agent = is_queue & pl.col("_x_dstchannel").is_null() & (disp == "ANSWERED")
        has_answer_col = "answer" in col
        answered = (disp == "ANSWERED") & ~queue_no_agent
        if has_answer_col:
            answered = answered & pl.col("answered_at").is_not_null()
        frame = frame.with_columns(direction.alias("direction"), answered.fill_null(False).alias("_x_answered"),
                                   queue_no_agent.fill_null(False).alias("_x_queue_no_agent"))
        if not has_answer_col:  # the cdr table has calldate only: answer = start + (duration - billsec)
            frame = frame.with_columns(
                pl.when(pl.col("_x_answered")).then(pl.col("queued_at") + pl.duration(
                    microseconds=((pl.col("_x_duration_s") - pl.col("talk_seconds")) * 1e6).cast(pl.Int64)))
                .otherwise(None).alias("answered_at"))
        # A caller hanging up is abandonment unless the call is known to be ours (outbound/internal).
        unanswered_kind = (pl.when(pl.col("direction").is_in(["outbound", "internal"])).then(pl.lit("missed"))
                           .otherwise(pl.lit("abandoned")))
        outcome = (pl.when(pl.col("_x_answered")).then(pl.lit("answered"))
                   .when(disp.is_in(["NO ANSWER", "NOANSWER"]) | pl.col("_x_queue_no_agent")).then(unanswered_kind)
                   .when(disp == "BUSY").then(pl.lit("busy"))
                   .when(disp.is_in(["FAILED", "CONGESTION"])).then(pl.lit("failed"))
                   .when(disp == "ANSWERED").then(unanswered_kind)  # ANSWERED without an answer time
                   .otherwise(disp.str.to_lowercase()))
        queue_name = pl.col("_x_lastdata").str.split(",").list.first().str.strip_chars()
        frame = frame.with_columns(
            outcome.alias("outcome"),
            pl.when(pl.col("_x_answered")).then(pl.coalesce(seconds_between("answered_at", "queued_at"),
                                                            pl.col("_x_duration_s") - pl.col("talk_seconds")))
            .otherwise(pl.coalesce(pl.col("_x_duration_s"), seconds_between("ended_at", "queued_at"))).alias("wait_seconds"),
            pl.when(is_queue & queue_name.is_not_null() & (queue_name != "")).then(queue_name)
            .otherwise(pl.col("_x_dcontext")).alias("queue"),
            pl.when(pl.col("_x_answered")).then(agent_from_channel(pl.col("_x_dstchannel"))).otherwise(None).alias("agent"),
            pl.when(pl.col("_x_answered")).then(pl.col("answered_at")).otherwise(None).alias("answered_at"),
            # billsec of a call no agent took is PBX time (IVR, queue music), not talk.
            pl.when(pl.col("_x_answered")).then(pl.col("talk_seconds")).otherwise(0.0).alias("talk_seconds"),
        )
        frame = reject_where(frame, frame.get_column("outcome").is_null(),
                             "disposition is empty: cannot tell whether the call was answered; fix the row or remove it",
                             raw, batch.rejects, column=col["disposition"])
        counts = frame.group_by("outcome").len().sort("outcome")
        batch.notes.append("outcomes: " + ", ".join(f"{o} {n:,}" for o, n in counts.iter_rows()))
        n_queue = int(frame.get_column("_x_queue_no_agent").sum())
        if n_queue:
            batch.notes.append(f"{n_queue:,} Queue() call(s) were answered by the PBX but reached no agent (empty dstchannel): "
                               f"counted as abandoned, wait = whole duration")
        return finish(batch, "calls", frame)
