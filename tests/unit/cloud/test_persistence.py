"""Saving and loading moto's state: what a cloud stopped with is what the next one serves.

A restart is simulated in-process: state is saved under one ``mock_aws``, moto is reset when
it ends, and the state is loaded under a fresh one.
"""

from __future__ import annotations

import io
import json
import os
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from glueline.cloud.glue import unfinished_runs
from glueline.cloud.glue.state import FAILED, RUNNING, STOPPED, STOPPING, SUCCEEDED, JobRun
from glueline.cloud.persistence import MAGIC, IncompatibleState, StateStore

REGION = "us-east-1"
BIG = 6 * 1024 * 1024  # over moto's in-memory buffer, so the body spills to a file


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path / "saved")


@pytest.fixture
def cloud() -> Iterator[None]:
    with mock_aws():
        yield


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def restarted(store: StateStore) -> Any:
    """A fresh moto, loaded from ``store`` when entered."""

    class Restarted:
        def __enter__(self) -> Any:
            self._mock = mock_aws()
            self._mock.__enter__()
            return store.load()

        def __exit__(self, *exc: object) -> None:
            self._mock.__exit__(*exc)

    return Restarted()


def function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def template() -> str:
    return json.dumps(
        {
            "Resources": {"Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "cfn"}}},
            "Outputs": {"Name": {"Value": {"Ref": "Data"}, "Export": {"Name": "DataBucket"}}},
        }
    )


def test_every_service_the_pipeline_uses_comes_back_after_a_restart(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the local cloud runs: AWS managed policies exist.
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    with mock_aws():
        s3 = client("s3")
        s3.create_bucket(Bucket="input")
        s3.put_object(Bucket="input", Key="small.csv", Body=b"a,b\n1,2\n")
        s3.put_object(Bucket="input", Key="big.bin", Body=b"x" * BIG)
        client("cloudformation").create_stack(StackName="infra", TemplateBody=template())
        role = client("iam").create_role(RoleName="job", AssumeRolePolicyDocument="{}")
        client("iam").attach_role_policy(
            RoleName="job", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess"
        )
        client("lambda").create_function(
            FunctionName="trigger",
            Runtime="python3.11",
            Role=role["Role"]["Arn"],
            Handler="index.handler",
            Code={"ZipFile": function_zip()},
        )
        glue = client("glue")
        glue.create_database(DatabaseInput={"Name": "lake"})
        glue.create_table(DatabaseName="lake", TableInput={"Name": "rows"})
        glue.create_job(Name="etl", Role="job", Command={"Name": "glueetl"})
        queue = client("sqs").create_queue(QueueName="failures")["QueueUrl"]
        client("sqs").send_message(QueueUrl=queue, MessageBody="kept")
        client("sns").create_topic(Name="alerts")
        client("events").put_rule(Name="failed-runs", EventPattern='{"source": ["aws.glue"]}')
        client("logs").create_log_group(logGroupName="/aws-glue/jobs/output")
        key_id = client("kms").create_key()["KeyMetadata"]["KeyId"]
        secret = client("kms").encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
        client("ssm").put_parameter(Name="/cdk-bootstrap/version", Value="30", Type="String")
        saved = store.save()

    assert saved.counts["buckets"] == 2 and saved.counts["objects"] == 2
    with restarted(store) as loaded:
        assert loaded.counts == saved.counts
        s3 = client("s3")
        assert s3.get_object(Bucket="input", Key="small.csv")["Body"].read() == b"a,b\n1,2\n"
        assert s3.get_object(Bucket="input", Key="big.bin")["Body"].read() == b"x" * BIG
        assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == {"input", "cfn"}
        exports = client("cloudformation").list_exports()["Exports"]
        assert [(e["Name"], e["Value"]) for e in exports] == [("DataBucket", "cfn")]
        attached = client("iam").list_attached_role_policies(RoleName="job")
        assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == ["AmazonS3FullAccess"]
        assert client("lambda").get_function(FunctionName="trigger")["Configuration"]["Handler"]
        assert client("glue").get_table(DatabaseName="lake", Name="rows")["Table"]["Name"]
        assert client("glue").get_job(JobName="etl")["Job"]["Name"] == "etl"
        message = client("sqs").receive_message(QueueUrl=queue)["Messages"][0]
        assert message["Body"] == "kept"
        assert client("sns").list_topics()["Topics"]
        assert client("events").describe_rule(Name="failed-runs")["Name"] == "failed-runs"
        assert client("logs").describe_log_groups()["logGroups"]
        assert client("kms").decrypt(CiphertextBlob=secret)["Plaintext"] == b"secret"
        assert client("ssm").get_parameter(Name="/cdk-bootstrap/version")["Parameter"]["Value"]
        # Shared objects stay shared: deleting the stack deletes the bucket S3 serves.
        client("cloudformation").delete_stack(StackName="infra")
        assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == {"input"}


def test_s3_bodies_are_files_written_once_and_removed_with_their_object(
    store: StateStore, cloud: None
) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="data")
    s3.put_object(Bucket="data", Key="one", Body=b"1" * 1000)
    store.save()
    bodies = sorted(store.objects.iterdir())
    assert [path.read_bytes() for path in bodies] == [b"1" * 1000]
    written = bodies[0].stat().st_mtime_ns

    s3.put_object(Bucket="data", Key="two", Body=b"2")
    store.save()
    assert bodies[0].stat().st_mtime_ns == written
    assert len(list(store.objects.iterdir())) == 2

    s3.delete_object(Bucket="data", Key="one")
    store.save()
    assert [path.read_bytes() for path in store.objects.iterdir()] == [b"2"]
    assert store.snapshot.stat().st_size < 1000 * 1000


def test_a_loaded_object_is_saved_again_without_rewriting_its_body(store: StateStore) -> None:
    with mock_aws():
        client("s3").create_bucket(Bucket="data")
        client("s3").put_object(Bucket="data", Key="kept", Body=b"body")
        store.save()
    (body,) = store.objects.iterdir()
    written = body.stat().st_mtime_ns
    with restarted(store):
        client("s3").put_object(Bucket="data", Key="new", Body=b"new")
        store.save()
    with restarted(store):
        assert client("s3").get_object(Bucket="data", Key="kept")["Body"].read() == b"body"
        assert client("s3").get_object(Bucket="data", Key="new")["Body"].read() == b"new"
    assert body.stat().st_mtime_ns == written


def test_glue_runs_come_back_and_unfinished_ones_end_failed_saying_why(
    store: StateStore,
) -> None:
    with mock_aws():
        client("glue").create_job(Name="etl", Role="job", Command={"Name": "glueetl"})
        from moto.glue.models import glue_backends

        job = glue_backends["123456789012"][REGION].jobs["etl"]
        for run_id, state in (("jr_done", SUCCEEDED), ("jr_going", RUNNING), ("jr_halt", STOPPING)):
            job.job_runs.append(
                JobRun(
                    job_name="etl",
                    job_run_id=run_id,
                    arguments={},
                    timeout=5,
                    glue_version="5.0",
                    state=state,
                )
            )
        store.save()

    with restarted(store):
        announced: list[str] = []
        ended = unfinished_runs.end_unfinished_runs(lambda job, run: announced.append(run.state))
        from moto.glue.models import glue_backends

        job = glue_backends["123456789012"][REGION].jobs["etl"]
        runs = {run.job_run_id: run.as_dict() for run in job.job_runs}
        assert [run.job_run_id for run in ended] == ["jr_going", "jr_halt"]
        assert announced == [FAILED, STOPPED]
        assert runs["jr_done"]["JobRunState"] == SUCCEEDED
        assert runs["jr_going"]["JobRunState"] == FAILED
        assert "local cloud stopped during the run" in runs["jr_going"]["ErrorMessage"]
        assert runs["jr_halt"]["JobRunState"] == STOPPED
        assert unfinished_runs.progress() == ()


def test_a_snapshot_of_another_format_is_refused_whole_naming_the_file_and_the_way_out(
    store: StateStore,
) -> None:
    with mock_aws():
        client("s3").create_bucket(Bucket="data")
        store.save()
    header, _, rest = store.snapshot.read_bytes()[len(MAGIC) :].partition(b"\n")
    older = json.dumps({**json.loads(header), "format": 0}).encode()
    store.snapshot.write_bytes(MAGIC + older + b"\n" + rest)

    with pytest.raises(IncompatibleState) as refused:
        store.check()
    assert str(store.snapshot) in str(refused.value)
    assert "glueline reset" in str(refused.value) and "--ephemeral" in str(refused.value)
    with mock_aws():
        with pytest.raises(IncompatibleState):
            store.load()
        assert client("s3").list_buckets()["Buckets"] == []


def test_a_damaged_snapshot_is_refused_and_nothing_is_loaded(store: StateStore) -> None:
    with mock_aws():
        client("s3").create_bucket(Bucket="data")
        store.save()
    store.snapshot.write_bytes(store.snapshot.read_bytes()[:-100])

    with mock_aws():
        with pytest.raises(IncompatibleState, match="cannot be loaded"):
            store.load()
        assert client("s3").list_buckets()["Buckets"] == []


def test_a_save_that_fails_leaves_the_previous_snapshot_whole(
    store: StateStore, cloud: None
) -> None:
    client("s3").create_bucket(Bucket="first")
    store.save()
    client("s3").create_bucket(Bucket="second")
    from moto.s3.models import s3_backends

    unpicklable = socket.socket()
    s3_backends["123456789012"]["aws"].buckets["second"].oddity = unpicklable
    try:
        with pytest.raises(TypeError):
            store.save()
    finally:
        unpicklable.close()
    assert [path.name for path in store.directory.iterdir() if path.name.startswith(".")] == []

    with restarted(store):
        assert [b["Name"] for b in client("s3").list_buckets()["Buckets"]] == ["first"]


def test_status_reads_what_was_stored_without_loading_it(store: StateStore, cloud: None) -> None:
    assert store.stored() is None
    client("s3").create_bucket(Bucket="data")
    client("s3").put_object(Bucket="data", Key="a", Body=b"a")
    store.save()

    stored = store.stored()
    assert stored is not None
    assert stored.counts["buckets"] == 1 and stored.counts["objects"] == 1
    assert stored.bytes_on_disk == sum(
        path.stat().st_size for path in store.directory.rglob("*") if path.is_file()
    )
    assert "1 buckets, 1 objects" in stored.describe()


def test_wipe_removes_everything_saved(store: StateStore, cloud: None) -> None:
    client("s3").create_bucket(Bucket="data")
    store.save()
    store.wipe()
    assert not store.exists() and not os.path.exists(store.directory)


def test_a_save_interrupted_by_a_crash_leaves_nothing_after_the_next_load(
    store: StateStore,
) -> None:
    """A kill -9 during a save leaves its temporary snapshot (never renamed): the next load
    loads the last whole snapshot and removes the leftover, which only takes disk space."""
    with mock_aws():
        client("s3").create_bucket(Bucket="data")
        store.save()
    leftover = store.directory / f".{store.snapshot.name}.0123abcd"
    leftover.write_bytes(store.snapshot.read_bytes()[:50])
    half_manifest = store.directory / f".{store.manifest.name}.0123abcd"
    half_manifest.write_bytes(b"{")

    with restarted(store) as loaded:
        assert loaded.counts["buckets"] == 1
        assert [b["Name"] for b in client("s3").list_buckets()["Buckets"]] == ["data"]
    assert not leftover.exists() and not half_manifest.exists()
    assert sorted(path.name for path in store.directory.iterdir()) == [
        "backends.pickle",
        "manifest.json",
        "objects",
    ]


def test_every_version_of_an_object_comes_back(store: StateStore) -> None:
    with mock_aws():
        s3 = client("s3")
        s3.create_bucket(Bucket="versioned")
        s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
        old = s3.put_object(Bucket="versioned", Key="k", Body=b"one")["VersionId"]
        new = s3.put_object(Bucket="versioned", Key="k", Body=b"two")["VersionId"]
        store.save()

    with restarted(store) as loaded:
        s3 = client("s3")
        assert loaded.counts["objects"] == 1
        assert s3.get_object(Bucket="versioned", Key="k")["Body"].read() == b"two"
        older = s3.get_object(Bucket="versioned", Key="k", VersionId=old)["Body"].read()
        assert older == b"one"
        versions = s3.list_object_versions(Bucket="versioned")["Versions"]
        assert sorted(v["VersionId"] for v in versions) == sorted([old, new])
        s3.put_object(Bucket="versioned", Key="k", Body=b"three")
        assert len(s3.list_object_versions(Bucket="versioned")["Versions"]) == 3
    assert len(list(store.objects.iterdir())) == 2
