"""``glueline e2e`` as users and the delivery pipeline run it, against the session's stage.

Local mode runs as ``make e2e`` does. AWS mode runs with nothing of the local cloud but
what AWS users have too: ``AWS_ENDPOINT_URL`` in the environment and an AWS profile that
assumes the stage's verify role, as the pipeline's ``VerifyDev`` step does. A broken
deployment (a script that writes part of its output, staging and catalog, then fails)
shows that a failed check exits non-zero and still removes everything the run wrote.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from glueline.cloud.settings import LOCAL_REGION, CloudSettings
from glueline.e2e import (
    CHECK_PREFIX,
    EXPECTED_ROWS,
    METADATA_COLUMNS,
    REJECTED_PREFIX,
    STAGING_PREFIX,
)
from glueline.pipeline_client import StageOutputs

pytestmark = pytest.mark.integration

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Where the broken script leaves the name of the dataset it wrote, outside the check's folders.
EVIDENCE_PREFIX = "broken-deployment/"
BROKEN_SCRIPT = f'''
"""A file processor deployed broken: it writes part of its output and catalog, then fails."""
import sys

import boto3
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["output_bucket", "database_name", "dataset", "TempDir"])
bucket, dataset, database = args["output_bucket"], args["dataset"], args["database_name"]
s3 = boto3.client("s3")
temp_bucket, _, temp_prefix = args["TempDir"].removeprefix("s3://").partition("/")
s3.put_object(
    Bucket=temp_bucket, Key=f"{{temp_prefix}}{STAGING_PREFIX}/{{dataset}}/token/part-0", Body=b""
)
for attempt in (b"first", b"second"):
    s3.put_object(Bucket=bucket, Key=f"{{dataset}}/source_id=partial/part-0.parquet", Body=attempt)
s3.put_object(Bucket=bucket, Key=f"{{dataset}}/_temporary/0", Body=b"")
s3.delete_object(Bucket=bucket, Key=f"{{dataset}}/_temporary/0")
s3.put_object(Bucket=bucket, Key=f"{REJECTED_PREFIX}/{{dataset}}/partial/part-0.txt", Body=b"2")
glue = boto3.client("glue")
glue.create_table(
    DatabaseName=database,
    TableInput={{
        "Name": dataset,
        "StorageDescriptor": {{"Columns": [{{"Name": "id", "Type": "string"}}]}},
        "PartitionKeys": [{{"Name": "source_id", "Type": "string"}}],
    }},
)
glue.create_partition(
    DatabaseName=database, TableName=dataset, PartitionInput={{"Values": ["partial"]}}
)
s3.put_object(Bucket=bucket, Key=f"{EVIDENCE_PREFIX}{{dataset}}", Body=dataset.encode())
raise RuntimeError("this deployment is broken on purpose")
'''
#: A deployment whose script never ends.
HANGING_SCRIPT = "import time\n\ntime.sleep(3600)\n"


def run_check_as_aws_user(
    local_cloud: CloudSettings, home: Path, verify_role_arn: str, *arguments: str
) -> subprocess.CompletedProcess[str]:
    """``glueline e2e --target aws`` with a clean AWS environment, as in CodeBuild.

    The profile assumes the verify role like VerifyDev's (which takes its source
    credentials from the CodeBuild container instead of a profile).
    """
    config = home / "config"
    config.write_text(
        "[profile glueline-verify]\n"
        f"role_arn = {verify_role_arn}\n"
        "source_profile = developer\n"
        "role_session_name = glueline-verify-test\n"
        "[profile developer]\n"
        "aws_access_key_id = test\n"
        "aws_secret_access_key = test\n"
    )
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "GLUELINE_"))
    }
    environment.update(
        {
            "HOME": str(home),
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_PROFILE": "glueline-verify",
            "AWS_ENDPOINT_URL": local_cloud.endpoint_url,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "glueline.cli", "e2e", "--target", "aws", *arguments],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="module")
def verify_role_arn(deployed_stage: StageOutputs, aws: Callable[[str], Any]) -> str:
    stacks = aws("cloudformation").describe_stacks(StackName="glueline-local-infrastructure")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks["Stacks"][0]["Outputs"]}
    return outputs["VerifyRoleArn"]


@contextmanager
def file_processor_script(
    stage: StageOutputs, aws: Callable[[str], Any], script: str
) -> Iterator[None]:
    """The file processor's deployed script replaced by ``script``, restored afterwards."""
    s3 = aws("s3")
    job = aws("glue").get_job(JobName=stage.file_processor_job)["Job"]
    bucket, key = job["Command"]["ScriptLocation"].removeprefix("s3://").split("/", 1)
    original = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    s3.put_object(Bucket=bucket, Key=key, Body=script.encode())
    try:
        yield
    finally:
        s3.put_object(Bucket=bucket, Key=key, Body=original)


