"""A CloudFront distribution protected by an AWS WAF web ACL: a rate-based rule that blocks an IP address over its
limit, evaluated before the AWS managed Core rule set, and the distribution's WebACLId naming the web ACL. WAF
rules are stored but not enforced on the emulator, so the checks judge what the settings mean."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from mcredlab.kit import Aws, Context, Finding, Lab, Text, cloudfront, failed, passed, s3, wafv2

lab = Lab(
    id="waf-rate-limit",
    track="serverless",
    services=("wafv2", "cloudfront", "s3"),
    flows=(("user", "wafv2"), ("wafv2", "cloudfront"), ("cloudfront", "s3")),
    certs=("SAA", "SCS", "SOA"),
    minutes=20,
    title=Text(
        en="Protect a CloudFront distribution with AWS WAF: a rate-based rule and a managed rule group",
        ja="AWS WAF で CloudFront ディストリビューションを保護する: レートベースのルールとマネージドルールグループ",
    ),
    task=Text(
        en=(
            "The site `{site_url}` is served by the CloudFront distribution **{distribution_id}** "
            "(`{distribution_domain}`, description `{distribution_comment}`) from the S3 bucket **{bucket}**. "
            "Protect it with AWS WAF:\n"
            "1. Create the web ACL **{web_acl_name}** for Amazon CloudFront distributions (scope `CLOUDFRONT`, "
            "Region Global; with the AWS CLI: `aws wafv2 ... --scope CLOUDFRONT --region us-east-1`). Default action "
            "Allow, CloudWatch metrics on for the web ACL and each rule (the console's default).\n"
            "2. Add the rate-based rule **{rate_rule}**: rate limit `{rate_limit}` requests per evaluation window of "
            "5 minutes (`300` seconds), request aggregation on the source IP address (`IP`), action Block. Give it "
            "priority `0`, so that it is evaluated first.\n"
            "3. Add the AWS managed rule group Core rule set (`{managed_group}`) with priority `1`, without "
            "overriding its rule actions (no override to Count: its rules block).\n"
            "4. Associate the web ACL with the distribution **{distribution_id}**. A CloudFront distribution is "
            "protected through its own setting: its `WebACLId` is the web ACL's ARN (`aws wafv2 associate-web-acl` "
            "does not accept distributions).\n\n"
            "On the emulator, WAF rules are stored but not applied to requests: the check judges what your settings "
            "mean."
        ),
        ja=(
            "サイト `{site_url}` は、CloudFront ディストリビューション **{distribution_id}**"
            "（`{distribution_domain}`、説明 `{distribution_comment}`）が S3 バケット **{bucket}** から配信しています。AWS WAF でサイトを"
            "保護してください。\n"
            "1. Amazon CloudFront ディストリビューション用のウェブ ACL **{web_acl_name}** を作成します（スコープは "
            "`CLOUDFRONT`、リージョンはグローバル。AWS CLI では `aws wafv2 ... --scope CLOUDFRONT --region us-east-1`）。"
            "デフォルトアクションは「許可」にし、ウェブ ACL と各ルールの CloudWatch メトリクスをオンにします（コンソールの"
            "デフォルト）。\n"
            "2. レートベースのルール **{rate_rule}** を追加します。レート制限は評価ウィンドウ 5 分（`300` 秒）あたり "
            "`{rate_limit}` リクエスト、リクエスト集約は送信元 IP アドレス（`IP`）、アクションは「ブロック」です。"
            "最初に評価されるように、優先度を `0` にします。\n"
            "3. AWS マネージドルールグループのコアルールセット（`{managed_group}`）を優先度 `1` で追加します。ルール"
            "アクションはオーバーライドしません（「カウント」にオーバーライドせず、ルールがブロックするようにします）。\n"
            "4. ウェブ ACL をディストリビューション **{distribution_id}** に関連付けます。CloudFront ディストリビューションは"
            "自身の設定で保護されます。ディストリビューションの `WebACLId` がウェブ ACL の ARN になります"
            "（`aws wafv2 associate-web-acl` はディストリビューションを受け付けません）。\n\n"
            "エミュレーターでは、WAF のルールは保存されますがリクエストには適用されません。チェックは設定の意味を判定します。"
        ),
    ),
)

WEB_ACL_NAME = "mcredlab-site-acl"
RATE_RULE = "limit-per-ip"
RATE_LIMIT = 500
WINDOW_SECONDS = 300
VENDOR, MANAGED_GROUP = "AWS", "AWSManagedRulesCommonRuleSet"
MANAGED_RULE = f"AWS-{MANAGED_GROUP}"
"""The name the WAF console gives the managed group's rule (the task leaves it free)."""
DISTRIBUTION_COMMENT = "mcredlab-waf-site"
OAC_NAME = "mcredlab-waf-site-oac"
PAGE = "<!doctype html><title>mcredlab</title><h1>The shop is open</h1>\n"
WINDOWS = {60: ("1 minute", "1 分"), 120: ("2 minutes", "2 分"), 300: ("5 minutes", "5 分"), 600: ("10 minutes", "10 分")}
ACTIONS = {"Block": "「ブロック」", "Count": "「カウント」", "Allow": "「許可」", "Captcha": " CAPTCHA ",
           "Challenge": "「チャレンジ」"}
