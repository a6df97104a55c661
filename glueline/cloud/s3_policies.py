"""Bucket policies for requests to the local endpoint, evaluated with their conditions.

moto checks a bucket's policy for every object request, whoever makes it, but without the
statements' ``Condition`` blocks (so CDK's TLS-only statement, Deny when
``aws:SecureTransport`` is false, denied every request) and without their ``Principal`` (so a
statement naming one role applied to everyone). Here that check evaluates, with the kit's
policy evaluator (:mod:`glueline.cloud.iam.policy`), the statements that apply to everyone,
in the context every local request has: the endpoint listens on loopback only, so it counts
as secure transport. Statements naming principals are evaluated for requests signed by those
principals, with their identity, by :mod:`glueline.cloud.iam.enforcement`.
"""

from __future__ import annotations

import json
from typing import Any

from glueline.cloud import patches
from glueline.cloud.iam import policy

#: Condition keys every request to the local endpoint carries, whoever sends it.
LOCAL_REQUEST_CONTEXT = {"aws:securetransport": ["true"], "aws:sourceip": ["127.0.0.1"]}


def everyones_verdict(bucket_policy: dict[str, Any], action: str, resource: str) -> policy.Verdict:
    """What the policy says about ``action`` on ``resource`` for anyone at all."""
    request = policy.Request(
        action=action, resources=(resource,), principal_arns=(), context=LOCAL_REQUEST_CONTEXT
    )
    return policy.evaluate(request, [], bucket_policy).verdict


def install() -> None:
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    results = {
        policy.Verdict.ALLOWED: PermissionResult.PERMITTED,
        policy.Verdict.EXPLICIT_DENY: PermissionResult.DENIED,
        policy.Verdict.IMPLICIT_DENY: PermissionResult.NEUTRAL,
    }

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        return results[everyones_verdict(json.loads(self.policy), action, resource)]

    patches.replace(
        FakeBucket,
        "get_permission",
        get_permission,
        reason="bucket policies evaluated with conditions and principals for local requests",
    )
