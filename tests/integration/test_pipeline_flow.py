"""The event-driven flow end to end: S3 upload -> trigger Lambda -> Glue run -> Parquet."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyarrow.compute as pc
import pytest

from glueline.pipeline_client import PipelineClient, StageOutputs

pytestmark = pytest.mark.integration

RUN_TIMEOUT = 600.0
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "us-legislators"
PERSONS_JSON = SAMPLE_DIR / "persons.json"
PEOPLE = 'name,age,city\nAda,36,London\nGrace,45,"New York, NY"\n'
PEOPLE_WITH_EMAIL = "name,age,city,email\nLinus,28,Helsinki,linus@example.org\n"
MALFORMED = "id,amount\n1,10\n2\n3,30,extra\n"
UNCLOSED = 'id,note\n1,"ok"\n2,"never closed\n3,tail\n'


def process(pipeline: PipelineClient, stage: StageOutputs, uploads: dict[str, str]) -> dict:
    """Upload objects together, then wait for the run the trigger starts for each."""
    since = time.time() - 1
    for key, body in uploads.items():
        pipeline.s3.put_object(Bucket=stage.input_bucket, Key=key, Body=body.encode())
    runs = {}
    for key in uploads:
        source = f"s3://{stage.input_bucket}/{key}"
        run_id = pipeline.wait_for_run_of(stage.file_processor_job, source, since, 60)
        runs[key] = pipeline.wait_for_final_state(stage.file_processor_job, run_id, RUN_TIMEOUT)
    return runs


def rows_for(pipeline: PipelineClient, stage: StageOutputs, dataset: str, key: str):
    table = pipeline.read_parquet(stage.output_bucket, f"{dataset}/")
    return table.filter(pc.equal(table["source_file"], f"s3://{stage.input_bucket}/{key}"))


@pytest.fixture(scope="module")
def first_batch(pipeline: PipelineClient, deployed_stage: StageOutputs) -> dict:
    return process(
        pipeline,
        deployed_stage,
        {
            "east/sales/Q1 Straße.csv": PEOPLE,
            "west/sales/Q1 Straße.csv": PEOPLE,
            "inbox/SHOUTING.CSV": PEOPLE,
        },
    )


def test_a_key_with_spaces_and_non_ascii_is_processed(first_batch, pipeline, deployed_stage):
    run = first_batch["east/sales/Q1 Straße.csv"]
    assert run["JobRunState"] == "SUCCEEDED"
    rows = rows_for(pipeline, deployed_stage, "sales", "east/sales/Q1 Straße.csv")
    assert sorted(rows["name"].to_pylist()) == ["Ada", "Grace"]
    assert rows["city"].to_pylist()[rows["name"].to_pylist().index("Grace")] == "New York, NY"
    lineage = f"{deployed_stage.file_processor_job}:{run['Id']}"
    assert rows["processing_job"].to_pylist() == [lineage, lineage]
    assert rows["processed_at"].null_count == 0


def test_same_file_name_in_two_folders_keeps_both_outputs(first_batch, pipeline, deployed_stage):
    assert first_batch["west/sales/Q1 Straße.csv"]["JobRunState"] == "SUCCEEDED"
    east = rows_for(pipeline, deployed_stage, "sales", "east/sales/Q1 Straße.csv")
    west = rows_for(pipeline, deployed_stage, "sales", "west/sales/Q1 Straße.csv")
    assert (east.num_rows, west.num_rows) == (2, 2)


def test_an_upper_case_csv_suffix_is_processed(first_batch, pipeline, deployed_stage):
    assert first_batch["inbox/SHOUTING.CSV"]["JobRunState"] == "SUCCEEDED"
    assert rows_for(pipeline, deployed_stage, "inbox", "inbox/SHOUTING.CSV").num_rows == 2


def test_a_txt_file_starts_no_run(first_batch, pipeline, deployed_stage):
    """The .txt goes in first and a .csv after it: by the time the .csv's run has finished,
    any run the .txt could have started would exist too."""
    pipeline.s3.put_object(Bucket=deployed_stage.input_bucket, Key="notes/notes.txt", Body=b"x")
    after = process(pipeline, deployed_stage, {"notes/after-the-notes.csv": PEOPLE})
    assert after["notes/after-the-notes.csv"]["JobRunState"] == "SUCCEEDED"
    runs = pipeline.glue.get_job_runs(JobName=deployed_stage.file_processor_job)["JobRuns"]
    sources = {run["Arguments"].get("--source_path") for run in runs}
    assert f"s3://{deployed_stage.input_bucket}/notes/after-the-notes.csv" in sources
    assert f"s3://{deployed_stage.input_bucket}/notes/notes.txt" not in sources


def test_reuploading_a_file_leaves_no_duplicate_rows(first_batch, pipeline, deployed_stage):
    again = process(pipeline, deployed_stage, {"east/sales/Q1 Straße.csv": PEOPLE})
    assert again["east/sales/Q1 Straße.csv"]["JobRunState"] == "SUCCEEDED"
    assert rows_for(pipeline, deployed_stage, "sales", "east/sales/Q1 Straße.csv").num_rows == 2
    assert rows_for(pipeline, deployed_stage, "sales", "west/sales/Q1 Straße.csv").num_rows == 2


def test_a_new_column_in_a_later_file_appears_in_the_catalog(first_batch, pipeline, deployed_stage):
    later = process(pipeline, deployed_stage, {"inbox/later.csv": PEOPLE_WITH_EMAIL})
    assert later["inbox/later.csv"]["JobRunState"] == "SUCCEEDED"
    table = pipeline.glue.get_table(DatabaseName=deployed_stage.database, Name="inbox")["Table"]
    columns = [column["Name"] for column in table["StorageDescriptor"]["Columns"]]
    assert {"name", "age", "city", "email", "source_file"} <= set(columns)


def test_a_malformed_file_fails_with_the_bad_row_count_and_stays_in_place(
    first_batch, pipeline, deployed_stage
):
    key, unclosed_key = "ledger/broken.csv", "journal/unclosed.csv"
    runs = process(pipeline, deployed_stage, {key: MALFORMED, unclosed_key: UNCLOSED})
    unclosed = runs[unclosed_key]
    assert unclosed["JobRunState"] == "FAILED"
    assert (
        "a quoted field is never closed; first bad line: '2,\"never closed'"
        in (unclosed["ErrorMessage"])
    )
    run = runs[key]
    assert run["JobRunState"] == "FAILED"
    assert "2 bad row" in run["ErrorMessage"]
    assert "first bad line: '2'" in run["ErrorMessage"]
    kept = pipeline.s3.get_object(Bucket=deployed_stage.input_bucket, Key=key)["Body"].read()
    assert kept.decode() == MALFORMED
    listed = pipeline.s3.list_objects_v2(Bucket=deployed_stage.output_bucket, Prefix="ledger/")
    assert listed.get("KeyCount", 0) == 0
    rejected = pipeline.s3.list_objects_v2(
        Bucket=deployed_stage.output_bucket, Prefix="_rejected/ledger/"
    )
    assert rejected.get("KeyCount", 0) > 0


BURST_SIZE = 10


def test_a_burst_well_over_the_concurrency_limit_is_processed_without_loss(
    first_batch, pipeline, deployed_stage, aws
):
    """Ten uploads at once against MaxConcurrentRuns=3: the job queues runs over the limit
    (JobRunQueuingEnabled), so every file ends SUCCEEDED and nothing reaches the on-failure
    queue."""
    job = pipeline.glue.get_job(JobName=deployed_stage.file_processor_job)["Job"]
    assert job["JobRunQueuingEnabled"] is True
    limit = job["ExecutionProperty"]["MaxConcurrentRuns"]
    invoke_config = aws("lambda").get_function_event_invoke_config(
        FunctionName=deployed_stage.trigger_function
    )
    queue_name = invoke_config["DestinationConfig"]["OnFailure"]["Destination"].split(":")[-1]
    sqs = aws("sqs")
    queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    since = time.time() - 1
    keys = [f"burst{number}/part.csv" for number in range(BURST_SIZE)]
    for key in keys:
        pipeline.s3.put_object(Bucket=deployed_stage.input_bucket, Key=key, Body=PEOPLE.encode())
    sources = {f"s3://{deployed_stage.input_bucket}/{key}" for key in keys}

    states_seen: set[str] = set()
    deadline = time.monotonic() + 60
    burst_runs: list[dict] = []
    while len(burst_runs) < BURST_SIZE and time.monotonic() < deadline:
        runs = pipeline.glue.get_job_runs(JobName=deployed_stage.file_processor_job)["JobRuns"]
        burst_runs = [
            run
            for run in runs
            if run["Arguments"]["--source_path"] in sources
            and run["StartedOn"].timestamp() >= since
        ]
        states_seen.update(run["JobRunState"] for run in burst_runs)
        active = [r for r in burst_runs if r["JobRunState"] in ("STARTING", "RUNNING")]
        assert len(active) <= limit
        time.sleep(0.2)
    assert {run["Arguments"]["--source_path"] for run in burst_runs} == sources
    assert "WAITING" in states_seen, "runs over the limit were queued"

    for run in burst_runs:
        final = pipeline.wait_for_final_state(
            deployed_stage.file_processor_job, run["Id"], RUN_TIMEOUT
        )
        assert final["JobRunState"] == "SUCCEEDED", final.get("ErrorMessage")
    for key in keys:
        assert sorted(
            rows_for(pipeline, deployed_stage, key.split("/")[0], key)["name"].to_pylist()
        ) == [
            "Ada",
            "Grace",
        ]
    failed = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
    failed_keys = {
        json.loads(m["Body"])["requestPayload"]["Records"][0]["s3"]["object"]["key"] for m in failed
    }
    assert failed_keys.isdisjoint(keys), "no file of the burst reached the on-failure queue"


def test_the_legislators_job_can_overwrite_its_snapshot(pipeline, deployed_stage):
    """The output bucket is versioned; a second overwrite must not trip on the first."""
    pipeline.s3.upload_file(
        str(PERSONS_JSON),
        deployed_stage.input_bucket,
        "us-legislators/persons.json",
    )
    for _ in range(2):
        run_id = pipeline.glue.start_job_run(JobName=deployed_stage.legislators_job)["JobRunId"]
        run = pipeline.wait_for_final_state(deployed_stage.legislators_job, run_id, RUN_TIMEOUT)
        assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert pipeline.read_parquet(deployed_stage.output_bucket, "legislators/").num_rows == 537


def test_a_failed_run_raises_an_alert_on_the_topic(pipeline, deployed_stage, aws, eventually):
    """The infrastructure's rule on 'Glue Job State Change' publishes FAILED runs to SNS."""
    stacks = aws("cloudformation").describe_stacks(StackName="glueline-local-infrastructure")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks["Stacks"][0]["Outputs"]}
    sqs = aws("sqs")
    queue_url = sqs.create_queue(QueueName="glueline-test-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    aws("sns").subscribe(TopicArn=outputs["AlertsTopicArn"], Protocol="sqs", Endpoint=queue_arn)
    run_id = pipeline.glue.start_job_run(
        JobName=deployed_stage.file_processor_job,
        Arguments={
            "--source_path": f"s3://{deployed_stage.input_bucket}/missing/nothing.csv",
            "--dataset": "missing",
        },
    )["JobRunId"]
    run = pipeline.wait_for_final_state(deployed_stage.file_processor_job, run_id, RUN_TIMEOUT)
    assert run["JobRunState"] == "FAILED"

    def alert():
        """the alerts topic delivered the state change to the subscribed queue"""
        return sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages")

    notification = json.loads(eventually(alert, timeout=60)[0]["Body"])
    event = json.loads(notification["Message"])
    assert event["detail-type"] == "Glue Job State Change"
    assert event["detail"]["state"] == "FAILED"
    assert event["detail"]["jobRunId"] == run_id


def test_a_key_that_hadoop_would_rewrite_fails_its_run_and_reads_nothing(pipeline, deployed_stage):
    """``a/x/../other/data.csv`` is an object of its own; Hadoop would read ``a/other/...``.

    The object Hadoop would read is a CSV of its own, so it has a run of its own too: its rows
    are the only ones in the dataset once both runs have ended."""
    decoy, key = "dotted/other/data.csv", "dotted/x/../other/data.csv"
    runs = process(pipeline, deployed_stage, {decoy: PEOPLE, key: "id\n1\n"})

    assert runs[decoy]["JobRunState"] == "SUCCEEDED", runs[decoy].get("ErrorMessage")
    run = runs[key]
    assert run["JobRunState"] == "FAILED"
    source = f"s3://{deployed_stage.input_bucket}/{key}"
    assert run["ErrorMessage"] == (
        f"ValueError: Input key {source} has an empty, '.' or '..' path segment, so Spark "
        f"(Hadoop) would read s3://{deployed_stage.input_bucket}/dotted/other/data.csv "
        "instead; rename the object"
    )
    kept = pipeline.s3.get_object(Bucket=deployed_stage.input_bucket, Key=key)["Body"].read()
    assert kept == b"id\n1\n"
    written = pipeline.read_parquet(deployed_stage.output_bucket, "other/")
    assert set(written["source_file"].to_pylist()) == {
        f"s3://{deployed_stage.input_bucket}/{decoy}"
    }
    assert sorted(written["name"].to_pylist()) == ["Ada", "Grace"]


def test_two_runs_of_one_object_leave_one_runs_rows(pipeline, deployed_stage):
    """S3 delivers events at least once: a duplicated event starts a second run at once."""
    key = "twice/data.csv"
    first = process(pipeline, deployed_stage, {key: PEOPLE})[key]
    assert first["JobRunState"] == "SUCCEEDED"
    job = deployed_stage.file_processor_job
    run_ids = [
        pipeline.glue.start_job_run(JobName=job, Arguments=first["Arguments"])["JobRunId"]
        for _ in range(2)
    ]
    finals = [pipeline.wait_for_final_state(job, run_id, RUN_TIMEOUT) for run_id in run_ids]
    assert [final["JobRunState"] for final in finals] == ["SUCCEEDED", "SUCCEEDED"]

    rows = rows_for(pipeline, deployed_stage, "twice", key)
    assert sorted(rows["name"].to_pylist()) == ["Ada", "Grace"]
    writers = set(rows["processing_job"].to_pylist())
    assert len(writers) == 1
    assert writers < {f"{job}:{run_id}" for run_id in run_ids}


def test_runs_leave_no_staging_files_behind(first_batch, pipeline, deployed_stage):
    temp_dir = pipeline.glue.get_job(JobName=deployed_stage.file_processor_job)["Job"][
        "DefaultArguments"
    ]["--TempDir"]
    bucket, _, prefix = temp_dir.removeprefix("s3://").partition("/")
    staged = pipeline.s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    assert [entry["Key"] for entry in staged] == []
    output_keys = [
        entry["Key"]
        for page in pipeline.s3.get_paginator("list_objects_v2").paginate(
            Bucket=deployed_stage.output_bucket
        )
        for entry in page.get("Contents", [])
    ]
    assert output_keys, "the first batch wrote output"
    assert not [k for k in output_keys if "_temporary" in k or ".spark-staging" in k]
