"""Starting, finding and stopping the local cloud's background process."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from glueline.cloud import process_groups
from glueline.cloud.persistence import IncompatibleState, StateStore
from glueline.cloud.settings import BIND_ADDRESS, LOCAL_ACCOUNT_ID, CloudSettings

STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0


class CloudError(Exception):
    """A problem the user can act on; the message says what and where."""


@dataclass(frozen=True)
class CloudStatus:
    running: bool
    pid: int | None
    settings: CloudSettings
    #: What the health route reports (warm Spark drivers), when the cloud runs.
    health: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        state = f"running (pid {self.pid})" if self.running else "not running"
        lines = [
            f"local cloud: {state}",
            f"endpoint:    {self.settings.endpoint_url}",
            f"log:         {self.settings.log_file}",
            f"state:       {self.settings.state_dir}",
        ]
        lines.append(f"saved state: {self._saved_state()}")
        warm = self.health.get("warm_drivers")
        if warm:
            lines.append(
                f"warm Spark drivers: {warm['ready']} ready, {warm['warming']} warming up "
                f"(of {warm['size']})"
            )
        return "\n".join(lines)

    def _saved_state(self) -> str:
        if self.running and self.health.get("ephemeral"):
            return "none: this cloud runs --ephemeral, its state is in memory only"
        stored = StateStore(self.settings.saved_state_dir).stored()
        where = self.settings.saved_state_dir
        return f"{stored.describe()} ({where})" if stored else f"none yet ({where})"


def status(settings: CloudSettings) -> CloudStatus:
    pid = _recorded_pid(settings)
    health = health_of(settings) if pid is not None and _alive(pid) else None
    running = health is not None
    return CloudStatus(
        running=running, pid=pid if running else None, settings=settings, health=health or {}
    )


def start(settings: CloudSettings) -> CloudStatus:
    """Start the cloud in the background and return once its endpoint answers."""
    current = status(settings)
    if current.running:
        return current
    process_groups.sweep(settings.state_dir)
    if _port_in_use(settings.port):
        raise CloudError(
            f"port {settings.port} is already in use by another process, so the local cloud "
            f"cannot listen on {settings.endpoint_url}. Stop that process (a LocalStack "
            "container, or a glueline cloud started from another directory), or set "
            "GLUELINE_PORT to another port."
        )
    if not settings.ephemeral:
        try:
            StateStore(settings.saved_state_dir).check()
        except IncompatibleState as exc:
            raise CloudError(str(exc)) from exc
    settings.make_state_dir()
    env = {**os.environ, "MOTO_ACCOUNT_ID": LOCAL_ACCOUNT_ID}
    ephemeral = ["--ephemeral"] if settings.ephemeral else []
    with settings.log_file.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "glueline.cloud.server",
                "--port",
                str(settings.port),
                "--state-dir",
                str(settings.state_dir),
                *ephemeral,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    settings.pid_file.write_text(str(process.pid))
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            settings.pid_file.unlink(missing_ok=True)
            raise CloudError(
                f"the local cloud exited with code {process.returncode} while starting; "
                f"last lines of {settings.log_file}:\n{_tail(settings)}"
            )
        if endpoint_answers(settings):
            return CloudStatus(running=True, pid=process.pid, settings=settings)
        time.sleep(0.1)
    _terminate(process.pid)
    settings.pid_file.unlink(missing_ok=True)
    raise CloudError(
        f"the local cloud did not answer on {settings.endpoint_url} within "
        f"{STARTUP_TIMEOUT_SECONDS:.0f} s; see {settings.log_file}"
    )


def stop(settings: CloudSettings) -> bool:
    """Stop the recorded process and everything it started; False if none was running.

    The cloud ends its own children when asked to stop (SIGTERM); whatever is left after
    that, or after a cloud that was killed, is found by its tag and killed.
    """
    pid = _recorded_pid(settings)
    settings.pid_file.unlink(missing_ok=True)
    running = pid is not None and _alive(pid)
    if running:
        _terminate(pid)
    process_groups.sweep(settings.state_dir)
    return running


def endpoint_answers(settings: CloudSettings) -> bool:
    return health_of(settings) is not None


def health_of(settings: CloudSettings) -> dict[str, Any] | None:
    """The cloud's health report, or None when nothing answers as the cloud."""
    try:
        with urllib.request.urlopen(f"{settings.endpoint_url}/_glueline/health", timeout=1) as r:
            return json.loads(r.read()) if r.status == 200 else None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _terminate(pid: int) -> None:
    """SIGTERM the server's process group (the server ends the processes it started in their
    own groups), then SIGKILL it if it has not exited in time."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _recorded_pid(settings: CloudSettings) -> int | None:
    try:
        return int(settings.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return True


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((BIND_ADDRESS, port)) == 0


def _tail(settings: CloudSettings, lines: int = 20) -> str:
    try:
        return "\n".join(settings.log_file.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
