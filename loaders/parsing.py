"""Value parsing shared by every reader: encodings, delimiters, headers, missing tokens,
numbers with decimal commas, booleans, durations and date/time strings in every shape the
exports use.

All parsers work on whole polars Series (vectorised; a format is chosen on the distinct values
and applied to the column at once) and return the parsed values plus a ``failed`` mask: the
rows whose value was present but unreadable, so the caller can reject or warn row by row.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re

import polars as pl

MISSING_TOKENS = ("", "?", "n/a", "na", "#n/a", "-", "--", "null", "none", "nan", "nil", "(blank)", "—")

# Epoch/serial ranges for numeric timestamps.
_EXCEL_MIN, _EXCEL_MAX = 20_000, 80_000  # 1954 .. 2119
_EPOCH_S_MIN, _EPOCH_S_MAX = 5e8, 5e9  # 1985 .. 2128
_EPOCH_MS_MIN, _EPOCH_MS_MAX = 5e11, 5e12


DEFAULT_EARLIEST_DATE = "1990-01-01"
DEFAULT_LATEST_YEARS_AHEAD = 2


def plausible_window(settings: dict | None = None, today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[earliest, latest) for any date in the data: settings ``loading.earliest_date`` (default
    1990-01-01) to today + ``loading.latest_years_ahead`` years (default 2). A date outside is
    a typo, a placeholder (1899-12-30, 9999-12-31) or a unit mix-up, never a ticket's time."""
    if settings is None:
        try:
            import config

            settings = config.get()
        except Exception:
            settings = {}
    loading = (settings or {}).get("loading", {})
    earliest = dt.date.fromisoformat(str(loading.get("earliest_date", DEFAULT_EARLIEST_DATE)))
    ahead = int(loading.get("latest_years_ahead", DEFAULT_LATEST_YEARS_AHEAD))
    today = today or dt.date.today()
    try:
        latest = today.replace(year=today.year + ahead)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + ahead, day=28)
    return dt.datetime.combine(earliest, dt.time()), dt.datetime.combine(latest + dt.timedelta(days=1), dt.time())


class AmbiguousDateOrder(Exception):
    """Day/month order cannot be told from the values and was not given."""


# ----------------------------------------------------------------------------- text files
def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a file's bytes: UTF-8 (with or without BOM), UTF-16, else the 8-bit code page
    whose text looks like language (cp1251 for Cyrillic, cp1252 for Western)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the very end of a sample is still UTF-8.
        if exc.start >= len(data) - 3 and exc.reason.startswith("unexpected end"):
            return data.decode("utf-8", errors="ignore"), "utf-8"
    encoding = _guess_code_page(data)
    return data.decode(encoding, errors="replace"), encoding


_CYR = re.compile(r"[а-яёА-ЯЁ]")
_LAT = re.compile(r"[A-Za-z]")


def _guess_code_page(data: bytes) -> str:
    """cp1251 vs cp1252 (vs koi8-r): the decoding whose non-ASCII letters sit in whole
    words of one script wins. 'Café' read as cp1251 becomes 'Cafй', a mixed-script word."""
    sample = data[:200_000]
    scores = {}
    for enc in ("cp1251", "cp1252", "koi8_r"):
        text = sample.decode(enc, errors="replace")
        words = re.findall(r"[^\W\d_]+", text)
        good = bad = 0
        for w in words:
            if w.isascii():
                continue
            cyr, lat = len(_CYR.findall(w)), len(_LAT.findall(w))
            if cyr and lat:
                bad += 1  # mixed scripts: 'Cafй'
            elif cyr:
                # KOI8-R misreads come out in inverted case ('нОМЕР')
                bad += 0 if (w.islower() or w.isupper() or w.istitle()) else 1
                good += 1
            elif sum(not c.isascii() for c in w) * 2 > len(w):
                bad += 1  # mostly accented Latin: 'Íîìåð' is Russian read as cp1252
            else:
                good += 1
        scores[enc] = good - 2 * bad - text.count("\ufffd")
    best = max(scores, key=lambda e: (scores[e], e == "cp1251"))
    if best == "cp1251" and scores["cp1251"] == scores["cp1252"]:
        best = "cp1252"
    return best


