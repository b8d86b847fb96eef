"""The operators' routes on the web app (docs/operations.md):

- GET /metrics: Prometheus' text format; with METRICS_TOKEN set, only for
  `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise);
- GET /readyz: 200 {"status": "ready"} when the database answers and its migrations are
  the newest this code has; 503 with a problem JSON (RFC 9457) otherwise, so a load
  balancer sends no traffic to a worker that could not serve it.

/healthz (bot/web.py) stays the liveness check: the process is up and reaches the
database.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client.exposition import choose_encoder
from sqlalchemy.exc import DBAPIError

from bot.metrics import DatabaseCollector, metrics_registry
from bot.signatures import token_matches
from core.domain.errors import StoreUnavailable
from core.services import health
from core.services import metrics as figures
from core.services.context import Shop

log = logging.getLogger("pedidos.metrics")

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None):
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type=PROBLEM,
        headers=headers,
    )


def operations_router(shop: Shop) -> APIRouter:
    router = APIRouter()
    database = DatabaseCollector()
    registry = metrics_registry(shop, database)
    refreshing = asyncio.Lock()  # scrapes at once read the database once each, in turn
    token = shop.settings.metrics_token

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if token and not _bearer(request, token):
            return problem(
                401,
                "Unauthorized",
                "/metrics needs Authorization: Bearer <METRICS_TOKEN>.",
                {"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        async with refreshing:
            try:
                database.figures = await figures.read_figures(shop)
            except (StoreUnavailable, DBAPIError) as error:
                log.warning("metrics: the database did not answer (%s)", type(error).__name__)
                database.figures = None
            # Prometheus' text format, or OpenMetrics when the scraper asks for it.
            encode, content_type = choose_encoder(request.headers.get("Accept", ""))
            body = encode(registry)  # no await since the read: these figures
        return Response(body, headers={"Content-Type": content_type})

    @router.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        try:
            at_head = await health.schema_at_head(shop)
        except (StoreUnavailable, DBAPIError) as error:
            return problem(
                503, "Not ready", f"The database does not answer ({type(error).__name__})."
            )
        if not at_head:
            return problem(
                503,
                "Not ready",
                "The database's migrations are not the newest this version has: "
                "run `pedidos db upgrade`.",
            )
        return JSONResponse({"status": "ready"})

    return router


def _bearer(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and token_matches(given.strip(), token)
