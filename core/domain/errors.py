"""Coded domain errors. They carry data for the caller to explain; never user text."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, **data: object) -> None:
        super().__init__(self.code, data)
        self.data = data


class InvalidAmount(DomainError):
    code = "invalid_amount"

    def __init__(self, value: str) -> None:
        super().__init__(value=value)


class InvalidQuantity(DomainError):
    code = "invalid_quantity"


class ProductNotFound(DomainError):
    code = "product_not_found"


class ProductInactive(DomainError):
    code = "product_inactive"


class OrderNotFound(DomainError):
    code = "order_not_found"


class ReturnNotFound(DomainError):
    code = "return_not_found"


class CarrierNotFound(DomainError):
    code = "carrier_not_found"


class InvalidTrackingNumber(DomainError):
    code = "invalid_tracking_number"


class EmptyCart(DomainError):
    code = "empty_cart"


class UnknownShippingMethod(DomainError):
    code = "unknown_shipping_method"


class UnknownPaymentMethod(DomainError):
    code = "unknown_payment_method"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class NotAllowed(DomainError):
    """The actor may not do this (a customer trying a merchant action)."""

    code = "not_allowed"


class PaymentMismatch(DomainError):
    code = "payment_mismatch"


class RefundTooLarge(DomainError):
    code = "refund_too_large"


class NothingToRefund(DomainError):
    """Nothing was paid for the order (or the return's order): no money to give back."""

    code = "nothing_to_refund"


class NoReceipt(DomainError):
    """The order has no receipt: it expired, or was cancelled before anything was paid
    (nothing was sold): code, order_status."""

    code = "no_receipt"


class ReturnWindowClosed(DomainError):
    code = "return_window_closed"


class InvalidReturn(DomainError):
    code = "invalid_return"


class InvalidRating(DomainError):
    code = "invalid_rating"


class MissingCheckoutDetails(DomainError):
    code = "missing_checkout_details"


class TooManyOpenOrders(DomainError):
    """The customer already has `limit` open orders with no payment received (`codes`,
    newest first): one must be paid or cancelled before another can be placed."""

    code = "too_many_open_orders"

    def __init__(self, limit: int, codes: list[str]) -> None:
        super().__init__(limit=limit, codes=codes)
        self.limit = limit
        self.codes = codes


@dataclass(frozen=True)
class StockShortage:
    sku: str
    name: str
    requested: int
    available: int


class OutOfStock(DomainError):
    """One or more cart lines can't be reserved; `shortages` says which and how many."""

    code = "out_of_stock"

    def __init__(self, shortages: list[StockShortage]) -> None:
        super().__init__(shortages=shortages)
        self.shortages = shortages


@dataclass(frozen=True)
class PriceChange:
    sku: str
    name: str
    old_price: int
    new_price: int


class CartChanged(DomainError):
    """Prices or availability changed since the items were added; the cart was fixed."""

    code = "cart_changed"

    def __init__(
        self,
        shortages: list[StockShortage],
        price_changes: list[PriceChange],
        removed: list[str],
    ) -> None:
        super().__init__(shortages=shortages, price_changes=price_changes, removed=removed)
        self.shortages = shortages
        self.price_changes = price_changes
        self.removed = removed


class StoreUnavailable(DomainError):
    """The database can't be reached right now; nothing was changed."""

    code = "store_unavailable"
