"""Exam mode: a mock microcredential with one clock, tasks drawn from a track, chained tasks, a score and a badge.

The real exam is a 90-minute session of several hands-on tasks drawn at random and shown in random order, some
chained (a task that builds on another's result opens once that one passes), a Check per task as often as one
likes, and a score right at the end. Here:

* :data:`EXAMS` names the exams: one per track (six tasks, 90 minutes) and ``sample`` (the two tasks of AWS's free
  sample: API Gateway with Lambda, and CORS). :func:`draw` picks the tasks and their order from a seed, so the
  same seed gives a whole class the same exam;
* a lab chained after another (``@lab.setup_after``) is drawn together with it, right after it, and stays locked
  until it passes; then it is set up on the learner's own result (:meth:`ExamSession.check`);
* one deadline for the whole exam, kept in the store (a kernel restart or a page reload loses nothing); checks
  after the deadline are refused and never change the score;
* in the exam, hints cost points: each hint opened (once per criterion) takes :data:`HINT_COST` off its task's
  point; the score is the sum of the tasks' points, so without hints it equals the number of tasks passed;
* at the end (Finish, or the deadline) the result: score, pass or fail against :data:`PASS_MARK`, per task and
  per criterion, time used per task, hints taken. A passing result is the attempt record a badge is issued from.
"""

from __future__ import annotations

import math
import os
import random
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mcredlab._text import KeepMissing, Lang, Text, check_lang
from mcredlab.checking import Report
from mcredlab.errors import LabError
from mcredlab.lab import Lab
from mcredlab.labs import all_labs, get_lab
from mcredlab.notebook import install_error_display, show_lab_error
from mcredlab.session import LabSession, UnavailableLab
from mcredlab.store import ExamEvent, ExamRecord, Store
from mcredlab.target import Target, resolve

PASS_MARK = 0.7
"""The share of the total points an attempt needs to pass (5 of 6 tasks pass, 4 of 6 do not)."""

HINT_COST = 0.25
"""Points a hint opened in the exam takes off its task's point (each criterion's hint counts once)."""


@dataclass(frozen=True)
class ExamSpec:
    """One exam: which labs it draws from, how many tasks, how long."""

    id: str
    title: Text
    labs: tuple[str, ...] = ()
    """The labs to draw from; empty means every lab of :attr:`track`."""
    track: str = ""
    tasks: int = 6
    minutes: int = 90

    def pool(self) -> list[Lab]:
        """The labs this exam draws from, in id order."""
        if self.labs:
            return [get_lab(lab_id) for lab_id in self.labs]
        return [lab for lab in all_labs().values() if lab.track == self.track]


EXAMS: dict[str, ExamSpec] = {
    "serverless": ExamSpec("serverless", Text(en="mcredlab Serverless mock microcredential",
                                              ja="mcredlab サーバーレス模擬マイクロクレデンシャル"),
                           track="serverless"),
    "agentic-ai": ExamSpec("agentic-ai", Text(en="mcredlab Agentic AI mock microcredential",
                                              ja="mcredlab エージェント型 AI 模擬マイクロクレデンシャル"),
                           track="agentic-ai"),
    "sample": ExamSpec("sample", Text(en="mcredlab sample exam (two tasks)", ja="mcredlab サンプル試験（2 つの課題）"),
                       labs=("apigw-lambda-proxy", "apigw-cors"), tasks=2, minutes=30),
}
"""The exams, by the name ``mcredlab exam start`` takes."""


def _title(name: str) -> Text:
    """The title of the exam ``name`` (a stored exam of a name no longer listed keeps its name as title)."""
    spec = EXAMS.get(name)
    return spec.title if spec else Text(en=f"mcredlab exam {name}", ja=f"mcredlab 試験 {name}")


# -- the draw ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One task of an exam: a lab, and the task it is chained after (if any)."""

    id: str
    lab: str
    after: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "lab": self.lab, "after": self.after}


