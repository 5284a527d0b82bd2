"""Amazon Bedrock multi-agent collaboration: a supervisor agent hands flight questions to a collaborator agent."""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError

from mcredlab.kit import Aws, Context, Finding, Lab, Text, awslambda, bedrock, clip, failed, iam, or_none, passed

lab = Lab(
    id="bedrock-multi-agent",
    track="agentic-ai",
    services=("bedrock-agent", "bedrock-agent-runtime", "lambda", "iam"),
    flows=(("user", "bedrock-agent"), ("bedrock-agent", "bedrock-agent"), ("bedrock-agent", "lambda")),
    certs=("AIF",),
    minutes=20,
    title=Text(
        en="Build a multi-agent team with Amazon Bedrock Agents (supervisor and collaborator)",
        ja="Amazon Bedrock Agents でマルチエージェントを構成する（スーパーバイザーとコラボレーター）",
    ),
    task=Text(
        en=(
            "A travel company has two agents: the supervisor **{supervisor_name}** (ID `{supervisor_id}`), which talks "
            "to customers, and the flight specialist **{collaborator_name}** (ID `{collaborator_id}`), which already "
            "answers flight questions through its action group. Make them work as a team:\n\n"
            "1. Give **{collaborator_name}** an alias (for example `live`). A supervisor calls a collaborator through "
            "an alias that points to a version, never through the agent itself.\n"
            "2. Turn on multi-agent collaboration for **{supervisor_name}** with the role *Supervisor* (or *Supervisor "
            "with routing*).\n"
            "3. Add **{collaborator_name}** as a collaborator of **{supervisor_name}** through that alias, with the "
            "collaborator name `flight-specialist` and a collaboration instruction saying when to use it (for flight "
            "questions).\n"
            "4. Prepare **{supervisor_name}**.\n\n"
            "Tip: ask the supervisor's test alias `TSTALIASID` “{question}” with `invoke_agent` of "
            "`bedrock-agent-runtime`: the answer should come from the flight specialist."
        ),
        ja=(
            "ある旅行会社には 2 つのエージェントがあります。顧客と対話するスーパーバイザー **{supervisor_name}**"
            "（ID `{supervisor_id}`）と、アクショングループを使ってフライトに関する質問にすでに回答できるフライト専門の"
            "エージェント **{collaborator_name}**（ID `{collaborator_id}`）です。これらをチームとして動作させてください。\n\n"
            "1. **{collaborator_name}** のエイリアス（例: `live`）を作成します。スーパーバイザーはコラボレーターを"
            "エージェントそのものではなく、バージョンを指すエイリアスを通じて呼び出します。\n"
            "2. **{supervisor_name}** でマルチエージェントコラボレーションを有効にし、ロールを「スーパーバイザー」"
            "（または「ルーティング付きスーパーバイザー」）にします。\n"
            "3. そのエイリアスを使って **{collaborator_name}** を **{supervisor_name}** のコラボレーターとして追加します。"
            "コラボレーター名は `flight-specialist` とし、コラボレーターを使う場面（フライトに関する質問）を"
            "コラボレーションの指示に記述します。\n"
            "4. **{supervisor_name}** を準備します。\n\n"
            "ヒント: `bedrock-agent-runtime` の `invoke_agent` でスーパーバイザーのテストエイリアス `TSTALIASID` に"
            "“{question_ja}”（英語では“{question}”）と質問すると、フライト専門のエージェントからの回答が返るはずです。"
        ),
    ),
)

