"""A web ACL protects a CloudFront distribution through the distribution's ``WebACLId``, as on AWS.

On AWS a CLOUDFRONT-scope web ACL is linked by setting the distribution's ``WebACLId`` to the web
ACL's ARN (create-distribution or update-distribution), and read back with get-distribution-config;
WAFv2's ``AssociateWebACL``, ``GetWebACLForResource`` and ``ListResourcesForWebACL`` are for regional
resources only (their documentation: "For Amazon CloudFront, don't use this call"), and
``AssociateWebACL`` with a distribution's ARN answers ``WAFInvalidParameterException`` ("The ARN
isn't valid ..., field: RESOURCE_ARN").

moto 5.2.5 answered ``associate-web-acl`` with a distribution ARN ``WAFNonexistentItemException``
for a CLOUDFRONT web ACL (it looks in the regional backend) and accepted it for a REGIONAL one, and
``get-web-acl-for-resource`` with a distribution ARN answered ``{"WebACL": null}`` even when the
distribution's ``WebACLId`` named a web ACL, which reads as "not protected".

Here both calls with a CloudFront distribution ARN answer ``WAFInvalidParameterException`` (field
``RESOURCE_ARN``), whose message says to use the distribution's ``WebACLId``; every other ARN keeps
moto's behaviour. ``WebACLId`` itself round-trips through moto unchanged.

Still unlike AWS: AWS's exact answer to ``GetWebACLForResource`` with a distribution ARN is not
documented; the emulator gives it the same error as ``AssociateWebACL``. A ``WebACLId`` naming no
web ACL is accepted (AWS answers ``InvalidWebACLId``). ``ListDistributionsByWebACLId`` is extension
cloudfront_web_acl. The web ACL's rules are never evaluated against requests to the distribution.
"""

from __future__ import annotations

import json
import re
from typing import Any

SEAMS = (
    ("moto.wafv2.responses", "WAFV2Response", "associate_web_acl"),
    ("moto.wafv2.responses", "WAFV2Response", "get_web_acl_for_resource"),
    ("moto.wafv2.exceptions", "WAFv2ClientError", None),
)

DISTRIBUTION_ARN = re.compile(r"^arn:aws[a-z-]*:cloudfront::\d{12}:distribution/[A-Za-z0-9]+$")


def _refusal(parameter: str) -> Exception:
    from moto.wafv2.exceptions import WAFv2ClientError

    message = (
        "Error reason: The ARN isn't valid. A valid ARN begins with arn: and includes other information separated "
        f"by colons or slashes., field: RESOURCE_ARN, parameter: {parameter} (a CloudFront distribution is "
        "protected by setting its WebACLId to the web ACL's ARN with update-distribution; read it back with "
        "get-distribution-config)"
    )
    error = WAFv2ClientError("WAFInvalidParameterException", message)
    error.description = json.dumps({"__type": "WAFInvalidParameterException", "message": message,
                                    "Field": "RESOURCE_ARN", "Parameter": parameter})
    return error


def install() -> None:
    from moto.wafv2.responses import WAFV2Response

    moto_associate = WAFV2Response.associate_web_acl
    moto_get = WAFV2Response.get_web_acl_for_resource

    def associate_web_acl(self: Any) -> Any:
        body = json.loads(self.body or "{}")
        if DISTRIBUTION_ARN.match(str(body.get("ResourceArn") or "")):
            raise _refusal(str(body.get("WebACLArn") or ""))
        return moto_associate(self)

    def get_web_acl_for_resource(self: Any) -> Any:
        body = json.loads(self.body or "{}")
        resource_arn = str(body.get("ResourceArn") or "")
        if DISTRIBUTION_ARN.match(resource_arn):
            raise _refusal(resource_arn)
        return moto_get(self)

    WAFV2Response.associate_web_acl = associate_web_acl  # type: ignore[method-assign]
    WAFV2Response.get_web_acl_for_resource = get_web_acl_for_resource  # type: ignore[method-assign]
