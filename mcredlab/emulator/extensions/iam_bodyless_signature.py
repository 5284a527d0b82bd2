"""Under IAM enforcement, requests without a body (REST-JSON GET/HEAD/DELETE) pass the signature check.

To check a SigV4 signature moto 5.2.5 re-signs the request with ``data=body or data``. For a
request without a body ``data`` is whatever moto parsed instead: the query string, or when there is
none the request *headers*. Re-signed as a form body, that hashes to another payload than the empty
one the client signed, so every body-less call to Lambda, API Gateway or Bedrock (get_function,
get_rest_api, list_* ...) failed with SignatureDoesNotMatch. AWS signs and checks the empty payload.
Here a request that carried no body (no Content-Length or ``0``, no Transfer-Encoding) is re-signed
with an empty payload; requests with a body keep moto's behaviour (form bodies that werkzeug has
already consumed are rebuilt from the parsed form, as before).
"""

from __future__ import annotations

from typing import Any

SEAMS = (("moto.iam.access_control", "IAMRequestBase", "_create_aws_request"),)


def _carried_no_body(headers: Any) -> bool:
    length = headers.get("Content-Length")
    return (length is None or length.strip() in ("", "0")) and headers.get("Transfer-Encoding") is None


def install() -> None:
    from moto.iam.access_control import IAMRequestBase

    moto_create_aws_request = IAMRequestBase._create_aws_request

    def _create_aws_request(self: Any) -> Any:
        request = moto_create_aws_request(self)
        if not self._body and _carried_no_body(self._headers):
            request.data = b""
        return request

    IAMRequestBase._create_aws_request = _create_aws_request  # type: ignore[method-assign]
