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
