"""One Lambda execution environment: imports a Python handler once and runs it for each invocation.

Started by :mod:`mcredlab.emulator.lambda_pool` as ``python lambda_worker.py`` (standard library
only, run by path so nothing of mcredlab is importable) in the function's unpacked code directory,
with an environment built for the function. Protocol, one JSON object per line:

* stdin (parent to worker): ``{"request_id", "event" (JSON text), "invoked_function_arn", "timeout_ms"}``;
* the *original* stdout (worker to parent): ``{"started": true, "init_ms": float | null}`` when the
  handler starts, then ``{"payload": JSON text, "errored": bool}`` when it ends. An init failure
  sends only the result, then the worker exits, so the next invocation initialises again, as on AWS.
* the log pipe gets :data:`START_MARKER` on a line of its own when the handler starts, so the
  parent can place ``START RequestId`` after the init output.

File descriptors 1 and 2 of the handler both go to the parent's log pipe (``print`` output ends
up in CloudWatch Logs); the handler's stdin is ``/dev/null``.
"""

from __future__ import annotations

import decimal
import importlib
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import IO, Any

Handler = Callable[[Any, Any], Any]
START_MARKER = "\x1emcredlab-lambda-handler-starts\x1e"


class FaultError(Exception):
    """An error of the runtime itself, reported with its AWS ``Runtime.*`` error type."""

    def __init__(self, error_type: str, message: str, stack: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type, self.message, self.stack = error_type, message, stack or []


class LambdaContext:
    """What the Python runtime on AWS passes as ``context`` (awslambdaric's ``LambdaContext``)."""

    def __init__(self, request_id: str, invoked_function_arn: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")  # a str, as on AWS
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = None
        self.identity = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, message: str) -> None:
        sys.stdout.write(message)


_request_id = ""  # of the invocation running now, for log lines


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _request_id
        return True


def _install_root_log_handler() -> None:
    """Like AWS: the root logger writes ``[LEVEL]\\ttime\\trequest id\\tmessage`` (level stays WARNING)."""
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                                  "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    handler.terminator = ""
    logging.getLogger().addHandler(handler)


def load_handler(name: str) -> Handler:
    """The handler named ``module.function``, raising the errors the AWS Python runtime raises."""
    try:
        module_name, function_name = name.rsplit(".", 1)
    except ValueError as error:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{name}': {error}") from None
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultError("Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_name} as a handler module")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise FaultError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}") from None
    except SyntaxError as error:
        stack = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        raise FaultError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}", stack) from None
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise FaultError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return handler  # type: ignore[no-any-return]


def _decimal(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):  # what boto3 gives for DynamoDB numbers
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def error_payload(request_id: str, error: BaseException) -> dict[str, Any]:
    """``{"errorMessage", "errorType", "requestId", "stackTrace"}`` as AWS returns for a Python error."""
    if isinstance(error, FaultError):
        return {"errorMessage": error.message, "errorType": error.error_type, "requestId": request_id,
                "stackTrace": error.stack}
    frames = traceback.extract_tb(error.__traceback__)
    frames = traceback.StackSummary([f for f in frames if f.filename != __file__ and not f.filename.startswith("<frozen")])
    return {"errorMessage": str(error), "errorType": type(error).__name__, "requestId": request_id,
            "stackTrace": traceback.format_list(frames)}


def _log_error(payload: dict[str, Any]) -> None:
    """The ``[ERROR]`` log line of the AWS runtime; ``\\r`` keeps the traceback one log event."""
    lines = [f"[ERROR] {payload['errorType']}: {payload['errorMessage']}", "Traceback (most recent call last):"]
    lines += [frame.rstrip("\n") for frame in payload["stackTrace"]]
    sys.stdout.write("\r".join(lines).replace("\n", "\r") + "\n")


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def _run(handler: Handler, request: dict[str, Any]) -> tuple[str, bool]:
    deadline_ms = int(time.time() * 1000) + int(request["timeout_ms"])
    context = LambdaContext(request["request_id"], request["invoked_function_arn"], deadline_ms)
    try:
        result = handler(json.loads(request["event"] or "{}"), context)
    except Exception as error:  # noqa: BLE001 - any error of the handler is the function's error
        payload = error_payload(request["request_id"], error)
        _log_error(payload)
        return json.dumps(payload), True
    try:
        return json.dumps(result, default=_decimal), False
    except (TypeError, ValueError) as error:
        payload = error_payload(request["request_id"],
                                FaultError("Runtime.MarshalError", f"Unable to marshal response: {error}"))
        _log_error(payload)
        return json.dumps(payload), True


def _exit_with_parent() -> None:
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def main() -> None:
    global _request_id
    requests = os.fdopen(os.dup(0), "r")
    results = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # print() goes to the log pipe, like stderr
    sys.path[0] = os.environ["LAMBDA_TASK_ROOT"]
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    _install_root_log_handler()

    handler: Handler | None = None
    for line in requests:
        request = json.loads(line)
        _request_id = request["request_id"]
        init_ms = None
        if handler is None:
            started = time.perf_counter()
            try:
                handler = load_handler(os.environ["_HANDLER"])
            except Exception as error:  # noqa: BLE001 - init errors are reported, then the worker ends
                payload = error_payload(_request_id, error)
                _log_error(payload)
                _send(results, {"payload": json.dumps(payload), "errored": True})
                return
            init_ms = (time.perf_counter() - started) * 1000
        sys.stdout.flush()
        os.write(1, (START_MARKER + "\n").encode())  # where the init output ends in the log pipe
        _send(results, {"started": True, "init_ms": init_ms})
        payload_text, errored = _run(handler, request)
        _send(results, {"payload": payload_text, "errored": errored})


if __name__ == "__main__":
    main()
