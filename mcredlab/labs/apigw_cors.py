"""CORS on an API Gateway REST API: a preflight answered by a MOCK integration, and CORS headers on GET."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from mcredlab.kit import TAG_KEY, Aws, Context, Finding, HttpReply, Lab, Text, apigw, clip, failed, passed

lab = Lab(
    id="apigw-cors",
    track="serverless",
    services=("apigateway",),
    flows=(("user", "apigateway"),),
    certs=("DVA", "SAA", "AIF"),
    minutes=15,
    title=Text(en="Enable CORS on an API Gateway REST API", ja="API Gateway の REST API で CORS を有効にする"),
    task=Text(
        en=(
            "The REST API **{api_name}** (id `{api_id}`) is deployed to the stage `prod`. Its `GET /items` returns "
            "a fixed JSON list. A web page served from **{origin}** must call `GET /items` from the browser, "
            "and today the browser blocks it.\n\n"
            "Enable CORS for that origin:\n"
            "1. A preflight request `OPTIONS /items` answers 200 with `Access-Control-Allow-Origin` matching "
            "{origin} (or `*`), `Access-Control-Allow-Methods` including `GET`, and `Access-Control-Allow-Headers` "
            "including `Content-Type`.\n"
            "2. Responses of `GET /items` carry `Access-Control-Allow-Origin`, and still return the list.\n"
            "3. The change is live on the `prod` stage.\n\n"
            "Tip: in the notebook, `lab.api_url()` gives the stage's invoke URL, so you can send the browser's "
            "requests yourself with `requests` or `!curl`."
        ),
        ja=(
            "REST API **{api_name}**（ID `{api_id}`）はステージ `prod` にデプロイされています。`GET /items` は固定の "
            "JSON リストを返します。**{origin}** から配信されるウェブページが、ブラウザーから `GET /items` を呼び出す"
            "必要がありますが、現在はブラウザーにブロックされています。\n\n"
            "このオリジンに対して CORS を有効にしてください。\n"
            "1. プリフライトリクエスト `OPTIONS /items` が 200 を返し、`Access-Control-Allow-Origin` が {origin}"
            "（または `*`）、`Access-Control-Allow-Methods` に `GET`、`Access-Control-Allow-Headers` に "
            "`Content-Type` が含まれること。\n"
            "2. `GET /items` のレスポンスに `Access-Control-Allow-Origin` が付き、これまでどおりリストが返ること。\n"
            "3. 変更が `prod` ステージに反映されていること。\n\n"
            "ヒント: ノートブックで `lab.api_url()` を実行するとステージの呼び出し URL が得られるので、"
            "ブラウザーと同じリクエストを `requests` や `!curl` で送って確かめられます。"
        ),
    ),
)

API_NAME = "mcredlab-items-api"
ORIGIN = "https://www.example.com"
ITEMS = {"items": [{"id": 1, "name": "apple"}, {"id": 2, "name": "banana"}]}
HEADER = "method.response.header.{}"
ALLOW_ORIGIN, ALLOW_METHODS, ALLOW_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
)
CONSOLE_ALLOW_HEADERS = "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"


# -- setup -------------------------------------------------------------------------------------


def _mock(aws: Aws, api_id: str, resource_id: str, http_method: str, body: str, headers: dict[str, str], *,
          integration_response: bool = True) -> None:
    """A MOCK integration answering 200 with ``body`` and fixed ``headers`` (as the console builds it)."""
    api_gateway = aws.client("apigateway")
    api_gateway.put_method(restApiId=api_id, resourceId=resource_id, httpMethod=http_method, authorizationType="NONE")
    api_gateway.put_method_response(
        restApiId=api_id, resourceId=resource_id, httpMethod=http_method, statusCode="200",
        responseModels={"application/json": "Empty"},
        responseParameters={HEADER.format(name): False for name in headers},
    )
    api_gateway.put_integration(
        restApiId=api_id, resourceId=resource_id, httpMethod=http_method, type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    if not integration_response:
        return
    api_gateway.put_integration_response(
        restApiId=api_id, resourceId=resource_id, httpMethod=http_method, statusCode="200",
        responseTemplates={"application/json": body},
        responseParameters={HEADER.format(name): f"'{value}'" for name, value in headers.items()},
    )


@lab.setup
def setup(aws: Aws) -> Context:
    """A deployed API whose GET /items answers from a MOCK integration, without any CORS."""
    api_gateway = aws.client("apigateway")
    existing = apigw.rest_apis_named(aws, API_NAME)
    if existing:
        return {"api_id": existing[0]["id"], "api_name": API_NAME, "origin": ORIGIN}
    api_id = api_gateway.create_rest_api(
        name=API_NAME, description="Items for the web shop", endpointConfiguration={"types": ["REGIONAL"]},
        tags={TAG_KEY: lab.id},
    )["id"]
    root = apigw.resource(aws, api_id, "/")
    assert root is not None
    items = api_gateway.create_resource(restApiId=api_id, parentId=root["id"], pathPart="items")["id"]
    _mock(aws, api_id, items, "GET", json.dumps(ITEMS), {})
    api_gateway.create_deployment(restApiId=api_id, stageName="prod", description="mcredlab setup")
    return {"api_id": api_id, "api_name": API_NAME, "origin": ORIGIN}


# -- what the checks read ----------------------------------------------------------------------


def _items_method(aws: Aws, ctx: Context, http_method: str) -> dict[str, Any] | None:
    items = apigw.resource(aws, ctx["api_id"], "/items")
    if items is None:
        return None
    return apigw.method(aws, ctx["api_id"], items["id"], http_method)


def _headers_200(method: dict[str, Any]) -> tuple[dict[str, str | None], set[str]]:
    """The fixed header values the 200 response maps, and the headers its method response declares."""
    integration = method.get("methodIntegration") or {}
    responses = integration.get("integrationResponses") or {}
    chosen = next((r for r in responses.values() if str(r.get("statusCode")) == "200"), {})
    mapped = {
        key.removeprefix("method.response.header.").lower(): apigw.literal(value)
        for key, value in (chosen.get("responseParameters") or {}).items()
    }
    declared = {
        key.removeprefix("method.response.header.").lower()
        for key in (((method.get("methodResponses") or {}).get("200") or {}).get("responseParameters") or {})
    }
    return mapped, declared


def _header_finding(method: dict[str, Any] | None, verb: str, header: str, ok: Any, expected_en: str, expected_ja: str) -> Finding:
    """What the 200 response of ``verb /items`` sets ``header`` to, and whether ``ok`` accepts it."""
    if method is None:
        return failed(f"no {verb} method on /items", f"/items に {verb} メソッドがありません")
    mapped, declared = _headers_200(method)
    value = mapped.get(header.lower())
    if header.lower() not in mapped:
        return failed(f"the 200 response of {verb} /items sets no {header}", f"{verb} /items の 200 レスポンスに {header} が設定されていません")
    if value is None:
        return failed(f"{header} is mapped from the request, not a fixed value", f"{header} が固定値ではなくリクエストからマッピングされています")
    if header.lower() not in declared:
        return failed(
            f"{header} = '{value}', but the method response does not declare the header",
            f"{header} = '{value}' ですが、メソッドレスポンスでヘッダーが宣言されていません",
        )
    if not ok(value):
        return failed(f"{verb} /items sets {header} = '{value}' ({expected_en})",
                      f"{verb} /items の {header} = '{value}' です（{expected_ja}）")
    return passed(f"{verb} /items sets {header} = '{value}'", f"{verb} /items の {header} = '{value}' です")


def _listed(value: str, wanted: str) -> bool:
    entries = {part.strip().lower() for part in value.split(",")}
    return wanted.lower() in entries or "*" in entries


# -- criteria ----------------------------------------------------------------------------------

_ENABLE_CORS_HINT = Text(
    en="Select /items > Enable CORS, tick GET and OPTIONS, set Access-Control-Allow-Origin to {origin} (or *), "
    "save, then Deploy API to prod.",
    ja="/items を選択して「CORS を有効にする」を開き、GET と OPTIONS にチェックを入れ、Access-Control-Allow-Origin に "
    "{origin}（または *）を設定して保存し、「API をデプロイ」で prod にデプロイします。",
)


@lab.criterion(
    "options-method",
    expected=Text(en="an OPTIONS method on /items", ja="/items の OPTIONS メソッド"),
    looked_at=Text(en="the methods of /items in API {api_id}", ja="API {api_id} の /items のメソッド"),
    hint=_ENABLE_CORS_HINT,
)
def options_method(aws: Aws, ctx: Context) -> Finding:
    items = apigw.resource(aws, ctx["api_id"], "/items")
    if items is None:
        return failed("no /items resource", "/items リソースがありません")
    methods = sorted((items.get("resourceMethods") or {}).keys())
    listed = ", ".join(methods)
    if "OPTIONS" in methods:
        return passed(f"methods {listed}", f"メソッド: {listed}")
    return failed(f"methods {listed or 'none'}: no OPTIONS", f"メソッド: {listed or 'なし'}（OPTIONS がありません）")


@lab.criterion(
    "preflight-status-200",
    expected=Text(en="the preflight answers 200 without calling a backend (MOCK)", ja="プリフライトがバックエンドを呼ばずに（MOCK で）200 を返す"),
    looked_at=Text(en="the integration of OPTIONS /items", ja="OPTIONS /items の統合"),
    hint=Text(
        en="The OPTIONS method needs a MOCK integration whose request template is {{\"statusCode\": 200}}, "
        "a 200 method response and a 200 integration response. Enable CORS builds all three.",
        ja="OPTIONS メソッドには、リクエストテンプレートが {{\"statusCode\": 200}} の MOCK 統合、200 のメソッドレスポンス、"
        "200 の統合レスポンスが必要です。「CORS を有効にする」で 3 つとも作成されます。",
    ),
    requires="options-method",
)
def preflight_status(aws: Aws, ctx: Context) -> Finding:
    method = _items_method(aws, ctx, "OPTIONS")
    if method is None:
        return failed("no OPTIONS method on /items", "/items に OPTIONS メソッドがありません")
    integration = method.get("methodIntegration") or {}
    kind = str(integration.get("type", "none")).upper()
    if kind != "MOCK":
        return failed(f"integration type {kind}", f"統合タイプは {kind} です")
    templates = integration.get("requestTemplates") or {}
    try:
        status = json.loads(templates.get("application/json") or "{}").get("statusCode")
    except ValueError:
        status = None
    if status != 200:
        return failed(f"the request template selects status {status}",
                      f"リクエストテンプレートが選ぶステータスは {status if status is not None else 'ありません'}"
                      + ("です" if status is not None else ""))
    if "200" not in (method.get("methodResponses") or {}):
        return failed("no 200 method response", "200 のメソッドレスポンスがありません")
    if not any(str(r.get("statusCode")) == "200" for r in (integration.get("integrationResponses") or {}).values()):
        return failed("no 200 integration response", "200 の統合レスポンスがありません")
    return passed("a MOCK integration answering 200", "200 を返す MOCK 統合")


@lab.criterion(
    "preflight-allow-origin",
    expected=Text(en="the preflight allows the origin {origin} (or *)", ja="プリフライトがオリジン {origin}（または *）を許可する"),
    looked_at=Text(en="the 200 response of OPTIONS /items", ja="OPTIONS /items の 200 レスポンス"),
    requires="preflight-status-200",
    hint=Text(
        en="Access-Control-Allow-Origin must be exactly {origin} (scheme and host, no trailing slash) or *.",
        ja="Access-Control-Allow-Origin は正確に {origin}（スキームとホスト、末尾のスラッシュなし）か * にします。",
    ),
)
def preflight_allow_origin(aws: Aws, ctx: Context) -> Finding:
    return _header_finding(
        _items_method(aws, ctx, "OPTIONS"), "OPTIONS", ALLOW_ORIGIN, lambda v: v in ("*", ctx["origin"]),
        f"not {ctx['origin']} or *", f"{ctx['origin']} でも * でもありません",
    )


@lab.criterion(
    "preflight-allow-methods",
    expected=Text(en="the preflight allows the method GET", ja="プリフライトが GET メソッドを許可する"),
    looked_at=Text(en="the 200 response of OPTIONS /items", ja="OPTIONS /items の 200 レスポンス"),
    requires="preflight-status-200",
    hint=Text(
        en="Access-Control-Allow-Methods is a comma-separated list such as GET,OPTIONS.",
        ja="Access-Control-Allow-Methods は GET,OPTIONS のようなカンマ区切りのリストです。",
    ),
)
def preflight_allow_methods(aws: Aws, ctx: Context) -> Finding:
    return _header_finding(
        _items_method(aws, ctx, "OPTIONS"), "OPTIONS", ALLOW_METHODS, lambda v: _listed(v, "GET"),
        "GET is missing", "GET が含まれていません",
    )


@lab.criterion(
    "preflight-allow-headers",
    expected=Text(en="the preflight allows the header Content-Type", ja="プリフライトが Content-Type ヘッダーを許可する"),
    looked_at=Text(en="the 200 response of OPTIONS /items", ja="OPTIONS /items の 200 レスポンス"),
    requires="preflight-status-200",
    hint=Text(
        en="Access-Control-Allow-Headers lists the request headers the page may send; include Content-Type.",
        ja="Access-Control-Allow-Headers にはページが送信できるリクエストヘッダーを列挙します。Content-Type を含めてください。",
    ),
)
def preflight_allow_headers(aws: Aws, ctx: Context) -> Finding:
    return _header_finding(
        _items_method(aws, ctx, "OPTIONS"), "OPTIONS", ALLOW_HEADERS, lambda v: _listed(v, "Content-Type"),
        "Content-Type is missing", "Content-Type が含まれていません",
    )


@lab.criterion(
    "get-allow-origin",
    expected=Text(en="GET /items responses carry Access-Control-Allow-Origin", ja="GET /items のレスポンスに Access-Control-Allow-Origin が付く"),
    looked_at=Text(en="the 200 response of GET /items", ja="GET /items の 200 レスポンス"),
    hint=Text(
        en="The preflight alone is not enough: the browser also checks the actual GET response. "
        "Enable CORS with GET ticked adds the header to GET's method and integration responses.",
        ja="プリフライトだけでは不十分で、ブラウザーは実際の GET レスポンスも確認します。"
        "GET にチェックを入れて「CORS を有効にする」を実行すると、GET のメソッドレスポンスと統合レスポンスにヘッダーが追加されます。",
    ),
)
def get_allow_origin(aws: Aws, ctx: Context) -> Finding:
    return _header_finding(
        _items_method(aws, ctx, "GET"), "GET", ALLOW_ORIGIN, lambda v: v in ("*", ctx["origin"]),
        f"not {ctx['origin']} or *", f"{ctx['origin']} でも * でもありません",
    )


@lab.criterion(
    "deployed",
    expected=Text(en="OPTIONS /items deployed to the stage prod", ja="OPTIONS /items がステージ prod にデプロイされている"),
    looked_at=Text(en="the deployment behind stage prod of API {api_id}", ja="API {api_id} のステージ prod のデプロイ"),
    hint=Text(
        en="Changes to methods take effect only after Deploy API (stage prod).",
        ja="メソッドの変更は「API をデプロイ」（ステージ prod）を実行するまで反映されません。",
    ),
    requires="options-method",
)
def deployed(aws: Aws, ctx: Context) -> Finding:
    served = apigw.deployed_methods(aws, ctx["api_id"], "prod")
    if served is None:
        return failed("no stage prod", "ステージ prod がありません")
    if "OPTIONS" not in served.get("/items", set()):
        return failed(
            "prod still serves a deployment made before OPTIONS /items existed; redeploy",
            "ステージ prod のデプロイは OPTIONS /items を作成する前のものです。再デプロイしてください",
        )
    return passed("prod serves OPTIONS /items", "ステージ prod のデプロイに OPTIONS /items が含まれています")


def _cors_headers(reply: HttpReply) -> tuple[str, str]:
    """The Access-Control-Allow-* headers of a reply, in English and Japanese."""
    names = (ALLOW_ORIGIN, ALLOW_METHODS, ALLOW_HEADERS)
    shown = ", ".join(f"`{name}: {reply.header(name)}`" for name in names if reply.header(name) is not None)
    return (shown, shown) if shown else ("no CORS headers", "CORS ヘッダーなし")


@lab.criterion(
    "preflight-answers",
    expected=Text(
        en="a browser's preflight from {origin} is allowed by the prod stage",
        ja="{origin} からのブラウザーのプリフライトが prod ステージで許可される",
    ),
    looked_at=Text(en="what OPTIONS /prod/items answers a browser", ja="OPTIONS /prod/items がブラウザーに返す内容"),
    hint=Text(
        en="Send the preflight yourself: `curl -i -X OPTIONS -H 'Origin: {origin}' -H 'Access-Control-Request-Method: GET' "
        ".../prod/items` and compare the Access-Control-Allow-* headers with what the browser asks for.",
        ja="プリフライトを自分で送ってみましょう: `curl -i -X OPTIONS -H 'Origin: {origin}' -H 'Access-Control-Request-Method: GET' "
        ".../prod/items`。Access-Control-Allow-* ヘッダーをブラウザーの要求と比べてください。",
    ),
    requires=("preflight-allow-origin", "preflight-allow-methods", "preflight-allow-headers", "deployed"),
)
def preflight_answers(aws: Aws, ctx: Context) -> Finding:
    url = apigw.invoke_url(aws, ctx["api_id"], "prod") + "/items"
    headers = {"Origin": ctx["origin"], "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "content-type"}
    reply = aws.http("OPTIONS", url, headers)
    origin, methods, allowed = (reply.header(ALLOW_ORIGIN), reply.header(ALLOW_METHODS), reply.header(ALLOW_HEADERS))
    ok = (
        reply.status == 200
        and origin in ("*", ctx["origin"])
        and methods is not None and _listed(methods, "GET")
        and allowed is not None and _listed(allowed, "Content-Type")
    )
    en, ja = apigw.exchange("OPTIONS", url, reply.status, sent_headers=headers, got=_cors_headers(reply))
    return passed(en, ja) if ok else failed(en, ja)


@lab.criterion(
    "get-answers-with-cors",
    expected=Text(
        en="GET /prod/items answers 200 with its JSON list and Access-Control-Allow-Origin for {origin}",
        ja="GET /prod/items が {origin} 向けの Access-Control-Allow-Origin を付けて、200 と元の JSON リストを返す",
    ),
    looked_at=Text(en="what GET /prod/items answers a browser on {origin}", ja="GET /prod/items が {origin} のブラウザーに返す内容"),
    hint=Text(
        en="`curl -i -H 'Origin: {origin}' .../prod/items` must show Access-Control-Allow-Origin and still the JSON "
        "list. No header: add it to GET's method and integration responses and redeploy. An empty body: "
        "`put-integration-response` replaces the whole integration response, so pass the mapping template again "
        "(`--response-templates`) or use `update-integration-response`.",
        ja="`curl -i -H 'Origin: {origin}' .../prod/items` の結果に、Access-Control-Allow-Origin と元の JSON リストの両方が"
        "必要です。ヘッダーがない場合は、GET のメソッドレスポンスと統合レスポンスに追加して再デプロイします。本文が空の場合、"
        "`put-integration-response` は統合レスポンス全体を置き換えるので、マッピングテンプレートも指定し直すか"
        "（`--response-templates`）、`update-integration-response` を使います。",
    ),
    requires=("get-allow-origin", "deployed"),
)
def get_answers_with_cors(aws: Aws, ctx: Context) -> Finding:
    url = apigw.invoke_url(aws, ctx["api_id"], "prod") + "/items"
    headers = {"Origin": ctx["origin"]}
    reply = aws.http("GET", url, headers)
    en, ja = apigw.exchange("GET", url, reply.status, sent_headers=headers, got=_cors_headers(reply), body=reply.body)
    if reply.status != 200 or reply.header(ALLOW_ORIGIN) not in ("*", ctx["origin"]):
        return failed(en, ja)
    try:
        items = json.loads(reply.body)
    except ValueError:
        items = None
    if items != ITEMS:
        before = clip(json.dumps(ITEMS), 120)
        return failed(f"{en}; before, GET returned the list `{before}`", f"{ja}。以前 GET が返していたリストは `{before}` です")
    return passed(en, ja)


# -- reference solution, other valid ways, near misses -----------------------------------------


def enable_cors(
    aws: Aws,
    ctx: Context,
    *,
    origin: str | None = None,
    methods: str = "GET,OPTIONS",
    headers: str = "Content-Type",
    on_get: bool = True,
    preflight: bool = True,
    deploy: bool = True,
    preflight_response: bool = True,
) -> None:
    """Add the preflight and the GET header as the console does; keywords introduce mistakes."""
    api_gateway, api_id = aws.client("apigateway"), ctx["api_id"]
    origin = origin or ctx["origin"]
    items = apigw.resource(aws, api_id, "/items")
    assert items is not None
    if preflight:
        allow = {ALLOW_ORIGIN: origin, ALLOW_METHODS: methods, ALLOW_HEADERS: headers}
        _mock(aws, api_id, items["id"], "OPTIONS", "", allow, integration_response=preflight_response)
    if on_get:
        api_gateway.put_method_response(
            restApiId=api_id, resourceId=items["id"], httpMethod="GET", statusCode="200",
            responseModels={"application/json": "Empty"}, responseParameters={HEADER.format(ALLOW_ORIGIN): False},
        )
        api_gateway.put_integration_response(
            restApiId=api_id, resourceId=items["id"], httpMethod="GET", statusCode="200",
            responseTemplates={"application/json": json.dumps(ITEMS)},
            responseParameters={HEADER.format(ALLOW_ORIGIN): f"'{origin}'"},
        )
    if deploy:
        api_gateway.create_deployment(restApiId=api_id, stageName="prod", description="CORS")


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    enable_cors(aws, ctx)


@lab.alternative(
    "console-enable-cors",
    story=Text(
        en="the console's Enable CORS defaults: origin *, its default header list, then Deploy API",
        ja="コンソールの「CORS を有効にする」の既定値（オリジン *、既定のヘッダー一覧）の後に「API をデプロイ」",
    ),
)
def console_defaults(aws: Aws, ctx: Context) -> None:
    enable_cors(aws, ctx, origin="*", headers=CONSOLE_ALLOW_HEADERS)


@lab.alternative(
    "aws-cli",
    story=Text(en="every step with the AWS CLI", ja="すべての手順を AWS CLI で実施"),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    api_id = ctx["api_id"]
    resources = json.loads(aws.cli("apigateway", "get-resources", "--rest-api-id", api_id))["items"]
    items = next(r["id"] for r in resources if r["path"] == "/items")
    where = ["--rest-api-id", api_id, "--resource-id", items]
    headers = {
        HEADER.format(ALLOW_ORIGIN): f"'{ctx['origin']}'",
        HEADER.format(ALLOW_METHODS): "'OPTIONS,GET'",
        HEADER.format(ALLOW_HEADERS): "'content-type,authorization'",
    }
    aws.cli("apigateway", "put-method", *where, "--http-method", "OPTIONS", "--authorization-type", "NONE")
    aws.cli("apigateway", "put-integration", *where, "--http-method", "OPTIONS", "--type", "MOCK",
            "--request-templates", json.dumps({"application/json": '{"statusCode": 200}'}))
    aws.cli("apigateway", "put-method-response", *where, "--http-method", "OPTIONS", "--status-code", "200",
            "--response-parameters", json.dumps({k: True for k in headers}))
    aws.cli("apigateway", "put-integration-response", *where, "--http-method", "OPTIONS", "--status-code", "200",
            "--response-parameters", json.dumps(headers))
    aws.cli("apigateway", "put-method-response", *where, "--http-method", "GET", "--status-code", "200",
            "--response-parameters", json.dumps({HEADER.format(ALLOW_ORIGIN): True}))
    aws.cli("apigateway", "put-integration-response", *where, "--http-method", "GET", "--status-code", "200",
            "--response-parameters", json.dumps({HEADER.format(ALLOW_ORIGIN): f"'{ctx['origin']}'"}),
            "--response-templates", json.dumps({"application/json": json.dumps(ITEMS)}))
    aws.cli("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "prod")


PREFLIGHT_STACK = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: CORS preflight for /items, deployed to prod
Parameters:
  ApiId:
    Type: String
  ItemsResourceId:
    Type: String
  AllowOrigin:
    Type: String
Resources:
  ItemsOptions:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref ApiId
      ResourceId: !Ref ItemsResourceId
      HttpMethod: OPTIONS
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates:
          application/json: '{"statusCode": 200}'
        IntegrationResponses:
          - StatusCode: 200
            ResponseParameters:
              method.response.header.Access-Control-Allow-Origin: !Sub "'${AllowOrigin}'"
              method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS'"
              method.response.header.Access-Control-Allow-Headers: "'Content-Type,Authorization'"
      MethodResponses:
        - StatusCode: 200
          ResponseModels:
            application/json: Empty
          ResponseParameters:
            method.response.header.Access-Control-Allow-Origin: true
            method.response.header.Access-Control-Allow-Methods: true
            method.response.header.Access-Control-Allow-Headers: true
  ProdDeployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: ItemsOptions
    Properties:
      RestApiId: !Ref ApiId
      StageName: prod
      Description: CORS preflight
"""


