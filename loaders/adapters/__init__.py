"""Built-in format adapters. Importing this package registers every adapter module in it
(each module uses ``@register`` from ``loaders.registry``), exactly as a third-party adapter
package would."""
from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