"""The rule actions as the Japanese console names them, quoted for a sentence."""


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """A private bucket with the site's page and a CloudFront distribution serving it through Origin Access Control;
    the learner creates the web ACL and links it."""
    bucket = f"mcredlab-waf-site-{aws.account_id}-{aws.region}"
    s3.ensure_bucket(aws, lab.id, bucket, {"index.html": (PAGE, "text/html")})
    # The distribution has no name: kit.cloudfront names it by its comment (the console's "Description").
    distribution = cloudfront.ensure_s3_distribution(aws, lab.id, DISTRIBUTION_COMMENT, bucket,
                                                     oac_id=cloudfront.ensure_origin_access_control(aws, OAC_NAME))
    if s3.policy(aws, bucket) is None:
        aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(
            cloudfront.oac_bucket_policy(bucket, str(distribution["ARN"]))))
    return _context(aws, bucket, distribution, DISTRIBUTION_COMMENT)


def _context(aws: Aws, bucket: str, distribution: dict[str, Any], comment: str) -> Context:
    return {"bucket": bucket, "distribution_id": str(distribution["Id"]), "distribution_arn": str(distribution["ARN"]),
            "distribution_domain": str(distribution["DomainName"]), "distribution_comment": comment,
            "site_url": cloudfront.viewer_url(aws, distribution) + "/",
            "web_acl_name": WEB_ACL_NAME, "rate_rule": RATE_RULE, "rate_limit": str(RATE_LIMIT),
            "managed_group": MANAGED_GROUP}


@lab.setup_after("cloudfront-s3-oac")
def on_the_learners_distribution(aws: Aws, previous: Context) -> Context:
    """In an exam after ``cloudfront-s3-oac``: protect the distribution the learner built there."""
    found = cloudfront.distribution_by_comment(aws, previous["distribution_comment"])
    if found is None:  # the learner deleted it after passing: give them this lab's own site to protect
        return setup(aws)
    return _context(aws, previous["bucket"], found, previous["distribution_comment"])


# -- what the checks read ----------------------------------------------------------------------


def _acl(aws: Aws, ctx: Context) -> dict[str, Any]:
    """The CLOUDFRONT web ACL the task names (criteria that require "web-acl" run only once it exists)."""
    return wafv2.web_acl(aws, ctx["web_acl_name"]) or {}


def _rate_rule(aws: Aws, ctx: Context) -> dict[str, Any]:
    return wafv2.rule(_acl(aws, ctx), ctx["rate_rule"]) or {}


def _common_rule_set(acl: dict[str, Any]) -> dict[str, Any] | None:
    return next((r for r in wafv2.rules(acl) if wafv2.managed_group(r) == (VENDOR, MANAGED_GROUP)), None)


def _described(item: dict[str, Any]) -> tuple[str, str]:
    """A rule as "`name` (rate-based)" / "`name`（レートベース）", for listings."""
    kind = wafv2.statement_kind(item)
    group = wafv2.managed_group(item)
    if group is not None:
        en, ja = f"managed rule group {group[0]} `{group[1]}`", f"マネージドルールグループ {group[0]} `{group[1]}`"
    elif kind == "RateBasedStatement":
        en, ja = "rate-based", "レートベース"
    else:
        en = ja = f"`{kind}`"
    return f"`{item.get('Name')}` ({en})", f"`{item.get('Name')}`（{ja}）"


def _rule_listing(acl: dict[str, Any]) -> tuple[str, str]:
    described = [_described(item) for item in wafv2.rules(acl)]
    return ", ".join(en for en, _ in described), "、".join(ja for _, ja in described)


