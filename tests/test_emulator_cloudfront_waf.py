"""CloudFront serving and WAFv2 on the real emulator process (extensions cloudfront_serving, cloudfront_web_acl,
wafv2_managed_rule_groups and wafv2_cloudfront_association), with the AWS CLI where a learner would use it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from typing import Any

import botocore.exceptions
import pytest

from mcredlab.emulator import EmulatorInfo
from mcredlab.target import Aws, Target, resolve

AWS_CLI = shutil.which("aws")
HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def shared(emulator_info: EmulatorInfo) -> Target:
    """The emulator, not reset: tests here create uniquely named buckets and web ACLs (a reset costs ~1 s)."""
    return resolve("emulator")


@pytest.fixture
def aws(shared: Target) -> Aws:
    """One set of boto3 clients for the test (building a client costs more than a request)."""
    return shared.aws()


@pytest.fixture
def bucket(aws: Aws) -> str:
    """A bucket of its own for the test, holding index.html and css/site.css."""
    name = f"cf-site-{uuid.uuid4().hex[:10]}"
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="index.html", Body=b"<h1>home</h1>", ContentType="text/html")
    s3.put_object(Bucket=name, Key="css/site.css", Body=b"body{}", ContentType="text/css")
    return name


def aws_cli(target: Target, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``aws`` CLI against the emulator, with a learner's environment for ``target``."""
    if AWS_CLI is None:
        pytest.fail("the aws CLI is not installed (it is a dependency of mcredlab)")
    return subprocess.run([AWS_CLI, *args, "--output", "json"], env={**os.environ, **target.environ()},
                          capture_output=True, text=True, timeout=120, check=False)


