"""Wires the trigger engine into moto's Glue service.

moto stores triggers and workflows but nothing fires: ``StartTrigger`` only flips a state,
and a workflow run stays RUNNING with no actions, statistics or graph. Here ``StartTrigger``
fires ON_DEMAND triggers, ``StartWorkflowRun`` runs the workflow's graph,
``StopWorkflowRun`` stops a run from starting more, and ``GetWorkflow``/``GetWorkflowRun(s)``
report the run's real status, ``Statistics`` and ``Graph``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from glueline.cloud import patches
from glueline.cloud.glue.crawlers.moto_integration import history_of
from glueline.cloud.glue.triggers import workflow_runs
from glueline.cloud.glue.triggers.engine import ActionFailed, TriggerEngine, TriggerView
from glueline.cloud.glue.triggers.predicates import CRAWLER, JOB, with_default_logical
from glueline.cloud.glue.triggers.workflow_runs import WorkflowRun

#: Where a moto workflow run keeps glueline's record of it and the scope it runs in.
RUN_ATTRIBUTE = "glueline_run"


def _backend(account_id: str, region: str) -> Any:
    from moto.glue.models import glue_backends

    return glue_backends[account_id][region]


def trigger_view(trigger: Any) -> TriggerView:
    return TriggerView(
        name=trigger.name,
        type=trigger.trigger_type,
        state=trigger.state,
        workflow_name=trigger.workflow_name or None,
        schedule=trigger.schedule,
        predicate=trigger.predicate.as_dict() if trigger.predicate else None,
        actions=tuple(action.as_dict() for action in trigger.actions),
        rendered=trigger.as_dict(),
    )


class MotoGlueScope:
    """moto's Glue backend of one account and region, as the trigger engine uses it."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region

    @property
    def backend(self) -> Any:
        return _backend(self.account_id, self.region)

    def triggers(self) -> list[TriggerView]:
        return [trigger_view(trigger) for trigger in list(self.backend.triggers.values())]

    def scheduled_crawlers(self) -> list[tuple[str, str]]:
        crawlers = list(self.backend.crawlers.values())
        return [(crawler.name, crawler.schedule) for crawler in crawlers if crawler.schedule]

    def start_job(
        self, action: Mapping[str, Any], extra_arguments: Mapping[str, str], trigger_name: str
    ) -> str:
        from moto.glue.exceptions import GlueClientError

        try:
            job = self.backend.get_job(action["JobName"])
            run_id = job.start_job_run(
                allocated_capacity=None,
                max_capacity=None,
                timeout=action.get("Timeout"),
                worker_type=None,
                security_configuration=action.get("SecurityConfiguration"),
                number_of_workers=None,
                notification_property=action.get("NotificationProperty"),
                previous_run_id=None,
                arguments={**(action.get("Arguments") or {}), **extra_arguments},
            )
            job.get_job_run(run_id).trigger_name = trigger_name
        except GlueClientError as exc:
            raise ActionFailed(str(exc.message)) from exc
        return run_id

    def start_crawler(self, name: str) -> str:
        from moto.glue.exceptions import GlueClientError

        try:
            crawl = self.backend.get_crawler(name).start_crawler()
        except GlueClientError as exc:
            raise ActionFailed(str(exc.message)) from exc
        return crawl.crawl_id

    def new_workflow_run(
        self, workflow_name: str, properties: dict[str, str] | None = None
    ) -> WorkflowRun:
        """moto's run (its id, properties and place in ``GetWorkflowRuns``) with glueline's
        record attached."""
        from moto.glue.exceptions import EntityNotFoundException

        workflow = self.backend.workflows.get(workflow_name)
        if workflow is None:
            raise EntityNotFoundException(f"Workflow {workflow_name} not found")
        run_id = workflow.start_run(properties=properties)
        fake_run = workflow.get_run(run_id)
        record = WorkflowRun(workflow_name, run_id, dict(fake_run.properties))
        setattr(fake_run, RUN_ATTRIBUTE, (record, self))
        return record

    def run_graph(self, record: WorkflowRun) -> dict[str, Any]:
        """The workflow's graph with this run's job runs and crawls in its nodes."""
        job_runs: dict[str, list[dict[str, Any]]] = {}
        crawls: dict[str, list[dict[str, Any]]] = {}
        for action in list(record.actions):
            if action.kind == JOB and action.name in self.backend.jobs:
                for run in self.backend.jobs[action.name].job_runs:
                    if run.job_run_id == action.run_id:
                        job_runs.setdefault(action.name, []).append(run.as_dict())
            elif action.kind == CRAWLER and action.name in self.backend.crawlers:
                history = history_of(self.backend.crawlers[action.name])
                for crawl in history.crawls:
                    if crawl.crawl_id == action.run_id:
                        crawls.setdefault(action.name, []).append(_crawl_node(crawl))
        return workflow_runs.graph(self._workflow_triggers(record.workflow_name), job_runs, crawls)

    def _workflow_triggers(self, workflow_name: str) -> list[Mapping[str, Any]]:
        return [t.rendered for t in self.triggers() if t.workflow_name == workflow_name]


