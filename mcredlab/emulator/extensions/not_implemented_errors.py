"""An operation moto does not implement answers AWS's error shape with 501, never an HTML 500.

moto 5.2.5 raises ``NotImplementedError`` for an operation it lacks (``BaseResponse.call_action``: "The
get_pipeline_state action has not been implemented"; some services raise it for one option of an
operation). Its Flask app turned that into an HTML "500 Internal Server Error" page: the CLI retried
four times and then printed "(500) ... reached max retries: 4", which reads as a broken emulator or a
wrong command, not as "this is not practised offline".

Here moto's per-request Flask view (``convert_to_flask_response.__call__``, every service's entry
point) answers that exception in the service's protocol, as botocore parses AWS errors: ``json`` and
``rest-json`` as ``{"__type": "NotImplemented", "message": ...}`` (with ``x-amzn-ErrorType``), ``query``
as ``<ErrorResponse><Error>``, ``rest-xml`` as ``<Error>`` (S3) or ``<ErrorResponse><Error>``, ``ec2`` as
``<Response><Errors><Error>``. The status is 501, which botocore does not retry. The message names the
service and the operation and says that it is not emulated offline.

Still unlike AWS: AWS implements these operations; the code ``NotImplemented`` is the emulator's own.
Bedrock's own not-emulated runtime operations keep their 400 ValidationException with what to use
instead (extension ``bedrock_runtime``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

SEAMS = (
    ("moto.core.utils", "convert_to_flask_response", "__call__"),
    ("moto.core.responses", "BaseResponse", "call_action"),
)

CODE = "NotImplemented"
STATUS = 501
_ACTION = re.compile(r"The (\w+) action has not been implemented")


@cache
def protocol(service: str) -> str | None:
    """The botocore protocol of ``service`` (moto's name for it), or None when botocore has no model."""
    import botocore.session

    try:
        return str(botocore.session.get_session().get_service_model(service).metadata.get("protocol"))
    except Exception:  # noqa: BLE001 - an unknown name has no model; the request's own shape decides
        return None


def _camel(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def operation_name(error: BaseException, request: Any) -> str:
    """The operation the request asked for, as AWS names it (``GetPipelineState``)."""
    found = _ACTION.search(str(error))
    if found:
        return _camel(found.group(1))
    target = str(request.headers.get("X-Amz-Target", "") or "")
    if target:
        return target.rsplit(".", 1)[-1]
    action = request.args.get("Action") if hasattr(request, "args") else None
    if action:
        return str(action)
    return f"{request.method} {request.path}"


def not_emulated_message(service: str, operation: str) -> str:
    return (f"{service} {operation} is not emulated: the offline emulator does not implement this operation "
            "(it works on AWS).")


def error_reply(service: str, request: Any, message: str) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of a NotImplemented error in the protocol ``service`` speaks."""
    shape = protocol(service)
    if shape is None:
        json_like = "X-Amz-Target" in request.headers or "json" in str(request.headers.get("Content-Type", ""))
        shape = "json" if json_like else "query"
    if shape in ("json", "rest-json", "smithy-rpc-v2-cbor"):
        content_type = "application/x-amz-json-1.1" if shape == "json" else "application/json"
        body = json.dumps({"__type": CODE, "message": message, "Message": message})
        return STATUS, {"Content-Type": content_type, "x-amzn-ErrorType": CODE}, body
    text = escape(message)
    if shape == "ec2":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{CODE}</Code>"
                f"<Message>{text}</Message></Error></Errors><RequestID>not-emulated</RequestID></Response>")
    elif shape == "rest-xml" and service in ("s3", "s3control"):
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{CODE}</Code><Message>{text}</Message>"
                "<RequestId>not-emulated</RequestId></Error>")
    else:
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{CODE}</Code><Message>{text}</Message></Error><RequestId>not-emulated</RequestId>"
                "</ErrorResponse>")
    return STATUS, {"Content-Type": "text/xml"}, body


def install() -> None:
    from moto.core.utils import convert_to_flask_response

    moto_call = convert_to_flask_response.__call__

    def __call__(self: Any, args: Any = None, **kwargs: Any) -> Any:
        try:
            return moto_call(self, args, **kwargs)
        except NotImplementedError as error:
            from flask import Response, current_app
            from flask import request as flask_request

            service = str(getattr(current_app, "service", "") or "")
            operation = operation_name(error, flask_request)
            status, headers, body = error_reply(service, flask_request, not_emulated_message(service, operation))
            return Response(response=body, status=status, headers=headers)

    convert_to_flask_response.__call__ = __call__  # type: ignore[method-assign]
