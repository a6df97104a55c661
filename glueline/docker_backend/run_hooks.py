"""A Glue run's S3, CloudWatch Logs and EventBridge in the Docker setup: LocalStack's.

The embedded cloud's run hooks read moto's in-process backends; in the Docker setup the
scripts, the log groups and the event rules live in LocalStack, so glueline's Glue service
reaches them over HTTP like any other client.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from glueline.cloud.settings import LOCAL_ACCESS_KEY_ID, LOCAL_REGION, LOCAL_SECRET_ACCESS_KEY
from glueline.docker_backend.endpoints import LOCALSTACK_ENDPOINT_IN_NETWORK

ClientFactory = Callable[[str], Any]


class LocalStackRunHooks:
    """Fetches run code from LocalStack's S3, writes driver output to its CloudWatch Logs and
    puts state changes on its default EventBridge bus."""

    def __init__(self, client: ClientFactory) -> None:
        self._client = client

    def fetch(self, location: str) -> bytes:
        from glueline.cloud.glue.runs import ObjectNotFound

        s3 = self._client("s3")
        bucket, _, key = location.split("://", 1)[1].partition("/")
        try:
            return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except (s3.exceptions.NoSuchKey, s3.exceptions.NoSuchBucket) as exc:
            raise ObjectNotFound(f"no object {key} in bucket {bucket} ({exc})") from exc

    def write_logs(self, run: Any, stdout: str, stderr: str) -> None:
        from glueline.cloud.glue import logs as glue_logs

        client = self._client("logs")
        now = int(time.time() * 1000)
        for group, text in ((glue_logs.OUTPUT_GROUP, stdout), (glue_logs.ERROR_GROUP, stderr)):
            for create, arguments in (
                (client.create_log_group, {"logGroupName": group}),
                (
                    client.create_log_stream,
                    {"logGroupName": group, "logStreamName": run.job_run_id},
                ),
            ):
                with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                    create(**arguments)
            events = glue_logs.log_events(text, now)
            for start in range(0, len(events), glue_logs.BATCH_SIZE):
                client.put_log_events(
                    logGroupName=group,
                    logStreamName=run.job_run_id,
                    logEvents=events[start : start + glue_logs.BATCH_SIZE],
                )

    def state_changed(self, run: Any) -> None:
        from glueline.cloud.glue.events import state_change_entry

        self._client("events").put_events(Entries=[state_change_entry(run)])


def localstack_clients(endpoint_url: str = LOCALSTACK_ENDPOINT_IN_NETWORK) -> ClientFactory:
    """boto3 clients for LocalStack, one per service, created once."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
        region_name=LOCAL_REGION,
    )
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(service, endpoint_url=endpoint_url)
        return clients[service]

    return client
