"""Tests of the file processor's pure functions (no Spark, no AWS)."""

from __future__ import annotations

import re
import sys
from typing import ClassVar

import pytest
from pyspark.sql import types as T

from glue_jobs import file_processor as fp


class TestNormalizeColumnNames:
    def test_lowercases_and_replaces_unsafe_characters(self) -> None:
        assert fp.normalize_column_names(["First Name", "E-Mail", "Prénom", "ok_1"]) == [
            "first_name",
            "e_mail",
            "pr_nom",
            "ok_1",
        ]

    def test_prefixes_leading_digit_and_names_empty_headers(self) -> None:
        assert fp.normalize_column_names(["1st", "", None]) == ["col_1st", "col_2", "col_3"]

    def test_strips_byte_order_mark(self) -> None:
        assert fp.normalize_column_names(["\ufeffID", "Name"]) == ["id", "name"]

    def test_makes_duplicates_unique(self) -> None:
        names = ["Name", "name", "NAME", "name_2"]
        assert fp.normalize_column_names(names) == ["name", "name_2", "name_3", "name_2_2"]

    def test_avoids_reserved_names(self) -> None:
        result = fp.normalize_column_names(
            ["source_id", "Processed At"], reserved=(*fp.METADATA_COLUMNS, "source_id")
        )
        assert result == ["source_id_2", "processed_at_2"]


class TestSourceId:
    def test_is_the_same_value_in_every_process_and_path_safe(self) -> None:
        """The value names the object's partition in S3, and every later run (another process,
        another machine) must find that partition again: a per-process salted hash would
        not. Pinning the literal value proves it is derived from the path alone."""
        source_id = fp.source_id_for("s3://input-bucket/Some Folder/Ünïcode file (1).csv")
        assert source_id == "input-bucket-some-folder-n-code-file-1-csv-7bf331af3d7f"
        assert re.fullmatch(r"[a-z0-9-]+", source_id)

    def test_same_file_name_in_different_folders_differs(self) -> None:
        a = fp.source_id_for("s3://input-bucket/sales/2024/data.csv")
        b = fp.source_id_for("s3://input-bucket/sales/2025/data.csv")
        assert a != b

    def test_colliding_slugs_are_told_apart_by_the_hash(self) -> None:
        a = fp.source_id_for("s3://bucket/a/b.csv")
        b = fp.source_id_for("s3://bucket/a-b.csv")
        assert a.rsplit("-", 1)[0] == b.rsplit("-", 1)[0]
        assert a != b

    def test_a_long_key_keeps_a_readable_prefix_and_a_short_hash(self) -> None:
        """A 400-character key gives a partition value short enough to read in a listing."""
        source_id = fp.source_id_for("s3://bucket/" + "x/" * 200 + "file.csv")
        assert source_id == (
            "bucket-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-x-"
            "084ac1b1b625"
        )

    def test_long_keys_that_differ_only_at_the_end_stay_apart(self) -> None:
        """Two objects must never share a partition, even when their readable parts match."""
        folder = "s3://bucket/" + "x/" * 200
        assert fp.source_id_for(folder + "file.csv") != fp.source_id_for(folder + "other.csv")


@pytest.mark.parametrize("key", ["sales[1].csv", "a{b}.csv", "x*.csv", "why?.csv", "a\\b.csv"])
def test_glob_characters_in_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="glob"):
        fp.check_readable_path(f"s3://bucket/in/{key}")


def test_processing_job_label() -> None:
    assert fp.processing_job_label("file-processor", "jr_123") == "file-processor:jr_123"
    assert fp.processing_job_label("file-processor", None) == "file-processor"


