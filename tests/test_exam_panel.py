"""The exam panel, built headless against the emulator: selecting a task shows its text and lights its part,
Check colours the task, a chained task stays locked, a hint costs its task, Finish shows the score."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mcredlab.exam import EXAMS, ExamSession, ExamSpec
from mcredlab.target import Target
from mcredlab.widgets.exam_panel import ExamPanel
from tests.test_exam import _end_now

CHAIN = ExamSpec("panel-chain", EXAMS["serverless"].title, labs=("cloudfront-s3-oac", "waf-rate-limit"), tasks=2)


@pytest.fixture
def session(target: Target, monkeypatch: pytest.MonkeyPatch) -> Iterator[ExamSession]:
    monkeypatch.setitem(EXAMS, CHAIN.id, CHAIN)
    session = ExamSession(target)
    session.start(CHAIN.id, seed=1)
    yield session


def _classes(panel: ExamPanel, task: str) -> list[str]:
    return list(panel.task_buttons[task]._dom_classes)


def test_selecting_a_task_shows_its_text_and_lights_its_part_of_the_diagram(session: ExamSession) -> None:
    panel = ExamPanel(session)
    first, second = session.tasks()
    assert f'data-task="{first.id}"' in panel.task_html.value and "Origin Access Control" in panel.task_html.value
    assert f'data-lit="{first.lab}"' in panel.diagram_html.value
    assert "selected" in _classes(panel, first.id) and "chained" in _classes(panel, second.id)
    panel.task_buttons[second.id].click()
    assert panel.selected == second.id and f'data-lit="{second.lab}"' in panel.diagram_html.value
    assert 'data-state="locked"' in panel.task_html.value and panel.check_button.disabled
    panel.language.value = "ja"
    assert "ロック中" in panel.task_buttons[second.id].tooltip and "チェックに合格すると開きます" in panel.task_html.value


def test_check_colours_the_task_and_hides_hints_until_one_is_opened_for_a_cost(session: ExamSession) -> None:
    panel = ExamPanel(session)
    first = session.tasks()[0]
    assert "state-unchecked" in _classes(panel, first.id)
    panel.check_button.click()
    assert "state-failed" in _classes(panel, first.id)
    assert 'data-passed="false"' in panel.result_html.value and "<details" not in panel.result_html.value
    assert panel.hint_choice.options and not panel.hint_button.disabled
    panel.hint_button.click()
    assert 'data-hint="open"' in panel.hint_html.value
    assert session.status()["tasks"][0]["hints"] == 1
    session.solve(first.id)
    panel.select(first.id)
    panel.check_button.click()
    assert "state-passed" in _classes(panel, first.id) and 'data-passed="true"' in panel.result_html.value
    assert "state-unchecked" in _classes(panel, session.tasks()[1].id), "the chained task opened"


def test_finish_shows_the_score_per_task_and_the_exam_survives_a_new_panel(session: ExamSession) -> None:
    first, second = session.tasks()
    session.solve(first.id)
    session.solve(second.id)
    panel = ExamPanel(session)
    result = panel.finish()
    assert result["passed"] and result["score"] == 2
    assert 'data-passed="true" data-score="2" data-total="2"' in panel.score_html.value
    assert panel.finish_button.disabled and panel.timer.deadline_ms == 0
    assert panel.badge_files is not None and panel.badge_files.assertion.exists()
    assert "<svg" in panel.score_html.value, "the badge is shown"
    again = ExamPanel(ExamSession(session.target, lang="ja"))
    assert 'data-score="2"' in again.score_html.value and "合格" in again.score_html.value
    assert again.badge_files == panel.badge_files, "a new panel shows the badge already written"


def test_once_the_deadline_passes_the_panel_shows_the_result_of_the_checks_made_in_time(session: ExamSession) -> None:
    first = session.tasks()[0]
    session.solve(first.id)
    _end_now(session)
    panel = ExamPanel(session)
    assert 'data-score="1" data-total="2"' in panel.score_html.value and panel.check_button.disabled


def test_a_labs_own_panel_shows_its_part_of_the_diagram_coloured_by_its_check(target: Target) -> None:
    from mcredlab.labs import get_lab
    from mcredlab.session import LabSession

    lab_session = LabSession(get_lab("cloudfront-s3-oac"), target)
    lab_session.setup()
    panel = lab_session.panel()
    assert 'data-state="unchecked"' in panel.diagram_html.value and "CloudFront" in panel.diagram_html.value
    panel.check_button.click()
    assert 'class="mcredlab-lab-part" data-state="failed"' in panel.diagram_html.value
