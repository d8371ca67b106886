"""Generic CSAT / NPS / CES sheets (CSV or XLSX).

Two shapes:
* long: one response per row with the survey kind in a column, e.g. the sample generator's
  ``Response ID,Survey,Question,Score,Submitted At,Ticket ID,Customer ID,Agent,Team,Channel,Comment``
  (Survey = CSAT, NPS or CES; the kind may also come from the question text);
* wide: one respondent per row and one column per question, the header being the question
  ("How likely are you to recommend <anything> to a friend or colleague?" -> NPS, "How satisfied
  were you with..." -> CSAT, "How easy was it to..." -> CES, and their Russian wordings, see
  ``loaders/survey_values.py``). A column headed just "Score"/"Rating" gets its kind from the
  sheet name ("NPS"), the file name (``nps_2024.csv``) or, failing both, the answers; the load
  report says which.

A response date is optional: a sheet with a respondent or customer id, a segment (brand,
product, airline, region, wave ...) and the answers loads undated; undated responses count in
all-time and per-segment figures and stay out of trends. Without an id column a response's id is
its row number.

Scales: from the question when it states one, else from the bulk of the answers (CSAT 1-5, NPS
0-10, CES 1-7 unless most answers lie beyond); an answer outside the scale rejects its row.

Workbooks: every sheet with data loads. Sheets of the same columns (one per brand or wave) take
their sheet name as the ``segment`` of their rows (unless they have a segment column, or the
sheet is named after a survey kind such as "NPS"); the load report lists the segments. A sheet
of another shape is loaded on its own when it is a survey, and named in a warning when it is not;
an empty sheet is named in a note.
"""
from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from loaders.adapters import _contact_maps as maps
from loaders.adapters._contact_common import add_raw_column, finish, pick_columns, reject_where, squash, text, with_raw
from loaders.adapters._survey_common import (Question, apply_long_scales, comment_column, is_comment_question, kind_of,
                                             load_questions, score_values, settle_dates, undated_note)
from loaders.base import Adapter, Batch, LoadError, LoadOptions, Rejects, Sample
from loaders.files import EXCEL_SUFFIXES, ROW, RawTable, excel_sheets, read_table
from loaders.generic import load_with_mapping
from loaders.registry import register

_BASE_ROLES = {"ticket": "ticket_id", "customer": "customer_id", "agent": "agent", "team": "team",
               "channel": "channel", "comment": "comment", "id": "source_id", "date": "responded_at",
               "segment": "segment"}
_NAME_HINT = ("survey", "nps", "csat", "ces", "опрос", "feedback", "satisfaction", "анкет")
# Headers of a ticket export (its subject, status, priority ...): a sheet with two of them is a
# ticket export that carries a rating column, not a survey (loaders/generic.py reads the rating).
TICKET_SIGNALS = {"status", "priority", "subject", "description", "tickettype", "ticketstatus", "ticketpriority",
                  "ticketsubject", "ticketdescription", "ticketchannel", "resolution", "timetoresolution",
                  "firstresponsetime", "статус", "приоритет", "тема", "описание", "статусзаявки", "приоритетзаявки"}
# When a ticket was solved or closed: no survey export carries it, so one of these counts as two signals
# ("Ticket ID, Created At, Solved At, Customer Satisfaction Rating" is a ticket export).
TICKET_LIFECYCLE = {"solvedat", "resolvedat", "closedat", "solved", "resolved", "closed", "solveddate",
                    "resolveddate", "closeddate", "resolutiondate", "ticketresolutiondate", "ticketcloseddate",
                    "ticketsolvedat", "ticketresolvedat", "датарешения", "датазакрытия", "решено", "закрыто"}
