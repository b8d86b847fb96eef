"""The admin's purchase orders to suppliers: the list (/compras), one order with its
lines, what came and what is still to come, its timeline and buttons for the next
moves (/compra), a new one by hand (/nuevacompra) or from the reorder suggestions (the
DraftPurchaseOrder button), send with its PDF (/enviarcompra), receive (/recibir),
close (/cerrarcompra) and cancel (/cancelarcompra). Every action is a service call
(core/services/purchase_orders.py) that checks the admin claim."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from babel.numbers import format_decimal

from core.domain.actors import ActorKind
from core.domain.errors import DomainError, InvalidTransition
from core.domain.purchase_orders import (
    MAX_QUANTITY,
    OPEN,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    allowed_targets,
    normalize_purchase_order_code,
)
from core.domain.suppliers import Supplier, name_key, parse_cost
from core.services import admins, inventory
from core.services import purchase_orders as service
from core.services.purchase_orders import LineRequest, PurchaseOrderDetails
from handlers.actions import Action, handles
from handlers.admin.actor import actor
from handlers.admin.cards import who
from handlers.commands import Audience, slash_name
from handlers.i18n import N_, Translator
from handlers.payloads import whole_number
from handlers.quoting import inline, one_line
from handlers.render import day, money, when
from handlers.turn import Turn
from handlers.types import Button, Reply

S = PurchaseOrderStatus
LIST_PAGE = 8
EXAMPLE = "TAZA-TAL 12, GOR-ROJA 6 45.50"
NOTES_EXAMPLE = N_("deliver in the morning")


# --- Buttons. Payloads never change once in admins' chats: a prefix or a field's order
# stays as it is. ---


# A draft purchase order from a supplier's reorder suggestions (the suppliers' screen,
# /reabastecer, carries this button). Its payload never changes: "pqd:<supplier id>".
@dataclass(frozen=True)
class DraftPurchaseOrder(Action, prefix="pqd", admin=True):
    supplier_id: int


@dataclass(frozen=True)
class ListPurchaseOrders(Action, prefix="pql", admin=True):
    status: str = "open"  # a status, "open" or "all"
    page: int = 0
    supplier_id: int | None = None


@dataclass(frozen=True)
class OpenPurchaseOrder(Action, prefix="pqo", admin=True):
    code: str


@dataclass(frozen=True)
class SendPurchaseOrder(Action, prefix="pqs", admin=True):
    code: str


@dataclass(frozen=True)
class PurchaseOrderPdf(Action, prefix="pqp", admin=True):
    code: str


@dataclass(frozen=True)
class ReceiveOutstanding(Action, prefix="pqr", admin=True):
    code: str


@dataclass(frozen=True)
class ClosePurchaseOrder(Action, prefix="pqc", admin=True):
    code: str


@dataclass(frozen=True)
class CancelPurchaseOrder(Action, prefix="pqx", admin=True):
    code: str
    reason: str | None = None  # a key of CANCEL_REASONS; None: ask which


# The usual reasons, a button each; any other is typed with /cancelarcompra CODE reason.
CANCEL_REASONS = {
    "mistake": N_("Ordered by mistake"),
    "supplier": N_("The supplier can't supply it"),
    "elsewhere": N_("Bought elsewhere"),
}


# --- Words ---


def status_name(t: Translator, status: str) -> str:
    _ = t.gettext
    return {
        S.DRAFT: _("a draft, not sent yet"),
        S.SENT: _("sent, waiting for the goods"),
        S.PARTIALLY_RECEIVED: _("partly received"),
        S.RECEIVED: _("received in full"),
        S.CLOSED: _("closed"),
        S.CANCELLED: _("cancelled by the shop"),
    }.get(status, status)  # type: ignore[call-overload]


def list_title(t: Translator, status: str) -> str:
    """The heading of /compras for one status, a plural of its own ("Closed purchase
    orders: 2", not "Purchase orders: closed: 2")."""
    _ = t.gettext
    return {
        S.DRAFT: _("Draft purchase orders"),
        S.SENT: _("Sent purchase orders, waiting for the goods"),
        S.PARTIALLY_RECEIVED: _("Partly received purchase orders"),
        S.RECEIVED: _("Purchase orders received in full"),
        S.CLOSED: _("Closed purchase orders"),
        S.CANCELLED: _("Cancelled purchase orders"),
    }.get(status, status)  # type: ignore[call-overload]


def slash(t: Translator, action: str) -> str:
    """A command as the reader writes it ("/cerrarcompra", "/closepurchase"): texts
    name commands through this, never spelled out."""
    return slash_name(action, Audience.ADMIN, t.locale)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


# What /compras understands, in either language, with or without accents.
_STATUS_WORDS: dict[str, str] = {
    **dict.fromkeys(("", "abiertas", "abiertos", "open", "pendientes"), "open"),
    **dict.fromkeys(("todas", "todos", "all"), "all"),
    **dict.fromkeys(("borrador", "borradores", "draft", "drafts"), S.DRAFT),
    **dict.fromkeys(("enviada", "enviadas", "sent"), S.SENT),
    **dict.fromkeys(
        ("parcial", "parciales", "en parte", "recibidas en parte", "partial", "partly received"),
        S.PARTIALLY_RECEIVED,
    ),
    **dict.fromkeys(("recibida", "recibidas", "received"), S.RECEIVED),
    **dict.fromkeys(("cerrada", "cerradas", "closed"), S.CLOSED),
    **dict.fromkeys(("cancelada", "canceladas", "cancelled", "canceled"), S.CANCELLED),
}


def _statuses(key: str) -> set[PurchaseOrderStatus] | None:
    if key == "all":
        return None
    if key == "open":
        return set(OPEN)
    return {S(key)}


def event_text(t: Translator, event: PurchaseOrderEvent, currency: str) -> str:
    _ = t.gettext
    data = event.data or {}
    if event.kind == "created":
        if data.get("source") == "suggestions":
            return _("Drafted from the reorder suggestions")
        return _("Drafted")
    if event.kind in ("line_added", "line_changed"):
        text = ("{sku} ×{quantity}").format(sku=data.get("sku", ""), quantity=data.get("quantity"))
        if isinstance(data.get("unit_cost"), int):
            text += " @ " + money(t, data["unit_cost"], currency)
        label = _("Line added") if event.kind == "line_added" else _("Line changed")
        return f"{label}: {text}"
    if event.kind == "line_removed":
        return _("Line removed: {sku}").format(sku=data.get("sku", ""))
    if event.kind == "sent":
        return _("Sent to the supplier")
    if event.kind == "received":
        parts = ", ".join(
            f"{x.get('sku', '')} ×{x.get('quantity', '')}"
            for x in data.get("lines", [])
            if isinstance(x, dict)
        )
        return _("Received: {lines}").format(lines=parts)
    if event.kind == "closed":
        missing = data.get("outstanding")
        if isinstance(missing, int) and missing > 0:
            return t.ngettext(
                "Closed ({count} unit never came)", "Closed ({count} units never came)", missing
            ).format(count=missing)
        return _("Closed")
    if event.kind == "cancelled":
        return _("Cancelled: {reason}").format(reason=inline(str(data.get("reason", "")), 200))
    return event.kind


# --- Screens ---


def _buttons(t: Translator, order: PurchaseOrder) -> list[list[Button]]:
    """Exactly the moves the status machine allows now, and the PDF."""
    _ = t.gettext
    code = order.code
    rows: list[list[Button]] = []
    targets = allowed_targets(order.status, ActorKind.MERCHANT)
    if S.SENT in targets:
        rows.append([Button(_("Send (PDF)"), SendPurchaseOrder(code).pack())])
    if S.RECEIVED in targets:
        label = _("Receive all") if order.received == 0 else _("Receive the rest")
        rows.append([Button(label, ReceiveOutstanding(code).pack())])
    if S.CLOSED in targets:
        label = _("Close") if order.outstanding == 0 else _("Close (the rest won't come)")
        rows.append([Button(label, ClosePurchaseOrder(code).pack())])
    if S.CANCELLED in targets:
        rows.append([Button(_("Cancel purchase order"), CancelPurchaseOrder(code).pack())])
    if order.status is not S.CANCELLED:
        rows.append([Button(_("PDF"), PurchaseOrderPdf(code).pack())])
    rows.append([Button(_("Purchase orders"), ListPurchaseOrders().pack())])
    return rows


def _line_text(t: Translator, order: PurchaseOrder, line: PurchaseOrderLine) -> str:
    _ = t.gettext
    cost = money(t, line.unit_cost.amount, order.currency) if line.unit_cost else _("no cost")
    head = f"• {line.sku} · {line.name}"
    if line.supplier_sku:
        head += f" ({line.supplier_sku})"
    if order.status in (S.DRAFT, S.CANCELLED) or (order.status is S.SENT and not line.received):
        amount = f"{line.quantity} × {cost}"
        return f"{head}: {amount}"
    came = _("{received} of {quantity} received").format(
        received=line.received, quantity=line.quantity
    )
    if line.outstanding and order.status is not S.CLOSED:
        came += ", " + _("{count} to come").format(count=line.outstanding)
    return f"{head}: {came} · {cost}"


async def card(turn: Turn, details: PurchaseOrderDetails, title: str = "") -> Reply:
    t = turn.t
    _ = t.gettext
    order, supplier = details.order, details.supplier
    heading = _("Purchase order {code}: {status}").format(
        code=order.code, status=status_name(t, order.status)
    )
    reach = " · ".join(
        one_line(x, 60) for x in (supplier.contact, supplier.phone, supplier.email) if x
    )
    lines = [title, heading] if title else [heading]
    lines.append(
        _("Supplier: {name}").format(name=one_line(supplier.name, 120))
        + (f" ({reach})" if reach else "")
    )
    if order.expected_at is not None and order.status in (S.SENT, S.PARTIALLY_RECEIVED):
        lines.append(_("Expected by: {date}").format(date=day(t, order.expected_at, turn.zone)))
    lines += [_line_text(t, order, line) for line in order.lines]
    total = _("Total: {amount}").format(amount=money(t, order.total.amount, order.currency))
    if order.unpriced:
        total += " " + t.ngettext(
            "({count} line without cost)", "({count} lines without cost)", order.unpriced
        ).format(count=order.unpriced)
    lines.append(total)
    if order.notes:
        lines.append(_("Notes: {notes}").format(notes=inline(order.notes, 300)))
    names = await admins.admin_names(turn.shop, (e.actor for e in details.timeline))
    now = turn.shop.now()
    lines += [
        f"• {when(t, e.at, now, turn.zone)} — {event_text(t, e, order.currency)} "
        f"({who(t, e.actor, names)})"
        for e in details.timeline
    ]
    return Reply("\n".join(lines), _buttons(t, order))


async def show(turn: Turn, details: PurchaseOrderDetails, title: str = "") -> None:
    turn.reset()
    turn.replies.append(await card(turn, details, title))


async def send_pdf(turn: Turn, details: PurchaseOrderDetails) -> None:
    """The PDF the supplier reads, in the shop's language (not the admin's)."""
    # reportlab (8 MiB) loads with the first document, not in every bot process.
    from handlers.documents.purchase_order import purchase_order_pdf

    settings = turn.shop.settings
    shop_language = Translator(settings.default_locale, settings.store_country)
    document = purchase_order_pdf(turn.shop, shop_language, details)
    supplier = details.supplier
    where = " · ".join(x for x in (supplier.email, supplier.phone) if x)
    text = turn.t.gettext("Purchase order {code} for {supplier}").format(
        code=details.order.code, supplier=one_line(supplier.name, 120)
    )
    turn.say(text + (f" ({where})" if where else ""), document=document)


# --- Commands ---


def _code_or_ask(turn: Turn, action: str, text: str) -> str | None:
    code = normalize_purchase_order_code(text) if text else None
    if code is None:
        turn.say(
            turn.t.gettext("Which purchase order? Add its code, e.g. {example}.").format(
                example=f"{slash_name(action, Audience.ADMIN, turn.t.locale)} OC-7K3F"
            )
        )
    return code


async def list_command(turn: Turn, rest: str) -> None:
    """/compras [status | supplier] [page]."""
    args = rest.split()
    page = whole_number(args[-1]) if args else None
    words = " ".join(args[:-1] if page is not None else args)
    key = _STATUS_WORDS.get(_plain(words))
    supplier_id = None
    if key is None:
        supplier = await _find_supplier(turn, words)
        if supplier is None:
            turn.say(
                turn.t.gettext(
                    "I don't know “{words}”: write {command} and a status ({statuses}) or "
                    "a supplier's name."
                ).format(
                    words=one_line(words, 40),
                    command=slash(turn.t, "purchase_orders"),
                    # Words _STATUS_WORDS understands, in the reader's language.
                    statuses=turn.t.gettext(
                        "drafts, sent, partial, received, closed, cancelled, all"
                    ),
                )
            )
            return
        key, supplier_id = "all", supplier.id
    await list_screen(turn, key, max((page or 1) - 1, 0), supplier_id)


async def list_screen(turn: Turn, key: str, page: int, supplier_id: int | None) -> None:
    _ = turn.t.gettext
    if key not in ("open", "all") and key not in set(S):
        key = "open"
    found = await service.list_purchase_orders(
        turn.shop,
        actor(turn),
        statuses=_statuses(key),
        supplier_id=supplier_id,
        offset=page * LIST_PAGE,
        limit=LIST_PAGE,
    )
    turn.reset()
    if key == "open":
        title = _("Open purchase orders")
    elif key == "all":
        title = _("All purchase orders")
    else:
        title = list_title(turn.t, key)
    if supplier_id is not None and supplier_id in found.suppliers:
        title += " · " + one_line(found.suppliers[supplier_id].name, 60)
    if not found.orders:
        turn.say(
            title
            + "\n"
            + _("None. Start one with {new}, or from the suggestions in {reorder}.").format(
                new=slash(turn.t, "new_purchase_order"), reorder=slash(turn.t, "reorder")
            )
        )
        return
    rows = []
    for order in found.orders:
        supplier = found.suppliers.get(order.supplier_id)
        label = (
            f"{order.code} · {one_line(supplier.name if supplier else '', 24)} · "
            f"{status_name(turn.t, order.status)} · "
            f"{money(turn.t, order.total.amount, order.currency)}"
        )
        rows.append([Button(label, OpenPurchaseOrder(order.code).pack())])
    nav = []
    if page > 0:
        nav.append(Button(_("« Previous"), ListPurchaseOrders(key, page - 1, supplier_id).pack()))
    if (page + 1) * LIST_PAGE < found.total:
        nav.append(Button(_("Next »"), ListPurchaseOrders(key, page + 1, supplier_id).pack()))
    if nav:
        rows.append(nav)
    turn.say(
        _("{title}: {total} (page {page})").format(title=title, total=found.total, page=page + 1),
        rows,
    )


async def show_command(turn: Turn, rest: str) -> None:
    """/compra CODE: the card. /compra CODE SKU QTY [cost], …: a draft's lines set (0
    takes one off), all of them or none."""
    code_text, _sep, edit = rest.strip().partition(" ")
    code = _code_or_ask(turn, "purchase_order", code_text)
    if code is None:
        return
    if not edit.strip():
        await show(turn, await service.purchase_order_details(turn.shop, actor(turn), code))
        return
    details = await service.purchase_order_details(turn.shop, actor(turn), code)
    parsed = _lines(turn, edit, details.order.currency, with_cost=True, allow_zero=True)
    if parsed is None:
        return
    try:
        details = await service.edit_lines(turn.shop, actor(turn), code, parsed)
    except DomainError as error:
        if len(parsed) < 2:
            raise
        await _edit_refused(turn, error, code)
        return
    await show(turn, details, turn.t.gettext("Purchase order {code} updated.").format(code=code))


async def _edit_refused(turn: Turn, error: DomainError, code: str) -> None:
    """One line of several refused: say which, and that the others were not applied
    either (the edit is all or nothing)."""
    _ = turn.t.gettext
    text = await explain(turn, error)
    if text is None and error.code == "product_not_found":
        text = _("There is no product with SKU {sku}.").format(
            sku=one_line(str(error.data.get("sku", "")), 64)
        )
    if text is None:
        raise error
    turn.reset()
    nothing = _("Nothing changed on purchase order {code}: fix that line and send them all again.")
    turn.say(
        text + "\n" + nothing.format(code=code),
        [[Button(_("Open {code}").format(code=code), OpenPurchaseOrder(code).pack())]],
    )


async def new_command(turn: Turn, rest: str) -> None:
    """/nuevacompra SUPPLIER; SKU QTY [cost], SKU QTY…[; notes for the supplier] (the
    first ";" may be left out when the supplier's name is followed by the first SKU)."""
    _ = turn.t.gettext
    usage = _(
        "Write {command}, the supplier, then each product's SKU and quantity (a unit "
        "cost after it is optional) and, after another “;”, notes for the supplier, e.g.\n"
        "{command} {supplier}; {example}; {notes}"
    )
    new = slash(turn.t, "new_purchase_order")
    supplier_text, separated, lines_text = rest.partition(";")
    if not supplier_text.strip():  # nothing, or ";; …": no supplier to look for
        suppliers = await service.suppliers_to_order_from(turn.shop, actor(turn))
        name = suppliers[0].name if suppliers else "Talavera Uriarte"
        text = usage.format(command=new, supplier=name, example=EXAMPLE, notes=_(NOTES_EXAMPLE))
        if rest.strip():
            text = _("Which supplier? Write its name first.") + "\n" + text
        turn.say(text)
        return
    supplier = await _find_supplier(turn, supplier_text) if separated else None
    if supplier is None:  # the name followed by the first SKU, no ";" between them
        supplier, lines_text = await _supplier_prefix(turn, rest)
    if supplier is None:
        supplier_text = supplier_text if separated else rest.split()[0]
        turn.say(
            _("There is no supplier “{name}”. {suppliers} lists them.").format(
                name=one_line(supplier_text, 60), suppliers=slash(turn.t, "suppliers")
            )
        )
        return
    lines_text, _sep, notes = lines_text.partition(";")  # what follows goes on the PDF
    if not lines_text.strip():
        turn.say(
            usage.format(
                command=new, supplier=supplier.name, example=EXAMPLE, notes=_(NOTES_EXAMPLE)
            )
        )
        return
    parsed = _lines(turn, lines_text, supplier.currency, with_cost=True)
    if parsed is None:
        return
    details = await service.create_draft(
        turn.shop, actor(turn), supplier.id, parsed, notes=notes.strip()
    )
    await show(
        turn,
        details,
        _("📝 Draft purchase order {code} for {supplier}: check it, then send it.").format(
            code=details.order.code, supplier=one_line(supplier.name, 120)
        ),
    )


async def send_command(turn: Turn, rest: str) -> None:
    code = _code_or_ask(turn, "send_purchase_order", rest.split()[0] if rest.split() else "")
    if code is not None:
        await send(turn, code)


async def send(turn: Turn, code: str) -> None:
    details = await service.send(turn.shop, actor(turn), code)
    await show(
        turn,
        details,
        turn.t.gettext(
            "📤 Purchase order {code} is sent. Forward this PDF to the supplier:"
        ).format(code=code),
    )
    await send_pdf(turn, details)


async def receive_command(turn: Turn, rest: str) -> None:
    """/recibir CODE: everything still to come. /recibir CODE SKU QTY, SKU QTY: those."""
    code_text, _sep, what = rest.strip().partition(" ")
    code = _code_or_ask(turn, "receive", code_text)
    if code is None:
        return
    quantities = None
    if what.strip():
        parsed = _lines(turn, what, "", with_cost=False)
        if parsed is None:
            return
        quantities = {}
        for request in parsed:
            key = request.sku.upper()
            quantities[key] = quantities.get(key, 0) + request.quantity
    await receive(turn, code, quantities)


async def receive(turn: Turn, code: str, quantities: dict[str, int] | None) -> None:
    _ = turn.t.gettext
    outcome = await service.receive(turn.shop, actor(turn), code, quantities)
    parts = []
    for receipt in outcome.receipts:
        product = await inventory.product_for_admin(turn.shop, actor(turn), receipt.sku)
        parts.append(
            _("{sku} +{quantity} (now {available} available)").format(
                sku=receipt.sku, quantity=receipt.quantity, available=product.available
            )
        )
    await show(
        turn,
        outcome.details,
        _("📥 Into stock from {code}: {lines}").format(code=code, lines=", ".join(parts)),
    )


async def close_command(turn: Turn, rest: str) -> None:
    code = _code_or_ask(turn, "close_purchase_order", rest.split()[0] if rest.split() else "")
    if code is not None:
        await close(turn, code)


async def close(turn: Turn, code: str) -> None:
    details = await service.close(turn.shop, actor(turn), code)
    await show(turn, details, turn.t.gettext("Purchase order {code} closed.").format(code=code))


async def cancel_command(turn: Turn, rest: str) -> None:
    code_text, _sep, reason = rest.strip().partition(" ")
    code = _code_or_ask(turn, "cancel_purchase_order", code_text)
    if code is None:
        return
    if not reason.strip():
        await ask_cancel_reason(turn, code)
        return
    await cancel(turn, code, reason.strip()[:500])


async def ask_cancel_reason(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    # Refused now if it can't be cancelled, rather than after the reason is chosen.
    details = await service.purchase_order_details(turn.shop, actor(turn), code)
    status = details.order.status
    if S.CANCELLED not in allowed_targets(status, ActorKind.MERCHANT):
        # The refusal a typed reason gets (explain words it): one answer either way.
        raise InvalidTransition(
            entity="purchase_order", from_status=str(status), to_status=str(S.CANCELLED), code=code
        )
    rows = [
        [Button(_(label), CancelPurchaseOrder(code, key).pack())]
        for key, label in CANCEL_REASONS.items()
    ]
    rows.append([Button(_("Back"), OpenPurchaseOrder(code).pack())])
    turn.reset()
    turn.say(
        _(
            "Why cancel purchase order {code}? Choose a reason, or write {command} {code} and "
            "your own."
        ).format(code=code, command=slash(turn.t, "cancel_purchase_order")),
        rows,
    )


async def cancel(turn: Turn, code: str, reason: str) -> None:
    details = await service.cancel(turn.shop, actor(turn), code, reason)
    await show(turn, details, turn.t.gettext("Purchase order {code} cancelled.").format(code=code))


# --- Typed lines and suppliers ---

# Lines are separated by commas (not a decimal comma: "45,50" stays one cost), new
# lines or semicolons.
_LINE_BREAK = re.compile(r",(?=\s|[^\d\s])|[\n;]")


def _lines(
    turn: Turn, text: str, currency: str, *, with_cost: bool, allow_zero: bool = False
) -> list[LineRequest] | None:
    """ "TAZA-TAL 12, GOR-ROJA 6 45.50" -> lines; None (after saying which piece was not
    understood) when one can't be read. Quantities are checked by the service."""
    _ = turn.t.gettext
    requests = []
    for piece in (p.strip() for p in _LINE_BREAK.split(text)):
        if not piece:
            continue
        words = piece.split()
        typed = words[1].lower().strip("x×") if len(words) > 1 else ""
        quantity = whole_number(typed) if typed else None
        if quantity is None and re.fullmatch(r"[+-]?[0-9]+", typed):  # whole, just too big
            turn.say(
                _("Use a whole number from 1 to {maximum} for {sku}.").format(
                    maximum=format_decimal(MAX_QUANTITY, locale=turn.t.format_locale),
                    sku=one_line(words[0], 64),
                )
            )
            return None
        cost = None
        readable = quantity is not None and len(words) <= (3 if with_cost else 2)
        if readable and len(words) == 3:
            try:
                cost = parse_cost(words[2].lstrip("$"), currency)
            except DomainError:
                readable = False
        if not readable or (quantity == 0 and not allow_zero):
            if with_cost:
                hint = _(
                    "write the SKU and the quantity, e.g. {example} (a unit cost after "
                    "it is optional: {priced})"
                ).format(example="TAZA-TAL 12", priced="TAZA-TAL 12 85.50")
            else:
                hint = _("write the SKU and the quantity, e.g. {example}").format(
                    example="TAZA-TAL 12"
                )
            if quantity == 0:
                hint = _("the quantity must be at least 1")
            turn.say(
                _("I couldn't read “{piece}”: {hint}.").format(piece=one_line(piece, 60), hint=hint)
            )
            return None
        requests.append(LineRequest(words[0], quantity, cost))  # type: ignore[arg-type]
    if not requests:
        turn.say(
            _("Add at least one line: a SKU and its quantity, e.g. {example}.").format(
                example="TAZA-TAL 12"
            )
        )
        return None
    return requests


async def _find_supplier(turn: Turn, text: str) -> Supplier | None:
    """A supplier by name (any case and spacing) or number ("3", "#3")."""
    wanted = text.strip()
    if not wanted:
        return None
    suppliers = await service.suppliers_to_order_from(turn.shop, actor(turn), active=False)
    number = whole_number(wanted.lstrip("#"))
    for supplier in suppliers:
        if name_key(supplier.name) == name_key(wanted) or supplier.id == number:
            return supplier
    return None


async def _supplier_prefix(turn: Turn, text: str) -> tuple[Supplier | None, str]:
    """The supplier whose name the message starts with, the longest such name first,
    and what follows it: "Talavera Uriarte TAZA-TAL 12" -> (Talavera Uriarte, "TAZA-TAL
    12")."""
    words = text.split()
    suppliers = await service.suppliers_to_order_from(turn.shop, actor(turn), active=False)
    by_name = {name_key(s.name): s for s in suppliers}
    for size in range(len(words), 0, -1):
        found = by_name.get(name_key(" ".join(words[:size])))
        if found is None and size == 1:
            number = whole_number(words[0].lstrip("#"))
            found = next((s for s in suppliers if s.id == number), None)
        if found is not None:
            return found, " ".join(words[size:])
    return None, text


# --- Errors in words ---


async def explained(turn: Turn, run: Callable[[], Awaitable[object]]) -> object:
    """Run a purchase-order action; its refusals are answered here, in the admin's
    language, others by the admin chat's explainer."""
    try:
        return await run()
    except DomainError as error:
        text = await explain(turn, error)
        if text is None:
            raise
        turn.reset()
        code = str(error.data.get("code", ""))
        rows = []
        if error.code != "purchase_order_not_found" and code.startswith("OC-"):
            rows = [
                [
                    Button(
                        turn.t.gettext("Open {code}").format(code=code),
                        OpenPurchaseOrder(code).pack(),
                    )
                ]
            ]
        turn.say(text, rows)
        return None


async def explain(turn: Turn, error: DomainError) -> str | None:
    _ = turn.t.gettext
    data, code = error.data, error.code
    po_code = str(data.get("code", ""))
    if code == "purchase_order_not_found":
        return _("There is no purchase order {code}.").format(code=po_code)
    if code == "invalid_transition" and data.get("entity") == "purchase_order":
        return await _refused_move(turn, data)
    if code == "not_on_purchase_order":
        return _("{sku} is not on purchase order {code}.").format(
            sku=one_line(str(data.get("sku", "")), 64), code=po_code
        )
    if code == "receipt_too_large":
        return _(
            "Nothing received: {requested} × {sku} is more than is still to come on "
            "purchase order {code} ({outstanding} of {ordered})."
        ).format(
            requested=data.get("requested"),
            sku=data.get("sku"),
            code=po_code,
            outstanding=data.get("outstanding"),
            ordered=data.get("ordered"),
        )
    if code == "invalid_quantity" and "maximum" in data:
        if "lines" in data:
            return _("A purchase order takes up to {maximum} lines.").format(
                maximum=data["maximum"]
            )
        sku = str(data.get("sku", ""))
        return _("Use a whole number from 1 to {maximum} for {sku}.").format(
            maximum=format_decimal(int(data["maximum"]), locale=turn.t.format_locale),
            sku=sku or "-",
        )
    if code == "empty_purchase_order":
        return _("Add at least one line: a SKU and its quantity, e.g. {example}.").format(
            example="TAZA-TAL 12"
        )
    if code == "reason_required":
        return _("Why? Write {command} {code} and the reason.").format(
            command=slash(turn.t, "cancel_purchase_order"), code=po_code
        )
    if code == "nothing_to_reorder":
        return _("The suggestions have nothing to reorder from this supplier right now.")
    if code == "supplier_not_found":
        if data.get("inactive"):
            return _("That supplier is inactive: turn it on again to order from it.")
        return _("There is no such supplier. {suppliers} lists them.").format(
            suppliers=slash(turn.t, "suppliers")
        )
    if code == "invalid_cost":
        return _("Write the cost like 85.50.")
    return None


async def _refused_move(turn: Turn, data: dict) -> str:
    """A move the purchase order can't make now: why, and who moved it last (two admins
    pressing one button; a button from an older message)."""
    _ = turn.t.gettext
    code, frm, to = (
        str(data.get("code", "")),
        str(data.get("from_status", "")),
        data.get("to_status"),
    )
    status = status_name(turn.t, frm)
    if to == "edited":
        return _(
            "Purchase order {code} is {status}: its lines change only while it is a draft."
        ).format(code=code, status=status)
    if frm == S.DRAFT and to in (S.RECEIVED, S.PARTIALLY_RECEIVED, S.CLOSED):
        return _("Purchase order {code} hasn't been sent yet: send it first.").format(code=code)
    if frm in (S.PARTIALLY_RECEIVED, S.RECEIVED) and to == S.CANCELLED:
        # Typed with a reason, without one, or the button: always this answer.
        return _(
            "Purchase order {code} can't be cancelled: goods came in for it ({status}). "
            "Close it instead with {command} {code}."
        ).format(code=code, status=status, command=slash(turn.t, "close_purchase_order"))
    if frm == S.SENT and to == S.CLOSED:
        return _(
            "Nothing has come in for purchase order {code} yet: receive it, or cancel it."
        ).format(code=code)
    try:
        details = await service.purchase_order_details(turn.shop, actor(turn), code)
    except DomainError:
        details = None
    moves = [e for e in details.timeline if e.to_status] if details else []
    if not moves:
        return _("That can't be done now: purchase order {code} is {status}.").format(
            code=code, status=status
        )
    last = moves[-1]
    names = await admins.admin_names(turn.shop, [last.actor])
    return _("Nothing done: purchase order {code} is already {status} ({who}, {when}).").format(
        code=code,
        status=status_name(turn.t, last.to_status or frm),
        who=who(turn.t, last.actor, names),
        when=when(turn.t, last.at, turn.shop.now(), turn.zone),
    )


# --- What the router calls, and the buttons ---


def command(action: str) -> Callable[[Turn, str], Awaitable[None]]:
    run = COMMANDS[action]

    async def on_command(turn: Turn, rest: str) -> None:
        await explained(turn, lambda: run(turn, rest))

    return on_command


COMMANDS: dict[str, Callable[[Turn, str], Awaitable[None]]] = {
    "purchase_orders": list_command,
    "purchase_order": show_command,
    "new_purchase_order": new_command,
    "send_purchase_order": send_command,
    "receive": receive_command,
    "close_purchase_order": close_command,
    "cancel_purchase_order": cancel_command,
}


def _valid(code: str) -> str | None:
    """A button's code as ours would carry it (a forged one is a stale button)."""
    return normalize_purchase_order_code(code) if code.startswith("OC-") else None


@handles(DraftPurchaseOrder)
async def draft_purchase_order(turn: Turn, action: DraftPurchaseOrder) -> None:
    async def run() -> None:
        made = await service.draft_from_suggestions(turn.shop, actor(turn), action.supplier_id)
        supplier = one_line(made.details.supplier.name, 120)
        if made.created:
            title = turn.t.gettext(
                "📝 Draft purchase order {code} for {supplier}, from the reorder "
                "suggestions: check it, then send it."
            )
        else:
            title = turn.t.gettext(
                "{supplier} already has a draft purchase order, {code}: here it is."
            )
        await show(
            turn, made.details, title.format(code=made.details.order.code, supplier=supplier)
        )

    await explained(turn, run)


@handles(ListPurchaseOrders)
async def list_button(turn: Turn, action: ListPurchaseOrders) -> None:
    await explained(
        turn, lambda: list_screen(turn, action.status, max(action.page, 0), action.supplier_id)
    )


def _on_code(
    run: Callable[[Turn, str], Awaitable[None]],
) -> Callable[[Turn, Action], Awaitable[bool]]:
    async def on_button(turn: Turn, action: Action) -> bool:
        code = _valid(getattr(action, "code", ""))
        if code is None:
            return False
        await explained(turn, lambda: run(turn, code))
        return True

    return on_button


async def _open(turn: Turn, code: str) -> None:
    await show(turn, await service.purchase_order_details(turn.shop, actor(turn), code))


async def _pdf(turn: Turn, code: str) -> None:
    await send_pdf(turn, await service.purchase_order_details(turn.shop, actor(turn), code))


handles(OpenPurchaseOrder)(_on_code(_open))
handles(SendPurchaseOrder)(_on_code(send))
handles(PurchaseOrderPdf)(_on_code(_pdf))
handles(ReceiveOutstanding)(_on_code(lambda turn, code: receive(turn, code, None)))
handles(ClosePurchaseOrder)(_on_code(close))


@handles(CancelPurchaseOrder)
async def cancel_button(turn: Turn, action: CancelPurchaseOrder) -> bool:
    code = _valid(action.code)
    if code is None or (action.reason is not None and action.reason not in CANCEL_REASONS):
        return False
    if action.reason is None:
        await explained(turn, lambda: ask_cancel_reason(turn, code))
    else:
        reason = turn.t.gettext(CANCEL_REASONS[action.reason])
        await explained(turn, lambda: cancel(turn, code, reason))
    return True
