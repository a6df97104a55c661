"""Glue job runs against the local cloud: scripts from the local S3, run on local Spark.

Spark runs cost seconds of JVM start on two cores, so one Spark job covers CSV to Parquet,
argument precedence, boto3 inside the job, the catalog sink and the EventBridge event; the
other runs use scripts that never start a SparkSession. Job timeouts are tested in
test_glue_job_timeout.py, on a cloud whose minutes are seconds.
"""

from __future__ import annotations

import io
import json
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from glueline.cloud.settings import CloudSettings

pytestmark = pytest.mark.integration

SUFFIX = uuid.uuid4().hex[:8]
BUCKET = f"glue-runs-{SUFFIX}"
ROLE = "arn:aws:iam::000000000000:role/glueline-test-glue"
DATABASE = f"glue_runs_{SUFFIX}"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED"}
#: Generous: the Spark job starts a JVM on a shared two-core machine.
SPARK_RUN_SECONDS = 180

CSV = "id,name,amount\n1,ada,10.5\n2,grace,20.25\n3,linus,30.0\n"

CSV_TO_PARQUET = """
import json
import sys

import boto3
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

# JOB_RUN_ID is not requested: getResolvedOptions always returns it, and refuses it as a name.
args = getResolvedOptions(
    sys.argv, ["JOB_NAME", "input", "output", "bucket", "table", "database", "mode"]
)
boto3.client("s3").put_object(
    Bucket=args["bucket"], Key=f"received/{args['JOB_RUN_ID']}.json", Body=json.dumps(sys.argv[1:])
)
glue_context = GlueContext(SparkContext.getOrCreate())
job = Job(glue_context)
job.init(args["JOB_NAME"], args)
frame = glue_context.spark_session.read.csv(args["input"], header=True, inferSchema=True)
sink = glue_context.getSink(
    connection_type="s3",
    path=args["output"],
    enableUpdateCatalog=True,
    updateBehavior="UPDATE_IN_DATABASE",
)
sink.setFormat("glueparquet")
sink.setCatalogInfo(catalogDatabase=args["database"], catalogTableName=args["table"])
sink.writeFrame(DynamicFrame.fromDF(frame, glue_context, "rows"))
print(f"wrote {frame.count()} rows in mode {args['mode']}")
job.commit()
"""

RAISES = """
def check(value):
    raise ValueError(f"bad input: {value}")

check("row 7")
"""

SLEEPS = """
import time
print("sleeping", flush=True)
time.sleep(600)
"""

