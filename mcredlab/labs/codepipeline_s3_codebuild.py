"""A CodePipeline pipeline takes a zipped site from a versioned S3 bucket and builds it with an existing CodeBuild
project; its newest execution must run both stages, and the build it starts must log what the source holds."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from mcredlab.kit import Aws, Context, Finding, Lab, Text, codebuild, codepipeline, failed, iam, or_none, passed, s3

lab = Lab(
    id="codepipeline-s3-codebuild",
    track="serverless",
    services=("codepipeline", "codebuild", "s3", "iam"),
    flows=(("developer", "s3"), ("s3", "codepipeline"), ("codepipeline", "codebuild")),
    certs=("DVA", "DOP"),
    minutes=15,
    title=Text(
        en="Create a CodePipeline pipeline that builds an S3 source with CodeBuild",
        ja="S3 のソースを CodeBuild でビルドする CodePipeline のパイプラインを作成する",
    ),
    task=Text(
        en=(
            "Each release of a small website is uploaded to the S3 bucket **{source_bucket}** (versioning enabled) as "
            "the object `{source_key}`: a ZIP file of the site with its `buildspec.yml`. The CodeBuild project "
            "**{project_name}** builds it; its source and artifacts are AWS CodePipeline. Create the pipeline that "
            "builds each release:\n"
            "1. CodePipeline console > Create pipeline > Build custom pipeline. Pipeline name **{pipeline_name}**; "
            "Service role: Existing service role, **{pipeline_role}**; Advanced settings > Artifact store: Custom "
            "location, bucket **{artifact_bucket}**.\n"
            "2. Source stage: Source provider Amazon S3, bucket **{source_bucket}**, S3 object key `{source_key}`.\n"
            "3. Build stage: Build provider AWS CodeBuild, project **{project_name}**, input artifact the source "
            "stage's output artifact (`SourceArtifact`).\n"
            "4. Skip the test and deploy stages and create the pipeline. Creating it starts an execution: it must "
            "succeed, Source and then Build, and the log of the build it starts must show the line "
            "`{expected_line}`.\n\n"
            "With the AWS CLI, write the pipeline as JSON and run `aws codepipeline create-pipeline --cli-input-json "
            "file://pipeline.json` (`--generate-cli-skeleton` prints its shape).\n\n"
            "Editing a pipeline does not run it: after a change, choose Release change. On the emulator, change "
            "detection (Amazon EventBridge or polling) starts nothing; creating the pipeline and Release change "
            "(`aws codepipeline start-pipeline-execution`) do."
        ),
        ja=(
            "小さなウェブサイトの各リリースは、S3 バケット **{source_bucket}**（バージョニング有効）にオブジェクト "
            "`{source_key}` としてアップロードされます。サイトとその `buildspec.yml` をまとめた ZIP ファイルです。"
            "CodeBuild プロジェクト **{project_name}** がこれをビルドします（ソースとアーティファクトは AWS CodePipeline"
            "）。各リリースをビルドするパイプラインを作成してください。\n"
            "1. CodePipeline コンソールで「パイプラインを作成する」>「カスタムパイプラインを構築する」を選びます。"
            "パイプライン名は **{pipeline_name}**、サービスロールは「既存のサービスロール」で **{pipeline_role}** を選び、"
            "「詳細設定」>「アーティファクトストア」で「カスタムロケーション」を選んでバケット **{artifact_bucket}** を"
            "指定します。\n"
            "2. ソースステージ: ソースプロバイダーは Amazon S3、バケットは **{source_bucket}**、S3 オブジェクトキーは "
            "`{source_key}` です。\n"
            "3. ビルドステージ: ビルドプロバイダーは AWS CodeBuild、プロジェクトは **{project_name}**、入力アーティファクトは"
            "ソースステージの出力アーティファクト（`SourceArtifact`）です。\n"
            "4. テストステージとデプロイステージをスキップして、パイプラインを作成します。作成すると実行が開始されます。"
            "この実行でソースステージ、ビルドステージの順に成功し、開始されたビルドのログに `{expected_line}` という行が"
            "出力される必要があります。\n\n"
            "AWS CLI では、パイプラインを JSON で記述して `aws codepipeline create-pipeline --cli-input-json "
            "file://pipeline.json` を実行します（`--generate-cli-skeleton` で JSON の形を確認できます）。\n\n"
            "パイプラインを編集しても実行はされません。変更したら「変更をリリースする」を選びます。エミュレーターでは、"
            "変更検出（Amazon EventBridge またはポーリング）では何も開始されません。パイプラインの作成と「変更をリリースする」"
            "（`aws codepipeline start-pipeline-execution`）で実行が開始されます。"
        ),
    ),
)

PIPELINE_NAME = "mcredlab-site-pipeline"
PIPELINE_ROLE = "mcredlab-site-pipeline-role"
PROJECT_NAME = "mcredlab-site-pipeline-build"
BUILD_ROLE = "mcredlab-site-pipeline-build-role"
SOURCE_KEY = "site/source.zip"
RELEASE = "1.4.2"
BUILDSPEC = """version: 0.2
phases:
  build:
    commands:
      - echo "Building mcredlab-site release $(cat VERSION)"
      - mkdir -p dist && cp index.html dist/
      - test -s dist/index.html