@pytest.fixture
def broken_file_processor(
    deployed_stage: StageOutputs, aws: Callable[[str], Any]
) -> Iterator[Callable[[], str]]:
    """A deployment whose script fails after writing (``BROKEN_SCRIPT``).

    Yields a function returning the dataset the broken run wrote, read from its evidence.
    """
    s3 = aws("s3")

    def written_dataset() -> str:
        listed = s3.list_objects_v2(Bucket=deployed_stage.output_bucket, Prefix=EVIDENCE_PREFIX)
        [evidence] = listed["Contents"]
        return evidence["Key"].removeprefix(EVIDENCE_PREFIX)

    with file_processor_script(deployed_stage, aws, BROKEN_SCRIPT):
        try:
            yield written_dataset
        finally:
            listed = s3.list_object_versions(
                Bucket=deployed_stage.output_bucket, Prefix=EVIDENCE_PREFIX
            )
            for version in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]:
                s3.delete_object(
                    Bucket=deployed_stage.output_bucket,
                    Key=version["Key"],
                    VersionId=version["VersionId"],
                )


def remains_of_checks(stage: StageOutputs, aws: Callable[[str], Any]) -> list[str]:
    """Every object version, delete marker and table any check left in the stage."""
    s3, glue = aws("s3"), aws("glue")
    left = []
    for bucket, prefix in [
        (stage.input_bucket, CHECK_PREFIX),
        (stage.output_bucket, CHECK_PREFIX),
        (stage.output_bucket, f"{REJECTED_PREFIX}/{CHECK_PREFIX}"),
        (stage.assets_bucket, f"temp/{STAGING_PREFIX}/{CHECK_PREFIX}"),
    ]:
        listed = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
        for entry in [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]:
            left.append(f"s3://{bucket}/{entry['Key']} ({entry['VersionId']})")
    tables = glue.get_tables(DatabaseName=stage.database)["TableList"]
    left += [f"table {t['Name']}" for t in tables if t["Name"].startswith(CHECK_PREFIX)]
    return left


def assert_dataset_gone(stage: StageOutputs, aws: Callable[[str], Any], dataset: str) -> None:
    s3, glue = aws("s3"), aws("glue")
    for bucket, prefix in [
        (stage.input_bucket, f"{dataset}/"),
        (stage.output_bucket, f"{dataset}/"),
        (stage.output_bucket, f"{REJECTED_PREFIX}/{dataset}/"),
        (stage.assets_bucket, f"temp/{STAGING_PREFIX}/{dataset}/"),
    ]:
        listed = s3.list_object_versions(Bucket=bucket, Prefix=prefix)
        assert "Versions" not in listed and "DeleteMarkers" not in listed, (bucket, prefix)
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_table(DatabaseName=stage.database, Name=dataset)
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_partitions(DatabaseName=stage.database, TableName=dataset)


def test_local_check_reports_every_check_and_leaves_nothing_behind(
    glueline_cli, deployed_stage: StageOutputs, aws
) -> None:
    result = glueline_cli("e2e", timeout=1800)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    [check_folder] = re.findall(rf"check folder ({CHECK_PREFIX}\w+)", out)
    assert f"ok   {EXPECTED_ROWS} rows for {check_folder}/legislators-current.csv" in out
    for column in METADATA_COLUMNS:
        assert f"ok   column {column} present and filled in every row" in out
    assert f"ok   processing_job names the run ({deployed_stage.file_processor_job}:jr_" in out
    assert f"ok   catalog table {deployed_stage.database}.{check_folder}: " in out
    assert f"ok   {EXPECTED_ROWS} legislators" in out
    assert "ok   nothing the check wrote remains" in out
    assert "  FAIL " not in out
    assert out.rstrip().endswith("result: all checks passed")
    assert_dataset_gone(deployed_stage, aws, check_folder)
    assert remains_of_checks(deployed_stage, aws) == []


