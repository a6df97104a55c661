"""IAM as AWS enforces it: functions and job runs act as their roles.

A Lambda function and a Glue job run get temporary credentials of their execution role
("Lambda execution role", "Setting up IAM permissions for AWS Glue"); what they call is
evaluated with AWS's policy evaluation logic, and a refusal names the principal, the action
and the resource ("Troubleshoot access denied error messages", IAM User Guide). The user's
own credentials stay an administrator.
"""

from __future__ import annotations

import io
import json
import textwrap
import time
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from glueline.cloud.settings import CloudSettings
from tests.integration.conftest import _free_port, clients_for, run_glueline

pytestmark = pytest.mark.integration

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com", "glue.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
}

TRIES_EVERYTHING = """
import boto3


def handler(event, context):
    s3 = boto3.client("s3")
    outcome = {"read": s3.get_object(Bucket=event["allowed"], Key="in.txt")["Body"].read().decode()}
    for name, call in {
        "write": lambda: s3.put_object(Bucket=event["other"], Key="out.txt", Body=b"x"),
        "create": lambda: s3.create_bucket(Bucket=event["new"]),
        "glue": lambda: boto3.client("glue").get_databases(),
        "caller": lambda: boto3.client("sts").get_caller_identity()["Arn"],
    }.items():
        try:
            outcome[name] = call()
            outcome[name] = outcome[name] if isinstance(outcome[name], str) else "ok"
        except Exception as error:
            outcome[name] = {
                "code": error.response["Error"]["Code"],
                "message": error.response["Error"]["Message"],
                "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
            }
    return outcome
"""


