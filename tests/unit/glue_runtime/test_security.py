"""A security configuration's S3 encryption as the Spark settings of a run."""

from __future__ import annotations

import pytest

from glueline.cloud.glue import security

ALGORITHM = "spark.hadoop.fs.s3a.server-side-encryption-algorithm"
KEY_ARN = "arn:aws:kms:us-east-1:000000000000:key/1234"


def test_sse_s3_asks_s3_for_aes256() -> None:
    configuration = {"S3Encryption": [{"S3EncryptionMode": "SSE-S3"}]}

    assert security.s3_encryption_settings(configuration) == ((ALGORITHM, "AES256"),)


def test_sse_kms_is_accepted_but_not_applied_as_s3a_needs_https_for_it() -> None:
    configuration = {"S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": KEY_ARN}]}

    assert security.s3_encryption_settings(configuration) == ()
    assert "not encrypted" in (security.s3_encryption_warning(configuration) or "")


def test_sse_s3_and_no_encryption_need_no_warning() -> None:
    assert (
        security.s3_encryption_warning({"S3Encryption": [{"S3EncryptionMode": "SSE-S3"}]}) is None
    )
    assert security.s3_encryption_warning(None) is None


@pytest.mark.parametrize(
    "configuration",
    [
        None,
        {},
        {"S3Encryption": [{"S3EncryptionMode": "DISABLED"}]},
        {"CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": KEY_ARN}},
    ],
)
def test_nothing_changes_without_s3_encryption(configuration: dict | None) -> None:
    assert security.s3_encryption_settings(configuration) == ()


def test_an_unknown_mode_is_refused_with_the_modes_that_exist() -> None:
    with pytest.raises(security.InvalidSecurityConfiguration, match="SSE-S3"):
        security.s3_encryption_settings({"S3Encryption": [{"S3EncryptionMode": "CSE-KMS"}]})


def test_cloudformation_spells_the_s3_list_in_the_plural() -> None:
    properties = {
        "Name": "encrypted",
        "EncryptionConfiguration": {
            "S3Encryptions": [{"S3EncryptionMode": "SSE-S3"}],
            "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "DISABLED"},
        },
    }

    assert security.from_cloudformation(properties) == {
        "S3Encryption": [{"S3EncryptionMode": "SSE-S3"}],
        "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "DISABLED"},
    }
