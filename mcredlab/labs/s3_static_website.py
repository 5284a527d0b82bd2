"""S3 static website hosting: a bucket of pages becomes a public website."""

from __future__ import annotations

import json
import tempfile
from http import HTTPStatus
from pathlib import Path

from botocore.exceptions import ClientError

from mcredlab.kit import Aws, Context, Finding, Lab, Text, failed, passed, policy, s3

lab = Lab(
    id="s3-static-website",
    track="serverless",
    services=("s3",),
    flows=(("user", "s3"),),
    certs=("CLF", "SAA", "DVA", "SOA"),
    minutes=15,
    title=Text(en="Host a static website on Amazon S3", ja="Amazon S3 で静的ウェブサイトをホスティングする"),
    task=Text(
        en=(
            "The bucket **{bucket}** already holds the pages `index.html` and `error.html`.\n\n"
            "Turn it into a public website:\n"
            "1. Enable static website hosting with the index document `index.html` and the error document `error.html`.\n"
            "2. Make sure anyone on the internet can read the site's objects. New buckets block all public access, "
            "so change what stands in the way."
        ),
        ja=(
            "バケット **{bucket}** には、すでにページ `index.html` と `error.html` が置かれています。\n\n"
            "このバケットを公開ウェブサイトにしてください。\n"
            "1. 静的ウェブサイトホスティングを有効にし、インデックスドキュメントを `index.html`、"
            "エラードキュメントを `error.html` にします。\n"
            "2. インターネット上の誰もがサイトのオブジェクトを読み取れるようにします。"
            "新しいバケットはパブリックアクセスをすべてブロックしているので、妨げになっている設定を変更してください。"
        ),
    ),
)

