"""Lambda functions really run: Python handlers execute in local worker processes, without Docker.

moto 5.2 runs a handler only inside a Docker container. The emulator has no Docker engine, so
``invoke`` echoed the request payload (``use_docker=False``) and event sources never reached code.
This extension replaces ``LambdaFunction._invoke_lambda(self, event) -> (payload, errored,
log_tail)``, moto's seam for running a function, with a runner of the function's real handler from
its uploaded zip (:mod:`mcredlab.emulator.lambda_pool`, :mod:`mcredlab.emulator.lambda_worker`):

* the zip is unpacked once per code SHA-256 under ``$MCREDLAB_HOME/lambda/code``. A worker process
  is one execution environment, keyed by function ARN and version, code SHA-256, handler, runtime,
  timeout, memory and environment variables: it imports the handler once and stays warm. New code
  or configuration gets new workers; a timeout kill or an exit ends one; at most eight stay idle,
  and one idle for five minutes is stopped at the next invocation;
* the handler sees its environment variables, the ``AWS_LAMBDA_*`` variables, ``AWS_REGION``, an
  awslambdaric-like ``context``, dummy credentials (``testing``) and ``AWS_ENDPOINT_URL`` of this
  emulator, so its own boto3 calls land in the same emulated account. The environment is built
  from scratch: nothing of the emulator's (a learner's credentials, ``~/.aws`` files) reaches it;
* ``print`` and ``logging`` output (root logger in AWS's format) goes to CloudWatch Logs group
  ``/aws/lambda/<name>``, one stream per worker, with ``INIT_START``/``START``/``END``/``REPORT``
  lines; ``LogType=Tail`` returns the invocation's last 4 KB;
* errors take AWS's shapes: ``X-Amz-Function-Error: Unhandled`` and ``{"errorMessage",
  "errorType", "requestId", "stackTrace"}``, with ``Runtime.ImportModuleError``,
  ``Runtime.HandlerNotFound``, ``Runtime.UserCodeSyntaxError``, ``Runtime.MarshalError``
  (``Decimal`` is serialised, as on AWS); a handler still running at the function's timeout is
  killed (``Sandbox.Timedout``, "Task timed out after N.00 seconds"); a worker that exits gives
  ``Runtime.ExitError``; a body that is not JSON is a 400 ``InvalidRequestContentException``;
* ``LambdaFunction.invoke`` is replaced too (moto's ran DryRun, blocked on Event, answered
  ``Handled``): RequestResponse runs and waits; Event answers 202 at once and runs in a background
  thread; DryRun answers 204 without running. Responses carry ``X-Amz-Executed-Version``;
* ``LambdaSimpleBackend.invoke`` (the backend ``use_docker=False`` selects; it echoed the payload)
  runs the function, unless a result was queued through ``/moto-api/static/lambda-simple/response``.
  SQS event source mappings and SNS subscriptions come this way; DynamoDB stream mappings call
  ``LambdaFunction.invoke``; Step Functions Lambda tasks call this server over HTTP once
  ``execute_state_machine`` is on, which ``install()`` sets.

Differs from AWS: handlers run on the emulator's own Python, whatever ``python3.x`` the runtime
names, with every package installed there; memory size and ephemeral storage are not enforced;
layers, extensions, container images and non-Python runtimes do not run (the invocation answers an
``Emulator.UnsupportedRuntime`` error saying so); ``context.invoked_function_arn`` is the version's
ARN, never an alias's; the response's ``x-amzn-RequestId`` is moto's, not the invocation's request
id (logs and error payloads carry that one); the handler's boto3 calls use the default account
whatever the execution role allows; asynchronous invocations are neither retried nor sent to
destinations or dead-letter queues; at most ten invocations run at once. Event sources follow moto,
except SQS: an SQS mapping is polled in batches (extension ``sqs_event_source_poller``); a DynamoDB
stream mapping runs it inside the write, with every record not yet delivered; SNS delivers
synchronously inside ``Publish``.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from typing import Any

from mcredlab.emulator.lambda_pool import FunctionSpec, Outcome, Pool

SEAMS = (
    ("moto.awslambda.models", "LambdaFunction", "_invoke_lambda"),
    ("moto.awslambda.models", "LambdaFunction", "invoke"),
    ("moto.awslambda.models", "LambdaBackend", "invoke"),
    ("moto.awslambda.models", "LambdaBackend", "send_sqs_batch"),  # SQS mapping -> backend.invoke
    ("moto.awslambda.models", "LambdaBackend", "send_dynamodb_items"),  # stream mapping -> function.invoke
    ("moto.awslambda.models", "_zipfile_content", None),  # sets code_bytes and code_digest (hex SHA-256)
    ("moto.awslambda.exceptions", "LambdaClientError", None),
    ("moto.awslambda_simple.models", "LambdaSimpleBackend", "invoke"),
    ("moto.sqs.models", "Queue", "add_message"),
    ("moto.dynamodb.models.table", "StreamShard", "add"),
    ("moto.logs.models", "logs_backends", None),
    ("moto.logs.models", "LogsBackend", "ensure_log_group"),
    ("moto.logs.models", "LogsBackend", "ensure_log_stream"),
    ("moto.logs.models", "LogsBackend", "put_log_events"),
    ("moto.core.config", "default_user_config", None),
    ("moto.settings", "moto_server_port", None),
)

logger = logging.getLogger(__name__)
_pool: Pool | None = None  # made by install(), in the emulator process


def _spec(function: Any) -> FunctionSpec:
    return FunctionSpec(
        name=function.function_name,
        arn=function.function_arn,
        version=str(function.version),
        runtime=function.run_time if function.package_type == "Zip" else None,
        handler=function.handler,
        timeout=int(function.timeout),
        memory_size=int(function.memory_size),
        region=function.region,
        environment=tuple(sorted((str(k), str(v)) for k, v in (function.environment_vars or {}).items())),
        code_sha256=getattr(function, "code_digest", "") or "none",
        generation=str(function.last_modified),
    )


def _write_logs(function: Any, outcome: Outcome) -> None:
    from moto.logs.models import logs_backends

    logs = logs_backends[function.account_id][function.region]
    group = f"/aws/lambda/{function.function_name}"
    logs.ensure_log_group(group)
    logs.ensure_log_stream(group, outcome.log_stream)
    logs.put_log_events(group, outcome.log_stream, [{"timestamp": t, "message": m} for t, m in outcome.events])


def run(function: Any, event: Any, request_id: str | None = None) -> Outcome:
    """Run ``function``'s handler on ``event`` (a JSON value) and log it to CloudWatch Logs."""
    assert _pool is not None, "install() makes the pool"
    outcome = _pool.invoke(_spec(function), getattr(function, "code_bytes", b""), event, request_id)
    try:
        _write_logs(function, outcome)
    except Exception:  # a deleted log group must not fail the invocation
        logger.exception("could not write the log of %s", function.function_name)
    return outcome


