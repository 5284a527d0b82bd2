"""Every registered lab is honest: fresh state fails, the reference passes, near misses fail on the
criterion they target, other valid solutions pass, and checking changes nothing."""

from __future__ import annotations

import re

import pytest

from mcredlab.checking import run_check
from mcredlab.lab import Lab
from mcredlab.labs import all_labs, get_lab
from mcredlab.session import LabSession
from mcredlab.target import SAFE_HTTP_METHODS, Target, reads_only
from tests.conftest import emulator_state
from tests.japanese import lab_names, report_problems

LABS = list(all_labs().values())
NEAR_MISSES = [pytest.param(lab, miss, id=f"{lab.id}:{miss.id}") for lab in LABS for miss in lab.near_misses]
CHAINED = [pytest.param(lab, id=f"{lab.follows}->{lab.id}") for lab in LABS if lab.follows]
ALTERNATIVES = [pytest.param(lab, alt, id=f"{lab.id}:{alt.id}") for lab in LABS for alt in lab.alternatives]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _reads(call: str) -> bool:
    """Whether a recorded call only reads: an API read operation, or a safe HTTP method."""
    kind, _, what = call.partition(":")
    if kind == "http":
        verb = what.split(" ", 1)[0]
        return verb in SAFE_HTTP_METHODS or verb.endswith("(evaluates)")
    return reads_only(what)


def _without_logs(state: dict) -> dict:
    """Emulator state less CloudWatch Logs: a behaviour criterion that calls the learner's API runs their
    function, and the log lines it prints are the one side effect such a request has (on AWS too)."""
    return {service: models for service, models in state.items() if service != "logs"}


def _check(lab: Lab, target: Target, ctx: dict[str, str]):  # type: ignore[no-untyped-def]
    """Check ``lab``. Every state a test reaches also proves two things of the report: its Japanese has no
    English left in it, and no cause is reported twice (a criterion that depends on another waits on it)."""
    report = run_check(lab, target.aws(read_only=True), ctx)
    bad = report_problems(report, {*ctx.values(), *lab_names(lab)})
    assert not bad, "Japanese of the report:\n" + "\n".join(bad)
    causes = [r.found.en for r in report.results if r.state == "failed"]
    repeated = sorted({cause for cause in causes if causes.count(cause) > 1})
    assert not repeated, f"the same cause fails several criteria (declare requires=): {repeated}\n{report}"
    return report


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_fresh_state_fails_and_names_the_failing_criteria(lab: Lab, target: Target) -> None:
    ctx = lab.provision(target.aws())
    report = _check(lab, target, ctx)
    assert not report.passed
    assert report.failed_ids, "a failing report names its failing criteria"
    for result in report.results:
        if not result.passed:
            assert result.found.en and result.found.ja and result.hint.en and result.hint.ja


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_reference_solution_passes(lab: Lab, target: Target) -> None:
    aws = target.aws()
    ctx = lab.provision(aws)
    lab.solve(aws, ctx)
    report = _check(lab, target, ctx)
    assert report.passed, str(report)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_setup_again_keeps_the_learners_work(lab: Lab, target: Target) -> None:
    aws = target.aws()
    ctx = lab.provision(aws)
    lab.solve(aws, ctx)
    assert lab.provision(aws) == ctx
    assert _check(lab, target, ctx).passed


@pytest.mark.parametrize(("lab", "miss"), NEAR_MISSES)
def test_near_miss_fails_on_the_criterion_it_targets(lab: Lab, miss, target: Target) -> None:  # type: ignore[no-untyped-def]
    aws = target.aws()
    ctx = lab.provision(aws)
    miss.apply(aws, ctx)
    report = _check(lab, target, ctx)
    assert set(miss.fails) <= set(report.failed_ids), str(report)
    assert set(miss.fails) & set(report.ids("failed")), f"every criterion it targets only waits:\n{report}"


@pytest.mark.parametrize(("lab", "alternative"), ALTERNATIVES)
def test_alternative_solution_passes(lab: Lab, alternative, target: Target) -> None:  # type: ignore[no-untyped-def]
    aws = target.aws()
    ctx = lab.provision(aws)
    alternative.apply(aws, ctx)
    report = _check(lab, target, ctx)
    assert report.passed, str(report)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_checking_changes_no_state(lab: Lab, target: Target, fresh_emulator) -> None:  # type: ignore[no-untyped-def]
    aws = target.aws()
    ctx = lab.provision(aws)
    for prepare in (lambda: None, lambda: lab.solve(aws, ctx)):
        prepare()
        for _ in range(2):  # moto builds defaults over the first requests (IAM's managed policies, per partition)
            run_check(lab, target.aws(read_only=True), ctx)
        before = _without_logs(emulator_state(fresh_emulator))
        checker = target.aws(read_only=True)
        run_check(lab, checker, ctx)
        assert _without_logs(emulator_state(fresh_emulator)) == before
        assert checker.calls and all(_reads(call) for call in checker.calls), checker.calls


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_lab_is_complete_in_both_languages(lab: Lab) -> None:
    assert len(lab.near_misses) >= 3
    assert lab.alternatives
    texts = [lab.title, lab.task] + [t for c in lab.criteria for t in (c.expected, c.looked_at, c.hint)]
    texts += [m.story for m in lab.near_misses] + [a.story for a in lab.alternatives]
    for text in texts:
        assert JAPANESE.search(text.ja), f"not Japanese: {text.ja!r}"
        assert not JAPANESE.search(text.en), f"Japanese in the English text: {text.en!r}"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_reset_removes_the_lab_and_nothing_else(lab: Lab, target: Target) -> None:
    s3 = target.aws().client("s3")
    s3.create_bucket(Bucket="learners-own-bucket")
    session = LabSession(lab, target)
    session.setup()
    session.solve()
    session.reset()
    assert session.attempt is None
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["learners-own-bucket"]
    ctx = session.setup()
    assert not _check(lab, target, ctx).passed, "after a reset the lab starts over"


@pytest.mark.parametrize("lab", CHAINED)
def test_a_chained_lab_starts_from_the_learners_result_of_the_lab_before(lab: Lab, target: Target) -> None:
    before, aws = get_lab(str(lab.follows)), target.aws()
    assert before.track == lab.track, "a chain stays within its track"
    previous = before.provision(aws)
    before.solve(aws, previous)
    assert _check(before, target, previous).passed
    ctx = lab.provision_after(aws, previous)
    assert not _check(lab, target, ctx).passed, "the chained task starts unsolved"
    lab.solve(aws, ctx)
    assert _check(lab, target, ctx).passed
    assert _check(before, target, previous).passed, "solving the later task keeps the earlier one solved"
