"""Run a lab's criteria against a target and report each one: what was checked, expected and found."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import botocore.exceptions

from mcredlab._text import Lang, Text, clip, ja_join
from mcredlab.errors import LabError
from mcredlab.lab import Context, Criterion, Lab
from mcredlab.target import Aws, NoHttpAnswer, WriteAttempted, translate_connection_errors


State = Literal["passed", "failed", "waiting"]
"""A criterion's outcome: met, not met, or not judged because a criterion it requires is not met yet."""

WAITING = Text(en="waiting on: {roots}", ja="次の項目の達成を待っています: {roots}")


@dataclass(frozen=True)
class CriterionResult:
    """The outcome of one criterion, with its texts already filled in from the lab's context.

    A ``waiting`` result was not judged: ``waiting_on`` names the failed criteria it builds on, and
    ``found`` says so.
    """

    id: str
    state: State
    expected: Text
    looked_at: Text
    found: Text
    hint: Text
    waiting_on: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.state == "passed"

    def message(self, lang: Lang = "en") -> str:
        if self.state == "waiting":
            return self.found(lang)
        if lang == "ja":
            found = self.found.ja.rstrip("。")
            checked = ja_join(self.looked_at.ja, "を確認しました。")
            if self.passed:
                return f"{checked}「{self.expected.ja}」を満たしています（{found}）。"
            return f"{checked}条件は「{self.expected.ja}」ですが、{found}。"
        return f"Checked {self.looked_at.en}: expected {self.expected.en}; found {self.found.en}."

    def to_json(self, lang: Lang = "en") -> dict[str, Any]:
        return {"id": self.id, "state": self.state, "passed": self.passed, "waiting_on": list(self.waiting_on),
                "message": self.message(lang), "hint": self.hint(lang)}

    def to_record(self) -> dict[str, Any]:
        texts = {name: getattr(self, name).to_dict() for name in ("expected", "looked_at", "found", "hint")}
        return {"id": self.id, "state": self.state, "passed": self.passed, "waiting_on": list(self.waiting_on), **texts}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> CriterionResult:
        texts = {name: Text(**record[name]) for name in ("expected", "looked_at", "found", "hint")}
        state = record.get("state") or ("passed" if record["passed"] else "failed")
        return cls(id=record["id"], state=state, waiting_on=tuple(record.get("waiting_on", ())), **texts)


@dataclass(frozen=True)
class Report:
    """Every criterion's result for one press of Check."""

    lab_id: str
    results: tuple[CriterionResult, ...]
    checked_at: float = field(default_factory=time.time)
    lang: Lang = "en"

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed_ids(self) -> list[str]:
        """Every criterion not met: failed, or waiting on one that failed."""
        return [r.id for r in self.results if not r.passed]

    def ids(self, state: State) -> list[str]:
        return [r.id for r in self.results if r.state == state]

    def in_language(self, lang: Lang) -> Report:
        return replace(self, lang=lang)

    def to_json(self, lang: Lang | None = None) -> dict[str, Any]:
        lang = lang or self.lang
        counts = {state: len(self.ids(state)) for state in ("passed", "failed", "waiting")}
        return {"lab": self.lab_id, "passed": self.passed, "counts": counts,
                "criteria": [r.to_json(lang) for r in self.results]}

    def __str__(self) -> str:
        from mcredlab.render import report_text

        return report_text(self, self.lang)

    def _repr_html_(self) -> str:
        from mcredlab.render import report_html

        return report_html(self, self.lang)

    def __repr__(self) -> str:
        return str(self)


def _unexpected(error: botocore.exceptions.ClientError) -> Text:
    code = error.response.get("Error", {}).get("Code", "Error")
    detail = error.response.get("Error", {}).get("Message", "")
    return Text(en=f"the request failed with {code} ({detail})", ja=f"リクエストが {code} で失敗しました（“{detail}”）")


def check_one(criterion: Criterion, aws: Aws, ctx: Context) -> CriterionResult:
    """Run one criterion. A refused request is a failed criterion; an unreachable target raises."""
    try:
        finding = criterion.check(aws, ctx)
        ok, found = finding.passed, finding.found
    except botocore.exceptions.ClientError as error:
        ok, found = False, _unexpected(error)
    except (botocore.exceptions.BotoCoreError, ConnectionError, NoHttpAnswer) as error:
        learner_error = translate_connection_errors(aws.target)(error)
        if learner_error is not None:
            raise learner_error from error
        if not isinstance(error, NoHttpAnswer):
            raise
        ok, found = False, Text(en=f"{error.method} {error.url} got no answer ({error.reason})",
                                ja=f"{error.method} {error.url} に応答がありませんでした（“{error.reason}”）")
    except (LabError, WriteAttempted):
        raise
    except Exception as error:  # a state the criterion did not foresee (say, a malformed document): not a traceback
        detail = clip(f"{type(error).__name__}: {error}", 200)
        ok, found = False, Text(en=f"a state this check cannot read ({detail}); fix what it looks at and check again",
                                ja=f"このチェックが読み取れない状態です（“{detail}”）。確認対象を修正して、もう一度チェックしてください")
    return CriterionResult(
        id=criterion.id,
        state="passed" if ok else "failed",
        expected=criterion.expected.format(**ctx),
        looked_at=criterion.looked_at.format(**ctx),
        found=found,
        hint=criterion.hint.format(**ctx),
    )


def waiting(criterion: Criterion, roots: list[CriterionResult], ctx: Context) -> CriterionResult:
    """The result of a criterion not judged because the criteria ``roots`` are not met."""
    names = {"en": "; ".join(root.expected.en for root in roots),
             "ja": "、".join(f"「{root.expected.ja}」" for root in roots) if len(roots) > 1 else roots[0].expected.ja}
    return CriterionResult(
        id=criterion.id,
        state="waiting",
        expected=criterion.expected.format(**ctx),
        looked_at=criterion.looked_at.format(**ctx),
        found=Text(en=WAITING.en.format(roots=names["en"]), ja=WAITING.ja.format(roots=names["ja"])),
        hint=criterion.hint.format(**ctx),
        waiting_on=tuple(root.id for root in roots),
    )


def run_check(lab: Lab, aws: Aws, ctx: Context, *, lang: Lang = "en") -> Report:
    """Check every criterion of ``lab``. ``aws`` should be read-only: checks never change state.

    A criterion whose ``requires`` are not all met is not run: it waits on the failed criteria at the
    root of the chain, so one cause is reported once.
    """
    results: dict[str, CriterionResult] = {}
    for criterion in lab.criteria:
        roots: list[CriterionResult] = []
        for need in criterion.requires:
            result = results[need]
            if result.state == "failed":
                roots.append(result)
            elif result.state == "waiting":
                roots += [results[root] for root in result.waiting_on]
        unique = list({root.id: root for root in roots}.values())
        results[criterion.id] = waiting(criterion, unique, ctx) if unique else check_one(criterion, aws, ctx)
    return Report(lab.id, tuple(results.values()), lang=lang)
