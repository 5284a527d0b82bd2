"""An Amazon Bedrock agent's action group: a Lambda function the agent calls, allowed to be invoked by Bedrock."""

from __future__ import annotations

import json
from typing import Any

from mcredlab.kit import (
    Aws, Context, Finding, Lab, Text, awslambda, bedrock, clip, failed, iam, or_none, passed, policy,
)

lab = Lab(
    id="bedrock-agent-action-group",
    track="agentic-ai",
    services=("bedrock-agent", "lambda", "bedrock-agent-runtime", "iam"),
    flows=(("user", "bedrock-agent"), ("bedrock-agent", "lambda")),
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
            "`TSTALIASID` に“{question_ja}”（英語では“{question}”）と質問すると、関数からの回答が返るはずです。"
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
QUESTION_JA = "get_order_status で order_id=1001 の注文を調べてください。注文は今どこにありますか？"
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
BEDROCK_TRUST = iam.trust_policy("bedrock.amazonaws.com")
LAMBDA_TRUST = iam.trust_policy("lambda.amazonaws.com")
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
    agent_role = iam.ensure_role(aws, lab.id, AGENT_ROLE, BEDROCK_TRUST, inline={"invoke-models": MODEL_POLICY})
    function_role = iam.ensure_role(aws, lab.id, FUNCTION_ROLE, LAMBDA_TRUST, managed=(iam.BASIC_EXECUTION,))
    awslambda.ensure_function(aws, lab.id, FUNCTION_NAME, role_arn=function_role, source=HANDLER,
                              description="Looks up the status of an order for the order agent")
    agent_id = bedrock.ensure_agent(aws, lab.id, AGENT_NAME, role_arn=agent_role, model=MODEL, instruction=INSTRUCTION,
                            description="Tells customers where their orders are")
    agents = aws.client("bedrock-agent")
    agent_arn = str(agents.get_agent(agentId=agent_id)["agent"]["agentArn"])
    return {"agent_name": AGENT_NAME, "agent_id": agent_id, "agent_arn": agent_arn, "function_name": FUNCTION_NAME,
            "action_group": ACTION_GROUP, "question": QUESTION, "question_ja": QUESTION_JA}


# -- what the checks read ----------------------------------------------------------------------


def _action_group(aws: Aws, ctx: Context) -> tuple[dict[str, Any] | None, list[str]]:
    """(the action group named as the task says, on the DRAFT; the names of all the draft's groups)."""
    agents = aws.client("bedrock-agent")
    listed = or_none(agents.list_agent_action_groups, agentId=ctx["agent_id"], agentVersion="DRAFT")
    if listed is None:
        return None, []
    summaries = listed["actionGroupSummaries"]
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
    return awslambda.function_arn(aws, ctx["function_name"])


def _unqualified(arn: str) -> str:
    """A function ARN without its version or alias (``...:function:name:$LATEST`` -> ``...:function:name``)."""
    parts = arn.split(":")
    return ":".join(parts[:7]) if len(parts) > 7 else arn


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "action-group",
    expected=Text(en="an action group named {action_group} on the agent's working draft",
                  ja="エージェントの作業中のドラフトに、{action_group} という名前のアクショングループがある"),
    looked_at=Text(en="the action groups of agent {agent_name} (DRAFT)", ja="エージェント {agent_name}（DRAFT）のアクショングループ"),
    hint=Text(
        en="Agents > {agent_name} > Edit in Agent builder > Action groups > Add, and name it exactly {action_group}. "
        "With the API: CreateAgentActionGroup with agentVersion DRAFT. A group cannot be renamed in place of "
        "another: add one with the right name (and delete the other).",
        ja="「エージェント」> {agent_name} >「エージェントビルダーで編集」>「アクショングループ」>「追加」を選び、"
        "名前を正確に {action_group} にします。API では agentVersion を DRAFT にして CreateAgentActionGroup を"
        "呼び出します。名前が違う場合は、正しい名前のアクショングループを追加します（もう一方は削除します）。",
    ),
)
def action_group(aws: Aws, ctx: Context) -> Finding:
    group, names = _action_group(aws, ctx)
    if group is None:
        return _no_group(names, ctx)
    return passed(f"{ctx['action_group']} ({group.get('actionGroupId')})", f"{ctx['action_group']}（{group.get('actionGroupId')}）")


