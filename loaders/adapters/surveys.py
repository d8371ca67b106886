"""Generic CSAT / NPS / CES sheets (CSV or XLSX).

Two shapes:
* long: one response per row with the survey kind in a column, e.g. the sample generator's
  ``Response ID,Survey,Question,Score,Submitted At,Ticket ID,Customer ID,Agent,Team,Channel,Comment``
  (Survey = CSAT, NPS or CES; the kind may also come from the question text);
* wide: one respondent per row and one column per question, the header being the question
  ("How likely are you to recommend us to a friend?" -> NPS 0-10, "How satisfied were you..."
  -> CSAT, "How easy was it..." -> CES). A column headed just "Score"/"Rating" gets its kind
  from the sheet name ("NPS"), the file name (``nps_2024.csv``) or, failing both, the values
  (max <= 5: CSAT, <= 7: CES, else NPS); the load report says which.

Scales: CSAT 1-5, NPS 0-10, CES 1-7, widened when the data go beyond them (noted). An XLSX
workbook loads every sheet with data (one per survey kind, typically); rows_in is their sum.
"""
from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from loaders.adapters import _contact_maps as maps
from loaders.adapters._contact_common import add_raw_column, finish, pick_columns, reject_where, squash, text, with_raw
from loaders.adapters._survey_common import (Question, apply_long_scales, comment_column, kind_of, load_questions,
                                             score_values)
from loaders.base import Adapter, Batch, LoadError, LoadOptions, Rejects, Sample
from loaders.files import EXCEL_SUFFIXES, ROW, RawTable, excel_sheets, read_table
from loaders.generic import load_with_mapping
from loaders.registry import register

_BASE_ROLES = {"ticket": "ticket_id", "customer": "customer_id", "agent": "agent", "team": "team",
               "channel": "channel", "comment": "comment", "id": "source_id", "date": "responded_at"}
_NAME_HINT = ("survey", "nps", "csat", "ces", "опрос", "feedback", "satisfaction")


def _kinds(series: pl.Series) -> pl.Series:
    """kind_of for every value, computed once per distinct value (survey files repeat a few)."""
    values = text(series.cast(pl.String))
    distinct = values.drop_nulls().unique().to_list()
    return values.replace_strict({v: kind_of(v) for v in distinct}, default=None, return_dtype=pl.String)


def _file_kind(path: Path) -> str | None:
    """nps / csat / ces when the file name says so as a word (`nps_2024.csv`)."""
    named = re.search(r"(?:^|[^a-z])(nps|csat|ces)(?:[^a-z]|$)", Path(path).stem.lower())
    return named.group(1) if named else None


def _is_generator_header(headers: list[str]) -> bool:
    return [h.strip().lstrip("\ufeff") for h in headers] == maps.GENERATOR_SURVEY_HEADER


def _question_columns(headers: list[str], roles: dict[str, str], score_header: str | None = None) -> list[Question]:
    """Columns whose header is a CSAT/NPS/CES question, or a bare score column."""
    taken = set(roles.values())
    out = []
    for h in headers:
        if h in taken or h.startswith("_x_"):
            continue
        kind = kind_of(h)
        if kind and (len(h.split()) >= 3 or squash(h) in ("nps", "csat", "ces")):
            out.append(Question(h, kind))
    if not out and score_header:
        out.append(Question(score_header, kind_of(score_header)))
    return out


def _shape(headers: list[str], hint: str | None = None) -> tuple[str, dict[str, str], list[Question]] | None:
    """('long' | 'wide', roles, questions) or None when the sheet is no survey. ``hint``: a kind
    the sheet or file name gives, which lets a bare date + score sheet count as a survey."""
    roles = pick_columns(headers, maps.SURVEY_COLUMNS)
    if "date" not in roles:
        return None
    if "score" in roles and ("kind" in roles or "question" in roles):
        return "long", roles, []
    wide_roles = {k: v for k, v in roles.items() if k not in ("score", "kind", "question")}
    questions = _question_columns(headers, wide_roles, roles.get("score"))
    if "comment" not in wide_roles:
        comment = comment_column(headers, set(wide_roles.values()) | {q.header for q in questions})
        if comment:
            wide_roles["comment"] = comment
    if questions and (any(q.kind for q in questions) or "id" in roles or hint):
        return "wide", wide_roles, questions
    return None


