"""Wires the local Glue runtime into moto's Glue service.

moto keeps job definitions well but fakes runs: ``FakeJobRun`` turns SUCCEEDED after a few
reads and nothing executes. Here ``StartJobRun`` hands the run to :class:`GlueJobRunner`,
``GetJobRun(s)`` read its real state without advancing anything, ``BatchStopJobRun``
(which moto does not implement) stops runs, and jobs and runs keep ``JobRunQueuingEnabled``
(which moto drops). The hooks connect a run to the local S3, Logs and
EventBridge of the job's own account and region.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glueline.cloud import patches
from glueline.cloud.glue import events, logs, observers, security
from glueline.cloud.glue.bookmarks import JobBookmark
from glueline.cloud.glue.runs import (
    ConcurrentRunsExceeded,
    GlueJobRunner,
    JobDefinition,
    ObjectNotFound,
    RunNotStoppable,
    RunRequest,
)
from glueline.cloud.glue.state import SUCCEEDED, TERMINAL_STATES, JobRun


class MotoRunHooks:
    """The local cloud's S3, CloudWatch Logs and EventBridge, for one account and region."""

    def __init__(self, account_id: str, region: str) -> None:
        self._account_id = account_id
        self._region = region

    def fetch(self, location: str) -> bytes:
        from moto.s3.exceptions import MissingBucket
        from moto.s3.models import s3_backends

        bucket, _, key = location.split("://", 1)[1].partition("/")
        try:
            found = s3_backends[self._account_id]["aws"].get_object(bucket, key)
        except MissingBucket as exc:
            raise ObjectNotFound(f"bucket {bucket} does not exist") from exc
        if found is None:
            raise ObjectNotFound(f"no object {key} in bucket {bucket}")
        return bytes(found.value)

    def write_logs(self, run: JobRun, stdout: str, stderr: str) -> None:
        from moto.logs.models import logs_backends

        backend = logs_backends[self._account_id][self._region]
        logs.write_run_logs(backend, run.job_run_id, stdout, stderr)

    def state_changed(self, run: JobRun) -> None:
        from moto.events.models import events_backends

        events.emit_state_change(events_backends[self._account_id][self._region], run)
        if run.state == SUCCEEDED and run.bookmark is not None:
            self._keep_bookmark(run)
        if run.state in TERMINAL_STATES:
            observers.finished(
                observers.Finished(
                    self._account_id, self._region, "JOB", run.job_name, run.job_run_id, run.state
                )
            )

    def _keep_bookmark(self, run: JobRun) -> None:
        """The job keeps what a successful run committed (a deleted job keeps nothing)."""
        from moto.glue.exceptions import EntityNotFoundException
        from moto.glue.models import glue_backends

        try:
            job = glue_backends[self._account_id][self._region].get_job(run.job_name)
        except EntityNotFoundException:
            return
        current = bookmark_of(job) or JobBookmark(run.job_name)
        set_bookmark(job, current.advanced(run.job_run_id, run.bookmark or {}))


def job_definition(job: Any, security_configuration: str | None = None) -> JobDefinition:
    """Snapshot a moto ``FakeJob`` into what a run needs; ``security_configuration`` is the
    run's own, which replaces the job's."""
    execution_property = job.execution_property or {}
    return JobDefinition(
        name=job.name,
        script_location=(job.command or {}).get("ScriptLocation", ""),
        default_arguments=dict(job.default_arguments or {}),
        non_overridable_arguments=dict(job.non_overridable_arguments or {}),
        max_concurrent_runs=int(execution_property.get("MaxConcurrentRuns", 1)),
        job_run_queuing_enabled=queuing_enabled(job),
        timeout=job.timeout,
        glue_version=job.glue_version,
        worker_type=job.worker_type,
        number_of_workers=job.number_of_workers,
        max_capacity=job.max_capacity,
        allocated_capacity=job.allocated_capacity,
        role=job.role,
        account_id=job.backend.account_id,
        region=job.backend.region_name,
        spark_conf=security_settings(job, security_configuration),
        warnings=security_warnings(job, security_configuration),
        bookmark=bookmark.contexts if (bookmark := bookmark_of(job)) else None,
    )