SUPERVISOR_NAME = "mcredlab-travel-supervisor"
COLLABORATOR_NAME = "mcredlab-flight-agent"
FUNCTION_NAME = "mcredlab-flight-status"
AGENT_ROLE = "AmazonBedrockExecutionRoleForAgents_mcredlab_travel"
FUNCTION_ROLE = "mcredlab-flight-status-role"
MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
SUPERVISOR_INSTRUCTION = (
    "You are the travel assistant of a travel company. Greet customers, understand what they need and hand "
    "specialised questions to the right collaborator agent."
)
COLLABORATOR_INSTRUCTION = (
    "You are a flight specialist. Answer questions about flight status, delays, departure times and gates by "
    "looking the flight up with get_flight_status."
)
COLLABORATOR_LABEL = "flight-specialist"
QUESTION = "Is my flight on time? Please check flight_number=MC101 with get_flight_status"
QUESTION_JA = "フライトは定刻どおりですか？ get_flight_status で flight_number=MC101 を確認してください"
ABOUT_FLIGHTS = re.compile(r"flight|plane|airline|フライト|航空|飛行機|便名", re.IGNORECASE)
SUPERVISING = ("SUPERVISOR", "SUPERVISOR_ROUTER")
HANDLER = '''FLIGHTS = {
    "MC101": "ON_TIME, departing 10:30 from gate 12",
    "MC202": "DELAYED by 45 minutes, now departing 14:15 from gate 3",
}


def handler(event, context):
    """Answer an Amazon Bedrock agent's get_flight_status call."""
    params = {p["name"]: p["value"] for p in event.get("parameters") or []}
    flight = "".join(ch for ch in str(params.get("flight_number", "")) if ch.isalnum()).upper()
    status = FLIGHTS.get(flight, "UNKNOWN: no flight with that number today")
    return {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": event["actionGroup"],
            "function": event.get("function", "get_flight_status"),
            "functionResponse": {"responseBody": {"TEXT": {"body": f"Flight {flight} is {status}."}}},
        },
    }
'''
BEDROCK_TRUST = iam.trust_policy("bedrock.amazonaws.com")
LAMBDA_TRUST = iam.trust_policy("lambda.amazonaws.com")
AGENT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "arn:aws:bedrock:*::foundation-model/*"},
        {"Effect": "Allow", "Action": ["bedrock:GetAgentAlias", "bedrock:InvokeAgent"], "Resource": "*"},
    ],
}
FLIGHT_FUNCTIONS = {"functions": [{
    "name": "get_flight_status",
    "description": "The status, departure time and gate of one flight today",
    "parameters": {"flight_number": {"type": "string", "description": "Flight number, e.g. MC101", "required": True}},
}]}


# -- setup -------------------------------------------------------------------------------------


def _agent_role(aws: Aws) -> str:
    return iam.ensure_role(aws, lab.id, AGENT_ROLE, BEDROCK_TRUST, inline={"agents": AGENT_POLICY})


def _agent_id(aws: Aws, name: str, role: str, instruction: str, description: str,
              extra: Any = None) -> str:
    """The agent called ``name``; created and prepared (after ``extra(agent)``) only if it does not exist."""
    return bedrock.ensure_agent(aws, lab.id, name, role_arn=role, model=MODEL, instruction=instruction,
                        description=description, before_prepare=extra)


@lab.setup
def setup(aws: Aws) -> Context:
    """Both agents, prepared: the collaborator with its flight-status action group and function, no alias yet."""
    role = _agent_role(aws)
    function_role = iam.ensure_role(aws, lab.id, FUNCTION_ROLE, LAMBDA_TRUST, managed=(iam.BASIC_EXECUTION,))
    function_arn = awslambda.ensure_function(aws, lab.id, FUNCTION_NAME, role_arn=function_role, source=HANDLER,
                                             description="Flight status for the flight specialist agent")
    agents, lam = aws.client("bedrock-agent"), aws.client("lambda")

    def flight_actions(agent: dict[str, Any]) -> None:
        agents.create_agent_action_group(
            agentId=agent["agentId"], agentVersion="DRAFT", actionGroupName="flight-status",
            description="Looks flights up", actionGroupExecutor={"lambda": function_arn}, functionSchema=FLIGHT_FUNCTIONS,
        )
        lam.add_permission(FunctionName=FUNCTION_NAME, StatementId=f"bedrock-{agent['agentId']}",
                           Action="lambda:InvokeFunction", Principal="bedrock.amazonaws.com",
                           SourceArn=agent["agentArn"], SourceAccount=aws.account_id)

    collaborator = _agent_id(aws, COLLABORATOR_NAME, role, COLLABORATOR_INSTRUCTION,
                             "Answers questions about flights", flight_actions)
    supervisor = _agent_id(aws, SUPERVISOR_NAME, role, SUPERVISOR_INSTRUCTION, "Talks to the travel company's customers")
    return {"supervisor_name": SUPERVISOR_NAME, "supervisor_id": supervisor, "collaborator_name": COLLABORATOR_NAME,
            "collaborator_id": collaborator, "collaborator_label": COLLABORATOR_LABEL, "question": QUESTION,
            "question_ja": QUESTION_JA}


