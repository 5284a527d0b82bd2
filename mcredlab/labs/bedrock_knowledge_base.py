"""Amazon Bedrock Knowledge Bases: documents in S3, an embedding model and a vector store, synced and searchable."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from mcredlab.kit import (
    TAG_KEY, Aws, Context, Finding, Lab, Text, clip, failed, iam, not_found, passed, s3, tagged_by,
)

lab = Lab(
    id="bedrock-knowledge-base",
    track="agentic-ai",
    services=("bedrock-agent", "s3", "s3vectors", "bedrock-agent-runtime", "iam"),
    flows=(("s3", "bedrock-agent"), ("bedrock-agent", "s3vectors"), ("user", "bedrock-agent")),
    certs=("AIF", "MLA"),
    minutes=20,
    title=Text(
        en="Build an Amazon Bedrock knowledge base from documents in Amazon S3",
        ja="Amazon S3 のドキュメントから Amazon Bedrock のナレッジベースを作成する",
    ),
    task=Text(
        en=(
            "Customer service wants answers grounded in the shop's policy documents. What a knowledge base needs "
            "before it can be created is ready:\n"
            "- the documents: bucket **{bucket}**, under the prefix `policies/`;\n"
            "- the service role **{role_name}**, which Bedrock assumes to read the bucket, call the embedding model "
            "and write vectors;\n"
            "- the vector store: the S3 vector bucket **{vector_bucket}** with the vector index **{vector_index}** "
            "(1024 dimensions, cosine).\n\n"
            "1. Create a knowledge base named **{kb_name}** with that role, the embedding model *Titan Text "
            "Embeddings V2* (`amazon.titan-embed-text-v2:0`, 1024 dimensions) and the index **{vector_index}** as "
            "its vector store (Amazon S3 Vectors, *an existing vector store*).\n"
            "2. Give it an Amazon S3 data source that reads the documents of **{bucket}**.\n"
            "3. Sync the data source (an ingestion job) and make sure every document was indexed.\n\n"
            "Tip: `retrieve` of `bedrock-agent-runtime` with the query “{question}” (or *Test knowledge base* in the "
            "console) should return the passage of `policies/returns.md`."
        ),
        ja=(
            "カスタマーサービス部門は、ショップのポリシー文書に基づいた回答を求めています。ナレッジベースの作成前に"
            "必要なものは用意されています。\n"
            "- ドキュメント: バケット **{bucket}** のプレフィックス `policies/` の下\n"
            "- サービスロール **{role_name}**: Bedrock がこのロールを引き受けて、バケットの読み取り、埋め込みモデルの"
            "呼び出し、ベクトルの書き込みを行います\n"
            "- ベクトルストア: S3 ベクトルバケット **{vector_bucket}** とベクトルインデックス **{vector_index}**"
            "（1024 次元、コサイン）\n\n"
            "1. そのロール、埋め込みモデル「Titan Text Embeddings V2」（`amazon.titan-embed-text-v2:0`、1024 次元）、"
            "ベクトルストアとしてインデックス **{vector_index}**（Amazon S3 Vectors、「作成済みのベクトルストア」）を"
            "使用して、**{kb_name}** という名前のナレッジベースを作成します。\n"
            "2. **{bucket}** のドキュメントを読み取る Amazon S3 データソースを追加します。\n"
            "3. データソースを同期（取り込みジョブを実行）し、すべてのドキュメントがインデックスに登録されたことを確認します。\n\n"
            "ヒント: `bedrock-agent-runtime` の `retrieve` でクエリ“{question}”を検索する（またはコンソールの"
            "「ナレッジベースをテスト」を使う）と、`policies/returns.md` の文章が返るはずです。"
        ),
    ),
)

KB_NAME = "mcredlab-policies-kb"
ROLE_NAME = "AmazonBedrockExecutionRoleForKnowledgeBase_mcredlab"
PREFIX = "policies/"
INDEX_NAME = "mcredlab-policies-index"
DIMENSION = 1024
EMBEDDING_MODEL = "amazon.titan-embed-text-v2:0"
QUESTION = "How many days do customers have to return an item?"
DOCUMENTS = {
    "policies/returns.md": (
        "# Returns and refunds\n\n"
        "Customers can return an item within 30 days of delivery for a full refund. The item must be unused and in "
        "its original packaging. To start a return, customers open My orders, choose the order and select Return "
        "item. The refund reaches the original payment method within 5 business days after the returned item "
        "arrives at our warehouse. Items marked Final sale cannot be returned.\n"
    ),
    "policies/shipping.md": (
        "# Shipping\n\n"
        "Standard shipping takes 3 to 5 business days and is free for orders over 50 USD. Express shipping delivers "
        "the next business day for 12 USD when the order is placed before 2 pm. We ship to all 47 prefectures of "
        "Japan and to the United States.\n"
    ),
    "policies/warranty.txt": (
        "Warranty\n\n"
        "All electronics sold by the shop come with a 2-year manufacturer warranty. The warranty covers defects in "
        "materials and workmanship, not accidental damage. To make a warranty claim, contact support with the "
        "order number and a photo of the defect.\n"
    ),
}
EXPECTED_SOURCE = "policies/returns.md"
EXPECTED_PASSAGE = "30 days"
TRUST = iam.trust_policy("bedrock.amazonaws.com")
# Output dimensions of Bedrock's text embedding models: (default, the ones a request may choose).
EMBEDDING_DIMENSIONS: dict[str, tuple[int, tuple[int, ...]]] = {
    "amazon.titan-embed-text-v1": (1536, (1536,)),
    "amazon.titan-embed-text-v2:0": (1024, (256, 512, 1024)),
    "amazon.titan-embed-g1-text-02": (1536, (1536,)),
    "amazon.titan-embed-image-v1": (1024, (256, 384, 1024)),
    "cohere.embed-english-v3": (1024, (1024,)),
    "cohere.embed-multilingual-v3": (1024, (1024,)),
    "cohere.embed-v4:0": (1536, (256, 512, 1024, 1536)),
}


def _names(aws: Aws) -> dict[str, str]:
    return {
        "bucket": f"mcredlab-kb-docs-{aws.account_id}-{aws.region}",
        "vector_bucket": f"mcredlab-kb-vectors-{aws.account_id}-{aws.region}",
    }


def _role_policy(bucket: str, index_arn: str, region: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": f"arn:aws:s3:::{bucket}"},
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"arn:aws:s3:::{bucket}/*"},
            {"Effect": "Allow", "Action": ["bedrock:InvokeModel"],
             "Resource": f"arn:aws:bedrock:{region}::foundation-model/amazon.titan-embed-*"},
            {"Effect": "Allow", "Action": ["s3vectors:PutVectors", "s3vectors:GetVectors", "s3vectors:DeleteVectors",
                                           "s3vectors:QueryVectors", "s3vectors:GetIndex"], "Resource": index_arn},
        ],
    }


# -- setup -------------------------------------------------------------------------------------


def _bucket(aws: Aws, bucket: str, documents: dict[str, str]) -> None:
    s3.ensure_bucket(aws, lab.id, bucket, {
        key: (body, f"{'text/markdown' if key.endswith('.md') else 'text/plain'}; charset=utf-8")
        for key, body in documents.items()
    })


def _vector_index(aws: Aws, vector_bucket: str) -> str:
    vectors = aws.client("s3vectors")
    names = {b["vectorBucketName"] for b in vectors.list_vector_buckets()["vectorBuckets"]}
    if vector_bucket not in names:
        vectors.create_vector_bucket(vectorBucketName=vector_bucket, tags={TAG_KEY: lab.id})
    indexes = {i["indexName"]: i["indexArn"] for i in vectors.list_indexes(vectorBucketName=vector_bucket)["indexes"]}
    if INDEX_NAME not in indexes:
        vectors.create_index(
            vectorBucketName=vector_bucket, indexName=INDEX_NAME, dataType="float32", dimension=DIMENSION,
            distanceMetric="cosine",
            metadataConfiguration={"nonFilterableMetadataKeys": ["AMAZON_BEDROCK_TEXT", "AMAZON_BEDROCK_METADATA"]},
        )
        return str(vectors.get_index(vectorBucketName=vector_bucket, indexName=INDEX_NAME)["index"]["indexArn"])
    return str(indexes[INDEX_NAME])


def _role(aws: Aws, bucket: str, index_arn: str) -> str:
    return iam.ensure_role(aws, lab.id, ROLE_NAME, TRUST,
                                 inline={"knowledge-base": _role_policy(bucket, index_arn, aws.region)})


@lab.setup
def setup(aws: Aws) -> Context:
    """What must exist before a knowledge base: the documents, the vector store and the service role."""
    names = _names(aws)
    _bucket(aws, names["bucket"], DOCUMENTS)
    index_arn = _vector_index(aws, names["vector_bucket"])
    role_arn = _role(aws, names["bucket"], index_arn)
    return {"kb_name": KB_NAME, "bucket": names["bucket"], "role_name": ROLE_NAME, "role_arn": role_arn,
            "vector_bucket": names["vector_bucket"], "vector_index": INDEX_NAME, "index_arn": index_arn,
            "question": QUESTION}


# -- what the checks read ----------------------------------------------------------------------


def _data_sources(aws: Aws, kb_id: str) -> list[dict[str, Any]]:
    agents = aws.client("bedrock-agent")
    summaries = agents.list_data_sources(knowledgeBaseId=kb_id)["dataSourceSummaries"]
    return [dict(agents.get_data_source(knowledgeBaseId=kb_id, dataSourceId=s["dataSourceId"])["dataSource"])
            for s in summaries]


def _kb(aws: Aws, ctx: Context) -> tuple[dict[str, Any] | None, int]:
    """(the knowledge base named as the task says, how many have that name). With several, the one with the most
    data sources, then the newest."""
    agents = aws.client("bedrock-agent")
    named = [s for s in agents.list_knowledge_bases()["knowledgeBaseSummaries"] if s["name"] == ctx["kb_name"]]
    if not named:
        return None, 0
    ranked = sorted(named, key=lambda s: (len(_data_sources(aws, s["knowledgeBaseId"])), s["updatedAt"]))
    best = ranked[-1]["knowledgeBaseId"]
    return dict(agents.get_knowledge_base(knowledgeBaseId=best)["knowledgeBase"]), len(named)


_NO_KB = ("no knowledge base named {kb_name}", "{kb_name} という名前のナレッジベースがありません")


def _no_kb(ctx: Context) -> Finding:
    return failed(_NO_KB[0].format(**ctx), _NO_KB[1].format(**ctx))


def _document_keys(aws: Aws, bucket: str) -> list[str]:
    return [key for key in s3.keys(aws, bucket) if not key.endswith("/") and not key.endswith(".metadata.json")]


def _s3_source(aws: Aws, ctx: Context, kb: dict[str, Any]) -> tuple[dict[str, Any] | None, str, str]:
    """(the data source that reads the lab's documents; or None with what was found, in en and ja)."""
    sources = _data_sources(aws, kb["knowledgeBaseId"])
    if not sources:
        return None, "the knowledge base has no data source", "ナレッジベースにデータソースがありません"
    wanted = f"arn:aws:s3:::{ctx['bucket']}"
    documents = [k for k in _document_keys(aws, ctx["bucket"]) if k.startswith(PREFIX)]
    found_en, found_ja = [], []
    for source in sources:
        config = source.get("dataSourceConfiguration") or {}
        settings = config.get("s3Configuration") or {}
        if config.get("type") != "S3" or settings.get("bucketArn") != wanted:
            where = settings.get("bucketArn") or config.get("type")
            found_en.append(f"{source['name']} reads {where}")
            found_ja.append(f"{source['name']} は {where} を読み取ります")
            continue
        prefixes = list(settings.get("inclusionPrefixes") or [])
        covered = [d for d in documents if not prefixes or any(d.startswith(p) for p in prefixes)]
        if not covered:
            found_en.append(f"{source['name']} reads only {', '.join(prefixes)}, where there are no documents")
            found_ja.append(f"{source['name']} はドキュメントのない {', '.join(prefixes)} だけを読み取ります")
            continue
        left_out = [d for d in documents if d not in covered]
        if left_out:
            listing = ", ".join(left_out)
            found_en.append(f"{source['name']} reads only the prefix {', '.join(prefixes)}: {len(covered)} of "
                            f"{len(documents)} documents, leaving out {listing}")
            found_ja.append(f"{source['name']} が読み取るのはプレフィックス {', '.join(prefixes)} だけで、"
                            f"ドキュメント {len(documents)} 件のうち {len(covered)} 件です（{listing} が含まれません）")
            continue
        return source, "", ""
    return None, "; ".join(found_en), "、".join(found_ja)


def _jobs(aws: Aws, kb_id: str, source_id: str) -> list[dict[str, Any]]:
    """The data source's ingestion jobs, newest first."""
    agents = aws.client("bedrock-agent")
    summaries = agents.list_ingestion_jobs(knowledgeBaseId=kb_id, dataSourceId=source_id,
                                           sortBy={"attribute": "STARTED_AT", "order": "DESCENDING"},
                                           maxResults=50)["ingestionJobSummaries"]
    return sorted((dict(s) for s in summaries), key=lambda job: job["startedAt"], reverse=True)


def _model_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _dimensions(kb: dict[str, Any]) -> tuple[str, int | None, str | None]:
    """(model id, vector dimensions it produces, why it cannot be used) for a knowledge base's embedding model."""
    vector = (kb.get("knowledgeBaseConfiguration") or {}).get("vectorKnowledgeBaseConfiguration") or {}
    model = _model_id(str(vector.get("embeddingModelArn") or ""))
    chosen = ((vector.get("embeddingModelConfiguration") or {}).get("bedrockEmbeddingModelConfiguration") or {})
    known = next((dims for name, dims in EMBEDDING_DIMENSIONS.items() if model == name or model.startswith(name + ":")),
                 None)
    if known is None:
        if "embed" not in model:
            return model, None, "not an embedding model"
        return model, chosen.get("dimensions"), None
    default, allowed = known
    size = int(chosen.get("dimensions") or default)
    if size not in allowed:
        return model, size, f"cannot produce {size} dimensions"
    return model, size, None


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "knowledge-base",
    expected=Text(en="a knowledge base {kb_name} that uses the service role {role_name}",
                  ja="サービスロール {role_name} を使用するナレッジベース {kb_name}"),
    looked_at=Text(en="the knowledge bases of the region", ja="リージョン内のナレッジベース"),
    hint=Text(
        en="Bedrock console > Knowledge Bases > Create > Knowledge Base with vector store. Name it {kb_name} and under "
        "IAM permissions choose “Use an existing service role”: {role_name}. A knowledge base cannot change its "
        "name later: create it again with the right one.",
        ja="Bedrock コンソールで「ナレッジベース」>「作成」>「ベクトルストアを含むナレッジベース」を選びます。名前を "
        "{kb_name} にし、「IAM 許可」で「既存のサービスロールを使用」を選んで {role_name} を指定します。",
    ),
)
def knowledge_base(aws: Aws, ctx: Context) -> Finding:
    kb, count = _kb(aws, ctx)
    if kb is None:
        return _no_kb(ctx)
    role = str(kb.get("roleArn") or "")
    if role.rsplit("/", 1)[-1] != ctx["role_name"]:
        return failed(f"{kb['knowledgeBaseId']} uses the role {role}", f"{kb['knowledgeBaseId']} はロール {role} を使用しています")
    status = str(kb.get("status"))
    if status == "FAILED":
        reasons = "; ".join(kb.get("failureReasons") or [])
        return failed(f"{kb['knowledgeBaseId']} is FAILED: {reasons}", f"{kb['knowledgeBaseId']} は FAILED です: “{reasons}”")
    several = f" (judging the one with most data sources of {count} with that name)" if count > 1 else ""
    several_ja = f"（同名の {count} 個のうち、データソースが最も多いものを判定）" if count > 1 else ""
    return passed(f"{kb['knowledgeBaseId']} ({status}) with role {ctx['role_name']}{several}",
                  f"ロール {ctx['role_name']} を使用する {kb['knowledgeBaseId']}（{status}）{several_ja}")


