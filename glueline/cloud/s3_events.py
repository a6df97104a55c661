"""S3 event notification records in the shape AWS sends.

moto encodes the object key with ``quote_plus``, which turns ``/`` into ``%2F``; AWS keeps
slashes and encodes the rest (spaces as ``+``, UTF-8 as percent escapes). Handlers that
decode with ``unquote_plus`` get the same key either way, but handlers that split the raw
key on ``/`` would not, so the local cloud sends what AWS sends. The record also carries
the fields AWS includes and moto leaves out.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote_plus

from glueline.cloud.settings import LOCAL_ACCOUNT_ID


def aws_encoded_key(key: str) -> str:
    return quote_plus(key, safe="/")


def install() -> None:
    import moto.s3.notifications as notifications

    build_moto_event = notifications._get_s3_event

    def build_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event = build_moto_event(event_name, bucket, key, notification_id)
        for record in event["Records"]:
            record["s3"]["object"]["key"] = aws_encoded_key(key.name)
            record["s3"]["object"]["sequencer"] = f"{uuid.uuid4().int:020X}"[:18]
            if getattr(key, "version_id", None) not in (None, "null"):
                record["s3"]["object"]["versionId"] = key.version_id
            record["s3"]["bucket"]["ownerIdentity"] = {"principalId": LOCAL_ACCOUNT_ID}
            record["userIdentity"] = {"principalId": LOCAL_ACCOUNT_ID}
            record["requestParameters"] = {"sourceIPAddress": "127.0.0.1"}
            record["responseElements"] = {
                "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                "x-amz-id-2": uuid.uuid4().hex,
            }
        return event

    notifications._get_s3_event = build_event