def _crawl_node(crawl: Any) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "State": crawl.outcome or "RUNNING",
        "StartedOn": crawl.started_on,
        "LogGroup": "/aws-glue/crawlers",
        "LogStream": crawl.crawler_name,
    }
    if crawl.completed_on is not None:
        rendered["CompletedOn"] = crawl.completed_on
    if crawl.error_message:
        rendered["ErrorMessage"] = crawl.error_message
    return rendered


def scopes() -> Iterator[MotoGlueScope]:
    """Every account and region whose Glue holds something."""
    from moto.glue.models import glue_backends

    for account_id, regions in list(glue_backends.items()):
        for region, backend in list(regions.items()):
            if backend.triggers or backend.crawlers:
                yield MotoGlueScope(account_id, region)


def install(engine: TriggerEngine) -> None:
    """Make triggers fire and workflow runs run."""
    from moto.glue.exceptions import EntityNotFoundException, InvalidInputException
    from moto.glue.models import FakeTrigger, FakeWorkflow, FakeWorkflowRun, GlueBackend
    from moto.glue.utils import Predicate

    @patches.wrap(
        Predicate,
        "__init__",
        reason="a one-condition predicate may leave out Logical (AND), as in AWS and in "
        "CloudFormation templates; moto raised ValueError (a 500) without it",
    )
    def predicate_init(original: Any, self: Any, inputs: dict[str, Any]) -> None:
        completed = with_default_logical(inputs)
        if not completed.get("Logical"):
            raise InvalidInputException(
                "CreateTrigger", "Logical is required when a predicate has several conditions"
            )
        original(self, completed)

    @patches.wrap(FakeTrigger, "start_trigger", reason="ON_DEMAND triggers start their actions")
    def start_trigger(original: Any, self: Any) -> None:
        original(self)
        scope = MotoGlueScope(self.backend.account_id, self.backend.region_name)
        engine.start_trigger(scope, trigger_view(self))

    def start_workflow_run(self: Any, workflow_name: str, properties: dict[str, str] | None) -> str:
        scope = MotoGlueScope(self.account_id, self.region_name)
        record = scope.new_workflow_run(workflow_name, properties)
        engine.start_workflow_run(scope, record)
        return record.run_id

    def stop_workflow_run(self: Any, workflow_name: str, run_id: str) -> None:
        workflow = self.workflows.get(workflow_name)
        if workflow is None:
            raise EntityNotFoundException("Entity not found")
        attached = getattr(workflow.get_run(run_id), RUN_ATTRIBUTE, None)
        if attached is not None:
            attached[0].stop()

    @patches.wrap(FakeWorkflowRun, "as_dict", reason="a workflow run's status, statistics, graph")
    def workflow_run_as_dict(original: Any, self: Any) -> dict[str, Any]:
        attached = getattr(self, RUN_ATTRIBUTE, None)
        if attached is None:
            return original(self)
        record, scope = attached
        rendered = record.as_dict()
        if self.previous_run_id:
            rendered["PreviousRunId"] = self.previous_run_id
        rendered["Graph"] = scope.run_graph(record)
        return rendered

    @patches.wrap(FakeWorkflow, "as_dict", reason="GetWorkflow reports the workflow's graph")
    def workflow_as_dict(original: Any, self: Any) -> dict[str, Any]:
        rendered = original(self)
        backends = (
            backend
            for regions in _all_glue_backends()
            for backend in regions
            if backend.workflows.get(self.name) is self
        )
        backend = next(backends, None)
        if backend is not None:
            triggers = [
                trigger.as_dict()
                for trigger in backend.triggers.values()
                if trigger.workflow_name == self.name
            ]
            rendered["Graph"] = workflow_runs.graph(triggers)
        return rendered

    patches.replace(
        GlueBackend, "start_workflow_run", start_workflow_run, reason="workflow runs run"
    )
    patches.replace(
        GlueBackend, "stop_workflow_run", stop_workflow_run, reason="stopping stops a run"
    )


def _all_glue_backends() -> Iterator[list[Any]]:
    from moto.glue.models import glue_backends

    for regions in list(glue_backends.values()):
        yield list(regions.values())
