"""``start-execution`` without ``--name`` gets a fresh name, as on AWS.

moto 5.2.5's Step Functions parser (the backend that really runs executions, switched on by the
``lambda_runner`` extension) builds the execution ARN from the ``name`` parameter as given, so an
unnamed execution was ``...:execution:<machine>:None``, and a second unnamed start of the same
machine failed with ``ExecutionAlreadyExists``. AWS names an unnamed execution with a UUID. Here
``StepFunctionsParserBackend.start_execution`` gives it one (moto's non-parser backend does the
same), and checks a given name with moto's own name rules (invalid characters, at most 80), which
the parser skipped.

Measured with the runner in place, nothing else needed changing: a Lambda task (a function ARN as
``Resource`` or ``arn:aws:states:::lambda:invoke``) fails with the handler's ``errorType`` as its
error (``ValueError``), ``Retry`` on it or on ``States.TaskFailed`` retries ``MaxAttempts`` times
after ``IntervalSeconds`` (times ``BackoffRate``, honoured exactly), and ``Catch`` routes to its
state with the error at ``ResultPath``.

Still unlike AWS: the name is not checked for AWS's other rules (only moto's character list), and
the ``lambda:invoke`` result lacks ``SdkHttpMetadata``/``SdkResponseMetadata``.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

SEAMS = (
    ("moto.stepfunctions.parser.models", "StepFunctionsParserBackend", "start_execution"),
    ("moto.stepfunctions.models", "StepFunctionBackend", "_validate_name"),
)


def install() -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    moto_start = StepFunctionsParserBackend.start_execution

    @functools.wraps(moto_start)
    def start_execution(self: Any, state_machine_arn: str, name: Any = None, execution_input: Any = None,
                        trace_header: Any = None) -> Any:
        if name:
            self._validate_name(name)
        else:
            name = str(uuid.uuid4())
        return moto_start(self, state_machine_arn, name, execution_input, trace_header)

    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]
