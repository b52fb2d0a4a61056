"""The Starlette application: Mapbox Static Images and Static Tiles routes, the style document, health and
metrics. Build it with ``create_app(config)``; ``serve()`` runs it under uvicorn (``glrender serve``).

A request goes: token check (401), rate limit (429), style lookup (404/410), parse and check everything
(static_route.py), ETag / If-None-Match (304), the in-memory image cache, custom marker fetches, then a
render worker (workers.py) with a deadline. Every error is JSON ``{"message": ...}``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.cache import ImageCache, RateLimiter
from server.compose import MarkerArt, RendererFactory, StyleSource
from server.config import ServerConfig, load_config
from server.errors import EXCEPTION_HANDLERS, ApiError, message_response
from server.grammar import MAX_URL_BYTES
from server.markers import MarkerFetcher
from server.metrics import Metrics
from server.static_route import PreparedRequest, StyleInfo, prepare_static, prepare_tile, request_key
from server.styledoc import StyleAssets, public_style
from server.workers import RenderPool

# The spec's caching headers for non-satellite styles.
CACHE_CONTROL = "max-age=43200, s-maxage=43200"
UNAUTHORIZED = "Not Authorized - Invalid Token"


class ServerState:
    def __init__(self, config: ServerConfig, factory: RendererFactory | None, eager: bool,
                 workers: int | None) -> None:
        self.config = config
        self.styles = {e.key: StyleInfo.load(e) for e in config.styles}
        sources = {k: StyleSource(i.entry.path, i.document) for k, i in self.styles.items() if not i.classic}
        n = config.limits.render_workers if workers is None else workers
        self.pool = RenderPool(sources, workers=n, timeout_s=config.limits.render_timeout_s, factory=factory,
                               eager=eager, max_rss_mb=config.limits.worker_max_rss_mb)
        self.cache = ImageCache(int(config.limits.cache_mb * 1024 * 1024))
        self.limiter = RateLimiter(config.limits.requests_per_minute)
        self.markers = MarkerFetcher(config.markers)
        self.metrics = Metrics()
        self.assets = {k: StyleAssets(i.document, i.entry.path) for k, i in self.styles.items() if not i.classic}

    def style(self, owner: str, style_id: str) -> StyleInfo:
        info = self.styles.get(f"{owner}/{style_id}")
        if info is None:
            raise ApiError(404, "Style not found")
        if info.classic:
            raise ApiError(410, "Classic styles are no longer supported")
        return info


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.server
    return state


def _guard(request: Request) -> dict[str, str]:
    """Token check and rate limit for the /styles routes; returns the rate-limit headers."""
    state = _state(request)
    token = request.query_params.get("access_token")
    if state.config.tokens and token not in state.config.tokens:
        raise ApiError(401, UNAUTHORIZED)
    client = token or (request.client.host if request.client else "unknown")
    ok, headers = state.limiter.hit(client)
    if not ok:
        raise _RateLimited(headers)
    return headers


class _RateLimited(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("rate limited")
        self.headers = headers


def _raw_rest(request: Request, marker: str) -> str:
    raw = request.scope.get("raw_path") or request.url.path.encode()
    text = raw.decode("latin-1")
    query = request.scope.get("query_string", b"")
    if len(raw) + len(query) > MAX_URL_BYTES:
        raise ApiError(414, f"The request URL is longer than the {MAX_URL_BYTES}-byte limit.")
    cut = text.find(marker)
    if cut < 0:
        raise ApiError(404, "Not Found")
    return text[cut + len(marker):]


async def _image_response(request: Request, route: str,
                          prepare: Callable[[StyleInfo, str, dict[str, list[str]], str], PreparedRequest],
                          marker: str) -> Response:
    state = _state(request)
    started = time.perf_counter()
    rate_headers = _guard(request)
    info = state.style(request.path_params["owner"], request.path_params["style_id"])
    rest = _raw_rest(request, marker)
    query_items = list(request.query_params.multi_items())
    query: dict[str, list[str]] = {}
    for k, v in query_items:
        query.setdefault(k, []).append(v)
    key = request_key(info, rest, query_items)
    prepared = prepare(info, rest, query, key)
    state.metrics.observe("parse", time.perf_counter() - started)
    etag = f'"{key}"'
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag, **rate_headers}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        state.metrics.cache_event("not_modified")
        return Response(status_code=304, headers=headers)
    hit = state.cache.get(key)
    if hit is not None:
        state.metrics.cache_event("hit")
        return Response(hit[0], media_type=hit[1], headers=headers)
    state.metrics.cache_event("miss")
    job = prepared.job
    if any(m.url for m in job.markers):
        fetched: list[Any] = []
        for item in job.overlays:
            if isinstance(item, MarkerArt) and item.url:
                item = dataclasses.replace(item, image=await run_in_threadpool(state.markers.get, item.url))
            fetched.append(item)
        job = dataclasses.replace(job, overlays=tuple(fetched))
    data, timings = await state.pool.run(job)
    for stage, seconds in timings.items():
        state.metrics.observe(stage, seconds)
    state.metrics.observe("total", time.perf_counter() - started)
    state.cache.put(key, data, prepared.media_type)
    return Response(data, media_type=prepared.media_type, headers=headers)


async def static_image(request: Request) -> Response:
    return await _image_response(request, "static", prepare_static, "/static/")


async def static_tile(request: Request) -> Response:
    margin = _state(request).config.limits.tile_margin
    return await _image_response(request, "tiles", functools.partial(prepare_tile, margin=margin), "/tiles/")


async def style_document(request: Request) -> Response:
    """The style JSON with its local tile, glyph and sprite URLs pointing at this server (styledoc.py)."""
    headers = _guard(request)
    owner, style_id = request.path_params["owner"], request.path_params["style_id"]
    state = _state(request)
    info = state.style(owner, style_id)
    base = str(request.base_url).rstrip("/")
    token = request.query_params.get("access_token")
    doc = public_style(info.document, base, owner, style_id, token, state.assets[info.entry.key].tiled)
    # The URLs inside depend on the origin and token the client used, so they are part of the validator.
    etag = hashlib.sha256(f"{info.version} {base} {token}".encode()).hexdigest()[:32]
    return JSONResponse(doc, headers={"Cache-Control": CACHE_CONTROL, "ETag": f'"{etag}"', **headers})


def _assets(request: Request) -> StyleAssets:
    _guard(request)
    state = _state(request)
    info = state.style(request.path_params["owner"], request.path_params["style_id"])
    return state.assets[info.entry.key]


async def source_tile(request: Request) -> Response:
    assets = _assets(request)
    p = request.path_params
    data, headers, media = await run_in_threadpool(assets.tile, p["source_id"], p["z"], p["x"], p["y"], p["ext"])
    if data is None:
        return Response(status_code=204, headers={"Cache-Control": CACHE_CONTROL})  # an empty tile
    return Response(data, media_type=media, headers={"Cache-Control": CACHE_CONTROL, **headers})


async def source_geojson(request: Request) -> Response:
    data = await run_in_threadpool(_assets(request).geojson, request.path_params["source_id"])
    return Response(data, media_type="application/geo+json", headers={"Cache-Control": CACHE_CONTROL})


async def glyph_range(request: Request) -> Response:
    p = request.path_params
    data = await run_in_threadpool(_assets(request).glyphs, p["fontstack"], p["range"])
    return Response(data, media_type="application/x-protobuf", headers={"Cache-Control": CACHE_CONTROL})


async def sprite_file(request: Request) -> Response:
    p = request.path_params
    name: str = p.get("name", "")
    if "suffix" in p:
        sprite_id, suffix = None, p["suffix"]
    else:
        cut = name.find("@2x.") if "@2x." in name else name.rfind(".")
        sprite_id, suffix = name[:cut], name[cut:]
    data = await run_in_threadpool(_assets(request).sprite, sprite_id, suffix)
    media = "application/json" if suffix.endswith(".json") else "image/png"
    return Response(data, media_type=media, headers={"Cache-Control": CACHE_CONTROL})


async def health(request: Request) -> Response:
    state = _state(request)
    return JSONResponse({"status": "ok", "styles": list(state.styles)})


async def metrics(request: Request) -> Response:
    state = _state(request)
    gauges = {"renders_pending": state.pool.pending, "image_cache_bytes": state.cache.bytes,
              "image_cache_entries": len(state.cache), "render_workers": state.pool.workers,
              "render_workers_replaced_total": state.pool.replaced,
              "render_workers_recycled_total": state.pool.recycled,
              "render_workers_rss_bytes": sum(state.pool.worker_rss_mb) * 2**20,
              "marker_fetches_total": state.markers.fetches}
    return Response(state.metrics.render(gauges), media_type="text/plain; version=0.0.4; charset=utf-8")


async def index(request: Request) -> Response:
    keys = list(_state(request).styles)
    example = f"/styles/v1/{keys[0]}/static/24.944,60.1715,14/512x512" if keys else None
    return JSONResponse({"service": "glrender", "styles": keys, "example": example})


async def _rate_limited(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, _RateLimited)
    return message_response(429, "Too Many Requests", exc.headers)


class _CountRequests:
    """ASGI middleware counting responses by route family and status for /metrics."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        route = ("static" if "/static/" in path else "tiles" if "/tiles/" in path
                 else "style" if path.startswith("/styles/") else path.strip("/") or "index")
        if route not in ("static", "tiles", "style", "health", "metrics", "index"):
            route = "other"

        async def counting_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                scope["app"].state.server.metrics.request(route, int(message["status"]))
            await send(message)

        await self.app(scope, receive, counting_send)


