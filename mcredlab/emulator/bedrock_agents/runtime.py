"""``bedrock-agent-runtime`` without a model: Retrieve, RetrieveAndGenerate and InvokeAgent decide by
fixed rules, so a learner can try what they built and a check can rely on the answer.

InvokeAgent runs the configuration its alias routes to (the test alias ``TSTALIASID`` runs the
prepared draft) and answers by the first rule that applies:

1. the agent's guardrail (if any) judges the input: blocked, the answer is its blocked message;
2. ``sessionState.returnControlInvocationResults``: the answer is the results' response bodies;
3. the input names a function of an enabled action group (the name as a word, any case), an
   operationId of its OpenAPI schema, or one of its API paths (``/orders/42`` matches
   ``/orders/{id}``): the action runs. Parameters come from the path and from ``name=value``,
   ``name: value`` or ``name is value`` in the input. A missing required parameter is asked for. A
   Lambda executor gets Bedrock's agent event through moto's Lambda backend (the function's
   resource policy must let ``bedrock.amazonaws.com`` invoke it) and its response body is the
   answer; ``RETURN_CONTROL`` answers a ``returnControl`` event instead;
4. a supervisor (``SUPERVISOR``/``SUPERVISOR_ROUTER``) hands the input to the collaborator whose name
   occurs in it, else to the one whose name and collaboration instruction share the most words
   with it, and answers what that alias answers (collaborators may supervise, three levels deep);
5. enabled knowledge bases are searched (:func:`index.search`); the best passage is the answer,
   with the passages found as citations;
6. otherwise a fixed answer says nothing matched.

The guardrail then judges the answer (masking or blocking it). With ``enableTrace`` the stream
carries ``trace`` events (guardrail, orchestration steps and the final response) before the chunk.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from mcredlab.emulator.bedrock_agents import agents, eventstream, guardrails, index, knowledge_bases
from mcredlab.emulator.bedrock_agents.agents import (
    HTTP_METHODS,
    SUPERVISING,
    ActionGroup,
    Agent,
    AgentConfig,
    Alias,
    Collaborator,
    Session,
)
from mcredlab.emulator.bedrock_agents.common import DRAFT, Call, ValidationException, find, iso, now
from mcredlab.policy import condition_values, matches, statements

MAX_DEPTH = 3
DEFAULT_RESULTS = 5
NO_ANSWER = "Sorry, I am unable to assist you with this request."
LAMBDA_ERROR = ("The server encountered an error processing the Lambda response. "
                "Check the Lambda response and retry the request")


# -- outcomes and turns ----------------------------------------------------------------------------------
# What a request, a schema or a Lambda reply holds is read through _dict and _list: schemas are checked at
# preparation (agents.parse_openapi), but an S3 schema can change afterwards, and a Lambda reply is anything.


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass
class Answer:
    text: str
    references: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReturnControl:
    invocation_id: str
    inputs: list[dict[str, Any]]


@dataclass
class Failure:
    code: str  # the stream's exception member, e.g. dependencyFailedException
    message: str


Outcome = Answer | ReturnControl | Failure


@dataclass
class Turn:
    """One InvokeAgent request to one agent alias (a supervisor's call to a collaborator is another)."""

    store: agents.AgentStore
    agent: Agent
    alias: Alias
    version: str
    config: AgentConfig
    session_id: str
    session: Session
    text: str
    state: dict[str, Any]
    trace: bool
    chain: list[str]
    collaborator_name: str | None = None
    events: list[bytes] = field(default_factory=list)

    def add_trace(self, body: dict[str, Any]) -> None:
        if not self.trace:
            return
        part = {"agentId": self.agent.id, "agentAliasId": self.alias.id, "agentVersion": self.version,
                "sessionId": self.session_id, "eventTime": iso(now()),
                "callerChain": [{"agentAliasArn": arn} for arn in self.chain], "trace": body}
        if self.collaborator_name:
            part["collaboratorName"] = self.collaborator_name
        self.events.append(eventstream.event("trace", part))

    def step(self, kind: str, invocation: dict[str, Any] | None = None,
             observation: dict[str, Any] | None = None) -> None:
        """Trace one orchestration step: what it was given and what it observed."""
        trace_id = f"{self.session_id}-{len(self.events)}"
        if invocation is not None:
            given = {"invocationType": kind, "traceId": trace_id, **invocation}
            self.add_trace({"orchestrationTrace": {"invocationInput": given}})
        if observation is not None:
            seen = {"type": kind, "traceId": trace_id, **observation}
            self.add_trace({"orchestrationTrace": {"observation": seen}})


def _runnable(agent: Agent, alias: Alias) -> AgentConfig:
    """What the alias runs: a numbered version, or (test alias) the prepared draft."""
    if alias.version != DRAFT:
        return find(agent.versions, alias.version, f"Version of agent {agent.id}").config
    if agent.prepared is None:
        raise ValidationException(f"Agent {agent.id} has not been prepared. Call PrepareAgent, then invoke it again.")
    return agent.prepared


def _turn(store: agents.AgentStore, agent: Agent, alias: Alias, session_id: str, text: str, body: dict[str, Any],
          chain: list[str], collaborator_name: str | None = None) -> Turn:
    if alias.settings.get("aliasInvocationState") == "REJECT_INVOCATIONS":
        raise ValidationException(f"Agent alias {alias.id} rejects invocations (aliasInvocationState).")
    state = dict(_dict(body.get("sessionState")))
    session = store.sessions.setdefault((agent.id, alias.id, session_id), Session())
    session.session_attributes.update(_dict(state.get("sessionAttributes")))
    session.prompt_session_attributes.update(_dict(state.get("promptSessionAttributes")))
    return Turn(store, agent, alias, alias.version, _runnable(agent, alias), session_id, session, text, state,
                bool(body.get("enableTrace")), [*chain, alias.arn], collaborator_name)


# -- InvokeAgent ----------------------------------------------------------------------------------------------


def invoke_agent(account_id: str, region: str, call: Call) -> bytes:
    """The event stream InvokeAgent answers (the session id is the request's)."""
    store = agents.store(account_id, region)
    agent = store.agent(call.uri["agentId"])
    alias = store.alias(agent, call.uri["agentAliasId"])
    turn = _turn(store, agent, alias, call.uri["sessionId"], str(call.body.get("inputText") or ""), dict(call.body), [])
    outcome = respond(turn)
    if call.body.get("endSession"):
        store.sessions.pop((agent.id, alias.id, turn.session_id), None)
    return b"".join([*turn.events, _final_event(outcome)])


def _final_event(outcome: Outcome) -> bytes:
    if isinstance(outcome, Failure):
        return eventstream.exception(outcome.code, outcome.message)
    if isinstance(outcome, ReturnControl):
        payload = {"invocationId": outcome.invocation_id, "invocationInputs": outcome.inputs}
        return eventstream.event("returnControl", payload)
    chunk: dict[str, Any] = {"bytes": _b64(outcome.text)}
    if outcome.references:
        chunk["attribution"] = {"citations": [citation(outcome.text, outcome.references)]}
    return eventstream.event("chunk", chunk)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def citation(text: str, references: list[dict[str, Any]]) -> dict[str, Any]:
    """One citation: the whole answer, backed by the passages retrieved."""
    refs = [{k: v for k, v in ref.items() if k != "score"} for ref in references]
    span = {"start": 0, "end": max(len(text) - 1, 0)}
    return {"generatedResponsePart": {"textResponsePart": {"text": text, "span": span}}, "retrievedReferences": refs}


def respond(turn: Turn) -> Outcome:
    """What the agent answers this turn (rules 1-6 of the module docstring), guardrail applied."""
    guardrail = _guardrail(turn)
    checked = _judge(turn, guardrail, "INPUT", turn.text)
    if checked is not None and checked.blocked:
        outcome: Outcome = Answer(checked.text)
    else:
        outcome = _decide(turn, checked.text if checked else turn.text)
        answered = _judge(turn, guardrail, "OUTPUT", outcome.text) if isinstance(outcome, Answer) else None
        if isinstance(outcome, Answer) and answered is not None:
            outcome = Answer(answered.text, [] if answered.action == "INTERVENED" else outcome.references)
    if isinstance(outcome, Answer):
        turn.step("FINISH", observation={"finalResponse": {"text": outcome.text}})
    return outcome


def _judge(turn: Turn, guardrail: dict[str, Any] | None, source: Literal["INPUT", "OUTPUT"],
           text: str) -> guardrails.Verdict | None:
    """The guardrail's verdict on ``text`` (traced), or ``None`` without a guardrail."""
    verdict = guardrails.apply(guardrail, source, text) if guardrail is not None else None
    if verdict is not None:
        assessments = "inputAssessments" if source == "INPUT" else "outputAssessments"
        turn.add_trace({"guardrailTrace": {"action": verdict.action, assessments: [verdict.assessment]}})
    return verdict


def _guardrail(turn: Turn) -> dict[str, Any] | None:
    configuration = turn.config.settings.get("guardrailConfiguration")
    if not configuration:
        return None
    found = guardrails.lookup(turn.store.account_id, turn.store.region_name, configuration)
    if isinstance(found, dict):
        return found
    turn.add_trace({"failureTrace": {"failureReason": f"mcredlab emulator: guardrail not applied ({found})"}})
    return None


def _decide(turn: Turn, text: str) -> Outcome:
    results = turn.state.get("returnControlInvocationResults")
    if results:
        return _after_return_control(turn, results)
    action = match_action(turn.store.account_id, turn.config, text)
    if action is not None:
        return _run_action(turn, action)
    if turn.config.collaboration in SUPERVISING:
        collaborator = route(turn.config, text)
        if collaborator is not None:
            return _delegate(turn, collaborator, text)
    answer = _from_knowledge_bases(turn, text)
    if answer is not None:
        return answer
    return Answer(f"(mcredlab emulator) Agent {turn.config.name} found no action group function, API path, "
                  f"collaborator or knowledge base passage that matches: {text}")


# -- action groups --------------------------------------------------------------------------------------------


@dataclass
class Action:
    group: ActionGroup
    function: str | None = None
    api_path: str | None = None
    method: str | None = None
    parameters: list[dict[str, str]] = field(default_factory=list)
    request_body: dict[str, Any] | None = None
    missing: list[str] = field(default_factory=list)


def _word(name: str, text: str) -> bool:
    return bool(re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text, re.IGNORECASE))


