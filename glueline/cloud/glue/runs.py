"""The life of a job run: admit it, fetch its code, run the driver, end it truthfully.

Each run gets its own thread that owns the driver process: it waits for a free slot if the run
was queued, launches ``spark-submit`` in a new process group, watches for exit, the run's
timeout and stop requests, and then records the outcome.

A run over the job's ``MaxConcurrentRuns`` is refused, unless job run queuing is enabled (on
the job or the run, as AWS Glue's ``JobRunQueuingEnabled``): then it waits in ``WAITING`` and
starts, in the order the runs were started, when a slot frees. Time spent waiting counts
towards the run's timeout.

Stop requests only change the state; the owning thread does the killing, so there is one
place that touches the process. Anything that goes wrong inside the runtime
ends the run FAILED with the reason, never leaves it RUNNING, and never takes the local
cloud down.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from glueline.cloud import process_groups
from glueline.cloud.glue import bookmarks, glue_versions, launcher, python_modules, warm_pool
from glueline.cloud.glue.diagnostics import failure_message
from glueline.cloud.glue.driver import STDERR_VARIABLE
from glueline.cloud.glue.logs import LogTail
from glueline.cloud.glue.state import (
    DEFAULT_TIMEOUT_MINUTES,
    FAILED,
    RUNNING,
    STARTING,
    STOPPED,
    STOPPING,
    SUCCEEDED,
    TIMEOUT,
    WAITING,
    JobRun,
)
from glueline.cloud.iam.credentials import RoleCredentials, enforcement_enabled
from glueline.cloud.iam.enforcement import latest_denial
from glueline.cloud.settings import CloudSettings, client_environment

log = logging.getLogger("glueline.glue")

#: How often the owning thread checks for a stop request or the deadline.
POLL_SECONDS = 0.25
#: How often a running driver's new output goes to CloudWatch Logs.
LOG_FLUSH_SECONDS = 1.0
#: Time a driver gets to shut down after SIGTERM before the process group is killed.
TERMINATE_GRACE_SECONDS = 5.0
#: Host variables the driver needs (Java, locale, temp); nothing else leaks from the cloud.
PASSED_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "JAVA_HOME", "TMPDIR", "USER")
#: Folders in the cloud's Glue work folder: drivers warming up or waiting for a run, and the
#: drivers' temporary files (one folder each, removed when its run ends).
WARM_FOLDER = "warm"
SCRATCH_FOLDER = "scratch"
BOOKMARKS_NOT_KEPT = "job bookmarks are not kept on this target: the run reads all of its input"
CLOUD_STOPPED = "The local cloud stopped during the run, which ended its driver"


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
    job_run_queuing_enabled: bool = False
    timeout: int | None = None
    glue_version: str | None = None
    worker_type: str | None = None
    number_of_workers: int | None = None
    max_capacity: float | None = None
    allocated_capacity: int | None = None
    #: The job's IAM role, and where the job lives (its role is issued credentials there).
    role: str | None = None
    account_id: str = ""
    region: str = ""
    #: Spark settings the job's security configuration adds (S3 encryption); the run's own
    #: ``--conf`` still wins.
    spark_conf: tuple[tuple[str, str], ...] = ()
    #: What the run's error log must say about the job's settings that the local cloud does
    #: not honour as AWS does (written when the run starts).
    warnings: tuple[str, ...] = ()
    #: The job's bookmark state when the run starts (see :mod:`glueline.cloud.glue.bookmarks`).
    bookmark: Mapping[str, Any] | None = None


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
    #: Overrides the job's setting when given, as in AWS.
    job_run_queuing_enabled: bool | None = None


class RunHooks(Protocol):
    """What the runtime needs from the cloud around it (S3, Logs, EventBridge)."""

    def fetch(self, location: str) -> bytes:
        """Bytes of ``s3://bucket/key``; raises :class:`ObjectNotFound`."""
        ...

    def write_logs(self, run: JobRun, stdout: str, stderr: str) -> None: ...

    def state_changed(self, run: JobRun) -> None: ...


