"""The local cloud's state survives ``down`` and ``up``, and a crash (kill -9), over HTTP.

Each test has a cloud of its own on a state directory of its own, stopped and started again
on that same directory, as a person does at night and in the morning.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from glueline.cloud.persistence import StateStore, StoredState
from glueline.cloud.settings import EPHEMERAL_VARIABLE, CloudSettings
from tests.integration.conftest import (
    PROJECT_ROOT,
    _free_port,
    clients_for,
    run_glueline,
    wait_for,
)

pytestmark = pytest.mark.integration

ASSUME_NOBODY = json.dumps({"Version": "2012-10-17", "Statement": []})
STACK_TEMPLATE = json.dumps(
    {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "stack-bucket"}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "stack-queue"}},
            "Parameter": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Name": "/persisted/setting", "Type": "String", "Value": "kept"},
            },
        },
        "Outputs": {
            "QueueUrl": {"Value": {"Ref": "Queue"}, "Export": {"Name": "persisted-queue-url"}}
        },
    }
)
SLEEPING_SCRIPT = b"import time\nprint('up', flush=True)\ntime.sleep(600)\n"


class Cloud:
    """One local cloud's state directory, and the commands a person runs on it."""

    def __init__(self, settings: CloudSettings) -> None:
        self.settings = settings
        self.store = StateStore(settings.saved_state_dir)

    def glueline(self, *arguments: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """Run a command; a developer's own GLUELINE_EPHEMERAL does not reach it."""
        env = {EPHEMERAL_VARIABLE: "", **kwargs.pop("env", {})}
        return run_glueline(self.settings, *arguments, env=env, **kwargs)

    def up(self, *arguments: str) -> None:
        started = self.glueline("up", *arguments, timeout=120)
        assert started.returncode == 0, started.stdout + started.stderr

    def down(self) -> None:
        stopped = self.glueline("down", timeout=60)
        assert stopped.stdout.strip() == "glueline local cloud stopped", stopped.stderr

    def restart(self) -> None:
        self.down()
        self.up()

    def crash(self) -> None:
        """SIGKILL the cloud's process: no last save, no ending of runs."""
        pid = int(self.settings.pid_file.read_text())
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), timeout=30)

    def client(self, service: str) -> Any:
        return clients_for(self.settings)(service)

    def saved(self, what: str, count: int) -> bool:
        """Whether the last snapshot holds ``count`` of ``what`` (buckets, objects...)."""
        stored = self.store.stored()
        return stored is not None and stored.counts.get(what) == count

    def log(self) -> str:
        return self.settings.log_file.read_text(errors="replace")


_NONE = StoredState(0.0, {}, 0)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    """A started cloud on a state directory of its own; stopped (not wiped) at the end."""
    own = Cloud(CloudSettings(port=_free_port(), state_dir=tmp_path / "state"))
    own.up()
    yield own
    own.glueline("down", timeout=60)


