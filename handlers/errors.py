"""Coded domain errors -> a short, translated explanation and a way forward."""

from __future__ import annotations

from core.domain.cart import MAX_LINE_QUANTITY
from core.domain.errors import DomainError
from handlers.customer.menu import (
    ListOrders,
    MainMenu,
    ShowCart,
    ShowCategories,
    StartCheckout,
    menu_buttons,
)
from handlers.render import status_name
from handlers.turn import Turn
from handlers.types import Button


def explain(turn: Turn, error: DomainError) -> None:
    _ = turn.t.gettext
    data = error.data
    code = error.code
    back = menu_buttons(turn.t)
    if code == "invalid_quantity":
        text = _("The quantity must be a whole number from 1 to {most}.").format(
            most=MAX_LINE_QUANTITY
        )
    elif code == "out_of_stock":
        shortage = error.shortages[0]  # type: ignore[attr-defined]
        if shortage.available <= 0:
            text = _("Sorry, {name} is out of stock.").format(name=shortage.name)
        else:
            text = turn.t.ngettext(
                "Sorry, there is only {n} {name} available.",
                "Sorry, there are only {n} {name} available.",
                shortage.available,
            ).format(n=shortage.available, name=shortage.name)
        back = [
            [Button(_("My cart"), ShowCart().pack()), Button(_("Catalog"), ShowCategories().pack())]
        ]
    elif code in ("product_not_found", "product_inactive"):
        text = _("That product is no longer available.")
        back = [[Button(_("Catalog"), ShowCategories().pack())]]
    elif code == "order_not_found":
        text = _("I couldn't find order {code} among your orders.").format(
            code=data.get("code", "")
        )
        back = [[Button(_("My orders"), ListOrders().pack()), Button(_("Menu"), MainMenu().pack())]]
    elif code == "invalid_transition" and data.get("entity") == "order":
        text = _("That can't be done now: the order is {status}.").format(
            status=status_name(turn.t, str(data.get("from_status", "")))
        )
        back = [[Button(_("My orders"), ListOrders().pack()), Button(_("Menu"), MainMenu().pack())]]
    elif code == "not_allowed":
        text = _("That isn't possible here. If you need help, talk to a person.")
    elif code == "return_window_closed":
        text = _("The return period for this order has ended.")
    elif code == "invalid_return":
        text = _("That return can't be requested: check the product and the quantity.")
    elif code == "empty_cart":
        text = _("Your cart is empty.")
        back = [[Button(_("Catalog"), ShowCategories().pack())]]
    elif code == "missing_checkout_details":
        text = _("Some details of your order are missing. Let's go through checkout again.")
        back = [[Button(_("Check out"), StartCheckout().pack())]]
    elif code == "cart_changed":
        text = _("Your cart changed since you added those items. Please check it again.")
        back = [[Button(_("My cart"), ShowCart().pack())]]
    else:
        text = _("Sorry, that didn't work. Please try again.")
    turn.reset()
    turn.say(text, back)
