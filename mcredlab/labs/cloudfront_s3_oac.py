"""A private S3 bucket served through a CloudFront distribution with Origin Access Control: default root object,
HTTP viewers redirected to HTTPS, and a bucket policy that admits only that distribution."""

from __future__ import annotations

import json
import uuid
from typing import Any

from mcredlab.kit import Aws, Context, Finding, HttpReply, Lab, Text, cloudfront, failed, passed, policy, s3

lab = Lab(
    id="cloudfront-s3-oac",
    track="serverless",
    services=("cloudfront", "s3"),
    flows=(("user", "cloudfront"), ("cloudfront", "s3")),
    certs=("SAA", "DVA", "SOA"),
    minutes=20,
    title=Text(
        en="Serve a private S3 bucket through CloudFront with Origin Access Control",
        ja="プライベートな S3 バケットを、オリジンアクセスコントロール（OAC）を使って CloudFront から配信する",
    ),
    task=Text(
        en=(
            "The S3 bucket **{bucket}** holds a small website (`index.html` and `css/site.css`). The bucket is "
            "private (Block Public Access is on) and must stay private: only CloudFront may read it.\n"
            "1. Create an Origin Access Control named `{oac_name}`: origin type `S3`, signing behavior "
            "“Sign requests” (`always`), signing protocol `sigv4`.\n"
            "2. Create a CloudFront distribution with the description `{distribution_comment}` (its comment). "
            "Origin: the bucket's REST endpoint `{origin_domain}` with the Origin Access Control `{oac_name}` "
            "(not a legacy origin access identity, not the website endpoint). Default root object `index.html`. "
            "Viewer protocol policy of the default cache behavior: “Redirect HTTP to HTTPS”.\n"
            "3. Give the bucket the policy CloudFront's console proposes, which admits only this distribution: "
            "allow the service principal `cloudfront.amazonaws.com` the action `s3:GetObject` on "
            '`arn:aws:s3:::{bucket}/*`, with the condition `"StringEquals": {{"AWS:SourceArn": "<the '
            'distribution\'s ARN>"}}`. Do not make the bucket public.\n\n'
            "The distribution answers at the URL `mcredlab url cloudfront-s3-oac` prints (in the notebook: "
            "`lab.distribution_url()`; add `--http` or `https=False` for the URL an HTTP viewer opens). There, "
            "`/` must serve `index.html` over HTTPS, and an HTTP viewer must get a 301 redirect to HTTPS."
        ),
        ja=(
            "S3 バケット **{bucket}** には、小さなウェブサイト（`index.html` と `css/site.css`）が置かれています。"
            "このバケットはプライベート（ブロックパブリックアクセスが有効）で、プライベートのままにする必要があります。"
            "バケットを読み取れるのは CloudFront だけにします。\n"
            "1. `{oac_name}` という名前のオリジンアクセスコントロールを作成します。オリジンタイプは `S3`、署名動作は"
            "「署名リクエスト」（`always`）、署名プロトコルは `sigv4` です。\n"
            "2. 説明（コメント）が `{distribution_comment}` の CloudFront ディストリビューションを作成します。"
            "オリジンはバケットの REST エンドポイント `{origin_domain}` で、オリジンアクセスコントロール `{oac_name}` を"
            "使います（レガシーなオリジンアクセスアイデンティティやウェブサイトエンドポイントは使いません）。"
            "デフォルトルートオブジェクトは `index.html`、デフォルトのキャッシュビヘイビアのビューワープロトコルポリシーは"
            "“Redirect HTTP to HTTPS”（HTTP を HTTPS にリダイレクト）にします。\n"
            "3. CloudFront コンソールが提示する、このディストリビューションだけを許可するバケットポリシーをバケットに設定します。"
            "サービスプリンシパル `cloudfront.amazonaws.com` に、`arn:aws:s3:::{bucket}/*` に対するアクション "
            '`s3:GetObject` を、条件 `"StringEquals": {{"AWS:SourceArn": "<ディストリビューションの ARN>"}}` 付きで'
            "許可します。バケットをパブリックにしてはいけません。\n\n"
            "ディストリビューションは `mcredlab url cloudfront-s3-oac` が表示する URL で応答します（ノートブックでは "
            "`lab.distribution_url()`。HTTP のビューワーが開く URL は `--http` または `https=False` で得られます）。"
            "その URL の `/` が HTTPS で `index.html` を返し、HTTP のビューワーは HTTPS への 301 リダイレクトを"
            "受け取る必要があります。"
        ),
    ),
)

