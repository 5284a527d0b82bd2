"""Open Badges 2.0 badges for a passed mock exam, verified offline against the attempt record.

A passed attempt gets three files: an Open Badges 2.0 assertion (JSON) and one SVG badge per language (en, ja)
with that assertion baked in. Nothing is hosted, so :func:`verify_badge` checks a badge against the attempt record
mcredlab stored: the assertion carries the record's hash (:func:`record_hash`) and what the badge claims (learner,
exam, date, score, result) in a ``mcredlab:attempt`` extension, and the whole assertion must be the one this
record gives. ``docs/badge.md`` explains the format and what verification proves.

>>> files = issue_badge(record, out_dir)            # doctest: +SKIP
>>> verify_badge(files.svg["ja"], record).ok       # doctest: +SKIP
True
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import secrets
import unicodedata
import uuid
import xml.etree.ElementTree as ElementTree
from base64 import b64encode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from numbers import Real
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from mcredlab._text import LANGS, Lang, Text

__all__ = ["BadgeFiles", "Verification", "issue_badge", "record_hash", "verify_badge"]

OPEN_BADGES_V2 = "https://w3id.org/openbadges/v2"
MCREDLAB_TERMS = "urn:mcredlab:badges:"
"""The namespace of mcredlab's own terms (the ``mcredlab:`` prefix of the assertion's context)."""
RECIPIENT_PROFILE_CONTEXT = "https://openbadgespec.org/extensions/recipientProfile/context.json"
VERIFY_COMMAND = "mcredlab exam verify"

MCREDLAB_UUID = uuid.uuid5(uuid.NAMESPACE_URL, "urn:mcredlab")
"""The namespace of every ``urn:uuid`` mcredlab derives (issuer, badge class, assertion, learner)."""

ATTEMPT_EXTENSION = "mcredlab:attempt"
ATTEMPT_CONTEXT: dict[str, Any] = {
    "mcredlab": MCREDLAB_TERMS,
    "examId": "mcredlab:examId",
    "exam": "mcredlab:exam",
    "title": {"@id": "mcredlab:title", "@container": "@language"},
    "score": "mcredlab:score",
    "total": "mcredlab:total",
    "passMark": "mcredlab:passMark",
    "passed": "mcredlab:passed",
    "recordHash": "mcredlab:recordHash",
    "verifyWith": "mcredlab:verifyWith",
}
"""The JSON-LD context of the ``mcredlab:attempt`` extension: each of its terms in mcredlab's namespace."""

SVG_NS = "http://www.w3.org/2000/svg"
OPENBADGES_NS = "http://openbadges.org"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_BADGE_BYTES = 5_000_000

FONTS: dict[Lang, str] = {
    "en": "'DejaVu Sans','Helvetica Neue',Arial,'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',Meiryo,"
          "'IPAPGothic','IPAGothic','IPAexGothic',sans-serif",
    "ja": "'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',Meiryo,'IPAPGothic','IPAGothic','IPAexGothic',"
          "'DejaVu Sans',Arial,sans-serif",
}
"""Only system fonts: Japanese renders with whichever of these the viewer has (IPAGothic on Debian)."""

LABELS: dict[str, Text] = {
    "issuer": Text(en="mcredlab · OPEN BADGE", ja="mcredlab ・ オープンバッジ"),
    "awarded": Text(en="Awarded to", ja="受領者"),
    "score": Text(en="Score", ja="スコア"),
    "date": Text(en="Date", ja="日付"),
    "passed": Text(en="PASSED", ja="合格"),
    "not passed": Text(en="NOT PASSED", ja="不合格"),
    "attempt": Text(en="Attempt {exam_id} · verify with: " + VERIFY_COMMAND,
                    ja="受験 ID {exam_id} ・ 検証コマンド: " + VERIFY_COMMAND),
}


@dataclass(frozen=True)
class BadgeFiles:
    """The files of one badge: the assertion (JSON) and a baked SVG badge per language."""

    assertion: Path
    svg: dict[Lang, Path]


@dataclass(frozen=True)
class Verification:
    """Whether a badge belongs to an attempt record, and in one sentence what matched or what differs."""

    ok: bool
    reason: Text


