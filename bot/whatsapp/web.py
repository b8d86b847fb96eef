"""WhatsApp's webhook on the web app: Meta's verification (GET) and the signed calls
(POST). A call is answered as soon as its messages are written down; handling them
happens after the answer."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from core.domain.errors import StoreUnavailable

if TYPE_CHECKING:
    from bot.whatsapp.channel import WhatsAppChannel


def webhook_router(whatsapp: WhatsAppChannel | None) -> APIRouter:
    """With no channel (WhatsApp not set up) the verification is refused and calls
    find nothing."""
    router = APIRouter()

    @router.get("/whatsapp/webhook")
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

    @router.post("/whatsapp/webhook")
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

    return router
