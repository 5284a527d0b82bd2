"""The emulator process: moto's WSGI app, with mcredlab's extensions installed and in front of it.

Extensions are installed as their services are first used (see :mod:`mcredlab.emulator.extensions`),
so the server answers as soon as a bare moto server would.

This does what ``moto.server.main`` does (the same app, threaded server and request handler),
except that an extension may define ``wsgi(app) -> app``: a middleware that sees every request
first (apigateway_invoke answers calls to deployed REST APIs that way) and passes the rest on.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from types import FrameType
from typing import Any


def build_app() -> Any:
    """moto's WSGI app, wrapped by each extension's ``wsgi`` middleware in name order."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from mcredlab.emulator.extensions import extensions

    app: Any = DomainDispatcherApplication(create_backend_app)
    for extension in extensions():
        wrap = getattr(extension, "wsgi", None)
        if wrap is not None:
            app = wrap(app)
    return app


def _exit(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


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
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import run_simple

    from mcredlab.emulator.extensions import install_all

    install_all()
    signal.signal(signal.SIGINT, _exit)
    signal.signal(signal.SIGTERM, _exit)
    run_simple(args.host, args.port, build_app(), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
