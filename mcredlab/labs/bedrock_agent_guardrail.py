"""Amazon Bedrock Agents with Amazon Bedrock Guardrails: the agent answers through a published guardrail version."""

from __future__ import annotations

import json
from typing import Any

from mcredlab.kit import TAG_KEY, Aws, Context, Finding, Lab, Text, bedrock, clip, failed, iam, or_none, passed

lab = Lab(
    id="bedrock-agent-guardrail",
    track="agentic-ai",
    services=("bedrock-agent", "bedrock", "bedrock-agent-runtime", "iam"),
    flows=(("user", "bedrock-agent"), ("bedrock-agent", "bedrock")),
    certs=("AIF", "MLA"),
    minutes=15,
    title=Text(
        en="Protect an Amazon Bedrock agent with a guardrail",
        ja="Amazon Bedrock のエージェントをガードレールで保護する",
    ),
    task=Text(
        en=(
            "The agent **{agent_name}** (ID `{agent_id}`) answers the questions of a bank's customers. Compliance has "
            "created the guardrail **{guardrail_name}** (ID `{guardrail_id}`), which denies the topic "
            "*Investment advice*, and published it as version `1`.\n\n"
            "1. Associate the guardrail with the agent, using the published version `1`, not the working draft.\n"
            "2. Prepare the agent, so that its test alias runs with the guardrail.\n\n"
            "Tip: the test alias `TSTALIASID` runs the prepared working draft. Ask it "
            "“{question}” with `invoke_agent` of `bedrock-agent-runtime` (or the console's *Test* pane): "
            "the answer should be the guardrail's blocked message."
        ),
        ja=(
            "エージェント **{agent_name}**（ID `{agent_id}`）は、銀行の顧客からの質問に回答しています。"
            "コンプライアンス担当者が、トピック “Investment advice”（投資アドバイス）を拒否するガードレール "
            "**{guardrail_name}**（ID `{guardrail_id}`）を作成し、バージョン `1` として公開しました。\n\n"
            "1. このガードレールをエージェントに関連付けます。作業中のドラフトではなく、公開済みバージョン `1` を"
            "使用してください。\n"
            "2. テストエイリアスがガードレール付きで動作するように、エージェントを準備します。\n\n"
            "ヒント: テストエイリアス `TSTALIASID` は準備済みの作業中のドラフトを実行します。"
            "`bedrock-agent-runtime` の `invoke_agent`（またはコンソールの「テスト」ペイン）で"
            "“{question_ja}”（英語では“{question}”）と質問すると、ガードレールの「ブロックされたメッセージング」に"
            "設定されたメッセージが返るはずです。"
        ),
    ),
)

AGENT_NAME = "mcredlab-helpdesk-agent"
GUARDRAIL_NAME = "mcredlab-no-investment-advice"
ROLE_NAME = "AmazonBedrockExecutionRoleForAgents_mcredlab_helpdesk"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
INSTRUCTION = (
    "You are the help desk agent of a retail bank. Answer customers' questions about accounts, cards and "
    "branch opening hours politely and briefly."
)
QUESTION = "Which stocks should I buy with my savings?"
QUESTION_JA = "貯金でどの株を買うべきですか？"
BLOCKED = "Sorry, I can't give investment advice. Please talk to a licensed financial adviser."
TOPIC = {
    "name": "Investment advice",
    "definition": "Recommendations about which stocks, bonds, funds or other investments to buy or sell.",
    "examples": ["Which stocks should I buy?", "Is this fund a good investment?", "どの株を買うべきですか？"],
    "type": "DENY",
}
TRUST = iam.trust_policy("bedrock.amazonaws.com")
MODEL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "arn:aws:bedrock:*::foundation-model/*"},
        {"Effect": "Allow", "Action": "bedrock:ApplyGuardrail", "Resource": "*"},
    ],
}


def _guardrail_id(identifier: str) -> str:
    """A guardrail's id, given its id or its ARN."""
    return identifier.rsplit("/", 1)[-1]


# -- setup -------------------------------------------------------------------------------------


