"""The compose setup and the Glue runtime's argv builder describe the same containers.

glueline's Glue service starts each job run with ``docker run`` (launcher.docker_command via
glueline.docker_backend.service.job_command); docker-compose.yml declares the image, the
network and the LocalStack service those runs depend on. These tests fail when one side
changes alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from glueline.cloud.glue import launcher
from glueline.cloud.glue.launcher import LaunchSpec
from glueline.docker_backend.endpoints import DEFAULT_STATE_DIR
from glueline.docker_backend.service import job_command

REPO = Path(__file__).resolve().parents[3]
STATE = Path(DEFAULT_STATE_DIR)
CODE_DIR = STATE / "work" / "glue" / "jr_7" / "code"


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def spec() -> LaunchSpec:
    return LaunchSpec(
        job_name="glueline-local-file-processor",
        run_id="jr_7",
        code_dir=CODE_DIR,
        script_name="file_processor.py",
        script_arguments=("--input_key", "in/a.csv", "--JOB_NAME", "x", "--JOB_RUN_ID", "jr_7"),
        py_file_names=("helpers.py",),
    )


def option(command: list[str], name: str) -> list[str]:
    return [command[i + 1] for i, part in enumerate(command) if part == name]


def test_the_job_command_is_exactly_what_glueline_issues() -> None:
    endpoint = "http://localstack:4566"

    assert job_command(spec()) == [
        "docker", "run", "--rm",
        "--name", "glueline-jr_7",
        "--network", "glueline",
        "--volume", f"{CODE_DIR}:/home/hadoop/workspace/jr_7:ro",
        "--env", f"AWS_ENDPOINT_URL={endpoint}",
        "--env", "AWS_ACCESS_KEY_ID=test",
        "--env", "AWS_SECRET_ACCESS_KEY=test",
        "--env", "AWS_REGION=us-east-1",
        "--env", "AWS_DEFAULT_REGION=us-east-1",
        "--env", "AWS_ENDPOINT_URL_GLUE=http://glueline:4567",
        "public.ecr.aws/glue/aws-glue-libs:5",
        "spark-submit",
        "--master", "local[2]",
        "--driver-memory", "1g",
        "--name", "glueline-local-file-processor-jr_7",
        "--conf", "spark.hadoop.fs.s3.impl=org.apache.hadoop.fs.s3a.S3AFileSystem",
        "--conf", "spark.hadoop.fs.s3a.impl=org.apache.hadoop.fs.s3a.S3AFileSystem",
        "--conf", f"spark.hadoop.fs.s3a.endpoint={endpoint}",
        "--conf", "spark.hadoop.fs.s3a.endpoint.region=us-east-1",
        "--conf", "spark.hadoop.fs.s3a.path.style.access=true",
        "--conf", "spark.hadoop.fs.s3a.connection.ssl.enabled=false",
        "--conf", "spark.hadoop.fs.s3a.aws.credentials.provider="
        "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "--conf", "spark.hadoop.fs.s3a.access.key=test",
        "--conf", "spark.hadoop.fs.s3a.secret.key=test",
        "--conf", "spark.hadoop.fs.s3a.bucket.probe=0",
        "--conf", "spark.hadoop.fs.s3a.change.detection.mode=none",
        "--conf", "spark.ui.enabled=false",
        "--py-files", "/home/hadoop/workspace/jr_7/helpers.py",
        "/home/hadoop/workspace/jr_7/file_processor.py",
        "--input_key", "in/a.csv",
        "--JOB_NAME", "x",
        "--JOB_RUN_ID", "jr_7",
    ]  # fmt: skip


def test_runs_use_the_image_that_compose_pins() -> None:
    image = compose()["services"]["glue-libs"]["image"]
    command = job_command(spec())

    assert image == launcher.GLUE_LIBS_IMAGE
    assert command[command.index("spark-submit") - 1] == image


def test_runs_join_the_network_compose_creates() -> None:
    network_name = compose()["networks"]["glueline"]["name"]

    assert option(job_command(spec()), "--network") == [network_name]


def test_runs_reach_s3_at_the_localstack_service_of_the_compose_file() -> None:
    services = compose()["services"]
    container_port = services["localstack"]["ports"][0].rsplit(":", 1)[1]
    localstack_in_network = f"http://localstack:{container_port}"
    command = job_command(spec())

    assert "localstack" in services
    assert f"spark.hadoop.fs.s3a.endpoint={localstack_in_network}" in option(command, "--conf")
    assert f"AWS_ENDPOINT_URL={localstack_in_network}" in option(command, "--env")


def test_runs_reach_glue_at_the_glueline_service_of_the_compose_file() -> None:
    services = compose()["services"]
    container_port = services["glueline"]["ports"][0].rsplit(":", 1)[1]

    assert f"AWS_ENDPOINT_URL_GLUE=http://glueline:{container_port}" in option(
        job_command(spec()), "--env"
    )


def test_the_manual_glue_libs_service_has_the_environment_of_a_run() -> None:
    declared = compose()["services"]["glue-libs"]["environment"]
    run_env = dict(pair.split("=", 1) for pair in option(job_command(spec()), "--env"))

    assert declared == run_env


def test_run_code_is_mounted_from_the_state_directory_compose_shares_with_the_host() -> None:
    glueline = compose()["services"]["glueline"]
    shared = glueline["environment"]["GLUELINE_STATE_DIR"]
    (volume,) = option(job_command(spec()), "--volume")
    source = volume.split(":", 1)[0]

    assert shared == f"${{GLUELINE_DOCKER_STATE_DIR:-{STATE}}}"
    assert Path(source).is_relative_to(STATE)
    assert volume.endswith(":ro")
