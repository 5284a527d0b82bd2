"""Shared fixtures: one real emulator process for the whole run, reset before each test that asks.

The run has a temporary directory of its own (``TMPDIR`` for this process and every process it starts,
the emulator's included) holding ``MCREDLAB_HOME``; at the end of the run it is removed, and anything
named ``mcredlab-*`` left in it fails the run: tests and the emulator clean up after themselves.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never see the developer's own AWS setup or mcredlab state.
for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
              "MCREDLAB_TARGET", "MCREDLAB_ALLOW_REAL_AWS", "MCREDLAB_LANG", "MCREDLAB_REGION", "AWS_REGION"):
    os.environ.pop(_name, None)
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", tempfile.gettempdir())  # pytest's tmp_path stays where it was
RUN_TMP = Path(tempfile.mkdtemp(prefix="mcredlab-test-run-"))
os.environ["TMPDIR"] = str(RUN_TMP)
tempfile.tempdir = None  # re-read TMPDIR
TEST_HOME = Path(tempfile.mkdtemp(prefix="mcredlab-test-home-"))
os.environ["MCREDLAB_HOME"] = str(TEST_HOME)
os.environ["MCREDLAB_LEARNER"] = "tester"

from mcredlab import emulator  # noqa: E402
from mcredlab.target import Target, resolve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def emulator_info() -> Iterator[emulator.EmulatorInfo]:
    """The emulator of this test run, in its own process on a free port."""
    info = emulator.start(free_port())
    yield info
    emulator.stop()


@pytest.fixture
def fresh_emulator(emulator_info: emulator.EmulatorInfo) -> emulator.EmulatorInfo:
    """The emulator, emptied of every resource, and an empty progress store."""
    emulator.reset(emulator_info)
    (Path(os.environ["MCREDLAB_HOME"]) / "progress.sqlite3").unlink(missing_ok=True)
    return emulator_info


@pytest.fixture
def target(fresh_emulator: emulator.EmulatorInfo) -> Target:
    return resolve("emulator")


def emulator_state(info: emulator.EmulatorInfo) -> dict:
    """Every resource the emulator holds, as moto reports it, except AWS's own managed policies (which no request
    changes, and which make up nearly all of the dump once IAM is in use)."""
    with urllib.request.urlopen(f"{info.url}/moto-api/data.json?exclude=iam.AWSManagedPolicy", timeout=30) as reply:
        return json.loads(reply.read())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the run's temporary directory; fail the run if something named ``mcredlab-*`` was left in it."""
    shutil.rmtree(TEST_HOME, ignore_errors=True)
    left = sorted(path.name for path in RUN_TMP.glob("mcredlab-*"))
    shutil.rmtree(RUN_TMP, ignore_errors=True)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_sep("=", f"temporary folders left behind by the tests: {', '.join(left)}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
