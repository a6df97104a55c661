"""``AWS::Glue::Database``, ``AWS::Glue::Table`` and ``AWS::Glue::Job`` for CloudFormation.

moto's Glue backend stores these, but its CloudFormation never created them; these models
translate the resource properties into the same backend calls the Glue API makes.
"""

from __future__ import annotations

from typing import Any

from glueline.cloud.cloudformation.named_resource import NamedResource


def _glue(account_id: str, region_name: str) -> Any:
    from moto.glue.models import glue_backends

    return glue_backends[account_id][region_name]


class GlueDatabase(NamedResource):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Database"

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> GlueDatabase:
        database_input = dict(properties["DatabaseInput"])
        database_name = database_input.setdefault("Name", name.lower())
        _glue(account_id, region_name).create_database(database_name, database_input)
        return cls(database_name)

    def update(self, properties: dict[str, Any], account_id: str, region_name: str) -> GlueDatabase:
        database_input = dict(properties["DatabaseInput"])
        if database_input.setdefault("Name", self.name) != self.name:
            self.delete(account_id, region_name)
            return self.create(self.name, properties, account_id, region_name)
        _glue(account_id, region_name).update_database(self.name, database_input)
        return self

    def delete(self, account_id: str, region_name: str) -> None:
        _glue(account_id, region_name).delete_database(self.name)


class GlueTable(NamedResource):
    def __init__(self, name: str, database_name: str) -> None:
        super().__init__(name)
        self.database_name = database_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Table"

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> GlueTable:
        table_input = dict(properties["TableInput"])
        table_name = table_input.setdefault("Name", name.lower())
        database_name = properties["DatabaseName"]
        _glue(account_id, region_name).create_table(database_name, table_name, table_input)
        return cls(table_name, database_name)

    def update(self, properties: dict[str, Any], account_id: str, region_name: str) -> GlueTable:
        table_input = dict(properties["TableInput"])
        table_input.setdefault("Name", self.name)
        if (properties["DatabaseName"], table_input["Name"]) != (self.database_name, self.name):
            self.delete(account_id, region_name)
            return self.create(self.name, properties, account_id, region_name)
        _glue(account_id, region_name).update_table(self.database_name, self.name, table_input)
        return self

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


class GlueJob(NamedResource):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Job"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> GlueJob:
        job_name = properties.get("Name", name)
        arguments: dict[str, Any] = dict.fromkeys(_JOB_PROPERTIES.values())
        for property_name, keyword in _JOB_PROPERTIES.items():
            if property_name in properties:
                arguments[keyword] = properties[property_name]
        arguments["timeout"] = arguments["timeout"] or DEFAULT_JOB_TIMEOUT_MINUTES
        arguments["execution_property"] = arguments["execution_property"] or {
            "MaxConcurrentRuns": 1
        }
        arguments["tags"] = arguments["tags"] or {}
        _glue(account_id, region_name).create_job(name=job_name, **arguments)
        return cls(job_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _glue(account_id, region_name).delete_job(self.name)
