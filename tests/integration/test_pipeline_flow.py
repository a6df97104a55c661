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
    assert first_batch["east/sales/Q1 Straße.csv"]["JobRunState"] == "SUCCEEDED"
    rows = rows_for(pipeline, deployed_stage, "sales", "east/sales/Q1 Straße.csv")
    assert sorted(rows["name"].to_pylist()) == ["Ada", "Grace"]
    assert rows["city"].to_pylist()[rows["name"].to_pylist().index("Grace")] == "New York, NY"
    assert set(rows["processing_job"].to_pylist()) and rows["processed_at"].null_count == 0


def test_same_file_name_in_two_folders_keeps_both_outputs(first_batch, pipeline, deployed_stage):
    assert first_batch["west/sales/Q1 Straße.csv"]["JobRunState"] == "SUCCEEDED"
    east = rows_for(pipeline, deployed_stage, "sales", "east/sales/Q1 Straße.csv")
    west = rows_for(pipeline, deployed_stage, "sales", "west/sales/Q1 Straße.csv")
    assert (east.num_rows, west.num_rows) == (2, 2)


def test_an_upper_case_csv_suffix_is_processed(first_batch, pipeline, deployed_stage):
    assert first_batch["inbox/SHOUTING.CSV"]["JobRunState"] == "SUCCEEDED"
    assert rows_for(pipeline, deployed_stage, "inbox", "inbox/SHOUTING.CSV").num_rows == 2


def test_a_txt_file_starts_no_run(first_batch, pipeline, deployed_stage):
    pipeline.s3.put_object(Bucket=deployed_stage.input_bucket, Key="inbox/notes.txt", Body=b"x")
    time.sleep(3)
    runs = pipeline.glue.get_job_runs(JobName=deployed_stage.file_processor_job)["JobRuns"]
    sources = [run["Arguments"].get("--source_path", "") for run in runs]
    assert not any(source.endswith("notes.txt") for source in sources)


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


def test_a_start_refused_for_concurrency_ends_on_the_failure_queue_with_its_key(
    first_batch, pipeline, deployed_stage, aws, eventually
):
    """Four uploads at once against MaxConcurrentRuns=3: one start is refused throughout
    the trigger's and Lambda's retries, and its event lands on the on-failure queue."""
    invoke_config = aws("lambda").get_function_event_invoke_config(
        FunctionName=deployed_stage.trigger_function
    )
    queue_name = invoke_config["DestinationConfig"]["OnFailure"]["Destination"].split(":")[-1]
    sqs = aws("sqs")
    queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    keys = [f"burst{number}/part.csv" for number in range(4)]
    for key in keys:
        pipeline.s3.put_object(Bucket=deployed_stage.input_bucket, Key=key, Body=PEOPLE.encode())

    def failure_record():
        """the refused event reached the on-failure queue"""
        return sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages")

    record = json.loads(eventually(failure_record, timeout=120)[0]["Body"])
    refused_key = record["requestPayload"]["Records"][0]["s3"]["object"]["key"]
    assert refused_key in keys
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert "ConcurrentRunsExceededException" in json.dumps(record["responsePayload"])
    runs = pipeline.glue.get_job_runs(JobName=deployed_stage.file_processor_job)["JobRuns"]
    started = {run["Arguments"]["--source_path"]: run["Id"] for run in runs}
    for key in keys:
        source = f"s3://{deployed_stage.input_bucket}/{key}"
        if key == refused_key:
            assert source not in started
        else:
            final = pipeline.wait_for_final_state(
                deployed_stage.file_processor_job, started[source], RUN_TIMEOUT
            )
            assert final["JobRunState"] == "SUCCEEDED"


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
