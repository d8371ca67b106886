"""The real public files in ../shared/datasets through the generic loader with a mapping.

Skipped when ../shared is absent (a user's fresh clone). Expected counts come from the
dataset notes (../shared/datasets/SOURCES.md) and were re-counted with `wc -l`/awk."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from loaders.base import LoadOptions
from loaders.mapping import read_mapping
from loaders.store import Store
from tests.conftest import SHARED_DATASETS

MAPS = Path(__file__).parent / "fixtures" / "mappings"
pytestmark = [pytest.mark.shared,
              pytest.mark.skipif(not SHARED_DATASETS.exists(), reason="../shared/datasets is absent")]


def load(tmp_path, file_name, mapping_name):
    store = Store(tmp_path / "d.duckdb")
    [r] = store.load_files([SHARED_DATASETS / file_name], LoadOptions(mapping=read_mapping(MAPS / mapping_name)))
    assert r.status == "loaded", r.error
    assert r.rows_in == r.rows_loaded + r.rows_rejected
    return store, r


def test_nyc311_as_tickets(tmp_path):
    store, r = load(tmp_path, "nyc311_2013-12-25.csv", "nyc311_tickets.toml")
    assert (r.rows_in, r.rows_rejected) == (2386, 0)
    q = store.query
    assert q("SELECT count(*) FROM tickets WHERE closed_at IS NULL").item() == 77
    assert q("SELECT count(*) FROM tickets WHERE closed_at < created_at").item() == 1
    assert q("SELECT count(*) FROM tickets WHERE closed_at IS NOT NULL AND due_at IS NOT NULL").item() == 419
    assert q("SELECT count(*) FROM tickets WHERE closed_at > due_at").item() == 46
    # 12/25/2013 11:59:08 PM in New York (EST, UTC-5) = 2013-12-26 04:59:08 UTC
    assert q("SELECT created_at FROM tickets WHERE source_id = '26984072'").item() == dt.datetime(2013, 12, 26, 4, 59, 8)
    # Every request was created on 2013-12-25 local time: 05:00 UTC that day .. 05:00 UTC the next.
    lo, hi = q("SELECT min(created_at), max(created_at) FROM tickets").row()
    assert lo >= dt.datetime(2013, 12, 25, 5) and hi < dt.datetime(2013, 12, 26, 5)


def test_servicenow_rows_as_events(tmp_path):
    store, r = load(tmp_path, "servicenow_incident_event_log.csv", "servicenow_events.toml")
    assert (r.rows_in, r.rows_rejected) == (119_998, 0)
    assert store.query("SELECT count(DISTINCT ticket_id) FROM ticket_events").item() == 20_769
    # Day-first without padding: 29/2/2016 01:23 (a leap day) is 29 February.
    first = store.query("SELECT min(event_at) FROM ticket_events WHERE ticket_id = 'INC0000045'").item()
    assert first == dt.datetime(2016, 2, 29, 1, 23)


def test_bpi2013_events(tmp_path):
    store, r = load(tmp_path, "bpi2013_volvo_incidents.csv", "bpi2013_events.toml")
    assert (r.rows_in, r.rows_rejected) == (65_533, 0)
    assert store.query("SELECT count(DISTINCT ticket_id) FROM ticket_events").item() == 7_554
    # 2010-03-31T15:59:42+01:00 = 14:59:42 UTC (the offset in the file wins)
    assert store.query("SELECT min(event_at) FROM ticket_events").item() == dt.datetime(2010, 3, 31, 14, 59, 42)
