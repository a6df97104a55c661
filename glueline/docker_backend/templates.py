"""The stacks deployed to LocalStack, read back: templates, resources, and the Glue resources.

LocalStack's community edition has neither Glue nor custom resources, so its CloudFormation
skips those types (``docker/localstack.env``) and glueline provides them. This module is the
small resolver that turns a deployed template's resource properties into values: it resolves
only what can be resolved outside CloudFormation (exports, pseudo parameters, literals, the
physical ids and ARNs of resources LocalStack created) and raises, naming the stack and
resource, on anything else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from glueline.cloud.settings import LOCAL_ACCOUNT_ID, LOCAL_REGION
from glueline.docker_backend.errors import DockerBackendError

#: CloudFormation types LocalStack skips and glueline creates (docker/localstack.env).
GLUE_DATABASE = "AWS::Glue::Database"
GLUE_JOB = "AWS::Glue::Job"
GLUE_TYPES = (GLUE_DATABASE, GLUE_JOB)
#: The status reason LocalStack 4.14 gives a resource whose type it skipped as unsupported.
SKIPPED_BY_LOCALSTACK = "is not supported but was deployed as a fallback"


class UnresolvableTemplate(DockerBackendError):
    """A Glue resource uses a value glueline cannot resolve outside CloudFormation."""


@dataclass(frozen=True)
class GlueResource:
    """One ``AWS::Glue::*`` resource of a deployed stack, its properties fully resolved."""

    stack_name: str
    logical_id: str
    resource_type: str
    properties: dict[str, Any]

    @property
    def name(self) -> str:
        if self.resource_type == GLUE_DATABASE:
            return str(self.properties["DatabaseInput"]["Name"])
        return str(self.properties["Name"])


@dataclass(frozen=True)
class DeployedResource:
    """A resource of a stack deployed to LocalStack, as ``ListStackResources`` reports it."""

    logical_id: str
    resource_type: str
    physical_id: str
    #: LocalStack skipped it as unsupported: it has no physical resource to refer to.
    skipped: bool


#: ``Fn::GetAtt [resource, Arn]`` for the types whose ARN follows from the physical id.
ARN_FORMATS = {
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:{id}",
    "AWS::S3::Bucket": "arn:aws:s3:::{id}",
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{id}",
}


@dataclass(frozen=True)
class Scope:
    """What a deployed stack's intrinsics can refer to outside CloudFormation: the exports,
    the pseudo parameters and the stack's resources that LocalStack created."""

    exports: Mapping[str, str]
    pseudo: Mapping[str, str]
    resources: Mapping[str, DeployedResource] = field(default_factory=dict)

    def physical_id(self, logical_id: str, where: str) -> DeployedResource:
        resource = self.resources.get(logical_id)
        if resource is None or resource.skipped:
            raise UnresolvableTemplate(
                f"{where}: {logical_id} is not a resource LocalStack created, so only "
                "CloudFormation could resolve a reference to it"
            )
        return resource


