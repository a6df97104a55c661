"""A job script's own test, in its own project, with glueline.testing: the script imports
awsglue on plain PySpark, reads a CSV from s3:// and writes Parquet to s3:// of a running
local cloud, and the rows are read back here."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from glueline.cloud.settings import CloudSettings

pytestmark = pytest.mark.integration

BUCKET = f"testing-plugin-{uuid.uuid4().hex[:8]}"
PEOPLE = "name,age\nada,36\ngrace,17\nlinus,54\n"

JOB_SCRIPT = """
from awsglue.context import GlueContext


def adults(glue_context: GlueContext, source: str, target: str) -> int:
    frame = glue_context.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [source]},
        format="csv",
        format_options={"withHeader": True},
    )
    grown = frame.toDF().where("CAST(age AS INT) >= 18")
    grown.write.mode("overwrite").parquet(target)
    return grown.count()
"""

JOB_TEST = """
from awsglue.context import GlueContext

import job_script


def test_adults_read_from_and_written_to_s3(glueline_spark):
    glue_context = GlueContext(glueline_spark.sparkContext)

    written = job_script.adults(glue_context, "s3://{bucket}/people.csv", "s3a://{bucket}/adults/")

    assert written == 2
    rows = glueline_spark.read.parquet("s3://{bucket}/adults/").collect()
    assert sorted(row.name for row in rows) == ["ada", "linus"]
"""


def test_a_job_test_reads_and_writes_s3_through_the_fixture(
    local_cloud: CloudSettings, aws: Callable[[str], Any], tmp_path: Path
) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="people.csv", Body=PEOPLE.encode())
    project = tmp_path / "job-project"
    project.mkdir()
    (project / "job_script.py").write_text(textwrap.dedent(JOB_SCRIPT))
    (project / "test_job_script.py").write_text(JOB_TEST.format(bucket=BUCKET))
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("AWS_")
    } | {"GLUELINE_PORT": str(local_cloud.port)}

    # The plugin comes from the installed entry point: the project has no conftest.py.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "1 passed" in result.stdout
    keys = [
        item["Key"]
        for item in s3.list_objects_v2(Bucket=BUCKET, Prefix="adults/")["Contents"]
        if item["Key"].endswith(".parquet")
    ]
    tables = [
        pq.read_table(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))
        for key in keys
    ]
    names = sorted(name for table in tables for name in table.column("name").to_pylist())
    assert names == ["ada", "linus"]
