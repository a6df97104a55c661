"""What a bucket policy says about a request to the local endpoint, whoever sends it.

moto checks a bucket's policy on every object request; the local cloud answers that check
from the statements that apply to everyone, with their conditions evaluated for a local
request (sent over loopback, counted as secure transport). Statements naming principals are
left to IAM enforcement, which knows who asks.
"""

from __future__ import annotations

from typing import Any

import pytest

from glueline.cloud.iam.policy import Verdict
from glueline.cloud.s3_policies import everyones_verdict

BUCKET = "arn:aws:s3:::data"
OBJECT = f"{BUCKET}/sales/a.csv"


def statement(
    condition: dict[str, Any] | None = None, effect: str = "Deny", principal: Any = None
) -> dict[str, Any]:
    """A bucket-policy statement over every object of the bucket."""
    found: dict[str, Any] = {
        "Effect": effect,
        "Principal": principal if principal is not None else {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [BUCKET, f"{BUCKET}/*"],
    }
    if condition is not None:
        found["Condition"] = condition
    return found


def verdict(*statements: dict[str, Any], action: str = "s3:GetObject") -> Verdict:
    return everyones_verdict({"Statement": list(statements)}, action, OBJECT)


#: CDK's ``enforceSSL: true`` statement: deny any request that is not secure transport.
TLS_ONLY = statement({"Bool": {"aws:SecureTransport": "false"}})


def test_the_tls_only_deny_does_not_refuse_a_local_request() -> None:
    assert verdict(TLS_ONLY) is Verdict.IMPLICIT_DENY


def test_an_unconditional_deny_for_everyone_refuses() -> None:
    assert verdict(statement()) is Verdict.EXPLICIT_DENY
    assert verdict(statement(principal="*")) is Verdict.EXPLICIT_DENY


def test_an_allow_for_everyone_permits() -> None:
    assert verdict(statement(effect="Allow")) is Verdict.ALLOWED


@pytest.mark.parametrize("expected", ["true", "True", True, ["false", "true"]])
def test_secure_transport_true_holds_for_a_local_request(expected: Any) -> None:
    """Values compare case-insensitively, JSON booleans count, a list matches any."""
    assert verdict(statement({"Bool": {"aws:SecureTransport": expected}})) is Verdict.EXPLICIT_DENY


@pytest.mark.parametrize("expected", ["false", False, ["false"]])
def test_secure_transport_false_does_not_hold(expected: Any) -> None:
    assert verdict(statement({"Bool": {"aws:SecureTransport": expected}})) is Verdict.IMPLICIT_DENY


def test_condition_keys_are_case_insensitive() -> None:
    assert verdict(statement({"Bool": {"AWS:SECURETRANSPORT": "true"}})) is Verdict.EXPLICIT_DENY


def test_a_condition_on_a_key_a_local_request_lacks_is_false() -> None:
    """AWS: a key absent from the request context makes the condition false."""
    condition = {"StringEquals": {"aws:SourceVpce": "vpce-1234"}}
    assert verdict(statement(condition)) is Verdict.IMPLICIT_DENY
    assert verdict(statement(condition, effect="Allow")) is Verdict.IMPLICIT_DENY


def test_an_unknown_operator_makes_the_statement_not_apply() -> None:
    assert verdict(statement({"NoSuchOperator": {"aws:SecureTransport": "true"}})) is (
        Verdict.IMPLICIT_DENY
    )


def test_statements_naming_a_principal_are_not_everyones() -> None:
    role = "arn:aws:iam::000000000000:role/reader"
    assert verdict(statement(principal={"AWS": role})) is Verdict.IMPLICIT_DENY


def test_a_single_statement_not_in_a_list_counts() -> None:
    policy = {"Statement": statement()}
    assert everyones_verdict(policy, "s3:PutObject", OBJECT) is Verdict.EXPLICIT_DENY


def test_a_deny_on_other_actions_or_objects_does_not_refuse() -> None:
    narrow = {**statement(), "Action": "s3:DeleteObject", "Resource": f"{BUCKET}/locked/*"}
    assert verdict(narrow) is Verdict.IMPLICIT_DENY
    assert verdict(narrow, action="s3:DeleteObject") is Verdict.IMPLICIT_DENY
