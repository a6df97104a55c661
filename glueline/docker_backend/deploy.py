"""``make deploy BACKEND=docker``: the local stage to LocalStack, its Glue resources to glueline.

``cdklocal`` deploys the stacks to LocalStack, which skips the types its community edition
lacks and glueline provides: the Glue types, created from the deployed templates in glueline's
Glue service, and CDK's custom resources, whose handlers glueline runs in LocalStack's Lambda
(:mod:`glueline.docker_backend.custom_resources`). Anything unresolvable fails loudly. Online,
LocalStack itself fails a stack on any other type it lacks (``docker/localstack.env``); offline
it can only skip every unsupported type (``docker/compose.offline.yml``), so the deployment
fails here instead, naming what LocalStack skipped.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from glueline.cloud.settings import (
    LOCAL_ACCESS_KEY_ID,
    LOCAL_ACCOUNT_ID,
    LOCAL_REGION,
    LOCAL_SECRET_ACCESS_KEY,
)
from glueline.docker_backend.custom_resources import CUSTOM_TYPES, custom_resources, run_all
from glueline.docker_backend.endpoints import (
    GLUE_ENDPOINT_ON_HOST,
    GLUE_ENDPOINT_VARIABLE,
    LOCALSTACK_ENDPOINT_ON_HOST,
)
from glueline.docker_backend.errors import DockerBackendError
from glueline.docker_backend.provisioning import provision
from glueline.docker_backend.templates import (
    GLUE_TYPES,
    DeployedStack,
    deployed_glue_resources,
    deployed_stacks,
    exports,
)

#: The types LocalStack skips and glueline provides: its Glue service's, and CDK's custom
#: resources (docker/localstack.env lists exactly these).
PROVIDED_TYPES = (*GLUE_TYPES, *CUSTOM_TYPES)


def cdklocal_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``cdklocal``'s environment for LocalStack on ``localhost``, with path-style S3.

    cdklocal's default host, ``localhost.localstack.cloud``, needs public DNS, which offline
    machines lack; ``localhost`` with path-style bucket addressing needs none. Glue endpoint
    variables inherited from a shell pointed at the Docker setup are dropped: the CDK talks to
    LocalStack only.
    """
    env = {key: value for key, value in environ.items() if key != GLUE_ENDPOINT_VARIABLE}
    env.update(
        {
            "AWS_ENDPOINT_URL": LOCALSTACK_ENDPOINT_ON_HOST,
            "AWS_ENDPOINT_URL_S3": LOCALSTACK_ENDPOINT_ON_HOST,
            "AWS_S3_FORCE_PATH_STYLE": "1",
            "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_ACCESS_KEY,
            "AWS_REGION": LOCAL_REGION,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "CDK_DEFAULT_ACCOUNT": LOCAL_ACCOUNT_ID,
            "CDK_DEFAULT_REGION": LOCAL_REGION,
        }
    )
    return env


def cdklocal_commands(cdklocal: str) -> list[list[str]]:
    """Bootstrap (idempotent) and deploy every stack of the local config."""
    return [
        [cdklocal, "bootstrap", f"aws://{LOCAL_ACCOUNT_ID}/{LOCAL_REGION}"],
        [cdklocal, "deploy", "--all", "-c", "config=local", "--require-approval", "never"],
    ]


def deploy(project_dir: Path, say: Callable[[str], None] = print) -> dict[str, str]:
    """Deploy the local stage to LocalStack, run the custom resources it skipped, create the
    Glue resources in glueline; returns the Glue resources' logical ids and names."""
    import boto3

    from glueline.cdk_local import find_cdklocal

    env = cdklocal_environment(os.environ)
    for command in cdklocal_commands(find_cdklocal(project_dir)):
        if subprocess.run(command, cwd=project_dir, env=env).returncode != 0:
            raise DockerBackendError(f"{' '.join(command)} failed against LocalStack")
    session = boto3.session.Session(
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
        region_name=LOCAL_REGION,
    )
    cloudformation = session.client("cloudformation", endpoint_url=LOCALSTACK_ENDPOINT_ON_HOST)
    stacks = deployed_stacks(cloudformation)
    skipped = skipped_resources(stacks)
    if skipped:
        raise DockerBackendError(
            "LocalStack skipped resources it cannot create, beyond those glueline provides "
            f"({', '.join(PROVIDED_TYPES)}): {'; '.join(skipped)}"
        )
    exported = exports(cloudformation)
    to_run, notes = custom_resources(stacks, exported)
    for line in [*run_all(to_run, session, LOCALSTACK_ENDPOINT_ON_HOST), *notes]:
        say(f"custom resource {line}")
    glue = session.client("glue", endpoint_url=GLUE_ENDPOINT_ON_HOST)
    return provision(glue, deployed_glue_resources(cloudformation))


def skipped_resources(stacks: list[DeployedStack]) -> list[str]:
    """``stack/logical id (type)`` of every resource LocalStack skipped as unsupported, other
    than those glueline provides (the Glue types, CDK's custom resources)."""
    return [
        f"{stack.name}/{resource.logical_id} ({resource.resource_type})"
        for stack in stacks
        for resource in stack.resources.values()
        if resource.skipped and resource.resource_type not in PROVIDED_TYPES
    ]
