"""The documentation keeps up with the code."""

from __future__ import annotations

from pathlib import Path

from mcredlab.emulator.extensions import extensions
from mcredlab.labs import all_labs

ROOT = Path(__file__).resolve().parent.parent


def test_every_emulator_extension_is_described_in_docs_emulator_md() -> None:
    text = (ROOT / "docs" / "emulator.md").read_text()
    for extension in extensions():
        assert f"`{extension.__name__.rsplit('.', 1)[1]}`" in text


def test_every_lab_is_listed_in_both_readmes() -> None:
    for readme in ("README.md", "README.ja.md"):
        text = (ROOT / readme).read_text()
        for lab_id in all_labs():
            assert f"`{lab_id}`" in text, f"{lab_id} missing from {readme}"
