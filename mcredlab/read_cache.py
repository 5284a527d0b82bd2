"""One check's memory of what it has read, so that each distinct read is sent once.

A check only reads, so within one check the same question gets the same answer: a boto3 operation with
the same service, name and parameters, or an anonymous GET/HEAD/OPTIONS with the same URL and headers.
The first asking sends the request; later ones get a deep copy of its reply (errors included), so one
criterion cannot change what another sees. A cache belongs to one :class:`mcredlab.target.Aws` made for
one check and is never shared between checks. Waiters always send, since they wait for a change.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from botocore.response import StreamingBody

_KEY = "mcredlab_read_key"
_ANSWERED = "mcredlab_read_answered"
_fresh: ContextVar[bool] = ContextVar("mcredlab_read_fresh", default=False)


@contextmanager
def fresh_reads() -> Iterator[None]:
    """Within this block, reads are sent even when cached (their replies still refresh the cache)."""
    token = _fresh.set(True)
    try:
        yield
    finally:
        _fresh.reset(token)


def operation_key(service: str, operation: str, params: Any) -> str:
    """The identity of one boto3 read: service, operation and parameters as given."""
    return json.dumps([service, operation, params], sort_keys=True, default=repr)


def _streams_to_bytes(parsed: dict[str, Any]) -> dict[str, Any]:
    """Read every streaming body of ``parsed`` into bytes, leaving a fresh stream in its place."""
    kept = {}
    for name, value in list(parsed.items()):
        if isinstance(value, StreamingBody):
            data = value.read()
            kept[name] = data
            parsed[name] = StreamingBody(io.BytesIO(data), len(data))
    return kept


class ReadCache:
    """Replies to the reads of one check, by what was asked."""

    def __init__(self) -> None:
        self._replies: dict[Hashable, Any] = {}
        self.hits = 0

    def __len__(self) -> int:
        return len(self._replies)

    # --- anonymous HTTP -------------------------------------------------------------------------

    @staticmethod
    def http_key(method: str, url: str, headers: dict[str, str] | None) -> Hashable:
        return ("http", method.upper(), url, tuple(sorted((headers or {}).items())))

    def lookup(self, key: Hashable) -> tuple[bool, Any]:
        """``(True, copy of the reply)`` when ``key`` was read before (and reads are not forced fresh)."""
        if _fresh.get() or key not in self._replies:
            return False, None
        self.hits += 1
        return True, copy.deepcopy(self._replies[key])

    def remember(self, key: Hashable, reply: Any) -> None:
        self._replies[key] = copy.deepcopy(reply)

    # --- boto3 ----------------------------------------------------------------------------------

    def attach(self, client: Any) -> None:
        """Keep ``client``'s replies here: parameters are keyed before building, replies stored after the call."""
        events = client.meta.events
        events.register("before-parameter-build.*.*", self._key_params)
        events.register("after-call.*.*", self._store)
        original: Callable[[str], Any] = client.get_waiter

        def get_waiter(name: str) -> Any:
            waiter = original(name)
            wait = waiter.wait

            def fresh_wait(**kwargs: Any) -> None:
                with fresh_reads():
                    wait(**kwargs)

            waiter.wait = fresh_wait
            return waiter

        client.get_waiter = get_waiter

    def _key_params(self, params: Any, model: Any, context: dict[str, Any], **_: Any) -> None:
        if model.has_event_stream_output:
            return  # an event stream is read once, by whoever asked
        context[_KEY] = operation_key(model.service_model.service_name, model.name, params)

    def answer(self, context: dict[str, Any] | None) -> tuple[Any, dict[str, Any]] | None:
        """The ``(http, parsed)`` pair botocore takes from a ``before-call`` handler, when already read."""
        key = (context or {}).get(_KEY)
        if key is None:
            return None
        if _fresh.get() or key not in self._replies:
            return None
        self.hits += 1
        http, stored, streams = self._replies[key]
        parsed = copy.deepcopy(stored)
        for name, data in streams.items():
            parsed[name] = StreamingBody(io.BytesIO(data), len(data))
        context[_ANSWERED] = True  # type: ignore[index]
        return http, parsed

    def _store(self, http_response: Any, parsed: Any, context: dict[str, Any], **_: Any) -> None:
        key = context.get(_KEY)
        if key is None or context.get(_ANSWERED) or not isinstance(parsed, dict):
            return
        streams = _streams_to_bytes(parsed)
        stored = {name: value for name, value in parsed.items() if name not in streams}
        self._replies[key] = (http_response, copy.deepcopy(stored), streams)
