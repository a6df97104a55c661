"""Job bookmarks over HTTP: runs of a real Spark job read only the files earlier runs did not,
``GetJobBookmark`` shows what the job keeps, ``ResetJobBookmark`` starts it over."""

from __future__ import annotations

import json
import textwrap
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

SUFFIX = uuid.uuid4().hex[:8]
BUCKET = f"glue-bookmarks-{SUFFIX}"
JOB = f"bookmarked-{SUFFIX}"
TERMINAL = {"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED"}
RUN_SECONDS = 240

#: Reads the input folder as a bookmarked source and says which ids it read.
READS_NEW_FILES = """
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input"])
glue_context = GlueContext(SparkContext.getOrCreate())
job = Job(glue_context)
job.init(args["JOB_NAME"], args)
frame = glue_context.create_dynamic_frame.from_options(
    "s3", {"paths": [args["input"]]}, format="json", transformation_ctx="people"
)
ids = sorted(row["id"] for row in frame.toDF().collect()) if frame.toDF().columns else []
print("read ids", ids)
job.commit()
"""


@pytest.fixture(scope="module")
def glue_job(aws: Callable[[str], Any]) -> str:
    s3 = aws("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="job.py", Body=textwrap.dedent(READS_NEW_FILES).encode())
    aws("glue").create_job(
        Name=JOB,
        Role="arn:aws:iam::000000000000:role/glueline-test-glue",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{BUCKET}/job.py"},
        GlueVersion="5.0",
        DefaultArguments={
            "--input": f"s3://{BUCKET}/people/",
            "--job-bookmark-option": "job-bookmark-enable",
        },
    )
    return JOB


def run(aws: Callable[[str], Any], eventually: Callable[..., Any], **arguments: str) -> list:
    """Run the job to its end; the ids its output log says it read."""
    glue = aws("glue")
    run_id = glue.start_job_run(JobName=JOB, Arguments=arguments)["JobRunId"]

    def done() -> dict[str, Any] | None:
        """the job run ends"""
        state = glue.get_job_run(JobName=JOB, RunId=run_id)["JobRun"]
        return state if state["JobRunState"] in TERMINAL else None

    ended = eventually(done, timeout=RUN_SECONDS, interval=0.5)
    assert ended["JobRunState"] == "SUCCEEDED", ended.get("ErrorMessage")
    events = aws("logs").get_log_events(logGroupName="/aws-glue/jobs/output", logStreamName=run_id)
    lines = [e["message"] for e in events["events"] if e["message"].startswith("read ids ")]
    assert len(lines) == 1, lines
    return json.loads(lines[0].removeprefix("read ids "))


def put(aws: Callable[[str], Any], name: str, person_id: int) -> None:
    aws("s3").put_object(
        Bucket=BUCKET, Key=f"people/{name}.json", Body=json.dumps({"id": person_id}).encode()
    )
    time.sleep(0.01)


def test_runs_read_only_new_files_until_the_bookmark_is_reset(
    aws: Callable[[str], Any], glue_job: str, eventually: Callable[..., Any]
) -> None:
    glue = aws("glue")
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue.get_job_bookmark(JobName=glue_job)
    put(aws, "a", 1)
    put(aws, "b", 2)

    assert run(aws, eventually) == [1, 2]
    first = glue.get_job_bookmark(JobName=glue_job)["JobBookmarkEntry"]
    assert (first["JobName"], first["Run"], first["Version"]) == (glue_job, 1, 1)
    people = json.loads(first["JobBookmark"])["people"]
    assert [path.rsplit("/", 1)[1] for path in people["files_at_newest"]] in (
        ["b.json"],
        ["a.json", "b.json"],
    )

    assert run(aws, eventually) == [], "nothing new since the last run"
    put(aws, "c", 3)
    assert run(aws, eventually, **{"--job-bookmark-option": "job-bookmark-pause"}) == [3]
    assert run(aws, eventually) == [3], "a paused run saved nothing"
    assert run(aws, eventually, **{"--job-bookmark-option": "job-bookmark-disable"}) == [1, 2, 3]

    latest = glue.get_job_bookmark(JobName=glue_job)["JobBookmarkEntry"]
    assert latest["Run"] == 3, "runs with bookmarks enabled that succeeded"
    reset = glue.reset_job_bookmark(JobName=glue_job)["JobBookmarkEntry"]
    assert json.loads(reset["JobBookmark"]) == {}
    assert run(aws, eventually) == [1, 2, 3]
    rewound = glue.reset_job_bookmark(JobName=glue_job, RunId=first["RunId"])["JobBookmarkEntry"]
    assert json.loads(rewound["JobBookmark"]) == json.loads(first["JobBookmark"])
    assert run(aws, eventually) == [3]
