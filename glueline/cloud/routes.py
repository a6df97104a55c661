"""HTTP routes the local cloud serves besides the AWS APIs, under ``/_glueline/``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from glueline.cloud.cloudformation import custom_resources

PREFIX = "/_glueline/"


class GluelineRoutes:
    """WSGI middleware: answers glueline's own paths, hands everything else to moto."""

    def __init__(
        self,
        moto_app: Callable[..., Iterable[bytes]],
        status: Callable[[], dict[str, Any]] = dict,
    ) -> None:
        self._moto_app = moto_app
        self._status = status

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self._moto_app(environ, start_response)
        request = Request(environ)
        return self._dispatch(request, path[len(PREFIX) :])(environ, start_response)

    def _dispatch(self, request: Request, route: str) -> Response:
        if route == "health":
            health = {"status": "running", **self._status()}
            return Response(json.dumps(health), mimetype="application/json")
        if route.startswith("cfn-response/") and request.method == "PUT":
            request_id = route.removeprefix("cfn-response/")
            accepted = custom_resources.RESPONSES.deliver(request_id, request.get_data())
            return Response(status=200 if accepted else 404)
        return Response(json.dumps({"message": f"no such route: {route}"}), status=404)
