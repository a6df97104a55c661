"""The run lifecycle with plain Python in place of spark-submit: no Spark, no server."""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from glueline.cloud.glue import glue_versions, launcher
from glueline.cloud.glue.runs import (
    CLOUD_STOPPED,
    ConcurrentRunsExceeded,
    GlueJobRunner,
    JobDefinition,
    ObjectNotFound,
    RunNotStoppable,
    RunRequest,
)
from glueline.cloud.glue.state import JobRun
from glueline.cloud.settings import CloudSettings

SCRIPT = "s3://code/job.py"


class FakeHooks:
    """The local cloud's S3, Logs and EventBridge, as dictionaries and lists."""

    def __init__(self, objects: dict[str, str]) -> None:
        self.objects = objects
        self.logs: dict[str, tuple[str, str]] = {}
        self.states: list[str] = []

    def fetch(self, location: str) -> bytes:
        if location not in self.objects:
            raise ObjectNotFound(f"no object {location}")
        return textwrap.dedent(self.objects[location]).encode()

    def write_logs(self, run: JobRun, stdout: str, stderr: str) -> None:
        """Appends, as CloudWatch Logs does: the runtime writes while the run goes."""
        previous_out, previous_err = self.logs.get(run.job_run_id, ("", ""))
        self.logs[run.job_run_id] = (previous_out + stdout, previous_err + stderr)

    def state_changed(self, run: JobRun) -> None:
        self.states.append(run.state)


def python_command(spec: launcher.LaunchSpec) -> list[str]:
    """What spark-submit would run in the driver, minus the JVM."""
    py_path = ",".join(str(spec.code_dir / name) for name in spec.py_file_names)
    return [
        sys.executable,
        "-c",
        f"import sys; sys.path[1:1] = {py_path!r}.split(','); "
        "sys.argv = sys.argv[1:]; import runpy; "
        "runpy.run_path(sys.argv[0], run_name='__main__')",
        str(launcher.driver_path()),
        str(spec.script),
        *spec.script_arguments,
    ]


@pytest.fixture
def runner(tmp_path: Path) -> GlueJobRunner:
    settings = CloudSettings(port=1, state_dir=tmp_path)
    return GlueJobRunner(settings, command_builder=python_command, seconds_per_minute=0.5)


def job(**settings: object) -> JobDefinition:
    return JobDefinition(name="ingest", script_location=SCRIPT, **settings)  # type: ignore[arg-type]


def run_to_end(
    runner: GlueJobRunner, hooks: FakeHooks, definition: JobDefinition, **request: object
) -> JobRun:
    run = runner.start(definition, [], RunRequest(**request), hooks)  # type: ignore[arg-type]
    runner.wait(run, timeout=30)
    return run


def test_successful_run_passes_merged_arguments_and_logs_stdout(runner: GlueJobRunner) -> None:
    hooks = FakeHooks({SCRIPT: "import sys\nprint(' '.join(sys.argv[1:]))\n"})
    definition = job(default_arguments={"--mode": "fast", "--input": "s3://in/a"})

    run = run_to_end(runner, hooks, definition, arguments={"--mode": "slow"})

    assert run.state == "SUCCEEDED"
    assert hooks.states == ["STARTING", "RUNNING", "SUCCEEDED"]
    assert run.arguments == {"--mode": "slow"}
    stdout, _ = hooks.logs[run.job_run_id]
    assert stdout.strip() == (
        f"--mode slow --input s3://in/a --JOB_NAME ingest --JOB_RUN_ID {run.job_run_id}"
    )
    assert run.completed_on is not None


def test_raising_script_fails_with_the_exception_on_the_error_stream(
    runner: GlueJobRunner,
) -> None:
    hooks = FakeHooks({SCRIPT: "print('working')\nraise ValueError('bad input')\n"})

    run = run_to_end(runner, hooks, job())

    assert run.state == "FAILED"
    assert run.error_message == "ValueError: bad input"
    stdout, stderr = hooks.logs[run.job_run_id]
    assert stdout.strip() == "working"
    assert "ValueError: bad input" in stderr
    assert hooks.states[-1] == "FAILED"


def test_extra_py_files_are_fetched_and_importable(runner: GlueJobRunner) -> None:
    hooks = FakeHooks(
        {
            SCRIPT: "import helpers\nprint(helpers.GREETING)\n",
            "s3://code/lib/helpers.py": "GREETING = 'hi from helpers'\n",
        }
    )
    definition = job(default_arguments={"--extra-py-files": "s3://code/lib/helpers.py"})

    run = run_to_end(runner, hooks, definition)

    assert run.state == "SUCCEEDED", run.error_message
    assert hooks.logs[run.job_run_id][0].strip() == "hi from helpers"


