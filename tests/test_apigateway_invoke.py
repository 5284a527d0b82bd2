"""Deployed REST APIs answer over HTTP on the emulator's port as on AWS (extensions apigateway_invoke
and apigateway_deployments), against the real emulator process."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

import mcredlab.emulator.extensions as extensions_package
from mcredlab.checking import run_check
from mcredlab.emulator.extensions.apigateway_deployments import Route
from mcredlab.emulator.extensions.apigateway_invoke import Call, Invocation, proxy_event, proxy_reply, route_for
from mcredlab.kit import apigw, awslambda
from mcredlab.labs import apigw_cors, apigw_lambda_proxy
from mcredlab.target import Aws, Target

RUNNER = Path(extensions_package.__file__).parent / "lambda_runner.py"
needs_runner = pytest.mark.xfail(
    not RUNNER.exists(), reason="Lambda handlers run only once the extension lambda_runner lands", strict=True
)
ORIGIN = apigw_cors.ORIGIN
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "content-type"}


def _cors_lab(target: Target) -> tuple[Aws, dict[str, Any], str]:
    aws = target.aws()
    ctx = apigw_cors.lab.provision(aws)
    return aws, ctx, apigw.invoke_url(target, ctx["api_id"], "prod")


def _hello_lab(target: Target) -> tuple[Aws, dict[str, Any], str]:
    aws = target.aws()
    ctx = apigw_lambda_proxy.lab.provision(aws)
    apigw_lambda_proxy.lab.solve(aws, ctx)
    api = apigw.the_api(aws, ctx["api_name"])
    assert api is not None
    return aws, ctx, api.id


def _mock_method(aws: Aws, api_id: str, resource_id: str, verb: str, body: str, status: int = 200) -> None:
    client = aws.client("apigateway")
    where = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": verb}
    client.put_method(**where, authorizationType="NONE")
    client.put_method_response(**where, statusCode=str(status))
    client.put_integration(**where, type="MOCK", requestTemplates={"application/json": json.dumps({"statusCode": status})})
    client.put_integration_response(**where, statusCode=str(status), responseTemplates={"application/json": body})


# -- MOCK integrations, stages and routing ---------------------------------------------------------


def test_mock_get_answers_with_its_response_template(target: Target) -> None:
    _, _, url = _cors_lab(target)
    reply = requests.get(f"{url}/items", timeout=10)
    assert reply.status_code == 200
    assert reply.json() == apigw_cors.ITEMS
    assert reply.headers["Content-Type"] == "application/json"
    assert "Access-Control-Allow-Origin" not in reply.headers  # the lab's starting point has no CORS


def test_solved_cors_lab_answers_the_preflight_with_cors_headers(target: Target) -> None:
    aws, ctx, url = _cors_lab(target)
    apigw_cors.solve(aws, ctx)
    preflight = requests.options(f"{url}/items", headers=PREFLIGHT, timeout=10)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"].split(",")
    assert preflight.headers["Access-Control-Allow-Headers"] == "Content-Type"
    get = requests.get(f"{url}/items", headers={"Origin": ORIGIN}, timeout=10)
    assert get.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert get.json() == apigw_cors.ITEMS


def test_a_stage_serves_its_deployment_not_later_edits(target: Target) -> None:
    """The near miss 'not-redeployed': CORS configured, but prod still serves the setup's deployment."""
    aws, ctx, url = _cors_lab(target)
    apigw_cors.not_redeployed(aws, ctx)
    preflight = requests.options(f"{url}/items", headers=PREFLIGHT, timeout=10)
    assert preflight.status_code == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Origin" not in requests.get(f"{url}/items", timeout=10).headers
    aws.client("apigateway").create_deployment(restApiId=ctx["api_id"], stageName="prod")
    assert requests.options(f"{url}/items", headers=PREFLIGHT, timeout=10).headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_missing_route_is_403_missing_authentication_token(target: Target) -> None:
    _, _, url = _cors_lab(target)
    for method, path in (("GET", "/nothing"), ("POST", "/items"), ("GET", "/items/1"), ("GET", "")):
        reply = requests.request(method, url + path, timeout=10)
        assert reply.status_code == 403, (method, path)
        assert reply.json() == {"message": "Missing Authentication Token"}
        assert reply.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_a_stage_that_does_not_exist_is_403(target: Target) -> None:
    _, ctx, _ = _cors_lab(target)
    reply = requests.get(f"{apigw.invoke_url(target, ctx['api_id'], 'dev')}/items", timeout=10)
    assert reply.status_code == 403
    assert reply.json() == {"message": "Forbidden"}


