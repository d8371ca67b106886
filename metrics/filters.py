"""The filter state shared by every page, the CLI and the reports: a date range plus dimension values.

``Filters`` is a frozen dataclass, so it can be a cache key. It travels in URLs as query parameters
(``?team=Billing,Tech&date_from=2025-01-01``; a comma inside a value is written ``\\,``) and turns
into SQL where-clauses with bound parameters for each fact table (see ``where``).

Dimension semantics (docs/metrics.md, "Filters"):

* the date range is inclusive and applies to each table's own date: tickets ``created_at``, calls
  ``queued_at``, surveys ``responded_at`` (UTC dates);
* values of one dimension are OR-ed, different dimensions are AND-ed;
* ``tag`` matches tickets whose space-separated ``tags`` contain the tag;
* ``segment`` matches rows whose ``customer_id`` belongs to a customer of that segment; survey
  responses carry their own segment (brand, region, wave, workbook sheet) and fall back to their
  customer's;
* a dimension a table does not have (calls have no channel, priority, category or tags) makes
  that table's figures unavailable (None) with a note, rather than silently ignoring the filter.

``scope`` is the reader's team scope (docs/security.md): the teams a signed-in user may see, set
by the app frame from the ``[access]`` settings and never read from a URL (``from_params`` and
``to_params`` ignore it). None means every team. Every query honours it as one more restriction
on ``team``: a ``team`` filter narrows the scope (values outside it match nothing), never widens
it, and an empty scope matches nothing (see ``values``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Mapping

DIMENSIONS = ("team", "agent", "channel", "priority", "category", "tag", "segment", "source")
# Breakdowns may also use dimensions no filter offers (calls only).
BREAKDOWN_ONLY = ("queue",)

# The segment of a customer id: the alphabetically first segment when several customer sources
# share an id, so that a ticket belongs to exactly one segment (rollups and raw rows agree).
SEGMENT_MAP_SQL = ("(SELECT source_id AS customer_id, min(segment) AS segment FROM customers "
                   "WHERE segment IS NOT NULL GROUP BY source_id)")


class FilterError(ValueError):
    """A filter name or value that cannot be used; the message lists the valid names."""


def _split(text: str) -> tuple[str, ...]:
    """Comma-separated values; ``\\,`` is a comma inside a value, ``\\\\`` a backslash."""
    values, current, escaped = [], [], False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            values.append("".join(current))
            current = []
        else:
            current.append(ch)
    values.append("".join(current))
    return tuple(v.strip() for v in values if v.strip())


def _join(values) -> str:
    return ",".join(v.replace("\\", "\\\\").replace(",", "\\,") for v in values)


def parse_date(text, name: str = "date") -> dt.date | None:
    if text is None or text == "":
        return None
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise FilterError(f"{name} {text!r} is not a date; write it as YYYY-MM-DD (e.g. 2025-01-31)") from None


@dataclass(frozen=True)
class Filters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    team: tuple[str, ...] = ()
    agent: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    segment: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    scope: tuple[str, ...] | None = None  # teams the reader may see; None = all (never from a URL)

    def __post_init__(self):
        # Accept lists or a single string from callers; keep tuples (hashable, cache keys).
        for dim in DIMENSIONS:
            value = getattr(self, dim)
            if value is None:
                value = ()
            elif isinstance(value, str):
                value = (value,)
            object.__setattr__(self, dim, tuple(str(v) for v in value))
        if self.scope is not None:
            scope = (self.scope,) if isinstance(self.scope, str) else self.scope
            object.__setattr__(self, "scope", tuple(sorted({str(v) for v in scope})))
        object.__setattr__(self, "date_from", parse_date(self.date_from, "date_from"))
        object.__setattr__(self, "date_to", parse_date(self.date_to, "date_to"))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise FilterError(f"date_from {self.date_from} is after date_to {self.date_to}; swap them")

    # ------------------------------------------------------------ URL params
    def to_params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.date_from:
            out["date_from"] = self.date_from.isoformat()
        if self.date_to:
            out["date_to"] = self.date_to.isoformat()
        for dim in DIMENSIONS:
            if getattr(self, dim):
                out[dim] = _join(getattr(self, dim))
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> "Filters":
        """Read URL query params (unknown keys are ignored: a URL also carries page state)."""
        kwargs: dict[str, object] = {}
        for key in ("date_from", "date_to"):
            kwargs[key] = parse_date(_first(params.get(key)), key)
        for dim in DIMENSIONS:
            raw = params.get(dim)
            if raw is None:
                continue
            if isinstance(raw, (list, tuple)):
                values: tuple[str, ...] = tuple(v for item in raw for v in _split(str(item)))
            else:
                values = _split(str(raw))
            kwargs[dim] = values
        return cls(**kwargs)

    @classmethod
    def parse_pairs(cls, pairs: list[str], date_from=None, date_to=None) -> "Filters":
        """``DIM=VALUE`` strings (the CLI's --filter); repeated dimensions add values."""
        values: dict[str, list[str]] = {}
        for pair in pairs or []:
            if "=" not in pair:
                raise FilterError(f"--filter {pair!r} is not DIM=VALUE; valid names: {', '.join(DIMENSIONS)}")
            dim, _, value = pair.partition("=")
            dim = dim.strip().lower()
            if dim not in DIMENSIONS:
                raise FilterError(f"--filter {dim!r} is not a filter name; valid names: {', '.join(DIMENSIONS)}")
            values.setdefault(dim, []).extend(_split(value))
        return cls(date_from=parse_date(date_from, "--from"), date_to=parse_date(date_to, "--to"),
                   **{d: tuple(v) for d, v in values.items()})

    # ------------------------------------------------------------ periods
    def replace(self, **changes) -> "Filters":
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return Filters(**current)

    def days(self) -> int | None:
        if self.date_from and self.date_to:
            return (self.date_to - self.date_from).days + 1
        return None

    def previous(self) -> "Filters | None":
        """The period of the same length just before this one, same dimension values; None when
        the range is open at either end (the engine first closes it with the data's first/last
        date, see engine.compare)."""
        n = self.days()
        if n is None:
            return None
        return self.replace(date_from=self.date_from - dt.timedelta(days=n), date_to=self.date_from - dt.timedelta(days=1))

    def values(self, dim: str) -> tuple[str, ...] | None:
        """The values rows of ``dim`` must take, None when the dimension is not restricted. For
        ``team`` under a scope: the filter's teams that lie in the scope (a forged team outside it
        leaves an empty tuple: nothing matches), or the whole scope when no team is filtered."""
        chosen = getattr(self, dim)
        if dim != "team" or self.scope is None:
            return chosen or None
        if not chosen:
            return self.scope
        return tuple(v for v in chosen if v in self.scope)

    def active_dimensions(self) -> list[str]:
        return [d for d in DIMENSIONS if self.values(d) is not None]

    def outside_scope(self) -> tuple[str, ...]:
        """Filtered teams the scope leaves out (shown to the reader as matching nothing)."""
        if self.scope is None:
            return ()
        return tuple(v for v in self.team if v not in self.scope)

    def without_dates(self) -> "Filters":
        return self.replace(date_from=None, date_to=None)

    def describe(self) -> str:
        parts = []
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or '…'} to {self.date_to or '…'}")
        else:
            parts.append("all dates")
        for dim in DIMENSIONS:
            if getattr(self, dim):
                parts.append(f"{dim} = {' or '.join(getattr(self, dim))}")
        if self.scope is not None:
            parts.append(f"within teams {' or '.join(self.scope) or '(none)'}")
        return "; ".join(parts)

    # ------------------------------------------------------------ SQL
    def where(self, dims: Mapping[str, str], date_column: str | None, *, dates: bool = True,
              skip: tuple[str, ...] = (), direct: tuple[str, ...] = ()) -> tuple[str, list]:
        """A where-clause (``"TRUE"`` when nothing applies) and its parameters for one table.

        ``dims`` maps each dimension the table has to its SQL column; a filtered dimension missing
        from ``dims`` raises ``MissingDimension`` (the caller shows the table's figures as None).
        ``direct``: dimensions whose column holds the value itself (survey facts' own segment)
        rather than a customer id to look the segment up by.
        """
        clauses: list[str] = []
        params: list = []
        if dates and date_column and (self.date_from or self.date_to):
            from metrics import clock  # days are local days of metrics.report_timezone, as UTC bounds

            tz = clock.report_tz()
            if self.date_from:
                clauses.append(f"{date_column} >= ?")
                params.append(clock.utc_start(self.date_from, tz))
            if self.date_to:
                clauses.append(f"{date_column} < ?")
                params.append(clock.utc_end(self.date_to, tz))
        for dim in DIMENSIONS:
            values = self.values(dim)
            if dim in skip:  # the caller handles this filter itself; a scope still applies
                values = self.scope if dim == "team" else None
            if values is None:
                continue
            column = dims.get(dim)
            if column is None:
                raise MissingDimension(dim)
            if not values:  # a team filter wholly outside the reader's scope, or an empty scope
                clauses.append("FALSE")
                continue
            clause, p = dimension_clause(dim, column, values, direct=dim in direct)
            clauses.append(clause)
            params.extend(p)
        return (" AND ".join(clauses) or "TRUE"), params


class MissingDimension(Exception):
    def __init__(self, dim: str):
        super().__init__(dim)
        self.dim = dim


def dimension_clause(dim: str, column: str, values, direct: bool = False) -> tuple[str, list]:
    values = list(values)
    if dim == "tag":
        return f"list_has_any(string_split(coalesce({column}, ''), ' '), ?::VARCHAR[])", [values]
    marks = ", ".join("?" for _ in values)
    if dim == "segment" and not direct:
        return f"{column} IN (SELECT customer_id FROM {SEGMENT_MAP_SQL} WHERE segment IN ({marks}))", values
    return f"{column} IN ({marks})", values


def _first(value):
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value