# -- what the checks read ----------------------------------------------------------------------


def _aliases(aws: Aws, agent_id: str) -> list[dict[str, Any]]:
    """The collaborator's own aliases (not the test alias)."""
    listed = or_none(aws.client("bedrock-agent").list_agent_aliases, agentId=agent_id)
    return [dict(a) for a in (listed or {}).get("agentAliasSummaries", []) if a["agentAliasId"] != bedrock.TEST_ALIAS]


def _alias_parts(arn: str) -> tuple[str, str] | None:
    """(agent id, alias id) of an agent alias ARN."""
    tail = arn.split(":agent-alias/", 1)
    if len(tail) != 2 or tail[1].count("/") != 1:
        return None
    agent_id, alias_id = tail[1].split("/")
    return agent_id, alias_id


def _collaborators(aws: Aws, ctx: Context) -> list[dict[str, Any]]:
    listed = or_none(aws.client("bedrock-agent").list_agent_collaborators, agentId=ctx["supervisor_id"],
                     agentVersion="DRAFT")
    return [dict(c) for c in (listed or {}).get("agentCollaboratorSummaries", [])]


def _agent_name(aws: Aws, agent_id: str) -> str:
    agent = bedrock.get_agent(aws, agent_id)
    return str(agent["agentName"]) if agent else agent_id


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "collaborator-alias",
    expected=Text(en="an alias of {collaborator_name} that points to a version",
                  ja="バージョンを指す {collaborator_name} のエイリアス"),
    looked_at=Text(en="the aliases of agent {collaborator_name}", ja="エージェント {collaborator_name} のエイリアス"),
    hint=Text(
        en="Agents > {collaborator_name} > Aliases > Create, name it `live` and let it create a new version (the "
        "agent is already prepared). The test alias TSTALIASID does not count: it runs the working draft. CLI: "
        "`aws bedrock-agent create-agent-alias --agent-id {collaborator_id} --agent-alias-name live`.",
        ja="「エージェント」> {collaborator_name} >「エイリアス」>「作成」で名前を `live` にし、新しいバージョンを作成させます"
        "（エージェントはすでに準備済みです）。テストエイリアス TSTALIASID は作業中のドラフトを実行するので対象外です。"
        "CLI では `aws bedrock-agent create-agent-alias --agent-id {collaborator_id} --agent-alias-name live` を実行します。",
    ),
)
def collaborator_alias(aws: Aws, ctx: Context) -> Finding:
    if bedrock.get_agent(aws, ctx["collaborator_id"]) is None:
        return bedrock.agent_gone(ctx["collaborator_name"])
    aliases = _aliases(aws, ctx["collaborator_id"])
    if not aliases:
        return failed("only the test alias TSTALIASID", "テストエイリアス TSTALIASID しかありません")
    for alias in aliases:
        routes = alias.get("routingConfiguration") or []
        version = str(routes[0].get("agentVersion")) if routes else ""
        if version.isdigit():
            return passed(f"alias {alias['agentAliasName']} ({alias['agentAliasId']}) on version {version}",
                          f"バージョン {version} を指すエイリアス “{alias['agentAliasName']}”（{alias['agentAliasId']}）")
    names = ", ".join(a["agentAliasName"] for a in aliases)
    return failed(f"aliases {names}, none pointing to a version", f"エイリアス {names} はどれもバージョンを指していません")


