"""Keeps web pages and other hosts' names from driving the local cloud.

The cloud listens on loopback, but a browser on the same machine is on loopback too: any page
the user opens could send requests to ``http://localhost:4566`` (form posts, fetches, image
tags), or rebind its own domain name to 127.0.0.1 and read the answers. AWS stops such
requests with signatures; the local cloud accepts well-known test credentials, so it stops
them at the door instead, before any service sees them:

- a request whose ``Origin`` is not an allowed origin is refused (403), and so is a request a
  browser marks ``Sec-Fetch-Site: cross-site`` (navigations and image loads carry no
  ``Origin``);
- a request whose ``Host`` is not a loopback name is refused (DNS rebinding);
- CORS headers are granted to allowed origins only, and answered preflights name them.

Allowed origins are pages served from loopback (``localhost``, ``*.localhost``, ``127.0.0.1``,
``[::1]``, any port or scheme) plus ``GLUELINE_ALLOWED_ORIGINS``; allowed hosts are the same
loopback names, ``localhost.localstack.cloud`` (which ``awslocal``/``cdklocal`` may use), plus
``GLUELINE_ALLOWED_HOSTS``. Clients that are not browsers send neither ``Origin`` nor
``Sec-Fetch-Site`` and are unaffected.

:func:`decide` is the whole policy as a pure function; :class:`RequestGuard` is its WSGI
adapter.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("glueline.guard")

ALLOWED_ORIGINS_VARIABLE = "GLUELINE_ALLOWED_ORIGINS"
ALLOWED_HOSTS_VARIABLE = "GLUELINE_ALLOWED_HOSTS"
#: Host names that only ever mean this machine: RFC 6761 ``localhost`` and its subdomains
#: (bucket-style S3 addressing), and the public name LocalStack's tools default to, which
#: resolves to 127.0.0.1 with every subdomain.
LOOPBACK_DOMAINS = ("localhost", "localhost.localstack.cloud")
ALLOWED_METHODS = "GET, HEAD, PUT, POST, DELETE, PATCH, OPTIONS"
#: Response headers browsers may read: what the AWS SDK for JavaScript needs from S3 and Lambda.
EXPOSED_HEADERS = ", ".join(
    (
        "etag",
        "x-amz-version-id",
        "x-amz-request-id",
        "x-amz-id-2",
        "x-amz-delete-marker",
        "x-amz-server-side-encryption",
        "x-amz-function-error",
        "x-amz-log-result",
        "x-amz-executed-version",
        "x-amzn-requestid",
        "x-amzn-errortype",
    )
)
PREFLIGHT_MAX_AGE_SECONDS = "600"


@dataclass(frozen=True)
class GuardSettings:
    """Origins and host names allowed beyond loopback, both lower-case."""

    extra_origins: frozenset[str] = frozenset()
    extra_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> GuardSettings:
        return cls(
            extra_origins=frozenset(_listed(environ.get(ALLOWED_ORIGINS_VARIABLE, ""))),
            extra_hosts=frozenset(_listed(environ.get(ALLOWED_HOSTS_VARIABLE, ""))),
        )


def _listed(value: str) -> Iterable[str]:
    return (item.strip().lower().rstrip("/") for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Decision:
    """Refuse with ``refusal`` as the reason, or pass (granting CORS to ``cors_origin``)."""

    refusal: str | None = None
    cors_origin: str | None = None
    #: A CORS preflight from an allowed origin: answered here, never forwarded.
    preflight: bool = False


def is_loopback_name(host: str) -> bool:
    """Whether ``host`` (without port) names only this machine."""
    host = host.strip("[]").lower().rstrip(".")
    if any(host == domain or host.endswith(f".{domain}") for domain in LOOPBACK_DOMAINS):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(host_header: str) -> str:
    """The name part of a ``Host`` header: ``[::1]:4566`` -> ``::1``, ``a:1`` -> ``a``."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def origin_allowed(origin: str, settings: GuardSettings) -> bool:
    normalized = origin.strip().lower().rstrip("/")
    if normalized in settings.extra_origins:
        return True
    parts = urlsplit(normalized)
    return parts.scheme in ("http", "https") and is_loopback_name(parts.hostname or "")


def decide(method: str, headers: Mapping[str, str], settings: GuardSettings) -> Decision:
    """The guard's verdict on one request, from its method and (lower-cased) headers."""
    host = headers.get("host")
    if host:
        name = host_name(host.strip())
        if not is_loopback_name(name) and name.lower() not in settings.extra_hosts:
            return Decision(
                refusal=f"host {name!r} is not a loopback name; set "
                f"{ALLOWED_HOSTS_VARIABLE} to allow it"
            )
    origin = headers.get("origin")
    if origin is not None:
        if not origin_allowed(origin, settings):
            return Decision(
                refusal=f"origin {origin!r} may not use the local cloud; set "
                f"{ALLOWED_ORIGINS_VARIABLE} to allow it"
            )
        preflight = method == "OPTIONS" and "access-control-request-method" in headers
        return Decision(cors_origin=origin, preflight=preflight)
    if headers.get("sec-fetch-site") == "cross-site":
        return Decision(refusal="a cross-site browser request may not use the local cloud")
    return Decision()


def cors_headers(origin: str, requested_headers: str | None) -> list[tuple[str, str]]:
    """What an allowed origin is granted: any method, the headers it asks for, AWS's headers."""
    return [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", ALLOWED_METHODS),
        ("Access-Control-Allow-Headers", requested_headers or "*"),
        ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
        ("Access-Control-Max-Age", PREFLIGHT_MAX_AGE_SECONDS),
        ("Vary", "Origin"),
    ]


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class RequestGuard:
    """WSGI middleware in front of everything the cloud serves, glueline's own routes too."""

    def __init__(self, app: WsgiApp, settings: GuardSettings) -> None:
        self._app = app
        self._settings = settings

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        method = environ.get("REQUEST_METHOD", "GET")
        decision = decide(method, headers, self._settings)
        if decision.refusal is not None:
            log.warning("refused %s %s: %s", method, environ.get("PATH_INFO", ""), decision.refusal)
            body = json.dumps({"message": f"Forbidden: {decision.refusal}"}).encode()
            start_response(
                "403 Forbidden",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        grant = (
            cors_headers(decision.cors_origin, headers.get("access-control-request-headers"))
            if decision.cors_origin
            else []
        )
        if decision.preflight:
            start_response("200 OK", [*grant, ("Content-Length", "0")])
            return [b""]

        def start_with_cors(status: str, response_headers: list[tuple[str, str]], *rest: Any):
            kept = [
                (name, value)
                for name, value in response_headers
                if not name.lower().startswith("access-control-")
            ]
            return start_response(status, [*kept, *grant], *rest)

        return self._app(environ, start_with_cors)