NEEDS = ("a survey sheet needs one column per question whose header is the question (How likely are you to recommend "
         "... / How satisfied ... / How easy ..., or their Russian wordings), or a kind column (CSAT/NPS/CES) and a "
         "score column; a response date, a respondent id and a segment (brand, region, wave ...) are optional")


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
        if h in taken or h.startswith("_x_") or is_comment_question(h):
            continue
        kind = kind_of(h)
        if kind and (len(h.split()) >= 3 or squash(h) in ("nps", "csat", "ces", "enps")):
            out.append(Question(h, kind))
    if not out and score_header:
        out.append(Question(score_header, kind_of(score_header)))
    return out


def foreign_shape(headers: list[str]) -> str | None:
    """Why a sheet with survey-looking columns is another kind of file, or None."""
    found = {squash(h) for h in headers}
    if len(found & TICKET_SIGNALS) + 2 * len(found & TICKET_LIFECYCLE) >= 2:
        return "a ticket export (status, priority, subject ...) with a rating column"
    flags = set(getattr(maps, "CHURN_FLAG_HEADERS", ())) | {"churn", "churned", "churnlabel", "churnvalue", "exited"}
    if found & flags or len(found & maps.CUSTOMER_SIGNALS) >= 2:
        return "a customer or churn list with a satisfaction column"
    return None


def _shape(headers: list[str], hint: str | None = None) -> tuple[str, dict[str, str], list[Question]] | None:
    """('long' | 'wide', roles, questions) or None when the sheet is no survey. ``hint``: a kind
    the sheet or file name gives, which lets a bare id/date + score sheet count as a survey."""
    roles = pick_columns(headers, maps.SURVEY_COLUMNS, entity="surveys")
    if "score" in roles and ("kind" in roles or "question" in roles):
        return "long", roles, []
    wide_roles = {k: v for k, v in roles.items() if k not in ("score", "kind", "question")}
    questions = _question_columns(headers, wide_roles, roles.get("score"))
    if "comment" not in wide_roles:
        comment = comment_column(headers, set(wide_roles.values()) | {q.header for q in questions})
        if comment:
            wide_roles["comment"] = comment
    # A bare score column needs company: a survey kind named by the sheet/file, or an id and a date.
    if questions and (any(q.kind for q in questions) or {"id", "date"} <= set(roles)
                      or (hint and ({"id", "date"} & set(roles)))):
        return "wide", wide_roles, questions
    return None


def _signature(headers: list[str]) -> list[str]:
    """What a sheet's columns are, not their exact words: a question column is its kind (the
    question names each sheet's brand: "...recommend Aeroflot..." / "...recommend S7..."), a
    recognised column its role, any other column its squashed name."""
    roles = {h: r for r, h in pick_columns(headers, maps.SURVEY_COLUMNS, entity="surveys").items()}
    out = []
    for h in headers:
        if not str(h).strip():
            continue
        kind = kind_of(h) if len(str(h).split()) >= 3 and not is_comment_question(h) else None
        out.append(f"q:{kind}" if kind else f"r:{roles[h]}" if h in roles else squash(h))
    return sorted(out)


def _same_shape(a: list[str], b: list[str]) -> bool:
    return _signature(a) == _signature(b)


def _sheet_segments(sheets: dict[str, list[str]]) -> set[str]:
    """Sheets whose name becomes the segment of their rows: two or more sheets of one shape (the
    largest group), not named after a survey kind."""
    groups: list[list[str]] = []
    for name, headers in sheets.items():
        for g in groups:
            if _same_shape(sheets[g[0]], headers):
                g.append(name)
                break
        else:
            groups.append([name])
    best = max(groups, key=len) if groups else []
    if len(best) < 2:
        return set()
    return {name for name in best if not kind_of(name)}


def _row_ids(raw: RawTable, columns: dict[str, str], notes: list[str]) -> None:
    """Without an id column, a response's id is its row number: anonymous sheets repeat the same
    answers, and a content hash would merge different respondents into one."""
    if "source_id" in columns:
        return
    add_raw_column(raw, "_x_row_id", raw.frame.select(pl.format("row {}", pl.col(ROW))).to_series())
    columns["source_id"] = "_x_row_id"
    notes.append("no respondent id column: each response's id is its row number (a newer version of this file "
                 "replaces it row for row)")


