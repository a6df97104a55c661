"""Drivers started ahead of their runs (see :mod:`glueline.cloud.glue.warm_driver`).

A cold ``spark-submit`` spends seconds starting a JVM and a SparkContext and loading classes
before the script's first line runs. The pool keeps ``size`` drivers that have done all of
that, hands one to each run that can use it, and starts the next in the background once
that run has ended (or has run ``REFILL_AFTER_SECONDS``): a warm-up is seconds of CPU on every
core, and on a laptop a short run that shares the machine with it takes twice as long. Each
driver serves one run and exits, so runs stay as isolated as with ``spark-submit``.

Idle drivers cost memory, not CPU: each holds a JVM with the driver memory a cold run gets
(``launcher.DRIVER_MEMORY``) and sleeps once warm. ``GLUELINE_WARM_DRIVERS`` sets how many
are kept (default 1; 0 turns the pool off).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from glueline.cloud import process_groups
from glueline.cloud.glue import warm_driver
from glueline.cloud.glue.launcher import LaunchSpec, scratch_environment

log = logging.getLogger("glueline.glue")

SIZE_VARIABLE = "GLUELINE_WARM_DRIVERS"
DEFAULT_SIZE = 1
#: After this many drivers in a row die while warming up, the pool stops trying (and says so).
MAX_CONSECUTIVE_FAILURES = 3
#: A driver given to a run is replaced when that run ends, or after this long if it goes on.
REFILL_AFTER_SECONDS = 20.0


def configured_size(environ: Mapping[str, str]) -> int:
    value = environ.get(SIZE_VARIABLE, str(DEFAULT_SIZE))
    try:
        size = int(value)
    except ValueError:
        raise ValueError(f"{SIZE_VARIABLE} must be a whole number, got {value!r}") from None
    if size < 0:
        raise ValueError(f"{SIZE_VARIABLE} must be 0 or more, got {size}")
    return size


@dataclass(frozen=True)
class Handoff:
    """A driver now running one run's script: its process and where its logs begin."""

    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    stdout_offset: int
    stderr_offset: int
    status_file: Path
    ready_seconds: float

    def jvm_returncode(self) -> int | None:
        """The JVM's exit status if it died before the script ended, else None."""
        try:
            return json.loads(self.status_file.read_text())["jvm_returncode"]
        except (OSError, ValueError, KeyError):
            return None


class WarmDriver:
    """One driver process, warming up or ready, not yet given to a run."""

    def __init__(self, process: subprocess.Popen[bytes], directory: Path, scratch: Path) -> None:
        self.process = process
        self.directory = directory
        #: Its temporary files; not inside ``directory``, which moves to the run's folder.
        self.scratch = scratch
        self.ready = threading.Event()
        self.ready_since = 0.0

    @property
    def usable(self) -> bool:
        return self.ready.is_set() and self.process.poll() is None

    def assign(self, spec: LaunchSpec, run_dir: Path, environment: Mapping[str, str]) -> Handoff:
        """Give the driver its run: its logs move into the run's folder, its script starts
        with ``environment`` (the role's credentials) added to its own."""
        target = run_dir / "driver"
        self.directory.rename(target)
        stdout, stderr = target / "stdout.log", target / "stderr.log"
        status_file = target / "status.json"
        assignment = {
            "script": str(spec.script),
            "argv": list(spec.script_arguments),
            "cwd": str(run_dir),
            "py_files": [str(spec.code_dir / name) for name in spec.py_file_names],
            "python_path": [str(directory) for directory in spec.python_path],
            "status_file": str(status_file),
            "environment": dict(environment),
        }
        handoff = Handoff(
            process=self.process,
            stdout=stdout,
            stderr=stderr,
            stdout_offset=stdout.stat().st_size,
            stderr_offset=stderr.stat().st_size,
            status_file=status_file,
            ready_seconds=time.monotonic() - self.ready_since,
        )
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(assignment).encode() + b"\n")
        self.process.stdin.close()
        return handoff


