"""Memory that large requests took goes back to the system once they stop.

moto reads each request body whole (an ``UploadPart`` of 8 MB is 8 MB of bytes, copied on
the way). Python frees it when the request ends, but the C allocator keeps what it freed in
its arenas: after a 500 MB multipart upload the cloud's resident memory stayed 160 MiB above
where it was, though the object is on disk. Once large requests have been quiet for a
moment, a full collection and ``malloc_trim`` (glibc gives its free arenas back) bring it to
within 10 MiB; a burst of upload parts pays for one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

#: Bodies from this size on are worth a release.
LARGE_BODY_BYTES = 1024 * 1024
#: The release waits until large requests have stopped for this long: a full collection holds
#: every request thread for a fraction of a second, which a burst of upload parts should not
#: pay each time.
QUIET_SECONDS = 1.0

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _malloc_trim() -> Callable[[], None]:
    library = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(library), "malloc_trim", None) if library else None
    if trim is None:
        return lambda: None
    return lambda: trim(0)


class ReleaseAfterLargeRequests:
    """WSGI middleware: one release, once large requests have been quiet for a moment."""

    def __init__(self, app: WsgiApp, quiet_seconds: float = QUIET_SECONDS) -> None:
        self._app = app
        self._trim = _malloc_trim()
        self._quiet_seconds = quiet_seconds
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        #: How many releases ran; for tests.
        self.releases = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        response = self._app(environ, start_response)
        if _content_length(environ) < LARGE_BODY_BYTES:
            return response
        return self._then_release(response)

    def _then_release(self, response: Iterable[bytes]) -> Iterator[bytes]:
        try:
            yield from response
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()
            del response
            self._schedule_release()

    def _schedule_release(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self._quiet_seconds, self._release)
            self._timer.daemon = True
            self._timer.start()

    def _release(self) -> None:
        gc.collect()
        self._trim()
        with self._lock:
            self.releases += 1


def _content_length(environ: dict[str, Any]) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
