"""An SNS topic fans out to two SQS queues: one gets every message, the other, through a subscription filter
policy, only the express orders; the queue policies let the topic send, and two test messages prove it."""

from __future__ import annotations

import json
from typing import Any

from mcredlab.kit import Aws, Context, Finding, Lab, Text, failed, passed, sns, sqs

lab = Lab(
    id="sns-sqs-fanout",
    track="serverless",
    services=("sns", "sqs"),
    flows=(("app", "sns"), ("sns", "sqs")),
    certs=("DVA", "SAA"),
    minutes=20,
    title=Text(
        en="Fan out an SNS topic to two SQS queues, one of them filtered",
        ja="SNS トピックから 2 つの SQS キューにファンアウトし、一方をフィルタリングする",
    ),
    task=Text(
        en=(
            "The shop publishes every order to the SNS standard topic **{topic_name}** (`{topic_arn}`). Two SQS "
            "standard queues exist: **{audit_queue}** must receive every order, **{express_queue}** only the orders "
            "whose message attribute `shipping` is `express` or `overnight`.\n"
            "1. Edit the access policy of each queue so that the topic may send to it: allow the service principal "
            "`sns.amazonaws.com` the action `sqs:SendMessage` on the queue, with the condition "
            '`"ArnEquals": {{"aws:SourceArn": "{topic_arn}"}}`.\n'
            "2. Subscribe **{audit_queue}** to the topic (protocol Amazon SQS), with no filter policy.\n"
            "3. Subscribe **{express_queue}** to the topic with a subscription filter policy on the message "
            'attributes: `{{"shipping": ["express", "overnight"]}}`.\n'
            "4. Publish two test messages to the topic, each with the message attribute `shipping` (type String): "
            "the message `Order 1001 placed` with `shipping` = `express`, then the message `Order 1002 placed` with "
            "`shipping` = `standard`. Leave the messages in the queues (do not delete them): the check counts them.\n\n"
            "On the emulator, the AWS CLI needs `--endpoint-url` for `aws sqs` (AWS CLI v1 ignores "
            "`AWS_ENDPOINT_URL` for SQS)."
        ),
        ja=(
            "ショップは、すべての注文を SNS の標準トピック **{topic_name}**（`{topic_arn}`）に発行します。SQS の標準キューが"
            " 2 つあります。**{audit_queue}** はすべての注文を受信し、**{express_queue}** はメッセージ属性 `shipping` が "
            "`express` または `overnight` の注文だけを受信する必要があります。\n"
            "1. トピックが送信できるように、各キューのアクセスポリシーを編集します。サービスプリンシパル "
            "`sns.amazonaws.com` に、そのキューに対するアクション `sqs:SendMessage` を、条件 "
            '`"ArnEquals": {{"aws:SourceArn": "{topic_arn}"}}` 付きで許可します。\n'
            "2. **{audit_queue}** をトピックにサブスクライブします（プロトコルは Amazon SQS、フィルターポリシーなし）。\n"
            "3. **{express_queue}** を、メッセージ属性に対するサブスクリプションフィルターポリシー "
            '`{{"shipping": ["express", "overnight"]}}` 付きでトピックにサブスクライブします。\n'
            "4. トピックにテストメッセージを 2 つ発行します。どちらにもメッセージ属性 `shipping`（タイプ String）を付け、"
            "まずメッセージ `Order 1001 placed` を `shipping` = `express` で、次にメッセージ `Order 1002 placed` を "
            "`shipping` = `standard` で発行します。チェックはキュー内のメッセージを数えるので、メッセージは削除せずに"
            "キューに残しておきます。\n\n"
            "エミュレーターでは、`aws sqs` に `--endpoint-url` が必要です（AWS CLI v1 は SQS では "
            "`AWS_ENDPOINT_URL` を無視します）。"
        ),
    ),
)