def _window(seconds: int) -> tuple[str, str]:
    return WINDOWS.get(seconds, (f"{seconds} seconds", f"{seconds} 秒"))


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "web-acl",
    expected=Text(en="a web ACL named {web_acl_name} for Amazon CloudFront distributions (scope `CLOUDFRONT`)",
                  ja="Amazon CloudFront ディストリビューション用（スコープ `CLOUDFRONT`）の {web_acl_name} という名前のウェブ ACL"),
    looked_at=Text(en="the web ACLs of scope `CLOUDFRONT` (Global) and of scope `REGIONAL`",
                   ja="スコープ `CLOUDFRONT`（グローバル）とスコープ `REGIONAL` のウェブ ACL"),
    hint=Text(
        en="WAF console > Web ACLs > Create web ACL: Resource type Amazon CloudFront distributions (the Region "
        "becomes Global), Name exactly {web_acl_name}. With the AWS CLI: `aws wafv2 create-web-acl --name "
        "{web_acl_name} --scope CLOUDFRONT --region us-east-1 ...`. A web ACL for Regional resources cannot be "
        "associated with a distribution, and its scope cannot be changed: create the web ACL again for CloudFront.",
        ja="WAF コンソールで「ウェブ ACL」>「ウェブ ACL を作成」を選び、リソースタイプを「Amazon CloudFront "
        "ディストリビューション」にして（リージョンはグローバルになります）、名前に正確に {web_acl_name} と入力します。"
        "AWS CLI では `aws wafv2 create-web-acl --name {web_acl_name} --scope CLOUDFRONT --region us-east-1 ...` です。"
        "リージョンリソース用のウェブ ACL はディストリビューションに関連付けられず、スコープも変更できません。CloudFront "
        "用にウェブ ACL を作成し直してください。",
    ),
)
def web_acl(aws: Aws, ctx: Context) -> Finding:
    name = ctx["web_acl_name"]
    found = wafv2.web_acl(aws, name)
    if found:
        return passed(f"web ACL {name} (`{found['ARN']}`)", f"ウェブ ACL {name}（`{found['ARN']}`）があります")
    if wafv2.web_acl(aws, name, wafv2.REGIONAL) is not None:
        return failed(
            f"{name} is a web ACL for Regional resources (scope REGIONAL, Region {aws.region}): it protects "
            "Application Load Balancers, API Gateway stages and the like, not a CloudFront distribution",
            f"{name} はリージョンリソース用（スコープ REGIONAL、リージョン {aws.region}）のウェブ ACL です。Application "
            "Load Balancer や API Gateway のステージなどを保護するもので、CloudFront ディストリビューションは保護できません")
    others = sorted(str(item.get("Name")) for item in wafv2.web_acl_summaries(aws))
    if others:
        listing = ", ".join(others)
        return failed(f"no CloudFront web ACL named {name}; there are {listing}",
                      f"{name} という名前の CloudFront 用ウェブ ACL はありません。あるのは {listing} です")
    return failed("there is no web ACL for CloudFront distributions (scope CLOUDFRONT)",
                  "CloudFront ディストリビューション用（スコープ CLOUDFRONT）のウェブ ACL がありません")


@lab.criterion(
    "default-action",
    requires="web-acl",
    expected=Text(en="the web ACL's default action is Allow", ja="ウェブ ACL のデフォルトアクションが「許可」"),
    looked_at=Text(en="the default action of web ACL {web_acl_name}", ja="ウェブ ACL {web_acl_name} のデフォルトアクション"),
    hint=Text(
        en="WAF console > Web ACLs (Global) > {web_acl_name} > Rules > Default web ACL action for requests that don't "
        "match any rules > Edit: Allow. The rules here only block what they match; every other request must reach "
        "the site.",
        ja="WAF コンソールで「ウェブ ACL」（グローバル）> {web_acl_name} >「ルール」タブ >「どのルールにも一致しない"
        "リクエストに対するデフォルトのウェブ ACL アクション」>「編集」を選び、「許可」にします。このルールは一致した"
        "リクエストをブロックするだけなので、それ以外のリクエストはサイトに届く必要があります。",
    ),
)
def default_action(aws: Aws, ctx: Context) -> Finding:
    action = wafv2.default_action(_acl(aws, ctx))
    if action == "Allow":
        return passed("default action Allow", "デフォルトアクションは「許可」です")
    return failed(f"default action {action}: every request that no rule matches is blocked, so the site is closed "
                  "to every visitor",
                  f"デフォルトアクションは{ACTIONS.get(action, f' {action} ')}です。どのルールにも一致しないリクエストがすべてブロックされるため、"
                  "サイトに誰もアクセスできません")


@lab.criterion(
    "rate-rule",
    requires="web-acl",
    expected=Text(en="a rate-based rule named {rate_rule}", ja="{rate_rule} という名前のレートベースのルール"),
    looked_at=Text(en="the rules of web ACL {web_acl_name}", ja="ウェブ ACL {web_acl_name} のルール"),
    hint=Text(
        en="WAF console > Web ACLs (Global) > {web_acl_name} > Rules > Add rules > Add my own rules and rule groups: "
        "Rule builder, Name exactly {rate_rule}, Type Rate-based rule.",
        ja="WAF コンソールで「ウェブ ACL」（グローバル）> {web_acl_name} >「ルール」タブ >「ルールを追加」>「独自の"
        "ルールとルールグループを追加」を選び、「ルールビルダー」で名前に正確に {rate_rule} と入力して、タイプに"
        "「レートベースのルール」を選びます。",
    ),
)
def rate_rule(aws: Aws, ctx: Context) -> Finding:
    acl, name = _acl(aws, ctx), ctx["rate_rule"]
    found = wafv2.rule(acl, name)
    if found is not None and wafv2.rate_limit(found) is not None:
        return passed(f"rate-based rule {name} (priority {found.get('Priority')})",
                      f"レートベースのルール {name}（優先度 {found.get('Priority')}）があります")
    if found is not None:
        kind = wafv2.statement_kind(found)
        return failed(f"the rule {name} is a `{kind}` rule, not a rate-based rule",
                      f"ルール {name} は `{kind}` のルールで、レートベースのルールではありません")
    if not wafv2.rules(acl):
        return failed("the web ACL has no rules", "ウェブ ACL にルールがありません")
    en, ja = _rule_listing(acl)
    return failed(f"no rule named {name}; the web ACL's rules: {en}",
                  f"{name} という名前のルールはありません。ウェブ ACL のルール: {ja}")


