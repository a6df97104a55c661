"""LocalStack runs Lambda functions in containers of each runtime the stacks use (the trigger's
``python3.11``; CDK's handlers' ``python3.13`` and ``nodejs24.x``), and those functions reach
LocalStack and, by its service name on the compose network, glueline's Glue.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.docker

AwsClient = Callable[[str], Any]
ROLE = "arn:aws:iam::000000000000:role/glueline-docker-test"

PYTHON_HANDLER = """\
import os
import sys

import boto3


def handler(event, context):
    glue = boto3.client("glue")
    s3 = boto3.client("s3")
    return {
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "glue_endpoint": os.environ.get("AWS_ENDPOINT_URL_GLUE"),
        "glue_jobs": glue.list_jobs()["JobNames"],
        "buckets": [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]],
    }
"""
NODE_HANDLER = """\
const { S3Client, ListBucketsCommand } = require("@aws-sdk/client-s3");

exports.handler = async () => {
  const s3 = new S3Client({ forcePathStyle: true });
  const listed = await s3.send(new ListBucketsCommand({}));
  return { node: process.version, buckets: (listed.Buckets || []).map((b) => b.Name) };
};
"""


def zipped(name: str, source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, source)
    return buffer.getvalue()


def invoke(aws: AwsClient, runtime: str, file_name: str, source: str) -> dict[str, Any]:
    """Create a function of ``runtime``, wait until it is active, invoke it, return its result."""
    lambda_ = aws("lambda")
    name = f"glueline-{runtime.replace('.', '-')}-{uuid.uuid4().hex[:6]}"
    lambda_.create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=ROLE,
        Handler=f"{file_name.split('.')[0]}.handler",
        Code={"ZipFile": zipped(file_name, source)},
        Timeout=60,
    )
    try:
        lambda_.get_waiter("function_active_v2").wait(FunctionName=name)
        response = lambda_.invoke(FunctionName=name, Payload=b"{}")
        payload = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, payload
        return dict(payload)
    finally:
        lambda_.delete_function(FunctionName=name)


@pytest.mark.parametrize("runtime", ["python3.11", "python3.13"])
def test_python_functions_run_on_their_version_and_reach_glue_by_service_name(
    aws: AwsClient, runtime: str
) -> None:
    bucket = f"glueline-lambda-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=bucket)
    job = f"glueline-lambda-{uuid.uuid4().hex[:8]}"
    aws("glue").create_job(
        Name=job, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://a/b.py"}
    )

    result = invoke(aws, runtime, "index.py", PYTHON_HANDLER)

    assert result["python"] == runtime.removeprefix("python")
    assert result["glue_endpoint"] == "http://glueline:4567"
    assert job in result["glue_jobs"]
    assert bucket in result["buckets"]


def test_nodejs_functions_run_on_node_24_with_the_sdk_the_runtime_provides(
    aws: AwsClient,
) -> None:
    bucket = f"glueline-lambda-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=bucket)

    result = invoke(aws, "nodejs24.x", "index.js", NODE_HANDLER)

    assert result["node"].startswith("v24.")
    assert bucket in result["buckets"]
