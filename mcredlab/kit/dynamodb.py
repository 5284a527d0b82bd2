"""DynamoDB tables for labs: readers of a table's design (keys, indexes, capacity, stream, TTL), and tagged
idempotent tables for setup and teardown.

Readers take a table's name and return ``None`` when it does not exist; the helpers that read a part of a
description (:func:`key_of`, :func:`attribute_type`, :func:`billing_mode` ...) take what :func:`table`
returned, so a criterion describes the table once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mcredlab.kit.reading import or_none, tag_map, tagged_by
from mcredlab.lab import TAG_KEY
from mcredlab.target import Aws

ATTRIBUTE_TYPES = {"S": "String", "N": "Number", "B": "Binary"}
"""DynamoDB's attribute type codes for keys, with the console's English names."""

ATTRIBUTE_TYPES_JA = {"S": "文字列", "N": "数値", "B": "バイナリ"}
"""The same types as the Japanese console names them."""


# -- readers -----------------------------------------------------------------------------------


def table(aws: Aws, name: str) -> dict[str, Any] | None:
    """The table ``name`` as DescribeTable returns it (``KeySchema``, ``GlobalSecondaryIndexes`` ...), or ``None``."""
    found = or_none(aws.client("dynamodb").describe_table, TableName=name)
    return None if found is None else dict(found["Table"])


def time_to_live(aws: Aws, name: str) -> dict[str, Any] | None:
    """The TTL of table ``name`` (``TimeToLiveStatus``, ``AttributeName`` once set), or ``None`` without a table."""
    found = or_none(aws.client("dynamodb").describe_time_to_live, TableName=name, also=("ResourceNotFound",))
    return None if found is None else dict(found.get("TimeToLiveDescription") or {})


def tags(aws: Aws, name: str) -> dict[str, str] | None:
    """The tags of table ``name``, or ``None`` when it does not exist."""
    found = table(aws, name)
    if found is None:
        return None
    listed = or_none(aws.client("dynamodb").list_tags_of_resource, ResourceArn=found["TableArn"])
    return None if listed is None else tag_map(listed.get("Tags"))


def key_of(schema: Sequence[Mapping[str, str]] | None, key_type: str) -> str | None:
    """The attribute of a key schema that is its ``HASH`` (partition) or ``RANGE`` (sort) key, or ``None``."""
    return next((k["AttributeName"] for k in schema or () if k.get("KeyType") == key_type), None)


def partition_key(described: Mapping[str, Any]) -> str | None:
    """The partition key attribute of a table or index description."""
    return key_of(described.get("KeySchema"), "HASH")


def sort_key(described: Mapping[str, Any]) -> str | None:
    """The sort key attribute of a table or index description, or ``None`` when it has none."""
    return key_of(described.get("KeySchema"), "RANGE")


def attribute_type(described_table: Mapping[str, Any], attribute: str | None) -> str | None:
    """The type code (``S``, ``N``, ``B``) the table's attribute definitions give ``attribute``, or ``None``."""
    return next((d["AttributeType"] for d in described_table.get("AttributeDefinitions") or ()
                 if d.get("AttributeName") == attribute), None)


def billing_mode(described_table: Mapping[str, Any]) -> str:
    """``PAY_PER_REQUEST`` (on-demand) or ``PROVISIONED``; AWS leaves the summary out for tables always provisioned."""
    return str((described_table.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED")


def global_index(described_table: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """The global secondary index ``name`` of a table description, or ``None``."""
    return next((dict(i) for i in described_table.get("GlobalSecondaryIndexes") or () if i.get("IndexName") == name),
                None)


def local_index(described_table: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """The local secondary index ``name`` of a table description, or ``None``."""
    return next((dict(i) for i in described_table.get("LocalSecondaryIndexes") or () if i.get("IndexName") == name),
                None)


def index_names(described_table: Mapping[str, Any]) -> list[str]:
    """The names of every secondary index (global, then local) of a table description."""
    indexes = [*(described_table.get("GlobalSecondaryIndexes") or ()), *(described_table.get("LocalSecondaryIndexes") or ())]
    return [str(i["IndexName"]) for i in indexes]


def stream_view_type(described_table: Mapping[str, Any]) -> str | None:
    """The view type of the table's stream (``NEW_AND_OLD_IMAGES`` ...), or ``None`` when no stream is on."""
    spec = described_table.get("StreamSpecification") or {}
    return str(spec.get("StreamViewType")) if spec.get("StreamEnabled") and spec.get("StreamViewType") else None


# -- setup and teardown ------------------------------------------------------------------------


def ensure_table(aws: Aws, lab_id: str, name: str, *, partition_key: tuple[str, str],
                 sort_key: tuple[str, str] | None = None) -> str:
    """The ARN of table ``name``; created on demand (``PAY_PER_REQUEST``) and tagged for the lab if missing.

    Keys are ``(attribute, type code)`` pairs such as ``("orderId", "S")``. A table that exists is kept
    as it is (it may hold the learner's items). Returns once the table is ``ACTIVE``.
    """
    existing = table(aws, name)
    if existing is not None:
        return str(existing["TableArn"])
    keys = [(partition_key, "HASH"), *([(sort_key, "RANGE")] if sort_key else [])]
    client = aws.client("dynamodb")
    arn = str(client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": attribute, "AttributeType": kind} for (attribute, kind), _ in keys],
        KeySchema=[{"AttributeName": attribute, "KeyType": role} for (attribute, _), role in keys],
        Tags=[{"Key": TAG_KEY, "Value": lab_id}],
    )["TableDescription"]["TableArn"])
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
    return arn


def delete_table_named(aws: Aws, name: str) -> None:
    """Delete the table ``name``, whoever created it (a table the task names is the lab's), and wait until it is gone."""
    client = aws.client("dynamodb")
    if or_none(client.delete_table, TableName=name) is not None:
        client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})


def delete_table(aws: Aws, lab_id: str, name: str) -> None:
    """Delete the table ``name`` if the lab tagged it."""
    if tagged_by(lab_id, tags(aws, name)):
        delete_table_named(aws, name)
