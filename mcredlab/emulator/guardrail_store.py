"""Amazon Bedrock guardrails as the emulator keeps them: a moto backend per account and region.

``guardrail_backends`` is a moto ``BackendDict``, so ``/moto-api/reset`` empties it like any moto
service. A guardrail has a working draft (``DRAFT``) and numbered versions, each a snapshot of the
draft's configuration, kept in the shape ``GetGuardrail`` answers (the request's ``...Config``
names become the response's names, and omitted actions, switches, modalities and tiers get the
values AWS reports). Requests are checked as AWS checks them: every constraint of botocore's
service model (lengths, patterns, enum values, list sizes, ranges), then the rules AWS documents
(see :func:`policy_errors`), with AWS's error codes.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from typing import Any

import botocore.session
from botocore.model import ServiceModel, Shape
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import ServiceException
from moto.moto_api._internal import mock_random

DRAFT = "DRAFT"
MAX_GUARDRAILS = 100  # per account and Region (AWS service quota)
MAX_VERSIONS = 20  # numbered versions per guardrail (AWS service quota)
CLASSIC_DEFINITION_LIMIT, STANDARD_DEFINITION_LIMIT = 200, 1000
_ARN = re.compile(r"arn:aws(?:-[^:]+)?:bedrock:([a-z0-9-]+):(\d{12}):guardrail/([a-z0-9]+)")


class ValidationException(ServiceException):
    code = "ValidationException"


class ConflictException(ServiceException):
    code = "ConflictException"


class ResourceNotFoundException(ServiceException):
    code = "ResourceNotFoundException"


class ServiceQuotaExceededException(ServiceException):
    code = "ServiceQuotaExceededException"


# ---------------------------------------------------------------------------------------------
# Validation against botocore's service model
# ---------------------------------------------------------------------------------------------


def _value_at(shape: Shape, value: Any, path: str) -> str:
    if shape.metadata.get("sensitive") or not isinstance(value, str | int | float):
        return f"Value at '{path}'"
    return f"Value '{value}' at '{path}'"


def _broken(shape: Shape, value: Any, path: str, constraint: str) -> str:
    return f"{_value_at(shape, value, path)} failed to satisfy constraint: {constraint}"


def _length_errors(shape: Shape, value: Any, path: str, limits: Mapping[str, int]) -> list[str]:
    low, high = shape.metadata.get("min"), limits.get(shape.name, shape.metadata.get("max"))
    size = len(value)
    if low is not None and size < low:
        return [_broken(shape, value, path, f"Member must have length greater than or equal to {low}")]
    if high is not None and size > high:
        return [_broken(shape, value, path, f"Member must have length less than or equal to {high}")]
    return []


def _string_errors(shape: Shape, value: str, path: str, limits: Mapping[str, int]) -> list[str]:
    errors = _length_errors(shape, value, path, limits)
    enum, pattern = shape.metadata.get("enum"), shape.metadata.get("pattern")
    if enum and value not in enum:
        errors.append(_broken(shape, value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]"))
    elif pattern and not re.fullmatch(pattern, value):
        errors.append(_broken(shape, value, path, f"Member must satisfy regular expression pattern: {pattern}"))
    return errors


def _number_errors(shape: Shape, value: float, path: str) -> list[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        return [_broken(shape, value, path, f"Member must have value greater than or equal to {low}")]
    if high is not None and value > high:
        return [_broken(shape, value, path, f"Member must have value less than or equal to {high}")]
    return []


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def shape_errors(shape: Shape, value: Any, path: str = "", limits: Mapping[str, int] | None = None) -> list[str]:
    """Every way ``value`` breaks ``shape``'s constraints, worded as AWS words them.

    ``limits`` overrides the maximum length of shapes by name (a rule AWS applies that the model lacks).
    """
    limits = limits or {}
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        errors = [f"Value at '{_join(path, name)}' failed to satisfy constraint: Member must not be null"
                  for name in shape.metadata.get("required", []) if value.get(name) is None]
        for name, member in shape.members.items():
            if value.get(name) is not None:
                errors += shape_errors(member, value[name], _join(path, name), limits)
        return errors
    if kind == "list" and isinstance(value, list):
        errors = _length_errors(shape, value, path, limits)
        for index, item in enumerate(value, 1):
            errors += shape_errors(shape.member, item, _join(path, f"{index}.member"), limits)
        return errors
    if kind == "string" and isinstance(value, str):
        return _string_errors(shape, value, path, limits)
    if kind in ("integer", "long", "double", "float") and isinstance(value, int | float):
        return _number_errors(shape, value, path)
    return []


@cache
def service_model(service: str) -> ServiceModel:
    """botocore's model of ``service`` (``bedrock``, ``bedrock-runtime``), loaded once."""
    return botocore.session.get_session().get_service_model(service)


