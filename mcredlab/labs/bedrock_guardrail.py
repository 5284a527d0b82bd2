"""Amazon Bedrock Guardrails: deny a topic, mask contact details, block profanity, publish a version."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

from mcredlab.kit import TAG_KEY, Aws, Context, Finding, Lab, Text, bedrock, failed, or_none, passed

lab = Lab(
    id="bedrock-guardrail",
    track="agentic-ai",
    services=("bedrock", "bedrock-runtime"),
    flows=(("user", "bedrock"),),
    certs=("AIF", "MLA"),
    minutes=20,
    title=Text(
        en="Protect a generative AI assistant with an Amazon Bedrock guardrail",
        ja="Amazon Bedrock のガードレールで生成 AI アシスタントを保護する",
    ),
    task=Text(
        en=(
            "A customer-support assistant must not give investment advice, must not pass on customers' contact "
            "details and must not repeat profanity. Create an Amazon Bedrock guardrail named **{guardrail_name}**:\n"
            "1. Add the denied topic **{topic_name}** with a definition (for example *Recommendations or guidance on "
            "investing money in stocks, bonds, funds or other financial products.*) and at least one sample phrase "
            "(for example *Which stocks should I buy?*).\n"
            "2. Mask (do not block) e-mail addresses and phone numbers, in prompts and in responses.\n"
            "3. Block profanity with the managed profanity word list.\n"
            "4. Use the message `{blocked_message}` both for blocked prompts and for blocked responses.\n"
            "5. When the guardrail is complete, create a version of it: applications use a numbered version, "
            "never the working draft.\n\n"
            "Tip: try your guardrail in the console's *Test* panel, or with "
            "`aws bedrock-runtime apply-guardrail` on your version. The check does the same with sample texts."
        ),
        ja=(
            "カスタマーサポート用のアシスタントが、投資に関する助言をしたり、顧客の連絡先を漏らしたり、"
            "冒涜的な表現を繰り返したりしないようにします。**{guardrail_name}** という名前の Amazon Bedrock "
            "ガードレールを作成してください。\n"
            "1. 拒否されたトピック **{topic_name}** を追加し、定義（例: “Recommendations or guidance on investing "
            "money in stocks, bonds, funds or other financial products.”）とサンプルフレーズを 1 つ以上（例: "
            "“Which stocks should I buy?”、“どの株を買うべきですか？”）設定します。\n"
            "2. プロンプトと応答の両方で、E メールアドレスと電話番号をブロックではなくマスクします。\n"
            "3. 冒涜的な表現を、マネージド型の冒涜的な表現のワードリストでブロックします。\n"
            "4. 「ブロックされたメッセージング」で、ブロックされたプロンプトにもブロックされた応答にも、メッセージ "
            "`{blocked_message}` を使います。\n"
            "5. ガードレールが完成したら、そのバージョンを作成します。アプリケーションは作業中のドラフトではなく、"
            "番号付きのバージョンを使います。\n\n"
            "ヒント: コンソールの「テスト」パネル、または作成したバージョンに対する "
            "`aws bedrock-runtime apply-guardrail` でガードレールを試せます。チェックもサンプルテキストで同じことを行います。"
        ),
    ),
)

GUARDRAIL_NAME = "mcredlab-support-guardrail"
TOPIC_NAME = "Investment advice"
BLOCKED_MESSAGE = "Sorry, I can't help with that request."
DEFINITION = "Recommendations or guidance on investing money in stocks, bonds, funds or other financial products."
EXAMPLES = ["Which stocks should I buy?", "Is it a good time to invest in index funds?"]

# What the behaviour criteria send to the guardrail (as a prompt, source INPUT).
CONTACT = "Contact me at jane.doe@example.com or (206) 555-0100."
CONTACT_VALUES = ("jane.doe@example.com", "555-0100")
INVESTMENT_QUESTION = (
    "Should I buy shares or invest my savings in stocks, bonds or funds? I want investment advice for my portfolio.",
    "どの株を買うべきですか？ 投資アドバイスをください。",
)
PROFANE = "This app is crap, fix the damn login page."

# Words that make a denied topic one about investment advice, whatever its exact wording.
INVESTMENT_WORDS = re.compile(
    r"\binvest|\bstocks?\b|\bshares\b|\bbonds?\b|\bfunds?\b|\bportfolios?\b|\bsecurities\b|\btrading\b|\bcrypto"
    r"|\bETFs?\b|\bfinancial (?:advice|products?|recommendations?|planning)|投資|株|資産運用|金融商品",
    re.IGNORECASE,
)


# -- setup -------------------------------------------------------------------------------------


@lab.setup
def setup(aws: Aws) -> Context:
    """Nothing to provision: the learner creates the guardrail. The context names what to build."""
    return {"guardrail_name": GUARDRAIL_NAME, "topic_name": TOPIC_NAME, "blocked_message": BLOCKED_MESSAGE}


# -- what the checks read ----------------------------------------------------------------------


def _published(aws: Aws, ctx: Context) -> tuple[str | None, dict[str, Any] | None, Finding | None]:
    """The guardrail's id and the configuration of its newest version, or why there is nothing to judge."""
    guardrail_id = bedrock.find_guardrail_id(aws, ctx["guardrail_name"])
    if guardrail_id is None:
        return None, None, failed(f"no guardrail named {ctx['guardrail_name']}",
                                  f"{ctx['guardrail_name']} という名前のガードレールがありません")
    versions = bedrock.guardrail_versions(aws, guardrail_id)
    if not versions:
        return guardrail_id, None, failed(
            "no published version yet: only the working draft exists, and applications cannot rely on it",
            "公開済みバージョンがまだありません。作業中のドラフトしかなく、アプリケーションはこれに頼ることができません",
        )
    config = aws.client("bedrock").get_guardrail(guardrailIdentifier=guardrail_id, guardrailVersion=versions[-1])
    return guardrail_id, dict(config), None


