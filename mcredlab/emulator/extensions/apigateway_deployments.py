"""A REST API stage serves the deployment it points to, not the API as edited since.

moto records a deployment as an id, a description and a date, so anything that called a stage
would see the live resource tree: a learner who changes a method and forgets to redeploy would
not notice. On AWS a deployment is a snapshot. Here ``RestAPI.create_deployment`` also freezes,
on the deployment, what calling the API needs: every resource's id and path, and each of its
methods as ``get_method`` returns it (integration, integration responses, method responses).
``deployed_routes`` gives a stage's snapshot to the invoke path (extension apigateway_invoke), and
``get_deployment(embed=["apisummary"])`` answers the snapshot's ``apiSummary`` as AWS does.

Differs from AWS: the snapshot holds resources and methods only (not models, authorizers, request
validators, gateway responses or canary settings); a deployment without a snapshot (none is made
without this extension) serves the live tree.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto.apigateway.models import Deployment, RestAPI, Stage

SEAMS = (
    ("moto.apigateway.models", "RestAPI", "create_deployment"),
    ("moto.apigateway.models", "Resource", "get_path"),
    ("moto.apigateway.models", "Method", "to_json"),
    ("moto.apigateway.responses", "APIGatewayResponse", "get_deployment"),
)

_SNAPSHOT = "_mcredlab_routes"  # private: moto's /moto-api/data.json skips names starting with "_"


@dataclass(frozen=True)
class Route:
    """One resource of a deployed API: its id, its path (``/items/{id}``) and its methods by verb."""

    resource_id: str
    path: str
    methods: Mapping[str, dict[str, Any]]  # each as get_method returns it


def snapshot(api: RestAPI) -> tuple[Route, ...]:
    """The API's resources and methods as they are now, copied so later edits do not reach them."""
    return tuple(
        Route(
            resource_id=resource.id,
            path=resource.get_path(),
            methods={verb: copy.deepcopy(method.to_json()) for verb, method in resource.resource_methods.items()},
        )
        for resource in list(api.resources.values())
    )


def deployed_routes(api: RestAPI, stage: Stage) -> tuple[Route, ...]:
    """What ``stage`` serves: the snapshot of its deployment."""
    deployment = api.deployments.get(stage.deployment_id or "")
    routes: tuple[Route, ...] | None = getattr(deployment, _SNAPSHOT, None)
    return routes if routes is not None else snapshot(api)


def api_summary(routes: tuple[Route, ...]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{path: {METHOD: {"authorizationType": ..., "apiKeyRequired": ...}}}``, as AWS embeds it."""
    return {
        route.path: {
            verb: {
                "authorizationType": method.get("authorizationType") or "NONE",
                "apiKeyRequired": bool(method.get("apiKeyRequired")),
            }
            for verb, method in route.methods.items()
        }
        for route in routes
        if route.methods
    }


def _snapshotting(create_deployment: Callable[..., Deployment]) -> Callable[..., Deployment]:
    @functools.wraps(create_deployment)
    def wrapper(self: RestAPI, *args: Any, **kwargs: Any) -> Deployment:
        deployment = create_deployment(self, *args, **kwargs)
        setattr(deployment, _SNAPSHOT, snapshot(self))
        return deployment

    wrapper.__mcredlab__ = True  # type: ignore[attr-defined]
    return wrapper


def _with_api_summary(get_deployment: Callable[[Any], str]) -> Callable[[Any], str]:
    @functools.wraps(get_deployment)
    def wrapper(self: Any) -> str:
        body = get_deployment(self)
        if "apisummary" not in [e.lower() for e in self.querystring.get("embed", [])]:
            return body
        document = json.loads(body)
        api = self.backend.get_rest_api(self.path.split("/")[2])
        deployment = api.deployments[document["id"]]
        routes = getattr(deployment, _SNAPSHOT, None)
        document["apiSummary"] = api_summary(routes if routes is not None else snapshot(api))
        return json.dumps(document)

    wrapper.__mcredlab__ = True  # type: ignore[attr-defined]
    return wrapper


def install() -> None:
    from moto.apigateway.models import RestAPI
    from moto.apigateway.responses import APIGatewayResponse

    if not getattr(RestAPI.create_deployment, "__mcredlab__", False):
        RestAPI.create_deployment = _snapshotting(RestAPI.create_deployment)  # type: ignore[method-assign]
    if not getattr(APIGatewayResponse.get_deployment, "__mcredlab__", False):
        APIGatewayResponse.get_deployment = _with_api_summary(APIGatewayResponse.get_deployment)  # type: ignore[assignment,method-assign]
