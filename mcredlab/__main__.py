"""``python -m mcredlab``: the mcredlab command."""

from mcredlab.cli import main

main()