def parameter_value(name: str, text: str) -> str | None:
    """A parameter's value as the input states it: ``name=value``, ``name: value``, ``name is value``."""
    found = re.search(
        rf"(?<![\w]){re.escape(name)}\s*(?:=|:|＝|：|\bis\b|は)\s*"
        r"(?:\"([^\"]*)\"|'([^']*)'|「([^」]*)」|([^\s,;、。]+))",
        text, re.IGNORECASE,
    )
    return next((g for g in found.groups() if g is not None), None) if found else None


def _parameters(declared: Iterable[tuple[str, str, bool]], text: str,
                known: dict[str, str]) -> tuple[list[dict[str, str]], list[str]]:
    """(parameters found, required ones missing) for (name, type, required) declarations."""
    values, missing = [], []
    for name, kind, required in declared:
        value = known.get(name) or parameter_value(name, text)
        if value is not None:
            values.append({"name": name, "type": kind, "value": value})
        elif required:
            missing.append(name)
    return values, missing


def _function_action(group: ActionGroup, text: str) -> Action | None:
    for function in _list(_dict(group.settings.get("functionSchema")).get("functions")):
        name = str(_dict(function).get("name") or "")
        if name and _word(name, text):
            declared = [(str(p), str(_dict(spec).get("type", "string")), bool(_dict(spec).get("required")))
                        for p, spec in _dict(function.get("parameters")).items()]
            values, missing = _parameters(declared, text, {})
            return Action(group, function=name, parameters=values, missing=missing)
    return None


