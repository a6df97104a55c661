"""What a crawl changes in the catalog, under each schema change policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from glueline.cloud.glue.crawlers import catalog
from glueline.cloud.glue.crawlers.layout import PartitionPlan, TablePlan

NOW = datetime(2026, 12, 5, tzinfo=UTC)
CRAWLER = "lake-crawler"


def crawled(
    name: str = "sales",
    columns: tuple[tuple[str, str], ...] = (("id", "bigint"),),
    partitions: tuple[tuple[str, ...], ...] = (),
) -> catalog.CrawledTable:
    location = f"s3://lake/{name}/"
    plan = TablePlan(
        name=name,
        location=location,
        partition_keys=("year",) if partitions else (),
        partitions={
            values: PartitionPlan(values, f"{location}year={values[0]}/") for values in partitions
        },
    )
    return catalog.CrawledTable(plan, "csv", columns, {"classification": "csv"})


def existing(table: catalog.CrawledTable, crawler: str = CRAWLER) -> dict:
    current = catalog.table_input(table, crawler)
    return {**current, "DatabaseName": "lake", "VersionId": "1", "CreateTime": NOW}


def test_a_new_table_and_its_partitions_are_created_with_a_crawlers_shape() -> None:
    table = crawled(partitions=(("2024",), ("2025",)))

    changes = catalog.reconcile([table], {}, {}, CRAWLER, None, NOW)

    [created] = changes.create
    assert created["TableType"] == "EXTERNAL_TABLE"
    assert created["Parameters"]["UPDATED_BY_CRAWLER"] == CRAWLER
    assert created["PartitionKeys"] == [{"Name": "year", "Type": "string"}]
    descriptor = created["StorageDescriptor"]
    assert descriptor["Columns"] == [{"Name": "id", "Type": "bigint"}]
    assert descriptor["Location"] == "s3://lake/sales/"
    assert descriptor["SerdeInfo"]["SerializationLibrary"].endswith("LazySimpleSerDe")
    assert [(name, p["Values"]) for name, p in changes.create_partitions] == [
        ("sales", ["2024"]),
        ("sales", ["2025"]),
    ]
    assert changes.create_partitions[0][1]["StorageDescriptor"]["Location"] == (
        "s3://lake/sales/year=2024/"
    )


def test_an_unchanged_table_only_gains_its_new_partitions() -> None:
    before = crawled(partitions=(("2024",),))
    after = crawled(partitions=(("2024",), ("2025",)))

    changes = catalog.reconcile(
        [after], {"sales": existing(before)}, {"sales": {("2024",)}}, CRAWLER, None, NOW
    )

    assert changes.create == changes.update == []
    assert [p["Values"] for _, p in changes.create_partitions] == [["2025"]]


@pytest.mark.parametrize(("behavior", "updated"), [("UPDATE_IN_DATABASE", True), ("LOG", False)])
def test_a_changed_schema_is_updated_or_only_logged(behavior: str, updated: bool) -> None:
    before = crawled(columns=(("id", "bigint"),))
    after = crawled(columns=(("id", "bigint"), ("note", "string")))

    changes = catalog.reconcile(
        [after], {"sales": existing(before)}, {}, CRAWLER, {"UpdateBehavior": behavior}, NOW
    )

    assert bool(changes.update) is updated
    if not updated:
        assert any("note string" in line for line in changes.log)


def test_a_table_whose_data_is_gone_is_deprecated_by_default() -> None:
    gone = existing(crawled(name="old"))

    changes = catalog.reconcile([], {"old": gone}, {}, CRAWLER, None, NOW)

    [deprecated] = changes.deprecate
    assert deprecated["Parameters"]["DEPRECATED_BY_CRAWLER"] == NOW.isoformat()
    assert "DatabaseName" not in deprecated and "VersionId" not in deprecated
    assert changes.delete == []


def test_delete_from_database_deletes_gone_tables_and_partitions() -> None:
    table = crawled(partitions=(("2025",),))
    policy = {"DeleteBehavior": "DELETE_FROM_DATABASE"}

    changes = catalog.reconcile(
        [table],
        {"sales": existing(table), "old": existing(crawled(name="old"))},
        {"sales": {("2024",), ("2025",)}},
        CRAWLER,
        policy,
        NOW,
    )

    assert changes.delete == ["old"]
    assert changes.delete_partitions == [("sales", ["2024"])]


def test_log_keeps_gone_tables_and_tables_of_others_are_never_touched() -> None:
    mine = existing(crawled(name="old"))
    theirs = existing(crawled(name="manual"), crawler="someone-else")

    for policy in ({"DeleteBehavior": "LOG"}, {"DeleteBehavior": "DELETE_FROM_DATABASE"}):
        changes = catalog.reconcile([], {"old": mine, "manual": theirs}, {}, CRAWLER, policy, NOW)
        assert "manual" not in changes.delete
        assert changes.deprecate == []
    assert changes.delete == ["old"]


def test_unknown_behaviors_are_refused() -> None:
    with pytest.raises(catalog.InvalidSchemaChangePolicy, match="UpdateBehavior"):
        catalog.behaviors({"UpdateBehavior": "DELETE_FROM_DATABASE"})
