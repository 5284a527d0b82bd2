"""The learner's progress in sqlite: attempts (context, region, timer deadline) and check results.

One database per ``MCREDLAB_HOME``. Everything a kernel restart or a page reload would otherwise lose
lives here: the lab's context, when its timer ends, and the last report the Check button produced.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any
from pathlib import Path

from mcredlab.checking import CriterionResult, Report
from mcredlab.home import home, learner

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    learner TEXT NOT NULL,
    lab TEXT NOT NULL,
    target TEXT NOT NULL,
    region TEXT NOT NULL,
    context TEXT NOT NULL,
    started_at REAL NOT NULL,
    deadline REAL,
    PRIMARY KEY (learner, lab, target)
);
CREATE TABLE IF NOT EXISTS checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    learner TEXT NOT NULL,
    lab TEXT NOT NULL,
    target TEXT NOT NULL,
    checked_at REAL NOT NULL,
    passed INTEGER NOT NULL,
    results TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS checks_by_lab ON checks (learner, lab, target, checked_at);
CREATE TABLE IF NOT EXISTS exams (
    id TEXT PRIMARY KEY,
    learner TEXT NOT NULL,
    target TEXT NOT NULL,
    exam TEXT NOT NULL,
    seed INTEGER NOT NULL,
    tasks TEXT NOT NULL,
    started_at REAL NOT NULL,
    deadline REAL NOT NULL,
    finished_at REAL,
    result TEXT
);
CREATE TABLE IF NOT EXISTS exam_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    exam_id TEXT NOT NULL,
    task TEXT NOT NULL,
    kind TEXT NOT NULL,
    at REAL NOT NULL,
    passed INTEGER,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_exam ON exam_events (exam_id, at);
"""


@dataclass(frozen=True)
class Attempt:
    """A lab set up on one target: its context, region and timer."""

    lab: str
    target: str
    region: str
    context: dict[str, str]
    started_at: float
    deadline: float | None


@dataclass(frozen=True)
class ExamRecord:
    """One exam attempt: the tasks drawn (``{"id", "lab", "after"}``), its clock, and its result once finished."""

    id: str
    exam: str
    target: str
    seed: int
    tasks: list[dict[str, str | None]]
    started_at: float
    deadline: float
    finished_at: float | None = None
    result: dict[str, Any] | None = None


@dataclass(frozen=True)
class ExamEvent:
    """Something that happened in an exam: a ``check`` (with ``passed``), a ``hint`` opened, a task's ``unlock``."""

    task: str
    kind: str
    at: float
    passed: bool | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class LabProgress:
    """One row of a learner's progress summary."""

    lab: str
    checks: int
    passed: bool
    last_checked_at: float | None