def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
    outcome = run(self, {} if event is None else event)
    return outcome.payload, outcome.errored, outcome.tail()


def _header(headers: Any, name: str) -> str | None:
    return next((str(v) for k, v in dict(headers or {}).items() if k.lower() == name), None)


def invoke(self: Any, body: str | bytes | None, request_headers: Any, response_headers: Any) -> bytes:
    """``LambdaFunction.invoke``: RequestResponse runs; Event runs in the background; DryRun does not run."""
    from moto.awslambda.exceptions import LambdaClientError

    try:
        event = json.loads(body) if body else {}
    except ValueError as error:
        raise LambdaClientError("InvalidRequestContentException", f"Could not parse request body into json: {error}") from None
    invocation_type = _header(request_headers, "x-amz-invocation-type") or "RequestResponse"
    response_headers["x-amz-executed-version"] = str(self.version)
    if invocation_type == "DryRun":
        return b""
    if invocation_type == "Event":
        threading.Thread(target=run, args=(self, event), daemon=True, name=f"lambda-event-{self.function_name}").start()
        return b""
    outcome = run(self, event, str(uuid.uuid4()))
    if outcome.errored:
        response_headers["x-amz-function-error"] = "Unhandled"
    response_headers["x-amz-log-result"] = base64.b64encode(outcome.tail().encode()).decode()
    return outcome.payload.encode()


def _simple_backend_invoke(self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any,
                           response_headers: Any) -> str | bytes | None:
    if self.lambda_simple_results_queue:  # moto's documented way to script answers still wins
        return str.encode(self.lambda_simple_results_queue.pop(0))
    from moto.awslambda.models import LambdaBackend

    return LambdaBackend.invoke(self, function_name, qualifier, body, headers, response_headers)


def _patch_lambda() -> None:
    from moto.awslambda.models import LambdaFunction

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
    LambdaFunction.invoke = invoke  # type: ignore[method-assign]


def _patch_lambda_simple() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    LambdaSimpleBackend.invoke = _simple_backend_invoke  # type: ignore[method-assign]


def install() -> None:
    """Set the config now (``/moto-api/config`` shows it); patch Lambda's classes once moto imports them."""
    global _pool
    from moto import settings
    from moto.core.config import default_user_config

    from mcredlab.emulator.extensions import when_imported
    from mcredlab.home import home

    _pool = Pool(home() / "lambda" / "code", f"http://127.0.0.1:{settings.moto_server_port()}")
    when_imported("moto.awslambda.models", _patch_lambda)
    when_imported("moto.awslambda_simple.models", _patch_lambda_simple)
    default_user_config["stepfunctions"]["execute_state_machine"] = True
