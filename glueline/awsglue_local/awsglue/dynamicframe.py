"""``DynamicFrame`` backed by a Spark DataFrame.

Glue's DynamicFrame is self-describing: each record carries its own schema and a field may
hold a *choice* of types. Locally a DynamicFrame wraps a Spark DataFrame instead, so it has
one schema and no choice types (``resolveChoice``, ``relationalize``, error records and
thresholds are not emulated). For the data job scripts read, where every record has the
same shape, the documented methods below give the same results as on Glue.

The constructor takes a DataFrame where Glue's takes a JVM handle; scripts build frames
with ``DynamicFrame.fromDF`` or a ``GlueContext`` reader, which work on both.
"""

import json
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, StructType

from awsglue._paths import nest, path_tree, project, rename_in, resolve, split_path, top_column

if TYPE_CHECKING:
    from awsglue.context import GlueContext

_GLUE_TO_SPARK_TYPES = {
    "string": "string",
    "long": "bigint",
    "bigint": "bigint",
    "int": "int",
    "integer": "int",
    "short": "smallint",
    "smallint": "smallint",
    "byte": "tinyint",
    "tinyint": "tinyint",
    "double": "double",
    "float": "float",
    "boolean": "boolean",
    "timestamp": "timestamp",
    "date": "date",
    "binary": "binary",
    "decimal": "decimal(10,2)",
}
_COMPLEX_TYPES = frozenset({"array", "struct", "map"})
_DECIMAL = re.compile(r"^decimal\(\s*\d+\s*,\s*\d+\s*\)$")

Mapping4 = tuple[str, str, str, str]


class DynamicFrame:
    """A named, Glue-API view of a Spark DataFrame."""

    def __init__(self, df: DataFrame, glue_ctx: "GlueContext | None", name: str = "") -> None:
        self._df = df
        self.glue_ctx = glue_ctx
        self.name = name

    @staticmethod
    def fromDF(dataframe: DataFrame, glue_ctx: "GlueContext | None", name: str) -> "DynamicFrame":
        """Wrap a DataFrame, as scripts do to hand Spark results back to Glue writers."""
        return DynamicFrame(dataframe, glue_ctx, name)

    def toDF(self, options: Sequence[Any] | None = None) -> DataFrame:
        """Return the underlying DataFrame (Glue's ``options`` concern choice types: unused)."""
        return self._df

    def count(self) -> int:
        """Return the number of records."""
        return self._df.count()

    def schema(self) -> StructType:
        """Return the schema (a Spark ``StructType`` here, Glue returns its own type)."""
        return self._df.schema

    def printSchema(self) -> None:
        """Print the schema as a tree."""
        self._df.printSchema()

    def show(self, num_rows: int = 20) -> None:
        """Print the first records as JSON lines, as Glue's ``show`` does."""
        for record in self._df.toJSON().take(num_rows):
            print(json.dumps(json.loads(record)))

    def getNumPartitions(self) -> int:
        """Return the number of Spark partitions."""
        return self._df.rdd.getNumPartitions()

    def repartition(
        self, num_partitions: int, transformation_ctx: str = "", **_: Any
    ) -> "DynamicFrame":
        """Return a frame with exactly ``num_partitions`` partitions (shuffles)."""
        return self._derive(self._df.repartition(num_partitions), transformation_ctx)

    def coalesce(
        self, num_partitions: int, shuffle: bool = False, transformation_ctx: str = "", **_: Any
    ) -> "DynamicFrame":
        """Return a frame with at most ``num_partitions`` partitions."""
        df = self._df.repartition(num_partitions) if shuffle else self._df.coalesce(num_partitions)
        return self._derive(df, transformation_ctx)

    def select_fields(
        self, paths: Sequence[str], transformation_ctx: str = "", **_: Any
    ) -> "DynamicFrame":
        """Keep only the fields at ``paths``; nested paths keep their parent structs.

        Paths that match no field select nothing, as on Glue where fields vary per record.
        """
        columns = project(None, self._df.schema, path_tree(paths))
        return self._derive(self._df.select(*columns), transformation_ctx)

    def drop_fields(
        self, paths: Sequence[str], transformation_ctx: str = "", **_: Any
    ) -> "DynamicFrame":
        """Remove the fields at ``paths``; paths that match no field are ignored."""
        df = self._df
        for path in paths:
            parts = split_path(path)
            if resolve(df.schema, parts) is None:
                continue
            if len(parts) == 1:
                df = df.drop(top_column(parts[0]))
            else:
                nested = ".".join(f"`{part}`" for part in parts[1:])
                df = df.withColumn(parts[0], top_column(parts[0]).dropFields(nested))
        return self._derive(df, transformation_ctx)

    def rename_field(
        self,
        oldName: str,
        newName: str,
        transformation_ctx: str = "",
        **_: Any,
    ) -> "DynamicFrame":
        """Rename the field at path ``oldName`` to ``newName`` (a path with the same parent)."""
        old_parts, new_parts = split_path(oldName), split_path(newName)
        if old_parts[:-1] != new_parts[:-1]:
            raise NotImplementedError("rename_field can only rename within the same parent struct")
        columns = rename_in(None, self._df.schema, old_parts, new_parts[-1])
        return self._derive(self._df.select(*columns), transformation_ctx)

    def apply_mapping(
        self, mappings: Sequence[Mapping4], transformation_ctx: str = "", **_: Any
    ) -> "DynamicFrame":
        """Project, rename, nest and cast fields per ``(source, source type, target, target type)``.

        The result holds only the mapped fields, in mapping order. Dotted targets build
        structs. Scalars are cast to the target type; ``array``, ``struct`` and ``map``
        targets keep the source value. As on Glue, a mapping whose source field is absent
        produces no field.
        """
        leaves = []
        for mapping in mappings:
            if len(mapping) != 4:
                raise ValueError(
                    f"mapping {mapping!r} is not (source, source_type, target, target_type)"
                )
            source, _source_type, target, target_type = mapping
            found = resolve(self._df.schema, split_path(source))
            if found is None:
                continue
            column, _type = found
            spark_type = _spark_type(target_type)
            leaves.append(
                (split_path(target), column if spark_type is None else column.cast(spark_type))
            )
        return self._derive(self._df.select(*nest(leaves)), transformation_ctx)

    def filter(
        self, f: Callable[[dict[str, Any]], bool], transformation_ctx: str = "", **_: Any
    ) -> "DynamicFrame":
        """Keep the records for which ``f(record)`` is true; ``record["field"]`` reads a field.

        Records are passed as plain dicts (nested structs as nested dicts).
        """
        predicate = F.udf(lambda row: bool(f(row.asDict(recursive=True))), BooleanType())
        record = F.struct(*(top_column(name) for name in self._df.columns))
        return self._derive(self._df.filter(predicate(record)), transformation_ctx)

    def _derive(self, df: DataFrame, transformation_ctx: str) -> "DynamicFrame":
        """Wrap a transformed DataFrame, named after the transformation like Glue names it."""
        return DynamicFrame(df, self.glue_ctx, transformation_ctx or self.name)


def _spark_type(glue_type: str) -> str | None:
    """Return the Spark type to cast to for a Glue mapping type, ``None`` for complex types."""
    lowered = glue_type.strip().lower()
    if lowered in _COMPLEX_TYPES:
        return None
    if _DECIMAL.match(lowered):
        return lowered
    spark_type = _GLUE_TO_SPARK_TYPES.get(lowered)
    if spark_type is None:
        raise ValueError(f"unknown Glue type {glue_type!r} in apply_mapping")
    return spark_type
