"""``cli.py metrics``: the KPIs for a filter state, as a readable table or JSON.

    python cli.py metrics [--from DATE] [--to DATE] [--filter DIM=VALUE ...] [--by DIM] [--json] [--db PATH]

JSON: one object keyed by metric id (rates as fractions 0-1, NPS -100..100, None as null) plus
``_filters`` (the URL params of the filter state), ``_notes``, ``_flags`` and ``_approximate``
({metric id: true} for each figure read from the ticket sample; docs/metrics.md, "Approximate
figures") and ``_intervals`` ({metric id: [low, high]}, its 95 % confidence interval); with --by, a list of rows (one per dimension value; ``approximate`` in each row when a
quantile metric is asked for). Text output puts "≈" before an approximate figure. Exit 2 on a bad
filter name, date or metric id.
"""
from __future__ import annotations

import datetime as dt
import json
import sys


def add_commands(add) -> None:
    from metrics.filters import DIMENSIONS
    from metrics.engine import BREAKDOWN_DIMENSIONS

    p = add("metrics", cmd_metrics, "Print the KPIs for a date range and filters (a table, or --json).")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first day, YYYY-MM-DD (inclusive)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last day, YYYY-MM-DD (inclusive)")
    p.add_argument("--filter", dest="filters", action="append", default=[], metavar="DIM=VALUE",
                   help=f"repeatable; DIM is one of {', '.join(DIMENSIONS)}; VALUE may list values separated by commas")
    p.add_argument("--by", metavar="DIM", help=f"one row per value of DIM ({', '.join(BREAKDOWN_DIMENSIONS)})")
    p.add_argument("--metric", dest="ids", action="append", default=[], metavar="ID",
                   help="only these metric ids (repeatable or comma-separated; default: all)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--engine", choices=("duckdb", "spark"),
                   help="compute everything afresh on this engine from canonical Parquet tables (--input, default: "
                        "the local database's, exported) instead of reading the local database's derived tables")
    p.add_argument("--input", metavar="DIR", help="with --engine: the canonical tables as Parquet (docs/schema.md)")
    p.add_argument("--master", help="with --engine spark: Spark master URL (default local[*])")


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def cmd_metrics(args) -> int:
    from loaders.store import Store
    from metrics import engine
    from metrics.filters import Filters, FilterError
    from metrics.registry import APPROXIMATE_MARK, METRICS, approximate, format_value

    try:
        filters = Filters.parse_pairs(args.filters, args.date_from, args.date_to)
    except FilterError as exc:
        return _usage(str(exc))
    ids = [i.strip() for item in args.ids for i in item.split(",") if i.strip()] or None
    if ids:
        unknown = [i for i in ids if i not in METRICS]
        if unknown:
            return _usage(f"unknown metric id {', '.join(unknown)}; valid ids: {', '.join(METRICS)}")
    if args.by and args.by not in engine.BREAKDOWN_DIMENSIONS:
        return _usage(f"--by {args.by!r} is not a dimension; valid names: {', '.join(engine.BREAKDOWN_DIMENSIONS)}")
    if args.input and not args.engine:
        return _usage("--input goes with --engine duckdb|spark")
    if args.input and not __import__("os").path.isdir(args.input):
        return _usage(f"--input {args.input}: no such folder; give the folder with one sub-folder per canonical table "
                      f"(`cli.py export-parquet DIR` writes one)")
    store = Store(getattr(args, "db", None))
    if not args.input and not store.exists():
        print(f"error: no database at {store.path}; load data first (`cli.py load FILE` or `cli.py demo`)",
              file=sys.stderr)
        return 1
    cur = _engine_connection(args, store) if args.engine else store.cursor()
    try:
        if args.by:
            frame = engine.breakdown(cur, filters, args.by, ids)
            return _print_breakdown(frame, args, filters)
        figures = engine.kpis(cur, filters, ids)
    finally:
        cur.close()
    if args.json:
        out = {k: _plain(v) for k, v in figures.items()}
        out["_filters"] = filters.to_params()
        out["_notes"] = figures.notes
        out["_flags"] = figures.flags
        out["_approximate"] = {k: True for k in figures if k in figures.approximate}
        out["_intervals"] = {k: [_plain(x) for x in figures.intervals[k]] for k in figures if k in figures.intervals}
        print(json.dumps(out, ensure_ascii=False, indent=2, default=_json_default))
        return 0
    print(f"Deskscope KPIs — {filters.describe()}")
    width = max(len(METRICS[k].label()) for k in figures)
    for k, v in figures.items():
        print(f"  {METRICS[k].label():<{width}}  {approximate(format_value(k, v), k in figures.approximate):>14}   [{k}]")
    for note in figures.notes:
        print(f"  note: {note}")
    if figures.flags.get("nps_small_sample"):
        print("  note: NPS rests on a small sample (see nps_responses and its confidence interval)")
    if figures.approximate:
        for k in sorted(figures.approximate):
            low, high = figures.intervals.get(k, (None, None))
            if low is not None and high is not None:
                print(f"  {APPROXIMATE_MARK} {METRICS[k].label()}: 95% interval {format_value(k, low)} – {format_value(k, high)}")
        print(f"  {APPROXIMATE_MARK} approximate: read from a uniform sample of the tickets "
              f"(more than metrics.exact_quantile_max_rows rows behind it, or an exact value would read more than "
              f"metrics.exact_quantile_max_scan_rows rows)")
    return 0