@register
class SurveySheetAdapter(Adapter):
    name = "survey_sheet"
    title = "CSAT / NPS / CES survey sheet"
    family = "surveys"
    accepts = "CSV/XLSX survey responses: a kind column (CSAT/NPS/CES) and a score, or one column per survey question"

    def _score(self, sample: Sample) -> tuple[float, str]:
        sheets = sample.sheets if sample.sheets else {"": sample.headers}
        best, why = 0.0, ""
        for name, headers in sheets.items():
            if _is_generator_header(headers):
                return 0.99, "the survey_responses layout (Response ID, Survey, Question, Score, Submitted At, ...)"
            shape = _shape(headers, kind_of(name) or _file_kind(sample.path))
            if shape is None:
                continue
            kind, roles, questions = shape
            if kind == "long":
                score, reason = 0.85, f"a survey kind column {roles.get('kind') or roles.get('question')!r} and a score column"
            else:
                hinted = any(h in sample.name for h in _NAME_HINT)
                score = 0.7 if hinted or len(sheets) > 1 else 0.55
                reason = "question columns " + ", ".join(repr(q.header) for q in questions[:3])
            if score > best:
                best, why = score, reason + (f" (sheet {name!r})" if name else "")
        return best, why

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "no survey columns"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        is_excel = path.suffix.lower().lstrip(".") in EXCEL_SUFFIXES
        sheets = [options.sheet] if options.sheet or not is_excel else excel_sheets(path)
        batches: list[tuple[str | None, Batch]] = []
        problems: list[str] = []
        found_headers: list[str] = []
        for sheet in sheets:
            raw = read_table(path, sheet=sheet)
            found_headers = found_headers or raw.headers
            if raw.rows == 0 and is_excel and len(sheets) > 1:
                continue  # an empty sheet in a workbook: nothing to load
            hint = kind_of(sheet) or _file_kind(path)
            shape = "generator" if _is_generator_header(raw.headers) else _shape(raw.headers, hint)
            if shape is None:
                where = f"sheet {sheet!r}: " if is_excel else ""
                problems.append(f"{where}no response date column and no score/question columns")
                continue
            batches.append((sheet if is_excel else None, self._load_sheet(path, options, raw, shape, sheet)))
        if not batches:
            raise LoadError(path.name, problems or ["no sheet with data"], found=found_headers,
                            fix="a survey sheet needs a response date and either a kind (CSAT/NPS/CES) + score column or "
                                "one column per question; otherwise load it with a column mapping (--format generic)")
        batch = batches[0][1] if len(batches) == 1 else self._merge(batches)
        if problems:
            batch.warnings += [f"skipped {p}" for p in problems]
        return batch

    def _load_sheet(self, path: Path, options: LoadOptions, raw: RawTable, shape, sheet: str | None) -> Batch:
        default_source = "surveys" if shape == "generator" else Path(path).stem.lower()
        if shape == "generator":
            roles = pick_columns(raw.headers, maps.SURVEY_COLUMNS)
            return self._load_long(path, options, raw, roles, default_source)
        kind, roles, questions = shape
        if kind == "long":
            return self._load_long(path, options, raw, roles, default_source)
        base = {_BASE_ROLES[r]: h for r, h in roles.items() if r in _BASE_ROLES}
        notes = [f"one column per question ({len(questions)} score column(s))"]
        # A bare "Score" column on a sheet (or in a file) named NPS/CSAT/CES takes that kind.
        hint = kind_of(sheet) or _file_kind(path)
        if hint and any(q.kind is None for q in questions):
            questions = [Question(q.header, q.kind or hint, q.label) for q in questions]
            notes.append(f"kind {hint.upper()} from the {'sheet' if kind_of(sheet) else 'file'} name")
        return load_questions(path, options, raw, base, questions, default_source, notes=notes)

    def _load_long(self, path: Path, options: LoadOptions, raw: RawTable, roles: dict[str, str], default_source: str) -> Batch:
        values, failed, _ = score_values(raw.frame.get_column(roles["score"]))
        add_raw_column(raw, "_x_score", values)
        columns = {_BASE_ROLES[r]: h for r, h in roles.items() if r in _BASE_ROLES}
        columns["score"] = "_x_score"
        mapping = {"table": "surveys", "columns": columns, "constants": {"kind": "derived below"}}
        batch = load_with_mapping(path, options, mapping, default_source=default_source, raw=raw,
                                  notes=["one response per row; kind from " + repr(roles.get("kind") or roles.get("question"))])
        if bool(failed.any()):
            rows = raw.frame.get_column(ROW).filter(failed).head(5).to_list()
            batch.warnings.append(f"column {roles['score']!r}: {int(failed.sum())} value(s) are not a score and were left "
                                  f"empty, e.g. rows {rows}")
        frame = with_raw(batch.tables["surveys"], raw, {f"_x_{r}": roles[r] for r in ("kind", "question") if r in roles})
        kinds = [_kinds(frame.get_column(c)) for c in ("_x_kind", "_x_question") if c in frame.columns]
        kind = pl.select(pl.coalesce([pl.lit(k) for k in kinds])).to_series() if kinds else pl.Series([None] * frame.height)
        frame = frame.with_columns(kind.alias("kind"))
        what = roles.get("kind") or roles.get("question")
        shown = text(frame.get_column("_x_kind" if "_x_kind" in frame.columns else "_x_question"))
        frame = reject_where(frame, frame.get_column("kind").is_null(),
                             frame.select(pl.format("{} {} is not a CSAT, NPS or CES survey; fix the value or remove the row",
                                                    pl.lit(what), pl.lit(shown).fill_null("(empty)"))).to_series(),
                             raw, batch.rejects, column=what, values=shown)
        return apply_long_scales(finish(batch, "surveys", frame))

    @staticmethod
    def _merge(batches: list[tuple[str | None, Batch]]) -> Batch:
        """One batch from several sheets: ids prefixed by the sheet, rejects name their sheet."""
        frames, rejects, warnings, notes = [], Rejects(), [], []
        for sheet, b in batches:
            frames.append(b.tables["surveys"].with_columns(pl.format("{}:{}", pl.lit(sheet), pl.col("source_id"))
                                                           .alias("source_id")))
            for r in b.rejects.rows:
                rejects.rows.append({**r, "reason": f"sheet {sheet!r}: {r['reason']}"})
            warnings += [f"sheet {sheet!r}: {w}" for w in b.warnings]
            notes += [f"sheet {sheet!r}: {n}" for n in b.notes]
        first = batches[0][1]
        return Batch(tables={"surveys": pl.concat(frames, how="diagonal_relaxed")}, rows_in=sum(b.rows_in for _, b in batches),
                     rejects=rejects, warnings=warnings, target_table="surveys", source=first.source,
                     source_tz=first.source_tz, mapping=first.mapping, notes=notes)
