"""Render check reports and task text as plain text (CLI, logs) and HTML (notebooks, widgets)."""

from __future__ import annotations

import html
import re

from mcredlab._text import Lang, Text
from mcredlab.checking import CriterionResult, Report

UI = {
    "passed": Text(en="PASSED", ja="合格"),
    "failed": Text(en="NOT YET", ja="未達成"),
    "summary": Text(en="{ok} of {total} criteria met", ja="{total} 項目中 {ok} 項目を達成"),
    "waiting": Text(en="{count} waiting on another", ja="{count} 項目はほかの項目の達成待ち"),
    "all_met": Text(en="All criteria met. Well done!", ja="すべての項目を達成しました。お見事です！"),
    "hint": Text(en="Hint", ja="ヒント"),
    "expected": Text(en="Expected", ja="期待"),
    "checked": Text(en="Checked", ja="確認対象"),
    "found": Text(en="Found", ja="確認結果"),
}


REPORT_STYLE = """<style>
.mcredlab-report { margin: 0.3em 0; }
.mcredlab-report .mcredlab-report-head { font-weight: 600; margin-bottom: 0.2em; }
.mcredlab-report-passed .mcredlab-report-head { color: #2e7d32; }
.mcredlab-report-failed .mcredlab-report-head { color: #c62828; }
.mcredlab-report .mcredlab-criterion { border-left: 4px solid; border-radius: 3px; margin: 0.35em 0; padding: 0.3em 0.7em; }
.mcredlab-report .mcredlab-ok { border-color: #2e7d32; background: rgba(46, 125, 50, 0.09); }
.mcredlab-report .mcredlab-ng { border-color: #c62828; background: rgba(198, 40, 40, 0.08); }
.mcredlab-report .mcredlab-ok .mcredlab-mark { color: #2e7d32; }
.mcredlab-report .mcredlab-ng .mcredlab-mark { color: #c62828; }
.mcredlab-report .mcredlab-wait { border-color: #9e9e9e; background: rgba(127, 127, 127, 0.07); padding: 0.15em 0.7em; }
.mcredlab-report .mcredlab-wait .mcredlab-mark, .mcredlab-report .mcredlab-wait .mcredlab-detail { color: #757575; }
.mcredlab-report .mcredlab-detail { font-size: 0.9em; opacity: 0.8; }
.mcredlab-report .mcredlab-ok .mcredlab-hint { display: none; }
.mcredlab-report .mcredlab-hint summary { cursor: pointer; color: #1565c0; }
.mcredlab-report code { background: rgba(127, 127, 127, 0.15); padding: 0 0.25em; border-radius: 3px; }
</style>"""


def _html(text: str) -> str:
    """Escape ``text`` and show its `code` spans as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


MARKS = {"passed": "✔", "failed": "✘", "waiting": "…"}


def summary(report: Report, lang: Lang) -> str:
    """``4 of 9 criteria met`` (and how many wait on another), in ``lang``."""
    text = UI["summary"](lang).format(ok=len(report.ids("passed")), total=len(report.results))
    count = len(report.ids("waiting"))
    separator = "、" if lang == "ja" else ", "
    return text + (separator + UI["waiting"](lang).format(count=count) if count else "")


def report_text(report: Report, lang: Lang, *, hints: bool = True) -> str:
    """The report as plain text; ``hints=False`` leaves the hints out (in an exam, opening one costs points)."""
    head = UI["passed"](lang) if report.passed else UI["failed"](lang)
    counts = f"（{summary(report, lang)}）" if lang == "ja" else f" ({summary(report, lang)})"
    lines = [f"{report.lab_id}: {head}{counts}"]
    for r in report.results:
        if r.state == "waiting":
            lines.append(f"  {MARKS[r.state]} [{r.id}] {r.expected(lang)} — {r.found(lang)}")
            continue
        lines.append(f"  {MARKS[r.state]} [{r.id}] {r.message(lang)}")
        if not r.passed and hints:
            lines.append(f"      {UI['hint'](lang)}: {r.hint(lang)}")
    return "\n".join(lines)


def _row(r: CriterionResult, lang: Lang, hints: bool = True) -> str:
    """One criterion: met, not met (with details and a hint on demand), or one folded line while it waits."""
    cls = {"passed": "mcredlab-ok", "failed": "mcredlab-ng", "waiting": "mcredlab-wait"}[r.state]
    head = (f'<li class="mcredlab-criterion {cls}" data-criterion="{html.escape(r.id)}" data-state="{r.state}" '
            f'data-passed="{str(r.passed).lower()}">'
            f'<span class="mcredlab-mark">{MARKS[r.state]}</span> <b>{_html(r.expected(lang))}</b>')
    if r.state == "waiting":
        return f'{head} <span class="mcredlab-detail">— {_html(r.found(lang))}</span></li>'
    hint = (f'<details class="mcredlab-hint" data-criterion="{html.escape(r.id)}"><summary>{UI["hint"](lang)}</summary>'
            f'{_html(r.hint(lang))}</details>') if hints else ""
    return (
        f'{head}<div class="mcredlab-detail">{UI["checked"](lang)}: {_html(r.looked_at(lang))}<br>'
        f'{UI["found"](lang)}: {_html(r.found(lang))}</div>{hint}</li>'
    )


def report_html(report: Report, lang: Lang, *, hints: bool = True) -> str:
    """The report as HTML; ``hints=False`` leaves the hints out (in an exam, opening one costs points)."""
    ok = len(report.ids("passed"))
    state = "passed" if report.passed else "failed"
    head = UI["all_met"](lang) if report.passed else summary(report, lang)
    rows = [_row(r, lang, hints) for r in report.results]
    return (
        f'{REPORT_STYLE}<div class="mcredlab-report mcredlab-report-{state}" data-lab="{html.escape(report.lab_id)}" '
        f'data-passed="{str(report.passed).lower()}" data-summary="{ok}/{len(report.results)}">'
        f'<div class="mcredlab-report-head">{"✔" if report.passed else "✘"} {html.escape(head)}</div>'
        f'<ul style="list-style:none;padding-left:0.2em">{"".join(rows)}</ul></div>'
    )
