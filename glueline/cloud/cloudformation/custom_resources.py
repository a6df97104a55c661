"""Lambda-backed custom resources (``Custom::*``, ``AWS::CloudFormation::CustomResource``).

The local cloud sends the function the same request AWS would, with a ``ResponseURL`` on
the local endpoint, runs it synchronously through the local executor and waits for the
response the function PUTs there. Create, update and delete all reach the function, so
CDK's bucket-notification and auto-delete-objects resources do their work.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from moto.core.common_models import CloudFormationModel

#: How long to wait for a response after the function returned (it may answer late).
RESPONSE_GRACE_SECONDS = 5.0


class CustomResourceFailed(Exception):
    """The provider answered FAILED, or never answered."""


class ResponseInbox:
    """Responses PUT by custom-resource providers, keyed by request id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expected: dict[str, threading.Event] = {}
        self._bodies: dict[str, bytes] = {}

    def expect(self, request_id: str) -> None:
        with self._lock:
            self._expected[request_id] = threading.Event()

    def deliver(self, request_id: str, body: bytes) -> bool:
        with self._lock:
            arrived = self._expected.get(request_id)
            if arrived is None:
                return False
            self._bodies[request_id] = body
        arrived.set()
        return True

    def take(self, request_id: str, timeout: float) -> dict[str, Any] | None:
        with self._lock:
            arrived = self._expected[request_id]
        arrived.wait(timeout)
        with self._lock:
            self._expected.pop(request_id, None)
            body = self._bodies.pop(request_id, None)
        return json.loads(body) if body else None


RESPONSES = ResponseInbox()


class ProviderConnection:
    """How custom resources reach the local executor; set once by ``engine.install``."""

    endpoint_url: str = ""
    executor: Any = None


def as_sent_by_cloudformation(value: Any) -> Any:
    """Scalars as strings, the way CloudFormation hands properties to custom resources."""
    if isinstance(value, dict):
        return {key: as_sent_by_cloudformation(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_sent_by_cloudformation(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


@dataclass(frozen=True)
class ResourceIdentity:
    """Which custom resource a request is about, and where it lives."""

    stack_id: str
    logical_id: str
    resource_type: str
    account_id: str
    region_name: str

    def describe(self) -> str:
        return f"{self.logical_id} ({self.resource_type})"


def _send_request(
    request_type: str,
    resource: ResourceIdentity,
    properties: dict[str, Any],
    physical_resource_id: str | None = None,
    old_properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    from moto.awslambda.utils import get_backend

    service_token = properties.get("ServiceToken", "")
    if ":lambda:" not in service_token:
        raise CustomResourceFailed(
            f"{resource.describe()}: ServiceToken {service_token!r} is not a Lambda "
            "function ARN; the local cloud runs Lambda-backed custom resources only"
        )
    function = get_backend(resource.account_id, resource.region_name).get_function(service_token)
    request_id = str(uuid.uuid4())
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": service_token,
        "ResponseURL": f"{ProviderConnection.endpoint_url}/_glueline/cfn-response/{request_id}",
        "StackId": resource.stack_id,
        "RequestId": request_id,
        "LogicalResourceId": resource.logical_id,
        "ResourceType": resource.resource_type,
        "ResourceProperties": as_sent_by_cloudformation(properties),
    }
    if physical_resource_id is not None:
        event["PhysicalResourceId"] = physical_resource_id
    if old_properties is not None:
        event["OldResourceProperties"] = as_sent_by_cloudformation(old_properties)
    RESPONSES.expect(request_id)
    result = ProviderConnection.executor.invoke(function, json.dumps(event))
    response = RESPONSES.take(request_id, RESPONSE_GRACE_SECONDS)
    if response is None:
        detail = f": {result.error_message()}" if result.function_error else ""
        raise CustomResourceFailed(
            f"{resource.describe()}: the provider function "
            f"{function.function_name} sent no response to the {request_type} request{detail}"
        )
    if response.get("Status") != "SUCCESS":
        raise CustomResourceFailed(
            f"{resource.describe()}: {request_type} failed: "
            f"{response.get('Reason', 'no reason given')}"
        )
    return response


class LambdaBackedCustomResource(CloudFormationModel):
    """A custom resource whose lifecycle is handled by a Lambda function."""

    def __init__(
        self, identity: ResourceIdentity, properties: dict[str, Any], response: dict[str, Any]
    ) -> None:
        self.identity = identity
        self.properties = properties
        self.physical_id = response.get("PhysicalResourceId") or identity.logical_id
        self.data: dict[str, Any] = response.get("Data") or {}

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFormation::CustomResource"

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.data:
            raise CustomResourceFailed(
                f"{self.identity.logical_id}: CustomResource attribute error: Vendor response "
                f"doesn't contain {attribute_name} key"
            )
        return self.data[attribute_name]

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LambdaBackedCustomResource:
        identity = ResourceIdentity(
            kwargs["StackId"], kwargs["LogicalId"], kwargs["ResourceType"], account_id, region_name
        )
        properties = cloudformation_json["Properties"]
        return cls(identity, properties, _send_request("Create", identity, properties))

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: LambdaBackedCustomResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LambdaBackedCustomResource:
        properties = cloudformation_json["Properties"]
        response = _send_request(
            "Update",
            original_resource.identity,
            properties,
            physical_resource_id=original_resource.physical_id,
            old_properties=original_resource.properties,
        )
        updated = cls(
            original_resource.identity,
            properties,
            {"PhysicalResourceId": original_resource.physical_id, **response},
        )
        if updated.physical_id != original_resource.physical_id:
            original_resource.delete(account_id, region_name)
        return updated

    def delete(self, account_id: str, region_name: str) -> None:
        _send_request(
            "Delete", self.identity, self.properties, physical_resource_id=self.physical_id
        )
