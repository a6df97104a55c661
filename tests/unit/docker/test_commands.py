"""The Docker backend's commands and environments, without a daemon."""

from __future__ import annotations

from pathlib import Path

import pytest

from glueline.docker_backend import compose, deploy, endpoints
from glueline.docker_backend.__main__ import main
from glueline.docker_backend.errors import DockerBackendError

PROJECT = Path("/src/glueline")


def test_compose_commands_name_the_project_and_the_file() -> None:
    assert compose.up_command(PROJECT) == [
        "docker", "compose", "--project-name", "glueline",
        "--file", "/src/glueline/docker-compose.yml",
        "up", "--detach", "--wait",
    ]  # fmt: skip
    assert compose.down_command(PROJECT)[-2:] == ["down", "--remove-orphans"]


def test_offline_compose_adds_the_offline_overlay_after_the_main_file() -> None:
    command = compose.up_command(PROJECT, offline=True)

    files = [command[i + 1] for i, part in enumerate(command) if part == "--file"]
    assert files == [
        "/src/glueline/docker-compose.yml",
        "/src/glueline/docker/compose.offline.yml",
    ]
    assert command[-3:] == ["up", "--detach", "--wait"]


def test_the_lambda_runtime_init_must_be_configured_and_exist(tmp_path: Path) -> None:
    binary = tmp_path / "init-linux-amd64"
    binary.write_bytes(b"\x7fELF")

    assert compose.lambda_init_binary({compose.LAMBDA_INIT_VARIABLE: str(binary)}) == binary
    with pytest.raises(DockerBackendError, match="GLUELINE_LAMBDA_INIT_BIN is not set"):
        compose.lambda_init_binary({})
    with pytest.raises(DockerBackendError, match=r"missing-init: no such file.*LAMBDA_INIT_BIN="):
        compose.lambda_init_binary({compose.LAMBDA_INIT_VARIABLE: str(tmp_path / "missing-init")})


def test_host_clients_send_glue_to_glueline_and_the_rest_to_localstack() -> None:
    assert endpoints.host_client_environment() == {
        "AWS_ENDPOINT_URL": "http://localhost:4566",
        "AWS_ENDPOINT_URL_GLUE": "http://localhost:4567",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def test_the_env_command_prints_exports_a_shell_can_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["env"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert "export AWS_ENDPOINT_URL_GLUE=http://localhost:4567" in lines
    assert "export AWS_ENDPOINT_URL=http://localhost:4566" in lines


def test_cdklocal_targets_localstack_on_localhost_with_path_style_buckets() -> None:
    inherited = {
        "PATH": "/usr/bin",
        "AWS_ENDPOINT_URL": "http://localhost:4599",
        "AWS_ENDPOINT_URL_S3": "http://localhost:4599",
        "AWS_ENDPOINT_URL_GLUE": "http://localhost:4567",
        "AWS_ACCESS_KEY_ID": "AKIAREALKEY",
    }

    env = deploy.cdklocal_environment(inherited)

    assert env == {
        "PATH": "/usr/bin",
        "AWS_ENDPOINT_URL": "http://localhost:4566",
        "AWS_ENDPOINT_URL_S3": "http://localhost:4566",
        "AWS_S3_FORCE_PATH_STYLE": "1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "CDK_DEFAULT_ACCOUNT": "000000000000",
        "CDK_DEFAULT_REGION": "us-east-1",
    }


def test_cdklocal_bootstraps_then_deploys_the_local_config() -> None:
    assert deploy.cdklocal_commands("cdklocal") == [
        ["cdklocal", "bootstrap", "aws://000000000000/us-east-1"],
        ["cdklocal", "deploy", "--all", "-c", "config=local", "--require-approval", "never"],
    ]