@lab.criterion(
    "action-group-enabled",
    expected=Text(en="the action group {action_group} enabled", ja="アクショングループ {action_group} が有効になっている"),
    looked_at=Text(en="the state of action group {action_group}", ja="アクショングループ {action_group} の状態"),
    hint=Text(
        en="Edit the action group {action_group} and set its state to Enabled, then save and prepare the agent. A "
        "disabled action group is never called.",
        ja="アクショングループ {action_group} を編集して状態を「有効」にし、保存してからエージェントを準備します。"
        "無効なアクショングループは呼び出されません。",
    ),
    requires="action-group",
)
def action_group_enabled(aws: Aws, ctx: Context) -> Finding:
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
    requires="action-group",
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
    expected=Text(en="function details defining get_order_status with the required String parameter order_id",
                  ja="関数の詳細で、関数 get_order_status と必須の String パラメータ order_id が定義されている"),
    looked_at=Text(en="the function schema of {action_group}", ja="{action_group} の関数スキーマ"),
    hint=Text(
        en="Action group type “Define with function details”: add the function `get_order_status` and the parameter "
        "`order_id` of type String with Required set to True. An OpenAPI schema is the other action group type, not "
        "the one the task asks for.",
        ja="アクショングループのタイプで「関数の詳細で定義」を選び、関数 `get_order_status` と、タイプ String で"
        "「必須」を True にしたパラメータ `order_id` を追加します。OpenAPI スキーマはもう一方のアクショングループの"
        "タイプで、課題が指定するタイプではありません。",
    ),
    requires="action-group",
)
def function_definition(aws: Aws, ctx: Context) -> Finding:
    group, names = _action_group(aws, ctx)
    if group is None:
        return _no_group(names, ctx)
    schema = group.get("functionSchema") or {}
    if not schema:
        if group.get("apiSchema"):
            return failed("the action group is defined with an API schema (OpenAPI), not with function details",
                          "アクショングループは関数の詳細ではなく、API スキーマ（OpenAPI）で定義されています")
        return failed("the action group defines no functions", "アクショングループに関数が定義されていません")
    functions = {str(f.get("name")): f for f in schema.get("functions") or []}
    if FUNCTION not in functions:
        return failed(f"no function {FUNCTION} (functions: {', '.join(functions) or 'none'})",
                      f"関数 {FUNCTION} がありません（定義されている関数: {', '.join(functions) or 'なし'}）")
    parameters = functions[FUNCTION].get("parameters") or {}
    if PARAMETER not in parameters:
        return failed(f"{FUNCTION} has no parameter {PARAMETER} (parameters: {', '.join(parameters) or 'none'})",
                      f"{FUNCTION} にパラメータ {PARAMETER} がありません（パラメータ: {', '.join(parameters) or 'なし'}）")
    spec = parameters[PARAMETER] or {}
    kind = str(spec.get("type") or "")
    if kind.lower() != "string":
        return failed(f"{PARAMETER} has the type {kind or 'none'}, not String",
                      f"{PARAMETER} のタイプが String ではなく {f'“{kind}”' if kind else 'なし'} です")
    if not spec.get("required"):
        return failed(f"{PARAMETER} is optional: the agent may call {FUNCTION} without it",
                      f"{PARAMETER} が任意のため、エージェントがこれを指定せずに {FUNCTION} を呼び出す可能性があります")
    return passed(f"{FUNCTION}({PARAMETER}: String, required)", f"{FUNCTION}（{PARAMETER}: String、必須）")


