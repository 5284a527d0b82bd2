"""The lab panel: title, task, resources, language switch, timer and Check button in one widget."""

from __future__ import annotations

import datetime
import html
import logging
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from mcredlab._text import KeepMissing, Lang, Text, check_lang
from mcredlab.checking import Report
from mcredlab.errors import LabError
from mcredlab.notebook import prefer_language
from mcredlab.render import report_html, summary
from mcredlab.widgets.report import ReportView
from mcredlab.widgets.timer import Timer

if TYPE_CHECKING:
    from mcredlab.session import LabSession

log = logging.getLogger(__name__)

UI = {
    "check": Text(en="Check", ja="チェック"),
    "checking": Text(en="Checking…", ja="チェック中…"),
    "check_tip": Text(
        en="Check your work: this only reads your resources, so press it as often as you like.",
        ja="作業内容をチェックします。リソースを読み取るだけなので、何度押してもかまいません。",
    ),
    "resources": Text(en="Your resources", ja="使用するリソース"),
    "language": Text(en="Language", ja="表示言語"),
    "not_checked": Text(
        en="When you think you are done, press Check to see which criteria you meet.",
        ja="作業が終わったら「チェック」を押して、どの項目を達成できたか確認しましょう。",
    ),
    "checked_at": Text(en="Last checked at {time}", ja="最終チェック: {time}"),
    "no_check_yet": Text(en="Not checked yet", ja="まだチェックしていません"),
    "all_met": Text(en="All criteria met", ja="すべての項目を達成しました"),
    "unexpected": Text(
        en="The check could not run ({error}); try again, and restart the kernel if it keeps failing.",
        ja="チェックを実行できませんでした（{error}）。もう一度試し、繰り返し失敗する場合はカーネルを再起動してください。",
    ),
}

STYLE = """<style>
.mcredlab-panel { max-width: 60em; gap: 0.4em; }
.mcredlab-panel .widget-html-content { line-height: 1.55; }
.mcredlab-panel .mcredlab-title { margin: 0.2em 0; font-size: 1.35em; font-weight: 600; }
.mcredlab-panel .mcredlab-task ol { padding-left: 1.6em; }
.mcredlab-panel .mcredlab-task p, .mcredlab-panel .mcredlab-task li { margin: 0.3em 0; }
.mcredlab-panel code { background: var(--jp-layout-color2, #eee); padding: 0 0.25em; border-radius: 3px; }
.mcredlab-panel .mcredlab-resources ul { margin: 0.2em 0; padding-left: 1.6em; }
.mcredlab-panel .mcredlab-note { color: var(--jp-ui-font-color2, #616161); font-size: 0.9em; margin-top: 0.3em; }
.mcredlab-panel .mcredlab-error, .mcredlab-bar .mcredlab-error { border-left: 4px solid #c62828; background: rgba(198,40,40,0.07); padding: 0.4em 0.7em; }
.mcredlab-bar { align-items: center; gap: 0.8em; flex-wrap: wrap; }
.mcredlab-bar .mcredlab-bar-summary[data-passed="true"] { color: #2e7d32; font-weight: 600; }
.mcredlab-bar .mcredlab-bar-summary[data-passed="false"] { color: #c62828; }
</style>"""


def inline_html(text: str) -> str:
    """Escape ``text`` and render its `code` and **bold** spans."""
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)


