"""The intent labels (fixed: the conversation and the evaluation set use these names)."""

from __future__ import annotations

INTENTS: tuple[str, ...] = (
    "order_status",
    "search",
    "browse_category",
    "add_to_cart",
    "view_cart",
    "checkout",
    "shipping_cost",
    "payment_methods",
    "store_hours",
    "store_location",
    "return_policy",
    "payment_sent",
    "receipt",
    "cancel_order",
    "return_request",
    "human",
    "complaint",
    "greeting",
    "thanks",
    "goodbye",
    "language_en",
    "language_es",
    "menu_help",
    "out_of_scope",
)

# Said alongside a request rather than being one: "hola, ¿dónde está mi pedido?" is
# answered as order_status, and the hello is returned as a secondary intent.
SOCIAL: frozenset[str] = frozenset({"greeting", "thanks", "goodbye"})

# Anger that comes with a request is secondary to it ("NO LLEGA NADA" + tracking).
MOOD: frozenset[str] = frozenset({"complaint"})

ENTITY_TYPES: tuple[str, ...] = (
    "product",
    "category",
    "quantity",
    "order_code",
    "place",
    "payment_method",
)
PAYMENT_METHODS: tuple[str, ...] = (
    "card",
    "cash_on_delivery",
    "transfer",
    "oxxo",
    "spei",
    "paypal",
    "bizum",
    "other",
)
