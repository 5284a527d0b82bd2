"""The Binder configuration: ``binder/start`` starts the emulator and points every AWS client at it before
running the container's command; ``binder/postBuild`` quiets JupyterLab and opens it on the labs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcredlab import emulator
from mcredlab.target import EMULATOR_CREDENTIALS
from tests.conftest import ROOT, free_port

BINDER = ROOT / "binder"
SHOW_ENV = "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith(('AWS_', 'MCREDLAB_'))}))"


@pytest.fixture
def container_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh ``MCREDLAB_HOME`` as a new container has; its emulator is stopped afterwards."""
    monkeypatch.setenv("MCREDLAB_HOME", str(tmp_path))
    monkeypatch.setenv("MCREDLAB_EMULATOR_PORT", str(free_port()))
    yield tmp_path
    emulator.stop()


def start(*command: str) -> subprocess.CompletedProcess[str]:
    """``binder/start COMMAND`` with this environment (the interpreter's bin directory first on PATH)."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        [str(BINDER / "start"), *command], env={**os.environ, "PATH": path}, capture_output=True, text=True, timeout=120
    )


def test_start_is_executable_and_ends_with_exec() -> None:
    script = BINDER / "start"
    assert os.access(script, os.X_OK)
    assert script.read_text().rstrip().endswith('exec "$@"')


def test_start_runs_the_emulator_and_points_aws_clients_at_it(container_home: Path) -> None:
    done = start(sys.executable, "-c", SHOW_ENV)
    assert done.returncode == 0, done.stderr
    env = json.loads(done.stdout)
    port = os.environ["MCREDLAB_EMULATOR_PORT"]
    assert env["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{port}"
    assert env["MCREDLAB_TARGET"] == "emulator"
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert {k: env[k] for k in EMULATOR_CREDENTIALS} == EMULATOR_CREDENTIALS
    with urllib.request.urlopen(f"{env['AWS_ENDPOINT_URL']}/moto-api/config", timeout=10) as reply:
        assert 200 <= reply.status < 300
    info = emulator.status()
    assert info is not None and info.url == env["AWS_ENDPOINT_URL"], "the emulator outlives the start script"
    assert start("true").returncode == 0 and emulator.status() == info, "a second start reuses the emulator"


def test_start_passes_the_commands_exit_code_through(container_home: Path) -> None:
    assert start(sys.executable, "-c", "raise SystemExit(7)").returncode == 7


def test_start_still_runs_jupyter_when_the_emulator_cannot_start(
    container_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setenv("MCREDLAB_EMULATOR_PORT", str(busy.getsockname()[1]))
        done = start(sys.executable, "-c", SHOW_ENV)
    assert done.returncode == 0
    assert "did not start" in done.stderr
    assert json.loads(done.stdout)["MCREDLAB_TARGET"] == "emulator"
    assert emulator.status() is None


def test_post_build_silences_news_and_opens_jupyterlab_on_the_labs(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(BINDER / "postBuild")], env={**os.environ, "NB_PYTHON_PREFIX": str(tmp_path)},
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    overrides = json.loads((tmp_path / "share/jupyter/lab/settings/overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}
    config = json.loads((tmp_path / "etc/jupyter/jupyter_lab_config.json").read_text())
    assert config["LabApp"]["default_url"] == "/lab/tree/labs"
    assert (ROOT / "labs").is_dir()


def test_requirements_install_this_repository() -> None:
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    assert "-e ." in lines
