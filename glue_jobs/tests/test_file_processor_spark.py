"""Spark tests of the file processor: CSV parsing, bad rows, metadata and the whole run.

The whole-run tests use ``process_file`` with a ``file://`` output root and moto's Glue, so
they cover the same code path as ``main`` apart from argument parsing and awsglue.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.dataset as pads
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import types as T

from glue_jobs import file_processor as fp
from glue_jobs.tests.conftest import SAMPLE_DIR

pytestmark = pytest.mark.spark

SAMPLE_CSV = (SAMPLE_DIR / "legislators-current.csv").as_uri()
RUN_AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LATER_RUN_AT = datetime(2026, 11, 29, 12, 0, 1, tzinfo=UTC)


def rejected_text(folder: Path) -> str:
    """The published reject files' text (not the local file system's ``.crc`` checksums)."""
    return "".join(p.read_text() for p in sorted(folder.glob("*part-*")) if p.name[0] != ".")


def good_rows(spark: SparkSession, path: str) -> list[dict[str, Any]]:
    parsed = fp.read_csv(spark, path)
    good, _ = fp.split_bad_rows(parsed.rows.cache())
    return [row.asDict() for row in good.collect()]


class TestReadCsv:
    def test_sample_file(self, spark: SparkSession) -> None:
        parsed = fp.read_csv(spark, SAMPLE_CSV)
        good, bad = fp.split_bad_rows(parsed.rows.cache())
        assert good.count() == 537
        assert fp.summarize_bad_rows(bad) == (0, None)
        assert len(good.columns) == 36
        assert good.columns[:3] == ["last_name", "first_name", "middle_name"]
        assert "wikipedia_id" in good.columns
        rows = {row["full_name"]: row for row in good.collect()}
        assert rows["Linda T. Sánchez"]["last_name"] == "Sánchez"
        assert rows["Maria Cantwell"]["fec_ids"] == "S8WA00194,H2WA01054"
        assert rows["Maria Cantwell"]["middle_name"] is None
        assert dict(good.dtypes)["govtrack_id"] == "int"

    def test_byte_order_mark_is_not_part_of_the_first_name(
        self, spark: SparkSession, write_csv
    ) -> None:
        path = write_csv("bom.csv", b"\xef\xbb\xbfID,Name\n1,Ana\n2,Jos\xc3\xa9\n")
        assert good_rows(spark, path) == [{"id": 1, "name": "Ana"}, {"id": 2, "name": "José"}]

    def test_a_key_with_spaces_unicode_and_non_glob_punctuation_is_read(
        self, spark: SparkSession, write_csv
    ) -> None:
        """Only glob characters are refused; everything else S3 keys carry reads literally."""
        path = write_csv("Sales 2024 (final) #2 é+=,&$@!';~%41^|.csv", "id\n1\n")
        assert good_rows(spark, path) == [{"id": 1}]

    def test_quoted_newlines_commas_and_doubled_quotes(
        self, spark: SparkSession, write_csv
    ) -> None:
        path = write_csv(
            "quoted.csv",
            'id,comment\n1,"line one\nline two"\n2,"say ""hi"", then go"\n3,plain\n',
        )
        assert not fp.read_csv(spark, path).line_by_line, "a quoted field spans lines"
        assert good_rows(spark, path) == [
            {"id": 1, "comment": "line one\nline two"},
            {"id": 2, "comment": 'say "hi", then go'},
            {"id": 3, "comment": "plain"},
        ]

    def test_quoted_commas_and_quotes_on_one_line_are_parsed_line_by_line(
        self, spark: SparkSession, write_csv
    ) -> None:
        path = write_csv("inline.csv", 'id,comment\n1,"a, b"\n2,"say ""hi"""\n')
        assert fp.read_csv(spark, path).line_by_line
        assert good_rows(spark, path) == [
            {"id": 1, "comment": "a, b"},
            {"id": 2, "comment": 'say "hi"'},
        ]

    def test_a_data_line_equal_to_the_header_is_kept(self, spark: SparkSession, write_csv) -> None:
        path = write_csv("echo.csv", "a,b\nx,y\na,b\n")
        parsed = fp.read_csv(spark, path)
        assert not parsed.line_by_line, "Spark would drop it when parsing lines"
        assert good_rows(spark, path) == [{"a": "x", "b": "y"}, {"a": "a", "b": "b"}]

    def test_header_names_are_normalized_with_duplicates(
        self, spark: SparkSession, write_csv
    ) -> None:
        path = write_csv("dups.csv", "Name,name,1st Place,source_id\na,b,c,d\n")
        parsed = fp.read_csv(spark, path)
        assert parsed.rows.columns == [
            "name",
            "name_2",
            "col_1st_place",
            "source_id_2",
            "_corrupt_record",
        ]
        assert parsed.column_mapping[1] == ("name", "name_2")

    def test_bad_rows_are_counted_with_the_first_bad_line(
        self, spark: SparkSession, write_csv
    ) -> None:
        path = write_csv("bad.csv", "id,name,age\n1,Ana,30\n2,Bob\n3,Cy,40\n4,Di,50,extra\n")
        parsed = fp.read_csv(spark, path)
        assert parsed.line_by_line
        good, bad = fp.split_bad_rows(parsed.rows.cache())
        assert fp.summarize_bad_rows(bad) == (2, "2,Bob")
        assert [row["id"] for row in good.collect()] == [1, 3]

    def test_the_first_bad_line_is_first_in_file_order_across_splits(
        self, spark: SparkSession, write_csv
    ) -> None:
        rows = [f"{n},name{n},{n * 2}" for n in range(3000)]
        rows[1500], rows[2800] = "1500,only-two", "2800,too,many,fields"
        path = write_csv("split.csv", "id,name,double\n" + "\n".join(rows) + "\n")
        spark.conf.set("spark.sql.files.maxPartitionBytes", "4096")
        try:
            assert spark.read.text(path).rdd.getNumPartitions() > 5
            parsed = fp.read_csv(spark, path)
            good, bad = fp.split_bad_rows(parsed.rows.cache())
            assert parsed.line_by_line
            assert fp.summarize_bad_rows(bad) == (2, "1500,only-two")
            assert good.count() == 2998
        finally:
            spark.conf.unset("spark.sql.files.maxPartitionBytes")

    def test_header_only_file_has_columns_and_no_rows(self, spark: SparkSession, write_csv) -> None:
        parsed = fp.read_csv(spark, write_csv("header.csv", "id,Name\n"))
        good, _ = fp.split_bad_rows(parsed.rows.cache())
        assert good.columns == ["id", "name"]
        assert good.count() == 0

    def test_empty_file_fails_naming_the_file(self, spark: SparkSession, write_csv) -> None:
        path = write_csv("empty.csv", b"")
        with pytest.raises(fp.EmptyInputError, match=r"empty\.csv"):
            fp.read_csv(spark, path)


