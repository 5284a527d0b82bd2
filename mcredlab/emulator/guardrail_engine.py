"""Deterministic offline evaluation of an Amazon Bedrock guardrail (what ``ApplyGuardrail`` answers).

Pure Python, no moto and no server: :func:`evaluate` takes a guardrail as ``GetGuardrail`` returns it
and text blocks, and returns an :class:`Evaluation` whose :meth:`Evaluation.response` is the
``ApplyGuardrail`` response. AWS decides with machine-learning models; here every policy follows a
fixed, documented rule (docs/bedrock-offline.md), so the same text always gets the same answer:

* denied topics: the topic's name or one of its examples occurs in the text as a phrase, or at least
  two keywords of its name and definition do (:func:`topic_detected`);
* content filters: keyword lists per category, each term with a confidence; a filter of strength S
  acts on confidences S and above (HIGH acts on LOW, MEDIUM and HIGH; LOW only on HIGH);
* word filters: the configured words and the shipped profanity list, whole words, any case;
* sensitive information: regular expressions (with checksums where the format has one) per PII
  type, and the guardrail's own regexes; ANONYMIZE masks a match as ``{TYPE}`` or ``{regex name}``.

A match is a *term match* when the term's words (lower-cased, crudely stemmed) occur consecutively
among the text's words; a term in a script without spaces (Japanese, Chinese) matches as a substring.
"""

from __future__ import annotations

import ipaddress
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

Source = Literal["INPUT", "OUTPUT"]
Confidence = Literal["NONE", "LOW", "MEDIUM", "HIGH"]
LEVELS: tuple[Confidence, ...] = ("NONE", "LOW", "MEDIUM", "HIGH")
UNIT_CHARACTERS = 1000  # one text unit of guardrail usage, as AWS bills it

# ---------------------------------------------------------------------------------------------
# Words and terms
# ---------------------------------------------------------------------------------------------

