"""Dated snapshots for the analyst's cron job.

``write_snapshot`` computes the KPIs for one period with the same functions as the dashboard
and ``cli.py metrics``, then writes ``DIR/<period>/index.html`` (self-contained),
``kpis.json`` and ``kpis.csv``, and rewrites ``DIR/index.html`` (all snapshots with the trend
of the headline KPIs).

Safe for cron: the files depend only on the data and the period (no wall-clock time inside),
so a second run for the same period writes identical bytes; a snapshot is built in a hidden
temporary folder and swapped in with renames, so a run killed half-way never replaces a good
snapshot; the store is opened read-only, so it works while the dashboard is open.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from reports import html as H
from reports import svg
from reports.text import fmt_value, money, t

HEADLINE = ["tickets", "frt_median_minutes", "sla_breach_rate", "csat", "nps", "abandonment_rate"]
TILES = ["tickets", "backlog", "frt_median_minutes", "frt_p90_minutes", "resolution_median_minutes", "sla_breach_rate",
         "reopen_rate", "one_touch_rate", "csat", "nps", "ces", "calls_offered", "answer_rate", "abandonment_rate",
         "asa_seconds", "service_level", "aht_seconds"]


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    name: str  # folder name: 2026-W47, 2026-10, 2026-01-01..2026-01-31
    start: dt.date
    end: dt.date  # inclusive


def parse_period(text: str, today: dt.date | None = None) -> Period:
    """``last-week`` (the last full Monday-Sunday week), ``last-month``, or ``YYYY-MM-DD..YYYY-MM-DD``."""
    today = today or dt.date.today()
    text = (text or "last-week").strip().lower()
    if text == "last-week":
        this_monday = today - dt.timedelta(days=today.weekday())
        start = this_monday - dt.timedelta(days=7)
        year, week, _ = start.isocalendar()
        return Period(f"{year}-W{week:02d}", start, start + dt.timedelta(days=6))
    if text == "last-month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return Period(f"{end:%Y-%m}", end.replace(day=1), end)
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text)
    if m:
        try:
            start, end = dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(m.group(2))
        except ValueError as exc:
            raise PeriodError(f"--period {text!r}: {exc}; use real dates, e.g. 2026-01-01..2026-01-31") from exc
        if end < start:
            raise PeriodError(f"--period {text!r}: the end is before the start; swap them")
        return Period(f"{start}..{end}", start, end)
    raise PeriodError(f"--period {text!r} is not understood; use last-week, last-month or YYYY-MM-DD..YYYY-MM-DD")


def definitions_version() -> str:
    """A short hash of every metric's definition: changes whenever a definition changes."""
    from metrics.registry import METRICS

    text = json.dumps({k: [m.unit, m.definition] for k, m in sorted(METRICS.items())}, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def compute(con, period: Period, lang: str = "en") -> dict:
    """Everything a snapshot shows, as plain data (what kpis.json holds)."""
    from metrics import engine
    from metrics.filters import Filters

    filters = Filters(date_from=period.start, date_to=period.end)
    comparison = engine.compare(con, filters)
    kpis = {k: v["current"] for k, v in comparison.items()}
    status = engine.data_status(con)
    money_figures = {}
    try:
        from metrics import churn

        analysis = churn.analyse(con)
        if analysis.available:
            money_figures = analysis.to_dict()
    except Exception as exc:  # churn needs customer data; a snapshot without it is still useful
        money_figures = {"available": False, "message": f"{type(exc).__name__}: {exc}"}
    series = {}
    try:
        ts = engine.timeseries(con, Filters(date_from=period.start - dt.timedelta(days=7 * 11), date_to=period.end),
                               "week", HEADLINE)
        series = {c: ts.get_column(c).to_list() for c in ts.columns}
    except Exception:
        series = {}
    return {
        "period": period.name,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "filters": filters.to_params(),
        "definitions_version": definitions_version(),
        "data_as_of": status.get("as_of") or status.get("last_date"),
        "kpis": kpis,
        "changes": {k: {kk: vv for kk, vv in v.items() if kk != "current"} for k, v in comparison.items()},
        "money": money_figures,
        "weekly": series,
    }


def render(data: dict, lang: str = "en", currency: str = "USD") -> str:
    from metrics.registry import METRICS

    def name(mid):
        m = METRICS.get(mid)
        return (m.name.get(lang) or m.name["en"]) if m else mid

    def unit(mid):
        m = METRICS.get(mid)
        return m.unit if m else "count"

    start, end = dt.date.fromisoformat(data["from"]), dt.date.fromisoformat(data["to"])
    length = (end - start).days + 1
    pstart, pend = start - dt.timedelta(days=length), start - dt.timedelta(days=1)
    body = [f'<p class="muted">{H.esc(t("generated_from", lang, as_of=data.get("data_as_of") or "—", start=start, end=end, pstart=pstart, pend=pend))}</p>']
    weekly = data.get("weekly") or {}
    tiles = []
    for mid in TILES:
        if mid not in data["kpis"]:
            continue
        value = data["kpis"][mid]
        ch = data["changes"].get(mid, {})
        delta, tone = "", "flat"
        prev = ch.get("previous")
        if value is not None and prev is not None:
            delta = f'{t("previous", lang)}: {fmt_value(prev, unit(mid), lang, currency)}'
            m = METRICS.get(mid)
            if ch.get("significant") and m and m.better:
                good = (value > prev) == (m.better == "higher")
                tone = "up" if good else "down"
        spark = svg.sparkline(weekly.get(mid, [])) if mid in weekly else ""
        tiles.append(H.tile(name(mid), fmt_value(value, unit(mid), lang, currency), delta, tone, spark))
    body.append(f'<h2>{H.esc(t("kpis", lang))}</h2><div class="grid">{"".join(tiles)}</div>')

    real, noise = [], []
    for mid, ch in data["changes"].items():
        value, prev = data["kpis"].get(mid), ch.get("previous")
        if value is None or prev is None:
            continue
        row = [name(mid), fmt_value(prev, unit(mid), lang, currency), fmt_value(value, unit(mid), lang, currency),
               _change_text(value, prev, unit(mid), lang)]
        (real if ch.get("significant") else noise).append(row)
    body.append(f'<h2>{H.esc(t("changes", lang))}</h2>')
    headers = [t("metric", lang), t("previous", lang), t("value", lang), t("change", lang)]
    body.append(f'<h3>{H.esc(t("real_moves", lang))}</h3>')
    body.append(H.table(headers, real, {1, 2, 3}) if real else f'<p>{H.esc(t("no_real_moves", lang))}</p>')
    if noise:
        body.append(f'<h3>{H.esc(t("noise", lang))}</h3>' + H.table(headers, noise, {1, 2, 3}))

    m = data.get("money") or {}
    if m.get("available"):
        cur = m.get("currency") or currency
        rows = []
        for key, label_en, label_ru in (
                ("attributable_churned", "Customers lost to support (attributable)", "Клиенты, потерянные из-за поддержки"),
                ("lost_revenue", "Lost revenue over the horizon", "Потерянная выручка за горизонт"),
                ("revenue_at_risk", "Revenue at risk now", "Выручка под риском сейчас"),
                ("replacement_cost", "Cost to replace them", "Стоимость замены клиентов")):
            if m.get(key) is not None:
                v = m[key]
                text = money(v, cur, lang) if key != "attributable_churned" else fmt_value(v, "count", lang)
                rows.append([label_ru if lang == "ru" else label_en, text])
        body.append(f'<h2>{H.esc(t("money", lang))}</h2>' + H.table([t("metric", lang), t("value", lang)], rows, {1}))
    if weekly.get("period"):
        labels = [str(p)[:10] for p in weekly["period"]]
        charts = [svg.line_chart(labels, {name(mid): weekly[mid]}, title=name(mid),
                                 fmt=lambda v, u=unit(mid): fmt_value(v, u, lang, currency))
                  for mid in HEADLINE if mid in weekly]
        body.append(f'<h2>{H.esc(t("trend", lang))}</h2>' + "".join(c for c in charts if c))
    body.append(f'<footer>{H.esc(t("footer", lang, what=data["period"]))} · definitions {H.esc(data["definitions_version"])}</footer>')
    return H.page(t("snapshot_title", lang, period=data["period"]), "".join(body), lang)


def _change_text(value, prev, unit, lang) -> str:
    diff = value - prev
    if unit == "fraction":
        return f"{diff * 100:+.1f} pp"
    if prev:
        return f"{diff / abs(prev) * 100:+.1f}%"
    return f"{diff:+,.1f}"


def kpis_csv(data: dict, lang: str = "en") -> str:
    from metrics.registry import METRICS

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["metric_id", "name", "unit", "value", "previous", "significant", "period_from", "period_to"])
    for mid, value in data["kpis"].items():
        m = METRICS.get(mid)
        ch = data["changes"].get(mid, {})
        w.writerow([mid, (m.name.get(lang) or m.name["en"]) if m else mid, m.unit if m else "", _csv_num(value),
                    _csv_num(ch.get("previous")), ch.get("significant", ""), data["from"], data["to"]])
    return out.getvalue()


