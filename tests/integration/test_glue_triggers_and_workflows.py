"""Glue triggers and workflows in the local cloud: ON_DEMAND, CONDITIONAL and SCHEDULED
triggers start jobs (with their arguments) and crawlers; a workflow from a template runs its
graph and reports statistics and the graph (AWS Glue, "Overview of workflows").

The jobs' script starts no SparkSession; it fails unless the trigger passed its argument.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

SUFFIX = uuid.uuid4().hex[:8]
BUCKET = f"triggers-{SUFFIX}"
DATABASE = f"triggers_{SUFFIX}"
ROLE = "arn:aws:iam::000000000000:role/glueline-test-glue"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED"}

NEEDS_MARKER = """
import sys

from awsglue.utils import getResolvedOptions

args = getResolvedOptions(sys.argv, ["marker"])
print("marker", args["marker"])
"""


@pytest.fixture(scope="module")
def lake(aws: Callable[[str], Any]) -> str:
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="needs_marker.py", Body=textwrap.dedent(NEEDS_MARKER))
    s3.put_object(Bucket=BUCKET, Key="data/items/i.csv", Body=b"id,name\n1,ada\n")
    aws("glue").create_database(DatabaseInput={"Name": DATABASE})
    return BUCKET


def create_job(aws: Callable[[str], Any], name: str) -> str:
    aws("glue").create_job(
        Name=name,
        Role=ROLE,
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/needs_marker.py"},
        GlueVersion="5.0",
    )
    return name


def create_crawler(aws: Callable[[str], Any], name: str, **settings: Any) -> str:
    aws("glue").create_crawler(
        Name=name,
        Role=ROLE,
        DatabaseName=DATABASE,
        Targets={"S3Targets": [{"Path": f"s3://{BUCKET}/data/"}]},
        **settings,
    )
    return name


def test_on_demand_and_conditional_triggers_chain_a_job_and_a_crawler(
    aws: Callable[[str], Any], lake: str, eventually: Callable[..., Any]
) -> None:
    glue = aws("glue")
    job = create_job(aws, f"chained-{SUFFIX}")
    crawler = create_crawler(aws, f"after-job-{SUFFIX}", TablePrefix="chained_")
    glue.create_trigger(
        Name=f"now-{SUFFIX}",
        Type="ON_DEMAND",
        Actions=[{"JobName": job, "Arguments": {"--marker": "on-demand"}}],
    )
    glue.create_trigger(
        Name=f"then-{SUFFIX}",
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={
            "Logical": "ANY",
            "Conditions": [{"LogicalOperator": "EQUALS", "JobName": job, "State": "SUCCEEDED"}],
        },
        Actions=[{"CrawlerName": crawler}],
    )

    glue.start_trigger(Name=f"now-{SUFFIX}")

    def job_finished() -> dict[str, Any] | None:
        """the triggered job run finishes"""
        runs = glue.get_job_runs(JobName=job)["JobRuns"]
        return runs[0] if runs and runs[0]["JobRunState"] in TERMINAL else None

    run = eventually(job_finished, timeout=300, interval=0.5)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert run["Arguments"] == {"--marker": "on-demand"}

    def crawled() -> dict[str, Any] | None:
        """the conditional trigger's crawl finishes"""
        found = glue.get_crawler(Name=crawler)["Crawler"]
        return found.get("LastCrawl") if found["State"] == "READY" else None

    assert eventually(crawled, timeout=120)["Status"] == "SUCCEEDED"
    table = glue.get_table(DatabaseName=DATABASE, Name="chained_items")["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "name"]


def test_a_conditional_trigger_starts_job_b_after_job_a_succeeded_and_not_after_a_failure(
    aws: Callable[[str], Any], lake: str, eventually: Callable[..., Any]
) -> None:
    glue = aws("glue")
    job_a = create_job(aws, f"job-a-{SUFFIX}")
    job_b = create_job(aws, f"job-b-{SUFFIX}")
    on_failure = create_job(aws, f"job-on-failure-{SUFFIX}")
    for name, state, action in (
        (
            f"b-after-a-{SUFFIX}",
            "SUCCEEDED",
            {"JobName": job_b, "Arguments": {"--marker": "b"}, "Timeout": 7},
        ),
        (f"a-failed-{SUFFIX}", "FAILED", {"JobName": on_failure, "Arguments": {"--marker": "c"}}),
    ):
        glue.create_trigger(
            Name=name,
            Type="CONDITIONAL",
            StartOnCreation=True,
            Predicate={
                "Conditions": [{"LogicalOperator": "EQUALS", "JobName": job_a, "State": state}]
            },
            Actions=[action],
        )
    assert glue.get_trigger(Name=f"b-after-a-{SUFFIX}")["Trigger"]["State"] == "ACTIVATED"

    def finished_runs(job: str, count: int) -> list[dict[str, Any]] | None:
        runs = glue.get_job_runs(JobName=job)["JobRuns"]
        done = [run for run in runs if run["JobRunState"] in TERMINAL]
        return done if len(done) >= count else None

    glue.start_job_run(JobName=job_a, Arguments={"--marker": "a"})

    [run_b] = eventually(lambda: finished_runs(job_b, 1), timeout=300, interval=0.5)
    [run_a] = glue.get_job_runs(JobName=job_a)["JobRuns"]
    assert run_a["JobRunState"] == "SUCCEEDED", run_a.get("ErrorMessage")
    assert run_b["JobRunState"] == "SUCCEEDED", run_b.get("ErrorMessage")
    assert run_b["TriggerName"] == f"b-after-a-{SUFFIX}"
    assert run_b["Arguments"] == {"--marker": "b"}
    assert run_b["Timeout"] == 7
    assert run_b["StartedOn"] >= run_a["CompletedOn"]
    assert glue.get_job_runs(JobName=on_failure)["JobRuns"] == []

    # Without its argument job A fails: the FAILED trigger fires, job B's does not.
    glue.start_job_run(JobName=job_a)

    [run_c] = eventually(lambda: finished_runs(on_failure, 1), timeout=300, interval=0.5)
    failed_a = glue.get_job_runs(JobName=job_a)["JobRuns"][0]
    assert failed_a["JobRunState"] == "FAILED"
    assert run_c["JobRunState"] == "SUCCEEDED", run_c.get("ErrorMessage")
    assert run_c["StartedOn"] >= failed_a["CompletedOn"]
    assert len(glue.get_job_runs(JobName=job_b)["JobRuns"]) == 1


def test_a_workflow_from_a_template_runs_its_graph(
    aws: Callable[[str], Any], lake: str, eventually: Callable[..., Any]
) -> None:
    glue, cloudformation = aws("glue"), aws("cloudformation")
    job = create_job(aws, f"in-workflow-{SUFFIX}")
    workflow = f"flow-{SUFFIX}"
    template = {
        "Resources": {
            "Workflow": {
                "Type": "AWS::Glue::Workflow",
                "Properties": {"Name": workflow, "DefaultRunProperties": {"stage": "local"}},
            },
            "Crawler": {
                "Type": "AWS::Glue::Crawler",
                "Properties": {
                    "Name": f"flow-crawler-{SUFFIX}",
                    "Role": ROLE,
                    "DatabaseName": DATABASE,
                    "TablePrefix": "flow_",
                    "Targets": {"S3Targets": [{"Path": f"s3://{BUCKET}/data/"}]},
                },
            },
            "Start": {
                "Type": "AWS::Glue::Trigger",
                "Properties": {
                    "Name": f"flow-start-{SUFFIX}",
                    "Type": "ON_DEMAND",
                    "WorkflowName": {"Ref": "Workflow"},
                    "Actions": [{"CrawlerName": {"Ref": "Crawler"}}],
                },
            },
            "AfterCrawl": {
                "Type": "AWS::Glue::Trigger",
                "Properties": {
                    "Name": f"flow-then-{SUFFIX}",
                    "Type": "CONDITIONAL",
                    "StartOnCreation": True,
                    "WorkflowName": {"Ref": "Workflow"},
                    "Predicate": {
                        "Conditions": [
                            {
                                "LogicalOperator": "EQUALS",
                                "CrawlerName": {"Ref": "Crawler"},
                                "CrawlState": "SUCCEEDED",
                            }
                        ]
                    },
                    "Actions": [{"JobName": job, "Arguments": {"--marker": "workflow"}}],
                },
            },
        }
    }
    cloudformation.create_stack(StackName=f"workflow-{SUFFIX}", TemplateBody=json.dumps(template))
    stack = cloudformation.describe_stacks(StackName=f"workflow-{SUFFIX}")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")

    after_crawl = glue.get_trigger(Name=f"flow-then-{SUFFIX}")["Trigger"]
    assert after_crawl["WorkflowName"] == workflow
    assert after_crawl["State"] == "ACTIVATED"
    assert after_crawl["Predicate"]["Logical"] == "AND"
    assert after_crawl["Actions"] == [{"JobName": job, "Arguments": {"--marker": "workflow"}}]

    run_id = glue.start_workflow_run(Name=workflow)["RunId"]

    def completed() -> dict[str, Any] | None:
        """the workflow run completes"""
        found = glue.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"]
        return found if found["Status"] == "COMPLETED" else None

    run = eventually(completed, timeout=300, interval=0.5)
    assert run["WorkflowRunProperties"] == {"stage": "local"}
    statistics = run["Statistics"]
    assert (statistics["TotalActions"], statistics["SucceededActions"]) == (2, 2)
    assert statistics["RunningActions"] == statistics["FailedActions"] == 0
    nodes = {node["Name"]: node for node in run["Graph"]["Nodes"]}
    [job_run] = nodes[job]["JobDetails"]["JobRuns"]
    assert job_run["JobRunState"] == "SUCCEEDED"
    assert job_run["Arguments"]["--marker"] == "workflow"
    assert job_run["Arguments"]["--WORKFLOW_RUN_ID"] == run_id
    [crawl] = nodes[f"flow-crawler-{SUFFIX}"]["CrawlerDetails"]["Crawls"]
    assert crawl["State"] == "SUCCEEDED"
    assert len(run["Graph"]["Edges"]) == 3
    assert glue.get_table(DatabaseName=DATABASE, Name="flow_items")["Table"]
    described = glue.get_workflow(Name=workflow, IncludeGraph=True)["Workflow"]
    assert described["LastRun"]["Status"] == "COMPLETED"
    assert {n["Type"] for n in described["Graph"]["Nodes"]} == {"TRIGGER", "JOB", "CRAWLER"}

    cloudformation.delete_stack(StackName=f"workflow-{SUFFIX}")
    assert workflow not in glue.list_workflows()["Workflows"]


def test_scheduled_triggers_and_crawler_schedules_fire_at_the_minute(
    aws: Callable[[str], Any], lake: str, eventually: Callable[..., Any]
) -> None:
    """Schedules are evaluated each minute, so this waits for the next one."""
    glue = aws("glue")
    by_trigger = create_crawler(aws, f"by-trigger-{SUFFIX}", TablePrefix="scheduled_")
    by_schedule = create_crawler(
        aws, f"on-schedule-{SUFFIX}", TablePrefix="own_", Schedule="cron(* * * * ? *)"
    )
    glue.create_trigger(
        Name=f"every-minute-{SUFFIX}",
        Type="SCHEDULED",
        Schedule="cron(* * * * ? *)",
        StartOnCreation=True,
        Actions=[{"CrawlerName": by_trigger}],
    )

    def both_crawled() -> bool:
        """both crawlers have crawled"""
        return all(
            glue.get_crawler(Name=name)["Crawler"].get("LastCrawl", {}).get("Status") == "SUCCEEDED"
            for name in (by_trigger, by_schedule)
        )

    eventually(both_crawled, timeout=180, interval=1)
    glue.stop_trigger(Name=f"every-minute-{SUFFIX}")
    glue.delete_crawler(Name=by_schedule)


def test_template_triggers_crawlers_and_workflows_are_updated_and_deleted_with_the_stack(
    aws: Callable[[str], Any], lake: str
) -> None:
    glue, cloudformation = aws("glue"), aws("cloudformation")
    stack_name = f"updated-{SUFFIX}"

    def template(crawler_prefix: str, description: str) -> str:
        crawler = {
            "Type": "AWS::Glue::Crawler",
            "Properties": {
                "Name": f"updated-crawler-{SUFFIX}",
                "Role": ROLE,
                "DatabaseName": DATABASE,
                "TablePrefix": crawler_prefix,
                "Targets": {"S3Targets": [{"Path": f"s3://{BUCKET}/data/"}]},
            },
        }
        trigger = {
            "Type": "AWS::Glue::Trigger",
            "Properties": {
                "Name": f"updated-trigger-{SUFFIX}",
                "Type": "ON_DEMAND",
                "Description": description,
                "WorkflowName": {"Ref": "Workflow"},
                "Actions": [{"CrawlerName": {"Ref": "Crawler"}}],
            },
        }
        workflow = {
            "Type": "AWS::Glue::Workflow",
            "Properties": {"Name": f"updated-flow-{SUFFIX}", "Description": description},
        }
        resources = {"Crawler": crawler, "Trigger": trigger, "Workflow": workflow}
        return json.dumps({"Resources": resources})

    cloudformation.create_stack(StackName=stack_name, TemplateBody=template("v1_", "first"))
    cloudformation.update_stack(StackName=stack_name, TemplateBody=template("v2_", "second"))

    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack.get("StackStatusReason")
    assert glue.get_crawler(Name=f"updated-crawler-{SUFFIX}")["Crawler"]["TablePrefix"] == "v2_"
    trigger = glue.get_trigger(Name=f"updated-trigger-{SUFFIX}")["Trigger"]
    assert trigger["Description"] == "second"
    assert trigger["WorkflowName"] == f"updated-flow-{SUFFIX}"
    assert trigger["Actions"] == [{"CrawlerName": f"updated-crawler-{SUFFIX}"}]
    workflow = glue.get_workflow(Name=f"updated-flow-{SUFFIX}")["Workflow"]
    assert workflow["Description"] == "second"

    cloudformation.delete_stack(StackName=stack_name)

    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_trigger(Name=f"updated-trigger-{SUFFIX}")
    assert f"updated-crawler-{SUFFIX}" not in glue.list_crawlers()["CrawlerNames"]
    assert f"updated-flow-{SUFFIX}" not in glue.list_workflows()["Workflows"]


def test_a_predicate_of_several_conditions_must_say_how_they_combine(
    aws: Callable[[str], Any],
) -> None:
    glue = aws("glue")
    conditions = [
        {"LogicalOperator": "EQUALS", "JobName": f"one-{SUFFIX}", "State": "SUCCEEDED"},
        {"LogicalOperator": "EQUALS", "JobName": f"two-{SUFFIX}", "State": "SUCCEEDED"},
    ]

    with pytest.raises(glue.exceptions.InvalidInputException, match="Logical is required"):
        glue.create_trigger(
            Name=f"unclear-{SUFFIX}",
            Type="CONDITIONAL",
            Predicate={"Conditions": conditions},
            Actions=[{"JobName": f"three-{SUFFIX}"}],
        )
    glue.create_trigger(
        Name=f"single-{SUFFIX}",
        Type="CONDITIONAL",
        Predicate={"Conditions": conditions[:1]},
        Actions=[{"JobName": f"three-{SUFFIX}"}],
    )
    assert glue.get_trigger(Name=f"single-{SUFFIX}")["Trigger"]["Predicate"]["Logical"] == "AND"
    assert f"unclear-{SUFFIX}" not in glue.list_triggers()["TriggerNames"]
