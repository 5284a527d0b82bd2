"""Exam mode: the draw is random but reproducible by seed, chains are respected (locked until the task before
passes, then set up on the learner's own result), the deadline freezes the score, hints cost points, and the score
equals the tasks passed; the CLI follows the same rules."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcredlab import exam
from mcredlab.exam import EXAMS, ExamOver, ExamSession, ExamSpec, ExamUnderWay, NoExam, TaskLocked, draw
from mcredlab.labs import all_labs, get_lab
from mcredlab.store import Store
from mcredlab.target import Target

CHAIN = ExamSpec("chain", EXAMS["serverless"].title, labs=("s3-static-website", "cloudfront-s3-oac",
                                                            "waf-rate-limit"), tasks=3, minutes=90)
QUICK = ExamSpec("quick", EXAMS["serverless"].title, labs=("s3-static-website", "dynamodb-table-design"), tasks=2)


@pytest.fixture
def exams(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, ExamSpec]]:
    """The exams, with two small ones of known labs for the tests."""
    monkeypatch.setitem(EXAMS, "chain", CHAIN)
    monkeypatch.setitem(EXAMS, "quick", QUICK)
    yield EXAMS


def _solve(session: ExamSession, task: str) -> None:
    """What the learner does for a task: the lab's reference solution on the exam's context."""
    found = session.task(task)
    lab = get_lab(found.lab)
    attempt = session.store.attempt(lab.id, session.target.key)
    assert attempt is not None, f"{found.id} is not set up"
    lab.solve(session.target.aws(), attempt.context)


def _end_now(session: ExamSession) -> None:
    """Move the exam's deadline to a moment ago, as if its time had run out."""
    with sqlite3.connect(session.store.path) as db:
        db.execute("UPDATE exams SET deadline=? WHERE id=?", (time.time(), session.current().id))


# -- the draw -------------------------------------------------------------------------------------


def test_the_same_seed_draws_the_same_tasks_in_the_same_order_and_other_seeds_differ() -> None:
    spec = EXAMS["serverless"]
    first = draw(spec, seed=42)
    assert first == draw(spec, seed=42)
    assert len(first) == 6 and len({t.lab for t in first}) == 6
    assert all(get_lab(t.lab).track == "serverless" for t in first)
    draws = {tuple(t.lab for t in draw(spec, seed=seed)) for seed in range(30)}
    assert len(draws) > 20, "the draw is random"
    assert len({d[0] for d in draws}) > 3, "so is the order"


@pytest.mark.parametrize("track", ["serverless", "agentic-ai"])
def test_a_chain_is_drawn_in_its_order_right_after_the_task_it_builds_on_and_never_without_it(track: str) -> None:
    spec = EXAMS[track]
    chained = [lab for lab in all_labs().values() if lab.track == track and lab.follows]
    assert chained, f"the {track} track has a chain"
    seen_whole = 0
    for seed in range(200):
        drawn = draw(spec, seed=seed)
        for position, task in enumerate(drawn):
            follows = get_lab(task.lab).follows
            if follows is None:
                assert task.after is None
                continue
            assert position > 0 and drawn[position - 1].lab == follows and task.after == drawn[position - 1].id
            seen_whole += 1
    assert seen_whole > 10, "chains are drawn"


def test_the_sample_exam_is_the_free_samples_two_tasks() -> None:
    assert sorted(t.lab for t in draw(EXAMS["sample"], seed=1)) == ["apigw-cors", "apigw-lambda-proxy"]
    with pytest.raises(exam.ExamTooLong):
        draw(EXAMS["sample"], tasks=3, seed=1)


# -- an exam on the emulator ----------------------------------------------------------------------


def test_an_exam_whose_tasks_were_never_touched_scores_0_and_fails(target: Target, exams: dict) -> None:
    session = ExamSession(target)
    with pytest.raises(NoExam):
        session.status()
    session.start("quick", seed=1)
    assert [t["state"] for t in session.status()["tasks"]] == ["unchecked", "unchecked"]
    result = session.finish()
    assert (result["score"], result["total"], result["passed"]) == (0, 2, False)
    assert [t["state"] for t in result["tasks"]] == ["failed", "failed"], "finishing checks the final state"
    assert session.finish() == result, "an exam ends once"


