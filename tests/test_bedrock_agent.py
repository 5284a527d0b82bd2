"""Agents for Amazon Bedrock on the emulator (extension ``bedrock_agent``), driven as a learner would:
boto3 clients and the real ``aws`` CLI against the emulator process."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import urllib.request
import zipfile
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from mcredlab.target import Aws, Target

ROLE = "arn:aws:iam::123456789012:role/AmazonBedrockExecutionRoleForAgents_lab"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
INSTRUCTION = "You are a helpful agent that answers questions about the weather and store orders."
EMBEDDING = "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"
STORAGE = {
    "type": "OPENSEARCH_SERVERLESS",
    "opensearchServerlessConfiguration": {
        "collectionArn": "arn:aws:aoss:us-east-1:123456789012:collection/abcdefghij0123456789",
        "vectorIndexName": "bedrock-knowledge-base-default-index",
        "fieldMapping": {"vectorField": "vector", "textField": "text", "metadataField": "metadata"},
    },
}
VECTOR = {"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {"embeddingModelArn": EMBEDDING}}
RETURN_CONTROL = {"customControl": "RETURN_CONTROL"}
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ECHO_EVENT = '''import json

def handler(event, context):
    body = json.dumps(event)
    if "function" in event:
        return {"messageVersion": "1.0", "response": {"actionGroup": event["actionGroup"],
                "function": event["function"], "functionResponse": {"responseBody": {"TEXT": {"body": body}}}},
                "sessionAttributes": {"lastFunction": event["function"]}}
    return {"messageVersion": "1.0", "response": {"actionGroup": event["actionGroup"], "apiPath": event["apiPath"],
            "httpMethod": event["httpMethod"], "httpStatusCode": 200,
            "responseBody": {"application/json": {"body": body}}}}
'''
WEATHER_FUNCTIONS = {"functions": [{
    "name": "get_weather", "description": "The weather in a city",
    "parameters": {"city": {"type": "string", "description": "City name", "required": True}},
}]}


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


@pytest.fixture
def aws(target: Target) -> Aws:
    return target.aws()


@pytest.fixture
def agents(aws: Aws) -> Any:
    return aws.client("bedrock-agent")


def draft(agent_id: str) -> dict[str, str]:
    """An agent's working draft, as the operations that take a version name it."""
    return {"agentId": agent_id, "agentVersion": "DRAFT"}


def s3_source(bucket: str, **s3: Any) -> dict[str, Any]:
    """A data source configuration for ``bucket``."""
    return {"type": "S3", "s3Configuration": {"bucketArn": f"arn:aws:s3:::{bucket}", **s3}}


def make_agent(agents: Any, name: str, **settings: Any) -> dict[str, Any]:
    """A new agent with a role, model and instruction unless ``settings`` say otherwise (None leaves one out)."""
    request = {"agentName": name, "agentResourceRoleArn": ROLE, "foundationModel": MODEL, "instruction": INSTRUCTION,
               **settings}
    agent: dict[str, Any] = agents.create_agent(**{k: v for k, v in request.items() if v is not None})["agent"]
    return agent


def make_function(aws: Aws, name: str, source: str = ECHO_EVENT, *, bedrock_may_invoke: bool = True) -> str:
    """A Python Lambda function (``index.handler``); its ARN. Bedrock may invoke it unless told otherwise."""
    iam = aws.client("iam")
    try:
        role = iam.get_role(RoleName="lambda-basic")["Role"]["Arn"]
    except ClientError:
        role = iam.create_role(RoleName="lambda-basic", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", source)
    client = aws.client("lambda")
    arn = str(client.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler",
                                     Code={"ZipFile": archive.getvalue()}, Timeout=30)["FunctionArn"])
    if bedrock_may_invoke:
        client.add_permission(FunctionName=name, StatementId="bedrock", Action="lambda:InvokeFunction",
                              Principal="bedrock.amazonaws.com")
    return arn


def prepared(agents: Any, agent_id: str) -> dict[str, Any]:
    """Prepare the agent; its state afterwards (PREPARED or FAILED)."""
    assert agents.prepare_agent(agentId=agent_id)["agentStatus"] == "PREPARING"
    agent: dict[str, Any] = agents.get_agent(agentId=agent_id)["agent"]
    return agent


def make_alias(agents: Any, agent_id: str, name: str = "live") -> dict[str, Any]:
    assert prepared(agents, agent_id)["agentStatus"] == "PREPARED"
    alias: dict[str, Any] = agents.create_agent_alias(agentId=agent_id, agentAliasName=name)["agentAlias"]
    return alias


def make_knowledge_base(agents: Any, name: str = "docs") -> dict[str, Any]:
    kb: dict[str, Any] = agents.create_knowledge_base(
        name=name, roleArn=ROLE, description="Company documents",
        knowledgeBaseConfiguration=VECTOR,
        storageConfiguration=STORAGE,
    )["knowledgeBase"]
    return kb


def fill_bucket(aws: Aws, bucket: str, objects: dict[str, str | bytes]) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)


def make_data_source(agents: Any, kb_id: str, bucket: str, **s3: Any) -> dict[str, Any]:
    source: dict[str, Any] = agents.create_data_source(
        knowledgeBaseId=kb_id, name=f"{bucket}-source",
        dataSourceConfiguration=s3_source(bucket, **s3),
    )["dataSource"]
    return source


def known_statistics(agents: Any, statistics: dict[str, int]) -> dict[str, int]:
    """``statistics`` less the fields this botocore's model does not know (its client drops them)."""
    shape = agents.meta.service_model.shape_for("IngestionJobStatistics")
    return {name: value for name, value in statistics.items() if name in shape.members}


def ingest(agents: Any, kb_id: str, ds_id: str) -> dict[str, Any]:
    """Run an ingestion job; the job as GetIngestionJob reports it afterwards."""
    started = agents.start_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=ds_id)["ingestionJob"]
    assert started["status"] == "STARTING"
    job: dict[str, Any] = agents.get_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=ds_id,
                                                   ingestionJobId=started["ingestionJobId"])["ingestionJob"]
    return job


