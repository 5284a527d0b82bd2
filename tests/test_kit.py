"""The lab kit: one import is a task module's whole vocabulary, readers say "absent" with ``None``, and the
criterion factories judge what they promise, in both languages."""

from __future__ import annotations

import ast
import io
import json
import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

import mcredlab.kit as kit
from mcredlab.checking import run_check
from mcredlab.kit import (
    Lab,
    Text,
    awslambda,
    cloudfront,
    codebuild,
    codepipeline,
    dynamodb,
    iam,
    or_none,
    s3,
    sns,
    sqs,
    stepfunctions,
    wafv2,
)
from mcredlab.labs import all_labs
from mcredlab.target import Target
from tests.japanese import report_problems

KIT_CONTRACT = [
    "TAG_KEY", "Aws", "Context", "Finding", "HttpReply", "Lab", "Text", "apigw", "awslambda", "bedrock", "clip",
    "cloudfront", "codebuild", "codepipeline", "dynamodb", "error_code", "failed", "iam", "not_found", "or_none",
    "passed", "policy", "s3", "sns", "sqs", "stepfunctions", "tag_map", "tagged_by", "wafv2",
]
LABS_DIR = Path(kit.__file__).resolve().parent.parent / "labs"


def test_the_kit_exports_exactly_its_contract_and_every_name_exists() -> None:
    assert kit.__all__ == KIT_CONTRACT
    for name in kit.__all__:
        assert hasattr(kit, name), name


@pytest.mark.parametrize("module", sorted(p.name for p in LABS_DIR.glob("[a-z]*.py")))
def test_every_lab_module_imports_the_project_only_through_the_kit(module: str) -> None:
    tree = ast.parse((LABS_DIR / module).read_text())
    project = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and node.module and node.module.split(".")[0] == "mcredlab"]
    project += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
                if alias.name.split(".")[0] == "mcredlab"]
    assert project == ["mcredlab.kit"], f"{module} imports {project}"


def test_or_none_is_none_for_what_does_not_exist_and_raises_anything_else(target: Target) -> None:
    aws = target.aws()
    assert or_none(aws.client("iam").get_role, RoleName="nobody") is None
    assert or_none(aws.client("s3").get_bucket_policy, Bucket="no-such-bucket-here") is None
    assert or_none(aws.client("sqs").get_queue_url, QueueName="no-such-queue") is None
    trust = json.dumps(iam.trust_policy("lambda.amazonaws.com"))
    aws.client("iam").create_role(RoleName="twice", AssumeRolePolicyDocument=trust)
    with pytest.raises(ClientError):  # EntityAlreadyExists is an answer, not an absence
        or_none(aws.client("iam").create_role, RoleName="twice", AssumeRolePolicyDocument=trust)


def test_ensure_bucket_creates_tags_and_fills_once_and_delete_bucket_removes_only_tagged_buckets(target: Target) -> None:
    aws = target.aws()
    assert s3.ensure_bucket(aws, "kit-test", "kit-bucket", {"a.txt": ("one", "text/plain")})
    aws.client("s3").put_object(Bucket="kit-bucket", Key="a.txt", Body=b"the learner's edit")
    assert not s3.ensure_bucket(aws, "kit-test", "kit-bucket", {"a.txt": ("one", "text/plain")})
    assert aws.client("s3").get_object(Bucket="kit-bucket", Key="a.txt")["Body"].read() == b"the learner's edit"
    assert s3.tags(aws, "kit-bucket") == {kit.TAG_KEY: "kit-test"}
    aws.client("s3").create_bucket(Bucket="not-the-labs")
    s3.delete_bucket(aws, "kit-test", "not-the-labs")
    s3.delete_bucket(aws, "another-lab", "kit-bucket")
    assert s3.bucket_names(aws) >= {"kit-bucket", "not-the-labs"}
    s3.delete_bucket(aws, "kit-test", "kit-bucket")
    assert "kit-bucket" not in s3.bucket_names(aws)