@lab.criterion(
    "rate-limit",
    requires="rate-rule",
    expected=Text(en="at most {rate_limit} requests per 5 minutes (`300` seconds) from each source IP address",
                  ja="送信元 IP アドレスごとに 5 分（`300` 秒）あたり最大 {rate_limit} リクエスト"),
    looked_at=Text(en="the rate limit, evaluation window, request aggregation and scope-down statement of rule "
                   "{rate_rule}",
                   ja="ルール {rate_rule} のレート制限、評価ウィンドウ、リクエスト集約、スコープダウンステートメント"),
    hint=Text(
        en="WAF console > Web ACLs (Global) > {web_acl_name} > Rules > {rate_rule} > Edit: Rate limit {rate_limit}, "
        "Evaluation window 5 minutes (300 seconds), Request aggregation Source IP address, Scope of inspection and "
        "rate limiting Consider all requests. A forwarded IP address is a header the client can set itself.",
        ja="WAF コンソールで「ウェブ ACL」（グローバル）> {web_acl_name} >「ルール」タブ > {rate_rule} >「編集」を選び、"
        "レート制限を {rate_limit}、評価ウィンドウを 5 分（300 秒）、リクエスト集約を「送信元 IP アドレス」、検査と"
        "レート制限の範囲を「すべてのリクエストを考慮」にします。転送された IP アドレスはクライアントが自分で設定できる"
        "ヘッダーです。",
    ),
)
def rate_limit(aws: Aws, ctx: Context) -> Finding:
    meaning = wafv2.rate_limit(_rate_rule(aws, ctx))
    if meaning is None:
        return failed("the rule is not rate-based", "ルールはレートベースではありません")
    window_en, window_ja = _window(meaning.window_seconds)
    rate_en = f"{meaning.limit} requests per {window_en}"
    rate_ja = f"{window_ja}あたり {meaning.limit} リクエスト"
    if meaning.scoped_down:
        return failed(f"{rate_en}, but a scope-down statement counts only the requests it matches",
                      f"{rate_ja}ですが、スコープダウンステートメントにより、一致するリクエストだけがカウントされます")
    if not meaning.per_ip:
        counted = {"FORWARDED_IP": ("per the IP address in a forwarded header (`FORWARDED_IP`), which a client can set "
                                    "itself", "転送ヘッダーの IP アドレスごと（`FORWARDED_IP`）で、この値はクライアントが"
                                    "自分で設定できます"),
                   "CONSTANT": ("for all requests together (`CONSTANT`), not per IP address",
                                "すべてのリクエストの合計（`CONSTANT`）で、IP アドレスごとではありません")}
        en, ja = counted.get(meaning.key, (f"per the key `{meaning.key}`, not per source IP address alone",
                                           f"送信元 IP アドレスだけではなく、キー `{meaning.key}` ごとです"))
        return failed(f"{rate_en}, counted {en}", f"{rate_ja}で、カウントは{ja}")
    if meaning.limit != RATE_LIMIT or meaning.window_seconds != WINDOW_SECONDS:
        return failed(f"{rate_en} from each IP address, not {RATE_LIMIT} per 5 minutes",
                      f"IP アドレスごとに {rate_ja}で、5 分あたり {RATE_LIMIT} ではありません")
    return passed(f"{rate_en} from each IP address", f"IP アドレスごとに {rate_ja}です")


@lab.criterion(
    "rate-action",
    requires="rate-rule",
    expected=Text(en="the rate-based rule's action is Block", ja="レートベースのルールのアクションが「ブロック」"),
    looked_at=Text(en="the action of rule {rate_rule}", ja="ルール {rate_rule} のアクション"),
    hint=Text(
        en="WAF console > Web ACLs (Global) > {web_acl_name} > Rules > {rate_rule} > Edit > Action: Block. With "
        "Count, a client over the limit is only counted (and labelled), never stopped.",
        ja="WAF コンソールで「ウェブ ACL」（グローバル）> {web_acl_name} >「ルール」タブ > {rate_rule} >「編集」>"
        "「アクション」で「ブロック」を選びます。「カウント」では、制限を超えたクライアントはカウント（とラベル付け）"
        "されるだけで、止められません。",
    ),
)
def rate_action(aws: Aws, ctx: Context) -> Finding:
    action = wafv2.action(_rate_rule(aws, ctx)) or "none"
    if action == "Block":
        return passed("action Block", "アクションは「ブロック」です")
    effects = {"Count": ("requests over the limit are only counted, never blocked",
                         "制限を超えたリクエストはカウントされるだけで、ブロックされません"),
               "Allow": ("requests over the limit are allowed", "制限を超えたリクエストは許可されます"),
               "Captcha": ("a client over the limit may go on after solving a CAPTCHA puzzle",
                           "制限を超えたクライアントも CAPTCHA パズルを解けばアクセスを続けられます"),
               "Challenge": ("a browser over the limit passes a silent challenge and goes on",
                             "制限を超えたブラウザはサイレントチャレンジを通過してアクセスを続けられます")}
    en, ja = effects.get(action, ("the rule does not block", "ルールはブロックしません"))
    return failed(f"action {action}: {en}", f"アクションは{ACTIONS.get(action, f' {action} ')}です。{ja}")


