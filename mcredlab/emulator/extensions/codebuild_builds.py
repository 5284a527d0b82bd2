"""CodeBuild builds really run their buildspec, locally in ``bash``, with AWS's phases, logs and artifacts.

moto 5.2.5 rejects a ``NO_SOURCE`` project without a ``location`` ("Project source location is
required"), never runs a buildspec (a build with ``exit 1`` reports SUCCEEDED), hard-codes the build
record (source CODECOMMIT, no environment variables, logs group "null", a random ``buildNumber``),
appends nine more phases at every ``batch_get_builds`` and writes no CloudWatch Logs.

Here, as on AWS:

* ``NO_SOURCE`` projects take an inline buildspec and no location; S3 sources are fetched from the
  emulator's S3 (``bucket/key``; a zip is unpacked, another object is copied by its file name);
  ``CODEPIPELINE`` projects receive the source zip a pipeline action hands them
  (extension ``codepipeline_executions``);
* ``start_build`` answers at once (IN_PROGRESS, phases SUBMITTED and QUEUED) and the build runs in a
  background thread: a buildspec of version 0.1/0.2 YAML (``env.variables``, ``env.parameter-store``,
  ``env.secrets-manager``, ``phases.install/pre_build/build/post_build`` with ``commands``,
  ``on-failure`` and ``finally``, ``artifacts.files``/``base-directory``/``discard-paths``), each command
  in ``bash -c`` in a fresh temporary directory (``CODEBUILD_SRC_DIR``), the working directory and
  variables carried from one command to the next, as in CodeBuild's one shell;
* variables: the buildspec's, then the project's, then ``environmentVariablesOverride`` (the later
  wins, as on AWS); PARAMETER_STORE and SECRETS_MANAGER values are read from the emulator's SSM and
  Secrets Manager (``secret-id:json-key:version-stage:version-id``); ``CODEBUILD_BUILD_ID``,
  ``CODEBUILD_BUILD_ARN``, ``CODEBUILD_BUILD_NUMBER`` (1, 2, ... per project), ``CODEBUILD_SRC_DIR``,
  ``CODEBUILD_BUILD_SUCCEEDING``, ``CODEBUILD_INITIATOR``, ``CODEBUILD_PROJECT_ARN``,
  ``CODEBUILD_START_TIME``, ``CODEBUILD_BUILD_IMAGE``, ``CODEBUILD_LOG_PATH``, ``CODEBUILD_CI`` and the
  region are set. The environment is built from scratch: dummy credentials and ``AWS_ENDPOINT_URL`` of
  this emulator, so a build's ``aws`` commands reach the same emulated account and nothing of the
  host's credentials leaks in;
* phases follow AWS's transitions: a failing command fails its phase and the build (FAILED, context
  COMMAND_EXECUTION_ERROR); after a failing INSTALL or PRE_BUILD the build goes to FINALIZING; after a
  failing BUILD, POST_BUILD and UPLOAD_ARTIFACTS still run; ``on-failure: CONTINUE`` goes on to the next
  phase. ``batch_get_builds`` shows ``currentPhase``, each phase's status, times and contexts,
  ``startTime``/``endTime``, ``buildComplete``; ``stop_build`` kills the commands (STOPPED); a build
  still running at ``timeoutInMinutes`` (60 when unset; at most :data:`HARD_CAP_SECONDS`) is TIMED_OUT;
* logs go to CloudWatch Logs unless ``logsConfig.cloudWatchLogs.status`` is DISABLED: group
  ``/aws/codebuild/<project>`` (or ``groupName``), stream the build id's suffix (after ``streamName/``
  when one is given), in CodeBuild's ``[Container]`` format, written after each command; the build's
  ``logs`` carry ``groupName``, ``streamName``, ``deepLink`` and ``cloudWatchLogsArn``;
* S3 artifacts are uploaded to the emulator's S3 at ``location/path/[build id/]name`` (files, or one
  zip with ``packaging: ZIP``); ``list_builds_for_project`` and ``list_builds`` list newest first;
  a project created without timeouts has AWS's defaults (60 and 480 minutes; moto kept 0).

/moto-api/reset stops running builds (their commands are killed; they write nothing more); so does
the emulator's exit.

Not emulated: no Docker image (commands run with the emulator host's own ``bash``, tools and
``PATH``; ``image``, ``computeType`` and ``runtime-versions`` are ignored), no VPC, no caching, no
reports or test groups, no batch builds, no secondary sources or artifacts, no ``exported-variables``,
no git sources (CODECOMMIT/GITHUB/BITBUCKET builds fail in DOWNLOAD_SOURCE), no S3 logs, no queueing
(builds start at once; at most :data:`MAX_RUNNING` run together, others wait); an S3 source must be one
object, not a folder; the build's ``aws`` calls use the default account whatever the service role allows.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import io
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SEAMS = (
    ("moto.codebuild.responses", "_validate_required_params_source", None),
    ("moto.codebuild.responses", "CodeBuildResponse", "start_build"),
    ("moto.codebuild.responses", "CodeBuildResponse", "_get_param"),
    ("moto.codebuild.models", "CodeBuildBackend", "start_build"),
    ("moto.codebuild.models", "CodeBuildBackend", "batch_get_builds"),
    ("moto.codebuild.models", "CodeBuildBackend", "stop_build"),
    ("moto.codebuild.models", "CodeBuildBackend", "list_builds_for_project"),
    ("moto.codebuild.models", "CodeBuildBackend", "list_builds"),
    ("moto.codebuild.models", "codebuild_backends", None),
    ("moto.codebuild.models", "CodeBuild", "__init__"),
    ("moto.core.base_backend", "BaseBackend", "reset"),
    ("moto.logs.models", "logs_backends", None),
    ("moto.logs.models", "LogsBackend", "ensure_log_group"),
    ("moto.logs.models", "LogsBackend", "ensure_log_stream"),
    ("moto.logs.models", "LogsBackend", "put_log_events"),
    ("moto.s3.models", "s3_backends", None),
    ("moto.s3.models", "S3Backend", "get_object"),
    ("moto.s3.models", "S3Backend", "put_object"),
    ("moto.ssm.models", "ssm_backends", None),
    ("moto.ssm.models", "Parameter", "decrypt"),
    ("moto.secretsmanager.models", "secretsmanager_backends", None),
    ("moto.settings", "moto_server_port", None),
)

logger = logging.getLogger(__name__)

HARD_CAP_SECONDS = 15 * 60  # no build runs longer, whatever timeoutInMinutes says
DEFAULT_TIMEOUT_MINUTES = 60
DEFAULT_QUEUED_TIMEOUT_MINUTES = 480
MAX_RUNNING = 4
PHASES = ("install", "pre_build", "build", "post_build")
EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing"}
_SHELL_OWN = ("PWD", "OLDPWD", "SHLVL", "_")

_lock = threading.RLock()  # guards every build record and the registry below
_runs: dict[str, Run] = {}  # build id -> its run
_order: list[str] = []  # build ids, oldest first
_numbers: dict[tuple[str, str, str], int] = {}  # (account, region, project) -> last build number
_running = threading.BoundedSemaphore(MAX_RUNNING)
_request = threading.local()  # start_build's extra parameters, from the response to the backend
_tmp_root: Path | None = None
_moto_start: Any = None  # moto's CodeBuildBackend.start_build: makes the record and the id


def _now() -> str:
    """A timestamp as moto stores them (its serializer turns it into epoch seconds)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _container(message: str) -> str:
    return f"[Container] {datetime.now(timezone.utc).strftime('%Y/%m/%d %H:%M:%S.%f')} {message}"


