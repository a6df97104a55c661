"""Each stage's verify role: who may assume it, and that it may do what the check does only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from glue_jobs import file_processor
from stack.infrastructure_stack import STAGING_PREFIX

PIPELINE_ACCOUNT, DEV_ACCOUNT, PROD_ACCOUNT = "000000000001", "000000000004", "000000000005"
INPUT_BUCKET = f"glueline-dev-input-{DEV_ACCOUNT}-us-east-1"
OUTPUT_BUCKET = f"glueline-dev-output-{DEV_ACCOUNT}-us-east-1"
ASSETS_BUCKET = f"glueline-dev-assets-{DEV_ACCOUNT}-us-east-1"


@pytest.fixture(scope="module")
def dev_infrastructure(aws_app: Any) -> Template:
    return aws_app.template("glueline-pipeline/DevInfrastructure/Infrastructure")


def verify_role(template: Template) -> tuple[str, dict[str, Any]]:
    [(logical_id, role)] = [
        (logical_id, role)
        for logical_id, role in template.find_resources("AWS::IAM::Role").items()
        if role["Properties"].get("RoleName", "").endswith("-verify")
    ]
    return logical_id, role["Properties"]


def verify_statements(template: Template) -> dict[str, dict[str, Any]]:
    role_id, _ = verify_role(template)
    [policy] = [
        policy["Properties"]
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def bucket_arn(template: Template, name: str) -> dict[str, Any]:
    [logical_id] = template.find_resources("AWS::S3::Bucket", {"Properties": {"BucketName": name}})
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def objects(template: Template, bucket: str, pattern: str) -> dict[str, Any]:
    return {"Fn::Join": ["", [bucket_arn(template, bucket), f"/{pattern}"]]}


def test_dev_verify_role_trusts_only_the_pipelines_check_runner(
    dev_infrastructure: Template, pipeline: Template
) -> None:
    _, role = verify_role(dev_infrastructure)
    assert role["RoleName"] == "glueline-dev-verify"
    runner = f"arn:aws:iam::{PIPELINE_ACCOUNT}:role/glueline-dev-check-runner"
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": runner}},
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{PIPELINE_ACCOUNT}:root"},
        }
    ]
    pipeline.has_resource_properties("AWS::IAM::Role", {"RoleName": "glueline-dev-check-runner"})


@pytest.mark.parametrize(
    ("app_fixture", "path", "account"),
    [
        ("local_app", "glueline-local-infrastructure", "000000000000"),
        ("aws_app", "glueline-pipeline/ProdInfrastructure/Infrastructure", PROD_ACCOUNT),
    ],
)
def test_an_unverified_stage_lets_its_own_account_run_the_check(
    app_fixture: str, path: str, account: str, request: pytest.FixtureRequest
) -> None:
    _, role = verify_role(request.getfixturevalue(app_fixture).template(path))
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
    assert "Condition" not in trust


def test_verify_role_may_only_read_and_remove_what_the_check_writes(
    dev_infrastructure: Template,
) -> None:
    template = dev_infrastructure
    statements = verify_statements(template)
    assert set(statements) == {
        "ReadStageOutputs",
        "ListCheckFolders",
        "WriteAndRemoveCheckInput",
        "ReadAndRemoveCheckOutput",
        "RemoveCheckStaging",
        "FollowFileProcessorRuns",
        "ReadAndRemoveCheckTables",
    }
    assert statements["ReadStageOutputs"]["Action"] == "cloudformation:DescribeStacks"
    assert sorted(statements["ReadStageOutputs"]["Resource"]) == [
        f"arn:aws:cloudformation:us-east-1:{DEV_ACCOUNT}:stack/glueline-dev-application/*",
        f"arn:aws:cloudformation:us-east-1:{DEV_ACCOUNT}:stack/glueline-dev-infrastructure/*",
    ]
    listing = statements["ListCheckFolders"]
    assert listing["Action"] == ["s3:ListBucket", "s3:ListBucketVersions"]
    assert sorted(listing["Resource"], key=json.dumps) == sorted(
        [bucket_arn(template, name) for name in (INPUT_BUCKET, OUTPUT_BUCKET, ASSETS_BUCKET)],
        key=json.dumps,
    )
    assert listing["Condition"] == {
        "StringLike": {
            "s3:prefix": [
                "glueline_e2e_*",
                "_rejected/glueline_e2e_*",
                "temp/file-processor-staging/glueline_e2e_*",
            ]
        }
    }
    check_input = statements["WriteAndRemoveCheckInput"]
    assert sorted(check_input["Action"]) == [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:GetObject",
        "s3:PutObject",
    ]
    assert check_input["Resource"] == objects(template, INPUT_BUCKET, "glueline_e2e_*")
    check_output = statements["ReadAndRemoveCheckOutput"]
    assert sorted(check_output["Action"]) == [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:GetObject",
    ]
    assert sorted(check_output["Resource"], key=json.dumps) == sorted(
        [
            objects(template, OUTPUT_BUCKET, "glueline_e2e_*"),
            objects(template, OUTPUT_BUCKET, "_rejected/glueline_e2e_*"),
        ],
        key=json.dumps,
    )
    staging = statements["RemoveCheckStaging"]
    assert sorted(staging["Action"]) == ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    assert staging["Resource"] == objects(
        template, ASSETS_BUCKET, "temp/file-processor-staging/glueline_e2e_*"
    )
    runs = statements["FollowFileProcessorRuns"]
    assert sorted(runs["Action"]) == [
        "glue:BatchStopJobRun",
        "glue:GetJob",
        "glue:GetJobRun",
        "glue:GetJobRuns",
    ]
    assert (
        runs["Resource"] == f"arn:aws:glue:us-east-1:{DEV_ACCOUNT}:job/glueline-dev-file-processor"
    )
    tables = statements["ReadAndRemoveCheckTables"]
    assert sorted(tables["Action"]) == ["glue:DeleteTable", "glue:GetPartitions", "glue:GetTable"]
    assert tables["Resource"] == [
        f"arn:aws:glue:us-east-1:{DEV_ACCOUNT}:catalog",
        f"arn:aws:glue:us-east-1:{DEV_ACCOUNT}:database/glueline_dev",
        f"arn:aws:glue:us-east-1:{DEV_ACCOUNT}:table/glueline_dev/glueline_e2e_*",
    ]


def test_verify_role_cannot_start_jobs_or_write_output(dev_infrastructure: Template) -> None:
    """The check must prove that the trigger starts the run and the job writes the output."""
    for statement in verify_statements(dev_infrastructure).values():
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert "glue:StartJobRun" not in actions
        assert not any("*" in action for action in actions)
        if "s3:PutObject" in actions:
            assert statement["Sid"] == "WriteAndRemoveCheckInput"


def test_verify_role_arn_is_an_exported_output(dev_infrastructure: Template) -> None:
    role_id, _ = verify_role(dev_infrastructure)
    output = dev_infrastructure.find_outputs("VerifyRoleArn")["VerifyRoleArn"]
    assert output["Value"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert output["Export"] == {"Name": "glueline-dev-infrastructure-VerifyRoleArn"}


def test_the_staging_prefix_is_where_the_file_processor_stages_under_its_temp_dir(
    application: Template,
) -> None:
    [job] = application.find_resources(
        "AWS::Glue::Job", {"Properties": {"Name": "glueline-local-file-processor"}}
    ).values()
    scheme, _assets_bucket, temp_folder = job["Properties"]["DefaultArguments"]["--TempDir"][
        "Fn::Join"
    ][1]
    assert (scheme, temp_folder) == ("s3://", "/temp/")
    assert f"{temp_folder.strip('/')}/{file_processor.STAGING_PREFIX}" == STAGING_PREFIX
