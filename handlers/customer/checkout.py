"""Checkout, one question at a time, with a way back at every step:
name -> phone -> address -> shipping -> payment -> summary -> confirm."""

from __future__ import annotations

import re

from core.domain.customers import Address
from core.domain.errors import CartChanged, OutOfStock, TooManyOpenOrders
from core.domain.orders import PaymentMethod
from core.domain.shipping_zones import Destination
from core.services import cart, checkout, customers, orders
from handlers.customer.cart import empty_cart_reply, show_cart
from handlers.customer.menu import main_menu
from handlers.payloads import pack
from handlers.render import (
    address_text,
    days_text,
    money,
    payment_method_name,
    shipping_method_name,
    totals_lines,
)
from handlers.turn import Step, Turn
from handlers.types import Button, Invoice

ADDRESS_FIELDS = [
    (Step.ADDRESS_STREET, "street"),
    (Step.ADDRESS_NEIGHBOURHOOD, "neighbourhood"),
    (Step.ADDRESS_CITY, "city"),
    (Step.ADDRESS_STATE, "state"),
    (Step.ADDRESS_POSTAL_CODE, "postal_code"),
    (Step.ADDRESS_REFERENCES, "references"),
]
ADDRESS_STEPS = {step for step, _field in ADDRESS_FIELDS} | {Step.CHECKOUT_ADDRESS}
CHECKOUT_STEPS = ADDRESS_STEPS | {
    Step.CHECKOUT_NAME,
    Step.CHECKOUT_PHONE,
    Step.CHECKOUT_SHIPPING,
    Step.CHECKOUT_PAYMENT,
    Step.CHECKOUT_CONFIRM,
}
MAX_FIELD = 200
MAX_ORDER_BUTTONS = 5


def nav(turn: Turn, back: bool = True) -> list[Button]:
    _ = turn.t.gettext
    row = [Button(_("Back"), pack("ck", "back"))] if back else []
    row.append(Button(_("Cancel checkout"), pack("ck", "cancel")))
    return row


async def start(turn: Turn) -> None:
    view = await cart.view_cart(turn.shop, turn.customer.id)
    if view.is_empty:
        empty_cart_reply(turn)
        return
    try:
        await checkout.ensure_can_order(turn.shop, turn.customer.id)
    except TooManyOpenOrders as refused:
        too_many_open_orders(turn, refused)
        return
    previous = await orders.customer_orders(turn.shop, turn.customer.id, limit=1)
    last = previous[0] if previous else None
    turn.reset()
    turn.go(
        Step.CHECKOUT_NAME,
        known_name=(last.customer_name if last else turn.customer.name)[:100],
        known_phone=last.phone if last else turn.customer.phone,
    )
    await prompt(turn)


async def prompt(turn: Turn) -> None:
    """Ask the question of the current step (also after a restart or a stale button)."""
    _ = turn.t.gettext
    step = turn.step
    if step is Step.CHECKOUT_NAME:
        known = turn.data.get("known_name")
        rows = [[Button(_("Use {name}").format(name=known), pack("ck", "name"))]] if known else []
        turn.say(_("What name should the order go under?"), [*rows, nav(turn, back=False)])
    elif step is Step.CHECKOUT_PHONE:
        known = turn.data.get("known_phone")
        rows = (
            [[Button(_("Use {phone}").format(phone=known), pack("ck", "phone"))]] if known else []
        )
        turn.say(
            _("What phone number can the courier call? Type it or share your contact."),
            [*rows, nav(turn)],
            request_contact=True,
        )
    elif step is Step.CHECKOUT_ADDRESS:
        saved = await customers.saved_addresses(turn.shop, turn.customer.id)
        rows = [
            [Button(address_text(a.as_dict())[:60], pack("ck", "addr", a.id))] for a in saved[:3]
        ]
        rows.append([Button(_("A new address"), pack("ck", "addr", "new"))])
        turn.say(_("Where should we deliver it?"), [*rows, nav(turn)])
    elif step in ADDRESS_STEPS:
        turn.say(
            _address_question(turn, step),
            [*_address_extra(turn, step), nav(turn)],
            request_location=step is Step.ADDRESS_STREET,
        )
    elif step is Step.CHECKOUT_SHIPPING:
        await _ask_shipping(turn)
    elif step is Step.CHECKOUT_PAYMENT:
        _ask_payment(turn)
    elif step is Step.CHECKOUT_CONFIRM:
        await _summary(turn)


