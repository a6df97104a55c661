"""A run's states move only as AWS Glue's do, and render as GetJobRun reports them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from glueline.cloud.glue import state
from glueline.cloud.glue.state import JobRun

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def new_run(clock: Clock) -> JobRun:
    return JobRun(
        job_name="ingest",
        job_run_id="jr_1",
        arguments={"--mode": "slow"},
        timeout=10,
        glue_version="5.0",
        worker_type="G.1X",
        number_of_workers=2,
        started_on=clock(),
        clock=clock,
    )


@pytest.mark.parametrize(
    "path",
    [
        ["RUNNING", "SUCCEEDED"],
        ["RUNNING", "FAILED"],
        ["FAILED"],
        ["RUNNING", "TIMEOUT"],
        ["RUNNING", "STOPPING", "STOPPED"],
        ["STOPPING", "STOPPED"],
    ],
)
def test_aws_paths_are_allowed(path: list[str]) -> None:
    run = new_run(Clock())

    assert all(run.transition(next_state) for next_state in path)
    assert run.state == path[-1]


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["RUNNING", "SUCCEEDED"], "RUNNING"),
        (["RUNNING", "SUCCEEDED"], "FAILED"),
        (["RUNNING", "STOPPING"], "SUCCEEDED"),
        (["RUNNING", "STOPPING"], "FAILED"),
        ([], "SUCCEEDED"),
        (["RUNNING", "TIMEOUT"], "STOPPING"),
    ],
)
def test_transitions_aws_never_makes_are_refused(path: list[str], refused: str) -> None:
    run = new_run(Clock())
    for next_state in path:
        run.transition(next_state)
    before = run.state

    assert run.transition(refused) is False
    assert run.state == before


def test_timestamps_and_execution_time_follow_the_clock() -> None:
    clock = Clock()
    run = new_run(clock)
    clock.now = T0 + timedelta(seconds=3)
    run.transition("RUNNING")
    clock.now = T0 + timedelta(seconds=42, milliseconds=700)

    assert run.execution_time == 42
    assert "CompletedOn" not in run.as_dict()

    run.transition("FAILED", "ValueError: bad input")
    clock.now = T0 + timedelta(hours=1)

    rendered = run.as_dict()
    assert rendered["StartedOn"] == T0
    assert rendered["LastModifiedOn"] == T0 + timedelta(seconds=42, milliseconds=700)
    assert rendered["CompletedOn"] == rendered["LastModifiedOn"]
    assert rendered["ExecutionTime"] == 42
    assert rendered["ErrorMessage"] == "ValueError: bad input"


def test_rendering_is_get_job_run_shaped() -> None:
    run = new_run(Clock())

    assert run.as_dict() == {
        "Id": "jr_1",
        "Attempt": 0,
        "JobName": "ingest",
        "StartedOn": T0,
        "LastModifiedOn": T0,
        "JobRunState": "STARTING",
        "Arguments": {"--mode": "slow"},
        "PredecessorRuns": [],
        "ExecutionTime": 0,
        "Timeout": 10,
        "LogGroupName": "/aws-glue/jobs",
        "GlueVersion": "5.0",
        "JobRunQueuingEnabled": False,
        "WorkerType": "G.1X",
        "NumberOfWorkers": 2,
    }
    run.trigger_name = "after-extract"
    assert run.as_dict()["TriggerName"] == "after-extract"


def test_a_waiting_run_holds_no_slot_and_may_start_time_out_or_stop() -> None:
    for next_state in ("STARTING", "TIMEOUT", "STOPPING"):
        run = new_run(Clock())
        run.state = "WAITING"
        assert not run.is_active
        assert run.transition(next_state)
    finished = new_run(Clock())
    finished.state = "WAITING"
    assert not finished.transition("SUCCEEDED"), "a run that never ran cannot succeed"


def test_active_runs_hold_a_concurrency_slot() -> None:
    run = new_run(Clock())
    assert run.is_active
    run.transition("STOPPING")
    assert run.is_active
    run.transition("STOPPED")
    assert not run.is_active


def test_event_severity_and_message() -> None:
    run = new_run(Clock())
    assert (state.event_severity(run.state), state.event_message(run)) == (
        "INFO",
        "Job run starting",
    )
    run.transition("RUNNING")
    run.transition("TIMEOUT", "Job run timed out after 10 minute(s)")

    assert state.event_severity(run.state) == "ERROR"
    assert state.event_message(run) == "Job run timed out after 10 minute(s)"
