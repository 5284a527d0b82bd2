"""What a lab is: metadata, task text, setup, criteria, a reference solution and near misses.

A task module builds one :class:`Lab` and registers its parts with decorators, so it reads top to
bottom as the task. It imports everything from :mod:`mcredlab.kit` (``mcredlab new-lab ID`` writes one)::

    from mcredlab.kit import Aws, Context, Finding, Lab, Text, failed, passed, s3

    lab = Lab(id="s3-static-website", track="serverless", services=("s3",), certs=("SAA",), minutes=15,
              title=Text(en=..., ja=...), task=Text(en=..., ja=...))

    @lab.setup
    def setup(aws: Aws) -> Context: ...

    @lab.criterion("index-document", expected=Text(...), looked_at=Text(...), hint=Text(...))
    def index_document(aws: Aws, ctx: Context) -> Finding: ...

    @lab.solution
    def solve(aws: Aws, ctx: Context) -> None: ...

    @lab.near_miss("wrong-index", fails="index-document", story=Text(...))
    def wrong_index(aws: Aws, ctx: Context) -> None: ...

    @lab.alternative("aws-cli", story=Text(...))
    def with_the_cli(aws: Aws, ctx: Context) -> None: ...

    @lab.setup_after("s3-static-website")   # in an exam: start from the learner's own site (optional)
    def on_the_learners_site(aws: Aws, previous: Context) -> Context: ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from mcredlab._text import Text
from mcredlab.target import Aws

Context = dict[str, str]
"""Names of the resources a lab's setup provisioned, shown to the learner (``{"bucket": ...}``)."""

CERTIFICATIONS = ("CLF", "AIF", "SAA", "DVA", "SOA", "DEA", "MLA", "SAP", "DOP", "ANS", "SCS", "MLS")
"""The AWS Certification exam codes a lab may serve (``Lab.certs``)."""

TAG_KEY = "mcredlab:lab"
"""Tag that marks what a lab created; reset deletes only what carries it (or the lab's own names)."""


@dataclass(frozen=True)
class Finding:
    """What a criterion found, and whether that meets it."""

    passed: bool
    found: Text


def passed(en: str, ja: str | None = None) -> Finding:
    """A finding that meets the criterion; ``ja`` defaults to ``en`` (for names and values)."""
    return Finding(True, Text(en=en, ja=ja if ja is not None else en))


def failed(en: str, ja: str | None = None) -> Finding:
    """A finding that does not meet the criterion; ``ja`` defaults to ``en``."""
    return Finding(False, Text(en=en, ja=ja if ja is not None else en))


CheckFn = Callable[[Aws, Context], Finding]
ActFn = Callable[[Aws, Context], None]
SetupFn = Callable[[Aws], Context]
ChainedSetupFn = Callable[[Aws, Context], Context]
F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Criterion:
    """One requirement of the task. Texts may use ``{context}`` placeholders."""

    id: str
    expected: Text
    looked_at: Text
    hint: Text
    check: CheckFn
    requires: tuple[str, ...] = ()
    """Ids of earlier criteria this one builds on: while one of them fails, this one waits on it."""


@dataclass(frozen=True)
class NearMiss:
    """A plausible wrong solution, applied to fresh state; the criteria in ``fails`` must reject it."""

    id: str
    fails: tuple[str, ...]
    story: Text
    apply: ActFn


@dataclass(frozen=True)
class Alternative:
    """Another valid way to reach the goal (AWS CLI, OpenAPI import, console defaults); it must pass."""

    id: str
    story: Text
    apply: ActFn