def _on(entry: dict[str, Any], direction: str) -> str:
    """The action an entry takes on prompts (``input``) or responses (``output``); ``off`` if disabled."""
    if not entry.get(f"{direction}Enabled", True):
        return "off"
    return str(entry.get(f"{direction}Action") or entry.get("action") or "BLOCK")


_SHOWN = {"NONE": ("NONE (detect only)", "NONE（検出のみ）"), "off": ("off", "オフ"),
          "BLOCK": ("BLOCK", "ブロック（BLOCK）"), "ANONYMIZE": ("ANONYMIZE", "マスク（ANONYMIZE）")}


def _directions(entry: dict[str, Any], wanted: str) -> list[str]:
    """Where ``entry`` does not take action ``wanted``, as ``prompts: X`` / ``responses: Y``."""
    return [f"{label}: {_SHOWN.get(_on(entry, direction), (_on(entry, direction),))[0]}"
            for direction, label in (("input", "prompts"), ("output", "responses")) if _on(entry, direction) != wanted]


def _directions_ja(entry: dict[str, Any], wanted: str) -> list[str]:
    return [f"{label}: {_SHOWN.get(_on(entry, direction), ('', _on(entry, direction)))[1]}"
            for direction, label in (("input", "プロンプト"), ("output", "応答")) if _on(entry, direction) != wanted]


def _version_label(config: dict[str, Any]) -> tuple[str, str]:
    return f"version {config['version']}", f"バージョン {config['version']}"


# -- criteria ----------------------------------------------------------------------------------


@lab.criterion(
    "guardrail",
    expected=Text(en="a guardrail named {guardrail_name}", ja="{guardrail_name} という名前のガードレール"),
    looked_at=Text(en="the guardrails of the Region", ja="リージョン内のガードレール"),
    hint=Text(
        en="Amazon Bedrock console > Guardrails > Create guardrail, and name it exactly {guardrail_name}.",
        ja="Amazon Bedrock コンソールで「ガードレール」>「ガードレールを作成」を選び、名前を正確に {guardrail_name} にします。",
    ),
)
def guardrail(aws: Aws, ctx: Context) -> Finding:
    guardrail_id = bedrock.find_guardrail_id(aws, ctx["guardrail_name"])
    if guardrail_id is None:
        names = [g["name"] for g in aws.client("bedrock").list_guardrails().get("guardrails", [])]
        if names:
            return failed(f"only guardrails named {', '.join(names)}", f"ガードレールは {', '.join(names)} だけです")
        return failed("no guardrails at all", "ガードレールが 1 つもありません")
    return passed(f"guardrail `{guardrail_id}`", f"ガードレール `{guardrail_id}`")


@lab.criterion(
    "published-version",
    expected=Text(en="a published (numbered) version of {guardrail_name}", ja="{guardrail_name} の公開済みバージョン（番号付き）"),
    looked_at=Text(en="the versions of guardrail {guardrail_name}", ja="ガードレール {guardrail_name} のバージョン"),
    hint=Text(
        en="On the guardrail's page choose Versions > Create (or `aws bedrock create-guardrail-version "
        "--guardrail-identifier ID`). A version is a frozen copy of the working draft: create it after your last "
        "change, and create a new one whenever you change the draft. The check judges the newest version.",
        ja="ガードレールのページで「バージョン」>「作成」を選びます（または `aws bedrock create-guardrail-version "
        "--guardrail-identifier ID`）。バージョンは作業中のドラフトを固定したコピーなので、最後の変更の後に作成し、"
        "ドラフトを変更したら新しいバージョンを作成します。チェックは最新のバージョンを判定します。",
    ),
    requires="guardrail",
)
def published_version(aws: Aws, ctx: Context) -> Finding:
    guardrail_id, config, problem = _published(aws, ctx)
    if problem is not None:
        return problem
    assert config is not None and guardrail_id is not None
    versions = bedrock.guardrail_versions(aws, guardrail_id)
    listing = ", ".join(versions)
    return passed(f"versions {listing}; judging the newest, {versions[-1]}",
                  f"バージョン {listing}。最新の {versions[-1]} を判定します")


