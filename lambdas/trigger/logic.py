"""Decisions and the Glue call behind the trigger function, importable without Lambda.

S3 delivers object keys URL-encoded (spaces as `+`, UTF-8 percent escapes) and filters
suffixes case-sensitively, so the bucket notification subscribes to `.csv` and `.CSV` and
this module is the authority on what counts as a CSV.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

CSV_SUFFIX = ".csv"
RETRYABLE_GLUE_ERRORS = frozenset({"ConcurrentRunsExceededException", "ThrottlingException"})
START_ATTEMPTS = 3
FIRST_BACKOFF_SECONDS = 1.0
"""Backoff doubles: 1 s + 2 s of sleeping keeps three attempts far inside the 30 s timeout."""

_NOT_A_TABLE_NAME_CHARACTER = re.compile(r"[^a-z0-9_]")


class GlueClient(Protocol):
    def start_job_run(self, *, JobName: str, Arguments: dict[str, str]) -> dict[str, Any]: ...


class DecisionLogger(Protocol):
    def info(self, msg: str, *args: Any, **kwargs: Any) -> None: ...

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None: ...


class GlueBusyError(RuntimeError):
    """Glue kept refusing the run; raised so Lambda's asynchronous retries take over."""


@dataclass(frozen=True)
class TriggerSettings:
    job_name: str
    output_bucket: str
    database_name: str

    @classmethod
    def from_environment(cls, environment: Mapping[str, str]) -> TriggerSettings:
        return cls(
            job_name=environment["GLUE_JOB_NAME"],
            output_bucket=environment["OUTPUT_BUCKET"],
            database_name=environment["GLUE_DATABASE"],
        )


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    size: int | None

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class RecordOutcome:
    object: S3Object
    action: Literal["started", "skipped"]
    reason: str
    dataset: str | None = None
    job_run_id: str | None = None


def objects_in(event: Mapping[str, Any]) -> list[S3Object]:
    """The objects of an S3 notification event, keys decoded the way S3 encoded them."""
    objects = []
    for record in event.get("Records", []):
        s3 = record["s3"]
        size = s3["object"].get("size")
        objects.append(
            S3Object(
                bucket=s3["bucket"]["name"],
                key=unquote_plus(s3["object"]["key"]),
                size=None if size is None else int(size),
            )
        )
    return objects


def dataset_for(key: str) -> str:
    """The catalog table a key feeds: its folder, or at the bucket root its file name.

    Returns "" when nothing usable remains (e.g. a key named `.csv`).
    """
    folder, _, file_name = key.rpartition("/")
    if folder:
        name = folder.rsplit("/", 1)[-1]
    else:
        name = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    return _NOT_A_TABLE_NAME_CHARACTER.sub("_", name.lower())


def skip_reason(obj: S3Object) -> str | None:
    if not obj.key.lower().endswith(CSV_SUFFIX):
        return "not a .csv object"
    if obj.size == 0:
        return "zero-byte object"
    if not dataset_for(obj.key):
        return "no dataset name can be derived from the key"
    return None


def start_file_processor(
    glue: GlueClient,
    settings: TriggerSettings,
    obj: S3Object,
    dataset: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Start one run, retrying only the refusals that clear up by themselves."""
    arguments = {
        "--source_path": obj.uri,
        "--output_bucket": settings.output_bucket,
        "--database_name": settings.database_name,
        "--dataset": dataset,
    }
    backoff = FIRST_BACKOFF_SECONDS
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            response = glue.start_job_run(JobName=settings.job_name, Arguments=arguments)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code not in RETRYABLE_GLUE_ERRORS:
                raise
            if attempt == START_ATTEMPTS:
                raise GlueBusyError(
                    f"{settings.job_name} refused {obj.uri} {START_ATTEMPTS} times: {code}"
                ) from error
            sleep(backoff)
            backoff *= 2
        else:
            return response["JobRunId"]
    raise AssertionError("unreachable: the loop returns or raises")


def handle_event(
    event: Mapping[str, Any],
    glue: GlueClient,
    settings: TriggerSettings,
    logger: DecisionLogger,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> list[RecordOutcome]:
    """Decide and act on every record; a refused run raises after logging its object."""
    outcomes = []
    for obj in objects_in(event):
        reason = skip_reason(obj)
        if reason:
            logger.info("skipped", extra={"bucket": obj.bucket, "key": obj.key, "reason": reason})
            outcomes.append(RecordOutcome(object=obj, action="skipped", reason=reason))
            continue
        dataset = dataset_for(obj.key)
        try:
            run_id = start_file_processor(glue, settings, obj, dataset, sleep=sleep)
        except GlueBusyError as error:
            logger.warning(
                "glue refused the run", extra={"source_path": obj.uri, "error": str(error)}
            )
            raise
        logger.info(
            "started",
            extra={
                "source_path": obj.uri,
                "dataset": dataset,
                "job_name": settings.job_name,
                "job_run_id": run_id,
            },
        )
        outcomes.append(
            RecordOutcome(
                object=obj,
                action="started",
                reason="csv object",
                dataset=dataset,
                job_run_id=run_id,
            )
        )
    return outcomes
