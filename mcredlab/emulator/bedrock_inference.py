"""Deterministic offline foundation models, with guardrails applied as Bedrock applies them.

Pure Python, no moto: :func:`invoke_model` and :func:`converse` answer what the Bedrock runtime
operations of those names answer, for three model families (request and response bodies as each
provider defines them): Anthropic Claude (messages API), Amazon Titan Text and Amazon Nova.

The "model" is an echo: its reply is ``"You said: "`` followed by the text of the last user message
(see :func:`echo`). A token is four characters, rounded up. ``max_tokens``-style limits cut the reply
to that many tokens' worth of characters; a stop sequence cuts it before its first occurrence.

With a guardrail, the guarded input is evaluated first (:mod:`mcredlab.emulator.guardrail_engine`):
blocked input never reaches the model and the reply is the guardrail's blocked input message;
anonymized input reaches the model masked. The reply is then evaluated as OUTPUT: blocked becomes
the blocked output message, anonymized is masked.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from mcredlab.emulator.guardrail_engine import Evaluation, evaluate

ECHO_PREFIX = "You said: "
CHARACTERS_PER_TOKEN = 4
INVALID_MODEL = "The provided model identifier is invalid."
_REGION_PREFIXES = {"us", "eu", "apac", "ap", "global", "jp", "au", "ca", "us-gov"}
StopReason = Literal["end_turn", "max_tokens", "stop_sequence"]


class InvalidRequest(ValueError):
    """The request is not one the model or Bedrock accepts: a ``ValidationException``."""


def tokens(text: str) -> int:
    """Tokens of ``text``: one per four characters, rounded up."""
    return math.ceil(len(text) / CHARACTERS_PER_TOKEN)


@dataclass(frozen=True)
class Reply:
    """What the echo model says, and why it stopped."""

    text: str
    stop_reason: StopReason = "end_turn"
    stop_sequence: str | None = None


def echo(user_text: str, max_tokens: int | None = None, stop_sequences: Sequence[str] = ()) -> Reply:
    """``"You said: " + user_text``, cut before the first stop sequence, then to ``max_tokens`` tokens."""
    text = ECHO_PREFIX + user_text
    found = [(text.find(seq), seq) for seq in stop_sequences if seq and seq in text]
    if found:
        position, sequence = min(found)
        return Reply(text[:position], "stop_sequence", sequence)
    if max_tokens is not None and tokens(text) > max_tokens:
        return Reply(text[: max_tokens * CHARACTERS_PER_TOKEN], "max_tokens")
    return Reply(text)


# ---------------------------------------------------------------------------------------------
# Prompts: the texts of a request, which of them the guardrail sees, which one the model answers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A guarded piece of prompt text: ``texts[index][start:end]``."""

    index: int
    start: int
    end: int


@dataclass(frozen=True)
class Prompt:
    """A request reduced to its texts, what the guardrail evaluates, and what the model needs."""

    texts: tuple[str, ...]
    guarded: tuple[Segment, ...]
    last_user: int  # index into texts of the last user message (-1: none)
    max_tokens: int | None = None
    stop_sequences: tuple[str, ...] = ()

    def segment_texts(self) -> list[str]:
        return [self.texts[s.index][s.start : s.end] for s in self.guarded]

    def masked(self, outputs: Sequence[str]) -> Prompt:
        """The prompt with each guarded segment replaced by its anonymized text."""
        texts = list(self.texts)
        for segment, text in sorted(zip(self.guarded, outputs, strict=True), key=lambda p: (p[0].index, -p[0].start)):
            texts[segment.index] = texts[segment.index][: segment.start] + text + texts[segment.index][segment.end :]
        return replace(self, texts=tuple(texts), guarded=())

    @property
    def user_text(self) -> str:
        return self.texts[self.last_user] if self.last_user >= 0 else ""

    @property
    def input_tokens(self) -> int:
        return sum(tokens(text) for text in self.texts)


def whole(texts: Sequence[str], indexes: Sequence[int] | None = None) -> tuple[Segment, ...]:
    """Segments covering whole texts (all of them, or those at ``indexes``)."""
    chosen = range(len(texts)) if indexes is None else indexes
    return tuple(Segment(i, 0, len(texts[i])) for i in chosen if texts[i])


def _tag_pattern(suffix: str) -> re.Pattern[str]:
    tag = re.escape(f"amazon-bedrock-guardrails-guardContent_{suffix}")
    return re.compile(rf"<{tag}>(.*?)</{tag}>", re.DOTALL)


