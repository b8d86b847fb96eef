"""Understanding free text without a network model: accents, case and small typos
don't matter ("donde esta mi pedio" is "¿dónde está mi pedido?")."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from rapidfuzz import fuzz

from core.domain.orders import normalize_order_code


class Intent(StrEnum):
    TRACK = "track"
    CANCEL = "cancel"
    RETURN = "return"
    HUMAN = "human"
    CART = "cart"
    CHECKOUT = "checkout"
    CATALOG = "catalog"
    ORDERS = "orders"
    GREETING = "greeting"
    HELP = "help"
    LANGUAGE = "language"
    THANKS = "thanks"


PHRASES: dict[Intent, list[str]] = {
    Intent.TRACK: [
        "donde esta mi pedido",
        "mi pedido no llega",
        "estado de mi pedido",
        "rastrear mi pedido",
        "rastreo",
        "seguimiento de mi pedido",
        "cuando llega mi pedido",
        "ya enviaron mi pedido",
        "where is my order",
        "track my order",
        "order status",
        "where is my package",
        "tracking",
    ],
    Intent.CANCEL: ["cancelar", "cancelar mi pedido", "cancel", "cancel my order"],
    Intent.RETURN: [
        "quiero devolver",
        "devolucion",
        "hacer una devolucion",
        "reembolso",
        "quiero un cambio",
        "return",
        "i want to return",
        "refund",
        "exchange",
    ],
    Intent.HUMAN: [
        "hablar con una persona",
        "hablar con alguien",
        "hablar con un humano",
        "humano",
        "agente",
        "asesor",
        "atencion al cliente",
        "talk to a person",
        "speak to someone",
        "human",
        "agent",
        "customer service",
    ],
    Intent.CART: ["carrito", "mi carrito", "ver carrito", "cart", "my cart", "basket"],
    Intent.CHECKOUT: ["pagar", "finalizar compra", "checkout", "pay", "comprar ya"],
    Intent.CATALOG: [
        "catalogo",
        "ver catalogo",
        "productos",
        "ver productos",
        "quiero comprar",
        "tienda",
        "catalog",
        "products",
        "shop",
        "browse",
    ],
    Intent.ORDERS: ["mis pedidos", "mis compras", "my orders", "orders", "pedidos"],
    Intent.GREETING: [
        "hola",
        "buenas",
        "buenos dias",
        "buenas tardes",
        "buenas noches",
        "hi",
        "hello",
        "hey",
        "menu",
        "inicio",
        "start",
        "ola",
    ],
    Intent.HELP: ["ayuda", "help", "que puedo hacer", "what can i do", "como funciona"],
    Intent.LANGUAGE: ["idioma", "language", "cambiar idioma", "english", "espanol"],
    Intent.THANKS: ["gracias", "muchas gracias", "thanks", "thank you"],
}

THRESHOLD = 85
_CODE = re.compile(r"\bped[\s-]?[a-z0-9]{5}\b", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s-]", " ", plain).split())


def find_order_code(text: str) -> str | None:
    match = _CODE.search(text)
    if match:
        return normalize_order_code(match.group(0))
    stripped = text.strip()
    if len(stripped) <= 12:
        return normalize_order_code(stripped) if stripped.upper().startswith("PED") else None
    return None


def detect(text: str) -> Intent | None:
    """The intent the text most likely expresses, or None."""
    folded = fold(text)[:200]
    if not folded:
        return None
    best: tuple[float, Intent | None] = (0.0, None)
    for intent, phrases in PHRASES.items():
        for phrase in phrases:
            score = fuzz.ratio(folded, phrase)
            if len(phrase) >= 8 and len(folded) > len(phrase):
                # "hola, ¿dónde está mi pedido?" contains the phrase
                score = max(score, fuzz.partial_ratio(phrase, folded) - 3)
            if score > best[0]:
                best = (score, intent)
    return best[1] if best[0] >= THRESHOLD else None
