"""A REST API whose Lambda function asks an Amazon Bedrock model through a published guardrail."""

from __future__ import annotations

import json
import time

from mcredlab.kit import TAG_KEY, Aws, Context, Finding, Lab, Text, apigw, awslambda, bedrock, failed, iam, passed

lab = Lab(
    id="apigw-lambda-bedrock",
    track="agentic-ai",
    services=("lambda", "apigateway", "bedrock", "bedrock-runtime", "iam"),
    flows=(("user", "apigateway"), ("apigateway", "lambda"), ("lambda", "bedrock")),
    certs=("AIF", "DVA"),
    minutes=25,
    title=Text(
        en="Serve a Bedrock model through API Gateway and Lambda, behind a guardrail",
        ja="API Gateway と Lambda から、ガードレール付きで Bedrock のモデルを呼び出す",
    ),
    task=Text(
        en=(
            "The Lambda function **{function_name}** answers questions with an Amazon Bedrock model (Converse API). "
            "Its code already applies the guardrail named by its environment variables `GUARDRAIL_ID` and "
            "`GUARDRAIL_VERSION`, but they are not set yet. The guardrail **{guardrail_name}** (ID `{guardrail_id}`) "
            "is ready, and its version **{guardrail_version}** is published.\n"
            "1. Make the function use the published guardrail: set `GUARDRAIL_ID` to `{guardrail_id}` and "
            "`GUARDRAIL_VERSION` to `{guardrail_version}` (a published version, not `DRAFT`).\n"
            "2. Create a REST API named **{api_name}** with the resource `/ask` and a `POST` method that calls "
            "**{function_name}** through *Lambda proxy integration*.\n"
            "3. Make sure API Gateway is allowed to invoke the function.\n"
            "4. Deploy the API to a stage named `prod`.\n\n"
            "When it works, `POST /prod/ask` with the body `{{\"prompt\": \"...\"}}` answers `{{\"answer\": \"...\"}}`: "
            "an e-mail address in the prompt comes back masked as `{{EMAIL}}`, and a request for investment advice "
            "gets the guardrail's blocked message. In the notebook, `lab.api_url()` gives the stage's invoke URL "
            "once the API exists, so you can try it with `requests` or `!curl`."
        ),
        ja=(
            "Lambda 関数 **{function_name}** は、Amazon Bedrock のモデル（Converse API）で質問に答えます。"
            "コードは環境変数 `GUARDRAIL_ID` と `GUARDRAIL_VERSION` で指定されたガードレールを適用するように書かれていますが、"
            "これらの環境変数はまだ設定されていません。ガードレール **{guardrail_name}**（ID `{guardrail_id}`）は作成済みで、"
            "バージョン **{guardrail_version}** が公開されています。\n"
            "1. 関数が公開済みのガードレールを使うようにします。`GUARDRAIL_ID` に `{guardrail_id}`、`GUARDRAIL_VERSION` に "
            "`{guardrail_version}` を設定します（`DRAFT` ではなく公開済みバージョンです）。\n"
            "2. **{api_name}** という名前の REST API を作成し、リソース `/ask` と、**{function_name}** を "
            "*Lambda プロキシ統合* で呼び出す `POST` メソッドを追加します。\n"
            "3. API Gateway がこの関数を呼び出せるようにします。\n"
            "4. API を `prod` という名前のステージにデプロイします。\n\n"
            "完成すると、`POST /prod/ask` に本文 `{{\"prompt\": \"...\"}}` を送ると `{{\"answer\": \"...\"}}` が返ります。"
            "プロンプト内の E メールアドレスは `{{EMAIL}}` にマスクされ、投資の助言を求める質問にはガードレールの"
            "「ブロックされたメッセージング」に設定したメッセージが返ります。API を作成したら、ノートブックで `lab.api_url()` を実行するとステージの呼び出し URL が"
            "得られるので、`requests` や `!curl` で試せます。"
        ),
    ),
)

FUNCTION_NAME = "mcredlab-ask"
ROLE_NAME = "mcredlab-ask-role"
API_NAME = "mcredlab-ask-api"
GUARDRAIL_NAME = "mcredlab-ask-guardrail"
MODEL_ID = "amazon.nova-lite-v1:0"
BLOCKED_MESSAGE = "Sorry, I can't help with that request."

