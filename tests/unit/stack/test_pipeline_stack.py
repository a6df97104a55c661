"""The delivery pipeline and the cross-account stages it deploys (aws config, placeholders)."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

PIPELINE_ACCOUNT, DEV_ACCOUNT, PROD_ACCOUNT = "000000000001", "000000000004", "000000000005"


def stages(pipeline: Template) -> list[dict[str, Any]]:
    [resource] = pipeline.find_resources("AWS::CodePipeline::Pipeline").values()
    return resource["Properties"]["Stages"]


def test_stages_run_source_synth_dev_then_approval_then_prod(pipeline: Template) -> None:
    assert [stage["Name"] for stage in stages(pipeline)] == [
        "Source",
        "Build",
        "UpdatePipeline",
        "Assets",
        "DevInfrastructure",
        "DevApplication",
        "ProdInfrastructure",
        "ProdApplication",
    ]


def test_prod_waits_for_manual_approval_after_dev_is_verified(pipeline: Template) -> None:
    by_name = {stage["Name"]: stage for stage in stages(pipeline)}
    dev_actions = sorted(by_name["DevApplication"]["Actions"], key=lambda a: a["RunOrder"])
    assert dev_actions[-1]["Name"] == "VerifyDev"
    assert dev_actions[-1]["ActionTypeId"]["Provider"] == "CodeBuild"
    prod_actions = sorted(by_name["ProdInfrastructure"]["Actions"], key=lambda a: a["RunOrder"])
    assert prod_actions[0]["Name"] == "PromoteToProd"
    assert prod_actions[0]["ActionTypeId"] == {
        "Category": "Approval",
        "Owner": "AWS",
        "Provider": "Manual",
        "Version": "1",
    }


def test_stages_deploy_with_the_target_accounts_bootstrap_roles(pipeline: Template) -> None:
    rendered = json.dumps(stages(pipeline))
    for account in (DEV_ACCOUNT, PROD_ACCOUNT):
        assert f"iam::{account}:role/cdk-hnb659fds-deploy-role-{account}-us-east-1" in rendered
        assert f"cdk-hnb659fds-cfn-exec-role-{account}-us-east-1" in rendered
    assert "glueline-dev-infrastructure" in rendered
    assert "glueline-prod-application" in rendered


def test_artifacts_are_encrypted_with_a_rotating_key_for_cross_account_use(
    pipeline: Template,
) -> None:
    pipeline.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    [resource] = pipeline.find_resources("AWS::CodePipeline::Pipeline").values()
    store = resource["Properties"]["ArtifactStore"]
    assert store["EncryptionKey"]["Type"] == "KMS"


def test_source_is_the_codestar_connection(pipeline: Template) -> None:
    [source] = stages(pipeline)[0]["Actions"]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"]["FullRepositoryId"] == "placeholder-owner/placeholder-repository"
    assert source["Configuration"]["BranchName"] == "main"
    assert source["Configuration"]["ConnectionArn"].startswith("arn:aws:codeconnections:")


def test_synth_runs_the_unit_tests_before_synthesizing_the_aws_config(
    pipeline: Template,
) -> None:
    projects = pipeline.find_resources("AWS::CodeBuild::Project")
    inline_specs = [p["Properties"]["Source"]["BuildSpec"] for p in projects.values()]
    specs = [json.loads(spec) for spec in inline_specs if spec.startswith("{")]
    [synth] = [spec for spec in specs if "npx cdk synth -c config=aws" in json.dumps(spec)]
    assert synth["phases"]["install"]["commands"] == ["make setup"]
    assert synth["phases"]["build"]["commands"] == [
        ".venv/bin/pytest tests/unit",
        "npx cdk synth -c config=aws",
    ]
    assert synth["phases"]["install"]["runtime-versions"] == {"python": "3.11", "nodejs": "20"}


def test_dev_check_may_only_assume_the_dev_lookup_role(pipeline: Template) -> None:
    policies = pipeline.find_resources("AWS::IAM::Policy")
    lookup = f"arn:aws:iam::{DEV_ACCOUNT}:role/cdk-hnb659fds-lookup-role-{DEV_ACCOUNT}-us-east-1"
    assume_statements = [
        statement
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "sts:AssumeRole" and statement["Resource"] == lookup
    ]
    assert len(assume_statements) == 1


def test_stage_stacks_live_in_their_own_accounts_and_prod_retains_data(aws_app: Any) -> None:
    dev = aws_app.stack("glueline-pipeline/DevInfrastructure/Infrastructure")
    prod = aws_app.stack("glueline-pipeline/ProdInfrastructure/Infrastructure")
    assert (dev.account, prod.account) == (DEV_ACCOUNT, PROD_ACCOUNT)
    assert dev.stack_name == "glueline-dev-infrastructure"
    prod_template = Template.from_stack(prod)
    buckets = prod_template.find_resources("AWS::S3::Bucket")
    assert {resource["DeletionPolicy"] for resource in buckets.values()} == {"Retain"}
    prod_template.resource_count_is("Custom::S3AutoDeleteObjects", 0)
    prod_template.has_resource_properties(
        "AWS::S3::Bucket", {"BucketName": f"glueline-prod-input-{PROD_ACCOUNT}-us-east-1"}
    )


def test_pipeline_stack_is_tagged(pipeline: Template) -> None:
    [resource] = pipeline.find_resources("AWS::CodePipeline::Pipeline").values()
    assert {"Key": "Environment", "Value": "pipeline"} in resource["Properties"]["Tags"]
    assert {"Key": "CostCenter", "Value": "data-platform-aws"} in resource["Properties"]["Tags"]
