"""AWS Glue job: one uploaded CSV object -> Snappy Parquet plus a Data Catalog table.

The trigger Lambda starts one run per S3 object. The run reads the CSV with Spark, normalizes
the column names for the catalog, adds lineage columns, writes Parquet into the dataset's
partition for that object and creates or updates the catalog table and partition.

This file is uploaded to S3 as a single asset and runs unchanged on AWS Glue 5.1: it uses only
pyspark, boto3 and (inside ``main``) awsglue. Everything above ``main`` is a pure or
injectable function so that it can be unit-tested on a plain local SparkSession.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import posixpath
import re
import sys
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pyspark.sql import Column, DataFrame, Observation, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

logger = logging.getLogger("file_processor")

PARTITION_KEY = "source_id"
METADATA_COLUMNS = ("processed_at", "source_file", "processing_job")
BAD_ROW_COLUMN = "_corrupt_record"
REJECTED_PREFIX = "_rejected"
BAD_RECORD_MODES = ("fail", "quarantine")
#: Under ``--TempDir``: where a run's files are written before they are published.
STAGING_PREFIX = "file-processor-staging"
#: Published file names start with the writing run's token and this separator.
TOKEN_SEPARATOR = "--"
_RUN_TOKEN = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{12}$")

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
    parse.
    """

    rows: DataFrame
    column_mapping: list[tuple[str | None, str]]
    #: Parsed line by line (True) or, because a quoted field spans lines or a data line
    #: repeats the header, with ``multiLine`` (False).
    line_by_line: bool = True


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


def path_rewrite(path: str) -> str | None:
    """The path Hadoop would read instead of ``path``, or None when it reads ``path`` itself.

    Hadoop normalizes paths: ``.`` and ``..`` segments are resolved, empty segments (``//``)
    and a trailing slash vanish. S3 keys are plain strings, so ``a/x/../b.csv`` is an object
    of its own, and reading it through Hadoop would silently read ``a/b.csv``.
    """
    scheme, separator, rest = path.partition("://")
    if not separator:
        return None
    authority, _, key = rest.partition("/")
    segments = key.split("/")
    if not any(segment in ("", ".", "..") for segment in segments):
        return None
    normalized = posixpath.normpath("/" + key).lstrip("/")
    return f"{scheme}://{authority}/{normalized}"


def check_readable_path(path: str) -> None:
    """Refuse keys Spark cannot read as the exact object, with a clear message.

    Hadoop glob characters (``[]{}*?\\``): Spark treats them as a pattern. Escaping them
    works for plain reads, but Spark's multiLine CSV schema inference globs the resolved path
    a second time and then finds no file, so such a key would otherwise fail with a
    misleading "matches 0 files". Keys Hadoop would rewrite (see :func:`path_rewrite`): they
    would read another object.
    """
    if re.search(r"[\[\]{}*?\\]", path):
        raise ValueError(
            f"Input key {path} contains one of []{{}}*?\\, which Spark reads as a glob "
            "pattern; rename the object"
        )
    rewritten = path_rewrite(path)
    if rewritten is not None:
        raise ValueError(
            f"Input key {path} has an empty, '.' or '..' path segment, so Spark (Hadoop) "
            f"would read {rewritten} instead; rename the object"
        )


@dataclass(frozen=True)
class Lines:
    """What one pass over an object's lines tells about how to parse it.

    ``frame`` has ``line_order`` (file order), ``value`` (the line) and ``quotes`` (its
    number of double quotes). It is not cached: only a file refused for an unclosed quote
    reads it again.
    """

    frame: DataFrame
    count: int
    quotes: int
    #: Lines with an odd number of quotes: a quoted field runs on to the next line.
    odd_lines: int
    header: str | None
    #: Data lines equal to the header line.
    header_repeats: int