OAC_NAME = "mcredlab-site-oac"
DISTRIBUTION_COMMENT = "mcredlab-private-site"
HOME_MARKER = "Served through Amazon CloudFront"
PAGES = {
    "index.html": ("<!doctype html><html><head><meta charset='utf-8'><title>mcredlab</title>"
                   "<link rel='stylesheet' href='css/site.css'></head>"
                   f"<body><h1>{HOME_MARKER}</h1><p>The bucket behind this page is private.</p></body></html>",
                   "text/html; charset=utf-8"),
    "css/site.css": ("body { font-family: sans-serif; margin: 2rem; }", "text/css"),
}
PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """The website's bucket, private as AWS makes new buckets (all public access blocked, ACLs disabled)."""
    bucket = f"mcredlab-cdn-{aws.account_id}-{aws.region}"
    if s3.ensure_bucket(aws, lab.id, bucket, PAGES):  # never undo a learner's work when setup runs again
        client = aws.client("s3")
        client.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={flag: True for flag in PAB_FLAGS})
        client.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    return {"bucket": bucket, "origin_domain": cloudfront.s3_origin_domain(aws, bucket), "oac_name": OAC_NAME,
            "distribution_comment": DISTRIBUTION_COMMENT}


# -- what the checks read ----------------------------------------------------------------------


def _distribution(aws: Aws, ctx: Context) -> dict[str, Any]:
    return cloudfront.distribution_by_comment(aws, ctx["distribution_comment"]) or {}


def _config(aws: Aws, ctx: Context) -> dict[str, Any]:
    return dict(_distribution(aws, ctx).get("DistributionConfig") or {})


def _origin(aws: Aws, ctx: Context) -> dict[str, Any]:
    return cloudfront.default_origin(_distribution(aws, ctx)) or {}


def _answered(reply: HttpReply) -> str:
    """The status of a reply, with S3's error code when S3 gave one (``403 AccessDenied``)."""
    code = reply.body.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in reply.body else ""
    return f"{reply.status} `{code}`" if code else str(reply.status)


def _object_url(aws: Aws, bucket: str, key: str) -> str:
    """Where anyone on the internet would fetch ``key`` straight from S3 (path style on the emulator)."""
    if aws.target.endpoint_url:
        return f"{aws.target.endpoint_url.rstrip('/')}/{bucket}/{key}"
    return f"https://{bucket}.s3.{aws.region}.amazonaws.com/{key}"


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "origin-access-control",
    expected=Text(en="an Origin Access Control `{oac_name}`: origin type `s3`, signing behavior `always`, `sigv4`",
                  ja="オリジンアクセスコントロール `{oac_name}`（オリジンタイプ `s3`、署名動作 `always`、`sigv4`）"),
    looked_at=Text(en="the Origin Access Controls of the account", ja="アカウントのオリジンアクセスコントロール"),
    hint=Text(
        en="CloudFront console > Security > Origin access > Create control setting: Name `{oac_name}`, Signing "
        "behavior “Sign requests (recommended)”, Origin type S3. Or `aws cloudfront create-origin-access-control "
        "--origin-access-control-config Name={oac_name},SigningProtocol=sigv4,SigningBehavior=always,"
        "OriginAccessControlOriginType=s3`.",
        ja="CloudFront コンソールで「セキュリティ」>「オリジンアクセス」>「コントロール設定を作成」を選び、名前に "
        "`{oac_name}` を入力し、署名動作で「署名リクエスト (推奨)」、オリジンタイプで「S3」を選びます。AWS CLI では "
        "`aws cloudfront create-origin-access-control --origin-access-control-config Name={oac_name},"
        "SigningProtocol=sigv4,SigningBehavior=always,OriginAccessControlOriginType=s3` です。",
    ),
)
def origin_access_control(aws: Aws, ctx: Context) -> Finding:
    name = ctx["oac_name"]
    found = cloudfront.origin_access_control_by_name(aws, name)
    if found is None:
        others = [str(item.get("Name")) for item in cloudfront.origin_access_controls(aws)]
        seen = f" (found: {', '.join(others)})" if others else ""
        seen_ja = f"（見つかったもの: {'、'.join(others)}）" if others else ""
        return failed(f"there is no Origin Access Control named {name}{seen}",
                      f"{name} という名前のオリジンアクセスコントロールがありません{seen_ja}")
    kind, signing = str(found.get("OriginAccessControlOriginType")), str(found.get("SigningBehavior"))
    protocol = str(found.get("SigningProtocol"))
    if kind != "s3":
        return failed(f"{name} has the origin type `{kind}`, not `s3`",
                      f"{name} のオリジンタイプは `s3` ではなく `{kind}` です")
    if signing != "always":
        return failed(f"{name} has the signing behavior `{signing}`, not `always`: CloudFront does not sign "
                      "every request to the bucket",
                      f"{name} の署名動作は `always` ではなく `{signing}` です。CloudFront はバケットへのリクエストの"
                      "一部に署名しません")
    if protocol != "sigv4":
        return failed(f"{name} has the signing protocol `{protocol}`, not `sigv4`",
                      f"{name} の署名プロトコルは `sigv4` ではなく `{protocol}` です")
    return passed(f"{name} (ID `{found['Id']}`): origin type `s3`, signing `always`, `sigv4`",
                  f"{name}（ID `{found['Id']}`）: オリジンタイプ `s3`、署名動作 `always`、`sigv4`")


