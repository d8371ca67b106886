"""Stated churn reasons, classified into "support", "possibly support" and "other".

A reason is **support** when it names support staff or support work (their attitude, expertise,
knowledge, speed, politeness, an unresolved request), **possibly support** when its wording is
broader ("Service dissatisfaction", a category "Attitude"), and **other** otherwise. Word lists
(English and Russian) live in settings ``[churn.reasons]``, not here; the user moves any exact
reason value to another class with ``as_support`` / ``as_possibly_support`` / ``as_other``.

Phrases match at the start of a word (so "rude" is not found in "intruder", and the Russian stem
"поддержк" finds "поддержка" and "поддержки"). Rule, for one stated value (lower case, "ё" read as "е"):
1. a value the user moved goes to that class;
2. phrases of ``not_support`` (company or product wording: "service provider", "range of
   services", "self-service") are cut out first;
3. a ``support`` phrase left in the value -> support;
4. else, if a ``not_support`` phrase was cut -> other (a generic word next to a company or
   product phrase is not enough: "Attitude of service provider" is about the company);
5. else a ``possibly_support`` word -> possibly support; else other.

A churned customer is classified by their most specific stated value: the reason when given,
else the category. ``docs/churn.md`` ("Stated reasons") says the same in prose.
"""
from __future__ import annotations

import re

import polars as pl

CLASSES = ("support", "possibly_support", "other")


def _norm(text: str | None) -> str:
    return " ".join(str(text or "").lower().replace("ё", "е").split())


def reason_settings(settings: dict | None) -> dict:
    """The [churn.reasons] lists, with empty defaults."""
    reasons = dict(((settings or {}).get("churn") or {}).get("reasons") or {})
    out = {}
    for key in ("support", "possibly_support", "not_support", "as_support", "as_possibly_support", "as_other"):
        out[key] = [str(v) for v in (reasons.get(key) or []) if str(v).strip()]
    return out


def classify(value: str | None, words: dict) -> tuple[str, bool]:
    """(class, moved by the user) of one stated reason or category value."""
    text = _norm(value)
    if not text:
        return "other", False
    for cls, key in (("support", "as_support"), ("possibly_support", "as_possibly_support"), ("other", "as_other")):
        if text in {_norm(v) for v in words.get(key, [])}:
            return cls, True
    masked, cut = text, False
    for phrase in sorted((_norm(p) for p in words.get("not_support", [])), key=len, reverse=True):
        if phrase:
            masked, n = _pattern(phrase).subn(" | ", masked)
            cut = cut or n > 0
    if any(_norm(p) and _pattern(_norm(p)).search(masked) for p in words.get("support", [])):
        return "support", False
    if cut:
        return "other", False
    if any(_norm(p) and _pattern(_norm(p)).search(masked) for p in words.get("possibly_support", [])):
        return "possibly_support", False
    return "other", False


def _pattern(phrase: str) -> re.Pattern:
    """A phrase at the start of a word."""
    return re.compile(r"(?<![0-9a-zа-я])" + re.escape(phrase))


def _class_of_customer(reason: str | None, category: str | None, words: dict) -> tuple[str, str, str, bool]:
    """(class, the value that decided, 'reason' or 'category', moved)."""
    if _norm(reason):
        cls, moved = classify(reason, words)
        return cls, reason.strip(), "reason", moved
    cls, moved = classify(category, words)
    return cls, (category or "").strip(), "category", moved


def stated_reasons(customers: pl.DataFrame, settings: dict | None) -> dict:
    """Churned customers (dated or not) with a stated reason or category, by class, each class with
    the exact values it holds, their customers and monthly revenue (negative charges left out)."""
    words = reason_settings(settings)
    churned = customers.filter(pl.col("churned").fill_null(False))
    stated = churned.filter(pl.col("churn_reason").fill_null("").str.strip_chars().str.len_chars().gt(0)
                            | pl.col("churn_category").fill_null("").str.strip_chars().str.len_chars().gt(0))
    classes: dict[str, dict] = {c: {"customers": 0, "monthly_revenue": 0.0, "values": {}} for c in CLASSES}
    for reason, category, revenue in stated.select("churn_reason", "churn_category", "monthly_revenue").iter_rows():
        cls, value, field, moved = _class_of_customer(reason, category, words)
        revenue = float(revenue) if revenue is not None and revenue >= 0 else 0.0
        group = classes[cls]
        group["customers"] += 1
        group["monthly_revenue"] += revenue
        item = group["values"].setdefault((field, value), {"value": value, "field": field, "customers": 0,
                                                           "monthly_revenue": 0.0, "moved": moved})
        item["customers"] += 1
        item["monthly_revenue"] += revenue
    for group in classes.values():
        group["values"] = sorted(group["values"].values(), key=lambda v: (-v["customers"], v["value"]))
    with_reason = stated.height
    support, possible = classes["support"], classes["possibly_support"]
    return {
        "churned": churned.height,
        "churned_with_reason": with_reason,
        "classes": classes,
        # Kept for readers of the earlier shape: the strict class.
        "support_reason_churned": support["customers"],
        "support_reason_monthly_revenue": support["monthly_revenue"],
        "support_reason_share": support["customers"] / with_reason if with_reason else None,
        "possibly_support_churned": possible["customers"],
        "possibly_support_monthly_revenue": possible["monthly_revenue"],
        "words": {k: words[k] for k in ("support", "possibly_support", "not_support")},
        "moved": {k: words[k] for k in ("as_support", "as_possibly_support", "as_other")},
        "measured": None,  # the statistical estimate beside it (metrics/churn.py fills it in)
    }


def difference(stated: dict, measured: dict | None) -> dict:
    """How the stated-reason count compares with the statistical estimate, and why they differ.

    ``measured``: {"source": ..., "estimate", "low", "high", "monthly_revenue"} or None. Returns a
    code ('no_estimate', 'within', 'measured_higher', 'stated_higher') the pages turn into a
    sentence, with the figures."""
    strict = stated.get("support_reason_churned") or 0
    possible = strict + (stated.get("possibly_support_churned") or 0)
    out = {"stated_support": strict, "stated_support_or_possible": possible}
    if not measured or measured.get("estimate") is None:
        return {**out, "code": "no_estimate"}
    low, high = measured.get("low"), measured.get("high")
    if low is not None and high is not None and (low <= strict <= high or low <= possible <= high):
        code = "within"
    elif measured["estimate"] > possible:
        code = "measured_higher"
    else:
        code = "stated_higher"
    return {**out, "code": code}
