"""``Job``: the init/commit bracket around a Glue job script.

``init`` starts the run's job bookmarks when ``--job-bookmark-option`` enables or pauses
them; sources read with a ``transformation_ctx`` then skip what earlier runs read, and
``commit`` saves what this run read (see :mod:`awsglue._bookmarks`).
"""

import os
import sys
from collections.abc import Mapping

from awsglue._bookmarks import Bookmarks
from awsglue.context import GlueContext


class Job:
    """Tracks the job name and arguments between ``init`` and ``commit``."""

    def __init__(self, glue_context: GlueContext) -> None:
        self._glue_context = glue_context
        self._name: str | None = None
        self._args: dict[str, str] = {}

    def init(self, job_name: str, args: Mapping[str, str] | None = None) -> None:
        """Start the job run, and its bookmarks when they are on."""
        self._name = job_name
        self._args = dict(args or {})
        bookmarks = Bookmarks.for_run(sys.argv, os.environ)
        self._glue_context._bookmarks = bookmarks
        state = f"job bookmarks {bookmarks.option}" if bookmarks else "job bookmarks off"
        self._glue_context.get_logger().info(f"job {job_name} initialised ({state})")

    def isInitialized(self) -> bool:
        """Return whether ``init`` was called."""
        return self._name is not None

    def commit(self) -> None:
        """End the job run, saving what its bookmarked sources read."""
        bookmarks = self._glue_context._bookmarks
        if bookmarks is not None:
            bookmarks.commit()
        self._glue_context.get_logger().info(f"job {self._name} committed")
