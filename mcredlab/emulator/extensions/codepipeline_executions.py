"""CodePipeline executions really run: an S3 source stage and a CodeBuild build stage, with AWS's states.

moto 5.2.5 stores pipelines but runs nothing: ``start_pipeline_execution`` gives an execution that is
"Succeeded" at once with no artifact revisions, no build is started, a new pipeline is not started,
and ``get_pipeline_state`` and ``list_action_executions`` are not implemented (an HTML 500, or the
emulator's 501 ``NotImplemented``).

Here, as on AWS, an execution is InProgress and runs in a background thread, stage after stage
(actions of a stage in ``runOrder``); it ends Succeeded, or Failed at the first failed action
(later stages do not run; ``statusSummary`` holds the action's error):

* an S3 source action (``S3Bucket``, ``S3ObjectKey``) reads the object from the emulator's S3; a
  missing bucket or key fails it, and so does a bucket without versioning (AWS requires a versioned
  source bucket; the message is the emulator's own); its output artifact is the object (a zip), also written to the
  artifact store bucket when it exists; ``currentRevision`` and the execution's ``artifactRevisions``
  / ``sourceRevisions`` carry the object's version id (its ETag when unversioned);
* a CodeBuild build action (``ProjectName``, optional ``EnvironmentVariables``) starts a real build of
  the project (extension ``codebuild_builds``) with its input artifact unpacked as the source, as a
  CODEPIPELINE source, and waits for it; the build's ``artifacts.files`` become the output artifact; a
  build that does not succeed fails the action ("Build terminated with state: FAILED ...");
  ``externalExecutionId`` is the build id;
* ``get_pipeline_state`` answers each stage's ``latestExecution`` and each action's
  ``latestExecution`` (status, ``lastStatusChange``, ``errorDetails``), ``inboundTransitionState``
  and ``entityUrl``; ``list_action_executions`` answers the action executions of the pipeline;
* ``create_pipeline`` starts an execution, as AWS does (trigger ``CreatePipeline``); later ones say
  ``StartPipelineExecution``.

/moto-api/reset stops running executions: they start nothing more.

Not emulated: other action providers (CodeCommit, GitHub, CodeDeploy, Lambda, manual approval,
CloudFormation, ...) fail with a message saying so; change detection (``PollForSourceChanges``,
EventBridge triggers, webhooks) does not start executions; no transitions can be disabled, no
stop/retry/rollback, no execution modes (executions do not supersede one another), no variables or
namespaces resolved into configurations, no action roles, no artifact encryption; a build action
takes its first input artifact only (no secondary sources) and gives one output artifact; actions of
one stage with the same ``runOrder`` run one after the other, not in parallel.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from datetime import datetime, timezone
from typing import Any

SEAMS = (
    ("moto.codepipeline.models", "CodePipelineBackend", "create_pipeline"),
    ("moto.codepipeline.models", "CodePipelineBackend", "start_pipeline_execution"),
    ("moto.codepipeline.models", "CodePipelineBackend", "get_pipeline"),
    ("moto.codepipeline.models", "PipelineExecution", "to_dict"),
    ("moto.codepipeline.models", "PipelineExecution", "to_summary_dict"),
    ("moto.codepipeline.responses", "CodePipelineResponse", "codepipeline_backend"),
    ("moto.core.base_backend", "BaseBackend", "reset"),
    ("moto.s3.models", "s3_backends", None),
    ("moto.s3.models", "S3Backend", "get_object"),
    ("moto.s3.models", "S3Backend", "get_bucket"),
    ("moto.s3.models", "FakeBucket", "is_versioned"),
    ("moto.s3.models", "S3Backend", "put_object"),
)

logger = logging.getLogger(__name__)
BUILD_WAIT_SECONDS = 16 * 60  # longer than any build may run (codebuild_builds.HARD_CAP_SECONDS)
_lock = threading.RLock()  # guards every state below and each execution's fields


def _epoch() -> float:
    return round(datetime.now(timezone.utc).timestamp(), 3)


def _state(pipeline: Any) -> dict[str, Any]:
    """What the emulator knows of ``pipeline``'s runs (kept on moto's model, so a reset drops it)."""
    found: dict[str, Any] | None = getattr(pipeline, "_mcredlab_state", None)
    if found is None:
        found = {"stages": {}, "actions": []}
        pipeline._mcredlab_state = found
    return found


def _entity_url(region: str, action: dict[str, Any]) -> str:
    config = action.get("configuration") or {}
    if action["actionTypeId"].get("provider") == "S3":
        return f"https://console.aws.amazon.com/s3/home?region={region}#/buckets/{config.get('S3Bucket', '')}"
    return f"https://console.aws.amazon.com/codebuild/home?region={region}#/projects/{config.get('ProjectName', '')}/view"


class _ActionFailed(Exception):
    pass


class _Execution:
    """One execution's run: stage after stage, recording AWS's states."""

    def __init__(self, backend: Any, pipeline: Any, execution: Any) -> None:
        self.backend, self.model, self.execution = backend, pipeline, execution
        self.definition = pipeline.pipeline
        self.name = self.definition["name"]
        self.artifacts: dict[str, bytes] = {}
        self.cancelled = False

    def _touch(self, status: str | None = None, summary: str | None = None) -> None:
        with _lock:
            if status:
                self.execution.status = status
            if summary is not None:
                self.execution.status_summary = summary
            self.execution.last_update_time = datetime.now(timezone.utc).replace(tzinfo=None)

    def run(self) -> None:
        try:
            for stage in self.definition["stages"]:
                if self.cancelled or not self._stage(stage):
                    return
            self._touch("Succeeded")
        except Exception:
            logger.exception("pipeline execution %s broke", self.execution.pipeline_execution_id)
            self._touch("Failed", "the emulator could not run this execution")
        finally:
            with _lock:
                _running.pop(self.execution.pipeline_execution_id, None)
                _running_builds.pop(self.execution.pipeline_execution_id, None)

    def _stage(self, stage: dict[str, Any]) -> bool:
        execution_id = self.execution.pipeline_execution_id
        states = _state(self.model)["stages"]
        with _lock:
            entry = states.setdefault(stage["name"], {"actionStates": {}})
            entry["latestExecution"] = {"pipelineExecutionId": execution_id, "status": "InProgress"}
        failure: str | None = None
        for action in sorted(stage["actions"], key=lambda a: int(a.get("runOrder", 1))):
            if self.cancelled:
                return False
            failure = self._action(stage["name"], action, entry)
            if failure is not None:
                break
        with _lock:
            entry["latestExecution"] = {"pipelineExecutionId": execution_id,
                                        "status": "Failed" if failure else "Succeeded"}
        if failure is not None:
            self._touch("Failed", failure)
            return False
        return True

    def _action(self, stage_name: str, action: dict[str, Any], entry: dict[str, Any]) -> str | None:
        """Run one action; the failure message, or None when it succeeds."""
        action_id = str(uuid.uuid4())
        started = _epoch()
        kind = action["actionTypeId"]
        state: dict[str, Any] = {"actionName": action["name"], "entityUrl": _entity_url(self.backend.region_name, action)}
        latest: dict[str, Any] = {"actionExecutionId": action_id, "status": "InProgress", "lastStatusChange": started}
        detail: dict[str, Any] = {
            "pipelineExecutionId": self.execution.pipeline_execution_id, "actionExecutionId": action_id,
            "pipelineVersion": self.definition.get("version", 1), "stageName": stage_name,
            "actionName": action["name"], "startTime": started, "lastUpdateTime": started, "status": "InProgress",
            "input": {"actionTypeId": kind, "configuration": action.get("configuration") or {},
                      "resolvedConfiguration": action.get("configuration") or {},
                      "region": self.backend.region_name,
                      "inputArtifacts": [{"name": a["name"]} for a in action.get("inputArtifacts") or []]},
            "output": {"outputArtifacts": [], "executionResult": {}},
        }
        with _lock:
            state["latestExecution"] = latest
            entry["actionStates"][action["name"]] = state
            _state(self.model)["actions"].append(detail)
        result: dict[str, Any] = {}
        try:
            if kind.get("category") == "Source" and kind.get("provider") == "S3":
                result = self._s3_source(action, state)
            elif kind.get("category") == "Build" and kind.get("provider") == "CodeBuild":
                result = self._codebuild(action, latest)
            else:
                raise _ActionFailed(f"{kind.get('provider')} {kind.get('category')} actions are not emulated offline: "
                                    "only S3 sources and CodeBuild builds run")
            status, error = "Succeeded", None
        except _ActionFailed as failed:
            status, error = "Failed", {"code": "JobFailed", "message": str(failed)}
        with _lock:
            now = _epoch()
            latest.update(status=status, lastStatusChange=now, **result)
            detail.update(status=status, lastUpdateTime=now)
            detail["output"]["executionResult"] = {k: v for k, v in (("externalExecutionId", result.get("externalExecutionId")),
                                                                     ("externalExecutionUrl", result.get("externalExecutionUrl")),
                                                                     ("errorDetails", error)) if v}
            detail["output"]["outputArtifacts"] = [{"name": a["name"]} for a in action.get("outputArtifacts") or []]
            if error:
                latest["errorDetails"] = error
        return error["message"] if error else None

    def _output(self, action: dict[str, Any], data: bytes) -> None:
        """Keep the action's output artifacts; write them to the artifact store bucket when it exists."""
        from moto.s3.models import s3_backends

        store = (self.definition.get("artifactStore") or {}).get("location")
        for artifact in action.get("outputArtifacts") or []:
            self.artifacts[artifact["name"]] = data
            if store:
                key = f"{self.name[:20]}/{artifact['name'][:20]}/{uuid.uuid4().hex[:7]}"
                with contextlib.suppress(Exception):  # no such bucket: the artifact stays in memory only
                    s3_backends[self.backend.account_id]["aws"].put_object(store, key, data)

    def _s3_source(self, action: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
        from moto.s3.models import s3_backends

        config = action.get("configuration") or {}
        bucket, key = str(config.get("S3Bucket", "")), str(config.get("S3ObjectKey", ""))
        s3 = s3_backends[self.backend.account_id]["aws"]
        try:
            versioned = bool(s3.get_bucket(bucket).is_versioned)
            found = s3.get_object(bucket, key)
        except Exception:  # noqa: BLE001 - NoSuchBucket
            raise _ActionFailed(f"The bucket named {bucket} does not exist, or you do not have access to it") from None
        if not versioned:
            raise _ActionFailed(f"The S3 source bucket {bucket} is not versioned: enable versioning on it "
                                "(an S3 source action reads a version of the object)")
        if found is None:
            raise _ActionFailed(f"The object with key '{key}' does not exist.")
        revision = str(found.version_id) if found.version_id not in (None, "null") else found.etag.strip('"')
        self._output(action, found.value)
        with _lock:
            state["currentRevision"] = {"revisionId": revision, "created": _epoch()}
            revisions = getattr(self.execution, "_mcredlab_revisions", [])
            revisions += [{"name": a["name"], "revisionId": revision, "created": _epoch(), "actionName": action["name"]}
                          for a in action.get("outputArtifacts") or []]
            self.execution._mcredlab_revisions = revisions
        return {"summary": f"s3://{bucket}/{key}"}

    def _codebuild(self, action: dict[str, Any], latest: dict[str, Any]) -> dict[str, Any]:
        from mcredlab.emulator.extensions.codebuild_builds import start_from_pipeline

        config = action.get("configuration") or {}
        project = str(config.get("ProjectName", ""))
        inputs = [a["name"] for a in action.get("inputArtifacts") or []]
        if not inputs or inputs[0] not in self.artifacts:
            raise _ActionFailed(f"Input artifact {inputs[0] if inputs else ''} is not available to action {action['name']}")
        try:
            variables = json.loads(config["EnvironmentVariables"]) if config.get("EnvironmentVariables") else []
        except ValueError:
            raise _ActionFailed("EnvironmentVariables is not a JSON list of name/value/type objects") from None
        try:
            run = start_from_pipeline(self.backend.account_id, self.backend.region_name, project,
                                      self.artifacts[inputs[0]], self.name, variables)
        except KeyError:
            raise _ActionFailed(f"Project {project} does not exist") from None
        build_id = run.build["id"]
        url = (f"https://console.aws.amazon.com/codebuild/home?region={self.backend.region_name}"
               f"#/builds/{build_id}/view/new")
        with _lock:
            latest.update(externalExecutionId=build_id, externalExecutionUrl=url)
        with _lock:
            _running_builds[self.execution.pipeline_execution_id] = run
        run.done.wait(BUILD_WAIT_SECONDS)
        build = run.build
        if build.get("buildStatus") != "SUCCEEDED":
            failed = next((p for p in build.get("phases", []) if p.get("phaseStatus") not in (None, "SUCCEEDED")), {})
            context = (failed.get("contexts") or [{}])[0]
            raise _ActionFailed(f"Build terminated with state: {build.get('buildStatus')}. Phase: {failed.get('phaseType')}, "
                                f"Code: {context.get('statusCode')}, Message: {context.get('message')}")
        self._output(action, run.output_zip or _empty_zip())
        return {"externalExecutionId": build_id, "externalExecutionUrl": url}


def _empty_zip() -> bytes:
    return b"PK\x05\x06" + b"\x00" * 18


_running: dict[str, _Execution] = {}  # execution id -> its run
_running_builds: dict[str, Any] = {}  # execution id -> the build it waits for


def _start_pipeline_execution(moto_start: Any) -> Any:
    def start_pipeline_execution(self: Any, name: str, variables: list[dict[str, str]] | None) -> str:
        execution_id: str = moto_start(self, name, variables)
        pipeline = self.pipelines[name]
        execution = pipeline.executions[execution_id]
        execution.status = "InProgress"
        execution._mcredlab_trigger = {"triggerType": "StartPipelineExecution", "triggerDetail": ""}
        run = _Execution(self, pipeline, execution)
        with _lock:
            _running[execution_id] = run
        threading.Thread(target=run.run, daemon=True, name=f"codepipeline-{execution_id}").start()
        return execution_id

    return start_pipeline_execution


def _create_pipeline(moto_create: Any) -> Any:
    def create_pipeline(self: Any, pipeline: dict[str, Any], tags: list[dict[str, str]]) -> Any:
        created = moto_create(self, pipeline, tags)
        execution_id = self.start_pipeline_execution(pipeline["name"], None)
        self.pipelines[pipeline["name"]].executions[execution_id]._mcredlab_trigger = {
            "triggerType": "CreatePipeline", "triggerDetail": f"arn:aws:iam::{self.account_id}:root"}
        return created

    return create_pipeline


def _with_runs(moto_dict: Any, key: str) -> Any:
    def to_dict(self: Any) -> dict[str, Any]:
        with _lock:
            shown: dict[str, Any] = moto_dict(self)
            if shown.get("statusSummary") is None:
                shown.pop("statusSummary", None)
            shown["trigger"] = getattr(self, "_mcredlab_trigger", shown.get("trigger"))
            revisions = getattr(self, "_mcredlab_revisions", [])
            if key == "artifactRevisions":
                shown[key] = [{k: v for k, v in r.items() if k != "actionName"} for r in revisions]
            else:
                shown[key] = [{"actionName": r["actionName"], "revisionId": r["revisionId"]} for r in revisions]
            return shown

    return to_dict


def get_pipeline_state(self: Any) -> str:
    """``GetPipelineState``: every stage's and action's latest execution."""
    name = self._get_param("name")
    definition, metadata = self.codepipeline_backend.get_pipeline(name)  # PipelineNotFoundException
    states = _state(self.codepipeline_backend.pipelines[name])["stages"]
    stage_states = []
    with _lock:
        for stage in definition["stages"]:
            known = states.get(stage["name"], {"actionStates": {}})
            shown: dict[str, Any] = {"stageName": stage["name"], "inboundTransitionState": {"enabled": True},
                                     "actionStates": [known["actionStates"].get(
                                         a["name"], {"actionName": a["name"], "entityUrl": _entity_url(self.region, a)})
                                                      for a in stage["actions"]]}
            if "latestExecution" in known:
                shown["latestExecution"] = known["latestExecution"]
            stage_states.append(shown)
        return json.dumps({"pipelineName": name, "pipelineVersion": definition["version"], "stageStates": stage_states,
                           "created": metadata["created"], "updated": metadata["updated"]})


def list_action_executions(self: Any) -> str:
    """``ListActionExecutions``: newest first, optionally of one pipeline execution."""
    name = self._get_param("pipelineName")
    self.codepipeline_backend.get_pipeline(name)  # PipelineNotFoundException
    wanted = (self._get_param("filter") or {}).get("pipelineExecutionId")
    with _lock:
        details = [d for d in reversed(_state(self.codepipeline_backend.pipelines[name])["actions"])
                   if not wanted or d["pipelineExecutionId"] == wanted]
        return json.dumps({"actionExecutionDetails": details})


def _reset_stops_executions(self: Any) -> None:
    """/moto-api/reset: this backend's running executions start nothing more."""
    from moto.core.base_backend import BaseBackend

    with _lock:
        for execution_id, run in list(_running.items()):
            if run.backend is self:
                run.cancelled = True
                del _running[execution_id]
                build = _running_builds.pop(execution_id, None)
                if build is not None:
                    build.stopped = True
                    build.kill()
    BaseBackend.reset(self)


def install() -> None:
    from moto.codepipeline.models import CodePipelineBackend, PipelineExecution
    from moto.codepipeline.responses import CodePipelineResponse

    CodePipelineBackend.start_pipeline_execution = _start_pipeline_execution(  # type: ignore[method-assign]
        CodePipelineBackend.start_pipeline_execution)
    CodePipelineBackend.create_pipeline = _create_pipeline(CodePipelineBackend.create_pipeline)  # type: ignore[method-assign]
    CodePipelineBackend.reset = _reset_stops_executions  # type: ignore[method-assign]
    PipelineExecution.to_dict = _with_runs(PipelineExecution.to_dict, "artifactRevisions")  # type: ignore[method-assign]
    PipelineExecution.to_summary_dict = _with_runs(PipelineExecution.to_summary_dict, "sourceRevisions")  # type: ignore[method-assign]
    CodePipelineResponse.get_pipeline_state = get_pipeline_state  # type: ignore[attr-defined]
    CodePipelineResponse.list_action_executions = list_action_executions  # type: ignore[attr-defined]