def test_the_execute_api_host_header_form(target: Target) -> None:
    _, ctx, _ = _cors_lab(target)
    host = f"{ctx['api_id']}.execute-api.{target.region}.amazonaws.com"
    reply = requests.get(f"{target.endpoint_url}/prod/items", headers={"Host": host}, timeout=10)
    assert reply.status_code == 200
    assert reply.json() == apigw_cors.ITEMS
    assert requests.get(f"{target.endpoint_url}/prod/nothing", headers={"Host": host}, timeout=10).status_code == 403


def test_routes_match_like_api_gateway(target: Target) -> None:
    """Literal parts win over {param}, which wins over {proxy+}; ANY takes every method."""
    aws = target.aws()
    client = aws.client("apigateway")
    api_id = client.create_rest_api(name="routing")["id"]
    root = apigw.resource(aws, api_id, "/")
    assert root is not None
    made = {"/": root["id"]}
    for path in ("/items", "/items/{id}", "/items/special", "/files", "/files/{proxy+}"):
        parent, part = path.rsplit("/", 1)
        made[path] = client.create_resource(restApiId=api_id, parentId=made[parent or "/"], pathPart=part)["id"]
    _mock_method(aws, api_id, made["/"], "GET", "root")
    _mock_method(aws, api_id, made["/items/{id}"], "GET", "one item")
    _mock_method(aws, api_id, made["/items/special"], "GET", "special")
    _mock_method(aws, api_id, made["/files/{proxy+}"], "ANY", "a file")
    client.create_deployment(restApiId=api_id, stageName="v1")
    url = apigw.invoke_url(target, api_id, "v1")
    expected = {
        ("GET", ""): "root",
        ("GET", "/items/42"): "one item",
        ("GET", "/items/special"): "special",
        ("GET", "/files/a/b/c.txt"): "a file",
        ("DELETE", "/files/x"): "a file",
    }
    for (method, path), body in expected.items():
        reply = requests.request(method, url + path, timeout=10)
        assert (reply.status_code, reply.text) == (200, body), (method, path)
    for method, path in (("GET", "/items"), ("GET", "/files"), ("POST", "/items/42"), ("GET", "/items/42/more")):
        assert requests.request(method, url + path, timeout=10).status_code == 403, (method, path)


def test_route_for_gives_path_parameters() -> None:
    routes = [Route("a", "/items/{id}", {}), Route("b", "/{proxy+}", {}), Route("c", "/items/{id}/tags/{tag}", {})]
    assert route_for(routes, "/items/7") == (routes[0], {"id": "7"})
    assert route_for(routes, "/items/7/tags/red") == (routes[2], {"id": "7", "tag": "red"})
    assert route_for(routes, "/other/x") == (routes[1], {"proxy": "other/x"})
    assert route_for(routes, "/") is None


def test_mock_status_picks_the_integration_response_by_selection_pattern(target: Target) -> None:
    aws = target.aws()
    client = aws.client("apigateway")
    api_id = client.create_rest_api(name="selection")["id"]
    root = apigw.resource(aws, api_id, "/")
    assert root is not None
    where = {"restApiId": api_id, "resourceId": root["id"], "httpMethod": "GET"}
    client.put_method(**where, authorizationType="NONE")
    for status in ("200", "404"):
        client.put_method_response(**where, statusCode=status, responseParameters={"method.response.header.X-Why": False})
    client.put_integration(**where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 404}'})
    client.put_integration_response(**where, statusCode="200", responseTemplates={"application/json": "fine"})
    client.put_integration_response(
        **where, statusCode="404", selectionPattern="4\\d{2}", responseTemplates={"application/json": '{"error": "gone"}'},
        responseParameters={"method.response.header.X-Why": "'not here'"},
    )
    client.create_deployment(restApiId=api_id, stageName="prod")
    reply = requests.get(apigw.invoke_url(target, api_id, "prod"), timeout=10)
    assert (reply.status_code, reply.json(), reply.headers["X-Why"]) == (404, {"error": "gone"}, "not here")


def test_get_deployment_embeds_the_api_summary_of_its_snapshot(target: Target) -> None:
    aws, ctx, _ = _cors_lab(target)
    client = aws.client("apigateway")
    setup_deployment = client.get_stage(restApiId=ctx["api_id"], stageName="prod")["deploymentId"]
    apigw_cors.solve(aws, ctx)
    summaries = {
        d["id"]: client.get_deployment(restApiId=ctx["api_id"], deploymentId=d["id"], embed=["apisummary"])["apiSummary"]
        for d in client.get_deployments(restApiId=ctx["api_id"])["items"]
    }
    method = {"authorizationType": "NONE", "apiKeyRequired": False}
    assert summaries[setup_deployment] == {"/items": {"GET": method}}
    assert {"/items": {"GET": method, "OPTIONS": method}} in summaries.values()
    assert "apiSummary" not in client.get_deployment(restApiId=ctx["api_id"], deploymentId=setup_deployment)


