"""Glue job runs that really run: local ``spark-submit`` behind moto's Glue API."""

from __future__ import annotations

from glueline.cloud.settings import CloudSettings


def install(settings: CloudSettings) -> None:
    """Patch moto's Glue service so ``StartJobRun`` runs the job's script on local Spark."""
    import atexit

    from glueline.cloud.glue import moto_integration
    from glueline.cloud.glue.runs import GlueJobRunner

    runner = GlueJobRunner(settings)
    moto_integration.install(runner)
    atexit.register(runner.shutdown)
