"""The Lambda sandbox's limits, as AWS enforces them: what ends an invocation and how.

A handler that returns is done even if a process it started lives on (that process ends at
the function's timeout); memory beyond ``MemorySize`` ends the invocation with
``Runtime.OutOfMemory``; a runtime that exits without answering reports its exit status.
"""

from __future__ import annotations

import base64
import io
import json
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from glueline.cloud.settings import client_environment

pytestmark = pytest.mark.integration

SANDBOX = """
import os
import subprocess
import sys


def leaves_a_child(event, context):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    return {"child": child.pid}


def outgrows_memory(event, context):
    hog = bytearray(event["megabytes"] * 1024 * 1024)
    for index in range(0, len(hog), 4096):
        hog[index] = 1
    return {"allocated": len(hog)}


def exits(event, context):
    sys.stdout.flush()
    os._exit(event["status"])


def answers(event, context):
    return {"ok": True}
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def sandbox(create_function):
    """Create one function per handler; returns ``name -> function name``."""
    suffix = uuid.uuid4().hex[:8]
    names = {}
    for handler, settings in {
        "leaves_a_child": {"Timeout": 3},
        "outgrows_memory": {"MemorySize": 128, "Timeout": 30},
        "exits": {},
        "answers": {"MemorySize": 128},
    }.items():
        name = f"sandbox-{handler.replace('_', '-')}-{suffix}"
        create_function(name, {"sandbox.py": SANDBOX}, f"sandbox.{handler}", **settings)
        names[handler] = name
    return names


@pytest.fixture(scope="module")
def lambda_client(local_cloud):
    """No client-side retries, and a read timeout far below the child's 600 s: an invocation
    that waited for the process its handler left behind fails here instead of passing late."""
    env = client_environment(local_cloud.endpoint_url)
    return boto3.client(
        "lambda",
        endpoint_url=local_cloud.endpoint_url,
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        config=Config(read_timeout=30, retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def invoke(lambda_client):
    def call(name: str, payload: dict | None = None) -> tuple[str | None, dict]:
        response = lambda_client.invoke(
            FunctionName=name, Payload=json.dumps(payload or {}).encode()
        )
        return response.get("FunctionError"), json.loads(response["Payload"].read())

    return call


def test_a_handler_that_leaves_a_process_running_returns_and_the_process_ends_at_the_timeout(
    sandbox, invoke, eventually
):
    error, payload = invoke(sandbox["leaves_a_child"])

    assert error is None
    child = payload["child"]
    assert alive(child), "the process the handler started still runs after it returned"
    eventually(lambda: not alive(child), timeout=30)


def test_memory_beyond_memory_size_ends_the_invocation(sandbox, invoke, aws):
    error, payload = invoke(sandbox["outgrows_memory"], {"megabytes": 400})

    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.OutOfMemory"
    assert payload["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")

    fine_error, fine = invoke(sandbox["outgrows_memory"], {"megabytes": 8})
    assert fine_error is None and fine == {"allocated": 8 * 1024 * 1024}


def test_a_runtime_that_exits_reports_its_status(sandbox, invoke):
    error, payload = invoke(sandbox["exits"], {"status": 3})

    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")


def test_the_report_line_says_how_much_memory_was_used(sandbox, aws):
    response = aws("lambda").invoke(FunctionName=sandbox["answers"], LogType="Tail")
    log = base64.b64decode(response["LogResult"]).decode()
    report = next(line for line in log.splitlines() if line.startswith("REPORT"))
    used = int(report.split("Max Memory Used: ")[1].split()[0])
    assert "Memory Size: 128 MB" in report
    assert 1 <= used < 128


LAYERED = """
import pathlib
import subprocess

import helper


def handler(event, context):
    return {
        "import": helper.NAME,
        "file": pathlib.Path("/opt/data/greeting.txt").read_text(),
        "tool": subprocess.run(["layer-tool"], capture_output=True, text=True).stdout.strip(),
    }
"""


def zipped(files: dict[str, tuple[str, int]]) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zip_file:
        for name, (text, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            zip_file.writestr(info, text)
    return archive.getvalue()


def test_layers_are_at_opt_in_order_without_touching_the_hosts_opt(aws, create_function):
    """AWS extracts layers into /opt in the order given, later ones over earlier ones."""
    lambda_client = aws("lambda")
    first = lambda_client.publish_layer_version(
        LayerName=f"first-{uuid.uuid4().hex[:8]}",
        Content={"ZipFile": zipped({
            "python/helper.py": ("NAME = 'first'\n", 0o644),
            "data/greeting.txt": ("hello from the first layer", 0o644),
            "bin/layer-tool": ("#!/bin/sh\necho tool from a layer\n", 0o755),
        })},
    )["LayerVersionArn"]  # fmt: skip
    second = lambda_client.publish_layer_version(
        LayerName=f"second-{uuid.uuid4().hex[:8]}",
        Content={"ZipFile": zipped({"python/helper.py": ("NAME = 'second'\n", 0o644)})},
    )["LayerVersionArn"]
    name = f"layered-{uuid.uuid4().hex[:8]}"
    create_function(name, {"main.py": LAYERED}, "main.handler", Layers=[first, second])

    response = lambda_client.invoke(FunctionName=name)

    assert "FunctionError" not in response, response["Payload"].read()
    assert json.loads(response["Payload"].read()) == {
        "import": "second",
        "file": "hello from the first layer",
        "tool": "tool from a layer",
    }
    assert not Path("/opt/data/greeting.txt").exists(), "the host's /opt is untouched"
