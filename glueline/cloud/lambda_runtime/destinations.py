"""Delivery of asynchronous invocation outcomes to SQS, SNS, Lambda or EventBridge targets."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("glueline.lambda")


def deliver(
    target_arn: str, message: dict[str, Any], submit_event: Callable[[Any, str], None]
) -> None:
    """Send ``message`` to the resource named by ``target_arn`` through moto's backends.

    ``submit_event`` queues an asynchronous invocation, for Lambda targets.
    """
    parts = target_arn.split(":")
    service, region, account = parts[2], parts[3], parts[4]
    body = json.dumps(message)
    if service == "sqs":
        from moto.sqs.models import sqs_backends

        sqs_backends[account][region].send_message(parts[5], body)
    elif service == "sns":
        from moto.sns.models import sns_backends

        sns_backends[account][region].publish(body, arn=target_arn)
    elif service == "lambda":
        from moto.awslambda.utils import get_backend

        submit_event(get_backend(account, region).get_function(target_arn), body)
    elif service == "events":
        from moto.events.models import events_backends

        events_backends[account][region].put_events(
            [
                {
                    "Source": "lambda",
                    "DetailType": message.get("requestContext", {}).get("condition", "Lambda"),
                    "Detail": body,
                    "EventBusName": target_arn,
                }
            ]
        )
    else:
        raise ValueError(f"unsupported destination type {service!r} in {target_arn}")