class _Mismatch(Exception):
    """A badge that fails verification, with the reason."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.en)
        self.reason = reason


def record_hash(record: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` over the record's canonical JSON (sorted keys, no spaces, UTF-8, whole floats as ints).

    >>> record_hash({"b": 1.0, "a": "x"}) == record_hash({"a": "x", "b": 1})
    True
    """
    canonical = json.dumps(_canonical(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           allow_nan=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def issue_badge(record: Mapping[str, Any], out_dir: Path | str, *, salt: str | None = None) -> BadgeFiles:
    """Write the badge of a passed attempt to ``out_dir``: ``badge-<exam_id>.json``, ``.en.svg`` and ``.ja.svg``.

    Raises ``ValueError`` and writes nothing when the attempt did not pass or the record is incomplete. ``salt``
    (for the hashed recipient) is random unless given; it is stored in the assertion.
    """
    problem = _record_problem(record)
    if problem is not None:
        raise ValueError(problem.en)
    if record["passed"] is not True:
        raise ValueError(f"attempt {record['exam_id']} did not pass, so it gets no badge")
    assertion = _assertion(record, salt if salt is not None else secrets.token_hex(16))
    files = badge_files(record, out_dir)
    files.assertion.parent.mkdir(parents=True, exist_ok=True)
    _write(files.assertion, json.dumps(assertion, ensure_ascii=False, indent=2) + "\n")
    for lang, path in files.svg.items():
        _write(path, _badge_svg(_View.of(assertion, lang), lang, baked=assertion))
    return files


def badge_files(record: Mapping[str, Any], out_dir: Path | str) -> BadgeFiles:
    """Where :func:`issue_badge` writes the badge of ``record`` in ``out_dir`` (whether or not it is there yet)."""
    out = Path(out_dir)
    stem = "badge-" + (re.sub(r"[^A-Za-z0-9._-]+", "-", str(record["exam_id"])).strip(".-") or "attempt")
    return BadgeFiles(assertion=out / f"{stem}.json", svg={lang: out / f"{stem}.{lang}.svg" for lang in LANGS})


def verify_badge(path: Path | str, record: Mapping[str, Any]) -> Verification:
    """Check the badge at ``path`` (the assertion JSON or either SVG) against the attempt ``record``.

    Never raises for a bad file or record: the result says what is wrong.
    """
    try:
        assertion, svg = _read_badge(Path(path))  # Path() inside: even a path of the wrong type gets a reason
        _compare(assertion, record)
        if svg is not None:
            _compare_picture(svg, assertion)
    except _Mismatch as mismatch:
        return Verification(ok=False, reason=mismatch.reason)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as error:
        return Verification(ok=False, reason=Text(
            en=f"The badge could not be checked: it is not in the form mcredlab writes ({type(error).__name__}).",
            ja=f"バッジを検証できませんでした。mcredlab が書き出す形式ではありません（{type(error).__name__}）。"))
    view = _View.of(assertion, "en")
    title = record["title"]
    return Verification(ok=True, reason=Text(
        en=f"The badge matches attempt {view.exam_id}: {view.name} passed {title['en']} on {view.date} "
           f"with {view.score} of {_points(record['total'])} points.",
        ja=f"バッジは受験 {view.exam_id} と一致しています（“{view.name}”、{title['ja']}、"
           f"{_ja_date(view.date)}、{_points(record['total'])} 点中 {view.score} 点で合格）。"))


def attempt_of(path: Path | str) -> str | None:
    """The attempt (exam id) the badge at ``path`` claims to be for, or ``None`` when it is no readable badge."""
    try:
        assertion, _ = _read_badge(Path(path))
        return str(assertion[ATTEMPT_EXTENSION]["examId"])
    except (_Mismatch, KeyError, TypeError, ValueError, AttributeError):
        return None


# The assertion ---------------------------------------------------------------------------------------------------


def _assertion(record: Mapping[str, Any], salt: str) -> dict[str, Any]:
    """The Open Badges 2.0 assertion of a passed attempt: everything but ``salt`` follows from the record."""
    title, learner, exam = record["title"], record["learner"], record["exam"]
    issued_on = _iso(record["finished_at"])
    score, total, pass_mark = record["score"], record["total"], record["pass_mark"]
    minutes = round((record["finished_at"] - record["started_at"]) / 60)
    return {
        "@context": [OPEN_BADGES_V2, {"mcredlab": MCREDLAB_TERMS}],
        "type": "Assertion",
        "id": _urn("assertion", record["exam_id"]),
        "recipient": {
            "type": "id",
            "hashed": True,
            "salt": salt,
            "identity": _identity_hash(learner, salt),
        },
        "badge": {
            "type": "BadgeClass",
            "id": _urn("badge-class", exam),
            "name": title["en"],
            "description": f"Passed {title['en']}: hands-on AWS tasks in an emulated account, on one clock, "
                           "each judged by its Check.",
            "image": "data:image/svg+xml;base64," + b64encode(_emblem_svg(exam).encode()).decode(),
            "criteria": {
                "narrative": "Within the exam's time limit, solve its hands-on tasks so that each task's Check "
                             "passes, and score at least the pass mark.",
            },
            "issuer": {
                "type": "Profile",
                "id": _urn("issuer", "mcredlab"),
                "name": "mcredlab",
                "description": "Hands-on AWS labs in the style of the AWS Microcredentials exams, "
                               "checked offline in a local emulator.",
            },
            "tags": ["mcredlab", "AWS", exam],
        },
        "issuedOn": issued_on,
        "verification": {"type": "HostedBadge"},
        "narrative": f"{learner} passed {title['en']} on {issued_on[:10]} with {_points(score)} of "
                     f"{_points(total)} points.",
        "evidence": [
            {
                "type": "Evidence",
                "name": "Score",
                "narrative": f"{_points(score)} of {_points(total)} points; the pass mark is {_points(pass_mark)}. "
                             f"Finished in {minutes} minutes.",
            },
            *(_task_evidence(task) for task in record["tasks"]),
        ],
        "extensions:recipientProfile": {
            "@context": RECIPIENT_PROFILE_CONTEXT,
            "type": ["Extension", "extensions:RecipientProfile"],
            "name": learner,
        },
        ATTEMPT_EXTENSION: {
            "@context": ATTEMPT_CONTEXT,
            "type": ["Extension", "mcredlab:Attempt"],
            "examId": record["exam_id"],
            "exam": exam,
            "title": {lang: title[lang] for lang in LANGS},
            "score": score,
            "total": total,
            "passMark": pass_mark,
            "passed": record["passed"],
            "recordHash": record_hash(record),
            "verifyWith": f"{VERIFY_COMMAND} FILE",
        },
    }


def _task_evidence(task: Mapping[str, Any]) -> dict[str, Any]:
    points, hints = task.get("points", 0), task.get("hints", 0)
    result = "Passed" if task.get("passed") else "Not passed"
    used = "no hints" if not hints else f"{hints} hint{'' if hints == 1 else 's'}"
    return {
        "type": "Evidence",
        "name": f"{task.get('id', 'task')}: {task.get('lab', '')}".rstrip(": "),
        "narrative": f"{result}: {_points(points)} point{'' if points == 1 else 's'}, {used} used.",
    }


RECORD_FIELDS: dict[str, type | tuple[type, ...]] = {
    "exam_id": str, "exam": str, "title": Mapping, "learner": str, "started_at": Real, "finished_at": Real,
    "score": Real, "total": Real, "pass_mark": Real, "passed": bool, "tasks": (list, tuple),
}
"""What a badge needs of an attempt record, and of what type (numbers may be int or float)."""


def _record_problem(record: Any) -> Text | None:
    """What the attempt record lacks for a badge, or ``None`` when it has all of it."""
    if not isinstance(record, Mapping):
        return Text(en=f"an attempt record is a mapping, not {type(record).__name__}",
                    ja=f"受験記録がマッピングではありません（`{type(record).__name__}`）")
    for key, kind in RECORD_FIELDS.items():
        value = record.get(key)
        if not isinstance(value, kind) or (kind is Real and (isinstance(value, bool) or not math.isfinite(value))):
            return Text(en=f"the attempt record has no valid {key!r} (found {value!r})",
                        ja=f"受験記録の `{key}` に有効な値がありません（`{value!r}`）")
    if not all(isinstance(record["title"].get(lang), str) and record["title"][lang].strip() for lang in LANGS):
        return Text(en="the attempt record's 'title' needs an 'en' and a 'ja' text",
                    ja="受験記録の `title` に `en` と `ja` の両方が必要です")
    if not record["exam_id"].strip() or not record["learner"].strip():
        return Text(en="the attempt record needs an 'exam_id' and a 'learner'",
                    ja="受験記録に `exam_id` と `learner` が必要です")
    if not all(isinstance(task, Mapping) for task in record["tasks"]):
        return Text(en="the attempt record's 'tasks' are not all mappings",
                    ja="受験記録の `tasks` にマッピングでない項目があります")
    return None


def _canonical(value: Any) -> Any:
    """``value`` with whole floats as ints and tuples as lists, so a JSON round trip keeps its hash."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    return value


def _urn(kind: str, name: str) -> str:
    """A ``urn:uuid`` that always comes out the same for the same kind and name."""
    digest = hashlib.sha1(MCREDLAB_UUID.bytes + f"{kind}:{name}".encode("utf-8", "surrogatepass")).digest()
    return f"urn:uuid:{uuid.UUID(bytes=digest[:16], version=5)}"


def _identity_hash(learner: str, salt: str) -> str:
    """The recipient's IdentityHash: ``sha256$`` of the learner's profile id (a ``urn:uuid``) and the salt."""
    return "sha256$" + hashlib.sha256((_urn("learner", learner) + salt).encode("utf-8", "surrogatepass")).hexdigest()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


def _points(value: Any) -> str:
    """A score as people write it: ``5``, ``4.2``, ``4.25``."""
    if isinstance(value, Real) and not isinstance(value, bool):
        return f"{float(value):.2f}".rstrip("0").rstrip(".")
    return str(value)


def _ja_date(iso_date: str) -> str:
    """``2026-12-07`` as Japanese pages write it: ``2026年12月7日``."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso_date)
    return f"{int(match[1])}年{int(match[2])}月{int(match[3])}日" if match else iso_date


def _write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


# Verification ----------------------------------------------------------------------------------------------------


def _read_badge(path: Path) -> tuple[dict[str, Any], ElementTree.Element | None]:
    """The assertion in the file at ``path``, and the SVG's root when it is an SVG badge."""
    not_a_badge = Text(
        en=f"{path.name} is not a badge: it is neither an Open Badges assertion (JSON) nor a baked SVG badge.",
        ja=f"{path.name} はバッジではありません。オープンバッジのアサーション（JSON）でも、"
           "アサーションを埋め込んだ SVG バッジでもありません。")
    try:
        if path.stat().st_size > MAX_BADGE_BYTES:
            raise _Mismatch(not_a_badge)
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        if isinstance(error, FileNotFoundError):
            raise _Mismatch(Text(en=f"There is no badge at {path}.", ja=f"{path} にバッジがありません。")) from None
        if isinstance(error, OSError):
            raise _Mismatch(Text(en=f"The badge {path} could not be read ({error.strerror or error}).",
                                 ja=f"バッジ {path} を読み込めませんでした（{type(error).__name__}）。")) from None
        raise _Mismatch(not_a_badge) from None
    start = text.lstrip()[:1]
    if start == "{":
        return _parse_assertion(text, not_a_badge), None
    if start != "<" or re.search(r"<!(DOCTYPE|ENTITY)", text):
        raise _Mismatch(not_a_badge)
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        raise _Mismatch(not_a_badge) from None
    baked = root.findall(f"{{{OPENBADGES_NS}}}assertion")
    if root.tag != f"{{{SVG_NS}}}svg" or len(baked) != 1:
        raise _Mismatch(Text(
            en=f"{path.name} is not a baked badge: an SVG badge holds exactly one openbadges:assertion element.",
            ja=f"{path.name} はバッジを埋め込んだ SVG ではありません。SVG バッジには `openbadges:assertion` 要素が"
               "ちょうど 1 つあります。"))
    assertion = _parse_assertion(baked[0].text or "", not_a_badge)
    if baked[0].get("verify") != assertion.get("id"):
        raise _Mismatch(Text(
            en="The SVG badge's verify attribute does not name the assertion baked into it.",
            ja="SVG バッジの `verify` 属性が、埋め込まれたアサーションの ID と一致しません。"))
    return assertion, root


def _parse_assertion(text: str, not_a_badge: Text) -> dict[str, Any]:
    try:
        assertion = json.loads(text)
    except ValueError:
        raise _Mismatch(not_a_badge) from None
    if not isinstance(assertion, dict) or assertion.get("type") != "Assertion":
        raise _Mismatch(not_a_badge)
    if not isinstance(assertion.get(ATTEMPT_EXTENSION), dict) or not isinstance(assertion.get("recipient"), dict):
        raise _Mismatch(Text(
            en="This Open Badges assertion was not issued by mcredlab: it carries no attempt to check it against.",
            ja="このオープンバッジのアサーションは mcredlab が発行したものではありません。照合する受験の情報がありません。"))
    return assertion


def _compare(assertion: dict[str, Any], record: Mapping[str, Any]) -> None:
    """Raise ``_Mismatch`` at the first thing the badge claims that the record does not give."""
    problem = _record_problem(record)
    if problem is not None:
        raise _Mismatch(Text(en=f"The attempt record cannot vouch for a badge: {problem.en}.",
                             ja=f"受験記録が不完全なため、バッジを検証できません。{problem.ja}。"))
    attempt = assertion[ATTEMPT_EXTENSION]
    claimed_name = (assertion.get("extensions:recipientProfile") or {}).get("name")
    claimed_date = str(assertion.get("issuedOn", ""))[:10]
    record_date = _iso(record["finished_at"])[:10]
    if attempt.get("examId") != record["exam_id"]:
        raise _Mismatch(Text(
            en=f"The badge is for attempt {attempt.get('examId')}, not for attempt {record['exam_id']}.",
            ja=f"このバッジは受験 {attempt.get('examId')} のもので、受験 {record['exam_id']} のものではありません。"))
    if claimed_name != record["learner"]:
        raise _Mismatch(Text(
            en=f"The name on the badge (“{claimed_name}”) is not the attempt's (“{record['learner']}”).",
            ja=f"バッジの氏名（“{claimed_name}”）が受験記録の氏名（“{record['learner']}”）と異なります。"))
    recipient = assertion["recipient"]
    if recipient.get("identity") != _identity_hash(record["learner"], str(recipient.get("salt", ""))):
        raise _Mismatch(Text(
            en=f"The badge's hashed recipient is not {record['learner']}.",
            ja=f"バッジのハッシュ化された受領者が “{record['learner']}” ではありません。"))
    record_title = {lang: record["title"][lang] for lang in LANGS}
    if attempt.get("exam") != record["exam"] or attempt.get("title") != record_title:
        claimed_title = attempt.get("title") if isinstance(attempt.get("title"), dict) else {}
        shown, wanted = ((claimed_title, record_title) if claimed_title != record_title else
                         ({lang: attempt.get("exam") for lang in LANGS}, {lang: record["exam"] for lang in LANGS}))
        raise _Mismatch(Text(
            en=f"The exam on the badge (“{shown.get('en')}”) is not the attempt's (“{wanted['en']}”).",
            ja=f"バッジの試験（“{shown.get('ja')}”）が受験記録の試験（“{wanted['ja']}”）と異なります。"))
    if claimed_date != record_date:
        raise _Mismatch(Text(
            en=f"The date on the badge ({claimed_date}) is not the attempt's ({record_date}).",
            ja=f"バッジの日付（{_ja_date(claimed_date)}）が受験記録の日付（{_ja_date(record_date)}）と異なります。"))
    if (_canonical(attempt.get("score")), _canonical(attempt.get("total"))) != (
            _canonical(record["score"]), _canonical(record["total"])):
        raise _Mismatch(Text(
            en=f"The score in the badge ({_points(attempt.get('score'))} of {_points(attempt.get('total'))}) "
               f"is not the attempt's ({_points(record['score'])} of {_points(record['total'])}).",
            ja=f"バッジのスコア（{_points(attempt.get('total'))} 点中 {_points(attempt.get('score'))} 点）が"
               f"受験記録のスコア（{_points(record['total'])} 点中 {_points(record['score'])} 点）と異なります。"))
    if attempt.get("passed") is not True or record["passed"] is not True:
        raise _Mismatch(Text(
            en="The attempt did not pass, so no badge belongs to it." if attempt.get("passed") is True
            else "The badge does not say the attempt passed.",
            ja="この受験は不合格のため、バッジはありません。" if attempt.get("passed") is True
            else "バッジに合格と記録されていません。"))
    if attempt.get("recordHash") != record_hash(record):
        raise _Mismatch(Text(
            en=f"The attempt record of {record['exam_id']} has changed since the badge was issued "
               "(its hash is not the one in the badge).",
            ja=f"受験 {record['exam_id']} の受験記録が、バッジの発行後に変更されています"
               "（ハッシュがバッジのものと一致しません）。"))
    expected = _assertion(record, str(recipient.get("salt", "")))
    if assertion != expected:
        where = _first_difference(assertion, expected, "")
        raise _Mismatch(Text(
            en=f"The badge's {where} is not what attempt {record['exam_id']} gives: the badge was edited.",
            ja=f"バッジの {where} が受験 {record['exam_id']} の内容と異なります。バッジが編集されています。"))


def _first_difference(found: Any, expected: Any, path: str) -> str:
    """The dotted path of the first value that differs, such as ``evidence[1].narrative``."""
    if isinstance(found, dict) and isinstance(expected, dict):
        for key in [*expected, *(key for key in found if key not in expected)]:
            if found.get(key, ...) != expected.get(key, ...):
                return _first_difference(found.get(key), expected.get(key), f"{path}.{key}" if path else key)
    if isinstance(found, list) and isinstance(expected, list) and len(found) == len(expected):
        for index, (item, wanted) in enumerate(zip(found, expected)):
            if item != wanted:
                return _first_difference(item, wanted, f"{path}[{index}]")
    return path or "content"


SHOWN_FACTS: dict[str, Text] = {
    "name": Text(en="name", ja="氏名"), "exam": Text(en="exam", ja="試験"), "date": Text(en="date", ja="日付"),
    "score": Text(en="score", ja="スコア"), "result": Text(en="result", ja="結果"),
}
"""The facts an SVG badge shows, by the id of their ``<text>``."""


def _compare_picture(svg: ElementTree.Element, assertion: dict[str, Any]) -> None:
    """Raise ``_Mismatch`` when the SVG shows something other than what its baked assertion says."""
    declared = svg.get(XML_LANG)
    lang = next((known for known in LANGS if known == declared), None)
    if lang is None:
        raise _Mismatch(Text(en=f"The SVG badge is in no language mcredlab writes (xml:lang is {declared!r}).",
                             ja=f"SVG バッジの言語が mcredlab の対応する言語ではありません（xml:lang は `{declared!r}`）。"))
    drawn = _texts(ElementTree.fromstring(_badge_svg(_View.of(assertion, lang), lang)))
    shown = _texts(svg)
    for key, label in SHOWN_FACTS.items():
        if shown.get(key) != drawn.get(key):
            raise _Mismatch(Text(
                en=f"The {label.en} shown on the badge ({shown.get(key)}) is not the one in its assertion "
                   f"({drawn.get(key)}).",
                ja=f"バッジに表示された{label.ja}（{shown.get(key)}）が、埋め込まれたアサーションの{label.ja}"
                   f"（{drawn.get(key)}）と異なります。"))
    if shown != drawn:
        raise _Mismatch(Text(en="The SVG badge's text was edited: it no longer shows what its assertion says.",
                             ja="SVG バッジの文字が編集されています。埋め込まれたアサーションの内容と一致しません。"))


def _texts(svg: ElementTree.Element) -> dict[str, str]:
    """Every ``<text>`` of a badge by its id (or position), as it reads."""
    texts = svg.iter(f"{{{SVG_NS}}}text")
    return {element.get("id") or f"#{index}": "".join(element.itertext()) for index, element in enumerate(texts)}


# The pictures ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _View:
    """What a badge shows, read from its assertion."""

    assertion_id: str
    exam_id: str
    exam: str
    name: str
    title: str
    date: str
    score: str
    total: str
    passed: bool

    @classmethod
    def of(cls, assertion: Mapping[str, Any], lang: Lang) -> _View:
        attempt = assertion[ATTEMPT_EXTENSION]
        return cls(assertion_id=str(assertion["id"]), exam_id=str(attempt["examId"]), exam=str(attempt["exam"]),
                   name=str(assertion["extensions:recipientProfile"]["name"]), title=str(attempt["title"][lang]),
                   date=str(assertion["issuedOn"])[:10], score=_points(attempt["score"]),
                   total=_points(attempt["total"]), passed=attempt["passed"] is True)


INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold, not even escaped."""


def _xml(text: str) -> str:
    """``text`` for XML content or a double-quoted attribute: escaped, without characters XML cannot hold."""
    return escape(INVALID_XML.sub("", text), {'"': "&quot;"})


def _cdata_json(assertion: Mapping[str, Any]) -> str:
    """The assertion as JSON that a CDATA section can hold: ``]]>`` and characters XML cannot hold escaped."""
    text = json.dumps(assertion, ensure_ascii=False, indent=2).replace("]]>", "]]\\u003e")
    return INVALID_XML.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` renders in bold, in pixels: wide (Japanese) glyphs are one em, Latin ones narrower."""
    ems = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in "WF":
            ems += 1.0
        elif char == " ":
            ems += 0.32
        elif char in "il.,:;|!'`()[]":
            ems += 0.34
        elif char.isupper() or char in "mwMW@%&":
            ems += 0.74
        else:
            ems += 0.62
    return ems * size * 1.08


