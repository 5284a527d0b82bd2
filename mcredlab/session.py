"""A lab opened on a target: setup, check, solve, reset and the timer, with progress kept in the store.

The CLI and the notebook panel both work through :class:`LabSession`, so they behave the same.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from mcredlab._text import KeepMissing, Lang, Text, check_lang
from mcredlab.checking import Report, run_check
from mcredlab.errors import (
    AwsRequestFailed,
    LabError,
    LabHasNoApi,
    LabHasNoDistribution,
    NoApiYet,
    NoDistributionYet,
    NotSetUp,
    WrongRegion,
)
from mcredlab.lab import Context, Lab
from mcredlab.labs import get_lab
from mcredlab.store import Attempt, Store
from mcredlab.target import Aws, Target, resolve, translate_connection_errors

if TYPE_CHECKING:
    from mcredlab.widgets import LabPanel


@dataclass
class LabSession:
    """One lab on one target for the current learner."""

    lab: Lab
    target: Target
    store: Store = field(default_factory=Store)
    lang: Lang = "en"
    _panel: LabPanel | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def for_lab(cls, lab_id: str, *, target: str | None = None, lang: str = "en", start_emulator: bool = True) -> LabSession:
        return cls(get_lab(lab_id), resolve(target, start_emulator=start_emulator), lang=check_lang(lang))

    def _run(self, action: Text, fn, *args):  # type: ignore[no-untyped-def]
        """Call ``fn``, turning connection and permission failures into learner-facing errors."""
        try:
            return fn(*args)
        except botocore.exceptions.ClientError as error:
            info = error.response.get("Error", {})
            raise AwsRequestFailed(action, f"{info.get('Code')}: {info.get('Message')}") from error
        except botocore.exceptions.BotoCoreError as error:
            learner_error = translate_connection_errors(self.target)(error)
            if learner_error is not None:
                raise learner_error from error
            raise

    # -- state -----------------------------------------------------------------------------------

    @property
    def attempt(self) -> Attempt | None:
        return self.store.attempt(self.lab.id, self.target.key)

    @property
    def context(self) -> Context:
        """The names setup provisioned. Raises :class:`NotSetUp` before setup."""
        attempt = self.attempt
        if attempt is None:
            raise NotSetUp(self.lab.id)
        return attempt.context

    def setup(self) -> Context:
        """Provision the prerequisites (idempotent) and remember them."""
        context = self._run(Text(en=f"set up {self.lab.id}", ja=f"ラボ {self.lab.id} の準備"), self.lab.provision, self.target.aws())
        self.store.save_attempt(self.lab.id, self.target.key, self.target.region, context)
        return dict(context)

    def start_timer(self, minutes: float | None = None, *, restart: bool = False) -> float:
        """Start the countdown unless it runs already; return the deadline (epoch seconds)."""
        if self.attempt is None:
            self.setup()
        return self.store.start_timer(self.lab.id, self.target.key, minutes or self.lab.minutes, restart=restart)

    @property
    def deadline(self) -> float | None:
        attempt = self.attempt
        return attempt.deadline if attempt else None

    # -- actions ---------------------------------------------------------------------------------

    def check(self) -> Report:
        """Check every criterion (reading only), record the result and show it in the panel, if any."""
        attempt = self.attempt
        if attempt is None:
            raise NotSetUp(self.lab.id)
        if attempt.region != self.target.region:
            raise WrongRegion(self.lab.id, attempt.region, self.target.region)
        report = run_check(self.lab, self.target.aws(read_only=True), attempt.context, lang=self.lang)
        self.store.record_check(self.target.key, report)
        if self._panel is not None:
            self._panel.show(report)
        return report

    def last_report(self) -> Report | None:
        """The newest result of the current attempt: none before its first check, or after a reset."""
        attempt = self.attempt
        if attempt is None:
            return None
        report = self.store.last_check(self.lab.id, self.target.key, since=attempt.started_at)
        return report.in_language(self.lang) if report else None

    def solve(self) -> None:
        """Apply the reference solution (sets the lab up first if needed)."""
        context = self.context if self.attempt else self.setup()
        self._run(Text(en=f"apply the solution of {self.lab.id}", ja=f"ラボ {self.lab.id} の模範解答の適用"),
                  self.lab.solve, self.target.aws(), context)

    def reset(self) -> None:
        """Delete what the lab created and forget the attempt (its timer too); keep check history."""
        attempt = self.attempt
        if attempt is not None:
            self._run(Text(en=f"reset {self.lab.id}", ja=f"ラボ {self.lab.id} のリセット"), self.lab.clean, self.target.aws(), attempt.context)
        self.store.forget_attempt(self.lab.id, self.target.key)
        if self._panel is not None:
            self._panel.render()

    # -- notebook --------------------------------------------------------------------------------

    def use_in_this_process(self) -> None:
        """Point this process's boto3 and ``aws`` CLI calls at the target, with no extra arguments."""
        os.environ.update(self.target.environ())

    def api_url(self, stage: str = "prod") -> str:
        """The invoke URL of the lab's REST API on ``stage`` (append a path such as ``/hello``).

        >>> requests.get(lab.api_url() + "/hello").json()   # doctest: +SKIP
        """
        from mcredlab.kit import apigw as apigateway

        if "apigateway" not in self.lab.services:
            raise LabHasNoApi(self.lab.id)
        context, aws = self.context, self.target.aws()
        api_id = context.get("api_id")
        if api_id is None and "api_name" not in context:
            raise LabHasNoApi(self.lab.id)
        if api_id is None:
            found = apigateway.the_api(aws, context.get("api_name", ""), stage)
            if found is None:
                raise NoApiYet(context.get("api_name", "?"))
            api_id = found.id
        return apigateway.invoke_url(aws, api_id, stage)

    def distribution_url(self, https: bool = True) -> str:
        """The URL where the lab's CloudFront distribution answers a viewer (append a path such as ``/``).

        The distribution is the one setup names by ``distribution_id``, or by ``distribution_comment`` (its
        description); ``https=False`` gives the URL an HTTP viewer opens.

        >>> requests.get(lab.distribution_url() + "/").text   # doctest: +SKIP
        """
        from mcredlab.kit import cloudfront

        if "cloudfront" not in self.lab.services:
            raise LabHasNoDistribution(self.lab.id)
        context, aws = self.context, self.target.aws()
        distribution_id, comment = context.get("distribution_id"), context.get("distribution_comment")
        if distribution_id is None and comment is None:
            raise LabHasNoDistribution(self.lab.id)
        found = (cloudfront.distribution(aws, distribution_id) if distribution_id is not None
                 else cloudfront.distribution_by_comment(aws, str(comment)))
        if found is None:
            raise NoDistributionYet(comment or str(distribution_id))
        return cloudfront.viewer_url(aws, found, https=https)

    def task(self, lang: Lang | None = None) -> str:
        """The task in ``lang`` (default: the session's), with the names setup provisioned filled in."""
        attempt = self.attempt
        return self.lab.task(lang or self.lang).format_map(KeepMissing(attempt.context if attempt else {}))

    def aws(self) -> Aws:
        """boto3 clients on the target (``session.aws().client("s3")``)."""
        return self.target.aws()

    def panel(self) -> LabPanel:
        """The lab's panel: task, language, clock, Check and result. One per session, so all views agree."""
        if self._panel is None:
            from mcredlab.widgets import LabPanel

            self._panel = LabPanel(self)
        return self._panel

    def toolbar(self) -> Any:
        """The panel's clock, Check button and one-line result, to show next to the work cells."""
        return self.panel().toolbar()

    def result(self) -> Any:
        """Check now, and show the panel's clock, Check button and whole result, live, where this is called."""
        panel = self.panel()
        panel.check()
        return panel.result_area()


