"""A column mapping suggested from a file's headers, ready to save and edit, and the message for a
file no format recognises.

``suggestion(headers)`` maps every column it can (not only the required ones) into the table the
headers fit best, reads headers that carry their entity's name ("Ticket Priority", "Приоритет
обращения") as the column they name, and lists every column it could not map as a comment with
its best guess. ``unrecognised(path, headers)`` is the LoadError for a file that nothing loads as
it is: what each candidate format needs, which of it the file lacks, and the suggested mapping
printed in full (issue 13's rule: never "rename to one of the names shown" without the names).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from loaders import mapping as mapping_mod
from loaders import schema, vocab
from loaders.base import LoadError

# What each table needs to load through the generic reader, in one line (the message lists these).
NEEDS = {
    "tickets": "an id and a creation date (status, priority, channel, subject, ... optional)",
    "calls": "a start time and an outcome, answer time or talk time",
    "surveys": "a score column, or one column per question whose header is the question (How likely are you to "
               "recommend ... / How satisfied ... / How easy ...); date, id and segment optional",
    "customers": "an id and a churn flag or status, a churn date, a start date or tenure, or revenue (without a "
                 "mapping, a churn list needs no id: a churn flag or status such as Churn, Exited or Customer Status "
                 "with Yes/No, 1/0, True/False or Churned/Stayed values, plus tenure or charges)",
    "ticket_events": "a ticket id, a time and an activity or status",
}
_STOP = {"of", "the", "a", "an", "in", "at", "to", "for", "by", "on", "id", "no", "number", "date", "time",
         "в", "на", "по", "для", "и", "номер", "дата", "время"}


@dataclass
class Suggestion:
    table: str
    columns: dict[str, str]
    coverage: float  # share of the table's required columns found
    constants: dict[str, str] = field(default_factory=dict)
    unmapped: list[tuple[str, str]] = field(default_factory=list)  # (header, best guess or why none)
    problems: list[str] = field(default_factory=list)  # what a load with it would still lack

    def mapping(self, source: str | None = None) -> dict:
        m = {"table": self.table, "columns": dict(self.columns)}
        if source:
            m["source"] = source
        if self.constants:
            m["constants"] = dict(self.constants)
        return m

    def toml(self, source: str | None = None) -> str:
        """The mapping as TOML, with TODO lines for what is missing and every column it could not
        map as a comment under [columns]: a best guess as a line to uncomment, or why none fits."""
        lines = [f"# TODO: {p}" for p in self.problems]
        lines.append(f"table = {json.dumps(self.table)}")
        if source:
            lines.append(f"source = {json.dumps(source, ensure_ascii=False)}")
        lines += ["", "[columns]"]
        lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in self.columns.items()]
        if self.unmapped:
            lines.append(f"# not mapped ({len(self.unmapped)}); to load one, remove the '# ' before its line:")
            lines += [f"# {guess}" for _, guess in self.unmapped]
        if self.constants:
            lines += ["", "[constants]"] + [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in self.constants.items()]
        return "\n".join(lines) + "\n"


def _tokens(text: str) -> set[str]:
    return {t for t in vocab.normalise_header(text).split() if t not in _STOP}


def best_guess(header: str, table: str, taken: set[str]) -> str:
    """A comment line for an unmapped header: the canonical column it most likely is (in this
    table first, then in another table's files), or why none fits."""
    norm = vocab.normalise_header(header)
    words = _tokens(header) - {w for ws in vocab.ENTITY_PREFIXES.values() for w in ws}
    stripped = vocab.strip_entity(norm, table)
    best: tuple[float, str, str, str] | None = None
    for tbl in [table] + [t for t in vocab.SYNONYMS if t != table]:
        for canonical, names in vocab.SYNONYMS[tbl].items():
            for name in names:
                n = vocab.normalise_header(name)
                if n in (norm, stripped):
                    score = 2.0
                else:
                    other = _tokens(name)
                    if not other or not words:
                        continue
                    score = len(words & other) / max(len(other), len(words))
                if score > 0 and (best is None or score > best[0] + (0.01 if tbl != table else 0)):
                    best = (score, tbl, canonical, name)
    shown = json.dumps(header, ensure_ascii=False)
    if best is None or best[0] < 0.34:
        return f"{shown}: no column of {table} holds this; it is not loaded"
    score, tbl, canonical, name = best
    if tbl != table:
        return f"{shown}: looks like {tbl}.{canonical} (like {name!r}); load it from a {tbl} file, not as {table}"
    if canonical in taken:
        return f"{canonical} = {shown}   # best guess, like {name!r}; {canonical} is mapped to another column above"
    return f"{canonical} = {shown}   # best guess, like {name!r}; check it"


def _survey_constants(columns: dict[str, str], headers: list[str]) -> dict[str, str]:
    """A survey file whose answers sit under the question: that column is the score, its kind the
    question's."""
    from loaders.survey_values import kind_of

    if "score" in columns:
        kind = kind_of(columns["score"])
        return {"kind": kind} if kind and "kind" not in columns else {}
    for h in headers:
        kind = kind_of(h)
        if kind and len(h.split()) >= 3 and h not in columns.values():
            columns["score"] = h
            return {"kind": kind}
    return {}


def _has_question(headers: list[str]) -> bool:
    from loaders.survey_values import kind_of

    return any(kind_of(h) and len(str(h).split()) >= 3 and "?" in str(h) or (kind_of(h) and len(str(h).split()) >= 5)
               for h in headers)


def suggestion(headers: list[str], table: str | None = None, file_name: str = "") -> Suggestion:
    table_, columns, coverage = mapping_mod.suggest(headers, table)
    if table is None and coverage < 1.0 and _has_question(headers):
        table_, columns, coverage = mapping_mod.suggest(headers, "surveys")  # the question is the score column
    columns = dict(columns)
    constants = _survey_constants(columns, headers) if table_ == "surveys" else {}
    if table_ == "surveys" and "score" in columns:
        coverage = 1.0
    s = Suggestion(table_, columns, coverage, constants)
    m = s.mapping()
    s.problems = mapping_mod.validate(m, headers, file_name or "the file")
    used = set(columns.values())
    for h in headers:
        if h in used or not str(h).strip() or str(h).startswith("_x_"):
            continue
        s.unmapped.append((h, best_guess(h, table_, set(columns))))
    return s


def _missing_for(table: str, headers: list[str]) -> str:
    """What the file lacks to load as ``table`` through the generic reader ('' when nothing)."""
    _, columns, coverage = mapping_mod.suggest(headers, table)
    if table == "customers":
        normalised = {h: vocab.normalise_header(h) for h in headers}
        distinctive = [c for c, h in columns.items() if c != "source_id"
                       and not (c == "churned" and normalised.get(h) in ("status", "статус"))]
        if not distinctive:
            return ("a column only a customer list has (a churn flag, churn date, start date, tenure or revenue): "
                    "an id and a status alone fit any table")
    if coverage >= 1.0:
        return ""
    problems = mapping_mod.validate({"table": table, "columns": columns}, headers, "")
    lacking = []
    described = {c.name: c.description for c in schema.columns(table)}
    for p in problems:
        m = re.match(r"required column '(\w+)'", p)
        if not m:
            continue
        name = m.group(1)
        looked_for = ", ".join(repr(n) for n in vocab.SYNONYMS.get(table, {}).get(name, [])[:5])
        what = described.get(name, "").split(";")[0].rstrip(".").replace(" (UTC)", "")
        what = what[:1].lower() + what[1:]
        lacking.append(f"{name} ({what})" + (f"; headers read as it: {looked_for}" if looked_for else ""))
    if table == "calls" and not lacking:
        lacking.append("an outcome, answer time or talk time column")
    return "; ".join(lacking)


def unrecognised(path: Path, headers: list[str], table: str | None = None,
                 detected: list[tuple[object, float, str]] | None = None) -> LoadError:
    """The LoadError for a file no format loads as it is: every candidate format with what it
    needs and what the file lacks, and the suggested mapping in full."""
    name = Path(path).name
    problems = []
    tables = [table] if table else ["tickets", "calls", "surveys", "customers"]
    for tbl in tables:
        lacking = _missing_for(tbl, headers)
        if tbl == "surveys":
            from loaders.survey_values import kind_of

            from loaders.adapters.surveys import foreign_shape

            question = next((h for h in headers if kind_of(h) and len(h.split()) >= 3), None)
            score = question or mapping_mod.suggest(headers, "surveys")[1].get("score")
            if score:
                # A rating column the survey reader stepped aside for (a ticket export without a
                # creation date, a customer list ...): its answers still load through the survey mapping.
                other = foreign_shape(headers)
                problems.append(f"as {tbl}: needs {NEEDS[tbl]}; "
                                + (f"this file looks like {other}, so it is not read as a survey; " if other else "")
                                + f"to load {score!r} as survey answers"
                                + (" linked to their ticket" if "ticket_id" in mapping_mod.suggest(headers, "surveys")[1]
                                   else "")
                                + f": `cli.py suggest {name} --table surveys > map.toml` prints that mapping")
                continue
            lacking = "a score column or a column headed by a CSAT/NPS/CES question"
        problems.append(f"as {tbl}: needs {NEEDS[tbl]}" + (f"; missing here: {lacking}" if lacking else ""))
    for adapter, score, why in (detected or []):
        if getattr(adapter, "name", "generic") == "generic" or score <= 0:
            continue
        problems.append(f"as {adapter.title} (format {adapter.name}, {score:.0%} alike: {why}): needs {adapter.accepts}")
    s = suggestion(headers, table, name)
    toml = s.toml(Path(path).stem.lower())
    fix = (f"save this suggested mapping as map.toml (`cli.py suggest {name} > map.toml` prints it), complete the "
           f"lines marked TODO, then `cli.py load {name} --mapping map.toml`"
           + ("" if table else f"; if the file is not {s.table}, add --table NAME to `suggest`") + ":\n"
           + "\n".join("    " + line for line in toml.rstrip("\n").splitlines()))
    return LoadError(name, problems, fix=fix, found=headers,
                     headline="as it is: no format recognised it; what each kind of file needs, and what this one lacks:")
