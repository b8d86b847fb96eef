"""Errors as RFC 9457 problem details (application/problem+json), in the caller's
language (Accept-Language, else the shop's). Domain errors keep their code and data."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.domain.errors import DomainError
from handlers.i18n import N_, Translator, accepted_locale

PROBLEM_TYPE = "application/problem+json"

# code -> (HTTP status, title). Domain errors not listed are the caller's input: 422.
TITLES: dict[str, tuple[int, str]] = {
    "unauthorized": (401, N_("A valid API key is needed: Authorization: Bearer <key>.")),
    "missing_scope": (403, N_("This API key does not have the scope this needs.")),
    "not_allowed": (403, N_("This key may not do that.")),
    "not_found": (404, N_("There is nothing at this address.")),
    "method_not_allowed": (405, N_("This address does not take that method.")),
    "product_not_found": (404, N_("There is no product with that SKU.")),
    "order_not_found": (404, N_("There is no order with that code.")),
    "return_not_found": (404, N_("There is no return with that number.")),
    "carrier_not_found": (404, N_("There is no carrier with that code.")),
    "customer_not_found": (404, N_("There is no customer with that number.")),
    "invalid_transition": (409, N_("That move can't be made from its current status.")),
    "payment_required": (409, N_("The order awaits its payment.")),
    "out_of_stock": (409, N_("Not enough stock.")),
    "refund_too_large": (409, N_("That is more than the payment can still give back.")),
    "concurrent_update": (409, N_("It changed meanwhile: read it again and retry.")),
    "cart_changed": (409, N_("Prices or products changed meanwhile.")),
    "product_exists": (409, N_("A product with that SKU exists already.")),
    "idempotency_key_in_use": (409, N_("A request with this Idempotency-Key is still running.")),
    "idempotency_answer_lost": (
        409,
        N_(
            "The request with this Idempotency-Key made its change, but its answer was lost: "
            "look the result up instead of sending it again."
        ),
    ),
    "idempotency_key_reused": (
        422,
        N_("This Idempotency-Key was used with another request."),
    ),
    "invalid_request": (422, N_("The request is not valid.")),
    "invalid_quantity": (
        422,
        N_("That quantity can't be used here: see minimum and maximum."),
    ),
    "invalid_phone": (422, N_("That is not a phone number the shop can use.")),
    "unknown_shipping_method": (
        422,
        N_("The shop has no such shipping method: GET /v1/orders/options lists them."),
    ),
    "unknown_payment_method": (
        422,
        N_("The shop takes no such payment method: GET /v1/orders/options lists them."),
    ),
    "payment_method_unavailable": (
        422,
        N_("That payment method can't be used for this order."),
    ),
    "nothing_to_refund": (409, N_("Nothing was paid for this, so there is nothing to refund.")),
    "no_receipt": (
        409,
        N_("This order has no receipt: it expired, or was cancelled before it was paid."),
    ),
    "invalid_image_url": (422, N_("The photo must be an http(s) URL of up to 500 characters.")),
    "invalid_carrier": (
        422,
        N_("A carrier needs a code (a-z, 0-9, _), a name and an http(s) link with {tracking}."),
    ),
    "catalog_import_failed": (422, N_("The product's fields are not valid: see errors.")),
    "webhook_not_found": (404, N_("There is no webhook endpoint with that number.")),
    "invalid_webhook": (
        422,
        N_("A webhook endpoint needs an http(s) URL and event types the shop sends."),
    ),
    "too_many_requests": (429, N_("Too many requests for this key: wait and try again.")),
    "store_unavailable": (503, N_("The shop's database is not answering: try again soon.")),
    "internal_error": (500, N_("Something went wrong on our side: try again in a moment.")),
}
DEFAULT_DOMAIN = (422, N_("The shop refused this request."))


class Problem(Exception):
    """Raised by the API layer itself (auth, scopes, idempotency, rate limit)."""

    def __init__(
        self, code: str, *, detail: str = "", headers: dict[str, str] | None = None, **data: Any
    ) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.data = data


def translator(request: Request) -> Translator:
    shop = request.app.state.shop
    locale = accepted_locale(request.headers.get("accept-language", ""))
    return Translator(locale or shop.settings.default_locale, shop.settings.store_country)


def problem_response(
    request: Request,
    code: str,
    *,
    status: int | None = None,
    detail: str = "",
    headers: dict[str, str] | None = None,
    **data: Any,
) -> JSONResponse:
    known_status, title = TITLES.get(code, DEFAULT_DOMAIN)
    status = status or known_status
    t = translator(request)
    body: dict[str, Any] = {
        "type": f"/api/problems#{code}",
        "title": t.gettext(title),
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    body.update({k: _plain(v) for k, v in data.items() if k not in body})
    headers = {**(headers or {}), "Content-Language": t.locale}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_TYPE)


def _plain(value: Any) -> Any:
    """Domain error data as JSON (dataclasses such as stock shortages become objects)."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _domain_data(error: DomainError) -> dict[str, Any]:
    """A domain error's data. Its "code" names an order (or a carrier), not the
    problem: it is answered as order_code (carrier_code); its "status" (an order's or a
    return's) as current_status."""
    data = dict(error.data)
    if "code" in data:
        name = (
            "carrier_code"
            if error.code.startswith(("carrier", "invalid_carrier"))
            else "order_code"
        )
        data[name] = data.pop("code")
    if "status" in data:  # the problem's own HTTP status: the entity's is current_status
        data["current_status"] = data.pop("status")
    return data


_HTTP_CODES = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, error: Problem) -> JSONResponse:
        return problem_response(
            request, error.code, detail=error.detail, headers=error.headers, **error.data
        )

    @app.exception_handler(DomainError)
    async def _domain(request: Request, error: DomainError) -> JSONResponse:
        return problem_response(request, error.code, **_domain_data(error))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"where": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in error.errors()
        ]
        return problem_response(request, "invalid_request", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return http_problem(request, error)

    @app.exception_handler(Exception)
    async def _crash(request: Request, error: Exception) -> JSONResponse:
        # Starlette logs the exception after this answer is sent: not logged twice here.
        return problem_response(request, "internal_error")


def http_problem(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """Starlette's own errors (no route, wrong method, a body that is not UTF-8 JSON)."""
    if error.status_code == 400:  # FastAPI's "error parsing the body": a 422 like the rest
        return problem_response(
            request, "invalid_request", errors=[{"where": "body", "message": str(error.detail)}]
        )
    code = _HTTP_CODES.get(error.status_code, "invalid_request")
    return problem_response(
        request, code, status=error.status_code, headers=dict(error.headers or {})
    )
