"""The local stage's stacks, deployed with cdklocal, have the resources they declare."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from glueline.pipeline_client import StageOutputs

pytestmark = pytest.mark.integration

ACCOUNT, REGION = "000000000000", "us-east-1"
#: README, "Stacks and outputs": what each stack of the local stage publishes.
INFRASTRUCTURE_OUTPUTS = {
    "InputBucketName",
    "OutputBucketName",
    "AssetsBucketName",
    "GlueDatabaseName",
    "TriggerFunctionName",
    "GlueRoleArn",
    "AlertsTopicArn",
    "VerifyRoleArn",
}
APPLICATION_OUTPUTS = {"FileProcessorJobName", "LegislatorsJobName"}


def outputs_of(aws: Callable[[str], Any], stack_name: str) -> dict[str, str]:
    [stack] = aws("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}


def role_named_by(aws: Callable[[str], Any], arn: str) -> dict[str, Any]:
    """The IAM role an output's ARN names, after checking the ARN's shape."""
    match = re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:role/([\w+=,.@-]+)", arn)
    assert match, arn
    role = aws("iam").get_role(RoleName=match[1])["Role"]
    assert role["Arn"] == arn
    return role


def test_each_stack_publishes_the_outputs_the_readme_lists(deployed_stage: StageOutputs, aws):
    assert set(outputs_of(aws, "glueline-local-infrastructure")) == INFRASTRUCTURE_OUTPUTS
    assert set(outputs_of(aws, "glueline-local-application")) == APPLICATION_OUTPUTS


def test_infrastructure_outputs_name_the_stage_resources(deployed_stage: StageOutputs, aws):
    outputs = outputs_of(aws, "glueline-local-infrastructure")
    for purpose in ("input", "output", "assets"):
        bucket = outputs[f"{purpose.capitalize()}BucketName"]
        assert bucket == f"glueline-local-{purpose}-{ACCOUNT}-{REGION}"
        aws("s3").head_bucket(Bucket=bucket)
    assert outputs["GlueDatabaseName"] == "glueline_local"
    function = aws("lambda").get_function(FunctionName=outputs["TriggerFunctionName"])
    assert function["Configuration"]["FunctionName"] == outputs["TriggerFunctionName"]


def test_the_glue_role_output_names_the_role_glue_assumes(deployed_stage: StageOutputs, aws):
    role = role_named_by(aws, outputs_of(aws, "glueline-local-infrastructure")["GlueRoleArn"])
    principals = [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]]
    assert principals == [{"Service": "glue.amazonaws.com"}]
    job = aws("glue").get_job(JobName=deployed_stage.file_processor_job)["Job"]
    assert job["Role"] == role["Arn"]


def test_the_verify_role_output_names_the_stage_verify_role(deployed_stage: StageOutputs, aws):
    arn = outputs_of(aws, "glueline-local-infrastructure")["VerifyRoleArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:role/glueline-local-verify"
    role = role_named_by(aws, arn)
    principals = [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]]
    assert principals == [{"AWS": f"arn:aws:iam::{ACCOUNT}:root"}]


def test_the_alerts_topic_output_names_an_encrypted_topic(deployed_stage: StageOutputs, aws):
    arn = outputs_of(aws, "glueline-local-infrastructure")["AlertsTopicArn"]
    assert re.fullmatch(rf"arn:aws:sns:{REGION}:{ACCOUNT}:glueline-local-infrastructure-\S+", arn)
    attributes = aws("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["TopicArn"] == arn
    assert attributes["KmsMasterKeyId"].startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")


def test_application_outputs_name_the_jobs(deployed_stage: StageOutputs, aws):
    outputs = outputs_of(aws, "glueline-local-application")
    assert outputs == {
        "FileProcessorJobName": "glueline-local-file-processor",
        "LegislatorsJobName": "glueline-local-legislators",
    }
    for name in outputs.values():
        assert aws("glue").get_job(JobName=name)["Job"]["Name"] == name


def test_input_bucket_is_versioned_private_tls_only_and_expires_after_30_days(
    deployed_stage: StageOutputs, aws
):
    s3 = aws("s3")
    bucket = deployed_stage.input_bucket
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [rule["Expiration"]["Days"] for rule in rules if "Expiration" in rule] == [30]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    tls_denials = [
        statement
        for statement in policy["Statement"]
        if statement["Effect"] == "Deny"
        and statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert len(tls_denials) == 1
    assert tls_denials[0]["Action"] == "s3:*"
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_output_bucket_expires_after_90_days(deployed_stage: StageOutputs, aws):
    rules = aws("s3").get_bucket_lifecycle_configuration(Bucket=deployed_stage.output_bucket)
    assert [r["Expiration"]["Days"] for r in rules["Rules"] if "Expiration" in r] == [90]


def test_input_bucket_notifies_the_trigger_for_csv_in_both_cases(deployed_stage: StageOutputs, aws):
    configuration = aws("s3").get_bucket_notification_configuration(
        Bucket=deployed_stage.input_bucket
    )
    functions = configuration["LambdaFunctionConfigurations"]
    assert {f["LambdaFunctionArn"].split(":")[-1] for f in functions} == {
        deployed_stage.trigger_function
    }
    suffixes = {
        rule["Value"]
        for f in functions
        for rule in f["Filter"]["Key"]["FilterRules"]
        if rule["Name"].lower() == "suffix"
    }
    assert suffixes == {".csv", ".CSV"}
    assert all(f["Events"] == ["s3:ObjectCreated:*"] for f in functions)


def test_trigger_function_is_configured_and_sends_failures_to_a_queue(
    deployed_stage: StageOutputs, aws
):
    lambda_client = aws("lambda")
    configuration = lambda_client.get_function_configuration(
        FunctionName=deployed_stage.trigger_function
    )
    variables = configuration["Environment"]["Variables"]
    assert variables["GLUE_JOB_NAME"] == deployed_stage.file_processor_job
    assert variables["OUTPUT_BUCKET"] == deployed_stage.output_bucket
    assert variables["GLUE_DATABASE"] == deployed_stage.database
    invoke_config = lambda_client.get_function_event_invoke_config(
        FunctionName=deployed_stage.trigger_function
    )
    assert invoke_config["MaximumRetryAttempts"] == 2
    assert ":sqs:" in invoke_config["DestinationConfig"]["OnFailure"]["Destination"]
    log_group = configuration["LoggingConfig"]["LogGroup"]
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]
    assert [group["retentionInDays"] for group in groups] == [14]


def test_file_processor_job_settings(deployed_stage: StageOutputs, aws):
    job = aws("glue").get_job(JobName=deployed_stage.file_processor_job)["Job"]
    assert job["WorkerType"] == "G.1X"
    assert job["ExecutionProperty"]["MaxConcurrentRuns"] == 3
    assert job["Timeout"] == 60
    assert job["GlueVersion"].startswith("5.")
    assert job["Command"]["ScriptLocation"].endswith(".py")
    assert job["DefaultArguments"]["--output_bucket"] == deployed_stage.output_bucket
    assert job["DefaultArguments"]["--database_name"] == deployed_stage.database


def test_glue_database_and_failure_alerts_exist(deployed_stage: StageOutputs, aws):
    database = aws("glue").get_database(Name=deployed_stage.database)["Database"]
    assert database["Name"] == "glueline_local"
    assert database["Description"] == "Tables written by the glueline local jobs"
    events = aws("events")
    rules = [
        rule
        for rule in events.list_rules()["Rules"]
        if "Glue Job State Change" in rule.get("EventPattern", "")
    ]
    assert len(rules) == 1
    targets = events.list_targets_by_rule(Rule=rules[0]["Name"])["Targets"]
    assert [":sns:" in target["Arn"] for target in targets] == [True]
    alarms = aws("cloudwatch").describe_alarms()["MetricAlarms"]
    assert any(alarm["MetricName"] == "Errors" for alarm in alarms)
