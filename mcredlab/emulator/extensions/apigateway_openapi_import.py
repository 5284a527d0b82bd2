"""Importing an OpenAPI definition takes MOCK integrations and declares the responses' headers, as AWS does.

moto 5.2.5 (put-rest-api, and import-rest-api or create-rest-api with a body) passes an integration's
``uri`` and ``httpMethod`` to put_integration only when the definition has them, and put_integration
requires both: a MOCK ``x-amazon-apigateway-integration`` (it has neither; a CORS preflight is one)
answered a raw 500. The integration's ``type`` and ``httpMethod`` were stored as written (``mock``),
where AWS stores them upper-case (``MOCK``). import-rest-api demanded an ``info.description`` (500
without one; AWS imports such a definition). And every method response was declared without
parameters, where AWS declares each header of the OpenAPI response (``responses: 200: headers:
Access-Control-Allow-Origin``) as ``method.response.header.Access-Control-Allow-Origin`` (true when the
header is ``required``), so the integration responses mapped headers no method response declared.
Here put_integration takes ``uri`` and ``integration_method`` as optional, as the API does; the
integration arguments read from a definition are upper-cased (type, httpMethod, passthroughBehavior);
an import without a description makes an API without one; and after moto's import each method
response the definition describes gets its headers, and a method without security the authorization
type NONE (moto left none).

Differs from AWS: only OpenAPI 3 is imported (moto refuses Swagger 2.0, which AWS imports); response
models from content schemas, request parameters, validators, authorizers and the other
``x-amazon-apigateway-*`` extensions are not; in merge mode moto adds a second resource for a path the
API already has instead of merging into it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

SEAMS = (
    ("moto.apigateway.models", "APIGatewayBackend", "put_integration"),
    ("moto.apigateway.models", "APIGatewayBackend", "_build_integration_args"),
    ("moto.apigateway.models", "APIGatewayBackend", "put_rest_api"),
    ("moto.apigateway.models", "APIGatewayBackend", "import_rest_api"),
    ("moto.apigateway.models", "APIGatewayBackend", "get_rest_api"),
    ("moto.apigateway.models", "Resource", "get_path"),
)

VERBS = {"get", "put", "post", "delete", "options", "head", "patch"}
_UPPER = ("integration_type", "integration_method", "passthrough_behavior")


def response_headers(response_doc: dict[str, Any]) -> dict[str, bool]:
    """The method response parameters AWS declares for one OpenAPI response: one per header."""
    headers = response_doc.get("headers") or {}
    return {f"method.response.header.{name}": bool((spec or {}).get("required")) for name, spec in headers.items()}


def declare_headers(api: Any, api_doc: dict[str, Any], before: set[str]) -> None:
    """Give each method response the definition describes the headers of its OpenAPI response (and each
    method an authorization type).

    The resources are those the import made (``before`` holds the ids the API had), else the first
    with the path.
    """
    by_path: dict[str, Any] = {}
    for resource_id, resource in api.resources.items():
        path = resource.get_path()
        if resource_id not in before or path not in by_path:
            by_path[path] = resource
    for path, path_doc in (api_doc.get("paths") or {}).items():
        resource = by_path.get(path)
        if resource is None:
            continue
        for verb, method_doc in (path_doc or {}).items():
            method = resource.resource_methods.get(verb.upper()) if verb.lower() in VERBS else None
            if method is None or not isinstance(method_doc, dict):
                continue
            method.authorization_type = method.authorization_type or "NONE"
            for status, response_doc in (method_doc.get("responses") or {}).items():
                declared = method.method_responses.get(str(status))
                headers = response_headers(response_doc or {})
                if declared is not None and headers:
                    declared.response_parameters = {**(declared.response_parameters or {}), **headers}


def _optional_uri(put_integration: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(put_integration)
    def wrapper(
        self: Any, function_id: str, resource_id: str, method_type: str, integration_type: str,
        uri: str | None = None, integration_method: str | None = None, **kwargs: Any,
    ) -> Any:
        return put_integration(self, function_id, resource_id, method_type, integration_type, uri, integration_method, **kwargs)

    wrapper.__mcredlab__ = True  # type: ignore[attr-defined]
    return wrapper


def _upper_case(build: Callable[[Any, dict[str, Any]], dict[str, Any]]) -> Callable[[Any, dict[str, Any]], dict[str, Any]]:
    @functools.wraps(build)
    def wrapper(self: Any, integration: dict[str, Any]) -> dict[str, Any]:
        args = build(self, integration)
        for name in _UPPER:
            if isinstance(args.get(name), str):
                args[name] = args[name].upper()
        return args

    return wrapper


def _with_headers(put_rest_api: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(put_rest_api)
    def wrapper(self: Any, function_id: str, api_doc: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        before = set(self.get_rest_api(function_id).resources)
        api = put_rest_api(self, function_id, api_doc, *args, **kwargs)
        declare_headers(api, api_doc, before)
        return api

    return wrapper


def _description_optional(import_rest_api: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(import_rest_api)
    def wrapper(self: Any, api_doc: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        info = api_doc.get("info")
        if isinstance(info, dict) and "description" not in info:
            api_doc = {**api_doc, "info": {**info, "description": None}}
        return import_rest_api(self, api_doc, *args, **kwargs)

    return wrapper


def install() -> None:
    from moto.apigateway.models import APIGatewayBackend

    if getattr(APIGatewayBackend.put_integration, "__mcredlab__", False):
        return
    APIGatewayBackend.put_integration = _optional_uri(APIGatewayBackend.put_integration)  # type: ignore[method-assign]
    APIGatewayBackend._build_integration_args = _upper_case(APIGatewayBackend._build_integration_args)  # type: ignore[method-assign]
    APIGatewayBackend.put_rest_api = _with_headers(APIGatewayBackend.put_rest_api)  # type: ignore[method-assign]
    APIGatewayBackend.import_rest_api = _description_optional(APIGatewayBackend.import_rest_api)  # type: ignore[method-assign]