KILLS_ITSELF = """
import os
import signal
print("about to die", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture(scope="module")
def bucket(aws: Callable[[str], Any]) -> str:
    aws("s3").create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture(scope="module")
def create_job(aws: Callable[[str], Any], bucket: str) -> Callable[..., str]:
    """Upload ``script`` to the local S3 and define a job running it; returns the job name."""

    def create(name: str, script: str | None, **settings: Any) -> str:
        job_name = f"{name}-{SUFFIX}"
        key = f"scripts/{job_name}.py"
        if script is not None:
            aws("s3").put_object(Bucket=bucket, Key=key, Body=textwrap.dedent(script).encode())
        aws("glue").create_job(
            Name=job_name,
            Role=ROLE,
            Command={
                "Name": "glueetl",
                "ScriptLocation": f"s3://{bucket}/{key}",
                "PythonVersion": "3",
            },
            GlueVersion="5.0",
            WorkerType="G.1X",
            NumberOfWorkers=2,
            **settings,
        )
        return job_name

    return create


@pytest.fixture(scope="module")
def run_of(aws: Callable[[str], Any]) -> Callable[[str, str], dict[str, Any]]:
    return lambda job, run_id: aws("glue").get_job_run(JobName=job, RunId=run_id)["JobRun"]


@pytest.fixture(scope="module")
def finished(
    run_of: Callable[[str, str], dict[str, Any]], eventually: Callable[..., Any]
) -> Callable[..., dict[str, Any]]:
    def wait(job: str, run_id: str, timeout: float = 60) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            """the job run reaches a terminal state"""
            run = run_of(job, run_id)
            return run if run["JobRunState"] in TERMINAL else None

        return eventually(done, timeout=timeout, interval=0.5)

    return wait


@pytest.fixture(scope="module")
def state_events(aws: Callable[[str], Any]) -> Callable[[str], list[dict[str, Any]]]:
    """An EventBridge rule on Glue state changes delivering to an SQS queue; returns a reader
    of the events received so far for one run."""
    sqs, events = aws("sqs"), aws("events")
    queue_url = sqs.create_queue(QueueName=f"glue-state-{SUFFIX}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    rule = f"glue-state-{SUFFIX}"
    pattern = {"source": ["aws.glue"], "detail-type": ["Glue Job State Change"]}
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": queue_arn}])
    received: list[dict[str, Any]] = []

    def read(run_id: str) -> list[dict[str, Any]]:
        while True:
            messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                break
            for message in messages:
                received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return [event for event in received if event["detail"]["jobRunId"] == run_id]

    return read


def error_log(aws: Callable[[str], Any], run_id: str, group: str = "/aws-glue/jobs/error") -> str:
    events = aws("logs").get_log_events(logGroupName=group, logStreamName=run_id)
    return "\n".join(event["message"] for event in events["events"])


def test_second_run_over_max_concurrent_runs_is_refused(
    aws: Callable[[str], Any],
    create_job: Callable[..., str],
    finished: Callable[..., dict[str, Any]],
) -> None:
    glue = aws("glue")
    job = create_job("one-at-a-time", SLEEPS, ExecutionProperty={"MaxConcurrentRuns": 1})
    first = glue.start_job_run(JobName=job)["JobRunId"]

    with pytest.raises(glue.exceptions.ConcurrentRunsExceededException) as refused:
        glue.start_job_run(JobName=job)

    assert "MaxConcurrentRuns is 1" in str(refused.value)
    glue.batch_stop_job_run(JobName=job, JobRunIds=[first])
    assert finished(job, first)["JobRunState"] == "STOPPED"
    assert [run["Id"] for run in glue.get_job_runs(JobName=job)["JobRuns"]] == [first]


def test_csv_to_parquet_job_runs_on_local_spark(
    aws: Callable[[str], Any],
    bucket: str,
    create_job: Callable[..., str],
    finished: Callable[..., dict[str, Any]],
    state_events: Callable[[str], list[dict[str, Any]]],
) -> None:
    s3, glue = aws("s3"), aws("glue")
    s3.put_object(Bucket=bucket, Key="input/people.csv", Body=CSV.encode())
    glue.create_database(DatabaseInput={"Name": DATABASE})
    job = create_job(
        "csv-to-parquet",
        CSV_TO_PARQUET,
        DefaultArguments={
            "--input": f"s3a://{bucket}/input/people.csv",
            "--output": f"s3://{bucket}/output/people/",
            "--bucket": bucket,
            "--database": DATABASE,
            "--table": "people",
            "--mode": "default",
        },
    )

    run_id = glue.start_job_run(JobName=job, Arguments={"--mode": "override"})["JobRunId"]
    run = finished(job, run_id, timeout=SPARK_RUN_SECONDS)

    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert run["Arguments"] == {"--mode": "override"}
    assert run["GlueVersion"] == "5.0"
    assert run["WorkerType"] == "G.1X"
    assert run["NumberOfWorkers"] == 2
    assert run["CompletedOn"] >= run["StartedOn"]
    # ExecutionTime is the run's duration in whole seconds; the timestamps carry milliseconds.
    duration = (run["CompletedOn"] - run["StartedOn"]).total_seconds()
    assert duration - 1.002 < run["ExecutionTime"] <= duration + 0.002

    received = json.loads(
        s3.get_object(Bucket=bucket, Key=f"received/{run_id}.json")["Body"].read()
    )
    pairs = dict(zip(received[::2], received[1::2], strict=True))
    assert pairs["--mode"] == "override"
    assert pairs["--database"] == DATABASE
    assert pairs["--JOB_NAME"] == job
    assert pairs["--JOB_RUN_ID"] == run_id

    listing = s3.list_objects_v2(Bucket=bucket, Prefix="output/people/")["Contents"]
    parts = [item["Key"] for item in listing if item["Key"].endswith(".parquet")]
    assert parts, [item["Key"] for item in listing]
    tables = [
        pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
        for key in parts
    ]
    rows = sorted((row for table in tables for row in table.to_pylist()), key=lambda row: row["id"])
    assert rows == [
        {"id": 1, "name": "ada", "amount": 10.5},
        {"id": 2, "name": "grace", "amount": 20.25},
        {"id": 3, "name": "linus", "amount": 30.0},
    ]

    table = glue.get_table(DatabaseName=DATABASE, Name="people")["Table"]
    catalog_columns = [
        (column["Name"], column["Type"]) for column in table["StorageDescriptor"]["Columns"]
    ]
    assert catalog_columns == [("id", "int"), ("name", "string"), ("amount", "double")]
    assert [field.name for field in tables[0].schema] == ["id", "name", "amount"]

    output = aws("logs").get_log_events(logGroupName="/aws-glue/jobs/output", logStreamName=run_id)
    assert "wrote 3 rows in mode override" in [event["message"] for event in output["events"]]

    states = [event["detail"]["state"] for event in state_events(run_id)]
    assert states == ["STARTING", "RUNNING", "SUCCEEDED"]
    succeeded = state_events(run_id)[-1]
    assert succeeded["source"] == "aws.glue"
    assert succeeded["detail-type"] == "Glue Job State Change"
    assert succeeded["detail"]["jobName"] == job
    assert succeeded["detail"]["severity"] == "INFO"


def test_raising_script_fails_with_the_exception(
    aws: Callable[[str], Any],
    create_job: Callable[..., str],
    finished: Callable[..., dict[str, Any]],
    state_events: Callable[[str], list[dict[str, Any]]],
) -> None:
    job = create_job("raises", RAISES)
    run_id = aws("glue").start_job_run(JobName=job)["JobRunId"]
    run = finished(job, run_id)

    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "ValueError: bad input: row 7"
    assert "ValueError: bad input: row 7" in error_log(aws, run_id)
    failed = state_events(run_id)[-1]["detail"]
    assert (failed["state"], failed["severity"]) == ("FAILED", "ERROR")
    assert failed["message"] == "ValueError: bad input: row 7"


def test_missing_script_fails_saying_so(
    aws: Callable[[str], Any], create_job: Callable[..., str], finished: Callable[..., Any]
) -> None:
    job = create_job("no-script", None)
    run_id = aws("glue").start_job_run(JobName=job)["JobRunId"]
    run = finished(job, run_id)

    assert run["JobRunState"] == "FAILED"
    assert "does not exist" in run["ErrorMessage"]
    assert f"scripts/{job}.py" in run["ErrorMessage"]


def test_killed_driver_fails_saying_so(
    aws: Callable[[str], Any], create_job: Callable[..., str], finished: Callable[..., Any]
) -> None:
    job = create_job("killed", KILLS_ITSELF)
    run_id = aws("glue").start_job_run(JobName=job)["JobRunId"]
    run = finished(job, run_id)

    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"].startswith("Driver process was killed by signal SIGKILL")
    assert run["ErrorMessage"].endswith(f"full log: /aws-glue/jobs/error, stream {run_id}")


JVM_OUT_OF_MEMORY = """
from pyspark.context import SparkContext