def tiny_markdown(text: str) -> str:
    """Paragraphs, numbered lists, `code` and **bold**: enough for task texts, and safe (all HTML escaped)."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        para: list[str] = []
        items: list[str] = []
        for line in block.splitlines():
            item = re.match(r"\s*\d+[.)]\s+(.*)", line)
            if item:
                items.append(item.group(1))
            elif items:
                items[-1] += " " + line.strip()
            else:
                para.append(line.strip())
        if para:
            out.append(f"<p>{inline_html(' '.join(para))}</p>")
        if items:
            out.append("<ol>" + "".join(f"<li>{inline_html(item)}</li>" for item in items) + "</ol>")
    return "\n".join(out)


@lru_cache(maxsize=1)
def _converter() -> Callable[[str], str]:
    try:
        import mistune  # installed with jupyterlab (jupyter_server -> nbconvert)
    except ImportError:
        return tiny_markdown
    render = mistune.create_markdown(escape=True)  # raw HTML is escaped, unsafe link schemes dropped
    return lambda text: str(render(text))


def markdown_html(text: str) -> str:
    """Markdown to safe HTML, with mistune when available."""
    return _converter()(text)


def resources_html(context: dict[str, str], lang: Lang) -> str:
    """The names setup provisioned (keys starting with ``_`` are internal and hidden)."""
    shown = {key: value for key, value in context.items() if not key.startswith("_")}
    if not shown:
        return ""
    rows = "".join(
        f'<li data-resource="{html.escape(key)}">{html.escape(key)}: <code>{html.escape(value)}</code></li>'
        for key, value in shown.items()
    )
    return f'<div class="mcredlab-resources"><b>{UI["resources"](lang)}</b><ul>{rows}</ul></div>'


class LiveBox(w.VBox):  # type: ignore[misc]
    """A column of widgets that also carries static HTML of what it shows, for viewers without live widgets."""

    def __init__(self, children: list[w.Widget], fallback: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(children, **kwargs)
        self._fallback = fallback

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = dict(super()._repr_mimebundle_(**kwargs) or {})
        data["text/html"] = self._fallback()
        return data


def _bar(children: list[w.Widget]) -> w.HBox:
    return w.HBox(children, layout=w.Layout(flex_flow="row wrap")).add_class("mcredlab-bar")


class LabPanel(LiveBox):
    """A lab's task, timer and Check button for a notebook; every text follows the language switch.

    One panel per lab session: :meth:`toolbar` and :meth:`result_area` show the same clock, Check
    button and result again further down the notebook, so every copy is live and agrees.

    >>> LabPanel(open_lab("s3-static-website"))   # doctest: +SKIP
    """

    def __init__(self, session: LabSession, **kwargs: Any) -> None:
        self.session = session
        self.report: Report | None = session.last_report()
        self.error: Text | None = None
        self.title_html = w.HTML()
        self.language = w.ToggleButtons(
            options=[("English", "en"), ("日本語", "ja")], value=session.lang, style={"button_width": "6em"}
        )
        self.timer = Timer(session.deadline, session.lang)
        self.task_html = w.HTML()
        self.diagram_html = w.HTML()
        self.resources_html = w.HTML()
        self.check_button = w.Button(icon="check", button_style="primary")
        self.result_html = ReportView()
        self.summary_html = w.HTML()
        header = w.HBox(
            [self.title_html, self.language],
            layout=w.Layout(justify_content="space-between", align_items="center", flex_flow="row wrap"),
        )
        super().__init__(
            [header, self.timer, self.task_html, self.diagram_html, self.resources_html, self.check_button,
             self.result_html],
            fallback=self._static_html,
            **kwargs,
        )
        for widget, name in [
            (self, "mcredlab-panel"), (self.language, "mcredlab-lang"), (self.task_html, "mcredlab-task-html"),
            (self.diagram_html, "mcredlab-lab-diagram"),
            (self.check_button, "mcredlab-check"), (self.result_html, "mcredlab-result"),
            (self.summary_html, "mcredlab-bar-summary-html"),
        ]:
            widget.add_class(name)
        self.language.observe(lambda change: self.set_language(change["new"]), names="value")
        self.check_button.on_click(lambda _: self.check())
        self.render()

    @property
    def lang(self) -> Lang:
        return self.session.lang

    def set_language(self, lang: str) -> None:
        """Show every text of the panel (and later reports) in ``lang``."""
        lang = check_lang(lang)
        if self.language.value != lang:
            self.language.value = lang  # its observer calls back here
            return
        self.session.lang = lang
        self.timer.lang = lang
        prefer_language(lang)
        self.render()

    def toolbar(self) -> LiveBox:
        """The clock, the Check button and a one-line result: the same widgets as the panel's."""
        return LiveBox([_bar([self.timer, self.check_button, self.summary_html])],
                       fallback=self._summary).add_class("mcredlab-toolbar")

    def result_area(self) -> LiveBox:
        """The clock, the Check button and the whole result, live: the same widgets as the panel's."""
        return LiveBox([_bar([self.timer, self.check_button]), self.result_html],
                       fallback=lambda: str(self.result_html.html)).add_class("mcredlab-result-area")

    def show(self, report: Report) -> None:
        """Show ``report`` (checked elsewhere, such as ``lab.check()`` in a cell) in every view."""
        self.report, self.error = report, None
        self.render()

    def check(self) -> Report | None:
        """Run the checks and show the report; a failure is shown as one sentence, never a traceback.

        The session shows a report in its own panel as it records it; a panel built apart shows it here.
        """
        self.check_button.disabled = True
        self.check_button.description = UI["checking"](self.lang)
        try:
            report = self.session.check()
            if self.report is not report:
                self.show(report)
        except LabError as error:
            self.error = Text(en=error.message("en"), ja=error.message("ja"))
            self.render()
        except Exception as error:  # noqa: BLE001 - a button must never end in a traceback
            log.exception("checking lab %s failed", self.session.lab.id)
            self.error = UI["unexpected"].format(error=f"{type(error).__name__}: {error}"[:300])
            self.render()
        finally:
            self.check_button.disabled = False
        return None if self.error else self.report

    def _context(self) -> dict[str, str]:
        try:
            return self.session.context
        except LabError as error:
            self.error = self.error or Text(en=error.message("en"), ja=error.message("ja"))
            return {}

    def render(self) -> None:
        """Fill every text in the current language."""
        lang, lab = self.lang, self.session.lab
        context = self._context()
        self.title_html.value = f'{STYLE}<div class="mcredlab-title">{html.escape(lab.title(lang))}</div>'
        task = lab.task(lang).format_map(KeepMissing(context))
        self.task_html.value = f'<div class="mcredlab-task" lang="{lang}">{markdown_html(task)}</div>'
        self.resources_html.value = resources_html(context, lang)
        self.language.tooltip = UI["language"](lang)
        self.check_button.description = UI["check"](lang)
        self.check_button.tooltip = UI["check_tip"](lang)
        self._forget_an_old_attempts_report()
        self.result_html.html = self._result(lang)
        self.summary_html.value = self._summary()
        self.diagram_html.value = self._diagram(lang)

    def _diagram(self, lang: Lang) -> str:
        """The lab's part of its track's architecture diagram, coloured by the latest check."""
        from mcredlab.diagrams import lab_part_svg

        state = "unchecked" if self.report is None else ("passed" if self.report.passed else "failed")
        svg = lab_part_svg(self.session.lab, lang, state=state)
        return f'<div class="mcredlab-lab-part" data-state="{state}" style="max-width:36em">{svg}</div>'

    def _forget_an_old_attempts_report(self) -> None:
        """A report from before the current attempt began (a reset, a new attempt) is not shown."""
        if self.report is None:
            return
        attempt = self.session.attempt
        if attempt is None or self.report.checked_at < attempt.started_at:
            self.report = None

    def _summary(self) -> str:
        """One line: the last result's summary, the note that nothing was checked yet, or the error."""
        lang = self.lang
        if self.error is not None:
            return f'{STYLE}<div class="mcredlab-error" role="alert">⚠ {inline_html(self.error(lang))}</div>'
        if self.report is None:
            return f'{STYLE}<span class="mcredlab-bar-summary">{UI["no_check_yet"](lang)}</span>'
        text = UI["all_met"](lang) if self.report.passed else summary(self.report, lang)
        mark = "✔" if self.report.passed else "✘"
        return (f'{STYLE}<span class="mcredlab-bar-summary" data-passed="{str(self.report.passed).lower()}">'
                f"{mark} {html.escape(text)}</span>")

    def _static_html(self) -> str:
        return f"{self.title_html.value}{self.task_html.value}{self.resources_html.value}{self.result_html.html}"

    def _result(self, lang: Lang) -> str:
        if self.error is not None:
            return f'<div class="mcredlab-error" role="alert">⚠ {inline_html(self.error(lang))}</div>'
        if self.report is None:
            return f'<div class="mcredlab-note">{UI["not_checked"](lang)}</div>'
        when = datetime.datetime.fromtimestamp(self.report.checked_at).strftime("%Y-%m-%d %H:%M:%S")
        note = UI["checked_at"](lang).format(time=when)
        return f'{report_html(self.report, lang)}<div class="mcredlab-note">{note}</div>'
