"""What customers are told later: one renderer per customer event."""

from __future__ import annotations

from core.domain.actors import SYSTEM
from core.domain.events import (
    OrderCancelled,
    OrderConfirmed,
    OrderDelivered,
    OrderExpired,
    OrderPreparing,
    OrderRefunded,
    OrderRejected,
    OrderShipped,
    PaymentReceived,
    ReturnAddress,
    ReturnApproved,
    ReturnExchanged,
    ReturnReceived,
    ReturnRefunded,
    ReturnRejected,
    SupportClosed,
    SupportReply,
)
from core.domain.returns import ReturnResolution
from core.services import documents
from handlers.customer.menu import MainMenu, ShowCategories, TalkToPerson
from handlers.customer.orders import ShowOrder
from handlers.i18n import Translator
from handlers.notifications.registry import Context, links_tracking_page, renders
from handlers.render import money, rating_buttons
from handlers.types import Button, Reply


def track_row(t: Translator, code: str) -> list[list[Button]]:
    return [[Button(t.gettext("Track my order"), ShowOrder(code).pack())]] if code else []


def catalog_row(t: Translator) -> list[list[Button]]:
    return [[Button(t.gettext("Catalog"), ShowCategories().pack())]]


@renders(OrderConfirmed)
@links_tracking_page
def order_confirmed(c: Context, e: OrderConfirmed) -> Reply:
    _ = c.t.gettext
    return Reply(
        _("✅ Your order {code} is confirmed. We'll let you know when it ships.").format(
            code=e.code
        ),
        track_row(c.t, e.code),
    )


@renders(PaymentReceived)
@links_tracking_page
def payment_received(c: Context, e: PaymentReceived) -> Reply:
    _ = c.t.gettext
    return Reply(
        _("✅ We received your payment for order {code}. Thank you!").format(code=e.code),
        track_row(c.t, e.code),
    )


@renders(OrderPreparing)
@links_tracking_page
def order_preparing(c: Context, e: OrderPreparing) -> Reply:
    _ = c.t.gettext
    return Reply(
        _("📦 We are preparing your order {code}.").format(code=e.code), track_row(c.t, e.code)
    )


@renders(OrderShipped)
@links_tracking_page
def order_shipped(c: Context, e: OrderShipped) -> Reply:
    _ = c.t.gettext
    return Reply(
        _(
            "🚚 Your order {code} is on its way with {carrier}. Tracking number: {number}\n"
            "Track it here: {url}"
        ).format(code=e.code, carrier=e.carrier, number=e.tracking_number, url=e.tracking_url),
        track_row(c.t, e.code),
    )


@renders(OrderDelivered)
@links_tracking_page
async def order_delivered(c: Context, e: OrderDelivered) -> list[Reply]:
    _ = c.t.gettext
    rate = Reply(
        _("Your order {code} was delivered. How was it? Rate it from 1 to 5 stars:").format(
            code=e.code
        ),
        rating_buttons(e.code),
        expects_number=True,  # "5" typed next is five stars
    )
    if not c.shop.settings.receipt_on_delivery:
        return [rate]
    # RECEIPT_ON_DELIVERY: the receipt first, drawn now (cash on delivery reads paid).
    from handlers.documents.receipt import receipt  # reportlab: on first use

    source = await documents.receipt(c.shop, SYSTEM, e.code)
    pdf = receipt(c.shop, c.t, source.details)
    return [Reply(_("Your receipt for order {code}").format(code=e.code), document=pdf), rate]


@renders(OrderRejected)
@links_tracking_page
def order_rejected(c: Context, e: OrderRejected) -> Reply:
    _ = c.t.gettext
    return Reply(
        _("Sorry, the shop could not accept your order {code}. Reason: {reason}").format(
            code=e.code, reason=e.reason or "-"
        ),
        catalog_row(c.t),
    )


@renders(OrderCancelled)
@links_tracking_page
def order_cancelled(c: Context, e: OrderCancelled) -> Reply:
    _ = c.t.gettext
    text = _("Your order {code} was cancelled.").format(code=e.code)
    if e.reason and e.by != "customer":  # the customer knows why they cancelled
        text += " " + _("Reason: {reason}").format(reason=e.reason)
    if e.refunded:
        text += " " + _("A refund of {amount} was recorded.").format(
            amount=money(c.t, e.refunded, e.currency)
        )
    return Reply(text)


