"""Knowledge bases, their S3 data sources and ingestion jobs, kept per account and region.

A knowledge base keeps its configuration as given (embedding model, vector store). Ingestion reads
the data source's bucket through moto's S3 backend at once, indexes it (:mod:`.index`) and ends
``COMPLETE`` (``FAILED`` if the bucket is missing, or if the embedding model's vectors do not have the
dimension of the S3 Vectors index the knowledge base stores them in). Creation answers ``CREATING`` (knowledge base),
an update ``UPDATING``, a job start ``STARTING``: any later read shows the settled state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend

from mcredlab.emulator.bedrock_agents import index
from mcredlab.emulator.bedrock_agents.common import (
    Call,
    ConflictException,
    ValidationException,
    compact,
    find,
    iso,
    new_id,
    now,
    page,
    pick,
    unique,
)

KB_FIELDS = ("name", "description", "roleArn", "knowledgeBaseConfiguration", "storageConfiguration",
             "metadataConfigurations", "clientToken")
DS_FIELDS = ("name", "description", "dataSourceConfiguration", "dataDeletionPolicy",
             "serverSideEncryptionConfiguration", "vectorIngestionConfiguration", "clientToken")
STORAGE_BLOCKS = {
    "OPENSEARCH_SERVERLESS": "opensearchServerlessConfiguration",
    "OPENSEARCH_MANAGED_CLUSTER": "opensearchManagedClusterConfiguration",
    "PINECONE": "pineconeConfiguration",
    "REDIS_ENTERPRISE_CLOUD": "redisEnterpriseCloudConfiguration",
    "RDS": "rdsConfiguration",
    "MONGO_DB_ATLAS": "mongoDbAtlasConfiguration",
    "NEPTUNE_ANALYTICS": "neptuneAnalyticsConfiguration",
    "S3_VECTORS": "s3VectorsConfiguration",
}

# Embedding models: (default dimension, dimensions ``embeddingModelConfiguration`` may choose), by model id prefix.
EMBEDDING_DIMENSIONS: dict[str, tuple[int, tuple[int, ...]]] = {
    "amazon.titan-embed-text-v2": (1024, (256, 512, 1024)),
    "amazon.titan-embed-text-v1": (1536, (1536,)),
    "amazon.titan-embed-g1-text": (1536, (1536,)),
    "amazon.titan-embed-image-v1": (1024, (256, 384, 1024)),
    "cohere.embed-english-v3": (1024, (1024,)),
    "cohere.embed-multilingual-v3": (1024, (1024,)),
    "cohere.embed-v4": (1536, (256, 512, 1024, 1536)),
}


def embedding_model(settings: dict[str, Any]) -> tuple[str, int | None, int | None]:
    """The embedding model id, the dimensions asked for (if any) and the dimension of its vectors (if known)."""
    vector = ((settings.get("knowledgeBaseConfiguration") or {}).get("vectorKnowledgeBaseConfiguration") or {})
    model_id = str(vector.get("embeddingModelArn") or "").rsplit("/", 1)[-1]
    chosen = (((vector.get("embeddingModelConfiguration") or {}).get("bedrockEmbeddingModelConfiguration") or {})
              .get("dimensions"))
    known = next((dims for prefix, dims in EMBEDDING_DIMENSIONS.items() if model_id.startswith(prefix)), None)
    asked = int(chosen) if chosen is not None else None
    if known is None:
        return model_id, asked, asked
    return model_id, asked, asked if asked is not None else known[0]


def s3_vectors_index_dimension(account_id: str, storage: dict[str, Any]) -> tuple[str, int] | None:
    """The S3 Vectors index a knowledge base stores its vectors in and its dimension, if moto holds it."""
    if storage.get("type") != "S3_VECTORS":
        return None
    config = storage.get("s3VectorsConfiguration") or {}
    from moto.s3vectors.models import s3vectors_backends

    bucket = str(config.get("vectorBucketArn") or "").rsplit("/", 1)[-1]
    name, arn = str(config.get("indexName") or ""), str(config.get("indexArn") or "")
    try:
        found = s3vectors_backends[account_id]["aws"].get_index(bucket or None, name or None, arn or None)
    except Exception:  # noqa: BLE001 - moto raises its own not-found errors; no index, nothing to compare
        return None
    return str(found.index_arn), int(found.dimension)


@dataclass
class IngestionJob:
    id: str
    knowledge_base_id: str
    data_source_id: str
    description: str | None
    status: str
    statistics: dict[str, int]
    failure_reasons: list[str]
    started_at: float
    updated_at: float

    def to_api(self, status: str | None = None) -> dict[str, Any]:
        return compact({
            "knowledgeBaseId": self.knowledge_base_id, "dataSourceId": self.data_source_id,
            "ingestionJobId": self.id, "description": self.description, "status": status or self.status,
            "statistics": self.statistics, "failureReasons": self.failure_reasons,
            "startedAt": iso(self.started_at), "updatedAt": iso(self.updated_at),
        })

    def summary(self) -> dict[str, Any]:
        api = self.to_api()
        api.pop("failureReasons", None)
        return api


@dataclass
class DataSource:
    id: str
    knowledge_base_id: str
    settings: dict[str, Any]
    created_at: float
    updated_at: float
    status: str = "AVAILABLE"
    documents: dict[str, index.Document] = field(default_factory=dict)
    jobs: dict[str, IngestionJob] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.settings["name"])

    def to_api(self, status: str | None = None) -> dict[str, Any]:
        settings = {k: v for k, v in self.settings.items() if k != "clientToken"}
        return compact({"knowledgeBaseId": self.knowledge_base_id, "dataSourceId": self.id, **settings,
                        "status": status or self.status, "createdAt": iso(self.created_at),
                        "updatedAt": iso(self.updated_at)})

    def summary(self) -> dict[str, Any]:
        return compact({"knowledgeBaseId": self.knowledge_base_id, "dataSourceId": self.id, "name": self.name,
                        "status": self.status, "description": self.settings.get("description"),
                        "updatedAt": iso(self.updated_at)})


@dataclass
class KnowledgeBase:
    id: str
    arn: str
    settings: dict[str, Any]
    created_at: float
    updated_at: float
    status: str = "ACTIVE"
    data_sources: dict[str, DataSource] = field(default_factory=dict)
    retained: list[index.Document] = field(default_factory=list)  # of data sources deleted with RETAIN

    @property
    def name(self) -> str:
        return str(self.settings["name"])

    def to_api(self, status: str | None = None) -> dict[str, Any]:
        settings = {k: v for k, v in self.settings.items() if k != "clientToken"}
        return compact({"knowledgeBaseId": self.id, "knowledgeBaseArn": self.arn, **settings,
                        "status": status or self.status, "createdAt": iso(self.created_at),
                        "updatedAt": iso(self.updated_at)})

    def summary(self) -> dict[str, Any]:
        return compact({"knowledgeBaseId": self.id, "name": self.name, "description": self.settings.get("description"),
                        "status": self.status, "updatedAt": iso(self.updated_at)})

    def indexed(self) -> dict[str, list[index.Document]]:
        """Every searchable document, by data source id (``retained`` ones under ``""``)."""
        found = {ds.id: list(ds.documents.values()) for ds in self.data_sources.values()}
        if self.retained:
            found[""] = list(self.retained)
        return found


class IngestionFailed(Exception):
    """An ingestion job that cannot run; the message is its failure reason."""


def _check_configuration(body: dict[str, Any]) -> None:
    """What AWS rejects in a knowledge base's configuration before creating anything."""
    kb_config = body.get("knowledgeBaseConfiguration") or {}
    if kb_config.get("type") == "VECTOR":
        vector = kb_config.get("vectorKnowledgeBaseConfiguration") or {}
        if not vector.get("embeddingModelArn"):
            raise ValidationException(
                "A VECTOR knowledge base needs vectorKnowledgeBaseConfiguration.embeddingModelArn."
            )
        storage = body.get("storageConfiguration") or {}
        if not storage:
            raise ValidationException("A VECTOR knowledge base needs a storageConfiguration.")
        block = STORAGE_BLOCKS.get(str(storage.get("type")))
        if block and not storage.get(block):
            raise ValidationException(f"storageConfiguration of type {storage.get('type')} needs {block}.")
        model_id, asked, _ = embedding_model(body)
        supported = next((dims[1] for prefix, dims in EMBEDDING_DIMENSIONS.items() if model_id.startswith(prefix)), None)
        if asked is not None and supported is not None and asked not in supported:
            raise ValidationException(
                f"The embedding model {model_id} does not support dimensions {asked}; "
                f"supported dimensions: {', '.join(map(str, supported))}."
            )


