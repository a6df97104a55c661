"""Tests of the legislators batch job on the real sample ``persons.json``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession

from glue_jobs import legislators
from glue_jobs.tests.conftest import SAMPLE_DIR

RUN_AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.spark
def test_transform_keeps_the_person_columns(spark: SparkSession) -> None:
    persons = legislators.read_persons(spark, SAMPLE_DIR.as_uri() + "/")
    out = legislators.transform(persons, RUN_AT)
    assert out.columns == ["id", "name", "bio", "terms", "processed_at"]
    assert out.count() == 537
    cantwell = out.filter("id.bioguide = 'C000127'").first()
    assert cantwell["name"]["official_full"] == "Maria Cantwell"
    assert cantwell["terms"][0]["type"] == "rep"
    assert cantwell["processed_at"].replace(tzinfo=UTC) == RUN_AT


@pytest.mark.spark
def test_hive_types_of_nested_columns(spark: SparkSession) -> None:
    persons = legislators.read_persons(spark, SAMPLE_DIR.as_uri())
    types = {f.name: legislators.hive_type(f.dataType) for f in persons.schema}
    assert types["name"].startswith("struct<")
    assert "official_full:string" in types["name"]
    assert types["terms"].startswith("array<struct<")
    assert "fec:array<string>" in types["id"]


@pytest.mark.spark
def test_run_writes_snapshot_and_catalog(spark: SparkSession, glue: Any, tmp_path: Path) -> None:
    output = (tmp_path / "legislators").as_uri() + "/"
    kwargs = {
        "input_location": SAMPLE_DIR.as_uri(),
        "output_location": output,
        "database": "db",
        "table": "legislators",
        "processed_at": RUN_AT,
    }
    assert legislators.run(spark, glue, **kwargs) == 537
    assert legislators.run(spark, glue, **kwargs) == 537

    table = pq.read_table(tmp_path / "legislators")
    assert table.num_rows == 537
    assert table.column_names == ["id", "name", "bio", "terms", "processed_at"]

    catalog = glue.get_table(DatabaseName="db", Name="legislators")["Table"]
    sd = catalog["StorageDescriptor"]
    assert sd["Location"] == output
    assert [c["Name"] for c in sd["Columns"]] == table.column_names
    assert {c["Name"]: c["Type"] for c in sd["Columns"]}["bio"] == (
        "struct<birthday:string,gender:string>"
    )


def test_main_passes_the_argument_contract(
    monkeypatch: pytest.MonkeyPatch, awsglue_stub: list[str]
) -> None:
    seen: dict = {}
    monkeypatch.setattr(
        legislators, "run", lambda *args, **kwargs: seen.update(args=args, **kwargs)
    )
    argv = [
        "legislators.py",
        "--JOB_NAME", "legislators",
        "--input_location", "s3://input-bucket/us-legislators/",
        "--output_location", "s3://output/legislators/",
        "--database_name", "db",
        "--table_name", "legislators",
        "--JOB_RUN_ID", "jr_1",
    ]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    legislators.main()
    assert seen == {
        "args": ("spark", "client:glue"),
        "input_location": "s3://input-bucket/us-legislators/",
        "output_location": "s3://output/legislators/",
        "database": "db",
        "table": "legislators",
    }
    assert awsglue_stub == [
        "init:legislators",
        "read:persons_snapshot:{'paths': ['s3://input-bucket/us-legislators/persons.json']}",
        "commit",
    ]


def test_main_leaves_the_output_alone_without_a_new_snapshot(
    monkeypatch: pytest.MonkeyPatch, awsglue_stub: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """With bookmarks on, an unchanged persons.json reads as an empty source."""
    monkeypatch.setattr(sys.modules["awsglue.context"].GlueContext, "source_rows", 0)
    monkeypatch.setattr(legislators, "run", lambda *args, **kwargs: pytest.fail("ran"))
    argv = [
        "legislators.py",
        "--JOB_NAME", "legislators",
        "--input_location", "s3://input-bucket/us-legislators",
        "--output_location", "s3://output/legislators/",
        "--database_name", "db",
        "--table_name", "legislators",
    ]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    caplog.set_level("INFO", logger="legislators")

    legislators.main()

    assert awsglue_stub[-1] == "commit", "the run still commits (nothing new is recorded)"
    assert (
        "No new legislators in s3://input-bucket/us-legislators/persons.json since the last "
        "successful run (job bookmark): the output and the catalog table are left as they are"
    ) in caplog.messages
