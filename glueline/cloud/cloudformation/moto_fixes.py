"""Corrections to moto's own CloudFormation models, each for a behaviour measured to differ.

Kept apart from the models glueline adds, so that each fix can be dropped when moto
releases it.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    _kms_key_tags_as_cloudformation_writes_them()
    _ssm_parameter_attributes()


def _kms_key_tags_as_cloudformation_writes_them() -> None:
    """``AWS::KMS::Key`` tags are ``{Key, Value}`` in templates; moto's KMS wants
    ``{TagKey, TagValue}`` and failed with ``KeyError: 'TagKey'`` on every CDK key."""
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__

    def create(cls: type, resource_name: str, cloudformation_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
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