TOPIC_NAME = "mcredlab-order-events"
AUDIT_QUEUE = "mcredlab-order-audit"
EXPRESS_QUEUE = "mcredlab-order-express"
FILTER = {"shipping": ["express", "overnight"]}
TEST_MESSAGES = (("Order 1001 placed", "express"), ("Order 1002 placed", "standard"))
"""The test messages the learner publishes: body and value of the message attribute ``shipping``."""
MUST_PASS = ("express", "overnight")
MUST_NOT_PASS = ("standard", "economy", None)
"""Values of ``shipping`` the express filter must let through / must drop (``None``: no such attribute)."""


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """The topic and both queues, with no queue policy and no subscription: the learner wires the fan-out."""
    topic_arn = sns.ensure_topic(aws, lab.id, TOPIC_NAME)
    for name in (AUDIT_QUEUE, EXPRESS_QUEUE):
        sqs.ensure_queue(aws, lab.id, name)
    return {"topic_name": TOPIC_NAME, "topic_arn": topic_arn, "audit_queue": AUDIT_QUEUE,
            "express_queue": EXPRESS_QUEUE}


# -- what the checks read ----------------------------------------------------------------------


def _queue_arn(aws: Aws, name: str) -> str | None:
    return (sqs.attributes(aws, name) or {}).get("QueueArn")


def _subscription(aws: Aws, ctx: Context, queue: str) -> dict[str, Any] | None:
    arn = _queue_arn(aws, queue)
    return None if arn is None else sns.subscription_to(aws, ctx["topic_arn"], arn)


def _subscribed(aws: Aws, ctx: Context, queue: str) -> tuple[Finding | None, dict[str, Any] | None]:
    """A failed finding when ``queue`` is not subscribed to the topic (and confirmed), else its subscription."""
    if _queue_arn(aws, queue) is None:
        return failed(f"there is no queue named {queue}", f"{queue} という名前のキューがありません"), None
    found = _subscription(aws, ctx, queue)
    if found is None:
        return failed(f"the topic has no Amazon SQS subscription for {queue}",
                      f"トピックに {queue} の Amazon SQS サブスクリプションがありません"), None
    if found["Attributes"].get("PendingConfirmation") == "true":
        return failed(f"the subscription for {queue} is pending confirmation",
                      f"{queue} のサブスクリプションは確認待ちです"), None
    return None, found


# -- criteria ----------------------------------------------------------------------------------


sqs.lets_send_criterion(lab, "audit-queue-policy", queue="audit_queue", service="sns.amazonaws.com",
                        source_arn="topic_arn")
sqs.lets_send_criterion(lab, "express-queue-policy", queue="express_queue", service="sns.amazonaws.com",
                        source_arn="topic_arn")


@lab.criterion(
    "audit-subscribed",
    expected=Text(en="the queue {audit_queue} is subscribed to the topic {topic_name}, with no filter policy",
                  ja="キュー {audit_queue} がフィルターポリシーなしでトピック {topic_name} にサブスクライブされている"),
    looked_at=Text(en="the subscriptions of topic {topic_name}", ja="トピック {topic_name} のサブスクリプション"),
    hint=Text(
        en="SNS console > Topics > {topic_name} > Create subscription: Protocol Amazon SQS, Endpoint the ARN of "
        "{audit_queue}, and no subscription filter policy (it receives every order). Or SQS console > {audit_queue} "
        "> Subscribe to Amazon SNS topic.",
        ja="SNS コンソールで「トピック」> {topic_name} >「サブスクリプションの作成」を選び、プロトコルを Amazon SQS、"
        "エンドポイントを {audit_queue} の ARN にします。サブスクリプションフィルターポリシーは設定しません（すべての注文を"
        "受信します）。SQS コンソールで {audit_queue} >「Amazon SNS トピックにサブスクライブ」を選んでもかまいません。",
    ),
)
def audit_subscribed(aws: Aws, ctx: Context) -> Finding:
    problem, found = _subscribed(aws, ctx, ctx["audit_queue"])
    if problem is not None or found is None:
        return problem or failed("no subscription")
    policy = sns.filter_policy(found)
    if policy:
        text = json.dumps(policy)
        return failed(f"the subscription has the filter policy {text}: some orders never reach {ctx['audit_queue']}",
                      f"サブスクリプションにフィルターポリシー {text} があり、{ctx['audit_queue']} に届かない注文があります")
    return passed(f"subscription `{found['SubscriptionArn']}`, no filter policy",
                  f"サブスクリプション `{found['SubscriptionArn']}`（フィルターポリシーなし）")


