"""DynamoDB table design: keys, a global secondary index for an access pattern, on-demand capacity, TTL and a stream."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from mcredlab.kit import Aws, Context, Finding, Lab, Text, dynamodb, failed, passed

lab = Lab(
    id="dynamodb-table-design",
    track="serverless",
    services=("dynamodb",),
    flows=(("app", "dynamodb"),),
    certs=("DVA", "SAA"),
    minutes=15,
    title=Text(
        en="Design a DynamoDB table: keys, a global secondary index, TTL and a stream",
        ja="DynamoDB テーブルを設計する: キー、グローバルセカンダリインデックス、TTL、ストリーム",
    ),
    task=Text(
        en=(
            "An online shop keeps its orders in DynamoDB. Create the table **{table_name}**:\n"
            "1. Partition key `customerId` (String) and sort key `orderDate` (String).\n"
            "2. A global secondary index named **{index_name}**, so that orders can be looked up by their status: "
            "partition key `status` (String), sort key `orderDate` (String), projecting the keys and the attribute "
            "`total` only (attribute projection *Include*).\n"
            "3. Capacity mode *On-demand*.\n"
            "4. Time to Live (TTL) turned on for the attribute `expiresAt`, so that old orders are deleted by "
            "themselves.\n"
            "5. A DynamoDB stream with the view type *New and old images*."
        ),
        ja=(
            "オンラインショップが注文を DynamoDB に保存しています。テーブル **{table_name}** を次の内容で作成してください。\n"
            "1. パーティションキーは `customerId`（文字列）、ソートキーは `orderDate`（文字列）です。\n"
            "2. ステータスで注文を検索できるように、**{index_name}** という名前のグローバルセカンダリインデックスを"
            "作成します。パーティションキーは `status`（文字列）、ソートキーは `orderDate`（文字列）で、キーと属性 `total` "
            "だけを射影します（属性の射影は *含める*）。\n"
            "3. キャパシティーモードは *オンデマンド* にします。\n"
            "4. 古い注文が自動的に削除されるように、属性 `expiresAt` で有効期限 (TTL) をオンにします。\n"
            "5. 表示タイプが *新しいイメージと古いイメージ* の DynamoDB ストリームをオンにします。"
        ),
    ),
)

TABLE_NAME = "mcredlab-orders"
INDEX_NAME = "status-index"
TTL_ATTRIBUTE = "expiresAt"
PROJECTED = ["total"]
VIEW_TYPE = "NEW_AND_OLD_IMAGES"
STREAM_VIEW_TYPES = {
    "KEYS_ONLY": ("Key attributes only", "キー属性のみ"),
    "NEW_IMAGE": ("New image", "新しいイメージ"),
    "OLD_IMAGE": ("Old image", "古いイメージ"),
    "NEW_AND_OLD_IMAGES": ("New and old images", "新しいイメージと古いイメージ"),
}


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """Nothing to provision: the learner creates the table. The context names it and its index."""
    return {"table_name": TABLE_NAME, "index_name": INDEX_NAME}


# -- what the checks read ----------------------------------------------------------------------


def _table(aws: Aws, ctx: Context) -> dict[str, Any]:
    """The table's description (criteria that require "table" run only once it exists)."""
    return dynamodb.table(aws, ctx["table_name"]) or {}


def _typed(described_table: dict[str, Any], attribute: str | None) -> tuple[str, str]:
    """``attribute`` with its type, as the console shows it: "`orderDate` (String)" and "`orderDate`（文字列）"."""
    code = dynamodb.attribute_type(described_table, attribute)
    en = dynamodb.ATTRIBUTE_TYPES.get(code or "", "type not defined")
    ja = dynamodb.ATTRIBUTE_TYPES_JA.get(code or "", "型の定義なし")
    return f"`{attribute}` ({en})", f"`{attribute}`（{ja}）"


