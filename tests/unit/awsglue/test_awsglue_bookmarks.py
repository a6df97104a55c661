"""Job bookmarks of the local ``awsglue``: which files a run reads, and what it commits."""

import json
import os
from pathlib import Path

import pytest
from awsglue import _bookmarks
from awsglue.context import GlueContext
from awsglue.job import Job


def test_a_first_run_reads_everything_and_keeps_the_newest_files() -> None:
    chosen, state = _bookmarks.new_files([("a", 10), ("b", 30), ("c", 30)], None)
    assert chosen == ["a", "b", "c"]
    assert state == {"modified_ms": 30, "files_at_newest": ["b", "c"]}


def test_a_later_run_reads_newer_files_and_same_time_files_it_has_not_read() -> None:
    state = {"modified_ms": 30, "files_at_newest": ["b"]}
    chosen, after = _bookmarks.new_files([("a", 10), ("b", 30), ("c", 30), ("d", 40)], state)
    assert chosen == ["c", "d"]
    assert after == {"modified_ms": 40, "files_at_newest": ["d"]}


def test_files_at_the_same_newest_time_accumulate() -> None:
    state = {"modified_ms": 30, "files_at_newest": ["b"]}
    chosen, after = _bookmarks.new_files([("b", 30), ("c", 30)], state)
    assert chosen == ["c"]
    assert after == {"modified_ms": 30, "files_at_newest": ["b", "c"]}


def test_nothing_new_keeps_the_state() -> None:
    state = {"modified_ms": 30, "files_at_newest": ["b"]}
    assert _bookmarks.new_files([("a", 10), ("b", 30)], state) == ([], state)


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["s.py", "--job-bookmark-option", "job-bookmark-enable"], "job-bookmark-enable"),
        (["s.py", "--job-bookmark-option=job-bookmark-pause"], "job-bookmark-pause"),
        (["s.py", "--JOB_NAME", "x"], None),
    ],
)
def test_the_option_is_read_from_the_scripts_arguments(argv: list[str], option: str) -> None:
    assert _bookmarks.option_in(argv) == option


def test_bookmarks_apply_only_when_on_and_kept_by_the_runtime(tmp_path: Path) -> None:
    enable = ["s.py", "--job-bookmark-option", "job-bookmark-enable"]
    folder = {_bookmarks.DIR_VARIABLE: str(tmp_path)}
    assert _bookmarks.Bookmarks.for_run(enable, {}) is None
    assert _bookmarks.Bookmarks.for_run(["s.py"], folder) is None
    disable = ["s.py", "--job-bookmark-option", "job-bookmark-disable"]
    assert _bookmarks.Bookmarks.for_run(disable, folder) is None
    (tmp_path / _bookmarks.IN_FILE).write_text('{"src": {"modified_ms": 5, "files_at_newest": []}}')
    bookmarks = _bookmarks.Bookmarks.for_run(enable, folder)
    assert bookmarks is not None
    assert bookmarks.contexts == {"src": {"modified_ms": 5, "files_at_newest": []}}


def test_a_paused_run_reads_with_the_state_and_commits_nothing(tmp_path: Path) -> None:
    state = '{"src": {"modified_ms": 5, "files_at_newest": ["old"]}}'
    (tmp_path / _bookmarks.IN_FILE).write_text(state)
    pause = ["s.py", "--job-bookmark-option", "job-bookmark-pause"]
    bookmarks = _bookmarks.Bookmarks.for_run(pause, {_bookmarks.DIR_VARIABLE: str(tmp_path)})
    assert bookmarks is not None
    assert bookmarks.select("src", [("old", 5), ("new", 6)]) == ["new"]
    bookmarks.commit()
    assert not (tmp_path / _bookmarks.OUT_FILE).exists()


@pytest.mark.spark
def test_runs_with_bookmarks_read_only_new_files_of_a_folder(
    glue_context: GlueContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "in"
    (data / "day=1").mkdir(parents=True)
    (data / "day=1" / "a.json").write_text('{"id": 1}\n')
    (data / "_SUCCESS").write_text("")
    os.utime(data / "day=1" / "a.json", (1_000, 1_000))
    state = tmp_path / "bookmark"
    state.mkdir()
    monkeypatch.setenv(_bookmarks.DIR_VARIABLE, str(state))
    monkeypatch.setattr("sys.argv", ["s.py", "--job-bookmark-option", "job-bookmark-enable"])

    def run() -> list[tuple[int, int]]:
        job = Job(glue_context)
        job.init("ingest", {})
        frame = glue_context.create_dynamic_frame.from_options(
            "s3", {"paths": [str(data)]}, format="json", transformation_ctx="source"
        )
        rows = sorted((row["id"], row["day"]) for row in frame.toDF().collect())
        job.commit()
        if (state / _bookmarks.OUT_FILE).exists():
            (state / _bookmarks.OUT_FILE).replace(state / _bookmarks.IN_FILE)
        return rows

    assert run() == [(1, 1)]
    assert run() == [], "nothing new: the second run reads nothing"
    (data / "day=2").mkdir()
    (data / "day=2" / "b.json").write_text('{"id": 2}\n')
    os.utime(data / "day=2" / "b.json", (2_000, 2_000))
    assert run() == [(2, 2)], "the new file only, with its partition column"
    saved = json.loads((state / _bookmarks.IN_FILE).read_text())
    assert saved["source"]["modified_ms"] == 2_000_000
    assert saved["source"]["files_at_newest"][0].endswith("/day=2/b.json")


@pytest.mark.spark
def test_a_bookmarked_file_is_read_again_once_it_changes(
    glue_context: GlueContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = tmp_path / "persons.json"
    snapshot.write_text('{"id": 1}\n')
    os.utime(snapshot, (1_000, 1_000))
    state = tmp_path / "bookmark"
    state.mkdir()
    monkeypatch.setenv(_bookmarks.DIR_VARIABLE, str(state))
    monkeypatch.setattr("sys.argv", ["s.py", "--job-bookmark-option", "job-bookmark-enable"])

    def run() -> int:
        job = Job(glue_context)
        job.init("snapshot", {})
        frame = glue_context.create_dynamic_frame.from_options(
            "s3", {"paths": [str(snapshot)]}, format="json", transformation_ctx="snapshot"
        )
        count = frame.count()
        job.commit()
        (state / _bookmarks.OUT_FILE).replace(state / _bookmarks.IN_FILE)
        return count

    assert run() == 1
    assert run() == 0
    snapshot.write_text('{"id": 1}\n{"id": 2}\n')
    os.utime(snapshot, (2_000, 2_000))
    assert run() == 2
