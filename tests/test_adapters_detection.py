"""Detection over every file we have: each fixture (and each real dataset in ../shared/datasets)
goes to its format with a known confidence, and plain CSVs whose headers merely look like a
vendor's (id, created, status, resolved time ...) go to the generic loader.

A new fixture must be added to EXPECTED: the test lists every file under tests/fixtures."""
from __future__ import annotations

from pathlib import Path

import pytest

from loaders import registry
from tests.conftest import SHARED_DATASETS

FIXTURES = Path(__file__).parent / "fixtures"
FOLDERS = {"tickets/fivetran_zendesk"}  # loaded as one folder, not file by file

# path under tests/fixtures (or shared:NAME) -> (format, its confidence)
EXPECTED: dict[str, tuple[str, float]] = {
    "churn/anonymous_service_calls.csv": ("crm_customers", 0.85),  # churn flag + tenure, no id
    "churn/classic_yes_no.csv": ("crm_customers", 0.90),
    "churn/complaint_satisfaction.csv": ("crm_customers", 0.90),
    "churn/status_reasons.csv": ("crm_customers", 0.90),
    "churn/telecom_churn.csv": ("crm_customers", 0.90),
    "contacts/aircall_calls.csv": ("aircall_calls", 0.95),
    "contacts/asterisk_Master.csv": ("asterisk_cdr", 0.97),
    "contacts/asterisk_bad_timestamp.csv": ("asterisk_cdr", 0.97),
    "contacts/bank_churn.csv": ("crm_customers", 0.90),
    "contacts/call_sheet.xlsx": ("call_sheet", 0.92),
    "contacts/customers.csv": ("crm_customers", 0.99),
    "contacts/delighted_responses.csv": ("delighted", 0.95),
    "contacts/nps_sheet.csv": ("survey_sheet", 0.70),
    "contacts/survey_responses.csv": ("survey_sheet", 0.99),
    "contacts/survey_workbook.xlsx": ("survey_sheet", 0.70),
    "contacts/surveymonkey_csat.csv": ("surveymonkey", 0.95),
    "contacts/telecom_churn.csv": ("crm_customers", 0.90),
    "contacts/twilio_calls.csv": ("twilio_calls", 0.95),
    "contacts/typeform_ces.csv": ("typeform", 0.95),
    "tickets/event_log.csv": ("event_log", 0.80),
    "tickets/fivetran_zendesk": ("zendesk_fivetran", 0.97),
    "tickets/freshdesk_tickets.csv": ("freshdesk", 0.982),
    "tickets/freshservice_tickets.csv": ("freshdesk", 0.982),
    "tickets/jira_export.csv": ("jira", 0.965),
    "tickets/servicenow_event_log.csv": ("servicenow", 0.98),
    "tickets/servicenow_incidents_list.csv": ("servicenow", 0.98),
    "tickets/zendesk_export.csv": ("zendesk_csv", 1.00),
    "tickets/zendesk_incremental_page.json": ("zendesk_json", 0.90),
    "tickets/zendesk_tickets.ndjson": ("zendesk_json", 0.97),
}
SHARED_EXPECTED: dict[str, tuple[str, float]] = {
    "servicenow_incident_event_log.csv": ("servicenow", 0.98),
    "bpi2013_volvo_incidents.csv": ("event_log", 0.80),
    "nyc311_2013-12-25.csv": ("generic", 0.30),  # 311 requests: no vendor claims them
}


def fixture_files() -> list[str]:
    out = set(FOLDERS)
    for p in FIXTURES.rglob("*"):
        rel = p.relative_to(FIXTURES).as_posix()
        if p.is_file() and p.suffix != ".toml" and not any(rel.startswith(f + "/") for f in FOLDERS):
            out.add(rel)
    return sorted(out)


def test_every_fixture_has_an_expected_format():
    assert fixture_files() == sorted(EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_fixture_detected_as_expected(rel):
    name, confidence = EXPECTED[rel]
    adapter, score, why = registry.choose(FIXTURES / rel)
    assert adapter.name == name, why
    assert score == pytest.approx(confidence, abs=0.001), why
    # The winner is clear: no other reader comes close.
    scores = registry.detect(FIXTURES / rel)
    if len(scores) > 1:
        assert scores[0][1] - scores[1][1] >= 0.1, [(a.name, s) for a, s, _ in scores]


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_DATASETS.exists(), reason="../shared/datasets is absent")
@pytest.mark.parametrize("file_name", sorted(SHARED_EXPECTED))
def test_real_dataset_detected_as_expected(file_name):
    name, confidence = SHARED_EXPECTED[file_name]
    adapter, score, why = registry.choose(SHARED_DATASETS / file_name)
    assert (adapter.name, round(score, 2)) == (name, confidence), why


# ----------------------------------------------------------------------------- plain CSVs
PLAIN = [
    "id,created,status,priority,subject",
    "ID,Subject,Status,Priority,Created at,Updated at",
    "ID,Subject,Status,Priority,Via,Created at,Solved at",  # one Zendesk-only header is not enough
    "Ticket ID,Subject,Status,Priority,Created,Agent",
    # Headers Freshdesk also uses, but nothing only a Freshdesk export has:
    "Ticket ID,Subject,Status,Priority,Created time,Agent,Resolved time,Closed time,Last update time",
    "Issue key,Summary,Status,Created,Priority",
]


@pytest.mark.parametrize("header", PLAIN)
def test_plain_ticket_csv_goes_to_the_generic_loader(tmp_path, header):
    n = len(header.split(","))
    rows = [",".join(["1"] + ["2024-03-04 10:00" if "creat" in h.lower() else "x" for h in header.split(",")[1:]]),
            ",".join(["2"] + ["2024-03-05 11:00" if "creat" in h.lower() else "y" for h in header.split(",")[1:]])]
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join([header] + rows) + "\n", encoding="utf-8")
    scores = {a.name: s for a, s, _ in registry.detect(path)}
    assert set(scores) == {"generic"}, scores
    adapter, score, _ = registry.choose(path)
    assert adapter.name == "generic" and score == 0.3 and n >= 5


def test_freshdesk_export_with_few_columns_is_still_freshdesk(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Ticket ID,Subject,Status,Priority,Created time,First response time (in hrs),Resolution time (in hrs)\n"
                    "1,Hi,Open,Low,2024-03-04 10:00:00,01:30:00,\n", encoding="utf-8")
    adapter, score, why = registry.choose(path)
    assert adapter.name == "freshdesk" and score >= 0.8, why
