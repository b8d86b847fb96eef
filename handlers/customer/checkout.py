"""Checkout, one question at a time, with a way back at every step:
name -> phone -> address -> shipping -> payment -> summary -> confirm.

The address: a whole address typed at once is read apart (core/domain/address_parsing)
and read back for one "right / fix", then only its missing parts are asked; otherwise
it is asked part by part. A shared location is kept beside the written address (the
label needs the street, postal code and city; the courier gets the pin too).

"Back" goes back exactly one question: the questions asked so far are kept in the
draft's "trail", and the answers stay in the draft, offered again as "Use …".
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace

from core.domain import checkout_fields as fields
from core.domain.address_parsing import missing_parts, parse_address
from core.domain.customers import Address
from core.domain.errors import CartChanged, OutOfStock, TooManyOpenOrders
from core.domain.orders import PaymentMethod
from core.domain.payments import offered_method, offered_methods
from core.domain.phones import clean_phone
from core.domain.shipping_zones import Destination
from core.services import cart, checkout, customers, orders
from handlers import checkout_words, options
from handlers.actions import Action, handles
from handlers.customer.cart import empty_cart_reply, show_cart
from handlers.customer.menu import ListOrders, MainMenu, StartCheckout, main_menu
from handlers.customer.orders import ShowOrder
from handlers.customer.payment import send_payment_link
from handlers.drafts import Draft
from handlers.i18n import Translator
from handlers.intents import fold
from handlers.render import (
    address_text,
    days_text,
    money,
    payment_method_name,
    pin_link,
    shipping_method_name,
    totals_lines,
)
from handlers.tracking_links import add_tracking_link
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
FIELD_OF = dict(ADDRESS_FIELDS)
STEP_OF = {field: step for step, field in ADDRESS_FIELDS}
ALL_FIELDS = [field for _step, field in ADDRESS_FIELDS]
# The parts a customer may pick to fix (references are asked after the confirmation).
FIXABLE = ALL_FIELDS[:-1]
ADDRESS_STEPS = set(FIELD_OF) | {Step.CHECKOUT_ADDRESS, Step.ADDRESS_CONFIRM, Step.ADDRESS_FIX}
CHECKOUT_STEPS = ADDRESS_STEPS | {
    Step.CHECKOUT_NAME,
    Step.CHECKOUT_PHONE,
    Step.CHECKOUT_SHIPPING,
    Step.CHECKOUT_PAYMENT,
    Step.CHECKOUT_CONFIRM,
}
MAX_ORDER_BUTTONS = 5
MAX_SHOWN_VALUE = 40  # of an earlier answer on a "Use …" button

# Where "Back" goes for a draft saved before the trail existed (an older version).
OLDER_BACK = {
    Step.CHECKOUT_PHONE: Step.CHECKOUT_NAME,
    Step.CHECKOUT_ADDRESS: Step.CHECKOUT_PHONE,
    Step.ADDRESS_STREET: Step.CHECKOUT_PHONE,
    Step.ADDRESS_NEIGHBOURHOOD: Step.ADDRESS_STREET,
    Step.ADDRESS_CITY: Step.ADDRESS_NEIGHBOURHOOD,
    Step.ADDRESS_STATE: Step.ADDRESS_CITY,
    Step.ADDRESS_POSTAL_CODE: Step.ADDRESS_STATE,
    Step.ADDRESS_REFERENCES: Step.ADDRESS_POSTAL_CODE,
    Step.ADDRESS_CONFIRM: Step.ADDRESS_STREET,
    Step.ADDRESS_FIX: Step.ADDRESS_CONFIRM,
    Step.CHECKOUT_SHIPPING: Step.CHECKOUT_ADDRESS,
    Step.CHECKOUT_PAYMENT: Step.CHECKOUT_SHIPPING,
    Step.CHECKOUT_CONFIRM: Step.CHECKOUT_PAYMENT,
}


@dataclass(frozen=True)
class CheckoutChoice(Action, prefix="ck"):
    """A checkout button: "back", "cancel", "ok", "ship" + the method, "addr" + a saved
    address's id or "new", "fix" + the part… Whether it fits the step is the step's call."""

    what: str
    value: str | None = None


@handles(StartCheckout)
async def _start(turn: Turn, action: StartCheckout) -> None:
    await start(turn)


@handles(CheckoutChoice)
async def _choice(turn: Turn, action: CheckoutChoice) -> bool:
    return await button(turn, action.what, action.value or "")


def nav(turn: Turn, back: bool = True) -> list[Button]:
    _ = turn.t.gettext
    row = [Button(_("Back"), CheckoutChoice("back").pack())] if back else []
    row.append(Button(_("Cancel checkout"), CheckoutChoice("cancel").pack()))
    return row


def _country(turn: Turn) -> str:
    return turn.shop.settings.store_country.upper()


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
    known_phone = last.phone if last else turn.customer.phone
    turn.reset()
    turn.go(
        Step.CHECKOUT_NAME,
        known_name=(last.customer_name if last else turn.customer.name)[:100],
        known_phone=clean_phone(known_phone or "", _country(turn)) or "",
        trail=[],
    )
    await prompt(turn)


# -- the draft -------------------------------------------------------------------------


@dataclass
class Pin(Draft):
    latitude: float = 0.0
    longitude: float = 0.0


@dataclass
class CheckoutDraft(Draft):
    """The answers so far, kept with the conversation (None: not asked yet)."""

    known_name: str | None = None  # of the last order, offered as "Use …"
    known_phone: str | None = None
    name: str | None = None
    phone: str | None = None
    # street, neighbourhood, city…; a saved address also has its country and pin
    address: dict[str, str | float | None] = dataclasses.field(default_factory=dict)
    pin: Pin | None = None  # a shared location
    ask: list[str] | None = None  # the address parts still to ask, in order
    fixing: str | None = None  # the one part being fixed from the read-back
    saved_address: str | None = None  # the id of the saved address chosen
    shipping: str | None = None
    payment: str | None = None
    trail: list[str] | None = None  # the questions asked so far, for "Back"


def _draft(turn: Turn) -> CheckoutDraft:
    return CheckoutDraft.read(turn.data)


def _update(turn: Turn, **answers: object) -> None:
    replace(_draft(turn), **answers).write(turn.data)  # type: ignore[arg-type]


def _set_part(turn: Turn, part: str, value: str) -> None:
    draft = _draft(turn)
    draft.address[part] = value
    draft.write(turn.data)


# The answers the later questions stand on, in the order they are asked.
ANSWERS = (
    ("name", Step.CHECKOUT_NAME),
    ("phone", Step.CHECKOUT_PHONE),
    ("address", Step.ADDRESS_STREET),
    ("shipping", Step.CHECKOUT_SHIPPING),
    ("payment", Step.CHECKOUT_PAYMENT),
)
# How many of ANSWERS each question comes after.
_ASKED_AT: dict[Step, int] = {
    Step.CHECKOUT_NAME: 0,
    Step.CHECKOUT_PHONE: 1,
    **{step: 2 for step in ADDRESS_STEPS},
    Step.CHECKOUT_SHIPPING: 3,
    Step.CHECKOUT_PAYMENT: 4,
    Step.CHECKOUT_CONFIRM: 5,
}


def resume_after_loss(turn: Turn) -> None:
    """Part of the draft was lost (a malformed stored row, its bad values dropped): back
    to the first question whose answer is missing, else the question stays."""
    draft = _draft(turn)
    for answer, step in ANSWERS[: _ASKED_AT.get(turn.step, 0)]:
        if getattr(draft, answer) in (None, "", {}):
            turn.go(step)
            return


# -- moving between the questions ------------------------------------------------------


def _advance(turn: Turn, step: Step, **answers: object) -> None:
    """Go on to a question, remembering the way back. Coming again to a question already
    on the way (after a fix) drops the detour: "Back" then goes where it went before."""
    trail = list(_draft(turn).trail or [])
    if turn.step is not step:
        trail.append(str(turn.step))
    if str(step) in trail:
        del trail[trail.index(str(step)) :]
    _update(turn, trail=trail, **answers)
    turn.go(step)


def _go_back(turn: Turn) -> None:
    trail = list(_draft(turn).trail or [])
    target = None
    while trail and target is None:
        try:
            target = Step(trail.pop())
        except ValueError:  # a step of an older version
            target = None
    target = target or OLDER_BACK.get(turn.step, turn.step)
    _update(turn, fixing=None, trail=trail)
    turn.go(target)


def _address(turn: Turn) -> dict:
    """The address of the draft, with the shared location (if any) beside it."""
    draft = _draft(turn)
    address: dict = dict(draft.address)
    if draft.pin:
        address.update(latitude=draft.pin.latitude, longitude=draft.pin.longitude)
    return address


def _after_field(turn: Turn, field: str) -> None:
    """The question after an answered part: back to the read-back when fixing one part,
    else the next part to ask, then the shipping."""
    if _draft(turn).fixing:
        _update(turn, fixing=None)
        _advance(turn, Step.ADDRESS_CONFIRM)
        return
    ask = _draft(turn).ask or ALL_FIELDS
    if field not in ask:  # the street of a whole address ("Use …" after going back)
        _advance(turn, Step.ADDRESS_CONFIRM)
        return
    later = ask[ask.index(field) + 1 :]
    _advance(turn, STEP_OF[later[0]] if later else Step.CHECKOUT_SHIPPING)


async def _after_phone(turn: Turn, phone: str) -> None:
    """The address next; an address begun before going back to the phone is kept."""
    if await _saved_addresses(turn):
        _advance(turn, Step.CHECKOUT_ADDRESS, phone=phone)
    else:
        _advance(turn, Step.ADDRESS_STREET, phone=phone)


async def _saved_addresses(turn: Turn) -> list[Address]:
    """The customer's addresses a label can be printed for (older ones that were only a
    shared location are left out: they would need the written address anyway)."""
    saved = await customers.saved_addresses(turn.shop, turn.customer.id)
    return [a for a in saved if not missing_parts(a.as_dict(), _country(turn))]


# -- the questions ---------------------------------------------------------------------


async def prompt(turn: Turn) -> None:
    """Ask the question of the current step (also after a restart or a stale button)."""
    _ = turn.t.gettext
    step = turn.step
    if step is Step.CHECKOUT_NAME:
        known = _draft(turn).name or _draft(turn).known_name
        rows = (
            [[Button(_("Use {name}").format(name=known), CheckoutChoice("name").pack())]]
            if known
            else []
        )
        turn.say(_("What name should the order go under?"), [*rows, nav(turn, back=False)])
    elif step is Step.CHECKOUT_PHONE:
        known = _known_phone(turn)
        rows = (
            [[Button(_("Use {phone}").format(phone=known), CheckoutChoice("phone").pack())]]
            if known
            else []
        )
        turn.say(
            _("What phone number can the courier call? Type it or share your contact."),
            [*rows, nav(turn)],
            request_contact=True,
        )
    elif step is Step.CHECKOUT_ADDRESS:
        saved = await _saved_addresses(turn)
        rows = [
            [Button(address_text(a.as_dict())[:60], CheckoutChoice("addr", str(a.id)).pack())]
            for a in saved[:3]
        ]
        rows.append([Button(_("A new address"), CheckoutChoice("addr", "new").pack())])
        turn.say(
            _("Where should we deliver it? Choose an address, or type a new one."),
            [*rows, nav(turn)],
        )
    elif step is Step.ADDRESS_CONFIRM:
        _read_back(turn)
    elif step is Step.ADDRESS_FIX:
        rows = [[Button(part_name(turn.t, f), CheckoutChoice("fix", f).pack())] for f in FIXABLE]
        rows.append([Button(_("Type it all again"), CheckoutChoice("retype").pack())])
        turn.say(_("What should I change?"), [*rows, nav(turn)])
    elif step in FIELD_OF:
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


def part_name(t: Translator, field: str) -> str:
    _ = t.gettext
    return {
        "street": _("Street and number"),
        "neighbourhood": _("Neighbourhood (colonia)"),
        "city": _("City or municipality"),
        "state": _("State"),
        "postal_code": _("Postal code"),
        "references": _("References"),
    }[field]


def _address_question(turn: Turn, step: Step) -> str:
    _ = turn.t.gettext
    if step is Step.ADDRESS_STREET and _draft(turn).pin:
        return _(
            "Street and number? I have your location; the shipping label still needs "
            "the written address (street, postal code and city)."
        )
    return {
        Step.ADDRESS_STREET: _(
            "Street and number? You can also type the whole address in one message, "
            "or share your location."
        ),
        Step.ADDRESS_NEIGHBOURHOOD: _("Neighbourhood (colonia)?"),
        Step.ADDRESS_CITY: _("City or town?"),
        Step.ADDRESS_STATE: _("State?"),
        Step.ADDRESS_POSTAL_CODE: _("Postal code?"),
        Step.ADDRESS_REFERENCES: _(
            "Any references for the courier (between which streets, colour of the door)?"
        ),
    }[step]


def _address_extra(turn: Turn, step: Step) -> list[list[Button]]:
    """The answer given before (after "Back"), to keep it with one tap."""
    rows = []
    earlier = str(_draft(turn).address.get(FIELD_OF[step]) or "")
    if earlier:
        shown = earlier if len(earlier) <= MAX_SHOWN_VALUE else earlier[: MAX_SHOWN_VALUE - 1]
        shown += "" if len(earlier) <= MAX_SHOWN_VALUE else "…"
        rows.append(
            [
                Button(
                    turn.t.gettext("Use {value}").format(value=shown), CheckoutChoice("keep").pack()
                )
            ]
        )
    if step is Step.ADDRESS_REFERENCES:
        rows.append([Button(turn.t.gettext("No references"), CheckoutChoice("skip").pack())])
    return rows


def _read_back(turn: Turn) -> None:
    """The address read from what was typed, part by part, for one "right / fix"."""
    _ = turn.t.gettext
    address = _address(turn)
    lines = [_("Is this the address?")]
    for field in ALL_FIELDS:
        if address.get(field):
            lines.append(f"{part_name(turn.t, field)}: {address[field]}")
    if pin_link(address):
        lines.append(_("Location: {link}").format(link=pin_link(address)))
    missing = missing_parts(address, _country(turn))
    if missing:
        parts = ", ".join(part_name(turn.t, f).lower() for f in missing)
        lines.append(_("Still missing: {parts} (I'll ask you next).").format(parts=parts))
    turn.say(
        "\n".join(lines),
        [
            [
                Button(_("That's right"), CheckoutChoice("addr_ok").pack()),
                Button(_("Fix something"), CheckoutChoice("addr_fix").pack()),
            ],
            nav(turn),
        ],
    )


# -- typed answers ---------------------------------------------------------------------


async def text_typed(turn: Turn, text: str) -> None:
    """A typed answer to the current checkout question."""
    _ = turn.t.gettext
    step = turn.step
    value = " ".join(text.split())
    whole_address = step in (
        Step.CHECKOUT_ADDRESS,
        Step.ADDRESS_STREET,
        Step.ADDRESS_CONFIRM,
        Step.ADDRESS_FIX,
    )
    if (long := fields.too_long(value, whole_address=whole_address)) is not None:
        turn.say(
            _("That is too long ({count} characters). Please keep it under {limit}.").format(
                count=long.length, limit=long.limit
            )
        )
    elif checkout_words.wants_to_stop(value):
        # "mejor no, quiero cancelar" at any question: what the "Cancel" button does
        await button(turn, "cancel")
        return
    elif options.only_agreement(value):
        # "sí", "ok", "el mismo" where nothing was offered to agree to: never a name, a
        # street or a reference
        turn.say(_("I need the answer written out, not just yes or no, or a tap on a button."))
    elif step is Step.CHECKOUT_NAME:
        _name_typed(turn, value)
    elif step is Step.CHECKOUT_PHONE:
        phone = fields.validate_phone(value, _country(turn))
        if isinstance(phone, fields.InvalidField) and phone.found:
            turn.say(
                _(
                    "I see more than one number: {numbers}. Which one should the courier "
                    "call? Please type just that one."
                ).format(numbers=", ".join(phone.found))
            )
        elif isinstance(phone, fields.InvalidField):
            turn.say(_phone_expected(turn))
        else:
            await _after_phone(turn, phone)
    elif step is Step.ADDRESS_STREET:
        _street_typed(turn, text.strip(), value)
    elif step in FIELD_OF:
        _part_typed(turn, step, value)
    elif step is Step.CHECKOUT_ADDRESS and _could_be_an_address(text, turn):
        _update(turn, saved_address=None, address={}, ask=ALL_FIELDS)
        _street_typed(turn, text.strip(), value)
    elif step in (Step.ADDRESS_CONFIRM, Step.ADDRESS_FIX) and _whole_address(turn, text):
        _street_typed(turn, text.strip(), value)  # the address typed again, corrected
    elif step is Step.CHECKOUT_ADDRESS:
        turn.say(_("Choose one of the addresses below, or type a new address."))
    elif step is Step.CHECKOUT_SHIPPING and await _extreme_shipping(turn, value):
        pass  # "el más barato": that one chosen
    elif len(options.mentioned(turn.data, value)) > 1:
        turn.say(_("You mentioned more than one option. Which one do you want?"))
    elif step is Step.CHECKOUT_PAYMENT and _card_refused(turn, value):
        pass  # "con tarjeta" where no card can be paid: said why, and what can be
    else:  # a question with options: ask it again, the checkout stays where it is
        turn.say(_("Please choose one of the options below."))
    await prompt(turn)


def _name_typed(turn: Turn, value: str) -> None:
    """The name, also from "mi nombre es Ana"; a sentence ("mejor no", "¿para qué?",
    "volver") is never kept as one: the question comes again with a hint."""
    _ = turn.t.gettext
    said = checkout_words.name_said(value)
    name = fields.validate_name(said)
    if checkout_words.not_a_name(said):
        turn.say(
            _(
                "That doesn't look like a name. Please type the name of the person receiving "
                "the order, for example Ana López. To stop, tap “Cancel checkout”."
            )
        )
    elif isinstance(name, fields.InvalidField):
        turn.say(_("Please type the name of the person receiving the order."))
    else:
        _advance(turn, Step.CHECKOUT_PHONE, name=name)


async def _extreme_shipping(turn: Turn, text: str) -> bool:
    """ "El más barato" / "lo más rápido": the one offered option that is it (a tie is
    asked again with the options)."""
    wanted = checkout_words.extreme_shipping(text)
    if wanted is None:
        return False
    address = _address(turn)
    ranked: list[tuple[int, str]] = []
    for code, option in turn.shop.policy.shipping_to(Destination.of(address)).items():
        if wanted == "cheapest":
            totals = await checkout.quote(turn.shop, turn.customer.id, code, address)
            ranked.append((totals.shipping_fee.amount, code))
        else:
            ranked.append((option.max_days, code))
    ranked.sort()
    if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return False
    _advance(turn, Step.CHECKOUT_PAYMENT, shipping=ranked[0][1])
    return True


def _card_refused(turn: Turn, text: str) -> bool:
    """A card named where none can be paid: say so, with the methods that can."""
    said = f" {fold(text)} "
    if turn.takes_cards or not any(f" {word} " in said for word in options.CARD):
        return False
    methods = ", ".join(
        payment_method_name(turn.t, m).lower() for m in offered_methods(turn.takes_cards)
    )
    _ = turn.t.gettext
    turn.say(
        _("Card payments aren't available in this chat yet. You can pay: {methods}.").format(
            methods=methods
        )
    )
    return True


def _phone_expected(turn: Turn) -> str:
    _ = turn.t.gettext
    country = _country(turn)
    if country == "MX":
        return _(
            "That doesn't look like a Mexican phone number. Please type its 10 digits, "
            "with the area code, for example 55 1234 5678 (+52 in front is fine)."
        )
    if country == "ES":
        return _(
            "That doesn't look like a Spanish phone number. Please type its 9 digits, "
            "for example 612 345 678 (+34 in front is fine)."
        )
    return _(
        "That doesn't look like a phone number. Type it with digits, for example +52 55 1234 5678."
    )


def _postal_code_expected(turn: Turn) -> str:
    _ = turn.t.gettext
    country = _country(turn)
    if country == "MX":
        return _("A postal code has 5 digits, for example 06600. Please type it again.")
    if country == "ES":
        return _(
            "A Spanish postal code has 5 digits and starts with 01 to 52, for example "
            "28013. Please type it again."
        )
    return _("That doesn't look like a postal code. Type it again, e.g. 06000.")


def _whole_address(turn: Turn, text: str) -> bool:
    return fields.is_whole_address(text, _country(turn))


def _could_be_an_address(text: str, turn: Turn) -> bool:
    """Typed where saved addresses are offered: a new address, or just a remark?"""
    return fields.could_be_an_address(text, _country(turn))


def _street_typed(turn: Turn, raw: str, value: str) -> None:
    """The answer to "street and number?": a whole address (read back for a check) or
    the street alone (then the other parts are asked one by one)."""
    parsed = parse_address(raw, _country(turn))
    if parsed is not None:
        address = {k: v for k, v in parsed.as_dict().items() if v}
        address["typed"] = parsed.typed
        ask = missing_parts(address, _country(turn))
        if not address.get("references"):
            ask.append("references")
        _advance(turn, Step.ADDRESS_CONFIRM, address=address, ask=ask, fixing=None)
        return
    street = fields.validate_street(value)
    if isinstance(street, fields.InvalidField):
        return  # the question is asked again
    _set_part(turn, "street", street)
    if turn.step is Step.CHECKOUT_ADDRESS:  # "Back" from the colonia comes to the street
        _advance(turn, Step.ADDRESS_STREET)
    if not _draft(turn).fixing:
        _update(turn, ask=ALL_FIELDS)
    _after_field(turn, "street")


def _part_typed(turn: Turn, step: Step, value: str) -> None:
    field = FIELD_OF[step]
    part = fields.validate_address_part(field, value, _country(turn))
    if isinstance(part, fields.InvalidField):
        if part.problem is fields.Problem.NOT_A_POSTAL_CODE:
            turn.say(_postal_code_expected(turn))
        return  # too short: the question is asked again
    _set_part(turn, field, part)
    _after_field(turn, field)


async def contact_shared(turn: Turn, phone: str) -> None:
    if turn.step is not Step.CHECKOUT_PHONE:
        turn.say(turn.t.gettext("Thanks! I saved your number for your next order."))
        return
    await text_typed(turn, phone)


async def location_shared(turn: Turn, latitude: float, longitude: float) -> None:
    """A shared location is kept as the delivery pin beside the written address, never
    instead of it: the question that was open stays open."""
    _ = turn.t.gettext
    if turn.step not in CHECKOUT_STEPS:
        turn.say(_("Thanks! If you want to order, I will ask for the address."))
        return
    _update(turn, pin=Pin(latitude, longitude))
    if missing_parts(_address(turn), _country(turn)) and turn.step is not Step.ADDRESS_STREET:
        turn.say(
            _(
                "📍 Thanks, the courier will get your location. The shipping label still "
                "needs the written address (street, postal code and city)."
            )
        )
    elif turn.step is not Step.ADDRESS_STREET:
        turn.say(_("📍 Thanks, the courier will get your location with the address."))
    await prompt(turn)


# -- shipping, payment and the summary ---------------------------------------------------


async def _ask_shipping(turn: Turn) -> None:
    _ = turn.t.gettext
    rows = []
    address = _address(turn)
    for code, option in turn.shop.policy.shipping_to(Destination.of(address)).items():
        totals = await checkout.quote(turn.shop, turn.customer.id, code, address)
        fee = (
            money(turn.t, totals.shipping_fee.amount, totals.shipping_fee.currency)
            if totals.shipping_fee.amount
            else _("free")
        )
        label = f"{shipping_method_name(turn.t, code)} · {fee} · "
        label += days_text(turn.t, option.min_days, option.max_days)
        rows.append([Button(label, CheckoutChoice("ship", code).pack())])
    turn.say(_("How should we ship it?"), [*rows, nav(turn)])


def _ask_payment(turn: Turn) -> None:
    _ = turn.t.gettext
    methods = offered_methods(turn.takes_cards)
    rows = [
        [Button(payment_method_name(turn.t, m), CheckoutChoice("pay", m).pack())] for m in methods
    ]
    turn.say(_("How do you want to pay?"), [*rows, nav(turn)])


async def _summary(turn: Turn) -> None:
    _ = turn.t.gettext
    view = await cart.view_cart(turn.shop, turn.customer.id)
    if view.is_empty:
        empty_cart_reply(turn)
        return
    draft = _draft(turn)
    draft.need("name", "phone", "address", "shipping", "payment")
    address = _address(turn)
    totals = await checkout.quote(turn.shop, turn.customer.id, draft.shipping, address)
    cur = totals.total.currency
    lines = [_("Please check your order:")]
    lines += [
        f"{ln.quantity} × {ln.name} — {money(turn.t, ln.total.amount, cur)}" for ln in view.lines
    ]
    lines += totals_lines(turn.t, totals, turn.shop.policy)
    lines.append(_("For: {name}, {phone}").format(name=draft.name, phone=draft.phone))
    lines.append(_("Deliver to: {address}").format(address=address_text(address)))
    lines.append(
        _("Shipping method: {method}").format(method=shipping_method_name(turn.t, draft.shipping))
    )
    lines.append(_("Payment: {method}").format(method=payment_method_name(turn.t, draft.payment)))
    turn.say(
        "\n".join(lines),
        [[Button(_("Confirm order"), CheckoutChoice("ok").pack())], nav(turn)],
    )


# -- buttons ---------------------------------------------------------------------------


async def button(turn: Turn, action: str, value: str = "") -> bool:
    """A checkout button. False when it doesn't belong to the current step (stale)."""
    step = turn.step
    if step not in CHECKOUT_STEPS:
        return False
    if action == "cancel":
        turn.reset()
        main_menu(turn, turn.t.gettext("Checkout cancelled. Your cart is still saved."))
        return True
    if action == "back":
        if step is Step.CHECKOUT_NAME:
            return False  # the first question: nothing before it
        _go_back(turn)
        await prompt(turn)
        return True
    handled = await _choose(turn, step, action, value)
    if handled and turn.step in CHECKOUT_STEPS:
        await prompt(turn)  # the next question (or the summary again after a change)
    return handled


