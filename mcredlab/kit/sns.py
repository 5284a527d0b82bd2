"""SNS topics for labs: readers by name."""

from __future__ import annotations

import json
from typing import Any

from mcredlab.kit.reading import or_none
from mcredlab.target import Aws


def topic_arn(aws: Aws, name: str) -> str | None:
    """The ARN of the topic ``name``, or ``None``."""
    for page in aws.client("sns").get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            if topic["TopicArn"].rsplit(":", 1)[1] == name:
                return str(topic["TopicArn"])
    return None


def subscriptions(aws: Aws, arn: str) -> list[dict[str, Any]]:
    """The topic's subscriptions, each with its attributes (``FilterPolicy``, ``RawMessageDelivery`` ...)."""
    sns = aws.client("sns")
    found: list[dict[str, Any]] = []
    listed = or_none(sns.list_subscriptions_by_topic, TopicArn=arn)
    for subscription in (listed or {}).get("Subscriptions", []):
        attributes = or_none(sns.get_subscription_attributes, SubscriptionArn=subscription["SubscriptionArn"])
        found.append({**subscription, "Attributes": dict((attributes or {}).get("Attributes", {}))})
    return found


def filter_policy(subscription: dict[str, Any]) -> dict[str, Any] | None:
    """A subscription's filter policy as a document, or ``None`` without one."""
    text = subscription.get("Attributes", {}).get("FilterPolicy")
    return json.loads(text) if text else None
