"""Glue Data Catalog access: table lookups for reads, table and partition upkeep for writes.

The catalog is reached with a plain ``boto3.client("glue")``, so region, credentials and
endpoint come from the environment exactly as they would for a job on AWS (the local cloud
sets ``AWS_ENDPOINT_URL``). Tables are described the way Glue's own sinks and crawlers
describe them, so Athena-style consumers read a locally written table unchanged.
"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import boto3
from pyspark.sql import DataFrame

from awsglue._formats import flag, spark_source
from awsglue._hive_types import hive_columns, spark_ddl
from awsglue._storage import partition_location, partition_values

_LOG = logging.getLogger(__name__)

UPDATE_IN_DATABASE = "UPDATE_IN_DATABASE"
LOG = "LOG"
_TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
_TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
_STORAGE: dict[str, dict[str, Any]] = {
    "parquet": {
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
            "Parameters": {"serialization.format": "1"},
        },
    },
    "json": {
        "InputFormat": _TEXT_INPUT,
        "OutputFormat": _TEXT_OUTPUT,
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
    },
    "csv": {
        "InputFormat": _TEXT_INPUT,
        "OutputFormat": _TEXT_OUTPUT,
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"},
    },
}
_TABLE_INPUT_KEYS = frozenset(
    {
        "Name",
        "Description",
        "Owner",
        "LastAccessTime",
        "LastAnalyzedTime",
        "Retention",
        "StorageDescriptor",
        "PartitionKeys",
        "ViewOriginalText",
        "ViewExpandedText",
        "TableType",
        "Parameters",
        "TargetTable",
    }
)
_PARTITION_BATCH = 100


def get_table(database: str, table_name: str, catalog_id: str | None = None) -> dict[str, Any]:
    """Return the catalog table; a missing one raises Glue's ``EntityNotFoundException``."""
    return _glue().get_table(**_ids(catalog_id), DatabaseName=database, Name=table_name)["Table"]


def table_format(table: Mapping[str, Any]) -> str:
    """Return the table's data format, from its ``classification`` or else its SerDe."""
    classification = table.get("Parameters", {}).get("classification")
    if classification:
        return classification.lower()
    descriptor = table.get("StorageDescriptor", {})
    hints = " ".join(
        [
            descriptor.get("InputFormat", ""),
            descriptor.get("SerdeInfo", {}).get("SerializationLibrary", ""),
        ]
    ).lower()
    for glue_format, marker in (
        ("parquet", "parquet"),
        ("orc", "orc"),
        ("json", "json"),
        ("csv", "csv"),
    ):
        if marker in hints:
            return glue_format
    if "lazysimpleserde" in hints:
        return "csv"
    raise NotImplementedError(f"cannot tell the data format of table {table.get('Name')!r}")


def table_format_options(table: Mapping[str, Any]) -> dict[str, Any]:
    """Return Glue ``format_options`` equivalent to the table's SerDe settings (CSV only)."""
    if table_format(table) != "csv":
        return {}
    serde = table.get("StorageDescriptor", {}).get("SerdeInfo", {}).get("Parameters", {})
    options: dict[str, Any] = {
        "withHeader": table.get("Parameters", {}).get("skip.header.line.count") == "1"
    }
    separator = serde.get("field.delim") or serde.get("separatorChar")
    if separator:
        options["separator"] = separator
    if serde.get("quoteChar"):
        options["quoteChar"] = serde["quoteChar"]
    if serde.get("escapeChar"):
        options["escaper"] = serde["escapeChar"]
    return options


def table_schema_ddl(table: Mapping[str, Any]) -> str:
    """Return the Spark DDL of the table's columns followed by its partition keys."""
    columns = table.get("StorageDescriptor", {}).get("Columns", [])
    return spark_ddl([*columns, *table.get("PartitionKeys", [])])


