"""bedrock-agent-runtime on the emulator (extension ``bedrock_agent_runtime``): Retrieve over ingested
documents and InvokeAgent's event stream, parsed by boto3 as a learner's code would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EventStreamError

from mcredlab.emulator.bedrock_agents import runtime as agent_runtime
from mcredlab.emulator.bedrock_agents.agents import ActionGroup, AgentConfig
from mcredlab.target import Aws, Target
from tests.test_bedrock_agent import (
    MODEL,
    RETURN_CONTROL,
    WEATHER_FUNCTIONS,
    draft,
    error_code,
    fill_bucket,
    ingest,
    make_agent,
    make_alias,
    make_data_source,
    make_function,
    make_knowledge_base,
    prepared,
)

EXTENSIONS = Path(__file__).resolve().parent.parent / "mcredlab" / "emulator" / "extensions"
needs_lambda_runner = pytest.mark.skipif(not (EXTENSIONS / "lambda_runner.py").exists(),
                                         reason="action groups run Lambda code through extension lambda_runner")
needs_guardrails = pytest.mark.skipif(not (EXTENSIONS / "bedrock_guardrails.py").exists(),
                                      reason="guardrails come from extension bedrock_guardrails")
DOCUMENTS = {
    "policies/refunds.txt": "Refund policy: customers get a full refund within 30 days of purchase if the umbrella "
                            "is unused.",
    "policies/refunds.txt.metadata.json": json.dumps({"metadataAttributes": {"team": "sales", "year": 2024}}),
    "policies/shipping.md": "# Shipping\nOrders ship from the Osaka warehouse every weekday morning.",
    "policies/japanese.txt": "返品は購入から三十日以内であれば可能です。",
}
ORDERS_API = {
    "openapi": "3.0.0",
    "info": {"title": "Orders", "version": "1"},
    "paths": {"/orders/{orderId}": {"get": {
        "operationId": "getOrder", "description": "One order",
        "parameters": [{"name": "orderId", "in": "path", "required": True, "schema": {"type": "string"}},
                       {"name": "detail", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The order"}},
    }}},
}


@pytest.fixture
def aws(target: Target) -> Aws:
    return target.aws()


@pytest.fixture
def agents(aws: Aws) -> Any:
    return aws.client("bedrock-agent")


@pytest.fixture
def runtime(aws: Aws) -> Any:
    return aws.client("bedrock-agent-runtime")


@pytest.fixture
def knowledge_base(aws: Aws, agents: Any) -> str:
    """A knowledge base with DOCUMENTS ingested from S3; its id."""
    fill_bucket(aws, "policies", DOCUMENTS)
    kb_id = str(make_knowledge_base(agents)["knowledgeBaseId"])
    assert ingest(agents, kb_id, make_data_source(agents, kb_id, "policies")["dataSourceId"])["status"] == "COMPLETE"
    return kb_id


def invoke(runtime: Any, agent_id: str, text: str, alias_id: str = "TSTALIASID", session: str = "session-1",
           **extra: Any) -> tuple[str, list[dict[str, Any]]]:
    """InvokeAgent as a learner calls it: the answer's text, and every event of the stream."""
    reply = runtime.invoke_agent(agentId=agent_id, agentAliasId=alias_id, sessionId=session, inputText=text, **extra)
    assert reply["sessionId"] == session and reply["contentType"] == "application/json"
    events = list(reply["completion"])
    text_out = "".join(event["chunk"]["bytes"].decode("utf-8") for event in events if "chunk" in event)
    return text_out, events


# -- Retrieve ----------------------------------------------------------------------------------------------


def test_retrieve_finds_the_document_that_answers(runtime: Any, knowledge_base: str) -> None:
    """Does Retrieve rank first the passage that shares the query's words, with its S3 location and metadata?"""
    query = {"text": "What is the refund policy for an unused umbrella?"}
    results = runtime.retrieve(knowledgeBaseId=knowledge_base, retrievalQuery=query)["retrievalResults"]
    best = results[0]
    assert best["location"] == {"type": "S3", "s3Location": {"uri": "s3://policies/policies/refunds.txt"}}
    assert best["content"]["text"].startswith("Refund policy") and best["content"]["type"] == "TEXT"
    assert best["metadata"]["team"] == "sales" and best["metadata"]["x-amz-bedrock-kb-source-uri"].endswith("refunds.txt")
    assert 0 < best["score"] <= 1 and all(r["score"] <= best["score"] for r in results)