@lab.criterion(
    "supervisor-mode",
    expected=Text(en="multi-agent collaboration on {supervisor_name} as SUPERVISOR or SUPERVISOR_ROUTER",
                  ja="{supervisor_name} のマルチエージェントコラボレーションが SUPERVISOR または SUPERVISOR_ROUTER"),
    looked_at=Text(en="the agentCollaboration of agent {supervisor_name} (working draft)",
                   ja="エージェント {supervisor_name}（作業中のドラフト）の agentCollaboration"),
    hint=Text(
        en="Edit {supervisor_name} in Agent builder > Multi-agent collaboration: turn it on and choose the "
        "collaboration role Supervisor. With the API: UpdateAgent with agentCollaboration=SUPERVISOR.",
        ja="エージェントビルダーで {supervisor_name} を編集し、「マルチエージェントコラボレーション」を有効にして"
        "コラボレーションのロールに「スーパーバイザー」を選びます。API では UpdateAgent で agentCollaboration=SUPERVISOR を"
        "指定します。",
    ),
)
def supervisor_mode(aws: Aws, ctx: Context) -> Finding:
    agent = bedrock.get_agent(aws, ctx["supervisor_id"])
    if agent is None:
        return bedrock.agent_gone(ctx["supervisor_name"])
    mode = str(agent.get("agentCollaboration") or "DISABLED")
    if mode in SUPERVISING:
        return passed(f"agentCollaboration {mode}", f"agentCollaboration は {mode}")
    return failed(f"agentCollaboration {mode}", f"agentCollaboration が {mode} です")


def _ours(aws: Aws, ctx: Context) -> tuple[dict[str, Any] | None, str, Finding | None]:
    """(the supervisor's collaborator that calls {collaborator_name} through one of its aliases, that alias's
    name; or why there is none)."""
    collaborators = _collaborators(aws, ctx)
    if not collaborators:
        return None, "", failed(f"{ctx['supervisor_name']} has no collaborators",
                                f"{ctx['supervisor_name']} にコラボレーターがいません")
    others, problem = [], None
    names = {a["agentAliasId"]: a["agentAliasName"] for a in _aliases(aws, ctx["collaborator_id"])}
    for collaborator in collaborators:
        arn = str((collaborator.get("agentDescriptor") or {}).get("aliasArn") or "")
        parts = _alias_parts(arn)
        label = collaborator["collaboratorName"]
        if parts is None or parts[0] != ctx["collaborator_id"]:
            others.append(f"{label} → {_agent_name(aws, parts[0]) if parts else arn}")
            continue
        alias_id = parts[1]
        if alias_id == bedrock.TEST_ALIAS:
            problem = failed(f"{label} calls the test alias TSTALIASID, which runs the working draft",
                             f"{label} は作業中のドラフトを実行するテストエイリアス TSTALIASID を呼び出します")
        elif alias_id not in names:
            problem = failed(f"{label} names the alias {alias_id}, which does not exist",
                             f"{label} が存在しないエイリアス {alias_id} を指定しています")
        else:
            return collaborator, names[alias_id], None
    if problem is not None:
        return None, "", problem
    listing = ", ".join(others)
    return None, "", failed(f"collaborators that call other agents only: {listing}",
                            f"コラボレーターはどれも別のエージェントを呼び出します: {listing}")


