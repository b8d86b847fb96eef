"""The admin's documents: an order's packing slip (/remision), the picking list of every
order ready to prepare (/surtido), and an order's receipt for the customer (/recibo).
Each is asked of a service as the merchant the person claims to be (the service checks
the claim); the PDFs are drawn in handlers/documents/ (docs/documents.md)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from core.domain.orders import OrderStatus, normalize_order_code
from core.services import documents, orders
from core.services.orders import OrderDetails
from handlers import commands
from handlers.actions import Action, handles
from handlers.admin.actor import actor
from handlers.commands import Audience
from handlers.i18n import Translator
from handlers.turn import Turn
from handlers.types import Button


@dataclass(frozen=True)
class PackingSlip(Action, prefix="slp", admin=True):
    code: str


@dataclass(frozen=True)
class Receipt(Action, prefix="arc", admin=True):
    code: str


def order_code_or_ask(turn: Turn, action: str, rest: str) -> str | None:
    """The order code typed after the command, or None after asking for it."""
    args = rest.split()
    code = normalize_order_code(args[0]) if args else None
    if code is None:
        turn.say(
            turn.t.gettext("Which order? Add its code, e.g. {example}.").format(
                example=f"{commands.slash_name(action, Audience.ADMIN, turn.t.locale)} PED-7K3FQ"
            )
        )
    return code


async def packing_slip_command(turn: Turn, rest: str) -> None:
    code = order_code_or_ask(turn, "packing_slip", rest)
    if code is not None:
        await send_packing_slip(turn, code)


async def receipt_command(turn: Turn, rest: str) -> None:
    code = order_code_or_ask(turn, "receipt", rest)
    if code is not None:
        await send_receipt(turn, code)


async def send_packing_slip(turn: Turn, code: str) -> None:
    details = await documents.packing_slip(turn.shop, actor(turn), code)
    from handlers.documents.packing_slip import packing_slip  # reportlab: on first use

    turn.say(
        turn.t.gettext("Packing slip for {code}").format(code=details.order.code),
        document=packing_slip(turn.shop, turn.t, details),
    )


async def send_picking_list(turn: Turn, _rest: str = "") -> None:
    """Every order ready to prepare in one PDF; none ready is said, not an empty PDF."""
    _ = turn.t.gettext
    ready = await documents.ready_to_prepare(turn.shop, actor(turn))
    turn.reset()
    if not ready:
        turn.say(
            _(
                "No orders are ready to prepare: none is confirmed, or being prepared "
                "and not packed yet."
            )
        )
        return
    from handlers.documents.packing_slip import picking_list

    more = await _more_ready(turn, len(ready))
    # A hundred orders take a while to draw: off the loop, so customers are answered.
    pdf = await asyncio.to_thread(
        picking_list, turn.shop, turn.t, ready, turn.shop.now(), more=more
    )
    units = sum(line.quantity for d in ready for line in d.order.lines)
    text = turn.t.ngettext(
        "Picking list: {n} order ready to prepare",
        "Picking list: {n} orders ready to prepare",
        len(ready),
    ).format(n=len(ready))
    text += " · " + turn.t.ngettext("{n} unit", "{n} units", units).format(n=units)
    if more:
        text += "\n" + turn.t.ngettext(
            "{n} more order is ready to prepare and not on this list (at most {most} on "
            "one): once these are packed, send {command} again.",
            "{n} more orders are ready to prepare and not on this list (at most {most} on "
            "one): once these are packed, send {command} again.",
            more,
        ).format(
            n=more,
            most=documents.MOST_ON_A_PICKING_LIST,
            command=commands.slash_name("picking_list", Audience.ADMIN, turn.t.locale),
        )
    turn.say(text, document=pdf)


async def _more_ready(turn: Turn, listed: int) -> int:
    """How many orders ready to prepare the list left out (it takes the oldest
    MOST_ON_A_PICKING_LIST): counted as the list chooses them, by status, less those
    still awaiting their payment."""
    ready = 0
    for status in documents.READY_TO_PREPARE:
        _, total = await orders.list_orders(turn.shop, actor(turn), status=status, page_size=0)
        _, unpaid = await orders.list_orders(
            turn.shop, actor(turn), status=status, page_size=0, awaiting_payment=True
        )
        ready += total - unpaid
    return max(ready - listed, 0)


async def send_receipt(turn: Turn, code: str) -> None:
    """The receipt in the customer's language (the admin may forward it to them)."""
    _ = turn.t.gettext
    source = await documents.receipt(turn.shop, actor(turn), code)
    from handlers.documents.receipt import receipt

    language = source.locale or turn.shop.settings.default_locale
    pdf = receipt(turn.shop, Translator(language, turn.shop.settings.store_country), source.details)
    turn.say(_("Receipt for order {code}").format(code=source.details.order.code), document=pdf)


def document_buttons(t: Translator, details: OrderDetails) -> list[list[Button]]:
    """The card's document buttons: the packing slip while the order is to be prepared,
    the receipt once it was paid or delivered."""
    _ = t.gettext
    order = details.order
    rows: list[list[Button]] = []
    if order.status in documents.READY_TO_PREPARE and not order.awaits_payment:
        rows.append([Button(_("Packing slip"), PackingSlip(order.code).pack())])
    if documents.has_receipt(order, details.payments) and (
        details.paid or order.status is OrderStatus.DELIVERED
    ):
        rows.append([Button(_("Receipt"), Receipt(order.code).pack())])
    return rows


@handles(PackingSlip)
async def _packing_slip_pressed(turn: Turn, action: PackingSlip) -> bool:
    if not action.code:
        return False
    await send_packing_slip(turn, action.code)
    return True


@handles(Receipt)
async def _receipt_pressed(turn: Turn, action: Receipt) -> bool:
    if not action.code:
        return False
    await send_receipt(turn, action.code)
    return True
