"""A parser for the subset of DQDL (AWS Glue's Data Quality Definition Language) emulated here.

A ruleset is ``Rules = [ rule, rule, ... ]``; a rule is its type, its quoted column names,
an expression its metric must satisfy, and optionally ``where "<Spark SQL>"`` and, for
``ColumnValues``, ``with threshold <expression>``. Expressions compare with ``=``, ``!=``,
``>``, ``>=``, ``<``, ``<=``, ``between a and b`` (exclusive), ``not between a and b``,
``in [...]`` and ``not in [...]``, as the DQDL reference describes them.

The whole ruleset is parsed before any data is read, so a rule the local ``awsgluedq`` does
not evaluate (``CustomSql``, dynamic rules, composite rules, ...) fails the call at once,
naming the rule, rather than after a long evaluation or, worse, as a silently passed check.
Nothing here imports Spark.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: Rule types evaluated here, with how many quoted columns each takes and whether it takes
#: an expression.
SUPPORTED_RULES: dict[str, tuple[int, bool]] = {
    "RowCount": (0, True),
    "ColumnCount": (0, True),
    "ColumnExists": (1, False),
    "IsComplete": (1, False),
    "Completeness": (1, True),
    "IsUnique": (1, False),
    "Uniqueness": (1, True),
    "ColumnValues": (1, True),
}
#: Rule types the AWS Glue DQDL reference lists that are not evaluated here.
OTHER_DQDL_RULES = frozenset(
    {
        "AggregateMatch",
        "AllStatistics",
        "ColumnCorrelation",
        "ColumnDataType",
        "ColumnLength",
        "ColumnNamesMatchPattern",
        "CustomSql",
        "DataFreshness",
        "DatasetMatch",
        "DetectAnomalies",
        "DistinctValuesCount",
        "Entropy",
        "FileFreshness",
        "FileMatch",
        "FileSize",
        "FileUniqueness",
        "IsPrimaryKey",
        "Mean",
        "ReferentialIntegrity",
        "RowCountMatch",
        "SchemaMatch",
        "StandardDeviation",
        "Sum",
        "UniqueValueRatio",
    }
)
#: The reference takes neither a where clause for these (nor a threshold for any but
#: ColumnValues).
NO_WHERE_CLAUSE = frozenset({"ColumnCount", "ColumnExists"})
COMPARISONS = ("=", "!=", ">", ">=", "<", "<=")

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>>=|<=|!=|=|>|<)
      | (?P<punct>[\[\](),+\-*/])
    )""",
    re.VERBOSE,
)

Value = float | str


class DQDLError(ValueError):
    """The ruleset is not DQDL."""


class UnsupportedRuleError(NotImplementedError):
    """The rule is DQDL that the local ``awsgluedq`` does not evaluate."""


@dataclass(frozen=True)
class Condition:
    """``<operator> <operands>``, tested against a metric or a column value."""

    operator: str
    operands: tuple[Value, ...]

    def holds(self, value: Value) -> bool:
        """Whether ``value`` satisfies the expression (between is exclusive, as in DQDL)."""
        first = self.operands[0]
        if self.operator == "between":
            return bool(first < value < self.operands[1])  # type: ignore[operator]
        if self.operator == "not between":
            return not first < value < self.operands[1]  # type: ignore[operator]
        if self.operator == "in":
            return value in self.operands
        if self.operator == "not in":
            return value not in self.operands
        return {
            "=": value == first,
            "!=": value != first,
            ">": value > first,  # type: ignore[operator]
            ">=": value >= first,  # type: ignore[operator]
            "<": value < first,  # type: ignore[operator]
            "<=": value <= first,  # type: ignore[operator]
        }[self.operator]

    @property
    def numeric(self) -> bool:
        return all(isinstance(operand, float) for operand in self.operands)


@dataclass(frozen=True)
class Rule:
    """One rule of a ruleset, with its text as written (the outcome's ``Rule``)."""

    text: str
    rule_type: str
    columns: tuple[str, ...]
    condition: Condition | None
    where: str | None = None
    threshold: Condition | None = None


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str

    @property
    def value(self) -> Value:
        if self.kind == "number":
            return float(self.text)
        return self.text[1:-1].replace('\\"', '"')


