"""Job bookmarks for S3 sources: a run reads only the files earlier runs have not read.

On Glue, with ``--job-bookmark-option job-bookmark-enable``, a source read with a
``transformation_ctx`` skips the files that earlier committed runs read; ``job.commit()``
saves what this run read, and the service keeps it only when the run succeeds. For S3 the
state of a source is the newest modification time read and the files read at that time (two
files can share a time): a file is new if it is newer, or as new and not among those.
``job-bookmark-pause`` reads with the state but saves nothing; ``job-bookmark-disable`` (the
default) reads everything.

The local cloud hands the job's state to the run as ``in.json`` in the folder named by
``GLUELINE_JOB_BOOKMARK_DIR`` and takes the committed state back from ``out.json`` there
(``glueline/cloud/glue/bookmarks.py``; the names are repeated here because this package runs
without glueline, in the Docker setup's Glue image). Without that variable, nothing is
filtered and ``commit`` saves nothing, as when the option is off.
"""

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIR_VARIABLE = "GLUELINE_JOB_BOOKMARK_DIR"
IN_FILE = "in.json"
OUT_FILE = "out.json"
OPTION = "--job-bookmark-option"
ENABLE = "job-bookmark-enable"
PAUSE = "job-bookmark-pause"


def new_files(
    files: Iterable[tuple[str, int]], state: Mapping[str, Any] | None
) -> tuple[list[str], dict[str, Any]]:
    """The files to read, of ``(path, modified_ms)``, and the source's state after reading them.

    The state is ``{"modified_ms": newest time read, "files_at_newest": [paths read at it]}``.
    """
    newest = int(state["modified_ms"]) if state else -1
    read_at_newest = set(state["files_at_newest"]) if state else set()
    chosen = sorted(
        (modified, path)
        for path, modified in files
        if modified > newest or (modified == newest and path not in read_at_newest)
    )
    if not chosen:
        return [], dict(state) if state else {}
    latest = max(newest, chosen[-1][0])
    at_latest = {path for modified, path in chosen if modified == latest}
    if latest == newest:
        at_latest |= read_at_newest
    return [path for _, path in chosen], {
        "modified_ms": latest,
        "files_at_newest": sorted(at_latest),
    }


def option_in(argv: Sequence[str]) -> str | None:
    """The ``--job-bookmark-option`` value of a script's arguments, if given."""
    for index, word in enumerate(argv):
        if word == OPTION and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith(f"{OPTION}="):
            return word.split("=", 1)[1]
    return None


@dataclass
class Bookmarks:
    """The bookmark state of one run: read at ``Job.init``, written at ``Job.commit``."""

    folder: Path
    option: str
    contexts: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_run(cls, argv: Sequence[str], environ: Mapping[str, str]) -> "Bookmarks | None":
        """The run's bookmarks when it enables or pauses them and the runtime keeps them."""
        option = option_in(argv)
        folder = environ.get(DIR_VARIABLE)
        if option not in (ENABLE, PAUSE) or not folder:
            return None
        path = Path(folder) / IN_FILE
        contexts = json.loads(path.read_text()) if path.is_file() else {}
        return cls(Path(folder), option, contexts)

    def select(self, context: str, files: Iterable[tuple[str, int]]) -> list[str]:
        """The files of ``context`` to read; the new state is kept for ``commit``."""
        chosen, state = new_files(files, self.contexts.get(context))
        if self.option == ENABLE and state:
            self.contexts[context] = state
        return chosen

    def commit(self) -> None:
        """Save the state for the runtime to keep if the run succeeds (``enable`` only)."""
        if self.option != ENABLE:
            return
        temporary = self.folder / f".{OUT_FILE}"
        temporary.write_text(json.dumps(self.contexts, sort_keys=True))
        os.replace(temporary, self.folder / OUT_FILE)