def _investment_topics(config: dict[str, Any]) -> list[dict[str, Any]]:
    topics = (config.get("topicPolicy") or {}).get("topics") or []
    return [t for t in topics
            if INVESTMENT_WORDS.search(" ".join([t.get("name", ""), t.get("definition", ""), *(t.get("examples") or [])]))]


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


@lab.criterion(
    "denied-topic",
    expected=Text(
        en="the published version denies the topic {topic_name}, with a definition and a sample phrase, blocking it "
        "in prompts and responses",
        ja="公開済みバージョンが、定義とサンプルフレーズを持つトピック {topic_name} を拒否し、プロンプトと応答の両方でブロックする",
    ),
    looked_at=Text(en="the denied topics of the newest version of {guardrail_name}",
                   ja="{guardrail_name} の最新バージョンの拒否されたトピック"),
    hint=Text(
        en="Denied topics > Add denied topic: name {topic_name} (exactly), a definition that describes investment "
        "advice, at least one sample phrase, and Block for both prompts and responses. Then create a new version.",
        ja="「拒否されたトピック」>「拒否されたトピックを追加」で、名前に正確に {topic_name} を、投資助言を説明する定義と "
        "1 つ以上のサンプルフレーズを入力し、プロンプトと応答の両方で「ブロック」を選びます。その後、新しいバージョンを作成します。",
    ),
    requires="published-version",
)
def denied_topic(aws: Aws, ctx: Context) -> Finding:
    _, config, problem = _published(aws, ctx)
    if problem is not None:
        return problem
    assert config is not None
    label, label_ja = _version_label(config)
    topics = (config.get("topicPolicy") or {}).get("topics") or []
    named = [t for t in topics if _same_name(str(t.get("name", "")), ctx["topic_name"])]
    if not named:
        if not topics:
            return failed(f"{label} has no denied topics", f"{label_ja} に拒否されたトピックがありません")
        names = ", ".join(f"“{t['name']}”" for t in topics)
        names_ja = "、".join(f"“{t['name']}”" for t in topics)
        if _investment_topics(config):
            return failed(f"{label} denies investment advice under another name: {names}, not “{ctx['topic_name']}”",
                          f"{label_ja} は投資助言を別の名前のトピックで拒否しています: {names_ja}"
                          f"（“{ctx['topic_name']}”ではありません）")
        return failed(f"{label} denies only other topics ({names})", f"{label_ja} が拒否しているのは別のトピックだけです（{names_ja}）")
    gaps: list[tuple[str, str]] = []
    for topic in named:
        problems, problems_ja = _directions(topic, "BLOCK"), _directions_ja(topic, "BLOCK")
        if not str(topic.get("definition") or "").strip():
            problems.append("no definition")
            problems_ja.append("定義なし")
        if not topic.get("examples"):
            problems.append("no sample phrase")
            problems_ja.append("サンプルフレーズなし")
        if str(topic.get("type", "DENY")) != "DENY":
            problems.append(f"type {topic.get('type')}")
            problems_ja.append(f"タイプ {topic.get('type')}")
        if not problems:
            return passed(f"{label} denies the topic “{topic['name']}” in prompts and responses",
                          f"{label_ja} はトピック“{topic['name']}”をプロンプトと応答の両方で拒否しています")
        gaps.append(("; ".join(problems), "、".join(problems_ja)))
    return failed(f"{label} has the topic “{ctx['topic_name']}”, but not as asked ({' / '.join(g[0] for g in gaps)})",
                  f"{label_ja} にトピック“{ctx['topic_name']}”はありますが、指定どおりではありません"
                  f"（{' / '.join(g[1] for g in gaps)}）")


def _pii_finding(aws: Aws, ctx: Context, pii_type: str, what: str, what_ja: str) -> Finding:
    _, config, problem = _published(aws, ctx)
    if problem is not None:
        return problem
    assert config is not None
    label, label_ja = _version_label(config)
    entities = (config.get("sensitiveInformationPolicy") or {}).get("piiEntities") or []
    entry = next((e for e in entities if e.get("type") == pii_type), None)
    if entry is None:
        space = " " if what_ja[0].isascii() else ""
        return failed(f"{label} does not look for {what} (no PII type {pii_type})",
                      f"{label_ja} は{space}{what_ja}を検出しません（PII タイプ {pii_type} がありません）")
    wrong, wrong_ja = _directions(entry, "ANONYMIZE"), _directions_ja(entry, "ANONYMIZE")
    if wrong:
        return failed(f"{label} has {pii_type}, but not masked everywhere ({'; '.join(wrong)})",
                      f"{label_ja} に {pii_type} はありますが、マスクされない箇所があります（{'、'.join(wrong_ja)}）")
    return passed(f"{label} masks {pii_type} (ANONYMIZE) in prompts and responses",
                  f"{label_ja} はプロンプトと応答の両方で {pii_type} をマスク（ANONYMIZE）します")


