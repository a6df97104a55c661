"""What a user does with the deployed pipeline: find it, feed it, follow it, read it back.

Shared by ``glueline e2e``, the end-to-end integration tests and the benchmarks, so all
three exercise the pipeline exactly the same way: through its public AWS APIs.
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

from glueline.cloud.settings import CloudSettings, client_environment

#: The CloudFormation outputs a deployed stage exposes (README: "Stacks and outputs").
CONTRACT_OUTPUTS = (
    "InputBucketName",
    "OutputBucketName",
    "AssetsBucketName",
    "GlueDatabaseName",
    "TriggerFunctionName",
    "FileProcessorJobName",
    "LegislatorsJobName",
)
FINAL_RUN_STATES = frozenset({"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR"})


class PipelineError(Exception):
    """The pipeline did not do what was expected; the message says what and where."""


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
        settings: CloudSettings,
        progress: Callable[[str], None] = lambda _: None,
        service_endpoints: Mapping[str, str] | None = None,
    ):
        env = client_environment(settings.endpoint_url)
        self._session = boto3.session.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_REGION"],
        )
        self._endpoint_url = settings.endpoint_url
        #: Services served elsewhere, such as Glue beside LocalStack in the Docker setup.
        self._service_endpoints = dict(service_endpoints or {})
        self.progress = progress
        self.s3 = self.client("s3")
        self.glue = self.client("glue")

    def client(self, service: str) -> Any:
        endpoint_url = self._service_endpoints.get(service, self._endpoint_url)
        return self._session.client(service, endpoint_url=endpoint_url)

    def stage_outputs(self) -> StageOutputs:
        """Collect the contract outputs from whichever deployed stacks carry them."""
        found: dict[str, str] = {}
        for stack in self.client("cloudformation").describe_stacks()["Stacks"]:
            for output in stack.get("Outputs", []):
                if output["OutputKey"] in CONTRACT_OUTPUTS:
                    found[output["OutputKey"]] = output["OutputValue"]
        missing = [key for key in CONTRACT_OUTPUTS if key not in found]
        if missing:
            raise PipelineError(
                f"the deployed stacks lack the outputs {', '.join(missing)}; "
                "deploy the local stage first (`make up` or `glueline deploy`)"
            )
        return StageOutputs(*(found[key] for key in CONTRACT_OUTPUTS))

    def wait_for_run_of(self, job_name: str, source_path: str, since: float, timeout: float) -> str:
        """The id of the job run the trigger started for ``source_path`` after ``since``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for run in self._runs(job_name):
                started = run["StartedOn"].timestamp()
                if (
                    run.get("Arguments", {}).get("--source_path") == source_path
                    and started >= since
                ):
                    return run["Id"]
            time.sleep(0.2)
        raise PipelineError(
            f"no run of {job_name} for {source_path} started within {timeout:.0f} s; "
            "see the trigger function's log group (its LoggingConfig.LogGroup)"
        )

    def wait_for_final_state(self, job_name: str, run_id: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        last_state = ""
        while time.monotonic() < deadline:
            run = self.glue.get_job_run(JobName=job_name, RunId=run_id)["JobRun"]
            if run["JobRunState"] != last_state:
                last_state = run["JobRunState"]
                self.progress(f"{job_name} run {run_id[:12]}: {last_state}")
            if last_state in FINAL_RUN_STATES:
                return run
            time.sleep(0.5)
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

    def _runs(self, job_name: str) -> list[dict[str, Any]]:
        return self.glue.get_job_runs(JobName=job_name)["JobRuns"]
