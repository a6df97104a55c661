"""Helpers to acknowledge cdk-nag findings precisely, one finding id at a time.

cdk-nag v3 has no rule-wide suppression: each wildcard is its own finding, named after the
resource as it appears in the template (`<LogicalId.Arn>/*`). Deriving that name from the
construct keeps acknowledgments correct when logical ids change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Acknowledgment, IAspect, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

NAG_PACK = "AwsSolutions"


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge a finding under the pack's prefix, the id cdk-nag's report asks for."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{NAG_PACK}::{rule_id}", reason=reason))


def acknowledge_wildcard_resource(scope: IConstruct, resource: str, reason: str) -> None:
    """Acknowledge AwsSolutions-IAM5 for one resource ARN that ends in a wildcard."""
    resolved = Stack.of(scope).resolve(resource)
    acknowledge(scope, f"AwsSolutions-IAM5[Resource::{nag_name(resolved)}]", reason)


def acknowledge_wildcard_action(scope: IConstruct, action: str, reason: str) -> None:
    acknowledge(scope, f"AwsSolutions-IAM5[Action::{action}]", reason)


def acknowledge_managed_policy(scope: IConstruct, policy_name: str, reason: str) -> None:
    policy_arn = f"arn:<AWS::Partition>:iam::aws:policy/{policy_name}"
    acknowledge(scope, f"AwsSolutions-IAM4[Policy::{policy_arn}]", reason)


def nag_name(value: Any) -> str:
    """Render a resolved CloudFormation value the way cdk-nag names it in finding ids."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        [(function, argument)] = value.items()
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(nag_name(part) for part in parts)
        if function == "Fn::GetAtt":
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Ref":
            return f"<{argument}>"
        if function == "Fn::Sub" and isinstance(argument, str):
            return re.sub(r"\$\{([^}]+)\}", r"<\1>", argument)
    raise ValueError(f"no cdk-nag name for {value!r}")


@dataclass(frozen=True)
class GeneratedWildcard:
    """A wildcard that aws-cdk-lib writes itself, matched by finding and, optionally, actions.

    `only_actions` narrows an acknowledgment to statements made only of those actions, so a
    `Resource::*` next to an unexpected action still fails.
    """

    finding: str
    reason: str
    only_actions: frozenset[str] | None = None

    def covers(self, finding: str, actions: Sequence[str]) -> bool:
        if not re.fullmatch(self.finding, finding):
            return False
        return self.only_actions is None or set(actions) <= self.only_actions


@jsii.implements(IAspect)
class AcknowledgeGeneratedWildcards:
    """Acknowledges, policy by policy, the IAM5 findings of a generated construct tree.

    Applied as an aspect so it sees the policies in their final form, after every grant
    the construct adds late in synthesis; anything not in the table stays a finding.
    """

    def __init__(self, known: Sequence[GeneratedWildcard]) -> None:
        self.known = tuple(known)

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, iam.CfnPolicy):
            return
        document = Stack.of(node).resolve(node.policy_document)
        for statement in document.get("Statement", []):
            actions = _as_list(statement.get("Action", []))
            for finding in _wildcard_findings(statement, actions):
                for known in self.known:
                    if known.covers(finding, actions):
                        acknowledge(node, f"AwsSolutions-IAM5[{finding}]", known.reason)
                        break


def _wildcard_findings(statement: dict[str, Any], actions: list[str]) -> list[str]:
    findings = [f"Action::{action}" for action in actions if "*" in action]
    for resource in _as_list(statement.get("Resource", [])):
        name = nag_name(resource)
        if "*" in name:
            findings.append(f"Resource::{name}")
    return findings


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
