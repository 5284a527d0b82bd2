"""A distribution's ``WebACLId`` must name a CLOUDFRONT web ACL; ``ListDistributionsByWebACLId`` lists them.

On AWS a CLOUDFRONT-scope web ACL protects the distributions whose ``WebACLId`` is its ARN, and
``aws cloudfront list-distributions-by-web-acl-id --web-acl-id <web ACL ARN>`` lists them (WAFv2's
``ListResourcesForWebACL`` is for regional resources only). moto 5.2.5 has no route for
``/2020-05-31/distributionsByWebACLId/{WebACLId}``: the request answered 404.

moto also accepted any ``WebACLId`` (a web ACL's Id instead of its ARN, a REGIONAL web ACL, a
typo), where AWS refuses the distribution with 400 ``InvalidWebACLId``.

Here that route is added to moto's CloudFront URL map and answers a ``DistributionList`` of the
distributions whose ``WebACLId`` equals the given id (``null``: those without a web ACL), with
``Marker``, ``MaxItems`` (default 100), ``IsTruncated`` and ``NextMarker`` as AWS pages them; and
create-distribution and update-distribution answer ``InvalidWebACLId`` unless ``WebACLId`` is empty
or the ARN of a CLOUDFRONT-scope web ACL of the account.

Still unlike AWS: WAF Classic web ACL ids are refused too (the emulator holds no WAF Classic global
web ACLs); the error's message is AWS's for a malformed id ("Invalid webACL identifier provided
...") in every case; a web ACL id that names no web ACL lists nothing where AWS answers
``InvalidWebACLId``; the web ACL's rules are never evaluated against requests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

SEAMS = (
    ("moto.cloudfront.urls", "url_paths", None),
    ("moto.cloudfront.responses", "CloudFrontResponse", "dispatch"),
    ("moto.cloudfront.responses", "CloudFrontResponse", "backend"),
    ("moto.cloudfront.models", "CloudFrontBackend", "list_distributions"),
    ("moto.core.responses", "ActionResult", None),
    ("moto.cloudfront.models", "CloudFrontBackend", "create_distribution_with_tags"),
    ("moto.cloudfront.models", "CloudFrontBackend", "update_distribution"),
    ("moto.cloudfront.exceptions", "CloudFrontException", None),
    ("moto.wafv2.models", "wafv2_backends", None),
    ("moto.wafv2.models", "WAFV2Backend", None),  # .wacls: ARN -> web ACL
)

PATH = "{0}/2020-05-31/distributionsByWebACLId/(?P<web_acl_id>.+)$"


def _list_distributions_by_web_acl_id(self: Any) -> Any:
    from moto.core.responses import ActionResult

    web_acl_id = unquote(self.path.split("/distributionsByWebACLId/", 1)[1].split("?", 1)[0])
    wanted = "" if web_acl_id == "null" else web_acl_id
    distributions = [d for d in self.backend.list_distributions()[0]
                     if str(d.distribution_config.WebACLId or "") == wanted]
    marker = self._get_param("Marker") or ""
    max_items = self._get_int_param("MaxItems") or 100
    ids = [d.distribution_id for d in distributions]
    start = ids.index(marker) + 1 if marker in ids else 0
    page = distributions[start:start + max_items]
    truncated = start + max_items < len(distributions)
    return ActionResult({"DistributionList": {
        "Marker": marker,
        "NextMarker": page[-1].distribution_id if truncated and page else None,
        "MaxItems": max_items,
        "IsTruncated": truncated,
        "Quantity": len(page),
        "Items": page or None,
    }})


def check_web_acl_id(account_id: str, config: Any) -> None:
    """Refuse a ``WebACLId`` that is not the ARN of one of the account's CLOUDFRONT web ACLs, as AWS does."""
    from moto.cloudfront.exceptions import CloudFrontException
    from moto.wafv2.models import wafv2_backends

    value = str((config or {}).get("WebACLId") or "") if isinstance(config, dict) else ""
    if not value:
        return
    if ":global/webacl/" in value and value in wafv2_backends[account_id]["global"].wacls:
        return
    raise CloudFrontException("InvalidWebACLId", f"Invalid webACL identifier provided {value}")


def install() -> None:
    from moto.cloudfront import urls
    from moto.cloudfront.models import CloudFrontBackend
    from moto.cloudfront.responses import CloudFrontResponse

    moto_create = CloudFrontBackend.create_distribution_with_tags
    moto_update = CloudFrontBackend.update_distribution

    def create_distribution_with_tags(self: Any, distribution_config: dict[str, Any], tags: Any) -> Any:
        check_web_acl_id(self.account_id, distribution_config)
        return moto_create(self, distribution_config, tags)

    def update_distribution(self: Any, dist_config: dict[str, Any], _id: str, if_match: bool) -> Any:
        check_web_acl_id(self.account_id, dist_config)
        return moto_update(self, dist_config, _id, if_match)

    CloudFrontBackend.create_distribution_with_tags = create_distribution_with_tags  # type: ignore[method-assign]
    CloudFrontBackend.update_distribution = update_distribution  # type: ignore[method-assign]

    CloudFrontResponse.list_distributions_by_web_acl_id = _list_distributions_by_web_acl_id  # type: ignore[attr-defined]
    urls.url_paths.setdefault(PATH, CloudFrontResponse.dispatch)
