"""Generic call-centre sheets (CSV or XLSX): one row per call with agent, date, time, answered
Y/N, resolved Y/N, speed of answer, talk duration and satisfaction, e.g. the well-known sheet
``Call Id, Agent, Date, Time, Topic, Answered (Y/N), Resolved, Speed of answer in seconds,
AvgTalkDuration, Satisfaction rating``. Russian headers work too (``_contact_maps``).

* Date and time may be separate (a date as text or a date cell; a time as text, an Excel
  time value or a fraction of a day) or one column; they are local to ``--tz``.
* outcome: Answered Y -> answered, N -> abandoned; without an Answered column a call is
  answered when it has a speed of answer or a talk time.
* Durations: seconds, ``MM:SS``/``HH:MM:SS``, Excel time values. Topic goes to ``queue``.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from loaders import parsing
from loaders.adapters import _contact_maps as maps
from loaders.adapters._contact_common import (add_raw_column, duration_seconds, finish, pick_columns, reject_where,
                                              require, squashed_headers, text, with_raw)
from loaders.base import Adapter, Batch, LoadError, LoadOptions, Sample
from loaders.files import read_table
from loaders.generic import load_with_mapping
from loaders.registry import register


def _roles(headers: list[str]) -> dict[str, str]:
    return pick_columns(headers, maps.CALL_SHEET_COLUMNS, entity="calls")


@register
class CallSheetAdapter(Adapter):
    name = "call_sheet"
    title = "Call-centre sheet (agent, date, answered, speed of answer, talk time)"
    family = "calls"
    accepts = "CSV/XLSX with one call per row: Agent, Date, Time, Answered (Y/N), Resolved, Speed of answer, talk duration, satisfaction"

    def _score(self, sample: Sample) -> tuple[float, str]:
        headers = sample.headers
        found = _roles(headers)
        when = "date" in found or "datetime" in found
        signals = {"answered", "wait", "talk"} & set(found)
        if not when or "answered" not in found or len(signals) < 2:
            return 0.0, ""
        squashed = squashed_headers(headers)
        exact = {"answeredyn", "speedofanswerinseconds", "avgtalkduration"} <= squashed
        score = 0.92 if exact else 0.8 if "agent" in found else 0.7
        return score, "call-sheet columns: " + ", ".join(f"{r}={h!r}" for r, h in found.items())

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "not a call sheet"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        raw = read_table(path, sheet=options.sheet)
        col = _roles(raw.headers)
        if "datetime" not in col:
            require(path.name, raw.headers, col, {"date": "date (or date and time)"},
                    fix="add the call date column, or load the sheet with a column mapping (--format generic)")
        if not ({"answered", "wait", "talk"} & set(col)):
            require(path.name, raw.headers, col, {"answered": "Answered (Y/N) (or speed of answer / talk time)"},
                    fix="a call sheet needs an answered flag or durations to tell answered calls apart")
        add_raw_column(raw, "_x_queued", self._queued_text(raw, col, options, path.name))
        columns = {"queued_at": "_x_queued"}
        for canonical, role in (("source_id", "id"), ("agent", "agent"), ("queue", "topic"), ("resolved", "resolved"),
                                ("satisfaction", "satisfaction"), ("customer_id", "customer"), ("caller", "caller"),
                                ("team", "team")):
            if role in col:
                columns[canonical] = col[role]
        duration_warnings = []
        for canonical, role in (("wait_seconds", "wait"), ("talk_seconds", "talk")):
            if role in col:
                seconds, failed = duration_seconds(raw.frame.get_column(col[role]))
                add_raw_column(raw, f"_x_{role}", seconds)
                columns[canonical] = f"_x_{role}"
                if bool(failed.any()):
                    rows = raw.frame.get_column("__row__").filter(failed).head(5).to_list()
                    duration_warnings.append(f"column {col[role]!r} ({canonical}): {int(failed.sum())} value(s) are not a "
                                             f"duration (seconds, MM:SS, HH:MM:SS) and were left empty, e.g. rows {rows}")
        mapping = {"table": "calls", "columns": columns, "constants": {"outcome": "derived below"}}
        notes = ["call-sheet columns: " + ", ".join(f"{r}={h!r}" for r, h in col.items())]
        if "topic" in col:
            notes.append(f"{col['topic']!r} stored as the call's queue")
        batch = load_with_mapping(path, options, mapping, default_source=Path(path).stem.lower(), raw=raw, notes=notes)
        batch.warnings += duration_warnings
        return self._derive(batch, raw, col)

    @staticmethod
    def _queued_text(raw, col: dict[str, str], options: LoadOptions, file_name: str) -> pl.Series:
        """One `YYYY-MM-DD HH:MM:SS` text per row from the date and time columns (the unreadable
        originals are kept so the mapping rejects them with their row numbers)."""
        if "datetime" in col:
            series = raw.frame.get_column(col["datetime"])
            return series if series.dtype == pl.String else series.cast(pl.String)
        date_series = raw.frame.get_column(col["date"])
        try:
            dates, failed, _ = parsing.parse_date(date_series, date_order=options.date_order)
        except parsing.AmbiguousDateOrder as exc:
            raise LoadError(file_name, [f"column {col['date']!r}: {exc}"],
                            fix="pass --date-order dmy or --date-order mdy") from exc
        seconds = pl.Series([0.0] * raw.frame.height)
        if "time" in col:
            seconds = duration_seconds(raw.frame.get_column(col["time"]))[0].fill_null(0.0)
        stamp = pl.select(pl.lit(dates).cast(pl.Datetime("us"))
                          + pl.duration(microseconds=(pl.lit(seconds) * 1e6).round(0).cast(pl.Int64))).to_series()
        formatted = stamp.dt.strftime("%Y-%m-%d %H:%M:%S")
        original = date_series.cast(pl.String)
        return pl.select(pl.when(formatted.is_not_null()).then(formatted).otherwise(original)).to_series()

    def _derive(self, batch: Batch, raw, col: dict[str, str]) -> Batch:
        frame = batch.tables["calls"]
        if "answered" in col:
            frame = with_raw(frame, raw, {"_x_answered_raw": col["answered"]})
            flag, failed = parsing.parse_bool(frame.get_column("_x_answered_raw"))
            frame = frame.with_columns(flag.alias("_x_ans"))
            frame = reject_where(frame, failed | flag.is_null(),
                                 f"{col['answered']!r} must be Y/N (yes/no, 1/0); fix the value", raw, batch.rejects,
                                 column=col["answered"], values=text(frame.get_column("_x_answered_raw")))
        else:
            signs = [pl.col(c).is_not_null() & (pl.col(c) > 0) for c in ("wait_seconds", "talk_seconds") if c in frame.columns]
            frame = frame.with_columns(pl.any_horizontal(signs).fill_null(False).alias("_x_ans"))
            batch.notes.append("no Answered column: a call with a speed of answer or talk time counts as answered")
        frame = frame.with_columns(pl.when(pl.col("_x_ans")).then(pl.lit("answered")).otherwise(pl.lit("abandoned"))
                                   .alias("outcome"))
        counts = frame.group_by("outcome").len().sort("outcome")
        batch.notes.append("outcomes: " + ", ".join(f"{o} {n:,}" for o, n in counts.iter_rows()))
        return finish(batch, "calls", frame)
