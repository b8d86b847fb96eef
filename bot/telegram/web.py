"""Telegram's webhook on the web app.

A call is answered as soon as the update is written down (Telegram waits for the answer
and retries on timeouts); handling it happens after the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response

from bot.signatures import token_matches
from core.domain.errors import StoreUnavailable

if TYPE_CHECKING:
    from bot.telegram.channel import TelegramChannel


def webhook_router(telegram: TelegramChannel | None, secret: str) -> APIRouter:
    """With no channel (TELEGRAM_BOT_TOKEN unset) every call is refused."""
    router = APIRouter()

    @router.post("/telegram/webhook")
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

    return router