def _path_match(path: str, text: str) -> dict[str, str] | None:
    names: list[str] = []

    def placeholder(found: re.Match[str]) -> str:
        names.append(found.group(1))
        return f"(?P<p{len(names) - 1}>[^/\\s?#]+)"

    pattern = re.sub(r"\\\{([^}]+)\\\}", placeholder, re.escape(path))
    found = re.search(rf"(?<![\w/]){pattern}(?![\w/])", text)
    return {name: found.group(f"p{i}") for i, name in enumerate(names)} if found else None


def _api_action(account_id: str, group: ActionGroup, text: str) -> Action | None:
    source = agents.api_schema_text(account_id, _dict(group.settings.get("apiSchema")))
    try:
        document = agents.parse_openapi(source or "")
    except ValueError:  # unreadable or malformed (changed in S3 since preparation): nothing to match
        return None
    for path, operations in _dict(document.get("paths")).items():
        for method, operation in _dict(operations).items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            in_path = _path_match(str(path), text)
            if in_path is None and not (operation.get("operationId") and _word(str(operation["operationId"]), text)):
                continue
            return _api_call(group, str(path), str(method).upper(), operations, operation, text, in_path or {})
    return None


def _api_call(group: ActionGroup, path: str, method: str, operations: dict[str, Any], operation: dict[str, Any],
              text: str, in_path: dict[str, str]) -> Action:
    listed = [*_list(operations.get("parameters")), *_list(operation.get("parameters"))]
    declared = [(str(p.get("name")), str(_dict(p.get("schema")).get("type", "string")),
                 bool(p.get("required") or p.get("in") == "path"))
                for p in listed if isinstance(p, dict)]
    values, missing = _parameters(declared, text, in_path)
    content = _dict(_dict(_dict(operation.get("requestBody")).get("content")).get("application/json"))
    schema = _dict(content.get("schema"))
    required = {str(name) for name in _list(schema.get("required"))}
    properties = [(str(n), str(_dict(spec).get("type", "string")), str(n) in required)
                  for n, spec in _dict(schema.get("properties")).items()]
    body_values, body_missing = _parameters(properties, text, {})
    body = {"content": {"application/json": {"properties": body_values}}} if body_values else None
    return Action(group, api_path=path, method=method, parameters=values, request_body=body,
                  missing=missing + body_missing)