def test_the_score_equals_the_tasks_passed_and_each_hint_opened_costs_its_task(target: Target, exams: dict) -> None:
    session = ExamSession(target)
    record = session.start("quick", seed=7)
    with pytest.raises(ExamUnderWay):
        session.start("quick", seed=7)
    first, second = session.tasks(record)
    _solve(session, first.id)
    assert session.check(first.id).passed
    assert not session.check(second.id).passed
    hint = session.hint(second.id, get_lab(second.lab).criteria[0].id)
    assert hint.en and hint.ja
    session.hint(second.id, get_lab(second.lab).criteria[0].id)  # the same hint again costs nothing more
    _solve(session, second.id)
    assert session.check(second.id).passed
    result = session.finish()
    assert [t["hints"] for t in result["tasks"]] == [0, 1]
    assert [t["points"] for t in result["tasks"]] == [1.0, 1.0 - exam.HINT_COST]
    assert result["score"] == 2 - exam.HINT_COST and result["passed"]
    assert all(t["seconds_used"] is not None and t["checks"] >= 1 for t in result["tasks"])
    assert {c["state"] for t in result["tasks"] for c in t["criteria"]} == {"passed"}


def test_the_deadline_freezes_the_score_checks_after_it_are_refused(target: Target, exams: dict) -> None:
    session = ExamSession(target)
    record = session.start("quick", seed=3)
    first, second = session.tasks(record)
    _solve(session, first.id)
    assert session.check(first.id).passed
    _end_now(session)
    _solve(session, second.id)  # too late
    with pytest.raises(ExamOver):
        session.check(second.id)
    assert session.status()["over"] and session.status()["seconds_left"] == 0
    result = session.finish()
    assert [t["state"] for t in result["tasks"]] == ["passed", "unchecked"]
    assert result["score"] == 1 and not result["passed"]


def test_a_chained_task_is_locked_until_the_one_before_passes_then_starts_from_the_learners_result(
        target: Target, exams: dict) -> None:
    session = ExamSession(target)
    record = session.start("chain", seed=5)
    by_lab = {t.lab: t for t in session.tasks(record)}
    distribution, waf = by_lab["cloudfront-s3-oac"], by_lab["waf-rate-limit"]
    assert waf.after == distribution.id
    assert session.state_of(waf, record) == "locked"
    assert session.store.attempt("waf-rate-limit", target.key) is None, "nothing pre-built for a locked task"
    with pytest.raises(TaskLocked):
        session.check(waf.id)
    _solve(session, distribution.id)
    assert session.check(distribution.id).passed
    assert session.state_of(waf, session.current()) == "unchecked"
    waf_context = session.store.attempt("waf-rate-limit", target.key)
    learners = session.store.attempt("cloudfront-s3-oac", target.key)
    assert waf_context is not None and learners is not None
    assert waf_context.context["distribution_comment"] == learners.context["distribution_comment"]
    assert waf_context.context["bucket"] == learners.context["bucket"], "the learner's own site, not a copy"
    assert not session.check(waf.id).passed
    _solve(session, waf.id)
    assert session.check(waf.id).passed
    result = session.finish()
    by_task = {t["lab"]: t for t in result["tasks"]}
    assert by_task["waf-rate-limit"]["passed"] and by_task["cloudfront-s3-oac"]["passed"]
    assert not by_task["s3-static-website"]["passed"]


def test_an_exam_starts_from_a_clean_slate_without_practice_work(target: Target, exams: dict) -> None:
    from mcredlab.session import LabSession

    practice = LabSession(get_lab("dynamodb-table-design"), target, Store())
    practice.setup()
    practice.solve()
    assert practice.check().passed
    session = ExamSession(target)
    record = session.start("quick", seed=1)
    task = next(t for t in session.tasks(record) if t.lab == "dynamodb-table-design")
    assert not session.check(task.id).passed, "practice work does not carry over into the exam"


