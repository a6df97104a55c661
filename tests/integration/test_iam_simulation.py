"""Asking why: ``iam simulate-principal-policy`` on the local cloud answers as enforcement does.

The simulator's decision for each action and resource ("Testing IAM policies with the IAM
policy simulator", IAM User Guide) is checked against what a session of the same role is
really allowed or refused, over HTTP, on the same cloud.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from glueline.cloud.settings import CloudSettings, client_environment

pytestmark = pytest.mark.integration

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::000000000000:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture(scope="module")
def scene(aws: Callable[[str], Any]) -> dict[str, str]:
    """Two buckets with objects, and a role that may read and delete in one of them except
    under ``keep/``, and read ``shared/`` in the other through its bucket policy."""
    suffix = uuid.uuid4().hex[:8]
    mine, theirs, role_name = f"sim-mine-{suffix}", f"sim-theirs-{suffix}", f"sim-{suffix}"
    iam, s3 = aws("iam"), aws("s3")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(TRUST))
    role_arn = role["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="reads-mine",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:DeleteObject"],
                        "Resource": f"arn:aws:s3:::{mine}/*",
                    },
                    {
                        "Effect": "Deny",
                        "Action": "s3:DeleteObject",
                        "Resource": f"arn:aws:s3:::{mine}/keep/*",
                    },
                ],
            }
        ),
    )
    for bucket in (mine, theirs):
        s3.create_bucket(Bucket=bucket)
        for key in ("in.txt", "keep/in.txt", "scratch.txt", "shared/in.txt"):
            s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.put_bucket_policy(
        Bucket=theirs,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": role_arn},
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{theirs}/shared/*",
                    }
                ],
            }
        ),
    )
    return {"mine": mine, "theirs": theirs, "role": role_arn}


def simulated(
    aws: Callable[[str], Any], role: str, actions: list[str], resources: list[str], **extra: Any
) -> dict[tuple[str, str], dict]:
    answer = aws("iam").simulate_principal_policy(
        PolicySourceArn=role, ActionNames=actions, ResourceArns=resources, **extra
    )
    assert answer["IsTruncated"] is False
    return {(r["EvalActionName"], r["EvalResourceName"]): r for r in answer["EvaluationResults"]}


def as_the_role(local_cloud: CloudSettings, aws: Callable[[str], Any], role: str) -> Any:
    """An S3 client signed with a session of the role, issued by the local STS."""
    credentials = aws("sts").assume_role(RoleArn=role, RoleSessionName="asking-why")["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=client_environment(local_cloud.endpoint_url)["AWS_REGION"],
    )
    return session.client("s3", endpoint_url=local_cloud.endpoint_url)


def enforced(s3: Any, action: str, resource: str) -> str:
    """What the local cloud really did with the request: allowed, or which kind of refusal."""
    bucket, key = resource.removeprefix("arn:aws:s3:::").split("/", 1)
    call = {"s3:GetObject": s3.get_object, "s3:DeleteObject": s3.delete_object}[action]
    try:
        call(Bucket=bucket, Key=key)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AccessDenied"
        message = error.response["Error"]["Message"]
        return "explicitDeny" if "with an explicit deny" in message else "implicitDeny"
    return "allowed"


def test_the_simulation_answers_per_action_and_resource_as_enforcement_decides(
    aws, local_cloud, scene
) -> None:
    mine, theirs, role = scene["mine"], scene["theirs"], scene["role"]
    expected = {
        ("s3:GetObject", f"arn:aws:s3:::{mine}/in.txt"): "allowed",
        ("s3:GetObject", f"arn:aws:s3:::{theirs}/in.txt"): "implicitDeny",
        ("s3:DeleteObject", f"arn:aws:s3:::{mine}/keep/in.txt"): "explicitDeny",
        ("s3:DeleteObject", f"arn:aws:s3:::{theirs}/scratch.txt"): "implicitDeny",
        ("s3:DeleteObject", f"arn:aws:s3:::{mine}/scratch.txt"): "allowed",
    }
    results = simulated(
        aws, role, ["s3:GetObject", "s3:DeleteObject"], sorted({r for _, r in expected})
    )
    for (action, resource), decision in expected.items():
        assert results[action, resource]["EvalDecision"] == decision, (action, resource)
    assert results["s3:GetObject", f"arn:aws:s3:::{mine}/in.txt"]["MatchedStatements"] == [
        {"SourcePolicyId": "reads-mine", "SourcePolicyType": "role"}
    ]
    assert results["s3:GetObject", f"arn:aws:s3:::{theirs}/in.txt"]["MatchedStatements"] == []

    s3 = as_the_role(local_cloud, aws, role)
    assert {pair: enforced(s3, *pair) for pair in expected} == expected


def test_with_the_buckets_policy_the_simulation_agrees_with_what_the_bucket_grants(
    aws, local_cloud, scene
) -> None:
    theirs, role = scene["theirs"], scene["role"]
    shared, private = f"arn:aws:s3:::{theirs}/shared/in.txt", f"arn:aws:s3:::{theirs}/in.txt"
    bucket_policy = aws("s3").get_bucket_policy(Bucket=theirs)["Policy"]
    results = simulated(
        aws, role, ["s3:GetObject"], [shared, private], ResourcePolicy=bucket_policy
    )
    assert results["s3:GetObject", shared]["EvalDecision"] == "allowed"
    assert results["s3:GetObject", shared]["MatchedStatements"] == [
        {"SourcePolicyId": "ResourcePolicy", "SourcePolicyType": "resource"}
    ]
    assert results["s3:GetObject", private]["EvalDecision"] == "implicitDeny"

    s3 = as_the_role(local_cloud, aws, role)
    assert enforced(s3, "s3:GetObject", shared) == "allowed"
    assert enforced(s3, "s3:GetObject", private) == "implicitDeny"


def test_a_context_entry_decides_a_condition_and_a_missing_key_is_named(aws, scene) -> None:
    iam, role_name = aws("iam"), scene["role"].rsplit("/", 1)[-1]
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="lists-mine",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": f"arn:aws:s3:::{scene['mine']}",
                    "Condition": {"StringLike": {"s3:prefix": "shared/*"}},
                },
            }
        ),
    )
    bucket = f"arn:aws:s3:::{scene['mine']}"
    without = simulated(aws, scene["role"], ["s3:ListBucket"], [bucket])["s3:ListBucket", bucket]
    entry = {
        "ContextKeyName": "s3:prefix",
        "ContextKeyValues": ["shared/"],
        "ContextKeyType": "string",
    }
    with_entry = simulated(aws, scene["role"], ["s3:ListBucket"], [bucket], ContextEntries=[entry])
    assert (without["EvalDecision"], without["MissingContextValues"]) == (
        "implicitDeny",
        ["s3:prefix"],
    )
    assert with_entry["s3:ListBucket", bucket]["EvalDecision"] == "allowed"


def test_an_unknown_role_is_no_such_entity(aws) -> None:
    with pytest.raises(ClientError) as refused:
        aws("iam").simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::000000000000:role/no-such-role",
            ActionNames=["s3:GetObject"],
        )
    assert refused.value.response["Error"]["Code"] == "NoSuchEntity"


def test_the_aws_cli_asks_why(local_cloud, scene) -> None:
    """The README's command, with the AWS CLI the kit installs."""
    aws_cli = Path(sys.executable).with_name("aws")
    answer = subprocess.run(
        [
            str(aws_cli),
            "iam",
            "simulate-principal-policy",
            "--endpoint-url",
            local_cloud.endpoint_url,
            "--policy-source-arn",
            scene["role"],
            "--action-names",
            "s3:GetObject",
            "s3:PutObject",
            "--resource-arns",
            f"arn:aws:s3:::{scene['mine']}/in.txt",
            "--output",
            "json",
        ],
        env={**os.environ, **client_environment(local_cloud.endpoint_url)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answer.returncode == 0, answer.stderr
    decisions = {
        r["EvalActionName"]: r["EvalDecision"]
        for r in json.loads(answer.stdout)["EvaluationResults"]
    }
    assert decisions == {"s3:GetObject": "allowed", "s3:PutObject": "implicitDeny"}
