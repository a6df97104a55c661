"""DynamicFrame transforms, as methods and as ``awsglue.transforms`` classes."""

import pytest
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.transforms import ApplyMapping, DropFields, Filter, RenameField, SelectFields

pytestmark = pytest.mark.spark

SCHEMA = "id bigint, name string, score string, address struct<city:string,zip:string>"
ROWS = [(1, "ann", "1.5", ("Oslo", "0150")), (2, "bob", "2", ("Rome", "00100"))]


@pytest.fixture
def people(glue_context: GlueContext) -> DynamicFrame:
    df = glue_context.spark_session.createDataFrame(ROWS, SCHEMA)
    return DynamicFrame.fromDF(df, glue_context, "people")


def test_basics(people: DynamicFrame, capsys: pytest.CaptureFixture[str]) -> None:
    assert people.count() == 2
    assert people.schema().fieldNames() == ["id", "name", "score", "address"]
    people.show(1)
    assert capsys.readouterr().out.strip().startswith('{"id": 1, "name": "ann"')
    assert people.repartition(2).getNumPartitions() == 2
    assert people.repartition(2).coalesce(1).getNumPartitions() == 1


def test_apply_mapping_renames_casts_nests_and_drops_unmapped(people: DynamicFrame) -> None:
    mapped = people.apply_mapping(
        [
            ("id", "long", "person_id", "string"),
            ("score", "string", "score", "double"),
            ("address.city", "string", "city", "string"),
            ("name", "string", "info.name", "string"),
            ("missing", "string", "ghost", "string"),
        ]
    )

    df = mapped.toDF()
    assert df.columns == ["person_id", "score", "city", "info"]
    assert df.schema["person_id"].dataType.simpleString() == "string"
    assert df.schema["score"].dataType.simpleString() == "double"
    assert df.schema["info"].dataType.simpleString() == "struct<name:string>"
    assert [tuple(row) for row in df.orderBy("person_id").collect()] == [
        ("1", 1.5, "Oslo", ("ann",)),
        ("2", 2.0, "Rome", ("bob",)),
    ]


def test_apply_mapping_rejects_unknown_types(people: DynamicFrame) -> None:
    with pytest.raises(ValueError, match="unknown Glue type"):
        people.apply_mapping([("id", "long", "id", "number")])


def test_select_fields_keeps_nested_parents(people: DynamicFrame) -> None:
    df = people.select_fields(["name", "address.zip", "nope"]).toDF()

    assert df.schema.simpleString() == "struct<name:string,address:struct<zip:string>>"
    assert sorted(tuple(row) for row in df.collect()) == [("ann", ("0150",)), ("bob", ("00100",))]


def test_drop_fields_top_level_and_nested(people: DynamicFrame) -> None:
    df = people.drop_fields(["score", "address.zip", "nope"]).toDF()

    assert df.schema.simpleString() == "struct<id:bigint,name:string,address:struct<city:string>>"


def test_rename_field_top_level_and_nested_keeps_order(people: DynamicFrame) -> None:
    df = (
        people.rename_field("name", "full_name").rename_field("address.city", "address.town").toDF()
    )

    assert df.columns == ["id", "full_name", "score", "address"]
    assert df.schema["address"].dataType.fieldNames() == ["town", "zip"]
    assert df.orderBy("id").first()["address"]["town"] == "Oslo"


def test_filter_receives_dict_like_records(people: DynamicFrame) -> None:
    kept = people.filter(lambda rec: rec["address"]["city"] == "Rome" and rec["id"] > 1)

    assert [row.name for row in kept.toDF().collect()] == ["bob"]


def test_transform_classes_apply_like_glue(people: DynamicFrame) -> None:
    mapped = ApplyMapping.apply(frame=people, mappings=[("id", "long", "id", "int")])
    selected = SelectFields.apply(frame=people, paths=["id", "name"])
    dropped = DropFields.apply(frame=selected, paths=["name"])
    renamed = RenameField.apply(frame=dropped, old_name="id", new_name="key")
    filtered = Filter.apply(frame=renamed, f=lambda rec: rec["key"] == 2)

    assert mapped.toDF().schema.simpleString() == "struct<id:int>"
    assert [tuple(row) for row in filtered.toDF().collect()] == [(2,)]


def test_transforms_star_import_exposes_the_emulated_names() -> None:
    namespace: dict[str, object] = {}
    exec("from awsglue.transforms import *", namespace)

    assert {"ApplyMapping", "SelectFields", "DropFields", "RenameField", "Filter"} <= set(namespace)
