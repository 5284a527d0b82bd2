"""API Gateway REST API with a Lambda proxy integration, deployed to a stage."""

from __future__ import annotations

import json

from mcredlab.kit import TAG_KEY, Aws, Context, Finding, Lab, Text, apigw, awslambda, failed, iam, passed

lab = Lab(
    id="apigw-lambda-proxy",
    track="serverless",
    services=("apigateway", "lambda", "iam"),
    flows=(("user", "apigateway"), ("apigateway", "lambda")),
    certs=("DVA", "SAA", "SOA", "AIF"),
    minutes=20,
    title=Text(
        en="Call a Lambda function through API Gateway (Lambda proxy integration)",
        ja="API Gateway から Lambda 関数を呼び出す（Lambda プロキシ統合）",
    ),
    task=Text(
        en=(
            "The Lambda function **{function_name}** is ready. Publish it as a web API:\n"
            "1. Create a REST API named **{api_name}**.\n"
            "2. Add the resource `/hello` with a `GET` method that calls **{function_name}** through "
            "*Lambda proxy integration*.\n"
            "3. Make sure API Gateway is allowed to invoke the function.\n"
            "4. Deploy the API to a stage named `prod`.\n\n"
            "Tip: in the notebook, `lab.api_url()` gives the stage's invoke URL once the API exists, so you can "
            "call `/hello` yourself with `requests` or `!curl`."
        ),
        ja=(
            "Lambda 関数 **{function_name}** が用意されています。これをウェブ API として公開してください。\n"
            "1. **{api_name}** という名前の REST API を作成します。\n"
            "2. リソース `/hello` を追加し、**{function_name}** を *Lambda プロキシ統合* で呼び出す "
            "`GET` メソッドを作成します。\n"
            "3. API Gateway がこの関数を呼び出せるようにします。\n"
            "4. API を `prod` という名前のステージにデプロイします。\n\n"
            "ヒント: API を作成したら、ノートブックで `lab.api_url()` を実行するとステージの呼び出し URL が得られるので、"
            "`/hello` を `requests` や `!curl` で呼び出して確かめられます。"
        ),
    ),
)

HANDLER = '''import json


def handler(event, context):
    name = (event.get("queryStringParameters") or {}).get("name") or "world"
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": f"Hello, {name}! (from Lambda)"}),
    }
'''
ROLE_NAME = "mcredlab-hello-role"
FUNCTION_NAME = "mcredlab-hello"


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """An execution role and the Python function; the learner builds the API."""
    role_arn = iam.ensure_role(aws, lab.id, ROLE_NAME, iam.trust_policy("lambda.amazonaws.com"),
                               managed=(iam.BASIC_EXECUTION,))
    awslambda.ensure_function(aws, lab.id, FUNCTION_NAME, role_arn=role_arn, source=HANDLER)
    return {"function_name": FUNCTION_NAME, "api_name": "mcredlab-hello-api"}


# -- criteria ----------------------------------------------------------------------------------


THE_API_CALLS_THE_FUNCTION = apigw.lambda_proxy_api_criteria(lab, path="/hello", verb="GET")
"""rest-api, hello-resource, get-method, lambda-proxy-integration, invoke-permission, deployed-to-prod."""


@lab.criterion(
    "hello-answers",
    expected=Text(
        en="GET /prod/hello answers 200 with the function's JSON",
        ja="GET /prod/hello が関数の JSON を付けて 200 を返す",
    ),
    looked_at=Text(en="what an HTTP client gets from the prod stage of {api_name}",
                   ja="HTTP クライアントが {api_name} の prod ステージから受け取る内容"),
    hint=Text(
        en="Call the invoke URL yourself (`curl -i .../prod/hello`). 403 Missing Authentication Token: the path or "
        "stage is not deployed; 500: API Gateway may not invoke the function; 502: the function failed or did not "
        "return `statusCode` and `body`.",
        ja="呼び出し URL を自分で呼んでみましょう（`curl -i .../prod/hello`）。403 Missing Authentication Token は"
        "パスかステージが未デプロイ、500 は API Gateway が関数を呼び出せない、502 は関数が失敗したか `statusCode` と `body` を"
        "返していないことを示します。",
    ),
    requires=THE_API_CALLS_THE_FUNCTION,
)
def hello_answers(aws: Aws, ctx: Context) -> Finding:
    api = apigw.the_api(aws, ctx["api_name"])
    if api is None:
        return failed(apigw.NO_API.en, apigw.NO_API.ja)
    url = apigw.invoke_url(aws, api.id, "prod") + "/hello"
    reply = aws.http("GET", url)
    try:
        message = json.loads(reply.body).get("message", "") if reply.body else ""
    except (ValueError, AttributeError):
        message = ""
    en, ja = apigw.exchange("GET", url, reply.status, body=reply.body)
    if reply.status == 200 and "Hello" in str(message):
        return passed(en, ja)
    return failed(en, ja)


