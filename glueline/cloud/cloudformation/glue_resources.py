"""``AWS::Glue::Database``, ``Table``, ``Job`` and ``SecurityConfiguration`` for CloudFormation.

moto's Glue backend stores these, but its CloudFormation never created them; these models
translate the resource properties into the same backend calls the Glue API makes.
"""

from __future__ import annotations

from typing import Any

from glueline.cloud.cloudformation.named_resource import (
    NamedResource,
    backend_arguments,
    refuse_unknown_properties,
)
from glueline.cloud.glue import security
from glueline.cloud.glue.moto_integration import set_queuing_enabled


def glue_backend(account_id: str, region_name: str) -> Any:
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
        glue_backend(account_id, region_name).create_database(database_name, database_input)
        return cls(database_name)

    def update(self, properties: dict[str, Any], account_id: str, region_name: str) -> GlueDatabase:
        database_input = dict(properties["DatabaseInput"])
        if database_input.setdefault("Name", self.name) != self.name:
            self.delete(account_id, region_name)
            return self.create(self.name, properties, account_id, region_name)
        glue_backend(account_id, region_name).update_database(self.name, database_input)
        return self

    def delete(self, account_id: str, region_name: str) -> None:
        glue_backend(account_id, region_name).delete_database(self.name)


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
        glue_backend(account_id, region_name).create_table(database_name, table_name, table_input)
        return cls(table_name, database_name)

    def update(self, properties: dict[str, Any], account_id: str, region_name: str) -> GlueTable:
        table_input = dict(properties["TableInput"])
        table_input.setdefault("Name", self.name)
        if (properties["DatabaseName"], table_input["Name"]) != (self.database_name, self.name):
            self.delete(account_id, region_name)
            return self.create(self.name, properties, account_id, region_name)
        glue_backend(account_id, region_name).update_table(
            self.database_name, self.name, table_input
        )
        return self

    def delete(self, account_id: str, region_name: str) -> None:
        glue_backend(account_id, region_name).delete_table(self.database_name, self.name)


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

#: Properties handled outside ``create_job``: the name, and what moto's job model lacks.
_JOB_PROPERTIES_KEPT_APART = frozenset({"Name", "JobRunQueuingEnabled"})

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
        refuse_unknown_properties(
            "AWS::Glue::Job", properties, {*_JOB_PROPERTIES, *_JOB_PROPERTIES_KEPT_APART}
        )
        arguments = backend_arguments(properties, _JOB_PROPERTIES)
        arguments["timeout"] = arguments["timeout"] or DEFAULT_JOB_TIMEOUT_MINUTES
        arguments["execution_property"] = arguments["execution_property"] or {
            "MaxConcurrentRuns": 1
        }
        arguments["tags"] = arguments["tags"] or {}
        glue = glue_backend(account_id, region_name)
        glue.create_job(name=job_name, **arguments)
        if "JobRunQueuingEnabled" in properties:
            set_queuing_enabled(glue.get_job(job_name), properties["JobRunQueuingEnabled"])
        return cls(job_name)

    def delete(self, account_id: str, region_name: str) -> None:
        glue_backend(account_id, region_name).delete_job(self.name)


class GlueSecurityConfiguration(NamedResource):
    """Stored as the Glue API stores it; job runs that name it encrypt their S3 output."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::SecurityConfiguration"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> GlueSecurityConfiguration:
        configuration_name = properties.get("Name", name)
        configuration = security.from_cloudformation(properties)
        try:
            security.s3_encryption_settings(configuration)
        except security.InvalidSecurityConfiguration as exc:
            raise ValueError(str(exc)) from exc
        glue_backend(account_id, region_name).create_security_configuration(
            configuration_name, configuration
        )
        return cls(configuration_name)

    def delete(self, account_id: str, region_name: str) -> None:
        glue_backend(account_id, region_name).delete_security_configuration(self.name)