@dataclass
class Lab:
    """One hands-on task. Build it at module level in ``mcredlab/labs/<id>.py``."""

    id: str
    track: str
    services: tuple[str, ...]
    certs: tuple[str, ...]
    minutes: int
    title: Text
    task: Text
    flows: tuple[tuple[str, str], ...] = ()
    """The lab's part of its track's architecture diagram: ``(from, to)`` pairs of services (``Lab.services``
    keys such as ``"apigateway"``) or actors (``"user"``), drawn as arrows (see :mod:`mcredlab.diagrams`)."""
    criteria: list[Criterion] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)
    _setup: SetupFn | None = None
    _chained_setup: tuple[str, ChainedSetupFn] | None = None
    _solution: ActFn | None = None
    _teardown: ActFn | None = None

    # -- registration decorators ---------------------------------------------------------------

    def setup(self, fn: SetupFn) -> SetupFn:
        """Provision the prerequisites (idempotently) and return their names."""
        self._setup = fn
        return fn

    def setup_after(self, lab_id: str) -> Callable[[ChainedSetupFn], ChainedSetupFn]:
        """Chain this lab after ``lab_id``: in an exam it starts from the learner's own result of that lab.

        The function gets the other lab's context and returns this lab's, built on what the learner made there
        (instead of the copy ``@lab.setup`` would provision). The exam keeps this task locked until that one passes.
        """

        def register(fn: ChainedSetupFn) -> ChainedSetupFn:
            self._chained_setup = (lab_id, fn)
            return fn

        return register

    def solution(self, fn: ActFn) -> ActFn:
        """The reference solution."""
        self._solution = fn
        return fn

    def teardown(self, fn: ActFn) -> ActFn:
        """Delete what the lab created (tagged, or named by the lab), and nothing else."""
        self._teardown = fn
        return fn

    def criterion(
        self, id: str, *, expected: Text, looked_at: Text, hint: Text, requires: str | tuple[str, ...] = ()
    ) -> Callable[[CheckFn], CheckFn]:
        """Register a check. ``requires`` names earlier criteria it builds on (reported as waiting on them)."""
        needs = (requires,) if isinstance(requires, str) else tuple(requires)

        def register(fn: CheckFn) -> CheckFn:
            if any(c.id == id for c in self.criteria):
                raise ValueError(f"lab {self.id} has two criteria called {id!r}")
            known = {c.id for c in self.criteria}
            unknown = [need for need in needs if need not in known]
            if unknown:
                raise ValueError(f"criterion {id!r} of lab {self.id} requires {unknown}, which are not earlier criteria")
            self.criteria.append(Criterion(id, expected, looked_at, hint, fn, needs))
            return fn

        return register

    def near_miss(self, id: str, *, fails: str | tuple[str, ...], story: Text) -> Callable[[ActFn], ActFn]:
        targets = (fails,) if isinstance(fails, str) else tuple(fails)

        def register(fn: ActFn) -> ActFn:
            self.near_misses.append(NearMiss(id, targets, story, fn))
            return fn

        return register

    def alternative(self, id: str, *, story: Text) -> Callable[[ActFn], ActFn]:
        def register(fn: ActFn) -> ActFn:
            self.alternatives.append(Alternative(id, story, fn))
            return fn

        return register

    # -- use -----------------------------------------------------------------------------------

    def provision(self, aws: Aws) -> Context:
        if self._setup is None:
            raise NotImplementedError(f"lab {self.id} has no setup")
        return self._setup(aws)

    @property
    def follows(self) -> str | None:
        """The lab this one is chained after (``@lab.setup_after``), if any."""
        return self._chained_setup[0] if self._chained_setup else None

    def provision_after(self, aws: Aws, previous: Context) -> Context:
        """This lab's context, built on the learner's result of :attr:`follows` (whose context is ``previous``)."""
        if self._chained_setup is None:
            raise NotImplementedError(f"lab {self.id} is not chained after another lab")
        return self._chained_setup[1](aws, previous)

    def solve(self, aws: Aws, ctx: Context) -> None:
        if self._solution is None:
            raise NotImplementedError(f"lab {self.id} has no reference solution")
        self._solution(aws, ctx)

    def clean(self, aws: Aws, ctx: Context) -> None:
        if self._teardown is not None:
            self._teardown(aws, ctx)

    def validate(self) -> None:
        """Raise ``ValueError`` naming what a lab definition is missing or gets wrong."""
        missing = [name for name, part in (("setup", self._setup), ("solution", self._solution)) if part is None]
        if not self.criteria:
            missing.append("criteria")
        if missing:
            raise ValueError(f"lab {self.id} has no {', '.join(missing)}")
        unknown_certs = sorted(set(self.certs) - set(CERTIFICATIONS))
        if unknown_certs:
            raise ValueError(
                f"lab {self.id} names unknown certification codes {unknown_certs}; use {', '.join(CERTIFICATIONS)}"
            )
        ids = {c.id for c in self.criteria}
        for miss in self.near_misses:
            unknown = set(miss.fails) - ids
            if unknown:
                raise ValueError(f"near miss {miss.id} of lab {self.id} targets unknown criteria {sorted(unknown)}")