def _key(described_table: dict[str, Any], key: dict[str, Any], role: str, attribute: str) -> tuple[bool, str, str]:
    """Whether ``key`` (a table or index description) has ``attribute`` as its String key in ``role``
    (``HASH`` or ``RANGE``), and what it has: "sort key `orderDate` (String)", "ソートキーは `orderDate`（文字列）"."""
    name = dynamodb.partition_key(key) if role == "HASH" else dynamodb.sort_key(key)
    en_role, ja_role = ("partition key", "パーティションキー") if role == "HASH" else ("sort key", "ソートキー")
    if name is None:
        return False, f"no {en_role}", f"{ja_role}はありません"
    en, ja = _typed(described_table, name)
    ok = name == attribute and dynamodb.attribute_type(described_table, name) == "S"
    return ok, f"{en_role} {en}", f"{ja_role}は {ja}"


def _key_finding(described_table: dict[str, Any], role: str, attribute: str) -> Finding:
    """The table's own ``role`` key judged by :func:`_key`."""
    ok, en, ja = _key(described_table, described_table, role, attribute)
    return (passed if ok else failed)(en, ja if ja.endswith("ません") else f"{ja}です")


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "table",
    expected=Text(en="a DynamoDB table named {table_name}", ja="{table_name} という名前の DynamoDB テーブル"),
    looked_at=Text(en="the DynamoDB tables of the Region", ja="リージョン内の DynamoDB テーブル"),
    hint=Text(
        en="DynamoDB console > Tables > Create table: Table name exactly {table_name} (names are case-sensitive), "
        "in the lab's Region.",
        ja="DynamoDB コンソールで「テーブル」>「テーブルの作成」を選び、「テーブル名」に正確に {table_name} と入力します"
        "（名前は大文字と小文字を区別します）。ラボのリージョンで作成してください。",
    ),
)
def table(aws: Aws, ctx: Context) -> Finding:
    found = dynamodb.table(aws, ctx["table_name"])
    if found is not None:
        status = found.get("TableStatus", "")
        return passed(f"table {ctx['table_name']} ({status})", f"テーブル {ctx['table_name']}（{status}）があります")
    others = sorted(aws.client("dynamodb").list_tables().get("TableNames", []))
    if not others:
        return failed("the Region has no DynamoDB table", "リージョンに DynamoDB テーブルがありません")
    listing = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
    return failed(f"no table named {ctx['table_name']}; the Region has {listing}",
                  f"{ctx['table_name']} という名前のテーブルはありません。リージョンにあるテーブル: {listing}")


@lab.criterion(
    "partition-key",
    requires="table",
    expected=Text(en="partition key `customerId` of type String", ja="パーティションキーが `customerId`（文字列）"),
    looked_at=Text(en="the primary key of table {table_name}", ja="テーブル {table_name} のプライマリキー"),
    hint=Text(
        en="The primary key is chosen when the table is created and cannot be changed: delete the table and create it "
        "again with Partition key `customerId`, type String.",
        ja="プライマリキーはテーブルの作成時に決まり、後から変更できません。テーブルを削除し、「パーティションキー」を "
        "`customerId`、型を「文字列」にして作成し直します。",
    ),
)
def partition_key(aws: Aws, ctx: Context) -> Finding:
    return _key_finding(_table(aws, ctx), "HASH", "customerId")


@lab.criterion(
    "sort-key",
    requires="table",
    expected=Text(en="sort key `orderDate` of type String", ja="ソートキーが `orderDate`（文字列）"),
    looked_at=Text(en="the primary key of table {table_name}", ja="テーブル {table_name} のプライマリキー"),
    hint=Text(
        en="Fill in the optional Sort key `orderDate`, type String, when you create the table. Like the partition key, "
        "it cannot be changed later: delete the table and create it again.",
        ja="テーブルの作成時に、省略可能な「ソートキー」に `orderDate` と入力し、型を「文字列」にします。パーティションキーと"
        "同じく後から変更できないため、テーブルを削除して作成し直します。",
    ),
)
def sort_key(aws: Aws, ctx: Context) -> Finding:
    return _key_finding(_table(aws, ctx), "RANGE", "orderDate")


