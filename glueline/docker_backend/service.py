"""glueline's Glue service inside its container (``python -m glueline.docker_backend serve``).

moto's Glue with glueline's run lifecycle, where each run is ``docker run`` of the AWS Glue
libs image on the compose network (the launcher's argv builder), its code fetched from
LocalStack's S3 and its logs and state-change events sent to LocalStack.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from glueline.cloud.glue import glue_versions, launcher
from glueline.cloud.settings import LOCAL_ACCOUNT_ID, CloudSettings
from glueline.docker_backend.endpoints import (
    GLUE_ENDPOINT_IN_NETWORK,
    GLUE_ENDPOINT_VARIABLE,
    LOCALSTACK_ENDPOINT_IN_NETWORK,
    NETWORK,
)
from glueline.docker_backend.run_hooks import LocalStackRunHooks, localstack_clients

log = logging.getLogger("glueline.docker")

#: Inside the container the service listens on every interface of the container's own
#: network namespace; compose publishes the port on the host's 127.0.0.1 only.
CONTAINER_BIND_ADDRESS = "0.0.0.0"
#: What the drivers run on: the AWS Glue libs image is Glue 5.0's runtime. The service's own
#: interpreter has no PySpark, so a job's ``GlueVersion`` is checked against this instead.
GLUE_LIBS_RUNTIME = glue_versions.LocalRuntime(
    glue_versions.GLUE_RUNTIMES["5.0"].spark, glue_versions.GLUE_RUNTIMES["5.0"].python
)


def job_command(spec: launcher.LaunchSpec) -> list[str]:
    """The ``docker run`` of one job run, as glueline's Glue service issues it.

    The launcher's builder on the compose network with LocalStack as the S3 endpoint, plus
    ``AWS_ENDPOINT_URL_GLUE`` so that the script's own ``boto3.client("glue")`` (catalog
    updates) reaches glueline instead of LocalStack, which would answer that Glue is absent.
    """
    return launcher.docker_command(
        spec,
        LOCALSTACK_ENDPOINT_IN_NETWORK,
        network=NETWORK,
        extra_environment={GLUE_ENDPOINT_VARIABLE: GLUE_ENDPOINT_IN_NETWORK},
    )


def docker_runtime(settings: CloudSettings, hooks: LocalStackRunHooks) -> dict[str, Any]:
    """Glue runs in the Glue libs image with LocalStack's S3, Logs and events: the options
    of :func:`glueline.cloud.server.build_app` that say so."""
    from glueline.cloud.glue.runs import GlueJobRunner

    return {
        "glue_runner": GlueJobRunner(
            settings,
            command_builder=job_command,
            install_python_modules=False,
            job_bookmarks=False,
            runtime=GLUE_LIBS_RUNTIME,
        ),
        "glue_hooks_for": lambda _job: hooks,
    }


def serve(port: int, state_dir: Path) -> None:
    """glueline's Glue service in the foreground (the container's entry point)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    from glueline.cloud.server import build_app

    os.environ.setdefault("MOTO_ACCOUNT_ID", LOCAL_ACCOUNT_ID)
    settings = CloudSettings(port=port, state_dir=state_dir)
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    app, shutdown = build_app(
        settings, **docker_runtime(settings, LocalStackRunHooks(localstack_clients()))
    )
    server = make_server(
        CONTAINER_BIND_ADDRESS, port, app, threaded=True, request_handler=MotoRequestHandler
    )
    log.info("glueline Glue service listening on port %s (state in %s)", port, state_dir)
    try:
        server.serve_forever()
    finally:
        shutdown()
