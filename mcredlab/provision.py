"""What labs' setups and teardowns share: create a prerequisite once, delete only what a lab tagged as its own.

Every function is idempotent: a setup may run again after a kernel restart, and a resource that exists is
kept as it is (it may be the learner's work in progress). Everything created carries the tag
``mcredlab:lab = <lab id>``, and teardown deletes a resource only when it carries that tag.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from mcredlab.lab import TAG_KEY
from mcredlab.target import Aws

NOT_FOUND = frozenset({"ResourceNotFoundException", "NoSuchEntity", "NotFoundException", "NoSuchBucket", "404"})
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def trust_policy(service: str) -> dict[str, Any]:
    """A role trust policy letting ``service`` (such as ``lambda.amazonaws.com``) assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def not_found(error: ClientError) -> bool:
    """Whether ``error`` says the resource does not exist (each service has its own code for it)."""
    return str(error.response.get("Error", {}).get("Code")) in NOT_FOUND


def tagged_by(lab_id: str, tags: Mapping[str, str] | None) -> bool:
    """Whether ``tags`` (as a key-value mapping) mark a resource as made by the lab ``lab_id``."""
    return (tags or {}).get(TAG_KEY) == lab_id


def zip_source(source: str, filename: str = "index.py") -> bytes:
    """A deployment package holding one Python source file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(filename, source)
    return buffer.getvalue()


def ensure_role(aws: Aws, lab_id: str, name: str, trust: Mapping[str, Any], *, managed: tuple[str, ...] = (),
                inline: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """The ARN of role ``name``; created with ``trust``, the ``managed`` policies and ``inline`` ones if missing."""
    iam = aws.client("iam")
    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except ClientError as error:
        if not not_found(error):
            raise
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                              Tags=[{"Key": TAG_KEY, "Value": lab_id}])["Role"]["Arn"])
    for policy_arn in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    for policy_name, document in (inline or {}).items():
        iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
    return arn


def ensure_function(aws: Aws, lab_id: str, name: str, *, role_arn: str, source: str, timeout: int = 10,
                    description: str = "", environment: Mapping[str, str] | None = None) -> str:
    """The ARN of the Python function ``name``; created from ``source`` (handler ``index.handler``) if missing."""
    lam = aws.client("lambda")
    try:
        return str(lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"])
    except ClientError as error:
        if not not_found(error):
            raise
    options: dict[str, Any] = {"Description": description} if description else {}
    if environment:
        options["Environment"] = {"Variables": dict(environment)}
    for attempt in range(10):  # on AWS a new role takes a few seconds to become assumable
        try:
            return str(lam.create_function(
                FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="index.handler",
                Code={"ZipFile": zip_source(source)}, Timeout=timeout, Tags={TAG_KEY: lab_id}, **options,
            )["FunctionArn"])
        except ClientError as error:
            if error.response["Error"]["Code"] != "InvalidParameterValueException" or attempt == 9:
                raise
            time.sleep(3)
    raise AssertionError("unreachable")


def delete_function(aws: Aws, lab_id: str, name: str) -> None:
    """Delete the function ``name`` if the lab tagged it."""
    lam = aws.client("lambda")
    try:
        if tagged_by(lab_id, lam.get_function(FunctionName=name).get("Tags")):
            lam.delete_function(FunctionName=name)
    except ClientError as error:
        if not not_found(error):
            raise


def delete_role(aws: Aws, lab_id: str, name: str) -> None:
    """Delete the role ``name`` with its policies if the lab tagged it."""
    iam = aws.client("iam")
    try:
        tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
    except ClientError as error:
        if not_found(error):
            return
        raise
    if not tagged_by(lab_id, tags):
        return
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    iam.delete_role(RoleName=name)


def delete_bucket(aws: Aws, lab_id: str, bucket: str) -> None:
    """Empty and delete the S3 bucket ``bucket`` (every object version) if the lab tagged it."""
    s3 = aws.client("s3")
    try:
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    except ClientError:  # no such bucket, or a bucket without tags: not the lab's
        return
    if not tagged_by(lab_id, tags):
        return
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
    s3.delete_bucket(Bucket=bucket)
