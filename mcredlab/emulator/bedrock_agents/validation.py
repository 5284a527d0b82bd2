"""A request checked against the service model's constraints, as AWS does before anything else.

Patterns, lengths, ranges, enums and required members come from botocore's model of the service;
a violation is a ValidationException worded like AWS's: ``1 validation error detected: Value 'x'
at 'agentDescriptor.aliasArn' failed to satisfy constraint: Member must satisfy regular expression
pattern: ...``. Values of sensitive members are not repeated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from mcredlab.emulator.bedrock_agents.common import Call, ValidationException

# Shapes whose modelled pattern no real value matches (it says /d{12} for a digit run): AWS does not apply it.
UNCHECKED_PATTERNS = frozenset({"TaggableResourcesArn"})


@cache
def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


@cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern.removeprefix("^").removesuffix("$"), re.DOTALL)
    except re.error:  # a construct Python does not know (\p{...}); AWS checks it, the emulator cannot
        return None


def _scalar(shape: Any, value: Any) -> Iterator[str]:
    meta = shape.metadata
    if shape.type_name == "string":
        text = str(value)
        if shape.enum and text not in shape.enum:
            yield f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
        if "min" in meta and len(text) < meta["min"]:
            yield f"Member must have length greater than or equal to {meta['min']}"
        if "max" in meta and len(text) > meta["max"]:
            yield f"Member must have length less than or equal to {meta['max']}"
        compiled = _pattern(meta["pattern"]) if "pattern" in meta and shape.name not in UNCHECKED_PATTERNS else None
        if compiled is not None and not compiled.fullmatch(text):
            yield f"Member must satisfy regular expression pattern: {meta['pattern']}"
    elif shape.type_name in ("integer", "long") and isinstance(value, int):
        if "min" in meta and value < meta["min"]:
            yield f"Member must have value greater than or equal to {meta['min']}"
        if "max" in meta and value > meta["max"]:
            yield f"Member must have value less than or equal to {meta['max']}"


def _violations(shape: Any, value: Any, path: str) -> Iterator[str]:
    shown = "" if shape.metadata.get("sensitive") else f" '{value}'"
    for problem in _scalar(shape, value):
        yield f"Value{shown} at '{path}' failed to satisfy constraint: {problem}"
    if shape.type_name == "structure" and isinstance(value, Mapping):
        prefix = f"{path}." if path else ""
        for name in shape.required_members:
            if value.get(name) is None:
                yield f"Value null at '{prefix}{name}' failed to satisfy constraint: Member must not be null"
        for name, member in shape.members.items():
            if value.get(name) is not None:
                yield from _violations(member, value[name], f"{prefix}{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        if "min" in shape.metadata and len(value) < shape.metadata["min"]:
            yield (f"Value at '{path}' failed to satisfy constraint: "
                   f"Member must have length greater than or equal to {shape.metadata['min']}")
        for position, item in enumerate(value, start=1):
            yield from _violations(shape.member, item, f"{path}.{position}.member")
    elif shape.type_name == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            yield from _violations(shape.value, item, f"{path}.{key}")


def _query_value(shape: Any, values: list[str]) -> Any:
    if shape.type_name == "list":
        return values
    if shape.type_name == "boolean":
        return values[0].lower() == "true"
    if shape.type_name in ("integer", "long"):
        return int(values[0]) if values[0].lstrip("-").isdigit() else values[0]
    return values[0]


def request_params(shape: Any, call: Call) -> dict[str, Any]:
    """The request as the input shape's members: URI and query parameters, then the JSON body."""
    params: dict[str, Any] = dict(call.body)
    for name, member in shape.members.items():
        location, wire = member.serialization.get("location"), member.serialization.get("name", name)
        if location == "uri" and wire in call.uri:
            params[name] = call.uri[wire]
        elif location == "querystring" and call.query.get(wire):
            params[name] = _query_value(member, list(call.query[wire]))
    return params


def validate(service: str, operation: str, call: Call) -> None:
    """ValidationException listing every constraint the request breaks, as AWS words it."""
    shape = _model(service).operation_model(operation).input_shape
    problems = list(_violations(shape, request_params(shape, call), "")) if shape is not None else []
    if problems:
        count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected"
        raise ValidationException(f"{count}: {'; '.join(problems)}")
