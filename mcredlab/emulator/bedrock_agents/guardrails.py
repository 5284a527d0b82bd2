"""An agent's guardrail, applied offline: read through the emulator's own ``GetGuardrail`` and judged
by :mod:`mcredlab.emulator.guardrail_engine`.

The guardrail is read by sending ``GetGuardrail`` to moto's Bedrock response class inside this
process (the access key is the agent's account id, which moto takes as the account), so whatever
extension keeps guardrails, its public API is the contract. Where the emulator has no guardrails
(``GetGuardrail`` not implemented, or no engine), :func:`lookup` answers ``UNAVAILABLE`` and the
agent runs unguarded, saying so in its trace.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlencode

UNAVAILABLE = "UNAVAILABLE"
MISSING = "MISSING"


@dataclass(frozen=True)
class Verdict:
    """What the guardrail did to one text: its action, the text to go on with, and the assessment."""

    action: Literal["INTERVENED", "NONE"]
    blocked: bool
    text: str
    assessment: dict[str, Any]


def _guardrail_id(identifier: str) -> str:
    return identifier.rsplit("guardrail/", 1)[-1]


def lookup(account_id: str, region: str, configuration: dict[str, Any]) -> dict[str, Any] | str:
    """The guardrail an agent names, as ``GetGuardrail`` answers; or ``MISSING`` / ``UNAVAILABLE``."""
    from moto.bedrock.responses import BedrockResponse
    from moto.core.request import Request

    identifier = _guardrail_id(str(configuration.get("guardrailIdentifier") or ""))
    scope = f"{account_id}/20240101/{region}/bedrock/aws4_request"
    request = Request.from_values(
        method="GET",
        base_url=f"https://bedrock.{region}.amazonaws.com",
        path=f"/guardrails/{quote(identifier, safe='')}",
        query_string=urlencode({"guardrailVersion": str(configuration.get("guardrailVersion") or "DRAFT")}),
        headers={"Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0"},
    )
    try:
        status, _, body = BedrockResponse.dispatch(request, request.url, dict(request.headers))
    except NotImplementedError:
        return UNAVAILABLE
    if int(status) == 404 or (int(status) == 400 and "ResourceNotFound" in str(body)):
        return MISSING
    if int(status) != 200:
        return UNAVAILABLE
    guardrail: dict[str, Any] = json.loads(body)
    return guardrail


def apply(guardrail: dict[str, Any], source: Literal["INPUT", "OUTPUT"], text: str) -> Verdict | None:
    """The guardrail's verdict on ``text``; ``None`` if the emulator has no guardrail engine."""
    try:
        from mcredlab.emulator import guardrail_engine
    except ImportError:
        return None
    evaluation = guardrail_engine.evaluate(guardrail, source, [text])
    intervened = evaluation.action == "GUARDRAIL_INTERVENED"
    outcome = evaluation.outputs[0] if intervened and evaluation.outputs else text
    return Verdict("INTERVENED" if intervened else "NONE", evaluation.blocked, outcome, evaluation.assessment)
