"""Pytest fixtures for a Glue job script's own tests: Spark whose ``s3://`` is a local cloud.

A job script that imports ``awsglue`` runs on plain PySpark with the kit's ``awsglue``, but
plain Spark has no file system for ``s3://`` (``No FileSystem for scheme "s3"``). These
fixtures give tests the Spark that the local cloud gives job runs: S3A with the kit's jars,
``s3://`` and ``s3a://`` both mapped to it, path-style requests to the local cloud's
endpoint with its credentials. So a test can put a CSV in the local S3, call the script's
function on ``s3://`` paths and read what it wrote.

The kit registers this module as a pytest plugin (the ``pytest11`` entry point in
``pyproject.toml``): with glueline installed, any test may ask for the fixtures, and they
cost nothing until one does. Without the entry point, add ``pytest_plugins =
["glueline.testing"]`` to a ``conftest.py``.

- ``glueline_endpoint``: the local cloud's URL, ``http://localhost:<GLUELINE_PORT>``
  (4566 unless set), as the ``glueline`` CLI computes it; the session fails at once if
  nothing answers there.
- ``glueline_aws_environment``: for the rest of the session, AWS SDKs in the test process
  (``boto3`` in the script, such as its Data Catalog calls) reach the local cloud with its
  credentials, never AWS.
- ``glueline_spark``: the SparkSession (``local[1]``, UTC like Glue, few shuffle
  partitions). It must be the first SparkSession of the process: Spark loads the S3A jars
  only when its JVM starts.
- ``glueline_s3``: a ``boto3`` S3 client of the local cloud, to put inputs and read outputs.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: The kit's ``awsglue`` and ``awsgluedq`` for plain PySpark (``make setup`` puts it on
#: ``sys.path`` with a ``.pth`` file; an installed glueline ships it as package data).
AWSGLUE_LOCAL = Path(__file__).resolve().parent / "awsglue_local"
#: Where a checkout of the kit keeps the S3A jars that ``make setup`` fetched.
KIT_JARS = Path(__file__).resolve().parents[1] / ".glueline" / "jars"


def pytest_configure(config: pytest.Config) -> None:
    """Make the kit's ``awsglue`` and ``awsgluedq`` importable where no others are, as the
    ``.pth`` install does: appended to ``sys.path``, so real packages always win. Test
    modules import them while they are collected, before any fixture runs."""
    missing = [name for name in ("awsglue", "awsgluedq") if importlib.util.find_spec(name) is None]
    if missing and str(AWSGLUE_LOCAL) not in sys.path:
        sys.path.append(str(AWSGLUE_LOCAL))


def s3a_jars() -> list[Path]:
    """The S3A jars: ``GLUELINE_JARS_DIR`` or ``./.glueline/jars`` as for job runs, else the
    kit checkout's; raises ``MissingJarsError`` saying how to fetch them."""
    from glueline.cloud.glue import launcher

    configured = launcher.jars_dir()
    try:
        return launcher.s3a_jars(configured)
    except launcher.MissingJarsError:
        if configured.resolve() == KIT_JARS.resolve():
            raise
        return launcher.s3a_jars(KIT_JARS)


@pytest.fixture(scope="session")
def glueline_endpoint() -> str:
    """The local cloud's endpoint; fails the session's first user if nothing listens."""
    from glueline.cloud.settings import CloudSettings

    endpoint = CloudSettings.from_environment().endpoint_url
    address = urlsplit(endpoint)
    try:
        with socket.create_connection((address.hostname, address.port), timeout=2):
            pass
    except OSError as exc:
        pytest.fail(
            f"No local cloud answers at {endpoint} ({exc}): start one with `make up` or "
            "`glueline up`, or set GLUELINE_PORT to the port of a running one",
            pytrace=False,
        )
    return endpoint


@pytest.fixture(scope="session")
def glueline_aws_environment(glueline_endpoint: str) -> Iterator[dict[str, str]]:
    """AWS SDK settings pointing at the local cloud, set for the rest of the session."""
    from glueline.cloud.settings import client_environment

    environment = client_environment(glueline_endpoint)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("AWS_PROFILE", raising=False)
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        for name, value in environment.items():
            patch.setenv(name, value)
        yield environment


@pytest.fixture(scope="session")
def glueline_spark(
    glueline_endpoint: str, glueline_aws_environment: dict[str, str]
) -> Iterator[SparkSession]:
    """A SparkSession whose ``s3://`` and ``s3a://`` paths are the local cloud's S3."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    from glueline.cloud.glue import launcher

    if SparkContext._active_spark_context is not None:
        pytest.fail(
            "A SparkSession already runs in this test process, without the S3A jars: "
            "request glueline_spark in every test that needs Spark, so that it starts first",
            pytrace=False,
        )
    builder = (
        SparkSession.builder.master("local[1]")
        .appName("glueline-testing")
        # On the class path rather than spark.jars, which copies 270 MB per session.
        .config("spark.driver.extraClassPath", os.pathsep.join(str(j) for j in s3a_jars()))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        # Python workers on this interpreter, whichever `python3` the PATH holds.
        .config("spark.pyspark.python", sys.executable)
    )
    for key, value in launcher.s3a_configuration(glueline_endpoint).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    yield session
    session.stop()


@pytest.fixture(scope="session")
def glueline_s3(glueline_aws_environment: dict[str, str]) -> Any:
    """A boto3 S3 client of the local cloud."""
    import boto3

    return boto3.client("s3", endpoint_url=glueline_aws_environment["AWS_ENDPOINT_URL"])
