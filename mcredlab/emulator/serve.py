"""The emulator process: moto's server, with mcredlab's extensions installed first."""

from __future__ import annotations

import argparse
import os


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mcredlab.emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    os.environ["MOTO_PORT"] = str(args.port)
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    # The emulator must never sign requests with, or forward, a learner's real credentials.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"

    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the log
    from moto import server

    from mcredlab.emulator.extensions import install_all

    install_all()

    server.main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    main()
