"""AWS Glue job: one uploaded CSV object -> Snappy Parquet plus a Data Catalog table.

The trigger Lambda starts one run per S3 object. The run reads the CSV with Spark, normalizes
the column names for the catalog, adds lineage columns, writes Parquet into the dataset's
partition for that object and creates or updates the catalog table and partition.

This file is uploaded to S3 as a single asset and runs unchanged on AWS Glue 5.1: it uses only
pyspark, boto3 and (inside ``main``) awsglue. Everything above ``main`` is a pure or
injectable function so that it can be unit-tested on a plain local SparkSession.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

logger = logging.getLogger("file_processor")

PARTITION_KEY = "source_id"
METADATA_COLUMNS = ("processed_at", "source_file", "processing_job")
BAD_ROW_COLUMN = "_corrupt_record"
REJECTED_PREFIX = "_rejected"
BAD_RECORD_MODES = ("fail", "quarantine")

# RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. multiLine makes the
# whole file one non-splittable partition, which also keeps rows in file order (first bad line).
CSV_OPTIONS = {
    "header": "true",
    "multiLine": "true",
    "quote": '"',
    "escape": '"',
    "encoding": "UTF-8",
}

PARQUET_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"

# Numeric types a catalog column may be widened along; a value of a lower rank fits the higher.
_NUMERIC_RANK = {"int": 1, "bigint": 2, "double": 3}


class SchemaConflictError(ValueError):
    """A file's column type cannot be reconciled with the catalog table's type."""


class BadRecordsError(ValueError):
    """Rows of the input did not parse and ``--bad_records fail`` was requested."""


class EmptyInputError(ValueError):
    """The input object has zero bytes, so there is not even a header to build a table from."""


@dataclass(frozen=True)
class ParsedCsv:
    """A parsed CSV: ``rows`` has the normalized columns plus ``BAD_ROW_COLUMN``.

    ``BAD_ROW_COLUMN`` is null for good rows and holds the raw record for rows that did not
    parse. ``rows`` is cached so that counting, splitting and writing read the object once.
    """

    rows: DataFrame
    column_mapping: list[tuple[str | None, str]]


def normalize_column_names(names: Sequence[str | None], reserved: Iterable[str] = ()) -> list[str]:
    """Turn CSV header names into catalog-safe, unique column names.

    Glue/Athena/Hive columns are case-insensitive and only ``[a-z0-9_]`` is safe everywhere, so
    names are lowercased and other characters become ``_``; a byte-order mark left on the first
    name is dropped; a leading digit gets a ``col_`` prefix (Athena rejects it unquoted); an
    empty name becomes ``col_<position>``. Names that collide with each other or with
    ``reserved`` (the columns this job adds) get ``_2``, ``_3``... so that no data is lost.
    """
    taken = {name.lower() for name in reserved}
    result: list[str] = []
    for position, raw in enumerate(names, start=1):
        name = re.sub(r"[^a-z0-9_]", "_", (raw or "").lstrip("\ufeff").strip().lower())
        if not name:
            name = f"col_{position}"
        elif name[0].isdigit():
            name = f"col_{name}"
        candidate, suffix = name, 2
        while candidate in taken:
            candidate, suffix = f"{name}_{suffix}", suffix + 1
        taken.add(candidate)
        result.append(candidate)
    return result


def source_id_for(source_path: str) -> str:
    """Partition value for one input object: readable slug of bucket and key plus a short hash.

    The slug keeps partitions recognisable in listings; the hash of the full path keeps two
    objects apart even when their slugs collide (``a/b.csv`` vs ``a-b.csv``) or get truncated.
    Only ``[a-z0-9-]`` is used, so the value is safe in an S3 key and a Hive partition path.
    """
    location = re.sub(r"^s3[an]?://", "", source_path)
    slug = re.sub(r"[^a-z0-9]+", "-", location.lower()).strip("-")[:80].rstrip("-")
    digest = hashlib.sha256(source_path.encode("utf-8")).hexdigest()[:12]
    return f"{slug}-{digest}" if slug else digest


def processing_job_label(job_name: str, run_id: str | None) -> str:
    """Lineage value naming the job and, when AWS passed one, the run that wrote a row."""
    return f"{job_name}:{run_id}" if run_id else job_name


def check_readable_path(path: str) -> None:
    """Refuse keys holding Hadoop glob characters (``[]{}*?\\``) with a clear message.

    Spark treats them as a pattern. Escaping them works for plain reads, but Spark's multiLine
    CSV schema inference globs the resolved path a second time and then finds no file, so
    such a key would otherwise fail with a misleading "matches 0 files".
    """
    if re.search(r"[\[\]{}*?\\]", path):
        raise ValueError(
            f"Input key {path} contains one of []{{}}*?\\, which Spark reads as a glob "
            "pattern; rename the object"
        )


def ensure_not_empty(spark: SparkSession, path: str) -> None:
    """Fail with the file's name on a 0-byte object.

    Spark would otherwise produce a DataFrame without columns, and the failure would surface
    later as a confusing catalog error. ``binaryFile`` only reads the length when the content
    column is not selected.
    """
    length = spark.read.format("binaryFile").load(path).select("length").first()
    if length is None or length["length"] == 0:
        raise EmptyInputError(f"Input file {path} is empty (0 bytes): nothing to process")


def read_csv(spark: SparkSession, path: str) -> ParsedCsv:
    """Read a CSV object into a cached DataFrame that keeps malformed rows detectable.

    Three reads, each for a reason:

    1. Infer the schema over the whole file (header, inferSchema). Inference tolerates ragged
       rows, so it always succeeds.
    2. Read the header row as data (header off) to get the names as written: Spark's own
       header handling renames duplicates (``name0``, ``name3``) before we could see them.
    3. Parse with the inferred schema in PERMISSIVE mode with ``columnNameOfCorruptRecord``.
       Unlike DROPMALFORMED (which only lets us compare counts) this keeps the raw text of
       each bad row, which the error message and the quarantine need. Rows with the wrong
       number of fields or values that do not parse under the schema land there.

    The result is cached: besides saving re-reads, Spark refuses queries over a raw CSV that
    reference only the corrupt-record column, and caching keeps column pruning from changing
    what counts as malformed.
    """
    check_readable_path(path)
    ensure_not_empty(spark, path)
    inferred = spark.read.options(**CSV_OPTIONS).option("inferSchema", "true").csv(path).schema
    if not inferred.fields:
        raise EmptyInputError(f"Input file {path} has no header row")
    header = spark.read.options(**{**CSV_OPTIONS, "header": "false"}).csv(path).first()
    raw_names = list(header) if header and len(header) == len(inferred.fields) else inferred.names
    names = normalize_column_names(
        raw_names, reserved=(*METADATA_COLUMNS, PARTITION_KEY, BAD_ROW_COLUMN)
    )

    corrupt = BAD_ROW_COLUMN
    while corrupt in inferred.names:
        corrupt = f"_{corrupt}"
    schema = T.StructType([*inferred.fields, T.StructField(corrupt, T.StringType())])
    rows = (
        spark.read.options(**CSV_OPTIONS)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", corrupt)
        .schema(schema)
        .csv(path)
        .toDF(*names, BAD_ROW_COLUMN)
        .cache()
    )
    mapping = [(raw, name) for raw, name in zip(raw_names, names, strict=True)]
    logger.info("Column mapping for %s: %s", path, ", ".join(f"{r!r} -> {n}" for r, n in mapping))
    return ParsedCsv(rows=rows, column_mapping=mapping)


def unterminated_quote(spark: SparkSession, path: str) -> DataFrame | None:
    """The file's lines from an opening quote that is never closed to the end, or None.

    Under RFC 4180 double quotes come in pairs (a quoted field opens and closes, an escaped
    quote is doubled), so an odd count means a quoted field runs to the end of the file.
    Spark's multiLine parser would silently fold the rest of the file into that one field;
    this check costs one splittable text pass, and the ordering work only on the bad path.
    The opening line is the first of the last run of lines after which the count is odd.
    """
    lines = spark.read.text(path).select(
        F.monotonically_increasing_id().alias("line_order"),
        "value",
        (F.length("value") - F.length(F.regexp_replace("value", '"', ""))).alias("quotes"),
    )
    total = lines.agg(F.sum("quotes")).first()[0] or 0
    if total % 2 == 0:
        return None
    running = Window.orderBy("line_order").rowsBetween(Window.unboundedPreceding, 0)
    parity = lines.withColumn("open_after", F.sum("quotes").over(running) % 2 == 1)
    last_closed = parity.filter(~F.col("open_after")).agg(F.max("line_order")).first()[0]
    if last_closed is None:
        last_closed = -1
    return (
        parity.filter(F.col("line_order") > last_closed)
        .orderBy("line_order")
        .select("value")
        .coalesce(1)
    )


def split_bad_rows(rows: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Split parsed rows into good rows (data columns only) and bad rows (one ``value`` column).

    The bad side is shaped for ``DataFrameWriter.text`` so the quarantine holds the raw lines.
    """
    bad_flag = F.col(BAD_ROW_COLUMN).isNotNull()
    good = rows.filter(~bad_flag).drop(BAD_ROW_COLUMN)
    bad = rows.filter(bad_flag).select(F.col(BAD_ROW_COLUMN).alias("value"))
    return good, bad


