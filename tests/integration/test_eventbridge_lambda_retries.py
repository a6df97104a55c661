"""An EventBridge rule's Lambda target is invoked asynchronously, with AWS's retries.

A function that keeps failing is tried three times (the first attempt and AWS's default of
two retries), then the event lands on the function's on-failure destination, in the record
shape AWS sends. The session's cloud waits 0.2 s between retries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ALWAYS_FAILS = """
def handler(event, context):
    print(f"attempt for order {event['detail']['id']}")
    raise RuntimeError(f"cannot ship order {event['detail']['id']}")
"""


def test_a_failing_rule_target_is_retried_then_sent_to_its_on_failure_destination(
    aws: Callable[[str], Any], create_function: Callable[..., str], eventually: Callable[..., Any]
) -> None:
    sqs, events, lambda_client = aws("sqs"), aws("events"), aws("lambda")
    queue_url = sqs.create_queue(QueueName="glueline-test-rule-failures")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    arn = create_function("rule-shipper", {"index.py": ALWAYS_FAILS}, "index.handler")
    lambda_client.put_function_event_invoke_config(
        FunctionName="rule-shipper", DestinationConfig={"OnFailure": {"Destination": queue_arn}}
    )
    events.put_rule(Name="shipping", EventPattern=json.dumps({"source": ["shop.shipping"]}))
    events.put_targets(Rule="shipping", Targets=[{"Id": "shipper", "Arn": arn}])

    events.put_events(
        Entries=[{"Source": "shop.shipping", "DetailType": "Ship Order", "Detail": '{"id": "o-7"}'}]
    )

    def failure_record() -> list[dict[str, Any]] | None:
        """the on-failure queue received the rule's event"""
        return sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages")

    record = json.loads(eventually(failure_record)[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"] == f"{arn}:$LATEST"
    assert record["requestPayload"]["source"] == "shop.shipping"
    assert record["requestPayload"]["detail-type"] == "Ship Order"
    assert record["requestPayload"]["detail"] == {"id": "o-7"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "cannot ship order o-7"
    logs = aws("logs")
    attempts = [
        event["message"]
        for stream in logs.describe_log_streams(logGroupName="/aws/lambda/rule-shipper")[
            "logStreams"
        ]
        for event in logs.get_log_events(
            logGroupName="/aws/lambda/rule-shipper", logStreamName=stream["logStreamName"]
        )["events"]
        if event["message"] == "attempt for order o-7"
    ]
    assert len(attempts) == 3
