"""The Starlette application: the Mapbox Static Images API route and a health check.

Build it with ``create_app(config)``; ``serve()`` runs it under uvicorn (``glrender serve``).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.config import ServerConfig, load_config
from server.errors import EXCEPTION_HANDLERS, ApiError
from server.grammar import BBox, Position, Size, parse_position, parse_size
from server.renderers import RendererFactory, RendererPool

STATIC_ROUTE = "/styles/v1/{owner}/{style_id}/static/{position}/{size}"
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
# The spec's caching headers for non-satellite styles.
CACHE_CONTROL = "max-age=43200, s-maxage=43200"


def render_kwargs(position: Position | BBox, size: Size) -> dict[str, Any]:
    """Renderer.render() arguments for a parsed request."""
    kwargs: dict[str, Any] = {"width": size.width, "height": size.height, "scale": size.scale}
    if isinstance(position, BBox):
        kwargs["bbox"] = (position.west, position.south, position.east, position.north)
        # The spec's default padding: 5 % of the smaller side, rounded up, at most 12 px.
        kwargs["padding"] = min(12, math.ceil(0.05 * min(size.width, size.height)))
    else:
        kwargs.update(center=(position.lon, position.lat), zoom=position.zoom,
                      bearing=position.bearing, pitch=position.pitch)
    return kwargs


async def static_image(request: Request) -> Response:
    pool: RendererPool = request.app.state.pool
    params = request.path_params
    worker = pool.get(params["owner"], params["style_id"])
    if worker is None:
        raise ApiError(404, "Style not found")
    size = parse_size(params["size"])
    if size is None:
        raise HTTPException(404, "Not Found")
    position = parse_position(params["position"])
    image = await worker.render(**render_kwargs(position, size))
    data = await run_in_threadpool(image.encode, size.fmt)
    return Response(data, media_type=MEDIA_TYPES[size.fmt], headers={"Cache-Control": CACHE_CONTROL})


async def health(request: Request) -> Response:
    pool: RendererPool = request.app.state.pool
    return JSONResponse({"status": "ok", "styles": pool.keys()})


async def index(request: Request) -> Response:
    pool: RendererPool = request.app.state.pool
    keys = pool.keys()
    example = f"/styles/v1/{keys[0]}/static/24.944,60.1715,14/512x512" if keys else None
    return JSONResponse({"service": "glrender", "styles": keys, "example": example})


def create_app(config: ServerConfig | None = None, *, renderer_factory: RendererFactory | None = None,
               eager: bool = True) -> Starlette:
    """The ASGI app for ``config`` (the built-in demo when None). With ``eager`` every style is parsed
    and its sources opened now, so a broken configuration fails before the server listens."""
    cfg = config or load_config(None)
    pool = RendererPool(cfg, renderer_factory, eager=eager)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            pool.close()

    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            Route(STATIC_ROUTE, static_image, methods=["GET"]),
            *__import__("server.carto.routes", fromlist=["carto_routes"]).carto_routes(cfg),  # CARTO Maps API
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=lifespan,
    )
    app.state.pool = pool
    app.state.config = cfg
    return app


def serve(config_path: str | Path | None = None, host: str | None = None, port: int | None = None) -> None:
    """Run the server in the foreground until interrupted (``glrender serve``)."""
    import uvicorn

    config = load_config(config_path)
    app = create_app(config)
    uvicorn.run(app, host=host or config.host, port=port or config.port, log_level="info")
