"""Lambda functions run as real local processes: S3 events, invoke, errors, retries."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

MARKER_WRITER = """
import os
import urllib.parse

import boto3


def handler(event, context):
    s3 = boto3.client("s3")
    for record in event["Records"]:
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        s3.put_object(
            Bucket=os.environ["MARKER_BUCKET"],
            Key=f"seen/{key}",
            Body=json.dumps(record).encode(),
        )
    return {"records": len(event["Records"])}


import json
"""

FAILING = """
import os
import subprocess
import time


def handler(event, context):
    raise ValueError(f"cannot handle {event.get('item')}")


def sleepy(event, context):
    helper = subprocess.Popen(["sleep", "600"])
    print(f"handler pid {os.getpid()} helper pid {helper.pid}", flush=True)
    time.sleep(600)
"""

NODE_HANDLER = """
exports.handler = async (event, context) => ({
  doubled: event.value * 2,
  functionName: context.functionName,
  region: process.env.AWS_REGION,
});
"""


def log_lines(logs: Any, group: str) -> list[str]:
    """Every message in a log group, stream by stream; none while the group does not exist."""
    try:
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [
        event["message"]
        for stream in streams
        for event in logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])[
            "events"
        ]
    ]


def test_s3_put_runs_a_python_function_that_writes_a_marker(aws, create_function, eventually):
    s3 = aws("s3")
    s3.create_bucket(Bucket="glueline-test-events")
    s3.create_bucket(Bucket="glueline-test-markers")
    arn = create_function(
        "marker-writer",
        {"index.py": MARKER_WRITER},
        "index.handler",
        Environment={"Variables": {"MARKER_BUCKET": "glueline-test-markers"}},
        Timeout=30,
    )
    s3.put_bucket_notification_configuration(
        Bucket="glueline-test-events",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    key = "incoming/Straße report 1.csv"
    s3.put_object(Bucket="glueline-test-events", Key=key, Body=b"a,b\n1,2\n")

    def marker():
        """the function wrote seen/<decoded key>"""
        listed = s3.list_objects_v2(Bucket="glueline-test-markers").get("Contents", [])
        return [entry["Key"] for entry in listed]

    assert eventually(marker) == [f"seen/{key}"]
    record = json.loads(
        s3.get_object(Bucket="glueline-test-markers", Key=f"seen/{key}")["Body"].read()
    )
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["object"]["key"] == "incoming/Stra%C3%9Fe+report+1.csv"
    assert record["s3"]["object"]["size"] == 8

    def invocation_log() -> list[str]:
        """the function's log group holds its invocation's REPORT line"""
        lines = log_lines(aws("logs"), "/aws/lambda/marker-writer")
        return lines if any(line.startswith("REPORT") for line in lines) else []

    framing = [line.split(" RequestId")[0] for line in eventually(invocation_log)]
    assert framing == ["START", "END", "REPORT"]


def test_an_exception_is_a_function_error_with_its_message_and_log(aws, create_function):
    create_function("raiser", {"index.py": FAILING}, "index.handler")
    response = aws("lambda").invoke(
        FunctionName="raiser", Payload=json.dumps({"item": "row 7"}), LogType="Tail"
    )
    payload = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "cannot handle row 7"
    assert "ValueError: cannot handle row 7" in base64.b64decode(response["LogResult"]).decode()
    messages = log_lines(aws("logs"), "/aws/lambda/raiser")
    assert any("cannot handle row 7" in message for message in messages)


def test_the_timeout_ends_the_invocation_and_its_processes(aws, create_function, eventually):
    """The handler would sleep ten minutes: the answer comes from the timeout, and neither
    the handler's process nor the one it started outlives the invocation."""
    create_function("sleeper", {"index.py": FAILING}, "index.sleepy", Timeout=1)
    response = aws("lambda").invoke(FunctionName="sleeper", LogType="Tail")
    payload = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorMessage"] == "Task timed out after 1.00 seconds"
    log = base64.b64decode(response["LogResult"]).decode()
    started = re.search(r"handler pid (\d+) helper pid (\d+)", log)
    assert started, log
    pids = [int(pid) for pid in started.groups()]

    def ended() -> bool:
        """the handler and its helper process are gone"""
        return not any(Path(f"/proc/{pid}").exists() for pid in pids)

    assert eventually(ended, timeout=30)