@lab.criterion(
    "express-subscribed",
    expected=Text(en="the queue {express_queue} is subscribed to the topic {topic_name}",
                  ja="キュー {express_queue} がトピック {topic_name} にサブスクライブされている"),
    looked_at=Text(en="the subscriptions of topic {topic_name}", ja="トピック {topic_name} のサブスクリプション"),
    hint=Text(
        en="SNS console > Topics > {topic_name} > Create subscription: Protocol Amazon SQS, Endpoint the ARN of "
        "{express_queue} (SQS console > {express_queue} > Details > ARN).",
        ja="SNS コンソールで「トピック」> {topic_name} >「サブスクリプションの作成」を選び、プロトコルを Amazon SQS、"
        "エンドポイントを {express_queue} の ARN にします（ARN は SQS コンソールの {express_queue} >「詳細」で確認できます）。",
    ),
)
def express_subscribed(aws: Aws, ctx: Context) -> Finding:
    problem, found = _subscribed(aws, ctx, ctx["express_queue"])
    if problem is not None or found is None:
        return problem or failed("no subscription")
    return passed(f"subscription `{found['SubscriptionArn']}`", f"サブスクリプション `{found['SubscriptionArn']}`")


def _shown(value: str | None) -> str:
    return "no `shipping` attribute" if value is None else f"`shipping` = `{value}`"


def _shown_ja(value: str | None) -> str:
    return "`shipping` 属性なし" if value is None else f"`shipping` = `{value}`"


@lab.criterion(
    "express-filter",
    requires="express-subscribed",
    expected=Text(
        en="the filter policy of the {express_queue} subscription, on the message attributes, lets through only "
        "`shipping` = `express` or `overnight`",
        ja="{express_queue} のサブスクリプションのフィルターポリシーがメッセージ属性に適用され、`shipping` が `express` "
        "または `overnight` のメッセージだけを通す",
    ),
    looked_at=Text(
        en="the subscription filter policy of {express_queue}, evaluated for `shipping` = `express`, `overnight`, "
        "`standard`, `economy` and for no `shipping` attribute",
        ja="{express_queue} のサブスクリプションフィルターポリシー（`shipping` が `express`、`overnight`、`standard`、"
        "`economy` の場合と、`shipping` 属性がない場合で評価）",
    ),
    hint=Text(
        en="SNS console > Subscriptions > the {express_queue} subscription > Edit > Subscription filter policy: "
        'Message attribute-based filtering, JSON `{{"shipping": ["express", "overnight"]}}` (names and values are '
        "case-sensitive).",
        ja="SNS コンソールで「サブスクリプション」> {express_queue} のサブスクリプション >「編集」>「サブスクリプション"
        "フィルターポリシー」を選び、「属性ベースのフィルタリング」で JSON "
        '`{{"shipping": ["express", "overnight"]}}` を指定します（名前と値は大文字と小文字を区別します）。',
    ),
)
def express_filter(aws: Aws, ctx: Context) -> Finding:
    found = _subscription(aws, ctx, ctx["express_queue"]) or {}
    policy = sns.filter_policy(found)
    if not policy:
        return failed("the subscription has no filter policy: every order reaches the queue",
                      "サブスクリプションにフィルターポリシーがないため、すべての注文がキューに届きます")
    text = json.dumps(policy)
    scope = sns.filter_policy_scope(found)
    if scope != "MessageAttributes":
        return failed(f"the filter policy {text} applies to the {scope}, not to the message attributes",
                      f"フィルターポリシー {text} は、メッセージ属性ではなく {scope} に適用されます")
    dropped = [v for v in MUST_PASS if not sns.filter_policy_matches(policy, {"shipping": v})]
    let_through = [v for v in MUST_NOT_PASS
                   if sns.filter_policy_matches(policy, {} if v is None else {"shipping": v})]
    if dropped:
        return failed(f"the filter policy {text} drops {', '.join(_shown(v) for v in dropped)}",
                      f"フィルターポリシー {text} は {'、'.join(_shown_ja(v) for v in dropped)} のメッセージを通しません")
    if let_through:
        return failed(f"the filter policy {text} also lets through {', '.join(_shown(v) for v in let_through)}",
                      f"フィルターポリシー {text} は {'、'.join(_shown_ja(v) for v in let_through)} のメッセージも通します")
    return passed(f"filter policy {text} on the message attributes",
                  f"メッセージ属性に適用されるフィルターポリシー {text}")


