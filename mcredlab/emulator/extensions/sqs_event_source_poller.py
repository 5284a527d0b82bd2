"""SQS event source mappings are polled, as AWS's Lambda poller does, not run inside ``SendMessage``.

moto 5.2.5 runs a queue's mapped function inside the ``SendMessage`` that adds a message, with one
message per invocation whatever ``BatchSize`` says; messages already queued when the mapping is
created wait for the next send; ``FunctionResponseTypes`` is ignored (a partial failure deletes
the whole batch); a failed message is made visible at once; and a deleted mapping goes on running
(``Queue.lambda_event_source_mappings`` keeps it).

Here ``LambdaBackend.create_event_source_mapping`` (and ``update_event_source_mapping``) take the
mapping off moto's queue hook, and a poller thread in the emulator process runs each enabled SQS
mapping the way AWS does: it receives up to ``BatchSize`` messages (ten per receive, the queue's
visibility timeout, waiting up to ``MaximumBatchingWindowInSeconds`` for a fuller batch), invokes
the function once with all of them (AWS's ``Records`` shape: ``attributes``,
``messageAttributes``, ``md5OfBody``), and then deletes the batch when the function succeeds;
leaves the batch when it fails (the messages come back after the visibility timeout); and with
``ReportBatchItemFailures`` leaves only the messages named by ``batchItemFailures`` (a response
naming an unknown or empty ``itemIdentifier`` fails the whole batch, as on AWS). The poller's
receives count toward the queue's ``RedrivePolicy``: moto moves a message to the dead-letter
queue at the receive after ``maxReceiveCount``. Messages already queued are delivered as soon as
the mapping is created or enabled. A mapping deleted, disabled or forgotten by
``/moto-api/reset`` is no longer polled; the threads stop with the emulator, and none runs while
no SQS mapping exists.

Still unlike AWS: one poller per mapping (AWS scales up to many concurrent batches); queues are
checked every 0.1 s; the batching window is honoured only up to the batch being full, without
AWS's 6 MB payload limit; FIFO queues are polled like standard ones (moto keeps a group's order);
``FilterCriteria``, ``ScalingConfig`` and the mapping's ``State`` transitions are not applied.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import threading
import time
from typing import Any

SEAMS = (
    ("moto.awslambda.models", "LambdaBackend", "create_event_source_mapping"),
    ("moto.awslambda.models", "LambdaBackend", "update_event_source_mapping"),
    ("moto.awslambda.models", "LambdaBackend", "invoke"),
    ("moto.awslambda.models", "EventSourceMapping", "batch_size"),
    ("moto.sqs.models", "sqs_backends", None),
    ("moto.sqs.models", "SQSBackend", "receive_message"),
    ("moto.sqs.models", "SQSBackend", "delete_message"),
    ("moto.sqs.models", "Queue", "add_message"),  # reads Queue.lambda_event_source_mappings
)

POLL_SECONDS = 0.1
logger = logging.getLogger(__name__)
_lock = threading.Lock()
_stop = threading.Event()
_backends: list[Any] = []  # Lambda backends that ever held an SQS mapping; reset empties their mappings
_workers: dict[str, threading.Thread] = {}  # mapping UUID -> its poller
_supervisor: threading.Thread | None = None


def _is_sqs(esm: Any) -> bool:
    return str(esm.event_source_arn).split(":")[2] == "sqs"


def _mappings() -> list[tuple[Any, Any]]:
    return [(backend, esm) for backend in list(_backends)
            for esm in list(getattr(backend, "_event_source_mappings", {}).values()) if _is_sqs(esm)]


def _queue(esm: Any) -> tuple[Any, Any] | None:
    from moto.sqs.models import sqs_backends

    _, _, _, region, account, name = str(esm.event_source_arn).split(":", 5)
    if account not in sqs_backends or region not in sqs_backends[account]:
        return None
    backend = sqs_backends[account][region]
    queue = backend.queues.get(name)
    return None if queue is None else (backend, queue)


def _record(message: Any, esm: Any, region: str) -> dict[str, Any]:
    attributes = {"ApproximateReceiveCount": str(message.approximate_receive_count),
                  "SentTimestamp": str(message.sent_timestamp), "SenderId": str(message.sender_id),
                  "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp)}
    if message.group_id:
        attributes.update(MessageGroupId=message.group_id, MessageDeduplicationId=str(message.deduplication_id or ""),
                          SequenceNumber=str(message.sequence_number or ""))
    message_attributes = {}
    for name, value in (message.message_attributes or {}).items():
        message_attributes[name] = {"stringValue": value.get("StringValue"), "binaryValue": value.get("BinaryValue"),
                                    "stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType")}
    return {"messageId": message.id, "receiptHandle": message.receipt_handle, "body": message.body,
            "attributes": attributes, "messageAttributes": message_attributes, "md5OfBody": message.body_md5,
            "eventSource": "aws:sqs", "eventSourceARN": esm.event_source_arn, "awsRegion": region}


def _receive(sqs: Any, queue: Any, esm: Any) -> list[Any]:
    """Up to BatchSize messages, waiting up to the batching window for more once one has come."""
    batch: list[Any] = []
    window = float(esm.max_batch_window or 0)
    deadline = None
    while len(batch) < int(esm.batch_size) and not _stop.is_set():
        got = sqs.receive_message(queue.name, min(10, int(esm.batch_size) - len(batch)), 0,
                                  int(queue.visibility_timeout), ["All"])
        batch.extend(got)
        if not batch:
            return batch
        deadline = deadline if deadline is not None else time.monotonic() + window
        if got:
            continue
        if time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    return batch


def _failed_ids(payload: bytes, batch: list[Any]) -> set[str] | None:
    """The messages a ReportBatchItemFailures response keeps; None: the whole batch failed."""
    try:
        answer = json.loads(payload) if payload and payload.strip() else None
    except ValueError:
        return None
    if answer is None:
        return set()
    if not isinstance(answer, dict):
        return None
    failures = answer.get("batchItemFailures")
    if failures is None:
        return set()
    ids = {m.id for m in batch}
    kept: set[str] = set()
    for failure in failures if isinstance(failures, list) else [None]:
        item = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not item or item not in ids:
            return None
        kept.add(str(item))
    return kept


def _deliver(esm: Any, sqs: Any, queue: Any, batch: list[Any]) -> None:
    from moto.awslambda.utils import get_backend

    event = {"Records": [_record(m, esm, queue.region) for m in batch]}
    headers: dict[str, Any] = {}
    try:
        payload = get_backend(esm.account_id, esm.region).invoke(esm.function_arn, None, json.dumps(event), {}, headers)
    except Exception:  # the function was deleted, say: the batch stays, as on AWS
        logger.exception("the SQS poller could not invoke %s", esm.function_arn)
        return
    if "x-amz-function-error" in headers:
        return  # the whole batch comes back after the visibility timeout
    keep: set[str] | None = set()
    if "ReportBatchItemFailures" in (esm.function_response_types or []):
        raw = payload if isinstance(payload, bytes) else str(payload or "").encode()
        keep = _failed_ids(raw, batch)
    if keep is None:
        return
    for message in batch:
        if message.id not in keep:
            try:
                sqs.delete_message(queue.name, message.receipt_handle)
            except Exception:  # the queue was purged or deleted meanwhile
                logger.debug("could not delete %s", message.id, exc_info=True)


def _alive(backend: Any, esm: Any) -> bool:
    return bool(getattr(backend, "_event_source_mappings", {}).get(esm.uuid) is esm and esm.enabled)


def _poll(backend: Any, esm: Any) -> None:
    while not _stop.is_set() and _alive(backend, esm):
        found = _queue(esm)
        batch: list[Any] = []
        if found is not None:
            sqs, queue = found
            try:
                batch = _receive(sqs, queue, esm)
                if batch and _alive(backend, esm):
                    _deliver(esm, sqs, queue, batch)
            except Exception:  # the queue went away mid-poll (reset, delete-queue): look again
                logger.debug("SQS poll of %s failed", esm.event_source_arn, exc_info=True)
        if not batch:
            _stop.wait(POLL_SECONDS)


def _supervise() -> None:
    global _supervisor
    while not _stop.is_set():
        with _lock:
            mappings = _mappings()
            if not mappings:
                _supervisor = None
                return
            for backend, esm in mappings:
                worker = _workers.get(esm.uuid)
                if esm.enabled and (worker is None or not worker.is_alive()):
                    worker = threading.Thread(target=_poll, args=(backend, esm), daemon=True,
                                              name=f"sqs-poller-{esm.uuid}")
                    _workers[esm.uuid] = worker
                    worker.start()
            for uuid in [u for u, w in _workers.items() if not w.is_alive()]:
                del _workers[uuid]
        _stop.wait(POLL_SECONDS)


def _ensure_running(backend: Any) -> None:
    global _supervisor
    with _lock:
        if backend not in _backends:
            _backends.append(backend)
        if _supervisor is None and not _stop.is_set():
            _supervisor = threading.Thread(target=_supervise, daemon=True, name="sqs-poller")
            _supervisor.start()


def _take_off_queue(esm: Any) -> None:
    """Remove the mapping from moto's ``SendMessage`` hook; the poller runs it instead."""
    found = _queue(esm)
    if found is not None:
        hooks = found[1].lambda_event_source_mappings
        for key in [k for k, v in hooks.items() if v is esm]:
            del hooks[key]


def shutdown() -> None:
    """Stop every poller thread (at the emulator's exit)."""
    _stop.set()
    for thread in [_supervisor, *_workers.values()]:
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)


def install() -> None:
    from moto.awslambda.models import LambdaBackend

    moto_create = LambdaBackend.create_event_source_mapping
    moto_update = LambdaBackend.update_event_source_mapping

    @functools.wraps(moto_create)
    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        esm = moto_create(self, spec)
        if _is_sqs(esm):
            _take_off_queue(esm)
            _ensure_running(self)
        return esm

    @functools.wraps(moto_update)
    def update_event_source_mapping(self: Any, uuid: str, spec: dict[str, Any]) -> Any:
        esm = moto_update(self, uuid, spec)
        if esm is not None and _is_sqs(esm):
            _ensure_running(self)
        return esm

    LambdaBackend.create_event_source_mapping = create_event_source_mapping  # type: ignore[method-assign]
    LambdaBackend.update_event_source_mapping = update_event_source_mapping  # type: ignore[method-assign]
    atexit.register(shutdown)
