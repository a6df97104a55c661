"""The stacks' Glue resources without a daemon: read back from deployed templates, resolved,
created or updated in a Glue API.

AWS calls go to moto's in-process mock (``mock_aws``), which stands in for both LocalStack's
CloudFormation and glueline's Glue service here; tests/docker runs the real pair.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from glueline.docker_backend.provisioning import provision
from glueline.docker_backend.templates import (
    UnresolvableTemplate,
    deployed_glue_resources,
    glue_resources,
)

EXPORTS = {
    "infra-AssetsBucketName": "assets-bucket",
    "infra-GlueDatabaseName": "glueline_local",
    "infra-GlueRoleArn": "arn:aws:iam::000000000000:role/glue",
}
DATABASE = {
    "Type": "AWS::Glue::Database",
    "Properties": {
        "CatalogId": {"Ref": "AWS::AccountId"},
        "DatabaseInput": {"Name": "glueline_local", "Description": "Tables of the jobs"},
    },
}
JOB = {
    "Type": "AWS::Glue::Job",
    "Properties": {
        "Name": "file-processor",
        "Role": {"Fn::ImportValue": "infra-GlueRoleArn"},
        "Command": {"Name": "glueetl", "PythonVersion": "3", "ScriptLocation": "s3://a/job.py"},
        "DefaultArguments": {
            "--TempDir": {
                "Fn::Join": ["", ["s3://", {"Fn::ImportValue": "infra-AssetsBucketName"}, "/t/"]]
            },
            "--database_name": {"Fn::ImportValue": "infra-GlueDatabaseName"},
            "--region": {"Fn::Sub": "${AWS::Region}"},
        },
        "ExecutionProperty": {"MaxConcurrentRuns": 3},
        "GlueVersion": "5.0",
        "NumberOfWorkers": 2,
        "WorkerType": "G.1X",
        "Timeout": 60,
        "Tags": {"Project": "glueline"},
    },
}
TEMPLATE = {
    "Resources": {
        "GlueDatabase": DATABASE,
        "FileProcessorJob": JOB,
        "Bucket": {"Type": "AWS::S3::Bucket"},
    }
}


def client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1")


def test_glue_resources_are_resolved_from_exports_and_pseudo_parameters() -> None:
    database, job = glue_resources(TEMPLATE, "app", "stack-id", EXPORTS)

    assert (database.logical_id, database.name) == ("GlueDatabase", "glueline_local")
    assert database.properties["CatalogId"] == "000000000000"
    assert job.name == "file-processor"
    assert job.properties["Role"] == "arn:aws:iam::000000000000:role/glue"
    assert job.properties["DefaultArguments"] == {
        "--TempDir": "s3://assets-bucket/t/",
        "--database_name": "glueline_local",
        "--region": "us-east-1",
    }


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ({**JOB, "Properties": {**JOB["Properties"], "Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
         "Fn::GetAtt"),
        ({**JOB, "Properties": {**JOB["Properties"], "Role": {"Ref": "Role"}}}, "Ref \"Role\""),
        ({**JOB, "Properties": {**JOB["Properties"], "Role": {"Fn::ImportValue": "nope"}}},
         "no export named 'nope'"),
        ({**JOB, "Properties": {k: v for k, v in JOB["Properties"].items() if k != "Name"}},
         "without Name"),
        ({"Type": "AWS::Glue::Crawler", "Properties": {}}, "not AWS::Glue::Crawler"),
        ({**JOB, "Properties": {**JOB["Properties"], "Name": {"Fn::Sub": "${Prefix}-job"}}},
         "more than pseudo parameters"),
    ],
)  # fmt: skip
def test_what_glueline_cannot_create_faithfully_fails_loudly(
    resource: dict[str, Any], message: str
) -> None:
    with pytest.raises(UnresolvableTemplate) as raised:
        glue_resources({"Resources": {"Thing": resource}}, "app", "id", EXPORTS)

    assert message in str(raised.value)
    assert str(raised.value).startswith("app/Thing")


def test_provision_creates_then_updates_in_place(aws: None) -> None:
    glue = client("glue")
    resources = glue_resources(TEMPLATE, "app", "id", EXPORTS)

    assert provision(glue, resources) == {
        "GlueDatabase": "glueline_local",
        "FileProcessorJob": "file-processor",
    }
    changed = {**JOB, "Properties": {**JOB["Properties"], "Timeout": 30}}
    again = glue_resources(
        {"Resources": {"GlueDatabase": DATABASE, "FileProcessorJob": changed}}, "app", "id", EXPORTS
    )
    provision(glue, again)

    job = glue.get_job(JobName="file-processor")["Job"]
    assert job["Timeout"] == 30
    assert job["DefaultArguments"]["--TempDir"] == "s3://assets-bucket/t/"
    assert job["Command"]["ScriptLocation"] == "s3://a/job.py"
    assert glue.get_database(Name="glueline_local")["Database"]["Description"] == (
        "Tables of the jobs"
    )


def test_deployed_glue_resources_come_from_the_stacks_and_exports_of_the_cloud(
    aws: None,
) -> None:
    cloudformation = client("cloudformation")
    exporter = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}}},
        "Outputs": {
            name.replace("-", ""): {"Value": value, "Export": {"Name": name}}
            for name, value in EXPORTS.items()
        },
    }  # fmt: skip
    cloudformation.create_stack(StackName="infra", TemplateBody=json.dumps(exporter))
    importer = {"Resources": {"FileProcessorJob": JOB, "GlueDatabase": DATABASE}}
    # Like LocalStack with docker/localstack.env, moto's CloudFormation skips Glue types.
    with pytest.warns(UserWarning, match="AWS::Glue::"):
        cloudformation.create_stack(StackName="app", TemplateBody=json.dumps(importer))

    resources = deployed_glue_resources(cloudformation)

    assert sorted((r.stack_name, r.logical_id) for r in resources) == [
        ("app", "FileProcessorJob"),
        ("app", "GlueDatabase"),
    ]
    (job,) = [r for r in resources if r.logical_id == "FileProcessorJob"]
    assert job.properties["DefaultArguments"]["--database_name"] == "glueline_local"


def test_references_to_resources_localstack_created_resolve_to_their_ids_and_arns() -> None:
    from glueline.docker_backend.templates import DeployedResource

    job = {
        **JOB,
        "Properties": {
            **JOB["Properties"],
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Description": {"Ref": "Bucket"},
        },
    }
    deployed = {
        "Role": DeployedResource("Role", "AWS::IAM::Role", "infra-role-1", skipped=False),
        "Bucket": DeployedResource("Bucket", "AWS::S3::Bucket", "infra-bucket-1", skipped=False),
    }

    (resolved,) = glue_resources({"Resources": {"Job": job}}, "app", "id", EXPORTS, deployed)

    assert resolved.properties["Role"] == "arn:aws:iam::000000000000:role/infra-role-1"
    assert resolved.properties["Description"] == "infra-bucket-1"
