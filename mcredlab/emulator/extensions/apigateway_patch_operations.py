"""API Gateway's ``update-*`` operations for methods, integrations, their responses and resources.

moto 5.2.5 has no ``update_method``, ``update_method_response``, ``update_integration``,
``update_integration_response`` or ``update_resource``: each answered an HTML 500 (NotImplementedError)
and the CLI retried four times. ``aws apigateway update-method-response --patch-operations
op=add,path=/responseParameters/method.response.header.Access-Control-Allow-Origin,value=false`` is a
usual way to declare a CORS header, so a learner's valid step failed.

Here each is a method of moto's ``APIGatewayResponse`` applying AWS's patch operations to moto's own
model: ``add``/``replace`` set a map entry (``/responseParameters/<name>``, ``/responseTemplates/<type>``,
``/responseModels/<type>``, ``/requestParameters/<name>``, ``/requestTemplates/<type>``; ``~1`` stands
for ``/``) or a field (``/selectionPattern``, ``/contentHandling``, ``/uri``, ``/httpMethod``,
``/passthroughBehavior``, ``/timeoutInMillis``, ``/credentials``, ``/type``, ``/authorizationType``,
``/authorizerId``, ``/apiKeyRequired``, ``/operationName``, ``/requestValidatorId``, ``/pathPart``,
``/parentId``); ``remove`` deletes the entry or clears the field. A method response's parameter takes
``"true"``/``"false"`` as a boolean (required or not). The answer is the updated object as its ``get-*``
returns it. A deployed stage keeps serving its snapshot (extension ``apigateway_deployments``) until
the next deployment.

Still unlike AWS: ``copy``/``move`` and the ``/cacheKeyParameters`` and ``/authorizationScopes`` lists
are not supported (BadRequestException); values are not validated beyond their type (AWS checks, for
example, that an integration response's parameter maps to a declared method response header).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SEAMS = (
    ("moto.apigateway.responses", "APIGatewayResponse", "backend"),
    ("moto.apigateway.responses", "APIGatewayResponse", "_get_param"),
    ("moto.apigateway.models", "APIGatewayBackend", "get_method"),
    ("moto.apigateway.models", "APIGatewayBackend", "get_method_response"),
    ("moto.apigateway.models", "APIGatewayBackend", "get_integration"),
    ("moto.apigateway.models", "APIGatewayBackend", "get_integration_response"),
    ("moto.apigateway.models", "APIGatewayBackend", "get_resource"),
    ("moto.apigateway.models", "Method", "to_json"),
    ("moto.apigateway.models", "MethodResponse", "to_json"),
    ("moto.apigateway.models", "Integration", "to_json"),
    ("moto.apigateway.models", "IntegrationResponse", "to_json"),
    ("moto.apigateway.models", "Resource", "to_dict"),
    ("moto.apigateway.exceptions", "BadRequestException", None),
    ("moto.apigateway.exceptions", "NotFoundException", None),
)

# For each model: its maps and its fields, AWS's JSON name -> moto's attribute.
MAPS = {
    "MethodResponse": {"responseParameters": "response_parameters", "responseModels": "response_models"},
    "IntegrationResponse": {"responseParameters": "response_parameters", "responseTemplates": "response_templates"},
    "Integration": {"requestParameters": "request_parameters", "requestTemplates": "request_templates"},
    "Method": {"requestParameters": "request_parameters", "requestModels": "request_models"},
    "Resource": {},
}
FIELDS = {
    "MethodResponse": {},
    "IntegrationResponse": {"selectionPattern": "selection_pattern", "contentHandling": "content_handling"},
    "Integration": {"uri": "uri", "httpMethod": "http_method", "passthroughBehavior": "passthrough_behaviour",
                    "timeoutInMillis": "timeout_in_millis", "credentials": "credentials", "type": "integration_type",
                    "contentHandling": "content_handling", "connectionType": "connection_type",
                    "cacheNamespace": "cache_namespace"},
    "Method": {"authorizationType": "authorization_type", "authorizerId": "authorizer_id",
               "apiKeyRequired": "api_key_required", "operationName": "operation_name",
               "requestValidatorId": "request_validator_id"},
    "Resource": {"pathPart": "path_part", "parentId": "parent_id"},
}
BOOLEAN_MAPS = {("MethodResponse", "responseParameters"), ("Method", "requestParameters")}
BOOLEAN_FIELDS = {("Method", "apiKeyRequired")}


def _unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def _boolean(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def apply_patch(model: Any, kind: str, operations: list[Mapping[str, Any]]) -> None:
    """Apply AWS patch operations to a moto API Gateway model of ``kind`` (``MethodResponse``...)."""
    from moto.apigateway.exceptions import BadRequestException

    for operation in operations or []:
        op, path, value = str(operation.get("op", "")), str(operation.get("path", "")), operation.get("value")
        if op not in ("add", "replace", "remove"):
            raise BadRequestException(f"Invalid patch operation specified. Must be 'add'|'remove'|'replace', not {op!r}")
        head, _, rest = path.lstrip("/").partition("/")
        if head in MAPS[kind] and rest:
            attribute, key = MAPS[kind][head], _unescape(rest)
            entries = dict(getattr(model, attribute, None) or {})
            if op == "remove":
                entries.pop(key, None)
            else:
                entries[key] = _boolean(value) if (kind, head) in BOOLEAN_MAPS else ("" if value is None else value)
            setattr(model, attribute, entries)
        elif head in FIELDS[kind] and not rest:
            attribute = FIELDS[kind][head]
            if op == "remove":
                setattr(model, attribute, None)
            else:
                setattr(model, attribute, _boolean(value) if (kind, head) in BOOLEAN_FIELDS else value)
        else:
            raise BadRequestException(f"Invalid patch path '{path}' specified for op '{op}'. Must be one of: "
                                      + ", ".join(f"/{name}" for name in (*FIELDS[kind], *MAPS[kind])))


def install() -> None:
    from moto.apigateway.exceptions import NotFoundException
    from moto.apigateway.responses import APIGatewayResponse

    def parts(self: Any) -> list[str]:
        return str(self.path).split("/")

    def operations(self: Any) -> list[Mapping[str, Any]]:
        return list(self._get_param("patchOperations") or [])

    def update_method_response(self: Any) -> str:
        p = parts(self)
        response = self.backend.get_method_response(p[2], p[4], p[6], p[8])
        if response is None:
            raise NotFoundException("Invalid Response status code specified")
        apply_patch(response, "MethodResponse", operations(self))
        return json.dumps(response.to_json())

    def update_integration_response(self: Any) -> str:
        p = parts(self)
        response = self.backend.get_integration_response(p[2], p[4], p[6], p[9])
        apply_patch(response, "IntegrationResponse", operations(self))
        return json.dumps(response.to_json())

    def update_integration(self: Any) -> str:
        p = parts(self)
        integration = self.backend.get_integration(p[2], p[4], p[6])
        if integration is None:
            raise NotFoundException("Invalid Integration identifier specified")
        apply_patch(integration, "Integration", operations(self))
        return json.dumps(integration.to_json())

    def update_method(self: Any) -> str:
        p = parts(self)
        method = self.backend.get_method(p[2], p[4], p[6])
        apply_patch(method, "Method", operations(self))
        return json.dumps(method.to_json())

    def update_resource(self: Any) -> str:
        p = parts(self)
        resource = self.backend.get_resource(p[2], p[4])
        apply_patch(resource, "Resource", operations(self))
        return json.dumps(resource.to_dict())

    for handler in (update_method_response, update_integration_response, update_integration, update_method,
                    update_resource):
        if not hasattr(APIGatewayResponse, handler.__name__):  # a moto that implements it keeps its own
            setattr(APIGatewayResponse, handler.__name__, handler)