@renders(OrderExpired)
@links_tracking_page
def order_expired(c: Context, e: OrderExpired) -> Reply:
    _ = c.t.gettext
    return Reply(
        _(
            "Your order {code} expired because the payment didn't arrive in time. "
            "The items went back to the shelf; you can order again any time."
        ).format(code=e.code),
        catalog_row(c.t),
    )


@renders(OrderRefunded)
@links_tracking_page
def order_refunded(c: Context, e: OrderRefunded) -> Reply:
    _ = c.t.gettext
    return Reply(
        _("A refund of {amount} for order {code} was recorded.").format(
            amount=money(c.t, e.amount, e.currency), code=e.code
        )
    )


def _send_to(t: Translator, address: str) -> str:
    return t.gettext("Please send the items to:") + "\n" + address


@renders(ReturnApproved)
def return_approved(c: Context, e: ReturnApproved) -> Reply:
    _ = c.t.gettext
    text = _("Your return #{id} for order {code} was approved.").format(id=e.return_id, code=e.code)
    later = _("The shop will send you here the address to send the items to.")
    text += " " + (_send_to(c.t, e.address) if e.address else later)
    text += "\n" + _("We'll tell you when they arrive.")
    return Reply(text)


@renders(ReturnAddress)
def return_address(c: Context, e: ReturnAddress) -> Reply:
    _ = c.t.gettext
    return Reply(
        _("Return #{id} (order {code}):").format(id=e.return_id, code=e.code)
        + " "
        + _send_to(c.t, e.address)
    )


@renders(ReturnReceived)
def return_received(c: Context, e: ReturnReceived) -> Reply:
    _ = c.t.gettext
    text = _("We received the items of your return #{id} (order {code}).").format(
        id=e.return_id, code=e.code
    )
    if e.resolution is ReturnResolution.EXCHANGE:
        text += " " + _(
            "We'll ship your replacement ({items}) soon and send you its tracking number."
        ).format(items=items(e.replacements))
    else:
        text += " " + _("We'll record your refund soon.")
    return Reply(text)


@renders(ReturnExchanged)
def return_exchanged(c: Context, e: ReturnExchanged) -> Reply:
    """The replacement really left with the carrier."""
    _ = c.t.gettext
    return Reply(
        _(
            "🚚 Your replacement for return #{id} (order {code}) is on its way: {items}, with "
            "{carrier}. Tracking number: {number}\nTrack it here: {url}"
        ).format(
            id=e.return_id,
            code=e.code,
            items=items(e.replacements),
            carrier=e.carrier,
            number=e.tracking_number,
            url=e.tracking_url,
        )
    )


@renders(ReturnRejected)
def return_rejected(c: Context, e: ReturnRejected) -> Reply:
    _ = c.t.gettext
    return Reply(
        _("Your return #{id} for order {code} was not approved. Reason: {reason}").format(
            id=e.return_id, code=e.code, reason=e.note or "-"
        )
    )


@renders(ReturnRefunded)
def return_refunded(c: Context, e: ReturnRefunded) -> Reply:
    _ = c.t.gettext
    return Reply(
        _("Your return #{id} for order {code} was refunded: {amount}.").format(
            id=e.return_id, code=e.code, amount=money(c.t, e.amount, e.currency)
        )
    )


@renders(SupportReply)
def support_reply(c: Context, e: SupportReply) -> Reply:
    _ = c.t.gettext
    return Reply(
        _("💬 The shop replied: {message}").format(message=e.message)
        + "\n"
        + _("To answer, tap Reply or reply to this message (case #{id}).").format(id=e.case_id),
        [[Button(_("Reply"), TalkToPerson().pack())]],
        ref=f"case:{e.case_id}",  # a reply to this message goes to the case
    )


@renders(SupportClosed)
def support_closed(c: Context, e: SupportClosed) -> Reply:
    _ = c.t.gettext
    return Reply(
        _(
            "The shop closed your case #{id}. If you need anything else, write to us any time."
        ).format(id=e.case_id),
        [
            [
                Button(_("Talk to a person"), TalkToPerson().pack()),
                Button(_("Menu"), MainMenu().pack()),
            ]
        ],
    )


def items(replacements: tuple[tuple[int, str], ...]) -> str:
    """ "1 × Camisa (L)" for each (quantity, name) of an exchange."""
    return ", ".join(f"{qty} × {name}" for qty, name in replacements)
