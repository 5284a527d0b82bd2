"""CodeBuild builds and CodePipeline executions really run in the emulator (extensions ``codebuild_builds``
and ``codepipeline_executions``), against the real emulator process; the AWS CLI where a learner uses it.

The emulator is reset once for this module (a reset costs about a second), so every test names its own
resources; the test of /moto-api/reset asks for ``fresh_emulator`` itself.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import time
import zipfile
from typing import Any

import botocore.exceptions
import pytest

from mcredlab import emulator
from mcredlab.emulator import EmulatorInfo
from mcredlab.target import Target, resolve

ENVIRONMENT = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"}


@pytest.fixture(scope="module")
def target(emulator_info: EmulatorInfo) -> Target:
    """The emulator, emptied once for the module (instead of before each test)."""
    emulator.reset(emulator_info)
    return resolve("emulator")


def cli_json(target: Target, *args: str) -> Any:
    """The real ``aws`` CLI against the emulator, with a learner's environment; its JSON answer."""
    aws = shutil.which("aws")
    assert aws is not None, "the aws CLI is a dependency of mcredlab"
    done = subprocess.run([aws, *args, "--output", "json"], env={**os.environ, **target.environ()},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


_SESSIONS: dict[str, Any] = {}


def _aws(target: Target) -> Any:
    """One boto3 session (and its clients) for the whole run: making clients is the slow part."""
    return _SESSIONS.setdefault(str(target.endpoint_url), target.aws())


def _role(target: Target) -> str:
    return f"arn:aws:iam::{_aws(target).account_id}:role/codebuild-service"


def _buildspec(**phases: list[str]) -> str:
    lines = ["version: 0.2", "phases:"]
    for name, commands in phases.items():
        lines += [f"  {name}:", "    commands:", *[f"      - {json.dumps(c)}" for c in commands]]
    return "\n".join(lines) + "\n"


def _project(target: Target, name: str, buildspec: str, **settings: Any) -> None:
    _aws(target).client("codebuild").create_project(
        name=name, source=settings.pop("source", {"type": "NO_SOURCE", "buildspec": buildspec}),
        artifacts=settings.pop("artifacts", {"type": "NO_ARTIFACTS"}),
        environment={**ENVIRONMENT, **settings.pop("environment", {})}, serviceRole=_role(target), **settings)


def _wait(target: Target, build_id: str, seconds: float = 20) -> dict[str, Any]:
    codebuild = _aws(target).client("codebuild")
    deadline = time.monotonic() + seconds
    while True:
        build: dict[str, Any] = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
        if build["buildComplete"] or time.monotonic() > deadline:
            return build
        time.sleep(0.05)


def _log(target: Target, build: dict[str, Any]) -> list[str]:
    events = _aws(target).client("logs").get_log_events(
        logGroupName=build["logs"]["groupName"], logStreamName=build["logs"]["streamName"])["events"]
    return [e["message"] for e in events]


def _phases(build: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["phaseType"]: p for p in build["phases"]}


def _zip(files: dict[str, str]) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return packed.getvalue()


# --- codebuild_builds --------------------------------------------------------------------------------------------

def test_no_source_build_runs_its_inline_buildspec_with_project_buildspec_and_override_variables(target: Target) -> None:
    spec = ("version: 0.2\nenv:\n  variables:\n    FROM_SPEC: spec\n    SHADOWED: spec\nphases:\n  build:\n"
            "    commands:\n      - echo \"vars $FROM_SPEC $SHADOWED $GREETING n=$CODEBUILD_BUILD_NUMBER\"\n"
            "      - export CARRIED=yes; cd /\n      - echo \"carried $CARRIED in $PWD; src $CODEBUILD_SRC_DIR\"\n")
    project = cli_json(target, "codebuild", "create-project", "--name", "hello",
             "--source", json.dumps({"type": "NO_SOURCE", "buildspec": spec}),
             "--artifacts", json.dumps({"type": "NO_ARTIFACTS"}),
             "--environment", json.dumps({**ENVIRONMENT, "environmentVariables": [
                 {"name": "GREETING", "value": "project", "type": "PLAINTEXT"},
                 {"name": "SHADOWED", "value": "project", "type": "PLAINTEXT"}]}),
             "--service-role", _role(target))["project"]
    assert (project["timeoutInMinutes"], project["queuedTimeoutInMinutes"]) == (60, 480)
    first = cli_json(target, "codebuild", "start-build", "--project-name", "hello")["build"]
    assert first["buildStatus"] == "IN_PROGRESS" and first["buildNumber"] == 1
    second = cli_json(target, "codebuild", "start-build", "--project-name", "hello", "--environment-variables-override",
                      "name=GREETING,value=override,type=PLAINTEXT")["build"]
    assert second["buildNumber"] == 2
    for build_id, greeting, number in ((first["id"], "project", 1), (second["id"], "override", 2)):
        build = _wait(target, build_id)
        assert (build["buildStatus"], build["currentPhase"], build["buildComplete"]) == ("SUCCEEDED", "COMPLETED", True)
        assert build["endTime"] >= build["startTime"]
        assert [p["phaseType"] for p in build["phases"]] == [
            "SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD",
            "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED"]
        assert all(p["phaseStatus"] == "SUCCEEDED" for p in build["phases"][:-1])
        logs = build["logs"]
        assert (logs["groupName"], logs["streamName"]) == ("/aws/codebuild/hello", build_id.split(":", 1)[1])
        assert logs["deepLink"].endswith(f"#logEvent:group=/aws/codebuild/hello;stream={logs['streamName']}")
        messages = _log(target, build)
        assert f"vars spec project {greeting} n={number}" in messages
        assert any(m.startswith("carried yes in /; src /") for m in messages)
    events = _aws(target).client("logs").filter_log_events(logGroupName="/aws/codebuild/hello",
                                                           filterPattern="override")["events"]
    assert [e["message"] for e in events] == ["vars spec project override n=2"]
    listed = _aws(target).client("codebuild").list_builds_for_project(projectName="hello")["ids"]
    assert listed == [second["id"], first["id"]]


def test_failing_build_command_fails_the_build_and_post_build_still_runs(target: Target) -> None:
    _project(target, "breaks", _buildspec(build=["echo before", "exit 3", "echo never"],
                                          post_build=["echo post succeeding=$CODEBUILD_BUILD_SUCCEEDING"]))
    build = _wait(target, _aws(target).client("codebuild").start_build(projectName="breaks")["build"]["id"])
    phases = _phases(build)
    assert build["buildStatus"] == "FAILED" and build["buildComplete"]
    assert phases["BUILD"]["phaseStatus"] == "FAILED"
    assert phases["BUILD"]["contexts"] == [{"statusCode": "COMMAND_EXECUTION_ERROR",
                                            "message": "Error while executing command: exit 3. Reason: exit status 3"}]
    assert phases["POST_BUILD"]["phaseStatus"] == "SUCCEEDED"
    messages = _log(target, build)
    assert "before" in messages and "never" not in messages and "post succeeding=0" in messages


def test_failing_install_skips_to_finalizing(target: Target) -> None:
    _project(target, "no-install", _buildspec(install=["false"], build=["echo built"]))
    build = _wait(target, _aws(target).client("codebuild").start_build(projectName="no-install")["build"]["id"])
    assert build["buildStatus"] == "FAILED"
    assert [p["phaseType"] for p in build["phases"]][-4:] == ["DOWNLOAD_SOURCE", "INSTALL", "FINALIZING", "COMPLETED"]
    assert "built" not in _log(target, build)


def test_on_failure_continue_goes_on_and_finally_runs_after_a_failed_command(target: Target) -> None:
    spec = ("version: 0.2\nphases:\n  install:\n    on-failure: CONTINUE\n    commands:\n      - false\n"
            "      - echo skipped\n    finally:\n      - echo cleaned up\n  build:\n    commands:\n      - echo built\n")
    _project(target, "carries-on", spec)
    build = _wait(target, _aws(target).client("codebuild").start_build(projectName="carries-on")["build"]["id"])
    phases = _phases(build)
    assert build["buildStatus"] == "FAILED"
    assert (phases["INSTALL"]["phaseStatus"], phases["BUILD"]["phaseStatus"]) == ("FAILED", "SUCCEEDED")
    messages = _log(target, build)
    assert "cleaned up" in messages and "built" in messages and "skipped" not in messages


def test_start_build_overrides_replace_the_buildspec_and_the_timeout(target: Target) -> None:
    _project(target, "overridden", _buildspec(build=["echo project spec"]), timeoutInMinutes=30)
    started = _aws(target).client("codebuild").start_build(
        projectName="overridden", buildspecOverride=_buildspec(build=["echo override spec"]), timeoutInMinutesOverride=5)
    build = _wait(target, started["build"]["id"])
    assert (build["buildStatus"], build["timeoutInMinutes"]) == ("SUCCEEDED", 5)
    messages = _log(target, build)
    assert "override spec" in messages and "project spec" not in messages


def test_s3_source_zip_is_unpacked_and_s3_artifacts_are_uploaded(target: Target) -> None:
    s3 = _aws(target).client("s3")
    for bucket in ("sources", "outputs"):
        s3.create_bucket(Bucket=bucket)
    spec = ("version: 0.2\nphases:\n  build:\n    commands:\n      - mkdir -p dist && tr a-z A-Z < app.txt > dist/app.txt\n"
            "artifacts:\n  files:\n    - '**/*'\n  base-directory: dist\n")
    s3.put_object(Bucket="sources", Key="app/source.zip", Body=_zip({"buildspec.yml": spec, "app.txt": "hello"}))
    _project(target, "from-s3", "", source={"type": "S3", "location": "sources/app/source.zip"},
             artifacts={"type": "S3", "location": "outputs", "path": "builds", "name": "site"})
    build = _wait(target, _aws(target).client("codebuild").start_build(projectName="from-s3")["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED", _log(target, build)
    assert build["artifacts"]["location"] == "arn:aws:s3:::outputs/builds/site"
    assert s3.get_object(Bucket="outputs", Key="builds/site/app.txt")["Body"].read() == b"HELLO"


def test_missing_s3_source_fails_download_source(target: Target) -> None:
    _aws(target).client("s3").create_bucket(Bucket="empty-sources")
    _project(target, "lost", "", source={"type": "S3", "location": "empty-sources/none.zip"})
    build = _wait(target, _aws(target).client("codebuild").start_build(projectName="lost")["build"]["id"])
    download = _phases(build)["DOWNLOAD_SOURCE"]
    assert (build["buildStatus"], download["phaseStatus"]) == ("FAILED", "FAILED")
    assert download["contexts"][0]["statusCode"] == "CLIENT_ERROR"


def test_build_logs_follow_logs_config(target: Target) -> None:
    logs = _aws(target).client("logs")
    _project(target, "quiet", _buildspec(build=["echo hidden"]),
             logsConfig={"cloudWatchLogs": {"status": "DISABLED"}})
    quiet = _wait(target, _aws(target).client("codebuild").start_build(projectName="quiet")["build"]["id"])
    assert quiet["buildStatus"] == "SUCCEEDED" and quiet["logs"]["cloudWatchLogs"]["status"] == "DISABLED"
    assert "groupName" not in quiet["logs"]
    assert logs.describe_log_groups(logGroupNamePrefix="/aws/codebuild/quiet")["logGroups"] == []
    _project(target, "named", _buildspec(build=["echo shown"]),
             logsConfig={"cloudWatchLogs": {"status": "ENABLED", "groupName": "builds", "streamName": "named"}})
    named = _wait(target, _aws(target).client("codebuild").start_build(projectName="named")["build"]["id"])
    assert named["logs"]["groupName"] == "builds"
    assert named["logs"]["streamName"] == "named/" + named["id"].split(":", 1)[1]
    assert "shown" in _log(target, named)


def test_build_commands_reach_the_emulator_with_dummy_credentials_and_stored_secrets(target: Target) -> None:
    aws = _aws(target)
    aws.client("ssm").put_parameter(Name="/app/colour", Value="blue", Type="String")
    aws.client("ssm").put_parameter(Name="/app/token", Value="t0ken", Type="SecureString")
    aws.client("secretsmanager").create_secret(Name="app-db", SecretString=json.dumps({"password": "s3cret"}))
    spec = ("version: 0.2\nenv:\n  parameter-store:\n    COLOUR: /app/colour\nphases:\n  build:\n    commands:\n"
            "      - aws s3 mb s3://made-by-a-build\n      - echo \"key=$AWS_ACCESS_KEY_ID colour=$COLOUR db=$DB token=$TOKEN\"\n")
    _project(target, "talks", spec, environment={"environmentVariables": [
        {"name": "DB", "value": "app-db:password", "type": "SECRETS_MANAGER"},
        {"name": "TOKEN", "value": "/app/token", "type": "PARAMETER_STORE"}]})
    build = _wait(target, aws.client("codebuild").start_build(projectName="talks")["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED", _log(target, build)
    assert "key=testing colour=blue db=s3cret token=t0ken" in _log(target, build)
    assert "made-by-a-build" in [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]]


def test_stop_build_kills_a_running_build(target: Target) -> None:
    _project(target, "slow", _buildspec(build=["sleep 30", "echo late"]))
    started = _aws(target).client("codebuild").start_build(projectName="slow")["build"]
    assert _wait(target, started["id"], seconds=0.3)["buildStatus"] == "IN_PROGRESS"
    cli_json(target, "codebuild", "stop-build", "--id", started["id"])
    build = _wait(target, started["id"], seconds=5)
    assert (build["buildStatus"], _phases(build)["BUILD"]["phaseStatus"]) == ("STOPPED", "STOPPED")


def test_reset_stops_running_builds(target: Target, fresh_emulator: EmulatorInfo) -> None:
    _project(target, "outlived", _buildspec(build=["sleep 0.5", "aws s3 mb s3://after-the-reset"]))
    _aws(target).client("codebuild").start_build(projectName="outlived")
    time.sleep(0.2)
    emulator.reset(fresh_emulator)
    time.sleep(1.0)  # the build's aws command would have created the bucket by now
    assert _aws(target).client("s3").list_buckets()["Buckets"] == []
    assert _aws(target).client("logs").describe_log_groups()["logGroups"] == []


def test_no_source_project_still_needs_a_buildspec(target: Target) -> None:
    import botocore.exceptions

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        _project(target, "empty", "", source={"type": "NO_SOURCE"})
    assert caught.value.response["Error"]["Code"] == "InvalidInputException"


# --- codebuild_update_project ------------------------------------------------------------------------------------

def test_update_project_replaces_only_the_given_settings_and_the_next_build_uses_them(target: Target) -> None:
    _project(target, "cb-edit", _buildspec(build=['echo "stage is $STAGE"']),
             environment={"environmentVariables": [{"name": "STAGE", "value": "test", "type": "PLAINTEXT"}]},
             logsConfig={"cloudWatchLogs": {"status": "ENABLED", "groupName": "/cb/edit"}}, timeoutInMinutes=15)
    before = cli_json(target, "codebuild", "batch-get-projects", "--names", "cb-edit")["projects"][0]
    edited = cli_json(target, "codebuild", "update-project", "--name", "cb-edit", "--environment", json.dumps({
        **ENVIRONMENT, "environmentVariables": [{"name": "STAGE", "value": "prod", "type": "PLAINTEXT"}]}))["project"]
    assert edited["environment"]["environmentVariables"] == [{"name": "STAGE", "value": "prod", "type": "PLAINTEXT"}]
    assert edited["logsConfig"] == before["logsConfig"] and edited["timeoutInMinutes"] == 15
    assert edited["source"] == before["source"] and edited["created"] == before["created"]
    build = _wait(target, _aws(target).client("codebuild").start_build(projectName="cb-edit")["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED"
    assert any("stage is prod" in line for line in _log(target, build))


def test_update_project_validates_as_create_does_and_knows_only_existing_projects(target: Target) -> None:
    _project(target, "cb-edit-checked", _buildspec(build=["true"]))
    codebuild = _aws(target).client("codebuild")
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        codebuild.update_project(name="cb-no-such-project", description="x")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as wrong:
        codebuild.update_project(name="cb-edit-checked", source={"type": "S3", "location": ""})
    assert wrong.value.response["Error"]["Code"] == "InvalidInputException"
    moved = codebuild.update_project(name="cb-edit-checked", source={"type": "NO_SOURCE", "buildspec": "version: 0.2\n"},
                                     logsConfig={"cloudWatchLogs": {"status": "DISABLED"}}, badgeEnabled=True)["project"]
    assert moved["source"]["buildspec"] == "version: 0.2\n" and moved["badge"]["badgeEnabled"] is True
    assert codebuild.batch_get_projects(names=["cb-edit-checked"])["projects"][0]["logsConfig"] == {
        "cloudWatchLogs": {"status": "DISABLED"}}


# --- codepipeline_executions -------------------------------------------------------------------------------------

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}
SITE_BUILDSPEC = ("version: 0.2\nphases:\n  build:\n    commands:\n      - echo \"building $(cat index.html) for $CODEBUILD_INITIATOR\"\n"
                  "      - mkdir -p out && cp index.html out/\nartifacts:\n  files:\n    - out/index.html\n")


def _pipeline(target: Target, name: str, source_key: str = "source.zip") -> dict[str, Any]:
    """A pipeline ``name``: an S3 source stage (bucket ``name-sources``) and a build of project ``name-build``."""
    aws = _aws(target)
    role = aws.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    return {
        "name": name, "roleArn": role, "artifactStore": {"type": "S3", "location": f"{name}-artifacts"},
        "stages": [
            {"name": "Source", "actions": [{
                "name": "FetchSource", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                "configuration": {"S3Bucket": f"{name}-sources", "S3ObjectKey": source_key, "PollForSourceChanges": "false"},
                "outputArtifacts": [{"name": "SourceOutput"}]}]},
            {"name": "Build", "actions": [{
                "name": "BuildSite", "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
                "configuration": {"ProjectName": f"{name}-build"}, "inputArtifacts": [{"name": "SourceOutput"}],
                "outputArtifacts": [{"name": "BuildOutput"}]}]},
        ],
    }


def _pipeline_world(target: Target, name: str, buildspec: str = SITE_BUILDSPEC, versioned: bool = True) -> None:
    """What pipeline ``name`` uses: its source and artifact buckets, the source zip, its CODEPIPELINE project."""
    s3 = _aws(target).client("s3")
    for bucket in (f"{name}-sources", f"{name}-artifacts"):
        s3.create_bucket(Bucket=bucket)
    if versioned:
        s3.put_bucket_versioning(Bucket=f"{name}-sources", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=f"{name}-sources", Key="source.zip", Body=_zip({"index.html": "hello", "buildspec.yml": buildspec}))
    _project(target, f"{name}-build", "", source={"type": "CODEPIPELINE"}, artifacts={"type": "CODEPIPELINE"})


def _wait_execution(target: Target, pipeline: str, execution_id: str, seconds: float = 20) -> dict[str, Any]:
    codepipeline = _aws(target).client("codepipeline")
    deadline = time.monotonic() + seconds
    while True:
        execution: dict[str, Any] = codepipeline.get_pipeline_execution(
            pipelineName=pipeline, pipelineExecutionId=execution_id)["pipelineExecution"]
        if execution["status"] != "InProgress" or time.monotonic() > deadline:
            return execution
        time.sleep(0.05)


def test_pipeline_runs_its_s3_source_and_a_real_codebuild_build(target: Target) -> None:
    _pipeline_world(target, "site")
    definition = _pipeline(target, "site")
    cli_json(target, "codepipeline", "create-pipeline", "--pipeline", json.dumps(definition))
    created = _aws(target).client("codepipeline").list_pipeline_executions(pipelineName="site")["pipelineExecutionSummaries"]
    assert [e["trigger"]["triggerType"] for e in created] == ["CreatePipeline"]
    execution_id = cli_json(target, "codepipeline", "start-pipeline-execution", "--name", "site")["pipelineExecutionId"]
    execution = _wait_execution(target, "site", execution_id)
    assert execution["status"] == "Succeeded", execution
    assert execution["trigger"]["triggerType"] == "StartPipelineExecution"
    assert [r["name"] for r in execution["artifactRevisions"]] == ["SourceOutput"]
    state = cli_json(target, "codepipeline", "get-pipeline-state", "--name", "site")
    assert state["pipelineName"] == "site" and state["pipelineVersion"] == 1
    stages = {s["stageName"]: s for s in state["stageStates"]}
    assert [s["stageName"] for s in state["stageStates"]] == ["Source", "Build"]
    for stage in stages.values():
        assert stage["latestExecution"] == {"pipelineExecutionId": execution_id, "status": "Succeeded"}
        assert stage["inboundTransitionState"] == {"enabled": True}
    build_action = stages["Build"]["actionStates"][0]
    assert build_action["actionName"] == "BuildSite" and build_action["latestExecution"]["status"] == "Succeeded"
    build_id = build_action["latestExecution"]["externalExecutionId"]
    assert build_id.startswith("site-build:")
    build = _aws(target).client("codebuild").batch_get_builds(ids=[build_id])["builds"][0]
    assert build["buildStatus"] == "SUCCEEDED" and build["initiator"] == "codepipeline/site"
    assert "building hello for codepipeline/site" in _log(target, build)
    assert stages["Source"]["actionStates"][0]["currentRevision"]["revisionId"]
    builds = _aws(target).client("codebuild").list_builds_for_project(projectName="site-build")["ids"]
    assert len(builds) == 2  # the run at creation and the one started
    stored = _aws(target).client("s3").list_objects_v2(Bucket="site-artifacts")["Contents"]
    outputs = [o["Key"] for o in stored if o["Key"].startswith("site/BuildOutput/")]
    assert outputs
    body = _aws(target).client("s3").get_object(Bucket="site-artifacts", Key=outputs[0])["Body"].read()
    assert zipfile.ZipFile(io.BytesIO(body)).read("out/index.html") == b"hello"
    actions = _aws(target).client("codepipeline").list_action_executions(
        pipelineName="site", filter={"pipelineExecutionId": execution_id})["actionExecutionDetails"]
    assert [(a["actionName"], a["status"]) for a in actions] == [("BuildSite", "Succeeded"), ("FetchSource", "Succeeded")]


def test_pipeline_with_a_missing_source_object_fails_its_source_stage(target: Target) -> None:
    _pipeline_world(target, "lost")
    codepipeline = _aws(target).client("codepipeline")
    codepipeline.create_pipeline(pipeline=_pipeline(target, "lost", source_key="missing.zip"))
    execution_id = codepipeline.list_pipeline_executions(pipelineName="lost")["pipelineExecutionSummaries"][0]["pipelineExecutionId"]
    execution = _wait_execution(target, "lost", execution_id)
    assert execution["status"] == "Failed"
    stages = {s["stageName"]: s for s in codepipeline.get_pipeline_state(name="lost")["stageStates"]}
    source = stages["Source"]["actionStates"][0]["latestExecution"]
    assert source["status"] == "Failed" and "missing.zip" in source["errorDetails"]["message"]
    assert "latestExecution" not in stages["Build"]
    assert [set(a) for a in stages["Build"]["actionStates"]] == [{"actionName", "entityUrl"}]  # never ran


def test_pipeline_fails_when_its_build_fails(target: Target) -> None:
    _pipeline_world(target, "broken", buildspec=_buildspec(build=["echo about to fail", "exit 2"]))
    codepipeline = _aws(target).client("codepipeline")
    codepipeline.create_pipeline(pipeline=_pipeline(target, "broken"))
    summary = codepipeline.list_pipeline_executions(pipelineName="broken")["pipelineExecutionSummaries"][0]
    assert summary["status"] == "InProgress"
    execution = _wait_execution(target, "broken", summary["pipelineExecutionId"])
    assert execution["status"] == "Failed"
    assert "Build terminated with state: FAILED" in execution["statusSummary"]
    build_stage = next(s for s in codepipeline.get_pipeline_state(name="broken")["stageStates"] if s["stageName"] == "Build")
    latest = build_stage["actionStates"][0]["latestExecution"]
    assert (build_stage["latestExecution"]["status"], latest["status"]) == ("Failed", "Failed")
    assert latest["errorDetails"]["code"] == "JobFailed" and "exit 2" in latest["errorDetails"]["message"]


def test_pipeline_source_bucket_must_be_versioned(target: Target) -> None:
    _pipeline_world(target, "unversioned", versioned=False)
    codepipeline = _aws(target).client("codepipeline")
    codepipeline.create_pipeline(pipeline=_pipeline(target, "unversioned"))
    execution_id = codepipeline.list_pipeline_executions(pipelineName="unversioned")["pipelineExecutionSummaries"][0]["pipelineExecutionId"]
    assert _wait_execution(target, "unversioned", execution_id)["status"] == "Failed"
    source = codepipeline.get_pipeline_state(name="unversioned")["stageStates"][0]["actionStates"][0]["latestExecution"]
    assert "not versioned" in source["errorDetails"]["message"]
