"""The life of a job run: admit it, fetch its code, run the driver, end it truthfully.

Each run gets its own thread that owns the driver process: it launches ``spark-submit`` in a
new process group, watches for exit, the run's timeout and stop requests, and then records
the outcome. Stop requests only change the state; the owning thread does the killing, so
there is one place that touches the process. Anything that goes wrong inside the runtime
ends the run FAILED with the reason, never leaves it RUNNING, and never takes the local
cloud down.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

from glueline.cloud.glue import launcher
from glueline.cloud.glue.diagnostics import failure_message
from glueline.cloud.glue.driver import STDERR_VARIABLE
from glueline.cloud.glue.state import (
    DEFAULT_TIMEOUT_MINUTES,
    FAILED,
    RUNNING,
    STOPPED,
    STOPPING,
    SUCCEEDED,
    TIMEOUT,
    JobRun,
)
from glueline.cloud.settings import CloudSettings, client_environment

log = logging.getLogger("glueline.glue")

#: How often the owning thread checks for a stop request or the deadline.
POLL_SECONDS = 0.25
#: Time a driver gets to shut down after SIGTERM before the process group is killed.
TERMINATE_GRACE_SECONDS = 5.0
#: Host variables the driver needs (Java, locale, temp); nothing else leaks from the cloud.
PASSED_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "JAVA_HOME", "TMPDIR", "USER")


class ConcurrentRunsExceeded(Exception):
    """The job already has ``MaxConcurrentRuns`` active runs."""


class RunNotStoppable(Exception):
    """The run has already finished, or is already stopping."""


class RunSetupError(Exception):
    """The run cannot start (missing script, missing jars); the message says why."""


class ObjectNotFound(Exception):
    """An S3 location named by the job does not exist in the local cloud."""


@dataclass(frozen=True)
class JobDefinition:
    """What a run needs from the job, copied so the run is unaffected by later UpdateJob."""

    name: str
    script_location: str
    default_arguments: dict[str, str] = field(default_factory=dict)
    non_overridable_arguments: dict[str, str] = field(default_factory=dict)
    max_concurrent_runs: int = 1
    timeout: int | None = None
    glue_version: str | None = None
    worker_type: str | None = None
    number_of_workers: int | None = None
    max_capacity: float | None = None
    allocated_capacity: int | None = None


@dataclass(frozen=True)
class RunRequest:
    """The parameters of one ``StartJobRun`` call."""

    arguments: dict[str, str] = field(default_factory=dict)
    timeout: int | None = None
    worker_type: str | None = None
    number_of_workers: int | None = None
    max_capacity: float | None = None
    allocated_capacity: int | None = None
    previous_run_id: str | None = None


class RunHooks(Protocol):
    """What the runtime needs from the cloud around it (S3, Logs, EventBridge)."""

    def fetch(self, location: str) -> bytes:
        """Bytes of ``s3://bucket/key``; raises :class:`ObjectNotFound`."""
        ...

    def write_logs(self, run: JobRun, stdout: str, stderr: str) -> None: ...

    def state_changed(self, run: JobRun) -> None: ...


CommandBuilder = Callable[[launcher.LaunchSpec], list[str]]


