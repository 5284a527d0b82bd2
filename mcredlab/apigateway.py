"""Reading REST APIs (API Gateway v1) the way the labs' checks need: by name, path and method."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mcredlab.target import Aws


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