@lab.criterion(
    "collaborator-associated",
    expected=Text(en="{collaborator_name} is a collaborator of {supervisor_name}, through one of its aliases",
                  ja="{collaborator_name} がそのエイリアスを通じて {supervisor_name} のコラボレーターになっている"),
    looked_at=Text(en="the collaborators of {supervisor_name} (working draft)",
                   ja="{supervisor_name}（作業中のドラフト）のコラボレーター"),
    hint=Text(
        en="In Agent builder of {supervisor_name}, under Agent collaborators choose Add: pick {collaborator_name} and "
        "its alias (not the test alias). With the API: AssociateAgentCollaborator with agentDescriptor.aliasArn, the "
        "ARN of the alias.",
        ja="{supervisor_name} のエージェントビルダーで「エージェントコラボレーター」の「追加」を選び、{collaborator_name} と"
        "そのエイリアス（テストエイリアスではないもの）を選択します。API では agentDescriptor.aliasArn にエイリアスの ARN を"
        "指定して AssociateAgentCollaborator を呼び出します。",
    ),
    requires=("collaborator-alias", "supervisor-mode"),
)
def collaborator_associated(aws: Aws, ctx: Context) -> Finding:
    collaborator, alias, problem = _ours(aws, ctx)
    if problem is not None or collaborator is None:
        return problem or failed("no collaborator", "コラボレーターがいません")
    alias_id = str(collaborator["agentDescriptor"]["aliasArn"]).rsplit("/", 1)[-1]
    return passed(f"collaborator {collaborator['collaboratorName']} through alias {alias} ({alias_id})",
                  f"エイリアス “{alias}”（{alias_id}）を通じたコラボレーター {collaborator['collaboratorName']}")


@lab.criterion(
    "collaborator-name",
    expected=Text(en="the collaborator name {collaborator_label}", ja="コラボレーター名が {collaborator_label}"),
    looked_at=Text(en="the name of the collaborator of {supervisor_name} that calls {collaborator_name}",
                   ja="{collaborator_name} を呼び出す {supervisor_name} のコラボレーターの名前"),
    hint=Text(
        en="Edit the collaborator in Agent builder of {supervisor_name} and set Collaborator name to exactly "
        "{collaborator_label} (with the API: UpdateAgentCollaborator, or disassociate and associate again), then "
        "prepare {supervisor_name}.",
        ja="{supervisor_name} のエージェントビルダーでコラボレーターを編集し、「コラボレーター名」を正確に "
        "{collaborator_label} にします（API では UpdateAgentCollaborator を使うか、関連付けを解除してから関連付け直します）。"
        "その後、{supervisor_name} を準備します。",
    ),
    requires="collaborator-associated",
)
def collaborator_name(aws: Aws, ctx: Context) -> Finding:
    collaborator, _, problem = _ours(aws, ctx)
    if problem is not None or collaborator is None:
        return problem or failed("no collaborator", "コラボレーターがいません")
    name = str(collaborator["collaboratorName"])
    if name == ctx["collaborator_label"]:
        return passed(f"collaborator name {name}", f"コラボレーター名 {name}")
    return failed(f"the collaborator name {name}, not {ctx['collaborator_label']}",
                  f"コラボレーター名が {ctx['collaborator_label']} ではなく {name} です")


@lab.criterion(
    "collaboration-instruction",
    expected=Text(en="a collaboration instruction saying to use the collaborator for flight questions",
                  ja="フライトに関する質問にコラボレーターを使うことを記述したコラボレーションの指示"),
    looked_at=Text(en="the collaboration instruction of the collaborator of {supervisor_name} that calls "
                   "{collaborator_name}",
                   ja="{collaborator_name} を呼び出す {supervisor_name} のコラボレーターのコラボレーションの指示"),
    hint=Text(
        en="Edit the collaborator and write when the supervisor should hand a question to it, e.g. “Use this agent "
        "for questions about flights: status, delays, departure times and gates.” Then prepare {supervisor_name}.",
        ja="コラボレーターを編集し、スーパーバイザーが質問を引き継ぐ場面を記述します（例: 「フライトの状況、遅延、出発時刻、"
        "搭乗ゲートに関する質問にはこのエージェントを使用してください。」）。その後、{supervisor_name} を準備します。",
    ),
    requires="collaborator-associated",
)
def collaboration_instruction(aws: Aws, ctx: Context) -> Finding:
    collaborator, _, problem = _ours(aws, ctx)
    if problem is not None or collaborator is None:
        return problem or failed("no collaborator", "コラボレーターがいません")
    instruction = " ".join(str(collaborator.get("collaborationInstruction") or "").split())
    if not instruction:
        return failed("no collaboration instruction", "コラボレーションの指示がありません")
    if not ABOUT_FLIGHTS.search(instruction):
        return failed(f"“{clip(instruction)}”, which does not say it is for flight questions",
                      f"“{clip(instruction)}”で、フライトに関する質問に使うことが書かれていません")
    return passed(f"“{clip(instruction)}”", f"“{clip(instruction)}”")