def _quote_count(line: Column) -> Column:
    """Double quotes in ``line``: bytes removed by dropping them, as a quote is one UTF-8 byte.

    A byte search, several times faster than ``translate`` or a character count.
    """
    return F.octet_length(line) - F.octet_length(F.replace(line, F.lit('"'), F.lit("")))


def scan_lines(spark: SparkSession, path: str) -> Lines:
    """Count, in one splittable pass over the object's lines, what decides how to parse it."""
    frame = spark.read.text(path).select(
        F.monotonically_increasing_id().alias("line_order"),
        "value",
        _quote_count(F.col("value")).alias("quotes"),
    )
    first = frame.filter(F.col("line_order") == 0).select("value").first()
    header = first["value"] if first else None
    totals = frame.agg(
        F.count(F.lit(1)).alias("count"),
        F.sum("quotes").alias("quotes"),
        F.sum(F.when(F.col("quotes") % 2 == 1, 1).otherwise(0)).alias("odd_lines"),
        F.sum(
            F.when((F.col("line_order") > 0) & (F.col("value") == F.lit(header)), 1).otherwise(0)
        ).alias("header_repeats"),
    ).first()
    return Lines(
        frame=frame,
        count=totals["count"],
        quotes=totals["quotes"] or 0,
        odd_lines=totals["odd_lines"] or 0,
        header=header,
        header_repeats=totals["header_repeats"] or 0,
    )


def read_csv(spark: SparkSession, path: str, lines: Lines | None = None) -> ParsedCsv:
    """Read a CSV object into a DataFrame that keeps malformed rows detectable.

    Parsing is done twice, each time for a reason:

    1. Infer the schema over the whole file (header, inferSchema). Inference tolerates ragged
       rows, so it always succeeds.
    2. Parse with the inferred schema in PERMISSIVE mode with ``columnNameOfCorruptRecord``.
       Unlike DROPMALFORMED (which only lets us compare counts) this keeps the raw text of
       each bad row, which the error message and the quarantine need. Rows with the wrong
       number of fields or values that do not parse under the schema land there.

    Both parse the file line by line, in parallel splits, as a plain Spark CSV read does. That
    is exact when no quoted field spans lines and no data line repeats the header (Spark's
    inference skips such lines, so their values would not count towards the types);
    otherwise both parse with ``multiLine``, which is slower (one task) but exact for any RFC
    4180 file. The header's names come from the header line as written: Spark renames
    duplicates (``name0``, ``name3``) before they could be seen.

    The rows are not cached: see :func:`split_bad_rows` for the queries that need it.
    """
    check_readable_path(path)
    lines = lines or scan_lines(spark, path)
    if lines.count == 0:
        raise EmptyInputError(f"Input file {path} is empty (0 bytes): nothing to process")
    per_line = lines.odd_lines == 0 and lines.header_repeats == 0

    def parse(options: dict[str, str], schema: T.StructType | None) -> DataFrame:
        reader = spark.read.options(**{**options, "multiLine": str(not per_line).lower()})
        return (reader.schema(schema) if schema else reader).csv(path)

    inferred = parse({**CSV_OPTIONS, "inferSchema": "true"}, None).schema
    if not inferred.fields or not (lines.header or "").strip():
        raise EmptyInputError(f"Input file {path} has no header row")
    header = next(csv.reader([lines.header or ""], quotechar='"', doublequote=True), [])
    raw_names = header if len(header) == len(inferred.fields) else inferred.names
    names = normalize_column_names(
        raw_names, reserved=(*METADATA_COLUMNS, PARTITION_KEY, BAD_ROW_COLUMN)
    )

    corrupt = BAD_ROW_COLUMN
    while corrupt in inferred.names:
        corrupt = f"_{corrupt}"
    schema = T.StructType([*inferred.fields, T.StructField(corrupt, T.StringType())])
    options = {**CSV_OPTIONS, "mode": "PERMISSIVE", "columnNameOfCorruptRecord": corrupt}
    rows = parse(options, schema).toDF(*names, BAD_ROW_COLUMN)
    mapping = [(raw, name) for raw, name in zip(raw_names, names, strict=True)]
    logger.info(
        "Column mapping for %s (%s): %s",
        path,
        "parsed line by line" if per_line else "quoted fields span lines: parsed as a file",
        ", ".join(f"{r!r} -> {n}" for r, n in mapping),
    )
    return ParsedCsv(rows=rows, column_mapping=mapping, line_by_line=per_line)