@lab.criterion(
    "embedding-model",
    expected=Text(en="the embedding model Titan Text Embeddings V2 (amazon.titan-embed-text-v2:0) with the index's "
                  "1024 dimensions",
                  ja="埋め込みモデルが Titan Text Embeddings V2（amazon.titan-embed-text-v2:0）で、インデックスと同じ "
                  "1024 次元"),
    looked_at=Text(en="the embedding model of knowledge base {kb_name}, and the dimension of index {vector_index}",
                   ja="ナレッジベース {kb_name} の埋め込みモデルと、インデックス {vector_index} の次元数"),
    hint=Text(
        en="Under Embeddings model choose Titan Text Embeddings V2 with 1024 dimensions. The vector index was created "
        "for 1024-dimensional vectors: a model with other dimensions (Titan Embeddings G1 - Text: 1536) cannot write to "
        "it. The model cannot be changed later: create the knowledge base again.",
        ja="「埋め込みモデル」で Titan Text Embeddings V2 を選び、次元数を 1024 にします。ベクトルインデックスは 1024 次元の"
        "ベクトル用に作成されているので、次元数の異なるモデル（Titan Embeddings G1 - Text は 1536）では書き込めません。"
        "モデルは後から変更できないので、ナレッジベースを作り直してください。",
    ),
    requires="knowledge-base",
)
def embedding_model(aws: Aws, ctx: Context) -> Finding:
    kb, _ = _kb(aws, ctx)
    if kb is None:
        return _no_kb(ctx)
    kind = (kb.get("knowledgeBaseConfiguration") or {}).get("type")
    if kind != "VECTOR":
        return failed(f"a knowledge base of type {kind}, not VECTOR", f"タイプが VECTOR ではなく {kind} のナレッジベースです")
    model, size, problem = _dimensions(kb)
    if problem:
        return failed(f"{model}: {problem}", f"{model}: {'埋め込みモデルではありません' if size is None else f'{size} 次元は出力できません'}")
    index = _index_dimension(aws, ctx)
    if size is not None and index is not None and size != index:
        return failed(f"{model} makes {size}-dimensional vectors; the index holds {index}",
                      f"{model} は {size} 次元のベクトルを出力しますが、インデックスは {index} 次元です")
    if model != EMBEDDING_MODEL:
        return failed(f"{model}, not Titan Text Embeddings V2 ({EMBEDDING_MODEL})",
                      f"Titan Text Embeddings V2（{EMBEDDING_MODEL}）ではなく {model} です")
    shown = f"{size} dimensions" if size else "dimensions not known to the check"
    return passed(f"{model} ({shown})", f"{model}（{f'{size} 次元' if size else '次元数は不明'}）")


