"""Asynchronous invocations (``InvocationType=Event``, S3 notifications) with AWS's retries.

AWS retries a failed asynchronous invocation twice by default (``MaximumRetryAttempts``),
then sends the event to the function's on-failure destination or dead-letter queue. The
local cloud does the same, with delays of seconds instead of minutes, and logs every event
it gives up on so that none disappears silently.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from glueline.cloud.lambda_runtime import destinations
from glueline.cloud.lambda_runtime.executor import InvocationResult, LocalLambdaExecutor

log = logging.getLogger("glueline.lambda")

DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2


class AsyncInvoker:
    """Queues events for functions and retries them in background threads."""

    def __init__(
        self, executor: LocalLambdaExecutor, retry_delays: Sequence[float], workers: int = 8
    ) -> None:
        self._executor = executor
        self._retry_delays = list(retry_delays)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda-async")

    def submit(self, function: Any, event: str) -> None:
        """Accept ``event`` for ``function`` and return at once, as AWS does."""
        self._pool.submit(self._process, function, event)

    def _process(self, function: Any, event: str) -> None:
        config = _event_invoke_config(function)
        attempts = 1 + int(config.get("MaximumRetryAttempts", DEFAULT_MAXIMUM_RETRY_ATTEMPTS))
        result: InvocationResult | None = None
        for attempt in range(1, attempts + 1):
            try:
                result = self._executor.invoke(function, event)
            except Exception:
                log.exception("asynchronous invocation of %s crashed", function.function_name)
                result = None
            if result is not None and result.function_error is None:
                self._on_success(function, event, result, config, attempt)
                return
            if attempt < attempts:
                time.sleep(self._retry_delays[min(attempt - 1, len(self._retry_delays) - 1)])
        self._on_failure(function, event, result, config, attempts)

    def _on_success(
        self,
        function: Any,
        event: str,
        result: InvocationResult,
        config: dict[str, Any],
        attempt: int,
    ) -> None:
        target = config.get("DestinationConfig", {}).get("OnSuccess", {}).get("Destination")
        if target:
            record = _destination_record(function, event, result, "Success", attempt)
            destinations.deliver(target, record, self.submit)

    def _on_failure(
        self,
        function: Any,
        event: str,
        result: InvocationResult | None,
        config: dict[str, Any],
        attempts: int,
    ) -> None:
        reason = result.error_message() if result else "the invocation could not be run"
        on_failure = config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        dead_letter = (getattr(function, "dead_letter_config", None) or {}).get("TargetArn")
        target = on_failure or dead_letter
        log.error(
            "asynchronous event for %s failed after %d attempts (%s); %s; event: %s",
            function.function_name,
            attempts,
            reason,
            f"sent to {target}" if target else "no on-failure destination or DLQ is configured",
            event,
        )
        if on_failure:
            record = _destination_record(function, event, result, "RetriesExhausted", attempts)
            destinations.deliver(on_failure, record, self.submit)
        elif dead_letter:
            destinations.deliver(dead_letter, json.loads(event), self.submit)


def _event_invoke_config(function: Any) -> dict[str, Any]:
    configs = getattr(function, "event_invoke_config", None) or []
    return dict(configs[0].config) if configs else {}


def _destination_record(
    function: Any,
    event: str,
    result: InvocationResult | None,
    condition: str,
    attempts: int,
) -> dict[str, Any]:
    """The record AWS sends to asynchronous invocation destinations."""
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    payload: Any = None
    if result is not None:
        if result.function_error:
            response["functionError"] = result.function_error
        try:
            payload = json.loads(result.payload) if result.payload else None
        except ValueError:
            payload = result.payload.decode(errors="replace")
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(),
        "requestContext": {
            "requestId": result.request_id if result else str(uuid.uuid4()),
            "functionArn": f"{function.function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": attempts,
        },
        "requestPayload": json.loads(event),
        "responseContext": response,
        "responsePayload": payload,
    }
