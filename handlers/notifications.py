"""Outbox messages to customers rendered as Replies in the customer's language.

The core writes what happened (a kind and its data); this is the one place that turns
it into words, whichever channel delivers it.
"""

from __future__ import annotations

from core.domain.actors import SYSTEM
from core.domain.money import Money
from core.domain.outbox import CUSTOMER, PendingMessage
from core.services import orders
from core.services.context import Shop
from core.services.outbox import recipient_locale
from handlers import reservation_notices
from handlers.admin.cards import order_card
from handlers.i18n import Translator
from handlers.payloads import pack
from handlers.quoting import inline, one_line, quoted
from handlers.render import money, rating_buttons, status_name
from handlers.types import Button, Reply


def render_customer_message(
    t: Translator, kind: str, data: dict, zone: str = "UTC"
) -> Reply | None:
    """The message for a customer outbox row, or None for kinds customers don't get;
    times in `zone` (the shop's)."""
    _ = t.gettext
    if kind in reservation_notices.CUSTOMER_KINDS:
        return reservation_notices.customer_notice(t, kind, data, zone)
    code = data.get("code", "")
    track = [[Button(_("Track my order"), pack("t", code))]] if code else []
    amount = money(t, data.get("amount", 0), data.get("currency", "MXN"))
    if kind == "order_confirmed":
        return Reply(
            _("✅ Your order {code} is confirmed. We'll let you know when it ships.").format(
                code=code
            ),
            track,
        )
    if kind == "payment_received":
        return Reply(
            _("✅ We received your payment for order {code}. Thank you!").format(code=code), track
        )
    if kind == "order_preparing":
        return Reply(_("📦 We are preparing your order {code}.").format(code=code), track)
    if kind == "order_shipped":
        return Reply(
            _(
                "🚚 Your order {code} is on its way with {carrier}. Tracking number: {number}\n"
                "Track it here: {url}"
            ).format(
                code=code,
                carrier=data.get("carrier", ""),
                number=data.get("tracking_number", ""),
                url=data.get("tracking_url", ""),
            ),
            track,
        )
    if kind == "order_delivered":
        return Reply(
            _("Your order {code} was delivered. How was it? Rate it from 1 to 5 stars:").format(
                code=code
            ),
            rating_buttons(code),
            expects_number=True,  # "5" typed next is five stars
        )
    if kind == "order_rejected":
        return Reply(
            _("Sorry, the shop could not accept your order {code}. Reason: {reason}").format(
                code=code, reason=data.get("reason") or "-"
            ),
            [[Button(_("Catalog"), pack("cat"))]],
        )
    if kind == "order_cancelled":
        text = _("Your order {code} was cancelled.").format(code=code)
        if data.get("reason") and data.get("by") != "customer":
            text += " " + _("Reason: {reason}").format(reason=data["reason"])
        if data.get("refunded"):
            text += " " + _("A refund of {amount} was recorded.").format(
                amount=money(t, data["refunded"], data.get("currency", "MXN"))
            )
        return Reply(text)
    if kind == "order_expired":
        return Reply(
            _(
                "Your order {code} expired because the payment didn't arrive in time. "
                "The items went back to the shelf; you can order again any time."
            ).format(code=code),
            [[Button(_("Catalog"), pack("cat"))]],
        )
    if kind == "order_refunded":
        return Reply(
            _("A refund of {amount} for order {code} was recorded.").format(
                amount=amount, code=code
            )
        )
    if kind in RETURN_KINDS:
        return _return_notice(t, kind, data)
    if kind == "return_rejected":
        return Reply(
            _("Your return #{id} for order {code} was not approved. Reason: {reason}").format(
                id=data.get("return_id"), code=code, reason=data.get("note") or "-"
            )
        )
    if kind == "return_refunded":
        return Reply(
            _("Your return #{id} for order {code} was refunded: {amount}.").format(
                id=data.get("return_id"), code=code, amount=amount
            )
        )
    if kind == "support_reply":
        case_id = data.get("case_id")
        return Reply(
            _("💬 The shop replied: {message}").format(message=data.get("message", ""))
            + "\n"
            + _("To answer, tap Reply or reply to this message (case #{id}).").format(id=case_id),
            [[Button(_("Reply"), pack("s"))]],
            ref=f"case:{case_id}",  # a reply to this message goes to the case
        )
    if kind == "support_closed":
        return Reply(
            _(
                "The shop closed your case #{id}. If you need anything else, write to us any time."
            ).format(id=data.get("case_id")),
            [[Button(_("Talk to a person"), pack("s")), Button(_("Menu"), pack("m"))]],
        )
    return None