def _csv_num(v) -> str:
    return "" if v is None else repr(float(v)) if isinstance(v, float) else str(v)


# ----------------------------------------------------------------------------- writing
def _recover(out: Path) -> None:
    """Put back a snapshot whose swap was interrupted between its two renames."""
    for old in out.glob(".old-*"):
        target = out / old.name[len(".old-"):].rsplit(".", 1)[0]
        if not target.exists():
            old.rename(target)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in out.glob(".tmp-*"):
        pid = tmp.name.rsplit(".", 1)[-1]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_snapshot(con, period: Period, out: Path, lang: str = "en", currency: str = "USD") -> tuple[Path, bool]:
    """Write one snapshot; returns (its folder, whether anything changed)."""
    out.mkdir(parents=True, exist_ok=True)
    _recover(out)
    data = compute(con, period, lang)
    files = {
        "kpis.json": json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default) + "\n",
        "kpis.csv": kpis_csv(data, lang),
        "index.html": render(data, lang, currency),
    }
    target = out / period.name
    if target.is_dir() and all((target / n).is_file() and (target / n).read_text(encoding="utf-8") == c for n, c in files.items()):
        write_index(out, lang)
        return target, False
    tmp = out / f".tmp-{period.name}.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for n, c in files.items():
        with open(tmp / n, "w", encoding="utf-8") as fh:
            fh.write(c)
            fh.flush()
            os.fsync(fh.fileno())
    old = out / f".old-{period.name}.{os.getpid()}"
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    write_index(out, lang)
    return target, True


