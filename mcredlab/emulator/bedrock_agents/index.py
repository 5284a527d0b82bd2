"""A knowledge base's index, deterministic and offline: documents read from S3 objects, cut into
chunks, and found again by keyword scoring instead of vector similarity.

Independent of moto: :mod:`.knowledge_bases` hands :func:`ingest` the objects of a data source's
bucket, and :mod:`.runtime` asks :func:`search` for ``Retrieve`` and ``InvokeAgent``.

* Readable documents: ``.txt``, ``.md``, ``.csv``, ``.html``/``.htm`` (tags stripped) as UTF-8
  text, ``.docx`` and ``.xlsx`` (text of their XML parts). ``.pdf``, ``.doc`` and ``.xls`` are
  formats AWS reads but the emulator cannot: they fail, with a reason saying so. Any other
  extension fails as a format AWS does not support. Empty documents and ones over 50 MB fail too.
* ``<key>.metadata.json`` (``{"metadataAttributes": {...}}``) gives ``<key>`` its metadata.
* Chunking counts a token per word, and per character of Japanese or Chinese text:
  ``FIXED_SIZE`` (``maxTokens``, ``overlapPercentage``; the default is 300 tokens, 20 %),
  ``HIERARCHICAL`` (the last level's ``maxTokens``, ``overlapTokens``), ``SEMANTIC``
  (``maxTokens``) and ``NONE`` (one chunk per document).
* Search terms are lower-cased words, and character pairs of Japanese or Chinese runs; common
  English words ("the", "what", ...) are left out unless the query has nothing else. A chunk's
  score is the share of the query's distinct terms it contains (0 to 1); ties go to the chunk with
  more occurrences of those terms, then to the earlier document (by URI) and chunk.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
METADATA_SUFFIX = ".metadata.json"
TEXT_SUFFIXES = frozenset({".txt", ".md", ".csv", ".html", ".htm"})
OFFICE_SUFFIXES = frozenset({".docx", ".xlsx"})
UNREADABLE_HERE = frozenset({".pdf", ".doc", ".xls"})
DEFAULT_MAX_TOKENS = 300
DEFAULT_OVERLAP_PERCENT = 20
STOPWORDS = frozenset(
    "a an and are as at be by can do does for from how i in is it me my of on or our please tell that the "
    "this to was we what when where which who why will with you your".split()
)
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_CHUNK_TOKEN = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
_WORD_OR_CJK_RUN = re.compile(rf"[{_CJK}]+|[^\W_]+")
_CJK_RUN = re.compile(rf"^[{_CJK}]+$")
_TAG = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class SourceObject:
    """One object of a data source's bucket."""

    key: str
    body: bytes
    etag: str


@dataclass
class Document:
    """An indexed document: where it came from, its chunks and its metadata."""

    uri: str
    etag: str
    chunks: list[str]
    metadata: dict[str, Any] = field(default_factory=dict)
    metadata_etag: str = ""


@dataclass
class Ingestion:
    """What one ingestion job found: the data source's documents now, and its statistics."""

    documents: dict[str, Document]
    statistics: dict[str, int]
    failure_reasons: list[str]


@dataclass(frozen=True)
class Hit:
    """One chunk a search found."""

    document: Document
    chunk_index: int
    score: float
    data_source_id: str

    @property
    def text(self) -> str:
        return self.document.chunks[self.chunk_index]


class Unreadable(Exception):
    """A document the index cannot take; the message is the reason."""


# -- reading documents -----------------------------------------------------------------------------


def _office_text(body: bytes) -> str:
    parts = []
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith(".xml") and name.split("/")[0] in ("word", "xl"):
                xml = archive.read(name).decode("utf-8", "replace")
                parts.append(html.unescape(_TAG.sub(" ", xml.replace("</w:p>", "\n"))))
    return "\n".join(parts)


def document_text(key: str, body: bytes) -> str:
    """The text of one object, or :class:`Unreadable` saying why not."""
    suffix = PurePosixPath(key).suffix.lower()
    if len(body) > MAX_DOCUMENT_BYTES:
        raise Unreadable("the file is larger than 50 MB")
    if suffix in UNREADABLE_HERE:
        raise Unreadable(f"the emulator cannot read {suffix} files (AWS can); use .txt, .md, .html, .csv or .docx")
    if suffix in OFFICE_SUFFIXES:
        try:
            text = _office_text(body)
        except zipfile.BadZipFile:
            raise Unreadable(f"the file is not a valid {suffix} document") from None
    elif suffix in TEXT_SUFFIXES:
        text = body.decode("utf-8", "replace")
        if suffix in (".html", ".htm"):
            text = html.unescape(_TAG.sub(" ", _SCRIPT.sub(" ", text)))
    else:
        raise Unreadable("its file format is not supported")
    if not text.strip():
        raise Unreadable("the file has no text")
    return text