def test_missing_script_fails_before_anything_runs(runner: GlueJobRunner) -> None:
    hooks = FakeHooks({})

    run = run_to_end(runner, hooks, job())

    assert run.state == "FAILED"
    assert run.error_message is not None
    assert "s3://code/job.py does not exist" in run.error_message
    assert hooks.states == ["STARTING", "FAILED"]


def test_missing_jars_fail_the_run_saying_to_run_make_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLUELINE_JARS_DIR", str(tmp_path / "no-jars"))
    real = GlueJobRunner(CloudSettings(port=1, state_dir=tmp_path))

    run = run_to_end(real, FakeHooks({SCRIPT: "print(1)\n"}), job())

    assert run.state == "FAILED"
    assert "make setup" in (run.error_message or "")


def test_max_concurrent_runs_is_enforced(runner: GlueJobRunner) -> None:
    hooks = FakeHooks({SCRIPT: "import time\ntime.sleep(30)\n"})
    runs: list[JobRun] = []
    definition = job(max_concurrent_runs=2)
    first = runner.start(definition, runs, RunRequest(), hooks)
    second = runner.start(definition, runs, RunRequest(), hooks)

    with pytest.raises(ConcurrentRunsExceeded, match="MaxConcurrentRuns is 2"):
        runner.start(definition, runs, RunRequest(), hooks)

    for run in (first, second):
        runner.stop(run, hooks)
        runner.wait(run, timeout=30)
    assert [run.state for run in runs] == ["STOPPED", "STOPPED"]
    third = runner.start(definition, runs, RunRequest(), hooks)
    runner.stop(third, hooks)
    runner.wait(third, timeout=30)
    assert third.state == "STOPPED"


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for a reaper (containers often lack one)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_stop_kills_the_process_group_and_ends_stopped(
    runner: GlueJobRunner, tmp_path: Path
) -> None:
    child_pid_file = tmp_path / "child.pid"
    script = f"""
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open({str(child_pid_file)!r}, "w").write(str(child.pid))
        time.sleep(60)
    """
    hooks = FakeHooks({SCRIPT: script})
    run = runner.start(job(), [], RunRequest(), hooks)
    wait_until(child_pid_file.exists)

    runner.stop(run, hooks)
    runner.wait(run, timeout=30)

    assert run.state == "STOPPED"
    assert hooks.states == ["STARTING", "RUNNING", "STOPPING", "STOPPED"]
    wait_until(lambda: not alive(int(child_pid_file.read_text())))
    with pytest.raises(RunNotStoppable):
        runner.stop(run, hooks)


def test_timeout_ends_the_run(runner: GlueJobRunner) -> None:
    hooks = FakeHooks({SCRIPT: "import time\ntime.sleep(60)\n"})

    run = run_to_end(runner, hooks, job(timeout=5), timeout=1)

    assert run.state == "TIMEOUT"
    assert run.timeout == 1
    assert run.error_message == "Job run timed out after 1 minute(s)"
    assert hooks.states[-1] == "TIMEOUT"


def test_run_takes_settings_from_the_job_unless_the_request_overrides(
    runner: GlueJobRunner,
) -> None:
    hooks = FakeHooks({SCRIPT: "pass\n"})
    definition = job(glue_version="5.0", worker_type="G.1X", number_of_workers=2, timeout=30)

    run = run_to_end(runner, hooks, definition, number_of_workers=5)

    assert (run.glue_version, run.worker_type, run.number_of_workers, run.timeout) == (
        "5.0",
        "G.1X",
        5,
        30,
    )
    assert run_to_end(runner, hooks, job()).timeout == 2880


def test_glue_4_job_runs_locally_with_a_warning_in_its_error_log(runner: GlueJobRunner) -> None:
    hooks = FakeHooks({SCRIPT: "print('ran')\n"})

    run = run_to_end(runner, hooks, job(glue_version="4.0"))

    assert run.state == "SUCCEEDED", run.error_message
    stdout, stderr = hooks.logs[run.job_run_id]
    assert stdout.strip() == "ran"
    assert stderr.splitlines()[0] == (
        "glueline: WARNING: Glue 4.0 runs Spark 3.3.0, Python 3.10 in AWS, but the local cloud "
        "has Spark 3.5.6 on Python 3.11, as Glue 5.0 and 5.1 have: this run uses them, so it "
        "may behave differently from AWS"
    )


def test_glue_2_job_fails_before_its_script_runs(runner: GlueJobRunner) -> None:
    hooks = FakeHooks({SCRIPT: "print('ran')\n"})

    run = run_to_end(runner, hooks, job(glue_version="2.0"))

    assert run.state == "FAILED"
    assert hooks.states == ["STARTING", "FAILED"]
    assert (run.error_message or "").startswith(
        "Glue 2.0 runs Spark 2.4.3, Python 3.7, which the local cloud does not have"
    )
    stdout, stderr = hooks.logs[run.job_run_id]
    assert (stdout, stderr) == ("", run.error_message)