@dataclass
class Run:
    """One build: its record (moto's dict, rewritten), what it runs on, and how it ends."""

    build: dict[str, Any]
    backend: Any
    project: dict[str, Any]
    overrides: dict[str, Any]
    source_zip: bytes | None = None  # a pipeline's input artifact for a CODEPIPELINE project
    output_zip: bytes | None = None  # the artifacts zip a CODEPIPELINE project hands back
    done: threading.Event = field(default_factory=threading.Event)
    process: subprocess.Popen[bytes] | None = None
    stopped: bool = False
    cancelled: bool = False  # the emulator was reset: write nothing more
    log_group: str | None = None
    log_stream: str | None = None
    _log_ready: bool = False

    @property
    def ended(self) -> bool:
        return self.stopped or self.cancelled

    def kill(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)

    def log(self, *messages: str) -> None:
        """Write ``messages`` to the build's CloudWatch Logs stream (when its logs are enabled)."""
        if self.log_group is None or self.log_stream is None or self.cancelled or not messages:
            return
        from moto.logs.models import logs_backends

        stamp = int(time.time() * 1000)
        try:
            logs = logs_backends[self.backend.account_id][self.backend.region_name]
            if not self._log_ready:
                logs.ensure_log_group(self.log_group)
                logs.ensure_log_stream(self.log_group, self.log_stream)
                self._log_ready = True
            logs.put_log_events(self.log_group, self.log_stream,
                                [{"timestamp": stamp, "message": m} for m in messages])
        except Exception as error:  # noqa: BLE001 - a deleted log group (or a reset under way) must not fail the build
            self._log_ready = False
            if not self.cancelled:
                logger.warning("could not write the log of build %s: %s", self.build["id"], error)


