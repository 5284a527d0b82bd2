"""Changes to moto, each at one narrow seam, installed in the emulator process before it serves.

Every extension documents the moto behaviour it corrects and names the internals it relies on in
``SEAMS``; ``tests/test_emulator_seams.py`` fails loudly when a moto upgrade moves one of them.
"""

from __future__ import annotations

from mcredlab.emulator.extensions import no_docker

EXTENSIONS = (no_docker,)


def install_all() -> None:
    """Install every extension (idempotent)."""
    for extension in EXTENSIONS:
        extension.install()
