"""EventBridge rule targets moto does not deliver to: Lambda functions and SNS topics.

moto's rules deliver to queues, log groups and event buses, and raise
``NotImplementedError`` for anything else, so the pipeline's alert rule (Glue job state
change to an SNS topic) would never alert. Lambda targets are invoked asynchronously, with
the same retries and destinations as any asynchronous invocation, as in AWS.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from glueline.cloud.lambda_runtime.async_invoke import AsyncInvoker

log = logging.getLogger("glueline.events")

ADDED_TARGET_SERVICES = frozenset({"lambda", "sns"})


def install(invoker: AsyncInvoker) -> None:
    from moto.events.models import Rule
    from moto.events.utils import EventTemplateParser
    from moto.utilities.arns import parse_arn

    send_to_moto_targets = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        added = [t for t in self.targets if parse_arn(t["Arn"]).service in ADDED_TARGET_SERVICES]
        for target in added:
            event = original_event.copy()
            if transform_input:
                transformer = target.get("InputTransformer", {})
                event = EventTemplateParser.parse(
                    input_template=transformer.get("InputTemplate"),
                    input_paths_map=transformer.get("InputPathsMap", {}),
                    event=original_event,
                )
            _deliver(parse_arn(target["Arn"]), target["Arn"], event, invoker)
        remaining = [target for target in self.targets if target not in added]
        if remaining:
            rule_for_moto = copy.copy(self)
            rule_for_moto.targets = remaining
            send_to_moto_targets(rule_for_moto, original_event, transform_input)

    Rule.send_to_targets = send_to_targets


def _deliver(arn: Any, target_arn: str, event: Any, invoker: AsyncInvoker) -> None:
    message = event if isinstance(event, str) else json.dumps(event)
    if arn.service == "lambda":
        from moto.awslambda.utils import get_backend

        function = get_backend(arn.account, arn.region).get_function(target_arn)
        invoker.submit(function, message)
    else:
        from moto.sns.models import sns_backends

        sns_backends[arn.account][arn.region].publish(message, arn=target_arn)
    log.info("delivered an event to %s", target_arn)
