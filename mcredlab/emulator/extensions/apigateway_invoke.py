"""Deployed REST APIs answer over HTTP on the emulator's port, as on AWS.

In server mode moto serves only API Gateway's control plane: a call to a stage falls through to S3.
``wsgi`` is a middleware (serve.py puts it in front of moto's app) that answers

- ``/restapis/{api_id}/{stage}/_user_request_/{path}`` (the form LocalStack uses), and
- ``/{stage}/{path}`` sent with ``Host: {api_id}.execute-api.{region}.amazonaws.com``,

from the deployment the stage points to (extension apigateway_deployments); every other request
reaches moto unchanged. ``install`` also gives moto ``test_invoke_method`` (``aws apigateway
test-invoke-method``, the console's Test tab), which runs the live method, not a deployment, as on AWS.

As on AWS:

- routing: literal path parts win over ``{param}``, which wins over ``{proxy+}`` (greedy, one or more
  parts); then the request's method, else ``ANY``. No match: 403 ``Missing Authentication Token``;
  a stage that does not exist: 403 ``Forbidden``.
- MOCK: the status is the request template's ``statusCode`` (default 200); the integration response
  whose ``selectionPattern`` matches it, else the default one; literal ``'value'`` response parameters
  become headers; the response template is the body.
- AWS_PROXY to Lambda (integration method POST): a proxy event of format 1.0, the function called
  through moto's Lambda backend (``LambdaFunction.invoke``, where extension lambda_runner runs the
  handler), and its ``statusCode``/``headers``/``multiValueHeaders``/``body``/``isBase64Encoded``
  mapped back; a malformed answer or a handler error is 502; no answer within the integration's
  ``timeoutInMillis`` (29 s by default) is 504 ``Endpoint request timed out``. Without a permission for
  apigateway.amazonaws.com whose SourceArn (if any) matches
  ``arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{METHOD}/{path}``, 500.

Differs from AWS:

- templates are not evaluated: VTL (``$input``, ``$context``, ``#set``) stays literal text, and the
  MOCK status is read from the template's JSON (or a ``"statusCode": N`` in it);
- HTTP, HTTP_PROXY and AWS (non-proxy) integrations are not run: 500 with a message saying so;
- authorizers, IAM authorization, API keys, usage plans, request validation, the API's resource
  policy, throttling, caching, gateway responses, binary media types and custom domains are ignored;
- an API id the emulator does not hold answers 404 with a message (on AWS the host does not resolve);
- a failure AWS reports only in execution logs adds a header ``x-mcredlab-reason`` and a line in the
  emulator log.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from mcredlab.emulator.extensions.apigateway_deployments import Route, deployed_routes, snapshot
from mcredlab.policy import condition_values, matches, statements

if TYPE_CHECKING:
    from moto.apigateway.models import RestAPI

SEAMS = (
    ("moto.apigateway.models", "apigateway_backends", None),
    ("moto.apigateway.models", "RestAPI", "get_stages"),
    ("moto.apigateway.responses", "APIGatewayResponse", "backend"),
    ("moto.awslambda.utils", "get_backend", None),
    ("moto.awslambda.models", "LambdaBackend", "get_function"),
    ("moto.awslambda.models", "LambdaFunction", "invoke"),
    # serve.py builds moto's server from these, with this extension's middleware in front
    ("moto.moto_server.werkzeug_app", "DomainDispatcherApplication", None),
    ("moto.moto_server.werkzeug_app", "create_backend_app", None),
    ("moto.moto_server.werkzeug_app", "MotoRequestHandler", None),
)

log = logging.getLogger("mcredlab.emulator.apigateway")
EXECUTE_API_HOST = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(:\d+)?$", re.IGNORECASE)
USER_REQUEST = re.compile(r"^/restapis/(?P<api>[^/]+)/(?P<stage>[^/]+)/_user_request_(?P<path>/.*)?$")
LAMBDA_URI = re.compile(r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<arn>.+)/invocations$")
PROXY_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
TEST_INVOKE_STAGE = "test-invoke-stage"


@dataclass(frozen=True)
class Call:
    """One HTTP request to a stage, as API Gateway receives it."""

    method: str
    path: str  # after the stage: "/", "/hello"
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        return next((v for k, v in reversed(self.headers) if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Invocation:
    """A call matched to one method of one stage."""

    api: RestAPI
    stage: str
    variables: Mapping[str, str]
    route: Route
    path_parameters: Mapping[str, str]
    call: Call


# -- answers API Gateway gives itself ------------------------------------------------------------


def _message(status: int, message: str, error_type: str | None = None, reason: str | None = None) -> Reply:
    headers = [("Content-Type", "application/json")]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    if reason:
        headers.append(("x-mcredlab-reason", reason))
    return Reply(status, json.dumps({"message": message}).encode(), headers)


def missing_token() -> Reply:
    return _message(403, "Missing Authentication Token", "MissingAuthenticationTokenException")


def forbidden() -> Reply:
    return _message(403, "Forbidden", "ForbiddenException")


def internal_error(reason: str, status: int = 500) -> Reply:
    """What AWS answers when the API's configuration or the backend fails; the reason goes to the log."""
    log.warning("execute-api answered %s: %s", status, reason)
    return _message(status, "Internal server error", "InternalServerErrorException", reason)