class GlueJobRunner:
    """Starts, watches and stops job runs as local ``spark-submit`` processes."""

    def __init__(
        self,
        settings: CloudSettings,
        command_builder: CommandBuilder | None = None,
        seconds_per_minute: float = 60.0,
    ) -> None:
        """``command_builder`` and ``seconds_per_minute`` exist so that unit tests can run
        plain Python instead of Spark and a one-minute timeout in a fraction of a second."""
        self._settings = settings
        self._seconds_per_minute = seconds_per_minute
        self._build_command = command_builder or self._local_command
        self._admission = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self._drivers: dict[str, subprocess.Popen[bytes]] = {}

    def start(
        self, job: JobDefinition, runs: list[JobRun], request: RunRequest, hooks: RunHooks
    ) -> JobRun:
        """Admit a run into ``runs`` (the job's run list) and launch it in the background.

        ``hooks`` reach the job's own account and region, so they travel with the run.
        """
        arguments = dict(request.arguments)
        run_id = f"jr_{uuid.uuid4().hex}{uuid.uuid4().hex}"
        with self._admission:
            active = sum(1 for run in runs if run.is_active)
            if active >= job.max_concurrent_runs:
                raise ConcurrentRunsExceeded(
                    f"Concurrent runs exceeded for {job.name}: {active} run(s) active, "
                    f"MaxConcurrentRuns is {job.max_concurrent_runs}"
                )
            run = JobRun(
                job_name=job.name,
                job_run_id=run_id,
                arguments=arguments,
                timeout=request.timeout or job.timeout or DEFAULT_TIMEOUT_MINUTES,
                glue_version=job.glue_version or "0.9",
                worker_type=request.worker_type or job.worker_type,
                number_of_workers=request.number_of_workers or job.number_of_workers,
                max_capacity=request.max_capacity or job.max_capacity,
                allocated_capacity=request.allocated_capacity or job.allocated_capacity,
                previous_run_id=request.previous_run_id,
            )
            runs.append(run)
        self._notify(run, hooks)
        thread = threading.Thread(
            target=self._execute, args=(job, run, hooks), name=f"glue-{run_id[:12]}", daemon=True
        )
        self._threads[run_id] = thread
        thread.start()
        return run

    def stop(self, run: JobRun, hooks: RunHooks) -> None:
        """Ask a run to stop: STOPPING now, STOPPED once its process group is gone."""
        if not run.transition(STOPPING):
            raise RunNotStoppable(f"Job run {run.job_run_id} is {run.state} and cannot stop")
        self._notify(run, hooks)

    def wait(self, run: JobRun, timeout: float | None = None) -> None:
        """Block until the run's thread is done (tests and benchmarks)."""
        thread = self._threads.get(run.job_run_id)
        if thread is not None:
            thread.join(timeout)

    def shutdown(self) -> None:
        """Kill every driver still running: they live in their own process groups, so they
        would outlive the local cloud otherwise."""
        for driver in list(self._drivers.values()):
            _kill_group(driver.pid)

    def _execute(self, job: JobDefinition, run: JobRun, hooks: RunHooks) -> None:
        try:
            self._run_to_end(job, run, hooks)
        except Exception as exc:
            log.exception("job run %s failed inside the local Glue runtime", run.job_run_id)
            self._finish(run, hooks, FAILED, f"Internal error in the local Glue runtime: {exc!r}")

    def _run_to_end(self, job: JobDefinition, run: JobRun, hooks: RunHooks) -> None:
        run_dir = self._settings.work_dir / "glue" / run.job_run_id
        try:
            spec = self._prepare(job, run, run_dir / "code", hooks)
            command = self._build_command(spec)
        except (RunSetupError, launcher.MissingJarsError) as exc:
            hooks.write_logs(run, "", str(exc))
            self._finish(run, hooks, FAILED, str(exc))
            return
        stdout_path, stderr_path = run_dir / "stdout.log", run_dir / "stderr.log"
        # Append mode: Spark's JVM and the script's Python both write to stderr.log.
        with stdout_path.open("ab") as stdout, stderr_path.open("ab") as stderr:
            process = subprocess.Popen(
                command,
                cwd=run_dir,
                env={**self._environment(), STDERR_VARIABLE: str(stderr_path)},
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        self._drivers[run.job_run_id] = process
        if run.transition(RUNNING):
            self._notify(run, hooks)
        try:
            timed_out = self._watch(process, run)
        finally:
            self._drivers.pop(run.job_run_id, None)
        out = stdout_path.read_text(encoding="utf-8", errors="replace")
        err = stderr_path.read_text(encoding="utf-8", errors="replace")
        hooks.write_logs(run, out, err)
        if timed_out:
            message = f"Job run timed out after {run.timeout} minute(s)"
            self._finish(run, hooks, TIMEOUT, message)
        elif process.returncode == 0:
            self._finish(run, hooks, SUCCEEDED)
        else:
            self._finish(run, hooks, FAILED, failure_message(process.returncode, err, out))

    def _watch(self, process: subprocess.Popen[bytes], run: JobRun) -> bool:
        """Wait for the driver; end its process group on a stop request or at the deadline.

        Returns whether the deadline ended it.
        """
        deadline = time.monotonic() + run.timeout * self._seconds_per_minute
        while True:
            try:
                process.wait(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            if run.state == STOPPING:
                _terminate_group(process)
                break
            if time.monotonic() >= deadline:
                _terminate_group(process)
                return True
        _kill_group(process.pid)
        return False

    def _prepare(
        self, job: JobDefinition, run: JobRun, code_dir: Path, hooks: RunHooks
    ) -> launcher.LaunchSpec:
        """Fetch the script and ``--extra-py-files`` from the local S3 into ``code_dir``."""
        arguments = launcher.merge_arguments(
            job.default_arguments, run.arguments, job.non_overridable_arguments
        )
        if code_dir.exists():
            shutil.rmtree(code_dir)
        code_dir.mkdir(parents=True)
        script_name = _download(hooks, job.script_location, code_dir, "script")
        py_files = [
            _download(hooks, location, code_dir, "--extra-py-files entry")
            for location in launcher.extra_py_file_locations(arguments)
        ]
        return launcher.LaunchSpec(
            job_name=job.name,
            run_id=run.job_run_id,
            code_dir=code_dir,
            script_name=script_name,
            script_arguments=launcher.script_argv(arguments, job.name, run.job_run_id),
            py_file_names=tuple(py_files),
        )

    def _local_command(self, spec: launcher.LaunchSpec) -> list[str]:
        jars = launcher.s3a_jars(launcher.jars_dir())
        return launcher.local_spark_submit_command(
            spec,
            launcher.spark_submit_path(),
            jars,
            self._settings.endpoint_url,
            launcher.driver_path(),
        )

    def _environment(self) -> dict[str, str]:
        env = {key: os.environ[key] for key in PASSED_ENVIRONMENT if key in os.environ}
        env.update(client_environment(self._settings.endpoint_url))
        env.update(
            {
                "PYSPARK_PYTHON": sys.executable,
                "PYSPARK_DRIVER_PYTHON": sys.executable,
                "PYTHONUNBUFFERED": "1",
                "SPARK_LOCAL_IP": "127.0.0.1",
            }
        )
        return env

    def _finish(self, run: JobRun, hooks: RunHooks, state: str, message: str | None = None) -> None:
        """End the run; a stop request that came first wins, as it does in AWS."""
        if run.state == STOPPING:
            state, message = STOPPED, None
        if run.transition(state, message):
            self._notify(run, hooks)

    @staticmethod
    def _notify(run: JobRun, hooks: RunHooks) -> None:
        """Publish a state change; a broken listener must not stall the run."""
        try:
            hooks.state_changed(run)
        except Exception:
            log.exception("could not publish the state change of job run %s", run.job_run_id)


def _download(hooks: RunHooks, location: str, code_dir: Path, what: str) -> str:
    """Copy one object of the job's code from the local S3; the file name is kept."""
    name = PurePosixPath(location).name
    if not location.startswith(("s3://", "s3a://")) or not name:
        raise RunSetupError(f"The {what} location {location!r} is not an s3:// object path")
    try:
        body = hooks.fetch(location)
    except ObjectNotFound as exc:
        raise RunSetupError(
            f"The {what} {location} does not exist in the local cloud's S3 ({exc}); "
            "upload it before starting the job run"
        ) from exc
    target = code_dir / name
    if target.exists():
        raise RunSetupError(f"Two files named {name} in the job's code; rename one")
    target.write_bytes(body)
    return name


def _terminate_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the driver's process group, then SIGKILL what is left after a grace period."""
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=TERMINATE_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        process.wait()


def _kill_group(pid: int) -> None:
    """Kill stragglers (Python workers, anything the script spawned) of a finished driver."""
    _signal_group(pid, signal.SIGKILL)


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)