async def _choose(turn: Turn, step: Step, action: str, value: str) -> bool:
    draft = _draft(turn)
    if action == "name" and step is Step.CHECKOUT_NAME and (draft.name or draft.known_name):
        _advance(turn, Step.CHECKOUT_PHONE, name=draft.name or draft.known_name)
    elif action == "phone" and step is Step.CHECKOUT_PHONE and (known := _known_phone(turn)):
        await _after_phone(turn, known)
    elif action == "addr" and step is Step.CHECKOUT_ADDRESS:
        return await _address_chosen(turn, value)
    elif action in ("addr_ok", "addr_fix", "fix", "retype"):
        return _read_back_answered(turn, step, action, value)
    elif action == "keep" and step in FIELD_OF and draft.address.get(FIELD_OF[step]):
        _after_field(turn, FIELD_OF[step])
    elif action == "skip" and step is Step.ADDRESS_REFERENCES:
        _set_part(turn, "references", "")
        _after_field(turn, "references")
    elif action == "ship" and step is Step.CHECKOUT_SHIPPING and value in turn.shop.policy.shipping:
        _advance(turn, Step.CHECKOUT_PAYMENT, shipping=value)
    elif action == "pay" and step is Step.CHECKOUT_PAYMENT and _payment_allowed(turn, value):
        _advance(turn, Step.CHECKOUT_CONFIRM, payment=value)
    elif action == "ok" and step is Step.CHECKOUT_CONFIRM:
        await place(turn)
    else:
        return False
    return True


