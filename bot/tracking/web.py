"""The carrier tracking webhooks: POST /webhooks/aftership and POST /webhooks/tracking.

The raw body's signature is checked first (401 and nothing changes when it is missing
or wrong), then the body is read (400 when it is not what the format says: sending it
again won't help), then core records the checkpoints. A tracking number no order shipped
with is answered 200 {"status": "ignored"}: the service would otherwise retry it for
days. 503 when the database is away, so the service delivers it again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.payments.webhooks import BadSignature
from bot.tracking import aftership, generic
from bot.tracking.settings import TrackingSettings
from core.domain.errors import StoreUnavailable
from core.domain.tracking import Checkpoint
from core.services import tracking
from core.services.context import Shop

log = logging.getLogger("pedidos.tracking")

AFTERSHIP_PATH = "/webhooks/aftership"
GENERIC_PATH = "/webhooks/tracking"


def tracking_router(shop: Shop, settings: TrackingSettings) -> APIRouter | None:
    """The routes of the webhooks whose secret is set; None when neither is."""
    if not settings.configured:
        return None
    router = APIRouter()

    if settings.aftership_webhook_secret:

        @router.post(AFTERSHIP_PATH)
        async def aftership_webhook(request: Request) -> Response:
            body = await request.body()

            def read() -> tuple[str | None, list[Checkpoint]]:
                aftership.verify(settings.aftership_webhook_secret, body, request.headers)
                zone = shop.settings.store_timezone
                return aftership.checkpoints(_json(body), zone, shop.now())

            return await _answer(shop, "aftership", read, aftership.Unreadable)

    if settings.tracking_webhook_secret:

        @router.post(GENERIC_PATH)
        async def generic_webhook(request: Request) -> Response:
            body = await request.body()

            def read() -> tuple[str | None, list[Checkpoint]]:
                generic.verify(settings.tracking_webhook_secret, body, request.headers)
                number, found = generic.checkpoint(_json(body))
                return number, [found] if found else []

            return await _answer(shop, "generic", read, generic.Unreadable)

    return router


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:  # also a body that is not UTF-8
        raise _NotJson() from None


class _NotJson(ValueError):
    pass


async def _answer(
    shop: Shop,
    source: str,
    read: Callable[[], tuple[str | None, Sequence[Checkpoint]]],
    unreadable: type[ValueError],
) -> Response:
    try:
        number, checkpoints = read()
    except BadSignature as refused:
        log.warning("a %s tracking webhook was refused: %s", source, refused)
        return JSONResponse({"error": "bad signature"}, status_code=401)
    except _NotJson:
        return JSONResponse({"error": "the body is not JSON"}, status_code=400)
    except unreadable as problem:
        return JSONResponse({"error": str(problem)}, status_code=400)
    if not checkpoints:
        if number is not None:
            log.info("%s tracking webhook for %r: nothing to record; ignored", source, number)
        return JSONResponse({"status": "ignored"})
    try:
        outcomes = await tracking.record_checkpoints(shop, checkpoints)
    except StoreUnavailable:
        log.warning("a %s tracking webhook could not be recorded: database unavailable", source)
        return JSONResponse({"error": "database unavailable"}, status_code=503)
    for outcome in outcomes:
        if not outcome.matched:
            log.info(
                "%s tracking webhook for %r: %s; ignored", source, number, outcome.ignored_because
            )
            continue
        log.info(
            "%s tracking %s (order %s): %d new, %d repeated%s",
            source,
            outcome.tracking_number,
            outcome.order_code,
            outcome.recorded,
            outcome.duplicates,
            ", delivered" if outcome.delivered else "",
        )
    if not any(outcome.matched for outcome in outcomes):
        return JSONResponse({"status": "ignored"})
    answer = {
        "status": "ok",
        "recorded": sum(o.recorded for o in outcomes),
        "duplicates": sum(o.duplicates for o in outcomes),
    }
    # Checkpoints of the number's earlier parcel (before this one shipped) were left out.
    earlier = sum(o.earlier for o in outcomes if o.matched)
    if earlier:
        answer["ignored"] = earlier
    return JSONResponse(answer)
