"""AWS's policy evaluation logic for one account, as a pure function.

Following "Policy evaluation logic" in the IAM User Guide, for a principal and a resource of
the same account: an explicit ``Deny`` in any applicable policy wins; otherwise an ``Allow``
in an identity-based policy, or in the resource's policy naming the principal, permits;
otherwise the request is implicitly denied. A request that touches several resources (a Glue
table read needs the catalog, the database and the table) must be permitted on each.

A statement applies when its ``Action``/``NotAction``, ``Resource``/``NotResource``,
``Principal``/``NotPrincipal`` (resource policies) and every ``Condition`` match. Condition
keys absent from the request make a condition false, as in AWS, except with ``...IfExists``,
``ForAllValues:`` and ``Null``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

Context = Mapping[str, Sequence[str]]


class Verdict(Enum):
    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    """What is asked: by whom, to do what, on which resources, in which context."""

    action: str
    resources: tuple[str, ...]
    #: The session's ARN (``arn:aws:sts::…:assumed-role/Role/session``) and its role's ARN:
    #: a resource policy may name either.
    principal_arns: tuple[str, ...]
    #: Condition keys, lower-cased, to their values.
    context: Context = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    #: The resource that was not permitted (the first one), and which kind of policy said so.
    resource: str | None = None
    denied_by: str | None = None

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOWED


@dataclass(frozen=True)
class Source:
    """One policy taking part in an evaluation, named as the policy simulator names it."""

    document: Any
    #: The inline policy's name, the managed policy's name, ``ResourcePolicy``, …
    policy_id: str = ""
    #: ``role``, ``user``, ``group``, ``aws-managed``, ``user-managed``, ``resource``, ``none``
    policy_type: str = "none"
    #: A resource-based policy: its statements must name the principal.
    resource_based: bool = False


@dataclass(frozen=True)
class Match:
    """A statement that decided an evaluation: which policy, which statement (from 0)."""

    source: Source
    index: int
    statement: Mapping[str, Any]


@dataclass(frozen=True)
class Explanation:
    """The verdict on one resource and the statements that decided it: the denying ones
    under an explicit deny, the allowing ones when allowed, none under an implicit deny."""

    verdict: Verdict
    matched: tuple[Match, ...] = ()


def evaluate(
    request: Request, identity_policies: Iterable[Mapping[str, Any]], resource_policy: Any
) -> Decision:
    sources = [Source(document) for document in identity_policies]
    if resource_policy:
        sources.append(Source(resource_policy, resource_based=True))
    for resource in request.resources:
        explanation = explain(request, resource, sources)
        if explanation.verdict is not Verdict.ALLOWED:
            denied_by = None
            if explanation.verdict is Verdict.EXPLICIT_DENY:
                resource_based = explanation.matched[0].source.resource_based
                denied_by = (
                    "a resource-based policy" if resource_based else "an identity-based policy"
                )
            return Decision(explanation.verdict, resource, denied_by)
    return Decision(Verdict.ALLOWED)


def explain(request: Request, resource: str, sources: Iterable[Source]) -> Explanation:
    """The verdict on one of the request's resources, with the statements that decided it.

    Identity-based policies come before the resource's policy, so the first denying statement
    is the one :func:`evaluate` reports."""
    ordered = sorted(sources, key=lambda source: source.resource_based)
    allows: list[Match] = []
    denies: list[Match] = []
    for source in ordered:
        for index, statement in enumerate(_statements(source.document)):
            if _applies(statement, request, resource, resource_policy=source.resource_based):
                match = Match(source, index, statement)
                (denies if statement.get("Effect") == "Deny" else allows).append(match)
    if denies:
        return Explanation(Verdict.EXPLICIT_DENY, tuple(denies))
    if allows:
        return Explanation(Verdict.ALLOWED, tuple(allows))
    return Explanation(Verdict.IMPLICIT_DENY)


def missing_context_keys(request: Request, resource: str, sources: Iterable[Source]) -> list[str]:
    """Condition keys of the statements that apply to the action and resource (conditions
    aside) that the request's context does not carry, as the policy simulator lists them."""
    missing: list[str] = []
    for source in sources:
        for statement in _statements(source.document):
            if not _targets(statement, request, resource, resource_policy=source.resource_based):
                continue
            for tests in (statement.get("Condition") or {}).values():
                for key in tests if isinstance(tests, Mapping) else ():
                    if key.lower() not in request.context and key not in missing:
                        missing.append(key)
    return missing


def _statements(policy: Any) -> list[Mapping[str, Any]]:
    statements = policy.get("Statement", []) if isinstance(policy, Mapping) else []
    return [statements] if isinstance(statements, Mapping) else list(statements)


def _listed(value: Any) -> list[str]:
    """A policy element's values as strings (JSON ``true`` reads as ``"true"``, as in AWS)."""
    values = value if isinstance(value, list) else [] if value is None else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in values]


def _applies(
    statement: Mapping[str, Any], request: Request, resource: str, resource_policy: bool
) -> bool:
    return _targets(statement, request, resource, resource_policy) and all(
        _condition_holds(operator, tests, request.context)
        for operator, tests in (statement.get("Condition") or {}).items()
    )


def _targets(
    statement: Mapping[str, Any], request: Request, resource: str, resource_policy: bool
) -> bool:
    """Whether the statement's action, resource and principal elements cover the request."""
    if "Action" in statement:
        if not _any_match(_listed(statement["Action"]), request.action, ignore_case=True):
            return False
    elif "NotAction" in statement:
        if _any_match(_listed(statement["NotAction"]), request.action, ignore_case=True):
            return False
    else:
        return False
    if "Resource" in statement:
        patterns = [_substitute(p, request.context) for p in _listed(statement["Resource"])]
        if not _any_match(patterns, resource):
            return False
    elif "NotResource" in statement:
        patterns = [_substitute(p, request.context) for p in _listed(statement["NotResource"])]
        if _any_match(patterns, resource):
            return False
    elif not resource_policy:
        return False
    return not resource_policy or _principal_matches(statement, request.principal_arns)


