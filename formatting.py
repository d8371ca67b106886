"""Locale formatting: the one place where a number, an amount of money, a duration, a date or a
count with its plural becomes text, in English or Russian.

Everything comes from Babel's CLDR data (grouping and decimal symbols, percent and currency
patterns, compact forms such as "$1.97M" / "1,97 млн ₽", unit names such as "34 sec" / "34 с",
date patterns and plural rules), never from hand-written rules. The functions are pure: the
language is an argument (``ui.i18n`` passes the session's, ``reports`` the report's), so the
dashboard, the CLI, the reports and the metrics' evidence sentences all format alike.

A missing value (None, NaN, infinity) becomes ``na`` (default "—"): callers pass their own
word for "not available" when they have one.
"""
from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

from babel import Locale, dates as _dates, numbers as _numbers, units as _units

LOCALES = {"en": "en_US", "ru": "ru_RU"}
DASH = "—"
MINUS = "\u2212"  # the typographic minus CLDR uses for neither language; used only for deltas we sign ourselves
# Percentage points have no CLDR unit: the abbreviation is language data, kept here with the rest.
POINTS = {"en": "pp", "ru": "п.\u00a0п."}


def _locale(lang: str | None) -> str:
    return LOCALES.get(lang or "en", LOCALES["en"])


@lru_cache(maxsize=None)
def _babel_locale(lang: str) -> Locale:
    return Locale.parse(_locale(lang))


def missing(x) -> bool:
    """None, NaN or an infinity: a value that is not there."""
    if x is None:
        return True
    try:
        return isinstance(x, (float, int)) and not isinstance(x, bool) and (math.isnan(x) or math.isinf(x))
    except TypeError:
        return False


def _pattern(pattern: str, digits: int) -> str:
    """A CLDR number pattern with exactly ``digits`` decimals (its integer part kept as is)."""
    head, _, _ = pattern.partition(";")
    start = next((i for i, ch in enumerate(head) if ch in "#0"), None)
    if start is None:
        return head
    end = start
    while end < len(head) and head[end] in "#0,.":
        end += 1
    integer = head[start:end].split(".")[0]
    body = integer + ("." + "0" * digits if digits > 0 else "")
    return head[:start] + body + head[end:]


# ---------------------------------------------------------------- numbers
def number(x, digits: int = 0, lang: str = "en", na: str = DASH) -> str:
    """1,234.5 (en) / 1 234,5 (ru), exactly ``digits`` decimals."""
    if missing(x):
        return na
    fmt = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return _numbers.format_decimal(x, format=fmt, locale=_locale(lang), decimal_quantization=True)


def integer(x, lang: str = "en", na: str = DASH) -> str:
    """A whole number (people, tickets): 99.6 customers are shown as 100."""
    if missing(x):
        return na
    return number(round(float(x)), 0, lang)


def _significant(x: float, sig: int) -> float:
    if x == 0:
        return 0.0
    return round(x, -int(math.floor(math.log10(abs(x)))) + (sig - 1))


def _compact_digits(x: float, sig: int) -> int:
    """Decimals that leave ``sig`` significant digits in the compact mantissa (1.97M, 19.7K, 197K)."""
    if x == 0:
        return 0
    exponent = int(math.floor(math.log10(abs(x))))
    mantissa_exp = exponent % 3 if abs(x) >= 1000 else exponent
    return max(0, sig - 1 - mantissa_exp)


def compact(x, lang: str = "en", sig: int = 3, na: str = DASH) -> str:
    """12.3K / 1.97M (en), 12,3 тыс. / 1,97 млн (ru); whole numbers below 1,000."""
    if missing(x):
        return na
    if abs(x) < 1000:
        return number(x, 0 if float(x).is_integer() or abs(x) >= 100 else 1, lang)
    value = _significant(float(x), sig)
    return _numbers.format_compact_decimal(value, fraction_digits=_compact_digits(value, sig), locale=_locale(lang))


