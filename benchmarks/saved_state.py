"""What saved state costs: ``glueline up`` with a populated state, and the cloud's memory with
a large object stored.

Starts a fresh cloud on a free port with its own state directory (a running developer cloud
is left alone), fills it (objects, stacks, finished Glue runs), stops it, and measures the
next ``up`` until the endpoint answers and everything is back. Then stores one large object
with a multipart upload and reads the cloud's resident memory before and after: bodies are
files, so the upload should not stay in memory. Prints figures; asserts nothing.

Usage: ``python benchmarks/saved_state.py [--objects 1000] [--stacks 2] [--runs 100]
[--large-mb 500]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import WaiterError

from glueline.cloud import process
from glueline.cloud.persistence import StateStore
from glueline.cloud.settings import CloudSettings, client_environment

BUCKET = "bench-saved-state"
JOB = "bench-saved-state-job"
SCRIPT = "print('a finished run for the saved state')\n"
#: A stack of resources of the services the pipeline's stacks use.
TEMPLATE = {
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Parameter": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Type": "String", "Value": "saved"},
        },
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "glue.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            },
        },
    },
    "Outputs": {"BucketName": {"Value": {"Ref": "Bucket"}, "Export": {"Name": "placeholder"}}},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def client(settings: CloudSettings, service: str) -> Any:
    env = client_environment(settings.endpoint_url)
    return boto3.client(
        service,
        endpoint_url=settings.endpoint_url,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )


def resident_mib(pid: int) -> float:
    """The process's resident set size (``VmRSS``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def populate(settings: CloudSettings, objects: int, stacks: int, runs: int) -> None:
    s3, cloudformation, glue = (client(settings, name) for name in ("s3", "cloudformation", "glue"))
    s3.create_bucket(Bucket=BUCKET)
    for number in range(objects):
        s3.put_object(Bucket=BUCKET, Key=f"objects/{number:05d}.csv", Body=b"a,b\n1,2\n" * 64)
    for number in range(stacks):
        template = json.loads(json.dumps(TEMPLATE))
        template["Outputs"]["BucketName"]["Export"]["Name"] = f"bench-export-{number}"
        template["Resources"]["Parameter"]["Properties"]["Name"] = f"/bench/saved-{number}"
        cloudformation.create_stack(
            StackName=f"bench-stack-{number}", TemplateBody=json.dumps(template)
        )
        waiter = cloudformation.get_waiter("stack_create_complete")
        try:
            waiter.wait(
                StackName=f"bench-stack-{number}", WaiterConfig={"Delay": 1, "MaxAttempts": 120}
            )
        except WaiterError as exc:
            events = cloudformation.describe_stack_events(StackName=f"bench-stack-{number}")
            reasons = [e.get("ResourceStatusReason", "") for e in events["StackEvents"]]
            raise SystemExit(f"bench-stack-{number} failed: {reasons}") from exc
    s3.put_object(Bucket=BUCKET, Key="scripts/job.py", Body=SCRIPT.encode())
    glue.create_job(
        Name=JOB,
        Role="arn:aws:iam::000000000000:role/bench-saved-state",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/scripts/job.py"},
        GlueVersion="5.1",
        ExecutionProperty={"MaxConcurrentRuns": 2},
        JobRunQueuingEnabled=True,
    )
    run_ids = [glue.start_job_run(JobName=JOB)["JobRunId"] for _ in range(runs)]
    while True:
        states = [
            glue.get_job_run(JobName=JOB, RunId=run_id)["JobRun"]["JobRunState"]
            for run_id in run_ids
        ]
        unfinished = [state for state in states if state in ("WAITING", "STARTING", "RUNNING")]
        if not unfinished:
            print(f"  {runs} runs ended: {sorted(set(states))}")
            return
        time.sleep(2)


def counts(settings: CloudSettings) -> tuple[int, int, int]:
    s3, cloudformation, glue = (client(settings, name) for name in ("s3", "cloudformation", "glue"))
    keys = sum(
        page.get("KeyCount", 0)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    )
    stacks = len(
        [
            stack
            for stack in cloudformation.describe_stacks()["Stacks"]
            if stack["StackName"].startswith("bench-stack-")
        ]
    )
    runs = sum(
        len(page["JobRuns"]) for page in glue.get_paginator("get_job_runs").paginate(JobName=JOB)
    )
    return keys, stacks, runs


def large_upload(
    settings: CloudSettings, megabytes: int, scratch: Path
) -> tuple[float, float, float, float, float]:
    """Resident memory before, at the peak of, 3 s after and 33 s after a large upload."""
    pid = process.status(settings).pid
    assert pid is not None
    before = resident_mib(pid)
    path = scratch / "large.bin"
    with path.open("wb") as file:
        chunk = os.urandom(1024 * 1024)
        for _ in range(megabytes):
            file.write(chunk)
    peak = before
    uploading = threading.Event()
    uploading.set()

    def sample() -> None:
        nonlocal peak
        while uploading.is_set():
            peak = max(peak, resident_mib(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    try:
        client(settings, "s3").upload_file(
            str(path),
            BUCKET,
            "large/object.bin",
            Config=TransferConfig(),
        )
    finally:
        seconds = time.monotonic() - started
        uploading.clear()
        sampler.join()
    path.unlink()
    time.sleep(3)
    soon = resident_mib(pid)
    time.sleep(30)
    return before, peak, soon, resident_mib(pid), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--stacks", type=int, default=2)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--large-mb", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="glueline-bench-") as state:
        settings = CloudSettings(port=free_port(), state_dir=Path(state))
        process.start(settings)
        try:
            started = time.monotonic()
            populate(settings, args.objects, args.stacks, args.runs)
            print(f"populated in {time.monotonic() - started:.1f} s")
        finally:
            started = time.monotonic()
            process.stop(settings)
            stopped = time.monotonic() - started
        saved = StateStore(settings.saved_state_dir).stored()
        described = saved.describe() if saved else "nothing"
        print(f"glueline down (final save included): {stopped:.2f} s; saved: {described}")
        started = time.monotonic()
        process.start(settings)
        answered = time.monotonic() - started
        try:
            restored = counts(settings)
            print(f"glueline up with that state, until the endpoint answers: {answered:.2f} s")
            objects, stacks, runs = restored
            print(f"  back after up: {objects} objects, {stacks} stacks, {runs} job runs")
            before, peak, soon, later, seconds = large_upload(settings, args.large_mb, Path(state))
            print(
                f"cloud resident memory: {before:.0f} MiB; uploading a {args.large_mb} MB "
                f"object ({seconds:.1f} s), {peak:.0f} MiB at the peak; stored, {soon:.0f} MiB "
                f"3 s later, {later:.0f} MiB 33 s later"
            )
        finally:
            process.stop(settings)


if __name__ == "__main__":
    main()
