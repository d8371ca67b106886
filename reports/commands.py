"""`cli.py snapshot` and `cli.py audit`."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path


def _log(line: str, out_dir: Path | None = None) -> None:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"{stamp} {line}", flush=True)
    if out_dir is not None:
        try:
            with open(out_dir / "snapshots.log", "a", encoding="utf-8") as fh:
                fh.write(f"{stamp} {line}\n")
        except OSError:
            pass


def cmd_snapshot(args) -> int:
    import config
    import metrics  # noqa: F401  post-load hooks for --load
    from loaders.base import LoadOptions
    from loaders.store import Store
    from reports.snapshot import PeriodError, parse_period, write_snapshot

    settings = config.get()
    try:
        today = dt.date.fromisoformat(args.as_of) if args.as_of else None
        period = parse_period(args.period, today)
    except (PeriodError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out or settings.get("snapshots", {}).get("dir", "snapshots"))
    if out.exists() and not out.is_dir():
        print(f"error: --out {out} is {'a device or special file' if not out.is_file() else 'an existing file'}, not a folder; "
              f"a snapshot is a folder of files: name a folder (it is created if missing)", file=sys.stderr)
        return 2
    store = Store(args.db if hasattr(args, "db") else None)
    code = 0
    if args.tz and not _valid_tz(args.tz):
        print(f"error: --tz {args.tz!r} is not a time zone name; use an IANA name such as Europe/Moscow", file=sys.stderr)
        return 2
    if args.load:
        missing = [p for p in args.load if not Path(p).exists()]
        if missing:
            print(f"error: --load: no such file or folder: {', '.join(missing)}", file=sys.stderr)
            return 2
        from reports.audit import expand

        reports = store.load_files(expand([Path(p) for p in args.load]), LoadOptions(tz=args.tz))
        for r in reports:
            _log(f"load {r.file}: {r.status}, {r.rows_loaded} loaded, {r.rows_rejected} rejected" + (f" ({r.error.splitlines()[0]})" if r.error else ""))
            if r.status == "failed" or r.rows_rejected:
                code = 1
    if not store.exists():
        _log(f"snapshot {period.name} FAILED: no database at {store.path}; load data first (cli.py load FILE, or --load FILE)")
        return 1
    lang = args.lang or settings["ui"]["language"]
    out.mkdir(parents=True, exist_ok=True)
    try:
        target, changed = write_snapshot(store.cursor(), period, out, lang, settings["ui"]["currency"])
    except Exception as exc:
        _log(f"snapshot {period.name} FAILED: {type(exc).__name__}: {exc} (the previous snapshot, if any, is intact)", out)
        return 1
    _log(f"snapshot {period.name} {'written' if changed else 'unchanged'}: {target}/index.html (exit {code})", out)
    return code


def cmd_audit(args) -> int:
    from reports.audit import run_audit

    if not args.out:
        print("error: --out FILE.html is required", file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.exists() and not out.is_file():
        print(f"error: --out {out} is {'a folder' if out.is_dir() else 'a device or special file'}, not a report file; "
              f"name a new file such as audit.html", file=sys.stderr)
        return 2
    if out.exists() and not args.force:
        print(f"error: --out {out} already exists; pass --force to replace it, or name a new file", file=sys.stderr)
        return 2
    if args.currency and not (len(args.currency) == 3 and args.currency.isascii() and args.currency.isalpha()):
        print(f"error: --currency {args.currency!r} is not an ISO 4217 code such as USD, EUR or RUB", file=sys.stderr)
        return 2
    if args.tz and not _valid_tz(args.tz):
        print(f"error: --tz {args.tz!r} is not a time zone name; use an IANA name such as Europe/Moscow", file=sys.stderr)
        return 2

    def progress(i, n, name):
        if name:
            print(f"loading {i + 1}/{n}: {name}", file=sys.stderr, flush=True)

    try:
        result = run_audit([Path(p) for p in args.paths], Path(args.out), lang=args.lang, pseudonymize=args.pseudonymize,
                           currency=args.currency.upper() if args.currency else None, tz=args.tz, pdf=args.pdf,
                           date_order=args.date_order, on_progress=progress, as_of=args.as_of,
                           tenure_unit=args.tenure_unit)
    except Exception as exc:  # never a traceback for the consultant; the main database is untouched either way
        print(f"error: the audit failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for m in result.messages:
        print(m, file=sys.stderr if result.exit_code == 2 else sys.stdout)
    return result.exit_code


def _date(text: str):
    import argparse

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2024-06-30") from None


def _valid_tz(name: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
        return True
    except Exception:
        return False


def add_commands(add) -> None:
    p = add("snapshot", cmd_snapshot, "Write a dated, self-contained KPI snapshot (HTML + JSON + CSV); safe to run from cron.")
    p.add_argument("--period", default="last-week", help="last-week (default), last-month, or YYYY-MM-DD..YYYY-MM-DD")
    p.add_argument("--load", nargs="+", metavar="PATH", help="load these exports first")
    p.add_argument("--out", help="snapshot folder (default: settings snapshots.dir = snapshots/)")
    p.add_argument("--as-of", dest="as_of", help="treat this date as today when resolving last-week/last-month")
    p.add_argument("--lang", choices=["en", "ru"])
    p.add_argument("--tz", help="time zone of timestamps without an offset in --load files")

    p = add("audit", cmd_audit, "Audit a client's exports into one self-contained report, without touching the main database.")
    p.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER")
    p.add_argument("--out", required=True, help="report file, e.g. audit.html")
    p.add_argument("--lang", choices=["en", "ru"], default="en")
    p.add_argument("--pseudonymize", action="store_true", help="replace personal data with stable pseudonyms before storing")
    p.add_argument("--currency", help="ISO currency code for money figures (default: the data's or settings)")
    p.add_argument("--tz", help="time zone of timestamps without an offset (IANA name)")
    p.add_argument("--date-order", dest="date_order", choices=["dmy", "mdy"])
    p.add_argument("--as-of", dest="as_of", type=_date, metavar="YYYY-MM-DD",
                   help="date a customer/churn list without dates describes (default: the file's modification date)")
    p.add_argument("--tenure-unit", dest="tenure_unit", choices=["days", "months", "years"],
                   help="unit of a customer list's tenure column (default: read from the header and the values)")
    p.add_argument("--pdf", action="store_true", help="also print a PDF with headless Chromium")
    p.add_argument("--force", action="store_true", help="replace --out when it already exists")
