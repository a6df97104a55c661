"""Catalog reads and writes against an in-process moto Glue Data Catalog."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import boto3
import pyarrow.parquet as pq
import pytest
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame

pytestmark = pytest.mark.spark

DB = "analytics"
TABLE = "events"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


@pytest.fixture
def glue(aws: None) -> object:
    client = boto3.client("glue")
    client.create_database(DatabaseInput={"Name": DB})
    return client


def _frame(glue_context: GlueContext, rows: list[tuple], schema: str) -> DynamicFrame:
    df = glue_context.spark_session.createDataFrame(rows, schema)
    return DynamicFrame.fromDF(df, glue_context, "frame")


def _sink_write(
    glue_context: GlueContext, frame: DynamicFrame, path: str, **options: object
) -> None:
    sink = glue_context.getSink(
        connection_type="s3",
        path=path,
        enableUpdateCatalog=True,
        updateBehavior=options.pop("updateBehavior", "UPDATE_IN_DATABASE"),
        partitionKeys=["day"],
        **options,
    )
    sink.setFormat("glueparquet")
    sink.setCatalogInfo(catalogDatabase=DB, catalogTableName=TABLE)
    sink.writeFrame(frame)


def _partition_values(glue: object) -> list[list[str]]:
    partitions = glue.get_partitions(DatabaseName=DB, TableName=TABLE)["Partitions"]
    return sorted(p["Values"] for p in partitions)


def test_sink_creates_table_matching_parquet_and_registers_partitions(
    glue_context: GlueContext, glue: object, tmp_path: Path
) -> None:
    path = f"file://{tmp_path}/events"
    frame = _frame(
        glue_context,
        [(1, "a", 1.5, "2024-01-01"), (2, "b", 2.5, "2024-01-02")],
        "id bigint, name string, amount double, day string",
    )

    _sink_write(glue_context, frame, path)

    table = glue.get_table(DatabaseName=DB, Name=TABLE)["Table"]
    descriptor = table["StorageDescriptor"]
    parquet_schema = pq.read_schema(next((tmp_path / "events").glob("day=*/*.parquet")))
    assert [c["Name"] for c in descriptor["Columns"]] == parquet_schema.names
    assert descriptor["Columns"] == [
        {"Name": "id", "Type": "bigint"},
        {"Name": "name", "Type": "string"},
        {"Name": "amount", "Type": "double"},
    ]
    assert table["PartitionKeys"] == [{"Name": "day", "Type": "string"}]
    assert descriptor["Location"] == path
    assert descriptor["SerdeInfo"]["SerializationLibrary"] == PARQUET_SERDE
    assert descriptor["InputFormat"].endswith("MapredParquetInputFormat")
    assert descriptor["OutputFormat"].endswith("MapredParquetOutputFormat")
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["Parameters"]["classification"] == "parquet"
    assert _partition_values(glue) == [["2024-01-01"], ["2024-01-02"]]
    partition = glue.get_partition(DatabaseName=DB, TableName=TABLE, PartitionValues=["2024-01-02"])
    assert partition["Partition"]["StorageDescriptor"]["Location"] == f"{path}/day=2024-01-02"


def test_second_write_with_new_column_updates_table_and_reads_back(
    glue_context: GlueContext, glue: object, tmp_path: Path
) -> None:
    path = f"file://{tmp_path}/events"
    first = _frame(glue_context, [(1, "2024-01-01")], "id bigint, day string")
    second = _frame(
        glue_context,
        [(2, "x", "2024-01-01"), (3, "y", "2024-01-03")],
        "id bigint, extra string, day string",
    )

    _sink_write(glue_context, first, path)
    _sink_write(glue_context, second, path)

    columns = glue.get_table(DatabaseName=DB, Name=TABLE)["Table"]["StorageDescriptor"]["Columns"]
    assert [c["Name"] for c in columns] == ["id", "extra"]
    assert _partition_values(glue) == [["2024-01-01"], ["2024-01-03"]]

    read = glue_context.create_dynamic_frame.from_catalog(database=DB, table_name=TABLE)
    rows = sorted(tuple(row) for row in read.toDF().collect())
    assert rows == [(1, None, "2024-01-01"), (2, "x", "2024-01-01"), (3, "y", "2024-01-03")]

    pruned = glue_context.create_dynamic_frame_from_catalog(
        DB, TABLE, push_down_predicate="day = '2024-01-03'"
    )
    assert [row.id for row in pruned.toDF().collect()] == [3]


def test_log_update_behavior_keeps_schema_but_adds_partitions(
    glue_context: GlueContext, glue: object, tmp_path: Path
) -> None:
    path = f"file://{tmp_path}/events"
    _sink_write(glue_context, _frame(glue_context, [(1, "d1")], "id bigint, day string"), path)
    wider = _frame(glue_context, [(2, "x", "d2")], "id bigint, extra string, day string")

    _sink_write(glue_context, wider, path, updateBehavior="LOG")

    columns = glue.get_table(DatabaseName=DB, Name=TABLE)["Table"]["StorageDescriptor"]["Columns"]
    assert [c["Name"] for c in columns] == ["id"]
    assert _partition_values(glue) == [["d1"], ["d2"]]


def test_complex_spark_types_map_to_hive_types(
    glue_context: GlueContext, glue: object, tmp_path: Path
) -> None:
    schema = (
        "i int, f float, b boolean, ts timestamp, d date, amount decimal(12,3), "
        "tags array<string>, address struct<city:string,n:bigint>, attrs map<string,int>, "
        "day string"
    )
    row = (
        1,
        1.0,
        True,
        dt.datetime(2024, 1, 1, 12, 0),
        dt.date(2024, 1, 1),
        Decimal("1.500"),
        ["t"],
        ("Oslo", 1),
        {"k": 1},
        "2024-01-01",
    )

    _sink_write(glue_context, _frame(glue_context, [row], schema), f"file://{tmp_path}/t")

    columns = glue.get_table(DatabaseName=DB, Name=TABLE)["Table"]["StorageDescriptor"]["Columns"]
    assert [c["Type"] for c in columns] == [
        "int",
        "float",
        "boolean",
        "timestamp",
        "date",
        "decimal(12,3)",
        "array<string>",
        "struct<city:string,n:bigint>",
        "map<string,int>",
    ]
    read = glue_context.create_dynamic_frame.from_catalog(database=DB, table_name=TABLE).toDF()
    assert read.first()["address"]["city"] == "Oslo"


def test_write_from_catalog_appends_in_table_format_and_partitions(
    glue_context: GlueContext, glue: object, tmp_path: Path
) -> None:
    path = f"file://{tmp_path}/events"
    _sink_write(glue_context, _frame(glue_context, [(1, "d1")], "id bigint, day string"), path)

    glue_context.write_dynamic_frame.from_catalog(
        frame=_frame(glue_context, [(2, "d2")], "id bigint, day string"),
        database=DB,
        table_name=TABLE,
        additional_options={"enableUpdateCatalog": True},
    )

    assert sorted(pq.read_table(tmp_path / "events")["id"].to_pylist()) == [1, 2]
    assert (tmp_path / "events" / "day=d2").is_dir()
    assert _partition_values(glue) == [["d1"], ["d2"]]


def test_update_catalog_without_catalog_info_is_an_error(
    glue_context: GlueContext, glue: object, tmp_path: Path
) -> None:
    sink = glue_context.getSink(
        connection_type="s3", path=f"file://{tmp_path}/x", enableUpdateCatalog=True
    )
    sink.setFormat("glueparquet")

    with pytest.raises(ValueError, match="setCatalogInfo"):
        sink.writeFrame(_frame(glue_context, [(1,)], "id int"))


def test_missing_table_raises_glue_not_found(glue_context: GlueContext, glue: object) -> None:
    with pytest.raises(glue.exceptions.EntityNotFoundException):
        glue_context.create_dynamic_frame.from_catalog(database=DB, table_name="absent")


def test_from_catalog_reads_a_crawled_csv_table_with_catalog_types(
    glue_context: GlueContext, glue: object, tmp_path: Path
) -> None:
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "a.csv").write_text("id|amount\n7|1.25\n")
    glue.create_table(
        DatabaseName=DB,
        TableInput={
            "Name": "crawled",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "string"}, {"Name": "amount", "Type": "double"}],
                "Location": f"file://{tmp_path}/csv",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": "|"},
                },
            },
        },
    )

    df = glue_context.create_dynamic_frame.from_catalog(database=DB, table_name="crawled").toDF()

    assert df.schema.simpleString() == "struct<id:string,amount:double>"
    assert [tuple(row) for row in df.collect()] == [("7", 1.25)]


def test_from_catalog_of_a_table_without_data_is_empty(
    glue_context: GlueContext, glue: object, tmp_path: Path
) -> None:
    glue.create_table(
        DatabaseName=DB,
        TableInput={
            "Name": "fresh",
            "Parameters": {"classification": "parquet"},
            "PartitionKeys": [{"Name": "day", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "bigint"}],
                "Location": f"file://{tmp_path}/not-yet-written",
            },
        },
    )

    frame = glue_context.create_dynamic_frame.from_catalog(database=DB, table_name="fresh")

    assert frame.count() == 0
    assert frame.toDF().columns == ["id", "day"]
