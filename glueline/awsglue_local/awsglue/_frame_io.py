"""The ``create_dynamic_frame`` and ``write_dynamic_frame`` readers and writers of a GlueContext.

Only S3 connections are emulated (the pipeline's jobs read and write S3 and the catalog);
``connection_type="s3"`` accepts any path Spark can open, so tests use ``file://`` paths
on the same code path as ``s3://`` ones.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from awsglue import _catalog
from awsglue._formats import flag, read_spec, write_spec
from awsglue._storage import is_directory, list_files, path_exists, read_s3, write_s3
from awsglue.dynamicframe import DynamicFrame

if TYPE_CHECKING:
    from awsglue.context import GlueContext


def require_s3(connection_type: str) -> None:
    """Reject connection types other than S3, naming what is emulated."""
    if connection_type.lower() != "s3":
        raise NotImplementedError(
            f"connection_type {connection_type!r} is not emulated (only 's3')"
        )


class DynamicFrameReader:
    """``glueContext.create_dynamic_frame``: builds DynamicFrames from S3 or the catalog."""

    def __init__(self, glue_context: "GlueContext") -> None:
        self._glue_context = glue_context

    def from_options(
        self,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        **_: Any,
    ) -> DynamicFrame:
        """Read files at ``connection_options["paths"]`` in ``format``; with job bookmarks on
        and a ``transformation_ctx``, only the files earlier runs have not read."""
        require_s3(connection_type)
        if format is None:
            raise ValueError("format is required to read from S3")
        spec = read_spec(format, format_options or {})
        df = self._read(dict(connection_options or {}), spec, transformation_ctx)
        return DynamicFrame(df, self._glue_context, transformation_ctx)

    def _read(
        self,
        connection: dict[str, Any],
        spec: Any,
        transformation_ctx: str,
        schema_ddl: str | None = None,
    ) -> Any:
        """Read, narrowed to the files the job's bookmark has not seen when it applies."""
        spark = self._glue_context.spark_session
        bookmarks = self._glue_context._bookmarks
        if bookmarks is None or not transformation_ctx:
            return read_s3(spark, connection, spec, schema_ddl)
        paths = connection.get("paths") or []
        paths = [paths] if isinstance(paths, str) else list(paths)
        recurse = flag(connection.get("recurse", False))
        chosen = bookmarks.select(transformation_ctx, list_files(spark, paths, recurse))
        self._glue_context.get_logger().info(
            f"job bookmark {transformation_ctx}: {len(chosen)} new file(s) to read"
        )
        if not chosen:
            return spark.createDataFrame([], schema_ddl or "")
        # Partition columns of a folder's key=value subfolders, as a read of the folder has.
        folder = len(paths) == 1 and not recurse and is_directory(spark, paths[0])
        base_path = paths[0] if folder else None
        return read_s3(spark, {**connection, "paths": chosen}, spec, schema_ddl, base_path)

    def from_catalog(
        self,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Read a catalog table from its location, in its format, with its schema.

        The catalog's columns and partition keys are the schema, as for Athena and Glue, so
        files written before a column was added read that column as null, and a table whose
        location holds no data yet reads as an empty frame rather than an error. The
        ``push_down_predicate`` filters on partition columns as on Glue (here it is applied
        as a filter after partition discovery rather than as listing-time pruning).
        """
        database = database or kwargs.get("name_space")
        if database is None or table_name is None:
            raise ValueError("from_catalog needs database and table_name")
        table = _catalog.get_table(database, table_name, catalog_id)
        glue_format = _catalog.table_format(table)
        spec = read_spec(glue_format, _catalog.table_format_options(table))
        location = table["StorageDescriptor"]["Location"]
        schema_ddl = _catalog.table_schema_ddl(table)
        spark = self._glue_context.spark_session
        if not path_exists(spark, location):
            df = spark.createDataFrame([], schema_ddl)
        else:
            connection: dict[str, Any] = {"paths": [location]}
            if additional_options and flag(additional_options.get("recurse", False)):
                connection["recurse"] = True
            df = self._read(connection, spec, transformation_ctx, schema_ddl)
        if push_down_predicate:
            df = df.where(push_down_predicate)
        return DynamicFrame(df, self._glue_context, transformation_ctx)


class DynamicFrameWriter:
    """``glueContext.write_dynamic_frame``: writes DynamicFrames to S3 or a catalog table."""

    def __init__(self, glue_context: "GlueContext") -> None:
        self._glue_context = glue_context

    def from_options(
        self,
        frame: DynamicFrame,
        connection_type: str,
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        **_: Any,
    ) -> DynamicFrame:
        """Append ``frame`` under ``connection_options["path"]``, split by ``partitionKeys``."""
        require_s3(connection_type)
        options = dict(connection_options or {})
        path = options.get("path")
        if not path:
            raise ValueError("S3 connection_options need 'path'")
        if format is None:
            raise ValueError("format is required to write to S3")
        format_options = _with_compression(format_options, options)
        write_s3(
            frame.toDF(),
            path,
            write_spec(format, format_options),
            list(options.get("partitionKeys", [])),
        )
        return frame

    def from_catalog(
        self,
        frame: DynamicFrame,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Append ``frame`` to a catalog table's location in the table's format.

        ``partitionKeys`` default to the table's partition keys, so a partitioned table stays
        partitioned. With ``enableUpdateCatalog`` the table's schema (per ``updateBehavior``)
        and partitions are updated afterwards.
        """
        database = database or kwargs.get("name_space")
        if database is None or table_name is None:
            raise ValueError("from_catalog needs database and table_name")
        options = dict(additional_options or {})
        table = _catalog.get_table(database, table_name, catalog_id)
        location = table["StorageDescriptor"]["Location"]
        glue_format = _catalog.table_format(table)
        format_options = _catalog.table_format_options(table)
        partition_keys: Sequence[str] = options.get("partitionKeys") or [
            key["Name"] for key in table.get("PartitionKeys", [])
        ]
        write_and_publish(
            frame,
            location,
            glue_format,
            format_options,
            partition_keys,
            catalog=(database, table_name, catalog_id)
            if flag(options.get("enableUpdateCatalog"))
            else None,
            update_behavior=options.get("updateBehavior", _catalog.UPDATE_IN_DATABASE),
        )
        return frame


def write_and_publish(
    frame: DynamicFrame,
    path: str,
    glue_format: str,
    format_options: Mapping[str, Any],
    partition_keys: Sequence[str],
    catalog: tuple[str, str, str | None] | None,
    update_behavior: str = _catalog.UPDATE_IN_DATABASE,
) -> None:
    """Write a frame and, when ``catalog`` names a table, make the table describe it.

    The frame is cached across the write and the partition listing so both see the same
    records even when its lineage is expensive or reads sources that change.
    """
    df = frame.toDF()
    if catalog is None:
        write_s3(df, path, write_spec(glue_format, format_options), list(partition_keys))
        return
    database, table_name, catalog_id = catalog
    df = df.persist()
    try:
        write_s3(df, path, write_spec(glue_format, format_options), list(partition_keys))
        _catalog.publish(
            df,
            database,
            table_name,
            path,
            glue_format,
            format_options,
            list(partition_keys),
            update_behavior,
            catalog_id,
        )
    finally:
        df.unpersist()


def _with_compression(
    format_options: Mapping[str, Any] | None, connection_options: Mapping[str, Any]
) -> dict[str, Any]:
    """Glue accepts ``compression`` as an S3 connection option too; fold it into the format's."""
    merged = dict(format_options or {})
    if "compression" in connection_options:
        merged.setdefault("compression", connection_options["compression"])
    return merged
