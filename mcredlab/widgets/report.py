"""The check result as an anywidget: redrawn in place, keeping the hints a learner opened open."""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

HERE = Path(__file__).parent


class ReportView(anywidget.AnyWidget):  # type: ignore[misc]
    """Shows ``html`` (a rendered report or a note); hints opened in a view stay open across updates."""

    _esm = HERE / "report.js"
    html = traitlets.Unicode("").tag(sync=True)

    @property
    def value(self) -> str:
        """The HTML shown (as ``ipywidgets.HTML.value``)."""
        return str(self.html)