_PII_HINT = Text(
    en="Sensitive information filters > Add new PII: choose the type, and Guardrail behavior Mask (ANONYMIZE) for "
    "prompts and responses; Block would refuse the whole message instead. Then create a new version.",
    ja="「機密情報フィルター」>「新しい PII を追加」でタイプを選び、プロンプトと応答のガードレールの動作を「マスク」"
    "（ANONYMIZE）にします。「ブロック」ではメッセージ全体が拒否されます。その後、新しいバージョンを作成します。",
)


@lab.criterion(
    "email-masked",
    expected=Text(en="the published version masks e-mail addresses in prompts and responses (PII type EMAIL, ANONYMIZE)",
                  ja="公開済みバージョンがプロンプトと応答の両方で E メールアドレスをマスクする（PII タイプ EMAIL、ANONYMIZE）"),
    looked_at=Text(en="the sensitive information filters of the newest version of {guardrail_name}",
                   ja="{guardrail_name} の最新バージョンの機密情報フィルター"),
    hint=_PII_HINT,
    requires="published-version",
)
def email_masked(aws: Aws, ctx: Context) -> Finding:
    return _pii_finding(aws, ctx, "EMAIL", "e-mail addresses", "E メールアドレス")


@lab.criterion(
    "phone-masked",
    expected=Text(en="the published version masks phone numbers in prompts and responses (PII type PHONE, ANONYMIZE)",
                  ja="公開済みバージョンがプロンプトと応答の両方で電話番号をマスクする（PII タイプ PHONE、ANONYMIZE）"),
    looked_at=Text(en="the sensitive information filters of the newest version of {guardrail_name}",
                   ja="{guardrail_name} の最新バージョンの機密情報フィルター"),
    hint=_PII_HINT,
    requires="published-version",
)
def phone_masked(aws: Aws, ctx: Context) -> Finding:
    return _pii_finding(aws, ctx, "PHONE", "phone numbers", "電話番号")


@lab.criterion(
    "profanity-blocked",
    expected=Text(en="the published version blocks profanity with the managed word list",
                  ja="公開済みバージョンがマネージド型のワードリストで冒涜的な表現をブロックする"),
    looked_at=Text(en="the word filters of the newest version of {guardrail_name}",
                   ja="{guardrail_name} の最新バージョンのワードフィルター"),
    hint=Text(
        en="Word filters > turn on “Filter profanity” (the managed PROFANITY list) with the action Block. Typing "
        "a few bad words as custom words is not the managed list. Then create a new version.",
        ja="「ワードフィルター」で「冒涜的な表現をフィルタリング」（マネージド型の PROFANITY リスト）をオンにし、"
        "アクションを「ブロック」にします。いくつかの単語をカスタムワードとして入力しても、マネージド型のリストにはなりません。"
        "その後、新しいバージョンを作成します。",
    ),
    requires="published-version",
)
def profanity_blocked(aws: Aws, ctx: Context) -> Finding:
    _, config, problem = _published(aws, ctx)
    if problem is not None:
        return problem
    assert config is not None
    label, label_ja = _version_label(config)
    managed = (config.get("wordPolicy") or {}).get("managedWordLists") or []
    entry = next((m for m in managed if m.get("type") == "PROFANITY"), None)
    if entry is None:
        return failed(f"{label} has no managed profanity list", f"{label_ja} にマネージド型の冒涜的な表現のリストがありません")
    wrong, wrong_ja = _directions(entry, "BLOCK"), _directions_ja(entry, "BLOCK")
    if wrong:
        return failed(f"{label} has the profanity list, but it does not block everywhere ({'; '.join(wrong)})",
                      f"{label_ja} に冒涜的な表現のリストはありますが、ブロックしない箇所があります（{'、'.join(wrong_ja)}）")
    return passed(f"{label} blocks profanity in prompts and responses",
                  f"{label_ja} はプロンプトと応答の両方で冒涜的な表現をブロックします")


def _normal(text: str) -> str:
    return " ".join(str(text).split()).replace("’", "'")