def match_action(account_id: str, config: AgentConfig, text: str) -> Action | None:
    """The first enabled action group function or API operation the input names."""
    for group in config.action_groups.values():
        if not group.enabled or group.settings.get("parentActionGroupSignature"):
            continue
        if group.settings.get("functionSchema"):
            found = _function_action(group, text)
        else:
            found = _api_action(account_id, group, text)
        if found is not None:
            return found
    return None


def _invocation_input(turn: Turn, action: Action) -> dict[str, Any]:
    common = {"actionGroup": action.group.name, "actionInvocationType": "RESULT", "agentId": turn.agent.id}
    if turn.collaborator_name:
        common["collaboratorName"] = turn.collaborator_name
    if action.function is not None:
        return {"functionInvocationInput": {**common, "function": action.function, "parameters": action.parameters}}
    api: dict[str, Any] = {**common, "apiPath": action.api_path, "httpMethod": action.method,
                           "parameters": action.parameters}
    if action.request_body:
        api["requestBody"] = action.request_body
    return {"apiInvocationInput": api}


def _run_action(turn: Turn, action: Action) -> Outcome:
    executor = action.group.settings.get("actionGroupExecutor") or {}
    turn.step("ACTION_GROUP", invocation={"actionGroupInvocationInput": compact_action(action, executor)})
    if action.missing:
        needed = ", ".join(action.missing)
        question = f"To run {action.function or action.api_path} I need: {needed} (write name=value)."
        turn.step("ASK_USER", observation={"finalResponse": {"text": question}})
        return Answer(question)
    if executor.get("customControl") == "RETURN_CONTROL":
        invocation_id = str(uuid.uuid4())
        inputs = [_invocation_input(turn, action)]
        turn.session.pending[invocation_id] = inputs
        return ReturnControl(invocation_id, inputs)
    outcome = _call_lambda(turn, action, str(executor.get("lambda")))
    if isinstance(outcome, Answer):
        turn.step("ACTION_GROUP", observation={"actionGroupInvocationOutput": {"text": outcome.text}})
    return outcome


