"""Notebook niceties: learner-facing errors shown as one sentence, not a traceback."""

from __future__ import annotations

from typing import Any

from mcredlab.errors import LabError


def show_lab_error(error: LabError) -> None:
    """Display ``error`` in the notebook as its message in both languages, without a traceback."""
    from IPython.display import HTML, display

    lang = getattr(error, "lang", None) or "en"
    other = "ja" if lang == "en" else "en"
    display(
        HTML(
            '<div class="mcredlab-error" style="border-left:4px solid #c62828;padding:4px 8px">'
            f"⚠ {error.message(lang)}<br><small>{error.message(other)}</small></div>"
        )
    )


def _show_lab_error(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> None:
    if isinstance(value, LabError):
        show_lab_error(value)


def install_error_display() -> bool:
    """Show :class:`LabError` in this IPython kernel as its message only; whether there is such a kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((LabError,), _show_lab_error)
    return True
