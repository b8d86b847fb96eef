"""The payment providers' webhooks, and the page customers come back to after paying.

A webhook is only believed to say which payment or link to read: its signature is
checked (a bad one is refused with 401 and changes nothing), then core reads the
payment from the provider's API and records it once, however often it is delivered.
When the provider can't be read the answer is 503, so the provider delivers it again
(the reconciliation job would find the payment anyway).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from bot.payments.webhooks import BadSignature
from core.domain.payment_links import PaymentProviderError, ProviderRefused
from core.services import payment_links
from core.services.context import Shop
from handlers.i18n import Translator

log = logging.getLogger("pedidos.payments")


def payments_router(shop: Shop) -> APIRouter:
    router = APIRouter()

    @router.post("/payments/mercadopago/webhook")
    async def mercadopago_webhook(request: Request) -> Response:
        provider = shop.payment_provider("mercadopago")
        if provider is None:
            return JSONResponse({"error": "mercado pago is not configured"}, status_code=404)
        body = await request.body()

        def named() -> dict[str, str]:
            payment_id = provider.notice(request.query_params, request.headers, body)  # type: ignore[attr-defined]
            return {"payment_id": payment_id} if payment_id else {}

        return await _answer("mercadopago", named, shop)

    @router.post("/payments/stripe/webhook")
    async def stripe_webhook(request: Request) -> Response:
        provider = shop.payment_provider("stripe")
        if provider is None:
            return JSONResponse({"error": "stripe is not configured"}, status_code=404)
        body = await request.body()

        def named() -> dict[str, str]:
            found = provider.notice(request.headers, body)  # type: ignore[attr-defined]
            if found is None:
                return {}
            kind, object_id = found
            return {"payment_id": object_id} if kind == "payment" else {"link_ref": object_id}

        return await _answer("stripe", named, shop)

    @router.get("/payments/return")
    async def back_from_paying() -> Response:
        t = Translator(shop.settings.default_locale, shop.settings.store_country)
        _ = t.gettext
        title = _("Thank you")
        text = _(
            "You can close this page and go back to the chat: we write to you there as soon "
            "as the payment is confirmed."
        )
        page = (
            f'<!doctype html><html lang="{t.locale}"><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(shop.settings.store_name)}</title>"
            f"<h1>{escape(title)}</h1><p>{escape(text)}</p></html>"
        )
        return HTMLResponse(page)

    return router


async def _answer(provider: str, named: Callable[[], dict[str, str]], shop: Shop) -> Response:
    try:
        what = named()
    except BadSignature:
        log.warning("a %s webhook with a bad signature was refused", provider)
        return JSONResponse({"error": "bad signature"}, status_code=401)
    if not what:
        return JSONResponse({"status": "ignored"})
    try:
        outcomes = await payment_links.payment_notice(shop, provider, **what)
    except ProviderRefused as refused:
        # The provider has no such payment (its panel's test notice, say): sending it
        # again would not help, and a real one is found by the reconciliation job.
        log.warning("a %s webhook names what the provider refuses: %s", provider, refused.data)
        return JSONResponse({"status": "ignored"})
    except PaymentProviderError as problem:
        log.warning("a %s webhook: the provider could not be read: %s", provider, problem.data)
        return JSONResponse({"error": "provider unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "orders": outcomes})
