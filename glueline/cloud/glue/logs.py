"""Puts a run's driver output into CloudWatch Logs where AWS Glue puts it.

Glue writes the driver's stdout to ``/aws-glue/jobs/output`` and its stderr to
``/aws-glue/jobs/error``, one stream per run named by the run id, while the run goes
(continuous logging); scripts, tests and the console look there, so the local runtime does
the same through moto's logs backend.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

OUTPUT_GROUP = "/aws-glue/jobs/output"
ERROR_GROUP = "/aws-glue/jobs/error"
#: Events per PutLogEvents call; AWS allows 10,000, a smaller batch keeps requests modest.
BATCH_SIZE = 1000


def log_events(text: str, timestamp_ms: int) -> list[dict[str, Any]]:
    """One event per non-empty line (CloudWatch rejects empty messages), all stamped alike."""
    return [
        {"timestamp": timestamp_ms, "message": line} for line in text.splitlines() if line.strip()
    ]


def write_run_logs(logs_backend: Any, run_id: str, stdout: str, stderr: str) -> None:
    """Append lines to the run's streams, creating both groups and streams if needed (so a
    run that printed nothing still has its streams)."""
    now = int(time.time() * 1000)
    for group, text in ((OUTPUT_GROUP, stdout), (ERROR_GROUP, stderr)):
        logs_backend.ensure_log_group(group)
        if run_id not in logs_backend.groups[group].streams:
            logs_backend.create_log_stream(group, run_id)
        events = log_events(text, now)
        for start in range(0, len(events), BATCH_SIZE):
            logs_backend.put_log_events(group, run_id, events[start : start + BATCH_SIZE])


class LogTail:
    """New lines of a driver's log file, read while the driver runs (continuous logging).

    Only whole lines are handed out until the last read, so a line the driver is still
    writing never splits into two log events.
    """

    def __init__(self, path: Path, offset: int = 0) -> None:
        self._path = path
        self._offset = offset
        self._pending = b""

    def read(self, final: bool = False) -> str:
        """Lines written since the previous read; with ``final``, also an unfinished last one."""
        try:
            with self._path.open("rb") as file:
                file.seek(self._offset)
                data = file.read()
        except FileNotFoundError:
            data = b""
        self._offset += len(data)
        buffered = self._pending + data
        if final:
            self._pending = b""
            return buffered.decode("utf-8", errors="replace")
        complete, _, self._pending = buffered.rpartition(b"\n")
        return (complete + b"\n").decode("utf-8", errors="replace") if complete else ""

    def text_since(self, offset: int) -> str:
        """Everything the file holds from ``offset`` on (for the run's final diagnosis)."""
        try:
            with self._path.open("rb") as file:
                file.seek(offset)
                return file.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""
