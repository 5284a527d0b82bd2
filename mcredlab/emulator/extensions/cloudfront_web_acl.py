"""``ListDistributionsByWebACLId``: which distributions a web ACL protects, as AWS answers it.

On AWS a CLOUDFRONT-scope web ACL protects the distributions whose ``WebACLId`` is its ARN, and
``aws cloudfront list-distributions-by-web-acl-id --web-acl-id <web ACL ARN>`` lists them (WAFv2's
``ListResourcesForWebACL`` is for regional resources only). moto 5.2.5 has no route for
``/2020-05-31/distributionsByWebACLId/{WebACLId}``: the request answered 404.

Here that route is added to moto's CloudFront URL map and answers a ``DistributionList`` of the
distributions whose ``WebACLId`` equals the given id (``null``: those without a web ACL), with
``Marker``, ``MaxItems`` (default 100), ``IsTruncated`` and ``NextMarker`` as AWS pages them.

Still unlike AWS: a web ACL id that names no web ACL answers an empty list (AWS answers
``InvalidWebACLId``), and the web ACL's rules are never evaluated against requests.
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


def install() -> None:
    from moto.cloudfront import urls
    from moto.cloudfront.responses import CloudFrontResponse

    CloudFrontResponse.list_distributions_by_web_acl_id = _list_distributions_by_web_acl_id  # type: ignore[attr-defined]
    urls.url_paths.setdefault(PATH, CloudFrontResponse.dispatch)
