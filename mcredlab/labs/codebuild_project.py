"""A CodeBuild project with an inline buildspec, environment variables and CloudWatch Logs; a build of it runs the
buildspec (on the emulator, in a local shell) and its log shows what the variables made of it."""

from __future__ import annotations

import json
from typing import Any

from mcredlab.kit import Aws, Context, Finding, Lab, Text, codebuild, failed, iam, passed

lab = Lab(
    id="codebuild-project",
    track="serverless",
    services=("codebuild", "logs", "iam"),
    flows=(("codebuild", "logs"),),
    certs=("DVA", "DOP"),
    minutes=15,
    title=Text(
        en="Create a CodeBuild project with an inline buildspec, environment variables and CloudWatch Logs",
        ja="インラインの buildspec、環境変数、CloudWatch Logs を使う CodeBuild プロジェクトを作成する",
    ),
    task=Text(
        en=(
            "Create the CodeBuild project **{project_name}** that builds the site without a source repository:\n"
            "1. Source provider: No source, with this inline buildspec (Insert build commands > Switch to editor):\n"
            "```yaml\n{buildspec}```\n"
            "2. Environment: a managed Amazon Linux image (for example "
            "aws/codebuild/amazonlinux-x86_64-standard:5.0), the existing service role **{role_name}**, and two "
            "plaintext environment variables: `SITE_NAME` = `{site_name}` and `STAGE` = `{stage}`.\n"
            "3. Logs: CloudWatch Logs on, with the group name `{log_group}`.\n"
            "4. Start a build of the project. It must succeed, and its log must show the line "
            "`{expected_line}`."
        ),
        ja=(
            "ソースリポジトリを使わずにサイトをビルドする CodeBuild プロジェクト **{project_name}** を作成してください。\n"
            "1. ソースプロバイダーは「ソースなし」にして、次のインラインの buildspec を使います（「ビルドコマンドの挿入」>"
            "「エディタに切り替え」）:\n"
            "```yaml\n{buildspec}```\n"
            "2. 環境: マネージド型の Amazon Linux イメージ（例: aws/codebuild/amazonlinux-x86_64-standard:5.0）、"
            "既存のサービスロール **{role_name}**、プレーンテキストの環境変数 2 つ（`SITE_NAME` = `{site_name}`、"
            "`STAGE` = `{stage}`）。\n"
            "3. ログ: CloudWatch Logs をオンにして、グループ名を `{log_group}` にします。\n"
            "4. プロジェクトのビルドを開始します。ビルドが成功し、そのログに `{expected_line}` という行が"
            "出力される必要があります。"
        ),
    ),
)