def unterminated_quote(lines: Lines) -> DataFrame | None:
    """The file's lines from an opening quote that is never closed to the end, or None.

    Under RFC 4180 double quotes come in pairs (a quoted field opens and closes, an escaped
    quote is doubled), so an odd count means a quoted field runs to the end of the file.
    Spark's multiLine parser would silently fold the rest of the file into that one field.
    The counts come from :func:`scan_lines`; the ordering work is only done on the bad path.
    The opening line is the first of the last run of lines after which the count is odd.
    """
    if lines.quotes % 2 == 0:
        return None
    running = Window.orderBy("line_order").rowsBetween(Window.unboundedPreceding, 0)
    parity = lines.frame.withColumn("open_after", F.sum("quotes").over(running) % 2 == 1)
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

    Queries of the bad side need ``rows`` cached: Spark refuses queries over a raw CSV file
    that reference only the corrupt-record column, and column pruning could change what
    counts as malformed. The good side reads every column and needs no cache. The bad side is
    shaped for ``DataFrameWriter.text`` so the quarantine holds the raw lines.
    """
    bad_flag = F.col(BAD_ROW_COLUMN).isNotNull()
    good = rows.filter(~bad_flag).drop(BAD_ROW_COLUMN)
    bad = rows.filter(bad_flag).select(F.col(BAD_ROW_COLUMN).alias("value"))
    return good, bad


@dataclass(frozen=True)
class RowCounts:
    """What the run decides on after its one pass over the parsed rows."""

    total: int
    bad: int
    #: String columns without a single value among the good rows: their inferred type carries
    #: no information, so a type conflict with the table is not one.
    untyped: frozenset[str]


def string_columns(df: DataFrame) -> list[str]:
    """The columns Spark inferred as strings, in order."""
    return [f.name for f in df.schema if isinstance(f.dataType, T.StringType)]


def observe_counts(rows: DataFrame) -> tuple[DataFrame, Callable[[], RowCounts]]:
    """``rows`` that count, while an action such as the write reads them, what the run decides
    on afterwards; and the function that returns those counts once that action has ended.

    Counting as a side effect of the write saves a pass over the data per figure.
    """
    strings = [name for name in string_columns(rows) if name != BAD_ROW_COLUMN]
    good = F.col(BAD_ROW_COLUMN).isNull()
    observation = Observation()
    observed = rows.observe(
        observation,
        F.count(F.lit(1)).alias("total"),
        F.count(F.col(BAD_ROW_COLUMN)).alias("bad"),
        *(
            F.count(F.when(good, F.col(name))).alias(f"values_{i}")
            for i, name in enumerate(strings)
        ),
    )

    def counts() -> RowCounts:
        metrics = observation.get
        return RowCounts(
            total=metrics["total"],
            bad=metrics["bad"],
            untyped=frozenset(
                name for i, name in enumerate(strings) if metrics[f"values_{i}"] == 0
            ),
        )

    return observed, counts


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


def conform_to_columns(
    df: DataFrame, columns: Sequence[dict], valueless: Collection[str] = ()
) -> DataFrame:
    """Cast the file's columns up to the reconciled table types before writing.

    Every Parquet file then matches the catalog schema, so Spark, Athena and Glue readers do
    not meet an int32 file under a bigint column. A column in ``valueless`` whose type differs
    is written as nulls of the table's type: the caller refuses the file if it has a value,
    and no cast has to parse one (which fails under ANSI mode).
    """
    target = {column["Name"]: column["Type"] for column in columns}

    def conformed(field: T.StructField) -> Any:
        if field.name not in target or hive_type(field.dataType) == target[field.name]:
            return F.col(field.name)
        value = F.lit(None) if field.name in valueless else F.col(field.name)
        return value.cast(target[field.name]).alias(field.name)

    return df.select(*(conformed(field) for field in df.schema))


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


def run_token(processed_at: datetime, job_label: str) -> str:
    """A run's token: later runs sort later, ties are broken by the run's label.

    It prefixes every file the run publishes, so that when two runs of one object overlap
    (S3 delivers events at least once) the newer run's files win.
    """
    digest = hashlib.sha256(job_label.encode("utf-8")).hexdigest()[:12]
    return f"{processed_at.astimezone(UTC):%Y%m%dT%H%M%S%f}Z-{digest}"


def token_of(location: str) -> str | None:
    """The token of the run that published the file at ``location``; None for other files."""
    token, separator, _ = posixpath.basename(location).partition(TOKEN_SEPARATOR)
    return token if separator and _RUN_TOKEN.match(token) else None


class ObjectStore(Protocol):
    """The few storage operations publishing needs, on full ``scheme://`` locations."""

    def list(self, prefix: str) -> list[str]:
        """Every file under the folder ``prefix`` (which ends with ``/``), recursively."""
        ...

    def copy(self, source: str, target: str) -> None: ...

    def delete(self, locations: Sequence[str]) -> None: ...


