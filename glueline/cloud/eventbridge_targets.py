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

from glueline.cloud import patches
from glueline.cloud.lambda_runtime.async_invoke import AsyncInvoker

log = logging.getLogger("glueline.events")

ADDED_TARGET_SERVICES = frozenset({"lambda", "sns"})
#: What moto's rules deliver to themselves: log groups, queues, event buses and archives.
MOTO_TARGET_SERVICES = frozenset({"logs", "sqs", "events"})


def delivers_events(rule: Any) -> bool:
    """Whether a rule takes part in event delivery at all.

    A rule with only a ``ScheduleExpression`` runs on its schedule and matches no event;
    moto's empty pattern would match every event, so each state change would also be sent
    to the scheduled rule's targets.
    """
    scheduled_only = rule.scheduled_expression and not rule.event_pattern.get_pattern()
    return not scheduled_only


def install(invoker: AsyncInvoker) -> None:
    from moto.events.models import Rule
    from moto.events.utils import EventTemplateParser
    from moto.utilities.arns import parse_arn

    @patches.wrap(Rule, "send_to_targets", reason="rules deliver to Lambda and SNS targets")
    def send_to_targets(
        send_to_moto_targets: Any, self: Any, original_event: Any, transform_input: bool = True
    ) -> None:
        if not delivers_events(self) or not self.event_pattern.matches_event(original_event):
            return
        services = {target["Id"]: parse_arn(target["Arn"]).service for target in self.targets}
        unsupported = [
            t
            for t in self.targets
            if services[t["Id"]] not in ADDED_TARGET_SERVICES | MOTO_TARGET_SERVICES
        ]
        for target in unsupported:
            # One rule's target must not stop delivery for every other rule (moto raised).
            log.error(
                "rule %s: target %s is a %s target, which the glueline local cloud does not "
                "deliver to; event not delivered: %s",
                self.name,
                target["Arn"],
                services[target["Id"]],
                json.dumps(original_event, default=str),
            )
        added = [t for t in self.targets if services[t["Id"]] in ADDED_TARGET_SERVICES]
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
        remaining = [
            target for target in self.targets if services[target["Id"]] in MOTO_TARGET_SERVICES
        ]
        if remaining:
            rule_for_moto = copy.copy(self)
            rule_for_moto.targets = remaining
            send_to_moto_targets(rule_for_moto, original_event, transform_input)


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
