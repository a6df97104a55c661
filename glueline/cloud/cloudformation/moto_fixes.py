"""Corrections to moto's own CloudFormation models, each for a behaviour measured to differ.

Kept apart from the models glueline adds, so that each fix can be dropped when moto
releases it.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    _kms_key_tags_as_cloudformation_writes_them()
    _ssm_parameter_attributes()
    _bucket_configuration_from_template()
    _previous_parameter_values_are_inputs()
    _lambda_function_settings_from_template()


def _kms_key_tags_as_cloudformation_writes_them() -> None:
    """``AWS::KMS::Key`` tags are ``{Key, Value}`` in templates; moto's KMS wants
    ``{TagKey, TagValue}`` and failed with ``KeyError: 'TagKey'`` on every CDK key."""
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__

    def create(
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
        return original(cls, resource_name, cloudformation_json, *args, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create)


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

    Parameter.has_cfn_attr = classmethod(has_cfn_attr)
    Parameter.get_cfn_attribute = get_cfn_attribute


def _bucket_configuration_from_template() -> None:
    """``AWS::S3::Bucket`` versioning, lifecycle rules and public access block.

    moto's bucket model creates the bucket and its encryption and tags, and silently
    drops these three, so an input bucket would report no versioning and no expiry.
    """
    from moto.s3.models import FakeBucket, s3_backends

    original_create = FakeBucket.create_from_cloudformation_json.__func__
    original_update = FakeBucket.update_from_cloudformation_json.__func__

    def apply(bucket: Any, properties: dict[str, Any], account_id: str) -> None:
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

    def create(
        cls: type,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        bucket = original_create(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
        apply(bucket, cloudformation_json.get("Properties", {}), account_id)
        return bucket

    def update(
        cls: type,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        bucket = original_update(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        )
        apply(bucket, cloudformation_json.get("Properties", {}), account_id)
        return bucket

    FakeBucket.create_from_cloudformation_json = classmethod(create)
    FakeBucket.update_from_cloudformation_json = classmethod(update)


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

    Stack.stack_parameters = property(previous_inputs)


def _lambda_function_settings_from_template() -> None:
    """``AWS::Lambda::Function`` layers, dead-letter queue and logging configuration.

    moto's model copies a fixed list of properties and drops these, so a CDK function's
    logs went to ``/aws/lambda/<name>`` instead of its own log group (with its retention)
    and a configured dead-letter queue was never used.
    """
    from moto.awslambda.models import LambdaFunction

    from glueline.cloud.lambda_runtime.moto_integration import apply_delivery_settings

    original_create = LambdaFunction.create_from_cloudformation_json.__func__
    original_update = LambdaFunction.update_from_cloudformation_json.__func__

    def apply(function: Any, properties: dict[str, Any]) -> None:
        apply_delivery_settings(function, properties)
        if "Layers" in properties:
            function.layers = function._get_layers_data(properties["Layers"])

    def create(
        cls: type,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        function = original_create(cls, resource_name, cloudformation_json, *args, **kwargs)
        apply(function, cloudformation_json["Properties"])
        return function

    def update(
        cls: type,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        function = original_update(
            cls, original_resource, new_resource_name, cloudformation_json, *args, **kwargs
        )
        apply(function, cloudformation_json["Properties"])
        return function

    LambdaFunction.create_from_cloudformation_json = classmethod(create)
    LambdaFunction.update_from_cloudformation_json = classmethod(update)
