"""Changes to moto, each at one narrow seam, installed in the emulator process before it serves.

Every module here is one extension: a docstring saying which moto behaviour it corrects, ``SEAMS``
naming the moto internals it relies on as ``(module, name, attribute-or-None)``, and ``install()``.
They are found by module, like labs; ``tests/test_emulator_seams.py`` fails loudly when a moto
upgrade moves a seam.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType


@cache
def extensions() -> tuple[ModuleType, ...]:
    """Every extension module, in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if not callable(getattr(module, "install", None)) or not hasattr(module, "SEAMS"):
            raise TypeError(f"emulator extension {module.__name__} needs SEAMS and install()")
        found.append(module)
    return tuple(found)


_installed = False


def install_all() -> None:
    """Install every extension, once per process."""
    global _installed
    if _installed:
        return
    for extension in extensions():
        extension.install()
    _installed = True
