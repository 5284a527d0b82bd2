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


def _lab_table_rows(readme: str) -> dict[str, list[str]]:
    """The README's lab table: id -> its cells (id, track, services, minutes, certifications)."""
    rows = {}
    for line in (ROOT / readme).read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`") and cells[0].strip("`") in all_labs():
            rows[cells[0].strip("`")] = cells
    return rows


def test_the_readme_lab_tables_match_each_labs_track_minutes_and_certifications() -> None:
    for readme in ("README.md", "README.ja.md"):
        rows = _lab_table_rows(readme)
        assert set(rows) == set(all_labs()), readme
        for lab_id, lab in all_labs().items():
            _, track, _, minutes, certs = rows[lab_id]
            assert (track, int(minutes), certs) == (lab.track, lab.minutes, ", ".join(lab.certs)), \
                f"{lab_id} in {readme}"


def test_both_readmes_document_every_command_and_the_lab_options() -> None:
    from mcredlab.cli import main

    for readme in ("README.md", "README.ja.md"):
        text = (ROOT / readme).read_text()
        for name in main.commands:
            assert f"mcredlab {name}" in text, f"{name} missing from {readme}"
        for fact in ('eval "$(mcredlab env)"', "mcredlab task", "mcredlab url", "--emulator-port", "--no-browser",
                     "--lang ja", "MCREDLAB_LANG=ja", "http://localhost:4747"):
            assert fact in text, f"{fact} missing from {readme}"
