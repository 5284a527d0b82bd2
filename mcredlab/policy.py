"""Judge IAM and resource policies by what they mean, not how they are written.

``{"Principal": "*"}`` and ``{"Principal": {"AWS": ["*"]}}`` are the same; ``"s3:Get*"`` covers
``s3:GetObject``; a ``Deny`` wins over an ``Allow``; a condition narrows who is allowed.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def matches(pattern: str, value: str, *, case_sensitive: bool = True) -> bool:
    """IAM wildcard match: ``*`` any run of characters, ``?`` one character."""
    translated = pattern.replace("[", "[[]")  # fnmatch classes are not IAM syntax
    if case_sensitive:
        return fnmatch.fnmatchcase(value, translated)
    return fnmatch.fnmatchcase(value.lower(), translated.lower())


def action_covered(patterns: Iterable[str], action: str) -> bool:
    """Whether any action pattern covers ``action`` (action names are case-insensitive)."""
    return any(matches(p, action, case_sensitive=False) for p in patterns)


@dataclass(frozen=True)
class Statement:
    effect: str
    principals: Mapping[str, list[str]] | str
    actions: list[str]
    not_actions: list[str]
    resources: list[str]
    not_resources: list[str]
    condition: Mapping[str, Any]

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Statement:
        principal = raw.get("Principal", {})
        principals: Mapping[str, list[str]] | str
        if principal == "*":
            principals = "*"
        else:
            principals = {k: [str(v) for v in _as_list(vs)] for k, vs in dict(principal).items()}
        return cls(
            effect=str(raw.get("Effect", "")),
            principals=principals,
            actions=[str(a) for a in _as_list(raw.get("Action"))],
            not_actions=[str(a) for a in _as_list(raw.get("NotAction"))],
            resources=[str(r) for r in _as_list(raw.get("Resource"))],
            not_resources=[str(r) for r in _as_list(raw.get("NotResource"))],
            condition=dict(raw.get("Condition") or {}),
        )

    def covers_action(self, action: str) -> bool:
        if self.not_actions:
            return not action_covered(self.not_actions, action)
        return action_covered(self.actions, action)

    def covers_resource(self, resource: str) -> bool:
        if self.not_resources:
            return not any(matches(p, resource) for p in self.not_resources)
        return any(matches(p, resource) for p in self.resources)

    def everyone(self) -> bool:
        """Whether the principal is anyone at all (``*`` or ``{"AWS": "*"}``)."""
        if self.principals == "*":
            return True
        assert isinstance(self.principals, Mapping)
        return "*" in self.principals.get("AWS", [])

    def service(self, name: str) -> bool:
        """Whether the principal includes the AWS service ``name`` (or anyone)."""
        if self.everyone():
            return True
        assert isinstance(self.principals, Mapping)
        return name in self.principals.get("Service", [])


def statements(policy: str | Mapping[str, Any] | None) -> list[Statement]:
    """The statements of a policy document given as JSON text or a mapping."""
    if not policy:
        return []
    document = json.loads(policy) if isinstance(policy, str) else policy
    return [Statement.parse(s) for s in _as_list(document.get("Statement"))]


def public_allows(policy: str | Mapping[str, Any] | None, action: str, resource: str) -> bool:
    """Whether anyone, unconditionally, may perform ``action`` on ``resource`` (and no Deny stops it)."""
    parsed = statements(policy)
    allowed = any(
        s.effect == "Allow" and s.everyone() and not s.condition and s.covers_action(action) and s.covers_resource(resource)
        for s in parsed
    )
    denied = any(s.effect == "Deny" and s.everyone() and s.covers_action(action) and s.covers_resource(resource) for s in parsed)
    return allowed and not denied


def condition_values(condition: Mapping[str, Any], key: str) -> list[str]:
    """Every value the condition gives for ``key`` (e.g. ``aws:SourceArn``), whatever the operator."""
    found: list[str] = []
    for operands in condition.values():
        for name, values in dict(operands).items():
            if name.lower() == key.lower():
                found.extend(str(v) for v in _as_list(values))
    return found


_STRING_OPERATORS = {"StringEquals", "StringLike", "StringNotEquals", "StringNotLike", "StringEqualsIgnoreCase",
                     "StringNotEqualsIgnoreCase", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"}


def conditions_met(condition: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    """Whether every condition holds for a request whose condition keys are ``context``.

    Only the String and Arn operators (and their ``...IfExists`` forms) are evaluated; any other
    operator counts as not met. Keys are case-insensitive; a key absent from ``context`` fails a
    positive operator and passes a negated one (and any ``...IfExists`` one), as on AWS.
    """
    known = {key.lower(): value for key, value in context.items()}
    for raw_operator, operands in condition.items():
        operator = str(raw_operator).split(":", 1)[-1]  # ForAnyValue:/ForAllValues: on one value are the same
        if_exists = operator.endswith("IfExists")
        operator = operator.removesuffix("IfExists")
        if operator not in _STRING_OPERATORS or not isinstance(operands, Mapping):
            return False
        negated = "Not" in operator
        for key, values in operands.items():
            actual = known.get(str(key).lower())
            if actual is None:
                if if_exists or negated:
                    continue
                return False
            listed = [str(v) for v in _as_list(values)]
            if operator.endswith("Like") or operator.startswith("Arn"):
                hit = any(matches(v, actual) for v in listed)
            elif operator.endswith("IgnoreCase"):
                hit = any(v.lower() == actual.lower() for v in listed)
            else:
                hit = actual in listed
            if hit == negated:
                return False
    return True
