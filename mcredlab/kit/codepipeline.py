"""CodePipeline pipelines for labs: readers of a pipeline's structure, its newest execution, that execution's
action executions and the pipeline's state; teardown by name, and waiting for an execution to end (for reference
solutions)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from mcredlab.kit.reading import or_none
from mcredlab.target import Aws

RUNNING = ("InProgress", "Stopping")
"""Execution statuses that have not ended yet."""


# -- a pipeline's structure --------------------------------------------------------------------


def pipeline(aws: Aws, name: str) -> dict[str, Any] | None:
    """The structure of pipeline ``name`` as GetPipeline returns it (``roleArn``, ``artifactStore``, ``stages``,
    ``version``, ``pipelineType`` ...), or ``None``."""
    found = or_none(aws.client("codepipeline").get_pipeline, name=name)
    return None if found is None else dict(found["pipeline"])


def actions(declaration: Mapping[str, Any]) -> list[tuple[int, str, dict[str, Any]]]:
    """Every action of a pipeline as ``(stage position from 0, stage name, action)``, in the order they run."""
    return [(position, str(stage.get("name", "")), dict(action))
            for position, stage in enumerate(declaration.get("stages") or [])
            for action in sorted(stage.get("actions") or [], key=lambda a: int(a.get("runOrder") or 1))]


def provided_by(declaration: Mapping[str, Any], category: str, provider: str) -> list[tuple[int, str, dict[str, Any]]]:
    """The actions of a pipeline of one ``category`` (``Source``, ``Build`` ...) and ``provider`` (``S3``,
    ``CodeBuild`` ...), as :func:`actions` gives them."""
    return [(position, stage, action) for position, stage, action in actions(declaration)
            if (action.get("actionTypeId") or {}).get("category") == category
            and (action.get("actionTypeId") or {}).get("provider") == provider]


def artifact_names(action: Mapping[str, Any], key: str) -> list[str]:
    """The names of an action's ``inputArtifacts`` or ``outputArtifacts`` (``key``)."""
    return [str(artifact.get("name", "")) for artifact in action.get(key) or []]


def artifact_bucket(declaration: Mapping[str, Any], region: str) -> str | None:
    """The S3 bucket of a pipeline's artifact store in ``region`` (``artifactStore``, or ``artifactStores`` of a
    pipeline with cross-Region actions), or ``None``."""
    store = declaration.get("artifactStore") or (declaration.get("artifactStores") or {}).get(region) or {}
    return str(store["location"]) if store.get("type", "S3") == "S3" and store.get("location") else None


# -- its runs ----------------------------------------------------------------------------------


def executions(aws: Aws, name: str, *, newest: int = 10) -> list[dict[str, Any]]:
    """The summaries of the ``newest`` executions of pipeline ``name``, newest first (none when it does not
    exist)."""
    found = or_none(aws.client("codepipeline").list_pipeline_executions, pipelineName=name, maxResults=newest)
    return [dict(e) for e in (found or {}).get("pipelineExecutionSummaries", [])]


def execution(aws: Aws, name: str, execution_id: str) -> dict[str, Any] | None:
    """The execution ``execution_id`` of pipeline ``name`` as GetPipelineExecution returns it (``status``,
    ``statusSummary``, ``pipelineVersion``, ``artifactRevisions``, ``trigger`` ...), or ``None``."""
    found = or_none(aws.client("codepipeline").get_pipeline_execution, pipelineName=name,
                    pipelineExecutionId=execution_id)
    return None if found is None else dict(found["pipelineExecution"])


def newest_execution(aws: Aws, name: str) -> dict[str, Any] | None:
    """The newest execution of pipeline ``name``: its summary (``startTime`` ...) with what GetPipelineExecution
    adds (``pipelineVersion`` ...), or ``None`` when it has none."""
    summaries = executions(aws, name, newest=1)
    if not summaries:
        return None
    return {**summaries[0], **(execution(aws, name, str(summaries[0]["pipelineExecutionId"])) or {})}


def action_executions(aws: Aws, name: str, execution_id: str) -> list[dict[str, Any]]:
    """The action executions of one execution of pipeline ``name`` (``actionName``, ``status``, ``output`` with
    ``executionResult.externalExecutionId`` ...), oldest first."""
    found = or_none(aws.client("codepipeline").list_action_executions, pipelineName=name,
                    filter={"pipelineExecutionId": execution_id})
    details = [dict(d) for d in reversed((found or {}).get("actionExecutionDetails", []))]  # listed newest first
    return sorted(details, key=lambda d: d["startTime"]) if all("startTime" in d for d in details) else details


def state(aws: Aws, name: str) -> dict[str, Any] | None:
    """GetPipelineState of pipeline ``name`` (each stage's and action's latest execution), or ``None``."""
    found = or_none(aws.client("codepipeline").get_pipeline_state, name=name)
    return None if found is None else dict(found)


# -- teardown and solutions --------------------------------------------------------------------


def delete_pipeline(aws: Aws, name: str) -> None:
    """Delete the pipeline ``name``, whoever made it (a lab's teardown decides), if there is one."""
    if pipeline(aws, name) is not None:
        aws.client("codepipeline").delete_pipeline(name=name)


def wait_for_execution(aws: Aws, name: str, execution_id: str | None = None,
                       seconds: float = 60) -> dict[str, Any] | None:
    """The execution ``execution_id`` (the newest without one) of pipeline ``name`` once it has ended (or as it is
    after ``seconds``); ``None`` when there is none."""
    deadline = time.monotonic() + seconds
    while True:
        if execution_id is None:
            found = newest_execution(aws, name)
        else:
            found = execution(aws, name, execution_id)
        if found is None or found.get("status") not in RUNNING or time.monotonic() >= deadline:
            return found
        time.sleep(0.3)
