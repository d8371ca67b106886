"""Exchange rates the user gives: money in one currency is never relabelled as another.

A rate is written ``FROM/TO=RATE`` (``USD/RUB=92.5``: one US dollar is 92.5 roubles), in the
settings (``money.exchange_rates = { "USD/RUB" = 92.5 }``) or on the audit's command line
(``--fx USD/RUB=92.5``). The inverse pair is implied. Nothing is looked up anywhere: without a
rate, an amount that needs converting is refused with a message saying which rate to give.
"""
from __future__ import annotations

import re

PAIR = re.compile(r"^\s*([A-Za-z]{3})\s*[/:]\s*([A-Za-z]{3})\s*=\s*([0-9]+(?:[.,][0-9]+)?)\s*$")


class MissingRate(ValueError):
    """An amount in ``source`` must be shown in ``target`` and no rate was given."""

    def __init__(self, source: str, target: str, what: str = "an amount"):
        self.source, self.target, self.what = source, target, what
        super().__init__(
            f"{what} is in {source} and the report is in {target}, but no exchange rate was given: "
            f"add --fx {source}/{target}=RATE (how many {target} one {source} is worth) or set "
            f"money.exchange_rates = {{ \"{source}/{target}\" = RATE }} in the settings; "
            f"or choose --currency {source}")


def parse(text: str) -> tuple[str, str, float]:
    """``USD/RUB=92.5`` -> ("USD", "RUB", 92.5); ValueError with the expected form otherwise."""
    m = PAIR.match(text or "")
    if not m:
        raise ValueError(f"--fx {text!r} is not FROM/TO=RATE, e.g. --fx USD/RUB=92.5 (one USD is 92.5 RUB)")
    rate = float(m.group(3).replace(",", "."))
    if rate <= 0:
        raise ValueError(f"--fx {text!r}: the rate must be above 0")
    return m.group(1).upper(), m.group(2).upper(), rate


def rates(settings: dict | None = None, extra: list[str] | tuple[str, ...] = ()) -> dict[tuple[str, str], float]:
    """Every known rate, keyed (FROM, TO), with the inverse pairs; ``extra`` (command line) wins."""
    out: dict[tuple[str, str], float] = {}
    table = ((settings or {}).get("money") or {}).get("exchange_rates") or {}
    items = [f"{k}={v}" for k, v in table.items()] + list(extra or ())
    for item in items:
        source, target, rate = parse(item)
        out[(source, target)] = rate
        out.setdefault((target, source), 1 / rate)
    for (source, target), rate in list(out.items()):  # a command-line rate also replaces the inverse
        if (source, target) in [(parse(i)[0], parse(i)[1]) for i in extra or ()]:
            out[(target, source)] = 1 / rate
    return out


def rate(source: str, target: str, known: dict[tuple[str, str], float], what: str = "an amount") -> float:
    """How many ``target`` one ``source`` is worth; 1 for the same currency; MissingRate otherwise."""
    source, target = (source or "").upper(), (target or "").upper()
    if source == target:
        return 1.0
    if (source, target) not in known:
        raise MissingRate(source, target, what)
    return known[(source, target)]
