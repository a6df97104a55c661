"""``glueline e2e``: run a deployed stage's pipeline on sample data and check every result.

The same check runs against the local cloud (``make e2e``) and against a stage in AWS (the
delivery pipeline's ``VerifyDev`` step, or by hand). It uploads the legislators CSV under a
fresh check folder of the input bucket, follows the trigger Lambda and the file processor
run, reads the Parquet back and checks rows, metadata columns, the catalog table and its
partition. Then it removes everything the run caused (every object version and delete
marker, the rejected rows, files left in the job's staging area, the catalog table), whether
the checks held or not. The
folder keeps concurrent checks apart from each other and from real data, and it is the only
place a stage's verify role may write.

Against the local cloud it also runs the legislators batch job. Not against AWS: that job
reads and writes fixed locations, which a check must not overwrite in a real stage.

Prints each step with its duration and exits non-zero if any check fails.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
from botocore.exceptions import BotoCoreError, ClientError

from glueline.cloud.glue.bookmarks import NOT_KEPT as BOOKMARKS_NOT_KEPT
from glueline.pipeline_client import (
    FINAL_RUN_STATES,
    PipelineClient,
    PipelineError,
    StageOutputs,
    StageStacks,
)

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data" / "us-legislators"
SAMPLE_CSV = SAMPLE_DIR / "legislators-current.csv"
SAMPLE_PERSONS = SAMPLE_DIR / "persons.json"
EXPECTED_ROWS = 537
KNOWN_LEGISLATORS = frozenset({"Cantwell", "Klobuchar"})
METADATA_COLUMNS = ("processed_at", "source_file", "processing_job")
LEGISLATOR_COLUMNS = ("id", "name", "bio", "terms", "processed_at")
#: Every check folder starts with this; the stage's verify role may write nowhere else.
CHECK_PREFIX = "glueline_e2e_"
#: Where the file processor copies rows that do not parse (``glue_jobs/file_processor.py``).
REJECTED_PREFIX = "_rejected"
#: Under the job's ``--TempDir``: where the file processor stages a run's files per dataset.
STAGING_PREFIX = "file-processor-staging"
#: Runs are matched by their unique source path; the margin only absorbs clock skew.
CLOCK_SKEW_SECONDS = 60.0
CHECK_ERRORS = (PipelineError, ClientError, BotoCoreError)
#: What the legislators job logs when its job bookmark finds no new persons.json.
SKIPPED_SNAPSHOT = "since the last successful run (job bookmark)"


def say(message: str) -> None:
    """Print at once: in CodeBuild, stdout is a pipe and would hold progress back."""
    print(message, flush=True)


def show_progress(message: str) -> None:
    say(f"  {message}")


@dataclass(frozen=True)
class Pace:
    """How long the check waits for each step, and how often it asks.

    The local cloud starts a run within a second and ends it in tens of seconds. AWS Glue 5.1
    takes one to three minutes to start a run and limits the rate of its APIs, so there the
    check waits longer, asks less often and says every minute that it is still waiting.
    """

    trigger_timeout: float
    run_timeout: float
    stop_timeout: float
    poll_interval: float
    heartbeat: float


LOCAL_PACE = Pace(
    trigger_timeout=60.0, run_timeout=600.0, stop_timeout=60.0, poll_interval=0.5, heartbeat=30.0
)
AWS_PACE = Pace(
    trigger_timeout=300.0,
    run_timeout=1800.0,
    stop_timeout=300.0,
    poll_interval=10.0,
    heartbeat=60.0,
)


@dataclass(frozen=True)
class CheckArea:
    """Where one check writes, named once.

    The trigger names the dataset (and so the catalog table) after the key's folder, and the
    file processor writes to ``<dataset>/`` and ``_rejected/<dataset>/`` of the output bucket:
    one unique folder name therefore fixes every place the run writes to.
    """

    name: str

    @classmethod
    def new(cls, now: datetime | None = None) -> CheckArea:
        moment = now or datetime.now(UTC)
        return cls(f"{CHECK_PREFIX}{moment:%Y%m%d_%H%M%S}_{secrets.token_hex(4)}")

    @property
    def input_prefix(self) -> str:
        return f"{self.name}/"

    @property
    def input_key(self) -> str:
        return f"{self.input_prefix}{SAMPLE_CSV.name}"

    @property
    def dataset(self) -> str:
        return self.name

    @property
    def output_prefix(self) -> str:
        return f"{self.dataset}/"

    @property
    def rejected_prefix(self) -> str:
        return f"{REJECTED_PREFIX}/{self.dataset}/"

    def places(self, stage: StageOutputs, temp_dir: str | None) -> list[tuple[str, str]]:
        """Every bucket and prefix a check's run writes to.

        ``temp_dir`` is the job's ``--TempDir``: a run that dies between staging and
        publishing leaves its files there.
        """
        places = [
            (stage.input_bucket, self.input_prefix),
            (stage.output_bucket, self.output_prefix),
            (stage.output_bucket, self.rejected_prefix),
        ]
        if temp_dir:
            bucket, _, prefix = temp_dir.removeprefix("s3://").partition("/")
            staging = f"{prefix.rstrip('/')}/" if prefix.strip("/") else ""
            places.append((bucket, f"{staging}{STAGING_PREFIX}/{self.dataset}/"))
        return places


@dataclass
class Report:
    """Steps with their durations, and the checks that held or failed."""

    steps: list[tuple[str, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    say: Callable[[str], None] = say

    def timed(self, name: str) -> _Step:
        return _Step(self, name)

    def check(self, condition: bool, description: str) -> None:
        self.say(f"  {'ok  ' if condition else 'FAIL'} {description}")
        if not condition:
            self.failures.append(description)

    def fail(self, description: str) -> None:
        self.check(False, description)

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


def run_file_flow(
    client: PipelineClient,
    stage: StageOutputs,
    area: CheckArea,
    pace: Pace,
    report: Report,
) -> None:
    """Upload the sample under ``area``, follow its run and check what it produced."""
    job = stage.file_processor_job
    source_path = f"s3://{stage.input_bucket}/{area.input_key}"
    with report.timed("upload the sample CSV"):
        uploaded_at = time.time()
        client.s3.put_object(
            Bucket=stage.input_bucket, Key=area.input_key, Body=SAMPLE_CSV.read_bytes()
        )
        client.progress(f"uploaded {source_path}")
    with report.timed("trigger Lambda starts the file processor"):
        run_id = client.wait_for_run_of(
            job,
            source_path,
            uploaded_at - CLOCK_SKEW_SECONDS,
            pace.trigger_timeout,
            interval=pace.poll_interval,
            heartbeat=pace.heartbeat,
        )
    with report.timed("file processor run"):
        run = client.wait_for_final_state(
            job,
            run_id,
            pace.run_timeout,
            interval=pace.poll_interval,
            heartbeat=pace.heartbeat,
        )
    report.check(
        run["JobRunState"] == "SUCCEEDED",
        f"file processor run {run['JobRunState']} {run.get('ErrorMessage', '')}".strip(),
    )
    if run["JobRunState"] != "SUCCEEDED":
        return
    with report.timed("read the Parquet back"):
        table = client.read_parquet(stage.output_bucket, area.output_prefix)
    if "source_file" not in table.column_names:
        report.fail(f"no source_file column in s3://{stage.output_bucket}/{area.output_prefix}")
        return
    rows = table.filter(pc.equal(table["source_file"], source_path))
    report.check(
        rows.num_rows == EXPECTED_ROWS,
        f"{rows.num_rows} rows for {area.input_key} (want {EXPECTED_ROWS})",
    )
    for column in METADATA_COLUMNS:
        filled = column in rows.column_names and rows[column].null_count == 0
        report.check(filled, f"column {column} present and filled in every row")
    if "processing_job" in rows.column_names:
        labels = set(pc.unique(rows["processing_job"]).to_pylist())
        # A duplicate S3 event can start a second run for the same key; either may write last.
        runs = {f"{job}:{other['Id']}" for other in client.runs_for(job, source_path)}
        report.check(
            len(labels) == 1 and labels <= runs,
            f"processing_job names the run ({', '.join(map(str, sorted(labels, key=str)))})",
        )
    if "last_name" in rows.column_names:
        names = set(pc.unique(rows["last_name"]).to_pylist())
        report.check(names >= KNOWN_LEGISLATORS, "known legislators present")
    check_catalog(client, stage, area, report)
    original = client.s3.head_object(Bucket=stage.input_bucket, Key=area.input_key)
    report.check(original["ContentLength"] == SAMPLE_CSV.stat().st_size, "input left in place")


def check_catalog(
    client: PipelineClient, stage: StageOutputs, area: CheckArea, report: Report
) -> None:
    """The run's table has the CSV's and the metadata columns, and one partition: the upload's."""
    dataset_location = f"s3://{stage.output_bucket}/{area.output_prefix}"
    table = client.glue.get_table(DatabaseName=stage.database, Name=area.dataset)["Table"]
    columns = [column["Name"] for column in table["StorageDescriptor"]["Columns"]]
    report.check(
        all(column in columns for column in (*METADATA_COLUMNS, "last_name", "bioguide_id"))
        and table["StorageDescriptor"]["Location"] == dataset_location,
        f"catalog table {stage.database}.{area.dataset}: {len(columns)} columns at "
        f"{table['StorageDescriptor']['Location']}",
    )
    partitions = client.glue.get_partitions(DatabaseName=stage.database, TableName=area.dataset)
    locations = [p["StorageDescriptor"]["Location"] for p in partitions["Partitions"]]
    report.check(
        len(locations) == 1 and locations[0].startswith(f"{dataset_location}source_id="),
        f"catalog partitions: {', '.join(locations) or 'none'}",
    )


