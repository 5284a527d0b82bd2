"""An anonymous GET or HEAD of an S3 object is allowed only when AWS would allow it.

moto 5.2.5 lets an unsigned request (no Authorization header, no ``Signature=`` in the URL) read an
object unless the bucket policy explicitly denies it, or unless that policy does not allow it *and* the
object's ACL is not public-read. Its policy check ignores who the principal is (a policy for the account
itself, ``arn:aws:iam::<account>:root``, let anyone read), passes conditions it cannot evaluate (a
``Principal "*"`` limited to ``aws:SourceIp 203.0.113.0/24`` let every address read), matches action
names case-sensitively (``s3:getobject`` gave 403) and checks HEAD as ``s3:HeadObject``; it honours
public-read ACLs while ObjectOwnership is BucketOwnerEnforced (ACLs disabled), ignores Block Public
Access, and answers 404 for a missing key where AWS says 403. Under IAM enforcement every anonymous
request failed with 500 (there is no Authorization header to look up).

Here moto's object handler is wrapped for unsigned GET and HEAD requests of an existing bucket (signed
and presigned requests, other methods and missing buckets keep moto's behaviour). The request is
allowed, as on AWS, when no matching Deny applies to everyone and either

- an Allow statement of the bucket policy names a public principal (``"*"``, ``{"AWS": "*"}``, lists
  with ``"*"``) and covers the action (``s3:GetObject``, or ``s3:GetObjectVersion`` with ``versionId``,
  ``s3:GetObjectAcl`` with ``?acl`` ...; case-insensitive, wildcards) and the object's ARN, with its
  conditions met; unless RestrictPublicBuckets (bucket or account) is on and the policy is public; or
- the object's ACL grants AllUsers READ or FULL_CONTROL (for GetObject and GetObjectVersion only),
  ObjectOwnership is not BucketOwnerEnforced, IgnorePublicAcls (bucket or account) is off, and
  RestrictPublicBuckets does not apply.

Otherwise GET answers 403 AccessDenied (XML, as AWS) and HEAD a bare 403. An allowed read of a missing
key answers 403 too unless anyone may also ``s3:ListBucket`` (policy, or a public-read bucket ACL), as
on AWS; then moto's 404 NoSuchKey. Allowed anonymous reads skip moto's IAM identity check.

Still unlike AWS: the only condition evaluated is ``aws:SourceIp`` (``IpAddress``/``NotIpAddress``,
``...IfExists``) against the address the request came from; every other condition counts as not met,
in Allow and in Deny statements alike (so ``Deny`` unless ``aws:SecureTransport`` does not deny). A
bucket with no ownership controls counts as ObjectWriter, as moto reports it (AWS creates new buckets
BucketOwnerEnforced). Whether a policy is "public" follows AWS's published rule (a fixed
``aws:SourceIp``, ``aws:SourceArn``, ``aws:SourceAccount``... makes a statement non-public) without
AWS's finer checks of CIDR width. ACL grants of READ_ACP, access points, object-lock and requester-pays
rules are not modelled.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlparse

from mcredlab.policy import Statement

SEAMS = (
    ("moto.s3.responses", "S3Response", "_key_response"),
    ("moto.s3.responses", "S3Response", "_key_response_get"),
    ("moto.s3.responses", "S3Response", "head_object"),
    ("moto.s3.responses", "S3Response", "parse_key_name"),
    ("moto.s3.responses", "S3Response", "parse_bucket_name_from_url"),
    ("moto.s3.responses", "S3Response", "_authenticate_and_authorize_s3_action"),
    ("moto.s3.models", "S3Backend", "get_bucket"),
    ("moto.s3.models", "S3Backend", "get_object"),
    # instance attributes read: FakeBucket.policy/.acl/.ownership_rule/.public_access_block/.account_id/
    # .partition, FakeKey.acl, PublicAccessBlock.ignore_public_acls/.restrict_public_buckets,
    # S3ControlBackend.public_access_block (the account-level setting)
    ("moto.s3.models", "FakeBucket", None),
    ("moto.s3.models", "FakeAcl", "public_read"),
    ("moto.s3.models", "PublicAccessBlock", None),
    ("moto.s3.exceptions", "S3AccessDeniedError", None),
    ("moto.s3.exceptions", "S3ClientError", None),
    ("moto.s3control.models", "S3ControlBackend", None),
    ("moto.s3control.models", "s3control_backends", None),
)

# Sub-resources of an object GET, and the action AWS authorizes for each (plain GET and HEAD: GetObject).
SUBRESOURCE_ACTIONS = {
    "acl": "GetObjectAcl",
    "tagging": "GetObjectTagging",
    "attributes": "GetObjectAttributes",
    "legal-hold": "GetObjectLegalHold",
    "retention": "GetObjectRetention",
    "torrent": "GetObjectTorrent",
    "uploadId": "ListMultipartUploadParts",
}
VERSIONED = {"GetObject": "GetObjectVersion", "GetObjectAcl": "GetObjectVersionAcl",
             "GetObjectTagging": "GetObjectVersionTagging", "GetObjectAttributes": "GetObjectVersionAttributes",
             "GetObjectTorrent": "GetObjectVersionTorrent"}
ACL_READS = ("s3:GetObject", "s3:GetObjectVersion")  # what an AllUsers READ grant on an object allows

# Condition keys that, given fixed values, make a statement non-public (AWS, "The meaning of public").
RESTRICTING_KEYS = frozenset(
    k.lower()
    for k in ("aws:SourceIp", "aws:SourceArn", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceOwner",
              "aws:SourceAccount", "aws:userid", "aws:PrincipalOrgID", "aws:PrincipalAccount", "aws:PrincipalArn",
              "s3:x-amz-server-side-encryption-aws-kms-key-id", "s3:DataAccessPointArn", "s3:DataAccessPointAccount")
)


def _anonymous(request: Any) -> bool:
    """Unsigned, as moto tells them apart: no Authorization header and no signature in the URL."""
    url = getattr(request, "url", None) or getattr(request, "path", "") or ""
    return "Authorization" not in request.headers and "Signature=" not in url


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _parsed(policy: Any) -> list[tuple[Mapping[str, Any], Statement]]:
    """The bucket policy's statements, raw and parsed; what does not parse grants and denies nothing."""
    if not policy:
        return []
    try:
        document = json.loads(policy.decode() if isinstance(policy, bytes) else policy)
        raw = [s for s in _as_list(document.get("Statement")) if isinstance(s, Mapping)]
    except (ValueError, TypeError, AttributeError):
        return []
    parsed = []
    for statement in raw:
        try:
            parsed.append((statement, Statement.parse(statement)))
        except (ValueError, TypeError, AttributeError):
            continue
    return parsed