def chains(labs: Sequence[Lab]) -> list[list[Lab]]:
    """The labs as draw units: a lab with the labs chained after it (and after those), in chain order."""
    by_id = {lab.id: lab for lab in labs}
    starts = [lab for lab in labs if lab.follows not in by_id]
    units = []
    for start in starts:
        unit, current = [start], start
        while (nxt := next((lab for lab in labs if lab.follows == current.id), None)) is not None:
            unit.append(nxt)
            current = nxt
        units.append(unit)
    return units


def draw(spec: ExamSpec, *, tasks: int | None = None, seed: int) -> list[Task]:
    """``tasks`` tasks of ``spec`` (its default if ``None``) in random order, the same for the same seed.

    A chain is drawn whole or not at all, its tasks one after another; the other tasks go in any order.
    """
    wanted = spec.tasks if tasks is None else tasks
    pool = spec.pool()
    if not 1 <= wanted <= len(pool):
        raise ExamTooLong(spec.id, wanted, len(pool))
    rng = random.Random(seed)
    units = chains(pool)
    rng.shuffle(units)
    picked: list[list[Lab]] = []
    room = wanted
    for unit in units:  # whole chains while they fit, then single labs cut from the chains left
        if len(unit) <= room:
            picked.append(unit)
            room -= len(unit)
    for unit in units:
        if room and unit not in picked:
            picked.append(unit[:room])
            room -= len(picked[-1])
    rng.shuffle(picked)
    drawn: list[Task] = []
    for unit in picked:
        for position, lab in enumerate(unit):
            after = drawn[-1].id if position else None
            drawn.append(Task(f"task-{len(drawn) + 1}", lab.id, after))
    return drawn


# -- errors ------------------------------------------------------------------------------------


class UnknownExam(LabError):
    def __init__(self, name: str) -> None:
        names = ", ".join(EXAMS)
        super().__init__(Text(en=f"There is no exam called {name}: choose one of {names}.",
                              ja=f"{name} という試験はありません。{names} のいずれかを指定してください。"))


class ExamTooLong(LabError):
    def __init__(self, name: str, wanted: int, available: int) -> None:
        super().__init__(Text(
            en=f"The exam {name} can have 1 to {available} tasks, not {wanted}: choose --tasks between them.",
            ja=f"試験 {name} の課題の数は 1 から {available} までです（{wanted} は指定できません）。"
            "--tasks にその範囲の数を指定してください。"))


class ExamUnderWay(LabError):
    def __init__(self, record: ExamRecord) -> None:
        left = max(0, math.ceil((record.deadline - time.time()) / 60))
        super().__init__(Text(
            en=f"The exam {record.id} is under way ({left} minutes left): continue it (`mcredlab exam status`), end it "
            "with `mcredlab exam finish`, or start another one with `--new`.",
            ja=f"試験 {record.id} が進行中です（残り {left} 分）。続けるか（`mcredlab exam status`）、"
            "`mcredlab exam finish` で終了するか、`--new` を付けて新しい試験を開始してください。"))


class NoExam(LabError):
    def __init__(self) -> None:
        super().__init__(Text(
            en="No exam has been started here: start one with `mcredlab exam start sample` (or serverless, agentic-ai).",
            ja="ここではまだ試験を開始していません。`mcredlab exam start sample`（または serverless、agentic-ai）で"
            "開始してください。"))


class UnknownTask(LabError):
    def __init__(self, name: str, record: ExamRecord) -> None:
        names = ", ".join(f"{t['id']} ({t['lab']})" for t in record.tasks)
        super().__init__(Text(en=f"The exam has no task {name}: its tasks are {names}.",
                              ja=f"この試験に {name} という課題はありません。課題は {names} です。"))


class TaskLocked(LabError):
    def __init__(self, task: str, after: str) -> None:
        super().__init__(Text(
            en=f"{task} builds on your result of {after}: it opens once {after} passes its check.",
            ja=f"{task} は {after} の結果をもとにする課題です。{after} のチェックに合格すると開きます。"))


