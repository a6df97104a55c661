"""Wires real crawls into moto's Glue service.

moto stores crawlers but fakes their crawls: ``FakeCrawl`` turns COMPLETED after a few
reads and no table appears. Here ``StartCrawler`` hands the crawl to
:class:`~glueline.cloud.glue.crawlers.crawls.CrawlerRunner`, ``StopCrawler`` asks it to
stop, ``GetCrawler(s)`` report its real ``State``, ``LastCrawl`` and ``CrawlElapsedTime``,
and ``GetCrawlerMetrics`` (which moto lacks) reports the counts. The hooks read the local
S3 and write the Data Catalog and CloudWatch Logs of the crawler's own account and region.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from glueline.cloud import patches
from glueline.cloud.glue import observers
from glueline.cloud.glue.crawlers import catalog, layout
from glueline.cloud.glue.crawlers.crawls import (
    BucketNotFound,
    CrawlerDefinition,
    CrawlerRunner,
    DatabaseNotFound,
    S3Target,
)
from glueline.cloud.glue.crawlers.state import (
    LOG_GROUP,
    Crawl,
    CrawlerHistory,
    CrawlerNotRunning,
    CrawlerRunning,
    CrawlerStopping,
)

HISTORY_ATTRIBUTE = "glueline_crawls"


class MotoCrawlHooks:
    """The local cloud's S3, Glue Data Catalog and CloudWatch Logs for one account and region."""

    def __init__(self, account_id: str, region: str) -> None:
        self._account_id = account_id
        self._region = region

    def _s3(self) -> Any:
        from moto.s3.models import s3_backends

        return s3_backends[self._account_id]["aws"]

    def _glue(self) -> Any:
        from moto.glue.models import glue_backends

        return glue_backends[self._account_id][self._region]

    def list_objects(self, bucket: str, prefix: str) -> list[layout.S3Object]:
        from moto.s3.exceptions import MissingBucket
        from moto.s3.models import FakeDeleteMarker

        try:
            keys = list(self._s3().get_bucket(bucket).keys.items())
        except MissingBucket as exc:
            raise BucketNotFound(f"The specified bucket does not exist: {bucket}") from exc
        return [
            layout.S3Object(name, key.size)
            for name, key in keys
            if name.startswith(prefix) and not isinstance(key, FakeDeleteMarker)
        ]

    def read_object(self, bucket: str, key: str, max_bytes: int | None) -> bytes:
        found = self._s3().get_object(bucket, key)
        body = bytes(found.value) if found is not None else b""
        return body if max_bytes is None else body[:max_bytes]

    def tables(self, database: str) -> dict[str, dict[str, Any]]:
        from moto.glue.exceptions import DatabaseNotFoundException

        try:
            found = self._glue().get_tables(database, None)
        except DatabaseNotFoundException as exc:
            raise DatabaseNotFound(f"Database {database} not found") from exc
        return {table.name: table.as_dict() for table in found}

    def partition_values(self, database: str, table: str) -> set[tuple[str, ...]]:
        partitions = self._glue().get_partitions(database, table, None)
        return {tuple(partition.values) for partition in partitions}

    def apply(self, database: str, changes: catalog.CatalogChanges) -> None:
        glue = self._glue()
        for table_input in changes.create:
            glue.create_table(database, table_input["Name"], table_input)
        for table_input in (*changes.update, *changes.deprecate):
            glue.update_table(database, table_input["Name"], table_input)
        for name in changes.delete:
            glue.delete_table(database, name)
        for table_name, partition_input in changes.create_partitions:
            glue.create_partition(database, table_name, partition_input)
        for table_name, values in changes.delete_partitions:
            glue.delete_partition(database, table_name, values)

    def write_log(self, crawl: Crawl, lines: Sequence[str]) -> None:
        from moto.logs.models import logs_backends

        backend = logs_backends[self._account_id][self._region]
        backend.ensure_log_group(LOG_GROUP)
        if crawl.crawler_name not in backend.groups[LOG_GROUP].streams:
            backend.create_log_stream(LOG_GROUP, crawl.crawler_name)
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": f"[{crawl.crawl_id}] {line}"} for line in lines]
        backend.put_log_events(LOG_GROUP, crawl.crawler_name, events)

    def finished(self, crawl: Crawl) -> None:
        observers.finished(
            observers.Finished(
                self._account_id,
                self._region,
                "CRAWLER",
                crawl.crawler_name,
                crawl.crawl_id,
                crawl.outcome or "",
            )
        )


