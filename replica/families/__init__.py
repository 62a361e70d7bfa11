"""Model families of the replica engine, one module per (family, level).

Every module in this package is imported on ``import replica`` (sorted by name), and
registers its models with :func:`replica.base.register`. To add a family or a level, drop a
module here (e.g. ``multitasking_rs.py``, ``hopfield_1rsb.py``); nothing else to edit.
"""

import importlib
import pkgutil

__all__ = []

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    if not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")
