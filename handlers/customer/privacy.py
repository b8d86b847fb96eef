"""A customer's data rights in the chat: where the privacy notice is, a copy of their
data ("mis datos"), and forgetting them ("borrar mis datos"), asked once more first."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from core.domain.actors import Actor
from core.domain.actors import customer as customer_actor
from core.services import privacy
from handlers.actions import Action, handles
from handlers.customer.menu import ListOrders, MainMenu, main_menu, privacy_notice
from handlers.drafts import Draft
from handlers.intents import fold
from handlers.turn import Step, Turn
from handlers.types import Button, Document

# Whole messages only (no "contains"): "quiero actualizar mis datos de envío" typed to
# a person must not turn into a document or an erasure.
PHRASES: dict[str, list[str]] = {
    "my_data": [
        "mis datos",
        "ver mis datos",
        "mis datos personales",
        "descargar mis datos",
        "que datos tienen de mi",
        "my data",
        "my personal data",
        "download my data",
        "what data do you have about me",
    ],
    "forget_me": [
        "olvidar mis datos",
        "borrar mis datos",
        "eliminar mis datos",
        "borren mis datos",
        "olvidame",
        "borrar mi cuenta",
        "forget my data",
        "delete my data",
        "erase my data",
        "forget me",
        "delete my account",
    ],
    "privacy": [
        "privacidad",
        "aviso de privacidad",
        "privacy",
        "privacy notice",
        "privacy policy",
    ],
}
THRESHOLD = 88
# WhatsApp accepts no application/json upload; JSON is text, and every channel takes that.
JSON_AS_TEXT = "text/plain"


@dataclass(frozen=True)
class SendMyData(Action, prefix="me"):
    pass


@dataclass(frozen=True)
class AskForget(Action, prefix="fg"):
    pass


@dataclass(frozen=True)
class Forget(Action, prefix="fgy"):  # "Yes, erase": only right after the question
    pass


@dataclass(frozen=True)
class KeepData(Action, prefix="fgn"):
    pass


@dataclass
class ForgetDraft(Draft):
    """Whether "erase your data?" was just asked: a "yes" counts only right after it."""

    forget_asked: bool = False


@handles(SendMyData)
async def _send_my_data(turn: Turn, action: SendMyData) -> None:
    await send_my_data(turn)


@handles(AskForget)
async def _ask_forget(turn: Turn, action: AskForget) -> None:
    await ask_forget(turn)


@handles(Forget)
async def _forget(turn: Turn, action: Forget) -> bool:
    return await forget(turn)


@handles(KeepData)
async def _keep(turn: Turn, action: KeepData) -> None:
    keep(turn)


def requested(text: str) -> str | None:
    """ "my_data", "forget_me" or "privacy" when the whole message asks for it."""
    folded = fold(text)[:80]
    best = max(
        ((fuzz.ratio(folded, phrase), action) for action, ps in PHRASES.items() for phrase in ps),
        default=(0.0, None),
    )
    return best[1] if best[0] >= THRESHOLD else None


def _actor(turn: Turn) -> Actor:
    return customer_actor(turn.customer.id)


def show_privacy(turn: Turn) -> None:
    _ = turn.t.gettext
    turn.say(
        privacy_notice(turn.t, turn.shop.settings)
        + "\n"
        + _("“My data” sends you a copy of what we keep about you; “Forget my data” erases it."),
        [
            [
                Button(_("My data"), SendMyData().pack()),
                Button(_("Forget my data"), AskForget().pack()),
            ],
            [Button(_("Menu"), MainMenu().pack())],
        ],
    )


async def send_my_data(turn: Turn) -> None:
    """The copy as a JSON document, with a short account of what is in it."""
    _, t = turn.t.gettext, turn.t
    data = await privacy.export_customer_data(turn.shop, _actor(turn), turn.customer.id)
    orders = t.ngettext("{n} order", "{n} orders", len(data["orders"])).format(
        n=len(data["orders"])
    )
    addresses = t.ngettext(
        "{n} saved address", "{n} saved addresses", len(data["addresses"])
    ).format(n=len(data["addresses"]))
    messages = t.ngettext(
        "{n} message to the shop", "{n} messages to the shop", len(data["support_messages"])
    ).format(n=len(data["support_messages"]))
    text = "\n".join(
        [
            "📄 "
            + _(
                "Here is a copy of everything {store} keeps about you: your details, "
                "{orders}, {addresses} and {messages}."
            ).format(
                store=turn.shop.settings.store_name,
                orders=orders,
                addresses=addresses,
                messages=messages,
            ),
            privacy_notice(t, turn.shop.settings),
        ]
    )
    turn.say(
        text,
        [[Button(_("Forget my data"), AskForget().pack()), Button(_("Menu"), MainMenu().pack())]],
        document=Document(_("my-data") + ".json", privacy.export_json(data), JSON_AS_TEXT),
    )


async def ask_forget(turn: Turn) -> None:
    """Say what erasing does, and ask once more (or say why it can't be done yet)."""
    _ = turn.t.gettext
    summary = await privacy.summarise(turn.shop, _actor(turn), turn.customer.id)
    if summary.in_progress:
        in_progress(turn, summary.in_progress)
        return
    turn.reset()
    turn.go(Step.MENU)
    ForgetDraft(forget_asked=True).write(turn.data)  # a "yes" counts only right after this
    turn.say(
        _(
            "Erase your data? We will delete your name, phone, addresses, messages and "
            "comments, and forget this chat. Your past orders stay in the shop's books "
            "without your details. This can't be undone."
        ),
        [[Button(_("Yes, erase"), Forget().pack()), Button(_("No"), KeepData().pack())]],
    )


async def forget(turn: Turn) -> bool:
    """The person said yes; False when the button is from an older message."""
    _ = turn.t.gettext
    if not ForgetDraft.read(turn.data).forget_asked:
        return False
    try:
        await privacy.forget_customer(turn.shop, _actor(turn), turn.customer.id)
    except privacy.CustomerHasOpenOrders as error:  # an order placed meanwhile
        in_progress(turn, list(error.data.get("codes", [])))
        return True
    turn.reset()
    turn.forgotten = True  # and nothing of this chat is saved after it
    turn.say(
        _(
            "Done: we erased your data. Your past orders stay in the shop's books without "
            "your name, phone or address. If you write again, we start from scratch."
        )
    )
    return True


def keep(turn: Turn) -> None:
    main_menu(turn, turn.t.gettext("OK, nothing was erased. What would you like to do?"))


def in_progress(turn: Turn, codes: list[str]) -> None:
    _ = turn.t.gettext
    turn.reset()
    turn.say(
        turn.t.ngettext(
            "Your data can't be erased yet: order {codes} is still in progress, and the "
            "shop needs your name, phone and address to finish it. Once it is delivered "
            "or cancelled, ask again.",
            "Your data can't be erased yet: orders {codes} are still in progress, and the "
            "shop needs your name, phone and address to finish them. Once they are "
            "delivered or cancelled, ask again.",
            len(codes),
        ).format(codes=", ".join(codes)),
        [[Button(_("My orders"), ListOrders().pack()), Button(_("Menu"), MainMenu().pack())]],
    )
