"""The lab kit: everything a task module in ``mcredlab/labs/`` needs, from one import.

::

    from mcredlab.kit import Aws, Context, Finding, Lab, Text, apigw, awslambda, failed, iam, passed

* the lab model: :class:`Lab`, :data:`Context`, :class:`Finding` with :func:`passed` / :func:`failed`,
  :class:`Text` (every learner-facing text in English and Japanese) and :func:`clip`;
* the account: :class:`Aws` (boto3 clients, the AWS CLI, HTTP requests) and :class:`HttpReply`;
* reading: :func:`or_none` (what does not exist is ``None``), :func:`not_found`, :func:`error_code`;
* one module per service, each with tagged idempotent ``ensure_*`` / ``delete_*`` for setup and
  teardown, readers that return ``None`` for what does not exist, and factories for criteria that
  recur (``apigw.lambda_proxy_api_criteria``, ``iam.role_trusts_criterion``, ``sqs.lets_send_criterion``):
  :mod:`apigw`, :mod:`awslambda`, :mod:`bedrock`, :mod:`cloudfront`, :mod:`codebuild`, :mod:`codepipeline`,
  :mod:`dynamodb`, :mod:`iam`, :mod:`s3`, :mod:`sns`, :mod:`sqs`, :mod:`stepfunctions`, :mod:`wafv2`, and
  :mod:`policy` for reading IAM policy documents.

``__all__`` is the kit's contract: ``tests/test_kit.py`` keeps it exact.
"""

from mcredlab import policy
from mcredlab._text import Text, clip
from mcredlab.kit import (
    apigw,
    awslambda,
    bedrock,
    cloudfront,
    codebuild,
    codepipeline,
    dynamodb,
    iam,
    s3,
    sns,
    sqs,
    stepfunctions,
    wafv2,
)
from mcredlab.kit.reading import error_code, not_found, or_none, tag_map, tagged_by
from mcredlab.lab import TAG_KEY, Context, Finding, Lab, failed, passed
from mcredlab.target import Aws, HttpReply

__all__ = [
    "TAG_KEY",
    "Aws",
    "Context",
    "Finding",
    "HttpReply",
    "Lab",
    "Text",
    "apigw",
    "awslambda",
    "bedrock",
    "clip",
    "cloudfront",
    "codebuild",
    "codepipeline",
    "dynamodb",
    "error_code",
    "failed",
    "iam",
    "not_found",
    "or_none",
    "passed",
    "policy",
    "s3",
    "sns",
    "sqs",
    "stepfunctions",
    "tag_map",
    "tagged_by",
    "wafv2",
]