_WORD = re.compile(r"[0-9a-z]+(?:'[a-z]+)?")
_NO_SPACES_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff66-\uff9f]")
_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ers", "er", "ed", "s")
STOPWORDS = frozenset(
    ["a", "about", "above", "across", "after", "again", "against", "all", "also", "am", "an", "and", "any", "anything", "are", "aren't", "as", "ask", "asked", "asking", "asks", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "can't", "cannot", "could", "did", "do", "does", "doing", "don't", "down", "during", "each", "either", "else", "etc", "even", "ever", "every", "for", "from", "further", "general", "get", "gets", "getting", "give", "given", "gives", "giving", "go", "going", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "including", "into", "is", "isn't", "it", "its", "itself", "just", "like", "may", "me", "might", "more", "most", "much", "must", "my", "myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "others", "our", "ours", "ourselves", "out", "over", "own", "per", "please", "provide", "provides", "providing", "question", "questions", "regarding", "related", "relating", "request", "requests", "same", "she", "should", "so", "some", "something", "specific", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "topic", "topics", "under", "until", "up", "upon", "us", "use", "user", "users", "using", "very", "want", "wants", "was", "we", "were", "what", "when", "where", "whether", "which", "while", "who", "whom", "why", "will", "with", "within", "without", "would", "you", "your", "yours", "yourself", "yourselves"]
)


def stem(word: str) -> str:
    """A crude English stem: one common suffix off (``ies`` becomes ``y``), then a final ``e``."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not (suffix == "s" and word.endswith("ss")):
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def words(text: str) -> list[str]:
    """The text's words, lower-cased and stemmed."""
    return [stem(word) for word in _WORD.findall(text.lower())]


def keywords(text: str) -> set[str]:
    """The salient words of ``text``: stemmed, three letters or more, not a stopword."""
    return {stem(word) for word in _WORD.findall(text.lower()) if len(word) >= 3 and word not in STOPWORDS}


def _has_no_spaces_script(text: str) -> bool:
    return bool(_NO_SPACES_SCRIPT.search(text))


def term_matches(term: str, text: str) -> bool:
    """Whether ``term`` occurs in ``text``: consecutive stemmed words, or a substring for scripts without spaces."""
    if _has_no_spaces_script(term):
        return term.lower() in text.lower()
    wanted, have = words(term), words(text)
    if not wanted:
        return False
    return any(have[i : i + len(wanted)] == wanted for i in range(len(have) - len(wanted) + 1))


def _exact_word_pattern(word: str) -> re.Pattern[str]:
    """The word or phrase as written, any case; whole words unless the script has no spaces."""
    body = r"\s+".join(re.escape(part) for part in word.split())
    if _has_no_spaces_script(word):
        return re.compile(body, re.IGNORECASE)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Shipped lists: profanity and content-filter terms
# ---------------------------------------------------------------------------------------------

PROFANITY: tuple[str, ...] = (
    "arse", "arsehole", "asshole", "bastard", "bitch", "bitches", "bollocks", "bullshit", "crap", "cunt",
    "damn", "dickhead", "fuck", "fucked", "fucker", "fucking", "goddamn", "motherfucker", "piss", "pissed",
    "prick", "shit", "shitty", "son of a bitch", "twat", "wanker",
    "くそったれ", "クソ", "ちくしょう", "畜生",
)

CONTENT_TERMS: Mapping[str, Mapping[Confidence, tuple[str, ...]]] = {
    "VIOLENCE": {
        "HIGH": ("kill you", "murder", "massacre", "behead", "stab", "torture", "shoot them", "殺す", "殺害"),
        "MEDIUM": ("kill", "attack", "assault", "bomb", "weapon", "beat up", "shoot", "爆弾", "暴行"),
        "LOW": ("fight", "punch", "gun", "violence", "violent", "bloody", "殴る", "暴力"),
    },
    "HATE": {
        "HIGH": ("ethnic cleansing", "genocide", "subhuman", "inferior race", "exterminate them", "民族浄化"),
        "MEDIUM": ("hate all", "go back to your country", "don't belong here", "are vermin", "差別しろ"),
        "LOW": ("those people", "bigot", "racist"),
    },
    "INSULTS": {
        "HIGH": ("worthless idiot", "piece of garbage", "piece of trash", "pathetic loser", "you are stupid", "役立たず"),
        "MEDIUM": ("idiot", "moron", "imbecile", "stupid", "loser", "shut up", "バカ", "馬鹿", "アホ"),
        "LOW": ("dumb", "clueless", "silly", "lame", "間抜け"),
    },
    "SEXUAL": {
        "HIGH": ("pornography", "porn", "explicit sex", "sexual intercourse", "nude photo", "ポルノ"),
        "MEDIUM": ("sexual", "nude", "naked", "erotic", "性的", "裸"),
        "LOW": ("sexy", "seductive", "lingerie", "セクシー"),
    },
    "MISCONDUCT": {
        "HIGH": ("make a bomb", "build a bomb", "make meth", "launder money", "money laundering", "steal a car",
                 "hack into", "buy drugs", "evade tax", "爆弾の作り方", "資金洗浄"),
        "MEDIUM": ("steal", "shoplift", "counterfeit", "hack", "fraud", "smuggle", "bribe", "盗む", "詐欺", "万引き"),
        "LOW": ("cheat", "piracy", "trespass", "カンニング"),
    },
    "PROMPT_ATTACK": {
        "HIGH": ("ignore all previous instructions", "ignore previous instructions", "ignore your instructions",
                 "ignore the above", "disregard all previous instructions", "disregard your instructions",
                 "reveal your system prompt", "print your system prompt", "you are now dan", "jailbreak",
                 "以前の指示を無視", "これまでの指示を無視", "指示をすべて無視"),
        "MEDIUM": ("system prompt", "developer mode", "no restrictions", "pretend you are", "bypass your",
                   "override your", "システムプロンプト"),
        "LOW": ("roleplay", "role play", "hypothetically"),
    },
}


def content_confidence(category: str, text: str) -> Confidence:
    """The highest confidence of any of the category's terms that matches the text (``NONE`` if none)."""
    levels: tuple[Confidence, ...] = ("HIGH", "MEDIUM", "LOW")
    for level in levels:
        if any(term_matches(term, text) for term in CONTENT_TERMS[category][level]):
            return level
    return "NONE"


def strength_acts_on(strength: str, confidence: str) -> bool:
    """AWS's rule: HIGH acts on LOW/MEDIUM/HIGH confidence, MEDIUM on MEDIUM/HIGH, LOW on HIGH, NONE on nothing."""
    if strength == "NONE" or confidence == "NONE":
        return False
    return LEVELS.index(confidence) >= 4 - LEVELS.index(strength)


# ---------------------------------------------------------------------------------------------
# Sensitive information: PII recognisers
# ---------------------------------------------------------------------------------------------


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card_number(candidate: str) -> bool:
    digits = re.sub(r"[ -]", "", candidate)
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _iban(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _ip_address(candidate: str) -> bool:
    if sum(char.isalnum() for char in candidate) < 2:
        return False
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def _secret_key(candidate: str) -> bool:
    return all(re.search(kind, candidate) for kind in (r"[a-z]", r"[A-Z]", r"\d"))


@dataclass(frozen=True)
class Recogniser:
    """One PII type: a pattern (its ``value*`` group, if any, is the match) and an optional check."""

    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None = None

    def spans(self, text: str) -> Iterable[tuple[int, int]]:
        value_groups = [name for name in self.pattern.groupindex if name.startswith("value")]
        for found in self.pattern.finditer(text):
            group = next((name for name in value_groups if found.group(name) is not None), 0)
            start, end = found.span(group)
            if end > start and (self.check is None or self.check(text[start:end])):
                yield start, end


def _r(pattern: str, check: Callable[[str], bool] | None = None, flags: int = 0) -> Recogniser:
    return Recogniser(re.compile(pattern, flags), check)


_CUE = r"\s*(?:is|:|=)?\s*"
PII_RECOGNISERS: Mapping[str, Recogniser] = {  # in order of precedence when two match the same span
    "EMAIL": _r(r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    "URL": _r(r"(?:\bhttps?://|\bwww\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]}]"),
    "AWS_ACCESS_KEY": _r(r"(?<![A-Z0-9])(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Z0-9])"),
    "AWS_SECRET_KEY": _r(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])", _secret_key),
    "CREDIT_DEBIT_CARD_NUMBER": _r(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])", _card_number),
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": _r(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", _iban),
    "US_SOCIAL_SECURITY_NUMBER": _r(r"(?<![\d-])(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])"),
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": _r(r"(?<![\d-])9\d{2}([- ])[5-9]\d\1\d{4}(?![\d-])"),
    "UK_NATIONAL_INSURANCE_NUMBER": _r(r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"),
    "IP_ADDRESS": _r(r"(?<![\w.:])(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?![\w:]|\.\d)",
                     _ip_address),
    "MAC_ADDRESS": _r(r"(?<![0-9A-Fa-f:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])"),
    "PHONE": _r(r"(?<![\w+])(?:(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?|\d{1,4}[ .-])\d{3,4}[ .-]\d{3,4}"
                r"|\+\d{10,15}|0\d{9,10})(?!\w|[.-]\d)"),
    "CREDIT_DEBIT_CARD_EXPIRY": _r(r"(?<![\d/])(?:0[1-9]|1[0-2])/(?:\d{4}|\d{2})(?![\d/])"),
    "CREDIT_DEBIT_CARD_CVV": _r(rf"\b(?:cvv2?|cvc|security code){_CUE}(?P<value>\d{{3,4}})\b", flags=re.IGNORECASE),
    "PIN": _r(rf"\bpin(?: code| number)?{_CUE}(?P<value>\d{{4,8}})\b", flags=re.IGNORECASE),
    "PASSWORD": _r(rf"\b(?:password|passwd|passcode){_CUE}(?P<value>[^\s,;]+)", flags=re.IGNORECASE),
    "USERNAME": _r(rf"\b(?:user ?name|user id|login){_CUE}(?P<value>[^\s,;]+)", flags=re.IGNORECASE),
    "AGE": _r(r"\b(?P<value>\d{1,3})(?:\s*(?:-\s*)?(?:years?|yrs?)(?:\s*-\s*|\s+)old\b|\s*歳)", flags=re.IGNORECASE),
    "NAME": _r(r"(?:\b[Mm]y name is|\b[Nn]ame:)\s*(?P<value>[A-Z][a-z]+(?: [A-Z][a-z]+){0,2})\b"
               r"|私の名前は\s*(?P<value_ja>[^\s、。]+?)(?=です|といいます|と申します|[\s、。]|$)"),
}
UNDETECTED_PII = frozenset(
    {"ADDRESS", "CA_HEALTH_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER", "DRIVER_ID", "LICENSE_PLATE", "SWIFT_CODE",
     "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "US_BANK_ACCOUNT_NUMBER",
     "US_BANK_ROUTING_NUMBER", "US_PASSPORT_NUMBER", "VEHICLE_IDENTIFICATION_NUMBER"}
)
_PRECEDENCE = {name: index for index, name in enumerate(PII_RECOGNISERS)}


# ---------------------------------------------------------------------------------------------
# Policy configuration as GetGuardrail returns it
# ---------------------------------------------------------------------------------------------


def _enabled(entry: Mapping[str, Any], source: Source) -> bool:
    return bool(entry.get("inputEnabled" if source == "INPUT" else "outputEnabled", True))


def _action(entry: Mapping[str, Any], source: Source, default: str = "BLOCK") -> str:
    return str(entry.get("inputAction" if source == "INPUT" else "outputAction") or entry.get("action") or default)


_ACTED = {"BLOCK": "BLOCKED", "ANONYMIZE": "ANONYMIZED", "NONE": "NONE"}


def topic_detected(topic: Mapping[str, Any], text: str) -> bool:
    """The denied-topic rule: the name or an example occurs as a phrase, or two keywords of name and definition do."""
    if term_matches(topic["name"], text) or any(term_matches(example, text) for example in topic.get("examples") or ()):
        return True
    wanted = keywords(f"{topic['name']} {topic.get('definition', '')}")
    found = wanted & set(words(text))
    return len(found) >= min(2, len(wanted)) > 0


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mask:
    """A span of one text block to replace by ``{label}`` when it is anonymized."""

    start: int
    end: int
    label: str
    precedence: int


@dataclass
class _Findings:
    """What the policies found in all text blocks, in assessment order."""

    topics: dict[str, dict[str, Any]] = field(default_factory=dict)
    filters: dict[str, dict[str, Any]] = field(default_factory=dict)
    custom_words: dict[str, dict[str, Any]] = field(default_factory=dict)
    managed_words: dict[str, dict[str, Any]] = field(default_factory=dict)
    pii: list[dict[str, Any]] = field(default_factory=list)
    regexes: list[dict[str, Any]] = field(default_factory=list)
    masks: list[list[Mask]] = field(default_factory=list)

    def entries(self) -> Iterable[dict[str, Any]]:
        yield from self.topics.values()
        yield from self.filters.values()
        yield from self.custom_words.values()
        yield from self.managed_words.values()
        yield from self.pii
        yield from self.regexes


def _find_topics(policy: Mapping[str, Any], source: Source, text: str, found: _Findings, full: bool) -> None:
    for topic in policy.get("topics") or ():
        if not _enabled(topic, source):
            continue
        if topic_detected(topic, text):
            found.topics[topic["name"]] = {"name": topic["name"], "type": topic.get("type", "DENY"),
                                           "action": _ACTED[_action(topic, source)], "detected": True}
        elif full and topic["name"] not in found.topics:
            found.topics[topic["name"]] = {"name": topic["name"], "type": topic.get("type", "DENY"),
                                           "action": "NONE", "detected": False}


def _find_content(policy: Mapping[str, Any], source: Source, text: str, found: _Findings, full: bool) -> None:
    """Per filter type, the block with the highest confidence counts."""
    for config in policy.get("filters") or ():
        strength = config["inputStrength" if source == "INPUT" else "outputStrength"]
        if not _enabled(config, source) or strength == "NONE":
            continue
        confidence = content_confidence(config["type"], text)
        previous = found.filters.get(config["type"])
        if previous is not None and LEVELS.index(previous["confidence"]) >= LEVELS.index(confidence):
            continue
        detected = strength_acts_on(strength, confidence)
        if detected or full:
            found.filters[config["type"]] = {
                "type": config["type"], "confidence": confidence, "filterStrength": strength,
                "action": _ACTED[_action(config, source)] if detected else "NONE", "detected": detected,
            }


def _find_words(policy: Mapping[str, Any], source: Source, text: str, found: _Findings) -> None:
    for word in policy.get("words") or ():
        if _enabled(word, source) and _exact_word_pattern(word["text"]).search(text):
            found.custom_words.setdefault(word["text"].lower(), {
                "match": word["text"], "action": _ACTED[_action(word, source)], "detected": True})
    for managed in policy.get("managedWordLists") or ():
        if not _enabled(managed, source):
            continue
        for term in PROFANITY:
            for hit in _exact_word_pattern(term).finditer(text):
                found.managed_words.setdefault(hit.group(0).lower(), {
                    "match": hit.group(0), "type": managed.get("type", "PROFANITY"),
                    "action": _ACTED[_action(managed, source)], "detected": True})


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _candidates(policy: Mapping[str, Any], source: Source, text: str) -> list[tuple[Mask, dict[str, Any], bool]]:
    """Every PII and regex match: its mask, its assessment entry, and whether it is a regex."""
    found: list[tuple[Mask, dict[str, Any], bool]] = []
    for entity in policy.get("piiEntities") or ():
        recogniser = PII_RECOGNISERS.get(entity["type"])
        if recogniser is None or not _enabled(entity, source):
            continue
        for start, end in recogniser.spans(text):
            entry = {"match": text[start:end], "type": entity["type"], "action": _ACTED[_action(entity, source)],
                     "detected": True}
            found.append((Mask(start, end, entity["type"], _PRECEDENCE[entity["type"]]), entry, False))
    for index, regex in enumerate(policy.get("regexes") or ()):
        if not _enabled(regex, source):
            continue
        for hit in _compiled(regex["pattern"]).finditer(text):
            if hit.end() > hit.start():
                entry = {"name": regex["name"], "match": hit.group(0), "regex": regex["pattern"],
                         "action": _ACTED[_action(regex, source)], "detected": True}
                found.append((Mask(hit.start(), hit.end(), regex["name"], len(_PRECEDENCE) + index), entry, True))
    return found


def _without_overlaps(found: list[tuple[Mask, dict[str, Any], bool]]) -> list[tuple[Mask, dict[str, Any], bool]]:
    """Earliest match first, then the longest, then by precedence; a match overlapping a kept one is dropped."""
    kept: list[tuple[Mask, dict[str, Any], bool]] = []
    for item in sorted(found, key=lambda f: (f[0].start, -(f[0].end - f[0].start), f[0].precedence)):
        if not kept or item[0].start >= max(k[0].end for k in kept):
            kept.append(item)
    return kept


def _find_sensitive(policy: Mapping[str, Any], source: Source, text: str, found: _Findings) -> None:
    masks = []
    for span, entry, is_regex in _without_overlaps(_candidates(policy, source, text)):
        (found.regexes if is_regex else found.pii).append(entry)
        if entry["action"] == "ANONYMIZED":
            masks.append(span)
    found.masks.append(masks)


def mask(text: str, masks: Sequence[Mask]) -> str:
    """The text with each masked span replaced by ``{label}``, as AWS anonymizes."""
    for item in sorted(masks, key=lambda m: m.start, reverse=True):
        text = text[: item.start] + "{" + item.label + "}" + text[item.end :]
    return text


def _units(texts: Sequence[str]) -> int:
    return sum(math.ceil(len(text) / UNIT_CHARACTERS) for text in texts)


def _has_enabled(entries: Iterable[Mapping[str, Any]] | None, source: Source) -> bool:
    return any(_enabled(entry, source) for entry in entries or ())


def usage(guardrail: Mapping[str, Any], source: Source, texts: Sequence[str]) -> dict[str, int]:
    """Text units per policy (1 unit = 1,000 characters of each block, rounded up), for policies that ran."""
    units = _units(texts)
    sensitive = guardrail.get("sensitiveInformationPolicy") or {}
    word = guardrail.get("wordPolicy") or {}
    return {
        "topicPolicyUnits": units if _has_enabled((guardrail.get("topicPolicy") or {}).get("topics"), source) else 0,
        "contentPolicyUnits": units if _has_enabled((guardrail.get("contentPolicy") or {}).get("filters"), source) else 0,
        "wordPolicyUnits": units if _has_enabled([*(word.get("words") or ()), *(word.get("managedWordLists") or ())],
                                                 source) else 0,
        "sensitiveInformationPolicyUnits": units if _has_enabled(sensitive.get("piiEntities"), source) else 0,
        "sensitiveInformationPolicyFreeUnits": units if _has_enabled(sensitive.get("regexes"), source) else 0,
        "contextualGroundingPolicyUnits": 0,
    }


@dataclass(frozen=True)
class Evaluation:
    """The guardrail's verdict on some text blocks."""

    action: Literal["NONE", "GUARDRAIL_INTERVENED"]
    blocked: bool
    outputs: tuple[str, ...]  # the blocked message, or the masked blocks, or nothing
    assessment: dict[str, Any]
    usage: dict[str, int]
    guarded_characters: int

    @property
    def action_reason(self) -> str:
        if self.blocked:
            return "Guardrail blocked."
        return "Guardrail masked." if self.action == "GUARDRAIL_INTERVENED" else "No action."

    def response(self, total_characters: int | None = None) -> dict[str, Any]:
        """The ``ApplyGuardrail`` response body."""
        total = self.guarded_characters if total_characters is None else total_characters
        return {
            "usage": self.usage,
            "action": self.action,
            "actionReason": self.action_reason,
            "outputs": [{"text": text} for text in self.outputs],
            "assessments": [self.assessment],
            "guardrailCoverage": {"textCharacters": {"guarded": self.guarded_characters, "total": total}},
        }


def _assessment(found: _Findings, usage_units: dict[str, int], guarded: int, latency_ms: int,
                details: Mapping[str, Any] | None) -> dict[str, Any]:
    assessment: dict[str, Any] = {}
    if found.topics:
        assessment["topicPolicy"] = {"topics": list(found.topics.values())}
    if found.filters:
        assessment["contentPolicy"] = {"filters": list(found.filters.values())}
    if found.custom_words or found.managed_words:
        assessment["wordPolicy"] = {"customWords": list(found.custom_words.values()),
                                    "managedWordLists": list(found.managed_words.values())}
    if found.pii or found.regexes:
        assessment["sensitiveInformationPolicy"] = {"piiEntities": found.pii, "regexes": found.regexes}
    assessment["invocationMetrics"] = {
        "guardrailProcessingLatency": latency_ms,
        "usage": usage_units,
        "guardrailCoverage": {"textCharacters": {"guarded": guarded, "total": guarded}},
    }
    if details:
        assessment["appliedGuardrailDetails"] = dict(details)
    return assessment


def evaluate(guardrail: Mapping[str, Any], source: Source, texts: Sequence[str], *, full_output: bool = False,
             details: Mapping[str, Any] | None = None) -> Evaluation:
    """Apply ``guardrail`` (as GetGuardrail returns it) to text blocks from ``source``.

    ``full_output`` is ``outputScope=FULL``: topics and content filters that did not act are listed too.
    ``details`` becomes the assessment's ``appliedGuardrailDetails``.
    """
    started = time.monotonic()
    found = _Findings()
    for text in texts:
        _find_topics(guardrail.get("topicPolicy") or {}, source, text, found, full_output)
        _find_content(guardrail.get("contentPolicy") or {}, source, text, found, full_output)
        _find_words(guardrail.get("wordPolicy") or {}, source, text, found)
        _find_sensitive(guardrail.get("sensitiveInformationPolicy") or {}, source, text, found)
    acted = [entry["action"] for entry in found.entries() if entry.get("detected", True)]
    blocked = "BLOCKED" in acted
    anonymized = "ANONYMIZED" in acted
    if blocked:
        message_key = "blockedInputMessaging" if source == "INPUT" else "blockedOutputsMessaging"
        outputs: tuple[str, ...] = (str(guardrail[message_key]),)
    elif anonymized:
        outputs = tuple(mask(text, masks) for text, masks in zip(texts, found.masks, strict=True))
    else:
        outputs = ()
    guarded = sum(len(text) for text in texts)
    units = usage(guardrail, source, texts)
    latency_ms = int((time.monotonic() - started) * 1000)
    return Evaluation(
        action="GUARDRAIL_INTERVENED" if blocked or anonymized else "NONE",
        blocked=blocked,
        outputs=outputs,
        assessment=_assessment(found, units, guarded, latency_ms, details),
        usage=units,
        guarded_characters=guarded,
    )
