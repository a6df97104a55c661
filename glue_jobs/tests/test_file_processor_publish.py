"""Publishing a run's files: two overlapping runs of one object leave one run's rows.

S3 delivers events at least once, so the same upload may start two runs at once. The store
here is a dictionary; one test lets the second run publish in the middle of the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

import glue_jobs.file_processor as fp

EARLIER = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
LATER = EARLIER + timedelta(milliseconds=1)
TARGET = "s3://out/people/source_id=x/"


class DictStore:
    """Files as a dictionary; ``on_list`` runs once, before the next listing of a folder."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.on_list: dict[str, Callable[[], None]] = {}

    def list(self, prefix: str) -> list[str]:
        hook = self.on_list.pop(prefix, None)
        if hook:
            hook()
        return sorted(name for name in self.files if name.startswith(prefix))

    def copy(self, source: str, target: str) -> None:
        self.files[target] = self.files[source]

    def delete(self, locations: Sequence[str]) -> None:
        for location in locations:
            self.files.pop(location, None)


def stage(store: DictStore, token: str, rows: bytes, parts: int = 2) -> str:
    staging = f"s3://tmp/staging/{token}/"
    for number in range(parts):
        store.files[f"{staging}part-0000{number}-abc.snappy.parquet"] = rows
    store.files[f"{staging}_SUCCESS"] = b""
    return staging


def published(store: DictStore) -> set[bytes]:
    return {content for name, content in store.files.items() if name.startswith(TARGET)}


def test_run_tokens_sort_by_time_then_label() -> None:
    assert fp.run_token(EARLIER, "job:jr_b") < fp.run_token(LATER, "job:jr_a")
    token = fp.run_token(EARLIER, "job:jr_a")
    assert token.startswith("20240501T120000000000Z-")
    assert fp.token_of(f"{TARGET}{token}--part-00000-abc.snappy.parquet") == token
    assert fp.token_of(f"{TARGET}part-00000-abc.snappy.parquet") is None


@pytest.mark.parametrize("newer_first", [False, True])
def test_sequential_runs_leave_the_newer_runs_files(newer_first: bool) -> None:
    store = DictStore()
    store.files[f"{TARGET}part-00000-from-an-old-layout.snappy.parquet"] = b"stale"
    older, newer = fp.run_token(EARLIER, "job:a"), fp.run_token(LATER, "job:b")
    order = (
        [(newer, b"new"), (older, b"old")] if newer_first else [(older, b"old"), (newer, b"new")]
    )
    for token, rows in order:
        fp.publish(store, stage(store, token, rows), TARGET, token)

    assert published(store) == {b"new"}
    assert len([name for name in store.files if name.startswith(TARGET)]) == 2
    assert not any(name.startswith("s3://tmp/") for name in store.files), "staging emptied"


def test_a_newer_run_publishing_in_the_middle_of_an_older_one_wins() -> None:
    store = DictStore()
    older, newer = fp.run_token(EARLIER, "job:a"), fp.run_token(LATER, "job:b")
    older_staging = stage(store, older, b"old")
    newer_staging = stage(store, newer, b"new")
    remaining: dict[str, int] = {}
    store.on_list[TARGET] = lambda: remaining.update(
        newer=fp.publish(store, newer_staging, TARGET, newer)
    )

    remaining["older"] = fp.publish(store, older_staging, TARGET, older)

    assert published(store) == {b"new"}
    assert remaining == {"newer": 2, "older": 0}


def test_an_older_run_publishing_in_the_middle_of_a_newer_one_loses() -> None:
    store = DictStore()
    older, newer = fp.run_token(EARLIER, "job:a"), fp.run_token(LATER, "job:b")
    older_staging = stage(store, older, b"old")
    newer_staging = stage(store, newer, b"new")
    store.on_list[TARGET] = lambda: fp.publish(store, older_staging, TARGET, older)

    assert fp.publish(store, newer_staging, TARGET, newer) == 2
    assert published(store) == {b"new"}


@pytest.mark.parametrize(
    ("path", "read_instead"),
    [
        ("s3://in/a/x/../other/data.csv", "s3://in/a/other/data.csv"),
        ("s3://in/a/./data.csv", "s3://in/a/data.csv"),
        ("s3://in/a//data.csv", "s3://in/a/data.csv"),
        ("s3://in/./data.csv", "s3://in/data.csv"),
        ("s3://in//data.csv", "s3://in/data.csv"),
    ],
)
def test_keys_hadoop_would_rewrite_are_refused_naming_what_would_be_read(
    path: str, read_instead: str
) -> None:
    assert fp.path_rewrite(path) == read_instead
    with pytest.raises(ValueError, match="rename the object") as refused:
        fp.check_readable_path(path)
    assert path in str(refused.value) and read_instead in str(refused.value)


@pytest.mark.parametrize(
    "path", ["s3://in/a/..csv", "s3://in/a/...csv", "s3://in/a b/c:d.csv", "s3://in/a%2F..csv"]
)
def test_dots_inside_a_name_are_read_as_they_are(path: str) -> None:
    assert fp.path_rewrite(path) is None
    fp.check_readable_path(path)
