"""CloudFront distributions answer over HTTP on the emulator's port, fetching from their S3 origin as AWS does.

moto 5.2.5 serves only CloudFront's control plane: a request to ``<id>.cloudfront.net`` falls through
to S3 (the host's first label read as a bucket name, 404 NoSuchBucket). ``wsgi`` is a middleware
(serve.py puts it in front of moto's app) that answers

- ``/_cloudfront/{distribution_id}/{path}`` on the emulator's port, and
- ``/{path}`` sent with ``Host: {domain}``, the distribution's ``DomainName`` (``d111.cloudfront.net``);

every other request reaches moto unchanged. The emulator itself speaks only HTTP: a request with
``X-Forwarded-Proto: https``, or to ``/_cloudfront/https/{distribution_id}/{path}``, counts as an HTTPS
viewer; any other request is an HTTP viewer.

As on AWS:

- a disabled distribution does not serve (403 with CloudFront's error page);
- the cache behavior is the first ``CacheBehaviors`` item whose ``PathPattern`` matches the path
  (``*`` and ``?`` wildcards, case-sensitive), else ``DefaultCacheBehavior``; its
  ``ViewerProtocolPolicy`` answers an HTTP viewer 301 with ``Location: https://...``
  (``redirect-to-https``) or 403 (``https-only``); a method outside its ``AllowedMethods`` is 403;
- ``/`` asks the origin for ``DefaultRootObject``; the origin's ``OriginPath`` prefixes the key;
- the S3 origin is the bucket its ``DomainName`` names (``<bucket>.s3.amazonaws.com``,
  ``<bucket>.s3.<region>.amazonaws.com``, ``<bucket>.s3-<region>.amazonaws.com``). With an Origin
  Access Control whose signing behavior is ``always`` or ``no-override``, CloudFront asks as the
  service principal ``cloudfront.amazonaws.com`` with ``aws:SourceArn`` = the distribution's ARN and
  ``aws:SourceAccount`` = its account: allowed when an Allow statement of the bucket policy names that
  service (or everyone) for the action and object with its conditions met
  (``StringEquals``/``StringLike``/``ArnEquals``/``ArnLike`` and their ``IfExists`` forms on those two
  keys) and no such Deny applies, or when the bucket would let anyone read (extension
  s3_anonymous_access decides). With an origin access identity, the principal is
  ``arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity <id>``. Without either, the
  fetch is anonymous and follows the bucket's public access (s3_anonymous_access). A refusal is S3's
  403 AccessDenied XML, passed through; a missing object is 403 AccessDenied too, or 404 NoSuchKey
  when the same principal may ``s3:ListBucket``;
- the answer carries the object's ``Content-Type``, ``ETag``, ``Last-Modified`` and
  ``Content-Length``, with ``Via``, ``X-Cache``, ``X-Amz-Cf-Id`` and ``X-Amz-Cf-Pop``.

Not emulated (differs from AWS):

- nothing is cached: every request reads the bucket as it is now, so an invalidation is never needed
  and TTLs, cache and origin request policies, ``Compress`` and query-string or header forwarding do
  nothing;
- the web ACL in ``WebACLId`` is not evaluated: its rules (rate limits included) are stored but never
  enforced; CloudFront Functions, Lambda@Edge, signed URLs, geo restrictions, custom error responses,
  origin groups, aliases and real TLS are ignored;
- only S3 REST origins are fetched: a custom origin (an S3 website endpoint included) answers 502
  with a message saying so; methods other than GET and HEAD (when allowed) answer 501; ``/`` without
  a default root object is 403 (S3 listing through CloudFront is not emulated); range and
  conditional requests get the whole object;
- the only policy conditions evaluated for the CloudFront principal are ``aws:SourceArn`` and
  ``aws:SourceAccount``; any other condition counts as not met; ``aws:SourceIp`` never matches (the
  origin sees CloudFront's addresses, which the emulator does not have);
- a distribution id or domain the emulator does not hold answers 404 with a message (on AWS the host
  does not resolve), and a distribution serves at once (no ``InProgress`` wait).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from mcredlab.emulator.extensions.s3_anonymous_access import anonymous_may
from mcredlab.policy import Statement, matches

SEAMS = (
    ("moto.cloudfront.models", "cloudfront_backends", None),
    # instance attributes read: CloudFrontBackend.distributions/.origin_access_controls, Distribution.arn/
    # .distribution_config/.domain_name, Origin.domain_name/.origin_path/.s3_access_identity and the
    # origin_access_control_id kept by extension cloudfront_origin_fields, OriginAccessControl.signing_behavior
    ("moto.cloudfront.models", "CloudFrontBackend", None),
    ("moto.cloudfront.models", "Distribution", None),
    ("moto.cloudfront.models", "OriginAccessControl", None),
    ("moto.s3.models", "s3_backends", None),
    ("moto.s3.models", "S3Backend", "get_bucket"),
    ("moto.s3.models", "S3Backend", "get_object"),
    ("moto.s3.models", "FakeKey", "response_dict"),
    ("moto.s3.models", "FakeKey", "value"),
    ("moto.s3.exceptions", "S3ClientError", None),
)

log = logging.getLogger("mcredlab.emulator.cloudfront")
SERVICE = "cloudfront.amazonaws.com"
CLOUDFRONT_PATH = re.compile(r"^/_cloudfront/(?P<https>https/)?(?P<id>[A-Za-z0-9]+)(?P<path>/.*)?$")
CLOUDFRONT_HOST = re.compile(r"^(?P<domain>[a-z0-9]+\.cloudfront\.net)(:\d+)?$", re.IGNORECASE)
S3_DOMAIN = re.compile(r"^(?P<bucket>.+?)\.s3(?:[.-](?P<region>[a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$")
OAI_PRINCIPAL = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {}"
POP = "EMU1-C1"
HANDLED_OPERATORS = ("StringEquals", "StringLike", "ArnEquals", "ArnLike")


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Requester:
    """Who CloudFront asks S3 as: anonymous, the CloudFront service (OAC) or an origin access identity."""

    kind: str  # "anonymous" | "oac" | "oai"
    source_arn: str = ""
    source_account: str = ""
    identity: str = ""


# -- finding the distribution --------------------------------------------------------------------


def find_distribution(distribution_id: str | None = None, domain: str | None = None) -> tuple[str, Any] | None:
    """(account id, distribution) for an id or a ``*.cloudfront.net`` domain, in any account."""
    from moto.cloudfront.models import cloudfront_backends

    for account_id, partitions in list(cloudfront_backends.items()):
        for backend in list(partitions.values()):
            for distribution in list(backend.distributions.values()):
                if distribution.distribution_id == distribution_id or (
                    domain and str(distribution.domain_name).lower() == domain.lower()
                ):
                    return account_id, distribution
    return None


def _items(container: Any) -> list[Any]:
    if isinstance(container, Mapping):
        return list(container.get("Items") or [])
    return list(getattr(container, "items", None) or [])


def _field(obj: Any, key: str, attribute: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, attribute, default)


def cache_behavior(config: Any, path: str) -> Any:
    """The first cache behavior whose PathPattern matches ``path``, else the default one."""
    for behavior in _items(getattr(config, "CacheBehaviors", None)):
        pattern = str(_field(behavior, "PathPattern", "path_pattern", "") or "")
        if pattern and matches(pattern if pattern.startswith("/") else "/" + pattern, path):
            return behavior
    return config.DefaultCacheBehavior


def _allowed_methods(behavior: Any) -> list[str]:
    allowed = _field(behavior, "AllowedMethods", "allowed_methods", None)
    items = _items(allowed) if allowed is not None else []
    return [str(m).upper() for m in items] or ["GET", "HEAD"]


# -- answers CloudFront gives itself --------------------------------------------------------------


def _cf_headers(domain: str, cache: str) -> list[tuple[str, str]]:
    return [
        ("Via", f"1.1 {hashlib.md5(domain.encode()).hexdigest()[:32]}.cloudfront.net (CloudFront)"),
        ("X-Cache", cache),
        ("X-Amz-Cf-Pop", POP),
        ("X-Amz-Cf-Id", uuid.uuid4().hex),
    ]


def cloudfront_error(status: int, title: str, reason: str, domain: str = "") -> Reply:
    """CloudFront's own HTML error page ("The request could not be satisfied")."""
    body = (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">\n'
        f"<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>\n<H1>{status} ERROR</H1>\n"
        f"<H2>The request could not be satisfied.</H2>\n<HR noshade size=\"1px\">\n{escape(title)}\n<BR clear=\"all\">\n"
        f"{escape(reason)}\n<BR clear=\"all\">\n<HR noshade size=\"1px\">\n</BODY></HTML>\n"
    )
    headers = [("Content-Type", "text/html"), ("Server", "CloudFront"), *_cf_headers(domain, "Error from cloudfront")]
    return Reply(status, body.encode(), headers)


