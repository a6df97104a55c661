"""Reading and writing files through Spark with Glue's S3 connection semantics.

Every path (``s3://``, ``file://``, a bare local path) goes through Spark's Hadoop file
systems, so data never passes through Python; the runtime that starts Spark decides how
``s3://`` resolves (S3A against the local cloud). Like Glue's S3 sinks, writes append: a job
run adds files next to what earlier runs wrote, it never replaces them.
"""

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from awsglue._formats import ReadSpec, WriteSpec, flag

_LOG = logging.getLogger(__name__)

DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
_READ_TUNING_ONLY = frozenset(
    {
        "groupFiles",
        "groupSize",
        "compressionType",
        "maxBand",
        "maxFilesInBand",
        "useS3ListImplementation",
    }
)
_SPARK_DEFAULT_COLUMN = re.compile(r"^_c(\d+)$")
_HIVE_PATH_ESCAPED = frozenset("\"#%'*/:=?\\\x7f{[]^") | {chr(code) for code in range(1, 32)}


def read_s3(
    spark: SparkSession,
    connection_options: Mapping[str, Any],
    spec: ReadSpec,
    schema_ddl: str | None = None,
    base_path: str | None = None,
) -> DataFrame:
    """Read the ``paths`` of Glue S3 ``connection_options`` as one DataFrame.

    ``recurse`` reads every file below the paths, as Glue does; without it, Spark's
    partition discovery applies (``key=value`` directories become columns, also for
    ``paths`` that are files below ``base_path``). A ``schema_ddl`` (a catalog table's
    columns) replaces inference.
    """
    options = dict(connection_options)
    paths = options.pop("paths", None)
    if not paths:
        raise ValueError("S3 connection_options need 'paths', a list of locations")
    if isinstance(paths, str):
        paths = [paths]
    if "exclusions" in options:
        raise NotImplementedError("S3 connection option 'exclusions' is not emulated")
    reader = spark.read.format(spec.source).options(**spec.options)
    if flag(options.pop("recurse", False)):
        reader = reader.option("recursiveFileLookup", "true")
    ignored = sorted(set(options) - _READ_TUNING_ONLY)
    if ignored:
        _LOG.warning("S3 connection options not emulated locally, ignored: %s", ignored)
    if schema_ddl:
        reader = reader.schema(schema_ddl)
    if base_path:
        reader = reader.option("basePath", base_path)
    frame = reader.load(list(paths))
    if spec.glue_column_names and not schema_ddl:
        frame = _glue_csv_column_names(frame)
    if spec.json_array_path:
        frame = _explode_json_array(frame, spec.json_array_path)
    return frame


def is_directory(spark: SparkSession, path: str) -> bool:
    """Return whether ``path`` is a folder (S3: a prefix with objects below it)."""
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    file_system = hadoop_path.getFileSystem(conf)
    return bool(file_system.exists(hadoop_path) and file_system.isDirectory(hadoop_path))


def path_exists(spark: SparkSession, path: str) -> bool:
    """Return whether anything exists at ``path``, asking the Hadoop file system Spark uses."""
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    return bool(hadoop_path.getFileSystem(conf).exists(hadoop_path))


def list_files(spark: SparkSession, paths: Sequence[str], recurse: bool) -> list[tuple[str, int]]:
    """``(path, modified_ms)`` of the data files at ``paths``, as Spark would read them: below
    a folder, the files in it and, without ``recurse``, in its ``key=value`` folders; hidden
    files (``_SUCCESS``, ``.crc``) left out."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    found = []
    for path in paths:
        root = jvm.org.apache.hadoop.fs.Path(path)
        file_system = root.getFileSystem(conf)
        if not file_system.exists(root):
            continue
        root_uri = file_system.makeQualified(root).toString().rstrip("/")
        listing = file_system.listFiles(root, True)
        while listing.hasNext():
            status = listing.next()
            uri = status.getPath().toString()
            folders = uri[len(root_uri) :].strip("/").split("/")[:-1]
            name = status.getPath().getName()
            if name.startswith(("_", ".")) or any(f.startswith(("_", ".")) for f in folders):
                continue
            if not recurse and not all("=" in folder for folder in folders):
                continue
            found.append((uri, int(status.getModificationTime())))
    return found


def write_s3(df: DataFrame, path: str, spec: WriteSpec, partition_keys: Sequence[str]) -> None:
    """Append ``df`` under ``path``, in Hive-style ``key=value`` directories when partitioned."""
    writer = df.write.mode("append").format(spec.source).options(**spec.options)
    if partition_keys:
        writer = writer.partitionBy(*partition_keys)
    writer.save(path)


def partition_values(df: DataFrame, partition_keys: Sequence[str]) -> list[list[str]]:
    """Return the distinct partition values of ``df`` as the strings Spark writes in paths."""
    as_strings = [F.col(f"`{key}`").cast("string").alias(key) for key in partition_keys]
    rows = df.select(*as_strings).distinct().collect()
    return sorted([row[key] or DEFAULT_PARTITION for key in partition_keys] for row in rows)


def partition_location(location: str, partition_keys: Sequence[str], values: Sequence[str]) -> str:
    """Return the directory Spark writes a partition to, escaped as Hive escapes path names."""
    parts = (
        f"{_escape(key)}={_escape(value)}"
        for key, value in zip(partition_keys, values, strict=True)
    )
    return "/".join([location.rstrip("/"), *parts])


def _escape(name: str) -> str:
    """Percent-encode the characters Hive and Spark escape in partition directory names."""
    return "".join(f"%{ord(char):02X}" if char in _HIVE_PATH_ESCAPED else char for char in name)


def _glue_csv_column_names(frame: DataFrame) -> DataFrame:
    """Rename Spark's ``_c0`` header-less CSV columns to Glue's ``col0``."""
    names = []
    for name in frame.columns:
        match = _SPARK_DEFAULT_COLUMN.match(name)
        names.append(f"col{match.group(1)}" if match else name)
    return frame.toDF(*names)


def _explode_json_array(frame: DataFrame, path: tuple[str, ...]) -> DataFrame:
    """Make each element of the array at ``path`` one record, as Glue's ``jsonPath`` does."""
    array = F.col(f"`{path[0]}`")
    for part in path[1:]:
        array = array.getField(part)
    records = frame.select(F.explode(array).alias(path[-1]))
    if isinstance(records.schema[path[-1]].dataType, StructType):
        return records.select(f"`{path[-1]}`.*")
    return records
