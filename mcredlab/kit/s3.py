"""S3 buckets for labs: tagged idempotent buckets with their objects, teardown, and readers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from mcredlab.kit.reading import not_found, or_none, tag_map, tagged_by
from mcredlab.lab import TAG_KEY
from mcredlab.target import Aws


def bucket_names(aws: Aws) -> set[str]:
    """The names of the account's buckets."""
    return {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}


def ensure_bucket(aws: Aws, lab_id: str, bucket: str, objects: Mapping[str, tuple[str, str]] | None = None) -> bool:
    """Create bucket ``bucket`` tagged for the lab if missing; put each of ``objects`` that is missing.

    ``objects`` maps a key to ``(body, content type)``. Returns whether the bucket was created now,
    so a setup configures a new bucket and leaves one that exists (the learner's work) as it is.
    """
    s3 = aws.client("s3")
    created = bucket not in bucket_names(aws)  # us-east-1 "re-creates" an owned bucket without error
    if created:
        options = {} if aws.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": aws.region}}
        s3.create_bucket(Bucket=bucket, **options)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": TAG_KEY, "Value": lab_id}]})
    if objects:
        existing = set(keys(aws, bucket))
        for key, (body, content_type) in objects.items():
            if key not in existing:
                s3.put_object(Bucket=bucket, Key=key, Body=body.encode(), ContentType=content_type)
    return created


def ensure_versioned_bucket(aws: Aws, lab_id: str, bucket: str, objects: Mapping[str, bytes]) -> bool:
    """Like :func:`ensure_bucket` for a bucket with versioning enabled (as a CodePipeline S3 source needs), holding
    each of ``objects`` (key to bytes, such as a zip) that is missing. Returns whether the bucket was created now."""
    created = ensure_bucket(aws, lab_id, bucket)
    s3 = aws.client("s3")
    if created:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    existing = set(keys(aws, bucket))
    for key, body in objects.items():
        if key not in existing:
            s3.put_object(Bucket=bucket, Key=key, Body=body)
    return created


def keys(aws: Aws, bucket: str) -> list[str]:
    """Every object key in ``bucket`` (none when the bucket does not exist)."""
    found: list[str] = []
    try:
        for page in aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket):
            found.extend(o["Key"] for o in page.get("Contents", []))
    except ClientError as error:
        if not_found(error):
            return []
        raise
    return found


def tags(aws: Aws, bucket: str) -> dict[str, str] | None:
    """The bucket's tags, or ``None`` when the bucket does not exist or has none."""
    found = or_none(aws.client("s3").get_bucket_tagging, Bucket=bucket)
    return None if found is None else tag_map(found["TagSet"])


def website(aws: Aws, bucket: str) -> dict[str, Any] | None:
    """The bucket's static website configuration, or ``None``."""
    found = or_none(aws.client("s3").get_bucket_website, Bucket=bucket)
    return None if found is None else dict(found)


def policy(aws: Aws, bucket: str) -> str | None:
    """The bucket policy as JSON text, or ``None``."""
    found = or_none(aws.client("s3").get_bucket_policy, Bucket=bucket)
    return None if found is None else str(found["Policy"])


def public_access_block(aws: Aws, bucket: str | None = None) -> dict[str, bool]:
    """The Block Public Access settings of ``bucket``, or of the account without one (``{}`` when unset)."""
    if bucket is None:
        found = or_none(aws.client("s3control").get_public_access_block, AccountId=aws.account_id)
    else:
        found = or_none(aws.client("s3").get_public_access_block, Bucket=bucket)
    return dict((found or {}).get("PublicAccessBlockConfiguration", {}))


def object_ownership(aws: Aws, bucket: str) -> str | None:
    """The bucket's Object Ownership setting (``BucketOwnerEnforced`` ...), or ``None`` when unset."""
    found = or_none(aws.client("s3").get_bucket_ownership_controls, Bucket=bucket)
    rules = (found or {}).get("OwnershipControls", {}).get("Rules", [])
    return str(rules[0]["ObjectOwnership"]) if rules else None


def delete_bucket(aws: Aws, lab_id: str, bucket: str) -> None:
    """Empty and delete the S3 bucket ``bucket`` (every object version) if the lab tagged it."""
    if not tagged_by(lab_id, tags(aws, bucket)):
        return  # no such bucket, or a bucket that is not the lab's
    s3 = aws.client("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=bucket)