def _engine_connection(args, store):
    """A connection on ``args.engine`` with the canonical tables read from Parquet and every derived
    table built there by the store's own hooks (metrics/build.py): figures computed from raw rows."""
    import tempfile
    from pathlib import Path

    from loaders import parquet
    from metrics import execution
    from metrics.build import derive_all

    folder = Path(args.input) if args.input else None
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="deskscope-export-"))
        cur = store.cursor()
        try:
            parquet.export_tables(cur, folder)
        finally:
            cur.close()
    if args.engine == "spark":
        ok, why = execution.java_status()
        if not ok:
            raise RuntimeError(f"Spark cannot start: {why}")
    con = execution.connect(args.engine, master=getattr(args, "master", None))
    parquet.read_tables(con, folder)
    derive_all(con)
    if not args.input:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return con


def _plain(v):
    if isinstance(v, float) and v != v:  # NaN never leaves as JSON
        return None
    return v


def _whole(v):
    """A count as a whole number in JSON (breakdown frames hold every figure as a float)."""
    return int(v) if isinstance(v, float) and v == v and v.is_integer() else _plain(v)


def _print_breakdown(frame, args, filters) -> int:
    from metrics.engine import can_be_approximate
    from metrics.registry import APPROXIMATE_MARK, METRICS, approximate, format_value

    by = args.by
    rows = frame.to_dicts()
    asked = [i.strip() for item in args.ids for i in item.split(",") if i.strip()]
    scores = [k for k in ("csat", "nps", "ces") if k in asked]
    if scores and all(k.split("_")[0] in ("csat", "nps", "ces") for k in asked):
        # Survey scores only: a segment without one answer of the kinds asked is not a small sample,
        # it has no score at all; leave it out, as the Satisfaction page does.
        rows = [r for r in rows if any(r.get(k) is not None for k in scores)]
    if args.json:
        counts = {k for k in frame.columns if k in METRICS and METRICS[k].unit == "count"}
        print(json.dumps([{k: _whole(v) if k in counts else _plain(v) for k, v in r.items()} for r in rows],
                         ensure_ascii=False, indent=2, default=_json_default))
        return 0
    ids = [c for c in frame.columns if c in METRICS]
    print(f"Deskscope KPIs by {by} — {filters.describe()}")
    header = [by] + ids + ["n"]
    quantile = {i for i in ids if can_be_approximate(i)}
    table = [[str(r[by]) if r[by] is not None else "(none)"]
             + [approximate(format_value(i, r[i]), bool(r.get("approximate")) and i in quantile and r[i] is not None)
                for i in ids]
             + [f"{r['n']:,}" + (" *" if r["small_sample"] else "")] for r in rows]
    widths = [max(len(h), *(len(row[j]) for row in table)) if table else len(h) for j, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
    if any(r["small_sample"] for r in rows):
        if any(c.endswith("_responses") for c in frame.columns) and all(
                c in (by, "n", "small_sample") or c.endswith("_small_sample") or METRICS.get(c) is None
                or "surveys" in METRICS[c].tables for c in frame.columns):
            print("* small sample: fewer responses than metrics.survey_small_segment; shown with its interval, not ranked")
        else:
            print("* small sample: fewer rows than metrics.small_sample; shown, not ranked")
    if any(r.get("approximate") for r in rows):
        print(f"{APPROXIMATE_MARK} approximate: read from a uniform sample of the tickets")
    return 0
