"""The lab panel in real JupyterLab and real Chromium: Check, solve, kernel restart, reload, language."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from mcredlab.session import LabSession
from tests.conftest import ROOT, free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]
playwright_sync = pytest.importorskip("playwright.sync_api")

LAB = "s3-static-website"
NOTEBOOK = "lab.ipynb"
EXAM_NOTEBOOK = "exam.ipynb"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
NO_NEWS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
# The README's picture is refreshed only when asked (MCREDLAB_UPDATE_SCREENSHOT=1), so test runs leave the tree clean.
SCREENSHOT = ROOT / "docs" / "solved-lab-panel.png"
EXAM_SCREENSHOT = ROOT / "docs" / "exam-panel.png"
NEW = ".mcredlab-panel:not([data-old])"  # the panel of the latest run, once older ones are marked
PANEL = ".mcredlab-panel"
LAST = ".mcredlab-result-area"  # the notebook's last cell: the same clock, Check and result, live

from mcredlab.labs import get_lab as _get_lab

CRITERIA = len(_get_lab("s3-static-website").criteria)  # a fresh lab meets none of them


@dataclass
class Lab:
    url: str
    token: str

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def wait_for_kernel(self, timeout: float = 60, notebook: str = NOTEBOOK) -> None:
        """Until the notebook's kernel is idle and the page is connected to it (the UI's idle is too early)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for session in self.api("/api/sessions"):  # type: ignore[union-attr]
                kernel = session["kernel"]
                if session["path"] == notebook and kernel["execution_state"] == "idle" and kernel["connections"] >= 1:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"the kernel of {notebook} was not idle and connected after {timeout} s")


def _write_workspace(root: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f'from mcredlab.session import open_lab\nlab = open_lab("{LAB}", lang="en")\nlab.panel()'),
        nbformat.v4.new_code_cell("lab.toolbar()"),
        nbformat.v4.new_code_cell("lab.result()"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / NOTEBOOK)
    exam = nbformat.v4.new_notebook()
    exam.cells = [nbformat.v4.new_code_cell(
        'import mcredlab\nexam_session = mcredlab.open_exam("sample", seed=5, lang="en")\nexam_session.panel()')]
    exam.metadata["kernelspec"] = nb.metadata["kernelspec"]
    nbformat.write(exam, root / EXAM_NOTEBOOK)


@pytest.fixture
def jupyter_lab(fresh_emulator: object) -> Iterator[Lab]:
    """A ``jupyter lab`` server on a free port, on a temp root, sharing this run's MCREDLAB_HOME and emulator."""
    tmp = Path(tempfile.mkdtemp(prefix="mcredlab-browser-"))
    root, settings = tmp / "root", tmp / "app-settings"
    root.mkdir()
    settings.mkdir()
    _write_workspace(root)
    (settings / "overrides.json").write_text(json.dumps(NO_NEWS))
    port, token = free_port(), "mcredlab-browser-test"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "IPYTHONDIR": str(tmp / "ipython"),
    }
    command = [
        sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
        f"--LabApp.app_settings_dir={settings}", f"--LabApp.user_settings_dir={tmp / 'user-settings'}",
        f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
    ]
    log = (tmp / "jupyter.log").open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token)
    try:
        end = time.monotonic() + 60
        while True:
            try:
                lab.api("/api/status")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > end:
                    raise RuntimeError(f"jupyter lab did not start:\n{(tmp / 'jupyter.log').read_text()[-3000:]}")
                time.sleep(0.2)
        yield lab
    finally:
        try:
            lab.api("/api/shutdown", method="POST")  # stops the kernels too
            server.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _restart_and_run_all(page, lab: Lab) -> None:  # type: ignore[no-untyped-def]
    lab.wait_for_kernel()
    page.evaluate("document.querySelectorAll('.mcredlab-panel').forEach(el => { el.dataset.old = '1'; })")
    page.click(".jp-NotebookPanel-toolbar [data-command='notebook:restart-run-all']")
    page.click(".jp-Dialog .jp-mod-accept")
    page.locator(f"{NEW} .mcredlab-timer").wait_for()


def _remaining(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator(f"{PANEL} .mcredlab-timer").get_attribute("data-remaining"))


def _summaries(page) -> list[str | None]:  # type: ignore[no-untyped-def]
    """What the panel's result and the last cell's result say (``3/6``), in that order."""
    return [page.locator(f"{where} .mcredlab-report").get_attribute("data-summary") for where in (PANEL, LAST)]


