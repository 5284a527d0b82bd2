"""Lambda functions for labs: tagged idempotent Python functions from source, and readers.

(The module is ``awslambda`` because ``lambda`` is a Python keyword.)
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from mcredlab.kit.reading import error_code, or_none, tagged_by
from mcredlab.lab import TAG_KEY
from mcredlab.target import Aws


def zip_source(source: str, filename: str = "index.py") -> bytes:
    """A deployment package holding one Python source file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(filename, source)
    return buffer.getvalue()


def function(aws: Aws, name: str) -> dict[str, Any] | None:
    """The function ``name`` as GetFunction returns it (``Configuration``, ``Code``, ``Tags``), or ``None``."""
    found = or_none(aws.client("lambda").get_function, FunctionName=name)
    return None if found is None else dict(found)


def configuration(aws: Aws, name: str) -> dict[str, Any] | None:
    """The configuration of function ``name`` (runtime, role, environment ...), or ``None``."""
    found = function(aws, name)
    return None if found is None else dict(found["Configuration"])


def function_arn(aws: Aws, name: str) -> str | None:
    """The ARN of function ``name``, or ``None``."""
    found = configuration(aws, name)
    return None if found is None else str(found["FunctionArn"])


def arn(aws: Aws, name: str) -> str:
    """The ARN of function ``name``, which exists (solutions and near misses build on the setup's function)."""
    found = function_arn(aws, name)
    if found is None:
        raise LookupError(f"no Lambda function named {name}")
    return found


def environment(aws: Aws, name: str) -> dict[str, str]:
    """The environment variables of function ``name`` (none when it does not exist)."""
    found = configuration(aws, name) or {}
    return dict((found.get("Environment") or {}).get("Variables") or {})


def resource_policy(aws: Aws, name: str) -> str | None:
    """The resource-based policy of function ``name`` as JSON text, or ``None`` (no function or no policy)."""
    found = or_none(aws.client("lambda").get_policy, FunctionName=name)
    return None if found is None else str(found["Policy"])


def event_source_mappings(aws: Aws, name: str, source_arn: str | None = None) -> list[dict[str, Any]]:
    """The event source mappings of function ``name`` (only those from ``source_arn`` if given); none when the
    function does not exist."""
    client, found, marker = aws.client("lambda"), [], None
    while True:
        page = or_none(client.list_event_source_mappings, FunctionName=name, **({"Marker": marker} if marker else {}))
        if page is None:
            return []
        found += [dict(m) for m in page.get("EventSourceMappings", [])
                  if source_arn is None or m.get("EventSourceArn") == source_arn]
        marker = page.get("NextMarker")
        if not marker:
            return found


def ensure_function(aws: Aws, lab_id: str, name: str, *, role_arn: str, source: str, timeout: int = 10,
                    description: str = "", environment: Mapping[str, str] | None = None) -> str:
    """The ARN of the Python function ``name``; created from ``source`` (handler ``index.handler``) if missing."""
    existing = function_arn(aws, name)
    if existing is not None:
        return existing
    options: dict[str, Any] = {"Description": description} if description else {}
    if environment:
        options["Environment"] = {"Variables": dict(environment)}
    for attempt in range(10):  # on AWS a new role takes a few seconds to become assumable
        try:
            return str(aws.client("lambda").create_function(
                FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="index.handler",
                Code={"ZipFile": zip_source(source)}, Timeout=timeout, Tags={TAG_KEY: lab_id}, **options,
            )["FunctionArn"])
        except ClientError as error:
            if error_code(error) != "InvalidParameterValueException" or attempt == 9:
                raise
            time.sleep(3)
    raise AssertionError("unreachable")


def delete_function(aws: Aws, lab_id: str, name: str) -> None:
    """Delete the function ``name`` and its event source mappings if the lab tagged it (AWS keeps a deleted
    function's mappings, failing, so they go first)."""
    found = function(aws, name)
    if found is None or not tagged_by(lab_id, found.get("Tags")):
        return
    for mapping in event_source_mappings(aws, name):
        or_none(aws.client("lambda").delete_event_source_mapping, UUID=mapping["UUID"])
    or_none(aws.client("lambda").delete_function, FunctionName=name)
