"""Customer lists from a CRM or billing system: id, start date, churn date or a status/flag,
churn category and reason, monthly and total revenue, plan, segment.

Recognised shapes (headers in ``_contact_maps.CUSTOMER_COLUMNS``, English and Russian):
* the sample generator's ``Customer ID,Name,Segment,Plan,Start Date,Status,Churn Date,Churn
  Category,Churn Reason,Monthly Revenue,Total Revenue,Currency``;
* telecom churn exports (IBM/Maven: ``Customer ID, ..., Tenure in Months, Offer, Contract,
  Monthly Charge, Total Charges, Total Revenue, Customer Status, Churn Label, Churn Category,
  Churn Reason``; IBM classic: ``customerID, tenure, Contract, MonthlyCharges, TotalCharges,
  Churn``);
* the Kaggle bank churn sheet (``RowNumber, CustomerId, Surname, ..., Tenure, ..., Exited``).

Definitions:
* churned: the status/flag column read through ``CHURN_VALUES`` (Churned/Yes/1/Exited/Ушёл ->
  churned; Stayed/Joined/Active/No/0 -> not); a churn date also means churned. Unknown status
  values are left empty and listed in a warning.
* started_at: the start date column; without one, the load date minus the tenure (months, or
  years for the bank sheet) — the load report says so, because it is an estimate.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from loaders.adapters import _contact_maps as maps
from loaders.adapters._contact_common import add_raw_column, finish, pick_columns, require, squash, squashed_headers, text
from loaders.base import Adapter, Batch, LoadOptions, Sample
from loaders.files import read_table
from loaders.generic import load_with_mapping
from loaders.parsing import parse_number
from loaders.registry import register

GENERATOR_HEADER = ["Customer ID", "Name", "Segment", "Plan", "Start Date", "Status", "Churn Date", "Churn Category",
                    "Churn Reason", "Monthly Revenue", "Total Revenue", "Currency"]
_ROLE_TO_COLUMN = {"id": "source_id", "name": "name", "segment": "segment", "plan": "plan", "start": "started_at",
                   "churn_date": "churned_at", "category": "churn_category", "reason": "churn_reason",
                   "monthly": "monthly_revenue", "total": "total_revenue", "currency": "currency"}


def _roles(headers: list[str]) -> dict[str, str]:
    roles = pick_columns(headers, maps.CUSTOMER_COLUMNS)
    squashed = squashed_headers(headers)
    if "tenure_months" in roles and ({"exited", "numofproducts", "creditscore"} & squashed) \
            and squash(roles["tenure_months"]) == "tenure":
        roles["tenure_years"] = roles.pop("tenure_months")  # the bank sheet counts tenure in years
    return roles


def months_before(as_of: dt.date, months: pl.Series) -> pl.Series:
    """as_of minus whole months (end-of-month clamped), as ISO text; fractional months round down."""
    whole = months.floor().cast(pl.Int64)
    out = pl.select(pl.lit(as_of).cast(pl.Date).dt.offset_by(pl.format("-{}mo", pl.lit(whole)))).to_series()
    return pl.select(pl.when(whole.is_not_null()).then(out.dt.strftime("%Y-%m-%d")).otherwise(None)).to_series()


@register
class CrmCustomersAdapter(Adapter):
    name = "crm_customers"
    title = "Customer / churn list (CRM, billing, telecom churn)"
    family = "customers"
    accepts = "CSV/XLSX with customer id and churn date or status/flag, churn category/reason, monthly/total revenue, plan"

    def _score(self, sample: Sample) -> tuple[float, str]:
        headers = sample.headers or next(iter(sample.sheets.values()), [])
        if [h.strip().lstrip("\ufeff") for h in headers] == GENERATOR_HEADER:
            return 0.99, "the customers layout (Customer ID, ..., Status, Churn Date, ..., Monthly Revenue)"
        roles = _roles(headers)
        signals = maps.CUSTOMER_SIGNALS & squashed_headers(headers)
        if "id" not in roles or not signals:
            return 0.0, ""
        score = 0.9 if len(signals) >= 2 else 0.65
        return score, f"customer id {roles['id']!r} and churn/revenue columns {', '.join(sorted(signals))}"

    def detect(self, sample: Sample) -> float:
        return self._score(sample)[0]

    def explain(self, sample: Sample) -> str:
        return self._score(sample)[1] or "no customer churn columns"

    def load(self, path: Path, options: LoadOptions) -> Batch:
        raw = read_table(path, sheet=options.sheet)
        roles = _roles(raw.headers)
        require(path.name, raw.headers, roles, {"id": "customer id"},
                fix="add a customer id column (it links customers to tickets, calls and surveys) or use a column mapping")
        notes = ["customer columns: " + ", ".join(f"{r}={h!r}" for r, h in roles.items())]
        warnings: list[str] = []
        columns = {_ROLE_TO_COLUMN[r]: h for r, h in roles.items() if r in _ROLE_TO_COLUMN}
        if "status" in roles:
            add_raw_column(raw, "_x_churned", self._churn_flag(raw, roles["status"], warnings))
            columns["churned"] = "_x_churned"
        if "started_at" not in columns and ("tenure_months" in roles or "tenure_years" in roles):
            unit = "tenure_months" if "tenure_months" in roles else "tenure_years"
            tenure, _ = parse_number(raw.frame.get_column(roles[unit]))
            months = tenure * (12 if unit == "tenure_years" else 1)
            as_of = dt.datetime.now(dt.UTC).date()
            add_raw_column(raw, "_x_started", months_before(as_of, months))
            columns["started_at"] = "_x_started"
            notes.append(f"no start date: started_at estimated as {as_of.isoformat()} (load date) minus {roles[unit]!r} "
                         f"({'years' if unit == 'tenure_years' else 'months'})")
        if "monthly_revenue" not in columns:
            warnings.append("no monthly revenue column: lost-revenue figures will use the calculator's default ARPU")
        mapping = {"table": "customers", "columns": columns}
        batch = load_with_mapping(path, options, mapping, default_source="crm", raw=raw, notes=notes)
        batch.warnings += warnings
        frame = batch.tables["customers"]
        # A churn date means churned, whatever the status says.
        if "churned_at" in frame.columns:
            # No status column: churned exactly when there is a churn date.
            otherwise = pl.col("churned") if "churned" in frame.columns else pl.lit(False)
            frame = frame.with_columns(pl.when(pl.col("churned_at").is_not_null()).then(True).otherwise(otherwise)
                                       .alias("churned"))
        if "churned" in frame.columns:
            counts = frame.group_by("churned").len().sort("churned")
            batch.notes.append("churned: " + ", ".join(f"{'yes' if k else 'no' if k is not None else 'unknown'} {n:,}"
                                                       for k, n in counts.iter_rows()))
        return finish(batch, "customers", frame)

    @staticmethod
    def _churn_flag(raw, header: str, warnings: list[str]) -> pl.Series:
        values = text(raw.frame.get_column(header).cast(pl.String)).str.to_lowercase().str.replace_all("ё", "е")
        vocab = {k.replace("ё", "е"): ("true" if v else "false") for k, v in maps.CHURN_VALUES.items()}
        flag = values.replace_strict(vocab, default=None, return_dtype=pl.String)
        if squash(header) in maps.CUSTOMER_ACTIVE_FLAGS:  # 1 = still a customer
            flag = flag.replace_strict({"true": "false", "false": "true"}, default=None, return_dtype=pl.String)
        unknown = values.filter(values.is_not_null() & flag.is_null()).unique().sort().head(10).to_list()
        if unknown:
            warnings.append(f"column {header!r}: status value(s) {unknown} do not say churned or not; churned left empty "
                            f"for those rows (add them to the mapping's [values.churned] or fix the data)")
        return flag