def _screenshot(page, selector: str, path: Path) -> None:  # type: ignore[no-untyped-def]
    """A screenshot of one element with a little room around it."""
    element = page.locator(selector)
    element.evaluate("el => { el.style.padding = '12px'; }")
    path.parent.mkdir(exist_ok=True)
    element.screenshot(path=str(path))
    element.evaluate("el => { el.style.padding = ''; }")


def test_lab_panel_in_jupyterlab(jupyter_lab: Lab, tmp_path: Path) -> None:
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1100})
            page.set_default_timeout(30_000)
            page.goto(f"{jupyter_lab.url}/lab/tree/{NOTEBOOK}?token={jupyter_lab.token}")
            page.locator(".jp-NotebookPanel-toolbar").wait_for()
            _restart_and_run_all(page, jupyter_lab)

            # Fresh lab: Check shows the failures, each with its hint on demand.
            session = LabSession.for_lab(LAB, target="emulator")
            timer = page.locator(f"{PANEL} .mcredlab-timer")
            deadline = int(timer.get_attribute("data-deadline"))
            assert session.deadline is not None and deadline == round(session.deadline * 1000)
            assert re.search(r"Time left\s*\d\d:\d\d", timer.inner_text())
            assert 0 < _remaining(page) <= session.lab.minutes * 60
            # Run All ended in the last cell's check; the toolbar above the work cells says the same.
            page.locator(f"{LAST} .mcredlab-report[data-passed='false']").wait_for()
            assert page.locator(".mcredlab-toolbar .mcredlab-timer").get_attribute("data-deadline") == str(deadline)
            page.click(f"{PANEL} .mcredlab-check")
            failing = page.locator(f"{PANEL} .mcredlab-report[data-passed='false']")
            failing.wait_for()
            assert f"0 of {CRITERIA} criteria met" in failing.inner_text()
            hint = page.locator(f"{PANEL} .mcredlab-ng .mcredlab-hint").first
            assert "Static website hosting" not in hint.inner_text()
            hint.locator("summary").click()
            assert "Static website hosting" in hint.inner_text()

            # The reference solution applied from outside: Check (the toolbar's, this time) passes everywhere.
            session.solve()
            page.click(".mcredlab-toolbar .mcredlab-check")
            page.locator(f"{PANEL} .mcredlab-report[data-passed='true']").wait_for()
            page.locator(f"{LAST} .mcredlab-report[data-passed='true']").wait_for()
            assert _summaries(page) == [f"{CRITERIA}/{CRITERIA}"] * 2
            assert "All criteria met" in page.locator(".mcredlab-toolbar").inner_text()
            assert "All criteria met" in page.locator(f"{PANEL} .mcredlab-result").inner_text()
            page.mouse.move(0, 0)
            _screenshot(page, PANEL, SCREENSHOT if os.environ.get("MCREDLAB_UPDATE_SCREENSHOT") else tmp_path / "solved.png")

            # Kernel restart and run all: same deadline, the passing report is back without pressing Check.
            _restart_and_run_all(page, jupyter_lab)
            page.locator(f"{NEW} .mcredlab-report[data-passed='true']").wait_for()
            assert page.locator(f"{NEW} .mcredlab-timer").get_attribute("data-deadline") == str(deadline)
            assert page.locator(".mcredlab-panel").count() == 1
            page.locator(f"{LAST} .mcredlab-report[data-passed='true']").wait_for()

            # Reload the page (after saving, so the output is there): the timer still counts.
            page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
            page.reload()
            timer.wait_for()
            assert timer.get_attribute("data-deadline") == str(deadline)
            before = _remaining(page)
            page.wait_for_timeout(2_200)
            assert 0 < _remaining(page) < before
            page.locator(f"{PANEL} .mcredlab-report[data-passed='true']").wait_for()

            # A new attempt (reset from a terminal, then the notebook run again): no verdict of the old one.
            session.reset()
            _restart_and_run_all(page, jupyter_lab)
            page.locator(f"{LAST} .mcredlab-report[data-passed='false']").wait_for()
            assert page.locator(f"{NEW} .mcredlab-report").get_attribute("data-passed") == "false"
            new_deadline = page.locator(f"{NEW} .mcredlab-timer").get_attribute("data-deadline")
            assert new_deadline != str(deadline)

            # 日本語: task, labels, timer and report in Japanese; a hint opened before the switch stays open.
            hint = page.locator(f"{PANEL} .mcredlab-ng .mcredlab-hint").first
            hint.locator("summary").click()
            assert hint.get_attribute("open") is not None
            page.click(".mcredlab-lang button:has-text('日本語')")
            page.locator(".mcredlab-task[lang='ja']").wait_for()
            assert "公開ウェブサイト" in page.locator(".mcredlab-task").inner_text()
            page.locator(f"{PANEL} .mcredlab-report-head:has-text('項目中')").wait_for()
            assert hint.get_attribute("open") is not None and "ヒント" in hint.inner_text()
            assert "項目中" in page.locator(f"{LAST} .mcredlab-report").inner_text()
            assert page.locator(f"{PANEL} .mcredlab-check").inner_text().strip() == "チェック"
            assert "残り時間" in timer.inner_text()
        finally:
            browser.close()