def _principal_matches(statement: Mapping[str, Any], principal_arns: tuple[str, ...]) -> bool:
    if "Principal" in statement:
        return _names_principal(statement["Principal"], principal_arns)
    if "NotPrincipal" in statement:
        return not _names_principal(statement["NotPrincipal"], principal_arns)
    return False


def _names_principal(element: Any, principal_arns: tuple[str, ...]) -> bool:
    """Whether a ``Principal`` element names the session or its role (or everyone).

    In the same account, naming the account (``:root``) delegates to identity policies
    rather than granting by itself, so it does not count here.
    """
    if element == "*":
        return True
    names = _listed(element.get("AWS", [])) if isinstance(element, Mapping) else []
    return "*" in names or any(name in principal_arns for name in names)


def _any_match(patterns: Iterable[str], value: str, ignore_case: bool = False) -> bool:
    return any(_wildcard_match(pattern, value, ignore_case) for pattern in patterns)


def _wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcards: ``*`` any run of characters, ``?`` one character; nothing else special."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    flags = re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    return re.fullmatch(regex, value, flags) is not None


_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _substitute(text: str, context: Context) -> str:
    """Policy variables (``${aws:username}``) from the request context; unknown ones stay."""

    def value(match: re.Match[str]) -> str:
        values = context.get(match.group(1).lower())
        return values[0] if values else match.group(0)

    return _VARIABLE.sub(value, text)


def _condition_holds(operator: str, tests: Mapping[str, Any], context: Context) -> bool:
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    base = name.removesuffix("IfExists")
    for key, expected in tests.items():
        expected_values = [_substitute(v, context) for v in _listed(expected)]
        actual = context.get(key.lower())
        if base == "Null":
            is_null = actual is None
            if is_null != (expected_values[0].lower() == "true"):
                return False
            continue
        if actual is None:
            if if_exists or qualifier == "ForAllValues":
                continue
            return False
        compare = _OPERATORS.get(base)
        if compare is None:
            return False
        results = [compare(value, expected_values) for value in actual]
        # A negated operator holds when no value matches; ForAllValues when every one does.
        holds = all(results) if qualifier == "ForAllValues" or "Not" in base else any(results)
        if not holds:
            return False
    return True


def _string_equals(ignore_case: bool) -> Callable[[str, list[str]], bool]:
    def compare(value: str, expected: list[str]) -> bool:
        if ignore_case:
            return value.lower() in [e.lower() for e in expected]
        return value in expected

    return compare


def _negate(compare: Callable[[str, list[str]], bool]) -> Callable[[str, list[str]], bool]:
    return lambda value, expected: not compare(value, expected)


def _like(value: str, expected: list[str]) -> bool:
    return any(_wildcard_match(pattern, value) for pattern in expected)


def _numeric(test: Callable[[float, float], bool]) -> Callable[[str, list[str]], bool]:
    def compare(value: str, expected: list[str]) -> bool:
        try:
            return any(test(float(value), float(e)) for e in expected)
        except ValueError:
            return False

    return compare


def _date(test: Callable[[float, float], bool]) -> Callable[[str, list[str]], bool]:
    def stamp(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

    def compare(value: str, expected: list[str]) -> bool:
        try:
            return any(test(stamp(value), stamp(e)) for e in expected)
        except ValueError:
            return False

    return compare


def _ip(value: str, expected: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(value)
        return any(address in ipaddress.ip_network(e, strict=False) for e in expected)
    except ValueError:
        return False


def _bool(value: str, expected: list[str]) -> bool:
    return value.lower() in [e.lower() for e in expected]


_OPERATORS: dict[str, Callable[[str, list[str]], bool]] = {
    "StringEquals": _string_equals(ignore_case=False),
    "StringNotEquals": _negate(_string_equals(ignore_case=False)),
    "StringEqualsIgnoreCase": _string_equals(ignore_case=True),
    "StringNotEqualsIgnoreCase": _negate(_string_equals(ignore_case=True)),
    "StringLike": _like,
    "StringNotLike": _negate(_like),
    "ArnEquals": _string_equals(ignore_case=False),
    "ArnNotEquals": _negate(_string_equals(ignore_case=False)),
    "ArnLike": _like,
    "ArnNotLike": _negate(_like),
    "NumericEquals": _numeric(lambda a, b: a == b),
    "NumericNotEquals": _negate(_numeric(lambda a, b: a == b)),
    "NumericLessThan": _numeric(lambda a, b: a < b),
    "NumericLessThanEquals": _numeric(lambda a, b: a <= b),
    "NumericGreaterThan": _numeric(lambda a, b: a > b),
    "NumericGreaterThanEquals": _numeric(lambda a, b: a >= b),
    "DateEquals": _date(lambda a, b: a == b),
    "DateNotEquals": _negate(_date(lambda a, b: a == b)),
    "DateLessThan": _date(lambda a, b: a < b),
    "DateLessThanEquals": _date(lambda a, b: a <= b),
    "DateGreaterThan": _date(lambda a, b: a > b),
    "DateGreaterThanEquals": _date(lambda a, b: a >= b),
    "Bool": _bool,
    "IpAddress": _ip,
    "NotIpAddress": _negate(_ip),
}
