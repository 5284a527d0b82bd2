"""Under IAM enforcement, JSON services report auth failures with their own JSON error codes, as AWS does.

moto 5.2.5 answers a failed IAM check of any non-S3 service with a Query-protocol error: an XML body
with code ``AccessDenied``, ``SignatureDoesNotMatch`` or ``InvalidClientTokenId``. Lambda, API
Gateway, Bedrock (REST-JSON) and DynamoDB, CodeBuild (JSON) answer HTTP 403 with a JSON body and
the codes ``AccessDeniedException``, ``InvalidSignatureException`` and
``UnrecognizedClientException``, which is what SDK code and the CLI see; on moto's XML botocore
reported ``AccessDenied`` or the bare code ``403``. Here ``IAMRequest``'s three ``_raise_*`` methods
raise those JSON errors, with moto's messages, when the request's signing name is a botocore service
that botocore speaks JSON or REST-JSON to. Query, REST-XML and query-compatible JSON services (IAM,
STS, CloudFront, SQS) and signing names that are no botocore service name (``states``) keep moto's
errors; S3 has its own request class.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

SEAMS = (
    ("moto.iam.access_control", "IAMRequest", "_raise_access_denied"),
    ("moto.iam.access_control", "IAMRequest", "_raise_signature_does_not_match"),
    ("moto.iam.access_control", "IAMRequest", "_raise_invalid_access_key"),
    ("moto.core.exceptions", "AccessDeniedError", None),
    ("moto.core.exceptions", "SignatureDoesNotMatchError", None),
    ("moto.core.exceptions", "InvalidClientTokenIdError", None),
    ("moto.core.exceptions", "JsonRESTError", None),
)

JSON_PROTOCOLS = ("json", "rest-json")
_SERVICE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


@cache
def _speaks_json(signing_name: str) -> bool:
    """Whether the botocore service named like ``signing_name`` reports errors as plain JSON."""
    import botocore.exceptions
    import botocore.loaders
    import botocore.model

    if not _SERVICE_NAME.fullmatch(signing_name):
        return False
    try:
        model = botocore.loaders.create_loader().load_service_model(signing_name, "service-2")
    except botocore.exceptions.DataNotFoundError:
        return False
    service = botocore.model.ServiceModel(model, signing_name)
    return service.resolved_protocol in JSON_PROTOCOLS and "awsQueryCompatible" not in service.metadata


def _json_error(code: str, message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError(code, message)
    error.code = 403
    return error


def install() -> None:
    from moto.core.exceptions import AccessDeniedError, InvalidClientTokenIdError, SignatureDoesNotMatchError
    from moto.iam.access_control import IAMRequest

    moto_access_denied = IAMRequest._raise_access_denied
    moto_signature_does_not_match = IAMRequest._raise_signature_does_not_match
    moto_invalid_access_key = IAMRequest._raise_invalid_access_key

    def _raise_access_denied(self: Any) -> None:
        if not _speaks_json(self._service):
            return moto_access_denied(self)
        message = AccessDeniedError(user_arn=self._access_key.arn, action=self._action).message
        raise _json_error("AccessDeniedException", message)

    def _raise_signature_does_not_match(self: Any) -> None:
        if not _speaks_json(self._service):
            return moto_signature_does_not_match(self)
        raise _json_error("InvalidSignatureException", SignatureDoesNotMatchError().message)

    def _raise_invalid_access_key(self: Any, reason: str) -> None:
        if not _speaks_json(self._service):
            return moto_invalid_access_key(self, reason)
        raise _json_error("UnrecognizedClientException", InvalidClientTokenIdError().message)

    IAMRequest._raise_access_denied = _raise_access_denied  # type: ignore[method-assign]
    IAMRequest._raise_signature_does_not_match = _raise_signature_does_not_match  # type: ignore[method-assign]
    IAMRequest._raise_invalid_access_key = _raise_invalid_access_key  # type: ignore[method-assign,assignment]