RETURN_KINDS = {"return_approved", "return_address", "return_received", "return_exchanged"}


def _return_notice(t: Translator, kind: str, data: dict) -> Reply:
    """Where to send the items, that they arrived, that the replacement shipped."""
    _ = t.gettext
    rid, code = data.get("return_id"), data.get("code", "")
    address = str(data.get("address") or "")
    send_to = _("Please send the items to:") + "\n" + address
    if kind == "return_approved":
        text = _("Your return #{id} for order {code} was approved.").format(id=rid, code=code)
        later = _("The shop will send you here the address to send the items to.")
        text += " " + (send_to if address else later)
        text += "\n" + _("We'll tell you when they arrive.")
    elif kind == "return_address":
        text = _("Return #{id} (order {code}):").format(id=rid, code=code) + " " + send_to
    elif kind == "return_received":
        text = _("We received the items of your return #{id} (order {code}).").format(
            id=rid, code=code
        )
        if data.get("resolution") == "exchange":
            text += " " + _(
                "We'll ship your replacement ({items}) soon and send you its tracking number."
            ).format(items=_items(data))
        else:
            text += " " + _("We'll record your refund soon.")
    else:  # return_exchanged: the replacement really left with the carrier
        text = _(
            "🚚 Your replacement for return #{id} (order {code}) is on its way: {items}, with "
            "{carrier}. Tracking number: {number}\nTrack it here: {url}"
        ).format(
            id=rid,
            code=code,
            items=_items(data),
            carrier=data.get("carrier", ""),
            number=data.get("tracking_number", ""),
            url=data.get("tracking_url", ""),
        )
    return Reply(text)


def _items(data: dict) -> str:
    """ "1 × Camisa (L)" for each [quantity, name] of an exchange."""
    return ", ".join(f"{qty} × {name}" for qty, name in data.get("replacements") or [])


def phone_of(t: Translator, data: dict) -> str:
    phone = one_line(data.get("phone"))
    return phone if phone != "-" else t.gettext("no phone")


def case_order(t: Translator, data: dict) -> str:
    """ "order PED-7K3FQ (on its way)", or that the customer has no open order."""
    code = data.get("order_code")
    if not code:
        return t.gettext("no open order")
    status = data.get("order_status")
    text = t.gettext("order {code}").format(code=code)
    return f"{text} ({status_name(t, status)})" if status else text


async def render_message(shop: Shop, message: PendingMessage) -> list[Reply]:
    """The replies for one outbox row, in its recipient's language."""
    locale = await recipient_locale(shop, message)
    t = Translator(locale, shop.settings.store_country)
    if message.recipient == CUSTOMER:
        zone = shop.settings.store_timezone
        reply = render_customer_message(t, message.kind, message.payload, zone)
        replies = [reply] if reply else []
    else:
        replies = await render_admin_message(shop, t, message.kind, message.payload)
    for reply in replies:
        reply.locale = t.locale
    return replies


