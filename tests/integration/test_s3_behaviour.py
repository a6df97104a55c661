"""S3 behaviour the pipeline relies on, where moto alone differs from AWS."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from boto3.s3.transfer import TransferConfig

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


def _notified_queue(aws, bucket: str) -> str:
    """A bucket whose object-created events go to a new queue; returns the queue URL."""
    s3, sqs = aws("s3"), aws("sqs")
    s3.create_bucket(Bucket=bucket)
    queue_url = sqs.create_queue(QueueName=bucket)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    return queue_url


def _drain_events(aws, queue_url: str) -> list[tuple[str, str]]:
    """``(key, eventName)`` of every event on the queue, read until it stays empty."""
    events: list[tuple[str, str]] = []
    while True:
        messages = (
            aws("sqs")
            .receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            .get("Messages", [])
        )
        if not messages:
            return events
        for message in messages:
            for record in json.loads(message["Body"]).get("Records", []):
                events.append((record["s3"]["object"]["key"], record["eventName"]))


def test_a_multipart_upload_raises_one_event(aws, tmp_path):
    bucket = "glueline-test-multipart-events"
    queue_url = _notified_queue(aws, bucket)
    large = tmp_path / "large.csv"
    large.write_bytes(b"a,b\n" + b"1,2\n" * (3 * 1024 * 1024))  # 12 MB: boto3 goes multipart
    aws("s3").upload_file(str(large), bucket, "big/large.csv")
    aws("s3").put_object(Bucket=bucket, Key="small.csv", Body=b"a,b\n1,2\n")

    assert sorted(_drain_events(aws, queue_url)) == [
        ("big/large.csv", "ObjectCreated:CompleteMultipartUpload"),
        ("small.csv", "ObjectCreated:Put"),
    ]


def test_a_multipart_upload_reads_back_whole_with_the_etag_aws_gives(aws, tmp_path):
    """The object is assembled on disk from its parts (``glueline/cloud/s3_multipart.py``)."""
    s3 = aws("s3")
    bucket = "glueline-test-multipart-body"
    s3.create_bucket(Bucket=bucket)
    data = os.urandom(8 * 1024 * 1024) + os.urandom(3 * 1024 * 1024 + 17)
    source = tmp_path / "random.bin"
    source.write_bytes(data)
    chunk = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)

    s3.upload_file(str(source), bucket, "random.bin", Config=chunk)

    part_md5s = b"".join(
        hashlib.md5(data[start : start + 8 * 1024 * 1024], usedforsecurity=False).digest()
        for start in range(0, len(data), 8 * 1024 * 1024)
    )
    expected_etag = f'"{hashlib.md5(part_md5s, usedforsecurity=False).hexdigest()}-2"'
    head = s3.head_object(Bucket=bucket, Key="random.bin")
    assert head["ETag"] == expected_etag
    assert head["ContentLength"] == len(data)
    assert s3.get_object(Bucket=bucket, Key="random.bin")["Body"].read() == data
    middle = s3.get_object(Bucket=bucket, Key="random.bin", Range="bytes=8388600-8388615")
    assert middle["Body"].read() == data[8388600:8388616]
