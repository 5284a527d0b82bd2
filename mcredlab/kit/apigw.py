"""REST APIs (API Gateway v1) the way labs need them: read by name, path and method; the findings the
labs' API Gateway criteria share, and factories that register those criteria with their texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcredlab._text import Text, clip
from mcredlab.kit.awslambda import resource_policy
from mcredlab.kit.reading import or_none
from mcredlab.lab import Finding, Lab, failed, passed
from mcredlab.policy import action_covered, condition_values, matches, statements
from mcredlab.target import Aws, Target


@dataclass(frozen=True)
class Candidate:
    """The REST API a check judges, and how many others share its name."""

    api: dict[str, Any]
    same_name: int

    @property
    def id(self) -> str:
        return str(self.api["id"])


def rest_apis_named(aws: Aws, name: str) -> list[dict[str, Any]]:
    apis: list[dict[str, Any]] = []
    for page in aws.client("apigateway").get_paginator("get_rest_apis").paginate():
        apis.extend(api for api in page.get("items", []) if api.get("name") == name)
    return apis


def stages(aws: Aws, api_id: str) -> dict[str, dict[str, Any]]:
    return {s["stageName"]: s for s in aws.client("apigateway").get_stages(restApiId=api_id).get("item", [])}


def the_api(aws: Aws, name: str, stage: str = "prod") -> Candidate | None:
    """The API called ``name``; among several, the newest one deployed to ``stage``, else the newest."""
    apis = rest_apis_named(aws, name)
    if not apis:
        return None
    apis.sort(key=lambda api: str(api.get("createdDate", "")), reverse=True)
    staged = [api for api in apis if stage in stages(aws, api["id"])]
    return Candidate((staged or apis)[0], len(apis))


def resource(aws: Aws, api_id: str, path: str) -> dict[str, Any] | None:
    for page in aws.client("apigateway").get_paginator("get_resources").paginate(restApiId=api_id):
        for item in page.get("items", []):
            if item.get("path") == path:
                return dict(item)
    return None


def method(aws: Aws, api_id: str, resource_id: str, http_method: str) -> dict[str, Any] | None:
    found = or_none(aws.client("apigateway").get_method, restApiId=api_id, resourceId=resource_id,
                    httpMethod=http_method)
    return None if found is None else dict(found)


def literal(value: str | None) -> str | None:
    """The fixed value of a header mapping (``"'*'"`` is ``*``), or ``None`` for a mapping expression."""
    if value is None:
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    return None


def lambda_function_of(uri: str) -> str | None:
    """The function name in a Lambda integration URI (``.../functions/<arn>/invocations``), unqualified."""
    marker = "/functions/"
    if marker not in uri or not uri.endswith("/invocations"):
        return None
    arn = uri.split(marker, 1)[1][: -len("/invocations")]
    parts = arn.split(":")
    if len(parts) >= 7 and parts[5] == "function":
        return parts[6]
    return None


def lambda_integration_uri(region: str, function_arn: str) -> str:
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def invoke_url(target: Target | Aws, api_id: str, stage: str) -> str:
    """The base URL where a deployed stage answers; append the resource path (``/hello``).

    The emulator (and an endpoint such as LocalStack) serve it under ``/restapis/.../_user_request_``;
    AWS under the ``execute-api`` host of the region.

    >>> invoke_url(Target("aws", "eu-west-1"), "a1b2c3d4e5", "prod")
    'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod'
    >>> invoke_url(Target("emulator", "us-east-1", "http://127.0.0.1:4747"), "a1b2c3d4e5", "prod")
    'http://127.0.0.1:4747/restapis/a1b2c3d4e5/prod/_user_request_'
    """
    if isinstance(target, Aws):
        target = target.target
    if target.endpoint_url:
        return f"{target.endpoint_url.rstrip('/')}/restapis/{api_id}/{stage}/_user_request_"
    return f"https://{api_id}.execute-api.{target.region}.amazonaws.com/{stage}"


def delete_apis_named(aws: Aws, name: str) -> None:
    """Delete the REST APIs and the HTTP or WebSocket APIs called ``name``."""
    for api in rest_apis_named(aws, name):
        aws.client("apigateway").delete_rest_api(restApiId=api["id"])
    v2 = aws.client("apigatewayv2")
    for api in v2.get_apis().get("Items", []):
        if api.get("Name") == name:
            v2.delete_api(ApiId=api["ApiId"])


def deployed_methods(aws: Aws, api_id: str, stage: str) -> dict[str, set[str]] | None:
    """Per path, the methods the deployment behind ``stage`` serves; ``None`` without such a stage."""
    found = stages(aws, api_id).get(stage)
    if not found or not found.get("deploymentId"):
        return None
    deployment = aws.client("apigateway").get_deployment(
        restApiId=api_id, deploymentId=found["deploymentId"], embed=["apisummary"]
    )
    return {path: set(methods) for path, methods in (deployment.get("apiSummary") or {}).items()}


# -- findings the labs' criteria share -----------------------------------------------------------

NO_API = Text(en="no REST API with that name", ja="その名前の REST API がありません")


def _no(text: Text) -> Finding:
    return failed(text.en, text.ja)


def _names(items: list[str], none_en: str = "none", none_ja: str = "なし") -> tuple[str, str]:
    return (", ".join(items) or none_en, ", ".join(items) or none_ja)


def rest_api_finding(aws: Aws, name: str, stage: str = "prod") -> Finding:
    """Whether a REST API called ``name`` exists; an HTTP API of that name is named as the mistake it is."""
    api = the_api(aws, name, stage)
    if api is not None:
        if api.same_name > 1:
            return passed(f"{api.same_name} REST APIs with that name; judging `{api.id}`, the newest deployed to {stage}",
                          f"同名の REST API が {api.same_name} 個あります。ステージ {stage} にデプロイされた最新の "
                          f"`{api.id}` を判定します")
        return passed(f"REST API `{api.id}`", f"REST API `{api.id}`")
    http_apis = [a for a in aws.client("apigatewayv2").get_apis().get("Items", []) if a.get("Name") == name]
    if http_apis:
        kind = str(http_apis[0].get("ProtocolType", "HTTP"))
        other = http_apis[0].get("ApiId")
        return failed(f"no REST API with that name, only an {kind} API (`{other}`): a different product",
                      f"その名前の REST API はなく、{kind} API（`{other}`）だけがあります。別の種類の API です")
    return _no(NO_API)


def resource_finding(aws: Aws, name: str, path: str) -> Finding:
    """Whether the API called ``name`` has the resource ``path``; else which paths it has."""
    api = the_api(aws, name)
    if api is None:
        return _no(NO_API)
    found = resource(aws, api.id, path)
    if found is None:
        paths = sorted(r["path"] for r in aws.client("apigateway").get_resources(restApiId=api.id)["items"])
        return failed(f"only the paths {', '.join(paths)}", f"パスは {', '.join(f'`{p}`' for p in paths)} だけです")
    return passed(f"{path} (resource `{found['id']}`)", f"`{path}`（リソース `{found['id']}`）")


def _methods_of(aws: Aws, name: str, path: str) -> tuple[Candidate, dict[str, Any]] | Finding:
    api = the_api(aws, name)
    if api is None:
        return _no(NO_API)
    found = resource(aws, api.id, path)
    if found is None:
        return failed(f"no {path} resource", f"{path} リソースがありません")
    return api, found


def method_finding(aws: Aws, name: str, path: str, verb: str) -> Finding:
    """Whether ``path`` has the method ``verb`` (or ``ANY``, which serves it too)."""
    where = _methods_of(aws, name, path)
    if isinstance(where, Finding):
        return where
    methods = sorted((where[1].get("resourceMethods") or {}).keys())
    en, ja = _names(methods)
    if verb in methods or "ANY" in methods:
        return passed(f"methods {en}", f"メソッド: {ja}")
    return failed(f"methods {en}", f"メソッド: {ja}")


def lambda_proxy_finding(aws: Aws, name: str, path: str, verb: str, function: str) -> Finding:
    """Whether ``verb path`` (or ``ANY path``) calls ``function`` through Lambda proxy integration (POST)."""
    where = _methods_of(aws, name, path)
    if isinstance(where, Finding):
        return where
    api, found = where
    chosen = method(aws, api.id, found["id"], verb) or method(aws, api.id, found["id"], "ANY")
    integration = (chosen or {}).get("methodIntegration")
    if not integration:
        return failed(f"no integration on {verb} {path}", f"{verb} {path} に統合がありません")
    kind = str(integration.get("type", "")).upper()
    target = lambda_function_of(str(integration.get("uri", "")))
    if kind != "AWS_PROXY":
        return failed(f"integration type {kind} (not Lambda proxy)", f"統合タイプが {kind} です（Lambda プロキシではありません）")
    if target != function:
        shown = target or integration.get("uri", "?")
        return failed(f"a proxy integration with {shown}, not {function}", f"{function} ではなく {shown} へのプロキシ統合です")
    if str(integration.get("httpMethod", "")).upper() != "POST":
        called = integration.get("httpMethod")
        return failed(f"the integration calls Lambda with {called}; Lambda is always invoked with POST",
                      f"統合が Lambda を {called} で呼び出しています。Lambda の呼び出しは常に POST です")
    return passed(f"AWS_PROXY to {target}", f"{target} への AWS_PROXY 統合")


def invoke_permission_finding(aws: Aws, name: str, function: str, verb: str, path: str, stage: str = "prod") -> Finding:
    """Whether the function's resource-based policy lets API Gateway invoke it for ``verb path`` on ``stage``."""
    policy = resource_policy(aws, function)
    grants = [
        s for s in statements(policy)
        if s.effect == "Allow" and s.service("apigateway.amazonaws.com") and action_covered(s.actions, "lambda:InvokeFunction")
    ]
    if not grants:
        return failed("no statement allows apigateway.amazonaws.com to call lambda:InvokeFunction",
                      "apigateway.amazonaws.com に lambda:InvokeFunction を許可するステートメントがありません")
    api = the_api(aws, name, stage)
    if api is None:
        return _no(NO_API)
    call = f"arn:aws:execute-api:{aws.region}:{aws.account_id}:{api.id}/{stage}/{verb}{path}"
    for grant in grants:
        sources = condition_values(grant.condition, "aws:SourceArn")
        if not sources:
            return passed("API Gateway may invoke the function (no source condition)",
                          "API Gateway は関数を呼び出せます（呼び出し元の条件なし）")
        hit = next((pattern for pattern in sources if matches(pattern, call)), None)
        if hit is not None:
            return passed(f"API Gateway may invoke the function from {hit}", f"API Gateway は {hit} から関数を呼び出せます")
    others = ", ".join(v for g in grants for v in condition_values(g.condition, "aws:SourceArn"))
    return failed(f"permissions only for other sources ({others}), none matching {call}",
                  f"許可されているのは他の呼び出し元（{others}）だけで、{call} に一致するものがありません")


