"""Installs glueline's extensions into moto, once, before the server takes requests."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glueline.cloud.glue.runs import GlueJobRunner, RunHooks
from glueline.cloud.lambda_runtime.async_invoke import AsyncInvoker
from glueline.cloud.lambda_runtime.executor import LocalLambdaExecutor
from glueline.cloud.settings import CloudSettings

#: Seconds between asynchronous retries. AWS waits about one and then two minutes; half of
#: that still lets a burst of uploads wait out a full ``MaxConcurrentRuns`` of local runs.
DEFAULT_RETRY_DELAYS = "30,60"


log = logging.getLogger("glueline.cloud")


@dataclass(frozen=True)
class LocalCloud:
    """The parts that do the local cloud's work, owned in one place: installed once, asked
    for status, and stopped together."""

    executor: LocalLambdaExecutor
    invoker: AsyncInvoker
    runner: GlueJobRunner

    def shutdown(self) -> None:
        """Log pending events as dropped, end Lambda processes, fail unfinished runs (their
        drivers killed): the cloud stops with nothing of its own left running."""
        log.info("stopping: ending asynchronous deliveries, Lambda processes and job runs")
        self.invoker.shutdown()
        self.runner.shutdown()
        self.executor.shutdown()

    def status(self) -> dict[str, Any]:
        """Facts for the health route."""
        return {"warm_drivers": self.runner.warm_drivers()}


_installed: LocalCloud | None = None


def install(
    settings: CloudSettings,
    glue_runner: GlueJobRunner | None = None,
    glue_hooks_for: Callable[[Any], RunHooks] | None = None,
) -> LocalCloud:
    """Install every extension into moto; a second call returns the first one's cloud."""
    global _installed
    if _installed is not None:
        return _installed
    from glueline.cloud import (
        eventbridge_targets,
        glue,
        inert_apis,
        s3_events,
        s3_listing,
        s3_multipart,
        s3_policies,
    )
    from glueline.cloud.cloudformation import engine as cloudformation_engine
    from glueline.cloud.glue import crawlers, triggers
    from glueline.cloud.iam import enforcement, simulation
    from glueline.cloud.lambda_runtime import moto_integration

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
    s3_multipart.install()
    inert_apis.install()
    enforcement.install()
    simulation.install()
    runner = glue.install(settings, glue_runner, glue_hooks_for)
    if glue_hooks_for is None:
        # Crawlers read the cloud's own S3; in the Docker setup S3 is LocalStack's.
        crawlers.install()
        triggers.install()
    _installed = LocalCloud(executor=executor, invoker=invoker, runner=runner)
    return _installed


def uninstall() -> None:
    """Restore moto and forget the cloud (tests that install it in-process)."""
    global _installed
    from glueline.cloud import patches

    patches.undo_all()
    _installed = None
