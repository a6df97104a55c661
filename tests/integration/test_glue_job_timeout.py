"""A job's timeout ends its run: state TIMEOUT, the reason, the event, and no driver left.

Glue counts timeouts in minutes. This module's cloud runs with the test aid
``GLUELINE_GLUE_SECONDS_PER_MINUTE``, so a one-minute timeout passes in a few seconds; the
rest is the real runtime (spark-submit in its own process group, EventBridge events). A
separate cloud keeps the shortened minute away from every other test's runs. It starts no
warm drivers, so every run's processes carry the run id on their command line from launch
to end, which is how the tests see them come and go.
"""

from __future__ import annotations

import contextlib
import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

SECONDS_PER_MINUTE = 3
BUCKET = "glue-timeouts"
JOB = "sleeps-past-its-timeout"
SLEEPS = """
import time
print("sleeping", flush=True)
time.sleep(600)
"""


@pytest.fixture(scope="module")
def fast_minute_cloud(separate_cloud: Callable[..., Callable[[str], Any]]) -> Callable[[str], Any]:
    """boto3 clients of a cloud whose job-timeout minute lasts SECONDS_PER_MINUTE seconds."""
    return separate_cloud(
        {"GLUELINE_GLUE_SECONDS_PER_MINUTE": str(SECONDS_PER_MINUTE), "GLUELINE_WARM_DRIVERS": "0"}
    )


@pytest.fixture(scope="module")
def state_changes(fast_minute_cloud: Callable[[str], Any]) -> Callable[[str], list[dict]]:
    """Reader of the "Glue Job State Change" events one run emitted, via a rule to SQS."""
    sqs, events = fast_minute_cloud("sqs"), fast_minute_cloud("events")
    queue_url = sqs.create_queue(QueueName="glue-timeout-states")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    pattern = {"source": ["aws.glue"], "detail-type": ["Glue Job State Change"]}
    events.put_rule(Name="glue-timeout-states", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="glue-timeout-states", Targets=[{"Id": "queue", "Arn": queue_arn}])
    received: list[dict] = []

    def read(run_id: str) -> list[dict]:
        while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return [event for event in received if event["detail"]["jobRunId"] == run_id]

    return read


@pytest.fixture(scope="module")
def job(fast_minute_cloud: Callable[[str], Any], state_changes: Callable[[str], list]) -> str:
    """A job with a one-minute timeout whose script would sleep ten minutes, defined once
    the state-change rule exists so that no event of its runs is missed."""
    s3 = fast_minute_cloud("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="sleeps.py", Body=textwrap.dedent(SLEEPS).encode())
    fast_minute_cloud("glue").create_job(
        Name=JOB,
        Role="arn:aws:iam::000000000000:role/glueline-test-glue",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/sleeps.py"},
        GlueVersion="5.0",
        Timeout=1,
    )
    return JOB


def processes_running(text: str) -> list[str]:
    """Command lines of the machine's processes that contain ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command_line = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if text.encode() in command_line:
            readable = command_line.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{entry.name}: {readable[:200]}")
    return found


def final_run(glue: Any, run_id: str, eventually: Callable[..., Any]) -> dict[str, Any]:
    """The run once it has ended; a run still going after 45 s means the shortened minute
    did not reach the runtime (a real minute would pass unnoticed by a longer wait)."""

    def finished() -> dict[str, Any] | None:
        """the run reaches a final state"""
        run = glue.get_job_run(JobName=JOB, RunId=run_id)["JobRun"]
        return run if run["JobRunState"] in {"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED"} else None

    return eventually(finished, timeout=45, interval=0.5)


def test_the_job_timeout_ends_the_run_and_its_driver(
    fast_minute_cloud: Callable[[str], Any],
    job: str,
    state_changes: Callable[[str], list[dict]],
    eventually: Callable[..., Any],
) -> None:
    glue = fast_minute_cloud("glue")
    run_id = glue.start_job_run(JobName=job)["JobRunId"]

    def driver_started() -> list[str]:
        """the run's driver processes are running"""
        return processes_running(run_id)

    assert eventually(driver_started, timeout=30)
    run = final_run(glue, run_id, eventually)

    assert run["JobRunState"] == "TIMEOUT"
    assert run["Timeout"] == 1
    assert run["ErrorMessage"] == "Job run timed out after 1 minute(s)"

    def driver_gone() -> bool:
        """no process of the run (spark-submit, JVM, Python driver) is left"""
        return not processes_running(run_id)

    with contextlib.suppress(AssertionError):  # the assertion below names what is left
        eventually(driver_gone, timeout=30)
    assert processes_running(run_id) == []

    def ended_events() -> list[dict] | None:
        """the run's TIMEOUT event arrived on the queue"""
        events = state_changes(run_id)
        return events if events and events[-1]["detail"]["state"] == "TIMEOUT" else None

    events = eventually(ended_events, timeout=30)
    assert [event["detail"]["state"] for event in events] == ["STARTING", "RUNNING", "TIMEOUT"]
    assert events[-1]["detail"]["severity"] == "ERROR"
    assert events[-1]["detail"]["message"] == "Job run timed out after 1 minute(s)"


def test_a_timed_out_run_frees_its_slot_and_a_run_timeout_overrides_the_jobs(
    fast_minute_cloud: Callable[[str], Any], job: str, eventually: Callable[..., Any]
) -> None:
    """The job allows one run at a time; after a timeout the next run is admitted, and
    ``StartJobRun``'s own ``Timeout`` is the one that ends it."""
    glue = fast_minute_cloud("glue")
    first = glue.start_job_run(JobName=job)["JobRunId"]
    assert final_run(glue, first, eventually)["JobRunState"] == "TIMEOUT"

    second = glue.start_job_run(JobName=job, Timeout=2)["JobRunId"]
    run = final_run(glue, second, eventually)

    assert (run["JobRunState"], run["Timeout"]) == ("TIMEOUT", 2)
    assert run["ErrorMessage"] == "Job run timed out after 2 minute(s)"
