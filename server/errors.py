"""HTTP errors and the one place that maps exceptions to responses.

Every error body is JSON ``{"message": "..."}`` as in the Mapbox APIs. Request validation raises
ApiError with the spec's message and status; library errors (the GlrenderError tree) are mapped here:

* StyleError (and ExpressionError) -> 422: at request time only request-supplied style changes can be
  invalid, because configured styles are parsed when the server starts.
* RenderError -> 422: the camera or output parameters cannot be rendered.
* GLUnavailableError -> 503: the machine has no usable OpenGL; retrying elsewhere may work.
* SourceError, TileError, EncodeError, other GlrenderError -> 500: the server's own data or code failed.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from glrender.errors import (
    EncodeError,
    GlrenderError,
    GLUnavailableError,
    RenderError,
    SourceError,
    StyleError,
    TileError,
)

log = logging.getLogger("glrender.server")

# Most specific first: the first isinstance match wins (GLUnavailableError is a RenderError).
_STATUS_BY_ERROR: tuple[tuple[type[GlrenderError], int], ...] = (
    (GLUnavailableError, 503),
    (StyleError, 422),
    (RenderError, 422),
    (SourceError, 500),
    (TileError, 500),
    (EncodeError, 500),
    (GlrenderError, 500),
)


class ApiError(Exception):
    """A request the API rejects: ``message`` is returned as is, with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def __reduce__(self) -> tuple[type[ApiError], tuple[int, str]]:
        # Errors cross from render processes to the server: rebuild with both fields.
        return (ApiError, (self.status, self.message))


def status_for(exc: GlrenderError) -> int:
    for cls, status in _STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 500  # pragma: no cover - GlrenderError is the last entry


def message_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status, headers=headers)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return message_response(exc.status, exc.message)


def public_message(exc: GlrenderError) -> str:
    """What the client may see: the message for its own bad input, only the error's kind otherwise."""
    status = status_for(exc)
    if status >= 500:
        log.error("render failed: %s: %s", type(exc).__name__, exc)
        if isinstance(exc, GLUnavailableError):
            return f"Rendering is unavailable: {exc}"
        # Server-side details (file paths) stay in the log; the client gets the error's kind.
        return f"Internal rendering error ({type(exc).__name__})"
    return str(exc)


async def glrender_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GlrenderError)
    return message_response(status_for(exc), public_message(exc))


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return message_response(exc.status_code, str(exc.detail), headers)


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("%s %s crashed", request.method, request.url.path, exc_info=exc)
    return message_response(500, "Internal server error")


EXCEPTION_HANDLERS = {
    ApiError: api_error_handler,
    GlrenderError: glrender_error_handler,
    HTTPException: http_exception_handler,
    Exception: unexpected_error_handler,
}