PAGES = {
    "index.html": "<!doctype html><html><head><meta charset='utf-8'><title>mcredlab</title></head>"
    "<body><h1>Hello from Amazon S3</h1><p>Static website hosting works.</p></body></html>",
    "error.html": "<!doctype html><html><head><meta charset='utf-8'><title>Not found</title></head>"
    "<body><h1>Page not found</h1></body></html>",
}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def public_read_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicReadGetObject",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """A bucket with the two pages, configured as AWS configures new buckets (all public access blocked)."""
    bucket = f"mcredlab-website-{aws.account_id}-{aws.region}"
    pages = {key: (body, "text/html; charset=utf-8") for key, body in PAGES.items()}
    if s3.ensure_bucket(aws, lab.id, bucket, pages):  # never undo a learner's work when setup runs again
        client = aws.client("s3")
        client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={flag: True for flag in PAB_FLAGS})
        client.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        )
    return {"bucket": bucket}


# -- what the checks read ----------------------------------------------------------------------


def _blocks(aws: Aws, bucket: str) -> dict[str, list[str]]:
    """Which Block Public Access flags are on, for the bucket and for the account."""
    settings = {"bucket": s3.public_access_block(aws, bucket), "account": s3.public_access_block(aws)}
    return {scope: [flag for flag in PAB_FLAGS if config.get(flag)] for scope, config in settings.items()}


def _acls_apply(aws: Aws, bucket: str) -> bool:
    """Whether object ACLs take effect (they do not when the bucket owner is enforced)."""
    return s3.object_ownership(aws, bucket) != "BucketOwnerEnforced"


def _public_by_acl(aws: Aws, bucket: str, key: str) -> bool:
    grants = aws.client("s3").get_object_acl(Bucket=bucket, Key=key)["Grants"]
    return any(
        g["Grantee"].get("URI") == ALL_USERS and g["Permission"] in ("READ", "FULL_CONTROL") for g in grants
    )


def _pages_public_by_acl(aws: Aws, bucket: str) -> bool:
    return _acls_apply(aws, bucket) and all(_public_by_acl(aws, bucket, key) for key in PAGES)


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "website-hosting",
    expected=Text(en="static website hosting enabled", ja="静的ウェブサイトホスティングが有効"),
    looked_at=Text(en="the website configuration of bucket {bucket}", ja="バケット {bucket} のウェブサイト設定"),
    hint=Text(
        en="In the S3 console: bucket > Properties > Static website hosting > Edit > Enable "
        "(or `aws s3 website s3://{bucket}/ --index-document index.html --error-document error.html`).",
        ja="S3 コンソールでバケット >「プロパティ」>「静的ウェブサイトホスティング」>「編集」>「有効にする」を選びます"
        "（または `aws s3 website s3://{bucket}/ --index-document index.html --error-document error.html`）。",
    ),
)
def website_hosting(aws: Aws, ctx: Context) -> Finding:
    website = s3.website(aws, ctx["bucket"])
    if website is None:
        return failed("no website configuration", "ウェブサイト設定がありません")
    if "RedirectAllRequestsTo" in website:
        target = website["RedirectAllRequestsTo"].get("HostName", "")
        return failed(f"every request redirects to {target}", f"すべてのリクエストが {target} にリダイレクトされます")
    return passed("website hosting is enabled", "ウェブサイトホスティングが有効です")


@lab.criterion(
    "index-document",
    requires="website-hosting",
    expected=Text(en="index document `index.html`", ja="インデックスドキュメントが `index.html`"),
    looked_at=Text(en="the website configuration of bucket {bucket}", ja="バケット {bucket} のウェブサイト設定"),
    hint=Text(
        en="The index document is the object name only, exactly `index.html` (not a path, not `index.htm`).",
        ja="インデックスドキュメントにはオブジェクト名だけを、正確に `index.html` と入力します（パスや `index.htm` ではありません）。",
    ),
)
def index_document(aws: Aws, ctx: Context) -> Finding:
    suffix = ((s3.website(aws, ctx["bucket"]) or {}).get("IndexDocument") or {}).get("Suffix")
    if suffix is None:
        return failed("no index document", "インデックスドキュメントが設定されていません")
    if suffix != "index.html":
        return failed(f"index document `{suffix}`", f"インデックスドキュメントは `{suffix}` です")
    return passed("index document `index.html`", "インデックスドキュメントは `index.html` です")


@lab.criterion(
    "error-document",
    requires="website-hosting",
    expected=Text(en="error document `error.html`", ja="エラードキュメントが `error.html`"),
    looked_at=Text(en="the website configuration of bucket {bucket}", ja="バケット {bucket} のウェブサイト設定"),
    hint=Text(
        en="Fill in the optional “Error document” field with `error.html` when you enable hosting.",
        ja="ホスティングを有効にするとき、省略可能な「エラードキュメント」欄に `error.html` を入力します。",
    ),
)
def error_document(aws: Aws, ctx: Context) -> Finding:
    key = ((s3.website(aws, ctx["bucket"]) or {}).get("ErrorDocument") or {}).get("Key")
    if key is None:
        return failed("no error document", "エラードキュメントが設定されていません")
    if key != "error.html":
        return failed(f"error document `{key}`", f"エラードキュメントは `{key}` です")
    return passed("error document `error.html`", "エラードキュメントは `error.html` です")


POLICY_FLAGS = ("BlockPublicPolicy", "RestrictPublicBuckets")  # what stands in the way of a public policy
ACL_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls")  # what stands in the way of public ACLs
SCOPES_JA = {"bucket": "バケット", "account": "アカウント"}


def _policy_public(document: str | None, bucket: str) -> bool:
    return bool(document) and policy.public_allows(document, "s3:GetObject", f"arn:aws:s3:::{bucket}/index.html")


def _in_the_way(aws: Aws, bucket: str) -> tuple[str, dict[str, list[str]]]:
    """The way the learner chose (``policy`` or ``acl``) and each flag on in its way, with its scopes.

    Public ACLs count only where ACLs are enabled; a bucket with ACLs enabled and no bucket policy is
    taken as the ACL way. BlockPublicPolicy and BlockPublicAcls refuse new public settings only, so
    they are no longer in the way once the public policy or ACLs are in place.
    """
    document = s3.policy(aws, bucket)
    by_acl = _pages_public_by_acl(aws, bucket)
    way = "acl" if by_acl or (document is None and _acls_apply(aws, bucket)) else "policy"
    if way == "acl":
        relevant = ["IgnorePublicAcls"] if by_acl else list(ACL_FLAGS)
    else:
        relevant = ["RestrictPublicBuckets"] if _policy_public(document, bucket) else list(POLICY_FLAGS)
    blocks = _blocks(aws, bucket)
    found = {flag: [scope for scope, flags in blocks.items() if flag in flags] for flag in relevant}
    return way, {flag: scopes for flag, scopes in found.items() if scopes}


@lab.criterion(
    "public-access-unblocked",
    expected=Text(
        en="no Block Public Access setting stands in the way of public reads",
        ja="パブリックな読み取りを妨げるブロックパブリックアクセス設定がない",
    ),
    looked_at=Text(
        en="the Block Public Access settings of bucket {bucket} and of the account",
        ja="バケット {bucket} とアカウントのブロックパブリックアクセス設定",
    ),
    hint=Text(
        en="For a bucket policy, BlockPublicPolicy and RestrictPublicBuckets must be off (clear them before you put "
        "the policy: AWS refuses a public policy while BlockPublicPolicy is on); for public ACLs, BlockPublicAcls and "
        "IgnorePublicAcls. Bucket > Permissions > Block public access > Edit "
        "(or `aws s3api delete-public-access-block --bucket {bucket}`).",
        ja="バケットポリシーで公開する場合は BlockPublicPolicy と RestrictPublicBuckets を無効にします（ポリシーを設定する前に"
        "無効にします。BlockPublicPolicy が有効な間、AWS はパブリックなポリシーを拒否します）。ACL で公開する場合は "
        "BlockPublicAcls と IgnorePublicAcls です。バケット >「アクセス許可」>「ブロックパブリックアクセス」>「編集」で変更します"
        "（または `aws s3api delete-public-access-block --bucket {bucket}`）。",
    ),
)
def public_access_unblocked(aws: Aws, ctx: Context) -> Finding:
    way, in_the_way = _in_the_way(aws, ctx["bucket"])
    if not in_the_way:
        return passed("nothing blocks public reads", "パブリックな読み取りを妨げる設定はありません")
    listing = "; ".join(f"{flag} ({', '.join(scopes)})" for flag, scopes in in_the_way.items())
    listing_ja = "、".join(f"{flag}（{'、'.join(SCOPES_JA[s] for s in scopes)}）" for flag, scopes in in_the_way.items())
    if way == "acl":
        return failed(f"in the way of public ACLs: {listing}", f"ACL による公開を次の設定が妨げています: {listing_ja}")
    return failed(
        f"in the way of a public bucket policy: {listing}",
        f"パブリックなバケットポリシーを次の設定が妨げています: {listing_ja}",
    )


@lab.criterion(
    "public-read",
    expected=Text(
        en="anyone may read every object of the site (s3:GetObject for Principal *)",
        ja="誰でもサイトのすべてのオブジェクトを読み取れる（プリンシパル * に s3:GetObject を許可）",
    ),
    looked_at=Text(
        en="the bucket policy of {bucket} and the ACLs of its pages", ja="バケット {bucket} のバケットポリシーとページの ACL"
    ),
    hint=Text(
        en='Add a bucket policy with "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject" and '
        '"Resource": "arn:aws:s3:::{bucket}/*" (note the /* for the objects, and no condition).',
        ja='バケットポリシーに "Effect": "Allow"、"Principal": "*"、"Action": "s3:GetObject"、'
        '"Resource": "arn:aws:s3:::{bucket}/*" を追加します（オブジェクトを表す /* を忘れずに。条件は付けません）。',
    ),
)
def public_read(aws: Aws, ctx: Context) -> Finding:
    bucket = ctx["bucket"]
    document = s3.policy(aws, bucket)
    objects = [*PAGES, "any/other-page.html"]
    if document and all(policy.public_allows(document, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}") for key in objects):
        return passed("the bucket policy lets anyone read every object", "バケットポリシーで誰でもすべてのオブジェクトを読み取れます")
    if _pages_public_by_acl(aws, bucket):
        return passed("both pages are public-read by their ACLs", "両方のページが ACL で public-read になっています")
    if document is None:
        return failed("no bucket policy, and the pages are not public by ACL", "バケットポリシーがなく、ページの ACL も公開されていません")
    readable = [key for key in objects if policy.public_allows(document, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}")]
    if readable:
        return failed(
            f"the bucket policy lets anyone read only {', '.join(readable)}",
            f"バケットポリシーで誰でも読み取れるのは {', '.join(readable)} だけです",
        )
    return failed(
        "a bucket policy that does not let anyone, unconditionally, call s3:GetObject on the bucket's objects",
        "バケットポリシーはありますが、誰に対しても無条件にバケット内のオブジェクトへの s3:GetObject を許可していません",
    )


def _reason(status: int) -> str:
    """The standard reason phrase of an HTTP status (``Forbidden`` for 403)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def object_url(aws: Aws, bucket: str, key: str) -> str:
    """Where anyone on the internet would fetch ``key`` (path style on the emulator or an endpoint)."""
    if aws.target.endpoint_url:
        return f"{aws.target.endpoint_url}/{bucket}/{key}"
    return f"https://{bucket}.s3.{aws.region}.amazonaws.com/{key}"


