"""``AWS::Lambda::EventInvokeConfig``: retries and destinations of asynchronous invocations.

CDK emits it for a function's ``on_failure``/``retry_attempts``; without it the local cloud
would not know where a failed S3 event must go.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

_CONFIG_KEYS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")


def _lambda(account_id: str, region_name: str) -> Any:
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region_name)


class EventInvokeConfig(CloudFormationModel):
    def __init__(self, function_name: str) -> None:
        self.function_name = function_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::EventInvokeConfig"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.function_name

    @classmethod
    def _apply(cls, properties: dict[str, Any], account_id: str, region_name: str) -> str:
        function_name = properties["FunctionName"]
        config = {key: properties[key] for key in _CONFIG_KEYS if key in properties}
        backend = _lambda(account_id, region_name)
        backend.get_function(function_name).event_invoke_config = []
        backend.put_function_event_invoke_config(function_name, config)
        return function_name

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> EventInvokeConfig:
        return cls(cls._apply(cloudformation_json["Properties"], account_id, region_name))

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: EventInvokeConfig,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> EventInvokeConfig:
        return cls(cls._apply(cloudformation_json["Properties"], account_id, region_name))

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _lambda(account_id, region_name)
        try:
            backend.get_function(self.function_name).event_invoke_config = []
        except Exception:
            return