def _files_of(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_objects_catalog_roles_messages_and_stacks_survive_down_and_up(cloud: Cloud) -> None:
    body = os.urandom(3 * 1024 * 1024)
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key="raw/big.bin", Body=body, Metadata={"source": "test"})
    s3.put_object(Bucket="data", Key="raw/empty.csv", Body=b"")
    glue = cloud.client("glue")
    glue.create_database(DatabaseInput={"Name": "sales"})
    glue.create_table(
        DatabaseName="sales",
        TableInput={
            "Name": "orders",
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "total", "Type": "double"}],
                "Location": "s3://data/raw/",
            },
            "PartitionKeys": [{"Name": "day", "Type": "string"}],
        },
    )
    iam = cloud.client("iam")
    iam.create_role(RoleName="kept-role", AssumeRolePolicyDocument=ASSUME_NOBODY)
    iam.put_role_policy(
        RoleName="kept-role",
        PolicyName="read-data",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            }
        ),
    )
    sqs = cloud.client("sqs")
    queue_url = sqs.create_queue(QueueName="kept-queue")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody="waiting across the restart")
    cloudformation = cloud.client("cloudformation")
    cloudformation.create_stack(StackName="kept-stack", TemplateBody=STACK_TEMPLATE)
    wait_for(
        lambda: (
            cloudformation.describe_stacks(StackName="kept-stack")["Stacks"][0]["StackStatus"]
            == "CREATE_COMPLETE"
        ),
        timeout=60,
    )
    s3.put_object(Bucket="stack-bucket", Key="in-stack.txt", Body=b"inside the stack's bucket")
    exported = {e["Name"]: e["Value"] for e in cloudformation.list_exports()["Exports"]}

    cloud.restart()

    s3, glue, iam = cloud.client("s3"), cloud.client("glue"), cloud.client("iam")
    sqs, cloudformation = cloud.client("sqs"), cloud.client("cloudformation")
    big = s3.get_object(Bucket="data", Key="raw/big.bin")
    assert big["Body"].read() == body
    assert big["Metadata"] == {"source": "test"}
    ranged = s3.get_object(Bucket="data", Key="raw/big.bin", Range="bytes=1000-1999")
    assert ranged["Body"].read() == body[1000:2000]
    assert s3.get_object(Bucket="data", Key="raw/empty.csv")["Body"].read() == b""
    listed = s3.list_objects_v2(Bucket="data")["Contents"]
    assert sorted((item["Key"], item["Size"]) for item in listed) == [
        ("raw/big.bin", len(body)),
        ("raw/empty.csv", 0),
    ]
    table = glue.get_table(DatabaseName="sales", Name="orders")["Table"]
    assert [column["Name"] for column in table["StorageDescriptor"]["Columns"]] == ["id", "total"]
    assert table["StorageDescriptor"]["Location"] == "s3://data/raw/"
    assert [key["Name"] for key in table["PartitionKeys"]] == ["day"]
    assert iam.get_role(RoleName="kept-role")["Role"]["RoleName"] == "kept-role"
    assert iam.list_role_policies(RoleName="kept-role")["PolicyNames"] == ["read-data"]
    received = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)["Messages"]
    assert [message["Body"] for message in received] == ["waiting across the restart"]
    stack = cloudformation.describe_stacks(StackName="kept-stack")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    resources = cloudformation.describe_stack_resources(StackName="kept-stack")
    assert sorted(r["LogicalResourceId"] for r in resources["StackResources"]) == [
        "Bucket",
        "Parameter",
        "Queue",
    ]
    exports = {e["Name"]: e["Value"] for e in cloudformation.list_exports()["Exports"]}
    assert exports == exported
    assert exports["persisted-queue-url"].endswith("/stack-queue")
    assert sqs.get_queue_url(QueueName="stack-queue")["QueueUrl"].endswith("/stack-queue")
    assert s3.get_object(Bucket="stack-bucket", Key="in-stack.txt")["Body"].read() == (
        b"inside the stack's bucket"
    )
    parameter = cloud.client("ssm").get_parameter(Name="/persisted/setting")["Parameter"]
    assert parameter["Value"] == "kept"


def test_multipart_uploads_survive_finished_and_unfinished(cloud: Cloud) -> None:
    """A file uploaded in parts (boto3 does so above 8 MB), and an upload whose parts
    straddle the restart."""
    part = 5 * 1024 * 1024
    whole = os.urandom(2 * part + 1000)
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="parts")
    s3.upload_fileobj(io.BytesIO(whole), "parts", "uploaded.bin")
    upload_id = s3.create_multipart_upload(Bucket="parts", Key="straddles.bin")["UploadId"]
    first = s3.upload_part(
        Bucket="parts", Key="straddles.bin", UploadId=upload_id, PartNumber=1, Body=whole[:part]
    )

    cloud.restart()

    s3 = cloud.client("s3")
    assert s3.get_object(Bucket="parts", Key="uploaded.bin")["Body"].read() == whole
    second = s3.upload_part(
        Bucket="parts", Key="straddles.bin", UploadId=upload_id, PartNumber=2, Body=whole[part:]
    )
    s3.complete_multipart_upload(
        Bucket="parts",
        Key="straddles.bin",
        UploadId=upload_id,
        MultipartUpload={
            "Parts": [
                {"PartNumber": 1, "ETag": first["ETag"]},
                {"PartNumber": 2, "ETag": second["ETag"]},
            ]
        },
    )
    assert s3.get_object(Bucket="parts", Key="straddles.bin")["Body"].read() == whole