def test_ensure_table_creates_a_tagged_on_demand_table_once_and_delete_table_removes_only_tagged_tables(
        target: Target) -> None:
    aws = target.aws()
    assert dynamodb.table(aws, "kit-table") is None and dynamodb.time_to_live(aws, "kit-table") is None
    assert dynamodb.tags(aws, "kit-table") is None
    arn = dynamodb.ensure_table(aws, "kit-test", "kit-table", partition_key=("orderId", "S"), sort_key=("at", "N"))
    aws.client("dynamodb").put_item(TableName="kit-table", Item={"orderId": {"S": "o-1"}, "at": {"N": "1"}})
    assert dynamodb.ensure_table(aws, "kit-test", "kit-table", partition_key=("orderId", "S")) == arn
    described = dynamodb.table(aws, "kit-table")
    assert described is not None and described["ItemCount"] == 1  # kept as it was, with the learner's item
    assert (dynamodb.partition_key(described), dynamodb.sort_key(described)) == ("orderId", "at")
    assert dynamodb.attribute_type(described, "at") == "N" and dynamodb.billing_mode(described) == "PAY_PER_REQUEST"
    assert dynamodb.stream_view_type(described) is None and dynamodb.index_names(described) == []
    assert dynamodb.time_to_live(aws, "kit-table") == {"TimeToLiveStatus": "DISABLED"}
    assert dynamodb.tags(aws, "kit-table") == {kit.TAG_KEY: "kit-test"}
    aws.cli("dynamodb", "create-table", "--table-name", "not-the-labs", "--billing-mode", "PAY_PER_REQUEST",
            "--attribute-definitions", "AttributeName=id,AttributeType=S", "--key-schema", "AttributeName=id,KeyType=HASH")
    dynamodb.delete_table(aws, "kit-test", "not-the-labs")
    dynamodb.delete_table(aws, "another-lab", "kit-table")
    assert dynamodb.table(aws, "not-the-labs") is not None and dynamodb.table(aws, "kit-table") is not None
    dynamodb.delete_table(aws, "kit-test", "kit-table")
    dynamodb.delete_table_named(aws, "not-the-labs")
    dynamodb.delete_table_named(aws, "no-such-table")
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


def test_ensure_s3_distribution_creates_a_tagged_distribution_once_and_delete_removes_only_the_labs(
        target: Target) -> None:
    aws = target.aws()
    assert cloudfront.distribution_by_comment(aws, "kit site") is None
    s3.ensure_bucket(aws, "kit-test", "kit-site", {"index.html": ("<h1>home</h1>", "text/html")})
    made = cloudfront.ensure_s3_distribution(aws, "kit-test", "kit site", "kit-site")
    assert cloudfront.ensure_s3_distribution(aws, "kit-test", "kit site", "kit-site")["Id"] == made["Id"]
    found = cloudfront.distribution_by_comment(aws, "kit site")
    assert found is not None and found["Id"] == made["Id"]
    origin = found["DistributionConfig"]["Origins"]["Items"][0]
    assert origin["DomainName"] == "kit-site.s3.us-east-1.amazonaws.com"
    assert cloudfront.tags(aws, found["ARN"]) == {kit.TAG_KEY: "kit-test"}
    theirs = aws.client("cloudfront").create_distribution(
        DistributionConfig=cloudfront.s3_distribution_config(aws, "kit site", "kit-site"))["Distribution"]
    cloudfront.delete_distribution(aws, "another-lab", "kit site")
    cloudfront.delete_distribution(aws, "kit-test", "kit site")
    assert cloudfront.distribution(aws, made["Id"]) is None
    assert cloudfront.distribution(aws, theirs["Id"]) is not None


def test_ensure_versioned_bucket_enables_versioning_and_puts_missing_objects_once(target: Target) -> None:
    aws = target.aws()
    assert s3.ensure_versioned_bucket(aws, "kit-test", "kit-sources", {"app/source.zip": b"PK first"})
    aws.client("s3").put_object(Bucket="kit-sources", Key="app/source.zip", Body=b"the learner's upload")
    assert not s3.ensure_versioned_bucket(aws, "kit-test", "kit-sources", {"app/source.zip": b"PK first"})
    client = aws.client("s3")
    assert client.get_bucket_versioning(Bucket="kit-sources")["Status"] == "Enabled"
    assert client.get_object(Bucket="kit-sources", Key="app/source.zip")["Body"].read() == b"the learner's upload"
    assert len(client.list_object_versions(Bucket="kit-sources")["Versions"]) == 2
    assert s3.tags(aws, "kit-sources") == {kit.TAG_KEY: "kit-test"}
    s3.delete_bucket(aws, "kit-test", "kit-sources")  # every version goes with it
    assert "kit-sources" not in s3.bucket_names(aws)


KIT_BUILDSPEC = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo \"built $(cat name.txt)\"\n"