artifacts:
  base-directory: dist
  files:
    - '**/*'
"""
SITE = {"buildspec.yml": BUILDSPEC, "VERSION": f"{RELEASE}\n",
        "index.html": "<!doctype html>\n<h1>mcredlab site</h1>\n"}
EXPECTED_LINE = f"Building mcredlab-site release {RELEASE}"
OTHER_PROJECT = "mcredlab-site-build"
"""The project of the ``codebuild-project`` lab: a name close enough to pick by mistake."""


def _site_zip() -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in SITE.items():
            archive.writestr(name, text)
    return packed.getvalue()


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """The versioned source bucket with the site, the artifact bucket, the CodeBuild project (source and artifacts
    CODEPIPELINE) with its role, and the pipeline's service role; the learner makes the pipeline."""
    suffix = f"{aws.account_id}-{aws.region}"
    source_bucket, artifact_bucket = f"mcredlab-pipeline-source-{suffix}", f"mcredlab-pipeline-artifacts-{suffix}"
    s3.ensure_versioned_bucket(aws, lab.id, source_bucket, {SOURCE_KEY: _site_zip()})
    s3.ensure_bucket(aws, lab.id, artifact_bucket)
    logs = f"arn:aws:logs:{aws.region}:{aws.account_id}:log-group:/aws/codebuild/{PROJECT_NAME}"
    build_role = iam.ensure_role(aws, lab.id, BUILD_ROLE, iam.trust_policy("codebuild.amazonaws.com"), inline={
        "build": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": [logs, f"{logs}:*"]},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
             "Resource": f"arn:aws:s3:::{artifact_bucket}/*"}]}})
    codebuild.ensure_project(aws, lab.id, PROJECT_NAME, role_arn=build_role, source={"type": "CODEPIPELINE"},
                             artifacts={"type": "CODEPIPELINE"})
    iam.ensure_role(aws, lab.id, PIPELINE_ROLE, iam.trust_policy("codepipeline.amazonaws.com"), inline={
        "pipeline": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:GetBucketVersioning",
                                           "s3:GetBucketLocation"],
             "Resource": [f"arn:aws:s3:::{source_bucket}", f"arn:aws:s3:::{source_bucket}/*"]},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
             "Resource": f"arn:aws:s3:::{artifact_bucket}/*"},
            {"Effect": "Allow", "Action": ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
             "Resource": f"arn:aws:codebuild:{aws.region}:{aws.account_id}:project/{PROJECT_NAME}"}]}})
    return {"pipeline_name": PIPELINE_NAME, "pipeline_role": PIPELINE_ROLE, "source_bucket": source_bucket,
            "source_key": SOURCE_KEY, "artifact_bucket": artifact_bucket, "project_name": PROJECT_NAME,
            "build_role": BUILD_ROLE, "expected_line": EXPECTED_LINE}


# -- what the checks read ----------------------------------------------------------------------


def _where(stage: str, action: dict[str, Any]) -> tuple[str, str]:
    """An action named by its stage, in English and Japanese (``action Source of stage Source``)."""
    return (f"action {action.get('name')} of stage {stage}", f"ステージ `{stage}` のアクション `{action.get('name')}`")


def _config(action: dict[str, Any]) -> dict[str, Any]:
    return dict(action.get("configuration") or {})


def _source_outputs(declaration: dict[str, Any]) -> list[str]:
    """The output artifacts of the pipeline's S3 source actions."""
    return [name for _, _, action in codepipeline.provided_by(declaration, "Source", "S3")
            for name in codepipeline.artifact_names(action, "outputArtifacts")]


