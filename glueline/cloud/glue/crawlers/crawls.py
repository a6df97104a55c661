"""The life of a crawl: list the targets, infer each table, write the catalog, end truthfully.

Each crawl gets its own thread, so ``StartCrawler`` answers at once and the server keeps
serving while files are parsed (pyarrow parses outside the GIL). The thread checks for a
stop request between files; a stopped crawl writes nothing and ends CANCELLED. Anything that
goes wrong ends the crawl FAILED with the reason in ``LastCrawl.ErrorMessage`` and the log,
never leaves it RUNNING, and never takes the local cloud down.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from glueline.cloud.glue.crawlers import catalog, inference, layout
from glueline.cloud.glue.crawlers.state import (
    CANCELLED,
    FAILED,
    SUCCEEDED,
    Crawl,
    CrawlerHistory,
)

log = logging.getLogger("glueline.glue.crawlers")

#: How much of a CSV or JSON file a crawl reads to infer its schema (Glue samples the start
#: of text files too); Parquet files are read whole, their schema is in the footer.
TEXT_SAMPLE_BYTES = 1024 * 1024


class CrawlFailed(Exception):
    """The crawl cannot go on for a reason the crawler's owner can fix; the message is what
    ``LastCrawl.ErrorMessage`` and the crawl's log say (not an internal error)."""


class DatabaseNotFound(CrawlFailed):
    """The crawler's database does not exist."""


class BucketNotFound(CrawlFailed):
    """An S3 target names a bucket that does not exist."""


@dataclass(frozen=True)
class S3Target:
    path: str
    exclusions: tuple[str, ...] = ()


@dataclass(frozen=True)
class CrawlerDefinition:
    """What a crawl needs from the crawler, copied so a later UpdateCrawler cannot affect it."""

    name: str
    database_name: str
    s3_targets: tuple[S3Target, ...] = ()
    table_prefix: str = ""
    schema_change_policy: dict[str, str] = field(default_factory=dict)


class CrawlHooks(Protocol):
    """What a crawl needs from the cloud around it: S3 reads, the catalog, and logs."""

    def list_objects(self, bucket: str, prefix: str) -> list[layout.S3Object]:
        """The objects under the prefix; raises :class:`BucketNotFound`."""
        ...

    def read_object(self, bucket: str, key: str, max_bytes: int | None) -> bytes: ...

    def tables(self, database: str) -> dict[str, dict[str, Any]]:
        """``GetTables`` of the database by name; raises :class:`DatabaseNotFound`."""
        ...

    def partition_values(self, database: str, table: str) -> set[tuple[str, ...]]: ...

    def apply(self, database: str, changes: catalog.CatalogChanges) -> None: ...

    def write_log(self, crawl: Crawl, lines: Sequence[str]) -> None: ...

    def finished(self, crawl: Crawl) -> None:
        """The crawl has ended (its outcome is set)."""
        ...