# -- reference solution, other valid ways, near misses -----------------------------------------


def build(
    aws: Aws,
    ctx: Context,
    *,
    integration_type: str = "AWS_PROXY",
    integration_method: str = "POST",
    http_method: str = "GET",
    permission: str | None = "this-api",
    stage: str = "prod",
    path_part: str = "hello",
) -> str:
    """Build the API as the console does; the keywords introduce the near misses' mistakes."""
    api_gateway = aws.client("apigateway")
    api_id = api_gateway.create_rest_api(name=ctx["api_name"], endpointConfiguration={"types": ["REGIONAL"]},
                                         tags={TAG_KEY: lab.id})["id"]
    root = apigw.resource(aws, api_id, "/")
    assert root is not None
    hello = api_gateway.create_resource(restApiId=api_id, parentId=root["id"], pathPart=path_part)["id"]
    api_gateway.put_method(restApiId=api_id, resourceId=hello, httpMethod=http_method, authorizationType="NONE")
    api_gateway.put_integration(
        restApiId=api_id,
        resourceId=hello,
        httpMethod=http_method,
        type=integration_type,
        integrationHttpMethod=integration_method,
        uri=apigw.lambda_integration_uri(aws.region, awslambda.arn(aws, ctx["function_name"])),
    )
    if permission:
        source = api_id if permission == "this-api" else permission
        aws.client("lambda").add_permission(
            FunctionName=ctx["function_name"],
            StatementId=f"apigateway-{source}",
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{aws.region}:{aws.account_id}:{source}/*/{http_method}/{path_part}",
        )
    api_gateway.create_deployment(restApiId=api_id, stageName=stage)
    return str(api_id)


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    build(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(
        en="every step with the AWS CLI, and a permission for any stage and method of the API",
        ja="すべて AWS CLI で実施し、API の任意のステージ・メソッドに対する許可を付与",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    api_id = json.loads(aws.cli("apigateway", "create-rest-api", "--name", ctx["api_name"]))["id"]
    resources = json.loads(aws.cli("apigateway", "get-resources", "--rest-api-id", api_id))["items"]
    root = next(r["id"] for r in resources if r["path"] == "/")
    hello = json.loads(aws.cli("apigateway", "create-resource", "--rest-api-id", api_id, "--parent-id", root,
                               "--path-part", "hello"))["id"]
    aws.cli("apigateway", "put-method", "--rest-api-id", api_id, "--resource-id", hello, "--http-method", "GET",
            "--authorization-type", "NONE")
    aws.cli("apigateway", "put-integration", "--rest-api-id", api_id, "--resource-id", hello, "--http-method", "GET",
            "--type", "AWS_PROXY", "--integration-http-method", "POST",
            "--uri", apigw.lambda_integration_uri(aws.region, awslambda.arn(aws, ctx["function_name"])))
    aws.cli("lambda", "add-permission", "--function-name", ctx["function_name"], "--statement-id", "apigw-cli",
            "--action", "lambda:InvokeFunction", "--principal", "apigateway.amazonaws.com",
            "--source-arn", f"arn:aws:execute-api:{aws.region}:{aws.account_id}:{api_id}/*")
    aws.cli("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "prod")


@lab.alternative(
    "openapi-import",
    story=Text(
        en="an OpenAPI 3 definition with x-amazon-apigateway-integration, imported, and a permission without a source condition",
        ja="x-amazon-apigateway-integration を含む OpenAPI 3 定義をインポートし、呼び出し元の条件なしで許可を付与",
    ),
)
def with_openapi(aws: Aws, ctx: Context) -> None:
    uri = apigw.lambda_integration_uri(aws.region, awslambda.arn(aws, ctx["function_name"]))
    definition = {
        "openapi": "3.0.1",
        "info": {"title": ctx["api_name"], "version": "1.0", "description": "hello"},
        "paths": {"/hello": {"get": {
            "responses": {"200": {"description": "OK"}},
            "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": uri},
        }}},
    }
    api_gateway = aws.client("apigateway")
    api_id = api_gateway.import_rest_api(body=json.dumps(definition).encode())["id"]
    aws.client("lambda").add_permission(FunctionName=ctx["function_name"], StatementId="apigw-any",
                                        Action="lambda:*", Principal="apigateway.amazonaws.com")
    api_gateway.create_deployment(restApiId=api_id, stageName="prod")


@lab.near_miss(
    "lambda-custom-integration",
    fails=("lambda-proxy-integration", "hello-answers"),
    story=Text(en="a Lambda integration without the proxy option (type AWS)", ja="プロキシを有効にしていない Lambda 統合（タイプ AWS）"),
)
def custom_integration(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, integration_type="AWS")


@lab.near_miss(
    "integration-called-with-get",
    fails=("lambda-proxy-integration", "hello-answers"),
    story=Text(en="the integration's HTTP method set to GET", ja="統合の HTTP メソッドを GET に設定"),
)
def integration_get(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, integration_method="GET")


@lab.near_miss(
    "no-invoke-permission",
    fails=("invoke-permission", "hello-answers"),
    story=Text(en="built with the CLI, which adds no permission", ja="CLI で構築し、許可を追加しなかった"),
)
def no_permission(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, permission=None)


@lab.near_miss(
    "permission-for-another-api",
    fails=("invoke-permission", "hello-answers"),
    story=Text(en="the permission names another API's id", ja="許可が別の API の ID を指定している"),
)
def permission_elsewhere(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, permission="a1b2c3d4e5")


@lab.near_miss(
    "deployed-to-dev",
    fails=("deployed-to-prod", "hello-answers"),
    story=Text(en="deployed to a stage named `dev`", ja="`dev` という名前のステージにデプロイ"),
)
def deployed_to_dev(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, stage="dev")


@lab.near_miss(
    "post-method",
    fails=("get-method", "lambda-proxy-integration", "hello-answers"),
    story=Text(en="a POST method instead of GET", ja="GET ではなく POST メソッドを作成"),
)
def post_method(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, http_method="POST")


@lab.near_miss(
    "deployed-before-the-integration",
    fails=("deployed-to-prod", "hello-answers"),
    story=Text(
        en="deployed to prod first, then GET /hello added without redeploying",
        ja="先に prod へデプロイし、その後 GET /hello を追加して再デプロイしていない",
    ),
)
def deployed_too_early(aws: Aws, ctx: Context) -> None:
    api_id = build(aws, ctx, http_method="POST")  # deployed to prod while /hello had only POST
    hello = apigw.resource(aws, api_id, "/hello")
    assert hello is not None
    api_gateway = aws.client("apigateway")
    api_gateway.put_method(restApiId=api_id, resourceId=hello["id"], httpMethod="GET", authorizationType="NONE")
    api_gateway.put_integration(
        restApiId=api_id, resourceId=hello["id"], httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
        uri=apigw.lambda_integration_uri(aws.region, awslambda.arn(aws, ctx["function_name"])),
    )
    aws.client("lambda").add_permission(
        FunctionName=ctx["function_name"], StatementId="apigateway-get", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{aws.region}:{aws.account_id}:{api_id}/*/GET/hello",
    )


@lab.near_miss(
    "resource-capitalised",
    fails="hello-resource",
    story=Text(en="the resource created as `/Hello` (paths are case-sensitive)",
               ja="リソースを `/Hello` として作成（パスは大文字と小文字を区別します）"),
)
def resource_capitalised(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, path_part="Hello")


@lab.near_miss(
    "http-api-instead",
    fails="rest-api",
    story=Text(
        en="an HTTP API (`aws apigatewayv2 create-api --protocol-type HTTP --target <function ARN>`) instead of a REST API",
        ja="REST API ではなく HTTP API を作成（`aws apigatewayv2 create-api --protocol-type HTTP --target <関数の ARN>`）",
    ),
)
def http_api_instead(aws: Aws, ctx: Context) -> None:
    aws.cli("apigatewayv2", "create-api", "--name", ctx["api_name"], "--protocol-type", "HTTP",
            "--target", awslambda.arn(aws, ctx["function_name"]))


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the REST and HTTP APIs named {api_name}, then the tagged function and role."""
    apigw.delete_apis_named(aws, ctx["api_name"])
    awslambda.delete_function(aws, lab.id, ctx["function_name"])
    iam.delete_role(aws, lab.id, ROLE_NAME)