@lab.criterion(
    "blocked-messages",
    expected=Text(en="the message “{blocked_message}” for blocked prompts and for blocked responses",
                  ja="ブロックされたプロンプトと応答のメッセージがどちらも“{blocked_message}”"),
    looked_at=Text(en="the blocked messaging of the newest version of {guardrail_name}",
                   ja="{guardrail_name} の最新バージョンのブロックされたメッセージング"),
    hint=Text(
        en="In the guardrail details, enter “{blocked_message}” as the message for blocked prompts and as the message "
        "for blocked responses (the console can apply the same message to both).",
        ja="ガードレールの詳細の「ブロックされたメッセージング」で、ブロックされたプロンプトに対するメッセージと、"
        "ブロックされた応答に対するメッセージの両方に“{blocked_message}”を入力します（コンソールでは同じメッセージを"
        "両方に適用できます）。その後、新しいバージョンを作成します。",
    ),
    requires="published-version",
)
def blocked_messages(aws: Aws, ctx: Context) -> Finding:
    _, config, problem = _published(aws, ctx)
    if problem is not None:
        return problem
    assert config is not None
    label, label_ja = _version_label(config)
    wanted = _normal(ctx["blocked_message"])
    prompts, responses = config.get("blockedInputMessaging", ""), config.get("blockedOutputsMessaging", "")
    wrong = [(name, name_ja, value) for name, name_ja, value in
             (("prompts", "プロンプト", prompts), ("responses", "応答", responses)) if _normal(value) != wanted]
    if wrong:
        return failed("; ".join(f"{label}: blocked {name} get “{value}”" for name, _, value in wrong),
                      "、".join(f"{label_ja}: ブロックされた{name_ja}のメッセージは“{value}”" for _, name_ja, value in wrong))
    return passed(f"{label} answers “{prompts}” to blocked prompts and responses",
                  f"{label_ja} はブロックされたプロンプトと応答に“{prompts}”と答えます")


# -- behaviour: what the guardrail does to sample prompts ------------------------------------


def _try(aws: Aws, ctx: Context, texts: tuple[str, ...]) -> tuple[dict[str, Any] | None, str, Finding | None]:
    """ApplyGuardrail on the newest version with ``texts`` as a prompt: the answer and the version, or why not."""
    guardrail_id, config, problem = _published(aws, ctx)
    if problem is not None:
        return None, "", problem
    assert config is not None and guardrail_id is not None
    answer = aws.client("bedrock-runtime").apply_guardrail(
        guardrailIdentifier=guardrail_id, guardrailVersion=str(config["version"]), source="INPUT",
        content=[{"text": {"text": text}} for text in texts],
    )
    return dict(answer), str(config["version"]), None


