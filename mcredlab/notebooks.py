"""The lab notebooks, rendered from the lab definitions so they cannot drift from them.

Every notebook is the same small shape: a bilingual how-to, a ``parameters`` cell (``lang``), a cell
that opens the lab and shows its panel, a collapsed cell that applies the reference solution only when
automated tests pass ``solve=True``, the clock and Check above empty cells for the learner's work, and
a final ``lab.result()`` that checks and shows the same live result as the panel. The task text is the lab module's, shown in the first
cell (with ``{placeholders}`` for the resources' names) and, filled in, in the panel::

    >>> from mcredlab.labs import get_lab
    >>> render(get_lab("s3-static-website")).cells[2].source.splitlines()[2]
    'lab = mcredlab.open_lab("s3-static-website", lang=lang)'
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mcredlab._text import KeepMissing
from mcredlab.lab import Lab
from mcredlab.labs import all_labs

SUFFIX = ".ipynb"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

HOW_TO = """\
**How to use this notebook** — Run the cells from the top (Shift+Enter). The panel shows the task, \
the timer and the **Check** button; switch the language in the panel. Do the task in the empty cells \
below with boto3 or `!aws ...`: both reach the lab's emulator with no extra arguments \
(no endpoint URL, no credentials). The timer and **Check** also sit right above your work cells.

**使い方** — 上のセルから順に実行してください（Shift+Enter）。パネルには課題、タイマー、**チェック** ボタンが\
表示されます。言語はパネルで切り替えられます。課題は下の空のセルで boto3 または `!aws ...` を使って\
解いてください。どちらも追加の引数（エンドポイント URL や認証情報）なしでエミュレーターに接続します。\
タイマーと **チェック** ボタンは解答欄のすぐ上にも表示されます。"""

YOUR_WORK = """\
## Your work / 解答欄

Write your solution in the cells below; add more cells as you need them.

下のセルに解答を書いてください。必要に応じてセルを追加できます。"""

CHECK = """\
## Check / チェック

Run the cell below, or press **Check**, as often as you like: every copy of the result on this page \
shows the latest check.

下のセルを実行するか、**チェック** ボタンを押してください。何度でも確認できます。このページの結果は\
どれも最新のチェック結果を表示します。"""


SOLVE = """\
# Automated tests run this notebook with solve=True to apply the reference solution; it does nothing otherwise.
if globals().get("solve"):
    lab.solve()"""


def path_for(directory: Path | str, lab: Lab) -> Path:
    """Where the notebook of ``lab`` lives in ``directory``."""
    return Path(directory) / f"{lab.id}{SUFFIX}"


def _client_name(service: str) -> str:
    """A Python name for a boto3 client of ``service`` (``lambda`` -> ``lambda_``)."""
    name = re.sub(r"\W", "_", service)
    return f"{name}_" if keyword.iskeyword(name) else name


PLACEHOLDERS = """\
*Names in braces, such as `{{{name}}}`, are the resources set up for you: the panel lists them under \
“Your resources”.* / *`{{{name}}}` のような波かっこ内の名前は、用意されたリソースです。パネルの\
「使用するリソース」に表示されます。*"""


def task_markdown(lab: Lab) -> str:
    """The task in both languages, as the notebook shows it before the panel runs."""
    placeholders = re.findall(r"(?<!\{)\{(\w+)\}(?!\})", lab.task.en)
    parts = [f"### Task\n\n{lab.task.en.format_map(KeepMissing())}",
             f"### 課題\n\n{lab.task.ja.format_map(KeepMissing())}"]
    if placeholders:
        parts.append(PLACEHOLDERS.format(name=placeholders[0]))
    return "\n\n".join(parts)


def render(lab: Lab) -> nbformat.NotebookNode:
    """The notebook of ``lab``: no outputs, no execution counts, stable cell ids."""
    client = _client_name(lab.services[0])
    cells = [
        new_markdown_cell(f"# {lab.title.en}\n## {lab.title.ja}\n\n{task_markdown(lab)}\n\n---\n\n{HOW_TO}",
                          id="how-to"),
        new_code_cell('lang = "en"  # "ja" で日本語', id="parameters", metadata={"tags": ["parameters"]}),
        new_code_cell(f'import mcredlab\n\nlab = mcredlab.open_lab("{lab.id}", lang=lang)\nlab.panel()', id="open-lab"),
        new_code_cell(SOLVE, id="solve", metadata={"jupyter": {"source_hidden": True}, "tags": ["reference-solution"]}),
        new_markdown_cell(YOUR_WORK, id="your-work"),
        new_code_cell("lab.toolbar()", id="toolbar"),
        new_code_cell(f'# import boto3\n# {client} = boto3.client("{lab.services[0]}")', id="work-1"),
        new_code_cell("", id="work-2"),
        new_code_cell("", id="work-3"),
        new_markdown_cell(CHECK, id="check-how-to"),
        new_code_cell("lab.result()", id="check"),
    ]
    metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}, "mcredlab": {"lab": lab.id}}
    notebook = new_notebook(cells=cells, metadata=metadata)
    nbformat.validate(notebook)
    return notebook


EXAM = "exam"
"""The exam notebook's name in the labs directory (``exam.ipynb``), next to the labs' notebooks."""

EXAM_HOW_TO = """\
# mcredlab exam / mcredlab 試験