PROJECT_NAME = "mcredlab-site-build"
ROLE_NAME = "mcredlab-site-build-role"
LOG_GROUP = "/mcredlab/site-build"
VARIABLES = {"SITE_NAME": "mcredlab-site", "STAGE": "test"}
BUILDSPEC = """version: 0.2
phases:
  build:
    commands:
      - echo "Building $SITE_NAME for $STAGE"
      - mkdir -p dist && echo "<h1>$SITE_NAME ($STAGE)</h1>" > dist/index.html
      - test -s dist/index.html
"""
EXPECTED_LINE = f"Building {VARIABLES['SITE_NAME']} for {VARIABLES['STAGE']}"
IMAGE = codebuild.DEFAULT_IMAGE


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """The service role CodeBuild runs the build with (it may write the build's logs); the learner makes the project."""
    logs = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [f"arn:aws:logs:{aws.region}:{aws.account_id}:log-group:{LOG_GROUP}",
                     f"arn:aws:logs:{aws.region}:{aws.account_id}:log-group:{LOG_GROUP}:*"]}]}
    iam.ensure_role(aws, lab.id, ROLE_NAME, iam.trust_policy("codebuild.amazonaws.com"), inline={"build-logs": logs})
    return {"project_name": PROJECT_NAME, "role_name": ROLE_NAME, "log_group": LOG_GROUP, "buildspec": BUILDSPEC,
            "site_name": VARIABLES["SITE_NAME"], "stage": VARIABLES["STAGE"], "expected_line": EXPECTED_LINE,
            "lambda_role_name": f"{ROLE_NAME}-lambda"}


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "inline-buildspec",
    expected=Text(en="a project {project_name} with no source and an inline buildspec",
                  ja="ソースなしでインラインの buildspec を使うプロジェクト {project_name} がある"),
    looked_at=Text(en="the source settings of CodeBuild project {project_name}",
                   ja="CodeBuild プロジェクト {project_name} のソースの設定"),
    hint=Text(
        en="CodeBuild console > Build projects > Create build project: Project name `{project_name}`; Source provider "
        "No source; in Buildspec, Insert build commands > Switch to editor, and paste the buildspec of the task.",
        ja="CodeBuild コンソールで「ビルドプロジェクト」>「ビルドプロジェクトを作成する」を選び、プロジェクト名を "
        "`{project_name}`、ソースプロバイダーを「ソースなし」にします。「Buildspec」で「ビルドコマンドの挿入」>"
        "「エディタに切り替え」を選び、課題の buildspec を貼り付けます。",
    ),
)
def inline_buildspec(aws: Aws, ctx: Context) -> Finding:
    project = codebuild.project(aws, ctx["project_name"])
    if project is None:
        return failed(f"there is no CodeBuild project named {ctx['project_name']}",
                      f"{ctx['project_name']} という名前の CodeBuild プロジェクトがありません")
    source = project.get("source") or {}
    kind, spec = str(source.get("type")), str(source.get("buildspec") or "")
    if kind != "NO_SOURCE":
        return failed(f"the source provider is {kind}, not No source (NO_SOURCE)",
                      f"ソースプロバイダーは {kind} で、「ソースなし」（NO_SOURCE）ではありません")
    if "phases:" not in spec:
        return failed("the project has no inline buildspec", "プロジェクトにインラインの buildspec がありません")
    return passed(f"NO_SOURCE with an inline buildspec of {len(spec.splitlines())} lines",
                  f"NO_SOURCE、インラインの buildspec（{len(spec.splitlines())} 行）")


@lab.criterion(
    "service-role",
    requires="inline-buildspec",
    expected=Text(en="the project runs with a service role that CodeBuild can assume",
                  ja="プロジェクトのサービスロールを CodeBuild が引き受けられる"),
    looked_at=Text(en="the service role of project {project_name} and its trust policy",
                   ja="プロジェクト {project_name} のサービスロールとその信頼ポリシー"),
    hint=Text(
        en="CodeBuild console > {project_name} > Edit > Environment > Service role: Existing service role, "
        "{role_name}.",
        ja="CodeBuild コンソールで {project_name} >「編集」>「環境」を選び、「サービスロール」で「既存のサービスロール」"
        "から {role_name} を選びます。",
    ),
)
def service_role(aws: Aws, ctx: Context) -> Finding:
    role = str((codebuild.project(aws, ctx["project_name"]) or {}).get("serviceRole", "")).rsplit("/", 1)[-1]
    return iam.role_trusts_finding(aws, role, "codebuild.amazonaws.com")


@lab.criterion(
    "environment-variables",
    requires="inline-buildspec",
    expected=Text(en="the project's plaintext environment variables `SITE_NAME` = `{site_name}` and `STAGE` = `{stage}`",
                  ja="プロジェクトのプレーンテキストの環境変数 `SITE_NAME` = `{site_name}` と `STAGE` = `{stage}`"),
    looked_at=Text(en="the environment variables of project {project_name}", ja="プロジェクト {project_name} の環境変数"),
    hint=Text(
        en="CodeBuild console > {project_name} > Edit > Environment > Additional configuration > Environment "
        "variables: Name `SITE_NAME`, Value `{site_name}`, Type Plaintext; Add environment variable: `STAGE`, "
        "`{stage}`, Plaintext. Names are case-sensitive.",
        ja="CodeBuild コンソールで {project_name} >「編集」>「環境」>「追加設定」>「環境変数」を選び、名前 `SITE_NAME`、"
        "値 `{site_name}`、タイプ「プレーンテキスト」を入力します。「環境変数の追加」で `STAGE`、`{stage}`、"
        "「プレーンテキスト」も追加します。名前は大文字と小文字を区別します。",
    ),
)
def environment_variables(aws: Aws, ctx: Context) -> Finding:
    environment = (codebuild.project(aws, ctx["project_name"]) or {}).get("environment") or {}
    declared = environment.get("environmentVariables") or []
    found = {str(v.get("name")): (str(v.get("value", "")), str(v.get("type") or "PLAINTEXT")) for v in declared}
    shown = ", ".join(f"`{name}` = `{value}` ({kind})" for name, (value, kind) in sorted(found.items())) or "none"
    shown_ja = "、".join(f"`{name}` = `{value}`（{kind}）" for name, (value, kind) in sorted(found.items())) or "なし"
    wanted = {"SITE_NAME": (ctx["site_name"], "PLAINTEXT"), "STAGE": (ctx["stage"], "PLAINTEXT")}
    if all(found.get(name) == value for name, value in wanted.items()):
        return passed(shown, shown_ja)
    if not found:
        return failed("the project has no environment variables", "プロジェクトに環境変数がありません")
    return failed(f"the project's variables: {shown}", f"プロジェクトの環境変数: {shown_ja}")


