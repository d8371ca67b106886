"""Shared by the survey adapters: loading a sheet with one or more score columns into one survey
row per answered question, with its kind and scale (``loaders/survey_values.py``), its segment,
and undated responses kept (``responded_at`` is optional: a blank date loads the response
undated, an unreadable one rejects the row with its reason)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from loaders import parsing
from loaders.adapters import _contact_maps as maps
from loaders.adapters._contact_common import finish, reject_where, text, with_raw
from loaders.base import Batch, LoadOptions, Rejects
from loaders.files import ROW, RawTable
from loaders.generic import load_with_mapping
from loaders.survey_values import (Scale, choose_scale, kind_from_values, kind_of, out_of_scale,  # noqa: F401
                                   out_of_scale_reason, scale_note, score_values, stated_scale)


def comment_column(headers: list[str], taken: set[str]) -> str | None:
    """The first free-text question that asks for a comment or a reason."""
    for h in headers:
        if h not in taken and not h.startswith("_x_") and re.search(maps.COMMENT_PATTERN, h.lower()):
            return h
    return None


def is_comment_question(header: str) -> bool:
    return bool(re.search(maps.COMMENT_PATTERN, str(header).lower()))


def _raw_rows(raw: RawTable, rows: list[int]) -> dict[int, dict]:
    out = {}
    for r in raw.frame.filter(pl.col(ROW).is_in(rows)).iter_rows(named=True):
        rec = {k: v for k, v in r.items() if k != ROW and not k.startswith("_x_")}
        out[r[ROW]] = rec
    return out


def reject_rows(frame: pl.DataFrame, bad: dict[int, tuple[str, str | None, object]], raw: RawTable,
                rejects: Rejects) -> pl.DataFrame:
    """Reject source rows (row -> (reason, column, value)) and drop them from ``frame``."""
    if not bad:
        return frame
    raws = _raw_rows(raw, list(bad))
    for row in sorted(bad):
        reason, column, value = bad[row]
        rejects.add(row, reason, column=column, value=value, raw=raws.get(row, {}))
    return frame.filter(~pl.col(ROW).is_in(list(bad)))


def settle_dates(batch: Batch, raw: RawTable, date_header: str | None) -> pl.DataFrame:
    """The survey frame with rows whose date is present but unreadable rejected (a blank date is an
    undated response and stays); the mapping's "left empty" warning for that column is replaced."""
    frame = batch.tables["surveys"]
    if not date_header or date_header not in raw.frame.columns or "responded_at" not in frame.columns:
        return frame
    prefix = f"column {date_header!r} (responded_at):"
    batch.warnings[:] = [w for w in batch.warnings if not w.startswith(prefix)]
    given = with_raw(frame.select(ROW, "responded_at"), raw, {"_x_date": date_header})
    shown = text(given.get_column("_x_date").cast(pl.String))
    bad_mask = (shown.is_not_null() & given.get_column("responded_at").is_null()).fill_null(False)
    if not bool(bad_mask.any()):
        return frame
    example = given.filter(given.get_column("responded_at").is_not_null()).get_column("_x_date").head(1).to_list()
    like = f" like the column's other values (e.g. {str(example[0])!r})" if example else ""
    bad = {row: (f"column {date_header!r} (responded_at): {value!r} is not readable as a date/time{like}; correct it, "
                 f"or empty the cell to load the response without a date", date_header, value)
           for row, value in zip(given.get_column(ROW).filter(bad_mask).to_list(), shown.filter(bad_mask).to_list())}
    return reject_rows(frame, bad, raw, batch.rejects)


def undated_note(frame: pl.DataFrame, has_date_column: bool) -> str | None:
    """The load report's line about responses without a date (they count in all-time figures)."""
    if frame.height == 0:
        return None
    n = int(frame.get_column("responded_at").null_count()) if "responded_at" in frame.columns else frame.height
    if not n:
        return None
    if not has_date_column:
        return (f"no response date column: {n:,} answer(s) loaded undated; they count in all-time and per-segment "
                f"figures and are left out of trends and date filters")
    return (f"{n:,} answer(s) have no date: loaded undated (all-time and per-segment figures count them; trends and "
            f"date filters leave them out)")