# -- agents ------------------------------------------------------------------------------------------------


def test_an_agent_keeps_its_full_configuration(agents: Any) -> None:
    """Does GetAgent return every field CreateAgent was given, guardrail and collaboration included?"""
    guardrail = {"guardrailIdentifier": "gr0abc123", "guardrailVersion": "1"}
    created = make_agent(agents, "supervisor", description="Routes requests", idleSessionTTLInSeconds=900,
                         guardrailConfiguration=guardrail, agentCollaboration="SUPERVISOR",
                         memoryConfiguration={"enabledMemoryTypes": ["SESSION_SUMMARY"], "storageDays": 30})
    assert created["agentStatus"] == "CREATING"
    assert len(created["agentId"]) == 10 and created["agentVersion"] == "DRAFT"
    agent = agents.get_agent(agentId=created["agentId"])["agent"]
    assert agent["agentStatus"] == "NOT_PREPARED"
    assert agent["agentArn"] == f"arn:aws:bedrock:us-east-1:123456789012:agent/{created['agentId']}"
    assert (agent["instruction"], agent["foundationModel"], agent["agentResourceRoleArn"]) == (INSTRUCTION, MODEL, ROLE)
    assert agent["guardrailConfiguration"] == guardrail
    assert agent["agentCollaboration"] == "SUPERVISOR"
    assert agent["idleSessionTTLInSeconds"] == 900 and agent["description"] == "Routes requests"
    assert agent["memoryConfiguration"] == {"enabledMemoryTypes": ["SESSION_SUMMARY"], "storageDays": 30}
    summary = agents.list_agents()["agentSummaries"]
    assert [(s["agentName"], s["guardrailConfiguration"]) for s in summary] == [("supervisor", guardrail)]


def test_defaults_and_update(agents: Any) -> None:
    """Does UpdateAgent change what it gives, keep the rest, and leave the agent to be prepared again?"""
    guardrail = {"guardrailIdentifier": "gr1", "guardrailVersion": "DRAFT"}
    agent_id = make_agent(agents, "helper", guardrailConfiguration=guardrail,
                          description="first")["agentId"]
    agent = agents.get_agent(agentId=agent_id)["agent"]
    defaults = (agent["agentCollaboration"], agent["idleSessionTTLInSeconds"], agent["orchestrationType"])
    assert defaults == ("DISABLED", 600, "DEFAULT")
    updated = agents.update_agent(agentId=agent_id, agentName="helper", agentResourceRoleArn=ROLE, foundationModel=MODEL,
                                  instruction=INSTRUCTION + " Be brief.", agentCollaboration="SUPERVISOR_ROUTER")["agent"]
    assert updated["agentStatus"] == "UPDATING"
    agent = agents.get_agent(agentId=agent_id)["agent"]
    assert agent["instruction"].endswith("Be brief.") and agent["agentCollaboration"] == "SUPERVISOR_ROUTER"
    assert agent["guardrailConfiguration"]["guardrailIdentifier"] == "gr1" and agent["description"] == "first"
    assert agent["agentStatus"] == "NOT_PREPARED"
    agents.update_agent(agentId=agent_id, agentName="helper", agentResourceRoleArn=ROLE, foundationModel=MODEL,
                        guardrailConfiguration={})
    assert "guardrailConfiguration" not in agents.get_agent(agentId=agent_id)["agent"]


def test_prepare_goes_from_not_prepared_to_prepared(agents: Any) -> None:
    """Does PrepareAgent answer PREPARING, and is the agent PREPARED afterwards, until its draft changes?"""
    agent_id = make_agent(agents, "weather")["agentId"]
    answer = agents.prepare_agent(agentId=agent_id)
    assert (answer["agentStatus"], answer["agentVersion"]) == ("PREPARING", "DRAFT") and answer["preparedAt"]
    agent = agents.get_agent(agentId=agent_id)["agent"]
    assert agent["agentStatus"] == "PREPARED" and agent["preparedAt"] and "failureReasons" not in agent
    agents.create_agent_action_group(**draft(agent_id), actionGroupName="ask",
                                     actionGroupExecutor=RETURN_CONTROL,
                                     functionSchema=WEATHER_FUNCTIONS)
    assert agents.get_agent(agentId=agent_id)["agent"]["agentStatus"] == "NOT_PREPARED"


@pytest.mark.parametrize(("settings", "says"), [
    ({"instruction": None}, "instruction attribute is not set"),
    ({"foundationModel": None}, "foundationModel attribute is not set"),
    ({"agentCollaboration": "SUPERVISOR"}, "AgentCollaboration attribute is set to SUPERVISOR but no agent collaborators"),
    ({"agentCollaboration": "SUPERVISOR_ROUTER"}, "set to SUPERVISOR_ROUTER but no agent collaborators"),
], ids=["no-instruction", "no-model", "supervisor-alone", "router-alone"])
def test_prepare_refuses_an_incomplete_agent(agents: Any, settings: dict[str, Any], says: str) -> None:
    """Is an agent AWS cannot prepare refused with a ValidationException, and left NOT_PREPARED?"""
    agent_id = make_agent(agents, "incomplete", **settings)["agentId"]
    with pytest.raises(ClientError) as refused:
        agents.prepare_agent(agentId=agent_id)
    assert error_code(refused) == "ValidationException" and says in str(refused.value)
    assert agents.get_agent(agentId=agent_id)["agent"]["agentStatus"] == "NOT_PREPARED"