def test_retrieve_filters_limits_and_reads_japanese(runtime: Any, knowledge_base: str) -> None:
    """Do metadata filters and numberOfResults apply, and does a Japanese query find a Japanese passage?"""
    config = {"vectorSearchConfiguration": {"numberOfResults": 1, "filter": {"equals": {"key": "team", "value": "support"}}}}
    assert runtime.retrieve(knowledgeBaseId=knowledge_base, retrievalQuery={"text": "refund"},
                            retrievalConfiguration=config)["retrievalResults"] == []
    config["vectorSearchConfiguration"]["filter"] = {"greaterThanOrEquals": {"key": "year", "value": 2024}}
    found = runtime.retrieve(knowledgeBaseId=knowledge_base, retrievalQuery={"text": "refund"},
                             retrievalConfiguration=config)["retrievalResults"]
    assert [r["location"]["s3Location"]["uri"] for r in found] == ["s3://policies/policies/refunds.txt"]
    japanese = runtime.retrieve(knowledgeBaseId=knowledge_base,
                                retrievalQuery={"text": "返品できますか"})["retrievalResults"]
    assert japanese[0]["location"]["s3Location"]["uri"].endswith("japanese.txt")


def test_retrieve_and_generate_answers_from_the_best_passage(runtime: Any, knowledge_base: str) -> None:
    """Does RetrieveAndGenerate answer with the best passage and cite it; and say so when nothing matches?"""
    config = {"type": "KNOWLEDGE_BASE", "knowledgeBaseConfiguration": {"knowledgeBaseId": knowledge_base, "modelArn": MODEL}}
    reply = runtime.retrieve_and_generate(input={"text": "Where do orders ship from?"},
                                          retrieveAndGenerateConfiguration=config)
    assert "Osaka" in reply["output"]["text"] and reply["sessionId"]
    assert reply["citations"][0]["retrievedReferences"][0]["location"]["s3Location"]["uri"].endswith("shipping.md")
    nothing = runtime.retrieve_and_generate(input={"text": "zebra"}, retrieveAndGenerateConfiguration=config)
    assert nothing["output"]["text"] == "Sorry, I am unable to assist you with this request." and nothing["citations"] == []


