"""The web app (FastAPI): Telegram's webhook, WhatsApp's webhook, and /healthz.

A webhook call is answered as soon as the update is written down (Telegram waits for
the answer and retries on timeouts); handling it happens after the answer.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from bot.body_limit import BodySizeLimit
from bot.signatures import token_matches
from core.domain.errors import StoreUnavailable
from core.services import health
from core.services.context import Shop

if TYPE_CHECKING:  # the runner loads the channels that are configured
    from bot.telegram import TelegramChannel
    from bot.whatsapp import WhatsAppChannel


def create_app(
    shop: Shop,
    telegram: TelegramChannel | None = None,
    whatsapp: WhatsAppChannel | None = None,
) -> FastAPI:
    app = FastAPI(title="Pedidos", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(BodySizeLimit)  # before any endpoint reads a body
    secret = shop.settings.webhook_secret()

    @app.get("/healthz")
    async def healthz() -> Response:
        try:
            await health.database_answers(shop)
        except StoreUnavailable:
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.post("/telegram/webhook")
    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        if telegram is None or not token_matches(given, secret):
            return Response(status_code=403)
        try:
            update = await request.json()
            fresh = await telegram.accept(update)
        except (ValueError, KeyError, TypeError):
            return Response(status_code=400)
        except StoreUnavailable:
            return Response(status_code=503)  # not written down: Telegram sends it again
        if fresh:
            telegram.schedule(update)
        return Response(status_code=200)

    @app.get("/whatsapp/webhook")
    async def whatsapp_verify(request: Request) -> Response:
        query = request.query_params
        challenge = (
            whatsapp.verify(
                query.get("hub.mode"), query.get("hub.verify_token"), query.get("hub.challenge")
            )
            if whatsapp is not None
            else None
        )
        if challenge is None:
            return Response(status_code=403)
        return PlainTextResponse(challenge)

    @app.post("/whatsapp/webhook")
    async def whatsapp_webhook(request: Request) -> Response:
        if whatsapp is None:
            return Response(status_code=404)
        body = await request.body()
        signature = request.headers.get("X-Hub-Signature-256")
        if not signature:
            return Response(status_code=401)
        if not whatsapp.signed(body, signature):
            return Response(status_code=403)
        try:
            payload = json.loads(body)
        except ValueError:
            return Response(status_code=400)
        try:
            fresh = await whatsapp.accept(payload)
        except StoreUnavailable:
            return Response(status_code=503)  # not written down: Meta sends it again
        for event in fresh:
            whatsapp.schedule(event)
        return Response(status_code=200)

    return app
