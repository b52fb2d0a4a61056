"""The part of CARTO's Auth API that manages regular API keys: ``/api/v3/api_keys[/{name}]``.

Create (201), list, read and delete, all with the master key, as CARTO's Auth API does. Grants of type
``apis`` decide what a key may do here (``maps`` lets it create anonymous maps); ``database`` grants
are kept and returned but not enforced: every key reads the one configured database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.carto.errors import CartoError
from server.carto.keys import ApiKey, key_json, new_key

if TYPE_CHECKING:
    from server.carto.service import CartoService


def _master(request: Request, service: CartoService) -> None:
    from server.carto.routes import api_key

    token = api_key(request)
    key = service.api_key(token) if token else None
    if key is None:
        raise CartoError("Unauthorized", 401, type="auth", subtype="api-key-not-found")
    if key.type != "master":
        raise CartoError("Forbidden", 403, type="auth", subtype="api-key-does-not-grant-access")


def _base(request: Request) -> str:
    return str(request.base_url)


async def create_key(request: Request, service: CartoService) -> Response:
    from server.carto.routes import json_body

    _master(request, service)
    body = await json_body(request, "POST data must be of type application/json")
    key = new_key(body)
    await run_in_threadpool(service.storage.create_api_key, service.config.user, key)  # fsynced write
    return JSONResponse(key_json(key, service.config.user, _base(request)), status_code=201)


async def list_keys(request: Request, service: CartoService) -> Response:
    _master(request, service)
    keys = service.storage.list_api_keys(service.config.user)
    result = [key_json(k, service.config.user, _base(request)) for k in keys]
    return JSONResponse({"count": len(result), "result": result, "total": len(result)})


def _named(request: Request, service: CartoService) -> tuple[str, ApiKey]:
    name = request.path_params["name"]
    key = service.storage.get_api_key(service.config.user, name)
    if key is None:
        raise CartoError(f"API key '{name}' of user '{service.config.user}' not found", 404, type="auth")
    return name, key


async def get_key(request: Request, service: CartoService) -> Response:
    _master(request, service)
    _, key = _named(request, service)
    return JSONResponse(key_json(key, service.config.user, _base(request)))


async def delete_key(request: Request, service: CartoService) -> Response:
    _master(request, service)
    name, key = _named(request, service)
    if key.source == "config":
        raise CartoError(f"API key '{name}' is defined in the configuration file: remove it there", 403,
                         type="auth")
    await run_in_threadpool(service.storage.delete_api_key, service.config.user, name)
    return JSONResponse(key_json(key, service.config.user, _base(request)))
