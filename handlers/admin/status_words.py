"""The words an admin types after /pedidos to see the orders in one status.

Admins type what comes to mind, in Spanish or English: "entregados", "por confirmar",
"pendientes de pago", "enviado", "cancelled". Case, accents, plural and gender don't
matter ("Entregadas" is "entregado"), and the status's own name works too
("awaiting_confirmation", what the old buttons carry).
"""

from __future__ import annotations

from typing import Literal

from core.domain.orders import OrderStatus
from handlers.i18n import Translator
from handlers.intents import fold

ALL = "all"
# Not a status: transfer and card orders with no payment yet, whichever status they are
# in (an unpaid transfer waits for the shop's confirmation too).
AWAITING_PAYMENT = "awaiting_payment"
S = OrderStatus
P = AWAITING_PAYMENT

# Each phrase as `key` makes it: singular, masculine, no accents.
PHRASES: dict[str, OrderStatus | Literal["all", "awaiting_payment"]] = {
    # every order
    "todo": ALL, "toda": ALL, "all": ALL, "every": ALL,
    # transfer and card orders waiting for their payment
    "pendiente de pago": P, "por pagar": P, "sin pagar": P, "esperando pago": P,
    "esperando el pago": P, "no pagado": P, "awaiting payment": P, "waiting for payment": P,
    "pending payment": P, "unpaid": P,
    # waiting for the shop to confirm them: what an admin means by "pending" or "new"
    "por confirmar": S.AWAITING_CONFIRMATION, "sin confirmar": S.AWAITING_CONFIRMATION,
    "pendiente": S.AWAITING_CONFIRMATION, "nuevo": S.AWAITING_CONFIRMATION,
    "esperando confirmacion": S.AWAITING_CONFIRMATION,
    "awaiting confirmation": S.AWAITING_CONFIRMATION, "to confirm": S.AWAITING_CONFIRMATION,
    "unconfirmed": S.AWAITING_CONFIRMATION, "pending": S.AWAITING_CONFIRMATION,
    "new": S.AWAITING_CONFIRMATION,
    "confirmado": S.CONFIRMED, "confirmed": S.CONFIRMED,
    "preparando": S.PREPARING, "en preparacion": S.PREPARING, "preparacion": S.PREPARING,
    "preparing": S.PREPARING, "being prepared": S.PREPARING,
    "empacado": S.PACKED, "empaquetado": S.PACKED, "packed": S.PACKED,
    "enviado": S.SHIPPED, "en camino": S.SHIPPED, "despachado": S.SHIPPED,
    "shipped": S.SHIPPED, "sent": S.SHIPPED, "on its way": S.SHIPPED,
    "entregado": S.DELIVERED, "delivered": S.DELIVERED,
    "cancelado": S.CANCELLED, "rechazado": S.CANCELLED, "cancelled": S.CANCELLED,
    "canceled": S.CANCELLED, "rejected": S.CANCELLED,
    "expirado": S.EXPIRED, "vencido": S.EXPIRED, "caducado": S.EXPIRED, "expired": S.EXPIRED,
}  # fmt: skip


def _singular(word: str) -> str:
    """entregados -> entregado, canceladas -> cancelado, pendientes -> pendiente."""
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us")):
        word = word[:-1]
    if word.endswith(("ada", "ida")):
        word = word[:-1] + "o"
    return word


def key(text: str) -> str:
    words = fold(text.replace("_", " ").replace("-", " ")).split()
    return " ".join(_singular(word) for word in words)


def status_from_words(text: str) -> OrderStatus | Literal["all", "awaiting_payment"] | None:
    """The status the words name, ALL for no words or "todos", None when unknown."""
    if not text.strip():
        return ALL
    found = PHRASES.get(key(text))
    if found is None:
        found = next((status for status in OrderStatus if key(status) == key(text)), None)
    return found


def words_that_work(t: Translator) -> str:
    """The words to suggest, in the admin's language (each one is in PHRASES)."""
    return t.gettext(
        "awaiting confirmation, awaiting payment, confirmed, preparing, packed, shipped, "
        "delivered, cancelled, expired, all"
    )