@lab.criterion(
    "invoke-permission",
    expected=Text(en="Amazon Bedrock may invoke {function_name} for agent {agent_name} only (source ARN {agent_arn})",
                  ja="Amazon Bedrock が {function_name} を呼び出せるのはエージェント {agent_name} の場合だけ（送信元 ARN {agent_arn}）"),
    looked_at=Text(en="the resource-based policy of {function_name}", ja="{function_name} のリソースベースポリシー"),
    hint=Text(
        en="Lambda console > {function_name} > Configuration > Permissions > Resource-based policy statements > Add "
        "permissions > AWS service: Other, principal bedrock.amazonaws.com, source ARN {agent_arn}, action "
        "lambda:InvokeFunction. Or `aws lambda add-permission --function-name {function_name} --statement-id "
        "bedrock-agent --action lambda:InvokeFunction --principal bedrock.amazonaws.com --source-arn {agent_arn}`. "
        "A wildcard source ARN (agent/*) or only a source account lets every agent of the account invoke it.",
        ja="Lambda コンソールで {function_name} >「設定」>「アクセス権限」>「リソースベースのポリシーステートメント」>"
        "「アクセス権限を追加」を開き、AWS のサービスは「その他」、プリンシパルに bedrock.amazonaws.com、送信元 ARN に "
        "{agent_arn}、アクションに lambda:InvokeFunction を指定します。または `aws lambda add-permission "
        "--function-name {function_name} --statement-id bedrock-agent --action lambda:InvokeFunction --principal "
        "bedrock.amazonaws.com --source-arn {agent_arn}` を実行します。送信元 ARN にワイルドカード（agent/*）を使ったり、"
        "送信元アカウントだけで限定したりすると、アカウント内のどのエージェントからでも呼び出せてしまいます。",
    ),
)
def invoke_permission(aws: Aws, ctx: Context) -> Finding:
    document = awslambda.resource_policy(aws, ctx["function_name"])
    relevant = [s for s in policy.statements(document)
                if s.service("bedrock.amazonaws.com") and s.covers_action("lambda:InvokeFunction")]
    if not relevant:
        return failed("no statement lets bedrock.amazonaws.com invoke the function",
                      "bedrock.amazonaws.com に関数の呼び出しを許可するステートメントがありません")
    agent_arn, account = ctx["agent_arn"], aws.account_id
    limited, denied = False, False
    broad: list[tuple[str, str]] = []
    elsewhere: list[str] = []
    for statement in relevant:
        sources = policy.condition_values(statement.condition, "aws:SourceArn")
        accounts = policy.condition_values(statement.condition, "aws:SourceAccount")
        applies = (not sources or any(policy.matches(p, agent_arn) for p in sources)) and (not accounts or account in accounts)
        if statement.effect == "Deny":
            denied = denied or applies
        elif statement.effect != "Allow":
            continue
        elif not sources:
            scope = f" (only the source account {', '.join(accounts)})" if accounts else ""
            scope_ja = f"（送信元アカウント {', '.join(accounts)} のみ）" if accounts else ""
            broad.append((f"a statement without an aws:SourceArn condition{scope}",
                          f"aws:SourceArn 条件のないステートメント{scope_ja}"))
        elif any("*" in p or "?" in p for p in sources):
            listing = ", ".join(sources)
            broad.append((f"the wildcard source ARN {listing}", f"ワイルドカードの送信元 ARN {listing}"))
        elif applies and set(sources) == {agent_arn}:
            limited = True
        elif applies:
            listing = ", ".join(p for p in sources if p != agent_arn)
            broad.append((f"a statement for this agent and also {listing}", f"このエージェントに加えて {listing} も許可するステートメント"))
        else:
            elsewhere.extend(sources)
    if denied:
        return failed("a Deny statement stops bedrock.amazonaws.com for this agent",
                      "Deny ステートメントがこのエージェントからの bedrock.amazonaws.com の呼び出しを拒否しています")
    if broad:
        return failed(f"not limited to this agent: {'; '.join(b[0] for b in broad)} lets other agents invoke the function",
                      f"このエージェントに限定されていません。{'、'.join(b[1] for b in broad)}により、"
                      "他のエージェントからも関数を呼び出せます")
    if limited:
        return passed(f"bedrock.amazonaws.com may invoke the function for {agent_arn} only",
                      f"bedrock.amazonaws.com が関数を呼び出せるのは {agent_arn} の場合だけです")
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
    agent = bedrock.get_agent(aws, ctx["agent_id"])
    return bedrock.prepared_finding(agent) if agent is not None else bedrock.agent_gone(ctx["agent_name"])


