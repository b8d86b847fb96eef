"""Paying an order online: the payment link (Mercado Pago, Stripe) at checkout, again
from the order's "Pay" button, and what to say when it can't be paid any more."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.orders import Order
from core.domain.payment_links import PaymentProviderError, payable_by_link
from core.services import payment_links
from core.services.payment_links import NoLinkProvider, OrderNotPayable
from handlers.actions import Action, handles
from handlers.customer.menu import MainMenu, ShowCategories
from handlers.render import money, provider_name, when
from handlers.tracking_links import add_tracking_link
from handlers.turn import Turn
from handlers.types import Button, Link, Reply


@dataclass(frozen=True)
class PayOrder(Action, prefix="pay"):
    code: str


@handles(PayOrder)
async def pay_order(turn: Turn, action: PayOrder) -> None:
    await send_payment_link(turn, action.code)


def payable_online(turn: Turn, order: Order) -> bool:
    """Whether the order's view offers "Pay": a card order waiting for its payment,
    in a shop with a payment-link provider."""
    return turn.shop.link_provider is not None and payable_by_link(order)


async def send_payment_link(turn: Turn, code: str, placed: str = "") -> None:
    """The order's payment link as a button that opens it (placed: the checkout's
    "order placed" lines, said first; that confirmation links the tracking page too)."""
    reply = await _payment_link_reply(turn, code, f"{placed}\n" if placed else "")
    if placed:
        await add_tracking_link(turn.shop, turn.t, code, reply)


async def _payment_link_reply(turn: Turn, code: str, lead: str) -> Reply:
    _ = turn.t.gettext
    # Imported here: the order view imports this module for its "Pay" button.
    from handlers.customer.orders import ShowOrder

    track = [Button(_("Track my order"), ShowOrder(code).pack())]
    try:
        offer = await payment_links.link_for(turn.shop, code, turn.customer.id)
    except OrderNotPayable as refused:
        reason = str(refused.data.get("reason", ""))
        rows = [track, [Button(_("Catalog"), ShowCategories().pack())]]
        return turn.say(_not_payable(turn, code, reason), rows if reason == "expired" else [track])
    except NoLinkProvider:
        text = _("Online payment isn't available right now. Please write to us to arrange it.")
        return turn.say(lead + text, [track])
    except PaymentProviderError:
        text = _("The payment page could not be opened just now. Please try again in a minute.")
        return turn.say(lead + text, [[Button(_("Try again"), PayOrder(code).pack())], track])
    text = _(
        "Pay {total} for order {code} on the secure page of {provider}. The link works "
        "until {time}; we confirm your order as soon as the payment arrives."
    ).format(
        total=money(turn.t, offer.amount.amount, offer.amount.currency),
        code=offer.code,
        provider=provider_name(offer.provider),
        time=when(turn.t, offer.expires_at, turn.shop.now(), turn.zone),
    )
    return turn.say(
        lead + text,
        [track, [Button(_("Menu"), MainMenu().pack())]],
        link=Link(_("Pay now"), offer.url),
    )


def _not_payable(turn: Turn, code: str, reason: str) -> str:
    _ = turn.t.gettext
    if reason == "expired":
        return _(
            "Order {code} was not paid in time, so its items went back on sale. You can "
            "order them again from the catalog."
        ).format(code=code)
    if reason == "closed":
        return _("Order {code} was cancelled, so there is nothing to pay.").format(code=code)
    if reason == "not_card":
        return _("Order {code} is paid on delivery or by bank transfer, not online.").format(
            code=code
        )
    return _("Order {code} is already paid ✅").format(code=code)