def _providers(declaration: dict[str, Any], category: str) -> list[str]:
    return sorted({str(a["actionTypeId"].get("provider")) for _, _, a in codepipeline.actions(declaration)
                   if a.get("actionTypeId", {}).get("category") == category})


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "pipeline-exists",
    expected=Text(en="a pipeline named {pipeline_name}", ja="{pipeline_name} という名前のパイプラインがある"),
    looked_at=Text(en="the pipelines of CodePipeline (GetPipeline {pipeline_name})",
                   ja="CodePipeline のパイプライン（{pipeline_name} の GetPipeline）"),
    hint=Text(
        en="CodePipeline console > Pipelines > Create pipeline > Build custom pipeline > Next; Pipeline name "
        "`{pipeline_name}` (names are case-sensitive).",
        ja="CodePipeline コンソールで「パイプライン」>「パイプラインを作成する」>「カスタムパイプラインを構築する」>「次へ」を"
        "選び、パイプライン名に `{pipeline_name}` を入力します（名前は大文字と小文字を区別します）。",
    ),
)
def pipeline_exists(aws: Aws, ctx: Context) -> Finding:
    declaration = codepipeline.pipeline(aws, ctx["pipeline_name"])
    if declaration is None:
        return failed(f"there is no pipeline named {ctx['pipeline_name']}",
                      f"{ctx['pipeline_name']} という名前のパイプラインがありません")
    kind, version = declaration.get("pipelineType") or "V1", declaration.get("version")
    stages = ", ".join(f"`{s.get('name')}`" for s in declaration.get("stages") or [])
    return passed(f"pipeline {ctx['pipeline_name']} ({kind}, version {version}): stages {stages}",
                  f"パイプライン {ctx['pipeline_name']}（{kind}、バージョン {version}）、ステージ {stages.replace(', ', '、')}")


@lab.criterion(
    "pipeline-role",
    requires="pipeline-exists",
    expected=Text(en="the pipeline's service role is {pipeline_role}",
                  ja="パイプラインのサービスロールが {pipeline_role}"),
    looked_at=Text(en="the service role (`roleArn`) of pipeline {pipeline_name}",
                   ja="パイプライン {pipeline_name} のサービスロール（`roleArn`）"),
    hint=Text(
        en="CodePipeline console, Choose pipeline settings > Service role: Existing service role, Role ARN "
        "{pipeline_role}. It may read the source bucket, write the artifact store and start builds of "
        "{project_name}; a new service role made by the console would work on AWS, but the task names this one. "
        "The service role cannot be changed in the console later: delete the pipeline and create it again, or "
        "change `roleArn` with `aws codepipeline update-pipeline`.",
        ja="CodePipeline コンソールの「パイプラインの設定を選択する」で、サービスロールに「既存のサービスロール」を選び、"
        "ロール ARN に {pipeline_role} を指定します。このロールはソースバケットの読み取り、アーティファクトストアへの書き込み、"
        "{project_name} のビルドの開始を許可されています。コンソールが作成する新しいサービスロールでも AWS では動作しますが、"
        "課題ではこのロールを指定しています。サービスロールは後からコンソールでは変更できないので、パイプラインを削除して"
        "作成し直すか、`aws codepipeline update-pipeline` で `roleArn` を変更します。",
    ),
)
def pipeline_role(aws: Aws, ctx: Context) -> Finding:
    arn = str((codepipeline.pipeline(aws, ctx["pipeline_name"]) or {}).get("roleArn") or "")
    name = arn.rsplit("/", 1)[-1]
    if name != ctx["pipeline_role"]:
        return failed(f"the pipeline's service role is {name or 'not set'}, not {ctx['pipeline_role']}",
                      f"パイプラインのサービスロールは {name or '未設定'} で、{ctx['pipeline_role']} ではありません")
    return passed(f"service role `{arn}`", f"サービスロール `{arn}`")


