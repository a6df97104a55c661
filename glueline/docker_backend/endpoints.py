"""Where the Docker setup's services are, from the host and from the compose network.

LocalStack serves every AWS service but Glue; glueline's Glue service serves Glue on its own
port. These names and ports are shared by ``docker-compose.yml``, the job containers, the
host-side commands and the tests, so they live here once.
"""

from __future__ import annotations

from glueline.cloud.settings import client_environment

#: The compose project and the network job containers join, by name (docker-compose.yml).
COMPOSE_PROJECT = "glueline"
NETWORK = "glueline"
#: Ports published on the host's loopback interface.
LOCALSTACK_PORT = 4566
GLUE_PORT = 4567
#: The same services as seen from containers on the compose network.
LOCALSTACK_ENDPOINT_IN_NETWORK = f"http://localstack:{LOCALSTACK_PORT}"
GLUE_ENDPOINT_IN_NETWORK = f"http://glueline:{GLUE_PORT}"
#: The same services as seen from the host (``localhost``, as for the embedded cloud).
LOCALSTACK_ENDPOINT_ON_HOST = f"http://localhost:{LOCALSTACK_PORT}"
GLUE_ENDPOINT_ON_HOST = f"http://localhost:{GLUE_PORT}"
#: The SDKs' service-specific endpoint variable: Glue calls go here, everything else to
#: ``AWS_ENDPOINT_URL`` (LocalStack).
GLUE_ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_GLUE"
#: Where the Glue service keeps run code when GLUELINE_STATE_DIR is unset (docker-compose.yml).
DEFAULT_STATE_DIR = "/tmp/glueline-docker"


def host_client_environment() -> dict[str, str]:
    """What points SDKs and CLIs on the host at the Docker setup: Glue to glueline's service,
    everything else to LocalStack."""
    return {
        **client_environment(LOCALSTACK_ENDPOINT_ON_HOST),
        GLUE_ENDPOINT_VARIABLE: GLUE_ENDPOINT_ON_HOST,
    }