@lab.criterion(
    "test-messages-delivered",
    requires=("audit-queue-policy", "express-queue-policy", "audit-subscribed", "express-filter"),
    expected=Text(
        en="both test messages reached {audit_queue}; only the express one reached {express_queue}",
        ja="2 つのテストメッセージが {audit_queue} に届き、{express_queue} には express のメッセージだけが届いている",
    ),
    looked_at=sqs.COUNTED_IN_EACH_QUEUE,
    hint=Text(
        en="SNS console > Topics > {topic_name} > Publish message: the message `Order 1001 placed` with the message "
        "attribute Type String, Name `shipping`, Value `express`; publish again with `Order 1002 placed` and Value "
        "`standard`. With the AWS CLI: `aws sns publish --topic-arn {topic_arn} --message \"Order 1001 placed\" "
        '--message-attributes \'{{"shipping": {{"DataType": "String", "StringValue": "express"}}}}\'`. A message '
        "published before the queue policies and subscriptions were in place was not delivered: publish it again. "
        "If a queue holds messages from earlier attempts, purge both queues (SQS console > Purge) and publish the two "
        "messages again. Count them without receiving: `aws sqs get-queue-attributes --endpoint-url ... "
        "--queue-url ... --attribute-names All` (on the emulator, `aws sqs` needs `--endpoint-url`).",
        ja="SNS コンソールで「トピック」> {topic_name} >「メッセージの発行」を選び、メッセージ `Order 1001 placed` に"
        "メッセージ属性（タイプ String、名前 `shipping`、値 `express`）を付けて発行します。続けて `Order 1002 placed` を"
        "値 `standard` で発行します。AWS CLI では `aws sns publish --topic-arn {topic_arn} --message \"Order 1001 placed\" "
        '--message-attributes \'{{"shipping": {{"DataType": "String", "StringValue": "express"}}}}\'` です。'
        "キューポリシーとサブスクリプションを設定する前に発行したメッセージは配信されていないので、もう一度発行します。"
        "以前の試行のメッセージがキューに残っている場合は、両方のキューを消去して（SQS コンソールの「消去」）、2 つの"
        "メッセージを発行し直します。メッセージを受信せずに数えるには `aws sqs get-queue-attributes --endpoint-url ... "
        "--queue-url ... --attribute-names All` を使います（エミュレーターでは `aws sqs` に `--endpoint-url` が必要です）。",
    ),
)
def test_messages_delivered(aws: Aws, ctx: Context) -> Finding:
    audit_name, express_name = ctx["audit_queue"], ctx["express_queue"]
    audit, express = sqs.message_count(aws, audit_name), sqs.message_count(aws, express_name)
    if audit is None or express is None:
        missing = audit_name if audit is None else express_name
        return failed(f"there is no queue named {missing}", f"{missing} という名前のキューがありません")
    counted = f"{audit_name} holds {audit} messages, {express_name} holds {express}"
    counted_ja = f"{audit_name} のメッセージは {audit} 件、{express_name} は {express} 件です"
    if audit == 0:
        return failed(f"{counted}: no test message was delivered yet",
                      f"{counted_ja}。テストメッセージはまだ 1 件も配信されていません")
    if audit < len(TEST_MESSAGES):
        return failed(f"{counted}: publish both test messages", f"{counted_ja}。2 つのテストメッセージを両方発行してください")
    if express == 0:
        return failed(f"{counted}: the express message did not reach {express_name} "
                      "(was `shipping` sent as a message attribute?)",
                      f"{counted_ja}。express のメッセージが {express_name} に届いていません"
                      "（`shipping` をメッセージ属性として送信しましたか）")
    if express >= audit:
        return failed(f"{counted}: {express_name} received the standard order too",
                      f"{counted_ja}。{express_name} に standard の注文も届いています")
    return passed(counted, counted_ja)