def open_lab(lab_id: str, *, lang: str = "en", target: str | None = None, timer: bool = True) -> LabSession:
    """Open a lab in a notebook: reach the target, set the lab up, start its timer.

    In a notebook, a problem (emulator down, real AWS without the opt-in, ...) is shown as one sentence,
    and the lab returned says that same sentence again wherever it is used, instead of a NameError.

    >>> lab = open_lab("s3-static-website", lang="ja")   # doctest: +SKIP
    >>> lab.panel()                                       # doctest: +SKIP
    """
    from mcredlab.notebook import install_error_display, show_lab_error

    in_notebook = install_error_display(check_lang(lang))
    try:
        session = LabSession.for_lab(lab_id, target=target, lang=lang)
        session.use_in_this_process()
        session.setup()
        if timer:
            session.start_timer()
    except LabError as error:
        if not in_notebook:
            raise
        show_lab_error(error)
        return UnavailableLab(error)  # type: ignore[return-value]
    return session


class UnavailableLab:
    """Stands in for a lab that could not be opened: every use says why, as one sentence.

    Its methods show the sentence and return ``None``, so "Run All" goes on to the end without a
    NameError; ``panel()`` and ``toolbar()`` show nothing more, as ``open_lab`` has just shown the sentence.
    Other attributes (``lab.context``) raise the error, which the notebook shows as the sentence.
    """

    def __init__(self, error: LabError) -> None:
        self._error = error

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # IPython's display machinery probes these
            raise AttributeError(name)
        if not callable(getattr(LabSession, name, None)):
            raise self._error

        def says_why(*args: Any, **kwargs: Any) -> None:
            if name not in ("panel", "toolbar"):
                from mcredlab.notebook import show_lab_error

                show_lab_error(self._error)

        return says_why

    def __repr__(self) -> str:
        return f"<lab not opened: {self._error.message('en')}>"
