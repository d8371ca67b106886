"""Customer lists from a CRM or billing system, and churn lists: one row per customer with a churn
date or a churn flag/status, tenure, charges, stated reasons and, often, the customer's support
history as columns of the list itself.

Recognised shapes (headers in ``_contact_maps.CUSTOMER_COLUMNS`` / ``CUSTOMER_PATTERNS``, English
and Russian):
* the sample generator's ``Customer ID,Name,Segment,Plan,Start Date,Status,Churn Date,Churn
  Category,Churn Reason,Monthly Revenue,Total Revenue,Currency``;
* telecom churn exports (IBM/Maven: ``Customer ID, ..., Tenure in Months, Offer, Contract,
  Monthly Charge, Total Charges, Total Revenue, Customer Status, Churn Label, Churn Category,
  Churn Reason``; IBM classic: ``customerID, tenure, Contract, MonthlyCharges, TotalCharges,
  Churn``), with blank or single-space totals and "No internet service" style third values;
* bank churn sheets (``RowNumber, CustomerId, Surname, ..., Tenure, ..., Exited`` and the
  variant with ``Complain, Satisfaction Score``; ``Attrition_Flag, Months_on_book,
  Contacts_Count_12_mon``);
* anonymous churn lists with no customer id (``Account length, ..., Customer service calls,
  Churn`` with TRUE/FALSE or ``True.``/``False.``).

A churn flag plus tenure or charges is enough to tell a customer list (never tickets).

Definitions (``docs/churn.md``):
* churned: the status/flag column read through ``CHURN_VALUES``; a churn date also means churned.
  Unknown status values are left empty and listed in a warning.
* as_of: the date the list describes: ``--as-of``, else the file's modification date.
* tenure: read in the unit its header or values give (days, months, years; ``--tenure-unit``
  overrides), stored in months. Without a start date, started_at = as_of minus tenure, marked
  ``started_estimated``.
* joined: not churned, and a "Joined"/"New" status or tenure 0: counted apart from churn.
* no customer id: ``source_id`` = file name and spreadsheet row (``churn.csv:2``), ``id_from_row``.
* in-list support columns: a contact count, a complaint flag, a satisfaction score (scale from the
  header or the values; ``nps`` when the header asks about recommending).
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

from loaders.adapters import _contact_maps as maps
from loaders.adapters._contact_common import add_raw_column, finish, pick_columns, squash, squashed_headers, text
from loaders.base import Adapter, Batch, LoadError, LoadOptions, Sample
from loaders.files import EXCEL_SUFFIXES, ROW, read_table
from loaders.files import sample as take_sample
from loaders.generic import load_with_mapping
from loaders.parsing import parse_number
from loaders.registry import register

GENERATOR_HEADER = ["Customer ID", "Name", "Segment", "Plan", "Start Date", "Status", "Churn Date", "Churn Category",
                    "Churn Reason", "Monthly Revenue", "Total Revenue", "Currency"]
_ROLE_TO_COLUMN = {"id": "source_id", "name": "name", "segment": "segment", "plan": "plan", "start": "started_at",
                   "churn_date": "churned_at", "category": "churn_category", "reason": "churn_reason",
                   "monthly": "monthly_revenue", "total": "total_revenue", "currency": "currency"}
DAYS_PER_MONTH = 365.25 / 12
TENURE_UNITS = ("days", "months", "years")
_BANK_SIGNALS = {"exited", "numofproducts", "creditscore"}


def _roles(headers: list[str]) -> dict[str, str]:
    """role -> header: exact names first, then the pattern roles on headers nobody took."""
    roles = pick_columns(headers, maps.CUSTOMER_COLUMNS)
    taken = set(roles.values())
    for role, pattern in maps.CUSTOMER_PATTERNS.items():
        if role in roles:
            continue
        for h in headers:
            sq = squash(h)
            if h not in taken and re.search(pattern, sq) and not re.search(maps.CUSTOMER_PATTERN_EXCLUDE, sq):
                roles[role] = h
                taken.add(h)
                break
    return roles


def _is_churn_flag(roles: dict[str, str]) -> bool:
    return "status" in roles and squash(roles["status"]) in maps.CHURN_FLAG_HEADERS


def months_before(as_of: dt.date, months: pl.Series) -> pl.Series:
    """as_of minus whole months (end-of-month clamped), as ISO text; fractional months round down."""
    whole = months.floor().cast(pl.Int64)
    out = pl.select(pl.lit(as_of).cast(pl.Date).dt.offset_by(pl.format("-{}mo", pl.lit(whole)))).to_series()
    return pl.select(pl.when(whole.is_not_null()).then(out.dt.strftime("%Y-%m-%d")).otherwise(None)).to_series()


def days_before(as_of: dt.date, days: pl.Series) -> pl.Series:
    """as_of minus whole days, as ISO text."""
    whole = days.floor().cast(pl.Int64)
    out = pl.select(pl.lit(as_of).cast(pl.Date) - pl.duration(days=pl.lit(whole))).to_series()
    return pl.select(pl.when(whole.is_not_null()).then(out.dt.strftime("%Y-%m-%d")).otherwise(None)).to_series()


def tenure_unit(header: str, values: pl.Series, override: str | None = None,
                bank_sheet: bool = False) -> tuple[str, str]:
    """(unit, why): from --tenure-unit, else the header's words, else the values."""
    if override:
        return override, "--tenure-unit"
    low = header.lower().replace("ё", "е")
    for unit in ("days", "years", "months"):
        if re.search(maps.TENURE_UNIT_WORDS[unit], low):
            return unit, f"the header {header!r}"
    v = values.drop_nulls().drop_nans() if values.dtype.is_float() else values.drop_nulls()
    if v.is_empty():
        return "months", "no values to tell from; months assumed"
    hi = float(v.max())
    if hi > 150:
        return "days", f"the values: the longest is {hi:g}, over 12 years if it were months"
    if bank_sheet and hi <= 10:
        return "years", "the bank churn layout (Exited, NumOfProducts, CreditScore), whose Tenure is whole years 0-10"
    if hi <= 10:
        return "months", f"the values (up to {hi:g}); if they are years, load again with --tenure-unit years"
    return "months", f"the values (up to {hi:g})"