def test_every_version_of_a_versioned_object_survives(cloud: Cloud) -> None:
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="versioned")
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket="versioned", Key="config.json", Body=b'{"v": 1}')["VersionId"]
    new = s3.put_object(Bucket="versioned", Key="config.json", Body=b'{"v": 2}')["VersionId"]

    cloud.restart()

    s3 = cloud.client("s3")
    assert s3.get_object(Bucket="versioned", Key="config.json")["Body"].read() == b'{"v": 2}'
    older = s3.get_object(Bucket="versioned", Key="config.json", VersionId=old)
    assert older["Body"].read() == b'{"v": 1}'
    versions = s3.list_object_versions(Bucket="versioned")["Versions"]
    assert sorted(v["VersionId"] for v in versions) == sorted([old, new])
    status = s3.get_bucket_versioning(Bucket="versioned")["Status"]
    assert status == "Enabled"


def test_a_restored_cloud_keeps_working_and_saving(cloud: Cloud) -> None:
    """After ``up``, the loaded state changes as a fresh one would, and those changes are
    saved too: a second restart keeps the first restart's changes."""
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key="first.txt", Body=b"first")
    cloudformation = cloud.client("cloudformation")
    cloudformation.create_stack(StackName="kept-stack", TemplateBody=STACK_TEMPLATE)
    cloud.restart()

    s3 = cloud.client("s3")
    s3.put_object(Bucket="data", Key="second.txt", Body=b"second")
    s3.delete_object(Bucket="data", Key="first.txt")
    cloudformation = cloud.client("cloudformation")
    cloudformation.delete_stack(StackName="kept-stack")
    wait_for(
        lambda: (
            not [
                stack
                for stack in cloudformation.list_stacks()["StackSummaries"]
                if stack["StackName"] == "kept-stack" and stack["StackStatus"] != "DELETE_COMPLETE"
            ]
        ),
        timeout=60,
    )
    cloud.restart()

    s3 = cloud.client("s3")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="data")["Contents"]]
    assert keys == ["second.txt"]
    assert s3.get_object(Bucket="data", Key="second.txt")["Body"].read() == b"second"
    buckets = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    assert "stack-bucket" not in buckets, "the deleted stack took its bucket with it"
    stored = cloud.store.stored()
    assert stored is not None
    assert (stored.counts["buckets"], stored.counts["objects"], stored.counts["stacks"]) == (
        1,
        1,
        0,
    )
    bodies = list(cloud.store.objects.iterdir())
    assert len(bodies) == 1, "the deleted object's body file went with the next save"
    assert bodies[0].read_bytes() == b"second"


HANDLER = """
import boto3


def copy(event, context):
    s3 = boto3.client("s3")
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        s3.put_object(Bucket="markers", Key="seen/" + key, Body=b"seen")
    return {"copied": len(event["Records"])}


def echo(event, context):
    return {"echo": event}
"""


def _zip(files: dict[str, str]) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, source in files.items():
            zipped.writestr(name, source)
    return archive.getvalue()


def test_functions_and_their_triggers_work_after_up(cloud: Cloud) -> None:
    """The data flow's wiring survives: a function's code, and the bucket notification that
    invokes it on an upload made after the restart."""
    iam = cloud.client("iam")
    role = iam.create_role(RoleName="function-role", AssumeRolePolicyDocument=ASSUME_NOBODY)
    iam.put_role_policy(
        RoleName="function-role",
        PolicyName="anything",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    functions = cloud.client("lambda")
    for handler in ("copy", "echo"):
        functions.create_function(
            FunctionName=handler,
            Runtime="python3.11",
            Role=role["Role"]["Arn"],
            Handler=f"handlers.{handler}",
            Code={"ZipFile": _zip({"handlers.py": HANDLER})},
            Timeout=60,
        )
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="incoming")
    s3.create_bucket(Bucket="markers")
    arn = functions.get_function(FunctionName="copy")["Configuration"]["FunctionArn"]
    s3.put_bucket_notification_configuration(
        Bucket="incoming",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )

    cloud.restart()

    functions = cloud.client("lambda")
    answer = functions.invoke(FunctionName="echo", Payload=json.dumps({"after": "up"}))
    assert json.loads(answer["Payload"].read()) == {"echo": {"after": "up"}}
    s3 = cloud.client("s3")
    s3.put_object(Bucket="incoming", Key="after-up.csv", Body=b"a,b\n1,2\n")

    def marked() -> list[str]:
        """the function wrote seen/<key> for the upload made after up"""
        listed = s3.list_objects_v2(Bucket="markers").get("Contents", [])
        return [entry["Key"] for entry in listed]

    assert wait_for(marked, timeout=120) == ["seen/after-up.csv"]