class WarmPool:
    """Keeps up to ``size`` drivers warm; thread-safe."""

    def __init__(
        self,
        folder: Path,
        scratch_folder: Path,
        size: int,
        spark_conf: Mapping[str, str],
        environment: Mapping[str, str],
        refill_after_seconds: float = REFILL_AFTER_SECONDS,
    ) -> None:
        self._refill_after_seconds = refill_after_seconds
        self._folder = folder
        self._scratch_folder = scratch_folder
        self._size = size
        self._spark_conf = dict(spark_conf)
        self._environment = dict(environment)
        self._lock = threading.Lock()
        self._drivers: list[WarmDriver] = []
        self._failures = 0
        self._closed = False

    @property
    def size(self) -> int:
        return self._size

    def counts(self) -> dict[str, int]:
        """How many drivers are ready and how many are still warming up."""
        with self._lock:
            alive = [d for d in self._drivers if d.process.poll() is None]
        ready = sum(1 for d in alive if d.ready.is_set())
        return {"size": self._size, "ready": ready, "warming": len(alive) - ready}

    def start(self) -> None:
        """Start warming drivers in the background."""
        self._refill()

    def take(self) -> WarmDriver | None:
        """A ready driver for a run, or None. Its replacement starts warming when the run
        ends (see the module's docstring); without one, any missing driver starts now."""
        with self._lock:
            driver = next((d for d in self._drivers if d.usable), None)
            if driver is not None:
                self._drivers.remove(driver)
        if driver is None:
            self._refill()
        else:
            threading.Thread(
                target=self._refill_after, args=(driver.process,), daemon=True, name="warm-refill"
            ).start()
        return driver

    def _refill_after(self, process: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=self._refill_after_seconds)
        self._refill()

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            drivers, self._drivers = self._drivers, []
        for driver in drivers:
            process_groups.kill_group(driver.process.pid)
            with contextlib.suppress(OSError):
                driver.process.wait(timeout=5)
            shutil.rmtree(driver.directory, ignore_errors=True)
            shutil.rmtree(driver.scratch, ignore_errors=True)

    def _refill(self) -> None:
        with self._lock:
            for dead in [d for d in self._drivers if d.process.poll() is not None]:
                shutil.rmtree(dead.scratch, ignore_errors=True)
                self._drivers.remove(dead)
            missing = self._size - len(self._drivers)
            if self._closed or missing <= 0 or self._failures >= MAX_CONSECUTIVE_FAILURES:
                return
            spawned = [self._spawn() for _ in range(missing)]
            self._drivers.extend(spawned)

    def _spawn(self) -> WarmDriver:
        name = uuid.uuid4().hex
        directory, scratch = self._folder / name, self._scratch_folder / name
        directory.mkdir(parents=True)
        ready_read, ready_write = os.pipe()
        environment = {
            **self._environment,
            **scratch_environment(scratch),
            warm_driver.CONF_VARIABLE: json.dumps(self._spark_conf),
            warm_driver.READY_FD_VARIABLE: str(ready_write),
        }
        with (
            (directory / "stdout.log").open("ab") as stdout,
            (directory / "stderr.log").open("ab") as stderr,
        ):
            process = subprocess.Popen(
                [sys.executable, "-m", "glueline.cloud.glue.warm_driver"],
                cwd=directory,
                env=environment,
                stdin=subprocess.PIPE,
                stdout=stdout,
                stderr=stderr,
                pass_fds=(ready_write,),
                start_new_session=True,
            )
        os.close(ready_write)
        driver = WarmDriver(process, directory, scratch)
        threading.Thread(
            target=self._await_ready, args=(driver, ready_read), daemon=True, name="warm-driver"
        ).start()
        return driver

    def _await_ready(self, driver: WarmDriver, ready_read: int) -> None:
        with os.fdopen(ready_read, "rb") as ready:
            said = ready.readline()
        if said.strip() == b"ready":
            driver.ready_since = time.monotonic()
            driver.ready.set()
            with self._lock:
                self._failures = 0
            return
        with self._lock:
            closed = self._closed
            if not closed:
                self._failures += 1
                failures = self._failures
        if closed:
            return
        tail = (driver.directory / "stderr.log").read_text(errors="replace")[-2000:]
        log.warning(
            "a warm Spark driver died while warming up (%d in a row%s); its stderr ends with:\n%s",
            failures,
            "; runs start cold from now on" if failures >= MAX_CONSECUTIVE_FAILURES else "",
            tail,
        )
        self._refill()
