"""Corrections to moto's own CloudFormation models, each for a behaviour measured to differ.

Kept apart from the models glueline adds, so that each fix can be dropped when moto
releases it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from glueline.cloud import patches


def install() -> None:
    _kms_key_properties_as_cloudformation_writes_them()
    _ssm_parameter_attributes()
    _ssm_parameters_without_a_name_get_one()
    _bucket_configuration_from_template()
    _previous_parameter_values_are_inputs()
    _lambda_function_settings_from_template()
    _lambda_layer_versions_have_an_identity()
    _role_managed_and_inline_policies()
    _log_groups_a_first_write_created_can_be_declared()
    _stack_resources_are_the_created_ones()


#: What a fix applies after moto has created or updated a resource from its template:
#: ``(resource, properties, account_id, region_name)``.
ApplyProperties = Callable[[Any, dict[str, Any], str, str], None]
#: Removes a resource that moto created but the fix could not complete.
UndoCreate = Callable[[Any, str, str], None]


def _complete_from_template(
    model: type, apply: ApplyProperties, *, reason: str, undo: UndoCreate | None = None
) -> None:
    """Have ``apply`` set what moto's ``model`` drops, after moto creates or updates it.

    A creation that ``apply`` fails is undone with ``undo``: the resource exists, but not
    as the template says, and must not be left for a rollback to miss.
    """

    @patches.wrap(model, "create_from_cloudformation_json", reason=reason)
    def create(
        original: Any,
        cls: type,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        resource = original(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
        try:
            apply(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
        except Exception:
            if undo is not None:
                undo(resource, account_id, region_name)
            raise
        return resource

    @patches.wrap(model, "update_from_cloudformation_json", reason=reason)
    def update(
        original: Any,
        cls: type,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        resource = original(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        apply(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
        return resource


def _kms_key_properties_as_cloudformation_writes_them() -> None:
    """``AWS::KMS::Key`` tags are ``{Key, Value}`` in templates; moto's KMS wants
    ``{TagKey, TagValue}`` and failed with ``KeyError: 'TagKey'`` on every CDK key. Its
    ``KeyPolicy`` is a JSON object in templates; moto kept the object where it expects the
    policy text, so ``DescribeKey`` failed with HTTP 500 on every key a stack created."""
    from moto.kms.models import Key

    @patches.wrap(Key, "create_from_cloudformation_json", reason="KMS key tags and policy")
    def create(
        original: Any,
        cls: type,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        properties = cloudformation_json.get("Properties", {})
        properties["Tags"] = [
            {"TagKey": tag["Key"], "TagValue": tag["Value"]} if "Key" in tag else tag
            for tag in properties.get("Tags", [])
        ]
        if isinstance(properties.get("KeyPolicy"), dict):
            properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
        return original(cls, resource_name, cloudformation_json, *args, **kwargs)


def _ssm_parameter_attributes() -> None:
    """``Fn::GetAtt`` of ``Value`` and ``Type`` on ``AWS::SSM::Parameter``, which CDK's
    ``StringParameter.string_value`` uses; moto supports neither."""
    from moto.ssm.models import Parameter

    attributes = {"Value": "value", "Type": "parameter_type"}

    def has_cfn_attr(cls: type, attribute: str) -> bool:
        return attribute in attributes

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name not in attributes:
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            raise UnformattedGetAttTemplateException()
        return getattr(self, attributes[attribute_name])

    reason = "Fn::GetAtt Value and Type of SSM parameters"
    patches.replace(Parameter, "has_cfn_attr", classmethod(has_cfn_attr), reason=reason)
    patches.add(Parameter, "get_cfn_attribute", get_cfn_attribute, reason=reason)


def _ssm_parameters_without_a_name_get_one() -> None:
    """``Name`` is optional on ``AWS::SSM::Parameter`` (CloudFormation generates one, as for
    CDK's ``StringParameter`` without ``parameterName``); moto failed the stack with
    ``'NoneType' object has no attribute 'lower'``. The generated resource name is used."""
    from moto.ssm.models import Parameter

    @patches.wrap(Parameter, "create_from_cloudformation_json", reason="generated SSM names")
    def create(
        original: Any,
        cls: type,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        properties = cloudformation_json.setdefault("Properties", {})
        if not properties.get("Name"):
            properties["Name"] = resource_name
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


def _bucket_configuration_from_template() -> None:
    """``AWS::S3::Bucket`` versioning, lifecycle rules and public access block.

    moto's bucket model creates the bucket and its encryption and tags, and silently
    drops these three, so an input bucket would report no versioning and no expiry.
    """
    from moto.s3.models import FakeBucket, s3_backends

    reason = "bucket versioning, lifecycle and public access block from templates"

    def apply(bucket: Any, properties: dict[str, Any], account_id: str, _region: str) -> None:
        backend = s3_backends[account_id]["aws"]
        versioning = properties.get("VersioningConfiguration")
        if versioning:
            backend.put_bucket_versioning(bucket.name, versioning["Status"])
        lifecycle = properties.get("LifecycleConfiguration")
        if lifecycle:
            rules = [lifecycle_rule_for_api(rule) for rule in lifecycle.get("Rules", [])]
            backend.put_bucket_lifecycle_configuration(bucket.name, rules)
        public_access = properties.get("PublicAccessBlockConfiguration")
        if public_access:
            backend.put_public_access_block(
                bucket.name,
                {key: str(value).lower() == "true" for key, value in public_access.items()},
            )

    _complete_from_template(FakeBucket, apply, reason=reason)


def lifecycle_rule_for_api(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the shape of the S3 API (as moto parses it)."""
    api_rule: dict[str, Any] = {
        "ID": rule.get("Id", ""),
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "ExpirationInDays" in rule:
        api_rule["Expiration"] = {"Days": str(rule["ExpirationInDays"])}
    if "ExpiredObjectDeleteMarker" in rule:
        api_rule["Expiration"] = {
            "ExpiredObjectDeleteMarker": str(rule["ExpiredObjectDeleteMarker"]).lower()
        }
    noncurrent = rule.get("NoncurrentVersionExpiration") or (
        {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]}
        if "NoncurrentVersionExpirationInDays" in rule
        else None
    )
    if noncurrent:
        api_rule["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": str(noncurrent["NoncurrentDays"])
        }
    abort = rule.get("AbortIncompleteMultipartUpload")
    if abort:
        api_rule["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": str(abort["DaysAfterInitiation"])
        }
    return api_rule


def _previous_parameter_values_are_inputs() -> None:
    """``UsePreviousValue`` means the value given before, not what it resolved to.

    moto answered with resolved values, so an ``AWS::SSM::Parameter::Value<String>``
    parameter (every CDK stack's ``BootstrapVersion``) came back as ``"6"`` instead of its
    SSM path, and every second ``cdk deploy`` of a stack failed.
    """
    from moto.cloudformation.models import Stack

    def previous_inputs(self: Any) -> dict[str, Any]:
        declared = (self.template_dict or {}).get("Parameters", {})
        return {
            key: self.parameters.get(key, declared.get(key, {}).get("Default", resolved))
            for key, resolved in self.resource_map.resolved_parameters.items()
        }

    patches.replace(
        Stack,
        "stack_parameters",
        property(previous_inputs),
        reason="UsePreviousValue is the previous input",
    )


def _lambda_function_settings_from_template() -> None:
    """``AWS::Lambda::Function`` layers, dead-letter queue and logging configuration.

    moto's model copies a fixed list of properties and drops these, so a CDK function's
    logs went to ``/aws/lambda/<name>`` instead of its own log group (with its retention)
    and a configured dead-letter queue was never used.
    """
    from moto.awslambda.models import LambdaFunction

    from glueline.cloud.lambda_runtime.moto_integration import apply_delivery_settings

    reason = "Lambda layers, dead-letter queue and logging configuration from templates"

    def apply(function: Any, properties: dict[str, Any], _account_id: str, _region: str) -> None:
        apply_delivery_settings(function, properties)
        if "Layers" in properties:
            function.layers = function._get_layers_data(properties["Layers"])

    def remove(function: Any, _account_id: str, _region: str) -> None:
        function.delete(function.account_id, function.region)

    _complete_from_template(LambdaFunction, apply, reason=reason, undo=remove)


def _lambda_layer_versions_have_an_identity() -> None:
    """``Ref`` of an ``AWS::Lambda::LayerVersion`` is its ARN, its name is its ``LayerName``,
    and deleting the stack deletes it.

    moto's model has no physical id (so ``Ref`` gave the model object itself, and a function
    naming the layer failed with ``'LayerVersion' object has no attribute 'replace'``), reads
    the name from a ``LayerVersion`` property that does not exist (so every layer got a
    generated name), and has no delete (so rollbacks and deletions left every version).
    """
    from moto.awslambda.models import LayerVersion
    from moto.awslambda.utils import get_backend

    def physical_resource_id(self: Any) -> str:
        return str(self.arn)

    def delete(self: Any, account_id: str, region_name: str) -> None:
        get_backend(account_id, region_name).delete_layer_version(self.name, self.version)

    reason = "Ref of a layer version is its ARN; stacks delete their layer versions"
    patches.add(LayerVersion, "physical_resource_id", property(physical_resource_id), reason=reason)
    patches.add(LayerVersion, "delete", delete, reason=reason)
    patches.replace(
        LayerVersion, "cloudformation_name_type", staticmethod(lambda: "LayerName"), reason=reason
    )


def _role_managed_and_inline_policies() -> None:
    """``AWS::IAM::Role`` ``ManagedPolicyArns`` attached, and both kinds of policy updated.

    moto's model ignored ``ManagedPolicyArns`` (CDK names ``AWSLambdaBasicExecutionRole``
    there for every function), changed only the description on an update, and could not
    delete a role with managed policies attached.
    """
    from moto.iam.models import Role, iam_backends
    from moto.utilities.utils import get_partition

    reason = "role ManagedPolicyArns and Policies from templates"

    def backend_of(account_id: str, region_name: str) -> Any:
        return iam_backends[account_id][get_partition(region_name)]

    def sync(role: Any, properties: dict[str, Any], backend: Any) -> None:
        wanted = list(properties.get("ManagedPolicyArns", []))
        for arn in [arn for arn in role.managed_policies if arn not in wanted]:
            backend.detach_role_policy(arn, role.name)
        for arn in [arn for arn in wanted if arn not in role.managed_policies]:
            backend.attach_role_policy(arn, role.name)
        inline = {
            policy["PolicyName"]: policy["PolicyDocument"]
            for policy in properties.get("Policies", [])
        }
        for name in [name for name in role.policies if name not in inline]:
            role.delete_policy(name)
        for name, document in inline.items():
            role.put_policy(name, document if isinstance(document, str) else json.dumps(document))

    def apply(role: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        sync(role, properties, backend_of(account_id, region_name))

    def remove(role: Any, account_id: str, region_name: str) -> None:
        backend_of(account_id, region_name).delete_role(role.name)

    _complete_from_template(Role, apply, reason=reason, undo=remove)

    @patches.wrap(Role, "delete_from_cloudformation_json", reason=reason)
    def delete(
        original: Any,
        cls: type,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        backend = backend_of(account_id, region_name)
        for role in [role for role in backend.roles.values() if role.name == resource_name]:
            for arn in list(role.managed_policies):
                backend.detach_role_policy(arn, role.name)
        original(cls, resource_name, cloudformation_json, account_id, region_name)


def _log_groups_a_first_write_created_can_be_declared() -> None:
    """A stack may declare the log group a function or job already wrote to.

    Lambda and Glue create their log group on the first write, and CloudFormation creates
    resources in parallel: a custom resource's function may log before the stack's
    ``AWS::Logs::LogGroup`` for it exists (CDK's ``BucketDeployment`` does exactly that). The
    declared group then takes over the one the write created, streams included, instead of
    failing with ``ResourceAlreadyExistsException``.
    """
    from moto.logs.models import LogGroup, LogsBackend, logs_backends

    reason = "a declared log group takes over the one a first write created"

    @patches.wrap(LogsBackend, "ensure_log_group", reason=reason)
    def ensure(original: Any, self: Any, log_group_name: str) -> None:
        created = log_group_name not in self.groups
        original(self, log_group_name)
        if created:
            self.groups[log_group_name].created_by_a_write = True

    @patches.wrap(LogGroup, "create_from_cloudformation_json", reason=reason)
    def create(
        original: Any,
        cls: type,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        groups = logs_backends[account_id][region_name].groups
        written = groups.get(resource_name)
        if written is None or not getattr(written, "created_by_a_write", False):
            return original(
                cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
            )
        del groups[resource_name]
        group = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        group.streams.update(written.streams)
        return group


def _stack_resources_are_the_created_ones() -> None:
    """``DescribeStackResources`` and ``ListStackResources`` list resources that exist.

    A resource whose ``Condition`` is false is not created; moto listed it as an empty row.
    """
    from moto.cloudformation.models import Stack

    def created_resources(self: Any) -> list[Any]:
        return [resource for resource in self.resource_map.values() if resource is not None]

    patches.replace(
        Stack,
        "stack_resources",
        property(created_resources),
        reason="stack resources leave out those a false Condition skipped",
    )
