"""An SQS queue feeds a Lambda function: a dead-letter queue after three receives, the function's role allowed to
consume, an event source mapping with partial batch responses; a poison message ends in the dead-letter queue
while the good order in the same batch is stored once."""

from __future__ import annotations

import json
import time
from typing import Any

from mcredlab.kit import Aws, Context, Finding, Lab, Text, awslambda, dynamodb, failed, iam, or_none, passed, sqs

lab = Lab(
    id="sqs-dlq-lambda",
    track="serverless",
    services=("sqs", "lambda", "iam"),
    flows=(("app", "sqs"), ("sqs", "lambda"), ("sqs", "sqs")),
    certs=("DVA", "SAA"),
    minutes=20,
    title=Text(
        en="Consume an SQS queue with Lambda: partial batch responses and a dead-letter queue",
        ja="SQS キューを Lambda で処理する: 部分的なバッチレスポンスとデッドレターキュー",
    ),
    task=Text(
        en=(
            "Orders arrive in the SQS standard queue **{queue_name}** (visibility timeout 3 seconds). The Lambda "
            "function **{function_name}** (code given) stores each order in the DynamoDB table **{table_name}** and "
            "names the messages it cannot read in its answer (`batchItemFailures`). The standard queue "
            "**{dlq_name}** exists for the messages that keep failing.\n"
            "1. Make **{dlq_name}** the dead-letter queue of **{queue_name}**, with Maximum receives `{max_receives}`.\n"
            "2. Allow the function's execution role **{role_name}** to consume the queue: `sqs:ReceiveMessage`, "
            "`sqs:DeleteMessage` and `sqs:GetQueueAttributes` on **{queue_name}** (the AWS managed policy "
            "AWSLambdaSQSQueueExecutionRole grants them).\n"
            "3. Add **{queue_name}** as a trigger of **{function_name}** (an event source mapping, enabled), with "
            "**Report batch item failures** turned on, so that only the failed messages of a batch are retried.\n"
            "4. Send two test messages to **{queue_name}**: the order `{good_body}` and the poison message "
            "`{poison_body}`. Within about 15 seconds the order is in the table and the poison message, after "
            "{max_receives} failed receives, in **{dlq_name}**. Leave it there: the check counts it.\n\n"
            "On the emulator, the AWS CLI needs `--endpoint-url` for `aws sqs` (AWS CLI v1 ignores "
            "`AWS_ENDPOINT_URL` for SQS)."
        ),
        ja=(
            "注文は SQS の標準キュー **{queue_name}**（可視性タイムアウト 3 秒）に届きます。Lambda 関数 "
            "**{function_name}**（コードは用意済み）は、各注文を DynamoDB テーブル **{table_name}** に保存し、"
            "読み取れないメッセージを応答（`batchItemFailures`）で示します。失敗し続けるメッセージのために、標準キュー "
            "**{dlq_name}** が用意されています。\n"
            "1. **{dlq_name}** を **{queue_name}** のデッドレターキューにします。最大受信数は `{max_receives}` です。\n"
            "2. 関数の実行ロール **{role_name}** にキューの処理を許可します。**{queue_name}** に対する "
            "`sqs:ReceiveMessage`、`sqs:DeleteMessage`、`sqs:GetQueueAttributes` です（AWS 管理ポリシー "
            "AWSLambdaSQSQueueExecutionRole がこれらを許可します）。\n"
            "3. **{queue_name}** を **{function_name}** のトリガー（有効なイベントソースマッピング）として追加し、"
            "**バッチ項目の失敗を報告する** をオンにします。これで、バッチのうち失敗したメッセージだけが再試行されます。\n"
            "4. **{queue_name}** にテストメッセージを 2 つ送信します。注文 `{good_body}` と、処理できないメッセージ "
            "`{poison_body}` です。15 秒ほどで注文がテーブルに保存され、処理できないメッセージは {max_receives} 回の"
            "受信に失敗したあと **{dlq_name}** に移動します。チェックはそのメッセージを数えるので、そのまま残しておきます。\n\n"
            "エミュレーターでは、`aws sqs` に `--endpoint-url` が必要です（AWS CLI v1 は SQS では "
            "`AWS_ENDPOINT_URL` を無視します）。"
        ),
    ),
)