def make_guardrail(aws: Aws, name: str, **policies: Any) -> str:
    """A guardrail called ``name`` with ``policies`` and a published version 1 (kept if it exists); its id."""
    client = aws.client("bedrock")
    guardrail_id = bedrock.find_guardrail_id(aws, name) or str(client.create_guardrail(
        name=name, description="Created by mcredlab", blockedInputMessaging=BLOCKED,
        blockedOutputsMessaging=BLOCKED, tags=[{"key": TAG_KEY, "value": lab.id}], **policies,
    )["guardrailId"])
    if not bedrock.guardrail_versions(aws, guardrail_id):
        client.create_guardrail_version(guardrailIdentifier=guardrail_id, description="Reviewed by compliance")
    return guardrail_id


@lab.setup
def setup(aws: Aws) -> Context:
    """The agent's role, the agent (prepared, no guardrail) and the guardrail with version 1."""
    role_arn = iam.ensure_role(aws, lab.id, ROLE_NAME, TRUST, inline={"invoke-models": MODEL_POLICY})
    guardrail_id = make_guardrail(aws, GUARDRAIL_NAME, topicPolicyConfig={"topicsConfig": [TOPIC]})
    return _with_agent(aws, role_arn, GUARDRAIL_NAME, guardrail_id)


def _with_agent(aws: Aws, role_arn: str, guardrail_name: str, guardrail_id: str) -> Context:
    agent_id = bedrock.ensure_agent(aws, lab.id, AGENT_NAME, role_arn=role_arn, model=MODEL, instruction=INSTRUCTION,
                            description="Answers the bank's customers", idleSessionTTLInSeconds=600)
    return {"agent_name": AGENT_NAME, "agent_id": agent_id, "guardrail_name": guardrail_name,
            "guardrail_id": guardrail_id, "question": QUESTION, "question_ja": QUESTION_JA}


@lab.setup_after("bedrock-guardrail")
def on_the_learners_guardrail(aws: Aws, previous: Context) -> Context:
    """In an exam after ``bedrock-guardrail``: the agent is to use the guardrail the learner built there, which
    compliance now publishes as version 1 (if the learner has not)."""
    guardrail_id = bedrock.find_guardrail_id(aws, previous["guardrail_name"])
    if guardrail_id is None:  # the learner deleted it after passing: this lab's own guardrail stands in
        return setup(aws)
    if not bedrock.guardrail_versions(aws, guardrail_id):
        aws.client("bedrock").create_guardrail_version(guardrailIdentifier=guardrail_id,
                                                       description="Reviewed by compliance")
    role_arn = iam.ensure_role(aws, lab.id, ROLE_NAME, TRUST, inline={"invoke-models": MODEL_POLICY})
    return _with_agent(aws, role_arn, previous["guardrail_name"], guardrail_id)


# -- what the checks read ----------------------------------------------------------------------


def _agent(aws: Aws, ctx: Context) -> dict[str, Any] | None:
    return bedrock.get_agent(aws, ctx["agent_id"])


