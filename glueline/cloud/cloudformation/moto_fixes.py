"""Corrections to moto's own CloudFormation models, each for a behaviour measured to differ.

Kept apart from the models glueline adds, so that each fix can be dropped when moto
releases it.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    _kms_key_tags_as_cloudformation_writes_them()


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
