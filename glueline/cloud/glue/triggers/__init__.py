"""Glue triggers that fire and workflows that run their graph."""

from __future__ import annotations

from glueline.cloud.glue import observers
from glueline.cloud.glue.triggers.engine import TriggerEngine


def install() -> TriggerEngine:
    """Patch moto's Glue service, hear of finished runs and crawls, and start the minute
    clock that evaluates schedules."""
    from glueline.cloud.glue.triggers import moto_integration

    engine = TriggerEngine(moto_integration.scopes, moto_integration.MotoGlueScope)
    moto_integration.install(engine)
    observers.subscribe(engine.finished)
    engine.start()
    return engine