def list_snapshots(out: Path) -> list[dict]:
    """Every snapshot in ``out`` (oldest first) as its kpis.json plus its folder."""
    rows = []
    if not out.is_dir():
        return rows
    for p in sorted(out.iterdir()):
        f = p / "kpis.json"
        if p.is_dir() and not p.name.startswith(".") and f.is_file():
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            data["_dir"] = str(p)
            rows.append(data)
    return sorted(rows, key=lambda d: (d.get("from", ""), d.get("to", "")))


def write_index(out: Path, lang: str = "en") -> None:
    from metrics.registry import METRICS

    snaps = list_snapshots(out)
    if not snaps:
        _write_atomic(out / "index.html", H.page(t("snapshots_title", lang), f'<p>{H.esc(t("no_snapshots", lang))}</p>', lang))
        return
    name = lambda mid: (METRICS[mid].name.get(lang) or METRICS[mid].name["en"]) if mid in METRICS else mid
    unit = lambda mid: METRICS[mid].unit if mid in METRICS else "count"
    labels = [s["period"] for s in snaps]
    charts = []
    for mid in HEADLINE:
        vals = [s.get("kpis", {}).get(mid) for s in snaps]
        if any(v is not None for v in vals):
            charts.append(svg.line_chart(labels, {name(mid): vals}, title=name(mid), width=480, height=180,
                                         fmt=lambda v, u=unit(mid): fmt_value(v, u, lang)))
    rows = []
    for s in reversed(snaps):
        link = f'<a href="{H.esc(Path(s["_dir"]).name)}/index.html">{H.esc(s["period"])}</a>'
        cells = "".join(f'<td class="num">{H.esc(fmt_value(s.get("kpis", {}).get(m), unit(m), lang))}</td>' for m in HEADLINE)
        rows.append(f"<tr><td>{link}</td><td>{H.esc(s.get('from'))} – {H.esc(s.get('to'))}</td>{cells}</tr>")
    head = "".join(f'<th class="num">{H.esc(name(m))}</th>' for m in HEADLINE)
    body = (f'<h2>{H.esc(t("trend", lang))}</h2>' + "".join(charts)
            + f'<h2>{H.esc(t("snapshots_title", lang))}</h2><table><thead><tr><th>{H.esc(t("period", lang))}</th>'
            f'<th></th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    _write_atomic(out / "index.html", H.page(t("snapshots_title", lang), body, lang))