def _index_dimension(aws: Aws, ctx: Context) -> int | None:
    try:
        return int(aws.client("s3vectors").get_index(indexArn=ctx["index_arn"])["index"]["dimension"])
    except (ClientError, KeyError):
        return None


@lab.criterion(
    "vector-store",
    expected=Text(en="the S3 vector index {vector_index} as the vector store", ja="ベクトルストアが S3 ベクトルインデックス {vector_index}"),
    looked_at=Text(en="the storage configuration of knowledge base {kb_name}", ja="ナレッジベース {kb_name} のストレージ設定"),
    hint=Text(
        en="Under Vector database choose “Use an existing vector store”, vector store Amazon S3 Vectors, then the "
        "vector bucket {vector_bucket} and the index {vector_index} (ARN {index_arn}). With the API: storageConfiguration "
        "type S3_VECTORS with s3VectorsConfiguration.indexArn.",
        ja="「ベクトルデータベース」で「作成済みのベクトルストアを使用」を選び、ベクトルストアに Amazon S3 Vectors を選んでから、"
        "ベクトルバケット {vector_bucket} とインデックス {vector_index}（ARN {index_arn}）を指定します。API では "
        "`storageConfiguration` の `type` を `S3_VECTORS` にし、`s3VectorsConfiguration.indexArn` を指定します。",
    ),
    requires="knowledge-base",
)
def vector_store(aws: Aws, ctx: Context) -> Finding:
    kb, _ = _kb(aws, ctx)
    if kb is None:
        return _no_kb(ctx)
    storage = kb.get("storageConfiguration") or {}
    if storage.get("type") != "S3_VECTORS":
        return failed(f"a vector store of type {storage.get('type')}", f"タイプ {storage.get('type')} のベクトルストアです")
    config = storage.get("s3VectorsConfiguration") or {}
    bucket_arn = ctx["index_arn"].split("/index/", 1)[0]
    if config.get("indexArn") == ctx["index_arn"] or (
        config.get("vectorBucketArn") == bucket_arn and config.get("indexName") == ctx["vector_index"]
    ):
        return passed(f"index {ctx['vector_index']} of {ctx['vector_bucket']}",
                      f"{ctx['vector_bucket']} のインデックス {ctx['vector_index']}")
    where = config.get("indexArn") or f"{config.get('vectorBucketArn')} / {config.get('indexName')}"
    return failed(f"another index: {where}", f"別のインデックスです: {where}")


