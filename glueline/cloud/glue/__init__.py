"""Glue job runs that really run: local ``spark-submit`` behind moto's Glue API."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from glueline.cloud.glue import launcher, warm_pool
from glueline.cloud.glue.runs import GlueJobRunner, JobDefinition, RunHooks
from glueline.cloud.iam import credentials
from glueline.cloud.iam.credentials import RoleCredentials
from glueline.cloud.settings import CloudSettings

#: Where runs' Spark executors run: local mode by default, or an existing cluster
#: (``spark://host:7077``, ``k8s://...``); drivers started ahead of runs are for local mode.
SPARK_MASTER_VARIABLE = "GLUELINE_SPARK_MASTER"
#: Test aid, unset by default: how many real seconds a minute of a job's ``Timeout`` lasts,
#: so an integration test can see a one-minute timeout end a run in a few seconds.
SECONDS_PER_MINUTE_VARIABLE = "GLUELINE_GLUE_SECONDS_PER_MINUTE"


def install(
    settings: CloudSettings,
    runner: GlueJobRunner | None = None,
    hooks_for: Callable[[Any], RunHooks] | None = None,
) -> GlueJobRunner:
    """Patch moto's Glue service so ``StartJobRun`` runs the job's script; returns the
    runtime, which the cloud shuts down when it stops.

    By default runs are local ``spark-submit`` processes against this cloud's own services;
    the Docker setup passes a runner that starts Glue containers and hooks that reach
    LocalStack.
    """
    from glueline.cloud.glue import moto_integration

    if runner is None:
        master = os.environ.get(SPARK_MASTER_VARIABLE, launcher.LOCAL_MASTER)
        local = master.startswith("local")
        runner = GlueJobRunner(
            settings,
            warm_drivers=warm_pool.configured_size(os.environ) if local else 0,
            spark_master=master,
            role_credentials=run_credentials,
            seconds_per_minute=float(os.environ.get(SECONDS_PER_MINUTE_VARIABLE, "60")),
        )
    moto_integration.install(runner, hooks_for or moto_integration.moto_hooks_for)
    return runner


def run_credentials(job: JobDefinition, run_id: str) -> RoleCredentials | None:
    """A fresh session of the job's role for each run, named by the run, as AWS Glue does."""
    if not credentials.enforcement_enabled() or not job.role:
        return None
    if not credentials.role_exists(job.account_id, job.role):
        return None
    return credentials.assume(job.account_id, job.region, job.role, run_id)