@lab.criterion(
    "supervisor-prepared",
    expected=Text(en="{supervisor_name} prepared after its last change (status PREPARED)",
                  ja="最後の変更の後に {supervisor_name} が準備されている（ステータス PREPARED）"),
    looked_at=Text(en="the status, preparedAt and updatedAt of agent {supervisor_name}",
                   ja="エージェント {supervisor_name} のステータスと日時（preparedAt、updatedAt）"),
    hint=Text(
        en="Press Prepare on {supervisor_name} after adding the collaborator (`aws bedrock-agent prepare-agent "
        "--agent-id {supervisor_id}`). A supervisor without collaborators cannot be prepared, so associate first.",
        ja="コラボレーターを追加した後に {supervisor_name} で「準備」を押します（`aws bedrock-agent prepare-agent "
        "--agent-id {supervisor_id}`）。コラボレーターのいないスーパーバイザーは準備できないので、先に関連付けてください。",
    ),
    requires="collaborator-associated",
)
def supervisor_prepared(aws: Aws, ctx: Context) -> Finding:
    agent = bedrock.get_agent(aws, ctx["supervisor_id"])
    if agent is None:
        return bedrock.agent_gone(ctx["supervisor_name"])
    return bedrock.prepared_finding(agent)


@lab.criterion(
    "routes-to-collaborator",
    expected=Text(en="the flight specialist's status of flight MC101 as the supervisor's answer to “{question}”",
                  ja="“{question}”に対するスーパーバイザーの回答が、フライト専門エージェントから得た MC101 便の状況である"),
    looked_at=Text(en="what the test alias TSTALIASID of {supervisor_name} answers (InvokeAgent)",
                   ja="{supervisor_name} のテストエイリアス TSTALIASID の回答（InvokeAgent）"),
    hint=Text(
        en="Try it in the supervisor's Test pane with the trace shown, or with invoke_agent(agentId='{supervisor_id}', "
        "agentAliasId='TSTALIASID', sessionId='s1', inputText='{question}', enableTrace=True): the trace shows the "
        "hand-over to the collaborator. The test alias runs the supervisor as last prepared.",
        ja="スーパーバイザーの「テスト」ペインでトレースを表示して試すか、invoke_agent(agentId='{supervisor_id}', "
        "agentAliasId='TSTALIASID', sessionId='s1', inputText='{question}', enableTrace=True) で試せます。"
        "トレースにはコラボレーターへの引き継ぎが表示されます。テストエイリアスは最後に準備した時点のスーパーバイザーを実行します。"
        "日本語では inputText='{question_ja}' と質問できます。",
    ),
    requires=("collaborator-associated", "supervisor-prepared"),
)
def routes_to_collaborator(aws: Aws, ctx: Context) -> Finding:
    answer, what = bedrock.ask(aws, ctx["supervisor_id"], ctx["question"], bedrock.TEST_ALIAS)
    sent = f"InvokeAgent({ctx['supervisor_name']}, TSTALIASID, “{ctx['question']}”)"
    if answer is None:
        return failed(f"{sent} failed: {clip(what)}", f"{sent} が失敗しました: “{clip(what)}”")
    if "MC101" in answer and "ON_TIME" in answer:
        return passed(f"{sent} answered “{clip(answer)}”", f"{sent} は“{clip(answer)}”を返しました")
    return failed(f"{sent} answered “{clip(answer)}”, without the flight's status",
                  f"{sent} はフライトの状況を含まない“{clip(answer)}”を返しました")


# -- reference solution, other valid ways, near misses -----------------------------------------


