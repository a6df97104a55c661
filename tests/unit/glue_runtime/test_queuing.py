"""Job run queuing: runs over MaxConcurrentRuns wait in WAITING and start in order.

Plain Python stands in for spark-submit, as in ``test_runs.py``; each script records when it
runs, so the tests see the order and the concurrency the runtime really allowed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from glueline.cloud.glue.runs import ConcurrentRunsExceeded, GlueJobRunner, RunRequest
from glueline.cloud.glue.state import JobRun
from glueline.cloud.settings import CloudSettings
from tests.unit.glue_runtime.test_runs import SCRIPT, FakeHooks, job, python_command, wait_until


@pytest.fixture
def runner(tmp_path: Path) -> GlueJobRunner:
    settings = CloudSettings(port=1, state_dir=tmp_path / "state")
    return GlueJobRunner(settings, command_builder=python_command, seconds_per_minute=2.0)


def recording_script(directory: Path, hold_seconds: float = 0.3) -> str:
    """Appends its ``--name`` to ``order`` and the number of runs alive with it to ``overlap``."""
    return f"""
        import os, sys, time
        from pathlib import Path
        name = sys.argv[sys.argv.index("--name") + 1]
        folder = Path({str(directory)!r})
        marker = folder / f"running-{{name}}"
        marker.touch()
        with open(folder / "order", "a") as order:
            order.write(name + "\\n")
        with open(folder / "overlap", "a") as overlap:
            overlap.write(f"{{len(list(folder.glob('running-*')))}}\\n")
        time.sleep({hold_seconds})
        marker.unlink()
    """


def start(
    runner: GlueJobRunner, runs: list[JobRun], hooks: FakeHooks, name: str, **definition: object
) -> JobRun:
    return runner.start(job(**definition), runs, RunRequest(arguments={"--name": name}), hooks)


def test_runs_over_the_limit_wait_and_start_in_order(runner: GlueJobRunner, tmp_path: Path) -> None:
    hooks = {name: FakeHooks({SCRIPT: recording_script(tmp_path)}) for name in "abcd"}
    runs: list[JobRun] = []
    started = [
        start(runner, runs, hooks[name], name, job_run_queuing_enabled=True) for name in "abcd"
    ]
    assert [hooks[name].states[0] for name in "abcd"] == ["STARTING"] + ["WAITING"] * 3
    assert all(run.job_run_queuing_enabled for run in started)

    for run in started:
        runner.wait(run, timeout=60)

    assert [run.state for run in started] == ["SUCCEEDED"] * 4
    assert (tmp_path / "order").read_text().split() == ["a", "b", "c", "d"]
    assert set((tmp_path / "overlap").read_text().split()) == {"1"}
    assert hooks["d"].states == ["WAITING", "STARTING", "RUNNING", "SUCCEEDED"]


def test_queued_runs_fill_every_free_slot(runner: GlueJobRunner, tmp_path: Path) -> None:
    runs: list[JobRun] = []
    hooks = [FakeHooks({SCRIPT: recording_script(tmp_path, hold_seconds=1)}) for _ in "abcde"]
    started = [
        start(runner, runs, hook, name, max_concurrent_runs=2, job_run_queuing_enabled=True)
        for hook, name in zip(hooks, "abcde", strict=True)
    ]
    assert [hook.states[0] for hook in hooks].count("WAITING") == 3

    for run in started:
        runner.wait(run, timeout=60)

    assert [run.state for run in started] == ["SUCCEEDED"] * 5
    overlaps = [int(n) for n in (tmp_path / "overlap").read_text().split()]
    assert max(overlaps) == 2, "two slots, both used"


def test_a_run_can_ask_to_queue_when_its_job_does_not(
    runner: GlueJobRunner, tmp_path: Path
) -> None:
    hooks = FakeHooks({SCRIPT: recording_script(tmp_path)})
    runs: list[JobRun] = []
    first = start(runner, runs, hooks, "a")
    with pytest.raises(ConcurrentRunsExceeded):
        start(runner, runs, hooks, "b")
    queued = runner.start(
        job(), runs, RunRequest(arguments={"--name": "c"}, job_run_queuing_enabled=True), hooks
    )
    assert queued.state == "WAITING"
    assert queued.as_dict()["JobRunQueuingEnabled"] is True

    for run in (first, queued):
        runner.wait(run, timeout=60)
    assert (first.state, queued.state) == ("SUCCEEDED", "SUCCEEDED")


def test_a_run_can_refuse_the_queue_its_job_enables(runner: GlueJobRunner, tmp_path: Path) -> None:
    hooks = FakeHooks({SCRIPT: recording_script(tmp_path, hold_seconds=5)})
    runs: list[JobRun] = []
    first = start(runner, runs, hooks, "a", job_run_queuing_enabled=True)
    with pytest.raises(ConcurrentRunsExceeded, match="MaxConcurrentRuns is 1"):
        runner.start(
            job(job_run_queuing_enabled=True),
            runs,
            RunRequest(arguments={"--name": "b"}, job_run_queuing_enabled=False),
            hooks,
        )
    runner.stop(first, hooks)
    runner.wait(first, timeout=30)


def test_stopping_a_waiting_run_ends_it_without_running_it(
    runner: GlueJobRunner, tmp_path: Path
) -> None:
    holder_hooks, stopped_hooks, next_hooks = (
        FakeHooks({SCRIPT: recording_script(tmp_path, hold_seconds=1)}) for _ in range(3)
    )
    runs: list[JobRun] = []
    holder = start(runner, runs, holder_hooks, "holder", job_run_queuing_enabled=True)
    stopped = start(runner, runs, stopped_hooks, "stopped", job_run_queuing_enabled=True)
    following = start(runner, runs, next_hooks, "next", job_run_queuing_enabled=True)

    runner.stop(stopped, stopped_hooks)
    assert stopped.state == "STOPPED"
    assert stopped_hooks.states == ["WAITING", "STOPPING", "STOPPED"]

    for run in (holder, following):
        runner.wait(run, timeout=60)
    assert (holder.state, following.state) == ("SUCCEEDED", "SUCCEEDED")
    assert (tmp_path / "order").read_text().split() == ["holder", "next"]


def test_a_run_that_waits_past_its_timeout_ends_timeout(
    runner: GlueJobRunner, tmp_path: Path
) -> None:
    hooks = FakeHooks({SCRIPT: recording_script(tmp_path, hold_seconds=30)})
    runs: list[JobRun] = []
    holder = start(runner, runs, hooks, "holder", job_run_queuing_enabled=True)
    waiting = runner.start(
        job(job_run_queuing_enabled=True),
        runs,
        RunRequest(arguments={"--name": "late"}, timeout=1),
        FakeHooks({SCRIPT: recording_script(tmp_path)}),
    )

    runner.wait(waiting, timeout=30)

    assert waiting.state == "TIMEOUT"
    assert waiting.error_message == (
        "Job run timed out after 1 minute(s) waiting for one of the job's 1 concurrent run slot(s)"
    )
    wait_until(lambda: holder.state == "RUNNING")
    runner.stop(holder, hooks)
    runner.wait(holder, timeout=30)
    assert "late" not in (tmp_path / "order").read_text().split()
