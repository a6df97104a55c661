"""Glue security configurations: created by CloudFormation, listed by the Glue API, and
applied to what a job run writes to S3 (AWS Glue, "Encrypting data written by AWS Glue":
with S3 encryption set, the job's S3 output is encrypted server-side in that mode).
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

SUFFIX = uuid.uuid4().hex[:8]
TERMINAL = {"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED"}

WRITE_TEXT = """
import sys

from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession

args = getResolvedOptions(sys.argv, ["output"])
spark = SparkSession.builder.getOrCreate()
spark.createDataFrame([("a",), ("b",)], ["letter"]).coalesce(1).write.text(args["output"])
"""


def stack_template(bucket: str) -> str:
    resources = {
        "Encrypted": {
            "Type": "AWS::Glue::SecurityConfiguration",
            "Properties": {
                "Name": f"sse-s3-{SUFFIX}",
                "EncryptionConfiguration": {
                    "S3Encryptions": [{"S3EncryptionMode": "SSE-S3"}],
                    "CloudWatchEncryption": {"CloudWatchEncryptionMode": "DISABLED"},
                    "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "DISABLED"},
                },
            },
        },
        "Job": {
            "Type": "AWS::Glue::Job",
            "Properties": {
                "Name": f"encrypted-writer-{SUFFIX}",
                "Role": "arn:aws:iam::000000000000:role/glueline-test-glue",
                "Command": {
                    "Name": "glueetl",
                    "ScriptLocation": f"s3://{bucket}/write_text.py",
                    "PythonVersion": "3",
                },
                "GlueVersion": "5.0",
                "SecurityConfiguration": {"Ref": "Encrypted"},
                "DefaultArguments": {"--output": f"s3://{bucket}/encrypted/"},
            },
        },
    }
    return json.dumps({"Resources": resources})


@pytest.fixture(scope="module")
def bucket(aws: Callable[[str], Any]) -> str:
    name = f"security-{SUFFIX}"
    aws("s3").create_bucket(Bucket=name)
    aws("s3").put_object(
        Bucket=name, Key="write_text.py", Body=textwrap.dedent(WRITE_TEXT).encode()
    )
    return name


def test_a_security_configuration_from_a_template_is_listed_and_encrypts_job_output(
    aws: Callable[[str], Any], bucket: str, eventually: Callable[..., Any]
) -> None:
    cloudformation, glue, s3 = aws("cloudformation"), aws("glue"), aws("s3")
    stack_name = f"security-{SUFFIX}"
    cloudformation.create_stack(StackName=stack_name, TemplateBody=stack_template(bucket))
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")

    listed = glue.get_security_configurations()["SecurityConfigurations"]
    assert f"sse-s3-{SUFFIX}" in [configuration["Name"] for configuration in listed]
    configuration = glue.get_security_configuration(Name=f"sse-s3-{SUFFIX}")
    encryption = configuration["SecurityConfiguration"]["EncryptionConfiguration"]
    assert encryption["S3Encryption"] == [{"S3EncryptionMode": "SSE-S3"}]
    job = glue.get_job(JobName=f"encrypted-writer-{SUFFIX}")["Job"]
    assert job["SecurityConfiguration"] == f"sse-s3-{SUFFIX}"

    run_id = glue.start_job_run(JobName=f"encrypted-writer-{SUFFIX}")["JobRunId"]

    def finished() -> dict[str, Any] | None:
        """the job run reaches a terminal state"""
        run = glue.get_job_run(JobName=f"encrypted-writer-{SUFFIX}", RunId=run_id)["JobRun"]
        return run if run["JobRunState"] in TERMINAL else None

    run = eventually(finished, timeout=180, interval=1)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    written = s3.list_objects_v2(Bucket=bucket, Prefix="encrypted/part-")["Contents"]
    assert written
    for item in written:
        head = s3.head_object(Bucket=bucket, Key=item["Key"])
        assert head["ServerSideEncryption"] == "AES256", item["Key"]

    cloudformation.delete_stack(StackName=stack_name)
    names = [c["Name"] for c in glue.get_security_configurations()["SecurityConfigurations"]]
    assert f"sse-s3-{SUFFIX}" not in names


def test_an_sse_kms_configuration_runs_unencrypted_and_its_log_says_so(
    aws: Callable[[str], Any], bucket: str, eventually: Callable[..., Any]
) -> None:
    """S3A's SDK sends KMS parameters only over HTTPS and the local cloud is HTTP, so SSE-KMS
    is not applied locally (README, Glue beyond jobs): the run still succeeds, and its error
    log warns that its output is not encrypted."""
    glue, s3 = aws("glue"), aws("s3")
    key_arn = aws("kms").create_key(Description="glue job output")["KeyMetadata"]["Arn"]
    glue.create_security_configuration(
        Name=f"sse-kms-{SUFFIX}",
        EncryptionConfiguration={
            "S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": key_arn}]
        },
    )
    job = f"kms-writer-{SUFFIX}"
    glue.create_job(
        Name=job,
        Role="arn:aws:iam::000000000000:role/glueline-test-glue",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/write_text.py"},
        GlueVersion="5.0",
        SecurityConfiguration=f"sse-kms-{SUFFIX}",
    )

    run_id = glue.start_job_run(JobName=job, Arguments={"--output": f"s3://{bucket}/kms/"})[
        "JobRunId"
    ]

    def finished() -> dict[str, Any] | None:
        """the job run reaches a terminal state"""
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        return run if run["JobRunState"] in TERMINAL else None

    run = eventually(finished, timeout=180, interval=1)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    written = s3.list_objects_v2(Bucket=bucket, Prefix="kms/part-")["Contents"]
    assert written
    body = s3.get_object(Bucket=bucket, Key=written[0]["Key"])["Body"].read()
    assert sorted(body.decode().split()) == ["a", "b"]
    assert "ServerSideEncryption" not in s3.head_object(Bucket=bucket, Key=written[0]["Key"])
    errors = aws("logs").get_log_events(logGroupName="/aws-glue/jobs/error", logStreamName=run_id)
    messages = [event["message"].rstrip("\n") for event in errors["events"]]
    warnings = [message for message in messages if message.startswith("glueline:")]
    assert warnings == [
        "glueline: WARNING: the security configuration asks for SSE-KMS, which the local cloud "
        "does not apply (S3A sends KMS parameters only over HTTPS): this run's S3 output is not "
        "encrypted; in AWS it is encrypted with the configuration's KMS key"
    ]


def test_a_run_naming_a_missing_security_configuration_is_refused(
    aws: Callable[[str], Any], bucket: str
) -> None:
    glue = aws("glue")
    job = f"unencrypted-{SUFFIX}"
    glue.create_job(
        Name=job,
        Role="arn:aws:iam::000000000000:role/glueline-test-glue",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/write_text.py"},
        SecurityConfiguration=f"missing-{SUFFIX}",
    )

    with pytest.raises(glue.exceptions.EntityNotFoundException, match=f"missing-{SUFFIX}"):
        glue.start_job_run(JobName=job)
    assert glue.get_job_runs(JobName=job)["JobRuns"] == []
