"""What the admins are told later: one renderer per admin event."""

from __future__ import annotations

from core.domain.actors import SYSTEM
from core.domain.events import (
    CashNotRecorded,
    CustomerForgotten,
    InternalError,
    LowRating,
    NewOrder,
    OrderCancelledByCustomer,
    PaymentOnClosedOrder,
    ReturnAddressMissing,
    ReturnRequested,
    SecondCharge,
    StockRanLow,
    SupportFollowUp,
    SupportRequest,
    TransferReceipt,
    WebhookEndpointDisabled,
)
from core.domain.money import Money
from core.domain.returns import ReturnResolution
from core.services import orders
from handlers.admin.cards import order_card
from handlers.admin.orders import MarkPaid, OpenOrder
from handlers.admin.returns import AskReturnAddress, OpenReturn
from handlers.admin.support import CloseCase, ReplyToCase
from handlers.i18n import Translator
from handlers.notifications.customer import items
from handlers.notifications.registry import Context, renders
from handlers.quoting import inline, one_line, quoted
from handlers.render import money, status_name, when
from handlers.types import Button, Reply


def open_order_row(t: Translator, code: str) -> list[list[Button]]:
    return [[Button(t.gettext("Open order"), OpenOrder(code).pack())]] if code else []


def _mark_paid(t: Translator, code: str) -> list[list[Button]]:
    return [
        [
            Button(t.gettext("Mark as paid"), MarkPaid(code).pack()),
            Button(t.gettext("Open order"), OpenOrder(code).pack()),
        ]
    ]


@renders(NewOrder)
async def new_order(c: Context, e: NewOrder) -> Reply:
    details = await orders.order_details(c.shop, e.code, SYSTEM)
    title = "🆕 " + c.t.gettext("New order {code}").format(code=e.code)
    return order_card(c.shop, c.t, details, title=title)


@renders(StockRanLow)
def stock_low(c: Context, e: StockRanLow) -> Reply:
    return Reply(
        "⚠️ "
        + c.t.gettext("Low stock: {name} ({sku}) has {available} left.").format(
            name=e.name, sku=e.sku, available=e.available
        )
    )


def phone_of(t: Translator, phone: str) -> str:
    shown = one_line(phone)
    return shown if shown != "-" else t.gettext("no phone")


def case_order(t: Translator, code: str | None, status: str) -> str:
    """ "order PED-7K3FQ (on its way)", or that the customer has no open order."""
    if not code:
        return t.gettext("no open order")
    text = t.gettext("order {code}").format(code=code)
    return f"{text} ({status_name(t, status)})" if status else text


def _case_message(c: Context, e: SupportRequest | SupportFollowUp, header: str) -> Reply:
    """A customer's message to a case under its header, with Reply and Close case; a reply
    to this message answers the case."""
    text = header.format(
        id=e.case_id,
        name=inline(e.customer_name),
        phone=phone_of(c.t, e.phone),
        order=case_order(c.t, e.order_code, e.order_status),
    )
    buttons = [
        [
            Button(c.t.gettext("Reply"), ReplyToCase(e.case_id).pack()),
            Button(c.t.gettext("Close case"), CloseCase(e.case_id).pack()),
        ]
    ]
    return Reply(f"{text}\n{quoted(e.message)}", buttons, ref=f"case:{e.case_id}")


@renders(SupportRequest)
def support_request(c: Context, e: SupportRequest) -> Reply:
    return _case_message(c, e, c.t.gettext("💬 Case #{id} from {name} ({phone}), {order}:"))


@renders(SupportFollowUp)
def support_follow_up(c: Context, e: SupportFollowUp) -> Reply:
    """A message added to an open case: not a new case."""
    return _case_message(c, e, c.t.gettext("💬 Case #{id}: {name} ({phone}), {order}, adds:"))


@renders(ReturnRequested)
def return_requested(c: Context, e: ReturnRequested) -> Reply:
    _ = c.t.gettext
    wants = (
        _("an exchange for {items}").format(items=items(e.replacements))
        if e.resolution is ReturnResolution.EXCHANGE
        else _("a refund")
    )
    return Reply(
        _("Return #{id} requested for order {code} ({wants}):").format(
            id=e.return_id, code=e.code, wants=wants
        )
        + "\n"
        + quoted(e.reason),
        [[Button(_("Open return"), OpenReturn(e.return_id).pack())]],
    )


