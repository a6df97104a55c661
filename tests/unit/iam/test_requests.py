"""Requests in IAM's terms: actions and resources per the Service Authorization Reference."""

from __future__ import annotations

from typing import Any

from glueline.cloud.iam.requests import asked, context

ACCOUNT, REGION = "000000000000", "us-east-1"
GLUE = f"arn:aws:glue:{REGION}:{ACCOUNT}"


class FakeResponse:
    """What the evaluator reads from a moto response object."""

    def __init__(
        self,
        action: str = "",
        params: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        uri: str = "http://localhost:4566/",
        body: bytes = b"",
    ) -> None:
        self._action, self._params = action, params or {}
        self.data, self.headers, self.uri, self.body = data or {}, headers or {}, uri, body

    def _get_action(self) -> str:
        return self._action

    def _get_param(self, name: str) -> Any:
        return self._params.get(name)


def glue(action: str, **params: Any) -> tuple[str, tuple[str, ...]]:
    result = asked(FakeResponse(action, params), "glue", "*", ACCOUNT, REGION)
    return result.action, result.resources


def test_s3_operations_take_iams_names() -> None:
    head = asked(
        FakeResponse(data={"Action": "HeadBucket"}), "s3", "arn:aws:s3:::b", ACCOUNT, REGION
    )
    assert (head.action, head.resources) == ("s3:ListBucket", ("arn:aws:s3:::b",))
    block = asked(
        FakeResponse(data={"Action": "GetPublicAccessBlock"}),
        "s3",
        "arn:aws:s3:::b",
        ACCOUNT,
        REGION,
    )
    assert block.action == "s3:GetBucketPublicAccessBlock"


def test_a_copy_also_reads_its_source() -> None:
    copy = asked(
        FakeResponse(
            data={"Action": "PutObject"},
            headers={"x-amz-copy-source": "/src/a%20b.csv?versionId=1"},
        ),
        "s3",
        "arn:aws:s3:::dst/k",
        ACCOUNT,
        REGION,
    )
    assert copy.resources == ("arn:aws:s3:::dst/k",)
    assert copy.also == (("s3:GetObject", "arn:aws:s3:::src/a b.csv"),)


def test_delete_objects_deletes_each_key() -> None:
    body = b"<Delete><Object><Key>a/1</Key></Object><Object><Key>a/2</Key></Object></Delete>"
    delete = asked(
        FakeResponse(data={"Action": "DeleteObject"}, body=body),
        "s3",
        "arn:aws:s3:::b",
        ACCOUNT,
        REGION,
    )
    assert delete.resources == ("arn:aws:s3:::b/a/1", "arn:aws:s3:::b/a/2")


def test_glue_table_operations_touch_catalog_database_and_table() -> None:
    assert glue("GetTable", DatabaseName="db", Name="sales") == (
        "glue:GetTable",
        (f"{GLUE}:catalog", f"{GLUE}:database/db", f"{GLUE}:table/db/sales"),
    )
    assert (
        glue("CreateTable", DatabaseName="db", TableInput={"Name": "t"})[1][-1]
        == f"{GLUE}:table/db/t"
    )
    assert glue("CreatePartition", DatabaseName="db", TableName="t")[1][-1] == f"{GLUE}:table/db/t"
    assert glue("GetTables", DatabaseName="db")[1][-1] == f"{GLUE}:table/db/*"


def test_glue_database_and_job_operations() -> None:
    assert glue("CreateDatabase", DatabaseInput={"Name": "db"})[1] == (
        f"{GLUE}:catalog",
        f"{GLUE}:database/db",
    )
    assert glue("GetDatabases")[1] == (f"{GLUE}:catalog",)
    assert glue("StartJobRun", JobName="ingest") == ("glue:StartJobRun", (f"{GLUE}:job/ingest",))


def test_an_operation_whose_resource_is_unknown_is_evaluated_on_everything() -> None:
    assert glue("ListJobs")[1] == ("*",)


def test_ssm_sqs_and_cloudwatch_resources() -> None:
    ssm = asked(
        FakeResponse("GetParameters", {"Names": ["/a/b", "c"]}), "ssm", "*", ACCOUNT, REGION
    )
    assert ssm.resources == (
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/a/b",
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/c",
    )
    sqs = asked(
        FakeResponse("SendMessage", {"QueueUrl": f"http://localhost:4566/{ACCOUNT}/jobs"}),
        "sqs",
        "*",
        ACCOUNT,
        REGION,
    )
    assert sqs.resources == (f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs",)
    assert asked(FakeResponse("PutMetricData"), "monitoring", "*", ACCOUNT, REGION).action == (
        "cloudwatch:PutMetricData"
    )


def test_s3_listing_keys_reach_the_condition_context() -> None:
    keys = context(
        FakeResponse(uri="http://localhost:4566/b?list-type=2&prefix=sales%2F&delimiter=%2F"),
        "s3",
        "arn:aws:iam::000000000000:role/r",
        "arn:aws:sts::000000000000:assumed-role/r/s",
        ACCOUNT,
        REGION,
    )
    assert keys["s3:prefix"] == ["sales/"]
    assert keys["s3:delimiter"] == ["/"]
    assert keys["aws:securetransport"] == ["true"]
    assert keys["aws:principalarn"] == ["arn:aws:iam::000000000000:role/r"]