def test_a_nodejs_function_runs_with_node(aws, create_function):
    create_function("doubler", {"index.js": NODE_HANDLER}, "index.handler", Runtime="nodejs20.x")
    response = aws("lambda").invoke(FunctionName="doubler", Payload=json.dumps({"value": 21}))
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {
        "doubled": 42,
        "functionName": "doubler",
        "region": "us-east-1",
    }


def test_a_failing_async_event_is_retried_then_sent_to_the_on_failure_destination(
    aws, create_function, eventually
):
    sqs, lambda_client = aws("sqs"), aws("lambda")
    queue_url = sqs.create_queue(QueueName="glueline-test-on-failure")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    create_function("async-raiser", {"index.py": FAILING}, "index.handler")
    lambda_client.put_function_event_invoke_config(
        FunctionName="async-raiser",
        MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    accepted = lambda_client.invoke(
        FunctionName="async-raiser", InvocationType="Event", Payload=json.dumps({"item": "k1"})
    )
    assert accepted["StatusCode"] == 202

    def failure_record():
        """the on-failure queue received the event"""
        return sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages")

    record = json.loads(eventually(failure_record)[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"item": "k1"}
    assert record["responsePayload"]["errorMessage"] == "cannot handle k1"


def test_a_failing_async_event_goes_to_the_dead_letter_queue(aws, create_function, eventually):
    sqs = aws("sqs")
    queue_url = sqs.create_queue(QueueName="glueline-test-dlq")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    create_function(
        "dlq-raiser",
        {"index.py": FAILING},
        "index.handler",
        DeadLetterConfig={"TargetArn": queue_arn},
    )
    aws("lambda").invoke(
        FunctionName="dlq-raiser", InvocationType="Event", Payload=json.dumps({"item": "k2"})
    )

    def dead_letter():
        """the dead-letter queue received the original event"""
        return sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages")

    assert json.loads(eventually(dead_letter)[0]["Body"]) == {"item": "k2"}


def test_a_failing_async_event_without_destination_is_logged(
    aws, create_function, eventually, cloud_log
):
    create_function("lonely-raiser", {"index.py": FAILING}, "index.handler")
    aws("lambda").invoke(
        FunctionName="lonely-raiser", InvocationType="Event", Payload=json.dumps({"item": "k3"})
    )

    def logged():
        """the cloud's log names the lost event"""
        return "lonely-raiser failed after 3 attempts" in cloud_log()

    eventually(logged)
    assert "no on-failure destination or DLQ is configured" in cloud_log()
    assert '{"item": "k3"}' in cloud_log()


def test_an_eventbridge_rule_invokes_a_lambda_target(aws, create_function, eventually):
    s3, events = aws("s3"), aws("events")
    s3.create_bucket(Bucket="glueline-test-rule-markers")
    arn = create_function(
        "rule-target",
        {"index.py": RULE_TARGET},
        "index.handler",
        Environment={"Variables": {"MARKER_BUCKET": "glueline-test-rule-markers"}},
    )
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop.orders"]}))
    events.put_targets(Rule="orders", Targets=[{"Id": "function", "Arn": arn}])
    events.put_events(
        Entries=[{"Source": "shop.orders", "DetailType": "Order Placed", "Detail": '{"id": "o-1"}'}]
    )

    def marker():
        """the target function wrote the order id"""
        listed = s3.list_objects_v2(Bucket="glueline-test-rule-markers").get("Contents", [])
        return [entry["Key"] for entry in listed]

    assert eventually(marker) == ["orders/o-1"]


RULE_TARGET = """
import os

import boto3


def handler(event, context):
    boto3.client("s3").put_object(
        Bucket=os.environ["MARKER_BUCKET"], Key=f"orders/{event['detail']['id']}", Body=b""
    )
"""