@lab.criterion(
    "answers-order-status",
    expected=Text(en="the function's status of order 1001 (SHIPPED) as the answer to “{question}”",
                  ja="“{question}”への回答が、関数から得た注文 1001 の状況（SHIPPED）である"),
    looked_at=Text(en="what the test alias TSTALIASID of {agent_name} answers (InvokeAgent)",
                   ja="{agent_name} のテストエイリアス TSTALIASID の回答（InvokeAgent）"),
    hint=Text(
        en="Try it in the Test pane (show the trace) or with invoke_agent(agentId='{agent_id}', "
        "agentAliasId='TSTALIASID', sessionId='s1', inputText='{question}'). An access-denied error means Bedrock may "
        "not invoke the function; an answer without the order means the agent never called it (not prepared, action "
        "group disabled, or return of control).",
        ja="「テスト」ペイン（トレースを表示）または invoke_agent(agentId='{agent_id}', agentAliasId='TSTALIASID', "
        "sessionId='s1', inputText='{question_ja}')（英語では inputText='{question}'）で試せます。アクセス拒否のエラーは Bedrock が関数を呼び出せないことを、"
        "注文の状況を含まない回答はエージェントが関数を呼び出していない（未準備、アクショングループが無効、"
        "コントロールを返す設定）ことを示します。",
    ),
    requires=("action-group-enabled", "lambda-executor", "function-definition", "invoke-permission", "agent-prepared"),
)
def answers_order_status(aws: Aws, ctx: Context) -> Finding:
    answer, what = bedrock.ask(aws, ctx["agent_id"], ctx["question"], bedrock.TEST_ALIAS)
    sent = f"InvokeAgent(TSTALIASID, “{ctx['question']}”)"
    if answer is None and "returnControl" in what:
        return failed(f"{sent} returned control to the application (a returnControl event) instead of calling the "
                      "function", f"{sent} は関数を呼び出さず、アプリケーションにコントロールを返しました（returnControl イベント）")
    if answer is None:
        return failed(f"{sent} failed: {clip(what)}", f"{sent} が失敗しました: “{clip(what)}”")
    if "1001" in answer and "SHIPPED" in answer:
        return passed(f"{sent} answered “{clip(answer)}”", f"{sent} は“{clip(answer)}”を返しました")
    return failed(f"{sent} answered “{clip(answer)}”, without the order's status",
                  f"{sent} は注文の状況を含まない“{clip(answer)}”を返しました")


# -- reference solution, other valid ways, near misses -----------------------------------------


