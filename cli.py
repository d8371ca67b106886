#!/usr/bin/env python3
"""Deskscope command line. The dashboard calls the same functions.

Exit codes: 0 = done, 1 = done but something was rejected or failed, 2 = usage error.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

SAMPLE_DIR = Path("data/sample")


class UsageError(Exception):
    pass


def _store(args):
    from loaders.store import Store

    try:
        import metrics  # noqa: F401  registers the derived-table hooks
    except ModuleNotFoundError as exc:
        if exc.name != "metrics":
            raise

    return Store(args.db)


def _options(args):
    from loaders.base import LoadOptions
    from loaders.mapping import read_mapping

    mapping_arg = getattr(args, "mapping", None)
    if mapping_arg and not Path(mapping_arg).is_file():
        raise UsageError(f"--mapping {mapping_arg}: no such file; check the path, or write one to start from with "
                         f"`cli.py suggest FILE > {Path(mapping_arg).name}`")
    mapping = read_mapping(mapping_arg) if mapping_arg else None
    return LoadOptions(source=getattr(args, "source", None), tz=getattr(args, "tz", None),
                       date_order=getattr(args, "date_order", None), mapping=mapping,
                       table=getattr(args, "table", None), sheet=getattr(args, "sheet", None),
                       pseudonymize=getattr(args, "pseudonymize", False), as_of=getattr(args, "as_of", None),
                       tenure_unit=getattr(args, "tenure_unit", None))


def _as_of_date(text: str):
    """--as-of: a calendar date (argparse type)."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2024-06-30") from None


def _check_tz(tz: str | None) -> None:
    if not tz:
        return
    from zoneinfo import ZoneInfo

    try:
        from metrics.business_time import resolve_tz

        resolve_tz(tz)
    except ImportError:
        try:
            ZoneInfo(tz)
        except Exception as exc:
            raise UsageError(f"--tz {tz!r} is not a time zone name; use an IANA name such as Europe/Moscow") from exc
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def print_reports(reports, as_json: bool = False) -> int:
    if as_json:
        print(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2, default=str))
    else:
        for r in reports:
            print(r.text())
    bad = any(r.status == "failed" or r.rows_rejected for r in reports)
    return 1 if bad else 0