def resolve(value: Any, scope: Scope, where: str) -> Any:
    """Resolve the intrinsics our stacks' Glue and custom resources use: ``Fn::ImportValue``,
    ``Fn::Join``, ``Fn::Sub`` on pseudo parameters, ``Ref`` to pseudo parameters and to
    resources LocalStack created, and ``Fn::GetAtt`` of their ``Arn``.

    Anything else (conditions, other attributes) only CloudFormation can answer, and guessing
    would create a resource unlike the one AWS would: it raises, naming where.
    """
    if isinstance(value, list):
        return [resolve(item, scope, f"{where}[{i}]") for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Fn::ImportValue":
            name = resolve(argument, scope, where)
            if name not in scope.exports:
                raise UnresolvableTemplate(f"{where}: no export named {name!r} in LocalStack")
            return scope.exports[name]
        if key == "Fn::Join":
            separator, items = argument
            parts = resolve(items, scope, where)
            return separator.join(str(part) for part in parts)
        if key == "Ref" and argument in scope.pseudo:
            return scope.pseudo[argument]
        if key == "Ref" and argument in scope.resources:
            return scope.physical_id(argument, where).physical_id
        if key == "Fn::GetAtt" and argument[0] in scope.resources and argument[1] == "Arn":
            resource = scope.physical_id(argument[0], where)
            if resource.resource_type in ARN_FORMATS:
                return ARN_FORMATS[resource.resource_type].format(
                    region=scope.pseudo["AWS::Region"],
                    account=scope.pseudo["AWS::AccountId"],
                    id=resource.physical_id,
                )
        if key == "Fn::Sub" and isinstance(argument, str):
            return _substitute(argument, scope.pseudo, where)
        if key == "Ref" or key.startswith(("Fn::", "Condition")):
            raise UnresolvableTemplate(
                f"{where}: {key} {json.dumps(argument)} needs CloudFormation; glueline resolves "
                "only exports, pseudo parameters, literals, and references to the Arn or the "
                "physical id of resources LocalStack created"
            )
    return {key: resolve(item, scope, f"{where}.{key}") for key, item in value.items()}


def _substitute(template: str, pseudo: Mapping[str, str], where: str) -> str:
    result = template
    for name, replacement in pseudo.items():
        result = result.replace("${" + name + "}", replacement)
    if "${" in result:
        raise UnresolvableTemplate(
            f"{where}: Fn::Sub {template!r} refers to more than pseudo parameters"
        )
    return result


def pseudo_parameters(stack_name: str, stack_id: str) -> dict[str, str]:
    return {
        "AWS::AccountId": LOCAL_ACCOUNT_ID,
        "AWS::Region": LOCAL_REGION,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::NoValue": "",
    }


def glue_resources(
    template: Mapping[str, Any],
    stack_name: str,
    stack_id: str,
    exports: Mapping[str, str],
    resources: Mapping[str, DeployedResource] | None = None,
) -> list[GlueResource]:
    """The template's Glue resources, resolved; raises on a Glue type glueline does not create
    (a Table, Crawler or Trigger would otherwise be skipped by LocalStack without a trace)."""
    scope = Scope(exports, pseudo_parameters(stack_name, stack_id), resources or {})
    found: list[GlueResource] = []
    for logical_id, resource in template.get("Resources", {}).items():
        resource_type = resource.get("Type", "")
        if not resource_type.startswith("AWS::Glue::"):
            continue
        if resource_type not in GLUE_TYPES:
            raise UnresolvableTemplate(
                f"{stack_name}/{logical_id}: glueline's Docker backend creates only "
                f"{', '.join(GLUE_TYPES)}, not {resource_type}"
            )
        where = f"{stack_name}/{logical_id}"
        properties = resolve(resource.get("Properties", {}), scope, where)
        if resource_type == GLUE_JOB and not properties.get("Name"):
            raise UnresolvableTemplate(
                f"{where}: an AWS::Glue::Job without Name gets its name from CloudFormation; "
                "give the job a name in the stack"
            )
        found.append(GlueResource(stack_name, logical_id, resource_type, properties))
    return found


@dataclass(frozen=True)
class DeployedStack:
    """A stack deployed to LocalStack: its template as deployed and its resources."""

    name: str
    stack_id: str
    template: Mapping[str, Any]
    resources: Mapping[str, DeployedResource]


def deployed_stacks(cloudformation: Any) -> list[DeployedStack]:
    """Every stack deployed to LocalStack (not being deleted), read back from LocalStack."""
    stacks: list[DeployedStack] = []
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            if stack["StackStatus"].startswith("DELETE"):
                continue
            name = stack["StackName"]
            body = cloudformation.get_template(StackName=name)["TemplateBody"]
            resources = {}
            for listed in cloudformation.get_paginator("list_stack_resources").paginate(
                StackName=name
            ):
                for summary in listed["StackResourceSummaries"]:
                    resource = DeployedResource(
                        logical_id=summary["LogicalResourceId"],
                        resource_type=summary["ResourceType"],
                        physical_id=summary.get("PhysicalResourceId") or "",
                        skipped=SKIPPED_BY_LOCALSTACK
                        in (summary.get("ResourceStatusReason") or ""),
                    )
                    resources[resource.logical_id] = resource
            template = parse_template(body, name) if isinstance(body, str) else body
            stacks.append(DeployedStack(name, stack["StackId"], template, resources))
    return stacks


def parse_template(body: str, stack_name: str) -> dict[str, Any]:
    """A template as GetTemplate returns it: JSON, or YAML with CloudFormation's short-form
    tags (CDK's bootstrap stack is YAML), parsed by cfn-lint's decoder."""
    from cfnlint.decode import decode_str

    template, problems = decode_str(body)
    if template is None:
        raise DockerBackendError(f"{stack_name}: template not parseable: {problems}")
    return dict(template)


def exports(cloudformation: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for page in cloudformation.get_paginator("list_exports").paginate():
        found.update({export["Name"]: export["Value"] for export in page["Exports"]})
    return found


def deployed_glue_resources(cloudformation: Any) -> list[GlueResource]:
    """Every Glue resource of every stack deployed to LocalStack, from its own templates."""
    exported = exports(cloudformation)
    return [
        resource
        for stack in deployed_stacks(cloudformation)
        for resource in glue_resources(
            stack.template, stack.name, stack.stack_id, exported, stack.resources
        )
    ]
