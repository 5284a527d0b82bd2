"""Badges of passed exams: written only for a pass, Open Badges 2.0 in shape, readable in en and ja, and verified
offline against the attempt record, so that a tampered badge, another attempt's badge or a file that is not a
badge fails with a reason."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from copy import deepcopy
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from mcredlab._text import Text
from mcredlab.badge import BadgeFiles, Verification, issue_badge, record_hash, verify_badge
from tests.japanese import JAPANESE, problems

SVG = "{http://www.w3.org/2000/svg}"
OPENBADGES = "{http://openbadges.org}"
JA_DATE = "2026年12月7日"
MARKUP_NAME = 'Ha<na> & "Ko" ]]> \'Yamada\''


def attempt(**changes: Any) -> dict[str, Any]:
    """A passed attempt record as the exam model stores it (5 of 6 points, finished 2026-12-07 UTC)."""
    record: dict[str, Any] = {
        "exam_id": "serverless-7f3a9c",
        "exam": "serverless",
        "title": {"en": "mcredlab Serverless mock microcredential", "ja": "mcredlab サーバーレス模擬マイクロクレデンシャル"},
        "learner": "Hanako Yamada",
        "started_at": 1796638800.0,
        "finished_at": 1796643000.0,
        "score": 5.0,
        "total": 6,
        "pass_mark": 4.2,
        "passed": True,
        "tasks": [
            {"id": f"task-{number}", "lab": lab, "passed": number != 3, "points": 0.0 if number == 3 else 1.0,
             "hints": number % 2}
            for number, lab in enumerate(["s3-static-website", "apigw-cors", "lambda-env", "sfn-retry",
                                          "waf-rate-limit", "cloudfront-s3-oac"], start=1)
        ],
    }
    record.update(changes)
    return record


@pytest.fixture
def record() -> dict[str, Any]:
    return attempt()


@pytest.fixture
def badge(record: dict[str, Any], tmp_path: Path) -> BadgeFiles:
    return issue_badge(record, tmp_path / "badge")


def svg_texts(path: Path) -> dict[str, str]:
    root = ElementTree.parse(path).getroot()
    return {text.get("id", ""): "".join(text.itertext()) for text in root.iter(f"{SVG}text")}


def baked_assertion(path: Path) -> dict[str, Any]:
    element = ElementTree.parse(path).getroot().find(f"{OPENBADGES}assertion")
    assert element is not None and element.text
    return json.loads(element.text)


def ja_problems(text: str, *names: str) -> list[str]:
    """What the Japanese sweep finds in ``text``; the date keeps the form Japanese certificates print
    (``2026年12月7日``)."""
    return problems(re.sub(r"\d{4}年\d{1,2}月\d{1,2}日", " ", text), {"serverless-7f3a9c", "serverless-0b1d2e", *names})


# Issuing ---------------------------------------------------------------------------------------------------------


def test_a_passed_attempt_writes_an_assertion_and_two_svg_badges_that_verify(
        badge: BadgeFiles, record: dict[str, Any]) -> None:
    assert sorted(path.name for path in badge.assertion.parent.iterdir()) == [
        "badge-serverless-7f3a9c.en.svg", "badge-serverless-7f3a9c.ja.svg", "badge-serverless-7f3a9c.json"]
    for path in (badge.assertion, badge.svg["en"], badge.svg["ja"]):
        result = verify_badge(path, record)
        assert isinstance(result, Verification) and result.ok, result.reason.en
        assert "serverless-7f3a9c" in result.reason.en and "5 of 6" in result.reason.en
        assert "6 点中 5 点で合格" in result.reason.ja


@pytest.mark.parametrize("changes", [{"passed": False, "score": 3.0}, {"passed": False}],
                         ids=["below the pass mark", "marked failed"])
def test_a_failed_attempt_raises_and_writes_nothing(changes: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="did not pass"):
        issue_badge(attempt(**changes), tmp_path / "badge")
    assert not (tmp_path / "badge").exists()


@pytest.mark.parametrize("changes", [{"learner": ""}, {"score": "5"}, {"title": {"en": "Serverless"}},
                                     {"finished_at": None}, {"passed": "yes"}],
                         ids=["no learner", "score as text", "no Japanese title", "no finish time", "passed as text"])
def test_an_incomplete_record_raises_and_writes_nothing(changes: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="attempt record"):
        issue_badge(attempt(**changes), tmp_path / "badge")
    assert not (tmp_path / "badge").exists()


def test_the_record_hash_is_canonical_and_changes_with_any_value(record: dict[str, Any]) -> None:
    digest = record_hash(record)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
    reordered = dict(reversed(list(record.items())))
    assert record_hash(reordered) == record_hash(json.loads(json.dumps(record))) == digest
    assert record_hash({**record, "score": 5}) == digest  # the same number, stored as an integer
    assert record_hash({**record, "score": 6.0}) != digest
    assert record_hash({**record, "tasks": [{**record["tasks"][0], "hints": 2}, *record["tasks"][1:]]}) != digest


def test_the_same_record_and_salt_write_the_same_badge(record: dict[str, Any], tmp_path: Path) -> None:
    first, second = (issue_badge(record, tmp_path / name, salt="5a17") for name in ("one", "two"))
    for a, b in [(first.assertion, second.assertion), *((first.svg[lang], second.svg[lang]) for lang in ("en", "ja"))]:
        assert a.read_bytes() == b.read_bytes()
    random_salts = {json.loads(issue_badge(record, tmp_path / name).assertion.read_text())["recipient"]["salt"]
                    for name in ("three", "four")}
    assert len(random_salts) == 2


def test_a_record_stored_as_json_and_read_back_still_verifies(badge: BadgeFiles, record: dict[str, Any]) -> None:
    stored = json.loads(json.dumps(record))
    stored["score"], stored["total"] = 5, 6.0
    assert verify_badge(badge.svg["ja"], stored).ok


# Open Badges 2.0 -------------------------------------------------------------------------------------------------


def test_the_assertion_has_the_shape_open_badges_2_0_requires(badge: BadgeFiles, record: dict[str, Any]) -> None:
    assertion = json.loads(badge.assertion.read_text(encoding="utf-8"))
    urn_uuid = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

    context = assertion["@context"]
    assert context[0] == "https://w3id.org/openbadges/v2" and isinstance(context[1]["mcredlab"], str)
    assert assertion["type"] == "Assertion" and urn_uuid.fullmatch(assertion["id"])

    recipient = assertion["recipient"]
    assert recipient["type"] in ("id", "email", "url", "telephone") and recipient["hashed"] is True
    assert isinstance(recipient["salt"], str) and re.fullmatch(r"sha256\$[0-9a-f]{64}", recipient["identity"])
    assert "Hanako" not in json.dumps(recipient)

    badge_class = assertion["badge"]
    assert badge_class["type"] == "BadgeClass" and urn_uuid.fullmatch(badge_class["id"])
    assert badge_class["name"] == record["title"]["en"] and badge_class["description"]
    assert isinstance(badge_class["criteria"]["narrative"], str) and badge_class["criteria"]["narrative"]
    image = badge_class["image"]
    assert image.startswith("data:image/svg+xml;base64,")
    assert ElementTree.fromstring(base64.b64decode(image.split(",", 1)[1])).tag == f"{SVG}svg"
    issuer = badge_class["issuer"]
    assert issuer["type"] == "Profile" and urn_uuid.fullmatch(issuer["id"]) and issuer["name"] == "mcredlab"

    issued_on = datetime.fromisoformat(assertion["issuedOn"])
    assert issued_on.tzinfo is not None and issued_on == datetime.fromtimestamp(record["finished_at"], timezone.utc)
    assert assertion["verification"]["type"] in ("HostedBadge", "SignedBadge")

    evidence = assertion["evidence"]
    assert [item["type"] for item in evidence] == ["Evidence"] * (1 + len(record["tasks"]))
    assert all(isinstance(item["narrative"], str) and item["narrative"] for item in evidence)
    assert "5 of 6 points" in evidence[0]["narrative"] and "4.2" in evidence[0]["narrative"]
    assert evidence[3]["name"] == "task-3: lambda-env" and evidence[3]["narrative"].startswith("Not passed")

    # Extensions: namespaced compact IRIs, each an object with its own @context and the type Extension.
    extensions = {key: value for key, value in assertion.items() if ":" in key}
    assert set(extensions) == {"extensions:recipientProfile", "mcredlab:attempt"}
    for extension in extensions.values():
        assert extension["@context"] and "Extension" in extension["type"]
    assert extensions["extensions:recipientProfile"]["name"] == "Hanako Yamada"
    attempt_claims = extensions["mcredlab:attempt"]
    assert set(attempt_claims) - {"@context", "type"} <= set(attempt_claims["@context"])
    assert attempt_claims["recordHash"] == record_hash(record)
    assert (attempt_claims["examId"], attempt_claims["score"], attempt_claims["total"], attempt_claims["passed"]) == (
        "serverless-7f3a9c", 5.0, 6, True)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_svg_badge_is_baked_as_open_badges_2_0_describes(badge: BadgeFiles, lang: str) -> None:
    text = badge.svg[lang].read_text(encoding="utf-8")  # type: ignore[index]
    root = ElementTree.fromstring(text)
    assert root.tag == f"{SVG}svg" and 'xmlns:openbadges="http://openbadges.org"' in text
    assert root[0].tag == f"{OPENBADGES}assertion" and "<![CDATA[{" in text
    assertion = json.loads(badge.assertion.read_text(encoding="utf-8"))
    assert baked_assertion(badge.svg[lang]) == assertion  # type: ignore[index]
    assert root[0].get("verify") == assertion["id"]
    # Standalone: no fonts, images or styles fetched from elsewhere.
    assert not re.search(r"@font-face|@import|href=|url\((?!#)", text)
    assert "IPAGothic" in text and "sans-serif" in text


# What the badges show --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "shown"), [
    ("en", {"name": "Hanako Yamada", "exam": "mcredlab Serverless mock microcredential", "date": "2026-12-07",
            "score": "5 / 6", "result": "PASSED"}),
    ("ja", {"name": "Hanako Yamada", "exam": "mcredlab サーバーレス模擬マイクロクレデンシャル", "date": JA_DATE,
            "score": "5 / 6", "result": "合格"}),
])
def test_each_svg_badge_shows_name_exam_date_score_and_result_in_its_language(
        badge: BadgeFiles, lang: str, shown: dict[str, str]) -> None:
    path = badge.svg[lang]  # type: ignore[index]
    texts = svg_texts(path)
    assert ElementTree.parse(path).getroot().get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    assert {key: texts[key] for key in shown} == shown


def test_the_japanese_badge_and_its_reasons_have_no_english_left(badge: BadgeFiles, record: dict[str, Any]) -> None:
    texts = svg_texts(badge.svg["ja"])
    assert all(JAPANESE.search(text) for key, text in texts.items() if key not in ("name", "score", "date", "exam"))
    bad = [f"{key}: {ja_problems(text, 'Hanako Yamada', 'mcredlab exam verify')}: {text!r}"
           for key, text in texts.items() if ja_problems(text, "Hanako Yamada", "mcredlab exam verify")]
    assert not bad, "\n".join(bad)
    reason = verify_badge(badge.svg["ja"], record).reason.ja
    assert JAPANESE.search(reason) and not ja_problems(reason), ja_problems(reason)


def test_a_name_with_markup_characters_stays_intact_and_escaped(tmp_path: Path) -> None:
    record = attempt(learner=MARKUP_NAME)
    files = issue_badge(record, tmp_path)
    for lang in ("en", "ja"):
        path = files.svg[lang]  # type: ignore[index]
        raw = path.read_text(encoding="utf-8")
        assert MARKUP_NAME not in raw.split("]]></openbadges:assertion>", 1)[1]  # escaped in the picture
        assert raw.count("]]>") == 1  # the CDATA section ends once: the name's ]]> is escaped inside it
        assert svg_texts(path)["name"] == MARKUP_NAME
        assert baked_assertion(path)["extensions:recipientProfile"]["name"] == MARKUP_NAME
        assert MARKUP_NAME in ElementTree.parse(path).getroot().findtext(f"{SVG}title", "")
        assert verify_badge(path, record).ok
    assert json.loads(files.assertion.read_text(encoding="utf-8"))["extensions:recipientProfile"]["name"] == MARKUP_NAME


def test_a_long_name_and_title_are_wrapped_not_lost(tmp_path: Path) -> None:
    name = "Maximiliana Alexandra Featherstonehaugh-Cholmondeley"
    files = issue_badge(attempt(learner=name), tmp_path)
    for lang in ("en", "ja"):
        root = ElementTree.parse(files.svg[lang]).getroot()  # type: ignore[index]
        lines = {text.get("id"): [span.text for span in text.iter(f"{SVG}tspan")] for text in root.iter(f"{SVG}text")}
        assert lines["name"] == ["Maximiliana Alexandra ", "Featherstonehaugh-Cholmondeley"]
        assert svg_texts(files.svg[lang])["name"] == name  # type: ignore[index]
        assert len(lines["exam"]) == 2


# Tampering -------------------------------------------------------------------------------------------------------


def edit_json(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    assertion = json.loads(path.read_text(encoding="utf-8"))
    change(assertion)
    path.write_text(json.dumps(assertion, ensure_ascii=False, indent=2), encoding="utf-8")


def edit_baked(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("<![CDATA[", 1)
    body, tail = rest.split("]]>", 1)
    assertion = json.loads(body)
    change(assertion)
    path.write_text(f"{head}<![CDATA[{json.dumps(assertion, ensure_ascii=False)}]]>{tail}", encoding="utf-8")


def edit_picture(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    picture_start = text.index("</openbadges:assertion>")
    assert old in text[picture_start:]
    path.write_text(text[:picture_start] + text[picture_start:].replace(old, new), encoding="utf-8")


def edit_root(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(pattern, replacement, text, count=1), encoding="utf-8")


def set_score(assertion: dict[str, Any]) -> None:
    assertion["mcredlab:attempt"]["score"] = 6.0


def set_name(assertion: dict[str, Any]) -> None:
    assertion["extensions:recipientProfile"]["name"] = "Taro Suzuki"


def set_date(assertion: dict[str, Any]) -> None:
    assertion["issuedOn"] = "2026-12-08T11:30:00+00:00"


TAMPERING: dict[str, tuple[str, Callable[[BadgeFiles], Path], str, str]] = {
    "score in the JSON": ("json", lambda b: (edit_json(b.assertion, set_score), b.assertion)[1],
                          "The score in the badge (6 of 6) is not the attempt's (5 of 6).",
                          "バッジのスコア（6 点中 6 点）が受験記録のスコア（6 点中 5 点）と異なります。"),
    "name in the JSON": ("json", lambda b: (edit_json(b.assertion, set_name), b.assertion)[1],
                         "The name on the badge (“Taro Suzuki”) is not the attempt's (“Hanako Yamada”).",
                         "バッジの氏名（“Taro Suzuki”）が受験記録の氏名（“Hanako Yamada”）と異なります。"),
    "date in the JSON": ("json", lambda b: (edit_json(b.assertion, set_date), b.assertion)[1],
                         "The date on the badge (2026-12-08) is not the attempt's (2026-12-07).",
                         "バッジの日付（2026年12月8日）が受験記録の日付（2026年12月7日）と異なります。"),
    "evidence in the JSON": (
        "json", lambda b: (edit_json(b.assertion, lambda a: a["evidence"][0].update(narrative="6 of 6 points.")),
                           b.assertion)[1],
        "The badge's evidence[0].narrative is not what attempt serverless-7f3a9c gives: the badge was edited.",
        "バッジの evidence[0].narrative が受験 serverless-7f3a9c の内容と異なります。バッジが編集されています。"),
    "score baked into the SVG": ("svg", lambda b: (edit_baked(b.svg["en"], set_score), b.svg["en"])[1],
                                 "The score in the badge (6 of 6) is not the attempt's (5 of 6).",
                                 "バッジのスコア（6 点中 6 点）が受験記録のスコア（6 点中 5 点）と異なります。"),
    "name baked into the SVG": ("svg", lambda b: (edit_baked(b.svg["ja"], set_name), b.svg["ja"])[1],
                                "The name on the badge (“Taro Suzuki”) is not the attempt's (“Hanako Yamada”).",
                                "バッジの氏名（“Taro Suzuki”）が受験記録の氏名（“Hanako Yamada”）と異なります。"),
    "score shown by the SVG": (
        "svg", lambda b: (edit_picture(b.svg["en"], ">5 / 6<", ">6 / 6<"), b.svg["en"])[1],
        "The score shown on the badge (6 / 6) is not the one in its assertion (5 / 6).",
        "バッジに表示されたスコア（6 / 6）が、埋め込まれたアサーションのスコア（5 / 6）と異なります。"),
    "name shown by the SVG": (
        "svg", lambda b: (edit_picture(b.svg["ja"], ">Hanako Yamada<", ">Taro Suzuki<"), b.svg["ja"])[1],
        "The name shown on the badge (Taro Suzuki) is not the one in its assertion (Hanako Yamada).",
        "バッジに表示された氏名（Taro Suzuki）が、埋め込まれたアサーションの氏名（Hanako Yamada）と異なります。"),
    "date shown by the SVG": (
        "svg", lambda b: (edit_picture(b.svg["ja"], f">{JA_DATE}<", ">2026年12月1日<"), b.svg["ja"])[1],
        f"The date shown on the badge (2026年12月1日) is not the one in its assertion ({JA_DATE}).",
        f"バッジに表示された日付（2026年12月1日）が、埋め込まれたアサーションの日付（{JA_DATE}）と異なります。"),
    "label shown by the SVG": (
        "svg", lambda b: (edit_picture(b.svg["en"], ">Awarded to<", ">Revoked from<"), b.svg["en"])[1],
        "The SVG badge's text was edited: it no longer shows what its assertion says.",
        "SVG バッジの文字が編集されています。埋め込まれたアサーションの内容と一致しません。"),
    "language of the SVG": (
        "svg", lambda b: (edit_root(b.svg["ja"], 'xml:lang="ja"', 'xml:lang="fr"'), b.svg["ja"])[1],
        "The SVG badge is in no language mcredlab writes (xml:lang is 'fr').",
        "SVG バッジの言語が mcredlab の対応する言語ではありません（xml:lang は `'fr'`）。"),
    "verify attribute of the SVG": (
        "svg", lambda b: (edit_root(b.svg["en"], r'verify="[^"]+"', 'verify="https://example.org/a/1"'),
                          b.svg["en"])[1],
        "The SVG badge's verify attribute does not name the assertion baked into it.",
        "SVG バッジの `verify` 属性が、埋め込まれたアサーションの ID と一致しません。"),
}


@pytest.mark.parametrize(("kind", "tamper", "en", "ja"), TAMPERING.values(), ids=TAMPERING.keys())
def test_a_tampered_badge_fails_with_the_reason(badge: BadgeFiles, record: dict[str, Any], kind: str,
                                                tamper: Callable[[BadgeFiles], Path], en: str, ja: str) -> None:
    path = tamper(badge)
    assert path.suffix == f".{kind}"
    result = verify_badge(path, record)
    assert not result.ok
    assert (result.reason.en, result.reason.ja) == (en, ja)
    assert not ja_problems(result.reason.ja, "Taro Suzuki", "Hanako Yamada", "2026年12月8日", "2026年12月1日")


RECORDS: dict[str, tuple[dict[str, Any], str]] = {
    "another attempt's record": (
        attempt(exam_id="serverless-0b1d2e", score=6.0),
        "The badge is for attempt serverless-7f3a9c, not for attempt serverless-0b1d2e."),
    "another learner's record": (
        attempt(learner="Taro Suzuki"),
        "The name on the badge (“Hanako Yamada”) is not the attempt's (“Taro Suzuki”)."),
    "another exam's record": (
        attempt(exam="agentic-ai"), "The exam on the badge (“serverless”) is not the attempt's (“agentic-ai”)."),
    "the record with another title": (
        attempt(title={"en": "Serverless", "ja": "サーバーレス"}),
        "The exam on the badge (“mcredlab Serverless mock microcredential”) is not the attempt's (“Serverless”)."),
    "the record with a higher score": (
        attempt(score=6.0), "The score in the badge (5 of 6) is not the attempt's (6 of 6)."),
    "the record changed in a task": (
        attempt(tasks=[{"id": "task-1", "lab": "s3-static-website", "passed": True, "points": 1.0, "hints": 0}]),
        "The attempt record of serverless-7f3a9c has changed since the badge was issued "
        "(its hash is not the one in the badge)."),
    "the record marked failed": (attempt(passed=False), "The attempt did not pass, so no badge belongs to it."),
    "an incomplete record": (
        {"exam_id": "serverless-7f3a9c"},
        "The attempt record cannot vouch for a badge: the attempt record has no valid 'exam' (found None)."),
}


@pytest.mark.parametrize(("other", "reason"), RECORDS.values(), ids=RECORDS.keys())
def test_a_badge_checked_against_another_record_fails_with_the_reason(
        badge: BadgeFiles, other: dict[str, Any], reason: str) -> None:
    for path in (badge.assertion, badge.svg["en"], badge.svg["ja"]):
        result = verify_badge(path, other)
        assert not result.ok and result.reason.en == reason
        assert JAPANESE.search(result.reason.ja) and not ja_problems(result.reason.ja, "Taro Suzuki", "Hanako Yamada")


NOT_BADGES: dict[str, bytes | None] = {
    "a missing file": None,
    "an empty file": b"",
    "a PNG image": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
    "plain text": b"Hanako Yamada passed.",
    "a JSON list": b'["Assertion"]',
    "broken JSON": b'{"type": "Assertion", ',
    "an SVG without an assertion": b'<svg xmlns="http://www.w3.org/2000/svg"><text>5 / 6</text></svg>',
    "broken XML": b'<svg xmlns="http://www.w3.org/2000/svg"><text>',
    "an XML entity bomb": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><svg>&lol;</svg>',
    "another issuer's assertion": json.dumps({
        "@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "https://example.org/a/1",
        "recipient": {"type": "email", "hashed": False, "identity": "hanako@example.org"},
        "badge": "https://example.org/b/1", "issuedOn": "2026-12-07T11:30:00Z", "verification": {"type": "hosted"},
    }).encode(),
    "an assertion with the wrong types": json.dumps({
        "type": "Assertion", "recipient": {"salt": 5}, "mcredlab:attempt": {"examId": "serverless-7f3a9c"},
        "extensions:recipientProfile": "Hanako Yamada",
    }).encode(),
}


@pytest.mark.parametrize("content", NOT_BADGES.values(), ids=NOT_BADGES.keys())
def test_a_file_that_is_not_a_badge_fails_with_a_reason_and_never_raises(
        content: bytes | None, record: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "badge.json"
    if content is not None:
        path.write_bytes(content)
    result = verify_badge(path, record)
    assert not result.ok and result.reason.en and JAPANESE.search(result.reason.ja)
    assert isinstance(result.reason, Text)
    assert not ja_problems(result.reason.ja, "badge.json", str(path)), result.reason.ja


def test_a_directory_is_not_a_badge(tmp_path: Path, record: dict[str, Any]) -> None:
    result = verify_badge(tmp_path, record)
    assert not result.ok and str(tmp_path) in result.reason.en
    assert not ja_problems(result.reason.ja, str(tmp_path)), result.reason.ja


def test_a_record_that_is_not_a_mapping_fails_without_raising(badge: BadgeFiles) -> None:
    result = verify_badge(badge.assertion, deepcopy(["serverless-7f3a9c"]))  # type: ignore[arg-type]
    assert not result.ok and "attempt record" in result.reason.en
