"""The embedded AWS emulator: a moto server in a background process on 127.0.0.1.

It is started on demand, shared by every kernel and by the CLI through a small state file in
``MCREDLAB_HOME``, and outlives kernel restarts because it is not a child of any kernel.
"""

from mcredlab.emulator.control import DEFAULT_PORT, EmulatorInfo, ensure_running, reset, start, status, stop

__all__ = ["DEFAULT_PORT", "EmulatorInfo", "ensure_running", "reset", "start", "status", "stop"]
