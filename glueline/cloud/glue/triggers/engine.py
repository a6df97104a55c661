"""Triggers that fire and workflows that run: the local cloud's Glue scheduler.

- ``StartTrigger`` on an ON_DEMAND trigger starts its actions at once; SCHEDULED and
  CONDITIONAL triggers act while ACTIVATED.
- CONDITIONAL triggers are evaluated when a job run or crawl they watch finishes
  (:mod:`~glueline.cloud.glue.observers`), with :mod:`.predicates`.
- SCHEDULED triggers and crawler schedules are evaluated once a minute, at the minute, in
  UTC (:mod:`~glueline.cloud.glue.schedules`); a scheduled trigger that starts a workflow
  starts a workflow run.
- A workflow run fires its start triggers (those of the workflow that are not CONDITIONAL),
  then each CONDITIONAL trigger of the workflow at most once, on the states of that run's own
  actions; job runs it starts get ``--WORKFLOW_NAME`` and ``--WORKFLOW_RUN_ID`` as in AWS.

An action that cannot start (a missing job, a crawler already running) is logged, and in a
workflow run it counts as an errored action; it never stops the other actions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from glueline.cloud.glue import observers, schedules
from glueline.cloud.glue.triggers import predicates
from glueline.cloud.glue.triggers.predicates import CRAWLER, JOB
from glueline.cloud.glue.triggers.workflow_runs import WorkflowRun

log = logging.getLogger("glueline.glue.triggers")

ON_DEMAND = "ON_DEMAND"
SCHEDULED = "SCHEDULED"
CONDITIONAL = "CONDITIONAL"
ACTIVATED = "ACTIVATED"


@dataclass(frozen=True)
class TriggerView:
    """A trigger as ``GetTrigger`` reports it, with the fields the engine reads."""

    name: str
    type: str
    state: str
    workflow_name: str | None
    schedule: str | None
    predicate: Mapping[str, Any] | None
    actions: tuple[Mapping[str, Any], ...]
    rendered: Mapping[str, Any] = field(default_factory=dict)


class ActionFailed(Exception):
    """An action could not start; the message says why."""


class GlueScope(Protocol):
    """One account and region's Glue, as the engine uses it."""

    account_id: str
    region: str

    def triggers(self) -> list[TriggerView]: ...

    def scheduled_crawlers(self) -> list[tuple[str, str]]:
        """``(crawler name, schedule expression)`` of crawlers with a schedule."""
        ...

    def start_job(
        self, action: Mapping[str, Any], extra_arguments: Mapping[str, str], trigger_name: str
    ) -> str:
        """Start the action's job run, which reports ``TriggerName`` as in AWS; returns its
        id or raises :class:`ActionFailed`."""
        ...

    def start_crawler(self, name: str) -> str:
        """Start a crawl; returns its id or raises :class:`ActionFailed`."""
        ...

    def new_workflow_run(
        self, workflow_name: str, properties: dict[str, str] | None = None
    ) -> WorkflowRun:
        """Create the workflow's run record (``StartWorkflowRun`` without the firing)."""
        ...