jvm = SparkContext.getOrCreate()._jvm
print("allocating more heap than the driver has", flush=True)
jvm.java.lang.reflect.Array.newInstance(jvm.java.lang.Byte.TYPE, 1_500_000_000)
print("not reached", flush=True)
"""

KILLS_ITS_JVM = """
import os
import signal
import sys
import time

from pyspark import SparkFiles
from pyspark.context import SparkContext

jvm = SparkContext.getOrCreate()._jvm
# On stderr, which the driver writes straight to its file: stdout passes through the JVM.
print("spark files in", SparkFiles.getRootDirectory(), file=sys.stderr, flush=True)
tmpdir = jvm.java.lang.System.getProperty("java.io.tmpdir")
print("jvm temporary files in", tmpdir, file=sys.stderr, flush=True)
jvm_pid = jvm.java.lang.ProcessHandle.current().pid()
print("killing the driver JVM", flush=True)
os.kill(jvm_pid, signal.SIGKILL)
time.sleep(600)
"""


def processes_of(run_id: str) -> list[str]:
    """Command lines of live processes that belong to the run: a cold driver names the run's
    folder on its command line, a warm one works in that folder (and its JVM with it)."""
    found = []
    for process in Path("/proc").glob("[0-9]*"):
        try:
            text = (process / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            folder = str((process / "cwd").resolve())
            state = (process / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (run_id in text or run_id in folder):
            found.append(text)
    return found


def test_a_driver_jvm_out_of_memory_fails_with_the_cause(
    aws: Callable[[str], Any], create_job: Callable[..., str], finished: Callable[..., Any]
) -> None:
    job = create_job("out-of-memory", JVM_OUT_OF_MEMORY)
    run_id = aws("glue").start_job_run(JobName=job)["JobRunId"]
    run = finished(job, run_id, timeout=SPARK_RUN_SECONDS)

    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == (
        "Driver ran out of memory: java.lang.OutOfMemoryError: Java heap space "
        f"(exited with code 3); full log: /aws-glue/jobs/error, stream {run_id}"
    )
    # The JVM says why it terminates on its stdout, which Glue keeps as the output stream.
    output = error_log(aws, run_id, group="/aws-glue/jobs/output")
    assert "Terminating due to java.lang.OutOfMemoryError: Java heap space" in output
    assert processes_of(run_id) == []


def test_a_killed_driver_jvm_fails_the_run_and_leaves_no_process_and_no_files(
    aws: Callable[[str], Any],
    create_job: Callable[..., str],
    finished: Callable[..., Any],
    local_cloud: CloudSettings,
) -> None:
    job = create_job("jvm-killed", KILLS_ITS_JVM)
    run_id = aws("glue").start_job_run(JobName=job)["JobRunId"]
    run = finished(job, run_id, timeout=SPARK_RUN_SECONDS)

    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == (
        "Driver process was killed by signal SIGKILL before the job finished; "
        f"full log: /aws-glue/jobs/error, stream {run_id}"
    )
    assert processes_of(run_id) == []
    # A killed JVM cannot remove its files (the S3A jars alone were 270 MB per run in /tmp):
    # they live in the driver's folder in the cloud's work folder, which goes with the run.
    output = error_log(aws, run_id)
    folders = [
        Path(line.split(" in ", 1)[1])
        for line in output.splitlines()
        if line.startswith(("spark files in ", "jvm temporary files in "))
    ]
    assert len(folders) == 2, output
    for folder in folders:
        assert folder.is_relative_to(local_cloud.work_dir), folder
        assert not folder.exists(), folder


def test_batch_stop_job_run_stops_the_driver(
    aws: Callable[[str], Any],
    create_job: Callable[..., str],
    run_of: Callable[[str, str], dict[str, Any]],
    finished: Callable[..., dict[str, Any]],
    eventually: Callable[..., Any],
) -> None:
    glue = aws("glue")
    job = create_job("stopped", SLEEPS)
    run_id = glue.start_job_run(JobName=job)["JobRunId"]
    eventually(lambda: run_of(job, run_id)["JobRunState"] == "RUNNING", timeout=30)

    response = glue.batch_stop_job_run(JobName=job, JobRunIds=[run_id, "jr_unknown"])

    assert response["SuccessfulSubmissions"] == [{"JobName": job, "JobRunId": run_id}]
    assert [error["JobRunId"] for error in response["Errors"]] == ["jr_unknown"]
    assert run_of(job, run_id)["JobRunState"] in ("STOPPING", "STOPPED")
    assert finished(job, run_id)["JobRunState"] == "STOPPED"
    runs = glue.get_job_runs(JobName=job)["JobRuns"]
    assert [(run["Id"], run["JobRunState"]) for run in runs] == [(run_id, "STOPPED")]
