"""The web app (FastAPI): Telegram's webhook, WhatsApp's webhook (next), and /healthz.

A webhook call is answered as soon as the update is written down (Telegram waits for
the answer and retries on timeouts); handling it happens after the answer.
"""

from __future__ import annotations

import hmac

from fastapi import FastAPI, Request, Response
from sqlalchemy import text

from bot.telegram import TelegramChannel
from core.services.context import Shop


def create_app(shop: Shop, telegram: TelegramChannel | None = None) -> FastAPI:
    app = FastAPI(title="Pedidos", docs_url=None, redoc_url=None, openapi_url=None)
    secret = shop.settings.webhook_secret()

    @app.get("/healthz")
    async def healthz() -> dict:
        async with shop.db.transaction(write=False) as conn:
            await conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.post("/telegram/webhook")
    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if telegram is None or not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        try:
            update = await request.json()
            fresh = await telegram.accept(update)
        except (ValueError, KeyError, TypeError):
            return Response(status_code=400)
        if fresh:
            telegram.schedule(update)
        return Response(status_code=200)

    return app
