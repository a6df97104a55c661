"""The delivery pipeline and the cross-account stages it deploys (aws config, placeholders)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterable
from importlib.metadata import requires, version
from typing import Any

from aws_cdk.assertions import Template
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from stack.config import REPO_ROOT, StageSettings, load_config
from stack.pipeline_stack import CHECK_PACKAGES, verify_commands

PIPELINE_ACCOUNT, DEV_ACCOUNT, PROD_ACCOUNT = "000000000001", "000000000004", "000000000005"
DEV_VERIFY_ROLE = f"arn:aws:iam::{DEV_ACCOUNT}:role/glueline-dev-verify"


def dev_settings() -> StageSettings:
    return load_config("aws", allow_placeholders=True).stage("dev")


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


def verify_dev(pipeline: Template) -> tuple[dict[str, Any], dict[str, Any]]:
    """The VerifyDev action and the CodeBuild project it runs."""
    by_name = {stage["Name"]: stage for stage in stages(pipeline)}
    [action] = [a for a in by_name["DevApplication"]["Actions"] if a["Name"] == "VerifyDev"]
    project_id = action["Configuration"]["ProjectName"]["Ref"]
    return action, pipeline.to_json()["Resources"][project_id]


def test_dev_check_runs_glueline_e2e_against_dev_as_dev_verify_role(pipeline: Template) -> None:
    _, project = verify_dev(pipeline)
    spec = json.loads(project["Properties"]["Source"]["BuildSpec"])
    assert spec["phases"]["build"]["commands"] == [
        f"aws configure set profile.glueline-verify.role_arn {DEV_VERIFY_ROLE}",
        "aws configure set profile.glueline-verify.credential_source EcsContainer",
        "aws configure set profile.glueline-verify.role_session_name glueline-verify-dev",
        "AWS_PROFILE=glueline-verify python -m glueline.cli e2e --target aws "
        "--project glueline --stage dev --region us-east-1",
    ]


def test_dev_check_installs_only_what_the_check_imports_at_the_tested_versions(
    pipeline: Template,
) -> None:
    _, project = verify_dev(pipeline)
    spec = json.loads(project["Properties"]["Source"]["BuildSpec"])
    assert spec["phases"]["install"]["commands"] == [
        "python -m pip install --quiet --disable-pip-version-check --no-cache-dir "
        f"boto3=={version('boto3')} pyarrow=={version('pyarrow')}"
    ]
    assert spec["phases"]["install"]["runtime-versions"]["python"] == "3.11"


def test_dev_check_reads_the_commit_that_was_deployed(pipeline: Template) -> None:
    """glueline/ and the sample data come from the source artifact of the same execution."""
    action, _ = verify_dev(pipeline)
    [source] = stages(pipeline)[0]["Actions"]
    assert action["InputArtifacts"] == source["OutputArtifacts"]


def test_dev_check_runner_may_assume_only_dev_verify_role(pipeline: Template) -> None:
    _, project = verify_dev(pipeline)
    role_id = project["Properties"]["ServiceRole"]["Fn::GetAtt"][0]
    role = pipeline.to_json()["Resources"][role_id]["Properties"]
    assert role["RoleName"] == "glueline-dev-check-runner"
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "codebuild.amazonaws.com"}
    statements = [
        statement
        for policy in pipeline.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    sts = [s for s in statements if any(a.startswith("sts:") for a in _as_list(s["Action"]))]
    assert sts == [{"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": DEV_VERIFY_ROLE}]
    touching_dev = [s for s in statements if DEV_ACCOUNT in json.dumps(s["Resource"])]
    assert touching_dev == sts


#: Runs a module with every installed distribution hidden except the allowed ones, as in a
#: CodeBuild image where only those were installed; optional imports then fall back.
ONLY_ALLOWED_DISTRIBUTIONS = """
import importlib.abc, importlib.metadata, runpy, sys
allowed = set(sys.argv[1].split(","))
owners = importlib.metadata.packages_distributions()
hidden = {
    module for module, names in owners.items()
    if not {name.lower().replace("_", "-") for name in names} & allowed
}
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in hidden:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Hide())
sys.argv = sys.argv[2:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def requirement_closure(names: Iterable[str]) -> set[str]:
    """The distributions ``names`` need, with what those need in turn (extras left out)."""
    found: set[str] = set()
    pending = [canonicalize_name(name) for name in names]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        for line in requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(canonicalize_name(requirement.name))
    return found


def test_dev_check_command_runs_with_only_the_packages_it_installs() -> None:
    """The pipeline's command line where only the check's packages exist and no AWS answers:
    the arguments parse, every import resolves, and the check fails on the connection."""
    [*_, command] = verify_commands(load_config("aws", allow_placeholders=True), dev_settings())
    assignment, python, flag, module, *arguments = shlex.split(command)
    assert (assignment, python, flag, module) == (
        "AWS_PROFILE=glueline-verify",
        "python",
        "-m",
        "glueline.cli",
    )
    allowed = requirement_closure(CHECK_PACKAGES) | {"glueline"}
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("AWS_")},
        "AWS_ENDPOINT_URL": "http://localhost:1",
        "AWS_ACCESS_KEY_ID": "unused",
        "AWS_SECRET_ACCESS_KEY": "unused",
        "AWS_MAX_ATTEMPTS": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", ONLY_ALLOWED_DISTRIBUTIONS, ",".join(allowed), module, *arguments],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    assert "  FAIL Could not connect to the endpoint URL" in result.stdout


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


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