HANDLER = '''import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    """Store each order of the batch; name the messages that are not orders, so that only they are retried."""
    failures = []
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            table.put_item(Item={"orderId": str(order["orderId"]), "item": str(order.get("item", ""))})
        except (ValueError, KeyError, TypeError):
            print(f"not an order, retry later: {record['messageId']}")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
'''
QUEUE_NAME = "mcredlab-orders"
DLQ_NAME = "mcredlab-orders-dlq"
TABLE_NAME = "mcredlab-processed-orders"
FUNCTION_NAME = "mcredlab-order-processor"
ROLE_NAME = "mcredlab-order-processor-role"
MAX_RECEIVES = 3
VISIBILITY_SECONDS = 3
GOOD_ORDER = {"orderId": "1001", "item": "coffee beans"}
POISON_BODY = "this is not an order"
CONSUME_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
SQS_EXECUTION_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
PARTIAL_BATCH = "ReportBatchItemFailures"
STATES_JA = {"Enabled": "有効", "Enabling": "有効化中", "Updating": "更新中", "Disabled": "無効", "Disabling": "無効化中",
             "Creating": "作成中", "Deleting": "削除中"}
"""An event source mapping's states as the Japanese console names them."""


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """Both queues, the table, and the function with a role that may write the table and its logs, not read SQS."""
    sqs.ensure_queue(aws, lab.id, QUEUE_NAME, {"VisibilityTimeout": str(VISIBILITY_SECONDS)})
    sqs.ensure_queue(aws, lab.id, DLQ_NAME)
    dynamodb.ensure_table(aws, lab.id, TABLE_NAME, partition_key=("orderId", "S"))
    put_orders = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "dynamodb:PutItem",
        "Resource": f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/{TABLE_NAME}"}]}
    role_arn = iam.ensure_role(aws, lab.id, ROLE_NAME, iam.trust_policy("lambda.amazonaws.com"),
                               managed=(iam.BASIC_EXECUTION,), inline={"store-orders": put_orders})
    awslambda.ensure_function(aws, lab.id, FUNCTION_NAME, role_arn=role_arn, source=HANDLER,
                              timeout=VISIBILITY_SECONDS, description="Stores orders from SQS in DynamoDB",
                              environment={"TABLE_NAME": TABLE_NAME})
    return {"queue_name": QUEUE_NAME, "dlq_name": DLQ_NAME, "table_name": TABLE_NAME,
            "function_name": FUNCTION_NAME, "role_name": ROLE_NAME, "max_receives": str(MAX_RECEIVES),
            "good_body": json.dumps(GOOD_ORDER), "poison_body": POISON_BODY}


# -- what the checks read ----------------------------------------------------------------------


def _queue_arn(aws: Aws, name: str) -> str | None:
    return (sqs.attributes(aws, name) or {}).get("QueueArn")


def _mappings(aws: Aws, ctx: Context) -> list[dict[str, Any]]:
    """The event source mappings from the queue to the function."""
    arn = _queue_arn(aws, ctx["queue_name"])
    return [] if arn is None else awslambda.event_source_mappings(aws, ctx["function_name"], arn)


