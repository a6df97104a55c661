"""Glue's ``--additional-python-modules``: PyPI packages installed for a run, cached.

AWS Glue installs the comma-separated list (``pkg``, ``pkg==1.2``, ``pkg>=1``) with pip
before the script runs, passing ``--python-modules-installer-option`` to pip. Here the kit's
own Python's pip installs them with ``--target`` into a directory under the local cloud's
work folder, one per (modules, options, Python version), which later runs reuse. A run puts
that directory first on its ``PYTHONPATH``.

An install happens under a temporary name and is renamed into place, with a lock per
directory, so concurrent runs asking for the same modules install them once and never see a
half-installed directory. A failed install leaves nothing behind, so the next run retries.

The parsing, the key and pip's command line are pure functions; :class:`ModuleCache` is the
thin part that runs pip.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MODULES_ARGUMENT = "--additional-python-modules"
INSTALLER_OPTION_ARGUMENT = "--python-modules-installer-option"
#: How long one install may take before the run fails.
INSTALL_TIMEOUT_SECONDS = 600.0
#: A requirement pip accepts from a list: a name, optional extras, optional version
#: constraints (no commas: Glue splits the list on them) and an optional marker.
_REQUIREMENT = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"  # name
    r"(?:\[[A-Za-z0-9._, -]*\])?"  # extras
    r"\s*(?:(?:===|==|!=|~=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+)?"  # one version constraint
    r"\s*(?:;.*)?$"  # environment marker
)
#: Top-level entries pip writes next to the packages, which are not importable names.
_NOT_MODULES = {"bin", "__pycache__"}


class ModuleSpecError(ValueError):
    """The ``--additional-python-modules`` value cannot be installed as given."""


@dataclass(frozen=True)
class ModuleRequest:
    """What a run asks pip for: the requirements and pip's extra options."""

    modules: tuple[str, ...]
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Installed:
    """A directory holding a request's modules, and whether an earlier run installed it."""

    directory: Path
    reused: bool
    #: pip's output when this run installed them ("" when reused).
    output: str = ""


class InstallError(Exception):
    """pip could not install the modules; the message names them and pip's error."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        #: Everything pip said, for the run's error log.
        self.output = output


def parse_modules(value: str) -> tuple[str, ...]:
    """The requirements of a comma-separated ``--additional-python-modules`` value.

    Blanks are ignored. S3 locations (wheels kept in S3) are refused with the way round
    them, as is anything pip would not read as one requirement.
    """
    modules = []
    for entry in value.split(","):
        module = entry.strip()
        if not module:
            continue
        if module.startswith(("s3://", "s3a://")):
            raise ModuleSpecError(
                f"{MODULES_ARGUMENT} names {module}: wheels in S3 are not installed by the "
                "local cloud; name the package on PyPI (pkg==version) instead"
            )
        if not _REQUIREMENT.match(module):
            raise ModuleSpecError(
                f"{MODULES_ARGUMENT} names {module!r}, which is not a requirement pip reads "
                "(pkg, pkg==1.2, pkg>=1)"
            )
        modules.append(module)
    return tuple(modules)


def parse_installer_options(value: str) -> tuple[str, ...]:
    """pip options from ``--python-modules-installer-option``, split as a shell would."""
    try:
        return tuple(shlex.split(value))
    except ValueError as exc:
        raise ModuleSpecError(f"{INSTALLER_OPTION_ARGUMENT} {value!r}: {exc}") from exc


def request_of(arguments: Mapping[str, str]) -> ModuleRequest | None:
    """The run's module request from its merged arguments, or None when it asks for none."""
    modules = parse_modules(arguments.get(MODULES_ARGUMENT, ""))
    if not modules:
        return None
    return ModuleRequest(
        modules, parse_installer_options(arguments.get(INSTALLER_OPTION_ARGUMENT, ""))
    )


def cache_key(request: ModuleRequest, python_version: str) -> str:
    """The name of the directory holding ``request``'s modules for one Python version.

    The modules' order matters to pip only for conflicting pins, so it is kept as given.
    """
    payload = json.dumps(
        {"modules": request.modules, "options": request.options, "python": python_version}
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def pip_command(python: str, target: Path, request: ModuleRequest) -> list[str]:
    """The pip command that installs ``request`` into ``target``; the run's options follow
    the kit's own, so they can change them."""
    return [
        python,
        "-m",
        "pip",
        "install",
        "--target",
        str(target),
        "--no-input",
        "--disable-pip-version-check",
        *request.options,
        *request.modules,
    ]


def install_failure(request: ModuleRequest, output: str) -> str:
    """The run's ErrorMessage: the modules and pip's last error line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    reason = errors[-1] if errors else (lines[-1] if lines else "pip gave no output")
    return f"{MODULES_ARGUMENT} could not be installed: {', '.join(request.modules)}. pip: {reason}"


def top_level_names(entries: Sequence[str]) -> tuple[str, ...]:
    """The importable names among the entries of an install directory."""
    names = set()
    for entry in entries:
        if entry in _NOT_MODULES or entry.endswith((".dist-info", ".egg-info", ".data", ".pth")):
            continue
        if "." in entry and not entry.endswith((".py", ".so", ".pyd")):
            continue
        names.add(entry.split(".", 1)[0])
    return tuple(sorted(names))


def shadowed(directory: Path, importable: Callable[[str], bool]) -> tuple[str, ...]:
    """The names ``directory`` installs that the kit's Python can already import.

    A driver started ahead of its run may have imported them already, so the run's own
    versions would not take effect there.
    """
    return tuple(name for name in top_level_names(os.listdir(directory)) if importable(name))


def python_version() -> str:
    """The kit's Python, as the cache distinguishes it (modules built for another one may
    not import)."""
    return f"{sys.implementation.name}-{sys.version_info.major}.{sys.version_info.minor}"


class ModuleCache:
    """Installs module requests into ``folder``, once per key."""

    def __init__(
        self,
        folder: Path,
        environment: Mapping[str, str] | None = None,
        python: str = sys.executable,
        timeout: float = INSTALL_TIMEOUT_SECONDS,
    ) -> None:
        self._folder = folder
        self._environment = dict(os.environ if environment is None else environment)
        self._python = python
        self._timeout = timeout

    def ensure(self, request: ModuleRequest) -> Installed:
        """The directory with ``request``'s modules, installing them unless a run did.

        Raises :class:`InstallError` when pip fails.
        """
        self._folder.mkdir(parents=True, exist_ok=True)
        key = cache_key(request, python_version())
        directory = self._folder / key
        with self._locked(key):
            if directory.is_dir():
                return Installed(directory, reused=True)
            staging = self._folder / f".{key}.{uuid.uuid4().hex}"
            try:
                output = self._pip(request, staging)
                os.rename(staging, directory)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        return Installed(directory, reused=False, output=output)

    def _pip(self, request: ModuleRequest, staging: Path) -> str:
        command = pip_command(self._python, staging, request)
        try:
            done = subprocess.run(
                command,
                env=self._environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=self._timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            output = (exc.stdout or b"").decode(errors="replace")
            raise InstallError(
                install_failure(request, f"{output}\nERROR: timed out after {self._timeout:.0f} s"),
                output,
            ) from exc
        output = f"$ {shlex.join(command)}\n{done.stdout.decode(errors='replace')}"
        if done.returncode != 0:
            raise InstallError(install_failure(request, output), output)
        return output

    @contextlib.contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        """One install per key at a time, across threads and processes sharing the folder
        (each ``open`` is its own lock holder for ``flock``)."""
        with (self._folder / f".{key}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