class ExamOver(LabError):
    def __init__(self, record: ExamRecord) -> None:
        end = time.strftime("%H:%M", time.localtime(record.finished_at or record.deadline))
        super().__init__(Text(
            en=f"The exam {record.id} ended at {end}: checks no longer count. See the result with `mcredlab exam finish`.",
            ja=f"試験 {record.id} は {end} に終了しました。これ以降のチェックは採点されません。"
            "結果は `mcredlab exam finish` で確認できます。"))


class NoSuchCriterion(LabError):
    def __init__(self, task: str, criterion: str, known: Sequence[str]) -> None:
        names = ", ".join(known)
        super().__init__(Text(en=f"{task} has no criterion {criterion}: its criteria are {names}.",
                              ja=f"{task} に {criterion} という判定項目はありません。判定項目は {names} です。"))


# -- the exam on a target ----------------------------------------------------------------------


@dataclass
class TaskResult:
    """Where one task stands: its state, points, checks, hints and time used."""

    task: Task
    state: str
    """``locked``, ``unchecked``, ``failed`` or ``passed`` (by its newest check within the exam)."""
    points: float
    hints: list[str]
    checks: int
    seconds_used: float | None
    """From when the task opened (the exam's start, or its unlock) to its first passing check."""
    criteria: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self, lang: Lang = "en") -> dict[str, Any]:
        lab = get_lab(self.task.lab)
        return {**self.task.to_dict(), "title": lab.title(lang), "state": self.state, "passed": self.state == "passed",
                "points": self.points, "hints": len(self.hints), "hints_opened": self.hints, "checks": self.checks,
                "seconds_used": self.seconds_used, "criteria": self.criteria}


