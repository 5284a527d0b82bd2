"""Where mcredlab keeps a learner's state: ``MCREDLAB_HOME``, by default ``~/.mcredlab``."""

from __future__ import annotations

import getpass
import os
from pathlib import Path


def home() -> Path:
    """The learner's mcredlab directory, created on first use."""
    path = Path(os.environ.get("MCREDLAB_HOME") or Path.home() / ".mcredlab").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def learner() -> str:
    """The learner's name: ``MCREDLAB_LEARNER``, the JupyterHub user, or the login name."""
    for name in ("MCREDLAB_LEARNER", "JUPYTERHUB_USER"):
        if os.environ.get(name):
            return os.environ[name]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "learner"
