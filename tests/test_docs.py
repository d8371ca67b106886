"""Everything a user can read about must be written down: a test fails when a canonical
column, a setting, a registered metric, a ticket_metrics column or a format is undocumented."""
from __future__ import annotations

import ast
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
        if isinstance(v, dict) and v:
            keys += _flatten(v, name + ".")
        else:  # a value, or an empty table whose default is {} (money.exchange_rates)
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


def _table_rows(text: str, heading: str) -> set[str]:
    """The first-column names (`` `name` ``) of the Markdown table rows under a ``## heading``."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    body = match.group(1) if match else ""
    return set(re.findall(r"^\| `([\w.]+)` \|", body, re.M))


def test_every_registered_metric_is_documented():
    from metrics.registry import METRICS

    text = (DOCS / "metrics.md").read_text()
    # Drill-down predicates share the first column of a table with metric ids: only the metric
    # tables (one per fact section) count.
    documented = set()
    for heading in ("Tickets", "Satisfaction", "Calls"):
        documented |= _table_rows(text, heading)
    missing = [m for m in METRICS if m not in documented]
    assert not missing, f"registered metrics missing from docs/metrics.md (a `| \\`id\\` |` table row): {missing}"
    unknown = sorted(documented - set(METRICS))
    assert not unknown, f"docs/metrics.md documents ids the registry does not have: {unknown}"


def test_every_analysis_figure_is_documented():
    from metrics.registry import ANALYSES

    documented = _table_rows((DOCS / "metrics.md").read_text(), "Analyses")
    missing = [m for m in ANALYSES if m not in documented]
    assert not missing, f"analysis figures missing from docs/metrics.md (## Analyses): {missing}"
    unknown = sorted(documented - set(ANALYSES))
    assert not unknown, f"docs/metrics.md, ## Analyses, documents ids the registry does not have: {unknown}"


def test_every_ticket_metrics_column_is_documented():
    from metrics import derive

    text = (DOCS / "ticket_metrics.md").read_text()
    documented = _table_rows(text, "Columns")
    missing = [c for c in derive.COLUMNS if c not in documented]
    assert not missing, f"ticket_metrics columns missing from docs/ticket_metrics.md (## Columns): {missing}"
    unknown = sorted(documented - set(derive.COLUMNS))
    assert not unknown, f"docs/ticket_metrics.md documents columns ticket_metrics does not have: {unknown}"


# ----------------------------------------------------------------------------- settings the code reads
CODE = ["app.py", "cli.py", "config.py", "metrics", "reports", "ui", "pages", "loaders", "sample_data"]
# Names that hold one section (or sub-section) of the settings by convention in the code.
SECTION_NAMES = {"churn": ("churn",), "negative": ("churn", "negative")}
# Keys the code reads that deliberately have no default: (key, why).
READ_WITHOUT_DEFAULT = {
    "reports.snapshots_dir": "older name ui/data.py still accepts after snapshots.dir",
    "snapshots.path": "older name ui/data.py still accepts after snapshots.dir",
}


def _settings_reads(tree) -> set[tuple[str, ...]]:
    """Key paths read from the settings: `config.get()`, a name `settings`, names holding a
    section (assigned from one, or SECTION_NAMES), chained `["k"]` / `.get("k")` /
    `.setdefault("k")`, `for section, key in (("a", "b"), ...)` loops and metric `settings_keys=`."""
    found: set[tuple[str, ...]] = set()

    def path(node, names):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "config" and not node.args:
            return ()
        if isinstance(node, ast.Name):
            if node.id in names:
                return names[node.id]
            return () if node.id == "settings" else SECTION_NAMES.get(node.id)
        if isinstance(node, ast.Attribute) and node.attr == "settings" and isinstance(node.value, ast.Name) and node.value.id == "ctx":
            return ("metrics",)  # the metrics engine's context holds the [metrics] section
        if isinstance(node, ast.BoolOp):
            return next((p for p in (path(v, names) for v in node.values) if p is not None), None)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and node.args:
            return path(node.args[0], names)
        key = None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            key, base = node.slice.value, node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "setdefault") \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            key, base = node.args[0].value, node.func.value
        if key is None:
            return None
        p = path(base, names)
        return None if p is None else p + (key,)

    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        names: dict[str, tuple[str, ...]] = {}
        for node in ast.walk(func):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id != "settings":
                p = path(node.value, names)
                if p is not None:
                    names[node.targets[0].id] = p
            if isinstance(node, ast.For) and isinstance(node.target, ast.Tuple) and isinstance(node.iter, ast.Tuple):
                pairs = [tuple(e.value for e in t.elts) for t in node.iter.elts
                         if isinstance(t, ast.Tuple) and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in t.elts)]
                body = ast.unparse(node)
                if pairs and "settings" in body and len(pairs) == len(node.iter.elts):
                    found.update(pairs)
            if isinstance(node, ast.keyword) and node.arg == "settings_keys" and isinstance(node.value, ast.Tuple):
                found.update(("metrics", e.value) for e in node.value.elts if isinstance(e, ast.Constant))
            if isinstance(node, (ast.Subscript, ast.Call)):
                p = path(node, names)
                if p:
                    found.add(p)
    return found


def test_every_setting_the_code_reads_has_a_default_and_is_documented():
    defaults = tomllib.loads((ROOT / "settings.default.toml").read_text())
    default_text = (ROOT / "settings.default.toml").read_text()
    documented = (DOCS / "settings.md").read_text()
    keys = set(_flatten(defaults))
    sections = {k.rsplit(".", 1)[0] for k in keys if "." in k} | {""}
    leaves: dict[str, set[str]] = {}
    for k in keys:
        leaves.setdefault(k.rsplit(".", 1)[-1], set()).add(k)
    files = [p for entry in CODE for p in ([ROOT / entry] if entry.endswith(".py") else sorted((ROOT / entry).rglob("*.py")))]
    problems = []
    read: set[str] = set()
    for f in files:
        for p in _settings_reads(ast.parse(f.read_text(encoding="utf-8"))):
            key = ".".join(p)
            read.add(key)
            if key in sections or key in READ_WITHOUT_DEFAULT:
                continue
            if len(p) == 1 and p[0] in leaves:
                continue  # a section handed over as `settings` (e.g. [metrics]); its key exists
            # A key may be listed in settings.default.toml commented out when it has no default ("# key = ...").
            section, _, leaf = key.rpartition(".")
            commented = re.search(rf"^\[{re.escape(section)}\][^\[]*^#\s*{re.escape(leaf)}\s*=", default_text, re.M | re.S)
            if key not in keys and not commented:
                problems.append(f"{f.relative_to(ROOT)} reads {key}, which settings.default.toml lacks")
            elif f"`{key}`" not in documented:
                problems.append(f"{f.relative_to(ROOT)} reads {key}, which docs/settings.md does not document")
    problems += [f"READ_WITHOUT_DEFAULT lists {k}, which no code reads any more: remove it" for k in READ_WITHOUT_DEFAULT if k not in read]
    assert not problems, "\n".join(sorted(set(problems)))


def test_settings_scan_sees_reads_through_section_variables():
    tree = ast.parse(
        "def f(settings):\n"
        "    churn = dict(settings.get('churn') or {})\n"
        "    a = churn.get('cost_to_retain')\n"
        "    b = config.get()['ui']['currency']\n"
        "    for section, key in (('snapshots', 'dir'),):\n"
        "        settings.get(section, {}).get(key)\n")
    assert {("churn", "cost_to_retain"), ("ui", "currency"), ("snapshots", "dir")} <= _settings_reads(tree)
