"""mcredlab: hands-on AWS labs in Jupyter, with a local emulator, a timer and a Check button.

>>> import mcredlab
>>> lab = mcredlab.open_lab("s3-static-website", lang="ja")  # doctest: +SKIP
>>> lab.panel()                                              # doctest: +SKIP
"""

from mcredlab._text import Text
from mcredlab.checking import CriterionResult, Report
from mcredlab.errors import LabError
from mcredlab.exam import ExamSession, open_exam
from mcredlab.lab import Lab
from mcredlab.labs import all_labs, get_lab
from mcredlab.session import LabSession, open_lab

__version__ = "0.1.0"

__all__ = [
    "CriterionResult",
    "ExamSession",
    "Lab",
    "LabError",
    "LabSession",
    "Report",
    "Text",
    "all_labs",
    "get_lab",
    "open_exam",
    "open_lab",
]