def test_the_deployed_stage_is_back_after_up_deploys_no_changes_and_runs(cloud: Cloud) -> None:
    """``make up`` after ``make down``: the stacks, their functions and jobs are back, the
    deploy that follows finds nothing to change, and the pipeline runs end to end."""
    first = cloud.glueline("deploy", timeout=900)
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    functions = sorted(
        f["FunctionName"] for f in cloud.client("lambda").list_functions()["Functions"]
    )
    jobs = sorted(cloud.client("glue").list_jobs()["JobNames"])
    assert functions and jobs

    cloud.restart()

    stacks = {
        stack["StackName"]: stack["StackStatus"]
        for stack in cloud.client("cloudformation").describe_stacks()["Stacks"]
    }
    assert stacks["glueline-local-infrastructure"] == "CREATE_COMPLETE"
    assert stacks["glueline-local-application"] == "CREATE_COMPLETE"
    after = sorted(f["FunctionName"] for f in cloud.client("lambda").list_functions()["Functions"])
    assert after == functions
    assert sorted(cloud.client("glue").list_jobs()["JobNames"]) == jobs
    again = cloud.glueline("deploy", timeout=900)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    output = again.stdout + again.stderr
    for stack in ("glueline-local-infrastructure", "glueline-local-application"):
        assert f"{stack} (no changes)" in output, output[-3000:]
    assert "_IN_PROGRESS" not in output, "neither the bootstrap nor a stack changed"
    checked = cloud.glueline("e2e", timeout=900)
    assert checked.returncode == 0, (checked.stdout + checked.stderr)[-3000:]
    assert "result: all checks passed" in checked.stdout


def test_a_crash_after_an_autosave_keeps_what_was_saved(cloud: Cloud) -> None:
    cloud.client("iam").create_role(RoleName="crash-role", AssumeRolePolicyDocument=ASSUME_NOBODY)
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="uploads")
    s3.put_object(Bucket="uploads", Key="before-the-crash.json", Body=b'{"saved": true}')
    # A save that holds the object holds what was made before it.
    wait_for(lambda: cloud.saved("objects", 1), timeout=30)

    cloud.crash()
    cloud.up()

    s3 = cloud.client("s3")
    restored = s3.get_object(Bucket="uploads", Key="before-the-crash.json")["Body"].read()
    assert restored == b'{"saved": true}'
    assert cloud.client("iam").get_role(RoleName="crash-role")["Role"]["RoleName"] == "crash-role"
    assert "loaded the saved state: 1 buckets, 1 objects" in cloud.log()


def _body_of(number: int) -> bytes:
    return (f"object {number}\n".encode()) * 20_000


def test_a_crash_in_the_middle_of_uploads_leaves_a_state_that_loads(cloud: Cloud) -> None:
    """kill -9 while objects keep arriving (and snapshots keep being written): the next
    ``up`` loads a whole snapshot, and every object it lists has its whole body."""
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="busy")
    uploaded: list[int] = []
    stop = threading.Event()

    def upload() -> None:
        number = 0
        while not stop.is_set():
            try:
                s3.put_object(Bucket="busy", Key=f"{number:05d}", Body=_body_of(number))
            except Exception:
                return
            uploaded.append(number)
            number += 1

    uploader = threading.Thread(target=upload)
    uploader.start()
    try:
        wait_for(lambda: (cloud.store.stored() or _NONE).counts.get("objects", 0) >= 20, 60)
        saved_before = cloud.store.stored()
        cloud.crash()
    finally:
        stop.set()
        uploader.join(timeout=60)
    assert saved_before is not None

    cloud.up()

    s3 = cloud.client("s3")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="busy", MaxKeys=1000)["Contents"]]
    assert len(keys) >= saved_before.counts["objects"]
    assert len(keys) <= len(uploaded) + 1
    for key in keys:
        assert s3.get_object(Bucket="busy", Key=key)["Body"].read() == _body_of(int(key)), key
    assert [int(key) for key in keys] == list(range(len(keys))), "no gap: saved in order"


