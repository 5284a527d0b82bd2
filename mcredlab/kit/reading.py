"""Reading AWS state the way checks need it: what does not exist is ``None``, anything else is an error.

Every service says "not found" in its own words (``NoSuchEntity``, ``ResourceNotFoundException``,
``NoSuchBucketPolicy``, ``AWS.SimpleQueueService.NonExistentQueue`` ...). :func:`or_none` turns all
of them into ``None``, so a reader is one line::

    policy = or_none(aws.client("s3").get_bucket_policy, Bucket=bucket)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from botocore.exceptions import ClientError

from mcredlab.lab import TAG_KEY

T = TypeVar("T")

NOT_FOUND = frozenset({
    "404",
    "NotFound",
    "NotFoundException",
    "ResourceNotFoundException",
    # IAM, S3
    "NoSuchEntity",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchBucketPolicy",
    "NoSuchWebsiteConfiguration",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchTagSet",
    "NoSuchCORSConfiguration",
    "OwnershipControlsNotFoundError",
    # SQS, SNS, Step Functions, CloudFront, WAF, DynamoDB, CodeBuild, CodePipeline
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "StateMachineDoesNotExist",
    "ExecutionDoesNotExist",
    "NoSuchDistribution",
    "NoSuchOriginAccessControl",
    "WAFNonexistentItemException",
    "TableNotFoundException",
    "PipelineNotFoundException",
    "PipelineExecutionNotFoundException",
})
"""The error codes with which AWS services say that what was asked for does not exist."""


def error_code(error: ClientError) -> str:
    """The service's error code (``"NoSuchEntity"``)."""
    return str(error.response.get("Error", {}).get("Code", ""))


def not_found(error: ClientError, also: Iterable[str] = ()) -> bool:
    """Whether ``error`` says the resource does not exist (in any service's words, or one of ``also``)."""
    code = error_code(error)
    return code in NOT_FOUND or code in set(also)


def or_none(call: Callable[..., T], /, *args: object, also: Iterable[str] = (), **kwargs: object) -> T | None:
    """``call(*args, **kwargs)``, or ``None`` when it answers that the resource does not exist.

    ``also`` adds error codes that mean "nothing there" for this call only.
    """
    try:
        return call(*args, **kwargs)
    except ClientError as error:
        if not_found(error, also):
            return None
        raise


def tagged_by(lab_id: str, tags: Mapping[str, str] | None) -> bool:
    """Whether ``tags`` (as a key-value mapping) mark a resource as made by the lab ``lab_id``."""
    return (tags or {}).get(TAG_KEY) == lab_id


def tag_map(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    """``[{"Key": k, "Value": v}, ...]`` (IAM, S3, SQS lists) as ``{k: v}``."""
    return {t["Key"]: t["Value"] for t in tags or ()}
