"""The notes metrics/churn.py and metrics/engine.py write in English reach a Russian page in Russian
(the Churn page's "Technical notes" used to say "(in English)" and print them as written)."""
from __future__ import annotations

import re

import pytest

from tests.browser.latin import ALLOW
from ui import i18n

# One instance of every note the churn analysis and the engine write (the f-strings' output).
NOTES = [
    "customers.currency holds 2 currencies (EUR, USD); revenue is summed as is (no conversion) and shown in USD "
    "from settings ui.currency",
    "ticket_metrics is missing (metrics/derive.py has not run), so SLA breaches and repeat contacts are not counted; "
    "slow replies use tickets.first_response_at",
    "the customer list describes 2026-06-30 (its as-of date); churn figures are as of that date, not 2026-09-01",
    "1,234 customers have support columns in the list and loaded tickets, calls or surveys too: the in-list figures "
    "use only the list's columns, the measured comparison only the loaded records; they are never added together",
    "12,345 survey responses have no date: they cannot be placed in the window before a churn date and are left out "
    "of the comparison (a snapshot list counts them)",
    "snapshot list: churn flags without dates, so every support record up to the as-of date counts (the exposure "
    "window is the whole tenure) and contacts after a customer left cannot be told apart; rates have no period "
    "(docs/churn.md, 'Snapshot lists')",
    "3,210 survey response(s) have no date: the date filter leaves them out (they count in all-time figures)",
    "crude: risk difference with Newcombe's hybrid score interval (Wilson)",
    "Mantel-Haenszel risk difference over plan x segment, Sato variance",
    "3 of 12 strata have only exposed or only unexposed customers and carry no weight in the stratified estimate",
    "the previous period (2024-02-28 to 2024-03-03) starts before the first record of calls (2024-03-01), tickets "
    "(2024-03-01): their counts and the backlog's age are not compared",
]
# Identifiers a note names on purpose (a table, a file, a setting, the names of methods' authors).
NAMES = {"customers", "currency", "ticket_metrics", "metrics", "derive", "py", "tickets", "first_response_at",
         "ui", "docs", "churn", "md", "snapshot", "lists", "eur", "mantel", "newcombe", "wilson", "sato"}


@pytest.mark.parametrize("note", NOTES)
def test_every_note_reads_in_russian(note):
    ru = i18n.method_note(note, "ru")
    assert ru != note
    latin = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z_]*", ru)} - ALLOW - NAMES
    assert not latin, (ru, latin)
    assert i18n.method_note(note, "en") == note


def test_counts_in_notes_take_the_russian_number_format():
    ru = i18n.method_note(NOTES[4], "ru")
    assert ru.startswith("12\N{NO-BREAK SPACE}345 ") or ru.startswith("12\N{NARROW NO-BREAK SPACE}345 "), ru
    assert "2026-06-30" in i18n.method_note(NOTES[2], "ru") and "2026-09-01" in i18n.method_note(NOTES[2], "ru")
    assert "(EUR, USD)" in i18n.method_note(NOTES[0], "ru")


def test_the_notes_expander_is_not_labelled_english_in_russian():
    assert "англ" not in i18n.t("ch.notes", "ru")