def compact_action(action: Action, executor: dict[str, Any]) -> dict[str, Any]:
    """An action as the trace's ``actionGroupInvocationInput``."""
    values = {"actionGroupName": action.group.name, "function": action.function, "apiPath": action.api_path,
              "verb": action.method, "parameters": action.parameters,
              "executionType": "RETURN_CONTROL" if executor.get("customControl") else "LAMBDA"}
    return {k: v for k, v in values.items() if v is not None}


def lambda_event(turn: Turn, action: Action) -> dict[str, Any]:
    """The event Bedrock sends an action group's Lambda function."""
    event: dict[str, Any] = {
        "messageVersion": "1.0",
        "agent": {"name": turn.config.name, "id": turn.agent.id, "alias": turn.alias.id, "version": turn.version},
        "inputText": turn.text,
        "sessionId": turn.session_id,
        "actionGroup": action.group.name,
        "parameters": action.parameters,
        "sessionAttributes": dict(turn.session.session_attributes),
        "promptSessionAttributes": dict(turn.session.prompt_session_attributes),
    }
    if action.function is not None:
        event["function"] = action.function
    else:
        event.update({"apiPath": action.api_path, "httpMethod": action.method})
        if action.request_body:
            event["requestBody"] = action.request_body
    return event


def bedrock_may_invoke(policy_statements: list[dict[str, Any]], agent: Agent) -> bool:
    """Whether the function's resource policy lets Bedrock invoke it for ``agent`` (a Deny wins)."""
    effects = set()
    for statement in statements({"Statement": policy_statements}):
        if not (statement.service("bedrock.amazonaws.com") and statement.covers_action("lambda:InvokeFunction")):
            continue
        sources = condition_values(statement.condition, "aws:SourceArn")
        accounts = condition_values(statement.condition, "aws:SourceAccount")
        account = agent.arn.split(":")[4]
        if (not sources or any(matches(p, agent.arn) for p in sources)) and (not accounts or account in accounts):
            effects.add(statement.effect)
    return "Allow" in effects and "Deny" not in effects


def _response_text(action: Action, reply: Any) -> str | None:
    response = reply.get("response") if isinstance(reply, dict) else None
    if not isinstance(response, dict):
        return None
    holder = response.get("functionResponse") if action.function is not None else response
    body = (holder or {}).get("responseBody") if isinstance(holder, dict) else None
    if not isinstance(body, dict) or not body:
        return None
    content = next(iter(body.values()))
    return str(content.get("body")) if isinstance(content, dict) and "body" in content else None


def _call_lambda(turn: Turn, action: Action, arn: str) -> Outcome:
    from moto.awslambda.utils import get_backend

    parts = arn.split(":")
    try:
        function = get_backend(parts[4], parts[3]).get_function(arn)
    except Exception:  # moto raises several "not found" errors
        return Failure("dependencyFailedException",
                       f"Lambda function {arn} of action group {action.group.name} does not exist.")
    if not bedrock_may_invoke(function.policy.statements, turn.agent):
        return Failure("dependencyFailedException", f"Access denied while invoking Lambda function {arn}. "
                       "Check the permissions on Lambda function and retry the request.")
    headers: dict[str, str] = {}
    event = json.dumps(lambda_event(turn, action))
    payload = function.invoke(event, {"x-amz-invocation-type": "RequestResponse"}, headers)
    raw = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    if headers.get("x-amz-function-error"):
        return Failure("dependencyFailedException", f"Lambda function {arn} failed: {raw[:1000]}")
    try:
        reply = json.loads(raw)
    except ValueError:
        reply = None
    text = _response_text(action, reply)
    if text is None:
        return Failure("dependencyFailedException", LAMBDA_ERROR)
    turn.session.session_attributes.update(_dict(reply.get("sessionAttributes")))
    turn.session.prompt_session_attributes.update(_dict(reply.get("promptSessionAttributes")))
    return Answer(text)