def percent(fraction, digits: int = 1, lang: str = "en", na: str = DASH) -> str:
    """12.3% (en) / 12,3 % (ru) for a fraction 0.123."""
    if missing(fraction):
        return na
    pattern = _pattern(_babel_locale(lang).percent_formats[None].pattern, digits)
    smallest = 10.0 ** -(digits + 2)
    if 0 < fraction < smallest:  # a share that exists is never shown as 0.0%: "<0.1%"
        return "<" + _numbers.format_percent(smallest, format=pattern, locale=_locale(lang), decimal_quantization=True)
    return _numbers.format_percent(fraction, format=pattern, locale=_locale(lang), decimal_quantization=True)


def signed(text_of_abs: str, value: float) -> str:
    """``+`` or the minus sign in front of an already formatted absolute value (0 unsigned)."""
    if value > 0:
        return "+" + text_of_abs
    if value < 0:
        return MINUS + text_of_abs
    return text_of_abs


def points(diff_fraction, digits: int = 1, lang: str = "en", na: str = DASH) -> str:
    """A change of a rate in percentage points, signed: +5.0 pp / −5,0 п. п."""
    if missing(diff_fraction):
        return na
    value = round(diff_fraction * 100, digits)
    return signed(number(abs(value), digits, lang), value) + "\u00a0" + POINTS.get(lang, POINTS["en"])


def signed_percent(relative, digits: int = 1, lang: str = "en", na: str = DASH) -> str:
    """A relative change, signed: +12.5% / −17,8 %."""
    if missing(relative):
        return na
    value = round(relative, digits + 2)
    return signed(percent(abs(value), digits, lang), value)


def signed_number(x, digits: int = 0, lang: str = "en", na: str = DASH) -> str:
    if missing(x):
        return na
    value = round(x, digits)
    return signed(number(abs(value), digits, lang), value)


# ---------------------------------------------------------------- money
def currency_symbol(currency: str, lang: str = "en") -> str:
    return _numbers.get_currency_symbol(currency.upper(), locale=_locale(lang))


def money(x, currency: str = "USD", lang: str = "en", short: bool | None = None, na: str = DASH) -> str:
    """$1,500 / 1 500 ₽; $1.97M / 1,97 млн ₽ from 10,000 up (``short=None``), always compact
    with ``short=True`` (from 1,000), never with ``short=False``. Amounts under 100 keep cents."""
    if missing(x):
        return na
    currency = (currency or "USD").upper()
    if short is None:
        short = abs(x) >= 10_000
    if short and abs(x) >= 1000:
        value = _significant(float(x), 3)
        return _numbers.format_compact_currency(value, currency, fraction_digits=_compact_digits(value, 3),
                                                locale=_locale(lang))
    # Cents are decided on the amount rounded to cents, so 95.00000001 (a product of floats) is $95, not
    # $95.00, and an amount that rounds to nothing is $0, never -$0.00.
    digits = money_digits(x)
    value = round(float(x), digits) or 0.0
    pattern = _pattern(_babel_locale(lang).currency_formats["standard"].pattern, digits)
    return _numbers.format_currency(value, currency, format=pattern, locale=_locale(lang), currency_digits=False,
                                    decimal_quantization=True)


def money_digits(x) -> int:
    """The decimals a full (not compact) amount is shown with: cents under 100 when there are any
    once rounded to cents ($99.50, $61.82, $95), whole units from 100 up ($120, $1,500)."""
    cents = round(float(x), 2)
    return 2 if abs(cents) < 100 and not cents.is_integer() else 0


def money_is_exact(x, short: bool | None = None) -> bool:
    """Whether ``money(x, short=short)`` shows ``x`` without rounding it (an equation in a report
    says "=" then, "≈" otherwise)."""
    if missing(x):
        return False
    x = float(x)
    if short is None:
        short = abs(x) >= 10_000
    shown = _significant(x, 3) if short and abs(x) >= 1000 else round(x, money_digits(x))
    return abs(x - shown) <= 1e-9 * max(1.0, abs(x))


