"""The binary event-stream encoding (``application/vnd.amazon.eventstream``) of InvokeAgent's answer.

A message is ``total length, headers length, prelude CRC32`` (big-endian 32-bit each), the headers
(name length byte, name, type 7 = string, 16-bit value length, value), the payload, and the CRC32
of everything before it. botocore reads an ``event`` message as the member ``:event-type`` of the
``completion`` stream, and raises an ``exception`` message as ``EventStreamError`` with the code
``:exception-type``.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping
from typing import Any

STRING_HEADER = 7
CONTENT_TYPE = "application/vnd.amazon.eventstream"


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
    return bytes([len(raw_name)]) + raw_name + bytes([STRING_HEADER]) + struct.pack("!H", len(raw_value)) + raw_value


def message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One event-stream message."""
    encoded = b"".join(_header(name, value) for name, value in headers.items())
    prelude = struct.pack("!II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    prelude += struct.pack("!I", zlib.crc32(prelude))
    body = prelude + encoded + payload
    return body + struct.pack("!I", zlib.crc32(body))


def event(name: str, body: Mapping[str, Any]) -> bytes:
    """An event of the stream (``chunk``, ``trace``, ``returnControl``) with a JSON payload."""
    headers = {":event-type": name, ":content-type": "application/json", ":message-type": "event"}
    return message(headers, json.dumps(body).encode("utf-8"))


def exception(name: str, text: str) -> bytes:
    """A modelled error of the stream (``dependencyFailedException``, ``validationException``...)."""
    headers = {":exception-type": name, ":content-type": "application/json", ":message-type": "exception"}
    return message(headers, json.dumps({"message": text}).encode("utf-8"))
