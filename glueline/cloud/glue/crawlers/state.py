"""A crawler's crawls and the states AWS Glue reports for them, without any I/O.

A crawler is READY, RUNNING or STOPPING (``GetCrawler``'s ``State``). A crawl goes RUNNING
while it reads the target, STOPPING while it finishes (writing the catalog, or after
``StopCrawler``), then READY, and its outcome is ``LastCrawl.Status``: SUCCEEDED, CANCELLED
(stopped) or FAILED with an ``ErrorMessage``. ``StartCrawler`` on a crawler that is not
READY and ``StopCrawler`` on one that is not RUNNING are refused, as in AWS
(``CrawlerRunningException``, ``CrawlerNotRunningException``, ``CrawlerStoppingException``).

moto's ``FakeCrawl`` advances RUNNING -> COMPLETED each time it is read, with nothing
crawled; these records only move when the crawl does.
"""

from __future__ import annotations

import statistics
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

READY = "READY"
RUNNING = "RUNNING"
STOPPING = "STOPPING"

SUCCEEDED = "SUCCEEDED"
CANCELLED = "CANCELLED"
FAILED = "FAILED"

#: Where AWS writes crawler logs: one stream per crawler, lines prefixed by the crawl's id.
LOG_GROUP = "/aws-glue/crawlers"


def _now() -> datetime:
    return datetime.now(UTC)


class CrawlerRunning(Exception):
    """``StartCrawler`` while a crawl is under way."""


class CrawlerNotRunning(Exception):
    """``StopCrawler`` with no crawl under way."""


class CrawlerStopping(Exception):
    """``StopCrawler`` while the crawl is already stopping."""


@dataclass
class CrawlCounts:
    """What one crawl changed in the catalog (``GetCrawlerMetrics``)."""

    tables_created: int = 0
    tables_updated: int = 0
    tables_deleted: int = 0
    partitions_created: int = 0


@dataclass
class Crawl:
    """One run of a crawler."""

    crawler_name: str
    crawl_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    state: str = RUNNING
    outcome: str | None = None
    error_message: str | None = None
    stop_requested: bool = False
    counts: CrawlCounts = field(default_factory=CrawlCounts)
    clock: Callable[[], datetime] = field(default=_now, repr=False)
    started_on: datetime = field(default_factory=_now)
    completed_on: datetime | None = None

    def __post_init__(self) -> None:
        self.started_on = self.clock()

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    @property
    def elapsed_seconds(self) -> float:
        return ((self.completed_on or self.clock()) - self.started_on).total_seconds()

    def as_last_crawl(self) -> dict[str, Any]:
        """``LastCrawlInfo``; AWS reports the last crawl that finished."""
        info: dict[str, Any] = {
            "Status": self.outcome,
            "LogGroup": LOG_GROUP,
            "LogStream": self.crawler_name,
            "MessagePrefix": self.crawl_id,
            "StartTime": self.started_on,
        }
        if self.error_message:
            info["ErrorMessage"] = self.error_message
        return info


@dataclass
class CrawlerHistory:
    """A crawler's crawls, oldest first, and the transitions between them."""

    crawler_name: str
    crawls: list[Crawl] = field(default_factory=list)
    clock: Callable[[], datetime] = field(default=_now, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def current(self) -> Crawl | None:
        """The crawl under way, if any."""
        if self.crawls and not self.crawls[-1].finished:
            return self.crawls[-1]
        return None

    @property
    def state(self) -> str:
        current = self.current
        return current.state if current else READY

    @property
    def last_finished(self) -> Crawl | None:
        return next((crawl for crawl in reversed(self.crawls) if crawl.finished), None)

    def start(self) -> Crawl:
        with self.lock:
            if self.current is not None:
                raise CrawlerRunning(f"Crawler with name {self.crawler_name} has already started")
            crawl = Crawl(self.crawler_name, clock=self.clock)
            self.crawls.append(crawl)
            return crawl

    def stop(self) -> Crawl:
        """Ask the crawl under way to stop; it stops at its next check and ends CANCELLED."""
        with self.lock:
            current = self.current
            if current is None:
                raise CrawlerNotRunning(f"Crawler with name {self.crawler_name} isn't running")
            if current.state == STOPPING:
                raise CrawlerStopping(f"Crawler with name {self.crawler_name} is stopping")
            current.stop_requested = True
            current.state = STOPPING
            return current

    def finishing(self, crawl: Crawl) -> None:
        """The crawl has read its targets and writes its results: RUNNING -> STOPPING."""
        with self.lock:
            crawl.state = STOPPING

    def finish(self, crawl: Crawl, outcome: str, error_message: str | None = None) -> None:
        """End the crawl; a stop request that came first turns success into CANCELLED."""
        with self.lock:
            if crawl.finished:
                return
            if crawl.stop_requested and outcome == SUCCEEDED:
                outcome = CANCELLED
            crawl.outcome = outcome
            crawl.error_message = error_message
            crawl.completed_on = self.clock()
            crawl.state = READY

    def metrics(self) -> dict[str, Any]:
        """``CrawlerMetrics``: the last finished crawl's counts and durations."""
        finished = [crawl for crawl in self.crawls if crawl.finished]
        last = finished[-1] if finished else None
        current = self.current
        counts = last.counts if last else CrawlCounts()
        return {
            "CrawlerName": self.crawler_name,
            "TimeLeftSeconds": 0.0,
            "StillEstimating": current is not None,
            "LastRuntimeSeconds": last.elapsed_seconds if last else 0.0,
            "MedianRuntimeSeconds": (
                statistics.median(crawl.elapsed_seconds for crawl in finished) if finished else 0.0
            ),
            "TablesCreated": counts.tables_created,
            "TablesUpdated": counts.tables_updated,
            "TablesDeleted": counts.tables_deleted,
        }

    def elapsed_milliseconds(self) -> int:
        """``CrawlElapsedTime``: how long the crawl under way has run, 0 when READY."""
        current = self.current
        return int(current.elapsed_seconds * 1000) if current else 0
