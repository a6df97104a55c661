"""The local stage's stacks, deployed with cdklocal, have the resources they declare."""

from __future__ import annotations

import json

import pytest

from glueline.pipeline_client import CONTRACT_OUTPUTS, StageOutputs

pytestmark = pytest.mark.integration


def test_every_contract_output_is_published(deployed_stage: StageOutputs, aws):
    stacks = aws("cloudformation").describe_stacks()["Stacks"]
    by_stack = {s["StackName"]: {o["OutputKey"] for o in s.get("Outputs", [])} for s in stacks}
    published = by_stack["glueline-local-infrastructure"] | by_stack["glueline-local-application"]
    assert set(CONTRACT_OUTPUTS) <= published
    assert deployed_stage.input_bucket == "glueline-local-input-000000000000-us-east-1"


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
    assert tls_denials
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]


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
    assert aws("glue").get_database(Name=deployed_stage.database)["Database"]["Name"]
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