@renders(ReturnAddressMissing)
def return_address_missing(c: Context, e: ReturnAddressMissing) -> Reply:
    _ = c.t.gettext
    return Reply(
        "⚠️ "
        + _(
            "RETURN_ADDRESS is not set, so the customer of return #{id} (order "
            "{code}) was told you will send the address for the items. Send it with "
            "the button, and set RETURN_ADDRESS so customers get it on approval."
        ).format(id=e.return_id, code=e.code),
        [[Button(_("Send return address"), AskReturnAddress(e.return_id).pack())]],
    )


@renders(TransferReceipt)
def transfer_receipt(c: Context, e: TransferReceipt) -> Reply:
    return Reply(
        c.t.gettext("Transfer receipt for order {code}: {file}").format(
            code=e.code, file=inline(e.file)
        ),
        _mark_paid(c.t, e.code),
    )


@renders(OrderCancelledByCustomer)
def order_cancelled_by_customer(c: Context, e: OrderCancelledByCustomer) -> Reply:
    return Reply(
        c.t.gettext("Order {code} was cancelled by the customer.").format(code=e.code),
        open_order_row(c.t, e.code),
    )


@renders(LowRating)
def low_rating(c: Context, e: LowRating) -> Reply:
    return Reply(
        c.t.gettext("Order {code} was rated {stars}:").format(code=e.code, stars="★" * e.stars)
        + "\n"
        + quoted(e.comment or "-"),
        open_order_row(c.t, e.code),
    )


@renders(CashNotRecorded)
def cash_not_recorded(c: Context, e: CashNotRecorded) -> Reply:
    return Reply(
        c.t.gettext(
            "The customer says order {code} arrived. It is cash on delivery: "
            "mark it paid when the cash is in your hands."
        ).format(code=e.code),
        _mark_paid(c.t, e.code),
    )


@renders(CustomerForgotten)
def customer_forgotten(c: Context, e: CustomerForgotten) -> Reply:
    _ = c.t.gettext
    text = (
        _("🔒 Customer #{id} asked to be forgotten: their personal data was erased.")
        if e.by == "customer"
        else _("🔒 Customer #{id}'s personal data was erased.")
    )
    return Reply(text.format(id=e.customer_id))


@renders(InternalError)
def internal_error(c: Context, e: InternalError) -> Reply:
    return Reply(
        "⚠️ "
        + c.t.gettext("Internal error {reference} while answering {where}. See the logs.").format(
            reference=e.reference, where=e.where
        )
    )


@renders(SecondCharge)
def second_charge(c: Context, e: SecondCharge) -> Reply:
    text = c.t.gettext(
        "Order {code} was paid twice: a second charge of {amount} arrived ({provider}, "
        "charge {charge}). It is not counted as a payment of the order: give it back "
        "from your payment provider's dashboard."
    )
    return Reply(
        "⚠️ "
        + text.format(
            code=e.code,
            amount=money(c.t, e.amount, c.shop.currency),
            provider=inline(e.provider, 30),
            charge=inline(e.charge_id, 60),
        ),
        open_order_row(c.t, e.code),
    )


@renders(PaymentOnClosedOrder)
def payment_on_closed_order(c: Context, e: PaymentOnClosedOrder) -> Reply:
    return Reply(
        c.t.gettext(
            "A payment of {amount} arrived for order {code}, which is {status}. "
            "Refund it with /reembolso {code} {plain}."
        ).format(
            amount=money(c.t, e.amount, c.shop.currency),
            code=e.code,
            status=status_name(c.t, e.status or ""),
            plain=Money(e.amount, c.shop.currency).format_plain(),
        ),
        open_order_row(c.t, e.code),
    )


@renders(WebhookEndpointDisabled)
def webhook_endpoint_disabled(c: Context, e: WebhookEndpointDisabled) -> Reply:
    _ = c.t.gettext
    if e.failing_since is not None:
        text = _(
            "Webhook #{id} ({url}) was turned off: every attempt to send it the shop's "
            "events failed since {since}."
        ).format(
            id=e.endpoint_id, url=e.url, since=when(c.t, e.failing_since, c.shop.now(), c.zone)
        )
    else:
        text = _(
            "Webhook #{id} ({url}) was turned off: sending it the shop's events failed."
        ).format(id=e.endpoint_id, url=e.url)
    lines = ["⚠️ " + text]
    if e.last_error.strip():
        lines.append(_("Last answer: {error}").format(error=inline(e.last_error, 160)))
    lines.append(
        _(
            "Nothing more is sent there until you turn it back on, once the system that "
            "receives them works again: pedidos webhook enable {id}"
        ).format(id=e.endpoint_id)
    )
    return Reply("\n".join(lines))