@lab.criterion(
    "on-demand",
    requires="table",
    expected=Text(en="capacity mode On-demand (PAY_PER_REQUEST)", ja="キャパシティーモードがオンデマンド（PAY_PER_REQUEST）"),
    looked_at=Text(en="the read/write capacity settings of table {table_name}",
                   ja="テーブル {table_name} の読み込み/書き込みキャパシティーの設定"),
    hint=Text(
        en="Table > Additional settings > Read/write capacity > Edit > Capacity mode: On-demand (when you create the "
        "table: Table settings > Customize settings > Read/write capacity settings > On-demand), or "
        "`aws dynamodb update-table --table-name {table_name} --billing-mode PAY_PER_REQUEST`.",
        ja="テーブルの「追加の設定」タブ >「読み込み/書き込みキャパシティー」>「編集」で、「キャパシティーモード」を"
        "「オンデマンド」にします（作成時は「テーブル設定」>「設定をカスタマイズ」>「読み込み/書き込みキャパシティーの設定」で"
        "「オンデマンド」を選びます）。または `aws dynamodb update-table --table-name {table_name} --billing-mode "
        "PAY_PER_REQUEST` を実行します。",
    ),
)
def on_demand(aws: Aws, ctx: Context) -> Finding:
    described = _table(aws, ctx)
    mode = dynamodb.billing_mode(described)
    if mode == "PAY_PER_REQUEST":
        return passed("On-demand (PAY_PER_REQUEST)", "オンデマンド（PAY_PER_REQUEST）です")
    throughput = described.get("ProvisionedThroughput") or {}
    read, write = throughput.get("ReadCapacityUnits", 0), throughput.get("WriteCapacityUnits", 0)
    return failed(f"Provisioned ({mode}: {read} read and {write} write capacity units)",
                  f"プロビジョンド（{mode}: 読み込みキャパシティーユニット {read}、書き込みキャパシティーユニット {write}）です")


@lab.criterion(
    "status-index",
    requires="table",
    expected=Text(en="a global secondary index named {index_name}",
                  ja="{index_name} という名前のグローバルセカンダリインデックス"),
    looked_at=Text(en="the secondary indexes of table {table_name}", ja="テーブル {table_name} のセカンダリインデックス"),
    hint=Text(
        en="Table > Indexes > Create index (a global index), Index name exactly {index_name}. A local secondary index "
        "cannot serve this access pattern: it keeps the table's partition key `customerId`, and can only be created "
        "with the table.",
        ja="テーブルの「インデックス」タブ >「インデックスの作成」でグローバルインデックスを作成し、「インデックス名」を正確に "
        "{index_name} にします。ローカルセカンダリインデックスはテーブルと同じパーティションキー `customerId` を使い、"
        "テーブルの作成時にしか作成できないため、このアクセスパターンには使えません。",
    ),
)
def status_index(aws: Aws, ctx: Context) -> Finding:
    described, name = _table(aws, ctx), ctx["index_name"]
    index = dynamodb.global_index(described, name)
    if index is not None:
        status = index.get("IndexStatus", "")
        return passed(f"global secondary index {name} ({status})", f"グローバルセカンダリインデックス {name}（{status}）があります")
    local = dynamodb.local_index(described, name)
    if local is not None:
        key = dynamodb.partition_key(local)
        return failed(f"{name} is a local secondary index (partition key `{key}`), not a global one",
                      f"{name} はグローバルではなく、ローカルセカンダリインデックス（パーティションキー `{key}`）です")
    names = dynamodb.index_names(described)
    if not names:
        return failed("the table has no secondary index", "テーブルにセカンダリインデックスがありません")
    return failed(f"no index named {name}; the table has {', '.join(names)}",
                  f"{name} という名前のインデックスはありません。テーブルにあるインデックス: {', '.join(names)}")


