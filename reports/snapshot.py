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
import dataclasses
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from reports import html as H
from reports import svg
from reports.text import fmt_value, money, number, t

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


# The bounds of an interval are not figures of their own; undated responses belong to no period.
NOT_MOVES = {"nps_low", "nps_high", "csat_low", "csat_high", "ces_low", "ces_high", "survey_undated"}


def _count_test(current, previous) -> float | None:
    """Two-sided p-value that two Poisson counts over periods of the same length differ (normal
    approximation on the difference; counts of tickets, calls, responses)."""
    if current is None or previous is None or current < 0 or previous < 0 or current + previous == 0:
        return None
    z = (current - previous) / math.sqrt(current + previous)
    return math.erfc(abs(z) / math.sqrt(2))


def _changes(comparison: dict) -> dict:
    """engine.compare's verdicts, with the test named; counts get a Poisson test instead of the
    10% threshold (32 tickets against 36 is noise; 3,200 against 3,600 is not)."""
    from metrics.registry import METRICS

    out = {}
    for mid, v in comparison.items():
        ch = {k: val for k, val in v.items() if k != "current"}
        m = METRICS.get(mid)
        if ch["p_value"] is not None:
            ch["test"] = "nps z-test" if mid == "nps" else "two-proportion z-test"
        elif m is not None and m.unit == "count" and mid != "backlog" and ch["change"] is not None:
            ch["p_value"] = _count_test(v["current"], ch["previous"])
            ch["significant"] = bool(ch["p_value"] is not None and ch["p_value"] < 0.05)
            ch["test"] = "poisson"
        elif ch["change"] is not None:
            ch["test"] = "threshold 10%"
        else:
            ch["test"] = None
        out[mid] = ch
    return out


def money_figures(con, as_of: dt.date) -> dict:
    """Churn attributable to support and what it costs, as of the end of ``as_of`` (metrics/churn.py)."""
    try:
        from metrics import churn

        a = churn.analyse(con, as_of=as_of)
    except Exception as exc:  # a snapshot without money figures is still useful
        return {"available": False, "message": f"{type(exc).__name__}: {exc}"}
    from reports import churn_html

    customer_list = churn_html.summary(a.to_dict())
    est = a.estimate if a.available else None
    if est is None:
        return {"available": False, "message": a.message, "customer_list": customer_list}
    money = a.money or {}
    out = {"available": True, "customer_list": customer_list, "currency": a.currency, "as_of": a.as_of, "customers": a.customers, "churned": a.churned,
           "method": est.method, "excess": dataclasses.asdict(est.excess),
           "attributable_churned": dataclasses.asdict(est.attributable_churned),
           "horizon_months": money.get("horizon_months"), "ltv": money.get("ltv"),
           "revenue_at_risk_customers": money.get("revenue_at_risk_customers"),
           "revenue_at_risk_horizon": money.get("revenue_at_risk_horizon")}
    for key in ("lost_revenue_horizon", "replacement_cost"):
        out[key] = money.get(key)
    return out


def compute(con, period: Period, lang: str = "en") -> dict:
    """Everything a snapshot shows, as plain data (what kpis.json holds). Depends only on the data
    and the period: no wall-clock time, so the same period gives the same bytes."""
    from metrics import engine
    from metrics.filters import Filters

    filters = Filters(date_from=period.start, date_to=period.end)
    comparison = engine.compare(con, filters)
    kpis = {k: v["current"] for k, v in comparison.items()}
    status = engine.data_status(con)
    length = (period.end - period.start).days + 1
    previous_end = period.start - dt.timedelta(days=1)
    money_now = money_figures(con, period.end)
    if money_now.get("available"):
        money_now["previous"] = money_figures(con, previous_end)
    series = {}
    try:
        ts = engine.timeseries(con, Filters(date_from=period.start - dt.timedelta(days=7 * 11), date_to=period.end),
                               "week", list(dict.fromkeys(HEADLINE + TILES)))
        series = {c: ts.get_column(c).to_list() for c in ts.columns}
    except Exception:
        series = {}
    try:
        from metrics import survey_summary

        satisfaction = survey_summary.summary(con, period=filters)
    except Exception as exc:  # a snapshot without this section is still useful
        satisfaction = {"error": f"{type(exc).__name__}: {exc}"}
    return {
        "satisfaction": satisfaction,
        "period": period.name,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "previous_from": (period.start - dt.timedelta(days=length)).isoformat(),
        "previous_to": previous_end.isoformat(),
        "filters": filters.to_params(),
        "definitions_version": definitions_version(),
        "data_as_of": status.get("last"),
        "kpis": kpis,
        # ids whose value is approximate (docs/metrics.md, "Approximate figures"); the changes
        # carry "approximate" / "previous_approximate" per id as well
        "approximate": sorted(k for k, v in comparison.items() if v.get("approximate")),
        "changes": _changes(comparison),
        "money": money_now,
        "weekly": series,
        "operations": operations_figures(con, filters, period.end),
    }