def security_settings(job: Any, run_configuration: str | None) -> tuple[tuple[str, str], ...]:
    """The Spark settings of the security configuration a run uses (the run's, else the
    job's); one that does not exist refuses the run, as AWS does."""
    from moto.glue.exceptions import EntityNotFoundException, InvalidInputException

    name = run_configuration or job.security_configuration
    if not name:
        return ()
    found = job.backend.security_configurations.get(name)
    if found is None:
        raise EntityNotFoundException(f"Security configuration {name} not found")
    try:
        return security.s3_encryption_settings(found.configuration)
    except security.InvalidSecurityConfiguration as exc:
        raise InvalidInputException("StartJobRun", str(exc)) from exc


def security_warnings(job: Any, run_configuration: str | None) -> tuple[str, ...]:
    """What the run's log must say about its security configuration (SSE-KMS is not applied
    locally); nothing for a configuration that does not exist, which the run is refused for."""
    name = run_configuration or job.security_configuration
    found = job.backend.security_configurations.get(name) if name else None
    if found is None:
        return ()
    warning = security.s3_encryption_warning(found.configuration)
    return (warning,) if warning else ()


QUEUING_ATTRIBUTE = "job_run_queuing_enabled"
BOOKMARK_ATTRIBUTE = "glueline_job_bookmark"


def queuing_enabled(job: Any) -> bool:
    """A job's ``JobRunQueuingEnabled``; moto's model has no such field, glueline sets it."""
    return bool(getattr(job, QUEUING_ATTRIBUTE, False))


def set_queuing_enabled(job: Any, value: Any) -> None:
    """Record ``JobRunQueuingEnabled`` from an API call (bool) or a template ("true")."""
    setattr(job, QUEUING_ATTRIBUTE, str(value).lower() == "true")


def bookmark_of(job: Any) -> JobBookmark | None:
    """The job's bookmark, None before a run with bookmarks succeeded (or after a reset)."""
    return getattr(job, BOOKMARK_ATTRIBUTE, None)


def set_bookmark(job: Any, bookmark: JobBookmark) -> None:
    setattr(job, BOOKMARK_ATTRIBUTE, bookmark)


def moto_hooks_for(job: Any) -> MotoRunHooks:
    return MotoRunHooks(job.backend.account_id, job.backend.region_name)