@lab.criterion(
    "index-page-anonymous",
    requires=("public-access-unblocked", "public-read"),
    expected=Text(en="an anonymous GET of index.html answers 200", ja="匿名の GET で index.html が 200 を返す"),
    looked_at=Text(en="what a browser without credentials gets from bucket {bucket}", ja="認証情報のないブラウザーがバケット {bucket} から受け取る内容"),
    hint=Text(
        en="Open the page in a private browser window (or `curl -i` it): 403 AccessDenied means the bucket "
        "policy or Block Public Access still stops anonymous readers.",
        ja="プライベートウィンドウでページを開く（または `curl -i` を実行する）と確認できます。403 AccessDenied の場合、"
        "バケットポリシーかブロックパブリックアクセスが匿名の読み取りをまだ妨げています。",
    ),
)
def index_page_anonymous(aws: Aws, ctx: Context) -> Finding:
    url = object_url(aws, ctx["bucket"], "index.html")
    reply = aws.http("GET", url)
    if reply.status == 200:
        return passed(f"GET {url} answered 200", f"GET {url} は 200 を返しました")
    code = reply.body.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in reply.body else reply.body[:80]
    code = code.strip() or _reason(reply.status)
    return failed(f"GET {url} answered {reply.status} {code}", f"GET {url} は {reply.status} {code} を返しました")


