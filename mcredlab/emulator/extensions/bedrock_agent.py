"""Agents for Amazon Bedrock (``bedrock-agent``): agents, action groups, aliases, versions,
collaborators and knowledge bases with S3 data sources and ingestion, as a learner builds them.

moto 5.2.5 answers only create/get/list/delete of agents and knowledge bases, drops
``guardrailConfiguration`` and ``agentCollaboration``, and reports every agent ``PREPARED``. Here
every operation below is a method of moto's ``AgentsforBedrockResponse`` (the server already tries
bedrock-agent for the shared signing name ``bedrock``), answered from
:mod:`mcredlab.emulator.bedrock_agents` (its own state, registered with moto so ``/moto-api/reset``
clears it) after the request is checked against botocore's model as AWS checks it. Behaviour and
differences from AWS: docs/bedrock-agents-offline.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import unquote

SEAMS = (
    ("moto.bedrockagent.responses", "AgentsforBedrockResponse", None),
    ("moto.core.responses", "BaseResponse", "call_action"),  # finds the method named like the operation
    ("moto.core.responses", "BaseResponse", "_get_action_from_method_and_request_uri"),  # sets uri_match
    ("moto.core.responses", "BaseResponse", "get_current_account"),  # sets current_account
    ("moto.core.utils", "camelcase_to_underscores", None),
    ("moto.core.base_backend", "BackendDict", "reset"),  # state in BackendDicts is cleared by a reset
    ("moto.core.base_backend", "BaseBackend", "reset"),
    ("moto.core.exceptions", "JsonRESTError", None),
    ("moto.moto_api._internal", "mock_random", None),
    ("moto.s3.models", "s3_backends", None),  # ingestion and API schemas read S3
    ("moto.s3.models", "S3Backend", "get_bucket"),
    ("moto.s3.models", "S3Backend", "get_object"),
    ("moto.s3.models", "FakeKey", "value"),
    ("moto.awslambda.utils", "get_backend", None),  # preparation checks action groups' functions
    ("moto.awslambda.models", "LambdaBackend", "get_function"),
    ("moto.bedrock.responses", "BedrockResponse", None),  # guardrails are read through GetGuardrail
    ("moto.core.request", "Request", "from_values"),
)

AGENT_OPERATIONS = (
    "CreateAgent", "GetAgent", "ListAgents", "UpdateAgent", "DeleteAgent", "PrepareAgent",
    "GetAgentVersion", "ListAgentVersions", "DeleteAgentVersion",
    "CreateAgentAlias", "GetAgentAlias", "ListAgentAliases", "UpdateAgentAlias", "DeleteAgentAlias",
    "CreateAgentActionGroup", "GetAgentActionGroup", "ListAgentActionGroups", "UpdateAgentActionGroup",
    "DeleteAgentActionGroup",
    "AssociateAgentCollaborator", "GetAgentCollaborator", "ListAgentCollaborators", "UpdateAgentCollaborator",
    "DisassociateAgentCollaborator",
    "AssociateAgentKnowledgeBase", "GetAgentKnowledgeBase", "ListAgentKnowledgeBases", "UpdateAgentKnowledgeBase",
    "DisassociateAgentKnowledgeBase",
    "TagResource", "UntagResource", "ListTagsForResource",
)
KNOWLEDGE_BASE_OPERATIONS = (
    "CreateKnowledgeBase", "GetKnowledgeBase", "ListKnowledgeBases", "UpdateKnowledgeBase", "DeleteKnowledgeBase",
    "CreateDataSource", "GetDataSource", "ListDataSources", "UpdateDataSource", "DeleteDataSource",
    "StartIngestionJob", "GetIngestionJob", "ListIngestionJobs", "StopIngestionJob",
)


@cache
def _status(operation: str) -> int:
    import botocore.session

    model = botocore.session.get_session().get_service_model("bedrock-agent")
    return int(model.operation_model(operation).http.get("responseCode", 200))


def request_call(response: Any) -> Any:
    """The request a moto response object is handling, as a :class:`Call`."""
    from mcredlab.emulator.bedrock_agents.common import Call

    try:
        body = json.loads(response.body) if response.body else {}
    except ValueError:
        body = {}
    uri = {k: unquote(str(v)) for k, v in (getattr(response, "uri_match", None) or {}).items()}
    return Call(uri=uri, body=body if isinstance(body, dict) else {}, query=dict(response.querystring))


def _store(operation: str, account_id: str, region: str) -> Any:
    from mcredlab.emulator.bedrock_agents import agents, knowledge_bases

    if operation in KNOWLEDGE_BASE_OPERATIONS:
        return knowledge_bases.store(account_id, region)
    return agents.store(account_id, region)


def _method(operation: str) -> Callable[[Any], tuple[int, dict[str, Any], str]]:
    """The response method answering ``operation`` from the stores."""
    from moto.core.utils import camelcase_to_underscores

    name = camelcase_to_underscores(operation)

    def answer(self: Any) -> tuple[int, dict[str, Any], str]:
        from mcredlab.emulator.bedrock_agents.validation import validate

        call = request_call(self)
        validate("bedrock-agent", operation, call)
        result = getattr(_store(operation, self.current_account, self.region), name)(call)
        status = _status(operation)
        body = "" if status == 204 else json.dumps(result)
        return status, {"status": status, "Content-Type": "application/json"}, body

    answer.__name__ = name
    return answer


def install() -> None:
    from moto.bedrockagent.responses import AgentsforBedrockResponse

    for operation in (*AGENT_OPERATIONS, *KNOWLEDGE_BASE_OPERATIONS):
        method = _method(operation)
        setattr(AgentsforBedrockResponse, method.__name__, method)