@lab.criterion(
    "artifact-store",
    requires="pipeline-exists",
    expected=Text(en="the pipeline's artifact store is the S3 bucket {artifact_bucket}",
                  ja="パイプラインのアーティファクトストアが S3 バケット {artifact_bucket}"),
    looked_at=Text(en="the artifact store (`artifactStore`) of pipeline {pipeline_name}",
                   ja="パイプライン {pipeline_name} のアーティファクトストア（`artifactStore`）"),
    hint=Text(
        en="CodePipeline console, Choose pipeline settings > Advanced settings > Artifact store: Custom location, "
        "Bucket {artifact_bucket} (the Default location makes a bucket `codepipeline-<Region>-...` of its own). "
        "For a pipeline that exists: Edit > Edit pipeline settings, or `aws codepipeline update-pipeline`.",
        ja="CodePipeline コンソールの「パイプラインの設定を選択する」>「詳細設定」>「アーティファクトストア」で"
        "「カスタムロケーション」を選び、バケットに {artifact_bucket} を指定します（「デフォルトの場所」では "
        "`codepipeline-<Region>-...` というバケットが別に作成されます）。作成済みのパイプラインでは「編集する」から"
        "変更するか、`aws codepipeline update-pipeline` を使います。",
    ),
)
def artifact_store(aws: Aws, ctx: Context) -> Finding:
    declaration = codepipeline.pipeline(aws, ctx["pipeline_name"]) or {}
    bucket = codepipeline.artifact_bucket(declaration, aws.region)
    if bucket is None:
        return failed("the pipeline has no S3 artifact store in this Region",
                      "パイプラインには、このリージョンの S3 アーティファクトストアがありません")
    if bucket != ctx["artifact_bucket"]:
        default = bucket.startswith(f"codepipeline-{aws.region}-")
        return failed(f"the artifact store is the bucket {bucket}{' (the console’s default location)' if default else ''}, "
                      f"not {ctx['artifact_bucket']}",
                      f"アーティファクトストアはバケット {bucket}{'（コンソールのデフォルトの場所）' if default else ''}で、"
                      f"{ctx['artifact_bucket']} ではありません")
    return passed(f"artifact store: S3 bucket {bucket}", f"アーティファクトストア: S3 バケット {bucket}")


@lab.criterion(
    "source-stage",
    requires="pipeline-exists",
    expected=Text(en="the first stage has an Amazon S3 source action reading `s3://{source_bucket}/{source_key}`, "
                  "with an output artifact",
                  ja="最初のステージに、`s3://{source_bucket}/{source_key}` を読み取り、出力アーティファクトを持つ "
                  "Amazon S3 のソースアクションがある"),
    looked_at=Text(en="the source actions of pipeline {pipeline_name} (provider, `S3Bucket`, `S3ObjectKey`, output "
                   "artifacts)",
                   ja="パイプライン {pipeline_name} のソースアクション（プロバイダー、`S3Bucket`、`S3ObjectKey`、出力"
                   "アーティファクト）"),
    hint=Text(
        en="CodePipeline console > {pipeline_name} > Edit > Edit stage (the source stage) > edit the action: "
        "Action provider Amazon S3, Bucket {source_bucket}, S3 object key `{source_key}` (the whole key, folder "
        "included; keys are case-sensitive), Output artifacts `SourceArtifact`. Save, then Release change.",
        ja="CodePipeline コンソールで {pipeline_name} >「編集する」を選び、ソースステージの「ステージを編集する」から"
        "アクションを編集します。アクションプロバイダーは Amazon S3、バケットは {source_bucket}、S3 オブジェクトキーは "
        "`{source_key}`（フォルダを含むキー全体。キーは大文字と小文字を区別します）、出力アーティファクトは "
        "`SourceArtifact` です。保存してから「変更をリリースする」を選びます。",
    ),
)
def source_stage(aws: Aws, ctx: Context) -> Finding:
    declaration = codepipeline.pipeline(aws, ctx["pipeline_name"]) or {}
    sources = codepipeline.provided_by(declaration, "Source", "S3")
    if not sources:
        others = ", ".join(_providers(declaration, "Source"))
        if others:
            return failed(f"the source action's provider is {others}, not Amazon S3",
                          f"ソースアクションのプロバイダーは {others} で、Amazon S3 ではありません")
        return failed("the pipeline has no source action", "パイプラインにソースアクションがありません")
    wanted = f"s3://{ctx['source_bucket']}/{ctx['source_key']}"
    read = {f"s3://{_config(a).get('S3Bucket')}/{_config(a).get('S3ObjectKey')}": (p, s, a)
            for p, s, a in sources}
    if wanted not in read:
        shown = ", ".join(f"`{r}`" for r in read)
        return failed(f"the S3 source action reads {shown}, not `{wanted}`",
                      f"S3 のソースアクションが読み取るのは {shown.replace(', ', '、')} で、`{wanted}` ではありません")
    position, stage, action = read[wanted]
    where, where_ja = _where(stage, action)
    if position != 0:
        return failed(f"the S3 source action is the {where}, not in the first stage",
                      f"S3 のソースアクションは {where_ja} で、最初のステージにありません")
    outputs = codepipeline.artifact_names(action, "outputArtifacts")
    if not outputs:
        return failed(f"the {where} reads `{wanted}` but has no output artifact: the build gets nothing",
                      f"{where_ja} は `{wanted}` を読み取りますが、出力アーティファクトがないため、ビルドに何も渡されません")
    return passed(f"the {where} reads `{wanted}`, output artifact `{outputs[0]}`",
                  f"{where_ja} が `{wanted}` を読み取り、出力アーティファクトは `{outputs[0]}` です")