def s3_error(status: int, code: str, message: str, domain: str, key: str | None = None) -> Reply:
    """An S3 error passed through CloudFront."""
    request_id = uuid.uuid4().hex[:16].upper()
    extra = f"<Key>{escape(key)}</Key>" if key is not None and code == "NoSuchKey" else ""
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{escape(message)}</Message>'
            f"{extra}<RequestId>{request_id}</RequestId><HostId>{uuid.uuid4().hex}</HostId></Error>")
    headers = [("Content-Type", "application/xml"), ("Server", "AmazonS3"), *_cf_headers(domain, "Error from cloudfront")]
    return Reply(status, body.encode(), headers)


def _not_held(what: str) -> Reply:
    body = json.dumps({"message": f"The emulator holds no CloudFront distribution {what}."}).encode()
    return Reply(404, body, [("Content-Type", "application/json")])


# -- who asks S3, and whether S3 lets it -----------------------------------------------------------


def requester(account_id: str, distribution: Any, origin: Any, viewer_headers: Mapping[str, str]) -> Requester:
    """How CloudFront signs its request to this origin."""
    from moto.cloudfront.models import cloudfront_backends

    oac_id = str(getattr(origin, "origin_access_control_id", "") or "")
    if oac_id:
        behavior = "always"
        for backend in cloudfront_backends[account_id].values():
            control = backend.origin_access_controls.get(oac_id)
            if control is not None:
                behavior = str(control.signing_behavior or "always")
                break
        viewer_signed = any(k.lower() == "authorization" for k in viewer_headers)
        if behavior == "always" or (behavior == "no-override" and not viewer_signed):
            return Requester("oac", source_arn=distribution.arn, source_account=account_id)
        return Requester("anonymous")
    identity = str(getattr(origin, "s3_access_identity", "") or "")
    if identity:
        return Requester("oai", identity=identity.rsplit("/", 1)[-1])
    return Requester("anonymous")


