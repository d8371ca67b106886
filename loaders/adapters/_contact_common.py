"""Helpers shared by the call, survey and customer adapters: header lookup on squashed names,
durations from every spreadsheet shape, and rejecting rows after a mapping was applied."""
from __future__ import annotations

import json
import re

import polars as pl

from loaders import parsing
from loaders.base import Batch, LoadError, Rejects
from loaders.files import ROW, RawTable

_SQUASH = re.compile(r"[^0-9a-zа-я#]+")


def squash(name: str) -> str:
    """`Start Time`, `start_time` and `StartTime` all become `starttime`."""
    return _SQUASH.sub("", str(name).lower().replace("ё", "е"))


def squashed_headers(headers: list[str]) -> set[str]:
    return {squash(h) for h in headers}


def pick(headers: list[str], candidates: list[str], taken: set[str] | frozenset = frozenset()) -> str | None:
    """The first header (in the candidates' priority order) whose squashed name matches."""
    by_name: dict[str, str] = {}
    for h in headers:
        by_name.setdefault(squash(h), h)
    for c in candidates:
        h = by_name.get(squash(c))
        if h is not None and h not in taken:
            return h
    return None


def pick_columns(headers: list[str], aliases: dict[str, list[str]], entity: str | None = None) -> dict[str, str]:
    """role -> header for every role found; a header serves one role only.

    ``entity`` (a canonical table: calls, surveys, customers, ...): roles no header names exactly
    may then take a header that carries the entity's name, read as what it names ("Call
    Duration" -> duration, "Survey Score" -> score; ``vocab.ENTITY_PREFIXES``)."""
    found: dict[str, str] = {}
    for role, candidates in aliases.items():
        h = pick(headers, candidates, set(found.values()))
        if h is not None:
            found[role] = h
    if entity:
        from loaders import vocab

        stripped = {}
        for h in headers:
            rest = vocab.strip_entity(vocab.normalise_header(h), entity)
            if rest:
                stripped.setdefault(squash(rest), h)
        for role, candidates in aliases.items():
            if role in found:
                continue
            for c in candidates:
                h = stripped.get(squash(c))
                if h is not None and h not in found.values():
                    found[role] = h
                    break
    return found


def require(file_name: str, headers: list[str], found: dict[str, str], needed: dict[str, str], fix: str) -> None:
    """Raise one LoadError naming every missing role (role -> what it is, for the message)."""
    problems = [f"no {what} column" for role, what in needed.items() if role not in found]
    if problems:
        raise LoadError(file_name, problems, fix=fix, found=headers)


def duration_seconds(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Seconds from plain numbers, `MM:SS`, `HH:MM:SS`, Excel time fractions and Excel time cells.

    fastexcel reads a time-only cell as a datetime on 1899-12-31 (or 1899-12-30): its time of
    day is the duration.
    """
    if isinstance(series.dtype, pl.Datetime):
        s = series.dt.replace_time_zone(None) if series.dtype.time_zone else series
        # Durations in call sheets are under a day: the time of day is the whole value.
        out = (s.dt.hour().cast(pl.Float64) * 3600 + s.dt.minute().cast(pl.Float64) * 60
               + s.dt.second().cast(pl.Float64) + s.dt.microsecond().cast(pl.Float64) / 1e6).alias(series.name)
        return out, (series.is_not_null() & out.is_null()).alias("failed")
    return parsing.parse_duration_seconds(series)


def text(series: pl.Series) -> pl.Series:
    """Stripped text with missing tokens as NULL, whatever the cell type."""
    return parsing.null_missing(series)


_RFC2822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}:\d{2}:\d{2}) ([+-]\d{4}|GMT|UTC)$")
_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def rfc2822_to_iso(series: pl.Series) -> pl.Series:
    """`Tue, 31 Aug 2010 20:36:28 +0000` (Twilio's API dates) -> `2010-08-31T20:36:28+00:00`;
    other values pass through unchanged."""
    if series.dtype != pl.String:
        return series
    parts = series.str.strip_chars().str.extract_groups(_RFC2822.pattern)
    month = parts.struct.field("2").str.to_lowercase().replace_strict(_MONTHS, default=None, return_dtype=pl.Int32)
    offset = parts.struct.field("5").str.replace(r"^(GMT|UTC)$", "+0000").str.replace(r"^([+-]\d{2})(\d{2})$", "$1:$2")
    iso = pl.select(pl.format("{}-{}-{}T{}{}", parts.struct.field("3"), pl.lit(month).cast(pl.String).str.zfill(2),
                              parts.struct.field("1").str.zfill(2), parts.struct.field("4"), pl.lit(offset))).to_series()
    return pl.select(pl.when(iso.is_not_null()).then(iso).otherwise(series)).to_series().alias(series.name)


def with_raw(frame: pl.DataFrame, raw: RawTable, columns: dict[str, str]) -> pl.DataFrame:
    """Join raw source columns (alias -> header) onto a mapped frame by row number."""
    if not columns:
        return frame
    extra = raw.frame.select([pl.col(ROW)] + [pl.col(h).alias(alias) for alias, h in columns.items()])
    return frame.join(extra, on=ROW, how="left")


def reject_where(frame: pl.DataFrame, mask: pl.Series, reasons: pl.Series | str, raw: RawTable, rejects: Rejects,
                 column: str | None = None, values: pl.Series | None = None) -> pl.DataFrame:
    """Move rows where ``mask`` is true from ``frame`` to ``rejects`` (with the raw row)."""
    mask = mask.fill_null(False)
    if not bool(mask.any()):
        return frame
    rows = frame.get_column(ROW).filter(mask).to_list()
    reason_list = [reasons] * len(rows) if isinstance(reasons, str) else reasons.filter(mask).to_list()
    value_list = values.filter(mask).to_list() if values is not None else [None] * len(rows)
    raw_rows = {r[ROW]: r for r in raw.frame.filter(pl.col(ROW).is_in(rows)).iter_rows(named=True)}
    for row, reason, value in zip(rows, reason_list, value_list):
        rec = dict(raw_rows.get(row, {}))
        rec.pop(ROW, None)
        rejects.add(row, reason, column=column, value=value, raw=rec)
    return frame.filter(~mask)


def add_raw_column(raw: RawTable, name: str, values: pl.Series) -> RawTable:
    """A derived source column the mapping can name (kept out of the user's view by its name)."""
    raw.frame = raw.frame.with_columns(values.alias(name))
    if name not in raw.headers:
        raw.headers = raw.headers + [name]
    return raw


def seconds_between(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later) - pl.col(earlier)).dt.total_microseconds().cast(pl.Float64) / 1e6


def finish(batch: Batch, table: str, frame: pl.DataFrame) -> Batch:
    """Store the frame without helper columns and drop helper columns from the rejected rows."""
    batch.tables[table] = frame.drop([c for c in frame.columns if c.startswith("_x_")])
    for r in batch.rejects.rows:
        if r.get("raw") and '"_x_' in r["raw"]:
            raw = {k: v for k, v in json.loads(r["raw"]).items() if not k.startswith("_x_")}
            r["raw"] = json.dumps(raw, ensure_ascii=False, default=str)
    return batch