@lab.criterion(
    "status-index-keys",
    requires="status-index",
    expected=Text(en="the index has partition key `status` (String) and sort key `orderDate` (String)",
                  ja="インデックスのパーティションキーが `status`（文字列）、ソートキーが `orderDate`（文字列）"),
    looked_at=Text(en="the key schema of index {index_name}", ja="インデックス {index_name} のキースキーマ"),
    hint=Text(
        en="The keys of an index cannot be edited: delete the index (Indexes > select it > Delete) and create it again "
        "with Partition key `status` (String) and Sort key `orderDate` (String).",
        ja="インデックスのキーは編集できません。「インデックス」タブでインデックスを選んで「削除」し、「パーティションキー」を "
        "`status`（文字列）、「ソートキー」を `orderDate`（文字列）にして作成し直します。",
    ),
)
def status_index_keys(aws: Aws, ctx: Context) -> Finding:
    described = _table(aws, ctx)
    index = dynamodb.global_index(described, ctx["index_name"]) or {}
    partition_ok, partition_en, partition_ja = _key(described, index, "HASH", "status")
    sort_ok, sort_en, sort_ja = _key(described, index, "RANGE", "orderDate")
    ja = f"{partition_ja}で、{sort_ja}" if sort_ja.endswith("ません") else f"{partition_ja}、{sort_ja}です"
    return (passed if partition_ok and sort_ok else failed)(f"{partition_en}, {sort_en}", ja)


def _quoted(names: list[str], separator: str) -> str:
    return separator.join(f"`{name}`" for name in names)


@lab.criterion(
    "status-index-projection",
    requires="status-index",
    expected=Text(en="the index projects the keys and `total` only (attribute projection Include)",
                  ja="インデックスがキーと `total` だけを射影する（属性の射影が“含める”）"),
    looked_at=Text(en="the attribute projection of index {index_name}", ja="インデックス {index_name} の属性の射影"),
    hint=Text(
        en="When you create the index, choose Attribute projections: Include, and add the non-key attribute `total`. "
        "The projection cannot be changed later: delete the index and create it again.",
        ja="インデックスの作成時に「属性の射影」で「含める」を選び、キー以外の属性として `total` を追加します。射影は後から"
        "変更できないため、インデックスを削除して作成し直します。",
    ),
)
def status_index_projection(aws: Aws, ctx: Context) -> Finding:
    projection = (dynamodb.global_index(_table(aws, ctx), ctx["index_name"]) or {}).get("Projection") or {}
    kind = projection.get("ProjectionType", "")
    if kind == "ALL":
        return failed("projection ALL (every attribute)", "射影は ALL（すべての属性）です")
    if kind == "KEYS_ONLY":
        return failed("projection KEYS_ONLY (`total` is not projected)", "射影は KEYS_ONLY で、`total` は射影されていません")
    attributes = sorted(projection.get("NonKeyAttributes") or [])
    en, ja = f"projection {kind} of {_quoted(attributes, ', ')}", f"射影は {kind} で、射影される属性は {_quoted(attributes, '、')} です"
    return (passed if kind == "INCLUDE" and attributes == PROJECTED else failed)(en, ja)


@lab.criterion(
    "ttl",
    requires="table",
    expected=Text(en="Time to Live (TTL) on, for the attribute `expiresAt`", ja="属性 `expiresAt` で有効期限 (TTL) がオン"),
    looked_at=Text(en="the Time to Live (TTL) settings of table {table_name}", ja="テーブル {table_name} の有効期限 (TTL) の設定"),
    hint=Text(
        en="Table > Additional settings > Time to Live (TTL) > Turn on, TTL attribute name `expiresAt` (case-sensitive; "
        "to use another attribute, turn TTL off first), or `aws dynamodb update-time-to-live --table-name {table_name} "
        "--time-to-live-specification Enabled=true,AttributeName=expiresAt`.",
        ja="テーブルの「追加の設定」タブ >「有効期限 (TTL)」>「オンにする」を選び、「TTL 属性名」に `expiresAt` と入力します"
        "（大文字と小文字を区別します。別の属性にするには、先に TTL をオフにします）。または `aws dynamodb update-time-to-live "
        "--table-name {table_name} --time-to-live-specification Enabled=true,AttributeName=expiresAt` を実行します。",
    ),
)
def ttl(aws: Aws, ctx: Context) -> Finding:
    found = dynamodb.time_to_live(aws, ctx["table_name"]) or {}
    status, attribute = found.get("TimeToLiveStatus", "DISABLED"), found.get("AttributeName")
    if status in ("ENABLED", "ENABLING"):
        en, ja = f"TTL on for `{attribute}` ({status})", f"TTL は属性 `{attribute}` でオンです（{status}）"
        return (passed if attribute == TTL_ATTRIBUTE else failed)(en, ja)
    if status == "DISABLING":
        return failed(f"TTL being turned off (DISABLING) for `{attribute}`", f"属性 `{attribute}` の TTL をオフにしている途中です（DISABLING）")
    return failed(f"TTL off ({status})", f"TTL はオフです（{status}）")


