"""Shared fixtures: one local SparkSession per test session, moto's Glue in-process."""

from __future__ import annotations

import argparse
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "us-legislators"


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """Small local Spark: one core, no UI, few shuffle partitions, UTC for stable timestamps."""
    session = (
        SparkSession.builder.master("local[1]")
        .appName("glue-jobs-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def glue(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A Glue client against moto's in-process mock, with fake credentials and a database."""
    import boto3
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        client = boto3.client("glue")
        client.create_database(DatabaseInput={"Name": "db"})
        yield client


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write a CSV under tmp_path; return its file:// path, unencoded like a decoded S3 key."""

    def _write(name: str, content: str | bytes) -> str:
        path = tmp_path / "input" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return f"file://{path}"

    return _write


@pytest.fixture
def awsglue_stub(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Install a minimal stand-in for awsglue that parses arguments the way AWS's does.

    Job scripts import awsglue only inside main(), so tests of main() install this instead.
    Reads through ``create_dynamic_frame.from_options`` are recorded too.
    AWS's getResolvedOptions always accepts ``--JOB_RUN_ID`` (reserved, optional) and makes
    every requested option required; the stand-in records the job lifecycle calls.
    """
    calls: list[str] = []

    def get_resolved_options(argv: list[str], options: list[str]) -> dict:
        parser = argparse.ArgumentParser()
        parser.add_argument("--JOB_RUN_ID", required=False)
        for option in options:
            parser.add_argument(f"--{option}", required=True)
        return vars(parser.parse_known_args(argv[1:])[0])

    class GlueContext:
        """Its S3 sources hold ``source_rows`` rows (0: nothing new for a bookmarked source);
        tests set it on ``sys.modules["awsglue.context"].GlueContext``."""

        source_rows = 1

        def __init__(self, _sc: object) -> None:
            self.spark_session = "spark"
            self.create_dynamic_frame = types.SimpleNamespace(from_options=self._from_options)

        def _from_options(self, **options: Any) -> Any:
            calls.append(f"read:{options['transformation_ctx']}:{options['connection_options']}")
            return types.SimpleNamespace(count=lambda: GlueContext.source_rows)

    class Job:
        def __init__(self, _context: object) -> None:
            pass

        def init(self, name: str, _args: dict) -> None:
            calls.append(f"init:{name}")

        def commit(self) -> None:
            calls.append("commit")

    modules = {
        "awsglue": types.ModuleType("awsglue"),
        "awsglue.utils": types.SimpleNamespace(getResolvedOptions=get_resolved_options),
        "awsglue.context": types.SimpleNamespace(GlueContext=GlueContext),
        "awsglue.job": types.SimpleNamespace(Job=Job),
        "pyspark.context": types.SimpleNamespace(
            SparkContext=types.SimpleNamespace(getOrCreate=lambda: None)
        ),
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr("boto3.client", lambda service: f"client:{service}")
    return calls
