"""The processes the local cloud starts: tagged, measured, and ended with it.

Lambda invocations and Spark drivers run in process groups of their own, so one run can be
ended as a whole. That also means they do not die with the cloud's own group, so the cloud
keeps track of them here, and every one of them carries the cloud's state directory in an
environment variable: whatever a crash left behind, ``glueline down`` and ``glueline up``
find it by that tag (:func:`sweep`) and end it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from pathlib import Path

log = logging.getLogger("glueline.processes")

#: Inherited by every process the cloud starts, and by their children.
OWNER_VARIABLE = "GLUELINE_CLOUD_STATE_DIR"
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def owner_environment(state_dir: Path) -> dict[str, str]:
    """The tag to add to a child's environment."""
    return {OWNER_VARIABLE: str(state_dir)}


def _stat_fields(pid: str) -> list[str] | None:
    """``/proc/<pid>/stat`` after the command name (which may contain spaces)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of the process group ``pgid``."""
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(entry.name)
        if fields and fields[2] == str(pgid) and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def group_rss_bytes(pgid: int) -> int:
    """Resident memory of the whole process group: what a Lambda sandbox would count."""
    total = 0
    for pid in group_members(pgid):
        fields = _stat_fields(str(pid))
        if fields:
            total += int(fields[21]) * _PAGE_SIZE
    return total


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class ProcessGroups:
    """Groups that may outlive the call that started them, ended on demand or at shutdown."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: set[int] = set()
        self._timers: dict[int, threading.Timer] = {}

    def add(self, pgid: int) -> None:
        with self._lock:
            self._groups.add(pgid)

    def end(self, pgid: int) -> None:
        """Kill the group now and forget it."""
        kill_group(pgid)
        with self._lock:
            self._groups.discard(pgid)
            timer = self._timers.pop(pgid, None)
        if timer is not None:
            timer.cancel()

    def end_later(self, pgid: int, delay: float) -> None:
        """Kill the group after ``delay`` seconds (what is left of a function's timeout)."""
        timer = threading.Timer(max(0.0, delay), self.end, args=(pgid,))
        timer.daemon = True
        with self._lock:
            self._timers[pgid] = timer
        timer.start()

    def end_all(self) -> None:
        with self._lock:
            groups = list(self._groups)
        for pgid in groups:
            self.end(pgid)


def sweep(state_dir: Path) -> list[int]:
    """Kill every process tagged with ``state_dir`` (see :data:`OWNER_VARIABLE`); return
    their pids. Only the user's own processes can be read, so nothing else is touched."""
    tag = f"{OWNER_VARIABLE}={state_dir}".encode()
    killed = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as environ:
                variables = environ.read().split(b"\0")
        except OSError:
            continue
        if tag in variables:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(int(entry.name))
    if killed:
        log.warning("ended %d leftover process(es) of the cloud in %s", len(killed), state_dir)
    return killed
