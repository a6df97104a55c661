"""Glue crawlers over the local S3: tables with inferred types, partitions, schema change
policies, exclusions, states and LastCrawl, GetCrawlerMetrics, and AWS::Glue::Crawler.

The cloud here pauses a moment before each file it crawls (a test aid), so the crawler is
seen RUNNING and can be stopped; it runs no Spark (crawls parse with pyarrow).
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.integration

SUFFIX = uuid.uuid4().hex[:8]
BUCKET = f"crawled-{SUFFIX}"
DATABASE = f"crawled_{SUFFIX}"
ROLE = "arn:aws:iam::000000000000:role/glueline-test-crawler"
SECONDS_PER_FILE = 0.3
LEGISLATORS_CSV = (
    Path(__file__).resolve().parents[2]
    / "sample_data"
    / "us-legislators"
    / "legislators-current.csv"
)


def parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    table = pa.table(
        {"id": pa.array([1, 2], pa.int32()), "score": pa.array([0.5, 0.75], pa.float64())}
    )
    pq.write_table(table, buffer)
    return buffer.getvalue()


LAKE = {
    "lake/sales/year=2024/month=01/a.csv": b"id,item,amount\n1,tea,2.5\n2,cake,4.0\n",
    "lake/sales/year=2024/month=02/b.csv": b"id,item,amount\n3,tea,2.5\n",
    "lake/sales/year=2024/month=02/skip.csv": b"id,other\n1,x\n",
    "lake/readings/r.csv": b"1,7.5,true\n2,8.25,false\n",
    "lake/events/e.json": b'{"kind": "click", "at": 1, "meta": {"page": "home"}}\n',
    "lake/scores/part-00000.parquet": parquet_bytes(),
    "lake/scores/_SUCCESS": b"",
}


@pytest.fixture(scope="module")
def aws(separate_cloud: Callable[[dict[str, str]], Callable[[str], Any]]) -> Callable[[str], Any]:
    clients = separate_cloud(
        {"GLUELINE_CRAWL_SECONDS_PER_FILE": str(SECONDS_PER_FILE), "GLUELINE_WARM_DRIVERS": "0"}
    )
    clients("s3").create_bucket(Bucket=BUCKET)
    for key, body in LAKE.items():
        clients("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    clients("glue").create_database(DatabaseInput={"Name": DATABASE})
    return clients


def columns_of(glue: Any, table: str) -> list[tuple[str, str]]:
    found = glue.get_table(DatabaseName=DATABASE, Name=table)["Table"]
    return [(c["Name"], c["Type"]) for c in found["StorageDescriptor"]["Columns"]]


def crawl(aws: Callable[[str], Any], name: str, eventually: Callable[..., Any]) -> list[str]:
    """Start the crawler and return the states seen until it is READY again."""
    glue = aws("glue")
    glue.start_crawler(Name=name)
    seen: list[str] = []

    def ready() -> bool:
        """the crawler is READY again"""
        state = glue.get_crawler(Name=name)["Crawler"]["State"]
        if not seen or seen[-1] != state:
            seen.append(state)
        return state == "READY"

    eventually(ready, timeout=60, interval=0.1)
    return seen


def test_a_crawler_from_a_template_crawls_the_lake_into_typed_partitioned_tables(
    aws: Callable[[str], Any], eventually: Callable[..., Any]
) -> None:
    glue, cloudformation = aws("glue"), aws("cloudformation")
    crawler_name = f"lake-{SUFFIX}"
    template = {
        "Resources": {
            "Crawler": {
                "Type": "AWS::Glue::Crawler",
                "Properties": {
                    "Name": crawler_name,
                    "Role": ROLE,
                    "DatabaseName": DATABASE,
                    "Targets": {
                        "S3Targets": [
                            {"Path": f"s3://{BUCKET}/lake/", "Exclusions": ["**/skip.csv"]}
                        ]
                    },
                    "SchemaChangePolicy": {
                        "UpdateBehavior": "UPDATE_IN_DATABASE",
                        "DeleteBehavior": "DEPRECATE_IN_DATABASE",
                    },
                    "Schedule": {"ScheduleExpression": "cron(0 12 * * ? *)"},
                },
            }
        },
        "Outputs": {"Name": {"Value": {"Ref": "Crawler"}}},
    }
    cloudformation.create_stack(StackName=f"crawler-{SUFFIX}", TemplateBody=json.dumps(template))
    stack = cloudformation.describe_stacks(StackName=f"crawler-{SUFFIX}")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    assert stack["Outputs"][0]["OutputValue"] == crawler_name
    crawler = glue.get_crawler(Name=crawler_name)["Crawler"]
    assert crawler["State"] == "READY"
    assert crawler["Schedule"]["ScheduleExpression"] == "cron(0 12 * * ? *)"
    assert "LastCrawl" not in crawler

    states = crawl(aws, crawler_name, eventually)

    assert states == ["RUNNING", "STOPPING", "READY"]
    crawler = glue.get_crawler(Name=crawler_name)["Crawler"]
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    assert crawler["LastCrawl"]["LogGroup"] == "/aws-glue/crawlers"
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=DATABASE)["TableList"]}
    assert sorted(tables) == ["events", "readings", "sales", "scores"]

    sales = tables["sales"]
    assert columns_of(glue, "sales") == [("id", "bigint"), ("item", "string"), ("amount", "double")]
    assert sales["PartitionKeys"] == [
        {"Name": "year", "Type": "string"},
        {"Name": "month", "Type": "string"},
    ]
    assert sales["Parameters"]["classification"] == "csv"
    assert sales["Parameters"]["skip.header.line.count"] == "1"
    assert sales["Parameters"]["UPDATED_BY_CRAWLER"] == crawler_name
    assert sales["StorageDescriptor"]["Location"] == f"s3://{BUCKET}/lake/sales/"
    partitions = glue.get_partitions(DatabaseName=DATABASE, TableName="sales")["Partitions"]
    assert sorted(p["Values"] for p in partitions) == [["2024", "01"], ["2024", "02"]]
    locations = {p["StorageDescriptor"]["Location"] for p in partitions}
    assert f"s3://{BUCKET}/lake/sales/year=2024/month=02/" in locations

    assert columns_of(glue, "readings") == [
        ("col0", "bigint"),
        ("col1", "double"),
        ("col2", "boolean"),
    ]
    assert tables["events"]["Parameters"]["classification"] == "json"
    assert columns_of(glue, "events") == [
        ("kind", "string"),
        ("at", "bigint"),
        ("meta", "struct<page:string>"),
    ]
    assert tables["scores"]["Parameters"]["classification"] == "parquet"
    assert columns_of(glue, "scores") == [("id", "int"), ("score", "double")]

    metrics = glue.get_crawler_metrics(CrawlerNameList=[crawler_name])["CrawlerMetricsList"]
    assert metrics[0]["TablesCreated"] == 4
    assert metrics[0]["TablesUpdated"] == 0
    assert metrics[0]["LastRuntimeSeconds"] > 0

    # New data: a new partition, a new column, and a table whose data is gone.
    s3 = aws("s3")
    s3.put_object(
        Bucket=BUCKET,
        Key="lake/sales/year=2025/month=01/c.csv",
        Body=b"id,item,amount,discount\n4,pie,6.0,0.5\n",
    )
    s3.delete_object(Bucket=BUCKET, Key="lake/events/e.json")

    crawl(aws, crawler_name, eventually)

    assert columns_of(glue, "sales")[-1] == ("discount", "double")
    partitions = glue.get_partitions(DatabaseName=DATABASE, TableName="sales")["Partitions"]
    assert ["2025", "01"] in [p["Values"] for p in partitions]
    events = glue.get_table(DatabaseName=DATABASE, Name="events")["Table"]
    assert "DEPRECATED_BY_CRAWLER" in events["Parameters"]
    metrics = glue.get_crawler_metrics(CrawlerNameList=[crawler_name])["CrawlerMetricsList"]
    assert (metrics[0]["TablesCreated"], metrics[0]["TablesUpdated"]) == (0, 2)

    log_events = aws("logs").get_log_events(
        logGroupName="/aws-glue/crawlers", logStreamName=crawler_name
    )["events"]
    assert any("Deprecated table events" in event["message"] for event in log_events)

    cloudformation.delete_stack(StackName=f"crawler-{SUFFIX}")
    assert crawler_name not in glue.list_crawlers()["CrawlerNames"]


def test_log_policies_leave_the_catalog_alone(
    aws: Callable[[str], Any], eventually: Callable[..., Any]
) -> None:
    glue, s3 = aws("glue"), aws("s3")
    name = f"logging-{SUFFIX}"
    s3.put_object(Bucket=BUCKET, Key="logged/items/i.csv", Body=b"id,name\n1,ada\n")
    glue.create_crawler(
        Name=name,
        Role=ROLE,
        DatabaseName=DATABASE,
        TablePrefix="logged_",
        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/logged/"}]},
        SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
    )
    crawl(aws, name, eventually)
    assert columns_of(glue, "logged_items") == [("id", "bigint"), ("name", "string")]

    s3.put_object(Bucket=BUCKET, Key="logged/items/i.csv", Body=b"id,name,age\n1,ada,36\n")
    crawl(aws, name, eventually)

    assert columns_of(glue, "logged_items") == [("id", "bigint"), ("name", "string")]
    assert glue.get_crawler(Name=name)["Crawler"]["LastCrawl"]["Status"] == "SUCCEEDED"
    log_events = aws("logs").get_log_events(logGroupName="/aws-glue/crawlers", logStreamName=name)[
        "events"
    ]
    assert any("not applied (UpdateBehavior LOG)" in e["message"] for e in log_events)


def test_stop_crawler_cancels_the_crawl_and_writes_nothing(
    aws: Callable[[str], Any], eventually: Callable[..., Any]
) -> None:
    glue, s3 = aws("glue"), aws("s3")
    name = f"stopped-{SUFFIX}"
    for number in range(10):
        s3.put_object(Bucket=BUCKET, Key=f"slow/many/{number}.csv", Body=b"id\n1\n")
    glue.create_crawler(
        Name=name,
        Role=ROLE,
        DatabaseName=DATABASE,
        TablePrefix="stopped_",
        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/slow/"}]},
    )
    with pytest.raises(glue.exceptions.CrawlerNotRunningException):
        glue.stop_crawler(Name=name)

    glue.start_crawler(Name=name)
    assert glue.get_crawler(Name=name)["Crawler"]["State"] == "RUNNING"
    with pytest.raises(glue.exceptions.CrawlerRunningException):
        glue.start_crawler(Name=name)
    glue.stop_crawler(Name=name)
    assert glue.get_crawler(Name=name)["Crawler"]["State"] == "STOPPING"
    with pytest.raises(glue.exceptions.CrawlerStoppingException):
        glue.stop_crawler(Name=name)

    def ready() -> dict[str, Any] | None:
        """the stopped crawler is READY"""
        crawler = glue.get_crawler(Name=name)["Crawler"]
        return crawler if crawler["State"] == "READY" else None

    crawler = eventually(ready, timeout=120)
    assert crawler["LastCrawl"]["Status"] == "CANCELLED"
    names = [t["Name"] for t in glue.get_tables(DatabaseName=DATABASE)["TableList"]]
    assert "stopped_many" not in names


def test_a_crawler_without_its_database_fails_and_says_why(
    aws: Callable[[str], Any], eventually: Callable[..., Any]
) -> None:
    glue = aws("glue")
    name = f"no-database-{SUFFIX}"
    glue.create_crawler(
        Name=name,
        Role=ROLE,
        DatabaseName=f"missing_{SUFFIX}",
        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/lake/"}]},
    )

    crawl(aws, name, eventually)

    last = glue.get_crawler(Name=name)["Crawler"]["LastCrawl"]
    assert last["Status"] == "FAILED"
    assert last["ErrorMessage"] == f"Database missing_{SUFFIX} not found"


def test_a_crawler_types_the_legislators_sample_as_csv_and_as_parquet(
    aws: Callable[[str], Any], eventually: Callable[..., Any]
) -> None:
    """The real sample (quoted fields with commas, empty fields, non-ASCII names) as CSV and
    as Parquet written by pyarrow, each under a Hive-style partition folder."""
    glue, s3 = aws("glue"), aws("s3")
    body = LEGISLATORS_CSV.read_bytes()
    parquet = io.BytesIO()
    pq.write_table(pa_csv.read_csv(io.BytesIO(body)), parquet)
    s3.put_object(
        Bucket=BUCKET, Key="sample/legislators_csv/snapshot=2024-06-01/current.csv", Body=body
    )
    s3.put_object(
        Bucket=BUCKET,
        Key="sample/legislators_parquet/snapshot=2024-06-01/part-00000.parquet",
        Body=parquet.getvalue(),
    )
    name = f"sample-{SUFFIX}"
    glue.create_crawler(
        Name=name,
        Role=ROLE,
        DatabaseName=DATABASE,
        TablePrefix="sample_",
        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/sample/"}]},
    )
    assert glue.get_crawler(Name=name)["Crawler"]["State"] == "READY"

    assert crawl(aws, name, eventually)[-1] == "READY"

    assert glue.get_crawler(Name=name)["Crawler"]["LastCrawl"]["Status"] == "SUCCEEDED"
    header = body.splitlines()[0].decode().split(",")
    for table, classification in (
        ("sample_legislators_csv", "csv"),
        ("sample_legislators_parquet", "parquet"),
    ):
        found = glue.get_table(DatabaseName=DATABASE, Name=table)["Table"]
        assert found["Parameters"]["classification"] == classification
        assert found["PartitionKeys"] == [{"Name": "snapshot", "Type": "string"}]
        columns = dict(columns_of(glue, table))
        assert list(columns) == header
        assert columns["last_name"] == columns["fec_ids"] == "string"
        assert columns["district"] == columns["govtrack_id"] == "bigint"
        partitions = glue.get_partitions(DatabaseName=DATABASE, TableName=table)["Partitions"]
        assert [p["Values"] for p in partitions] == [["2024-06-01"]]
    csv_table = glue.get_table(DatabaseName=DATABASE, Name="sample_legislators_csv")["Table"]
    assert csv_table["Parameters"]["recordCount"] == "537"
    assert csv_table["Parameters"]["skip.header.line.count"] == "1"


def test_a_crawler_over_a_missing_bucket_fails_and_says_why(
    aws: Callable[[str], Any], eventually: Callable[..., Any]
) -> None:
    glue = aws("glue")
    name = f"no-bucket-{SUFFIX}"
    glue.create_crawler(
        Name=name,
        Role=ROLE,
        DatabaseName=DATABASE,
        TablePrefix="gone_",
        Targets={"S3Targets": [{"Path": f"s3://gone-{SUFFIX}/data/"}]},
    )

    assert crawl(aws, name, eventually)[-1] == "READY"

    last = glue.get_crawler(Name=name)["Crawler"]["LastCrawl"]
    assert last["Status"] == "FAILED"
    assert last["ErrorMessage"] == f"The specified bucket does not exist: gone-{SUFFIX}"
    names = [t["Name"] for t in glue.get_tables(DatabaseName=DATABASE)["TableList"]]
    assert not [table for table in names if table.startswith("gone_")]
    log_events = aws("logs").get_log_events(logGroupName="/aws-glue/crawlers", logStreamName=name)[
        "events"
    ]
    assert any(
        f"ERROR: The specified bucket does not exist: gone-{SUFFIX}" in event["message"]
        for event in log_events
    )
