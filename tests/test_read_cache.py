"""A check sends each distinct read once; checks never share what they read; setup and solutions never cache."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from mcredlab._text import same
from mcredlab.checking import run_check
from mcredlab.lab import Criterion, passed
from mcredlab.labs import all_labs
from mcredlab.target import Target


def test_repeated_identical_reads_are_sent_once_and_copied(target: Target) -> None:
    setup = target.aws()
    setup.client("s3").create_bucket(Bucket="cached")
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                       "Resource": "arn:aws:s3:::cached/*"}]}
    setup.client("s3").put_bucket_policy(Bucket="cached", Policy=json.dumps(policy))
    setup.client("s3").put_object(Bucket="cached", Key="index.html", Body=b"<h1>hi</h1>", ContentType="text/html")

    check = target.aws(read_only=True)
    s3 = check.client("s3")
    first = s3.get_bucket_policy(Bucket="cached")
    first["Policy"] = "corrupted by one criterion"
    assert json.loads(s3.get_bucket_policy(Bucket="cached")["Policy"]) == policy
    assert s3.get_object(Bucket="cached", Key="index.html")["Body"].read() == b"<h1>hi</h1>"
    assert s3.get_object(Bucket="cached", Key="index.html")["Body"].read() == b"<h1>hi</h1>"
    for _ in range(2):
        with pytest.raises(s3.exceptions.NoSuchBucket):
            s3.get_bucket_policy(Bucket="absent")
    url = f"{target.endpoint_url}/cached/index.html"
    replies = [check.http("GET", url) for _ in range(3)]
    replies[0].headers.clear()
    assert check.http("GET", url).body == "<h1>hi</h1>" and check.http("GET", url).header("Content-Type")
    assert check.http("HEAD", url).status == 200

    assert check.calls == ["s3:GetBucketPolicy", "s3:GetObject", "s3:GetBucketPolicy", f"http:GET {url}",
                           f"http:HEAD {url}"]
    assert len(check.reads) == 12


def test_paginators_and_waiters_still_work(target: Target) -> None:
    setup = target.aws()
    for n in range(3):
        setup.client("sqs").create_queue(QueueName=f"q{n}")
    check = target.aws(read_only=True)
    sqs = check.client("sqs")
    for _ in range(2):
        pages = list(sqs.get_paginator("list_queues").paginate(PaginationConfig={"PageSize": 2}))
        assert sum(len(page.get("QueueUrls", [])) for page in pages) == 3
    sent = len(check.calls)
    assert sent == len(pages)
    setup.client("s3").create_bucket(Bucket="waited")
    for _ in range(2):
        check.client("s3").get_waiter("bucket_exists").wait(Bucket="waited")
    assert check.calls[sent:] == ["s3:HeadBucket", "s3:HeadBucket"]


def test_two_checks_do_not_share_reads(target: Target) -> None:
    lab = next(iter(all_labs().values()))
    seen: list[list[str]] = []

    def read_twice(aws, ctx):  # type: ignore[no-untyped-def]
        aws.client("s3").list_buckets()
        aws.client("s3").list_buckets()
        seen.append(list(aws.calls))
        return passed("read", "")

    criterion = Criterion("twice", same("buckets"), same("the bucket list"), same("-"), read_twice)
    probe = replace(lab, criteria=[criterion])
    run_check(probe, target.aws(read_only=True), {})
    target.aws().client("s3").create_bucket(Bucket="made-between-checks")
    second = target.aws(read_only=True)
    run_check(probe, second, {})
    assert seen == [["s3:ListBuckets"], ["s3:ListBuckets"]]
    assert [b["Name"] for b in second.client("s3").list_buckets()["Buckets"]] == ["made-between-checks"]


def test_setup_and_solutions_do_not_cache(target: Target) -> None:
    aws = target.aws()
    s3 = aws.client("s3")
    assert s3.list_buckets()["Buckets"] == []
    s3.create_bucket(Bucket="made")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["made"]
    url = f"{target.endpoint_url}/made"
    aws.http("GET", url)
    aws.http("GET", url)
    assert aws.calls == ["s3:ListBuckets", "s3:CreateBucket", "s3:ListBuckets", f"http:GET {url}", f"http:GET {url}"]