def _compact_fixed(value: float, digits: int, lang: str, currency: str | None = None) -> str:
    """A compact form with exactly ``digits`` decimals (CLDR's own compact formats drop trailing
    zeros, so the two ends of a range would not line up: $4.03M – $4.8M)."""
    loc = _babel_locale(lang)
    table = loc.compact_currency_formats["short"] if currency else loc.compact_decimal_formats["short"]
    number, pattern = _numbers._get_compact_format(value, table, loc, digits)
    if pattern is None or (currency and "¤" not in str(pattern)):
        return (_numbers.format_compact_currency(value, currency, fraction_digits=digits, locale=_locale(lang))
                if currency else _numbers.format_compact_decimal(value, fraction_digits=digits, locale=_locale(lang)))
    parsed = _numbers.parse_pattern(pattern)
    parsed.frac_prec = (digits, digits)
    return parsed.apply(number, loc, currency=currency, currency_digits=False, decimal_quantization=True)


def money_range(low, high, currency: str = "USD", lang: str = "en", na: str = DASH) -> str:
    """$4.03M – $4.80M: both ends in the same compact unit precision (three significant digits of
    the larger end); one amount when both ends round alike."""
    if missing(low) or missing(high):
        return na
    currency = (currency or "USD").upper()
    top = max(abs(low), abs(high))
    if top < 1000:
        a, b = money(low, currency, lang, short=False), money(high, currency, lang, short=False)
    else:
        digits = _compact_digits(_significant(top, 3), 3)
        unit_of = lambda v: int(math.floor(math.log10(abs(v)) / 3)) if abs(v) >= 1000 else 0  # noqa: E731
        same = unit_of(_significant(low, 3) or 1) == unit_of(_significant(top, 3))

        def end(v: float) -> str:
            if abs(v) < 1000:
                return money(v, currency, lang, short=False)
            v = _significant(v, 3)
            return _compact_fixed(v, digits if same else _compact_digits(v, 3), lang, currency)

        a, b = end(low), end(high)
    return a if a == b else f"{a} – {b}"


# ---------------------------------------------------------------- units and durations
def unit(value, unit_id: str, lang: str = "en", digits: int | None = None, na: str = DASH) -> str:
    """A CLDR unit, short form: 34 sec / 34 с, 3.5 hr / 3,5 ч, 2 days / 2 дн."""
    if missing(value):
        return na
    if digits is None:
        digits = 0 if float(value).is_integer() else 1
    fmt = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    text = _units.format_unit(round(value, digits), unit_id, length="short", format=fmt, locale=_locale(lang))
    return text.replace(" ", "\u00a0")  # the number and its unit never wrap apart


def unit_name(unit_id: str, lang: str = "en") -> str:
    """The short name of a unit for an axis title: hr / ч, min / мин."""
    return _units.get_unit_name(unit_id, length="short", locale=_locale(lang)) or unit_id


def duration_minutes(minutes, lang: str = "en", na: str = DASH) -> str:
    """45 min / 3.5 hr / 2.1 days: the unit that keeps the number readable."""
    if missing(minutes):
        return na
    if abs(minutes) < 90:
        return unit(minutes, "duration-minute", lang, 0 if abs(minutes) >= 10 else 1)
    if abs(minutes) < 48 * 60:
        return unit(minutes / 60, "duration-hour", lang, 1)
    return unit(minutes / 1440, "duration-day", lang, 1)


def duration_seconds(seconds, lang: str = "en", na: str = DASH) -> str:
    if missing(seconds):
        return na
    if abs(seconds) < 120:
        return unit(seconds, "duration-second", lang, 0)
    return duration_minutes(seconds / 60, lang)