# -- Lambda proxy integrations --------------------------------------------------------------------


@needs_runner
def test_solved_lambda_proxy_lab_answers_with_the_handlers_json(target: Target) -> None:
    _, _, api_id = _hello_lab(target)
    url = apigw.invoke_url(target, api_id, "prod")
    reply = requests.get(f"{url}/hello", timeout=60)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"message": "Hello, world! (from Lambda)"}
    assert reply.headers["Content-Type"] == "application/json"
    assert requests.get(f"{url}/hello", params={"name": "Ann"}, timeout=60).json() == {"message": "Hello, Ann! (from Lambda)"}


def test_without_the_lambda_permission_the_call_is_500(target: Target) -> None:
    aws, ctx, api_id = _hello_lab(target)
    aws.client("lambda").remove_permission(FunctionName=ctx["function_name"], StatementId=f"apigateway-{api_id}")
    reply = requests.get(f"{apigw.invoke_url(target, api_id, 'prod')}/hello", timeout=60)
    assert reply.status_code == 500
    assert reply.json() == {"message": "Internal server error"}
    assert "may not invoke" in reply.headers["x-mcredlab-reason"]


def test_a_function_slower_than_the_integration_timeout_is_504(target: Target) -> None:
    aws, ctx, api_id = _hello_lab(target)
    slow = "import time\n\ndef handler(event, context):\n    time.sleep(3)\n    return {'statusCode': 200, 'body': 'late'}\n"
    aws.client("lambda").update_function_code(FunctionName=ctx["function_name"], ZipFile=awslambda.zip_source(slow))
    client = aws.client("apigateway")
    hello = next(r for r in client.get_resources(restApiId=api_id)["items"] if r["path"] == "/hello")
    where = {"restApiId": api_id, "resourceId": hello["id"], "httpMethod": "GET"}
    integration = client.get_integration(**where)
    client.put_integration(**where, type="AWS_PROXY", integrationHttpMethod="POST", uri=integration["uri"],
                           timeoutInMillis=500)
    client.create_deployment(restApiId=api_id, stageName="prod")
    reply = requests.get(f"{apigw.invoke_url(target, api_id, 'prod')}/hello", timeout=60)
    assert reply.status_code == 504
    assert reply.json() == {"message": "Endpoint request timed out"}
    report = run_check(apigw_lambda_proxy.lab, target.aws(read_only=True), ctx)
    assert any(not r.passed and "504" in r.found.en for r in report.results), str(report)


@pytest.mark.parametrize(
    ("near_miss", "status", "message"),
    [
        (apigw_lambda_proxy.permission_elsewhere, 500, "Internal server error"),
        (apigw_lambda_proxy.integration_get, 500, "Internal server error"),
        (apigw_lambda_proxy.custom_integration, 500, "The offline emulator does not run AWS integrations"),
    ],
    ids=["permission-for-another-api", "integration-called-with-get", "lambda-custom-integration"],
)
def test_lambda_near_misses_fail_as_on_aws(target: Target, near_miss: Any, status: int, message: str) -> None:
    aws = target.aws()
    ctx = apigw_lambda_proxy.lab.provision(aws)
    near_miss(aws, ctx)
    api = apigw.the_api(aws, ctx["api_name"])
    assert api is not None
    reply = requests.get(f"{apigw.invoke_url(target, api.id, 'prod')}/hello", timeout=60)
    assert reply.status_code == status
    assert reply.json()["message"].startswith(message)


def _invocation(call: Call, stage_variables: dict[str, str] | None = None) -> Invocation:
    class Api:
        id, account_id, region_name = "a1b2c3d4e5", "123456789012", "us-east-1"

    route = Route("r1", "/items/{id}", {})
    return Invocation(Api(), "prod", stage_variables or {}, route, {"id": "7"}, call)  # type: ignore[arg-type]


