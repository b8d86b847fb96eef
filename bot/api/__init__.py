"""The REST API, mounted at /api on the web app: /api/v1/..., documented as OpenAPI 3.1
at /api/openapi.json (browsable at /api/docs).

It is a thin layer: each route authenticates the key, checks the scope, calls the same
core service the admin chat calls (which authorises the key again) and shapes the
answer. No business rule lives here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.api import (
    carriers,
    customers,
    order_options,
    orders,
    problems,
    products,
    reports,
    returns,
    stock,
    webhooks,
)
from bot.api.auth import limiter_for
from bot.api.idempotency import HEADER, MAX_KEY, Idempotency
from core.services.context import Shop

# order_options before orders: /orders/options is not an order code.
ROUTERS = [products.router, order_options.router, orders.router, returns.router]
ROUTERS += [stock.router, customers.router, carriers.router, reports.router, webhooks.router]

_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_ANSWERS = {
    "401": "No valid API key.",
    "403": "The key lacks the scope, or may not do this.",
    "404": "No such thing.",
    "409": "It can't be done in the current state.",
    "422": "The request is not valid.",
    "429": "Too many requests for this key; see Retry-After.",
    "503": "The database is not answering.",
}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `code` names the problem, other members "
    "carry its data.",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "invalid_request: what is wrong, and where (body.price, query.limit…).",
            "items": {
                "type": "object",
                "properties": {"where": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}
# Headers some answers carry, documented on them.
_HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    "429": {
        "Retry-After": {
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
            "description": "Seconds to wait before this key's next request.",
        }
    },
}
_REPLAYED = {
    "Idempotent-Replayed": {
        "schema": {"type": "string", "enum": ["true"]},
        "description": "This is the first answer to an earlier request with this "
        "Idempotency-Key, sent again.",
    }
}


MOUNT = "/api"


def mount_api(app: FastAPI, shop: Shop) -> None:
    """The API at /api on the web app. What the web app itself answers under /api (a path
    the mount can't match, such as one holding a newline) is a problem document too."""
    api = create_api(shop)
    app.mount(MOUNT, api)
    outer = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)

    async def answer(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        path = request.scope.get("path", "")
        if path == MOUNT or path.startswith(f"{MOUNT}/"):
            return problems.http_problem(Request({**request.scope, "app": api}), error)
        return await outer(request, error)  # type: ignore[misc]

    app.add_exception_handler(StarletteHTTPException, answer)


def create_api(shop: Shop) -> FastAPI:
    api = FastAPI(
        title="Pedidos API",
        version="1",
        summary="Read and drive the shop: products, stock, orders, returns, customers.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    api.state.shop = shop
    api.state.limiter = limiter_for(shop)
    problems.install(api)
    api.add_middleware(Idempotency, shop=shop)
    v1 = APIRouter(prefix="/v1")
    for router in ROUTERS:
        v1.include_router(router)
    api.include_router(v1)
    api.openapi = lambda: _openapi(api)  # type: ignore[method-assign]
    return api


def _openapi(api: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus what it can't infer: every error answer is a problem
    document, and every POST takes an Idempotency-Key."""
    if api.openapi_schema:
        return api.openapi_schema
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(
        title=api.title,
        version=api.version,
        summary=api.summary,
        routes=api.routes,
        servers=[{"url": "/api"}],
    )
    doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    doc["components"]["schemas"].pop("HTTPValidationError", None)
    doc["components"]["schemas"].pop("ValidationError", None)
    for path in doc["paths"].values():
        for method, operation in path.items():
            answers = operation.setdefault("responses", {})
            for status, description in _ANSWERS.items():
                answers[status] = {
                    "description": description,
                    "content": {"application/problem+json": {"schema": _PROBLEM}},
                }
                if status in _HEADERS:
                    answers[status]["headers"] = _HEADERS[status]
            if method == "post":
                for status, answer in answers.items():
                    if status not in _ANSWERS:
                        answer.setdefault("headers", {}).update(_REPLAYED)
                operation.setdefault("parameters", []).append(
                    {
                        "name": HEADER,
                        "in": "header",
                        "required": False,
                        "description": "A repeat with the same key gets the first answer.",
                        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY},
                    }
                )
    api.openapi_schema = doc
    return doc