DURATION_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def duration_unit(seconds) -> str:
    """The unit ``duration_seconds`` would pick for ``seconds``: a table column takes the one of its
    median, so that every cell of a column is in the same unit (95 s next to 4.7 min reads as a jump)."""
    s = abs(seconds or 0)
    return "second" if s < 120 else "minute" if s < 90 * 60 else "hour" if s < 48 * 3600 else "day"


def duration_in(seconds, unit_name: str, lang: str = "en", na: str = DASH) -> str:
    """``seconds`` in the given unit (second, minute, hour, day)."""
    if missing(seconds):
        return na
    value = seconds / DURATION_SECONDS[unit_name]
    digits = 0 if unit_name == "second" or (unit_name == "minute" and abs(value) >= 10) else 1
    return unit(value, f"duration-{unit_name}", lang, digits)


def hours(value, lang: str = "en", digits: int = 1, na: str = DASH) -> str:
    """3.5 hr / 3,5 ч; from 10,000 on in compact form: 2.95M hr / 2,95 млн ч."""
    if not missing(value) and abs(value) >= 10_000:
        text = _units.format_unit(compact(value, lang), "duration-hour", length="short", locale=_locale(lang))
        return text.replace(" ", "\u00a0")
    return unit(value, "duration-hour", lang, digits, na)


def file_size(n_bytes, lang: str = "en", na: str = DASH) -> str:
    if missing(n_bytes):
        return na
    value, index = float(n_bytes), 0
    names = ("digital-byte", "digital-kilobyte", "digital-megabyte", "digital-gigabyte")
    while value >= 1024 and index < len(names) - 1:
        value, index = value / 1024, index + 1
    return unit(value, names[index], lang, 0 if index == 0 else 1)


# ---------------------------------------------------------------- dates
def _as_date(value):
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value) if len(value) > 10 else dt.date.fromisoformat(value)
        except ValueError:
            return None
    return value


def date(value, lang: str = "en", na: str = DASH) -> str:
    """Mar 5, 2025 (en) / 05.03.2025 (ru): CLDR's medium date in English, short in Russian."""
    value = _as_date(value)
    if value is None:
        return na
    if isinstance(value, dt.datetime):
        value = value.date()
    return _dates.format_date(value, "medium" if lang == "en" else "short", locale=_locale(lang))


def datetime(value, lang: str = "en", na: str = DASH) -> str:
    """Mar 5, 2025, 14:03 / 05.03.2025, 14:03 (24-hour clock in both)."""
    value = _as_date(value)
    if value is None:
        return na
    if not isinstance(value, dt.datetime):
        return date(value, lang)
    return f"{date(value, lang)}, {_dates.format_time(value, 'HH:mm', locale=_locale(lang))}"


def day_month(value, lang: str = "en", na: str = DASH) -> str:
    """Mar 5 / 5 мар. (chart labels, where the year is in the title or obvious)."""
    value = _as_date(value)
    if value is None:
        return na
    return _dates.format_skeleton("MMMd", value, locale=_locale(lang))


def month(value, lang: str = "en", na: str = DASH) -> str:
    """Mar 2025 / март 2025 г."""
    value = _as_date(value)
    if value is None:
        return na
    return _dates.format_skeleton("yMMM", value, locale=_locale(lang))


def weekday_names(lang: str = "en") -> list[str]:
    """Mon..Sun in the language (CLDR abbreviated stand-alone names)."""
    names = _babel_locale(lang).days["stand-alone"]["abbreviated"]
    return [names[i].capitalize() for i in range(7)]


# ---------------------------------------------------------------- plurals
def plural_form(n, lang: str = "en") -> str:
    """CLDR plural category of ``n``: one, few, many or other."""
    if missing(n):
        return "other"
    return _babel_locale(lang).plural_form(abs(n))


def plural(n, forms: dict[str, str], lang: str = "en") -> str:
    """The form of ``forms`` (keyed by CLDR category) for ``n``; ``other`` when a form is absent."""
    return forms.get(plural_form(n, lang)) or forms["other"]
