"""When the pool replaces a driver it gave to a run: after the run, so the run has the CPU.

Drivers here are ``sleep`` processes that are ready at once; the pool's bookkeeping is real.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from glueline.cloud.glue import warm_pool


class PoolOfSleepers(warm_pool.WarmPool):
    def __init__(self, folder: Path, refill_after_seconds: float) -> None:
        super().__init__(folder / "warm", folder / "scratch", 1, {}, {}, refill_after_seconds)
        self.spawned: list[warm_pool.WarmDriver] = []

    def _spawn(self) -> warm_pool.WarmDriver:
        process = subprocess.Popen(["sleep", "600"], start_new_session=True)
        driver = warm_pool.WarmDriver(process, Path("unused"), Path("unused"))
        driver.ready.set()
        self.spawned.append(driver)
        return driver


@pytest.fixture
def pools(tmp_path: Path) -> Iterator[Callable[[float], PoolOfSleepers]]:
    """Pools whose drivers, given out or not, all end with the test."""
    made: list[PoolOfSleepers] = []

    def make(refill_after_seconds: float) -> PoolOfSleepers:
        made.append(PoolOfSleepers(tmp_path, refill_after_seconds))
        return made[-1]

    yield make
    for pool in made:
        pool.shutdown()
        for driver in pool.spawned:
            driver.process.kill()
            driver.process.wait()


def spawned_within(pool: PoolOfSleepers, count: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while len(pool.spawned) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return len(pool.spawned)


def test_the_replacement_starts_when_the_run_ends(pools: Callable) -> None:
    pool = pools(600)
    pool.start()
    taken = pool.take()
    assert taken is not None

    time.sleep(0.5)
    assert len(pool.spawned) == 1, "nothing warms while the run goes on"
    assert pool.counts() == {"size": 1, "ready": 0, "warming": 0}

    taken.process.terminate()
    assert spawned_within(pool, 2, 30) == 2
    assert pool.counts() == {"size": 1, "ready": 1, "warming": 0}


def test_a_long_run_gets_its_replacement_after_a_while(pools: Callable) -> None:
    pool = pools(0.3)
    pool.start()
    taken = pool.take()
    assert taken is not None

    assert spawned_within(pool, 2, 30) == 2
    assert taken.process.poll() is None, "the run still goes on"


def test_without_a_ready_driver_the_run_takes_none(pools: Callable) -> None:
    pool = pools(600)
    pool.start()
    pool.spawned[0].ready.clear()

    assert pool.take() is None
    assert len(pool.spawned) == 1, "the driver warming up is the one the pool wants"
