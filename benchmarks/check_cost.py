"""How much a check costs, as ratios measured in one run (never as timed assertions).

For every lab, on a solved lab in a private emulator: the median wall time of a check, the number of
requests it sends, and the ratio of its time to sending that many cheap reads
(``sts.get_caller_identity``). A ratio near 1 means the check costs what its requests cost. Each check
gets its own read-only ``Aws`` (as a learner's Check does), so its read cache starts empty and the
requests sent equal its distinct reads; "asked" counts every read its criteria asked for.

    python benchmarks/check_cost.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

os.environ["MCREDLAB_HOME"] = tempfile.mkdtemp(prefix="mcredlab-bench-")

from mcredlab import emulator  # noqa: E402
from mcredlab.checking import run_check  # noqa: E402
from mcredlab.labs import all_labs  # noqa: E402
from mcredlab.target import resolve  # noqa: E402

ROUNDS = 15


def median_seconds(action, rounds: int = ROUNDS) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    info = emulator.start(port=None)
    try:
        target = resolve("emulator")
        probe = target.aws().client("sts")
        one_read = median_seconds(probe.get_caller_identity, rounds=50)
        print(f"one cheap read: {one_read * 1000:.1f} ms (median of 50)")
        print(f"{'lab':<22} {'check ms':>9} {'requests':>9} {'asked':>6} {'ratio':>6}")
        for lab in all_labs().values():
            emulator.reset(info)
            aws = target.aws()
            ctx = lab.provision(aws)
            lab.solve(aws, ctx)
            run_check(lab, target.aws(read_only=True), ctx)  # warm: clients built, moto services loaded
            counter = target.aws(read_only=True)
            run_check(lab, counter, ctx)
            requests, asked = len(counter.calls), len(counter.reads)
            seconds = median_seconds(lambda: run_check(lab, target.aws(read_only=True), ctx))
            print(f"{lab.id:<22} {seconds * 1000:>9.1f} {requests:>9} {asked:>6} {seconds / (requests * one_read):>6.2f}")
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
