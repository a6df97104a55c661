"""What the local cloud costs: its cold start, and one S3 put to an executed Lambda.

Starts a fresh cloud on a free port with its own state directory (a running developer
cloud is left alone), measures ``glueline up`` until the endpoint answers, then the time
from ``PutObject`` until a Python function triggered by the bucket's notification has
written its marker object, over several rounds, and how long a function with a one-second
timeout takes to answer "Task timed out". Prints figures; asserts nothing.

Usage: ``python benchmarks/local_cloud.py [--rounds 10]``.
"""

from __future__ import annotations

import argparse
import io
import json
import socket
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import boto3

from glueline.cloud import process
from glueline.cloud.settings import CloudSettings, client_environment

MARKER_FUNCTION = """
import urllib.parse

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        s3.put_object(Bucket=record["s3"]["bucket"]["name"], Key=f"markers/{key}", Body=b"")
"""


SLEEPING_FUNCTION = """
import time


def handler(event, context):
    time.sleep(600)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clients(settings: CloudSettings) -> tuple[object, object, object]:
    env = client_environment(settings.endpoint_url)
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    return tuple(
        session.client(service, endpoint_url=settings.endpoint_url)
        for service in ("s3", "lambda", "iam")
    )


def create_function(settings: CloudSettings, name: str, source: str, timeout: int) -> str:
    _, lambda_client, iam = clients(settings)
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", source)
    return lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": archive.getvalue()},
        Timeout=timeout,
    )["FunctionArn"]


def deploy_marker_function(settings: CloudSettings, bucket: str) -> None:
    s3, _, _ = clients(settings)
    arn = create_function(settings, "bench-marker", MARKER_FUNCTION, timeout=30)
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}},
                }
            ]
        },
    )


def round_trip(settings: CloudSettings, bucket: str, key: str) -> float:
    s3, _, _ = clients(settings)
    started = time.monotonic()
    s3.put_object(Bucket=bucket, Key=key, Body=b"a,b\n1,2\n")
    while True:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"markers/{key}")
        if listed.get("KeyCount"):
            return time.monotonic() - started
        time.sleep(0.01)


def timeout_answer(settings: CloudSettings) -> tuple[float, str]:
    """Seconds until a function with a one-second timeout answers, and its answer."""
    _, lambda_client, _ = clients(settings)
    create_function(settings, "bench-sleeper", SLEEPING_FUNCTION, timeout=1)
    started = time.monotonic()
    response = lambda_client.invoke(FunctionName="bench-sleeper")
    elapsed = time.monotonic() - started
    return elapsed, json.loads(response["Payload"].read()).get("errorMessage", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="glueline-bench-") as state:
        settings = CloudSettings(port=free_port(), state_dir=Path(state))
        started = time.monotonic()
        process.start(settings)
        cold_start = time.monotonic() - started
        try:
            deploy_marker_function(settings, "bench-events")
            latencies = [
                round_trip(settings, "bench-events", f"in/file-{i}.csv") for i in range(args.rounds)
            ]
            timed_out_after, answer = timeout_answer(settings)
        finally:
            process.stop(settings)
    print(f"glueline up, cold start until the endpoint answers: {cold_start:.2f} s")
    print(f"S3 put -> Lambda executed -> marker visible, {args.rounds} rounds:")
    print(f"  first  {latencies[0] * 1000:7.0f} ms (includes unpacking the code)")
    print(f"  median {statistics.median(latencies) * 1000:7.0f} ms")
    print(f"  min    {min(latencies) * 1000:7.0f} ms   max {max(latencies) * 1000:7.0f} ms")
    print(f"a 1 s Lambda timeout answered after {timed_out_after:.2f} s: {answer}")


if __name__ == "__main__":
    main()
