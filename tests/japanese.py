"""What the Japanese sweep looks for: words the glossary rules out, and English left in Japanese text.

Latin words are allowed in Japanese text when they are code (`...`), quoted values (“...”, "...", *...*),
URLs and ARNs, identifiers (with digits or punctuation), API names (``BlockPublicPolicy``), constants
(``EMAIL``), the resource names of the lab, or terms the glossary keeps in Latin letters. Anything else is
English that leaked into Japanese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from mcredlab.checking import Report
from mcredlab.lab import Lab
from tests.conftest import ROOT

GLOSSARY = ROOT / "docs" / "glossary.md"
QUOTED = re.compile(r"`[^`]*`|“[^”]*”|\"[^\"\n]*\"|'[^'\n]*'|\*[^*\n]+\*|https?://[\x21-\x7e]+|arn:[\x21-\x7e]+|<[^>]+>")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9+._:/\-{}=*$@#\[\]]*")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
NO_SPACE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff][A-Za-z0-9]|[A-Za-z0-9][\u3040-\u30ff\u4e00-\u9fff]")
"""Japanese touching Latin text: AWS's Japanese pages put a space between them (``S3 バケット``)."""


@cache
def avoided() -> dict[str, str]:
    """Words the glossary rules out in Japanese, each with the term to use instead."""
    found: dict[str, str] = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[2] and cells[2] not in ("not", "---"):
            for word in cells[2].split(","):
                found[word.strip()] = cells[1]
    return found


@cache
def kept_in_latin() -> frozenset[str]:
    """Terms the glossary keeps in Latin letters inside Japanese text."""
    section = GLOSSARY.read_text(encoding="utf-8").split("## Kept in Latin letters", 1)[1]
    body = section.split("\n\n", 2)[2] if section.count("\n\n") >= 2 else section
    return frozenset(word.strip() for word in body.replace("\n", " ").split(",") if word.strip())


BOLD_OR_CODE = re.compile(r"`([^`]*)`|\*\*([^*]+)\*\*")


def lab_names(lab: Lab) -> set[str]:
    """The names and values a lab's task gives in code or bold: they stay as they are in Japanese."""
    names: set[str] = set()
    for text in (lab.task.en, lab.task.ja):
        for code, bold in BOLD_OR_CODE.findall(text):
            names.update(re.findall(r"[A-Za-z][\w-]*", code or bold))
    return names


def english_in(ja: str, names: Iterable[str] = ()) -> list[str]:
    """The English words left in the Japanese text ``ja`` (allowing ``names``, such as resource names)."""
    text = QUOTED.sub(" ", ja)
    for name in sorted(set(names), key=len, reverse=True):
        if name:
            text = text.replace(name, " ")
    leaked = []
    for word in WORD.findall(text):
        if re.search(r"[0-9._:/\-{}=*$@#\[\]]", word) or word.isupper() or re.search(r"[a-z][A-Z]", word):
            continue
        if word not in kept_in_latin():
            leaked.append(word)
    return leaked


def avoided_in(ja: str) -> list[str]:
    """Words of ``ja`` (outside code and quoted values) that the glossary rules out."""
    text = QUOTED.sub(" ", ja)
    return [f"{word} (use {use})" for word, use in avoided().items() if word in text]


def report_problems(report: Report, names: Iterable[str]) -> list[str]:
    """What is wrong with the Japanese of every criterion of ``report``, one line per text at fault."""
    bad = []
    for result in report.results:
        for text in (result.expected, result.looked_at, result.found, result.hint):
            found = problems(text.ja, names)
            if found:
                bad.append(f"[{result.id}] {found}: {text.ja!r}")
    return bad


def problems(ja: str, names: Iterable[str] = ()) -> list[str]:
    """Everything wrong with one Japanese text, as short phrases for a test failure."""
    found = [f"English: {word!r}" for word in english_in(ja, names)]
    found += [f"no space: {pair!r}" for pair in NO_SPACE.findall(QUOTED.sub(" ", ja))]
    return found + [f"avoid: {word}" for word in avoided_in(ja)]
