"""Wires the local Glue runtime into moto's Glue service.

moto keeps job definitions well but fakes runs: ``FakeJobRun`` turns SUCCEEDED after a few
reads and nothing executes. Here ``StartJobRun`` hands the run to :class:`GlueJobRunner`,
``GetJobRun(s)`` read its real state without advancing anything, and ``BatchStopJobRun``
(which moto does not implement) stops runs. The hooks connect a run to the local S3, Logs and
EventBridge of the job's own account and region.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glueline.cloud.glue import events, logs
from glueline.cloud.glue.runs import (
    ConcurrentRunsExceeded,
    GlueJobRunner,
    JobDefinition,
    ObjectNotFound,
    RunNotStoppable,
    RunRequest,
)
from glueline.cloud.glue.state import JobRun


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


def job_definition(job: Any) -> JobDefinition:
    """Snapshot a moto ``FakeJob`` into what a run needs."""
    execution_property = job.execution_property or {}
    return JobDefinition(
        name=job.name,
        script_location=(job.command or {}).get("ScriptLocation", ""),
        default_arguments=dict(job.default_arguments or {}),
        non_overridable_arguments=dict(job.non_overridable_arguments or {}),
        max_concurrent_runs=int(execution_property.get("MaxConcurrentRuns", 1)),
        timeout=job.timeout,
        glue_version=job.glue_version,
        worker_type=job.worker_type,
        number_of_workers=job.number_of_workers,
        max_capacity=job.max_capacity,
        allocated_capacity=job.allocated_capacity,
    )


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
    ) -> str:
        request = RunRequest(
            arguments=dict(arguments or {}),
            timeout=timeout,
            worker_type=worker_type,
            number_of_workers=number_of_workers,
            max_capacity=max_capacity,
            allocated_capacity=allocated_capacity,
            previous_run_id=previous_run_id,
        )
        try:
            run = runner.start(job_definition(self), self.job_runs, request, hooks_for(self))
        except ConcurrentRunsExceeded as exc:
            raise ConcurrentRunsExceededException(str(exc)) from exc
        return run.job_run_id

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

    FakeJob.start_job_run = start_job_run
    FakeJob.get_job_run = get_job_run
    FakeJob.get_job_runs = get_job_runs
    GlueResponse.batch_stop_job_run = batch_stop_job_run


def _error_code(exc: Exception) -> str:
    """moto's errors carry their AWS code; a run that cannot stop is an invalid input."""
    return str(getattr(exc, "error_type", "InvalidInputException"))


def _error_message(exc: Exception) -> str:
    return str(getattr(exc, "message", exc))
