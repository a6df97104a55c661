"""Conditional triggers' predicates, and workflow runs' statistics and graph."""

from __future__ import annotations

from glueline.cloud.glue.triggers import predicates
from glueline.cloud.glue.triggers.workflow_runs import (
    COMPLETED,
    RUNNING,
    STOPPED,
    WorkflowRun,
    graph,
)

BOTH = {
    "Logical": "AND",
    "Conditions": [
        {"LogicalOperator": "EQUALS", "JobName": "extract", "State": "SUCCEEDED"},
        {"LogicalOperator": "EQUALS", "CrawlerName": "raw", "CrawlState": "SUCCEEDED"},
    ],
}


def test_and_needs_every_condition_and_any_needs_one() -> None:
    one_done = {("JOB", "extract"): "SUCCEEDED"}
    both_done = {**one_done, ("CRAWLER", "raw"): "SUCCEEDED"}

    assert not predicates.satisfied(BOTH, one_done)
    assert predicates.satisfied(BOTH, both_done)
    assert predicates.satisfied({**BOTH, "Logical": "ANY"}, one_done)
    assert not predicates.satisfied(BOTH, {**both_done, ("JOB", "extract"): "FAILED"})
    assert predicates.watches(BOTH, ("CRAWLER", "raw"))
    assert not predicates.watches(BOTH, ("JOB", "raw"))


def test_logical_defaults_to_and_only_for_a_single_condition() -> None:
    [first, _] = BOTH["Conditions"]
    single = {"Conditions": [first]}

    assert predicates.with_default_logical(single) == {**single, "Logical": "AND"}
    assert "Logical" not in predicates.with_default_logical({"Conditions": BOTH["Conditions"]})
    assert predicates.with_default_logical({**BOTH, "Logical": "ANY"})["Logical"] == "ANY"


def test_a_workflow_run_completes_when_its_actions_end_and_counts_them() -> None:
    run = WorkflowRun("flow", "wr_1")
    run.started("JOB", "extract", "jr_1")
    run.started("CRAWLER", "raw", "c_1")
    run.settle()
    assert run.status == RUNNING
    assert run.statistics()["RunningActions"] == 2

    run.finished("JOB", "extract", "jr_1", "SUCCEEDED")
    run.finished("CRAWLER", "raw", "c_1", "CANCELLED")
    run.settle()

    assert run.status == COMPLETED
    assert run.completed_on is not None
    statistics = run.statistics()
    assert statistics["TotalActions"] == 2
    assert statistics["SucceededActions"] == 1
    assert statistics["StoppedActions"] == 1
    assert statistics["RunningActions"] == 0
    assert run.latest() == {("JOB", "extract"): "SUCCEEDED", ("CRAWLER", "raw"): "CANCELLED"}


def test_a_stopped_run_starts_nothing_more_and_ends_stopped() -> None:
    run = WorkflowRun("flow", "wr_1")
    run.started("JOB", "extract", "jr_1")
    run.stop()
    assert not run.accepting

    run.finished("JOB", "extract", "jr_1", "SUCCEEDED")
    run.settle()

    assert run.status == STOPPED


def test_the_graph_links_triggers_to_actions_and_watched_actions_to_triggers() -> None:
    start = {"Name": "start", "Type": "ON_DEMAND", "Actions": [{"CrawlerName": "raw"}]}
    then = {
        "Name": "then",
        "Type": "CONDITIONAL",
        "Predicate": {"Conditions": [{"CrawlerName": "raw", "CrawlState": "SUCCEEDED"}]},
        "Actions": [{"JobName": "extract"}],
    }

    rendered = graph([start, then], job_runs={"extract": [{"Id": "jr_1"}]})

    nodes = {node["UniqueId"]: node for node in rendered["Nodes"]}
    assert {n["Type"] for n in nodes.values()} == {"TRIGGER", "JOB", "CRAWLER"}
    assert nodes["job_extract"]["JobDetails"]["JobRuns"] == [{"Id": "jr_1"}]
    assert nodes["trigger_then"]["TriggerDetails"]["Trigger"]["Type"] == "CONDITIONAL"
    assert sorted((e["SourceId"], e["DestinationId"]) for e in rendered["Edges"]) == [
        ("crawler_raw", "trigger_then"),
        ("trigger_start", "crawler_raw"),
        ("trigger_then", "job_extract"),
    ]
