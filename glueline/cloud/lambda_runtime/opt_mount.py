"""Lambda layers at ``/opt``, as AWS extracts them, without touching the host's ``/opt``.

AWS unpacks a function's layers, in order, into ``/opt``: code finds them on ``PYTHONPATH``
and ``NODE_PATH``, and tools by path (CDK's ``BucketDeployment`` runs ``/opt/awscli/aws``).
The local function process gets a private mount namespace (``unshare``; user namespaces
make that work without root) in which the merged layer folder is bind-mounted on ``/opt``.
Where the machine cannot do that, layers stay reachable through ``PYTHONPATH`` and
``NODE_PATH`` only, and the cloud's log says so once.

Scripts in layers name the interpreter where Lambda's runtimes keep it
(``#!/var/lang/bin/python``, as in CDK's AWS CLI layer); the merged copy names the Python
that runs the local functions instead.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("glueline.lambda")

OPT = Path("/opt")
#: Where Lambda's Python runtimes keep their interpreter, as layer scripts' shebangs name it.
LAMBDA_PYTHON_PREFIX = b"#!/var/lang/bin/python"
#: Mounts the folder given as ``$0`` on /opt, then runs the function's command.
_MOUNT_THEN_RUN = 'mount --bind "$0" /opt && exec "$@"'


def namespace_prefix(opt_folder: Path) -> list[str]:
    """The command prefix that runs a command with ``opt_folder`` mounted on ``/opt``."""
    as_root = os.geteuid() == 0
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        *(() if as_root else ("--user", "--map-root-user")),
        "--",
        "sh",
        "-c",
        _MOUNT_THEN_RUN,
        str(opt_folder),
    ]


@functools.cache
def private_opt_available() -> bool:
    """Whether this machine lets a process mount its own ``/opt`` (checked once)."""
    if not OPT.is_dir() or shutil.which("unshare") is None:
        log.warning(
            "layers are not mounted at /opt: %s", "no /opt" if not OPT.is_dir() else "no unshare"
        )
        return False
    with tempfile.TemporaryDirectory() as folder:
        probe = subprocess.run(
            [*namespace_prefix(Path(folder)), "true"], capture_output=True, text=True
        )
    if probe.returncode != 0:
        log.warning(
            "layers are not mounted at /opt (the machine refuses a private mount namespace: "
            "%s); they are on PYTHONPATH and NODE_PATH only",
            probe.stderr.strip(),
        )
    return probe.returncode == 0


def merge_layers(layer_roots: Sequence[Path], target: Path) -> Path:
    """One folder with every layer's files, later layers over earlier ones, as AWS does.

    Built once per combination of layer versions (``target`` names it) and reused.
    """
    if target.is_dir():
        return target
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    for root in layer_roots:
        shutil.copytree(root, staging, dirs_exist_ok=True, symlinks=True)
    _point_shebangs_at_the_local_python(staging)
    try:
        staging.rename(target)
    except OSError:  # another invocation built it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def python_path(merged: Path, seen_as: Path) -> list[str]:
    """What AWS's Python runtimes put on ``PYTHONPATH`` for layers, as the function sees
    the merged folder (``/opt`` when mounted there)."""
    versioned = sorted(merged.glob("python/lib/python*/site-packages"))
    return [str(seen_as / path.relative_to(merged)) for path in versioned] + [
        str(seen_as / "python")
    ]


def node_path(merged: Path, seen_as: Path) -> list[str]:
    """What AWS's Node.js runtimes put on ``NODE_PATH`` for layers."""
    versioned = sorted(merged.glob("nodejs/node*/node_modules"))
    return [str(seen_as / path.relative_to(merged)) for path in versioned] + [
        str(seen_as / "nodejs" / "node_modules")
    ]


def _point_shebangs_at_the_local_python(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as file:
            if file.read(len(LAMBDA_PYTHON_PREFIX)) != LAMBDA_PYTHON_PREFIX:
                continue
        _, _, rest = path.read_bytes().partition(b"\n")
        path.write_bytes(b"#!" + sys.executable.encode() + b"\n" + rest)
