"""Bucket-policy conditions for requests to the local endpoint.

moto evaluates bucket policies without their ``Condition`` blocks, so CDK's TLS-only
statement (Deny when ``aws:SecureTransport`` is false) denies every request. The local
endpoint listens on loopback only, so glueline treats its requests as secure transport,
evaluates the conditions whose keys it knows, and leaves out statements that depend on
keys a local request cannot carry (they would be guesses either way).
"""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger("glueline.s3")

#: Condition keys whose value is known for every request to the local endpoint.
LOCAL_REQUEST_CONTEXT = {"aws:securetransport": "true"}

_OPERATORS = {
    "Bool": lambda actual, expected: actual in expected,
    "StringEquals": lambda actual, expected: actual in expected,
    "StringNotEquals": lambda actual, expected: actual not in expected,
}


def statement_applies(statement: dict[str, Any]) -> bool:
    """Whether a statement's conditions hold for a local request; False if unknowable."""
    for operator, tests in statement.get("Condition", {}).items():
        compare = _OPERATORS.get(operator)
        if compare is None:
            return False
        for key, expected in tests.items():
            actual = LOCAL_REQUEST_CONTEXT.get(key.lower())
            if actual is None:
                return False
            expected_values = [
                str(v).lower() for v in (expected if isinstance(expected, list) else [expected])
            ]
            if not compare(actual, expected_values):
                return False
    return True


def effective_policy(policy: bytes) -> str:
    document = json.loads(policy)
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    document["Statement"] = [s for s in statements if statement_applies(s)]
    return json.dumps(document)


def install() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        return IAMPolicy(effective_policy(self.policy)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission
