"""End-to-end latency of the deployed pipeline: ``PutObject`` until the Parquet is readable.

Runs against the local cloud at ``GLUELINE_PORT`` (default 4566) with the local stage
deployed (``make up``). Uploads the sample CSV several times under one key, each time after
the kit has been idle a while, and splits each round into its steps: the trigger Lambda
starting the run, the run reaching RUNNING, the run finishing, and the Parquet being read
back; then compares the whole with a cold plain ``spark-submit`` of a CSV-to-Parquet of the
same file. Then one round with a generated CSV of about 100 MB (never committed), with the
same comparison for throughput. Prints figures and ratios; asserts nothing.

Usage: ``python benchmarks/pipeline.py [--rounds 3] [--idle 20] [--megabytes 100]``.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow.compute as pc
from baseline import cold_spark_submit, settle
from synthetic_data import write_csv

from glueline.cloud.settings import CloudSettings
from glueline.pipeline_client import PipelineClient, StageOutputs

SAMPLE_CSV = Path("sample_data/us-legislators/legislators-current.csv")
STEPS = ("trigger -> run started", "run STARTING -> RUNNING", "run -> SUCCEEDED", "read back")


def one_round(client: PipelineClient, stage: StageOutputs, path: Path, key: str) -> list[float]:
    source = f"s3://{stage.input_bucket}/{key}"
    marks = [time.monotonic()]
    since = time.time() - 1
    client.s3.upload_file(str(path), stage.input_bucket, key)
    run_id = client.wait_for_run_of(stage.file_processor_job, source, since, 120)
    marks.append(time.monotonic())
    while client.glue.get_job_run(JobName=stage.file_processor_job, RunId=run_id)["JobRun"][
        "JobRunState"
    ] in ("STARTING",):
        time.sleep(0.05)
    marks.append(time.monotonic())
    run = client.wait_for_final_state(stage.file_processor_job, run_id, 1800)
    if run["JobRunState"] != "SUCCEEDED":
        raise SystemExit(f"run {run_id} ended {run['JobRunState']}: {run.get('ErrorMessage')}")
    marks.append(time.monotonic())
    dataset = key.split("/")[0].replace("-", "_")
    table = client.read_parquet(stage.output_bucket, f"{dataset}/")
    if table.filter(pc.equal(table["source_file"], source)).num_rows == 0:
        raise SystemExit(f"no rows for {source} in s3://{stage.output_bucket}/{dataset}/")
    marks.append(time.monotonic())
    return [later - earlier for earlier, later in itertools.pairwise(marks)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds idle before a round")
    parser.add_argument("--megabytes", type=float, default=100)
    args = parser.parse_args()
    settings = CloudSettings.from_environment()
    client = PipelineClient.local(settings)
    stage = client.stage_outputs()
    rounds = []
    for _ in range(args.rounds):
        settle(settings.endpoint_url, args.idle)
        rounds.append(one_round(client, stage, SAMPLE_CSV, "bench-sample/legislators.csv"))
    print(f"sample CSV ({SAMPLE_CSV.stat().st_size / 1000:.0f} kB), {args.rounds} rounds:")
    for index, step in enumerate(STEPS):
        print(f"  {step:<26} median {statistics.median(r[index] for r in rounds):6.1f} s")
    total = statistics.median(sum(r) for r in rounds)
    with tempfile.TemporaryDirectory() as scratch:
        settle(settings.endpoint_url, 0)
        cold = cold_spark_submit(Path(scratch), SAMPLE_CSV.resolve())
    print(f"  {'PutObject -> readable':<26} median {total:6.1f} s")
    print(f"  {'cold plain spark-submit':<26}        {cold:6.1f} s")
    print(f"  {'ratio':<26}        {total / cold:6.2f}x (target <= 0.5x)")
    if args.megabytes > 0:
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "large.csv"
            size = write_csv(path, args.megabytes)
            settle(settings.endpoint_url, args.idle)
            steps = one_round(client, stage, path, "bench-large/large.csv")
            settle(settings.endpoint_url, 0)
            plain = cold_spark_submit(Path(scratch), path)
        megabytes = size / 1e6
        pipeline_rate, plain_rate = megabytes / sum(steps), megabytes / plain
        print(f"{megabytes:.0f} MB CSV:")
        for step, seconds in zip(STEPS, steps, strict=True):
            print(f"  {step:<26}        {seconds:6.1f} s")
        print(
            f"  PutObject -> readable {sum(steps):6.1f} s ({pipeline_rate:.2f} MB/s), "
            f"of which the run {steps[2]:.1f} s"
        )
        print(f"  cold plain spark-submit {plain:6.1f} s ({plain_rate:.2f} MB/s)")
        print(f"  throughput ratio {pipeline_rate / plain_rate:.2f}x (target >= 0.75x)")


if __name__ == "__main__":
    main()