# -- reference solution, other valid ways, near misses -----------------------------------------


def _host(aws: Aws, bucket: str, index: str = "index.html", error: str | None = "error.html") -> None:
    config: dict = {"IndexDocument": {"Suffix": index}}
    if error:
        config["ErrorDocument"] = {"Key": error}
    aws.client("s3").put_bucket_website(Bucket=bucket, WebsiteConfiguration=config)


def _unblock(aws: Aws, bucket: str) -> None:
    aws.client("s3").delete_public_access_block(Bucket=bucket)


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    _host(aws, ctx["bucket"])
    _unblock(aws, ctx["bucket"])
    aws.client("s3").put_bucket_policy(Bucket=ctx["bucket"], Policy=public_read_policy(ctx["bucket"]))


@lab.alternative(
    "aws-cli",
    story=Text(
        en="AWS CLI: `aws s3 website`, then only the two policy flags cleared, and a policy with Principal {\"AWS\": \"*\"}",
        ja="AWS CLI: `aws s3 website` の後、ポリシー関連の 2 つのフラグだけを解除し、Principal {\"AWS\": \"*\"} のポリシーを設定",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    bucket = ctx["bucket"]
    aws.cli("s3", "website", f"s3://{bucket}/", "--index-document", "index.html", "--error-document", "error.html")
    aws.cli(
        "s3api", "put-public-access-block", "--bucket", bucket, "--public-access-block-configuration",
        "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=false",
    )
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                       "Resource": [f"arn:aws:s3:::{bucket}/*"]}],
    }
    aws.cli("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", json.dumps(document))


@lab.alternative(
    "object-acls",
    story=Text(
        en="ACLs enabled (ObjectWriter) and both pages made public-read, instead of a bucket policy",
        ja="バケットポリシーの代わりに ACL を有効化（ObjectWriter）し、両ページを public-read に設定",
    ),
)
def with_object_acls(aws: Aws, ctx: Context) -> None:
    bucket, s3 = ctx["bucket"], aws.client("s3")
    _host(aws, bucket)
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={"BlockPublicAcls": False, "IgnorePublicAcls": False,
                                        "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
    )
    for key in PAGES:
        s3.put_object_acl(Bucket=bucket, Key=key, ACL="public-read")


PUBLIC_READ_STACK = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Anyone may read the pages of the website bucket
Parameters:
  BucketName:
    Type: String