# -- reference solution, other valid ways, near misses -----------------------------------------


def _queue_policy(queue_arn: str, topic_arn: str, *, principal: Any = None, condition: str = "ArnEquals") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "AllowOrderEvents", "Effect": "Allow",
        "Principal": principal if principal is not None else {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {condition: {"aws:SourceArn": topic_arn}}}]})


def build(
    aws: Aws,
    ctx: Context,
    *,
    policies: tuple[str, ...] = ("audit_queue", "express_queue"),
    express_source: str | None = None,
    audit_filter: dict[str, Any] | None = None,
    express_filter: dict[str, Any] | None = FILTER,
    scope: str = "MessageAttributes",
    messages: tuple[tuple[str, str], ...] = TEST_MESSAGES,
    as_attribute: bool = True,
) -> None:
    """Wire the fan-out with boto3 and publish the test messages; the keywords introduce the near misses' mistakes."""
    sqs_client, sns_client, topic = aws.client("sqs"), aws.client("sns"), ctx["topic_arn"]
    for key in policies:
        source = express_source if key == "express_queue" and express_source else topic
        url = str(sqs.queue_url(aws, ctx[key]))
        sqs_client.set_queue_attributes(QueueUrl=url, Attributes={
            "Policy": _queue_policy(str(_queue_arn(aws, ctx[key])), source)})
    for key, filter_policy in (("audit_queue", audit_filter), ("express_queue", express_filter)):
        attributes = {} if filter_policy is None else {"FilterPolicy": json.dumps(filter_policy),
                                                        "FilterPolicyScope": scope}
        sns_client.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=str(_queue_arn(aws, ctx[key])),
                             Attributes=attributes, ReturnSubscriptionArn=True)
    for body, shipping in messages:
        if as_attribute:
            sns_client.publish(TopicArn=topic, Message=body,
                               MessageAttributes={"shipping": {"DataType": "String", "StringValue": shipping}})
        else:
            sns_client.publish(TopicArn=topic, Message=json.dumps({"order": body, "shipping": shipping}))


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    build(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(en="every step with the AWS CLI (`--endpoint-url` for `aws sqs` on the emulator)",
               ja="すべて AWS CLI で実施（エミュレーターでは `aws sqs` に `--endpoint-url` を指定）"),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    topic = ctx["topic_arn"]
    for key in ("audit_queue", "express_queue"):
        url = json.loads(aws.cli("sqs", "get-queue-url", "--queue-name", ctx[key]))["QueueUrl"]
        arn = json.loads(aws.cli("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names",
                                 "QueueArn"))["Attributes"]["QueueArn"]
        aws.cli("sqs", "set-queue-attributes", "--queue-url", url,
                "--attributes", json.dumps({"Policy": _queue_policy(arn, topic)}))
        subscribe = ["sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", arn]
        if key == "express_queue":
            subscribe += ["--attributes", json.dumps({"FilterPolicy": json.dumps(FILTER)})]
        aws.cli(*subscribe)
    for body, shipping in TEST_MESSAGES:
        aws.cli("sns", "publish", "--topic-arn", topic, "--message", body, "--message-attributes",
                json.dumps({"shipping": {"DataType": "String", "StringValue": shipping}}))


@lab.alternative(
    "console-edits",
    story=Text(
        en="as in the consoles: queue policies for any principal (`\"Principal\": \"*\"`) limited to the topic by "
        "`ArnLike`, the express queue subscribed first and its filter policy (values in the other order) added by "
        "editing the subscription, and the test messages published with one more attribute each",
        ja="コンソールと同じ手順: キューポリシーはすべてのプリンシパル（`\"Principal\": \"*\"`）に許可し、`ArnLike` で"
        "トピックに限定。express のキューを先にサブスクライブしてから、サブスクリプションを編集してフィルターポリシー"
        "（値の順序は逆）を追加。テストメッセージにはそれぞれ属性をもう 1 つ付けて発行",
    ),
)
def console_edits(aws: Aws, ctx: Context) -> None:
    sqs_client, sns_client, topic = aws.client("sqs"), aws.client("sns"), ctx["topic_arn"]
    for key in ("express_queue", "audit_queue"):
        arn = str(_queue_arn(aws, ctx[key]))
        sqs_client.set_queue_attributes(QueueUrl=str(sqs.queue_url(aws, ctx[key])), Attributes={
            "Policy": _queue_policy(arn, topic, principal="*", condition="ArnLike")})
        subscription = sns_client.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                                            ReturnSubscriptionArn=True)["SubscriptionArn"]
        if key == "express_queue":
            sns_client.set_subscription_attributes(SubscriptionArn=subscription, AttributeName="FilterPolicy",
                                                   AttributeValue=json.dumps({"shipping": ["overnight", "express"]}))
    for body, shipping in TEST_MESSAGES:
        sns_client.publish(TopicArn=topic, Message=body, MessageAttributes={
            "shipping": {"DataType": "String", "StringValue": shipping},
            "channel": {"DataType": "String", "StringValue": "web"}})


