"""Schemas of single files as Glue's built-in classifiers report them."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glueline.cloud.glue.crawlers import inference


def test_a_csv_header_is_taken_when_the_data_rows_have_typed_columns() -> None:
    body = b"id,Name,amount,active,day\n1,ada,10.5,true,2024-01-02\n2,grace,20,false,2024-01-03\n"

    schema = inference.infer("sales/part.csv", body)

    assert schema.classification == "csv"
    assert schema.has_header
    assert schema.columns == (
        ("id", "bigint"),
        ("name", "string"),
        ("amount", "double"),
        ("active", "boolean"),
        ("day", "date"),
    )
    assert schema.record_count == 2
    assert schema.parameters == {"skip.header.line.count": "1"}


def test_a_csv_without_header_gets_positional_column_names() -> None:
    schema = inference.infer("raw/data.csv", b"1,ada,10.5\n2,grace,20.25\n")

    assert not schema.has_header
    assert schema.columns == (("col0", "bigint"), ("col1", "string"), ("col2", "double"))
    assert schema.record_count == 2


def test_an_all_string_csv_has_no_header_that_glue_could_tell_apart() -> None:
    """Glue's rule: if every column is a string, the first row is data."""
    schema = inference.infer("names.csv", b"first,last\nada,lovelace\ngrace,hopper\n")

    assert not schema.has_header
    assert schema.columns == (("col0", "string"), ("col1", "string"))
    assert schema.record_count == 3


def test_json_lines_with_nested_values() -> None:
    body = b'{"id": 1, "tags": ["a"], "where": {"city": "Oslo"}}\n{"id": 2, "tags": []}\n'

    schema = inference.infer("events/1.json", body)

    assert schema.classification == "json"
    assert schema.columns == (
        ("id", "bigint"),
        ("tags", "array<string>"),
        ("where", "struct<city:string>"),
    )
    assert schema.record_count == 2


def test_parquet_types_come_from_the_footer() -> None:
    table = pa.table(
        {
            "id": pa.array([1, 2], pa.int32()),
            "price": pa.array([1.5, 2.5], pa.float64()),
            "at": pa.array([0, 1], pa.timestamp("us")),
            "amount": pa.array([1, 2], pa.decimal128(10, 2)),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)

    schema = inference.infer("out/part-0000.snappy.parquet", buffer.getvalue())

    assert schema.classification == "parquet"
    assert schema.columns == (
        ("id", "int"),
        ("price", "double"),
        ("at", "timestamp"),
        ("amount", "decimal(10,2)"),
    )
    assert schema.record_count == 2


def test_files_no_classifier_takes_are_refused() -> None:
    with pytest.raises(inference.UnclassifiableFile):
        inference.infer("notes/readme", b"just words\n")


def test_merging_files_widens_conflicting_types_and_keeps_new_columns() -> None:
    merged = inference.merge_columns(
        (("id", "bigint"), ("amount", "bigint"), ("note", "bigint")),
        (("id", "bigint"), ("amount", "double"), ("note", "string"), ("extra", "boolean")),
    )

    assert merged == (
        ("id", "bigint"),
        ("amount", "double"),
        ("note", "string"),
        ("extra", "boolean"),
    )


def test_table_parameters_sum_the_files() -> None:
    one = inference.infer("a.csv", b"id,v\n1,x\n2,y\n")
    two = inference.infer("b.csv", b"id,v\n3,z\n")

    parameters = inference.table_parameters([one, two], size=30)

    assert parameters["classification"] == "csv"
    assert parameters["recordCount"] == "3"
    assert parameters["objectCount"] == "2"
    assert parameters["sizeKey"] == "30"
    assert parameters["skip.header.line.count"] == "1"
