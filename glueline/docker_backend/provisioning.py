"""Creates the deployed stacks' Glue resources in glueline's Glue service, or updates them.

The counterpart of CloudFormation's Glue resource handlers for the Docker setup, where
LocalStack skips the Glue types (:mod:`glueline.docker_backend.templates` reads them back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from glueline.docker_backend.templates import GLUE_DATABASE, GlueResource, UnresolvableTemplate

#: ``AWS::Glue::Job`` properties that ``CreateJob`` takes under the same name.
JOB_PROPERTIES = (
    "Name",
    "Description",
    "LogUri",
    "Role",
    "ExecutionProperty",
    "Command",
    "DefaultArguments",
    "NonOverridableArguments",
    "Connections",
    "MaxRetries",
    "AllocatedCapacity",
    "Timeout",
    "MaxCapacity",
    "SecurityConfiguration",
    "Tags",
    "NotificationProperty",
    "GlueVersion",
    "NumberOfWorkers",
    "WorkerType",
    "ExecutionClass",
    "JobMode",
    "MaintenanceWindow",
    "JobRunQueuingEnabled",
)


def provision(glue: Any, resources: Sequence[GlueResource]) -> dict[str, str]:
    """Create or update each resource in glueline's Glue; returns logical id -> name.

    Databases first, so that a job's catalog arguments name a database that exists.
    """
    created: dict[str, str] = {}
    ordered = sorted(resources, key=lambda resource: resource.resource_type != GLUE_DATABASE)
    for resource in ordered:
        if resource.resource_type == GLUE_DATABASE:
            _put_database(glue, resource.properties)
        else:
            _put_job(glue, resource.properties)
        created[resource.logical_id] = resource.name
    return created


def _put_database(glue: Any, properties: Mapping[str, Any]) -> None:
    database_input = dict(properties["DatabaseInput"])
    try:
        glue.create_database(DatabaseInput=database_input)
    except glue.exceptions.AlreadyExistsException:
        glue.update_database(Name=database_input["Name"], DatabaseInput=database_input)


def _put_job(glue: Any, properties: Mapping[str, Any]) -> None:
    unknown = sorted(set(properties) - set(JOB_PROPERTIES))
    if unknown:
        raise UnresolvableTemplate(f"AWS::Glue::Job properties glueline does not map: {unknown}")
    job = dict(properties)
    try:
        glue.create_job(**job)
    except glue.exceptions.AlreadyExistsException:
        name = job.pop("Name")
        job.pop("Tags", None)
        glue.update_job(JobName=name, JobUpdate=job)
