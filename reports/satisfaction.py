"""The satisfaction section of the snapshot and the audit: CSAT, NPS and CES over every response
(dated or not) with their intervals and sample sizes, by segment with small segments flagged,
and one sentence for whatever cannot be shown (metrics/survey_summary.py gives the numbers)."""
from __future__ import annotations

from reports import html as H
from reports.text import fmt_value, number, t

UNITS = {"csat": "fraction", "nps": "nps", "ces": "score"}


def _interval(k: dict, kind: str, lang: str) -> str:
    if k.get("low") is None or k.get("high") is None:
        return "—"
    return f'{fmt_value(k["low"], UNITS[kind], lang)} – {fmt_value(k["high"], UNITS[kind], lang)}'


def section(summary: dict, lang: str = "en", anchor: str = "satisfaction") -> str:
    """HTML for the section (everything escaped)."""
    body = [f'<h2 id="{anchor}">{H.esc(t("sat_title", lang))}</h2>']
    if not summary.get("responses"):
        return "".join(body) + f'<p>{H.esc(t("sat_none", lang))}</p>'
    body.append(f'<p class="muted">{H.esc(t("sat_scope", lang, n=number(summary["responses"], lang)))}</p>')
    in_period = summary.get("in_period")
    if in_period is not None:
        empty = [k.upper() for k, v in summary["kinds"].items() if v and not in_period.get(k)]
        if empty:
            body.append(f'<p>{H.esc(t("sat_all_undated_period", lang, kinds=", ".join(empty)))}</p>')
    small = summary.get("small_min", 30)
    rows = []
    for kind, k in summary["kinds"].items():
        if not k:
            rows.append([kind.upper(), "—", "", "0", t("sat_kind_missing", lang, kind=kind.upper())])
            continue
        rows.append([kind.upper(), fmt_value(k["value"], UNITS[kind], lang), _interval(k, kind, lang), number(k["n"], lang),
                     t("sat_small", lang, n=small) if k["small"] else ""])
    body.append(H.table([t("metric", lang), t("value", lang), t("interval", lang), t("sat_responses", lang), ""], rows, {1, 3}))
    notes = []
    if summary.get("undated"):
        notes.append(t("sat_undated", lang, n=number(summary["undated"], lang)))
    if summary.get("rated_tickets"):
        notes.append(t("sat_rated_tickets", lang, n=number(summary["rated_tickets"], lang)))
    body += [f'<p class="muted small">{H.esc(n)}</p>' for n in notes]
    body.append(f'<h3>{H.esc(t("sat_by_segment", lang))}</h3>')
    segments = summary.get("segments") or []
    if not segments:
        body.append(f'<p>{H.esc(t("sat_no_segments", lang))}</p>')
        return "".join(body)
    kinds = [k for k, v in summary["kinds"].items() if v]
    headers = [t("sat_segment", lang)]
    numeric = set()
    for kind in kinds:
        numeric |= {len(headers), len(headers) + 2}
        headers += [kind.upper(), t("interval", lang), t("sat_responses", lang)]
    headers.append(t("sat_small_col", lang))
    rows = []
    for seg in segments:
        row = [seg["segment"] if seg["segment"] is not None else t("sat_not_set", lang)]
        flagged = []
        for kind in kinds:
            k = seg["kinds"].get(kind)
            if not k:
                row += ["—", "", "0"]
                continue
            row += [fmt_value(k["value"], UNITS[kind], lang), _interval(k, kind, lang), number(k["n"], lang)]
            if k["small"]:
                flagged.append(kind.upper())
        rows.append(row + [", ".join(flagged)])
    body.append(H.table(headers, rows, numeric))
    body.append(f'<p class="muted small">{H.esc(t("sat_small_note", lang, n=small))}</p>')
    return "".join(body)