@lab.criterion(
    "common-rule-set",
    requires="web-acl",
    expected=Text(en="the AWS managed rule group `{managed_group}`, with every rule keeping its own action (Block)",
                  ja="AWS マネージドルールグループ `{managed_group}` があり、各ルールが自身のアクション（ブロック）のまま"),
    looked_at=Text(en="the managed rule groups of web ACL {web_acl_name}, their override actions and rule action "
                   "overrides, and the group's rules (DescribeManagedRuleGroup)",
                   ja="ウェブ ACL {web_acl_name} のマネージドルールグループ、そのオーバーライドアクションとルール"
                   "アクションのオーバーライド、グループのルール（DescribeManagedRuleGroup）"),
    hint=Text(
        en="WAF console > Web ACLs (Global) > {web_acl_name} > Rules > Add rules > Add managed rule groups > AWS "
        "managed rule groups > Core rule set: Add to web ACL. In Edit, leave Override all rule actions off and no rule "
        "overridden to Count (Count only records what a rule would block).",
        ja="WAF コンソールで「ウェブ ACL」（グローバル）> {web_acl_name} >「ルール」タブ >「ルールを追加」>「マネージド"
        "ルールグループを追加」>「AWS マネージドルールグループ」>「コアルールセット」で「ウェブ ACL に追加」をオンに"
        "します。「編集」では「すべてのルールアクションをオーバーライド」をオフにし、どのルールも「カウント」に"
        "オーバーライドしません（「カウント」はルールがブロックするはずのリクエストを記録するだけです）。",
    ),
)
def common_rule_set(aws: Aws, ctx: Context) -> Finding:
    acl = _acl(aws, ctx)
    found = _common_rule_set(acl)
    if found is None:
        groups = [f"{group[0]} `{group[1]}`" for item in wafv2.rules(acl) if (group := wafv2.managed_group(item))]
        if groups:
            return failed(f"the web ACL adds the managed rule groups {', '.join(groups)}, not `{MANAGED_GROUP}`",
                          f"ウェブ ACL にあるマネージドルールグループは {'、'.join(groups)} で、`{MANAGED_GROUP}` では"
                          "ありません")
        return failed(f"the web ACL adds no managed rule group `{MANAGED_GROUP}`",
                      f"ウェブ ACL にマネージドルールグループ `{MANAGED_GROUP}` がありません")
    name = found.get("Name")
    if "Count" in (found.get("OverrideAction") or {}):
        return failed(f"rule {name} overrides the whole group to Count: its rules only count what they would block",
                      f"ルール {name} はグループ全体を「カウント」にオーバーライドしています。ルールはブロックするはずの"
                      "リクエストをカウントするだけです")
    if "ScopeDownStatement" in found["Statement"]["ManagedRuleGroupStatement"]:
        return failed(f"rule {name} has a scope-down statement: the group inspects only the requests it matches",
                      f"ルール {name} にスコープダウンステートメントがあり、グループは一致するリクエストだけを検査します")
    group = wafv2.managed_rule_group(aws, VENDOR, MANAGED_GROUP) or {}
    own = {str(r.get("Name")): next(iter(r.get("Action") or {}), "") for r in group.get("Rules") or []}
    actions = wafv2.group_rule_actions(found, group)
    changed = sorted(rule for rule, action in actions.items() if action != own.get(rule))
    if changed:
        shown = ", ".join(f"`{rule}` ({actions[rule]})" for rule in changed[:5]) + (", ..." if len(changed) > 5 else "")
        shown_ja = "、".join(f"`{rule}`（{ACTIONS.get(actions[rule], actions[rule]).strip()}）" for rule in changed[:5])
        return failed(f"rule {name} overrides {len(changed)} of the group's rules: {shown}",
                      f"ルール {name} はグループの {len(changed)} 個のルールをオーバーライドしています: {shown_ja}"
                      + ("、..." if len(changed) > 5 else ""))
    blocking = sum(1 for action in actions.values() if action == "Block")
    return passed(f"rule {name} adds {VENDOR} `{MANAGED_GROUP}` ({blocking} rules that block, {group.get('Capacity')} "
                  "WCUs), no override",
                  f"ルール {name} が {VENDOR} `{MANAGED_GROUP}` を追加しています（ブロックするルール {blocking} 個、"
                  f"{group.get('Capacity')} WCU、オーバーライドなし）")