@lab.alternative(
    "cloudformation",
    story=Text(
        en="GET's header with the AWS CLI, then a CloudFormation stack (`aws cloudformation create-stack`) holding the "
        "OPTIONS method with its MOCK integration and a deployment to prod",
        ja="GET のヘッダーは AWS CLI で追加し、MOCK 統合の OPTIONS メソッドと prod へのデプロイを含む CloudFormation "
        "スタックを `aws cloudformation create-stack` で作成",
    ),
)
def with_cloudformation(aws: Aws, ctx: Context) -> None:
    api_id, origin = ctx["api_id"], ctx["origin"]
    resources = json.loads(aws.cli("apigateway", "get-resources", "--rest-api-id", api_id))["items"]
    items = next(r["id"] for r in resources if r["path"] == "/items")
    where = ["--rest-api-id", api_id, "--resource-id", items, "--http-method", "GET", "--status-code", "200"]
    aws.cli("apigateway", "put-method-response", *where,
            "--response-parameters", json.dumps({HEADER.format(ALLOW_ORIGIN): False}))
    aws.cli("apigateway", "put-integration-response", *where,
            "--response-parameters", json.dumps({HEADER.format(ALLOW_ORIGIN): f"'{origin}'"}),
            "--response-templates", json.dumps({"application/json": json.dumps(ITEMS)}))
    aws.cli("cloudformation", "create-stack", "--stack-name", "mcredlab-items-cors", "--template-body", PREFLIGHT_STACK,
            "--parameters", f"ParameterKey=ApiId,ParameterValue={api_id}",
            f"ParameterKey=ItemsResourceId,ParameterValue={items}", f"ParameterKey=AllowOrigin,ParameterValue={origin}")
    aws.cli("cloudformation", "wait", "stack-create-complete", "--stack-name", "mcredlab-items-cors")


