"""The operations analyses on the command line (the dashboard and the reports call the same functions)::

    python cli.py initiatives [--as-of DATE] [--json]
    python cli.py drivers|channel-switches|escalation|agent-load|reply-targets
                  [--from DATE] [--to DATE] [--filter DIM=VALUE ...] [--json]

JSON: the analysis' dict (rates as fractions 0-1, None as null, ``not_measurable`` naming what the
export cannot support and why). Exit 0 = done, 1 = done but some initiatives in the settings have a
problem (listed), 2 = usage error (a bad filter or date, no database).
"""
from __future__ import annotations

import json
import sys

ANALYSES = {
    "drivers": ("metrics.operations.drivers", "What customers contact support about: volume, trend and cost per driver."),
    "channel-switches": ("metrics.operations.channel_switches",
                         "Customers who came back through another channel within N days, and their churn."),
    "escalation": ("metrics.operations.escalation",
                   "Tickets with repeated failed fixes that were (not) escalated, time to escalation, churn."),
    "agent-load": ("metrics.operations.agent_load",
                   "Tickets and calls per agent-day, after-hours work, concentration, CSAT target, burnout signals."),
    "reply-targets": ("metrics.operations.reply_targets",
                      "First reply within the target of each channel, and tickets still unanswered after 24 h."),
}