def _known_phone(turn: Turn) -> str:
    return _draft(turn).phone or _draft(turn).known_phone or ""


async def _address_chosen(turn: Turn, value: str) -> bool:
    if value == "new":  # a new address begun earlier is kept, a saved one is not
        draft = _draft(turn)
        begun = {} if draft.saved_address else draft.address
        _advance(turn, Step.ADDRESS_STREET, address=begun, saved_address=None)
        return True
    saved = {str(a.id): a for a in await _saved_addresses(turn)}
    if value not in saved:
        return False
    _advance(turn, Step.CHECKOUT_SHIPPING, address=saved[value].as_dict(), saved_address=value)
    return True


def _read_back_answered(turn: Turn, step: Step, action: str, value: str) -> bool:
    """ "That's right", "Fix something", the part to fix, or "type it all again"."""
    if action == "addr_ok" and step is Step.ADDRESS_CONFIRM:
        ask = _draft(turn).ask or []
        _advance(turn, STEP_OF[ask[0]] if ask else Step.CHECKOUT_SHIPPING)
    elif action == "addr_fix" and step is Step.ADDRESS_CONFIRM:
        _advance(turn, Step.ADDRESS_FIX)
    elif action == "fix" and step is Step.ADDRESS_FIX and value in FIXABLE:
        _advance(turn, STEP_OF[value], fixing=value)
    elif action == "retype" and step is Step.ADDRESS_FIX:
        _advance(turn, Step.ADDRESS_STREET, address={}, ask=ALL_FIELDS)
    else:
        return False
    return True