@lab.criterion(
    "build-stage",
    requires="pipeline-exists",
    expected=Text(en="a later stage has an AWS CodeBuild build action for project {project_name} whose input "
                  "artifact is the source action's output artifact",
                  ja="後のステージに、プロジェクト {project_name} を使い、ソースアクションの出力アーティファクトを入力"
                  "アーティファクトとする AWS CodeBuild のビルドアクションがある"),
    looked_at=Text(en="the build actions of pipeline {pipeline_name} (provider, `ProjectName`, input artifacts) and "
                   "the stage they are in",
                   ja="パイプライン {pipeline_name} のビルドアクション（プロバイダー、`ProjectName`、入力アーティファクト）と"
                   "そのステージ"),
    hint=Text(
        en="CodePipeline console > {pipeline_name} > Edit > Edit stage (the build stage, after the source stage) > "
        "edit the action: Action provider AWS CodeBuild, Project name {project_name} (not another project with a "
        "similar name), Input artifacts the source action's output artifact (`SourceArtifact`). Save, then Release "
        "change.",
        ja="CodePipeline コンソールで {pipeline_name} >「編集する」を選び、ソースステージの後にあるビルドステージの"
        "「ステージを編集する」からアクションを編集します。アクションプロバイダーは AWS CodeBuild、プロジェクト名は "
        "{project_name}（名前の似た別のプロジェクトではありません）、入力アーティファクトはソースアクションの出力"
        "アーティファクト（`SourceArtifact`）です。保存してから「変更をリリースする」を選びます。",
    ),
)
def build_stage(aws: Aws, ctx: Context) -> Finding:
    declaration = codepipeline.pipeline(aws, ctx["pipeline_name"]) or {}
    builds = codepipeline.provided_by(declaration, "Build", "CodeBuild")
    if not builds:
        others = ", ".join(_providers(declaration, "Build"))
        if others:
            return failed(f"the build action's provider is {others}, not AWS CodeBuild",
                          f"ビルドアクションのプロバイダーは {others} で、AWS CodeBuild ではありません")
        return failed("the pipeline has no build action", "パイプラインにビルドアクションがありません")
    ours = [(p, s, a) for p, s, a in builds if _config(a).get("ProjectName") == ctx["project_name"]]
    if not ours:
        shown = ", ".join(sorted({str(_config(a).get("ProjectName")) for _, _, a in builds}))
        return failed(f"the build action builds the project {shown}, not {ctx['project_name']}",
                      f"ビルドアクションがビルドするプロジェクトは {shown} で、{ctx['project_name']} ではありません")
    position, stage, action = ours[0]
    where, where_ja = _where(stage, action)
    first_source = min((p for p, _, _ in codepipeline.provided_by(declaration, "Source", "S3")), default=None)
    if first_source is not None and position <= first_source:
        return failed(f"the build action is the {where}, not in a stage after the source stage",
                      f"ビルドアクションは {where_ja} で、ソースステージより後のステージにありません")
    inputs = codepipeline.artifact_names(action, "inputArtifacts")
    primary = str(_config(action).get("PrimarySource") or (inputs[0] if inputs else ""))
    outputs = _source_outputs(declaration)
    if not primary:
        return failed(f"the {where} has no input artifact", f"{where_ja} には入力アーティファクトがありません")
    if primary not in outputs:
        given = ", ".join(f"`{o}`" for o in outputs) or "none"
        given_ja = "、".join(f"`{o}`" for o in outputs) or "なし"
        return failed(f"the {where} builds the input artifact `{primary}`, but the S3 source action's output "
                      f"artifact is {given}",
                      f"{where_ja} の入力アーティファクトは `{primary}` ですが、S3 のソースアクションの出力アーティファクトは "
                      f"{given_ja} です")
    return passed(f"the {where} builds project {ctx['project_name']} from the input artifact `{primary}`",
                  f"{where_ja} が入力アーティファクト `{primary}` からプロジェクト {ctx['project_name']} をビルドします")


def _failure(details: list[dict[str, Any]]) -> tuple[str, str]:
    """Which action of an execution failed and why, in English and Japanese (empty when none failed)."""
    failure = next((d for d in details if d.get("status") == "Failed"), None)
    if failure is None:
        return "", ""
    result = (failure.get("output") or {}).get("executionResult") or {}
    message = str((result.get("errorDetails") or {}).get("message") or "")
    said, said_ja = (f": “{message}”", f"。エラー: “{message}”") if message else ("", "")
    return (f"the action {failure.get('actionName')} of stage {failure.get('stageName')} failed{said}",
            f"ステージ `{failure.get('stageName')}` のアクション `{failure.get('actionName')}` が失敗しました{said_ja}")


