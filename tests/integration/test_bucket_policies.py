"""Bucket policies against the local endpoint: a Deny still denies, over plain HTTP.

The local cloud counts its loopback requests as secure transport so that CDK's TLS-only
statement lets them through; these tests show that this is all it relaxes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration


def deny(action: str, resource: str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Deny statement for every principal."""
    found: dict[str, Any] = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": action,
        "Resource": resource,
    }
    if condition is not None:
        found["Condition"] = condition
    return found


def tls_only(bucket: str) -> dict[str, Any]:
    """CDK's ``enforceSSL: true`` statement."""
    return deny(
        "s3:*",
        f"arn:aws:s3:::{bucket}/*",
        {"Bool": {"aws:SecureTransport": "false"}},
    )


def put_policy(s3: Any, bucket: str, *statements: dict[str, Any]) -> None:
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def refusal_status(call: Callable[[], Any]) -> int:
    """The HTTP status of a request S3 refused; fails if it was accepted."""
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_a_deny_on_a_prefix_refuses_the_upload_over_http_beside_the_tls_only_deny(aws) -> None:
    s3 = aws("s3")
    assert s3.meta.endpoint_url.startswith("http://")
    bucket = "glueline-test-locked-prefix"
    s3.create_bucket(Bucket=bucket)
    put_policy(
        s3, bucket, tls_only(bucket), deny("s3:PutObject", f"arn:aws:s3:::{bucket}/locked/*")
    )

    status = refusal_status(lambda: s3.put_object(Bucket=bucket, Key="locked/a.csv", Body=b"x"))
    s3.put_object(Bucket=bucket, Key="open/a.csv", Body=b"kept")

    assert status == 403
    keys = [entry["Key"] for entry in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["open/a.csv"]
    assert s3.get_object(Bucket=bucket, Key="open/a.csv")["Body"].read() == b"kept"


def test_a_deny_conditioned_on_secure_transport_refuses_local_requests(aws) -> None:
    """The loopback endpoint counts as secure transport, so this Deny applies to it."""
    s3 = aws("s3")
    bucket = "glueline-test-secure-deny"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="report.csv", Body=b"x")
    secure_only = {"Bool": {"aws:SecureTransport": "true"}}
    put_policy(s3, bucket, deny("s3:GetObject", f"arn:aws:s3:::{bucket}/*", secure_only))

    assert refusal_status(lambda: s3.get_object(Bucket=bucket, Key="report.csv")) == 403


def test_a_deny_on_deletes_keeps_the_object(aws) -> None:
    s3 = aws("s3")
    bucket = "glueline-test-no-deletes"
    s3.create_bucket(Bucket=bucket)
    put_policy(s3, bucket, tls_only(bucket), deny("s3:DeleteObject", f"arn:aws:s3:::{bucket}/*"))
    s3.put_object(Bucket=bucket, Key="ledger.csv", Body=b"keep me")

    status = refusal_status(lambda: s3.delete_object(Bucket=bucket, Key="ledger.csv"))

    assert status == 403
    assert s3.get_object(Bucket=bucket, Key="ledger.csv")["Body"].read() == b"keep me"
