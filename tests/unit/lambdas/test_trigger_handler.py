"""The Lambda entry point end to end in-process: env vars in, Glue call and JSON logs out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

EVENTS = Path(__file__).parent / "events"


@dataclass
class FakeContext:
    function_name: str = "glueline-local-trigger"
    function_version: str = "$LATEST"
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:000000000000:function:glueline-local-trigger"
    )
    memory_limit_in_mb: int = 256
    aws_request_id: str = "5f1c2a8e-0000-4000-8000-000000000001"
    log_group_name: str = "/aws/lambda/glueline-local-trigger"
    log_stream_name: str = "2026/11/29/[$LATEST]abc"


@pytest.fixture
def handler_module(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("GLUE_JOB_NAME", "glueline-local-file-processor")
    monkeypatch.setenv("OUTPUT_BUCKET", "glueline-local-output-000000000000-us-east-1")
    monkeypatch.setenv("GLUE_DATABASE", "glueline_local")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "glueline-trigger")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    from lambdas.trigger import handler

    return handler


def test_handler_starts_the_job_and_logs_each_decision_as_json(
    handler_module: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    glue = boto3.client("glue", region_name="us-east-1")
    stubber = Stubber(glue)
    for run_id, path, dataset in [
        ("jr_1", "sales/monthly report/Q3 2026 orders.csv", "monthly_report"),
        ("jr_2", "cafés/résumé décembre.CSV", "caf_s"),
    ]:
        stubber.add_response(
            "start_job_run",
            {"JobRunId": run_id},
            {
                "JobName": "glueline-local-file-processor",
                "Arguments": {
                    "--source_path": f"s3://glueline-local-input-000000000000-us-east-1/{path}",
                    "--output_bucket": "glueline-local-output-000000000000-us-east-1",
                    "--database_name": "glueline_local",
                    "--dataset": dataset,
                },
            },
        )
    monkeypatch.setattr(handler_module, "glue_client", lambda: glue)
    event = json.loads((EVENTS / "s3_put_mixed.json").read_text(encoding="utf-8"))

    with stubber:
        result = handler_module.handler(event, FakeContext())

    stubber.assert_no_pending_responses()
    assert [record["job_run_id"] for record in result["records"]] == ["jr_1", "jr_2"]
    formatter = handler_module.logger.registered_formatter
    log_lines = [json.loads(formatter.format(record)) for record in caplog.records]
    started = [line for line in log_lines if line["message"] == "started"]
    assert [line["dataset"] for line in started] == ["monthly_report", "caf_s"]
    assert {line["function_request_id"] for line in started} == {FakeContext.aws_request_id}
    assert {line["service"] for line in started} == {"glueline-trigger"}
