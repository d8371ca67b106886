"""Replace personal data with stable pseudonyms before anything is stored (GDPR / 152-FZ).

Applied by the store to an adapter's Batch when ``LoadOptions.pseudonymize`` is set, so no
personal value ever reaches the database, the rejects table or a report:
- names and contact columns (ticket requester, customer name, caller number, customer-role
  event actors) become ``Person-1a2b3c4d`` / ``Customer-...`` / ``Phone-...``;
- ids that are themselves e-mails or phone numbers (a Zendesk requester id, a CDR caller) are
  replaced the same way everywhere, so tickets, calls, surveys and customers still join;
- free text (subjects, descriptions, comments, churn reasons, event values) has e-mail addresses, phone
  numbers and the names seen in the name columns of the same file replaced;
- rejected rows keep their row number and reason; their raw content is dropped.

The pseudonym is an HMAC-SHA256 of the value under a key: ``$DESKSCOPE_PSEUDONYM_KEY`` when
set (stable across runs and machines: the same client gets the same pseudonyms in next month's
audit), otherwise a random key per process (stable within one run only). Names inside free
text that appear nowhere in a name column cannot be recognised; this is written in the report.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

import polars as pl

_KEY = (os.environ.get("DESKSCOPE_PSEUDONYM_KEY") or secrets.token_hex(32)).encode()

EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
PHONE = r"(?:\+?\d[\d\-\s().]{6,}\d)"
_EMAIL_RE = re.compile(EMAIL)
_PHONE_RE = re.compile(PHONE)

# (table, column) -> pseudonym prefix for whole-value replacement
NAME_COLUMNS = {
    ("tickets", "requester"): "Person",
    ("customers", "name"): "Customer",
    ("calls", "caller"): "Phone",
}
# Identifier columns replaced only when the value is an e-mail or a phone number.
ID_COLUMNS = {
    "tickets": ["customer_id"],
    "calls": ["customer_id", "source_id"],
    "surveys": ["customer_id"],
    "customers": ["source_id"],
}
TEXT_COLUMNS = {
    "tickets": ["subject", "description", "tags"],
    "ticket_events": ["value", "previous_value"],
    "surveys": ["comment"],
    "customers": ["churn_reason"],
    "calls": ["queue"],
}


def pseudonym(value: str, prefix: str = "Person") -> str:
    digest = hmac.new(_KEY, value.strip().lower().encode(), hashlib.sha256).hexdigest()[:10]
    return f"{prefix}-{digest}"


def _contact_prefix(value: str) -> str:
    return "Email" if "@" in value else "Phone"


def _whole(series: pl.Series, prefix: str) -> pl.Series:
    return series.map_elements(lambda v: pseudonym(v, prefix), return_dtype=pl.String, skip_nulls=True)


def _ids(series: pl.Series) -> pl.Series:
    looks_personal = series.str.contains(f"^(?:{EMAIL}|{PHONE})$").fill_null(False)
    if not bool(looks_personal.any()):
        return series
    return pl.select(pl.when(looks_personal)
                     .then(series.map_elements(lambda v: pseudonym(v, _contact_prefix(v)), return_dtype=pl.String, skip_nulls=True))
                     .otherwise(series)).to_series().alias(series.name)


def scrub_text(text: str | None, names: dict[str, str] | None = None, names_re: re.Pattern | None = None) -> str | None:
    if text is None:
        return None
    text = _EMAIL_RE.sub(lambda m: pseudonym(m.group(0), "Email"), text)
    text = _PHONE_RE.sub(lambda m: pseudonym(m.group(0), "Phone") if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0), text)
    if names and names_re is not None:
        text = names_re.sub(lambda m: names.get(m.group(0).lower(), m.group(0)), text)
    return text


def apply(batch):
    """Pseudonymise a ``loaders.base.Batch`` in place and return it."""
    names: dict[str, str] = {}
    for (table, column), prefix in NAME_COLUMNS.items():
        frame = batch.tables.get(table)
        if frame is not None and column in frame.columns:
            for v in frame.get_column(column).drop_nulls().unique().to_list():
                if len(v.strip()) >= 3:
                    names[v.strip().lower()] = pseudonym(v, prefix)
    names_re = None
    if names and len(names) <= 20_000:
        alternatives = sorted((re.escape(n) for n in names), key=len, reverse=True)
        names_re = re.compile(r"(?i)\b(?:" + "|".join(alternatives) + r")\b")
    for table, frame in list(batch.tables.items()):
        if frame is None:
            continue
        cols = {}
        for (tbl, column), prefix in NAME_COLUMNS.items():
            if tbl == table and column in frame.columns:
                cols[column] = _whole(frame.get_column(column).cast(pl.String), prefix)
        for column in ID_COLUMNS.get(table, []):
            if column in frame.columns:
                cols[column] = _ids(frame.get_column(column).cast(pl.String))
        for column in TEXT_COLUMNS.get(table, []):
            if column in frame.columns:
                cols[column] = frame.get_column(column).cast(pl.String).map_elements(
                    lambda v: scrub_text(v, names, names_re), return_dtype=pl.String, skip_nulls=True)
        if table == "ticket_events" and "actor" in frame.columns and "actor_role" in frame.columns:
            actor = frame.get_column("actor").cast(pl.String)
            is_customer = (frame.get_column("actor_role") == "customer").fill_null(False)
            cols["actor"] = pl.select(pl.when(is_customer).then(_whole(actor, "Person")).otherwise(_ids(actor))).to_series()
        if cols:
            batch.tables[table] = frame.with_columns([s.alias(c) for c, s in cols.items()])
    for row in batch.rejects.rows:
        row["raw"] = None
        row["value"] = scrub_text(row.get("value"), names, names_re)
        row["reason"] = scrub_text(row.get("reason"), names, names_re)
    batch.warnings = [scrub_text(w, names, names_re) for w in batch.warnings]
    batch.notes.append("personal data replaced by pseudonyms before storing (names, e-mails, phone numbers, "
                       "names in free text); rejected rows keep no raw content")
    return batch