def test_the_line_scan_counts_quotes_between_multibyte_characters(
    spark: SparkSession, write_csv
) -> None:
    lines = fp.scan_lines(spark, write_csv("q.csv", 'id,note\n1,"café ""ß"""\n2,"é\n"\n'))
    assert (lines.count, lines.quotes, lines.odd_lines) == (4, 8, 2)
    assert (lines.header, lines.header_repeats) == ("id,note", 0)


def test_add_metadata(spark: SparkSession) -> None:
    df = spark.createDataFrame([(1,)], "id int")
    out = fp.add_metadata(
        df,
        source_path="s3://in/a/b.csv",
        job_label="job:jr_1",
        processed_at=RUN_AT,
        source_id="in-a-b-csv-123",
    )
    assert out.columns == ["id", "processed_at", "source_file", "processing_job", "source_id"]
    row = out.first()
    assert row["processed_at"].replace(tzinfo=UTC) == RUN_AT
    assert (row["source_file"], row["processing_job"], row["source_id"]) == (
        "s3://in/a/b.csv",
        "job:jr_1",
        "in-a-b-csv-123",
    )
    assert dict(out.dtypes)["processed_at"] == "timestamp"


def test_the_write_counts_rows_bad_rows_and_string_columns_without_values(
    spark: SparkSession, tmp_path: Path
) -> None:
    df = spark.createDataFrame(
        [(1, None, "x", None, None), (2, None, None, None, None), (None, None, "y", "z", "3,y,z")],
        f"n int, empty string, s string, only_bad string, {fp.BAD_ROW_COLUMN} string",
    )
    rows, counted = fp.observe_counts(df)
    rows.write.parquet(str(tmp_path / "out"))
    assert counted() == fp.RowCounts(total=3, bad=1, untyped=frozenset({"empty", "only_bad"}))