def _plain(value: Any) -> Any:
    """A metadata value as written, or unwrapped from ``{"value": {"type": ..., "stringValue": ...}}``."""
    if isinstance(value, Mapping) and isinstance(value.get("value"), Mapping):
        typed = value["value"]
        for name in ("stringValue", "numberValue", "booleanValue", "stringListValue"):
            if name in typed:
                return typed[name]
    return value


def parse_metadata(body: bytes) -> dict[str, Any]:
    """The attributes of a ``.metadata.json`` file (empty if it is not valid)."""
    try:
        document = json.loads(body.decode("utf-8"))
        attributes = document.get("metadataAttributes") or {}
        return {str(k): _plain(v) for k, v in dict(attributes).items()}
    except (ValueError, AttributeError, TypeError):
        return {}


# -- chunking -----------------------------------------------------------------------------------------


def _chunk_sizes(chunking: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """(maxTokens, overlapTokens) of a chunkingConfiguration; ``None`` for strategy NONE."""
    chunking = chunking or {}
    strategy = chunking.get("chunkingStrategy", "FIXED_SIZE")
    if strategy == "NONE":
        return None
    if strategy == "HIERARCHICAL":
        config = chunking.get("hierarchicalChunkingConfiguration") or {}
        levels = config.get("levelConfigurations") or [{}]
        return int(levels[-1].get("maxTokens") or DEFAULT_MAX_TOKENS), int(config.get("overlapTokens") or 0)
    if strategy == "SEMANTIC":
        config = chunking.get("semanticChunkingConfiguration") or {}
        return int(config.get("maxTokens") or DEFAULT_MAX_TOKENS), 0
    config = chunking.get("fixedSizeChunkingConfiguration") or {}
    size = int(config.get("maxTokens") or DEFAULT_MAX_TOKENS)
    percent = int(config.get("overlapPercentage", DEFAULT_OVERLAP_PERCENT))
    return size, size * percent // 100


def chunk(text: str, chunking: Mapping[str, Any] | None = None) -> list[str]:
    """``text`` cut into chunks as the data source's chunking configuration says."""
    sizes = _chunk_sizes(chunking)
    spans = [m.span() for m in _CHUNK_TOKEN.finditer(text)]
    if sizes is None or len(spans) <= sizes[0]:
        return [text.strip()]
    size, overlap = sizes[0], min(sizes[1], sizes[0] - 1)
    chunks, start = [], 0
    while start < len(spans):
        end = min(start + size, len(spans))
        chunks.append(text[spans[start][0]: spans[end - 1][1]])
        if end == len(spans):
            break
        start = end - overlap
    return chunks


# -- ingestion ------------------------------------------------------------------------------------------


def empty_statistics() -> dict[str, int]:
    """Ingestion statistics, all zero."""
    names = ("numberOfDocumentsScanned", "numberOfMetadataDocumentsScanned", "numberOfNewDocumentsIndexed",
             "numberOfModifiedDocumentsIndexed", "numberOfMetadataDocumentsModified", "numberOfDocumentsDeleted",
             "numberOfDocumentsFailed", "numberOfDocumentsSkipped")
    return dict.fromkeys(names, 0)


def _failure_reasons(failed: Mapping[str, str]) -> list[str]:
    by_reason: dict[str, list[str]] = {}
    for uri, reason in failed.items():
        by_reason.setdefault(reason, []).append(uri)
    return [f"Ignored {len(uris)} files because {reason}. [Files: {', '.join(uris)}]"
            for reason, uris in by_reason.items()]


def ingest(bucket: str, objects: Iterable[SourceObject], previous: Mapping[str, Document],
           chunking: Mapping[str, Any] | None = None) -> Ingestion:
    """Index ``objects`` of ``bucket`` again, given the data source's ``previous`` documents."""
    stats = empty_statistics()
    metadata: dict[str, SourceObject] = {}
    documents: list[SourceObject] = []
    for item in objects:
        if item.key.endswith("/"):
            continue
        if item.key.endswith(METADATA_SUFFIX):
            metadata[item.key[: -len(METADATA_SUFFIX)]] = item
            stats["numberOfMetadataDocumentsScanned"] += 1
        else:
            documents.append(item)
    indexed: dict[str, Document] = {}
    failed: dict[str, str] = {}
    for item in sorted(documents, key=lambda o: o.key):
        uri = f"s3://{bucket}/{item.key}"
        stats["numberOfDocumentsScanned"] += 1
        meta = metadata.get(item.key)
        before = previous.get(uri)
        meta_etag = meta.etag if meta else ""
        if before is not None and before.etag == item.etag:
            indexed[uri] = before
            if before.metadata_etag != meta_etag:
                before.metadata, before.metadata_etag = (parse_metadata(meta.body) if meta else {}), meta_etag
                stats["numberOfMetadataDocumentsModified"] += 1
            continue
        try:
            chunks = chunk(document_text(item.key, item.body), chunking)
        except Unreadable as why:
            failed[uri] = str(why)
            continue
        indexed[uri] = Document(uri, item.etag, chunks, parse_metadata(meta.body) if meta else {}, meta_etag)
        stats["numberOfModifiedDocumentsIndexed" if before else "numberOfNewDocumentsIndexed"] += 1
    stats["numberOfDocumentsFailed"] = len(failed)
    stats["numberOfDocumentsDeleted"] = sum(1 for uri in previous if uri not in indexed)
    return Ingestion(indexed, stats, _failure_reasons(failed))


# -- search ---------------------------------------------------------------------------------------------


def terms(text: str) -> list[str]:
    """Search terms: lower-cased words, and overlapping character pairs of Japanese or Chinese runs."""
    found: list[str] = []
    for match in _WORD_OR_CJK_RUN.finditer(text.lower()):
        word = match.group()
        if _CJK_RUN.match(word) and len(word) > 1:
            found.extend(word[i: i + 2] for i in range(len(word) - 1))
        else:
            found.append(word)
    return found


def query_terms(query: str) -> set[str]:
    """A query's distinct terms, without common English words unless nothing else is left."""
    every = set(terms(query))
    return (every - STOPWORDS) or every


def _compare(value: Any, wanted: Any, operator: str) -> bool:
    try:
        if operator == "greaterThan":
            return bool(value > wanted)
        if operator == "greaterThanOrEquals":
            return bool(value >= wanted)
        if operator == "lessThan":
            return bool(value < wanted)
        return bool(value <= wanted)
    except TypeError:
        return False


def matches_filter(metadata: Mapping[str, Any], expression: Mapping[str, Any] | None) -> bool:
    """Whether ``metadata`` passes a ``RetrievalFilter`` (``equals``, ``in``, ``andAll``, ...)."""
    if not expression:
        return True
    operator, operand = next(iter(expression.items()))
    if operator == "andAll":
        return all(matches_filter(metadata, e) for e in operand)
    if operator == "orAll":
        return any(matches_filter(metadata, e) for e in operand)
    value, wanted = metadata.get(operand.get("key")), operand.get("value")
    if operator == "equals":
        return bool(value == wanted)
    if operator == "notEquals":
        return bool(value != wanted)
    if operator == "in":
        return value in (wanted or [])
    if operator == "notIn":
        return value not in (wanted or [])
    if operator == "startsWith":
        return isinstance(value, str) and value.startswith(str(wanted))
    if operator == "stringContains":
        return isinstance(value, str) and str(wanted) in value or isinstance(value, list) and wanted in value
    if operator == "listContains":
        return isinstance(value, list) and wanted in value
    return _compare(value, wanted, operator)


def search(sources: Mapping[str, Iterable[Document]], query: str, limit: int = 5,
           expression: Mapping[str, Any] | None = None) -> list[Hit]:
    """The best ``limit`` chunks for ``query`` over ``sources`` (documents by data source id)."""
    wanted = query_terms(query)
    if not wanted:
        return []
    ranked: list[tuple[float, int, str, int, Hit]] = []
    for source_id, documents in sources.items():
        for document in documents:
            if not matches_filter(searchable_metadata(document, source_id), expression):
                continue
            for index, text in enumerate(document.chunks):
                found = terms(text)
                common = wanted.intersection(found)
                if common:
                    score = round(len(common) / len(wanted), 4)
                    occurrences = sum(1 for t in found if t in wanted)
                    ranked.append((-score, -occurrences, document.uri, index, Hit(document, index, score, source_id)))
    ranked.sort(key=lambda entry: entry[:4])
    return [entry[4] for entry in ranked[:limit]]


def searchable_metadata(document: Document, data_source_id: str) -> dict[str, Any]:
    """A document's metadata with the attributes Bedrock adds to every chunk."""
    return {**document.metadata, "x-amz-bedrock-kb-source-uri": document.uri,
            "x-amz-bedrock-kb-data-source-id": data_source_id}


def retrieval_result(hit: Hit) -> dict[str, Any]:
    """A hit as one ``retrievalResults`` (and ``retrievedReferences``) entry."""
    metadata = {**searchable_metadata(hit.document, hit.data_source_id),
                "x-amz-bedrock-kb-chunk-id": f"{hit.document.etag[:16] or 'chunk'}-{hit.chunk_index}"}
    return {
        "content": {"text": hit.text, "type": "TEXT"},
        "location": {"type": "S3", "s3Location": {"uri": hit.document.uri}},
        "metadata": metadata,
        "score": hit.score,
    }