@dataclass
class Question:
    header: str
    kind: str | None  # None: decided from the values
    label: str = ""  # what the load report calls it
    kind_how: str = ""  # where the kind came from, when not the question (the sheet or file name, ...)


def load_questions(path: Path, options: LoadOptions, raw: RawTable, base_columns: dict[str, str],
                   questions: list[Question], default_source: str, notes: list[str] | None = None,
                   segment: str | None = None) -> Batch:
    """One survey row per answered question of each source row.

    A source row is rejected once (an unreadable date, a duplicate id, an answer outside its
    question's scale, or no readable score in any question), so rows_in = loaded + rejected counts
    source rows; the table may hold more rows than that when a row answers several questions
    (their ids get `:1`, `:2`, ... suffixes). ``segment``: the value for rows whose sheet has no
    segment column (the workbook sheet's name).
    """
    mapping = {"table": "surveys", "columns": base_columns}
    batch = load_with_mapping(path, options, mapping, default_source=default_source, raw=raw, notes=notes or [])
    base = settle_dates(batch, raw, base_columns.get("responded_at"))
    if segment is not None:
        seg = pl.col("segment").fill_null(pl.lit(segment)) if "segment" in base.columns else pl.lit(segment)
        base = base.with_columns(seg.cast(pl.String).alias("segment"))
    parts: list[pl.DataFrame] = []
    bad: dict[int, tuple[str, str | None, object]] = {}
    for index, q in enumerate(questions):
        scored = with_raw(base, raw, {"_x_score": q.header})
        answers = scored.get_column("_x_score")
        values, failed, label_scale = score_values(answers)
        if bool(failed.any()):
            rows = scored.get_column(ROW).filter(failed).head(5).to_list()
            examples = text(answers.cast(pl.String)).filter(failed).head(3).to_list()
            batch.warnings.append(f"column {q.header!r}: {int(failed.sum())} answer(s) are not a score and were left out, "
                                  f"e.g. rows {rows} values {examples}")
        kind = q.kind or kind_from_values(values)
        scale = choose_scale(kind, values, q.header, label_scale)
        outside = out_of_scale(values, scale)
        shown = answers.cast(pl.String) if answers.dtype != pl.String else answers
        for row, v, given in zip(scored.get_column(ROW).filter(outside).to_list(), values.filter(outside).to_list(),
                                 shown.filter(outside).to_list()):
            bad.setdefault(row, (out_of_scale_reason(q.header, kind, v, given, scale), q.header, given))
        label = repr(q.label or q.header)
        batch.notes.append(scale_note(label, kind, scale, int(outside.sum()),
                                      q.kind_how or ("from the question" if q.kind else "from the answers: check it")))
        part = scored.drop("_x_score").with_columns(
            values.alias("score"), pl.lit(kind).alias("kind"), pl.lit(scale.low).alias("scale_min"),
            pl.lit(scale.high).alias("scale_max"), pl.lit(index).alias("_x_q"))
        parts.append(part.filter(pl.col("score").is_not_null() & ~outside))
    base = reject_rows(base, bad, raw, batch.rejects)
    frame = pl.concat(parts, how="diagonal_relaxed") if parts else base.head(0)
    if bad and frame.height:
        frame = frame.filter(~pl.col(ROW).is_in(list(bad)))
    scored_rows = frame.get_column(ROW).unique() if frame.height else pl.Series(ROW, [], dtype=pl.Int64)
    names = ", ".join(repr(q.header) for q in questions)
    reject_where(base, ~base.get_column(ROW).is_in(scored_rows.implode()),
                 f"no readable score in {names}; an unanswered survey is not a response", raw, batch.rejects,
                 column=questions[0].header if len(questions) == 1 else None)
    if len(questions) > 1:
        batch.notes.append(f"{frame.height:,} survey rows from {frame.get_column(ROW).n_unique() if frame.height else 0:,} "
                           f"responses (one row per answered score question)")
    if len(questions) > 1 and frame.height:
        frame = frame.sort([ROW, "_x_q"]).with_columns(
            pl.format("{}:{}", pl.col("source_id"), pl.col("_x_q") + 1).alias("source_id"),
            # One comment per source row, on its first answered question.
            *([pl.when(pl.col("_x_q") == pl.col("_x_q").min().over(ROW)).then(pl.col("comment")).otherwise(None)
               .alias("comment")] if "comment" in frame.columns else []))
    undated = undated_note(frame, "responded_at" in base_columns)
    if undated:
        batch.notes.append(undated)
    return finish(batch, "surveys", frame.with_columns(pl.lit("survey").alias("origin")))


