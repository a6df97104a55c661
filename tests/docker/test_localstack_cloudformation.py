"""What LocalStack's CloudFormation does with types it lacks, as the setup configures it: the
types glueline provides (``AWS::Glue::Database``, ...) are skipped and the rest of the stack is
deployed; any other type it cannot create, here ``AWS::Glue::Table``, never passes silently.
Online LocalStack fails the stack itself (docker/localstack.env); offline it skips every
unsupported type (docker/compose.offline.yml) and glueline's deploy step names the skipped one.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from glueline.docker_backend import compose
from glueline.docker_backend.deploy import skipped_resources
from glueline.docker_backend.templates import deployed_stacks

pytestmark = pytest.mark.docker

AwsClient = Callable[[str], Any]
FINAL = ("_COMPLETE", "_FAILED")
TIMEOUT_SECONDS = 120


def deploy(aws: AwsClient, resources: dict[str, Any]) -> dict[str, Any]:
    """Create a stack and wait for a final status; returns the stack description."""
    cloudformation = aws("cloudformation")
    name = f"glueline-types-{uuid.uuid4().hex[:8]}"
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": resources}))
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
        if stack["StackStatus"].endswith(FINAL):
            return dict(stack)
        assert time.monotonic() < deadline, stack["StackStatus"]
        time.sleep(1)


def test_the_glue_types_glueline_creates_are_skipped_and_the_rest_deployed(
    aws: AwsClient,
) -> None:
    queue = f"glueline-types-{uuid.uuid4().hex[:8]}"
    database = f"skipped_{uuid.uuid4().hex[:8]}"

    stack = deploy(
        aws,
        {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": queue}},
            "Database": {
                "Type": "AWS::Glue::Database",
                "Properties": {"CatalogId": "000000000000", "DatabaseInput": {"Name": database}},
            },
        },
    )

    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert aws("sqs").get_queue_url(QueueName=queue)["QueueUrl"].endswith(queue)
    names = [entry["Name"] for entry in aws("glue").get_databases()["DatabaseList"]]
    assert database not in names


def test_any_other_unsupported_type_fails_the_stack_or_glueline_names_it(
    aws: AwsClient,
) -> None:
    stack = deploy(
        aws,
        {
            "Table": {
                "Type": "AWS::Glue::Table",
                "Properties": {
                    "CatalogId": "000000000000",
                    "DatabaseName": "nowhere",
                    "TableInput": {"Name": "t"},
                },
            }
        },
    )

    if compose.runs_offline():
        skipped = skipped_resources(deployed_stacks(aws("cloudformation")))
        assert f"{stack['StackName']}/Table (AWS::Glue::Table)" in skipped
    else:
        assert stack["StackStatus"].endswith("FAILED")
        assert "AWS::Glue::Table" in stack.get("StackStatusReason", "")