def test_codebuild_readers_follow_a_tagged_project_and_its_builds_and_delete_only_the_labs(target: Target) -> None:
    aws = target.aws()
    assert codebuild.project(aws, "kit-project") is None and codebuild.newest_builds(aws, "kit-project") == []
    assert codebuild.build(aws, "kit-project:0000") is None
    role = iam.ensure_role(aws, "kit-test", "kit-build-role", iam.trust_policy("codebuild.amazonaws.com"))
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo \"built by kit\"\n      - exit 3\n"
    made = codebuild.ensure_project(aws, "kit-test", "kit-project", role_arn=role,
                                    source={"type": "NO_SOURCE", "buildspec": spec}, artifacts={"type": "NO_ARTIFACTS"})
    assert codebuild.ensure_project(aws, "kit-test", "kit-project", role_arn=role, source={"type": "CODEPIPELINE"},
                                    artifacts={"type": "CODEPIPELINE"})["source"]["type"] == "NO_SOURCE"  # kept
    assert codebuild.tags(made) == {kit.TAG_KEY: "kit-test"}
    started = aws.client("codebuild").start_build(projectName="kit-project")["build"]["id"]
    ended = codebuild.wait_for_build(aws, started)
    assert ended is not None and ended["buildStatus"] == "FAILED"
    assert codebuild.failed_phase(ended)[0] == "BUILD" and "exit 3" in codebuild.failed_phase(ended)[1]
    assert codebuild.failed_phase({"phases": [{"phaseType": "BUILD", "phaseStatus": "SUCCEEDED"}]}) == ("", "")
    assert [b["id"] for b in codebuild.newest_builds(aws, "kit-project")] == [started]
    assert "built by kit" in (codebuild.log_lines(aws, ended) or [])
    assert codebuild.log_lines(aws, {"logs": {"cloudWatchLogs": {"status": "DISABLED"}}}) is None
    aws.client("codebuild").create_project(name="learners-project", source={"type": "NO_SOURCE", "buildspec": spec},
                                           artifacts={"type": "NO_ARTIFACTS"}, serviceRole=role,
                                           environment={"type": "LINUX_CONTAINER", "image": codebuild.DEFAULT_IMAGE,
                                                        "computeType": "BUILD_GENERAL1_SMALL"})
    codebuild.delete_project(aws, "another-lab", "kit-project")
    codebuild.delete_project(aws, "kit-test", "learners-project")
    assert codebuild.project(aws, "kit-project") is not None and codebuild.project(aws, "learners-project") is not None
    codebuild.delete_project(aws, "kit-test", "kit-project")
    codebuild.delete_project_named(aws, "learners-project")
    codebuild.delete_project_named(aws, "no-such-project")
    assert codebuild.project(aws, "kit-project") is None and codebuild.project(aws, "learners-project") is None