@lab.criterion(
    "stream",
    requires="table",
    expected=Text(en="a DynamoDB stream with the view type New and old images (NEW_AND_OLD_IMAGES)",
                  ja="表示タイプが“新しいイメージと古いイメージ”（NEW_AND_OLD_IMAGES）の DynamoDB ストリーム"),
    looked_at=Text(en="the stream settings of table {table_name}", ja="テーブル {table_name} のストリームの設定"),
    hint=Text(
        en="Table > Exports and streams > DynamoDB stream details > Turn on, view type New and old images. The view "
        "type of a stream cannot be changed: turn the stream off, then on again with the new view type.",
        ja="テーブルの「エクスポートおよびストリーム」タブ >「DynamoDB ストリームの詳細」>「オンにする」を選び、表示タイプに"
        "「新しいイメージと古いイメージ」を選びます。ストリームの表示タイプは変更できないため、ストリームをオフにしてから、"
        "新しい表示タイプでオンにし直します。",
    ),
)
def stream(aws: Aws, ctx: Context) -> Finding:
    view = dynamodb.stream_view_type(_table(aws, ctx))
    if view is None:
        return failed("no stream (streams off)", "ストリームはオフです")
    en, ja = STREAM_VIEW_TYPES.get(view, (view, view))
    return (passed if view == VIEW_TYPE else failed)(
        f"a stream with the view type {en} ({view})", f"表示タイプが“{ja}”（{view}）のストリームです")


# -- reference solution, other valid ways, near misses -----------------------------------------