def untyped_columns(df: DataFrame) -> set[str]:
    """String columns without a single value: their inferred type carries no information."""
    strings = [f.name for f in df.schema if isinstance(f.dataType, T.StringType)]
    if not strings:
        return set()
    counts = df.agg(*(F.count(F.col(name)).alias(name) for name in strings)).first()
    return {name for name in strings if not counts or counts[name] == 0}


def summarize_bad_rows(bad: DataFrame) -> tuple[int, str | None]:
    """Count of bad rows and the first one in file order (None when there are none)."""
    count = bad.count()
    first = bad.first() if count else None
    return count, first["value"] if first else None


def add_metadata(
    df: DataFrame, *, source_path: str, job_label: str, processed_at: datetime, source_id: str
) -> DataFrame:
    """Add the lineage columns and the partition column.

    ``processed_at`` is one timestamp for the whole run (not ``current_timestamp()`` per
    task), so every row of a run carries the same value and reruns are easy to tell apart.
    """
    return df.select(
        *df.columns,
        F.lit(processed_at).cast(T.TimestampType()).alias("processed_at"),
        F.lit(source_path).alias("source_file"),
        F.lit(job_label).alias("processing_job"),
        F.lit(source_id).alias(PARTITION_KEY),
    )


def hive_type(data_type: T.DataType) -> str:
    """Hive/Glue type string for a Spark type, recursing into structs, arrays and maps.

    Written out rather than using ``simpleString()``, which names Spark-only types such as
    ``timestamp_ntz`` and ``void`` that the catalog and Athena do not know.
    """
    if isinstance(data_type, T.StructType):
        fields = ",".join(f"{f.name}:{hive_type(f.dataType)}" for f in data_type.fields)
        return f"struct<{fields}>"
    if isinstance(data_type, T.ArrayType):
        return f"array<{hive_type(data_type.elementType)}>"
    if isinstance(data_type, T.MapType):
        return f"map<{hive_type(data_type.keyType)},{hive_type(data_type.valueType)}>"
    if isinstance(data_type, T.DecimalType):
        return f"decimal({data_type.precision},{data_type.scale})"
    if isinstance(data_type, T.TimestampType | T.TimestampNTZType):
        return "timestamp"
    if isinstance(data_type, T.NullType | T.StringType | T.CharType | T.VarcharType):
        return "string"
    simple = {
        T.ByteType: "tinyint",
        T.ShortType: "smallint",
        T.IntegerType: "int",
        T.LongType: "bigint",
        T.FloatType: "float",
        T.DoubleType: "double",
        T.BooleanType: "boolean",
        T.DateType: "date",
        T.BinaryType: "binary",
    }
    for spark_type, name in simple.items():
        if isinstance(data_type, spark_type):
            return name
    raise TypeError(f"No catalog type for Spark type {data_type.simpleString()}")


