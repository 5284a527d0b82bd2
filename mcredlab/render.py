"""Render check reports and task text as plain text (CLI, logs) and HTML (notebooks, widgets)."""

from __future__ import annotations

import html

from mcredlab._text import Lang, Text
from mcredlab.checking import Report

UI = {
    "passed": Text(en="PASSED", ja="合格"),
    "failed": Text(en="NOT YET", ja="未達成"),
    "summary": Text(en="{ok} of {total} criteria met", ja="{total} 項目中 {ok} 項目を達成"),
    "all_met": Text(en="All criteria met. Well done!", ja="すべての項目を達成しました。お見事です！"),
    "hint": Text(en="Hint", ja="ヒント"),
    "expected": Text(en="Expected", ja="期待"),
    "checked": Text(en="Checked", ja="確認対象"),
    "found": Text(en="Found", ja="結果"),
}


def report_text(report: Report, lang: Lang) -> str:
    ok = sum(r.passed for r in report.results)
    head = UI["passed"](lang) if report.passed else UI["failed"](lang)
    lines = [f"{report.lab_id}: {head} ({UI['summary'](lang).format(ok=ok, total=len(report.results))})"]
    for r in report.results:
        mark = "✔" if r.passed else "✘"
        lines.append(f"  {mark} [{r.id}] {r.message(lang)}")
        if not r.passed:
            lines.append(f"      {UI['hint'](lang)}: {r.hint(lang)}")
    return "\n".join(lines)


def report_html(report: Report, lang: Lang) -> str:
    ok = sum(r.passed for r in report.results)
    state = "passed" if report.passed else "failed"
    summary = UI["summary"](lang).format(ok=ok, total=len(report.results))
    head = UI["all_met"](lang) if report.passed else summary
    rows = []
    for r in report.results:
        mark = "✔" if r.passed else "✘"
        cls = "mcredlab-ok" if r.passed else "mcredlab-ng"
        rows.append(
            f'<li class="mcredlab-criterion {cls}" data-criterion="{html.escape(r.id)}" data-passed="{str(r.passed).lower()}">'
            f'<span class="mcredlab-mark">{mark}</span> <b>{html.escape(r.expected(lang))}</b>'
            f'<div class="mcredlab-detail">{UI["checked"](lang)}: {html.escape(r.looked_at(lang))}<br>'
            f'{UI["found"](lang)}: {html.escape(r.found(lang))}</div>'
            f'<details class="mcredlab-hint"><summary>{UI["hint"](lang)}</summary>{html.escape(r.hint(lang))}</details>'
            "</li>"
        )
    return (
        f'<div class="mcredlab-report mcredlab-report-{state}" data-lab="{html.escape(report.lab_id)}" '
        f'data-passed="{str(report.passed).lower()}" data-summary="{ok}/{len(report.results)}">'
        f'<div class="mcredlab-report-head">{"✔" if report.passed else "✘"} {html.escape(head)}</div>'
        f'<ul style="list-style:none;padding-left:0.2em">{"".join(rows)}</ul></div>'
    )