def deployed_finding(aws: Aws, name: str, path: str, verb: str, stage: str = "prod") -> Finding:
    """Whether the deployment behind ``stage`` serves ``verb path`` (or ``ANY path``)."""
    api = the_api(aws, name, stage)
    if api is None:
        return _no(NO_API)
    served = deployed_methods(aws, api.id, stage)
    if served is None:
        en, ja = _names(sorted(stages(aws, api.id)))
        ja = ", ".join(f"`{name}`" for name in sorted(stages(aws, api.id))) or ja
        return failed(f"no stage {stage} (stages: {en})", f"ステージ {stage} がありません（ステージ: {ja}）")
    methods = served.get(path, set())
    if not methods & {verb, "ANY"}:
        en, ja = _names(sorted(methods), "nothing", "何も")
        return failed(
            f"{stage} serves {en} on {path}, not {verb}: it was deployed before {verb} {path} existed; redeploy",
            f"ステージ {stage} のデプロイは {path} で {verb} を提供していません（提供: {ja}）。{verb} {path} を作成する前の"
            "デプロイです。再デプロイしてください",
        )
    shown = verb if verb in methods else "ANY"
    return passed(f"{stage} serves {shown} {path}", f"ステージ {stage} のデプロイに {shown} {path} が含まれています")