def _fit(text: str, width: float, sizes: Sequence[int], lines: int) -> tuple[int, list[str]] | None:
    """The largest font size of ``sizes`` at which ``text`` fits in ``lines`` lines of ``width`` pixels, and its
    lines; ``None`` when it fits at none."""
    for size in sizes:
        wrapped = _wrap(text, width, size)
        if len(wrapped) <= lines:
            return size, wrapped
    return None


def _clip(text: str, width: float, size: int, lines: int) -> tuple[int, list[str]]:
    """``text`` in ``lines`` lines of ``width`` pixels at ``size``, the last one cut with an ellipsis."""
    wrapped = _wrap(text, width, size)[:lines]
    last = wrapped[-1]
    while last and _text_width(last.rstrip() + "…", size) > width:
        last = last[:-1]
    return size, [*wrapped[:-1], last.rstrip() + "…"]


def _wrap(text: str, width: float, size: int) -> list[str]:
    """``text`` in lines of at most ``width`` pixels, broken after spaces and hyphens, or anywhere in Japanese and
    in a word too long for a line; the lines joined give back ``text``."""
    lines = [""]
    for unit in re.findall(r"\s+|[A-Za-z0-9_.'’/@&]+-?|.", text.strip()):
        pieces = [unit] if unit.isspace() or _text_width(unit, size) <= width else list(unit)
        for piece in pieces:
            if not piece.isspace() and lines[-1] and _text_width(lines[-1] + piece, size) > width:
                lines.append("")
            lines[-1] += piece
    return lines


