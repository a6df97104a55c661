"""Builds a pinned Go program from the Go module proxy, for machines without its release binary.

The Compose v2 CLI plugin and the container registry are Go programs whose modules the proxy
serves. ``go install module/cmd@version`` refuses modules whose ``go.mod`` carries ``replace``
or ``exclude`` directives (both do), so the module is downloaded at the pinned version and built
from its own directory, with its own ``go.mod`` and ``go.sum``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from glueline.docker_backend.errors import DockerBackendError


@dataclass(frozen=True)
class GoProgram:
    """One program of a Go module, at a pinned version."""

    module: str
    version: str
    package: str
    ldflags: str = "-s -w"


def go_command() -> str:
    """The ``go`` tool, or an error naming what to install."""
    go = shutil.which("go")
    if go is None:
        raise DockerBackendError(
            "building Go programs needs the Go toolchain (`go` on PATH), which was not found; "
            "install Go (https://go.dev/dl/) or provide the program some other way"
        )
    return go


def build(program: GoProgram, output: Path) -> Path:
    """Download ``program``'s module from the module proxy and build it to ``output``."""
    go = go_command()
    download = subprocess.run(
        [go, "mod", "download", "-json", f"{program.module}@{program.version}"],
        capture_output=True,
        text=True,
    )
    if download.returncode != 0:
        raise DockerBackendError(
            f"go mod download {program.module}@{program.version} failed: "
            f"{(download.stdout + download.stderr).strip()[-2000:]}"
        )
    source = Path(json.loads(download.stdout)["Dir"])
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [
        go,
        "build",
        "-mod=mod",
        "-trimpath",
        "-ldflags",
        program.ldflags,
        "-o",
        str(output),
        f"./{program.package}",
    ]
    built = subprocess.run(
        command,
        cwd=source,
        capture_output=True,
        text=True,
        env=_build_environment(),
    )
    if built.returncode != 0:
        raise DockerBackendError(
            f"building {program.module}/{program.package}@{program.version} failed: "
            f"{built.stderr.strip()[-2000:]}"
        )
    return output


def _build_environment() -> dict[str, str]:
    # Static binaries: they run in any image, whatever its C library.
    return {**os.environ, "CGO_ENABLED": "0"}
