"""AWS Glue job: us-legislators ``persons.json`` (JSON Lines) -> Parquet snapshot + catalog table.

A batch job: a run replaces the whole output, because the input is a complete snapshot of
current legislators. With job bookmarks on (the stacks enable them), a run first asks whether
a new ``persons.json`` arrived since the last successful run; if not, it leaves the output and
the catalog as they are, so running it on a schedule costs little and rewrites nothing.
Standalone by design (uploaded as one S3 asset), so the small catalog helpers are written here
rather than shared with the file processor.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

logger = logging.getLogger("legislators")

KEPT_COLUMNS = ("id", "name", "bio", "terms")
HIVE_PARQUET = "org.apache.hadoop.hive.ql.io.parquet"

_SIMPLE_TYPES: dict[type[T.DataType], str] = {
    T.ByteType: "tinyint",
    T.ShortType: "smallint",
    T.IntegerType: "int",
    T.LongType: "bigint",
    T.FloatType: "float",
    T.DoubleType: "double",
    T.BooleanType: "boolean",
    T.DateType: "date",
    T.TimestampType: "timestamp",
    T.TimestampNTZType: "timestamp",
    T.BinaryType: "binary",
    T.StringType: "string",
    T.NullType: "string",
}


def persons_path(input_location: str) -> str:
    return f"{input_location.rstrip('/')}/persons.json"


def read_persons(spark: SparkSession, input_location: str) -> DataFrame:
    """Read ``persons.json`` under the input folder.

    FAILFAST because this is a full snapshot: a broken line should stop the run rather than
    silently become a row of nulls that replaces a legislator in the output.
    """
    return spark.read.option("mode", "FAILFAST").json(persons_path(input_location))


def has_new_snapshot(glue_context: Any, input_location: str) -> bool:
    """Whether ``persons.json`` holds legislators this job's bookmark has not seen.

    The job bookmark works on sources read with a ``transformation_ctx``: the frame holds the
    file only if it changed since the last committed run (always, with bookmarks off).
    """
    snapshot = glue_context.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [persons_path(input_location)]},
        format="json",
        transformation_ctx="persons_snapshot",
    )
    return snapshot.count() > 0


def transform(persons: DataFrame, processed_at: datetime) -> DataFrame:
    """Keep the identity, name, biography and terms of each legislator, stamped with the run."""
    return persons.select(
        *KEPT_COLUMNS, F.lit(processed_at).cast("timestamp").alias("processed_at")
    )


def hive_type(data_type: T.DataType) -> str:
    """Hive/Glue type for a Spark type, nested structs and arrays included."""
    if isinstance(data_type, T.StructType):
        return "struct<" + ",".join(f"{f.name}:{hive_type(f.dataType)}" for f in data_type) + ">"
    if isinstance(data_type, T.ArrayType):
        return f"array<{hive_type(data_type.elementType)}>"
    if isinstance(data_type, T.MapType):
        return f"map<{hive_type(data_type.keyType)},{hive_type(data_type.valueType)}>"
    if isinstance(data_type, T.DecimalType):
        return f"decimal({data_type.precision},{data_type.scale})"
    for spark_type, name in _SIMPLE_TYPES.items():
        if isinstance(data_type, spark_type):
            return name
    raise TypeError(f"No catalog type for Spark type {data_type.simpleString()}")


def upsert_table(
    glue: Any, database: str, table: str, schema: T.StructType, location: str
) -> list[dict]:
    """Create the Parquet table or replace its columns with this snapshot's schema.

    Replacing (not merging) is right here: the output is overwritten, so the table must
    describe exactly the files now at ``location``.
    """
    columns = [{"Name": f.name, "Type": hive_type(f.dataType)} for f in schema]
    table_input = {
        "Name": table,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
        "StorageDescriptor": {
            "Columns": columns,
            "Location": location,
            "InputFormat": f"{HIVE_PARQUET}.MapredParquetInputFormat",
            "OutputFormat": f"{HIVE_PARQUET}.MapredParquetOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": f"{HIVE_PARQUET}.serde.ParquetHiveSerDe",
                "Parameters": {"serialization.format": "1"},
            },
        },
    }
    try:
        glue.create_table(DatabaseName=database, TableInput=table_input)
        logger.info("Created table %s.%s", database, table)
    except glue.exceptions.AlreadyExistsException:
        glue.update_table(DatabaseName=database, TableInput=table_input)
        logger.info("Updated table %s.%s", database, table)
    return columns


def run(
    spark: SparkSession,
    glue: Any,
    *,
    input_location: str,
    output_location: str,
    database: str,
    table: str,
    processed_at: datetime | None = None,
) -> int:
    """Read, transform, overwrite the Parquet snapshot, update the catalog; returns rows written."""
    persons = read_persons(spark, input_location)
    output = transform(persons, processed_at or datetime.now(UTC)).cache()
    try:
        count = output.count()
        logger.info("Read %d legislators from %s", count, input_location)
        output.write.mode("overwrite").option("compression", "snappy").parquet(output_location)
        logger.info("Wrote %d rows to %s", count, output_location)
        columns = upsert_table(glue, database, table, output.schema, output_location)
        logger.info("Table %s.%s has columns %s", database, table, [c["Name"] for c in columns])
    finally:
        output.unpersist()
    return count


def main() -> None:
    """Glue entry point: resolve arguments, get Glue's Spark session, run, commit."""
    import boto3
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    names = ["JOB_NAME", "input_location", "output_location", "database_name", "table_name"]
    args = getResolvedOptions(sys.argv, names)
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    if has_new_snapshot(glue_context, args["input_location"]):
        run(
            glue_context.spark_session,
            boto3.client("glue"),
            input_location=args["input_location"],
            output_location=args["output_location"],
            database=args["database_name"],
            table=args["table_name"],
        )
    else:
        logger.info(
            "No new legislators in %s since the last successful run (job bookmark): "
            "the output and the catalog table are left as they are",
            persons_path(args["input_location"]),
        )
    job.commit()


if __name__ == "__main__":
    main()