HANDLER = '''"""POST /ask: {"prompt": "..."} -> {"answer": "..."} from an Amazon Bedrock model, through a guardrail."""
import json
import os

import boto3
MODEL_ID = os.environ.get("MODEL_ID", "amazon.nova-lite-v1:0")
bedrock = boto3.client("bedrock-runtime")


def handler(event, context):
    try:
        prompt = json.loads(event.get("body") or "{}").get("prompt", "")
    except (ValueError, AttributeError):
        prompt = ""
    if not prompt:
        return reply(400, {"message": 'Send JSON like {"prompt": "Hello"}'})
    request = {
        "modelId": MODEL_ID,
        "messages": [{"role": "user", "content": [{"text": prompt}]}],
        "inferenceConfig": {"maxTokens": 512},
    }
    guardrail_id = os.environ.get("GUARDRAIL_ID")
    guardrail_version = os.environ.get("GUARDRAIL_VERSION")
    if guardrail_id or guardrail_version:
        if not (guardrail_id and guardrail_version):
            return reply(500, {"message": "Set both GUARDRAIL_ID and GUARDRAIL_VERSION."})
        request["guardrailConfig"] = {"guardrailIdentifier": guardrail_id, "guardrailVersion": guardrail_version}
    try:
        response = bedrock.converse(**request)
    except ClientError as error:
        return reply(502, {"message": str(error)})
    answer = response["output"]["message"]["content"][0]["text"]
    return reply(200, {"answer": answer, "stopReason": response["stopReason"]})


def reply(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, ensure_ascii=False),
    }
'''
TRUST = iam.trust_policy("lambda.amazonaws.com")
TOPIC = {
    "name": "Investment advice",
    "definition": "Recommendations or guidance on investing money in stocks, bonds, funds or other financial products.",
    "examples": ["Which stocks should I buy?", "Is it a good time to invest in index funds?"],
    "type": "DENY",
}

# What the behaviour criteria ask the API (as a client of the task would).
EMAIL = "jane.doe@example.com"
EMAIL_PROMPT = f"Please remember my e-mail address: {EMAIL}"
INVESTMENT_PROMPT = "Which stocks should I buy? I want investment advice."


# -- setup -------------------------------------------------------------------------------------


def _guardrail(aws: Aws) -> tuple[str, str, str]:
    """The lab's guardrail (created with a published version if missing): id, ARN and the first version."""
    client = aws.client("bedrock")
    guardrail_id = bedrock.find_guardrail_id(aws, GUARDRAIL_NAME)
    if guardrail_id is None:
        guardrail_id = str(client.create_guardrail(
            name=GUARDRAIL_NAME,
            description="Keeps the assistant away from investment advice; masks contact details",
            blockedInputMessaging=BLOCKED_MESSAGE,
            blockedOutputsMessaging=BLOCKED_MESSAGE,
            topicPolicyConfig={"topicsConfig": [TOPIC]},
            sensitiveInformationPolicyConfig={"piiEntitiesConfig": [
                {"type": "EMAIL", "action": "ANONYMIZE"}, {"type": "PHONE", "action": "ANONYMIZE"}]},
            wordPolicyConfig={"managedWordListsConfig": [{"type": "PROFANITY"}]},
            tags=[{"key": TAG_KEY, "value": lab.id}],
        )["guardrailId"])
    versions = bedrock.guardrail_versions(aws, guardrail_id)
    for _ in range(30 if not versions else 0):  # on AWS a new guardrail is CREATING for a few seconds
        if client.get_guardrail(guardrailIdentifier=guardrail_id)["status"] == "READY":
            break
        time.sleep(2)
    if not versions:
        versions = [str(client.create_guardrail_version(guardrailIdentifier=guardrail_id,
                                                         description="published by the lab")["version"])]
    arn = str(client.get_guardrail(guardrailIdentifier=guardrail_id)["guardrailArn"])
    return guardrail_id, arn, versions[0]


