"""Job init/commit and the logger scripts get from GlueContext."""

import pytest
from awsglue.context import GlueContext
from awsglue.job import Job

pytestmark = pytest.mark.spark


def test_job_init_and_commit_log(
    glue_context: GlueContext, awsglue_log: pytest.LogCaptureFixture
) -> None:
    job = Job(glue_context)
    assert not job.isInitialized()

    job.init("file-processor", {"JOB_NAME": "file-processor"})
    job.commit()

    assert job.isInitialized()
    assert "job file-processor initialised (job bookmarks off)" in awsglue_log.text
    assert "job file-processor committed" in awsglue_log.text


def test_logger_has_log4j_method_names(
    glue_context: GlueContext, awsglue_log: pytest.LogCaptureFixture
) -> None:
    logger = glue_context.get_logger()

    logger.info("hello")
    logger.warn("careful")
    logger.error("broken")

    assert [(r.name, r.levelname, r.getMessage()) for r in awsglue_log.records] == [
        ("awsglue", "INFO", "hello"),
        ("awsglue", "WARNING", "careful"),
        ("awsglue", "ERROR", "broken"),
    ]
