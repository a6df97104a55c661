"""What a Glue security configuration changes about a local job run, without any I/O.

AWS Glue applies a security configuration's ``S3Encryption`` to what a job writes to S3:
objects come out encrypted with SSE-S3 or SSE-KMS. Locally Spark writes through S3A, which
asks the same of S3 with the ``x-amz-server-side-encryption`` header when its
server-side-encryption setting is set; the local S3 records the mode and reports it on
``HeadObject``, as AWS does. That works for SSE-S3 only: S3A's AWS SDK (v1) refuses to send
KMS parameters to an endpoint that is not HTTPS, and the local cloud speaks HTTP, so an
SSE-KMS configuration is accepted and listed but its runs write unencrypted objects rather
than fail. CloudWatch Logs and job bookmark encryption
have no local effect (logs and bookmarks are not encrypted at rest here), so those parts
are accepted and listed only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SSE_S3 = "SSE-S3"
SSE_KMS = "SSE-KMS"
DISABLED = "DISABLED"

#: Hadoop 3.3's S3A names for the encryption algorithm and the KMS key.
_ALGORITHM = "spark.hadoop.fs.s3a.server-side-encryption-algorithm"


class InvalidSecurityConfiguration(ValueError):
    """The configuration names an encryption mode AWS Glue does not have."""


def s3_encryption_settings(
    encryption_configuration: Mapping[str, Any] | None,
) -> tuple[tuple[str, str], ...]:
    """Spark settings that make a run's S3 writes use the configuration's S3 encryption.

    AWS takes a list of ``S3Encryption`` entries but applies one mode to the job; the first
    one that is not ``DISABLED`` decides. SSE-KMS adds nothing (see the module's docstring).
    """
    for entry in (encryption_configuration or {}).get("S3Encryption") or []:
        mode = entry.get("S3EncryptionMode", DISABLED)
        if mode == DISABLED:
            continue
        if mode == SSE_S3:
            return ((_ALGORITHM, "AES256"),)
        if mode == SSE_KMS:
            return ()
        raise InvalidSecurityConfiguration(
            f"S3EncryptionMode {mode!r} is not one of {DISABLED}, {SSE_S3}, {SSE_KMS}"
        )
    return ()


def s3_encryption_warning(encryption_configuration: Mapping[str, Any] | None) -> str | None:
    """What a run must be told about its S3 encryption locally: SSE-KMS is not applied (see
    the module's docstring), so the run's log says so instead of leaving it silent."""
    for entry in (encryption_configuration or {}).get("S3Encryption") or []:
        mode = entry.get("S3EncryptionMode", DISABLED)
        if mode == DISABLED:
            continue
        if mode == SSE_KMS:
            return (
                "the security configuration asks for SSE-KMS, which the local cloud does not "
                "apply (S3A sends KMS parameters only over HTTPS): this run's S3 output is not "
                "encrypted; in AWS it is encrypted with the configuration's KMS key"
            )
        return None
    return None


def from_cloudformation(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The API's ``EncryptionConfiguration`` from the resource's: CloudFormation spells the
    S3 list ``S3Encryptions``, the Glue API ``S3Encryption``."""
    template = dict(properties.get("EncryptionConfiguration") or {})
    if "S3Encryptions" in template:
        template["S3Encryption"] = template.pop("S3Encryptions")
    return template
