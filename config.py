"""Settings: ``settings.default.toml`` (documented defaults) overlaid with the user's file
(``settings.toml`` beside it, or the path in ``$DESKSCOPE_SETTINGS``)."""
from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULTS = HERE / "settings.default.toml"
_cache: dict[tuple, dict] = {}


def user_path() -> Path:
    return Path(os.environ.get("DESKSCOPE_SETTINGS", HERE / "settings.toml"))


def defaults() -> dict:
    with open(DEFAULTS, "rb") as fh:
        return tomllib.load(fh)


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def get() -> dict:
    """The settings in force (re-read when the user's file changes)."""
    path = user_path()
    try:
        stamp = (str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        stamp = (str(path), None)
    if stamp not in _cache:
        settings = defaults()
        if stamp[1] is not None:
            with open(path, "rb") as fh:
                settings = _merge(settings, tomllib.load(fh))
        _cache.clear()
        _cache[stamp] = settings
    return copy.deepcopy(_cache[stamp])


def save(changes: dict) -> Path:
    """Write the user's settings file (only what differs from the defaults is needed)."""
    path = user_path()
    current = {}
    if path.exists():
        with open(path, "rb") as fh:
            current = tomllib.load(fh)
    merged = _merge(current, changes)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(to_toml(merged), encoding="utf-8")
    os.replace(tmp, path)
    return path


def _key(k) -> str:
    """A TOML key: bare when it can be, else quoted (e-mail addresses in [access.teams])."""
    import json
    import re

    k = str(k)
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def _value(v) -> str:
    import json

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def to_toml(data: dict, prefix: str = "") -> str:
    lines, tables, arrays = [], [], []
    for k, v in data.items():
        if isinstance(v, dict):
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            arrays.append((k, v))
        else:
            lines.append(f"{_key(k)} = {_value(v)}")
    out = "\n".join(lines)
    for k, v in tables:
        name = f"{prefix}{_key(k)}"
        body = to_toml(v, name + ".")
        out += f"\n\n[{name}]\n" + body
    for k, items in arrays:
        name = f"{prefix}{_key(k)}"
        for item in items:
            out += f"\n\n[[{name}]]\n" + "\n".join(f"{_key(ik)} = {_value(iv)}" for ik, iv in item.items())
    return out.strip() + "\n"
