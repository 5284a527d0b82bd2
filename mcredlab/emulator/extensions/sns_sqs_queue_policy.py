"""SNS delivers to an SQS subscription only when the queue's policy lets the topic send.

moto 5.2.5 sends every notification to a subscribed queue whatever the queue's ``Policy`` says, so
a fan-out that would stay silent on AWS (no queue policy, or one for another topic) worked in the
emulator. AWS's SNS sends as the service principal ``sns.amazonaws.com`` on behalf of the topic:
the queue policy must hold an ``Allow`` statement whose principal is that service or anyone
(``"*"``, ``{"AWS": "*"}``), whose action covers ``sqs:SendMessage`` (``sqs:*``, ``SQS:Send*`` ...),
whose resource covers the queue's ARN, and whose conditions hold for the topic: ``aws:SourceArn``
is the topic's ARN and ``aws:SourceAccount`` its account (String and Arn operators, wildcards,
``...IfExists``); a ``Deny`` that matches wins. A queue without a policy lets nobody else send.

Here ``Subscription.publish`` checks this for the ``sqs`` protocol before moto delivers; a denied
notification is dropped and ``Publish`` still succeeds, as on AWS, and the emulator log gets one
warning line (``SNS did not deliver``) naming the topic and the queue. Filter policies (both
scopes) and ``RawMessageDelivery`` are moto's, unchanged: a message the filter drops is dropped
without a log line.

Still unlike AWS: an account principal (``{"AWS": "123456789012"}`` or its ``:root`` ARN) does not
let SNS send (AWS's SNS sends as the service, which an account principal does not name);
conditions on any other key or with other operators count as not met; an encrypted queue's KMS
key policy is not consulted; there are no delivery retries and no ``NumberOfNotificationsFailed``
metric.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import Any

from mcredlab.policy import conditions_met, statements

SEAMS = (
    ("moto.sns.models", "Subscription", "publish"),
    ("moto.sns.utils", "FilterPolicyMatcher", "matches"),  # Subscription._filter_policy_matcher
    ("moto.sqs.models", "sqs_backends", None),
    ("moto.sqs.models", "Queue", "policy"),
)

SERVICE = "sns.amazonaws.com"
logger = logging.getLogger(__name__)


def lets_topic_send(policy: str | Mapping[str, Any] | None, queue_arn: str, topic_arn: str) -> bool:
    """Whether a queue policy lets SNS send ``sqs:SendMessage`` to ``queue_arn`` for ``topic_arn``."""
    try:
        parsed = statements(policy)
    except (ValueError, TypeError, AttributeError):
        return False
    context = {"aws:SourceArn": topic_arn, "aws:SourceAccount": topic_arn.split(":")[4]}
    relevant = [s for s in parsed if s.service(SERVICE) and s.covers_action("sqs:SendMessage")
                and s.covers_resource(queue_arn) and conditions_met(s.condition, context)]
    return any(s.effect == "Allow" for s in relevant) and not any(s.effect == "Deny" for s in relevant)


def _queue(subscription: Any) -> Any:
    from moto.sqs.models import sqs_backends

    parts = str(subscription.endpoint).split(":")
    if len(parts) < 6:
        return None
    region, account, name = parts[3], parts[4], parts[5]
    for owner in dict.fromkeys((account, subscription.account_id)):
        if owner in sqs_backends and region in sqs_backends[owner]:
            queue = sqs_backends[owner][region].queues.get(name)
            if queue is not None:
                return queue
    return None


def install() -> None:
    from moto.sns.models import Subscription

    moto_publish = Subscription.publish

    @functools.wraps(moto_publish)
    def publish(self: Any, message: str, message_id: str, *args: Any, **kwargs: Any) -> Any:
        if self.protocol != "sqs":
            return moto_publish(self, message, message_id, *args, **kwargs)
        queue = _queue(self)
        if queue is None or lets_topic_send(queue.policy, queue.queue_arn, self.topic.arn):
            return moto_publish(self, message, message_id, *args, **kwargs)  # moto reports a missing queue
        matcher = self._filter_policy_matcher
        attributes = kwargs.get("message_attributes", args[1] if len(args) > 1 else None)
        if matcher is None or matcher.matches(attributes, message):
            logger.warning("SNS did not deliver message %s from %s to %s: the queue policy does not let %s "
                           "send to it on behalf of the topic", message_id, self.topic.arn, queue.queue_arn, SERVICE)
        return None

    Subscription.publish = publish  # type: ignore[method-assign]