@lab.criterion(
    "s3-data-source",
    expected=Text(en="an S3 data source that reads every document under policies/ of {bucket}",
                  ja="{bucket} の policies/ にあるすべてのドキュメントを読み取る S3 データソース"),
    looked_at=Text(en="the data sources of knowledge base {kb_name}, and the objects of {bucket}",
                   ja="ナレッジベース {kb_name} のデータソースと、{bucket} のオブジェクト"),
    hint=Text(
        en="Data source: Amazon S3, S3 URI s3://{bucket}/ (Browse S3 picks it). An inclusion prefix is optional; if "
        "you set one, it must be policies/, which holds every document: a longer prefix (a sub-folder or a file name) "
        "leaves documents out. A data source cannot move to another bucket: delete it and add a new one.",
        ja="データソースに Amazon S3 を選び、S3 URI に s3://{bucket}/ を指定します（「S3 を参照」で選べます）。"
        "包含プレフィックスは省略可能ですが、指定する場合はすべてのドキュメントを含む policies/ にします。それより長い"
        "プレフィックス（サブフォルダーやファイル名）では一部のドキュメントが含まれません。データソースのバケットは"
        "変更できないので、削除して新しく追加してください。",
    ),
    requires="knowledge-base",
)
def s3_data_source(aws: Aws, ctx: Context) -> Finding:
    kb, _ = _kb(aws, ctx)
    if kb is None:
        return _no_kb(ctx)
    source, found_en, found_ja = _s3_source(aws, ctx, kb)
    if source is None:
        return failed(found_en, found_ja)
    prefixes = (source["dataSourceConfiguration"].get("s3Configuration") or {}).get("inclusionPrefixes") or []
    scope = f"prefix {', '.join(prefixes)}" if prefixes else "the whole bucket"
    scope_ja = f"プレフィックス {', '.join(prefixes)} " if prefixes else "バケット全体"
    return passed(f"{source['name']} ({source['dataSourceId']}) reads {scope} of {ctx['bucket']}",
                  f"{source['name']}（{source['dataSourceId']}）は {ctx['bucket']} の{scope_ja}を読み取ります")


