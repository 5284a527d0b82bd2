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
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

from mcredlab.emulator import EmulatorInfo
from mcredlab.kit import apigw
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


# --- s3_cloudformation_bucket_policy and s3_cloudformation_bucket_settings ---------------------------------------

def _deploy(target: Target, folder: Path, stack: str, template: str, *overrides: str) -> None:
    """``aws cloudformation deploy`` a template, as a learner's terminal would; it must succeed."""
    path = folder / f"{stack}.yaml"
    path.write_text(template)
    args = ["cloudformation", "deploy", "--stack-name", stack, "--template-file", str(path)]
    done = aws_cli(target, *args, *(["--parameter-overrides", *overrides] if overrides else []))
    assert done.returncode == 0, done.stderr


def _error_code(call: Callable[[], Any]) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


POLICY_STACK = """\
Parameters:
  BucketName: {Type: String}
  Action: {Type: String, Default: "s3:GetObject"}
Resources:
  PublicRead:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref BucketName
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: !Ref Action
            Resource: !Sub "arn:aws:s3:::${BucketName}/*"
"""


def test_cloudformation_bucket_policy_is_put_updated_and_deleted_with_its_stack(target: Target, tmp_path: Path) -> None:
    s3 = target.aws().client("s3")
    s3.create_bucket(Bucket="made-by-setup")  # the stack holds only the policy, as for a lab's bucket
    _deploy(target, tmp_path, "site-policy", POLICY_STACK, "BucketName=made-by-setup")
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::made-by-setup/*"}
    assert json.loads(s3.get_bucket_policy(Bucket="made-by-setup")["Policy"])["Statement"] == [statement]
    resources = cli_json(target, "cloudformation", "describe-stack-resources", "--stack-name", "site-policy")
    assert [(r["LogicalResourceId"], r["PhysicalResourceId"], r["ResourceStatus"]) for r in resources["StackResources"]] \
        == [("PublicRead", "made-by-setup", "CREATE_COMPLETE")]

    _deploy(target, tmp_path, "site-policy", POLICY_STACK, "BucketName=made-by-setup", "Action=s3:GetObjectVersion")
    policy = json.loads(s3.get_bucket_policy(Bucket="made-by-setup")["Policy"])
    assert policy["Statement"] == [{**statement, "Action": "s3:GetObjectVersion"}]

    assert aws_cli(target, "cloudformation", "delete-stack", "--stack-name", "site-policy").returncode == 0
    assert _error_code(lambda: s3.get_bucket_policy(Bucket="made-by-setup")) == "NoSuchBucketPolicy"
    assert s3.head_bucket(Bucket="made-by-setup")  # the bucket was never the stack's


def _website_stack(website: bool, block_acls: bool = True) -> str:
    hosting = """\
      WebsiteConfiguration:
        IndexDocument: index.html
        ErrorDocument: error.html
        RoutingRules:
          - RoutingRuleCondition: {KeyPrefixEquals: docs/}
            RedirectRule: {ReplaceKeyPrefixWith: documents/, HttpRedirectCode: "301"}
""" if website else ""
    return f"""\
Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: cfn-website
{hosting}      PublicAccessBlockConfiguration:
        BlockPublicAcls: {str(block_acls).lower()}
        IgnorePublicAcls: true
        BlockPublicPolicy: false
        RestrictPublicBuckets: false
  SitePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Site
      PolicyDocument:
        Statement:
          - {{Effect: Allow, Principal: "*", Action: "s3:GetObject", Resource: !Sub "arn:aws:s3:::${{Site}}/*"}}
"""


def test_cloudformation_bucket_applies_website_and_public_access_block(target: Target, tmp_path: Path) -> None:
    s3 = target.aws().client("s3")
    _deploy(target, tmp_path, "website", _website_stack(website=True))
    website = s3.get_bucket_website(Bucket="cfn-website")
    assert (website["IndexDocument"], website["ErrorDocument"]) == ({"Suffix": "index.html"}, {"Key": "error.html"})
    assert website["RoutingRules"] == [{"Condition": {"KeyPrefixEquals": "docs/"},
                                        "Redirect": {"ReplaceKeyPrefixWith": "documents/", "HttpRedirectCode": "301"}}]
    flags = cli_json(target, "s3api", "get-public-access-block", "--bucket", "cfn-website")
    assert flags["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                                                       "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
    assert "arn:aws:s3:::cfn-website/*" in s3.get_bucket_policy(Bucket="cfn-website")["Policy"]  # Ref gives the name

    _deploy(target, tmp_path, "website", _website_stack(website=False))  # the stack drops hosting: AWS removes it
    assert _error_code(lambda: s3.get_bucket_website(Bucket="cfn-website")) == "NoSuchWebsiteConfiguration"
    assert s3.get_public_access_block(Bucket="cfn-website")["PublicAccessBlockConfiguration"]["IgnorePublicAcls"]

    # Hosting set by hand on a bucket whose stack never declared it survives a stack update.
    done = aws_cli(target, "s3", "website", "s3://cfn-website/", "--index-document", "home.html")
    assert done.returncode == 0, done.stderr
    _deploy(target, tmp_path, "website", _website_stack(website=False, block_acls=False))
    assert s3.get_bucket_website(Bucket="cfn-website")["IndexDocument"] == {"Suffix": "home.html"}
    assert not s3.get_public_access_block(Bucket="cfn-website")["PublicAccessBlockConfiguration"]["BlockPublicAcls"]


# --- apigateway_cloudformation_method and apigateway_openapi_import ----------------------------------------------

ORIGIN = "https://www.example.com"
CORS_HEADERS = [f"method.response.header.Access-Control-Allow-{name}" for name in ("Origin", "Methods", "Headers")]


def _items_api(target: Target, name: str) -> tuple[str, str]:
    """A REST API with an empty ``/items`` resource: its id and the resource's."""
    apigateway = target.aws().client("apigateway")
    api_id = apigateway.create_rest_api(name=name)["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    return api_id, apigateway.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]


def _preflight(target: Target, api_id: str) -> tuple[int, dict[str, str]]:
    """What a browser's preflight to ``/prod/items`` gets: the status and the Access-Control-* headers."""
    request = urllib.request.Request(apigw.invoke_url(target, api_id, "prod") + "/items", method="OPTIONS",
                                     headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            status, headers = reply.status, reply.headers
    except urllib.error.HTTPError as error:
        status, headers = error.code, error.headers
    return status, {name: value for name, value in headers.items() if name.lower().startswith("access-control-")}


PREFLIGHT_STACK = """\
Parameters:
  ApiId: {Type: String}
  ItemsId: {Type: String}
  Origin: {Type: String}
Resources:
  ItemsOptions:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref ApiId
      ResourceId: !Ref ItemsId
      HttpMethod: OPTIONS
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: 200
            ResponseParameters:
              method.response.header.Access-Control-Allow-Origin: !Sub "'${Origin}'"
              method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS'"
              method.response.header.Access-Control-Allow-Headers: "'Content-Type'"
            ResponseTemplates: {application/json: ''}
      MethodResponses:
        - StatusCode: 200
          ResponseModels: {application/json: Empty}
          ResponseParameters:
            method.response.header.Access-Control-Allow-Origin: true
            method.response.header.Access-Control-Allow-Methods: true
            method.response.header.Access-Control-Allow-Headers: "false"
  Prod:
    Type: AWS::ApiGateway::Deployment
    DependsOn: ItemsOptions
    Properties:
      RestApiId: !Ref ApiId
      StageName: prod
"""


def test_cloudformation_mock_method_is_built_whole_and_follows_its_stack(target: Target, tmp_path: Path) -> None:
    apigateway = target.aws().client("apigateway")
    api_id, items = _items_api(target, "cfn-cors")
    ids = (f"ApiId={api_id}", f"ItemsId={items}")
    _deploy(target, tmp_path, "cors", PREFLIGHT_STACK, *ids, f"Origin={ORIGIN}")  # moto alone: a raw 500

    method = apigateway.get_method(restApiId=api_id, resourceId=items, httpMethod="OPTIONS")
    assert method["authorizationType"] == "NONE"
    assert method["methodResponses"]["200"] == {
        "statusCode": "200", "responseModels": {"application/json": "Empty"},
        "responseParameters": dict(zip(CORS_HEADERS, (True, True, False), strict=True)),
    }
    integration = method["methodIntegration"]
    assert integration["type"] == "MOCK" and "httpMethod" not in integration and "uri" not in integration
    assert integration["requestTemplates"] == {"application/json": '{"statusCode": 200}'}
    assert integration["integrationResponses"]["200"]["responseParameters"] == dict(zip(
        CORS_HEADERS, (f"'{ORIGIN}'", "'GET,OPTIONS'", "'Content-Type'"), strict=True))
    assert _preflight(target, api_id) == (200, {"Access-Control-Allow-Origin": ORIGIN,  # the stack's deployment
                                                "Access-Control-Allow-Methods": "GET,OPTIONS",
                                                "Access-Control-Allow-Headers": "Content-Type"})

    # An edited method is rebuilt; the unchanged Deployment is not re-created, so prod keeps serving the first one.
    edited = PREFLIGHT_STACK.replace("'Content-Type'", "'Content-Type,X-Api-Key'").replace("\"false\"", "true")
    _deploy(target, tmp_path, "cors", edited, *ids, f"Origin={ORIGIN}")
    got = apigateway.get_method(restApiId=api_id, resourceId=items, httpMethod="OPTIONS")
    assert got["methodIntegration"]["integrationResponses"]["200"]["responseParameters"][CORS_HEADERS[2]] \
        == "'Content-Type,X-Api-Key'"
    assert got["methodResponses"]["200"]["responseParameters"][CORS_HEADERS[2]] is True
    assert _preflight(target, api_id)[1]["Access-Control-Allow-Headers"] == "Content-Type"

    # Another stack may not take over the method, as on AWS; deleting the owner's stack deletes it.
    (tmp_path / "again.yaml").write_text(PREFLIGHT_STACK)
    again = aws_cli(target, "cloudformation", "deploy", "--stack-name", "again", "--template-file",
                    str(tmp_path / "again.yaml"), "--parameter-overrides", *ids, f"Origin={ORIGIN}")
    assert again.returncode != 0 and "Method already exists for this resource" in again.stderr, again.stderr
    assert aws_cli(target, "cloudformation", "delete-stack", "--stack-name", "cors").returncode == 0
    assert _error_code(lambda: apigateway.get_method(restApiId=api_id, resourceId=items, httpMethod="OPTIONS")) \
        == "NotFoundException"


def _cors_definition(title: str, description: bool = True) -> dict[str, Any]:
    """An OpenAPI 3 definition of ``/items`` whose OPTIONS is a MOCK preflight, as the console exports it."""
    headers = {"Access-Control-Allow-Origin": {"schema": {"type": "string"}},
               "Access-Control-Allow-Methods": {"required": True, "schema": {"type": "string"}}}
    info = {"title": title, "version": "1", **({"description": "items"} if description else {})}
    return {"openapi": "3.0.1", "info": info, "paths": {"/items": {"options": {
        "responses": {"200": {"description": "200 response", "headers": headers}},
        "x-amazon-apigateway-integration": {
            "type": "mock", "passthroughBehavior": "when_no_match",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200", "responseParameters": {
                CORS_HEADERS[0]: f"'{ORIGIN}'", CORS_HEADERS[1]: "'GET,OPTIONS'"}}},
        },
    }}}}


def _assert_imported_preflight(target: Target, api_id: str) -> None:
    apigateway = target.aws().client("apigateway")
    items = next(r for r in apigateway.get_resources(restApiId=api_id)["items"] if r["path"] == "/items")
    method = apigateway.get_method(restApiId=api_id, resourceId=items["id"], httpMethod="OPTIONS")
    assert method["authorizationType"] == "NONE"
    assert method["methodResponses"]["200"]["responseParameters"] == {CORS_HEADERS[0]: False, CORS_HEADERS[1]: True}
    integration = method["methodIntegration"]
    assert (integration["type"], integration["passthroughBehavior"]) == ("MOCK", "WHEN_NO_MATCH")
    assert "httpMethod" not in integration
    apigateway.create_deployment(restApiId=api_id, stageName="prod")
    assert _preflight(target, api_id) == (200, {"Access-Control-Allow-Origin": ORIGIN,
                                                "Access-Control-Allow-Methods": "GET,OPTIONS"})


def test_put_rest_api_overwrite_imports_a_mock_preflight_with_its_headers(target: Target, tmp_path: Path) -> None:
    api_id, _ = _items_api(target, "openapi-cors")
    path = tmp_path / "api.json"
    path.write_text(json.dumps(_cors_definition("openapi-cors")))
    overwritten = cli_json(target, "apigateway", "put-rest-api", "--rest-api-id", api_id, "--mode", "overwrite",
                           "--body", f"fileb://{path}")  # moto alone: a raw 500
    assert overwritten["id"] == api_id
    _assert_imported_preflight(target, api_id)


def test_import_rest_api_takes_a_mock_preflight_and_a_definition_without_description(
    target: Target, tmp_path: Path
) -> None:
    path = tmp_path / "api.json"
    path.write_text(json.dumps(_cors_definition("imported-cors", description=False)))
    imported = cli_json(target, "apigateway", "import-rest-api", "--body", f"fileb://{path}")
    assert imported["name"] == "imported-cors" and "description" not in imported
    _assert_imported_preflight(target, imported["id"])


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


# --- s3_anonymous_access -----------------------------------------------------------------------------------------
# What a browser without credentials gets: 200 only where AWS would answer 200, else 403 AccessDenied.

SITE = "anonymous-site"
OBJECT_ARN = f"arn:aws:s3:::{SITE}/*"


def _anonymous(target: Target, key: str = "index.html", method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(f"{target.endpoint_url}/{SITE}/{key}", method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _assert_denied(target: Target, key: str = "index.html") -> None:
    status, body = _anonymous(target, key)
    assert status == 403 and "<Code>AccessDenied</Code>" in body, (status, body)
    assert _anonymous(target, key, "HEAD")[0] == 403


def _assert_readable(target: Target) -> None:
    assert _anonymous(target) == (200, "<h1>hello</h1>")
    assert _anonymous(target, method="HEAD")[0] == 200


def _site(target: Target, ownership: str | None = None) -> Any:
    s3 = target.aws().client("s3")
    s3.create_bucket(Bucket=SITE)
    if ownership:
        s3.put_bucket_ownership_controls(Bucket=SITE, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]})
    s3.put_object(Bucket=SITE, Key="index.html", Body=b"<h1>hello</h1>", ContentType="text/html")
    return s3


def _policy(*statements: dict[str, Any]) -> str:
    base = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": OBJECT_ARN}
    return json.dumps({"Version": "2012-10-17", "Statement": [{**base, **s} for s in statements]})


@pytest.mark.parametrize("statement", [
    pytest.param({}, id="principal-star"),
    pytest.param({"Principal": {"AWS": ["*"]}, "Action": ["s3:getobject"]}, id="aws-star-lowercase-action"),
    pytest.param({"Principal": {"AWS": "*"}, "Action": "S3:Get*", "Resource": [f"arn:aws:s3:::{SITE}/index.*"]},
                 id="wildcards"),
    pytest.param({"Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "127.0.0.0/8"]}}},
                 id="source-ip-met"),
])
def test_s3_public_bucket_policy_lets_anyone_read(target: Target, statement: dict[str, Any]) -> None:
    _site(target).put_bucket_policy(Bucket=SITE, Policy=_policy(statement))
    _assert_readable(target)


def test_s3_public_policy_through_the_cli(target: Target) -> None:
    _site(target)
    done = aws_cli(target, "s3api", "put-bucket-policy", "--bucket", SITE, "--policy", _policy({}))
    assert done.returncode == 0, done.stderr
    _assert_readable(target)


@pytest.mark.parametrize("statement", [
    pytest.param({"Principal": {"AWS": "arn:aws:iam::123456789012:root"}}, id="own-account-only"),
    pytest.param({"Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}, id="source-ip-not-met"),
    pytest.param({"Condition": {"StringLike": {"aws:Referer": "http://example.com/*"}}}, id="condition-not-evaluated"),
    pytest.param({"Action": "s3:GetObjectAcl"}, id="other-action"),
    pytest.param({"Resource": f"arn:aws:s3:::{SITE}"}, id="bucket-not-objects"),
])
def test_s3_policy_that_is_not_public_keeps_anonymous_readers_out(target: Target, statement: dict[str, Any]) -> None:
    _site(target).put_bucket_policy(Bucket=SITE, Policy=_policy(statement))
    _assert_denied(target)


def test_s3_explicit_deny_wins_over_a_public_allow(target: Target) -> None:
    deny = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": f"arn:aws:s3:::{SITE}/index.html"}
    _site(target).put_bucket_policy(Bucket=SITE, Policy=_policy({}, deny))
    _assert_denied(target)


def test_s3_no_policy_and_private_objects_answer_403_even_for_a_missing_key(target: Target) -> None:
    _site(target)
    _assert_denied(target)
    _assert_denied(target, "missing.html")  # AWS does not tell strangers which keys exist


def test_s3_missing_key_is_404_only_for_who_may_list_the_bucket(target: Target) -> None:
    s3 = _site(target)
    s3.put_bucket_policy(Bucket=SITE, Policy=_policy({}))
    _assert_denied(target, "missing.html")
    s3.put_bucket_policy(Bucket=SITE, Policy=_policy({}, {"Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{SITE}"}))
    status, body = _anonymous(target, "missing.html")
    assert status == 404 and "<Code>NoSuchKey</Code>" in body


def test_s3_public_read_acl_counts_when_acls_are_enabled(target: Target) -> None:
    _site(target, ownership="ObjectWriter")
    done = aws_cli(target, "s3api", "put-object-acl", "--bucket", SITE, "--key", "index.html", "--acl", "public-read")
    assert done.returncode == 0, done.stderr
    _assert_readable(target)


def test_s3_public_read_acl_counts_for_nothing_while_the_bucket_owner_is_enforced(target: Target) -> None:
    _site(target, ownership="BucketOwnerEnforced").put_object_acl(Bucket=SITE, Key="index.html", ACL="public-read")
    _assert_denied(target)


def test_s3_ignore_public_acls_ignores_a_public_read_acl(target: Target) -> None:
    s3 = _site(target, ownership="ObjectWriter")
    s3.put_object_acl(Bucket=SITE, Key="index.html", ACL="public-read")
    s3.put_public_access_block(Bucket=SITE, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    _assert_denied(target)
    s3.put_public_access_block(Bucket=SITE, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    _assert_readable(target)  # blocking new public ACLs leaves existing ones in force


def test_s3_restrict_public_buckets_stops_a_public_policy_at_bucket_and_account_level(target: Target) -> None:
    aws = target.aws()
    s3 = _site(target)
    s3.put_bucket_policy(Bucket=SITE, Policy=_policy({}))
    s3.put_public_access_block(Bucket=SITE, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    _assert_denied(target)
    s3.put_public_access_block(Bucket=SITE, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    _assert_readable(target)  # blocking new public policies leaves the existing one in force
    s3control = aws.client("s3control")
    s3control.put_public_access_block(AccountId=aws.account_id,
                                      PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    _assert_denied(target)
    s3control.delete_public_access_block(AccountId=aws.account_id)
    _assert_readable(target)


def test_s3_restrict_public_buckets_leaves_a_policy_limited_to_fixed_addresses(target: Target) -> None:
    s3 = _site(target)
    s3.put_bucket_policy(Bucket=SITE, Policy=_policy({"Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}))
    s3.put_public_access_block(Bucket=SITE, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    _assert_readable(target)  # not a public policy on AWS's definition


def test_s3_signed_requests_are_unaffected(target: Target) -> None:
    s3 = _site(target, ownership="BucketOwnerEnforced")
    s3.put_public_access_block(Bucket=SITE, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True,
                                                                             "IgnorePublicAcls": True})
    _assert_denied(target)
    assert s3.get_object(Bucket=SITE, Key="index.html")["Body"].read() == b"<h1>hello</h1>"
    url = s3.generate_presigned_url("get_object", Params={"Bucket": SITE, "Key": "index.html"})
    with urllib.request.urlopen(url, timeout=30) as reply:
        assert reply.read() == b"<h1>hello</h1>"
    done = aws_cli(target, "s3", "cp", f"s3://{SITE}/index.html", "-")
    assert done.returncode == 0 and done.stdout == "<h1>hello</h1>", done.stderr


def test_s3_anonymous_reads_under_iam_enforcement(target: Target, enforce_iam: Callable[[], None]) -> None:
    s3 = _site(target)
    s3.put_object(Bucket=SITE, Key="private.html", Body=b"secret")
    s3.put_bucket_policy(Bucket=SITE, Policy=_policy({"Resource": f"arn:aws:s3:::{SITE}/index.html"}))
    enforce_iam()
    _assert_readable(target)  # moto looked for an Authorization header and answered 500
    _assert_denied(target, "private.html")


# --- s3_block_public_access --------------------------------------------------------------------------------------

BLOCKED_SENTENCE = "because public policies are blocked by the BlockPublicPolicy block public access setting."


def test_s3_block_public_policy_refuses_a_public_policy_through_the_cli(target: Target) -> None:
    s3 = _site(target)
    s3.put_public_access_block(Bucket=SITE, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    done = aws_cli(target, "s3api", "put-bucket-policy", "--bucket", SITE, "--policy", _policy({}))
    assert done.returncode != 0 and "(AccessDenied)" in done.stderr, done.stderr
    assert f'on resource: "arn:aws:s3:::{SITE}" {BLOCKED_SENTENCE}' in done.stderr
    assert "s3:PutBucketPolicy" in done.stderr and "retries" not in done.stderr
    assert _error_code(lambda: s3.get_bucket_policy(Bucket=SITE)) == "NoSuchBucketPolicy"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        s3.put_bucket_policy(Bucket=SITE, Policy=_policy({"Principal": {"AWS": ["*"]}}))
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_s3_block_public_policy_accepts_a_policy_that_is_not_public(target: Target) -> None:
    s3 = _site(target)
    s3.put_public_access_block(Bucket=SITE, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    s3.put_bucket_policy(Bucket=SITE, Policy=_policy({"Principal": {"AWS": "arn:aws:iam::123456789012:root"}}))
    s3.put_bucket_policy(Bucket=SITE, Policy=_policy({"Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}))
    s3.put_public_access_block(Bucket=SITE, PublicAccessBlockConfiguration={"BlockPublicAcls": True,
                                                                             "RestrictPublicBuckets": True})
    s3.put_bucket_policy(Bucket=SITE, Policy=_policy({}))  # only BlockPublicPolicy refuses a public policy


def test_s3_account_block_public_policy_refuses_a_public_policy(target: Target) -> None:
    aws = target.aws()
    s3 = _site(target)
    aws.client("s3control").put_public_access_block(AccountId=aws.account_id,
                                                    PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    assert _error_code(lambda: s3.put_bucket_policy(Bucket=SITE, Policy=_policy({}))) == "AccessDenied"
    aws.client("s3control").delete_public_access_block(AccountId=aws.account_id)
    s3.put_bucket_policy(Bucket=SITE, Policy=_policy({}))


def test_s3_block_public_acls_refuses_public_canned_acls_and_grants(target: Target) -> None:
    s3 = _site(target, ownership="ObjectWriter")
    s3.put_public_access_block(Bucket=SITE, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    done = aws_cli(target, "s3api", "put-object-acl", "--bucket", SITE, "--key", "index.html", "--acl", "public-read")
    assert done.returncode != 0 and "(AccessDenied)" in done.stderr, done.stderr
    for acl in ("public-read", "public-read-write", "authenticated-read"):
        assert _error_code(lambda: s3.put_bucket_acl(Bucket=SITE, ACL=acl)) == "AccessDenied"
    assert _error_code(lambda: s3.put_object(Bucket=SITE, Key="new.html", Body=b"x", ACL="public-read")) == "AccessDenied"
    everyone = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'
    assert _error_code(lambda: s3.put_object_acl(Bucket=SITE, Key="index.html", GrantRead=everyone)) == "AccessDenied"
    s3.put_object_acl(Bucket=SITE, Key="index.html", ACL="private")  # a private ACL is never in the way
    s3.put_object(Bucket=SITE, Key="new.html", Body=b"x", ACL="bucket-owner-full-control")
    s3.put_public_access_block(Bucket=SITE, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    s3.put_object_acl(Bucket=SITE, Key="index.html", ACL="public-read")


def test_s3_account_block_public_acls_refuses_a_public_bucket_acl(target: Target) -> None:
    aws = target.aws()
    s3 = _site(target, ownership="ObjectWriter")
    aws.client("s3control").put_public_access_block(AccountId=aws.account_id,
                                                    PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    assert _error_code(lambda: s3.put_bucket_acl(Bucket=SITE, ACL="public-read")) == "AccessDenied"


def test_cloudformation_bucket_policy_fails_its_stack_under_block_public_policy(target: Target, tmp_path: Path) -> None:
    s3 = target.aws().client("s3")
    s3.create_bucket(Bucket="made-by-setup")
    s3.put_public_access_block(Bucket="made-by-setup", PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    path = tmp_path / "site-policy.yaml"
    path.write_text(POLICY_STACK)
    done = aws_cli(target, "cloudformation", "deploy", "--stack-name", "site-policy", "--template-file", str(path),
                   "--parameter-overrides", "BucketName=made-by-setup")
    assert done.returncode != 0, done.stdout
    stack = cli_json(target, "cloudformation", "describe-stacks", "--stack-name", "site-policy")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cli_json(target, "cloudformation", "describe-stack-events", "--stack-name", "site-policy")["StackEvents"]
    failed = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert [e["LogicalResourceId"] for e in failed] == ["PublicRead"]
    assert BLOCKED_SENTENCE in failed[0]["ResourceStatusReason"]
    assert _error_code(lambda: s3.get_bucket_policy(Bucket="made-by-setup")) == "NoSuchBucketPolicy"


# --- not_implemented_errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    pytest.param(("dynamodb", "describe-contributor-insights", "--table-name", "orders"), id="json"),
    pytest.param(("wafv2", "list-available-managed-rule-group-versions", "--vendor-name", "AWS", "--name",
                  "AWSManagedRulesCommonRuleSet", "--scope", "REGIONAL"), id="json-wafv2"),
    pytest.param(("iam", "change-password", "--old-password", "a", "--new-password", "b"), id="query"),
])
def test_an_operation_moto_lacks_answers_not_implemented_without_retries(target: Target, args: tuple[str, ...]) -> None:
    done = aws_cli(target, *args, env={"AWS_MAX_ATTEMPTS": "5", "AWS_RETRY_MODE": "standard"})
    assert done.returncode != 0
    assert "(NotImplemented)" in done.stderr and "is not emulated" in done.stderr, done.stderr
    assert "retries" not in done.stderr and "<html" not in done.stderr.lower()


def test_not_implemented_answers_in_each_protocols_shape(target: Target) -> None:
    client = target.aws().client("dynamodb")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.describe_contributor_insights(TableName="orders")
    error = caught.value.response
    assert error["Error"]["Code"] == "NotImplemented"
    assert error["Error"]["Message"].startswith("dynamodb DescribeContributorInsights is not emulated")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert error["ResponseMetadata"]["RetryAttempts"] == 0
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        target.aws().client("iam").change_password(OldPassword="a", NewPassword="b")
    assert caught.value.response["Error"]["Code"] == "NotImplemented"
    assert "ChangePassword" in caught.value.response["Error"]["Message"]


# --- state_dump_exclude ------------------------------------------------------------------------------------------

def _dump(target: Target, query: str = "") -> dict:
    with urllib.request.urlopen(f"{target.endpoint_url}/moto-api/data.json{query}", timeout=60) as reply:
        return json.loads(reply.read())


def test_the_state_dump_leaves_out_the_models_it_is_told_to_and_only_those(target: Target) -> None:
    iam = target.aws().client("iam")
    iam.create_role(RoleName="kept", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    full = _dump(target)
    assert full["iam"]["AWSManagedPolicy"]
    lean = _dump(target, "?exclude=iam.AWSManagedPolicy")
    assert lean["iam"]["AWSManagedPolicy"] == []
    assert [role["name"] for role in lean["iam"]["Role"]] == ["kept"]
    assert {k: v for k, v in lean["iam"].items() if k != "AWSManagedPolicy"} == \
        {k: v for k, v in full["iam"].items() if k != "AWSManagedPolicy"}


# --- iam_managed_policies_cache ----------------------------------------------------------------------------------

def test_aws_managed_policies_survive_a_reset_as_aws_publishes_them(target: Target, emulator_info: EmulatorInfo) -> None:
    """A reset no longer rebuilds AWS's managed policies, yet each comes back unattached, untagged, with its versions."""
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    iam = target.aws().client("iam")
    published = iam.get_policy(PolicyArn=arn)["Policy"]
    iam.create_role(RoleName="cached-policies", AssumeRolePolicyDocument=trust)
    iam.attach_role_policy(RoleName="cached-policies", PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    urllib.request.urlopen(urllib.request.Request(f"{emulator_info.url}/moto-api/reset", method="POST", data=b""))
    done = aws_cli(target, "iam", "get-policy", "--policy-arn", arn)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Policy"]["AttachmentCount"] == 0
    after = iam.get_policy(PolicyArn=arn)["Policy"]
    assert after == {**published, "AttachmentCount": 0}
    assert iam.list_entities_for_policy(PolicyArn=arn)["PolicyRoles"] == []
    aws_policies = iam.get_paginator("list_policies").paginate(Scope="AWS").build_full_result()["Policies"]
    assert len(aws_policies) > 1000 and arn in {p["Arn"] for p in aws_policies}
