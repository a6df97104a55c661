"""The request guard's policy, request by request, without a server."""

from __future__ import annotations

import pytest

from glueline.cloud.request_guard import GuardSettings, decide, host_name, is_loopback_name

DEFAULT = GuardSettings()


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "LOCALHOST.",
        "bucket.localhost",
        "127.0.0.1",
        "127.1.2.3",
        "::1",
        "localhost.localstack.cloud",
        "my-bucket.s3.localhost.localstack.cloud",
    ],
)
def test_loopback_names(host: str) -> None:
    assert is_loopback_name(host)


@pytest.mark.parametrize(
    "host", ["evil.example", "localhost.evil.example", "10.0.0.1", "0.0.0.0", "notlocalhost"]
)
def test_names_that_could_point_anywhere_are_not_loopback(host: str) -> None:
    assert not is_loopback_name(host)


@pytest.mark.parametrize(
    ("header", "name"),
    [("localhost:4566", "localhost"), ("[::1]:4566", "::1"), ("::1", "::1"), ("a.b", "a.b")],
)
def test_host_name_drops_the_port(header: str, name: str) -> None:
    assert host_name(header) == name


def test_sdk_requests_without_browser_headers_pass_without_cors() -> None:
    decision = decide("PUT", {"host": "localhost:4566"}, DEFAULT)
    assert decision.refusal is None and decision.cors_origin is None


def test_a_foreign_origin_is_refused_naming_it_and_the_setting() -> None:
    decision = decide("POST", {"host": "localhost:4566", "origin": "http://evil.example"}, DEFAULT)
    assert decision.refusal is not None
    assert "http://evil.example" in decision.refusal
    assert "GLUELINE_ALLOWED_ORIGINS" in decision.refusal


def test_an_opaque_null_origin_is_refused() -> None:
    assert decide("POST", {"host": "localhost", "origin": "null"}, DEFAULT).refusal


@pytest.mark.parametrize(
    "origin", ["http://localhost:3000", "https://app.localhost", "http://127.0.0.1:8080"]
)
def test_pages_served_from_loopback_are_granted_cors(origin: str) -> None:
    decision = decide("GET", {"host": "localhost:4566", "origin": origin}, DEFAULT)
    assert decision.refusal is None
    assert decision.cors_origin == origin
    assert not decision.preflight


def test_a_configured_origin_is_allowed_and_others_still_refused() -> None:
    settings = GuardSettings.from_environment(
        {"GLUELINE_ALLOWED_ORIGINS": "https://console.example.com/, http://x.test"}
    )
    assert decide("GET", {"origin": "https://console.example.com"}, settings).refusal is None
    assert decide("GET", {"origin": "http://x.test"}, settings).refusal is None
    assert decide("GET", {"origin": "https://other.example.com"}, settings).refusal


def test_a_preflight_from_an_allowed_origin_is_answered_by_the_guard() -> None:
    headers = {"origin": "http://localhost:3000", "access-control-request-method": "PUT"}
    assert decide("OPTIONS", headers, DEFAULT).preflight


def test_a_cross_site_navigation_without_origin_is_refused() -> None:
    headers = {"host": "localhost:4566", "sec-fetch-site": "cross-site"}
    assert decide("GET", headers, DEFAULT).refusal
    assert decide("GET", {**headers, "sec-fetch-site": "same-site"}, DEFAULT).refusal is None


def test_a_rebound_host_name_is_refused_unless_configured() -> None:
    assert "evil.example" in (decide("GET", {"host": "evil.example:4566"}, DEFAULT).refusal or "")
    settings = GuardSettings.from_environment({"GLUELINE_ALLOWED_HOSTS": "glueline"})
    assert decide("GET", {"host": "glueline:4567"}, settings).refusal is None
