"""The everyday tools pointed at the local cloud: the AWS CLI after ``glueline env``, and
``glueline cdk`` from any project folder."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from glueline.cloud.settings import CloudSettings

pytestmark = pytest.mark.integration


def shell(local_cloud: CloudSettings, script: str, cwd: Path) -> subprocess.CompletedProcess:
    """``script`` in bash after ``eval "$(glueline env)"``, with the kit's tools on PATH."""
    tools = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    environment = {
        **os.environ,
        "PATH": tools,
        "GLUELINE_PORT": str(local_cloud.port),
        "GLUELINE_STATE_DIR": str(local_cloud.state_dir),
    }
    return subprocess.run(
        ["bash", "-c", f'eval "$(glueline env)"\n{script}'],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_aws_cli_reaches_every_service_after_glueline_env(local_cloud, aws, tmp_path):
    """AWS CLI v1 sends SQS to queue.amazonaws.com whatever AWS_ENDPOINT_URL says."""
    name = f"tooling-{uuid.uuid4().hex[:8]}"
    aws("sqs").create_queue(QueueName=name)
    aws("s3").create_bucket(Bucket=name)

    result = shell(
        local_cloud, f"aws sqs list-queues --queue-name-prefix {name}\naws s3 ls", tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert f"{local_cloud.endpoint_url}/000000000000/{name}" in result.stdout
    assert name in result.stdout.splitlines()[-1]


def test_glueline_env_names_the_s3_endpoint_plain_cdklocal_reads(local_cloud, tmp_path):
    result = shell(local_cloud, 'echo "$AWS_ENDPOINT_URL_S3"', tmp_path)
    assert result.stdout.strip() == local_cloud.endpoint_url


def test_glueline_cdk_runs_from_a_project_outside_the_kit(local_cloud, tmp_path):
    assert not (tmp_path / "node_modules").exists()
    result = shell(local_cloud, "glueline cdk --version", tmp_path)
    assert result.returncode == 0, result.stderr
    versions = result.stdout.split()
    assert versions[:1] == ["cdklocal"] and "cdk" in versions, result.stdout
