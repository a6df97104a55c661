"""``cdklocal bootstrap`` and ``cdklocal deploy`` of a CDK app against the local cloud."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

APP = Path(__file__).with_name("cdk_app") / "app.py"


def _outputs(cloudformation, stack_name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def _deploy(glueline_cli, output_dir, *context: str):
    deploy = glueline_cli(
        "cdk",
        "deploy",
        "--all",
        "--require-approval",
        "never",
        "--app",
        f"{sys.executable} {APP}",
        "--output",
        str(output_dir),
        *context,
    )
    assert deploy.returncode == 0, deploy.stderr[-3000:]
    return deploy


@pytest.fixture(scope="module")
def output_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cdk.out")


@pytest.fixture(scope="module")
def deployed(glueline_cli, output_dir):
    bootstrap = glueline_cli("cdk", "bootstrap", "aws://000000000000/us-east-1")
    assert bootstrap.returncode == 0, bootstrap.stderr[-3000:]
    return _deploy(glueline_cli, output_dir)


def test_custom_resource_data_shows_in_an_output(deployed, aws):
    outputs = _outputs(aws("cloudformation"), "glueline-test-exporter")
    assert outputs["GreetingText"] == "hello glueline (Create)"


def test_bucket_deployment_copies_files_with_the_cli_from_its_layer(deployed, aws):
    """CDK's BucketDeployment runs ``/opt/awscli/aws s3 sync`` from its AWS CLI layer."""
    body = aws("s3").get_object(Bucket="glueline-test-scratch", Key="site/index.html")["Body"]
    assert body.read() == b"<h1>deployed by BucketDeployment</h1>\n"


def test_an_export_is_imported_by_a_second_stack(deployed, aws):
    outputs = _outputs(aws("cloudformation"), "glueline-test-importer")
    assert outputs["ImportedBucket"] == "glueline-test-scratch"
    parameter = aws("ssm").get_parameter(Name="/glueline-test/imported-bucket")["Parameter"]
    assert parameter["Value"] == "glueline-test-scratch"


def test_a_second_deploy_sends_the_custom_resource_an_update(
    deployed, glueline_cli, output_dir, aws
):
    _deploy(glueline_cli, output_dir, "-c", "greeting_name=again")
    stack = aws("cloudformation").describe_stacks(StackName="glueline-test-exporter")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert _outputs(aws("cloudformation"), "glueline-test-exporter")["GreetingText"] == (
        "hello again (Update)"
    )


def test_the_tls_only_bucket_accepts_requests_to_the_local_endpoint(deployed, aws):
    """The policy CDK deployed denies insecure transport, yet loopback requests pass;
    tests/integration/test_bucket_policies.py shows that other Deny statements still deny."""
    s3 = aws("s3")
    policy = json.loads(s3.get_bucket_policy(Bucket="glueline-test-scratch")["Policy"])
    conditions = [
        statement.get("Condition")
        for statement in policy["Statement"]
        if statement["Effect"] == "Deny" and statement["Action"] == "s3:*"
    ]
    assert conditions == [{"Bool": {"aws:SecureTransport": "false"}}]
    s3.put_object(Bucket="glueline-test-scratch", Key="kept.txt", Body=b"data")
    assert s3.get_object(Bucket="glueline-test-scratch", Key="kept.txt")["Body"].read() == b"data"


def test_deleting_runs_the_auto_delete_custom_resource(deployed, aws, eventually):
    cloudformation, s3 = aws("cloudformation"), aws("s3")
    s3.put_object(Bucket="glueline-test-scratch", Key="left/behind.txt", Body=b"x")
    cloudformation.delete_stack(StackName="glueline-test-importer")
    cloudformation.delete_stack(StackName="glueline-test-exporter")
    buckets = [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    assert "glueline-test-scratch" not in buckets
    remaining = [stack["StackName"] for stack in cloudformation.describe_stacks()["Stacks"]]
    assert "glueline-test-exporter" not in remaining