def _attributes(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": kind} for name, kind in pairs]


def _keys(partition: str, sort: str | None = None) -> list[dict[str, str]]:
    return [{"AttributeName": partition, "KeyType": "HASH"}, *([{"AttributeName": sort, "KeyType": "RANGE"}] if sort else [])]


def _index(partition: str = "status", sort: str | None = "orderDate", projection: str = "INCLUDE") -> dict[str, Any]:
    spec: dict[str, Any] = {"ProjectionType": projection}
    if projection == "INCLUDE":
        spec["NonKeyAttributes"] = PROJECTED
    return {"IndexName": INDEX_NAME, "KeySchema": _keys(partition, sort), "Projection": spec}


def build(
    aws: Aws,
    ctx: Context,
    *,
    table_name: str | None = None,
    keys: tuple[str, str] = ("customerId", "orderDate"),
    order_date_type: str = "S",
    index: dict[str, Any] | None = None,
    local_index: bool = False,
    billing: str = "PAY_PER_REQUEST",
    view_type: str = VIEW_TYPE,
    ttl_attribute: str = TTL_ATTRIBUTE,
) -> None:
    """Create the table with boto3, then turn TTL on; the keywords introduce the near misses' mistakes."""
    name = table_name or ctx["table_name"]
    client = aws.client("dynamodb")
    options: dict[str, Any] = {"BillingMode": billing}
    if billing == "PROVISIONED":
        options["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    secondary = index or _index()
    if local_index:
        options["LocalSecondaryIndexes"] = [{**secondary, "KeySchema": _keys(keys[0], "status")}]
    else:
        if billing == "PROVISIONED":
            secondary = {**secondary, "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}
        options["GlobalSecondaryIndexes"] = [secondary]
    client.create_table(
        TableName=name,
        AttributeDefinitions=_attributes(("customerId", "S"), ("orderDate", order_date_type), ("status", "S")),
        KeySchema=_keys(*keys),
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type},
        **options,
    )
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute})


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    build(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(
        en="`aws dynamodb create-table` with the index, the billing mode and the stream, `aws dynamodb wait "
        "table-exists`, then `aws dynamodb update-time-to-live`",
        ja="インデックス、キャパシティーモード、ストリームを指定した `aws dynamodb create-table` の後、`aws dynamodb wait "
        "table-exists` で待ち、`aws dynamodb update-time-to-live` を実行",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    name = ctx["table_name"]
    aws.cli(
        "dynamodb", "create-table", "--table-name", name,
        "--attribute-definitions", "AttributeName=customerId,AttributeType=S", "AttributeName=orderDate,AttributeType=S",
        "AttributeName=status,AttributeType=S",
        "--key-schema", "AttributeName=customerId,KeyType=HASH", "AttributeName=orderDate,KeyType=RANGE",
        "--global-secondary-indexes", json.dumps([_index()]),
        "--billing-mode", "PAY_PER_REQUEST",
        "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES",
    )
    aws.cli("dynamodb", "wait", "table-exists", "--table-name", name)
    aws.cli("dynamodb", "update-time-to-live", "--table-name", name,
            "--time-to-live-specification", f"Enabled=true,AttributeName={TTL_ATTRIBUTE}")


ORDERS_STACK = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: The orders table, with its index by status and its stream
Parameters:
  TableName:
    Type: String
  IndexName:
    Type: String
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Ref TableName
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: customerId, AttributeType: S}
        - {AttributeName: orderDate, AttributeType: S}
        - {AttributeName: status, AttributeType: S}
      KeySchema:
        - {AttributeName: customerId, KeyType: HASH}
        - {AttributeName: orderDate, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: !Ref IndexName
          KeySchema:
            - {AttributeName: status, KeyType: HASH}
            - {AttributeName: orderDate, KeyType: RANGE}
          Projection:
            ProjectionType: INCLUDE
            NonKeyAttributes: [total]
      StreamSpecification:
        StreamViewType: NEW_AND_OLD_IMAGES
"""


@lab.alternative(
    "cloudformation",
    story=Text(
        en="the table as a CloudFormation stack (AWS::DynamoDB::Table) deployed with `aws cloudformation deploy`, "
        "and TTL turned on afterwards with the AWS CLI",
        ja="テーブルを CloudFormation スタック（AWS::DynamoDB::Table）として `aws cloudformation deploy` でデプロイし、"
        "その後 AWS CLI で TTL をオンに設定",
    ),
)
def with_cloudformation(aws: Aws, ctx: Context) -> None:
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "orders.yaml"
        template.write_text(ORDERS_STACK)
        aws.cli("cloudformation", "deploy", "--stack-name", "mcredlab-orders-table", "--template-file", str(template),
                "--parameter-overrides", f"TableName={ctx['table_name']}", f"IndexName={ctx['index_name']}")
    aws.cli("dynamodb", "update-time-to-live", "--table-name", ctx["table_name"],
            "--time-to-live-specification", f"Enabled=true,AttributeName={TTL_ATTRIBUTE}")


@lab.alternative(
    "step-by-step",
    story=Text(
        en="the table created with its keys only (provisioned), then changed one setting at a time, as in the console "
        "after creation: on-demand, the index added, the stream turned on, TTL turned on",
        ja="キーだけを指定して（プロビジョンドで）テーブルを作成し、作成後のコンソールと同じように設定を 1 つずつ変更: "
        "オンデマンド、インデックスの追加、ストリームのオン、TTL のオン",
    ),
)
def step_by_step(aws: Aws, ctx: Context) -> None:
    name, client = ctx["table_name"], aws.client("dynamodb")
    client.create_table(TableName=name, AttributeDefinitions=_attributes(("customerId", "S"), ("orderDate", "S")),
                        KeySchema=_keys("customerId", "orderDate"),
                        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    waiter = client.get_waiter("table_exists")
    waiter.wait(TableName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
    client.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    waiter.wait(TableName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
    client.update_table(  # every attribute the keys use, the table's as well as the new index's
        TableName=name, AttributeDefinitions=_attributes(("customerId", "S"), ("orderDate", "S"), ("status", "S")),
        GlobalSecondaryIndexUpdates=[{"Create": _index()}],
    )
    waiter.wait(TableName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
    client.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": VIEW_TYPE})
    waiter.wait(TableName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE})


@lab.near_miss(
    "table-name-capitalised",
    fails="table",
    story=Text(en="the table created as `mcredlab-Orders` (table names are case-sensitive)",
               ja="テーブルを `mcredlab-Orders` として作成（テーブル名は大文字と小文字を区別します）"),
)
def table_name_capitalised(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, table_name="mcredlab-Orders")


@lab.near_miss(
    "keys-swapped",
    fails=("partition-key", "sort-key"),
    story=Text(en="partition key `orderDate` and sort key `customerId` (the keys swapped)",
               ja="パーティションキーを `orderDate`、ソートキーを `customerId` に設定（キーが逆）"),
)
def keys_swapped(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, keys=("orderDate", "customerId"))


@lab.near_miss(
    "order-date-as-number",
    fails=("sort-key", "status-index-keys"),
    story=Text(en="`orderDate` defined as a Number instead of a String", ja="`orderDate` を文字列ではなく数値として定義"),
)
def order_date_as_number(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, order_date_type="N")


@lab.near_miss(
    "provisioned-capacity",
    fails="on-demand",
    story=Text(en="capacity mode Provisioned (5 read and 5 write capacity units)",
               ja="キャパシティーモードがプロビジョンド（読み込み・書き込みキャパシティーユニット各 5）"),
)
def provisioned_capacity(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, billing="PROVISIONED")


@lab.near_miss(
    "local-index-instead",
    fails="status-index",
    story=Text(
        en="a local secondary index named {index_name} (partition key `customerId`, sort key `status`) instead of a "
        "global one",
        ja="グローバルではなく、ローカルセカンダリインデックス {index_name}（パーティションキー `customerId`、ソートキー "
        "`status`）を作成",
    ),
)
def local_index_instead(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, local_index=True)


@lab.near_miss(
    "index-without-sort-key",
    fails="status-index-keys",
    story=Text(en="the index keyed on `status` only, without the sort key `orderDate`",
               ja="インデックスのキーが `status` だけで、ソートキー `orderDate` がない"),
)
def index_without_sort_key(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, index=_index(sort=None))


@lab.near_miss(
    "index-projects-all",
    fails="status-index-projection",
    story=Text(en="the index projects every attribute (ALL)", ja="インデックスがすべての属性を射影（ALL）"),
)
def index_projects_all(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, index=_index(projection="ALL"))


@lab.near_miss(
    "ttl-on-another-attribute",
    fails="ttl",
    story=Text(en="TTL turned on for the attribute `ttl` instead of `expiresAt`",
               ja="TTL を `expiresAt` ではなく属性 `ttl` でオンに設定"),
)
def ttl_on_another_attribute(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, ttl_attribute="ttl")


@lab.near_miss(
    "stream-new-image-only",
    fails="stream",
    story=Text(en="the stream's view type New image (NEW_IMAGE) only", ja="ストリームの表示タイプが“新しいイメージ”（NEW_IMAGE）だけ"),
)
def stream_new_image_only(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, view_type="NEW_IMAGE")


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the table the task names (the lab's own name, whoever created it), and nothing else."""
    dynamodb.delete_table_named(aws, ctx["table_name"])
