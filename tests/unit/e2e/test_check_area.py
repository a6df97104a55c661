"""Where ``glueline e2e`` writes, and how it removes it: the contract with the stage.

The check's folder must be the one the trigger turns into the dataset and table, under the
prefix the verify role may write to; its stacks must be the ones ``stack/`` names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
import pytest

from glue_jobs import file_processor
from glueline import pipeline_client
from glueline.e2e import CHECK_PREFIX, REJECTED_PREFIX, STAGING_PREFIX, CheckArea
from glueline.pipeline_client import PipelineClient, StageOutputs, StageStacks
from lambdas.trigger.logic import S3Object, dataset_for, skip_reason
from stack import infrastructure_stack
from stack.config import load_config

MOMENT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_check_folder_is_fresh_each_time_and_starts_with_the_check_prefix() -> None:
    first, second = CheckArea.new(MOMENT), CheckArea.new(MOMENT)
    assert re.fullmatch(r"glueline_e2e_20260102_030405_[0-9a-f]{8}", first.name)
    assert first.name != second.name
    assert first.name.startswith(CHECK_PREFIX)


def test_the_trigger_turns_the_check_upload_into_the_check_dataset() -> None:
    area = CheckArea.new(MOMENT)
    upload = S3Object(bucket="input", key=area.input_key, size=100)
    assert skip_reason(upload) is None
    assert dataset_for(area.input_key) == area.dataset
    assert area.input_prefix == f"{area.dataset}/"


def test_the_check_removes_where_the_file_processor_writes() -> None:
    area = CheckArea.new(MOMENT)
    stage = StageOutputs("in", "out", "assets", "db", "trigger", "job", "batch")
    assert area.places(stage, "s3://assets/temp/") == [
        ("in", f"{area.dataset}/"),
        ("out", f"{area.dataset}/"),
        ("out", f"{file_processor.REJECTED_PREFIX}/{area.dataset}/"),
        ("assets", f"temp/{file_processor.STAGING_PREFIX}/{area.dataset}/"),
    ]
    assert area.places(stage, "s3://assets")[-1] == (
        "assets",
        f"{file_processor.STAGING_PREFIX}/{area.dataset}/",
    )
    assert len(area.places(stage, None)) == 3


def test_the_verify_role_may_write_where_the_check_writes() -> None:
    assert infrastructure_stack.CHECK_PREFIX == CHECK_PREFIX
    assert infrastructure_stack.REJECTED_PREFIX == REJECTED_PREFIX
    assert infrastructure_stack.STAGING_PREFIX.endswith(f"/{STAGING_PREFIX}")


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_a_stage_is_found_by_the_stack_names_stack_gives_it(stage: str) -> None:
    config = load_config("aws", allow_placeholders=True)
    settings = config.stage(stage)
    stacks = StageStacks(stage, config.project)
    assert stacks.infrastructure == settings.infrastructure_stack_name
    assert stacks.application == settings.application_stack_name


@pytest.fixture
def in_process_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[PipelineClient]:
    """A client on moto's in-process AWS, with fake credentials and no endpoint."""
    from moto import mock_aws

    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        yield PipelineClient(session)


def test_removing_a_prefix_removes_every_version_and_delete_marker_and_nothing_else(
    in_process_aws: PipelineClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Versions over several DeleteObjects batches (S3 takes 1000 keys, here 2), a delete marker."""
    monkeypatch.setattr(pipeline_client, "DELETE_BATCH_SIZE", 2)
    s3 = in_process_aws.s3
    s3.create_bucket(Bucket="versioned")
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    for number in range(4):
        s3.put_object(Bucket="versioned", Key="check/part.parquet", Body=str(number).encode())
    s3.delete_object(Bucket="versioned", Key="check/part.parquet")
    s3.put_object(Bucket="versioned", Key="check-other/kept.csv", Body=b"kept")

    assert in_process_aws.remove_prefix("versioned", "check/") == 5
    assert in_process_aws.object_versions("versioned", "check/") == []
    [kept] = in_process_aws.object_versions("versioned", "check-other/")
    assert kept["Key"] == "check-other/kept.csv"
