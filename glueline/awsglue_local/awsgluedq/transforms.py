"""``EvaluateDataQuality``: DQDL rules evaluated with Spark on a DynamicFrame or DataFrame.

The result has the shape AWS documents for ``EvaluateDataQuality.apply``: one row per rule
with ``Rule`` (its text), ``Outcome`` (``Passed`` or ``Failed``), ``FailureReason`` and
``EvaluatedMetrics`` (a map from AWS's metric names, such as ``Dataset.*.RowCount`` and
``Column.<name>.Completeness``, to doubles). Results are not published anywhere: the
``publishing_options`` that send them to CloudWatch or the Glue console are accepted and
ignored, which the ``awsgluedq`` logger says.

What each rule measures, locally:

- ``RowCount``, ``ColumnCount``: the rows (after ``where``) and the columns;
- ``Completeness``/``IsComplete``: the fraction of rows whose value is not null;
- ``Uniqueness``/``IsUnique``: the fraction of rows whose value is not null and occurs in no
  other row;
- ``ColumnValues``: whether every row's value satisfies the expression (a null satisfies
  only ``!=`` and ``not in``), or, ``with threshold``, whether the fraction of rows that do
  satisfies the threshold. Its metric is the column's ``Minimum`` for ``>``/``>=``,
  ``Maximum`` for ``<``/``<=``, both for ``=`` with a number, and otherwise
  ``ColumnValues.Compliance``, the fraction of rows that satisfy it;
- ``ColumnExists``: whether the column exists (no metric).

A ratio over no rows is undefined: such a rule fails and says so.
"""

import logging
from collections.abc import Mapping
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, MapType, StringType, StructField, StructType

from awsgluedq._dqdl import Condition, DQDLError, Rule, UnsupportedRuleError, parse_ruleset

__all__ = ["DQDLError", "EvaluateDataQuality", "UnsupportedRuleError"]

_LOG = logging.getLogger("awsgluedq")

PASSED, FAILED = "Passed", "Failed"
#: ``dqResults.printSchema()`` in AWS's EvaluateDataQuality documentation.
OUTCOME_SCHEMA = StructType(
    [
        StructField("Rule", StringType()),
        StructField("Outcome", StringType()),
        StructField("FailureReason", StringType()),
        StructField("EvaluatedMetrics", MapType(StringType(), DoubleType())),
    ]
)
NO_ROWS = "The data has no rows to evaluate the rule on"
ALL_ROWS = Condition("=", (1.0,))

Outcome = tuple[str, str | None, dict[str, float]]