class _RowProgress:
    """Rows read, rows/s and the time left of each large file a load types batch by batch, on
    stderr (tqdm); nothing for small files, nothing when stderr is not a terminal unless asked."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.file = None

    def __call__(self, file: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if self.bar is None or self.file != file:
            self.close()
            self.file = file
            self.bar = tqdm(total=total, desc=file, unit=" rows", unit_scale=True, dynamic_ncols=True, smoothing=0.3,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} rows read "
                                       "[{elapsed} elapsed, {remaining} left, {rate_fmt}]")
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.close()
            print(f"{file}: {total:,} rows typed; writing them and the derived tables ...", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _paths(args) -> list[Path]:
    """The paths as given: a name that exists is that file, even with * or [ in it. Patterns are
    the shell's job, or expanded here only with --glob (sorted; a pattern matching nothing is an error)."""
    if not getattr(args, "glob", False):
        return [Path(p) for p in args.paths]
    import glob

    out: list[Path] = []
    for pattern in args.paths:
        matches = sorted(glob.glob(pattern, recursive=True))
        if not matches:
            raise UsageError(f"--glob {pattern!r} matches no file; check the pattern (quote it so the shell leaves it alone)")
        out += [Path(m) for m in matches]
    return out


def cmd_load(args) -> int:
    _check_tz(args.tz)
    options = _options(args)
    store = _store(args)
    results = [p for p in _paths(args) if _is_results(p)]
    if results:  # a folder `cli.py build` wrote: installed as it is, nothing recomputed
        if len(results) != len(args.paths):
            raise UsageError("a result folder from `cli.py build` is loaded on its own: give it as the only PATH")
        from metrics.build import install

        report = install(store, results[0])
        print(json.dumps({"folder": report.folder, "tables": report.tables, "notes": report.notes}, indent=2)
              if args.json else report.text())
        return 0
    progress = _RowProgress(enabled=not args.json and (sys.stderr.isatty() or getattr(args, "progress", False)))
    try:
        reports = store.load_files(_paths(args), options, format=args.format, on_rows=progress)
    except ValueError as exc:  # bad [[sla.policies]] / [business_hours]: checked when the load is applied
        if not str(exc).startswith("settings"):
            raise
        import config

        raise UsageError(f"{exc}\nfix: correct these keys in {config.user_path()} (docs/settings.md explains each) "
                         f"and load again; nothing was loaded, the database is unchanged") from exc
    finally:
        progress.close()
    return print_reports(reports, args.json)


def _is_results(path: Path) -> bool:
    try:
        from metrics.build import is_results
    except ModuleNotFoundError:
        return False
    return is_results(path)


def cmd_demo(args) -> int:
    from sample_data.generate import generate

    out = Path(args.out)
    if args.force or not (out / "truth.json").exists() or json.loads((out / "truth.json").read_text()).get("seed") != args.seed \
            or json.loads((out / "truth.json").read_text()).get("tickets_requested") not in (None, args.tickets) \
            or not (out / "formats").is_dir():
        print(f"generating sample exports in {out} (seed {args.seed}, {args.tickets:,} tickets) ...", flush=True)
        generate(out, seed=args.seed, tickets=args.tickets)
    def exports(folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if p.name != "truth.json" and not p.name.startswith(".")
                      and not p.name.lower().endswith((".md", ".txt")) and (p.is_file() or p.name != "formats"))

    files = exports(out)
    if args.all_formats and (out / "formats").is_dir():
        files += exports(out / "formats")
    # The generator writes local times the way the vendors export them, in truth.json's zone.
    if not args.tz:
        args.tz = json.loads((out / "truth.json").read_text()).get("timezone")
    store = _store(args)
    reports = store.load_files(files, _options(args))
    code = print_reports(reports, args.json)
    print(f"database: {store.path}")
    from sample_data.initiatives import register_demo

    note = register_demo(json.loads((out / "truth.json").read_text()))
    if note:
        print(note)
    return code


def cmd_formats(args) -> int:
    from loaders import registry

    rows = [{"name": a.name, "family": a.family, "title": a.title, "accepts": a.accepts} for a in registry.adapters()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  [{r['family']}] {r['title']}\n{'':<{width}}  accepts: {r['accepts']}")
    return 0


def cmd_detect(args) -> int:
    from loaders import registry

    for p in args.paths:
        scored = registry.detect(Path(p))
        print(f"{p}:")
        if not scored:
            print("  nothing recognised it; use --format or a mapping")
        for adapter, score, why in scored[:5]:
            print(f"  {score:5.0%}  {adapter.name:<22} {why}")
    return 0


def cmd_suggest(args) -> int:
    from loaders.files import preflight, read_table
    from loaders.suggest import suggestion

    path = Path(args.path)
    if not path.exists():
        raise UsageError(f"{path}: no such file; check the path")
    preflight(path)
    table, sheet = args.table, args.sheet
    if table is None:  # a churn list is never offered a tickets mapping
        from loaders.adapters.customers import customer_sheet

        found = customer_sheet(path, sheet)
        if found:
            sheet, why = found
            table = "customers"
            print(f"# a customer / churn list ({why}): `cli.py load {args.path}` reads it without a mapping; "
                  "the mapping below is for the generic reader (--mapping)")
    raw = read_table(path, sheet=sheet)
    s = suggestion(raw.headers, table, path.name)
    print(f"# suggested from the headers of {args.path} ({s.coverage:.0%} of required columns found; "
          f"{len(s.columns)} of {len(raw.headers)} columns mapped)")
    print(f"# columns in the file: {', '.join(raw.headers)}")
    print(s.toml(Path(args.path).stem.lower()), end="")
    return 0


def cmd_loads(args) -> int:
    store = _store(args)
    loads = store.loads()
    if args.json:
        print(json.dumps(loads.to_dicts(), ensure_ascii=False, indent=2, default=str))
        return 0
    if loads.height == 0:
        print("no loads yet: `python cli.py load FILE` or `python cli.py demo`")
        return 0
    for r in loads.iter_rows(named=True):
        ident = f"#{r['load_id']}" if r.get("load_id") is not None else (r.get("attempt_id") or "-")
        head = f"{ident:<5} {str(r['finished_at'])[:19]}  {r['status'] or 'loaded':<8} {r['loader'] or '-':<18} {r['file_name']}"
        if r.get("attempt_id"):
            sha = f" sha256 {r['sha256'][:12]}" if r.get("sha256") else ""
            read = f", {r['rows_in']:,} rows read" if r.get("rows_in") else ""
            if r["status"] == "skipped":
                print(f"{head}:{sha} already loaded as #{r['skipped_as']}; nothing added")
            else:
                reason = " ".join((r.get("reason") or "").split())
                print(f"{head}:{sha}{read}: {reason}")
            continue
        print(f"{head}: in {r['rows_in']:,} = loaded {r['rows_loaded']:,} + rejected {r['rows_rejected']:,} "
              f"-> {r['target_table']} ({r['source']})")
    return 0


def cmd_rejects(args) -> int:
    store = _store(args)
    rows = store.rejects(args.load_id)
    if args.json:
        print(json.dumps(rows.to_dicts(), ensure_ascii=False, indent=2, default=str))
        return 0
    for r in rows.head(args.limit).iter_rows(named=True):
        print(f"load #{r['load_id']} {r['file_name']} row {r['row_number']}: {r['reason']}")
    if rows.height > args.limit:
        print(f"... {rows.height - args.limit:,} more (use --limit or --json)")
    return 0


def cmd_remove_load(args) -> int:
    store = _store(args)
    removed = store.remove_load(args.load_id)
    print(f"load #{args.load_id} removed: " + (", ".join(f"{t} {n:,}" for t, n in removed.items()) or "no rows"))
    return 0


def cmd_recompute(args) -> int:
    store = _store(args)
    if not store.path.exists():
        print(f"no database at {store.path}: load files first (python cli.py load PATH...)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with store.writer():  # publishing runs the derived-table hooks with the settings in force
        pass
    print(f"{store.path}: ticket_metrics, SLA outcomes and rollups recomputed with the settings in force "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_compact(args) -> int:
    store = _store(args)
    if not store.path.exists():
        print(f"no database at {store.path}: load files first (python cli.py load PATH...)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    sizes = store.compact()
    mb = lambda n: f"{n / 1e6:,.1f} MB"  # noqa: E731
    print(f"{store.path}: compacted in {time.perf_counter() - started:.1f} s; base {mb(sizes['before']['base'])} + delta "
          f"{mb(sizes['before']['delta'])} -> base {mb(sizes['after']['base'])}")
    return 0
def cmd_serve(args) -> int:
    """Start the dashboard (``streamlit run app.py``), saying first what access it will have: without
    sign-in on an address other than 127.0.0.1 the log warns before anyone opens a page."""
    import logging
    import os

    from streamlit import config as st_config

    from loaders.store import resolve_db_path

    # Paths as every other command reads them (from the working folder), fixed before moving to HERE.
    if os.environ.get("DESKSCOPE_SETTINGS"):
        os.environ["DESKSCOPE_SETTINGS"] = str(Path(os.environ["DESKSCOPE_SETTINGS"]).resolve())
    os.environ["DESKSCOPE_DB"] = str(Path(resolve_db_path(getattr(args, "db", None))).resolve())
    if args.secrets:
        if not Path(args.secrets).is_file():
            raise UsageError(f"--secrets {args.secrets}: no such file (the [auth] section, see docs/security.md)")
        args.secrets = str(Path(args.secrets).resolve())
    os.chdir(HERE)  # Streamlit reads .streamlit/config.toml and secrets.toml from the working folder
    passed = list(args.streamlit_args or [])
    if passed[:1] == ["--"]:
        passed = passed[1:]
    for option, value in (("--server.address", args.address), ("--server.port", args.port),
                          ("--secrets.files", args.secrets)):
        if value:
            passed = [option, str(value), *passed]
    for name, value in zip(passed, passed[1:]):  # the options the access check reads
        if name in ("--server.address", "--secrets.files"):
            st_config.set_option(name[2:], value if name == "--server.address" else [value])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import config
    from ui import access

    try:
        settings = config.get()
    except Exception:  # the app reports unreadable settings itself
        settings = {}
    os.environ[access.LOGGED_ENV] = access.log_startup(settings)
    command = [sys.executable, "-m", "streamlit", "run", str(HERE / "app.py"), *passed]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cli.py", description="Deskscope: support-operations analytics on your own exports.")
    parser.add_argument("--db", help="DuckDB file (default: $DESKSCOPE_DB or data/deskscope.duckdb)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name, func, help_):
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        p.add_argument("--db", help=argparse.SUPPRESS, default=argparse.SUPPRESS)
        return p

    def load_opts(p):
        p.add_argument("--tz", help="time zone of timestamps without an offset (IANA name, e.g. Europe/Moscow)")
        p.add_argument("--date-order", dest="date_order", choices=["dmy", "mdy"], help="day/month order when the data cannot tell")
        p.add_argument("--source", help="source name to store rows under (default: the format's)")
        p.add_argument("--mapping", help="column mapping file (TOML or JSON; see docs/mapping.md)")
        p.add_argument("--table", choices=["tickets", "ticket_events", "calls", "surveys", "customers"],
                       help="target table for the generic loader")
        p.add_argument("--sheet", help="XLSX sheet name")
        p.add_argument("--as-of", dest="as_of", type=_as_of_date, metavar="YYYY-MM-DD",
                       help="date a customer/churn list without dates describes (default: the file's modification date)")
        p.add_argument("--tenure-unit", dest="tenure_unit", choices=["days", "months", "years"],
                       help="unit of a customer list's tenure column (default: read from the header and the values)")
        p.add_argument("--json", action="store_true", help="print the load report as JSON")

    p = add("load", cmd_load, "Load export files (format detected; --format overrides) and print a load report.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", help="adapter name (see `formats`)")
    p.add_argument("--progress", action="store_true",
                   help="show rows read, rows/s and the time left of large files even when stderr is not a terminal")
    p.add_argument("--glob", action="store_true",
                   help="expand each PATH as a pattern (export*.csv, **/*.csv); without it a name is that one file")
    load_opts(p)

    p = add("demo", cmd_demo, "Generate the sample exports and load them through the real loaders.")
    p.add_argument("--out", default=str(SAMPLE_DIR), help="where the sample exports are written (default data/sample)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--tickets", type=int, default=50_000)
    p.add_argument("--force", action="store_true", help="regenerate even if the files exist")
    p.add_argument("--all-formats", action="store_true",
                   help="also load the one-per-vendor exports in <out>/formats (dated in the last 90 days of the sample)")
    load_opts(p)

    p = add("formats", cmd_formats, "List the formats Deskscope reads and the files each accepts.")
    p.add_argument("--json", action="store_true")

    p = add("detect", cmd_detect, "Show which formats recognise a file and how sure each is.")
    p.add_argument("paths", nargs="+", metavar="PATH")

    p = add("suggest", cmd_suggest, "Print a column mapping suggested from a file's headers (TOML, to edit and pass to --mapping).")
    p.add_argument("path")
    p.add_argument("--table", choices=["tickets", "ticket_events", "calls", "surveys", "customers"])
    p.add_argument("--sheet")

    p = add("loads", cmd_loads, "The load history.")
    p.add_argument("--json", action="store_true")

    p = add("rejects", cmd_rejects, "Rejected rows with their reasons (all loads, or one).")
    p.add_argument("load_id", type=int, nargs="?")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")

    p = add("remove-load", cmd_remove_load, "Delete every row one load wrote.")
    p.add_argument("load_id", type=int)

    p = add("serve", cmd_serve, "Start the dashboard (streamlit run app.py); the log says at once whether it is "
            "reachable without sign-in (docs/security.md).")
    p.add_argument("--address", help="listen on this address (default 127.0.0.1 from .streamlit/config.toml; "
                   "0.0.0.0 = every interface: configure sign-in first)")
    p.add_argument("--port", type=int, help="port (default 8501)")
    p.add_argument("--secrets", help="the secrets file with the [auth] sign-in section (default .streamlit/secrets.toml)")
    p.add_argument("streamlit_args", nargs=argparse.REMAINDER, metavar="-- STREAMLIT_OPTION",
                   help="more Streamlit options after --, e.g. -- --browser.serverAddress dash.example.com")

    add("recompute", cmd_recompute, "Recompute the derived tables (ticket_metrics, SLA outcomes, rollups) after a "
        "settings change (SLA policies, business hours, report time zone); every load does it too.")

    add("compact", cmd_compact, "Fold the loads' delta file into a new, sorted base file (needs as much free disk as the "
        "database, once; loads do it by themselves past store.compact_share).")

    for extra in EXTRA_COMMANDS:
        try:
            module = __import__(extra, fromlist=["add_commands"])
        except ModuleNotFoundError as exc:
            if exc.name != extra:
                raise
            continue
        module.add_commands(add)
    return parser


# Modules that add their own sub-commands through add_commands(add) (metrics, churn, reports).
EXTRA_COMMANDS = ["metrics.commands", "metrics.build_commands", "metrics.churn_commands", "reports.commands", "metrics.operations.commands"]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code not in (0, None) else 0
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    from loaders.base import LoadError
    from loaders.store import StoreBusy

    try:
        return args.func(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except LoadError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except StoreBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 1
    except Exception as exc:  # never a traceback: one line saying what failed (DESKSCOPE_DEBUG=1 shows it)
        import os

        if os.environ.get("DESKSCOPE_DEBUG"):
            raise
        print(f"error: {args.command} failed: {type(exc).__name__}: {' '.join(str(exc).split())[:500]}. Nothing was "
              f"changed by the failure; if this looks like a bug, run again with DESKSCOPE_DEBUG=1 and report the "
              f"traceback", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