def _medal(cx: float, cy: float, radius: float) -> str:
    """The badge's emblem: a gold medal with a check mark."""
    r = radius
    check = f"M{cx - 0.38 * r:.1f} {cy + 0.02 * r:.1f} L{cx - 0.1 * r:.1f} {cy + 0.3 * r:.1f} " \
            f"L{cx + 0.4 * r:.1f} {cy - 0.26 * r:.1f}"
    studs = [(cx + 0.86 * r * math.cos(math.radians(angle)), cy + 0.86 * r * math.sin(math.radians(angle)))
             for angle in range(0, 360, 30)]
    rays = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{0.035 * r:.1f}" fill="#fff3d6" opacity="0.85"/>'
                   for x, y in studs)
    return (
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="url(#gold)" stroke="#b86e00" stroke-width="2"/>'
        f'<circle cx="{cx}" cy="{cy}" r="{0.74 * r:.1f}" fill="#1e2a3a" stroke="#ffd58a" stroke-width="2.5"/>'
        f'{rays}'
        f'<path d="{check}" fill="none" stroke="#ffb13b" stroke-width="{0.13 * r:.1f}" stroke-linecap="round" '
        'stroke-linejoin="round"/>'
    )


GRADIENTS = (
    '<defs>'
    '<linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">'
    '<stop offset="0" stop-color="#1b2533"/><stop offset="1" stop-color="#2b3d55"/></linearGradient>'
    '<linearGradient id="gold" x1="0" y1="0" x2="0" y2="1">'
    '<stop offset="0" stop-color="#ffcf70"/><stop offset="0.55" stop-color="#ff9900"/>'
    '<stop offset="1" stop-color="#d97a00"/></linearGradient>'
    '</defs>'
)


