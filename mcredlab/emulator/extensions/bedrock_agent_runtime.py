"""Agents for Amazon Bedrock Runtime (``bedrock-agent-runtime``): InvokeAgent, Retrieve and
RetrieveAndGenerate, deterministic (rules in :mod:`mcredlab.emulator.bedrock_agents.runtime`).

moto 5.2.5 has no bedrock-agent-runtime. Its requests are signed ``bedrock`` like the other Bedrock
services, and the server routes them to none (InvokeAgent's path even reaches bedrock-agent's
PrepareAgent). ``wsgi`` is a middleware (serve.py puts it in front of moto's app) that hands a POST
signed for ``bedrock`` to ``/agents/{id}/agentAliases/{alias}/sessions/{session}/text``,
``/knowledgebases/{id}/retrieve`` or ``/retrieveAndGenerate`` to :class:`AgentsforBedrockRuntimeResponse`,
moto's response machinery (IAM checks included); every other request reaches moto unchanged.
InvokeAgent answers an ``application/vnd.amazon.eventstream`` body (chunk, trace, returnControl
events, or a stream exception) that botocore parses. Differences from AWS:
docs/bedrock-agents-offline.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

SEAMS = (
    ("moto.core.responses", "BaseResponse", "dispatch"),
    ("moto.core.responses", "BaseResponse", "call_action"),
    ("moto.core.responses", "BaseResponse", "_get_action_from_method_and_request_uri"),
    ("moto.core.request", "Request", "raw_url"),
    ("moto.awslambda.utils", "get_backend", None),  # action groups' functions run through moto's Lambda
    ("moto.awslambda.models", "LambdaBackend", "get_function"),
    ("moto.awslambda.models", "LambdaFunction", "invoke"),
    ("moto.awslambda.policy", "Policy", None),  # function.policy.statements: may Bedrock invoke it?
    # serve.py builds moto's server from these, with this extension's middleware in front
    ("moto.moto_server.werkzeug_app", "DomainDispatcherApplication", None),
    ("moto.moto_server.werkzeug_app", "create_backend_app", None),
)

RUNTIME_PATH = re.compile(
    r"^/(agents/[^/]+/agentAliases/[^/]+/sessions/[^/]+/text|knowledgebases/[^/]+/retrieve|retrieveAndGenerate)/?$"
)
_SCOPE = re.compile(r"Credential=[^/,]+/[^/]+/[^/]+/(?P<service>[^/]+)/aws4_request")


def _response_class() -> Any:
    from moto.core.responses import BaseResponse

    from mcredlab.emulator.bedrock_agents import eventstream, runtime
    from mcredlab.emulator.extensions.bedrock_agent import request_call

    class AgentsforBedrockRuntimeResponse(BaseResponse):
        """bedrock-agent-runtime's operations, answered by :mod:`mcredlab.emulator.bedrock_agents.runtime`."""

        def __init__(self) -> None:
            super().__init__(service_name="bedrock-agent-runtime")

        def _call(self, operation: str) -> Any:
            from mcredlab.emulator.bedrock_agents.validation import validate

            call = request_call(self)
            validate("bedrock-agent-runtime", operation, call)
            return call

        def invoke_agent(self) -> tuple[int, dict[str, Any], bytes]:
            call = self._call("InvokeAgent")
            stream = runtime.invoke_agent(self.current_account, self.region, call)
            headers = {"status": 200, "Content-Type": eventstream.CONTENT_TYPE,
                       "x-amzn-bedrock-agent-content-type": "application/json",
                       "x-amz-bedrock-agent-session-id": call.uri["sessionId"]}
            if call.body.get("memoryId"):
                headers["x-amz-bedrock-agent-memory-id"] = str(call.body["memoryId"])
            return 200, headers, stream

        def retrieve(self) -> str:
            return json.dumps(runtime.retrieve(self.current_account, self.region, self._call("Retrieve")))

        def retrieve_and_generate(self) -> str:
            call = self._call("RetrieveAndGenerate")
            return json.dumps(runtime.retrieve_and_generate(self.current_account, self.region, call))

    return AgentsforBedrockRuntimeResponse


def _is_runtime_request(environ: dict[str, Any]) -> bool:
    if environ.get("REQUEST_METHOD") != "POST" or not RUNTIME_PATH.match(environ.get("PATH_INFO", "")):
        return False
    if str(environ.get("HTTP_HOST", "")).startswith("bedrock-agent-runtime."):
        return True
    scope = _SCOPE.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    return bool(scope and scope.group("service") == "bedrock")


def wsgi(app: Callable[..., Any]) -> Callable[..., Any]:
    """Answer bedrock-agent-runtime requests; pass every other request to ``app`` unchanged."""
    from moto.core.request import Request
    from werkzeug.wrappers import Response

    class ServerRequest(Request):
        from_wsgi_server = True

    built: list[Any] = []  # the response class, made on the first runtime request: its imports are heavy

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not _is_runtime_request(environ):
            return app(environ, start_response)
        if not built:
            built.append(_response_class())
        response_class = built[0]
        request = ServerRequest(environ)
        status, headers, body = response_class.dispatch(request, request.raw_url, dict(request.headers))
        headers = {str(k): str(v) for k, v in dict(headers).items() if k != "status"}
        return Response(body, status=int(status), headers=headers)(environ, start_response)

    return middleware


def install() -> None:
    """Nothing to patch: the middleware (``wsgi``) is the whole of this extension."""
