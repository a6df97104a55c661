"""Reading and writing DynamicFrames through GlueContext with S3 connection semantics.

``file://`` paths go through the same Spark code path as ``s3://`` ones.
"""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame

pytestmark = pytest.mark.spark


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_csv_with_header_infers_types(glue_context: GlueContext, tmp_path: Path) -> None:
    _write(tmp_path / "in" / "a.csv", "id;name;score\n1;ann;1.5\n2;'bo;b';2.0\n")

    frame = glue_context.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": [f"file://{tmp_path}/in"]},
        format="csv",
        format_options={"withHeader": True, "separator": ";", "quoteChar": "'"},
    )

    rows = sorted(frame.toDF().collect())
    assert [tuple(row) for row in rows] == [(1, "ann", 1.5), (2, "bo;b", 2.0)]
    assert frame.toDF().columns == ["id", "name", "score"]


def test_csv_without_header_uses_glue_column_names(
    glue_context: GlueContext, tmp_path: Path
) -> None:
    _write(tmp_path / "in" / "a.csv", "x,1\ny,2\n")

    frame = glue_context.create_dynamic_frame_from_options(
        "s3", {"paths": [f"file://{tmp_path}/in/a.csv"]}, format="csv"
    )

    assert frame.toDF().columns == ["col0", "col1"]
    assert frame.count() == 2


def test_recurse_reads_files_in_subdirectories(glue_context: GlueContext, tmp_path: Path) -> None:
    _write(tmp_path / "in" / "2024" / "01" / "a.json", '{"id": 1}\n')
    _write(tmp_path / "in" / "2024" / "02" / "b.json", '{"id": 2}\n{"id": 3}\n')

    frame = glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": [f"file://{tmp_path}/in"], "recurse": True}, format="json"
    )

    assert sorted(row.id for row in frame.toDF().collect()) == [1, 2, 3]


def test_json_path_selects_array_elements(glue_context: GlueContext, tmp_path: Path) -> None:
    document = {"meta": {"n": 2}, "data": {"people": [{"name": "a"}, {"name": "b"}]}}
    _write(tmp_path / "in" / "doc.json", json.dumps(document, indent=2))

    frame = glue_context.create_dynamic_frame.from_options(
        "s3",
        {"paths": [f"file://{tmp_path}/in"]},
        format="json",
        format_options={"jsonPath": "$.data.people[*]", "multiLine": True},
    )

    assert sorted(row.name for row in frame.toDF().collect()) == ["a", "b"]


def test_unsupported_connection_type_is_refused(glue_context: GlueContext) -> None:
    with pytest.raises(NotImplementedError, match="dynamodb"):
        glue_context.create_dynamic_frame.from_options("dynamodb", {}, format="json")


def test_parquet_write_partitioned_then_read_back_with_pyarrow(
    glue_context: GlueContext, tmp_path: Path
) -> None:
    df = glue_context.spark_session.createDataFrame(
        [(1, "a", "2024-01-01"), (2, "b", "2024-01-01"), (3, "c", "2024-01-02")],
        "id bigint, name string, day string",
    )
    out = tmp_path / "out"

    glue_context.write_dynamic_frame.from_options(
        frame=DynamicFrame.fromDF(df, glue_context, "people"),
        connection_type="s3",
        connection_options={"path": f"file://{out}", "partitionKeys": ["day"]},
        format="parquet",
    )

    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "day=2024-01-01",
        "day=2024-01-02",
    ]
    table = pq.read_table(out / "day=2024-01-01")
    assert table.column_names == ["id", "name"]
    assert sorted(zip(table["id"].to_pylist(), table["name"].to_pylist(), strict=True)) == [
        (1, "a"),
        (2, "b"),
    ]
    first_file = next((out / "day=2024-01-02").glob("*.parquet"))
    assert pq.ParquetFile(first_file).metadata.row_group(0).column(0).compression == "SNAPPY"


def test_writes_append_like_glue_sinks(glue_context: GlueContext, tmp_path: Path) -> None:
    df = glue_context.spark_session.createDataFrame([(1,)], "id int")
    frame = DynamicFrame.fromDF(df, glue_context, "one")
    options = {"path": f"file://{tmp_path}/out"}

    glue_context.write_dynamic_frame.from_options(frame, "s3", options, format="parquet")
    glue_context.write_dynamic_frame_from_options(frame, "s3", options, format="glueparquet")

    assert pq.read_table(tmp_path / "out").num_rows == 2


def test_csv_and_json_writes_round_trip(glue_context: GlueContext, tmp_path: Path) -> None:
    df = glue_context.spark_session.createDataFrame([(1, "a,b")], "id int, text string")
    frame = DynamicFrame.fromDF(df, glue_context, "f")

    for glue_format in ("csv", "json"):
        path = f"file://{tmp_path}/{glue_format}"
        glue_context.write_dynamic_frame.from_options(
            frame, "s3", {"path": path}, format=glue_format
        )
        back = glue_context.create_dynamic_frame.from_options(
            "s3", {"paths": [path]}, format=glue_format, format_options={"withHeader": True}
        )
        assert [tuple(row) for row in back.toDF().collect()] == [(1, "a,b")]