def hive_columns(schema: T.StructType, exclude: Iterable[str] = (PARTITION_KEY,)) -> list[dict]:
    """Catalog ``Columns`` for a schema, leaving out partition keys (they are listed apart)."""
    skip = set(exclude)
    return [{"Name": f.name, "Type": hive_type(f.dataType)} for f in schema if f.name not in skip]


def reconcile_columns(
    existing: Sequence[dict],
    incoming: Sequence[dict],
    source_file: str,
    untyped: Collection[str] = (),
) -> list[dict]:
    """Merge a file's columns into the table's columns, or refuse with a precise message.

    Table order is kept and new columns are appended, so existing readers and positions are
    unaffected. A column missing from the file stays (its rows read as null). Numeric types
    may widen (int -> bigint -> double) in either direction: the table takes the wider type and
    the file's values are cast up. Anything else (bigint vs string, date vs string...) would
    make earlier or later Parquet files unreadable under the table schema, so it raises
    naming the column, both types and the file.
    """
    merged = [dict(column) for column in existing]
    by_name = {column["Name"].lower(): column for column in merged}
    for column in incoming:
        current = by_name.get(column["Name"].lower())
        if current is None:
            new = {"Name": column["Name"], "Type": column["Type"]}
            merged.append(new)
            by_name[column["Name"].lower()] = new
        elif current["Type"] != column["Type"] and column["Name"] not in untyped:
            old_rank = _NUMERIC_RANK.get(current["Type"])
            new_rank = _NUMERIC_RANK.get(column["Type"])
            if old_rank is None or new_rank is None:
                raise SchemaConflictError(
                    f"Column '{column['Name']}' is {current['Type']} in the catalog table but "
                    f"{column['Type']} in {source_file}; the types cannot be reconciled"
                )
            if new_rank > old_rank:
                current["Type"] = column["Type"]
    return merged


