"""A crawler's states and LastCrawl, as AWS reports them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from glueline.cloud.glue.crawlers.state import (
    CANCELLED,
    FAILED,
    READY,
    RUNNING,
    STOPPING,
    SUCCEEDED,
    CrawlerHistory,
    CrawlerNotRunning,
    CrawlerRunning,
    CrawlerStopping,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_crawl_goes_running_stopping_ready_and_reports_its_outcome() -> None:
    clock = Clock()
    history = CrawlerHistory("c", clock=clock)
    assert history.state == READY

    crawl = history.start()
    assert history.state == RUNNING
    history.finishing(crawl)
    assert history.state == STOPPING
    clock.now += timedelta(seconds=4)
    history.finish(crawl, SUCCEEDED)

    assert history.state == READY
    last = history.last_finished.as_last_crawl()
    assert last["Status"] == SUCCEEDED
    assert last["LogGroup"] == "/aws-glue/crawlers"
    assert last["MessagePrefix"] == crawl.crawl_id
    assert history.metrics()["LastRuntimeSeconds"] == 4.0


def test_start_while_running_and_stop_while_ready_or_stopping_are_refused() -> None:
    history = CrawlerHistory("c")
    with pytest.raises(CrawlerNotRunning):
        history.stop()
    history.start()
    with pytest.raises(CrawlerRunning):
        history.start()
    history.stop()
    with pytest.raises(CrawlerStopping):
        history.stop()


def test_a_stopped_crawl_ends_cancelled_even_if_it_completed() -> None:
    history = CrawlerHistory("c")
    crawl = history.start()
    history.stop()
    assert history.state == STOPPING

    history.finish(crawl, SUCCEEDED)

    assert history.last_finished.outcome == CANCELLED


def test_a_failure_keeps_its_message_and_the_previous_crawl_stays_last_until_it_ends() -> None:
    history = CrawlerHistory("c")
    first = history.start()
    history.finish(first, FAILED, "Database lake not found")
    history.start()

    last = history.last_finished.as_last_crawl()
    assert last["Status"] == FAILED
    assert last["ErrorMessage"] == "Database lake not found"
    assert history.metrics()["StillEstimating"] is True


def test_metrics_report_the_last_crawls_counts_and_the_median_runtime() -> None:
    clock = Clock()
    history = CrawlerHistory("c", clock=clock)
    for seconds, created in ((2, 3), (10, 0), (4, 1)):
        crawl = history.start()
        crawl.counts.tables_created = created
        clock.now += timedelta(seconds=seconds)
        history.finish(crawl, SUCCEEDED)

    metrics = history.metrics()

    assert metrics["TablesCreated"] == 1
    assert metrics["MedianRuntimeSeconds"] == 4.0
    assert metrics["LastRuntimeSeconds"] == 4.0