# -- routing -------------------------------------------------------------------------------------


def _parts(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _match(template: str, parts: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """How specifically ``template`` matches the path parts (2 literal, 1 parameter, 0 greedy), and the parameters."""
    rank: list[int] = []
    params: dict[str, str] = {}
    pattern = _parts(template)
    for index, piece in enumerate(pattern):
        if piece.startswith("{") and piece.endswith("+}"):
            if index != len(pattern) - 1 or index >= len(parts):
                return None
            params[piece[1:-2]] = "/".join(parts[index:])
            return (*rank, 0), params
        if index >= len(parts):
            return None
        if piece.startswith("{") and piece.endswith("}"):
            params[piece[1:-1]] = parts[index]
            rank.append(1)
        elif piece == parts[index]:
            rank.append(2)
        else:
            return None
    return (tuple(rank), params) if len(pattern) == len(parts) else None


def route_for(routes: Iterable[Route], path: str) -> tuple[Route, dict[str, str]] | None:
    """The resource API Gateway picks for ``path``, with its path parameters."""
    parts = _parts(path)
    best: tuple[tuple[int, ...], Route, dict[str, str]] | None = None
    for route in routes:
        found = _match(route.path, parts)
        if found is not None and (best is None or found[0] > best[0]):
            best = (found[0], route, found[1])
    return None if best is None else (best[1], best[2])


def find_api(api_id: str, region: str | None = None) -> RestAPI | None:
    """The REST API with this id in any account (and the given region) the emulator holds."""
    from moto.apigateway.models import apigateway_backends

    for regions in list(apigateway_backends.values()):
        for name, backend in list(regions.items()):
            if region in (None, name) and api_id in backend.apis:
                return backend.apis[api_id]
    return None


def answer(api_id: str, region: str | None, stage_name: str, call: Call) -> Reply:
    """Answer ``call`` to a stage as API Gateway does."""
    api = find_api(api_id.lower(), region)
    if api is None:
        return _message(404, f"The emulator holds no REST API with the id {api_id}.", "NotFoundException")
    stage = api.stages.get(stage_name)
    if stage is None:
        return forbidden()
    found = route_for(deployed_routes(api, stage), call.path)
    if found is None:
        return missing_token()
    route, parameters = found
    return run(Invocation(api, stage_name, dict(stage.variables or {}), route, parameters, call))


def run(invocation: Invocation) -> Reply:
    """Run the matched method's integration."""
    methods = invocation.route.methods
    method = methods.get(invocation.call.method) or methods.get("ANY")
    if method is None:
        return missing_token()
    integration = method.get("methodIntegration")
    if not integration:
        return internal_error(f"{invocation.call.method} {invocation.route.path} has no integration")
    kind = str(integration.get("type") or "").upper()
    if kind == "MOCK":
        return mock(method, integration, invocation.call)
    if kind == "AWS_PROXY":
        return lambda_proxy(integration, invocation)
    return _message(
        500,
        f"The offline emulator does not run {kind} integrations (it runs MOCK and AWS_PROXY to Lambda); "
        "try this method on AWS.",
        "InternalServerErrorException",
    )


# -- MOCK ----------------------------------------------------------------------------------------


def _template(templates: Mapping[str, Any] | None, content_type: str | None) -> tuple[str, str] | None:
    """The (content type, template) to use: the one for ``content_type``, else application/json, else the first."""
    if not templates:
        return None
    wanted = (content_type or "").split(";")[0].strip().lower()
    for key in (wanted, "application/json"):
        if key in templates:
            return key, str(templates[key] or "")
    key = next(iter(templates))
    return key, str(templates[key] or "")


def mock_status(templates: Mapping[str, Any] | None, content_type: str | None = None) -> int:
    """The status a MOCK integration's request template selects (200 without one)."""
    chosen = _template(templates, content_type)
    if chosen is None or not chosen[1].strip():
        return 200
    try:
        document = json.loads(chosen[1])
        return int(document["statusCode"]) if isinstance(document, dict) and "statusCode" in document else 200
    except (ValueError, TypeError):
        found = re.search(r'"?statusCode"?\s*:\s*(\d{3})', chosen[1])
        return int(found.group(1)) if found else 200


def select_response(responses: Mapping[str, dict[str, Any]] | None, selector: str) -> dict[str, Any] | None:
    """The integration response whose selectionPattern matches ``selector`` in full, else the default one."""
    default = None
    for response in (responses or {}).values():
        pattern = response.get("selectionPattern")
        if not pattern:
            default = default or response
        elif re.fullmatch(pattern, selector, re.DOTALL):
            return response
    return default


def literal(value: Any) -> str | None:
    text = str(value).strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else None


def mock(method: dict[str, Any], integration: dict[str, Any], call: Call) -> Reply:
    status = mock_status(integration.get("requestTemplates"), call.header("Content-Type"))
    chosen = select_response(integration.get("integrationResponses"), str(status))
    if chosen is None:
        return internal_error(f"no integration response matches status {status} and there is no default one")
    code = str(chosen.get("statusCode"))
    if code not in (method.get("methodResponses") or {}):
        return internal_error(f"the integration response {code} has no method response {code}")
    headers = []
    for key, value in (chosen.get("responseParameters") or {}).items():
        name, fixed = key.removeprefix("method.response.header."), literal(value)
        if name != key and fixed is not None:
            headers.append((name, fixed))
        else:
            log.info("execute-api: response parameter %s = %s is not a literal; the emulator skips it", key, value)
    body = _template(chosen.get("responseTemplates"), call.header("Accept"))
    content_type, text = body or ("application/json", "")
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", content_type))
    return Reply(int(code), text.encode(), headers)


# -- AWS_PROXY to Lambda -------------------------------------------------------------------------


def _substitute(text: str, variables: Mapping[str, str]) -> str:
    return re.sub(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}", lambda m: str(variables.get(m.group(1), "")), text)


def source_arns(invocation: Invocation) -> list[str]:
    """The execute-api ARNs a Lambda permission's SourceArn may name for this call."""
    api, call = invocation.api, invocation.call
    prefix = f"arn:aws:execute-api:{api.region_name}:{api.account_id}:{api.id}/{invocation.stage}/{call.method}/"
    return [prefix + invocation.route.path.lstrip("/"), prefix + call.path.lstrip("/")]


def permitted(policy_statements: list[dict[str, Any]], account_id: str, arns: list[str]) -> bool:
    """Whether the function's resource policy lets API Gateway invoke it for one of ``arns`` (a Deny wins)."""
    effects = set()
    for statement in statements({"Statement": policy_statements}):
        if not (statement.service("apigateway.amazonaws.com") and statement.covers_action("lambda:InvokeFunction")):
            continue
        sources = condition_values(statement.condition, "aws:SourceArn")
        accounts = condition_values(statement.condition, "aws:SourceAccount")
        if (not sources or any(matches(p, arn) for p in sources for arn in arns)) and (
            not accounts or account_id in accounts
        ):
            effects.add(statement.effect)
    return "Allow" in effects and "Deny" not in effects


def _multi(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return (single or None), (multi or None)


def proxy_event(invocation: Invocation) -> dict[str, Any]:
    """The Lambda proxy integration event, payload format 1.0."""
    api, call, route = invocation.api, invocation.call, invocation.route
    headers, multi_headers = _multi(call.headers)
    query, multi_query = _multi(call.query)
    try:
        body: str | None = call.body.decode() if call.body else None
        encoded = False
    except UnicodeDecodeError:
        body, encoded = base64.b64encode(call.body).decode(), True
    now = time.time()
    return {
        "resource": route.path,
        "path": call.path,
        "httpMethod": call.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(invocation.path_parameters) or None,
        "stageVariables": dict(invocation.variables) or None,
        "requestContext": {
            "accountId": api.account_id,
            "apiId": api.id,
            "domainName": f"{api.id}.execute-api.{api.region_name}.amazonaws.com",
            "domainPrefix": api.id,
            "extendedRequestId": uuid.uuid4().hex[:16],
            "httpMethod": call.method,
            "identity": {"sourceIp": call.source_ip, "userAgent": call.header("User-Agent")},
            "path": f"/{invocation.stage}{call.path}",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": route.resource_id,
            "resourcePath": route.path,
            "stage": invocation.stage,
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def proxy_reply(payload: bytes) -> Reply:
    """The HTTP answer a Lambda proxy integration makes of the function's result (502 if malformed)."""
    try:
        result = json.loads(payload)
    except ValueError:
        result = None
    if not isinstance(result, dict):
        return internal_error("malformed Lambda proxy response: not a JSON object", 502)
    status, body = result.get("statusCode"), result.get("body")
    single, multi = result.get("headers") or {}, result.get("multiValueHeaders") or {}
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if (
        not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599
        or not (body is None or isinstance(body, str))
        or not isinstance(single, dict) or not isinstance(multi, dict)
        or not all(isinstance(v, list) for v in multi.values())
    ):
        return internal_error(f"malformed Lambda proxy response (it may hold only {', '.join(sorted(PROXY_KEYS))})", 502)
    headers = [(str(k), str(v)) for k, values in multi.items() for v in values]
    headers += [(str(k), str(v)) for k, v in single.items() if str(k).lower() not in {m.lower() for m in multi}]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.insert(0, ("Content-Type", "application/json"))
    data = (body or "").encode()
    if result.get("isBase64Encoded") and body:
        try:
            data = base64.b64decode(body, validate=True)
        except ValueError:
            return internal_error("isBase64Encoded is true but the body is not base64", 502)
    return Reply(status, data, headers)


_INTEGRATIONS = concurrent.futures.ThreadPoolExecutor(max_workers=10, thread_name_prefix="execute-api")
DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000


def _integration_timeout(integration: Mapping[str, Any]) -> float:
    """How long API Gateway waits for the integration: ``timeoutInMillis``, 29 s by default."""
    try:
        millis = int(integration.get("timeoutInMillis") or DEFAULT_INTEGRATION_TIMEOUT_MS)
    except (TypeError, ValueError):
        millis = DEFAULT_INTEGRATION_TIMEOUT_MS
    return max(millis, 50) / 1000


def lambda_proxy(integration: dict[str, Any], invocation: Invocation) -> Reply:
    from moto.awslambda.utils import get_backend

    if str(integration.get("httpMethod") or "").upper() != "POST":
        return internal_error(f"the integration calls Lambda with {integration.get('httpMethod')}; Lambda needs POST")
    found = LAMBDA_URI.match(_substitute(str(integration.get("uri") or ""), invocation.variables))
    arn = found.group("arn") if found else ""
    parts = arn.split(":")
    if len(parts) < 7 or parts[5] != "function":
        return internal_error(f"the integration URI {integration.get('uri')} names no Lambda function")
    try:
        function = get_backend(parts[4], parts[3]).get_function(arn)
    except Exception:  # moto raises one of several "not found" errors
        return internal_error(f"no Lambda function {arn}")
    if not permitted(function.policy.statements, invocation.api.account_id, source_arns(invocation)):
        return internal_error(
            f"API Gateway may not invoke {parts[6]}: no permission for apigateway.amazonaws.com "
            f"matching {source_arns(invocation)[0]}"
        )
    response_headers: dict[str, str] = {}
    call = _INTEGRATIONS.submit(
        function.invoke, json.dumps(proxy_event(invocation)), {"x-amz-invocation-type": "RequestResponse"},
        response_headers,
    )
    seconds = _integration_timeout(integration)
    try:
        payload = call.result(timeout=seconds)
    except concurrent.futures.TimeoutError:  # the function runs on, as on AWS; the caller is answered now
        log.warning("execute-api answered 504: the Lambda function did not answer within %s s", seconds)
        return _message(504, "Endpoint request timed out", "IntegrationTimeout")
    except Exception as error:  # the function could not run: AWS answers 502 as for a handler error
        return internal_error(f"the Lambda function could not run: {error!r}", 502)
    if response_headers.get("x-amz-function-error"):
        return internal_error(f"the Lambda function failed: {payload[:500]!r}", 502)
    return proxy_reply(payload if isinstance(payload, bytes) else str(payload).encode())


# -- the middleware ------------------------------------------------------------------------------


def _target(environ: Mapping[str, Any]) -> tuple[str, str | None, str, str] | None:
    """(api id, region or None, stage, path after the stage) when the request calls a deployed API."""
    path = str(environ.get("PATH_INFO") or "/")
    host = EXECUTE_API_HOST.match(str(environ.get("HTTP_HOST") or ""))
    if host:
        parts = path.lstrip("/").split("/", 1)
        return host["api"], host["region"].lower(), parts[0], "/" + (parts[1] if len(parts) > 1 else "")
    user_request = USER_REQUEST.match(path)
    if user_request:
        return user_request["api"], None, user_request["stage"], user_request["path"] or "/"
    return None


def wsgi(app: Callable[..., Any]) -> Callable[..., Any]:
    """Answer calls to deployed REST APIs; pass every other request to ``app`` unchanged."""
    from werkzeug.wrappers import Request, Response

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        target = _target(environ)
        if target is None:
            return app(environ, start_response)
        request = Request(environ)
        call = Call(
            method=request.method.upper(),
            path=target[3],
            headers=tuple(request.headers.items()),
            query=tuple(request.args.items(multi=True)),
            body=request.get_data(),
            source_ip=request.remote_addr or "127.0.0.1",
        )
        try:
            reply = answer(target[0], target[1], target[2], call)
        except Exception as error:  # never let a bug here look like a moto crash page
            log.exception("execute-api failed")
            reply = internal_error(f"the emulator failed: {error!r}")
        request_id = str(uuid.uuid4())
        response = Response(reply.body, status=reply.status, headers=[*reply.headers, ("x-amzn-RequestId", request_id)])
        return response(environ, start_response)

    return middleware


# -- test-invoke-method --------------------------------------------------------------------------


def _test_invoke_method(self: Any) -> tuple[int, dict[str, Any], str]:
    """``TestInvokeMethod``: run one method as it is now (not as deployed), as the console's Test tab does."""
    _, _, api_id, _, resource_id, _, verb = self.path.rstrip("/").split("/")[:7]
    api = self.backend.get_rest_api(api_id)
    resource = self.backend.get_resource(api_id, resource_id)
    route = next(r for r in snapshot(api) if r.resource_id == resource.id)
    params = json.loads(self.body or "{}")
    where = urlsplit(params.get("pathWithQueryString") or route.path)
    headers = dict(params.get("headers") or {})
    multi = {k: list(v) for k, v in (params.get("multiValueHeaders") or {}).items()}
    call = Call(
        method=verb.upper(),
        path=where.path or "/",
        headers=tuple((k, v) for k, vs in multi.items() for v in vs) + tuple(i for i in headers.items() if i[0] not in multi),
        query=tuple(parse_qsl(where.query)),
        body=str(params.get("body") or "").encode(),
    )
    started = time.monotonic()
    matched = route_for([route], call.path)
    variables = params.get("stageVariables") or {}
    reply = run(Invocation(api, TEST_INVOKE_STAGE, variables, route, matched[1] if matched else {}, call))
    reply_headers, reply_multi = _multi(reply.headers)
    result = {
        "status": reply.status,
        "body": reply.body.decode(errors="replace"),
        "headers": reply_headers or {},
        "multiValueHeaders": reply_multi or {},
        "log": f"Execution log for request test-request\nMethod completed with status: {reply.status}\n",
        "latency": int((time.monotonic() - started) * 1000),
    }
    return 200, {}, json.dumps(result)


def install() -> None:
    from moto.apigateway.responses import APIGatewayResponse

    APIGatewayResponse.test_invoke_method = _test_invoke_method  # type: ignore[attr-defined]
