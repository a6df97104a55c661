"""Runs on an existing Spark cluster: ``GLUELINE_SPARK_MASTER`` sends them to a standalone
master and worker started here from the pinned PySpark, with the same S3A settings."""

from __future__ import annotations

import io
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from glueline.cloud.glue.launcher import spark_submit_path
from glueline.cloud.settings import CloudSettings
from tests.integration.conftest import _free_port, clients_for, run_glueline, wait_for

pytestmark = pytest.mark.integration

SCRIPT = b"""
import sys
from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession

args = getResolvedOptions(sys.argv, ["JOB_NAME", "bucket"])
spark = SparkSession.builder.getOrCreate()
print("master", spark.sparkContext.master)
frame = spark.read.csv(f"s3://{args['bucket']}/in/", header=True, inferSchema=True)
frame.repartition(2).write.mode("overwrite").parquet(f"s3://{args['bucket']}/out/")
"""


def _log_says(path: Path, text: str) -> bool:
    return path.exists() and text in path.read_text(errors="replace")


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A standalone master and one worker; yields the master URL and the master's log."""
    folder = tmp_path_factory.mktemp("spark-cluster")
    spark_class = spark_submit_path().with_name("spark-class")
    port = _free_port()
    master_url = f"spark://127.0.0.1:{port}"
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
    master_log, worker_log = folder / "master.log", folder / "worker.log"
    daemons = []
    with master_log.open("wb") as log:
        daemons.append(
            subprocess.Popen(
                [str(spark_class), "org.apache.spark.deploy.master.Master", "--host",
                 "127.0.0.1", "--port", str(port), "--webui-port", str(_free_port())],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )
        )  # fmt: skip
    wait_for(lambda: _log_says(master_log, "I have been elected leader"), timeout=120)
    with worker_log.open("wb") as log:
        daemons.append(
            subprocess.Popen(
                [str(spark_class), "org.apache.spark.deploy.worker.Worker", master_url,
                 "--cores", "1", "--memory", "1g", "--webui-port", str(_free_port()),
                 "--work-dir", str(folder / "work")],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )
        )  # fmt: skip
    wait_for(lambda: _log_says(worker_log, "Successfully registered with master"), timeout=120)
    yield master_url, master_log
    for daemon in daemons:
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.wait()


def test_a_run_goes_to_the_cluster_and_writes_through_s3a(
    spark_cluster: tuple[str, Path], tmp_path: Path
) -> None:
    master_url, master_log = spark_cluster
    cloud = CloudSettings(port=_free_port(), state_dir=tmp_path / "cloud")
    started = run_glueline(cloud, "up", env={"GLUELINE_SPARK_MASTER": master_url})
    assert started.returncode == 0, started.stderr
    try:
        aws = clients_for(cloud)
        s3, glue, logs = aws("s3"), aws("glue"), aws("logs")
        s3.create_bucket(Bucket="cluster-run")
        s3.put_object(Bucket="cluster-run", Key="in/a.csv", Body=b"id,name\n1,ada\n2,grace\n")
        s3.put_object(Bucket="cluster-run", Key="job.py", Body=SCRIPT)
        glue.create_job(
            Name="on-cluster",
            Role="arn:aws:iam::000000000000:role/glue",
            Command={"Name": "glueetl", "ScriptLocation": "s3://cluster-run/job.py"},
            DefaultArguments={"--bucket": "cluster-run"},
        )
        run_id = glue.start_job_run(JobName="on-cluster")["JobRunId"]

        def finished() -> dict | None:
            """the run on the cluster ends"""
            run = glue.get_job_run(JobName="on-cluster", RunId=run_id)["JobRun"]
            return run if run["JobRunState"] in ("SUCCEEDED", "FAILED", "TIMEOUT") else None

        run = wait_for(finished, timeout=300, interval=1)
        assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
        output = [
            event["message"]
            for event in logs.get_log_events(
                logGroupName="/aws-glue/jobs/output", logStreamName=run_id
            )["events"]
        ]
        assert output[0] == (
            f"glueline: started a new Spark driver: runs use the Spark cluster at {master_url}"
        )
        assert f"master {master_url}" in output
        assert _log_says(master_log, "Registering app")
        parts = [
            entry["Key"]
            for entry in s3.list_objects_v2(Bucket="cluster-run", Prefix="out/")["Contents"]
            if entry["Key"].endswith(".parquet")
        ]
        names = []
        for key in parts:
            body = s3.get_object(Bucket="cluster-run", Key=key)["Body"].read()
            names += pq.read_table(io.BytesIO(body)).column("name").to_pylist()
        assert sorted(names) == ["ada", "grace"]
    finally:
        run_glueline(cloud, "down")