class S3Store:
    """S3 through boto3: server-side copies, also between buckets (staging is in TempDir)."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    @staticmethod
    def _split(location: str) -> tuple[str, str]:
        bucket, _, key = location.split("://", 1)[1].partition("/")
        return bucket, key

    def list(self, prefix: str) -> list[str]:
        bucket, key_prefix = self._split(prefix)
        scheme = prefix.split("://", 1)[0]
        found = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=key_prefix
        ):
            found += [f"{scheme}://{bucket}/{entry['Key']}" for entry in page.get("Contents", [])]
        return found

    def copy(self, source: str, target: str) -> None:
        source_bucket, source_key = self._split(source)
        target_bucket, target_key = self._split(target)
        self._s3.copy({"Bucket": source_bucket, "Key": source_key}, target_bucket, target_key)

    def delete(self, locations: Sequence[str]) -> None:
        by_bucket: dict[str, list[str]] = {}
        for location in locations:
            bucket, key = self._split(location)
            by_bucket.setdefault(bucket, []).append(key)
        for bucket, keys in by_bucket.items():
            for start in range(0, len(keys), 1000):
                batch = [{"Key": key} for key in keys[start : start + 1000]]
                self._s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})


class HadoopStore:
    """Any Hadoop file system Spark can reach (local files in tests, HDFS)."""

    def __init__(self, spark: SparkSession) -> None:
        self._jvm = spark.sparkContext._jvm
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()

    def _path(self, location: str) -> tuple[Any, Any]:
        path = self._jvm.org.apache.hadoop.fs.Path(location)
        return path, path.getFileSystem(self._conf)

    def list(self, prefix: str) -> list[str]:
        path, fs = self._path(prefix)
        if not fs.exists(path):
            return []
        files = fs.listFiles(path, True)
        found = []
        while files.hasNext():
            found.append(files.next().getPath().toString())
        return found

    def copy(self, source: str, target: str) -> None:
        source_path, source_fs = self._path(source)
        target_path, target_fs = self._path(target)
        self._jvm.org.apache.hadoop.fs.FileUtil.copy(
            source_fs, source_path, target_fs, target_path, False, self._conf
        )

    def delete(self, locations: Sequence[str]) -> None:
        for location in locations:
            path, fs = self._path(location)
            fs.delete(path, False)


def store_for(spark: SparkSession, location: str, s3_client: Callable[[], Any]) -> ObjectStore:
    """S3 locations through boto3 (server-side copies), anything else through Hadoop."""
    if re.match(r"^s3[an]?://", location):
        return S3Store(s3_client())
    return HadoopStore(spark)


def is_data_file(location: str) -> bool:
    """Spark's output files, not its markers (``_SUCCESS``) or checksums (``.part-*.crc``)."""
    return posixpath.basename(location).startswith("part-")


