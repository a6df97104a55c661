"""Wires the local executor into moto's Lambda service and S3 notifications."""

from __future__ import annotations

import json
from typing import Any

from glueline.cloud import patches
from glueline.cloud.lambda_runtime.async_invoke import AsyncInvoker
from glueline.cloud.lambda_runtime.executor import LocalLambdaExecutor


def install(executor: LocalLambdaExecutor, invoker: AsyncInvoker) -> None:
    """Replace moto's Docker-based invocation with local processes."""
    import moto.s3.notifications as s3_notifications
    from moto.awslambda.models import LambdaFunction

    @patches.wrap(LambdaFunction, "__init__", reason="keep DeadLetterConfig and LoggingConfig")
    def init_keeping_delivery_settings(
        original_init: Any,
        self: Any,
        account_id: str,
        spec: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        apply_delivery_settings(self, spec)

    @patches.wrap(
        LambdaFunction, "get_configuration", reason="report DeadLetterConfig and LoggingConfig"
    )
    def configuration_with_delivery_settings(
        original_configuration: Any, self: Any, *args: Any, **kwargs: Any
    ) -> dict[str, Any]:
        configuration = original_configuration(self, *args, **kwargs)
        if getattr(self, "dead_letter_config", None):
            configuration["DeadLetterConfig"] = self.dead_letter_config
        configuration["LoggingConfig"] = {
            "LogFormat": "Text",
            **(getattr(self, "logging_config", None) or {}),
            "LogGroup": self.logs_group_name,
        }
        return configuration

    def invoke(
        self: Any, body: str, request_headers: Any, response_headers: dict[str, str]
    ) -> bytes:
        invocation_type = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
        event = body or "{}"
        if invocation_type == "Event":
            invoker.submit(self, event)
            return b""
        if invocation_type == "DryRun":
            return b""
        result = executor.invoke(self, event)
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
        if _header(request_headers, "X-Amz-Log-Type") == "Tail":
            response_headers["x-amz-log-result"] = result.log_tail_base64
        response_headers["x-amz-executed-version"] = str(self.version)
        return result.payload

    def notify_function(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        from moto.awslambda.utils import get_backend

        function = get_backend(account_id, region_name).get_function(fn_arn)
        invoker.submit(function, json.dumps(event_body))

    patches.replace(
        LambdaFunction, "invoke", invoke, reason="run functions as local processes, not in Docker"
    )
    patches.replace(
        s3_notifications,
        "_invoke_awslambda",
        notify_function,
        reason="S3 notifications invoke asynchronously, with retries",
    )


def apply_delivery_settings(function: Any, spec: dict[str, Any]) -> None:
    """Keep where a function's failed events and logs go; moto drops both settings."""
    function.dead_letter_config = spec.get("DeadLetterConfig")
    function.logging_config = spec.get("LoggingConfig")
    log_group = (function.logging_config or {}).get("LogGroup")
    if log_group:
        function.logs_group_name = log_group


def _header(headers: Any, name: str) -> str | None:
    """Read a header from werkzeug's case-insensitive headers or a plain dict."""
    if not headers:
        return None
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return value