def _start_sleeping_run(cloud: Cloud) -> str:
    """The id of a Glue run that stays RUNNING."""
    role = cloud.client("iam").create_role(
        RoleName="glue-runner", AssumeRolePolicyDocument=ASSUME_NOBODY
    )["Role"]["Arn"]
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="scripts")
    s3.put_object(Bucket="scripts", Key="sleeps.py", Body=SLEEPING_SCRIPT)
    glue = cloud.client("glue")
    glue.create_job(
        Name="sleeps",
        Role=role,
        Command={"Name": "glueetl", "ScriptLocation": "s3://scripts/sleeps.py"},
    )
    run_id = glue.start_job_run(JobName="sleeps")["JobRunId"]
    wait_for(
        lambda: (
            glue.get_job_run(JobName="sleeps", RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING"
        ),
        timeout=180,
    )
    return run_id


def test_a_run_in_flight_at_a_crash_is_failed_after_the_next_up(cloud: Cloud) -> None:
    run_id = _start_sleeping_run(cloud)
    # A save that holds this bucket began after the run was seen RUNNING.
    cloud.client("s3").create_bucket(Bucket="saved-while-running")
    wait_for(lambda: cloud.saved("buckets", 2), timeout=30)

    cloud.crash()
    cloud.up()

    run = cloud.client("glue").get_job_run(JobName="sleeps", RunId=run_id)["JobRun"]
    assert run["JobRunState"] == "FAILED"
    assert "local cloud stopped during the run" in run["ErrorMessage"]
    assert "CompletedOn" in run
    assert f"job run {run_id} of sleeps ended FAILED" in cloud.log()
    runs = cloud.client("glue").get_job_runs(JobName="sleeps")["JobRuns"]
    assert [(r["Id"], r["JobRunState"]) for r in runs] == [(run_id, "FAILED")]


def test_a_run_in_flight_at_down_is_failed_and_stays_so(cloud: Cloud) -> None:
    run_id = _start_sleeping_run(cloud)

    cloud.restart()

    run = cloud.client("glue").get_job_run(JobName="sleeps", RunId=run_id)["JobRun"]
    assert run["JobRunState"] == "FAILED"
    assert "local cloud stopped during the run" in run["ErrorMessage"]


def test_ephemeral_starts_empty_and_saves_nothing(cloud: Cloud) -> None:
    cloud.client("s3").create_bucket(Bucket="saved-bucket")
    cloud.down()
    snapshot = _files_of(cloud.store.directory)
    assert "backends.pickle" in snapshot

    started = cloud.glueline("up", "--ephemeral", timeout=120)
    assert started.returncode == 0, started.stderr
    assert "in memory only" in started.stdout
    assert cloud.client("s3").list_buckets()["Buckets"] == []
    cloud.client("s3").create_bucket(Bucket="forgotten-bucket")
    status = cloud.glueline("status")
    assert "this cloud runs --ephemeral" in status.stdout
    time.sleep(2.5)  # longer than an autosave's interval: nothing may be written meanwhile
    cloud.down()

    assert _files_of(cloud.store.directory) == snapshot
    cloud.up()
    names = [bucket["Name"] for bucket in cloud.client("s3").list_buckets()["Buckets"]]
    assert names == ["saved-bucket"]


def test_ephemeral_from_the_environment(cloud: Cloud) -> None:
    cloud.client("s3").create_bucket(Bucket="saved-bucket")
    cloud.down()

    started = cloud.glueline("up", env={EPHEMERAL_VARIABLE: "1"}, timeout=120)
    assert started.returncode == 0, started.stderr
    assert cloud.client("s3").list_buckets()["Buckets"] == []


def test_status_reports_the_saved_state_and_reset_empties_it(cloud: Cloud) -> None:
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key="a.txt", Body=b"a")
    s3.put_object(Bucket="data", Key="b.txt", Body=b"b")
    wait_for(lambda: cloud.saved("objects", 2), timeout=30)

    running = cloud.glueline("status")
    assert running.returncode == 0
    saved_line = next(line for line in running.stdout.splitlines() if "saved state:" in line)
    assert "1 buckets, 2 objects" in saved_line
    assert str(cloud.settings.saved_state_dir) in saved_line
    refused = cloud.glueline("reset", "--yes")
    assert refused.returncode == 1
    assert "stop it first" in refused.stderr
    assert cloud.store.exists(), "a running cloud's state is not deleted"

    cloud.down()
    stopped = cloud.glueline("status")
    assert stopped.returncode == 3
    assert "1 buckets, 2 objects" in stopped.stdout
    declined = cloud.glueline("reset", input="n\n")
    assert declined.returncode == 1
    assert "nothing deleted" in declined.stdout
    assert cloud.store.exists()

    reset = cloud.glueline("reset", input="y\n")
    assert reset.returncode == 0, reset.stderr
    assert "1 buckets, 2 objects" in reset.stdout, "it says what it deletes"
    assert not cloud.store.directory.exists()
    assert f"none yet ({cloud.settings.saved_state_dir})" in cloud.glueline("status").stdout
    again = cloud.glueline("reset", "--yes")
    assert again.returncode == 0
    assert "nothing to reset" in again.stdout

    cloud.up()
    assert cloud.client("s3").list_buckets()["Buckets"] == []
    assert "no saved state in" in cloud.log().rsplit("listening", 2)[-2]


