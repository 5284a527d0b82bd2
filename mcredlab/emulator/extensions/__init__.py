"""Changes to moto, each at one narrow seam, installed in the emulator process before they are needed.

Every module here is one extension: a docstring saying which moto behaviour it corrects, ``SEAMS``
naming the moto internals it relies on as ``(module, name, attribute-or-None)``, and ``install()``.
They are found by module, like labs; ``tests/test_emulator_seams.py`` fails loudly when a moto
upgrade moves a seam.

Installation is lazy, so the emulator starts as fast as a bare moto server. moto imports a service's
modules only when that service is first used (by a request, or by CloudFormation building one);
:func:`install_all` installs an extension at once if a moto service module its ``install()``
imports (the module it patches) is already imported, and otherwise the moment the first of them has
been imported, before the import returns to moto. An ``install()`` that imports no service module,
or changes ``moto.core.config`` (which ``/moto-api/config`` reports), runs at start and stays cheap,
deferring its service patches with :func:`when_imported`. State an extension registers with moto
therefore exists from the service's first use, in time for ``/moto-api/reset``.
``MCREDLAB_EMULATOR_EAGER_EXTENSIONS=1`` installs every extension at start instead (to compare). ``wsgi(app)``
middleware is built at start and imports its heavy parts on first use.
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import os
import pkgutil
import sys
import textwrap
import threading
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

SHARED_CORE = ("moto.core", "moto.moto_api", "moto.moto_server", "moto.utilities", "moto.settings",
               "moto.backends", "moto.backend_index", "moto.server")
"""moto modules every service uses: importing one says nothing about which service is in use."""


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


def _shared(module: str) -> bool:
    return any(module == core or module.startswith(core + ".") for core in SHARED_CORE)


def _is_module(name: str) -> bool:
    """Whether ``name`` is a moto module (``from moto.x import parsing``), found without importing it."""
    if not name.startswith("moto."):
        return False
    spec = importlib.util.find_spec("moto")
    roots = list(spec.submodule_search_locations or []) if spec else []
    relative = Path(*name.split(".")[1:])
    return any((Path(root) / relative).with_suffix(".py").is_file() or (Path(root) / relative).is_dir()
               for root in roots)


def _imported_by(function: Callable[[], None]) -> set[str]:
    """The modules ``function``'s own body imports (not its nested functions'); empty without source."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return set()
    found: set[str] = set()
    pending: list[ast.AST] = list(tree.body[0].body) if tree.body and isinstance(tree.body[0], ast.FunctionDef) else []
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names if _is_module(f"{node.module}.{a.name}"))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        pending.extend(ast.iter_child_nodes(node))
    return found


def triggers(extension: ModuleType) -> frozenset[str]:
    """The moto modules whose first import installs ``extension`` (empty: install at start).

    They are the moto service modules ``install()`` itself imports, the ones it patches; an
    ``install()`` that imports none, or changes ``moto.core.config``, runs at start.
    """
    imported = _imported_by(extension.install)
    if "moto.core.config" in imported:
        return frozenset()
    return frozenset(m for m in imported if m.startswith("moto.") and not _shared(m))


_lock = threading.Lock()  # guards the two lists only; never held while an action runs
_waiting: dict[str, list[Callable[[], None]]] = {}  # module -> actions to run once it is imported
_due: list[Callable[[], None]] = []  # actions whose module is imported, run when no moto module is mid-import
_local = threading.local()


def when_imported(module: str, action: Callable[[], None]) -> None:
    """Run ``action`` once ``module`` is imported: now if it already is, else right after its first import."""
    with _lock:
        imported = module in sys.modules
        if not imported:
            _waiting.setdefault(module, []).append(action)
            _watch()
    if imported:
        action()


def _run_due() -> None:
    while True:
        with _lock:
            if not _due:
                return
            action = _due.pop(0)
        action()


class _Loader(importlib.abc.Loader):
    """moto's own loader, noting when a watched module has been executed."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: ModuleType) -> None:
        depth = getattr(_local, "depth", 0)
        _local.depth = depth + 1
        try:
            self._loader.exec_module(module)
        finally:
            _local.depth = depth
        with _lock:
            _due.extend(_waiting.pop(module.__name__, ()))
        if depth == 0:  # every moto module on this thread is fully initialised: safe to patch
            _run_due()


class _Finder(importlib.abc.MetaPathFinder):
    """Finds moto's modules as usual, with a loader that reports their import."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith("moto.") or not _waiting:
            return None
        spec = None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is not self and find is not None:
                spec = find(fullname, path, target)
                if spec is not None:
                    break
        if spec is not None and spec.loader is not None and not isinstance(spec.loader, _Loader):
            spec.loader = _Loader(spec.loader)
        return spec


_finder = _Finder()


def _watch() -> None:
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


_installed = False


def _install_once(extension: ModuleType) -> Callable[[], None]:
    started = threading.Lock()

    def install() -> None:
        if started.acquire(blocking=False):  # the first trigger installs; later ones have nothing to do
            extension.install()

    return install


def install_all() -> None:
    """Install every extension, once per process: each when its service is first used (see above)."""
    global _installed
    if _installed:
        return
    _installed = True
    eager = os.environ.get("MCREDLAB_EMULATOR_EAGER_EXTENSIONS", "").lower() in ("1", "true", "yes", "on")
    for extension in extensions():
        install = _install_once(extension)
        modules = frozenset() if eager else triggers(extension)
        if not modules or any(m in sys.modules for m in modules):
            install()
        for module in modules:
            when_imported(module, install)