def conform_to_columns(df: DataFrame, columns: Sequence[dict]) -> DataFrame:
    """Cast the file's columns up to the reconciled table types before writing.

    Every Parquet file then matches the catalog schema, so Spark, Athena and Glue readers do
    not meet an int32 file under a bigint column.
    """
    target = {column["Name"]: column["Type"] for column in columns}
    return df.select(
        *(
            F.col(f.name).cast(target[f.name]).alias(f.name)
            if f.name in target and hive_type(f.dataType) != target[f.name]
            else F.col(f.name)
            for f in df.schema
        )
    )


def _storage_descriptor(columns: Sequence[dict], location: str) -> dict[str, Any]:
    """Parquet storage descriptor shared by the table and its partitions."""
    return {
        "Columns": list(columns),
        "Location": location,
        "InputFormat": PARQUET_INPUT_FORMAT,
        "OutputFormat": PARQUET_OUTPUT_FORMAT,
        "Compressed": True,
        "SerdeInfo": {
            "SerializationLibrary": PARQUET_SERDE,
            "Parameters": {"serialization.format": "1"},
        },
        "Parameters": {"classification": "parquet"},
    }


def get_table(glue: Any, database: str, table: str) -> dict | None:
    """The catalog table, or None if it does not exist yet."""
    try:
        return glue.get_table(DatabaseName=database, Name=table)["Table"]
    except glue.exceptions.EntityNotFoundException:
        return None


def table_columns(table: dict | None) -> list[dict] | None:
    """A table's data columns as ``Name``/``Type`` pairs (None for a missing table)."""
    if table is None:
        return None
    columns = table.get("StorageDescriptor", {}).get("Columns", [])
    return [{"Name": c["Name"], "Type": c["Type"]} for c in columns]