class Store:
    """Progress of one learner (``MCREDLAB_LEARNER``, the JupyterHub user, or the login name)."""

    def __init__(self, path: Path | None = None, *, learner_name: str | None = None) -> None:
        self.path = path or home() / "progress.sqlite3"
        self.learner = learner_name or learner()
        with self._db() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def attempt(self, lab: str, target: str) -> Attempt | None:
        with self._db() as db:
            row = db.execute(
                "SELECT region, context, started_at, deadline FROM attempts WHERE learner=? AND lab=? AND target=?",
                (self.learner, lab, target),
            ).fetchone()
        if row is None:
            return None
        return Attempt(lab, target, row[0], json.loads(row[1]), row[2], row[3])

    def save_attempt(self, lab: str, target: str, region: str, context: dict[str, str]) -> Attempt:
        """Record a setup; keep the timer of an attempt already under way in the same region."""
        now = time.time()
        with self._db() as db:
            db.execute(
                """INSERT INTO attempts (learner, lab, target, region, context, started_at, deadline)
                   VALUES (?, ?, ?, ?, ?, ?, NULL)
                   ON CONFLICT (learner, lab, target) DO UPDATE SET
                     context = excluded.context,
                     started_at = CASE WHEN region = excluded.region THEN started_at ELSE excluded.started_at END,
                     deadline = CASE WHEN region = excluded.region THEN deadline ELSE NULL END,
                     region = excluded.region""",
                (self.learner, lab, target, region, json.dumps(context), now),
            )
        attempt = self.attempt(lab, target)
        assert attempt is not None
        return attempt

    def start_timer(self, lab: str, target: str, minutes: float, *, restart: bool = False) -> float:
        """Set the deadline ``minutes`` from now unless one is set; return the deadline (epoch seconds)."""
        now = time.time()
        with self._db() as db:
            if restart:  # a new attempt: earlier verdicts belong to the old one
                db.execute(
                    "UPDATE attempts SET deadline=?, started_at=? WHERE learner=? AND lab=? AND target=?",
                    (now + minutes * 60, now, self.learner, lab, target),
                )
            else:
                db.execute(
                    "UPDATE attempts SET deadline=? WHERE learner=? AND lab=? AND target=? AND deadline IS NULL",
                    (now + minutes * 60, self.learner, lab, target),
                )
        attempt = self.attempt(lab, target)
        if attempt is None or attempt.deadline is None:
            raise KeyError(f"lab {lab} has no attempt on {target}")
        return attempt.deadline

    def forget_attempt(self, lab: str, target: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM attempts WHERE learner=? AND lab=? AND target=?", (self.learner, lab, target))

    def record_check(self, target: str, report: Report) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO checks (learner, lab, target, checked_at, passed, results) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    self.learner,
                    report.lab_id,
                    target,
                    report.checked_at,
                    int(report.passed),
                    json.dumps([r.to_record() for r in report.results], ensure_ascii=False),
                ),
            )

    def last_check(self, lab: str, target: str, *, since: float = 0.0) -> Report | None:
        """The newest report of ``lab`` checked at or after ``since`` (an attempt's start), if any."""
        with self._db() as db:
            row = db.execute(
                """SELECT checked_at, results FROM checks WHERE learner=? AND lab=? AND target=? AND checked_at >= ?
                   ORDER BY checked_at DESC, id DESC LIMIT 1""",
                (self.learner, lab, target, since),
            ).fetchone()
        if row is None:
            return None
        results = tuple(CriterionResult.from_record(r) for r in json.loads(row[1]))
        return Report(lab, results, checked_at=row[0])

    def progress(self, target: str) -> list[LabProgress]:
        """Per lab: how many checks, whether any passed, and when the last one ran."""
        with self._db() as db:
            rows = db.execute(
                """SELECT lab, COUNT(*), MAX(passed), MAX(checked_at) FROM checks
                   WHERE learner=? AND target=? GROUP BY lab ORDER BY lab""",
                (self.learner, target),
            ).fetchall()
        return [LabProgress(lab, count, bool(ok), last) for lab, count, ok, last in rows]

    # -- exams -----------------------------------------------------------------------------------

    def save_exam(self, record: ExamRecord) -> None:
        with self._db() as db:
            db.execute(
                """INSERT INTO exams (id, learner, target, exam, seed, tasks, started_at, deadline)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (record.id, self.learner, record.target, record.exam, record.seed, json.dumps(record.tasks),
                 record.started_at, record.deadline),
            )

    def newest_exam(self, target: str) -> ExamRecord | None:
        """The learner's newest exam on ``target``, finished or not."""
        with self._db() as db:
            row = db.execute(
                """SELECT id, exam, target, seed, tasks, started_at, deadline, finished_at, result FROM exams
                   WHERE learner=? AND target=? ORDER BY started_at DESC, rowid DESC LIMIT 1""",
                (self.learner, target),
            ).fetchone()
        return self._exam(row)

    def exam_by_id(self, exam_id: str) -> ExamRecord | None:
        """One of the learner's exams, by its id."""
        with self._db() as db:
            row = db.execute(
                """SELECT id, exam, target, seed, tasks, started_at, deadline, finished_at, result FROM exams
                   WHERE learner=? AND id=?""", (self.learner, exam_id)).fetchone()
        return self._exam(row)

    @staticmethod
    def _exam(row: Any) -> ExamRecord | None:
        if row is None:
            return None
        return ExamRecord(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], row[7],
                          json.loads(row[8]) if row[8] else None)

    def finish_exam(self, exam_id: str, finished_at: float, result: dict[str, Any]) -> None:
        """Record the end of an exam and its result (the attempt record); an exam ends once."""
        with self._db() as db:
            db.execute("UPDATE exams SET finished_at=?, result=? WHERE id=? AND learner=? AND result IS NULL",
                       (finished_at, json.dumps(result, ensure_ascii=False), exam_id, self.learner))

    def add_exam_event(self, exam_id: str, task: str, kind: str, *, passed: bool | None = None,
                       detail: dict[str, Any] | None = None, at: float | None = None) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO exam_events (exam_id, task, kind, at, passed, detail) VALUES (?, ?, ?, ?, ?, ?)",
                (exam_id, task, kind, time.time() if at is None else at, None if passed is None else int(passed),
                 json.dumps(detail or {}, ensure_ascii=False)),
            )

    def exam_events(self, exam_id: str) -> list[ExamEvent]:
        """The events of an exam, oldest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT task, kind, at, passed, detail FROM exam_events WHERE exam_id=? ORDER BY at, id", (exam_id,)
            ).fetchall()
        return [ExamEvent(task, kind, at, None if ok is None else bool(ok), json.loads(detail))
                for task, kind, at, ok, detail in rows]