def test_proxy_event_has_the_fields_of_format_1_0() -> None:
    call = Call("POST", "/items/7", (("Content-Type", "application/json"), ("X-Tag", "a"), ("X-Tag", "b")),
                (("q", "1"), ("q", "2"), ("r", "x")), b'{"n": 1}', "10.0.0.9")
    event = proxy_event(_invocation(call, {"env": "test"}))
    assert event["resource"] == "/items/{id}" and event["path"] == "/items/7" and event["httpMethod"] == "POST"
    assert event["headers"]["X-Tag"] == "b" and event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["queryStringParameters"] == {"q": "2", "r": "x"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"], "r": ["x"]}
    assert event["pathParameters"] == {"id": "7"} and event["stageVariables"] == {"env": "test"}
    assert (event["body"], event["isBase64Encoded"]) == ('{"n": 1}', False)
    context = event["requestContext"]
    assert {k: context[k] for k in ("accountId", "apiId", "stage", "resourcePath", "httpMethod", "path")} == {
        "accountId": "123456789012", "apiId": "a1b2c3d4e5", "stage": "prod", "resourcePath": "/items/{id}",
        "httpMethod": "POST", "path": "/prod/items/7",
    }
    assert context["identity"]["sourceIp"] == "10.0.0.9" and context["requestId"]
    empty = proxy_event(_invocation(Call("GET", "/items/7")))
    assert empty["queryStringParameters"] is None and empty["headers"] is None and empty["body"] is None
    binary = proxy_event(_invocation(Call("PUT", "/items/7", body=b"\xff\x00")))
    assert (binary["body"], binary["isBase64Encoded"]) == ("/wA=", True)


def test_proxy_reply_maps_the_lambda_result_back() -> None:
    reply = proxy_reply(json.dumps({
        "statusCode": 201, "headers": {"X-One": "1", "Set-Cookie": "ignored"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "created",
    }).encode())
    assert reply.status == 201 and reply.body == b"created"
    assert ("X-One", "1") in reply.headers and ("Content-Type", "application/json") in reply.headers
    assert [v for k, v in reply.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    encoded = proxy_reply(json.dumps({"statusCode": 200, "body": base64.b64encode(b"\x89PNG").decode(),
                                      "isBase64Encoded": True, "headers": {"Content-Type": "image/png"}}).encode())
    assert encoded.body == b"\x89PNG" and encoded.headers[0] == ("Content-Type", "image/png")


@pytest.mark.parametrize("payload", [b"not json", b'"text"', b'{"body": "no status"}',
                                     b'{"statusCode": 200, "body": {"an": "object"}}',
                                     b'{"statusCode": 200, "headers": ["x"]}'])
def test_a_malformed_lambda_result_is_502(payload: bytes) -> None:
    reply = proxy_reply(payload)
    assert reply.status == 502
    assert json.loads(reply.body) == {"message": "Internal server error"}


# -- clients: invoke_url, curl, the AWS CLI --------------------------------------------------------


def test_invoke_url_for_each_kind_of_target() -> None:
    assert apigw.invoke_url(Target("aws", "eu-west-1"), "a1b2c3d4e5", "prod") == (
        "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod"
    )
    endpoint = Target("endpoint", "us-east-1", "http://localhost:4566/")
    assert apigw.invoke_url(endpoint.aws(), "a1b2c3d4e5", "dev") == "http://localhost:4566/restapis/a1b2c3d4e5/dev/_user_request_"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_an_api_built_with_the_cli_answers_curl(target: Target) -> None:
    aws, ctx, url = _cors_lab(target)
    apigw_cors.with_the_cli(aws, ctx)
    done = subprocess.run(
        ["curl", "-s", "-i", "-X", "OPTIONS", f"{url}/items", "-H", f"Origin: {ORIGIN}",
         "-H", "Access-Control-Request-Method: GET"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    head = done.stdout.split("\r\n\r\n", 1)[0].lower()
    assert head.startswith("http/1.1 200")
    assert f"access-control-allow-origin: {ORIGIN}".lower() in head


def test_aws_cli_test_invoke_method_runs_the_live_method(target: Target) -> None:
    """``test-invoke-method`` (the console's Test tab) runs the method as it is now, deployed or not."""
    aws, ctx, _ = _cors_lab(target)
    apigw_cors.not_redeployed(aws, ctx)
    items = apigw.resource(aws, ctx["api_id"], "/items")
    assert items is not None
    result = json.loads(aws.cli("apigateway", "test-invoke-method", "--rest-api-id", ctx["api_id"],
                                "--resource-id", items["id"], "--http-method", "OPTIONS"))
    assert result["status"] == 200
    assert result["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    got = json.loads(aws.cli("apigateway", "test-invoke-method", "--rest-api-id", ctx["api_id"],
                             "--resource-id", items["id"], "--http-method", "GET", "--path-with-query-string", "/items?x=1"))
    assert (got["status"], json.loads(got["body"])) == (200, apigw_cors.ITEMS)


def test_control_plane_requests_still_reach_moto(target: Target) -> None:
    aws, ctx, _ = _cors_lab(target)
    client = aws.client("apigateway")
    deployments = client.get_deployments(restApiId=ctx["api_id"])["items"]
    assert client.get_stage(restApiId=ctx["api_id"], stageName="prod")["deploymentId"] == deployments[0]["id"]
    assert requests.get(f"{target.endpoint_url}/moto-api/config", timeout=10).ok


# -- apigateway_patch_operations: update-* with AWS's patch operations --------------------------------

ALLOW_ORIGIN_PARAM = "method.response.header.Access-Control-Allow-Origin"


def _cli(*args: str, target: Target) -> subprocess.CompletedProcess[str]:
    env = {**__import__("os").environ, **target.environ()}
    return subprocess.run([shutil.which("aws") or "aws", *args, "--output", "json"], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_update_method_and_integration_response_add_a_cors_header_served_after_redeploy(target: Target) -> None:
    aws, ctx, url = _cors_lab(target)
    items = apigw.resource(aws, ctx["api_id"], "/items")
    assert items is not None
    where = ["--rest-api-id", ctx["api_id"], "--resource-id", items["id"], "--http-method", "GET", "--status-code", "200"]
    done = _cli("apigateway", "update-method-response", *where, "--patch-operations",
                f"op=add,path=/responseParameters/{ALLOW_ORIGIN_PARAM},value=false", target=target)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["responseParameters"] == {ALLOW_ORIGIN_PARAM: False}
    done = _cli("apigateway", "update-integration-response", *where, "--patch-operations",
                f"op=add,path=/responseParameters/{ALLOW_ORIGIN_PARAM},value=\"'{ORIGIN}'\"", target=target)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["responseParameters"] == {ALLOW_ORIGIN_PARAM: f"'{ORIGIN}'"}
    method = aws.client("apigateway").get_method(restApiId=ctx["api_id"], resourceId=items["id"], httpMethod="GET")
    assert method["methodIntegration"]["integrationResponses"]["200"]["responseParameters"] == {
        ALLOW_ORIGIN_PARAM: f"'{ORIGIN}'"}
    assert "Access-Control-Allow-Origin" not in requests.get(f"{url}/items", timeout=10).headers  # not redeployed
    aws.client("apigateway").create_deployment(restApiId=ctx["api_id"], stageName="prod")
    assert requests.get(f"{url}/items", timeout=10).headers["Access-Control-Allow-Origin"] == ORIGIN


def test_update_integration_method_and_resource_patch_their_fields(target: Target) -> None:
    aws, ctx, _ = _cors_lab(target)
    client = aws.client("apigateway")
    items = apigw.resource(aws, ctx["api_id"], "/items")
    assert items is not None
    where = {"restApiId": ctx["api_id"], "resourceId": items["id"], "httpMethod": "GET"}
    integration = client.update_integration(**where, patchOperations=[
        {"op": "replace", "path": "/timeoutInMillis", "value": "5000"},
        {"op": "add", "path": "/requestTemplates/text~1plain", "value": "{}"}])
    assert integration["timeoutInMillis"] == 5000 and integration["requestTemplates"]["text/plain"] == "{}"
    method = client.update_method(**where, patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
    assert method["apiKeyRequired"] is True
    resource = client.update_resource(restApiId=ctx["api_id"], resourceId=items["id"],
                                      patchOperations=[{"op": "replace", "path": "/pathPart", "value": "goods"}])
    assert resource["pathPart"] == "goods" and resource["path"] == "/goods"
    response = client.update_method_response(**where, statusCode="200", patchOperations=[
        {"op": "remove", "path": f"/responseParameters/{ALLOW_ORIGIN_PARAM}"}])
    assert ALLOW_ORIGIN_PARAM not in (response.get("responseParameters") or {})


def test_update_with_an_unknown_patch_path_is_a_bad_request(target: Target) -> None:
    aws, ctx, _ = _cors_lab(target)
    items = apigw.resource(aws, ctx["api_id"], "/items")
    assert items is not None
    done = _cli("apigateway", "update-integration-response", "--rest-api-id", ctx["api_id"], "--resource-id",
                items["id"], "--http-method", "GET", "--status-code", "200", "--patch-operations",
                "op=replace,path=/nothing,value=x", target=target)
    assert done.returncode != 0 and "(BadRequestException)" in done.stderr, done.stderr
    assert "retries" not in done.stderr
