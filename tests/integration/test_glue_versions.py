"""A job's GlueVersion over HTTP: runs that match the local Spark go quietly, older Spark 3
versions say in their error log what AWS would have run, Spark 2 versions fail.

AWS Glue developer guide: "AWS Glue versions" (Glue 4.0 is Spark 3.3.0 and Python 3.10, Glue
2.0 Spark 2.4.3 and Python 3.7) and "AWS Glue version support policy" (Glue 0.9, 1.0 and 2.0
reached their end of life on 2026-04-01: no new job runs start).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

SUFFIX = uuid.uuid4().hex[:8]
BUCKET = f"glue-versions-{SUFFIX}"
ROLE = "arn:aws:iam::000000000000:role/glueline-test-glue"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED"}
#: The run starts a Spark driver on a shared two-core machine.
RUN_SECONDS = 180
SCRIPT = "print('hello from the job')\n"


@pytest.fixture(scope="module")
def job_with_version(aws: Callable[[str], Any]) -> Callable[[str], str]:
    """A job running SCRIPT that declares ``version``; returns its name."""
    aws("s3").create_bucket(Bucket=BUCKET)
    aws("s3").put_object(Bucket=BUCKET, Key="job.py", Body=SCRIPT.encode())

    def create(version: str) -> str:
        name = f"glue-{version.replace('.', '-')}-{SUFFIX}"
        aws("glue").create_job(
            Name=name,
            Role=ROLE,
            Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/job.py"},
            GlueVersion=version,
        )
        return name

    return create


def run_to_end(aws: Callable[[str], Any], eventually: Callable[..., Any], job: str) -> dict:
    run_id = aws("glue").start_job_run(JobName=job)["JobRunId"]

    def finished() -> dict | None:
        """the job run reaches a terminal state"""
        run = aws("glue").get_job_run(JobName=job, RunId=run_id)["JobRun"]
        return run if run["JobRunState"] in TERMINAL else None

    return eventually(finished, timeout=RUN_SECONDS, interval=0.5)


def log_lines(aws: Callable[[str], Any], group: str, run_id: str) -> list[str]:
    events = aws("logs").get_log_events(logGroupName=group, logStreamName=run_id)["events"]
    return [event["message"] for event in events]


def test_glue_2_run_fails_saying_the_local_cloud_lacks_its_runtime(
    aws: Callable[[str], Any], eventually: Callable[..., Any], job_with_version: Callable
) -> None:
    run = run_to_end(aws, eventually, job_with_version("2.0"))

    assert run["JobRunState"] == "FAILED"
    assert run["GlueVersion"] == "2.0"
    assert run["ErrorMessage"].startswith(
        "Glue 2.0 runs Spark 2.4.3, Python 3.7, which the local cloud does not have"
    )
    assert "end of life on 2026-04-01" in run["ErrorMessage"]
    assert log_lines(aws, "/aws-glue/jobs/output", run["Id"]) == []


def test_glue_4_run_succeeds_on_local_spark_with_a_warning_naming_both(
    aws: Callable[[str], Any], eventually: Callable[..., Any], job_with_version: Callable
) -> None:
    run = run_to_end(aws, eventually, job_with_version("4.0"))

    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    errors = log_lines(aws, "/aws-glue/jobs/error", run["Id"])
    assert errors[0].startswith(
        "glueline: WARNING: Glue 4.0 runs Spark 3.3.0, Python 3.10 in AWS, but the local cloud "
        "has Spark 3.5.6 on Python 3.11"
    )
    assert "hello from the job" in log_lines(aws, "/aws-glue/jobs/output", run["Id"])