def openapi_definition(origin: str) -> dict[str, Any]:
    """The whole API as an OpenAPI 3 definition with API Gateway's extensions, as the console exports it."""

    def mock(body: str, headers: dict[str, str]) -> dict[str, Any]:
        return {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "passthroughBehavior": "when_no_match",
            "responses": {"default": {
                "statusCode": "200",
                "responseParameters": {HEADER.format(name): f"'{value}'" for name, value in headers.items()},
                "responseTemplates": {"application/json": body},
            }},
        }

    def ok(headers: dict[str, str]) -> dict[str, Any]:
        return {"200": {
            "description": "200 response",
            "headers": {name: {"schema": {"type": "string"}} for name in headers},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}},
        }}

    preflight = {ALLOW_ORIGIN: origin, ALLOW_METHODS: "GET,OPTIONS", ALLOW_HEADERS: "Content-Type,X-Api-Key"}
    return {
        "openapi": "3.0.1",
        "info": {"title": API_NAME, "description": "Items for the web shop", "version": "2024-01-01"},
        "paths": {"/items": {
            "get": {"responses": ok({ALLOW_ORIGIN: origin}),
                    "x-amazon-apigateway-integration": mock(json.dumps(ITEMS), {ALLOW_ORIGIN: origin})},
            "options": {"responses": ok(preflight), "x-amazon-apigateway-integration": mock("", preflight)},
        }},
        "components": {"schemas": {"Empty": {"type": "object", "title": "Empty Schema"}}},
    }


