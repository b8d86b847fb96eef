"""The admin chat's entry points: a command, a typed answer, the help. Each feature
(orders, returns, stock, catalog, support, reports, privacy) lives in its own module of
handlers/admin/; every action calls a service as the merchant the person claims to be,
and the service checks the claim, so a customer trying an admin command is refused
there, changes nothing, and is logged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.domain.orders import normalize_order_code
from handlers import commands
from handlers.admin import catalog as products
from handlers.admin import documents, orders, phone_orders, returns, stock, support
from handlers.admin import privacy as customer_privacy
from handlers.admin import purchase_orders as purchasing
from handlers.admin import suppliers as supplying
from handlers.admin.export import export
from handlers.admin.reports import report
from handlers.commands import Audience
from handlers.turn import Step, Turn
from handlers.types import Button


def help_text(turn: Turn) -> None:
    _ = turn.t.gettext
    turn.reset()
    turn.say(
        "\n".join(
            [
                _("Shop admin. Commands:"),
                *commands.help_text(Audience.ADMIN, _, turn.t.locale),
            ]
        ),
        [
            [
                Button(
                    _("Awaiting confirmation"), orders.ListOrders("awaiting_confirmation", 0).pack()
                ),
                Button(_("All orders"), orders.ListOrders("all", 0).pack()),
            ],
            [
                Button(_("Returns"), returns.OpenReturn(0).pack()),
                Button(_("Report"), orders.ListOrders("report", 0).pack()),
            ],
        ],
    )


async def command(turn: Turn, message: str) -> None:
    """A command of the catalogue (handlers/commands.py) for admins."""
    found = commands.find(message, Audience.ADMIN)
    if found is None:
        name = message.partition(" ")[0].split("@")[0].lower()
        turn.say(
            turn.t.gettext("I don't know the command {command}. Try /help.").format(
                command=name[:30]
            )
        )
        return
    parts = message.split(maxsplit=1)
    await run(turn, found.action, parts[1].strip() if len(parts) > 1 else "")


async def run(turn: Turn, action: str, rest: str) -> None:
    """An admin command by its catalogue action, with what was typed after its name."""
    await COMMAND_ACTIONS[action](turn, rest)


Run = Callable[[Turn, str], Awaitable[None]]


def _order_command(action: str) -> Run:
    """A command about one order: its code first ("/rechazar PED-7K3FQ reason")."""

    async def on_order(turn: Turn, rest: str) -> None:
        args = rest.split()
        code = normalize_order_code(args[0]) if args else None
        if code is None:
            turn.say(
                turn.t.gettext("Which order? Add its code, e.g. {example}.").format(
                    example=f"{commands.slash_name(action, Audience.ADMIN)} PED-7K3FQ"
                )
            )
            return
        await orders.order_action(turn, action, code, rest.partition(" ")[2].strip(), args)

    return on_order


def _product_command(action: str) -> Run:
    return lambda turn, rest: products.product_command(turn, action, rest)


def _support_command(action: str) -> Run:
    return lambda turn, rest: support.support_command(turn, action, rest.split(), rest)


def _privacy_command(action: str) -> Run:
    return lambda turn, rest: customer_privacy.command(turn, action, rest)


async def _help(turn: Turn, _rest: str) -> None:
    help_text(turn)


# What each admin command of the catalogue does, by its action.
COMMAND_ACTIONS: dict[str, Run] = {
    "help": _help,
    "orders": lambda turn, rest: orders.orders_by_words(turn, rest.split()),
    "returns": lambda turn, _rest: returns.returns_queue(turn),
    "stock": lambda turn, rest: stock.stock(turn, rest.split(), rest),
    "report": lambda turn, rest: report(turn, rest.split()[0] if rest.split() else "7d"),
    "export": lambda turn, _rest: export(turn),
    "cases": lambda turn, _rest: support.open_cases(turn),
    **{action: purchasing.command(action) for action in purchasing.COMMANDS},
    "reply": _support_command("reply"),
    "close": _support_command("close"),
    "new_product": lambda turn, rest: products.new_product(turn, rest),
    "new_order": phone_orders.new_order,
    "suppliers": supplying.suppliers_command,
    "supplier": supplying.supplier_command,
    "supply": supplying.supply_command,
    "reorder": supplying.reorder_command,
    "packing_slip": documents.packing_slip_command,
    "picking_list": documents.send_picking_list,
    "receipt": documents.receipt_command,
    **{
        action: _product_command(action)
        for action in ("product", "price", "description", "image", "activate", "deactivate")
    },
    **{action: _privacy_command(action) for action in customer_privacy.ACTIONS},
    **{
        action: _order_command(action)
        for action in (
            "order",
            "confirm",
            "confirm_unpaid",
            "reject",
            "prepare",
            "packed",
            "ship",
            "delivered",
            "cancel",
            "refund",
            "paid",
            "label",
        )
    },
}
commands.check_answered(COMMAND_ACTIONS, Audience.ADMIN)


def older_button(turn: Turn) -> None:
    """A button that is no admin action, or one whose order, return or case is no
    longer there to act on: say so, and show the help."""
    help_text(turn)
    turn.replies[-1].text = (
        turn.t.gettext("That button is from an older message.") + "\n" + turn.replies[-1].text
    )


async def answer(turn: Turn, message: str) -> bool:
    """A typed answer to the question the admin chat is waiting on; False if none is.
    Each feature reads what its question is about from its draft (a draft of the wrong
    shape is MalformedDraft: the conversation apologises and starts over)."""
    typed = ANSWERS.get(turn.step)
    if typed is None:
        return False
    await typed(turn, " ".join(message.split()))
    return True


ANSWERS: dict[Step, Run] = {
    Step.ADMIN_REJECT_REASON: orders.reason_typed,
    Step.ADMIN_CANCEL_REASON: orders.reason_typed,
    Step.ADMIN_TRACKING: orders.tracking_typed,
    Step.ADMIN_RETURN_REJECT_REASON: returns.reject_reason_typed,
    Step.ADMIN_RETURN_ADDRESS: returns.address_typed,
    Step.ADMIN_EXCHANGE_TRACKING: returns.tracking_typed,
    Step.ADMIN_SUPPORT_REPLY: support.reply_typed,
    **{step: phone_orders.answer_typed for step in phone_orders.STEPS},
}
