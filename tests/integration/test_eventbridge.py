"""EventBridge delivery as AWS does it, where moto differs.

AWS: a rule has an event pattern, a schedule, or both; a rule with only a schedule matches
no event ("Amazon EventBridge rules", EventBridge User Guide). One rule's target never stops
delivery to the other rules' targets.
"""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = pytest.mark.integration


def queue(aws, name: str) -> tuple[str, str]:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def received(aws, url: str) -> list[dict]:
    messages = aws("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_scheduled_rules_and_unsupported_targets_leave_other_rules_delivering(
    aws, cloud_log
) -> None:
    events = aws("events")
    suffix = uuid.uuid4().hex[:8]
    source = f"glueline.test.{suffix}"
    scheduled_url, scheduled_arn = queue(aws, f"scheduled-{suffix}")
    matched_url, matched_arn = queue(aws, f"matched-{suffix}")
    state_machine = f"arn:aws:states:us-east-1:000000000000:stateMachine:sm-{suffix}"

    events.put_rule(Name=f"every-hour-{suffix}", ScheduleExpression="rate(1 hour)")
    events.put_targets(Rule=f"every-hour-{suffix}", Targets=[{"Id": "q", "Arn": scheduled_arn}])
    pattern = json.dumps({"source": [source]})
    events.put_rule(Name=f"to-a-state-machine-{suffix}", EventPattern=pattern)
    events.put_targets(
        Rule=f"to-a-state-machine-{suffix}", Targets=[{"Id": "sm", "Arn": state_machine}]
    )
    events.put_rule(Name=f"to-a-queue-{suffix}", EventPattern=pattern)
    events.put_targets(Rule=f"to-a-queue-{suffix}", Targets=[{"Id": "q", "Arn": matched_arn}])

    response = events.put_events(
        Entries=[{"Source": source, "DetailType": "test", "Detail": json.dumps({"n": 1})}]
    )

    assert response["FailedEntryCount"] == 0
    assert [event["detail"] for event in received(aws, matched_url)] == [{"n": 1}]
    assert received(aws, scheduled_url) == []
    assert f"target {state_machine} is a states target" in cloud_log()
