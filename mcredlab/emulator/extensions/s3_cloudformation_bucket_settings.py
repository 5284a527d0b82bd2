"""CloudFormation's ``AWS::S3::Bucket`` applies ``WebsiteConfiguration`` and ``PublicAccessBlockConfiguration``.

moto 5.2.5 creates and updates a stack's bucket with ``BucketEncryption`` and ``Tags`` only and drops
every other property in silence: a bucket declared with website hosting and public access unblocked
came out of a CREATE_COMPLETE stack with neither (get-bucket-website answers
NoSuchWebsiteConfiguration). Here moto's create and update of the bucket also put the two
configurations, as ``put_bucket_website`` and ``put_public_access_block`` would (``IndexDocument``,
``ErrorDocument``, ``RedirectAllRequestsTo`` and ``RoutingRules`` become S3's website XML; an absent
Block Public Access flag is false). A stack update that drops a property the stack had set removes
that configuration, as AWS does; one the stack never set is left as it is.

Differs from AWS: the other bucket properties (versioning, CORS, lifecycle, ownership controls,
notifications...) are still ignored; a bucket made without ``PublicAccessBlockConfiguration`` has no
Block Public Access configuration (AWS turns all four flags on for new buckets), as in moto's S3 API.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

SEAMS = (
    ("moto.s3.models", "FakeBucket", "create_from_cloudformation_json"),
    ("moto.s3.models", "FakeBucket", "update_from_cloudformation_json"),
    ("moto.s3.models", "s3_backends", None),
    ("moto.s3.models", "S3Backend", "put_bucket_website"),
    ("moto.s3.models", "S3Backend", "delete_bucket_website"),
    ("moto.s3.models", "S3Backend", "put_public_access_block"),
    ("moto.s3.models", "S3Backend", "delete_public_access_block"),
    ("moto.utilities.utils", "get_partition", None),
)

WEBSITE, BLOCK = "WebsiteConfiguration", "PublicAccessBlockConfiguration"
PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
_APPLIED = "_mcredlab_cfn_settings"  # which of the two this stack set; private: data.json skips "_" names
# CloudFormation's names for the parts of a routing rule, and S3's XML element for each
_RULE_PARTS = (("RoutingRuleCondition", "Condition"), ("RedirectRule", "Redirect"))


def _elements(values: dict[str, Any]) -> str:
    return "".join(f"<{key}>{escape(str(value))}</{key}>" for key, value in values.items() if value not in (None, ""))


def website_xml(config: dict[str, Any]) -> bytes:
    """S3's ``WebsiteConfiguration`` document for a template's ``WebsiteConfiguration`` property."""
    parts = []
    if config.get("RedirectAllRequestsTo"):
        parts.append(f"<RedirectAllRequestsTo>{_elements(config['RedirectAllRequestsTo'])}</RedirectAllRequestsTo>")
    if config.get("IndexDocument"):
        parts.append(f"<IndexDocument><Suffix>{escape(str(config['IndexDocument']))}</Suffix></IndexDocument>")
    if config.get("ErrorDocument"):
        parts.append(f"<ErrorDocument><Key>{escape(str(config['ErrorDocument']))}</Key></ErrorDocument>")
    if config.get("RoutingRules"):
        rules = "".join(
            "<RoutingRule>" + "".join(
                f"<{element}>{_elements(rule[name])}</{element}>" for name, element in _RULE_PARTS if rule.get(name)
            ) + "</RoutingRule>"
            for rule in config["RoutingRules"]
        )
        parts.append(f"<RoutingRules>{rules}</RoutingRules>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{"".join(parts)}</WebsiteConfiguration>'
    ).encode()


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def apply(bucket: Any, properties: dict[str, Any]) -> None:
    """Put (or, when the stack had set them and no longer does, remove) the two configurations on ``bucket``."""
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    backend = s3_backends[bucket.account_id][get_partition(bucket.region_name)]
    had: set[str] = getattr(bucket, _APPLIED, set())
    if properties.get(WEBSITE):
        backend.put_bucket_website(bucket.name, website_xml(properties[WEBSITE]))
    elif WEBSITE in had:
        backend.delete_bucket_website(bucket.name)
    if properties.get(BLOCK) is not None:
        block = properties[BLOCK] or {}
        backend.put_public_access_block(bucket.name, {flag: _flag(block.get(flag)) for flag in PAB_FLAGS})
    elif BLOCK in had:
        backend.delete_public_access_block(bucket.name)
    setattr(bucket, _APPLIED, {name for name in (WEBSITE, BLOCK) if properties.get(name) is not None})


def install() -> None:
    from moto.s3.models import FakeBucket

    if getattr(FakeBucket.create_from_cloudformation_json, "__mcredlab__", False):
        return
    moto_create = FakeBucket.create_from_cloudformation_json
    moto_update = FakeBucket.update_from_cloudformation_json

    def create_from_cloudformation_json(
        cls: type, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> Any:
        bucket = moto_create(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        apply(bucket, cloudformation_json.get("Properties") or {})
        return bucket

    def update_from_cloudformation_json(
        cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str,
        region_name: str,
    ) -> Any:
        bucket = moto_update(original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        if bucket is original_resource:  # a replacement was made by create, which applied them already
            apply(bucket, cloudformation_json.get("Properties") or {})
        return bucket

    create_from_cloudformation_json.__mcredlab__ = True  # type: ignore[attr-defined]
    FakeBucket.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[assignment,method-assign]
    FakeBucket.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[assignment,method-assign]
