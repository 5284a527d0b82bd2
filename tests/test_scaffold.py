"""``mcredlab new-lab``: the lab it writes imports only the kit, already meets the lab contract, and its
notebook is the one ``mcredlab notebooks`` would render; it refuses ids and places that cannot work."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

from mcredlab import notebooks
from mcredlab.checking import run_check
from mcredlab.cli import main
from mcredlab.lab import Lab
from mcredlab.scaffold import load
from mcredlab.target import Target
from tests.japanese import lab_names, report_problems


def _checkout(tmp_path: Path) -> Path:
    (tmp_path / "mcredlab" / "labs").mkdir(parents=True)
    return tmp_path


def _new_lab(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["new-lab", *args, "--root", str(root)])
    return result.exit_code, result.output


@pytest.fixture
def scaffolded(tmp_path: Path) -> tuple[Path, Lab]:
    root = _checkout(tmp_path)
    code, output = _new_lab(root, "sqs-retention-demo")
    assert code == 0, output
    module = root / "mcredlab" / "labs" / "sqs_retention_demo.py"
    assert f"wrote {module}" in output and "pytest tests/test_lab_contract.py -k sqs-retention-demo" in output
    return root, load(module)


def test_new_lab_writes_a_module_that_imports_only_the_kit_and_the_notebook_rendered_from_it(
        scaffolded: tuple[Path, Lab]) -> None:
    root, lab = scaffolded
    tree = ast.parse((root / "mcredlab" / "labs" / "sqs_retention_demo.py").read_text())
    assert [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module != "__future__"
            and (n.module or "").startswith("mcredlab")] == ["mcredlab.kit"]
    assert lab.id == "sqs-retention-demo" and lab.track == "serverless"
    notebook = root / "labs" / "sqs-retention-demo.ipynb"
    assert notebook.read_text() == notebooks.dumps(notebooks.render(lab))


def test_the_new_lab_meets_the_lab_contract_as_written(scaffolded: tuple[Path, Lab], target: Target) -> None:
    _, lab = scaffolded
    aws = target.aws()

    def check(ctx: dict[str, str]):  # type: ignore[no-untyped-def]
        report = run_check(lab, target.aws(read_only=True), ctx)
        assert not report_problems(report, {*ctx.values(), *lab_names(lab)})
        return report

    ctx = lab.provision(aws)
    assert not check(ctx).passed
    lab.solve(aws, ctx)
    assert check(ctx).passed
    for ways in (lab.near_misses, lab.alternatives):
        for way in ways:
            lab.clean(aws, ctx)
            assert not check(ctx).passed
            way.apply(aws, ctx)
            report = check(ctx)
            if way in lab.near_misses:
                assert set(way.fails) <= set(report.failed_ids), report  # type: ignore[attr-defined]
            else:
                assert report.passed, report


def test_new_lab_refuses_a_bad_id_an_existing_lab_an_unknown_track_and_a_folder_that_is_no_checkout(
        tmp_path: Path) -> None:
    root = _checkout(tmp_path / "checkout")
    assert _new_lab(root, "One")[0] == 2
    assert _new_lab(root, "single")[0] == 2
    assert _new_lab(root, "a-lab", "--track", "no-such-track")[0] == 2
    assert _new_lab(root, "a-lab")[0] == 0
    code, output = _new_lab(root, "a-lab")
    assert code == 2 and "exists already" in output
    code, output = _new_lab(tmp_path / "elsewhere", "a-lab")
    assert code == 2 and "--root" in output
    code, output = CliRunner().invoke(main, ["new-lab", "One", "--root", str(root), "--lang", "ja"]).exit_code, \
        CliRunner().invoke(main, ["new-lab", "One", "--root", str(root), "--lang", "ja"]).output
    assert code == 2 and "ラボ ID として使えません" in output
