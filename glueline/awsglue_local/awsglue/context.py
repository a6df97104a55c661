"""``GlueContext``: the entry point job scripts build from a SparkContext.

It carries the SparkSession scripts use (``glueContext.spark_session``) and the readers,
writers and sinks that move DynamicFrames between S3, the Data Catalog and Spark.
"""

from typing import Any

from pyspark import SparkContext
from pyspark.sql import SparkSession

from awsglue._bookmarks import Bookmarks
from awsglue._frame_io import DynamicFrameReader, DynamicFrameWriter
from awsglue._logger import GlueLogger
from awsglue.data_sink import DataSink
from awsglue.dynamicframe import DynamicFrame


class GlueContext:
    """Wraps a SparkContext, as Glue's does, with DynamicFrame I/O on top."""

    def __init__(self, sparkContext: SparkContext, **_: Any) -> None:
        self._sc = sparkContext
        self.spark_session = SparkSession(sparkContext)
        self.create_dynamic_frame = DynamicFrameReader(self)
        self.write_dynamic_frame = DynamicFrameWriter(self)
        self._logger = GlueLogger()
        #: The run's job bookmarks, set by ``Job.init`` when they are on.
        self._bookmarks: Bookmarks | None = None

    def get_logger(self) -> GlueLogger:
        """Return the job's logger (``info``, ``warn``, ``error``)."""
        return self._logger

    def getSink(
        self,
        connection_type: str,
        format: str | None = None,
        transformation_ctx: str = "",
        **options: Any,
    ) -> DataSink:
        """Return a sink; ``options`` are ``path``, ``partitionKeys``, ``enableUpdateCatalog``,
        ``updateBehavior``."""
        return DataSink(self, connection_type, format, options)

    def create_dynamic_frame_from_options(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        """Same as ``create_dynamic_frame.from_options``."""
        return self.create_dynamic_frame.from_options(*args, **kwargs)

    def create_dynamic_frame_from_catalog(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        """Same as ``create_dynamic_frame.from_catalog``."""
        return self.create_dynamic_frame.from_catalog(*args, **kwargs)

    def write_dynamic_frame_from_options(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        """Same as ``write_dynamic_frame.from_options``."""
        return self.write_dynamic_frame.from_options(*args, **kwargs)

    def write_dynamic_frame_from_catalog(self, *args: Any, **kwargs: Any) -> DynamicFrame:
        """Same as ``write_dynamic_frame.from_catalog``."""
        return self.write_dynamic_frame.from_catalog(*args, **kwargs)