def _after_return_control(turn: Turn, results: list[dict[str, Any]]) -> Outcome:
    invocation_id = str(turn.state.get("invocationId") or "")
    if invocation_id not in turn.session.pending:
        raise ValidationException(
            f"The invocationId {invocation_id!r} does not match a returnControl event of session {turn.session_id}."
        )
    del turn.session.pending[invocation_id]
    texts: list[str] = []
    for result in _list(results):
        outcome = _dict(_dict(result).get("functionResult") or _dict(result).get("apiResult"))
        body = _dict(outcome.get("responseBody"))
        texts.extend(str(content.get("body", "")) for content in body.values() if isinstance(content, dict))
    return Answer("\n".join(texts))


# -- collaborators -----------------------------------------------------------------------------------------


def route(config: AgentConfig, text: str) -> Collaborator | None:
    """The collaborator a supervisor hands ``text`` to: named in it, else sharing most words with it."""
    collaborators = list(config.collaborators.values())
    named = [c for c in collaborators if _word(c.name, text)]
    if named:
        return named[0]
    wanted = index.query_terms(text)
    best, best_score = None, 0
    for collaborator in collaborators:
        described = set(index.terms(f"{collaborator.name.replace('_', ' ').replace('-', ' ')} "
                                    f"{collaborator.settings.get('collaborationInstruction', '')}"))
        score = len(wanted & described)
        if score > best_score:
            best, best_score = collaborator, score
    return best


def _delegate(turn: Turn, collaborator: Collaborator, text: str) -> Outcome:
    target = turn.store.alias_by_arn(collaborator.alias_arn)
    if target is None:
        return Failure("dependencyFailedException", f"The agent alias {collaborator.alias_arn} of collaborator "
                       f"{collaborator.name} does not exist.")
    if len(turn.chain) >= MAX_DEPTH:
        return Failure("validationException", f"Collaborators may be nested {MAX_DEPTH} levels deep at most.")
    agent, alias = target
    called = {"agentCollaboratorName": collaborator.name, "agentCollaboratorAliasArn": collaborator.alias_arn}
    given = {**called, "input": {"type": "TEXT", "text": text}}
    turn.step("AGENT_COLLABORATOR", invocation={"agentCollaboratorInvocationInput": given})
    owner = agents.store(*_account_region(alias.arn))
    body = {"enableTrace": turn.trace}
    sub = _turn(owner, agent, alias, turn.session_id, text, body, turn.chain, collaborator.name)
    outcome = respond(sub)
    turn.events.extend(sub.events)
    if isinstance(outcome, ReturnControl):  # the caller answers the supervisor, which holds the results' session
        turn.session.pending[outcome.invocation_id] = outcome.inputs
    if isinstance(outcome, Answer):
        answered = {**called, "output": {"type": "TEXT", "text": outcome.text}}
        turn.step("AGENT_COLLABORATOR", observation={"agentCollaboratorInvocationOutput": answered})
    return outcome