def upsert_table(
    glue: Any,
    database: str,
    table: str,
    columns: Sequence[dict],
    location: str,
    source_file: str,
    untyped: Collection[str] = (),
) -> list[dict]:
    """Create the partitioned Parquet table, or add the file's new columns to it.

    The table is read again right before the update (not reused from the pre-write check) so
    that columns another run added meanwhile are kept; table parameters set by other tools
    are kept too. Returns the resulting columns.
    """
    current = get_table(glue, database, table)
    existing = table_columns(current)
    merged = reconcile_columns(existing or [], columns, source_file, untyped)
    table_input = {
        "Name": table,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {
            **(current or {}).get("Parameters", {}),
            "classification": "parquet",
            "EXTERNAL": "TRUE",
            "parquet.compression": "SNAPPY",
        },
        "PartitionKeys": [{"Name": PARTITION_KEY, "Type": "string"}],
        "StorageDescriptor": _storage_descriptor(merged, location),
    }
    if existing is None:
        glue.create_table(DatabaseName=database, TableInput=table_input)
        logger.info("Created table %s.%s with %d columns", database, table, len(merged))
    else:
        glue.update_table(DatabaseName=database, TableInput=table_input)
        added = [c["Name"] for c in merged[len(existing) :]]
        logger.info("Updated table %s.%s; new columns: %s", database, table, added or "none")
    return merged


def upsert_partition(
    glue: Any, database: str, table: str, source_id: str, columns: Sequence[dict], location: str
) -> None:
    """Register (or re-point) the partition holding one input object's rows."""
    partition_input = {
        "Values": [source_id],
        "StorageDescriptor": _storage_descriptor(columns, location),
    }
    try:
        glue.create_partition(
            DatabaseName=database, TableName=table, PartitionInput=partition_input
        )
        logger.info("Created partition %s=%s at %s", PARTITION_KEY, source_id, location)
    except glue.exceptions.AlreadyExistsException:
        glue.update_partition(
            DatabaseName=database,
            TableName=table,
            PartitionValueList=[source_id],
            PartitionInput=partition_input,
        )
        logger.info("Updated partition %s=%s at %s", PARTITION_KEY, source_id, location)


def write_output(df: DataFrame, dataset_location: str, source_id: str, row_count: int) -> None:
    """Write one object's rows as Snappy Parquet, replacing only that object's partition.

    Dynamic partition overwrite swaps the partition in at commit time, so other objects'
    partitions are untouched and a failed write keeps the previous rows. With zero rows
    Spark's dynamic mode touches no partition at all, which would keep stale rows of an
    earlier upload, so that case overwrites the partition folder directly (Spark then writes
    one schema-only file).
    """
    writer_options = {"compression": "snappy"}
    if row_count:
        (
            df.write.mode("overwrite")
            .options(**writer_options, partitionOverwriteMode="dynamic")
            .partitionBy(PARTITION_KEY)
            .parquet(dataset_location)
        )
    else:
        partition_location = f"{dataset_location}{PARTITION_KEY}={source_id}/"
        (
            df.drop(PARTITION_KEY)
            .write.mode("overwrite")
            .options(**writer_options)
            .parquet(partition_location)
        )


