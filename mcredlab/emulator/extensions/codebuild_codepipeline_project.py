"""CodeBuild accepts projects whose source and artifacts come from CodePipeline, as AWS does.

moto 5.2.5 demands a ``location`` for every source type and for every artifacts type but
NO_ARTIFACTS, so ``create_project`` with ``{"type": "CODEPIPELINE"}`` (the
normal shape of a pipeline's build step) fails with "Project source location is required". AWS
takes no location for CODEPIPELINE (the pipeline hands the input and collects the output) and
returns the project with ``source`` ``{"type": "CODEPIPELINE", "insecureSsl": false, ...}`` and
``artifacts`` ``{"type": "CODEPIPELINE", "name": <project name>, "packaging": "NONE",
"encryptionDisabled": false}``. Here moto's two location checks let CODEPIPELINE through, and the
stored project gains those defaults (values the caller gave are kept).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SEAMS = (
    ("moto.codebuild.responses", "_validate_required_params_source", None),
    ("moto.codebuild.responses", "_validate_required_params_artifacts", None),
    ("moto.codebuild.models", "CodeBuild", "__init__"),
)

CODEPIPELINE = "CODEPIPELINE"


def _codepipeline_needs_no_location(check: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def validate(settings: dict[str, Any]) -> None:
        if settings.get("type") != CODEPIPELINE:
            check(settings)

    return validate


def install() -> None:
    from moto.codebuild import responses
    from moto.codebuild.models import CodeBuild

    responses._validate_required_params_source = _codepipeline_needs_no_location(  # type: ignore[assignment]
        responses._validate_required_params_source
    )
    responses._validate_required_params_artifacts = _codepipeline_needs_no_location(  # type: ignore[assignment]
        responses._validate_required_params_artifacts
    )

    moto_init = CodeBuild.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        moto_init(self, *args, **kwargs)
        project = self.project_metadata
        source, artifacts = project.get("source") or {}, project.get("artifacts") or {}
        if source.get("type") == CODEPIPELINE:
            source.setdefault("insecureSsl", False)
        if artifacts.get("type") == CODEPIPELINE:
            artifacts.setdefault("name", project["name"])
            artifacts.setdefault("packaging", "NONE")
            artifacts.setdefault("encryptionDisabled", False)

    CodeBuild.__init__ = __init__  # type: ignore[method-assign]