def satisfaction_scale(header: str, values: pl.Series) -> tuple[str, float, float, str]:
    """(kind, scale_min, scale_max, why) of an in-list satisfaction column."""
    low = header.lower().replace("ё", "е")
    kind = "nps" if re.search(r"recommend|\bnps\b|порекоменд|рекомендов", low) else "csat"
    m = re.search(r"(\d+)\s*(?:-|–|—|to|до|из)\s*(\d+)", low)
    if m and float(m.group(1)) < float(m.group(2)):
        return kind, float(m.group(1)), float(m.group(2)), f"the header {header!r}"
    v = values.drop_nulls()
    lo, hi = (float(v.min()), float(v.max())) if not v.is_empty() else (None, None)
    if kind == "nps" and (hi is None or hi <= 10):
        return kind, 0.0, 10.0, "a likelihood-to-recommend answer (0-10)"
    if hi is None or hi <= 5:
        start = 0.0 if lo == 0 else 1.0
        return kind, start, 5.0, f"the values ({lo:g}-{hi:g})" if hi is not None else "no values; 1-5 assumed"
    if hi <= 10:
        start = 0.0 if lo == 0 else 1.0
        return kind, start, 10.0, f"the values ({lo:g}-{hi:g})"
    return kind, 0.0, 100.0 if hi <= 100 else hi, f"the values ({lo:g}-{hi:g})"


def _file_date(path: Path) -> dt.date:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).date()


def _normalised(series: pl.Series) -> pl.Series:
    """Lower case, ё as е, no final full stop ('False.' in some telecom sets)."""
    return (text(series.cast(pl.String)).str.to_lowercase().str.replace_all("ё", "е")
            .str.replace(r"\.$", "").str.strip_chars())


