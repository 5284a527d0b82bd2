"""The documentation keeps up with the code."""

from __future__ import annotations

from pathlib import Path

from mcredlab.catalog import lab_tables, service_names, stale_readmes
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


def test_the_readme_lab_tables_are_rendered_from_the_labs() -> None:
    assert stale_readmes(ROOT, all_labs().values()) == []


def test_the_lab_tables_list_both_tracks_with_each_labs_services_minutes_and_certifications() -> None:
    for lang in ("en", "ja"):
        tables = lab_tables(all_labs().values(), lang)  # type: ignore[arg-type]
        assert tables.count("### ") == len({lab.track for lab in all_labs().values()}) == 2
        for lab in all_labs().values():
            row = next(line for line in tables.splitlines() if line.startswith(f"| `{lab.id}` |"))
            cells = [cell.strip() for cell in row.strip("|").split(" | ")]
            assert cells[1] == lab.title(lang) and cells[3:] == [str(lab.minutes), ", ".join(lab.certs)]
            assert all(name in cells[2] for name in service_names(lab, lang))  # type: ignore[arg-type]


def test_both_readmes_document_every_command_and_the_lab_options() -> None:
    from mcredlab.cli import main

    for readme in ("README.md", "README.ja.md"):
        text = (ROOT / readme).read_text()
        for name in main.commands:
            assert f"mcredlab {name}" in text, f"{name} missing from {readme}"
        for fact in ('eval "$(mcredlab env)"', "mcredlab task", "mcredlab url", "--emulator-port", "--no-browser",
                     "--lang ja", "MCREDLAB_LANG=ja", "http://localhost:4747"):
            assert fact in text, f"{fact} missing from {readme}"
