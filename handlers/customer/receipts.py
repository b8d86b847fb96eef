"""The customer's receipt, on request ("mi recibo", "me mandas el ticket de mi compra",
"receipt please"): the order named, else the one they mean (their latest, or a choice
among their recent ones). A receipt is not a tax invoice (CFDI): someone asking for a
"factura" gets the receipt and is told the shop issues invoices (docs/documents.md)."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.actors import customer as customer_actor
from core.domain.errors import NoReceipt
from core.services import documents
from handlers.actions import Action, handles
from handlers.customer import menu
from handlers.customer.menu import ListOrders, MainMenu, TalkToPerson
from handlers.customer.orders import choose_order
from handlers.intents import fold
from handlers.turn import Turn
from handlers.types import Button

# Words that ask for a tax invoice rather than a receipt.
INVOICE_WORDS = ("factura", "facturar", "facturen", "facturacion", "cfdi", "invoice")


@dataclass(frozen=True)
class SendReceipt(Action, prefix="rct"):
    code: str


@handles(SendReceipt)
async def _chosen(turn: Turn, action: SendReceipt) -> bool:
    if not action.code:
        return False
    await send_receipt(turn, action.code)
    return True


def wants_invoice(text: str) -> bool:
    folded = fold(text)
    return any(word in folded for word in INVOICE_WORDS)


def invoice_note(turn: Turn) -> str:
    return turn.t.gettext(
        "This receipt is not a tax invoice (CFDI): invoices are issued by the shop. To "
        "ask for one, talk to a person and give them your tax details."
    )


async def asked(turn: Turn, code: str | None, said: str) -> None:
    """A receipt asked for in words: the order named, the only recent one, or a choice."""
    _ = turn.t.gettext
    invoice = wants_invoice(said)
    if code is not None:
        await send_receipt(turn, code, invoice=invoice)
        return
    recent = await documents.recent_receipts(turn.shop, turn.customer.id, turn.shop.now())
    if len(recent) == 1:
        await send_receipt(turn, recent[0].code, invoice=invoice)
    elif recent:
        question = _("Which order's receipt do you want?")
        if invoice:
            question += "\n" + invoice_note(turn)
        choose_order(turn, question, recent, SendReceipt)
    else:
        menu.main_menu(turn, _("You have no order with a receipt yet."))


async def send_receipt(turn: Turn, code: str, *, invoice: bool = False) -> None:
    """The receipt of one of the customer's own orders (another's code is not found),
    in their language."""
    _ = turn.t.gettext
    try:
        source = await documents.receipt(turn.shop, customer_actor(turn.customer.id), code)
    except NoReceipt as refused:
        menu.main_menu(
            turn,
            _(
                "Order {code} has no receipt: it was cancelled or expired before it was paid."
            ).format(code=refused.data.get("code", code)),
        )
        return
    from handlers.documents.receipt import receipt  # reportlab: on first use

    pdf = receipt(turn.shop, turn.t, source.details)
    text = _("Your receipt for order {code}").format(code=source.details.order.code)
    rows = [[Button(_("My orders"), ListOrders().pack()), Button(_("Menu"), MainMenu().pack())]]
    if invoice:
        text += "\n" + invoice_note(turn)
        rows.insert(0, [Button(_("Talk to a person"), TalkToPerson().pack())])
    turn.reset()
    turn.say(text, rows, document=pdf)
