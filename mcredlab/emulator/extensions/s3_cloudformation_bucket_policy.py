"""CloudFormation applies ``AWS::S3::BucketPolicy``: the bucket gets the stack's policy, as on AWS.

moto 5.2.5 has no model for ``AWS::S3::BucketPolicy``: it logs "No Moto CloudFormation support", skips
the resource and still reports the stack CREATE_COMPLETE, so the bucket has no policy afterwards. A
stack holding only a bucket policy is the usual way to grant access to a bucket made elsewhere (as a
lab's setup makes it), so a learner saw the deploy succeed and nothing change. Here a CloudFormation
model for the type is registered with moto's template parser: creating it puts ``PolicyDocument`` (an
object, written as JSON, or a JSON string) on ``Bucket``; an update puts the new document (a changed
``Bucket`` moves the policy: the old bucket's is deleted); deleting the resource, or the stack, deletes
the bucket's policy. ``Ref`` gives the bucket name, the resource's identifier on AWS.

Differs from AWS: a policy AWS refuses (no such bucket, a malformed document, Block Public Access
against a public policy; moto checks none of these) fails the CloudFormation call itself, or is stored
as given, instead of a CREATE_FAILED event and a rollback.
"""

from __future__ import annotations

import json
from typing import Any

SEAMS = (
    ("moto.core.common_models", "CloudFormationModel", "create_from_cloudformation_json"),
    ("moto.cloudformation.parsing", "get_model_list", "cache_clear"),
    ("moto.cloudformation.parsing", "get_model_map", "cache_clear"),
    ("moto.cloudformation.parsing", "get_name_type_map", "cache_clear"),
    ("moto.s3.models", "s3_backends", None),
    ("moto.s3.models", "S3Backend", "put_bucket_policy"),
    ("moto.s3.models", "S3Backend", "delete_bucket_policy"),
    ("moto.s3.exceptions", "MissingBucket", None),
    ("moto.utilities.utils", "get_partition", None),
)

RESOURCE_TYPE = "AWS::S3::BucketPolicy"


def policy_text(document: Any) -> str:
    """The policy as S3 stores it: a template's object as JSON, a string as written."""
    return document if isinstance(document, str) else json.dumps(document)


def _s3(account_id: str, region_name: str) -> Any:
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    return s3_backends[account_id][get_partition(region_name)]


def _delete_policy(account_id: str, region_name: str, bucket: str) -> None:
    """Remove the bucket's policy; a bucket already gone has none (CloudFormation treats it as deleted)."""
    from moto.s3.exceptions import MissingBucket

    try:
        _s3(account_id, region_name).delete_bucket_policy(bucket)
    except MissingBucket:
        pass


def _registered() -> bool:
    from moto.core.common_models import CloudFormationModel

    return any(model.cloudformation_type() == RESOURCE_TYPE for model in CloudFormationModel.__subclasses__())


def install() -> None:
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    if _registered():
        return

    class BucketPolicy(CloudFormationModel):
        """One ``AWS::S3::BucketPolicy`` of a stack: which bucket it is on, and its document."""

        __module__ = "moto.s3.models"  # filed with moto's S3 models in /moto-api/data.json

        def __init__(self, account_id: str, region_name: str, bucket: str, policy: str) -> None:
            self.account_id, self.region_name = account_id, region_name
            self.bucket, self.policy = bucket, policy

        @property
        def physical_resource_id(self) -> str:
            return self.bucket

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""  # the resource has no name property

        @staticmethod
        def cloudformation_type() -> str:
            return RESOURCE_TYPE

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False  # AWS gives no Fn::GetAtt attributes for a bucket policy

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
            **kwargs: Any,
        ) -> BucketPolicy:
            properties = cloudformation_json.get("Properties") or {}
            bucket, policy = str(properties["Bucket"]), policy_text(properties["PolicyDocument"])
            _s3(account_id, region_name).put_bucket_policy(bucket, policy.encode())
            return cls(account_id, region_name, bucket, policy)

        @classmethod
        def update_from_cloudformation_json(  # type: ignore[override]
            cls, original_resource: BucketPolicy, new_resource_name: str, cloudformation_json: dict[str, Any],
            account_id: str, region_name: str,
        ) -> BucketPolicy:
            updated = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            if updated.bucket != original_resource.bucket:
                original_resource.delete(account_id, region_name)
            return updated

        @classmethod
        def delete_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
        ) -> None:
            _delete_policy(account_id, region_name, resource_name)  # resource_name is the bucket here

        def delete(self, account_id: str, region_name: str) -> None:
            _delete_policy(account_id, region_name, self.bucket)

        def is_created(self) -> bool:
            return True

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()  # the parser lists CloudFormationModel's subclasses once
