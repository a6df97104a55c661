"""The policy simulator's answers ("SimulatePrincipalPolicy", IAM API Reference): one result per
action and resource, its decision, the statements that decided it and the context keys it
lacked, from the evaluator that enforces."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from glueline.cloud import patches
from glueline.cloud.iam import simulation
from glueline.cloud.iam.policy import Source

ROLE = "arn:aws:iam::000000000000:role/GlueRole"
INPUT = "arn:aws:s3:::input/sales.csv"
OTHER = "arn:aws:s3:::other/sales.csv"
READS_INPUT = Source(
    {
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": INPUT},
            {"Sid": "Write", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
        ]
    },
    "scoped",
    "role",
)
DENIES_DELETES = Source(
    {"Statement": {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}},
    "guard",
    "user-managed",
)
ALLOWS_EVERYTHING = Source({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})


def decisions(results: list[simulation.Result]) -> dict[tuple[str, str], str]:
    return {(r.action, r.resource): r.decision for r in results}


def test_one_result_per_action_and_resource_allowed_or_implicitly_denied() -> None:
    results = simulation.simulate(
        [READS_INPUT], ["s3:GetObject", "s3:ListBucket"], [INPUT, OTHER], principal_arns=[ROLE]
    )
    assert decisions(results) == {
        ("s3:GetObject", INPUT): "allowed",
        ("s3:GetObject", OTHER): "implicitDeny",
        ("s3:ListBucket", INPUT): "implicitDeny",
        ("s3:ListBucket", OTHER): "implicitDeny",
    }
    allowed = results[0]
    assert [(m.source.policy_id, m.source.policy_type) for m in allowed.matched] == [
        ("scoped", "role")
    ]
    assert allowed.matched[0].statement["Sid"] == "Read"
    assert results[1].matched == ()
    assert allowed.evaluation_result() == {
        "EvalActionName": "s3:GetObject",
        "EvalResourceName": INPUT,
        "EvalDecision": "allowed",
        "MatchedStatements": [{"SourcePolicyId": "scoped", "SourcePolicyType": "role"}],
        "MissingContextValues": [],
    }


def test_without_resources_the_resource_is_every_resource() -> None:
    (result,) = simulation.simulate([READS_INPUT], ["s3:PutObject"])
    assert (result.resource, result.decision) == ("*", "allowed")


def test_an_explicit_deny_wins_and_only_the_denying_statement_is_matched() -> None:
    (result,) = simulation.simulate(
        [ALLOWS_EVERYTHING, DENIES_DELETES], ["s3:DeleteObject"], [INPUT]
    )
    assert result.decision == "explicitDeny"
    assert [m.source.policy_id for m in result.matched] == ["guard"]


def test_a_condition_holds_with_a_context_entry_and_its_key_is_missing_without_one() -> None:
    lists_in = Source(
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::input",
                "Condition": {"StringLike": {"s3:prefix": "sales/*"}},
            }
        },
        "lists",
        "role",
    )
    entry = {"ContextKeyName": "s3:prefix", "ContextKeyValues": ["sales/2024"]}
    (without,) = simulation.simulate([lists_in], ["s3:ListBucket"], ["arn:aws:s3:::input"])
    (with_entry,) = simulation.simulate(
        [lists_in], ["s3:ListBucket"], ["arn:aws:s3:::input"], context_entries=[entry]
    )
    (elsewhere,) = simulation.simulate(
        [lists_in],
        ["s3:ListBucket"],
        ["arn:aws:s3:::input"],
        context_entries=[{**entry, "ContextKeyValues": ["secrets/"]}],
    )
    assert (without.decision, without.missing_context_values) == ("implicitDeny", ("s3:prefix",))
    assert (with_entry.decision, with_entry.missing_context_values) == ("allowed", ())
    assert elsewhere.decision == "implicitDeny"


def test_context_entries_override_the_keys_the_local_cloud_sets() -> None:
    secure_only = Source(
        {
            "Statement": {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        }
    )
    context = {"aws:securetransport": ["true"]}
    plain = {"ContextKeyName": "aws:SecureTransport", "ContextKeyValues": [False]}
    (local,) = simulation.simulate(
        [ALLOWS_EVERYTHING, secure_only], ["s3:GetObject"], [INPUT], context=context
    )
    (insecure,) = simulation.simulate(
        [ALLOWS_EVERYTHING, secure_only],
        ["s3:GetObject"],
        [INPUT],
        context=context,
        context_entries=[plain],
    )
    assert (local.decision, insecure.decision) == ("allowed", "explicitDeny")


def test_a_resource_policy_naming_the_principal_allows_and_its_deny_wins() -> None:
    bucket_policy = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ROLE},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::other/*",
                },
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::input/*",
                },
            ]
        }
    )
    results = simulation.simulate(
        [READS_INPUT],
        ["s3:GetObject", "s3:PutObject"],
        [OTHER, INPUT],
        principal_arns=[ROLE],
        resource_policy=bucket_policy,
    )
    assert decisions(results) == {
        ("s3:GetObject", OTHER): "allowed",
        ("s3:GetObject", INPUT): "allowed",
        ("s3:PutObject", OTHER): "allowed",
        ("s3:PutObject", INPUT): "explicitDeny",
    }
    assert [(m.source.policy_id, m.source.policy_type) for m in results[0].matched] == [
        ("ResourcePolicy", "resource")
    ]
    # Naming another principal grants nothing.
    (stranger,) = simulation.simulate(
        [],
        ["s3:GetObject"],
        [OTHER],
        principal_arns=["arn:aws:iam::000000000000:role/Other"],
        resource_policy=bucket_policy,
    )
    assert stranger.decision == "implicitDeny"


def test_a_resource_policy_that_is_not_json_is_an_input_error() -> None:
    with pytest.raises(simulation.SimulationInputError, match="ResourcePolicy"):
        simulation.simulate([], ["s3:GetObject"], resource_policy="{not json")


@pytest.fixture
def iam() -> Iterator[object]:
    simulation.install()
    try:
        with mock_aws():
            yield boto3.client(
                "iam",
                region_name="us-east-1",
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
    finally:
        patches.undo_all()


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_the_api_answers_for_a_roles_inline_and_managed_policies(iam) -> None:  # type: ignore[no-untyped-def]
    role = iam.create_role(RoleName="GlueRole", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(
        RoleName="GlueRole",
        PolicyName="scoped",
        PolicyDocument=document({"Effect": "Allow", "Action": "s3:GetObject", "Resource": INPUT}),
    )
    managed = iam.create_policy(
        PolicyName="guard",
        PolicyDocument=document({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}),
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="GlueRole", PolicyArn=managed)

    answer = iam.simulate_principal_policy(
        PolicySourceArn=role,
        ActionNames=["s3:GetObject", "s3:DeleteObject"],
        ResourceArns=[INPUT, OTHER],
    )
    assert answer["IsTruncated"] is False
    assert [
        (r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"], r["MatchedStatements"])
        for r in answer["EvaluationResults"]
    ] == [
        (
            "s3:GetObject",
            INPUT,
            "allowed",
            [{"SourcePolicyId": "scoped", "SourcePolicyType": "role"}],
        ),
        ("s3:GetObject", OTHER, "implicitDeny", []),
        (
            "s3:DeleteObject",
            INPUT,
            "explicitDeny",
            [{"SourcePolicyId": "guard", "SourcePolicyType": "user-managed"}],
        ),
        (
            "s3:DeleteObject",
            OTHER,
            "explicitDeny",
            [{"SourcePolicyId": "guard", "SourcePolicyType": "user-managed"}],
        ),
    ]


def test_the_api_answers_for_a_user_with_its_groups_and_for_custom_policies(iam) -> None:  # type: ignore[no-untyped-def]
    user = iam.create_user(UserName="analyst")["User"]["Arn"]
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="analyst")
    iam.put_group_policy(
        GroupName="readers",
        PolicyName="read",
        PolicyDocument=document({"Effect": "Allow", "Action": "glue:Get*", "Resource": "*"}),
    )
    (result,) = iam.simulate_principal_policy(PolicySourceArn=user, ActionNames=["glue:GetJob"])[
        "EvaluationResults"
    ]
    assert (result["EvalDecision"], result["MatchedStatements"]) == (
        "allowed",
        [{"SourcePolicyId": "read", "SourcePolicyType": "group"}],
    )
    (custom,) = iam.simulate_custom_policy(
        PolicyInputList=[document({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})],
        ActionNames=["s3:GetObject"],
    )["EvaluationResults"]
    assert (custom["EvalDecision"], custom["MatchedStatements"][0]["SourcePolicyId"]) == (
        "allowed",
        "PolicyInputList.1",
    )


def test_an_unknown_principal_is_no_such_entity_and_bad_input_is_invalid_input(iam) -> None:  # type: ignore[no-untyped-def]
    errors = iam.exceptions
    with pytest.raises(errors.NoSuchEntityException, match="role with name Missing"):
        iam.simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::123456789012:role/Missing", ActionNames=["s3:GetObject"]
        )
    with pytest.raises(errors.NoSuchEntityException):
        iam.simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::123456789012:user/nobody", ActionNames=["s3:GetObject"]
        )
    role = iam.create_role(RoleName="R", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    with pytest.raises(errors.InvalidInputException, match="ResourcePolicy"):
        iam.simulate_principal_policy(
            PolicySourceArn=role, ActionNames=["s3:GetObject"], ResourcePolicy="{not json"
        )
    with pytest.raises(errors.InvalidInputException, match="PermissionsBoundaryPolicyInputList"):
        iam.simulate_principal_policy(
            PolicySourceArn=role,
            ActionNames=["s3:GetObject"],
            PermissionsBoundaryPolicyInputList=[document()],
        )