def _address_question(turn: Turn, step: Step) -> str:
    _ = turn.t.gettext
    return {
        Step.ADDRESS_STREET: _("Street and number? You can also share your location."),
        Step.ADDRESS_NEIGHBOURHOOD: _("Neighbourhood (colonia)?"),
        Step.ADDRESS_CITY: _("City or town?"),
        Step.ADDRESS_STATE: _("State?"),
        Step.ADDRESS_POSTAL_CODE: _("Postal code?"),
        Step.ADDRESS_REFERENCES: _(
            "Any references for the courier (between which streets, colour of the door)?"
        ),
    }[step]


def _address_extra(turn: Turn, step: Step) -> list[list[Button]]:
    if step is Step.ADDRESS_REFERENCES:
        return [[Button(turn.t.gettext("No references"), pack("ck", "skip"))]]
    return []


async def text_typed(turn: Turn, text: str) -> None:
    """A typed answer to the current checkout question."""
    _ = turn.t.gettext
    step = turn.step
    value = " ".join(text.split())
    if len(value) > MAX_FIELD:
        turn.say(
            _("That is too long ({count} characters). Please keep it under {limit}.").format(
                count=len(value), limit=MAX_FIELD
            )
        )
        return
    if step is Step.CHECKOUT_NAME:
        if not re.search(r"[^\W\d_]", value) or len(value) < 2:
            turn.say(_("Please type the name of the person receiving the order."))
            return
        turn.go(Step.CHECKOUT_PHONE, name=value)
    elif step is Step.CHECKOUT_PHONE:
        phone = clean_phone(value)
        if phone is None:
            turn.say(
                _(
                    "That doesn't look like a phone number. Type it with digits, "
                    "for example +52 55 1234 5678."
                )
            )
            return
        turn.go(Step.CHECKOUT_ADDRESS, phone=phone)
        await _skip_address_choice_if_none_saved(turn)
    elif step is Step.CHECKOUT_ADDRESS:
        turn.say(_("Choose one of the addresses below, or “A new address”."))
    elif step in ADDRESS_STEPS:
        field = dict(ADDRESS_FIELDS)[step]
        if field == "postal_code" and not re.fullmatch(r"[A-Za-z0-9 -]{3,10}", value):
            turn.say(_("That doesn't look like a postal code. Type it again, e.g. 06000."))
            return
        if field != "references" and len(value) < 2:
            turn.say(_address_question(turn, step))
            return
        turn.data.setdefault("address", {})[field] = value
        _next_address_step(turn, step)
    elif step in (Step.CHECKOUT_SHIPPING, Step.CHECKOUT_PAYMENT, Step.CHECKOUT_CONFIRM):
        turn.say(_("Please choose one of the options below."))
    await prompt(turn)


def clean_phone(text: str) -> str | None:
    digits = re.sub(r"[\s().-]", "", text)
    if re.fullmatch(r"\+?\d{7,15}", digits):
        return digits
    return None


async def contact_shared(turn: Turn, phone: str) -> None:
    if turn.step is not Step.CHECKOUT_PHONE:
        turn.say(turn.t.gettext("Thanks! I saved your number for your next order."))
        return
    await text_typed(turn, phone)


async def location_shared(turn: Turn, latitude: float, longitude: float) -> None:
    if turn.step not in ADDRESS_STEPS:
        turn.say(turn.t.gettext("Thanks! If you want to order, I will ask for the address."))
        return
    turn.data["address"] = {"street": "", "latitude": latitude, "longitude": longitude}
    turn.go(Step.ADDRESS_REFERENCES)
    await prompt(turn)


async def _skip_address_choice_if_none_saved(turn: Turn) -> None:
    if not await customers.saved_addresses(turn.shop, turn.customer.id):
        turn.go(Step.ADDRESS_STREET, address={})


def _next_address_step(turn: Turn, step: Step) -> None:
    steps = [s for s, _field in ADDRESS_FIELDS]
    following = steps.index(step) + 1
    turn.go(steps[following] if following < len(steps) else Step.CHECKOUT_SHIPPING)


