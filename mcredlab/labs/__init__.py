"""The lab registry: every module in this package that defines ``lab`` is a lab, found by its id.

Adding a lab means adding one module here (and its notebook in ``labs/``); nothing lists labs by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from mcredlab.catalog import unknown_names
from mcredlab.errors import UnknownLab
from mcredlab.lab import Lab


@cache
def all_labs() -> dict[str, Lab]:
    """Every registered lab by id, in module order."""
    found: dict[str, Lab] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        lab = getattr(module, "lab", None)
        if not isinstance(lab, Lab):
            raise TypeError(f"module {module.__name__} defines no `lab = Lab(...)`")
        lab.validate()
        unknown = unknown_names(lab)
        if unknown:
            raise ValueError(f"lab {lab.id} names {unknown}, which mcredlab/catalog.py does not know: add them to "
                             "its SERVICES or TRACKS")
        if lab.id in found:
            raise ValueError(f"two labs are called {lab.id!r}")
        found[lab.id] = lab
    return found


def get_lab(lab_id: str) -> Lab:
    """The lab called ``lab_id``; :class:`~mcredlab.errors.UnknownLab` names the others."""
    labs = all_labs()
    if lab_id not in labs:
        raise UnknownLab(lab_id, labs)
    return labs[lab_id]
