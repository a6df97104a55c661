"""``AWS::Lambda::EventInvokeConfig``: retries and destinations of asynchronous invocations.

CDK emits it for a function's ``on_failure``/``retry_attempts``; without it the local cloud
would not know where a failed S3 event must go.
"""

from __future__ import annotations

from typing import Any

from glueline.cloud.cloudformation.named_resource import NamedResource

_CONFIG_KEYS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")


def _lambda(account_id: str, region_name: str) -> Any:
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region_name)


class EventInvokeConfig(NamedResource):
    """Named by its function: a function has at most one event invoke configuration."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::EventInvokeConfig"

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> EventInvokeConfig:
        function_name = properties["FunctionName"]
        config = {key: properties[key] for key in _CONFIG_KEYS if key in properties}
        backend = _lambda(account_id, region_name)
        backend.get_function(function_name).event_invoke_config = []
        backend.put_function_event_invoke_config(function_name, config)
        return cls(function_name)

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.awslambda.exceptions import UnknownFunctionException

        try:
            _lambda(account_id, region_name).get_function(self.name).event_invoke_config = []
        except UnknownFunctionException:
            return
