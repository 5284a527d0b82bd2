"""No Docker engine exists where the emulator runs: moto must never try to reach one.

moto 5.2 creates a Docker client on first access of ``LambdaFunction.docker_client``; the state
dump ``/moto-api/data.json`` reads every public attribute, so any Lambda function made it answer 500
(``DockerException``). Here the attribute raises ``AttributeError``, which the dump skips, and
``default_user_config`` turns Docker off for Lambda and Batch.
"""

from __future__ import annotations

from typing import Any

SEAMS = (
    ("moto.awslambda.models", "LambdaFunction", "docker_client"),
    ("moto.core.config", "default_user_config", None),
)


def _no_docker_client(self: Any) -> Any:
    raise AttributeError("the mcredlab emulator runs without a Docker engine")


def _patch_lambda() -> None:
    from moto.awslambda.models import LambdaFunction

    LambdaFunction.docker_client = property(_no_docker_client)  # type: ignore[assignment,method-assign]


def install() -> None:
    """Turn Docker off in the config now; patch ``LambdaFunction`` once moto imports it."""
    from moto.core.config import default_user_config

    from mcredlab.emulator.extensions import when_imported

    default_user_config["lambda"]["use_docker"] = False
    default_user_config["batch"]["use_docker"] = False
    when_imported("moto.awslambda.models", _patch_lambda)