def publish(
    df: DataFrame,
    database: str,
    table_name: str,
    location: str,
    glue_format: str,
    format_options: Mapping[str, Any],
    partition_keys: Sequence[str],
    update_behavior: str = UPDATE_IN_DATABASE,
    catalog_id: str | None = None,
) -> None:
    """Make the catalog describe data just written: create or update the table, add partitions.

    With ``UPDATE_IN_DATABASE`` (Glue's default) the table's schema becomes the schema just
    written; with ``LOG`` an existing table's schema is left alone and only partitions are
    added. Partitions that already exist are kept as they are.
    """
    if update_behavior not in (UPDATE_IN_DATABASE, LOG):
        raise ValueError(
            f"updateBehavior must be {UPDATE_IN_DATABASE} or {LOG}, not {update_behavior!r}"
        )
    glue = _glue()
    ids = _ids(catalog_id)
    data_names = [name for name in df.columns if name not in partition_keys]
    columns = hive_columns(df.schema, data_names)
    partition_columns = hive_columns(df.schema, list(partition_keys))
    wanted = _table_input(
        table_name, location, glue_format, format_options, columns, partition_columns
    )
    try:
        existing = glue.get_table(**ids, DatabaseName=database, Name=table_name)["Table"]
    except glue.exceptions.EntityNotFoundException:
        glue.create_table(**ids, DatabaseName=database, TableInput=wanted)
        _LOG.info("created catalog table %s.%s at %s", database, table_name, location)
        descriptor = wanted["StorageDescriptor"]
    else:
        if update_behavior == UPDATE_IN_DATABASE:
            updated = _updated_input(existing, wanted)
            glue.update_table(**ids, DatabaseName=database, TableInput=updated)
            _LOG.info("updated the schema of catalog table %s.%s", database, table_name)
            descriptor = updated["StorageDescriptor"]
        else:
            _LOG.info("updateBehavior LOG: schema of %s.%s left unchanged", database, table_name)
            descriptor = {**existing["StorageDescriptor"], "Columns": columns}
    if partition_keys:
        _add_partitions(glue, ids, database, table_name, descriptor, partition_keys, df)


def _add_partitions(
    glue: Any,
    ids: dict[str, str],
    database: str,
    table_name: str,
    descriptor: Mapping[str, Any],
    partition_keys: Sequence[str],
    df: DataFrame,
) -> None:
    """Register every partition present in ``df``, skipping those the catalog already has."""
    location = descriptor["Location"]
    inputs = [
        {
            "Values": values,
            "StorageDescriptor": {
                **descriptor,
                "Location": partition_location(location, partition_keys, values),
            },
        }
        for values in partition_values(df, partition_keys)
    ]
    created = 0
    for start in range(0, len(inputs), _PARTITION_BATCH):
        batch = inputs[start : start + _PARTITION_BATCH]
        errors = glue.batch_create_partition(
            **ids, DatabaseName=database, TableName=table_name, PartitionInputList=batch
        ).get("Errors", [])
        failures = [e for e in errors if e["ErrorDetail"]["ErrorCode"] != "AlreadyExistsException"]
        if failures:
            raise RuntimeError(
                f"could not register partitions of {database}.{table_name}: {failures}"
            )
        created += len(batch) - len(errors)
    _LOG.info("registered %d new partition(s) of %s.%s", created, database, table_name)


def _table_input(
    table_name: str,
    location: str,
    glue_format: str,
    format_options: Mapping[str, Any],
    columns: list[dict[str, str]],
    partition_columns: list[dict[str, str]],
) -> dict[str, Any]:
    """Describe a table the way Glue's S3 sink does for the given format."""
    catalog_format = spark_source(glue_format)
    if catalog_format not in _STORAGE:
        raise NotImplementedError(f"catalog tables in format {glue_format!r} are not emulated")
    storage = _STORAGE[catalog_format]
    serde = {**storage["SerdeInfo"]}
    parameters = {"classification": catalog_format}
    if catalog_format == "csv":
        serde["Parameters"] = {"field.delim": str(format_options.get("separator", ","))}
        if flag(format_options.get("writeHeader", True)):
            parameters["skip.header.line.count"] = "1"
    return {
        "Name": table_name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": partition_columns,
        "StorageDescriptor": {
            "Columns": columns,
            "Location": location,
            "InputFormat": storage["InputFormat"],
            "OutputFormat": storage["OutputFormat"],
            "SerdeInfo": serde,
        },
    }


def _updated_input(existing: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """Keep what an existing table says beyond the schema, replace schema, location, format."""
    table = {key: value for key, value in existing.items() if key in _TABLE_INPUT_KEYS}
    table["Parameters"] = {**existing.get("Parameters", {}), **wanted["Parameters"]}
    table["PartitionKeys"] = wanted["PartitionKeys"]
    table["TableType"] = existing.get("TableType") or wanted["TableType"]
    table["StorageDescriptor"] = {
        **existing.get("StorageDescriptor", {}),
        **wanted["StorageDescriptor"],
    }
    return table


def _ids(catalog_id: str | None) -> dict[str, str]:
    """Return the ``CatalogId`` argument when one is given (the account's catalog otherwise)."""
    return {"CatalogId": catalog_id} if catalog_id else {}


def _glue() -> Any:
    """Return a Glue client configured from the environment, as on AWS."""
    return boto3.client("glue")
