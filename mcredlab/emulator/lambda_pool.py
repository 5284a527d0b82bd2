"""Warm execution environments for Python Lambda functions, as local worker processes.

One worker (:mod:`mcredlab.emulator.lambda_worker`) is one execution environment: it imports the
handler once and serves invocations one at a time over a pipe. Workers are pooled by
:class:`FunctionSpec` (function ARN, code SHA-256 and every setting the runtime sees), so a new
code or configuration gets fresh workers and the old ones are stopped. A worker killed at its
timeout, or one that exits, is not reused. At most :data:`MAX_IDLE` workers stay idle; one idle for
longer than :data:`IDLE_SECONDS` is stopped at the next invocation. Workers share the emulator's
process group (stopping the emulator stops them) and exit by themselves if the emulator dies.
Their ``/tmp`` directories live under the pool's own directory beside the code (``tmp/pid-N``), never in
the system's temporary directory: removed with each worker, at the emulator's exit, and, when an
emulator was killed, by the next one to start in the same ``MCREDLAB_HOME``.

Independent of moto: the emulator extension ``lambda_runner`` turns a moto ``LambdaFunction`` into
a :class:`FunctionSpec` and writes :attr:`Outcome.events` to CloudWatch Logs.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import math
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcredlab.emulator.lambda_worker import START_MARKER

WORKER_SCRIPT = str(Path(__file__).with_name("lambda_worker.py"))
INIT_SECONDS = 10.0  # AWS gives the init phase 10 s of its own
IDLE_SECONDS = 300.0
MAX_IDLE = 8
MAX_BUSY = 10  # concurrent invocations; more wait, up to the function's timeout
TAIL_BYTES = 4096  # what LogType=Tail returns
EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing"}


@dataclass(frozen=True)
class FunctionSpec:
    """Everything a function's execution environment depends on; equal specs share warm workers."""

    name: str
    arn: str
    version: str
    runtime: str | None
    handler: str | None
    timeout: int
    memory_size: int
    region: str
    environment: tuple[tuple[str, str], ...]
    code_sha256: str
    generation: str  # new when the function is created again under the same ARN

    @property
    def runs_here(self) -> bool:
        return bool(self.runtime and self.runtime.startswith("python") and self.handler)


@dataclass
class Outcome:
    """One invocation's result: payload (JSON text), whether it is an error, and its log events."""

    request_id: str
    payload: str
    errored: bool
    log_stream: str
    events: list[tuple[int, str]] = field(default_factory=list)  # (epoch ms, message)

    def tail(self) -> str:
        """The last 4 KB of the invocation's log, what ``LogType=Tail`` returns."""
        text = "".join(message + "\n" for _, message in self.events).encode()
        return text[-TAIL_BYTES:].decode("utf-8", "ignore")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _stamp() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


def log_stream_name(version: str) -> str:
    return time.strftime("%Y/%m/%d", time.gmtime()) + f"/[{version}]{uuid.uuid4().hex}"


def code_directory(root: Path, sha256: str, code: bytes) -> Path:
    """The function's zip, unpacked once per code SHA-256 under ``root``."""
    target = root / sha256
    if target.is_dir():
        return target
    root.mkdir(parents=True, exist_ok=True)
    unpacking = Path(tempfile.mkdtemp(prefix=f".{sha256[:12]}-", dir=root))
    # moto accepts any bytes as a zip; the handler's import then fails, as on AWS
    with contextlib.suppress(zipfile.BadZipFile), zipfile.ZipFile(io.BytesIO(code)) as archive:
        archive.extractall(unpacking)
    try:
        unpacking.rename(target)
    except OSError:  # another invocation unpacked it first
        shutil.rmtree(unpacking, ignore_errors=True)
    return target


