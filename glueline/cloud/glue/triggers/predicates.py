"""When a CONDITIONAL trigger fires, decided from the states its conditions watch: no I/O.

A trigger's ``Predicate`` lists conditions on jobs (``JobName`` + ``State``: SUCCEEDED,
STOPPED, FAILED, TIMEOUT) and crawlers (``CrawlerName`` + ``CrawlState``: SUCCEEDED,
CANCELLED, FAILED), joined by ``Logical``: ``AND`` (the default: every condition holds) or
``ANY`` (one does). A condition holds when the latest finished run of its job or crawler
ended in that state; outside a workflow "latest" is the latest anywhere, inside a workflow
run it is the latest of that run. A trigger is considered only when something it watches
finishes, as AWS evaluates triggers on events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JOB = "JOB"
CRAWLER = "CRAWLER"
AND = "AND"
ANY = "ANY"

#: ``(JOB or CRAWLER, name)``
Watched = tuple[str, str]


def conditions_of(predicate: Mapping[str, Any] | None) -> list[tuple[Watched, str]]:
    """``((kind, name), wanted state)`` of each condition."""
    found = []
    for condition in (predicate or {}).get("Conditions") or []:
        if condition.get("JobName"):
            found.append(((JOB, condition["JobName"]), condition.get("State", "")))
        elif condition.get("CrawlerName"):
            found.append(((CRAWLER, condition["CrawlerName"]), condition.get("CrawlState", "")))
    return found


def with_default_logical(predicate: Mapping[str, Any]) -> dict[str, Any]:
    """The predicate with ``Logical`` filled in as AWS does: it may be left out when the
    predicate lists one condition (it then means ``AND``); with several it must be given,
    so a missing one stays missing and is refused by the caller's validation."""
    completed = dict(predicate)
    if not completed.get("Logical") and len(completed.get("Conditions") or []) <= 1:
        completed["Logical"] = AND
    return completed


def watches(predicate: Mapping[str, Any] | None, watched: Watched) -> bool:
    return any(source == watched for source, _ in conditions_of(predicate))


def satisfied(predicate: Mapping[str, Any] | None, latest: Mapping[Watched, str]) -> bool:
    """Whether the predicate holds for the latest finished states in ``latest``."""
    conditions = conditions_of(predicate)
    if not conditions:
        return False
    results = [latest.get(source) == wanted for source, wanted in conditions]
    logical = (predicate or {}).get("Logical") or AND
    return any(results) if logical == ANY else all(results)