@register
class SurveySheetAdapter(Adapter):
    name = "survey_sheet"
    title = "CSAT / NPS / CES survey sheet"
    family = "surveys"
    accepts = ("CSV/XLSX survey responses: one column per question (the question text as header, English or Russian) "
               "or a kind column (CSAT/NPS/CES) and a score; date, respondent id and segment optional; "
               "one sheet per brand/wave becomes a segment")

    def _score(self, sample: Sample) -> tuple[float, str]:
        sheets = sample.sheets if sample.sheets else {"": sample.headers}
        best, why = 0.0, ""
        for name, headers in sheets.items():
            if _is_generator_header(headers):
                return 0.99, "the survey_responses layout (Response ID, Survey, Question, Score, Submitted At, ...)"
            shape = _shape(headers, kind_of(name) or _file_kind(sample.path))
            if shape is None or foreign_shape(headers):
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
        raws: dict[str | None, RawTable] = {}
        empty: list[str] = []
        for sheet in sheets:
            raw = read_table(path, sheet=sheet)
            if raw.rows == 0 and is_excel and len(sheets) > 1:
                empty.append(sheet)  # an empty sheet in a workbook: nothing to load, but said
                continue
            raws[sheet if is_excel else None] = raw
        segment_sheets = _sheet_segments({s: r.headers for s, r in raws.items() if s is not None}) \
            if is_excel and len(raws) > 1 else set()
        batches: list[tuple[str | None, Batch]] = []
        problems: list[str] = []
        other_shape: list[str] = []
        found_headers: list[str] = next((r.headers for r in raws.values()), [])
        reference = next((raws[s].headers for s in raws if s in segment_sheets), None)
        for sheet, raw in raws.items():
            hint = kind_of(sheet) or _file_kind(path)
            shape = "generator" if _is_generator_header(raw.headers) else _shape(raw.headers, hint)
            where = f"sheet {sheet!r}" if is_excel else path.name
            if shape is None:
                problems.append(f"{where} is not a survey: its columns ({', '.join(raw.headers[:8])}"
                                f"{', ...' if len(raw.headers) > 8 else ''}) hold no CSAT/NPS/CES question or score")
                continue
            segment = sheet if sheet in segment_sheets and (shape == "generator" or "segment" not in shape[1]) else None
            batch = self._load_sheet(path, options, raw, shape, sheet, segment)
            if is_excel and reference is not None and sheet not in segment_sheets and len(raws) > 1:
                other_shape.append(f"sheet {sheet!r} has other columns ({', '.join(raw.headers[:6])}"
                                   f"{', ...' if len(raw.headers) > 6 else ''}) than the sheets "
                                   f"{', '.join(repr(s) for s in sorted(segment_sheets))}: loaded on its own, without "
                                   f"a sheet segment")
            batches.append((sheet if is_excel else None, batch))
        if not batches:
            raise LoadError(path.name, problems or ["no sheet with data"], found=found_headers,
                            fix=NEEDS + "; otherwise load it with a column mapping (`cli.py suggest` prints one)")
        batch = batches[0][1] if len(batches) == 1 else self._merge(batches)
        if len(batches) == 1 and batches[0][0] is not None and len(sheets) > 1:
            batch.notes.insert(0, f"sheet {batches[0][0]!r}")
        if segment_sheets:
            shown = ", ".join(f"{s!r} ({b.rows_loaded:,} responses)" for s, b in batches if s in segment_sheets)
            batch.notes.insert(0, f"{len(segment_sheets)} sheets of the same columns: each sheet's name is the segment "
                                  f"of its responses: {shown}")
        batch.warnings += other_shape + [f"{p}: not loaded ({NEEDS})" for p in problems]
        batch.notes += [f"sheet {s!r} is empty: nothing to load" for s in empty]
        return batch

    def _load_sheet(self, path: Path, options: LoadOptions, raw: RawTable, shape, sheet: str | None,
                    segment: str | None = None) -> Batch:
        default_source = "surveys" if shape == "generator" else Path(path).stem.lower()
        if shape == "generator":
            roles = pick_columns(raw.headers, maps.SURVEY_COLUMNS, entity="surveys")
            return self._load_long(path, options, raw, roles, default_source, segment)
        kind, roles, questions = shape
        if kind == "long":
            return self._load_long(path, options, raw, roles, default_source, segment)
        base = {_BASE_ROLES[r]: h for r, h in roles.items() if r in _BASE_ROLES}
        notes = [f"one column per question ({len(questions)} score column(s))"]
        _row_ids(raw, base, notes)
        if "segment" in base:
            notes.append(f"segment from the column {base['segment']!r}")
        # A bare "Score" column on a sheet (or in a file) named NPS/CSAT/CES takes that kind.
        hint = kind_of(sheet) or _file_kind(path)
        if hint and any(q.kind is None for q in questions):
            where = "sheet" if kind_of(sheet) else "file"
            questions = [Question(q.header, q.kind or hint, q.label, "" if q.kind else f"from the {where} name")
                         for q in questions]
            notes.append(f"kind {hint.upper()} from the {'sheet' if kind_of(sheet) else 'file'} name")
        return load_questions(path, options, raw, base, questions, default_source, notes=notes, segment=segment)

    def _load_long(self, path: Path, options: LoadOptions, raw: RawTable, roles: dict[str, str], default_source: str,
                   segment: str | None = None) -> Batch:
        values, failed, _ = score_values(raw.frame.get_column(roles["score"]))
        add_raw_column(raw, "_x_score", values)
        columns = {_BASE_ROLES[r]: h for r, h in roles.items() if r in _BASE_ROLES}
        columns["score"] = "_x_score"
        notes = ["one response per row; kind from " + repr(roles.get("kind") or roles.get("question"))]
        _row_ids(raw, columns, notes)
        mapping = {"table": "surveys", "columns": columns}
        batch = load_with_mapping(path, options, mapping, default_source=default_source, raw=raw, notes=notes)
        if bool(failed.any()):
            rows = raw.frame.get_column(ROW).filter(failed).head(5).to_list()
            batch.warnings.append(f"column {roles['score']!r}: {int(failed.sum())} value(s) are not a score and were left "
                                  f"empty, e.g. rows {rows}")
        frame = settle_dates(batch, raw, columns.get("responded_at"))
        frame = with_raw(frame, raw, {f"_x_{r}": roles[r] for r in ("kind", "question") if r in roles})
        kinds = [_kinds(frame.get_column(c)) for c in ("_x_kind", "_x_question") if c in frame.columns]
        kind = pl.select(pl.coalesce([pl.lit(k) for k in kinds])).to_series() if kinds else pl.Series([None] * frame.height)
        frame = frame.with_columns(kind.alias("kind"))
        what = roles.get("kind") or roles.get("question")
        shown = text(frame.get_column("_x_kind" if "_x_kind" in frame.columns else "_x_question"))
        frame = reject_where(frame, frame.get_column("kind").is_null(),
                             frame.select(pl.format("{} {} is not a CSAT, NPS or CES survey; fix the value or remove the row",
                                                    pl.lit(what), pl.lit(shown).fill_null("(empty)"))).to_series(),
                             raw, batch.rejects, column=what, values=shown)
        frame = apply_long_scales(batch, raw, frame, roles["score"], "_x_question" if "_x_question" in frame.columns else None)
        if segment is not None:
            seg = pl.col("segment").fill_null(pl.lit(segment)) if "segment" in frame.columns else pl.lit(segment)
            frame = frame.with_columns(seg.cast(pl.String).alias("segment"))
        undated = undated_note(frame, "responded_at" in columns)
        if undated:
            batch.notes.append(undated)
        return finish(batch, "surveys", frame.with_columns(pl.lit("survey").alias("origin")))

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
