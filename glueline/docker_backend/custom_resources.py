"""Lambda-backed custom resources of the stacks deployed to LocalStack, run as CloudFormation
runs them, because LocalStack's community edition does not (measured on 4.14: it skips every
``Custom::*`` type like any unsupported type).

CloudFormation invokes the resource's ``ServiceToken`` function with an event carrying a
pre-signed S3 ``ResponseURL``; the handler does its work and PUTs its status there. glueline does
the same against LocalStack: the function runs in LocalStack's Lambda, the response lands in a
bucket of LocalStack's S3 (addressed by the compose service name, which the function's container
resolves), and a ``FAILED`` status or a missing response fails the deployment.

Which types run is explicit. CDK's bucket-notifications handler (Python) answers over plain
HTTP and runs. CDK's Node.js custom-resource provider framework answers only over HTTPS on
port 443, which the local setup cannot offer its functions, so the types built on it are not
run and are reported, with what is missing as a result.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glueline.docker_backend.endpoints import LOCALSTACK_ENDPOINT_IN_NETWORK
from glueline.docker_backend.errors import DockerBackendError
from glueline.docker_backend.templates import (
    DeployedStack,
    Scope,
    pseudo_parameters,
    resolve,
)

#: Custom resource types whose handlers glueline runs on create.
RUN_TYPES = ("Custom::S3BucketNotifications",)
#: Custom resource types glueline does not run, and the consequence under LocalStack.
NOT_RUN_TYPES = {
    "Custom::S3AutoDeleteObjects": (
        "CDK's Node.js provider framework answers only over HTTPS on port 443; its create "
        "does nothing, and the bucket is not emptied when its stack is deleted"
    ),
}
CUSTOM_TYPES = (*RUN_TYPES, *NOT_RUN_TYPES)
#: The LocalStack bucket that receives the handlers' responses (CloudFormation's own bucket
#: in AWS).
RESPONSE_BUCKET = "glueline-custom-resource-responses"


@dataclass(frozen=True)
class CustomResource:
    """One custom resource to create: its stack, logical id, type and resolved properties."""

    stack_name: str
    stack_id: str
    logical_id: str
    resource_type: str
    properties: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"{self.stack_name}/{self.logical_id}"


def custom_resources(
    stacks: list[DeployedStack], exports: Mapping[str, str]
) -> tuple[list[CustomResource], list[str]]:
    """The skipped custom resources glueline runs, resolved; and notes on those it does not."""
    to_run: list[CustomResource] = []
    notes: list[str] = []
    for stack in stacks:
        scope = Scope(exports, pseudo_parameters(stack.name, stack.stack_id), stack.resources)
        for logical_id, definition in stack.template.get("Resources", {}).items():
            resource_type = definition.get("Type", "")
            deployed = stack.resources.get(logical_id)
            if resource_type not in CUSTOM_TYPES or deployed is None or not deployed.skipped:
                continue
            where = f"{stack.name}/{logical_id}"
            if resource_type in NOT_RUN_TYPES:
                notes.append(f"{where} ({resource_type}) not run: {NOT_RUN_TYPES[resource_type]}")
                continue
            properties = resolve(definition.get("Properties", {}), scope, where)
            to_run.append(
                CustomResource(stack.name, stack.stack_id, logical_id, resource_type, properties)
            )
    return to_run, notes


def as_strings(value: Any) -> Any:
    """Property values as CloudFormation hands them to custom resources: every scalar a string
    (``true``, ``"42"``), lists and objects kept."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return [as_strings(item) for item in value]
    if isinstance(value, dict):
        return {key: as_strings(item) for key, item in value.items()}
    return value


def create_event(resource: CustomResource, response_url: str, request_id: str) -> dict[str, Any]:
    """The ``Create`` event CloudFormation sends a custom resource's function."""
    return {
        "RequestType": "Create",
        "ServiceToken": resource.properties["ServiceToken"],
        "ResponseURL": response_url,
        "StackId": resource.stack_id,
        "RequestId": request_id,
        "LogicalResourceId": resource.logical_id,
        "ResourceType": resource.resource_type,
        "ResourceProperties": as_strings(dict(resource.properties)),
    }


def run(resource: CustomResource, lambda_client: Any, s3_client: Any, signer: Any) -> str:
    """Invoke the resource's function with a ``Create`` event, read its response from S3;
    returns the physical id it reported, raises on failure."""
    request_id = str(uuid.uuid4())
    key = f"{resource.stack_name}/{resource.logical_id}/{request_id}"
    response_url = signer.generate_presigned_url(
        "put_object", Params={"Bucket": RESPONSE_BUCKET, "Key": key}, ExpiresIn=3600
    )
    function = resource.properties["ServiceToken"]
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=function)
    invoked = lambda_client.invoke(
        FunctionName=function,
        Payload=json.dumps(create_event(resource, response_url, request_id)).encode(),
    )
    output = invoked["Payload"].read().decode(errors="replace")
    try:
        body = s3_client.get_object(Bucket=RESPONSE_BUCKET, Key=key)["Body"].read()
    except s3_client.exceptions.NoSuchKey:
        raise DockerBackendError(
            f"{resource.where} ({resource.resource_type}): its function {function} sent no "
            f"response ({invoked.get('FunctionError', 'no error')}: {output[:2000]})"
        ) from None
    response = json.loads(body)
    if response.get("Status") != "SUCCESS":
        raise DockerBackendError(
            f"{resource.where} ({resource.resource_type}) failed: {response.get('Reason')}"
        )
    return str(response.get("PhysicalResourceId", ""))


def run_all(resources: list[CustomResource], session: Any, host_endpoint: str) -> list[str]:
    """Run each resource's handler in LocalStack; returns one line per resource."""
    if not resources:
        return []
    from botocore.config import Config

    path_style = Config(s3={"addressing_style": "path"})
    lambda_client = session.client("lambda", endpoint_url=host_endpoint)
    s3_client = session.client("s3", endpoint_url=host_endpoint, config=path_style)
    # Signed for the compose service name: the function's container resolves it, the host not.
    signer = session.client("s3", endpoint_url=LOCALSTACK_ENDPOINT_IN_NETWORK, config=path_style)
    s3_client.create_bucket(Bucket=RESPONSE_BUCKET)
    done = []
    for resource in resources:
        physical_id = run(resource, lambda_client, s3_client, signer)
        done.append(f"{resource.where} ({resource.resource_type}) created: {physical_id}")
    return done