def _enabled_mapping(aws: Aws, ctx: Context) -> dict[str, Any] | None:
    return next((m for m in _mappings(aws, ctx) if m.get("State") in ("Enabled", "Enabling", "Updating")), None)


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "redrive-policy",
    expected=Text(en="{queue_name} sends a message to the dead-letter queue {dlq_name} after {max_receives} receives",
                  ja="{queue_name} がメッセージを {max_receives} 回の受信のあとデッドレターキュー {dlq_name} に移動する"),
    looked_at=Text(en="the redrive policy of queue {queue_name} (`RedrivePolicy`)",
                   ja="キュー {queue_name} のデッドレターキューの設定（`RedrivePolicy`）"),
    hint=Text(
        en="SQS console > Queues > {queue_name} (the source queue, not {dlq_name}) > Edit > Dead-letter queue: "
        "Enabled, choose the ARN of {dlq_name}, Maximum receives `{max_receives}` > Save. With the AWS CLI: "
        "`aws sqs set-queue-attributes --endpoint-url ... --queue-url ... --attributes` with `RedrivePolicy` "
        '`{{"deadLetterTargetArn": "<ARN of {dlq_name}>", "maxReceiveCount": "{max_receives}"}}`.',
        ja="SQS コンソールで「キュー」> {queue_name}（{dlq_name} ではなくソースキュー）>「編集」を選び、"
        "「デッドレターキュー」セクションで「有効」を選び、{dlq_name} の ARN を選んで、「最大受信数」を `{max_receives}` "
        "にして「保存」を選びます。AWS CLI では `aws sqs set-queue-attributes --endpoint-url ... --queue-url ... "
        '--attributes` で `RedrivePolicy` に `{{"deadLetterTargetArn": "<{dlq_name} の ARN>", "maxReceiveCount": '
        '"{max_receives}"}}` を指定します。',
    ),
)
def redrive_policy(aws: Aws, ctx: Context) -> Finding:
    queue, dlq = ctx["queue_name"], ctx["dlq_name"]
    if sqs.attributes(aws, queue) is None:
        return failed(f"there is no queue named {queue}", f"{queue} という名前のキューがありません")
    found = sqs.redrive_policy(aws, queue)
    if found is None:
        on_dlq = sqs.redrive_policy(aws, dlq)
        if on_dlq is not None:
            return failed(f"{queue} has no dead-letter queue; the redrive policy was set on {dlq} instead",
                          f"{queue} にデッドレターキューがありません。再処理の設定は {dlq} の側にされています")
        return failed(f"{queue} has no dead-letter queue", f"{queue} にデッドレターキューがありません")
    target, receives = str(found.get("deadLetterTargetArn", "")), str(found.get("maxReceiveCount", ""))
    dlq_arn = _queue_arn(aws, dlq)
    if target != dlq_arn:
        return failed(f"the dead-letter queue of {queue} is {target.rsplit(':', 1)[-1] or 'not set'}, not {dlq}",
                      f"{queue} のデッドレターキューは {target.rsplit(':', 1)[-1] or '未設定'} で、{dlq} ではありません")
    if receives != ctx["max_receives"]:
        return failed(f"{queue} moves a message to {dlq} after {receives} receives, not {ctx['max_receives']}",
                      f"{queue} は {receives} 回の受信のあとメッセージを {dlq} に移動します（"
                      f"{ctx['max_receives']} 回ではありません）")
    return passed(f"dead-letter queue {dlq}, Maximum receives {receives}",
                  f"デッドレターキュー {dlq}、最大受信数 {receives}")


@lab.criterion(
    "role-may-consume",
    expected=Text(en="the function's execution role allows `sqs:ReceiveMessage`, `sqs:DeleteMessage` and "
                  "`sqs:GetQueueAttributes` on {queue_name}",
                  ja="関数の実行ロールが {queue_name} に対する `sqs:ReceiveMessage`、`sqs:DeleteMessage`、"
                  "`sqs:GetQueueAttributes` を許可している"),
    looked_at=Text(en="the execution role of function {function_name} and its permissions policies",
                   ja="関数 {function_name} の実行ロールとその許可ポリシー"),
    hint=Text(
        en="IAM console > Roles > {role_name} > Add permissions > Attach policies: AWSLambdaSQSQueueExecutionRole "
        "(or an inline policy allowing the three actions on the ARN of {queue_name}). On AWS, Lambda refuses to "
        "create the trigger until the role has them.",
        ja="IAM コンソールで「ロール」> {role_name} >「許可を追加」>「ポリシーをアタッチ」を選び、"
        "AWSLambdaSQSQueueExecutionRole をアタッチします（または、{queue_name} の ARN に対する 3 つのアクションを許可する"
        "インラインポリシーを作成します）。AWS では、ロールにこれらの権限がないと Lambda はトリガーを作成できません。",
    ),
)
def role_may_consume(aws: Aws, ctx: Context) -> Finding:
    role_arn = str((awslambda.configuration(aws, ctx["function_name"]) or {}).get("Role", ""))
    if not role_arn:
        return failed(f"there is no function named {ctx['function_name']}",
                      f"{ctx['function_name']} という名前の関数がありません")
    role, queue_arn = role_arn.rsplit("/", 1)[-1], str(_queue_arn(aws, ctx["queue_name"]))
    documents = iam.identity_documents(aws, role)
    missing = [a for a in CONSUME_ACTIONS if not iam.allows(aws, role, a, queue_arn, documents=documents)]
    if not missing:
        return passed(f"{role} may receive, delete and read the attributes of {ctx['queue_name']}",
                      f"{role} は {ctx['queue_name']} のメッセージの受信と削除、属性の読み取りができます")
    listing = ", ".join(missing)
    return failed(f"{role} does not allow {listing} on {ctx['queue_name']}",
                  f"{role} は {ctx['queue_name']} に対する {listing} を許可していません")


