"""Agents with their working draft, action groups, collaborators, knowledge bases, versions and
aliases, kept per account and region.

* An agent keeps every field it was created or updated with. ``UpdateAgent`` replaces the fields
  it gives and keeps the others (an empty ``guardrailConfiguration`` removes the guardrail).
* Any change to the ``DRAFT`` (agent, action group, collaborator, knowledge base) makes the agent
  ``NOT_PREPARED``. ``PrepareAgent`` answers ``PREPARING``; the agent is then ``PREPARED`` (the
  draft is frozen as the *prepared draft*, which the test alias ``TSTALIASID`` runs) or ``FAILED``
  with ``failureReasons`` and ``recommendedActions`` (see :func:`preparation_failures`). What AWS
  rejects at once (no model, no instruction, a supervisor without collaborators) is a
  ValidationException and changes nothing.
* ``CreateAgentAlias`` without a ``routingConfiguration`` freezes the prepared draft as the next
  numbered version and routes to it; with one, it routes to that existing version. Aliases and
  versions answer ``CREATING`` when created and are ``PREPARED`` on any later read.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend

from mcredlab.emulator.bedrock_agents import knowledge_bases
from mcredlab.emulator.bedrock_agents.common import (
    DRAFT,
    TEST_ALIAS_ID,
    Call,
    ConflictException,
    ResourceNotFoundException,
    ValidationException,
    compact,
    find,
    iso,
    new_id,
    now,
    page,
    pick,
    require_draft,
    unique,
)

AGENT_FIELDS = ("agentName", "instruction", "foundationModel", "description", "orchestrationType",
                "customOrchestration", "idleSessionTTLInSeconds", "agentResourceRoleArn", "customerEncryptionKeyArn",
                "promptOverrideConfiguration", "guardrailConfiguration", "memoryConfiguration", "agentCollaboration")
ACTION_GROUP_FIELDS = ("actionGroupName", "description", "parentActionGroupSignature",
                       "parentActionGroupSignatureParams", "actionGroupExecutor", "apiSchema", "functionSchema",
                       "actionGroupState")
COLLABORATOR_FIELDS = ("agentDescriptor", "collaboratorName", "collaborationInstruction", "relayConversationHistory")
AGENT_DEFAULTS = {"idleSessionTTLInSeconds": 600, "agentCollaboration": "DISABLED", "orchestrationType": "DEFAULT"}
SUPERVISING = ("SUPERVISOR", "SUPERVISOR_ROUTER")
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")  # an OpenAPI path item's operations
ALIAS_ARN = re.compile(r"arn:aws(-[^:]+)?:bedrock:(?P<region>[a-z0-9-]{1,20}):(?P<account>[0-9]{12}):"
                       r"agent-alias/(?P<agent>[0-9a-zA-Z]{10})/(?P<alias>[0-9a-zA-Z]{10})")
ALIAS_ARN_PATTERN = r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:agent-alias/[0-9a-zA-Z]{10}/[0-9a-zA-Z]{10}"


@dataclass
class ActionGroup:
    id: str
    settings: dict[str, Any]
    created_at: float
    updated_at: float
    client_token: str | None = None

    @property
    def name(self) -> str:
        return str(self.settings["actionGroupName"])

    @property
    def enabled(self) -> bool:
        return bool(self.settings.get("actionGroupState", "ENABLED") == "ENABLED")

    def to_api(self, agent_id: str, version: str) -> dict[str, Any]:
        settings = dict(self.settings)
        parent = settings.pop("parentActionGroupSignature", None)
        return compact({"agentId": agent_id, "agentVersion": version, "actionGroupId": self.id, **settings,
                        "parentActionSignature": parent, "clientToken": self.client_token,
                        "createdAt": iso(self.created_at), "updatedAt": iso(self.updated_at)})

    def summary(self) -> dict[str, Any]:
        return compact({"actionGroupId": self.id, "actionGroupName": self.name,
                        "actionGroupState": self.settings.get("actionGroupState", "ENABLED"),
                        "description": self.settings.get("description"), "updatedAt": iso(self.updated_at)})


@dataclass
class Collaborator:
    id: str
    settings: dict[str, Any]
    created_at: float
    updated_at: float
    client_token: str | None = None

    @property
    def name(self) -> str:
        return str(self.settings["collaboratorName"])

    @property
    def alias_arn(self) -> str:
        return str((self.settings.get("agentDescriptor") or {}).get("aliasArn") or "")

    def to_api(self, agent_id: str, version: str) -> dict[str, Any]:
        return compact({"agentId": agent_id, "agentVersion": version, "collaboratorId": self.id, **self.settings,
                        "clientToken": self.client_token, "createdAt": iso(self.created_at),
                        "lastUpdatedAt": iso(self.updated_at)})


@dataclass
class KnowledgeBaseLink:
    knowledge_base_id: str
    description: str
    state: str
    created_at: float
    updated_at: float

    @property
    def enabled(self) -> bool:
        return self.state == "ENABLED"

    def to_api(self, agent_id: str, version: str) -> dict[str, Any]:
        return {"agentId": agent_id, "agentVersion": version, **self.summary(), "createdAt": iso(self.created_at)}

    def summary(self) -> dict[str, Any]:
        return {"knowledgeBaseId": self.knowledge_base_id, "description": self.description,
                "knowledgeBaseState": self.state, "updatedAt": iso(self.updated_at)}


@dataclass
class AgentConfig:
    """What a version of an agent is: its settings and what is attached to it."""

    settings: dict[str, Any]
    action_groups: dict[str, ActionGroup] = field(default_factory=dict)
    knowledge_bases: dict[str, KnowledgeBaseLink] = field(default_factory=dict)
    collaborators: dict[str, Collaborator] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.settings["agentName"])

    @property
    def collaboration(self) -> str:
        return str(self.settings.get("agentCollaboration") or "DISABLED")

    def frozen(self) -> AgentConfig:
        return copy.deepcopy(self)


@dataclass
class AgentVersion:
    number: str
    config: AgentConfig
    created_at: float

    def to_api(self, agent: Agent) -> dict[str, Any]:
        return compact({"agentId": agent.id, "agentArn": agent.arn, "version": self.number,
                        **self.config.settings, "agentStatus": "PREPARED", "createdAt": iso(self.created_at),
                        "updatedAt": iso(self.created_at)})

    def summary(self) -> dict[str, Any]:
        return compact({"agentName": self.config.name, "agentStatus": "PREPARED", "agentVersion": self.number,
                        "createdAt": iso(self.created_at), "updatedAt": iso(self.created_at),
                        "description": self.config.settings.get("description"),
                        "guardrailConfiguration": self.config.settings.get("guardrailConfiguration")})


@dataclass
class Alias:
    id: str
    arn: str
    settings: dict[str, Any]
    routing: list[dict[str, Any]]
    created_at: float
    updated_at: float
    history: list[dict[str, Any]] = field(default_factory=list)
    client_token: str | None = None

    @property
    def version(self) -> str:
        return str(self.routing[0]["agentVersion"])

    def to_api(self, agent_id: str, status: str = "PREPARED") -> dict[str, Any]:
        return compact({"agentId": agent_id, "agentAliasId": self.id, "agentAliasArn": self.arn, **self.settings,
                        "routingConfiguration": self.routing, "clientToken": self.client_token,
                        "createdAt": iso(self.created_at), "updatedAt": iso(self.updated_at),
                        "agentAliasHistoryEvents": self.history, "agentAliasStatus": status,
                        "aliasInvocationState": self.settings.get("aliasInvocationState", "ACCEPT_INVOCATIONS")})

    def summary(self) -> dict[str, Any]:
        api = self.to_api("")
        hidden = ("agentId", "agentAliasArn", "clientToken", "agentAliasHistoryEvents")
        return {k: v for k, v in api.items() if k not in hidden}

    def route(self, routing: list[dict[str, Any]]) -> None:
        """Point the alias at another version, closing its history entry."""
        stamp = now()
        if self.history:
            self.history[0]["endDate"] = iso(stamp)
        self.history.insert(0, {"routingConfiguration": routing, "startDate": iso(stamp)})
        del self.history[10:]
        self.routing, self.updated_at = routing, stamp


@dataclass
class Agent:
    id: str
    arn: str
    draft: AgentConfig
    created_at: float
    updated_at: float
    status: str = "NOT_PREPARED"
    client_token: str | None = None
    prepared_at: float | None = None
    failure_reasons: list[str] = field(default_factory=list)
    recommended_actions: list[str] = field(default_factory=list)
    prepared: AgentConfig | None = None
    versions: dict[str, AgentVersion] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)

    def to_api(self, status: str | None = None) -> dict[str, Any]:
        return compact({"agentId": self.id, "agentArn": self.arn, "agentVersion": DRAFT, **self.draft.settings,
                        "clientToken": self.client_token, "agentStatus": status or self.status,
                        "createdAt": iso(self.created_at), "updatedAt": iso(self.updated_at),
                        "preparedAt": iso(self.prepared_at), "failureReasons": self.failure_reasons,
                        "recommendedActions": self.recommended_actions})

    def summary(self) -> dict[str, Any]:
        latest = max((int(v) for v in self.versions), default=None)
        return compact({"agentId": self.id, "agentName": self.draft.name, "agentStatus": self.status,
                        "description": self.draft.settings.get("description"), "updatedAt": iso(self.updated_at),
                        "latestAgentVersion": str(latest) if latest else DRAFT,
                        "guardrailConfiguration": self.draft.settings.get("guardrailConfiguration")})

    def config(self, version: str) -> AgentConfig:
        """The configuration of ``version`` (``DRAFT`` is the working draft)."""
        if version == DRAFT:
            return self.draft
        return find(self.versions, version, f"Version of agent {self.id}").config

    def touched(self) -> None:
        """The draft changed: it must be prepared again."""
        self.status, self.updated_at = "NOT_PREPARED", now()


@dataclass
class Session:
    """What one conversation (agent, alias, session id) carries from turn to turn."""

    session_attributes: dict[str, str] = field(default_factory=dict)
    prompt_session_attributes: dict[str, str] = field(default_factory=dict)
    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # returnControl invocationId -> inputs


def parse_alias_arn(arn: str) -> dict[str, str] | None:
    """The region, account, agent and alias of an agent alias ARN."""
    found = ALIAS_ARN.fullmatch(arn)
    return found.groupdict() if found else None


def _lambda_exists(arn: str) -> bool:
    from moto.awslambda.utils import get_backend

    parts = arn.split(":")
    try:
        get_backend(parts[4], parts[3]).get_function(arn)
    except Exception:  # moto raises several "not found" errors
        return False
    return True


def api_schema_text(account_id: str, schema: dict[str, Any]) -> str | None:
    """An action group's OpenAPI text (inline, or read from S3); ``None`` if the S3 object is missing."""
    if "payload" in schema:
        return str(schema["payload"])
    s3 = schema.get("s3") or {}
    body = knowledge_bases.bucket_object(account_id, str(s3.get("s3BucketName")), str(s3.get("s3ObjectKey")))
    return body.decode("utf-8", "replace") if body is not None else None