EXAM = ".mcredlab-exam"


def test_exam_panel_in_jupyterlab(jupyter_lab: Lab, tmp_path: Path) -> None:
    from mcredlab.exam import ExamSession
    from mcredlab.labs import get_lab
    from mcredlab.target import resolve

    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 2200})
            page.set_default_timeout(30_000)
            page.goto(f"{jupyter_lab.url}/lab/tree/{EXAM_NOTEBOOK}?token={jupyter_lab.token}")
            page.locator(".jp-NotebookPanel-toolbar").wait_for()
            jupyter_lab.wait_for_kernel(notebook=EXAM_NOTEBOOK)
            page.click(".jp-NotebookPanel-toolbar [data-command='notebook:restart-run-all']")
            page.click(".jp-Dialog .jp-mod-accept")
            timer = page.locator(f"{EXAM} .mcredlab-timer")
            timer.wait_for()

            session = ExamSession(resolve("emulator"))
            first, second = session.tasks()
            deadline = int(timer.get_attribute("data-deadline"))
            assert deadline == round(session.current().deadline * 1000)
            assert re.search(r"Time left\s*\d\d:\d\d", timer.inner_text())

            # The first task is selected: its part of the diagram is lit, the rest dimmed.
            diagram = page.locator(f"{EXAM} .mcredlab-exam-diagram")
            page.locator(f"{EXAM} .mcredlab-exam-diagram[data-lit='{first.lab}'] g.lit").first.wait_for()
            assert page.locator(f"{EXAM} .mcredlab-exam-diagram g.lit[data-labs~='{first.lab}']").count() >= 1

            # Selecting the other task shows its text and lights its part.
            page.click(f"{EXAM} .mcredlab-exam-task:has-text('{second.id}')")
            page.locator(f"{EXAM} .mcredlab-exam-diagram[data-lit='{second.lab}']").wait_for()
            page.locator(f"{EXAM} .mcredlab-task[data-task='{second.id}']").wait_for()
            assert get_lab(second.lab).title.en in page.locator(f"{EXAM} .mcredlab-task").inner_text()

            # Check colours it: not yet (red), then, once the learner's work is done, passed (green).
            page.click(f"{EXAM} .mcredlab-check")
            page.locator(f"{EXAM} .mcredlab-exam-task.state-failed:has-text('{second.id}')").wait_for()
            page.locator(f"{EXAM} .mcredlab-exam-diagram g.lit.state-failed").first.wait_for()
            assert page.locator(f"{EXAM} .mcredlab-result .mcredlab-hint").count() == 0, "hints cost: none shown"
            attempt = session.store.attempt(second.lab, session.target.key)
            assert attempt is not None
            get_lab(second.lab).solve(session.target.aws(), attempt.context)
            page.click(f"{EXAM} .mcredlab-check")
            page.locator(f"{EXAM} .mcredlab-exam-task.state-passed:has-text('{second.id}')").wait_for()
            page.locator(f"{EXAM} .mcredlab-exam-diagram g.lit.state-passed").first.wait_for()
            page.mouse.move(0, 0)
            _screenshot(page, EXAM, EXAM_SCREENSHOT if os.environ.get("MCREDLAB_UPDATE_SCREENSHOT")
                        else tmp_path / "exam.png")

            # The clock counts down, and a page reload shows the same exam and deadline.
            before = int(timer.get_attribute("data-remaining"))
            page.wait_for_timeout(2_200)
            assert 0 < int(timer.get_attribute("data-remaining")) < before
            page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
            page.reload()
            timer.wait_for()
            assert timer.get_attribute("data-deadline") == str(deadline)
            assert page.locator(f"{EXAM} div.mcredlab-exam-diagram[data-lit]").count() == 1
            page.locator(f"{EXAM} .mcredlab-exam-task.state-passed:has-text('{second.id}')").wait_for()
        finally:
            browser.close()