def build(
    aws: Aws,
    ctx: Context,
    *,
    executor: str = "lambda",
    state: str = "ENABLED",
    name: str | None = None,
    schema: dict[str, Any] | None = None,
    api_schema: dict[str, Any] | None = None,
    source_arn: str | None = "agent",
    permission: bool = True,
    prepare: bool = True,
) -> None:
    """The action group, the permission and the preparation; the keywords introduce the near misses' mistakes."""
    agents, lam = aws.client("bedrock-agent"), aws.client("lambda")
    function_arn = lam.get_function(FunctionName=ctx["function_name"])["Configuration"]["FunctionArn"]
    definition = ({"apiSchema": {"payload": json.dumps(api_schema)}} if api_schema
                  else {"functionSchema": schema or FUNCTION_SCHEMA})
    agents.create_agent_action_group(
        agentId=ctx["agent_id"], agentVersion="DRAFT", actionGroupName=name or ctx["action_group"],
        description="Looks up orders", actionGroupState=state,
        actionGroupExecutor={"lambda": function_arn} if executor == "lambda" else {"customControl": "RETURN_CONTROL"},
        **definition,
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
    "qualified-arn-more-functions",
    story=Text(
        en="the executor given as the function's $LATEST ARN, a second function in the schema, and the permission "
        "added twice: once for this agent, once for another agent named by its exact ARN",
        ja="呼び出し先に関数の $LATEST の ARN を指定し、スキーマに 2 つ目の関数を追加。許可はこのエージェント用と、"
        "ARN を正確に指定した別のエージェント用の 2 つ",
    ),
)
def with_more_functions(aws: Aws, ctx: Context) -> None:
    agents, lam = aws.client("bedrock-agent"), aws.client("lambda")
    function_arn = lam.get_function(FunctionName=ctx["function_name"])["Configuration"]["FunctionArn"]
    functions = [*FUNCTION_SCHEMA["functions"], {
        "name": "list_recent_orders", "description": "The customer's orders of the last 30 days",
        "parameters": {"customer_id": {"type": "string", "description": "The customer", "required": False}},
    }]
    agents.create_agent_action_group(
        agentId=ctx["agent_id"], agentVersion="DRAFT", actionGroupName=ctx["action_group"],
        actionGroupExecutor={"lambda": f"{function_arn}:$LATEST"}, functionSchema={"functions": functions},
    )
    other = f"arn:aws:bedrock:{aws.region}:{aws.account_id}:agent/ZYXWV98765"
    for statement, source in (("bedrock-order-agent", ctx["agent_arn"]), ("bedrock-returns-agent", other)):
        lam.add_permission(FunctionName=ctx["function_name"], StatementId=statement, Action="lambda:InvokeFunction",
                           Principal="bedrock.amazonaws.com", SourceArn=source)
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
    "permission-wildcard-agent",
    fails="invoke-permission",
    story=Text(en="the permission's source ARN is a wildcard for every agent of the account (agent/*)",
               ja="許可の送信元 ARN を、アカウント内のすべてのエージェントに一致するワイルドカード（agent/*）にした"),
)
def permission_wildcard(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, source_arn=f"arn:aws:bedrock:{aws.region}:{aws.account_id}:agent/*")


@lab.near_miss(
    "permission-without-source-arn",
    fails="invoke-permission",
    story=Text(en="the permission limited by the source account only, without the agent's ARN",
               ja="許可を送信元アカウントだけで限定し、エージェントの ARN を指定していない"),
)
def permission_without_source_arn(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, source_arn=None)


@lab.near_miss(
    "action-group-misnamed",
    fails="action-group",
    story=Text(en="the action group named OrderStatus instead of the name the task gives",
               ja="アクショングループの名前を、課題で指定された名前ではなく OrderStatus にした"),
)
def misnamed(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, name="OrderStatus")


@lab.near_miss(
    "openapi-schema",
    fails="function-definition",
    story=Text(en="an OpenAPI schema (GET /orders/{order_id}) instead of function details",
               ja="関数の詳細ではなく OpenAPI スキーマ（GET /orders/{order_id}）で定義"),
)
def with_openapi(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, api_schema=OPENAPI)


def _parameter(**spec: Any) -> dict[str, Any]:
    return {"functions": [{"name": FUNCTION, "description": "The status of one order",
                           "parameters": {PARAMETER: {"description": "The order number", **spec}}}]}


@lab.near_miss(
    "order-id-integer",
    fails="function-definition",
    story=Text(en="order_id declared as an Integer instead of a String", ja="order_id を String ではなく Integer で定義"),
)
def order_id_integer(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, schema=_parameter(type="integer", required=True))


@lab.near_miss(
    "order-id-optional",
    fails="function-definition",
    story=Text(en="order_id left optional (Required False)", ja="order_id を任意（「必須」が False）のままにした"),
)
def order_id_optional(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, schema=_parameter(type="string", required=False))


@lab.near_miss(
    "action-group-disabled",
    fails=("action-group-enabled", "answers-order-status"),
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
    bedrock.delete_agents(aws, lab.id)
    awslambda.delete_function(aws, lab.id, FUNCTION_NAME)
    for role in (AGENT_ROLE, FUNCTION_ROLE):
        iam.delete_role(aws, lab.id, role)
