"""Multipart uploads completed on disk: a large object's bytes never sit in the cloud's memory.

moto keeps each object in a spooled temporary file (on disk past its key buffer size, 5 MB),
but ``FakeMultipart.complete`` joins the parts into one ``bytearray``, copies that into
``bytes``, and its full-object checksum keeps a third copy: a 500 MB upload took the cloud's
resident memory from 270 MiB to 832 MiB at the peak and left it 255 MiB higher. Here the
parts are copied in chunks into the new object's spooled file, and the checksums moto would
compute are computed as the chunks go by, with the same algorithms and fallbacks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from typing import IO, Any, Protocol

from glueline.cloud import patches

#: How much of a part is in memory at once while the object is assembled.
CHUNK_BYTES = 1024 * 1024


class _Digest(Protocol):
    def update(self, data: bytes) -> None: ...
    def digest(self) -> bytes: ...


class _Crc:
    """An incremental CRC as ``moto.s3.utils.compute_checksum`` computes it in one call."""

    def __init__(self, function: Any, size: int) -> None:
        self._function = function
        self._size = size
        self._value = 0

    def update(self, data: bytes) -> None:
        self._value = self._function(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(self._size, "big")


def new_digest(algorithm: str) -> _Digest:
    """The digest moto's ``compute_checksum`` uses for ``algorithm``, fallbacks included
    (CRC32 where the optional ``crc32c`` or ``awscrt`` library is missing)."""
    if algorithm == "SHA1":
        return hashlib.sha1(usedforsecurity=False)
    if algorithm == "CRC32C":
        try:
            import crc32c
        except ImportError:
            return _Crc(binascii.crc32, 4)
        return _Crc(lambda data, value: crc32c.crc32c(data, value=value), 4)
    if algorithm == "CRC32":
        return _Crc(binascii.crc32, 4)
    if algorithm == "CRC64NVME":
        from moto.core.compat import HAS_CRT

        if not HAS_CRT:
            return _Crc(binascii.crc32, 4)
        from awscrt import checksums

        return _Crc(checksums.crc64nvme, 8)
    return hashlib.sha256(usedforsecurity=False)


class MultipartChecksum:
    """moto's ``MultipartChecksumBuilder``, fed chunk by chunk instead of whole parts."""

    def __init__(self, algorithm: str | None, checksum_type: str | None) -> None:
        self.algorithm = algorithm or "CRC64NVME"
        default_type = "FULL_OBJECT" if self.algorithm == "CRC64NVME" else "COMPOSITE"
        self.checksum_type = checksum_type or default_type
        self._composite = self.checksum_type == "COMPOSITE"
        self._checksums = bytearray()
        self._whole = new_digest(self.algorithm)
        self._part = new_digest(self.algorithm)
        self._parts = 0

    def update(self, chunk: bytes) -> None:
        (self._part if self._composite else self._whole).update(chunk)

    def end_part(self) -> None:
        if self._composite:
            self._checksums.extend(self._part.digest())
            self._part = new_digest(self.algorithm)
        self._parts += 1

    def build(self) -> tuple[str, str, int]:
        """``(type, base64 checksum, part count)``, as ``MultipartChecksumBuilder.build``."""
        if self._composite:
            over_parts = new_digest(self.algorithm)
            over_parts.update(bytes(self._checksums))
            value = base64.b64encode(over_parts.digest()).decode()
            return self.checksum_type, value, self._parts
        # moto reports 1 part for a full-object checksum.
        return self.checksum_type, base64.b64encode(self._whole.digest()).decode(), 1


def _chunks_of(part: Any) -> Iterator[bytes]:
    with part.lock:
        part._value_buffer.seek(0)
        while chunk := part._value_buffer.read(CHUNK_BYTES):
            yield chunk


def install() -> None:
    from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML
    from moto.s3.models import S3_UPLOAD_PART_MIN_SIZE, FakeKey, FakeMultipart
    from moto.settings import get_s3_default_key_buffer_size

    def complete(self: Any, body: Iterator[tuple[int, str]]) -> tuple[IO[bytes], str, Any]:
        """moto's checks and results, with the object in a spooled file instead of bytes."""
        checksum = MultipartChecksum(
            self.metadata.get("x-amz-checksum-algorithm"),
            self.metadata.get("x-amz-checksum-type"),
        )
        # Returned open: the key's value setter copies it and closes it.
        joined = tempfile.SpooledTemporaryFile(get_s3_default_key_buffer_size())  # noqa: SIM115
        md5s = bytearray()
        last = None
        count = 0
        try:
            for number, etag in body:
                part = self.parts.get(number)
                part_etag = part.etag.replace('"', "") if part is not None else None
                if part is None or part_etag != etag.replace('"', ""):
                    raise InvalidPart()
                if last is not None and last.contentsize < S3_UPLOAD_PART_MIN_SIZE:
                    raise EntityTooSmall()
                md5s.extend(binascii.unhexlify(part_etag))
                for chunk in _chunks_of(part):
                    joined.write(chunk)
                    checksum.update(chunk)
                checksum.end_part()
                last = part
                count += 1
        except BaseException:
            joined.close()
            raise
        if count == 0:
            joined.close()
            raise MalformedXML
        etag = f"{hashlib.md5(bytes(md5s), usedforsecurity=False).hexdigest()}-{count}"
        return joined, etag, checksum.build()

    patches.replace(
        FakeMultipart,
        "complete",
        complete,
        reason="multipart uploads are assembled on disk, not in one bytes object",
    )

    value = _property_of(FakeKey, "value")

    def set_value(self: Any, new_value: Any) -> None:
        """moto's setter, which also takes the spooled file of a completed upload."""
        if not hasattr(new_value, "read"):
            value.fset(self, new_value)
            return
        new_value.seek(0)
        self._value_buffer.seek(0)
        self._value_buffer.truncate()
        shutil.copyfileobj(new_value, self._value_buffer, CHUNK_BYTES)
        self.contentsize = self._value_buffer.tell()
        new_value.close()

    patches.replace(
        FakeKey,
        "value",
        property(value.fget, set_value),
        reason="a completed multipart upload's object is copied from its file in chunks",
    )


def _property_of(owner: type, name: str) -> property:
    """The property to keep the getter of; refuses one that has changed kind."""
    attribute = vars(owner).get(name)
    if not isinstance(attribute, property) or attribute.fset is None:
        raise patches.PatchError(
            f"{owner.__qualname__}.{name} is no longer a property with a setter; "
            "glueline's multipart patch needs updating for this moto version"
        )
    return attribute
