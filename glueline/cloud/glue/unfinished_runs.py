"""Job runs a previous cloud left unfinished, found in its saved state.

A run's driver is a child of the cloud, so no run survives the cloud that started it. A run
still STARTING, RUNNING or WAITING in a loaded state is one whose cloud stopped (or was
killed) before it could record the end: it ends FAILED saying so, as AWS would report a run
whose workers vanished, rather than staying RUNNING forever.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from glueline.cloud.glue.state import FAILED, STOPPED, STOPPING, TERMINAL_STATES, JobRun

INTERRUPTED = "The local cloud stopped during the run; the run ended with it"


def unfinished_runs() -> Iterator[JobRun]:
    """Every run of every job, in every account and region, that has not ended."""
    from moto.glue.models import glue_backends

    for _account, _region, backend in glue_backends.iter_backends():
        for job in list(backend.jobs.values()):
            for run in list(job.job_runs):
                if isinstance(run, JobRun) and run.state not in TERMINAL_STATES:
                    yield run


def progress() -> tuple[tuple[str, str], ...]:
    """The unfinished runs and their states: it changes whenever a run moves, with no
    request to say so."""
    return tuple(sorted((run.job_run_id, run.state) for run in unfinished_runs()))


def end_unfinished_runs(state_changed: Callable[[Any, JobRun], None]) -> list[JobRun]:
    """End every unfinished run: FAILED with :data:`INTERRUPTED`, or STOPPED if a stop was
    already asked for; ``state_changed(job, run)`` announces each end."""
    from moto.glue.models import glue_backends

    ended = []
    for _account, _region, backend in glue_backends.iter_backends():
        for job in backend.jobs.values():
            for run in job.job_runs:
                if not isinstance(run, JobRun) or run.state in TERMINAL_STATES:
                    continue
                final = STOPPED if run.state == STOPPING else FAILED
                if run.transition(final, INTERRUPTED if final == FAILED else None):
                    state_changed(job, run)
                    ended.append(run)
    return ended
