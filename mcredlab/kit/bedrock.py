"""Amazon Bedrock agents and guardrails the way the labs' setups and checks need them: by name, asked, prepared."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mcredlab.kit.reading import or_none, tagged_by
from mcredlab.lab import TAG_KEY, Finding, failed, passed
from mcredlab.target import Aws

TEST_ALIAS = "TSTALIASID"
"""The alias every agent has: it runs the working draft as it was last prepared."""


# -- agents ------------------------------------------------------------------------------------


def find_agent(aws: Aws, name: str) -> dict[str, Any] | None:
    """The summary of the agent called ``name`` (names are unique in a Region)."""
    for page in aws.client("bedrock-agent").get_paginator("list_agents").paginate():
        for summary in page["agentSummaries"]:
            if summary["agentName"] == name:
                return dict(summary)
    return None


def get_agent(aws: Aws, agent_id: str) -> dict[str, Any] | None:
    """The agent's working draft as GetAgent returns it, or ``None`` once it is deleted."""
    found = or_none(aws.client("bedrock-agent").get_agent, agentId=agent_id)
    return None if found is None else dict(found["agent"])


def agent_gone(name: str) -> Finding:
    """The finding when an agent the lab set up has been deleted."""
    return failed(f"the agent {name} no longer exists; reset the lab",
                  f"エージェント {name} が存在しません。ラボをリセットしてください")


def ensure_agent(aws: Aws, lab_id: str, name: str, *, role_arn: str, model: str, instruction: str,
                 description: str, before_prepare: Callable[[dict[str, Any]], None] | None = None,
                 **options: Any) -> str:
    """The id of the agent ``name``; if missing, created, given ``before_prepare(agent)`` and prepared.

    An agent that exists is the learner's to change, so it is never touched again.
    """
    found = find_agent(aws, name)
    if found is not None:
        return str(found["agentId"])
    agents = aws.client("bedrock-agent")
    agent = agents.create_agent(agentName=name, agentResourceRoleArn=role_arn, foundationModel=model,
                                instruction=instruction, description=description, tags={TAG_KEY: lab_id},
                                **options)["agent"]
    if before_prepare is not None:
        before_prepare(agent)
    agents.prepare_agent(agentId=agent["agentId"])
    return str(agent["agentId"])


def _time(stamp: Any) -> str:
    return f"{stamp:%H:%M:%S.%f}"[:-3] if stamp is not None else "?"


def prepared_finding(agent: dict[str, Any]) -> Finding:
    """Whether an agent (as GetAgent returns it) was prepared after its last change."""
    status, prepared_at, updated_at = agent.get("agentStatus"), agent.get("preparedAt"), agent.get("updatedAt")
    if status == "FAILED":
        reasons = "; ".join(agent.get("failureReasons") or [])
        return failed(f"the last preparation FAILED: {reasons or 'no reason given'}",
                      f"前回の準備は失敗しました（FAILED）: {f'“{reasons}”' if reasons else '理由は示されていません'}")
    if status != "PREPARED":
        if prepared_at is None:
            return failed(f"status {status}: the agent was never prepared",
                          f"ステータス {status}: エージェントは一度も準備されていません")
        return failed(f"status {status}: the working draft changed at {_time(updated_at)}, after the last preparation "
                      f"at {_time(prepared_at)}",
                      f"ステータス {status}: 最後の準備（{_time(prepared_at)}）の後、{_time(updated_at)} に作業中のドラフトが"
                      "変更されています")
    if prepared_at is None or (updated_at is not None and prepared_at < updated_at):
        return failed("status PREPARED, but the draft changed after the preparation",
                      "ステータスは PREPARED ですが、準備の後にドラフトが変更されています")
    return passed(f"PREPARED at {_time(prepared_at)}", f"{_time(prepared_at)} に準備済み（PREPARED）")


def ask(aws: Aws, agent_id: str, text: str, alias_id: str = TEST_ALIAS) -> tuple[str | None, str]:
    """(the agent's answer, or ``None``; what happened) for one question in a new session."""
    runtime = aws.client("bedrock-agent-runtime")
    session = f"mcredlab-check-{uuid.uuid4().hex[:12]}"
    try:
        reply = runtime.invoke_agent(agentId=agent_id, agentAliasId=alias_id, sessionId=session, inputText=text)
        answer, events = "", []
        for event in reply["completion"]:
            events.extend(event)
            if "chunk" in event:
                answer += event["chunk"].get("bytes", b"").decode("utf-8", "replace")
    except ClientError as error:
        return None, f"{error.response['Error']['Code']}: {error.response['Error'].get('Message', '')}"
    except BotoCoreError as error:
        return None, str(error)
    if "chunk" not in events:
        return None, f"no answer text, only the events {', '.join(sorted(set(events))) or 'none'}"
    return answer, answer


def delete_agents(aws: Aws, lab_id: str) -> None:
    """Delete every agent the lab tagged."""
    agents = aws.client("bedrock-agent")
    for page in agents.get_paginator("list_agents").paginate():
        for summary in page["agentSummaries"]:
            arn = agents.get_agent(agentId=summary["agentId"])["agent"]["agentArn"]
            if tagged_by(lab_id, agents.list_tags_for_resource(resourceArn=arn).get("tags")):
                agents.delete_agent(agentId=summary["agentId"], skipResourceInUseCheck=True)


# -- guardrails --------------------------------------------------------------------------------


def _guardrail_summaries(aws: Aws, **filters: str) -> list[dict[str, Any]]:
    pages = aws.client("bedrock").get_paginator("list_guardrails").paginate(**filters)
    return [dict(summary) for page in pages for summary in page.get("guardrails", [])]


def find_guardrail_id(aws: Aws, name: str) -> str | None:
    """The id of the guardrail called ``name`` (names are unique in a Region)."""
    return next((str(s["id"]) for s in _guardrail_summaries(aws) if s.get("name") == name), None)


def guardrail_versions(aws: Aws, guardrail: str) -> list[str]:
    """The numbered (published) versions of the guardrail with id or ARN ``guardrail``, oldest first."""
    versions = {str(s.get("version", "")) for s in _guardrail_summaries(aws, guardrailIdentifier=guardrail)}
    return sorted((v for v in versions if v.isdigit()), key=int)


def delete_guardrails(aws: Aws, lab_id: str) -> None:
    """Delete every guardrail the lab tagged, with all its versions."""
    bedrock = aws.client("bedrock")
    for guardrail in _guardrail_summaries(aws):
        tags = {t["key"]: t["value"] for t in bedrock.list_tags_for_resource(resourceARN=guardrail["arn"])["tags"]}
        if tagged_by(lab_id, tags):
            bedrock.delete_guardrail(guardrailIdentifier=guardrail["id"])