def _payment_allowed(turn: Turn, value: str) -> bool:
    return offered_method(value, turn.takes_cards) is not None


async def place(turn: Turn) -> None:
    _ = turn.t.gettext
    draft = _draft(turn)
    draft.need("name", "phone", "address", "shipping", "payment")
    details = checkout.CheckoutDetails(
        name=draft.name,  # type: ignore[arg-type]  (need() checked them)
        phone=draft.phone,  # type: ignore[arg-type]
        address=Address.from_dict(_address(turn)),
        shipping_method=draft.shipping,  # type: ignore[arg-type]
        payment_method=draft.payment,  # type: ignore[arg-type]
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
    if order.payment_method is PaymentMethod.CARD and not turn.capabilities.payments:
        await send_payment_link(turn, order.code, "\n".join(text))  # a payment link
        return  # it links the tracking page too
    if order.payment_method is PaymentMethod.BANK_TRANSFER:
        text.append(_("Please transfer {total} to:").format(total=total))
        text.append(turn.shop.settings.bank_transfer_details)
        text.append(_("Then send a photo of the receipt here, and we will confirm your order."))
        turn.go(Step.AWAITING_RECEIPT, code=order.code)
        placed = turn.say("\n".join(text), [[Button(_("I'll send it later"), MainMenu().pack())]])
    elif order.payment_method is PaymentMethod.CARD:  # the channel's own (Telegram's)
        text.append(_("Pay with the button below to confirm it."))
        placed = turn.say(
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
        placed = turn.say(
            "\n".join(text),
            [
                [Button(_("Track my order"), ShowOrder(order.code).pack())],
                [Button(_("Menu"), MainMenu().pack())],
            ],
        )
    await add_tracking_link(turn.shop, turn.t, order.code, placed)


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
    rows = [[Button(code, ShowOrder(code).pack())] for code in refused.codes[:MAX_ORDER_BUTTONS]]
    rows.append([Button(_("My orders"), ListOrders().pack()), Button(_("Menu"), MainMenu().pack())])
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