@lab.criterion(
    "execution-succeeded",
    requires=("pipeline-role", "artifact-store", "source-stage", "build-stage"),
    expected=Text(en="the newest execution ran the pipeline as it is now and Succeeded: the source action read "
                  "`{source_key}`, and the build it started logged `{expected_line}`",
                  ja="最新の実行が現在のパイプラインで実行されて成功し（`Succeeded`）、ソースアクションが `{source_key}` を"
                  "読み取り、開始されたビルドのログに `{expected_line}` が出力されている"),
    looked_at=Text(en="the newest execution of {pipeline_name}, its action executions, and the CodeBuild build of its "
                   "build action with its CloudWatch Logs",
                   ja="{pipeline_name} の最新の実行とそのアクションの実行、ビルドアクションの CodeBuild のビルドと、その "
                   "CloudWatch Logs"),
    hint=Text(
        en="CodePipeline console > {pipeline_name}: each stage shows its latest run; View details on a failed action "
        "shows its error, and the build action links to its CodeBuild build and log. Editing the pipeline does not "
        "run it: choose Release change (or `aws codepipeline start-pipeline-execution --name {pipeline_name}`) and "
        "check again when the execution has ended.",
        ja="CodePipeline コンソールで {pipeline_name} を開くと、各ステージの最新の実行が表示されます。失敗したアクションの"
        "「詳細を表示」でエラーを確認でき、ビルドアクションからは CodeBuild のビルドとそのログを開けます。パイプラインを編集"
        "しても実行はされないので、「変更をリリースする」を選び（または `aws codepipeline start-pipeline-execution --name "
        "{pipeline_name}`）、実行が終わってからもう一度チェックします。",
    ),
)
def execution_succeeded(aws: Aws, ctx: Context) -> Finding:
    name = ctx["pipeline_name"]
    declaration = codepipeline.pipeline(aws, name) or {}
    newest = codepipeline.newest_execution(aws, name)
    if newest is None:
        return failed(f"{name} has not run yet: choose Release change",
                      f"{name} はまだ実行されていません。「変更をリリースする」を選んでください")
    execution_id, status = str(newest["pipelineExecutionId"]), str(newest.get("status"))
    label, label_ja = f"execution `{execution_id}`", f"実行 `{execution_id}`"
    if status in codepipeline.RUNNING:
        return failed(f"{label} is still running; check again in a few seconds",
                      f"{label_ja} はまだ実行中です。数秒後にもう一度チェックしてください")
    details = codepipeline.action_executions(aws, name, execution_id)
    why, why_ja = _failure(details)
    why, why_ja = (f" ({why})", f"（{why_ja}）") if why else ("", "")
    ran, current = newest.get("pipelineVersion"), declaration.get("version")
    if ran != current:
        return failed(f"the newest {label} ran version {ran} of the pipeline and ended {status}{why}; the pipeline is "
                      f"at version {current} now and has not run since the change: choose Release change",
                      f"最新の{label_ja} はパイプラインのバージョン {ran} で実行され、`{status}` で終了しました{why_ja}。"
                      f"パイプラインは現在バージョン {current} で、変更後に実行されていません。「変更をリリースする」を"
                      "選んでください")
    if status != "Succeeded":
        return failed(f"{label} ended {status}{why}", f"{label_ja} は `{status}` で終了しました{why_ja}")
    build_action = next((a for _, _, a in codepipeline.provided_by(declaration, "Build", "CodeBuild")
                         if _config(a).get("ProjectName") == ctx["project_name"]), {})
    ran_build = next((d for d in details if d.get("actionName") == build_action.get("name")), None)
    build_id = str((((ran_build or {}).get("output") or {}).get("executionResult") or {}).get("externalExecutionId")
                   or "")
    found = codebuild.build(aws, build_id) if build_id else None
    if found is None:
        return failed(f"{label} Succeeded but started no build of {ctx['project_name']}",
                      f"{label_ja} は成功しましたが、{ctx['project_name']} のビルドを開始していません")
    number = found.get("buildNumber")
    lines = codebuild.log_lines(aws, found) or []
    if not any(line.strip() == ctx["expected_line"] for line in lines):
        building = next((line.strip() for line in lines if line.strip().startswith("Building")), None)
        seen = f"it shows “{building}”" if building else "no line starts with “Building”"
        seen_ja = f"出力は “{building}” です" if building else "“Building” で始まる行がありません"
        return failed(f"{label} Succeeded, but the log of build #{number} lacks “{ctx['expected_line']}”: {seen}",
                      f"{label_ja} は成功しましたが、ビルド #{number} のログに “{ctx['expected_line']}” がありません。{seen_ja}")
    return passed(f"{label} (version {ran}) Succeeded; build #{number} of {ctx['project_name']} logged "
                  f"“{ctx['expected_line']}”",
                  f"{label_ja}（バージョン {ran}）は成功し、{ctx['project_name']} のビルド #{number} のログに "
                  f"“{ctx['expected_line']}” があります")