def test_preparation_fails_for_a_missing_lambda_function(aws: Aws, agents: Any) -> None:
    """Does preparation end FAILED, with reasons, when an action group's function does not exist, and succeed once
    it does?"""
    agent_id = make_agent(agents, "weather")["agentId"]
    missing = "arn:aws:lambda:us-east-1:123456789012:function:weather-tool"
    agents.create_agent_action_group(**draft(agent_id), actionGroupName="weather",
                                     actionGroupExecutor={"lambda": missing}, functionSchema=WEATHER_FUNCTIONS)
    agent = prepared(agents, agent_id)
    assert agent["agentStatus"] == "FAILED"
    assert missing in agent["failureReasons"][0] and agent["recommendedActions"]
    make_function(aws, "weather-tool")
    agent = prepared(agents, agent_id)
    assert agent["agentStatus"] == "PREPARED" and "failureReasons" not in agent


def test_preparation_fails_for_an_unreadable_api_schema(aws: Aws, agents: Any) -> None:
    """Does preparation end FAILED when an API schema is not OpenAPI, or its S3 object is missing?"""
    function = make_function(aws, "orders")
    agent_id = make_agent(agents, "orders")["agentId"]
    group = agents.create_agent_action_group(**draft(agent_id), actionGroupName="orders",
                                             actionGroupExecutor={"lambda": function},
                                             apiSchema={"payload": "this is not an OpenAPI document"})["agentActionGroup"]
    assert "not a valid OpenAPI document" in prepared(agents, agent_id)["failureReasons"][0]
    agents.update_agent_action_group(**draft(agent_id), actionGroupId=group["actionGroupId"],
                                     actionGroupName="orders", actionGroupExecutor={"lambda": function},
                                     apiSchema={"s3": {"s3BucketName": "schemas", "s3ObjectKey": "orders.yaml"}})
    assert "cannot be read from S3" in prepared(agents, agent_id)["failureReasons"][0]
    fill_bucket(aws, "schemas", {"orders.yaml": "openapi: 3.0.0\ninfo: {title: Orders, version: '1'}\n"
                                                "paths:\n  /orders/{orderId}:\n    get:\n      operationId: getOrder\n"})
    assert prepared(agents, agent_id)["agentStatus"] == "PREPARED"


def _operation(**fields: Any) -> str:
    """An OpenAPI document whose one operation (POST /orders) has ``fields``."""
    return json.dumps({"openapi": "3.0.0", "paths": {"/orders": {"post": {"operationId": "addOrder", **fields}}}})


def _body_schema(schema: Any) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"schema": schema}}}}


@pytest.mark.parametrize(("payload", "where"), [
    (json.dumps({"openapi": "3.0.0", "paths": {"/a": "x"}}), "paths./a must be an object, not a string"),
    (json.dumps({"openapi": "3.0.0", "paths": {"/a": {"get": ["x"]}}}), "paths./a.get must be an object"),
    (json.dumps({"openapi": "3.0.0", "paths": {"a": {"get": {}}}}), "does not begin with a forward slash"),
    (json.dumps({"openapi": "3.0.0", "paths": {"/a": {"parameters": {"name": "id"}}}}), "paths./a.parameters"),
    (_operation(parameters="x"), "paths./orders.post.parameters must be an array"),
    (_operation(parameters=[{"name": "id", "schema": "string"}]), "paths./orders.post.parameters[0].schema"),
    (_operation(requestBody="x"), "paths./orders.post.requestBody must be an object"),
    (_operation(requestBody={"content": {"application/json": "x"}}), "requestBody.content.application/json must"),
    (_operation(**_body_schema({"type": "object", "properties": "x"})), "schema.properties must be an object"),
    (_operation(**_body_schema({"properties": {"item": "string"}})), "schema.properties.item must be an object"),
    (_operation(**_body_schema({"properties": {}, "required": "item"})), "schema.required must be an array"),
    ("openapi: 3.0.0\npaths:\n  /a:\n", "paths./a must be an object, not null"),
], ids=["path-item", "operation", "no-slash", "path-parameters", "parameters", "parameter-schema", "request-body",
        "media-type", "properties", "property", "required", "yaml-empty-path"])
def test_preparation_fails_for_a_malformed_api_schema(aws: Aws, agents: Any, payload: str, where: str) -> None:
    """Does preparation end FAILED, saying where, for a schema whose paths are not the structure OpenAPI gives
    them (AWS refuses to build an OpenAPI model from it), rather than the agent failing when invoked?"""
    agent_id = make_agent(agents, "orders")["agentId"]
    agents.create_agent_action_group(**draft(agent_id), actionGroupName="orders", actionGroupExecutor=RETURN_CONTROL,
                                     apiSchema={"payload": payload})
    agent = prepared(agents, agent_id)
    assert agent["agentStatus"] == "FAILED"
    assert "The API schema of action group orders is not a valid OpenAPI document" in agent["failureReasons"][0]
    assert where in agent["failureReasons"][0]
    assert agent["recommendedActions"] == ["Correct the OpenAPI schema of action group orders."]


def test_a_well_formed_api_schema_with_a_request_body_prepares(agents: Any) -> None:
    agent_id = make_agent(agents, "orders")["agentId"]
    schema = {"type": "object", "required": ["item"], "properties": {"item": {"type": "string"}}}
    parameters = [{"name": "shop", "in": "query", "schema": {"type": "string"}}]
    agents.create_agent_action_group(**draft(agent_id), actionGroupName="orders", actionGroupExecutor=RETURN_CONTROL,
                                     apiSchema={"payload": _operation(parameters=parameters, **_body_schema(schema),
                                                                      responses={"200": {"description": "ok"}})})
    assert prepared(agents, agent_id)["agentStatus"] == "PREPARED"