def _actions(node: Any) -> Iterator[str]:
    """Every policy action (``BLOCKED``, ``ANONYMIZED``, ``NONE``) an ApplyGuardrail assessment reports."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "action" and isinstance(value, str):
                yield value
            elif key != "invocationMetrics":
                yield from _actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _actions(item)




def _sent(texts: tuple[str, ...]) -> str:
    return " + ".join(json.dumps(text, ensure_ascii=False) for text in texts)


def _report(answer: dict[str, Any], version: str, texts: tuple[str, ...]) -> tuple[bool, str, str]:
    """Whether the guardrail blocked the prompt, and what was sent and came back, in English and Japanese."""
    blocked = "BLOCKED" in set(_actions(answer.get("assessments") or []))
    action = answer.get("action")
    verdict, verdict_ja = (f"{action}, blocked", f"{action}、ブロック") if blocked else (action, action)
    outputs = [str(o.get("text", "")) for o in answer.get("outputs") or []]
    if not outputs:  # ApplyGuardrail returns no outputs when the text passes unchanged
        return (
            blocked,
            f"version {version}, given {_sent(texts)}, let it pass unchanged ({verdict})",
            f"バージョン {version} に {_sent(texts)} を送ると、変更されずにそのまま通過しました（{verdict_ja}）",
        )
    return (
        blocked,
        f"version {version}, given {_sent(texts)}, returned {' | '.join(f'“{o}”' for o in outputs)} ({verdict})",
        f"バージョン {version} に {_sent(texts)} を送ると、{' | '.join(f'“{o}”' for o in outputs)}が返りました（{verdict_ja}）",
    )


@lab.criterion(
    "masks-contact-details",
    expected=Text(
        en="a prompt with an e-mail address and a phone number comes back masked as {{EMAIL}} and {{PHONE}}, not blocked",
        ja="E メールアドレスと電話番号を含むプロンプトが、ブロックされずに {{EMAIL}} と {{PHONE}} にマスクされて返る",
    ),
    looked_at=Text(en="what ApplyGuardrail answers for a prompt with contact details, on the newest version",
                   ja="連絡先を含むプロンプトに対して、最新バージョンの ApplyGuardrail が返す内容"),
    hint=Text(
        en="Try it in the guardrail's Test panel (choose the version) or with `aws bedrock-runtime apply-guardrail "
        "--source INPUT`. Blocked instead of masked: EMAIL or PHONE has the action Block. Unchanged: the version "
        "lacks the PII types (was it created before you added them?).",
        ja="ガードレールの「テスト」パネル（バージョンを選択）か `aws bedrock-runtime apply-guardrail --source INPUT` "
        "で試してみましょう。マスクではなくブロックされる場合は EMAIL か PHONE のアクションが「ブロック」です。"
        "そのまま返る場合はバージョンに PII タイプがありません（追加する前にバージョンを作成しませんでしたか？）。",
    ),
    requires=("email-masked", "phone-masked"),
)
def masks_contact_details(aws: Aws, ctx: Context) -> Finding:
    answer, version, problem = _try(aws, ctx, (CONTACT,))
    if problem is not None or answer is None:
        return problem or failed("no answer", "応答がありません")
    blocked, sent, sent_ja = _report(answer, version, (CONTACT,))
    returned = " ".join(o.get("text", "") for o in answer.get("outputs") or [])
    masked = "{EMAIL}" in returned and "{PHONE}" in returned
    leaked = [value for value in CONTACT_VALUES if value in returned]
    if not blocked and masked and not leaked:
        return passed(sent, sent_ja)
    return failed(sent, sent_ja)


@lab.criterion(
    "blocks-investment-question",
    expected=Text(en="a prompt asking for investment advice is blocked", ja="投資の助言を求めるプロンプトがブロックされる"),
    looked_at=Text(en="what ApplyGuardrail answers for a question about investing, on the newest version",
                   ja="投資についての質問に対して、最新バージョンの ApplyGuardrail が返す内容"),
    hint=Text(
        en="The topic's definition and sample phrases decide what it catches: describe investment advice plainly "
        "(stocks, bonds, funds, investing) and add sample questions such as “Which stocks should I buy?”.",
        ja="トピックが何を検出するかは定義とサンプルフレーズで決まります。投資助言をわかりやすく説明し（株、債券、ファンド、"
        "投資など）、“Which stocks should I buy?” や “どの株を買うべきですか？”のような質問例を追加します。",
    ),
    requires="denied-topic",
)
def blocks_investment_question(aws: Aws, ctx: Context) -> Finding:
    answer, version, problem = _try(aws, ctx, INVESTMENT_QUESTION)
    if problem is not None or answer is None:
        return problem or failed("no answer", "応答がありません")
    blocked, sent, sent_ja = _report(answer, version, INVESTMENT_QUESTION)
    return passed(sent, sent_ja) if blocked else failed(sent, sent_ja)


@lab.criterion(
    "blocks-profanity",
    expected=Text(en="a prompt with profanity is blocked", ja="冒涜的な表現を含むプロンプトがブロックされる"),
    looked_at=Text(en="what ApplyGuardrail answers for a prompt with profanity, on the newest version",
                   ja="冒涜的な表現を含むプロンプトに対して、最新バージョンの ApplyGuardrail が返す内容"),
    hint=Text(
        en="Turn on the managed profanity list (Word filters) with the action Block, then create a new version.",
        ja="「ワードフィルター」でマネージド型の冒涜的な表現のリストをオンにしてアクションを「ブロック」にし、"
        "新しいバージョンを作成します。",
    ),
    requires="profanity-blocked",
)
def blocks_profanity(aws: Aws, ctx: Context) -> Finding:
    answer, version, problem = _try(aws, ctx, (PROFANE,))
    if problem is not None or answer is None:
        return problem or failed("no answer", "応答がありません")
    blocked, sent, sent_ja = _report(answer, version, (PROFANE,))
    return passed(sent, sent_ja) if blocked else failed(sent, sent_ja)


# -- reference solution, other valid ways, near misses -----------------------------------------


def request(
    ctx: Context,
    *,
    topic: bool = True,
    topic_action: str = "BLOCK",
    topic_name: str | None = None,
    examples: list[str] | None = None,
    email: str | None = "ANONYMIZE",
    phone: str | None = "ANONYMIZE",
    pii_output: str | None = None,
    profanity: bool = True,
    custom_words: list[str] | None = None,
    output_message: str | None = None,
) -> dict[str, Any]:
    """A CreateGuardrail request as the console sends it; the keywords introduce the near misses' mistakes."""
    config: dict[str, Any] = {
        "name": ctx["guardrail_name"],
        "description": "Keeps the support assistant away from investment advice and contact details",
        "blockedInputMessaging": ctx["blocked_message"],
        "blockedOutputsMessaging": output_message or ctx["blocked_message"],
    }
    if topic:
        config["topicPolicyConfig"] = {"topicsConfig": [{
            "name": topic_name or ctx["topic_name"], "definition": DEFINITION,
            "examples": EXAMPLES if examples is None else examples, "type": "DENY",
            "inputAction": topic_action, "outputAction": topic_action, "inputEnabled": True, "outputEnabled": True,
        }]}
    pii: list[dict[str, Any]] = [{"type": kind, "action": action}
                                 for kind, action in (("EMAIL", email), ("PHONE", phone)) if action]
    if pii_output is not None:
        for entry in pii:
            entry.update(inputAction=entry["action"], outputAction=pii_output, inputEnabled=True,
                         outputEnabled=pii_output != "NONE")
    if pii:
        config["sensitiveInformationPolicyConfig"] = {"piiEntitiesConfig": pii}
    words: dict[str, Any] = {}
    if profanity:
        words["managedWordListsConfig"] = [{"type": "PROFANITY"}]
    if custom_words:
        words["wordsConfig"] = [{"text": word} for word in custom_words]
    if words:
        config["wordPolicyConfig"] = words
    return config