def sniff_delimiter(text: str) -> str:
    """The delimiter giving the most consistent number (>1) of fields per record."""
    best, best_score = ",", (-1.0, 0)
    for delim in (",", ";", "\t", "|"):
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(text), delimiter=delim)][:60]
        except csv.Error:
            continue
        counts = [c for c in counts if c > 0]
        if len(counts) > 1 and text and not text.endswith("\n"):
            counts = counts[:-1] or counts  # the last line of a sample may be cut
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def dedupe_headers(names: list[str]) -> list[str]:
    """Strip names; name blanks `column_N`; number repeats `Comment`, `Comment (2)`, ..."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(names):
        name = (raw or "").replace("\ufeff", "").strip() or f"column_{i + 1}"
        if name.lower() in seen:
            seen[name.lower()] += 1
            candidate = f"{name} ({seen[name.lower()]})"
            while candidate.lower() in seen:
                seen[name.lower()] += 1
                candidate = f"{name} ({seen[name.lower()]})"
            name = candidate
        seen.setdefault(name.lower(), 1)
        out.append(name)
    return out


# ----------------------------------------------------------------------------- scalars
def as_text(series: pl.Series) -> pl.Series:
    """Any cell type as text; whole floats (spreadsheet ids like 1.0) lose their '.0'."""
    if series.dtype in (pl.Float32, pl.Float64):
        whole = series.is_finite() & (series == series.round(0)) & (series.abs() < 1e15)
        return pl.select(pl.when(whole).then(series.cast(pl.Int64, strict=False).cast(pl.String))
                         .otherwise(series.cast(pl.String))).to_series().alias(series.name)
    return series.cast(pl.String)


def null_missing(series: pl.Series) -> pl.Series:
    """Text with surrounding space stripped and missing-value tokens as NULL."""
    s = as_text(series).str.strip_chars()
    return pl.select(pl.when(s.str.to_lowercase().is_in(list(MISSING_TOKENS))).then(None).otherwise(s)).to_series().alias(series.name)


def _failed(original: pl.Series, parsed: pl.Series) -> pl.Series:
    present = original.is_not_null()
    if original.dtype == pl.String:
        present = null_missing(original).is_not_null()
    return (present & parsed.is_null()).alias("failed")


def parse_number(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Numbers as exported: `1 234,50`, `1.234,50`, `1,234.50`, `12,5`, `$12`, `(3.5)`, `15%`."""
    if series.dtype.is_numeric():
        out = series.cast(pl.Float64)
        return out, _failed(series, out)
    if series.dtype == pl.Boolean:
        out = series.cast(pl.Float64)
        return out, _failed(series, out)
    s = null_missing(series.cast(pl.String))
    neg = s.str.contains(r"^\(.*\)$")
    t = (s.str.replace_all(r"[\s\u00a0\u202f'’]", "")
          .str.replace_all(r"^\((.*)\)$", "$1")
          .str.replace_all(r"(?i)^[^\d\-+.,]*|[^\d.,]*$", ""))  # currency symbols, units, %
    # Whichever of '.' and ',' comes last is the decimal mark; the other groups thousands.
    comma_decimal = t.str.contains(r",\d*$") & ~t.str.contains(r"^[-+]?\d{1,3}(,\d{3})+$")
    comma_decimal = comma_decimal | t.str.contains(r"^[-+]?\d{1,3}(\.\d{3})+,\d+$")
    dot_thousands_only = t.str.contains(r"^[-+]?\d{1,3}(\.\d{3}){2,}$")
    t = pl.select(
        pl.when(comma_decimal).then(t.str.replace_all(r"\.", "").str.replace(",", "."))
        .when(dot_thousands_only).then(t.str.replace_all(r"\.", ""))
        .otherwise(t.str.replace_all(",", ""))
    ).to_series()
    out = t.cast(pl.Float64, strict=False)
    out = pl.select(pl.when(neg).then(-out).otherwise(out)).to_series().alias(series.name)
    return out, _failed(series, out)