def test_a_string_column_without_values_is_written_as_nulls_of_the_table_type(
    spark: SparkSession,
) -> None:
    df = spark.createDataFrame([(1, None)], "n int, empty string")
    out = fp.conform_to_columns(
        df, [{"Name": "n", "Type": "int"}, {"Name": "empty", "Type": "date"}], valueless={"empty"}
    )
    assert out.schema["empty"].dataType == T.DateType()
    assert out.first()["empty"] is None


def test_conform_to_columns_casts_up(spark: SparkSession) -> None:
    df = spark.createDataFrame([(1, "x")], "n int, s string")
    out = fp.conform_to_columns(
        df, [{"Name": "n", "Type": "bigint"}, {"Name": "s", "Type": "string"}]
    )
    assert out.schema["n"].dataType == T.LongType()


class TestProcessFile:
    """Whole runs against moto's Glue with Parquet under a temporary file:// root."""

    def run(self, spark: SparkSession, glue: Any, out: Path, source: str, **kwargs: Any) -> dict:
        kwargs.setdefault("job_label", "file-processor:jr_1")
        kwargs.setdefault("processed_at", RUN_AT)
        return fp.process_file(
            spark,
            glue,
            source_path=source,
            output_root=out.as_uri(),
            staging_root=(out.parent / "temp").as_uri(),
            store=fp.HadoopStore(spark),
            database="db",
            dataset="people",
            **kwargs,
        )

    @staticmethod
    def table_columns(glue: Any) -> list[dict]:
        return glue.get_table(DatabaseName="db", Name="people")["Table"]["StorageDescriptor"][
            "Columns"
        ]

    @staticmethod
    def read_output(out: Path) -> list[dict]:
        table = pads.dataset(out / "people", format="parquet", partitioning="hive").to_table()
        return table.to_pylist()

    def test_sample_file_end_to_end(self, spark: SparkSession, glue: Any, tmp_path: Path) -> None:
        out = tmp_path / "out"
        summary = self.run(spark, glue, out, SAMPLE_CSV)
        assert summary["rows_written"] == 537
        rows = self.read_output(out)
        assert len(rows) == 537
        assert {r["source_id"] for r in rows} == {summary["source_id"]}
        assert {r["source_file"] for r in rows} == {SAMPLE_CSV}
        assert {r["processing_job"] for r in rows} == {"file-processor:jr_1"}
        assert list((out / "people").glob("source_id=*/*.snappy.parquet"))

        table = glue.get_table(DatabaseName="db", Name="people")["Table"]
        sd = table["StorageDescriptor"]
        assert sd["Location"] == f"{out.as_uri()}/people/"
        assert sd["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
        columns = {c["Name"]: c["Type"] for c in sd["Columns"]}
        assert columns["govtrack_id"] == "int"
        assert columns["processed_at"] == "timestamp"
        assert "source_id" not in columns
        assert table["PartitionKeys"] == [{"Name": "source_id", "Type": "string"}]
        partition = glue.get_partition(
            DatabaseName="db", TableName="people", PartitionValues=[summary["source_id"]]
        )["Partition"]
        assert partition["StorageDescriptor"]["Location"].endswith(
            f"/people/source_id={summary['source_id']}/"
        )

    def test_reprocessing_replaces_only_that_files_rows(
        self, spark: SparkSession, glue: Any, tmp_path: Path, write_csv
    ) -> None:
        out = tmp_path / "out"
        first = write_csv("a/data.csv", "id,name\n1,Ana\n2,Bob\n")
        other = write_csv("b/data.csv", "id,name\n9,Zed\n")
        self.run(spark, glue, out, first)
        self.run(spark, glue, out, other)
        Path(first.removeprefix("file://")).write_text("id,name\n1,Ana\n2,Bob\n3,Cy\n")
        self.run(spark, glue, out, first)
        ids = sorted(r["id"] for r in self.read_output(out))
        assert ids == [1, 2, 3, 9]
        partitions = glue.get_partitions(DatabaseName="db", TableName="people")["Partitions"]
        assert len(partitions) == 2

    def test_header_only_reupload_empties_the_partition(
        self, spark: SparkSession, glue: Any, tmp_path: Path, write_csv
    ) -> None:
        out = tmp_path / "out"
        source = write_csv("data.csv", "id,name\n1,Ana\n")
        self.run(spark, glue, out, source)
        Path(source.removeprefix("file://")).write_text("id,name\n")
        summary = self.run(spark, glue, out, source)
        assert summary["rows_written"] == 0
        assert self.read_output(out) == []
        assert [c["Name"] for c in self.table_columns(glue)][:2] == ["id", "name"]

    def test_new_column_and_widening_update_the_table(
        self, spark: SparkSession, glue: Any, tmp_path: Path, write_csv
    ) -> None:
        out = tmp_path / "out"
        self.run(spark, glue, out, write_csv("a.csv", "id,name\n1,Ana\n"))
        self.run(spark, glue, out, write_csv("b.csv", "id,name,email\n99999999999,Bob,b@x\n"))
        columns = self.table_columns(glue)
        types = {c["Name"]: c["Type"] for c in columns}
        assert types["id"] == "bigint"
        assert types["email"] == "string"
        assert [c["Name"] for c in columns][-1] == "email"

    def test_a_column_without_values_takes_the_tables_type(
        self, spark: SparkSession, glue: Any, tmp_path: Path, write_csv
    ) -> None:
        out = tmp_path / "out"
        self.run(spark, glue, out, write_csv("a.csv", "id,score\n1,5\n"))
        self.run(spark, glue, out, write_csv("b.csv", "id,score\n2,\n"))
        rows = sorted(self.read_output(out), key=lambda row: row["id"])
        assert [(row["id"], row["score"]) for row in rows] == [(1, 5), (2, None)]
        assert {c["Name"]: c["Type"] for c in self.table_columns(glue)}["score"] == "int"

    def test_type_conflict_fails_before_writing(
        self, spark: SparkSession, glue: Any, tmp_path: Path, write_csv
    ) -> None:
        out = tmp_path / "out"
        self.run(spark, glue, out, write_csv("a.csv", "id,name\n1,Ana\n"))
        conflicting = write_csv("b.csv", "id,name\nx1,Bob\n")
        with pytest.raises(fp.SchemaConflictError) as error:
            self.run(spark, glue, out, conflicting)
        assert "'id'" in str(error.value)
        assert "int" in str(error.value) and "string" in str(error.value)
        assert conflicting in str(error.value)
        assert len(list((out / "people").glob("source_id=*"))) == 1
        assert not [p for p in (tmp_path / "temp").rglob("*") if p.is_file()], "staging emptied"

    def test_bad_rows_fail_writes_nothing_but_the_rejects(
        self, spark: SparkSession, glue: Any, tmp_path: Path, write_csv
    ) -> None:
        out = tmp_path / "out"
        source = write_csv("bad.csv", "id,name\n1,Ana\n2\n3,Cy\n")
        with pytest.raises(fp.BadRecordsError, match=r"1 bad row.*first bad line: '2'"):
            self.run(spark, glue, out, source)
        assert not (out / "people").exists()
        rejected = out / "_rejected" / "people" / fp.source_id_for(source)
        assert rejected_text(rejected) == "2\n"
        assert not [p for p in (tmp_path / "temp").rglob("*") if p.is_file()], "staging emptied"
        assert Path(source.removeprefix("file://")).read_text() == "id,name\n1,Ana\n2\n3,Cy\n"
        with pytest.raises(glue.exceptions.EntityNotFoundException):
            glue.get_table(DatabaseName="db", Name="people")

    def test_an_unterminated_quote_fails_naming_its_line(
        self, spark: SparkSession, glue: Any, tmp_path: Path, write_csv
    ) -> None:
        out = tmp_path / "out"
        content = 'id,note\n1,"fine, quoted"\n2,"never closed\n3,tail\n'
        source = write_csv("open.csv", content)
        with pytest.raises(fp.BadRecordsError, match=r"never closed; first bad line: '2,\"never"):
            self.run(spark, glue, out, source, bad_records="quarantine")
        assert not (out / "people").exists()
        rejected = out / "_rejected" / "people" / fp.source_id_for(source)
        assert rejected_text(rejected) == '2,"never closed\n3,tail\n'
        assert Path(source.removeprefix("file://")).read_text() == content

    def test_balanced_quotes_pass_the_quote_check(self, spark: SparkSession, write_csv) -> None:
        source = write_csv("ok.csv", 'id,note\n1,"say ""hi""\nthere"\n2,plain\n')
        assert fp.unterminated_quote(fp.scan_lines(spark, source)) is None

    def test_bad_rows_quarantine_writes_good_rows(
        self, spark: SparkSession, glue: Any, tmp_path: Path, write_csv
    ) -> None:
        out = tmp_path / "out"
        source = write_csv("bad.csv", "id,name\n1,Ana\n2\n3,Cy\n")
        summary = self.run(spark, glue, out, source, bad_records="quarantine")
        assert (summary["rows_written"], summary["bad_rows"]) == (2, 1)
        assert sorted(r["id"] for r in self.read_output(out)) == [1, 3]
        rejected = out / "_rejected" / "people" / summary["source_id"]
        assert rejected_text(rejected) == "2\n"

    def test_unknown_bad_records_mode_is_refused(self, spark: SparkSession, glue: Any) -> None:
        with pytest.raises(ValueError, match="bad_records"):
            self.run(spark, glue, Path("/nonexistent"), SAMPLE_CSV, bad_records="ignore")


def test_upsert_table_creates_then_adds_column(glue: Any) -> None:
    location = "s3://output-bucket/people/"
    columns = [{"Name": "id", "Type": "int"}]
    fp.upsert_table(glue, "db", "people", columns, location, "s3://in/a.csv")
    table = glue.get_table(DatabaseName="db", Name="people")["Table"]
    assert table["StorageDescriptor"]["Columns"] == columns
    assert table["StorageDescriptor"]["Location"] == location
    assert table["PartitionKeys"] == [{"Name": "source_id", "Type": "string"}]
    assert table["StorageDescriptor"]["InputFormat"].endswith("MapredParquetInputFormat")

    glue.update_table(
        DatabaseName="db",
        TableInput={
            "Name": "people",
            "Parameters": {**table["Parameters"], "owner_team": "data"},
            "StorageDescriptor": table["StorageDescriptor"],
            "PartitionKeys": table["PartitionKeys"],
        },
    )
    fp.upsert_table(
        glue,
        "db",
        "people",
        [*columns, {"Name": "email", "Type": "string"}],
        location,
        "s3://in/b.csv",
    )
    table = glue.get_table(DatabaseName="db", Name="people")["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "email"]
    assert table["Parameters"]["owner_team"] == "data"
    assert table["Parameters"]["classification"] == "parquet"

    fp.upsert_partition(glue, "db", "people", "a-1", columns, f"{location}source_id=a-1/")
    fp.upsert_partition(glue, "db", "people", "a-1", columns, f"{location}source_id=a-1/v2/")
    partition = glue.get_partition(DatabaseName="db", TableName="people", PartitionValues=["a-1"])
    assert partition["Partition"]["StorageDescriptor"]["Location"].endswith("/v2/")


class TestOverlappingRuns:
    """Two runs of one object: whichever publishes last, the newer run's rows remain."""

    @pytest.mark.parametrize("newer_first", [False, True])
    def test_the_partition_holds_one_runs_rows(
        self, spark: SparkSession, glue: Any, tmp_path: Path, write_csv, newer_first: bool
    ) -> None:
        out = tmp_path / "out"
        source = write_csv("data.csv", "id,name\n1,Ana\n2,Bob\n")
        runs = [("file-processor:jr_old", RUN_AT), ("file-processor:jr_new", LATER_RUN_AT)]
        for label, processed_at in reversed(runs) if newer_first else runs:
            TestProcessFile().run(
                spark, glue, out, source, job_label=label, processed_at=processed_at
            )

        rows = TestProcessFile.read_output(out)
        assert sorted(r["id"] for r in rows) == [1, 2]
        assert {r["processing_job"] for r in rows} == {"file-processor:jr_new"}
        assert not [p for p in (tmp_path / "temp").rglob("*") if p.is_file()], "staging emptied"