@lab.criterion(
    "ingestion-complete",
    expected=Text(en="a COMPLETE sync of the data source, after its last change, that indexed the documents",
                  ja="データソースの最後の変更の後に同期が完了（COMPLETE）し、ドキュメントがインデックスに登録されている"),
    looked_at=Text(en="the ingestion jobs of the data source and their statistics",
                   ja="データソースの取り込みジョブとその統計情報"),
    hint=Text(
        en="Select the data source and press Sync (or `aws bedrock-agent start-ingestion-job --knowledge-base-id ... "
        "--data-source-id ...`), then wait for Status Available / job COMPLETE. Documents are searchable only after a "
        "sync, and again after every change to the data source or its documents.",
        ja="データソースを選択して「同期」を押し（または `aws bedrock-agent start-ingestion-job --knowledge-base-id ... "
        "--data-source-id ...`）、ステータスが「利用可能」、ジョブが COMPLETE になるまで待ちます。ドキュメントは同期して"
        "初めて検索できるようになり、データソースやドキュメントを変更したら再度の同期が必要です。",
    ),
    requires=("embedding-model", "vector-store", "s3-data-source"),
)
def ingestion_complete(aws: Aws, ctx: Context) -> Finding:
    kb, _ = _kb(aws, ctx)
    if kb is None:
        return _no_kb(ctx)
    source, found_en, found_ja = _s3_source(aws, ctx, kb)
    if source is None:
        return failed(f"no data source of the documents to sync ({found_en})",
                      f"同期するドキュメントのデータソースがありません（{found_ja}）")
    jobs = _jobs(aws, kb["knowledgeBaseId"], source["dataSourceId"])
    if not jobs:
        return failed(f"{source['name']} was never synced (no ingestion jobs)",
                      f"{source['name']} は一度も同期されていません（取り込みジョブがありません）")
    latest = jobs[0]
    stats = latest.get("statistics") or {}
    summary = (f"{stats.get('numberOfDocumentsScanned', 0)} scanned, "
               f"{stats.get('numberOfNewDocumentsIndexed', 0) + stats.get('numberOfModifiedDocumentsIndexed', 0)} "
               f"indexed, {stats.get('numberOfDocumentsFailed', 0)} failed")
    summary_ja = (f"スキャン {stats.get('numberOfDocumentsScanned', 0)} 件、登録 "
                  f"{stats.get('numberOfNewDocumentsIndexed', 0) + stats.get('numberOfModifiedDocumentsIndexed', 0)} 件、"
                  f"失敗 {stats.get('numberOfDocumentsFailed', 0)} 件")
    job = f"job {latest['ingestionJobId']}"
    if latest["status"] != "COMPLETE":
        return failed(f"the latest {job} is {latest['status']} ({summary})",
                      f"最新のジョブ {latest['ingestionJobId']} は {latest['status']} です（{summary_ja}）")
    if source.get("updatedAt") and latest["startedAt"] < source["updatedAt"]:
        return failed(f"the latest {job} ran before the data source was last changed; sync again",
                      f"最新のジョブ {latest['ingestionJobId']} はデータソースの最後の変更より前に実行されています。再度同期してください")
    if not stats.get("numberOfDocumentsScanned"):
        return failed(f"the latest {job} found no documents ({summary})",
                      f"最新のジョブ {latest['ingestionJobId']} はドキュメントを見つけていません（{summary_ja}）")
    if stats.get("numberOfDocumentsFailed"):
        return failed(f"the latest {job} could not index some documents ({summary})",
                      f"最新のジョブ {latest['ingestionJobId']} は一部のドキュメントを登録できませんでした（{summary_ja}）")
    indexed = sum((j.get("statistics") or {}).get("numberOfNewDocumentsIndexed", 0)
                  + (j.get("statistics") or {}).get("numberOfModifiedDocumentsIndexed", 0)
                  for j in jobs if j["status"] == "COMPLETE")
    if not indexed:
        return failed(f"no sync of {source['name']} indexed any document ({summary})",
                      f"{source['name']} の同期でドキュメントが 1 件も登録されていません（{summary_ja}）")
    return passed(f"{job} COMPLETE: {summary}", f"ジョブ {latest['ingestionJobId']} は COMPLETE: {summary_ja}")