def _check_data_source(config: dict[str, Any]) -> None:
    if config.get("type") == "S3" and not (config.get("s3Configuration") or {}).get("bucketArn"):
        raise ValidationException("A data source of type S3 needs s3Configuration.bucketArn.")


def bucket_objects(account_id: str, bucket_name: str, prefixes: list[str]) -> list[index.SourceObject]:
    """The current objects of a bucket (moto's S3 backend) under any of ``prefixes``."""
    from moto.s3.models import FakeKey, s3_backends

    bucket = s3_backends[account_id]["aws"].get_bucket(bucket_name)
    found = []
    for name, key in list(bucket.keys.items()):
        if isinstance(key, FakeKey) and (not prefixes or any(name.startswith(p) for p in prefixes)):
            found.append(index.SourceObject(name, bytes(key.value), key.etag.strip('"')))
    return found


def bucket_object(account_id: str, bucket_name: str, key_name: str) -> bytes | None:
    """One object's bytes, or ``None`` if the bucket or object does not exist."""
    from moto.s3.models import s3_backends

    try:
        key = s3_backends[account_id]["aws"].get_object(bucket_name, key_name)
    except Exception:  # moto raises MissingBucket
        return None
    return bytes(key.value) if key is not None else None


class KnowledgeBaseStore(BaseBackend):
    """Knowledge bases of one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.knowledge_bases: dict[str, KnowledgeBase] = {}
        self.tags: dict[str, dict[str, str]] = {}

    # -- knowledge bases ---------------------------------------------------------------------------

    def create_knowledge_base(self, call: Call) -> dict[str, Any]:
        _check_configuration(dict(call.body))
        kb_id = new_id(self.knowledge_bases)
        arn = f"arn:{self.partition}:bedrock:{self.region_name}:{self.account_id}:knowledge-base/{kb_id}"
        stamp = now()
        kb = KnowledgeBase(kb_id, arn, pick(call.body, KB_FIELDS), stamp, stamp)
        self.knowledge_bases[kb_id] = kb
        if call.body.get("tags"):
            self.tags[arn] = dict(call.body["tags"])
        return {"knowledgeBase": kb.to_api("CREATING")}

    def knowledge_base(self, kb_id: str) -> KnowledgeBase:
        return find(self.knowledge_bases, kb_id, "Knowledge base")

    def get_knowledge_base(self, call: Call) -> dict[str, Any]:
        return {"knowledgeBase": self.knowledge_base(call.uri["knowledgeBaseId"]).to_api()}

    def list_knowledge_bases(self, call: Call) -> dict[str, Any]:
        return page(list(self.knowledge_bases.values()), call, "knowledgeBaseSummaries", KnowledgeBase.summary)

    def update_knowledge_base(self, call: Call) -> dict[str, Any]:
        kb = self.knowledge_base(call.uri["knowledgeBaseId"])
        for fixed in ("knowledgeBaseConfiguration", "storageConfiguration"):
            if fixed in call.body and call.body[fixed] != kb.settings.get(fixed):
                raise ValidationException(
                    f"The {fixed} of a knowledge base cannot change; specify the same {fixed} as when it was created."
                )
        kb.settings.update(pick(call.body, ("name", "description", "roleArn", "metadataConfigurations")))
        if "description" not in call.body:
            kb.settings.pop("description", None)
        kb.updated_at = now()
        return {"knowledgeBase": kb.to_api("UPDATING")}

    def delete_knowledge_base(self, call: Call) -> dict[str, Any]:
        kb = self.knowledge_base(call.uri["knowledgeBaseId"])
        del self.knowledge_bases[kb.id]
        self.tags.pop(kb.arn, None)
        return {"knowledgeBaseId": kb.id, "status": "DELETING"}

    # -- data sources ------------------------------------------------------------------------------

    def create_data_source(self, call: Call) -> dict[str, Any]:
        kb = self.knowledge_base(call.uri["knowledgeBaseId"])
        unique([ds.name for ds in kb.data_sources.values()], str(call.body["name"]), "data source")
        _check_data_source(dict(call.body.get("dataSourceConfiguration") or {}))
        stamp = now()
        settings = {"dataDeletionPolicy": "DELETE", **pick(call.body, DS_FIELDS)}
        source = DataSource(new_id(kb.data_sources), kb.id, settings, stamp, stamp)
        kb.data_sources[source.id] = source
        return {"dataSource": source.to_api()}

    def data_source(self, call: Call) -> DataSource:
        kb = self.knowledge_base(call.uri["knowledgeBaseId"])
        return find(kb.data_sources, call.uri["dataSourceId"], "Data source")

    def get_data_source(self, call: Call) -> dict[str, Any]:
        return {"dataSource": self.data_source(call).to_api()}

    def list_data_sources(self, call: Call) -> dict[str, Any]:
        kb = self.knowledge_base(call.uri["knowledgeBaseId"])
        return page(list(kb.data_sources.values()), call, "dataSourceSummaries", DataSource.summary)

    def update_data_source(self, call: Call) -> dict[str, Any]:
        source = self.data_source(call)
        kb = self.knowledge_bases[source.knowledge_base_id]
        name = str(call.body["name"])
        if name != source.name:
            unique([ds.name for ds in kb.data_sources.values()], name, "data source")
        config = dict(call.body.get("dataSourceConfiguration") or {})
        if config.get("type") != source.settings["dataSourceConfiguration"].get("type"):
            raise ValidationException("The type of a data source cannot change.")
        _check_data_source(config)
        source.settings = {"dataDeletionPolicy": "DELETE", "clientToken": source.settings.get("clientToken"),
                           **pick(call.body, DS_FIELDS)}
        source.updated_at = now()
        return {"dataSource": source.to_api()}

    def delete_data_source(self, call: Call) -> dict[str, Any]:
        source = self.data_source(call)
        kb = self.knowledge_bases[source.knowledge_base_id]
        if source.settings.get("dataDeletionPolicy") == "RETAIN":
            kb.retained.extend(source.documents.values())
        del kb.data_sources[source.id]
        return {"knowledgeBaseId": kb.id, "dataSourceId": source.id, "status": "DELETING"}

    # -- ingestion jobs ----------------------------------------------------------------------------

    def _check_dimensions(self, kb: KnowledgeBase) -> None:
        """AWS fails the job when the model's vectors cannot go into the vector index."""
        model_id, _, dimension = embedding_model(kb.settings)
        target = s3_vectors_index_dimension(self.account_id, dict(kb.settings.get("storageConfiguration") or {}))
        if dimension is None or target is None or target[1] == dimension:
            return
        raise IngestionFailed(
            f"The embedding model {model_id} produces vectors of dimension {dimension}, which does not match the "
            f"dimension {target[1]} of the vector index {target[0]}. (Service: S3Vectors, Status Code: 400, "
            "ValidationException)"
        )

    def _ingest(self, source: DataSource) -> index.Ingestion:
        self._check_dimensions(self.knowledge_bases[source.knowledge_base_id])
        config = source.settings["dataSourceConfiguration"]
        if config.get("type") != "S3":
            raise IngestionFailed(f"The emulator ingests only S3 data sources, not {config.get('type')}.")
        s3 = config.get("s3Configuration") or {}
        bucket = str(s3["bucketArn"]).split(":::", 1)[-1]
        try:
            objects = bucket_objects(self.account_id, bucket, list(s3.get("inclusionPrefixes") or []))
        except Exception:  # moto's MissingBucket
            raise IngestionFailed(f"The S3 bucket {bucket} of the data source does not exist.") from None
        chunking = (source.settings.get("vectorIngestionConfiguration") or {}).get("chunkingConfiguration")
        return index.ingest(bucket, objects, source.documents, chunking)

    def start_ingestion_job(self, call: Call) -> dict[str, Any]:
        source = self.data_source(call)
        started = now()
        try:
            result = self._ingest(source)
        except IngestionFailed as failure:
            status, statistics, reasons = "FAILED", index.empty_statistics(), [str(failure)]
        else:
            status, statistics, reasons = "COMPLETE", result.statistics, result.failure_reasons
            source.documents = result.documents
        job = IngestionJob(new_id(source.jobs), source.knowledge_base_id, source.id, call.body.get("description"),
                           status, statistics, reasons, started, now())
        source.jobs[job.id] = job
        return {"ingestionJob": job.to_api("STARTING")}

    def ingestion_job(self, call: Call) -> IngestionJob:
        return find(self.data_source(call).jobs, call.uri["ingestionJobId"], "Ingestion job")

    def get_ingestion_job(self, call: Call) -> dict[str, Any]:
        return {"ingestionJob": self.ingestion_job(call).to_api()}

    def stop_ingestion_job(self, call: Call) -> dict[str, Any]:
        job = self.ingestion_job(call)
        raise ConflictException(f"Ingestion job {job.id} is {job.status} and cannot be stopped.")

    def list_ingestion_jobs(self, call: Call) -> dict[str, Any]:
        jobs = list(self.data_source(call).jobs.values())
        for condition in call.body.get("filters") or []:
            if condition.get("attribute") == "STATUS":
                jobs = [job for job in jobs if job.status in (condition.get("values") or [])]
        order = call.body.get("sortBy") or {}
        if order.get("attribute") == "STATUS":
            jobs.sort(key=lambda job: job.status)
        else:
            jobs.sort(key=lambda job: job.started_at)
        if order.get("order") == "DESCENDING":
            jobs.reverse()
        return page(jobs, call, "ingestionJobSummaries", IngestionJob.summary)


_stores: BackendDict[KnowledgeBaseStore] = BackendDict(KnowledgeBaseStore, "bedrock")


def store(account_id: str, region: str) -> KnowledgeBaseStore:
    """The knowledge bases of one account and region (registered with moto: a reset clears them)."""
    return _stores[account_id][region]