def _tokens(text: str, rule: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            raise DQDLError(f"Cannot read {text[position:].strip()!r} in DQDL rule {rule!r}")
        tokens.append(_Token(match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens


def _split_top_level(body: str) -> Iterator[str]:
    """The comma-separated items of ``body``, ignoring commas in quotes and brackets."""
    depth, quoted, start = 0, False, 0
    for index, char in enumerate(body):
        if char == '"' and (index == 0 or body[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "[(":
            depth += 1
        elif not quoted and char in "])":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            yield body[start:index].strip()
            start = index + 1
    yield body[start:].strip()


def parse_ruleset(ruleset: str) -> list[Rule]:
    """The rules of ``Rules = [ ... ]``; raises :class:`DQDLError` or
    :class:`UnsupportedRuleError` naming the first rule that cannot be evaluated."""
    match = re.fullmatch(r"\s*Rules\s*=\s*\[(?P<body>.*)\]\s*", ruleset, re.DOTALL)
    if match is None:
        raise DQDLError(
            "A DQDL ruleset is 'Rules = [ <rule>, ... ]' (other sections such as Analyzers "
            f"are not evaluated locally); got {ruleset.strip()[:80]!r}"
        )
    texts = list(_split_top_level(match.group("body")))
    if texts == [""]:
        raise DQDLError("The DQDL ruleset has no rules")
    return [parse_rule(text) for text in texts]


def parse_rule(text: str) -> Rule:
    """One rule, e.g. ``ColumnValues "status" in ["new", "done"] with threshold > 0.9``."""
    if not text:
        raise DQDLError("Empty rule in the DQDL ruleset (a stray comma?)")
    tokens = _tokens(text, text)
    head = tokens[0]
    if head.kind != "word":
        raise UnsupportedRuleError(
            f"DQDL rule {text!r} is a composite rule ((...) and/or (...)), which the local "
            "awsgluedq does not evaluate"
        )
    rule_type = head.text
    if rule_type not in SUPPORTED_RULES:
        if rule_type in OTHER_DQDL_RULES:
            raise UnsupportedRuleError(
                f"DQDL rule {text!r}: {rule_type} is not evaluated by the local awsgluedq "
                f"(it evaluates {', '.join(SUPPORTED_RULES)})"
            )
        raise DQDLError(f"DQDL rule {text!r}: {rule_type!r} is not a DQDL rule type")
    arity, takes_condition = SUPPORTED_RULES[rule_type]
    position = 1
    columns: list[str] = []
    while len(columns) < arity:
        if position >= len(tokens) or tokens[position].kind != "string":
            raise DQDLError(f"DQDL rule {text!r}: {rule_type} takes a quoted column name")
        columns.append(str(tokens[position].value))
        position += 1
    condition = None
    if takes_condition:
        condition, position = _condition(tokens, position, text)
        if rule_type != "ColumnValues" and not condition.numeric:
            raise DQDLError(f"DQDL rule {text!r}: {rule_type} is compared with numbers")
    where = threshold = None
    while position < len(tokens):
        word = tokens[position].text
        if word == "where" and where is None and rule_type not in NO_WHERE_CLAUSE:
            if position + 1 >= len(tokens) or tokens[position + 1].kind != "string":
                raise DQDLError(f"DQDL rule {text!r}: where takes a quoted condition")
            where = str(tokens[position + 1].value)
            position += 2
        elif word == "with" and threshold is None and rule_type == "ColumnValues":
            if position + 1 >= len(tokens) or tokens[position + 1].text != "threshold":
                raise DQDLError(f"DQDL rule {text!r}: expected 'with threshold'")
            threshold, position = _condition(tokens, position + 2, text)
            if not threshold.numeric:
                raise DQDLError(f"DQDL rule {text!r}: a threshold is a number")
        else:
            raise _unsupported_or_invalid(text, tokens[position].text)
    return Rule(text, rule_type, tuple(columns), condition, where, threshold)


def _condition(tokens: list[_Token], position: int, rule: str) -> tuple[Condition, int]:
    """The expression starting at ``position``, and where it ends."""

    def at(offset: int) -> _Token | None:
        return tokens[position + offset] if position + offset < len(tokens) else None

    first = at(0)
    if first is None:
        raise DQDLError(f"DQDL rule {rule!r} lacks the expression its metric must satisfy")
    negated = first.text == "not"
    keyword = at(1) if negated else first
    start = 1 if negated else 0
    if keyword is not None and keyword.text == "between":
        low, conjunction, high = at(start + 1), at(start + 2), at(start + 3)
        if low is not None:
            _require_literal(low, rule)
        if not (low and high and conjunction and conjunction.text == "and"):
            raise DQDLError(f"DQDL rule {rule!r}: between takes '<low> and <high>'")
        _require_literal(high, rule)
        operator = "not between" if negated else "between"
        return Condition(operator, (low.value, high.value)), position + start + 4
    if keyword is not None and keyword.text == "in":
        bracket = at(start + 1)
        if bracket is None or bracket.text != "[":
            raise DQDLError(f"DQDL rule {rule!r}: in takes a list, [a, b, ...]")
        values, index = [], position + start + 2
        while index < len(tokens) and tokens[index].text != "]":
            if tokens[index].text != ",":
                _require_literal(tokens[index], rule)
                values.append(tokens[index].value)
            index += 1
        if index >= len(tokens) or not values:
            raise DQDLError(f"DQDL rule {rule!r}: in takes a non-empty list, [a, b, ...]")
        return Condition("not in" if negated else "in", tuple(values)), index + 1
    operand = at(1)
    if first.kind == "op" and operand is not None:
        _require_literal(operand, rule)
        return Condition(first.text, (operand.value,)), position + 2
    raise _unsupported_or_invalid(rule, first.text)


def _require_literal(token: _Token, rule: str) -> None:
    """Operands are numbers or quoted strings; dates, now() and dynamic references such as
    avg(last(10)) are DQDL the local awsgluedq does not evaluate."""
    if token.kind not in ("number", "string"):
        raise UnsupportedRuleError(
            f"DQDL rule {rule!r}: the operand {token.text!r} is not evaluated by the local "
            "awsgluedq (it compares with numbers and quoted strings only)"
        )


def _unsupported_or_invalid(rule: str, found: str) -> Exception:
    if found in ("matches", "with", "where", "(", "and", "or"):
        return UnsupportedRuleError(
            f"DQDL rule {rule!r}: {found!r} here is not evaluated by the local awsgluedq"
        )
    return DQDLError(f"DQDL rule {rule!r}: unexpected {found!r}")