def _condition_met(condition: Mapping[str, Any], who: Requester) -> bool:
    """Every condition holds for CloudFront's request; only aws:SourceArn and aws:SourceAccount are known."""
    known = {"aws:sourcearn": who.source_arn, "aws:sourceaccount": who.source_account}
    for operator, operands in condition.items():
        base = str(operator).split(":", 1)[-1]
        if_exists = base.endswith("IfExists")
        base = base.removesuffix("IfExists")
        if not isinstance(operands, Mapping) or base not in HANDLED_OPERATORS:
            return False
        for key, values in operands.items():
            actual = known.get(str(key).lower()) or ""
            if not actual:
                if if_exists:
                    continue
                return False
            listed = [str(v) for v in (values if isinstance(values, (list, tuple)) else [values])]
            wildcard = base in ("StringLike", "ArnLike")
            if not any(matches(v, actual) if wildcard else v == actual for v in listed):
                return False
    return True


def _names(statement: Statement, raw: Mapping[str, Any], who: Requester) -> bool:
    if "NotPrincipal" in raw:
        return False
    if statement.everyone():
        return True
    principals = statement.principals
    assert isinstance(principals, Mapping)
    if who.kind == "oac":
        return SERVICE in principals.get("Service", [])
    if who.kind == "oai":
        return OAI_PRINCIPAL.format(who.identity) in principals.get("AWS", []) or who.identity in principals.get(
            "CanonicalUser", [])
    return False