def make_alias(aws: Aws, agent_id: str, name: str = "live") -> str:
    """A new alias of a prepared agent (a new version behind it); its ARN."""
    return str(aws.client("bedrock-agent").create_agent_alias(
        agentId=agent_id, agentAliasName=name, description="What the supervisor calls",
    )["agentAlias"]["agentAliasArn"])


def supervise(aws: Aws, ctx: Context, *, mode: str = "SUPERVISOR") -> None:
    """UpdateAgent of the supervisor with ``mode``, keeping its other settings."""
    agents = aws.client("bedrock-agent")
    agent = agents.get_agent(agentId=ctx["supervisor_id"])["agent"]
    agents.update_agent(agentId=ctx["supervisor_id"], agentName=agent["agentName"],
                        agentResourceRoleArn=agent["agentResourceRoleArn"], foundationModel=agent["foundationModel"],
                        instruction=agent["instruction"], description=agent.get("description", ""),
                        agentCollaboration=mode)


INSTRUCTION = "Use this agent for every question about flights: status, delays, departure times and gates."


def collaborate(aws: Aws, ctx: Context, alias_arn: str, *, name: str = COLLABORATOR_LABEL,
                instruction: str = INSTRUCTION) -> None:
    aws.client("bedrock-agent").associate_agent_collaborator(
        agentId=ctx["supervisor_id"], agentVersion="DRAFT", agentDescriptor={"aliasArn": alias_arn},
        collaboratorName=name, collaborationInstruction=instruction, relayConversationHistory="TO_COLLABORATOR",
    )


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    alias_arn = make_alias(aws, ctx["collaborator_id"])
    supervise(aws, ctx)
    collaborate(aws, ctx, alias_arn)
    aws.client("bedrock-agent").prepare_agent(agentId=ctx["supervisor_id"])


