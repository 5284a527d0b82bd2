"""SNS topics for labs: tagged idempotent topics and readers by name."""

from __future__ import annotations

import json
from typing import Any

from mcredlab.kit.reading import or_none, tag_map, tagged_by
from mcredlab.lab import TAG_KEY
from mcredlab.target import Aws


def topic_arn(aws: Aws, name: str) -> str | None:
    """The ARN of the topic ``name``, or ``None``."""
    for page in aws.client("sns").get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            if topic["TopicArn"].rsplit(":", 1)[1] == name:
                return str(topic["TopicArn"])
    return None


def ensure_topic(aws: Aws, lab_id: str, name: str) -> str:
    """The ARN of topic ``name``; created tagged for the lab if missing."""
    arn = topic_arn(aws, name)
    if arn is not None:
        return arn
    return str(aws.client("sns").create_topic(Name=name, Tags=[{"Key": TAG_KEY, "Value": lab_id}])["TopicArn"])


def delete_topic(aws: Aws, lab_id: str, name: str) -> None:
    """Delete topic ``name`` (with its subscriptions) if the lab tagged it."""
    arn = topic_arn(aws, name)
    if arn is None:
        return
    tags = or_none(aws.client("sns").list_tags_for_resource, ResourceArn=arn) or {}
    if tagged_by(lab_id, tag_map(tags.get("Tags"))):
        or_none(aws.client("sns").delete_topic, TopicArn=arn)


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


def subscription_to(aws: Aws, arn: str, endpoint: str, protocol: str = "sqs") -> dict[str, Any] | None:
    """The subscription of topic ``arn`` that delivers to ``endpoint`` (a queue's ARN for ``sqs``) with its
    attributes, or ``None``; a confirmed one wins over one still pending confirmation."""
    found = [s for s in subscriptions(aws, arn) if s.get("Protocol") == protocol and s.get("Endpoint") == endpoint]
    found.sort(key=lambda s: s["Attributes"].get("PendingConfirmation") == "true")
    return found[0] if found else None


def filter_policy_scope(subscription: dict[str, Any]) -> str:
    """What the subscription's filter policy applies to: ``MessageAttributes`` (the default) or ``MessageBody``."""
    return str(subscription.get("Attributes", {}).get("FilterPolicyScope") or "MessageAttributes")


def filter_policy_matches(policy: dict[str, Any] | None, attributes: dict[str, str]) -> bool:
    """Whether a filter policy of scope ``MessageAttributes`` lets a message with these String message attributes
    (name to value) through. It is decided by the same matcher the emulator applies to deliveries (moto's), so a
    check and the emulator never disagree; no policy lets every message through."""
    from moto.sns.utils import FilterPolicyMatcher  # imported here: moto takes a third of a second to load

    typed = {name: {"Type": "String", "Value": value} for name, value in attributes.items()}
    return FilterPolicyMatcher(policy or {}, "MessageAttributes").matches(typed, "")
