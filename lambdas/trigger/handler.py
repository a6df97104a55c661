"""Lambda entry point: wires the environment, a Glue client and Powertools' logger to the logic.

Only boto3 defaults and environment variables decide where Glue is, so the same code runs
against AWS and against the local cloud (which sets `AWS_ENDPOINT_URL`).
"""

from __future__ import annotations

import os
from dataclasses import asdict
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from lambdas.trigger.logic import TriggerSettings, handle_event

logger = Logger()


@cache
def glue_client() -> Any:
    """Created once per execution environment; botocore's own retries stay short."""
    return boto3.client("glue", config=Config(retries={"mode": "standard", "max_attempts": 2}))


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = TriggerSettings.from_environment(os.environ)
    outcomes = handle_event(event, glue_client(), settings, logger)
    return {"records": [asdict(outcome) for outcome in outcomes]}