def worker_environment(spec: FunctionSpec, log_stream: str, code_dir: Path, tmp: str, endpoint_url: str) -> dict[str, str]:
    """The handler's environment, built from scratch: nothing of the emulator's own (a learner's
    credentials included) leaks in. Defaults the function may override (as on AWS: ``PATH``, ``LANG``,
    ``TZ``), the function's variables, then what Lambda reserves, and the emulator endpoint."""
    return {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "HOME": tmp,
        "TMPDIR": tmp,
        **dict(spec.environment),
        "PYTHONUNBUFFERED": "1",  # print() reaches the log even if the handler is then killed
        "LAMBDA_TASK_ROOT": str(code_dir),
        "LAMBDA_RUNTIME_DIR": os.path.dirname(WORKER_SCRIPT),
        "_HANDLER": spec.handler or "",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        **EMULATOR_CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def _max_memory_mb(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return math.ceil(int(line.split()[1]) / 1024)
    return 0


class _Lines:
    """Bytes from the log pipe, cut into timestamped lines (one CloudWatch event each)."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str]] = []
        self.handler_starts_at: int | None = None  # index of the first line the handler wrote
        self.handler_started_ms = _now_ms()
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        now = _now_ms()
        for raw in complete:
            line = raw.decode("utf-8", "replace")
            starts = line.endswith(START_MARKER)
            line = line.removesuffix(START_MARKER)
            if line or not starts:
                self.lines.append((now, line))
            if starts:
                self.handler_starts_at, self.handler_started_ms = len(self.lines), now

    def close(self) -> None:
        if self._partial:
            self.feed(b"\n")


def _error(request_id: str, error_type: str, message: str) -> str:
    return json.dumps({"errorType": error_type, "errorMessage": f"RequestId: {request_id} Error: {message}"})


class Worker:
    """One execution environment: a process that imported the handler and serves invocations."""

    def __init__(self, spec: FunctionSpec, code_dir: Path, endpoint_url: str, tmp_root: Path | None = None) -> None:
        self.spec = spec
        self.log_stream = log_stream_name(spec.version)
        self.tmp = tempfile.mkdtemp(prefix="mcredlab-lambda-", dir=tmp_root)
        self.cold = True
        self.last_used = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, WORKER_SCRIPT],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=code_dir, env=worker_environment(spec, self.log_stream, code_dir, self.tmp, endpoint_url),
            close_fds=True,
        )
        for pipe in (self.process.stdout, self.process.stderr):
            os.set_blocking(pipe.fileno(), False)  # type: ignore[union-attr]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[union-attr]
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _drain(self, logs: _Lines, wait: float = 0.0) -> None:
        """Read what the log pipe holds now (and, with ``wait``, until it closes or ``wait`` runs out)."""
        fd = self.process.stderr.fileno()  # type: ignore[union-attr]
        deadline = time.monotonic() + wait
        while (chunk := _read(fd)) != b"":
            if chunk:
                logs.feed(chunk)
            elif time.monotonic() >= deadline:
                return
            else:
                time.sleep(0.01)

    def _exchange(self, request: dict[str, Any], logs: _Lines) -> tuple[dict[str, Any] | None, float | None, bool]:
        """Send ``request``; collect log lines until the result, the worker's exit or the deadline.

        Returns the result (``None`` if none came), the init duration of a cold start, and whether
        the worker exited.
        """
        stdout, stderr = self.process.stdout, self.process.stderr
        deadline = time.monotonic() + (INIT_SECONDS if self.cold else 0) + self.spec.timeout
        with contextlib.suppress(OSError):  # a worker that is gone is reported as an exit
            self.process.stdin.write(json.dumps(request).encode() + b"\n")  # type: ignore[union-attr]
            self.process.stdin.flush()  # type: ignore[union-attr]
        buffered, init_ms = b"", None
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
            selector.register(stderr, selectors.EVENT_READ)  # type: ignore[arg-type]
            while (remaining := deadline - time.monotonic()) > 0:
                for key, _ in selector.select(remaining):
                    chunk = _read(key.fd)
                    if key.fileobj is stderr:
                        if chunk == b"":
                            selector.unregister(stderr)
                        elif chunk:
                            logs.feed(chunk)
                        continue
                    if chunk == b"":
                        return None, init_ms, True
                    buffered += chunk or b""
                    while b"\n" in buffered:
                        line, buffered = buffered.split(b"\n", 1)
                        message = json.loads(line)
                        if "started" not in message:
                            return message, init_ms, False
                        init_ms = message["init_ms"]
                        deadline = time.monotonic() + self.spec.timeout
        return None, init_ms, False

    def invoke(self, request_id: str, event: str, invoked_arn: str) -> Outcome:
        """Run one invocation; kill the worker if it outlives the function's timeout."""
        spec, started, cold = self.spec, time.monotonic(), self.cold
        runtime = f"{spec.runtime} (mcredlab emulator, Python {sys.version_info.major}.{sys.version_info.minor})"
        head = [(_now_ms(), f"INIT_START Runtime Version: {runtime}")] if cold else []
        logs = _Lines()
        request = {"request_id": request_id, "event": event, "invoked_function_arn": invoked_arn,
                   "timeout_ms": spec.timeout * 1000}
        result, init_ms, exited = self._exchange(request, logs)
        self.cold, self.last_used = False, time.monotonic()
        ending: list[tuple[int, str]] = []
        status = ""
        if result is not None:
            payload, errored = str(result["payload"]), bool(result["errored"])
            self._drain(logs)
        elif not exited:  # still running at its deadline: killed, as AWS does
            self.process.kill()
            self._drain(logs, wait=0.5)
            message = f"Task timed out after {spec.timeout:.2f} seconds"
            payload, errored, status = _error(request_id, "Sandbox.Timedout", message), True, "\tStatus: timeout"
            ending.append((_now_ms(), f"{_stamp()} {request_id} {message}"))
        else:
            self._drain(logs, wait=0.5)
            try:
                code = self.process.wait(timeout=2)  # its result pipe closed: it is exiting
            except subprocess.TimeoutExpired:  # or it closed the pipe and lives on: end it
                self.process.kill()
                code = self.process.wait()
            message = "Runtime exited with error: " + (f"signal: {-code}" if code < 0 else f"exit status {code}")
            payload, errored, status = _error(request_id, "Runtime.ExitError", message), True, "\tStatus: error"
            ending.append((_now_ms(), f"RequestId: {request_id} Error: {message}"))
        logs.close()
        start_at = len(logs.lines) if logs.handler_starts_at is None else logs.handler_starts_at
        duration = (time.monotonic() - started) * 1000 - (init_ms or 0)
        report = (f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: "
                  f"{math.ceil(duration)} ms\tMemory Size: {spec.memory_size} MB\tMax Memory Used: "
                  f"{_max_memory_mb(self.process.pid)} MB")
        report += (f"\tInit Duration: {init_ms:.2f} ms" if init_ms is not None else "") + status
        events = [*head, *logs.lines[:start_at], (logs.handler_started_ms, f"START RequestId: {request_id} Version: {spec.version}"),
                  *logs.lines[start_at:], *ending, (_now_ms(), f"END RequestId: {request_id}"), (_now_ms(), report)]
        return Outcome(request_id, payload, errored, self.log_stream, _chronological(events))


def _read(fd: int) -> bytes | None:
    """What a non-blocking pipe holds: bytes, ``b""`` at its end, ``None`` when empty for now."""
    try:
        return os.read(fd, 65536)
    except BlockingIOError:
        return None


def _chronological(events: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The events in their order, timestamps made non-decreasing (CloudWatch Logs requires it)."""
    ordered, last = [], 0
    for stamp, message in events:
        last = max(last, stamp)
        ordered.append((last, message))
    return ordered


def unsupported(spec: FunctionSpec, request_id: str) -> Outcome:
    """The answer for a function this emulator cannot run (not a Python runtime, or a container image)."""
    what = f"the {spec.runtime} runtime" if spec.runtime else "container-image functions"
    message = (f"The offline mcredlab emulator runs Python functions only; {what} cannot run here. "
               "Use a python3.x runtime, or run this lab against real AWS (--target aws).")
    payload = {"errorMessage": message, "errorType": "Emulator.UnsupportedRuntime", "requestId": request_id,
               "stackTrace": []}
    now = _now_ms()
    events = [(now, f"START RequestId: {request_id} Version: {spec.version}"), (now, message),
              (now, f"END RequestId: {request_id}")]
    return Outcome(request_id, json.dumps(payload), True, log_stream_name(spec.version), events)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def own_tmp_root(parent: Path) -> Path:
    """This process's directory for its workers' ``/tmp`` under ``parent``, removed at exit.

    Those of processes that are gone (an emulator killed before its exit handlers ran) are removed first.
    """
    parent.mkdir(parents=True, exist_ok=True)
    for stale in parent.glob("pid-*"):
        pid = stale.name.removeprefix("pid-")
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    own = parent / f"pid-{os.getpid()}"
    own.mkdir(exist_ok=True)
    atexit.register(shutil.rmtree, own, True)
    return own


class Pool:
    """Workers by :class:`FunctionSpec`; one invocation per worker at a time."""

    def __init__(self, code_root: Path, endpoint_url: str, tmp_root: Path | None = None) -> None:
        self.code_root, self.endpoint_url = code_root, endpoint_url
        self.tmp_root = own_tmp_root(tmp_root or code_root.parent / "tmp")
        self._lock = threading.Lock()
        self._busy = threading.BoundedSemaphore(MAX_BUSY)
        self._idle: list[Worker] = []
        self._current: dict[str, FunctionSpec] = {}  # newest spec seen per function ARN

    def invoke(self, spec: FunctionSpec, code: bytes, event: Any, request_id: str | None = None,
               invoked_arn: str | None = None) -> Outcome:
        """Run ``spec``'s handler on ``event`` (any JSON value) in a warm worker, or a new one."""
        request_id = request_id or str(uuid.uuid4())
        if not spec.runs_here:
            return unsupported(spec, request_id)
        if not self._busy.acquire(timeout=spec.timeout):
            message = f"more than {MAX_BUSY} invocations are running in the emulator at once"
            return Outcome(request_id, _error(request_id, "TooManyRequestsException", message), True,
                           log_stream_name(spec.version))
        try:
            worker = self._acquire(spec, code)
            try:
                return worker.invoke(request_id, json.dumps(event), invoked_arn or spec.arn)
            finally:
                self._release(worker)
        finally:
            self._busy.release()

    def _acquire(self, spec: FunctionSpec, code: bytes) -> Worker:
        with self._lock:
            self._current[spec.arn] = spec
            keep, stop, found = [], [], None
            expired = time.monotonic() - IDLE_SECONDS
            for worker in self._idle:
                current = self._current.get(worker.spec.arn) == worker.spec
                if not current or not worker.alive or worker.last_used < expired:
                    stop.append(worker)
                elif found is None and worker.spec == spec:
                    found = worker
                else:
                    keep.append(worker)
            self._idle = keep
        for worker in stop:
            worker.stop()
        if found is not None:
            return found
        return Worker(spec, code_directory(self.code_root, spec.code_sha256, code), self.endpoint_url, self.tmp_root)

    def _release(self, worker: Worker) -> None:
        """Keep a worker warm if it still serves the function's current spec; stop the least recently used
        one beyond :data:`MAX_IDLE`."""
        with self._lock:
            if worker.alive and self._current.get(worker.spec.arn) == worker.spec:
                self._idle.append(worker)
                if len(self._idle) <= MAX_IDLE:
                    return
                worker = self._idle.pop(0)
        worker.stop()