def cli_json(target: Target, *args: str) -> Any:
    done = aws_cli(target, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(info: EmulatorInfo, path: str, headers: dict[str, str] | None = None,
          method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One viewer request to the emulator, redirects not followed."""
    request = urllib.request.Request(info.url + path, headers=headers or {}, method=method)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _oac(aws: Aws, behavior: str = "always") -> str:
    return str(aws.client("cloudfront").create_origin_access_control(OriginAccessControlConfig={
        "Name": f"oac-{uuid.uuid4().hex[:10]}", "SigningProtocol": "sigv4", "SigningBehavior": behavior,
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"])


def _config(bucket: str, oac_id: str = "", policy: str = "redirect-to-https", enabled: bool = True,
            web_acl: str = "") -> dict[str, Any]:
    config: dict[str, Any] = {
        "CallerReference": uuid.uuid4().hex,
        "Comment": "",
        "Enabled": enabled,
        "DefaultRootObject": "index.html",
        "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
                                               "S3OriginConfig": {"OriginAccessIdentity": ""},
                                               "OriginAccessControlId": oac_id}]},
        "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": policy,
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
    }
    if web_acl:
        config["WebACLId"] = web_acl
    return config


def _distribution(aws: Aws, bucket: str, **kwargs: Any) -> dict[str, Any]:
    created = aws.client("cloudfront").create_distribution(DistributionConfig=_config(bucket, **kwargs))
    return dict(created["Distribution"])


def _oac_policy(bucket: str, distribution_arn: str, operator: str = "StringEquals") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "AllowCloudFrontServicePrincipal", "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {operator: {"AWS:SourceArn": distribution_arn}}}]})


# --- cloudfront_serving ------------------------------------------------------------------------------------------

def test_oac_distribution_serves_default_root_object_once_bucket_policy_allows_its_arn(
        shared: Target, aws: Aws, bucket: str, emulator_info: EmulatorInfo) -> None:
    dist = _distribution(aws, bucket, oac_id=_oac(aws))
    path = f"/_cloudfront/{dist['Id']}/"
    status, headers, body = fetch(emulator_info, path, HTTPS)
    assert status == 403 and b"<Code>AccessDenied</Code>" in body  # no bucket policy yet
    policy = _oac_policy(bucket, dist["ARN"])
    done = aws_cli(shared, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", policy)
    assert done.returncode == 0, done.stderr
    status, headers, body = fetch(emulator_info, path, HTTPS)
    assert (status, body, headers["Content-Type"]) == (200, b"<h1>home</h1>", "text/html")
    assert headers["X-Cache"] == "Miss from cloudfront" and "(CloudFront)" in headers["Via"]
    by_host = fetch(emulator_info, "/css/site.css", {**HTTPS, "Host": dist["DomainName"]})
    assert (by_host[0], by_host[1]["Content-Type"], by_host[2]) == (200, "text/css", b"body{}")


def test_oac_read_is_denied_when_policy_names_another_distribution_or_anyone_but_cloudfront(
        aws: Aws, bucket: str, emulator_info: EmulatorInfo) -> None:
    dist = _distribution(aws, bucket, oac_id=_oac(aws))
    s3 = aws.client("s3")
    other = dist["ARN"].rsplit("/", 1)[0] + "/EOTHER123"
    s3.put_bucket_policy(Bucket=bucket, Policy=_oac_policy(bucket, other))
    assert fetch(emulator_info, f"/_cloudfront/{dist['Id']}/index.html", HTTPS)[0] == 403
    s3.put_bucket_policy(Bucket=bucket, Policy=_oac_policy(bucket, dist["ARN"].rsplit("/", 1)[0] + "/*", "ArnLike"))
    assert fetch(emulator_info, f"/_cloudfront/{dist['Id']}/index.html", HTTPS)[0] == 200
    # the same Allow does not let an anonymous viewer read the bucket directly
    assert fetch(emulator_info, f"/{bucket}/index.html")[0] == 403


def test_missing_object_through_cloudfront_is_403_unless_cloudfront_may_list(
        aws: Aws, bucket: str, emulator_info: EmulatorInfo) -> None:
    dist = _distribution(aws, bucket, oac_id=_oac(aws))
    s3 = aws.client("s3")
    s3.put_bucket_policy(Bucket=bucket, Policy=_oac_policy(bucket, dist["ARN"]))
    assert fetch(emulator_info, f"/_cloudfront/{dist['Id']}/nope.html", HTTPS)[0] == 403
    document = json.loads(_oac_policy(bucket, dist["ARN"]))
    document["Statement"][0]["Action"] = ["s3:GetObject", "s3:ListBucket"]
    document["Statement"][0]["Resource"] = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))
    status, _, body = fetch(emulator_info, f"/_cloudfront/{dist['Id']}/nope.html", HTTPS)
    assert status == 404 and b"<Code>NoSuchKey</Code>" in body


def test_viewer_protocol_policy_redirects_or_refuses_http_viewers(aws: Aws, bucket: str, emulator_info: EmulatorInfo) -> None:
    redirect = _distribution(aws, bucket, policy="redirect-to-https")
    status, headers, _ = fetch(emulator_info, f"/_cloudfront/{redirect['Id']}/css/site.css?v=1")
    assert status == 301 and headers["Location"] == f"https://{redirect['DomainName']}/css/site.css?v=1"
    https_only = _distribution(aws, bucket, policy="https-only")
    status, _, body = fetch(emulator_info, f"/_cloudfront/{https_only['Id']}/")
    assert status == 403 and b"could not be satisfied" in body  # CloudFront's own refusal
    status, _, body = fetch(emulator_info, f"/_cloudfront/https/{https_only['Id']}/")
    assert status == 403 and b"<Code>AccessDenied</Code>" in body  # an HTTPS viewer reaches S3 (no policy)


def test_cache_behavior_path_pattern_picks_protocol_policy_and_origin_path_prefixes_key(
        aws: Aws, bucket: str, emulator_info: EmulatorInfo) -> None:
    aws.client("s3").put_object(Bucket=bucket, Key="v2/my page.html", Body=b"two", ContentType="text/html")
    config = _config(bucket, oac_id=_oac(aws), policy="https-only")
    config["Origins"]["Items"][0]["OriginPath"] = "/v2"
    behavior = {**config["DefaultCacheBehavior"], "PathPattern": "*.html", "ViewerProtocolPolicy": "allow-all"}
    config["CacheBehaviors"] = {"Quantity": 1, "Items": [behavior]}
    dist = aws.client("cloudfront").create_distribution(DistributionConfig=config)["Distribution"]
    aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=_oac_policy(bucket, dist["ARN"]))
    status, headers, body = fetch(emulator_info, f"/_cloudfront/{dist['Id']}/my%20page.html")
    assert (status, body, headers["Content-Type"]) == (200, b"two", "text/html")
    assert fetch(emulator_info, f"/_cloudfront/{dist['Id']}/css/site.css")[0] == 403  # default: https-only


def test_distribution_without_oac_reads_anonymously_by_the_buckets_public_access(
        aws: Aws, bucket: str, emulator_info: EmulatorInfo) -> None:
    dist = _distribution(aws, bucket, policy="allow-all")
    path = f"/_cloudfront/{dist['Id']}/"
    assert fetch(emulator_info, path)[0] == 403
    public = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                             "Resource": f"arn:aws:s3:::{bucket}/*"}]}
    aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(public))
    status, _, body = fetch(emulator_info, path)
    assert (status, body) == (200, b"<h1>home</h1>")
    # a service-principal Allow is no public grant: it does not open an origin without OAC
    aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=_oac_policy(bucket, dist["ARN"]))
    assert fetch(emulator_info, path)[0] == 403


def test_disabled_or_unknown_distribution_does_not_serve(aws: Aws, bucket: str, emulator_info: EmulatorInfo) -> None:
    dist = _distribution(aws, bucket, policy="allow-all", enabled=False)
    status, _, body = fetch(emulator_info, f"/_cloudfront/{dist['Id']}/", HTTPS)
    assert status == 403 and b"could not be satisfied" in body
    assert fetch(emulator_info, "/_cloudfront/ENOSUCHDIST/", HTTPS)[0] == 404
    # other requests still reach moto: S3 answers as before
    assert aws.client("s3").get_object(Bucket=bucket, Key="index.html")["Body"].read() == b"<h1>home</h1>"


def test_head_answers_headers_without_body_and_post_is_refused(aws: Aws, bucket: str, emulator_info: EmulatorInfo) -> None:
    dist = _distribution(aws, bucket, oac_id=_oac(aws), policy="allow-all")
    aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=_oac_policy(bucket, dist["ARN"]))
    status, headers, body = fetch(emulator_info, f"/_cloudfront/{dist['Id']}/css/site.css", method="HEAD")
    assert (status, body, headers["Content-Type"]) == (200, b"", "text/css")
    assert fetch(emulator_info, f"/_cloudfront/{dist['Id']}/index.html", method="POST")[0] == 403


# --- wafv2_managed_rule_groups -----------------------------------------------------------------------------------

RULES = [
    {"Name": "rate-limit", "Priority": 0,
     "Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP"}},
     "Action": {"Block": {}},
     "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "rate"}},
    {"Name": "common", "Priority": 1,
     "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}},
     "OverrideAction": {"None": {}},
     "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "common"}},
]


def _web_acl(target: Target, name: str = "site-acl") -> dict[str, Any]:
    return dict(cli_json(
        target, "wafv2", "create-web-acl", "--name", name, "--scope", "CLOUDFRONT", "--default-action", "Allow={}",
        "--visibility-config", f"SampledRequestsEnabled=true,CloudWatchMetricsEnabled=true,MetricName={name}",
        "--rules", json.dumps(RULES))["Summary"])


def test_rate_based_and_managed_group_rules_round_trip_with_aws_capacity(shared: Target) -> None:
    target = shared
    summary = _web_acl(target, "round-trip-acl")
    got = cli_json(target, "wafv2", "get-web-acl", "--scope", "CLOUDFRONT", "--name", "round-trip-acl",
                   "--id", summary["Id"])["WebACL"]
    assert got["Rules"] == RULES
    assert got["ARN"] == summary["ARN"] and ":global/webacl/round-trip-acl/" in got["ARN"]
    assert got["Capacity"] == 2 + 700


def test_describe_managed_rule_group_answers_aws_shape(shared: Target) -> None:
    target = shared
    crs = cli_json(target, "wafv2", "describe-managed-rule-group", "--vendor-name", "AWS",
                   "--name", "AWSManagedRulesCommonRuleSet", "--scope", "CLOUDFRONT")
    assert crs["Capacity"] == 700 and crs["LabelNamespace"] == "awswaf:managed:aws:core-rule-set:"
    assert {"Name": "NoUserAgent_HEADER", "Action": {"Block": {}}} in crs["Rules"]
    assert {"Name": "awswaf:managed:aws:core-rule-set:NoUserAgent_Header"} in crs["AvailableLabels"]
    wafv2 = target.aws().client("wafv2")
    bad = wafv2.describe_managed_rule_group(VendorName="AWS", Name="AWSManagedRulesKnownBadInputsRuleSet",
                                            Scope="REGIONAL")
    assert bad["Capacity"] == 200 and "Log4JRCE_HEADER" in [r["Name"] for r in bad["Rules"]]
    ip = wafv2.describe_managed_rule_group(VendorName="AWS", Name="AWSManagedRulesAmazonIpReputationList",
                                           Scope="CLOUDFRONT")
    assert ip["Capacity"] == 25 and {"Name": "AWSManagedIPDDoSList", "Action": {"Count": {}}} in ip["Rules"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        wafv2.describe_managed_rule_group(VendorName="AWS", Name="NoSuchGroup", Scope="CLOUDFRONT")
    assert caught.value.response["Error"]["Code"] == "WAFNonexistentItemException"


def test_list_available_managed_rule_groups_names_the_catalogue(shared: Target) -> None:
    target = shared
    listed = cli_json(target, "wafv2", "list-available-managed-rule-groups", "--scope", "CLOUDFRONT")
    names = [g["Name"] for g in listed["ManagedRuleGroups"]]
    assert names == ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet",
                     "AWSManagedRulesKnownBadInputsRuleSet"]
    assert all(g["VendorName"] == "AWS" and g["Description"] for g in listed["ManagedRuleGroups"])


# --- wafv2_cloudfront_association, cloudfront_web_acl --------------------------------------------------------------------------------

def test_web_acl_links_to_distribution_by_web_acl_id_not_by_associate(target: Target, aws: Aws, bucket: str) -> None:
    acl = _web_acl(target)
    dist = _distribution(aws, bucket, web_acl=acl["ARN"])
    cloudfront = aws.client("cloudfront")
    assert cloudfront.get_distribution_config(Id=dist["Id"])["DistributionConfig"]["WebACLId"] == acl["ARN"]
    done: subprocess.CompletedProcess[str] = aws_cli(
        target, "wafv2", "associate-web-acl", "--web-acl-arn", acl["ARN"], "--resource-arn", dist["ARN"])
    assert done.returncode != 0 and "WAFInvalidParameterException" in done.stderr, done.stderr
    done = aws_cli(target, "wafv2", "get-web-acl-for-resource", "--resource-arn", dist["ARN"])
    assert done.returncode != 0 and "WebACLId" in done.stderr, done.stderr
    listed = cli_json(target, "cloudfront", "list-distributions-by-web-acl-id", "--web-acl-id", acl["ARN"])
    assert [d["Id"] for d in listed["DistributionList"]["Items"]] == [dist["Id"]]
    unprotected = _distribution(aws, bucket, policy="allow-all")
    listed = cloudfront.list_distributions_by_web_acl_id(WebACLId="null")
    assert [d["Id"] for d in listed["DistributionList"]["Items"]] == [unprotected["Id"]]
    # AWS refuses a WebACLId that is not a CLOUDFRONT web ACL's ARN (its Id is the usual slip)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        _distribution(aws, bucket, web_acl=acl["Id"])
    assert caught.value.response["Error"]["Code"] == "InvalidWebACLId"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # unlinking is an update-distribution too
    got = cloudfront.get_distribution_config(Id=dist["Id"])
    got["DistributionConfig"]["WebACLId"] = ""
    cloudfront.update_distribution(Id=dist["Id"], IfMatch=got["ETag"], DistributionConfig=got["DistributionConfig"])
    assert cloudfront.get_distribution_config(Id=dist["Id"])["DistributionConfig"]["WebACLId"] == ""
