"""Column mappings: suggest one from the headers, validate it, apply it.

A mapping is data (a small TOML or JSON file, or a dict)::

    table = "tickets"            # canonical table
    source = "servicenow"        # rows are stored under this source name
    timezone = "Europe/Moscow"   # zone of offset-less timestamps
    date_order = "dmy"           # only when the data cannot tell (dmy | mdy)
    [columns]                    # canonical column = source header
    source_id = "number"
    created_at = "opened_at"
    [constants]                  # canonical column = fixed value for every row
    channel = "email"
    [values.status]              # source value = canonical value (on top of loaders/vocab.py)
    "Awaiting User Info" = "pending"

Applying a mapping types every column. A row whose required value is missing or unreadable is
rejected with the reason; an unreadable optional value becomes NULL and is reported as a
warning with the rows it affects.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

import polars as pl

from loaders import parsing, schema, vocab
from loaders.base import LoadError, Rejects
from loaders.files import ROW, RawTable

MAPPING_KEYS = {"table", "source", "timezone", "date_order", "columns", "constants", "values", "sheet", "format"}


def read_mapping(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LoadError(path.name, [f"mapping file is not valid {'JSON' if path.suffix.lower() == '.json' else 'TOML'}: {exc}"],
                        fix="see docs/mapping.md for the format") from exc
    return data


def mapping_to_toml(mapping: dict[str, Any]) -> str:
    """A mapping as TOML text a user can save and edit."""
    lines = []
    for key in ("table", "source", "timezone", "date_order"):
        if mapping.get(key):
            lines.append(f'{key} = {json.dumps(mapping[key], ensure_ascii=False)}')
    for section in ("columns", "constants"):
        if mapping.get(section):
            lines.append(f"\n[{section}]")
            lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in mapping[section].items()]
    for col, table in (mapping.get("values") or {}).items():
        lines.append(f"\n[values.{col}]")
        lines += [f"{json.dumps(k, ensure_ascii=False)} = {json.dumps(v, ensure_ascii=False)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def suggest(headers: list[str], table: str | None = None) -> tuple[str, dict[str, str], float]:
    """Best (table, columns, coverage) for these headers, from English and Russian synonyms.

    coverage is the share of the table's required columns found (1.0 = loadable as is).
    """
    tables = [table] if table else ["tickets", "calls", "surveys", "customers", "ticket_events"]
    best: tuple[str, dict[str, str], float, int] = (tables[0], {}, 0.0, 0)
    normalised = {h: vocab.normalise_header(h) for h in headers}
    for tbl in tables:
        used: set[str] = set()
        columns: dict[str, str] = {}
        # Exact matches in synonym order first (earlier synonyms are more specific), then headers
        # that carry the table's entity ("Ticket Priority", "Приоритет обращения") by what they name.
        for forms in (normalised, {h: vocab.strip_entity(n, tbl) for h, n in normalised.items()}):
            for canonical, names in vocab.SYNONYMS.get(tbl, {}).items():
                if canonical in columns:
                    continue
                for w in (vocab.normalise_header(n) for n in names):
                    hit = next((h for h, n in forms.items() if n == w and h not in used), None)
                    if hit:
                        columns[canonical] = hit
                        used.add(hit)
                        break
        required = [c for c in schema.required_columns(tbl) if c not in ("source",)]
        if tbl == "ticket_events":
            required = [c for c in required if c != "event_type"]
        if tbl == "surveys":  # kind comes from the question or the answers, the date is optional
            required = [c for c in required if c not in ("kind", "source_id")] + ["score"]
        if tbl in ("surveys", "calls"):
            required = [c for c in required if c != "source_id"]
        if tbl == "calls":
            required = [c for c in required if c != "outcome"] + ["outcome_or_answer"]
            if "outcome" in columns or "answered_at" in columns or "talk_seconds" in columns:
                columns.setdefault("__outcome_ok__", "")
        found = sum(1 for c in required if c in columns or (c == "outcome_or_answer" and "__outcome_ok__" in columns))
        columns.pop("__outcome_ok__", None)
        coverage = found / len(required) if required else 0.0
        if tbl == "customers" and not table:
            # Only an id (and a `status` read as churned): every table has those. Guessing
            # customers would load a ticket file lacking its date as customers.
            distinctive = {c for c, h in columns.items() if c != "source_id"
                           and not (c == "churned" and normalised[h] in ("status", "статус"))}
            if not distinctive:
                coverage = 0.0
        if (coverage, len(columns)) > (best[2], best[3]):
            best = (tbl, columns, coverage, len(columns))
    return best[0], best[1], best[2]


def validate(mapping: dict[str, Any], headers: list[str], file_name: str) -> list[str]:
    """Every problem with a mapping at once (empty list = fine)."""
    problems = []
    unknown_keys = set(mapping) - MAPPING_KEYS
    if unknown_keys:
        problems.append(f"unknown mapping keys {sorted(unknown_keys)}; allowed: {sorted(MAPPING_KEYS)}")
    table = mapping.get("table")
    if table not in schema.DATA_TABLES:
        problems.append(f"table {table!r} is not one of {', '.join(schema.DATA_TABLES)}")
        return problems
    known = set(schema.column_names(table))
    columns = mapping.get("columns") or {}
    constants = mapping.get("constants") or {}
    for canonical, header in columns.items():
        if canonical not in known:
            problems.append(f"{canonical!r} is not a column of {table} (columns: {', '.join(sorted(known - {'load_id', 'source_tz'}))})")
        if header not in headers:
            close = [h for h in headers if vocab.normalise_header(h) == vocab.normalise_header(str(header))]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"column {header!r} mapped to {canonical} is not in the file{hint}")
    for canonical in constants:
        if canonical not in known:
            problems.append(f"constant {canonical!r} is not a column of {table}")
    optional_ids = {"source"} | ({"source_id"} if table in ("surveys", "calls") else set())
    for canonical in schema.required_columns(table):
        if canonical in optional_ids or canonical in columns or canonical in constants:
            continue
        if table == "surveys" and canonical == "kind":
            continue  # decided from the scale
        if table == "calls" and canonical == "outcome" and ({"answered_at", "talk_seconds"} & set(columns)):
            continue  # derived from the answer time / talk time (_derived_outcome)
        if table == "ticket_events" and canonical == "event_type":
            continue  # defaults to a status change
        problems.append(f"required column {canonical!r} of {table} is not mapped")
    if mapping.get("timezone"):
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(str(mapping["timezone"]))
        except Exception:
            problems.append(f"timezone {mapping['timezone']!r} is not a time zone name; use an IANA name such as "
                            f"Europe/Moscow or America/New_York")
    if mapping.get("date_order") not in (None, "dmy", "mdy"):
        problems.append(f"date_order must be 'dmy' or 'mdy', not {mapping.get('date_order')!r}")
    return problems


def _normalised_vocab(canonical: str, extra: dict[str, str] | None) -> dict[str, str]:
    table = dict(vocab.VALUES.get(canonical, {}))
    for k, v in (extra or {}).items():
        table[vocab.normalise_value(str(k))] = v
    return table


def _stable_id(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """An id from the row's content, stable across re-exports of the same row."""
    return frame.select(
        pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in columns], separator="\x1f").hash(seed=7)
    ).to_series().cast(pl.String).alias("source_id")


