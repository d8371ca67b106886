"""What a survey answer means: the kind of a question (CSAT / NPS / CES, from its text in English
or Russian), scores from numbers or answer labels, and the scale they sit on.

The scale comes from the question first ("on a scale of 0 to 10", "(1-5)", "от 1 до 10",
"1 = very dissatisfied, 5 = very satisfied"), then from the *bulk* of the answers: the kind's
standard scale (CSAT 1-5, NPS 0-10, CES 1-7) holds unless a real share of the answers lies beyond
it (``is_bulk``), in which case the narrowest wider standard scale that holds the bulk is used
(a CSAT sheet scored 1-10). A stray answer (an NPS of 11, a CSAT of 7, -3 or 1e400) never moves
the scale: it is rejected as a row with its reason (``out_of_scale``). Used by the survey
adapters, the generic loader (surveys through a mapping) and ticket exports that carry a rating.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import polars as pl

from loaders import parsing

# Question text -> kind (regular expressions on lower-case text with ё as е, tried in this order:
# "Оцените, насколько легко..." is CES, not CSAT). Sources of the wordings: Bain's NPS question
# ("How likely is it that you would recommend [company] to a friend or colleague?") as SurveyMonkey,
# Qualtrics, Typeform, Delighted and Google Forms templates phrase it; CES 2.0 ("[Company] made it
# easy for me to handle my issue") and CES 1.0 ("How much effort did you personally have to put
# forth...?"); the usual CSAT wordings ("How satisfied were you with...", "How would you rate...").
KIND_PATTERNS: list[tuple[str, str]] = [
    ("nps", r"\be?nps\b|rec+om+[ae]nd|net promoter|promoter score|likelihood to recom|\bltr\b|рекоменд|"
            r"посоветова|\bипл\b|индекс потребительской лояльности"),
    ("ces", r"\bces\b|customer effort|\beasy\b|\beasier\b|\bease\b|\beasily\b|effort|hassle|"
            r"легк|просто ли|насколько просто|сколько усили|усили|удобно ли было"),
    ("csat", r"csat|satisf|happy|\brate\b|\brating\b|\bratings\b|how did we do|how was your|overall experience|"
             r"how would you (?:rate|describe)|\bstars?\b|доволь|удовлетвор|оцен|понравил"),
]
# Standard scales per kind, the kind's default first, then wider ones a sheet may use.
SCALES: dict[str, list[tuple[float, float]]] = {
    "csat": [(1.0, 5.0), (1.0, 7.0), (1.0, 10.0), (0.0, 10.0), (0.0, 100.0)],
    "nps": [(0.0, 10.0)],
    "ces": [(1.0, 7.0), (1.0, 10.0)],
}
# A question column with no kind in its text: the narrowest of these holding the bulk names it.
KIND_BY_SCALE: list[tuple[str, tuple[float, float]]] = [("csat", (1.0, 5.0)), ("ces", (1.0, 7.0)), ("nps", (0.0, 10.0))]
# Answers beyond a scale are its *bulk* (the scale is wrong) when they are at least half of the
# answers, or at least BULK_SHARE of them spread over two or more distinct values. One stray
# value, however often repeated below half, is a typo to reject, not a scale.
BULK_SHARE = 0.2
_STATED_HIGH = {3.0, 4.0, 5.0, 6.0, 7.0, 9.0, 10.0, 11.0, 100.0}
_NUM = r"(\d{1,3})"
# A number not inside another one ("1,5" and "2.10" hold no range; "0 to 10, how..." does).
_RANGE = re.compile(r"(?<!\d)(?<!\d[.,])([01])\s*(?:-|–|—|to|до|\.\.|…)\s*" + _NUM + r"(?!\d|[.,]\d)")
_ENDS = re.compile(r"(?<!\d)(?<!\d[.,])([01])\s*=\s*[^=]{1,60}?[,;/]\s*" + _NUM + r"\s*=")
_LEADING_NUMBER = r"^\s*(-?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?)\s*(?:[-–—:(/=]|$)"

# Answer labels (SurveyMonkey exports the choice text by default) -> score on the kind's scale.
SCORE_LABELS = {
    "very satisfied": 5, "satisfied": 4, "somewhat satisfied": 4, "neither satisfied nor dissatisfied": 3,
    "neutral": 3, "somewhat dissatisfied": 2, "dissatisfied": 2, "very dissatisfied": 1,
    "extremely satisfied": 5, "extremely dissatisfied": 1,
    "very easy": 7, "easy": 6, "somewhat easy": 5, "neither easy nor difficult": 4, "somewhat difficult": 3,
    "difficult": 2, "very difficult": 1,
    "strongly agree": 7, "agree": 6, "somewhat agree": 5, "neither agree nor disagree": 4,
    "somewhat disagree": 3, "disagree": 2, "strongly disagree": 1,
    "good": 1, "bad": 0, "good with comment": 1, "bad with comment": 0,
    "очень доволен": 5, "доволен": 4, "нейтрально": 3, "не доволен": 2, "недоволен": 2, "очень недоволен": 1,
    "полностью удовлетворен": 5, "удовлетворен": 4, "не удовлетворен": 2, "совсем не удовлетворен": 1,
    "хорошо": 1, "плохо": 0,
}
# Label sets whose scale is not the kind's default: good/bad ratings are 1/0 on 0..1.
LABEL_SCALES = {"good": (0.0, 1.0), "bad": (0.0, 1.0), "good with comment": (0.0, 1.0),
                "bad with comment": (0.0, 1.0), "хорошо": (0.0, 1.0), "плохо": (0.0, 1.0)}


def kind_of(question: str | None) -> str | None:
    """csat / nps / ces from a question or survey name, None when it says nothing."""
    if not question:
        return None
    q = str(question).lower().replace("ё", "е")
    for kind, pattern in KIND_PATTERNS:
        if re.search(pattern, q):
            return kind
    return None


def stated_scale(question: str | None) -> tuple[float, float] | None:
    """The scale a question states: "(0-10)", "from 1 to 5", "по шкале от 1 до 10",
    "1 = very dissatisfied, 5 = very satisfied"; None when it states none."""
    if not question:
        return None
    q = str(question).lower()
    for pattern in (_ENDS, _RANGE):
        m = pattern.search(q)
        if m:
            lo, hi = float(m.group(1)), float(m.group(2))
            if hi in _STATED_HIGH and hi > lo:
                return lo, hi
    return None


def score_values(series: pl.Series) -> tuple[pl.Series, pl.Series, tuple[float, float] | None]:
    """(scores, failed mask, scale implied by labels or None).

    Numbers as numbers; `10 - Extremely likely` -> 10; answer labels (`Very satisfied`, `good`)
    through ``SCORE_LABELS``. A number too large for a float (1e400) comes back as infinity:
    ``out_of_scale`` rejects it.
    """
    if series.dtype.is_numeric():
        values = series.cast(pl.Float64)
        return values, pl.Series("failed", [False] * len(series)), None
    if series.dtype == pl.Boolean:
        values = series.cast(pl.Float64)
        return values, pl.Series("failed", [False] * len(series)), (0.0, 1.0)
    s = parsing.null_missing(series.cast(pl.String))
    numbers, _ = parsing.parse_number(s.str.extract(_LEADING_NUMBER, 1).fill_null(s))
    lowered = s.str.to_lowercase().str.replace_all("ё", "е").str.replace_all(r"\s+", " ")
    labels = lowered.replace_strict({k: float(v) for k, v in SCORE_LABELS.items()}, default=None,
                                    return_dtype=pl.Float64)
    values = pl.select(pl.coalesce(pl.lit(numbers), pl.lit(labels))).to_series().alias(series.name)
    failed = (s.is_not_null() & values.is_null()).alias("failed")
    label_scale = None
    used = set(lowered.filter(labels.is_not_null() & numbers.is_null()).unique().to_list())
    if used and used <= set(LABEL_SCALES):
        label_scale = LABEL_SCALES[next(iter(used))]
    return values, failed, label_scale


def _finite(values: pl.Series) -> pl.Series:
    v = values.drop_nulls()
    return v.filter(v.is_finite()) if v.dtype.is_float() else v


def is_bulk(outside: int, distinct_outside: int, total: int) -> bool:
    """Whether the answers beyond a scale are too many to be stray values (see BULK_SHARE)."""
    if not total or not outside:
        return False
    share = outside / total
    return share >= 0.5 or (share >= BULK_SHARE and distinct_outside >= 2)


def _fits(values: pl.Series, lo: float, hi: float) -> bool:
    """True when the values beyond [lo, hi] are not its bulk."""
    outside = values.filter((values < lo) | (values > hi))
    return not is_bulk(outside.len(), outside.n_unique(), values.len())


@dataclass
class Scale:
    low: float
    high: float
    how: str  # "the question", "the kind's standard scale", "the answers", "the answer labels"

    def describe(self) -> str:
        return f"{self.low:g}-{self.high:g}"


def choose_scale(kind: str, values: pl.Series, question: str | None = None,
                 label_scale: tuple[float, float] | None = None) -> Scale:
    """The scale of one question's answers (see the module docstring)."""
    stated = stated_scale(question)
    if stated:
        return Scale(stated[0], stated[1], "the question")
    if label_scale:
        return Scale(label_scale[0], label_scale[1], "the answer labels")
    finite = _finite(values)
    candidates = SCALES.get(kind, SCALES["csat"])
    default = candidates[0]
    for lo, hi in candidates:
        if _fits(finite, lo, hi):
            if (lo, hi) == default:
                return Scale(lo, hi, "the kind's standard scale")
            if lo == 1.0 and (0.0, hi) in candidates and bool((finite == 0).any()):
                lo = 0.0  # answers of 0 beside a 1-10 bulk: the 0-10 scale
            return Scale(lo, hi, "the answers")
    return Scale(default[0], default[1], "the kind's standard scale")