@lab.criterion(
    "distribution",
    expected=Text(en="an enabled distribution with the description `{distribution_comment}`",
                  ja="説明が `{distribution_comment}` の有効なディストリビューション"),
    looked_at=Text(en="the distributions of the account and their descriptions (comments)",
                   ja="アカウントのディストリビューションとその説明（コメント）"),
    hint=Text(
        en="CloudFront console > Distributions > Create distribution; under Settings, Description "
        "`{distribution_comment}` (exactly: the check finds the distribution by it). An existing distribution: "
        "General tab > Settings > Edit > Description.",
        ja="CloudFront コンソールで「ディストリビューション」>「ディストリビューションを作成」を選び、「設定」の「説明」に "
        "`{distribution_comment}` を正確に入力します（チェックはこの説明でディストリビューションを探します）。"
        "作成済みのディストリビューションは「一般」タブ >「設定」>「編集」>「説明」で変更できます。",
    ),
)
def distribution(aws: Aws, ctx: Context) -> Finding:
    comment = ctx["distribution_comment"]
    found = _distribution(aws, ctx)
    if not found:
        others = [f"`{item.get('Comment')}`" for item in cloudfront.distributions(aws)]
        seen = f" (descriptions found: {', '.join(others)})" if others else ""
        seen_ja = f"（見つかった説明: {'、'.join(others)}）" if others else ""
        return failed(f"no distribution has the description {comment}{seen}",
                      f"説明が {comment} のディストリビューションがありません{seen_ja}")
    if not found["DistributionConfig"].get("Enabled"):
        return failed(f"distribution `{found['Id']}` is disabled: it serves nothing",
                      f"ディストリビューション `{found['Id']}` は無効になっているため、何も配信しません")
    return passed(f"distribution `{found['Id']}` (`{found['DomainName']}`), enabled",
                  f"ディストリビューション `{found['Id']}`（`{found['DomainName']}`）、有効")


@lab.criterion(
    "bucket-origin",
    requires="distribution",
    expected=Text(en="the default cache behavior's origin is the bucket's REST endpoint `{origin_domain}`",
                  ja="デフォルトのキャッシュビヘイビアのオリジンが、バケットの REST エンドポイント `{origin_domain}`"),
    looked_at=Text(en="the origins and the default cache behavior of distribution {distribution_comment}",
                   ja="ディストリビューション {distribution_comment} のオリジンとデフォルトのキャッシュビヘイビア"),
    hint=Text(
        en="Origin domain: choose the bucket {bucket} from the list (`{origin_domain}`). Do not use the website "
        "endpoint (`...s3-website...`) even if the console suggests it: it is a custom origin that Origin Access "
        "Control cannot sign for.",
        ja="「オリジンドメイン」の一覧からバケット {bucket}（`{origin_domain}`）を選びます。コンソールが勧めても、ウェブサイト"
        "エンドポイント（`...s3-website...`）は使いません。カスタムオリジンになり、オリジンアクセスコントロールでは署名"
        "できません。",
    ),
)
def bucket_origin(aws: Aws, ctx: Context) -> Finding:
    origin = _origin(aws, ctx)
    if not origin:
        return failed("the default cache behavior targets no origin of the distribution",
                      "デフォルトのキャッシュビヘイビアが、ディストリビューションのどのオリジンも指していません")
    domain = str(origin.get("DomainName"))
    website = cloudfront.s3_website_bucket_of(domain)
    if website is not None:
        return failed(f"the origin `{domain}` is the S3 website endpoint of {website}: a custom origin, which "
                      "Origin Access Control cannot sign for",
                      f"オリジン `{domain}` は {website} の S3 ウェブサイトエンドポイントです。カスタムオリジンのため、"
                      "オリジンアクセスコントロールでは署名できません")
    bucket = cloudfront.s3_bucket_of(domain)
    if bucket is None:
        return failed(f"the origin `{domain}` is not an S3 bucket", f"オリジン `{domain}` は S3 バケットではありません")
    if bucket != ctx["bucket"]:
        return failed(f"the origin is the bucket {bucket}, not {ctx['bucket']}",
                      f"オリジンは {ctx['bucket']} ではなくバケット {bucket} です")
    return passed(f"origin `{domain}`", f"オリジン `{domain}`")