def _derived_outcome(frame: pl.DataFrame) -> pl.Expr:
    """A call's outcome when the file has none (docs/decisions.md, "Call outcomes")."""
    answered = pl.lit(False)
    if "answered_at" in frame.columns:
        answered = answered | pl.col("answered_at").is_not_null()
    if "talk_seconds" in frame.columns:
        answered = answered | (pl.col("talk_seconds") > 0).fill_null(False)
    ours = pl.col("direction").is_in(["outbound", "internal"]).fill_null(False) if "direction" in frame.columns else pl.lit(False)
    return (pl.when(answered).then(pl.lit("answered")).when(ours).then(pl.lit("missed"))
            .otherwise(pl.lit("abandoned")).alias("outcome"))


def _dst_warnings(dst: dict, src: pl.DataFrame, series: pl.Series, header: str, canonical: str, tz: str) -> list[str]:
    """One warning per kind of daylight-saving edge the column's local times hit."""
    out = []
    for key, what in (("gap", f"do not exist in {tz} (clocks jump forward there) and were moved forward by the "
                              "daylight-saving gap (e.g. 02:30 -> 03:30)"),
                      ("ambiguous", f"occur twice in {tz} (clocks go back there); the earlier one (still daylight "
                                    "time) was used")):
        mask = dst.get(key)
        if mask is None or not mask.any():
            continue
        rows = src.get_column(ROW).filter(mask).head(5).to_list()
        examples = [str(v) for v in series.filter(mask).head(3).to_list()]
        out.append(f"column {header!r} ({canonical}): {int(mask.sum())} local time(s) {what}, e.g. rows {rows} values "
                   f"{examples}; if the file's times are not in {tz}, pass --tz (or timezone in the mapping)")
    return out


