"""The emulator answers like AWS where moto 5.2.5 alone does not: each test drives the real emulator process.

One test module per fidelity extension in ``mcredlab/emulator/extensions`` would scatter them; they
live here together, each section naming the extension it proves. At least one call per section goes
through the real ``aws`` CLI, as a learner's terminal would.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest

from mcredlab.emulator import EmulatorInfo
from mcredlab.target import Target
from tests.conftest import emulator_state

AWS_CLI = shutil.which("aws")


def aws_cli(target: Target, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``aws`` CLI against the emulator, with a learner's environment for ``target``."""
    if AWS_CLI is None:
        pytest.fail("the aws CLI is not installed (it is a dependency of mcredlab)")
    full_env = {**os.environ, **target.environ(), **(env or {})}
    command = [AWS_CLI, *args, "--output", "json"]
    return subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=120, check=False)


def cli_json(target: Target, *args: str, env: dict[str, str] | None = None) -> Any:
    done = aws_cli(target, *args, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --- cloudfront_origin_fields ------------------------------------------------------------------------------------

S3_DOMAIN = "site-bucket.s3.us-east-1.amazonaws.com"


def _distribution_config(oac_id: str) -> dict[str, Any]:
    return {
        "CallerReference": "fidelity",
        "Comment": "",
        "Enabled": True,
        "Origins": {
            "Quantity": 2,
            "Items": [
                {"Id": "s3", "DomainName": S3_DOMAIN, "S3OriginConfig": {"OriginAccessIdentity": ""},
                 "OriginAccessControlId": oac_id},
                {"Id": "web", "DomainName": "example.com",
                 "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}},
            ],
        },
        "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
    }


def _origins(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {origin["Id"]: origin for origin in config["Origins"]["Items"]}


def _assert_origin_fields(config: dict[str, Any], oac_id: str) -> None:
    origins = _origins(config)
    assert origins["s3"]["OriginAccessControlId"] == oac_id
    assert origins["s3"]["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert origins["web"]["OriginAccessControlId"] == ""  # AWS reports an empty id, not a missing field
    assert "S3OriginConfig" not in origins["web"]


def test_cloudfront_keeps_origin_access_control_id(target: Target, fresh_emulator: EmulatorInfo) -> None:
    cloudfront = target.aws().client("cloudfront")
    oac_id = cloudfront.create_origin_access_control(OriginAccessControlConfig={
        "Name": "site", "SigningProtocol": "sigv4", "SigningBehavior": "always", "OriginAccessControlOriginType": "s3",
    })["OriginAccessControl"]["Id"]
    created = cloudfront.create_distribution(DistributionConfig=_distribution_config(oac_id))["Distribution"]
    _assert_origin_fields(created["DistributionConfig"], oac_id)
    dist_id = created["Id"]

    _assert_origin_fields(cloudfront.get_distribution(Id=dist_id)["Distribution"]["DistributionConfig"], oac_id)
    got = cloudfront.get_distribution_config(Id=dist_id)
    _assert_origin_fields(got["DistributionConfig"], oac_id)
    _assert_origin_fields(cloudfront.list_distributions()["DistributionList"]["Items"][0], oac_id)

    # What get_distribution_config returns can be sent back unchanged, as a console edit does.
    config = got["DistributionConfig"]
    config["Comment"] = "edited"
    updated = cloudfront.update_distribution(Id=dist_id, IfMatch=got["ETag"], DistributionConfig=config)
    _assert_origin_fields(updated["Distribution"]["DistributionConfig"], oac_id)

    # The AWS CLI sees the same, and the emulator's state dump still answers.
    from_cli = cli_json(target, "cloudfront", "get-distribution-config", "--id", dist_id)
    _assert_origin_fields(from_cli["DistributionConfig"], oac_id)
    assert emulator_state(fresh_emulator)


# --- codebuild_codepipeline_project -------------------------------------------------------------------------------

BUILD_ENVIRONMENT = {
    "type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL",
}


def _service_role(target: Target) -> str:
    return f"arn:aws:iam::{target.aws().account_id}:role/codebuild-service"


def test_codebuild_accepts_a_codepipeline_project(target: Target) -> None:
    codebuild = target.aws().client("codebuild")
    created = codebuild.create_project(
        name="site-build",
        source={"type": "CODEPIPELINE", "buildspec": "buildspec.yml"},
        artifacts={"type": "CODEPIPELINE"},
        environment=BUILD_ENVIRONMENT,
        serviceRole=_service_role(target),
    )["project"]
    stored = codebuild.batch_get_projects(names=["site-build"])["projects"][0]
    for project in (created, stored):
        assert project["source"] == {"type": "CODEPIPELINE", "buildspec": "buildspec.yml", "insecureSsl": False}
        assert project["artifacts"] == {"type": "CODEPIPELINE", "name": "site-build", "packaging": "NONE",
                                        "encryptionDisabled": False}


def test_codebuild_codepipeline_project_through_the_cli_keeps_given_values(target: Target) -> None:
    project = cli_json(
        target, "codebuild", "create-project", "--name", "cli-build",
        "--source", json.dumps({"type": "CODEPIPELINE"}),
        "--artifacts", json.dumps({"type": "CODEPIPELINE", "name": "BuildOutput", "packaging": "ZIP"}),
        "--environment", json.dumps(BUILD_ENVIRONMENT),
        "--service-role", _service_role(target),
    )["project"]
    assert project["artifacts"] == {"type": "CODEPIPELINE", "name": "BuildOutput", "packaging": "ZIP",
                                     "encryptionDisabled": False}
    assert "location" not in project["source"]


def test_codebuild_still_requires_a_location_for_s3(target: Target) -> None:
    codebuild = target.aws().client("codebuild")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        codebuild.create_project(name="no-location", source={"type": "S3"}, artifacts={"type": "NO_ARTIFACTS"},
                                 environment=BUILD_ENVIRONMENT, serviceRole=_service_role(target))
    assert caught.value.response["Error"]["Code"] == "InvalidInputException"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        codebuild.create_project(name="no-location", source={"type": "CODEPIPELINE"}, artifacts={"type": "S3"},
                                 environment=BUILD_ENVIRONMENT, serviceRole=_service_role(target))
    assert caught.value.response["Error"]["Code"] == "InvalidInputException"


# --- iam_bodyless_signature and iam_json_auth_errors ------------------------------------------------------------
# moto counts requests: while fewer than INITIAL_NO_AUTH_ACTION_COUNT have been made (infinite by default) none is
# checked. ``POST /moto-api/reset-auth`` with a number sets that count, zeroes the counter and answers the previous
# count, which the fixture puts back, so no other test runs under enforcement.

def _reset_auth(target: Target, count: str) -> str:
    request = urllib.request.Request(f"{target.endpoint_url}/moto-api/reset-auth", data=count.encode(), method="POST",
                                     headers={"Content-Type": "text/plain"})  # a form type would hide the body
    with urllib.request.urlopen(request, timeout=30) as reply:
        return str(json.loads(reply.read())["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"])


@pytest.fixture
def enforce_iam(target: Target) -> Iterator[Callable[[], None]]:
    """A switch that turns IAM enforcement on for the emulator until the test ends."""
    previous: list[str] = []

    def switch_on() -> None:
        previous.append(_reset_auth(target, "0"))

    yield switch_on
    if previous:
        _reset_auth(target, previous[0])
        target.aws().client("iam").list_users()  # the unregistered "testing" key works again


FUNCTION = "fidelity-fn"


def _lambda_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _iam_user(target: Target, name: str, actions: list[str]) -> dict[str, str]:
    """A new IAM user allowed exactly ``actions``; its credentials as environment variables."""
    iam = target.aws().client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="fidelity", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def _client(target: Target, credentials: dict[str, str], service: str) -> Any:
    return boto3.Session(
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        region_name=target.region,
    ).client(service, endpoint_url=target.endpoint_url)


@pytest.fixture
def lambda_world(target: Target) -> dict[str, Any]:
    """A function, a REST API, a table, and two users: one may read the function, one may not."""
    aws = target.aws()
    role = aws.client("iam").create_role(RoleName="fidelity-fn-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
        ],
    }))["Role"]["Arn"]
    function_arn = aws.client("lambda").create_function(
        FunctionName=FUNCTION, Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": _lambda_zip()},
    )["FunctionArn"]
    api_id = aws.client("apigateway").create_rest_api(name="fidelity-api")["id"]
    aws.client("dynamodb").create_table(
        TableName="fidelity", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )
    reader = _iam_user(target, "reader", [
        "lambda:GetFunction", "lambda:ListFunctions", "lambda:TagResource", "lambda:DeleteFunction",
        "apigateway:*", "iam:GetUser",
    ])
    stranger = _iam_user(target, "stranger", ["s3:ListAllMyBuckets"])
    return {"function_arn": function_arn, "api_id": api_id, "reader": reader, "stranger": stranger}


def test_iam_enforcement_accepts_bodyless_requests(
    target: Target, lambda_world: dict[str, Any], enforce_iam: Callable[[], None]
) -> None:
    reader = lambda_world["reader"]
    lambda_client = _client(target, reader, "lambda")
    enforce_iam()

    assert lambda_client.get_function(FunctionName=FUNCTION)["Configuration"]["FunctionName"] == FUNCTION  # GET
    assert [f["FunctionName"] for f in lambda_client.list_functions(MaxItems=10)["Functions"]] == [FUNCTION]  # GET ?q
    api = _client(target, reader, "apigateway").get_rest_api(restApiId=lambda_world["api_id"])  # GET, API Gateway
    assert api["name"] == "fidelity-api"
    # Requests with a body are still checked as before: a REST-JSON POST, and a Query (form) POST.
    lambda_client.tag_resource(Resource=lambda_world["function_arn"], Tags={"lab": "fidelity"})
    assert _client(target, reader, "iam").get_user(UserName="reader")["User"]["UserName"] == "reader"
    lambda_client.delete_function(FunctionName=FUNCTION)  # DELETE



def test_iam_enforcement_still_rejects_bad_credentials_in_each_protocol_s_words(
    target: Target, lambda_world: dict[str, Any], enforce_iam: Callable[[], None]
) -> None:
    forged = {**lambda_world["reader"], "AWS_SECRET_ACCESS_KEY": "not-the-secret"}
    unknown = {"AWS_ACCESS_KEY_ID": "AKIAUNKNOWNKEY000000", "AWS_SECRET_ACCESS_KEY": "whatever"}
    enforce_iam()
    expected = [
        (forged, "lambda", "list_functions", "InvalidSignatureException"),
        (unknown, "lambda", "list_functions", "UnrecognizedClientException"),
        (forged, "dynamodb", "list_tables", "InvalidSignatureException"),
        (forged, "iam", "list_users", "SignatureDoesNotMatch"),  # Query protocol: moto's answer is AWS's
        (unknown, "iam", "list_users", "InvalidClientTokenId"),
    ]
    for credentials, service, operation, code in expected:
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            getattr(_client(target, credentials, service), operation)()
        assert caught.value.response["Error"]["Code"] == code, (service, operation)
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_iam_enforcement_denies_rest_json_and_json_calls_with_access_denied_exception(
    target: Target, lambda_world: dict[str, Any], enforce_iam: Callable[[], None]
) -> None:
    stranger, reader = lambda_world["stranger"], lambda_world["reader"]
    enforce_iam()

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        _client(target, stranger, "lambda").get_function(FunctionName=FUNCTION)
    error = caught.value.response
    assert error["Error"]["Code"] == "AccessDeniedException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "lambda:GetFunction" in error["Error"]["Message"] and "user/stranger" in error["Error"]["Message"]

    with pytest.raises(botocore.exceptions.ClientError) as caught:  # allowed GetFunction, not this one
        _client(target, reader, "lambda").get_function_configuration(FunctionName=FUNCTION)
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"

    with pytest.raises(botocore.exceptions.ClientError) as caught:  # JSON protocol
        _client(target, reader, "dynamodb").describe_table(TableName="fidelity")
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"

    with pytest.raises(botocore.exceptions.ClientError) as caught:  # Query protocol keeps AWS's "AccessDenied"
        _client(target, reader, "iam").list_roles()
    assert caught.value.response["Error"]["Code"] == "AccessDenied"


def test_iam_enforcement_through_the_cli(
    target: Target, lambda_world: dict[str, Any], enforce_iam: Callable[[], None]
) -> None:
    enforce_iam()
    allowed = cli_json(target, "lambda", "get-function", "--function-name", FUNCTION, env=lambda_world["reader"])
    assert allowed["Configuration"]["FunctionName"] == FUNCTION

    denied = aws_cli(target, "lambda", "get-function", "--function-name", FUNCTION, env=lambda_world["stranger"])
    assert denied.returncode != 0
    assert "(AccessDeniedException)" in denied.stderr


# --- DynamoDB Streams (no extension: the emulator already answers; this guards it) -------------------------------
# botocore 1.44 resolves dynamodbstreams to an account-id host only when no endpoint is configured (moto's decorator
# mode). Against the emulator the endpoint always wins, so requests reach it at "/" with its own host.

def _table_with_stream(target: Target) -> str:
    dynamodb = target.aws().client("dynamodb")
    table = dynamodb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    dynamodb.put_item(TableName="orders", Item={"pk": {"S": "order-1"}, "total": {"N": "42"}})
    return str(table["LatestStreamArn"])


def _read_stream(streams: Any, stream_arn: str) -> list[dict[str, Any]]:
    description = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]
    assert description["StreamStatus"] == "ENABLED" and description["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=description["Shards"][0]["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return list(streams.get_records(ShardIterator=iterator)["Records"])


def _assert_put_item_record(records: list[dict[str, Any]]) -> None:
    assert [record["eventName"] for record in records] == ["INSERT"]
    assert records[0]["dynamodb"]["Keys"] == {"pk": {"S": "order-1"}}
    assert records[0]["dynamodb"]["NewImage"] == {"pk": {"S": "order-1"}, "total": {"N": "42"}}


def test_dynamodb_streams_with_boto3(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    stream_arn = _table_with_stream(target)
    _assert_put_item_record(_read_stream(target.aws().client("dynamodbstreams"), stream_arn))

    # A learner's own boto3, configured only by the environment the target gives the kernel.
    sent: list[str] = []
    for name, value in target.environ().items():
        monkeypatch.setenv(name, value)
    streams = boto3.Session().client("dynamodbstreams")
    streams.meta.events.register("before-send", lambda request, **_: sent.append(request.url))
    _assert_put_item_record(_read_stream(streams, stream_arn))
    assert set(sent) == {f"{target.endpoint_url}/"}


def test_dynamodb_streams_with_the_cli_even_when_account_id_endpoints_are_required(target: Target) -> None:
    stream_arn = _table_with_stream(target)
    account_endpoints = {"AWS_ACCOUNT_ID": target.aws().account_id, "AWS_ACCOUNT_ID_ENDPOINT_MODE": "required"}
    description = cli_json(target, "dynamodbstreams", "describe-stream", "--stream-arn", stream_arn,
                           env=account_endpoints)["StreamDescription"]
    iterator = cli_json(target, "dynamodbstreams", "get-shard-iterator", "--stream-arn", stream_arn,
                        "--shard-id", description["Shards"][0]["ShardId"], "--shard-iterator-type", "TRIM_HORIZON",
                        env=account_endpoints)["ShardIterator"]
    records = cli_json(target, "dynamodbstreams", "get-records", "--shard-iterator", iterator,
                       env=account_endpoints)["Records"]
    _assert_put_item_record(records)