# --- the build record -----------------------------------------------------------------------------------------

def _set(run: Run, **values: Any) -> None:
    with _lock:
        if not run.cancelled:
            run.build.update(values)


def _begin_phase(run: Run, phase: str) -> None:
    with _lock:
        if run.cancelled:
            return
        run.build["phases"] = [*run.build["phases"], {"phaseType": phase, "startTime": _now()}]
        run.build["currentPhase"] = phase


def _end_phase(run: Run, status: str, code: str = "", message: str = "") -> None:
    with _lock:
        if run.cancelled or not run.build["phases"]:
            return
        phases = list(run.build["phases"])
        last = dict(phases[-1])
        end = _now()
        started = datetime.fromisoformat(last["startTime"].replace("Z", "+00:00"))
        last.update(phaseStatus=status, endTime=end, contexts=[{"statusCode": code, "message": message}],
                    durationInSeconds=int((datetime.now(timezone.utc) - started).total_seconds()))
        phases[-1] = last
        run.build["phases"] = phases
    name = last["phaseType"]
    run.log(_container(f"Phase complete: {name} State: {status}"),
            _container(f"Phase context status code: {code} Message: {message}"))


def _logs_location(run: Run, region: str, account: str) -> dict[str, Any]:
    settings = ((run.overrides.get("logsConfigOverride") or run.project.get("logsConfig") or {})
                .get("cloudWatchLogs") or {})
    disabled = {"deepLink": f"https://console.aws.amazon.com/cloudwatch/home?region={region}#logEvent:group=null;stream=null",
                "cloudWatchLogs": {"status": "DISABLED"}, "s3Logs": {"status": "DISABLED", "encryptionDisabled": False}}
    if str(settings.get("status", "ENABLED")).upper() == "DISABLED":
        return disabled
    suffix = run.build["id"].split(":", 1)[1]
    group = settings.get("groupName") or f"/aws/codebuild/{run.project['name']}"
    stream = f"{settings['streamName']}/{suffix}" if settings.get("streamName") else suffix
    run.log_group, run.log_stream = group, stream
    return {
        "groupName": group, "streamName": stream,
        "deepLink": f"https://console.aws.amazon.com/cloudwatch/home?region={region}#logEvent:group={group};stream={stream}",
        "cloudWatchLogsArn": f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}",
        "cloudWatchLogs": {"status": "ENABLED", **{k: v for k, v in settings.items() if k != "status"}},
        "s3Logs": {"status": "DISABLED", "encryptionDisabled": False},
    }


def _variables(project: dict[str, Any], overrides: dict[str, Any]) -> list[dict[str, str]]:
    """The project's variables with ``environmentVariablesOverride`` applied (same name: the override)."""
    merged: dict[str, dict[str, str]] = {}
    declared = (project.get("environment") or {}).get("environmentVariables") or []
    for variable in [*declared, *(overrides.get("environmentVariablesOverride") or [])]:
        merged[variable["name"]] = {"name": variable["name"], "value": str(variable.get("value", "")),
                                    "type": variable.get("type") or "PLAINTEXT"}
    return list(merged.values())


def _artifacts_record(project: dict[str, Any], build_suffix: str) -> tuple[dict[str, Any], str | None]:
    """The build's ``artifacts`` (AWS: the location ARN) and the S3 key prefix uploads go to."""
    artifacts = project.get("artifacts") or {}
    if artifacts.get("type") != "S3":
        return {"location": ""}, None
    parts = [artifacts.get("path") or "", build_suffix if artifacts.get("namespaceType") == "BUILD_ID" else "",
             artifacts.get("name") or project["name"]]
    prefix = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    record = {"location": f"arn:aws:s3:::{artifacts['location']}/{prefix}",
              "encryptionDisabled": bool(artifacts.get("encryptionDisabled", False))}
    return record, prefix