def _role(aws: Aws, guardrail_arn: str) -> str:
    return iam.ensure_role(aws, lab.id, ROLE_NAME, TRUST, managed=(iam.BASIC_EXECUTION,), inline={
        "converse-through-guardrail": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["bedrock:InvokeModel", "bedrock:Converse"],
                 "Resource": ["arn:aws:bedrock:*::foundation-model/*", "arn:aws:bedrock:*:*:inference-profile/*"]},
                {"Effect": "Allow", "Action": "bedrock:ApplyGuardrail", "Resource": guardrail_arn},
            ],
        },
    })


@lab.setup
def setup(aws: Aws) -> Context:
    """A guardrail with a published version, an execution role and the function; the learner wires them up."""
    guardrail_id, guardrail_arn, version = _guardrail(aws)
    role_arn = _role(aws, guardrail_arn)
    awslambda.ensure_function(aws, lab.id, FUNCTION_NAME, role_arn=role_arn, source=HANDLER, timeout=30,
                              environment={"MODEL_ID": MODEL_ID})
    return {
        "function_name": FUNCTION_NAME,
        "api_name": API_NAME,
        "guardrail_name": GUARDRAIL_NAME,
        "guardrail_id": guardrail_id,
        "guardrail_version": version,
    }


# -- criteria: the function and the guardrail ------------------------------------------------


def _environment(aws: Aws, ctx: Context) -> dict[str, str]:
    return awslambda.environment(aws, ctx["function_name"])


@lab.criterion(
    "guardrail-id",
    expected=Text(en="{function_name} has GUARDRAIL_ID set to the guardrail {guardrail_id}",
                  ja="{function_name} の GUARDRAIL_ID にガードレール {guardrail_id} が設定されている"),
    looked_at=Text(en="the environment variables of {function_name}", ja="{function_name} の環境変数"),
    hint=Text(
        en="Lambda console > {function_name} > Configuration > Environment variables > Edit > Add environment "
        "variable: key `GUARDRAIL_ID`, value `{guardrail_id}` (the guardrail's ARN works too).",
        ja="Lambda コンソールで {function_name} >「設定」>「環境変数」>「編集」>「環境変数を追加」を選び、キー "
        "`GUARDRAIL_ID`、値 `{guardrail_id}` を入力します（ガードレールの ARN でも構いません）。",
    ),
)
def guardrail_id_set(aws: Aws, ctx: Context) -> Finding:
    value = _environment(aws, ctx).get("GUARDRAIL_ID")
    if value is None:
        return failed("no GUARDRAIL_ID variable: the function calls the model without a guardrail",
                      "GUARDRAIL_ID 変数がありません。関数はガードレールなしでモデルを呼び出します")
    wanted = ctx["guardrail_id"]
    if value.strip() == wanted or (value.strip().startswith("arn:") and value.strip().endswith(f":guardrail/{wanted}")):
        return passed(f"GUARDRAIL_ID = {value}", f"GUARDRAIL_ID = {value}")
    if value.strip() == ctx["guardrail_name"]:
        return failed(f"GUARDRAIL_ID = {value!r}, the guardrail's name; the Converse API takes its ID ({wanted}) or ARN",
                      f"GUARDRAIL_ID = {value!r} はガードレールの名前です。Converse API には ID（{wanted}）か ARN を指定します")
    return failed(f"GUARDRAIL_ID = {value!r}, which is not the guardrail {wanted}",
                  f"GUARDRAIL_ID = {value!r} で、ガードレール {wanted} ではありません")


