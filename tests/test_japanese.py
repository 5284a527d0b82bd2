"""Japanese, complete and natural: no English leaks into Japanese text, and terms follow docs/glossary.md.

The rendered reports of every lab in every state the contract test reaches are swept in
``tests/test_lab_contract.py``; this module sweeps the texts written in the source, the errors and the
glossary itself.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from mcredlab import errors
from mcredlab._text import Text
from mcredlab.lab import Lab
from mcredlab.labs import all_labs
from tests.conftest import ROOT
from tests.japanese import JAPANESE, avoided, avoided_in, english_in, kept_in_latin, lab_names, problems

LABS = list(all_labs().values())
SOURCES = sorted((ROOT / "mcredlab").rglob("*.py"))
def lab_texts(lab: Lab) -> list[Text]:
    texts = [lab.title, lab.task] + [t for c in lab.criteria for t in (c.expected, c.looked_at, c.hint)]
    return texts + [m.story for m in lab.near_misses] + [a.story for a in lab.alternatives]


def _japanese_literals(path: Path) -> list[tuple[int, str]]:
    """Every Japanese string written in ``path`` as the ``ja`` of a text (keyword ``ja=``, or the second
    argument of ``passed``/``failed``), f-string parts included."""
    found: list[tuple[int, str]] = []

    def parts(node: ast.AST) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) else " {} " for v in node.values)
        if isinstance(node, ast.BinOp):
            return parts(node.left) + parts(node.right)
        return ""

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        values = [kw.value for kw in node.keywords if kw.arg == "ja"]
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name in ("passed", "failed") and len(node.args) >= 2:
            values.append(node.args[1])
        found += [(node.lineno, text) for text in map(parts, values) if JAPANESE.search(text)]
    return found


def test_the_glossary_lists_terms_to_use_and_to_avoid() -> None:
    assert len(avoided()) >= 20 and {"Amazon", "Bedrock", "Lambda"} <= kept_in_latin()
    assert avoided_in("公開されたバージョン") and not avoided_in("公開済みバージョン")
    assert english_in("OPTIONS に 403 with no CORS headers が返りました") == ["with", "no", "headers"]
    assert english_in("`aws s3 ls` と “Hello world” と index.html、BlockPublicPolicy、EMAIL") == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_japanese_written_in_the_source_uses_the_glossarys_terms(path: Path) -> None:
    bad = [f"line {line}: {', '.join(avoided_in(text))}: {text!r}" for line, text in _japanese_literals(path)
           if avoided_in(text)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.id)
def test_a_labs_own_japanese_has_no_english(lab: Lab) -> None:
    names = lab_names(lab)
    bad = [f"{problems(t.ja, names)}: {t.ja!r}" for t in lab_texts(lab) if problems(t.ja, names)]
    assert not bad, "\n".join(bad)


def _sample_errors() -> list[errors.LabError]:
    """One of every learner-facing error, with plausible details."""
    samples = []
    for _, cls in inspect.getmembers(errors, inspect.isclass):
        if not issubclass(cls, errors.LabError) or cls is errors.LabError:
            continue
        args = []
        for name, param in inspect.signature(cls.__init__).parameters.items():
            if name == "self" or param.default is not inspect.Parameter.empty:
                continue
            annotation = str(param.annotation)
            if "Text" in annotation:
                args.append(Text(en="set up s3-static-website", ja="s3-static-website の準備"))
            elif "int" in annotation:
                args.append(4747)
            elif "Iterable" in annotation:
                args.append(["s3-static-website", "apigw-cors"])
            else:
                args.append("s3-static-website" if "lab" in name else "http://127.0.0.1:4747")
        samples.append(cls(*args))
    return samples


@pytest.mark.parametrize("error", _sample_errors(), ids=lambda e: type(e).__name__)
def test_every_error_reads_as_japanese(error: errors.LabError) -> None:
    ja = error.message("ja")
    assert JAPANESE.search(ja)
    assert problems(ja, {"s3-static-website", "apigw-cors"}) == [], ja