# -- reference solution, other valid ways, near misses -----------------------------------------


def pipeline_definition(aws: Aws, ctx: Context, *, key: str | None = None, project: str | None = None,
                        role: str | None = None, artifact_bucket: str | None = None) -> dict[str, Any]:
    """The pipeline as the console makes it (V2, stages and actions `Source` and `Build`); the keywords introduce
    the near misses' mistakes."""
    return {
        "name": ctx["pipeline_name"],
        "roleArn": f"arn:aws:iam::{aws.account_id}:role/{role or ctx['pipeline_role']}",
        "artifactStore": {"type": "S3", "location": artifact_bucket or ctx["artifact_bucket"]},
        "pipelineType": "V2",
        "executionMode": "SUPERSEDED",
        "stages": [
            {"name": "Source", "actions": [{
                "name": "Source", "runOrder": 1,
                "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                "configuration": {"S3Bucket": ctx["source_bucket"], "S3ObjectKey": key or ctx["source_key"],
                                  "PollForSourceChanges": "false"},
                "outputArtifacts": [{"name": "SourceArtifact"}], "inputArtifacts": [], "namespace": "SourceVariables"}]},
            {"name": "Build", "actions": [{
                "name": "Build", "runOrder": 1,
                "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
                "configuration": {"ProjectName": project or ctx["project_name"]},
                "inputArtifacts": [{"name": "SourceArtifact"}], "outputArtifacts": [{"name": "BuildArtifact"}],
                "namespace": "BuildVariables"}]},
        ],
    }


def create(aws: Aws, ctx: Context, **mistakes: Any) -> None:
    """Create the pipeline with boto3 and wait for the execution its creation starts."""
    aws.client("codepipeline").create_pipeline(pipeline=pipeline_definition(aws, ctx, **mistakes))
    codepipeline.wait_for_execution(aws, ctx["pipeline_name"])


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    create(aws, ctx)


