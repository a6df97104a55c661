"""``AWS::Glue::Crawler``, ``Trigger`` and ``Workflow`` for CloudFormation.

moto's Glue backend stores these, but its CloudFormation never created them. The template's
properties go to the same backend calls the Glue API makes, so a crawler, trigger or
workflow from a stack behaves like one made through the API.
"""

from __future__ import annotations

from typing import Any

from glueline.cloud.cloudformation.glue_resources import glue_backend
from glueline.cloud.cloudformation.named_resource import (
    NamedResource,
    backend_arguments,
    refuse_unknown_properties,
)
from glueline.cloud.glue import schedules
from glueline.cloud.glue.crawlers import catalog

#: CloudFormation property -> keyword of moto's ``GlueBackend.create_crawler``.
_CRAWLER_PROPERTIES = {
    "Role": "role",
    "DatabaseName": "database_name",
    "Description": "description",
    "Targets": "targets",
    "Classifiers": "classifiers",
    "TablePrefix": "table_prefix",
    "SchemaChangePolicy": "schema_change_policy",
    "RecrawlPolicy": "recrawl_policy",
    "LineageConfiguration": "lineage_configuration",
    "Configuration": "configuration",
    "CrawlerSecurityConfiguration": "crawler_security_configuration",
    "Tags": "tags",
}


class GlueCrawler(NamedResource):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Crawler"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> GlueCrawler:
        refuse_unknown_properties(
            "AWS::Glue::Crawler", properties, {*_CRAWLER_PROPERTIES, "Name", "Schedule"}
        )
        crawler_name = properties.get("Name", name)
        catalog.behaviors(properties.get("SchemaChangePolicy"))
        arguments = backend_arguments(properties, _CRAWLER_PROPERTIES)
        arguments["tags"] = arguments["tags"] or {}
        # The template's Schedule is {"ScheduleExpression": ...}; the API's is the expression.
        schedule = (properties.get("Schedule") or {}).get("ScheduleExpression")
        if schedule:
            schedules.parse(schedule)
        glue_backend(account_id, region_name).create_crawler(
            name=crawler_name, schedule=schedule, **arguments
        )
        return cls(crawler_name)

    def delete(self, account_id: str, region_name: str) -> None:
        glue_backend(account_id, region_name).delete_crawler(self.name)


class GlueTrigger(NamedResource):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Trigger"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> GlueTrigger:
        from moto.glue.utils import Action, Predicate

        refuse_unknown_properties(
            "AWS::Glue::Trigger",
            properties,
            {
                "Name",
                "Type",
                "Actions",
                "Predicate",
                "Schedule",
                "StartOnCreation",
                "WorkflowName",
                "Description",
                "Tags",
                "EventBatchingCondition",
            },
        )
        if properties.get("Schedule"):
            schedules.parse(properties["Schedule"])
        trigger_name = properties.get("Name", name)
        predicate = properties.get("Predicate")
        glue_backend(account_id, region_name).create_trigger(
            name=trigger_name,
            workflow_name=properties.get("WorkflowName"),
            trigger_type=properties["Type"],
            schedule=properties.get("Schedule"),
            predicate=Predicate(predicate) if predicate else None,
            actions=[Action(action) for action in properties.get("Actions") or []],
            description=properties.get("Description"),
            start_on_creation=str(properties.get("StartOnCreation", "false")).lower() == "true",
            tags=properties.get("Tags") or {},
            event_batching_condition=properties.get("EventBatchingCondition"),
        )
        return cls(trigger_name)

    def delete(self, account_id: str, region_name: str) -> None:
        glue_backend(account_id, region_name).delete_trigger(self.name)


class GlueWorkflow(NamedResource):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Workflow"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> GlueWorkflow:
        refuse_unknown_properties(
            "AWS::Glue::Workflow",
            properties,
            {"Name", "Description", "DefaultRunProperties", "MaxConcurrentRuns", "Tags"},
        )
        workflow_name = properties.get("Name", name)
        glue_backend(account_id, region_name).create_workflow(
            workflow_name,
            properties.get("DefaultRunProperties"),
            properties.get("Description"),
            properties.get("MaxConcurrentRuns"),
            properties.get("Tags") or {},
        )
        return cls(workflow_name)

    def delete(self, account_id: str, region_name: str) -> None:
        glue_backend(account_id, region_name).delete_workflow(self.name)
