"""Who hears that a job run or a crawl finished: the one place runs and crawls report to.

Job runs and crawls know nothing of triggers and workflows; they report here when they end,
and whatever reacts (the trigger engine) subscribes. A listener that fails is logged and
never stalls the run or crawl that reported.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("glueline.glue")


@dataclass(frozen=True)
class Finished:
    """A job run or crawl that ended, where, and how."""

    account_id: str
    region: str
    #: ``JOB`` or ``CRAWLER``
    kind: str
    name: str
    run_id: str
    #: The job run's final state, or the crawl's ``LastCrawl.Status``.
    state: str


Listener = Callable[[Finished], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> Callable[[], None]:
    """Hear of every finished job run and crawl; returns the unsubscribe function."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def finished(event: Finished) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(event)
        except Exception:
            log.exception("a listener failed on %s %s run %s", event.kind, event.name, event.run_id)
