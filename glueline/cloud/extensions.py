"""Installs glueline's extensions into moto, once, before the server takes requests."""

from __future__ import annotations

import os
from pathlib import Path

from glueline.cloud.settings import CloudSettings

#: Seconds between asynchronous retries. AWS waits about one and then two minutes; half of
#: that still lets a burst of uploads wait out a full ``MaxConcurrentRuns`` of local runs.
DEFAULT_RETRY_DELAYS = "30,60"


def install(settings: CloudSettings) -> None:
    from glueline.cloud import eventbridge_targets, glue, s3_events, s3_listing, s3_policies
    from glueline.cloud.cloudformation import engine as cloudformation_engine
    from glueline.cloud.lambda_runtime import moto_integration
    from glueline.cloud.lambda_runtime.async_invoke import AsyncInvoker
    from glueline.cloud.lambda_runtime.executor import LocalLambdaExecutor

    node_modules = Path(os.environ.get("GLUELINE_NODE_MODULES", Path.cwd() / "node_modules"))
    executor = LocalLambdaExecutor(settings, node_modules if node_modules.is_dir() else None)
    delays = os.environ.get("GLUELINE_LAMBDA_RETRY_DELAYS", DEFAULT_RETRY_DELAYS)
    invoker = AsyncInvoker(executor, [float(delay) for delay in delays.split(",")])
    moto_integration.install(executor, invoker)
    eventbridge_targets.install(invoker)
    cloudformation_engine.install(settings, executor)
    s3_policies.install()
    s3_events.install()
    s3_listing.install()
    glue.install(settings)