def _badge_svg(view: _View, lang: Lang, *, baked: Mapping[str, Any] | None = None) -> str:
    """The badge in ``lang`` (600 × 380): learner, exam, date, score and result; ``baked`` embeds the assertion."""
    column, width = 252, 318
    title_size, title_lines = _fit(view.title, width, (22, 20, 18, 16), 2) or _clip(view.title, width, 14, 2)
    name_size, name_lines = (_fit(view.name, width, (30, 28, 26, 24, 22, 20, 18), 1)
                             or _fit(view.name, width, (18, 16), 2) or _clip(view.name, width, 14, 2))
    date = _ja_date(view.date) if lang == "ja" else view.date
    score = f"{view.score} / {view.total}"
    result = LABELS["passed" if view.passed else "not passed"](lang)
    title_y = 92 if len(title_lines) > 1 else 104
    title_spans = "".join(
        f'<tspan x="{column}" y="{title_y + index * (title_size + 6)}">{_xml(line)}</tspan>'
        for index, line in enumerate(title_lines))
    name_y = 206 if len(name_lines) == 1 else 196
    name_spans = "".join(f'<tspan x="{column}" y="{name_y + index * (name_size + 4)}">{_xml(line)}</tspan>'
                         for index, line in enumerate(name_lines))
    summary = f"{LABELS['issuer'](lang)}: {view.name}, {view.title}, {date}, {score}, {result}"
    assertion = (f'<openbadges:assertion verify="{_xml(view.assertion_id)}"><![CDATA[{_cdata_json(baked)}]]>'
                 '</openbadges:assertion>') if baked is not None else ""
    return (
        f'<svg xmlns="{SVG_NS}" xmlns:openbadges="{OPENBADGES_NS}" xml:lang="{lang}" width="600" height="380" '
        'viewBox="0 0 600 380" role="img">'
        f'{assertion}'
        f'<title>{_xml(summary)}</title>'
        f'{GRADIENTS}'
        '<rect x="4" y="4" width="592" height="372" rx="24" fill="url(#bg)" stroke="#ff9900" stroke-width="3"/>'
        '<rect x="14" y="14" width="572" height="352" rx="16" fill="none" stroke="#ffffff" stroke-opacity="0.12"/>'
        # ribbons, medal and result banner
        '<path d="M92 196 L66 318 L96 300 L114 330 L134 214 Z" fill="#d97a00"/>'
        '<path d="M164 196 L190 318 L160 300 L142 330 L122 214 Z" fill="#ff9900"/>'
        f'{_medal(128, 150, 74)}'
        f'<g font-family="{FONTS[lang]}">'
        '<rect x="58" y="262" width="140" height="38" rx="19" fill="#1f7a3a" stroke="#9be3b0" stroke-width="1.5"/>'
        f'<text id="result" x="128" y="288" text-anchor="middle" font-size="{17 if lang == "en" else 20}" '
        f'font-weight="bold" fill="#ffffff" letter-spacing="{1.5 if lang == "en" else 3}">{_xml(result)}</text>'
        # the column of facts
        f'<text id="issuer" x="{column}" y="56" font-size="13" font-weight="bold" fill="#ff9900" '
        f'letter-spacing="2">{_xml(LABELS["issuer"](lang))}</text>'
        f'<text id="exam" font-size="{title_size}" font-weight="bold" fill="#ffffff">{title_spans}</text>'
        f'<text id="awarded" x="{column}" y="174" font-size="13" fill="#9fb3c8">{_xml(LABELS["awarded"](lang))}'
        '</text>'
        f'<text id="name" font-size="{name_size}" font-weight="bold" fill="#ffffff">{name_spans}</text>'
        f'<line x1="{column}" y1="228" x2="{column + width}" y2="228" stroke="#ffffff" stroke-opacity="0.18"/>'
        f'<text id="score-label" x="{column}" y="256" font-size="13" fill="#9fb3c8">{_xml(LABELS["score"](lang))}'
        '</text>'
        f'<text id="score" x="{column}" y="292" font-size="30" font-weight="bold" fill="#ffb13b">{_xml(score)}'
        '</text>'
        f'<text id="date-label" x="{column + 140}" y="256" font-size="13" fill="#9fb3c8">'
        f'{_xml(LABELS["date"](lang))}</text>'
        f'<text id="date" x="{column + 140}" y="290" font-size="22" font-weight="bold" fill="#ffffff">'
        f'{_xml(date)}</text>'
        f'<text id="attempt" x="300" y="352" text-anchor="middle" font-size="11" fill="#8197ad">'
        f'{_xml(LABELS["attempt"].format(exam_id=view.exam_id)(lang))}</text>'
        '</g>'
        '</svg>\n'
    )


def _emblem_svg(exam: str) -> str:
    """The badge class's image (200 × 200): the medal and the exam, the same for every learner."""
    label = exam.upper()
    size, _ = _fit(label, 150, (16, 14, 12), 1) or _clip(label, 150, 10, 1)
    return (
        f'<svg xmlns="{SVG_NS}" width="200" height="200" viewBox="0 0 200 200">'
        f'{GRADIENTS}'
        '<rect x="2" y="2" width="196" height="196" rx="28" fill="url(#bg)"/>'
        f'{_medal(100, 88, 64)}'
        f'<text x="100" y="180" text-anchor="middle" font-family="{FONTS["en"]}" font-size="{size}" '
        f'font-weight="bold" fill="#ffb13b" letter-spacing="1">{_xml(label)}</text>'
        '</svg>'
    )
