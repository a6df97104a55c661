"""The EventBridge entry and the CloudWatch streams a run produces, against moto in-process."""

from __future__ import annotations

import json

from moto.events.models import EventsBackend
from moto.logs.models import LogsBackend
from moto.sqs.models import sqs_backends

from glueline.cloud.glue import events, logs
from glueline.cloud.glue.state import JobRun

ACCOUNT, REGION = "000000000001", "us-east-1"


def failed_run() -> JobRun:
    run = JobRun("ingest", "jr_1", {}, timeout=5, glue_version="5.0")
    run.transition("FAILED", "ValueError: bad input")
    return run


def test_state_change_entry_is_what_aws_glue_sends() -> None:
    entry = events.state_change_entry(failed_run())

    assert entry["Source"] == "aws.glue"
    assert entry["DetailType"] == "Glue Job State Change"
    assert json.loads(entry["Detail"]) == {
        "jobName": "ingest",
        "severity": "ERROR",
        "state": "FAILED",
        "jobRunId": "jr_1",
        "message": "ValueError: bad input",
    }


def test_a_rule_with_an_sqs_target_receives_the_event() -> None:
    backend = EventsBackend(REGION, ACCOUNT)
    queue = sqs_backends[ACCOUNT][REGION].create_queue("glue-events")
    pattern = {"source": ["aws.glue"], "detail-type": ["Glue Job State Change"]}
    backend.put_rule("glue", event_pattern=json.dumps(pattern), state="ENABLED")
    backend.put_targets("glue", "default", [{"Id": "q", "Arn": queue.queue_arn}])

    events.emit_state_change(backend, failed_run())

    messages = sqs_backends[ACCOUNT][REGION].receive_message(queue.name, 10, 0, 30)
    delivered = json.loads(messages[0].body)
    assert delivered["detail"]["state"] == "FAILED"
    assert delivered["source"] == "aws.glue"


def test_logs_go_to_output_and_error_streams_named_by_run_id() -> None:
    backend = LogsBackend(REGION, ACCOUNT)

    logs.write_run_logs(backend, "jr_1", "hello\n\nworld\n", "Traceback ...\nValueError: x\n")
    logs.write_run_logs(backend, "jr_2", "", "")

    def messages(group: str, stream: str) -> list[str]:
        found = backend.get_log_events(
            log_group_name=group,
            log_group_id="",
            log_stream_name=stream,
            start_time="",
            end_time="",
            limit=100,
            next_token=None,
            start_from_head="true",
        )
        return [event["message"] for event in found[0]]

    assert messages("/aws-glue/jobs/output", "jr_1") == ["hello", "world"]
    assert messages("/aws-glue/jobs/error", "jr_1") == ["Traceback ...", "ValueError: x"]
    assert messages("/aws-glue/jobs/error", "jr_2") == []
