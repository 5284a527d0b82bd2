"""CloudFormation applies ``AWS::S3::BucketPolicy``: the bucket gets the stack's policy, as on AWS.

moto 5.2.5 has no model for ``AWS::S3::BucketPolicy``: it logs "No Moto CloudFormation support", skips
the resource and still reports the stack CREATE_COMPLETE, so the bucket has no policy afterwards. A
stack holding only a bucket policy is the usual way to grant access to a bucket made elsewhere (as a
lab's setup makes it), so a learner saw the deploy succeed and nothing change. Here a CloudFormation
model for the type is registered with moto's template parser: creating it puts ``PolicyDocument`` (an
object, written as JSON, or a JSON string) on ``Bucket``; an update puts the new document (a changed
``Bucket`` moves the policy: the old bucket's is deleted); deleting the resource, or the stack, deletes
the bucket's policy. ``Ref`` gives the bucket name, the resource's identifier on AWS.

A policy S3 refuses (a public policy while Block Public Access's ``BlockPublicPolicy`` is on, see
``s3_block_public_access``; no such bucket) fails the resource as on AWS: a ``CREATE_FAILED`` (or
``UPDATE_FAILED``) event with S3's message as its reason, then the stack rolls back (``ROLLBACK_COMPLETE``
after a create, ``UPDATE_ROLLBACK_COMPLETE`` after an update), so ``aws cloudformation deploy`` reports
the failure. The change set's execution status is ``EXECUTE_FAILED``.

Differs from AWS: a malformed document is stored as given; a rolled-back update leaves the stack's other
resources as the update left them (AWS restores them) and keeps the bucket's previous policy.
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
    ("moto.s3.exceptions", "S3ClientError", None),
    ("moto.cloudformation.parsing", "parse_and_create_resource", None),
    ("moto.cloudformation.parsing", "parse_and_update_resource", None),
    ("moto.cloudformation.models", "Stack", "create_resources"),
    ("moto.cloudformation.models", "Stack", "update"),
    ("moto.cloudformation.models", "Stack", "_add_stack_event"),
    ("moto.cloudformation.models", "CloudFormationBackend", "execute_change_set"),
    ("moto.cloudformation.models", "Event", None),
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


class ResourceFailed(Exception):
    """A stack resource S3 refused: which one, and the reason CloudFormation reports."""

    def __init__(self, logical_id: str, reason: str) -> None:
        super().__init__(reason)
        self.logical_id, self.reason = logical_id, reason


def _reason(error: Any) -> str:
    """CloudFormation's wording of a refusal by S3's API (as its resource handler words it)."""
    code, message = str(getattr(error, "code", "")), str(getattr(error, "message", "") or error)
    status = {"AccessDenied": 403, "NoSuchBucket": 404}.get(code, 400)
    return (f'Resource handler returned message: "{message} (Service: S3, Status Code: {status})" '
            f"(HandlerErrorCode: {code or 'GeneralServiceException'})")


def _resource_event(stack: Any, failure: ResourceFailed, status: str) -> None:
    from moto.cloudformation.models import Event

    stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=failure.logical_id,
                              physical_resource_id="", resource_type=RESOURCE_TYPE, resource_status=status,
                              resource_status_reason=failure.reason, resource_properties=None))


def _fail(stack: Any, failure: ResourceFailed, creating: bool) -> None:
    """Record the failed resource and roll the stack back, as CloudFormation does."""
    if creating:
        _resource_event(stack, failure, "CREATE_FAILED")
        stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=(
            f"The following resource(s) failed to create: [{failure.logical_id}]. Rollback requested by user."))
        try:
            stack.resource_map.delete()
        except Exception:  # noqa: BLE001 - what was half built may not delete cleanly; the stack still rolls back
            pass
        stack._add_stack_event("ROLLBACK_COMPLETE")
        stack.status = "ROLLBACK_COMPLETE"
    else:
        _resource_event(stack, failure, "UPDATE_FAILED")
        stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=(
            f"The following resource(s) failed to update: [{failure.logical_id}]."))
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
        stack.status = "UPDATE_ROLLBACK_COMPLETE"


def _install_failures() -> None:
    """S3 refusing a bucket policy fails its stack resource instead of the CloudFormation call."""
    from moto.cloudformation import models, parsing
    from moto.s3.exceptions import S3ClientError

    def refusals(build: Any) -> Any:
        def build_resource(logical_id: str, resource_json: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return build(logical_id, resource_json, *args, **kwargs)
            except S3ClientError as error:
                if isinstance(resource_json, dict) and resource_json.get("Type") == RESOURCE_TYPE:
                    raise ResourceFailed(logical_id, _reason(error)) from error
                raise

        return build_resource

    parsing.parse_and_create_resource = refusals(parsing.parse_and_create_resource)
    parsing.parse_and_update_resource = refusals(parsing.parse_and_update_resource)

    moto_create_resources, moto_update = models.Stack.create_resources, models.Stack.update
    moto_execute = models.CloudFormationBackend.execute_change_set

    def create_resources(self: Any) -> None:
        try:
            moto_create_resources(self)
        except ResourceFailed as failure:
            _fail(self, failure, creating=True)

    def update(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            moto_update(self, *args, **kwargs)
        except ResourceFailed as failure:
            _fail(self, failure, creating=False)

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        try:
            moto_execute(self, change_set_name, stack_name)
        except ResourceFailed as failure:
            change_set = self.change_sets.get(change_set_name) or next(
                (c for c in self.change_sets.values() if c.change_set_name == change_set_name), None)
            if change_set is None:
                raise
            change_set.execution_status = "EXECUTE_FAILED"
            _fail(self.stacks[change_set.stack_id], failure, creating=change_set.change_set_type == "CREATE")

    models.Stack.create_resources = create_resources  # type: ignore[method-assign]
    models.Stack.update = update  # type: ignore[method-assign]
    models.CloudFormationBackend.execute_change_set = execute_change_set  # type: ignore[method-assign]


def _registered() -> bool:
    from moto.core.common_models import CloudFormationModel

    return any(model.cloudformation_type() == RESOURCE_TYPE for model in CloudFormationModel.__subclasses__())


def install() -> None:
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    if _registered():
        return
    _install_failures()

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
