"""What customers type at the menu, understood: the intent and its entities pick the
answer. A message with several requests gets each answered; a guess becomes a short
question with the likeliest options and a person, never a bare "no entendí"."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.domain.errors import ProductNotFound
from core.domain.orders import OrderStatus
from core.services import cart as cart_service
from core.services import catalog as catalog_service
from core.services import orders as order_service
from core.services import payment_links
from core.services import support as support_service
from handlers.actions import Action, handles
from handlers.customer import (
    cart,
    catalog,
    checkout,
    menu,
    orders,
    payment,
    receipts,
    shop_info,
    support,
)
from handlers.customer.menu import MainMenu, TalkToPerson
from handlers.drafts import Draft
from handlers.intents import fold
from handlers.render import status_name
from handlers.turn import Step, Turn
from handlers.types import Button
from handlers.understanding.labels import SOCIAL
from handlers.understanding.results import CatalogEntry, Understanding
from handlers.understanding.understander import Understander

# Requests that end in a question of ours (a step): answered last, so that question is
# the one left open.
FLOWS = frozenset(
    {
        "add_to_cart",
        "checkout",
        "human",
        "complaint",
        "cancel_order",
        "return_request",
        "payment_sent",
        "language_en",
        "language_es",
    }
)
MOST_ANSWERS = 3  # a run-on with more requests than this gets the first ones
# What is answered beside the main request: questions, whose answer only informs. A
# request that acts (adds to the cart, starts a checkout, cancels, opens a case) is
# answered only when it is the main one: a misread clause must not act.
ALONGSIDE = frozenset(
    {
        "order_status",
        "search",
        "shipping_cost",
        "payment_methods",
        "store_hours",
        "store_location",
        "return_policy",
    }
)


# Questions answered in the middle of a checkout without leaving it: their answers only
# inform. A question it is, by its mark or its first word: a street is never asked.
ASIDES = ALONGSIDE - {"order_status", "search"}
_QUESTION_WORDS = tuple(
    f"{words} "  # whole words: "como" but not "comodo", "how" but not "Howard"
    for words in ("cuanto", "cuantos", "como", "cual", "cuales", "donde", "cuando", "aceptan",
                  "hacen", "tienen", "puedo", "a que hora", "hasta que hora", "how", "what",
                  "when", "where", "which", "do you", "can i", "is there")
)  # fmt: skip


@dataclass(frozen=True)
class ChooseReading(Action, prefix="u"):  # one of the readings clarify() offers
    intent: str


@dataclass(frozen=True)
class ChoosePerson(Action, prefix="uh"):  # the kept message goes to the team
    pass


@dataclass(frozen=True)
class ReceiptFor(Action, prefix="rcp"):  # which order a transfer receipt is for
    code: str


@dataclass
class ClarifyDraft(Draft):
    """A message we were not sure about, kept for the reading the customer picks."""

    said: str = ""


@handles(ChooseReading)
async def _option_chosen(turn: Turn, action: ChooseReading) -> bool:
    if not action.intent:
        return False
    await option_chosen(turn, action.intent)
    return True


@handles(ChoosePerson)
async def _person_chosen(turn: Turn, action: ChoosePerson) -> None:
    await person_chosen(turn)


@handles(ReceiptFor)
async def _receipt_for(turn: Turn, action: ReceiptFor) -> bool:
    if not action.code:
        return False
    await receipt_for(turn, action.code)
    return True


async def aside(turn: Turn, message: str) -> bool:
    """ "¿Cuánto cuesta el envío?" typed at a checkout question: answered, and False
    when it is not such a question (then it is the answer to the step's question)."""
    folded = fold(message)
    asked = "?" in message or f"{folded} ".startswith(_QUESTION_WORDS)
    if not asked:
        return False
    said = await understand(turn, message)
    if not said.confident or said.primary not in ASIDES:
        return False
    await answer(turn, said.primary, said)
    return True


# What is read of a message: a request fits in far less, and every word past it would
# cost a fuzzy lookup against the catalog (a 4,096-character message took 0.4 s of CPU).
MOST_READ = 500


async def understand(turn: Turn, message: str) -> Understanding:
    shelf = await catalog_service.shelf(turn.shop)
    entries = [
        CatalogEntry(str(p.id), p.name, p.description, shelf.categories.get(p.category_id, ""))
        for p in shelf.products
    ]
    return Understander.load(turn.t.locale).understand(message[:MOST_READ], entries)


async def reply(turn: Turn, message: str) -> None:
    """Answer free text typed outside any question."""
    said = await understand(turn, message)
    code = said.entity("order_code")
    if code is not None and (not said.confident or said.primary in SOCIAL):
        await orders.track(turn, str(code.value))  # a bare code: that order
        return
    product = said.entity("product")
    seen = isinstance(turn.in_view("seen"), int)
    if not said.confident and seen and product is None and said.entity("quantity"):
        await _add_to_cart(turn, said)  # "i'll take 2" under a product card
        return
    if not said.confident and product is not None and product.matches:
        await _search(turn, said)  # a product named alone ("cojín bordado"): show it
        return
    if not said.confident:
        clarify(turn, said)
        return
    requests = [i for i in said.found if i == said.primary or i in ALONGSIDE]
    if said.primary not in requests:
        requests = [said.primary]
    requests = requests[:MOST_ANSWERS]
    requests.sort(key=lambda intent: intent in FLOWS)  # stable: the primary's flow last
    for intent in requests:
        await answer(turn, intent, said)
    if "greeting" in said.secondary and turn.replies:
        first = turn.replies[0]
        first.text = turn.t.gettext("Hi!") + " " + first.text


async def answer(turn: Turn, intent: str, said: Understanding) -> None:
    handler = ANSWERS.get(intent, _out_of_scope)
    await handler(turn, said)


# -- the answers -------------------------------------------------------------------------


# "No me llegó mi pedido", "my order never arrived": said of an order that should have
# come (read on the folded text: no accents, "didn't" as "didn t").
_NOT_ARRIVED = re.compile(
    r"\b(?:no\s+(?:me\s+|nos\s+|le\s+)?(?:ha\s+|han\s+)?(?:llego|llegado|llegaron|llega|llegan)"
    r"|nunca\s+(?:me\s+|nos\s+)?(?:llego|llegaron|recibi)"
    r"|no\s+(?:lo\s+|la\s+|los\s+|las\s+)?(?:he\s+|hemos\s+)?(?:recibi|recibido|recibida)"
    r"|sigue\s+sin\s+llegar"
    r"|never\s+(?:arrived|came|got|received|showed\s+up)"
    r"|(?:didn\s+t|did\s+not|didnt|hasn\s+t|has\s+not|hasnt|haven\s+t|have\s+not|havent)"
    r"\s+(?:yet\s+)?(?:arrived|arrive|come|came|got|get|gotten|received|receive|shown\s+up)"
    r"|not\s+(?:arrived|received))\b"
)


async def _no_orders_to_miss(turn: Turn, said: Understanding) -> bool:
    """ "My order never arrived" with no order code from someone who has no orders: say
    they have none (not "none to return"). False when it is not that."""
    if said.entity("order_code") is not None or not _NOT_ARRIVED.search(fold(said.text)):
        return False
    if await order_service.customer_orders(turn.shop, turn.customer.id, limit=1):
        return False
    orders.no_orders(turn)
    return True


async def _order_status(turn: Turn, said: Understanding) -> None:
    if await _no_orders_to_miss(turn, said):
        return
    code = said.entity("order_code")
    await orders.track(turn, str(code.value) if code else None)


async def _search(turn: Turn, said: Understanding) -> None:
    wanted = said.entity("product")
    if wanted is None:
        section = said.entity("category")
        if section is not None:
            await _browse(turn, said)
        elif not await catalog.search(turn, said.text):
            await catalog.show_categories(turn, turn.t.gettext("What are you looking for?"))
        return
    ids = [int(key) for key in wanted.matches if key.isdecimal()]
    if not ids:
        await catalog.show_categories(
            turn,
            turn.t.gettext("We don't have {what} right now.").format(what=wanted.text),
        )
    else:
        await catalog.show_products(turn, ids)  # the best match first


async def _browse(turn: Turn, said: Understanding) -> None:
    section = said.entity("category")
    if section is not None and section.matches:
        categories = await catalog_service.list_categories(turn.shop)
        named = {c.name: c.id for c in categories}
        if section.matches[0] in named:
            await catalog.show_category(turn, named[section.matches[0]], 0)
            return
    await catalog.show_categories(turn)


async def _add_to_cart(turn: Turn, said: Understanding) -> None:
    wanted = said.entity("product")
    ids = [int(key) for key in wanted.matches if key.isdecimal()] if wanted else []
    seen = turn.in_view("seen")
    typed_sku = _typed_sku(said)
    if typed_sku is not None:  # "add TAZA-TAL 2": that SKU, never the one in view
        try:
            product = await catalog_service.get_product(turn.shop, sku=typed_sku)
        except ProductNotFound:
            product = None
        if product is None or not product.active:
            text = turn.t.gettext("We don't have {what} right now.").format(what=typed_sku)
            await catalog.show_categories(turn, text)
            return
        ids = [product.id]
    elif wanted is None and isinstance(seen, int):
        ids = [seen]  # "dame 2" under a product card: that product
    if len(ids) != 1:
        await _search(turn, said)  # none or several: show what there is to choose
        return
    quantity = said.entity("quantity")
    amount = int(quantity.value) if quantity is not None else 1
    await catalog.add(turn, ids[0], amount)  # 0, -3 or 5000: refused in words


# A code typed the way SKUs are written: capitals and digits joined by hyphens.
_SKU = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+(?![\w-])")


def _typed_sku(said: Understanding) -> str | None:
    code = said.entity("order_code")
    for found in _SKU.finditer(said.text):
        if code is None or not (code.start <= found.start() < code.end):
            return found.group()
    return None


async def _view_cart(turn: Turn, said: Understanding) -> None:
    await cart.show_cart(turn)


async def _checkout(turn: Turn, said: Understanding) -> None:
    """ "Quiero pagar", "mándame el link de pago": with nothing in the cart and an order
    waiting for its online payment, the customer means that order: its link."""
    if turn.shop.link_provider is not None:
        view = await cart_service.view_cart(turn.shop, turn.customer.id)
        if view.is_empty:
            mine = await order_service.customer_orders(turn.shop, turn.customer.id, open_only=True)
            waiting = [o for o in mine if payment.payable_online(turn, o)]
            if waiting:
                await payment.send_payment_link(turn, waiting[0].code)  # the newest
                return
    await checkout.start(turn)


async def _shipping_cost(turn: Turn, said: Understanding) -> None:
    place = said.entity("place")
    shop_info.shipping_cost(turn, place.text if place else None)


async def _payment_methods(turn: Turn, said: Understanding) -> None:
    method = said.entity("payment_method")
    shop_info.payment_methods(turn, str(method.value) if method else None)


async def _store_hours(turn: Turn, said: Understanding) -> None:
    shop_info.opening_hours(turn)


async def _store_location(turn: Turn, said: Understanding) -> None:
    shop_info.location(turn)


async def _return_policy(turn: Turn, said: Understanding) -> None:
    shop_info.return_policy(turn)


async def _payment_sent(turn: Turn, said: Understanding) -> None:
    """ "Ya pagué" without a photo: ask for the receipt of the transfer order waiting."""
    _ = turn.t.gettext
    awaited = await support_service.awaited_payments(turn.shop, turn.customer.id)
    waiting = awaited.transfers
    if awaited.receipt_order is not None:
        await receipt_for(turn, awaited.receipt_order)
    elif waiting:
        orders.choose_order(turn, _("Which order did you pay?"), waiting, ReceiptFor)
    elif awaited.card_pending:
        # A payment link's provider is asked now, not at the next reconciliation.
        found = await payment_links.check_customer_links(turn.shop, turn.customer.id)
        paid = sorted(code for code, what in found.items() if what in ("paid", "revived"))
        if paid:
            await orders.show_order(turn, paid[0])  # the "payment received" message follows
            return
        if "pending" in found.values():  # a voucher (OXXO) or a transfer not credited yet
            text = _("Your payment is still pending: I'll tell you as soon as it is credited.")
        else:
            text = _("Card payments are confirmed on their own: I'll tell you when it arrives.")
        menu.main_menu(turn, text)
    else:
        menu.main_menu(
            turn,
            _(
                "I don't see an order waiting for a payment. If something is wrong, "
                "talk to a person."
            ),
        )


async def receipt_for(turn: Turn, code: str) -> None:
    """Wait for the receipt of that order (one of the customer's own: checked when the
    receipt comes, as any order the customer names)."""
    _ = turn.t.gettext
    turn.reset()
    turn.go(Step.AWAITING_RECEIPT, code=code)
    turn.say(
        _("Great! Send me a photo of the receipt here and I'll pass it to the shop.")
        + "\n"
        + _("It is for order {code}.").format(code=code),
        [[Button(_("Menu"), MainMenu().pack())]],
    )


async def _receipt(turn: Turn, said: Understanding) -> None:
    """ "Mi recibo", "quiero factura": the receipt of the order named or meant."""
    code = said.entity("order_code")
    await receipts.asked(turn, str(code.value) if code else None, said.text)


async def _cancel_order(turn: Turn, said: Understanding) -> None:
    code = said.entity("order_code")
    if code is not None:
        await orders.ask_cancel(turn, str(code.value))
        return
    mine = await order_service.customer_orders(turn.shop, turn.customer.id, open_only=True)
    cancellable = [o for o in mine if o.cancellable_by_customer]
    if len(cancellable) == 1:
        await orders.ask_cancel(turn, cancellable[0].code)
    elif cancellable:
        orders.choose_order(
            turn,
            turn.t.gettext("Which order do you want to cancel?"),
            cancellable,
            orders.AskCancel,
        )
    elif mine:
        await orders.ask_cancel(turn, mine[0].code)  # explains why it can't be cancelled
    else:
        menu.main_menu(turn, turn.t.gettext("You have no order to cancel."))


async def _return_request(turn: Turn, said: Understanding) -> None:
    """ "Me llegó roto": start the return of the delivered order, or say why not yet."""
    _ = turn.t.gettext
    if await _no_orders_to_miss(turn, said):
        return
    code = said.entity("order_code")
    if code is not None:
        await orders.start_return(turn, str(code.value))
        return
    recent = await order_service.customer_orders(turn.shop, turn.customer.id, limit=8)
    delivered = [o for o in recent if o.status is OrderStatus.DELIVERED]
    on_the_way = [o for o in recent if o.status is OrderStatus.SHIPPED]
    if on_the_way:
        order = on_the_way[0]
        turn.reset()
        turn.say(
            _(
                "Order {code} shows as on its way. If it already arrived, confirm it and "
                "then you can ask for the return or exchange."
            ).format(code=order.code),
            [
                [Button(_("I received it"), orders.ConfirmReceived(order.code).pack())],
                [Button(_("Talk to a person"), TalkToPerson().pack())],
            ],
        )
    elif len(delivered) == 1:
        await orders.start_return(turn, delivered[0].code)
    elif delivered:
        orders.choose_order(turn, _("Which order is it about?"), delivered, orders.StartReturn)
    elif recent:
        menu.main_menu(
            turn,
            _("Your order {code} is {status}: returns can be asked once it is delivered.").format(
                code=recent[0].code, status=status_name(turn.t, recent[0].status)
            ),
        )
    else:
        menu.main_menu(turn, _("You have no orders to return yet."))


async def _human(turn: Turn, said: Understanding) -> None:
    await support.ask_message(turn)


async def _complaint(turn: Turn, said: Understanding) -> None:
    """Say sorry, and hand the message itself to a person (as any support message: a
    case full of unanswered messages says so instead of taking more)."""
    await support.message_typed(turn, said.text)
    answer = turn.replies[-1]
    answer.text = turn.t.gettext("I'm sorry about that.") + " " + answer.text


async def _greeting(turn: Turn, said: Understanding) -> None:
    menu.greet(turn)


async def _thanks(turn: Turn, said: Understanding) -> None:
    menu.main_menu(turn, turn.t.gettext("You're welcome! Anything else?"))


async def _goodbye(turn: Turn, said: Understanding) -> None:
    turn.reset()
    turn.say(turn.t.gettext("Bye! Write whenever you need something."))


async def _english(turn: Turn, said: Understanding) -> None:
    await menu.set_language(turn, "en")


async def _spanish(turn: Turn, said: Understanding) -> None:
    await menu.set_language(turn, "es")


async def _help(turn: Turn, said: Understanding) -> None:
    menu.show_help(turn)


async def _out_of_scope(turn: Turn, said: Understanding) -> None:
    menu.main_menu(
        turn,
        turn.t.gettext(
            "I can help you with the shop: finding products, your cart, your orders, "
            "shipping and payments. What do you need?"
        ),
    )


ANSWERS: dict[str, Callable[[Turn, Understanding], Awaitable[None]]] = {
    "order_status": _order_status,
    "search": _search,
    "browse_category": _browse,
    "add_to_cart": _add_to_cart,
    "view_cart": _view_cart,
    "checkout": _checkout,
    "shipping_cost": _shipping_cost,
    "payment_methods": _payment_methods,
    "store_hours": _store_hours,
    "store_location": _store_location,
    "return_policy": _return_policy,
    "payment_sent": _payment_sent,
    "receipt": _receipt,
    "cancel_order": _cancel_order,
    "return_request": _return_request,
    "human": _human,
    "complaint": _complaint,
    "greeting": _greeting,
    "thanks": _thanks,
    "goodbye": _goodbye,
    "language_en": _english,
    "language_es": _spanish,
    "menu_help": _help,
    "out_of_scope": _out_of_scope,
}


# -- not sure ------------------------------------------------------------------------------


def option_label(turn: Turn, intent: str) -> str | None:
    """How a likely reading is offered as a button; None: not worth offering."""
    _ = turn.t.gettext
    labels = {
        "order_status": _("Where is my order"),
        "search": _("See products"),
        "browse_category": _("See products"),
        "add_to_cart": _("See products"),
        "view_cart": _("My cart"),
        "checkout": _("Check out"),
        "shipping_cost": _("Shipping costs"),
        "payment_methods": _("Ways to pay"),
        "store_hours": _("Opening hours"),
        "store_location": _("Shop address"),
        "return_policy": _("Returns policy"),
        "payment_sent": _("I already paid"),
        "receipt": _("My receipt"),
        "cancel_order": _("Cancel an order"),
        "return_request": _("Return or exchange"),
        "menu_help": _("Help"),
        "language_en": "English",
        "language_es": "Español",
    }
    return labels.get(intent)


def clarify(turn: Turn, said: Understanding) -> None:
    """Not sure what was meant: offer the likeliest readings and a person; the message is
    kept, so a tap answers it (or hands it to the team) without typing it again."""
    _ = turn.t.gettext
    rows: list[list[Button]] = []
    seen: set[str] = set()
    for intent, _confidence in said.intents[:4]:
        label = option_label(turn, intent)
        if label is not None and label not in seen and len(rows) < 2:
            seen.add(label)
            rows.append([Button(label, ChooseReading(intent).pack())])
    rows.append([Button(_("Talk to a person"), ChoosePerson().pack())])
    rows.append([Button(_("Menu"), MainMenu().pack())])
    turn.reset()
    turn.go(Step.MENU)
    ClarifyDraft(said.text[:1000]).write(turn.data)
    question = (
        _("I'm not sure I understood. Did you mean one of these?")
        if len(rows) > 2
        else _("I'm not sure I understood. Can you say it in other words?")
    )
    turn.say(question, rows)


async def option_chosen(turn: Turn, intent: str) -> None:
    """A tap on one of the readings `clarify` offered: answer the kept message so."""
    text = ClarifyDraft.read(turn.data).said
    if intent not in ANSWERS or not text:
        menu.main_menu(turn)
        return
    said = await understand(turn, text)
    await answer(turn, intent, said)


async def person_chosen(turn: Turn) -> None:
    """ "Talk to a person" after a question we didn't get: the message goes to the team."""
    text = ClarifyDraft.read(turn.data).said
    if not text:
        await support.ask_message(turn)
        return
    await support.message_typed(turn, text)
