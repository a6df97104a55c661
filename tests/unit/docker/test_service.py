"""glueline's Glue service for the Docker setup, without a daemon: which runner and hooks it
hands the app. tests/docker runs the service in its container and proves the runs themselves
(test_the_glue_service_runs_jobs_in_the_glue_libs_image_with_localstacks_s3_logs_and_events).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from glueline.cloud.settings import CloudSettings
from glueline.docker_backend.run_hooks import LocalStackRunHooks
from glueline.docker_backend.service import GLUE_LIBS_RUNTIME, docker_runtime, job_command


def client(service: str) -> Any:
    raise AssertionError(f"no AWS call expected, got one for {service}")


def test_the_docker_runtime_options_pick_the_glue_libs_command_and_localstack_hooks(
    tmp_path: Path,
) -> None:
    hooks = LocalStackRunHooks(client)
    settings = CloudSettings(port=4567, state_dir=tmp_path)

    options = docker_runtime(settings, hooks)

    assert options["glue_runner"]._build_command is job_command
    assert options["glue_hooks_for"](object()) is hooks
    assert options["glue_runner"]._runtime == GLUE_LIBS_RUNTIME


def test_the_glue_libs_runtime_is_glue_5s_spark_and_python() -> None:
    assert (GLUE_LIBS_RUNTIME.spark, GLUE_LIBS_RUNTIME.python) == ("3.5.4", "3.11")
