"""Puts a run's driver output into CloudWatch Logs where AWS Glue puts it.

Glue writes the driver's stdout to ``/aws-glue/jobs/output`` and its stderr to
``/aws-glue/jobs/error``, one stream per run named by the run id; scripts, tests and the
console look there, so the local runtime does the same through moto's logs backend.
"""

from __future__ import annotations

import time
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
    """Create both groups if needed and write the run's streams, even when empty."""
    now = int(time.time() * 1000)
    for group, text in ((OUTPUT_GROUP, stdout), (ERROR_GROUP, stderr)):
        logs_backend.ensure_log_group(group)
        if run_id not in logs_backend.groups[group].streams:
            logs_backend.create_log_stream(group, run_id)
        events = log_events(text, now)
        for start in range(0, len(events), BATCH_SIZE):
            logs_backend.put_log_events(group, run_id, events[start : start + BATCH_SIZE])
