"""Helpers shared by the ticket adapters (Zendesk, Fivetran, Freshdesk, Jira, ServiceNow, event
logs): header lookup, the account time zone, typed event frames and CSAT rows from a ticket's
satisfaction column."""
from __future__ import annotations

import json
import re

import polars as pl

from loaders import mapping as mapping_mod
from loaders import parsing, schema, vocab
from loaders.adapters._contact_common import pick, pick_columns, require, squash  # noqa: F401 (re-exported)
from loaders.base import Batch, LoadOptions
from loaders.files import ROW, RawTable
from loaders.generic import default_tz

SOLVED = ("solved", "closed")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def account_tz(options: LoadOptions, vendor: str, sample_values: pl.Series | None = None) -> tuple[str, list[str]]:
    """The zone offset-less timestamps are read in, and a warning when it was assumed.

    No warning when the user gave --tz or every sampled value carries its own offset."""
    tz = default_tz(options)
    if options.tz:
        return tz, []
    if sample_values is not None:
        text = parsing.null_missing(sample_values.cast(pl.String)).drop_nulls().head(200)
        if text.len() and bool(text.str.contains(_OFFSET.pattern).all()):
            return tz, []
    return tz, [f"{vendor} exports times in the account's time zone and the file does not say which: read as {tz} "
                f"(settings loading.default_timezone); pass --tz ZONE (e.g. --tz America/New_York) if the account uses another"]


def with_given_mapping(path, options: LoadOptions) -> Batch | None:
    """A column mapping the user gave wins over a recognised format (`--mapping` overrides)."""
    if not options.mapping:
        return None
    from loaders.generic import GenericAdapter

    batch = GenericAdapter().load(path, options)
    batch.notes.insert(0, "a column mapping was given: the file was read with it, not with the vendor's column map")
    return batch


def text_col(raw: RawTable, header: str | None) -> pl.Series:
    """A raw column as stripped text with missing tokens as NULL (all NULL when absent)."""
    if header is None or header not in raw.frame.columns:
        return pl.Series(header or "missing", [None] * raw.rows, dtype=pl.String)
    return parsing.null_missing(raw.frame.get_column(header))


def add_raw(raw: RawTable, name: str, values: pl.Series) -> str:
    """A derived source column a mapping can name; returns its name."""
    raw.frame = raw.frame.with_columns(values.alias(name))
    if name not in raw.headers:
        raw.headers = raw.headers + [name]
    return name


def drop_helpers(raw: RawTable, batch: Batch) -> None:
    """Derived raw columns (prefixed `_x_`) stay out of the tables and of the rejects' raw rows."""
    for rec in batch.rejects.rows:
        if rec.get("raw"):
            data = json.loads(rec["raw"])
            rec["raw"] = json.dumps({k: v for k, v in data.items() if not k.startswith("_x_")}, ensure_ascii=False, default=str)
    for table, frame in batch.tables.items():
        batch.tables[table] = frame.drop([c for c in frame.columns if c.startswith("_x_")])


def with_raw(frame: pl.DataFrame, raw: RawTable, columns: dict[str, str]) -> pl.DataFrame:
    """Join raw source columns (alias -> header) onto a mapped frame by row number."""
    columns = {a: h for a, h in columns.items() if h is not None and h in raw.frame.columns}
    if not columns:
        return frame
    extra = raw.frame.select([pl.col(ROW)] + [pl.col(h).alias(alias) for alias, h in columns.items()])
    return frame.join(extra, on=ROW, how="left")


def canonical_status(values: pl.Series, extra: dict[str, str] | None = None) -> pl.Series:
    """Statuses through the shared vocabulary (plus ``extra``); unknown values lower-cased."""
    table = dict(vocab.VALUES["status"])
    for k, v in (extra or {}).items():
        table[vocab.normalise_value(k)] = v
    text = parsing.null_missing(values.cast(pl.String))
    norm = text.str.to_lowercase().str.replace_all("ё", "е").str.replace_all(r"[^0-9a-zа-я#№]+", " ").str.strip_chars()
    mapped = norm.replace_strict(table, default=None, return_dtype=pl.String)
    return mapped.fill_null(text.str.to_lowercase()).alias(values.name)


def parse_times(values: pl.Series, tz: str, date_order: str | None = None) -> tuple[pl.Series, int]:
    """Timestamps as naive UTC and how many present values could not be read."""
    parsed, failed, _ = parsing.parse_datetime(values, tz=tz, date_order=date_order)
    return parsed, int(failed.sum())


def events(frame: pl.DataFrame) -> pl.DataFrame:
    """Canonical ticket_events: every column typed, ``seq`` numbering events that share a
    ticket and a timestamp in the order given, rows without a ticket or time dropped."""
    frame = frame.filter(pl.col("ticket_id").is_not_null() & pl.col("event_at").is_not_null())
    frame = frame.with_row_index("__order").with_columns(
        (pl.col("__order").rank("ordinal").over("ticket_id", "event_at") - 1).cast(pl.Int32).alias("seq"))
    return mapping_mod.finish(frame.drop("__order"), "ticket_events")


def empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=schema.polars_schema("ticket_events"))


# Satisfaction labels -> (score, scale_min, scale_max). Zendesk rates good/bad (1/0 on 0..1);
# Freshdesk's classic survey has three faces (1..3).
SATISFACTION_SCORES: dict[str, tuple[float, float, float]] = {
    "good": (1.0, 0.0, 1.0), "bad": (0.0, 0.0, 1.0),
    "good with comment": (1.0, 0.0, 1.0), "bad with comment": (0.0, 0.0, 1.0),
    "awesome": (3.0, 1.0, 3.0), "happy": (3.0, 1.0, 3.0), "neutral": (2.0, 1.0, 3.0), "just okay": (2.0, 1.0, 3.0),
    "not good": (1.0, 1.0, 3.0), "unhappy": (1.0, 1.0, 3.0),
    "extremely satisfied": (5.0, 1.0, 5.0), "very satisfied": (4.0, 1.0, 5.0), "satisfied": (4.0, 1.0, 5.0),
    "neither satisfied nor dissatisfied": (3.0, 1.0, 5.0), "dissatisfied": (2.0, 1.0, 5.0),
    "very dissatisfied": (1.0, 1.0, 5.0), "extremely dissatisfied": (1.0, 1.0, 5.0),
}


def surveys_from_tickets(tickets: pl.DataFrame, responded_col: str, labels: dict[str, tuple[float, float, float]] | None = None,
                         numeric_scale: tuple[float, float] | None = None) -> pl.DataFrame:
    """One CSAT row per ticket whose ``satisfaction`` is a rating (offered/unoffered are not).

    ``numeric_scale`` reads plain numbers (e.g. Jira's 1-5 stars) on that scale."""
    labels = labels or SATISFACTION_SCORES
    if "satisfaction" not in tickets.columns or tickets.height == 0:
        return pl.DataFrame(schema={"source_id": pl.String})
    key = tickets.get_column("satisfaction").cast(pl.String).str.to_lowercase().str.replace_all(r"[^a-z0-9.]+", " ").str.strip_chars()
    score = key.replace_strict({k: v[0] for k, v in labels.items()}, default=None, return_dtype=pl.Float64)
    lo = key.replace_strict({k: v[1] for k, v in labels.items()}, default=None, return_dtype=pl.Float64)
    hi = key.replace_strict({k: v[2] for k, v in labels.items()}, default=None, return_dtype=pl.Float64)
    if numeric_scale:
        number = key.cast(pl.Float64, strict=False)
        in_range = (number >= numeric_scale[0]) & (number <= numeric_scale[1])
        score = pl.select(pl.when(score.is_null() & in_range).then(number).otherwise(score)).to_series()
        lo = pl.select(pl.when(lo.is_null() & in_range).then(pl.lit(numeric_scale[0])).otherwise(lo)).to_series()
        hi = pl.select(pl.when(hi.is_null() & in_range).then(pl.lit(numeric_scale[1])).otherwise(hi)).to_series()
    frame = tickets.with_columns(score.alias("score"), lo.alias("scale_min"), hi.alias("scale_max"))
    frame = frame.filter(pl.col("score").is_not_null() & pl.col(responded_col).is_not_null())
    cols = {
        "source_id": pl.col("source_id") + pl.lit("-csat"),
        "responded_at": pl.col(responded_col),
        "kind": pl.lit("csat"),
        "score": pl.col("score"), "scale_min": pl.col("scale_min"), "scale_max": pl.col("scale_max"),
        "ticket_id": pl.col("source_id"),
        "origin": pl.lit("ticket"),
    }
    for name in ("customer_id", "agent", "team", "channel"):
        cols[name] = pl.col(name) if name in frame.columns else pl.lit(None, pl.String)
    return mapping_mod.finish(frame.select(**cols), "surveys").drop(ROW, strict=False)


def minutes_from_hours_text(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Durations written in hours: `HH:MM:SS` / `HH:MM` clock text, or decimal hours -> minutes."""
    text = parsing.null_missing(series.cast(pl.String))
    clock = text.str.contains(r"^-?\d+:\d{1,2}(:\d{1,2})?$").fill_null(False)
    # `HH:MM` (Jira SLA fields) has no seconds: pad it so the clock parser reads hours:minutes.
    padded = pl.select(pl.when(text.str.contains(r"^-?\d+:\d{1,2}$")).then(text + ":00").otherwise(text)).to_series()
    seconds, _ = parsing.parse_duration_seconds(padded)
    hours, _ = parsing.parse_number(text)
    out = pl.select(pl.when(clock).then(seconds / 60).otherwise(hours * 60)).to_series().alias(series.name)
    failed = (text.is_not_null() & out.is_null()).alias("failed")
    return out, failed
