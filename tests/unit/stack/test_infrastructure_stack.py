"""The local infrastructure stack's template: what the pipeline and the local cloud rely on."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

LOCAL = "000000000000-us-east-1"
INPUT_BUCKET = f"glueline-local-input-{LOCAL}"
OUTPUT_BUCKET = f"glueline-local-output-{LOCAL}"
ASSETS_BUCKET = f"glueline-local-assets-{LOCAL}"
JOB_ARN = "arn:aws:glue:us-east-1:000000000000:job/glueline-local-file-processor"


def bucket(template: Template, name: str) -> dict[str, Any]:
    [resource] = template.find_resources(
        "AWS::S3::Bucket", {"Properties": {"BucketName": name}}
    ).values()
    return resource


def logical_id(template: Template, resource_type: str, props: dict[str, Any]) -> str:
    [found] = template.find_resources(resource_type, props)
    return found


def test_buckets_are_private_encrypted_and_versioned_where_data_lives(
    infrastructure: Template,
) -> None:
    for name, versioned in [(INPUT_BUCKET, True), (OUTPUT_BUCKET, True), (ASSETS_BUCKET, False)]:
        properties = bucket(infrastructure, name)["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption[0]["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        assert ("VersioningConfiguration" in properties) == versioned
        if versioned:
            assert properties["VersioningConfiguration"] == {"Status": "Enabled"}


@pytest.mark.parametrize(("name", "days"), [(INPUT_BUCKET, 30), (OUTPUT_BUCKET, 90)])
def test_lifecycle_expires_current_and_old_versions(
    infrastructure: Template, name: str, days: int
) -> None:
    rules = bucket(infrastructure, name)["Properties"]["LifecycleConfiguration"]["Rules"]
    [expiry] = [rule for rule in rules if rule.get("Id") == "expire-objects"]
    assert expiry["ExpirationInDays"] == days
    assert expiry["NoncurrentVersionExpiration"] == {"NoncurrentDays": days}
    assert expiry["Status"] == "Enabled"


def test_job_temp_files_expire_but_job_scripts_do_not(infrastructure: Template) -> None:
    """Glue's --TempDir holds what a run that died before publishing left; it expires."""
    rules = bucket(infrastructure, ASSETS_BUCKET)["Properties"]["LifecycleConfiguration"]["Rules"]
    expiring = [rule for rule in rules if "ExpirationInDays" in rule]
    assert expiring == [
        {
            "Id": "expire-job-temp-files",
            "Prefix": "temp/",
            "ExpirationInDays": 7,
            "Status": "Enabled",
        }
    ]


def test_every_bucket_policy_denies_plain_http(infrastructure: Template) -> None:
    policies = infrastructure.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == 4
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        denies = [
            statement
            for statement in statements
            if statement["Effect"] == "Deny"
            and statement["Action"] == "s3:*"
            and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert len(denies) == 1


def test_local_stage_destroys_buckets_with_their_objects(infrastructure: Template) -> None:
    for name in (INPUT_BUCKET, OUTPUT_BUCKET, ASSETS_BUCKET):
        assert bucket(infrastructure, name)["DeletionPolicy"] == "Delete"
    infrastructure.resource_count_is("Custom::S3AutoDeleteObjects", 4)


def test_glue_database_is_named_from_config(infrastructure: Template) -> None:
    infrastructure.has_resource_properties(
        "AWS::Glue::Database", {"DatabaseInput": {"Name": "glueline_local"}}
    )


def test_glue_role_is_scoped_to_the_stage_buckets_database_and_logs(
    infrastructure: Template,
) -> None:
    [policy] = infrastructure.find_resources(
        "AWS::IAM::Policy", {"Properties": {"PolicyName": Match.string_like_regexp("GlueJob")}}
    ).values()
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert set(statements) == {
        "ListJobBuckets",
        "ReadInput",
        "WriteOutputAndTemp",
        "OwnDatabaseTables",
        "JobLogs",
    }
    assert statements["ReadInput"]["Action"] == "s3:GetObject"
    assert statements["OwnDatabaseTables"]["Resource"] == [
        "arn:aws:glue:us-east-1:000000000000:catalog",
        "arn:aws:glue:us-east-1:000000000000:database/glueline_local",
        "arn:aws:glue:us-east-1:000000000000:table/glueline_local/*",
    ]
    assert statements["JobLogs"]["Resource"] == (
        "arn:aws:logs:us-east-1:000000000000:log-group:/aws-glue/*"
    )
    for statement in statements.values():
        assert not any(action.endswith(":*") for action in _as_list(statement["Action"]))
        assert "*" not in _as_list(statement["Resource"])


def test_trigger_function_is_configured_through_environment(infrastructure: Template) -> None:
    infrastructure.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.11",
            "Handler": "lambdas.trigger.handler.handler",
            "Timeout": 30,
            "MemorySize": 256,
            "Environment": {
                "Variables": {
                    "GLUE_JOB_NAME": "glueline-local-file-processor",
                    "OUTPUT_BUCKET": {"Ref": Match.string_like_regexp("^OutputBucket")},
                    "GLUE_DATABASE": "glueline_local",
                    "POWERTOOLS_SERVICE_NAME": "glueline-trigger",
                    "POWERTOOLS_LOG_LEVEL": "DEBUG",
                }
            },
            "LoggingConfig": {"LogGroup": {"Ref": Match.string_like_regexp("^TriggerLogs")}},
        },
    )
    infrastructure.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 14})


