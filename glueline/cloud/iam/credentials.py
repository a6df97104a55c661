"""Temporary credentials of a role, for the code that runs as it.

AWS gives a Lambda function and a Glue job run the credentials of their execution role,
through STS (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``). The
local cloud does the same with moto's STS, so that what they call is evaluated against
their role's policies (:mod:`glueline.cloud.iam.enforcement`).

A role that does not exist in the local cloud (a test that names a made-up role) gets no
credentials: the code then runs with the local administrator's, and the caller says so.
``GLUELINE_IAM=off`` gives every function and run the administrator's credentials.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger("glueline.iam")

SWITCH_VARIABLE = "GLUELINE_IAM"
#: Long enough for the longest Glue run (48 h is AWS's default job timeout).
SESSION_SECONDS = 48 * 3600
#: A function's credentials are reused, as an execution environment keeps them, this long.
REUSE_SECONDS = 3600.0


@dataclass(frozen=True)
class RoleCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    #: ``arn:aws:sts::<account>:assumed-role/<role>/<session>``
    session_arn: str

    def environment(self) -> dict[str, str]:
        """The variables AWS sets for code running as the role."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


def enforcement_enabled(environ: Mapping[str, str] | None = None) -> bool:
    value = (os.environ if environ is None else environ).get(SWITCH_VARIABLE, "on")
    if value.lower() not in ("on", "off"):
        raise ValueError(f"{SWITCH_VARIABLE} must be 'on' or 'off', got {value!r}")
    return value.lower() == "on"


def role_exists(account_id: str, role_arn: str) -> bool:
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    try:
        iam_backends[account_id]["aws"].get_role_by_arn(role_arn)
    except NotFoundException:
        return False
    return True


def assume(account_id: str, region: str, role_arn: str, session_name: str) -> RoleCredentials:
    """Credentials of ``role_arn`` for one session, issued by the local STS."""
    from moto.sts.models import sts_backends

    session_name = session_name[:64]
    assumed = sts_backends[account_id]["aws"].assume_role(
        region_name=region,
        role_session_name=session_name,
        role_arn=role_arn,
        policy="",
        duration=SESSION_SECONDS,
        external_id="",
    )
    role_name = role_arn.rsplit("/", 1)[-1]
    return RoleCredentials(
        access_key_id=assumed.access_key_id,
        secret_access_key=assumed.secret_access_key,
        session_token=assumed.session_token,
        session_arn=f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}",
    )


class CredentialsCache:
    """One session per role, reused for a while, as a Lambda execution environment does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[tuple[str, str], tuple[float, RoleCredentials]] = {}

    def for_role(
        self, account_id: str, region: str, role_arn: str, session_name: str
    ) -> RoleCredentials | None:
        """The role's credentials, or None when enforcement is off or the role is unknown."""
        if not enforcement_enabled() or not role_arn or not role_exists(account_id, role_arn):
            return None
        key = (account_id, role_arn)
        with self._lock:
            issued = self._sessions.get(key)
            if issued is None or time.monotonic() - issued[0] > REUSE_SECONDS:
                issued = (time.monotonic(), assume(account_id, region, role_arn, session_name))
                self._sessions[key] = issued
        return issued[1]
