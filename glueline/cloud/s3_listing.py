"""Listings of versioned buckets that leave deleted keys out, as S3 does.

moto drops a deleted key from a listing's ``Contents`` but still derives ``CommonPrefixes``
from it, so a "folder" whose objects were all deleted keeps appearing. In a versioned
bucket, Spark's output committer then finds the previous run's ``_temporary/0/task_*``
folder, cannot open it, and the second overwrite of the same location fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from glueline.cloud import patches


class _LiveKeys:
    def __init__(self, keys: Any, delete_marker_type: type) -> None:
        self._keys = keys
        self._delete_marker_type = delete_marker_type

    def items(self) -> Iterator[tuple[str, Any]]:
        for name, key in self._keys.items():
            if not isinstance(key, self._delete_marker_type):
                yield name, key


class _BucketWithoutDeletedKeys:
    """The bucket as ``list_objects`` reads it: every attribute but ``keys`` passes through."""

    def __init__(self, bucket: Any, delete_marker_type: type) -> None:
        self._bucket = bucket
        self.keys = _LiveKeys(bucket.keys, delete_marker_type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bucket, name)


def install() -> None:
    from moto.s3.models import FakeDeleteMarker, FakeTableStorageBucket, S3Backend

    @patches.wrap(S3Backend, "list_objects", reason="listings leave deleted keys out")
    def list_live_objects(
        list_objects: Any, self: Any, bucket: Any, *args: Any, **kwargs: Any
    ) -> Any:
        if not isinstance(bucket, FakeTableStorageBucket):
            bucket = _BucketWithoutDeletedKeys(bucket, FakeDeleteMarker)
        return list_objects(self, bucket, *args, **kwargs)
