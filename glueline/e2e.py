"""``glueline e2e``: run the deployed pipeline on the sample data and check every result.

Uploads the legislators CSV to the input bucket, follows the trigger Lambda and the file
processor run, reads the Parquet back and checks rows, metadata columns and the catalog
table; then runs the legislators batch job the same way. Prints a summary with the time of
each step and exits non-zero if any check fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.compute as pc

from glueline.cloud.settings import CloudSettings
from glueline.pipeline_client import PipelineClient, PipelineError, StageOutputs

SAMPLE_DIR = Path("sample_data") / "us-legislators"
SAMPLE_CSV = SAMPLE_DIR / "legislators-current.csv"
SAMPLE_PERSONS = SAMPLE_DIR / "persons.json"
EXPECTED_ROWS = 537
CSV_KEY = "us-legislators/legislators-current.csv"
CSV_DATASET = "us_legislators"
METADATA_COLUMNS = ("processed_at", "source_file", "processing_job")
LEGISLATOR_COLUMNS = ("id", "name", "bio", "terms", "processed_at")
RUN_TIMEOUT_SECONDS = 600.0
TRIGGER_TIMEOUT_SECONDS = 60.0


@dataclass
class Report:
    """Steps with their durations, and the checks that held or failed."""

    steps: list[tuple[str, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    say: Callable[[str], None] = print

    def timed(self, name: str) -> _Step:
        return _Step(self, name)

    def check(self, condition: bool, description: str) -> None:
        self.say(f"  {'ok  ' if condition else 'FAIL'} {description}")
        if not condition:
            self.failures.append(description)

    def summary(self) -> str:
        width = max(len(name) for name, _ in self.steps) if self.steps else 0
        lines = ["", "summary:"]
        lines += [f"  {name.ljust(width)}  {seconds:6.1f} s" for name, seconds in self.steps]
        total = sum(seconds for _, seconds in self.steps)
        lines.append(f"  {'total'.ljust(width)}  {total:6.1f} s")
        verdict = "all checks passed" if not self.failures else f"{len(self.failures)} failed"
        lines.append(f"result: {verdict}")
        return "\n".join(lines)


class _Step:
    def __init__(self, report: Report, name: str) -> None:
        self._report, self._name = report, name

    def __enter__(self) -> None:
        self._report.say(f"> {self._name}")
        self._started = time.monotonic()

    def __exit__(self, *_: object) -> None:
        self._report.steps.append((self._name, time.monotonic() - self._started))


def run_file_flow(client: PipelineClient, stage: StageOutputs, report: Report) -> None:
    source_path = f"s3://{stage.input_bucket}/{CSV_KEY}"
    with report.timed("upload the sample CSV"):
        uploaded_at = time.time()
        client.s3.upload_file(str(SAMPLE_CSV), stage.input_bucket, CSV_KEY)
    with report.timed("trigger Lambda starts the file processor"):
        run_id = client.wait_for_run_of(
            stage.file_processor_job, source_path, uploaded_at - 1, TRIGGER_TIMEOUT_SECONDS
        )
    with report.timed("file processor run"):
        run = client.wait_for_final_state(stage.file_processor_job, run_id, RUN_TIMEOUT_SECONDS)
    report.check(
        run["JobRunState"] == "SUCCEEDED",
        f"file processor run {run['JobRunState']} {run.get('ErrorMessage', '')}".strip(),
    )
    with report.timed("read the Parquet back"):
        table = client.read_parquet(stage.output_bucket, f"{CSV_DATASET}/")
        rows = table.filter(pc.equal(table["source_file"], source_path))
    report.check(rows.num_rows == EXPECTED_ROWS, f"{rows.num_rows} rows for {CSV_KEY} (want 537)")
    for column in METADATA_COLUMNS:
        report.check(column in table.column_names, f"column {column} present")
    report.check(
        set(pc.unique(rows["last_name"]).to_pylist()) >= {"Cantwell", "Klobuchar"},
        "known legislators present",
    )
    table_def = client.glue.get_table(DatabaseName=stage.database, Name=CSV_DATASET)["Table"]
    columns = [c["Name"] for c in table_def["StorageDescriptor"]["Columns"]]
    report.check(
        all(column in columns for column in (*METADATA_COLUMNS, "last_name", "bioguide_id")),
        f"catalog table {stage.database}.{CSV_DATASET} has {len(columns)} columns",
    )
    original = client.s3.head_object(Bucket=stage.input_bucket, Key=CSV_KEY)
    report.check(original["ContentLength"] == SAMPLE_CSV.stat().st_size, "input left in place")


def run_legislators_flow(client: PipelineClient, stage: StageOutputs, report: Report) -> None:
    job = client.glue.get_job(JobName=stage.legislators_job)["Job"]
    input_location = job["DefaultArguments"]["--input_location"]
    output_location = job["DefaultArguments"]["--output_location"]
    table_name = job["DefaultArguments"]["--table_name"]
    input_bucket, _, input_prefix = input_location.removeprefix("s3://").partition("/")
    with report.timed("upload persons.json"):
        client.s3.upload_file(
            str(SAMPLE_PERSONS), input_bucket, f"{input_prefix.rstrip('/')}/persons.json"
        )
    with report.timed("legislators job run"):
        run_id = client.glue.start_job_run(JobName=stage.legislators_job)["JobRunId"]
        run = client.wait_for_final_state(stage.legislators_job, run_id, RUN_TIMEOUT_SECONDS)
    report.check(
        run["JobRunState"] == "SUCCEEDED",
        f"legislators run {run['JobRunState']} {run.get('ErrorMessage', '')}".strip(),
    )
    with report.timed("read the legislators Parquet back"):
        output_bucket, _, output_prefix = output_location.removeprefix("s3://").partition("/")
        table = client.read_parquet(output_bucket, output_prefix)
    report.check(table.num_rows == EXPECTED_ROWS, f"{table.num_rows} legislators (want 537)")
    report.check(
        set(LEGISLATOR_COLUMNS) <= set(table.column_names),
        f"columns {', '.join(LEGISLATOR_COLUMNS)} present",
    )
    table_def = client.glue.get_table(DatabaseName=stage.database, Name=table_name)["Table"]
    report.check(
        table_def["StorageDescriptor"]["Location"].rstrip("/") == output_location.rstrip("/"),
        f"catalog table {stage.database}.{table_name} points at {output_location}",
    )


def run(
    settings: CloudSettings,
    say: Callable[[str], None] = print,
    service_endpoints: Mapping[str, str] | None = None,
) -> int:
    report = Report(say=say)
    client = PipelineClient(
        settings, progress=lambda message: say(f"  {message}"), service_endpoints=service_endpoints
    )
    try:
        with report.timed("find the deployed stage"):
            stage = client.stage_outputs()
        run_file_flow(client, stage, report)
        run_legislators_flow(client, stage, report)
    except PipelineError as error:
        report.failures.append(str(error))
        say(f"  FAIL {error}")
    say(report.summary())
    return 0 if not report.failures else 1
