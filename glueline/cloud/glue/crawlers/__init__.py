"""Glue crawlers that really crawl S3 targets into the Data Catalog."""

from __future__ import annotations

import os

from glueline.cloud.glue.crawlers.crawls import CrawlerRunner

#: Test aid, unset by default: seconds a crawl pauses before each file and before it writes
#: the catalog, so a test sees it RUNNING and STOPPING, and can stop it.
SECONDS_PER_FILE_VARIABLE = "GLUELINE_CRAWL_SECONDS_PER_FILE"


def install() -> CrawlerRunner:
    """Patch moto's Glue service so ``StartCrawler`` crawls the local S3."""
    from glueline.cloud.glue.crawlers import moto_integration

    runner = CrawlerRunner(float(os.environ.get(SECONDS_PER_FILE_VARIABLE, "0")))
    moto_integration.install(runner)
    return runner