def parse_openapi(text: str) -> dict[str, Any]:
    """An OpenAPI document in JSON or YAML; ValueError if it is neither, has no ``paths``, or its paths are
    malformed (:func:`openapi_problems`: the first problem is the message)."""
    import yaml

    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ValueError(f"neither JSON nor YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise ValueError("it has no paths")
    problem = next(openapi_problems(document), None)
    if problem is not None:
        raise ValueError(problem)
    return document


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _object(value: Any, where: str) -> Iterator[str]:
    if not isinstance(value, dict):
        yield f"{where} must be an object, not {_kind(value)}"


def _objects(value: Any, where: str) -> Iterator[str]:
    """An array of objects (OpenAPI parameters)."""
    if not isinstance(value, list):
        yield f"{where} must be an array, not {_kind(value)}"
        return
    for position, item in enumerate(value):
        yield from _object(item, f"{where}[{position}]")
        if isinstance(item, dict) and "schema" in item:
            yield from _object(item["schema"], f"{where}[{position}].schema")


def _schema(schema: Any, where: str) -> Iterator[str]:
    """A JSON schema of a request body: properties an object of objects, required an array of names."""
    problems = list(_object(schema, where))
    yield from problems
    if problems:
        return
    if "properties" in schema:
        yield from _object(schema["properties"], f"{where}.properties")
        for name, spec in (schema["properties"] if isinstance(schema["properties"], dict) else {}).items():
            yield from _object(spec, f"{where}.properties.{name}")
    if "required" in schema and not isinstance(schema["required"], list):
        yield f"{where}.required must be an array, not {_kind(schema['required'])}"


def _operation(operation: Any, where: str) -> Iterator[str]:
    problems = list(_object(operation, where))
    yield from problems
    if problems:
        return
    if "parameters" in operation:
        yield from _objects(operation["parameters"], f"{where}.parameters")
    if "requestBody" not in operation:
        return
    body = operation["requestBody"]
    problems = list(_object(body, f"{where}.requestBody"))
    yield from problems
    if problems or "content" not in body:
        return
    content = body["content"]
    problems = list(_object(content, f"{where}.requestBody.content"))
    yield from problems
    for media_type, media in ({} if problems else content).items():
        at = f"{where}.requestBody.content.{media_type}"
        media_problems = list(_object(media, at))
        yield from media_problems
        if not media_problems and "schema" in media:
            yield from _schema(media["schema"], f"{at}.schema")


def openapi_problems(document: dict[str, Any]) -> Iterator[str]:
    """How an OpenAPI document's paths break the structure an action group needs (what InvokeAgent reads)."""
    for path, item in document["paths"].items():
        if not isinstance(path, str) or not path.startswith("/"):
            yield f"the path {path!r} does not begin with a forward slash (/)"
            continue
        problems = list(_object(item, f"paths.{path}"))
        yield from problems
        if problems:
            continue
        for key, value in item.items():
            if key == "parameters":
                yield from _objects(value, f"paths.{path}.parameters")
            elif key in HTTP_METHODS:
                yield from _operation(value, f"paths.{path}.{key}")


class AgentStore(BaseBackend):
    """Agents of one account and region, and the runtime's sessions with them."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.agents: dict[str, Agent] = {}
        self.sessions: dict[tuple[str, str, str], Session] = {}
        self.tags: dict[str, dict[str, str]] = {}

    def agent(self, agent_id: str) -> Agent:
        return find(self.agents, agent_id, "Agent")

    # -- agents ----------------------------------------------------------------------------------------

    def create_agent(self, call: Call) -> dict[str, Any]:
        unique([a.draft.name for a in self.agents.values()], str(call.body["agentName"]), "agent")
        agent_id = new_id(self.agents)
        stamp = now()
        settings = {**AGENT_DEFAULTS, **pick(call.body, AGENT_FIELDS)}
        agent = Agent(agent_id, f"arn:{self.partition}:bedrock:{self.region_name}:{self.account_id}:agent/{agent_id}",
                      AgentConfig(settings), stamp, stamp, client_token=call.body.get("clientToken"))
        test_alias = Alias(TEST_ALIAS_ID, self._alias_arn(agent_id, TEST_ALIAS_ID),
                           {"agentAliasName": "AgentTestAlias", "description": "Test Alias for Agent"},
                           [{"agentVersion": DRAFT}], stamp, stamp)
        agent.aliases[TEST_ALIAS_ID] = test_alias
        self.agents[agent_id] = agent
        if call.body.get("tags"):
            self.tags[agent.arn] = dict(call.body["tags"])
        return {"agent": agent.to_api("CREATING")}

    def get_agent(self, call: Call) -> dict[str, Any]:
        return {"agent": self.agent(call.uri["agentId"]).to_api()}

    def list_agents(self, call: Call) -> dict[str, Any]:
        return page(list(self.agents.values()), call, "agentSummaries", Agent.summary)

    def update_agent(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        name = str(call.body["agentName"])
        if name != agent.draft.name:
            unique([a.draft.name for a in self.agents.values()], name, "agent")
        agent.draft.settings.update(pick(call.body, AGENT_FIELDS))
        if call.body.get("guardrailConfiguration") == {}:
            agent.draft.settings.pop("guardrailConfiguration", None)
        agent.touched()
        return {"agent": agent.to_api("UPDATING")}

    def delete_agent(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        if not call.flag("skipResourceInUseCheck"):
            self._not_collaborating(agent)
        del self.agents[agent.id]
        for arn in [agent.arn, *(alias.arn for alias in agent.aliases.values())]:
            self.tags.pop(arn, None)
        self.sessions = {key: s for key, s in self.sessions.items() if key[0] != agent.id}
        return {"agentId": agent.id, "agentStatus": "DELETING"}

    def _not_collaborating(self, agent: Agent, alias_id: str | None = None) -> None:
        """ConflictException if a supervisor's draft uses ``agent`` (or one alias of it) as a collaborator."""
        for other in self.agents.values():
            for collaborator in other.draft.collaborators.values():
                target = parse_alias_arn(collaborator.alias_arn) or {}
                if target.get("agent") == agent.id and alias_id in (None, target.get("alias")):
                    raise ConflictException(
                        f"Agent {agent.id} is used as collaborator {collaborator.name} of agent {other.id}. "
                        "Disassociate it first, or set skipResourceInUseCheck."
                    )

    # -- preparation -----------------------------------------------------------------------------------

    def prepare_agent(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        _refuse_preparation(agent.draft)
        failures = self.preparation_failures(agent.draft)
        agent.updated_at = now()
        if failures:
            agent.status = "FAILED"
            agent.failure_reasons = [reason for reason, _ in failures]
            agent.recommended_actions = [action for _, action in failures]
        else:
            agent.status, agent.prepared_at, agent.prepared = "PREPARED", agent.updated_at, agent.draft.frozen()
            agent.failure_reasons, agent.recommended_actions = [], []
        return {"agentId": agent.id, "agentStatus": "PREPARING", "agentVersion": DRAFT,
                "preparedAt": iso(agent.prepared_at or agent.updated_at)}

    def preparation_failures(self, config: AgentConfig) -> list[tuple[str, str]]:
        """(failure reason, recommended action) for everything that makes a preparation end FAILED."""
        failures: list[tuple[str, str]] = []
        for group in config.action_groups.values():
            failures.extend(self._action_group_failures(group))
        kbs = knowledge_bases.store(self.account_id, self.region_name).knowledge_bases
        for link in config.knowledge_bases.values():
            if link.knowledge_base_id not in kbs:
                failures.append((f"Knowledge base {link.knowledge_base_id} associated with the agent does not exist.",
                                 f"Disassociate knowledge base {link.knowledge_base_id} or associate an existing one."))
        for collaborator in config.collaborators.values():
            if self.alias_by_arn(collaborator.alias_arn) is None:
                reason = f"The agent alias {collaborator.alias_arn} of collaborator {collaborator.name} does not exist."
                failures.append((reason, f"Associate collaborator {collaborator.name} with an existing agent alias."))
        failures.extend(self._guardrail_failures(config))
        return failures

    def _action_group_failures(self, group: ActionGroup) -> list[tuple[str, str]]:
        failures = []
        function = str((group.settings.get("actionGroupExecutor") or {}).get("lambda") or "")
        if function and not _lambda_exists(function):
            failures.append((f"Lambda function {function} of action group {group.name} does not exist.",
                             f"Create the Lambda function, or give action group {group.name} an existing one."))
        schema = group.settings.get("apiSchema")
        if schema:
            text = api_schema_text(self.account_id, schema)
            if text is None:
                failures.append((f"The API schema of action group {group.name} cannot be read from S3.",
                                 "Upload the OpenAPI schema to the S3 location the action group names."))
            else:
                try:
                    parse_openapi(text)
                except ValueError as error:
                    reason = f"The API schema of action group {group.name} is not a valid OpenAPI document: {error}."
                    failures.append((reason, f"Correct the OpenAPI schema of action group {group.name}."))
        return failures

    def _guardrail_failures(self, config: AgentConfig) -> list[tuple[str, str]]:
        from mcredlab.emulator.bedrock_agents import guardrails

        wanted = config.settings.get("guardrailConfiguration")
        if not wanted or guardrails.lookup(self.account_id, self.region_name, wanted) != guardrails.MISSING:
            return []
        named = f"{wanted.get('guardrailIdentifier')} version {wanted.get('guardrailVersion')}"
        return [(f"Guardrail {named} does not exist.",
                 "Create the guardrail (and its version), or correct the agent's guardrailConfiguration.")]

    # -- versions --------------------------------------------------------------------------------------

    def _new_version(self, agent: Agent) -> AgentVersion:
        if agent.prepared is None or agent.status != "PREPARED":
            raise ValidationException(
                f"Create operation can't be performed on agent {agent.id} when it is in {agent.status} state. "
                "Prepare the agent first."
            )
        number = str(max((int(v) for v in agent.versions), default=0) + 1)
        version = AgentVersion(number, agent.prepared.frozen(), now())
        agent.versions[number] = version
        return version

    def get_agent_version(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        version = find(agent.versions, call.uri["agentVersion"], f"Version of agent {agent.id}")
        return {"agentVersion": version.to_api(agent)}

    def list_agent_versions(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        draft = AgentVersion(DRAFT, agent.draft, agent.created_at)
        rows = [draft, *sorted(agent.versions.values(), key=lambda v: int(v.number))]
        result = page(rows, call, "agentVersionSummaries", AgentVersion.summary)
        for row in result["agentVersionSummaries"]:
            if row["agentVersion"] == DRAFT:
                row["agentStatus"], row["updatedAt"] = agent.status, iso(agent.updated_at)
        return result

    def delete_agent_version(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        number = call.uri["agentVersion"]
        find(agent.versions, number, f"Version of agent {agent.id}")
        users = [alias.id for alias in agent.aliases.values() if alias.version == number]
        if users and not call.flag("skipResourceInUseCheck"):
            raise ConflictException(f"Version {number} of agent {agent.id} is used by alias(es) {', '.join(users)}.")
        del agent.versions[number]
        return {"agentId": agent.id, "agentVersion": number, "agentStatus": "DELETING"}

    # -- aliases ---------------------------------------------------------------------------------------

    def _alias_arn(self, agent_id: str, alias_id: str) -> str:
        return f"arn:{self.partition}:bedrock:{self.region_name}:{self.account_id}:agent-alias/{agent_id}/{alias_id}"

    def _routing(self, agent: Agent, call: Call) -> list[dict[str, Any]]:
        routing = [dict(r) for r in call.body.get("routingConfiguration") or []]
        if not routing or not routing[0].get("agentVersion"):
            return [{"agentVersion": self._new_version(agent).number, **(routing[0] if routing else {})}]
        version = str(routing[0]["agentVersion"])
        if version == DRAFT:
            raise ValidationException(
                f"An alias cannot route to {DRAFT}; only the test alias {TEST_ALIAS_ID} runs the draft."
            )
        find(agent.versions, version, f"Version of agent {agent.id}")
        return routing

    def create_agent_alias(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        unique([a.settings["agentAliasName"] for a in agent.aliases.values()], str(call.body["agentAliasName"]),
               "agent alias")
        routing = self._routing(agent, call)
        alias_id = new_id(agent.aliases)
        stamp = now()
        alias = Alias(alias_id, self._alias_arn(agent.id, alias_id), pick(call.body, ("agentAliasName", "description")),
                      [], stamp, stamp, client_token=call.body.get("clientToken"))
        alias.route(routing)
        agent.aliases[alias_id] = alias
        if call.body.get("tags"):
            self.tags[alias.arn] = dict(call.body["tags"])
        return {"agentAlias": alias.to_api(agent.id, "CREATING")}

    def alias(self, agent: Agent, alias_id: str) -> Alias:
        return find(agent.aliases, alias_id, f"Alias of agent {agent.id}")

    def get_agent_alias(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        return {"agentAlias": self.alias(agent, call.uri["agentAliasId"]).to_api(agent.id)}

    def list_agent_aliases(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        return page(list(agent.aliases.values()), call, "agentAliasSummaries", Alias.summary)

    def update_agent_alias(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        alias = self.alias(agent, call.uri["agentAliasId"])
        if alias.id == TEST_ALIAS_ID:
            raise ValidationException(f"The test alias {TEST_ALIAS_ID} cannot be updated.")
        alias.settings = {**pick(call.body, ("agentAliasName", "description", "aliasInvocationState"))}
        alias.route(self._routing(agent, call))
        return {"agentAlias": alias.to_api(agent.id, "UPDATING")}

    def delete_agent_alias(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        alias = self.alias(agent, call.uri["agentAliasId"])
        if alias.id == TEST_ALIAS_ID:
            raise ValidationException(f"The test alias {TEST_ALIAS_ID} cannot be deleted.")
        self._not_collaborating(agent, alias.id)
        del agent.aliases[alias.id]
        self.tags.pop(alias.arn, None)
        return {"agentId": agent.id, "agentAliasId": alias.id, "agentAliasStatus": "DELETING"}

    def alias_by_arn(self, arn: str) -> tuple[Agent, Alias] | None:
        """The agent and alias an alias ARN names, in any region of this account; ``None`` if gone."""
        parts = parse_alias_arn(arn)
        if parts is None:
            return None
        owner = store(parts["account"], parts["region"])
        agent = owner.agents.get(parts["agent"])
        alias = agent.aliases.get(parts["alias"]) if agent else None
        return (agent, alias) if agent and alias else None

    # -- action groups ---------------------------------------------------------------------------------

    def _draft(self, call: Call) -> Agent:
        require_draft(call)
        return self.agent(call.uri["agentId"])

    def create_agent_action_group(self, call: Call) -> dict[str, Any]:
        agent = self._draft(call)
        groups = agent.draft.action_groups
        unique([g.name for g in groups.values()], str(call.body["actionGroupName"]), "action group")
        settings = {"actionGroupState": "ENABLED", **pick(call.body, ACTION_GROUP_FIELDS)}
        _check_action_group(settings)
        stamp = now()
        group = ActionGroup(new_id(groups), settings, stamp, stamp, call.body.get("clientToken"))
        groups[group.id] = group
        agent.touched()
        return {"agentActionGroup": group.to_api(agent.id, DRAFT)}

    def get_agent_action_group(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        version = call.uri["agentVersion"]
        group = find(agent.config(version).action_groups, call.uri["actionGroupId"], "Action group")
        return {"agentActionGroup": group.to_api(agent.id, version)}

    def list_agent_action_groups(self, call: Call) -> dict[str, Any]:
        config = self.agent(call.uri["agentId"]).config(call.uri["agentVersion"])
        return page(list(config.action_groups.values()), call, "actionGroupSummaries", ActionGroup.summary)

    def update_agent_action_group(self, call: Call) -> dict[str, Any]:
        agent = self._draft(call)
        group = find(agent.draft.action_groups, call.uri["actionGroupId"], "Action group")
        name = str(call.body["actionGroupName"])
        if name != group.name:
            unique([g.name for g in agent.draft.action_groups.values()], name, "action group")
        settings = {"actionGroupState": "ENABLED", **pick(call.body, ACTION_GROUP_FIELDS)}
        _check_action_group(settings)
        group.settings, group.updated_at = settings, now()
        agent.touched()
        return {"agentActionGroup": group.to_api(agent.id, DRAFT)}

    def delete_agent_action_group(self, call: Call) -> dict[str, Any]:
        agent = self._draft(call)
        group = find(agent.draft.action_groups, call.uri["actionGroupId"], "Action group")
        if group.enabled and not call.flag("skipResourceInUseCheck"):
            raise ConflictException(
                f"Action group {group.name} is ENABLED. Disable it first, or set skipResourceInUseCheck."
            )
        del agent.draft.action_groups[group.id]
        agent.touched()
        return {}

    # -- collaborators ---------------------------------------------------------------------------------

    def _check_collaborator(self, agent: Agent, settings: dict[str, Any]) -> None:
        arn = str((settings.get("agentDescriptor") or {}).get("aliasArn") or "")
        if not re.fullmatch(ALIAS_ARN_PATTERN, arn):
            raise ValidationException(
                f"1 validation error detected: Value '{arn}' at 'agentDescriptor.aliasArn' failed to satisfy "
                f"constraint: Member must satisfy regular expression pattern: {ALIAS_ARN_PATTERN}"
            )
        if agent.draft.collaboration not in SUPERVISING:
            raise ValidationException(
                f"Agent {agent.id} has agentCollaboration {agent.draft.collaboration}. Set it to SUPERVISOR or "
                "SUPERVISOR_ROUTER (UpdateAgent) before associating collaborators."
            )
        found = self.alias_by_arn(arn)
        if found is None:
            raise ResourceNotFoundException(f"The agent alias {arn} is not found. Check the ARN and retry the request.")
        if found[0].id == agent.id:
            raise ValidationException("An agent cannot be its own collaborator.")
        if found[1].id == TEST_ALIAS_ID:
            raise ValidationException(
                f"A collaborator must be an alias that routes to a version, not the test alias {TEST_ALIAS_ID}."
            )

    def associate_agent_collaborator(self, call: Call) -> dict[str, Any]:
        agent = self._draft(call)
        collaborators = agent.draft.collaborators
        settings = {"relayConversationHistory": "DISABLED", **pick(call.body, COLLABORATOR_FIELDS)}
        self._check_collaborator(agent, settings)
        unique([c.name for c in collaborators.values()], str(settings["collaboratorName"]), "collaborator")
        stamp = now()
        collaborator = Collaborator(new_id(collaborators), settings, stamp, stamp, call.body.get("clientToken"))
        collaborators[collaborator.id] = collaborator
        agent.touched()
        return {"agentCollaborator": collaborator.to_api(agent.id, DRAFT)}

    def get_agent_collaborator(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        version = call.uri["agentVersion"]
        collaborator = find(agent.config(version).collaborators, call.uri["collaboratorId"], "Collaborator")
        return {"agentCollaborator": collaborator.to_api(agent.id, version)}

    def list_agent_collaborators(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        version = call.uri["agentVersion"]
        rows = list(agent.config(version).collaborators.values())
        result = page(rows, call, "agentCollaboratorSummaries", lambda c: c.to_api(agent.id, version))
        for row in result["agentCollaboratorSummaries"]:
            row.pop("clientToken", None)
        return result

    def update_agent_collaborator(self, call: Call) -> dict[str, Any]:
        agent = self._draft(call)
        collaborator = find(agent.draft.collaborators, call.uri["collaboratorId"], "Collaborator")
        settings = {"relayConversationHistory": "DISABLED", **pick(call.body, COLLABORATOR_FIELDS)}
        self._check_collaborator(agent, settings)
        if settings["collaboratorName"] != collaborator.name:
            names = [c.name for c in agent.draft.collaborators.values()]
            unique(names, str(settings["collaboratorName"]), "collaborator")
        collaborator.settings, collaborator.updated_at = settings, now()
        agent.touched()
        return {"agentCollaborator": collaborator.to_api(agent.id, DRAFT)}

    def disassociate_agent_collaborator(self, call: Call) -> dict[str, Any]:
        agent = self._draft(call)
        find(agent.draft.collaborators, call.uri["collaboratorId"], "Collaborator")
        del agent.draft.collaborators[call.uri["collaboratorId"]]
        agent.touched()
        return {}

    # -- knowledge bases of an agent -------------------------------------------------------------------

    def associate_agent_knowledge_base(self, call: Call) -> dict[str, Any]:
        agent = self._draft(call)
        kb_id = str(call.body["knowledgeBaseId"])
        knowledge_bases.store(self.account_id, self.region_name).knowledge_base(kb_id)
        if kb_id in agent.draft.knowledge_bases:
            raise ConflictException(f"Knowledge base {kb_id} is already associated with agent {agent.id}.")
        stamp = now()
        state = str(call.body.get("knowledgeBaseState") or "ENABLED")
        link = KnowledgeBaseLink(kb_id, str(call.body["description"]), state, stamp, stamp)
        agent.draft.knowledge_bases[kb_id] = link
        agent.touched()
        return {"agentKnowledgeBase": link.to_api(agent.id, DRAFT)}

    def get_agent_knowledge_base(self, call: Call) -> dict[str, Any]:
        agent = self.agent(call.uri["agentId"])
        version = call.uri["agentVersion"]
        link = find(agent.config(version).knowledge_bases, call.uri["knowledgeBaseId"], "Knowledge base association")
        return {"agentKnowledgeBase": link.to_api(agent.id, version)}

    def list_agent_knowledge_bases(self, call: Call) -> dict[str, Any]:
        config = self.agent(call.uri["agentId"]).config(call.uri["agentVersion"])
        links = list(config.knowledge_bases.values())
        return page(links, call, "agentKnowledgeBaseSummaries", KnowledgeBaseLink.summary)

    def update_agent_knowledge_base(self, call: Call) -> dict[str, Any]:
        agent = self._draft(call)
        link = find(agent.draft.knowledge_bases, call.uri["knowledgeBaseId"], "Knowledge base association")
        link.description = str(call.body.get("description") or link.description)
        link.state = str(call.body.get("knowledgeBaseState") or link.state)
        link.updated_at = now()
        agent.touched()
        return {"agentKnowledgeBase": link.to_api(agent.id, DRAFT)}

    def disassociate_agent_knowledge_base(self, call: Call) -> dict[str, Any]:
        agent = self._draft(call)
        find(agent.draft.knowledge_bases, call.uri["knowledgeBaseId"], "Knowledge base association")
        del agent.draft.knowledge_bases[call.uri["knowledgeBaseId"]]
        agent.touched()
        return {}

    # -- tags (agents, aliases and knowledge bases) ----------------------------------------------------

    def _tags_of(self, arn: str) -> dict[str, dict[str, str]]:
        """The tag table that holds ``arn``; ResourceNotFoundException if no resource has that ARN."""
        kb_store = knowledge_bases.store(self.account_id, self.region_name)
        if any(kb.arn == arn for kb in kb_store.knowledge_bases.values()):
            return kb_store.tags
        for agent in self.agents.values():
            if arn == agent.arn or any(alias.arn == arn for alias in agent.aliases.values()):
                return self.tags
        raise ResourceNotFoundException(f"Resource {arn} is not found.")

    def tag_resource(self, call: Call) -> dict[str, Any]:
        arn = call.uri["resourceArn"]
        self._tags_of(arn).setdefault(arn, {}).update(call.body.get("tags") or {})
        return {}

    def untag_resource(self, call: Call) -> dict[str, Any]:
        arn = call.uri["resourceArn"]
        tags = self._tags_of(arn).get(arn, {})
        for key in call.query.get("tagKeys", []):
            tags.pop(key, None)
        return {}

    def list_tags_for_resource(self, call: Call) -> dict[str, Any]:
        arn = call.uri["resourceArn"]
        return {"tags": dict(self._tags_of(arn).get(arn, {}))}


def _refuse_preparation(config: AgentConfig) -> None:
    """What AWS refuses to prepare, answering a ValidationException."""
    if not config.settings.get("foundationModel"):
        raise ValidationException("This agent cannot be prepared. The foundationModel attribute is not set.")
    if not config.settings.get("instruction"):
        raise ValidationException("This agent cannot be prepared. The instruction attribute is not set.")
    if config.collaboration in SUPERVISING and not config.collaborators:
        raise ValidationException(
            f"This agent cannot be prepared. The AgentCollaboration attribute is set to {config.collaboration} "
            "but no agent collaborators are added."
        )
    if config.collaboration not in SUPERVISING and config.collaborators:
        raise ValidationException(
            "This agent cannot be prepared. The AgentCollaboration attribute is set to DISABLED "
            "but agent collaborators are added."
        )


def _check_action_group(settings: dict[str, Any]) -> None:
    """What AWS rejects in an action group at once."""
    if settings.get("parentActionGroupSignature"):
        if settings.get("actionGroupExecutor") or settings.get("apiSchema") or settings.get("functionSchema"):
            raise ValidationException(
                "An action group with a parentActionGroupSignature takes no actionGroupExecutor, apiSchema "
                "or functionSchema."
            )
        return
    executor = settings.get("actionGroupExecutor") or {}
    if bool(executor.get("lambda")) == bool(executor.get("customControl")):
        raise ValidationException("An action group needs an actionGroupExecutor with either lambda or customControl.")
    if bool(settings.get("apiSchema")) == bool(settings.get("functionSchema")):
        raise ValidationException("An action group needs either an apiSchema or a functionSchema, not both.")
    schema = settings.get("apiSchema") or {}
    if schema and bool(schema.get("payload")) == bool(schema.get("s3")):
        raise ValidationException("An apiSchema needs either payload or s3.")


_stores: BackendDict[AgentStore] = BackendDict(AgentStore, "bedrock")


def store(account_id: str, region: str) -> AgentStore:
    """The agents of one account and region (registered with moto: a reset clears them)."""
    return _stores[account_id][region]