def clean_up(
    client: PipelineClient,
    stage: StageOutputs,
    area: CheckArea,
    places: list[tuple[str, str]],
    pace: Pace,
    report: Report,
) -> None:
    """Remove what the check caused, then confirm that nothing of it remains.

    Runs for the check's upload that are still going (the check gave up on one, or a
    duplicate S3 event started another) are stopped first, so that none writes after the
    cleanup. Each removal is tried even when another fails, and a failure is reported with
    the place it concerns, so whatever is left can be found and removed.
    """
    job = stage.file_processor_job
    source_path = f"s3://{stage.input_bucket}/{area.input_key}"

    def stop_runs() -> None:
        for run in client.runs_for(job, source_path):
            if run["JobRunState"] not in FINAL_RUN_STATES:
                _stop(client, job, run["Id"], pace)

    _attempt(report, f"stop the runs for {source_path}", stop_runs)
    for bucket, prefix in places:
        _attempt(
            report,
            f"remove s3://{bucket}/{prefix}",
            lambda bucket=bucket, prefix=prefix: _remove(client, bucket, prefix),
        )
    table = f"{stage.database}.{area.dataset}"
    _attempt(
        report,
        f"remove table {table}",
        lambda: client.remove_table(stage.database, area.dataset),
    )

    def leftovers() -> None:
        left = [f"s3://{b}/{p}" for b, p in places if client.object_versions(b, p)]
        if _table_exists(client, stage.database, area.dataset):
            left.append(f"table {table}")
        report.check(
            not left,
            f"left behind: {', '.join(left)}" if left else "nothing the check wrote remains",
        )

    _attempt(report, "list what remains of the check", leftovers)


