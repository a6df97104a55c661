"""Asynchronous invocations (``InvocationType=Event``, S3 notifications) with AWS's retries.

AWS retries a failed asynchronous invocation twice by default (``MaximumRetryAttempts``),
then sends the event to the function's on-failure destination or dead-letter queue. The
local cloud does the same, with delays of half AWS's by default, and logs every event it
gives up on, or drops when it stops, with its payload, so that none disappears silently.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from glueline.cloud.lambda_runtime import destinations
from glueline.cloud.lambda_runtime.executor import InvocationResult, LocalLambdaExecutor

log = logging.getLogger("glueline.lambda")

DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2


@dataclass
class _Delivery:
    """One event on its way to one function, across its attempts."""

    function: Any
    event: str
    config: dict[str, Any]
    attempts: int
    attempt: int = 0
    result: InvocationResult | None = None


class AsyncInvoker:
    """Queues events for functions, runs them on a worker pool, retries on timers.

    Waiting for a retry holds no worker: the event sits on a timer until its delay is over,
    so a burst of failing events cannot starve the pool, and :meth:`shutdown` sees (and
    logs) every event that has not been delivered.
    """

    def __init__(
        self, executor: LocalLambdaExecutor, retry_delays: Sequence[float], workers: int = 8
    ) -> None:
        self._executor = executor
        self._retry_delays = list(retry_delays)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda-async")
        self._lock = threading.Lock()
        self._closed = False
        #: Deliveries queued for a worker or waiting on a retry timer.
        self._pending: dict[int, tuple[_Delivery, threading.Timer | None]] = {}

    def submit(self, function: Any, event: str) -> None:
        """Accept ``event`` for ``function`` and return at once, as AWS does."""
        config = _event_invoke_config(function)
        attempts = 1 + int(config.get("MaximumRetryAttempts", DEFAULT_MAXIMUM_RETRY_ATTEMPTS))
        self._schedule(_Delivery(function, event, config, attempts), delay=0.0)

    def shutdown(self) -> None:
        """Stop accepting events; log every one not yet delivered, with its payload."""
        with self._lock:
            self._closed = True
            pending = list(self._pending.values())
            self._pending.clear()
        for delivery, timer in pending:
            if timer is not None:
                timer.cancel()
            self._log_dropped(delivery, "the local cloud stopped before it was delivered")
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _schedule(self, delivery: _Delivery, delay: float) -> None:
        with self._lock:
            if self._closed:
                dropped = True
            else:
                dropped = False
                timer = None
                if delay > 0:
                    timer = threading.Timer(delay, self._dispatch, args=(delivery,))
                    timer.daemon = True
                self._pending[id(delivery)] = (delivery, timer)
        if dropped:
            self._log_dropped(delivery, "the local cloud is stopping")
        elif timer is not None:
            timer.start()
        else:
            self._dispatch(delivery)

    def _dispatch(self, delivery: _Delivery) -> None:
        """Hand a due delivery to a worker, unless shutdown already took it."""
        with self._lock:
            if self._closed or id(delivery) not in self._pending:
                return
            self._pool.submit(self._attempt, delivery)

    def _attempt(self, delivery: _Delivery) -> None:
        with self._lock:
            if self._pending.pop(id(delivery), None) is None:
                return
        delivery.attempt += 1
        try:
            delivery.result = self._executor.invoke(delivery.function, delivery.event)
        except Exception:
            log.exception("asynchronous invocation of %s crashed", delivery.function.function_name)
            delivery.result = None
        result = delivery.result
        if result is not None and result.function_error is None:
            self._on_success(delivery, result)
        elif delivery.attempt < delivery.attempts:
            delays = self._retry_delays
            self._schedule(delivery, delays[min(delivery.attempt - 1, len(delays) - 1)])
        else:
            self._on_failure(delivery)

    def _log_dropped(self, delivery: _Delivery, why: str) -> None:
        log.error(
            "asynchronous event for %s dropped after %d of %d attempts: %s; event: %s",
            delivery.function.function_name,
            delivery.attempt,
            delivery.attempts,
            why,
            delivery.event,
        )

    def _on_success(self, delivery: _Delivery, result: InvocationResult) -> None:
        target = (
            delivery.config.get("DestinationConfig", {}).get("OnSuccess", {}).get("Destination")
        )
        if target:
            record = _destination_record(delivery, "Success")
            destinations.deliver(target, record, self.submit)

    def _on_failure(self, delivery: _Delivery) -> None:
        function, result = delivery.function, delivery.result
        reason = result.error_message() if result else "the invocation could not be run"
        on_failure = (
            delivery.config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        )
        dead_letter = (getattr(function, "dead_letter_config", None) or {}).get("TargetArn")
        target = on_failure or dead_letter
        log.error(
            "asynchronous event for %s failed after %d attempts (%s); %s; event: %s",
            function.function_name,
            delivery.attempts,
            reason,
            f"sent to {target}" if target else "no on-failure destination or DLQ is configured",
            delivery.event,
        )
        if on_failure:
            record = _destination_record(delivery, "RetriesExhausted")
            destinations.deliver(on_failure, record, self.submit)
        elif dead_letter:
            destinations.deliver(dead_letter, json.loads(delivery.event), self.submit)


def _event_invoke_config(function: Any) -> dict[str, Any]:
    configs = getattr(function, "event_invoke_config", None) or []
    return dict(configs[0].config) if configs else {}


def _destination_record(delivery: _Delivery, condition: str) -> dict[str, Any]:
    """The record AWS sends to asynchronous invocation destinations."""
    result = delivery.result
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
            "functionArn": f"{delivery.function.function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": delivery.attempt,
        },
        "requestPayload": json.loads(delivery.event),
        "responseContext": response,
        "responsePayload": payload,
    }
