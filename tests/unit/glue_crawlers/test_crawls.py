"""Whole crawls against an S3 and a catalog made of dictionaries: no server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glueline.cloud.glue.crawlers import catalog
from glueline.cloud.glue.crawlers.crawls import (
    BucketNotFound,
    CrawlerDefinition,
    CrawlerRunner,
    DatabaseNotFound,
    S3Target,
)
from glueline.cloud.glue.crawlers.layout import S3Object
from glueline.cloud.glue.crawlers.state import (
    CANCELLED,
    FAILED,
    READY,
    SUCCEEDED,
    Crawl,
    CrawlerHistory,
)


class FakeCloud:
    def __init__(self, objects: dict[str, bytes], database: str | None = "lake") -> None:
        self.objects = objects
        self.database = database
        self.tables_by_name: dict[str, dict[str, Any]] = {}
        self.partitions: dict[str, set[tuple[str, ...]]] = {}
        self.logs: list[str] = []
        self.ended: list[str | None] = []

    def list_objects(self, bucket: str, prefix: str) -> list[S3Object]:
        if bucket != "b":
            raise BucketNotFound(f"The specified bucket does not exist: {bucket}")
        return [
            S3Object(key, len(body)) for key, body in self.objects.items() if key.startswith(prefix)
        ]

    def read_object(self, bucket: str, key: str, max_bytes: int | None) -> bytes:
        return self.objects[key][:max_bytes]

    def tables(self, database: str) -> dict[str, dict[str, Any]]:
        if database != self.database:
            raise DatabaseNotFound(f"Database {database} not found")
        return dict(self.tables_by_name)

    def partition_values(self, database: str, table: str) -> set[tuple[str, ...]]:
        return set(self.partitions.get(table, set()))

    def apply(self, database: str, changes: catalog.CatalogChanges) -> None:
        for table in (*changes.create, *changes.update, *changes.deprecate):
            self.tables_by_name[table["Name"]] = table
        for name in changes.delete:
            del self.tables_by_name[name]
        for name, partition in changes.create_partitions:
            self.partitions.setdefault(name, set()).add(tuple(partition["Values"]))

    def write_log(self, crawl: Crawl, lines: Sequence[str]) -> None:
        self.logs.extend(lines)

    def finished(self, crawl: Crawl) -> None:
        self.ended.append(crawl.outcome)


CRAWLER = CrawlerDefinition(
    name="lake-crawler", database_name="lake", s3_targets=(S3Target("s3://b/data/"),)
)


def crawl_once(cloud: FakeCloud, history: CrawlerHistory, runner: CrawlerRunner) -> Crawl:
    crawl = runner.start(CRAWLER, history, cloud)
    runner.wait(crawl, timeout=10)
    return crawl


def test_a_crawl_creates_tables_then_a_new_column_updates_one() -> None:
    cloud = FakeCloud(
        {
            "data/orders/dt=2024-01-01/a.csv": b"id,amount\n1,2.5\n",
            "data/people/p.json": b'{"name": "ada", "age": 36}\n',
        }
    )
    history, runner = CrawlerHistory("lake-crawler"), CrawlerRunner()

    first = crawl_once(cloud, history, runner)

    assert history.state == READY
    assert first.outcome == SUCCEEDED
    assert first.counts.tables_created == 2
    orders = cloud.tables_by_name["orders"]
    assert orders["StorageDescriptor"]["Columns"] == [
        {"Name": "id", "Type": "bigint"},
        {"Name": "amount", "Type": "double"},
    ]
    assert orders["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert cloud.partitions["orders"] == {("2024-01-01",)}

    cloud.objects["data/orders/dt=2024-01-02/b.csv"] = b"id,amount,note\n2,3.5,late\n"
    second = crawl_once(cloud, history, runner)

    assert second.counts.tables_created == 0
    assert second.counts.tables_updated == 1
    columns = cloud.tables_by_name["orders"]["StorageDescriptor"]["Columns"]
    assert columns[-1] == {"Name": "note", "Type": "string"}
    assert cloud.partitions["orders"] == {("2024-01-01",), ("2024-01-02",)}
    assert history.metrics()["TablesUpdated"] == 1


def test_a_missing_database_fails_the_crawl_with_the_reason() -> None:
    cloud = FakeCloud({"data/a.csv": b"id\n1\n"}, database=None)
    history = CrawlerHistory("lake-crawler")

    crawl = crawl_once(cloud, history, CrawlerRunner())

    assert crawl.outcome == FAILED
    assert crawl.error_message == "Database lake not found"
    assert any("ERROR" in line for line in cloud.logs)


def test_a_missing_bucket_fails_the_crawl_with_the_reason() -> None:
    cloud = FakeCloud({"data/a.csv": b"id\n1\n"})
    history = CrawlerHistory("lake-crawler")
    crawler = CrawlerDefinition(
        name="lake-crawler", database_name="lake", s3_targets=(S3Target("s3://gone/data/"),)
    )

    runner = CrawlerRunner()
    crawl = runner.start(crawler, history, cloud)
    runner.wait(crawl, timeout=10)

    assert crawl.outcome == FAILED
    assert crawl.error_message == "The specified bucket does not exist: gone"
    assert cloud.tables_by_name == {}


def test_a_stopped_crawl_writes_nothing_and_ends_cancelled() -> None:
    cloud = FakeCloud({f"data/t/{n}.csv": b"id,v\n1,x\n" for n in range(20)})
    history, runner = CrawlerHistory("lake-crawler"), CrawlerRunner(seconds_per_file=0.05)

    crawl = runner.start(CRAWLER, history, cloud)
    history.stop()
    runner.wait(crawl, timeout=10)

    assert crawl.outcome == CANCELLED
    assert history.state == READY
    assert cloud.tables_by_name == {}
    assert cloud.ended == [CANCELLED]
