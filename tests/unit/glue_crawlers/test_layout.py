"""Tables and partitions of an S3 target, from its keys."""

from __future__ import annotations

import pytest

from glueline.cloud.glue.crawlers.layout import S3Object, plan_tables


def objects(*keys: str) -> list[S3Object]:
    return [S3Object(key, 10) for key in keys]


def test_files_in_the_include_path_make_one_table_named_after_it() -> None:
    [table] = plan_tables("s3://lake/raw/Sales-2024/", objects("raw/Sales-2024/a.csv"))

    assert table.name == "sales_2024"
    assert table.location == "s3://lake/raw/Sales-2024/"
    assert table.partition_keys == ()
    assert [f.key for f in table.files] == ["raw/Sales-2024/a.csv"]


def test_hive_folders_are_partition_keys_and_partitions() -> None:
    keys = objects(
        "sales/year=2024/month=01/a.parquet",
        "sales/year=2024/month=02/b.parquet",
        "sales/year=2025/month=01/c.parquet",
        "sales/year=2025/month=01/_SUCCESS",
    )

    [table] = plan_tables("s3://lake/sales", keys)

    assert table.name == "sales"
    assert table.partition_keys == ("year", "month")
    assert sorted(table.partitions) == [("2024", "01"), ("2024", "02"), ("2025", "01")]
    assert table.partitions[("2024", "02")].location == "s3://lake/sales/year=2024/month=02/"
    assert len(table.files) == 3


def test_several_data_folders_make_a_table_each() -> None:
    keys = objects(
        "data/orders/dt=2024-01-01/1.csv",
        "data/orders/dt=2024-01-02/2.csv",
        "data/customers/c.csv",
    )

    tables = plan_tables("s3://lake/data/", keys, table_prefix="raw_")

    assert [t.name for t in tables] == ["raw_customers", "raw_orders"]
    customers, orders = tables
    assert customers.location == "s3://lake/data/customers/"
    assert orders.partition_keys == ("dt",)
    assert sorted(orders.partitions) == [("2024-01-01",), ("2024-01-02",)]


def test_non_hive_partition_folders_are_numbered_as_glue_numbers_them() -> None:
    keys = objects("events/in/2024/01/a.json", "events/in/2024/02/b.json")

    [table] = plan_tables("s3://lake/events/", keys)

    assert table.name == "in"
    assert table.partition_keys == ("partition_0", "partition_1")
    assert sorted(table.partitions) == [("2024", "01"), ("2024", "02")]


@pytest.mark.parametrize(
    ("pattern", "kept"),
    [
        ("*.txt", ["t/a.csv", "t/sub=1/b.txt"]),
        ("**.txt", ["t/a.csv"]),
        ("sub=1/**", ["t/a.csv", "t/notes.txt"]),
        ("{notes,a}.*", ["t/sub=1/b.txt"]),
        ("?otes.txt", ["t/a.csv", "t/sub=1/b.txt"]),
    ],
)
def test_exclusions_are_globs_relative_to_the_include_path(pattern: str, kept: list[str]) -> None:
    keys = objects("t/a.csv", "t/notes.txt", "t/sub=1/b.txt")

    tables = plan_tables("s3://lake/t/", keys, exclusions=[pattern])

    assert sorted(f.key for table in tables for f in table.files) == kept


def test_a_target_with_nothing_to_crawl_makes_no_table() -> None:
    assert plan_tables("s3://lake/empty/", objects("other/a.csv", "empty/_SUCCESS")) == []


def test_a_path_that_is_not_s3_is_refused() -> None:
    with pytest.raises(ValueError, match="s3://"):
        plan_tables("/tmp/data", [])