class CrawlerRunner:
    """Starts crawls on their own threads and keeps them until they end."""

    def __init__(self, seconds_per_file: float = 0.0) -> None:
        #: Test aid: a pause before each file and before writing the catalog, so a test sees
        #: a crawl RUNNING and STOPPING, and can stop it.
        self._seconds_per_file = seconds_per_file
        self._threads: dict[str, threading.Thread] = {}

    def start(
        self, crawler: CrawlerDefinition, history: CrawlerHistory, hooks: CrawlHooks
    ) -> Crawl:
        """Begin a crawl; raises :class:`~glueline.cloud.glue.crawlers.state.CrawlerRunning`."""
        catalog.behaviors(crawler.schema_change_policy)
        crawl = history.start()
        thread = threading.Thread(
            target=self._execute,
            args=(crawler, history, crawl, hooks),
            name=f"crawl-{crawler.name}",
            daemon=True,
        )
        self._threads[crawl.crawl_id] = thread
        thread.start()
        return crawl

    def wait(self, crawl: Crawl, timeout: float | None = None) -> None:
        """Block until the crawl's thread is done (tests)."""
        thread = self._threads.get(crawl.crawl_id)
        if thread is not None:
            thread.join(timeout)

    def _pause(self) -> None:
        if self._seconds_per_file:
            time.sleep(self._seconds_per_file)

    def _execute(
        self,
        crawler: CrawlerDefinition,
        history: CrawlerHistory,
        crawl: Crawl,
        hooks: CrawlHooks,
    ) -> None:
        lines = [f"Crawler {crawler.name} started crawl {crawl.crawl_id}"]
        try:
            found = self._crawl_targets(crawler, crawl, hooks, lines)
            if crawl.stop_requested:
                lines.append("Crawl stopped by StopCrawler before writing the catalog")
                history.finish(crawl, CANCELLED)
                return
            history.finishing(crawl)
            self._pause()
            existing = hooks.tables(crawler.database_name)
            partitions = {
                name: hooks.partition_values(crawler.database_name, name) for name in existing
            }
            changes = catalog.reconcile(
                found,
                existing,
                partitions,
                crawler.name,
                crawler.schema_change_policy,
                datetime.now(UTC),
            )
            hooks.apply(crawler.database_name, changes)
            lines.extend(changes.log)
            crawl.counts.tables_created = len(changes.create)
            crawl.counts.tables_updated = len(changes.update) + len(changes.deprecate)
            crawl.counts.tables_deleted = len(changes.delete)
            crawl.counts.partitions_created = len(changes.create_partitions)
            lines.append(
                f"Crawl finished: {len(changes.create)} table(s) created, "
                f"{crawl.counts.tables_updated} updated, {len(changes.delete)} deleted, "
                f"{len(changes.create_partitions)} partition(s) added"
            )
            history.finish(crawl, SUCCEEDED)
        except CrawlFailed as exc:
            lines.append(f"ERROR: {exc}")
            history.finish(crawl, FAILED, str(exc))
        except Exception as exc:
            log.exception("crawl %s of %s failed", crawl.crawl_id, crawler.name)
            message = f"Internal error in the local crawler: {exc!r}"
            lines.append(f"ERROR: {message}")
            history.finish(crawl, FAILED, message)
        finally:
            for report in (lambda: hooks.write_log(crawl, lines), lambda: hooks.finished(crawl)):
                try:
                    report()
                except Exception:
                    log.exception("could not report the end of crawl %s", crawl.crawl_id)

    def _crawl_targets(
        self,
        crawler: CrawlerDefinition,
        crawl: Crawl,
        hooks: CrawlHooks,
        lines: list[str],
    ) -> list[catalog.CrawledTable]:
        hooks.tables(crawler.database_name)  # a missing database fails before any reading
        found: list[catalog.CrawledTable] = []
        for target in crawler.s3_targets:
            bucket, prefix = layout.split_s3_path(target.path)
            objects = hooks.list_objects(bucket, prefix)
            plans = layout.plan_tables(
                target.path, objects, target.exclusions, crawler.table_prefix
            )
            for plan in plans:
                crawled = self._infer_table(plan, bucket, crawl, hooks, lines)
                if crawl.stop_requested:
                    return found
                if crawled is not None:
                    found.append(crawled)
        return found

    def _infer_table(
        self,
        plan: layout.TablePlan,
        bucket: str,
        crawl: Crawl,
        hooks: CrawlHooks,
        lines: list[str],
    ) -> catalog.CrawledTable | None:
        schemas: list[inference.FileSchema] = []
        size = 0
        for item in plan.files:
            self._pause()
            if crawl.stop_requested:
                return None
            head = hooks.read_object(bucket, item.key, 4096)
            classification = inference.classification_of(item.key, head)
            limit = None if classification == inference.PARQUET else TEXT_SAMPLE_BYTES
            body = hooks.read_object(bucket, item.key, limit)
            if limit is not None and len(body) == limit:
                body = body[: body.rfind(b"\n") + 1] or body
            try:
                schema = inference.infer(item.key, body)
            except inference.UnclassifiableFile as exc:
                lines.append(f"Skipped s3://{bucket}/{item.key}: {exc}")
                continue
            if schemas and schema.classification != schemas[0].classification:
                lines.append(
                    f"Skipped s3://{bucket}/{item.key}: {schema.classification} among "
                    f"{schemas[0].classification} files of table {plan.name}"
                )
                continue
            schemas.append(schema)
            size += item.size
        if not schemas:
            return None
        columns = schemas[0].columns
        for schema in schemas[1:]:
            columns = inference.merge_columns(columns, schema.columns)
        columns = tuple(column for column in columns if column[0] not in plan.partition_keys)
        return catalog.CrawledTable(
            plan=plan,
            classification=schemas[0].classification,
            columns=columns,
            parameters=inference.table_parameters(schemas, size),
        )