def _kit_pipeline(aws, key: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    role = iam.ensure_role(aws, "kit-test", "kit-pipeline-role", iam.trust_policy("codepipeline.amazonaws.com"))
    action = {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}
    return {"name": "kit-pipeline", "roleArn": role, "artifactStore": {"type": "S3", "location": "kit-artifacts"},
            "stages": [
                {"name": "Fetch", "actions": [{"name": "Zip", "actionTypeId": action, "outputArtifacts": [{"name": "Src"}],
                                               "configuration": {"S3Bucket": "kit-sources", "S3ObjectKey": key}}]},
                {"name": "Make", "actions": [
                    {"name": "Second", "runOrder": 2, "actionTypeId": {**action, "category": "Build", "provider": "CodeBuild"},
                     "configuration": {"ProjectName": "kit-pipeline-build"}, "inputArtifacts": [{"name": "Src"}],
                     "outputArtifacts": [{"name": "Out"}]},
                    {"name": "First", "runOrder": 1, "actionTypeId": {**action, "category": "Build", "provider": "CodeBuild"},
                     "configuration": {"ProjectName": "kit-pipeline-build"}, "inputArtifacts": [{"name": "Src"}]}]},
            ]}


def test_codepipeline_readers_follow_a_pipeline_from_its_structure_to_its_ended_executions(target: Target) -> None:
    aws = target.aws()
    name = "kit-pipeline"
    assert codepipeline.pipeline(aws, name) is None and codepipeline.newest_execution(aws, name) is None
    assert codepipeline.executions(aws, name) == [] and codepipeline.state(aws, name) is None
    assert codepipeline.action_executions(aws, name, "0000") == []
    assert codepipeline.wait_for_execution(aws, name) is None
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("buildspec.yml", KIT_BUILDSPEC)
        archive.writestr("name.txt", "the kit")
    s3.ensure_versioned_bucket(aws, "kit-test", "kit-sources", {"site.zip": packed.getvalue()})
    s3.ensure_bucket(aws, "kit-test", "kit-artifacts")
    build_role = iam.ensure_role(aws, "kit-test", "kit-pipeline-build-role", iam.trust_policy("codebuild.amazonaws.com"))
    codebuild.ensure_project(aws, "kit-test", "kit-pipeline-build", role_arn=build_role, source={"type": "CODEPIPELINE"},
                             artifacts={"type": "CODEPIPELINE"})
    aws.client("codepipeline").create_pipeline(pipeline=_kit_pipeline(aws, "missing.zip"))
    failed = codepipeline.wait_for_execution(aws, name)
    assert failed is not None and failed["status"] == "Failed" and failed["pipelineVersion"] == 1
    declaration = codepipeline.pipeline(aws, name)
    assert declaration is not None and codepipeline.artifact_bucket(declaration, aws.region) == "kit-artifacts"
    assert [(p, s, a["name"]) for p, s, a in codepipeline.actions(declaration)] == [
        (0, "Fetch", "Zip"), (1, "Make", "First"), (1, "Make", "Second")]
    builds = codepipeline.provided_by(declaration, "Build", "CodeBuild")
    assert [a["name"] for _, _, a in builds] == ["First", "Second"]
    assert codepipeline.provided_by(declaration, "Source", "CodeCommit") == []
    assert codepipeline.artifact_names(builds[1][2], "inputArtifacts") == ["Src"]
    assert codepipeline.artifact_names(builds[0][2], "outputArtifacts") == []
    aws.client("codepipeline").update_pipeline(pipeline=_kit_pipeline(aws, "site.zip"))
    started = aws.client("codepipeline").start_pipeline_execution(name=name)["pipelineExecutionId"]
    ended = codepipeline.wait_for_execution(aws, name, started)
    assert ended is not None and ended["status"] == "Succeeded" and ended["pipelineVersion"] == 2
    newest = codepipeline.newest_execution(aws, name)
    assert newest is not None and newest["pipelineExecutionId"] == started and "startTime" in newest
    assert [e["status"] for e in codepipeline.executions(aws, name)] == ["Succeeded", "Failed"]
    ran = codepipeline.action_executions(aws, name, started)
    assert [(d["actionName"], d["status"]) for d in ran] == [("Zip", "Succeeded"), ("First", "Succeeded"),
                                                              ("Second", "Succeeded")]
    build = codebuild.build(aws, ran[1]["output"]["executionResult"]["externalExecutionId"])
    assert build is not None and "built the kit" in (codebuild.log_lines(aws, build) or [])
    stages = (codepipeline.state(aws, name) or {})["stageStates"]
    assert [(s["stageName"], s["latestExecution"]["status"]) for s in stages] == [("Fetch", "Succeeded"),
                                                                                  ("Make", "Succeeded")]
    codepipeline.delete_pipeline(aws, name)
    codepipeline.delete_pipeline(aws, name)
    assert codepipeline.pipeline(aws, name) is None


@pytest.mark.parametrize(("declaration", "bucket"), [
    ({"artifactStore": {"type": "S3", "location": "one-store"}}, "one-store"),
    ({"artifactStores": {"us-east-1": {"type": "S3", "location": "here"}, "eu-west-1": {"type": "S3", "location": "there"}}},
     "here"),
    ({"artifactStores": {"eu-west-1": {"type": "S3", "location": "there"}}}, None),
    ({}, None),
])
def test_artifact_bucket_reads_the_store_of_the_region(declaration: dict, bucket: str | None) -> None:  # type: ignore[type-arg]
    assert codepipeline.artifact_bucket(declaration, "us-east-1") == bucket


def test_cloudfront_readers_find_the_oac_by_name_and_the_origin_it_signs_for(target: Target) -> None:
    aws = target.aws()
    assert cloudfront.origin_access_control_by_name(aws, "kit-oac") is None
    oac_id = aws.client("cloudfront").create_origin_access_control(OriginAccessControlConfig={
        "Name": "kit-oac", "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"]
    found_oac = cloudfront.origin_access_control_by_name(aws, "kit-oac")
    assert found_oac is not None and (found_oac["Id"], found_oac["SigningBehavior"]) == (oac_id, "always")
    config = cloudfront.s3_distribution_config(aws, "kit oac site", "kit-site", oac_id=oac_id)
    made = aws.client("cloudfront").create_distribution(DistributionConfig=config)["Distribution"]
    origin = cloudfront.default_origin(made)
    assert origin is not None and origin["OriginAccessControlId"] == oac_id
    assert cloudfront.s3_bucket_of(origin["DomainName"]) == "kit-site"
    assert cloudfront.s3_bucket_of("kit-site.s3-website-us-east-1.amazonaws.com") is None
    assert cloudfront.s3_website_bucket_of("kit-site.s3-website.eu-west-1.amazonaws.com") == "kit-site"
    assert cloudfront.viewer_url(aws, made) == f"{target.endpoint_url}/_cloudfront/https/{made['Id']}"
    assert cloudfront.viewer_url(Target("aws", "us-east-1"), made, https=False) == f"http://{made['DomainName']}"
    cloudfront.delete_distributions_named(aws, "kit oac site")
    assert cloudfront.ensure_origin_access_control(aws, "kit-oac") == oac_id  # found, not made again
    cloudfront.delete_origin_access_control(aws, "kit-oac")
    assert cloudfront.distribution(aws, made["Id"]) is None
    assert cloudfront.origin_access_control_by_name(aws, "kit-oac") is None
    made_oac = cloudfront.ensure_origin_access_control(aws, "kit-oac")
    assert cloudfront.origin_access_control_by_name(aws, "kit-oac") == {
        **(cloudfront.origin_access_control_by_name(aws, "kit-oac") or {}), "Id": made_oac,
        "SigningBehavior": "always", "SigningProtocol": "sigv4", "OriginAccessControlOriginType": "s3"}


def test_bucket_policy_admits_a_distribution_only_as_the_policy_means_it() -> None:
    arn = "arn:aws:cloudfront::123456789012:distribution/E1SITE"
    other = "arn:aws:cloudfront::123456789012:distribution/E2OTHER"
    page = "arn:aws:s3:::site/index.html"
    proposed = cloudfront.oac_bucket_policy("site", arn)
    assert cloudfront.bucket_policy_admits(proposed, arn, page)
    assert not cloudfront.bucket_policy_admits(proposed, other, page)
    assert not cloudfront.bucket_policy_admits(proposed, arn, "arn:aws:s3:::another-bucket/index.html")
    statement = proposed["Statement"][0]
    unconditioned = {"Statement": [{key: value for key, value in statement.items() if key != "Condition"}]}
    assert cloudfront.bucket_policy_admits(unconditioned, other, page)
    by_account = {"Statement": [{**statement, "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]}
    assert cloudfront.bucket_policy_admits(by_account, other, page)
    like = {"Statement": [{**statement, "Condition": {"ArnLike": {"AWS:SourceArn": arn.replace("E1SITE", "*")}}}]}
    assert cloudfront.bucket_policy_admits(like, other, page)
    denied = {"Statement": [statement, {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": page}]}
    assert not cloudfront.bucket_policy_admits(denied, arn, page)
    to_lambda = {"Statement": [{**statement, "Principal": {"Service": "lambda.amazonaws.com"}}]}
    assert not cloudfront.bucket_policy_admits(to_lambda, arn, page)


def _lab_with(register) -> Lab:  # type: ignore[no-untyped-def]
    lab = Lab(id="kit-factories", track="serverless", services=("sqs",), certs=("DVA",), minutes=5,
              title=Text(en="Factories", ja="ファクトリー"), task=Text(en="Do it.", ja="実行してください。"))
    register(lab)
    return lab


def _judged(lab: Lab, target: Target, ctx: dict[str, str]) -> tuple[bool, str, str]:
    report = run_check(lab, target.aws(read_only=True), ctx)
    bad = report_problems(report, set(ctx.values()))
    assert not bad, "\n".join(bad)
    result = report.results[0]
    return result.passed, result.found.en, result.found.ja


def test_role_trusts_criterion_passes_only_for_the_named_service(target: Target) -> None:
    aws = target.aws()
    lab = _lab_with(lambda lab: iam.role_trusts_criterion(lab, "trusts-lambda", role="role_name",
                                                          service="lambda.amazonaws.com"))
    ctx = {"role_name": "kit-role"}
    assert _judged(lab, target, ctx)[0] is False  # no role yet
    aws.cli("iam", "create-role", "--role-name", "kit-role",
            "--assume-role-policy-document", json.dumps(iam.trust_policy("states.amazonaws.com")))
    ok, found, _ = _judged(lab, target, ctx)
    assert not ok and "states.amazonaws.com" in found
    aws.cli("iam", "update-assume-role-policy", "--role-name", "kit-role",
            "--policy-document", json.dumps(iam.trust_policy("lambda.amazonaws.com")))
    assert _judged(lab, target, ctx)[0] is True


def test_lets_send_criterion_follows_principal_action_and_source_arn(target: Target) -> None:
    aws = target.aws()
    lab = _lab_with(lambda lab: sqs.lets_send_criterion(lab, "sns-may-send", queue="queue", service="sns.amazonaws.com",
                                                        source_arn="topic_arn"))
    topic = f"arn:aws:sns:{aws.region}:{aws.account_id}:orders"
    ctx = {"queue": "kit-queue", "topic_arn": topic}
    assert _judged(lab, target, ctx)[0] is False  # no queue yet
    url = json.loads(aws.cli("sqs", "create-queue", "--queue-name", "kit-queue"))["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{aws.region}:{aws.account_id}:kit-queue"
    assert _judged(lab, target, ctx)[0] is False  # no policy

    def allow(condition: dict | None) -> None:  # type: ignore[type-arg]
        statement = {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                     "Resource": queue_arn, **({"Condition": condition} if condition else {})}
        document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        aws.cli("sqs", "set-queue-attributes", "--queue-url", url, "--attributes", json.dumps({"Policy": document}))

    allow({"ArnEquals": {"aws:SourceArn": topic.replace("orders", "other-topic")}})
    ok, found, _ = _judged(lab, target, ctx)
    assert not ok and "other-topic" in found
    allow({"ArnLike": {"aws:SourceArn": f"arn:aws:sns:{aws.region}:{aws.account_id}:ord*"}})
    assert _judged(lab, target, ctx)[0] is True
    allow(None)
    assert _judged(lab, target, ctx)[0] is True  # no condition: the topic (and any other) may send


def test_every_lab_builds_on_the_kit_factories_without_changing_its_criterion_ids() -> None:
    labs = all_labs()
    expected = ["rest-api", "hello-resource", "get-method", "lambda-proxy-integration", "invoke-permission",
                "deployed-to-prod", "hello-answers"]
    assert [c.id for c in labs["apigw-lambda-proxy"].criteria] == expected
    ask = [c.id for c in labs["apigw-lambda-bedrock"].criteria]
    assert ask[2:8] == ["rest-api", "ask-resource", "post-method", "lambda-proxy-integration", "invoke-permission",
                        "deployed-to-prod"]


def test_ensure_queue_and_topic_are_idempotent_and_delete_only_what_the_lab_tagged(target: Target) -> None:
    aws = target.aws()
    url = sqs.ensure_queue(aws, "kit-test", "kit-orders", {"VisibilityTimeout": "5"})
    assert sqs.ensure_queue(aws, "kit-test", "kit-orders") == url
    assert (sqs.attributes(aws, "kit-orders") or {})["VisibilityTimeout"] == "5"
    arn = sns.ensure_topic(aws, "kit-test", "kit-topic")
    assert sns.ensure_topic(aws, "kit-test", "kit-topic") == arn == sns.topic_arn(aws, "kit-topic")
    aws.client("sqs").create_queue(QueueName="learners-queue")
    aws.client("sns").create_topic(Name="learners-topic")
    for name in ("kit-orders", "learners-queue"):
        sqs.delete_queue(aws, "another-lab", name)
        sqs.delete_queue(aws, "kit-test", name)
    for name in ("kit-topic", "learners-topic"):
        sns.delete_topic(aws, "another-lab", name)
        sns.delete_topic(aws, "kit-test", name)
    assert sqs.queue_url(aws, "kit-orders") is None and sqs.queue_url(aws, "learners-queue") is not None
    assert sns.topic_arn(aws, "kit-topic") is None and sns.topic_arn(aws, "learners-topic") is not None


def test_subscription_to_finds_a_queues_subscription_and_reads_its_filter_policy_and_scope(target: Target) -> None:
    aws = target.aws()
    topic = sns.ensure_topic(aws, "kit-test", "kit-fanout")
    queue = f"arn:aws:sqs:{aws.region}:{aws.account_id}:kit-fanout-queue"
    assert sns.subscription_to(aws, topic, queue) is None
    aws.cli("sns", "subscribe", "--topic-arn", topic, "--protocol", "sqs", "--notification-endpoint", queue,
            "--attributes", json.dumps({"FilterPolicy": '{"shipping": ["express"]}', "FilterPolicyScope": "MessageBody"}))
    found = sns.subscription_to(aws, topic, queue)
    assert found is not None and found["Endpoint"] == queue
    assert sns.filter_policy(found) == {"shipping": ["express"]}
    assert sns.filter_policy_scope(found) == "MessageBody"
    assert sns.filter_policy_scope({"Attributes": {}}) == "MessageAttributes"  # SNS's default
    assert sns.subscription_to(aws, topic, queue, protocol="lambda") is None


@pytest.mark.parametrize(("policy", "attributes", "matches"), [
    (None, {}, True),
    ({"shipping": ["express", "overnight"]}, {"shipping": "overnight"}, True),
    ({"shipping": ["express", "overnight"]}, {"shipping": "standard"}, False),
    ({"shipping": ["express", "overnight"]}, {}, False),
    ({"shipping": [{"anything-but": ["standard"]}]}, {"shipping": "express"}, True),
    ({"shipping": [{"prefix": "exp"}]}, {"shipping": "economy"}, False),
    ({"$or": [{"shipping": ["express"]}, {"priority": ["high"]}]}, {"priority": "high"}, True),
])
def test_filter_policy_matches_decides_as_sns_does(policy: dict | None, attributes: dict[str, str],  # type: ignore[type-arg]
                                                   matches: bool) -> None:
    assert sns.filter_policy_matches(policy, attributes) is matches


def test_allows_reads_inline_and_managed_policies_and_an_explicit_deny_wins(target: Target) -> None:
    aws = target.aws()
    queue = f"arn:aws:sqs:{aws.region}:{aws.account_id}:kit-consumed"
    iam.ensure_role(aws, "kit-test", "kit-consumer", iam.trust_policy("lambda.amazonaws.com"))
    assert iam.identity_documents(aws, "kit-consumer") == [] and iam.identity_documents(aws, "no-such-role") == []
    assert not iam.allows(aws, "kit-consumer", "sqs:ReceiveMessage", queue)
    aws.cli("iam", "attach-role-policy", "--role-name", "kit-consumer",
            "--policy-arn", "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
    assert iam.allows(aws, "kit-consumer", "sqs:ReceiveMessage", queue)
    assert not iam.allows(aws, "kit-consumer", "sqs:SendMessage", queue)
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sqs:Receive*", "Resource": queue}]}
    aws.cli("iam", "put-role-policy", "--role-name", "kit-consumer", "--policy-name", "deny",
            "--policy-document", json.dumps(deny))
    documents = iam.identity_documents(aws, "kit-consumer")
    assert len(documents) == 2
    assert not iam.allows(aws, "kit-consumer", "sqs:ReceiveMessage", queue, documents=documents)
    assert iam.allows(aws, "kit-consumer", "sqs:DeleteMessage", queue, documents=documents)
    iam.delete_role(aws, "kit-test", "kit-consumer")


def test_message_count_adds_available_in_flight_and_delayed_messages_without_receiving(target: Target) -> None:
    aws = target.aws()
    assert sqs.message_count(aws, "kit-counted") is None
    url = sqs.ensure_queue(aws, "kit-test", "kit-counted")
    client = aws.client("sqs")
    client.send_message(QueueUrl=url, MessageBody="available")
    client.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=60)
    client.send_message(QueueUrl=url, MessageBody="in flight")
    client.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)
    assert sqs.message_count(aws, "kit-counted") == 3
    assert sqs.message_count(aws, "kit-counted") == 3  # counting receives nothing
    sqs.delete_queue(aws, "kit-test", "kit-counted")


def test_delete_function_removes_its_event_source_mappings_and_only_for_a_tagged_function(target: Target) -> None:
    aws = target.aws()
    role = iam.ensure_role(aws, "kit-test", "kit-mapped-role", iam.trust_policy("lambda.amazonaws.com"))
    source = "def handler(event, context):\n    return {}\n"
    awslambda.ensure_function(aws, "kit-test", "kit-mapped", role_arn=role, source=source)
    for name in ("kit-mapped-a", "kit-mapped-b"):
        sqs.ensure_queue(aws, "kit-test", name)
    arns = [str((sqs.attributes(aws, name) or {})["QueueArn"]) for name in ("kit-mapped-a", "kit-mapped-b")]
    for arn in arns:
        aws.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName="kit-mapped", Enabled=False)
    assert len(awslambda.event_source_mappings(aws, "kit-mapped")) == 2
    assert [m["EventSourceArn"] for m in awslambda.event_source_mappings(aws, "kit-mapped", arns[1])] == [arns[1]]
    assert awslambda.event_source_mappings(aws, "no-such-function") == []
    awslambda.delete_function(aws, "another-lab", "kit-mapped")
    assert len(awslambda.event_source_mappings(aws, "kit-mapped")) == 2
    awslambda.delete_function(aws, "kit-test", "kit-mapped")
    assert awslambda.function(aws, "kit-mapped") is None
    assert aws.client("lambda").list_event_source_mappings(EventSourceArn=arns[0])["EventSourceMappings"] == []
    for name in ("kit-mapped-a", "kit-mapped-b"):
        sqs.delete_queue(aws, "kit-test", name)
    iam.delete_role(aws, "kit-test", "kit-mapped-role")


@pytest.mark.parametrize(("error_equals", "error", "matches"), [
    (["PaymentGatewayError"], "PaymentGatewayError", True),
    (["PaymentGatewayError"], "CardDeclined", False),
    (["States.ALL"], "CardDeclined", True),
    (["States.TaskFailed"], "CardDeclined", True),
    (["States.TaskFailed"], "States.Timeout", False),
    (["States.ALL"], "States.Timeout", True),
])
def test_error_matches_follows_the_states_languages_error_names(error_equals: list[str], error: str,
                                                                 matches: bool) -> None:
    assert stepfunctions.error_matches(error_equals, error) is matches


def test_first_match_takes_the_first_retrier_that_matches_and_retry_settings_fill_the_defaults() -> None:
    retriers = [{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 6},
                {"ErrorEquals": ["PaymentGatewayError"], "IntervalSeconds": 5},
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]
    assert stepfunctions.first_match(retriers, "PaymentGatewayError") == retriers[1]
    assert stepfunctions.first_match(retriers, "CardDeclined") == retriers[2]
    assert stepfunctions.first_match(None, "CardDeclined") is None
    assert stepfunctions.retry_settings(retriers[1]) == (3, 5.0, 2.0)


def _waf_rule(name: str, priority: int, statement: dict, **action: dict) -> dict:  # type: ignore[type-arg]
    return {"Name": name, "Priority": priority, "Statement": statement, **(action or {"Action": {"Block": {}}}),
            "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}}


def test_web_acl_is_found_by_name_in_its_scope_and_delete_unlinks_the_distributions_it_protects(
        target: Target) -> None:
    aws = target.aws()
    waf = aws.client("wafv2")
    assert wafv2.web_acl(aws, "kit-acl") is None
    group = {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}}
    rules = [_waf_rule("common", 0, group, OverrideAction={"None": {}}),
             _waf_rule("rate", 5, {"RateBasedStatement": {"Limit": 500, "AggregateKeyType": "IP"}})]
    visibility = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": False, "MetricName": "kit-acl"}
    arn = waf.create_web_acl(Name="kit-acl", Scope="CLOUDFRONT", DefaultAction={"Allow": {}},
                             VisibilityConfig=visibility, Rules=rules)["Summary"]["ARN"]
    waf.create_web_acl(Name="kit-acl", Scope="REGIONAL", DefaultAction={"Block": {}}, VisibilityConfig=visibility)
    acl = wafv2.web_acl(aws, "kit-acl")
    assert acl is not None and acl["ARN"] == arn and wafv2.default_action(acl) == "Allow"
    assert wafv2.default_action(wafv2.web_acl(aws, "kit-acl", wafv2.REGIONAL) or {}) == "Block"
    assert [r["Name"] for r in wafv2.rules(acl)] == ["common", "rate"]
    rate = wafv2.rule(acl, "rate") or {}
    assert wafv2.statement_kind(rate) == "RateBasedStatement" and wafv2.action(rate) == "Block"
    assert wafv2.managed_group(wafv2.rule(acl, "common") or {}) == ("AWS", "AWSManagedRulesCommonRuleSet")
    assert wafv2.action(wafv2.rule(acl, "common") or {}) is None and wafv2.rule(acl, "nope") is None
    assert not wafv2.metrics_on(acl) and wafv2.rules_without_metrics(acl) == []
    s3.ensure_bucket(aws, "kit-test", "kit-waf-site", {"index.html": ("<h1>home</h1>", "text/html")})
    protected = cloudfront.ensure_s3_distribution(aws, "kit-test", "kit waf site", "kit-waf-site")
    config = aws.client("cloudfront").get_distribution_config(Id=protected["Id"])
    aws.client("cloudfront").update_distribution(Id=protected["Id"], IfMatch=config["ETag"],
                                                 DistributionConfig={**config["DistributionConfig"], "WebACLId": arn})
    assert [d["Id"] for d in wafv2.distributions_protected_by(aws, arn)] == [protected["Id"]]
    wafv2.delete_web_acl(aws, "kit-acl")
    assert wafv2.web_acl(aws, "kit-acl") is None and wafv2.web_acl(aws, "kit-acl", wafv2.REGIONAL) is not None
    assert (cloudfront.distribution(aws, protected["Id"]) or {})["DistributionConfig"]["WebACLId"] == ""
    wafv2.delete_web_acl(aws, "kit-acl", wafv2.REGIONAL)
    wafv2.delete_web_acl(aws, "no-such-acl")
    assert wafv2.web_acl_summaries(aws, wafv2.REGIONAL) == []


@pytest.mark.parametrize(("statement", "meaning"), [
    ({"Limit": 500, "AggregateKeyType": "IP"}, (500, 300, "IP", False, True)),
    ({"Limit": 500, "AggregateKeyType": "CUSTOM_KEYS", "CustomKeys": [{"IP": {}}], "EvaluationWindowSec": 300},
     (500, 300, "IP", False, True)),
    ({"Limit": 100, "AggregateKeyType": "IP", "EvaluationWindowSec": 60}, (100, 60, "IP", False, True)),
    ({"Limit": 500, "AggregateKeyType": "FORWARDED_IP", "ForwardedIPConfig": {"HeaderName": "X-Forwarded-For",
                                                                            "FallbackBehavior": "MATCH"}},
     (500, 300, "FORWARDED_IP", False, False)),
    ({"Limit": 500, "AggregateKeyType": "CUSTOM_KEYS", "CustomKeys": [{"IP": {}}, {"HTTPMethod": {}}]},
     (500, 300, "IP+HTTPMethod", False, False)),
    ({"Limit": 500, "AggregateKeyType": "IP", "ScopeDownStatement": {"ByteMatchStatement": {}}},
     (500, 300, "IP", True, True)),
])
def test_rate_limit_reads_what_a_rate_based_rule_counts_and_per_what(statement: dict,  # type: ignore[type-arg]
                                                                     meaning: tuple) -> None:  # type: ignore[type-arg]
    found = wafv2.rate_limit({"Statement": {"RateBasedStatement": statement}})
    assert found is not None
    assert (found.limit, found.window_seconds, found.key, found.scoped_down, found.per_ip) == meaning
    assert wafv2.rate_limit({"Statement": {"ByteMatchStatement": {}}}) is None


def test_group_rule_actions_apply_the_group_override_rule_overrides_and_excluded_rules() -> None:
    group = {"Rules": [{"Name": "A", "Action": {"Block": {}}}, {"Name": "B", "Action": {"Block": {}}},
                       {"Name": "C", "Action": {"Count": {}}}]}

    def rule(override: str = "None", **statement: list) -> dict:  # type: ignore[type-arg]
        return {"OverrideAction": {override: {}}, "Statement": {"ManagedRuleGroupStatement": {
            "VendorName": "AWS", "Name": "G", **statement}}}

    assert wafv2.group_rule_actions(rule(), group) == {"A": "Block", "B": "Block", "C": "Count"}
    assert wafv2.group_rule_actions(rule("Count"), group) == {"A": "Count", "B": "Count", "C": "Count"}
    overridden = rule(RuleActionOverrides=[{"Name": "B", "ActionToUse": {"Count": {}}},
                                           {"Name": "C", "ActionToUse": {"Block": {}}}])
    assert wafv2.group_rule_actions(overridden, group) == {"A": "Block", "B": "Count", "C": "Block"}
    assert wafv2.group_rule_actions(rule(ExcludedRules=[{"Name": "A"}]), group)["A"] == "Count"
