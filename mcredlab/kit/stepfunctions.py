"""Step Functions state machines for labs: readers of a machine, its definition and its executions' histories,
and how a state's ``Retry`` and ``Catch`` decide for an error, as the service does."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from mcredlab.kit.reading import or_none
from mcredlab.target import Aws

def state_machine_arn(aws: Aws, name: str) -> str:
    """The ARN a state machine called ``name`` has (or would have) in this account and region."""
    return f"arn:aws:states:{aws.region}:{aws.account_id}:stateMachine:{name}"


def state_machine(aws: Aws, name: str) -> dict[str, Any] | None:
    """The state machine ``name`` as DescribeStateMachine returns it (``definition``, ``roleArn``, ``type``), or
    ``None``."""
    found = or_none(aws.client("stepfunctions").describe_state_machine,
                    stateMachineArn=state_machine_arn(aws, name))
    return None if found is None else dict(found)


def definition(found: Mapping[str, Any]) -> dict[str, Any]:
    """The definition of a described state machine as a document (empty when it is not JSON)."""
    try:
        document = json.loads(str(found.get("definition") or "{}"))
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def executions(aws: Aws, name: str, *, newest: int = 10) -> list[dict[str, Any]]:
    """The ``newest`` executions of state machine ``name``, newest first (none when it does not exist)."""
    found = or_none(aws.client("stepfunctions").list_executions, stateMachineArn=state_machine_arn(aws, name),
                    maxResults=newest)
    listed = [dict(e) for e in (found or {}).get("executions", [])]
    return sorted(listed, key=lambda e: e.get("startDate") or 0, reverse=True)


def history(aws: Aws, execution_arn: str) -> list[dict[str, Any]]:
    """The events of an execution, oldest first (at most 1,000: a lab's executions are short)."""
    found = or_none(aws.client("stepfunctions").get_execution_history, executionArn=execution_arn,
                    maxResults=1000)
    return [dict(e) for e in (found or {}).get("events", [])]


def execution_input(events: Sequence[Mapping[str, Any]]) -> Any:
    """The input an execution started with, read from its history (``None`` when it is not JSON)."""
    for event in events:
        if event.get("type") == "ExecutionStarted":
            try:
                return json.loads(str(event.get("executionStartedEventDetails", {}).get("input") or "null"))
            except ValueError:
                return None
    return None


def entered(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """The names of the states an execution entered, in order."""
    return [str(e["stateEnteredEventDetails"]["name"]) for e in events
            if str(e.get("type", "")).endswith("StateEntered") and "stateEnteredEventDetails" in e]


def task_errors(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """The errors of an execution's failed task attempts, in order (a Lambda task that fails reports a
    ``TaskFailed`` event, or ``LambdaFunctionFailed`` for a function ARN as its resource)."""
    details = {"TaskFailed": "taskFailedEventDetails", "LambdaFunctionFailed": "lambdaFunctionFailedEventDetails",
               "TaskTimedOut": "taskTimedOutEventDetails", "LambdaFunctionTimedOut": "lambdaFunctionTimedOutEventDetails"}
    return [str(e.get(details[str(e["type"])], {}).get("error", "")) for e in events if e.get("type") in details]


# -- how Retry and Catch decide ----------------------------------------------------------------------


def error_matches(error_equals: Sequence[str], error: str) -> bool:
    """Whether an ``ErrorEquals`` list matches ``error``: by name, ``States.ALL`` for any error, and
    ``States.TaskFailed`` for any error but ``States.Timeout``."""
    return any(name == error or name == "States.ALL" or (name == "States.TaskFailed" and error != "States.Timeout")
               for name in error_equals)


def first_match(rules: Sequence[Mapping[str, Any]] | None, error: str) -> dict[str, Any] | None:
    """The retrier or catcher that handles ``error``: the first whose ``ErrorEquals`` matches it, or ``None``."""
    return next((dict(rule) for rule in rules or () if error_matches(list(rule.get("ErrorEquals") or ()), error)),
                None)


def retry_settings(retrier: Mapping[str, Any]) -> tuple[int, float, float]:
    """A retrier's ``MaxAttempts``, ``IntervalSeconds`` and ``BackoffRate``, with the service's defaults (3, 1, 2)."""
    return (int(retrier.get("MaxAttempts", 3)), float(retrier.get("IntervalSeconds", 1)),
            float(retrier.get("BackoffRate", 2.0)))