# -- what a request got back, told in both languages ---------------------------------------------


def quoted(body: str, what_ja: str = "本文", size: int = 160) -> tuple[str, str]:
    """A body as code, clipped (or the words for an empty one), in English and Japanese."""
    shown = clip(" ".join(body.split()).replace("`", "'"), size)
    if not shown:
        return "an empty body", f"空の{what_ja}"
    return f"the body `{shown}`", f"{what_ja} `{shown}`"


def _ja_then(text: str, particle: str) -> str:
    """Japanese ``text`` followed by ``particle``, with a space after Latin text or code."""
    return f"{text} {particle}" if text[-1:].isascii() else f"{text}{particle}"


def exchange(
    verb: str,
    url: str,
    status: int,
    *,
    sent_headers: dict[str, str] | None = None,
    sent_body: str | None = None,
    got: tuple[str, str] | None = None,
    body: str | None = None,
) -> tuple[str, str]:
    """``verb url`` (with the headers and body sent) and what came back: the status, ``got`` (what the
    check looked for in the reply, in English and Japanese) and the response body, clipped."""
    sent_en, sent_ja = [], []
    if sent_headers:
        listed = ", ".join(f"`{k}: {v}`" for k, v in sent_headers.items())
        sent_en.append(listed)
        sent_ja.append(f"ヘッダー {listed}")
    if sent_body is not None:
        en, ja = quoted(sent_body, "リクエスト本文")
        sent_en.append(en)
        sent_ja.append(ja)
    parts_en, parts_ja = [str(status)], [f"ステータス {status}"]
    if got is not None:
        parts_en.append(got[0])
        parts_ja.append(got[1])
    if body is not None:
        en, ja = quoted(body, "レスポンス本文")
        parts_en.append(en)
        parts_ja.append(ja)
    request_en = f"{verb} {url}" + (f" with {' and '.join(sent_en)}" if sent_en else "")
    request_ja = (_ja_then("、".join(sent_ja), "を付けて ") if sent_ja else "") + f"{verb} {url} を送ると"
    return (f"{request_en} answered {', '.join(parts_en)}", f"{request_ja}、{_ja_then('、'.join(parts_ja), 'が返りました')}")


