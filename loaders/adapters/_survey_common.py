"""Shared by the survey adapters: the kind of a question (CSAT/NPS/CES), scores from numbers or
answer labels, the scale (from the kind and the observed values) and loading a sheet with one
or more score columns into one survey row per answered question."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from loaders import parsing
from loaders.adapters import _contact_maps as maps
from loaders.adapters._contact_common import finish, reject_where, text, with_raw
from loaders.base import Batch, LoadOptions
from loaders.files import ROW, RawTable
from loaders.generic import load_with_mapping


def kind_of(question: str | None) -> str | None:
    """csat / nps / ces from a question or survey name, None when it says nothing."""
    if not question:
        return None
    q = str(question).lower().replace("ё", "е")
    for kind, pattern in maps.KIND_PATTERNS:
        if re.search(pattern, q):
            return kind
    return None


def comment_column(headers: list[str], taken: set[str]) -> str | None:
    """The first free-text question that asks for a comment or a reason."""
    for h in headers:
        if h not in taken and not h.startswith("_x_") and re.search(maps.COMMENT_PATTERN, h.lower()):
            return h
    return None


_LEADING_NUMBER = r"^\s*(-?\d+(?:[.,]\d+)?)\s*(?:[-–—:(/]|$)"


def score_values(series: pl.Series) -> tuple[pl.Series, pl.Series, tuple[float, float] | None]:
    """(scores, failed mask, scale implied by labels or None).

    Numbers as numbers; `10 - Extremely likely` -> 10; answer labels (`Very satisfied`, `good`)
    through ``SCORE_LABELS``.
    """
    if series.dtype.is_numeric():
        values = series.cast(pl.Float64)
        return values, pl.Series([False] * len(series)), None
    s = text(series)
    numbers, _ = parsing.parse_number(s.str.extract(_LEADING_NUMBER, 1).fill_null(s))
    lowered = s.str.to_lowercase().str.replace_all(r"\s+", " ")
    labels = lowered.replace_strict({k: float(v) for k, v in maps.SCORE_LABELS.items()}, default=None,
                                    return_dtype=pl.Float64)
    values = pl.select(pl.coalesce(pl.lit(numbers), pl.lit(labels))).to_series().alias(series.name)
    failed = (s.is_not_null() & values.is_null()).alias("failed")
    label_scale = None
    used = set(lowered.filter(labels.is_not_null() & numbers.is_null()).unique().to_list())
    if used and used <= set(maps.LABEL_SCALES):
        label_scale = maps.LABEL_SCALES[next(iter(used))]
    return values, failed, label_scale


def kind_from_values(lo: float | None, hi: float | None) -> str:
    """A guess for a score column whose question names no kind."""
    if hi is None:
        return "csat"
    if hi <= 5 and (lo is None or lo >= 1):
        return "csat"
    if hi <= 7 and (lo is None or lo >= 1):
        return "ces"
    return "nps"


def infer_scale(kind: str, lo: float | None, hi: float | None) -> tuple[float, float, str | None]:
    """The kind's default scale, widened when the data go beyond it (with a note saying so)."""
    smin, smax = maps.KIND_SCALES[kind]
    note = None
    if lo is not None and lo < smin:
        note = f"{kind.upper()} scores go down to {lo:g}: scale starts at {lo:g}, not {smin:g}"
        smin = lo
    if hi is not None and hi > smax:
        new_max = 10.0 if hi <= 10 else 100.0 if hi <= 100 else hi
        note = (note + "; " if note else "") + f"{kind.upper()} scores reach {hi:g}: scale {smin:g}-{new_max:g}, not {smax:g}"
        smax = new_max
    return smin, smax, note


@dataclass
class Question:
    header: str
    kind: str | None  # None: decided from the values
    label: str = ""  # what the load report calls it


def load_questions(path: Path, options: LoadOptions, raw: RawTable, base_columns: dict[str, str],
                   questions: list[Question], default_source: str, notes: list[str] | None = None) -> Batch:
    """One survey row per answered question of each source row.

    A source row is rejected once (bad date, duplicate id, or no readable score in any question),
    so rows_in = loaded + rejected counts source rows; the table may hold more rows than that
    when a row answers several questions (their ids get `:1`, `:2`, ... suffixes).
    """
    mapping = {"table": "surveys", "columns": base_columns, "constants": {"kind": "derived below"}}
    batch = load_with_mapping(path, options, mapping, default_source=default_source, raw=raw, notes=notes or [])
    base = batch.tables["surveys"].drop("kind")
    parts: list[pl.DataFrame] = []
    for index, q in enumerate(questions):
        scored = with_raw(base, raw, {"_x_score": q.header})
        values, failed, label_scale = score_values(scored.get_column("_x_score"))
        if bool(failed.any()):
            rows = scored.get_column(ROW).filter(failed).head(5).to_list()
            examples = text(scored.get_column("_x_score")).filter(failed).head(3).to_list()
            batch.warnings.append(f"column {q.header!r}: {int(failed.sum())} answer(s) are not a score and were left out, "
                                  f"e.g. rows {rows} values {examples}")
        lo, hi = values.min(), values.max()
        kind = q.kind or kind_from_values(lo, hi)
        if label_scale:
            smin, smax, note = label_scale[0], label_scale[1], f"{q.label or q.header}: good/bad answers scored 1/0"
        else:
            smin, smax, note = infer_scale(kind, lo, hi)
        how = "from the question" if q.kind else f"from the values (min {lo}, max {hi}); check it"
        batch.notes.append(f"{q.label or q.header!r}: {kind.upper()} on {smin:g}-{smax:g} ({how})")
        if note:
            batch.notes.append(note)
        part = scored.drop("_x_score").with_columns(
            values.alias("score"), pl.lit(kind).alias("kind"), pl.lit(smin).alias("scale_min"),
            pl.lit(smax).alias("scale_max"), pl.lit(index).alias("_x_q"))
        parts.append(part.filter(pl.col("score").is_not_null()))
    frame = pl.concat(parts, how="diagonal_relaxed") if parts else base.head(0)
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
    return finish(batch, "surveys", frame)


def apply_long_scales(batch: Batch) -> Batch:
    """Scale per kind for long sheets (one row per response, the kind in a column)."""
    frame = batch.tables["surveys"]
    if not frame.height:
        return batch
    stats = frame.group_by("kind").agg(pl.col("score").min().alias("lo"), pl.col("score").max().alias("hi"))
    scales = {}
    for kind, lo, hi in stats.iter_rows():
        smin, smax, note = infer_scale(kind, lo, hi)
        scales[kind] = (smin, smax)
        batch.notes.append(f"{kind.upper()}: scale {smin:g}-{smax:g}" + (f" ({note})" if note else ""))
    frame = frame.with_columns(
        pl.col("kind").replace_strict({k: v[0] for k, v in scales.items()}, return_dtype=pl.Float64).alias("scale_min"),
        pl.col("kind").replace_strict({k: v[1] for k, v in scales.items()}, return_dtype=pl.Float64).alias("scale_max"))
    batch.tables["surveys"] = frame
    return batch
