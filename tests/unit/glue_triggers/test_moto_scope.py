"""The trigger engine's view of moto's Glue: the ids it records for the actions it starts.

moto in-process with the crawler patches applied; the integration tests of
triggers and workflows (``tests/integration/test_glue_triggers_and_workflows.py``) go over
HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from glueline.cloud import patches
from glueline.cloud.glue.crawlers import moto_integration as crawler_integration
from glueline.cloud.glue.crawlers.crawls import CrawlerRunner
from glueline.cloud.glue.crawlers.state import Crawl
from glueline.cloud.glue.triggers import moto_integration as trigger_integration

ACCOUNT, REGION = "123456789012", "us-east-1"


class RunnerThatWaits(CrawlerRunner):
    """Returns only once the crawl has ended: what a busy machine can do to a tiny crawl."""

    def start(self, *args: Any) -> Crawl:
        crawl = super().start(*args)
        self.wait(crawl, timeout=30)
        return crawl


@pytest.fixture
def glue() -> Iterator[Any]:
    with mock_aws():
        crawler_integration.install(RunnerThatWaits())
        try:
            yield boto3.client("glue", region_name=REGION)
        finally:
            patches.undo_all()


def test_a_crawl_that_ends_before_its_start_returns_keeps_its_id(glue: Any) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="lake")
    s3.put_object(Bucket="lake", Key="data/items/i.csv", Body=b"id,name\n1,ada\n")
    glue.create_database(DatabaseInput={"Name": "db"})
    glue.create_crawler(
        Name="tiny",
        Role="arn:aws:iam::123456789012:role/crawler",
        DatabaseName="db",
        Targets={"S3Targets": [{"Path": "s3://lake/data/"}]},
    )
    scope = trigger_integration.MotoGlueScope(ACCOUNT, REGION)

    crawl_id = scope.start_crawler("tiny")

    crawler = scope.backend.get_crawler("tiny")
    [crawl] = crawler_integration.history_of(crawler).crawls
    assert crawl.outcome == "SUCCEEDED"
    assert crawl_id == crawl.crawl_id