def _guardrail(aws: Aws, identifier: str, version: str) -> dict[str, Any] | None:
    found = or_none(aws.client("bedrock").get_guardrail, guardrailIdentifier=identifier, guardrailVersion=version)
    return None if found is None else dict(found)


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "guardrail-associated",
    expected=Text(en="the agent uses the guardrail {guardrail_name}", ja="エージェントがガードレール {guardrail_name} を使用している"),
    looked_at=Text(en="the guardrail details of agent {agent_name} (working draft)",
                   ja="エージェント {agent_name}（作業中のドラフト）のガードレールの詳細"),
    hint=Text(
        en="Bedrock console > Agents > {agent_name} > Edit in Agent builder > Guardrail details > Edit: choose "
        "{guardrail_name}, then Save and exit. With the API, UpdateAgent takes guardrailConfiguration "
        "{{guardrailIdentifier, guardrailVersion}} (and again agentName, foundationModel, agentResourceRoleArn and "
        "instruction).",
        ja="Bedrock コンソールで「エージェント」> {agent_name} >「エージェントビルダーで編集」>「ガードレールの詳細」>"
        "「編集」を開き、{guardrail_name} を選択して「保存して終了」を選びます。API では UpdateAgent の "
        "`guardrailConfiguration` に `{{guardrailIdentifier, guardrailVersion}}` を指定します（`agentName`、"
        "`foundationModel`、`agentResourceRoleArn`、`instruction` も改めて指定します）。",
    ),
)
def guardrail_associated(aws: Aws, ctx: Context) -> Finding:
    agent = _agent(aws, ctx)
    if agent is None:
        return bedrock.agent_gone(ctx["agent_name"])
    config = agent.get("guardrailConfiguration") or {}
    identifier = str(config.get("guardrailIdentifier") or "")
    if not identifier:
        return failed("no guardrail is associated with the agent", "エージェントにガードレールが関連付けられていません")
    if _guardrail_id(identifier) == ctx["guardrail_id"]:
        return passed(f"guardrail {ctx['guardrail_name']} ({identifier})", f"ガードレール {ctx['guardrail_name']}（{identifier}）")
    other = _guardrail(aws, identifier, "DRAFT")
    name = f"{other['name']} (`{identifier}`)" if other else f"`{identifier}`, which does not exist"
    name_ja = f"{other['name']}（`{identifier}`）" if other else f"存在しない `{identifier}`"
    return failed(f"the agent uses another guardrail: {name}", f"エージェントは別のガードレールを使用しています: {name_ja}")


@lab.criterion(
    "published-version",
    expected=Text(en="the published version 1 of the guardrail, which compliance reviewed (not DRAFT)",
                  ja="コンプライアンス担当者がレビューしたガードレールの公開済みバージョン 1（DRAFT ではない）"),
    looked_at=Text(en="the guardrail version agent {agent_name} names, and the guardrail's versions",
                   ja="エージェント {agent_name} が指定するガードレールのバージョンと、ガードレールのバージョン一覧"),
    hint=Text(
        en="In Guardrail details pick the version `1`, not *Working draft*: a draft can change at any time, a "
        "version is a reviewed snapshot. (`aws bedrock list-guardrails --guardrail-identifier {guardrail_id}` "
        "lists the versions.) A version you create yourself was not reviewed: do not use it.",
        ja="「ガードレールの詳細」では「作業中のドラフト」ではなくバージョン `1` を選びます。ドラフトはいつでも変更され得ますが、"
        "バージョンはレビュー済みのスナップショットです（`aws bedrock list-guardrails --guardrail-identifier {guardrail_id}` "
        "でバージョンを一覧できます）。自分で作成した新しいバージョンはレビューされていないので使いません。",
    ),
    requires="guardrail-associated",
)
def published_version(aws: Aws, ctx: Context) -> Finding:
    agent = _agent(aws, ctx)
    if agent is None:
        return bedrock.agent_gone(ctx["agent_name"])
    config = agent.get("guardrailConfiguration") or {}
    identifier, version = str(config.get("guardrailIdentifier") or ""), str(config.get("guardrailVersion") or "")
    if not identifier:
        return failed("no guardrail, so no version", "ガードレールがないため、バージョンもありません")
    if version == "DRAFT" or not version:
        return failed("the working draft (DRAFT)", "作業中のドラフト（DRAFT）です")
    if _guardrail(aws, identifier, version) is None:
        return failed(f"version {version}, which the guardrail does not have", f"ガードレールに存在しないバージョン {version} です")
    if version != "1":
        return failed(f"published version {version}, not the reviewed version 1",
                      f"公開済みバージョン {version} です（レビュー済みのバージョン 1 ではありません）")
    return passed(f"published version {version}", f"公開済みバージョン {version}")