def _stop(client: PipelineClient, job: str, run_id: str, pace: Pace) -> None:
    client.progress(f"stopping {job} run {run_id[:12]}")
    client.glue.batch_stop_job_run(JobName=job, JobRunIds=[run_id])
    client.wait_for_final_state(
        job, run_id, pace.stop_timeout, interval=pace.poll_interval, heartbeat=pace.heartbeat
    )


def _remove(client: PipelineClient, bucket: str, prefix: str) -> None:
    removed = client.remove_prefix(bucket, prefix)
    client.progress(
        f"removed {removed} object version(s) and delete marker(s) under s3://{bucket}/{prefix}"
    )


def _table_exists(client: PipelineClient, database: str, table: str) -> bool:
    try:
        client.glue.get_table(DatabaseName=database, Name=table)
    except client.glue.exceptions.EntityNotFoundException:
        return False
    return True


def _attempt(report: Report, what: str, action: Callable[[], object]) -> None:
    try:
        action()
    except CHECK_ERRORS as error:
        report.fail(f"could not {what}: {error}")


def run_legislators_flow(
    client: PipelineClient, stage: StageOutputs, pace: Pace, report: Report
) -> None:
    """Run the batch job on its fixed locations (local targets only) and check its output."""
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
        run = _run_to_end(client, stage.legislators_job, pace)
    report.check(
        run["JobRunState"] == "SUCCEEDED",
        f"legislators run {run['JobRunState']} {run.get('ErrorMessage', '')}".strip(),
    )
    if run["JobRunState"] != "SUCCEEDED":
        return
    output_bucket, _, output_prefix = output_location.removeprefix("s3://").partition("/")
    with report.timed("read the legislators Parquet back"):
        table = client.read_parquet(output_bucket, output_prefix)
    report.check(
        table.num_rows == EXPECTED_ROWS, f"{table.num_rows} legislators (want {EXPECTED_ROWS})"
    )
    report.check(
        set(LEGISLATOR_COLUMNS) <= set(table.column_names),
        f"columns {', '.join(LEGISLATOR_COLUMNS)} present",
    )
    table_def = client.glue.get_table(DatabaseName=stage.database, Name=table_name)["Table"]
    report.check(
        table_def["StorageDescriptor"]["Location"].rstrip("/") == output_location.rstrip("/"),
        f"catalog table {stage.database}.{table_name} points at {output_location}",
    )
    check_unchanged_snapshot_is_skipped(client, stage, pace, report, output_location)