def test_glue_5_1_job_runs_without_a_version_warning(runner: GlueJobRunner) -> None:
    hooks = FakeHooks({SCRIPT: "print('ran')\n"})

    run = run_to_end(runner, hooks, job(glue_version="5.1"))

    assert run.state == "SUCCEEDED", run.error_message
    assert "WARNING" not in hooks.logs[run.job_run_id][1]


def test_a_runner_whose_drivers_run_elsewhere_checks_versions_against_their_runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Docker setup's Glue service has no PySpark of its own: its drivers run in the Glue
    libs image, so the runtime it names decides, and the service's interpreter is not asked."""

    def no_pyspark(_name: str) -> str:
        raise glue_versions.metadata.PackageNotFoundError("pyspark")

    glue_versions.local_runtime.cache_clear()
    monkeypatch.setattr(glue_versions.metadata, "version", no_pyspark)
    settings = CloudSettings(port=1, state_dir=tmp_path)
    spark_3_3 = glue_versions.LocalRuntime("3.3.2", "3.10")
    runner = GlueJobRunner(settings, command_builder=python_command, runtime=spark_3_3)
    hooks = FakeHooks({SCRIPT: "print('ran')\n"})

    on_4 = run_to_end(runner, hooks, job(glue_version="4.0"))
    on_5 = run_to_end(runner, hooks, job(glue_version="5.0"))

    assert on_4.state == "SUCCEEDED", on_4.error_message
    assert "WARNING" not in hooks.logs[on_4.job_run_id][1]
    assert on_5.state == "SUCCEEDED", on_5.error_message
    assert (
        hooks.logs[on_5.job_run_id][1]
        .splitlines()[0]
        .endswith(
            "but the local cloud has Spark 3.3.2 on Python 3.10, as Glue 4.0 have: this run uses "
            "them, so it may behave differently from AWS"
        )
    )
    glue_versions.local_runtime.cache_clear()


def test_shutdown_kills_running_drivers_and_ends_waiting_runs(runner: GlueJobRunner) -> None:
    hooks = FakeHooks({SCRIPT: "import time\ntime.sleep(60)\n"})
    runs: list[JobRun] = []
    run = runner.start(job(job_run_queuing_enabled=True), runs, RunRequest(), hooks)
    waiting = runner.start(job(job_run_queuing_enabled=True), runs, RunRequest(), hooks)
    wait_until(lambda: run.state == "RUNNING")
    pid = next(iter(runner._drivers.values())).pid

    runner.shutdown()
    runner.wait(run, timeout=30)
    runner.wait(waiting, timeout=30)

    assert (run.state, waiting.state) == ("FAILED", "FAILED")
    assert run.error_message == waiting.error_message == CLOUD_STOPPED
    assert not alive(pid)


def test_a_runs_temporary_files_go_to_its_own_folder_and_are_removed_with_it(
    runner: GlueJobRunner, tmp_path: Path
) -> None:
    """A driver killed before its JVM cleans up must not leave Spark's files in /tmp."""
    hooks = FakeHooks(
        {
            SCRIPT: """
            import os, tempfile
            print(os.environ["SPARK_LOCAL_DIRS"])
            with open(os.path.join(tempfile.gettempdir(), "scratch.bin"), "wb") as file:
                file.write(b"x" * 1024)
            os._exit(0)
            """
        }
    )

    run = run_to_end(runner, hooks, job())

    assert run.state == "SUCCEEDED"
    scratch = Path(hooks.logs[run.job_run_id][0].strip())
    assert scratch == tmp_path / "work" / "glue" / "scratch" / run.job_run_id
    assert not scratch.exists()


def test_a_new_runner_removes_what_a_killed_cloud_left(tmp_path: Path) -> None:
    glue_dir = tmp_path / "work" / "glue"
    leftover = glue_dir / "scratch" / "jr_killed" / "spark-1" / "userFiles"
    leftover.mkdir(parents=True)
    (glue_dir / "jr_killed").mkdir()
    (glue_dir / "jr_killed" / "stdout.log").write_text("kept\n")
    (glue_dir / "warm" / "driver-1").mkdir(parents=True)

    GlueJobRunner(CloudSettings(port=1, state_dir=tmp_path), command_builder=python_command)

    assert not (glue_dir / "scratch").exists()
    assert not (glue_dir / "warm").exists()
    assert (glue_dir / "jr_killed" / "stdout.log").read_text() == "kept\n"
