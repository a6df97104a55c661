"""The trigger engine against a Glue made of lists: what fires, when, with what."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from glueline.cloud.glue.observers import Finished
from glueline.cloud.glue.triggers.engine import ActionFailed, TriggerEngine, TriggerView
from glueline.cloud.glue.triggers.workflow_runs import COMPLETED, RUNNING, WorkflowRun


def trigger(name: str, kind: str, actions: list[dict], **settings: Any) -> TriggerView:
    return TriggerView(
        name=name,
        type=kind,
        state=settings.pop("state", "ACTIVATED"),
        workflow_name=settings.pop("workflow_name", None),
        schedule=settings.pop("schedule", None),
        predicate=settings.pop("predicate", None),
        actions=tuple(actions),
    )


class FakeGlue:
    account_id = "000000000000"
    region = "us-east-1"

    def __init__(self, triggers: list[TriggerView], missing_jobs: tuple[str, ...] = ()) -> None:
        self.trigger_list = triggers
        self.missing_jobs = missing_jobs
        self.started: list[tuple[str, str, dict[str, str]]] = []
        self.trigger_names: list[str] = []
        self.crawler_schedules: list[tuple[str, str]] = []

    def triggers(self) -> list[TriggerView]:
        return self.trigger_list

    def scheduled_crawlers(self) -> list[tuple[str, str]]:
        return self.crawler_schedules

    def start_job(
        self, action: Mapping[str, Any], extra_arguments: Mapping[str, str], trigger_name: str
    ) -> str:
        self.trigger_names.append(trigger_name)
        if action["JobName"] in self.missing_jobs:
            raise ActionFailed(f"Job {action['JobName']} not found")
        arguments = {**(action.get("Arguments") or {}), **extra_arguments}
        self.started.append(("JOB", action["JobName"], arguments))
        return f"jr_{len(self.started)}"

    def start_crawler(self, name: str) -> str:
        self.started.append(("CRAWLER", name, {}))
        return f"crawl_{len(self.started)}"

    def new_workflow_run(self, workflow_name: str, properties: dict | None = None) -> WorkflowRun:
        return WorkflowRun(workflow_name, "wr_1", properties or {})


def engine_for(glue: FakeGlue) -> TriggerEngine:
    return TriggerEngine(lambda: [glue], lambda account, region: glue)


def finished(kind: str, name: str, run_id: str, state: str) -> Finished:
    return Finished("000000000000", "us-east-1", kind, name, run_id, state)


def test_an_on_demand_trigger_starts_its_jobs_with_their_arguments_and_crawlers() -> None:
    glue = FakeGlue(
        [
            trigger(
                "now",
                "ON_DEMAND",
                [{"JobName": "load", "Arguments": {"--day": "1"}}, {"CrawlerName": "raw"}],
            )
        ]
    )

    engine_for(glue).start_trigger(glue, glue.trigger_list[0])

    assert glue.started == [("JOB", "load", {"--day": "1"}), ("CRAWLER", "raw", {})]
    assert glue.trigger_names == ["now"]


def test_a_conditional_trigger_fires_when_what_it_watches_ends_as_it_wants() -> None:
    predicate = {"Conditions": [{"JobName": "extract", "State": "SUCCEEDED"}]}
    watching = trigger("after", "CONDITIONAL", [{"JobName": "load"}], predicate=predicate)
    inactive = trigger(
        "off", "CONDITIONAL", [{"JobName": "other"}], predicate=predicate, state="CREATED"
    )
    glue = FakeGlue([watching, inactive])
    engine = engine_for(glue)

    engine.finished(finished("JOB", "extract", "jr_0", "FAILED"))
    assert glue.started == []
    engine.finished(finished("JOB", "extract", "jr_0", "SUCCEEDED"))

    assert glue.started == [("JOB", "load", {})]


def test_a_workflow_run_fires_its_graph_once_per_trigger_and_completes() -> None:
    start = trigger("start", "ON_DEMAND", [{"CrawlerName": "raw"}], workflow_name="flow")
    then = trigger(
        "then",
        "CONDITIONAL",
        [{"JobName": "load"}],
        workflow_name="flow",
        predicate={"Conditions": [{"CrawlerName": "raw", "CrawlState": "SUCCEEDED"}]},
    )
    glue = FakeGlue([start, then])
    engine = engine_for(glue)
    run = glue.new_workflow_run("flow")

    engine.start_workflow_run(glue, run)
    assert glue.started == [("CRAWLER", "raw", {})]
    engine.finished(finished("CRAWLER", "raw", "crawl_1", "SUCCEEDED"))
    assert glue.started[-1] == (
        "JOB",
        "load",
        {"--WORKFLOW_NAME": "flow", "--WORKFLOW_RUN_ID": "wr_1"},
    )
    assert run.status == RUNNING
    engine.finished(finished("JOB", "load", "jr_2", "SUCCEEDED"))

    assert run.status == COMPLETED
    assert run.statistics()["SucceededActions"] == 2
    assert run.fired == {"start", "then"}


def test_an_action_that_cannot_start_counts_as_errored_and_the_run_still_ends() -> None:
    start = trigger(
        "start", "ON_DEMAND", [{"JobName": "gone"}, {"JobName": "load"}], workflow_name="flow"
    )
    glue = FakeGlue([start], missing_jobs=("gone",))
    engine = engine_for(glue)
    run = glue.new_workflow_run("flow")

    engine.start_workflow_run(glue, run)
    engine.finished(finished("JOB", "load", "jr_1", "SUCCEEDED"))

    assert run.status == COMPLETED
    assert run.statistics()["ErroredActions"] == 1
    assert run.statistics()["SucceededActions"] == 1


def test_schedules_fire_at_their_minute_and_a_scheduled_workflow_trigger_starts_a_run() -> None:
    nightly = trigger("nightly", "SCHEDULED", [{"JobName": "load"}], schedule="cron(0 2 * * ? *)")
    flow = trigger(
        "flow-start",
        "SCHEDULED",
        [{"JobName": "extract"}],
        schedule="cron(0 2 * * ? *)",
        workflow_name="flow",
    )
    glue = FakeGlue([nightly, flow])
    glue.crawler_schedules = [("raw", "cron(0/30 * * * ? *)")]
    engine = engine_for(glue)

    engine.tick(datetime(2026, 12, 5, 1, 59, tzinfo=UTC))
    assert glue.started == []
    engine.tick(datetime(2026, 12, 5, 2, 0, tzinfo=UTC))

    assert sorted((kind, name) for kind, name, _ in glue.started) == [
        ("CRAWLER", "raw"),
        ("JOB", "extract"),
        ("JOB", "load"),
    ]
    extract = next(args for _, name, args in glue.started if name == "extract")
    assert extract["--WORKFLOW_NAME"] == "flow"