def history_of(crawler: Any) -> CrawlerHistory:
    """The crawler's crawls, kept on moto's ``FakeCrawler``."""
    history = getattr(crawler, HISTORY_ATTRIBUTE, None)
    if history is None:
        history = CrawlerHistory(crawler.name)
        setattr(crawler, HISTORY_ATTRIBUTE, history)
    return history


def crawler_definition(crawler: Any) -> CrawlerDefinition:
    """Snapshot a moto ``FakeCrawler`` into what a crawl needs."""
    targets = (crawler.targets or {}).get("S3Targets") or []
    return CrawlerDefinition(
        name=crawler.name,
        database_name=crawler.database_name or "",
        s3_targets=tuple(
            S3Target(target["Path"], tuple(target.get("Exclusions") or ())) for target in targets
        ),
        table_prefix=crawler.table_prefix or "",
        schema_change_policy=dict(crawler.schema_change_policy or {}),
    )


def install(runner: CrawlerRunner) -> None:
    """Replace moto's fake crawl lifecycle with real crawls and add ``GetCrawlerMetrics``."""
    from moto.core.responses import ActionResult
    from moto.glue.exceptions import (
        CrawlerNotRunningException,
        CrawlerRunningException,
        GlueClientError,
        InvalidInputException,
    )
    from moto.glue.models import FakeCrawler
    from moto.glue.responses import GlueResponse

    def start_crawler(self: Any) -> Crawl:
        """Returns the crawl it began (moto's callers ignore it): a tiny crawl can end before
        the caller could look up the crawler's current one."""
        hooks = MotoCrawlHooks(self.backend.account_id, self.backend.region_name)
        try:
            return runner.start(crawler_definition(self), history_of(self), hooks)
        except CrawlerRunning as exc:
            raise CrawlerRunningException(str(exc)) from exc
        except catalog.InvalidSchemaChangePolicy as exc:
            raise InvalidInputException("StartCrawler", str(exc)) from exc

    def stop_crawler(self: Any) -> None:
        try:
            history_of(self).stop()
        except CrawlerNotRunning as exc:
            raise CrawlerNotRunningException(str(exc)) from exc
        except CrawlerStopping as exc:
            raise GlueClientError("CrawlerStoppingException", str(exc)) from exc

    def status(self: Any) -> str:
        return history_of(self).state

    @patches.wrap(FakeCrawler, "as_dict", reason="GetCrawler reports the real crawl")
    def crawler_as_dict(original: Any, self: Any) -> dict[str, Any]:
        history = history_of(self)
        rendered = original(self)
        rendered["CrawlElapsedTime"] = history.elapsed_milliseconds()
        last = history.last_finished
        if last is not None:
            rendered["LastCrawl"] = last.as_last_crawl()
        return rendered

    def get_crawler_metrics(self: Any) -> ActionResult:
        names = self._get_param("CrawlerNameList") or [
            crawler.name for crawler in self.glue_backend.get_crawlers()
        ]
        metrics = [
            history_of(self.glue_backend.get_crawler(name)).metrics()
            for name in names
            if name in self.glue_backend.crawlers
        ]
        return ActionResult({"CrawlerMetricsList": metrics})

    patches.replace(FakeCrawler, "start_crawler", start_crawler, reason="crawls really crawl")
    patches.replace(FakeCrawler, "stop_crawler", stop_crawler, reason="a stop ends the crawl")
    patches.replace(FakeCrawler, "status", property(status), reason="the crawl's real state")
    patches.add(GlueResponse, "get_crawler_metrics", get_crawler_metrics, reason="crawl counts")
