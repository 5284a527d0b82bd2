"""Amazon Bedrock guardrails on the emulator (extension bedrock_guardrails): the whole lifecycle, versions,
tags, AWS's validation and error codes, reset, and the real AWS CLI, against the real emulator process."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mcredlab import emulator
from mcredlab.target import Target, resolve

BLOCKED_IN = "Sorry, I can't help with that request."
BLOCKED_OUT = "Sorry, the answer was withheld."
TOPIC = {"name": "Investment advice", "definition": "Recommendations about investing money in stocks or funds.",
         "examples": ["Which stocks should I buy?"], "type": "DENY"}


def guardrail_request(name: str = "support-guardrail", **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "name": name,
        "description": "Keeps the support bot on topic",
        "blockedInputMessaging": BLOCKED_IN,
        "blockedOutputsMessaging": BLOCKED_OUT,
        "topicPolicyConfig": {"topicsConfig": [TOPIC]},
        "contentPolicyConfig": {"filtersConfig": [
            {"type": "VIOLENCE", "inputStrength": "HIGH", "outputStrength": "HIGH"},
            {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"},
        ]},
        "wordPolicyConfig": {"wordsConfig": [{"text": "competitor"}], "managedWordListsConfig": [{"type": "PROFANITY"}]},
        "sensitiveInformationPolicyConfig": {
            "piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}, {"type": "PHONE", "action": "ANONYMIZE"}],
            "regexesConfig": [{"name": "booking", "pattern": r"BK-\d{6}", "action": "ANONYMIZE"}],
        },
    }
    return request | extra


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


@pytest.fixture
def bedrock(target: Target) -> Any:
    """A Bedrock client of an emptied emulator."""
    return target.aws().client("bedrock")


@pytest.fixture(scope="module")
def shared_bedrock(emulator_info: emulator.EmulatorInfo) -> Any:
    """A Bedrock client of an emulator emptied once for the module: for tests that need no empty emulator
    (each creates its guardrails under new names)."""
    emulator.reset(emulator_info)
    return resolve("emulator").aws().client("bedrock")


def unique(prefix: str = "guardrail") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def names(bedrock: Any) -> list[str]:
    return [g["name"] for g in bedrock.list_guardrails(maxResults=1000)["guardrails"]]


# -- lifecycle -------------------------------------------------------------------------------------


def test_create_then_get_the_draft_as_aws_answers(shared_bedrock: Any) -> None:
    bedrock, name = shared_bedrock, unique()
    created = bedrock.create_guardrail(**guardrail_request(name))
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert created["version"] == "DRAFT"
    assert created["guardrailArn"] == f"arn:aws:bedrock:us-east-1:123456789012:guardrail/{created['guardrailId']}"

    got = bedrock.get_guardrail(guardrailIdentifier=created["guardrailId"])
    assert (got["name"], got["version"], got["status"]) == (name, "DRAFT", "READY")
    assert got["description"] == "Keeps the support bot on topic"
    assert (got["blockedInputMessaging"], got["blockedOutputsMessaging"]) == (BLOCKED_IN, BLOCKED_OUT)
    topic = got["topicPolicy"]["topics"][0]
    assert topic | {} == TOPIC | {"inputAction": "BLOCK", "outputAction": "BLOCK", "inputEnabled": True,
                                  "outputEnabled": True}
    assert got["topicPolicy"]["tier"] == {"tierName": "CLASSIC"}
    assert [f["type"] for f in got["contentPolicy"]["filters"]] == ["VIOLENCE", "PROMPT_ATTACK"]
    assert got["contentPolicy"]["filters"][0]["inputModalities"] == ["TEXT"]
    assert got["wordPolicy"]["words"][0]["text"] == "competitor"
    assert got["wordPolicy"]["managedWordLists"][0]["type"] == "PROFANITY"
    pii = got["sensitiveInformationPolicy"]["piiEntities"]
    assert [(p["type"], p["action"], p["inputAction"]) for p in pii] == [("EMAIL", "ANONYMIZE", "ANONYMIZE"),
                                                                       ("PHONE", "ANONYMIZE", "ANONYMIZE")]
    assert got["sensitiveInformationPolicy"]["regexes"][0]["pattern"] == r"BK-\d{6}"
    assert got["createdAt"] == got["updatedAt"]
    assert bedrock.get_guardrail(guardrailIdentifier=created["guardrailArn"])["guardrailId"] == created["guardrailId"]


def test_update_replaces_the_draft_and_versions_keep_their_snapshot(shared_bedrock: Any) -> None:
    bedrock, name, new_name = shared_bedrock, unique(), unique("renamed")
    gid = bedrock.create_guardrail(**guardrail_request(name))["guardrailId"]
    assert bedrock.create_guardrail_version(guardrailIdentifier=gid, description="first")["version"] == "1"

    updated = bedrock.update_guardrail(guardrailIdentifier=gid, name=new_name,
                                       blockedInputMessaging="No.", blockedOutputsMessaging="No!",
                                       wordPolicyConfig={"managedWordListsConfig": [{"type": "PROFANITY"}]})
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (updated["guardrailId"], updated["version"]) == (gid, "DRAFT")

    draft = bedrock.get_guardrail(guardrailIdentifier=gid, guardrailVersion="DRAFT")
    assert draft["name"] == new_name
    assert "topicPolicy" not in draft and "sensitiveInformationPolicy" not in draft  # left out = removed
    assert draft["updatedAt"] >= draft["createdAt"]
    first = bedrock.get_guardrail(guardrailIdentifier=gid, guardrailVersion="1")
    assert (first["version"], first["name"], first["description"]) == ("1", name, "first")
    assert first["topicPolicy"]["topics"][0]["name"] == TOPIC["name"]


def test_list_guardrails_gives_drafts_or_the_versions_of_one(bedrock: Any) -> None:
    first = bedrock.create_guardrail(**guardrail_request("first"))["guardrailId"]
    second = bedrock.create_guardrail(**guardrail_request("second"))["guardrailId"]
    bedrock.create_guardrail_version(guardrailIdentifier=first)
    bedrock.create_guardrail_version(guardrailIdentifier=first, description="again")

    everything = bedrock.list_guardrails()["guardrails"]
    assert [(g["id"], g["name"], g["version"]) for g in everything] == [(first, "first", "DRAFT"),
                                                                        (second, "second", "DRAFT")]
    assert everything[0]["status"] == "READY" and everything[0]["arn"].endswith(f"guardrail/{first}")
    versions = bedrock.list_guardrails(guardrailIdentifier=first)["guardrails"]
    assert [v["version"] for v in versions] == ["DRAFT", "1", "2"]
    assert versions[2]["description"] == "again"


def test_list_guardrails_pages(bedrock: Any) -> None:
    for name in ("a", "b", "c"):
        bedrock.create_guardrail(**guardrail_request(name))
    page = bedrock.list_guardrails(maxResults=2)
    assert [g["name"] for g in page["guardrails"]] == ["a", "b"]
    rest = bedrock.list_guardrails(maxResults=2, nextToken=page["nextToken"])
    assert [g["name"] for g in rest["guardrails"]] == ["c"] and "nextToken" not in rest
    with pytest.raises(ClientError) as error:
        bedrock.list_guardrails(nextToken="not-a-token")
    assert error_code(error) == "ValidationException"


def test_delete_a_version_then_the_guardrail(shared_bedrock: Any) -> None:
    bedrock, name = shared_bedrock, unique()
    gid = bedrock.create_guardrail(**guardrail_request(name))["guardrailId"]
    for _ in range(2):
        bedrock.create_guardrail_version(guardrailIdentifier=gid)
    assert bedrock.delete_guardrail(guardrailIdentifier=gid, guardrailVersion="1")["ResponseMetadata"][
        "HTTPStatusCode"] == 202
    assert [v["version"] for v in bedrock.list_guardrails(guardrailIdentifier=gid)["guardrails"]] == ["DRAFT", "2"]
    with pytest.raises(ClientError) as error:
        bedrock.get_guardrail(guardrailIdentifier=gid, guardrailVersion="1")
    assert error_code(error) == "ResourceNotFoundException"
    assert bedrock.create_guardrail_version(guardrailIdentifier=gid)["version"] == "3"  # numbers are not reused

    bedrock.delete_guardrail(guardrailIdentifier=gid)
    assert name not in names(bedrock)
    with pytest.raises(ClientError) as error:
        bedrock.get_guardrail(guardrailIdentifier=gid)
    assert error_code(error) == "ResourceNotFoundException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_a_client_token_makes_create_idempotent(shared_bedrock: Any) -> None:
    bedrock, name, token = shared_bedrock, unique(), unique("token")
    first = bedrock.create_guardrail(**guardrail_request(name), clientRequestToken=token)
    again = bedrock.create_guardrail(**guardrail_request(name), clientRequestToken=token)
    assert again["guardrailId"] == first["guardrailId"]
    assert names(bedrock).count(name) == 1
    with pytest.raises(ClientError) as error:
        bedrock.create_guardrail(**guardrail_request(unique()), clientRequestToken=token)
    assert error_code(error) == "ConflictException"


def test_reset_forgets_guardrails(fresh_emulator: emulator.EmulatorInfo, bedrock: Any) -> None:
    bedrock.create_guardrail(**guardrail_request())
    emulator.reset(fresh_emulator)
    assert bedrock.list_guardrails()["guardrails"] == []
    bedrock.create_guardrail(**guardrail_request())  # the name is free again


# -- tags ------------------------------------------------------------------------------------------


def test_guardrails_are_tagged_like_other_bedrock_resources(shared_bedrock: Any) -> None:
    bedrock = shared_bedrock
    arn = bedrock.create_guardrail(**guardrail_request(unique()), tags=[{"key": "team", "value": "support"}])[
        "guardrailArn"]
    assert bedrock.list_tags_for_resource(resourceARN=arn)["tags"] == [{"key": "team", "value": "support"}]
    bedrock.tag_resource(resourceARN=arn, tags=[{"key": "stage", "value": "dev"}])
    bedrock.untag_resource(resourceARN=arn, tagKeys=["team"])
    assert bedrock.list_tags_for_resource(resourceARN=arn)["tags"] == [{"key": "stage", "value": "dev"}]

    bedrock.delete_guardrail(guardrailIdentifier=arn)
    with pytest.raises(ClientError) as error:
        bedrock.list_tags_for_resource(resourceARN=arn)
    assert error_code(error) == "ResourceNotFoundException"


def test_too_many_tags(shared_bedrock: Any) -> None:
    tags = [{"key": f"k{i}", "value": "v"} for i in range(51)]
    with pytest.raises(ClientError) as error:
        shared_bedrock.create_guardrail(**guardrail_request("never-tagged"), tags=tags)
    assert error_code(error) == "TooManyTagsException"
    assert "never-tagged" not in names(shared_bedrock)


# -- errors ----------------------------------------------------------------------------------------


def test_a_taken_name_is_a_conflict(shared_bedrock: Any) -> None:
    bedrock, taken = shared_bedrock, unique("taken")
    bedrock.create_guardrail(**guardrail_request(taken))
    other = bedrock.create_guardrail(**guardrail_request(unique("free")))["guardrailId"]
    with pytest.raises(ClientError) as error:
        bedrock.create_guardrail(**guardrail_request(taken))
    assert error_code(error) == "ConflictException"
    with pytest.raises(ClientError) as error:
        bedrock.update_guardrail(guardrailIdentifier=other, **guardrail_request(taken))
    assert error_code(error) == "ConflictException"


def _content(*filters: dict[str, str]) -> dict[str, Any]:
    return {"contentPolicyConfig": {"filtersConfig": list(filters)}}


def _topics(*topics: dict[str, Any], tier: str | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"topicsConfig": list(topics)}
    if tier:
        config["tierConfig"] = {"tierName": tier}
    return {"topicPolicyConfig": config}


INVALID = {
    "name pattern": {"name": "has spaces!"},
    "name too long": {"name": "n" * 51},
    "description too long": {"description": "d" * 201},
    "blocked message too long": {"blockedInputMessaging": "m" * 501},
    "filter strength not in the enum": _content({"type": "HATE", "inputStrength": "EXTREME", "outputStrength": "LOW"}),
    "filter type not in the enum": _content({"type": "RUDENESS", "inputStrength": "LOW", "outputStrength": "LOW"}),
    "prompt attack on output": _content({"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "LOW"}),
    "duplicate filter type": _content({"type": "HATE", "inputStrength": "LOW", "outputStrength": "LOW"},
                                      {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}),
    "topic definition over 200 (classic)": _topics(TOPIC | {"definition": "x" * 201}),
    "topic type not DENY": _topics(TOPIC | {"type": "ALLOW"}),
    "topic name pattern": _topics(TOPIC | {"name": "money/advice"}),
    "six topic examples": _topics(TOPIC | {"examples": [f"example {i}" for i in range(6)]}),
    "31 topics": _topics(*[TOPIC | {"name": f"topic {i}"} for i in range(31)]),
    "duplicate topic names": _topics(TOPIC, TOPIC | {"definition": "Another definition."}),
    "standard tier without cross-Region": _topics(TOPIC, tier="STANDARD"),
    "PII type not in the enum": {"sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [{"type": "SHOE_SIZE", "action": "BLOCK"}]}},
    "PII action not in the enum": {"sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [{"type": "EMAIL", "action": "REDACT"}]}},
    "duplicate PII type": {"sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [{"type": "EMAIL", "action": "BLOCK"}, {"type": "EMAIL", "action": "ANONYMIZE"}]}},
    "regex that does not compile": {"sensitiveInformationPolicyConfig": {
        "regexesConfig": [{"name": "broken", "pattern": "([a-z]", "action": "BLOCK"}]}},
    "managed word list type": {"wordPolicyConfig": {"managedWordListsConfig": [{"type": "SLANG"}]}},
    "word over 100 characters": {"wordPolicyConfig": {"wordsConfig": [{"text": "w" * 101}]}},
    "grounding threshold 1": {"contextualGroundingPolicyConfig": {
        "filtersConfig": [{"type": "GROUNDING", "threshold": 1.0}]}},
}


@pytest.mark.parametrize("change", INVALID.values(), ids=INVALID.keys())
def test_invalid_configuration_is_a_validation_exception(shared_bedrock: Any, change: dict[str, Any]) -> None:
    request = guardrail_request("never-created") | change
    with pytest.raises(ClientError) as error:
        shared_bedrock.create_guardrail(**request)
    assert error_code(error) == "ValidationException"
    assert request["name"] not in names(shared_bedrock)


def test_validation_message_names_the_member_and_the_constraint(shared_bedrock: Any) -> None:
    with pytest.raises(ClientError) as error:
        shared_bedrock.create_guardrail(**guardrail_request(**_topics(TOPIC | {"definition": "x" * 201})))
    assert error.value.response["Error"]["Message"] == (
        "1 validation error detected: Value at 'topicPolicyConfig.topicsConfig.1.member.definition' failed to "
        "satisfy constraint: Member must have length less than or equal to 200")


def test_standard_tier_allows_long_definitions_with_a_guardrail_profile(shared_bedrock: Any) -> None:
    bedrock = shared_bedrock
    request = guardrail_request(unique(), **_topics(TOPIC | {"definition": "x" * 1000}, tier="STANDARD"),
                                crossRegionConfig={"guardrailProfileIdentifier": "us.guardrail.v1:0"})
    gid = bedrock.create_guardrail(**request)["guardrailId"]
    got = bedrock.get_guardrail(guardrailIdentifier=gid)
    assert got["topicPolicy"]["tier"] == {"tierName": "STANDARD"}
    assert got["crossRegionDetails"] == {
        "guardrailProfileId": "us.guardrail.v1:0",
        "guardrailProfileArn": "arn:aws:bedrock:us-east-1:123456789012:guardrail-profile/us.guardrail.v1:0"}


def test_unknown_guardrails_and_versions_are_not_found(shared_bedrock: Any) -> None:
    bedrock = shared_bedrock
    gid = bedrock.create_guardrail(**guardrail_request(unique()))["guardrailId"]
    calls: list[Callable[[], Any]] = [
        lambda: bedrock.get_guardrail(guardrailIdentifier="abcdef123456"),
        lambda: bedrock.get_guardrail(guardrailIdentifier=gid, guardrailVersion="4"),
        lambda: bedrock.get_guardrail(guardrailIdentifier="arn:aws:bedrock:eu-west-1:123456789012:guardrail/" + gid),
        lambda: bedrock.update_guardrail(guardrailIdentifier="abcdef123456", **guardrail_request("x")),
        lambda: bedrock.create_guardrail_version(guardrailIdentifier="abcdef123456"),
        lambda: bedrock.delete_guardrail(guardrailIdentifier=gid, guardrailVersion="9"),
        lambda: bedrock.list_guardrails(guardrailIdentifier="abcdef123456"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as error:
            call()
        assert error_code(error) == "ResourceNotFoundException"


def test_malformed_identifiers_and_versions_are_validation_errors(shared_bedrock: Any) -> None:
    bedrock = shared_bedrock
    gid = bedrock.create_guardrail(**guardrail_request(unique()))["guardrailId"]
    calls: list[Callable[[], Any]] = [
        lambda: bedrock.get_guardrail(guardrailIdentifier=gid, guardrailVersion="latest"),
        lambda: bedrock.delete_guardrail(guardrailIdentifier=gid, guardrailVersion="DRAFT"),
        lambda: bedrock.get_guardrail(guardrailIdentifier="Not_An_Id"),
        lambda: bedrock.list_guardrails(maxResults=1001),
    ]
    for call in calls:
        with pytest.raises(ClientError) as error:
            call()
        assert error_code(error) == "ValidationException"


def test_a_guardrail_has_at_most_twenty_versions(shared_bedrock: Any) -> None:
    bedrock = shared_bedrock
    gid = bedrock.create_guardrail(**guardrail_request(unique()))["guardrailId"]
    for _ in range(20):
        bedrock.create_guardrail_version(guardrailIdentifier=gid)
    with pytest.raises(ClientError) as error:
        bedrock.create_guardrail_version(guardrailIdentifier=gid)
    assert error_code(error) == "ServiceQuotaExceededException"


# -- the real AWS CLI ------------------------------------------------------------------------------


def aws_cli(target: Target, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["aws", *args, "--output", "json"], env={**os.environ, **target.environ()},
                          capture_output=True, text=True, timeout=60, check=False)


def test_aws_cli_creates_gets_and_lists_a_guardrail(target: Target) -> None:
    pii = json.dumps({"piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]})
    created = aws_cli(target, "bedrock", "create-guardrail", "--name", "cli-guardrail",
                      "--blocked-input-messaging", BLOCKED_IN, "--blocked-outputs-messaging", BLOCKED_OUT,
                      "--sensitive-information-policy-config", pii)
    assert created.returncode == 0, created.stderr
    gid = json.loads(created.stdout)["guardrailId"]
    got = json.loads(aws_cli(target, "bedrock", "get-guardrail", "--guardrail-identifier", gid).stdout)
    assert got["sensitiveInformationPolicy"]["piiEntities"][0]["type"] == "EMAIL"
    listed = json.loads(aws_cli(target, "bedrock", "list-guardrails").stdout)
    assert [g["name"] for g in listed["guardrails"]] == ["cli-guardrail"]

    again = aws_cli(target, "bedrock", "create-guardrail", "--name", "cli-guardrail",
                    "--blocked-input-messaging", "x", "--blocked-outputs-messaging", "y")
    assert again.returncode != 0 and "ConflictException" in again.stderr