@lab.criterion(
    "retrieve-answers",
    expected=Text(en="Retrieve finds the passage of {bucket}/policies/returns.md for “{question}”",
                  ja="Retrieve で“{question}”を検索すると {bucket}/policies/returns.md の文章が見つかる"),
    looked_at=Text(en="what Retrieve (bedrock-agent-runtime) answers from knowledge base {kb_name}",
                   ja="ナレッジベース {kb_name} に対する Retrieve（bedrock-agent-runtime）の結果"),
    hint=Text(
        en="Try it: Test knowledge base in the console (turn off “Generate responses”), or "
        "retrieve(knowledgeBaseId=..., retrievalQuery={{'text': '{question}'}}). No results: the documents were never "
        "synced, or the data source reads a place without them.",
        ja="コンソールの「ナレッジベースをテスト」（「応答を生成」をオフ）または "
        "retrieve(knowledgeBaseId=..., retrievalQuery={{'text': '{question}'}}) で試せます。結果がない場合は、"
        "ドキュメントが同期されていないか、データソースがドキュメントのない場所を読み取っています。",
    ),
    requires="ingestion-complete",
)
def retrieve_answers(aws: Aws, ctx: Context) -> Finding:
    kb, _ = _kb(aws, ctx)
    if kb is None:
        return _no_kb(ctx)
    sent = f"Retrieve({kb['knowledgeBaseId']}, “{ctx['question']}”)"
    try:
        results = aws.client("bedrock-agent-runtime").retrieve(
            knowledgeBaseId=kb["knowledgeBaseId"], retrievalQuery={"text": ctx["question"]},
            retrievalConfiguration={"vectorSearchConfiguration": {"numberOfResults": 3}},
        )["retrievalResults"]
    except ClientError as error:
        problem = f"{error.response['Error']['Code']}: {error.response['Error'].get('Message', '')}"
        return failed(f"{sent} failed: {clip(problem)}", f"{sent} が失敗しました: “{clip(problem)}”")
    except BotoCoreError as error:
        return failed(f"{sent} failed: {clip(str(error))}", f"{sent} が失敗しました: “{clip(str(error))}”")
    if not results:
        return failed(f"{sent} found nothing", f"{sent} は何も見つけませんでした")
    wanted = f"s3://{ctx['bucket']}/{EXPECTED_SOURCE}"
    for result in results:
        uri = ((result.get("location") or {}).get("s3Location") or {}).get("uri")
        text = (result.get("content") or {}).get("text") or ""
        if uri == wanted and EXPECTED_PASSAGE in text:
            passage = clip(re.sub(r"\s+", " ", text), 160)
            return passed(f"{sent} found {uri}: “{passage}”", f"{sent} は {uri} の“{passage}”を見つけました")
    uris = ", ".join(str(((r.get("location") or {}).get("s3Location") or {}).get("uri")) for r in results)
    return failed(f"{sent} found only {uris}", f"{sent} が見つけたのは {uris} だけです")


# -- reference solution, other valid ways, near misses -----------------------------------------


def _wait(read: Any, done: tuple[str, ...], seconds: float = 300) -> dict[str, Any]:
    """Poll ``read()`` until its status is one of ``done`` (the emulator settles at once; AWS takes a while)."""
    deadline = time.monotonic() + seconds
    while True:
        found: dict[str, Any] = read()
        if found["status"] in done or time.monotonic() > deadline:
            return found
        time.sleep(5)


def create_kb(aws: Aws, ctx: Context, *, model: str = EMBEDDING_MODEL, dimensions: int | None = DIMENSION,
              role_arn: str | None = None, index_arn: str | None = None) -> str:
    """The knowledge base as the console creates it (an existing S3 vector index); its id, once ACTIVE."""
    agents = aws.client("bedrock-agent")
    vector: dict[str, Any] = {"embeddingModelArn": f"arn:aws:bedrock:{aws.region}::foundation-model/{model}"}
    if dimensions:
        vector["embeddingModelConfiguration"] = {"bedrockEmbeddingModelConfiguration": {
            "dimensions": dimensions, "embeddingDataType": "FLOAT32"}}
    kb_id = str(agents.create_knowledge_base(
        name=ctx["kb_name"], roleArn=role_arn or ctx["role_arn"], description="The shop's policies",
        knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": vector},
        storageConfiguration={"type": "S3_VECTORS",
                              "s3VectorsConfiguration": {"indexArn": index_arn or ctx["index_arn"]}},
    )["knowledgeBase"]["knowledgeBaseId"])
    _wait(lambda: agents.get_knowledge_base(knowledgeBaseId=kb_id)["knowledgeBase"], ("ACTIVE", "FAILED"))
    return kb_id


def add_source(aws: Aws, kb_id: str, bucket: str, prefixes: list[str] | None = None) -> str:
    s3: dict[str, Any] = {"bucketArn": f"arn:aws:s3:::{bucket}"}
    if prefixes:
        s3["inclusionPrefixes"] = prefixes
    return str(aws.client("bedrock-agent").create_data_source(
        knowledgeBaseId=kb_id, name="policies", dataSourceConfiguration={"type": "S3", "s3Configuration": s3},
    )["dataSource"]["dataSourceId"])