def test_action_group_with_a_lambda_executor(aws: Aws, agents: Any) -> None:
    """Do action groups keep their executor and schema, list, update, and delete only once disabled?"""
    function = make_function(aws, "weather-tool")
    agent_id = make_agent(agents, "weather")["agentId"]
    created = agents.create_agent_action_group(**draft(agent_id), actionGroupName="weather",
                                               description="Weather lookups", actionGroupExecutor={"lambda": function},
                                               functionSchema=WEATHER_FUNCTIONS)["agentActionGroup"]
    group_id = created["actionGroupId"]
    group = agents.get_agent_action_group(**draft(agent_id), actionGroupId=group_id)["agentActionGroup"]
    assert group["actionGroupExecutor"] == {"lambda": function} and group["functionSchema"] == WEATHER_FUNCTIONS
    assert group["actionGroupState"] == "ENABLED" and group["description"] == "Weather lookups"
    listed = agents.list_agent_action_groups(**draft(agent_id))["actionGroupSummaries"]
    summaries = [(g["actionGroupId"], g["actionGroupName"], g["actionGroupState"]) for g in listed]
    assert summaries == [(group_id, "weather", "ENABLED")]
    with pytest.raises(ClientError) as taken:
        agents.create_agent_action_group(**draft(agent_id), actionGroupName="weather",
                                         actionGroupExecutor={"lambda": function}, functionSchema=WEATHER_FUNCTIONS)
    assert error_code(taken) == "ConflictException"
    with pytest.raises(ClientError) as enabled:
        agents.delete_agent_action_group(**draft(agent_id), actionGroupId=group_id)
    assert error_code(enabled) == "ConflictException"
    agents.update_agent_action_group(**draft(agent_id), actionGroupId=group_id, actionGroupName="weather",
                                     actionGroupExecutor=RETURN_CONTROL,
                                     functionSchema=WEATHER_FUNCTIONS, actionGroupState="DISABLED")
    group = agents.get_agent_action_group(**draft(agent_id), actionGroupId=group_id)["agentActionGroup"]
    assert group["actionGroupExecutor"] == {"customControl": "RETURN_CONTROL"} and group["actionGroupState"] == "DISABLED"
    agents.delete_agent_action_group(**draft(agent_id), actionGroupId=group_id)
    assert agents.list_agent_action_groups(**draft(agent_id))["actionGroupSummaries"] == []


@pytest.mark.parametrize("request_", [
    {"actionGroupExecutor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:f"}},
    {"functionSchema": WEATHER_FUNCTIONS},
    {"actionGroupExecutor": {"customControl": "RETURN_CONTROL"}, "functionSchema": WEATHER_FUNCTIONS,
     "apiSchema": {"payload": "{}"}},
    {"actionGroupExecutor": {"lambda": "not-a-function-arn"}, "functionSchema": WEATHER_FUNCTIONS},
], ids=["no-schema", "no-executor", "two-schemas", "bad-lambda-arn"])
def test_an_incomplete_action_group_is_refused(agents: Any, request_: dict[str, Any]) -> None:
    """Is an action group without an executor, or without exactly one schema, a ValidationException?"""
    agent_id = make_agent(agents, "tools")["agentId"]
    with pytest.raises(ClientError) as refused:
        agents.create_agent_action_group(**draft(agent_id), actionGroupName="tools", **request_)
    assert error_code(refused) == "ValidationException"


