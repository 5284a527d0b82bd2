"""Messaging in the emulator behaves as on AWS (extensions ``sns_sqs_queue_policy``, ``sqs_event_source_poller``,
``stepfunctions_execution_name``), driven with the AWS CLI where a learner would and boto3 elsewhere.
Polls are bounded; nothing asserts on time."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from botocore.exceptions import ClientError

from mcredlab.emulator.extensions.sns_sqs_queue_policy import lets_topic_send
from mcredlab.policy import conditions_met
from mcredlab.target import Aws, Target

T = TypeVar("T")
TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
TOPIC = "arn:aws:sns:us-east-1:123456789012:orders"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders-q"


def _eventually(probe: Callable[[], T | None], seconds: float = 20) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answer := probe():
            return answer
        time.sleep(0.2)
    raise AssertionError(f"nothing after {seconds} s")


@pytest.fixture
def aws(target: Target) -> Aws:
    return target.aws()


def _cli(aws: Aws, *args: str) -> Any:
    out = aws.cli(*args, "--endpoint-url", str(aws.target.endpoint_url), "--output", "json")
    return json.loads(out) if out.strip() else None


def _function(aws: Aws, source: str, name: str = "fn") -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    role = aws.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    return str(aws.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"], Handler="index.handler",
        Code={"ZipFile": buffer.getvalue()})["FunctionArn"])


def _statement(principal: Any = None, condition: Any = None, **fields: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal or {"Service": "sns.amazonaws.com"},
                 "Action": "sqs:SendMessage", "Resource": QUEUE, **fields}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_queue_policy_reading_follows_how_aws_lets_sns_send() -> None:
    assert lets_topic_send(_policy(_statement(condition={"ArnEquals": {"aws:SourceArn": TOPIC}})), QUEUE, TOPIC)
    assert lets_topic_send(_policy(_statement()), QUEUE, TOPIC)
    assert lets_topic_send(_policy(_statement("*", {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:ord*"}})),
                           QUEUE, TOPIC)
    assert lets_topic_send(_policy(_statement({"AWS": "*"}, {"StringEquals": {"aws:SourceArn": TOPIC}}, Action="SQS:*")),
                           QUEUE, TOPIC)
    assert not lets_topic_send(None, QUEUE, TOPIC)
    assert not lets_topic_send(_policy(_statement(condition={"ArnEquals": {"aws:SourceArn": TOPIC + "-other"}})), QUEUE, TOPIC)
    assert not lets_topic_send(_policy(_statement({"Service": "events.amazonaws.com"})), QUEUE, TOPIC)
    assert not lets_topic_send(_policy(_statement({"AWS": "arn:aws:iam::123456789012:root"})), QUEUE, TOPIC)
    assert not lets_topic_send(_policy(_statement(Action="sqs:ReceiveMessage")), QUEUE, TOPIC)
    assert not lets_topic_send(_policy(_statement(Resource=QUEUE + "-other")), QUEUE, TOPIC)
    assert not lets_topic_send(_policy(_statement(), _statement("*", Effect="Deny")), QUEUE, TOPIC)
    assert not lets_topic_send(_policy(_statement(condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})), QUEUE, TOPIC)


def test_conditions_met_evaluates_string_and_arn_operators() -> None:
    context = {"aws:SourceArn": TOPIC, "aws:SourceAccount": "123456789012"}
    assert conditions_met({}, context)
    assert conditions_met({"ArnLike": {"AWS:SOURCEARN": "arn:aws:sns:*:*:orders"}}, context)
    assert conditions_met({"StringEquals": {"aws:SourceAccount": ["1", "123456789012"]}}, context)
    assert conditions_met({"StringNotEquals": {"aws:SourceAccount": "999999999999"}}, context)
    assert conditions_met({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}, context)
    assert conditions_met({"StringNotLike": {"aws:PrincipalOrgID": "o-*"}}, context)
    assert not conditions_met({"StringEquals": {"aws:PrincipalOrgID": "o-1"}}, context)
    assert not conditions_met({"ArnEquals": {"aws:SourceArn": TOPIC}, "StringEquals": {"aws:SourceAccount": "1"}}, context)
    assert not conditions_met({"Bool": {"aws:SecureTransport": "true"}}, context)


def test_sns_delivers_to_a_queue_only_when_its_policy_lets_the_topic_send(aws: Aws) -> None:
    topic = aws.client("sns").create_topic(Name="orders")["TopicArn"]
    url = aws.client("sqs").create_queue(QueueName="orders-q")["QueueUrl"]
    queue = f"arn:aws:sqs:{aws.region}:{aws.account_id}:orders-q"
    _cli(aws, "sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", queue)

    def send_and_receive(text: str, cli: bool = False) -> list[str]:
        if cli:
            assert _cli(aws, "sns", "publish", "--topic-arn", topic, "--message", text)["MessageId"]
        else:
            aws.client("sns").publish(TopicArn=topic, Message=text)
        got = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"])["Message"] for m in got.get("Messages", [])]

    assert send_and_receive("no-policy") == []
    log = Path(os.environ["MCREDLAB_HOME"]) / "emulator.log"
    assert "SNS did not deliver" in log.read_text() and f"from {topic} to {queue}" in log.read_text()

    def allow(condition: Any) -> str:
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": queue, "Condition": condition}]}
        return json.dumps({"Policy": json.dumps(policy)})

    aws.client("sqs").set_queue_attributes(QueueUrl=url, Attributes=json.loads(allow({"ArnEquals": {"aws:SourceArn": topic + "-x"}})))
    assert send_and_receive("other-topic") == []
    _cli(aws, "sqs", "set-queue-attributes", "--queue-url", url, "--attributes", allow({"ArnEquals": {"aws:SourceArn": topic}}))
    assert send_and_receive("allowed", cli=True) == ["allowed"]


def test_sns_filter_policy_and_raw_delivery_still_apply_when_the_policy_allows(aws: Aws) -> None:
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    urls = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("red", "big")}
    for name, url in urls.items():
        arn = f"arn:aws:sqs:{aws.region}:{aws.account_id}:{name}"
        policy = _policy(_statement("*", {"ArnLike": {"aws:SourceArn": topic}}, Resource=arn))
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:{aws.region}:{aws.account_id}:red",
                  Attributes={"FilterPolicy": json.dumps({"color": ["red"]}), "RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:{aws.region}:{aws.account_id}:big",
                  Attributes={"FilterPolicyScope": "MessageBody", "FilterPolicy": json.dumps({"amount": [{"numeric": [">", 100]}]})})
    for color, amount in (("red", 50), ("green", 500)):
        sns.publish(TopicArn=topic, Message=json.dumps({"amount": amount}),
                    MessageAttributes={"color": {"DataType": "String", "StringValue": color}})
    red = sqs.receive_message(QueueUrl=urls["red"], MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    assert [json.loads(m["Body"]) for m in red] == [{"amount": 50}]  # raw: the body is the message itself
    assert red[0]["MessageAttributes"]["color"]["StringValue"] == "red"
    big = sqs.receive_message(QueueUrl=urls["big"], MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(json.loads(m["Body"])["Message"]) for m in big] == [{"amount": 500}]


BATCH_HANDLER = '''import json
def handler(event, context):
    print("BATCH", json.dumps([r["body"] for r in event["Records"]]))
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]}
'''


def _batches(aws: Aws, name: str = "fn") -> list[list[str]]:
    try:
        events = aws.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    except aws.client("logs").exceptions.ResourceNotFoundException:
        return []
    return [json.loads(e["message"].split("BATCH", 1)[1]) for e in events if e["message"].startswith("BATCH")]


def _count(aws: Aws, url: str) -> int:
    attributes = aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_sqs_mapping_polls_queued_messages_in_batches_and_keeps_only_reported_failures(aws: Aws) -> None:
    _function(aws, BATCH_HANDLER)
    url = aws.client("sqs").create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    for body in ("a", "bad", "c"):
        aws.client("sqs").send_message(QueueUrl=url, MessageBody=body)
    _cli(aws, "lambda", "create-event-source-mapping", "--function-name", "fn", "--batch-size", "5",
         "--event-source-arn", f"arn:aws:sqs:{aws.region}:{aws.account_id}:jobs",
         "--function-response-types", "ReportBatchItemFailures")
    batches = _eventually(lambda: len(_batches(aws)) >= 2 and _batches(aws))
    assert sorted(batches[0]) == ["a", "bad", "c"]  # one invocation for the queued messages
    assert batches[1] == ["bad"]  # only the reported failure came back
    assert _count(aws, url) == 1


def test_sqs_mapping_without_report_batch_item_failures_deletes_a_successful_batch(aws: Aws) -> None:
    _function(aws, BATCH_HANDLER.replace('== "bad"', '== "never"'))
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    arn = f"arn:aws:sqs:{aws.region}:{aws.account_id}:jobs"
    aws.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="fn", BatchSize=10,
                                                     MaximumBatchingWindowInSeconds=1)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"m{n}"} for n in range(4)])
    batches = _eventually(lambda: _batches(aws))
    assert sorted(body for batch in batches for body in batch) == ["m0", "m1", "m2", "m3"] and len(batches) <= 2
    _eventually(lambda: _count(aws, url) == 0)


def test_sqs_mapping_poison_message_ends_in_the_dead_letter_queue_after_max_receive_count(aws: Aws) -> None:
    _function(aws, 'def handler(event, context):\n    print("BATCH []")\n    raise ValueError("poison")\n')
    sqs = aws.client("sqs")
    dlq = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
    redrive = {"deadLetterTargetArn": f"arn:aws:sqs:{aws.region}:{aws.account_id}:jobs-dlq", "maxReceiveCount": "2"}
    url = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "1",
                                                         "RedrivePolicy": json.dumps(redrive)})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    aws.client("lambda").create_event_source_mapping(EventSourceArn=f"arn:aws:sqs:{aws.region}:{aws.account_id}:jobs",
                                                     FunctionName="fn", BatchSize=1)
    moved = _eventually(lambda: sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"]).get("Messages"))
    assert moved[0]["Body"] == "poison"
    assert len(_batches(aws)) == 2  # the handler saw it maxReceiveCount times
    assert _count(aws, url) == 0


def test_sqs_mapping_disabled_or_deleted_is_not_polled(aws: Aws, target: Target) -> None:
    _function(aws, BATCH_HANDLER)
    sqs, lam = aws.client("sqs"), aws.client("lambda")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    arn = f"arn:aws:sqs:{aws.region}:{aws.account_id}:jobs"
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="fn", Enabled=False)["UUID"]
    sqs.send_message(QueueUrl=url, MessageBody="while-disabled")
    time.sleep(0.5)
    assert _batches(aws) == [] and _count(aws, url) == 1
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    _eventually(lambda: _batches(aws))
    lam.delete_event_source_mapping(UUID=uuid)
    time.sleep(0.3)
    sqs.send_message(QueueUrl=url, MessageBody="after-delete")
    time.sleep(0.5)
    assert _batches(aws) == [["while-disabled"]] and _count(aws, url) == 1


RETRY_HANDLER = '''
def handler(event, context):
    print("CALLED")
    if event.get("fail"):
        raise ValueError("bad input")
    return {"ok": True}
'''


def test_step_functions_retry_and_catch_judge_the_handlers_error_type(aws: Aws) -> None:
    function = _function(aws, RETRY_HANDLER)
    catch = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Fallback"}]
    fallback = {"Type": "Pass", "Result": "fallback-taken", "ResultPath": "$.fallback", "End": True}
    tasks = {
        "plain": {"Type": "Task", "Resource": function, "End": True, "Catch": catch,
                  "Retry": [{"ErrorEquals": ["ValueError"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0}]},
        "integration": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True, "Catch": catch,
                        "Parameters": {"FunctionName": function, "Payload.$": "$"},
                        "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 2}]},
    }
    executions = {}
    for name, task in tasks.items():
        definition = {"StartAt": "Work", "States": {"Work": task, "Fallback": fallback}}
        machine = aws.client("stepfunctions").create_state_machine(
            name=name, definition=json.dumps(definition), roleArn=f"arn:aws:iam::{aws.account_id}:role/sfn")["stateMachineArn"]
        executions[name] = _cli(aws, "stepfunctions", "start-execution", "--state-machine-arn", machine,
                                "--input", json.dumps({"fail": True}))["executionArn"]
    sfn = aws.client("stepfunctions")
    for name, execution in executions.items():
        _eventually(lambda arn=execution: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING")
        described = _cli(aws, "stepfunctions", "describe-execution", "--execution-arn", execution)
        assert described["status"] == "SUCCEEDED", described
        output = json.loads(described["output"])
        assert output["error"]["Error"] == "ValueError" and output["fallback"] == "fallback-taken"
        events = _cli(aws, "stepfunctions", "get-execution-history", "--execution-arn", execution)["events"]
        failed = [e for e in events if e["type"] in ("LambdaFunctionFailed", "TaskFailed")]
        assert len(failed) == 3, name  # the first attempt and MaxAttempts retries
        details = [e.get("lambdaFunctionFailedEventDetails") or e.get("taskFailedEventDetails") for e in failed]
        assert {d["error"] for d in details} == {"ValueError"}
        assert [e["stateEnteredEventDetails"]["name"] for e in events if e["type"] == "PassStateEntered"] == ["Fallback"]


def test_start_execution_without_a_name_gets_a_fresh_name_each_time(aws: Aws) -> None:
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    machine = aws.client("stepfunctions").create_state_machine(
        name="unnamed", definition=json.dumps(definition), roleArn=f"arn:aws:iam::{aws.account_id}:role/sfn")["stateMachineArn"]
    first = _cli(aws, "stepfunctions", "start-execution", "--state-machine-arn", machine)["executionArn"]
    second = _cli(aws, "stepfunctions", "start-execution", "--state-machine-arn", machine)["executionArn"]
    assert first != second and not first.endswith(":None")
    described = aws.client("stepfunctions").describe_execution(executionArn=first)
    assert described["name"] == first.rsplit(":", 1)[1] and len(described["name"]) == 36
    with pytest.raises(ClientError, match="InvalidName"):
        aws.client("stepfunctions").start_execution(stateMachineArn=machine, name="bad name")


def test_sqs_mapping_forgotten_by_reset_is_not_polled(aws: Aws, emulator_info: Any) -> None:
    from mcredlab import emulator

    _function(aws, BATCH_HANDLER)
    aws.client("sqs").create_queue(QueueName="jobs")
    aws.client("lambda").create_event_source_mapping(EventSourceArn=f"arn:aws:sqs:{aws.region}:{aws.account_id}:jobs",
                                                     FunctionName="fn")
    emulator.reset(emulator_info)
    url = aws.client("sqs").create_queue(QueueName="jobs")["QueueUrl"]
    aws.client("sqs").send_message(QueueUrl=url, MessageBody="after-reset")
    time.sleep(0.5)
    visible = aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert visible["Attributes"]["ApproximateNumberOfMessages"] == "1"