def input_errors(service: str, operation: str, params: Mapping[str, Any],
                 limits: Mapping[str, int] | None = None) -> list[str]:
    """How the parameters of ``operation`` break its input shape's constraints."""
    return shape_errors(service_model(service).operation_model(operation).input_shape, params, limits=limits)


def raise_for(errors: list[str]) -> None:
    """``ValidationException`` listing ``errors``, if there are any."""
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise ValidationException(f"{len(errors)} validation {noun} detected: {'; '.join(errors)}")


# ---------------------------------------------------------------------------------------------
# The rules AWS documents beyond the model
# ---------------------------------------------------------------------------------------------


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


def _tier(policy: Mapping[str, Any] | None) -> str:
    return str(((policy or {}).get("tierConfig") or {}).get("tierName") or "CLASSIC")


def definition_limits(request: Mapping[str, Any]) -> dict[str, int]:
    """Denied-topic definitions may be 1,000 characters long in the Standard tier, 200 in Classic."""
    standard = _tier(request.get("topicPolicyConfig")) == "STANDARD"
    return {"GuardrailTopicDefinition": STANDARD_DEFINITION_LIMIT if standard else CLASSIC_DEFINITION_LIMIT}


def _content_errors(policy: Mapping[str, Any]) -> list[str]:
    filters = policy.get("filtersConfig") or []
    errors = [f"Duplicate content filter type: {kind}" for kind in _duplicates(f["type"] for f in filters)]
    for config in filters:
        if config["type"] == "PROMPT_ATTACK" and config.get("outputStrength") != "NONE":
            errors.append("The PROMPT_ATTACK content filter applies to input only: its outputStrength must be NONE")
    return errors


def _topic_errors(policy: Mapping[str, Any]) -> list[str]:
    names = [topic["name"].strip().lower() for topic in policy.get("topicsConfig") or []]
    return [f"Duplicate denied topic name: {name}" for name in _duplicates(names)]


def _sensitive_errors(policy: Mapping[str, Any]) -> list[str]:
    errors = [f"Duplicate PII entity type: {kind}"
              for kind in _duplicates(e["type"] for e in policy.get("piiEntitiesConfig") or [])]
    regexes = policy.get("regexesConfig") or []
    errors += [f"Duplicate regex name: {name}" for name in _duplicates(r["name"] for r in regexes)]
    for regex in regexes:
        try:
            re.compile(regex["pattern"])
        except re.error as problem:
            errors.append(f"Invalid regex pattern for {regex['name']}: {problem}")
    return errors


def _word_errors(policy: Mapping[str, Any]) -> list[str]:
    managed = [m["type"] for m in policy.get("managedWordListsConfig") or []]
    return [f"Duplicate managed word list type: {kind}" for kind in _duplicates(managed)]


def _grounding_errors(policy: Mapping[str, Any]) -> list[str]:
    filters = policy.get("filtersConfig") or []
    errors = [f"Duplicate contextual grounding filter type: {kind}" for kind in _duplicates(f["type"] for f in filters)]
    errors += [f"Value '{f['threshold']}' at 'contextualGroundingPolicyConfig.filtersConfig.{i}.member.threshold' "
               "failed to satisfy constraint: Member must have value less than or equal to 0.99"
               for i, f in enumerate(filters, 1) if f["threshold"] > 0.99]
    return errors


