"""When the local cloud's state is written: soon after it changes, never more than once a
second, and once more when the cloud stops.

A change is a request that can modify something (anything but a read), or progress that no
request reports (a job run moving on). Writing from one background thread, at most every
``interval`` seconds, bounds what a crash (kill -9) can lose to about that interval plus the
time one save takes (a change made while a snapshot is written may be only in the next one),
and what saving costs to one snapshot per interval however many requests arrive.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from glueline.cloud.persistence import StateStore

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: Seconds between two snapshots at most; also how often ``progress`` is looked at.
DEFAULT_INTERVAL = 1.0
#: Methods that never change state.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Operations (named by the JSON protocols' ``X-Amz-Target``) that only read.
READ_OPERATION_PREFIXES = ("Get", "List", "Describe", "BatchGet", "Search", "Lookup", "Filter")
#: glueline's own routes (health) change nothing; custom-resource answers are POSTed work.
HEALTH_PATH = "/_glueline/health"

log = logging.getLogger("glueline.cloud")


def changes_state(environ: dict[str, Any]) -> bool:
    """Whether a request may have changed something, judged from its method and operation.

    Query-protocol calls (IAM, STS, CloudFormation, SNS) name their operation in the body,
    which is not read here: any POST of theirs counts as a change.
    """
    if environ.get("REQUEST_METHOD", "GET") in READ_METHODS:
        return False
    if environ.get("PATH_INFO") == HEALTH_PATH:
        return False
    operation = str(environ.get("HTTP_X_AMZ_TARGET", "")).rpartition(".")[2]
    return not operation.startswith(READ_OPERATION_PREFIXES)


class AutoSaver:
    """Saves a :class:`StateStore` in the background when the state has changed."""

    def __init__(
        self,
        store: StateStore,
        progress: Callable[[], Hashable] = tuple,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        """``progress`` returns something that differs whenever background work moved on."""
        self._store = store
        self._progress = progress
        self._interval = interval
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="glueline-autosave", daemon=True)
        self._last_progress: Hashable = progress()

    def middleware(self, app: WsgiApp) -> WsgiApp:
        """``app``, marking the state changed after each request that may have changed it."""

        def marked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            try:
                return app(environ, start_response)
            finally:
                if changes_state(environ):
                    self.mark_changed()

        return marked

    def mark_changed(self) -> None:
        self._dirty.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self, settled: Callable[[], bool] = lambda: True, settle_seconds: float = 3.0) -> None:
        """Stop saving in the background, wait up to ``settle_seconds`` for ``settled``
        (runs recording their end), then save one last time."""
        self._stopping.set()
        self._dirty.set()
        if self._thread.is_alive():
            self._thread.join()
        deadline = time.monotonic() + settle_seconds
        while not settled() and time.monotonic() < deadline:
            time.sleep(0.1)
        self._save()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            changed = self._dirty.wait(self._interval)
            if self._stopping.is_set():
                return
            progress = self._progress()
            if not changed and progress == self._last_progress:
                continue
            self._dirty.clear()
            self._last_progress = progress
            self._save()
            self._stopping.wait(self._interval)

    def _save(self) -> None:
        """Save; a failure is logged and retried at the next change, never fatal to the
        cloud (the previous snapshot stays whole)."""
        try:
            started = time.monotonic()
            saved = self._store.save()
            log.debug("state saved in %.3f s: %s", time.monotonic() - started, saved.describe())
        except Exception:
            log.exception("could not save the local cloud's state to %s", self._store.directory)
            self._dirty.set()