def _damage(path: Path, how: Callable[[bytes], bytes]) -> bytes:
    damaged = how(path.read_bytes())
    path.write_bytes(damaged)
    return damaged


def _header_length(snapshot: bytes) -> int:
    return snapshot.index(b"\n", len(b"glueline-state\n")) + 1


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        pytest.param(
            lambda data: data[: _header_length(data) + (len(data) - _header_length(data)) // 2],
            "cannot be loaded",
            id="truncated",
        ),
        pytest.param(
            lambda data: data[: _header_length(data)] + b"\x00garbage" * 64,
            "cannot be loaded",
            id="garbage-after-the-header",
        ),
        pytest.param(lambda data: b"PK\x03\x04" + data, "is not a glueline state", id="header"),
        pytest.param(
            lambda data: data.replace(b'"format": 1', b'"format": 99', 1),
            "format 99",
            id="other-format",
        ),
    ],
)
def test_a_damaged_snapshot_is_named_and_kept(
    cloud: Cloud, damage: Callable[[bytes], bytes], says: str
) -> None:
    cloud.client("s3").create_bucket(Bucket="data")
    cloud.down()
    damaged = _damage(cloud.store.snapshot, damage)

    refused = cloud.glueline("up", timeout=120)

    assert refused.returncode == 1
    assert str(cloud.store.snapshot) in refused.stderr
    assert says in refused.stderr
    assert "--ephemeral" in refused.stderr and "glueline reset" in refused.stderr
    assert cloud.store.snapshot.read_bytes() == damaged, "the damaged snapshot is kept as it was"
    assert "running" not in cloud.glueline("status").stdout.splitlines()[0].replace(
        "not running", ""
    )
    # The way out it names works, and leaves the snapshot alone.
    ephemeral = cloud.glueline("up", "--ephemeral", timeout=120)
    assert ephemeral.returncode == 0, ephemeral.stderr
    assert cloud.client("s3").list_buckets()["Buckets"] == []
    cloud.down()
    assert cloud.store.snapshot.read_bytes() == damaged


def test_the_test_session_cloud_started_empty_in_a_directory_of_its_own(
    local_cloud: CloudSettings,
    cloud_log: Callable[[], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The session's cloud loads neither a developer's state (``.glueline`` in the clone) nor
    a previous session's: its state directory is new in this session's temporary folder."""
    assert local_cloud.state_dir.is_relative_to(tmp_path_factory.getbasetemp())
    assert not local_cloud.state_dir.is_relative_to(PROJECT_ROOT)
    first_start = cloud_log().split("listening on", 1)[0]
    assert f"no saved state in {local_cloud.saved_state_dir}: starting empty" in first_start
    assert "loaded the saved state" not in first_start
