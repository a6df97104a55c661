"""The release of memory after large requests: when it runs, and how often."""

from __future__ import annotations

import time
from typing import Any

from glueline.cloud.memory import LARGE_BODY_BYTES, ReleaseAfterLargeRequests


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [])
    return [b"done"]


def request(middleware: ReleaseAfterLargeRequests, size: int) -> bytes:
    return b"".join(middleware({"CONTENT_LENGTH": str(size)}, lambda *args: None))


def settle(middleware: ReleaseAfterLargeRequests, quiet: float) -> int:
    time.sleep(quiet * 6)
    return middleware.releases


def first_release(middleware: ReleaseAfterLargeRequests, within: float = 30.0) -> int:
    """Wait for a release: a full collection in a large test process can take a while."""
    deadline = time.monotonic() + within
    while middleware.releases == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    return middleware.releases


def test_a_burst_of_large_requests_is_followed_by_one_release() -> None:
    middleware = ReleaseAfterLargeRequests(app, quiet_seconds=1.0)
    for _ in range(3):
        assert request(middleware, LARGE_BODY_BYTES) == b"done"
    assert middleware.releases == 0, "nothing is released while the burst goes on"
    assert first_release(middleware) == 1
    assert settle(middleware, 0.5) == 1, "the burst is released once"


def test_small_and_bodiless_requests_release_nothing() -> None:
    middleware = ReleaseAfterLargeRequests(app, quiet_seconds=0.05)
    assert request(middleware, LARGE_BODY_BYTES - 1) == b"done"
    assert b"".join(middleware({"CONTENT_LENGTH": "not a number"}, lambda *a: None)) == b"done"
    assert b"".join(middleware({}, lambda *args: None)) == b"done"
    assert settle(middleware, 0.05) == 0


def test_moto_service_apps_run_out_of_flask_debug_mode() -> None:
    """In debug mode Flask gives each request without a form a class that holds the request
    (body included) after it ended; exceptions must still reach the server's log."""
    from glueline.cloud.server import create_service_app

    app = create_service_app("s3")

    assert app.debug is False
    assert app.config["PROPAGATE_EXCEPTIONS"] is True
