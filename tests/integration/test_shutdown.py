"""``glueline down`` ends everything the cloud started, and says what it dropped.

A cloud of its own (not the session's), with default retry delays so that a failed event is
waiting for its retry, a Lambda handler that left a process behind, and a Glue run in
progress when ``down`` is called.
"""

from __future__ import annotations

import io
import json
import os
import signal
import textwrap
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest

from glueline.cloud.settings import CloudSettings
from tests.integration.conftest import _free_port, clients_for, run_glueline, wait_for

pytestmark = pytest.mark.integration

HANDLERS = """
import subprocess
import sys


def fails(event, context):
    raise RuntimeError("always fails")


def leaves_a_child(event, context):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    return {"child": child.pid}
"""


def processes_of(state_dir: Path) -> list[str]:
    """Live processes that carry the cloud's tag or name its state directory."""
    tag = f"GLUELINE_CLOUD_STATE_DIR={state_dir}".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
            environ = (proc / "environ").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (tag in environ or str(state_dir).encode() in cmdline):
            found.append(cmdline.decode(errors="replace"))
    return found


@pytest.fixture
def cloud(tmp_path: Path):
    settings = CloudSettings(port=_free_port(), state_dir=tmp_path / "cloud")
    started = run_glueline(settings, "up")
    assert started.returncode == 0, started.stderr
    yield settings
    run_glueline(settings, "down")


def client(settings: CloudSettings, service: str) -> Any:
    return clients_for(settings)(service)


def create_functions(settings: CloudSettings, role_name: str, *handlers: str) -> Any:
    """Functions named after ``handlers`` (``leaves_a_child`` is ``leaves-a-child``)."""
    role = client(settings, "iam").create_role(
        RoleName=role_name, AssumeRolePolicyDocument=json.dumps({"Statement": []})
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handlers.py", HANDLERS)
    lambda_client = client(settings, "lambda")
    for handler in handlers:
        lambda_client.create_function(
            FunctionName=handler.replace("_", "-"),
            Runtime="python3.11",
            Role=role,
            Handler=f"handlers.{handler}",
            Code={"ZipFile": archive.getvalue()},
            Timeout=300,
        )
    return lambda_client


def test_down_ends_every_process_and_logs_the_events_it_drops(cloud: CloudSettings) -> None:
    lambda_client = create_functions(cloud, "shutdown-test", "fails", "leaves_a_child")
    role = client(cloud, "iam").get_role(RoleName="shutdown-test")["Role"]["Arn"]
    marker = f"pending-{uuid.uuid4().hex}"
    lambda_client.invoke(
        FunctionName="fails", InvocationType="Event", Payload=json.dumps({"marker": marker})
    )
    child = json.loads(lambda_client.invoke(FunctionName="leaves-a-child")["Payload"].read())

    s3, glue = client(cloud, "s3"), client(cloud, "glue")
    s3.create_bucket(Bucket="scripts")
    s3.put_object(
        Bucket="scripts",
        Key="sleeps.py",
        Body=b"import time\nprint('up', flush=True)\ntime.sleep(600)\n",
    )
    glue.create_job(
        Name="sleeps",
        Role=role,
        Command={"Name": "glueetl", "ScriptLocation": "s3://scripts/sleeps.py"},
    )
    run_id = glue.start_job_run(JobName="sleeps")["JobRunId"]

    logs = client(cloud, "logs")

    def first_attempt_failed() -> bool:
        """the failing function ran once, so its event waits for a retry"""
        try:
            events = logs.filter_log_events(logGroupName="/aws/lambda/fails")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return False
        return any("always fails" in event["message"] for event in events)

    wait_for(first_attempt_failed, timeout=60)
    wait_for(
        lambda: (
            glue.get_job_run(JobName="sleeps", RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING"
        ),
        timeout=120,
    )
    assert processes_of(cloud.state_dir), "the cloud's processes are there to be ended"
    assert Path(f"/proc/{child['child']}").exists()

    stopped = run_glueline(cloud, "down", timeout=60)

    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.strip() == "glueline local cloud stopped"
    assert processes_of(cloud.state_dir) == []
    log = cloud.log_file.read_text()
    dropped = [line for line in log.splitlines() if "dropped" in line and marker in line]
    assert dropped, textwrap.shorten(log[-3000:], 3000)
    assert "asynchronous event for fails dropped after 1 of 3 attempts" in dropped[0]


def test_down_ends_what_a_killed_cloud_left_behind(cloud: CloudSettings) -> None:
    lambda_client = create_functions(cloud, "crash-test", "leaves_a_child")
    child = json.loads(lambda_client.invoke(FunctionName="leaves-a-child")["Payload"].read())
    os.kill(int(cloud.pid_file.read_text()), signal.SIGKILL)
    wait_for(lambda: run_glueline(cloud, "status").returncode != 0, timeout=30)
    assert Path(f"/proc/{child['child']}").exists(), "the crash left the process running"

    stopped = run_glueline(cloud, "down", timeout=60)

    assert stopped.stdout.strip() == "glueline local cloud was not running"
    assert processes_of(cloud.state_dir) == []