# -- criteria labs share: each factory registers one criterion on a lab, with its texts -----------
# ``api``, ``function`` name context keys (their values are the names); texts show them as placeholders.

Needs = str | tuple[str, ...]


def _plus(text: Text, more: Text | None) -> Text:
    return text if more is None else Text(en=f"{text.en} {more.en}", ja=f"{text.ja}{more.ja}")


def rest_api_criterion(lab: Lab, id: str = "rest-api", *, api: str = "api_name", requires: Needs = ()) -> None:
    """A REST API named by context key ``api`` exists (an HTTP API of that name is named as the mistake)."""
    name = f"{{{api}}}"
    lab.criterion(
        id,
        expected=Text(en=f"a REST API named {name}", ja=f"{name} という名前の REST API"),
        looked_at=Text(en="the REST APIs of the Region", ja="リージョン内の REST API"),
        hint=Text(
            en=f"API Gateway console > Create API > REST API > Build, and name it exactly {name} "
            "(an HTTP API is a different product).",
            ja=f"API Gateway コンソールで「API を作成」>「REST API」>「構築」を選び、名前を正確に {name} にします"
            "（HTTP API は別の種類です）。",
        ),
        requires=requires,
    )(lambda aws, ctx: rest_api_finding(aws, ctx[api]))


def resource_criterion(lab: Lab, id: str, *, path: str, api: str = "api_name", requires: Needs = (),
                       hint_more: Text | None = None) -> None:
    """The API has the resource ``path`` (such as ``/hello``)."""
    name, part = f"{{{api}}}", path.rsplit("/", 1)[1]
    lab.criterion(
        id,
        expected=Text(en=f"the resource {path}", ja=f"リソース {path}"),
        looked_at=Text(en=f"the resources of API {name}", ja=f"API {name} のリソース"),
        hint=_plus(Text(
            en=f"Select the parent `{path.rsplit('/', 1)[0] or '/'}`, then Create resource with the path `{part}` "
            "(exactly, no slash): paths are case-sensitive.",
            ja=f"親の `{path.rsplit('/', 1)[0] or '/'}` を選択して「リソースを作成」で、リソースパスに `{part}`（正確に、"
            "スラッシュなし）を入力します。パスは大文字と小文字を区別します。",
        ), hint_more),
        requires=requires,
    )(lambda aws, ctx: resource_finding(aws, ctx[api], path))


def method_criterion(lab: Lab, id: str, *, path: str, verb: str, api: str = "api_name", requires: Needs = (),
                     hint_more: Text | None = None) -> None:
    """``path`` has the method ``verb`` (or ``ANY``)."""
    name = f"{{{api}}}"
    lab.criterion(
        id,
        expected=Text(en=f"a {verb} method on {path}", ja=f"{path} の {verb} メソッド"),
        looked_at=Text(en=f"the methods of {path} in API {name}", ja=f"API {name} の {path} のメソッド"),
        hint=_plus(Text(en=f"Select {path}, then Create method and choose {verb}.",
                        ja=f"{path} を選択して「メソッドを作成」で {verb} を選びます。"), hint_more),
        requires=requires,
    )(lambda aws, ctx: method_finding(aws, ctx[api], path, verb))


def lambda_proxy_criterion(lab: Lab, id: str = "lambda-proxy-integration", *, path: str, verb: str,
                           api: str = "api_name", function: str = "function_name", requires: Needs = (),
                           hint_more: Text | None = None) -> None:
    """``verb path`` calls the function named by context key ``function`` through Lambda proxy integration."""
    fn = f"{{{function}}}"
    lab.criterion(
        id,
        expected=Text(en=f"{verb} {path} integrated with {fn} through Lambda proxy integration",
                      ja=f"{verb} {path} が Lambda プロキシ統合で {fn} と統合されている"),
        looked_at=Text(en=f"the integration of {verb} {path}", ja=f"{verb} {path} の統合"),
        hint=_plus(Text(
            en=f"In the {verb} method choose Integration type “Lambda function”, turn on “Lambda proxy integration”, "
            f"and pick {fn}.",
            ja=f"{verb} メソッドで統合タイプ「Lambda 関数」を選び、「Lambda プロキシ統合」をオンにして {fn} を選択します。",
        ), hint_more),
        requires=requires,
    )(lambda aws, ctx: lambda_proxy_finding(aws, ctx[api], path, verb, ctx[function]))


