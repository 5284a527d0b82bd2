"""Reading REST APIs (API Gateway v1) the way the labs' checks need: by name, path and method."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mcredlab.target import Aws, Target


@dataclass(frozen=True)
class Candidate:
    """The REST API a check judges, and how many others share its name."""

    api: dict[str, Any]
    same_name: int

    @property
    def id(self) -> str:
        return str(self.api["id"])


def rest_apis_named(aws: Aws, name: str) -> list[dict[str, Any]]:
    apis: list[dict[str, Any]] = []
    for page in aws.client("apigateway").get_paginator("get_rest_apis").paginate():
        apis.extend(api for api in page.get("items", []) if api.get("name") == name)
    return apis


def stages(aws: Aws, api_id: str) -> dict[str, dict[str, Any]]:
    return {s["stageName"]: s for s in aws.client("apigateway").get_stages(restApiId=api_id).get("item", [])}


def the_api(aws: Aws, name: str, stage: str = "prod") -> Candidate | None:
    """The API called ``name``; among several, the newest one deployed to ``stage``, else the newest."""
    apis = rest_apis_named(aws, name)
    if not apis:
        return None
    apis.sort(key=lambda api: str(api.get("createdDate", "")), reverse=True)
    staged = [api for api in apis if stage in stages(aws, api["id"])]
    return Candidate((staged or apis)[0], len(apis))


def resource(aws: Aws, api_id: str, path: str) -> dict[str, Any] | None:
    for page in aws.client("apigateway").get_paginator("get_resources").paginate(restApiId=api_id):
        for item in page.get("items", []):
            if item.get("path") == path:
                return dict(item)
    return None


def method(aws: Aws, api_id: str, resource_id: str, http_method: str) -> dict[str, Any] | None:
    try:
        return dict(aws.client("apigateway").get_method(restApiId=api_id, resourceId=resource_id, httpMethod=http_method))
    except ClientError as error:
        if error.response["Error"]["Code"] == "NotFoundException":
            return None
        raise


def literal(value: str | None) -> str | None:
    """The fixed value of a header mapping (``"'*'"`` is ``*``), or ``None`` for a mapping expression."""
    if value is None:
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    return None


def lambda_function_of(uri: str) -> str | None:
    """The function name in a Lambda integration URI (``.../functions/<arn>/invocations``), unqualified."""
    marker = "/functions/"
    if marker not in uri or not uri.endswith("/invocations"):
        return None
    arn = uri.split(marker, 1)[1][: -len("/invocations")]
    parts = arn.split(":")
    if len(parts) >= 7 and parts[5] == "function":
        return parts[6]
    return None


def lambda_integration_uri(region: str, function_arn: str) -> str:
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def invoke_url(target: Target | Aws, api_id: str, stage: str) -> str:
    """The base URL where a deployed stage answers; append the resource path (``/hello``).

    The emulator (and an endpoint such as LocalStack) serve it under ``/restapis/.../_user_request_``;
    AWS under the ``execute-api`` host of the region.

    >>> invoke_url(Target("aws", "eu-west-1"), "a1b2c3d4e5", "prod")
    'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod'
    >>> invoke_url(Target("emulator", "us-east-1", "http://127.0.0.1:4747"), "a1b2c3d4e5", "prod")
    'http://127.0.0.1:4747/restapis/a1b2c3d4e5/prod/_user_request_'
    """
    if isinstance(target, Aws):
        target = target.target
    if target.endpoint_url:
        return f"{target.endpoint_url.rstrip('/')}/restapis/{api_id}/{stage}/_user_request_"
    return f"https://{api_id}.execute-api.{target.region}.amazonaws.com/{stage}"


def deployed_methods(aws: Aws, api_id: str, stage: str) -> dict[str, set[str]] | None:
    """Per path, the methods the deployment behind ``stage`` serves; ``None`` without such a stage."""
    found = stages(aws, api_id).get(stage)
    if not found or not found.get("deploymentId"):
        return None
    deployment = aws.client("apigateway").get_deployment(
        restApiId=api_id, deploymentId=found["deploymentId"], embed=["apisummary"]
    )
    return {path: set(methods) for path, methods in (deployment.get("apiSummary") or {}).items()}
