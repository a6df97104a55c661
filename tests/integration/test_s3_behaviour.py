"""S3 behaviour the pipeline relies on, where moto alone differs from AWS."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_deleted_keys_leave_no_folder_in_a_versioned_listing(aws):
    s3 = aws("s3")
    s3.create_bucket(Bucket="glueline-test-versioned")
    s3.put_bucket_versioning(
        Bucket="glueline-test-versioned", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_object(Bucket="glueline-test-versioned", Key="out/_temporary/0/task_1/a", Body=b"x")
    s3.put_object(Bucket="glueline-test-versioned", Key="out/kept/b", Body=b"y")
    s3.delete_object(Bucket="glueline-test-versioned", Key="out/_temporary/0/task_1/a")

    listing = s3.list_objects_v2(Bucket="glueline-test-versioned", Prefix="out/", Delimiter="/")
    assert [p["Prefix"] for p in listing.get("CommonPrefixes", [])] == ["out/kept/"]
    versions = s3.list_object_versions(Bucket="glueline-test-versioned", Prefix="out/_temporary/")
    assert len(versions["DeleteMarkers"]) == 1, "the history is still there"