def role_with(aws: Callable[[str], Any], name: str, statements: list[dict]) -> str:
    iam = aws("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="scoped",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    return arn


@pytest.fixture(scope="module")
def buckets(aws) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    names = {
        "allowed": f"iam-allowed-{suffix}",
        "other": f"iam-other-{suffix}",
        "new": f"iam-new-{suffix}",
    }
    for key in ("allowed", "other"):
        aws("s3").create_bucket(Bucket=names[key])
    aws("s3").put_object(Bucket=names["allowed"], Key="in.txt", Body=b"readable")
    return names


def read_only_role(aws, buckets) -> str:
    return role_with(
        aws,
        f"read-only-{uuid.uuid4().hex[:8]}",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{buckets['allowed']}/*",
            }
        ],
    )


def test_a_function_acts_as_its_role_and_is_refused_what_it_may_not_do(
    aws, create_function, buckets
) -> None:
    role = read_only_role(aws, buckets)
    role_name = role.rsplit("/", 1)[-1]
    name = f"tries-everything-{uuid.uuid4().hex[:8]}"
    aws("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": _zipped({"index.py": TRIES_EVERYTHING})},
        Timeout=60,
    )
    outcome = json.loads(
        aws("lambda").invoke(FunctionName=name, Payload=json.dumps(buckets))["Payload"].read()
    )

    session = f"arn:aws:sts::000000000000:assumed-role/{role_name}/{name}"
    assert outcome["read"] == "readable"
    assert outcome["caller"].startswith(f"arn:aws:sts::000000000000:assumed-role/{role_name}/")
    assert outcome["write"] == {
        "code": "AccessDenied",
        "status": 403,
        "message": f"User: {session} is not authorized to perform: s3:PutObject on resource: "
        f"arn:aws:s3:::{buckets['other']}/out.txt because no identity-based policy allows the "
        "s3:PutObject action",
    }
    assert outcome["create"]["code"] == "AccessDenied"
    assert "s3:CreateBucket" in outcome["create"]["message"]
    assert outcome["glue"]["code"] == "AccessDeniedException"
    assert (
        "glue:GetDatabases on resource: arn:aws:glue:us-east-1:000000000000:catalog"
        in outcome["glue"]["message"]
    )
    names = [b["Name"] for b in aws("s3").list_buckets()["Buckets"]]
    assert buckets["new"] not in names
    assert "out.txt" not in [
        o["Key"] for o in aws("s3").list_objects_v2(Bucket=buckets["other"]).get("Contents", [])
    ]


def test_a_bucket_policy_deny_refuses_what_the_role_allows(aws, create_function, buckets) -> None:
    role = role_with(
        aws,
        f"broad-{uuid.uuid4().hex[:8]}",
        [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    )
    bucket = f"iam-guarded-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": role},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{bucket}/locked/*",
                    }
                ],
            }
        ),
    )
    name = f"writes-{uuid.uuid4().hex[:8]}"
    source = textwrap.dedent(
        f"""
        import boto3

        def handler(event, context):
            s3 = boto3.client("s3")
            s3.put_object(Bucket="{bucket}", Key="open/a.txt", Body=b"x")
            s3.put_object(Bucket="{bucket}", Key="locked/a.txt", Body=b"x")
        """
    )
    aws("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Role=role, Handler="index.handler",
        Code={"ZipFile": _zipped({"index.py": source})},
    )  # fmt: skip
    response = aws("lambda").invoke(FunctionName=name)
    error = json.loads(response["Payload"].read())

    assert response["FunctionError"] == "Unhandled"
    assert error["errorMessage"].endswith(
        f"s3:PutObject on resource: arn:aws:s3:::{bucket}/locked/a.txt with an explicit deny "
        "in a resource-based policy"
    )
    keys = [o["Key"] for o in aws("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["open/a.txt"]


JOB_WRITES_ELSEWHERE = """
import sys
from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession

args = getResolvedOptions(sys.argv, ["allowed", "other"])
spark = SparkSession.builder.getOrCreate()
frame = spark.read.text(f"s3://{args['allowed']}/in.txt")
frame.write.mode("overwrite").text(f"s3://{args['other']}/from-a-job/")
"""


def test_a_job_run_acts_as_its_role(aws, buckets, eventually) -> None:
    role = role_with(
        aws,
        f"job-reads-{uuid.uuid4().hex[:8]}",
        [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [
                f"arn:aws:s3:::{buckets['allowed']}", f"arn:aws:s3:::{buckets['allowed']}/*"]},
        ],
    )  # fmt: skip
    role_name = role.rsplit("/", 1)[-1]
    aws("s3").put_object(
        Bucket=buckets["allowed"], Key="job.py", Body=JOB_WRITES_ELSEWHERE.encode()
    )
    job = f"acts-as-its-role-{uuid.uuid4().hex[:8]}"
    aws("glue").create_job(
        Name=job,
        Role=role,
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{buckets['allowed']}/job.py"},
        DefaultArguments={"--allowed": buckets["allowed"], "--other": buckets["other"]},
    )
    run_id = aws("glue").start_job_run(JobName=job)["JobRunId"]

    def finished() -> dict | None:
        """the run ends"""
        run = aws("glue").get_job_run(JobName=job, RunId=run_id)["JobRun"]
        return run if run["JobRunState"] in ("SUCCEEDED", "FAILED", "TIMEOUT") else None

    run = eventually(finished, timeout=300, interval=1)
    assert run["JobRunState"] == "FAILED"
    assert f"assumed-role/{role_name}/{run_id[:64]} is not authorized" in run["ErrorMessage"]
    assert "is not authorized to perform: s3:" in run["ErrorMessage"]
    assert f"arn:aws:s3:::{buckets['other']}" in run["ErrorMessage"]
    listed = aws("s3").list_objects_v2(Bucket=buckets["other"], Prefix="from-a-job/")
    assert listed.get("KeyCount", 0) == 0


def test_with_enforcement_off_a_function_has_the_administrators_rights(tmp_path, buckets) -> None:
    cloud = CloudSettings(port=_free_port(), state_dir=tmp_path / "cloud")
    started = run_glueline(cloud, "up", env={"GLUELINE_IAM": "off", "GLUELINE_WARM_DRIVERS": "0"})
    assert started.returncode == 0, started.stderr
    try:
        own = {k: f"{v}-off" for k, v in buckets.items()}
        aws = clients_for(cloud)

        for key in ("allowed", "other"):
            aws("s3").create_bucket(Bucket=own[key])
        aws("s3").put_object(Bucket=own["allowed"], Key="in.txt", Body=b"readable")
        role = read_only_role(aws, own)
        aws("lambda").create_function(
            FunctionName="tries-everything", Runtime="python3.11", Role=role,
            Handler="index.handler", Code={"ZipFile": _zipped({"index.py": TRIES_EVERYTHING})},
            Timeout=60,
        )  # fmt: skip
        response = aws("lambda").invoke(FunctionName="tries-everything", Payload=json.dumps(own))
        outcome = json.loads(response["Payload"].read())
        assert (outcome["write"], outcome["create"], outcome["glue"]) == ("ok", "ok", "ok")
    finally:
        run_glueline(cloud, "down")


def _zipped(files: dict[str, str]) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zip_file:
        for name, text in files.items():
            zip_file.writestr(name, text)
    return archive.getvalue()


#: Statements of the stacks' Glue role that the file processor's data flow needs, with the
#: actions a run refused for lack of each may name.
GLUE_ROLE_NEEDS = {
    "ListJobBuckets": ("s3:ListBucket",),
    "ReadInput": ("s3:GetObject",),
    "WriteOutputAndTemp": ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
    "OwnDatabaseTables": ("glue:GetTable", "glue:CreateTable", "glue:UpdateTable"),
}
PEOPLE = "name,age\nAda,36\nGrace,45\n"


def _policy_holding(iam: Any, role_name: str, sid: str) -> tuple[str, dict]:
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        if any(statement.get("Sid") == sid for statement in document["Statement"]):
            return name, document
    raise AssertionError(f"no policy of {role_name} has a statement {sid}")


def _without(document: dict, sid: str) -> str:
    kept = [statement for statement in document["Statement"] if statement.get("Sid") != sid]
    return json.dumps({**document, "Statement": kept})


@pytest.mark.parametrize("sid", sorted(GLUE_ROLE_NEEDS))
def test_each_statement_the_glue_role_needs_is_needed(aws, pipeline, deployed_stage, sid) -> None:
    """Proof by mutation: without the statement, the pipeline fails naming what it lacks."""
    iam = aws("iam")
    role_arn = aws("cloudformation").describe_stacks(StackName="glueline-local-infrastructure")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in role_arn["Stacks"][0]["Outputs"]}
    role_name = outputs["GlueRoleArn"].rsplit("/", 1)[-1]
    policy_name, original = _policy_holding(iam, role_name, sid)
    iam.put_role_policy(
        RoleName=role_name, PolicyName=policy_name, PolicyDocument=_without(original, sid)
    )
    try:
        key = f"mutation_{sid.lower()}/data.csv"
        since = time.time() - 1
        pipeline.s3.put_object(Bucket=deployed_stage.input_bucket, Key=key, Body=PEOPLE.encode())
        source = f"s3://{deployed_stage.input_bucket}/{key}"
        run_id = pipeline.wait_for_run_of(deployed_stage.file_processor_job, source, since, 60)
        run = pipeline.wait_for_final_state(deployed_stage.file_processor_job, run_id, 600)
    finally:
        iam.put_role_policy(
            RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(original)
        )

    assert run["JobRunState"] == "FAILED"
    message = run["ErrorMessage"]
    assert f"assumed-role/{role_name}/{run_id[:64]} is not authorized to perform: " in message
    assert any(f"perform: {action} on resource" in message for action in GLUE_ROLE_NEEDS[sid]), (
        message
    )


def test_the_trigger_needs_its_start_job_run_statement(
    aws, pipeline, deployed_stage, eventually
) -> None:
    iam, lambda_client = aws("iam"), aws("lambda")
    role_name = lambda_client.get_function(FunctionName=deployed_stage.trigger_function)[
        "Configuration"
    ]["Role"].rsplit("/", 1)[-1]
    sid = next(
        statement.get("Sid")
        for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]
        for statement in iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"][
            "Statement"
        ]
        if "glue:StartJobRun" in json.dumps(statement)
    )
    policy_name, original = _policy_holding(iam, role_name, sid)
    invoke_config = lambda_client.get_function_event_invoke_config(
        FunctionName=deployed_stage.trigger_function
    )
    queue_name = invoke_config["DestinationConfig"]["OnFailure"]["Destination"].split(":")[-1]
    sqs = aws("sqs")
    queue_url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    iam.put_role_policy(
        RoleName=role_name, PolicyName=policy_name, PolicyDocument=_without(original, sid)
    )
    try:
        key = "mutation_trigger/data.csv"
        pipeline.s3.put_object(Bucket=deployed_stage.input_bucket, Key=key, Body=PEOPLE.encode())

        def failure_record() -> list | None:
            """the refused event reached the on-failure queue"""
            return sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages")

        message = eventually(failure_record, timeout=120)[0]
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        record = json.loads(message["Body"])
    finally:
        iam.put_role_policy(
            RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(original)
        )

    assert record["requestPayload"]["Records"][0]["s3"]["object"]["key"] == key
    error = record["responsePayload"]["errorMessage"]
    assert "AccessDeniedException" in error
    assert f"assumed-role/{role_name}/" in error
    assert "is not authorized to perform: glue:StartJobRun on resource: arn:aws:glue:" in error