def start(backend: Any, project_name: str, overrides: dict[str, Any], moto_start: Any,
          source_zip: bytes | None = None, initiator: str | None = None) -> Run:
    """Start a build of ``project_name`` (moto makes its record and id) and run it in the background."""
    build = moto_start(backend, project_name, overrides.get("sourceVersion"), overrides.get("artifactsOverride"))
    project = copy.deepcopy(backend.codebuild_projects[project_name].project_metadata)
    if source_zip is not None:  # a pipeline's build action: its artifacts are the source and the output
        project["source"] = {**(project.get("source") or {}), "type": "CODEPIPELINE"}
        project["source"].pop("location", None)
        project["artifacts"] = {"type": "CODEPIPELINE", "name": project_name, "packaging": "NONE"}
    account, region = backend.account_id, backend.region_name
    timeout = int(overrides.get("timeoutInMinutesOverride") or project.get("timeoutInMinutes") or DEFAULT_TIMEOUT_MINUTES)
    run = Run(build, backend, project, overrides, source_zip=source_zip)
    suffix = build["id"].split(":", 1)[1]
    source = copy.deepcopy(project.get("source") or {})
    if overrides.get("buildspecOverride"):
        source["buildspec"] = overrides["buildspecOverride"]
    environment = {k: v for k, v in (project.get("environment") or {}).items() if k != "environmentVariables"}
    environment["environmentVariables"] = _variables(project, overrides)
    with _lock:
        key = (account, region, project_name)
        _numbers[key] = _numbers.get(key, 0) + 1
        artifacts, _ = _artifacts_record(project, suffix)
        build.update(buildNumber=_numbers[key], source=source, artifacts=artifacts, environment=environment,
                     timeoutInMinutes=timeout, logs=_logs_location(run, region, account),
                     queuedTimeoutInMinutes=int(project.get("queuedTimeoutInMinutes") or DEFAULT_QUEUED_TIMEOUT_MINUTES))
        if not overrides.get("sourceVersion"):
            build.pop("sourceVersion", None)
        if initiator:
            build["initiator"] = initiator
        if project.get("vpcConfig"):
            build["vpcConfig"] = project["vpcConfig"]
        _runs[build["id"]] = run
        _order.append(build["id"])
    threading.Thread(target=_run, args=(run,), daemon=True, name=f"codebuild-{build['id']}").start()
    return run


# --- running a build ---------------------------------------------------------------------------------------

