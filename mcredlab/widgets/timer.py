"""The countdown: an anywidget that counts down in the browser from the deadline kept in the store."""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

HERE = Path(__file__).parent


class Timer(anywidget.AnyWidget):  # type: ignore[misc]
    """Shows ``mm:ss`` left until ``deadline_ms`` (epoch milliseconds; 0 means no time limit).

    The browser computes the time left from the deadline, so a page reload or a kernel restart
    shows the same countdown as long as the deadline comes from the store.
    """

    _esm = HERE / "timer.js"
    _css = HERE / "timer.css"
    deadline_ms = traitlets.Int(0).tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)

    def __init__(self, deadline: float | None = None, lang: str = "en") -> None:
        super().__init__(deadline_ms=to_ms(deadline), lang=lang)


def to_ms(deadline: float | None) -> int:
    """Epoch seconds (or ``None``) to the integer milliseconds the browser counts towards."""
    return 0 if deadline is None else round(deadline * 1000)