def operations_figures(con, filters, as_of: dt.date) -> dict:
    """Contact drivers, channel switches, escalation, agent load, reply targets for the period, and
    the initiatives measured with the data up to its end (reports/operations.py)."""
    from reports import operations

    return operations.gather(con, filters, as_of=as_of)


def render(data: dict, lang: str = "en", currency: str = "USD") -> str:
    from metrics.registry import METRICS, approximate

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
    approx = set(data.get("approximate") or ())  # a snapshot written before it has none
    tiles = []
    for mid in TILES:
        if mid not in data["kpis"]:
            continue
        value = data["kpis"][mid]
        ch = data["changes"].get(mid, {})
        delta, tone = "", "flat"
        prev = ch.get("previous")
        if value is not None and prev is not None:
            delta = f'{t("previous", lang)}: {approximate(fmt_value(prev, unit(mid), lang, currency), bool(ch.get("previous_approximate")))}'
            m = METRICS.get(mid)
            if ch.get("significant") and m and m.better:
                good = (value > prev) == (m.better == "higher")
                tone = "up" if good else "down"
        spark = svg.sparkline(weekly.get(mid, [])) if mid in weekly else ""
        tiles.append(H.tile(name(mid), approximate(fmt_value(value, unit(mid), lang, currency), mid in approx and value is not None),
                            delta, tone, spark))
    body.append(f'<h2>{H.esc(t("kpis", lang))}</h2><div class="grid">{"".join(tiles)}</div>')
    if approx or any(ch.get("previous_approximate") for ch in data["changes"].values()):
        body.append(f'<p class="muted small">{H.esc(t("approximate_note", lang))}</p>')

    real, noise = [], []
    for mid, ch in data["changes"].items():
        value, prev = data["kpis"].get(mid), ch.get("previous")
        if value is None or prev is None or mid in NOT_MOVES or value == prev == 0:
            continue
        row = [name(mid), approximate(fmt_value(prev, unit(mid), lang, currency), bool(ch.get("previous_approximate"))),
               approximate(fmt_value(value, unit(mid), lang, currency), mid in approx),
               _change_text(value, prev, unit(mid), lang), _test_text(ch, lang)]
        (real if ch.get("significant") else noise).append(row)
    body.append(f'<h2>{H.esc(t("changes", lang))}</h2><p class="muted small">{H.esc(t("changes_note", lang))}</p>')
    headers = [t("metric", lang), t("previous", lang), t("value", lang), t("change", lang), t("test", lang)]
    body.append(f'<h3>{H.esc(t("real_moves", lang))}</h3>')
    body.append(H.table(headers, real, {1, 2, 3}) if real else f'<p>{H.esc(t("no_real_moves", lang))}</p>')
    if noise:
        body.append(f'<h3>{H.esc(t("noise", lang))}</h3>' + H.table(headers, noise, {1, 2, 3}))

    sat = data.get("satisfaction")
    if sat and "error" not in sat:
        from reports.satisfaction import section

        body.append(section(sat, lang))
    elif sat:
        body.append(f'<h2>{H.esc(t("sat_title", lang))}</h2><p class="muted">{H.esc(t("no_money", lang, why=sat["error"]))}</p>')
    m = data.get("money") or {}
    body.append(f'<h2>{H.esc(t("money", lang))}</h2>')
    if m.get("available"):
        cur = m.get("currency") or currency
        prev = m.get("previous") or {}
        rows = []
        for key, label_en, label_ru in (
                ("attributable_churned", "Customers lost to support (attributable)", "Клиенты, потерянные из-за поддержки"),
                ("lost_revenue_horizon", "Their revenue over the horizon", "Их выручка за горизонт"),
                ("replacement_cost", "Cost to replace them", "Стоимость замены клиентов"),
                ("revenue_at_risk_horizon", "Revenue at risk now (recent negative experience, not yet gone)",
                 "Выручка под риском сейчас (недавний негативный опыт, клиент ещё не ушёл)")):
            v = m.get(key)
            if v is None:
                continue
            fmt = (lambda x: number(x, lang, 1)) if key == "attributable_churned" else (lambda x: money(x, cur, lang))
            est, low, high = (v.get("estimate"), v.get("low"), v.get("high")) if isinstance(v, dict) else (v, None, None)
            pv = prev.get(key)
            pv = pv.get("estimate") if isinstance(pv, dict) else pv
            rows.append([label_ru if lang == "ru" else label_en, "—" if est is None else fmt(est),
                         f"{fmt(low)} – {fmt(high)}" if low is not None and high is not None else "",
                         "—" if pv is None else fmt(pv)])
        body.append(f'<p class="muted small">{H.esc(t("money_note", lang, as_of=m.get("as_of") or "—", customers=number(m.get("customers") or 0, lang), horizon=number(m.get("horizon_months") or 12, lang)))}</p>')
        body.append(H.table([t("metric", lang), t("value", lang), t("interval", lang), t("previous", lang)], rows, {1, 2, 3}))
    elif m.get("customer_list"):
        from reports import churn_html

        body.append(f'<p class="muted">{H.esc(churn_html.why(m["customer_list"], lang))}</p>')
    else:
        body.append(f'<p class="muted">{H.esc(t("no_money", lang, why=m.get("message") or ""))}</p>')
    if data.get("operations"):
        from reports import operations

        body.append(operations.initiatives_html(data["operations"].get("initiatives") or {}, lang))
        body.append(operations.analyses_html(data["operations"], lang))
    if m.get("customer_list") and (m["customer_list"].get("snapshot") or {}).get("customers"):
        from reports import churn_html

        body.append(f'<h2>{H.esc(t("customer_list_title", lang))}</h2>')
        body.append(churn_html.render(m["customer_list"], lang, m.get("currency") or currency,
                                      measured_html=f'<p class="muted">{H.esc(t("see_money_above", lang))}</p>'
                                      if m.get("available") else ""))
    if weekly.get("period"):
        labels = [_short_date(p, lang) for p in weekly["period"]]
        charts = [svg.line_chart(labels, {name(mid): weekly[mid]}, title=name(mid), width=480, height=190,
                                 fmt=lambda v, u=unit(mid): fmt_value(v, u, lang, currency))
                  for mid in HEADLINE if mid in weekly]
        drawn = "".join(c for c in charts if c)
        body.append(f'<h2>{H.esc(t("trend", lang))}</h2><p class="muted small">{H.esc(t("weekly_note", lang))}</p>'
                    + (f'<div class="charts">{drawn}</div>' if drawn
                       else f'<p class="muted">{H.esc(t("no_weekly", lang))}</p>'))
    body.append(f'<footer>{H.esc(t("footer", lang, what=data["period"]))} · definitions {H.esc(data["definitions_version"])}</footer>')
    return H.page(t("snapshot_title", lang, period=data["period"]), "".join(body), lang)


MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _short_date(value, lang: str) -> str:
    d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{d.day:02d}.{d.month:02d}" if lang == "ru" else f"{MONTHS_EN[d.month - 1]} {d.day}"


def _test_text(ch: dict, lang: str) -> str:
    test = ch.get("test")
    if test == "threshold 10%":
        return t("test_threshold", lang)
    if ch.get("p_value") is None:
        return ""
    return f'p = {ch["p_value"]:.3f}' if ch["p_value"] >= 0.001 else "p < 0.001"


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
    w.writerow(["metric_id", "name", "unit", "value", "previous", "significant", "period_from", "period_to", "approximate"])
    approx = set(data.get("approximate") or ())
    for mid, value in data["kpis"].items():
        m = METRICS.get(mid)
        ch = data["changes"].get(mid, {})
        w.writerow([mid, (m.name.get(lang) or m.name["en"]) if m else mid, m.unit if m else "", _csv_num(value),
                    _csv_num(ch.get("previous")), ch.get("significant", ""), data["from"], data["to"], mid in approx])
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
    for tmp in [*out.glob(".tmp-*"), *out.glob(".index.html.*")]:
        pid = tmp.name.rsplit(".", 1)[-1]
        if not pid.isdigit() or not _alive(int(pid)):
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)


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
    try:
        for n, c in files.items():
            with open(tmp / n, "w", encoding="utf-8") as fh:
                fh.write(c)
                fh.flush()
                os.fsync(fh.fileno())
        _fsync_dir(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # (a killed process leaves it to _recover on the next run)
        raise
    if target.exists() and _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # now the previous snapshot
    else:
        old = out / f".old-{period.name}.{os.getpid()}"
        if target.exists():
            target.rename(old)  # a kill between these two renames is undone by _recover on the next run
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(out)
    write_index(out, lang)
    return target, True


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE): a reader sees
    the old snapshot or the new one, never none. False where the system cannot."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


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


