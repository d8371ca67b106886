"""Tables -> numbers. Importing this package registers the derived-table builders with the store
(``loaders.store``): the full builders as post-load hooks (a full write rebuilds them, in order),
their incremental replacement for delta writes, and which derived tables are large (kept as new
rows + dead row ids in a delta), additive (cubes) and how each is sorted."""
from __future__ import annotations

import hashlib
import json

from loaders import store as _store
from loaders.store import POST_LOAD_HOOKS
from metrics import derive, incremental, rollups, values

# Run in this order after every write; a builder that reads ticket_metrics goes after derive.build.
# values.apply first: team and category spellings are merged before anything is derived from them
# (on a delta write it changes nothing, or asks for a full write: metrics/values.py).
HOOKS = (values.apply, derive.build, rollups.build_rollups)


def _registered(hook) -> bool:
    # compare by name: a re-imported module gives a new function object for the same hook
    return any(getattr(h, "__module__", None) == hook.__module__ and getattr(h, "__qualname__", None) == hook.__qualname__
               for h in POST_LOAD_HOOKS)


def fingerprint() -> str:
    """What every derived row depends on besides the data: a different value rebuilds them all."""
    import config

    settings = config.get()
    metric_settings = settings.get("metrics", {})
    parts = {"sla": settings.get("sla"), "business_hours": settings.get("business_hours"),
             "repeat_contact_days": metric_settings.get("repeat_contact_days"), "rollups": rollups.VERSION,
             "columns": derive.COLUMNS,
             "facts": {f.name: f.fingerprint(metric_settings) for f in rollups._facts()}}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


for _hook in HOOKS:
    if not _registered(_hook):
        POST_LOAD_HOOKS.append(_hook)
    if _hook is not values.apply:  # values.apply runs as it is on a delta write too (metrics/values.py)
        _store.register_incremental(_hook, incremental.INCREMENTAL)
_store.DERIVED_KEYS.update({derive.TABLE: ("source", "source_id"), "survey_facts": ("source", "source_id"),
                            rollups.SAMPLE_TABLE: ("source", "source_id")})
_store.TABLE_ORDER.update({derive.TABLE: "created_at, source, source_id", "survey_facts": "responded_at",
                           rollups.SAMPLE_TABLE: "u"})
_store.ADDITIVE.update(rollups.cube_tables())
if not any(getattr(f, "__qualname__", "") == "fingerprint" and getattr(f, "__module__", "") == __name__
           for f in _store.FINGERPRINT):
    _store.FINGERPRINT.append(fingerprint)
