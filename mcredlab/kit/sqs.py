"""SQS queues for labs: tagged idempotent queues, readers by name, and the criterion "the queue policy lets a
service send"."""

from __future__ import annotations

import json
from typing import Any

from mcredlab._text import Text
from mcredlab.kit.reading import or_none, tagged_by
from mcredlab.lab import TAG_KEY, Finding, Lab, failed, passed
from mcredlab.policy import condition_values, matches, statements
from mcredlab.target import Aws


def queue_url(aws: Aws, name: str) -> str | None:
    """The URL of the queue ``name``, or ``None``."""
    found = or_none(aws.client("sqs").get_queue_url, QueueName=name)
    return None if found is None else str(found["QueueUrl"])


def attributes(aws: Aws, name: str) -> dict[str, str] | None:
    """Every attribute of the queue ``name`` (``QueueArn``, ``Policy``, ``RedrivePolicy`` ...), or ``None``."""
    url = queue_url(aws, name)
    if url is None:
        return None
    found = or_none(aws.client("sqs").get_queue_attributes, QueueUrl=url, AttributeNames=["All"])
    return None if found is None else dict(found.get("Attributes", {}))


MESSAGE_COUNTS = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                  "ApproximateNumberOfMessagesDelayed")
"""The queue attributes that together count its messages: available, in flight, delayed."""

COUNTED_IN_EACH_QUEUE = Text(
    en="how many messages each queue holds (`ApproximateNumberOfMessages`, `ApproximateNumberOfMessagesNotVisible` "
    "and `ApproximateNumberOfMessagesDelayed`)",
    ja="各キューにあるメッセージの数（`ApproximateNumberOfMessages`、`ApproximateNumberOfMessagesNotVisible`、"
    "`ApproximateNumberOfMessagesDelayed`）",
)
"""What a criterion that counts queues' messages with :func:`message_count` looked at."""


def message_count(aws: Aws, name: str) -> int | None:
    """How many messages queue ``name`` holds (available, in flight and delayed, read from its attributes
    without receiving any), or ``None`` when it does not exist."""
    found = attributes(aws, name)
    return None if found is None else sum(int(found.get(count, "0")) for count in MESSAGE_COUNTS)


def ensure_queue(aws: Aws, lab_id: str, name: str, attributes: dict[str, str] | None = None) -> str:
    """The URL of queue ``name``; created tagged for the lab with ``attributes`` if missing (an existing
    queue is kept as it is: it may be the learner's work)."""
    url = queue_url(aws, name)
    if url is not None:
        return url
    return str(aws.client("sqs").create_queue(QueueName=name, Attributes=dict(attributes or {}),
                                              tags={TAG_KEY: lab_id})["QueueUrl"])


def delete_queue(aws: Aws, lab_id: str, name: str) -> None:
    """Delete queue ``name`` if the lab tagged it."""
    url = queue_url(aws, name)
    if url is None:
        return
    tags = or_none(aws.client("sqs").list_queue_tags, QueueUrl=url) or {}
    if tagged_by(lab_id, tags.get("Tags")):
        or_none(aws.client("sqs").delete_queue, QueueUrl=url)


def redrive_policy(aws: Aws, name: str) -> dict[str, Any] | None:
    """The queue's redrive policy (``deadLetterTargetArn``, ``maxReceiveCount``), or ``None``."""
    policy = (attributes(aws, name) or {}).get("RedrivePolicy")
    return json.loads(policy) if policy else None


def lets_send_finding(aws: Aws, name: str, service: str, source_arn: str | None = None) -> Finding:
    """Whether the policy of queue ``name`` lets ``service`` call ``sqs:SendMessage`` on it, for ``source_arn``.

    A statement with an ``aws:SourceArn`` condition counts only when one of its values matches
    ``source_arn``; one without a condition lets the service send on anyone's behalf (as on AWS).
    """
    found = attributes(aws, name)
    if found is None:
        return failed(f"no queue named {name}", f"{name} という名前のキューがありません")
    arn = found.get("QueueArn", "")
    allowed = [s for s in statements(found.get("Policy"))
               if s.effect == "Allow" and s.service(service) and s.covers_action("sqs:SendMessage")
               and s.covers_resource(arn)]
    if not allowed:
        return failed(f"no statement of the queue policy lets {service} call sqs:SendMessage on {name}",
                      f"キューポリシーに、{service} に {name} への sqs:SendMessage を許可するステートメントがありません")
    for statement in allowed:
        sources = condition_values(statement.condition, "aws:SourceArn")
        if not sources:
            return passed(f"{service} may send to {name} (no source condition)",
                          f"{service} は {name} にメッセージを送信できます（送信元の条件なし）")
        if source_arn is not None and any(matches(pattern, source_arn) for pattern in sources):
            return passed(f"{service} may send to {name} for {source_arn}",
                          f"{service} は {source_arn} から {name} にメッセージを送信できます")
    listed = ", ".join(v for s in allowed for v in condition_values(s.condition, "aws:SourceArn"))
    return failed(f"{service} may send to {name} only for {listed}, not for {source_arn}",
                  f"{service} が {name} に送信できるのは {listed} からだけで、{source_arn} からは送信できません")


def lets_send_criterion(lab: Lab, id: str, *, queue: str, service: str, source_arn: str | None = None,
                        requires: str | tuple[str, ...] = ()) -> None:
    """Register criterion ``id``: the policy of the queue named by context key ``queue`` lets ``service``
    send to it; with ``source_arn`` (a context key), only sends on behalf of that resource count."""
    name, source = f"{{{queue}}}", f"{{{source_arn}}}" if source_arn else ""
    on_behalf_en = f" on behalf of {source}" if source_arn else ""
    on_behalf_ja = f"{source} からの" if source_arn else ""
    condition = (f', with the condition `"ArnEquals": {{{{"aws:SourceArn": "{source}"}}}}`' if source_arn else "")
    lab.criterion(
        id,
        expected=Text(en=f"the policy of queue {name} lets {service} send messages{on_behalf_en}",
                      ja=f"キュー {name} のポリシーが {service} に{on_behalf_ja}メッセージの送信を許可している"),
        looked_at=Text(en=f"the access policy of queue {name}", ja=f"キュー {name} のアクセスポリシー"),
        hint=Text(
            en=f"SQS console > {name} > Access policy > Edit: allow `sqs:SendMessage` on the queue's ARN for the "
            f'principal `{{{{"Service": "{service}"}}}}`{condition}. Subscribing the queue to a topic from the SQS '
            "console adds this statement.",
            ja=f"SQS コンソールで {name} >「アクセスポリシー」>「編集」を選び、プリンシパル "
            f'`{{{{"Service": "{service}"}}}}` にキューの ARN への `sqs:SendMessage` を許可します'
            + (f'（条件 `"ArnEquals": {{{{"aws:SourceArn": "{source}"}}}}` 付き）' if source_arn else "")
            + "。SQS コンソールからキューをトピックにサブスクライブすると、このステートメントが追加されます。",
        ),
        requires=requires,
    )(lambda aws, ctx: lets_send_finding(aws, ctx[queue], service, ctx[source_arn] if source_arn else None))
