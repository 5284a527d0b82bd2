"""Amazon Bedrock guardrails: the control-plane lifecycle moto 5.2.5 does not have at all.

Adds CreateGuardrail, GetGuardrail (``DRAFT`` or a numbered version), ListGuardrails (every
guardrail's draft, or every version of one), UpdateGuardrail, DeleteGuardrail (the guardrail, or one
version) and CreateGuardrailVersion as methods of moto's ``BedrockResponse`` (the Bedrock services
route by operation, so a method is all a missing operation needs). Guardrails live in
:mod:`mcredlab.emulator.guardrail_store`, a moto ``BackendDict`` that ``/moto-api/reset`` empties.
Requests are validated against botocore's service model and AWS's documented rules, failing with
AWS's error codes (ValidationException, ConflictException for a taken name,
ResourceNotFoundException, ServiceQuotaExceededException, TooManyTagsException).

Tags: moto's Bedrock tagging (TagResource, UntagResource, ListTagsForResource) only accepts ARNs in
``BedrockBackend._list_arns``; here that list also holds the guardrails' ARNs, so guardrails share
moto's tag store. CreateGuardrail's ``tags`` go there too, and deleting a guardrail drops its tags.

Differs from AWS: a guardrail is READY at once (never CREATING/UPDATING/VERSIONING); a guardrail
used by an agent can still be deleted (no ResourceInUseException); KMS keys and guardrail profiles
are recorded, not checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto.bedrock.responses import BedrockResponse
    from moto.core.responses import ActionResult

    from mcredlab.emulator.guardrail_store import GuardrailBackend

SEAMS = (
    ("moto.bedrock.responses", "BedrockResponse", "bedrock_backend"),
    ("moto.bedrock.models", "BedrockBackend", "_list_arns"),
    ("moto.bedrock.models", "BedrockBackend", "tag_resource"),
    ("moto.bedrock.exceptions", "TooManyTagsException", None),
    ("moto.core.responses", "BaseResponse", "parse_parameters"),
    ("moto.core.responses", "BaseResponse", "_get_action"),
    ("moto.core.responses", "BaseResponse", "call_action"),
    ("moto.core.responses", "ActionResult", None),
    ("moto.core.exceptions", "ServiceException", None),
    ("moto.core.base_backend", "BackendDict", "reset"),
    ("moto.core.base_backend", "BaseBackend", "reset"),
    ("moto.moto_api._internal", "mock_random", "get_random_string"),
    ("moto.utilities.tagging_service", "TaggingService", "delete_all_tags_for_resource"),
    ("moto.moto_server.werkzeug_app", "DomainDispatcherApplication", "infer_service_region_host"),
)

MAX_TAGS = 50  # what moto's Bedrock tagging allows per resource
DEFAULT_PAGE = 100


def _parsed(response: BedrockResponse) -> dict[str, Any]:
    """The request's parameters, parsed by botocore's model of the operation."""
    response.parse_parameters(response.normalized_request)
    return dict(response.params)


def _request(response: BedrockResponse) -> dict[str, Any]:
    """The request's parameters, checked against the constraints of the service model."""
    from mcredlab.emulator import guardrail_store as store

    params = _parsed(response)
    store.raise_for(store.input_errors("bedrock", response._get_action(), params))
    return params


def _configuration(response: BedrockResponse) -> dict[str, Any]:
    """A CreateGuardrail or UpdateGuardrail request, checked by the model and by AWS's policy rules."""
    from mcredlab.emulator import guardrail_store as store

    params = _parsed(response)
    limits = store.definition_limits(params)
    store.raise_for(store.input_errors("bedrock", response._get_action(), params, limits) + store.policy_errors(params))
    return params


def _guardrails(response: BedrockResponse) -> GuardrailBackend:
    from mcredlab.emulator import guardrail_store as store

    return store.backend(response.current_account, response.region)


def _result(answer: dict[str, Any]) -> ActionResult:
    from moto.core.responses import ActionResult

    return ActionResult(answer)


def create_guardrail(self: BedrockResponse) -> ActionResult:
    from moto.bedrock.exceptions import TooManyTagsException

    params = _configuration(self)
    tags = params.get("tags") or []
    if len(tags) > MAX_TAGS:
        raise TooManyTagsException(f"Member must have length less than or equal to {MAX_TAGS}")
    guardrail, answer = _guardrails(self).create(params)
    if tags:
        self.bedrock_backend.tag_resource(guardrail.arn, tags)
    return _result(answer)


def get_guardrail(self: BedrockResponse) -> ActionResult:
    params = _request(self)
    guardrail = _guardrails(self).find(params["guardrailIdentifier"])
    return _result(guardrail.describe(params.get("guardrailVersion") or "DRAFT"))


def _page(entries: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    from mcredlab.emulator.guardrail_store import ValidationException

    token = str(params.get("nextToken") or "0")
    if not token.isdigit() or int(token) > len(entries):
        raise ValidationException("The provided pagination token is invalid.")
    start, size = int(token), int(params.get("maxResults") or DEFAULT_PAGE)
    answer: dict[str, Any] = {"guardrails": entries[start : start + size]}
    if start + size < len(entries):
        answer["nextToken"] = str(start + size)
    return answer


def list_guardrails(self: BedrockResponse) -> ActionResult:
    params = _request(self)
    return _result(_page(_guardrails(self).summaries(params.get("guardrailIdentifier")), params))


def update_guardrail(self: BedrockResponse) -> ActionResult:
    params = _configuration(self)
    return _result(_guardrails(self).update(params["guardrailIdentifier"], params))


def delete_guardrail(self: BedrockResponse) -> ActionResult:
    params = _request(self)
    gone = _guardrails(self).delete(params["guardrailIdentifier"], params.get("guardrailVersion"))
    if gone is not None:
        self.bedrock_backend.tagger.delete_all_tags_for_resource(gone.arn)
    return _result({})


def create_guardrail_version(self: BedrockResponse) -> ActionResult:
    params = _request(self)
    answer = _guardrails(self).create_version(params["guardrailIdentifier"], params.get("description"),
                                              params.get("clientRequestToken"))
    return _result(answer)


OPERATIONS = (create_guardrail, get_guardrail, list_guardrails, update_guardrail, delete_guardrail,
              create_guardrail_version)


def install() -> None:
    from moto.bedrock.models import BedrockBackend
    from moto.bedrock.responses import BedrockResponse

    for operation in OPERATIONS:
        setattr(BedrockResponse, operation.__name__, operation)

    moto_list_arns = BedrockBackend._list_arns

    def _list_arns(self: Any) -> list[str]:
        from mcredlab.emulator.guardrail_store import backend

        return [*moto_list_arns(self), *backend(self.account_id, self.region_name).arns()]

    BedrockBackend._list_arns = _list_arns  # type: ignore[method-assign]