def tagged(texts: Sequence[str], suffix: str) -> tuple[tuple[str, ...], tuple[Segment, ...]]:
    """InvokeModel input tags: the texts without the tags, and the segments the tags enclosed."""
    pattern, stripped, segments = _tag_pattern(suffix), [], []
    for index, text in enumerate(texts):
        out, position = "", 0
        for found in pattern.finditer(text):
            out += text[position : found.start()]
            segments.append(Segment(index, len(out), len(out) + len(found.group(1))))
            out += found.group(1)
            position = found.end()
        stripped.append(out + text[position:])
    return tuple(stripped), tuple(segments)


# ---------------------------------------------------------------------------------------------
# Model families and their InvokeModel bodies
# ---------------------------------------------------------------------------------------------


def base_model_id(model_id: str) -> str:
    """``anthropic.claude-3-haiku-20240307-v1:0`` from an ARN, an inference profile or the id itself."""
    if model_id.startswith("arn:"):
        model_id = model_id.rsplit("/", 1)[-1]
    first, _, rest = model_id.partition(".")
    return rest if first in _REGION_PREFIXES and "." in rest else model_id


def family(model_id: str) -> str:
    """``claude``, ``titan`` or ``nova``; raises :class:`InvalidRequest` for any other model."""
    base = base_model_id(model_id)
    if base.startswith("anthropic.claude"):
        return "claude"
    if base.startswith(("amazon.titan-text", "amazon.titan-tg1")):
        return "titan"
    if base.startswith("amazon.nova-") and not base.startswith(("amazon.nova-canvas", "amazon.nova-reel",
                                                                 "amazon.nova-sonic")):
        return "nova"
    raise InvalidRequest(INVALID_MODEL)


def _malformed(detail: str) -> InvalidRequest:
    return InvalidRequest(f"Malformed input request: {detail}, please reformat your input and try again.")


def _require(body: Mapping[str, Any], *keys: str) -> None:
    for key in keys:
        if key not in body:
            raise _malformed(f"#: required key [{key}] not found")


