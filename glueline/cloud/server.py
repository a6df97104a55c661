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

from glueline.cloud.autosave import AutoSaver
from glueline.cloud.glue import unfinished_runs
from glueline.cloud.memory import ReleaseAfterLargeRequests
from glueline.cloud.persistence import IncompatibleState, StateStore
from glueline.cloud.settings import BIND_ADDRESS, LOCAL_ACCOUNT_ID, CloudSettings

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

log = logging.getLogger("glueline.cloud")


def build_app(settings: CloudSettings, **glue_runtime: Any) -> tuple[WsgiApp, Callable[[], None]]:
    """moto's dispatcher behind glueline's own routes (health, custom-resource responses),
    everything behind the request guard that keeps browsers' foreign pages out; and the
    function that ends the work the extensions started.

    ``glue_runtime`` (``glue_runner``, ``glue_hooks_for``) replaces how job runs execute,
    for the Docker setup (see :func:`glueline.cloud.extensions.install`).
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    from glueline.cloud import extensions
    from glueline.cloud.request_guard import GuardSettings, RequestGuard
    from glueline.cloud.routes import GluelineRoutes

    cloud = extensions.install(settings, **glue_runtime)

    def status() -> dict[str, Any]:
        return {**cloud.status(), "ephemeral": settings.ephemeral}

    routes = GluelineRoutes(DomainDispatcherApplication(create_service_app), status)
    return RequestGuard(routes, GuardSettings.from_environment(os.environ)), cloud.shutdown


def create_service_app(service: Any) -> Any:
    """moto's app for one service, out of Flask's debug mode, where every request without a
    form gets a class of its own that holds the request, body included, after it ended (a
    500 MB upload kept 300 MiB more at its peak). Exceptions still propagate to the server's
    log, as in debug mode."""
    from moto.moto_server.werkzeug_app import create_backend_app

    app = create_backend_app(service)
    app.debug = False
    app.config["PROPAGATE_EXCEPTIONS"] = True
    return app


def serve(settings: CloudSettings) -> None:
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    settings.make_state_dir()
    settings.work_dir.mkdir(exist_ok=True)
    app, shutdown = build_app(settings)
    saver = None if settings.ephemeral else _restore(settings)
    if saver is not None:
        app = saver.middleware(app)
        saver.start()
    app = ReleaseAfterLargeRequests(app)
    server = make_server(
        BIND_ADDRESS,
        settings.port,
        app,
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
        shutdown()
        if saver is not None:
            saver.stop(settled=lambda: not unfinished_runs.progress())
            log.info("state saved in %s", settings.saved_state_dir)
        log.info("stopped")


def _restore(settings: CloudSettings) -> AutoSaver:
    """Load the saved state, end the runs the previous cloud left unfinished, and return
    what keeps saving it; exits with the reason if the saved state cannot be loaded."""
    from glueline.cloud.glue.moto_integration import moto_hooks_for

    store = StateStore(settings.saved_state_dir)
    try:
        loaded = store.load()
    except IncompatibleState as exc:
        log.error("%s", exc)
        raise SystemExit(2) from exc
    if loaded is None:
        log.info("no saved state in %s: starting empty", settings.saved_state_dir)
    else:
        log.info("loaded the saved state: %s", loaded.describe())
    for run in unfinished_runs.end_unfinished_runs(
        lambda job, run: moto_hooks_for(job).state_changed(run)
    ):
        log.info(
            "job run %s of %s ended %s: %s",
            run.job_run_id,
            run.job_name,
            run.state,
            run.error_message or "stopped before the cloud did",
        )
    return AutoSaver(store, progress=unfinished_runs.progress)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the glueline local cloud in the foreground")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument(
        "--ephemeral", action="store_true", help="keep AWS state in memory only (not saved)"
    )
    args = parser.parse_args(argv)
    # moto reads the account at request time; glueline's local account is fixed.
    os.environ.setdefault("MOTO_ACCOUNT_ID", LOCAL_ACCOUNT_ID)
    # AWS managed policies (AmazonS3FullAccess, AWSLambdaBasicExecutionRole...) exist in AWS.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    state_dir = args.state_dir.resolve()
    serve(CloudSettings(port=args.port, state_dir=state_dir, ephemeral=args.ephemeral))


if __name__ == "__main__":
    main()