@lab.criterion(
    "published-guardrail-version",
    expected=Text(en="GUARDRAIL_VERSION set to the published version {guardrail_version} of the guardrail, not DRAFT",
                  ja="GUARDRAIL_VERSION にガードレールの公開済みバージョン {guardrail_version} が設定され、DRAFT ではない"),
    looked_at=Text(en="the environment variables of {function_name} and the versions of guardrail {guardrail_id}",
                   ja="{function_name} の環境変数とガードレール {guardrail_id} のバージョン"),
    hint=Text(
        en="Set `GUARDRAIL_VERSION` to `{guardrail_version}`. `DRAFT` is the guardrail's working draft: whoever edits "
        "the guardrail changes what your API does at once, so production code uses a published version.",
        ja="`GUARDRAIL_VERSION` に `{guardrail_version}` を設定します。`DRAFT` はガードレールの作業中のドラフトで、"
        "誰かがガードレールを編集するとすぐに API の動作が変わってしまうため、本番のコードでは公開済みバージョンを使います。",
    ),
)
def published_guardrail_version(aws: Aws, ctx: Context) -> Finding:
    value = _environment(aws, ctx).get("GUARDRAIL_VERSION")
    if value is None:
        return failed("no GUARDRAIL_VERSION variable", "GUARDRAIL_VERSION 変数がありません")
    value = value.strip()
    if value.upper() == "DRAFT":
        return failed("GUARDRAIL_VERSION = DRAFT: the working draft, not a published version",
                      "GUARDRAIL_VERSION = DRAFT で、公開済みバージョンではなく作業中のドラフトです")
    published = bedrock.guardrail_versions(aws, ctx["guardrail_id"])
    if value not in published:
        listing = ", ".join(published)
        return failed(f"GUARDRAIL_VERSION = {value!r}, but the published versions are {listing or 'none'}",
                      f"GUARDRAIL_VERSION = {value!r} ですが、公開済みバージョンは {listing or 'ありません'}"
                      + ("です" if listing else ""))
    if value != ctx["guardrail_version"]:
        return failed(f"GUARDRAIL_VERSION = {value}, a published version, but not {ctx['guardrail_version']}",
                      f"GUARDRAIL_VERSION = {value} は公開済みバージョンですが、{ctx['guardrail_version']} ではありません")
    return passed(f"GUARDRAIL_VERSION = {value}, a published version", f"GUARDRAIL_VERSION = {value}（公開済みバージョン）")


# -- criteria: the API -------------------------------------------------------------------------


THE_API_CALLS_THE_FUNCTION = apigw.lambda_proxy_api_criteria(
    lab, path="/ask", verb="POST",
    method_hint=Text(en="The prompt travels in the request body.", ja="プロンプトはリクエスト本文で送られます。"),
    integration_hint=Text(en="The function reads the prompt from the proxy event's `body`.",
                          ja="関数はプロキシイベントの `body` からプロンプトを読み取ります。"),
)
"""rest-api, ask-resource, post-method, lambda-proxy-integration, invoke-permission, deployed-to-prod."""


# -- behaviour: what a client of the API gets ----------------------------------------------------


def _ask_api(aws: Aws, ctx: Context, prompt: str) -> tuple[str, int, str, str | None]:
    """POST a prompt to /prod/ask: the URL, the status, the raw body and the answer (if the body has one)."""
    api = apigw.the_api(aws, ctx["api_name"])
    if api is None:
        return "", 0, "", None
    url = apigw.invoke_url(aws, api.id, "prod") + "/ask"
    reply = aws.http("POST", url, {"Content-Type": "application/json"}, json.dumps({"prompt": prompt}),
                     evaluates_only=True)
    try:
        answer = json.loads(reply.body).get("answer")
    except (ValueError, AttributeError):
        answer = None
    return url, reply.status, reply.body, None if answer is None else str(answer)


def _exchange(url: str, prompt: str, status: int, body: str) -> tuple[str, str]:
    sent = json.dumps({"prompt": prompt}, ensure_ascii=False)
    return apigw.exchange("POST", url, status, sent_body=sent, body=body)


_BEHAVIOUR_NEEDS = ("guardrail-id", "published-guardrail-version", *THE_API_CALLS_THE_FUNCTION)
_BEHAVIOUR_HINT = Text(
    en="Call the API yourself: `curl -i -X POST <invoke URL>/ask -H 'Content-Type: application/json' "
    "-d '{{\"prompt\": \"My e-mail is jane@example.com\"}}'`. 403 Missing Authentication Token: POST /ask is not "
    "deployed to prod; 500: API Gateway may not invoke the function; an unmasked address: the function runs "
    "without the guardrail (check GUARDRAIL_ID and GUARDRAIL_VERSION).",
    ja="API を自分で呼び出してみましょう: `curl -i -X POST <呼び出し URL>/ask -H 'Content-Type: application/json' "
    "-d '{{\"prompt\": \"My e-mail is jane@example.com\"}}'`。403 Missing Authentication Token は POST /ask が prod に"
    "デプロイされていない、500 は API Gateway が関数を呼び出せない、アドレスがマスクされない場合は関数がガードレールなしで"
    "動いている（GUARDRAIL_ID と GUARDRAIL_VERSION を確認）ことを示します。",
)