@lab.criterion(
    "cloudwatch-logs",
    requires="inline-buildspec",
    expected=Text(en="CloudWatch Logs on, with the group name `{log_group}`",
                  ja="CloudWatch Logs がオンで、グループ名が `{log_group}`"),
    looked_at=Text(en="the logs settings of project {project_name} (`logsConfig`)",
                   ja="プロジェクト {project_name} のログの設定（`logsConfig`）"),
    hint=Text(
        en="CodeBuild console > {project_name} > Edit > Logs: CloudWatch logs checked, Group name `{log_group}` "
        "(left empty, CodeBuild writes to `/aws/codebuild/{project_name}`).",
        ja="CodeBuild コンソールで {project_name} >「編集」>「ログ」を選び、「CloudWatch ログ」をオンにして、グループ名に "
        "`{log_group}` を入力します（空のままだと `/aws/codebuild/{project_name}` に書き込まれます）。",
    ),
)
def cloudwatch_logs(aws: Aws, ctx: Context) -> Finding:
    logs_config = (codebuild.project(aws, ctx["project_name"]) or {}).get("logsConfig") or {}
    settings = logs_config.get("cloudWatchLogs") or {}
    if str(settings.get("status", "ENABLED")).upper() != "ENABLED":
        return failed("CloudWatch Logs are off for this project", "このプロジェクトでは CloudWatch Logs がオフです")
    group = str(settings.get("groupName") or f"/aws/codebuild/{ctx['project_name']}")
    if group != ctx["log_group"]:
        return failed(f"CloudWatch Logs on, group {group}", f"CloudWatch Logs はオンで、グループは {group} です")
    return passed(f"CloudWatch Logs on, group {group}", f"CloudWatch Logs はオンで、グループは {group} です")


@lab.criterion(
    "build-succeeded",
    requires=("service-role", "environment-variables", "cloudwatch-logs"),
    expected=Text(en="the newest build of {project_name} succeeded and its log shows `{expected_line}`",
                  ja="{project_name} の最新のビルドが成功し、そのログに `{expected_line}` が出力されている"),
    looked_at=Text(en="the newest build of project {project_name} and its log in CloudWatch Logs",
                   ja="プロジェクト {project_name} の最新のビルドと、CloudWatch Logs のそのログ"),
    hint=Text(
        en="CodeBuild console > {project_name} > Start build. Build logs (or CloudWatch Logs > {log_group}) shows "
        "each command with its output; a failed build names its failed phase and command. A build started before "
        "the variables or the buildspec were saved used the old settings: start another one.",
        ja="CodeBuild コンソールで {project_name} >「ビルドを開始」を選びます。「ビルドログ」（または CloudWatch Logs の "
        "{log_group}）に各コマンドとその出力が表示されます。失敗したビルドには、失敗したフェーズとコマンドが示されます。"
        "環境変数や buildspec を保存する前に開始したビルドは古い設定を使っているので、もう一度ビルドを開始します。",
    ),
)
def build_succeeded(aws: Aws, ctx: Context) -> Finding:
    builds = codebuild.newest_builds(aws, ctx["project_name"], count=1)
    if not builds:
        return failed(f"{ctx['project_name']} has no build yet", f"{ctx['project_name']} のビルドはまだありません")
    build = builds[0]
    number, status = build.get("buildNumber"), str(build.get("buildStatus"))
    if status == "IN_PROGRESS":
        return failed(f"build #{number} is still running ({build.get('currentPhase')}); check again in a few seconds",
                      f"ビルド #{number} はまだ実行中です（{build.get('currentPhase')}）。数秒後にもう一度チェックしてください")
    if status != "SUCCEEDED":
        phase, message = codebuild.failed_phase(build)
        said, said_ja = (f"“{message}”", f"“{message}”") if message else ("no message", "メッセージなし")
        return failed(f"build #{number}: {status} in {phase or 'an unknown phase'} ({said})",
                      f"ビルド #{number}: {phase or '不明なフェーズ'} で {status}（{said_ja}）")
    lines = codebuild.log_lines(aws, build)
    if lines is None:
        return failed(f"build #{number} succeeded but wrote no CloudWatch Logs",
                      f"ビルド #{number} は成功しましたが、CloudWatch Logs に何も書き込んでいません")
    if not any(line.strip() == ctx["expected_line"] for line in lines):
        building = next((line.strip() for line in lines if line.strip().startswith("Building")), None)
        seen = f"it shows “{building}”" if building else "no line starts with “Building”"
        seen_ja = f"出力は “{building}” です" if building else "“Building” で始まる行がありません"
        return failed(f"build #{number} succeeded, but its log lacks “{ctx['expected_line']}”: {seen}",
                      f"ビルド #{number} は成功しましたが、ログに “{ctx['expected_line']}” がありません。{seen_ja}")
    return passed(f"build #{number} SUCCEEDED; its log shows “{ctx['expected_line']}”",
                  f"ビルド #{number} は SUCCEEDED で、ログに “{ctx['expected_line']}” があります")