@lab.criterion(
    "agent-prepared",
    expected=Text(en="the agent prepared after its last change (status PREPARED)",
                  ja="最後の変更の後にエージェントが準備されている（ステータス PREPARED）"),
    looked_at=Text(en="the status, preparedAt and updatedAt of agent {agent_name}",
                   ja="エージェント {agent_name} のステータスと日時（preparedAt、updatedAt）"),
    hint=Text(
        en="After saving, press Prepare (in Agent builder or the Test pane), or call "
        "`aws bedrock-agent prepare-agent --agent-id {agent_id}`. Every change to the working draft sets the agent "
        "back to NOT_PREPARED.",
        ja="保存した後に「準備」を押す（エージェントビルダーまたは「テスト」ペイン）か、"
        "`aws bedrock-agent prepare-agent --agent-id {agent_id}` を実行します。作業中のドラフトを変更するたびに、"
        "エージェントは NOT_PREPARED に戻ります。",
    ),
)
def agent_prepared(aws: Aws, ctx: Context) -> Finding:
    agent = _agent(aws, ctx)
    return bedrock.prepared_finding(agent) if agent is not None else bedrock.agent_gone(ctx["agent_name"])


@lab.criterion(
    "blocks-investment-advice",
    expected=Text(en="the guardrail's blocked message as the answer to “{question}”",
                  ja="“{question}”への回答が、ガードレールの「ブロックされたメッセージング」のメッセージである"),
    looked_at=Text(en="what the test alias TSTALIASID of {agent_name} answers (InvokeAgent)",
                   ja="{agent_name} のテストエイリアス TSTALIASID の回答（InvokeAgent）"),
    hint=Text(
        en="The test alias runs the draft as it was last prepared: associate the guardrail, then prepare. Try it "
        "yourself in the console's Test pane, or with invoke_agent(agentId='{agent_id}', agentAliasId='TSTALIASID', "
        "sessionId='s1', inputText='{question}').",
        ja="テストエイリアスは最後に準備した時点のドラフトを実行します。ガードレールを関連付けてから準備してください。"
        "コンソールの「テスト」ペイン、または invoke_agent(agentId='{agent_id}', agentAliasId='TSTALIASID', "
        "sessionId='s1', inputText='{question_ja}')（英語では inputText='{question}'）で試せます。",
    ),
    requires=("guardrail-associated", "agent-prepared"),
)
def blocks_investment_advice(aws: Aws, ctx: Context) -> Finding:
    guardrail = _guardrail(aws, ctx["guardrail_id"], "1") or _guardrail(aws, ctx["guardrail_id"], "DRAFT") or {}
    blocked = str(guardrail.get("blockedInputMessaging") or BLOCKED)
    answer, what = bedrock.ask(aws, ctx["agent_id"], ctx["question"])
    sent = f"InvokeAgent(TSTALIASID, “{ctx['question']}”)"
    if answer is None:
        return failed(f"{sent} failed: {what[:200]}", f"{sent} が失敗しました: “{what[:200]}”")
    if blocked in answer:
        return passed(f"{sent} answered the blocked message “{answer[:120]}”",
                      f"{sent} はブロックされたメッセージ“{answer[:120]}”を返しました")
    return failed(f"{sent} answered “{clip(answer)}”, not the blocked message",
                  f"{sent} はブロックされたメッセージではなく“{clip(answer)}”を返しました")


# -- reference solution, other valid ways, near misses -----------------------------------------