@lab.criterion(
    "masks-email-in-answer",
    expected=Text(
        en="POST /prod/ask with an e-mail address in the prompt answers 200, the address masked as {{EMAIL}}",
        ja="プロンプトに E メールアドレスを含めた POST /prod/ask が 200 を返し、アドレスが {{EMAIL}} にマスクされている",
    ),
    looked_at=Text(en="what an HTTP client gets from POST /prod/ask of {api_name}",
                   ja="HTTP クライアントが {api_name} の POST /prod/ask から受け取る内容"),
    hint=_BEHAVIOUR_HINT,
    requires=_BEHAVIOUR_NEEDS,
)
def masks_email_in_answer(aws: Aws, ctx: Context) -> Finding:
    url, status, body, answer = _ask_api(aws, ctx, EMAIL_PROMPT)
    if not url:
        return failed(apigw.NO_API.en, apigw.NO_API.ja)
    en, ja = _exchange(url, EMAIL_PROMPT, status, body)
    if status == 200 and answer is not None and "{EMAIL}" in answer and EMAIL not in answer:
        return passed(en, ja)
    if status == 200 and answer is not None and EMAIL in answer:
        return failed(f"{en}: the address came back unmasked", f"{ja}。アドレスがマスクされずに返っています")
    return failed(en, ja)


@lab.criterion(
    "blocks-investment-question",
    expected=Text(en="POST /prod/ask asking for investment advice answers the guardrail's blocked message",
                  ja="投資の助言を求める POST /prod/ask に、ガードレールの「ブロックされたメッセージング」のメッセージが返る"),
    looked_at=Text(en="what an HTTP client gets from POST /prod/ask of {api_name}",
                   ja="HTTP クライアントが {api_name} の POST /prod/ask から受け取る内容"),
    hint=_BEHAVIOUR_HINT,
    requires=_BEHAVIOUR_NEEDS,
)
def blocks_investment_question(aws: Aws, ctx: Context) -> Finding:
    url, status, body, answer = _ask_api(aws, ctx, INVESTMENT_PROMPT)
    if not url:
        return failed(apigw.NO_API.en, apigw.NO_API.ja)
    en, ja = _exchange(url, INVESTMENT_PROMPT, status, body)
    if status == 200 and answer is not None and answer.strip() == BLOCKED_MESSAGE:
        return passed(en, ja)
    if status == 200 and answer is not None:
        return failed(f"{en}: the model answered instead of the guardrail",
                      f"{ja}。ガードレールではなくモデルが答えています")
    return failed(en, ja)


# -- reference solution, other valid ways, near misses -----------------------------------------


def wire_guardrail(aws: Aws, ctx: Context, *, version: str | None = None, identifier: str | None = None) -> None:
    """Add GUARDRAIL_ID and GUARDRAIL_VERSION to the function's variables, keeping the others (as the console does)."""
    lam = aws.client("lambda")
    variables = _environment(aws, ctx)
    variables["GUARDRAIL_ID"] = identifier or ctx["guardrail_id"]
    variables["GUARDRAIL_VERSION"] = version or ctx["guardrail_version"]
    lam.update_function_configuration(FunctionName=ctx["function_name"], Environment={"Variables": variables})


