"""Requests signed with a role's credentials are allowed or refused as AWS would.

moto can check signatures and policies (``INITIAL_NO_AUTH_ACTION_COUNT``), but its
evaluator treats every request as touching ``*``, denies an ``Allow`` whose condition keys
it does not know and ignores principals in resource policies, so it would refuse a correctly
scoped role and cannot say why. The kit replaces that step: for credentials issued to a role
(:mod:`.credentials`) it works out the action and resources (:mod:`.requests`), evaluates the
role's inline and managed policies and the resource's policy (:mod:`.policy`), and refuses
with the error AWS returns in the service's protocol, naming the principal, the action and
the resource. Requests signed with any other credentials (the user's ``test``/``test``) are
the administrator's and pass, as before.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from glueline.cloud import patches
from glueline.cloud.iam import policy, requests

log = logging.getLogger("glueline.iam")

#: Always allowed, whatever the policies say (AWS answers it even under an explicit deny).
ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})
#: Sessions whose latest refusal is remembered (a HEAD request's 403 carries no message, so
#: a job run's error would not say what was refused; the runtime adds it from here).
REMEMBERED_SESSIONS = 1000
_latest_denials: OrderedDict[str, str] = OrderedDict()
_denials_lock = threading.Lock()


def latest_denial(session_arn: str) -> str | None:
    """The last refusal of a session, in AWS's words, if it was refused anything."""
    with _denials_lock:
        return _latest_denials.get(session_arn)


def _remember(session_arn: str, message: str) -> None:
    with _denials_lock:
        _latest_denials[session_arn] = message
        _latest_denials.move_to_end(session_arn)
        while len(_latest_denials) > REMEMBERED_SESSIONS:
            _latest_denials.popitem(last=False)


@dataclass(frozen=True)
class RoleSession:
    role_arn: str
    session_arn: str
    session_token: str


def install() -> None:
    from moto.core.authorization import ActionAuthenticatorMixin

    @patches.wrap(
        ActionAuthenticatorMixin,
        "_authenticate_and_authorize_action",
        reason="requests signed by a role's session are evaluated against its policies",
    )
    def authorize(original: Any, self: Any, iam_request_cls: type, resource: str = "*") -> None:
        signature = _signature(self)
        if signature is None:
            return
        access_key_id, signing_name = signature
        session = _session(self.current_account, access_key_id)
        if session is None:
            return
        token = _header(self, "x-amz-security-token") or _query(self, "X-Amz-Security-Token")
        if token != session.session_token:
            raise _refusal(
                signing_name,
                "InvalidToken",
                "The security token included in the request is invalid",
            )
        enforce(self, signing_name, session, resource)


def enforce(response: Any, signing_name: str, session: RoleSession, moto_resource: str) -> None:
    account, region = response.current_account, response.region
    asked = requests.asked(response, signing_name, moto_resource, account, region)
    checks = [(asked.action, asked.resources), *((a, (r,)) for a, r in asked.also)]
    condition_keys = requests.context(
        response, signing_name, session.role_arn, session.session_arn, account, region
    )
    identity = identity_policies(account, session.role_arn)
    for action, resources in checks:
        if action in ALWAYS_ALLOWED:
            continue
        request = policy.Request(
            action=action,
            resources=resources,
            principal_arns=(session.session_arn, session.role_arn),
            context=condition_keys,
        )
        resource_policy = requests.resource_policy(signing_name, resources[0], account, region)
        decision = policy.evaluate(request, identity, resource_policy)
        if not decision.allowed:
            message = denial_message(session.session_arn, action, decision)
            log.warning("denied: %s", message)
            _remember(session.session_arn, message)
            raise _refusal(signing_name, "AccessDenied", message)


def denial_message(principal: str, action: str, decision: policy.Decision) -> str:
    """AWS's wording: who, what, on which resource, and which kind of policy decided."""
    because = (
        f"with an explicit deny in {decision.denied_by}"
        if decision.verdict is policy.Verdict.EXPLICIT_DENY
        else f"because no identity-based policy allows the {action} action"
    )
    return (
        f"User: {principal} is not authorized to perform: {action} on resource: "
        f"{decision.resource} {because}"
    )


def identity_policies(account: str, role_arn: str) -> list[dict[str, Any]]:
    """The role's inline policies and the default versions of its managed policies."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[account]["aws"].get_role_by_arn(role_arn)
    except NotFoundException:
        return []
    return [source.document for source in policy_sources(role, "role")]


def policy_sources(entity: Any, policy_type: str) -> list[policy.Source]:
    """A moto role, user or group's inline policies (typed ``policy_type``) and the default
    versions of its managed policies, named as the policy simulator names them."""
    sources = [
        policy.Source(_document(text), name, policy_type) for name, text in entity.policies.items()
    ]
    for managed in entity.managed_policies.values():
        default = next(version for version in managed.versions if version.is_default)
        owner = "aws-managed" if managed.arn.startswith("arn:aws:iam::aws:") else "user-managed"
        sources.append(policy.Source(_document(default.document), managed.name, owner))
    return sources


def _document(text: Any) -> dict[str, Any]:
    return text if isinstance(text, dict) else json.loads(text)


def _session(account: str, access_key_id: str) -> RoleSession | None:
    from moto.sts.models import sts_backends

    for assumed in sts_backends[account]["aws"].assumed_roles:
        if assumed.access_key_id == access_key_id:
            role_name = assumed.role_arn.rsplit("/", 1)[-1]
            return RoleSession(
                role_arn=assumed.role_arn,
                session_arn=(
                    f"arn:aws:sts::{account}:assumed-role/{role_name}/{assumed.session_name}"
                ),
                session_token=assumed.session_token,
            )
    return None


def _signature(response: Any) -> tuple[str, str] | None:
    """Access key id and signing name of a SigV4 request (header or presigned URL)."""
    authorization = _header(response, "authorization") or ""
    credential = ""
    if "Credential=" in authorization:
        credential = authorization.split("Credential=", 1)[1].split(",", 1)[0]
    else:
        credential = _query(response, "X-Amz-Credential") or ""
    parts = credential.strip().split("/")
    return (parts[0], parts[3]) if len(parts) >= 4 else None


def _header(response: Any, name: str) -> str | None:
    headers = response.headers
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def _query(response: Any, name: str) -> str | None:
    values = getattr(response, "querystring", {}).get(name)
    return values[0] if isinstance(values, list) and values else None


@functools.cache
def _protocol(signing_name: str) -> str:
    import botocore.session

    service = {"monitoring": "cloudwatch", "email": "ses"}.get(signing_name, signing_name)
    try:
        return str(botocore.session.get_session().get_service_model(service).protocol)
    except Exception:
        return "query"


def _refusal(signing_name: str, code: str, message: str) -> Exception:
    """The error AWS returns in the service's protocol: S3's XML, JSON's
    ``AccessDeniedException``, or the query protocol's ``AccessDenied``."""
    from moto.core.exceptions import AccessDeniedError, JsonRESTError
    from moto.s3.exceptions import S3ClientError

    if signing_name == "s3":
        return S3ClientError(code, message)
    protocol = _protocol(signing_name)
    if protocol in ("json", "rest-json"):
        error = JsonRESTError(f"{code}Exception" if code == "AccessDenied" else code, message)
        error.code = 400 if protocol == "json" else 403
        return error

    class QueryError(AccessDeniedError):
        """The query protocol's XML error, with AWS's full message and our code."""

        def __init__(self) -> None:
            super(AccessDeniedError, self).__init__(code, message)

    return QueryError()
