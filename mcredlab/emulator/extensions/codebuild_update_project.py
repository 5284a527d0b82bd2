"""CodeBuild's ``UpdateProject`` changes a project's settings, as the console's "Edit" does on AWS.

moto 5.2.5 has no ``update_project``: the CLI's ``aws codebuild update-project`` (and every "Edit" a
learner makes in the console) answered "not implemented", so a project could only be deleted and created
again.

Here, as on AWS, ``UpdateProject`` takes the project's ``name`` (or ARN) and replaces each top-level
setting it is given (``source``, ``artifacts``, ``environment`` with its ``environmentVariables``,
``serviceRole``, ``logsConfig``, ``timeoutInMinutes``, ``queuedTimeoutInMinutes``, ``description``,
``sourceVersion``, ``cache``, ``vpcConfig``, ``encryptionKey``, ``tags``, ``concurrentBuildLimit``,
``secondarySources``, ``secondaryArtifacts``, ``fileSystemLocations``, ``buildBatchConfig``, and
``badgeEnabled``); settings it is not given keep their values. Source, artifacts, environment and
service role are validated as ``CreateProject`` validates them (extension ``codebuild_builds`` lets a
``NO_SOURCE`` source through without a location). ``lastModifiedDate`` moves; ``created``, the ARN and
the builds stay. A project that does not exist answers ``ResourceNotFoundException``. The answer is
``{"project": ...}`` with the whole updated project. Builds started afterwards use the new settings;
running builds keep theirs.

Still unlike AWS: a setting given as an empty object is stored as it is, where AWS would fill in some
defaults; ``name`` cannot be changed (nor can it on AWS).
"""

from __future__ import annotations

import copy
from typing import Any

SEAMS = (
    ("moto.codebuild.responses", "CodeBuildResponse", "_get_param"),
    ("moto.codebuild.responses", "_validate_required_params_source", None),
    ("moto.codebuild.responses", "_validate_required_params_artifacts", None),
    ("moto.codebuild.responses", "_validate_required_params_environment", None),
    ("moto.codebuild.responses", "_validate_required_params_service_role", None),
    ("moto.codebuild.responses", "CodeBuildResponse", "codebuild_backend"),
    ("moto.codebuild.models", "CodeBuild", "__init__"),  # sets project_metadata, arn, service_role, tags
)

REPLACED = ("description", "source", "sourceVersion", "artifacts", "environment", "timeoutInMinutes",
            "queuedTimeoutInMinutes", "cache", "logsConfig", "vpcConfig", "encryptionKey", "concurrentBuildLimit",
            "secondarySources", "secondaryArtifacts", "fileSystemLocations", "buildBatchConfig")
"""The settings ``UpdateProject`` replaces whole when it is given them (besides the role, the tags and the badge)."""


def _find(backend: Any, name: str) -> Any:
    """The stored project named ``name`` (or with the ARN ``name``), or ``None``."""
    if name in backend.codebuild_projects:
        return backend.codebuild_projects[name]
    return next((p for p in backend.codebuild_projects.values() if p.arn == name), None)


def update_project(self: Any) -> Any:
    """``CodeBuildResponse.update_project``: replace the given settings of an existing project."""
    from moto.codebuild import responses
    from moto.codebuild.exceptions import ResourceNotFoundException
    from moto.core.responses import ActionResult
    from moto.core.utils import unix_time
    from moto.utilities.utils import get_partition

    name = str(self._get_param("name") or "")
    project = _find(self.codebuild_backend, name)
    if project is None:
        raise ResourceNotFoundException(
            f"Project cannot be found: arn:{get_partition(self.region)}:codebuild:{self.region}:"
            f"{self.current_account}:project/{name}")
    given = {key: self._get_param(key) for key in (*REPLACED, "serviceRole", "tags", "badgeEnabled")}
    given = {key: value for key, value in given.items() if value is not None}
    if "source" in given:
        responses._validate_required_params_source(given["source"])
    if "artifacts" in given:
        responses._validate_required_params_artifacts(given["artifacts"])
    if "environment" in given:
        responses._validate_required_params_environment(given["environment"])
    if "serviceRole" in given:
        responses._validate_required_params_service_role(self.current_account, self.region, given["serviceRole"])

    metadata = project.project_metadata
    for key in REPLACED:
        if key in given:
            metadata[key] = copy.deepcopy(given[key])
    if "serviceRole" in given:
        project.service_role = metadata["serviceRole"] = given["serviceRole"]
    if "tags" in given:
        project.tags = metadata["tags"] = copy.deepcopy(given["tags"])
    if "badgeEnabled" in given:
        metadata["badge"] = {**(metadata.get("badge") or {}), "badgeEnabled": bool(given["badgeEnabled"])}
    metadata["lastModifiedDate"] = unix_time()
    return ActionResult({"project": metadata})


def install() -> None:
    from moto.codebuild.responses import CodeBuildResponse

    CodeBuildResponse.update_project = update_project  # type: ignore[attr-defined]
