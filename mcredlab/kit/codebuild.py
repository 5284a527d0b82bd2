"""CodeBuild projects for labs: readers of a project, its newest builds and a build's CloudWatch Logs, tagged
idempotent projects for setup, teardown, and waiting for a build to end (for reference solutions)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from mcredlab.kit.reading import or_none, tagged_by
from mcredlab.lab import TAG_KEY
from mcredlab.target import Aws

DEFAULT_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
"""The managed Amazon Linux image the console offers first."""


# -- readers -----------------------------------------------------------------------------------


def project(aws: Aws, name: str) -> dict[str, Any] | None:
    """The project ``name`` as BatchGetProjects returns it (``source``, ``serviceRole``, ``environment`` ...),
    or ``None``."""
    found = or_none(aws.client("codebuild").batch_get_projects, names=[name]) or {}
    projects = found.get("projects") or []
    return dict(projects[0]) if projects else None


def build(aws: Aws, build_id: str) -> dict[str, Any] | None:
    """The build ``build_id`` as BatchGetBuilds returns it, or ``None``."""
    found = or_none(aws.client("codebuild").batch_get_builds, ids=[build_id]) or {}
    builds = found.get("builds") or []
    return dict(builds[0]) if builds else None


def newest_builds(aws: Aws, name: str, count: int = 5) -> list[dict[str, Any]]:
    """The newest ``count`` builds of project ``name``, newest first (none when it does not exist)."""
    client = aws.client("codebuild")
    listed = or_none(client.list_builds_for_project, projectName=name, sortOrder="DESCENDING") or {}
    ids = list(listed.get("ids") or [])[:count]
    return [dict(b) for b in client.batch_get_builds(ids=ids).get("builds", [])] if ids else []


def log_lines(aws: Aws, found: Mapping[str, Any]) -> list[str] | None:
    """The lines of a build's CloudWatch Logs stream, or ``None`` when the build wrote no log there."""
    logs = found.get("logs") or {}
    if not logs.get("groupName") or not logs.get("streamName"):
        return None
    events = or_none(aws.client("logs").get_log_events, logGroupName=logs["groupName"],
                     logStreamName=logs["streamName"], startFromHead=True)
    return None if events is None else [str(e.get("message", "")).rstrip("\n") for e in events.get("events", [])]


def failed_phase(found: Mapping[str, Any]) -> tuple[str, str]:
    """The phase a build failed in and what its context says (``("BUILD", "Error while executing ...")``);
    ``("", "")`` when no phase failed."""
    phase = next((p for p in found.get("phases") or [] if p.get("phaseStatus") not in (None, "SUCCEEDED")), {})
    message = "; ".join(str(c.get("message", "")) for c in phase.get("contexts") or [] if c.get("message"))
    return str(phase.get("phaseType") or ""), message


def tags(found: Mapping[str, Any]) -> dict[str, str]:
    """A described project's tags as a mapping."""
    return {str(t["key"]): str(t.get("value", "")) for t in found.get("tags") or []}


# -- setup, teardown, solutions ----------------------------------------------------------------


def ensure_project(aws: Aws, lab_id: str, name: str, *, role_arn: str, source: Mapping[str, Any],
                   artifacts: Mapping[str, Any], image: str = DEFAULT_IMAGE, **settings: Any) -> dict[str, Any]:
    """The project ``name``; created tagged for the lab if missing (a Linux container of ``image``, small compute).

    ``settings`` go to CreateProject as they are (``logsConfig``, ``timeoutInMinutes`` ...). A project that
    exists is kept as it is.
    """
    found = project(aws, name)
    if found is not None:
        return found
    created = aws.client("codebuild").create_project(
        name=name, source=dict(source), artifacts=dict(artifacts), serviceRole=role_arn,
        environment={"type": "LINUX_CONTAINER", "image": image, "computeType": "BUILD_GENERAL1_SMALL"},
        tags=[{"key": TAG_KEY, "value": lab_id}], **settings)
    return dict(created["project"])


def delete_project(aws: Aws, lab_id: str, name: str) -> None:
    """Delete the project ``name`` if the lab tagged it."""
    found = project(aws, name)
    if found is not None and tagged_by(lab_id, tags(found)):
        aws.client("codebuild").delete_project(name=name)


def delete_project_named(aws: Aws, name: str) -> None:
    """Delete the project ``name``, whoever made it (a lab's teardown decides), if there is one."""
    if project(aws, name) is not None:
        aws.client("codebuild").delete_project(name=name)


def wait_for_build(aws: Aws, build_id: str, seconds: float = 60) -> dict[str, Any] | None:
    """The build ``build_id`` once it is complete (or as it is after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        found = build(aws, build_id)
        if found is None or found.get("buildComplete") or time.monotonic() >= deadline:
            return found
        time.sleep(0.3)
