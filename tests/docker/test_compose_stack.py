"""Glue runs in the Docker setup, as a user drives them: a tiny Glue script in the AWS Glue libs
image against LocalStack's S3, then the same through glueline's Glue API (CreateJob,
StartJobRun), whose run code, driver output and state-change events live in LocalStack.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from glueline.cloud.glue.launcher import LaunchSpec
from glueline.docker_backend import compose
from glueline.docker_backend.service import job_command

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
AwsClient = Callable[[str], Any]

RUN_TIMEOUT_SECONDS = 600

SCRIPT = """\
import sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "bucket"])
glue = GlueContext(SparkContext.getOrCreate())
spark = glue.spark_session
frame = spark.createDataFrame([(1, "a"), (2, "b"), (3, "c")], ["id", "letter"])
frame.write.mode("overwrite").json(f"s3://{args['bucket']}/out/")
print("wrote", frame.count(), "rows")
"""
EXPECTED_ROWS = [
    '{"id":1,"letter":"a"}',
    '{"id":2,"letter":"b"}',
    '{"id":3,"letter":"c"}',
]


def output_rows(aws: AwsClient, bucket: str) -> list[str]:
    s3 = aws("s3")
    keys = [
        item["Key"]
        for item in s3.list_objects_v2(Bucket=bucket, Prefix="out/").get("Contents", [])
        if item["Key"].endswith(".json")
    ]
    rows: list[str] = []
    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        rows.extend(line for line in body.splitlines() if line)
    return sorted(rows)


def new_bucket(aws: AwsClient) -> str:
    bucket = f"glueline-docker-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=bucket)
    return bucket


def test_compose_accepts_the_files_the_setup_starts_with(compose_stack: Path) -> None:
    command = compose.compose_command(REPO, "config", "--quiet", offline=compose.runs_offline())

    checked = subprocess.run(command, capture_output=True, text=True)

    assert checked.returncode == 0, checked.stderr


def test_both_services_answer_on_the_loopback_ports(aws: AwsClient) -> None:
    assert aws("s3").list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "DatabaseList" in aws("glue").get_databases()


def test_a_script_in_the_glue_libs_image_writes_to_localstacks_s3(
    compose_stack: Path, aws: AwsClient
) -> None:
    bucket = new_bucket(aws)
    run_id = f"jr_{uuid.uuid4().hex}"
    code_dir = compose_stack / "work" / "glue" / run_id / "code"
    code_dir.mkdir(parents=True)
    (code_dir / "tiny.py").write_text(SCRIPT)
    spec = LaunchSpec(
        job_name="tiny",
        run_id=run_id,
        code_dir=code_dir,
        script_name="tiny.py",
        script_arguments=("--bucket", bucket, "--JOB_NAME", "tiny", "--JOB_RUN_ID", run_id),
    )

    finished = subprocess.run(
        job_command(spec), capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS
    )

    assert finished.returncode == 0, finished.stderr[-4000:]
    assert "wrote 3 rows" in finished.stdout
    assert output_rows(aws, bucket) == EXPECTED_ROWS


def test_the_glue_service_runs_jobs_in_the_glue_libs_image_with_localstacks_s3_logs_and_events(
    aws: AwsClient,
) -> None:
    bucket = new_bucket(aws)
    s3, glue, sqs, events = aws("s3"), aws("glue"), aws("sqs"), aws("events")
    s3.put_object(Bucket=bucket, Key="scripts/tiny.py", Body=SCRIPT.encode())
    queue_url = sqs.create_queue(QueueName=f"{bucket}-glue-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    job_name = f"tiny-{bucket}"
    events.put_rule(
        Name=bucket,
        EventPattern=json.dumps({"source": ["aws.glue"], "detail": {"jobName": [job_name]}}),
    )
    events.put_targets(
        Rule=bucket, Targets=[{"Id": "q", "Arn": queue_arn["Attributes"]["QueueArn"]}]
    )
    glue.create_job(
        Name=job_name,
        Role="arn:aws:iam::000000000000:role/glue",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/scripts/tiny.py"},
        DefaultArguments={"--bucket": bucket},
        GlueVersion="5.0",
    )

    run_id = glue.start_job_run(JobName=job_name)["JobRunId"]
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while True:
        run = glue.get_job_run(JobName=job_name, RunId=run_id)["JobRun"]
        if run["JobRunState"] not in {"STARTING", "RUNNING", "STOPPING"}:
            break
        assert time.monotonic() < deadline, f"run still {run['JobRunState']}"
        time.sleep(2)

    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert output_rows(aws, bucket) == EXPECTED_ROWS
    output = aws("logs").get_log_events(logGroupName="/aws-glue/jobs/output", logStreamName=run_id)
    assert any("wrote 3 rows" in event["message"] for event in output["events"])
    states = []
    for _ in range(10):
        received = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2
        )
        for message in received.get("Messages", []):
            detail = json.loads(message["Body"])["detail"]
            assert detail["jobRunId"] == run_id
            states.append(detail["state"])
        if "SUCCEEDED" in states:
            break
    assert states[-1] == "SUCCEEDED"
    assert "RUNNING" in states