# -- reference solution, other valid ways, near misses -----------------------------------------


def _variables(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value, "type": "PLAINTEXT"} for name, value in values.items()]


def build(aws: Aws, ctx: Context, *, buildspec: str = BUILDSPEC, variables: dict[str, str] | None = None,
          logs: dict[str, Any] | None = None, role: str | None = None, run: bool = True,
          override: dict[str, str] | None = None) -> None:
    """Create the project with boto3 and run a build; the keywords introduce the near misses' mistakes."""
    client = aws.client("codebuild")
    role_arn = f"arn:aws:iam::{aws.account_id}:role/{role or ctx['role_name']}"
    client.create_project(
        name=ctx["project_name"], source={"type": "NO_SOURCE", "buildspec": buildspec},
        artifacts={"type": "NO_ARTIFACTS"}, serviceRole=role_arn,
        environment={"type": "LINUX_CONTAINER", "image": IMAGE, "computeType": "BUILD_GENERAL1_SMALL",
                     "environmentVariables": _variables(VARIABLES if variables is None else variables)},
        logsConfig=logs or {"cloudWatchLogs": {"status": "ENABLED", "groupName": ctx["log_group"]}})
    if run:
        extra = {"environmentVariablesOverride": _variables(override)} if override else {}
        codebuild.wait_for_build(aws, client.start_build(projectName=ctx["project_name"], **extra)["build"]["id"])


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    build(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(en="the AWS CLI, with the variables in the other order and a stream name for the logs",
               ja="AWS CLI で作成し、環境変数を逆の順序で指定し、ログにストリーム名も指定"),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    role_arn = json.loads(aws.cli("iam", "get-role", "--role-name", ctx["role_name"]))["Role"]["Arn"]
    aws.cli("codebuild", "create-project", "--name", ctx["project_name"],
            "--source", json.dumps({"type": "NO_SOURCE", "buildspec": BUILDSPEC}),
            "--artifacts", json.dumps({"type": "NO_ARTIFACTS"}), "--service-role", role_arn,
            "--environment", json.dumps({"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                                         "computeType": "BUILD_GENERAL1_SMALL",
                                         "environmentVariables": _variables(dict(reversed(VARIABLES.items())))}),
            "--logs-config", json.dumps({"cloudWatchLogs": {"status": "ENABLED", "groupName": ctx["log_group"],
                                                            "streamName": "site"}}))
    started = json.loads(aws.cli("codebuild", "start-build", "--project-name", ctx["project_name"]))["build"]
    codebuild.wait_for_build(aws, started["id"])


@lab.alternative(
    "first-build-overridden",
    story=Text(en="a first build started with `STAGE` overridden to `prod`, then a build with the project's own "
               "settings: the newest build counts",
               ja="最初のビルドは `STAGE` を `prod` に上書きして開始し、次にプロジェクトの設定のままビルド: 最新のビルドが"
               "判定される"),
)
def first_build_overridden(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, override={"STAGE": "prod"})
    codebuild.wait_for_build(aws, aws.client("codebuild").start_build(projectName=ctx["project_name"])["build"]["id"])


@lab.alternative(
    "edited-in-the-console",
    story=Text(en="created with `STAGE` = `prod` and the default log group, built, then edited (UpdateProject) and "
               "built again",
               ja="`STAGE` = `prod` とデフォルトのロググループで作成してビルドし、その後プロジェクトを編集"
               "（UpdateProject）して再びビルド"),
)
def edited_in_the_console(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, variables={**VARIABLES, "STAGE": "prod"}, logs={"cloudWatchLogs": {"status": "ENABLED"}})
    client = aws.client("codebuild")
    environment = dict((codebuild.project(aws, ctx["project_name"]) or {})["environment"])
    client.update_project(name=ctx["project_name"], environment={**environment,
                                                                 "environmentVariables": _variables(VARIABLES)},
                          logsConfig={"cloudWatchLogs": {"status": "ENABLED", "groupName": ctx["log_group"]}})
    codebuild.wait_for_build(aws, client.start_build(projectName=ctx["project_name"])["build"]["id"])


@lab.near_miss(
    "stage-prod",
    fails="environment-variables",
    story=Text(en="`STAGE` set to `prod` instead of `test`", ja="`STAGE` を `test` ではなく `prod` に設定"),
)
def stage_prod(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, variables={**VARIABLES, "STAGE": "prod"})


@lab.near_miss(
    "variables-only-in-the-build",
    fails="environment-variables",
    story=Text(en="the variables given only when starting the build (an override), not kept in the project",
               ja="環境変数をビルドの開始時（上書き）にだけ指定し、プロジェクトには保存していない"),
)
def variables_only_in_the_build(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, variables={}, override=VARIABLES)


@lab.near_miss(
    "default-log-group",
    fails="cloudwatch-logs",
    story=Text(en="CloudWatch Logs left with the default group `/aws/codebuild/...`",
               ja="CloudWatch Logs のグループをデフォルトの `/aws/codebuild/...` のまま"),
)
def default_log_group(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, logs={"cloudWatchLogs": {"status": "ENABLED"}})


@lab.near_miss(
    "logs-off",
    fails="cloudwatch-logs",
    story=Text(en="CloudWatch Logs turned off", ja="CloudWatch Logs をオフ"),
)
def logs_off(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, logs={"cloudWatchLogs": {"status": "DISABLED"}})


@lab.near_miss(
    "role-for-lambda",
    fails="service-role",
    story=Text(en="the project given a role that only Lambda may assume", ja="Lambda だけが引き受けられるロールをプロジェクトに指定"),
)
def role_for_lambda(aws: Aws, ctx: Context) -> None:
    iam.ensure_role(aws, lab.id, ctx["lambda_role_name"], iam.trust_policy("lambda.amazonaws.com"))
    build(aws, ctx, role=ctx["lambda_role_name"])


@lab.near_miss(
    "single-quoted-echo",
    fails="build-succeeded",
    story=Text(en="the buildspec's echo in single quotes: the log shows `$SITE_NAME` instead of its value",
               ja="buildspec の `echo` を一重引用符で囲んだ: ログに値ではなく `$SITE_NAME` が出力される"),
)
def single_quoted_echo(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, buildspec=BUILDSPEC.replace('echo "Building $SITE_NAME for $STAGE"',
                                                "echo 'Building $SITE_NAME for $STAGE'"))


@lab.near_miss(
    "failing-command",
    fails="build-succeeded",
    story=Text(en="a mistyped command in the buildspec (`mkdr`): the BUILD phase fails",
               ja="buildspec のコマンドの入力ミス（`mkdr`）: BUILD フェーズが失敗する"),
)
def failing_command(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, buildspec=BUILDSPEC.replace("mkdir -p dist", "mkdr -p dist"))


@lab.near_miss(
    "never-built",
    fails="build-succeeded",
    story=Text(en="the project right, but no build started", ja="プロジェクトは正しいが、ビルドを開始していない"),
)
def never_built(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, run=False)


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the project the task names (whoever created it) and the tagged roles."""
    codebuild.delete_project_named(aws, ctx["project_name"])
    for role in (ctx["role_name"], ctx["lambda_role_name"]):
        iam.delete_role(aws, lab.id, role)