# -- the CLI ------------------------------------------------------------------------------------------


def _mcredlab(target: Target, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **target.environ()}
    return subprocess.run([sys.executable, "-m", "mcredlab", *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_cli_exam_start_status_check_and_finish_follow_the_contract(target: Target, tmp_path: Path) -> None:
    started = _mcredlab(target, "exam", "start", "sample", "--seed", "11", "--json")
    assert started.returncode == 0, started.stderr
    shown = json.loads(started.stdout)
    assert [t["lab"] for t in shown["tasks"]] == [t.lab for t in draw(EXAMS["sample"], seed=11)]
    assert shown["seconds_left"] > 29 * 60 and shown["id"]
    again = _mcredlab(target, "exam", "start", "sample", "--seed", "11")
    assert again.returncode == 2 and "--new" in again.stderr, "one exam at a time"
    status = json.loads(_mcredlab(target, "exam", "status", "--json").stdout)
    assert [t["state"] for t in status["tasks"]] == ["unchecked", "unchecked"]
    checked = _mcredlab(target, "exam", "check", "task-1", "--json")
    assert checked.returncode == 1 and "hint" not in json.loads(checked.stdout)["criteria"][0]
    text = _mcredlab(target, "exam", "check", "1", "--lang", "ja")
    assert text.returncode == 1 and "Hint" not in text.stdout and "ヒント:" in text.stdout
    finished = _mcredlab(target, "exam", "finish", "--json", "--badge", str(tmp_path / "badge"))
    assert finished.returncode == 0, finished.stderr
    result = json.loads(finished.stdout)
    assert (result["score"], result["total"], result["passed"], result["badge"]) == (0, 2, False, [])
    assert not (tmp_path / "badge").exists(), "a failing attempt gets no badge"
    late = _mcredlab(target, "exam", "check", "task-1")
    assert late.returncode == 2 and "mcredlab exam finish" in late.stdout + late.stderr


def test_cli_a_passed_exam_writes_a_badge_that_verifies_and_a_tampered_one_does_not(
        target: Target, tmp_path: Path, exams: dict) -> None:
    session = ExamSession(target)
    record = session.start("quick", seed=2)
    for task in session.tasks(record):
        session.solve(task.id)
    from click.testing import CliRunner

    from mcredlab.cli import main

    # In this process, where the test's small exam is known; the other commands run as a learner runs them.
    finished = CliRunner().invoke(main, ["exam", "finish", "--json", "--badge", str(tmp_path / "badge")],
                                  env=target.environ())
    assert finished.exit_code == 0, finished.output
    result = json.loads(finished.stdout)
    assert result["passed"] and result["score"] == result["total"] == 2
    files = [Path(path) for path in result["badge"]]
    assert [path.suffix for path in files] == [".json", ".svg", ".svg"] and all(path.exists() for path in files)
    for path in files:
        verified = _mcredlab(target, "exam", "verify", str(path), "--lang", "ja")
        assert verified.returncode == 0 and "一致しています" in verified.stdout, verified.stdout + verified.stderr
    assertion = files[0]
    assertion.write_text(assertion.read_text(encoding="utf-8").replace('"score": 2', '"score": 3'), encoding="utf-8")
    tampered = _mcredlab(target, "exam", "verify", str(assertion))
    assert tampered.returncode == 1 and tampered.stdout.strip()
    stranger = _mcredlab(target, "exam", "verify", str(tmp_path / "nothing.json"))
    assert stranger.returncode == 1


def test_open_exam_resumes_the_exam_under_way_as_after_a_kernel_restart(target: Target, exams: dict) -> None:
    first = exam.open_exam("quick", seed=9)
    record = first.current()
    again = exam.open_exam("quick", seed=1)  # a restarted kernel runs the same cell: the same exam, the same clock
    assert again.current().id == record.id and again.current().deadline == record.deadline
    again.finish()
    assert exam.open_exam("quick", seed=1).current().id != record.id, "once ended, the cell starts a new exam"
