"""``aws iam simulate-principal-policy`` and ``simulate-custom-policy``, answered by the
evaluator that enforces, so a refused request can be asked about.

moto does not implement the policy simulator. The local cloud answers it with
:func:`glueline.cloud.iam.policy.explain`, the logic that allows or refuses a role's
requests, over the principal's inline and managed policies (a user's include its groups')
and the optional ``ResourcePolicy``: one result per action and resource, with the decision
(``allowed``, ``explicitDeny``, ``implicitDeny``), the statements that decided it and the
condition keys its policies use that the simulation had no value for.

Where the local cloud differs from AWS's simulator, it is to agree with enforcement: the
global condition keys the local cloud gives every request of the principal
(``aws:SecureTransport``, ``aws:SourceIp``, ``aws:PrincipalArn``, ``aws:CurrentTime``, …)
are set unless a ``ContextEntries`` value overrides them. Service keys (``s3:prefix``) come
only from ``ContextEntries``. Permissions boundaries and organization policies are not
evaluated (nor enforced), so inputs for them are refused; ``MaxItems``/``Marker`` are
ignored (every result comes in one page); statements' positions are not reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from glueline.cloud import patches
from glueline.cloud.iam import policy, requests

DECISIONS = {
    policy.Verdict.ALLOWED: "allowed",
    policy.Verdict.EXPLICIT_DENY: "explicitDeny",
    policy.Verdict.IMPLICIT_DENY: "implicitDeny",
}
#: Context keys that name the principal: left out when a custom policy has no caller.
PRINCIPAL_KEYS = ("aws:principalarn", "aws:principalaccount", "aws:principaltype")
#: Simulator inputs for what the local cloud does not evaluate.
UNSUPPORTED_INPUTS = (
    "PermissionsBoundaryPolicyInputList",
    "OrderedOrganizationPolicyInputList",
    "PolicyExclusionList",
)
RESOURCE_POLICY_ID = "ResourcePolicy"


class SimulationInputError(ValueError):
    """An input the simulation cannot use (AWS's ``InvalidInput``)."""


@dataclass(frozen=True)
class Result:
    """The simulated decision on one action and one resource."""

    action: str
    resource: str
    decision: str
    matched: tuple[policy.Match, ...]
    missing_context_values: tuple[str, ...]

    def evaluation_result(self) -> dict[str, Any]:
        """An ``EvaluationResult`` of the IAM API."""
        return {
            "EvalActionName": self.action,
            "EvalResourceName": self.resource,
            "EvalDecision": self.decision,
            "MatchedStatements": [
                {"SourcePolicyId": m.source.policy_id, "SourcePolicyType": m.source.policy_type}
                for m in self.matched
            ],
            "MissingContextValues": list(self.missing_context_values),
        }


def simulate(
    sources: Sequence[policy.Source],
    actions: Iterable[str],
    resources: Sequence[str] = (),
    *,
    principal_arns: Sequence[str] = (),
    context: Mapping[str, Sequence[str]] | None = None,
    context_entries: Iterable[Mapping[str, Any]] = (),
    resource_policy: Any = None,
) -> list[Result]:
    """Each action on each resource (``*`` when none is given), as the principal whose
    identity policies are ``sources``. ``context`` holds the keys the local cloud sets;
    ``context_entries`` (the API's ``ContextEntries``) add to and override them;
    ``resource_policy`` is a policy document (a mapping) or its JSON text."""
    keys = {**(context or {}), **context_values(context_entries)}
    evaluated = list(sources)
    if resource_policy:
        document = _parsed(resource_policy, "ResourcePolicy")
        evaluated.append(policy.Source(document, RESOURCE_POLICY_ID, "resource", True))
    results = []
    for action in actions:
        for resource in resources or ("*",):
            request = policy.Request(action, (resource,), tuple(principal_arns), keys)
            explanation = policy.explain(request, resource, evaluated)
            missing = policy.missing_context_keys(request, resource, evaluated)
            results.append(
                Result(
                    action,
                    resource,
                    DECISIONS[explanation.verdict],
                    explanation.matched,
                    tuple(missing),
                )
            )
    return results


def context_values(entries: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """``ContextEntries`` as the evaluator's context: lower-cased keys to string values
    (booleans as ``true``/``false``, as policies compare them)."""
    values: dict[str, list[str]] = {}
    for entry in entries:
        name = entry.get("ContextKeyName")
        if not name:
            raise SimulationInputError("Every context entry needs a ContextKeyName.")
        raw = entry.get("ContextKeyValues") or []
        raw = raw if isinstance(raw, list) else [raw]
        values[str(name).lower()] = [str(v).lower() if isinstance(v, bool) else str(v) for v in raw]
    return values


def principal_sources(account: str, arn: str) -> tuple[list[policy.Source], str]:
    """The identity policies of a role or user, and the principal type its requests carry
    (``aws:PrincipalType``). An unknown principal is AWS's ``NoSuchEntity``."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    from glueline.cloud.iam.enforcement import policy_sources

    backend = iam_backends[account]["aws"]
    kind, _, path = arn.partition(":")[2].rpartition(":")[2].partition("/")
    if arn.startswith("arn:") and kind == "role":
        try:
            role = backend.get_role_by_arn(arn)
        except NotFoundException:
            raise NotFoundException(
                f"The role with name {path.rsplit('/', 1)[-1]} cannot be found."
            ) from None
        return policy_sources(role, "role"), "AssumedRole"
    if arn.startswith("arn:") and kind == "user":
        user = backend.get_user(path.rsplit("/", 1)[-1])  # NoSuchEntity when absent
        sources = policy_sources(user, "user")
        for group in backend.get_groups_for_user(user.name):
            sources.extend(policy_sources(group, "group"))
        return sources, "User"
    from moto.iam.exceptions import InvalidInput

    raise InvalidInput(f"Invalid PolicySourceArn {arn}: the local cloud simulates roles and users.")


def install() -> None:
    from moto.core.responses import ActionResult
    from moto.iam.exceptions import InvalidInput
    from moto.iam.responses import IamResponse

    def answer(response: Any, sources: list[policy.Source], principal: str, kind: str) -> Any:
        for name in UNSUPPORTED_INPUTS:
            if response._get_param(name):
                raise InvalidInput(f"{name} is not evaluated by the glueline local cloud.")
        extra = response._get_param("PolicyInputList") or []
        sources = sources + [
            policy.Source(_parsed(text, f"PolicyInputList.{n}"), f"PolicyInputList.{n}", "none")
            for n, text in enumerate(extra, start=1)
        ]
        caller = response._get_param("CallerArn") or principal
        context = requests.global_context(caller, response.current_account, response.region, kind)
        if not caller:
            context = {k: v for k, v in context.items() if k not in PRINCIPAL_KEYS}
        results = simulate(
            sources,
            response._get_param("ActionNames") or [],
            response._get_param("ResourceArns") or [],
            principal_arns=(caller,) if caller else (),
            context=context,
            context_entries=response._get_param("ContextEntries") or [],
            resource_policy=response._get_param("ResourcePolicy"),
        )
        return ActionResult(
            {"EvaluationResults": [r.evaluation_result() for r in results], "IsTruncated": False}
        )

    def simulate_principal_policy(self: Any) -> Any:
        arn = self._get_param("PolicySourceArn")
        try:
            sources, kind = principal_sources(self.current_account, arn)
            return answer(self, sources, arn, kind)
        except SimulationInputError as error:
            raise InvalidInput(str(error)) from None

    def simulate_custom_policy(self: Any) -> Any:
        try:
            return answer(self, [], "", "User")
        except SimulationInputError as error:
            raise InvalidInput(str(error)) from None

    patches.add(
        IamResponse,
        "simulate_principal_policy",
        simulate_principal_policy,
        reason="the policy simulator, answered by the evaluator that enforces",
    )
    patches.add(
        IamResponse,
        "simulate_custom_policy",
        simulate_custom_policy,
        reason="the policy simulator, answered by the evaluator that enforces",
    )


def _parsed(document: Any, name: str) -> Any:
    if isinstance(document, Mapping):
        return document
    try:
        parsed = json.loads(document)
    except (TypeError, ValueError):
        raise SimulationInputError(f"{name} is not a JSON policy document.") from None
    if not isinstance(parsed, Mapping):
        raise SimulationInputError(f"{name} is not a JSON policy document.")
    return parsed