def publish(store: ObjectStore, staging: str, target: str, token: str) -> int:
    """Move a run's staged files into ``target``, then leave only the newest run's files.

    Every run copies its files in under its token, then lists ``target`` and deletes what an
    older run published (and files of any other origin); if a newer run already published,
    it deletes its own instead. Whichever of two overlapping runs lists last sees the other's
    complete set, so the folder ends with one run's files, never both. Returns how many
    files of this run remain.
    """
    staged = store.list(staging)
    own = [
        f"{target}{token}{TOKEN_SEPARATOR}{posixpath.basename(location)}"
        for location in staged
        if is_data_file(location)
    ]
    for location, published in zip(
        (location for location in staged if is_data_file(location)), own, strict=True
    ):
        store.copy(location, published)
    store.delete(staged)
    present = store.list(target)
    if any((token_of(location) or "") > token for location in present):
        logger.info("A newer run already published to %s; this run's files are withdrawn", target)
        store.delete(own)
        return 0
    kept = {posixpath.basename(location) for location in own}
    store.delete([location for location in present if posixpath.basename(location) not in kept])
    return len(own)


def write_staged(
    write: Callable[[str], None], store: ObjectStore, staging: str, target: str, token: str
) -> None:
    """Let Spark ``write`` into ``staging``, then :func:`publish` the files into ``target``.

    Spark's own temporary files stay in the staging area, so a driver that dies mid-write
    leaves nothing in the target bucket.
    """
    write(staging)
    publish(store, staging, target, token)


def write_output(df: DataFrame, location: str) -> None:
    """One object's rows as Snappy Parquet files in ``location`` (any previous files stay).

    Without rows Spark still writes one schema-only file, so a header-only upload replaces
    the rows of an earlier upload of the same object.
    """
    df.drop(PARTITION_KEY).write.mode("overwrite").option("compression", "snappy").parquet(location)


