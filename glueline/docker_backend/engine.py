"""A Docker engine and the Compose v2 plugin on demand (``make docker-engine``).

Where an engine already answers (Docker Desktop, a system service, a CI runner's), nothing is
started. Otherwise, as root on a Debian-like machine, Debian's ``docker.io`` package is
installed and ``dockerd`` started in the background with its data root outside the clone, so
that built images stay cached between runs on one machine. ``--iptables=false`` because the
machines this targets may not allow the engine to manage the firewall; published ports still
work through Docker's userland proxy, and builds that need the internet use the host network.
Where an engine cannot be started, the error says what is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from glueline.docker_backend import go_tools
from glueline.docker_backend.errors import DockerBackendError

#: Where a started engine keeps images, containers and volumes: outside any clone, so that a
#: fresh clone on the same machine reuses the images built before.
DEFAULT_DATA_ROOT = Path("/var/lib/glueline-docker")
DEFAULT_LOG_FILE = Path("/var/log/glueline-dockerd.log")
DEFAULT_SOCKET = "unix:///var/run/docker.sock"
STARTUP_TIMEOUT_SECONDS = 60.0
ANSWER_TIMEOUT_SECONDS = 10.0
#: The Debian package that brings dockerd, containerd, runc and the docker CLI.
DOCKER_PACKAGE = "docker.io"
#: The Compose v2 CLI plugin, built from the Go module proxy where it is missing.
COMPOSE = go_tools.GoProgram(
    module="github.com/docker/compose/v2",
    version="v2.40.3",
    package="cmd",
    ldflags="-s -w -X github.com/docker/compose/v2/internal.Version=v2.40.3",
)
COMPOSE_PLUGIN = Path.home() / ".docker" / "cli-plugins" / "docker-compose"


@dataclass(frozen=True)
class EngineSettings:
    """How to start an engine where none answers."""

    data_root: Path = DEFAULT_DATA_ROOT
    log_file: Path = DEFAULT_LOG_FILE
    #: Empty: dockerd's own choice (overlay2 where the kernel allows it, else vfs).
    storage_driver: str = ""

    def dockerd_command(self, dockerd: str) -> list[str]:
        command = [dockerd, "--data-root", str(self.data_root), "--iptables=false"]
        if self.storage_driver:
            command += ["--storage-driver", self.storage_driver]
        return command


def engine_answers() -> bool:
    """Whether the docker CLI reaches an engine (``DOCKER_HOST`` or the default socket)."""
    if shutil.which("docker") is None:
        return False
    try:
        answered = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=ANSWER_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return False
    return answered.returncode == 0


def why_no_engine_can_start(
    euid: int, environ: dict[str, str], dockerd: str | None, apt_get: str | None
) -> str | None:
    """Why this machine cannot get an engine started by glueline, or None when it can."""
    docker_host = environ.get("DOCKER_HOST", "")
    if docker_host and docker_host != DEFAULT_SOCKET:
        return (
            f"DOCKER_HOST={docker_host} names an engine that does not answer; glueline starts "
            f"engines only on {DEFAULT_SOCKET}: start that engine, or unset DOCKER_HOST"
        )
    if euid != 0:
        return (
            f"no Docker engine answers at {DEFAULT_SOCKET}, and starting one needs root "
            f"(running as uid {euid}): start Docker yourself (Docker Desktop, "
            "`sudo systemctl start docker`), or run this as root"
        )
    if dockerd is None and apt_get is None:
        return (
            f"no Docker engine answers at {DEFAULT_SOCKET}, dockerd is not installed and there "
            f"is no apt-get to install Debian's {DOCKER_PACKAGE} package: install Docker Engine "
            "(https://docs.docker.com/engine/install/) and start it"
        )
    return None


class NoEngineHere(DockerBackendError):
    """This machine cannot get an engine: not a failure of one, a missing prerequisite."""


def why_no_engine_here() -> str | None:
    """Why no engine answers and none can be started on this machine, or None."""
    if engine_answers():
        return None
    return why_no_engine_can_start(
        os.geteuid(), dict(os.environ), shutil.which("dockerd"), shutil.which("apt-get")
    )


def ensure_engine(settings: EngineSettings, say: Callable[[str], None] = print) -> str:
    """Make an engine answer; returns how (already running, or started here)."""
    if engine_answers():
        return "a Docker engine answers"
    reason = why_no_engine_here()
    if reason:
        raise NoEngineHere(reason)
    if shutil.which("dockerd") is None:
        say(f"docker engine: installing Debian's {DOCKER_PACKAGE} (dockerd and the docker CLI)")
        install_debian_package(DOCKER_PACKAGE)
    start_dockerd(settings)
    return (
        f"started dockerd (data root {settings.data_root}, log {settings.log_file}, "
        f"storage driver {storage_driver() or 'unknown'})"
    )


def install_debian_package(package: str) -> None:
    """``apt-get install -y PACKAGE``; refreshes the package lists once if that fails, since a
    fresh machine's lists are often stale or empty."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", package]
    if subprocess.run(install, env=env, capture_output=True).returncode == 0:
        return
    subprocess.run(["apt-get", "update"], env=env, capture_output=True)
    retried = subprocess.run(install, env=env, capture_output=True, text=True)
    if retried.returncode != 0:
        raise DockerBackendError(f"`{' '.join(install)}` failed: {retried.stderr.strip()[-2000:]}")


def start_dockerd(settings: EngineSettings) -> None:
    """Start dockerd in its own session, logging to ``settings.log_file``; wait until it
    answers, or fail with the end of its log."""
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        raise DockerBackendError(f"dockerd is not on PATH after installing {DOCKER_PACKAGE}")
    settings.data_root.mkdir(parents=True, exist_ok=True)
    settings.log_file.parent.mkdir(parents=True, exist_ok=True)
    with settings.log_file.open("ab") as log:
        process = subprocess.Popen(
            settings.dockerd_command(dockerd),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if engine_answers():
            return
        if process.poll() is not None:
            break
        time.sleep(0.5)
    tail = settings.log_file.read_text(errors="replace").splitlines()[-15:]
    state = (
        f"exited with {process.returncode}"
        if process.poll() is not None
        else f"did not answer within {STARTUP_TIMEOUT_SECONDS:.0f} s"
    )
    raise DockerBackendError(
        f"dockerd {state}; the end of {settings.log_file}:\n" + "\n".join(tail)
    )


def storage_driver() -> str:
    """The running engine's storage driver (``overlay2``, ``vfs``, ...)."""
    answered = subprocess.run(
        ["docker", "info", "--format", "{{.Driver}}"], capture_output=True, text=True
    )
    return answered.stdout.strip()


def compose_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


def ensure_compose(say: Callable[[str], None] = print) -> str:
    """Make ``docker compose`` work: build the pinned plugin where it is missing."""
    if compose_answers():
        return "docker compose answers"
    say(f"docker engine: building the Compose plugin {COMPOSE.version} from the Go module proxy")
    go_tools.build(COMPOSE, COMPOSE_PLUGIN)
    if not compose_answers():
        raise DockerBackendError(
            f"docker compose still fails after installing the plugin at {COMPOSE_PLUGIN}"
        )
    return f"installed the Compose plugin {COMPOSE.version} at {COMPOSE_PLUGIN}"