def parse_int(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    values, failed = parse_number(series)
    whole = values == values.round(0)
    out = pl.select(pl.when(whole).then(values).otherwise(None)).to_series().cast(pl.Int64).alias(series.name)
    return out, _failed(series, out)


_TRUE = {"yes", "y", "true", "t", "1", "1.0", "да", "д", "истина", "x", "✓", "✔", "+", "answered", "resolved", "ok"}
_FALSE = {"no", "n", "false", "f", "0", "0.0", "нет", "н", "ложь", "unanswered", "unresolved"}


def parse_bool(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    if series.dtype == pl.Boolean:
        return series, _failed(series, series)
    if series.dtype.is_numeric():
        out = pl.select(pl.when(series == 1).then(True).when(series == 0).then(False)).to_series().alias(series.name)
        return out, _failed(series, out)
    s = null_missing(series.cast(pl.String)).str.to_lowercase()
    out = pl.select(pl.when(s.is_in(list(_TRUE))).then(True).when(s.is_in(list(_FALSE))).then(False)).to_series()
    out = out.cast(pl.Boolean).alias(series.name)
    return out, _failed(series, out)


def parse_duration_seconds(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Durations as seconds: `HH:MM:SS`, `MM:SS`, `1h 2m 3s`, `2 min`, plain seconds, Excel
    time values (fractions of a day, < 1) and polars Duration/Time cells."""
    if isinstance(series.dtype, pl.Duration):
        out = (series.dt.total_microseconds() / 1e6).cast(pl.Float64).alias(series.name)
        return out, _failed(series, out)
    if series.dtype == pl.Time:
        out = (series.cast(pl.Int64) / 1e9).cast(pl.Float64).alias(series.name)
        return out, _failed(series, out)
    if isinstance(series.dtype, pl.Datetime):
        # Excel keeps a time as a fraction of a day: a reader shows an `hh:mm:ss` cell as a date
        # before 1900 (fastexcel 1899-12-31 hh:mm:ss, others 1899-12-30): its time of day is the
        # duration. `[h]:mm:ss` cells of a day or more come out as 1900-01-01 .. 1900-02-28
        # (serial 1 = 1900-01-01). A later date is a calendar date, not a duration: flagged.
        x = pl.lit(series.dt.replace_time_zone(None) if series.dtype.time_zone else series).dt.cast_time_unit("us")
        time_of_day = (x - x.dt.truncate("1d")).dt.total_microseconds() / 1e6
        days = (x - pl.datetime(1899, 12, 31)).dt.total_microseconds() / 1e6
        out = pl.select(pl.when(x.dt.year() < 1900).then(time_of_day)
                        .when(x < pl.datetime(1900, 3, 1)).then(days)).to_series().cast(pl.Float64).alias(series.name)
        return out, _failed(series, out)
    if series.dtype.is_numeric():
        v = series.cast(pl.Float64)
        out = pl.select(pl.when((v > 0) & (v < 1) & (v != v.round(0))).then(v * 86400).otherwise(v)).to_series().alias(series.name)
        return out, _failed(series, out)
    s = null_missing(series.cast(pl.String)).str.to_lowercase()
    clock = s.str.extract_groups(r"^(-?)(?:(\d+):)?(\d{1,3}):(\d{1,2}(?:[.,]\d+)?)$")
    h = clock.struct.field("2").cast(pl.Float64).fill_null(0)
    m = clock.struct.field("3").cast(pl.Float64)
    sec = clock.struct.field("4").str.replace(",", ".").cast(pl.Float64)
    sign = pl.select(pl.when(clock.struct.field("1") == "-").then(-1.0).otherwise(1.0)).to_series()
    clock_seconds = sign * (h * 3600 + m * 60 + sec)
    units = s.str.extract_groups(
        r"^(?:(\d+(?:[.,]\d+)?)\s*(?:d|days?|дн\w*)\s*)?(?:(\d+(?:[.,]\d+)?)\s*(?:h|hrs?|hours?|ч\w*)\s*)?"
        r"(?:(\d+(?:[.,]\d+)?)\s*(?:m|mins?|minutes?|мин\w*)\s*)?(?:(\d+(?:[.,]\d+)?)\s*(?:s|secs?|seconds?|сек\w*))?$")
    parts = [units.struct.field(str(i)).str.replace(",", ".").cast(pl.Float64) for i in range(1, 5)]
    any_unit = pl.select(pl.any_horizontal([p.is_not_null() for p in parts])).to_series()
    unit_seconds = (parts[0].fill_null(0) * 86400 + parts[1].fill_null(0) * 3600
                    + parts[2].fill_null(0) * 60 + parts[3].fill_null(0))
    plain, _ = parse_number(s)
    out = pl.select(
        pl.when(clock_seconds.is_not_null()).then(clock_seconds)
        .when(any_unit).then(unit_seconds)
        .otherwise(plain)
    ).to_series().alias(series.name)
    return out, _failed(series, out)


# ----------------------------------------------------------------------------- dates
_TIME_PARTS_24 = ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"]
_TIME_PARTS_12 = ["%I:%M:%S %p", "%I:%M %p", "%I:%M:%S%p", "%I:%M%p"]


def _formats(order: str) -> list[str]:
    """Candidate formats for one day/month order ('dmy' or 'mdy'); ISO and dotted always."""
    dm = "%d/%m" if order == "dmy" else "%m/%d"
    dm_dash = "%d-%m" if order == "dmy" else "%m-%d"
    out = []
    for date in (f"{dm}/%Y", f"{dm}/%y", f"{dm_dash}-%Y"):
        out += [f"{date} {t}" for t in _TIME_PARTS_24 + _TIME_PARTS_12] + [date]
    return out


_ALWAYS = (
    [f"%Y-%m-%d {t}" for t in _TIME_PARTS_24] + ["%Y-%m-%d"]
    + [f"%Y/%m/%d {t}" for t in _TIME_PARTS_24] + ["%Y/%m/%d"]
    + [f"%d.%m.%Y {t}" for t in _TIME_PARTS_24] + ["%d.%m.%Y", "%d.%m.%y %H:%M", "%d.%m.%y"]
    + [f"%d/%b/%y {t}" for t in _TIME_PARTS_12 + _TIME_PARTS_24] + ["%d/%b/%y"]
    + [f"%d/%b/%Y {t}" for t in _TIME_PARTS_12 + _TIME_PARTS_24] + ["%d/%b/%Y"]
    + ["%d-%b-%Y %H:%M:%S", "%d-%b-%Y %H:%M", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y %H:%M:%S", "%d %b %Y %H:%M", "%d %b %Y",
       "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M", "%b %d, %Y", "%B %d, %Y %I:%M %p", "%B %d, %Y", "%d %B %Y",
       "%Y%m%d%H%M%S", "%a %b %d %H:%M:%S %Y"]
)
_OFFSET_FORMATS = ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%:z", "%Y-%m-%d %H:%M%:z",
                   "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S %z",
                   "%d %b %Y %H:%M:%S%z", "%d %b %Y %H:%M%z"]  # RFC 2822 once the weekday is gone
_OFFSET_RE = r"(Z|[+-]\d{2}:?\d{2})$"
_SLASH_RE = r"^(\d{1,2})[/-](\d{1,2})[/-]\d{2,4}\b"


def _normalise_text(s: pl.Series) -> pl.Series:
    t = null_missing(s)
    t = t.str.replace(r"^(\d{4}-\d{2}-\d{2})T", "$1 ")
    # RFC 2822 (`Tue, 31 Aug 2010 20:36:28 +0000`, Twilio, e-mail): the weekday adds nothing.
    t = t.str.replace(r"^[A-Za-z]{3,9},\s*(\d{1,2} [A-Za-z]{3,9} \d{4} )", "$1")
    t = t.str.replace(r"(?i)\s*(UTC|GMT)$", "Z").str.replace(r"\s+([+-]\d{2}:?\d{2})$", "$1")
    t = t.str.replace(r"Z$", "+00:00")
    t = t.str.replace_all(r"\s+", " ")
    return t.str.replace(r"(?i)(\d)\s*a\.?m\.?$", "$1 AM").str.replace(r"(?i)(\d)\s*p\.?m\.?$", "$1 PM")


def _try(values: pl.Series, fmt: str, aware: bool = False) -> pl.Series:
    try:
        if aware:
            return values.str.to_datetime(fmt, strict=False, time_zone="UTC", time_unit="us")
        return values.str.to_datetime(fmt, strict=False, time_unit="us")
    except Exception:  # a format polars cannot use on this data
        return pl.Series(values.name, [None] * len(values), dtype=pl.Datetime("us", "UTC" if aware else None))


def _best_format(distinct: pl.Series, formats: list[str]) -> tuple[str | None, int]:
    best, best_n = None, 0
    for fmt in formats:
        n = int(_try(distinct, fmt).is_not_null().sum())
        if n > best_n:
            best, best_n = fmt, n
            if n == len(distinct):
                break
    return best, best_n


def _day_month_order(text: pl.Series, date_order: str | None) -> str | None:
    """'dmy' / 'mdy' from the data (a component above 12), the given order, or AM/PM (US)."""
    parts = text.str.extract_groups(_SLASH_RE)
    first = parts.struct.field("1").cast(pl.Int32)
    second = parts.struct.field("2").cast(pl.Int32)
    if first.is_null().all():
        return date_order
    first_max, second_max = first.max() or 0, second.max() or 0
    if first_max > 12 and second_max <= 12:
        return "dmy"
    if second_max > 12 and first_max <= 12:
        return "mdy"
    if date_order:
        return date_order
    if bool((first == second).fill_null(True).all()):
        return "dmy"  # 1/1, 5/5: both orders read the same
    if bool(text.str.contains(r"(?i)\b[AP]M$").any()):
        return "mdy"  # 12-hour clock with slashes: the US convention
    examples = text.filter(parts.struct.field("1").is_not_null() & (first != second)).unique(maintain_order=True).head(2).to_list()
    raise AmbiguousDateOrder(
        f"day/month order is ambiguous: {', '.join(map(repr, examples))} could be day-first or month-first "
        f"and no value has a day above 12")


def _to_utc(naive: pl.Series, tz: str, ambiguous: str) -> pl.Series:
    return (naive.dt.replace_time_zone(tz, ambiguous=ambiguous, non_existent="null")
            .dt.convert_time_zone("UTC").dt.replace_time_zone(None))


# Longer than any DST gap (1 h; 30 min on Lord Howe), shorter than the time between two switches.
_BEFORE_GAP = pl.duration(hours=6)


def _localise(naive: pl.Series, tz: str, dst: dict | None = None) -> pl.Series:
    """Local wall-clock times in ``tz`` as naive UTC.

    A time in a spring-forward gap (02:30 when clocks jump 02:00 -> 03:00) is read with the
    offset in force before the gap, i.e. moved forward by the gap (02:30 EST = 03:30 EDT), as
    Python's zoneinfo does with fold=0; a time that occurs twice at fall-back takes the earlier
    instant. Polars only offers ``non_existent='raise'|'null'``, so the gap is handled here.
    ``dst``, when given, receives boolean masks ``gap`` and ``ambiguous`` over ``naive``."""
    naive = naive.cast(pl.Datetime("us"))
    if tz in ("UTC", "Etc/UTC", ""):
        if dst is not None:
            dst["gap"] = pl.Series("gap", [False] * len(naive), dtype=pl.Boolean)
            dst["ambiguous"] = dst["gap"].alias("ambiguous")
        return naive
    out = _to_utc(naive, tz, "earliest")
    gap = (naive.is_not_null() & out.is_null()).fill_null(False).alias("gap")
    if gap.any():
        # Six hours before the gap the pre-switch offset is in force: shift by it, come back.
        before = _to_utc(pl.select(pl.lit(naive.filter(gap)) - _BEFORE_GAP).to_series(), tz, "earliest")
        moved = pl.select(pl.lit(before) + _BEFORE_GAP).to_series()
        out = out.scatter(gap.arg_true(), moved)
    if dst is not None:
        latest = _to_utc(naive, tz, "latest")
        dst["gap"] = gap
        dst["ambiguous"] = (out.is_not_null() & latest.is_not_null() & (out != latest)).fill_null(False).alias("ambiguous")
    return out


def _from_numbers(v: pl.Series, tz: str, dst: dict | None = None) -> pl.Series:
    """Excel serial days (local time), epoch seconds or epoch milliseconds (UTC)."""
    v = v.cast(pl.Float64)
    x = pl.lit(v)
    excel_us = pl.when((x >= _EXCEL_MIN) & (x < _EXCEL_MAX)).then((x - 25569) * 86_400_000_000)
    epoch_us = (pl.when((x >= _EPOCH_S_MIN) & (x < _EPOCH_S_MAX)).then(x * 1_000_000)
                .when((x >= _EPOCH_MS_MIN) & (x < _EPOCH_MS_MAX)).then(x * 1_000))
    frame = pl.select(excel=pl.from_epoch(excel_us.round(0).cast(pl.Int64), time_unit="us"),
                      epoch=pl.from_epoch(epoch_us.round(0).cast(pl.Int64), time_unit="us"))
    excel = _localise(frame.get_column("excel"), tz, dst)
    return excel.fill_null(frame.get_column("epoch")).cast(pl.Datetime("us"))


def parse_datetime(series: pl.Series, tz: str = "UTC", date_order: str | None = None,
                   fmt: str | None = None, dst: dict | None = None) -> tuple[pl.Series, pl.Series, str | None]:
    """Timestamps as naive UTC. Values with an offset keep it; others are local to ``tz``.

    Returns (values, failed mask, the main format used). Raises AmbiguousDateOrder when the
    day/month order of slash dates cannot be told and ``date_order`` is not given.
    ``dst``, when given, receives boolean masks over ``series``: ``gap`` (local times that do not
    exist, moved forward by the daylight-saving gap) and ``ambiguous`` (local times that occur
    twice; the earlier instant was taken). See ``_localise``.
    """
    name = series.name
    tz = tz or "UTC"
    n = len(series)
    gap = pl.Series("gap", [False] * n, dtype=pl.Boolean)
    twice = pl.Series("ambiguous", [False] * n, dtype=pl.Boolean)

    def localise(naive: pl.Series, at: pl.Series | None = None) -> pl.Series:
        """_localise ``naive`` (the rows ``at`` of series, or all of them), noting DST edges."""
        nonlocal gap, twice
        flags: dict = {}
        out = _localise(naive, tz, flags)
        _note(flags, at)
        return out

    def _note(flags: dict, at: pl.Series | None) -> None:
        nonlocal gap, twice
        if not flags:
            return
        if at is None:
            gap, twice = gap | flags["gap"], twice | flags["ambiguous"]
        else:
            gap = gap.scatter(at.filter(flags["gap"]), True)
            twice = twice.scatter(at.filter(flags["ambiguous"]), True)

    def done(out: pl.Series, how: str | None):
        if dst is not None:
            dst["gap"], dst["ambiguous"] = gap, twice
        return out.alias(name), _failed(series, out), how

    if isinstance(series.dtype, pl.Datetime):
        if series.dtype.time_zone:
            out = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None).dt.cast_time_unit("us")
        else:
            out = localise(series.dt.cast_time_unit("us"))
        return done(out, "datetime cells")
    if series.dtype == pl.Date:
        return done(localise(series.cast(pl.Datetime("us"))), "date cells")
    if series.dtype.is_numeric():
        flags: dict = {}
        out = _from_numbers(series, tz, flags)
        _note(flags, None)
        return done(out, "serial numbers")

    text = _normalise_text(series.cast(pl.String))
    result = pl.Series(name, [None] * len(text), dtype=pl.Datetime("us"))
    main_fmt = fmt
    # 1. Values with an explicit offset (ISO 8601 / RFC 3339): the offset wins over tz.
    has_offset = text.str.contains(_OFFSET_RE).fill_null(False)
    if bool(has_offset.any()):
        part = text.filter(has_offset)
        parsed = None
        for f in _OFFSET_FORMATS:
            attempt = _try(part, f, aware=True)
            parsed = attempt if parsed is None else parsed.fill_null(attempt)
            if parsed.null_count() == 0:
                break
        parsed = parsed.dt.replace_time_zone(None)
        result = result.scatter(has_offset.arg_true(), parsed)
        main_fmt = main_fmt or "ISO 8601 with offset"
    # 2. Numbers (Excel serials, epoch seconds/ms) stored as text.
    numeric = text.str.contains(r"^-?\d+(\.\d+)?$") & ~text.str.contains(r"^\d{8}(\d{6})?$") & ~has_offset
    if bool(numeric.fill_null(False).any()):
        mask = numeric.fill_null(False)
        flags: dict = {}
        result = result.scatter(mask.arg_true(), _from_numbers(text.filter(mask).cast(pl.Float64), tz, flags))
        _note(flags, mask.arg_true())
    # 3. Local date/time strings: choose the format on the distinct values, then apply it.
    rest_mask = (text.is_not_null() & result.is_null()).fill_null(False)
    if bool(rest_mask.any()):
        rest = text.filter(rest_mask)
        order = _day_month_order(rest, date_order)
        formats = ([fmt] if fmt else []) + _ALWAYS + _formats(order or "dmy")
        distinct = rest.unique().head(5000)
        parsed = pl.Series(name, [None] * len(rest), dtype=pl.Datetime("us"))
        tried = set()
        local_main = None
        while True:
            todo = distinct.filter(~distinct.is_in(rest.filter(parsed.is_not_null()).unique().implode())) if parsed.null_count() < len(rest) else distinct
            best, n = _best_format(todo, [f for f in formats if f not in tried])
            if not best:
                break
            tried.add(best)
            local_main = local_main or best
            parsed = parsed.fill_null(_try(rest, best))
            if parsed.null_count() == 0:
                break
        result = result.scatter(rest_mask.arg_true(), localise(parsed, rest_mask.arg_true()))
        main_fmt = main_fmt or local_main
    return done(result, main_fmt)


def parse_date(series: pl.Series, date_order: str | None = None) -> tuple[pl.Series, pl.Series, str | None]:
    """Calendar dates (no time-zone conversion)."""
    if series.dtype == pl.Date:
        return series, _failed(series, series), "date cells"
    if isinstance(series.dtype, pl.Datetime):
        out = series.dt.replace_time_zone(None).dt.date() if series.dtype.time_zone else series.dt.date()
        return out.alias(series.name), _failed(series, out), "datetime cells"
    if series.dtype == pl.String:
        # A date with a time or an offset: the date as written, not shifted to UTC.
        series = series.str.replace(r"^(\d{4}-\d{2}-\d{2})[T ].*$", "$1")
    values, failed, fmt = parse_datetime(series, tz="UTC", date_order=date_order)
    out = values.dt.date()
    return out.alias(series.name), failed, fmt