def test_retrieve_from_an_unknown_knowledge_base(runtime: Any) -> None:
    with pytest.raises(ClientError) as unknown:
        runtime.retrieve(knowledgeBaseId="ZZZZZZZZZZ", retrievalQuery={"text": "anything"})
    assert error_code(unknown) == "ResourceNotFoundException"


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_the_aws_cli_retrieves(target: Target, knowledge_base: str) -> None:
    """Does the real aws CLI's retrieve reach the emulator's knowledge base?"""
    done = subprocess.run(["aws", "bedrock-agent-runtime", "retrieve", "--knowledge-base-id", knowledge_base,
                           "--retrieval-query", "text=refund policy", "--output", "json"],
                          env={**os.environ, **target.environ()}, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["retrievalResults"][0]["location"]["s3Location"]["uri"].endswith("refunds.txt")


# -- InvokeAgent -------------------------------------------------------------------------------------------


def test_invoke_agent_answers_from_its_knowledge_base(agents: Any, runtime: Any, knowledge_base: str) -> None:
    """Does an agent with a knowledge base answer with the best passage, cited, in chunk events?"""
    agent_id = make_agent(agents, "helpdesk")["agentId"]
    agents.associate_agent_knowledge_base(**draft(agent_id), knowledgeBaseId=knowledge_base,
                                          description="Company policies")
    assert prepared(agents, agent_id)["agentStatus"] == "PREPARED"
    text, events = invoke(runtime, agent_id, "How long do I have to get a refund?")
    assert text.startswith("Refund policy")
    chunk = next(event["chunk"] for event in events if "chunk" in event)
    reference = chunk["attribution"]["citations"][0]["retrievedReferences"][0]
    assert reference["location"]["s3Location"]["uri"].endswith("refunds.txt")


def test_invoke_agent_without_a_match_says_so_and_traces(agents: Any, runtime: Any) -> None:
    """Does an agent with nothing that matches give its fixed answer, with trace events when asked?"""
    agent_id = make_agent(agents, "plain")["agentId"]
    prepared(agents, agent_id)
    text, events = invoke(runtime, agent_id, "Tell me a joke", enableTrace=True)
    assert "found no action group function" in text and "Tell me a joke" in text
    traces = [event["trace"] for event in events if "trace" in event]
    assert traces[-1]["trace"]["orchestrationTrace"]["observation"]["finalResponse"]["text"] == text
    assert traces[-1]["agentId"] == agent_id and traces[-1]["sessionId"] == "session-1"


def test_invoke_agent_needs_a_prepared_agent_and_an_alias(agents: Any, runtime: Any) -> None:
    """Is invoking a never-prepared agent a ValidationException, and an unknown alias a ResourceNotFoundException?"""
    agent_id = make_agent(agents, "fresh")["agentId"]
    with pytest.raises(ClientError) as unprepared:
        runtime.invoke_agent(agentId=agent_id, agentAliasId="TSTALIASID", sessionId="session-x", inputText="hi")
    assert error_code(unprepared) == "ValidationException"
    with pytest.raises(ClientError) as unknown:
        runtime.invoke_agent(agentId=agent_id, agentAliasId="ZZZZZZZZZZ", sessionId="session-x", inputText="hi")
    assert error_code(unknown) == "ResourceNotFoundException"


@needs_lambda_runner
def test_invoke_agent_calls_the_action_group_lambda(aws: Aws, agents: Any, runtime: Any) -> None:
    """Does naming a function call its Lambda with Bedrock's event, and answer with the function's response body?"""
    function = make_function(aws, "weather-tool")
    agent_id = make_agent(agents, "weather")["agentId"]
    agents.create_agent_action_group(**draft(agent_id), actionGroupName="weather",
                                     actionGroupExecutor={"lambda": function}, functionSchema=WEATHER_FUNCTIONS)
    alias_id = make_alias(agents, agent_id)["agentAliasId"]
    text, _ = invoke(runtime, agent_id, "Please get_weather for city=Sapporo", alias_id=alias_id,
                     sessionState={"sessionAttributes": {"user": "kaori"}})
    event = json.loads(text)
    assert event["messageVersion"] == "1.0" and event["actionGroup"] == "weather" and event["function"] == "get_weather"
    assert event["parameters"] == [{"name": "city", "type": "string", "value": "Sapporo"}]
    assert event["agent"] == {"name": "weather", "id": agent_id, "alias": alias_id, "version": "1"}
    assert event["inputText"] == "Please get_weather for city=Sapporo" and event["sessionId"] == "session-1"
    assert event["sessionAttributes"] == {"user": "kaori"}
    again = json.loads(invoke(runtime, agent_id, "get_weather city: Naha", alias_id=alias_id)[0])
    assert again["sessionAttributes"] == {"user": "kaori", "lastFunction": "get_weather"}
    asked, _ = invoke(runtime, agent_id, "get_weather please", alias_id=alias_id)
    assert "city" in asked


@needs_lambda_runner
def test_invoke_agent_calls_an_api_path(aws: Aws, agents: Any, runtime: Any) -> None:
    """Does an API path in the input call the operation, with its path and query parameters?"""
    function = make_function(aws, "orders-tool")
    agent_id = make_agent(agents, "orders")["agentId"]
    agents.create_agent_action_group(**draft(agent_id), actionGroupName="orders",
                                     actionGroupExecutor={"lambda": function}, apiSchema={"payload": json.dumps(ORDERS_API)})
    prepared(agents, agent_id)
    event = json.loads(invoke(runtime, agent_id, "Look up /orders/A-42 with detail=full")[0])
    assert (event["apiPath"], event["httpMethod"]) == ("/orders/{orderId}", "GET")
    assert event["parameters"] == [{"name": "orderId", "type": "string", "value": "A-42"},
                                   {"name": "detail", "type": "string", "value": "full"}]


@needs_lambda_runner
def test_a_lambda_bedrock_may_not_invoke_fails_the_stream(aws: Aws, agents: Any, runtime: Any) -> None:
    """Without a resource policy for bedrock.amazonaws.com, does the stream end in dependencyFailedException?"""
    function = make_function(aws, "locked-tool", bedrock_may_invoke=False)
    agent_id = make_agent(agents, "weather")["agentId"]
    agents.create_agent_action_group(**draft(agent_id), actionGroupName="weather",
                                     actionGroupExecutor={"lambda": function}, functionSchema=WEATHER_FUNCTIONS)
    prepared(agents, agent_id)
    with pytest.raises(EventStreamError) as failed:
        invoke(runtime, agent_id, "get_weather city=Kyoto")
    assert error_code(failed) == "dependencyFailedException" and "Access denied" in str(failed.value)


def test_return_control_hands_the_call_to_the_caller(agents: Any, runtime: Any) -> None:
    """Does a RETURN_CONTROL action group answer returnControl, and the next turn answer the caller's result?"""
    agent_id = make_agent(agents, "weather")["agentId"]
    agents.create_agent_action_group(**draft(agent_id), actionGroupName="weather",
                                     actionGroupExecutor=RETURN_CONTROL, functionSchema=WEATHER_FUNCTIONS)
    prepared(agents, agent_id)
    _, events = invoke(runtime, agent_id, "get_weather for city=Sendai")
    control = next(event["returnControl"] for event in events if "returnControl" in event)
    call = control["invocationInputs"][0]["functionInvocationInput"]
    assert (call["actionGroup"], call["function"]) == ("weather", "get_weather")
    assert call["parameters"] == [{"name": "city", "type": "string", "value": "Sendai"}]
    result = {"functionResult": {"actionGroup": "weather", "function": "get_weather",
                                 "responseBody": {"TEXT": {"body": "Sendai: light snow"}}}}
    text, _ = invoke(runtime, agent_id, "", sessionState={"invocationId": control["invocationId"],
                                                          "returnControlInvocationResults": [result]})
    assert text == "Sendai: light snow"


@pytest.mark.parametrize("broken", [
    {"openapi": "3.0.0", "paths": {"/orders/{orderId}": "x"}},
    {"openapi": "3.0.0", "paths": {"/orders/{orderId}": {"post": {
        "operationId": "getOrder", "parameters": "x",
        "requestBody": {"content": {"application/json": {"schema": {"properties": "x", "required": "x"}}}}}}}},
], ids=["path-item", "request-body"])
def test_an_api_schema_broken_in_s3_after_preparation_matches_nothing(aws: Aws, agents: Any, runtime: Any,
                                                                      broken: dict[str, Any]) -> None:
    """When the S3 schema an agent was prepared with is replaced by a malformed one, does InvokeAgent still
    answer (nothing matches) instead of failing with an internal error?"""
    fill_bucket(aws, "schemas", {"orders.json": json.dumps(ORDERS_API)})
    agent_id = make_agent(agents, "orders")["agentId"]
    agents.create_agent_action_group(**draft(agent_id), actionGroupName="orders", actionGroupExecutor=RETURN_CONTROL,
                                     apiSchema={"s3": {"s3BucketName": "schemas", "s3ObjectKey": "orders.json"}})
    assert prepared(agents, agent_id)["agentStatus"] == "PREPARED"
    _, events = invoke(runtime, agent_id, "Look up /orders/A-42")
    assert any("returnControl" in event for event in events)
    aws.client("s3").put_object(Bucket="schemas", Key="orders.json", Body=json.dumps(broken))
    text, _ = invoke(runtime, agent_id, "Look up /orders/A-42 with getOrder", session="session-2")
    assert "found no action group function" in text


def test_malformed_function_details_never_break_matching() -> None:
    """A functionSchema as a raw request can store it (parameters not an object) still matches by name."""
    for functions in ([{"name": "get_weather", "parameters": "x"}], [{"name": "get_weather", "parameters": {"city": 1}}],
                      ["get_weather"], "get_weather"):
        group = ActionGroup("GROUP00001", {"actionGroupName": "weather", "actionGroupExecutor": RETURN_CONTROL,
                                           "functionSchema": {"functions": functions}}, 0.0, 0.0)
        found = agent_runtime.match_action("123456789012", AgentConfig({"agentName": "a"}, {group.id: group}),
                                           "get_weather city=Osaka")
        assert found is None or (found.function == "get_weather" and found.missing == [])


def test_a_supervisor_routes_to_the_matching_collaborator(agents: Any, runtime: Any, knowledge_base: str) -> None:
    """Does a supervisor hand the input to the collaborator whose instruction matches, and answer what it answers?"""
    policies = make_agent(agents, "policy_agent")["agentId"]
    agents.associate_agent_knowledge_base(**draft(policies), knowledgeBaseId=knowledge_base,
                                          description="Company policies")
    policies_alias = make_alias(agents, policies)["agentAliasArn"]
    other = make_agent(agents, "billing_agent")["agentId"]
    other_alias = make_alias(agents, other)["agentAliasArn"]
    supervisor = make_agent(agents, "supervisor", agentCollaboration="SUPERVISOR")["agentId"]
    for name, arn, instruction in [("billing", other_alias, "Invoices, payments and billing addresses."),
                                   ("policies", policies_alias, "Refund, shipping and return policy questions.")]:
        agents.associate_agent_collaborator(**draft(supervisor), agentDescriptor={"aliasArn": arn},
                                            collaboratorName=name, collaborationInstruction=instruction)
    prepared(agents, supervisor)
    text, events = invoke(runtime, supervisor, "What is your refund policy?", enableTrace=True)
    assert text.startswith("Refund policy")
    routed = [e["trace"] for e in events if "trace" in e and e["trace"].get("collaboratorName") == "policies"]
    assert routed and routed[0]["callerChain"][-1]["agentAliasArn"] == policies_alias
    billing_answer, _ = invoke(runtime, supervisor, "Ask billing about my invoice", session="session-2")
    assert "billing_agent found no action group function" in billing_answer


@needs_guardrails
def test_the_agent_guardrail_blocks_input_and_masks_output(aws: Aws, agents: Any, runtime: Any, knowledge_base: str) -> None:
    """Does the agent's guardrail block a denied word in the input, and mask PII in the answer?"""
    bedrock = aws.client("bedrock")
    guardrail = bedrock.create_guardrail(
        name="agent-guardrail", blockedInputMessaging="Sorry, I cannot talk about that.",
        blockedOutputsMessaging="Sorry, I cannot answer that.",
        wordPolicyConfig={"wordsConfig": [{"text": "competitor"}]},
        sensitiveInformationPolicyConfig={"piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
    )
    version = bedrock.create_guardrail_version(guardrailIdentifier=guardrail["guardrailId"])["version"]
    fill_bucket(aws, "contacts", {"contact.txt": "Contact support at help@example.com for refund questions."})
    kb_id = make_knowledge_base(agents, "contacts")["knowledgeBaseId"]
    ingest(agents, kb_id, make_data_source(agents, kb_id, "contacts")["dataSourceId"])
    agent_id = make_agent(agents, "guarded", guardrailConfiguration={"guardrailIdentifier": guardrail["guardrailId"],
                                                                     "guardrailVersion": version})["agentId"]
    agents.associate_agent_knowledge_base(**draft(agent_id), knowledgeBaseId=kb_id, description="Contacts")
    assert prepared(agents, agent_id)["agentStatus"] == "PREPARED"
    blocked, events = invoke(runtime, agent_id, "Is the competitor cheaper?", enableTrace=True)
    assert blocked == "Sorry, I cannot talk about that."
    assert any(e["trace"]["trace"].get("guardrailTrace", {}).get("action") == "INTERVENED" for e in events if "trace" in e)
    masked, _ = invoke(runtime, agent_id, "Whom do I contact about support?")
    assert "{EMAIL}" in masked and "help@example.com" not in masked


@needs_guardrails
def test_preparation_fails_for_a_missing_guardrail(agents: Any) -> None:
    """Does an agent whose guardrail does not exist fail preparation?"""
    agent_id = make_agent(agents, "guarded", guardrailConfiguration={"guardrailIdentifier": "nosuchguardrail",
                                                                     "guardrailVersion": "1"})["agentId"]
    agent = prepared(agents, agent_id)
    assert agent["agentStatus"] == "FAILED" and "nosuchguardrail" in agent["failureReasons"][0]
