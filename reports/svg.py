"""Inline SVG charts: self-contained (no scripts, fonts or images), readable when printed.

Every label goes through ``html.escape``; numbers are formatted by the caller. Charts carry an
axis title with its unit (``y_title`` / ``x_title``); rates start from zero (``zero=True``)."""
from __future__ import annotations

from html import escape

PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"]


def _scale(values: list[float], lo_px: float, hi_px: float, zero: bool = False) -> tuple[float, float, callable]:
    present = [v for v in values if v is not None]
    lo, hi = (min(present), max(present)) if present else (0.0, 1.0)
    if zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if lo == hi:
        lo, hi = (lo - 1, hi + 1) if not zero else (0.0, hi + 1 if hi == 0 else hi * 1.1)
    return lo, hi, lambda v: hi_px - (v - lo) / (hi - lo) * (hi_px - lo_px)


def sparkline(values: list[float | None], width: int = 120, height: int = 28, color: str = PALETTE[0]) -> str:
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(pts) < 2:
        return ""
    _, _, y = _scale([v for _, v in pts], 2, height - 2)
    step = (width - 4) / max(len(values) - 1, 1)
    path = " ".join(f"{2 + i * step:.1f},{y(v):.1f}" for i, v in pts)
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-hidden="true">'
            f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{path}"/></svg>')


def line_chart(labels: list[str], series: dict[str, list[float | None]], width: int = 640, height: int = 220,
               fmt=lambda v: f"{v:,.0f}", title: str = "", y_title: str = "", x_title: str = "",
               zero: bool = False) -> str:
    if not labels or not series:
        return ""
    left, right = (70 if y_title else 56), 12
    top, bottom = 22, 34 + (16 if x_title else 0)
    allv = [v for vals in series.values() for v in vals if v is not None]
    if not allv:
        return ""
    lo, hi, y = _scale(allv, top, height - bottom, zero)
    step = (width - left - right) / max(len(labels) - 1, 1)
    x = lambda i: left + i * step
    parts = [f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(title)}">']
    if title:
        parts.append(f'<text x="{left}" y="14" class="t">{escape(title)}</text>')
    if y_title:
        mid = (top + height - bottom) / 2
        parts.append(f'<text x="12" y="{mid:.1f}" transform="rotate(-90 12 {mid:.1f})" text-anchor="middle" '
                     f'class="ax axis-title">{escape(y_title)}</text>')
    if x_title:
        parts.append(f'<text x="{(left + width - right) / 2:.1f}" y="{height - 4}" text-anchor="middle" '
                     f'class="ax axis-title">{escape(x_title)}</text>')
    for frac in (0, 0.5, 1):
        v = lo + frac * (hi - lo)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="ax">{escape(fmt(v))}</text>')
    # As many labels as fit (about 7 px a character at 11 px); the first and last always shown,
    # anchored inside the chart so neither is clipped.
    label_w = max(len(str(lab)) for lab in labels) * 7 + 12
    every = max(1, -(-label_w // max(int(step), 1))) if len(labels) > 1 else 1
    shown = [i for i in range(len(labels)) if i % every == 0]
    if len(labels) - 1 not in shown:
        if shown and (len(labels) - 1 - shown[-1]) * step < label_w:
            shown.pop()
        shown.append(len(labels) - 1)
    label_y = height - 12 - (16 if x_title else 0)
    for i in shown:
        anchor = "start" if i == 0 and len(labels) > 1 else "end" if i == len(labels) - 1 and len(labels) > 1 else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{label_y}" text-anchor="{anchor}" class="ax">{escape(str(labels[i]))}</text>')
    for k, (name, vals) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vals) if v is not None)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{pts}"/>')
        for i, v in enumerate(vals):
            if v is not None and len(vals) <= 40:
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}"><title>{escape(str(labels[i]))}: {escape(fmt(v))}</title></circle>')
        if len(series) > 1:
            parts.append(f'<text x="{left + 8 + k * 140}" y="{top + 2}" fill="{color}" class="ax">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(labels: list[str], values: list[float | None], width: int = 640, bar_height: int = 22,
              fmt=lambda v: f"{v:,.0f}", title: str = "", color: str = PALETTE[0], x_title: str = "",
              category_title: str = "") -> str:
    """Horizontal bars from zero, one per category; ``x_title`` names the value axis and its unit,
    ``category_title`` the categories."""
    if not labels:
        return ""
    label_w, right = 190, 70
    top = (22 if title else 4) + (16 if category_title else 0)
    bottom = 22 if x_title else 4
    height = top + len(labels) * (bar_height + 6) + bottom
    vmax = max([v for v in values if v is not None] or [1]) or 1
    parts = [f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">']
    if title:
        parts.append(f'<text x="0" y="14" class="t">{escape(title)}</text>')
    if category_title:
        parts.append(f'<text x="{label_w - 8}" y="{top - 4}" text-anchor="end" class="ax axis-title">{escape(category_title)}</text>')
    for i, (lab, v) in enumerate(zip(labels, values)):
        yy = top + i * (bar_height + 6)
        w = 0 if v is None else max(1.0, (width - label_w - right) * max(v, 0) / vmax)
        text = str(lab) if len(str(lab)) <= 28 else str(lab)[:27] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{yy + bar_height * 0.7:.1f}" text-anchor="end" class="ax"><title>{escape(str(lab))}</title>{escape(text)}</text>'
                     f'<rect x="{label_w}" y="{yy}" width="{w:.1f}" height="{bar_height}" fill="{color}" rx="2"/>'
                     f'<text x="{label_w + w + 6:.1f}" y="{yy + bar_height * 0.7:.1f}" class="ax">{escape("—" if v is None else fmt(v))}</text>')
    if x_title:
        parts.append(f'<line x1="{label_w}" x2="{width - right}" y1="{height - bottom + 2}" y2="{height - bottom + 2}" class="grid"/>'
                     f'<text x="{label_w}" y="{height - 4}" class="ax axis-title">0 → {escape(x_title)}</text>')
    parts.append("</svg>")
    return "".join(parts)