class _Failure(Exception):
    """A phase fails with AWS's status code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _text(value: Any) -> str:
    """A YAML scalar as the text it was written as (``false`` stays ``false``, not Python's ``False``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _resolve(kind: str, name: str, reference: str, account: str, region: str) -> str:
    """A PARAMETER_STORE or SECRETS_MANAGER variable's value, from the emulator's SSM or Secrets Manager."""
    try:
        if kind == "PARAMETER_STORE":
            from moto.ssm.models import ssm_backends

            parameter = ssm_backends[account][region].get_parameter(reference)
            if parameter is None:
                raise KeyError(reference)
            return str(parameter.decrypt(parameter.value))  # a SecureString is decrypted, as CodeBuild does
        import json

        from moto.secretsmanager.models import secretsmanager_backends

        secret_id, json_key, stage, version = (reference.split(":", 3) + ["", "", ""])[:4]
        if reference.startswith("arn:"):  # arn:aws:secretsmanager:r:a:secret:name-xxxx[:json-key:stage:version]
            parts = reference.split(":")
            secret_id, (json_key, stage, version) = ":".join(parts[:7]), (parts[7:] + ["", "", ""])[:3]
        value = secretsmanager_backends[account][region].get_secret_value(secret_id, version or None, stage or None)
        text = str(value.get("SecretString", ""))
        return str(json.loads(text)[json_key]) if json_key else text
    except Exception as error:  # noqa: BLE001 - AWS fails the build, naming the variable
        raise _Failure("CLIENT_ERROR", f"{kind} variable {name} could not be resolved: {reference} ({error})") from None


def _environment(run: Run, spec: dict[str, Any], src: Path, home: Path) -> dict[str, str]:
    """The build's environment, built from scratch: nothing of the emulator's own leaks in."""
    from moto import settings

    build, account, region = run.build, run.backend.account_id, run.backend.region_name
    env = {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8", "HOME": str(home), "TMPDIR": str(home), "CODEBUILD_CI": "true",
    }
    declared = spec.get("env") or {}
    typed = [(k, v, "PLAINTEXT") for k, v in (declared.get("variables") or {}).items()]
    typed += [(k, v, "PARAMETER_STORE") for k, v in (declared.get("parameter-store") or {}).items()]
    typed += [(k, v, "SECRETS_MANAGER") for k, v in (declared.get("secrets-manager") or {}).items()]
    typed += [(v["name"], v["value"], v["type"]) for v in build["environment"]["environmentVariables"]]
    for name, value, kind in typed:
        env[str(name)] = _text(value) if kind == "PLAINTEXT" else _resolve(kind, str(name), _text(value), account, region)
    env.update({
        "AWS_REGION": region, "AWS_DEFAULT_REGION": region, **EMULATOR_CREDENTIALS,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{settings.moto_server_port()}",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
        "CODEBUILD_BUILD_ID": build["id"], "CODEBUILD_BUILD_ARN": build["arn"],
        "CODEBUILD_BUILD_NUMBER": str(build["buildNumber"]), "CODEBUILD_BUILD_SUCCEEDING": "1",
        "CODEBUILD_BUILD_IMAGE": str(build["environment"].get("image", "")),
        "CODEBUILD_INITIATOR": str(build.get("initiator", "")), "CODEBUILD_PROJECT_ARN": run.project["arn"],
        "CODEBUILD_KMS_KEY_ID": str(build.get("encryptionKey", "")), "CODEBUILD_SRC_DIR": str(src),
        "CODEBUILD_START_TIME": str(int(time.time() * 1000)), "CODEBUILD_LOG_PATH": run.log_stream or "",
        "CODEBUILD_SOURCE_VERSION": str(build.get("sourceVersion", "")),
    })
    return env


def _fetch_source(run: Run, src: Path) -> None:
    """DOWNLOAD_SOURCE: the S3 object or the pipeline's zip, unpacked in ``src``."""
    source = run.build["source"]
    kind = run.overrides.get("sourceTypeOverride") or source.get("type")
    if kind == "NO_SOURCE":
        return
    if kind == "CODEPIPELINE":
        if run.source_zip is None:
            raise _Failure("CLIENT_ERROR", "a CODEPIPELINE source is given only by a pipeline's build action")
        _unpack(run.source_zip, src, "source")
        return
    if kind != "S3":
        raise _Failure("CLIENT_ERROR", f"{kind} sources are not emulated offline (use S3 or NO_SOURCE)")
    from moto.s3.models import s3_backends

    location = str(run.overrides.get("sourceLocationOverride") or source.get("location") or "")
    bucket, _, key = location.removeprefix("arn:aws:s3:::").partition("/")
    try:
        found = s3_backends[run.backend.account_id]["aws"].get_object(bucket, key)
    except Exception:  # noqa: BLE001 - NoSuchBucket and the like
        found = None
    if found is None:
        raise _Failure("CLIENT_ERROR", f"NoSuchKey: error while downloading key {key} from bucket {bucket}")
    _set(run, resolvedSourceVersion=str(found.version_id) if found.version_id != "null" else found.etag.strip('"'))
    _unpack(found.value, src, Path(key).name or "source")


def _unpack(data: bytes, target: Path, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(target)
    except zipfile.BadZipFile:
        (target / name).write_bytes(data)


def _buildspec(run: Run, src: Path) -> dict[str, Any]:
    import yaml

    text = str(run.build["source"].get("buildspec") or "")
    if "\n" not in text.strip() and not text.strip().startswith("version"):
        name = text.strip() or "buildspec.yml"
        path = src / name
        if not path.is_file():
            raise _Failure("YAML_FILE_ERROR", f"YAML file does not exist: {name}")
        text = path.read_text(errors="replace")
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise _Failure("YAML_FILE_ERROR", f"Invalid buildspec: {error}") from None
    if not isinstance(spec, dict) or str(spec.get("version")) not in ("0.1", "0.2"):
        raise _Failure("YAML_FILE_ERROR", "invalid buildspec: version must be 0.1 or 0.2")
    return spec


def _command(run: Run, command: str, env: dict[str, str], cwd: Path, state: Path, deadline: float
             ) -> tuple[int | None, dict[str, str], Path]:
    """Run one command in ``bash -c``; return its exit status (None: timed out or stopped) and the
    environment and directory it leaves, for the next command."""
    run.log(_container(f"Running command {command}"))
    script = (f"set -a\n{command}\n__mcredlab_status=$?\n"
              f'{{ env -0 > "{state}/env"; pwd > "{state}/pwd"; }} 2>/dev/null\nexit $__mcredlab_status\n')
    for leftover in ("env", "pwd"):
        (state / leftover).unlink(missing_ok=True)
    with _lock:
        if run.ended:
            return None, env, cwd
        process = subprocess.Popen(["bash", "-c", script], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        run.process = process
    try:
        output, _ = process.communicate(timeout=max(0.0, deadline - time.monotonic()))
        status: int | None = process.returncode
    except subprocess.TimeoutExpired:
        run.kill()
        output, _ = process.communicate()
        status = None
    if run.ended:
        status = None
    run.log(*[line for line in output.decode("utf-8", "replace").splitlines()])
    with contextlib.suppress(OSError):
        names = dict(item.split("=", 1) for item in (state / "env").read_text().split("\0") if "=" in item)
        env = {k: v for k, v in names.items() if k not in _SHELL_OWN}
        cwd = Path((state / "pwd").read_text().strip())
    return status, env, cwd


def _phase(run: Run, name: str, block: dict[str, Any], shell: dict[str, Any], deadline: float) -> str:
    """Run one buildspec phase's commands (then its ``finally``); its status."""
    run.log(_container(f"Entering phase {name.upper()}"))
    failure: tuple[str, str] | None = None
    for group in ("commands", "finally"):
        for command in [_text(c) for c in block.get(group) or []]:
            if failure is not None and group == "commands":
                break
            status, shell["env"], shell["cwd"] = _command(run, command, shell["env"], shell["cwd"], shell["state"], deadline)
            if status is None:
                return "STOPPED" if run.stopped else "TIMED_OUT"
            if status != 0:
                run.log(_container(f"Command did not exit successfully {command} exit status {status}"))
                failure = failure or ("COMMAND_EXECUTION_ERROR",
                                      f"Error while executing command: {command}. Reason: exit status {status}")
                shell["env"]["CODEBUILD_BUILD_SUCCEEDING"] = "0"
    if failure:
        _end_phase(run, "FAILED", *failure)
        return "FAILED"
    _end_phase(run, "SUCCEEDED")
    return "SUCCEEDED"


def _collect(spec: dict[str, Any], src: Path) -> list[tuple[Path, str]]:
    """The files ``artifacts.files`` names, as (path, name in the artifact)."""
    declared = spec.get("artifacts") or {}
    base = src / str(declared.get("base-directory") or ".")
    found: dict[str, Path] = {}
    for pattern in [str(p) for p in declared.get("files") or []]:
        pattern = pattern.removeprefix("./")
        try:
            matches = [base / pattern] if (base / pattern).is_file() else sorted(base.glob(pattern))
        except (NotImplementedError, ValueError, OSError):  # an absolute or empty pattern matches nothing
            matches = []
        for path in matches:
            if path.is_file():
                relative = path.relative_to(base).as_posix()
                found[path.name if declared.get("discard-paths") in (True, "yes") else relative] = path
    return [(path, name) for name, path in sorted(found.items())]


def _upload(run: Run, spec: dict[str, Any], src: Path) -> None:
    """UPLOAD_ARTIFACTS: to the emulator's S3, or as the zip a pipeline collects."""
    artifacts = run.project.get("artifacts") or {}
    kind = artifacts.get("type")
    if kind not in ("S3", "CODEPIPELINE") or not (spec.get("artifacts") or {}).get("files"):
        return
    files = _collect(spec, src)
    if not files:
        raise _Failure("CLIENT_ERROR", "no matching artifact paths found")
    run.log(_container(f"Assembling file list; {len(files)} file(s)"))
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in files:
            archive.write(path, name)
    if kind == "CODEPIPELINE":
        run.output_zip = packed.getvalue()
        return
    from moto.s3.models import s3_backends

    _, prefix = _artifacts_record(run.project, run.build["id"].split(":", 1)[1])
    s3 = s3_backends[run.backend.account_id]["aws"]
    try:
        if artifacts.get("packaging") == "ZIP":
            s3.put_object(artifacts["location"], prefix or "", packed.getvalue())
        else:
            for path, name in files:
                s3.put_object(artifacts["location"], f"{prefix}/{name}" if prefix else name, path.read_bytes())
    except Exception as error:  # noqa: BLE001 - NoSuchBucket and the like
        raise _Failure("CLIENT_ERROR", f"could not upload artifacts to bucket {artifacts.get('location')}: {error}") from None


def _run(run: Run) -> None:
    with _running:
        try:
            _execute(run)
        except Exception:
            logger.exception("build %s broke", run.build.get("id"))
            _set(run, buildStatus="FAULT")
        finally:
            _finish(run)


def _execute(run: Run) -> None:
    assert _tmp_root is not None, "install() makes the directory"
    timeout = min(int(run.build["timeoutInMinutes"]) * 60, HARD_CAP_SECONDS)
    deadline = time.monotonic() + timeout
    with _lock:
        phases = list(run.build["phases"])
        phases[-1] = {**phases[-1], "phaseStatus": "SUCCEEDED", "endTime": _now(), "durationInSeconds": 0}
        run.build["phases"] = phases
    work = Path(tempfile.mkdtemp(prefix="build-", dir=_tmp_root))
    try:
        src, state, home = work / "src", work / "state", work / "home"
        for folder in (src, state, home):
            folder.mkdir()
        run.log(_container("Running on the mcredlab emulator (no container image: the host's own tools)"))
        _begin_phase(run, "PROVISIONING")
        _end_phase(run, "SUCCEEDED")
        _begin_phase(run, "DOWNLOAD_SOURCE")
        try:
            _fetch_source(run, src)
            spec = _buildspec(run, src)
            env = _environment(run, spec, src, home)
        except _Failure as failure:
            _end_phase(run, "FAILED", failure.code, failure.message)
            _set(run, buildStatus="FAILED")
            return
        run.log(_container(f"CODEBUILD_SRC_DIR={src}"))
        _end_phase(run, "SUCCEEDED")
        shell: dict[str, Any] = {"env": env, "cwd": src, "state": state}
        status = "SUCCEEDED"
        blocks = spec.get("phases") or {}
        for name in PHASES:
            if status in ("STOPPED", "TIMED_OUT") or (status == "FAILED" and name in ("pre_build", "build")):
                break  # after a failed INSTALL or PRE_BUILD the build goes to FINALIZING
            _begin_phase(run, name.upper())
            outcome = _phase(run, name, blocks.get(name) or {}, shell, deadline)
            if outcome in ("STOPPED", "TIMED_OUT"):
                _end_phase(run, outcome, "BUILD_TIMED_OUT" if outcome == "TIMED_OUT" else "",
                           "Build has timed out. " if outcome == "TIMED_OUT" else "")
                status = outcome
            elif outcome == "FAILED" and status == "SUCCEEDED":
                status = "FAILED"
                if str((blocks.get(name) or {}).get("on-failure", "")).upper() == "CONTINUE":
                    status = "CONTINUE_FAILED"
        if status == "CONTINUE_FAILED":
            status = "FAILED"
        if status not in ("STOPPED", "TIMED_OUT") and not (status == "FAILED" and run.build["currentPhase"] in ("INSTALL", "PRE_BUILD")):
            _begin_phase(run, "UPLOAD_ARTIFACTS")
            try:
                _upload(run, spec, src)
                _end_phase(run, "SUCCEEDED")
            except _Failure as failure:
                _end_phase(run, "FAILED", failure.code, failure.message)
                status = "FAILED"
        _set(run, buildStatus=status)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _finish(run: Run) -> None:
    """FINALIZING and COMPLETED; the record is complete."""
    if not run.cancelled:
        _begin_phase(run, "FINALIZING")
        _end_phase(run, "SUCCEEDED")
        with _lock:
            if run.stopped:
                run.build["buildStatus"] = "STOPPED"
            if run.build["buildStatus"] == "IN_PROGRESS":
                run.build["buildStatus"] = "SUCCEEDED"
            run.build["phases"] = [*run.build["phases"], {"phaseType": "COMPLETED", "startTime": _now()}]
            run.build.update(currentPhase="COMPLETED", endTime=_now(), buildComplete=True)
        run.log(_container(f"Build {run.build['buildStatus'].lower()}"))
    run.done.set()


# --- moto's seams ---------------------------------------------------------------------------------------------

def _backend_start_build(moto_start: Any) -> Any:
    def start_build(self: Any, project_name: str, source_version: str | None = None,
                    artifact_override: dict[str, Any] | None = None) -> dict[str, Any]:
        overrides = dict(getattr(_request, "overrides", None) or {})
        overrides.setdefault("sourceVersion", source_version)
        overrides.setdefault("artifactsOverride", artifact_override)
        run = start(self, project_name, overrides, moto_start)
        with _lock:
            return copy.deepcopy(run.build)

    return start_build


def _response_start_build(moto_response: Any) -> Any:
    names = ("environmentVariablesOverride", "buildspecOverride", "timeoutInMinutesOverride", "logsConfigOverride",
             "sourceTypeOverride", "sourceLocationOverride")

    def start_build(self: Any) -> Any:
        _request.overrides = {name: self._get_param(name) for name in names if self._get_param(name) is not None}
        try:
            return moto_response(self)
        finally:
            _request.overrides = None

    return start_build


def batch_get_builds(self: Any, ids: list[str]) -> list[dict[str, Any]]:
    """The builds, as they are now, in the order asked (moto's re-ran fake phases at every call)."""
    with _lock:
        known = {b["id"]: b for history in self.build_metadata_history.values() for b in history}
        return [copy.deepcopy(known[i]) for i in ids if i in known]


def stop_build(self: Any, build_id: str) -> dict[str, Any] | None:
    """Kill a running build's commands; it ends STOPPED (a finished build stays as it is)."""
    with _lock:
        run = _runs.get(build_id)
        if run is not None and not run.done.is_set():
            run.stopped = True
            run.kill()
    if run is not None:
        run.done.wait(5)
    found = batch_get_builds(self, [build_id])
    return found[0] if found else None


def _newest_first(moto_list: Any) -> Any:
    def listing(self: Any, *args: Any) -> list[str]:
        ids = list(moto_list(self, *args))
        with _lock:
            rank = {build_id: i for i, build_id in enumerate(_order)}
        return sorted(ids, key=lambda i: rank.get(i, -1), reverse=True)

    return listing


def _no_source_needs_no_location(check: Any) -> Any:
    def validate(source: dict[str, Any]) -> None:
        if source.get("type") != "NO_SOURCE":
            check(source)
        elif not str(source.get("buildspec") or "").strip():
            from moto.codebuild.exceptions import InvalidInputException

            raise InvalidInputException("Project source buildspec is required for source type NO_SOURCE")

    return validate


def _aws_timeouts(moto_init: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        moto_init(self, *args, **kwargs)
        project = self.project_metadata  # moto keeps 0 for a timeout not given; AWS's defaults are 60 and 480
        project["timeoutInMinutes"] = project.get("timeoutInMinutes") or DEFAULT_TIMEOUT_MINUTES
        project["queuedTimeoutInMinutes"] = project.get("queuedTimeoutInMinutes") or DEFAULT_QUEUED_TIMEOUT_MINUTES

    return __init__


def _reset_stops_builds(self: Any) -> None:
    """/moto-api/reset: this backend's running builds are killed and write nothing more."""
    from moto.core.base_backend import BaseBackend

    with _lock:
        for build_id, run in list(_runs.items()):
            if run.backend is self:
                run.cancelled = True
                run.kill()
                del _runs[build_id]
        _order[:] = [i for i in _order if i in _runs]
        for key in [k for k in _numbers if k[:2] == (self.account_id, self.region_name)]:
            del _numbers[key]
    BaseBackend.reset(self)


def start_from_pipeline(account: str, region: str, project_name: str, source_zip: bytes, pipeline: str,
                        variables: list[dict[str, str]]) -> Run:
    """Start a build for a pipeline's CodeBuild action (``KeyError`` if the project does not exist)."""
    from moto.codebuild.models import codebuild_backends

    backend = codebuild_backends[account][region]
    if project_name not in backend.codebuild_projects:
        raise KeyError(project_name)
    assert _moto_start is not None, "install() keeps moto's start_build"
    return start(backend, project_name, {"environmentVariablesOverride": variables}, _moto_start,
                 source_zip=source_zip, initiator=f"codepipeline/{pipeline}")


def find(build_id: str) -> Run | None:
    """The run of a build started in this process."""
    with _lock:
        return _runs.get(build_id)


def _kill_all() -> None:
    """At the emulator's exit: builds run in sessions of their own, so stopping the emulator's group misses them."""
    with _lock:
        for run in _runs.values():
            run.cancelled = True
            run.kill()


def install() -> None:
    global _tmp_root, _moto_start
    from moto.codebuild import responses
    from moto.codebuild.models import CodeBuild, CodeBuildBackend

    from mcredlab.emulator.lambda_pool import own_tmp_root
    from mcredlab.home import home

    _tmp_root = own_tmp_root(home() / "codebuild" / "tmp")
    atexit.register(_kill_all)
    responses._validate_required_params_source = _no_source_needs_no_location(  # type: ignore[assignment]
        responses._validate_required_params_source)
    responses.CodeBuildResponse.start_build = _response_start_build(  # type: ignore[method-assign]
        responses.CodeBuildResponse.start_build)
    _moto_start = CodeBuildBackend.start_build
    CodeBuildBackend.start_build = _backend_start_build(_moto_start)  # type: ignore[method-assign]
    CodeBuildBackend.batch_get_builds = batch_get_builds  # type: ignore[method-assign]
    CodeBuildBackend.stop_build = stop_build  # type: ignore[assignment]
    CodeBuildBackend.list_builds_for_project = _newest_first(CodeBuildBackend.list_builds_for_project)  # type: ignore[method-assign]
    CodeBuildBackend.list_builds = _newest_first(CodeBuildBackend.list_builds)  # type: ignore[method-assign]
    CodeBuildBackend.reset = _reset_stops_builds  # type: ignore[method-assign]
    CodeBuild.__init__ = _aws_timeouts(CodeBuild.__init__)  # type: ignore[method-assign]