def apply_long_scales(batch: Batch, raw: RawTable, frame: pl.DataFrame, score_header: str,
                      question_col: str | None = None, question: str | None = None) -> pl.DataFrame:
    """Scale per kind for long sheets (one row per response, the kind in a column): from the
    question text when one states it, else from the bulk of that kind's scores; rows whose score
    lies outside their kind's scale are rejected."""
    if not frame.height:
        return frame
    scales: dict[str, Scale] = {}
    bad: dict[int, tuple[str, str | None, object]] = {}
    raw_scores = with_raw(frame.select(ROW), raw, {"_x_given": score_header}).get_column("_x_given")
    frame = frame.with_columns(raw_scores.cast(pl.String).alias("_x_given"))
    for kind in sorted(k for k in frame.get_column("kind").unique().to_list() if k):
        rows = frame.filter(pl.col("kind") == kind)
        asked = question
        if question_col and question_col in rows.columns:
            common = text(rows.get_column(question_col).cast(pl.String)).drop_nulls().mode().sort().to_list()
            asked = common[0] if common else question
        scale = choose_scale(kind, rows.get_column("score"), asked)
        scales[kind] = scale
        outside = out_of_scale(rows.get_column("score"), scale)
        for row, v, given in zip(rows.get_column(ROW).filter(outside).to_list(), rows.get_column("score").filter(outside).to_list(),
                                 rows.get_column("_x_given").filter(outside).to_list()):
            bad[row] = (out_of_scale_reason(score_header, kind, v, given, scale), score_header, given)
        batch.notes.append(scale_note(f"{kind.upper()} responses", kind, scale, int(outside.sum())))
    frame = reject_rows(frame, bad, raw, batch.rejects)
    return frame.with_columns(
        pl.col("kind").replace_strict({k: v.low for k, v in scales.items()}, default=None, return_dtype=pl.Float64)
        .alias("scale_min"),
        pl.col("kind").replace_strict({k: v.high for k, v in scales.items()}, default=None, return_dtype=pl.Float64)
        .alias("scale_max"))


