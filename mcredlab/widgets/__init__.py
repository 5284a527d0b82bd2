"""Notebook widgets: the lab panel (task, timer, Check button) shown by ``LabSession.panel()``."""

from mcredlab.widgets.panel import LabPanel
from mcredlab.widgets.timer import Timer

__all__ = ["LabPanel", "Timer"]
