"""S3 event notification records in the shape AWS sends.

moto encodes the object key with ``quote_plus``, which turns ``/`` into ``%2F``; AWS keeps
slashes and encodes the rest (spaces as ``+``, UTF-8 as percent escapes). Handlers that
decode with ``unquote_plus`` get the same key either way, but handlers that split the raw
key on ``/`` would not, so the local cloud sends what AWS sends. The record also carries
the fields AWS includes and moto leaves out.

One object version raises one event: moto announced an object assembled by
``CompleteMultipartUpload`` twice (``ObjectCreated:Put`` while storing it, then
``ObjectCreated:CompleteMultipartUpload``), and boto3 and the AWS CLI upload every file of
8 MB or more that way, so each such upload would have been processed twice.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote_plus

from glueline.cloud import patches
from glueline.cloud.settings import LOCAL_ACCOUNT_ID


def aws_encoded_key(key: str) -> str:
    return quote_plus(key, safe="/")


def install() -> None:
    import moto.s3.notifications as notifications
    from moto.s3.models import S3Backend

    @patches.wrap(S3Backend, "put_object", reason="one event per multipart upload, as AWS")
    def put_object(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("multipart") is not None:
            kwargs["disable_notification"] = True
        return original(self, *args, **kwargs)

    @patches.wrap(notifications, "_get_s3_event", reason="S3 event records in AWS's shape")
    def build_event(
        build_moto_event: Any, event_name: str, bucket: Any, key: Any, notification_id: str
    ) -> dict[str, Any]:
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