def load_mapped(path: Path, options: LoadOptions, mapping: dict, raw: RawTable, default_source: str,
                notes: list[str] | None = None) -> Batch:
    """Surveys through a column mapping (the generic loader): the kind from a mapped `kind` column
    or constant, else from the score column's header (the question), else from the answers; the
    scale per kind from the question or the bulk of the answers unless the mapping gives
    scale_min/scale_max; an answer outside its scale, or an unreadable date, rejects its row; a
    blank date loads the response undated; without an id column a response's id is its row."""
    from loaders import vocab
    from loaders.adapters._contact_common import add_raw_column

    notes = list(notes or [])
    columns = dict(mapping.get("columns") or {})
    constants = dict(mapping.get("constants") or {})
    score_header = columns.get("score")
    if "source_id" not in columns:
        add_raw_column(raw, "_x_row_id", raw.frame.select(pl.format("row {}", pl.col(ROW))).to_series())
        columns["source_id"] = "_x_row_id"
        notes.append("no id column mapped: each response's id is its row number")
    label_scale = None
    if score_header:
        values, failed, label_scale = score_values(raw.frame.get_column(score_header))
        add_raw_column(raw, "_x_score", values)
        columns["score"] = "_x_score"
        if bool(failed.any()):
            rows = raw.frame.get_column(ROW).filter(failed).head(5).to_list()
            notes.append(f"column {score_header!r}: {int(failed.sum())} value(s) are not a score and were left empty, "
                         f"e.g. rows {rows}")
    batch = load_with_mapping(path, options, {**mapping, "columns": columns}, default_source=default_source, raw=raw,
                              notes=notes)
    frame = settle_dates(batch, raw, columns.get("responded_at"))
    if score_header and frame.height:
        # As in a survey sheet: a row whose score cell is empty answered nothing (an unrated ticket
        # of a ticket export mapped to surveys), so it is rejected with its reason, not stored.
        cells = raw.frame.get_column(score_header)
        blank = cells.is_null() | (cells.cast(pl.String).str.strip_chars() == "")
        blank_rows = raw.frame.get_column(ROW).filter(blank.fill_null(True))
        frame = reject_where(frame, frame.get_column(ROW).is_in(blank_rows.implode()),
                             f"column {score_header!r} is empty: an unanswered survey is not a response (nothing to "
                             f"fix when it was not answered)", raw, batch.rejects, column=score_header)
    if "kind" in frame.columns:
        given = frame.get_column("kind").cast(pl.String)
        known = given.str.to_lowercase().is_in(["csat", "nps", "ces"])
        by_text = given.replace_strict({v: kind_of(v) for v in given.drop_nulls().unique().to_list()}, default=None,
                                       return_dtype=pl.String)
        frame = frame.with_columns(pl.when(pl.lit(known)).then(pl.lit(given).str.to_lowercase())
                                   .otherwise(pl.lit(by_text)).alias("kind"))
        what = columns.get("kind", "kind")
        frame = reject_where(frame, frame.get_column("kind").is_null(),
                             f"column {what!r} (kind) does not say CSAT, NPS or CES; fix the value or remove the row",
                             raw, batch.rejects, column=columns.get("kind"))
        why = f"the column {columns['kind']!r}" if "kind" in columns else f"the mapping (kind = {constants.get('kind')!r})"
    elif score_header:
        kind = kind_of(score_header) or kind_from_values(frame.get_column("score"))
        why = "the score column's question" if kind_of(score_header) else "the answers (check it)"
        frame = frame.with_columns(pl.lit(kind).alias("kind"))
    else:
        why = ""
    if why:
        batch.notes.append(f"kind from {why}")
    if score_header and "kind" in frame.columns and not ({"scale_min", "scale_max"} & (set(columns) | set(constants))):
        if label_scale:
            frame = frame.with_columns(pl.lit(label_scale[0]).alias("scale_min"), pl.lit(label_scale[1]).alias("scale_max"))
            batch.notes.append(f"scale {label_scale[0]:g}-{label_scale[1]:g} from the answer labels")
        else:
            frame = apply_long_scales(batch, raw, frame, score_header, question=score_header)
    undated = undated_note(frame, "responded_at" in columns)
    if undated:
        batch.notes.append(undated)
    if "origin" not in frame.columns:
        frame = frame.with_columns(pl.lit("survey").alias("origin"))
    return finish(batch, "surveys", frame)


# Ticket satisfaction values that say a survey was (not) sent, not how it was answered (Zendesk).
NOT_A_RATING = {"offered", "unoffered", "not offered", "sent", "не отправлен", "отправлен"}