@lab.alternative(
    "aws-cli-router",
    story=Text(
        en="AWS CLI throughout, with the role Supervisor with routing (SUPERVISOR_ROUTER)",
        ja="すべて AWS CLI で実施し、ロールを「ルーティング付きスーパーバイザー」（SUPERVISOR_ROUTER）に設定",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    alias = json.loads(aws.cli("bedrock-agent", "create-agent-alias", "--agent-id", ctx["collaborator_id"],
                               "--agent-alias-name", "prod"))["agentAlias"]
    agent = json.loads(aws.cli("bedrock-agent", "get-agent", "--agent-id", ctx["supervisor_id"]))["agent"]
    aws.cli("bedrock-agent", "update-agent", "--agent-id", ctx["supervisor_id"], "--agent-name", agent["agentName"],
            "--agent-resource-role-arn", agent["agentResourceRoleArn"], "--foundation-model", agent["foundationModel"],
            "--instruction", agent["instruction"], "--agent-collaboration", "SUPERVISOR_ROUTER")
    aws.cli("bedrock-agent", "associate-agent-collaborator", "--agent-id", ctx["supervisor_id"],
            "--agent-version", "DRAFT", "--agent-descriptor", f"aliasArn={alias['agentAliasArn']}",
            "--collaborator-name", COLLABORATOR_LABEL,
            "--collaboration-instruction", "Route flight status questions here.")
    aws.cli("bedrock-agent", "prepare-agent", "--agent-id", ctx["supervisor_id"])


@lab.near_miss(
    "supervisor-not-prepared",
    fails=("supervisor-prepared", "routes-to-collaborator"),
    story=Text(en="alias, supervisor role and collaborator saved, but the supervisor not prepared",
               ja="エイリアス、スーパーバイザーのロール、コラボレーターを保存したが、スーパーバイザーを準備していない"),
)
def not_prepared(aws: Aws, ctx: Context) -> None:
    alias_arn = make_alias(aws, ctx["collaborator_id"])
    supervise(aws, ctx)
    collaborate(aws, ctx, alias_arn)


@lab.near_miss(
    "supervisor-without-collaborator",
    fails=("collaborator-associated", "supervisor-prepared", "routes-to-collaborator"),
    story=Text(en="alias created and the supervisor role set, but the collaborator never added (so preparing fails)",
               ja="エイリアスを作成してスーパーバイザーのロールを設定したが、コラボレーターを追加していない（そのため準備できない）"),
)
def without_collaborator(aws: Aws, ctx: Context) -> None:
    make_alias(aws, ctx["collaborator_id"])
    supervise(aws, ctx)
    try:
        aws.client("bedrock-agent").prepare_agent(agentId=ctx["supervisor_id"])
    except ClientError as error:  # AWS refuses to prepare a supervisor without collaborators
        if error.response["Error"]["Code"] != "ValidationException":
            raise


@lab.near_miss(
    "another-agents-alias",
    fails=("collaborator-associated", "routes-to-collaborator"),
    story=Text(en="the alias of a hotel agent added as the collaborator instead of the flight agent's",
               ja="フライト専門のエージェントではなく、ホテル担当エージェントのエイリアスをコラボレーターとして追加"),
)
def another_agents_alias(aws: Aws, ctx: Context) -> None:
    make_alias(aws, ctx["collaborator_id"])
    role = _agent_role(aws)
    hotel = _agent_id(aws, "mcredlab-hotel-agent", role, "You are a hotel specialist. Answer questions about hotel "
                      "rooms, prices and availability.", "Answers questions about hotels")
    supervise(aws, ctx)
    collaborate(aws, ctx, make_alias(aws, hotel))
    aws.client("bedrock-agent").prepare_agent(agentId=ctx["supervisor_id"])


@lab.near_miss(
    "collaboration-switched-off",
    fails=("supervisor-mode", "supervisor-prepared"),
    story=Text(en="everything done and prepared, then multi-agent collaboration turned off again",
               ja="すべて設定して準備した後で、マルチエージェントコラボレーションを再びオフにした"),
)
def switched_off(aws: Aws, ctx: Context) -> None:
    solve(aws, ctx)
    supervise(aws, ctx, mode="DISABLED")


@lab.near_miss(
    "no-collaborator-alias",
    fails="collaborator-alias",
    story=Text(en="the supervisor role set, but no alias of the flight agent created (so it cannot be added)",
               ja="スーパーバイザーのロールを設定したが、フライト専門のエージェントのエイリアスを作成していない（そのため追加できない）"),
)
def no_alias(aws: Aws, ctx: Context) -> None:
    supervise(aws, ctx)


def _solve_with(aws: Aws, ctx: Context, **collaborator: str) -> None:
    alias_arn = make_alias(aws, ctx["collaborator_id"])
    supervise(aws, ctx)
    collaborate(aws, ctx, alias_arn, **collaborator)
    aws.client("bedrock-agent").prepare_agent(agentId=ctx["supervisor_id"])


@lab.near_miss(
    "collaborator-named-differently",
    fails="collaborator-name",
    story=Text(en="the collaborator added under the name FlightAgent instead of flight-specialist",
               ja="コラボレーターを flight-specialist ではなく FlightAgent という名前で追加"),
)
def named_differently(aws: Aws, ctx: Context) -> None:
    _solve_with(aws, ctx, name="FlightAgent")


@lab.near_miss(
    "instruction-not-about-flights",
    fails="collaboration-instruction",
    story=Text(en="a collaboration instruction that does not say when to use the collaborator",
               ja="コラボレーターを使う場面が書かれていないコラボレーションの指示"),
)
def vague_instruction(aws: Aws, ctx: Context) -> None:
    _solve_with(aws, ctx, instruction="Use this agent when it can help the customer.")


# -- teardown ----------------------------------------------------------------------------------


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the agents, function and roles tagged by this lab."""
    bedrock.delete_agents(aws, lab.id)
    awslambda.delete_function(aws, lab.id, FUNCTION_NAME)
    for role in (AGENT_ROLE, FUNCTION_ROLE):
        iam.delete_role(aws, lab.id, role)