@lab.alternative(
    "aws-cli-v1",
    story=Text(en="the AWS CLI (`create-pipeline --cli-input-json`): a V1 pipeline with stages and artifacts named "
               "its own way, then `start-pipeline-execution`",
               ja="AWS CLI（`create-pipeline --cli-input-json`）で、ステージとアーティファクトに独自の名前を付けた V1 の"
               "パイプラインを作成し、`start-pipeline-execution` で実行"),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    role_arn = json.loads(aws.cli("iam", "get-role", "--role-name", ctx["pipeline_role"]))["Role"]["Arn"]
    definition = {"pipeline": {
        "name": ctx["pipeline_name"], "roleArn": role_arn, "version": 1,
        "artifactStore": {"type": "S3", "location": ctx["artifact_bucket"]},
        "stages": [
            {"name": "FetchSite", "actions": [{
                "name": "SiteZip", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                "configuration": {"S3Bucket": ctx["source_bucket"], "S3ObjectKey": ctx["source_key"],
                                  "PollForSourceChanges": "false"},
                "outputArtifacts": [{"name": "site_zip"}]}]},
            {"name": "BuildSite", "actions": [{
                "name": "CodeBuild", "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                                                      "version": "1"},
                "configuration": {"ProjectName": ctx["project_name"]}, "inputArtifacts": [{"name": "site_zip"}],
                "outputArtifacts": [{"name": "built_site"}]}]},
        ]}}
    aws.cli("codepipeline", "create-pipeline", "--cli-input-json", json.dumps(definition))
    codepipeline.wait_for_execution(aws, ctx["pipeline_name"])
    started = json.loads(aws.cli("codepipeline", "start-pipeline-execution", "--name", ctx["pipeline_name"]))
    codepipeline.wait_for_execution(aws, ctx["pipeline_name"], started["pipelineExecutionId"])


@lab.alternative(
    "fixed-and-released",
    story=Text(en="the pipeline first made with the key `source.zip` (its first execution fails), then the key "
               "corrected with Edit and the change released: the newest execution counts",
               ja="最初はキーを `source.zip` にしてパイプラインを作成（最初の実行は失敗）、「編集する」でキーを修正してから"
               "「変更をリリースする」を選択: 最新の実行が判定される"),
)
def fixed_and_released(aws: Aws, ctx: Context) -> None:
    create(aws, ctx, key=ctx["source_key"].rsplit("/", 1)[-1])
    client = aws.client("codepipeline")
    client.update_pipeline(pipeline=pipeline_definition(aws, ctx))
    started = client.start_pipeline_execution(name=ctx["pipeline_name"])["pipelineExecutionId"]
    codepipeline.wait_for_execution(aws, ctx["pipeline_name"], started)


@lab.near_miss(
    "key-without-folder",
    fails="source-stage",
    story=Text(en="the S3 object key given as `source.zip`, without its folder `site/`: the Source action fails",
               ja="S3 オブジェクトキーをフォルダ `site/` なしの `source.zip` と指定: `Source` アクションが失敗する"),
)
def key_without_folder(aws: Aws, ctx: Context) -> None:
    create(aws, ctx, key=ctx["source_key"].rsplit("/", 1)[-1])


@lab.near_miss(
    "similar-project",
    fails="build-stage",
    story=Text(en=f"the build action given the project `{OTHER_PROJECT}` (of another lab) instead of the one named",
               ja=f"ビルドアクションに、指定のプロジェクトではなく（別のラボの）プロジェクト `{OTHER_PROJECT}` を指定"),
)
def similar_project(aws: Aws, ctx: Context) -> None:
    spec = 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo "Building $SITE_NAME"\n'
    aws.client("codebuild").create_project(
        name=OTHER_PROJECT, source={"type": "NO_SOURCE", "buildspec": spec}, artifacts={"type": "NO_ARTIFACTS"},
        serviceRole=f"arn:aws:iam::{aws.account_id}:role/{ctx['build_role']}",
        environment={"type": "LINUX_CONTAINER", "image": codebuild.DEFAULT_IMAGE, "computeType": "BUILD_GENERAL1_SMALL",
                     "environmentVariables": [{"name": "SITE_NAME", "value": "mcredlab-site", "type": "PLAINTEXT"}]})
    create(aws, ctx, project=OTHER_PROJECT)


@lab.near_miss(
    "new-service-role",
    fails="pipeline-role",
    story=Text(en="the console's default New service role kept instead of the existing role the task names",
               ja="課題で指定された既存のロールではなく、コンソールのデフォルトの「新しいサービスロール」のまま"),
)
def new_service_role(aws: Aws, ctx: Context) -> None:
    role = f"AWSCodePipelineServiceRole-{aws.region}-{ctx['pipeline_name']}"
    iam.ensure_role(aws, lab.id, role, iam.trust_policy("codepipeline.amazonaws.com"))
    create(aws, ctx, role=role)


@lab.near_miss(
    "default-artifact-store",
    fails="artifact-store",
    story=Text(en="the artifact store left at the console's Default location (a bucket `codepipeline-<Region>-...`)",
               ja="アーティファクトストアをコンソールの「デフォルトの場所」（バケット `codepipeline-<Region>-...`）のまま"),
)
def default_artifact_store(aws: Aws, ctx: Context) -> None:
    bucket = f"codepipeline-{aws.region}-{aws.account_id}"
    s3.ensure_bucket(aws, lab.id, bucket)
    create(aws, ctx, artifact_bucket=bucket)


@lab.near_miss(
    "fixed-but-not-released",
    fails="execution-succeeded",
    story=Text(en="the key first given without its folder, then corrected with Edit, but the change not released: "
               "the newest execution is the failed one of the old version",
               ja="最初はキーをフォルダなしで指定し、「編集する」で修正したが「変更をリリースする」を選んでいない: 最新の実行は"
               "古いバージョンの失敗した実行のまま"),
)
def fixed_but_not_released(aws: Aws, ctx: Context) -> None:
    create(aws, ctx, key=ctx["source_key"].rsplit("/", 1)[-1])
    aws.client("codepipeline").update_pipeline(pipeline=pipeline_definition(aws, ctx))


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the pipeline the task names (whoever created it), the tagged project, roles and buckets, and the
    project's build logs."""
    codepipeline.delete_pipeline(aws, ctx["pipeline_name"])
    codebuild.delete_project(aws, lab.id, ctx["project_name"])
    or_none(aws.client("logs").delete_log_group, logGroupName=f"/aws/codebuild/{ctx['project_name']}")
    for role in (ctx["pipeline_role"], ctx["build_role"]):
        iam.delete_role(aws, lab.id, role)
    for bucket in (ctx["source_bucket"], ctx["artifact_bucket"]):
        s3.delete_bucket(aws, lab.id, bucket)
