"""A workflow run's record: the actions its triggers started, its statistics and its graph.

A run starts RUNNING when ``StartWorkflowRun`` fires the workflow's start trigger; each job
run or crawl a trigger starts is one action of the run; a run is COMPLETED once no action is
running and no trigger fires any more (AWS reports COMPLETED even if actions failed: the
failures are in its ``Statistics``). ``StopWorkflowRun`` stops it from starting more.

The graph is AWS's ``WorkflowGraph``: TRIGGER, JOB and CRAWLER nodes, an edge from each
trigger to what it starts and from each watched job or crawler to the trigger watching it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from glueline.cloud.glue.triggers.predicates import CRAWLER, JOB, Watched, conditions_of

RUNNING = "RUNNING"
COMPLETED = "COMPLETED"
STOPPING = "STOPPING"
STOPPED = "STOPPED"

#: A finished action's state -> the ``WorkflowRunStatistics`` counter it counts in.
_COUNTERS = {
    "SUCCEEDED": "SucceededActions",
    "FAILED": "FailedActions",
    "ERROR": "ErroredActions",
    "TIMEOUT": "TimeoutActions",
    "STOPPED": "StoppedActions",
    "CANCELLED": "StoppedActions",
}
FINISHED_STATES = frozenset(_COUNTERS)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ActionRun:
    """One job run or crawl a trigger of the workflow run started."""

    kind: str
    name: str
    run_id: str
    state: str = RUNNING


@dataclass
class WorkflowRun:
    workflow_name: str
    run_id: str
    properties: dict[str, str] = field(default_factory=dict)
    status: str = RUNNING
    clock: Callable[[], datetime] = field(default=_now, repr=False)
    started_on: datetime = field(default_factory=_now)
    completed_on: datetime | None = None
    actions: list[ActionRun] = field(default_factory=list)
    fired: set[str] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        self.started_on = self.clock()

    @property
    def accepting(self) -> bool:
        """Whether triggers may still start actions in this run."""
        return self.status == RUNNING

    def started(self, kind: str, name: str, run_id: str) -> None:
        with self.lock:
            self.actions.append(ActionRun(kind, name, run_id))

    def owns(self, kind: str, name: str, run_id: str) -> bool:
        return any((a.kind, a.name, a.run_id) == (kind, name, run_id) for a in self.actions)

    def finished(self, kind: str, name: str, run_id: str, state: str) -> None:
        with self.lock:
            for action in self.actions:
                if (action.kind, action.name, action.run_id) == (kind, name, run_id):
                    action.state = state

    def latest(self) -> dict[Watched, str]:
        """The latest finished state of each job and crawler in this run."""
        with self.lock:
            return {(a.kind, a.name): a.state for a in self.actions if a.state in FINISHED_STATES}

    @property
    def idle(self) -> bool:
        return not any(action.state not in FINISHED_STATES for action in self.actions)

    def settle(self) -> None:
        """End the run if nothing runs any more: COMPLETED, or STOPPED after a stop."""
        with self.lock:
            if self.completed_on is None and self.idle and self.status in (RUNNING, STOPPING):
                self.status = COMPLETED if self.status == RUNNING else STOPPED
                self.completed_on = self.clock()

    def stop(self) -> None:
        with self.lock:
            if self.status == RUNNING:
                self.status = STOPPING
        self.settle()

    def statistics(self) -> dict[str, int]:
        with self.lock:
            counts = dict.fromkeys(
                (
                    "TotalActions",
                    "TimeoutActions",
                    "FailedActions",
                    "StoppedActions",
                    "SucceededActions",
                    "RunningActions",
                    "ErroredActions",
                    "WaitingActions",
                ),
                0,
            )
            counts["TotalActions"] = len(self.actions)
            for action in self.actions:
                counts[_COUNTERS.get(action.state, "RunningActions")] += 1
            return counts

    def as_dict(self) -> dict[str, Any]:
        """``WorkflowRun`` without the graph."""
        rendered: dict[str, Any] = {
            "Name": self.workflow_name,
            "WorkflowRunId": self.run_id,
            "WorkflowRunProperties": dict(self.properties),
            "StartedOn": self.started_on,
            "Status": self.status,
            "Statistics": self.statistics(),
        }
        if self.completed_on is not None:
            rendered["CompletedOn"] = self.completed_on
        return rendered


def graph(
    triggers: Iterable[Mapping[str, Any]],
    job_runs: Mapping[str, list[dict[str, Any]]] | None = None,
    crawls: Mapping[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The ``WorkflowGraph`` of a workflow's triggers (``GetTrigger`` shapes); with a run,
    ``job_runs`` and ``crawls`` are that run's, by job and crawler name."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, str]] = []

    def node(kind: str, name: str) -> str:
        unique_id = f"{kind.lower()}_{name}"
        if unique_id not in nodes:
            rendered: dict[str, Any] = {"Type": kind, "Name": name, "UniqueId": unique_id}
            if kind == JOB:
                rendered["JobDetails"] = {"JobRuns": list((job_runs or {}).get(name, []))}
            elif kind == CRAWLER:
                rendered["CrawlerDetails"] = {"Crawls": list((crawls or {}).get(name, []))}
            nodes[unique_id] = rendered
        return unique_id

    for trigger in triggers:
        trigger_id = node("TRIGGER", trigger["Name"])
        nodes[trigger_id]["TriggerDetails"] = {"Trigger": dict(trigger)}
        for action in trigger.get("Actions") or []:
            kind, name = (
                (JOB, action["JobName"])
                if action.get("JobName")
                else (
                    CRAWLER,
                    action.get("CrawlerName", ""),
                )
            )
            edges.append({"SourceId": trigger_id, "DestinationId": node(kind, name)})
        for (kind, name), _ in conditions_of(trigger.get("Predicate")):
            edges.append({"SourceId": node(kind, name), "DestinationId": trigger_id})
    return {"Nodes": list(nodes.values()), "Edges": edges}