A mock microcredential, as the real exam runs it: the tasks on the left, the architecture diagram on the right \
(the selected task's part lit), one clock for the whole exam, a **Check** per task as often as you like, and \
**Finish** for the score. Choose the exam in the `parameters` cell: `"sample"` (two tasks, 30 minutes), \
`"serverless"` or `"agentic-ai"` (six tasks, 90 minutes); the same `seed` gives everyone the same exam. \
Hints cost 0.25 of their task's point. Do the tasks in the empty cells below with boto3 or `!aws ...`.

本番と同じ形式の模擬マイクロクレデンシャルです。左に課題、右にアーキテクチャ図（選んだ課題の部分が強調されます）、\
試験全体で 1 つの制限時間があり、課題ごとに何度でも **チェック** でき、**試験を終了** でスコアが表示されます。\
試験は `parameters` セルで選びます。`"sample"`（2 課題、30 分）、`"serverless"` または `"agentic-ai"`（6 課題、90 分）です。\
同じ `seed` を指定すると全員が同じ試験を受けられます。ヒントを開くと、その課題の得点から 0.25 点が引かれます。\
課題は下の空のセルで boto3 または `!aws ...` を使って解いてください。"""

EXAM_SOLVE = """\
# Automated tests run this notebook with solve=True: every task's reference solution, then Finish.
if globals().get("solve"):
    for task in exam_session.tasks():
        exam_session.solve(task.id)
    exam_session.panel().finish()
    display(exam_session.panel())"""


def render_exam() -> nbformat.NotebookNode:
    """The exam notebook: how-to, parameters, the exam's panel, and cells for the learner's work."""
    cells = [
        new_markdown_cell(EXAM_HOW_TO, id="how-to"),
        new_code_cell('exam = "sample"  # "serverless", "agentic-ai"\nseed = None\nlang = "en"  # "ja" で日本語',
                      id="parameters", metadata={"tags": ["parameters"]}),
        new_code_cell("import mcredlab\n\nexam_session = mcredlab.open_exam(exam, seed=seed, lang=lang)\n"
                      "exam_session.panel()", id="open-exam"),
        new_code_cell(EXAM_SOLVE, id="solve",
                      metadata={"jupyter": {"source_hidden": True}, "tags": ["reference-solution"]}),
        new_markdown_cell(YOUR_WORK, id="your-work"),
        new_code_cell("# import boto3", id="work-1"),
        new_code_cell("", id="work-2"),
        new_code_cell("", id="work-3"),
    ]
    metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}, "mcredlab": {"exam": True}}
    notebook = new_notebook(cells=cells, metadata=metadata)
    nbformat.validate(notebook)
    return notebook


def _renders(directory: Path) -> dict[Path, nbformat.NotebookNode]:
    """Every notebook of the labs directory: one per lab, and the exam's."""
    found = {path_for(directory, lab): render(lab) for lab in all_labs().values()}
    found[directory / f"{EXAM}{SUFFIX}"] = render_exam()
    return found


def dumps(notebook: nbformat.NotebookNode) -> str:
    """The file text of ``notebook``, exactly as :func:`write_all` writes it."""
    text = nbformat.writes(notebook)
    return text if text.endswith("\n") else text + "\n"


def write_all(directory: Path | str, *, overwrite: bool = True) -> list[Path]:
    """Write every registered lab's notebook into ``directory``; return the files written.

    With ``overwrite=False`` an existing notebook (perhaps holding a learner's work) is kept.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for path, notebook in _renders(directory).items():
        text = dumps(notebook)
        if path.exists() and (not overwrite or path.read_text(encoding="utf-8") == text):
            continue
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def problems(directory: Path | str) -> dict[Path, str]:
    """Notebooks in ``directory`` that are ``missing``, ``out of date``, or have ``no such lab``."""
    directory = Path(directory)
    expected = _renders(directory)
    found: dict[Path, str] = {}
    for path, notebook in expected.items():
        if not path.exists():
            found[path] = "missing"
        elif path.read_text(encoding="utf-8") != dumps(notebook):
            found[path] = "out of date"
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        if path not in expected:
            found[path] = "no such lab"
    return found
