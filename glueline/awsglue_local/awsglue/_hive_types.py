"""Spark SQL types as the Hive type names the Glue Data Catalog stores.

Athena, Redshift Spectrum and Glue itself read a table's columns as Hive type strings
(``bigint``, ``struct<a:int>``), so the catalog written by a local job must use the same
spelling as one written by Glue for the same data.
"""

from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    MapType,
    ShortType,
    StringType,
    StructType,
    TimestampNTZType,
    TimestampType,
)

_ATOMIC: dict[type[DataType], str] = {
    StringType: "string",
    LongType: "bigint",
    IntegerType: "int",
    ShortType: "smallint",
    ByteType: "tinyint",
    DoubleType: "double",
    FloatType: "float",
    BooleanType: "boolean",
    TimestampType: "timestamp",
    TimestampNTZType: "timestamp",
    DateType: "date",
    BinaryType: "binary",
}


def hive_type(data_type: DataType) -> str:
    """Return the Hive type string for a Spark type; raise ``TypeError`` for one Hive lacks."""
    atomic = _ATOMIC.get(type(data_type))
    if atomic is not None:
        return atomic
    if isinstance(data_type, DecimalType):
        return f"decimal({data_type.precision},{data_type.scale})"
    if isinstance(data_type, ArrayType):
        return f"array<{hive_type(data_type.elementType)}>"
    if isinstance(data_type, MapType):
        return f"map<{hive_type(data_type.keyType)},{hive_type(data_type.valueType)}>"
    if isinstance(data_type, StructType):
        fields = ",".join(f"{field.name}:{hive_type(field.dataType)}" for field in data_type)
        return f"struct<{fields}>"
    raise TypeError(f"no Hive type for Spark type {data_type.simpleString()}")


def hive_columns(schema: StructType, names: list[str]) -> list[dict[str, str]]:
    """Return catalog ``Column`` entries for the named top-level fields, in the given order."""
    by_name = {field.name: field for field in schema}
    return [{"Name": name, "Type": hive_type(by_name[name].dataType)} for name in names]


def spark_ddl(columns: list[dict[str, str]]) -> str:
    """Return a Spark DDL schema string for catalog columns (Hive types are valid Spark DDL)."""
    return ", ".join(f"`{column['Name']}` {column['Type']}" for column in columns)