async def render_admin_message(shop: Shop, t: Translator, kind: str, data: dict) -> list[Reply]:
    _ = t.gettext
    code = data.get("code", "")
    open_order = [[Button(_("Open order"), pack("ao", code))]] if code else []
    if kind in reservation_notices.ADMIN_KINDS:
        notice = reservation_notices.admin_notice(t, kind, data, shop.settings.store_timezone)
        return [notice] if notice else []
    if kind == "new_order":
        details = await orders.order_details(shop, code, SYSTEM)
        return [order_card(shop, t, details, title="🆕 " + _("New order {code}").format(code=code))]
    if kind == "stock_low":
        return [
            Reply(
                "⚠️ "
                + _("Low stock: {name} ({sku}) has {available} left.").format(
                    name=data.get("name"), sku=data.get("sku"), available=data.get("available")
                )
            )
        ]
    if kind == "support_request":
        case_id = data.get("case_id")
        text = _("💬 Case #{id} from {name} ({phone}), {order}:").format(
            id=case_id,
            name=inline(data.get("customer_name")),
            phone=phone_of(t, data),
            order=case_order(t, data),
        )
        return [
            Reply(
                f"{text}\n{quoted(data.get('message', ''))}",
                [
                    [
                        Button(_("Reply"), pack("sr", case_id)),
                        Button(_("Close case"), pack("sc", case_id)),
                    ]
                ],
                ref=f"case:{case_id}",  # a reply to this message answers the case
            )
        ]
    if kind == "support_follow_up":  # a message added to an open case: not a new case
        case_id = data.get("case_id")
        text = _("💬 Case #{id}: {name} ({phone}), {order}, adds:").format(
            id=case_id,
            name=inline(data.get("customer_name")),
            phone=phone_of(t, data),
            order=case_order(t, data),
        )
        answer = [
            Button(_("Reply"), pack("sr", case_id)),
            Button(_("Close case"), pack("sc", case_id)),
        ]
        return [
            Reply(f"{text}\n{quoted(data.get('message', ''))}", [answer], ref=f"case:{case_id}")
        ]
    if kind == "return_requested":
        wants = (
            _("an exchange for {items}").format(items=_items(data))
            if data.get("resolution") == "exchange"
            else _("a refund")
        )
        return [
            Reply(
                _("Return #{id} requested for order {code} ({wants}):").format(
                    id=data.get("return_id"), code=code, wants=wants
                )
                + "\n"
                + quoted(data.get("reason", "")),
                [[Button(_("Open return"), pack("rs", data.get("return_id")))]],
            )
        ]
    if kind == "return_address_missing":
        rid = data.get("return_id")
        return [
            Reply(
                "⚠️ "
                + _(
                    "RETURN_ADDRESS is not set, so the customer of return #{id} (order "
                    "{code}) was told you will send the address for the items. Send it with "
                    "the button, and set RETURN_ADDRESS so customers get it on approval."
                ).format(id=rid, code=code),
                [[Button(_("Send return address"), pack("rad", rid))]],
            )
        ]
    if kind == "transfer_receipt":
        return [
            Reply(
                _("Transfer receipt for order {code}: {file}").format(
                    code=code, file=inline(data.get("file", ""))
                ),
                [
                    [
                        Button(_("Mark as paid"), pack("apd", code)),
                        Button(_("Open order"), pack("ao", code)),
                    ]
                ],
            )
        ]
    if kind == "order_cancelled_by_customer":
        return [
            Reply(_("Order {code} was cancelled by the customer.").format(code=code), open_order)
        ]
    if kind == "low_rating":
        return [
            Reply(
                _("Order {code} was rated {stars}:").format(
                    code=code, stars="★" * int(data.get("stars", 0))
                )
                + "\n"
                + quoted(data.get("comment") or "-"),
                open_order,
            )
        ]
    if kind == "cash_not_recorded":
        return [
            Reply(
                _(
                    "The customer says order {code} arrived. It is cash on delivery: "
                    "mark it paid when the cash is in your hands."
                ).format(code=code),
                [
                    [
                        Button(_("Mark as paid"), pack("apd", code)),
                        Button(_("Open order"), pack("ao", code)),
                    ]
                ],
            )
        ]
    if kind == "customer_forgotten":
        text = (
            _("🔒 Customer #{id} asked to be forgotten: their personal data was erased.")
            if data.get("by") == "customer"
            else _("🔒 Customer #{id}'s personal data was erased.")
        )
        return [Reply(text.format(id=data.get("customer_id", "")))]
    if kind == "internal_error":
        return [
            Reply(
                "⚠️ "
                + _("Internal error {reference} while answering {where}. See the logs.").format(
                    reference=data.get("reference", ""), where=data.get("where", "")
                )
            )
        ]
    if kind == "second_charge":
        text = _(
            "Order {code} was paid twice: a second charge of {amount} arrived ({provider}, "
            "charge {charge}). It is not counted as a payment of the order: give it back "
            "from your payment provider's dashboard."
        )
        return [
            Reply(
                "⚠️ "
                + text.format(
                    code=code,
                    amount=money(t, int(data.get("amount", 0)), shop.currency),
                    provider=inline(str(data.get("provider", "")), 30),
                    charge=inline(str(data.get("charge_id", "")), 60),
                ),
                open_order,
            )
        ]
    if kind == "payment_on_closed_order":
        amount = money(t, int(data.get("amount", 0)), shop.currency)
        return [
            Reply(
                _(
                    "A payment of {amount} arrived for order {code}, which is {status}. "
                    "Refund it with /reembolso {code} {plain}."
                ).format(
                    amount=amount,
                    code=code,
                    status=status_name(t, data.get("status", "")),
                    plain=Money(int(data.get("amount", 0)), shop.currency).format_plain(),
                ),
                open_order,
            )
        ]
    return []
