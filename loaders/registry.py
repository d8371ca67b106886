"""The adapter registry. Built-in adapters register through the same ``register`` a third-party
adapter would use (modules listed in ``BUILTIN`` are imported on first use)."""
from __future__ import annotations

import importlib
from pathlib import Path

from loaders.base import Adapter, LoadError
from loaders.files import sample as take_sample

# Modules whose import registers built-in adapters. Order does not matter: the best score wins.
BUILTIN = [
    "loaders.generic",
    "loaders.adapters",
]
_ADAPTERS: dict[str, Adapter] = {}
_loaded = False


def register(adapter_cls: type[Adapter]) -> type[Adapter]:
    """Class decorator: make an adapter available to detection and ``--format``."""
    instance = adapter_cls()
    if not instance.name:
        raise ValueError(f"{adapter_cls.__name__} has no name")
    _ADAPTERS[instance.name] = instance
    return adapter_cls


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in BUILTIN:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # a real import error inside the module
                raise


def adapters() -> list[Adapter]:
    _load_builtins()
    return sorted(_ADAPTERS.values(), key=lambda a: (a.family, a.name))


def get(name: str) -> Adapter:
    _load_builtins()
    if name not in _ADAPTERS:
        raise LoadError(f"--format {name}", [f"unknown format {name!r}"],
                        fix=f"use one of: {', '.join(sorted(_ADAPTERS))} (`cli.py formats` describes them)")
    return _ADAPTERS[name]


def detect(path: Path) -> list[tuple[Adapter, float, str]]:
    """Every adapter's score for a file, best first."""
    _load_builtins()
    s = take_sample(Path(path))
    scored = []
    for adapter in _ADAPTERS.values():
        try:
            score = float(adapter.detect(s))
        except Exception:  # a detector must never stop detection
            score = 0.0
        if score > 0:
            scored.append((adapter, score, adapter.explain(s)))
    return sorted(scored, key=lambda t: -t[1])


def choose(path: Path, format: str | None = None, mapping: dict | None = None) -> tuple[Adapter, float, str]:
    """The adapter to load ``path`` with: the one named, else the generic loader when the user
    gave a column mapping (the mapping says what the columns are), else the best detected."""
    if format:
        return get(format), 1.0, f"format {format} as given"
    if mapping:
        return get("generic"), 1.0, "read with the column mapping given (--mapping), not detected"
    scored = detect(path)
    if not scored:
        headers = take_sample(Path(path)).headers
        if headers:
            from loaders.suggest import unrecognised

            raise unrecognised(Path(path), headers)
        raise LoadError(Path(path).name, ["no reader recognised this file: no header row or table was found in it"],
                        fix="pass --format NAME (see `cli.py formats`) or a column mapping with --mapping; "
                            "`cli.py detect FILE` shows what each format sees")
    best, score, why = scored[0]
    runner_up = f"; next best {scored[1][0].name} ({scored[1][1]:.0%})" if len(scored) > 1 else ""
    return best, score, f"recognised as {best.title or best.name} ({score:.0%} sure: {why}{runner_up})"
