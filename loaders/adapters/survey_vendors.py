"""Survey platform exports: Delighted, SurveyMonkey and Typeform.

Every score question becomes survey rows with its kind and scale (``_survey_common``); text
questions are left out (a "why?"/comment question becomes the comment). Which column links a
response to a customer is said in the load report.

* Delighted: ``Response ID, Score, Comment, Response timestamp, Person ID, Name, Email, ...``
  plus person properties as columns (``Customer ID``, ``Ticket ID``, ...), or the API's JSON.
  NPS unless a ``survey_type`` column or the file name says CSAT/CES.
* SurveyMonkey: two header rows (question / sub-question) joined as ``Question / Sub``;
  ``Respondent ID, Collector ID, Start Date, End Date, IP Address, Email Address, First Name,
  Last Name, Custom Data 1`` then the questions; answers as numbers or choice labels.
  End Date is local to ``--tz``; the customer is Custom Data 1, else the e-mail.
* Typeform: ``#`` (response token), the questions, hidden fields, ``Start Date (UTC)``,
  ``Submit Date (UTC)``, ``Network ID``, ``Tags``; dates are UTC. Partial responses (no
  submit date) are rejected.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from loaders.adapters import _contact_maps as maps
from loaders.adapters._contact_common import add_raw_column, pick, pick_columns, require, squash, squashed_headers, text
from loaders.adapters._survey_common import Question, comment_column, kind_of, load_questions, score_values
from loaders.base import Adapter, Batch, LoadError, LoadOptions, Sample
from loaders.files import EXCEL_SUFFIXES, RawTable, read_table, read_text_table
from loaders.registry import register

_LINK_ROLES = {"ticket": "ticket_id", "customer": "customer_id", "agent": "agent", "team": "team", "channel": "channel"}
DELIGHTED_TYPES = {"nps": "nps", "enps": "nps", "csat": "csat", "five_star": "csat", "smileys": "csat", "ces": "ces",
                   "ces7": "ces", "thumbs": "csat"}


def _score_questions(raw: RawTable, skip: set[str]) -> list[Question]:
    """Question columns that name a kind and hold scores in at least half their answers."""
    out = []
    for h in raw.headers:
        if h in skip or h.startswith("_x_") or not kind_of(h):
            continue
        values, failed, _ = score_values(raw.frame.get_column(h))
        answered = int(values.is_not_null().sum()) + int(failed.sum())
        if answered and values.is_not_null().sum() >= 0.5 * answered:
            out.append(Question(h, kind_of(h)))
    return out


def _utc(options: LoadOptions) -> LoadOptions:
    return dataclasses.replace(options, tz="UTC")


@register
class DelightedAdapter(Adapter):
    name = "delighted"
    title = "Delighted survey responses"
    family = "surveys"
    accepts = "Delighted CSV export (Response ID, Score, Comment, Response timestamp, Person ID, ...) or API JSON"

    def _score(self, sample: Sample) -> tuple[float, str]:
        found = squashed_headers(sample.headers)
        if "score" in found and bool({"responseid", "id"} & found) and bool({"responsetimestamp", "personid"} & found):
            return 0.95, "Delighted columns Response ID, Score, Response timestamp / Person ID"
        if {"score", "surveytype", "person", "permalink"} <= found:
            return 0.9, "Delighted API fields score, survey_type, person, permalink"
        return 0.0, ""

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not a Delighted export"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        raw = read_table(path, sheet=options.sheet)
        col = pick_columns(raw.headers, maps.DELIGHTED_COLUMNS)
        require(path.name, raw.headers, col, {"id": "Response ID", "score": "Score", "date": "Response timestamp"},
                fix="export responses from Delighted with their standard columns, or load the file with a column mapping")
        notes = []
        kind, why = "nps", "Delighted's default survey (NPS)"
        if "kind" in col:
            types = text(raw.frame.get_column(col["kind"])).str.to_lowercase().drop_nulls()
            common = types.mode().sort().to_list()[:1] if types.len() else []
            if common and common[0] in DELIGHTED_TYPES:
                kind, why = DELIGHTED_TYPES[common[0]], f"survey type {common[0]!r} in {col['kind']!r}"
        elif kind_of(Path(path).stem):
            kind, why = kind_of(Path(path).stem), f"the file name {path.name!r}"
        notes.append(f"kind {kind.upper()} from {why}")
        base = {"source_id": col["id"], "responded_at": col["date"]}
        if "comment" in col:
            base["comment"] = col["comment"]
        for role, canonical in _LINK_ROLES.items():
            if role in col:
                base[canonical] = col[role]
        if "customer_id" not in base:
            link = col.get("email") or col.get("person")
            if link:
                base["customer_id"] = link
                notes.append(f"customer linked by {link!r} (no Customer ID property in the export)")
        return load_questions(path, options, raw, base, [Question(col["score"], kind, label="Delighted score", kind_how=f"from {why}")],
                              default_source="delighted", notes=notes)


@register
class SurveyMonkeyAdapter(Adapter):
    name = "surveymonkey"
    title = "SurveyMonkey responses (two header rows)"
    family = "surveys"
    accepts = "SurveyMonkey CSV/XLSX export: Respondent ID, Collector ID, Start Date, End Date, ..., one column per question"

    def _score(self, sample: Sample) -> tuple[float, str]:
        headers = sample.headers or next(iter(sample.sheets.values()), [])
        found = squashed_headers(headers)
        if {"respondentid", "collectorid"} <= found:
            return 0.95, "SurveyMonkey columns Respondent ID, Collector ID"
        return 0.0, ""

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not a SurveyMonkey export"

    @staticmethod
    def _read(path: Path, options: LoadOptions) -> RawTable:
        if path.suffix.lower().lstrip(".") not in EXCEL_SUFFIXES:
            return read_text_table(path, header_rows=2)
        raw = read_table(path, sheet=options.sheet)
        first = raw.frame.head(1)
        id_header = pick(raw.headers, ["respondentid"])
        if first.height and id_header and first.get_column(id_header).cast(pl.String).fill_null("").str.strip_chars().item() == "":
            # The second header row arrived as data: join it onto the names and drop it.
            subs = {h: first.get_column(h).cast(pl.String).item() for h in raw.headers}
            names, current = [], ""
            for h in raw.headers:
                current = current if h.startswith("__UNNAMED__") or not h.strip() else h
                sub = (subs[h] or "").strip()
                names.append(f"{current} / {sub}" if sub and sub.lower() not in ("response", current.lower()) else current)
            from loaders.parsing import dedupe_headers

            names = dedupe_headers(names)
            raw.frame = raw.frame.slice(1).rename(dict(zip(raw.headers, names)))
            raw.headers = names
        return raw

    def load(self, path: Path, options: LoadOptions) -> Batch:
        raw = self._read(path, options)
        fixed = {h for h in raw.headers if squash(h) in maps.SURVEYMONKEY_FIXED}
        id_col = pick(raw.headers, ["respondentid"])
        date_col = pick(raw.headers, ["enddate", "startdate"])
        found = {k: v for k, v in {"id": id_col, "date": date_col}.items() if v}
        require(path.name, raw.headers, found, {"id": "Respondent ID", "date": "End Date"},
                fix="export all responses with SurveyMonkey's standard columns (Respondent ID, ..., End Date)")
        links = pick_columns([h for h in raw.headers if h not in fixed], {r: maps.SURVEY_COLUMNS[r] for r in _LINK_ROLES})
        questions = _score_questions(raw, fixed | set(links.values()))
        if not questions:
            raise LoadError(path.name, ["no CSAT, NPS or CES question with numeric or labelled answers"], found=raw.headers,
                            fix="export with numerical values or keep the question text (satisfied / recommend / easy)")
        base = {"source_id": id_col, "responded_at": date_col}
        base.update({_LINK_ROLES[r]: h for r, h in links.items()})
        notes = [f"questions scored: {', '.join(repr(q.header) for q in questions)}"]
        comment = comment_column(raw.headers, fixed | {q.header for q in questions} | set(links.values()))
        if comment:
            base["comment"] = comment
        if "customer_id" not in base:
            custom, email = pick(raw.headers, ["customdata1", "customdata"]), pick(raw.headers, ["emailaddress"])
            parts = [text(raw.frame.get_column(h)) for h in (custom, email) if h]
            if parts:
                add_raw_column(raw, "_x_customer", pl.select(pl.coalesce([pl.lit(p) for p in parts])).to_series())
                base["customer_id"] = "_x_customer"
                notes.append("customer from " + " else ".join(repr(h) for h in (custom, email) if h))
        return load_questions(path, options, raw, base, questions, default_source="surveymonkey", notes=notes)


@register
class TypeformAdapter(Adapter):
    name = "typeform"
    title = "Typeform responses"
    family = "surveys"
    accepts = "Typeform CSV/XLSX export: #, the questions, hidden fields, Start Date (UTC), Submit Date (UTC), Network ID"

    def _score(self, sample: Sample) -> tuple[float, str]:
        headers = sample.headers or next(iter(sample.sheets.values()), [])
        found = squashed_headers(headers)
        if "#" in found and bool({"submitdateutc", "startdateutc"} & found) and "networkid" in found:
            return 0.95, "Typeform columns #, Submit Date (UTC), Network ID"
        if "#" in found and "submitdateutc" in found:
            return 0.85, "Typeform columns # and Submit Date (UTC)"
        return 0.0, ""

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not a Typeform export"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        raw = read_table(path, sheet=options.sheet)
        id_col, date_col = pick(raw.headers, ["#", "token"]), pick(raw.headers, ["submitdateutc", "submitdate"])
        found = {k: v for k, v in {"id": id_col, "date": date_col}.items() if v}
        require(path.name, raw.headers, found, {"id": "#", "date": "Submit Date (UTC)"},
                fix="download the responses as CSV/XLSX from Typeform's Results page with all columns")
        fixed = {h for h in raw.headers if squash(h) in maps.TYPEFORM_FIXED}
        links = pick_columns([h for h in raw.headers if h not in fixed], {r: maps.SURVEY_COLUMNS[r] for r in _LINK_ROLES})
        questions = _score_questions(raw, fixed | set(links.values()))
        if not questions:
            raise LoadError(path.name, ["no CSAT, NPS or CES question with numeric answers"], found=raw.headers,
                            fix="keep the question text in the header (satisfied / recommend / easy) or use a mapping")
        base = {"source_id": id_col, "responded_at": date_col}
        base.update({_LINK_ROLES[r]: h for r, h in links.items()})
        comment = comment_column(raw.headers, fixed | {q.header for q in questions} | set(links.values()))
        if comment:
            base["comment"] = comment
        notes = [f"questions scored: {', '.join(repr(q.header) for q in questions)}", "Typeform dates are UTC"]
        if "customer_id" in base:
            notes.append(f"customer from the hidden field {base['customer_id']!r}")
        return load_questions(path, _utc(options), raw, base, questions, default_source="typeform", notes=notes)