def build_api(
    aws: Aws,
    ctx: Context,
    *,
    http_method: str = "POST",
    integration_type: str = "AWS_PROXY",
    permission: bool = True,
    deploy: bool = True,
    stage: str = "prod",
) -> str:
    """Build the API as the console does; the keywords introduce the near misses' mistakes."""
    api_gateway = aws.client("apigateway")
    api_id = api_gateway.create_rest_api(name=ctx["api_name"], endpointConfiguration={"types": ["REGIONAL"]},
                                         tags={TAG_KEY: lab.id})["id"]
    root = apigw.resource(aws, api_id, "/")
    assert root is not None
    ask = api_gateway.create_resource(restApiId=api_id, parentId=root["id"], pathPart="ask")["id"]
    api_gateway.put_method(restApiId=api_id, resourceId=ask, httpMethod=http_method, authorizationType="NONE")
    api_gateway.put_integration(
        restApiId=api_id, resourceId=ask, httpMethod=http_method, type=integration_type, integrationHttpMethod="POST",
        uri=apigw.lambda_integration_uri(aws.region, awslambda.arn(aws, ctx["function_name"])),
    )
    if permission:
        verb_in_arn = "*" if http_method == "ANY" else http_method  # as the console writes it for ANY
        aws.client("lambda").add_permission(
            FunctionName=ctx["function_name"], StatementId=f"apigateway-{api_id}", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{aws.region}:{aws.account_id}:{api_id}/*/{verb_in_arn}/ask",
        )
    if deploy:
        api_gateway.create_deployment(restApiId=api_id, stageName=stage)
    return str(api_id)


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    wire_guardrail(aws, ctx)
    build_api(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(
        en="every step with the AWS CLI (`aws lambda update-function-configuration --environment ...`, then the API), "
        "and a permission for any stage and method of the API",
        ja="すべて AWS CLI で実施（`aws lambda update-function-configuration --environment ...` の後に API を作成）し、"
        "API の任意のステージ・メソッドに対する許可を付与",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    variables = f"Variables={{MODEL_ID={MODEL_ID},GUARDRAIL_ID={ctx['guardrail_id']},GUARDRAIL_VERSION={ctx['guardrail_version']}}}"
    aws.cli("lambda", "update-function-configuration", "--function-name", ctx["function_name"],
            "--environment", variables, "--output", "json")
    api_id = json.loads(aws.cli("apigateway", "create-rest-api", "--name", ctx["api_name"], "--output", "json"))["id"]
    resources = json.loads(aws.cli("apigateway", "get-resources", "--rest-api-id", api_id, "--output", "json"))["items"]
    root = next(r["id"] for r in resources if r["path"] == "/")
    ask = json.loads(aws.cli("apigateway", "create-resource", "--rest-api-id", api_id, "--parent-id", root,
                             "--path-part", "ask", "--output", "json"))["id"]
    aws.cli("apigateway", "put-method", "--rest-api-id", api_id, "--resource-id", ask, "--http-method", "POST",
            "--authorization-type", "NONE", "--output", "json")
    aws.cli("apigateway", "put-integration", "--rest-api-id", api_id, "--resource-id", ask, "--http-method", "POST",
            "--type", "AWS_PROXY", "--integration-http-method", "POST",
            "--uri", apigw.lambda_integration_uri(aws.region, awslambda.arn(aws, ctx["function_name"])), "--output", "json")
    aws.cli("lambda", "add-permission", "--function-name", ctx["function_name"], "--statement-id", "apigw-cli",
            "--action", "lambda:InvokeFunction", "--principal", "apigateway.amazonaws.com",
            "--source-arn", f"arn:aws:execute-api:{aws.region}:{aws.account_id}:{api_id}/*", "--output", "json")
    aws.cli("apigateway", "create-deployment", "--rest-api-id", api_id, "--stage-name", "prod", "--output", "json")


@lab.alternative(
    "guardrail-arn-any-method",
    story=Text(
        en="GUARDRAIL_ID set to the guardrail's ARN, an ANY method on /ask, and a deployment attached to a stage "
        "prod created afterwards",
        ja="GUARDRAIL_ID にガードレールの ARN を設定し、/ask に ANY メソッドを作成。デプロイを作成した後にステージ prod を作成して関連付け",
    ),
)
def with_arn_and_any(aws: Aws, ctx: Context) -> None:
    arn = aws.client("bedrock").get_guardrail(guardrailIdentifier=ctx["guardrail_id"])["guardrailArn"]
    wire_guardrail(aws, ctx, identifier=arn)
    api_id = build_api(aws, ctx, http_method="ANY", deploy=False)
    api_gateway = aws.client("apigateway")
    deployment = api_gateway.create_deployment(restApiId=api_id, description="first release")["id"]
    api_gateway.create_stage(restApiId=api_id, stageName="prod", deploymentId=deployment)


@lab.near_miss(
    "guardrail-draft-version",
    fails="published-guardrail-version",
    story=Text(en="GUARDRAIL_VERSION set to DRAFT instead of the published version",
               ja="GUARDRAIL_VERSION に公開済みバージョンではなく DRAFT を設定"),
)
def draft_version(aws: Aws, ctx: Context) -> None:
    wire_guardrail(aws, ctx, version="DRAFT")
    build_api(aws, ctx)


@lab.near_miss(
    "guardrail-not-wired",
    fails=("guardrail-id", "published-guardrail-version", "masks-email-in-answer", "blocks-investment-question"),
    story=Text(en="the API is built, but the environment variables never set", ja="API は作成したが、環境変数を設定していない"),
)
def not_wired(aws: Aws, ctx: Context) -> None:
    build_api(aws, ctx)


@lab.near_miss(
    "no-invoke-permission",
    fails=("invoke-permission", "masks-email-in-answer", "blocks-investment-question"),
    story=Text(en="built with the CLI, which adds no permission", ja="CLI で構築し、許可を追加しなかった"),
)
def no_permission(aws: Aws, ctx: Context) -> None:
    wire_guardrail(aws, ctx)
    build_api(aws, ctx, permission=False)


@lab.near_miss(
    "not-deployed",
    fails=("deployed-to-prod", "masks-email-in-answer", "blocks-investment-question"),
    story=Text(en="everything built, but the API never deployed", ja="すべて作成したが、API をデプロイしていない"),
)
def not_deployed(aws: Aws, ctx: Context) -> None:
    wire_guardrail(aws, ctx)
    build_api(aws, ctx, deploy=False)


@lab.near_miss(
    "get-method",
    fails=("post-method", "lambda-proxy-integration", "deployed-to-prod", "masks-email-in-answer"),
    story=Text(en="a GET method instead of POST", ja="POST ではなく GET メソッドを作成"),
)
def get_method(aws: Aws, ctx: Context) -> None:
    wire_guardrail(aws, ctx)
    build_api(aws, ctx, http_method="GET")


@lab.near_miss(
    "guardrail-name-as-id",
    fails="guardrail-id",
    story=Text(en="GUARDRAIL_ID set to the guardrail's name instead of its ID",
               ja="GUARDRAIL_ID にガードレールの ID ではなく名前を設定"),
)
def name_as_id(aws: Aws, ctx: Context) -> None:
    wire_guardrail(aws, ctx, identifier=ctx["guardrail_name"])
    build_api(aws, ctx)


@lab.near_miss(
    "deployed-to-dev",
    fails="deployed-to-prod",
    story=Text(en="deployed to a stage named `dev`", ja="`dev` という名前のステージにデプロイ"),
)
def deployed_to_dev(aws: Aws, ctx: Context) -> None:
    wire_guardrail(aws, ctx)
    build_api(aws, ctx, stage="dev")


@lab.near_miss(
    "lambda-custom-integration",
    fails="lambda-proxy-integration",
    story=Text(en="a Lambda integration without the proxy option (type AWS)",
               ja="プロキシを有効にしていない Lambda 統合（タイプ AWS）"),
)
def custom_integration(aws: Aws, ctx: Context) -> None:
    wire_guardrail(aws, ctx)
    build_api(aws, ctx, integration_type="AWS")


@lab.near_miss(
    "http-api-instead",
    fails="rest-api",
    story=Text(
        en="an HTTP API (`aws apigatewayv2 create-api --protocol-type HTTP --target <function ARN>`) instead of a REST API",
        ja="REST API ではなく HTTP API を作成（`aws apigatewayv2 create-api --protocol-type HTTP --target <関数の ARN>`）",
    ),
)
def http_api_instead(aws: Aws, ctx: Context) -> None:
    wire_guardrail(aws, ctx)
    aws.cli("apigatewayv2", "create-api", "--name", ctx["api_name"], "--protocol-type", "HTTP",
            "--target", awslambda.arn(aws, ctx["function_name"]))


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the REST and HTTP APIs named {api_name}, then the tagged function, role and guardrail."""
    apigw.delete_apis_named(aws, ctx["api_name"])
    awslambda.delete_function(aws, lab.id, ctx["function_name"])
    iam.delete_role(aws, lab.id, ROLE_NAME)
    bedrock.delete_guardrails(aws, lab.id)