def check_unchanged_snapshot_is_skipped(
    client: PipelineClient,
    stage: StageOutputs,
    pace: Pace,
    report: Report,
    output_location: str,
) -> None:
    """Run the batch job again with no new ``persons.json``: its job bookmark makes it leave
    the output as it is (the stacks enable bookmarks on it)."""
    output_bucket, _, output_prefix = output_location.removeprefix("s3://").partition("/")
    before = client.object_versions(output_bucket, output_prefix)
    with report.timed("legislators job run, no new snapshot"):
        run = _run_to_end(client, stage.legislators_job, pace)
    report.check(
        run["JobRunState"] == "SUCCEEDED",
        f"second legislators run {run['JobRunState']} {run.get('ErrorMessage', '')}".strip(),
    )
    if run["JobRunState"] != "SUCCEEDED":
        return
    if BOOKMARKS_NOT_KEPT in client.run_log(run["Id"], "error"):
        client.progress(f"not checked: {BOOKMARKS_NOT_KEPT}")
        return
    report.check(
        any(SKIPPED_SNAPSHOT in line for line in client.run_log(run["Id"], "output").splitlines()),
        "job bookmark: the second run found no new persons.json",
    )
    report.check(
        client.object_versions(output_bucket, output_prefix) == before,
        "job bookmark: the second run left the Parquet snapshot as it was",
    )
    bookmark = client.glue.get_job_bookmark(JobName=stage.legislators_job)["JobBookmarkEntry"]
    report.check(
        "persons_snapshot" in json.loads(bookmark["JobBookmark"]),
        f"job bookmark of {stage.legislators_job} holds persons_snapshot (run {bookmark['Run']})",
    )


def _run_to_end(client: PipelineClient, job_name: str, pace: Pace) -> dict[str, Any]:
    run_id = client.glue.start_job_run(JobName=job_name)["JobRunId"]
    return client.wait_for_final_state(
        job_name,
        run_id,
        pace.run_timeout,
        interval=pace.poll_interval,
        heartbeat=pace.heartbeat,
    )


def run(
    client: PipelineClient,
    stacks: StageStacks,
    pace: Pace,
    *,
    include_batch_job: bool,
    keep: bool = False,
) -> int:
    """Check the stage's pipeline; 0 when every check held, 1 otherwise."""
    report = Report()
    area = CheckArea.new()
    try:
        with report.timed("find the deployed stage"):
            stage = client.stage_outputs(stacks)
            client.progress(
                f"stage {stacks.stage} in {client.region}: "
                f"{stacks.infrastructure}, {stacks.application}"
            )
            job = client.glue.get_job(JobName=stage.file_processor_job)["Job"]
            client.progress(
                f"file processor {job['Name']}: Glue {job.get('GlueVersion', '?')}, "
                f"{job.get('WorkerType', '?')} x {job.get('NumberOfWorkers', '?')}"
            )
            places = area.places(stage, job.get("DefaultArguments", {}).get("--TempDir"))
    except CHECK_ERRORS as error:
        report.fail(str(error))
        report.say(report.summary())
        return 1
    client.progress(f"check folder {area.name}, table {stage.database}.{area.dataset}")
    try:
        run_file_flow(client, stage, area, pace, report)
    except CHECK_ERRORS as error:
        report.fail(str(error))
    finally:
        if keep:
            client.progress(f"kept what the check wrote under {area.name}/ (--keep)")
        else:
            with report.timed("remove what the check wrote"):
                clean_up(client, stage, area, places, pace, report)
    if include_batch_job:
        try:
            run_legislators_flow(client, stage, pace, report)
        except CHECK_ERRORS as error:
            report.fail(str(error))
    report.say(report.summary())
    return 0 if not report.failures else 1