class TriggerEngine:
    """Fires triggers on demand, on events and on schedules; runs workflow graphs."""

    def __init__(
        self,
        scopes: Callable[[], Iterable[GlueScope]],
        scope_for: Callable[[str, str], GlueScope],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._scopes = scopes
        self._scope_for = scope_for
        self._clock = clock
        self._lock = threading.RLock()
        #: Latest finished state of every job and crawler, per account and region.
        self._latest: dict[tuple[str, str], dict[predicates.Watched, str]] = {}
        self._workflow_runs: list[WorkflowRun] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- entry points -------------------------------------------------------------------

    def start_trigger(self, scope: GlueScope, trigger: TriggerView) -> None:
        """``StartTrigger``: an ON_DEMAND trigger's actions start now."""
        if trigger.type == ON_DEMAND:
            self._fire(scope, trigger, None)

    def start_workflow_run(self, scope: GlueScope, run: WorkflowRun) -> None:
        """Fire the workflow's start triggers in a new run."""
        with self._lock:
            self._workflow_runs.append(run)
        for trigger in scope.triggers():
            if trigger.workflow_name == run.workflow_name and trigger.type != CONDITIONAL:
                self._fire(scope, trigger, run)
        run.settle()

    def finished(self, event: observers.Finished) -> None:
        """A job run or crawl ended: record it, then fire what was waiting for it."""
        scope = self._scope_for(event.account_id, event.region)
        watched = (event.kind, event.name)
        with self._lock:
            latest = self._latest.setdefault((event.account_id, event.region), {})
            latest[watched] = event.state
            latest = dict(latest)
            owner = next(
                (
                    run
                    for run in self._workflow_runs
                    if run.owns(event.kind, event.name, event.run_id)
                ),
                None,
            )
        if owner is not None:
            owner.finished(event.kind, event.name, event.run_id, event.state)
        for trigger in scope.triggers():
            if trigger.type != CONDITIONAL or not predicates.watches(trigger.predicate, watched):
                continue
            if owner is not None and trigger.workflow_name == owner.workflow_name:
                if trigger.name not in owner.fired and predicates.satisfied(
                    trigger.predicate, owner.latest()
                ):
                    self._fire(scope, trigger, owner)
            elif (
                not trigger.workflow_name
                and trigger.state == ACTIVATED
                and predicates.satisfied(trigger.predicate, latest)
            ):
                self._fire(scope, trigger, None)
        if owner is not None:
            owner.settle()

    def tick(self, moment: datetime) -> None:
        """Fire what is scheduled in the minute of ``moment``."""
        for scope in self._scopes():
            for trigger in scope.triggers():
                if trigger.type != SCHEDULED or trigger.state != ACTIVATED:
                    continue
                if not _due(trigger.schedule, moment, f"trigger {trigger.name}"):
                    continue
                if trigger.workflow_name:
                    self.start_workflow_run(scope, scope.new_workflow_run(trigger.workflow_name))
                else:
                    self._fire(scope, trigger, None)
            for name, expression in scope.scheduled_crawlers():
                if _due(expression, moment, f"crawler {name}"):
                    try:
                        scope.start_crawler(name)
                    except ActionFailed as exc:
                        log.warning("scheduled crawl of %s did not start: %s", name, exc)

    # --- the minute clock ---------------------------------------------------------------

    def start(self) -> None:
        """Evaluate schedules at every minute, on a daemon thread."""
        self._thread = threading.Thread(target=self._every_minute, name="glue-schedules")
        self._thread.daemon = True
        self._thread.start()

    def shutdown(self) -> None:
        self._stop.set()

    def _every_minute(self) -> None:
        last_minute = self._clock().replace(second=0, microsecond=0)
        while not self._stop.is_set():
            now = self._clock()
            self._stop.wait(60 - now.second - now.microsecond / 1e6 + 0.05)
            minute = self._clock().replace(second=0, microsecond=0)
            if minute > last_minute and not self._stop.is_set():
                last_minute = minute
                try:
                    self.tick(minute)
                except Exception:
                    log.exception("evaluating Glue schedules at %s failed", minute)

    # --- firing -------------------------------------------------------------------------

    def _fire(self, scope: GlueScope, trigger: TriggerView, run: WorkflowRun | None) -> None:
        """Start the trigger's actions. Holding the engine's lock until each action is
        recorded in its workflow run means a crawl that ends at once is still found there."""
        with self._lock:
            self._fire_locked(scope, trigger, run)

    def _fire_locked(self, scope: GlueScope, trigger: TriggerView, run: WorkflowRun | None) -> None:
        if run is not None:
            with run.lock:
                if not run.accepting or trigger.name in run.fired:
                    return
                run.fired.add(trigger.name)
        log.info("trigger %s fires %d action(s)", trigger.name, len(trigger.actions))
        extra = (
            {"--WORKFLOW_NAME": run.workflow_name, "--WORKFLOW_RUN_ID": run.run_id}
            if run is not None
            else {}
        )
        for action in trigger.actions:
            kind, name = (
                (JOB, action["JobName"])
                if action.get("JobName")
                else (
                    CRAWLER,
                    action.get("CrawlerName", ""),
                )
            )
            try:
                if kind == JOB:
                    run_id = scope.start_job(action, extra, trigger.name)
                else:
                    run_id = scope.start_crawler(name)
            except ActionFailed as exc:
                log.warning("trigger %s could not start %s %s: %s", trigger.name, kind, name, exc)
                if run is not None:
                    run.started(kind, name, f"error-{trigger.name}-{name}")
                    run.finished(kind, name, f"error-{trigger.name}-{name}", "ERROR")
                continue
            if run is not None:
                run.started(kind, name, run_id)


def _due(expression: str | None, moment: datetime, what: str) -> bool:
    try:
        return bool(expression) and schedules.parse(expression or "").matches(moment)
    except schedules.InvalidSchedule as exc:
        log.warning("the schedule of %s is not evaluated: %s", what, exc)
        return False
