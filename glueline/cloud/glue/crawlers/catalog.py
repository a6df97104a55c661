"""What a crawl changes in the Data Catalog, decided from what it found: no I/O.

New tables and partitions are always created. A table that exists with another schema is
updated or only logged, as the crawler's ``SchemaChangePolicy.UpdateBehavior`` says
(``UPDATE_IN_DATABASE``, AWS's default, or ``LOG``). A table this crawler made earlier whose
data is gone is deleted, marked deprecated or only logged, as ``DeleteBehavior`` says
(``DELETE_FROM_DATABASE``, ``DEPRECATE_IN_DATABASE``, AWS's default, or ``LOG``); partitions
whose folders are gone are deleted only under ``DELETE_FROM_DATABASE``.

Tables come out with the shape crawlers give them: ``EXTERNAL_TABLE``, the classification
and counts in ``Parameters``, ``UPDATED_BY_CRAWLER``, Hive formats and SerDe per file
format, partition keys typed ``string``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from glueline.cloud.glue.crawlers.inference import storage_format
from glueline.cloud.glue.crawlers.layout import TablePlan

UPDATE_IN_DATABASE = "UPDATE_IN_DATABASE"
LOG = "LOG"
DELETE_FROM_DATABASE = "DELETE_FROM_DATABASE"
DEPRECATE_IN_DATABASE = "DEPRECATE_IN_DATABASE"
UPDATE_BEHAVIORS = frozenset({UPDATE_IN_DATABASE, LOG})
DELETE_BEHAVIORS = frozenset({DELETE_FROM_DATABASE, DEPRECATE_IN_DATABASE, LOG})

#: The parameter naming the crawler that last wrote a table; the crawler owns such tables.
CRAWLER_PARAMETER = "UPDATED_BY_CRAWLER"
#: The parameter ``DEPRECATE_IN_DATABASE`` adds, with the time the data was found gone.
DEPRECATED_PARAMETER = "DEPRECATED_BY_CRAWLER"


class InvalidSchemaChangePolicy(ValueError):
    """A behaviour AWS Glue does not have."""


@dataclass(frozen=True)
class CrawledTable:
    """A table as the crawl found it: its layout, classification, columns and parameters."""

    plan: TablePlan
    classification: str
    columns: tuple[tuple[str, str], ...]
    parameters: Mapping[str, str]


@dataclass
class CatalogChanges:
    """The calls a crawl makes on the catalog, and its log lines."""

    create: list[dict[str, Any]] = field(default_factory=list)
    update: list[dict[str, Any]] = field(default_factory=list)
    deprecate: list[dict[str, Any]] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    #: ``(table name, PartitionInput)``
    create_partitions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: ``(table name, partition values)``
    delete_partitions: list[tuple[str, list[str]]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


def behaviors(policy: Mapping[str, str] | None) -> tuple[str, str]:
    """``(UpdateBehavior, DeleteBehavior)`` with AWS's defaults, checked."""
    policy = policy or {}
    update = policy.get("UpdateBehavior") or UPDATE_IN_DATABASE
    delete = policy.get("DeleteBehavior") or DEPRECATE_IN_DATABASE
    if update not in UPDATE_BEHAVIORS:
        raise InvalidSchemaChangePolicy(
            f"UpdateBehavior {update!r} is not LOG or UPDATE_IN_DATABASE"
        )
    if delete not in DELETE_BEHAVIORS:
        raise InvalidSchemaChangePolicy(
            f"DeleteBehavior {delete!r} is not LOG, DELETE_FROM_DATABASE or DEPRECATE_IN_DATABASE"
        )
    return update, delete


def table_input(table: CrawledTable, crawler_name: str) -> dict[str, Any]:
    """The ``TableInput`` a crawler writes for a table it found."""
    parameters = {
        **table.parameters,
        CRAWLER_PARAMETER: crawler_name,
        "CrawlerSchemaSerializerVersion": "1.0",
        "CrawlerSchemaDeserializerVersion": "1.0",
    }
    return {
        "Name": table.plan.name,
        "Owner": "owner",
        "Retention": 0,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": [{"Name": key, "Type": "string"} for key in table.plan.partition_keys],
        "StorageDescriptor": {
            "Columns": [{"Name": name, "Type": kind} for name, kind in table.columns],
            "Location": table.plan.location,
            **storage_format(table.classification),
            "Compressed": False,
            "NumberOfBuckets": -1,
            "BucketColumns": [],
            "SortColumns": [],
            "Parameters": dict(parameters),
            "StoredAsSubDirectories": False,
        },
    }


