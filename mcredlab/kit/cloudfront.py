"""CloudFront distributions for labs: readers by id or by comment, Origin Access Controls by name, the S3 bucket
an origin reads, the bucket policy that admits one distribution, the URL a viewer opens, and tagged idempotent
distributions that serve an S3 bucket, for setup and teardown.

A distribution has no name of its own; labs name theirs by their ``Comment`` (the console's "Description"), so
a criterion and a teardown find the learner's distribution as the task names it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from mcredlab import policy
from mcredlab.kit.reading import or_none, tag_map, tagged_by
from mcredlab.lab import TAG_KEY
from mcredlab.target import Aws, Target

SERVICE_PRINCIPAL = "cloudfront.amazonaws.com"
"""The principal CloudFront signs as when it reads an S3 origin through an Origin Access Control."""
EXAMPLE_DISTRIBUTION_ARN = "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"
"""The distribution ARN of AWS's documentation examples (a policy copied from there admits no distribution of yours)."""
S3_REST_DOMAIN = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3(?:[.-](?P<region>[a-z0-9-]+))?\.amazonaws\.com$")
S3_WEBSITE_DOMAIN = re.compile(
    r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3-website[.-](?P<region>[a-z0-9-]+)\.amazonaws\.com$")

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
"""The id of AWS's managed cache policy ``Managed-CachingOptimized``, the console's default for S3 origins."""


def s3_origin_domain(aws: Aws, bucket: str) -> str:
    """The regional REST endpoint of ``bucket`` as CloudFront's console fills it in for an S3 origin."""
    return f"{bucket}.s3.{aws.region}.amazonaws.com"


def s3_bucket_of(domain: str) -> str | None:
    """The bucket an origin domain names as an S3 REST endpoint (regional, global or dash-style), else ``None``.

    >>> s3_bucket_of("site.s3.us-east-1.amazonaws.com"), s3_bucket_of("site.s3-website-us-east-1.amazonaws.com")
    ('site', None)
    """
    if s3_website_bucket_of(domain) is not None:
        return None
    found = S3_REST_DOMAIN.match(domain.lower())
    return None if found is None else found["bucket"]


def s3_website_bucket_of(domain: str) -> str | None:
    """The bucket an origin domain names as an S3 static website endpoint, else ``None``.

    >>> s3_website_bucket_of("site.s3-website-us-east-1.amazonaws.com")
    'site'
    """
    found = S3_WEBSITE_DOMAIN.match(domain.lower())
    return None if found is None else found["bucket"]


def viewer_url(target: Target | Aws, distribution: Mapping[str, Any], *, https: bool = True) -> str:
    """Where a viewer opens ``distribution`` (as GetDistribution returns it); append a path such as ``/``.

    On an endpoint target (the emulator) it is the emulator's ``/_cloudfront/`` path, where ``https/`` marks an
    HTTPS viewer; on AWS the distribution's domain name.

    >>> viewer_url(Target("aws", "us-east-1"), {"Id": "E2EXAMPLE", "DomainName": "d111.cloudfront.net"})
    'https://d111.cloudfront.net'
    >>> viewer_url(Target("emulator", "us-east-1", "http://127.0.0.1:4747"), {"Id": "E2EXAMPLE"}, https=False)
    'http://127.0.0.1:4747/_cloudfront/E2EXAMPLE'
    """
    if isinstance(target, Aws):
        target = target.target
    if target.endpoint_url:
        return f"{target.endpoint_url.rstrip('/')}/_cloudfront/{'https/' if https else ''}{distribution['Id']}"
    return f"{'https' if https else 'http'}://{distribution['DomainName']}"


# -- readers -----------------------------------------------------------------------------------


def distribution(aws: Aws, distribution_id: str) -> dict[str, Any] | None:
    """The distribution ``distribution_id`` as GetDistribution returns it (``ARN``, ``DistributionConfig`` ...),
    or ``None``."""
    found = or_none(aws.client("cloudfront").get_distribution, Id=distribution_id)
    return None if found is None else dict(found["Distribution"])


def distributions(aws: Aws) -> list[dict[str, Any]]:
    """Every distribution of the account, as ListDistributions summarises them."""
    found: list[dict[str, Any]] = []
    for page in aws.client("cloudfront").get_paginator("list_distributions").paginate():
        found.extend(dict(item) for item in (page.get("DistributionList") or {}).get("Items") or [])
    return found


def distribution_by_comment(aws: Aws, comment: str) -> dict[str, Any] | None:
    """The distribution whose comment (the console's "Description") is ``comment``, in full, or ``None``.

    With several, the newest counts (a learner who tried twice judges the latest try).
    """
    named = [item for item in distributions(aws) if item.get("Comment") == comment]
    if not named:
        return None
    newest = max(named, key=lambda item: item.get("LastModifiedTime") or 0)
    return distribution(aws, str(newest["Id"]))


def default_origin(found: Mapping[str, Any]) -> dict[str, Any] | None:
    """The origin the default cache behavior of ``found`` (a distribution or its config) targets, or ``None``."""
    config = found.get("DistributionConfig", found)
    target = (config.get("DefaultCacheBehavior") or {}).get("TargetOriginId")
    origins = (config.get("Origins") or {}).get("Items") or []
    return next((dict(origin) for origin in origins if origin.get("Id") == target), None)


def origin_access_controls(aws: Aws) -> list[dict[str, Any]]:
    """Every Origin Access Control of the account, as ListOriginAccessControls summarises them."""
    listed = aws.client("cloudfront").list_origin_access_controls().get("OriginAccessControlList") or {}
    return [dict(item) for item in listed.get("Items") or []]


def origin_access_control_by_name(aws: Aws, name: str) -> dict[str, Any] | None:
    """The Origin Access Control named ``name`` (``Id``, ``SigningBehavior``, ``SigningProtocol``,
    ``OriginAccessControlOriginType`` ...), or ``None``."""
    return next((item for item in origin_access_controls(aws) if item.get("Name") == name), None)


def bucket_policy_admits(document: str | Mapping[str, Any] | None, distribution_arn: str, resource: str, *,
                         account_id: str = "") -> bool:
    """Whether a bucket policy lets CloudFront, reading for the distribution ``distribution_arn`` through an Origin
    Access Control, ``s3:GetObject`` the object ``resource``: an Allow for the service principal (or anyone) whose
    String/Arn conditions hold for that ``aws:SourceArn`` (and ``aws:SourceAccount``), and no such Deny.
    """
    keys = {"aws:SourceArn": distribution_arn, "aws:SourceAccount": account_id or distribution_arn.split(":")[4]}

    def applies(statement: policy.Statement) -> bool:
        return (statement.service(SERVICE_PRINCIPAL) and statement.covers_action("s3:GetObject")
                and statement.covers_resource(resource) and policy.conditions_met(statement.condition, keys))

    parsed = policy.statements(document)
    return any(s.effect == "Allow" and applies(s) for s in parsed) and not any(
        s.effect == "Deny" and applies(s) for s in parsed)


def oac_bucket_policy(bucket: str, distribution_arn: str) -> dict[str, Any]:
    """The bucket policy CloudFront's console proposes for an Origin Access Control: only that distribution reads."""
    return {
        "Version": "2008-10-17",
        "Id": "PolicyForCloudFrontPrivateContent",
        "Statement": [{
            "Sid": "AllowCloudFrontServicePrincipal",
            "Effect": "Allow",
            "Principal": {"Service": SERVICE_PRINCIPAL},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        }],
    }


def tags(aws: Aws, arn: str) -> dict[str, str]:
    """The tags of the distribution ``arn`` as a mapping (empty when it has none or is gone)."""
    found = or_none(aws.client("cloudfront").list_tags_for_resource, Resource=arn) or {}
    return tag_map((found.get("Tags") or {}).get("Items"))


# -- setup and teardown ------------------------------------------------------------------------


def s3_distribution_config(aws: Aws, comment: str, bucket: str, *, oac_id: str = "",
                           default_root_object: str = "index.html",
                           viewer_protocol_policy: str = "redirect-to-https") -> dict[str, Any]:
    """A ``DistributionConfig`` serving ``bucket`` as the console's defaults make it (managed caching policy)."""
    origin: dict[str, Any] = {"Id": f"{bucket}-origin", "DomainName": s3_origin_domain(aws, bucket),
                              "S3OriginConfig": {"OriginAccessIdentity": ""}}
    if oac_id:
        origin["OriginAccessControlId"] = oac_id
    return {
        "CallerReference": uuid.uuid4().hex,
        "Comment": comment,
        "Enabled": True,
        "DefaultRootObject": default_root_object,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {"TargetOriginId": origin["Id"], "ViewerProtocolPolicy": viewer_protocol_policy,
                                 "CachePolicyId": CACHING_OPTIMIZED},
    }


def ensure_s3_distribution(aws: Aws, lab_id: str, comment: str, bucket: str, **settings: Any) -> dict[str, Any]:
    """The distribution named ``comment``; created tagged for the lab, serving ``bucket``, if missing.

    ``settings`` go to :func:`s3_distribution_config` (``oac_id``, ``default_root_object`` ...).
    """
    found = distribution_by_comment(aws, comment)
    if found is not None:
        return found
    config = s3_distribution_config(aws, comment, bucket, **settings)
    created = aws.client("cloudfront").create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": config, "Tags": {"Items": [{"Key": TAG_KEY, "Value": lab_id}]}})
    return dict(created["Distribution"])


def delete_distribution(aws: Aws, lab_id: str, comment: str) -> None:
    """Delete every distribution named ``comment`` that the lab tagged (disabled first, as CloudFront requires)."""
    for item in distributions(aws):
        if item.get("Comment") == comment and tagged_by(lab_id, tags(aws, str(item["ARN"]))):
            delete_any_distribution(aws, str(item["Id"]))


def delete_any_distribution(aws: Aws, distribution_id: str) -> None:
    """Disable and delete the distribution ``distribution_id``, whoever made it (a lab's teardown decides)."""
    client = aws.client("cloudfront")
    found = or_none(client.get_distribution_config, Id=distribution_id)
    if found is None:
        return
    config, etag = found["DistributionConfig"], found["ETag"]
    if config.get("Enabled"):
        etag = client.update_distribution(Id=distribution_id, IfMatch=etag,
                                          DistributionConfig={**config, "Enabled": False})["ETag"]
    or_none(client.delete_distribution, Id=distribution_id, IfMatch=etag)


def delete_distributions_named(aws: Aws, comment: str) -> None:
    """Disable and delete every distribution whose comment is ``comment``, whoever made it (the task names it)."""
    for item in distributions(aws):
        if item.get("Comment") == comment:
            delete_any_distribution(aws, str(item["Id"]))


def ensure_origin_access_control(aws: Aws, name: str) -> str:
    """The id of the S3 Origin Access Control ``name`` (signing ``always``, ``sigv4``), created if missing.

    Origin Access Controls carry no tags: the name is what marks one as a lab's.
    """
    found = origin_access_control_by_name(aws, name)
    if found is not None:
        return str(found["Id"])
    return str(aws.client("cloudfront").create_origin_access_control(OriginAccessControlConfig={
        "Name": name, "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"])


def delete_origin_access_control(aws: Aws, name: str) -> None:
    """Delete the Origin Access Control named ``name``, if there is one and no distribution uses it."""
    client = aws.client("cloudfront")
    for item in origin_access_controls(aws):
        if item.get("Name") == name:
            etag = client.get_origin_access_control(Id=item["Id"])["ETag"]
            or_none(client.delete_origin_access_control, Id=item["Id"], IfMatch=etag)
