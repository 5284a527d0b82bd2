"""Notebook niceties: learner-facing errors shown as one sentence, not a traceback."""

from __future__ import annotations

from typing import Any

from mcredlab._text import Lang
from mcredlab.errors import LabError

_lang: Lang = "en"
"""The language the learner chose when opening a lab: errors raised in later cells are shown in it first."""


def show_lab_error(error: LabError, lang: Lang | None = None) -> None:
    """Display ``error`` in the notebook in ``lang`` (the learner's choice), the other language below it."""
    from IPython.display import HTML, display

    lang = lang or _lang
    other: Lang = "ja" if lang == "en" else "en"
    display(
        HTML(
            '<div class="mcredlab-error" style="border-left:4px solid #c62828;padding:4px 8px">'
            f"⚠ {error.message(lang)}<br><small>{error.message(other)}</small></div>"
        )
    )


def _show_lab_error(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> None:
    if isinstance(value, LabError):
        show_lab_error(value)


def prefer_language(lang: Lang) -> None:
    """Show later errors in ``lang`` first (the panel's language switch calls this)."""
    global _lang
    _lang = lang


def install_error_display(lang: Lang = "en") -> bool:
    """Show :class:`LabError` in this IPython kernel as its message only, in ``lang`` first; whether there is
    such a kernel."""
    prefer_language(lang)
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((LabError,), _show_lab_error)
    return True
