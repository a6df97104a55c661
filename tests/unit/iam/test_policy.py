"""AWS's policy evaluation logic, case by case (IAM User Guide, "Policy evaluation logic"
and "IAM JSON policy elements: Condition operators")."""

from __future__ import annotations

import pytest

from glueline.cloud.iam.policy import Request, Verdict, evaluate

SESSION = "arn:aws:sts::000000000000:assumed-role/GlueRole/jr_1"
ROLE = "arn:aws:iam::000000000000:role/GlueRole"
OBJECT = "arn:aws:s3:::output/sales/part-0.parquet"


def request(action: str = "s3:PutObject", *resources: str, **context: list[str]) -> Request:
    return Request(
        action=action,
        resources=resources or (OBJECT,),
        principal_arns=(SESSION, ROLE),
        context={key.replace("__", ":").lower(): value for key, value in context.items()},
    )


def allow(action: str | list[str], resource: str | list[str], **extra: object) -> dict:
    return {"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}]}


def deny(action: str, resource: str, **extra: object) -> dict:
    return {"Statement": [{"Effect": "Deny", "Action": action, "Resource": resource, **extra}]}


def test_nothing_allowed_is_an_implicit_deny() -> None:
    decision = evaluate(request(), [], None)
    assert decision.verdict is Verdict.IMPLICIT_DENY
    assert decision.resource == OBJECT


def test_an_allow_with_wildcards_permits_and_actions_ignore_case() -> None:
    policy = allow("S3:put*", "arn:aws:s3:::output/*")
    assert evaluate(request(), [policy], None).allowed
    assert not evaluate(request("s3:GetObject"), [policy], None).allowed


def test_question_mark_matches_one_character_and_arns_are_case_sensitive() -> None:
    assert evaluate(request(), [allow("s3:PutObject", "arn:aws:s3:::outpu?/*")], None).allowed
    assert not evaluate(request(), [allow("s3:PutObject", "arn:aws:s3:::OUTPUT/*")], None).allowed


def test_an_explicit_deny_wins_over_any_allow() -> None:
    decision = evaluate(
        request(), [allow("s3:*", "*"), deny("s3:PutObject", "arn:aws:s3:::output/sales/*")], None
    )
    assert decision.verdict is Verdict.EXPLICIT_DENY
    assert decision.denied_by == "an identity-based policy"


def test_not_action_and_not_resource() -> None:
    policy = {
        "Statement": [
            {"Effect": "Allow", "NotAction": "s3:DeleteObject", "NotResource": "arn:aws:s3:::x/*"}
        ]
    }
    assert evaluate(request(), [policy], None).allowed
    assert not evaluate(request("s3:DeleteObject"), [policy], None).allowed
    assert not evaluate(request("s3:PutObject", "arn:aws:s3:::x/k"), [policy], None).allowed


def test_every_resource_of_a_request_must_be_permitted() -> None:
    catalog = "arn:aws:glue:us-east-1:000000000000:catalog"
    database = "arn:aws:glue:us-east-1:000000000000:database/db"
    table = "arn:aws:glue:us-east-1:000000000000:table/db/sales"
    partial = allow("glue:GetTable", [catalog, database])
    decision = evaluate(request("glue:GetTable", catalog, database, table), [partial], None)
    assert decision.verdict is Verdict.IMPLICIT_DENY
    assert decision.resource == table
    full = allow("glue:GetTable", [catalog, database, "arn:aws:glue:*:*:table/db/*"])
    assert evaluate(request("glue:GetTable", catalog, database, table), [full], None).allowed


def test_a_resource_policy_naming_the_role_or_session_permits() -> None:
    for principal in ({"AWS": ROLE}, {"AWS": [SESSION]}, "*"):
        bucket_policy = allow("s3:PutObject", "arn:aws:s3:::output/*", Principal=principal)
        assert evaluate(request(), [], bucket_policy).allowed, principal


def test_a_resource_policy_naming_the_account_delegates_to_identity_policies() -> None:
    bucket_policy = allow(
        "s3:PutObject", "arn:aws:s3:::output/*", Principal={"AWS": "arn:aws:iam::000000000000:root"}
    )
    assert not evaluate(request(), [], bucket_policy).allowed


def test_a_resource_policy_deny_wins_over_an_identity_allow() -> None:
    bucket_policy = deny(
        "s3:*",
        "arn:aws:s3:::output/*",
        Principal="*",
        Condition={"Bool": {"aws:SecureTransport": "false"}},
    )
    identity = [allow("s3:*", "*")]
    insecure = request(aws__SecureTransport=["false"])
    decision = evaluate(insecure, identity, bucket_policy)
    assert decision.verdict is Verdict.EXPLICIT_DENY
    assert decision.denied_by == "a resource-based policy"
    assert evaluate(request(aws__SecureTransport=["true"]), identity, bucket_policy).allowed


@pytest.mark.parametrize(
    ("condition", "context", "holds"),
    [
        ({"StringEquals": {"s3:prefix": "sales/"}}, {"s3__prefix": ["sales/"]}, True),
        ({"StringEquals": {"s3:prefix": "sales/"}}, {"s3__prefix": ["other/"]}, False),
        ({"StringEquals": {"s3:prefix": "sales/"}}, {}, False),
        ({"StringNotEquals": {"s3:prefix": "sales/"}}, {}, False),
        ({"StringEqualsIfExists": {"s3:prefix": "sales/"}}, {}, True),
        ({"StringLike": {"s3:prefix": ["sales/*", "x"]}}, {"s3__prefix": ["sales/2024/"]}, True),
        ({"StringNotLike": {"s3:prefix": "sales/*"}}, {"s3__prefix": ["other/"]}, True),
        ({"StringEqualsIgnoreCase": {"s3:prefix": "SALES/"}}, {"s3__prefix": ["sales/"]}, True),
        ({"Null": {"s3:prefix": "true"}}, {}, True),
        ({"Null": {"s3:prefix": "false"}}, {}, False),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3__max-keys": ["5"]}, True),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3__max-keys": ["50"]}, False),
        (
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Glue*"}},
            {"aws__PrincipalArn": [ROLE]},
            True,
        ),
        ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {"aws__SourceIp": ["127.0.0.1"]}, True),
        ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws__SourceIp": ["127.0.0.1"]}, True),
        (
            {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
            {"aws__CurrentTime": ["2026-11-30T00:00:00Z"]},
            True,
        ),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {}, True),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws__TagKeys": ["b", "a"]}, True),
        ({"NoSuchOperator": {"aws:SourceIp": "x"}}, {"aws__SourceIp": ["x"]}, False),
    ],
)
def test_condition_operators(condition: dict, context: dict, holds: bool) -> None:
    policy = allow("s3:ListBucket", "arn:aws:s3:::output", Condition=condition)
    decision = evaluate(request("s3:ListBucket", "arn:aws:s3:::output", **context), [policy], None)
    assert decision.allowed is holds


def test_policy_variables_are_filled_from_the_context() -> None:
    policy = allow("s3:PutObject", "arn:aws:s3:::output/${aws:PrincipalAccount}/*")
    own = request(
        "s3:PutObject", "arn:aws:s3:::output/000000000000/k", aws__PrincipalAccount=["000000000000"]
    )
    assert evaluate(own, [policy], None).allowed
