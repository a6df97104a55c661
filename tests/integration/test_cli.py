"""``glueline up`` / ``status`` / ``down`` as a user runs them."""

from __future__ import annotations

import pytest

from glueline.cloud.settings import CloudSettings

pytestmark = pytest.mark.integration


def test_second_up_is_a_no_op(glueline_cli, local_cloud: CloudSettings) -> None:
    before = local_cloud.pid_file.read_text()
    result = glueline_cli("up")
    assert result.returncode == 0
    assert "already running" in result.stdout
    assert local_cloud.pid_file.read_text() == before


def test_status_says_where_log_and_state_live(glueline_cli, local_cloud: CloudSettings) -> None:
    result = glueline_cli("status")
    assert result.returncode == 0
    assert "running" in result.stdout
    assert str(local_cloud.log_file) in result.stdout
    assert local_cloud.endpoint_url in result.stdout


def test_up_on_a_busy_port_says_so(glueline_cli, local_cloud: CloudSettings, tmp_path) -> None:
    """A second cloud from another state directory cannot take the same port."""
    result = glueline_cli("up", env={"GLUELINE_STATE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert f"port {local_cloud.port} is already in use" in result.stderr


def test_env_prints_exports_for_the_endpoint(glueline_cli, local_cloud: CloudSettings) -> None:
    result = glueline_cli("env")
    assert f"export AWS_ENDPOINT_URL={local_cloud.endpoint_url}" in result.stdout.splitlines()


def test_commands_that_need_the_cloud_say_how_to_start_it(glueline_cli, tmp_path) -> None:
    elsewhere = {"GLUELINE_PORT": "1", "GLUELINE_STATE_DIR": str(tmp_path)}
    for command in ("deploy", "e2e"):
        result = glueline_cli(command, env=elsewhere)
        assert result.returncode == 1
        assert "the local cloud is not running on http://localhost:1" in result.stderr
