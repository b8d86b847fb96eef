"""What a typed checkout answer says besides the answer: that the customer wants to stop
("mejor no, quiero cancelar", "actually I want to cancel it"), that a "name" is a
sentence ("¿para qué?", "volver", "no quiero"), or that the shipping wanted is the
cheapest or the fastest one.

Conservative on purpose: a real name, street or reference must never read as one of
these, so a message with a digit is never a wish to stop, and the stop phrases are
whole clauses once filler words are set aside ("ya no quiero nada, gracias").
"""

from __future__ import annotations

import re

from handlers.intents import fold

# Said plainly (not after "no"/"don't" in the same clause), any of these stops.
CANCEL_VERBS = {"cancelar", "cancela", "cancelalo", "cancelala", "cancelarlo", "cancelarla",
                "cancelo", "cancele", "cancelen", "cancelame", "cancelemos", "cancel",
                "cancelled", "canceled", "cancelling", "canceling", "cancelarlos"}  # fmt: skip
# Whole clauses (after FILLER is removed) that mean "I don't want to go on".
STOP = {"no quiero nada", "no lo quiero", "no la quiero", "no los quiero",
        "no las quiero", "no quiero comprar", "no quiero seguir", "no quiero continuar",
        "no quiero comprar nada", "no quiero el pedido", "no voy a comprar",
        "no quiero hacer el pedido", "no quiero pedir nada", "olvidalo", "olvidate",
        "olvidalo todo", "me arrepenti", "cambie de opinion", "salir", "parar", "detente",
        "don t want it", "dont want it", "do not want it", "don t want anything",
        "dont want anything", "don t want to buy", "don t want to continue",
        "don t want to order", "no longer want it", "never mind", "nevermind", "forget it",
        "forget about it", "changed my mind", "stop", "quit", "exit",
        "not interested"}  # fmt: skip
# Words around a stop phrase that change nothing ("mejor ya no quiero nada, gracias").
FILLER = {"mejor", "ya", "pues", "ok", "oye", "bueno", "este", "mmm", "ah", "eh", "oh",
          "gracias", "porfa", "por", "favor", "mas", "siempre", "sabes", "que", "al", "final",
          "actually", "sorry", "i", "well", "so", "hmm", "thanks", "please", "anymore",
          "any", "more", "after", "all", "perdon", "disculpa",
          "lo", "siento"}  # fmt: skip
_NEGATIONS = {"no", "not", "t", "nunca", "never", "sin"}  # "don't" folds to "don t"
_CLAUSES = re.compile(r"[,.;:!?¡¿\n]+|\b(?:pero|but|y|and)\b")

# A "name" holding one of these words is a sentence, not a person's name.
NOT_NAME_WORDS = {"quiero", "quisiera", "queria", "necesito", "puedo", "podria", "want",
                  "wanna", "need", "pedido", "order", "comprar", "compra", "buy", "pagar",
                  "gracias", "thanks", "please", "porfa", "ayuda", "help", "mejor",
                  "actually", "nada", "nothing", "volver", "regresar", "regresa", "atras",
                  "anterior", "back", "previous", "cancel", "cancelar", "nombre", "name",
                  "why", "porque", "what", "que"}  # fmt: skip
_NO_FIRST = {"no", "nop", "nope", "nel", "nah", "negativo"}
# "mi nombre es Ana López": the name is what follows.
NAME_LEADS = ("a nombre de", "mi nombre es", "me llamo", "el nombre es", "my name is",
              "the name is", "name is", "it is for", "es para", "va a nombre de")  # fmt: skip

CHEAPEST = {"barato", "barata", "baratito", "economico", "cheapest", "cheaper", "cheap"}
FASTEST = {"rapido", "rapida", "rapidito", "pronto", "fastest", "quickest", "faster",
           "asap", "soonest"}  # fmt: skip


def wants_to_stop(text: str) -> bool:
    """ "quiero cancelar", "ya no quiero nada", "actually I want to cancel it", "forget
    it": the customer wants out of the checkout (as the "Cancel" button)."""
    if re.search(r"\d", text):  # a phone, a street, a postal code: an answer
        return False
    for clause in _CLAUSES.split(text):
        words = fold(clause).split()
        for at, word in enumerate(words):
            if word in CANCEL_VERBS and not _NEGATIONS & set(words[max(0, at - 3) : at]):
                return True
        kept = " ".join(w for w in words if w not in FILLER)
        if kept and kept in STOP:
            return True
    return False


def name_said(text: str) -> str:
    """The name in "mi nombre es Ana López" / "my name is Ana" (else the text itself)."""
    words = text.split()
    folded = fold(text)
    for lead in NAME_LEADS:
        if folded.startswith(lead + " "):
            rest = words[len(lead.split()) :]
            return " ".join(rest).lstrip(":,- ") if rest else text
    return text


def not_a_name(text: str) -> bool:
    """A sentence typed where a name was asked: a question, "no…", "volver", "quiero…".
    Names are never judged by their look (María José de la Cruz, Ana, O'Brien), only by
    words no name holds."""
    if "?" in text or "¿" in text:
        return True
    words = fold(text).split()
    if not words:
        return False
    return words[0] in _NO_FIRST or bool(NOT_NAME_WORDS & set(words))


def extreme_shipping(text: str) -> str | None:
    """ "el más barato" -> "cheapest", "lo más rápido posible" -> "fastest", else None."""
    if re.search(r"\d", text):
        return None
    words = set(fold(text).split())
    if words & _NEGATIONS:
        return None
    cheapest, fastest = bool(words & CHEAPEST), bool(words & FASTEST)
    if cheapest != fastest:
        return "cheapest" if cheapest else "fastest"
    return None
