"""glueline.docker_backend without a daemon: commands, environments, Glue resources, hooks.

AWS calls go to moto's in-process mock (``mock_aws``), which stands in for both LocalStack
and glueline's Glue service here; the real pair is exercised by tests/docker.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from glueline import docker_backend
from glueline.cloud.glue import moto_integration
from glueline.cloud.glue.runs import ObjectNotFound
from glueline.cloud.glue.state import JobRun
from glueline.cloud.settings import CloudSettings

PROJECT = Path("/src/glueline")
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


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


def client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1")


def run() -> JobRun:
    return JobRun(
        job_name="file-processor",
        job_run_id="jr_42",
        arguments={},
        timeout=5,
        glue_version="5.0",
    )


def test_compose_commands_name_the_project_and_the_file() -> None:
    assert docker_backend.up_command(PROJECT) == [
        "docker", "compose", "--project-name", "glueline",
        "--file", "/src/glueline/docker-compose.yml",
        "up", "--detach", "--build", "--wait",
    ]  # fmt: skip
    assert docker_backend.down_command(PROJECT)[-2:] == ["down", "--remove-orphans"]


def test_host_clients_send_glue_to_glueline_and_the_rest_to_localstack() -> None:
    assert docker_backend.host_client_environment() == {
        "AWS_ENDPOINT_URL": "http://localhost:4566",
        "AWS_ENDPOINT_URL_GLUE": "http://localhost:4567",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def test_the_env_command_prints_exports_a_shell_can_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert docker_backend.main(["env"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert "export AWS_ENDPOINT_URL_GLUE=http://localhost:4567" in lines
    assert "export AWS_ENDPOINT_URL=http://localhost:4566" in lines


def test_cdklocal_gets_its_own_localstack_defaults_not_the_embedded_clouds_endpoints() -> None:
    inherited = {
        "PATH": "/usr/bin",
        "AWS_ENDPOINT_URL": "http://localhost:4566",
        "AWS_ENDPOINT_URL_S3": "http://localhost:4566",
        "AWS_ENDPOINT_URL_GLUE": "http://localhost:4567",
        "AWS_ACCESS_KEY_ID": "AKIAREALKEY",
    }

    env = docker_backend.cdklocal_environment(inherited)

    assert env == {
        "PATH": "/usr/bin",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "CDK_DEFAULT_ACCOUNT": "000000000000",
        "CDK_DEFAULT_REGION": "us-east-1",
    }


def test_cdklocal_bootstraps_then_deploys_the_local_config() -> None:
    assert docker_backend.cdklocal_commands("cdklocal") == [
        ["cdklocal", "bootstrap", "aws://000000000000/us-east-1"],
        ["cdklocal", "deploy", "--all", "-c", "config=local", "--require-approval", "never"],
    ]


def test_glue_resources_are_resolved_from_exports_and_pseudo_parameters() -> None:
    database, job = docker_backend.glue_resources(TEMPLATE, "app", "stack-id", EXPORTS)

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
    with pytest.raises(docker_backend.UnresolvableTemplate) as raised:
        docker_backend.glue_resources({"Resources": {"Thing": resource}}, "app", "id", EXPORTS)

    assert message in str(raised.value)
    assert str(raised.value).startswith("app/Thing")


def test_provision_creates_then_updates_in_place(aws: None) -> None:
    glue = client("glue")
    resources = docker_backend.glue_resources(TEMPLATE, "app", "id", EXPORTS)

    assert docker_backend.provision(glue, resources) == {
        "GlueDatabase": "glueline_local",
        "FileProcessorJob": "file-processor",
    }
    changed = {**JOB, "Properties": {**JOB["Properties"], "Timeout": 30}}
    again = docker_backend.glue_resources(
        {"Resources": {"GlueDatabase": DATABASE, "FileProcessorJob": changed}}, "app", "id", EXPORTS
    )
    docker_backend.provision(glue, again)

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

    resources = docker_backend.deployed_glue_resources(cloudformation)

    assert sorted((r.stack_name, r.logical_id) for r in resources) == [
        ("app", "FileProcessorJob"),
        ("app", "GlueDatabase"),
    ]
    (job,) = [r for r in resources if r.logical_id == "FileProcessorJob"]
    assert job.properties["DefaultArguments"]["--database_name"] == "glueline_local"


def test_run_hooks_fetch_scripts_from_localstacks_s3(aws: None) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="assets")
    s3.put_object(Bucket="assets", Key="scripts/job.py", Body=b"print('hi')\n")
    hooks = docker_backend.LocalStackRunHooks(client)

    assert hooks.fetch("s3://assets/scripts/job.py") == b"print('hi')\n"
    with pytest.raises(ObjectNotFound):
        hooks.fetch("s3://assets/scripts/missing.py")
    with pytest.raises(ObjectNotFound):
        hooks.fetch("s3://no-such-bucket/job.py")


def test_run_hooks_write_driver_output_where_aws_glue_does(aws: None) -> None:
    hooks = docker_backend.LocalStackRunHooks(client)

    hooks.write_logs(run(), "started\nwrote 3 rows\n", "WARN slow\n")
    hooks.write_logs(run(), "again\n", "")

    logs = client("logs")
    output = logs.get_log_events(logGroupName="/aws-glue/jobs/output", logStreamName="jr_42")
    error = logs.get_log_events(logGroupName="/aws-glue/jobs/error", logStreamName="jr_42")
    assert [event["message"] for event in output["events"]] == ["started", "wrote 3 rows", "again"]
    assert [event["message"] for event in error["events"]] == ["WARN slow"]


def test_run_hooks_publish_state_changes_to_the_clouds_eventbridge(aws: None) -> None:
    sqs, events = client("sqs"), client("events")
    queue_url = sqs.create_queue(QueueName="glue-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    events.put_rule(Name="glue", EventPattern=json.dumps({"source": ["aws.glue"]}))
    events.put_targets(
        Rule="glue", Targets=[{"Id": "q", "Arn": queue_arn["Attributes"]["QueueArn"]}]
    )

    docker_backend.LocalStackRunHooks(client).state_changed(run())

    (message,) = sqs.receive_message(QueueUrl=queue_url)["Messages"]
    event = json.loads(message["Body"])
    assert event["detail-type"] == "Glue Job State Change"
    assert event["detail"]["jobRunId"] == "jr_42"
    assert event["detail"]["state"] == "STARTING"


def test_the_docker_runtime_runs_jobs_in_the_glue_libs_image_with_localstack_hooks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    captured: dict[str, Any] = {}

    class Runner:
        def __init__(self, settings: CloudSettings, command_builder: Any) -> None:
            captured.update(settings=settings, command_builder=command_builder)

    def install(runner: Any, hooks_for: Any) -> None:
        captured.update(runner=runner, hooks_for=hooks_for)

    monkeypatch.setattr("glueline.cloud.glue.runs.GlueJobRunner", Runner)
    monkeypatch.setattr(moto_integration, "install", install)
    hooks = docker_backend.LocalStackRunHooks(client)
    settings = CloudSettings(port=4567, state_dir=tmp_path)

    docker_backend.install_docker_runtime(settings, hooks)

    assert captured["settings"] == settings
    assert captured["command_builder"] is docker_backend.job_command
    assert isinstance(captured["runner"], Runner)
    assert captured["hooks_for"](object()) is hooks
