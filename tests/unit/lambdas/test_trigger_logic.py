"""The trigger's decisions on recorded S3 events, with Glue faked."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdas.trigger.logic import (
    START_ATTEMPTS,
    GlueBusyError,
    TriggerSettings,
    dataset_for,
    handle_event,
    objects_in,
)

EVENTS = Path(__file__).parent / "events"
SETTINGS = TriggerSettings(
    job_name="glueline-local-file-processor",
    output_bucket="glueline-local-output-000000000000-us-east-1",
    database_name="glueline_local",
)
INPUT_BUCKET = "glueline-local-input-000000000000-us-east-1"


class FakeGlue:
    """Answers start_job_run from a script of outcomes: a run id or an error code."""

    def __init__(self, outcomes: list[str] | None = None) -> None:
        self.outcomes = list(outcomes or [])
        self.calls: list[dict[str, Any]] = []

    def start_job_run(self, *, JobName: str, Arguments: dict[str, str]) -> dict[str, Any]:
        self.calls.append({"JobName": JobName, "Arguments": Arguments})
        outcome = self.outcomes.pop(0) if self.outcomes else f"jr_{len(self.calls)}"
        if outcome.endswith("Exception"):
            raise ClientError({"Error": {"Code": outcome, "Message": outcome}}, "StartJobRun")
        return {"JobRunId": outcome}


class RecordingLogger:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict[str, Any]]] = []

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.lines.append(("INFO", msg, kwargs.get("extra", {})))

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self.lines.append(("WARNING", msg, kwargs.get("extra", {})))


def recorded_event() -> dict[str, Any]:
    return json.loads((EVENTS / "s3_put_mixed.json").read_text(encoding="utf-8"))


def event_for(key: str, size: int = 10) -> dict[str, Any]:
    """The first recorded record, re-pointed at another (already URL-encoded) key."""
    event = recorded_event()
    record = copy.deepcopy(event["Records"][0])
    record["s3"]["object"]["key"] = key
    record["s3"]["object"]["size"] = size
    return {"Records": [record]}


def test_every_record_of_the_recorded_event_starts_a_run_with_decoded_keys() -> None:
    glue = FakeGlue()
    outcomes = handle_event(
        recorded_event(), glue, SETTINGS, RecordingLogger(), sleep=lambda _: None
    )

    assert [outcome.action for outcome in outcomes] == ["started", "started"]
    assert glue.calls == [
        {
            "JobName": "glueline-local-file-processor",
            "Arguments": {
                "--source_path": f"s3://{INPUT_BUCKET}/sales/monthly report/Q3 2026 orders.csv",
                "--output_bucket": SETTINGS.output_bucket,
                "--database_name": "glueline_local",
                "--dataset": "monthly_report",
            },
        },
        {
            "JobName": "glueline-local-file-processor",
            "Arguments": {
                "--source_path": f"s3://{INPUT_BUCKET}/cafés/résumé décembre.CSV",
                "--output_bucket": SETTINGS.output_bucket,
                "--database_name": "glueline_local",
                "--dataset": "caf_s",
            },
        },
    ]
    assert [outcome.job_run_id for outcome in outcomes] == ["jr_1", "jr_2"]


def test_percent_encoded_plus_sign_stays_a_plus() -> None:
    [obj] = objects_in(event_for("a%2Bb/c+d.csv"))
    assert obj.key == "a+b/c d.csv"


@pytest.mark.parametrize(
    ("key", "dataset"),
    [
        ("Orders 2024.csv", "orders_2024"),
        ("customers.CSV", "customers"),
        ("raw/2026/11/Line-Items/part.csv", "line_items"),
        ("résumé.csv", "r_sum_"),
    ],
)
def test_dataset_is_the_last_folder_or_the_root_file_name(key: str, dataset: str) -> None:
    assert dataset_for(key) == dataset


def test_root_level_key_uses_the_file_name_as_dataset() -> None:
    glue = FakeGlue()
    handle_event(event_for("Orders+2024.csv"), glue, SETTINGS, RecordingLogger())
    assert glue.calls[0]["Arguments"]["--dataset"] == "orders_2024"
    assert glue.calls[0]["Arguments"]["--source_path"] == f"s3://{INPUT_BUCKET}/Orders 2024.csv"


@pytest.mark.parametrize(
    ("key", "size", "reason"),
    [
        ("notes/readme.txt", 10, "not a .csv object"),
        ("exports/data.csv.gz", 10, "not a .csv object"),
        ("sales/empty.csv", 0, "zero-byte object"),
        (".csv", 10, "no dataset name can be derived from the key"),
    ],
)
def test_skipped_objects_never_reach_glue_and_are_logged(key: str, size: int, reason: str) -> None:
    glue = FakeGlue()
    logger = RecordingLogger()

    [outcome] = handle_event(event_for(key, size), glue, SETTINGS, logger)

    assert (outcome.action, outcome.reason) == ("skipped", reason)
    assert glue.calls == []
    assert logger.lines == [
        ("INFO", "skipped", {"bucket": INPUT_BUCKET, "key": key, "reason": reason})
    ]


def test_throttling_is_retried_with_backoff_then_succeeds() -> None:
    glue = FakeGlue(["ThrottlingException", "ConcurrentRunsExceededException", "jr_ok"])
    sleeps: list[float] = []

    [outcome] = handle_event(
        event_for("sales/a.csv"), glue, SETTINGS, RecordingLogger(), sleep=sleeps.append
    )

    assert outcome.job_run_id == "jr_ok"
    assert sleeps == [1.0, 2.0]


def test_concurrent_runs_exceeded_raises_after_retries_so_lambda_retries_the_event() -> None:
    glue = FakeGlue(["ConcurrentRunsExceededException"] * START_ATTEMPTS)
    logger = RecordingLogger()
    sleeps: list[float] = []

    with pytest.raises(GlueBusyError, match="ConcurrentRunsExceededException"):
        handle_event(event_for("sales/a.csv"), glue, SETTINGS, logger, sleep=sleeps.append)

    assert len(glue.calls) == START_ATTEMPTS
    assert sum(sleeps) < 30
    level, message, extra = logger.lines[-1]
    assert (level, message) == ("WARNING", "glue refused the run")
    assert extra["source_path"] == f"s3://{INPUT_BUCKET}/sales/a.csv"


def test_other_glue_errors_are_not_retried() -> None:
    glue = FakeGlue(["EntityNotFoundException"])
    with pytest.raises(ClientError, match="EntityNotFoundException"):
        handle_event(
            event_for("sales/a.csv"), glue, SETTINGS, RecordingLogger(), sleep=lambda _: None
        )
    assert len(glue.calls) == 1


def test_record_without_size_is_processed() -> None:
    event = event_for("sales/a.csv")
    del event["Records"][0]["s3"]["object"]["size"]
    [outcome] = handle_event(event, FakeGlue(), SETTINGS, RecordingLogger())
    assert outcome.action == "started"
