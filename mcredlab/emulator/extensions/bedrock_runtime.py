"""Amazon Bedrock Runtime that answers: ApplyGuardrail, InvokeModel and Converse, offline and deterministic.

moto 5.2.5 has no ApplyGuardrail and no Converse, and its InvokeModel answers ``{}`` for any model.
Here, on moto's ``BedrockRuntimeResponse``:

* ApplyGuardrail evaluates a guardrail of :mod:`mcredlab.emulator.guardrail_store` (``DRAFT`` or a
  numbered version) with the deterministic rules of :mod:`mcredlab.emulator.guardrail_engine`;
* InvokeModel (Anthropic Claude messages, Amazon Titan Text, Amazon Nova bodies) and Converse answer
  with the echo model of :mod:`mcredlab.emulator.bedrock_inference`, and apply the guardrail named
  by the ``X-Amzn-Bedrock-GuardrailIdentifier``/``-GuardrailVersion`` headers or ``guardrailConfig``
  to input and output, as Bedrock does (``amazon-bedrock-guardrailAction``, ``amazon-bedrock-trace``,
  stopReason ``guardrail_intervened``).

The operations of ``NOT_EMULATED`` (streaming, CountTokens, async invocation, InvokeGuardrailChecks) answer a
``ValidationException`` that names the offline limitation. Differs from AWS: see docs/bedrock-offline.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto.bedrockruntime.responses import BedrockRuntimeResponse
    from moto.core.responses import ActionResult

    from mcredlab.emulator.bedrock_inference import Guard

SEAMS = (
    ("moto.bedrockruntime.responses", "BedrockRuntimeResponse", "invoke_model"),
    ("moto.bedrockruntime.responses", "BedrockRuntimeResponse", "__init__"),
    ("moto.core.responses", "BaseResponse", "_get_param"),
    ("moto.core.responses", "BaseResponse", "setup_class"),  # parses requests when automated_parameter_parsing
    ("moto.core.responses", "BaseResponse", "parse_parameters"),
    ("moto.core.responses", "BaseResponse", "_get_action"),
    ("moto.core.responses", "BaseResponse", "call_action"),
    ("moto.core.responses", "ActionResult", None),
    ("moto.core.exceptions", "ServiceException", None),
    ("moto.core.utils", "camelcase_to_underscores", None),  # call_action's name for an operation's method
)

JSON = "application/json"


def _params(response: BedrockRuntimeResponse) -> dict[str, Any]:
    """The parsed request (moto parses Bedrock Runtime requests by the model), checked by the model."""
    from mcredlab.emulator import guardrail_store as store

    params = dict(response.params) | dict(response.uri_match or {})
    store.raise_for(store.input_errors("bedrock-runtime", response._get_action(), params))
    return params


def _guard(response: BedrockRuntimeResponse, identifier: str | None, version: str | None,
           full_output: bool = False) -> Guard | None:
    """The guardrail a request names (both identifier and version, or neither)."""
    from mcredlab.emulator import guardrail_store as store
    from mcredlab.emulator.bedrock_inference import Guard

    if not identifier and not version:
        return None
    if not identifier or not version:
        raise store.ValidationException("A guardrail needs both guardrailIdentifier and guardrailVersion.")
    guardrail = store.backend(response.current_account, response.region).find(identifier)
    return Guard(guardrail.describe(version), guardrail.guardrail_id, version, guardrail.arn, full_output)


def _answer(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run()``, with a request the model refuses reported as a ValidationException."""
    from mcredlab.emulator import guardrail_store as store
    from mcredlab.emulator.bedrock_inference import InvalidRequest

    try:
        return run()
    except InvalidRequest as problem:
        raise store.ValidationException(str(problem)) from None


def _result(answer: dict[str, Any]) -> ActionResult:
    from moto.core.responses import ActionResult

    return ActionResult(answer)


