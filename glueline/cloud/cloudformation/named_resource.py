"""The shape shared by the resource models glueline adds to CloudFormation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from moto.core.common_models import CloudFormationModel


def refuse_unknown_properties(
    resource_type: str, properties: Mapping[str, Any], known: Iterable[str]
) -> None:
    """Fail the resource on a property the local cloud would otherwise drop in silence."""
    unknown = sorted(set(properties) - set(known))
    if unknown:
        raise ValueError(
            f"{resource_type} properties {', '.join(unknown)} are not supported by the "
            "glueline local cloud"
        )


def backend_arguments(properties: Mapping[str, Any], keywords: Mapping[str, str]) -> dict[str, Any]:
    """The backend call's keyword arguments from the template's properties, every keyword
    present (None where the template is silent), as moto's create calls require."""
    return {keyword: properties.get(name) for name, keyword in keywords.items()}


class NamedResource(CloudFormationModel):
    """A resource known by one name, created through a moto backend.

    Subclasses say how to create and delete it; an update replaces it unless the subclass
    overrides ``update`` with an in-place change.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> NamedResource:
        raise NotImplementedError

    def update(
        self, properties: dict[str, Any], account_id: str, region_name: str
    ) -> NamedResource:
        self.delete(account_id, region_name)
        return self.create(self.name, properties, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        raise NotImplementedError

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> NamedResource:
        properties = cloudformation_json.get("Properties", {})
        return cls.create(resource_name, properties, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: NamedResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> NamedResource:
        properties = cloudformation_json.get("Properties", {})
        return original_resource.update(properties, account_id, region_name)
