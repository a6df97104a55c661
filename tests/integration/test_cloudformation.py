"""CloudFormation through the API: failures are reported, change sets publish exports."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration

BOGUS_TEMPLATE = {
    "Resources": {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "glueline-bogus-q"}},
        "Thing": {"Type": "AWS::Bogus::Thing", "Properties": {}},
    }
}


def _exporter(name: str, value: str) -> str:
    return json.dumps(
        {
            "Resources": {
                "Parameter": {
                    "Type": "AWS::SSM::Parameter",
                    "Properties": {
                        "Name": f"/glueline-test/{name}",
                        "Type": "String",
                        "Value": value,
                    },
                }
            },
            "Outputs": {
                "ParameterName": {
                    "Value": {"Ref": "Parameter"},
                    "Export": {"Name": f"{name}-parameter"},
                }
            },
        }
    )


def _importer(export_name: str) -> str:
    return json.dumps(
        {
            "Resources": {
                "Queue": {
                    "Type": "AWS::SQS::Queue",
                    "Properties": {"QueueName": "glueline-importer-queue"},
                }
            },
            "Outputs": {"Imported": {"Value": {"Fn::ImportValue": export_name}}},
        }
    )


def _deploy_with_change_set(cloudformation, stack_name: str, template: str) -> dict:
    cloudformation.create_change_set(
        StackName=stack_name,
        ChangeSetName="first",
        ChangeSetType="CREATE",
        TemplateBody=template,
    )
    cloudformation.execute_change_set(StackName=stack_name, ChangeSetName="first")
    return cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]


def test_an_unsupported_type_fails_the_stack_and_names_the_type(aws):
    cloudformation = aws("cloudformation")
    cloudformation.create_stack(StackName="bogus", TemplateBody=json.dumps(BOGUS_TEMPLATE))
    stack = cloudformation.describe_stacks(StackName="bogus")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "AWS::Bogus::Thing" in stack["StackStatusReason"]
    failed = [
        event
        for event in cloudformation.describe_stack_events(StackName="bogus")["StackEvents"]
        if event["ResourceStatus"] == "CREATE_FAILED" and event["LogicalResourceId"] == "Thing"
    ]
    assert "not supported by the glueline local cloud" in failed[0]["ResourceStatusReason"]
    queues = aws("sqs").list_queues(QueueNamePrefix="glueline-bogus").get("QueueUrls", [])
    assert queues == [], "the rollback deletes what was created before the failure"


def test_an_unsupported_type_fails_the_change_set_path_too(aws):
    stack = _deploy_with_change_set(aws("cloudformation"), "bogus-cs", json.dumps(BOGUS_TEMPLATE))
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "AWS::Bogus::Thing" in stack["StackStatusReason"]


def test_change_sets_publish_outputs_and_exports_for_import(aws):
    cloudformation = aws("cloudformation")
    exporter = _deploy_with_change_set(cloudformation, "exporter-cs", _exporter("shared", "v1"))
    assert exporter["StackStatus"] == "CREATE_COMPLETE"
    assert exporter["Outputs"] == [
        {
            "OutputKey": "ParameterName",
            "OutputValue": "/glueline-test/shared",
            "ExportName": "shared-parameter",
        }
    ]
    exports = {e["Name"]: e["Value"] for e in cloudformation.list_exports()["Exports"]}
    assert exports["shared-parameter"] == "/glueline-test/shared"

    importer = _deploy_with_change_set(cloudformation, "importer-cs", _importer("shared-parameter"))
    assert importer["StackStatus"] == "CREATE_COMPLETE"
    assert importer["Outputs"][0]["OutputValue"] == "/glueline-test/shared"


def test_an_imported_export_cannot_be_deleted_and_deletion_removes_resources(aws):
    cloudformation = aws("cloudformation")
    cloudformation.create_stack(StackName="exporter-2", TemplateBody=_exporter("pinned", "v"))
    cloudformation.create_stack(StackName="importer-2", TemplateBody=_importer("pinned-parameter"))
    with pytest.raises(cloudformation.exceptions.ClientError, match="in use by importer-2"):
        cloudformation.delete_stack(StackName="exporter-2")

    cloudformation.delete_stack(StackName="importer-2")
    cloudformation.delete_stack(StackName="exporter-2")
    assert aws("sqs").list_queues(QueueNamePrefix="glueline-importer").get("QueueUrls", []) == []
    with pytest.raises(aws("ssm").exceptions.ParameterNotFound):
        aws("ssm").get_parameter(Name="/glueline-test/pinned")
    names = [e["Name"] for e in cloudformation.list_exports()["Exports"]]
    assert "pinned-parameter" not in names


def test_glue_resources_in_a_template_exist_after_deploy_and_are_gone_after_delete(aws):
    template = {
        "Resources": {
            "Database": {
                "Type": "AWS::Glue::Database",
                "Properties": {"CatalogId": "000000000000", "DatabaseInput": {"Name": "cfn_db"}},
            },
            "Table": {
                "Type": "AWS::Glue::Table",
                "Properties": {
                    "CatalogId": "000000000000",
                    "DatabaseName": {"Ref": "Database"},
                    "TableInput": {
                        "Name": "events",
                        "StorageDescriptor": {
                            "Columns": [{"Name": "id", "Type": "bigint"}],
                            "Location": "s3://data/events/",
                        },
                    },
                },
            },
            "Job": {
                "Type": "AWS::Glue::Job",
                "Properties": {
                    "Name": "cfn-job",
                    "Role": "arn:aws:iam::000000000000:role/glue",
                    "GlueVersion": "5.0",
                    "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts/job.py"},
                    "ExecutionProperty": {"MaxConcurrentRuns": 3},
                    "DefaultArguments": {"--database": {"Ref": "Database"}},
                    "Timeout": 60,
                },
            },
        }
    }
    cloudformation, glue = aws("cloudformation"), aws("glue")
    cloudformation.create_stack(StackName="glue-stack", TemplateBody=json.dumps(template))
    job = glue.get_job(JobName="cfn-job")["Job"]
    assert job["DefaultArguments"] == {"--database": "cfn_db"}
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 3}
    assert job["Timeout"] == 60
    assert glue.get_database(Name="cfn_db")["Database"]["Name"] == "cfn_db"
    table = glue.get_table(DatabaseName="cfn_db", Name="events")["Table"]
    assert table["StorageDescriptor"]["Columns"] == [{"Name": "id", "Type": "bigint"}]

    job_properties = template["Resources"]["Job"]["Properties"]
    job_properties["DefaultArguments"]["--mode"] = "strict"
    job_properties["Timeout"] = 30
    cloudformation.update_stack(StackName="glue-stack", TemplateBody=json.dumps(template))
    stack = cloudformation.describe_stacks(StackName="glue-stack")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    updated = glue.get_job(JobName="cfn-job")["Job"]
    assert updated["DefaultArguments"] == {"--database": "cfn_db", "--mode": "strict"}
    assert updated["Timeout"] == 30

    cloudformation.delete_stack(StackName="glue-stack")
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_job(JobName="cfn-job")
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_database(Name="cfn_db")
