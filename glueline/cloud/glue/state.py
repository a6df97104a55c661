"""One job run's record and the state transitions AWS Glue allows, without any I/O.

moto's ``FakeJobRun`` advances STARTING -> RUNNING -> SUCCEEDED each time it is read, with
nothing running. This record only moves when the runtime says so, refuses transitions AWS
never makes (a finished run does not start again), and renders ``GetJobRun``'s shape.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

WAITING = "WAITING"
STARTING = "STARTING"
RUNNING = "RUNNING"
STOPPING = "STOPPING"
STOPPED = "STOPPED"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
TIMEOUT = "TIMEOUT"

#: States in which a run still holds one of the job's ``MaxConcurrentRuns`` slots.
ACTIVE_STATES = frozenset({STARTING, RUNNING, STOPPING})
TERMINAL_STATES = frozenset({SUCCEEDED, FAILED, TIMEOUT, STOPPED})
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    #: Queued over the job's MaxConcurrentRuns (JobRunQueuingEnabled) until a slot frees.
    WAITING: frozenset({STARTING, TIMEOUT, STOPPING, FAILED}),
    STARTING: frozenset({RUNNING, FAILED, TIMEOUT, STOPPING}),
    RUNNING: frozenset({SUCCEEDED, FAILED, TIMEOUT, STOPPING}),
    STOPPING: frozenset({STOPPED}),
}
#: AWS's job timeout when neither the job nor the run sets one: 48 hours, in minutes.
DEFAULT_TIMEOUT_MINUTES = 2880
#: The log group AWS reports for runs; the streams live under ``/output`` and ``/error``.
LOG_GROUP_NAME = "/aws-glue/jobs"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class JobRun:
    """A run as ``GetJobRun`` reports it, plus the runtime's bookkeeping."""

    job_name: str
    job_run_id: str
    arguments: dict[str, str]
    timeout: int
    glue_version: str
    worker_type: str | None = None
    number_of_workers: int | None = None
    max_capacity: float | None = None
    allocated_capacity: int | None = None
    previous_run_id: str | None = None
    #: The trigger that started the run (``TriggerName``), None when started directly.
    trigger_name: str | None = None
    job_run_queuing_enabled: bool = False
    attempt: int = 0
    #: What the run's ``job.commit()`` saved of its bookmarks; the job keeps it if it succeeds.
    bookmark: dict[str, Any] | None = None
    state: str = STARTING
    error_message: str | None = None
    started_on: datetime = field(default_factory=_now)
    last_modified_on: datetime | None = None
    completed_on: datetime | None = None
    clock: Callable[[], datetime] = field(default=_now, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.last_modified_on is None:
            self.last_modified_on = self.started_on

    @property
    def status(self) -> str:
        """moto's name for the state; its ``start_job_run`` bookkeeping reads this."""
        return self.state

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    def transition(self, new_state: str, error_message: str | None = None) -> bool:
        """Move to ``new_state`` if AWS allows it from the current one; ``False`` otherwise.

        Returning instead of raising lets the runtime race a stop request against the
        driver's exit: whichever comes second simply does not apply.
        """
        with self.lock:
            if new_state not in ALLOWED_TRANSITIONS.get(self.state, frozenset()):
                return False
            now = self.clock()
            self.state = new_state
            self.last_modified_on = now
            if error_message is not None:
                self.error_message = error_message
            if new_state in TERMINAL_STATES:
                self.completed_on = now
            return True

    @property
    def execution_time(self) -> int:
        """Whole seconds the run has taken so far, or took."""
        end = self.completed_on or self.clock()
        return max(0, int((end - self.started_on).total_seconds()))

    def as_dict(self) -> dict[str, Any]:
        """The ``JobRun`` structure of the Glue API."""
        rendered: dict[str, Any] = {
            "Id": self.job_run_id,
            "Attempt": self.attempt,
            "JobName": self.job_name,
            "StartedOn": self.started_on,
            "LastModifiedOn": self.last_modified_on,
            "JobRunState": self.state,
            "Arguments": dict(self.arguments),
            "PredecessorRuns": [],
            "ExecutionTime": self.execution_time,
            "Timeout": self.timeout,
            "LogGroupName": LOG_GROUP_NAME,
            "GlueVersion": self.glue_version,
            "JobRunQueuingEnabled": self.job_run_queuing_enabled,
        }
        optional = {
            "CompletedOn": self.completed_on,
            "ErrorMessage": self.error_message,
            "PreviousRunId": self.previous_run_id,
            "TriggerName": self.trigger_name,
            "WorkerType": self.worker_type,
            "NumberOfWorkers": self.number_of_workers,
            "MaxCapacity": self.max_capacity,
            "AllocatedCapacity": self.allocated_capacity,
        }
        rendered.update({key: value for key, value in optional.items() if value is not None})
        return rendered


def event_severity(state: str) -> str:
    """Severity of the "Glue Job State Change" event: ERROR for failures, as AWS sends."""
    return "ERROR" if state in (FAILED, TIMEOUT) else "INFO"


def event_message(run: JobRun) -> str:
    """The event's ``message``: the error for failures, a short sentence otherwise."""
    if run.state in (FAILED, TIMEOUT) and run.error_message:
        return run.error_message
    return {
        WAITING: "Job run waiting for a free concurrent run slot",
        STARTING: "Job run starting",
        RUNNING: "Job run started",
        STOPPING: "Job run stopping",
        STOPPED: "Job run stopped",
        SUCCEEDED: "Job run succeeded",
    }.get(run.state, f"Job run {run.state.lower()}")