class EvaluateDataQuality:
    """Evaluates a DQDL ruleset against a frame, as ``awsgluedq.transforms`` does in Glue."""

    @classmethod
    def apply(
        cls,
        frame: Any,
        ruleset: str,
        publishing_options: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        """Return the outcome of every rule: a DynamicFrame for a DynamicFrame, a DataFrame
        for a DataFrame.

        The whole ruleset is read first: a rule that is not DQDL raises ``DQDLError``, one
        that the local evaluator does not cover raises ``UnsupportedRuleError``, both naming
        the rule, before any data is read.
        """
        rules = parse_ruleset(ruleset)
        data = frame if isinstance(frame, DataFrame) else frame.toDF()
        rows = [(rule.text, *_evaluate(data, rule)) for rule in rules]
        outcomes = data.sparkSession.createDataFrame(rows, OUTCOME_SCHEMA)
        if publishing_options:
            _LOG.info(
                "data quality results are not published locally (publishing_options %s)",
                sorted(publishing_options),
            )
        if isinstance(frame, DataFrame):
            return outcomes
        from awsglue.dynamicframe import DynamicFrame

        return DynamicFrame.fromDF(outcomes, frame.glue_ctx, "dq_results")


def _column(name: str) -> Column:
    """A top-level column by its exact name, dots and dashes included."""
    return F.col("`" + name.replace("`", "``") + "`")


def _judge(condition: Condition, metric: float, metrics: dict[str, float]) -> Outcome:
    if condition.holds(metric):
        return PASSED, None, metrics
    return FAILED, f"Value: {metric} does not meet the constraint requirement!", metrics


def _evaluate(data: DataFrame, rule: Rule) -> Outcome:
    """The outcome of one rule: its Outcome, FailureReason and EvaluatedMetrics."""
    name = rule.columns[0] if rule.columns else ""
    if name and name not in data.columns:
        return FAILED, f"Column {name} does not exist", {}
    #: IsComplete and IsUnique are Completeness and Uniqueness "= 1.0".
    condition = rule.condition or ALL_ROWS
    if rule.rule_type == "ColumnExists":
        return PASSED, None, {}
    if rule.rule_type == "ColumnCount":
        columns = float(len(data.columns))
        return _judge(condition, columns, {"Dataset.*.ColumnCount": columns})
    if rule.where is not None:
        data = data.filter(F.expr(rule.where))
    if rule.rule_type == "RowCount":
        rows = float(data.count())
        return _judge(condition, rows, {"Dataset.*.RowCount": rows})
    if rule.rule_type in ("Completeness", "IsComplete"):
        return _completeness(data, name, condition)
    if rule.rule_type in ("Uniqueness", "IsUnique"):
        return _uniqueness(data, name, condition)
    return _column_values(data, name, condition, rule.threshold)


def _completeness(data: DataFrame, name: str, condition: Condition) -> Outcome:
    total, complete = data.agg(F.count(F.lit(1)), F.count(_column(name))).first()  # type: ignore[misc]
    if total == 0:
        return FAILED, NO_ROWS, {}
    ratio = complete / total
    return _judge(condition, ratio, {f"Column.{name}.Completeness": ratio})


def _uniqueness(data: DataFrame, name: str, condition: Condition) -> Outcome:
    total = data.count()
    if total == 0:
        return FAILED, NO_ROWS, {}
    column = _column(name)
    unique = (
        data.where(column.isNotNull()).groupBy(column).count().where(F.col("count") == 1).count()
    )
    ratio = unique / total
    return _judge(condition, ratio, {f"Column.{name}.Uniqueness": ratio})


def _satisfies(column: Column, condition: Condition) -> Column:
    """Whether a row's value satisfies the expression; null only for ``!=`` and ``not in``."""
    operands = list(condition.operands)
    first = operands[0]
    predicate = {
        "=": lambda: column == first,
        "!=": lambda: column.isNull() | (column != first),
        ">": lambda: column > first,
        ">=": lambda: column >= first,
        "<": lambda: column < first,
        "<=": lambda: column <= first,
        "between": lambda: (column > first) & (column < operands[1]),
        "not between": lambda: (column <= first) | (column >= operands[1]),
        "in": lambda: column.isin(operands),
        "not in": lambda: column.isNull() | ~column.isin(operands),
    }[condition.operator]()
    return F.coalesce(predicate, F.lit(False))


def _column_values(
    data: DataFrame, name: str, condition: Condition, threshold: Condition | None
) -> Outcome:
    column = _column(name)
    total, satisfied, minimum, maximum = data.agg(  # type: ignore[misc]
        F.count(F.lit(1)),
        F.count(F.when(_satisfies(column, condition), 1)),
        F.min(column.cast("double")) if condition.numeric else F.lit(None),
        F.max(column.cast("double")) if condition.numeric else F.lit(None),
    ).first()
    if total == 0:
        return FAILED, NO_ROWS, {}
    compliance = satisfied / total
    compliance_metrics = {f"Column.{name}.ColumnValues.Compliance": compliance}
    if threshold is not None:
        return _judge(threshold, compliance, compliance_metrics)
    bound_metrics = {
        ">": {f"Column.{name}.Minimum": minimum},
        ">=": {f"Column.{name}.Minimum": minimum},
        "<": {f"Column.{name}.Maximum": maximum},
        "<=": {f"Column.{name}.Maximum": maximum},
        "=": {f"Column.{name}.Minimum": minimum, f"Column.{name}.Maximum": maximum},
    }.get(condition.operator)
    # The bound that decides: the minimum for > and >=, the maximum for < and <=, and for =
    # whichever differs from the number.
    bound = minimum if condition.operator in (">", ">=") else maximum
    if condition.operator == "=" and minimum != condition.operands[0]:
        bound = minimum
    if not condition.numeric or bound_metrics is None or bound is None:
        return _judge(ALL_ROWS, compliance, compliance_metrics)
    if satisfied == total:
        return PASSED, None, bound_metrics
    if not condition.holds(bound):
        return FAILED, f"Value: {bound} does not meet the constraint requirement!", bound_metrics
    reason = f"Column {name} has {total - satisfied} null value(s), which fail the rule"
    return FAILED, reason, bound_metrics