def apply(raw: RawTable, mapping: dict[str, Any], tz: str, date_order: str | None = None,
          rejects: Rejects | None = None) -> tuple[pl.DataFrame, Rejects, list[str]]:
    """Type and rename ``raw`` into the mapping's table. Returns (frame, rejects, warnings)."""
    problems = validate(mapping, raw.headers, raw.file_name)
    if problems:
        raise LoadError(raw.file_name, problems, found=raw.headers,
                        fix="edit the mapping (cli.py load FILE --mapping MAP.toml; `cli.py suggest FILE` prints one to start from)")
    table = mapping["table"]
    types = {c.name: c.type for c in schema.columns(table)}
    required = set(schema.required_columns(table)) - {"source"}
    columns: dict[str, str] = mapping.get("columns") or {}
    constants: dict[str, Any] = mapping.get("constants") or {}
    value_maps: dict[str, dict] = mapping.get("values") or {}
    date_order = mapping.get("date_order") or date_order
    tz = mapping.get("timezone") or tz
    rejects = rejects if rejects is not None else Rejects()
    warnings: list[str] = []
    src = raw.frame
    out: dict[str, pl.Series] = {}
    bad_required: list[tuple[str, str, pl.Series]] = []  # (canonical, header, failed mask)
    ambiguous: list[str] = []
    unreadable_as: dict[str, str] = {}  # required column -> what its values should be, for reject reasons
    earliest, latest = parsing.plausible_window()
    implausible: list[tuple[str, str, pl.Series]] = []  # (canonical, header, mask): dates outside the window

    for canonical, header in columns.items():
        series = src.get_column(header)
        kind = types[canonical]
        failed = None
        fmt = None
        try:
            if kind == "TIMESTAMP":
                dst: dict = {}
                values, failed, fmt = parsing.parse_datetime(series, tz=tz, date_order=date_order, dst=dst)
                warnings += _dst_warnings(dst, src, series, header, canonical, tz)
            elif kind == "DATE":
                values, failed, fmt = parsing.parse_date(series, date_order=date_order)
            elif kind == "DOUBLE":
                values, failed = parsing.parse_number(series)
            elif kind in ("INTEGER", "BIGINT"):
                values, failed = parsing.parse_int(series)
                values = values.cast(pl.Int32 if kind == "INTEGER" else pl.Int64)
            elif kind == "BOOLEAN":
                values, failed = parsing.parse_bool(series)
            else:
                values = parsing.null_missing(series)
                if canonical in vocab.VALUES or canonical in value_maps:
                    table_map = _normalised_vocab(canonical, value_maps.get(canonical))
                    norm = values.str.to_lowercase().str.replace_all("ё", "е").str.replace_all(r"[^0-9a-zа-я#№]+", " ").str.strip_chars()
                    mapped = norm.replace_strict(table_map, default=None, return_dtype=pl.String)
                    values = mapped.fill_null(values.str.to_lowercase().str.strip_chars()) if canonical in vocab.VALUES else mapped.fill_null(values)
        except parsing.AmbiguousDateOrder as exc:
            ambiguous.append(f"column {header!r} ({canonical}): {exc}")
            continue
        if kind in ("TIMESTAMP", "DATE"):
            as_ts = values.cast(pl.Datetime("us")) if kind == "DATE" else values
            outside = (as_ts.is_not_null() & ((as_ts < earliest) | (as_ts >= latest))).fill_null(False)
            if outside.any():
                implausible.append((canonical, header, outside))
        out[canonical] = values.alias(canonical)
        if failed is not None and failed.any():
            n = int(failed.sum())
            rows = src.get_column(ROW).filter(failed).head(5).to_list()
            examples = series.filter(failed).head(3).to_list()
            good = series.filter(~failed & values.is_not_null()).head(1).to_list()
            like = f" like the column's other values (e.g. {str(good[0])!r})" if good else ""
            what = {"TIMESTAMP": "a date/time" + like, "DATE": "a date" + like,
                    "DOUBLE": "a number", "INTEGER": "a whole number", "BIGINT": "a whole number",
                    "BOOLEAN": "yes/no"}[kind]
            if canonical in required:
                bad_required.append((canonical, header, failed))
                unreadable_as[canonical] = what
            else:
                warnings.append(f"column {header!r} ({canonical}): {n} value(s) are not {what} and were left empty, "
                                f"e.g. rows {rows} values {examples}")
    if ambiguous:
        raise LoadError(raw.file_name, ambiguous, fix="pass --date-order dmy or --date-order mdy (or date_order in the mapping)")

    n = src.height
    for canonical, value in constants.items():
        kind = types[canonical]
        series = pl.Series(canonical, [value] * n)
        if kind == "BOOLEAN":
            series = series.cast(pl.Boolean)
        elif kind in ("DOUBLE",):
            series = series.cast(pl.Float64)
        elif kind == "VARCHAR":
            series = series.cast(pl.String)
        out[canonical] = series
    frame = pl.DataFrame(list(out.values())) if out else pl.DataFrame({"__dummy": [None] * n}).drop("__dummy")
    if "source_id" not in frame.columns and table in ("surveys", "calls", "customers", "tickets"):
        frame = frame.with_columns(_stable_id(src, [h for h in raw.headers]))
        warnings.append("no id column: each row's id is a hash of its contents (an identical row loaded again replaces itself)")
    # A vendor adapter maps the vendor's own status to vendor_outcome and decides the outcome from it.
    if table == "calls" and not {"outcome", "vendor_outcome"} & set(frame.columns) \
            and {"answered_at", "talk_seconds"} & set(frame.columns):
        frame = frame.with_columns(_derived_outcome(frame))
        warnings.append("no outcome column: a call with an answer time or talk time is answered; any other is abandoned "
                        "(missed when outbound/internal); map `outcome` to use the file's own")
    frame = frame.with_columns(src.get_column(ROW))

    # Reject rows: dates outside the plausible window, required values missing or unreadable.
    reason_expr = []
    window = (f"{earliest:%Y-%m-%d} to {latest - dt.timedelta(days=1):%Y-%m-%d}")
    for canonical, header, mask in implausible:
        frame = frame.with_columns(pl.Series(f"__bad_window_{canonical}", mask))
        reason_expr.append(pl.when(pl.col(f"__bad_window_{canonical}")).then(pl.lit(
            f"column {header!r} ({canonical}): {{value}} is outside the plausible dates {window} (settings "
            f"loading.earliest_date and loading.latest_years_ahead); correct the date in the file, or widen the "
            f"window if it is real")))
    for canonical in sorted(required & set(frame.columns)):
        header = columns.get(canonical, canonical)
        failed_mask = next((m for c, _, m in bad_required if c == canonical), None)
        if failed_mask is not None:
            frame = frame.with_columns(pl.Series(f"__bad_{canonical}", failed_mask))
            what = unreadable_as.get(canonical, types[canonical].lower())
            reason_expr.append(
                pl.when(pl.col(f"__bad_{canonical}"))
                .then(pl.lit(f"column {header!r} ({canonical}): {{value}} is not readable as {what}; correct the value in the file "
                             f"(if the whole column is misread, fix the mapping or pass --date-order / --tz)"))
                .when(pl.col(canonical).is_null())
                .then(pl.lit(f"column {header!r} ({canonical}) is empty but required; fill it in, or delete the row"))
            )
        else:
            reason_expr.append(pl.when(pl.col(canonical).is_null()).then(
                pl.lit(f"column {header!r} ({canonical}) is empty but required; fill it in, or delete the row")))
    if reason_expr:
        frame = frame.with_columns(pl.coalesce(reason_expr).alias("__reason"))
        bad = frame.filter(pl.col("__reason").is_not_null())
        if bad.height:
            raw_rows = src.join(bad.select(ROW, "__reason"), on=ROW, how="inner")
            for rec in raw_rows.iter_rows(named=True):
                reason = rec.pop("__reason")
                row_no = rec.pop(ROW)
                col = next((h for c, h in columns.items() if f"({c})" in reason), None)
                value = rec.get(col) if col else None
                rejects.add(row_no, reason.replace("{value}", repr(str(value))), column=col, value=value, raw=rec)
        frame = frame.filter(pl.col("__reason").is_null())
    frame = frame.drop([c for c in frame.columns if c.startswith("__bad_") or c == "__reason"])
    return frame, rejects, warnings


