"""Typed answers to the buttons of the last question: people type "si", "transferencia",
"estandar" or "volver" instead of tapping, on every channel.

The buttons a turn offered are remembered with the conversation; the next typed
message is matched against them: the label itself, then words that mean the same
("sí" presses "Confirm order"), then, at a question that only takes one of its options,
a loose match on the label's words ("estandar" is "Estándar · $99 · 3–5 días").
"""

from __future__ import annotations

import re
import unicodedata

from handlers.intents import fold
from handlers.types import Reply

KEY = "_options"  # in the conversation's data
MOST_REMEMBERED = 24

YES = {"si", "sí", "yes", "y", "s", "ok", "okay", "oki", "dale", "claro", "correcto", "confirmo",
       "confirmar", "confirm", "va", "sale", "de acuerdo", "esta bien", "perfecto", "listo",
       "exacto", "asi esta bien", "si confirmo", "si por favor", "yes please", "sure", "yep",
       "yeah", "correct", "right", "si gracias", "afirmativo", "por supuesto", "simon"}  # fmt: skip
NO = {"no", "nop", "nope", "no gracias", "no thanks", "nel", "negativo", "n"}
SAME = {"el mismo", "la misma", "lo mismo", "los mismos", "las mismas", "el de antes",
        "la de antes", "la misma de antes", "el mismo de antes", "same", "the same",
        "same one", "same as before", "igual", "esa", "ese", "esa misma", "ese mismo",
        "la misma direccion", "el mismo numero", "that one"}  # fmt: skip
BACK = {"volver", "atras", "regresar", "back", "go back", "anterior", "paso anterior",
        "volver atras", "regresa", "vuelve", "regresame", "previous"}  # fmt: skip

# Words that press a button whatever its label says, by what the button does.
SYNONYMS: list[tuple[set[str], tuple[str, ...]]] = [
    (YES, ("ck:ok", "ck:addr_ok", "ocy:", "fgy")),
    # "Use Ana", "Use +52 55…", the one saved address: what the customer agrees to keep
    (YES | SAME, ("ck:name", "ck:phone", "ck:keep", "ck:addr:#")),
    (NO | {"corregir", "cambiar", "fix", "edit", "incorrecto", "esta mal", "wrong"},
     ("ck:addr_fix",)),
    (BACK, ("ck:back", "p:")),  # at "how many?" the way back is the product
    ({"efectivo", "cash", "contra entrega", "contraentrega", "al recibir", "pago al recibir",
      "en efectivo", "pago en efectivo", "cod", "pago contra entrega", "cash on delivery"},
     ("ck:pay:cash_on_delivery",)),
    ({"transferencia", "transfer", "deposito", "spei", "transferencia bancaria",
      "bank transfer", "por transferencia", "wire"}, ("ck:pay:bank_transfer",)),
    ({"tarjeta", "card", "credito", "debito", "tarjeta de credito", "tarjeta de debito",
      "con tarjeta", "credit card", "debit card"}, ("ck:pay:card",)),
    (NO | {"ninguna", "ningunas", "sin referencias", "none", "no hay", "nada",
           "no references", "sin referencia"}, ("ck:skip",)),
    ({"express", "expres", "rapido", "el rapido", "urgente", "fast", "envio rapido",
      "envio express"}, ("ck:ship:express",)),
    ({"estandar", "standard", "normal", "regular", "economico", "el normal", "envio normal",
      "envio estandar"}, ("ck:ship:standard",)),
    # refund or exchange: handlers/customer/return_answers.py reads those answers
    ({"vaciar", "vaciar carrito", "vacialo", "empty", "empty cart", "borrar todo", "vacia",
      "vacia el carrito", "vaciar el carrito", "vacia mi carrito", "empty my cart",
      "empty the cart"}, ("cx",)),
    ({"cambiar", "editar", "modificar", "change", "edit", "cambiar cantidades"}, ("ce",)),
    ({"quitar", "eliminar", "remove", "borrar", "quitalo", "sacalo", "delete"}, ("ci:*:0",)),
]  # fmt: skip

# Words a loose match ignores: "el estándar", "envío express", "pagar con tarjeta".
_IGNORED = {"el", "la", "lo", "los", "las", "un", "una", "de", "del", "por", "con", "en",
            "the", "a", "an", "by", "with", "envio", "shipping", "pago", "pagar", "pay",
            "quiero", "i", "want", "prefiero", "mejor", "porfa", "por favor", "please", "opcion",
            "option"}  # fmt: skip


def remember(data: dict, replies: list[Reply]) -> None:
    """Keep the buttons these replies offer for the next typed message."""
    offered = [[b.label, b.payload] for r in replies for b in r.all_buttons()]
    if offered:
        data[KEY] = offered[:MOST_REMEMBERED]
    else:
        data.pop(KEY, None)


def only_agreement(typed: str) -> bool:
    """ "sí", "no", "ok", "el mismo": an answer to buttons, never a name or a street."""
    return fold(typed) in YES | NO | SAME


def offered(data: dict) -> list[tuple[str, str]]:
    return [(str(label), str(payload)) for label, payload in data.get(KEY) or []]


def plain(text: str) -> str:
    """Lower case without accents or closing punctuation; signs and digits stay ("+1")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.strip(" !.?¡¿,;").split())


def _does(payload: str, pattern: str) -> bool:
    """Whether the payload is of the pattern: "ocy:" a prefix, "ci:*:0" any one
    argument, "ck:addr:#" a number (a saved address, not "new")."""
    if pattern.endswith("#"):
        return payload.startswith(pattern[:-1]) and payload[len(pattern) - 1 :].isdecimal()
    if "*" in pattern:
        return re.fullmatch(re.escape(pattern).replace(r"\*", "[^:]*"), payload) is not None
    return payload == pattern or (pattern.endswith(":") and payload.startswith(pattern))


def _only(payloads: list[str]) -> str | None:
    unique = list(dict.fromkeys(payloads))
    return unique[0] if len(unique) == 1 else None


def choice(data: dict, typed: str, *, loose: bool) -> str | None:
    """The payload of the offered button the typed text means, or None.

    loose: the question only takes one of its options, so a word of a label is enough.
    """
    options = offered(data)
    if not options or len(typed) > 80:
        return None
    said = plain(typed)
    exact = [payload for label, payload in options if plain(label) == said]
    if exact:
        return exact[0]
    folded = fold(typed)
    for words, patterns in SYNONYMS:
        if folded in words:
            hit = _only([p for _l, p in options if any(_does(p, pat) for pat in patterns)])
            if hit is not None:
                return hit
    if folded in BACK:  # "Back to cart", "Volver": a label that says it first
        hit = _only([p for label, p in options if _first_word(label) in BACK])
        if hit is not None:
            return hit
    if folded in YES | NO:  # "No, thanks", "Sí, cancelarlo": a label that says it first
        starts = {"no"} if folded in NO else {"si", "yes"}
        hit = _only([p for label, p in options if _first_word(label) in starts])
        if hit is not None:
            return hit
    return _loose(options, folded) if loose else None


def _first_word(label: str) -> str:
    words = fold(label).split()
    return words[0] if words else ""


def _loose(options: list[tuple[str, str]], folded: str) -> str | None:
    wanted = [w for w in folded.split() if w not in _IGNORED]
    if not wanted or any(len(w) < 3 for w in wanted):
        return None
    hits = []
    for label, payload in options:
        words = fold(label).split()
        if all(any(word.startswith(w) for word in words) for w in wanted):
            hits.append(payload)
    return _only(hits)
