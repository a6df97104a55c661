"""LocalStack's side of a Glue run in the Docker setup, without a daemon: run code from S3,
driver output to CloudWatch Logs, state changes to EventBridge.

AWS calls go to moto's in-process mock (``mock_aws``) in LocalStack's place; tests/docker
checks the same hooks against LocalStack itself, from glueline's Glue service container.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from glueline.cloud.glue.runs import ObjectNotFound
from glueline.cloud.glue.state import JobRun
from glueline.docker_backend.run_hooks import LocalStackRunHooks


def client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1")


def run() -> JobRun:
    return JobRun(
        job_name="file-processor",
        job_run_id="jr_42",
        arguments={},
        timeout=5,
        glue_version="5.0",
    )


def test_run_hooks_fetch_scripts_from_localstacks_s3(aws: None) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="assets")
    s3.put_object(Bucket="assets", Key="scripts/job.py", Body=b"print('hi')\n")
    hooks = LocalStackRunHooks(client)

    assert hooks.fetch("s3://assets/scripts/job.py") == b"print('hi')\n"
    with pytest.raises(ObjectNotFound):
        hooks.fetch("s3://assets/scripts/missing.py")
    with pytest.raises(ObjectNotFound):
        hooks.fetch("s3://no-such-bucket/job.py")


def test_run_hooks_write_driver_output_where_aws_glue_does(aws: None) -> None:
    hooks = LocalStackRunHooks(client)

    hooks.write_logs(run(), "started\nwrote 3 rows\n", "WARN slow\n")
    hooks.write_logs(run(), "again\n", "")

    logs = client("logs")
    output = logs.get_log_events(logGroupName="/aws-glue/jobs/output", logStreamName="jr_42")
    error = logs.get_log_events(logGroupName="/aws-glue/jobs/error", logStreamName="jr_42")
    assert [event["message"] for event in output["events"]] == ["started", "wrote 3 rows", "again"]
    assert [event["message"] for event in error["events"]] == ["WARN slow"]


def test_run_hooks_publish_state_changes_to_the_clouds_eventbridge(aws: None) -> None:
    sqs, events = client("sqs"), client("events")
    queue_url = sqs.create_queue(QueueName="glue-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    events.put_rule(Name="glue", EventPattern=json.dumps({"source": ["aws.glue"]}))
    events.put_targets(
        Rule="glue", Targets=[{"Id": "q", "Arn": queue_arn["Attributes"]["QueueArn"]}]
    )

    LocalStackRunHooks(client).state_changed(run())

    (message,) = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    event = json.loads(message["Body"])
    assert event["detail-type"] == "Glue Job State Change"
    assert event["detail"]["jobRunId"] == "jr_42"
    assert event["detail"]["state"] == "STARTING"
