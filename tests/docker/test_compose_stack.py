"""The Docker setup end to end, as a user drives it: start the compose stack, create a bucket
in LocalStack, run a tiny Glue script in the AWS Glue libs image against LocalStack's S3, and
read the result back; then the same through glueline's Glue API (CreateJob, StartJobRun).

Needs a Docker daemon, the images (LocalStack 4.14, the Glue libs image, about 5 GB) and a
few minutes; skipped with the reason where no daemon answers. Uses the compose project
``glueline``, so it replaces a Docker setup started with ``make up BACKEND=docker``.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from glueline import docker_backend
from glueline.cloud.glue.launcher import GLUE_LIBS_IMAGE, LaunchSpec

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_SECONDS = 600


def _daemon_unavailable() -> str | None:
    """Why no Docker daemon can be used here, or None when one answers a ping."""
    try:
        import docker

        docker.from_env().ping()
    except Exception as exc:  # any failure means: no usable daemon
        host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        return f"no Docker daemon answered docker.from_env().ping() at {host}: {exc}"
    return None


UNAVAILABLE = _daemon_unavailable()
pytestmark = [
    pytest.mark.docker,
    pytest.mark.skipif(UNAVAILABLE is not None, reason=UNAVAILABLE or ""),
]

SCRIPT = """\
import sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "bucket"])
glue = GlueContext(SparkContext.getOrCreate())
spark = glue.spark_session
frame = spark.createDataFrame([(1, "a"), (2, "b"), (3, "c")], ["id", "letter"])
frame.write.mode("overwrite").json(f"s3://{args['bucket']}/out/")
print("wrote", frame.count(), "rows")
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The compose stack, up and healthy; yields the state directory shared with the host."""
    from testcontainers.compose import DockerCompose

    state_dir = tmp_path_factory.mktemp("glueline-docker-state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COMPOSE_PROJECT_NAME", docker_backend.COMPOSE_PROJECT)
        patch.setenv("GLUELINE_DOCKER_STATE_DIR", str(state_dir))
        compose = DockerCompose(REPO, compose_file_name="docker-compose.yml", build=True, wait=True)
        # Pulled up front so that the first run's timeout does not include a 5 GB download.
        subprocess.run(["docker", "pull", GLUE_LIBS_IMAGE], check=True)
        compose.start()
        try:
            yield state_dir
        finally:
            compose.stop()


def aws(service: str) -> Any:
    env = docker_backend.host_client_environment()
    endpoint = (
        env[docker_backend.GLUE_ENDPOINT_VARIABLE] if service == "glue" else env["AWS_ENDPOINT_URL"]
    )
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def output_rows(bucket: str) -> list[str]:
    s3 = aws("s3")
    keys = [
        item["Key"]
        for item in s3.list_objects_v2(Bucket=bucket, Prefix="out/").get("Contents", [])
        if item["Key"].endswith(".json")
    ]
    rows: list[str] = []
    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        rows.extend(line for line in body.splitlines() if line)
    return sorted(rows)


EXPECTED_ROWS = [
    '{"id":1,"letter":"a"}',
    '{"id":2,"letter":"b"}',
    '{"id":3,"letter":"c"}',
]


def test_both_services_answer_on_the_loopback_ports(stack: Path) -> None:
    assert aws("s3").list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert aws("glue").get_databases()["DatabaseList"] == []


def test_a_script_in_the_glue_libs_image_writes_to_localstacks_s3(stack: Path) -> None:
    bucket = f"glueline-docker-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=bucket)
    run_id = f"jr_{uuid.uuid4().hex}"
    code_dir = stack / "work" / "glue" / run_id / "code"
    code_dir.mkdir(parents=True)
    (code_dir / "tiny.py").write_text(SCRIPT)
    spec = LaunchSpec(
        job_name="tiny",
        run_id=run_id,
        code_dir=code_dir,
        script_name="tiny.py",
        script_arguments=("--bucket", bucket, "--JOB_NAME", "tiny", "--JOB_RUN_ID", run_id),
    )

    finished = subprocess.run(
        docker_backend.job_command(spec),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )

    assert finished.returncode == 0, finished.stderr[-4000:]
    assert "wrote 3 rows" in finished.stdout
    assert output_rows(bucket) == EXPECTED_ROWS


def test_start_job_run_on_gluelines_glue_runs_the_script_from_localstacks_s3(
    stack: Path,
) -> None:
    bucket = f"glueline-docker-{uuid.uuid4().hex[:8]}"
    s3, glue = aws("s3"), aws("glue")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="scripts/tiny.py", Body=SCRIPT.encode())
    glue.create_job(
        Name=f"tiny-{bucket}",
        Role="arn:aws:iam::000000000000:role/glue",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/scripts/tiny.py"},
        DefaultArguments={"--bucket": bucket},
        GlueVersion="5.0",
    )

    run_id = glue.start_job_run(JobName=f"tiny-{bucket}")["JobRunId"]
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while True:
        run = glue.get_job_run(JobName=f"tiny-{bucket}", RunId=run_id)["JobRun"]
        if run["JobRunState"] not in {"STARTING", "RUNNING", "STOPPING"}:
            break
        assert time.monotonic() < deadline, f"run still {run['JobRunState']}"
        time.sleep(2)

    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert output_rows(bucket) == EXPECTED_ROWS
    output = aws("logs").get_log_events(logGroupName="/aws-glue/jobs/output", logStreamName=run_id)
    assert any("wrote 3 rows" in event["message"] for event in output["events"])