@lab.criterion(
    "origin-uses-oac",
    requires=("origin-access-control", "bucket-origin"),
    expected=Text(en="the origin reads the bucket through the Origin Access Control `{oac_name}`",
                  ja="オリジンがオリジンアクセスコントロール `{oac_name}` を使ってバケットを読み取る"),
    looked_at=Text(en="the origin of distribution {distribution_comment} (`OriginAccessControlId`)",
                   ja="ディストリビューション {distribution_comment} のオリジン（`OriginAccessControlId`）"),
    hint=Text(
        en="Distribution > Origins tab > the origin > Edit > Origin access: “Origin access control settings "
        "(recommended)”, and choose {oac_name} (not “Public”, not “Legacy access identities”).",
        ja="ディストリビューションの「オリジン」タブでオリジンを選び、「編集」>「オリジンアクセス」で“Origin access "
        "control settings (recommended)”（オリジンアクセスコントロール設定）を選んでから {oac_name} を選びます"
        "（「パブリック」や「レガシーアクセスアイデンティティ」ではありません）。",
    ),
)
def origin_uses_oac(aws: Aws, ctx: Context) -> Finding:
    origin, name = _origin(aws, ctx), ctx["oac_name"]
    wanted = str((cloudfront.origin_access_control_by_name(aws, name) or {}).get("Id"))
    used = str(origin.get("OriginAccessControlId") or "")
    identity = str((origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity") or "")
    if used == wanted:
        return passed(f"the origin uses {name} (`{used}`)", f"オリジンは {name}（`{used}`）を使っています")
    if identity:
        return failed(f"the origin uses the legacy origin access identity `{identity}`, not an Origin Access Control",
                      f"オリジンはオリジンアクセスコントロールではなく、レガシーなオリジンアクセスアイデンティティ "
                      f"`{identity}` を使っています")
    if not used:
        return failed("the origin has no Origin Access Control: CloudFront reads the bucket anonymously",
                      "オリジンにオリジンアクセスコントロールがないため、CloudFront はバケットを匿名で読み取ります")
    return failed(f"the origin uses the Origin Access Control `{used}`, not {name} (`{wanted}`)",
                  f"オリジンは {name}（`{wanted}`）ではなく、オリジンアクセスコントロール `{used}` を使っています")


@lab.criterion(
    "default-root-object",
    requires="distribution",
    expected=Text(en="default root object `index.html`", ja="デフォルトルートオブジェクトが `index.html`"),
    looked_at=Text(en="the settings of distribution {distribution_comment}",
                   ja="ディストリビューション {distribution_comment} の設定"),
    hint=Text(
        en="Distribution > General tab > Settings > Edit > Default root object: `index.html` (the object name, "
        "without a leading /).",
        ja="ディストリビューションの「一般」タブ >「設定」>「編集」を選び、「デフォルトルートオブジェクト」に `index.html` を"
        "入力します（先頭に / を付けず、オブジェクト名だけを入力します）。",
    ),
)
def default_root_object(aws: Aws, ctx: Context) -> Finding:
    root = str(_config(aws, ctx).get("DefaultRootObject") or "")
    if not root:
        return failed("no default root object: `/` asks S3 for no object and gets 403",
                      "デフォルトルートオブジェクトがないため、`/` へのリクエストは S3 のオブジェクトを指さず 403 になります")
    if root != "index.html":
        return failed(f"default root object `{root}`", f"デフォルトルートオブジェクトは `{root}` です")
    return passed("default root object `index.html`", "デフォルトルートオブジェクトは `index.html` です")


@lab.criterion(
    "viewer-protocol-policy",
    requires="distribution",
    expected=Text(en="viewer protocol policy `redirect-to-https`: an HTTP viewer gets 301 to the HTTPS URL",
                  ja="ビューワープロトコルポリシーが `redirect-to-https` で、HTTP のビューワーが HTTPS の URL への 301 を受け取る"),
    looked_at=Text(en="the default cache behavior of distribution {distribution_comment}, and what an HTTP viewer "
                   "gets at `/`",
                   ja="ディストリビューション {distribution_comment} のデフォルトのキャッシュビヘイビアと、HTTP のビューワーが "
                   "`/` で受け取る応答"),
    hint=Text(
        en="Distribution > Behaviors tab > the Default (*) behavior > Edit > Viewer protocol policy: “Redirect HTTP "
        "to HTTPS” (“HTTP and HTTPS” serves unencrypted; “HTTPS only” refuses HTTP viewers with 403).",
        ja="ディストリビューションの「ビヘイビア」タブでデフォルト (*) のビヘイビアを選び、「編集」>「ビューワープロトコル"
        "ポリシー」で“Redirect HTTP to HTTPS”を選びます（“HTTP and HTTPS”は暗号化せずに配信し、“HTTPS only”は HTTP "
        "のビューワーを 403 で拒否します）。",
    ),
)
def viewer_protocol_policy(aws: Aws, ctx: Context) -> Finding:
    behavior = _config(aws, ctx).get("DefaultCacheBehavior") or {}
    chosen = str(behavior.get("ViewerProtocolPolicy"))
    if chosen == "allow-all":
        return failed("viewer protocol policy `allow-all` (HTTP and HTTPS): an HTTP viewer gets the site unencrypted",
                      "ビューワープロトコルポリシーは `allow-all`（HTTP と HTTPS）です。HTTP のビューワーには暗号化されずに"
                      "配信されます")
    if chosen != "redirect-to-https":
        return failed(f"viewer protocol policy `{chosen}`: an HTTP viewer is refused, not redirected",
                      f"ビューワープロトコルポリシーは `{chosen}` です。HTTP のビューワーはリダイレクトされず、拒否されます")
    url = cloudfront.viewer_url(aws, _distribution(aws, ctx), https=False) + "/"
    reply = aws.http("GET", url, follow_redirects=False)
    location = reply.header("Location") or ""
    if reply.status != 301 or not location.startswith("https://"):
        return failed(f"viewer protocol policy `redirect-to-https`, but GET {url} answered {_answered(reply)}",
                      f"ビューワープロトコルポリシーは `redirect-to-https` ですが、GET {url} は {_answered(reply)} を"
                      "返しました")
    return passed(f"`redirect-to-https`: GET {url} answered 301 to {location}",
                  f"`redirect-to-https`: GET {url} は {location} への 301 を返しました")


def _statements_naming_cloudfront(document: str) -> list[policy.Statement]:
    return [s for s in policy.statements(document) if s.effect == "Allow" and s.service(cloudfront.SERVICE_PRINCIPAL)]


@lab.criterion(
    "bucket-policy",
    requires="distribution",
    expected=Text(
        en="the bucket policy lets only the distribution {distribution_comment} read the bucket's objects "
        "(`cloudfront.amazonaws.com`, `s3:GetObject`, `AWS:SourceArn` = the distribution's ARN)",
        ja="バケットポリシーで、ディストリビューション {distribution_comment} だけがバケットのオブジェクトを読み取れる"
        "（`cloudfront.amazonaws.com`、`s3:GetObject`、`AWS:SourceArn` = ディストリビューションの ARN）",
    ),
    looked_at=Text(en="the bucket policy of {bucket}", ja="バケット {bucket} のバケットポリシー"),
    hint=Text(
        en="After saving the distribution, the console shows “Copy policy”: S3 console > {bucket} > Permissions > "
        "Bucket policy > Edit, paste it and save. It allows the service principal `cloudfront.amazonaws.com` the "
        "action `s3:GetObject` on `arn:aws:s3:::{bucket}/*` with the condition "
        '`"StringEquals": {{"AWS:SourceArn": "arn:aws:cloudfront::<account>:distribution/<ID>"}}`: this '
        "distribution's ARN (General tab), not an example's, and never Principal `*`.",
        ja="ディストリビューションを保存すると、コンソールに「ポリシーをコピー」が表示されます。S3 コンソールで {bucket} >"
        "「アクセス許可」>「バケットポリシー」>「編集」を選び、貼り付けて保存します。このポリシーは、サービスプリンシパル "
        "`cloudfront.amazonaws.com` に `arn:aws:s3:::{bucket}/*` に対するアクション `s3:GetObject` を、条件 "
        '`"StringEquals": {{"AWS:SourceArn": "arn:aws:cloudfront::<account>:distribution/<ID>"}}` 付きで許可します。'
        "ARN は例のものではなく、このディストリビューションの ARN（「一般」タブ）にします。プリンシパル `*` は使いません。",
    ),
)
def bucket_policy(aws: Aws, ctx: Context) -> Finding:
    bucket, arn = ctx["bucket"], str(_distribution(aws, ctx).get("ARN"))
    document = s3.policy(aws, bucket)
    if document is None:
        return failed(f"bucket {bucket} has no bucket policy: S3 refuses CloudFront's signed requests",
                      f"バケット {bucket} にバケットポリシーがないため、S3 は CloudFront の署名付きリクエストを拒否します")
    objects = [f"arn:aws:s3:::{bucket}/{key}" for key in (*PAGES, "any/other-page.html")]
    if any(policy.public_allows(document, "s3:GetObject", item) for item in objects):
        return failed("the bucket policy lets anyone read objects (Principal `*` with no condition), not only the "
                      "distribution", "バケットポリシーで、ディストリビューションに限らず誰でもオブジェクトを読み取れます"
                      "（条件のないプリンシパル `*`）")
    admitted = [item for item in objects if cloudfront.bucket_policy_admits(document, arn, item)]
    another = arn.rsplit("/", 1)[0] + "/EANOTHERDISTRIBUTION"
    if admitted and any(cloudfront.bucket_policy_admits(document, another, item) for item in objects):
        return failed(f"the bucket policy admits every distribution: no `AWS:SourceArn` condition limits it to `{arn}`",
                      f"バケットポリシーはすべてのディストリビューションを許可しています。`{arn}` に限定する "
                      "`AWS:SourceArn` の条件がありません")
    if admitted == objects:
        return passed(f"`cloudfront.amazonaws.com` may `s3:GetObject` only for `{arn}`",
                      f"`{arn}` に限り `cloudfront.amazonaws.com` が `s3:GetObject` を実行できます")
    if admitted:
        keys = ", ".join(item.split(":::", 1)[1] for item in admitted)
        return failed(f"the bucket policy admits the distribution only to {keys}, not to every object "
                      f"(`arn:aws:s3:::{bucket}/*`)",
                      f"バケットポリシーがディストリビューションに許可しているのは {keys} だけで、すべてのオブジェクト"
                      f"（`arn:aws:s3:::{bucket}/*`）ではありません")
    named = sorted({v for s in _statements_naming_cloudfront(document)
                    for v in policy.condition_values(s.condition, "aws:SourceArn")} - {arn})
    if named:
        shown = ", ".join(f"`{v}`" for v in named)
        return failed(f"the bucket policy admits {shown}, not this distribution's ARN `{arn}`",
                      f"バケットポリシーが許可しているのは {'、'.join(f'`{v}`' for v in named)} で、このディストリビュー"
                      f"ションの ARN `{arn}` ではありません")
    return failed(f"the bucket policy does not allow `cloudfront.amazonaws.com` `s3:GetObject` for `{arn}`",
                  f"バケットポリシーは `{arn}` に対して `cloudfront.amazonaws.com` に `s3:GetObject` を許可していません")


@lab.criterion(
    "bucket-private",
    expected=Text(en="the bucket stays private: an anonymous GET of index.html straight from S3 is denied",
                  ja="バケットがプライベートのまま: S3 から直接 index.html を匿名で GET すると拒否される"),
    looked_at=Text(en="what a browser without credentials gets from bucket {bucket}",
                   ja="認証情報のないブラウザーがバケット {bucket} から受け取る内容"),
    hint=Text(
        en="Readers go through CloudFront, not to S3: keep Block Public Access on (S3 console > {bucket} > "
        "Permissions), and remove any statement that allows Principal `*` (or turn off public ACLs).",
        ja="読み取りは S3 に直接ではなく CloudFront を経由させます。ブロックパブリックアクセスを有効のままにし（S3 コンソールの "
        "{bucket} >「アクセス許可」）、プリンシパル `*` を許可するステートメントを削除します（パブリックな ACL も無効に"
        "します）。",
    ),
)
def bucket_private(aws: Aws, ctx: Context) -> Finding:
    url = _object_url(aws, ctx["bucket"], "index.html")
    reply = aws.http("GET", url)
    if reply.status == 200:
        return failed(f"GET {url} answered 200: anyone can read the bucket without CloudFront",
                      f"GET {url} は 200 を返しました。CloudFront を経由せずに誰でもバケットを読み取れます")
    return passed(f"GET {url} answered {_answered(reply)}", f"GET {url} は {_answered(reply)} を返しました")


@lab.criterion(
    "serves-index-over-https",
    requires=("origin-uses-oac", "default-root-object", "bucket-policy"),
    expected=Text(en="the distribution serves index.html at `/` to an HTTPS viewer",
                  ja="ディストリビューションが HTTPS のビューワーに `/` で index.html を返す"),
    looked_at=Text(en="what an HTTPS viewer gets at `/` of distribution {distribution_comment}",
                   ja="HTTPS のビューワーがディストリビューション {distribution_comment} の `/` で受け取る内容"),
    hint=Text(
        en="Open the URL `mcredlab url cloudfront-s3-oac` prints, or `curl -i` it. 403 `AccessDenied` comes from S3: "
        "the bucket policy does not admit this distribution's signed request.",
        ja="`mcredlab url cloudfront-s3-oac` が表示する URL を開くか、`curl -i` で確認します。403 `AccessDenied` は S3 "
        "からの応答で、バケットポリシーがこのディストリビューションの署名付きリクエストを許可していません。",
    ),
)
def serves_index_over_https(aws: Aws, ctx: Context) -> Finding:
    url = cloudfront.viewer_url(aws, _distribution(aws, ctx)) + "/"
    reply = aws.http("GET", url)
    if reply.status != 200:
        return failed(f"GET {url} answered {_answered(reply)}", f"GET {url} は {_answered(reply)} を返しました")
    if HOME_MARKER not in reply.body:
        return failed(f"GET {url} answered 200, but not with index.html",
                      f"GET {url} は 200 を返しましたが、内容は index.html ではありません")
    kind = reply.header("Content-Type")
    return passed(f"GET {url} answered 200 with index.html (`{kind}`)",
                  f"GET {url} は 200 で index.html を返しました（`{kind}`）")


# -- reference solution, other valid ways, near misses -----------------------------------------


def _create_oac(aws: Aws, ctx: Context) -> str:
    created = aws.client("cloudfront").create_origin_access_control(OriginAccessControlConfig={
        "Name": ctx["oac_name"], "Description": "", "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})
    return str(created["OriginAccessControl"]["Id"])


def _create_distribution(aws: Aws, ctx: Context, **settings: Any) -> dict[str, Any]:
    """A distribution of the bucket as the console makes it; ``settings`` go to ``s3_distribution_config``."""
    config = cloudfront.s3_distribution_config(aws, ctx["distribution_comment"], ctx["bucket"], **settings)
    return dict(aws.client("cloudfront").create_distribution(DistributionConfig=config)["Distribution"])


def _put_policy(aws: Aws, ctx: Context, document: dict[str, Any]) -> None:
    aws.client("s3").put_bucket_policy(Bucket=ctx["bucket"], Policy=json.dumps(document))


def _with_condition(document: dict[str, Any], condition: dict[str, Any] | None) -> dict[str, Any]:
    statement = {key: value for key, value in document["Statement"][0].items() if key != "Condition"}
    return {**document, "Statement": [{**statement, **({"Condition": condition} if condition else {})}]}


def build(aws: Aws, ctx: Context, *, attach_oac: bool = True, condition: dict[str, Any] | None = None,
          **settings: Any) -> None:
    """The task with boto3; the keywords introduce the near misses' mistakes (``condition``: another policy
    condition, ``{}`` for none)."""
    oac_id = _create_oac(aws, ctx)
    created = _create_distribution(aws, ctx, oac_id=oac_id if attach_oac else "", **settings)
    document = cloudfront.oac_bucket_policy(ctx["bucket"], created["ARN"])
    _put_policy(aws, ctx, document if condition is None else _with_condition(document, condition))


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    build(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(
        en="the AWS CLI: the Origin Access Control in shorthand syntax, a distribution from a JSON config with the "
        "bucket's global endpoint and legacy cache settings, and a policy with `ArnLike` on the exact ARN",
        ja="AWS CLI: オリジンアクセスコントロールを短縮構文で作成し、ディストリビューションをバケットのグローバル"
        "エンドポイントとレガシーなキャッシュ設定の JSON で作成し、ポリシーは正確な ARN に対する `ArnLike` で設定",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    bucket = ctx["bucket"]
    oac = json.loads(aws.cli(
        "cloudfront", "create-origin-access-control", "--origin-access-control-config",
        f"Name={ctx['oac_name']},SigningProtocol=sigv4,SigningBehavior=always,OriginAccessControlOriginType=s3"))
    config = {
        "CallerReference": uuid.uuid4().hex,
        "Comment": ctx["distribution_comment"],
        "Enabled": True,
        "DefaultRootObject": "index.html",
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site-bucket", "DomainName": f"{bucket}.s3.amazonaws.com",
            "OriginAccessControlId": oac["OriginAccessControl"]["Id"],
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "site-bucket", "ViewerProtocolPolicy": "redirect-to-https",
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "MinTTL": 0, "DefaultTTL": 86400, "MaxTTL": 31536000},
    }
    created = json.loads(aws.cli("cloudfront", "create-distribution", "--distribution-config", json.dumps(config)))
    arn = created["Distribution"]["ARN"]
    document = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": ["s3:GetObject"],
        "Resource": [f"arn:aws:s3:::{bucket}/*"], "Condition": {"ArnLike": {"aws:SourceArn": arn}}}]}
    aws.cli("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", json.dumps(document))


@lab.alternative(
    "console-with-secure-transport",
    story=Text(
        en="the console's settings (tags, HTTP/2 and HTTP/3, IPv6, compression), and the proposed statement added "
        "to a policy that also denies requests without TLS",
        ja="コンソールの設定（タグ、HTTP/2 と HTTP/3、IPv6、圧縮）で作成し、提示されたステートメントを、TLS を使わない"
        "リクエストを拒否するポリシーに追加",
    ),
)
def console_with_secure_transport(aws: Aws, ctx: Context) -> None:
    bucket = ctx["bucket"]
    config = cloudfront.s3_distribution_config(aws, ctx["distribution_comment"], bucket, oac_id=_create_oac(aws, ctx))
    config.update({"PriceClass": "PriceClass_All", "HttpVersion": "http2and3", "IsIPV6Enabled": True})
    config["DefaultCacheBehavior"].update({"Compress": True, "AllowedMethods": {
        "Quantity": 2, "Items": ["GET", "HEAD"], "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}})
    created = aws.client("cloudfront").create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": config, "Tags": {"Items": [{"Key": "team", "Value": "web"}]}})["Distribution"]
    document = cloudfront.oac_bucket_policy(bucket, created["ARN"])
    document["Statement"].insert(0, {
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    _put_policy(aws, ctx, document)


@lab.near_miss(
    "oac-not-attached",
    fails="origin-uses-oac",
    story=Text(en="the Origin Access Control created, but the origin left on “Public” (no OAC attached)",
               ja="オリジンアクセスコントロールは作成したが、オリジンのオリジンアクセスを「パブリック」のまま（OAC を"
               "関連付けていない）"),
)
def oac_not_attached(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, attach_oac=False)


@lab.near_miss(
    "policy-without-source-arn",
    fails="bucket-policy",
    story=Text(en="the bucket policy allows `cloudfront.amazonaws.com` with no `AWS:SourceArn` condition",
               ja="バケットポリシーが `AWS:SourceArn` の条件なしで `cloudfront.amazonaws.com` を許可"),
)
def policy_without_source_arn(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, condition={})


@lab.near_miss(
    "policy-copied-from-the-docs",
    fails="bucket-policy",
    story=Text(en="the bucket policy copied from AWS's documentation, with its example distribution ARN",
               ja="AWS のドキュメントからバケットポリシーをコピーし、例のディストリビューションの ARN のまま"),
)
def policy_copied_from_the_docs(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, condition={"StringEquals": {"AWS:SourceArn": cloudfront.EXAMPLE_DISTRIBUTION_ARN}})


@lab.near_miss(
    "no-default-root-object",
    fails="default-root-object",
    story=Text(en="the default root object left empty", ja="デフォルトルートオブジェクトを空のまま"),
)
def no_default_root_object(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, default_root_object="")


@lab.near_miss(
    "viewer-allow-all",
    fails="viewer-protocol-policy",
    story=Text(en="viewer protocol policy left at the console's default, “HTTP and HTTPS”",
               ja="ビューワープロトコルポリシーをコンソールのデフォルト“HTTP and HTTPS”のまま"),
)
def viewer_allow_all(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, viewer_protocol_policy="allow-all")


@lab.near_miss(
    "public-website-endpoint",
    fails=("bucket-origin", "bucket-policy", "bucket-private"),
    story=Text(
        en="the old way: static website hosting on, Block Public Access off, a public-read policy, and the website "
        "endpoint as a custom origin",
        ja="以前の方法: 静的ウェブサイトホスティングを有効にし、ブロックパブリックアクセスを無効にし、公開読み取りの"
        "ポリシーを設定して、ウェブサイトエンドポイントをカスタムオリジンにした",
    ),
)
def public_website_endpoint(aws: Aws, ctx: Context) -> None:
    bucket, client = ctx["bucket"], aws.client("s3")
    client.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    client.delete_public_access_block(Bucket=bucket)
    _put_policy(aws, ctx, {"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicReadGetObject", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]})
    config = cloudfront.s3_distribution_config(aws, ctx["distribution_comment"], bucket)
    origin = config["Origins"]["Items"][0]
    origin.pop("S3OriginConfig")
    origin.update({"DomainName": f"{bucket}.s3-website-{aws.region}.amazonaws.com", "CustomOriginConfig": {
        "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}})
    aws.client("cloudfront").create_distribution(DistributionConfig=config)


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the distributions and the Origin Access Control the task names (whoever made them), then the bucket
    if it carries the lab's tag."""
    cloudfront.delete_distributions_named(aws, ctx["distribution_comment"])
    cloudfront.delete_origin_access_control(aws, ctx["oac_name"])
    s3.delete_bucket(aws, lab.id, ctx["bucket"])
