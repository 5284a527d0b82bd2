"""Japanese, complete and natural: no English leaks into Japanese text, and terms follow docs/glossary.md.

The rendered reports of every lab in every state the contract test reaches are swept in
``tests/test_lab_contract.py``; this module sweeps the texts written in the source, the errors and the
glossary itself.
"""

from __future__ import annotations

import ast
import inspect
import re
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


def _commands() -> list[list[str]]:
    """Every command path of the CLI: ``[]`` for the group, ``["emulator", "start"]`` and so on."""
    import click

    from mcredlab.cli import main

    paths: list[list[str]] = [[]]

    def walk(group: click.Group, prefix: list[str]) -> None:
        for name, command in group.commands.items():
            paths.append([*prefix, name])
            if isinstance(command, click.Group):
                walk(command, [*prefix, name])

    walk(main, [])
    return paths


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p) or "mcredlab")
def test_japanese_help_has_no_english(path: list[str]) -> None:
    from click.testing import CliRunner

    from mcredlab.cli import main

    result = CliRunner().invoke(main, [*path, "--help"], env={"MCREDLAB_LANG": "ja"}, prog_name="mcredlab")
    assert result.exit_code == 0, result.output
    assert JAPANESE.search(result.output)
    # Values a learner types, which help text shows as they are: languages, tracks, shell and CLI words.
    names = {"mcredlab", "en", "ja", "serverless", "agentic-ai", "aws", "export", "eval", "hello", *path}
    bad = []
    for line in result.output.splitlines():
        described = re.sub(r"^  \S.*?(\s{2,}|$)", "", line)  # an option's or command's own name
        described = re.sub(r"^使い方: .*", "", described)  # the usage line: program, command and option names
        if problems(described, names):
            bad.append(f"{problems(described, names)}: {line!r}")
    assert not bad, "\n".join(bad)


def test_the_cli_speaks_japanese_in_every_command_a_learner_runs(target: object) -> None:
    from click.testing import CliRunner

    from mcredlab.cli import main

    runner = CliRunner()
    lab = all_labs()["s3-static-website"]
    outputs: list[str] = []
    for args in (["list"], ["progress"], ["setup", lab.id], ["task", lab.id], ["check", lab.id], ["progress"],
                 ["solve", lab.id], ["check", lab.id], ["url", lab.id], ["reset", lab.id], ["emulator", "status"]):
        result = runner.invoke(main, [*args, "--lang", "ja"], prog_name="mcredlab")
        assert "Traceback" not in result.output, result.output
        outputs.append(result.output)
    names = {lab.id for lab in LABS} | lab_names(lab) | {"serverless", "agentic-ai", "pid", "http"}
    bad = [f"{problems(line, names)}: {line!r}" for out in outputs for line in out.splitlines()
           if JAPANESE.search(line) and problems(line, names)]
    assert not bad, "\n".join(bad)
    assert all(JAPANESE.search(out) for out in outputs), outputs


def test_the_readmes_carry_the_same_content_and_the_japanese_one_the_glossarys_terms() -> None:
    english, japanese = ((ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "README.ja.md"))
    sections = [[line for line in text.splitlines() if line.startswith("## ")] for text in (english, japanese)]
    assert len(sections[0]) == len(sections[1]), sections
    for marker in ("- `", "| `", "```"):
        counts = [sum(line.startswith(marker) for line in text.splitlines()) for text in (english, japanese)]
        assert counts[0] <= counts[1], f"README.ja.md has fewer lines starting {marker!r} than README.md: {counts}"
    lab_rows = [{line.split("`")[1] for line in text.splitlines() if line.startswith("| `")}
                for text in (english, japanese)]
    assert {lab.id for lab in LABS} <= lab_rows[0] & lab_rows[1]
    assert avoided_in(japanese) == []