def wait_until_ready(aws: Aws, guardrail_id: str) -> None:
    """On AWS a guardrail is CREATING or UPDATING for a few seconds, and cannot be versioned meanwhile."""
    for _ in range(30):
        if aws.client("bedrock").get_guardrail(guardrailIdentifier=guardrail_id)["status"] == "READY":
            return
        time.sleep(2)


def publish_version(aws: Aws, guardrail_id: str, description: str = "first release") -> None:
    wait_until_ready(aws, guardrail_id)
    aws.client("bedrock").create_guardrail_version(guardrailIdentifier=guardrail_id, description=description)


def build(aws: Aws, ctx: Context, *, publish: bool = True, **mistakes: Any) -> str:
    client = aws.client("bedrock")
    guardrail_id = str(client.create_guardrail(**request(ctx, **mistakes), tags=[{"key": TAG_KEY, "value": lab.id}])
                       ["guardrailId"])
    if publish:
        publish_version(aws, guardrail_id)
    return guardrail_id


@lab.solution
def solve(aws: Aws, ctx: Context) -> None:
    build(aws, ctx)


@lab.alternative(
    "aws-cli",
    story=Text(
        en="AWS CLI: `aws bedrock create-guardrail --cli-input-json ...` with separate prompt and response actions, "
        "then `aws bedrock create-guardrail-version`",
        ja="AWS CLI: プロンプトと応答のアクションを個別に指定して `aws bedrock create-guardrail --cli-input-json ...` を"
        "実行し、続けて `aws bedrock create-guardrail-version` を実行",
    ),
)
def with_the_cli(aws: Aws, ctx: Context) -> None:
    definition = request(ctx)
    definition["sensitiveInformationPolicyConfig"]["piiEntitiesConfig"] = [
        {"type": kind, "action": "ANONYMIZE", "inputAction": "ANONYMIZE", "outputAction": "ANONYMIZE",
         "inputEnabled": True, "outputEnabled": True} for kind in ("PHONE", "EMAIL")
    ]
    definition["wordPolicyConfig"]["managedWordListsConfig"] = [
        {"type": "PROFANITY", "inputAction": "BLOCK", "outputAction": "BLOCK", "inputEnabled": True, "outputEnabled": True}
    ]
    created = json.loads(aws.cli("bedrock", "create-guardrail", "--cli-input-json", json.dumps(definition),
                                 "--output", "json"))
    wait_until_ready(aws, created["guardrailId"])
    aws.cli("bedrock", "create-guardrail-version", "--guardrail-identifier", created["guardrailId"],
            "--description", "v1", "--output", "json")


