"""When the cloud saves: after changes, at most once per interval, and once more at stop."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from glueline.cloud.autosave import AutoSaver, changes_state
from glueline.cloud.persistence import StateStore


class CountingStore(StateStore):
    """A store that counts saves instead of pickling moto."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.saves = 0
        self.saved = threading.Event()

    def save(self) -> Any:
        self.saves += 1
        self.saved.set()
        return _Saved()


class _Saved:
    def describe(self) -> str:
        return "counted"


def request(method: str, target: str = "", path: str = "/") -> dict[str, Any]:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path}
    if target:
        environ["HTTP_X_AMZ_TARGET"] = target
    return environ


@pytest.mark.parametrize(
    ("environ", "changes"),
    [
        (request("GET", path="/bucket/key"), False),
        (request("HEAD", path="/bucket/key"), False),
        (request("PUT", path="/bucket/key"), True),
        (request("DELETE", path="/bucket/key"), True),
        (request("POST", "AWSGlue.GetJobRun"), False),
        (request("POST", "Logs_20140328.FilterLogEvents"), False),
        (request("POST", "AWSGlue.StartJobRun"), True),
        (request("POST", "AmazonSQS.ReceiveMessage"), True),
        (request("POST"), True),  # query protocol: the operation is in the body
    ],
)
def test_reads_do_not_count_as_changes(environ: dict[str, Any], changes: bool) -> None:
    assert changes_state(environ) is changes


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [])
    return [b""]


def test_a_burst_of_changes_is_saved_once_per_interval_and_reads_never(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    saver = AutoSaver(store, interval=0.2)
    served = saver.middleware(app)
    saver.start()
    try:
        for _ in range(5):
            served(request("GET"), lambda *a: None)
        time.sleep(0.5)
        assert store.saves == 0
        for _ in range(20):
            served(request("PUT"), lambda *a: None)
        assert store.saved.wait(2)
        time.sleep(0.5)
        assert store.saves in (1, 2)
    finally:
        saver.stop()
    assert store.saves in (2, 3)


def test_progress_without_requests_is_saved(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    states = ["RUNNING"]
    saver = AutoSaver(store, progress=lambda: tuple(states), interval=0.1)
    saver.start()
    try:
        time.sleep(0.3)
        assert store.saves == 0
        states[0] = "SUCCEEDED"
        assert store.saved.wait(2)
    finally:
        saver.stop()


def test_stop_waits_for_work_to_settle_then_saves(tmp_path: Path) -> None:
    store = CountingStore(tmp_path)
    saver = AutoSaver(store, interval=0.1)
    saver.start()
    settles_at = time.monotonic() + 0.3
    saver.stop(settled=lambda: time.monotonic() >= settles_at, settle_seconds=5)
    assert time.monotonic() >= settles_at
    assert store.saves == 1