def test_failed_invocations_retry_twice_then_land_on_an_encrypted_queue(
    infrastructure: Template,
) -> None:
    queue = logical_id(
        infrastructure, "AWS::SQS::Queue", {"Properties": {"SqsManagedSseEnabled": True}}
    )
    infrastructure.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}},
        },
    )
    infrastructure.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_trigger_may_start_only_the_file_processor_job(infrastructure: Template) -> None:
    [policy] = infrastructure.find_resources(
        "AWS::IAM::Policy", {"Properties": {"PolicyName": Match.string_like_regexp("^TriggerRole")}}
    ).values()
    glue_statements = [
        statement
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(action.startswith("glue:") for action in _as_list(statement["Action"]))
    ]
    assert glue_statements == [
        {
            "Sid": "StartFileProcessor",
            "Action": "glue:StartJobRun",
            "Effect": "Allow",
            "Resource": JOB_ARN,
        }
    ]


def test_input_bucket_notifies_the_trigger_for_both_csv_suffix_cases(
    infrastructure: Template,
) -> None:
    [notifications] = infrastructure.find_resources("Custom::S3BucketNotifications").values()
    configurations = notifications["Properties"]["NotificationConfiguration"][
        "LambdaFunctionConfigurations"
    ]
    assert notifications["Properties"]["BucketName"] == {
        "Ref": logical_id(
            infrastructure, "AWS::S3::Bucket", {"Properties": {"BucketName": INPUT_BUCKET}}
        )
    }
    assert sorted(c["Filter"]["Key"]["FilterRules"][0]["Value"] for c in configurations) == [
        ".CSV",
        ".csv",
    ]
    assert {tuple(c["Events"]) for c in configurations} == {("s3:ObjectCreated:*",)}


def test_failures_alert_an_encrypted_topic(infrastructure: Template) -> None:
    topic = logical_id(infrastructure, "AWS::SNS::Topic", {})
    infrastructure.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [Match.any_value(), "Arn"]}}
    )
    infrastructure.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "Errors",
            "Namespace": "AWS/Lambda",
            "Threshold": 1,
            "AlarmActions": [{"Ref": topic}],
        },
    )
    infrastructure.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.glue"],
                "detail-type": ["Glue Job State Change"],
                "detail": {
                    "state": ["FAILED", "TIMEOUT", "ERROR"],
                    "jobName": ["glueline-local-file-processor", "glueline-local-legislators"],
                },
            },
            "Targets": [Match.object_like({"Arn": {"Ref": topic}})],
        },
    )
    infrastructure.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_outputs_are_exported_under_their_contract_keys(infrastructure: Template) -> None:
    outputs = infrastructure.find_outputs("*")
    for key in (
        "InputBucketName",
        "OutputBucketName",
        "AssetsBucketName",
        "GlueDatabaseName",
        "TriggerFunctionName",
        "GlueRoleArn",
    ):
        assert outputs[key]["Export"] == {"Name": f"glueline-local-infrastructure-{key}"}
    assert outputs["GlueDatabaseName"]["Value"] == "glueline_local"


def test_tags_from_config_reach_the_resources(infrastructure: Template) -> None:
    tags = bucket(infrastructure, INPUT_BUCKET)["Properties"]["Tags"]
    assert {"Key": "Environment", "Value": "local"} in tags
    assert {"Key": "Project", "Value": "glueline"} in tags
    assert {"Key": "Owner", "Value": "data-platform"} in tags
    assert {"Key": "CostCenter", "Value": "local-development"} in tags
    function = infrastructure.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Runtime": "python3.11"}}
    )
    [properties] = [resource["Properties"] for resource in function.values()]
    assert {"Key": "Environment", "Value": "local"} in properties["Tags"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
