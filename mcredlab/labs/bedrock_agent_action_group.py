"""An Amazon Bedrock agent's action group: a Lambda function the agent calls, allowed to be invoked by Bedrock."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from mcredlab import provision
from mcredlab._text import Text, clip
from mcredlab.bedrock import (
    TEST_ALIAS,
    agent_gone,
    ask,
    delete_agents,
    ensure_agent,
    get_agent,
    prepared_finding,
)
from mcredlab.lab import Context, Finding, Lab, failed, passed
from mcredlab.policy import condition_values, matches, statements
from mcredlab.target import Aws

lab = Lab(
    id="bedrock-agent-action-group",
    track="agentic-ai",
    services=("bedrock-agent", "lambda", "bedrock-agent-runtime", "iam"),
    certs=("AIF", "DVA"),
    minutes=20,
    title=Text(
        en="Give an Amazon Bedrock agent an action group backed by AWS Lambda",
        ja="Amazon Bedrock のエージェントに AWS Lambda で動くアクショングループを追加する",
    ),
    task=Text(
        en=(
            "The agent **{agent_name}** (ID `{agent_id}`) should tell customers where their orders are. The Lambda "
            "function **{function_name}** already looks orders up and answers in the format Bedrock Agents expect.\n\n"
            "1. On the agent's working draft, add an action group named **{action_group}** that calls "
            "**{function_name}** (action group type *Define with function details*) and defines the function "
            "`get_order_status` with the required parameter `order_id` (String).\n"
            "2. Allow Amazon Bedrock to invoke **{function_name}**: a resource-based policy statement for the "
            "principal `bedrock.amazonaws.com`, limited to this agent with its ARN `{agent_arn}` as source ARN.\n"
            "3. Prepare the agent.\n\n"
            "Tip: ask the test alias `TSTALIASID` “{question}” with `invoke_agent` of `bedrock-agent-runtime` (or in "
            "the console's *Test* pane): the answer should come from the function."
        ),
        ja=(
            "エージェント **{agent_name}**（ID `{agent_id}`）で、顧客に注文の状況を案内できるようにします。"
            "Lambda 関数 **{function_name}** はすでに注文を検索し、Bedrock エージェントが想定する形式で応答します。\n\n"
            "1. エージェントの作業中のドラフトに、**{function_name}** を呼び出すアクショングループ **{action_group}** を"
            "追加します（アクショングループのタイプは「関数の詳細で定義」）。関数 `get_order_status` と、その必須パラメータ "
            "`order_id`（String）を定義してください。\n"
            "2. Amazon Bedrock が **{function_name}** を呼び出せるようにします。プリンシパル `bedrock.amazonaws.com` に"
            "許可するリソースベースポリシーのステートメントを追加し、送信元 ARN にエージェントの ARN `{agent_arn}` を"
            "指定してこのエージェントだけに限定します。\n"
            "3. エージェントを準備します。\n\n"
            "ヒント: `bedrock-agent-runtime` の `invoke_agent`（またはコンソールの「テスト」ペイン）でテストエイリアス "
            "`TSTALIASID` に「{question}」と質問すると、関数からの回答が返るはずです。"
        ),
    ),
)

AGENT_NAME = "mcredlab-order-agent"
FUNCTION_NAME = "mcredlab-order-status"
ACTION_GROUP = "order-status"
AGENT_ROLE = "AmazonBedrockExecutionRoleForAgents_mcredlab_orders"
FUNCTION_ROLE = "mcredlab-order-status-role"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
INSTRUCTION = (
    "You are the customer service agent of an online shop. When a customer asks about an order, look up its status "
    "and tell them politely where it is."
)
QUESTION = "Please look up order_id=1001 with get_order_status: where is my order?"
FUNCTION = "get_order_status"
PARAMETER = "order_id"
HANDLER = '''import json

ORDERS = {
    "1001": ("SHIPPED", "it left our warehouse yesterday and arrives on Friday"),
    "1002": ("PROCESSING", "it ships within two days"),
    "1003": ("DELIVERED", "it was delivered on Monday"),
}


def handler(event, context):
    """Answer an Amazon Bedrock agent's action group call (function details or OpenAPI)."""
    params = {p["name"]: p["value"] for p in event.get("parameters") or []}
    body = ((event.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
    for prop in body.get("properties") or []:
        params.setdefault(prop["name"], prop["value"])
    order_id = "".join(ch for ch in str(params.get("order_id", "")) if ch.isalnum())
    status, detail = ORDERS.get(order_id, ("NOT_FOUND", "there is no order with that number"))
    print(f"order {order_id!r}: {status}")
    if "function" in event:
        response = {
            "actionGroup": event["actionGroup"],
            "function": event["function"],
            "functionResponse": {"responseBody": {"TEXT": {"body": f"Order {order_id} is {status}: {detail}."}}},
        }
    else:
        response = {
            "actionGroup": event["actionGroup"],
            "apiPath": event["apiPath"],
            "httpMethod": event["httpMethod"],
            "httpStatusCode": 200,
            "responseBody": {"application/json": {"body": json.dumps({"orderId": order_id, "status": status, "detail": detail})}},
        }
    return {
        "messageVersion": "1.0",
        "response": response,
        "sessionAttributes": event.get("sessionAttributes") or {},
        "promptSessionAttributes": event.get("promptSessionAttributes") or {},
    }
'''
BEDROCK_TRUST = provision.trust_policy("bedrock.amazonaws.com")
LAMBDA_TRUST = provision.trust_policy("lambda.amazonaws.com")
MODEL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "arn:aws:bedrock:*::foundation-model/*"}],
}
FUNCTION_SCHEMA = {"functions": [{
    "name": FUNCTION,
    "description": "The status of one order of the online shop",
    "parameters": {PARAMETER: {"type": "string", "description": "The order number, e.g. 1001", "required": True}},
}]}
OPENAPI = {
    "openapi": "3.0.0",
    "info": {"title": "Order status API", "version": "1.0.0"},
    "paths": {"/orders/{order_id}": {"get": {
        "operationId": FUNCTION,
        "description": "The status of one order of the online shop",
        "parameters": [{"name": PARAMETER, "in": "path", "required": True, "description": "The order number",
                        "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The order's status",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }}},
}


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """The two roles, the order-status function and the agent (prepared, without action groups)."""
    agent_role = provision.ensure_role(aws, lab.id, AGENT_ROLE, BEDROCK_TRUST, inline={"invoke-models": MODEL_POLICY})
    function_role = provision.ensure_role(aws, lab.id, FUNCTION_ROLE, LAMBDA_TRUST, managed=(provision.BASIC_EXECUTION,))
    provision.ensure_function(aws, lab.id, FUNCTION_NAME, role_arn=function_role, source=HANDLER,
                              description="Looks up the status of an order for the order agent")
    agent_id = ensure_agent(aws, lab.id, AGENT_NAME, role_arn=agent_role, model=MODEL, instruction=INSTRUCTION,
                            description="Tells customers where their orders are")
    agents = aws.client("bedrock-agent")
    agent_arn = str(agents.get_agent(agentId=agent_id)["agent"]["agentArn"])
    return {"agent_name": AGENT_NAME, "agent_id": agent_id, "agent_arn": agent_arn, "function_name": FUNCTION_NAME,
            "action_group": ACTION_GROUP, "question": QUESTION}


# -- what the checks read ----------------------------------------------------------------------


def _action_group(aws: Aws, ctx: Context) -> tuple[dict[str, Any] | None, list[str]]:
    """(the action group named as the task says, on the DRAFT; the names of all the draft's groups)."""
    agents = aws.client("bedrock-agent")
    try:
        summaries = agents.list_agent_action_groups(agentId=ctx["agent_id"], agentVersion="DRAFT")["actionGroupSummaries"]
    except ClientError as error:
        if provision.not_found(error):
            return None, []
        raise
    names = [s["actionGroupName"] for s in summaries]
    for summary in summaries:
        if summary["actionGroupName"] == ctx["action_group"]:
            group = agents.get_agent_action_group(agentId=ctx["agent_id"], agentVersion="DRAFT",
                                                  actionGroupId=summary["actionGroupId"])["agentActionGroup"]
            return dict(group), names
    return None, names


def _no_group(names: list[str], ctx: Context) -> Finding:
    if not names:
        return failed("the working draft has no action groups", "作業中のドラフトにアクショングループがありません")
    listing = ", ".join(names)
    return failed(f"no action group named {ctx['action_group']} (only {listing})",
                  f"{ctx['action_group']} という名前のアクショングループがありません（あるのは {listing}）")


def _function_arn(aws: Aws, ctx: Context) -> str | None:
    try:
        return str(aws.client("lambda").get_function(FunctionName=ctx["function_name"])["Configuration"]["FunctionArn"])
    except ClientError as error:
        if provision.not_found(error):
            return None
        raise


def _unqualified(arn: str) -> str:
    """A function ARN without its version or alias (``...:function:name:$LATEST`` -> ``...:function:name``)."""
    parts = arn.split(":")
    return ":".join(parts[:7]) if len(parts) > 7 else arn


def _openapi(aws: Aws, schema: dict[str, Any]) -> dict[str, Any] | None:
    """An action group's OpenAPI document (inline or in S3), parsed; ``None`` if it cannot be read."""
    import yaml

    text = schema.get("payload")
    if text is None and schema.get("s3"):
        location = schema["s3"]
        try:
            body = aws.client("s3").get_object(Bucket=location["s3BucketName"], Key=location["s3ObjectKey"])["Body"]
            text = body.read().decode("utf-8", "replace")
        except ClientError:
            return None
    try:
        document = yaml.safe_load(str(text or ""))  # JSON is YAML too
    except yaml.YAMLError:
        return None
    return document if isinstance(document, dict) and isinstance(document.get("paths"), dict) else None


def _declared(aws: Aws, group: dict[str, Any]) -> dict[str, dict[str, bool]]:
    """Every function (or OpenAPI operationId) the group declares, with its parameters and whether each is required."""
    found: dict[str, dict[str, bool]] = {}
    for function in (group.get("functionSchema") or {}).get("functions") or []:
        found[str(function.get("name"))] = {
            str(name): bool(spec.get("required")) for name, spec in (function.get("parameters") or {}).items()
        }
    document = _openapi(aws, group["apiSchema"]) if group.get("apiSchema") else None
    for path_item in (document or {}).get("paths", {}).values():
        shared = [p for p in (path_item or {}).get("parameters") or [] if isinstance(p, dict)]
        for operation in (path_item or {}).values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            parameters = shared + [p for p in operation.get("parameters") or [] if isinstance(p, dict)]
            declared = {str(p.get("name")): bool(p.get("required") or p.get("in") == "path") for p in parameters}
            body = (((operation.get("requestBody") or {}).get("content") or {}).get("application/json") or {})
            schema = body.get("schema") or {}
            for name in (schema.get("properties") or {}):
                declared.setdefault(str(name), name in (schema.get("required") or []))
            found[str(operation["operationId"])] = declared
    return found


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "action-group",
    expected=Text(en="an enabled action group {action_group} on the agent's working draft",
                  ja="エージェントの作業中のドラフトに、有効なアクショングループ {action_group} がある"),
    looked_at=Text(en="the action groups of agent {agent_name} (DRAFT)", ja="エージェント {agent_name}（DRAFT）のアクショングループ"),
    hint=Text(
        en="Agents > {agent_name} > Edit in Agent builder > Action groups > Add. Name it {action_group} and leave "
        "its state Enabled. With the API: CreateAgentActionGroup with agentVersion DRAFT.",
        ja="「エージェント」> {agent_name} >「エージェントビルダーで編集」>「アクショングループ」>「追加」を選び、"
        "名前を {action_group} にして、状態は「有効」のままにします。API では agentVersion を DRAFT にして "
        "CreateAgentActionGroup を呼び出します。",
    ),
)
def action_group(aws: Aws, ctx: Context) -> Finding:
    group, names = _action_group(aws, ctx)
    if group is None:
        return _no_group(names, ctx)
    state = group.get("actionGroupState", "ENABLED")
    if state != "ENABLED":
        return failed(f"{ctx['action_group']} is {state}: the agent does not use it",
                      f"{ctx['action_group']} は {state} なので、エージェントは使用しません")
    return passed(f"{ctx['action_group']} (ENABLED)", f"{ctx['action_group']}（有効）")


@lab.criterion(
    "lambda-executor",
    expected=Text(en="the action group calls the Lambda function {function_name}",
                  ja="アクショングループが Lambda 関数 {function_name} を呼び出す"),
    looked_at=Text(en="the action group executor of {action_group}", ja="{action_group} のアクショングループの呼び出し設定"),
    hint=Text(
        en="In the action group, under Action group invocation choose “Select an existing Lambda function” and pick "
        "{function_name} (not “Return control”, which hands the call back to your application).",
        ja="アクショングループの「アクショングループの呼び出し」で「既存の Lambda 関数を選択してください」を選び、"
        "{function_name} を指定します（「コントロールを返す」はアプリケーション側に処理を戻すので使いません）。",
    ),
)
def lambda_executor(aws: Aws, ctx: Context) -> Finding:
    group, names = _action_group(aws, ctx)
    if group is None:
        return _no_group(names, ctx)
    executor = group.get("actionGroupExecutor") or {}
    if executor.get("customControl"):
        return failed(f"the executor is {executor['customControl']}: the agent returns the call to the application",
                      f"呼び出し設定が {executor['customControl']} です。エージェントは呼び出しをアプリケーションに返します")
    target = str(executor.get("lambda") or "")
    if not target:
        return failed("the action group has no Lambda function", "アクショングループに Lambda 関数が指定されていません")
    wanted = _function_arn(aws, ctx)
    if wanted is not None and _unqualified(target) == _unqualified(wanted):
        return passed(f"Lambda function {target}", f"Lambda 関数 {target}")
    return failed(f"another function: {target}", f"別の関数です: {target}")


@lab.criterion(
    "function-definition",
    expected=Text(en="the function get_order_status with the required parameter order_id",
                  ja="関数 get_order_status と必須パラメータ order_id"),
    looked_at=Text(en="the functions (or OpenAPI operations) that {action_group} defines",
                   ja="{action_group} が定義する関数（または OpenAPI のオペレーション）"),
    hint=Text(
        en="Action group type “Define with function details”: add the function `get_order_status` and the parameter "
        "`order_id` of type String with Required set to True. (An OpenAPI schema with operationId get_order_status "
        "and an order_id parameter works too.)",
        ja="アクショングループのタイプで「関数の詳細で定義」を選び、関数 `get_order_status` と、タイプ String で"
        "「必須」を True にしたパラメータ `order_id` を追加します（operationId が get_order_status で order_id "
        "パラメータを持つ OpenAPI スキーマでも構いません）。",
    ),
)
def function_definition(aws: Aws, ctx: Context) -> Finding:
    group, names = _action_group(aws, ctx)
    if group is None:
        return _no_group(names, ctx)
    declared = _declared(aws, group)
    if FUNCTION not in declared:
        listing = ", ".join(declared) or "none"
        return failed(f"no function {FUNCTION} (functions: {listing})",
                      f"関数 {FUNCTION} がありません（定義されている関数: {', '.join(declared) or 'なし'}）")
    parameters = declared[FUNCTION]
    if PARAMETER not in parameters:
        listing = ", ".join(parameters) or "none"
        return failed(f"{FUNCTION} has no parameter {PARAMETER} (parameters: {listing})",
                      f"{FUNCTION} にパラメータ {PARAMETER} がありません（パラメータ: {', '.join(parameters) or 'なし'}）")
    if not parameters[PARAMETER]:
        return failed(f"{PARAMETER} is optional: the agent may call {FUNCTION} without it",
                      f"{PARAMETER} が任意のため、エージェントがこれを指定せずに {FUNCTION} を呼び出す可能性があります")
    return passed(f"{FUNCTION}({PARAMETER}, required)", f"{FUNCTION}（{PARAMETER}、必須）")


def _policy(aws: Aws, function: str) -> str | None:
    try:
        return str(aws.client("lambda").get_policy(FunctionName=function)["Policy"])
    except ClientError as error:
        if provision.not_found(error):
            return None
        raise


@lab.criterion(
    "invoke-permission",
    expected=Text(en="Amazon Bedrock may invoke {function_name} for agent {agent_name}",
                  ja="Amazon Bedrock がエージェント {agent_name} のために {function_name} を呼び出せる"),
    looked_at=Text(en="the resource-based policy of {function_name}", ja="{function_name} のリソースベースポリシー"),
    hint=Text(
        en="Lambda console > {function_name} > Configuration > Permissions > Resource-based policy statements > Add "
        "permissions > AWS service: Other, principal bedrock.amazonaws.com, source ARN {agent_arn}, action "
        "lambda:InvokeFunction. Or `aws lambda add-permission --function-name {function_name} --statement-id "
        "bedrock-agent --action lambda:InvokeFunction --principal bedrock.amazonaws.com --source-arn {agent_arn}`.",
        ja="Lambda コンソールで {function_name} >「設定」>「アクセス権限」>「リソースベースのポリシーステートメント」>"
        "「アクセス権限を追加」を開き、AWS のサービスは「その他」、プリンシパルに bedrock.amazonaws.com、送信元 ARN に "
        "{agent_arn}、アクションに lambda:InvokeFunction を指定します。または `aws lambda add-permission "
        "--function-name {function_name} --statement-id bedrock-agent --action lambda:InvokeFunction --principal "
        "bedrock.amazonaws.com --source-arn {agent_arn}` を実行します。",
    ),
)
def invoke_permission(aws: Aws, ctx: Context) -> Finding:
    policy = _policy(aws, ctx["function_name"])
    relevant = [s for s in statements(policy)
                if s.service("bedrock.amazonaws.com") and s.covers_action("lambda:InvokeFunction")]
    if not relevant:
        return failed("no statement lets bedrock.amazonaws.com invoke the function",
                      "bedrock.amazonaws.com に関数の呼び出しを許可するステートメントがありません")
    agent_arn, account = ctx["agent_arn"], aws.account_id
    allowed, denied, elsewhere = False, False, []
    for statement in relevant:
        sources = condition_values(statement.condition, "aws:SourceArn")
        accounts = condition_values(statement.condition, "aws:SourceAccount")
        applies = (not sources or any(matches(p, agent_arn) for p in sources)) and (not accounts or account in accounts)
        if statement.effect == "Deny" and applies:
            denied = True
        elif statement.effect == "Allow":
            allowed = allowed or applies
            if not applies:
                elsewhere.extend(sources or [f"account {a}" for a in accounts])
    if denied:
        return failed("a Deny statement stops bedrock.amazonaws.com for this agent",
                      "Deny ステートメントがこのエージェントからの bedrock.amazonaws.com の呼び出しを拒否しています")
    if allowed:
        return passed("bedrock.amazonaws.com may invoke the function for this agent",
                      "bedrock.amazonaws.com はこのエージェントのために関数を呼び出せます")
    others = ", ".join(elsewhere)
    return failed(f"Bedrock may invoke the function only for other sources ({others})",
                  f"Bedrock が関数を呼び出せるのは他の送信元の場合だけです（{others}）")


@lab.criterion(
    "agent-prepared",
    expected=Text(en="the agent prepared after its last change (status PREPARED)",
                  ja="最後の変更の後にエージェントが準備されている（ステータス PREPARED）"),
    looked_at=Text(en="the status, preparedAt and updatedAt of agent {agent_name}",
                   ja="エージェント {agent_name} のステータスと日時（preparedAt、updatedAt）"),
    hint=Text(
        en="Save the action group, then press Prepare (in Agent builder or the Test pane), or run "
        "`aws bedrock-agent prepare-agent --agent-id {agent_id}`. Adding or changing an action group sets the agent "
        "back to NOT_PREPARED.",
        ja="アクショングループを保存してから「準備」を押す（エージェントビルダーまたは「テスト」ペイン）か、"
        "`aws bedrock-agent prepare-agent --agent-id {agent_id}` を実行します。アクショングループを追加・変更すると、"
        "エージェントは NOT_PREPARED に戻ります。",
    ),
)
def agent_prepared(aws: Aws, ctx: Context) -> Finding:
    agent = get_agent(aws, ctx["agent_id"])
    return prepared_finding(agent) if agent is not None else agent_gone(ctx["agent_name"])


@lab.criterion(
    "answers-order-status",
    expected=Text(en="the function's status of order 1001 (SHIPPED) as the answer to “{question}”",
                  ja="「{question}」への回答が、関数から得た注文 1001 の状況（SHIPPED）である"),
    looked_at=Text(en="what the test alias TSTALIASID of {agent_name} answers (InvokeAgent)",
                   ja="{agent_name} のテストエイリアス TSTALIASID の回答（InvokeAgent）"),
    hint=Text(
        en="Try it in the Test pane (show the trace) or with invoke_agent(agentId='{agent_id}', "
        "agentAliasId='TSTALIASID', sessionId='s1', inputText='{question}'). An access-denied error means Bedrock may "
        "not invoke the function; an answer without the order means the agent never called it (not prepared, action "
        "group disabled, or return of control).",
        ja="「テスト」ペイン（トレースを表示）または invoke_agent(agentId='{agent_id}', agentAliasId='TSTALIASID', "
        "sessionId='s1', inputText='{question}') で試せます。アクセス拒否のエラーは Bedrock が関数を呼び出せないことを、"
        "注文の状況を含まない回答はエージェントが関数を呼び出していない（未準備、アクショングループが無効、"
        "コントロールを返す設定）ことを示します。",
    ),
)
def answers_order_status(aws: Aws, ctx: Context) -> Finding:
    answer, what = ask(aws, ctx["agent_id"], ctx["question"], TEST_ALIAS)
    sent = f"InvokeAgent(TSTALIASID, “{ctx['question']}”)"
    if answer is None and "returnControl" in what:
        return failed(f"{sent} returned control to the application (a returnControl event) instead of calling the "
                      "function", f"{sent} は関数を呼び出さず、アプリケーションにコントロールを返しました（returnControl イベント）")
    if answer is None:
        return failed(f"{sent} failed: {clip(what)}", f"{sent} が失敗しました: {clip(what)}")
    if "1001" in answer and "SHIPPED" in answer:
        return passed(f"{sent} answered “{clip(answer)}”", f"{sent} は「{clip(answer)}」を返しました")
    return failed(f"{sent} answered “{clip(answer)}”, without the order's status",
                  f"{sent} は注文の状況を含まない「{clip(answer)}」を返しました")


# -- reference solution, other valid ways, near misses -----------------------------------------


def build(
    aws: Aws,
    ctx: Context,
    *,
    executor: str = "lambda",
    state: str = "ENABLED",
    schema: dict[str, Any] | None = None,
    source_arn: str | None = "agent",
    permission: bool = True,
    prepare: bool = True,
) -> None:
    """The action group, the permission and the preparation; the keywords introduce the near misses' mistakes."""
    agents, lam = aws.client("bedrock-agent"), aws.client("lambda")
    function_arn = lam.get_function(FunctionName=ctx["function_name"])["Configuration"]["FunctionArn"]
    agents.create_agent_action_group(
        agentId=ctx["agent_id"], agentVersion="DRAFT", actionGroupName=ctx["action_group"],
        description="Looks up orders", actionGroupState=state,
        actionGroupExecutor={"lambda": function_arn} if executor == "lambda" else {"customControl": "RETURN_CONTROL"},
        functionSchema=schema or FUNCTION_SCHEMA,
    )
    if permission:
        condition = {"SourceArn": ctx["agent_arn"] if source_arn == "agent" else source_arn} if source_arn else {}
        lam.add_permission(FunctionName=ctx["function_name"], StatementId="bedrock-agent-invoke",
                           Action="lambda:InvokeFunction", Principal="bedrock.amazonaws.com",
                           SourceAccount=aws.account_id, **condition)
    if prepare:
        agents.prepare_agent(agentId=ctx["agent_id"])


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    build(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(
        en="AWS CLI: create-agent-action-group with a function schema, add-permission with the agent's ARN, "
        "prepare-agent",
        ja="AWS CLI: 関数スキーマを指定した create-agent-action-group、エージェントの ARN を指定した add-permission、"
        "prepare-agent",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    function = json.loads(aws.cli("lambda", "get-function", "--function-name", ctx["function_name"]))
    aws.cli("bedrock-agent", "create-agent-action-group", "--agent-id", ctx["agent_id"], "--agent-version", "DRAFT",
            "--action-group-name", ctx["action_group"],
            "--action-group-executor", f"lambda={function['Configuration']['FunctionArn']}",
            "--function-schema", json.dumps(FUNCTION_SCHEMA))
    aws.cli("lambda", "add-permission", "--function-name", ctx["function_name"], "--statement-id", "bedrock-cli",
            "--action", "lambda:InvokeFunction", "--principal", "bedrock.amazonaws.com",
            "--source-arn", ctx["agent_arn"])
    aws.cli("bedrock-agent", "prepare-agent", "--agent-id", ctx["agent_id"])


@lab.alternative(
    "openapi-schema",
    story=Text(
        en="an OpenAPI schema (GET /orders/{order_id}, operationId get_order_status) instead of function details, "
        "and a permission limited to the account rather than the agent",
        ja="関数の詳細ではなく OpenAPI スキーマ（GET /orders/{order_id}、operationId get_order_status）を使い、"
        "許可をエージェントではなくアカウントで限定",
    ),
)
def with_openapi(aws: Aws, ctx: Context) -> None:
    agents, lam = aws.client("bedrock-agent"), aws.client("lambda")
    function_arn = lam.get_function(FunctionName=ctx["function_name"])["Configuration"]["FunctionArn"]
    agents.create_agent_action_group(
        agentId=ctx["agent_id"], agentVersion="DRAFT", actionGroupName=ctx["action_group"],
        actionGroupExecutor={"lambda": f"{function_arn}:$LATEST"}, apiSchema={"payload": json.dumps(OPENAPI)},
    )
    lam.add_permission(FunctionName=ctx["function_name"], StatementId="bedrock-account", Action="lambda:InvokeFunction",
                       Principal="bedrock.amazonaws.com", SourceAccount=aws.account_id)
    agents.prepare_agent(agentId=ctx["agent_id"])


@lab.near_miss(
    "no-invoke-permission",
    fails=("invoke-permission", "answers-order-status"),
    story=Text(en="an existing function chosen, but no permission added for Bedrock",
               ja="既存の関数を選択したが、Bedrock への許可を追加していない"),
)
def no_permission(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, permission=False)


@lab.near_miss(
    "permission-for-another-agent",
    fails=("invoke-permission", "answers-order-status"),
    story=Text(en="the permission's source ARN names another agent", ja="許可の送信元 ARN が別のエージェントを指定している"),
)
def permission_elsewhere(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, source_arn=f"arn:aws:bedrock:{aws.region}:{aws.account_id}:agent/ABCDE12345")


@lab.near_miss(
    "action-group-disabled",
    fails=("action-group", "answers-order-status"),
    story=Text(en="the action group saved with its state Disabled", ja="アクショングループの状態を「無効」にして保存"),
)
def disabled(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, state="DISABLED")


@lab.near_miss(
    "return-control",
    fails=("lambda-executor", "answers-order-status"),
    story=Text(en="“Return control” chosen instead of the Lambda function", ja="Lambda 関数ではなく「コントロールを返す」を選択"),
)
def return_control(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, executor="return-control")


@lab.near_miss(
    "not-prepared",
    fails=("agent-prepared", "answers-order-status"),
    story=Text(en="everything saved, but the agent not prepared", ja="すべて保存したが、エージェントを準備していない"),
)
def not_prepared(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, prepare=False)


@lab.near_miss(
    "function-without-parameter",
    fails=("function-definition", "answers-order-status"),
    story=Text(en="get_order_status defined without the order_id parameter",
               ja="get_order_status をパラメータ order_id なしで定義"),
)
def without_parameter(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, schema={"functions": [{"name": FUNCTION, "description": "The status of an order"}]})


# -- teardown ----------------------------------------------------------------------------------


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the agents, function and roles tagged by this lab."""
    delete_agents(aws, lab.id)
    provision.delete_function(aws, lab.id, FUNCTION_NAME)
    for role in (AGENT_ROLE, FUNCTION_ROLE):
        provision.delete_role(aws, lab.id, role)