@lab.criterion(
    "trigger-enabled",
    expected=Text(en="an enabled event source mapping from {queue_name} to {function_name}",
                  ja="{queue_name} から {function_name} への有効なイベントソースマッピングがある"),
    looked_at=Text(en="the event source mappings (triggers) of function {function_name}",
                   ja="関数 {function_name} のイベントソースマッピング（トリガー）"),
    hint=Text(
        en="Lambda console > Functions > {function_name} > Add trigger: source SQS, queue {queue_name}, Activate "
        "trigger checked. Or SQS console > {queue_name} > Lambda triggers > Configure Lambda function trigger. "
        "A trigger created disabled: Configuration > Triggers > select it > Enable.",
        ja="Lambda コンソールで「関数」> {function_name} >「トリガーを追加」を選び、ソースに SQS、キューに {queue_name} を"
        "選んで、「トリガーをアクティブ化」をオンにします。SQS コンソールで {queue_name} >「Lambda トリガー」>"
        "「Lambda 関数トリガーの設定」からでもかまいません。無効のまま作成したトリガーは、「設定」>「トリガー」で選んで"
        "「有効化」します。",
    ),
)
def trigger_enabled(aws: Aws, ctx: Context) -> Finding:
    if _queue_arn(aws, ctx["queue_name"]) is None:
        return failed(f"there is no queue named {ctx['queue_name']}", f"{ctx['queue_name']} という名前のキューがありません")
    mappings = _mappings(aws, ctx)
    enabled = _enabled_mapping(aws, ctx)
    if enabled is not None:
        state = str(enabled["State"])
        return passed(f"mapping `{enabled['UUID']}`, state {state}, batch size {enabled.get('BatchSize')}",
                      f"マッピング `{enabled['UUID']}`、状態 {STATES_JA.get(state, state)}、"
                      f"バッチサイズ {enabled.get('BatchSize')}")
    if mappings:
        states = sorted({str(m.get("State")) for m in mappings})
        return failed(f"the mapping from {ctx['queue_name']} is not enabled (state {', '.join(states)})",
                      f"{ctx['queue_name']} からのマッピングが有効ではありません（状態 "
                      f"{'、'.join(STATES_JA.get(s, s) for s in states)}）")
    return failed(f"{ctx['function_name']} has no trigger from {ctx['queue_name']}",
                  f"{ctx['function_name']} に {ctx['queue_name']} からのトリガーがありません")


@lab.criterion(
    "partial-batch-responses",
    requires="trigger-enabled",
    expected=Text(en="the trigger reports batch item failures (`FunctionResponseTypes` `ReportBatchItemFailures`)",
                  ja="トリガーでバッチ項目の失敗の報告が有効（`FunctionResponseTypes` が `ReportBatchItemFailures`）"),
    looked_at=Text(en="the event source mapping from {queue_name} to {function_name}",
                   ja="{queue_name} から {function_name} へのイベントソースマッピング"),
    hint=Text(
        en="Lambda console > {function_name} > Configuration > Triggers > select the SQS trigger > Edit > Additional "
        "settings: check Report batch item failures > Save. Without it, Lambda ignores the `batchItemFailures` the "
        "function returns: the batch counts as processed and the poison message is deleted, not retried.",
        ja="Lambda コンソールで {function_name} >「設定」>「トリガー」で SQS のトリガーを選び、「編集」>「追加設定」で"
        "「バッチ項目の失敗を報告する」をオンにして「保存」を選びます。この設定がないと、Lambda は関数が返す "
        "`batchItemFailures` を無視します。バッチは処理済みとみなされ、処理できないメッセージは再試行されずに"
        "削除されます。",
    ),
)
def partial_batch_responses(aws: Aws, ctx: Context) -> Finding:
    mapping = _enabled_mapping(aws, ctx) or {}
    types = list(mapping.get("FunctionResponseTypes") or [])
    if PARTIAL_BATCH in types:
        return passed(f"FunctionResponseTypes {PARTIAL_BATCH}", f"FunctionResponseTypes は {PARTIAL_BATCH} です")
    return failed("the trigger does not report batch item failures (no FunctionResponseTypes)",
                  "トリガーでバッチ項目の失敗の報告が有効になっていません（FunctionResponseTypes なし）")