def ticket_ratings(tickets: pl.DataFrame, header: str) -> tuple[pl.DataFrame, list[str], list[str]]:
    """CSAT responses from a ticket export's rating column (``tickets.satisfaction``): one per rated
    ticket, linked to it (``ticket_id``, ``origin`` = ticket), scored from numbers or labels on the
    scale the question and the bulk of the ratings give, answered at the ticket's solve time (else
    its close time), undated when it has neither. Returns (survey rows, notes, warnings); a
    rating outside the scale is left out with a warning (the ticket itself loads)."""
    from loaders.adapters._ticket_common import SATISFACTION_SCORES

    empty = pl.DataFrame(schema={"source_id": pl.String})
    if "satisfaction" not in tickets.columns or tickets.height == 0:
        return empty, [], []
    given = text(tickets.get_column("satisfaction").cast(pl.String))
    key = given.str.to_lowercase().str.replace_all(r"[^a-zа-я0-9.]+", " ").str.strip_chars()
    rated = given.is_not_null() & ~key.is_in(list(NOT_A_RATING)).fill_null(False)
    face = key.replace_strict({k: v[0] for k, v in SATISFACTION_SCORES.items()}, default=None, return_dtype=pl.Float64)
    face_lo = key.replace_strict({k: v[1] for k, v in SATISFACTION_SCORES.items()}, default=None, return_dtype=pl.Float64)
    face_hi = key.replace_strict({k: v[2] for k, v in SATISFACTION_SCORES.items()}, default=None, return_dtype=pl.Float64)
    values, failed, label_scale = score_values(given.filter(rated & face.is_null()))
    numbers = pl.Series("n", [None] * tickets.height, dtype=pl.Float64)
    numbers = numbers.scatter((rated & face.is_null()).arg_true(), values) if values.len() else numbers
    scale = choose_scale("csat", values, header, label_scale)
    outside = out_of_scale(numbers, scale)
    notes, warnings = [], []
    unreadable = rated & face.is_null() & numbers.is_null()
    for mask, what in ((outside, f"outside the CSAT scale {scale.describe()}"), (unreadable, "not a rating")):
        if bool(mask.any()):
            rows = tickets.get_column(ROW).filter(mask).head(5).to_list() if ROW in tickets.columns else []
            warnings.append(f"column {header!r}: {int(mask.sum())} rating(s) {what} were not loaded as CSAT responses "
                            f"(the tickets loaded), e.g. rows {rows} values {given.filter(mask).head(3).to_list()}")
    score = pl.select(pl.when(face.is_not_null()).then(face).when(~outside).then(numbers)).to_series()
    lo = pl.select(pl.when(face.is_not_null()).then(face_lo).otherwise(pl.lit(scale.low))).to_series()
    hi = pl.select(pl.when(face.is_not_null()).then(face_hi).otherwise(pl.lit(scale.high))).to_series()
    when = None
    for col in ("solved_at", "closed_at"):
        if col in tickets.columns:
            when = tickets.get_column(col) if when is None else when.fill_null(tickets.get_column(col))
    frame = tickets.with_columns(score.alias("score"), lo.alias("scale_min"), hi.alias("scale_max"),
                                 (when if when is not None else pl.lit(None, pl.Datetime("us"))).alias("_x_when"))
    frame = frame.filter(pl.col("score").is_not_null())
    if frame.height == 0:
        return empty, notes, warnings
    cols = {"source_id": pl.col("source_id") + pl.lit("-csat"), "responded_at": pl.col("_x_when"), "kind": pl.lit("csat"),
            "score": pl.col("score"), "scale_min": pl.col("scale_min"), "scale_max": pl.col("scale_max"),
            "ticket_id": pl.col("source_id"), "origin": pl.lit("ticket")}
    for name in ("customer_id", "agent", "team", "channel"):
        cols[name] = pl.col(name) if name in frame.columns else pl.lit(None, pl.String)
    out = frame.select(**cols)
    undated = int(out.get_column("responded_at").null_count())
    how = "from the labels" if face.is_not_null().any() and not values.len() else scale_note("", "csat", scale).split(": ", 1)[1]
    notes.append(f"{out.height:,} of {tickets.height:,} tickets carry a rating in {header!r}: loaded as CSAT responses "
                 f"linked to their ticket ({how}; answered at the ticket's solve time"
                 + (f", {undated:,} without one are undated" if undated else "") + ")")
    return out, notes, warnings
