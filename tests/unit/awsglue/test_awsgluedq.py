"""EvaluateDataQuality on real Spark: the outcome frame AWS documents, rule by rule.

Shape from the AWS Glue developer guide, "EvaluateDataQuality class" (Rule, Outcome,
FailureReason, EvaluatedMetrics map<string,double>); metric names from "DQDL rule type
reference" (Dataset.*.RowCount, Column.<name>.Completeness, ...).
"""

from typing import Any

import pytest
from awsglue.dynamicframe import DynamicFrame
from awsgluedq.transforms import EvaluateDataQuality, UnsupportedRuleError

pytestmark = pytest.mark.spark

ORDERS = [
    (1, "new", "a@x.org", 10.0),
    (2, "done", "b@x.org", 20.0),
    (3, "done", None, 35.5),
    (4, "lost", "d@x.org", None),
]


@pytest.fixture(scope="module")
def orders(spark: Any) -> Any:
    return spark.createDataFrame(ORDERS, "id INT, status STRING, email STRING, amount DOUBLE")


def outcomes(frame: Any, ruleset: str) -> dict[str, tuple[str, str | None, dict[str, float]]]:
    result = EvaluateDataQuality.apply(frame=frame, ruleset=ruleset)
    return {
        row["Rule"]: (row["Outcome"], row["FailureReason"], dict(row["EvaluatedMetrics"]))
        for row in result.collect()
    }


def test_outcome_frame_has_the_documented_columns(orders: Any) -> None:
    result = EvaluateDataQuality.apply(frame=orders, ruleset="Rules = [RowCount = 4]")

    assert result.schema.simpleString() == (
        "struct<Rule:string,Outcome:string,FailureReason:string,"
        "EvaluatedMetrics:map<string,double>>"
    )
    assert [tuple(row) for row in result.collect()] == [
        ("RowCount = 4", "Passed", None, {"Dataset.*.RowCount": 4.0})
    ]


def test_a_dynamic_frame_gets_a_dynamic_frame_of_outcomes(orders: Any, glue_context: Any) -> None:
    frame = DynamicFrame.fromDF(orders, glue_context, "orders")

    result = EvaluateDataQuality.apply(
        frame=frame,
        ruleset='Rules = [ColumnExists "id", IsComplete "id"]',
        publishing_options={"dataQualityEvaluationContext": "orders"},
    )

    assert isinstance(result, DynamicFrame)
    assert [(row["Rule"], row["Outcome"]) for row in result.toDF().collect()] == [
        ('ColumnExists "id"', "Passed"),
        ('IsComplete "id"', "Passed"),
    ]


def test_dataset_rules(orders: Any) -> None:
    results = outcomes(
        orders,
        "Rules = [RowCount between 1 and 4, ColumnCount = 4, "
        "RowCount > 1 where \"status = 'done'\"]",
    )

    assert results == {
        "RowCount between 1 and 4": (
            "Failed",
            "Value: 4.0 does not meet the constraint requirement!",
            {"Dataset.*.RowCount": 4.0},
        ),
        "ColumnCount = 4": ("Passed", None, {"Dataset.*.ColumnCount": 4.0}),
        "RowCount > 1 where \"status = 'done'\"": ("Passed", None, {"Dataset.*.RowCount": 2.0}),
    }


def test_completeness_and_uniqueness(orders: Any) -> None:
    results = outcomes(
        orders,
        'Rules = [IsComplete "email", Completeness "email" >= 0.75, IsUnique "id", '
        'IsUnique "status", Uniqueness "status" > 0.4]',
    )

    assert results == {
        'IsComplete "email"': (
            "Failed",
            "Value: 0.75 does not meet the constraint requirement!",
            {"Column.email.Completeness": 0.75},
        ),
        'Completeness "email" >= 0.75': ("Passed", None, {"Column.email.Completeness": 0.75}),
        'IsUnique "id"': ("Passed", None, {"Column.id.Uniqueness": 1.0}),
        'IsUnique "status"': (
            "Failed",
            "Value: 0.5 does not meet the constraint requirement!",
            {"Column.status.Uniqueness": 0.5},
        ),
        'Uniqueness "status" > 0.4': ("Passed", None, {"Column.status.Uniqueness": 0.5}),
    }


def test_column_values_with_sets_ranges_and_comparisons(orders: Any) -> None:
    results = outcomes(
        orders,
        'Rules = [ColumnValues "status" in ["new", "done"], '
        'ColumnValues "status" in ["new", "done"] with threshold >= 0.75, '
        'ColumnValues "status" not in ["cancelled"], '
        'ColumnValues "id" between 0 and 5, '
        'ColumnValues "id" > 1, '
        'ColumnValues "id" <= 4, '
        'ColumnValues "amount" >= 10]',
    )

    assert results == {
        'ColumnValues "status" in ["new", "done"]': (
            "Failed",
            "Value: 0.75 does not meet the constraint requirement!",
            {"Column.status.ColumnValues.Compliance": 0.75},
        ),
        'ColumnValues "status" in ["new", "done"] with threshold >= 0.75': (
            "Passed",
            None,
            {"Column.status.ColumnValues.Compliance": 0.75},
        ),
        'ColumnValues "status" not in ["cancelled"]': (
            "Passed",
            None,
            {"Column.status.ColumnValues.Compliance": 1.0},
        ),
        'ColumnValues "id" between 0 and 5': (
            "Passed",
            None,
            {"Column.id.ColumnValues.Compliance": 1.0},
        ),
        'ColumnValues "id" > 1': (
            "Failed",
            "Value: 1.0 does not meet the constraint requirement!",
            {"Column.id.Minimum": 1.0},
        ),
        'ColumnValues "id" <= 4': ("Passed", None, {"Column.id.Maximum": 4.0}),
        'ColumnValues "amount" >= 10': (
            "Failed",
            "Column amount has 1 null value(s), which fail the rule",
            {"Column.amount.Minimum": 10.0},
        ),
    }


def test_a_missing_column_fails_its_rule(orders: Any) -> None:
    results = outcomes(orders, 'Rules = [ColumnExists "phone", IsComplete "phone"]')

    assert results == {
        'ColumnExists "phone"': ("Failed", "Column phone does not exist", {}),
        'IsComplete "phone"': ("Failed", "Column phone does not exist", {}),
    }


def test_no_rows_fails_ratio_rules_saying_so(orders: Any) -> None:
    results = outcomes(orders, 'Rules = [IsComplete "id" where "id > 100"]')

    assert results == {
        'IsComplete "id" where "id > 100"': (
            "Failed",
            "The data has no rows to evaluate the rule on",
            {},
        )
    }


def test_an_unsupported_rule_fails_the_call_naming_it(orders: Any) -> None:
    with pytest.raises(UnsupportedRuleError, match="DQDL rule 'Sum \"amount\" > 10'"):
        EvaluateDataQuality.apply(frame=orders, ruleset='Rules = [RowCount > 0, Sum "amount" > 10]')