@lab.alternative(
    "openapi-overwrite",
    story=Text(
        en="the whole API as an OpenAPI 3 definition with x-amazon-apigateway-integration, imported with "
        "`aws apigateway put-rest-api --mode overwrite`, then deployed to prod",
        ja="API 全体を x-amazon-apigateway-integration 付きの OpenAPI 3 定義として "
        "`aws apigateway put-rest-api --mode overwrite` でインポートし、prod にデプロイ",
    ),
)
def with_openapi_overwrite(aws: Aws, ctx: Context) -> None:
    api_id = ctx["api_id"]
    with tempfile.TemporaryDirectory() as folder:
        definition = Path(folder) / "items-api.json"
        definition.write_text(json.dumps(openapi_definition(ctx["origin"]), indent=2))
        aws.cli("apigateway", "put-rest-api", "--rest-api-id", api_id, "--mode", "overwrite",
                "--body", f"fileb://{definition}")
    aws.cli("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "prod")


@lab.alternative(
    "aws-cli-update-operations",
    story=Text(
        en="the preflight with the AWS CLI, and GET's header added in place with `aws apigateway update-method-response` "
        "and `update-integration-response` (patch operations keep the mapping template)",
        ja="プリフライトは AWS CLI で作成し、GET のヘッダーは `aws apigateway update-method-response` と "
        "`update-integration-response` でその場で追加（パッチ操作なのでマッピングテンプレートは残る）",
    ),
)
def with_update_operations(aws: Aws, ctx: Context) -> None:
    api_id, origin = ctx["api_id"], ctx["origin"]
    resources = json.loads(aws.cli("apigateway", "get-resources", "--rest-api-id", api_id))["items"]
    items = next(r["id"] for r in resources if r["path"] == "/items")
    where = ["--rest-api-id", api_id, "--resource-id", items]
    headers = {
        HEADER.format(ALLOW_ORIGIN): f"'{origin}'",
        HEADER.format(ALLOW_METHODS): "'GET,OPTIONS'",
        HEADER.format(ALLOW_HEADERS): "'Content-Type'",
    }
    aws.cli("apigateway", "put-method", *where, "--http-method", "OPTIONS", "--authorization-type", "NONE")
    aws.cli("apigateway", "put-integration", *where, "--http-method", "OPTIONS", "--type", "MOCK",
            "--request-templates", json.dumps({"application/json": '{"statusCode": 200}'}))
    aws.cli("apigateway", "put-method-response", *where, "--http-method", "OPTIONS", "--status-code", "200",
            "--response-parameters", json.dumps({k: False for k in headers}))
    aws.cli("apigateway", "put-integration-response", *where, "--http-method", "OPTIONS", "--status-code", "200",
            "--response-parameters", json.dumps(headers))
    header = f"/responseParameters/{HEADER.format(ALLOW_ORIGIN)}"
    get_200 = [*where, "--http-method", "GET", "--status-code", "200"]
    aws.cli("apigateway", "update-method-response", *get_200,
            "--patch-operations", json.dumps([{"op": "add", "path": header, "value": "false"}]))
    aws.cli("apigateway", "update-integration-response", *get_200,
            "--patch-operations", json.dumps([{"op": "add", "path": header, "value": f"'{origin}'"}]))
    aws.cli("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "prod")


@lab.near_miss(
    "origin-without-www",
    fails=("preflight-allow-origin", "get-allow-origin", "preflight-answers", "get-answers-with-cors"),
    story=Text(en="origin https://example.com instead of https://www.example.com", ja="https://www.example.com ではなく https://example.com を許可"),
)
def wrong_origin(aws: Aws, ctx: Context) -> None:
    enable_cors(aws, ctx, origin="https://example.com")


@lab.near_miss(
    "methods-without-get",
    fails=("preflight-allow-methods", "preflight-answers"),
    story=Text(en="Access-Control-Allow-Methods lists POST,OPTIONS only", ja="Access-Control-Allow-Methods が POST,OPTIONS だけ"),
)
def methods_without_get(aws: Aws, ctx: Context) -> None:
    enable_cors(aws, ctx, methods="POST,OPTIONS")


@lab.near_miss(
    "headers-without-content-type",
    fails=("preflight-allow-headers", "preflight-answers"),
    story=Text(en="Access-Control-Allow-Headers lists X-Api-Key only", ja="Access-Control-Allow-Headers が X-Api-Key だけ"),
)
def headers_without_content_type(aws: Aws, ctx: Context) -> None:
    enable_cors(aws, ctx, headers="X-Api-Key")


@lab.near_miss(
    "preflight-only",
    fails=("get-allow-origin", "get-answers-with-cors"),
    story=Text(en="OPTIONS added, GET responses left without the header", ja="OPTIONS は追加したが、GET レスポンスにヘッダーを付けていない"),
)
def preflight_only(aws: Aws, ctx: Context) -> None:
    enable_cors(aws, ctx, on_get=False)


@lab.near_miss(
    "not-redeployed",
    fails=("deployed", "preflight-answers", "get-answers-with-cors"),
    story=Text(en="CORS configured, but the API never redeployed", ja="CORS は設定したが、API を再デプロイしていない"),
)
def not_redeployed(aws: Aws, ctx: Context) -> None:
    enable_cors(aws, ctx, deploy=False)


@lab.near_miss(
    "get-header-only",
    fails=("options-method", "preflight-answers"),
    story=Text(
        en="Access-Control-Allow-Origin added to GET only, without an OPTIONS method: the page's Content-Type: "
        "application/json makes the browser send a preflight first",
        ja="GET だけに Access-Control-Allow-Origin を追加し、OPTIONS メソッドを作成していない。ページが "
        "Content-Type: application/json を送るため、ブラウザーは先にプリフライトを送る",
    ),
)
def get_header_only(aws: Aws, ctx: Context) -> None:
    enable_cors(aws, ctx, preflight=False)


@lab.near_miss(
    "get-template-wiped",
    fails="get-answers-with-cors",
    story=Text(
        en="GET's header added with `aws apigateway put-integration-response` and only `--response-parameters`: "
        "the call replaces the integration response, its mapping template is gone and GET answers an empty body",
        ja="GET のヘッダーを `aws apigateway put-integration-response` に `--response-parameters` だけを指定して追加。"
        "統合レスポンスが置き換わってマッピングテンプレートが消え、GET が空の本文を返す",
    ),
)
def get_template_wiped(aws: Aws, ctx: Context) -> None:
    enable_cors(aws, ctx, on_get=False, deploy=False)
    api_id = ctx["api_id"]
    items = apigw.resource(aws, api_id, "/items")
    assert items is not None
    where = ["--rest-api-id", api_id, "--resource-id", items["id"], "--http-method", "GET", "--status-code", "200"]
    aws.cli("apigateway", "put-method-response", *where,
            "--response-parameters", json.dumps({HEADER.format(ALLOW_ORIGIN): False}))
    aws.cli("apigateway", "put-integration-response", *where,
            "--response-parameters", json.dumps({HEADER.format(ALLOW_ORIGIN): f"'{ctx['origin']}'"}))
    aws.cli("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "prod")


@lab.near_miss(
    "preflight-without-integration-response",
    fails=("preflight-status-200", "preflight-answers"),
    story=Text(
        en="OPTIONS with a MOCK integration and a 200 method response, but no integration response "
        "(so no header values either)",
        ja="OPTIONS に MOCK 統合と 200 のメソッドレスポンスを作成したが、統合レスポンスがない（ヘッダーの値もない）",
    ),
)
def preflight_without_integration_response(aws: Aws, ctx: Context) -> None:
    enable_cors(aws, ctx, preflight_response=False)


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the lab's API (it carries the lab's tag)."""
    api_gateway = aws.client("apigateway")
    for api in apigw.rest_apis_named(aws, API_NAME):
        if (api.get("tags") or {}).get(TAG_KEY) == lab.id:
            api_gateway.delete_rest_api(restApiId=api["id"])