def process_file(
    spark: SparkSession,
    glue: Any,
    *,
    source_path: str,
    output_root: str,
    database: str,
    dataset: str,
    job_label: str,
    bad_records: str = "fail",
    processed_at: datetime | None = None,
) -> dict[str, Any]:
    """Run the whole job for one object; ``output_root`` is ``s3://<output_bucket>``.

    Order matters: everything that can refuse the file (empty input, bad rows in fail mode,
    a schema conflict with the table) is decided before any Parquet is written, so a refused
    file leaves no partial output. The input object is only ever read.
    """
    if bad_records not in BAD_RECORD_MODES:
        raise ValueError(f"--bad_records must be one of {BAD_RECORD_MODES}, got {bad_records!r}")
    processed_at = processed_at or datetime.now(UTC)
    source_id = source_id_for(source_path)
    root = output_root.rstrip("/")
    dataset_location = f"{root}/{dataset}/"
    rejected_location = f"{root}/{REJECTED_PREFIX}/{dataset}/{source_id}/"
    logger.info("Processing %s as %s.%s partition %s", source_path, database, dataset, source_id)

    unclosed = unterminated_quote(spark, source_path)
    if unclosed is not None:
        first_line = unclosed.first()["value"]
        unclosed.write.mode("overwrite").text(rejected_location)
        raise BadRecordsError(
            f"1 bad row(s) in {source_path}: a quoted field is never closed; first bad line: "
            f"{first_line!r}. Nothing was written; the file from that line on is in "
            f"{rejected_location}"
        )
    parsed = read_csv(spark, source_path)
    try:
        total = parsed.rows.count()
        good, bad = split_bad_rows(parsed.rows)
        bad_count, first_bad = summarize_bad_rows(bad)
        good_count = total - bad_count
        logger.info("Read %d rows: %d good, %d bad", total, good_count, bad_count)

        enriched = add_metadata(
            good,
            source_path=source_path,
            job_label=job_label,
            processed_at=processed_at,
            source_id=source_id,
        )
        file_columns = hive_columns(enriched.schema)
        untyped = untyped_columns(good)
        target_columns = reconcile_columns(
            table_columns(get_table(glue, database, dataset)) or [],
            file_columns,
            source_path,
            untyped,
        )
        output = conform_to_columns(enriched, target_columns)

        if bad_count:
            bad.write.mode("overwrite").text(rejected_location)
            logger.info("Copied %d bad rows to %s", bad_count, rejected_location)
            if bad_records == "fail":
                raise BadRecordsError(
                    f"{bad_count} bad row(s) in {source_path}; first bad line: {first_bad!r}. "
                    f"Nothing was written; bad rows are in {rejected_location}"
                )

        write_output(output, dataset_location, source_id, good_count)
        logger.info(
            "Wrote %d rows to %s%s=%s/", good_count, dataset_location, PARTITION_KEY, source_id
        )

        columns = upsert_table(
            glue,
            database,
            dataset,
            hive_columns(output.schema),
            dataset_location,
            source_path,
            untyped,
        )
        upsert_partition(
            glue,
            database,
            dataset,
            source_id,
            columns,
            f"{dataset_location}{PARTITION_KEY}={source_id}/",
        )
    finally:
        parsed.rows.unpersist()
    return {
        "source_id": source_id,
        "rows_read": total,
        "rows_written": good_count,
        "bad_rows": bad_count,
        "columns": [c["Name"] for c in columns],
    }


def _argv_value(argv: Sequence[str], name: str) -> str | None:
    """Value of an optional ``--name value`` / ``--name=value`` argument, if present.

    AWS's getResolvedOptions treats ``--JOB_RUN_ID`` as reserved (asking for it is an error)
    and has no optional arguments, so optional ones are looked up here.
    """
    flag = f"--{name}"
    for index, arg in enumerate(argv):
        if arg == flag and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(f"{flag}="):
            return arg.split("=", 1)[1]
    return None


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
    required = ["JOB_NAME", "source_path", "output_bucket", "database_name", "dataset"]
    optional = ["bad_records"] if _argv_value(sys.argv, "bad_records") is not None else []
    args = getResolvedOptions(sys.argv, required + optional)

    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    summary = process_file(
        glue_context.spark_session,
        boto3.client("glue"),
        source_path=args["source_path"],
        output_root=f"s3://{args['output_bucket']}",
        database=args["database_name"],
        dataset=args["dataset"],
        job_label=processing_job_label(args["JOB_NAME"], _argv_value(sys.argv, "JOB_RUN_ID")),
        bad_records=args.get("bad_records") or "fail",
    )
    logger.info("Done: %s", summary)
    job.commit()


if __name__ == "__main__":
    main()
