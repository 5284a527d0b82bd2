"""What the agent and knowledge-base stores share: AWS's errors, identifiers, times, pages, requests."""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import mock_random

DRAFT = "DRAFT"
TEST_ALIAS_ID = "TSTALIASID"
_ID_ALPHABET = string.ascii_uppercase + string.digits
T = TypeVar("T")


class AgentsError(JsonRESTError):
    """An error Agents for Amazon Bedrock answers; the class name is its code."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__(type(self).__name__, message)


class ValidationException(AgentsError):
    code = 400


class ResourceNotFoundException(AgentsError):
    code = 404


class ConflictException(AgentsError):
    code = 409


@dataclass(frozen=True)
class Call:
    """One request: its URI parameters, JSON body and query string."""

    uri: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, list[str]] = field(default_factory=dict)

    def flag(self, name: str) -> bool:
        """A boolean query parameter (``skipResourceInUseCheck``)."""
        return any(value.lower() == "true" for value in self.query.get(name, []))


def new_id(taken: Mapping[str, Any] | None = None) -> str:
    """A fresh ten-character identifier, as AWS makes them (seedable through moto's random)."""
    while True:
        candidate = "".join(mock_random.choices(_ID_ALPHABET, k=10))
        if not taken or candidate not in taken:
            return candidate


def now() -> float:
    return datetime.now(timezone.utc).timestamp()


def iso(timestamp: float | None) -> str | None:
    """A timestamp as AWS writes it in these APIs."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without the ones that are not set."""
    return {k: v for k, v in values.items() if v is not None and v != [] and v != {}}


def pick(body: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The request fields ``names`` that ``body`` gives."""
    return {name: body[name] for name in names if body.get(name) is not None}


def find(items: Mapping[str, T], key: str, what: str) -> T:
    """``items[key]``, or ResourceNotFoundException naming ``what``."""
    if key not in items:
        raise ResourceNotFoundException(f"{what} {key} is not found. Check the identifier and retry the request.")
    return items[key]


def unique(names: list[str], name: str, what: str) -> None:
    """ConflictException if another ``what`` already has ``name``."""
    if name in names:
        raise ConflictException(f"The name {name} is already used by another {what}. Choose another name.")


def page(items: list[T], call: Call, key: str, render: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    """One page of a list operation (``maxResults``, ``nextToken``)."""
    token = str(call.body.get("nextToken") or "0")
    start = int(token) if token.isdigit() else 0
    size = int(call.body.get("maxResults") or 1000)
    result: dict[str, Any] = {key: [render(item) for item in items[start: start + size]]}
    if start + size < len(items):
        result["nextToken"] = str(start + size)
    return result


def require_draft(call: Call) -> None:
    """Only an agent's working draft can change."""
    version = call.uri.get("agentVersion", DRAFT)
    if version != DRAFT:
        raise ValidationException(f"Only the {DRAFT} version of an agent can be changed, not version {version}.")
