"""``Job``: the init/commit bracket around a Glue job script.

On Glue, ``commit`` saves job bookmarks so the next run skips data already processed.
Bookmarks are not emulated locally: every run processes all its input, and ``init`` and
``commit`` only log, so scripts run unchanged.
"""

from collections.abc import Mapping

from awsglue.context import GlueContext


class Job:
    """Tracks the job name and arguments between ``init`` and ``commit``."""

    def __init__(self, glue_context: GlueContext) -> None:
        self._glue_context = glue_context
        self._name: str | None = None
        self._args: dict[str, str] = {}

    def init(self, job_name: str, args: Mapping[str, str] | None = None) -> None:
        """Start the job run."""
        self._name = job_name
        self._args = dict(args or {})
        self._glue_context.get_logger().info(f"job {job_name} initialised")

    def isInitialized(self) -> bool:
        """Return whether ``init`` was called."""
        return self._name is not None

    def commit(self) -> None:
        """End the job run (no bookmark state is saved locally)."""
        self._glue_context.get_logger().info(
            f"job {self._name} committed (bookmarks are not emulated)"
        )