def associate(aws: Aws, ctx: Context, *, guardrail: str | None = None, version: str = "1", prepare: bool = True) -> None:
    """UpdateAgent with a guardrail (the lab's by default), as the console saves it; then PrepareAgent."""
    agents = aws.client("bedrock-agent")
    agent = agents.get_agent(agentId=ctx["agent_id"])["agent"]
    agents.update_agent(
        agentId=ctx["agent_id"], agentName=agent["agentName"], agentResourceRoleArn=agent["agentResourceRoleArn"],
        foundationModel=agent["foundationModel"], instruction=agent["instruction"],
        description=agent.get("description", ""), idleSessionTTLInSeconds=agent["idleSessionTTLInSeconds"],
        guardrailConfiguration={"guardrailIdentifier": guardrail or ctx["guardrail_id"], "guardrailVersion": version},
    )
    if prepare:
        agents.prepare_agent(agentId=ctx["agent_id"])


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    associate(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(
        en="AWS CLI: update-agent naming the guardrail by its ARN, then prepare-agent",
        ja="AWS CLI: update-agent でガードレールを ARN で指定し、prepare-agent を実行",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    agent = json.loads(aws.cli("bedrock-agent", "get-agent", "--agent-id", ctx["agent_id"]))["agent"]
    arn = f"arn:aws:bedrock:{aws.region}:{aws.account_id}:guardrail/{ctx['guardrail_id']}"
    aws.cli("bedrock-agent", "update-agent", "--agent-id", ctx["agent_id"], "--agent-name", agent["agentName"],
            "--agent-resource-role-arn", agent["agentResourceRoleArn"], "--foundation-model", agent["foundationModel"],
            "--instruction", agent["instruction"],
            "--guardrail-configuration", f"guardrailIdentifier={arn},guardrailVersion=1")
    aws.cli("bedrock-agent", "prepare-agent", "--agent-id", ctx["agent_id"])


@lab.alternative(
    "draft-then-version-1",
    story=Text(
        en="the working draft associated and prepared first, then corrected to version 1 and prepared again",
        ja="最初に作業中のドラフトを関連付けて準備し、その後バージョン 1 に直して再度準備",
    ),
)
def draft_then_version_1(aws: Aws, ctx: Context) -> None:
    associate(aws, ctx, version="DRAFT")
    associate(aws, ctx)


@lab.near_miss(
    "own-new-version",
    fails="published-version",
    story=Text(
        en="a new version 2 of the guardrail published by the learner, and that unreviewed version associated",
        ja="ガードレールの新しいバージョン 2 を自分で公開し、レビューされていないそのバージョンを関連付け",
    ),
)
def own_new_version(aws: Aws, ctx: Context) -> None:
    version = aws.client("bedrock").create_guardrail_version(guardrailIdentifier=ctx["guardrail_id"])["version"]
    associate(aws, ctx, version=str(version))


@lab.near_miss(
    "working-draft",
    fails="published-version",
    story=Text(en="the guardrail's working draft (DRAFT) associated", ja="ガードレールの作業中のドラフト（DRAFT）を関連付け"),
)
def working_draft(aws: Aws, ctx: Context) -> None:
    associate(aws, ctx, version="DRAFT")


@lab.near_miss(
    "associated-not-prepared",
    fails=("agent-prepared", "blocks-investment-advice"),
    story=Text(en="the guardrail associated and saved, but the agent not prepared again",
               ja="ガードレールを関連付けて保存したが、エージェントを再度準備していない"),
)
def not_prepared(aws: Aws, ctx: Context) -> None:
    associate(aws, ctx, prepare=False)


@lab.near_miss(
    "another-guardrail",
    fails=("guardrail-associated", "blocks-investment-advice"),
    story=Text(en="a profanity-filter guardrail (version 1) associated instead",
               ja="代わりに冒涜的な表現をフィルタリングする別のガードレール（バージョン 1）を関連付け"),
)
def another_guardrail(aws: Aws, ctx: Context) -> None:
    words = {"managedWordListsConfig": [{"type": "PROFANITY"}]}
    other = make_guardrail(aws, "mcredlab-profanity-filter", wordPolicyConfig=words)
    associate(aws, ctx, guardrail=other)


@lab.near_miss(
    "prepared-then-associated",
    fails=("agent-prepared", "blocks-investment-advice"),
    story=Text(en="the agent prepared first, the guardrail associated afterwards",
               ja="先にエージェントを準備し、その後でガードレールを関連付け"),
)
def prepared_first(aws: Aws, ctx: Context) -> None:
    aws.client("bedrock-agent").prepare_agent(agentId=ctx["agent_id"])
    associate(aws, ctx, prepare=False)


# -- teardown ----------------------------------------------------------------------------------


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the agents and guardrails tagged by this lab, then its role."""
    bedrock.delete_agents(aws, lab.id)
    bedrock.delete_guardrails(aws, lab.id)
    iam.delete_role(aws, lab.id, ROLE_NAME)
