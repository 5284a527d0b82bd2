"""The lab notebooks are rendered from the lab definitions, committed clean, and run headless: as a learner
opens them (under nbval) and with the reference solution applied (under papermill), against the test emulator.

Both runs happen inside this pytest process, as ordinary tests, so they get the emulator fixtures and
work under any pytest-xdist distribution; the kernels inherit this process's environment
(``MCREDLAB_HOME`` from conftest), so ``open_lab`` finds the test emulator through its state file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from click.testing import CliRunner

from mcredlab import emulator
from mcredlab._text import KeepMissing
from mcredlab.cli import main
from mcredlab.lab import Lab
from mcredlab.labs import all_labs
from mcredlab.notebooks import EXAM, dumps, path_for, problems, render, write_all
from tests.conftest import ROOT

LABS_DIR = ROOT / "labs"
LABS = list(all_labs().values())
ALL_NOTEBOOKS = sorted(LABS_DIR.glob("*.ipynb"))
NOTEBOOKS = [path for path in ALL_NOTEBOOKS if path.stem != EXAM]
"""The labs' notebooks (the exam's has tests of its own)."""
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b[A-Za-z]+ [A-Za-z]+ [A-Za-z]+\b")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
REPORT = re.compile(r'<div class="mcredlab-report[^"]*"[^>]*\bdata-passed="(true|false)"')
by_id = pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
by_file = pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
every_file = pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda path: path.name)


# -- committed notebooks are their render -------------------------------------------------------


@by_id
def test_committed_notebook_equals_its_render(lab: Lab) -> None:
    path = path_for(LABS_DIR, lab)
    assert path.exists(), f"{path.name} is missing: run `mcredlab notebooks`"
    assert path.read_text(encoding="utf-8") == dumps(render(lab)), f"{path.name} is stale: run `mcredlab notebooks`"


def test_every_notebook_has_a_lab_and_every_lab_a_notebook() -> None:
    assert {path.stem for path in ALL_NOTEBOOKS} == set(all_labs()) | {EXAM}
    assert problems(LABS_DIR) == {}


@every_file
def test_committed_notebook_has_no_outputs_or_execution_counts(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.outputs for cell in code] == [[] for _ in code]
    assert [cell.execution_count for cell in code] == [None for _ in code]


@every_file
def test_every_markdown_cell_is_in_english_and_japanese(path: Path) -> None:
    markdown = [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"]
    assert markdown
    for source in markdown:
        assert JAPANESE.search(source), f"no Japanese in {source!r}"
        assert ENGLISH.search(source), f"no English in {source!r}"


@by_id
def test_render_has_the_cells_the_tests_and_learners_rely_on(lab: Lab) -> None:
    cells = render(lab).cells
    parameters = [cell for cell in cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1 and parameters[0].source.startswith('lang = "en"')
    assert f'mcredlab.open_lab("{lab.id}", lang=lang)' in cells[2].source
    assert cells[-1].source == "lab.result()"
    example = next(cell.source for cell in cells if cell.get("id") == "work-1")
    assert f'boto3.client("{lab.services[0]}")' in example
    compile(example.replace("# ", ""), "example", "exec")  # the example is valid Python once uncommented


@by_id
def test_the_first_cell_states_the_task_in_both_languages(lab: Lab) -> None:
    first = render(lab).cells[0].source
    for lang in ("en", "ja"):
        assert lab.task(lang).format_map(KeepMissing()) in first


@by_id
def test_the_reference_solution_is_out_of_the_learners_way(lab: Lab) -> None:
    cells = render(lab).cells
    solve = [cell for cell in cells if "lab.solve()" in cell.source]
    assert len(solve) == 1 and solve[0].metadata["jupyter"]["source_hidden"] is True
    assert "solve" not in next(cell.source for cell in cells if "parameters" in cell.metadata.get("tags", []))


@by_id
def test_the_clock_and_check_sit_right_above_the_work_cells(lab: Lab) -> None:
    ids = [cell.get("id") for cell in render(lab).cells]
    assert ids.index("toolbar") + 1 == ids.index("work-1")
    assert render(lab).cells[ids.index("toolbar")].source == "lab.toolbar()"


def test_client_example_never_uses_a_python_keyword() -> None:
    notebook = render(Lab(**{**_fields(LABS[0]), "services": ("lambda",)}))
    assert 'lambda_ = boto3.client("lambda")' in next(c.source for c in notebook.cells if c.get("id") == "work-1")


def _fields(lab: Lab) -> dict[str, Any]:
    return {name: getattr(lab, name) for name in ("id", "track", "services", "certs", "minutes", "title", "task")}


def test_write_all_keeps_a_learners_notebook_unless_told_to_overwrite(tmp_path: Path) -> None:
    assert sorted(write_all(tmp_path)) == sorted([*(path_for(tmp_path, lab) for lab in LABS),
                                                  tmp_path / f"{EXAM}.ipynb"])
    mine = path_for(tmp_path, LABS[0])
    mine.write_text("my work", encoding="utf-8")
    assert write_all(tmp_path, overwrite=False) == []
    assert mine.read_text(encoding="utf-8") == "my work"
    assert write_all(tmp_path) == [mine]
    assert problems(tmp_path) == {}


def test_cli_notebooks_writes_then_check_passes_and_flags_stale_missing_and_orphans(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["notebooks", "--check", str(tmp_path)]).exit_code == 1
    assert runner.invoke(main, ["notebooks", str(tmp_path)]).exit_code == 0
    assert runner.invoke(main, ["notebooks", "--check", str(tmp_path)]).exit_code == 0
    path_for(tmp_path, LABS[0]).write_text("{}", encoding="utf-8")
    (tmp_path / "gone-lab.ipynb").write_text("{}", encoding="utf-8")
    result = runner.invoke(main, ["notebooks", "--check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{LABS[0].id}.ipynb: out of date" in result.output
    assert "gone-lab.ipynb: no such lab" in result.output


def test_cli_notebooks_check_defaults_to_the_committed_labs_directory() -> None:
    result = CliRunner().invoke(main, ["notebooks", "--check"])
    assert result.exit_code == 0, result.output


# -- executed headless ---------------------------------------------------------------------------


@pytest.fixture
def learner_kernel(fresh_emulator: emulator.EmulatorInfo, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty test emulator, and an environment in which a kernel finds it exactly as a learner's would."""
    for name in ("MCREDLAB_TARGET", "AWS_ENDPOINT_URL", "MCREDLAB_REGION", "MCREDLAB_LANG", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    yield


def _outputs_text(outputs: list[Any]) -> str:
    """Every text and HTML the outputs carry, joined."""
    parts = []
    for output in outputs:
        data = output.get("data", {})
        parts += [str(data.get("text/html", "")), str(data.get("text/plain", "")), str(output.get("text", ""))]
    return "\n".join(parts)


def _shown_report(outputs: list[Any]) -> str:
    """Whether the check report shown in ``outputs`` passed: ``"true"`` or ``"false"``."""
    found = REPORT.findall(_outputs_text(outputs))
    assert len(found) == 1, f"expected one report, got outputs {outputs}"
    return str(found[0])


@pytest.mark.notebooks
@by_file
def test_notebook_runs_under_nbval_as_a_learner_opens_it(path: Path, learner_kernel: None, request: pytest.FixtureRequest) -> None:
    """Every cell runs without error, untouched; the final check shows a report that does not pass yet."""
    plugin = pytest.importorskip("nbval.plugin")
    notebook = plugin.IPyNbFile.from_parent(request.session, path=path)
    cells = list(notebook.collect())
    notebook.setup()
    outputs: list[Any] = []
    try:
        for cell in cells:
            try:
                cell.runtest()
            except plugin.NbCellError as error:
                trace = ANSI.sub("", error.inner_traceback or "")
                pytest.fail(f"{path.name} cell {error.cell_num} failed:\n{error.source}\n{trace}")
            outputs.append(cell.test_outputs)
    finally:
        notebook.teardown()
    # A LabError is shown as a message, not raised to nbval: none may appear.
    assert 'class="mcredlab-error"' not in _outputs_text([out for cell_outputs in outputs for out in cell_outputs])
    assert _shown_report(outputs[-1]) == "false"


def _papermill(path: Path, out: Path, **parameters: Any) -> nbformat.NotebookNode:
    papermill = pytest.importorskip("papermill")
    return papermill.execute_notebook(
        str(path), str(out), parameters=parameters, kernel_name="python3", progress_bar=False, cwd=str(path.parent)
    )


@pytest.mark.notebooks
@by_file
def test_papermill_with_solve_ends_in_a_passing_check(path: Path, learner_kernel: None, tmp_path: Path) -> None:
    done = _papermill(path, tmp_path / path.name, solve=True)
    assert 'class="mcredlab-error"' not in _outputs_text([out for cell in done.cells for out in cell.get("outputs", [])])
    assert _shown_report(done.cells[-1].outputs) == "true"
    assert "All criteria met" in _outputs_text(done.cells[-1].outputs)


@pytest.mark.notebooks
def test_papermill_with_lang_ja_reports_in_japanese(learner_kernel: None, tmp_path: Path) -> None:
    path = path_for(LABS_DIR, LABS[0])
    done = _papermill(path, tmp_path / path.name, solve=True, lang="ja")
    shown = _outputs_text(done.cells[-1].outputs)
    assert _shown_report(done.cells[-1].outputs) == "true"
    assert "すべての項目を達成しました" in shown and "criteria met" not in shown


@pytest.mark.notebooks
def test_a_lab_that_cannot_open_says_why_in_every_cell_without_a_traceback(learner_kernel: None, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCREDLAB_TARGET", "aws")  # real AWS without the opt-in: refused
    monkeypatch.delenv("MCREDLAB_ALLOW_REAL_AWS", raising=False)
    path = path_for(LABS_DIR, LABS[0])
    done = _papermill(path, tmp_path / path.name)
    outputs = [out for cell in done.cells for out in cell.get("outputs", [])]
    assert not [out for out in outputs if out.get("output_type") == "error"]
    shown = _outputs_text(outputs)
    assert "Traceback" not in shown and "NameError" not in shown
    assert "MCREDLAB_ALLOW_REAL_AWS=1" in _outputs_text(done.cells[-1].outputs)


# -- the exam notebook ------------------------------------------------------------------------------

EXAM_SCORE = re.compile(r'<div class="mcredlab-exam-score" data-passed="(true|false)" data-score="([\d.]+)"')


@pytest.mark.notebooks
def test_exam_notebook_opens_the_sample_exam_and_with_solve_ends_passed(learner_kernel: None, tmp_path: Path) -> None:
    path = LABS_DIR / f"{EXAM}.ipynb"
    opened = _papermill(path, tmp_path / "opened.ipynb", seed=4)
    shown = _outputs_text([out for cell in opened.cells for out in cell.get("outputs", [])])
    assert 'class="mcredlab-error"' not in shown
    assert "apigw-cors" in shown or "CORS" in shown, "the panel shows the sample's tasks"
    done = _papermill(path, tmp_path / "solved.ipynb", seed=4, solve=True)
    texts = _outputs_text([out for cell in done.cells for out in cell.get("outputs", [])])
    assert 'class="mcredlab-error"' not in texts
    assert EXAM_SCORE.findall(texts)[-1] == ("true", "2")
