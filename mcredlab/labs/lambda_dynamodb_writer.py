"""A Lambda function writes to a DynamoDB table: the table name in an environment variable, and an execution
role that may put items into that table only."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from mcredlab.kit import Aws, Context, Finding, Lab, Text, awslambda, dynamodb, error_code, failed, iam, or_none, passed

lab = Lab(
    id="lambda-dynamodb-writer",
    track="serverless",
    services=("lambda", "dynamodb", "iam"),
    flows=(("lambda", "dynamodb"),),
    certs=("DVA", "SAA"),
    minutes=20,
    title=Text(
        en="Let a Lambda function write to a DynamoDB table, with least privilege",
        ja="Lambda 関数から DynamoDB テーブルに最小権限で書き込む",
    ),
    task=Text(
        en=(
            "The Lambda function **{function_name}** stores guestbook entries in the DynamoDB table "
            "**{table_name}** (partition key `id`). Its code is ready: it reads the table's name from the "
            "environment variable `TABLE_NAME`. Wire it up:\n"
            "1. Set the function's environment variable `TABLE_NAME` to `{table_name}`.\n"
            "2. Create the IAM role **{role_name}** that AWS Lambda can assume, allowing `dynamodb:PutItem` on "
            "the table **{table_name}** only: no other DynamoDB action, and no other table (logging permissions "
            "may stay).\n"
            "3. Make **{role_name}** the function's execution role.\n"
            '4. Invoke the function once with the test event `{{"id": "first-entry", "message": "Hello from Lambda"}}`, '
            "so that the entry is stored in the table."
        ),
        ja=(
            "Lambda 関数 **{function_name}** は、ゲストブックの投稿を DynamoDB テーブル **{table_name}**"
            "（パーティションキー `id`）に保存します。コードは用意されており、テーブル名を環境変数 `TABLE_NAME` から"
            "読み取ります。次の設定をしてください。\n"
            "1. 関数の環境変数 `TABLE_NAME` を `{table_name}` に設定します。\n"
            "2. AWS Lambda が引き受けられる IAM ロール **{role_name}** を作成し、テーブル **{table_name}** に対する "
            "`dynamodb:PutItem` だけを許可します。ほかの DynamoDB のアクションやほかのテーブルは許可しません"
            "（ログの書き込み権限は残してかまいません）。\n"
            "3. **{role_name}** を関数の実行ロールにします。\n"
            '4. テストイベント `{{"id": "first-entry", "message": "Hello from Lambda"}}` で関数を 1 回呼び出し、'
            "投稿をテーブルに保存します。"
        ),
    ),
)

HANDLER = '''import os

import boto3

dynamodb = boto3.resource("dynamodb")


def handler(event, context):
    """Store one guestbook entry in the table named by the TABLE_NAME environment variable."""
    table = dynamodb.Table(os.environ["TABLE_NAME"])
    entry = {"id": str(event["id"]), "message": str(event.get("message", ""))}
    table.put_item(Item=entry)
    return {"stored": entry["id"], "table": table.name}
'''
TABLE_NAME = "mcredlab-guestbook"
FUNCTION_NAME = "mcredlab-guestbook-writer"
STARTER_ROLE = "mcredlab-guestbook-starter-role"
WRITER_ROLE = "mcredlab-guestbook-writer-role"
TEST_EVENT = {"id": "first-entry", "message": "Hello from Lambda"}
OTHER_ACTIONS = ("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                 "dynamodb:Scan", "dynamodb:DeleteTable")
"""DynamoDB actions the writer role must not allow, on its table or any other."""


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """The table, and the function with a starter role that may only write logs; the learner wires the rest."""
    dynamodb.ensure_table(aws, lab.id, TABLE_NAME, partition_key=("id", "S"))
    starter = iam.ensure_role(aws, lab.id, STARTER_ROLE, iam.trust_policy("lambda.amazonaws.com"),
                              managed=(iam.BASIC_EXECUTION,))
    awslambda.ensure_function(aws, lab.id, FUNCTION_NAME, role_arn=starter, source=HANDLER,
                              description="Stores guestbook entries in DynamoDB")
    return {"table_name": TABLE_NAME, "function_name": FUNCTION_NAME, "role_name": WRITER_ROLE}


# -- what the checks read ----------------------------------------------------------------------


def _table_arn(aws: Aws, name: str) -> str:
    return f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/{name}"


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "table-name-variable",
    expected=Text(en="the environment variable `TABLE_NAME` is `{table_name}`",
                  ja="環境変数 `TABLE_NAME` が `{table_name}`"),
    looked_at=Text(en="the environment variables of function {function_name}", ja="関数 {function_name} の環境変数"),
    hint=Text(
        en="Lambda console > Functions > {function_name} > Configuration > Environment variables > Edit > Add "
        "environment variable: Key `TABLE_NAME`, Value `{table_name}` (keys are case-sensitive).",
        ja="Lambda コンソールで「関数」> {function_name} >「設定」>「環境変数」>「編集」>「環境変数の追加」を選び、"
        "キーを `TABLE_NAME`、値を `{table_name}` にします（キーは大文字と小文字を区別します）。",
    ),
)
def table_name_variable(aws: Aws, ctx: Context) -> Finding:
    variables = awslambda.environment(aws, ctx["function_name"])
    value = variables.get("TABLE_NAME")
    if value == ctx["table_name"]:
        return passed(f"TABLE_NAME = {value}", f"TABLE_NAME は {value} です")
    if value is not None:
        return failed(f"TABLE_NAME = {value}", f"TABLE_NAME は {value} です")
    if not variables:
        return failed("the function has no environment variables", "関数に環境変数がありません")
    listing = ", ".join(sorted(variables))
    return failed(f"no TABLE_NAME; the function's variables are {listing}",
                  f"TABLE_NAME がありません。関数の環境変数: {listing}")


iam.role_trusts_criterion(lab, "role-trusts-lambda", role="role_name", service="lambda.amazonaws.com")


@lab.criterion(
    "role-may-put-item",
    requires="role-trusts-lambda",
    expected=Text(en="the role {role_name} allows `dynamodb:PutItem` on the table {table_name}",
                  ja="ロール {role_name} がテーブル {table_name} に対する `dynamodb:PutItem` を許可している"),
    looked_at=Text(en="the permissions policies of role {role_name}", ja="ロール {role_name} の許可ポリシー"),
    hint=Text(
        en='IAM console > Roles > {role_name} > Add permissions > Create inline policy: "Effect": "Allow", '
        '"Action": "dynamodb:PutItem", "Resource" the table\'s ARN (DynamoDB console > Tables > {table_name} > '
        "General information > Amazon Resource Name (ARN)).",
        ja='IAM コンソールで「ロール」> {role_name} >「許可を追加」>「インラインポリシーを作成」を選び、"Effect": "Allow"、'
        '"Action": "dynamodb:PutItem"、"Resource" にテーブルの ARN を指定します（ARN は DynamoDB コンソールの「テーブル」> '
        "{table_name} >「一般的な情報」>「Amazon リソース名 (ARN)」で確認できます）。",
    ),
)
def role_may_put_item(aws: Aws, ctx: Context) -> Finding:
    table_arn = _table_arn(aws, ctx["table_name"])
    if iam.allows(aws, ctx["role_name"], "dynamodb:PutItem", table_arn):
        return passed(f"dynamodb:PutItem is allowed on {table_arn}", f"{table_arn} に対する dynamodb:PutItem が許可されています")
    return failed(f"no policy of {ctx['role_name']} allows dynamodb:PutItem on {table_arn}",
                  f"{ctx['role_name']} のどのポリシーも {table_arn} に対する dynamodb:PutItem を許可していません")


@lab.criterion(
    "role-least-privilege",
    requires="role-may-put-item",
    expected=Text(en="the role allows no other DynamoDB action, and nothing on other tables (least privilege)",
                  ja="ロールがほかの DynamoDB のアクションも、ほかのテーブルへの操作も許可していない（最小権限）"),
    looked_at=Text(en="the permissions policies of role {role_name}", ja="ロール {role_name} の許可ポリシー"),
    hint=Text(
        en='Name the table\'s ARN in "Resource" (not "*"), and only `dynamodb:PutItem` in "Action" (not `dynamodb:*`). '
        "AWS managed policies such as AmazonDynamoDBFullAccess allow every table: detach them.",
        ja='"Resource" にはテーブルの ARN を（"*" ではなく）、"Action" には `dynamodb:PutItem` だけを（`dynamodb:*` ではなく）'
        "指定します。AmazonDynamoDBFullAccess のような AWS 管理ポリシーはすべてのテーブルを許可するので、デタッチします。",
    ),
)
def role_least_privilege(aws: Aws, ctx: Context) -> Finding:
    role, table = ctx["role_name"], ctx["table_name"]
    other_table, documents = "another-table", iam.identity_documents(aws, role)
    too_much = [("dynamodb:PutItem", other_table)] if iam.allows(
        aws, role, "dynamodb:PutItem", _table_arn(aws, other_table), documents=documents) else []
    too_much += [(action, table) for action in OTHER_ACTIONS
                 if iam.allows(aws, role, action, _table_arn(aws, table), documents=documents)]
    if not too_much:
        return passed(f"{role} may put items into {table} only", f"{role} が許可されているのは {table} への項目の書き込みだけです")
    more = len(too_much) > 3
    listing = ", ".join(f"{action} on {name}" for action, name in too_much[:3]) + (", ..." if more else "")
    listing_ja = "、".join(f"{name} に対する {action}" for action, name in too_much[:3]) + ("、..." if more else "")
    return failed(f"{role} also allows {listing}", f"{role} はほかにも次を許可しています: {listing_ja}")


@lab.criterion(
    "function-uses-role",
    expected=Text(en="the function {function_name} runs with the execution role {role_name}",
                  ja="関数 {function_name} の実行ロールが {role_name}"),
    looked_at=Text(en="the configuration of function {function_name}", ja="関数 {function_name} の設定"),
    hint=Text(
        en="Lambda console > Functions > {function_name} > Configuration > Permissions > Edit > Execution role: "
        "Use an existing role, {role_name}.",
        ja="Lambda コンソールで「関数」> {function_name} >「設定」>「アクセス権限」>「編集」を選び、「実行ロール」で"
        "「既存のロールを使用する」から {role_name} を選びます。",
    ),
)
def function_uses_role(aws: Aws, ctx: Context) -> Finding:
    role_arn = str((awslambda.configuration(aws, ctx["function_name"]) or {}).get("Role", ""))
    role_name = role_arn.rsplit("/", 1)[-1]
    if role_name == ctx["role_name"]:
        return passed(f"execution role {role_name}", f"実行ロールは {role_name} です")
    return failed(f"execution role {role_name}", f"実行ロールは {role_name} です")


@lab.criterion(
    "entry-stored",
    requires=("table-name-variable", "role-may-put-item", "function-uses-role"),
    expected=Text(en="the table {table_name} holds the entry `first-entry` stored by the function",
                  ja="関数が保存した投稿 `first-entry` がテーブル {table_name} にある"),
    looked_at=Text(en="the item with `id` `first-entry` in table {table_name}",
                   ja="テーブル {table_name} の `id` が `first-entry` の項目"),
    hint=Text(
        en='Lambda console > {function_name} > Test: create a test event with the JSON `{{"id": "first-entry", '
        '"message": "Hello from Lambda"}}` and choose Test (or `aws lambda invoke`). An error in the result names what '
        "is still missing; DynamoDB console > Tables > Explore items shows what was stored.",
        ja='Lambda コンソールで {function_name} >「テスト」を選び、JSON `{{"id": "first-entry", "message": '
        '"Hello from Lambda"}}` のテストイベントを作成して「テスト」を選びます（または `aws lambda invoke`）。'
        "結果にエラーが出た場合は、まだ足りない設定が示されます。保存された項目は DynamoDB コンソールの「項目を探索」で"
        "確認できます。",
    ),
)
def entry_stored(aws: Aws, ctx: Context) -> Finding:
    found = or_none(aws.client("dynamodb").get_item, TableName=ctx["table_name"], Key={"id": {"S": "first-entry"}})
    item = (found or {}).get("Item")
    if not item:
        return failed("no item with `id` `first-entry`: the function has not stored the test event yet",
                      "`id` が `first-entry` の項目はありません。関数はまだテストイベントを保存していません")
    message = (item.get("message") or {}).get("S", "")
    if message != TEST_EVENT["message"]:
        return failed(f"the entry first-entry has the message “{message}”",
                      f"投稿 first-entry のメッセージは “{message}” です")
    return passed(f"the entry first-entry: “{message}”", f"投稿 first-entry: “{message}”")


# -- reference solution, other valid ways, near misses -----------------------------------------


def _put_item_policy(aws: Aws, ctx: Context, *, actions: Any = "dynamodb:PutItem", resource: str | None = None) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": actions, "Resource": resource or _table_arn(aws, ctx["table_name"])}]}


def _once_the_role_is_assumable(update: Callable[[], object]) -> None:
    """Run ``update``; on AWS a new role takes a few seconds before Lambda may assume it."""
    for attempt in range(10):
        try:
            update()
            return
        except (ClientError, RuntimeError) as error:
            code = error_code(error) if isinstance(error, ClientError) else str(error)
            if "InvalidParameterValueException" not in code or attempt == 9:
                raise
            time.sleep(3)


def _wait_updated(aws: Aws, name: str) -> None:
    aws.client("lambda").get_waiter("function_updated_v2").wait(FunctionName=name,
                                                                WaiterConfig={"Delay": 2, "MaxAttempts": 60})


def build(
    aws: Aws,
    ctx: Context,
    *,
    trusted: str = "lambda.amazonaws.com",
    document: dict | None = None,
    managed: tuple[str, ...] = (iam.BASIC_EXECUTION,),
    variables: dict[str, str] | None = None,
    assign: bool = True,
    invoke: bool = True,
) -> None:
    """Wire the function with boto3; the keywords introduce the near misses' mistakes."""
    client, function = aws.client("iam"), ctx["function_name"]
    client.create_role(RoleName=ctx["role_name"], AssumeRolePolicyDocument=json.dumps(iam.trust_policy(trusted)))
    for arn in managed:
        client.attach_role_policy(RoleName=ctx["role_name"], PolicyArn=arn)
    client.put_role_policy(RoleName=ctx["role_name"], PolicyName="put-guestbook-entries",
                           PolicyDocument=json.dumps(document or _put_item_policy(aws, ctx)))
    update: dict[str, Any] = {"Environment": {"Variables": {"TABLE_NAME": ctx["table_name"]} if variables is None
                                              else variables}}
    if assign:
        update["Role"] = str(client.get_role(RoleName=ctx["role_name"])["Role"]["Arn"])
    _once_the_role_is_assumable(lambda: aws.client("lambda").update_function_configuration(FunctionName=function, **update))
    _wait_updated(aws, function)
    if invoke:
        aws.client("lambda").invoke(FunctionName=function, Payload=json.dumps(TEST_EVENT).encode())


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    build(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(
        en="every step with the AWS CLI, the permission as a customer managed policy whose Resource names the table "
        "in any Region (`arn:aws:dynamodb:*:*:table/...`)",
        ja="すべて AWS CLI で実施し、許可はカスタマー管理ポリシーとして作成（Resource はどのリージョンでもそのテーブルだけを"
        "表す `arn:aws:dynamodb:*:*:table/...`）",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    role, function, table = ctx["role_name"], ctx["function_name"], ctx["table_name"]
    role_arn = json.loads(aws.cli("iam", "create-role", "--role-name", role, "--assume-role-policy-document",
                                  json.dumps(iam.trust_policy("lambda.amazonaws.com"))))["Role"]["Arn"]
    document = {"Version": "2012-10-17", "Statement": [{"Sid": "PutGuestbookEntries", "Effect": "Allow",
                                                        "Action": ["dynamodb:PutItem"],
                                                        "Resource": [f"arn:aws:dynamodb:*:*:table/{table}"]}]}
    policy_arn = json.loads(aws.cli("iam", "create-policy", "--policy-name", "mcredlab-guestbook-put-item",
                                    "--policy-document", json.dumps(document)))["Policy"]["Arn"]
    aws.cli("iam", "attach-role-policy", "--role-name", role, "--policy-arn", policy_arn)
    _once_the_role_is_assumable(lambda: aws.cli(
        "lambda", "update-function-configuration", "--function-name", function, "--role", role_arn,
        "--environment", json.dumps({"Variables": {"TABLE_NAME": table}})))
    aws.cli("lambda", "wait", "function-updated", "--function-name", function)
    with tempfile.TemporaryDirectory() as folder:
        aws.cli("lambda", "invoke", "--function-name", function, "--payload", json.dumps(TEST_EVENT),
                str(Path(folder) / "response.json"))


@lab.near_miss(
    "no-table-variable",
    fails="table-name-variable",
    story=Text(en="the role wired, but no `TABLE_NAME` variable: the invocation fails with KeyError",
               ja="ロールは設定したが、環境変数 `TABLE_NAME` がない: 呼び出しは KeyError で失敗"),
)
def no_table_variable(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, variables={})


@lab.near_miss(
    "variable-named-table",
    fails="table-name-variable",
    story=Text(en="the variable named `TABLE` instead of `TABLE_NAME`", ja="環境変数の名前が `TABLE_NAME` ではなく `TABLE`"),
)
def variable_named_table(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, variables={"TABLE": ctx["table_name"]})


@lab.near_miss(
    "role-trusts-ec2",
    fails="role-trusts-lambda",
    story=Text(en="the role created for EC2 (trusted entity `ec2.amazonaws.com`)",
               ja="ロールを EC2 用に作成（信頼されたエンティティが `ec2.amazonaws.com`）"),
)
def role_trusts_ec2(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, trusted="ec2.amazonaws.com", assign=False, invoke=False)


@lab.near_miss(
    "get-item-only",
    fails="role-may-put-item",
    story=Text(en="the policy allows `dynamodb:GetItem` instead of `dynamodb:PutItem`",
               ja="ポリシーが `dynamodb:PutItem` ではなく `dynamodb:GetItem` を許可"),
)
def get_item_only(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, document=_put_item_policy(aws, ctx, actions="dynamodb:GetItem"))


@lab.near_miss(
    "full-access-policy",
    fails="role-least-privilege",
    story=Text(en="the AWS managed policy AmazonDynamoDBFullAccess attached instead of a policy for the table",
               ja="テーブル用のポリシーではなく、AWS 管理ポリシー AmazonDynamoDBFullAccess をアタッチ"),
)
def full_access_policy(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, managed=(iam.BASIC_EXECUTION, "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"))


@lab.near_miss(
    "put-item-on-every-table",
    fails="role-least-privilege",
    story=Text(en='`dynamodb:PutItem` allowed on "Resource": "*"', ja='`dynamodb:PutItem` を "Resource": "*" に許可'),
)
def put_item_everywhere(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, document=_put_item_policy(aws, ctx, resource="*"))


@lab.near_miss(
    "role-not-assigned",
    fails="function-uses-role",
    story=Text(en="the role created, but the function still runs with its starter role",
               ja="ロールは作成したが、関数の実行ロールが最初のロールのまま"),
)
def role_not_assigned(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, assign=False, invoke=False)


@lab.near_miss(
    "never-invoked",
    fails="entry-stored",
    story=Text(en="everything wired, but the function never invoked", ja="すべて設定したが、関数を一度も呼び出していない"),
)
def never_invoked(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, invoke=False)


def _delete_role_named(aws: Aws, name: str) -> None:
    """Delete the role the task names (the lab's own name, whoever created it) with its policies."""
    client = aws.client("iam")
    if iam.role(aws, name) is None:
        return
    for attached in client.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        client.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    for policy_name in client.list_role_policies(RoleName=name)["PolicyNames"]:
        client.delete_role_policy(RoleName=name, PolicyName=policy_name)
    client.delete_role(RoleName=name)


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the tagged function, starter role and table, and the role the task names."""
    awslambda.delete_function(aws, lab.id, ctx["function_name"])
    iam.delete_role(aws, lab.id, STARTER_ROLE)
    _delete_role_named(aws, ctx["role_name"])
    dynamodb.delete_table(aws, lab.id, ctx["table_name"])