@lab.criterion(
    "order-stored",
    requires=("role-may-consume", "trigger-enabled"),
    expected=Text(en="the table {table_name} holds the order `1001` the function took from the queue",
                  ja="関数がキューから受け取った注文 `1001` がテーブル {table_name} にある"),
    looked_at=Text(en="the item with `orderId` `1001` in table {table_name}",
                   ja="テーブル {table_name} の `orderId` が `1001` の項目"),
    hint=Text(
        en="SQS console > {queue_name} > Send and receive messages: Message body `{good_body}` > Send message "
        "(or `aws sqs send-message --endpoint-url ... --queue-url ... --message-body ...`). The trigger passes it to "
        "the function within seconds; DynamoDB console > Tables > {table_name} > Explore items shows what was stored.",
        ja="SQS コンソールで {queue_name} >「メッセージを送受信」を選び、メッセージ本文に `{good_body}` を入力して"
        "「メッセージを送信」を選びます（または `aws sqs send-message --endpoint-url ... --queue-url ... --message-body "
        "...`）。数秒でトリガーが関数に渡します。保存された項目は DynamoDB コンソールの「テーブル」> {table_name} >"
        "「項目を探索」で確認できます。",
    ),
)
def order_stored(aws: Aws, ctx: Context) -> Finding:
    found = or_none(aws.client("dynamodb").get_item, TableName=ctx["table_name"],
                    Key={"orderId": {"S": GOOD_ORDER["orderId"]}})
    item = (found or {}).get("Item")
    if not item:
        return failed("no item with `orderId` `1001`: the function has not processed the order yet",
                      "`orderId` が `1001` の項目はありません。関数はまだ注文を処理していません")
    name = (item.get("item") or {}).get("S", "")
    return passed(f"order 1001: `{name}`", f"注文 1001: `{name}`")


@lab.criterion(
    "poison-message-in-dlq",
    requires=("redrive-policy", "partial-batch-responses", "order-stored"),
    expected=Text(en="the poison message went to {dlq_name} after {max_receives} receives, and {queue_name} is empty",
                  ja="処理できないメッセージが {max_receives} 回の受信のあと {dlq_name} に移動し、{queue_name} が空になっている"),
    looked_at=sqs.COUNTED_IN_EACH_QUEUE,
    hint=Text(
        en="Send the message `{poison_body}` to {queue_name} once the trigger reports batch item failures and the "
        "dead-letter queue is set; after {max_receives} receives (about 3 seconds each) it moves to {dlq_name}. A "
        "message sent before then may have been deleted as processed: send it again. Do not poll {dlq_name} from the "
        "console while you wait: count its messages in the queue list (Messages available).",
        ja="トリガーでバッチ項目の失敗の報告を有効にし、デッドレターキューを設定してから、メッセージ `{poison_body}` を "
        "{queue_name} に送信します。{max_receives} 回の受信（1 回ほぼ 3 秒）のあと {dlq_name} に移動します。それより前に"
        "送信したメッセージは処理済みとして削除されている場合があるので、もう一度送信します。待つ間は {dlq_name} を"
        "コンソールでポーリングせず、キューの一覧（「利用可能なメッセージ」）で数を確認します。",
    ),
)
def poison_message_in_dlq(aws: Aws, ctx: Context) -> Finding:
    queue, dlq = ctx["queue_name"], ctx["dlq_name"]
    waiting, moved = sqs.message_count(aws, queue), sqs.message_count(aws, dlq)
    if waiting is None or moved is None:
        missing = queue if waiting is None else dlq
        return failed(f"there is no queue named {missing}", f"{missing} という名前のキューがありません")
    counted = f"{queue} holds {waiting} messages, {dlq} holds {moved}"
    counted_ja = f"{queue} のメッセージは {waiting} 件、{dlq} は {moved} 件です"
    if moved == 0 and waiting:
        return failed(f"{counted}: the poison message is still being retried; check again in a few seconds",
                      f"{counted_ja}。処理できないメッセージはまだ再試行中です。数秒後にもう一度チェックしてください")
    if moved == 0:
        return failed(f"{counted}: no message reached the dead-letter queue (send the poison message)",
                      f"{counted_ja}。デッドレターキューにメッセージが届いていません（処理できないメッセージを送信してください）")
    if waiting:
        return failed(f"{counted}: {queue} still holds messages being retried; check again in a few seconds",
                      f"{counted_ja}。{queue} にはまだ再試行中のメッセージがあります。数秒後にもう一度チェックしてください")
    return passed(counted, counted_ja)