def sync(aws: Aws, kb_id: str, source_id: str) -> None:
    agents = aws.client("bedrock-agent")
    job_id = agents.start_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=source_id)["ingestionJob"]["ingestionJobId"]
    _wait(lambda: agents.get_ingestion_job(knowledgeBaseId=kb_id, dataSourceId=source_id,
                                           ingestionJobId=job_id)["ingestionJob"], ("COMPLETE", "FAILED", "STOPPED"))


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    kb_id = create_kb(aws, ctx)
    sync(aws, kb_id, add_source(aws, kb_id, ctx["bucket"], [PREFIX]))


@lab.alternative(
    "aws-cli",
    story=Text(
        en="AWS CLI: create-knowledge-base naming the vector bucket and index by name (no dimensions given), a data "
        "source on the whole bucket, start-ingestion-job",
        ja="AWS CLI: create-knowledge-base でベクトルバケットとインデックスを名前で指定（次元数は省略）し、バケット全体を"
        "読み取るデータソースを追加して start-ingestion-job を実行",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    model = f"arn:aws:bedrock:{aws.region}::foundation-model/{EMBEDDING_MODEL}"
    vector_bucket_arn = ctx["index_arn"].split("/index/", 1)[0]
    kb = json.loads(aws.cli(
        "bedrock-agent", "create-knowledge-base", "--name", ctx["kb_name"], "--role-arn", ctx["role_arn"],
        "--knowledge-base-configuration",
        json.dumps({"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {"embeddingModelArn": model}}),
        "--storage-configuration", json.dumps({"type": "S3_VECTORS", "s3VectorsConfiguration": {
            "vectorBucketArn": vector_bucket_arn, "indexName": ctx["vector_index"]}}),
    ))["knowledgeBase"]
    source = json.loads(aws.cli(
        "bedrock-agent", "create-data-source", "--knowledge-base-id", kb["knowledgeBaseId"], "--name", "shop-policies",
        "--data-source-configuration",
        json.dumps({"type": "S3", "s3Configuration": {"bucketArn": f"arn:aws:s3:::{ctx['bucket']}"}}),
    ))["dataSource"]
    aws.cli("bedrock-agent", "start-ingestion-job", "--knowledge-base-id", kb["knowledgeBaseId"],
            "--data-source-id", source["dataSourceId"])


@lab.alternative(
    "synced-twice",
    story=Text(
        en="synced once, then synced again after nothing changed (the latest job indexes nothing new)",
        ja="一度同期した後、何も変更せずに再度同期（最新のジョブでは新たに登録されるドキュメントはない）",
    ),
)
def synced_twice(aws: Aws, ctx: Context) -> None:
    kb_id = create_kb(aws, ctx)
    source_id = add_source(aws, kb_id, ctx["bucket"], [PREFIX])
    sync(aws, kb_id, source_id)
    time.sleep(0.01)
    sync(aws, kb_id, source_id)


@lab.near_miss(
    "never-synced",
    fails=("ingestion-complete", "retrieve-answers"),
    story=Text(en="knowledge base and data source created, but never synced", ja="ナレッジベースとデータソースを作成したが、同期していない"),
)
def never_synced(aws: Aws, ctx: Context) -> None:
    kb_id = create_kb(aws, ctx)
    add_source(aws, kb_id, ctx["bucket"], [PREFIX])


@lab.near_miss(
    "prefix-without-documents",
    fails=("s3-data-source", "ingestion-complete", "retrieve-answers"),
    story=Text(en="the data source's inclusion prefix is docs/, where there are no documents",
               ja="データソースの包含プレフィックスを、ドキュメントのない docs/ にした"),
)
def wrong_prefix(aws: Aws, ctx: Context) -> None:
    kb_id = create_kb(aws, ctx)
    sync(aws, kb_id, add_source(aws, kb_id, ctx["bucket"], ["docs/"]))


@lab.near_miss(
    "another-bucket",
    fails=("s3-data-source", "ingestion-complete", "retrieve-answers"),
    story=Text(en="the data source reads another, empty bucket", ja="データソースが別の空のバケットを読み取っている"),
)
def another_bucket(aws: Aws, ctx: Context) -> None:
    other = f"mcredlab-kb-other-{aws.account_id}-{aws.region}"
    _bucket(aws, other, {})
    kb_id = create_kb(aws, ctx)
    sync(aws, kb_id, add_source(aws, kb_id, other))


@lab.near_miss(
    "synced-before-fixing-the-prefix",
    fails=("ingestion-complete", "retrieve-answers"),
    story=Text(en="synced with the wrong prefix, then the prefix corrected without syncing again",
               ja="誤ったプレフィックスで同期した後、プレフィックスを修正したが再同期していない"),
)
def synced_too_early(aws: Aws, ctx: Context) -> None:
    kb_id = create_kb(aws, ctx)
    source_id = add_source(aws, kb_id, ctx["bucket"], ["docs/"])
    sync(aws, kb_id, source_id)
    time.sleep(0.01)
    agents = aws.client("bedrock-agent")
    source = agents.get_data_source(knowledgeBaseId=kb_id, dataSourceId=source_id)["dataSource"]
    config = source["dataSourceConfiguration"]
    config["s3Configuration"]["inclusionPrefixes"] = [PREFIX]
    agents.update_data_source(knowledgeBaseId=kb_id, dataSourceId=source_id, name=source["name"],
                              dataSourceConfiguration=config)


@lab.near_miss(
    "titan-v1-1536-dimensions",
    fails="embedding-model",
    story=Text(en="Titan Embeddings G1 - Text (1536 dimensions) chosen for the 1024-dimensional index",
               ja="1024 次元のインデックスに Titan Embeddings G1 - Text（1536 次元）を選択"),
)
def titan_v1(aws: Aws, ctx: Context) -> None:
    kb_id = create_kb(aws, ctx, model="amazon.titan-embed-text-v1", dimensions=None)
    sync(aws, kb_id, add_source(aws, kb_id, ctx["bucket"], [PREFIX]))


@lab.near_miss(
    "titan-v2-512-dimensions",
    fails="embedding-model",
    story=Text(en="Titan Text Embeddings V2 with 512 dimensions for the 1024-dimensional index",
               ja="1024 次元のインデックスに、次元数 512 の Titan Text Embeddings V2 を選択"),
)
def titan_v2_512(aws: Aws, ctx: Context) -> None:
    kb_id = create_kb(aws, ctx, dimensions=512)
    sync(aws, kb_id, add_source(aws, kb_id, ctx["bucket"], [PREFIX]))


@lab.near_miss(
    "prefix-one-document",
    fails="s3-data-source",
    story=Text(en="the data source's inclusion prefix is policies/returns, so only one of the three documents is read",
               ja="データソースの包含プレフィックスを policies/returns にしたため、3 つのドキュメントのうち 1 つしか読み取られない"),
)
def one_document(aws: Aws, ctx: Context) -> None:
    kb_id = create_kb(aws, ctx)
    sync(aws, kb_id, add_source(aws, kb_id, ctx["bucket"], [f"{PREFIX}returns"]))


@lab.near_miss(
    "cohere-1024-dimensions",
    fails="embedding-model",
    story=Text(en="Cohere Embed English v3 (also 1024 dimensions) chosen instead of Titan Text Embeddings V2",
               ja="Titan Text Embeddings V2 ではなく、同じ 1024 次元の Cohere Embed English v3 を選択"),
)
def cohere(aws: Aws, ctx: Context) -> None:
    kb_id = create_kb(aws, ctx, model="cohere.embed-english-v3", dimensions=None)
    sync(aws, kb_id, add_source(aws, kb_id, ctx["bucket"], [PREFIX]))


OTHER_ROLE = "AmazonBedrockExecutionRoleForKnowledgeBase_mcredlab_new"
OTHER_INDEX = "mcredlab-policies-index-2"


@lab.near_miss(
    "new-service-role",
    fails="knowledge-base",
    story=Text(en="“Create and use a new service role” chosen instead of the prepared role",
               ja="用意されたロールではなく「新しいサービスロールを作成して使用」を選択"),
)
def new_role(aws: Aws, ctx: Context) -> None:
    role_arn = iam.ensure_role(aws, lab.id, OTHER_ROLE, TRUST,
                                     inline={"knowledge-base": _role_policy(ctx["bucket"], ctx["index_arn"], aws.region)})
    kb_id = create_kb(aws, ctx, role_arn=role_arn)
    sync(aws, kb_id, add_source(aws, kb_id, ctx["bucket"], [PREFIX]))


@lab.near_miss(
    "another-vector-index",
    fails="vector-store",
    story=Text(en="a new vector index created in the vector bucket and used instead of the one the task names",
               ja="ベクトルバケットに新しいベクトルインデックスを作成し、課題で指定されたインデックスの代わりに使用"),
)
def another_index(aws: Aws, ctx: Context) -> None:
    vectors = aws.client("s3vectors")
    vectors.create_index(vectorBucketName=ctx["vector_bucket"], indexName=OTHER_INDEX, dataType="float32",
                         dimension=DIMENSION, distanceMetric="cosine")
    index_arn = vectors.get_index(vectorBucketName=ctx["vector_bucket"], indexName=OTHER_INDEX)["index"]["indexArn"]
    kb_id = create_kb(aws, ctx, index_arn=str(index_arn))
    sync(aws, kb_id, add_source(aws, kb_id, ctx["bucket"], [PREFIX]))


# -- teardown ----------------------------------------------------------------------------------


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the knowledge bases named {kb_name}, then the tagged buckets, vector bucket and role."""
    agents = aws.client("bedrock-agent")
    for summary in agents.list_knowledge_bases()["knowledgeBaseSummaries"]:
        if summary["name"] == ctx["kb_name"]:
            for source in agents.list_data_sources(knowledgeBaseId=summary["knowledgeBaseId"])["dataSourceSummaries"]:
                agents.delete_data_source(knowledgeBaseId=summary["knowledgeBaseId"], dataSourceId=source["dataSourceId"])
            agents.delete_knowledge_base(knowledgeBaseId=summary["knowledgeBaseId"])
    for bucket in (ctx["bucket"], f"mcredlab-kb-other-{aws.account_id}-{aws.region}"):
        s3.delete_bucket(aws, lab.id, bucket)
    vectors = aws.client("s3vectors")
    try:
        bucket_arn = vectors.get_vector_bucket(vectorBucketName=ctx["vector_bucket"])["vectorBucket"]["vectorBucketArn"]
        if tagged_by(lab.id, vectors.list_tags_for_resource(resourceArn=bucket_arn).get("tags")):
            for index in vectors.list_indexes(vectorBucketName=ctx["vector_bucket"])["indexes"]:
                vectors.delete_index(vectorBucketName=ctx["vector_bucket"], indexName=index["indexName"])
            vectors.delete_vector_bucket(vectorBucketName=ctx["vector_bucket"])
    except ClientError as error:
        if not not_found(error):
            raise
    for role in (ROLE_NAME, OTHER_ROLE):
        iam.delete_role(aws, lab.id, role)
