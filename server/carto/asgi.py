"""Put the CARTO Maps API in front of the Mapbox app: one process, one port, one configuration file.

CARTO paths (``/api/v1/map...``, ``/api/v3/api_keys...``, each also under ``/user/{user}``) go to a
Starlette app of their own; everything else, lifespan included, goes to the main app untouched. Dispatching here rather
than adding routes to the main app keeps the main app's middleware off CARTO requests: its CORS
middleware answers preflights for GET only and without the ``Authorization``/``Content-Type``
headers, which would refuse the ``POST /api/v1/map`` with a JSON body that carto.js sends.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from server.carto.errors import CartoError, error_response
from server.carto.routes import base_headers, carto_routes

_CARTO_PATH = re.compile(r"^(?:/user/[^/]+)?/api/(?:v1/map|v3/api_keys)(?:/|$)")


def is_carto_path(path: str) -> bool:
    return _CARTO_PATH.match(path) is not None


class WithCarto:
    """ASGI app sending CARTO paths to ``carto`` and the rest to ``main``."""

    def __init__(self, main: ASGIApp, carto: Starlette) -> None:
        self.main = main
        self.carto = carto

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and is_carto_path(scope.get("path", "")):
            await self.carto(scope, receive, send)
        else:
            await self.main(scope, receive, send)

    @property
    def state(self) -> Any:
        """The main app's state, so code holding this wrapper finds the server state where it expects."""
        return getattr(self.main, "state", None)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown CARTO paths and methods answer in CARTO's error shape, with its CORS headers."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = {404: "Not found", 405: "Method not allowed"}.get(status, str(getattr(exc, "detail", "")) or "Error")
    return error_response(request, CartoError(message, status), base_headers())


def with_carto(main: ASGIApp, config: Any) -> WithCarto:
    """``main`` plus the CARTO API configured by ``config`` (a ServerConfig with an optional
    ``[carto]`` table, a CartoConfig, or the raw table). The CARTO service (database, storage, GL
    render thread) is created on the first CARTO request, so a server that never sees one pays nothing."""
    app = Starlette(routes=carto_routes(config), exception_handlers={HTTPException: _http_error})
    return WithCarto(main, app)
