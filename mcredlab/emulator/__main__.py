"""``python -m mcredlab.emulator --port N``: serve the emulator in the foreground."""

from mcredlab.emulator.serve import main

main()
