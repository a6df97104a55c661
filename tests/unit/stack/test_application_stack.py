"""The local application stack: the Glue jobs and how they find the infrastructure."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template


def import_of(output_key: str) -> dict[str, str]:
    return {"Fn::ImportValue": f"glueline-local-infrastructure-{output_key}"}


def job(template: Template, name: str) -> dict[str, Any]:
    [resource] = template.find_resources("AWS::Glue::Job", {"Properties": {"Name": name}}).values()
    return resource["Properties"]


def test_file_processor_job_settings(application: Template) -> None:
    properties = job(application, "glueline-local-file-processor")
    assert properties["Command"]["Name"] == "glueetl"
    assert properties["Command"]["PythonVersion"] == "3"
    assert properties["GlueVersion"] == "5.1"
    assert properties["WorkerType"] == "G.1X"
    assert properties["NumberOfWorkers"] == 2
    assert properties["Timeout"] == 60
    assert properties["ExecutionProperty"] == {"MaxConcurrentRuns": 3}
    assert properties["Role"] == import_of("GlueRoleArn")
    assert properties["DefaultArguments"] == {
        "--job-language": "python",
        "--enable-glue-datacatalog": "true",
        "--TempDir": {"Fn::Join": ["", ["s3://", import_of("AssetsBucketName"), "/temp/"]]},
        "--database_name": import_of("GlueDatabaseName"),
        "--output_bucket": import_of("OutputBucketName"),
        "--bad_records": "fail",
    }


def test_legislators_job_reads_input_and_writes_output_prefixes(application: Template) -> None:
    properties = job(application, "glueline-local-legislators")
    arguments = properties["DefaultArguments"]
    assert arguments["--input_location"] == {
        "Fn::Join": ["", ["s3://", import_of("InputBucketName"), "/us-legislators/"]]
    }
    assert arguments["--output_location"] == {
        "Fn::Join": ["", ["s3://", import_of("OutputBucketName"), "/legislators/"]]
    }
    assert arguments["--table_name"] == "legislators"
    assert arguments["--database_name"] == import_of("GlueDatabaseName")
    assert arguments["--job-bookmark-option"] == "job-bookmark-enable"
    assert properties["GlueVersion"] == "5.1"


def test_scripts_are_uploaded_assets_readable_by_the_job_role_only(application: Template) -> None:
    locations = [
        job(application, name)["Command"]["ScriptLocation"]
        for name in ("glueline-local-file-processor", "glueline-local-legislators")
    ]
    rendered = [str(location) for location in locations]
    assert all("cdk-hnb659fds-assets-000000000000-us-east-1" in text for text in rendered)
    assert all(".py" in text for text in rendered)
    [policy] = application.find_resources("AWS::IAM::Policy").values()
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "s3:GetObject"
    assert len(statement["Resource"]) == 2
    assert all(".py" in str(resource) for resource in statement["Resource"])
    assert policy["Properties"]["Roles"] == [
        {
            "Fn::Select": [
                1,
                {
                    "Fn::Split": [
                        "/",
                        {"Fn::Select": [5, {"Fn::Split": [":", import_of("GlueRoleArn")]}]},
                    ]
                },
            ]
        }
    ]


def test_job_names_are_exported(application: Template) -> None:
    outputs = application.find_outputs("*")
    assert outputs["FileProcessorJobName"]["Export"] == {
        "Name": "glueline-local-application-FileProcessorJobName"
    }
    assert set(outputs) == {"FileProcessorJobName", "LegislatorsJobName"}


def test_application_stack_creates_no_buckets_or_roles(application: Template) -> None:
    application.resource_count_is("AWS::S3::Bucket", 0)
    application.resource_count_is("AWS::IAM::Role", 0)


def test_local_spark_matches_the_declared_glue_version() -> None:
    """Jobs are tested on the Spark release of the Glue version they declare."""
    import pyspark

    from stack.application_stack import GLUE_VERSION

    spark_of_glue = {"5.0": "3.5.4", "5.1": "3.5.6"}
    assert pyspark.__version__ == spark_of_glue[GLUE_VERSION]