def apply_guardrail(self: BedrockRuntimeResponse) -> ActionResult:
    """Text blocks qualified only as ``grounding_source`` or ``query`` are context: counted, not evaluated."""
    from mcredlab.emulator.bedrock_inference import guarded_block

    params = _params(self)
    guard = _guard(self, params["guardrailIdentifier"], params["guardrailVersion"],
                   full_output=params.get("outputScope") == "FULL")
    assert guard is not None
    blocks = [block["text"] for block in params.get("content") or [] if "text" in block]
    guarded = [block["text"] for block in blocks if guarded_block(block.get("qualifiers"))]
    evaluation = guard.evaluate(params["source"], guarded)
    return _result(evaluation.response(total_characters=sum(len(block["text"]) for block in blocks)))


def _body_text(body: Any) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8")
    return body if isinstance(body, str) else json.dumps(body or {})


def invoke_model(self: BedrockRuntimeResponse) -> ActionResult:
    from mcredlab.emulator import bedrock_inference, guardrail_store

    params = _params(self)
    trace = params.get("trace") or "DISABLED"
    guard = _guard(self, params.get("guardrailIdentifier"), params.get("guardrailVersion"),
                   full_output=trace == "ENABLED_FULL")
    content_type = str(params.get("contentType") or JSON).split(";")[0].strip()
    if guard is not None and content_type != JSON:
        raise guardrail_store.ValidationException("A guardrail can only be applied when the contentType is application/json.")
    answer = _answer(lambda: bedrock_inference.invoke_model(params["modelId"], _body_text(params.get("body")), guard,
                                                            trace=trace != "DISABLED"))
    return _result({
        "body": json.dumps(answer),
        "contentType": JSON,
        "performanceConfigLatency": params.get("performanceConfigLatency") or "standard",
        "serviceTier": params.get("serviceTier") or "default",
    })


def converse(self: BedrockRuntimeResponse) -> ActionResult:
    from mcredlab.emulator import bedrock_inference

    params = _params(self)
    config = params.get("guardrailConfig") or {}
    trace = config.get("trace") or "disabled"
    guard = None
    if config:
        guard = _guard(self, config.get("guardrailIdentifier") or "", config.get("guardrailVersion") or "-",
                       full_output=trace == "enabled_full")
    answer = _answer(lambda: bedrock_inference.converse(
        params["modelId"], params.get("messages") or [], params.get("system") or [],
        params.get("inferenceConfig") or {}, guard, trace=trace != "disabled"))
    return _result(answer)


OPERATIONS = (apply_guardrail, invoke_model, converse)

# Operations the emulator does not answer, and what to use instead. Without a method of their name, moto
# raises NotImplementedError: an HTML 500 that botocore retries. They answer a 400 ValidationException instead.
NOT_EMULATED = {
    "ConverseStream": "use Converse",
    "InvokeModelWithResponseStream": "use InvokeModel",
    "InvokeModelWithBidirectionalStream": "use InvokeModel or Converse",
    "CountTokens": "read the token usage that InvokeModel and Converse answer",
    "InvokeGuardrailChecks": "use ApplyGuardrail",
    "StartAsyncInvoke": "use InvokeModel",
    "GetAsyncInvoke": "use InvokeModel",
    "ListAsyncInvokes": "use InvokeModel",
}


def not_emulated_message(operation: str) -> str:
    return f"{operation} is not emulated offline; {NOT_EMULATED[operation]}."


def _not_emulated(operation: str) -> Callable[[BedrockRuntimeResponse], ActionResult]:
    def answer(self: BedrockRuntimeResponse) -> ActionResult:
        from mcredlab.emulator import guardrail_store

        raise guardrail_store.ValidationException(not_emulated_message(operation))

    from moto.core.utils import camelcase_to_underscores

    answer.__name__ = camelcase_to_underscores(operation)
    return answer


def install() -> None:
    from moto.bedrockruntime.responses import BedrockRuntimeResponse

    for operation in (*OPERATIONS, *map(_not_emulated, NOT_EMULATED)):
        setattr(BedrockRuntimeResponse, operation.__name__, operation)
