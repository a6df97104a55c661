"""Fixtures for the local ``awsglue``: its directory on ``sys.path``, Spark, a mocked catalog.

The directory is appended, as the ``.pth`` install does, so a real ``awsglue`` would win.
"""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

AWSGLUE_LOCAL = Path(__file__).resolve().parents[3] / "glueline" / "awsglue_local"
if str(AWSGLUE_LOCAL) not in sys.path:
    sys.path.append(str(AWSGLUE_LOCAL))


@pytest.fixture(scope="module")
def spark() -> Iterator["SparkSession"]:  # noqa: F821
    """A small local SparkSession per test module, stopped afterwards."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("awsglue-local-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture
def glue_context(spark: "SparkSession") -> "GlueContext":  # noqa: F821
    """A GlueContext over the module's SparkContext."""
    from awsglue.context import GlueContext

    return GlueContext(spark.sparkContext)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An in-process moto AWS with fake credentials and no endpoint override."""
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert "AWS_ENDPOINT_URL" not in os.environ
    with mock_aws():
        yield


@pytest.fixture
def awsglue_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """``caplog`` attached to the ``awsglue`` logger, which does not propagate to the root."""
    import logging

    logger = logging.getLogger("awsglue")
    logger.addHandler(caplog.handler)
    yield caplog
    logger.removeHandler(caplog.handler)
