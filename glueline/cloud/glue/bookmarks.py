"""A job's bookmark: what its runs have read, kept by the service between runs.

The state of each ``transformation_ctx`` is decided in the driver by ``awsglue``
(``glueline/awsglue_local/awsglue/_bookmarks.py``); the service only carries it. A run
whose ``--job-bookmark-option`` is ``job-bookmark-enable`` or ``-pause`` finds the job's
state in ``in.json`` of its bookmark folder (``GLUELINE_JOB_BOOKMARK_DIR``); what
``job.commit()`` saved comes back in ``out.json``, and becomes the job's bookmark when the
run SUCCEEDS, as AWS keeps a bookmark only for a successful run. ``GetJobBookmark`` reports
it as a ``JobBookmarkEntry``; ``ResetJobBookmark`` forgets it, or rewinds it to what it was
after an earlier run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

OPTION = "--job-bookmark-option"
ENABLE = "job-bookmark-enable"
PAUSE = "job-bookmark-pause"
DISABLE = "job-bookmark-disable"
DIR_VARIABLE = "GLUELINE_JOB_BOOKMARK_DIR"
IN_FILE = "in.json"
OUT_FILE = "out.json"
#: The warning of a run on a target whose drivers cannot reach the bookmark folder.
NOT_KEPT = "job bookmarks are not kept on this target: the run reads all of its input"


def option_of(arguments: Mapping[str, str]) -> str:
    """The run's bookmark option (its merged arguments); off unless given, as in AWS."""
    return arguments.get(OPTION, DISABLE)


@dataclass(frozen=True)
class JobBookmark:
    """A job's bookmark: the committed state of each context, and the runs that made it."""

    job_name: str
    version: int = 0
    run: int = 0
    run_id: str | None = None
    previous_run_id: str | None = None
    contexts: Mapping[str, Any] = field(default_factory=dict)
    #: The contexts as each run left them, for a reset to an earlier run.
    by_run: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def advanced(self, run_id: str, contexts: Mapping[str, Any]) -> JobBookmark:
        """The bookmark after a successful run that committed ``contexts``."""
        return replace(
            self,
            version=self.version + 1,
            run=self.run + 1,
            previous_run_id=self.run_id,
            run_id=run_id,
            contexts=dict(contexts),
            by_run={**self.by_run, run_id: dict(contexts)},
        )

    def reset(self, run_id: str | None = None) -> JobBookmark:
        """Forget everything read, or go back to what ``run_id`` left; KeyError for a run
        that left no bookmark."""
        contexts = dict(self.by_run[run_id]) if run_id else {}
        return replace(self, version=self.version + 1, contexts=contexts)

    def entry(self) -> dict[str, Any]:
        """``JobBookmarkEntry`` as ``GetJobBookmark`` and ``ResetJobBookmark`` return it."""
        entry: dict[str, Any] = {
            "JobName": self.job_name,
            "Version": self.version,
            "Run": self.run,
            "Attempt": 0,
            "JobBookmark": json.dumps(dict(self.contexts), sort_keys=True),
        }
        if self.run_id:
            entry["RunId"] = self.run_id
        if self.previous_run_id:
            entry["PreviousRunId"] = self.previous_run_id
        return entry


def hand_over(folder: Path, contexts: Mapping[str, Any] | None) -> dict[str, str]:
    """Write the job's state for the run's driver; returns the variable that finds it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / IN_FILE).write_text(json.dumps(dict(contexts or {}), sort_keys=True))
    (folder / OUT_FILE).unlink(missing_ok=True)
    return {DIR_VARIABLE: str(folder)}


def committed(folder: Path) -> dict[str, Any] | None:
    """What the run's ``job.commit()`` saved, None if it did not commit."""
    path = folder / OUT_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text())