async def _ask_shipping(turn: Turn) -> None:
    _ = turn.t.gettext
    rows = []
    address = turn.data.get("address")
    for code, option in turn.shop.policy.shipping_to(Destination.of(address)).items():
        totals = await checkout.quote(turn.shop, turn.customer.id, code, address)
        fee = (
            money(turn.t, totals.shipping_fee.amount, totals.shipping_fee.currency)
            if totals.shipping_fee.amount
            else _("free")
        )
        label = f"{shipping_method_name(turn.t, code)} · {fee} · "
        label += days_text(turn.t, option.min_days, option.max_days)
        rows.append([Button(label, pack("ck", "ship", code))])
    turn.say(_("How should we ship it?"), [*rows, nav(turn)])


def _ask_payment(turn: Turn) -> None:
    _ = turn.t.gettext
    methods = [PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.BANK_TRANSFER]
    if turn.card_payments:
        methods.insert(0, PaymentMethod.CARD)
    rows = [[Button(payment_method_name(turn.t, m), pack("ck", "pay", m))] for m in methods]
    turn.say(_("How do you want to pay?"), [*rows, nav(turn)])


async def _summary(turn: Turn) -> None:
    _ = turn.t.gettext
    view = await cart.view_cart(turn.shop, turn.customer.id)
    if view.is_empty:
        empty_cart_reply(turn)
        return
    totals = await checkout.quote(
        turn.shop, turn.customer.id, turn.data["shipping"], turn.data.get("address")
    )
    cur = totals.total.currency
    lines = [_("Please check your order:")]
    lines += [
        f"{ln.quantity} × {ln.name} — {money(turn.t, ln.total.amount, cur)}" for ln in view.lines
    ]
    lines += totals_lines(turn.t, totals, turn.shop.policy)
    lines.append(_("For: {name}, {phone}").format(name=turn.data["name"], phone=turn.data["phone"]))
    lines.append(_("Deliver to: {address}").format(address=address_text(turn.data["address"])))
    lines.append(
        _("Shipping method: {method}").format(
            method=shipping_method_name(turn.t, turn.data["shipping"])
        )
    )
    lines.append(
        _("Payment: {method}").format(method=payment_method_name(turn.t, turn.data["payment"]))
    )
    turn.say(
        "\n".join(lines),
        [[Button(_("Confirm order"), pack("ck", "ok"))], nav(turn)],
    )


BACK = {
    Step.CHECKOUT_PHONE: Step.CHECKOUT_NAME,
    Step.CHECKOUT_ADDRESS: Step.CHECKOUT_PHONE,
    Step.CHECKOUT_SHIPPING: Step.CHECKOUT_ADDRESS,
    Step.CHECKOUT_PAYMENT: Step.CHECKOUT_SHIPPING,
    Step.CHECKOUT_CONFIRM: Step.CHECKOUT_PAYMENT,
}


async def button(turn: Turn, args: list[str]) -> bool:
    """A checkout button. False when it doesn't belong to the current step (stale)."""
    action = args[0] if args else ""
    step = turn.step
    if step not in CHECKOUT_STEPS:
        return False
    if action == "cancel":
        turn.reset()
        main_menu(turn, turn.t.gettext("Checkout cancelled. Your cart is still saved."))
        return True
    if action == "back":
        target = Step.CHECKOUT_PHONE if step in ADDRESS_STEPS else BACK.get(step, step)
        turn.go(target)
        await prompt(turn)
        return True
    handled = await _choose(turn, step, action, args[1] if len(args) > 1 else "")
    if handled and turn.step in CHECKOUT_STEPS:
        await prompt(turn)  # the next question (or the summary again after a change)
    return handled


async def _choose(turn: Turn, step: Step, action: str, value: str) -> bool:
    if action == "name" and step is Step.CHECKOUT_NAME and turn.data.get("known_name"):
        turn.go(Step.CHECKOUT_PHONE, name=turn.data["known_name"])
    elif action == "phone" and step is Step.CHECKOUT_PHONE and turn.data.get("known_phone"):
        turn.go(Step.CHECKOUT_ADDRESS, phone=turn.data["known_phone"])
        await _skip_address_choice_if_none_saved(turn)
    elif action == "addr" and step is Step.CHECKOUT_ADDRESS:
        if value == "new":
            turn.go(Step.ADDRESS_STREET, address={})
        else:
            saved = {
                str(a.id): a for a in await customers.saved_addresses(turn.shop, turn.customer.id)
            }
            if value not in saved:
                return False
            turn.go(Step.CHECKOUT_SHIPPING, address=saved[value].as_dict())
    elif action == "skip" and step is Step.ADDRESS_REFERENCES:
        turn.data.setdefault("address", {})["references"] = ""
        turn.go(Step.CHECKOUT_SHIPPING)
    elif action == "ship" and step is Step.CHECKOUT_SHIPPING and value in turn.shop.policy.shipping:
        turn.go(Step.CHECKOUT_PAYMENT, shipping=value)
    elif action == "pay" and step is Step.CHECKOUT_PAYMENT and _payment_allowed(turn, value):
        turn.go(Step.CHECKOUT_CONFIRM, payment=value)
    elif action == "ok" and step is Step.CHECKOUT_CONFIRM:
        await place(turn)
    else:
        return False
    return True