def policy_errors(request: Mapping[str, Any]) -> list[str]:
    """AWS's documented rules for a guardrail's configuration that the service model cannot express."""
    errors = _content_errors(request.get("contentPolicyConfig") or {})
    errors += _topic_errors(request.get("topicPolicyConfig") or {})
    errors += _sensitive_errors(request.get("sensitiveInformationPolicyConfig") or {})
    errors += _word_errors(request.get("wordPolicyConfig") or {})
    errors += _grounding_errors(request.get("contextualGroundingPolicyConfig") or {})
    standard = [name for name in ("topicPolicyConfig", "contentPolicyConfig", "contextualGroundingPolicyConfig")
                if _tier(request.get(name)) == "STANDARD"]
    if standard and not request.get("crossRegionConfig"):
        errors.append(f"The STANDARD tier ({', '.join(standard)}) requires crossRegionConfig: "
                      "Standard tier guardrails use cross-Region inference")
    return errors


# ---------------------------------------------------------------------------------------------
# From the request's names to GetGuardrail's, with the defaults AWS reports
# ---------------------------------------------------------------------------------------------

_RENAMES = {
    "topicPolicyConfig": "topicPolicy", "topicsConfig": "topics", "contentPolicyConfig": "contentPolicy",
    "filtersConfig": "filters", "wordPolicyConfig": "wordPolicy", "wordsConfig": "words",
    "managedWordListsConfig": "managedWordLists", "sensitiveInformationPolicyConfig": "sensitiveInformationPolicy",
    "piiEntitiesConfig": "piiEntities", "regexesConfig": "regexes", "tierConfig": "tier",
    "contextualGroundingPolicyConfig": "contextualGroundingPolicy",
    "automatedReasoningPolicyConfig": "automatedReasoningPolicy",
}
_SWITCHED = {"topics", "filters", "words", "managedWordLists", "piiEntities", "regexes"}


def _renamed(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_RENAMES.get(key, key): _renamed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item) for item in value]
    return value


def _with_defaults(policy_name: str, policy: dict[str, Any]) -> dict[str, Any]:
    for list_name, entries in policy.items():
        if list_name not in _SWITCHED or not isinstance(entries, list):
            continue
        for entry in entries:
            default_action = entry.get("action", "BLOCK")
            entry.setdefault("inputAction", default_action)
            entry.setdefault("outputAction", default_action)
            entry.setdefault("inputEnabled", True)
            entry.setdefault("outputEnabled", True)
            if policy_name == "contentPolicy":
                entry.setdefault("inputModalities", ["TEXT"])
                entry.setdefault("outputModalities", ["TEXT"])
    if policy_name == "contextualGroundingPolicy":
        for entry in policy.get("filters") or []:
            entry.setdefault("action", "BLOCK")
            entry.setdefault("enabled", True)
    if policy_name in ("topicPolicy", "contentPolicy", "contextualGroundingPolicy"):
        policy.setdefault("tier", {"tierName": "CLASSIC"})
    return policy


POLICY_NAMES = ("topicPolicy", "contentPolicy", "wordPolicy", "sensitiveInformationPolicy",
                "contextualGroundingPolicy", "automatedReasoningPolicy")


def stored_policies(request: Mapping[str, Any]) -> dict[str, Any]:
    """The request's policies, renamed and completed as GetGuardrail answers them."""
    renamed = _renamed({key: value for key, value in request.items() if key in _RENAMES})
    return {name: _with_defaults(name, renamed[name]) for name in POLICY_NAMES if renamed.get(name)}


# ---------------------------------------------------------------------------------------------
# Guardrails and their versions
# ---------------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Snapshot:
    """One version of a guardrail (``DRAFT`` or a number) and its configuration."""

    version: str
    name: str
    blocked_input: str
    blocked_outputs: str
    policies: dict[str, Any]
    description: str | None = None
    kms_key_arn: str | None = None
    cross_region: dict[str, str] | None = None
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)


