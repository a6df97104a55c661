"""The ``docker compose`` commands of the Docker setup, whatever the current directory.

``docker-compose.yml`` describes the setup for machines that reach the internet. Offline (no
image registry answered, so the Lambda runtime images are stand-ins built by
:mod:`glueline.docker_backend.images`), LocalStack also needs ``docker/compose.offline.yml``:
its runtime images from the local registry, its Lambda runtime init from a local file (it
downloads it from GitHub otherwise), no certificate download, and CloudFormation settings that
work without its online service catalog.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from glueline.docker_backend.endpoints import COMPOSE_PROJECT, NETWORK
from glueline.docker_backend.errors import DockerBackendError

COMPOSE_FILE = "docker-compose.yml"
OFFLINE_FILE = "docker/compose.offline.yml"
#: The host path of LocalStack's Lambda runtime init that the offline overlay mounts.
LAMBDA_INIT_VARIABLE = "GLUELINE_LAMBDA_INIT_BIN"


def runs_offline(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the setup runs offline: its Lambda runtime images are the local stand-ins.
    Offline, the Lambda runtime init must be there too; raises with the fix when it is not."""
    from glueline.docker_backend.images import lambda_runtimes_are_standins

    if not lambda_runtimes_are_standins():
        return False
    lambda_init_binary(environ)
    return True


def compose_files(project_dir: Path, offline: bool) -> list[Path]:
    files = [project_dir / COMPOSE_FILE]
    if offline:
        files.append(project_dir / OFFLINE_FILE)
    return files


def compose_command(project_dir: Path, *arguments: str, offline: bool = False) -> list[str]:
    """``docker compose`` for this project, whatever the current directory or project name."""
    command = ["docker", "compose", "--project-name", COMPOSE_PROJECT]
    for file in compose_files(project_dir, offline):
        command += ["--file", str(file)]
    return [*command, *arguments]


def up_command(project_dir: Path, offline: bool = False) -> list[str]:
    """Start the stack and return once every health check passes; the images exist already
    (``make docker-images`` pulls or builds them, glueline's own included)."""
    return compose_command(project_dir, "up", "--detach", "--wait", offline=offline)


def down_command(project_dir: Path) -> list[str]:
    """Stop and remove the containers and the network; named volumes stay. The project name
    finds the containers, so the offline overlay (and its variables) is not needed here."""
    return compose_command(project_dir, "down", "--remove-orphans")


def remove_leftovers() -> list[str]:
    """Remove what outlives ``docker compose down``: containers LocalStack started for Lambda
    functions (and job runs still going) on the setup's network, then the network itself.
    Returns the names removed."""
    listed = subprocess.run(
        ["docker", "ps", "--all", "--filter", f"network={NETWORK}", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
    )
    names = listed.stdout.split()
    if names:
        subprocess.run(["docker", "rm", "--force", *names], capture_output=True)
    subprocess.run(["docker", "network", "rm", NETWORK], capture_output=True)
    return names


def lambda_init_binary(environ: Mapping[str, str] | None = None) -> Path:
    """The local LocalStack Lambda runtime init the offline overlay mounts; raises with the
    fix when it is not configured or absent."""
    environ = os.environ if environ is None else environ
    configured = environ.get(LAMBDA_INIT_VARIABLE, "")
    if not configured:
        raise DockerBackendError(
            f"{LAMBDA_INIT_VARIABLE} is not set: with stand-in Lambda runtime images LocalStack "
            "cannot download its Lambda runtime init from GitHub and needs a local build of it "
            "(make sets it from LAMBDA_INIT_BIN)"
        )
    binary = Path(configured)
    if not binary.is_file():
        raise DockerBackendError(
            f"{LAMBDA_INIT_VARIABLE}={configured}: no such file. LocalStack's Lambda runtime "
            "init (lambda-runtime-init v0.1.41-pre, built from source) is expected there; "
            "pass its path with `make ... LAMBDA_INIT_BIN=/path/to/init-linux-amd64`"
        )
    return binary