def period_kind(snapshot: dict) -> str:
    """week | month | <n> days: only snapshots of one kind make a trend (a month is not a week)."""
    name = snapshot.get("period", "")
    if re.fullmatch(r"\d{4}-W\d{2}", name):
        return "week"
    if re.fullmatch(r"\d{4}-\d{2}", name):
        return "month"
    try:
        days = (dt.date.fromisoformat(snapshot["to"]) - dt.date.fromisoformat(snapshot["from"])).days + 1
    except (KeyError, ValueError):
        return "other"
    return f"{days} days"


def _kind_title(kind: str, lang: str) -> str:
    if kind == "week":
        return t("weekly", lang)
    if kind == "month":
        return t("monthly", lang)
    if kind.endswith(" days"):
        return t("n_day", lang, n=kind.split()[0])
    return kind


def _kind_short(kind: str, lang: str) -> str:
    ru = lang == "ru"
    if kind == "week":
        return "неделя" if ru else "week"
    if kind == "month":
        return "месяц" if ru else "month"
    return kind.replace(" days", " дн.") if ru else kind


def write_index(out: Path, lang: str = "en") -> None:
    from metrics.registry import METRICS

    snaps = list_snapshots(out)
    if not snaps:
        _write_atomic(out / "index.html", H.page(t("snapshots_title", lang), f'<p>{H.esc(t("no_snapshots", lang))}</p>', lang))
        return
    name = lambda mid: METRICS[mid].label(lang) if mid in METRICS else mid  # noqa: E731
    unit = lambda mid: METRICS[mid].unit if mid in METRICS else "count"  # noqa: E731
    groups: dict[str, list[dict]] = {}
    for snap in snaps:
        groups.setdefault(period_kind(snap), []).append(snap)
    trend = []
    for kind, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(group) < 2:
            continue
        labels = [s["period"] for s in group]
        charts = []
        for mid in HEADLINE:
            vals = [s.get("kpis", {}).get(mid) for s in group]
            if any(v is not None for v in vals):
                charts.append(svg.line_chart(labels, {name(mid): vals}, title=name(mid), width=480, height=180,
                                             fmt=lambda v, u=unit(mid): fmt_value(v, u, lang)))
        trend.append(f'<h3>{H.esc(_kind_title(kind, lang))}</h3><div class="charts">{"".join(c for c in charts if c)}</div>')
    if not trend:
        trend.append(f'<p class="muted">{H.esc(t("trend_later", lang))}</p>')
    rows = []
    for s in sorted(snaps, key=lambda d: (d.get("from", ""), d.get("to", "")), reverse=True):
        link = f'<a href="{H.esc(Path(s["_dir"]).name)}/index.html">{H.esc(s["period"])}</a>'
        cells = "".join(f'<td class="num">{H.esc(fmt_value(s.get("kpis", {}).get(m), unit(m), lang))}</td>' for m in HEADLINE)
        rows.append(f'<tr><td class="nowrap">{link}</td><td class="nowrap">{H.esc(s.get("from"))} – {H.esc(s.get("to"))}</td>'
                    f'<td>{H.esc(_kind_short(period_kind(s), lang))}</td>{cells}</tr>')
    head = "".join(f'<th class="num">{H.esc(name(m))}</th>' for m in HEADLINE)
    body = (f'<h2>{H.esc(t("trend", lang))}</h2>' + "".join(trend)
            + f'<h2>{H.esc(t("all_snapshots", lang))}</h2><table><thead><tr><th>{H.esc(t("period", lang))}</th>'
            f'<th>{H.esc(t("dates", lang))}</th><th>{H.esc(t("kind", lang))}</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f'<footer>{H.esc(t("footer", lang, what=t("snapshots_title", lang)))}</footer>')
    _write_atomic(out / "index.html", H.page(t("snapshots_title", lang), body, lang))