def create_app(config: ServerConfig | None = None, *, renderer_factory: RendererFactory | None = None,
               eager: bool = True, workers: int | None = None,
               extra_routes: list[BaseRoute] | None = None) -> Starlette:
    """The ASGI app for ``config`` (the built-in demo when None). With ``eager`` the render workers start
    now, so a broken style fails before the server listens. ``workers`` overrides the configured
    number of render processes (0: render in this process). ``extra_routes`` mounts other APIs."""
    cfg = config or load_config(None)
    state = ServerState(cfg, renderer_factory, eager, workers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.pool.close()
            for assets in state.assets.values():
                assets.close()

    prefix = "/styles/v1/{owner}/{style_id}"
    routes: list[BaseRoute] = [
        Route("/", index, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route(prefix, style_document, methods=["GET"]),
        Route(prefix + "/sources/{source_id}/{z:int}/{x:int}/{y:int}.{ext}", source_tile, methods=["GET"]),
        Route(prefix + "/sources/{source_id}.geojson", source_geojson, methods=["GET"]),
        Route(prefix + "/glyphs/{fontstack}/{range}.pbf", glyph_range, methods=["GET"]),
        Route(prefix + "/sprite/{name}", sprite_file, methods=["GET"]),
        Route(prefix + "/sprite{suffix}", sprite_file, methods=["GET"]),
        Route(prefix + "/static/{rest:path}", static_image, methods=["GET"]),
        Route(prefix + "/tiles/{rest:path}", static_tile, methods=["GET"]),
        *(extra_routes or []),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        **EXCEPTION_HANDLERS, _RateLimited: _rate_limited}
    app = Starlette(
        routes=routes,
        exception_handlers=handlers,  # type: ignore[arg-type]
        middleware=[Middleware(_CountRequests),
                    Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"],
                               expose_headers=["ETag", "X-Rate-Limit-Interval", "X-Rate-Limit-Limit",
                                               "X-Rate-Limit-Reset"])],
        lifespan=lifespan,
    )
    app.state.server = state
    app.state.config = cfg
    return app


def serve(config_path: str | Path | None = None, host: str | None = None, port: int | None = None) -> None:
    """Run the server in the foreground until interrupted (``glrender serve``)."""
    import uvicorn

    from server.carto.asgi import with_carto

    config = load_config(config_path)
    app = with_carto(create_app(config), config)  # the CARTO Maps API on the same port (server/carto/)
    uvicorn.run(app, host=host or config.host, port=port or config.port, log_level="info",
                timeout_graceful_shutdown=30)