def dedupe_ids(frame: pl.DataFrame, raw: RawTable, rejects: Rejects, key: str = "source_id") -> pl.DataFrame:
    """Keep the last row per id (later rows in an export are newer); reject the earlier ones."""
    if key not in frame.columns or frame.height == 0:
        return frame
    last = frame.with_columns(pl.col(ROW).max().over(key).alias("__last"))
    dupes = last.filter(pl.col(ROW) != pl.col("__last"))
    if dupes.height:
        raw_rows = raw.frame.join(dupes.select(ROW, key, "__last"), on=ROW, how="inner")
        for rec in raw_rows.iter_rows(named=True):
            row_no, keep, ident = rec.pop(ROW), rec.pop("__last"), rec.pop(key)
            rejects.add(row_no, f"duplicate id {ident!r}: row {keep} has the same id and replaces this row", column=None,
                        value=ident, raw=rec)
    return last.filter(pl.col(ROW) == pl.col("__last")).drop("__last")


def finish(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Add missing canonical columns as typed NULLs and order columns canonically (ROW kept)."""
    types = schema.polars_schema(table)
    cols = []
    for name, dtype in types.items():
        if name in frame.columns:
            cols.append(pl.col(name).cast(dtype))
        else:
            cols.append(pl.lit(None, dtype).alias(name))
    if ROW in frame.columns:
        cols.append(pl.col(ROW))
    return frame.select(cols)


def content_hash(frame: pl.DataFrame) -> str:
    return hashlib.sha256(frame.write_ipc(None).getvalue()).hexdigest()


def enforce_date_window(batch) -> None:
    """The plausible-date rule (docs/plausibility.md) on everything a batch would write, whatever
    built it: ``apply`` already rejects such rows, but an adapter that parses times itself (event
    streams, aggregated exports) must not slip a year-9999 date in. Rows of the batch's main table
    are rejected with their row number; rows of other tables (events) are left out with a warning."""
    earliest, latest = parsing.plausible_window()
    window = f"{earliest:%Y-%m-%d} to {latest - dt.timedelta(days=1):%Y-%m-%d}"
    for table, frame in list(batch.tables.items()):
        if frame is None or frame.height == 0 or table not in schema.TABLES:
            continue
        types = {c.name: c.type for c in schema.columns(table)}
        dates = [c for c in frame.columns if types.get(c) in ("TIMESTAMP", "DATE") and c not in ("loaded_at",)]
        if not dates:
            continue
        outside = {}
        for c in dates:
            values = frame.get_column(c)
            as_ts = values.cast(pl.Datetime("us"), strict=False)
            mask = (as_ts.is_not_null() & ((as_ts < earliest) | (as_ts >= latest))).fill_null(False)
            if mask.any():
                outside[c] = mask
        if not outside:
            continue
        any_bad = pl.Series([False] * frame.height)
        for mask in outside.values():
            any_bad = any_bad | mask
        bad = frame.filter(any_bad)
        if table == batch.target_table:
            for rec in bad.iter_rows(named=True):
                col = next(c for c in outside if rec.get(c) is not None
                           and not (earliest <= _as_datetime(rec[c]) < latest))
                batch.rejects.add(rec.get(ROW), f"column {col}: {str(rec[col])!r} is outside the plausible dates {window} "
                                                f"(settings loading.earliest_date and loading.latest_years_ahead); correct "
                                                f"the date in the file, or widen the window if it is real",
                                  column=col, value=rec[col], raw={k: v for k, v in rec.items() if k != ROW})
        else:
            examples = [str(v) for c in outside for v in frame.get_column(c).filter(outside[c]).head(2).to_list()][:3]
            batch.warnings.append(f"{bad.height:,} {table} row(s) have dates outside the plausible dates {window} "
                                  f"(e.g. {', '.join(examples)}) and were left out (settings loading.earliest_date, "
                                  f"loading.latest_years_ahead)")
        batch.tables[table] = frame.filter(~any_bad)


def _as_datetime(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time())
