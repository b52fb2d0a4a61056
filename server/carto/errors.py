"""CARTO's error body and its status rules.

Clients written for CARTO (carto.js, CARTOframes) read ``errors[0]``; the status is either set
explicitly or derived from the message the way Windshaft's error middleware does, so that database
errors passed through verbatim still get the status CARTO would give them.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

# Messages CARTO answers with 429 whatever else they say (timeouts and overload).
_TOO_MANY = ("Render timed out", "canceling statement due to statement timeout", "max waitingClients count exceeded")
# Connection strings must never reach a client.
_CONNINFO = re.compile(r"postgres(?:ql)?://\S+")


class CartoError(Exception):
    """An error answered with CARTO's body. ``status`` None means: derive it from the message."""

    def __init__(self, message: str, status: int | None = None, *, type: str = "unknown",
                 subtype: str | None = None, layer: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.subtype = subtype
        self.layer = layer


def status_for_message(message: str) -> int:
    """Windshaft's mapping from an error message to an HTTP status."""
    if any(m in message for m in _TOO_MANY):
        return 429
    if "permission denied" in message or "authentication failed" in message:
        return 403
    if re.search(r"Postgis Plugin.*column.*does not exist", message, re.S):
        return 400
    if "does not exist" in message:
        if re.search(r"(?:^|\s)role\s", message):  # Windshaft's / role /; PostgreSQL's own text starts with it
            return 403
        if re.search(r"function .* does not exist", message, re.S):
            return 400
        return 404
    return 400


def error_body(exc: CartoError) -> dict[str, Any]:
    message = _CONNINFO.sub("<connection>", exc.message)
    context: dict[str, Any] = {"type": exc.type, "message": message}
    if exc.subtype:
        context["subtype"] = exc.subtype
    if exc.layer is not None:
        context["layer"] = exc.layer
    return {"errors": [message], "errors_with_context": [context]}


def error_status(exc: CartoError) -> int:
    if any(m in exc.message for m in _TOO_MANY):
        return 429
    return exc.status if exc.status is not None else status_for_message(exc.message)


def error_response(request: Request, exc: CartoError, headers: dict[str, str]) -> Response:
    """The JSON (or JSONP, always 200 as CARTO does) error answer."""
    body = error_body(exc)
    callback = request.query_params.get("callback")
    if callback and re.fullmatch(r"[A-Za-z_$][\w$.]*", callback):
        import json

        text = f"/**/ typeof {callback} === 'function' && {callback}({json.dumps(body)});"
        return Response(text, 200, headers=headers, media_type="text/javascript; charset=utf-8")
    return JSONResponse(body, error_status(exc), headers=headers)
