"""How long a Lambda invoke takes in the emulator, relative to starting Python and importing boto3.

Run: ``python benchmarks/lambda_invoke.py [--cold N] [--warm N]``. Starts its own emulator (temporary
``MCREDLAB_HOME``, free port), creates a function whose module imports boto3 (as most handlers do),
and reports medians as a RATIO to a bare ``python -c "import boto3"`` subprocess measured in the same
run, so numbers from different machines compare. Cold invokes follow a configuration change (a new
execution environment); warm ones reuse the worker. Not a test: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["MCREDLAB_HOME"] = tempfile.mkdtemp(prefix="mcredlab-bench-")
for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ.pop(name, None)

from mcredlab import emulator
from mcredlab.target import Target

HANDLER = "import boto3\n\nclient = boto3.client('sts')\n\ndef handler(event, context):\n    return {'n': event['n']}\n"


def _median_seconds(action: Callable[[], object], times: int, before: Callable[[], object] | None = None) -> float:
    samples = []
    for _ in range(times):
        if before is not None:
            before()
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=10, help="cold invokes (default 10)")
    parser.add_argument("--warm", type=int, default=50, help="warm invokes (default 50)")
    args = parser.parse_args()

    baseline = _median_seconds(lambda: subprocess.run([sys.executable, "-c", "import boto3"], check=True), args.cold)
    info = emulator.start(_free_port())
    try:
        aws = Target("emulator", "us-east-1", info.url).aws()
        lam = aws.client("lambda")
        role = aws.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam.create_function(FunctionName="bench", Runtime="python3.12", Role=role, Handler="index.handler",
                            Code={"ZipFile": _zip(HANDLER)})
        payload = json.dumps({"n": 1})

        def invoke() -> None:
            reply = lam.invoke(FunctionName="bench", Payload=payload)
            assert "FunctionError" not in reply, reply["Payload"].read()

        rounds = iter(range(10**6))

        def new_environment() -> None:  # a configuration change retires the warm worker
            lam.update_function_configuration(FunctionName="bench", Environment={"Variables": {"ROUND": str(next(rounds))}})

        cold = _median_seconds(invoke, args.cold, before=new_environment)
        invoke()
        warm = _median_seconds(invoke, args.warm)
        floor = _median_seconds(lambda: lam.get_function_configuration(FunctionName="bench"), args.warm)
    finally:
        emulator.stop()

    print(f"baseline  python -c 'import boto3' : {baseline * 1000:8.1f} ms  (median of {args.cold})")
    print(f"cold invoke (new worker)        : {cold * 1000:8.1f} ms  = {cold / baseline:5.2f} x baseline")
    print(f"warm invoke (reused worker)     : {warm * 1000:8.1f} ms  = {warm / baseline:5.3f} x baseline")
    print(f"any emulator request (get_function_configuration): {floor * 1000:.1f} ms = {floor / baseline:.3f} x baseline")
    print(f"warm reuse gain                 : cold / warm = {cold / warm:.0f} x")


if __name__ == "__main__":
    main()
