"""``DataSink``, returned by ``GlueContext.getSink``: an S3 writer that keeps the catalog current.

This is the pattern Glue documents for updating the Data Catalog from a job: ``getSink``
with ``enableUpdateCatalog=True``, ``setFormat``, ``setCatalogInfo``, then ``writeFrame``.
The table is created when it does not exist, its schema follows ``updateBehavior``, and the
partitions written are registered.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from awsglue import _catalog
from awsglue._formats import flag
from awsglue._frame_io import require_s3, write_and_publish
from awsglue.dynamicframe import DynamicFrame

if TYPE_CHECKING:
    from awsglue.context import GlueContext


class DataSink:
    """An S3 sink configured by ``getSink`` options, ``setFormat`` and ``setCatalogInfo``."""

    def __init__(
        self,
        glue_context: "GlueContext",
        connection_type: str,
        format: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        require_s3(connection_type)
        self._glue_context = glue_context
        self._options = dict(options or {})
        self._format = format
        self._format_options: dict[str, Any] = {}
        self._catalog: tuple[str, str, str | None] | None = None

    def setFormat(self, format: str, **options: Any) -> None:
        """Set the output format (``glueparquet``, ``parquet``, ``json``, ``csv``) and options."""
        self._format = format
        self._format_options = options

    def setCatalogInfo(
        self,
        catalogDatabase: str,
        catalogTableName: str,
        catalogId: str | None = None,
    ) -> None:
        """Name the catalog table that ``writeFrame`` keeps current."""
        self._catalog = (catalogDatabase, catalogTableName, catalogId)

    def writeFrame(self, dynamic_frame: DynamicFrame, info: str = "") -> DynamicFrame:
        """Append the frame under the sink's path and, if enabled, update the catalog table."""
        update_catalog = flag(self._options.get("enableUpdateCatalog", False))
        if update_catalog and self._catalog is None:
            raise ValueError(
                "enableUpdateCatalog needs setCatalogInfo(catalogDatabase, catalogTableName)"
            )
        if self._format is None:
            raise ValueError("the sink has no format: call setFormat first")
        path = self._options.get("path") or self._table_location()
        write_and_publish(
            dynamic_frame,
            path,
            self._format,
            self._format_options,
            list(self._options.get("partitionKeys", [])),
            catalog=self._catalog if update_catalog else None,
            update_behavior=self._options.get("updateBehavior", _catalog.UPDATE_IN_DATABASE),
        )
        return dynamic_frame

    def _table_location(self) -> str:
        """Without a ``path`` option, write where the named catalog table lives."""
        if self._catalog is None:
            raise ValueError("the sink needs a 'path' option or setCatalogInfo")
        database, table_name, catalog_id = self._catalog
        return _catalog.get_table(database, table_name, catalog_id)["StorageDescriptor"]["Location"]
