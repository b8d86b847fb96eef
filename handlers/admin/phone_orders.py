"""/nuevopedido (/neworder): an order the merchant takes by phone or at the counter.

In one message:

    /nuevopedido 5512345678 Ana López; GOR-ROJA x2, TAZA-TAL; envío a domicilio
    Calle 5 #12, Centro, Monterrey, 64000; efectivo

or step by step, asking only what is missing: the phone (a known customer's name is
used), the name, the products ("SKU x2" lines, or words to search the catalog), the
shipping method, the address (not for pickup), the payment method, then a summary with
Confirm / Cancel. What has been given is kept in the draft (PhoneOrderDraft), so a
wrong answer, an unknown SKU, a quantity short of stock or a button from an older
message is answered and asked again without losing anything. The order itself is
core/services/phone_orders.py's, which checks the merchant is an admin.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from core.domain.address_parsing import clean_postal_code, parse_address
from core.domain.cart import MAX_LINE_QUANTITY
from core.domain.catalog import Product
from core.domain.customers import Address
from core.domain.errors import (
    DomainError,
    InvalidQuantity,
    MissingCheckoutDetails,
    OutOfStock,
    ProductInactive,
    ProductNotFound,
)
from core.domain.orders import OrderStatus, PaymentMethod, new_order_code
from core.domain.payments import offered_methods
from core.domain.phone_orders import PICKUP, OrderSource, PhoneOrderRequest
from core.domain.stockouts import StockoutSource
from core.services import catalog, phone_orders, stockouts
from core.services.catalog import fold
from handlers.actions import Action, handles
from handlers.admin.actor import actor
from handlers.admin.orders import OpenOrder
from handlers.drafts import Draft
from handlers.render import money, payment_method_name, shipping_method_name
from handlers.turn import Step, Turn
from handlers.types import Button

STEPS = frozenset(
    {
        Step.ADMIN_ORDER_PHONE,
        Step.ADMIN_ORDER_NAME,
        Step.ADMIN_ORDER_ITEMS,
        Step.ADMIN_ORDER_SHIPPING,
        Step.ADMIN_ORDER_ADDRESS,
        Step.ADMIN_ORDER_PAYMENT,
        Step.ADMIN_ORDER_CONFIRM,
    }
)
SEARCH_RESULTS = 6
PHONE = StockoutSource.PHONE_ORDER  # a line short of stock is a stockout
ADDRESS_NEEDS = ("street", "city", "postal_code")  # what the service and the label need


@dataclass
class PhoneOrderDraft(Draft):
    """What the merchant has told so far (keys of the conversation's data)."""

    po_phone: str = ""  # cleaned
    po_name: str = ""
    po_reach: str = ""  # "chat": the customer is told in their chat; "known"; "new"
    po_lines: list[tuple[str, int]] = field(default_factory=list)  # (SKU, quantity)
    po_shipping: str = ""
    po_address: dict[str, str] = field(default_factory=dict)
    po_payment: str = ""
    po_nonce: str = ""  # the summary's: a Confirm from an older summary places nothing
    # The order's code, drawn at the first summary and kept: a Confirm pressed again
    # after the order was placed (the process died before this draft was saved) finds
    # that order instead of placing a second one.
    po_code: str = ""
    po_source: str = str(OrderSource.PHONE)
    po_customer_id: int = 0  # the chat customer the merchant chose to send it to
    po_gave_id: int = 0  # a chat customer who gave this number at a checkout (unverified)
    po_gave_name: str = ""


@dataclass(frozen=True)
class OrderAddProduct(Action, prefix="poa", admin=True):
    product_id: int
    quantity: int = 1


@dataclass(frozen=True)
class OrderItemsDone(Action, prefix="pod", admin=True):
    pass


@dataclass(frozen=True)
class OrderShipping(Action, prefix="pos", admin=True):
    method: str


@dataclass(frozen=True)
class OrderPayment(Action, prefix="pop", admin=True):
    method: str


@dataclass(frozen=True)
class OrderConfirm(Action, prefix="poc", admin=True):
    nonce: str


@dataclass(frozen=True)
class OrderDiscard(Action, prefix="pox", admin=True):
    pass


@dataclass(frozen=True)
class OrderToChat(Action, prefix="pol", admin=True):
    """Send the order to the chat of the customer who gave this number at a checkout
    (customer_id), or not (0): the merchant's choice, never the typed number's."""

    customer_id: int


# -- words the merchant types -----------------------------------------------------------

SHIPPING_WORDS: dict[str, tuple[str, ...]] = {
    PICKUP: (
        "pickup",
        "pick up",
        "recoger en tienda",
        "recoge en tienda",
        "recoger",
        "recoge",
        "pasa por el",
        "en tienda",
        "mostrador",
        "in store",
        "at the counter",
        "counter",
    ),
    "express": ("express", "expres", "rapido", "urgente"),
    "standard": (
        "envio a domicilio",
        "envio estandar",
        "a domicilio",
        "domicilio",
        "envio",
        "estandar",
        "standard",
        "home delivery",
        "delivery",
        "ship to",
        "ship",
        "normal",
    ),
}
PAYMENT_WORDS: dict[PaymentMethod, tuple[str, ...]] = {
    PaymentMethod.CASH_ON_DELIVERY: (
        "pago contra entrega",
        "contra entrega",
        "efectivo",
        "cash on delivery",
        "cash",
        "cod",
    ),
    PaymentMethod.BANK_TRANSFER: (
        "transferencia",
        "deposito",
        "spei",
        "bank transfer",
        "transfer",
    ),
    PaymentMethod.CARD: ("tarjeta", "link de pago", "liga de pago", "card", "payment link"),
}
DONE_WORDS = frozenset(
    {"listo", "ya", "ya es todo", "es todo", "eso es todo", "done", "that's all"}
)
CANCEL_WORDS = frozenset({"cancelar", "cancela", "cancel", "descartar", "discard"})
# Typed instead of pressing Confirm order (a chat opened again has no buttons on screen).
CONFIRM_WORDS = frozenset(
    {
        "confirmar",
        "confirmar pedido",
        "confirma",
        "confirmo",
        "si",
        "si confirmar",
        "confirm",
        "confirm order",
        "yes",
        "ok",
    }
)
COUNTER_WORDS = ("mostrador", "counter", "en tienda", "in store")

_QTY_FIRST = re.compile(r"^(\d{1,4})\s*[x×*]?\s+(.+)$", re.I)
_QTY_LAST = re.compile(r"^(.+?)\s*(?:[x×*]\s*|\s+)(\d{1,4})$", re.I)
_PHONE_FIRST = re.compile(r"^\s*(\+?[\d][\d\s().-]{6,})(.*)$", re.S)


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", fold(text)).split())


def shipping_from(turn: Turn, text: str) -> tuple[str, str] | None:
    """(method, the rest) when the text starts with a shipping method the shop offers
    ("envío a domicilio Calle 5 #12" -> ("standard", "Calle 5 #12"))."""
    offered = turn.shop.policy.shipping
    said = _words(text)
    best: tuple[int, str] | None = None
    for method in offered:
        names = (
            method,
            _words(shipping_method_name(turn.t, method)),
            *SHIPPING_WORDS.get(method, ()),
        )
        for name in names:
            name = _words(name)
            fits = name and (said == name or said.startswith(name + " "))
            if fits and (best is None or len(name) > best[0]):
                best = (len(name), method)
    if best is None:
        return None
    rest = _after_words(text, best[0])
    rest = re.sub(r"^(a|al|en|to)\s+", "", rest.strip(" :,-"), flags=re.I)
    return best[1], rest.strip()


def _after_words(text: str, folded_length: int) -> str:
    """The text after its first words whose folded form is folded_length long."""
    for cut in range(len(text) + 1):
        if len(_words(text[:cut])) >= folded_length and (
            cut == len(text) or not text[cut].isalnum()
        ):
            return text[cut:]
    return ""


def payment_from(turn: Turn, text: str) -> PaymentMethod | None:
    said = _words(text)
    for method, words in PAYMENT_WORDS.items():
        names = (str(method), _words(payment_method_name(turn.t, method)), *words)
        if any(said == _words(name) for name in names):
            return method
    return None


def read_address(text: str, country: str) -> dict[str, str]:
    """The parts of a typed address: the chat's reading of a whole address, else the
    first piece as the street, a postal code wherever it is, the last other piece as the
    city and the one before as the colonia."""
    parsed = parse_address(text, country)
    if parsed is not None:
        found = {k: v for k, v in parsed.as_dict().items() if v}
    else:
        pieces = [" ".join(p.split()) for p in re.split(r"[,\n]", text) if p.strip()]
        found = {"street": pieces[0]} if pieces else {}
        others = []
        for piece in pieces[1:]:
            code = clean_postal_code(re.sub(r"(?i)^c\.?p\.?\s*", "", piece), country)
            if code is not None:
                found["postal_code"] = code
            else:
                others.append(piece)
        if others:
            found["city"] = others[-1]
        if len(others) > 1:
            found["neighbourhood"] = others[0]
    found["typed"] = " ".join(text.split())
    return found


def _missing(address: dict[str, str]) -> list[str]:
    return [part for part in ADDRESS_NEEDS if not address.get(part, "").strip()]


# -- the command -----------------------------------------------------------------------


async def new_order(turn: Turn, rest: str) -> None:
    """/nuevopedido [phone name; products; shipping [address]; payment]."""
    draft = PhoneOrderDraft()
    turn.reset()
    if any(word in _words(rest) for word in COUNTER_WORDS):
        draft.po_source = str(OrderSource.COUNTER)
    segments = [s.strip() for s in rest.split(";")]
    first, others = segments[0], [s for s in segments[1:] if s]
    notes: list[str] = []
    if first and not await _take_phone(turn, draft, first, notes):
        _save(turn, draft, Step.ADMIN_ORDER_PHONE)
        return
    for segment in others:
        if not draft.po_payment and (method := payment_from(turn, segment)) is not None:
            draft.po_payment = str(method)
        elif not draft.po_shipping and (found := shipping_from(turn, segment)) is not None:
            draft.po_shipping, address = found
            if address and found[0] != PICKUP:
                draft.po_address = read_address(address, turn.shop.settings.store_country)
        elif not draft.po_lines:
            await _take_items(turn, draft, segment, notes)
        elif draft.po_shipping and draft.po_shipping != PICKUP and not draft.po_address:
            draft.po_address = read_address(segment, turn.shop.settings.store_country)
        else:
            notes.append(turn.t.gettext("I didn't understand “{text}”.").format(text=segment[:60]))
    await ask_next(turn, draft, notes)


def _save(turn: Turn, draft: PhoneOrderDraft, step: Step) -> None:
    turn.go(step)
    draft.write(turn.data)


async def _take_phone(turn: Turn, draft: PhoneOrderDraft, text: str, notes: list[str]) -> bool:
    """The phone (and a name after it); False with the question asked again when it is
    not a phone number."""
    _ = turn.t.gettext
    match = _PHONE_FIRST.match(text)
    phone_text, name = (match.group(1), match.group(2)) if match else (text, "")
    try:
        who = await phone_orders.customer_for_phone(turn.shop, actor(turn), phone_text)
    except DomainError as error:
        if error.code != "invalid_phone":
            raise
        turn.say(_phone_expected(turn, text), _discard_row(turn))
        return False
    draft.po_phone = who.phone
    draft.po_name = " ".join(name.split())[:200] or who.name
    draft.po_reach = "chat" if who.in_chat else ("known" if who.customer else "new")
    draft.po_customer_id = 0
    gave_it = who.gave_it if not who.in_chat else None
    draft.po_gave_id = gave_it.id if gave_it is not None else 0
    draft.po_gave_name = (who.gave_it_name or gave_it.name)[:200] if gave_it is not None else ""
    if who.customer is not None and not name.strip() and who.name:
        notes.append(_("{phone} is {name}'s number.").format(phone=who.phone, name=who.name))
    return True


def _phone_expected(turn: Turn, typed: str) -> str:
    return turn.t.gettext(
        "“{typed}” doesn't look like a phone number. Type the customer's number, e.g. 55 1234 5678."
    ).format(typed=typed[:40])


async def _take_items(turn: Turn, draft: PhoneOrderDraft, text: str, notes: list[str]) -> None:
    """Lines typed as "SKU x2, SKU, 3 SKU" (a SKU again sets its quantity; x0 removes
    it); pieces that are no SKU are searched by name and offered as buttons."""
    _ = turn.t.gettext
    shelf = await catalog.shelf(turn.shop)
    by_sku = {p.sku.casefold(): p for p in shelf.products}
    lines = dict(draft.po_lines)
    unknown: list[str] = []
    for piece in (p.strip() for p in re.split(r"[,\n;]", text)):
        if not piece:
            continue
        found = _line(piece, by_sku)
        if found is None:
            unknown.append(piece)
            continue
        product, quantity = found
        if quantity == 0:
            lines.pop(product.sku, None)
            continue
        if quantity > MAX_LINE_QUANTITY:
            notes.append(
                _("{quantity} is too many: at most {maximum} of one product.").format(
                    quantity=quantity, maximum=MAX_LINE_QUANTITY
                )
            )
            continue
        if product.available < quantity:
            notes.append(_short(turn, product.sku, product.name, quantity, product.available))
            await stockouts.told(
                turn.shop, PHONE, product.sku, product.name, quantity, product.available
            )
            continue
        lines[product.sku] = quantity
    draft.po_lines = list(lines.items())
    if unknown:
        await _search(turn, unknown[0], notes)


def _line(piece: str, by_sku: dict[str, Product]) -> tuple[Product, int] | None:
    whole = by_sku.get(piece.casefold())
    if whole is not None:
        return whole, 1
    for pattern, sku_group, qty_group in ((_QTY_LAST, 1, 2), (_QTY_FIRST, 2, 1)):
        match = pattern.match(piece)
        if match and (product := by_sku.get(match.group(sku_group).strip().casefold())):
            return product, int(match.group(qty_group))
    return None


async def _search(turn: Turn, text: str, notes: list[str]) -> None:
    """The products whose names fit the words, as buttons that add them."""
    _ = turn.t.gettext
    match = _QTY_FIRST.match(text) or None
    quantity, words = (int(match.group(1)), match.group(2)) if match else (1, text)
    found = await catalog.search_products(turn.shop, words, limit=SEARCH_RESULTS)
    if not found:
        notes.append(_("There is no product “{text}”.").format(text=text[:60]))
        return
    notes.append(_("“{text}” is no SKU. Did you mean one of these?").format(text=text[:60]))
    turn.data["po_found"] = [
        [f"{p.sku} · {p.name} · {money(turn.t, p.price.amount, p.price.currency)}", p.id, quantity]
        for p in found
    ]


def _short(turn: Turn, sku: str, name: str, wanted: int, available: int) -> str:
    if available <= 0:
        return turn.t.gettext("{sku} ({name}) is out of stock.").format(sku=sku, name=name)
    return turn.t.ngettext(
        "Only {available} of {sku} ({name}) is available; you asked for {wanted}.",
        "Only {available} of {sku} ({name}) are available; you asked for {wanted}.",
        available,
    ).format(available=available, sku=sku, name=name, wanted=wanted)


# -- asking what is missing ------------------------------------------------------------


async def resume(turn: Turn) -> None:
    """The admin opened the chat again mid-order: ask the open question again."""
    await ask_next(
        turn,
        PhoneOrderDraft.read(turn.data),
        [turn.t.gettext("Welcome back! Let's go on with the order you were taking.")],
    )


async def ask_next(turn: Turn, draft: PhoneOrderDraft, notes: list[str] | None = None) -> None:
    """Ask the first thing the order still lacks, or show the summary."""
    _ = turn.t.gettext
    lead = "\n".join(notes or [])
    lead = lead + "\n" if lead else ""
    found = turn.data.pop("po_found", None)
    if not draft.po_phone:
        _save(turn, draft, Step.ADMIN_ORDER_PHONE)
        turn.say(
            lead
            + _("New order taken by phone or at the counter. What is the customer's phone number?"),
            _discard_row(turn),
        )
    elif not draft.po_name:
        _save(turn, draft, Step.ADMIN_ORDER_NAME)
        turn.say(
            lead + _("{phone} is a new customer. What is their name?").format(phone=draft.po_phone),
            _discard_row(turn),
        )
    elif not draft.po_lines or found:
        _save(turn, draft, Step.ADMIN_ORDER_ITEMS)
        rows = [
            [Button(label, OrderAddProduct(pid, qty).pack())] for label, pid, qty in found or []
        ]
        if draft.po_lines:
            rows.append([Button(_("Done"), OrderItemsDone().pack())])
        turn.say(lead + _items_question(turn, draft), rows + _discard_row(turn))
    elif not draft.po_shipping:
        _save(turn, draft, Step.ADMIN_ORDER_SHIPPING)
        rows = [
            [Button(_shipping_label(turn, code), OrderShipping(code).pack())]
            for code in turn.shop.policy.shipping
        ]
        turn.say(
            lead + _items_text(turn, draft) + "\n" + _("How does it go?"), rows + _discard_row(turn)
        )
    elif draft.po_shipping != PICKUP and _missing(draft.po_address):
        _save(turn, draft, Step.ADMIN_ORDER_ADDRESS)
        turn.say(lead + _address_question(turn, draft.po_address), _discard_row(turn))
    elif not draft.po_payment:
        _save(turn, draft, Step.ADMIN_ORDER_PAYMENT)
        # A card is paid through a link from the customer's chat.
        cards = turn.shop.link_provider is not None and draft.po_reach == "chat"
        methods = offered_methods(card_payments=cards)
        rows = [
            [Button(payment_method_name(turn.t, m), OrderPayment(str(m)).pack())] for m in methods
        ]
        turn.say(lead + _("How will they pay?"), rows + _discard_row(turn))
    else:
        await _summary(turn, draft, lead)


def _discard_row(turn: Turn) -> list[list[Button]]:
    return [[Button(turn.t.gettext("Cancel"), OrderDiscard().pack())]]


def _items_question(turn: Turn, draft: PhoneOrderDraft) -> str:
    _ = turn.t.gettext
    ask = _(
        "Type the products as SKU and quantity, e.g. “GOR-ROJA x2, TAZA-TAL” (one or "
        "several, by commas or lines), or words to search by name."
    )
    if not draft.po_lines:
        return ask
    return (
        _items_text(turn, draft)
        + "\n"
        + _("Type more products (a SKU again changes its quantity; x0 removes it), or press Done.")
    )


def _items_text(turn: Turn, draft: PhoneOrderDraft) -> str:
    lines = [f"• {qty} × {sku}" for sku, qty in draft.po_lines]
    return (
        turn.t.gettext("Order for {name} ({phone}):").format(
            name=draft.po_name, phone=draft.po_phone
        )
        + "\n"
        + "\n".join(lines)
    )


def _shipping_label(turn: Turn, code: str) -> str:
    option = turn.shop.policy.shipping[code]
    if code == PICKUP:
        return turn.t.gettext("Pickup at the shop")
    fee = money(turn.t, option.fee.amount, option.fee.currency)
    return f"{shipping_method_name(turn.t, code)} · {fee}"


def _address_question(turn: Turn, address: dict[str, str]) -> str:
    _ = turn.t.gettext
    missing = _missing(address)
    if not address.get("street"):
        return _(
            "Where does it go? Type the whole address: street and number, colonia, city, "
            "state and postal code."
        )
    names = {"street": _("the street"), "city": _("the city"), "postal_code": _("the postal code")}
    return _("I still need {parts} of “{address}”. Type it, or the whole address again.").format(
        parts=", ".join(names[part] for part in missing),
        address=address.get("typed") or address["street"],
    )


def _request(draft: PhoneOrderDraft) -> PhoneOrderRequest:
    parts = {k: v for k, v in draft.po_address.items() if k in Address.__dataclass_fields__}
    address = Address(**{"street": "", **parts}) if draft.po_shipping != PICKUP else None
    return PhoneOrderRequest(
        phone=draft.po_phone,
        name=draft.po_name,
        lines=tuple((sku, qty) for sku, qty in draft.po_lines),
        shipping_method=draft.po_shipping,
        payment_method=draft.po_payment,
        address=address,
        source=OrderSource(draft.po_source)
        if draft.po_source in set(OrderSource)
        else OrderSource.PHONE,
        customer_id=draft.po_customer_id or None,
        code=draft.po_code,
    )


async def _summary(turn: Turn, draft: PhoneOrderDraft, lead: str) -> None:
    _ = turn.t.gettext
    try:
        quote = await phone_orders.quote_order_for_customer(turn.shop, actor(turn), _request(draft))
    except DomainError as error:
        if not await _refused(turn, draft, error):
            raise
        return
    t = turn.t
    draft.po_nonce = secrets.token_hex(4)
    draft.po_code = draft.po_code or new_order_code()
    _save(turn, draft, Step.ADMIN_ORDER_CONFIRM)
    text = [_("Check the order, then confirm it:")]
    text.append(_("Customer: {name} · {phone}").format(name=quote.who.name, phone=quote.who.phone))
    link: list[list[Button]] = []
    if draft.po_reach == "chat":
        text.append(
            _(
                "They chat with the shop: the confirmation goes to their chat, and they can "
                "track it there."
            )
        )
        if draft.po_customer_id:
            label = _("Don't send it to their chat")
            link.append([Button(label, OrderToChat(0).pack())])
    else:
        text.append(
            _(
                "No chat yet: if they write to the shop on WhatsApp from this number, they "
                "will see it there."
            )
        )
        if draft.po_gave_id:
            # A number typed at a checkout proves nothing: the merchant decides.
            text.append(
                _(
                    "{name} gave this number when ordering in a chat. If you know it is "
                    "them, the order can go to their chat."
                ).format(name=draft.po_gave_name)
            )
            label = _("Send it to {name}'s chat").format(name=draft.po_gave_name)
            link.append([Button(label, OrderToChat(draft.po_gave_id).pack())])
    for line in quote.lines:
        amount = money(t, line.total.amount, line.total.currency)
        text.append(f"{line.quantity} × {line.name} ({line.sku}) · {amount}")
    totals = quote.totals
    text.append(
        _("Subtotal: {amount}").format(
            amount=money(t, totals.subtotal.amount, totals.subtotal.currency)
        )
    )
    text.append(
        _("Shipping ({method}): {amount}").format(
            method=_("pickup at the shop")
            if draft.po_shipping == PICKUP
            else shipping_method_name(t, draft.po_shipping),
            amount=money(t, totals.shipping_fee.amount, totals.shipping_fee.currency),
        )
    )
    text.append(
        _("Total: {amount}").format(amount=money(t, totals.total.amount, totals.total.currency))
    )
    if draft.po_shipping != PICKUP:
        parts = ("street", "neighbourhood", "city", "state", "postal_code")
        where = ", ".join(draft.po_address[p] for p in parts if draft.po_address.get(p))
        text.append(_("Address: {address}").format(address=where))
    text.append(_("Payment: {method}").format(method=payment_method_name(t, draft.po_payment)))
    turn.say(
        lead + "\n".join(text),
        [
            [Button(_("Confirm order"), OrderConfirm(draft.po_nonce).pack())],
            *link,
            [Button(_("Cancel"), OrderDiscard().pack())],
        ],
    )


async def _refused(turn: Turn, draft: PhoneOrderDraft, error: DomainError) -> bool:
    """A refusal the merchant can fix here: said, and the question that fixes it asked
    again with everything else kept. False for any other error (the conversation's)."""
    _ = turn.t.gettext
    if isinstance(error, OutOfStock):
        notes = [_short(turn, s.sku, s.name, s.requested, s.available) for s in error.shortages]
        short = {s.sku for s in error.shortages}
        draft.po_lines = [(sku, qty) for sku, qty in draft.po_lines if sku not in short]
        await ask_next(turn, draft, notes)
        return True
    if isinstance(error, ProductNotFound | ProductInactive):
        sku = str(error.data.get("sku", ""))
        draft.po_lines = [(s, q) for s, q in draft.po_lines if s.casefold() != sku.casefold()]
        note = _("{sku} is not for sale any more; it was taken off the order.").format(sku=sku)
        await ask_next(turn, draft, [note])
        return True
    if isinstance(error, MissingCheckoutDetails):
        if "name" in error.data.get("missing", []):
            draft.po_name = ""
        else:
            draft.po_address = {}
        await ask_next(turn, draft)
        return True
    if error.code == "payment_method_unavailable":
        draft.po_payment = ""
        await ask_next(
            turn,
            draft,
            [_("A card can only be paid from the customer's chat with a payment link.")],
        )
        return True
    if isinstance(error, InvalidQuantity):
        draft.po_lines = []
        await ask_next(turn, draft)
        return True
    if error.code in ("unknown_shipping_method", "unknown_payment_method"):
        draft.po_shipping = draft.po_shipping if error.code != "unknown_shipping_method" else ""
        draft.po_payment = draft.po_payment if error.code != "unknown_payment_method" else ""
        await ask_next(turn, draft)
        return True
    return False


# -- typed answers ---------------------------------------------------------------------


async def answer_typed(turn: Turn, text: str) -> None:
    """The answer to the step's question (every step of the flow)."""
    draft = PhoneOrderDraft.read(turn.data)
    raw = (turn.incoming.text or text).strip()
    said = _words(raw)
    if said in CANCEL_WORDS:
        await _discard(turn)
        return
    notes: list[str] = []
    step = turn.step
    if step is Step.ADMIN_ORDER_PHONE:
        if not await _take_phone(turn, draft, raw, notes):
            return
    elif step is Step.ADMIN_ORDER_NAME:
        name = " ".join(raw.split())
        if len(name) < 2 or not re.search(r"[^\W\d_]", name):
            notes.append(turn.t.gettext("Please type the customer's name."))
        else:
            draft.po_name = name[:200]
    elif step is Step.ADMIN_ORDER_ITEMS:
        draft.need("po_phone", "po_name")
        if not (said in DONE_WORDS and draft.po_lines):  # done: ask_next goes on
            await _take_items(turn, draft, raw, notes)
            if draft.po_lines and "po_found" not in turn.data:
                _save(turn, draft, Step.ADMIN_ORDER_ITEMS)
                turn.say(
                    ("\n".join(notes) + "\n" if notes else "") + _items_question(turn, draft),
                    [
                        [Button(turn.t.gettext("Done"), OrderItemsDone().pack())],
                        *_discard_row(turn),
                    ],
                )
                return
    elif step is Step.ADMIN_ORDER_SHIPPING:
        found = shipping_from(turn, raw)
        if found is None:
            notes.append(turn.t.gettext("Choose how it goes with a button."))
        else:
            draft.po_shipping, rest = found
            if rest and draft.po_shipping != PICKUP:
                draft.po_address = read_address(rest, turn.shop.settings.store_country)
    elif step is Step.ADMIN_ORDER_ADDRESS:
        draft.po_address = _address_answer(turn, draft.po_address, raw)
    elif step is Step.ADMIN_ORDER_PAYMENT:
        method = payment_from(turn, raw)
        if method is None:
            notes.append(turn.t.gettext("Choose how they pay with a button."))
        else:
            draft.po_payment = str(method)
    elif step is Step.ADMIN_ORDER_CONFIRM:
        if said in CONFIRM_WORDS:
            await confirm(turn, OrderConfirm(draft.po_nonce))
            return
        notes.append(turn.t.gettext("Press Confirm order, or Cancel."))
    await ask_next(turn, draft, notes)


def _address_answer(turn: Turn, address: dict[str, str], text: str) -> dict[str, str]:
    """One missing part typed alone fills it; anything else is read as the address."""
    country = turn.shop.settings.store_country
    missing = _missing(address)
    if address.get("street") and len(missing) == 1 and "," not in text:
        part = missing[0]
        if part == "postal_code":
            code = clean_postal_code(re.sub(r"(?i)^c\.?p\.?\s*", "", text), country)
            if code is not None:
                return {**address, "postal_code": code}
        else:
            return {**address, part: " ".join(text.split())[:200]}
    read = read_address(text, country)
    if not read.get("street"):
        return address
    return read


# -- buttons ---------------------------------------------------------------------------


async def _in_flow(turn: Turn, *steps: Step) -> PhoneOrderDraft | None:
    """The draft when the button fits the step; a button of this flow from an older
    message while another question waits: said, and that question asked again."""
    if turn.step not in STEPS:
        return None
    draft = PhoneOrderDraft.read(turn.data)
    if turn.step not in steps:
        await ask_next(turn, draft, [turn.t.gettext("That button is from an older message.")])
    return draft


@handles(OrderAddProduct)
async def add_product(turn: Turn, action: OrderAddProduct) -> bool:
    draft = await _in_flow(turn, Step.ADMIN_ORDER_ITEMS)
    if draft is None:
        return False
    if turn.step is not Step.ADMIN_ORDER_ITEMS:
        return True
    product = await catalog.get_product(turn.shop, product_id=action.product_id)
    lines = dict(draft.po_lines)
    quantity = lines.get(product.sku, 0) + max(action.quantity, 1)
    notes = []
    if product.available < quantity or not product.active:
        notes.append(_short(turn, product.sku, product.name, quantity, max(product.available, 0)))
        if product.active:  # told it is short: a stockout (docs/reports.md)
            await stockouts.told(
                turn.shop, PHONE, product.sku, product.name, quantity, product.available
            )
    else:
        lines[product.sku] = quantity
    draft.po_lines = list(lines.items())
    _save(turn, draft, Step.ADMIN_ORDER_ITEMS)
    turn.say(
        ("\n".join(notes) + "\n" if notes else "") + _items_question(turn, draft),
        ([[Button(turn.t.gettext("Done"), OrderItemsDone().pack())]] if draft.po_lines else [])
        + _discard_row(turn),
    )
    return True


@handles(OrderItemsDone)
async def items_done(turn: Turn, action: OrderItemsDone) -> bool:
    draft = await _in_flow(turn, Step.ADMIN_ORDER_ITEMS)
    if draft is not None and turn.step is Step.ADMIN_ORDER_ITEMS:
        await ask_next(turn, draft)
    return draft is not None


@handles(OrderShipping)
async def choose_shipping(turn: Turn, action: OrderShipping) -> bool:
    draft = await _in_flow(turn, Step.ADMIN_ORDER_SHIPPING)
    if draft is not None and turn.step is Step.ADMIN_ORDER_SHIPPING:
        if action.method in turn.shop.policy.shipping:
            draft.po_shipping = action.method
        await ask_next(turn, draft)
    return draft is not None


@handles(OrderPayment)
async def choose_payment(turn: Turn, action: OrderPayment) -> bool:
    draft = await _in_flow(turn, Step.ADMIN_ORDER_PAYMENT)
    if draft is not None and turn.step is Step.ADMIN_ORDER_PAYMENT:
        if action.method in set(PaymentMethod):
            draft.po_payment = action.method
        await ask_next(turn, draft)
    return draft is not None


@handles(OrderConfirm)
async def confirm(turn: Turn, action: OrderConfirm) -> bool:
    draft = await _in_flow(turn, Step.ADMIN_ORDER_CONFIRM)
    if draft is None:
        return False  # placed or discarded already: a button from an older message
    if turn.step is not Step.ADMIN_ORDER_CONFIRM:
        return True
    if action.nonce != draft.po_nonce:  # an older summary: show the current one
        await ask_next(turn, draft, [turn.t.gettext("That button is from an older message.")])
        return True
    _ = turn.t.gettext
    try:
        order = await phone_orders.place_order_for_customer(turn.shop, actor(turn), _request(draft))
    except DomainError as error:
        if not await _refused(turn, draft, error):
            raise
        return True
    if draft.po_reach == "chat":
        told = _("The customer got the confirmation in their chat.")
    else:
        told = _("The customer has no chat with the shop yet; tell them the code {code}.")
    if order.status is OrderStatus.CONFIRMED:
        title = _("✅ Order {code} placed and confirmed.")
    else:
        title = _("✅ Order {code} placed; it waits for its payment.")
    # The admins' news of a new order (its card, with the moves it can make) follows
    # through the outbox, as for a chat's order: here only what this merchant did.
    turn.reset()
    turn.say(
        (title + " " + told).format(code=order.code),
        [[Button(_("Open order {code}").format(code=order.code), OpenOrder(order.code).pack())]],
    )
    return True


@handles(OrderToChat)
async def to_chat(turn: Turn, action: OrderToChat) -> bool:
    draft = await _in_flow(turn, Step.ADMIN_ORDER_CONFIRM)
    if draft is None:
        return False
    if turn.step is not Step.ADMIN_ORDER_CONFIRM:
        return True
    if action.customer_id == 0:
        draft.po_customer_id = 0
        draft.po_reach = "new"  # what it was when offered (no chat by the number)
    elif action.customer_id == draft.po_gave_id:
        draft.po_customer_id = action.customer_id
        draft.po_reach = "chat"
    await ask_next(turn, draft)
    return True


@handles(OrderDiscard)
async def discard(turn: Turn, action: OrderDiscard) -> bool:
    if turn.step not in STEPS:
        return False
    await _discard(turn)
    return True


async def _discard(turn: Turn) -> None:
    turn.reset()
    turn.say(turn.t.gettext("Order discarded; nothing was reserved."))
