"""Lambda functions run in the emulator process (extension ``lambda_runner``), driven as a learner would:
boto3 clients and the real ``aws`` CLI against the emulator. Polls are bounded; nothing asserts on time."""

from __future__ import annotations

import base64
import inspect
import io
import json
import os
import shutil
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from botocore.exceptions import ClientError

from mcredlab.target import Aws, Target

T = TypeVar("T")
ERROR_KEYS = {"errorMessage", "errorType", "requestId", "stackTrace"}
TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

PUT_ITEM = '''import json, os
import boto3

def handler(event, context):
    boto3.resource("dynamodb").Table(os.environ["TABLE"]).put_item(
        Item={"id": event.get("id") or context.aws_request_id, "event": json.dumps(event)})
    return "stored"
'''


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


def _eventually(probe: Callable[[], T | None], seconds: float = 30) -> T:
    """``probe()``'s first truthy answer, polled for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answer := probe():
            return answer
        time.sleep(0.2)
    raise AssertionError(f"nothing after {seconds} s")


@pytest.fixture
def aws(target: Target) -> Aws:
    return target.aws()


def _function(aws: Aws, source: str, name: str = "fn", **settings: Any) -> str:
    role = aws.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    aws.client("lambda").create_function(
        FunctionName=name, Runtime=settings.pop("Runtime", "python3.12"), Role=role["Role"]["Arn"],
        Handler=settings.pop("Handler", "index.handler"), Code={"ZipFile": _zip(source)}, **settings)
    return name


def _invoke(aws: Aws, name: str, event: Any = None, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    reply = aws.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event or {}), **kwargs)
    body = reply["Payload"].read()
    return reply, json.loads(body) if body else None


def _table(aws: Aws, name: str = "items", **settings: Any) -> Any:
    aws.client("dynamodb").create_table(
        TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST", **settings)
    return aws.client("dynamodb")


def _items(aws: Aws, table: str = "items") -> list[dict[str, Any]]:
    return list(aws.client("dynamodb").scan(TableName=table)["Items"])


def test_handler_returns_its_value(aws: Aws) -> None:
    source = "import decimal\n\ndef handler(event, context):\n    return {'sum': event['a'] + event['b'], 'price': decimal.Decimal('1.5')}\n"
    _function(aws, source)
    reply, payload = _invoke(aws, "fn", {"a": 2, "b": 3})
    assert reply["StatusCode"] == 200 and "FunctionError" not in reply
    assert reply["ResponseMetadata"]["HTTPHeaders"]["x-amz-executed-version"] == "$LATEST"
    assert payload == {"sum": 5, "price": 1.5}


def test_handler_sees_its_environment_and_context_and_no_emulator_secrets(aws: Aws) -> None:
    source = '''import os

def handler(event, context):
    return {"env": dict(os.environ), "context": {
        "function_name": context.function_name, "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn, "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id, "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name, "remaining": context.get_remaining_time_in_millis()}}
'''
    _function(aws, source, MemorySize=256, Timeout=5, Environment={"Variables": {"GREETING": "hello"}})
    _, payload = _invoke(aws, "fn")
    env, context = payload["env"], payload["context"]
    assert env["GREETING"] == "hello"
    assert env["AWS_REGION"] == aws.region and env["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256" and env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_ENDPOINT_URL"] == aws.target.endpoint_url
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert "MCREDLAB_HOME" not in env and "MCREDLAB_LEARNER" not in env, "the emulator's environment leaked"
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert context["function_name"] == "fn" and context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"].endswith(":function:fn")
    assert context["memory_limit_in_mb"] == "256"
    assert context["log_group_name"] == "/aws/lambda/fn" and context["log_stream_name"]
    assert len(context["aws_request_id"]) == 36
    assert 0 < context["remaining"] <= 5000


def test_handler_writes_to_dynamodb_of_the_same_emulator(aws: Aws) -> None:
    _table(aws)
    _function(aws, PUT_ITEM, Environment={"Variables": {"TABLE": "items"}})
    _, payload = _invoke(aws, "fn", {"id": "written-by-lambda"})
    assert payload == "stored"
    item = aws.client("dynamodb").get_item(TableName="items", Key={"id": {"S": "written-by-lambda"}})
    assert "Item" in item


def test_handler_error_comes_back_as_aws_shapes_it(aws: Aws) -> None:
    _function(aws, "def handler(event, context):\n    raise ValueError('boom')\n")
    reply, payload = _invoke(aws, "fn", LogType="Tail")
    assert reply["FunctionError"] == "Unhandled"
    assert set(payload) == ERROR_KEYS
    assert payload["errorType"] == "ValueError" and payload["errorMessage"] == "boom"
    assert len(payload["requestId"]) == 36
    assert any('index.py", line 2, in handler' in frame for frame in payload["stackTrace"])
    assert "[ERROR] ValueError: boom" in base64.b64decode(reply["LogResult"]).decode()


@pytest.mark.parametrize(("source", "handler", "error_type", "message"), [
    ("import no_such_module\n", "index.handler", "Runtime.ImportModuleError",
     "Unable to import module 'index': No module named 'no_such_module'"),
    ("def other(event, context):\n    return 1\n", "index.handler", "Runtime.HandlerNotFound",
     "Handler 'handler' missing on module 'index'"),
    ("def handler(event, context):\n    return {1, 2}\n", "index.handler", "Runtime.MarshalError",
     "Unable to marshal response: Object of type set is not JSON serializable"),
    ("def handler(event, context):\n    return 1\n", "missing.handler", "Runtime.ImportModuleError",
     "Unable to import module 'missing': No module named 'missing'"),
    ("def handler(event, context)\n    return 1\n", "index.handler", "Runtime.UserCodeSyntaxError",
     "Syntax error in module 'index': "),
], ids=["import", "handler-missing", "marshal", "module-missing", "syntax"])
def test_runtime_errors(aws: Aws, source: str, handler: str, error_type: str, message: str) -> None:
    _function(aws, source, Handler=handler)
    reply, payload = _invoke(aws, "fn")
    assert reply["FunctionError"] == "Unhandled"
    assert set(payload) == ERROR_KEYS
    assert payload["errorType"] == error_type and payload["errorMessage"].startswith(message)


def test_handler_that_exits_the_runtime_gives_an_exit_error_and_the_next_invoke_runs(aws: Aws) -> None:
    _function(aws, "import sys\n\ndef handler(event, context):\n    if event.get('exit'):\n        sys.exit(3)\n    return 'fine'\n")
    reply, payload = _invoke(aws, "fn", {"exit": True})
    assert reply["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError" and payload["errorMessage"].endswith("exit status 3")
    assert _invoke(aws, "fn")[1] == "fine"


def test_a_payload_that_is_not_json_is_rejected(aws: Aws) -> None:
    _function(aws, "def handler(event, context):\n    return 1\n")
    with pytest.raises(ClientError) as raised:
        aws.client("lambda").invoke(FunctionName="fn", Payload=b"not json")
    assert raised.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_runaway_handler_is_stopped_at_its_timeout_and_the_next_invoke_runs(aws: Aws) -> None:
    source = "def handler(event, context):\n    while event.get('spin'):\n        pass\n    return 'fine'\n"
    _function(aws, source, Timeout=1)
    reply, payload = _invoke(aws, "fn", {"spin": True}, LogType="Tail")
    assert reply["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert payload["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")
    assert "Status: timeout" in base64.b64decode(reply["LogResult"]).decode()
    assert _invoke(aws, "fn")[1] == "fine"


def test_output_goes_to_cloudwatch_logs_and_tail(aws: Aws) -> None:
    source = ("import logging\nlogging.getLogger().setLevel(logging.INFO)\n\n"
              "def handler(event, context):\n    print('printed-line')\n    logging.info('logged-line')\n    return 1\n")
    _function(aws, source)
    reply, _ = _invoke(aws, "fn", LogType="Tail")
    tail = base64.b64decode(reply["LogResult"]).decode()
    assert "printed-line" in tail and "START RequestId" in tail and "REPORT RequestId" in tail
    assert "[INFO]" in tail and "logged-line" in tail

    events = aws.client("logs").filter_log_events(logGroupName="/aws/lambda/fn")["events"]
    messages = [event["message"] for event in events]
    assert "printed-line" in messages
    assert [m.split(" ")[0] for m in messages if m.startswith(("START", "END", "REPORT"))] == ["START", "END", "REPORT"]
    assert messages.index("printed-line") < next(i for i, m in enumerate(messages) if m.startswith("END"))


def test_warm_worker_keeps_state_until_the_configuration_changes(aws: Aws) -> None:
    source = "count = 0\n\ndef handler(event, context):\n    global count\n    count += 1\n    return count\n"
    _function(aws, source)
    assert [_invoke(aws, "fn")[1] for _ in range(3)] == [1, 2, 3]
    aws.client("lambda").update_function_configuration(FunctionName="fn", Environment={"Variables": {"X": "1"}})
    assert _invoke(aws, "fn")[1] == 1
    aws.client("lambda").update_function_code(FunctionName="fn", ZipFile=_zip(source + "\n# new code\n"))
    assert _invoke(aws, "fn")[1] == 1


def test_a_qualifier_runs_the_version_or_alias_it_names(aws: Aws, target: Target, tmp_path: Path) -> None:
    lam = aws.client("lambda")
    _function(aws, "def handler(event, context):\n    return 'v1'\n")
    lam.publish_version(FunctionName="fn")
    lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
    lam.update_function_code(FunctionName="fn", ZipFile=_zip("def handler(event, context):\n    return 'v2'\n"))
    _eventually(lambda: lam.get_function_configuration(FunctionName="fn")["LastUpdateStatus"] == "Successful")
    assert _invoke(aws, "fn")[1] == "v2"
    for qualifier in ("1", "live"):
        reply, payload = _invoke(aws, "fn", Qualifier=qualifier)
        assert payload == "v1", qualifier
        assert reply["ResponseMetadata"]["HTTPHeaders"]["x-amz-executed-version"] == "1"
    out = tmp_path / "out.json"
    subprocess.run([shutil.which("aws") or "aws", "lambda", "invoke", "--function-name", "fn", "--qualifier", "live",
                    str(out)], env={**os.environ, **target.environ()}, capture_output=True, timeout=120, check=True)
    assert json.loads(out.read_text()) == "v1"


def test_event_runs_in_the_background_and_dry_run_does_not_run(aws: Aws) -> None:
    _table(aws)
    _function(aws, PUT_ITEM, Environment={"Variables": {"TABLE": "items"}})
    reply, payload = _invoke(aws, "fn", {"id": "dry"}, InvocationType="DryRun")
    assert reply["StatusCode"] == 204 and payload is None
    assert _items(aws) == [], "DryRun ran the handler"

    reply, _ = _invoke(aws, "fn", {"id": "async"}, InvocationType="Event")
    assert reply["StatusCode"] == 202
    items = _eventually(lambda: _items(aws))
    assert [item["id"]["S"] for item in items] == ["async"]


def test_sqs_event_source_mapping_delivers_messages_to_the_handler(aws: Aws) -> None:
    _table(aws)
    _function(aws, PUT_ITEM.replace('event.get("id")', 'event["Records"][0]["body"]'),
              Environment={"Variables": {"TABLE": "items"}})
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="fn", BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="job-1")
    items = _eventually(lambda: _items(aws))
    assert items[0]["id"]["S"] == "job-1"
    assert json.loads(items[0]["event"]["S"])["Records"][0]["eventSource"] == "aws:sqs"


def test_dynamodb_stream_mapping_delivers_records_to_the_handler(aws: Aws) -> None:
    _table(aws, "sink")
    _table(aws, "source", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    stream = aws.client("dynamodb").describe_table(TableName="source")["Table"]["LatestStreamArn"]
    source = PUT_ITEM.replace('event.get("id")', 'event["Records"][0]["dynamodb"]["Keys"]["id"]["S"]')
    _function(aws, source, Environment={"Variables": {"TABLE": "sink"}})
    aws.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName="fn", StartingPosition="LATEST")
    aws.client("dynamodb").put_item(TableName="source", Item={"id": {"S": "order-7"}})
    items = _eventually(lambda: _items(aws, "sink"))
    assert items[0]["id"]["S"] == "order-7"
    assert json.loads(items[0]["event"]["S"])["Records"][0]["eventName"] == "INSERT"


def test_step_functions_lambda_task_returns_the_handlers_output(aws: Aws) -> None:
    _function(aws, "def handler(event, context):\n    return {'greeting': 'hello ' + event['name']}\n")
    function_arn = aws.client("lambda").get_function(FunctionName="fn")["Configuration"]["FunctionArn"]
    definition = {"StartAt": "Greet", "States": {"Greet": {"Type": "Task", "Resource": function_arn, "End": True}}}
    sfn = aws.client("stepfunctions")
    machine = sfn.create_state_machine(name="greeter", definition=json.dumps(definition),
                                       roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"name": "Ada"}))["executionArn"]

    def finished() -> dict[str, Any] | None:
        described = sfn.describe_execution(executionArn=execution)
        return described if described["status"] != "RUNNING" else None

    described = _eventually(finished)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"greeting": "hello Ada"}


def test_aws_cli_invoke(aws: Aws, target: Target, tmp_path: Path) -> None:
    _function(aws, "def handler(event, context):\n    print('from-cli')\n    return {'got': event}\n")
    out = tmp_path / "out.json"
    env = {**os.environ, **target.environ()}
    done = subprocess.run(
        [shutil.which("aws") or "aws", "lambda", "invoke", "--function-name", "fn", "--payload", '{"x": 1}',
         "--log-type", "Tail", str(out)],
        env=env, capture_output=True, text=True, timeout=120, check=True)
    reply = json.loads(done.stdout)
    assert reply["StatusCode"] == 200 and "FunctionError" not in reply
    assert "from-cli" in base64.b64decode(reply["LogResult"]).decode()
    assert json.loads(out.read_text()) == {"got": {"x": 1}}


def test_non_python_runtime_answers_a_clear_error(aws: Aws) -> None:
    _function(aws, "exports.handler = async () => 1;\n", Runtime="nodejs20.x")
    reply, payload = _invoke(aws, "fn")
    assert reply["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Emulator.UnsupportedRuntime"
    assert "runs Python functions only" in payload["errorMessage"] and "nodejs20.x" in payload["errorMessage"]


def test_moto_seams_keep_the_signatures_the_runner_replaces() -> None:
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.awslambda_simple.models import LambdaSimpleBackend

    def parameters(method: Callable[..., Any]) -> list[str]:
        return list(inspect.signature(method).parameters)

    assert parameters(LambdaFunction._invoke_lambda) == ["self", "event"]
    assert parameters(LambdaFunction.invoke) == ["self", "body", "request_headers", "response_headers"]
    backend_invoke = ["self", "function_name", "qualifier", "body", "headers", "response_headers"]
    assert parameters(LambdaBackend.invoke) == parameters(LambdaSimpleBackend.invoke) == backend_invoke