def principal_answer(policy: Any, who: Requester, action: str, resource: str) -> str | None:
    """``"Deny"``/``"Allow"`` the bucket policy gives CloudFront's principal, or None when it says nothing."""
    if not policy or who.kind == "anonymous":
        return None
    try:
        document = json.loads(policy.decode() if isinstance(policy, bytes) else policy)
        raws = document.get("Statement")
        raws = raws if isinstance(raws, list) else [raws]
    except (ValueError, TypeError, AttributeError):
        return None
    answer = None
    for raw in raws:
        if not isinstance(raw, Mapping):
            continue
        try:
            statement = Statement.parse(raw)
        except (ValueError, TypeError, AttributeError):
            continue
        if not (_names(statement, raw, who) and statement.covers_action(action) and statement.covers_resource(resource)):
            continue
        if not _condition_met(statement.condition, who):
            continue
        if statement.effect == "Deny":
            return "Deny"
        if statement.effect == "Allow":
            answer = "Allow"
    return answer


def may(bucket: Any, key: Any, who: Requester, action: str, resource: str) -> bool:
    """Whether S3 lets CloudFront's request through (the bucket policy, else the bucket's public access)."""
    answer = principal_answer(bucket.policy, who, action, resource)
    if answer is not None:
        return answer == "Allow"
    return anonymous_may(bucket, key, action, resource, None)


# -- fetching --------------------------------------------------------------------------------------


def fetch(account_id: str, distribution: Any, origin: Any, key_name: str, method: str,
          viewer_headers: Mapping[str, str]) -> Reply:
    """Ask the S3 origin for ``key_name`` as CloudFront would, and pass S3's answer on."""
    from moto.s3.exceptions import S3ClientError
    from moto.s3.models import s3_backends

    domain = str(distribution.domain_name)
    found = S3_DOMAIN.match(str(origin.domain_name).lower())
    if found is None or ".s3-website" in str(origin.domain_name).lower():
        return cloudfront_error(502, "The offline emulator fetches only from S3 REST origins "
                                f"(<bucket>.s3.<region>.amazonaws.com); {origin.domain_name} is not one.",
                                "Try this distribution on AWS.", domain)
    bucket_name = found["bucket"]
    backend = s3_backends[account_id]["aws"]
    try:
        bucket = backend.get_bucket(bucket_name)
    except S3ClientError:
        return s3_error(404, "NoSuchBucket", "The specified bucket does not exist", domain)
    who = requester(account_id, distribution, origin, viewer_headers)
    bucket_arn = f"arn:{bucket.partition}:s3:::{bucket_name}"
    if not key_name:  # "/" without a default root object: S3 would be asked to list the bucket
        return s3_error(403, "AccessDenied", "Access Denied", domain)
    try:
        key = backend.get_object(bucket_name, key_name)
    except S3ClientError:
        key = None
    allowed = may(bucket, key, who, "s3:GetObject", f"{bucket_arn}/{key_name}")
    if allowed and key is None:
        if may(bucket, None, who, "s3:ListBucket", bucket_arn):
            return s3_error(404, "NoSuchKey", "The specified key does not exist.", domain, key_name)
        allowed = False
    if not allowed or key is None:
        return s3_error(403, "AccessDenied", "Access Denied", domain)
    headers = [("Content-Type", str(key.metadata.get("Content-Type") or "binary/octet-stream"))]
    for name, value in key.response_dict.items():
        if name.lower() in ("etag", "last-modified", "content-length"):
            headers.append(({"etag": "ETag", "last-modified": "Last-Modified"}.get(name.lower(), "Content-Length"),
                             str(value)))
    for name in ("Cache-Control", "Content-Encoding", "Content-Disposition", "Content-Language", "Expires"):
        if key.metadata.get(name):
            headers.append((name, str(key.metadata[name])))
    headers += [("Server", "AmazonS3"), *_cf_headers(domain, "Miss from cloudfront")]
    return Reply(200, b"" if method == "HEAD" else bytes(key.value), headers)


