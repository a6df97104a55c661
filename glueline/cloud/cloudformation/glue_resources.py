"""``AWS::Glue::Database``, ``AWS::Glue::Table`` and ``AWS::Glue::Job`` for CloudFormation.

moto's Glue backend stores these, but its CloudFormation never created them; these models
translate the resource properties into the same backend calls the Glue API makes.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel


def _glue(account_id: str, region_name: str) -> Any:
    from moto.glue.models import glue_backends

    return glue_backends[account_id][region_name]


class GlueDatabase(CloudFormationModel):
    def __init__(self, name: str) -> None:
        self.name = name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Database"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> GlueDatabase:
        database_input = dict(cloudformation_json["Properties"]["DatabaseInput"])
        name = database_input.setdefault("Name", resource_name.lower())
        _glue(account_id, region_name).create_database(name, database_input)
        return cls(name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: GlueDatabase,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> GlueDatabase:
        database_input = dict(cloudformation_json["Properties"]["DatabaseInput"])
        name = database_input.setdefault("Name", original_resource.name)
        if name != original_resource.name:
            original_resource.delete(account_id, region_name)
            _glue(account_id, region_name).create_database(name, database_input)
        else:
            _glue(account_id, region_name).update_database(name, database_input)
        return cls(name)

    def delete(self, account_id: str, region_name: str) -> None:
        _glue(account_id, region_name).delete_database(self.name)


class GlueTable(CloudFormationModel):
    def __init__(self, database_name: str, name: str) -> None:
        self.database_name = database_name
        self.name = name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Table"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> GlueTable:
        properties = cloudformation_json["Properties"]
        table_input = dict(properties["TableInput"])
        name = table_input.setdefault("Name", resource_name.lower())
        _glue(account_id, region_name).create_table(properties["DatabaseName"], name, table_input)
        return cls(properties["DatabaseName"], name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: GlueTable,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> GlueTable:
        properties = cloudformation_json["Properties"]
        table_input = dict(properties["TableInput"])
        name = table_input.setdefault("Name", original_resource.name)
        same = (properties["DatabaseName"], name) == (
            original_resource.database_name,
            original_resource.name,
        )
        backend = _glue(account_id, region_name)
        if same:
            backend.update_table(properties["DatabaseName"], name, table_input)
        else:
            original_resource.delete(account_id, region_name)
            backend.create_table(properties["DatabaseName"], name, table_input)
        return cls(properties["DatabaseName"], name)

    def delete(self, account_id: str, region_name: str) -> None:
        _glue(account_id, region_name).delete_table(self.database_name, self.name)


#: CloudFormation property -> keyword of moto's ``GlueBackend.create_job``.
_JOB_PROPERTIES = {
    "Role": "role",
    "Command": "command",
    "Description": "description",
    "LogUri": "log_uri",
    "ExecutionProperty": "execution_property",
    "DefaultArguments": "default_arguments",
    "NonOverridableArguments": "non_overridable_arguments",
    "Connections": "connections",
    "MaxRetries": "max_retries",
    "AllocatedCapacity": "allocated_capacity",
    "Timeout": "timeout",
    "MaxCapacity": "max_capacity",
    "SecurityConfiguration": "security_configuration",
    "Tags": "tags",
    "NotificationProperty": "notification_property",
    "GlueVersion": "glue_version",
    "NumberOfWorkers": "number_of_workers",
    "WorkerType": "worker_type",
    "CodeGenConfigurationNodes": "code_gen_configuration_nodes",
    "ExecutionClass": "execution_class",
    "SourceControlDetails": "source_control_details",
}

#: AWS's default job timeout, in minutes, when the template sets none.
DEFAULT_JOB_TIMEOUT_MINUTES = 2880


def _create_job(name: str, properties: dict[str, Any], account_id: str, region_name: str) -> None:
    arguments: dict[str, Any] = dict.fromkeys(_JOB_PROPERTIES.values())
    for property_name, keyword in _JOB_PROPERTIES.items():
        if property_name in properties:
            arguments[keyword] = properties[property_name]
    arguments["timeout"] = arguments["timeout"] or DEFAULT_JOB_TIMEOUT_MINUTES
    arguments["execution_property"] = arguments["execution_property"] or {"MaxConcurrentRuns": 1}
    arguments["tags"] = arguments["tags"] or {}
    _glue(account_id, region_name).create_job(name=name, **arguments)


class GlueJob(CloudFormationModel):
    def __init__(self, name: str) -> None:
        self.name = name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Job"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> GlueJob:
        _create_job(resource_name, cloudformation_json["Properties"], account_id, region_name)
        return cls(resource_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: GlueJob,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> GlueJob:
        properties = cloudformation_json["Properties"]
        name = properties.get("Name", original_resource.name)
        original_resource.delete(account_id, region_name)
        _create_job(name, properties, account_id, region_name)
        return cls(name)

    def delete(self, account_id: str, region_name: str) -> None:
        _glue(account_id, region_name).delete_job(self.name)