@dataclass
class ExamSession:
    """The learner's exam on one target: start, check, hints, status and finish, all kept in the store."""

    target: Target
    store: Store = field(default_factory=Store)
    lang: Lang = "en"
    _panel: Any = field(default=None, init=False, repr=False, compare=False)

    def panel(self) -> Any:
        """The exam's screen (task list, diagram, clock, Check, hints, Finish). One per session."""
        if self._panel is None:
            from mcredlab.widgets.exam_panel import ExamPanel

            self._panel = ExamPanel(self)
        return self._panel

    # -- state -----------------------------------------------------------------------------------

    def current(self) -> ExamRecord:
        """The newest exam on this target (finished or not). Raises :class:`NoExam`."""
        record = self.store.newest_exam(self.target.key)
        if record is None:
            raise NoExam()
        return record

    def tasks(self, record: ExamRecord | None = None) -> list[Task]:
        record = record or self.current()
        return [Task(t["id"], t["lab"], t.get("after")) for t in record.tasks]

    def task(self, name: str, record: ExamRecord | None = None) -> Task:
        """A task by its id (``task-2``), its number (``2``) or its lab's id."""
        record = record or self.current()
        for task in self.tasks(record):
            if name in (task.id, task.lab, task.id.removeprefix("task-")):
                return task
        raise UnknownTask(name, record)

    def ended_at(self, record: ExamRecord, now: float | None = None) -> float | None:
        """When the exam ended (Finish, or the deadline once passed), or ``None`` while it runs."""
        now = time.time() if now is None else now
        if record.finished_at is not None:
            return float(record.finished_at)
        return record.deadline if now >= record.deadline else None

    def _lab(self, task: Task) -> LabSession:
        return LabSession(get_lab(task.lab), self.target, self.store, self.lang)

    # -- actions ---------------------------------------------------------------------------------

    def start(self, name: str, *, tasks: int | None = None, seed: int | None = None, minutes: float | None = None,
              new: bool = False) -> ExamRecord:
        """Draw the exam, set up every task that is not chained (from a clean slate) and start the clock."""
        spec = EXAMS.get(name)
        if spec is None:
            raise UnknownExam(name)
        running = self.store.newest_exam(self.target.key)
        if running is not None and self.ended_at(running) is None:
            if not new:
                raise ExamUnderWay(running)
            self.finish()
        seed = secrets.randbelow(10**6) if seed is None else seed
        drawn = draw(spec, tasks=tasks, seed=seed)
        for task in drawn:  # the exam starts from a clean slate: no practice work carries over
            self._lab(task).reset()
        for task in drawn:
            if task.after is None:
                self._lab(task).setup()
        started = time.time()
        exam_id = f"{spec.id}-{seed}-{int(started)}-{secrets.token_hex(2)}"  # unique even for one seed twice a second
        record = ExamRecord(id=exam_id, exam=spec.id, target=self.target.key, seed=seed,
                            tasks=[t.to_dict() for t in drawn], started_at=started,
                            deadline=started + 60 * (spec.minutes if minutes is None else minutes))
        self.store.save_exam(record)
        return record

    def check(self, name: str) -> Report:
        """Check one task; a pass opens the tasks chained after it, set up on the learner's result."""
        record = self.current()
        if self.ended_at(record) is not None:
            raise ExamOver(record)
        task = self.task(name, record)
        if self.state_of(task, record) == "locked":
            raise TaskLocked(task.id, str(task.after))
        report = self._lab(task).check()
        self.store.add_exam_event(record.id, task.id, "check", passed=report.passed,
                                  detail={"criteria": {r.id: r.state for r in report.results}},
                                  at=report.checked_at)
        if report.passed:
            for later in self.tasks(record):
                if later.after == task.id and self.state_of(later, record) == "locked":
                    self._unlock(record, task, later)
        return report

    def _unlock(self, record: ExamRecord, done: Task, later: Task) -> None:
        session, previous = self._lab(later), self._lab(done).context
        lab = session.lab
        context = session._run(Text(en=f"set up {lab.id} on your {done.lab}", ja=f"{done.lab} の結果をもとにした {lab.id} の準備"),
                               lab.provision_after, self.target.aws(), previous)
        self.store.save_attempt(lab.id, self.target.key, self.target.region, context)
        self.store.add_exam_event(record.id, later.id, "unlock", detail={"after": done.id})

    def solve(self, name: str) -> Report:
        """Apply a task's reference solution and check it (for automated tests and demonstrations)."""
        task = self.task(name)
        lab_session = self._lab(task)
        lab_session._run(Text(en=f"apply the solution of {task.lab}", ja=f"ラボ {task.lab} の模範解答の適用"),
                         lab_session.lab.solve, self.target.aws(), lab_session.context)
        return self.check(task.id)

    def hint(self, name: str, criterion: str) -> Text:
        """The hint of one criterion of a task; in the exam, opening it costs :data:`HINT_COST` (once)."""
        record = self.current()
        task = self.task(name, record)
        lab = get_lab(task.lab)
        found = next((c for c in lab.criteria if c.id == criterion), None)
        if found is None:
            raise NoSuchCriterion(task.id, criterion, [c.id for c in lab.criteria])
        if self.ended_at(record) is None:
            self.store.add_exam_event(record.id, task.id, "hint", detail={"criterion": criterion})
        attempt = self._lab(task).attempt
        if attempt is None:
            return found.hint
        values = KeepMissing(attempt.context)
        return Text(en=found.hint.en.format_map(values), ja=found.hint.ja.format_map(values))

    # -- results ---------------------------------------------------------------------------------

    def _events(self, record: ExamRecord, until: float | None) -> list[ExamEvent]:
        return [e for e in self.store.exam_events(record.id) if until is None or e.at <= until]

    def state_of(self, task: Task, record: ExamRecord) -> str:
        return self.result_of(task, record, self._events(record, self.ended_at(record))).state

    def result_of(self, task: Task, record: ExamRecord, events: list[ExamEvent]) -> TaskResult:
        mine = [e for e in events if e.task == task.id]
        unlocked = [e for e in mine if e.kind == "unlock"]
        if task.after is not None and not unlocked:
            return TaskResult(task, "locked", 0.0, [], 0, None)
        opened_at = unlocked[0].at if unlocked else record.started_at
        checks = [e for e in mine if e.kind == "check"]
        hints = sorted({str(e.detail.get("criterion")) for e in mine if e.kind == "hint"})
        if not checks:
            return TaskResult(task, "unchecked", 0.0, hints, 0, None)
        newest = checks[-1]
        first_pass = next((e for e in checks if e.passed), None)
        state = "passed" if newest.passed else "failed"
        points = max(0.0, 1.0 - HINT_COST * len(hints)) if state == "passed" else 0.0
        criteria = [{"id": cid, "state": st} for cid, st in dict(newest.detail.get("criteria") or {}).items()]
        used = round(first_pass.at - opened_at, 1) if first_pass else None
        return TaskResult(task, state, points, hints, len(checks), used, criteria)

    def status(self) -> dict[str, Any]:
        """The exam as it stands: each task's state and the time left (seconds; 0 once over)."""
        record = self.current()
        ended = self.ended_at(record)
        events = self._events(record, ended)
        results = [self.result_of(task, record, events) for task in self.tasks(record)]
        return {"id": record.id, "exam": record.exam, "title": _title(record.exam)(self.lang),
                "seed": record.seed, "started_at": record.started_at, "deadline": record.deadline,
                "seconds_left": 0 if ended is not None else max(0, round(record.deadline - time.time())),
                "over": ended is not None, "tasks": [r.to_dict(self.lang) for r in results]}

    def finish(self) -> dict[str, Any]:
        """End the exam and return its attempt record: score, total, passed, pass mark, and per task its points,
        criteria, hints and time used. While the exam runs, every open task is checked once more first (the final
        state counts); after the deadline, only checks made before it count. The record is kept: finishing again
        returns the same one."""
        record = self.current()
        if record.result is not None:
            return record.result
        if self.ended_at(record) is None:
            for task in self.tasks(record):
                if self.state_of(task, record) != "locked":
                    self.check(task.id)
        ended = min(time.time(), record.deadline)
        events = self._events(record, ended)
        results = [self.result_of(task, record, events) for task in self.tasks(record)]
        score, total = round(sum(r.points for r in results), 2), len(results)
        result = {"exam_id": record.id, "exam": record.exam, "title": _title(record.exam).to_dict(),
                  "learner": self.store.learner, "seed": record.seed, "started_at": record.started_at,
                  "finished_at": ended, "score": score, "total": total, "pass_mark": round(PASS_MARK * total, 2),
                  "passed": score >= PASS_MARK * total - 1e-9, "hint_cost": HINT_COST,
                  "tasks": [r.to_dict(self.lang) for r in results]}
        self.store.finish_exam(record.id, ended, result)
        return self.current().result or result


def open_exam(name: str = "sample", *, tasks: int | None = None, seed: int | None = None,
              minutes: float | None = None, lang: str = "en", target: str | None = None) -> ExamSession:
    """Open an exam in a notebook: resume the one under way on the target, or start ``name``.

    >>> exam = open_exam("sample", lang="ja")   # doctest: +SKIP
    >>> exam.panel()                             # doctest: +SKIP
    """
    in_notebook = install_error_display(check_lang(lang))
    try:
        session = ExamSession(resolve(target, start_emulator=True), lang=check_lang(lang))
        os.environ.update(session.target.environ())  # the learner's own boto3 and aws calls reach the same account
        running = session.store.newest_exam(session.target.key)
        if running is None or session.ended_at(running) is not None:
            session.start(name, tasks=tasks, seed=seed, minutes=minutes)
    except LabError as error:
        if not in_notebook:
            raise
        show_lab_error(error)
        return UnavailableLab(error)  # type: ignore[return-value]
    return session
