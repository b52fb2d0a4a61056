"""HTTP routes of the CARTO Maps API (anonymous and named maps, static images).

Layer SQL, storage writes (each one fsynced) and rendering run off the event loop, so a slow query
never stalls the other requests the same server answers (the Mapbox API shares the loop). Every route
exists as ``/api/v1/map...`` and ``/user/{user}/api/v1/map...``; all users map to the one
configured account. Each handler answers CARTO's error body itself (``errors`` /
``errors_with_context``) so the rest of the server's error handling stays untouched.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.carto import authapi
from server.carto.config import CartoConfig
from server.carto.errors import CartoError, error_response
from server.carto.geometry import MAX_SIZE, View, bbox_view
from server.carto.render import check_format
from server.carto.service import CartoService, Layergroup, template_name
from server.carto.template import check_template

log = logging.getLogger("glrender.server.carto")
ALLOW_HEADERS = ("X-Requested-With, X-Prototype-Version, X-CSRF-Token, Authorization, Carto-Event, "
                 "Carto-Event-Source, Carto-Event-Group-Id")
FALLBACK_TTL = 300  # seconds; static images expire at the next multiple, as CARTO's fallback TTL
LAYERGROUP_CACHE = "public,max-age=86400,must-revalidate"
MEDIA = {"png": "image/png", "jpg": "image/jpeg"}
Handler = Callable[[Request, CartoService], Awaitable[Response]]


def base_headers() -> dict[str, str]:
    return {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": ALLOW_HEADERS,
            "Vary": "Authorization"}


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        service: CartoService = request.app.state.carto
        try:
            response = await handler(request, service)
        except CartoError as exc:
            return error_response(request, exc, base_headers())
        except Exception:  # a bug must still answer in CARTO's shape
            log.exception("%s %s crashed", request.method, request.url.path)
            return error_response(request, CartoError("Internal server error", 500), base_headers())
        for k, v in base_headers().items():
            response.headers.setdefault(k, v)
        return response

    return run


def api_key(request: Request, body: Any = None) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            _, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            password = ""
        if password:
            return password
    key = request.query_params.get("api_key") or request.query_params.get("map_key")
    if key:
        return key
    if isinstance(body, dict) and isinstance(body.get("api_key"), str):
        return body["api_key"]
    return None


def require_master(request: Request, service: CartoService, verb: str, body: Any = None) -> None:
    """Named-map administration needs the master key: no key 403, unknown key 401, other keys 403."""
    token = api_key(request, body)
    if token is None:
        raise CartoError(f"Only authenticated users can {verb} templated maps", 403, type="auth")
    key = service.api_key(token)
    if key is None:
        raise CartoError("Unauthorized", 401, type="auth", subtype="api-key-not-found")
    if key.type != "master":
        raise CartoError("Forbidden", 403, type="auth", subtype="api-key-does-not-grant-access")


def check_map_key(request: Request, service: CartoService, body: Any = None, creating: bool = True) -> None:
    """Every map route: no key is the default public key (unless the configuration demands a key to
    create anonymous maps); a key that is sent must exist and grant the Maps API, as CARTO's authorize
    step checks it on every request."""
    token = api_key(request, body)
    if token is None:
        if creating and service.config.require_api_key:
            raise CartoError("Unauthorized", 401, type="auth", subtype="api-key-not-found")
        return
    key = service.api_key(token)
    if key is None:
        raise CartoError("Unauthorized", 401, type="auth", subtype="api-key-not-found")
    if not key.grants_maps():
        raise CartoError("Forbidden", 403, type="auth", subtype="api-key-does-not-grant-access")


async def json_body(request: Request, message: str) -> Any:
    if "application/json" not in request.headers.get("content-type", ""):
        raise CartoError(message, 400, type="unknown")
    try:
        return json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CartoError(f"Invalid JSON: {exc}", 400, type="unknown") from None


def jsonp_or_json(request: Request, body: Any, headers: dict[str, str]) -> Response:
    callback = request.query_params.get("callback")
    if callback:
        if not re.fullmatch(r"[A-Za-z_$][\w$.]*", callback):
            raise CartoError("callback parameter should be present and be a function name", 400)
        text = f"/**/ typeof {callback} === 'function' && {callback}({json.dumps(body)});"
        return Response(text, 200, headers=headers, media_type="text/javascript; charset=utf-8")
    return JSONResponse(body, headers=headers)


def auth_tokens(request: Request) -> list[str]:
    return request.query_params.getlist("auth_token")


# -- anonymous maps
async def create_map_post(request: Request, service: CartoService) -> Response:
    body = await json_body(request, "POST data must be of type application/json")
    check_map_key(request, service, body)
    result, token = await run_in_threadpool(service.create_layergroup, body)
    return JSONResponse(result, headers={"X-Layergroup-Id": token})


async def create_map_get(request: Request, service: CartoService) -> Response:
    text = request.query_params.get("config")
    if not text:
        raise CartoError('layergroup GET needs a "config" parameter', 400)
    check_map_key(request, service)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CartoError(f"Invalid JSON in config parameter: {exc}", 400) from None
    result, token = await run_in_threadpool(service.create_layergroup, raw)
    return jsonp_or_json(request, result, {"X-Layergroup-Id": token, "Cache-Control": LAYERGROUP_CACHE})


# -- named maps
async def list_templates(request: Request, service: CartoService) -> Response:
    require_master(request, service, "list")
    return JSONResponse({"template_ids": service.storage.list_templates(service.config.user)})


async def create_template(request: Request, service: CartoService) -> Response:
    body = await json_body(request, "POST template data must be of type application/json")
    require_master(request, service, "create", body)
    t = check_template(body)
    cfg = service.config
    count = await run_in_threadpool(service.storage.create_template, cfg.user, t["name"], t, cfg.max_templates)
    result: dict[str, Any] = {"template_id": t["name"]}
    if cfg.max_templates - count < 100:
        result["limit_message"] = f"User '{cfg.user}' is near the limit on number of templates " \
                                  f"({count}/{cfg.max_templates})"
    return JSONResponse(result)


async def get_template(request: Request, service: CartoService) -> Response:
    require_master(request, service, "get")
    t = service.template(request.path_params["name"], "Cannot find template '{name}' of user '{user}'")
    return JSONResponse({"template": t})


async def update_template(request: Request, service: CartoService) -> Response:
    body = await json_body(request, "PUT template data must be of type application/json")
    require_master(request, service, "update", body)
    name = template_name(request.path_params["name"])
    t = check_template(body)
    if t["name"] != name:
        raise CartoError(f"Cannot update name of a map template ('{name}' != '{t['name']}')", 400,
                         type="templates")
    if not await run_in_threadpool(service.storage.update_template, service.config.user, name, t):
        raise CartoError(f"Template '{name}' of user '{service.config.user}' does not exist", 404,
                         type="templates")
    return JSONResponse({"template_id": name})


async def delete_template(request: Request, service: CartoService) -> Response:
    require_master(request, service, "delete")
    name = template_name(request.path_params["name"])
    if not await run_in_threadpool(service.storage.delete_template, service.config.user, name):
        raise CartoError(f"Template '{name}' of user '{service.config.user}' does not exist", 404,
                         type="templates")
    return Response(status_code=204)


async def instantiate_post(request: Request, service: CartoService) -> Response:
    check_map_key(request, service, creating=False)
    raw = await request.body()
    try:
        params = json.loads(raw) if raw.strip() else {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CartoError(f"Invalid JSON: {exc}", 400) from None
    body, token, _ = await run_in_threadpool(service.instantiate, request.path_params["name"], params,
                                             auth_tokens(request))
    return JSONResponse(body, headers={"X-Layergroup-Id": token})


async def instantiate_jsonp(request: Request, service: CartoService) -> Response:
    check_map_key(request, service, creating=False)
    if not request.query_params.get("callback"):
        raise CartoError("callback parameter should be present and be a function name", 400)
    params = _config_param(request)
    body, token, _ = await run_in_threadpool(service.instantiate, request.path_params["name"], params,
                                             auth_tokens(request))
    return jsonp_or_json(request, body, {"X-Layergroup-Id": token, "Cache-Control": LAYERGROUP_CACHE})


def _config_param(request: Request) -> Any:
    text = request.query_params.get("config")
    if not text:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CartoError(f"Invalid JSON in config parameter: {exc}", 400) from None


# -- static images
def _size(request: Request) -> tuple[int, int, str]:
    p = request.path_params
    fmt = check_format(p["format"])
    try:
        width, height = int(p["width"]), int(p["height"])
    except ValueError:
        raise CartoError("Invalid image size: width and height must be integers", 400) from None
    if width > MAX_SIZE or height > MAX_SIZE:
        raise CartoError("Desired image is too large.", 400, type="limit")
    if width < 1 or height < 1:
        raise CartoError("Invalid image size: width and height must be positive", 400)
    return width, height, fmt


async def _image(service: CartoService, data: bytes, fmt: str, lg: Layergroup, template: str | None = None) -> Response:
    ttl = FALLBACK_TTL - int(time.time()) % FALLBACK_TTL
    headers = await run_in_threadpool(service.image_headers, lg.config, lg.cachebuster, template)  # SQL: off the loop
    return Response(data, media_type=MEDIA[fmt], headers={"Cache-Control": f"public,max-age={ttl}", **headers})


async def static_center(request: Request, service: CartoService) -> Response:
    check_map_key(request, service, creating=False)
    width, height, fmt = _size(request)
    z = request.path_params["z"]
    if not re.fullmatch(r"\d+", z):
        raise CartoError(f"Invalid zoom value ({z}). It should be an integer number greather than or equal to 0",
                         400)
    try:
        lat, lng = float(request.path_params["lat"]), float(request.path_params["lng"])
    except ValueError:
        raise CartoError("Invalid center: lat and lng must be numbers", 400) from None
    lg = service.load_layergroup(request.path_params["token"], auth_tokens(request))
    view = View(min(int(z), 24), lng, lat, width, height)
    data = await service.render(lg.config, request.query_params.get("layer"), view, fmt)
    return await _image(service, data, fmt, lg)


async def static_bbox(request: Request, service: CartoService) -> Response:
    check_map_key(request, service, creating=False)
    width, height, fmt = _size(request)
    try:
        w, s, e, n = (float(v) for v in request.path_params["bbox"].split(","))
    except ValueError:
        raise CartoError("Invalid bbox: expected west,south,east,north", 400) from None
    lg = service.load_layergroup(request.path_params["token"], auth_tokens(request))
    view = bbox_view(w, s, e, n, width, height)
    data = await service.render(lg.config, request.query_params.get("layer"), view, fmt)
    return await _image(service, data, fmt, lg)


async def static_named(request: Request, service: CartoService) -> Response:
    check_map_key(request, service, creating=False)
    width, height, fmt = _size(request)
    body, token, t = await run_in_threadpool(service.instantiate, request.path_params["name"], _config_param(request),
                                             auth_tokens(request))
    lg = service.load_layergroup(token.split("@")[-1], [])
    query = dict(request.query_params)
    view = await run_in_threadpool(service.named_view, t, lg.config, query, width, height)
    layer = request.query_params.get("layer") or service.preview_layers(t, lg.config)
    data = await service.render(lg.config, layer, view, fmt)
    return await _image(service, data, fmt, lg, t["name"])


async def preflight(request: Request, service: CartoService) -> Response:
    headers = base_headers()
    headers["Access-Control-Allow-Headers"] += ", Content-Type"
    headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
    return Response(status_code=200, headers=headers)


_ROUTES: list[tuple[str, Handler, list[str]]] = [
    ("/api/v1/map", create_map_post, ["POST"]),
    ("/api/v1/map", create_map_get, ["GET"]),
    ("/api/v1/map/static/center/{token}/{z}/{lat}/{lng}/{width}/{height}.{format}", static_center, ["GET"]),
    ("/api/v1/map/static/bbox/{token}/{bbox}/{width}/{height}.{format}", static_bbox, ["GET"]),
    ("/api/v1/map/static/named/{name}/{width}/{height}.{format}", static_named, ["GET"]),
    ("/api/v1/map/named", list_templates, ["GET"]),
    ("/api/v1/map/named", create_template, ["POST"]),
    ("/api/v1/map/named/{name}/jsonp", instantiate_jsonp, ["GET"]),
    ("/api/v1/map/named/{name}", get_template, ["GET"]),
    ("/api/v1/map/named/{name}", update_template, ["PUT"]),
    ("/api/v1/map/named/{name}", delete_template, ["DELETE"]),
    ("/api/v1/map/named/{name}", instantiate_post, ["POST"]),
    ("/api/v1/map", preflight, ["OPTIONS"]),
    ("/api/v1/map/named", preflight, ["OPTIONS"]),
    ("/api/v1/map/named/{name}", preflight, ["OPTIONS"]),
    ("/api/v3/api_keys", authapi.create_key, ["POST"]),
    ("/api/v3/api_keys", authapi.list_keys, ["GET"]),
    ("/api/v3/api_keys/{name}", authapi.get_key, ["GET"]),
    ("/api/v3/api_keys/{name}", authapi.delete_key, ["DELETE"]),
    ("/api/v3/api_keys", preflight, ["OPTIONS"]),
    ("/api/v3/api_keys/{name}", preflight, ["OPTIONS"]),
]


def carto_routes(raw_config: Any = None, service: CartoService | None = None) -> list[BaseRoute]:
    """The CARTO API routes. The app must hold a CartoService as ``app.state.carto``; ``install`` does it
    lazily on first use from ``raw_config`` (the ``[carto]`` table) when none was set."""
    from server.carto.config import parse_carto

    if isinstance(raw_config, CartoConfig):
        config = raw_config
    elif hasattr(raw_config, "extra"):  # a ServerConfig: read its [carto] table, paths relative to its file
        source = Path(str(getattr(raw_config, "source", "")))
        base = source.resolve().parent if source.is_file() else None
        config = parse_carto(raw_config.extra.get("carto"), base)
    else:
        config = parse_carto(raw_config)
    holder: dict[str, CartoService] = {}

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        inner = endpoint(handler)

        async def run(request: Request) -> Response:
            if getattr(request.app.state, "carto", None) is None:
                if "svc" not in holder:
                    holder["svc"] = service or CartoService(config)
                request.app.state.carto = holder["svc"]
            return await inner(request)

        return run

    routes: list[BaseRoute] = []
    for prefix in ("", "/user/{user}"):
        for path, handler, methods in _ROUTES:
            routes.append(Route(prefix + path, wrap(handler), methods=methods))
    return routes