def customer_sheet(path: Path, sheet: str | None = None) -> tuple[str | None, str] | None:
    """(sheet, why) when the file (or the given sheet) reads as a customer / churn list, else None.
    `cli.py suggest` uses it so a churn list is never offered a tickets mapping."""
    adapter = CrmCustomersAdapter()
    sheets = take_sample(Path(path)).sheets or {None: take_sample(Path(path)).headers}
    if sheet is not None:
        sheets = {sheet: sheets.get(sheet, [])}
    scored = [(adapter._score_headers(h), name) for name, h in sheets.items()]
    (score, why), name = max(scored, key=lambda x: x[0][0])
    return (name, why) if score >= 0.5 else None


@register
class CrmCustomersAdapter(Adapter):
    name = "crm_customers"
    title = "Customer / churn list (CRM, billing, telecom or bank churn)"
    family = "customers"
    accepts = ("CSV/XLSX, one row per customer: a churn date or a churn flag/status (Yes/No, 1/0, True/False, "
               "Churned/Stayed/Joined, Exited, Ушёл/Активен) with tenure or charges; optional customer id, churn "
               "category/reason, monthly/total charges, plan, and support columns (service calls, complaint, satisfaction)")

    def _score(self, sample: Sample) -> tuple[float, str]:
        """The best sheet's score (a workbook often starts with a data dictionary or notes sheet)."""
        sheets = sample.sheets or {"": sample.headers}
        best = max(((self._score_headers(h), name) for name, h in sheets.items()), key=lambda x: x[0][0])
        (score, why), name = best
        if score and len(sheets) > 1:
            why = f"sheet {name!r}: {why}"
        return score, why

    def _score_headers(self, headers: list[str]) -> tuple[float, str]:
        if [h.strip().lstrip("\ufeff") for h in headers] == GENERATOR_HEADER:
            return 0.99, "the customers layout (Customer ID, ..., Status, Churn Date, ..., Monthly Revenue)"
        roles = _roles(headers)
        signals = maps.CUSTOMER_SIGNALS & squashed_headers(headers)
        measures = [r for r in ("tenure", "monthly", "total") if r in roles]
        if _is_churn_flag(roles) and measures:
            why = f"churn flag {roles['status']!r} with " + ", ".join(f"{r} {roles[r]!r}" for r in measures)
            return (0.9 if "id" in roles or len(measures) > 1 else 0.85), why
        if "id" not in roles or not signals:
            return 0.0, ""
        score = 0.9 if len(signals) >= 2 else 0.65
        return score, f"customer id {roles['id']!r} and churn/revenue columns {', '.join(sorted(signals))}"

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or ("no customer churn columns: a customer list needs a churn flag or status "
                                          "(Churn, Exited, Customer Status) with tenure or charges, or a customer id "
                                          "with churn/revenue columns")

    def _pick_sheet(self, path: Path, options: LoadOptions) -> tuple[str | None, list[str]]:
        """(sheet, notes): --sheet, else the workbook sheet that reads best as a customer list; the
        other sheets are named in the notes with their columns (never skipped silently)."""
        if options.sheet or path.suffix.lower().lstrip(".") not in EXCEL_SUFFIXES:
            return options.sheet, []
        sheets = take_sample(path).sheets
        if len(sheets) < 2:
            return None, []
        scored = {name: self._score_headers(h)[0] for name, h in sheets.items()}
        chosen = max(scored, key=lambda name: scored[name])
        if not scored[chosen]:
            return None, []
        notes = [f"read sheet {chosen!r} of {len(sheets)} (the customer list)"]
        for name, headers in sheets.items():
            if name != chosen:
                shown = ", ".join(headers[:6]) + (", ..." if len(headers) > 6 else "")
                notes.append(f"sheet {name!r} not loaded: " + (
                    f"another customer list? load it with --sheet {name!r}" if scored[name]
                    else f"not a customer list (columns: {shown or 'none'})"))
        return chosen, notes

    def load(self, path: Path, options: LoadOptions) -> Batch:
        sheet, sheet_notes = self._pick_sheet(path, options)
        raw = read_table(path, sheet=sheet)
        roles = _roles(raw.headers)
        if "id" not in roles and "status" not in roles and "churn_date" not in roles:
            raise LoadError(path.name, ["no customer id column", "no churn flag, status or churn date column"],
                            found=raw.headers,
                            fix="a customer list needs a churn flag or status (e.g. 'Churn' with Yes/No, 'Exited' 1/0, "
                                "'Customer Status' Churned/Stayed/Joined) or a churn date, and ideally a customer id; "
                                "rename the columns or write a mapping (`cli.py suggest FILE --table customers`)")
        notes = sheet_notes + ["customer columns: " + ", ".join(f"{r}={h!r}" for r, h in roles.items())]
        warnings: list[str] = []
        columns = {_ROLE_TO_COLUMN[r]: h for r, h in roles.items() if r in _ROLE_TO_COLUMN}
        n = raw.rows

        # No customer id: the file name and spreadsheet row number identify a row (stable across reloads).
        if "id" not in roles:
            prefix = path.name + (f":{raw.sheet}" if raw.sheet and path.suffix.lower() != ".csv" else "")
            ids = pl.select(pl.format("{}:{}", pl.lit(prefix), raw.frame.get_column(ROW))).to_series()
            add_raw_column(raw, "_x_row_id", ids)
            columns["source_id"] = "_x_row_id"
            add_raw_column(raw, "_x_id_from_row", pl.Series(["true"] * n, dtype=pl.String))
            columns["id_from_row"] = "_x_id_from_row"
            notes.append(f"no customer id column: each row's id is the file name and its row number ({prefix}:2, "
                         f"{prefix}:3, ...); reloading the file replaces the same rows, but tickets, calls and surveys "
                         "cannot be linked to these customers")

        churned = joined_status = None
        if "status" in roles:
            churned, joined_status = self._churn_flag(raw, roles["status"], warnings)
            add_raw_column(raw, "_x_churned", churned)
            columns["churned"] = "_x_churned"

        as_of = options.as_of or _file_date(path)
        add_raw_column(raw, "_x_as_of", pl.Series([as_of.isoformat()] * n, dtype=pl.String))
        columns["as_of"] = "_x_as_of"
        notes.append(f"as of {as_of.isoformat()} ("
                     + ("--as-of" if options.as_of else "the file's modification date; pass --as-of YYYY-MM-DD to change it")
                     + "): the date this list describes")

        tenure_months = None
        unit = None
        if "tenure" in roles:
            header = roles["tenure"]
            values, failed = parse_number(raw.frame.get_column(header))
            bank = bool(_BANK_SIGNALS & squashed_headers(raw.headers)) and squash(header) == "tenure"
            unit, why = tenure_unit(header, values, options.tenure_unit, bank)
            factor = {"days": 1 / DAYS_PER_MONTH, "months": 1.0, "years": 12.0}[unit]
            tenure_months = (values * factor).alias("tenure_months")
            negative = values < 0
            if bool(negative.fill_null(False).any()):
                warnings.append(f"column {header!r}: {int(negative.sum())} negative tenure value(s) left empty, e.g. rows "
                                f"{raw.frame.get_column(ROW).filter(negative.fill_null(False)).head(5).to_list()}")
                tenure_months = pl.select(pl.when(~negative).then(tenure_months)).to_series().alias("tenure_months")
            add_raw_column(raw, "_x_tenure", tenure_months)
            columns["tenure_months"] = "_x_tenure"
            notes.append(f"tenure {header!r} read in {unit} (from {why}), stored in months")
            if int(failed.sum()):
                warnings.append(f"column {header!r}: {int(failed.sum())} value(s) are not a number and were left empty")
            if "started_at" not in columns:
                kept = pl.select(pl.when(~negative.fill_null(False)).then(values)).to_series()
                start = (days_before(as_of, kept) if unit == "days"
                         else months_before(as_of, kept * (12 if unit == "years" else 1)))
                add_raw_column(raw, "_x_started", start)
                columns["started_at"] = "_x_started"
                add_raw_column(raw, "_x_started_estimated",
                               pl.select(pl.when(start.is_not_null()).then(pl.lit("true"))).to_series())
                columns["started_estimated"] = "_x_started_estimated"
                notes.append(f"no start date: started_at estimated as {as_of.isoformat()} (as of) minus {header!r} "
                             f"({unit}); marked estimated")

        # Joined during the period and not churned: counted apart from the churn rate.
        joined = pl.Series([False] * n)
        if joined_status is not None:
            joined = joined | joined_status.fill_null(False)
        if tenure_months is not None and unit != "years":
            joined = joined | (tenure_months == 0).fill_null(False)
        elif tenure_months is not None and bool((tenure_months == 0).any()):
            # Tenure 0 in whole years is anything under a year: those customers were at risk, not new.
            notes.append(f"tenure 0 in years means under a year, so its {int((tenure_months == 0).sum()):,} customer(s) "
                         "are compared as usual, not counted apart as joined during the period")
        if churned is not None:
            joined = joined & (churned != "true").fill_null(True)
        if "churn_date" in roles:
            joined = joined & text(raw.frame.get_column(roles["churn_date"]).cast(pl.String)).is_null()
        add_raw_column(raw, "_x_joined", pl.select(pl.when(joined).then(pl.lit("true")).otherwise(pl.lit("false"))).to_series())
        columns["joined"] = "_x_joined"

        self._support_columns(raw, roles, columns, notes, warnings)
        if "monthly_revenue" not in columns:
            warnings.append("no monthly revenue column: lost-revenue figures will use the calculator's default ARPU")

        mapping = {"table": "customers", "columns": columns}
        batch = load_with_mapping(path, options, mapping, default_source="crm", raw=raw, notes=notes)
        batch.warnings += warnings
        frame = batch.tables["customers"]
        # A churn date means churned, whatever the status says.
        if "churned_at" in frame.columns:
            otherwise = pl.col("churned") if "churned" in frame.columns else pl.lit(False)
            frame = frame.with_columns(pl.when(pl.col("churned_at").is_not_null()).then(True).otherwise(otherwise)
                                       .alias("churned"))
        self._revenue_notes(frame, roles, batch.notes)
        if "churned" in frame.columns:
            churned_n = frame.filter(pl.col("churned").fill_null(False)).height
            unknown = frame.filter(pl.col("churned").is_null()).height
            joined_n = frame.filter(pl.col("joined").fill_null(False)).height if "joined" in frame.columns else 0
            stayed = frame.height - churned_n - unknown - joined_n
            batch.notes.append(f"churned {churned_n:,}, stayed {stayed:,}, joined during the period {joined_n:,} "
                               f"(counted apart)" + (f", unknown {unknown:,}" if unknown else ""))
        return finish(batch, "customers", frame)

    @staticmethod
    def _churn_flag(raw, header: str, warnings: list[str]) -> tuple[pl.Series, pl.Series]:
        """('true'/'false'/None per row, joined-status per row)."""
        values = _normalised(raw.frame.get_column(header))
        vocab = {k.replace("ё", "е"): ("true" if v else "false") for k, v in maps.CHURN_VALUES.items()}
        flag = values.replace_strict(vocab, default=None, return_dtype=pl.String)
        if squash(header) in maps.CUSTOMER_ACTIVE_FLAGS:  # 1 = still a customer
            flag = flag.replace_strict({"true": "false", "false": "true"}, default=None, return_dtype=pl.String)
        joined = values.is_in(list(maps.JOINED_VALUES))
        unknown = values.filter(values.is_not_null() & flag.is_null()).unique().sort().head(10).to_list()
        if unknown:
            warnings.append(f"column {header!r}: status value(s) {unknown} do not say churned or not; churned left empty "
                            f"for those rows (add them to the mapping's [values.churned] or fix the data)")
        return flag, joined

    @staticmethod
    def _support_columns(raw, roles: dict[str, str], columns: dict[str, str], notes: list[str],
                         warnings: list[str]) -> None:
        """The support history the list carries: contact count, complaint flag, satisfaction score."""
        rows = raw.frame.get_column(ROW)
        if "contacts" in roles:
            header = roles["contacts"]
            values, failed = parse_number(raw.frame.get_column(header))
            bad = failed | (values < 0).fill_null(False) | (values != values.floor()).fill_null(False)
            if bool(bad.any()):
                shown = raw.frame.get_column(header).filter(bad).head(3).to_list()
                warnings.append(f"column {header!r}: {int(bad.sum())} value(s) are not a count of contacts (a whole number "
                                f"0 or more) and were left empty, e.g. rows {rows.filter(bad).head(5).to_list()} values {shown}")
            counts = pl.select(pl.when(~bad).then(values)).to_series()
            add_raw_column(raw, "_x_contacts", counts.cast(pl.Int64).cast(pl.String))
            columns["support_contacts"] = "_x_contacts"
            notes.append(f"support contacts from {header!r} (each customer's count of contacts with support)")
        if "complaint" in roles:
            header = roles["complaint"]
            values = _normalised(raw.frame.get_column(header))
            numbers, _ = parse_number(values)
            vocab = {k: ("true" if v else "false") for k, v in maps.COMPLAINT_VALUES.items()}
            flag = values.replace_strict(vocab, default=None, return_dtype=pl.String)
            flag = pl.select(pl.when(flag.is_null() & numbers.is_not_null())
                             .then(pl.when(numbers > 0).then(pl.lit("true")).otherwise(pl.lit("false")))
                             .otherwise(flag)).to_series()
            others = values.filter(values.is_not_null() & flag.is_null()).unique().sort().head(10).to_list()
            if others:
                warnings.append(f"column {header!r}: value(s) {others} are neither yes nor no; the complaint flag is left "
                                "empty for those rows (not counted as complaints or as none)")
            add_raw_column(raw, "_x_complained", flag)
            columns["complained"] = "_x_complained"
            notes.append(f"complaint flag from {header!r} (a complaint counts as one bad support experience)")
        if "satisfaction" in roles:
            header = roles["satisfaction"]
            values, failed = parse_number(raw.frame.get_column(header))
            kind, lo, hi, why = satisfaction_scale(header, values)
            out_of_scale = (values < lo) | (values > hi)
            if bool(out_of_scale.fill_null(False).any()):
                warnings.append(f"column {header!r}: {int(out_of_scale.sum())} value(s) outside the scale {lo:g}-{hi:g} "
                                "were left empty")
                values = pl.select(pl.when(~out_of_scale).then(values)).to_series()
            if int(failed.sum()):
                shown = raw.frame.get_column(header).filter(failed).unique().head(5).to_list()
                warnings.append(f"column {header!r}: {int(failed.sum())} value(s) are not a score ({shown}) and were "
                                "left empty")
            add_raw_column(raw, "_x_satisfaction", values)
            columns["satisfaction_score"] = "_x_satisfaction"
            for name, value in (("satisfaction_scale_min", str(lo)), ("satisfaction_scale_max", str(hi)),
                                ("satisfaction_kind", kind)):
                add_raw_column(raw, f"_x_{name}", pl.Series([value] * raw.rows, dtype=pl.String))
                columns[name] = f"_x_{name}"
            notes.append(f"{'likelihood to recommend' if kind == 'nps' else 'satisfaction score'} from {header!r} on "
                         f"{lo:g}-{hi:g} (from {why}); a low score counts as one bad support experience")

    @staticmethod
    def _revenue_notes(frame: pl.DataFrame, roles: dict[str, str], notes: list[str]) -> None:
        """Negative and blank charges: kept as loaded, counted, and left out of revenue sums."""
        for column, role in (("monthly_revenue", "monthly"), ("total_revenue", "total")):
            if column not in frame.columns:
                continue
            negative = frame.filter(pl.col(column) < 0).height
            blank = frame.filter(pl.col(column).is_null()).height
            parts = []
            if negative:
                parts.append(f"{negative:,} negative (credits or refunds: kept as loaded, left out of revenue sums)")
            if blank:
                parts.append(f"{blank:,} blank (left empty, left out of revenue sums)")
            if parts:
                notes.append(f"{roles[role]!r}: " + "; ".join(parts))