def process_file(
    spark: SparkSession,
    glue: Any,
    *,
    source_path: str,
    output_root: str,
    staging_root: str,
    store: ObjectStore,
    database: str,
    dataset: str,
    job_label: str,
    bad_records: str = "fail",
    processed_at: datetime | None = None,
) -> dict[str, Any]:
    """Run the whole job for one object; ``output_root`` is ``s3://<output_bucket>``,
    ``staging_root`` the job's ``--TempDir``.

    One pass over the data writes the Parquet into the run's staging area and counts, as it
    goes, the rows, the bad rows and the string columns' values. Everything that can refuse
    the file (a key Spark cannot read exactly, empty input, bad rows in fail mode, a schema
    conflict with the table) is decided before anything is published, so a refused file
    leaves no output and its staged files are removed. The input object is only ever read.
    """
    if bad_records not in BAD_RECORD_MODES:
        raise ValueError(f"--bad_records must be one of {BAD_RECORD_MODES}, got {bad_records!r}")
    check_readable_path(source_path)
    processed_at = processed_at or datetime.now(UTC)
    source_id = source_id_for(source_path)
    token = run_token(processed_at, job_label)
    root = output_root.rstrip("/")
    dataset_location = f"{root}/{dataset}/"
    partition_location = f"{dataset_location}{PARTITION_KEY}={source_id}/"
    rejected_location = f"{root}/{REJECTED_PREFIX}/{dataset}/{source_id}/"
    staging = f"{staging_root.rstrip('/')}/{STAGING_PREFIX}/{dataset}/{source_id}/{token}/"
    logger.info("Processing %s as %s.%s partition %s", source_path, database, dataset, source_id)

    def write_rejected(rows: DataFrame) -> None:
        write_staged(
            lambda location: rows.write.mode("overwrite").text(location),
            store,
            f"{staging}rejected/",
            rejected_location,
            token,
        )

    def quarantine_bad_rows(rows: DataFrame) -> str | None:
        """Copy the bad rows to the rejected folder; return the first one in file order."""
        cached = rows.cache()
        try:
            _, bad = split_bad_rows(cached)
            first_bad = summarize_bad_rows(bad)[1]
            write_rejected(bad)
            return first_bad
        finally:
            cached.unpersist()

    lines = scan_lines(spark, source_path)
    unclosed = unterminated_quote(lines)
    if unclosed is not None:
        first_line = unclosed.first()["value"]
        write_rejected(unclosed)
        raise BadRecordsError(
            f"1 bad row(s) in {source_path}: a quoted field is never closed; first bad "
            f"line: {first_line!r}. Nothing was written; the file from that line on is in "
            f"{rejected_location}"
        )
    parsed = read_csv(spark, source_path, lines)
    rows, counted = observe_counts(parsed.rows)
    good, _ = split_bad_rows(rows)
    enriched = add_metadata(
        good,
        source_path=source_path,
        job_label=job_label,
        processed_at=processed_at,
        source_id=source_id,
    )
    file_columns = hive_columns(enriched.schema)
    table_before = table_columns(get_table(glue, database, dataset)) or []
    # Until the write has counted the values, any string column may have none; a conflict
    # of such a column is decided then, before anything is published.
    maybe_untyped = set(string_columns(good))
    target_columns = reconcile_columns(table_before, file_columns, source_path, maybe_untyped)
    output = conform_to_columns(enriched, target_columns, valueless=maybe_untyped)
    staged_data = f"{staging}data/"
    write_output(output, staged_data)
    counts = counted()
    good_count = counts.total - counts.bad
    logger.info("Read %d rows: %d good, %d bad", counts.total, good_count, counts.bad)
    try:
        reconcile_columns(table_before, file_columns, source_path, counts.untyped)
        if counts.bad:
            first_bad = quarantine_bad_rows(parsed.rows)
            logger.info("Copied %d bad rows to %s", counts.bad, rejected_location)
            if bad_records == "fail":
                raise BadRecordsError(
                    f"{counts.bad} bad row(s) in {source_path}; first bad line: "
                    f"{first_bad!r}. Nothing was written; bad rows are in {rejected_location}"
                )
    except Exception:
        store.delete(store.list(staged_data))
        raise
    publish(store, staged_data, partition_location, token)
    logger.info("Wrote %d rows to %s", good_count, partition_location)

    columns = upsert_table(
        glue,
        database,
        dataset,
        hive_columns(output.schema),
        dataset_location,
        source_path,
        counts.untyped,
    )
    upsert_partition(glue, database, dataset, source_id, columns, partition_location)
    return {
        "source_id": source_id,
        "rows_read": counts.total,
        "rows_written": good_count,
        "bad_rows": counts.bad,
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
    required = ["JOB_NAME", "source_path", "output_bucket", "database_name", "dataset", "TempDir"]
    optional = ["bad_records"] if _argv_value(sys.argv, "bad_records") is not None else []
    args = getResolvedOptions(sys.argv, required + optional)

    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    spark = glue_context.spark_session
    output_root = f"s3://{args['output_bucket']}"
    summary = process_file(
        spark,
        boto3.client("glue"),
        source_path=args["source_path"],
        output_root=output_root,
        staging_root=args["TempDir"],
        store=store_for(spark, output_root, lambda: boto3.client("s3")),
        database=args["database_name"],
        dataset=args["dataset"],
        job_label=processing_job_label(args["JOB_NAME"], _argv_value(sys.argv, "JOB_RUN_ID")),
        bad_records=args.get("bad_records") or "fail",
    )
    logger.info("Done: %s", summary)
    job.commit()


if __name__ == "__main__":
    main()
