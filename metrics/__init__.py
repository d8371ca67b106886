"""Tables -> numbers. Importing this package registers the derived-table builders as post-load
hooks of the store (``loaders.store.POST_LOAD_HOOKS``), so every load rebuilds them, in order."""
from __future__ import annotations

from loaders.store import POST_LOAD_HOOKS
from metrics import derive, rollups, values

# Run in this order after every load; a builder that reads ticket_metrics goes after derive.build.
# values.apply first: team and category spellings are merged before anything is derived from them.
HOOKS = (values.apply, derive.build, rollups.build_rollups)


def _registered(hook) -> bool:
    # compare by name: a re-imported module gives a new function object for the same hook
    return any(getattr(h, "__module__", None) == hook.__module__ and getattr(h, "__qualname__", None) == hook.__qualname__
               for h in POST_LOAD_HOOKS)


for _hook in HOOKS:
    if not _registered(_hook):
        POST_LOAD_HOOKS.append(_hook)
