"""The moto internals the emulator's extensions rely on still exist; a moto upgrade that moves one fails here."""

from __future__ import annotations

import importlib

import pytest

from mcredlab.emulator.extensions import extensions

SEAMS = [pytest.param(*seam, id=f"{ext.__name__.rsplit('.', 1)[1]}:{seam[1]}") for ext in extensions() for seam in ext.SEAMS]


@pytest.mark.parametrize(("module", "name", "attribute"), SEAMS)
def test_seam_still_exists(module: str, name: str, attribute: str | None) -> None:
    owner = getattr(importlib.import_module(module), name)
    if attribute is not None:
        assert hasattr(owner, attribute) or attribute in vars(owner), f"{module}.{name}.{attribute} moved"


def test_moto_config_still_has_a_docker_switch_for_lambda() -> None:
    from moto.core.config import default_user_config

    assert "use_docker" in default_user_config["lambda"]