def invoke_permission_criterion(lab: Lab, id: str = "invoke-permission", *, path: str, verb: str, stage: str = "prod",
                                api: str = "api_name", function: str = "function_name",
                                requires: Needs = ()) -> None:
    """The function's resource-based policy lets API Gateway invoke it for ``verb path`` on ``stage``."""
    fn = f"{{{function}}}"
    command = (f"`aws lambda add-permission --function-name {fn} --principal apigateway.amazonaws.com "
               f"--action lambda:InvokeFunction --statement-id apigateway-{path.strip('/').replace('/', '-')} "
               f"--source-arn arn:aws:execute-api:REGION:ACCOUNT:API_ID/*/{verb}{path}`")
    lab.criterion(
        id,
        expected=Text(en=f"API Gateway may invoke {fn} when {verb} /{stage}{path} of this API is called",
                      ja=f"この API の {verb} /{stage}{path} が呼び出されたときに、API Gateway が {fn} を呼び出せる"),
        looked_at=Text(en=f"the resource-based policy of {fn}", ja=f"{fn} のリソースベースポリシー"),
        hint=Text(
            en=f"The console adds this permission when you save the integration; with the CLI use {command}.",
            ja=f"コンソールでは統合の保存時にこの許可が追加されます。CLI では {command} を使います。",
        ),
        requires=requires,
    )(lambda aws, ctx: invoke_permission_finding(aws, ctx[api], ctx[function], verb, path, stage))


def deployed_criterion(lab: Lab, id: str = "deployed-to-prod", *, path: str, verb: str, stage: str = "prod",
                       api: str = "api_name", requires: Needs = ()) -> None:
    """The deployment behind ``stage`` serves ``verb path`` (a change made after it is not served)."""
    name = f"{{{api}}}"
    lab.criterion(
        id,
        expected=Text(en=f"{verb} {path} deployed to the stage {stage}",
                      ja=f"{verb} {path} がステージ {stage} にデプロイされている"),
        looked_at=Text(en=f"the deployment behind stage {stage} of API {name}",
                       ja=f"API {name} のステージ {stage} のデプロイ"),
        hint=Text(
            en=f"Deploy API > Stage: *New stage* > name `{stage}` > Deploy. Redeploy after every change: "
            "a stage serves the API as it was when deployed.",
            ja=f"「API をデプロイ」> ステージ「新しいステージ」> 名前 `{stage}` >「デプロイ」を選びます。"
            "ステージはデプロイした時点の API を提供するので、変更のたびに再デプロイが必要です。",
        ),
        requires=requires,
    )(lambda aws, ctx: deployed_finding(aws, ctx[api], path, verb, stage))


def lambda_proxy_api_criteria(lab: Lab, *, path: str, verb: str, stage: str = "prod", api: str = "api_name",
                              function: str = "function_name", resource_hint: Text | None = None,
                              method_hint: Text | None = None, integration_hint: Text | None = None) -> tuple[str, ...]:
    """The six criteria of "``verb path`` of a REST API calls a function through Lambda proxy integration,
    deployed to ``stage``", each waiting on the one it builds on. Returns the ids a behaviour criterion
    (calling the API) requires: the integration, the permission and the deployment."""
    resource_id, method_id = f"{path.strip('/').replace('/', '-')}-resource", f"{verb.lower()}-method"
    rest_api_criterion(lab, api=api)
    resource_criterion(lab, resource_id, path=path, api=api, requires="rest-api", hint_more=resource_hint)
    method_criterion(lab, method_id, path=path, verb=verb, api=api, requires=resource_id, hint_more=method_hint)
    lambda_proxy_criterion(lab, path=path, verb=verb, api=api, function=function, requires=method_id,
                           hint_more=integration_hint)
    invoke_permission_criterion(lab, path=path, verb=verb, stage=stage, api=api, function=function, requires=method_id)
    deployed_criterion(lab, f"deployed-to-{stage}", path=path, verb=verb, stage=stage, api=api, requires=method_id)
    return ("lambda-proxy-integration", "invoke-permission", f"deployed-to-{stage}")