class TestReconcileColumns:
    existing: ClassVar[list[dict]] = [
        {"Name": "id", "Type": "int"},
        {"Name": "name", "Type": "string"},
    ]

    def test_new_column_is_appended(self) -> None:
        incoming = [*self.existing, {"Name": "email", "Type": "string"}]
        merged = fp.reconcile_columns(self.existing, incoming, "s3://b/f.csv")
        assert merged == [*self.existing, {"Name": "email", "Type": "string"}]

    def test_missing_column_is_kept(self) -> None:
        merged = fp.reconcile_columns(self.existing, [self.existing[0]], "s3://b/f.csv")
        assert merged == self.existing

    @pytest.mark.parametrize(
        ("old", "new", "expected"),
        [
            ("int", "bigint", "bigint"),
            ("bigint", "int", "bigint"),
            ("int", "double", "double"),
            ("bigint", "double", "double"),
            ("double", "int", "double"),
        ],
    )
    def test_numeric_widening(self, old: str, new: str, expected: str) -> None:
        merged = fp.reconcile_columns(
            [{"Name": "n", "Type": old}], [{"Name": "N", "Type": new}], "s3://b/f.csv"
        )
        assert merged == [{"Name": "n", "Type": expected}]

    @pytest.mark.parametrize(
        ("old", "new"), [("bigint", "string"), ("string", "int"), ("date", "string")]
    )
    def test_conflict_names_column_types_and_file(self, old: str, new: str) -> None:
        with pytest.raises(fp.SchemaConflictError) as error:
            fp.reconcile_columns(
                [{"Name": "amount", "Type": old}],
                [{"Name": "amount", "Type": new}],
                "s3://input-bucket/sales/f.csv",
            )
        message = str(error.value)
        for part in ("amount", old, new, "s3://input-bucket/sales/f.csv"):
            assert part in message

    def test_untyped_column_takes_the_table_type(self) -> None:
        incoming = [{"Name": "id", "Type": "string"}, {"Name": "new", "Type": "string"}]
        merged = fp.reconcile_columns(self.existing, incoming, "f", untyped={"id", "new"})
        assert merged == [*self.existing, {"Name": "new", "Type": "string"}]

    def test_does_not_mutate_inputs(self) -> None:
        existing = [{"Name": "n", "Type": "int"}]
        fp.reconcile_columns(existing, [{"Name": "n", "Type": "bigint"}], "f")
        assert existing == [{"Name": "n", "Type": "int"}]


class TestHiveType:
    @pytest.mark.parametrize(
        ("spark_type", "expected"),
        [
            (T.IntegerType(), "int"),
            (T.LongType(), "bigint"),
            (T.DoubleType(), "double"),
            (T.BooleanType(), "boolean"),
            (T.StringType(), "string"),
            (T.DateType(), "date"),
            (T.TimestampType(), "timestamp"),
            (T.TimestampNTZType(), "timestamp"),
            (T.NullType(), "string"),
            (T.DecimalType(12, 2), "decimal(12,2)"),
            (T.MapType(T.StringType(), T.LongType()), "map<string,bigint>"),
        ],
    )
    def test_simple_types(self, spark_type: T.DataType, expected: str) -> None:
        assert fp.hive_type(spark_type) == expected

    def test_nested_types(self) -> None:
        terms = T.ArrayType(
            T.StructType(
                [T.StructField("start", T.StringType()), T.StructField("district", T.LongType())]
            )
        )
        assert fp.hive_type(terms) == "array<struct<start:string,district:bigint>>"

    def test_hive_columns_leave_out_partition_key(self) -> None:
        schema = T.StructType(
            [T.StructField("a", T.IntegerType()), T.StructField("source_id", T.StringType())]
        )
        assert fp.hive_columns(schema) == [{"Name": "a", "Type": "int"}]


def test_argv_value_reads_both_forms() -> None:
    argv = ["script.py", "--JOB_RUN_ID", "jr_1", "--bad_records=quarantine"]
    assert fp._argv_value(argv, "JOB_RUN_ID") == "jr_1"
    assert fp._argv_value(argv, "bad_records") == "quarantine"
    assert fp._argv_value(argv, "missing") is None


@pytest.mark.parametrize(
    ("extra", "bad_records", "label"),
    [
        ([], "fail", "file-processor"),
        (
            ["--bad_records", "quarantine", "--JOB_RUN_ID", "jr_9"],
            "quarantine",
            "file-processor:jr_9",
        ),
    ],
)
def test_main_passes_the_argument_contract(
    monkeypatch: pytest.MonkeyPatch,
    awsglue_stub: list[str],
    extra: list[str],
    bad_records: str,
    label: str,
) -> None:
    seen: dict = {}
    monkeypatch.setattr(
        fp, "process_file", lambda *args, **kwargs: seen.update(args=args, **kwargs)
    )
    argv = [
        "file_processor.py",
        "--JOB_NAME", "file-processor",
        "--source_path", "s3://input-bucket/sales/2024/data.csv",
        "--output_bucket", "output-bucket",
        "--database_name", "db",
        "--dataset", "sales",
        "--TempDir", "s3://assets-bucket/temp/",
        *extra,
    ]  # fmt: skip
    monkeypatch.setattr(sys, "argv", argv)
    fp.main()
    assert seen["args"] == ("spark", "client:glue")
    assert seen["source_path"] == "s3://input-bucket/sales/2024/data.csv"
    assert seen["output_root"] == "s3://output-bucket"
    assert seen["staging_root"] == "s3://assets-bucket/temp/"
    assert isinstance(seen["store"], fp.S3Store)
    assert (seen["database"], seen["dataset"]) == ("db", "sales")
    assert (seen["bad_records"], seen["job_label"]) == (bad_records, label)
    assert awsglue_stub == ["init:file-processor", "commit"]