def test_only_the_draft_changes(target: Target, agents: Any) -> None:
    """Is changing a numbered version refused, even when the client does not check the version first?"""
    agent_id = make_agent(agents, "weather")["agentId"]
    make_alias(agents, agent_id)
    unchecked = target.session().client("bedrock-agent", endpoint_url=target.endpoint_url,
                                        config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as refused:
        unchecked.create_agent_action_group(agentId=agent_id, agentVersion="1", actionGroupName="ask",
                                         actionGroupExecutor=RETURN_CONTROL, functionSchema=WEATHER_FUNCTIONS)
    assert error_code(refused) == "ValidationException"


def test_an_alias_freezes_the_prepared_draft_as_a_version(agents: Any) -> None:
    """Does CreateAgentAlias need a prepared agent, make version 1 and route to it, and keep the version's action groups?"""
    agent_id = make_agent(agents, "weather")["agentId"]
    with pytest.raises(ClientError) as unprepared:
        agents.create_agent_alias(agentId=agent_id, agentAliasName="live")
    assert error_code(unprepared) == "ValidationException"
    agents.create_agent_action_group(**draft(agent_id), actionGroupName="ask",
                                     actionGroupExecutor=RETURN_CONTROL, functionSchema=WEATHER_FUNCTIONS)
    assert prepared(agents, agent_id)["agentStatus"] == "PREPARED"
    created = agents.create_agent_alias(agentId=agent_id, agentAliasName="live", description="production")["agentAlias"]
    assert created["agentAliasStatus"] == "CREATING"
    alias = agents.get_agent_alias(agentId=agent_id, agentAliasId=created["agentAliasId"])["agentAlias"]
    assert alias["agentAliasStatus"] == "PREPARED" and alias["routingConfiguration"] == [{"agentVersion": "1"}]
    assert alias["agentAliasArn"] == f"arn:aws:bedrock:us-east-1:123456789012:agent-alias/{agent_id}/{alias['agentAliasId']}"
    assert alias["agentAliasHistoryEvents"][0]["routingConfiguration"] == [{"agentVersion": "1"}]
    listed = agents.list_agent_aliases(agentId=agent_id)["agentAliasSummaries"]
    names = {a["agentAliasId"]: a["agentAliasName"] for a in listed}
    assert names == {"TSTALIASID": "AgentTestAlias", alias["agentAliasId"]: "live"}
    version = agents.get_agent_version(agentId=agent_id, agentVersion="1")["agentVersion"]
    assert version["version"] == "1" and version["instruction"] == INSTRUCTION and version["agentStatus"] == "PREPARED"
    groups = agents.list_agent_action_groups(agentId=agent_id, agentVersion="1")["actionGroupSummaries"]
    assert [g["actionGroupName"] for g in groups] == ["ask"]
    versions = [v["agentVersion"] for v in agents.list_agent_versions(agentId=agent_id)["agentVersionSummaries"]]
    assert versions == ["DRAFT", "1"]
    assert agents.get_agent(agentId=agent_id)["agent"]["agentStatus"] == "PREPARED"


def test_alias_routing_updates_and_deletes(agents: Any) -> None:
    """Do aliases route to an existing version, move to a new one, and protect the versions they use?"""
    agent_id = make_agent(agents, "weather")["agentId"]
    alias_id = make_alias(agents, agent_id)["agentAliasId"]
    with pytest.raises(ClientError) as missing:
        agents.create_agent_alias(agentId=agent_id, agentAliasName="old", routingConfiguration=[{"agentVersion": "7"}])
    assert error_code(missing) == "ResourceNotFoundException"
    pinned = agents.create_agent_alias(agentId=agent_id, agentAliasName="pinned",
                                       routingConfiguration=[{"agentVersion": "1"}])
    assert pinned["agentAlias"]["routingConfiguration"] == [{"agentVersion": "1"}]
    agents.update_agent_alias(agentId=agent_id, agentAliasId=alias_id, agentAliasName="live")
    alias = agents.get_agent_alias(agentId=agent_id, agentAliasId=alias_id)["agentAlias"]
    assert alias["routingConfiguration"] == [{"agentVersion": "2"}]
    assert [e["routingConfiguration"][0]["agentVersion"] for e in alias["agentAliasHistoryEvents"]] == ["2", "1"]
    with pytest.raises(ClientError) as in_use:
        agents.delete_agent_version(agentId=agent_id, agentVersion="1")
    assert error_code(in_use) == "ConflictException"
    with pytest.raises(ClientError) as test_alias:
        agents.delete_agent_alias(agentId=agent_id, agentAliasId="TSTALIASID")
    assert error_code(test_alias) == "ValidationException"
    deleted = agents.delete_agent_alias(agentId=agent_id, agentAliasId=pinned["agentAlias"]["agentAliasId"])
    assert deleted["agentAliasStatus"] == "DELETING"
    assert agents.delete_agent_version(agentId=agent_id, agentVersion="1")["agentStatus"] == "DELETING"


# -- collaborators -----------------------------------------------------------------------------------------


def test_a_collaborator_is_associated_through_an_alias(agents: Any) -> None:
    """Can a supervisor take a collaborator by alias ARN, keep its instruction and history relay, and then be prepared?"""
    worker = make_agent(agents, "weather")["agentId"]
    alias_arn = make_alias(agents, worker)["agentAliasArn"]
    supervisor = make_agent(agents, "supervisor", agentCollaboration="SUPERVISOR")["agentId"]
    created = agents.associate_agent_collaborator(
        **draft(supervisor), agentDescriptor={"aliasArn": alias_arn}, collaboratorName="weather_expert",
        collaborationInstruction="Hand weather questions to this agent.", relayConversationHistory="TO_COLLABORATOR",
    )["agentCollaborator"]
    got = agents.get_agent_collaborator(**draft(supervisor),
                                        collaboratorId=created["collaboratorId"])["agentCollaborator"]
    assert got["agentDescriptor"] == {"aliasArn": alias_arn}
    assert (got["collaboratorName"], got["relayConversationHistory"]) == ("weather_expert", "TO_COLLABORATOR")
    assert got["collaborationInstruction"] == "Hand weather questions to this agent."
    listed = agents.list_agent_collaborators(**draft(supervisor))["agentCollaboratorSummaries"]
    assert [c["collaboratorId"] for c in listed] == [created["collaboratorId"]]
    assert prepared(agents, supervisor)["agentStatus"] == "PREPARED"
    with pytest.raises(ClientError) as in_use:
        agents.delete_agent(agentId=worker)
    assert error_code(in_use) == "ConflictException"
    agents.disassociate_agent_collaborator(**draft(supervisor), collaboratorId=created["collaboratorId"])
    assert agents.list_agent_collaborators(**draft(supervisor))["agentCollaboratorSummaries"] == []


def test_a_collaborator_must_be_an_alias(agents: Any) -> None:
    """Are an agent ARN, an unknown alias, the test alias and a non-supervisor refused?"""
    worker = make_agent(agents, "weather")
    alias_arn = make_alias(agents, worker["agentId"])["agentAliasArn"]
    supervisor = make_agent(agents, "supervisor", agentCollaboration="SUPERVISOR")["agentId"]
    plain = make_agent(agents, "plain")["agentId"]

    def associate(agent_id: str, arn: str) -> pytest.ExceptionInfo[ClientError]:
        with pytest.raises(ClientError) as refused:
            agents.associate_agent_collaborator(**draft(agent_id), agentDescriptor={"aliasArn": arn},
                                                collaboratorName="helper", collaborationInstruction="Help.")
        return refused

    not_alias = associate(supervisor, worker["agentArn"])
    assert error_code(not_alias) == "ValidationException" and "agentDescriptor.aliasArn" in str(not_alias.value)
    unknown = alias_arn.rsplit("/", 1)[0] + "/ZZZZZZZZZZ"
    assert error_code(associate(supervisor, unknown)) == "ResourceNotFoundException"
    test_alias = associate(supervisor, alias_arn.rsplit("/", 1)[0] + "/TSTALIASID")
    assert error_code(test_alias) == "ValidationException"
    assert error_code(associate(plain, alias_arn)) == "ValidationException"


def test_preparation_fails_when_a_collaborator_alias_is_gone(agents: Any) -> None:
    """Does a supervisor whose collaborator alias was deleted fail preparation?"""
    worker = make_agent(agents, "weather")["agentId"]
    alias = make_alias(agents, worker)
    supervisor = make_agent(agents, "supervisor", agentCollaboration="SUPERVISOR")["agentId"]
    agents.associate_agent_collaborator(**draft(supervisor),
                                        agentDescriptor={"aliasArn": alias["agentAliasArn"]},
                                        collaboratorName="weather_expert", collaborationInstruction="Weather.")
    agents.delete_agent(agentId=worker, skipResourceInUseCheck=True)
    agent = prepared(agents, supervisor)
    assert agent["agentStatus"] == "FAILED" and alias["agentAliasArn"] in agent["failureReasons"][0]


# -- knowledge bases ---------------------------------------------------------------------------------------


def test_a_knowledge_base_keeps_its_configuration(agents: Any) -> None:
    """Does a knowledge base keep its embedding model and vector store, update its name, and refuse a new store?"""
    created = make_knowledge_base(agents)
    assert created["status"] == "CREATING" and len(created["knowledgeBaseId"]) == 10
    kb_id = created["knowledgeBaseId"]
    kb = agents.get_knowledge_base(knowledgeBaseId=kb_id)["knowledgeBase"]
    assert kb["status"] == "ACTIVE" and kb["storageConfiguration"] == STORAGE
    assert kb["knowledgeBaseConfiguration"]["vectorKnowledgeBaseConfiguration"]["embeddingModelArn"] == EMBEDDING
    config = kb["knowledgeBaseConfiguration"]
    updated = agents.update_knowledge_base(knowledgeBaseId=kb_id, name="handbook", roleArn=ROLE, description="HR handbook",
                                           knowledgeBaseConfiguration=config, storageConfiguration=STORAGE)
    assert updated["knowledgeBase"]["status"] == "UPDATING"
    kb = agents.get_knowledge_base(knowledgeBaseId=kb_id)["knowledgeBase"]
    assert (kb["name"], kb["description"], kb["storageConfiguration"]) == ("handbook", "HR handbook", STORAGE)
    other = json.loads(json.dumps(STORAGE))
    other["opensearchServerlessConfiguration"]["vectorIndexName"] = "another-index"
    with pytest.raises(ClientError) as refused:
        agents.update_knowledge_base(knowledgeBaseId=kb_id, name="handbook", roleArn=ROLE,
                                     knowledgeBaseConfiguration=config, storageConfiguration=other)
    assert error_code(refused) == "ValidationException"
    assert [s["name"] for s in agents.list_knowledge_bases()["knowledgeBaseSummaries"]] == ["handbook"]
    assert agents.delete_knowledge_base(knowledgeBaseId=kb_id)["status"] == "DELETING"
    with pytest.raises(ClientError) as gone:
        agents.get_knowledge_base(knowledgeBaseId=kb_id)
    assert error_code(gone) == "ResourceNotFoundException"


def test_a_vector_knowledge_base_needs_an_embedding_model(agents: Any) -> None:
    """Is a VECTOR knowledge base without an embedding model, or without its store's settings, refused?"""
    with pytest.raises(ClientError) as no_model:
        agents.create_knowledge_base(name="docs", roleArn=ROLE, knowledgeBaseConfiguration={"type": "VECTOR"},
                                     storageConfiguration=STORAGE)
    assert error_code(no_model) == "ValidationException"
    with pytest.raises(ClientError) as no_store:
        agents.create_knowledge_base(name="docs", roleArn=ROLE, storageConfiguration={"type": "OPENSEARCH_SERVERLESS"},
                                     knowledgeBaseConfiguration=VECTOR)
    assert error_code(no_store) == "ValidationException"


def test_ingestion_statistics_match_the_bucket(aws: Aws, agents: Any) -> None:
    """Do an ingestion job's statistics count the bucket's documents as they are, and again after changes?"""
    fill_bucket(aws, "company-docs", {
        "docs/refunds.txt": "Refunds are paid within 14 days of a return.",
        "docs/refunds.txt.metadata.json": json.dumps({"metadataAttributes": {"team": "sales"}}),
        "docs/shipping.md": "# Shipping\nOrders ship from Osaka every weekday.",
        "docs/about.html": "<html><body><p>We sell <b>umbrellas</b>.</p></body></html>",
        "docs/logo.png": b"\x89PNG not a document",
        "docs/folder/": b"",
        "private/salaries.txt": "Not for the knowledge base.",
    })
    kb_id = make_knowledge_base(agents)["knowledgeBaseId"]
    source = make_data_source(agents, kb_id, "company-docs", inclusionPrefixes=["docs/"])
    assert source["status"] == "AVAILABLE" and source["dataDeletionPolicy"] == "DELETE"
    job = ingest(agents, kb_id, source["dataSourceId"])
    assert job["status"] == "COMPLETE"
    assert job["statistics"] == known_statistics(agents, {
        "numberOfDocumentsScanned": 4, "numberOfMetadataDocumentsScanned": 1, "numberOfNewDocumentsIndexed": 3,
        "numberOfModifiedDocumentsIndexed": 0, "numberOfMetadataDocumentsModified": 0, "numberOfDocumentsDeleted": 0,
        "numberOfDocumentsFailed": 1, "numberOfDocumentsSkipped": 0,
    })
    assert "s3://company-docs/docs/logo.png" in job["failureReasons"][0]
    s3 = aws.client("s3")
    s3.put_object(Bucket="company-docs", Key="docs/shipping.md", Body="# Shipping\nOrders ship from Kobe.")
    s3.delete_object(Bucket="company-docs", Key="docs/about.html")
    s3.put_object(Bucket="company-docs", Key="docs/returns.txt", Body="Returns need a receipt.")
    s3.put_object(Bucket="company-docs", Key="docs/refunds.txt.metadata.json",
                  Body=json.dumps({"metadataAttributes": {"team": "support"}}))
    again = ingest(agents, kb_id, source["dataSourceId"])["statistics"]
    counted = ("numberOfNewDocumentsIndexed", "numberOfModifiedDocumentsIndexed", "numberOfDocumentsDeleted",
               "numberOfMetadataDocumentsModified", "numberOfDocumentsScanned")
    assert [again[name] for name in counted] == [1, 1, 1, 1, 4]
    jobs = agents.list_ingestion_jobs(knowledgeBaseId=kb_id, dataSourceId=source["dataSourceId"])["ingestionJobSummaries"]
    assert [j["status"] for j in jobs] == ["COMPLETE", "COMPLETE"] and jobs[0]["ingestionJobId"] == job["ingestionJobId"]


def test_data_sources_round_trip(aws: Aws, agents: Any) -> None:
    """Do data sources keep their configuration, refuse a taken name, update and delete? Does a missing bucket fail
    ingestion?"""
    kb_id = make_knowledge_base(agents)["knowledgeBaseId"]
    chunking = {"chunkingConfiguration": {"chunkingStrategy": "FIXED_SIZE",
                                          "fixedSizeChunkingConfiguration": {"maxTokens": 100, "overlapPercentage": 10}}}
    source = agents.create_data_source(knowledgeBaseId=kb_id, name="manuals", vectorIngestionConfiguration=chunking,
                                       dataDeletionPolicy="RETAIN",
                                       dataSourceConfiguration=s3_source("no-such-bucket"))["dataSource"]
    ds_id = source["dataSourceId"]
    got = agents.get_data_source(knowledgeBaseId=kb_id, dataSourceId=ds_id)["dataSource"]
    assert got["vectorIngestionConfiguration"] == chunking and got["dataDeletionPolicy"] == "RETAIN"
    with pytest.raises(ClientError) as taken:
        agents.create_data_source(knowledgeBaseId=kb_id, name="manuals",
                                  dataSourceConfiguration=s3_source("manuals"))
    assert error_code(taken) == "ConflictException"
    failed = ingest(agents, kb_id, ds_id)
    assert failed["status"] == "FAILED" and "no-such-bucket" in failed["failureReasons"][0]
    agents.update_data_source(knowledgeBaseId=kb_id, dataSourceId=ds_id, name="manuals", description="Product manuals",
                              dataSourceConfiguration=s3_source("manuals"))
    got = agents.get_data_source(knowledgeBaseId=kb_id, dataSourceId=ds_id)["dataSource"]
    assert got["description"] == "Product manuals" and got["dataSourceConfiguration"] == s3_source("manuals")
    assert [s["name"] for s in agents.list_data_sources(knowledgeBaseId=kb_id)["dataSourceSummaries"]] == ["manuals"]
    assert agents.delete_data_source(knowledgeBaseId=kb_id, dataSourceId=ds_id)["status"] == "DELETING"
    assert agents.list_data_sources(knowledgeBaseId=kb_id)["dataSourceSummaries"] == []


def test_an_agent_uses_a_knowledge_base(agents: Any) -> None:
    """Can a knowledge base be associated with an agent, updated, listed and disassociated, and does a deleted one
    fail preparation?"""
    agent_id = make_agent(agents, "helpdesk")["agentId"]
    kb_id = make_knowledge_base(agents)["knowledgeBaseId"]
    linked = agents.associate_agent_knowledge_base(**draft(agent_id), knowledgeBaseId=kb_id,
                                                   description="Use for company policies")["agentKnowledgeBase"]
    assert (linked["knowledgeBaseState"], linked["description"]) == ("ENABLED", "Use for company policies")
    with pytest.raises(ClientError) as twice:
        agents.associate_agent_knowledge_base(**draft(agent_id), knowledgeBaseId=kb_id, description="again")
    assert error_code(twice) == "ConflictException"
    with pytest.raises(ClientError) as unknown:
        agents.associate_agent_knowledge_base(**draft(agent_id), knowledgeBaseId="ZZZZZZZZZZ", description="x")
    assert error_code(unknown) == "ResourceNotFoundException"
    agents.update_agent_knowledge_base(**draft(agent_id), knowledgeBaseId=kb_id, knowledgeBaseState="DISABLED")
    got = agents.get_agent_knowledge_base(**draft(agent_id), knowledgeBaseId=kb_id)["agentKnowledgeBase"]
    assert got["knowledgeBaseState"] == "DISABLED"
    listed = agents.list_agent_knowledge_bases(**draft(agent_id))["agentKnowledgeBaseSummaries"]
    assert [k["knowledgeBaseId"] for k in listed] == [kb_id]
    assert prepared(agents, agent_id)["agentStatus"] == "PREPARED"
    agents.delete_knowledge_base(knowledgeBaseId=kb_id)
    agent = prepared(agents, agent_id)
    assert agent["agentStatus"] == "FAILED" and kb_id in agent["failureReasons"][0]
    agents.disassociate_agent_knowledge_base(**draft(agent_id), knowledgeBaseId=kb_id)
    assert prepared(agents, agent_id)["agentStatus"] == "PREPARED"


# -- errors, tags, reset, CLI ------------------------------------------------------------------------------


def test_unknown_and_malformed_identifiers(agents: Any) -> None:
    """Is an unknown agent a ResourceNotFoundException (404), and a malformed id a ValidationException?"""
    with pytest.raises(ClientError) as unknown:
        agents.get_agent(agentId="ABCDEFGHIJ")
    assert error_code(unknown) == "ResourceNotFoundException"
    assert unknown.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as malformed:
        agents.get_agent(agentId="not-an-id")
    assert error_code(malformed) == "ValidationException" and "at 'agentId'" in str(malformed.value)
    with pytest.raises(ClientError) as name_taken:
        make_agent(agents, "twin")
        make_agent(agents, "twin")
    assert error_code(name_taken) == "ConflictException"


def test_tags(agents: Any) -> None:
    """Are agents, aliases and knowledge bases tagged at creation and by TagResource?"""
    agent = make_agent(agents, "tagged", tags={"team": "ai"})
    kb = make_knowledge_base(agents)
    agents.tag_resource(resourceArn=kb["knowledgeBaseArn"], tags={"stage": "lab"})
    assert agents.list_tags_for_resource(resourceArn=agent["agentArn"])["tags"] == {"team": "ai"}
    assert agents.list_tags_for_resource(resourceArn=kb["knowledgeBaseArn"])["tags"] == {"stage": "lab"}
    agents.untag_resource(resourceArn=agent["agentArn"], tagKeys=["team"])
    assert agents.list_tags_for_resource(resourceArn=agent["agentArn"])["tags"] == {}


def test_reset_forgets_agents_and_knowledge_bases(target: Target, agents: Any) -> None:
    """Does /moto-api/reset clear agents and knowledge bases?"""
    make_agent(agents, "temporary")
    make_knowledge_base(agents)
    request = urllib.request.Request(f"{target.endpoint_url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30):
        pass
    assert agents.list_agents()["agentSummaries"] == []
    assert agents.list_knowledge_bases()["knowledgeBaseSummaries"] == []


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_the_aws_cli_builds_an_agent(target: Target, agents: Any) -> None:
    """Does the real aws CLI create, prepare, read and list an agent, configuration intact?"""
    env = {**os.environ, **target.environ()}

    def cli(*args: str) -> Any:
        done = subprocess.run(["aws", "bedrock-agent", *args, "--output", "json"], env=env, capture_output=True, check=False,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    created = cli("create-agent", "--agent-name", "cli-agent", "--agent-resource-role-arn", ROLE,
                  "--foundation-model", MODEL, "--instruction", INSTRUCTION, "--agent-collaboration", "DISABLED")
    agent_id = created["agent"]["agentId"]
    assert cli("prepare-agent", "--agent-id", agent_id)["agentStatus"] == "PREPARING"
    assert cli("get-agent", "--agent-id", agent_id)["agent"]["agentStatus"] == "PREPARED"
    assert [a["agentId"] for a in cli("list-agents")["agentSummaries"]] == [agent_id]
    alias = cli("create-agent-alias", "--agent-id", agent_id, "--agent-alias-name", "live")["agentAlias"]
    assert alias["routingConfiguration"] == [{"agentVersion": "1"}]
    cli("update-agent", "--agent-id", agent_id, "--agent-name", "cli-agent", "--agent-resource-role-arn", ROLE,
        "--foundation-model", MODEL, "--agent-collaboration", "SUPERVISOR",
        "--guardrail-configuration", "guardrailIdentifier=gr9abc,guardrailVersion=DRAFT")
    agent = cli("get-agent", "--agent-id", agent_id)["agent"]
    assert agent["guardrailConfiguration"] == {"guardrailIdentifier": "gr9abc", "guardrailVersion": "DRAFT"}
    assert (agent["agentCollaboration"], agent["agentStatus"]) == ("SUPERVISOR", "NOT_PREPARED")
    with pytest.raises(AssertionError, match="ValidationException"):
        cli("get-agent", "--agent-id", "bad")
    assert agents.get_agent(agentId=agent_id)["agent"]["agentName"] == "cli-agent"


# -- embedding dimension against the S3 Vectors index ------------------------------------------------------


def _s3_vectors_kb(aws: Aws, agents: Any, index_dimension: int, **embedding: Any) -> dict[str, Any]:
    vectors = aws.client("s3vectors")
    vectors.create_vector_bucket(vectorBucketName="kb-vectors")
    index = vectors.create_index(vectorBucketName="kb-vectors", indexName="docs", dataType="float32",
                                 dimension=index_dimension, distanceMetric="cosine")
    index_arn = index.get("indexArn") or vectors.get_index(vectorBucketName="kb-vectors", indexName="docs")["index"]["indexArn"]
    vector = {"embeddingModelArn": EMBEDDING, **embedding}
    kb: dict[str, Any] = agents.create_knowledge_base(
        name="docs", roleArn=ROLE,
        knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": vector},
        storageConfiguration={"type": "S3_VECTORS", "s3VectorsConfiguration": {"indexArn": index_arn}},
    )["knowledgeBase"]
    return kb


def _dimensions(value: int) -> dict[str, Any]:
    return {"embeddingModelConfiguration": {"bedrockEmbeddingModelConfiguration": {"dimensions": value}}}


def test_ingestion_fails_when_the_embedding_dimension_differs_from_the_s3_vectors_index(aws: Aws, agents: Any) -> None:
    kb = _s3_vectors_kb(aws, agents, 512)  # Titan Text Embeddings V2 gives 1024 unless told otherwise
    fill_bucket(aws, "kb-docs", {"a.txt": "Our office opens at nine."})
    source = make_data_source(agents, kb["knowledgeBaseId"], "kb-docs")
    job = ingest(agents, kb["knowledgeBaseId"], source["dataSourceId"])
    assert job["status"] == "FAILED"
    [reason] = job["failureReasons"]
    assert "dimension 1024" in reason and "dimension 512" in reason and "amazon.titan-embed-text-v2:0" in reason


def test_ingestion_completes_when_the_chosen_dimensions_match_the_index(aws: Aws, agents: Any) -> None:
    kb = _s3_vectors_kb(aws, agents, 512, **_dimensions(512))
    fill_bucket(aws, "kb-docs", {"a.txt": "Our office opens at nine."})
    source = make_data_source(agents, kb["knowledgeBaseId"], "kb-docs")
    assert ingest(agents, kb["knowledgeBaseId"], source["dataSourceId"])["status"] == "COMPLETE"


def test_ingestion_dimension_mismatch_through_the_cli(target: Target, aws: Aws, agents: Any) -> None:
    kb = _s3_vectors_kb(aws, agents, 256, **_dimensions(1024))
    fill_bucket(aws, "kb-docs", {"a.txt": "Our office opens at nine."})
    source = make_data_source(agents, kb["knowledgeBaseId"], "kb-docs")
    where = ["--knowledge-base-id", kb["knowledgeBaseId"], "--data-source-id", source["dataSourceId"]]
    started = json.loads(aws.cli("bedrock-agent", "start-ingestion-job", *where))["ingestionJob"]
    job = json.loads(aws.cli("bedrock-agent", "get-ingestion-job", *where,
                             "--ingestion-job-id", started["ingestionJobId"]))["ingestionJob"]
    assert job["status"] == "FAILED" and "dimension 256" in job["failureReasons"][0]


def test_a_dimension_the_embedding_model_does_not_support_is_refused(aws: Aws, agents: Any) -> None:
    with pytest.raises(ClientError) as caught:
        _s3_vectors_kb(aws, agents, 768, **_dimensions(768))
    assert error_code(caught) == "ValidationException"
