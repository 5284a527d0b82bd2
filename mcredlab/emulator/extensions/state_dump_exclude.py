"""``/moto-api/data.json?exclude=service.Model,...`` leaves those models out of moto's state dump.

moto 5.2.5's ``/moto-api/data.json`` lists every tracked model instance with its public attributes.
Once IAM has been used, that includes AWS's own managed policies, about 9,500 instances per account
(4.5 MB of JSON, two seconds a dump), which no request can change: a policy is attached through its
role, user or group, whose own state the dump still shows. Here ``MotoAPIResponse.model_data``
accepts an optional ``exclude`` query parameter naming ``service.Model`` pairs (for example
``iam.AWSManagedPolicy``); the models named are listed empty, every other is dumped exactly as moto
dumps it (the same loop). Without the parameter the answer is moto's own.

This is the emulator's, not AWS's: AWS has no such endpoint. The tests that prove a check changes no
state compare two dumps with ``exclude=iam.AWSManagedPolicy``.
"""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

SEAMS = (
    ("moto.moto_api._internal.responses", "MotoAPIResponse", "model_data"),
    ("moto.core.model_instances", "model_data", None),
)


def excluded_models(full_url: str) -> set[tuple[str, str]]:
    """The ``(service, Model)`` pairs the URL's ``exclude`` parameter names."""
    names = ",".join(parse_qs(urlsplit(full_url).query).get("exclude", []))
    return {tuple(name.strip().split(".", 1)) for name in names.split(",") if "." in name}  # type: ignore[misc]


def dump(excluded: set[tuple[str, str]]) -> dict[str, dict[str, list[Any]]]:
    """moto's state dump (its own loop), with the models in ``excluded`` listed empty."""
    from moto.core.model_instances import model_data

    results: dict[str, dict[str, list[Any]]] = {}
    for service in sorted(model_data):
        models = model_data[service]
        results[service] = {}
        for name in sorted(models):
            results[service][name] = []
            if (service, name) in excluded:
                continue
            for instance in models[name].instances_tracked:  # type: ignore[attr-defined]
                found = {}
                for attr in dir(instance):
                    if attr.startswith("_"):
                        continue
                    try:
                        value = getattr(instance, attr)
                        json.dumps(value)
                    except (TypeError, AttributeError, ValueError):
                        continue
                    found[attr] = value
                results[service][name].append(found)
    return results


def install() -> None:
    from moto.moto_api._internal.responses import MotoAPIResponse

    original = MotoAPIResponse.model_data

    @functools.wraps(original)
    def model_data(self: Any, request: Any, full_url: str, headers: Any) -> Any:
        excluded = excluded_models(full_url)
        if not excluded:
            return original(self, request, full_url, headers)
        return 200, {"Content-Type": "application/javascript"}, json.dumps(dump(excluded))

    MotoAPIResponse.model_data = model_data  # type: ignore[method-assign]