@lab.criterion(
    "rule-order",
    requires=("rate-rule", "common-rule-set"),
    expected=Text(en="the rate-based rule is evaluated before the managed rule group (a lower priority number)",
                  ja="レートベースのルールがマネージドルールグループより先に評価される（優先度の数値が小さい）"),
    looked_at=Text(en="the priorities of the rules of web ACL {web_acl_name}",
                   ja="ウェブ ACL {web_acl_name} の各ルールの優先度"),
    hint=Text(
        en="WAF console > Web ACLs (Global) > {web_acl_name} > Rules > Edit the rule priority (or Set rule priority "
        "when you create the web ACL): move {rate_rule} up to the top. WAF evaluates the rules from the lowest "
        "priority number and stops at the first Block: with the rule group first, the requests it blocks never reach "
        "the rate-based rule and are never counted, so a client that floods the site with attacks is never "
        "rate-limited.",
        ja="WAF コンソールで「ウェブ ACL」（グローバル）> {web_acl_name} >「ルール」タブでルールの優先度を編集し（ウェブ "
        "ACL の作成時は「ルールの優先度を設定」）、{rate_rule} を一番上に移動します。WAF は優先度の数値が小さいルールから"
        "評価し、最初の「ブロック」で評価を終えます。ルールグループが先にあると、グループがブロックしたリクエストは"
        "レートベースのルールに届かずカウントされないため、攻撃リクエストを大量に送るクライアントのレートが制限"
        "されません。",
    ),
)
def rule_order(aws: Aws, ctx: Context) -> Finding:
    acl = _acl(aws, ctx)
    rate, group = wafv2.rule(acl, ctx["rate_rule"]) or {}, _common_rule_set(acl) or {}
    rate_at, group_at = int(rate.get("Priority", 0)), int(group.get("Priority", 0))
    shown = f"{rate.get('Name')} has priority {rate_at}, {group.get('Name')} priority {group_at}"
    shown_ja = f"{rate.get('Name')} の優先度は {rate_at}、{group.get('Name')} の優先度は {group_at} です"
    if rate_at < group_at:
        return passed(f"{shown}: the rate-based rule is evaluated first",
                      f"{shown_ja}。レートベースのルールが先に評価されます")
    return failed(f"{shown}: the managed rule group is evaluated first, and the requests it blocks are never "
                  "counted toward a client's rate",
                  f"{shown_ja}。マネージドルールグループが先に評価され、グループがブロックしたリクエストはクライアントの"
                  "レートにカウントされません")


@lab.criterion(
    "metrics",
    requires="web-acl",
    expected=Text(en="CloudWatch metrics on for the web ACL and each of its rules",
                  ja="ウェブ ACL と各ルールの CloudWatch メトリクスがオン"),
    looked_at=Text(en="the visibility configuration of web ACL {web_acl_name} and of its rules",
                   ja="ウェブ ACL {web_acl_name} とそのルールの可視性の設定"),
    hint=Text(
        en="WAF console > Web ACLs (Global) > {web_acl_name}: Amazon CloudWatch metrics is on by default for the web "
        "ACL and for each rule (Edit a rule > Visibility configuration). With the AWS CLI, set "
        "`CloudWatchMetricsEnabled=true` in each `VisibilityConfig`.",
        ja="WAF コンソールの「ウェブ ACL」（グローバル）> {web_acl_name} では、ウェブ ACL と各ルールの Amazon CloudWatch "
        "メトリクスはデフォルトでオンです（ルールの「編集」>「可視性の設定」）。AWS CLI では、各 `VisibilityConfig` で "
        "`CloudWatchMetricsEnabled=true` を指定します。",
    ),
)
def metrics(aws: Aws, ctx: Context) -> Finding:
    acl = _acl(aws, ctx)
    off = [f"rule `{name}`" for name in wafv2.rules_without_metrics(acl)]
    off_ja = [f"ルール `{name}`" for name in wafv2.rules_without_metrics(acl)]
    if not wafv2.metrics_on(acl):
        off, off_ja = ["the web ACL", *off], ["ウェブ ACL", *off_ja]
    if not off:
        return passed(f"CloudWatch metrics on for the web ACL and its {len(wafv2.rules(acl))} rules",
                      f"ウェブ ACL と {len(wafv2.rules(acl))} 個のルールの CloudWatch メトリクスはオンです")
    return failed(f"CloudWatch metrics off for {', '.join(off)}", f"{'、'.join(off_ja)}の CloudWatch メトリクスがオフです")


@lab.criterion(
    "associated",
    requires="web-acl",
    expected=Text(en="the distribution {distribution_id} is protected by {web_acl_name} (its `WebACLId` is the web "
                  "ACL's ARN)",
                  ja="ディストリビューション {distribution_id} が {web_acl_name} で保護されている（`WebACLId` がウェブ ACL "
                  "の ARN）"),
    looked_at=Text(en="the `WebACLId` of distribution {distribution_id}, and the distributions the web ACL protects "
                   "(ListDistributionsByWebACLId)",
                   ja="ディストリビューション {distribution_id} の `WebACLId` と、ウェブ ACL が保護するディストリビュー"
                   "ション（ListDistributionsByWebACLId）"),
    hint=Text(
        en="WAF console > Web ACLs (Global) > {web_acl_name} > Associated AWS resources > Add AWS resources: "
        "CloudFront distribution {distribution_id}. Or CloudFront console > Distributions > {distribution_id} > "
        "Security > Edit, and choose the web ACL. With the AWS CLI: `aws cloudfront get-distribution-config --id "
        "{distribution_id}`, set `WebACLId` to the web ACL's ARN in the config, then `aws cloudfront "
        "update-distribution --id {distribution_id} --if-match <ETag> --distribution-config file://config.json`.",
        ja="WAF コンソールで「ウェブ ACL」（グローバル）> {web_acl_name} >「関連付けられた AWS リソース」タブ >「AWS "
        "リソースを追加」を選び、CloudFront ディストリビューション {distribution_id} を追加します。CloudFront コンソールで"
        "「ディストリビューション」> {distribution_id} >「セキュリティ」タブ >「編集」からウェブ ACL を選んでもかまいません。"
        "AWS CLI では `aws cloudfront get-distribution-config --id {distribution_id}` の設定で `WebACLId` をウェブ ACL の "
        "ARN にし、`aws cloudfront update-distribution --id {distribution_id} --if-match <ETag> --distribution-config "
        "file://config.json` を実行します。",
    ),
)
def associated(aws: Aws, ctx: Context) -> Finding:
    acl, distribution_id = _acl(aws, ctx), ctx["distribution_id"]
    found = cloudfront.distribution(aws, distribution_id)
    if found is None:
        return failed(f"there is no distribution {distribution_id}", f"ディストリビューション {distribution_id} がありません")
    linked = str(found["DistributionConfig"].get("WebACLId") or "")
    if linked == acl["ARN"]:
        return passed(f"distribution {distribution_id} has `WebACLId` `{linked}`",
                      f"ディストリビューション {distribution_id} の `WebACLId` は `{linked}` です")
    elsewhere = [str(item["Id"]) for item in wafv2.distributions_protected_by(aws, acl["ARN"])]
    protects = (f"; {ctx['web_acl_name']} protects {', '.join(elsewhere)} instead" if elsewhere else "")
    protects_ja = (f"。{ctx['web_acl_name']} が保護しているのは {'、'.join(elsewhere)} です" if elsewhere else "")
    if not linked:
        return failed(f"distribution {distribution_id} has no web ACL (`WebACLId` is empty){protects}",
                      f"ディストリビューション {distribution_id} にウェブ ACL がありません（`WebACLId` が空です）{protects_ja}")
    return failed(f"distribution {distribution_id} is protected by another web ACL, `{linked}`{protects}",
                  f"ディストリビューション {distribution_id} は別のウェブ ACL `{linked}` で保護されています{protects_ja}")


