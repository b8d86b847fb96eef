"""The web app (FastAPI): /healthz, each channel's routes (bot/<channel>/web.py: webhooks,
the web chat), the tracking pages and their static files (bot/web_pages/)."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse

from bot.api import mount_api
from bot.body_limit import BodySizeLimit
from bot.operations import operations_router
from bot.web_pages import static_router
from bot.web_pages.tracking import tracking_page_router
from core.domain.errors import StoreUnavailable
from core.services import health
from core.services.context import Shop


def create_app(shop: Shop, routers: Iterable[APIRouter] = ()) -> FastAPI:
    app = FastAPI(title="Pedidos", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(BodySizeLimit)  # before any endpoint reads a body

    @app.get("/healthz")
    async def healthz() -> Response:
        try:
            await health.database_answers(shop)
        except StoreUnavailable:
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    app.include_router(operations_router(shop))  # /metrics, /readyz (bot/operations.py)
    app.include_router(static_router())  # /static: the pages' CSS and JavaScript
    app.include_router(tracking_page_router(shop))  # /t/<token>: the order tracking page
    for router in routers:
        app.include_router(router)
    mount_api(app, shop)  # the REST API at /api (bot/api/)
    return app