def _applies_to_everyone(raw: Mapping[str, Any], statement: Statement) -> bool:
    """Whether the statement's principal includes an anonymous caller."""
    if "NotPrincipal" in raw:  # everyone except those named; nobody names "anonymous"
        try:
            return not Statement.parse({"Principal": raw["NotPrincipal"]}).everyone()
        except (ValueError, TypeError, AttributeError):
            return False
    try:
        return statement.everyone()
    except (AssertionError, AttributeError, TypeError):
        return False


def _operator(name: str) -> tuple[str, bool]:
    """The base condition operator, and whether it is an ``...IfExists`` one."""
    base = name.split(":", 1)[1] if ":" in name else name  # ForAnyValue:/ForAllValues: on a single value
    return (base[: -len("IfExists")], True) if base.endswith("IfExists") else (base, False)


def _source_ip_test(operator: str, values: Any, source_ip: str | None) -> bool:
    base, _ = _operator(operator)
    if base not in ("IpAddress", "NotIpAddress") or not source_ip:
        return False
    try:
        address = ipaddress.ip_address(source_ip)
        inside = any(address in ipaddress.ip_network(str(v), strict=False) for v in _as_list(values))
    except ValueError:
        return False
    return inside if base == "IpAddress" else not inside


def _conditions_met(condition: Mapping[str, Any], source_ip: str | None) -> bool:
    """Every condition holds; only aws:SourceIp can be evaluated, any other counts as not met."""
    for operator, operands in condition.items():
        if not isinstance(operands, Mapping):
            return False
        for key, values in operands.items():
            if str(key).lower() != "aws:sourceip" or not _source_ip_test(str(operator), values, source_ip):
                return False
    return True


def _decides(statement: Statement, action: str, resource: str) -> bool:
    return statement.covers_action(action) and statement.covers_resource(resource)


def _policy_answer(policy: Any, action: str, resource: str, source_ip: str | None) -> str | None:
    """``"Deny"`` or ``"Allow"`` for an anonymous caller, or None when the policy says nothing."""
    answer = None
    for raw, statement in _parsed(policy):
        if not _applies_to_everyone(raw, statement) or not _decides(statement, action, resource):
            continue
        if not _conditions_met(statement.condition, source_ip):
            continue
        if statement.effect == "Deny":
            return "Deny"
        if statement.effect == "Allow":
            answer = "Allow"
    return answer


def _fixes_who(operator: str, key: str, values: Any) -> bool:
    base, _ = _operator(operator)
    if str(key).lower() not in RESTRICTING_KEYS or base.startswith("Not"):
        return False
    listed = [str(v) for v in _as_list(values)]
    return bool(listed) and not any(c in v for v in listed for c in ("*", "?", "${"))