def test_local_check_fails_on_a_broken_deployment_and_exits_non_zero(
    glueline_cli, deployed_stage: StageOutputs, aws, broken_file_processor
) -> None:
    result = glueline_cli("e2e", timeout=1800)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    fail_lines = [line for line in out.splitlines() if line.startswith("  FAIL ")]
    assert len(fail_lines) == 1, out
    [fail_line] = fail_lines
    assert fail_line.startswith("  FAIL file processor run FAILED")
    assert "this deployment is broken on purpose" in fail_line
    assert out.rstrip().endswith("result: 1 failed")
    assert_dataset_gone(deployed_stage, aws, broken_file_processor())
    assert remains_of_checks(deployed_stage, aws) == []


def test_aws_mode_checks_the_stage_with_its_verify_role(
    local_cloud: CloudSettings, deployed_stage: StageOutputs, aws, verify_role_arn, tmp_path
) -> None:
    result = run_check_as_aws_user(
        local_cloud, tmp_path, verify_role_arn, "--stage", "local", "--region", LOCAL_REGION
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert (
        "stage local in us-east-1: glueline-local-infrastructure, glueline-local-application"
        in (out)
    )
    assert f"ok   {EXPECTED_ROWS} rows for {CHECK_PREFIX}" in out
    assert "ok   nothing the check wrote remains" in out
    assert "> legislators job run" not in out
    assert out.rstrip().endswith("result: all checks passed")
    assert remains_of_checks(deployed_stage, aws) == []


def test_aws_mode_removes_what_a_failed_check_wrote(
    local_cloud: CloudSettings,
    deployed_stage: StageOutputs,
    aws,
    verify_role_arn,
    broken_file_processor,
    tmp_path,
) -> None:
    result = run_check_as_aws_user(
        local_cloud, tmp_path, verify_role_arn, "--stage", "local", "--region", LOCAL_REGION
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "  FAIL file processor run FAILED" in out
    dataset = broken_file_processor()
    assert dataset.startswith(CHECK_PREFIX)
    assert re.search(rf"removed [1-9]\d* object version\(s\) .* under s3://\S+/{dataset}/", out)
    assert_dataset_gone(deployed_stage, aws, dataset)
    assert remains_of_checks(deployed_stage, aws) == []


def test_aws_mode_finds_a_stage_by_its_stack_names_only(
    local_cloud: CloudSettings, deployed_stage: StageOutputs, verify_role_arn, tmp_path
) -> None:
    """The local stage's stacks carry every output, yet a check of `qa` must not use them:
    it asks for qa's stacks by name, which the local stage's verify role may not even read
    (as in AWS, where each stage's role is scoped to its own stacks)."""
    result = run_check_as_aws_user(
        local_cloud, tmp_path, verify_role_arn, "--stage", "qa", "--region", LOCAL_REGION
    )
    assert result.returncode == 1
    assert (
        "is not authorized to perform: cloudformation:DescribeStacks on resource: "
        "arn:aws:cloudformation:us-east-1:000000000000:stack/glueline-qa-infrastructure/*"
    ) in result.stdout
    assert "upload the sample CSV" not in result.stdout


def test_aws_mode_without_a_region_says_how_to_give_one(
    local_cloud: CloudSettings, verify_role_arn, tmp_path
) -> None:
    result = run_check_as_aws_user(local_cloud, tmp_path, verify_role_arn, "--stage", "dev")
    assert result.returncode == 1
    assert "no AWS region: pass --region" in result.stderr


def test_aws_mode_stops_a_run_it_gives_up_on_before_removing_what_it_wrote(
    local_cloud: CloudSettings, deployed_stage: StageOutputs, aws, verify_role_arn, tmp_path
) -> None:
    with file_processor_script(deployed_stage, aws, HANGING_SCRIPT):
        result = run_check_as_aws_user(
            local_cloud,
            tmp_path,
            verify_role_arn,
            "--stage",
            "local",
            "--region",
            LOCAL_REGION,
            "--run-timeout",
            "1",
        )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    [check_folder] = re.findall(rf"check folder ({CHECK_PREFIX}\w+)", out)
    assert "  FAIL run jr_" in out and "did not finish within 1 s" in out
    source = f"s3://{deployed_stage.input_bucket}/{check_folder}/legislators-current.csv"
    runs = aws("glue").get_job_runs(JobName=deployed_stage.file_processor_job)["JobRuns"]
    states = [r["JobRunState"] for r in runs if r["Arguments"]["--source_path"] == source]
    assert states == ["STOPPED"]
    assert_dataset_gone(deployed_stage, aws, check_folder)
    assert remains_of_checks(deployed_stage, aws) == []
