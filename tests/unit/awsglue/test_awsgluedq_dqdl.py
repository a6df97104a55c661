"""Reading DQDL without Spark: the rules the local awsgluedq evaluates, and clear errors for
the rest.

Syntax from the AWS Glue developer guide, "Data Quality Definition Language (DQDL) reference"
(dqdl.html) and "DQDL rule type reference" (dqdl-rule-types.html).
"""

import pytest
from awsgluedq._dqdl import Condition, DQDLError, Rule, UnsupportedRuleError, parse_ruleset


def test_a_ruleset_reads_into_its_rules_with_their_text() -> None:
    rules = parse_ruleset(
        """Rules = [
            RowCount > 0,
            IsComplete "order-id",
            Completeness "email" >= 0.95 where "country = 'NL'",
            ColumnValues "status" in ["new", "a, b"] with threshold > 0.9
        ]"""
    )

    assert rules == [
        Rule("RowCount > 0", "RowCount", (), Condition(">", (0.0,))),
        Rule('IsComplete "order-id"', "IsComplete", ("order-id",), None),
        Rule(
            'Completeness "email" >= 0.95 where "country = \'NL\'"',
            "Completeness",
            ("email",),
            Condition(">=", (0.95,)),
            where="country = 'NL'",
        ),
        Rule(
            'ColumnValues "status" in ["new", "a, b"] with threshold > 0.9',
            "ColumnValues",
            ("status",),
            Condition("in", ("new", "a, b")),
            threshold=Condition(">", (0.9,)),
        ),
    ]


@pytest.mark.parametrize(
    ("expression", "condition"),
    [
        ("= 3", Condition("=", (3.0,))),
        ("!= -1.5", Condition("!=", (-1.5,))),
        ("<= 10", Condition("<=", (10.0,))),
        ("between 1 and 5", Condition("between", (1.0, 5.0))),
        ("not between 1 and 5", Condition("not between", (1.0, 5.0))),
        ('not in ["x", "y"]', Condition("not in", ("x", "y"))),
        ('= "done"', Condition("=", ("done",))),
    ],
)
def test_expressions(expression: str, condition: Condition) -> None:
    (rule,) = parse_ruleset(f'Rules = [ColumnValues "c" {expression}]')

    assert rule.condition == condition


@pytest.mark.parametrize(
    ("condition", "value", "holds"),
    [
        (Condition("between", (1.0, 5.0)), 1.0, False),
        (Condition("between", (1.0, 5.0)), 3.0, True),
        (Condition("not between", (1.0, 5.0)), 5.0, True),
        (Condition("in", (1.0, 2.0)), 2.0, True),
        (Condition("not in", (1.0, 2.0)), 2.0, False),
        (Condition(">=", (0.95,)), 0.95, True),
        (Condition("!=", (0.0,)), 0.0, False),
    ],
)
def test_between_is_exclusive_as_dqdl_documents(
    condition: Condition, value: float, holds: bool
) -> None:
    assert condition.holds(value) is holds


@pytest.mark.parametrize(
    ("rule", "named"),
    [
        ('CustomSql "select count(*) from primary" > 0', "CustomSql is not evaluated"),
        ('Mean "price" > 3', "Mean is not evaluated"),
        ('(IsComplete "id") and (IsUnique "id")', "composite rule"),
        ('Completeness "id" > avg(last(10))', "the operand 'avg' is not evaluated"),
        ('ColumnValues "day" > (now() - 3 days)', "the operand '(' is not evaluated"),
        ('ColumnValues "code" matches "[A-Z]+"', "'matches' here is not evaluated"),
    ],
)
def test_dqdl_outside_the_subset_is_refused_naming_the_rule(rule: str, named: str) -> None:
    with pytest.raises(UnsupportedRuleError) as refused:
        parse_ruleset(f"Rules = [RowCount > 0, {rule}]")

    assert str(refused.value).startswith(f"DQDL rule {rule!r}")
    assert named in str(refused.value)


@pytest.mark.parametrize(
    ("ruleset", "message"),
    [
        ("rules = [RowCount > 0]", "A DQDL ruleset is 'Rules = [ <rule>, ... ]'"),
        ("Rules = []", "The DQDL ruleset has no rules"),
        ("Rules = [RowCount > 0,]", "Empty rule"),
        ('Rules = [Frobnicate "x"]', "'Frobnicate' is not a DQDL rule type"),
        ("Rules = [IsComplete]", "IsComplete takes a quoted column name"),
        ("Rules = [RowCount]", "lacks the expression"),
        ('Rules = [RowCount > "many"]', "RowCount is compared with numbers"),
        ("Rules = [RowCount between 1 or 5]", "between takes '<low> and <high>'"),
        ('Rules = [ColumnValues "c" in []]', "in takes a non-empty list"),
        ('Rules = [ColumnValues "c" > 1 with threshold > "x"]', "a threshold is a number"),
        ("Rules = [RowCount > 0 extra]", "unexpected 'extra'"),
        ("Rules = [RowCount > 0 ; ]", "Cannot read ';'"),
    ],
)
def test_malformed_dqdl_is_refused_saying_what_is_wrong(ruleset: str, message: str) -> None:
    with pytest.raises(DQDLError) as refused:
        parse_ruleset(ruleset)

    assert message in str(refused.value)
