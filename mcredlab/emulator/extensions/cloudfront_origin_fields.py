"""CloudFront origins keep ``OriginAccessControlId`` and ``S3OriginConfig``, as AWS returns them.

moto 5.2.5 builds an ``Origin`` from the request but keeps neither field where its response
serializer looks (``origin_access_control_id``, ``s3_origin_config``), so get_distribution,
get_distribution_config, list_distributions and the create/update answers drop both: an S3 origin
secured with Origin Access Control looked like a custom origin without one. AWS returns
``OriginAccessControlId`` on every origin (``""`` when none is attached) and ``S3OriginConfig``
(with ``OriginAccessIdentity``, ``""`` when unused) on S3 origins. Here ``Origin.__init__`` also
records both, so every answer that serializes origins carries them again.
"""

from __future__ import annotations

from typing import Any

SEAMS = (
    ("moto.cloudfront.models", "Origin", "__init__"),
    ("moto.cloudfront.models", "DistributionConfig", "__init__"),
)


def install() -> None:
    from moto.cloudfront.models import Origin

    moto_init = Origin.__init__

    def __init__(self: Any, origin: dict[str, Any]) -> None:
        moto_init(self, origin)
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""
        if "S3OriginConfig" in origin:
            self.s3_origin_config = {"OriginAccessIdentity": origin["S3OriginConfig"].get("OriginAccessIdentity") or ""}

    Origin.__init__ = __init__  # type: ignore[method-assign]
