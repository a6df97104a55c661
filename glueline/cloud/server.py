"""The local cloud's process: moto's server with glueline's extensions, on one endpoint.

Run by ``glueline up`` as ``python -m glueline.cloud.server``; not meant to be imported by
job or Lambda code.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from glueline.cloud.settings import BIND_ADDRESS, LOCAL_ACCOUNT_ID, CloudSettings

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

log = logging.getLogger("glueline.cloud")


def build_app(settings: CloudSettings) -> WsgiApp:
    """moto's dispatcher behind glueline's own routes (health, custom-resource responses)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from glueline.cloud import extensions
    from glueline.cloud.routes import GluelineRoutes

    extensions.install(settings)
    return GluelineRoutes(DomainDispatcherApplication(create_backend_app))


def serve(settings: CloudSettings) -> None:
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    settings.work_dir.mkdir(parents=True, exist_ok=True)
    server = make_server(
        BIND_ADDRESS,
        settings.port,
        build_app(settings),
        threaded=True,
        request_handler=MotoRequestHandler,
    )

    def stop(signum: int, _frame: object) -> None:
        log.info("received signal %s, shutting down", signum)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    log.info("glueline local cloud listening on %s", settings.endpoint_url)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the glueline local cloud in the foreground")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    # moto reads the account at request time; glueline's local account is fixed.
    os.environ.setdefault("MOTO_ACCOUNT_ID", LOCAL_ACCOUNT_ID)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    serve(CloudSettings(port=args.port, state_dir=args.state_dir.resolve()))


if __name__ == "__main__":
    main()
