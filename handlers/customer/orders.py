"""“¿Dónde está mi pedido?”, my orders, and what a customer can do with an order:
cancel, confirm receipt, rate, ask for a return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from core.domain.actors import customer as customer_actor
from core.domain.errors import InvalidReturn
from core.domain.orders import Order, OrderStatus
from core.domain.returns import ReturnRequest, ReturnResolution
from core.services import orders, returns
from core.services.orders import OrderDetails
from handlers.actions import Action, handles
from handlers.customer import return_answers
from handlers.customer.menu import ListOrders, MainMenu, ShowCategories, TalkToPerson, main_menu
from handlers.customer.payment import PayOrder, payable_online
from handlers.drafts import Draft
from handlers.quoting import one_line
from handlers.rating_typed import TypedRating, parse_rating, rating_with_comment
from handlers.render import (
    delivery_estimate,
    event_name,
    money,
    order_status_name,
    status_name,
    when,
)
from handlers.tracking_links import add_tracking_link
from handlers.turn import Step, Turn
from handlers.types import Button

LIST_SIZE = 8
# How long after delivery a bare "5" is taken as the rating the delivery message asked for.
JUST_DELIVERED = timedelta(days=3)


@dataclass(frozen=True)
class ShowOrder(Action, prefix="t"):
    code: str


@dataclass(frozen=True)
class AskCancel(Action, prefix="oc"):
    code: str


@dataclass(frozen=True)
class CancelOrder(Action, prefix="ocy"):  # "Yes, cancel it"
    code: str


@dataclass(frozen=True)
class ConfirmReceived(Action, prefix="od"):
    code: str


@dataclass(frozen=True)
class RateOrder(Action, prefix="or"):
    code: str
    stars: int  # 0: asks how many


@dataclass(frozen=True)
class StartReturn(Action, prefix="ort"):
    code: str


@dataclass(frozen=True)
class ReturnLine(Action, prefix="rl"):
    code: str
    index: int  # of the order's line


@dataclass(frozen=True)
class ReturnQuantity(Action, prefix="rq"):
    quantity: int


@dataclass(frozen=True)
class ChooseResolution(Action, prefix="rr"):
    resolution: str  # "refund" or "exchange"


@dataclass(frozen=True)
class ChooseReplacement(Action, prefix="rxp"):
    product_id: int


@dataclass
class RatingDraft(Draft):
    code: str = ""
    stars: int | None = None


@dataclass
class ReturnDraft(Draft):
    """A return being asked for, one line of one order (None: not answered yet)."""

    code: str = ""
    sku: str = ""
    name: str = ""  # of the product, as the order has it
    most: int | None = None  # units of it in the order
    quantity: int | None = None
    reason: str | None = None
    choices: list[tuple[int, str]] | None = None  # what an exchange may send instead
    same: int | None = None  # the same product among the choices


# A button naming no order ("t:") is from nothing of ours: answered as stale (False).


@handles(ListOrders)
async def _list_orders(turn: Turn, action: ListOrders) -> None:
    await list_orders(turn)


@handles(ShowOrder)
async def _show_order(turn: Turn, action: ShowOrder) -> bool | None:
    return await show_order(turn, action.code) if action.code else False


@handles(AskCancel)
async def _ask_cancel(turn: Turn, action: AskCancel) -> bool | None:
    return await ask_cancel(turn, action.code) if action.code else False


@handles(CancelOrder)
async def _cancel(turn: Turn, action: CancelOrder) -> bool | None:
    return await cancel(turn, action.code) if action.code else False


@handles(ConfirmReceived)
async def _confirm_received(turn: Turn, action: ConfirmReceived) -> bool | None:
    return await confirm_received(turn, action.code) if action.code else False


@handles(RateOrder)
async def _rate(turn: Turn, action: RateOrder) -> bool | None:
    return await rate(turn, action.code, action.stars) if action.code else False


@handles(StartReturn)
async def _start_return(turn: Turn, action: StartReturn) -> bool | None:
    return await start_return(turn, action.code) if action.code else False


@handles(ReturnLine)
async def _return_line(turn: Turn, action: ReturnLine) -> bool | None:
    return await return_line(turn, action.code, action.index) if action.code else False


@handles(ReturnQuantity)
async def _return_quantity(turn: Turn, action: ReturnQuantity) -> bool:
    if turn.step is not Step.RETURN_QUANTITY:
        return False
    await return_quantity(turn, action.quantity)
    return True


_RESOLUTIONS = {str(r) for r in ReturnResolution}


@handles(ChooseResolution)
async def _return_resolution(turn: Turn, action: ChooseResolution) -> bool:
    if turn.step is not Step.RETURN_RESOLUTION or action.resolution not in _RESOLUTIONS:
        return False
    await return_resolution(turn, action.resolution)
    return True


@handles(ChooseReplacement)
async def _replacement_chosen(turn: Turn, action: ChooseReplacement) -> bool:
    if turn.step is not Step.RETURN_REPLACEMENT:
        return False
    await replacement_chosen(turn, action.product_id)
    return True


def rating_buttons(code: str) -> list[list[Button]]:
    """One to five stars for an order (a rating asked here or in a notification)."""
    return [[Button("★" * n, RateOrder(code, n).pack()) for n in range(1, 6)]]


def _actor(turn: Turn):
    return customer_actor(turn.customer.id)


async def track(turn: Turn, code: str | None = None) -> None:
    """Where is my order: the one named, the only open one, or a choice."""
    _ = turn.t.gettext
    if code:
        await show_order(turn, code)
        return
    open_orders = await orders.customer_orders(
        turn.shop, turn.customer.id, open_only=True, limit=LIST_SIZE
    )
    if not open_orders:
        turn.reset()
        turn.say(
            _("You have no orders on the way right now."),
            [
                [
                    Button(_("Catalog"), ShowCategories().pack()),
                    Button(_("My orders"), ListOrders().pack()),
                ]
            ],
        )
    elif len(open_orders) == 1:
        await show_order(turn, open_orders[0].code)
    else:
        # "On the way" only when one has left the shop; each button says where it is.
        shipped = sum(o.status is OrderStatus.SHIPPED for o in open_orders)
        question = (
            _("You have {count} open orders, {shipped} of them on the way. Which one?")
            if shipped
            else _("You have {count} open orders; none has shipped yet. Which one?")
        )
        choose_order(
            turn, question.format(count=len(open_orders), shipped=shipped), open_orders, ShowOrder
        )


def no_orders(turn: Turn) -> None:
    """ "My order never arrived" from someone with no orders here: say so, and offer the
    catalog and a person (the order may have been placed by phone or in another chat)."""
    _ = turn.t.gettext
    turn.reset()
    turn.say(
        _("You have no orders yet.")
        + " "
        + _("If you ordered by phone or in another chat, a person from the shop can look for it."),
        [
            [
                Button(_("Catalog"), ShowCategories().pack()),
                Button(_("Talk to a person"), TalkToPerson().pack()),
            ]
        ],
    )


def choose_order(
    turn: Turn, question: str, choices: list[Order], action: Callable[[str], Action]
) -> None:
    """A button per order (code and status) that does `action` to it."""
    turn.reset()
    rows = [
        [
            Button(
                f"{o.code} · {what_is_in(o)} · {order_status_name(turn.t, o)}",
                action(o.code).pack(),
            )
        ]
        for o in choices[:LIST_SIZE]
    ]
    turn.say(question, rows)


def what_is_in(order: Order) -> str:
    """ "Vela de lavanda" or "Vela de lavanda +2": which order is which, at a glance."""
    if not order.lines:
        return ""
    first = one_line(order.lines[0].name, 24)
    return first if len(order.lines) == 1 else f"{first} +{len(order.lines) - 1}"


async def list_orders(turn: Turn) -> None:
    _ = turn.t.gettext
    turn.reset()
    mine = await orders.customer_orders(turn.shop, turn.customer.id, limit=LIST_SIZE)
    if not mine:
        turn.say(_("You have no orders yet."), [[Button(_("Catalog"), ShowCategories().pack())]])
        return
    rows = []
    for order in mine:
        total = money(turn.t, order.total.amount, order.currency)
        rows.append(
            [
                Button(
                    f"{order.code} · {total} · {order_status_name(turn.t, order)}",
                    ShowOrder(order.code).pack(),
                )
            ]
        )
    rows.append([Button(_("Menu"), MainMenu().pack())])
    turn.say(_("Your orders:"), rows)


def tracking_text(turn: Turn, details: OrderDetails) -> str:
    _ = turn.t.gettext
    order, now = details.order, turn.shop.now()
    lines = [
        "📦 "
        + _("Order {code}: {status}.").format(
            code=order.code, status=order_status_name(turn.t, order)
        )
    ]
    for event in details.timeline:
        if event.kind == "rated":
            continue
        lines.append(f"• {when(turn.t, event.at, now, turn.zone)} — {event_name(turn.t, event)}")
    if details.shipment:
        lines.append(
            _("Carrier: {carrier}, tracking number {number}").format(
                carrier=details.shipment.carrier_name, number=details.shipment.tracking_number
            )
        )
        lines.append(_("Track it here: {url}").format(url=details.shipment.tracking_url))
    estimate = delivery_estimate(turn.t, order, details.shipment, turn.shop.policy, turn.zone)
    if estimate and order.status is not OrderStatus.PENDING_PAYMENT:
        lines.append(estimate)
    if order.cancel_reason and order.status is OrderStatus.CANCELLED:
        lines.append(_("Reason: {reason}").format(reason=order.cancel_reason))
    return "\n".join(lines)


async def show_order(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    details = await orders.order_details(turn.shop, code, _actor(turn))
    order = details.order
    turn.reset()
    rows = []
    if order.status is OrderStatus.SHIPPED:
        rows.append([Button(_("I received it"), ConfirmReceived(order.code).pack())])
    if order.status is OrderStatus.DELIVERED:
        if order.rating is None:
            rows.append([Button(_("Rate this order"), RateOrder(order.code, 0).pack())])
        rows.append([Button(_("Return or exchange"), StartReturn(order.code).pack())])
    if payable_online(turn, order):
        rows.append([Button(_("Pay"), PayOrder(order.code).pack())])
    if order.cancellable_by_customer:
        rows.append([Button(_("Cancel order"), AskCancel(order.code).pack())])
    rows.append([Button(_("My orders"), ListOrders().pack()), Button(_("Menu"), MainMenu().pack())])
    shown = turn.say(tracking_text(turn, details), rows)
    await add_tracking_link(turn.shop, turn.t, order.code, shown)


async def ask_cancel(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    details = await orders.order_details(turn.shop, code, _actor(turn))
    if not details.order.cancellable_by_customer:
        await _cannot_cancel(turn, code, details.order.status)
        return
    turn.say(
        _("Do you really want to cancel order {code}?").format(code=code),
        [
            [
                Button(_("Yes, cancel it"), CancelOrder(code).pack()),
                Button(_("No"), ShowOrder(code).pack()),
            ]
        ],
    )


async def _cannot_cancel(turn: Turn, code: str, status: str) -> None:
    """Why an order can't be cancelled (a stale "Yes, cancel it" lands here too), said
    for where it is: an order already over never "arrives"; a delivered one can go back."""
    _ = turn.t.gettext
    menu_row = [Button(_("My orders"), ListOrders().pack()), Button(_("Menu"), MainMenu().pack())]
    if status == OrderStatus.CANCELLED:
        turn.say(_("Order {code} is already cancelled.").format(code=code), [menu_row])
        return
    if status == OrderStatus.EXPIRED:
        turn.say(
            _(
                "Order {code} already expired (not paid or confirmed in time): there is nothing "
                "to cancel."
            ).format(code=code),
            [menu_row],
        )
        return
    if status == OrderStatus.DELIVERED:
        turn.say(
            _(
                "Order {code} was already delivered, so it can no longer be cancelled. If "
                "something is wrong, ask for a return or exchange, or talk to a person."
            ).format(code=code),
            [
                [Button(_("Return or exchange"), StartReturn(code).pack())],
                [Button(_("Talk to a person"), TalkToPerson(code).pack())],
            ],
        )
        return
    turn.say(
        _(
            "Order {code} is {status}, so it can no longer be cancelled here. "
            "If something is wrong, talk to a person or ask for a return once it arrives."
        ).format(code=code, status=status_name(turn.t, status)),
        [
            [
                Button(_("Talk to a person"), TalkToPerson().pack()),
                Button(_("Menu"), MainMenu().pack()),
            ]
        ],
    )


async def cancel(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    outcome = await orders.cancel_by_customer(
        turn.shop, _actor(turn), code, _("Cancelled by the customer")
    )
    if isinstance(outcome, orders.NotCancellable):
        await _cannot_cancel(turn, code, outcome.order.status)
        return
    text = _("Order {code} is cancelled.").format(code=code)
    if outcome.refunds:
        text += " " + _("Your payment will be refunded.")
    main_menu(turn, text)


async def confirm_received(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    await orders.mark_delivered(turn.shop, _actor(turn), code)
    ask_rating(turn, code, _("Thanks for confirming! How was your order?"))


def ask_rating(turn: Turn, code: str, text: str) -> None:
    turn.reset()
    turn.go(Step.RATING, code=code)
    hint = turn.t.gettext("Type a number from 1 to 5, or tap the stars.")
    turn.say(f"{text}\n{hint}", rating_buttons(code), expects_number=True)


async def rating_typed(turn: Turn, text: str) -> None:
    """An answer typed at "how many stars?": "5", "⭐⭐⭐⭐⭐", "excelente", or with a
    comment, "5 estrellas, muy bien todo" (both kept: no need to ask for the comment)."""
    code = RatingDraft.read(turn.data).code
    typed = rating_with_comment(text, asked=True)
    if typed is not None and typed.comment:  # "⭐⭐ excelente": the stars, and the words
        await rate(turn, code, typed.stars, typed.comment)
        return
    stars = parse_rating(text) or (typed.stars if typed else None)
    if stars is None:
        ask_rating(turn, code, turn.t.gettext("Sorry, I need a rating from 1 to 5."))
        return
    await rate(turn, code, stars)


async def rate_latest(turn: Turn, text: str) -> bool:
    """A rating typed after the "it was delivered, how was it?" message ("⭐⭐⭐⭐⭐",
    "5 estrellas", "5 estrellas, muy bien todo"): the latest delivered order not rated
    yet. False when there is none or the text is not clearly a rating: a number in a
    sentence ("quiero 2 tazas") is none."""
    stars = parse_rating(text, clear_only=True)
    bare = parse_rating(text) if text.strip().isdecimal() else None
    typed: TypedRating | None = rating_with_comment(text)
    if typed is not None and (typed.comment or (stars is None and bare is None)):
        # "le doy un 4, llegó tarde" is a bare number said in words: as "4", only just
        # after "how was it?"; stars written ("5 estrellas, …") count as "5 estrellas".
        stars, bare = (typed.stars, None) if typed.clear else (None, typed.stars)
    elif stars is None and bare is None:
        return False
    else:
        typed = None  # the whole message is the rating: the comment is asked for
    recent = await orders.customer_orders(turn.shop, turn.customer.id, limit=LIST_SIZE)
    unrated = [o for o in recent if o.status is OrderStatus.DELIVERED and o.rating is None]
    if stars is None and unrated:  # a bare "5": only just after "how was it?"
        just_now = turn.shop.now() - unrated[0].updated_at < JUST_DELIVERED
        stars = bare if just_now else None
    if not unrated or stars is None:
        return False
    await rate(turn, unrated[0].code, stars, typed.comment if typed else "")
    return True


async def rate(turn: Turn, code: str, stars: int, comment: str = "") -> None:
    """The stars, and the comment when it came with them (else it is asked for)."""
    _ = turn.t.gettext
    if not 1 <= stars <= 5:
        ask_rating(turn, code, _("How many stars do you give order {code}?").format(code=code))
        return
    await orders.rate_order(turn.shop, _actor(turn), code, stars, comment[:1000])
    if comment.strip():
        main_menu(turn, _("Thanks for your rating and your comment!"))
        return
    turn.go(Step.RATING_COMMENT, code=code, stars=stars)
    turn.say(
        _("Thank you! Would you like to add a comment? Type it here."),
        [[Button(_("No, thanks"), MainMenu().pack())]],
    )


async def rating_comment(turn: Turn, text: str) -> None:
    _ = turn.t.gettext
    draft = RatingDraft.read(turn.data)
    draft.need("code", "stars")
    code, stars = draft.code, draft.stars
    await orders.rate_order(turn.shop, _actor(turn), code, stars, text[:1000])
    main_menu(turn, _("Thanks for your comment!"))


async def start_return(turn: Turn, code: str) -> None:
    _ = turn.t.gettext
    details = await orders.order_details(turn.shop, code, _actor(turn))
    if details.order.status is not OrderStatus.DELIVERED:
        turn.say(_("Returns can be requested once the order is delivered."))
        await show_order(turn, code)
        return
    turn.reset()
    rows = [
        [Button(f"{line.name} ×{line.quantity}", ReturnLine(code, index).pack())]
        for index, line in enumerate(details.order.lines)
    ]
    rows.append([Button(_("Cancel"), ShowOrder(code).pack())])
    turn.say(_("Which product do you want to return?"), rows)


async def return_line(turn: Turn, code: str, index: int) -> None:
    details = await orders.order_details(turn.shop, code, _actor(turn))
    if not 0 <= index < len(details.order.lines):
        await start_return(turn, code)
        return
    line = details.order.lines[index]
    turn.go(Step.RETURN_QUANTITY, code=code, sku=line.sku, name=line.name, most=line.quantity)
    if line.quantity == 1:
        await return_quantity(turn, 1)
        return
    _ask_quantity(turn)


def _ask_quantity(turn: Turn, before: str = "") -> None:
    _ = turn.t.gettext
    draft = ReturnDraft.read(turn.data)
    most = draft.most or 1
    question = _("How many {name} do you want to return? From 1 to {most}.").format(
        name=draft.name, most=most
    )
    turn.say(
        f"{before}\n{question}" if before else question,
        [[Button(str(n), ReturnQuantity(n).pack()) for n in range(1, min(most, 5) + 1)]],
        expects_number=True,  # a typed "1" is one unit, not the first button
    )


async def return_quantity(turn: Turn, quantity: int) -> None:
    _ = turn.t.gettext
    if not 1 <= quantity <= (ReturnDraft.read(turn.data).most or 0):
        _ask_quantity(turn, _("That quantity doesn't fit this order."))
        return
    turn.go(Step.RETURN_REASON, quantity=quantity)
    turn.say(
        _("Tell us briefly why you are returning it."), [[Button(_("Cancel"), MainMenu().pack())]]
    )


async def return_quantity_typed(turn: Turn, text: str) -> None:
    """ "1", "una", "2 piezas", "todas" at "how many?"; anything else asks again."""
    quantity = return_answers.quantity(text, ReturnDraft.read(turn.data).most or 1)
    if quantity is None:
        _ask_quantity(turn, turn.t.gettext("Sorry, I need the number of units."))
        return
    await return_quantity(turn, quantity)


async def return_reason(turn: Turn, text: str) -> None:
    _ = turn.t.gettext
    reason = " ".join(text.split())
    if len(reason) < 3:
        turn.say(_("Please tell us the reason in a few words."))
        return
    turn.go(Step.RETURN_RESOLUTION, reason=reason[:500])
    _ask_resolution(turn)


def _ask_resolution(turn: Turn, before: str = "") -> None:
    _ = turn.t.gettext
    question = _("Do you want a refund or an exchange (another size, colour or the same product)?")
    turn.say(
        f"{before}\n{question}" if before else question,
        [
            [
                Button(_("Refund"), ChooseResolution(ReturnResolution.REFUND).pack()),
                Button(_("Exchange"), ChooseResolution(ReturnResolution.EXCHANGE).pack()),
            ]
        ],
    )


async def return_resolution(turn: Turn, resolution: str) -> None:
    if ReturnResolution(resolution) is ReturnResolution.EXCHANGE:
        await ask_replacement(turn)
        return
    await _request_return(turn, ReturnResolution.REFUND)


async def return_resolution_typed(turn: Turn, text: str) -> None:
    """ "reembolso", "devolución del dinero", "cambiarlo por otra talla", "exchange"."""
    resolution = return_answers.resolution(text)
    if resolution is None:
        _ask_resolution(turn, turn.t.gettext("Sorry, I didn't get that."))
        return
    await return_resolution(turn, resolution)


async def ask_replacement(turn: Turn, before: str = "") -> None:
    """What to send instead: the same product or another size or colour, in stock."""
    _ = turn.t.gettext
    data = ReturnDraft.read(turn.data)
    data.need("code", "sku", "quantity")
    options = await returns.exchange_options(
        turn.shop, _actor(turn), data.code, data.sku, data.quantity or 0
    )
    if not options:
        turn.go(Step.RETURN_RESOLUTION)
        text = _(
            "Sorry, there is nothing to exchange it for in stock right now. You can ask for "
            "a refund, or talk to a person."
        )
        turn.say(
            f"{before}\n{text}" if before else text,
            [
                [Button(_("Refund"), ChooseResolution(ReturnResolution.REFUND).pack())],
                [Button(_("Talk to a person"), TalkToPerson(data.code).pack())],
            ],
        )
        return
    # by SKU: the product may have been renamed since, or share its name with a variant
    same = next((p.id for p in options if p.sku == data.sku), None)
    turn.go(Step.RETURN_REPLACEMENT, choices=[[p.id, p.name] for p in options], same=same)
    rows = [
        [
            Button(
                _("{name} (same product)").format(name=p.name) if p.id == same else p.name,
                ChooseReplacement(p.id).pack(),
            )
        ]
        for p in options
    ]
    rows.append([Button(_("Cancel"), MainMenu().pack())])
    question = _("What would you like instead of {name}?").format(name=data.name)
    turn.say(f"{before}\n{question}" if before else question, rows)


async def replacement_chosen(turn: Turn, product_id: int) -> None:
    if not any(pid == product_id for pid, _name in _choices(turn)):
        await ask_replacement(turn, turn.t.gettext("Please choose one of these."))
        return
    await _request_return(turn, ReturnResolution.EXCHANGE, product_id)


async def replacement_typed(turn: Turn, text: str) -> None:
    """ "el mismo", "la L", "camisa azul"; anything else asks again."""
    chosen = return_answers.replacement(text, _choices(turn), ReturnDraft.read(turn.data).same)
    if chosen is None:
        await ask_replacement(turn, turn.t.gettext("Sorry, I didn't get which one."))
        return
    await _request_return(turn, ReturnResolution.EXCHANGE, chosen)


def _choices(turn: Turn) -> list[tuple[int, str]]:
    return list(ReturnDraft.read(turn.data).choices or [])


async def _request_return(
    turn: Turn, resolution: ReturnResolution, replacement: int | None = None
) -> None:
    _ = turn.t.gettext
    data = ReturnDraft.read(turn.data)
    data.need("code", "sku", "quantity", "reason")
    try:
        request = await returns.request_return(
            turn.shop,
            _actor(turn),
            data.code,
            {data.sku: data.quantity or 0},
            data.reason or "",
            resolution,
            {data.sku: replacement} if replacement is not None else None,
        )
    except InvalidReturn as error:
        if error.data.get("problem") != "replacement_unavailable":
            raise
        await ask_replacement(turn, _("Sorry, that one just ran out."))
        return
    text = _("Return #{id} requested for order {code}.").format(id=request.id, code=data.code)
    if request.is_exchange:
        text += " " + _(
            "You'll get {items} in exchange; we're keeping it for you, and it ships once "
            "your items are back."
        ).format(items=items_text(request))
    text += " " + _("The shop will review it and tell you here where to send the items.")
    main_menu(turn, text)


def items_text(request: ReturnRequest) -> str:
    """ "1 × Camisa (L)": what an exchange sends."""
    return ", ".join(
        f"{line.quantity} × {line.replacement_name}"
        for line in request.lines
        if line.replacement_id
    )
