"""Integration fixtures: one real local cloud per test session, reached over HTTP."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from glueline.cloud.settings import CloudSettings, client_environment
from glueline.pipeline_client import PipelineClient, StageOutputs

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_glueline(settings: CloudSettings, *arguments: str, **kwargs: Any):
    """Run the ``glueline`` CLI against the test cloud."""
    env = {
        **os.environ,
        "GLUELINE_PORT": str(settings.port),
        "GLUELINE_STATE_DIR": str(settings.state_dir),
        **kwargs.pop("env", {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "glueline.cli", *arguments],
        cwd=kwargs.pop("cwd", PROJECT_ROOT),
        env=env,
        capture_output=True,
        text=True,
        **kwargs,
    )


def start_cloud(
    tmp_path_factory: pytest.TempPathFactory, environment: dict[str, str]
) -> CloudSettings:
    """Start a local cloud on a free port with its own state and extra environment."""
    settings = CloudSettings(port=_free_port(), state_dir=tmp_path_factory.mktemp("cloud"))
    started = run_glueline(settings, "up", env=environment)
    assert started.returncode == 0, started.stderr
    return settings


def clients_for(settings: CloudSettings) -> Callable[[str], Any]:
    """boto3 clients for one local cloud: ``clients_for(settings)("s3")``."""
    env = client_environment(settings.endpoint_url)
    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    return lambda service: session.client(service, endpoint_url=settings.endpoint_url)


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudSettings]:
    """A local cloud on a free port with its own state, so a developer's cloud is untouched."""
    settings = start_cloud(tmp_path_factory, {"GLUELINE_LAMBDA_RETRY_DELAYS": "0.2"})
    yield settings
    run_glueline(settings, "down")


@pytest.fixture(scope="module")
def separate_cloud(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[dict[str, str]], Callable[[str], Any]]]:
    """Start another cloud with its own environment (a test aid that must not reach the
    session's cloud); returns its boto3 clients. Stopped when the test module ends."""
    started: list[CloudSettings] = []

    def start(environment: dict[str, str]) -> Callable[[str], Any]:
        started.append(start_cloud(tmp_path_factory, environment))
        return clients_for(started[-1])

    yield start
    for settings in started:
        run_glueline(settings, "down")


@pytest.fixture(scope="session")
def aws(local_cloud: CloudSettings) -> Callable[[str], Any]:
    """boto3 clients for the local cloud: ``aws("s3").list_buckets()``."""
    return clients_for(local_cloud)


@pytest.fixture(scope="session")
def cloud_log(local_cloud: CloudSettings) -> Callable[[], str]:
    return lambda: local_cloud.log_file.read_text(errors="replace")


@pytest.fixture(scope="session")
def glueline_cli(local_cloud: CloudSettings) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``glueline`` subcommands against the session's cloud."""
    return lambda *arguments, **kwargs: run_glueline(local_cloud, *arguments, **kwargs)


@pytest.fixture(scope="session")
def lambda_role(aws: Callable[[str], Any]) -> str:
    """The role of the functions that test how functions run, not what they may do: it may do
    anything (functions act as their role; tests/integration/test_iam_enforcement.py tests
    roles that may not)."""
    iam = aws("iam")
    role = iam.create_role(
        RoleName="glueline-test-lambda-role",
        AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}',
    )
    iam.put_role_policy(
        RoleName="glueline-test-lambda-role",
        PolicyName="anything",
        PolicyDocument='{"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
    )
    return role["Role"]["Arn"]


@pytest.fixture(scope="session")
def create_function(aws: Callable[[str], Any], lambda_role: str) -> Callable[..., str]:
    """Create a function from source files; returns its ARN."""

    def create(name: str, files: dict[str, str], handler: str, **settings: Any) -> str:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            for file_name, source in files.items():
                zipped.writestr(file_name, source)
        settings.setdefault("Runtime", "python3.11")
        response = aws("lambda").create_function(
            FunctionName=name,
            Role=lambda_role,
            Handler=handler,
            Code={"ZipFile": archive.getvalue()},
            **settings,
        )
        return response["FunctionArn"]

    return create


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll ``condition`` until it returns something truthy; fail with a clear message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s: {condition.__doc__ or condition}")


@pytest.fixture(scope="session")
def eventually() -> Callable[..., Any]:
    return wait_for


@pytest.fixture(scope="session")
def deployed_stage(local_cloud: CloudSettings, glueline_cli) -> StageOutputs:
    """The local stage's stacks, deployed into the session's cloud with ``glueline deploy``."""
    deploy = glueline_cli("deploy")
    assert deploy.returncode == 0, (deploy.stdout + deploy.stderr)[-4000:]
    return PipelineClient.local(local_cloud).stage_outputs()


@pytest.fixture(scope="session")
def pipeline(local_cloud: CloudSettings) -> PipelineClient:
    return PipelineClient.local(local_cloud)
