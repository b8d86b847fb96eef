"""Answers typed inside the return flow, the way people type them: "1" or "una" at
"how many?", "devolución del dinero" or "cambiarlo por otra talla" at "refund or
exchange?", "la L" or "el mismo" at "what do you want instead?".

Pure parsing, Spanish and English at once. None means "didn't get it": the question is
asked again, the flow never restarts."""

from __future__ import annotations

import re

from core.domain.returns import ReturnResolution
from handlers import options, quantity_change
from handlers.intents import fold
from handlers.quantity_change import Kind

_ALL = {"todas", "todos", "todo", "all", "all of them", "ambas", "ambos", "both", "las dos",
        "los dos", "todas las piezas", "todas ellas", "todos ellos"}  # fmt: skip
_BOTH = {"ambas", "ambos", "both", "las dos", "los dos"}
_ONE = {"un", "una", "solo una", "solo uno", "nomas una", "nomas uno", "nada mas una",
        "nada mas uno", "just one", "only one"}  # fmt: skip

_REFUND = re.compile(
    r"\b(reembols\w*|rembols\w*|dinero|lana|refund\w*|money|reintegr\w*|devolucion|"
    r"devuelvan|regresen el|pay me back|my money)\b"
)
_EXCHANGE = re.compile(
    r"\b(cambi\w*|talla\w*|tama[nñ]o|medida|color|modelo|otr[oa]s? (?:talla|color|"
    r"modelo|producto|medida)|exchange\w*|swap\w*|replace\w*|replacement|size|"
    r"another one|different one)\b"
)

_SAME = options.SAME | {"mismo", "misma", "uno igual", "una igual", "otro igual", "otra igual",
                        "el mismo producto", "the same one", "same product",
                        "another one of the same"}  # fmt: skip
# Words that say nothing about which product: "la talla L", "quiero el azul, porfa".
_FILLER = {"el", "la", "lo", "los", "las", "un", "una", "uno", "de", "del", "en", "por",
           "quiero", "quisiera", "prefiero", "mejor", "dame", "mandame", "envia", "enviame",
           "talla", "tamano", "color", "size", "colour", "the", "a", "an", "in", "i",
           "want", "please", "porfa", "favor", "pf", "mi", "me", "y", "con", "otra",
           "otro", "one", "of", "it", "cambio", "cambiar", "cambiarlo", "cambiarla",
           "exchange", "for", "instead"}  # fmt: skip


def quantity(text: str, most: int) -> int | None:
    """How many to return: "1", "una", "2 piezas", "todas"; None when not a number."""
    folded = fold(text)
    if folded in _ALL and (folded not in _BOTH or most == 2):
        return most
    if folded in _ONE:
        return 1
    change = quantity_change.parse(text)
    if change is None or change.kind is not Kind.SET:
        return None
    return change.amount


def resolution(text: str) -> ReturnResolution | None:
    """Refund or exchange, in the customer's words; None when neither or both."""
    folded = fold(text)
    refund = bool(_REFUND.search(folded))
    exchange = bool(_EXCHANGE.search(folded))
    if refund == exchange:
        return None
    return ReturnResolution.REFUND if refund else ReturnResolution.EXCHANGE


def replacement(text: str, choices: list[tuple[int, str]], same_id: int | None) -> int | None:
    """The product id among `choices` (id, name) the customer named: "el mismo" is the
    returned product, "la L" or "camisa azul" the one whose name has those words."""
    folded = fold(text)
    if folded in _SAME:
        return same_id if any(pid == same_id for pid, _name in choices) else None
    wanted = {w for w in folded.split() if w not in _FILLER}
    if not wanted:
        return None
    hits = [pid for pid, name in choices if wanted <= set(fold(name).split())]
    return hits[0] if len(hits) == 1 else None
