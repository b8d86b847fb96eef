"""The admin's side of customers' data rights: /datos sends a customer's data as a
document, /olvidar erases it after a confirmation. A customer is named by their number
or by one of their orders' codes (what an admin has in front of them)."""

from __future__ import annotations

from dataclasses import dataclass

from core.services import privacy
from handlers.actions import Action, handles
from handlers.admin.actor import actor
from handlers.commands import Audience, slash_name
from handlers.customer.privacy import JSON_AS_TEXT
from handlers.drafts import Draft
from handlers.i18n import Translator
from handlers.quoting import inline, one_line
from handlers.turn import Step, Turn
from handlers.types import Button, Document

ACTIONS = ("customer_data", "forget_customer")


@dataclass
class ForgetQuestion(Draft):
    forget_customer: int | None = None  # the customer "erase?" was just asked about


# The answers to "erase?".
@dataclass(frozen=True)
class ForgetCustomer(Action, prefix="afg", admin=True):
    customer_id: int


@dataclass(frozen=True)
class KeepCustomer(Action, prefix="afn", admin=True):
    pass


async def command(turn: Turn, action: str, rest: str) -> None:
    _ = turn.t.gettext
    reference = rest.split()[0] if rest.split() else ""
    if not reference:
        turn.say(
            _(
                "Write {command} and the customer's number or one of their order codes, "
                "e.g. {command} PED-7K3FQ."
            ).format(command=slash_name(action, Audience.ADMIN))
        )
        return
    try:
        customer_id = await privacy.find_customer(turn.shop, actor(turn), reference)
    except privacy.CustomerNotFound:
        turn.say(
            _(
                "I can't find the customer “{reference}”. Use their number or one of their "
                "order codes."
            ).format(reference=reference[:40])
        )
        return
    if action == "customer_data":
        await send_data(turn, customer_id)
    else:
        await ask_forget(turn, customer_id)


async def send_data(turn: Turn, customer_id: int) -> None:
    _, t = turn.t.gettext, turn.t
    data = await privacy.export_customer_data(turn.shop, actor(turn), customer_id)
    count = len(data["orders"])
    latest = next((o["name"] for o in reversed(data["orders"]) if o["name"]), "")
    turn.say(
        _("Data of customer #{id} ({name}): {orders}.").format(
            id=customer_id,
            name=inline(latest or data["customer"]["name"]),
            orders=t.ngettext("{n} order", "{n} orders", count).format(n=count),
        ),
        document=Document(
            _("customer-{id}").format(id=customer_id) + ".json",
            privacy.export_json(data),
            JSON_AS_TEXT,
        ),
    )


def erase_question(t: Translator, customer_id: int, summary: privacy.CustomerSummary) -> str:
    """The one question before erasing, in the admin chat and the CLI alike."""
    return t.gettext(
        "Erase the personal data of customer #{id} ({name} · {phone}, {orders})? "
        "Their orders stay for the books without name, phone or address. This can't "
        "be undone."
    ).format(
        id=customer_id,
        name=inline(summary.name),
        phone=one_line(summary.phone),
        orders=t.ngettext("{n} order", "{n} orders", summary.orders).format(n=summary.orders),
    )


async def ask_forget(turn: Turn, customer_id: int) -> None:
    _, t = turn.t.gettext, turn.t
    summary = await privacy.summarise(turn.shop, actor(turn), customer_id)
    turn.reset()
    if summary.forgotten:
        turn.say(_("Customer #{id}'s data was already erased.").format(id=customer_id))
        return
    if summary.in_progress:
        blocked(turn, customer_id, summary.in_progress)
        return
    turn.go(Step.MENU)
    ForgetQuestion(customer_id).write(turn.data)  # "yes" counts only right after this
    turn.say(
        erase_question(t, customer_id, summary),
        [
            [
                Button(_("Yes, erase"), ForgetCustomer(customer_id).pack()),
                Button(_("No"), KeepCustomer().pack()),
            ]
        ],
    )


def blocked(turn: Turn, customer_id: int, codes: list[str]) -> None:
    turn.say(blocked_text(turn.t, customer_id, codes))


def blocked_text(t: Translator, customer_id: int, codes: list[str]) -> str:
    """Why a customer can't be forgotten yet (the admin chat and the CLI alike)."""
    return t.ngettext(
        "Customer #{id}'s data can't be erased yet: order {codes} is still in progress "
        "and needs their details. Deliver or cancel it first.",
        "Customer #{id}'s data can't be erased yet: orders {codes} are still in "
        "progress and need their details. Deliver or cancel them first.",
        len(codes),
    ).format(id=customer_id, codes=", ".join(codes))


def erased_text(t: Translator, customer_id: int, orders_kept: int) -> str:
    return t.ngettext(
        "Customer #{id}'s personal data was erased; {n} order stays for the books "
        "without their details.",
        "Customer #{id}'s personal data was erased; {n} orders stay for the books "
        "without their details.",
        orders_kept,
    ).format(id=customer_id, n=orders_kept)


@handles(KeepCustomer)
async def keep(turn: Turn, action: KeepCustomer) -> None:
    turn.reset()
    turn.say(turn.t.gettext("OK, nothing was erased."))


@handles(ForgetCustomer)
async def forget(turn: Turn, action: ForgetCustomer) -> bool:
    """Yes, erase; False (a button from an older message) unless it answers the question
    just asked about this customer."""
    customer_id = action.customer_id
    if ForgetQuestion.read(turn.data).forget_customer != customer_id:
        return False
    turn.reset()
    try:
        done = await privacy.forget_customer(turn.shop, actor(turn), customer_id)
    except privacy.CustomerHasOpenOrders as error:  # an order placed meanwhile
        blocked(turn, customer_id, list(error.data.get("codes", [])))
        return True
    turn.say(erased_text(turn.t, customer_id, done.orders_kept))
    return True
