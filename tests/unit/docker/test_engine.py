"""When glueline may start a Docker engine, how, and what it says where it may not.

Starting one for real is what ``make docker-engine`` does before ``make test-docker``."""

from __future__ import annotations

from pathlib import Path

from glueline.docker_backend import engine


def test_root_with_dockerd_or_apt_get_can_start_an_engine() -> None:
    assert engine.why_no_engine_can_start(0, {}, "/usr/sbin/dockerd", None) is None
    assert engine.why_no_engine_can_start(0, {}, None, "/usr/bin/apt-get") is None
    assert (
        engine.why_no_engine_can_start(
            0, {"DOCKER_HOST": engine.DEFAULT_SOCKET}, None, "/usr/bin/apt-get"
        )
        is None
    )


def test_without_root_the_message_says_so_and_what_to_do() -> None:
    reason = engine.why_no_engine_can_start(1000, {}, "/usr/sbin/dockerd", "/usr/bin/apt-get")

    assert reason is not None
    assert "needs root (running as uid 1000)" in reason
    assert "start Docker yourself" in reason


def test_without_dockerd_or_apt_get_the_message_names_both() -> None:
    reason = engine.why_no_engine_can_start(0, {}, None, None)

    assert reason is not None
    assert "dockerd is not installed" in reason
    assert "no apt-get" in reason


def test_an_engine_named_elsewhere_is_not_replaced_by_a_local_one() -> None:
    reason = engine.why_no_engine_can_start(
        0, {"DOCKER_HOST": "tcp://build-host:2376"}, "/usr/sbin/dockerd", None
    )

    assert reason is not None
    assert "DOCKER_HOST=tcp://build-host:2376" in reason


def test_dockerd_keeps_its_data_outside_the_clone_and_leaves_the_firewall_alone() -> None:
    settings = engine.EngineSettings(data_root=Path("/var/lib/glueline-docker"))

    assert settings.dockerd_command("dockerd") == [
        "dockerd", "--data-root", "/var/lib/glueline-docker", "--iptables=false",
    ]  # fmt: skip
    assert engine.EngineSettings(storage_driver="vfs").dockerd_command("dockerd")[-2:] == [
        "--storage-driver",
        "vfs",
    ]
