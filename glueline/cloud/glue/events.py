"""Emits "Glue Job State Change" events onto the default EventBridge bus.

Pipelines react to job outcomes with rules on ``source: aws.glue``; AWS sends the event, so
the local runtime must too. moto's ``put_events`` matches the bus's rules and delivers to
their targets (SQS, log groups, other buses).
"""

from __future__ import annotations

import json
from typing import Any

from glueline.cloud.glue.state import JobRun, event_message, event_severity

SOURCE = "aws.glue"
DETAIL_TYPE = "Glue Job State Change"


def state_change_entry(run: JobRun) -> dict[str, Any]:
    """The ``PutEvents`` entry AWS Glue would send for the run's current state.

    No ``Time``: moto's default target template splices the time in unquoted, so only its
    own numeric time survives delivery to SQS.
    """
    detail = {
        "jobName": run.job_name,
        "severity": event_severity(run.state),
        "state": run.state,
        "jobRunId": run.job_run_id,
        "message": event_message(run),
    }
    return {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps(detail),
        "Resources": [],
    }


def emit_state_change(events_backend: Any, run: JobRun) -> None:
    """Put the event on the default bus of the run's account and region."""
    events_backend.put_events([state_change_entry(run)])
