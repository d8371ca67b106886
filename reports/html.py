"""Self-contained HTML: one file with inline CSS and SVG, no scripts, fonts, images or links
to anything outside it. Every value from the data is escaped here, in one place."""
from __future__ import annotations

import math
from html import escape

CSS = """
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#111827;
margin:0;background:#f8fafc}main{max-width:1040px;margin:0 auto;padding:28px 28px 60px;background:#fff;min-height:100vh}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 10px;padding-bottom:6px;border-bottom:1px solid #e5e7eb}
h3{font-size:15px;margin:18px 0 6px}.muted{color:#6b7280}.small{font-size:12px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:10px}
.tile{border:1px solid #e5e7eb;border-radius:8px;padding:10px 12px;background:#fff}
.tile .n{font-size:12px;color:#6b7280}.tile .v{font-size:22px;font-weight:600;margin:2px 0}
.tile .d{font-size:12px}.up{color:#15803d}.down{color:#b91c1c}.flat{color:#6b7280}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
th{background:#f3f4f6;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.finding{border-left:4px solid #2563eb;padding:8px 14px;margin:12px 0;background:#f8fafc;border-radius:0 6px 6px 0}
.finding .money{font-size:18px;font-weight:600}.warn{border-left-color:#dc2626}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:11px;background:#e5e7eb;color:#374151}
svg .grid{stroke:#e5e7eb}svg .ax{font-size:11px;fill:#6b7280}svg .t{font-size:12px;font-weight:600;fill:#111827}
.headline{font-size:17px;margin:12px 0;padding:12px 14px;background:#eff6ff;border-radius:8px}
footer{margin-top:40px;font-size:12px;color:#6b7280}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:8px 20px}
svg.chart{max-width:100%;height:auto}.nowrap{white-space:nowrap}td.num{white-space:nowrap}
.scope{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:14px 0;padding:10px 14px;border:1px solid #e5e7eb;border-radius:8px}
.scope dt{color:#6b7280}.scope dd{margin:0;font-weight:600}
.affected{font-weight:600;margin:4px 0}.badge.basis-benchmark{background:#fef3c7;color:#92400e}
.basis-benchmark{color:#92400e}svg .axis-title{font-size:11px;fill:#374151}figure{margin:0}code{font-size:12px}
thead{display:table-header-group}table.compact{font-size:12px}table.compact td.num{white-space:normal}
table.compact th,table.compact td{padding:4px 5px}tr,.finding,.tile,figure{break-inside:avoid}
h2,h3{break-after:avoid;page-break-after:avoid}.keep{break-inside:avoid;page-break-inside:avoid}
@media print{body{background:#fff}main{padding:0}}
"""


def esc(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def page(title: str, body: str, lang: str = "en", subtitle: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{esc(title)}</title><style>{CSS}</style></head>'
            f'<body><main><h1>{esc(title)}</h1>'
            + (f'<div class="muted">{esc(subtitle)}</div>' if subtitle else "")
            + body + "</main></body></html>\n")


def table(headers: list[str], rows: list[list], numeric: set[int] | None = None, cls: str = "") -> str:
    """``rows`` hold display strings (already formatted); all are escaped."""
    numeric = numeric or set()
    head = "".join(f'<th class="{"num" if i in numeric else ""}">{esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="{"num" if i in numeric else ""}">{esc(c)}</td>' for i, c in enumerate(r)) + "</tr>"
                   for r in rows)
    return f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>' if cls else \
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def tile(name: str, value: str, delta: str = "", tone: str = "flat", spark: str = "") -> str:
    """``spark`` is trusted SVG from reports/svg.py; everything else is escaped."""
    return (f'<div class="tile"><div class="n">{esc(name)}</div><div class="v">{esc(value)}</div>'
            + (f'<div class="d {tone}">{esc(delta)}</div>' if delta else "") + spark + "</div>")


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))
