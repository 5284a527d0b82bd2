"""Block Public Access refuses public policies and public ACLs on write, as AWS does.

moto 5.2.5 stores Block Public Access settings and never applies them on write: ``put-bucket-policy``
with a policy open to everyone succeeded while the bucket's (or the account's) ``BlockPublicPolicy``
was on, and ``put-object-acl --acl public-read`` succeeded under ``BlockPublicAcls``. A learner who
forgot to clear the setting saw the call succeed, unlike on AWS.

Here ``S3Backend.put_bucket_policy`` refuses a public policy (AWS's definition, the one
``s3_anonymous_access`` applies for reads: an Allow to ``*`` or ``{"AWS": "*"}`` not limited by a
fixed ``aws:SourceIp``, ``aws:SourceArn``... condition) while ``BlockPublicPolicy`` is on for the
bucket or the account, with 403 AccessDenied and AWS's sentence ("... because public policies are
blocked by the BlockPublicPolicy block public access setting."). Because the check is in the backend,
CloudFormation's ``AWS::S3::BucketPolicy`` (``s3_cloudformation_bucket_policy``) meets it too. ACLs
read from a request (canned ``public-read``, ``public-read-write``, ``authenticated-read``, or
``x-amz-grant-*`` headers and an ``AccessControlPolicy`` body granting AllUsers or AuthenticatedUsers)
are refused with 403 AccessDenied "Access Denied" while ``BlockPublicAcls`` is on: PutBucketAcl,
PutObjectAcl, PutObject, CopyObject, CreateMultipartUpload, and CreateBucket (account setting only).

Still unlike AWS: the caller named in the message is the IAM user owning the request's access key,
or the account root (moto's default credentials belong to no user). A CreateBucket refused for its
ACL leaves the bucket created without that ACL, where AWS creates nothing; new buckets have no
Block Public Access settings of their own (AWS turns all four on), so only the account's apply to them.
"""

from __future__ import annotations

import contextvars
import re
from typing import Any

from mcredlab.emulator.extensions.s3_anonymous_access import block_settings, policy_is_public

SEAMS = (
    ("moto.s3.models", "S3Backend", "put_bucket_policy"),
    ("moto.s3.models", "S3Backend", "get_bucket"),
    ("moto.s3.models", "FakeAcl", None),
    ("moto.s3.models", "FakeGrantee", None),
    ("moto.s3.responses", "S3Response", "setup_class"),
    ("moto.s3.responses", "S3Response", "_acl_from_headers"),
    ("moto.s3.responses", "S3Response", "_acl_from_body"),
    ("moto.s3.exceptions", "S3ClientError", None),
    ("moto.s3.exceptions", "S3AccessDeniedError", None),
    ("moto.s3.exceptions", "MissingBucket", None),
    ("moto.iam.models", "iam_backends", None),
    ("moto.utilities.utils", "get_partition", None),
)

PUBLIC_GRANTEES = ("http://acs.amazonaws.com/groups/global/AllUsers",
                   "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")

_access_key: contextvars.ContextVar[str | None] = contextvars.ContextVar("s3_access_key", default=None)


def caller_arn(account_id: str, access_key: str | None) -> str:
    """The IAM user that owns ``access_key`` in the account, or the account's root."""
    from moto.iam.models import iam_backends

    if access_key:
        try:
            backend = iam_backends[account_id]["global"]
            for user in backend.users.values():
                if any(key.access_key_id == access_key for key in user.access_keys):
                    return str(user.arn)
        except (KeyError, AttributeError):
            pass
    return f"arn:aws:iam::{account_id}:root"


def policy_blocked_message(account_id: str, partition: str, bucket: str) -> str:
    return (f"User: {caller_arn(account_id, _access_key.get())} is not authorized to perform: s3:PutBucketPolicy "
            f'on resource: "arn:{partition}:s3:::{bucket}" because public policies are blocked by the '
            "BlockPublicPolicy block public access setting.")


def acl_is_public(acl: Any) -> bool:
    """Whether an ACL grants anything to everyone or to every authenticated AWS user."""
    for grant in getattr(acl, "grants", None) or []:
        for grantee in getattr(grant, "grantees", None) or []:
            if getattr(grantee, "uri", "") in PUBLIC_GRANTEES:
                return True
    return False


def _access_key_of(headers: Any, url: str) -> str | None:
    authorization = str(headers.get("Authorization", "") or "")
    found = re.search(r"Credential=([^/,\s]+)/", authorization) or re.search(r"X-Amz-Credential=([^%/&]+)", url)
    return found.group(1) if found else None


def install() -> None:
    from moto.s3.exceptions import S3AccessDeniedError, S3ClientError
    from moto.s3.models import S3Backend
    from moto.s3.responses import S3Response

    moto_put_bucket_policy = S3Backend.put_bucket_policy

    def put_bucket_policy(self: Any, bucket_name: str, policy: bytes) -> None:
        bucket = self.get_bucket(bucket_name)
        flags = block_settings(bucket.account_id, bucket.partition, bucket)
        if flags["BlockPublicPolicy"] and policy_is_public(policy):
            message = policy_blocked_message(bucket.account_id, bucket.partition, bucket_name)
            raise S3ClientError("AccessDenied", message)
        moto_put_bucket_policy(self, bucket_name, policy)

    S3Backend.put_bucket_policy = put_bucket_policy  # type: ignore[method-assign]

    moto_setup_class = S3Response.setup_class

    def setup_class(self: Any, request: Any, full_url: str | None = None, headers: Any = None) -> None:
        _access_key.set(_access_key_of(request.headers, str(full_url or getattr(request, "url", ""))))
        moto_setup_class(self, request, full_url, headers)

    S3Response.setup_class = setup_class  # type: ignore[method-assign]

    def guarded(read: Any) -> Any:
        def read_acl(self: Any, *args: Any, **kwargs: Any) -> Any:
            acl = read(self, *args, **kwargs)
            if acl is not None and acl_is_public(acl) and _blocks_public_acls(self):
                raise S3AccessDeniedError()
            return acl

        return read_acl

    def _blocks_public_acls(response: Any) -> bool:
        from moto.s3.exceptions import MissingBucket
        from moto.utilities.utils import get_partition

        bucket = None
        name = getattr(response, "bucket_name", None)
        if name:
            try:
                bucket = response.backend.get_bucket(name)
            except MissingBucket:
                bucket = None
        account = bucket.account_id if bucket is not None else response.current_account
        partition = bucket.partition if bucket is not None else get_partition(response.region)
        return block_settings(account, partition, bucket)["BlockPublicAcls"]

    S3Response._acl_from_headers = guarded(S3Response._acl_from_headers)  # type: ignore[method-assign]
    S3Response._acl_from_body = guarded(S3Response._acl_from_body)  # type: ignore[method-assign]