def partition_input(
    table: dict[str, Any], values: tuple[str, ...], location: str
) -> dict[str, Any]:
    """A partition of ``table`` (a ``TableInput``): the table's storage at its own folder."""
    descriptor = {**table["StorageDescriptor"], "Location": location}
    return {"Values": list(values), "StorageDescriptor": descriptor, "Parameters": {}}


def reconcile(
    found: list[CrawledTable],
    existing: Mapping[str, Mapping[str, Any]],
    existing_partitions: Mapping[str, set[tuple[str, ...]]],
    crawler_name: str,
    policy: Mapping[str, str] | None,
    now: datetime,
) -> CatalogChanges:
    """The changes that bring the catalog in line with what was found, under ``policy``.

    ``existing`` maps table names to ``GetTable`` results of the crawler's database;
    ``existing_partitions`` their partitions' values.
    """
    update_behavior, delete_behavior = behaviors(policy)
    changes = CatalogChanges()
    for table in found:
        wanted = table_input(table, crawler_name)
        current = existing.get(table.plan.name)
        if current is None:
            changes.create.append(wanted)
            changes.log.append(f"Created table {table.plan.name} at {table.plan.location}")
        elif _schema(current) != _schema(wanted):
            if update_behavior == UPDATE_IN_DATABASE:
                changes.update.append(wanted)
                changes.log.append(f"Updated the schema of table {table.plan.name}")
            else:
                changes.log.append(
                    f"Schema change of table {table.plan.name} not applied "
                    f"(UpdateBehavior LOG): found {_describe(wanted)}"
                )
        have = existing_partitions.get(table.plan.name, set()) if current else set()
        for values, partition in table.plan.partitions.items():
            if values not in have:
                changes.create_partitions.append(
                    (table.plan.name, partition_input(wanted, values, partition.location))
                )
        for values in sorted(have - set(table.plan.partitions)):
            if delete_behavior == DELETE_FROM_DATABASE:
                changes.delete_partitions.append((table.plan.name, list(values)))
            changes.log.append(f"Partition {list(values)} of {table.plan.name} has no data")
    found_names = {table.plan.name for table in found}
    for name, current in sorted(existing.items()):
        parameters = current.get("Parameters") or {}
        if name in found_names or parameters.get(CRAWLER_PARAMETER) != crawler_name:
            continue
        if delete_behavior == DELETE_FROM_DATABASE:
            changes.delete.append(name)
            changes.log.append(f"Deleted table {name}: its data is gone")
        elif delete_behavior == DEPRECATE_IN_DATABASE:
            if DEPRECATED_PARAMETER not in parameters:
                deprecated = _as_input(current)
                deprecated["Parameters"] = {**parameters, DEPRECATED_PARAMETER: now.isoformat()}
                changes.deprecate.append(deprecated)
                changes.log.append(f"Deprecated table {name}: its data is gone")
        else:
            changes.log.append(f"Table {name} has no data any more (DeleteBehavior LOG)")
    return changes


def _schema(table: Mapping[str, Any]) -> tuple[Any, ...]:
    descriptor = table.get("StorageDescriptor") or {}
    columns = tuple((c["Name"], c["Type"]) for c in descriptor.get("Columns") or [])
    keys = tuple((k["Name"], k["Type"]) for k in table.get("PartitionKeys") or [])
    classification = (table.get("Parameters") or {}).get("classification")
    return columns, keys, classification, descriptor.get("Location")


def _describe(table: Mapping[str, Any]) -> str:
    columns = table["StorageDescriptor"]["Columns"]
    return ", ".join(f"{column['Name']} {column['Type']}" for column in columns)


#: ``GetTable`` fields that ``UpdateTable``'s ``TableInput`` does not take.
_READ_ONLY = frozenset(
    {
        "DatabaseName",
        "CreateTime",
        "UpdateTime",
        "VersionId",
        "CatalogId",
        "CreatedBy",
        "IsRegisteredWithLakeFormation",
        "IsMultiDialectView",
    }
)


def _as_input(table: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in table.items() if key not in _READ_ONLY}