def _payment_allowed(turn: Turn, value: str) -> bool:
    if value == PaymentMethod.CARD:
        return turn.card_payments
    return value in (PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.BANK_TRANSFER)


async def place(turn: Turn) -> None:
    _ = turn.t.gettext
    data = turn.data
    details = checkout.CheckoutDetails(
        name=data["name"],
        phone=data["phone"],
        address=Address.from_dict(data["address"]),
        shipping_method=data["shipping"],
        payment_method=data["payment"],
    )
    try:
        order = await checkout.place_order(turn.shop, turn.customer.id, details)
    except OutOfStock as problem:
        notes = [_stock_note(turn, s.name, s.available) for s in problem.shortages]
        await show_cart(turn, "\n".join(notes))
        return
    except TooManyOpenOrders as refused:
        too_many_open_orders(turn, refused)
        return
    except CartChanged as changed:
        notes = [
            _("The price of {name} changed from {old} to {new}.").format(
                name=c.name,
                old=money(turn.t, c.old_price, turn.shop.currency),
                new=money(turn.t, c.new_price, turn.shop.currency),
            )
            for c in changed.price_changes
        ]
        turn.say("\n".join(notes))
        return
    total = money(turn.t, order.total.amount, order.currency)
    text = ["✅ " + _("Order {code} placed. Total: {total}.").format(code=order.code, total=total)]
    turn.reset()
    if order.payment_method is PaymentMethod.BANK_TRANSFER:
        text.append(_("Please transfer {total} to:").format(total=total))
        text.append(turn.shop.settings.bank_transfer_details)
        text.append(_("Then send a photo of the receipt here, and we will confirm your order."))
        turn.go(Step.AWAITING_RECEIPT, code=order.code)
        turn.say("\n".join(text), [[Button(_("I'll send it later"), pack("m"))]])
    elif order.payment_method is PaymentMethod.CARD:
        text.append(_("Pay with the button below to confirm it."))
        turn.say(
            "\n".join(text),
            invoice=Invoice(
                order.code,
                turn.shop.settings.store_name,
                _("Order {code}").format(code=order.code),
                order.currency,
                order.total.amount,
            ),
        )
    else:
        text.append(
            _("The shop will confirm it shortly. You pay {total} on delivery.").format(total=total)
        )
        text.append(_("Ask “where is my order?” any time."))
        turn.say(
            "\n".join(text),
            [[Button(_("Track my order"), pack("t", order.code))], [Button(_("Menu"), pack("m"))]],
        )


def too_many_open_orders(turn: Turn, refused: TooManyOpenOrders) -> None:
    """No new order while MAX_OPEN_UNPAID_ORDERS wait for payment or confirmation: which
    ones, and how to make room (the cart stays as it is)."""
    _ = turn.t.gettext
    count = len(refused.codes)
    text = turn.t.ngettext(
        "You already have {count} order waiting for payment or for the shop's "
        "confirmation: {codes}.",
        "You already have {count} orders waiting for payment or for the shop's "
        "confirmation: {codes}.",
        count,
    ).format(count=count, codes=", ".join(refused.codes))
    text += "\n" + _(
        "To place a new one, pay one of them (for a bank transfer, send the receipt here) "
        "or cancel one you no longer want. Your cart is saved."
    )
    rows = [[Button(code, pack("t", code))] for code in refused.codes[:MAX_ORDER_BUTTONS]]
    rows.append([Button(_("My orders"), pack("o")), Button(_("Menu"), pack("m"))])
    turn.reset()
    turn.say(text, rows)


def _stock_note(turn: Turn, name: str, available: int) -> str:
    if available <= 0:
        return turn.t.gettext("{name} ran out and was removed from your cart.").format(name=name)
    return turn.t.ngettext(
        "Only {n} {name} is left; your cart now has {n}.",
        "Only {n} {name} are left; your cart now has {n}.",
        available,
    ).format(n=available, name=name)
