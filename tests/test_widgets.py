"""The lab panel, built headless against the emulator: language switch, Check, stored report, timer."""

from __future__ import annotations

import pytest

from mcredlab.errors import EmulatorNotRunning
from mcredlab.labs import get_lab
from mcredlab.session import LabSession
from mcredlab.target import Target
from mcredlab.widgets import LabPanel
from mcredlab.widgets.panel import markdown_html, resources_html, tiny_markdown

CRITERIA = len(get_lab("s3-static-website").criteria)  # a fresh lab meets none of them


@pytest.fixture
def session(target: Target) -> LabSession:
    session = LabSession(get_lab("s3-static-website"), target)
    session.setup()
    session.start_timer()
    return session


def test_language_switch_changes_every_text(session: LabSession) -> None:
    panel = LabPanel(session)
    bucket = session.context["bucket"]
    assert "Turn it into a public website" in panel.task_html.value
    assert f"<strong>{bucket}</strong>" in panel.task_html.value
    assert bucket in panel.resources_html.value and "Your resources" in panel.resources_html.value
    assert panel.check_button.description == "Check"
    panel.check_button.click()
    panel.language.value = "ja"
    assert "公開ウェブサイト" in panel.task_html.value and "Turn it" not in panel.task_html.value
    assert "使用するリソース" in panel.resources_html.value
    assert panel.check_button.description == "チェック"
    assert f"{CRITERIA} 項目中 0 項目を達成" in panel.result_html.value
    assert panel.timer.lang == "ja" and session.lang == "ja"
    panel.set_language("en")
    assert panel.language.value == "en" and f"0 of {CRITERIA} criteria met" in panel.result_html.value


def test_check_renders_the_report_each_time(session: LabSession) -> None:
    panel = LabPanel(session)
    assert "press Check" in panel.result_html.value
    panel.check_button.click()
    assert 'data-passed="false"' in panel.result_html.value
    assert 'data-criterion="website-hosting"' in panel.result_html.value and "<details" in panel.result_html.value
    session.solve()
    panel.check_button.click()
    assert 'class="mcredlab-report mcredlab-report-passed"' in panel.result_html.value
    assert not panel.check_button.disabled and panel.check_button.description == "Check"


def test_a_new_panel_shows_the_last_stored_report(session: LabSession) -> None:
    session.solve()
    LabPanel(session).check_button.click()
    again = LabSession(get_lab("s3-static-website"), session.target, lang="ja")
    html = LabPanel(again).result_html.value
    assert 'data-passed="true"' in html and "すべての項目を達成しました" in html


def test_after_a_reset_the_new_attempt_shows_no_old_verdict(session: LabSession) -> None:
    session.solve()
    assert session.check().passed and session.last_report() is not None
    session.reset()
    session.setup()
    session.start_timer()
    assert session.last_report() is None
    panel = LabPanel(session)
    assert "press Check" in panel.result_html.value and "All criteria met" not in panel.result_html.value


def test_a_live_panel_drops_its_verdict_when_the_attempt_is_reset_elsewhere(session: LabSession) -> None:
    session.solve()
    panel = session.panel()
    panel.check()
    assert 'data-passed="true"' in panel.result_html.value
    elsewhere = LabSession(session.lab, session.target)  # say, `mcredlab reset` in a terminal
    elsewhere.reset()
    elsewhere.setup()
    panel.render()
    assert 'data-passed="true"' not in panel.result_html.value and "press Check" in panel.result_html.value


def test_a_restarted_timer_is_a_new_attempt(session: LabSession) -> None:
    session.check()
    assert session.last_report() is not None
    session.start_timer(restart=True)
    assert session.last_report() is None


def test_toolbar_and_result_area_are_the_panels_own_live_widgets(session: LabSession) -> None:
    panel = session.panel()
    assert session.panel() is panel, "one panel per session"
    bar = session.toolbar().children[0]
    assert panel.timer in bar.children and panel.check_button in bar.children
    assert "Not checked yet" in panel.summary_html.value
    area = session.result()
    assert area.children[1] is panel.result_html and panel.timer in area.children[0].children
    assert f"0 of {CRITERIA} criteria met" in panel.summary_html.value
    session.solve()
    session.check()  # as `lab.check()` in a cell: every view of the panel follows
    assert 'data-passed="true"' in panel.result_html.value and "All criteria met" in panel.summary_html.value
    bundle = area._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and 'data-passed="true"' in bundle["text/html"]


def test_the_result_keeps_open_hints_open_across_redraws() -> None:
    from mcredlab.widgets.report import ReportView

    view = ReportView()
    assert {"html", "_esm"} <= set(view.keys)
    assert "details[data-criterion]" in view._esm and "hint.open = true" in view._esm


def test_timer_counts_to_the_stored_deadline(session: LabSession) -> None:
    panel = LabPanel(session)
    assert session.deadline is not None
    assert panel.timer.deadline_ms == round(session.deadline * 1000)
    assert panel.timer.lang == "en"
    assert {"deadline_ms", "lang", "_esm", "_css"} <= set(panel.timer.keys)
    assert "export default" in panel.timer._esm and ".mcredlab-timer" in panel.timer._css


def test_check_errors_are_one_sentence(session: LabSession, monkeypatch: pytest.MonkeyPatch) -> None:
    panel = LabPanel(session)

    def unreachable() -> None:
        raise EmulatorNotRunning("http://127.0.0.1:1")

    monkeypatch.setattr(session, "check", unreachable)
    panel.check_button.click()
    assert "mcredlab-error" in panel.result_html.value and "is not running" in panel.result_html.value
    assert "Traceback" not in panel.result_html.value
    panel.language.value = "ja"
    assert "起動していません" in panel.result_html.value

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(session, "check", broken)
    panel.check_button.click()
    assert "チェックを実行できませんでした（RuntimeError: boom）" in panel.result_html.value
    assert not panel.check_button.disabled


def test_markdown_is_safe_and_keeps_lists() -> None:
    text = "Bucket **b** and `index.html`<script>x</script>\n\nDo this:\n1. one\n2. two"
    for convert in (markdown_html, tiny_markdown):
        out = convert(text)
        assert "<script>" not in out and "&lt;script&gt;" in out
        assert "<strong>b</strong>" in out and "<code>index.html</code>" in out
        assert out.count("<li>") == 2 and "<ol>" in out


def test_resources_hide_internal_names() -> None:
    html = resources_html({"bucket": "b", "_token": "secret"}, "en")
    assert "bucket" in html and "secret" not in html and "_token" not in html
    assert resources_html({"_only": "x"}, "ja") == ""


def test_panel_executes_headless(fresh_emulator: object) -> None:
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            'from mcredlab.session import open_lab\nlab = open_lab("s3-static-website", lang="ja")\n'
            "panel = lab.panel()\npanel.check()\npanel"
        )
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


def test_notebook_errors_are_shown_in_the_learners_language_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from IPython.display import HTML

    from mcredlab import notebook

    shown: list[str] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data if isinstance(obj, HTML) else ""))
    notebook.prefer_language("ja")
    notebook.show_lab_error(EmulatorNotRunning())
    notebook.prefer_language("en")
    notebook.show_lab_error(EmulatorNotRunning())
    assert shown[0].index("起動していません") < shown[0].index("is not running")
    assert shown[1].index("is not running") < shown[1].index("起動していません")
