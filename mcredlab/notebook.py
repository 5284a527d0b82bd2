"""Notebook niceties: learner-facing errors shown as one sentence, not a traceback."""

from __future__ import annotations

from typing import Any

from mcredlab.errors import LabError


def _show_lab_error(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> None:
    from IPython.display import HTML, display

    lang = getattr(value, "lang", None) or "en"
    if isinstance(value, LabError):
        other = "ja" if lang == "en" else "en"
        display(
            HTML(
                '<div class="mcredlab-error" style="border-left:4px solid #c62828;padding:4px 8px">'
                f"⚠ {value.message(lang)}<br><small>{value.message(other)}</small></div>"
            )
        )


def install_error_display() -> None:
    """Show :class:`LabError` in this IPython kernel as its message only (both languages)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((LabError,), _show_lab_error)