def add_commands(add) -> None:
    from metrics.filters import DIMENSIONS

    p = add("initiatives", cmd_initiatives, "Measure every initiative in the settings ([[initiatives]]): before, after, "
            "change with its 95%% interval, verdict.")
    p.add_argument("--as-of", dest="as_of", metavar="DATE", help="measure as if the data ended on this day (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    for name, (_, help_) in ANALYSES.items():
        p = add(name, cmd_analysis, help_)
        p.set_defaults(analysis=name)
        p.add_argument("--from", dest="date_from", metavar="DATE", help="first day, YYYY-MM-DD (inclusive)")
        p.add_argument("--to", dest="date_to", metavar="DATE", help="last day, YYYY-MM-DD (inclusive)")
        p.add_argument("--filter", dest="filters", action="append", default=[], metavar="DIM=VALUE",
                       help=f"repeatable; DIM is one of {', '.join(DIMENSIONS)}")
        p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _cursor(args):
    from loaders.store import Store

    store = Store(getattr(args, "db", None))
    if not store.exists():
        return None, f"no database at {store.path}; load data first (`cli.py load FILE` or `cli.py demo`)"
    return store.cursor(), None


def _dump(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def cmd_initiatives(args) -> int:
    from metrics.filters import FilterError, parse_date
    from metrics.operations import initiatives

    try:
        as_of = parse_date(args.as_of, "--as-of")
    except FilterError as exc:
        return _usage(str(exc))
    cur, error = _cursor(args)
    if cur is None:
        return _usage(error)
    try:
        data = initiatives.analyse(cur, as_of=as_of)
    finally:
        cur.close()
    if args.json:
        _dump(data)
    else:
        print(text_initiatives(data))
    return 1 if data.get("problems") else 0


def cmd_analysis(args) -> int:
    import importlib

    from metrics.filters import FilterError, Filters

    try:
        filters = Filters.parse_pairs(args.filters, args.date_from, args.date_to)
    except FilterError as exc:
        return _usage(str(exc))
    module = importlib.import_module(ANALYSES[args.analysis][0])
    cur, error = _cursor(args)
    if cur is None:
        return _usage(error)
    try:
        data = module.analyse(cur, filters)
    finally:
        cur.close()
    data["filters"] = filters.to_params()
    if args.json:
        _dump(data)
        return 0
    print(f"Deskscope {args.analysis} — {filters.describe()}")
    print(TEXT[args.analysis](data))
    for key, why in (data.get("not_measurable") or {}).items():
        print(f"  not measurable: {key}: {why}")
    for note in data.get("notes") or []:
        print(f"  note: {note}")
    return 0


# ---------------------------------------------------------------- text output
def pct(v, digits: int = 1) -> str:
    return "n/a" if v is None else f"{v * 100:.{digits}f}%"


def num(v, digits: int = 1) -> str:
    return "n/a" if v is None else f"{v:,.{digits}f}"


def signed_pct(v) -> str:
    return "n/a" if v is None else f"{v * 100:+.1f}%"


VERDICT_WORDS = {"met": "met", "not_met": "not met", "too_early": "too early", "not_measurable": "not measurable"}


def text_initiatives(data: dict) -> str:
    lines = ["Deskscope initiatives"]
    for p in data.get("problems") or []:
        lines.append(f"  problem: {p}")
    if not data.get("initiatives"):
        lines.append(f"  {data.get('message') or 'no initiatives'}")
    for i in data.get("initiatives") or []:
        scope = ", ".join(f"{k} = {v}" for k, v in (i.get("scope") or {}).items()) or "everything"
        lines.append(f"\n{i['name']} ({i['metric']}; {scope}; from {i['start']}{' to ' + i['end'] if i.get('end') else ''};"
                     f" target {signed_pct(i['target_change'])}{'; owner ' + i['owner'] if i.get('owner') else ''})")
        lines.append(f"  verdict: {VERDICT_WORDS.get(i['verdict'], i['verdict'])}" + (f" — {i['reason']}" if i.get("reason") else ""))
        if i.get("change") is not None:
            lines.append(f"  before {num(i['before'], 3)}, after {num(i['after'], 3)}: change {signed_pct(i['change'])} "
                         f"(95% CI {signed_pct(i['ci_low'])} to {signed_pct(i['ci_high'])}; {i['method'].replace('_', ' ')})")
        if i.get("windows"):
            w = i["windows"]
            lines.append(f"  windows: before {w['before'][0]} – {w['before'][1]}, after {w['after'][0]} – {w['after'][1]} "
                         f"({w['days']} days; {(i.get('basis') or '').replace('_', ' ')})")
        if i.get("days_needed"):
            lines.append(f"  about {i['days_needed']} more days of data are needed")
        money = i.get("money") or {}
        if money.get("revenue_kept") is not None:
            kept = money["customers_kept_per_year"] >= 0
            lines.append(f"  money: {num(abs(money['customers_kept_per_year']))} {'customers kept' if kept else 'more customers lost'}"
                         f" a year, {num(abs(money['revenue_kept']), 0)} {money.get('currency') or ''} over "
                         f"{money['horizon_months']} months{'' if kept else ' (the metric moved the wrong way)'}")
        for note in i.get("notes") or []:
            lines.append(f"  note: {note}")
    return "\n".join(lines)


def _drivers(d: dict) -> str:
    lines = [f"  {d.get('tickets', 0):,} tickets; median resolution {num(d.get('median_resolution_minutes'))} min"]
    h = d.get("headline")
    if h:
        lines.append(f"  {pct(h['share'], 0)} of contacts are about {h['driver']}; they take "
                     f"{num(h['resolution_ratio'])}x the median resolution time")
    for r in d.get("drivers") or []:
        lines.append(f"  {r['driver'][:40]:<40} {r['tickets']:>8,} {pct(r['share']):>7}  resolution x{num(r['resolution_ratio'])}"
                     f"  reopen {pct(r['reopen_rate'])}  bad CSAT {pct(r['bad_csat_rate'])}  churned {r.get('churned_customers')}")
    return "\n".join(lines)


def _switches(d: dict) -> str:
    lines = [f"  {d.get('contacts', 0):,} contacts, {d.get('repeat_contacts', 0):,} repeats within {d.get('days')} days, "
             f"{d.get('switches', 0):,} in another channel: {pct(d.get('channel_switch_rate'))} of contacts, "
             f"{pct(d.get('cross_channel_repeat_share'))} of repeats; {pct(d.get('switching_customer_share'))} of customers"]
    a = d.get("answered_in_another_channel") or {}
    if a.get("tickets"):
        lines.append(f"  answered in another channel: {pct(a.get('rate'))} of {a['tickets']:,} non-phone tickets "
                     f"({a['answered_by_phone']:,} answered by an outbound call while open)")
    for p in d.get("pairs") or []:
        lines.append(f"  {p['from']} -> {p['to']}: {p['switches']:,}")
    for grp, r in (d.get("churn") or {}).items():
        lines.append(f"  churn {grp.replace('_', ' ')}: {pct(r['rate']['estimate'])} of {r['customers']:,}")
    return "\n".join(lines)


def _escalation(d: dict) -> str:
    lines = [f"  {d.get('failed_fix_tickets', 0):,} tickets reopened {d.get('failed_fixes')}+ times: "
             f"{d.get('not_escalated', 0):,} never escalated, {d.get('escalated', 0):,} escalated, "
             f"{d.get('cannot_tell', 0):,} cannot tell ({pct(d.get('unescalated_share'))} never escalated)",
             f"  time to escalation: median {num(d.get('time_to_escalation_median_hours'))} h, "
             f"p90 {num(d.get('time_to_escalation_p90_hours'))} h"]
    for grp, r in (d.get("churn") or {}).items():
        lines.append(f"  churn {grp.replace('_', ' ')}: {pct(r['rate']['estimate'])} of {r['customers']:,}")
    return "\n".join(lines)


def _load(d: dict) -> str:
    lines = [f"  {d.get('items', 0):,} handled ({d.get('tickets', 0):,} tickets, {d.get('calls', 0):,} calls) by "
             f"{d.get('agents', 0)} agents over {d.get('agent_days', 0):,} agent-days: {num(d.get('operator_load'))} per agent-day",
             f"  after hours {pct(d.get('after_hours_share'))}; the busiest {d.get('top_agents')} agents carry "
             f"{pct(d.get('load_top_share'))}; at the CSAT target {pct(d.get('agents_at_csat_target_share'))} "
             f"of {d.get('agents_judged_on_csat', 0)} agents judged"]
    for s in d.get("signals") or []:
        lines.append(f"  signal: {s['agent']} ({s['team']}): {', '.join(s['signals'])}")
    return "\n".join(lines)


def _targets(d: dict) -> str:
    lines = []
    for r in d.get("channels") or []:
        target = (f"{num(r['target_minutes'], 0)} min" if r.get("target_minutes") is not None
                  else f"{num(r['target_seconds'], 0)} s" if r.get("target_seconds") is not None else "no target")
        lines.append(f"  {str(r['channel']):<10} target {target:<10} within {pct(r.get('rate'))} "
                     f"({r.get('within') if r.get('within') is not None else '-'} of {r.get('decided') if r.get('decided') is not None else '-'})")
    u = d.get("unanswered") or {}
    if u:
        lines.append(f"  still unanswered after {num(u.get('hours'), 0)} h: {u.get('count', 0):,} ({pct(u.get('rate'))}); "
                     f"open without a reply now: {u.get('open_now', 0):,}")
    return "\n".join(lines)


TEXT = {"drivers": _drivers, "channel-switches": _switches, "escalation": _escalation, "agent-load": _load,
        "reply-targets": _targets}