def _account_region(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    return parts[4], parts[3]


# -- knowledge bases ---------------------------------------------------------------------------------------


def _search(kb: knowledge_bases.KnowledgeBase, query: str, search: dict[str, Any]) -> list[index.Hit]:
    """A search as a vectorSearchConfiguration asks (numberOfResults, filter)."""
    limit = int(search.get("numberOfResults") or DEFAULT_RESULTS)
    return index.search(kb.indexed(), query, limit, search.get("filter"))


def _search_settings(state: dict[str, Any], kb_id: str) -> dict[str, Any]:
    """The vectorSearchConfiguration sessionState gives for one knowledge base (none: the defaults)."""
    for entry in map(_dict, _list(state.get("knowledgeBaseConfigurations"))):
        if entry.get("knowledgeBaseId") == kb_id:
            return dict(_dict(_dict(entry.get("retrievalConfiguration")).get("vectorSearchConfiguration")))
    return {}


def _from_knowledge_bases(turn: Turn, text: str) -> Answer | None:
    kb_store = knowledge_bases.store(turn.store.account_id, turn.store.region_name)
    hits: list[index.Hit] = []
    for link in turn.config.knowledge_bases.values():
        kb = kb_store.knowledge_bases.get(link.knowledge_base_id)
        if not link.enabled or kb is None:
            continue
        found = _search(kb, text, _search_settings(turn.state, kb.id))
        references = [index.retrieval_result(hit) for hit in found]
        turn.step("KNOWLEDGE_BASE", invocation={"knowledgeBaseLookupInput": {"knowledgeBaseId": kb.id, "text": text}},
                  observation={"knowledgeBaseLookupOutput": {"retrievedReferences": references}})
        hits.extend(found)
    if not hits:
        return None
    hits.sort(key=lambda hit: -hit.score)
    return Answer(hits[0].text, [index.retrieval_result(hit) for hit in hits])


# -- Retrieve and RetrieveAndGenerate ---------------------------------------------------------------------


def retrieve(account_id: str, region: str, call: Call) -> dict[str, Any]:
    """Retrieve: the best passages of one knowledge base for the query."""
    kb = knowledge_bases.store(account_id, region).knowledge_base(call.uri["knowledgeBaseId"])
    query = str((call.body.get("retrievalQuery") or {}).get("text") or "")
    search = (call.body.get("retrievalConfiguration") or {}).get("vectorSearchConfiguration") or {}
    hits = _search(kb, query, search)
    return {"retrievalResults": [index.retrieval_result(hit) for hit in hits]}


def retrieve_and_generate(account_id: str, region: str, call: Call) -> dict[str, Any]:
    """RetrieveAndGenerate over a knowledge base: the best passage is the generated text."""
    configuration = call.body.get("retrieveAndGenerateConfiguration") or {}
    if configuration.get("type") != "KNOWLEDGE_BASE":
        raise ValidationException("The mcredlab emulator answers RetrieveAndGenerate of type KNOWLEDGE_BASE only.")
    kb_config = configuration.get("knowledgeBaseConfiguration") or {}
    kb = knowledge_bases.store(account_id, region).knowledge_base(str(kb_config.get("knowledgeBaseId")))
    search = (kb_config.get("retrievalConfiguration") or {}).get("vectorSearchConfiguration") or {}
    query = str((call.body.get("input") or {}).get("text") or "")
    hits = _search(kb, query, search)
    text = hits[0].text if hits else NO_ANSWER
    references = [index.retrieval_result(hit) for hit in hits]
    result: dict[str, Any] = {"sessionId": call.body.get("sessionId") or str(uuid.uuid4()), "guardrailAction": "NONE",
                              "output": {"text": text}, "citations": [citation(text, references)] if references else []}
    wanted = (kb_config.get("generationConfiguration") or {}).get("guardrailConfiguration")
    if wanted:
        found = guardrails.lookup(account_id, region, {"guardrailIdentifier": wanted.get("guardrailId"),
                                                       "guardrailVersion": wanted.get("guardrailVersion")})
        verdict = guardrails.apply(found, "OUTPUT", text) if isinstance(found, dict) else None
        if verdict is not None and verdict.action == "INTERVENED":
            result.update({"guardrailAction": "INTERVENED", "output": {"text": verdict.text}, "citations": []})
    return result