@lab.alternative(
    "other-wording-more-filters",
    story=Text(
        en="the topic defined in other words (and with other sample phrases, one in Japanese), more topics, PII "
        "types and filters, a first version published too early and a second, complete one",
        ja="トピックを別の言葉で定義（サンプルフレーズも別のもので、1 つは日本語）し、トピック、PII タイプ、フィルターを追加。"
        "早すぎた最初のバージョンの後に、完成した 2 つ目のバージョンを作成",
    ),
)
def with_other_wording(aws: Aws, ctx: Context) -> None:
    client = aws.client("bedrock")
    first = request(ctx, email=None, phone=None)
    guardrail_id = client.create_guardrail(**first)["guardrailId"]
    publish_version(aws, guardrail_id, "too early")
    complete = request(ctx)
    complete["topicPolicyConfig"] = {"topicsConfig": [
        {"name": ctx["topic_name"], "type": "DENY",
         "definition": "Personal guidance on what to buy or sell: shares, ETFs, crypto or retirement portfolios.",
         "examples": ["Is now a good time to buy Bitcoin?", "Which ETF should I put my pension in?",
                      "どの株を買うべきですか？"]},
        {"name": "Legal advice", "type": "DENY", "definition": "Advice on lawsuits, contracts or other legal disputes.",
         "examples": ["Can I sue my landlord?"]},
    ]}
    complete["sensitiveInformationPolicyConfig"] = {
        "piiEntitiesConfig": [
            {"type": "NAME", "action": "ANONYMIZE"},
            {"type": "EMAIL", "action": "ANONYMIZE"},
            {"type": "PHONE", "action": "ANONYMIZE"},
            {"type": "CREDIT_DEBIT_CARD_NUMBER", "action": "BLOCK"},
        ],
        "regexesConfig": [{"name": "order", "pattern": r"ORD-\d{6}", "action": "ANONYMIZE"}],
    }
    complete["wordPolicyConfig"] = {"wordsConfig": [{"text": "competitor"}],
                                    "managedWordListsConfig": [{"type": "PROFANITY", "inputAction": "BLOCK"}]}
    complete["contentPolicyConfig"] = {"filtersConfig": [
        {"type": "INSULTS", "inputStrength": "HIGH", "outputStrength": "HIGH"},
        {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"},
    ]}
    client.update_guardrail(guardrailIdentifier=guardrail_id, **complete)
    publish_version(aws, guardrail_id, "complete")


@lab.near_miss(
    "email-blocked-not-masked",
    fails=("email-masked", "masks-contact-details"),
    story=Text(en="EMAIL set to Block instead of Mask", ja="EMAIL を「マスク」ではなく「ブロック」に設定"),
)
def email_blocked(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, email="BLOCK")


@lab.near_miss(
    "draft-only",
    fails=("published-version", "masks-contact-details", "blocks-investment-question", "blocks-profanity"),
    story=Text(en="everything configured, but no version created (only the working draft)",
               ja="すべて設定したが、バージョンを作成していない（作業中のドラフトのみ）"),
)
def draft_only(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, publish=False)


@lab.near_miss(
    "no-denied-topic",
    fails=("denied-topic", "blocks-investment-question"),
    story=Text(en="the denied topic forgotten", ja="拒否されたトピックを追加し忘れた"),
)
def no_topic(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, topic=False)


@lab.near_miss(
    "topic-detect-only",
    fails=("denied-topic", "blocks-investment-question"),
    story=Text(en="the topic's action left at Detect (no action) instead of Block",
               ja="トピックのアクションを「ブロック」ではなく「検出（アクションなし）」のままにした"),
)
def topic_detect_only(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, topic_action="NONE")


@lab.near_miss(
    "profanity-list-off",
    fails=("profanity-blocked", "blocks-profanity"),
    story=Text(en="the managed profanity list not turned on", ja="マネージド型の冒涜的な表現のリストをオンにしていない"),
)
def profanity_off(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, profanity=False)


@lab.near_miss(
    "phone-not-masked",
    fails=("phone-masked", "masks-contact-details"),
    story=Text(en="only EMAIL masked; PHONE forgotten", ja="EMAIL だけをマスクし、PHONE を忘れた"),
)
def phone_not_masked(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, phone=None)


@lab.near_miss(
    "published-before-masking",
    fails=("email-masked", "phone-masked", "masks-contact-details"),
    story=Text(
        en="version 1 created, then EMAIL and PHONE masking added to the draft without a new version",
        ja="バージョン 1 を作成した後で EMAIL と PHONE のマスクをドラフトに追加し、新しいバージョンを作成していない",
    ),
)
def published_before_masking(aws: Aws, ctx: Context) -> None:
    guardrail_id = build(aws, ctx, email=None, phone=None)
    aws.client("bedrock").update_guardrail(guardrailIdentifier=guardrail_id, **request(ctx))


@lab.near_miss(
    "topic-named-differently",
    fails="denied-topic",
    story=Text(en="investment advice denied, but under the topic name “Financial advice”",
               ja="投資助言を拒否しているが、トピック名が “Financial advice” になっている"),
)
def topic_named_differently(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, topic_name="Financial advice")


@lab.near_miss(
    "topic-without-sample-phrase",
    fails="denied-topic",
    story=Text(en="the denied topic has a definition but no sample phrase",
               ja="拒否されたトピックに定義はあるが、サンプルフレーズがない"),
)
def topic_without_sample_phrase(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, examples=[])


@lab.near_miss(
    "masked-in-prompts-only",
    fails=("email-masked", "phone-masked"),
    story=Text(en="EMAIL and PHONE masked in prompts, but responses left unfiltered",
               ja="EMAIL と PHONE をプロンプトではマスクしたが、応答はフィルタリングしていない"),
)
def masked_in_prompts_only(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, pii_output="NONE")


@lab.near_miss(
    "profanity-as-custom-words",
    fails="profanity-blocked",
    story=Text(en="a few bad words typed as custom words instead of the managed profanity list",
               ja="マネージド型の冒涜的な表現のリストの代わりに、いくつかの単語をカスタムワードとして入力"),
)
def profanity_as_custom_words(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, profanity=False, custom_words=["crap", "damn"])


@lab.near_miss(
    "default-message-for-responses",
    fails="blocked-messages",
    story=Text(en="the message set for blocked prompts only; blocked responses keep the console's default",
               ja="ブロックされたプロンプトのメッセージだけを設定し、ブロックされた応答はコンソールの既定のままにした"),
)
def default_message_for_responses(aws: Aws, ctx: Context) -> None:
    build(aws, ctx, output_message="Sorry, the model cannot answer this question.")


@lab.teardown
def teardown(aws: Aws, ctx: Context) -> None:
    """Delete the guardrail the task names (the lab's own name), with all its versions."""
    guardrail_id = bedrock.find_guardrail_id(aws, ctx["guardrail_name"])
    if guardrail_id is not None:
        or_none(aws.client("bedrock").delete_guardrail, guardrailIdentifier=guardrail_id)
