"""A lab session as notebooks use it."""

from __future__ import annotations

import pytest


def test_api_url_points_at_the_deployed_stage_and_says_when_there_is_no_api_yet(target) -> None:  # type: ignore[no-untyped-def]
    """Learners get the URL of their API from the lab; before it exists, one sentence says so."""
    from mcredlab.errors import NoApiYet
    from mcredlab.labs import get_lab
    from mcredlab.session import LabSession

    cors = LabSession(get_lab("apigw-cors"), target)
    cors.setup()
    assert cors.api_url().endswith(f"/restapis/{cors.context['api_id']}/prod/_user_request_")
    proxy = LabSession(get_lab("apigw-lambda-proxy"), target)
    proxy.setup()
    with pytest.raises(NoApiYet):
        proxy.api_url()


def test_checks_cannot_write_but_may_read_and_evaluate(target) -> None:  # type: ignore[no-untyped-def]
    """The read-only clients checks get refuse writes before sending them."""
    from mcredlab.target import WriteAttempted, reads_only

    aws = target.aws(read_only=True)
    aws.client("s3").list_buckets()
    with pytest.raises(WriteAttempted):
        aws.client("s3").create_bucket(Bucket="not-allowed")
    with pytest.raises(WriteAttempted):
        aws.http("POST", f"{target.endpoint_url}/anything")
    with pytest.raises(WriteAttempted):
        aws.cli("s3", "ls")
    assert reads_only("ApplyGuardrail") and reads_only("GetBucketPolicy") and not reads_only("PutBucketPolicy")
    assert target.aws().client("s3").list_buckets()["Buckets"] == []


def test_a_site_that_does_not_answer_is_a_failed_criterion_and_a_dead_emulator_a_sentence(target) -> None:  # type: ignore[no-untyped-def]
    """An HTTP request of a check that gets no answer is reported as what was sent and what happened."""
    from mcredlab._text import same
    from mcredlab.checking import check_one
    from mcredlab.errors import EmulatorNotRunning
    from mcredlab.lab import Criterion, passed
    from tests.conftest import free_port

    def probe(url: str) -> Criterion:
        return Criterion("probe", same("an answer"), same("a site"), same("-"),
                         lambda aws, ctx: passed(str(aws.http("GET", url).status), ""))

    closed = f"http://127.0.0.1:{free_port()}/index.html"
    result = check_one(probe(closed), target.aws(read_only=True), {})
    assert not result.passed and f"GET {closed} got no answer" in result.found.en and "応答がありません" in result.found.ja
    dead = target.__class__("emulator", target.region, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(EmulatorNotRunning):
        check_one(probe(f"{dead.endpoint_url}/bucket/index.html"), dead.aws(read_only=True), {})
