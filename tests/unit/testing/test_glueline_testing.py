"""glueline.testing without Spark: where it finds the cloud and the S3A jars, and how it says
what is missing. Its SparkSession on a real local cloud is tested in
tests/integration/test_glueline_testing.py."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from glueline import testing
from glueline.cloud.glue.launcher import S3A_JARS, MissingJarsError

pytest_plugins = ["pytester"]


@pytest.fixture
def listening_port() -> Iterator[int]:
    """A port on which something accepts connections, as a running cloud would."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_plugin_is_registered_by_the_entry_point(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.get_plugin("glueline.testing") is testing


def test_endpoint_is_the_cloud_of_glueline_port(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, listening_port: int
) -> None:
    monkeypatch.setenv("GLUELINE_PORT", str(listening_port))
    pytester.makepyfile(
        f"""
        def test_endpoint(glueline_endpoint):
            assert glueline_endpoint == "http://localhost:{listening_port}"
        """
    )

    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_no_cloud_fails_the_test_saying_how_to_start_one(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("GLUELINE_PORT", str(port))
    pytester.makepyfile("def test_reads(glueline_spark):\n    pass\n")

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [f"*No local cloud answers at http://localhost:{port}*start one with `make up`*"]
    )


def test_aws_environment_points_sdks_at_the_cloud_for_the_session(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, listening_port: int
) -> None:
    monkeypatch.setenv("GLUELINE_PORT", str(listening_port))
    monkeypatch.setenv("AWS_PROFILE", "production")
    pytester.makepyfile(
        f"""
        import os

        def test_environment(glueline_aws_environment):
            assert os.environ["AWS_ENDPOINT_URL"] == "http://localhost:{listening_port}"
            assert os.environ["AWS_ACCESS_KEY_ID"] == "test"
            assert "AWS_PROFILE" not in os.environ
        """
    )

    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_jars_come_from_the_kit_checkout_when_the_project_has_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kit_jars = tmp_path / "kit-jars"
    kit_jars.mkdir()
    for name in S3A_JARS:
        (kit_jars / name).write_bytes(b"")
    monkeypatch.setattr(testing, "KIT_JARS", kit_jars)
    monkeypatch.delenv("GLUELINE_JARS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)

    assert testing.s3a_jars() == [kit_jars / name for name in S3A_JARS]


def test_missing_jars_say_how_to_fetch_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(testing, "KIT_JARS", tmp_path / "no-kit-jars")
    monkeypatch.setenv("GLUELINE_JARS_DIR", str(tmp_path / "no-jars"))

    with pytest.raises(MissingJarsError, match="Run `make setup`"):
        testing.s3a_jars()


def test_configure_appends_the_kit_awsglue_where_none_is_importable(
    monkeypatch: pytest.MonkeyPatch, pytestconfig: pytest.Config
) -> None:
    shim = str(testing.AWSGLUE_LOCAL)
    monkeypatch.setattr(sys, "path", [entry for entry in sys.path if entry != shim])
    monkeypatch.setattr(testing.importlib.util, "find_spec", lambda name: None)

    testing.pytest_configure(pytestconfig)

    assert sys.path[-1] == shim