def _json_type(value: Any) -> str:
    """The JSON type of a parsed value, named as Bedrock's schema validation names it."""
    if value is None:
        return "Null"
    for kind, name in ((bool, "Boolean"), (int, "Integer"), (float, "Double"), (str, "String"),
                       (list, "JSONArray"), (dict, "JSONObject")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _expect(value: Any, path: str, *types: str) -> Any:
    """``value``, if its JSON type is one of ``types`` (``Number``: Integer or Double); else malformed input."""
    found = _json_type(value)
    if found in types or ("Number" in types and found in ("Integer", "Double")):
        return value
    raise _malformed(f"{path}: expected type: {' or '.join(types)}, found: {found}")


def _optional(body: Mapping[str, Any], key: str, parent: str, *types: str) -> Any:
    """``body[key]`` checked to be one of ``types``; ``None`` when it is absent (or null)."""
    value = body.get(key)
    return None if value is None else _expect(value, f"{parent}/{key}", *types)


def _strings(body: Mapping[str, Any], key: str, parent: str) -> tuple[str, ...]:
    """An optional array of strings (stop sequences)."""
    values = _optional(body, key, parent, "JSONArray") or []
    return tuple(_expect(value, f"{parent}/{key}/{i}", "String") for i, value in enumerate(values))


def _block_texts(content: Any, path: str, text_key: str = "text") -> list[str]:
    if isinstance(content, str):
        return [content]
    _expect(content, path, "String", "JSONArray")
    texts = []
    for i, block in enumerate(content):
        _expect(block, f"{path}/{i}", "JSONObject")
        if text_key in block:
            texts.append(_expect(block[text_key], f"{path}/{i}/{text_key}", "String"))
    return texts


def _message_prompt(messages: Any, system: Sequence[str]) -> tuple[list[str], int]:
    """System texts then each message's texts; the index of the last user message's last text."""
    _expect(messages, "#/messages", "JSONArray")
    if not messages:
        raise _malformed("#/messages: expected minimum item count: 1")
    texts, last_user = list(system), -1
    for i, message in enumerate(messages):
        _expect(message, f"#/messages/{i}", "JSONObject")
        if message.get("role") not in ("user", "assistant"):
            raise _malformed("#/messages: role must be user or assistant")
        for text in _block_texts(message.get("content", []), f"#/messages/{i}/content"):
            texts.append(text)
            if message["role"] == "user":
                last_user = len(texts) - 1
    return texts, last_user


def claude_prompt(body: Mapping[str, Any]) -> Prompt:
    _require(body, "anthropic_version", "max_tokens", "messages")
    _expect(body["anthropic_version"], "#/anthropic_version", "String")
    max_tokens = _expect(body["max_tokens"], "#/max_tokens", "Integer")
    for key, kind in (("temperature", "Number"), ("top_p", "Number"), ("top_k", "Integer")):
        _optional(body, key, "#", kind)
    system = _block_texts(_optional(body, "system", "#", "String", "JSONArray") or [], "#/system")
    texts, last_user = _message_prompt(body["messages"], system)
    return Prompt(tuple(texts), whole(texts), last_user, max_tokens, _strings(body, "stop_sequences", "#"))


def titan_prompt(body: Mapping[str, Any]) -> Prompt:
    _require(body, "inputText")
    texts = (_expect(body["inputText"], "#/inputText", "String"),)
    config = _optional(body, "textGenerationConfig", "#", "JSONObject") or {}
    path = "#/textGenerationConfig"
    for key in ("temperature", "topP"):
        _optional(config, key, path, "Number")
    return Prompt(texts, whole(texts), 0, _optional(config, "maxTokenCount", path, "Integer"),
                  _strings(config, "stopSequences", path))


def nova_prompt(body: Mapping[str, Any]) -> Prompt:
    _require(body, "messages")
    config = _optional(body, "inferenceConfig", "#", "JSONObject") or {}
    path = "#/inferenceConfig"
    for key, kind in (("temperature", "Number"), ("topP", "Number"), ("topK", "Integer")):
        _optional(config, key, path, kind)
    max_new_tokens, max_tokens = (_optional(config, key, path, "Integer") for key in ("max_new_tokens", "maxTokens"))
    system = _block_texts(_optional(body, "system", "#", "String", "JSONArray") or [], "#/system")
    texts, last_user = _message_prompt(body["messages"], system)
    return Prompt(tuple(texts), whole(texts), last_user, max_new_tokens or max_tokens,
                  _strings(config, "stopSequences", path))


def _message_id(seed: str) -> str:
    return "msg_bdrk_01" + hashlib.sha256(seed.encode()).hexdigest()[:22]


def claude_body(model_id: str, reply: Reply, prompt: Prompt, intervened: bool) -> dict[str, Any]:
    name = base_model_id(model_id).removeprefix("anthropic.").split("-v")[0]
    return {
        "id": _message_id(json.dumps(prompt.texts) + reply.text),
        "type": "message",
        "role": "assistant",
        "model": name,
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": "guardrail_intervened" if intervened else reply.stop_reason,
        "stop_sequence": reply.stop_sequence,
        "usage": {"input_tokens": prompt.input_tokens, "output_tokens": tokens(reply.text)},
    }


def titan_body(model_id: str, reply: Reply, prompt: Prompt, intervened: bool) -> dict[str, Any]:
    reason = {"end_turn": "FINISH", "max_tokens": "LENGTH", "stop_sequence": "STOP_CRITERIA_MET"}[reply.stop_reason]
    return {
        "inputTextTokenCount": prompt.input_tokens,
        "results": [{"tokenCount": tokens(reply.text), "outputText": reply.text,
                     "completionReason": "CONTENT_FILTERED" if intervened else reason}],
    }


def nova_body(model_id: str, reply: Reply, prompt: Prompt, intervened: bool) -> dict[str, Any]:
    output_tokens = tokens(reply.text)
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": reply.text}]}},
        "stopReason": "guardrail_intervened" if intervened else reply.stop_reason,
        "usage": {"inputTokens": prompt.input_tokens, "outputTokens": output_tokens,
                  "totalTokens": prompt.input_tokens + output_tokens,
                  "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 0},
    }


PROMPTS = {"claude": claude_prompt, "titan": titan_prompt, "nova": nova_prompt}
BODIES = {"claude": claude_body, "titan": titan_body, "nova": nova_body}


# ---------------------------------------------------------------------------------------------
# Guarded generation, shared by InvokeModel and Converse
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    """A guardrail to apply: its configuration (as GetGuardrail returns it) and who it is."""

    config: Mapping[str, Any]
    guardrail_id: str
    version: str
    arn: str
    full_output: bool = False

    def evaluate(self, source: Literal["INPUT", "OUTPUT"], texts: Sequence[str]) -> Evaluation:
        details = {"guardrailId": self.guardrail_id, "guardrailVersion": self.version, "guardrailArn": self.arn,
                   "guardrailOrigin": ["REQUEST"], "guardrailOwnership": "SELF"}
        return evaluate(self.config, source, texts, full_output=self.full_output, details=details)


@dataclass(frozen=True)
class Generation:
    """The outcome of a guarded generation: the final reply and each guardrail verdict."""

    prompt: Prompt
    reply: Reply
    input_evaluation: Evaluation | None = None
    output_evaluation: Evaluation | None = None
    model_output: str | None = None  # the reply before the output guardrail changed it

    @property
    def intervened(self) -> bool:
        return any(e is not None and e.action == "GUARDRAIL_INTERVENED"
                   for e in (self.input_evaluation, self.output_evaluation))

    @property
    def input_blocked(self) -> bool:
        return self.input_evaluation is not None and self.input_evaluation.blocked


def generate(prompt: Prompt, guard: Guard | None) -> Generation:
    """Guard the input, run the echo model, guard the output."""
    if guard is None:
        return Generation(prompt, echo(prompt.user_text, prompt.max_tokens, prompt.stop_sequences))
    checked = guard.evaluate("INPUT", prompt.segment_texts()) if prompt.guarded else None
    if checked is not None and checked.blocked:
        return Generation(prompt, Reply(checked.outputs[0]), checked)
    if checked is not None and checked.action == "GUARDRAIL_INTERVENED":
        prompt = prompt.masked(checked.outputs)
    reply = echo(prompt.user_text, prompt.max_tokens, prompt.stop_sequences)
    verdict = guard.evaluate("OUTPUT", [reply.text])
    if verdict.action == "NONE":
        return Generation(prompt, reply, checked, verdict)
    return Generation(prompt, replace(reply, text=verdict.outputs[0]), checked, verdict, model_output=reply.text)


# ---------------------------------------------------------------------------------------------
# InvokeModel
# ---------------------------------------------------------------------------------------------


def _invoke_prompt(kind: str, body: Mapping[str, Any]) -> Prompt:
    prompt = PROMPTS[kind](body)
    config = body.get("amazon-bedrock-guardrailConfig")
    if isinstance(config, dict) and config.get("tagSuffix"):
        texts, segments = tagged(prompt.texts, str(config["tagSuffix"]))
        return replace(prompt, texts=texts, guarded=segments)
    return prompt


def invoke_model(model_id: str, body_text: str, guard: Guard | None = None, trace: bool = False) -> dict[str, Any]:
    """The InvokeModel response body for ``body_text`` (JSON), guarded by ``guard`` if given."""
    kind = family(model_id)
    try:
        body = json.loads(body_text or "{}")
    except ValueError:
        raise _malformed("#: expected a JSON object") from None
    if not isinstance(body, dict):
        raise _malformed("#: expected type: JSONObject")
    if "amazon-bedrock-guardrailConfig" in body and guard is None:
        raise InvalidRequest("amazon-bedrock-guardrailConfig is only allowed when a guardrail is specified.")
    outcome = generate(_invoke_prompt(kind, body), guard)
    answer = BODIES[kind](model_id, outcome.reply, outcome.prompt, outcome.intervened)
    if outcome.input_blocked:
        _zero_usage(answer)
    if guard is not None:
        answer["amazon-bedrock-guardrailAction"] = "INTERVENED" if outcome.intervened else "NONE"
        if trace:
            answer["amazon-bedrock-trace"] = {"guardrail": _invoke_trace(guard, outcome)}
    return answer


def _zero_usage(answer: dict[str, Any]) -> None:
    """A blocked input never reached the model: no tokens were used."""
    if "usage" in answer:
        answer["usage"] = {key: 0 for key in answer["usage"]}
    if "inputTextTokenCount" in answer:
        answer["inputTextTokenCount"] = 0
        answer["results"][0]["tokenCount"] = 0


def _invoke_trace(guard: Guard, outcome: Generation) -> dict[str, Any]:
    trace: dict[str, Any] = {}
    if outcome.input_evaluation is not None:
        trace["input"] = {guard.guardrail_id: outcome.input_evaluation.assessment}
    if outcome.output_evaluation is not None:
        trace["outputs"] = [{guard.guardrail_id: outcome.output_evaluation.assessment}]
    return trace


# ---------------------------------------------------------------------------------------------
# Converse
# ---------------------------------------------------------------------------------------------

START_WITH_USER = "A conversation must start with a user message. Try again with a conversation that starts with a user message."
ALTERNATE = ("A conversation must alternate between user and assistant roles. Make sure the conversation alternates "
             "between user and assistant roles and try again.")


def guarded_block(qualifiers: Sequence[str] | None) -> bool:
    """Whether a qualified text block is guarded: ``grounding_source`` and ``query`` blocks are context only."""
    return not qualifiers or "guard_content" in qualifiers


def _converse_block(block: Mapping[str, Any]) -> tuple[str, bool, bool] | None:
    """A content block's text, whether it is guardContent, and whether that is guarded; ``None`` without text."""
    if "text" in block:
        return str(block["text"]), False, False
    guard_text = (block.get("guardContent") or {}).get("text")
    if guard_text is not None:
        return str(guard_text["text"]), True, guarded_block(guard_text.get("qualifiers"))
    return None


def converse_prompt(messages: Sequence[Mapping[str, Any]], system: Sequence[Mapping[str, Any]],
                    inference: Mapping[str, Any]) -> Prompt:
    """Guarded: the guardContent blocks (but grounding sources and queries) if there are any, else every text
    of every message (not the system prompt)."""
    if not messages or messages[0].get("role") != "user":
        raise InvalidRequest(START_WITH_USER)
    if any(a.get("role") == b.get("role") for a, b in itertools.pairwise(messages)):
        raise InvalidRequest(ALTERNATE)
    texts: list[str] = []
    guard_content: list[int] = []
    in_messages: list[int] = []
    any_guard_content, last_user = False, -1
    turns = [("system", system)] + [(str(m.get("role")), m.get("content") or []) for m in messages]
    for role, blocks in turns:
        for block in blocks:
            found = _converse_block(block)
            if found is None:
                continue
            text, is_guard_content, guarded = found
            texts.append(text)
            any_guard_content = any_guard_content or is_guard_content
            if guarded:
                guard_content.append(len(texts) - 1)
            if role != "system":
                in_messages.append(len(texts) - 1)
            if role == "user":
                last_user = len(texts) - 1
    chosen = guard_content if any_guard_content else in_messages
    return Prompt(tuple(texts), whole(texts, chosen), last_user, inference.get("maxTokens"),
                  tuple(inference.get("stopSequences") or ()))


def converse(model_id: str, messages: Sequence[Mapping[str, Any]], system: Sequence[Mapping[str, Any]] = (),
             inference: Mapping[str, Any] | None = None, guard: Guard | None = None,
             trace: bool = False) -> dict[str, Any]:
    """The Converse response for this conversation, guarded by ``guard`` if given."""
    family(model_id)
    started = time.monotonic()
    outcome = generate(converse_prompt(messages, system, inference or {}), guard)
    input_tokens = 0 if outcome.input_blocked else outcome.prompt.input_tokens
    output_tokens = 0 if outcome.input_blocked else tokens(outcome.reply.text)
    response: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": [{"text": outcome.reply.text}]}},
        "stopReason": "guardrail_intervened" if outcome.intervened else outcome.reply.stop_reason,
        "usage": {"inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": input_tokens + output_tokens},
        "metrics": {"latencyMs": int((time.monotonic() - started) * 1000)},
    }
    if guard is not None and trace:
        response["trace"] = {"guardrail": _converse_trace(guard, outcome)}
    return response


def _converse_trace(guard: Guard, outcome: Generation) -> dict[str, Any]:
    trace: dict[str, Any] = {}
    if outcome.model_output is not None:
        trace["modelOutput"] = [outcome.model_output]
    if outcome.input_evaluation is not None:
        trace["inputAssessment"] = {guard.guardrail_id: outcome.input_evaluation.assessment}
    if outcome.output_evaluation is not None:
        trace["outputAssessments"] = {guard.guardrail_id: [outcome.output_evaluation.assessment]}
    deciding = [e for e in (outcome.input_evaluation, outcome.output_evaluation) if e is not None]
    intervening = [e for e in deciding if e.action == "GUARDRAIL_INTERVENED"]
    if deciding:
        trace["actionReason"] = (intervening or deciding)[0].action_reason
    return trace