@lab.near_miss(
    "no-queue-policies",
    fails=("audit-queue-policy", "express-queue-policy"),
    story=Text(en="subscriptions and filter right, but no queue policy: SNS may not send, nothing arrives",
               ja="サブスクリプションとフィルターは正しいが、キューポリシーがない: SNS は送信できず、何も届かない"),
)
def no_queue_policies(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, policies=())


@lab.near_miss(
    "policy-for-another-topic",
    fails="express-queue-policy",
    story=Text(en="the express queue's policy names another topic in `aws:SourceArn`",
               ja="express のキューのポリシーの `aws:SourceArn` に別のトピックを指定"),
)
def policy_for_another_topic(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, express_source=ctx["topic_arn"].rsplit(":", 1)[0] + ":mcredlab-other-events")


@lab.near_miss(
    "filter-on-audit-too",
    fails="audit-subscribed",
    story=Text(en="the filter policy set on both subscriptions: the audit queue misses the standard orders",
               ja="フィルターポリシーを両方のサブスクリプションに設定: 監査用のキューに standard の注文が届かない"),
)
def filter_on_audit_too(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, audit_filter=FILTER)


@lab.near_miss(
    "no-filter-policy",
    fails="express-filter",
    story=Text(en="the express queue subscribed without a filter policy: it gets every order",
               ja="express のキューをフィルターポリシーなしでサブスクライブ: すべての注文が届く"),
)
def no_filter_policy(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, express_filter=None)


@lab.near_miss(
    "express-value-only",
    fails="express-filter",
    story=Text(en='the filter policy `{"shipping": ["express"]}`: overnight orders are dropped',
               ja='フィルターポリシーが `{"shipping": ["express"]}`: overnight の注文が届かない'),
)
def express_value_only(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, express_filter={"shipping": ["express"]})


@lab.near_miss(
    "filter-on-message-body",
    fails="express-filter",
    story=Text(en="the filter policy applied to the message body instead of the message attributes",
               ja="フィルターポリシーをメッセージ属性ではなくメッセージ本文に適用"),
)
def filter_on_message_body(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, scope="MessageBody")


@lab.near_miss(
    "shipping-in-the-body",
    fails="test-messages-delivered",
    story=Text(en="everything wired, but `shipping` written into the message body instead of a message attribute",
               ja="すべて設定したが、`shipping` をメッセージ属性ではなくメッセージ本文に記述"),
)
def shipping_in_the_body(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, as_attribute=False)


@lab.near_miss(
    "only-the-express-message",
    fails="test-messages-delivered",
    story=Text(en="everything wired, but only the express test message published",
               ja="すべて設定したが、express のテストメッセージだけを発行"),
)
def only_the_express_message(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, messages=TEST_MESSAGES[:1])


@lab.near_miss(
    "never-published",
    fails="test-messages-delivered",
    story=Text(en="everything wired, but no test message published", ja="すべて設定したが、テストメッセージを発行していない"),
)
def never_published(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, messages=())


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the tagged topic (with every subscription to it) and the tagged queues."""
    sns.delete_topic(aws, lab.id, ctx["topic_name"])
    for key in ("audit_queue", "express_queue"):
        sqs.delete_queue(aws, lab.id, ctx[key])