def kind_from_values(values: pl.Series) -> str:
    """A guess for a score column whose question names no kind: the narrowest standard scale
    holding the bulk of its answers (1-5 CSAT, 1-7 CES, else NPS 0-10)."""
    finite = _finite(values)
    if finite.len() == 0:
        return "csat"
    for kind, (lo, hi) in KIND_BY_SCALE:
        if _fits(finite, lo, hi):
            return kind
    return "nps"


def out_of_scale(values: pl.Series, scale: Scale) -> pl.Series:
    """True where a present answer is not a finite number inside the scale."""
    present = values.is_not_null()
    bad = ~values.is_finite() if values.dtype.is_float() else pl.Series([False] * len(values))
    return (present & (bad | (values < scale.low) | (values > scale.high))).fill_null(False).alias("out_of_scale")


def out_of_scale_reason(header: str, kind: str, value: float | None, raw_value, scale: Scale) -> str:
    """Why one answer was rejected, and the fix."""
    shown = repr(str(raw_value)) if raw_value is not None else repr(value)
    if value is None or not math.isfinite(value):
        return (f"column {header!r}: {shown} is not a finite number, so not a {kind.upper()} answer; "
                f"correct the answer or delete the row")
    origin = {"the question": "stated by the question", "the answer labels": "of the answer labels"}.get(
        scale.how, "that the file's other answers use")
    return (f"column {header!r}: {shown} is outside the {kind.upper()} scale {scale.describe()} ({origin}); "
            f"correct the answer or delete the row")


def scale_note(label: str, kind: str, scale: Scale, rejected: int = 0, kind_how: str = "") -> str:
    """One line for the load report: the kind, the scale and where both came from."""
    how = {"the question": "stated in the question", "the answer labels": "from the answer labels",
           "the answers": "from the bulk of the answers", "the kind's standard scale": "the standard scale"}[scale.how]
    text = f"{label}: {kind.upper()}" + (f" ({kind_how})" if kind_how else "") + f" on {scale.describe()} ({how})"
    if rejected:
        text += f"; {rejected:,} answer(s) outside it rejected as rows"
    return text