CommandBuilder = Callable[[launcher.LaunchSpec], list[str]]
#: Credentials of a job's role for one run (None: the run uses the administrator's).
RoleCredentialsProvider = Callable[[JobDefinition, str], RoleCredentials | None]


@dataclass(frozen=True)
class _Driver:
    """A launched driver: its process, its logs, and how it started."""

    process: subprocess.Popen[bytes]
    stdout: LogTail
    stderr: LogTail
    #: Where the run's output begins in the log files (after a warm driver's warm-up).
    offsets: tuple[int, int]
    #: A warm driver's JVM exit status when it died first; None otherwise.
    jvm_returncode: Callable[[], int | None]
    #: The line the run's output log starts with, saying how the driver started.
    note: str | None
    #: The driver's temporary files, removed when the run ends.
    scratch: Path

    def output(self) -> tuple[str, str]:
        """The run's whole stdout and stderr, for its diagnosis."""
        return self.stdout.text_since(self.offsets[0]), self.stderr.text_since(self.offsets[1])


class GlueJobRunner:
    """Starts, watches and stops job runs as local ``spark-submit`` processes."""

    def __init__(
        self,
        settings: CloudSettings,
        command_builder: CommandBuilder | None = None,
        seconds_per_minute: float = 60.0,
        warm_drivers: int = 0,
        spark_master: str = launcher.LOCAL_MASTER,
        role_credentials: RoleCredentialsProvider | None = None,
        install_python_modules: bool = True,
        job_bookmarks: bool = True,
        runtime: glue_versions.LocalRuntime | None = None,
    ) -> None:
        """``command_builder`` and ``seconds_per_minute`` exist so that unit tests can run
        plain Python instead of Spark and a one-minute timeout in a fraction of a second.

        ``warm_drivers`` drivers are kept ready for local Spark runs (see
        :mod:`glueline.cloud.glue.warm_pool`); runs with another ``command_builder`` always
        start their own process.

        ``install_python_modules`` off (a target whose drivers do not run on this machine's
        Python) leaves ``--additional-python-modules`` uninstalled, with a warning in the
        run's error log. ``job_bookmarks`` off (the same targets: the bookmark folder is on
        this machine) runs jobs that enable bookmarks without them, with a warning too.

        ``runtime`` is the Spark and Python the drivers run on, which a job's ``GlueVersion``
        is checked against; None: this interpreter and its PySpark (a ``command_builder``
        that runs drivers elsewhere, as the Docker setup's Glue libs image, names its own).
        """
        self._settings = settings
        _remove_leftover_scratch(settings.work_dir / "glue")
        self._spark_master = spark_master
        self._role_credentials = role_credentials
        self._job_bookmarks = job_bookmarks
        self._seconds_per_minute = seconds_per_minute
        self._build_command = command_builder or self._local_command
        self._runtime = runtime
        self._warm_pool = None if command_builder else self._start_warm_pool(warm_drivers)
        self._module_cache = (
            python_modules.ModuleCache(
                settings.work_dir / "glue" / "python-modules",
                # pip is tagged as the cloud's, so `down` ends an install still going.
                {**os.environ, **process_groups.owner_environment(settings.state_dir)},
            )
            if install_python_modules
            else None
        )
        #: Guards admission; notified whenever a run gives its slot back.
        self._slots = threading.Condition()
        self._closing = False
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
        queuing = job.job_run_queuing_enabled
        if request.job_run_queuing_enabled is not None:
            queuing = request.job_run_queuing_enabled
        with self._slots:
            active = sum(1 for run in runs if run.is_active)
            queued = any(run.state == WAITING for run in runs)
            full = active >= job.max_concurrent_runs
            if full and not queuing:
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
                job_run_queuing_enabled=queuing,
                state=WAITING if full or queued else STARTING,
            )
            runs.append(run)
        self._notify(run, hooks)
        thread = threading.Thread(
            target=self._execute,
            args=(job, run, runs, hooks),
            name=f"glue-{run_id[:12]}",
            daemon=True,
        )
        self._threads[run_id] = thread
        thread.start()
        return run

    def stop(self, run: JobRun, hooks: RunHooks) -> None:
        """Ask a run to stop: STOPPING now, STOPPED once its process group is gone.

        A run still waiting for a slot has no process, so it is STOPPED at once.
        """
        was_waiting = run.state == WAITING
        if not run.transition(STOPPING):
            raise RunNotStoppable(f"Job run {run.job_run_id} is {run.state} and cannot stop")
        self._notify(run, hooks)
        if was_waiting and run.transition(STOPPED):
            self._notify(run, hooks)
        with self._slots:
            self._slots.notify_all()

    def warm_drivers(self) -> dict[str, int]:
        """The warm pool's counts (all zero when runs always start their own driver)."""
        if self._warm_pool is None:
            return {"size": 0, "ready": 0, "warming": 0}
        return self._warm_pool.counts()

    def wait(self, run: JobRun, timeout: float | None = None) -> None:
        """Block until the run's thread is done (tests and benchmarks)."""
        thread = self._threads.get(run.job_run_id)
        if thread is not None:
            thread.join(timeout)

    def shutdown(self) -> None:
        """End every run that has not finished: kill the drivers (they live in their own
        process groups, so they would outlive the local cloud otherwise) and fail the runs,
        waiting ones included, saying the cloud stopped."""
        with self._slots:
            self._closing = True
            self._slots.notify_all()
        if self._warm_pool is not None:
            self._warm_pool.shutdown()
        for driver in list(self._drivers.values()):
            process_groups.kill_group(driver.pid)

    def _execute(
        self, job: JobDefinition, run: JobRun, runs: list[JobRun], hooks: RunHooks
    ) -> None:
        try:
            if run.state == WAITING and not self._wait_for_slot(job, run, runs, hooks):
                return
            self._run_to_end(job, run, hooks)
        except Exception as exc:
            log.exception("job run %s failed inside the local Glue runtime", run.job_run_id)
            self._finish(run, hooks, FAILED, f"Internal error in the local Glue runtime: {exc!r}")
        finally:
            with self._slots:
                self._slots.notify_all()

    def _wait_for_slot(
        self, job: JobDefinition, run: JobRun, runs: list[JobRun], hooks: RunHooks
    ) -> bool:
        """Hold a queued run until it is the oldest waiting one and a slot is free.

        Returns whether it was admitted (now STARTING); a stop request or the run's timeout
        ends it instead.
        """
        deadline = time.monotonic() + run.timeout * self._seconds_per_minute
        with self._slots:
            while run.state == WAITING and not self._closing:
                active = sum(1 for other in runs if other.is_active)
                first_waiting = next(other for other in runs if other.state == WAITING)
                if first_waiting is run and active < job.max_concurrent_runs:
                    run.transition(STARTING)
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._slots.wait(min(remaining, POLL_SECONDS * 4))
        if run.state == WAITING and self._closing:
            self._finish(run, hooks, FAILED, CLOUD_STOPPED)
            return False
        if run.state == WAITING:
            message = (
                f"Job run timed out after {run.timeout} minute(s) waiting for one of the "
                f"job's {job.max_concurrent_runs} concurrent run slot(s)"
            )
            self._finish(run, hooks, TIMEOUT, message)
            return False
        if run.state != STARTING:
            return False
        self._notify(run, hooks)
        return True

    def _run_to_end(self, job: JobDefinition, run: JobRun, hooks: RunHooks) -> None:
        run_dir = self._settings.work_dir / "glue" / run.job_run_id
        version = glue_versions.decide(
            job.glue_version, self._runtime or glue_versions.local_runtime()
        )
        if version.verdict is glue_versions.Verdict.WARN:
            hooks.write_logs(run, "", f"glueline: WARNING: {version.message}\n")
        for warning in job.warnings:
            hooks.write_logs(run, "", f"glueline: WARNING: {warning}\n")
        try:
            if version.verdict is glue_versions.Verdict.FAIL:
                raise RunSetupError(version.message)
            spec, arguments = self._prepare(job, run, run_dir / "code", hooks)
            spec = self._install_modules(spec, arguments, run, hooks)
            if run.state == STOPPING:
                self._finish(run, hooks, STOPPED)
                return
            role, role_note = self._role_of(job, run)
            if role is not None:
                credentials = (role.access_key_id, role.secret_access_key, role.session_token)
                spec = dataclasses.replace(spec, credentials=credentials)
            run_environment = dict(role.environment()) if role else {}
            bookmark_option = bookmarks.option_of(arguments)
            if bookmark_option in (bookmarks.ENABLE, bookmarks.PAUSE):
                if self._job_bookmarks:
                    handed = bookmarks.hand_over(run_dir / "bookmark", job.bookmark)
                    run_environment.update(handed)
                else:
                    bookmark_option = bookmarks.DISABLE
                    warning = f"glueline: WARNING: {bookmarks.NOT_KEPT}\n"
                    hooks.write_logs(run, "", warning)
            driver = self._launch(spec, run_dir, arguments, run_environment)
        except (RunSetupError, launcher.MissingJarsError) as exc:
            hooks.write_logs(run, "", str(exc))
            self._finish(run, hooks, FAILED, str(exc))
            return
        notes = [note for note in (driver.note, role_note) if note]
        if notes:
            log.info("job run %s: %s", run.job_run_id, "; ".join(notes))
            hooks.write_logs(run, "".join(f"glueline: {note}\n" for note in notes), "")
        process = driver.process
        self._drivers[run.job_run_id] = process
        if run.transition(RUNNING):
            self._notify(run, hooks)
        try:
            timed_out = self._watch(process, run, lambda: self._flush_logs(run, hooks, driver))
        finally:
            self._drivers.pop(run.job_run_id, None)
            shutil.rmtree(driver.scratch, ignore_errors=True)
        self._flush_logs(run, hooks, driver, final=True)
        if self._closing:
            self._finish(run, hooks, FAILED, CLOUD_STOPPED)
        elif timed_out:
            message = f"Job run timed out after {run.timeout} minute(s)"
            self._finish(run, hooks, TIMEOUT, message)
        elif process.returncode == 0:
            if bookmark_option == bookmarks.ENABLE:
                run.bookmark = bookmarks.committed(run_dir / "bookmark")
            self._finish(run, hooks, SUCCEEDED)
        else:
            returncode = driver.jvm_returncode() or process.returncode
            out, err = driver.output()
            message = failure_message(returncode, err, out, run.job_run_id)
            denial = latest_denial(role.session_arn) if role else None
            if denial and denial not in message:
                # A refused HEAD request's 403 carries no message: say what was refused.
                hooks.write_logs(run, "", f"glueline: the run's role was refused: {denial}\n")
                message = f"{message} (refused: {denial})"
            self._finish(run, hooks, FAILED, message)

    def _install_modules(
        self,
        spec: launcher.LaunchSpec,
        arguments: dict[str, str],
        run: JobRun,
        hooks: RunHooks,
    ) -> launcher.LaunchSpec:
        """Install the run's ``--additional-python-modules`` (or find them installed) and
        put them on its import path; pip's output goes to the run's error log."""
        try:
            request = python_modules.request_of(arguments)
        except python_modules.ModuleSpecError as exc:
            raise RunSetupError(str(exc)) from exc
        if request is None:
            return spec
        modules = ", ".join(request.modules)
        if self._module_cache is None:
            hooks.write_logs(
                run,
                "",
                f"glueline: WARNING: {python_modules.MODULES_ARGUMENT} {modules} not installed: "
                "this target's drivers do not run on the local cloud's Python\n",
            )
            return spec
        hooks.write_logs(
            run, "", f"glueline: {python_modules.MODULES_ARGUMENT}: installing {modules}\n"
        )
        try:
            installed = self._module_cache.ensure(request)
        except python_modules.InstallError as exc:
            hooks.write_logs(run, "", exc.output.rstrip("\n") + "\n")
            raise RunSetupError(str(exc)) from exc
        if installed.reused:
            said = f"reused the modules installed by an earlier run in {installed.directory}"
        else:
            hooks.write_logs(run, "", installed.output.rstrip("\n") + "\n")
            said = f"installed into {installed.directory}"
        hooks.write_logs(run, "", f"glueline: {python_modules.MODULES_ARGUMENT}: {said}\n")
        return dataclasses.replace(spec, python_path=(installed.directory,))

    def _role_of(
        self, job: JobDefinition, run: JobRun
    ) -> tuple[RoleCredentials | None, str | None]:
        """The run's role credentials, and a note for its log when it runs without them."""
        if self._role_credentials is None or not job.role:
            return None, None
        role = self._role_credentials(job, run.job_run_id)
        if role is None and enforcement_enabled():
            return None, (
                f"the job's role {job.role} does not exist in the local cloud: the run uses "
                "the local administrator's credentials"
            )
        return role, None

    def _launch(
        self,
        spec: launcher.LaunchSpec,
        run_dir: Path,
        arguments: dict[str, str],
        run_environment: Mapping[str, str],
    ) -> _Driver:
        """Hand the run to a warm driver if it can use one, else start ``spark-submit``;
        either way with ``run_environment`` (role credentials, bookmark folder) added."""
        if self._warm_pool is None:
            reason = None
        elif not self._spark_master.startswith("local"):
            reason = f"runs use the Spark cluster at {self._spark_master}"
        elif self._warm_pool.size == 0:
            reason = f"warm drivers are off ({warm_pool.SIZE_VARIABLE}=0)"
        else:
            reason = launcher.cold_start_reason(arguments)
            if reason is None and spec.spark_conf:
                # A warm driver's S3A settings are fixed; encryption needs its own driver.
                reason = "the job's security configuration sets S3 encryption"
            if reason is None:
                reason = _shadowing_reason(spec.python_path)
            warm = self._warm_pool.take() if reason is None else None
            if warm is not None:
                handoff = warm.assign(spec, run_dir, run_environment)
                return _Driver(
                    handoff.process,
                    LogTail(handoff.stdout, handoff.stdout_offset),
                    LogTail(handoff.stderr, handoff.stderr_offset),
                    (handoff.stdout_offset, handoff.stderr_offset),
                    handoff.jvm_returncode,
                    f"started on a warm Spark driver (ready for {handoff.ready_seconds:.1f} s)",
                    warm.scratch,
                )
            reason = reason or "no warm driver was ready"
        command = self._build_command(spec)
        stdout_path, stderr_path = run_dir / "stdout.log", run_dir / "stderr.log"
        # Append mode: Spark's JVM and the script's Python both write to stderr.log.
        with stdout_path.open("ab") as stdout, stderr_path.open("ab") as stderr:
            environment = {**self._environment(), STDERR_VARIABLE: str(stderr_path)}
            environment.update(run_environment)
            environment.update(launcher.python_path_environment(spec, environment))
            environment.update(launcher.scratch_environment(self._scratch_of(run_dir)))
            process = subprocess.Popen(
                command,
                cwd=run_dir,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        return _Driver(
            process,
            LogTail(stdout_path),
            LogTail(stderr_path),
            (0, 0),
            lambda: None,
            f"started a new Spark driver: {reason}" if reason else None,
            self._scratch_of(run_dir),
        )

    def _scratch_of(self, run_dir: Path) -> Path:
        return self._settings.work_dir / "glue" / SCRATCH_FOLDER / run_dir.name

    @staticmethod
    def _flush_logs(run: JobRun, hooks: RunHooks, driver: _Driver, final: bool = False) -> None:
        """Send what the driver wrote since the last flush to the run's log streams."""
        out, err = driver.stdout.read(final), driver.stderr.read(final)
        if out or err or final:
            hooks.write_logs(run, out, err)

    def _watch(
        self, process: subprocess.Popen[bytes], run: JobRun, tick: Callable[[], None]
    ) -> bool:
        """Wait for the driver, calling ``tick`` now and then; end its process group on a
        stop request or at the deadline.

        Returns whether the deadline ended it.
        """
        deadline = time.monotonic() + run.timeout * self._seconds_per_minute
        next_tick = time.monotonic() + LOG_FLUSH_SECONDS
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
            if time.monotonic() >= next_tick:
                tick()
                next_tick = time.monotonic() + LOG_FLUSH_SECONDS
        process_groups.kill_group(process.pid)
        return False

    def _prepare(
        self, job: JobDefinition, run: JobRun, code_dir: Path, hooks: RunHooks
    ) -> tuple[launcher.LaunchSpec, dict[str, str]]:
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
            for location in launcher.extra_file_locations(arguments, launcher.EXTRA_PY_FILES)
        ]
        jars = [
            _download(hooks, location, code_dir, "--extra-jars entry")
            for location in launcher.extra_file_locations(arguments, launcher.EXTRA_JARS)
        ]
        try:
            spark_conf = (*job.spark_conf, *launcher.spark_conf_pairs(arguments))
        except ValueError as exc:
            raise RunSetupError(str(exc)) from exc
        spec = launcher.LaunchSpec(
            job_name=job.name,
            run_id=run.job_run_id,
            code_dir=code_dir,
            script_name=script_name,
            script_arguments=launcher.script_argv(arguments, job.name, run.job_run_id),
            py_file_names=tuple(py_files),
            jar_names=tuple(jars),
            spark_conf=spark_conf,
        )
        return spec, arguments

    def _start_warm_pool(self, size: int) -> warm_pool.WarmPool | None:
        try:
            jars = launcher.s3a_jars(launcher.jars_dir())
        except launcher.MissingJarsError as exc:
            log.warning("no warm Spark drivers: %s", exc)
            return None
        pool = warm_pool.WarmPool(
            self._settings.work_dir / "glue" / WARM_FOLDER,
            self._settings.work_dir / "glue" / SCRATCH_FOLDER,
            size,
            launcher.warm_driver_conf(self._settings.endpoint_url, jars),
            self._environment(),
        )
        pool.start()
        return pool

    def _local_command(self, spec: launcher.LaunchSpec) -> list[str]:
        jars = launcher.s3a_jars(launcher.jars_dir())
        return launcher.local_spark_submit_command(
            spec,
            launcher.spark_submit_path(),
            jars,
            self._settings.endpoint_url,
            launcher.driver_path(),
            self._spark_master,
        )

    def _environment(self) -> dict[str, str]:
        env = {key: os.environ[key] for key in PASSED_ENVIRONMENT if key in os.environ}
        env.update(client_environment(self._settings.endpoint_url))
        env.update(process_groups.owner_environment(self._settings.state_dir))
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


def _remove_leftover_scratch(glue_dir: Path) -> None:
    """Remove what drivers of an earlier cloud process left: the temporary files of runs it
    could not finish (killed with it) and its warm drivers, none of which outlive it."""
    for folder in (SCRATCH_FOLDER, WARM_FOLDER):
        shutil.rmtree(glue_dir / folder, ignore_errors=True)


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


def _shadowing_reason(python_path: tuple[Path, ...]) -> str | None:
    """Why a warm driver cannot take the run's modules: it may have imported its own
    version of one of them already (pyspark, boto3 and what they use)."""
    names = [
        name
        for directory in python_path
        for name in python_modules.shadowed(directory, _importable)
    ]
    if not names:
        return None
    return (
        f"{python_modules.MODULES_ARGUMENT} installs {', '.join(names)}, which the local "
        "cloud's Python already has"
    )


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _terminate_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the driver's process group, then SIGKILL what is left after a grace period."""
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=TERMINATE_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process_groups.kill_group(process.pid)
        process.wait()


def _signal_group(pid: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)
