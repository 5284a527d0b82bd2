"""The exam panel: the exam's screen in a notebook, as the real exam lays it out.

A task list on the left (chained tasks drawn as links, each task's state), the architecture diagram on the right
with the selected task's part lit and each part coloured by its latest check, one clock for the whole exam, the
selected task's text in the chosen language, a Check for it, hints that cost points, and Finish with the score
(and the badge, when passed). Everything it shows comes from the store, so a kernel restart or a page reload
shows the same exam.
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from mcredlab._text import KeepMissing, Lang, Text, check_lang
from mcredlab.badge import BadgeFiles, badge_files, issue_badge
from mcredlab.checking import Report
from mcredlab.diagrams import labs_diagram, render_svg
from mcredlab.errors import LabError
from mcredlab.home import home
from mcredlab.labs import get_lab
from mcredlab.notebook import prefer_language
from mcredlab.render import report_html
from mcredlab.widgets.panel import STYLE, LiveBox, inline_html, markdown_html, resources_html
from mcredlab.widgets.timer import Timer

if TYPE_CHECKING:
    from mcredlab.exam import ExamSession, Task

log = logging.getLogger(__name__)

UI = {
    "tasks": Text(en="Tasks", ja="課題"),
    "check": Text(en="Check", ja="チェック"),
    "checking": Text(en="Checking…", ja="チェック中…"),
    "finish": Text(en="Finish the exam", ja="試験を終了"),
    "hint": Text(en="Open the hint (−{cost} points)", ja="ヒントを開く（−{cost} 点）"),
    "hint_for": Text(en="Hint for", ja="ヒントを開く判定項目"),
    "locked": Text(en="This task builds on your result of {after}: it opens once {after} passes its check.",
                   ja="この課題は {after} の結果をもとにします。{after} のチェックに合格すると開きます。"),
    "after": Text(en="after {after}", ja="{after} の後"),
    "not_checked": Text(en="Press Check when you think this task is done; you may check as often as you like.",
                        ja="課題が終わったと思ったら「チェック」を押してください。何度でもチェックできます。"),
    "over": Text(en="The exam is over: checks no longer count.", ja="試験は終了しました。これ以降のチェックは採点されません。"),
    "score": Text(en="{verdict}: {score} of {total} points (pass mark {mark})",
                  ja="{verdict}: {total} 点中 {score} 点（合格点 {mark} 点）"),
    "passed": Text(en="PASSED", ja="合格"),
    "not_passed": Text(en="NOT PASSED", ja="不合格"),
    "row": Text(en="{task}: {state}, {points} points, {hints} hints, {minutes} min",
                ja="{task}: {state}、{points} 点、ヒント {hints} 件、{minutes} 分"),
    "badge_at": Text(en="Your badge: {path}", ja="バッジ: {path}"),
}
STATES = {
    "locked": Text(en="locked", ja="ロック中"), "unchecked": Text(en="not checked", ja="未チェック"),
    "failed": Text(en="not yet", ja="未達成"), "passed": Text(en="passed", ja="合格"),
}
MARKS = {"locked": "🔒", "unchecked": "○", "failed": "✘", "passed": "✔"}

EXAM_STYLE = """<style>
.mcredlab-exam { max-width: 72em; gap: 0.5em; }
.mcredlab-exam .widget-html-content { line-height: 1.55; }
.mcredlab-exam .mcredlab-title { margin: 0.2em 0; font-size: 1.35em; font-weight: 600; }
.mcredlab-exam .mcredlab-task h3 { margin: 0.3em 0; font-size: 1.1em; }
.mcredlab-exam .mcredlab-task ol { padding-left: 1.6em; }
.mcredlab-exam .mcredlab-task p, .mcredlab-exam .mcredlab-task li { margin: 0.3em 0; }
.mcredlab-exam code { background: var(--jp-layout-color2, #eee); padding: 0 0.25em; border-radius: 3px; }
.mcredlab-exam .mcredlab-resources ul { margin: 0.2em 0; padding-left: 1.6em; }
.mcredlab-exam .mcredlab-note { color: var(--jp-ui-font-color2, #616161); font-size: 0.9em; margin-top: 0.3em; }
.mcredlab-exam .mcredlab-error { border-left: 4px solid #c62828; background: rgba(198,40,40,0.07); padding: 0.4em 0.7em; }
.mcredlab-exam .mcredlab-exam-body { gap: 1em; align-items: flex-start; }
.mcredlab-exam .mcredlab-exam-tasks { min-width: 17em; gap: 0.25em; }
.mcredlab-exam .mcredlab-exam-task { width: 100%; text-align: left; justify-content: flex-start; }
.mcredlab-exam .mcredlab-exam-task.state-passed { border-left: 5px solid #2e7d32; }
.mcredlab-exam .mcredlab-exam-task.state-failed { border-left: 5px solid #c62828; }
.mcredlab-exam .mcredlab-exam-task.state-unchecked { border-left: 5px solid #9e9e9e; }
.mcredlab-exam .mcredlab-exam-task.state-locked { border-left: 5px dashed #bdbdbd; opacity: 0.75; }
.mcredlab-exam .mcredlab-exam-task.chained { margin-left: 1.2em; width: calc(100% - 1.2em); }
.mcredlab-exam .mcredlab-exam-task.selected { font-weight: 700; outline: 2px solid #1565c0; }
.mcredlab-exam .mcredlab-exam-diagram svg { max-width: 100%; height: auto; }
.mcredlab-exam .mcredlab-exam-score[data-passed="true"] { color: #2e7d32; font-weight: 600; }
.mcredlab-exam .mcredlab-exam-score[data-passed="false"] { color: #c62828; font-weight: 600; }
</style>"""


def _diagram_svg(lab_ids: list[str], lang: Lang, lit: str | None, states: dict[str, str]) -> str:
    """The exam's architecture diagram, the selected task's part lit, each part coloured by its state."""
    return render_svg(labs_diagram(lab_ids), lang=lang, lit=lit, states=states)


def _badge(result: dict[str, Any]) -> BadgeFiles | None:
    """The badge of a finished exam in ``MCREDLAB_HOME/badges/<exam id>`` (written the first time), if it passed."""
    if not result["passed"]:
        return None
    files = badge_files(result, home() / "badges" / str(result["exam_id"]))
    return files if files.assertion.exists() else issue_badge(result, files.assertion.parent)


class ExamPanel(LiveBox):
    """The exam's screen: task list, diagram, clock, selected task, Check, hints and Finish.

    >>> open_exam("sample").panel()   # doctest: +SKIP
    """

    def __init__(self, session: ExamSession, **kwargs: Any) -> None:
        self.session = session
        record = session.current()
        self.tasks: list[Task] = session.tasks(record)
        self.selected: str = self.tasks[0].id
        self.report: Report | None = None
        self.error: Text | None = None
        self.hint_text: Text | None = None
        self.finished: dict[str, Any] | None = record.result
        self.badge_files: BadgeFiles | None = None
        self.title_html = w.HTML()
        self.language = w.ToggleButtons(options=[("English", "en"), ("日本語", "ja")], value=session.lang,
                                        style={"button_width": "6em"})
        self.timer = Timer(None if record.finished_at else record.deadline, session.lang)
        self.task_buttons = {task.id: w.Button(layout=w.Layout(width="auto")) for task in self.tasks}
        self.diagram_html = w.HTML()
        self.task_html = w.HTML()
        self.resources_html = w.HTML()
        self.check_button = w.Button(icon="check", button_style="primary")
        self.result_html = w.HTML()
        self.hint_choice = w.Dropdown(layout=w.Layout(width="auto", min_width="22em"))
        self.hint_button = w.Button(icon="lightbulb-o")
        self.hint_html = w.HTML()
        self.finish_button = w.Button(icon="flag-checkered", button_style="warning")
        self.score_html = w.HTML()
        header = w.HBox([self.title_html, self.language],
                        layout=w.Layout(justify_content="space-between", align_items="center", flex_flow="row wrap"))
        task_list = w.VBox([w.HTML(), *self.task_buttons.values()]).add_class("mcredlab-exam-tasks")
        body = w.HBox([task_list, self.diagram_html]).add_class("mcredlab-exam-body")
        hints = w.HBox([self.hint_choice, self.hint_button], layout=w.Layout(flex_flow="row wrap"))
        self.hints_row = hints
        super().__init__([header, self.timer, body, self.task_html, self.resources_html, self.check_button,
                          self.result_html, hints, self.hint_html, self.finish_button, self.score_html],
                         fallback=self._static_html, **kwargs)
        self._task_list_head = task_list.children[0]
        for widget, name in [(self, "mcredlab-exam"), (self.language, "mcredlab-lang"),
                             (self.diagram_html, "mcredlab-exam-diagram"), (self.task_html, "mcredlab-task-html"),
                             (self.check_button, "mcredlab-check"), (self.result_html, "mcredlab-result"),
                             (self.hint_button, "mcredlab-hint-button"), (self.finish_button, "mcredlab-finish"),
                             (self.score_html, "mcredlab-exam-score-html")]:
            widget.add_class(name)
        for task_id, button in self.task_buttons.items():
            button.add_class("mcredlab-exam-task")
            button.on_click(lambda _, chosen=task_id: self.select(chosen))
        self.language.observe(lambda change: self.set_language(change["new"]), names="value")
        self.check_button.on_click(lambda _: self.check())
        self.hint_button.on_click(lambda _: self.open_hint())
        self.finish_button.on_click(lambda _: self.finish())
        self.render()

    @property
    def lang(self) -> Lang:
        return self.session.lang

    # -- actions ---------------------------------------------------------------------------------

    def set_language(self, lang: str) -> None:
        lang = check_lang(lang)
        if self.language.value != lang:
            self.language.value = lang
            return
        self.session.lang = lang
        self.timer.lang = lang
        prefer_language(lang)
        self.render()

    def select(self, task_id: str) -> None:
        """Show ``task_id``'s text and light its part of the diagram."""
        self.selected = task_id
        self.report, self.error, self.hint_text = self._last_report(task_id), None, None
        self.render()

    def check(self) -> Report | None:
        """Check the selected task; a problem is one sentence, never a traceback."""
        self.check_button.disabled = True
        self.check_button.description = UI["checking"](self.lang)
        try:
            self.report, self.error = self.session.check(self.selected), None
        except LabError as error:
            self.error = Text(en=error.message("en"), ja=error.message("ja"))
        except Exception as error:  # noqa: BLE001 - a button must never end in a traceback
            log.exception("checking exam task %s failed", self.selected)
            self.error = Text(en=f"The check could not run ({type(error).__name__}: {error}).",
                              ja=f"チェックを実行できませんでした（{type(error).__name__}: {error}）。")
        finally:
            self.check_button.disabled = False
        self.render()
        return None if self.error else self.report

    def open_hint(self) -> None:
        """Open the chosen criterion's hint (in the exam it costs points, once per criterion)."""
        if not self.hint_choice.value:
            return
        try:
            self.hint_text = self.session.hint(self.selected, str(self.hint_choice.value))
        except LabError as error:
            self.error = Text(en=error.message("en"), ja=error.message("ja"))
        self.render()

    def finish(self) -> dict[str, Any]:
        """End the exam: score, pass or fail, per task; the badge is written when passed."""
        self.finished = self.session.finish()
        self.timer.deadline_ms = 0
        self.render()
        return self.finished

    # -- rendering -------------------------------------------------------------------------------

    def _last_report(self, task_id: str) -> Report | None:
        lab_session = self.session._lab(self.session.task(task_id))
        return lab_session.last_report()

    def render(self) -> None:
        lang = self.lang
        status = self.session.status()
        if status["over"] and self.finished is None:  # the deadline passed: the result is what was checked by then
            self.finished = self.session.finish()
            self.timer.deadline_ms = 0
        if self.finished is not None and self.badge_files is None:
            self.badge_files = _badge(self.finished)
        states = {t["id"]: t["state"] for t in status["tasks"]}
        self.title_html.value = (f'{STYLE}{EXAM_STYLE}<div class="mcredlab-title">{html.escape(status["title"])}'
                                 "</div>")
        self._task_list_head.value = f"<b>{UI['tasks'](lang)}</b>"
        for task in self.tasks:
            button, state = self.task_buttons[task.id], states[task.id]
            lab = get_lab(task.lab)
            after = f" ↳ {UI['after'](lang).format(after=task.after)}" if task.after else ""
            link = "↳ " if task.after else ""
            button.description = f"{link}{MARKS[state]} {task.id}  {lab.title(lang)}"[:70]
            button.tooltip = f"{task.id}: {lab.title(lang)} ({STATES[state](lang)}){after}"
            for name in [c for c in button._dom_classes if c.startswith("state-") or c in ("selected", "chained")]:
                button.remove_class(name)
            button.add_class(f"state-{state}")
            if task.after:
                button.add_class("chained")
            if task.id == self.selected:
                button.add_class("selected")
        selected = self.session.task(self.selected)
        part_states = {t.lab: states[t.id] for t in self.tasks}
        svg = _diagram_svg([t.lab for t in self.tasks], lang, selected.lab, part_states)
        self.diagram_html.value = f'<div class="mcredlab-exam-diagram" data-lit="{selected.lab}">{svg}</div>'
        self._render_task(selected, states[selected.id], status["over"])
        self._render_score()

    def _render_task(self, task: Task, state: str, over: bool) -> None:
        lang, lab = self.lang, get_lab(task.lab)
        attempt = self.session.store.attempt(lab.id, self.session.target.key)
        if state == "locked":
            text = f'<p class="mcredlab-note">🔒 {inline_html(UI["locked"](lang).format(after=task.after))}</p>'
            self.resources_html.value = ""
        else:
            context = attempt.context if attempt else {}
            text = markdown_html(lab.task(lang).format_map(KeepMissing(context)))
            self.resources_html.value = resources_html(context, lang)
        self.task_html.value = (f'<div class="mcredlab-task" lang="{lang}" data-task="{task.id}" data-state="{state}">'
                                f"<h3>{html.escape(task.id)}: {html.escape(lab.title(lang))}</h3>{text}</div>")
        self.check_button.description = UI["check"](lang)
        self.check_button.disabled = state == "locked" or over
        self.finish_button.description = UI["finish"](lang)
        self.finish_button.disabled = self.finished is not None
        if self.error is not None:
            self.result_html.value = f'<div class="mcredlab-error" role="alert">⚠ {inline_html(self.error(lang))}</div>'
        elif over and self.finished is None:
            self.result_html.value = f'<div class="mcredlab-note">{UI["over"](lang)}</div>'
        elif self.report is not None and self.report.lab_id == lab.id:
            self.result_html.value = report_html(self.report, lang, hints=False)
        else:
            self.result_html.value = f'<div class="mcredlab-note">{UI["not_checked"](lang)}</div>'
        from mcredlab.exam import HINT_COST

        failing = [r.id for r in self.report.results if r.state == "failed"] if self.report else []
        chosen = self.hint_choice.value
        self.hint_choice.options = [(criterion, criterion) for criterion in failing]
        self.hint_choice.value = chosen if chosen in failing else (failing[0] if failing else None)
        self.hint_choice.description = UI["hint_for"](lang)
        self.hint_button.description = UI["hint"](lang).format(cost=HINT_COST)
        self.hint_button.disabled = not failing or over
        self.hints_row.layout.display = "flex" if failing and not over else "none"
        self.hint_html.value = (f'<div class="mcredlab-note" data-hint="open">💡 {inline_html(self.hint_text(lang))}</div>'
                                if self.hint_text else "")

    def _render_score(self) -> None:
        lang, result = self.lang, self.finished
        if result is None:
            self.score_html.value = ""
            return
        verdict = UI["passed"](lang) if result["passed"] else UI["not_passed"](lang)
        head = UI["score"](lang).format(verdict=verdict, score=f"{result['score']:g}", total=result["total"],
                                        mark=f"{result['pass_mark']:g}")
        rows = "".join(
            f'<li data-task="{t["id"]}" data-state="{t["state"]}">' + html.escape(UI["row"](lang).format(
                task=f"{t['id']} {get_lab(t['lab']).title(lang)}", state=STATES[t["state"]](lang),
                points=f"{t['points']:g}", hints=t["hints"],
                minutes="-" if t["seconds_used"] is None else f"{t['seconds_used'] / 60:.1f}")) + "</li>"
            for t in result["tasks"])
        badge = ""
        files = self.badge_files
        if files is not None:
            svg_path = files.svg.get(lang)
            badge = (f'<div class="mcredlab-badge">{svg_path.read_text(encoding="utf-8")}</div>'
                     f'<div class="mcredlab-note">{html.escape(UI["badge_at"](lang).format(path=files.assertion))}</div>')
        self.score_html.value = (f'<div class="mcredlab-exam-score" data-passed="{str(result["passed"]).lower()}" '
                                 f'data-score="{result["score"]:g}" data-total="{result["total"]}">'
                                 f"{html.escape(head)}</div><ul>{rows}</ul>{badge}")

    def _static_html(self) -> str:
        return (f"{self.title_html.value}{self.diagram_html.value}{self.task_html.value}{self.result_html.value}"
                f"{self.score_html.value}")