@dataclass
class Guardrail:
    """A guardrail: its identity, its working draft and its numbered versions."""

    guardrail_id: str
    arn: str
    draft: Snapshot
    versions: dict[str, Snapshot] = field(default_factory=dict)
    last_version: int = 0

    def snapshot(self, version: str) -> Snapshot:
        found = self.draft if version == DRAFT else self.versions.get(version)
        if found is None:
            raise ResourceNotFoundException(f"Guardrail {self.guardrail_id} has no version {version}.")
        return found

    def describe(self, version: str = DRAFT) -> dict[str, Any]:
        """What GetGuardrail answers for ``version``."""
        snap = self.snapshot(version)
        answer: dict[str, Any] = {
            "name": snap.name, "guardrailId": self.guardrail_id, "guardrailArn": self.arn, "version": snap.version,
            "status": "READY", **snap.policies, "createdAt": snap.created_at, "updatedAt": snap.updated_at,
            "blockedInputMessaging": snap.blocked_input, "blockedOutputsMessaging": snap.blocked_outputs,
        }
        optional = {"description": snap.description, "kmsKeyArn": snap.kms_key_arn, "crossRegionDetails": snap.cross_region}
        return answer | {key: value for key, value in optional.items() if value}

    def summary(self, snap: Snapshot) -> dict[str, Any]:
        """One entry of ListGuardrails."""
        entry = {"id": self.guardrail_id, "arn": self.arn, "status": "READY", "name": snap.name,
                 "version": snap.version, "createdAt": snap.created_at, "updatedAt": snap.updated_at}
        optional = {"description": snap.description, "crossRegionDetails": snap.cross_region}
        return entry | {key: value for key, value in optional.items() if value}

    def all_snapshots(self) -> Iterator[Snapshot]:
        yield self.draft
        yield from sorted(self.versions.values(), key=lambda s: int(s.version))


