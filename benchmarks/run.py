"""Every benchmark of the kit in one run, printed as a markdown table of ratios (never timed assertions).

    python benchmarks/run.py [--starts N] [--skip-lambda]

- emulator start: ``mcredlab emulator start`` (``python -m mcredlab.emulator``, ready when
  ``/moto-api/config`` answers) against a bare ``moto_server`` started alternately in the same run;
  medians of N starts each, and the ratio of their resident memory once idle;
- reset: ``/moto-api/reset`` and the first IAM request after it (what every lab's setup pays), on the
  emulator against a bare ``moto_server`` that also loads AWS's managed policies, medians of 5 each;
- check requests: for every lab, on its solved state, the requests one check sends against the
  distinct reads its criteria ask for (and all the reads they ask for), and the check's time as a
  ratio to that many cheap reads (as ``benchmarks/check_cost.py``);
- Lambda invoke: ``benchmarks/lambda_invoke.py`` (cold and warm invokes as ratios to ``import boto3``).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/config", timeout=1) as reply:
            return bool(200 <= reply.status < 300)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _moto_server_command(port: int) -> list[str]:
    return [sys.executable, "-c", "from moto.server import main; main()", "-p", str(port)]


def _emulator_command(port: int) -> list[str]:
    return [sys.executable, "-m", "mcredlab.emulator", "--port", str(port)]


def _median(action: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def start_once(command: Callable[[int], list[str]]) -> tuple[float, float]:
    """Seconds from spawn until the server answers, and its resident MB after 2 s idle."""
    port = _free_port()
    env = {**os.environ, "MCREDLAB_HOME": tempfile.mkdtemp(prefix="mcredlab-bench-")}
    started = time.perf_counter()
    process = subprocess.Popen(command(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL)
    try:
        while not _ready(port):
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise RuntimeError(f"{command(port)} did not start")
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        time.sleep(2)
        return seconds, _rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def start_rows(rounds: int) -> list[tuple[str, str, str]]:
    """Start time and idle memory of the emulator and of a bare moto server, alternating."""
    emulator: list[tuple[float, float]] = []
    moto: list[tuple[float, float]] = []
    for _ in range(rounds):
        moto.append(start_once(_moto_server_command))
        emulator.append(start_once(_emulator_command))
    e_start, m_start = (statistics.median(s for s, _ in runs) for runs in (emulator, moto))
    e_rss, m_rss = (statistics.median(r for _, r in runs) for runs in (emulator, moto))
    return [
        ("emulator start / bare moto_server start", f"{e_start / m_start:.2f}x",
         f"{e_start:.2f} s / {m_start:.2f} s, median of {rounds}"),
        ("emulator idle RSS / bare moto_server idle RSS", f"{e_rss / m_rss:.2f}x",
         f"{e_rss:.0f} MB / {m_rss:.0f} MB"),
    ]


def _reset_then_read_iam(port: int) -> float:
    """Seconds for ``/moto-api/reset`` and one IAM read after it, median of 5 (after a warm-up)."""
    import boto3

    iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")

    def reset_then_read() -> None:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=60):
            pass
        iam.list_roles()

    reset_then_read()
    return _median(reset_then_read, 5)


def reset_rows() -> list[tuple[str, str, str]]:
    """A reset and the first IAM request after it, on the emulator and on a bare moto server."""
    seconds = {}
    for name, command in (("emulator", _emulator_command), ("moto", _moto_server_command)):
        port = _free_port()
        env = {**os.environ, "MCREDLAB_HOME": tempfile.mkdtemp(prefix="mcredlab-bench-"),
               "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
        process = subprocess.Popen(command(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   stdin=subprocess.DEVNULL)
        try:
            while not _ready(port):
                time.sleep(0.05)
            seconds[name] = _reset_then_read_iam(port)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return [("reset + first IAM request: emulator / bare moto_server (both with AWS managed policies)",
             f"{seconds['emulator'] / seconds['moto']:.2f}x",
             f"{seconds['emulator'] * 1000:.0f} ms / {seconds['moto'] * 1000:.0f} ms, median of 5")]


def check_rows() -> list[tuple[str, str, str]]:
    """Per lab: requests one check sends against the distinct reads (and all reads) its criteria ask."""
    os.environ["MCREDLAB_HOME"] = tempfile.mkdtemp(prefix="mcredlab-bench-")
    from typing import Any

    from mcredlab import emulator
    from mcredlab.checking import run_check
    from mcredlab.labs import all_labs
    from mcredlab.read_cache import ReadCache, operation_key
    from mcredlab.target import Aws, HttpReply, resolve

    class Counting(Aws):
        """A check's Aws that also notes, on its own, each distinct read asked (an evaluating POST or an
        event stream counts each time: those are sent each time)."""

        distinct: set[object]

        def client(self, service: str) -> Any:
            fresh = service not in self._clients
            client = super().client(service)
            if fresh:
                def note(params: Any, model: Any, **_: Any) -> None:  # an event stream is never a repeatable read
                    key = operation_key(model.service_model.service_name, model.name, params)
                    self.distinct.add(object() if model.has_event_stream_output else key)

                client.meta.events.register_first("before-parameter-build.*.*", note)
            return client

        def http(self, method: str, url: str, headers: dict[str, str] | None = None, body: str | None = None,
                 *, evaluates_only: bool = False, follow_redirects: bool = True) -> HttpReply:
            key = ReadCache.http_key(method, url, headers)
            self.distinct.add(object() if evaluates_only else (key, follow_redirects))
            return super().http(method, url, headers, body, evaluates_only=evaluates_only,
                                follow_redirects=follow_redirects)

    rows = []
    info = emulator.start(port=None)
    try:
        target = resolve("emulator")
        probe = target.aws().client("sts")
        one_read = _median(probe.get_caller_identity, 30)
        for lab in all_labs().values():
            emulator.reset(info)
            aws = target.aws()
            ctx = lab.provision(aws)
            lab.solve(aws, ctx)
            run_check(lab, target.aws(read_only=True), ctx)  # warm: moto builds each service once
            checker = Counting(target, read_only=True)
            checker.distinct = set()
            report = run_check(lab, checker, ctx)
            sent, distinct, asked = len(checker.calls), len(checker.distinct), len(checker.reads)
            seconds = _median(lambda: run_check(lab, target.aws(read_only=True), ctx), 5)
            rows.append((f"check `{lab.id}` ({len(lab.criteria)} criteria): requests sent / distinct reads",
                         f"{sent / max(distinct, 1):.2f}x",
                         f"{sent} sent, {distinct} distinct, {asked} asked{'' if report.passed else ' (not passed)'}"))
            rows.append((f"check `{lab.id}`: time / ({sent} cheap reads)", f"{seconds / (sent * one_read):.2f}x",
                         f"{seconds * 1000:.0f} ms, median of 5 (`benchmarks/check_cost.py`)"))
    finally:
        emulator.stop()
    return rows


def lambda_rows() -> list[tuple[str, str, str]]:
    """The Lambda invoke ratios, from benchmarks/lambda_invoke.py."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "lambda_invoke.py"), "--cold", "5", "--warm", "20"],
                          capture_output=True, text=True, check=True)
    rows = []
    for line in done.stdout.splitlines():
        if "=" in line and " x" in line:
            label, _, ratio = line.partition("=")
            name = label.split(":")[0].strip()
            basis = "cold / warm" if "gain" in name else "vs `python -c 'import boto3'`"
            rows.append((name, ratio.split("x")[0].strip() + "x", basis))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5, help="starts of each server (default 5)")
    parser.add_argument("--skip-lambda", action="store_true", help="leave out the Lambda invoke benchmark")
    args = parser.parse_args()
    rows = start_rows(args.starts) + reset_rows() + check_rows() + ([] if args.skip_lambda else lambda_rows())
    print("| measure | ratio | figures |")
    print("|---|---|---|")
    for measure, ratio, figures in rows:
        print(f"| {measure} | {ratio} | {figures} |")


if __name__ == "__main__":
    main()
