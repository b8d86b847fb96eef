"""Greeting, main menu, help, language, and the answer to anything not understood.

The buttons of the main menu are offered by nearly every screen, so their actions are
declared here (the lowest of the customer modules); each feature registers the handler
of its own (the catalog handles ShowCategories)."""

from __future__ import annotations

from dataclasses import dataclass

from core.services import customers
from core.settings import Settings
from handlers.actions import Action, handles
from handlers.i18n import SUPPORTED, Translator
from handlers.turn import Turn
from handlers.types import Button


@dataclass(frozen=True)
class MainMenu(Action, prefix="m"):
    pass


@dataclass(frozen=True)
class ShowHelp(Action, prefix="h"):
    pass


@dataclass(frozen=True)
class SetLanguage(Action, prefix="l"):
    code: str = ""  # none or an unknown one: the choice is offered again


@dataclass(frozen=True)
class ShowCategories(Action, prefix="cat"):  # handled in catalog.py
    pass


@dataclass(frozen=True)
class ShowCart(Action, prefix="cart"):  # handled in cart.py
    pass


@dataclass(frozen=True)
class StartCheckout(Action, prefix="co"):  # handled in checkout.py
    pass


@dataclass(frozen=True)
class ListOrders(Action, prefix="o"):  # handled in orders.py
    pass


@dataclass(frozen=True)
class TalkToPerson(Action, prefix="s"):  # handled in support.py
    about: str | None = None  # the order the customer was looking at


def menu_buttons(t: Translator) -> list[list[Button]]:
    _ = t.gettext
    return [
        [Button(_("Catalog"), ShowCategories().pack()), Button(_("My cart"), ShowCart().pack())],
        [Button(_("My orders"), ListOrders().pack()), Button(_("Help"), ShowHelp().pack())],
        [Button(_("Talk to a person"), TalkToPerson().pack())],
    ]


def greet(turn: Turn) -> None:
    _ = turn.t.gettext
    turn.reset()
    name = turn.customer.name.split(" ")[0] if turn.customer.name else ""
    hello = _("Hi {name}!").format(name=name) if name else _("Hi!")
    turn.say(
        hello
        + " "
        + _("Welcome to {store}. What would you like to do?").format(
            store=turn.shop.settings.store_name
        ),
        menu_buttons(turn.t),
    )


def main_menu(turn: Turn, text: str | None = None) -> None:
    _ = turn.t.gettext
    turn.reset()
    turn.say(text or _("What would you like to do?"), menu_buttons(turn.t))


@handles(MainMenu)
async def _main_menu(turn: Turn, action: MainMenu) -> None:
    main_menu(turn)


@handles(ShowHelp)
async def _show_help(turn: Turn, action: ShowHelp) -> None:
    show_help(turn)


def show_help(turn: Turn) -> None:
    _ = turn.t.gettext
    turn.reset()
    turn.say(
        "\n".join(
            [
                _("Here is what you can do:"),
                _("• Browse the catalog or type what you are looking for (e.g. “blue shirt”)."),
                _("• Ask “where is my order?” or type your order code (PED-…)."),
                _("• /cart shows your cart, /orders your orders."),
                _("• “My receipt” or /receipt CODE sends an order's receipt (PDF)."),
                _("• /language switches between Spanish and English."),
                _("• “Talk to a person” reaches the shop."),
                _("• “My data” sends you what we keep about you; “Forget my data” erases it."),
                privacy_notice(turn.t, turn.shop.settings),
            ]
        ),
        menu_buttons(turn.t),
    )


def privacy_notice(t: Translator, settings: Settings) -> str:
    """Where the shop's privacy notice is; without one, who to ask."""
    _ = t.gettext
    if settings.privacy_notice_url:
        return _("Privacy notice: {url}").format(url=settings.privacy_notice_url)
    if settings.store_phone:
        return _(
            "{store} looks after your data. For privacy questions, talk to a person here "
            "or call {phone}."
        ).format(store=settings.store_name, phone=settings.store_phone)
    return _("{store} looks after your data. For privacy questions, talk to a person here.").format(
        store=settings.store_name
    )


def ask_language(turn: Turn) -> None:
    turn.say(
        turn.t.gettext("Choose your language:"),
        [
            [
                Button("Español", SetLanguage("es").pack()),
                Button("English", SetLanguage("en").pack()),
            ]
        ],
    )


@handles(SetLanguage)
async def _set_language(turn: Turn, action: SetLanguage) -> None:
    await set_language(turn, action.code)


async def set_language(turn: Turn, code: str) -> None:
    if code not in SUPPORTED:
        ask_language(turn)
        return
    await customers.update_customer(turn.shop, turn.customer.id, locale=code)
    turn.customer.locale = code
    turn.t = t = turn.t.switched(code)
    done = (
        t.gettext("Done, I will speak English.")
        if code == "en"
        else t.gettext("Done, I will speak Spanish.")
    )
    main_menu(turn, done + " " + t.gettext("What would you like to do?"))