Resources:
  PublicReadPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref BucketName
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: PublicReadGetObject
            Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub "arn:aws:s3:::${BucketName}/*"
"""


@lab.alternative(
    "cloudformation",
    story=Text(
        en="hosting and Block Public Access with the AWS CLI, the public-read policy as a CloudFormation stack "
        "(AWS::S3::BucketPolicy for the existing bucket) deployed with `aws cloudformation deploy`",
        ja="ホスティングとブロックパブリックアクセスは AWS CLI で設定し、公開読み取りのポリシーは CloudFormation スタック"
        "（既存バケットに対する AWS::S3::BucketPolicy）として `aws cloudformation deploy` でデプロイ",
    ),
)
def with_cloudformation(aws: Aws, ctx: Context) -> None:
    bucket = ctx["bucket"]
    aws.cli("s3", "website", f"s3://{bucket}/", "--index-document", "index.html", "--error-document", "error.html")
    aws.cli("s3api", "delete-public-access-block", "--bucket", bucket)  # before the policy: AWS refuses it otherwise
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "public-read.yaml"
        template.write_text(PUBLIC_READ_STACK)
        aws.cli("cloudformation", "deploy", "--stack-name", "mcredlab-website-public-read",
                "--template-file", str(template), "--parameter-overrides", f"BucketName={bucket}")


@lab.near_miss(
    "cloudformation-policy-while-blocked",
    fails=("public-access-unblocked", "public-read", "index-page-anonymous"),
    story=Text(
        en="hosting set, the public-read stack deployed with Block Public Access still on: the BucketPolicy "
        "resource fails (CREATE_FAILED) and the stack rolls back",
        ja="ホスティングは設定したが、ブロックパブリックアクセスが有効のまま公開読み取りのスタックをデプロイ: "
        "BucketPolicy リソースが失敗し（CREATE_FAILED）、スタックがロールバック",
    ),
)
def cloudformation_while_blocked(aws: Aws, ctx: Context) -> None:
    bucket = ctx["bucket"]
    aws.cli("s3", "website", f"s3://{bucket}/", "--index-document", "index.html", "--error-document", "error.html")
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "public-read.yaml"
        template.write_text(PUBLIC_READ_STACK)
        try:
            aws.cli("cloudformation", "deploy", "--stack-name", "mcredlab-website-public-read",
                    "--template-file", str(template), "--parameter-overrides", f"BucketName={bucket}")
        except RuntimeError:
            pass  # the deploy reports the failed stack, as on AWS; the learner is left without a policy


@lab.near_miss(
    "policy-on-the-bucket-not-its-objects",
    fails=("public-read", "index-page-anonymous"),
    story=Text(en='Resource "arn:aws:s3:::bucket" without /*', ja='Resource が /* のない "arn:aws:s3:::bucket"'),
)
def policy_on_bucket_arn(aws: Aws, ctx: Context) -> None:
    bucket = ctx["bucket"]
    _host(aws, bucket)
    _unblock(aws, bucket)
    document = json.loads(public_read_policy(bucket))
    document["Statement"][0]["Resource"] = f"arn:aws:s3:::{bucket}"
    aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))


@lab.near_miss(
    "policy-for-own-account-only",
    fails=("public-read", "index-page-anonymous"),
    story=Text(en="Principal is the account itself, not everyone", ja="プリンシパルが誰でもではなく自分のアカウント"),
)
def policy_for_own_account(aws: Aws, ctx: Context) -> None:
    bucket = ctx["bucket"]
    _host(aws, bucket)
    _unblock(aws, bucket)
    document = json.loads(public_read_policy(bucket))
    document["Statement"][0]["Principal"] = {"AWS": f"arn:aws:iam::{aws.account_id}:root"}
    aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))


@lab.near_miss(
    "block-public-access-left-on",
    fails=("public-access-unblocked", "public-read", "index-page-anonymous"),
    story=Text(
        en="hosting set, Block Public Access left on: the public policy is refused (AccessDenied), so there is none",
        ja="ホスティングは設定したが、ブロックパブリックアクセスが有効のまま: パブリックなポリシーは拒否され"
        "（AccessDenied）、ポリシーがない状態",
    ),
)
def block_left_on(aws: Aws, ctx: Context) -> None:
    _host(aws, ctx["bucket"])
    _put_policy_as_learner(aws, ctx["bucket"], public_read_policy(ctx["bucket"]))


def _put_policy_as_learner(aws: Aws, bucket: str, document: str) -> None:
    """Put the policy; a refusal by Block Public Access leaves the bucket without it, as on AWS."""
    try:
        aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=document)
    except ClientError as error:
        if error.response["Error"]["Code"] != "AccessDenied":
            raise


@lab.near_miss(
    "only-block-public-policy-cleared",
    fails=("public-access-unblocked", "index-page-anonymous"),
    story=Text(
        en="BlockPublicPolicy cleared and the policy put, RestrictPublicBuckets left on",
        ja="BlockPublicPolicy を無効にしてポリシーを設定したが、RestrictPublicBuckets が有効のまま",
    ),
)
def only_block_public_policy_cleared(aws: Aws, ctx: Context) -> None:
    bucket = ctx["bucket"]
    _host(aws, bucket)
    aws.client("s3").put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration={**{flag: True for flag in PAB_FLAGS}, "BlockPublicPolicy": False}
    )
    aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))


@lab.near_miss(
    "public-acls-ignored",
    fails=("public-access-unblocked", "index-page-anonymous"),
    story=Text(
        en="ACLs enabled and the pages made public-read with BlockPublicAcls cleared, IgnorePublicAcls left on",
        ja="ACL を有効にし、BlockPublicAcls を無効にしてページを public-read にしたが、IgnorePublicAcls が有効のまま",
    ),
)
def public_acls_ignored(aws: Aws, ctx: Context) -> None:
    bucket, s3 = ctx["bucket"], aws.client("s3")
    _host(aws, bucket)
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration={**{flag: True for flag in PAB_FLAGS}, "BlockPublicAcls": False}
    )
    for key in PAGES:
        s3.put_object_acl(Bucket=bucket, Key=key, ACL="public-read")


@lab.near_miss(
    "index-htm",
    fails="index-document",
    story=Text(en="index document `index.htm`", ja="インデックスドキュメントが `index.htm`"),
)
def index_htm(aws: Aws, ctx: Context) -> None:
    solve(aws, ctx)
    _host(aws, ctx["bucket"], index="index.htm")


@lab.near_miss(
    "no-error-document",
    fails="error-document",
    story=Text(en="hosting enabled with the index document only", ja="インデックスドキュメントだけでホスティングを有効化"),
)
def no_error_document(aws: Aws, ctx: Context) -> None:
    solve(aws, ctx)
    _host(aws, ctx["bucket"], error=None)


@lab.near_miss(
    "public-but-not-hosting",
    fails=("website-hosting", "index-document"),
    story=Text(en="public policy but website hosting never enabled", ja="公開ポリシーはあるがウェブサイトホスティングを有効化していない"),
)
def public_not_hosting(aws: Aws, ctx: Context) -> None:
    _unblock(aws, ctx["bucket"])
    aws.client("s3").put_bucket_policy(Bucket=ctx["bucket"], Policy=public_read_policy(ctx["bucket"]))


@lab.near_miss(
    "policy-limited-to-an-ip-range",
    fails=("public-read", "index-page-anonymous"),
    story=Text(en="the policy only allows one IP range", ja="ポリシーが特定の IP 範囲だけを許可"),
)
def policy_with_condition(aws: Aws, ctx: Context) -> None:
    bucket = ctx["bucket"]
    _host(aws, bucket)
    _unblock(aws, bucket)
    document = json.loads(public_read_policy(bucket))
    document["Statement"][0]["Condition"] = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))


@lab.near_miss(
    "acls-while-owner-enforced",
    fails=("public-read", "index-page-anonymous"),
    story=Text(
        en="pages given public-read ACLs while the bucket owner is enforced (ACLs disabled)",
        ja="バケット所有者の強制（ACL 無効）のまま、ページに public-read の ACL を付与",
    ),
)
def acls_while_enforced(aws: Aws, ctx: Context) -> None:
    bucket, s3 = ctx["bucket"], aws.client("s3")
    _host(aws, bucket)
    _unblock(aws, bucket)
    for key in PAGES:
        s3.put_object_acl(Bucket=bucket, Key=key, ACL="public-read")


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the lab's bucket, only if it carries the lab's tag."""
    s3.delete_bucket(aws, lab.id, ctx["bucket"])
