"""Start, find, reset and stop the background emulator."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from mcredlab._text import Text
from mcredlab.errors import EmulatorFailedToStart, EmulatorRunsElsewhere
from mcredlab.home import home

DEFAULT_PORT = 4747
STARTUP_SECONDS = 60.0
BUSY_SECONDS = 10.0


@dataclass(frozen=True)
class EmulatorInfo:
    """A running emulator: where it listens and which process serves it."""

    pid: int
    port: int
    started_at: float

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _state_file() -> Path:
    return home() / "emulator.json"


def _log_file() -> Path:
    return home() / "emulator.log"


def _answers(port: int, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/config", timeout=timeout) as reply:
            return bool(200 <= reply.status < 300)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status() -> EmulatorInfo | None:
    """The running emulator of this ``MCREDLAB_HOME``, or ``None``."""
    try:
        info = EmulatorInfo(**json.loads(_state_file().read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if not _alive(info.pid):
        return None
    # A busy emulator (a long Lambda call, a loaded machine) may be slow to answer: while its port is
    # held, wait longer rather than start a second one beside it.
    if _answers(info.port) or (not _port_free(info.port) and _answers(info.port, timeout=BUSY_SECONDS)):
        return info
    return None


def start(port: int | None = None) -> EmulatorInfo:
    """Start the emulator unless it already runs; return where it listens. Idempotent.

    A running emulator is never moved to another ``port``: kernels and resources depend on it.
    """
    running = status()
    if running is not None and (port is None or port == running.port):
        return running
    if running is not None:
        raise EmulatorRunsElsewhere(running.url, port)
    if port is None:
        port = DEFAULT_PORT if _port_free(DEFAULT_PORT) else _free_port()
    elif not _port_free(port):
        raise EmulatorFailedToStart(Text(en=f"port {port} is already in use", ja=f"ポート {port} はすでに使用されています"),
                                    str(_log_file()))
    log = _log_file().open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "mcredlab.emulator", "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # not a child of the kernel's process group: survives its restart
        close_fds=True,
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorFailedToStart(Text(en=f"exit code {process.returncode}", ja=f"終了コード {process.returncode}"),
                                        str(_log_file()))
        if _answers(port, timeout=0.5):
            info = EmulatorInfo(pid=process.pid, port=port, started_at=time.time())
            _state_file().write_text(json.dumps(asdict(info)))
            return info
        time.sleep(0.1)
    process.kill()
    seconds = f"{STARTUP_SECONDS:.0f}"
    raise EmulatorFailedToStart(Text(en=f"no answer on port {port} after {seconds} s",
                                     ja=f"{seconds} 秒経ってもポート {port} から応答がありません"), str(_log_file()))


def ensure_running() -> EmulatorInfo:
    """The running emulator, started first if needed."""
    return status() or start()


def stop() -> bool:
    """Stop the emulator; return whether one was running."""
    try:
        info = EmulatorInfo(**json.loads(_state_file().read_text()))
    except (OSError, ValueError, TypeError):
        return False
    _state_file().unlink(missing_ok=True)
    if not _alive(info.pid):
        return False
    try:
        os.killpg(info.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        os.kill(info.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(info.pid):
        try:  # reap it if it is our own child
            os.waitpid(info.pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return True


def reset(info: EmulatorInfo) -> None:
    """Forget every resource the emulator holds (all labs, all learners' work on it)."""
    request = urllib.request.Request(f"{info.url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30):
        pass
