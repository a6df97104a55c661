"""The Docker backend: LocalStack for every AWS service but Glue, glueline's Glue service for
Glue, and job runs in the AWS Glue libs image (``docker-compose.yml``, docs/docker.md).

One module per job:

- :mod:`~glueline.docker_backend.endpoints`: where the services are, from the host and from
  the compose network;
- :mod:`~glueline.docker_backend.engine`: a Docker engine and the Compose plugin on demand;
- :mod:`~glueline.docker_backend.images`: every image, pulled or, without a registry, built as
  a stand-in;
- :mod:`~glueline.docker_backend.compose`: the ``docker compose`` commands;
- :mod:`~glueline.docker_backend.templates` and :mod:`~glueline.docker_backend.provisioning`:
  the stacks' Glue resources, read back from LocalStack and created in glueline's Glue;
- :mod:`~glueline.docker_backend.deploy`: ``cdklocal`` to LocalStack, then the Glue resources;
- :mod:`~glueline.docker_backend.run_hooks` and :mod:`~glueline.docker_backend.service`:
  glueline's Glue service inside its container;
- ``python -m glueline.docker_backend``: the commands ``make`` calls (:mod:`.__main__`).
"""

from glueline.docker_backend.endpoints import GLUE_ENDPOINT_ON_HOST, LOCALSTACK_PORT

__all__ = ["GLUE_ENDPOINT_ON_HOST", "LOCALSTACK_PORT"]