# -- reference solution, other valid ways, near misses -----------------------------------------


def _wait_until_settled(aws: Aws, ctx: Context, *, seconds: float = 60) -> None:
    """Wait until the source queue is empty and the dead-letter queue holds a message, or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sqs.message_count(aws, ctx["queue_name"]) == 0 and (sqs.message_count(aws, ctx["dlq_name"]) or 0) > 0:
            return
        time.sleep(0.5)


def _consume_policy(queue_arn: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ConsumeOrders", "Effect": "Allow", "Action": list(CONSUME_ACTIONS), "Resource": queue_arn}]}


def build(
    aws: Aws,
    ctx: Context,
    *,
    redrive_on: str | None = "queue_name",
    max_receives: int = MAX_RECEIVES,
    permission: bool = True,
    trigger: bool = True,
    enabled: bool = True,
    response_types: tuple[str, ...] = (PARTIAL_BATCH,),
    messages: tuple[str, ...] = (json.dumps(GOOD_ORDER), POISON_BODY),
    wait: bool = True,
) -> None:
    """Wire the queue and the function with boto3 and send the test messages; the keywords introduce the near
    misses' mistakes."""
    client = aws.client("sqs")
    queue_arn, dlq_arn = str(_queue_arn(aws, ctx["queue_name"])), str(_queue_arn(aws, ctx["dlq_name"]))
    if redrive_on is not None:
        target = dlq_arn if redrive_on == "queue_name" else queue_arn
        client.set_queue_attributes(QueueUrl=str(sqs.queue_url(aws, ctx[redrive_on])), Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": max_receives})})
    if permission:
        aws.client("iam").attach_role_policy(RoleName=ctx["role_name"], PolicyArn=SQS_EXECUTION_ROLE)
    if trigger:
        aws.client("lambda").create_event_source_mapping(
            EventSourceArn=queue_arn, FunctionName=ctx["function_name"], BatchSize=10, Enabled=enabled,
            FunctionResponseTypes=list(response_types))
    url = str(sqs.queue_url(aws, ctx["queue_name"]))
    if messages:
        client.send_message_batch(QueueUrl=url, Entries=[{"Id": f"m{i}", "MessageBody": body}
                                                         for i, body in enumerate(messages)])
    if wait and messages and trigger and enabled:
        _wait_until_settled(aws, ctx)


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    build(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(en="every step with the AWS CLI, the test messages sent one by one (`--endpoint-url` for `aws sqs` on "
               "the emulator)",
               ja="すべて AWS CLI で実施し、テストメッセージを 1 つずつ送信（エミュレーターでは `aws sqs` に "
               "`--endpoint-url` を指定）"),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    urls = {key: json.loads(aws.cli("sqs", "get-queue-url", "--queue-name", ctx[key]))["QueueUrl"]
            for key in ("queue_name", "dlq_name")}
    arns = {key: json.loads(aws.cli("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names",
                                    "QueueArn"))["Attributes"]["QueueArn"] for key, url in urls.items()}
    redrive = json.dumps({"deadLetterTargetArn": arns["dlq_name"], "maxReceiveCount": str(MAX_RECEIVES)})
    aws.cli("sqs", "set-queue-attributes", "--queue-url", urls["queue_name"],
            "--attributes", json.dumps({"RedrivePolicy": redrive}))
    aws.cli("iam", "attach-role-policy", "--role-name", ctx["role_name"], "--policy-arn", SQS_EXECUTION_ROLE)
    aws.cli("lambda", "create-event-source-mapping", "--function-name", ctx["function_name"], "--event-source-arn",
            arns["queue_name"], "--batch-size", "10", "--function-response-types", PARTIAL_BATCH)
    for body in (json.dumps(GOOD_ORDER), POISON_BODY):
        aws.cli("sqs", "send-message", "--queue-url", urls["queue_name"], "--message-body", body)
    _wait_until_settled(aws, ctx)


@lab.alternative(
    "console-edits",
    story=Text(
        en="as in the consoles: an inline policy for the queue instead of the managed one, the trigger created "
        "with batch size 5 and a batching window, then edited to report batch item failures",
        ja="コンソールと同じ手順: 管理ポリシーの代わりにキュー用のインラインポリシーを作成し、トリガーをバッチサイズ 5 と"
        "バッチウィンドウで作成してから、編集してバッチ項目の失敗の報告を有効化",
    ),
)
def console_edits(aws: Aws, ctx: Context) -> None:
    queue_arn = str(_queue_arn(aws, ctx["queue_name"]))
    build(aws, ctx, permission=False, trigger=False, messages=())
    aws.client("iam").put_role_policy(RoleName=ctx["role_name"], PolicyName="consume-orders",
                                      PolicyDocument=json.dumps(_consume_policy(queue_arn)))
    client = aws.client("lambda")
    uuid = client.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=ctx["function_name"],
                                              BatchSize=5, MaximumBatchingWindowInSeconds=1)["UUID"]
    client.update_event_source_mapping(UUID=uuid, FunctionResponseTypes=[PARTIAL_BATCH])
    url = str(sqs.queue_url(aws, ctx["queue_name"]))
    for body in (json.dumps(GOOD_ORDER), POISON_BODY):
        aws.client("sqs").send_message(QueueUrl=url, MessageBody=body)
    _wait_until_settled(aws, ctx)


@lab.near_miss(
    "no-dead-letter-queue",
    fails="redrive-policy",
    story=Text(en="the trigger and permissions right, but no dead-letter queue set: the poison message is retried "
               "for as long as the queue keeps it",
               ja="トリガーと権限は正しいが、デッドレターキューを設定していない: 処理できないメッセージはキューに"
               "残る限り再試行され続ける"),
)
def no_dead_letter_queue(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, redrive_on=None, wait=False)


@lab.near_miss(
    "redrive-on-the-dlq",
    fails="redrive-policy",
    story=Text(en="the dead-letter queue setting made on the dead-letter queue itself, pointing back at the source "
               "queue",
               ja="デッドレターキューの設定をソースキューではなくデッドレターキュー自身に行い、ソースキューを指定"),
)
def redrive_on_the_dlq(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, redrive_on="dlq_name", wait=False)


@lab.near_miss(
    "ten-receives",
    fails="redrive-policy",
    story=Text(en="the dead-letter queue set with Maximum receives 10 instead of 3",
               ja="デッドレターキューを最大受信数 3 ではなく 10 で設定"),
)
def ten_receives(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, max_receives=10, wait=False)


@lab.near_miss(
    "no-sqs-permissions",
    fails="role-may-consume",
    story=Text(en="the trigger created while the role may not read the queue (AWS refuses this; the emulator does not)",
               ja="ロールにキューを読み取る権限がないままトリガーを作成（AWS では作成できないが、エミュレーターでは"
               "作成できる）"),
)
def no_sqs_permissions(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, permission=False)


@lab.near_miss(
    "trigger-disabled",
    fails="trigger-enabled",
    story=Text(en="the trigger added with Activate trigger unchecked", ja="「トリガーをアクティブ化」をオフにしてトリガーを追加"),
)
def trigger_disabled(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, enabled=False)


@lab.near_miss(
    "no-partial-batch-responses",
    fails="partial-batch-responses",
    story=Text(en="the trigger without Report batch item failures: the poison message is deleted as processed",
               ja="「バッチ項目の失敗を報告する」をオフにしたトリガー: 処理できないメッセージが処理済みとして削除される"),
)
def no_partial_batch_responses(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, response_types=(), wait=False)
    time.sleep(2)


@lab.near_miss(
    "never-sent",
    fails=("order-stored",),
    story=Text(en="everything wired, but no test message sent", ja="すべて設定したが、テストメッセージを送信していない"),
)
def never_sent(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, messages=())


@lab.near_miss(
    "only-the-order",
    fails="poison-message-in-dlq",
    story=Text(en="everything wired, but only the good order sent", ja="すべて設定したが、正しい注文だけを送信"),
)
def only_the_order(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, messages=(json.dumps(GOOD_ORDER),), wait=False)
    deadline = time.monotonic() + 30
    while sqs.message_count(aws, ctx["queue_name"]) and time.monotonic() < deadline:
        time.sleep(0.5)


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the tagged function (with its triggers), role, table and queues."""
    awslambda.delete_function(aws, lab.id, ctx["function_name"])
    iam.delete_role(aws, lab.id, ctx["role_name"])
    dynamodb.delete_table(aws, lab.id, ctx["table_name"])
    for key in ("queue_name", "dlq_name"):
        sqs.delete_queue(aws, lab.id, ctx[key])