class GuardrailBackend(BaseBackend):
    """The guardrails of one account in one Region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.guardrails: dict[str, Guardrail] = {}
        self.tokens: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}  # (operation, token) -> (request, answer)

    # -- lookups --------------------------------------------------------------------------------

    def find(self, identifier: str) -> Guardrail:
        """The guardrail named by its id or ARN."""
        guardrail_id = identifier
        match = _ARN.fullmatch(identifier)
        if match:
            region, account, guardrail_id = match.groups()
            if (region, account) != (self.region_name, self.account_id):
                guardrail_id = ""
        found = self.guardrails.get(guardrail_id)
        if found is None:
            raise ResourceNotFoundException(f"Guardrail {identifier} was not found.")
        return found

    def arns(self) -> list[str]:
        return [guardrail.arn for guardrail in self.guardrails.values()]

    def _name_taken(self, name: str, other_than: str | None = None) -> bool:
        return any(g.draft.name == name and g.guardrail_id != other_than for g in self.guardrails.values())

    def _idempotent(self, operation: str, token: str | None, request: Any) -> dict[str, Any] | None:
        """The earlier answer to the same request with this client token; a different request is a conflict."""
        if not token or (operation, token) not in self.tokens:
            return None
        earlier, answer = self.tokens[(operation, token)]
        if earlier != request:
            raise ConflictException(f"The client token {token} was already used for a different request.")
        return answer

    # -- configuration ----------------------------------------------------------------------------

    def _kms_key_arn(self, key: str | None) -> str | None:
        if not key or key.startswith("arn:"):
            return key
        return f"arn:aws:kms:{self.region_name}:{self.account_id}:{key if key.startswith('alias/') else 'key/' + key}"

    def _cross_region(self, config: Mapping[str, Any] | None) -> dict[str, str] | None:
        if not config:
            return None
        identifier = str(config["guardrailProfileIdentifier"])
        profile_id = identifier.rsplit("/", 1)[-1]
        arn = identifier if identifier.startswith("arn:") else \
            f"arn:aws:bedrock:{self.region_name}:{self.account_id}:guardrail-profile/{profile_id}"
        return {"guardrailProfileId": profile_id, "guardrailProfileArn": arn}

    def _snapshot(self, request: Mapping[str, Any], version: str = DRAFT) -> Snapshot:
        now = _now()
        return Snapshot(
            version=version, name=request["name"], description=request.get("description"),
            blocked_input=request["blockedInputMessaging"], blocked_outputs=request["blockedOutputsMessaging"],
            policies=stored_policies(request), kms_key_arn=self._kms_key_arn(request.get("kmsKeyId")),
            cross_region=self._cross_region(request.get("crossRegionConfig")), created_at=now, updated_at=now,
        )

    # -- operations -------------------------------------------------------------------------------

    def create(self, request: Mapping[str, Any]) -> tuple[Guardrail, dict[str, Any]]:
        """A new guardrail (or the earlier one for a repeated client token) and the CreateGuardrail answer."""
        token = request.get("clientRequestToken")
        earlier = self._idempotent("create", token, dict(request))
        if earlier is not None:
            return self.guardrails[earlier["guardrailId"]], earlier
        if self._name_taken(request["name"]):
            raise ConflictException(f"A guardrail with the name {request['name']} already exists.")
        if len(self.guardrails) >= MAX_GUARDRAILS:
            raise ServiceQuotaExceededException(f"You can have at most {MAX_GUARDRAILS} guardrails in a Region.")
        guardrail_id = mock_random.get_random_string(length=12, lower_case=True)
        arn = f"arn:aws:bedrock:{self.region_name}:{self.account_id}:guardrail/{guardrail_id}"
        guardrail = Guardrail(guardrail_id, arn, self._snapshot(request))
        self.guardrails[guardrail_id] = guardrail
        answer = {"guardrailId": guardrail_id, "guardrailArn": arn, "version": DRAFT,
                  "createdAt": guardrail.draft.created_at}
        if token:
            self.tokens[("create", token)] = (dict(request), answer)
        return guardrail, answer

    def update(self, identifier: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the draft's whole configuration: a policy left out of the request is removed."""
        guardrail = self.find(identifier)
        if self._name_taken(request["name"], other_than=guardrail.guardrail_id):
            raise ConflictException(f"A guardrail with the name {request['name']} already exists.")
        draft = self._snapshot(request)
        draft.created_at = guardrail.draft.created_at
        guardrail.draft = draft
        return {"guardrailId": guardrail.guardrail_id, "guardrailArn": guardrail.arn, "version": DRAFT,
                "updatedAt": draft.updated_at}

    def create_version(self, identifier: str, description: str | None, token: str | None) -> dict[str, Any]:
        """A numbered snapshot of the draft; numbers are never reused, even after a version is deleted."""
        guardrail = self.find(identifier)
        earlier = self._idempotent("version", token, (guardrail.guardrail_id, description))
        if earlier is not None:
            return earlier
        if len(guardrail.versions) >= MAX_VERSIONS:
            raise ServiceQuotaExceededException(f"A guardrail can have at most {MAX_VERSIONS} versions.")
        guardrail.last_version += 1
        version = str(guardrail.last_version)
        draft, now = guardrail.draft, _now()
        guardrail.versions[version] = Snapshot(
            version=version, name=draft.name, description=description, blocked_input=draft.blocked_input,
            blocked_outputs=draft.blocked_outputs, policies=copy.deepcopy(draft.policies),
            kms_key_arn=draft.kms_key_arn, cross_region=draft.cross_region, created_at=now, updated_at=now,
        )
        answer = {"guardrailId": guardrail.guardrail_id, "version": version}
        if token:
            self.tokens[("version", token)] = ((guardrail.guardrail_id, description), answer)
        return answer

    def delete(self, identifier: str, version: str | None) -> Guardrail | None:
        """Delete one numbered version, or (without ``version``) the guardrail; the guardrail if it is gone."""
        guardrail = self.find(identifier)
        if version:
            guardrail.snapshot(version)
            del guardrail.versions[version]
            return None
        del self.guardrails[guardrail.guardrail_id]
        return guardrail

    def summaries(self, identifier: str | None) -> list[dict[str, Any]]:
        """ListGuardrails' entries: every guardrail's draft, or every version of one guardrail."""
        if identifier:
            guardrail = self.find(identifier)
            return [guardrail.summary(snap) for snap in guardrail.all_snapshots()]
        return [guardrail.summary(guardrail.draft) for guardrail in self.guardrails.values()]


guardrail_backends = BackendDict(GuardrailBackend, "bedrock")


def backend(account_id: str, region: str) -> GuardrailBackend:
    """The guardrails of ``account_id`` in ``region``."""
    return guardrail_backends[account_id][region]
