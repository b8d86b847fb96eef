"""Typed answers to the buttons of the last question: people type "si", "transferencia",
"estandar" or "volver" instead of tapping, on every channel.

The buttons a turn offered are remembered with the conversation; the next typed
message is matched against them: the label itself, then words that mean the same
("sí" presses "Confirm order"), then, at a question that only takes one of its options,
a loose match on the label's words ("estandar" is "Estándar · $99 · 3–5 días").
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.domain.orders import PaymentMethod
from handlers import actions
from handlers.actions import SEPARATOR, Action
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
# A yes said in a few words ("yes thats right", "sí, está bien", "todo correcto"): every
# word one of these, at least one of them a yes of its own. "no está bien" has a word
# that is not here, and "y" or "va" inside a sentence say nothing alone.
AGREEING = {"si", "yes", "ok", "okay", "correcto", "correct", "right", "bien", "perfecto",
            "perfect", "exacto", "exactly", "sure", "yep", "yeah", "claro", "listo", "fine",
            "good", "asi", "todo", "esta", "es", "eso", "thats", "that", "is", "all", "its",
            "muy", "very", "por", "favor", "please", "gracias", "thanks", "tal", "cual",
            "the", "address", "direccion", "la", "el"}  # fmt: skip
AGREEING_ALONE = {"si", "yes", "ok", "okay", "correcto", "correct", "right", "bien", "perfecto",
                  "perfect", "exacto", "exactly", "sure", "yep", "yeah", "claro", "listo",
                  "fine", "good"}  # fmt: skip
BACK = {"volver", "atras", "regresar", "back", "go back", "anterior", "paso anterior",
        "volver atras", "regresa", "vuelve", "regresame", "previous"}  # fmt: skip

CASH = {"efectivo", "cash", "contra entrega", "contraentrega", "al recibir",
        "pago al recibir", "en efectivo", "pago en efectivo", "cod", "pago contra entrega",
        "cash on delivery", "on delivery", "cuando llegue", "al entregar",
        "when it arrives"}  # fmt: skip
TRANSFER = {"transferencia", "transfer", "deposito", "spei", "transferencia bancaria",
            "bank transfer", "por transferencia", "wire"}  # fmt: skip
CARD = {"tarjeta", "card", "credito", "debito", "tarjeta de credito", "tarjeta de debito",
        "con tarjeta", "credit card", "debit card"}  # fmt: skip
FIX = NO | {"corregir", "cambiar", "fix", "edit", "incorrecto", "esta mal", "wrong"}
NO_REFERENCES = NO | {"ninguna", "ningunas", "sin referencias", "none", "no hay", "nada",
                      "no references", "sin referencia"}  # fmt: skip
EXPRESS = {"express", "expres", "rapido", "el rapido", "urgente", "fast", "envio rapido",
           "envio express", "faster", "quick"}  # fmt: skip
STANDARD = {"estandar", "standard", "normal", "regular", "economico", "el normal",
            "envio normal", "envio estandar"}  # fmt: skip
EMPTY = {"vaciar", "vaciar carrito", "vacialo", "empty", "empty cart", "borrar todo", "vacia",
         "vacia el carrito", "vaciar el carrito", "vacia mi carrito", "empty my cart",
         "empty the cart"}  # fmt: skip
EDIT = {"cambiar", "editar", "modificar", "change", "edit", "cambiar cantidades"}
REMOVE = {"quitar", "eliminar", "remove", "borrar", "quitalo", "sacalo", "delete"}


@dataclass(frozen=True)
class Press:
    """The buttons of one action a typed word presses: every button of the action's type,
    the one that packs as `exactly`, or those whose action passes `where`."""

    kind: type[Action]
    exactly: Action | None = None
    where: Callable[[Any], bool] | None = None

    @classmethod
    def button(cls, action: Action) -> Press:
        return cls(type(action), exactly=action)

    def presses(self, payload: str) -> bool:
        if payload.split(SEPARATOR, 1)[0] != self.kind.prefix:
            return False
        if self.exactly is not None:
            return payload == self.exactly.pack()
        return self.where is None or (
            (action := actions.parse(payload)) is not None and self.where(action)
        )


@functools.cache
def synonyms() -> list[tuple[set[str], tuple[Press, ...]]]:
    """Words that press a button whatever its label says, by what the button does.

    The buttons are named by their action classes, so a renamed prefix or field follows
    here. The feature modules import this one (for `only_agreement`), so their classes
    are looked up at the first typed answer, when every feature is loaded."""
    from handlers.customer.cart import EditCart, EmptyCart, SetQuantity
    from handlers.customer.catalog import ShowProduct
    from handlers.customer.checkout import CheckoutChoice as Ck
    from handlers.customer.orders import CancelOrder
    from handlers.customer.privacy import Forget

    def ck(what: str, value: str | None = None) -> Press:
        return Press.button(Ck(what, value))

    def saved_address(action: Ck) -> bool:  # a saved address's id, not "new"
        return action.what == "addr" and (action.value or "").isdecimal()

    def removes(action: SetQuantity) -> bool:
        return action.quantity == 0

    return [
        (YES, (ck("ok"), ck("addr_ok"), Press(CancelOrder), Press.button(Forget()))),
        # "Use Ana", "Use +52 55…", the one saved address: what the customer agrees to keep
        (YES | SAME, (ck("name"), ck("phone"), ck("keep"), Press(Ck, where=saved_address))),
        (FIX, (ck("addr_fix"),)),
        (BACK, (ck("back"), Press(ShowProduct))),  # at "how many?" the way back is the product
        (CASH, (ck("pay", PaymentMethod.CASH_ON_DELIVERY),)),
        (TRANSFER, (ck("pay", PaymentMethod.BANK_TRANSFER),)),
        (CARD, (ck("pay", PaymentMethod.CARD),)),
        (NO_REFERENCES, (ck("skip"),)),
        (EXPRESS, (ck("ship", "express"),)),
        (STANDARD, (ck("ship", "standard"),)),
        # refund or exchange: handlers/customer/return_answers.py reads those answers
        (EMPTY, (Press.button(EmptyCart()),)),
        (EDIT, (Press.button(EditCart()),)),
        (REMOVE, (Press(SetQuantity, where=removes),)),
    ]


# Words a loose match ignores: "el estándar", "envío express", "pagar con tarjeta".
_IGNORED = {"el", "la", "lo", "los", "las", "un", "una", "de", "del", "por", "con", "en",
            "the", "a", "an", "by", "with", "envio", "shipping", "pago", "pagar", "pay",
            "quiero", "i", "want", "prefiero", "mejor", "porfa", "por favor", "please", "opcion",
            "option"}  # fmt: skip

# The option groups a sentence may name in passing ("pago en efectivo cuando llegue",
# "el normal porfa"): only those that choose between options, never yes/no words ("y",
# "va", "esa" are everywhere in a sentence and would confirm an order).
NAMED_IN_A_SENTENCE = (CASH, TRANSFER, CARD, EXPRESS, STANDARD)


def remember(data: dict, replies: list[Reply]) -> None:
    """Keep the buttons these replies offer for the next typed message."""
    offered = [[b.label, b.payload] for r in replies for b in r.all_buttons()]
    if offered:
        data[KEY] = offered[:MOST_REMEMBERED]
    else:
        data.pop(KEY, None)


def only_agreement(typed: str) -> bool:
    """ "sí", "no", "ok", "el mismo": an answer to buttons, never a name or a street."""
    folded = fold(typed)
    return folded in YES | NO | SAME or agrees(folded)


def agrees(folded: str) -> bool:
    """A yes in a few words ("yes thats right", "si esta bien"); folded text."""
    words = folded.split()
    return 1 < len(words) <= 6 and set(words) <= AGREEING and bool(set(words) & AGREEING_ALONE)


def offered(data: dict) -> list[tuple[str, str]]:
    return [(str(label), str(payload)) for label, payload in data.get(KEY) or []]


def plain(text: str) -> str:
    """Lower case without accents or closing punctuation; signs and digits stay ("+1")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.strip(" !.?¡¿,;").split())


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
    if agrees(folded):
        folded = "si"
    for words, presses in synonyms():
        if folded in words:
            hit = _only([p for _l, p in options if any(press.presses(p) for press in presses)])
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
    if not loose:
        return None
    named_ones = named(options, folded)
    return _loose(options, folded) or (named_ones[0] if len(named_ones) == 1 else None)


