"""The Docker setup, started once for every test in tests/docker, as a user starts it.

``make test-docker`` first makes an engine answer and provides every image (pulled, or built as
a stand-in where no registry is reachable); these tests then start the compose stack with
testcontainers and talk to LocalStack and glueline's Glue service over HTTP on the host's
loopback ports. They use the compose project ``glueline``, so they replace a Docker setup
started with ``make up BACKEND=docker`` and stop it at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from glueline.docker_backend import compose, endpoints, engine, images

REPO = Path(__file__).resolve().parents[2]

AwsClient = Callable[[str], Any]


@pytest.fixture(scope="session")
def compose_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The compose stack, up and healthy; yields the state directory shared with the host."""
    from testcontainers.compose import DockerCompose

    if not engine.engine_answers():
        pytest.fail("no Docker engine answers: run `make test-docker`, which starts one")
    missing = [image.name for image in images.IMAGES if images.labels(image.name) is None]
    if missing:
        pytest.fail(f"images missing: {', '.join(missing)}; run `make docker-images`")
    offline = compose.runs_offline()
    state_dir = tmp_path_factory.mktemp("glueline-docker-state")
    files = [str(path) for path in compose.compose_files(REPO, offline)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COMPOSE_PROJECT_NAME", endpoints.COMPOSE_PROJECT)
        patch.setenv("GLUELINE_DOCKER_STATE_DIR", str(state_dir))
        stack = DockerCompose(REPO, compose_file_name=files, wait=True)
        stack.start()
        try:
            yield state_dir
        finally:
            stack.stop()
            compose.remove_leftovers()


@pytest.fixture(scope="session")
def aws(compose_stack: Path) -> AwsClient:
    """boto3 clients as a user on the host gets them: Glue from glueline, the rest LocalStack."""
    env = endpoints.host_client_environment()

    def client(service: str) -> Any:
        endpoint = (
            env[endpoints.GLUE_ENDPOINT_VARIABLE] if service == "glue" else env["AWS_ENDPOINT_URL"]
        )
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )

    return client
