"""Job bookmarks as the service keeps them: handed to a run, kept when it succeeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glueline.cloud.glue import bookmarks
from glueline.cloud.glue.bookmarks import JobBookmark
from glueline.cloud.glue.runs import GlueJobRunner
from glueline.cloud.settings import CloudSettings
from tests.unit.glue_runtime.test_runs import SCRIPT, FakeHooks, job, python_command, run_to_end

#: What awsglue's Job.init/commit do with the folder, without Spark: count the runs.
COUNTS_RUNS = """
import json, os, sys
folder = os.environ.get("GLUELINE_JOB_BOOKMARK_DIR")
print("folder" if folder else "no folder")
if folder:
    state = json.load(open(os.path.join(folder, "in.json")))
    print("handed", json.dumps(state, sort_keys=True))
    with open(os.path.join(folder, "out.json"), "w") as out:
        json.dump({"source": {"runs": state.get("source", {}).get("runs", 0) + 1}}, out)
if "--fail" in sys.argv:
    raise SystemExit(1)
"""


@pytest.fixture
def runner(tmp_path: Path) -> GlueJobRunner:
    settings = CloudSettings(port=1, state_dir=tmp_path)
    return GlueJobRunner(settings, command_builder=python_command, seconds_per_minute=0.5)


def enabled(**settings: object) -> object:
    return job(default_arguments={"--job-bookmark-option": "job-bookmark-enable"}, **settings)


def test_an_enabled_run_gets_the_jobs_state_and_a_success_brings_back_its_commit(
    runner: GlueJobRunner,
) -> None:
    hooks = FakeHooks({SCRIPT: COUNTS_RUNS})
    state = {"source": {"runs": 2}}

    run = run_to_end(runner, hooks, enabled(bookmark=state))

    assert run.state == "SUCCEEDED"
    assert hooks.logs[run.job_run_id][0].splitlines() == [
        "folder",
        'handed {"source": {"runs": 2}}',
    ]
    assert run.bookmark == {"source": {"runs": 3}}


def test_a_failed_run_brings_back_nothing(runner: GlueJobRunner) -> None:
    hooks = FakeHooks({SCRIPT: COUNTS_RUNS})
    run = run_to_end(runner, hooks, enabled(), arguments={"--fail": "yes"})
    assert run.state == "FAILED"
    assert run.bookmark is None


def test_a_paused_run_reads_the_state_and_saves_nothing(runner: GlueJobRunner) -> None:
    hooks = FakeHooks({SCRIPT: COUNTS_RUNS})
    run = run_to_end(
        runner,
        hooks,
        enabled(bookmark={"source": {"runs": 5}}),
        arguments={"--job-bookmark-option": "job-bookmark-pause"},
    )
    assert run.state == "SUCCEEDED"
    assert 'handed {"source": {"runs": 5}}' in hooks.logs[run.job_run_id][0]
    assert run.bookmark is None


def test_bookmarks_are_off_unless_asked_for(runner: GlueJobRunner) -> None:
    hooks = FakeHooks({SCRIPT: COUNTS_RUNS})
    run = run_to_end(runner, hooks, job(bookmark={"source": {"runs": 5}}))
    assert hooks.logs[run.job_run_id][0].strip() == "no folder"
    assert run.bookmark is None


def test_a_target_that_keeps_no_bookmarks_says_so(tmp_path: Path) -> None:
    runner = GlueJobRunner(
        CloudSettings(port=1, state_dir=tmp_path),
        command_builder=python_command,
        job_bookmarks=False,
    )
    hooks = FakeHooks({SCRIPT: COUNTS_RUNS})
    run = run_to_end(runner, hooks, enabled())
    stdout, stderr = hooks.logs[run.job_run_id]
    assert stdout.strip() == "no folder"
    assert f"glueline: WARNING: {bookmarks.NOT_KEPT}" in stderr
    assert run.bookmark is None


def test_the_job_bookmark_advances_resets_and_rewinds() -> None:
    first = JobBookmark("ingest").advanced("jr_1", {"source": {"modified_ms": 1}})
    second = first.advanced("jr_2", {"source": {"modified_ms": 2}})

    entry = second.entry()
    assert entry == {
        "JobName": "ingest",
        "Version": 2,
        "Run": 2,
        "Attempt": 0,
        "RunId": "jr_2",
        "PreviousRunId": "jr_1",
        "JobBookmark": '{"source": {"modified_ms": 2}}',
    }
    assert json.loads(second.reset().entry()["JobBookmark"]) == {}
    assert second.reset("jr_1").contexts == {"source": {"modified_ms": 1}}
    with pytest.raises(KeyError):
        second.reset("jr_unknown")


def test_the_folder_is_handed_over_fresh(tmp_path: Path) -> None:
    folder = tmp_path / "bookmark"
    folder.mkdir()
    (folder / bookmarks.OUT_FILE).write_text("{}")
    assert bookmarks.hand_over(folder, None) == {bookmarks.DIR_VARIABLE: str(folder)}
    assert json.loads((folder / bookmarks.IN_FILE).read_text()) == {}
    assert bookmarks.committed(folder) is None, "a stale commit is not the run's"
