"""What a user does with the deployed pipeline: find it, feed it, follow it, read it back.

Shared by ``glueline e2e``, the end-to-end integration tests and the benchmarks, so all
three exercise the pipeline exactly the same way: through its public AWS APIs. The same
client talks to the local cloud (fixed endpoint and its test credentials) or to AWS (boto3's
default credential chain and region; an ``AWS_ENDPOINT_URL`` in the environment is honoured
by boto3 itself), so nothing here may assume which one it is.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
from botocore.exceptions import ClientError

from glueline.cloud.settings import CloudSettings, client_environment

DEFAULT_PROJECT = "glueline"
LOCAL_STAGE_NAME = "local"
#: The most keys one S3 DeleteObjects request takes.
DELETE_BATCH_SIZE = 1000
FINAL_RUN_STATES = frozenset({"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR"})
#: Outputs the client needs, by stack, mapped to their ``StageOutputs`` field.
INFRASTRUCTURE_OUTPUT_FIELDS = {
    "InputBucketName": "input_bucket",
    "OutputBucketName": "output_bucket",
    "AssetsBucketName": "assets_bucket",
    "GlueDatabaseName": "database",
    "TriggerFunctionName": "trigger_function",
}
APPLICATION_OUTPUT_FIELDS = {
    "FileProcessorJobName": "file_processor_job",
    "LegislatorsJobName": "legislators_job",
}


class PipelineError(Exception):
    """The pipeline did not do what was expected; the message says what and where."""


@dataclass(frozen=True)
class StageStacks:
    """The two CloudFormation stacks of one deployed stage, named as ``stack/config.py`` does.

    Looking a stage up by its stack names, not by whichever stack carries the outputs, keeps
    a check of ``dev`` from reading another stage deployed to the same account and region.
    """

    stage: str
    project: str = DEFAULT_PROJECT

    @property
    def infrastructure(self) -> str:
        return f"{self.project}-{self.stage}-infrastructure"

    @property
    def application(self) -> str:
        return f"{self.project}-{self.stage}-application"


LOCAL_STAGE = StageStacks(LOCAL_STAGE_NAME)


@dataclass(frozen=True)
class StageOutputs:
    input_bucket: str
    output_bucket: str
    assets_bucket: str
    database: str
    trigger_function: str
    file_processor_job: str
    legislators_job: str


class PipelineClient:
    """boto3 clients for one cloud, plus the waits the pipeline's asynchrony needs."""

    def __init__(
        self,
        session: boto3.session.Session,
        *,
        endpoint_url: str | None = None,
        service_endpoints: Mapping[str, str] | None = None,
        progress: Callable[[str], None] = lambda _: None,
        deploy_hint: str = "",
    ):
        self._session = session
        #: None leaves the endpoint to boto3: AWS, or ``AWS_ENDPOINT_URL`` when it is set.
        self._endpoint_url = endpoint_url
        #: Services served elsewhere, such as Glue beside LocalStack in the Docker setup.
        self._service_endpoints = dict(service_endpoints or {})
        self._deploy_hint = deploy_hint
        self.progress = progress
        self.s3 = self.client("s3")
        self.glue = self.client("glue")

    @classmethod
    def local(
        cls,
        settings: CloudSettings,
        *,
        service_endpoints: Mapping[str, str] | None = None,
        progress: Callable[[str], None] = lambda _: None,
    ) -> PipelineClient:
        """A client for the local cloud at ``settings``, with the credentials it accepts."""
        env = client_environment(settings.endpoint_url)
        session = boto3.session.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_REGION"],
        )
        return cls(
            session,
            endpoint_url=settings.endpoint_url,
            service_endpoints=service_endpoints,
            progress=progress,
            deploy_hint="deploy the local stage first (`make up` or `glueline deploy`)",
        )

    @classmethod
    def aws(
        cls, *, region: str | None = None, progress: Callable[[str], None] = lambda _: None
    ) -> PipelineClient:
        """A client with boto3's default credential chain and region (``region`` overrides)."""
        session = boto3.session.Session(region_name=region)
        if session.region_name is None:
            raise PipelineError(
                "no AWS region: pass --region, or set AWS_DEFAULT_REGION or the profile's region"
            )
        return cls(
            session,
            progress=progress,
            deploy_hint=(
                f"is the stage deployed in {session.region_name}, and are the credentials "
                "those of its account?"
            ),
        )

    @property
    def region(self) -> str:
        return self._session.region_name

    def client(self, service: str) -> Any:
        endpoint_url = self._service_endpoints.get(service, self._endpoint_url)
        return self._session.client(service, endpoint_url=endpoint_url)

    def stage_outputs(self, stacks: StageStacks = LOCAL_STAGE) -> StageOutputs:
        """The outputs of one stage's two stacks, found by their names."""
        found = {
            **self._outputs(stacks.infrastructure, INFRASTRUCTURE_OUTPUT_FIELDS),
            **self._outputs(stacks.application, APPLICATION_OUTPUT_FIELDS),
        }
        return StageOutputs(**found)

    def _outputs(self, stack_name: str, fields: Mapping[str, str]) -> dict[str, str]:
        try:
            [stack] = self.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
        except ClientError as error:
            if "does not exist" not in error.response.get("Error", {}).get("Message", ""):
                raise
            raise PipelineError(
                f"stack {stack_name} does not exist in {self.region}; {self._deploy_hint}"
            ) from error
        values = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
        missing = [key for key in fields if key not in values]
        if missing:
            raise PipelineError(
                f"stack {stack_name} ({stack['StackStatus']}) lacks the outputs "
                f"{', '.join(missing)}; {self._deploy_hint}"
            )
        return {field: values[key] for key, field in fields.items()}

    def wait_for_run_of(
        self,
        job_name: str,
        source_path: str,
        since: float,
        timeout: float,
        *,
        interval: float = 0.2,
        heartbeat: float | None = None,
    ) -> str:
        """The id of the job run the trigger started for ``source_path`` after ``since``.

        ``heartbeat`` seconds apart, ``progress`` hears that the wait goes on.
        """
        started_waiting, reported_at = time.monotonic(), 0.0
        while (waited := time.monotonic() - started_waiting) < timeout:
            for run in self.runs_for(job_name, source_path):
                if run["StartedOn"].timestamp() >= since:
                    self.progress(f"{job_name} run {run['Id'][:12]} started ({_duration(waited)})")
                    return run["Id"]
            if heartbeat is not None and waited - reported_at >= heartbeat:
                self.progress(f"no run of {job_name} yet ({_duration(waited)})")
                reported_at = waited
            time.sleep(interval)
        raise PipelineError(
            f"no run of {job_name} for {source_path} started within {timeout:.0f} s; "
            "see the trigger function's log group (its LoggingConfig.LogGroup)"
        )

    def wait_for_final_state(
        self,
        job_name: str,
        run_id: str,
        timeout: float,
        *,
        interval: float = 0.5,
        heartbeat: float | None = None,
    ) -> dict[str, Any]:
        """The run once it has ended.

        Each state change goes to ``progress``, and ``heartbeat`` seconds without one say the
        run is still in its state: an AWS Glue run takes minutes, and silence looks like a hang.
        """
        started_waiting, reported_at = time.monotonic(), 0.0
        last_state = ""
        while (waited := time.monotonic() - started_waiting) < timeout:
            run = self.glue.get_job_run(JobName=job_name, RunId=run_id)["JobRun"]
            state = run["JobRunState"]
            changed = state != last_state
            if changed or (heartbeat is not None and waited - reported_at >= heartbeat):
                still = "" if changed else "still "
                self.progress(f"{job_name} run {run_id[:12]}: {still}{state} ({_duration(waited)})")
                last_state, reported_at = state, waited
            if state in FINAL_RUN_STATES:
                return run
            time.sleep(interval)
        raise PipelineError(f"run {run_id} of {job_name} did not finish within {timeout:.0f} s")

    def read_parquet(self, bucket: str, prefix: str) -> pa.Table:
        """Every Parquet file under ``prefix``, as one table (Hive partitions as columns)."""
        tables = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                if not entry["Key"].endswith(".parquet"):
                    continue
                body = self.s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
                tables.append(pq.read_table(io.BytesIO(body)))
        if not tables:
            raise PipelineError(f"no Parquet files under s3://{bucket}/{prefix}")
        return pa.concat_tables(tables, promote_options="permissive")

    def run_log(self, run_id: str, stream: str) -> str:
        """A Glue run's ``output`` or ``error`` log, as one text ("" when it has none yet)."""
        logs = self.client("logs")
        try:
            events = logs.get_log_events(
                logGroupName=f"/aws-glue/jobs/{stream}", logStreamName=run_id, startFromHead=True
            )
        except logs.exceptions.ResourceNotFoundException:
            return ""
        return "\n".join(event["message"] for event in events["events"])

    def object_versions(self, bucket: str, prefix: str) -> list[dict[str, str]]:
        """Every version and delete marker under ``prefix`` as ``Key``/``VersionId`` pairs.

        In a versioned bucket a plain delete only adds a delete marker and keeps the data, so
        removing something for good means removing each of these.
        """
        entries = []
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                entries.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
        return entries

    def remove_prefix(self, bucket: str, prefix: str) -> int:
        """Delete every version and delete marker under ``prefix``; returns how many."""
        entries = self.object_versions(bucket, prefix)
        for start in range(0, len(entries), DELETE_BATCH_SIZE):
            batch = entries[start : start + DELETE_BATCH_SIZE]
            response = self.s3.delete_objects(
                Bucket=bucket, Delete={"Objects": batch, "Quiet": True}
            )
            if errors := response.get("Errors"):
                first = errors[0]
                raise PipelineError(
                    f"could not delete {len(errors)} object version(s) under "
                    f"s3://{bucket}/{prefix}; first: {first['Key']}: {first['Message']}"
                )
        return len(entries)

    def remove_table(self, database: str, table: str) -> bool:
        """Delete a catalog table (Glue removes its partitions with it); False if absent."""
        try:
            self.glue.delete_table(DatabaseName=database, Name=table)
        except self.glue.exceptions.EntityNotFoundException:
            return False
        return True

    def runs_for(self, job_name: str, source_path: str) -> list[dict[str, Any]]:
        """The job's recent runs (Glue's first page, newest first) for ``source_path``."""
        runs = self.glue.get_job_runs(JobName=job_name)["JobRuns"]
        return [r for r in runs if r.get("Arguments", {}).get("--source_path") == source_path]


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m {rest:02d}s" if minutes else f"{rest}s"