def policy_is_public(policy: Any) -> bool:
    """AWS's rule: public unless every Allow to everyone is limited by a fixed restricting condition."""
    for raw, statement in _parsed(policy):
        if statement.effect != "Allow" or not _applies_to_everyone(raw, statement):
            continue
        condition = statement.condition
        if not any(
            isinstance(operands, Mapping) and any(_fixes_who(str(op), k, v) for k, v in operands.items())
            for op, operands in condition.items()
        ):
            return True
    return False


FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def block_settings(account_id: str, partition: str, bucket: Any = None) -> dict[str, bool]:
    """Each Block Public Access flag, on when the bucket (if given) or the account turns it on."""
    from moto.s3control.models import s3control_backends

    configs = [getattr(bucket, "public_access_block", None)]
    try:
        configs.append(s3control_backends[account_id][partition].public_access_block)
    except (KeyError, AttributeError):
        pass
    configs = [c for c in configs if c is not None]
    attributes = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
    return {flag: any(bool(getattr(c, name, False)) for c in configs) for flag, name in zip(FLAGS, attributes)}


def _blocks(bucket: Any) -> tuple[bool, bool]:
    """(IgnorePublicAcls, RestrictPublicBuckets), each on at the bucket or the account level."""
    on = block_settings(bucket.account_id, bucket.partition, bucket)
    return on["IgnorePublicAcls"], on["RestrictPublicBuckets"]


def _acls_apply(bucket: Any) -> bool:
    rule = getattr(bucket, "ownership_rule", None)
    if isinstance(rule, Mapping):
        rule = rule.get("ObjectOwnership")
    return rule != "BucketOwnerEnforced"


def _public_acl(resource: Any) -> bool:
    acl = getattr(resource, "acl", None)
    return bool(acl is not None and acl.public_read)


def _action(method: str, query: Mapping[str, Any]) -> str:
    name = "GetObject"
    if method == "GET":
        name = next((a for sub, a in SUBRESOURCE_ACTIONS.items() if sub in query), name)
    if "versionId" in query:
        name = VERSIONED.get(name, name)
    return f"s3:{name}"


def anonymous_may(bucket: Any, key: Any, action: str, resource: str, source_ip: str | None) -> bool:
    """Whether an anonymous caller may perform ``action`` on ``resource`` (the object ``key``, or the bucket)."""
    ignore_public_acls, restrict_public_buckets = _blocks(bucket)
    if restrict_public_buckets and policy_is_public(bucket.policy):
        return False  # only the owner's account and AWS services may use a bucket with a public policy
    answer = _policy_answer(bucket.policy, action, resource, source_ip)
    if answer is not None:
        return answer == "Allow"
    if ignore_public_acls or not _acls_apply(bucket):
        return False
    if key is not None:
        return action in ACL_READS and _public_acl(key)
    return action == "s3:ListBucket" and _public_acl(bucket)


def install() -> None:
    from moto.s3.exceptions import S3AccessDeniedError, S3ClientError
    from moto.s3.responses import S3Response

    moto_key_response = S3Response._key_response

    def _key_response(self: Any, request: Any, full_url: str) -> Any:
        method = str(request.method).upper()
        if method not in ("GET", "HEAD") or not _anonymous(request):
            return moto_key_response(self, request, full_url)
        bucket_name = self.parse_bucket_name_from_url(request, full_url)
        try:
            bucket = self.backend.get_bucket(bucket_name)
        except S3ClientError:
            return moto_key_response(self, request, full_url)  # NoSuchBucket, as AWS answers anyone
        query = parse_qs(urlparse(full_url).query, keep_blank_values=True)
        key_name = self.parse_key_name()
        version_id = query.get("versionId", [None])[0]
        try:
            key = self.backend.get_object(bucket_name, key_name, version_id=version_id)
        except S3ClientError:
            key = None
        source_ip = getattr(request, "remote_addr", None)
        bucket_arn = f"arn:{bucket.partition}:s3:::{bucket_name}"
        allowed = anonymous_may(bucket, key, _action(method, query), f"{bucket_arn}/{key_name}", source_ip)
        if allowed and key is None:  # who may not list the bucket does not learn that a key is missing
            allowed = anonymous_may(bucket, None, "s3:ListBucket", bucket_arn, source_ip)
        if not allowed:
            if method == "HEAD":
                return 403, {}, ""
            raise S3AccessDeniedError()
        # Allowed by the bucket's own rules: there is no identity for moto's IAM check to look at.
        self._authenticate_and_authorize_s3_action = lambda *args, **kwargs: None
        if method == "GET":
            return self._key_response_get(query, key_name)
        return self.head_object(bucket_name, query, key_name, headers=request.headers)

    S3Response._key_response = _key_response  # type: ignore[method-assign]
