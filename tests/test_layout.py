"""The suite collects as `make test` runs it (one `pytest` over tests/ and tests/browser/): test
modules are imported by basename (no __init__.py, pytest's default import mode), so two test files
with the same name in different folders stop the whole run at collection."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_no_two_test_modules_share_a_basename():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert not [n for n, k in names.items() if k > 1], sorted(n for n, k in names.items() if k > 1)