def answer(found: tuple[str, Any], method: str, path: str, query: str, https: bool,
           viewer_headers: Mapping[str, str]) -> Reply:
    """Answer one viewer request to a distribution as CloudFront does."""
    account_id, distribution = found
    config = distribution.distribution_config
    domain = str(distribution.domain_name)
    if not getattr(config, "Enabled", False):
        return cloudfront_error(403, "Bad request. We can't connect to the server for this app or website at this time.",
                                "The distribution is disabled.", domain)
    behavior = cache_behavior(config, path)
    policy = str(_field(behavior, "ViewerProtocolPolicy", "viewer_protocol_policy", "allow-all") or "allow-all")
    if not https and policy == "redirect-to-https":
        location = f"https://{domain}{path}" + (f"?{query}" if query else "")
        reply = cloudfront_error(301, "301 Moved Permanently", "Redirecting to HTTPS.", domain)
        return Reply(301, reply.body, [*reply.headers, ("Location", location)])
    if not https and policy == "https-only":
        return cloudfront_error(403, "Bad request. This distribution accepts only HTTPS viewers.",
                                "ViewerProtocolPolicy is https-only.", domain)
    if method not in _allowed_methods(behavior):
        return cloudfront_error(403, "This distribution is not configured to allow the HTTP request method that was "
                                "used for this request.", f"{method} is not in AllowedMethods.", domain)
    if method not in ("GET", "HEAD"):
        return cloudfront_error(501, f"The offline emulator forwards only GET and HEAD to origins, not {method}.",
                                "Try this request on AWS.", domain)
    target = str(_field(behavior, "TargetOriginId", "target_origin_id", "") or "")
    origin = next((o for o in _items(config.Origins) if o.id == target), None)
    if origin is None:
        return cloudfront_error(502, "The distribution has no origin for this cache behavior.", target, domain)
    key_path = path
    if key_path == "/" and getattr(config, "DefaultRootObject", ""):
        key_path = "/" + str(config.DefaultRootObject).lstrip("/")
    prefix = str(getattr(origin, "origin_path", "") or "").strip("/")
    key_name = key_path.lstrip("/")
    if prefix and key_name:
        key_name = f"{prefix}/{key_name}"
    return fetch(account_id, distribution, origin, key_name, method, viewer_headers)


# -- the middleware ------------------------------------------------------------------------------


def _target(environ: Mapping[str, Any]) -> tuple[str | None, str | None, str, bool] | None:
    """(distribution id, domain, path, HTTPS by the URL) when the request is for a distribution."""
    raw = str(environ.get("PATH_INFO") or "/")
    path = raw.encode("latin-1", "replace").decode("utf-8", "replace")  # WSGI carries the bytes as latin-1
    by_path = CLOUDFRONT_PATH.match(path)
    if by_path:
        return by_path["id"], None, by_path["path"] or "/", bool(by_path["https"])
    host = CLOUDFRONT_HOST.match(str(environ.get("HTTP_HOST") or ""))
    if host:
        return None, host["domain"], path, False
    return None


def _https(headers: Iterable[tuple[str, str]]) -> bool:
    return any(k.lower() == "x-forwarded-proto" and v.split(",")[0].strip().lower() == "https" for k, v in headers)


def wsgi(app: Callable[..., Any]) -> Callable[..., Any]:
    """Answer viewer requests to CloudFront distributions; pass every other request to ``app`` unchanged."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        target = _target(environ)
        if target is None:
            return app(environ, start_response)
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        distribution_id, domain, path, https_url = target
        headers = dict(request.headers.items())
        try:
            found = find_distribution(distribution_id, domain)
            if found is None:
                reply = _not_held(distribution_id or domain or "")
            else:
                reply = answer(found, request.method.upper(), path, request.query_string.decode(),
                               https_url or _https(request.headers.items()), headers)
        except Exception as error:  # never let a bug here look like a moto crash page
            log.exception("CloudFront serving failed")
            reply = cloudfront_error(502, "The emulator failed to answer this request.", repr(error))
        response = Response(reply.body, status=reply.status, headers=reply.headers)
        if request.method.upper() == "HEAD":
            response.automatically_set_content_length = False
        return response(environ, start_response)

    return middleware


def install() -> None:
    """Nothing to patch in moto: the middleware reads its backends on each request."""