def named(options: list[tuple[str, str]], folded: str) -> list[str]:
    """The offered options a sentence names by a word of their group ("pago en efectivo
    cuando llegue", "el normal porfa"), each once, in the offered order. More than one:
    the sentence is ambiguous, and the question is asked again."""
    said = folded.split()
    hits: set[str] = set()
    for words, presses in synonyms():
        if not any(words is group for group in NAMED_IN_A_SENTENCE):
            continue
        if any(_said_plainly(said, phrase.split()) for phrase in words):
            hits |= {p for _l, p in options if any(press.presses(p) for press in presses)}
    return [p for _l, p in options if p in hits]


# "no", "sin tarjeta", "no tengo efectivo", "don't have cash": that option is not wanted.
_NEGATIONS = {"no", "sin", "not", "without", "ni", "nunca", "never"}
_NEGATING = _NEGATIONS | {"t"}  # "don't have" folds to "don t have"
_NEGATED_VERBS = {"tengo", "hay", "quiero", "acepto", "uso", "have", "want", "use", "accept"}


def _said_plainly(said: list[str], phrase: list[str]) -> bool:
    """The phrase's words in a row in the sentence, not negated just before."""
    size = len(phrase)
    for start in range(len(said) - size + 1):
        if said[start : start + size] != phrase:
            continue
        before = said[max(0, start - 2) : start]
        negated = bool(before) and (
            before[-1] in _NEGATIONS
            or (len(before) == 2 and before[0] in _NEGATING and before[1] in _NEGATED_VERBS)
        )
        if not negated:
            return True
    return False


def mentioned(data: dict, typed: str) -> list[str]:
    """The offered options a typed sentence names (see named)."""
    return named(offered(data), fold(typed))


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