def install(runner: GlueJobRunner, hooks_for: Callable[[Any], Any] = moto_hooks_for) -> None:
    """Replace moto's fake run lifecycle with real runs and add ``BatchStopJobRun``.

    ``hooks_for`` picks, per job, where scripts are fetched and logs and events go: the
    local cloud's own services by default, LocalStack's in the Docker setup.
    """
    from moto.core.responses import ActionResult
    from moto.glue.exceptions import (
        ConcurrentRunsExceededException,
        EntityNotFoundException,
        InvalidInputException,
        JobRunNotFoundException,
    )
    from moto.glue.models import FakeJob
    from moto.glue.responses import GlueResponse

    def start_job_run(
        self: Any,
        allocated_capacity: int | None,
        max_capacity: float | None,
        timeout: int | None,
        worker_type: str | None,
        security_configuration: str | None,
        number_of_workers: int | None,
        notification_property: dict[str, int] | None,
        previous_run_id: str | None,
        arguments: dict[str, str] | None,
        job_run_queuing_enabled: bool | None = None,
    ) -> str:
        request = RunRequest(
            arguments=dict(arguments or {}),
            timeout=timeout,
            worker_type=worker_type,
            number_of_workers=number_of_workers,
            max_capacity=max_capacity,
            allocated_capacity=allocated_capacity,
            previous_run_id=previous_run_id,
            job_run_queuing_enabled=job_run_queuing_enabled,
        )
        try:
            definition = job_definition(self, security_configuration)
            run = runner.start(definition, self.job_runs, request, hooks_for(self))
        except ConcurrentRunsExceeded as exc:
            raise ConcurrentRunsExceededException(str(exc)) from exc
        return run.job_run_id

    def start_job_run_action(self: Any) -> ActionResult:
        """moto's action, plus the run's own ``JobRunQueuingEnabled``."""
        allocated_capacity = self._get_int_param("AllocatedCapacity")
        max_capacity = self._get_float_param("MaxCapacity")
        if allocated_capacity and max_capacity:
            raise InvalidInputException(
                "StartJobRun", "Please set only Allocated Capacity or Max Capacity"
            )
        job = self.glue_backend.get_job(self._get_param("JobName"))
        run_id = job.start_job_run(
            allocated_capacity=allocated_capacity,
            max_capacity=max_capacity,
            timeout=self._get_int_param("Timeout"),
            worker_type=self._get_param("WorkerType"),
            security_configuration=self._get_param("SecurityConfiguration"),
            number_of_workers=self._get_int_param("NumberOfWorkers"),
            notification_property=self._get_param("NotificationProperty"),
            previous_run_id=self._get_param("JobRunId"),
            arguments=self._get_param("Arguments"),
            job_run_queuing_enabled=self._get_param("JobRunQueuingEnabled"),
        )
        return ActionResult({"JobRunId": run_id})

    @patches.wrap(GlueResponse, "create_job", reason="jobs keep JobRunQueuingEnabled")
    def create_job_action(original: Any, self: Any) -> ActionResult:
        result = original(self)
        queuing = self._get_param("JobRunQueuingEnabled")
        if queuing is not None:
            set_queuing_enabled(self.glue_backend.get_job(self._get_param("Name")), queuing)
        return result

    @patches.wrap(FakeJob, "as_dict", reason="GetJob reports JobRunQueuingEnabled")
    def job_as_dict(original: Any, self: Any) -> dict[str, Any]:
        return {**original(self), "JobRunQueuingEnabled": queuing_enabled(self)}

    def get_job_run(self: Any, run_id: str) -> JobRun:
        for run in self.job_runs:
            if run.job_run_id == run_id:
                return run
        raise JobRunNotFoundException(run_id)

    def get_job_runs(self: Any) -> list[JobRun]:
        """Newest first, as AWS lists them (moto lists oldest first)."""
        return list(reversed(self.job_runs))

    def batch_stop_job_run(self: Any) -> ActionResult:
        job_name = self._get_param("JobName")
        stopped: list[dict[str, str]] = []
        errors: list[dict[str, Any]] = []
        for run_id in self._get_param("JobRunIds") or []:
            try:
                job = self.glue_backend.get_job(job_name)
                run = job.get_job_run(run_id)
                runner.stop(run, hooks_for(job))
                stopped.append({"JobName": job_name, "JobRunId": run_id})
            except (EntityNotFoundException, RunNotStoppable) as exc:
                detail = {"ErrorCode": _error_code(exc), "ErrorMessage": _error_message(exc)}
                errors.append({"JobName": job_name, "JobRunId": run_id, "ErrorDetail": detail})
        return ActionResult({"SuccessfulSubmissions": stopped, "Errors": errors})

    patches.replace(FakeJob, "start_job_run", start_job_run, reason="runs really execute")
    patches.replace(
        GlueResponse, "start_job_run", start_job_run_action, reason="runs may queue (WAITING)"
    )
    patches.replace(FakeJob, "get_job_run", get_job_run, reason="a run's state is its real one")
    patches.replace(FakeJob, "get_job_runs", get_job_runs, reason="newest first, as AWS lists")
    patches.add(GlueResponse, "batch_stop_job_run", batch_stop_job_run, reason="stop runs")

    def get_job_bookmark(self: Any) -> ActionResult:
        name = self._get_param("JobName")
        bookmark = bookmark_of(self.glue_backend.get_job(name))
        if bookmark is None:
            raise EntityNotFoundException(f"Continuation for job {name} not found")
        return ActionResult({"JobBookmarkEntry": bookmark.entry()})

    def reset_job_bookmark(self: Any) -> ActionResult:
        name, run_id = self._get_param("JobName"), self._get_param("RunId")
        job = self.glue_backend.get_job(name)
        bookmark = bookmark_of(job) or JobBookmark(name)
        try:
            bookmark = bookmark.reset(run_id)
        except KeyError as exc:
            raise EntityNotFoundException(
                f"No bookmark of job {name} for run {run_id}: that run committed none"
            ) from exc
        set_bookmark(job, bookmark)
        return ActionResult({"JobBookmarkEntry": bookmark.entry()})

    patches.add(GlueResponse, "get_job_bookmark", get_job_bookmark, reason="job bookmarks")
    patches.add(GlueResponse, "reset_job_bookmark", reset_job_bookmark, reason="job bookmarks")


def _error_code(exc: Exception) -> str:
    """moto's errors carry their AWS code; a run that cannot stop is an invalid input."""
    return str(getattr(exc, "error_type", "InvalidInputException"))


def _error_message(exc: Exception) -> str:
    return str(getattr(exc, "message", exc))
