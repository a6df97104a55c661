"""Multipart completion on disk gives what moto's in-memory completion gives, byte for byte.

moto in-process: these compare the patched completion with moto's own on the same parts; the
integration test of large uploads (``tests/integration/test_large_uploads.py``) goes over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator

import pytest
from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML
from moto.s3.models import S3_UPLOAD_PART_MIN_SIZE, FakeKey, FakeMultipart

from glueline.cloud import patches, s3_multipart

PART = S3_UPLOAD_PART_MIN_SIZE + 123


@pytest.fixture
def patched() -> Iterator[None]:
    s3_multipart.install()
    yield
    patches.undo_all()


def upload(metadata: dict[str, str], sizes: list[int]) -> tuple[FakeMultipart, bytes]:
    multipart = FakeMultipart(
        "big.csv", metadata, storage=None, tags=None, acl=None, account_id="1", region_name="r"
    )
    data = os.urandom(sum(sizes))
    offset = 0
    for number, size in enumerate(sizes, start=1):
        multipart.set_part(number, data[offset : offset + size])
        offset += size
    return multipart, data


def body_of(multipart: FakeMultipart) -> list[tuple[int, str]]:
    return [(number, part.etag) for number, part in sorted(multipart.parts.items())]


CHECKSUMS = [
    {},
    {"x-amz-checksum-algorithm": "CRC32"},
    {"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "FULL_OBJECT"},
    {"x-amz-checksum-algorithm": "CRC32C"},
    {"x-amz-checksum-algorithm": "SHA1"},
    {"x-amz-checksum-algorithm": "SHA256"},
]


@pytest.mark.parametrize("metadata", CHECKSUMS, ids=lambda m: "-".join(m.values()) or "default")
def test_completion_on_disk_matches_moto_byte_for_byte(metadata: dict[str, str]) -> None:
    multipart, data = upload(metadata, [PART, PART, 1000])
    expected_value, expected_etag, expected_checksum = multipart.complete(body_of(multipart))

    s3_multipart.install()
    try:
        joined, etag, checksum = multipart.complete(body_of(multipart))
        key = FakeKey("big.csv", joined, account_id="1", region_name="r", etag=etag)
    finally:
        patches.undo_all()

    assert expected_value == data
    assert etag == expected_etag
    assert checksum == expected_checksum
    assert key.value == data
    assert key.contentsize == len(data)
    assert joined.closed, "the assembled file is released once the key holds the object"
    assert key._value_buffer._rolled, "an object past moto's buffer size is on disk"


def test_a_small_object_stays_in_memory_as_moto_keeps_it(patched: None) -> None:
    multipart, data = upload({}, [1000])
    joined, etag, _ = multipart.complete(body_of(multipart))
    key = FakeKey("small.csv", joined, account_id="1", region_name="r", etag=etag)
    assert key.value == data
    assert not key._value_buffer._rolled
    assert (
        etag
        == hashlib.md5(
            hashlib.md5(data, usedforsecurity=False).digest(), usedforsecurity=False
        ).hexdigest()
        + "-1"
    )


def test_a_plain_value_still_sets_as_moto_sets_it(patched: None) -> None:
    key = FakeKey("plain.txt", b"hello", account_id="1", region_name="r")
    key.value = "text"  # type: ignore[assignment]
    assert key.value == b"text"
    assert key.contentsize == 4


def test_moto_refusals_are_kept(patched: None) -> None:
    multipart, _ = upload({}, [1000, PART])
    with pytest.raises(InvalidPart):
        multipart.complete([(1, '"not-the-etag"')])
    with pytest.raises(EntityTooSmall):
        multipart.complete(body_of(multipart))
    with pytest.raises(MalformedXML):
        multipart.complete([])


def test_a_composite_checksum_is_the_checksum_of_the_part_checksums() -> None:
    checksum = s3_multipart.MultipartChecksum("SHA256", None)
    for part in (b"ab", b"cd"):
        checksum.update(part[:1])
        checksum.update(part[1:])
        checksum.end_part()
    over_parts = hashlib.sha256(hashlib.sha256(b"ab").digest() + hashlib.sha256(b"cd").digest())
    assert checksum.build() == (
        "COMPOSITE",
        base64.b64encode(over_parts.digest()).decode(),
        2,
    )
