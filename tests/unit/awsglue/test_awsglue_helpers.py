"""Pure helpers: Hive type names, partition paths, format options, field paths."""

import pytest
from awsglue._formats import read_spec, write_spec
from awsglue._hive_types import hive_type, spark_ddl
from awsglue._paths import split_path
from awsglue._storage import partition_location
from pyspark.sql.types import (
    ArrayType,
    DecimalType,
    LongType,
    MapType,
    NullType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
)


@pytest.mark.parametrize(
    ("data_type", "expected"),
    [
        (LongType(), "bigint"),
        (TimestampNTZType(), "timestamp"),
        (DecimalType(38, 6), "decimal(38,6)"),
        (ArrayType(StructType([StructField("a", LongType())])), "array<struct<a:bigint>>"),
        (MapType(StringType(), ArrayType(StringType())), "map<string,array<string>>"),
    ],
)
def test_hive_type(data_type: object, expected: str) -> None:
    assert hive_type(data_type) == expected


def test_hive_type_refuses_types_hive_lacks() -> None:
    with pytest.raises(TypeError, match="void"):
        hive_type(NullType())


def test_spark_ddl_quotes_names() -> None:
    columns = [{"Name": "a b", "Type": "bigint"}, {"Name": "s", "Type": "struct<x:int>"}]

    assert spark_ddl(columns) == "`a b` bigint, `s` struct<x:int>"


def test_partition_location_escapes_like_hive() -> None:
    location = partition_location("s3://b/t/", ["day", "src"], ["2024-01-01 10:00:00", "a/b=c"])

    assert location == "s3://b/t/day=2024-01-01 10%3A00%3A00/src=a%2Fb%3Dc"


def test_csv_read_options_translate_to_spark() -> None:
    spec = read_spec("csv", {"withHeader": "true", "separator": "|", "quoteChar": -1})

    assert spec.source == "csv"
    assert spec.options == {"header": "true", "inferSchema": "true", "sep": "|", "quote": ""}
    assert not spec.glue_column_names


def test_write_defaults_follow_glue() -> None:
    assert write_spec("glueparquet", {}).options == {"compression": "snappy"}
    assert write_spec("csv", {"writeHeader": False}).options == {"header": "false"}


def test_unknown_options_are_logged_not_dropped_silently(
    awsglue_log: pytest.LogCaptureFixture,
) -> None:

    read_spec("parquet", {"mergeSchema": True, "useGlueParquetWriter": True})

    assert "mergeSchema" in awsglue_log.text
    assert "useGlueParquetWriter" not in awsglue_log.text


def test_unsupported_format_and_json_path_are_refused() -> None:
    with pytest.raises(NotImplementedError, match="xml"):
        read_spec("xml", {})
    with pytest.raises(NotImplementedError, match="jsonPath"):
        read_spec("json", {"jsonPath": "$..name"})


@pytest.mark.parametrize(
    ("path", "parts"),
    [("a", ["a"]), ("a.b.c", ["a", "b", "c"]), ("`a.b`.c", ["a.b", "c"])],
)
def test_split_path(path: str, parts: list[str]) -> None:
    assert split_path(path) == parts


def test_split_path_rejects_malformed_paths() -> None:
    with pytest.raises(ValueError, match="backtick"):
        split_path("`a.b")
    with pytest.raises(ValueError, match="empty"):
        split_path("a..b")