# -- reference solution, other valid ways, near misses -----------------------------------------


def _visibility(metric: str, on: bool = True) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": on, "MetricName": metric}


def _rate_statement(limit: int = RATE_LIMIT, **extra: Any) -> dict[str, Any]:
    return {"RateBasedStatement": {"Limit": limit, "AggregateKeyType": "IP", **extra}}


def _rules(*, rate_priority: int = 0, group_priority: int = 1, rate_action: str = "Block",
           group_override: str = "None", rate_statement: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [
        {"Name": RATE_RULE, "Priority": rate_priority, "Statement": rate_statement or _rate_statement(),
         "Action": {rate_action: {}}, "VisibilityConfig": _visibility(RATE_RULE)},
        {"Name": MANAGED_RULE, "Priority": group_priority,
         "Statement": {"ManagedRuleGroupStatement": {"VendorName": VENDOR, "Name": MANAGED_GROUP}},
         "OverrideAction": {group_override: {}}, "VisibilityConfig": _visibility(MANAGED_RULE)},
    ]


def _link(aws: Aws, distribution_id: str, web_acl_arn: str) -> None:
    """Set the distribution's WebACLId, as the CloudFront console (update-distribution with the config's ETag) does."""
    client = aws.client("cloudfront")
    found = client.get_distribution_config(Id=distribution_id)
    client.update_distribution(Id=distribution_id, IfMatch=found["ETag"],
                               DistributionConfig={**found["DistributionConfig"], "WebACLId": web_acl_arn})


def build(aws: Aws, ctx: Context, *, scope: str = wafv2.CLOUDFRONT, default: str = "Allow", link: str = "web-acl-id",
          **rules: Any) -> None:
    """Create the web ACL with boto3 and link it; the keywords introduce the near misses' mistakes (``rules`` go to
    :func:`_rules`; ``link`` is ``web-acl-id``, or ``associate-web-acl``, which AWS refuses for a distribution)."""
    created = aws.client("wafv2").create_web_acl(
        Name=ctx["web_acl_name"], Scope=scope, DefaultAction={default: {}},
        VisibilityConfig=_visibility(ctx["web_acl_name"]), Rules=_rules(**rules))["Summary"]
    try:
        if link == "web-acl-id":
            _link(aws, ctx["distribution_id"], created["ARN"])
        else:
            aws.client("wafv2").associate_web_acl(WebACLArn=created["ARN"], ResourceArn=ctx["distribution_arn"])
    except ClientError:
        pass  # InvalidWebACLId or WAFInvalidParameterException: the learner is left with no association


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    build(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(
        en="`aws wafv2 create-web-acl --scope CLOUDFRONT --region us-east-1` with the rules as JSON, then `aws "
        "cloudfront get-distribution-config` and `update-distribution` with the config's ETag and `WebACLId`",
        ja="ルールを JSON で指定した `aws wafv2 create-web-acl --scope CLOUDFRONT --region us-east-1` の後、`aws "
        "cloudfront get-distribution-config` で取得した設定の `WebACLId` を変更し、`ETag` を付けて `update-distribution`",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    name, distribution_id = ctx["web_acl_name"], ctx["distribution_id"]
    summary = json.loads(aws.cli(
        "wafv2", "create-web-acl", "--name", name, "--scope", "CLOUDFRONT", "--region", "us-east-1",
        "--default-action", "Allow={}",
        "--visibility-config", f"SampledRequestsEnabled=true,CloudWatchMetricsEnabled=true,MetricName={name}",
        "--rules", json.dumps(_rules())))["Summary"]
    got = json.loads(aws.cli("cloudfront", "get-distribution-config", "--id", distribution_id))
    config = {**got["DistributionConfig"], "WebACLId": summary["ARN"]}
    aws.cli("cloudfront", "update-distribution", "--id", distribution_id, "--if-match", got["ETag"],
            "--distribution-config", json.dumps(config))


@lab.alternative(
    "console-steps",
    story=Text(
        en="as in the consoles, step by step: the web ACL created with the managed rule group alone, the rate-based "
        "rule added afterwards with request aggregation on custom keys (the single key IP) and the evaluation window "
        "set explicitly, priorities `10` and `20`, then the web ACL chosen in the distribution's settings",
        ja="コンソールと同じく 1 つずつ実施: マネージドルールグループだけでウェブ ACL を作成し、後からレートベースのルールを"
        "カスタムキーによるリクエスト集約（キーは IP だけ）と明示的な評価ウィンドウで追加、優先度は `10` と `20`、"
        "最後にディストリビューションの設定でウェブ ACL を選択",
    ),
)
def console_steps(aws: Aws, ctx: Context) -> None:
    client, name = aws.client("wafv2"), ctx["web_acl_name"]
    rate, group = _rules(rate_priority=10, group_priority=20,
                         rate_statement={"RateBasedStatement": {"Limit": RATE_LIMIT, "EvaluationWindowSec": 300,
                                                                "AggregateKeyType": "CUSTOM_KEYS",
                                                                "CustomKeys": [{"IP": {}}]}})
    created = client.create_web_acl(Name=name, Scope="CLOUDFRONT", DefaultAction={"Allow": {}},
                                    VisibilityConfig=_visibility(name), Rules=[group])["Summary"]
    token = client.get_web_acl(Name=name, Scope="CLOUDFRONT", Id=created["Id"])["LockToken"]
    client.update_web_acl(Name=name, Scope="CLOUDFRONT", Id=created["Id"], LockToken=token,
                          DefaultAction={"Allow": {}}, VisibilityConfig=_visibility(name), Rules=[group, rate])
    _link(aws, ctx["distribution_id"], created["ARN"])


@lab.near_miss(
    "regional-web-acl",
    fails="web-acl",
    story=Text(
        en="the web ACL created for Regional resources (scope `REGIONAL`, the console's default); the distribution "
        "then refuses its ARN (`InvalidWebACLId`) and stays unprotected",
        ja="ウェブ ACL をリージョンリソース用（スコープ `REGIONAL`、コンソールのデフォルト）に作成: ディストリビューションは"
        "その ARN を拒否し（`InvalidWebACLId`）、保護されないまま",
    ),
)
def regional_web_acl(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, scope=wafv2.REGIONAL)


@lab.near_miss(
    "default-action-block",
    fails="default-action",
    story=Text(en="the web ACL's default action Block: every request no rule matches is blocked",
               ja="ウェブ ACL のデフォルトアクションを「ブロック」に設定: どのルールにも一致しないリクエストがすべてブロックされる"),
)
def default_action_block(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, default="Block")


@lab.near_miss(
    "rate-rule-counts",
    fails="rate-action",
    story=Text(en="the rate-based rule's action Count: clients over the limit are counted, not blocked",
               ja="レートベースのルールのアクションを「カウント」に設定: 制限を超えたクライアントはカウントされるだけでブロックされない"),
)
def rate_rule_counts(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, rate_action="Count")


@lab.near_miss(
    "managed-group-counts",
    fails="common-rule-set",
    story=Text(en="the managed rule group overridden to Count (the console's Override all rule actions)",
               ja="マネージドルールグループを「カウント」にオーバーライド（コンソールの「すべてのルールアクションをオーバーライド」）"),
)
def managed_group_counts(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, group_override="Count")


@lab.near_miss(
    "managed-group-first",
    fails="rule-order",
    story=Text(en="the managed rule group added first and left at priority `0`, the rate-based rule at `1`",
               ja="マネージドルールグループを先に追加して優先度 `0` のまま、レートベースのルールは `1`"),
)
def managed_group_first(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, rate_priority=1, group_priority=0)


@lab.near_miss(
    "associate-web-acl",
    fails="associated",
    story=Text(en="the web ACL right, but linked with `aws wafv2 associate-web-acl`, which refuses a distribution: "
               "the distribution stays unprotected",
               ja="ウェブ ACL は正しいが、`aws wafv2 associate-web-acl` で関連付けようとした: ディストリビューションは"
               "拒否され、保護されないまま"),
)
def associate_web_acl(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, link="associate-web-acl")


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Unlink and delete the web ACL the task names (in either scope, whoever made it), then the tagged distribution,
    the lab's Origin Access Control and the tagged bucket."""
    for scope in (wafv2.CLOUDFRONT, wafv2.REGIONAL):
        wafv2.delete_web_acl(aws, ctx["web_acl_name"], scope)
    wafv2.unlink_distribution(aws, ctx["distribution_id"])
    cloudfront.delete_distribution(aws, lab.id, DISTRIBUTION_COMMENT)
    cloudfront.delete_origin_access_control(aws, OAC_NAME)
    s3.delete_bucket(aws, lab.id, ctx["bucket"])
