"""CloudFormation's ``AWS::ApiGateway::Method`` builds the whole method, as on AWS, and keeps it with its stack.

moto 5.2.5 reads a template's method for its verb, authorization type, API key flag and the
integration's ``Type``, ``Uri`` and ``IntegrationHttpMethod``, the last two unconditionally: a MOCK
integration (it has neither; a CORS preflight is one) crashed the template with KeyError and
``aws cloudformation deploy`` got a raw 500. Everything else (``RequestTemplates``,
``IntegrationResponses``, ``MethodResponses``, request parameters and models, the authorizer) was
dropped, and a stack update or deletion left the method as it was. Here the method is built as the
API calls build it: put_method, put_method_response per ``MethodResponses`` entry, put_integration
and put_integration_response per ``IntegrationResponses`` entry (a status code written as a number is
the string AWS stores, ``AuthorizationType`` defaults to NONE). As AWS's PutMethod does, a verb the
resource already has is refused with ConflictException "Method already exists for this resource" (a
stack cannot take over a method made outside it). An update rebuilds the method in its declared
state (moved to another API, resource or verb: the old one is deleted); deleting the resource, or its
stack, deletes the method.

Differs from AWS: a method API Gateway refuses fails the CloudFormation call itself (a ValidationError
carrying API Gateway's message, where moto's JSON error was unreadable to the CLI) instead of a
CREATE_FAILED event and a rollback; ``CacheKeyParameters`` and ``ConnectionId`` are ignored; ``Ref``
gives no id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SEAMS = (
    ("moto.apigateway.models", "Method", "create_from_cloudformation_json"),
    ("moto.apigateway.models", "Method", "update_from_cloudformation_json"),
    ("moto.apigateway.models", "apigateway_backends", None),
    ("moto.apigateway.models", "APIGatewayBackend", "get_resource"),
    ("moto.apigateway.models", "APIGatewayBackend", "put_method"),
    ("moto.apigateway.models", "APIGatewayBackend", "put_method_response"),
    ("moto.apigateway.models", "APIGatewayBackend", "put_integration"),
    ("moto.apigateway.models", "APIGatewayBackend", "put_integration_response"),
    ("moto.apigateway.models", "APIGatewayBackend", "delete_method"),
    ("moto.apigateway.exceptions", "ConflictException", None),
    ("moto.apigateway.exceptions", "NotFoundException", None),
    ("moto.apigateway.exceptions", "ApiGatewayException", None),
    ("moto.cloudformation.exceptions", "ValidationError", None),
)

_WHERE = "_mcredlab_cfn_method"  # (api id, resource id, verb); private: data.json skips "_" names


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _flags(values: dict[str, Any] | None) -> dict[str, bool] | None:
    """A template's ``{parameter: true}`` map (booleans possibly written as strings) as the API takes it."""
    return None if values is None else {key: _flag(value) for key, value in values.items()}


def build(backend: Any, properties: dict[str, Any]) -> Any:
    """Create the method a template declares, with its responses and integration; refuse an existing one."""
    from moto.apigateway.exceptions import ConflictException

    api_id, resource_id = str(properties["RestApiId"]), str(properties["ResourceId"])
    verb = str(properties["HttpMethod"]).upper()
    if verb in backend.get_resource(api_id, resource_id).resource_methods:
        raise ConflictException("Method already exists for this resource")
    method = backend.put_method(
        api_id, resource_id, verb, properties.get("AuthorizationType") or "NONE",
        api_key_required=_flag(properties.get("ApiKeyRequired")),
        request_parameters=_flags(properties.get("RequestParameters")),
        request_models=properties.get("RequestModels"),
        operation_name=properties.get("OperationName"),
        authorizer_id=properties.get("AuthorizerId"),
        authorization_scopes=properties.get("AuthorizationScopes"),
        request_validator_id=properties.get("RequestValidatorId"),
    )
    setattr(method, _WHERE, (api_id, resource_id, verb))
    for response in properties.get("MethodResponses") or []:
        backend.put_method_response(
            api_id, resource_id, verb, str(response["StatusCode"]),
            response_models=response.get("ResponseModels"),
            response_parameters=_flags(response.get("ResponseParameters")),
        )
    integration = properties.get("Integration")
    if integration:
        backend.put_integration(
            api_id, resource_id, verb, str(integration["Type"]).upper(), integration.get("Uri"),
            integration.get("IntegrationHttpMethod"),
            credentials=integration.get("Credentials"),
            request_templates=integration.get("RequestTemplates"),
            passthrough_behavior=integration.get("PassthroughBehavior"),
            cache_namespace=integration.get("CacheNamespace"),
            timeout_in_millis=integration.get("TimeoutInMillis"),
            request_parameters=integration.get("RequestParameters"),
            content_handling=integration.get("ContentHandling"),
            connection_type=integration.get("ConnectionType"),
        )
        for response in integration.get("IntegrationResponses") or []:
            backend.put_integration_response(
                api_id, resource_id, verb, str(response["StatusCode"]), response.get("SelectionPattern"),
                response.get("ResponseTemplates"), response.get("ResponseParameters"),
                content_handling=response.get("ContentHandling"),
            )
    return method


def remove(backend: Any, method: Any) -> None:
    """Delete a method a stack made; one whose API or resource is gone already counts as deleted."""
    from moto.apigateway.exceptions import NotFoundException

    where = getattr(method, _WHERE, None)
    if where is None:
        return  # not made by a stack
    try:
        backend.delete_method(*where)
    except NotFoundException:
        pass


def _refused(build_method: Callable[[], Any], logical_id: str) -> Any:
    """Build, turning API Gateway's refusal (a JSON error the CLI cannot read from CloudFormation) into CloudFormation's."""
    from moto.apigateway.exceptions import ApiGatewayException
    from moto.cloudformation.exceptions import ValidationError

    try:
        return build_method()
    except ApiGatewayException as error:
        raise ValidationError(message=(
            f'Resource handler returned message: "{error.message}" (Service: ApiGateway, Status Code: {error.code}) '
            f"for resource {logical_id}"
        )) from error


def install() -> None:
    from moto.apigateway.models import Method, apigateway_backends

    if getattr(Method.create_from_cloudformation_json, "__mcredlab__", False):
        return

    def create_from_cloudformation_json(
        cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> Any:
        backend = apigateway_backends[account_id][region_name]
        return _refused(lambda: build(backend, cloudformation_json["Properties"]), kwargs.get("LogicalId", resource_name))

    def update_from_cloudformation_json(
        cls: type, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> Any:
        backend = apigateway_backends[account_id][region_name]
        remove(backend, original_resource)
        return _refused(lambda: build(backend, cloudformation_json["Properties"]), new_resource_name)

    def delete(self: Any, account_id: str, region_name: str) -> None:
        remove(apigateway_backends[account_id][region_name], self)

    create_from_cloudformation_json.__mcredlab__ = True  # type: ignore[attr-defined]
    Method.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[assignment,method-assign]
    Method.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[assignment,method-assign]
    Method.delete = delete  # type: ignore[attr-defined]  # what moto's stack deletion calls first
